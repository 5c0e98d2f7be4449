"""The SGLang backend against a fake SGLang server: FastAPI on loopback (real HTTP), answering with
the shapes SGLang 0.5.23's server uses (tasks/serving/sglang.py names the files read): ``/health``,
``/v1/models`` with adapter cards, ``/load_lora_adapter`` without ``/v1`` and its
``{"success", "error_message"}`` answers, the adapter chosen per request by ``model:
"<base>:<adapter>"`` or ``lora_path``, top-level OpenAI error objects, chat logprobs."""

from __future__ import annotations

import asyncio
import base64
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from PIL import Image

from claimvlm.config import load_params
from claimvlm.model.params import TrackingParams
from claimvlm.serving.backends import BACKENDS, BackendError, open_backend
from claimvlm.serving.params import ServeParams, SglangParams
from claimvlm.serving.sglang import SglangBackend
from tests.conftest import ROOT
from tests.serving.conftest import _free_port
from tests.serving.conftest import running as run_app
from tests.serving.test_vllm import (
    ADAPTER_CONFIG,
    INSTRUCTION,
    adapter_files,
    expected,
    logprob_content,
    package,
    pages,
    pieces,
    weights,
)

BASE = "/models/base/Qwen2.5-VL-3B-Instruct"  # SGLang serves the base under its --model-path
MERGED = "claimvlm-merged"  # --served-model-name of a server started on merged weights
ADAPTER = "claimvlm-reader-v3"


def answer(width: int, served_by: str) -> str:
    return json.dumps({"document_type": "admission_discharge", "patient_name": "김가명",
                       "hospital_name": "서울밝은병원", "page_width": width, "served_by": served_by},
                      ensure_ascii=False)


@dataclass
class Fake:
    """State of the fake SGLang server, and what it was asked."""

    base: str = BASE
    adapters: dict[str, str] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str], Any]] = field(default_factory=list)
    mode: str = "openai"
    fail: int | None = None
    healthy: bool = True
    lora_enabled: bool = True  # False: started without --enable-lora
    lora_api: bool = True  # False: a release without /load_lora_adapter
    colon_syntax: bool = True  # False: a release before model "<base>:<adapter>" (lora_path only)
    lists_adapters: bool = True  # False: a release whose /v1/models lists the base only
    sees_adapter_dir: bool = True  # False: the server does not have serve.sglang.adapter_dir mounted
    hold: bool = False  # chat answers only once released (or after 5 s): a client timeout
    in_flight: int = 0
    max_in_flight: int = 0

    def reset(self) -> None:
        self.__dict__.update(vars(Fake()))

    def asked(self, path: str) -> list[Any]:
        return [body for p, _, body in self.requests if p == path]


def _lora_result(success: bool, error: str | None, fake: Fake) -> JSONResponse:
    body = {"rid": None, "http_worker_ipc": None, "success": success, "error_message": error,
            "loaded_adapters": dict(fake.adapters)}
    return JSONResponse(body, 200 if success else 400)


def _error(status: int, message: str, kind: str = "BadRequest") -> JSONResponse:
    return JSONResponse({"object": "error", "message": message, "type": kind, "param": None, "code": status}, status)


def _adapter_of(fake: Fake, body: dict[str, Any]) -> str | None:
    """The adapter a request asks for, as SGLang's serving_base resolves it: the model parameter's
    adapter first (the served name matched whole, colons and all), then ``lora_path``."""
    model, adapter = str(body.get("model", "")), None
    if fake.colon_syntax and ":" in model and model != fake.base:
        adapter = model[len(fake.base) + 1:] if model.startswith(f"{fake.base}:") else model.split(":", 1)[1]
        adapter = adapter.strip() or None
    return adapter if adapter is not None else body.get("lora_path")


def fake_sglang(fake: Fake) -> FastAPI:
    app = FastAPI()

    async def record(request: Request) -> Any:
        body = await request.json() if request.method == "POST" else None
        fake.requests.append((request.url.path, dict(request.headers), body))
        return body

    @app.get("/health")
    async def health(request: Request) -> Response:
        await record(request)
        return Response(status_code=200 if fake.healthy else 503)

    @app.get("/v1/models")
    async def models(request: Request) -> dict[str, Any]:
        await record(request)
        cards = [{"id": fake.base, "object": "model", "created": 0, "owned_by": "sglang", "root": fake.base,
                  "parent": None, "max_model_len": 32768}]
        if fake.lists_adapters:
            cards += [{"id": name, "object": "model", "created": 0, "owned_by": "sglang", "root": path,
                       "parent": fake.base, "max_model_len": None} for name, path in fake.adapters.items()]
        return {"object": "list", "data": cards}

    @app.post("/load_lora_adapter")
    async def load(request: Request) -> Response:
        body = await record(request)
        if not fake.lora_api:
            return JSONResponse({"detail": "Not Found"}, 404)
        if not fake.lora_enabled:
            return _lora_result(False, "LoRA is not enabled. Please set `--enable-lora` to enable LoRA.", fake)
        name, path = body["lora_name"], body["lora_path"]
        if name in fake.adapters:
            return _lora_result(False, f"Failed to load LoRA adapter {name} because it is already loaded", fake)
        if not fake.sees_adapter_dir or not (Path(path) / "adapter_config.json").is_file():  # SGLang tries the hub
            return _lora_result(False, f"Repo id must be in the form 'repo_name' or 'namespace/repo_name': "
                                       f"'{path}'. Use `repo_type` argument if needed.", fake)
        config = json.loads((Path(path) / "adapter_config.json").read_text())
        if isinstance(config["target_modules"], str) and config["target_modules"] not in ("all", "all-linear"):
            return _lora_result(False, "Only 'all' or 'all-linear' can be used as the string for target module",
                                fake)
        fake.adapters[name] = path
        return _lora_result(True, None, fake)

    @app.post("/unload_lora_adapter")
    async def unload(request: Request) -> Response:
        name = (await record(request))["lora_name"]
        if name not in fake.adapters:
            return _lora_result(False, f"LoRA with name {name} does not exist. Loaded LoRAs: "
                                       f"odict_keys({list(fake.adapters)})", fake)
        del fake.adapters[name]
        return _lora_result(True, None, fake)

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> Response:
        body = await record(request)
        url = body["messages"][0]["content"][0]["image_url"]["url"]
        if fake.fail:  # a careless server that echoes the request in its error
            return _error(fake.fail, f"Internal server error: engine failed on {url}", "InternalServerError")
        adapter = _adapter_of(fake, body)
        if adapter is not None and adapter not in fake.adapters:
            return _error(400, f"The following requested LoRA adapters are not loaded: {adapter}\n"
                               f"Loaded adapters: odict_keys({list(fake.adapters)}).")
        for _ in range(100):
            if not fake.hold:
                break
            await asyncio.sleep(0.05)
        with Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))) as image:
            width = image.width
        fake.in_flight += 1
        fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
        await asyncio.sleep((100 - width) / 200)  # narrower pages answer later: out of page order
        fake.in_flight -= 1
        text = answer(width, adapter or fake.base)
        return JSONResponse({"id": "chatcmpl-1", "object": "chat.completion", "model": body["model"], "choices": [{
            "index": 0, "finish_reason": "stop", "matched_stop": 151645,
            "message": {"role": "assistant", "content": text, "reasoning_content": None, "tool_calls": None},
            "logprobs": {"content": logprob_content(pieces(text), fake.mode)}}]})

    return app


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[Fake, str]]:
    fake = Fake()
    with run_app(fake_sglang(fake)) as port:
        yield fake, f"http://127.0.0.1:{port}"
    fake.hold = False


@pytest.fixture
def fake(server: tuple[Fake, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Fake]:
    monkeypatch.delenv("SGLANG_API_KEY", raising=False)
    server[0].reset()
    yield server[0]
    server[0].hold = False


def params(url: str, tmp_path: Path, model: str | None = None, timeout_s: float = 10) -> ServeParams:
    return ServeParams(backend="sglang", max_new_tokens=96, sglang=SglangParams(
        base_url=url, model=model, adapter_dir=str(tmp_path / "adapters"), timeout_s=timeout_s, max_concurrency=4))


def chat_bodies(fake: Fake) -> list[dict[str, Any]]:
    return fake.asked("/v1/chat/completions")


@pytest.mark.parametrize("mode", ["openai", "vllm"])  # 0.5.23's true token bytes; older releases' display text
def test_merged_model_reads_pages_in_order_with_offsets_and_logprobs(
        server: tuple[Fake, str], fake: Fake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    fake.mode, fake.base = mode, MERGED
    monkeypatch.setenv("SGLANG_API_KEY", "s3cret")
    backend = SglangBackend.open("models:/unused/1", "1", params(server[1], tmp_path, MERGED), TrackingParams(),
                                 INSTRUCTION)
    try:
        assert backend.version == "1" and backend.model == MERGED and backend.lora is None
        readings = backend.read(pages())
    finally:
        backend.close()
    assert [r.text for r in readings] == [answer(w, MERGED) for w in (40, 50, 60)]  # page order
    assert fake.max_in_flight >= 2  # sent concurrently
    for reading in readings:
        ends, logprobs = expected(reading.text, pieces(reading.text))
        assert reading.token_ends == ends and reading.logprobs == pytest.approx(logprobs)
        assert all(a < b for a, b in pairwise(ends)) and ends[-1] == len(reading.text)
    assert [p for p, _, _ in fake.requests][:2] == ["/health", "/v1/models"]
    assert not fake.asked("/load_lora_adapter")
    widths = set()
    for body in chat_bodies(fake):
        assert body["model"] == MERGED and "lora_path" not in body  # merged weights: no adapter named
        assert body["temperature"] == 0 and body["top_p"] == 1.0 and body["top_k"] == -1
        assert body["repetition_penalty"] == 1.0 and body["logprobs"] is True and body["max_tokens"] == 96
        image_part, text_part = body["messages"][0]["content"]
        assert body["messages"][0]["role"] == "user" and text_part == {"type": "text", "text": INSTRUCTION}
        prefix, data = image_part["image_url"]["url"].split(",", 1)
        assert image_part["type"] == "image_url" and prefix == "data:image/png;base64"
        with Image.open(io.BytesIO(base64.b64decode(data))) as image:
            assert image.format == "PNG" and image.size == (image.width, image.width + 20)
            widths.add(image.width)
    assert widths == {40, 50, 60}
    assert {headers.get("authorization") for _, headers, _ in fake.requests} == {"Bearer s3cret"}


def test_adapter_is_installed_loaded_chosen_per_request_and_unloaded(server: tuple[Fake, str], fake: Fake,
                                                                    tmp_path: Path) -> None:
    # The package's adapter as training saves it: a regex target_modules, which SGLang refuses:
    # the installed folder (the vLLM layout, a list) is what makes the load succeed.
    assert isinstance(ADAPTER_CONFIG["target_modules"], str)
    model = package(tmp_path)
    settings_ = params(server[1], tmp_path)
    backend = SglangBackend.open(str(model), "3", settings_, TrackingParams(), INSTRUCTION)
    installed = tmp_path / "adapters" / ADAPTER
    try:
        assert json.loads((installed / "adapter_config.json").read_text())["target_modules"] == ["q_proj", "v_proj"]
        assert set(weights(installed).values()) == {1.0}
        assert fake.asked("/load_lora_adapter") == [{"lora_name": ADAPTER, "lora_path": str(installed)}]
        assert not fake.asked("/v1/load_lora_adapter")
        assert (backend.model, backend.lora) == (BASE, ADAPTER)
        reading = backend.read(pages()[:1])[0]
        assert json.loads(reading.text)["served_by"] == ADAPTER  # the adapter answered, not the base
        body = chat_bodies(fake)[0]
        assert body["model"] == f"{BASE}:{ADAPTER}" and body["lora_path"] == ADAPTER
        # A second replica on the same version: the same files, "already loaded" is success, not its to unload.
        other = SglangBackend.open(str(model), "3", settings_, TrackingParams(), INSTRUCTION)
        assert other.lora == ADAPTER and json.loads(other.read(pages()[:1])[0].text)["served_by"] == ADAPTER
        other.close()
        assert not fake.asked("/unload_lora_adapter") and ADAPTER in fake.adapters
    finally:
        backend.close()
    assert fake.asked("/unload_lora_adapter") == [{"lora_name": ADAPTER}]
    assert fake.adapters == {}


def test_a_release_before_the_model_syntax_reads_with_the_adapter_through_lora_path(
        server: tuple[Fake, str], fake: Fake, tmp_path: Path) -> None:
    fake.colon_syntax, fake.lists_adapters = False, False  # the model field ignored; /v1/models: the base only
    backend = SglangBackend.open(str(package(tmp_path)), "3", params(server[1], tmp_path), TrackingParams(),
                                 INSTRUCTION)
    try:
        assert json.loads(backend.read(pages()[:1])[0].text)["served_by"] == ADAPTER
    finally:
        backend.close()


def test_changed_adapter_under_the_same_name_is_replaced_and_reloaded(server: tuple[Fake, str], fake: Fake,
                                                                     tmp_path: Path) -> None:
    settings_ = params(server[1], tmp_path)
    first = SglangBackend.open(str(package(tmp_path / "a")), "3", settings_, TrackingParams(), INSTRUCTION)
    second = SglangBackend.open(str(package(tmp_path / "b", value=2.0)), "3", settings_, TrackingParams(),
                                INSTRUCTION)
    assert set(weights(tmp_path / "adapters" / ADAPTER).values()) == {2.0}
    assert [p for p, _, _ in fake.requests if "lora" in p] == [
        "/load_lora_adapter", "/load_lora_adapter", "/unload_lora_adapter", "/load_lora_adapter"]
    second.close()
    first.close()  # its unload finds nothing: logged, not raised
    assert fake.adapters == {}


def test_adapters_and_servers_it_cannot_use_are_refused_saying_what_to_do(server: tuple[Fake, str], fake: Fake,
                                                                          tmp_path: Path) -> None:
    settings_ = params(server[1], tmp_path)
    with pytest.raises(BackendError, match="full model") as err:
        SglangBackend.open(str(package(tmp_path, fmt="full")), "4", settings_, TrackingParams(), INSTRUCTION)
    assert "SGLang backend" in str(err.value) and "serve.sglang.model" in str(err.value)
    vision = {**{f"base_model.model.model.language_model.layers.0.self_attn.q_proj.lora_{ab}.weight":
                 (8, 16) if ab == "A" else (16, 8) for ab in "AB"},
              "base_model.model.model.visual.blocks.0.attn.qkv.lora_A.weight": (8, 16),
              "base_model.model.model.visual.blocks.0.attn.qkv.lora_B.weight": (48, 8)}
    with pytest.raises(BackendError, match="vision tower") as err:  # SGLang would drop them without a word
        SglangBackend.open(str(package(tmp_path, adapter=adapter_files(keys=vision))), "5", settings_,
                           TrackingParams(), INSTRUCTION)
    assert "SGLang" in str(err.value) and "serve.sglang.model" in str(err.value)
    assert "serve.vllm.model" not in str(err.value)
    assert {p for p, _, _ in fake.requests} == {"/health"}  # refused before anything was loaded
    fake.lora_enabled = False
    with pytest.raises(BackendError, match="--enable-lora") as err:
        SglangBackend.open(str(package(tmp_path)), "6", settings_, TrackingParams(), INSTRUCTION)
    assert "LoRA is not enabled" in str(err.value)
    fake.lora_enabled, fake.lora_api = True, False
    with pytest.raises(BackendError, match="no /load_lora_adapter"):
        SglangBackend.open(str(package(tmp_path)), "7", settings_, TrackingParams(), INSTRUCTION)
    fake.lora_api, fake.sees_adapter_dir = True, False  # the server lacks the shared volume
    with pytest.raises(BackendError, match="serve.sglang.adapter_dir at the same path") as err:
        SglangBackend.open(str(package(tmp_path)), "8", settings_, TrackingParams(), INSTRUCTION)
    assert "did not load the adapter claimvlm-reader-v8" in str(err.value) and "Repo id" in str(err.value)
    assert fake.adapters == {}


def test_server_errors_timeouts_and_a_server_down(server: tuple[Fake, str], fake: Fake, tmp_path: Path) -> None:
    url = server[1]
    with pytest.raises(BackendError, match="does not serve the model 'nope'") as err:
        SglangBackend.open("models:/x/1", "1", params(url, tmp_path, "nope"), TrackingParams(), INSTRUCTION)
    assert url in str(err.value)
    fake.healthy = False
    with pytest.raises(BackendError, match="not ready: /health answered 503"):
        SglangBackend.open("models:/x/1", "1", params(url, tmp_path, BASE), TrackingParams(), INSTRUCTION)
    fake.healthy = True

    backend = SglangBackend.open(str(package(tmp_path)), "3", params(url, tmp_path), TrackingParams(), INSTRUCTION)
    try:
        fake.adapters.clear()  # evicted (--max-loaded-loras) or the server restarted
        with pytest.raises(BackendError, match="answered 400 to /v1/chat/completions") as err:
            backend.read(pages()[:1])
        assert "requested LoRA adapters are not loaded" in str(err.value)
        fake.fail = 500
        with pytest.raises(BackendError, match="answered 500") as err:
            backend.read(pages()[:2])
    finally:
        backend.close()
    message = str(err.value)
    assert "engine failed on" in message and "base64" not in message and "iVBOR" not in message
    assert len(message) < 400

    fake.fail, fake.hold = None, True
    slow = SglangBackend.open("models:/x/1", "1", params(url, tmp_path, BASE, timeout_s=0.5), TrackingParams(),
                              INSTRUCTION)
    try:
        with pytest.raises(BackendError, match="no answer from the SGLang server") as err:
            slow.read(pages()[:1])
    finally:
        fake.hold = False
        slow.close()
    assert "ReadTimeout" in str(err.value) and "timeout 0.5 s" in str(err.value)

    down = f"http://127.0.0.1:{_free_port()}"
    with pytest.raises(BackendError, match="no answer from the SGLang server") as err:
        SglangBackend.open("models:/x/1", "1", params(down, tmp_path, BASE), TrackingParams(), INSTRUCTION)
    assert down in str(err.value) and "/health" in str(err.value)


def test_the_backend_table_builds_it_from_params(server: tuple[Fake, str], fake: Fake, tmp_path: Path) -> None:
    assert BACKENDS["sglang"] == "claimvlm.serving.sglang:SglangBackend"
    fake.base = MERGED
    p = load_params(ROOT / "params.yaml", ["serve.backend=sglang", f"serve.sglang.base_url={server[1]}/v1/",
                                           f"serve.sglang.model={MERGED}", "serve.max_new_tokens=32"])
    backend = open_backend("models:/x/2", "2", p.serve, p.tracking, INSTRUCTION)
    try:
        assert isinstance(backend, SglangBackend) and backend.version == "2"
        assert backend.base_url == server[1]  # an OpenAI-style base URL works too
        assert backend.read([]) == []
        assert json.loads(backend.read(pages()[:1])[0].text)["served_by"] == MERGED
        assert chat_bodies(fake)[0]["max_tokens"] == 32
    finally:
        backend.close()
    defaults = ServeParams(backend="sglang").sglang
    assert defaults.base_url == "http://127.0.0.1:30000" and defaults.api_key_env == "SGLANG_API_KEY"
