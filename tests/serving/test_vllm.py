"""The vLLM backend against a fake OpenAI-compatible vLLM server: FastAPI on loopback (real HTTP),
answering with the shapes vLLM's server uses (runtime LoRA endpoints, chat logprobs)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import math
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from claimvlm.model.params import TrackingParams
from claimvlm.serving.backends import BackendError, open_backend
from claimvlm.serving.params import ServeParams, VllmParams
from claimvlm.serving.vllm import VllmBackend, to_reading
from tests.serving.conftest import _free_port
from tests.serving.conftest import running as run_app

INSTRUCTION = "이 문서의 필드를 JSON으로 추출하세요."
MERGED = "claimvlm-merged"
ANSWER = {"document_type": "admission_discharge", "patient_name": "김가명", "hospital_name": "서울밝은병원"}
SPLIT = {"김": 2, "밝": 1}  # characters sent as two tokens, cut after this many of their UTF-8 bytes


def answer(width: int) -> str:
    return json.dumps({**ANSWER, "page_width": width}, ensure_ascii=False)


def pieces(text: str) -> list[bytes]:
    """The fake tokenizer: ASCII in runs of up to 4, a Korean character per token but those in
    SPLIT, which are cut inside their UTF-8 bytes (as byte-level BPE does with rare characters)."""
    out: list[bytes] = []
    for ch in text:
        raw = ch.encode()
        if ch in SPLIT:
            out += [raw[:SPLIT[ch]], raw[SPLIT[ch]:]]
        elif ch.isascii() and out and out[-1].isascii() and len(out[-1]) < 4:
            out[-1] += raw
        else:
            out.append(raw)
    return out


def logprob_content(parts: list[bytes], mode: str) -> list[dict[str, Any]]:
    """``openai``: true bytes per token; ``vllm``: each token decoded alone (a partial character is
    U+FFFD, its ``bytes`` those of U+FFFD) and the end-of-sequence token after the text."""
    content = []
    for i, part in enumerate(parts):
        token = part.decode("utf-8", errors="replace")
        raw = list(part) if mode == "openai" else list(token.encode())
        content.append({"token": token, "logprob": -0.01 * (i + 1), "bytes": raw, "top_logprobs": []})
    if mode == "vllm":
        content.append({"token": "<|im_end|>", "logprob": -0.5, "bytes": list(b"<|im_end|>"), "top_logprobs": []})
    return content


def expected(text: str, parts: list[bytes]) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """The transformers backend's convention, computed independently: a token ends where the decoded
    prefix ends (a partial character counts as one), tokens adding nothing join the one before."""
    ends: list[int] = []
    lps: list[float] = []
    done = b""
    for i, part in enumerate(parts):
        done += part
        end, lp = len(done.decode("utf-8", errors="replace")), -0.01 * (i + 1)
        if end > (ends[-1] if ends else 0):
            ends.append(end)
            lps.append(lp)
        else:
            lps[-1] = min(lps[-1], lp)
    return tuple(ends), tuple(lps)


@dataclass
class Fake:
    """State of the fake vLLM server, and what it was asked."""

    models: set[str] = field(default_factory=lambda: {MERGED})
    adapters: dict[str, str] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str], Any]] = field(default_factory=list)
    mode: str = "openai"
    fail: int | None = None
    lora_api: bool = True
    in_flight: int = 0
    max_in_flight: int = 0

    def reset(self) -> None:
        self.__dict__.update(vars(Fake()))

    def asked(self, path: str) -> list[Any]:
        return [body for p, _, body in self.requests if p == path]


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": "BadRequestError", "code": status}}, status)


def fake_vllm(fake: Fake) -> FastAPI:
    app = FastAPI()

    async def record(request: Request) -> Any:
        body = await request.json() if request.method == "POST" else None
        fake.requests.append((request.url.path, dict(request.headers), body))
        return body

    @app.get("/v1/models")
    async def models(request: Request) -> dict[str, Any]:
        await record(request)
        return {"object": "list", "data": [{"id": m, "object": "model"} for m in sorted(fake.models)]}

    @app.post("/v1/load_lora_adapter")
    async def load(request: Request) -> Response:
        body = await record(request)
        if not fake.lora_api:
            return JSONResponse({"detail": "Not Found"}, 404)
        name, path = body["lora_name"], body["lora_path"]
        if name in fake.adapters:
            return _error(400, f"The lora adapter '{name}' has already been loaded. If you want to load the "
                               "adapter in place, set 'load_inplace' to True.")
        if not (Path(path) / "adapter_config.json").is_file():
            return _error(404, f"No adapter found for {path}")
        fake.adapters[name] = path
        fake.models.add(name)
        return PlainTextResponse(f"Success: LoRA adapter '{name}' added successfully.")

    @app.post("/v1/unload_lora_adapter")
    async def unload(request: Request) -> Response:
        name = (await record(request))["lora_name"]
        if name not in fake.adapters:
            return _error(404, f"The lora adapter '{name}' cannot be found.")
        del fake.adapters[name]
        fake.models.discard(name)
        return PlainTextResponse(f"Success: LoRA adapter '{name}' removed successfully.")

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> Response:
        body = await record(request)
        url = body["messages"][0]["content"][0]["image_url"]["url"]
        if fake.fail:  # a careless server that echoes the request in its error
            return _error(fake.fail, f"engine failed on {url}")
        if body["model"] not in fake.models:
            return _error(404, f"The model `{body['model']}` does not exist.")
        with Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))) as image:
            width = image.width
        fake.in_flight += 1
        fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
        await asyncio.sleep((100 - width) / 200)  # narrower pages answer later: out of page order
        fake.in_flight -= 1
        text = answer(width)
        return JSONResponse({"id": "chatcmpl-1", "object": "chat.completion", "model": body["model"], "choices": [{
            "index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text},
            "logprobs": {"content": logprob_content(pieces(text), fake.mode)}}]})

    return app


@contextmanager
def running(app: FastAPI) -> Iterator[str]:
    """The fake under uvicorn on loopback; yields its base URL."""
    with run_app(app) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[Fake, str]]:
    fake = Fake()
    with running(fake_vllm(fake)) as url:
        yield fake, url


@pytest.fixture
def fake(server: tuple[Fake, str], monkeypatch: pytest.MonkeyPatch) -> Fake:
    monkeypatch.delenv("VLLM_API_KEY", raising=False)
    server[0].reset()
    return server[0]


def params(url: str, tmp_path: Path, model: str | None = MERGED) -> ServeParams:
    return ServeParams(backend="vllm", max_new_tokens=96, vllm=VllmParams(
        base_url=url, model=model, adapter_dir=str(tmp_path / "adapters"), timeout_s=10, max_concurrency=4))


def pages() -> list[Image.Image]:
    return [Image.new("RGB", (w, w + 20), (w, 2 * w, 255 - w)) for w in (40, 50, 60)]


@pytest.mark.parametrize("mode", ["openai", "vllm"])
def test_served_model_reads_pages_in_order_with_offsets_and_logprobs(
        server: tuple[Fake, str], fake: Fake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    fake.mode = mode
    monkeypatch.setenv("VLLM_API_KEY", "s3cret")
    backend = VllmBackend.open("models:/unused/1", "1", params(server[1], tmp_path), TrackingParams(), INSTRUCTION)
    try:
        assert backend.version == "1" and backend.model == MERGED
        readings = backend.read(pages())
    finally:
        backend.close()
    assert [r.text for r in readings] == [answer(40), answer(50), answer(60)]  # page order, not answer order
    assert fake.max_in_flight >= 2  # sent concurrently
    for reading in readings:
        ends, logprobs = expected(reading.text, pieces(reading.text))
        assert reading.token_ends == ends and reading.logprobs == pytest.approx(logprobs)
        assert all(a < b for a, b in pairwise(ends)) and ends[-1] == len(reading.text)
    name_end = readings[0].text.index("김") + 1  # 김 came as two tokens: one entry, the less likely one's doubt
    k = readings[0].token_ends.index(name_end)
    assert readings[0].token_ends[k - 1] == name_end - 1
    chats = fake.asked("/v1/chat/completions")
    assert len(chats) == 3 and not fake.asked("/v1/load_lora_adapter")
    widths = set()
    for body in chats:
        assert body["model"] == MERGED and body["temperature"] == 0 and body["logprobs"] is True
        assert body["repetition_penalty"] == 1.0 and body["top_p"] == 1.0  # not the checkpoint's defaults
        assert body["max_tokens"] == 96 and not body.get("top_logprobs")
        image_part, text_part = body["messages"][0]["content"]
        assert body["messages"][0]["role"] == "user" and text_part == {"type": "text", "text": INSTRUCTION}
        prefix, data = image_part["image_url"]["url"].split(",", 1)
        assert prefix == "data:image/png;base64"
        with Image.open(io.BytesIO(base64.b64decode(data))) as image:
            assert image.format == "PNG" and image.size == (image.width, image.width + 20)
            widths.add(image.width)
    assert widths == {40, 50, 60}
    assert {headers.get("authorization") for _, headers, _ in fake.requests} == {"Bearer s3cret"}


def test_no_key_no_authorization_header(server: tuple[Fake, str], fake: Fake, tmp_path: Path) -> None:
    backend = VllmBackend.open("models:/unused/1", None, params(server[1], tmp_path), TrackingParams(), INSTRUCTION)
    backend.close()
    assert fake.requests and all("authorization" not in headers for _, headers, _ in fake.requests)


# An adapter as the train stage saves it (transformers 5 key names, peft's regex target_modules).
ADAPTER_CONFIG = {"peft_type": "LORA", "r": 8, "lora_alpha": 16, "bias": "none", "modules_to_save": None,
                  "target_modules": r"model\.language_model\..*\.(q_proj|v_proj)", "task_type": "CAUSAL_LM"}


def adapter_files(value: float = 1.0, config: dict[str, Any] | None = None,
                  keys: dict[str, tuple[int, int]] | None = None) -> dict[str, bytes]:
    """A small LoRA adapter's two files: every weight filled with ``value``; ``keys`` (name: shape)
    replaces the two layers' q_proj/v_proj A and B."""
    import torch
    from safetensors.torch import save

    if keys is None:
        keys = {f"base_model.model.model.language_model.layers.{i}.self_attn.{m}.lora_{ab}.weight":
                (8, 16) if ab == "A" else (16, 8) for i in (0, 1) for m in ("q_proj", "v_proj") for ab in "AB"}
    tensors = {name: torch.full(shape, value) for name, shape in keys.items()}
    return {"adapter_config.json": json.dumps(config or ADAPTER_CONFIG).encode(),
            "adapter_model.safetensors": save(tensors, metadata={"format": "pt"})}


def package(root: Path, fmt: str = "adapter", value: float = 1.0, adapter: dict[str, bytes] | None = None) -> Path:
    """A model package (claimvlm.model.package layout) inside an MLflow pyfunc model folder;
    ``adapter``: its adapter's files (default: :func:`adapter_files` of ``value``)."""
    model = root / "model"
    pkg = model / "artifacts" / "package"
    shutil.rmtree(model, ignore_errors=True)
    files = {"processor/preprocessor_config.json": b"{}"}
    if fmt == "adapter":
        files |= {f"adapter/{name}": data for name, data in (adapter or adapter_files(value)).items()}
        files["base.json"] = b'{"source": "/models/base"}'
    else:
        files["weights/config.json"] = b"{}"
        files["weights/model.safetensors"] = b"\x01" * 64
    for rel, data in files.items():
        (pkg / rel).parent.mkdir(parents=True, exist_ok=True)
        (pkg / rel).write_bytes(data)
    manifest = {"format": fmt, "files": {rel: hashlib.sha256(data).hexdigest() for rel, data in files.items()}}
    (pkg / "claimvlm_model.json").write_text(json.dumps(manifest))
    (model / "MLmodel").write_text("flavors:\n  python_function:\n    artifacts:\n      model:\n"
                                   "        path: artifacts/package\n")
    return model


def weights(folder: Path) -> dict[str, float]:
    """The installed adapter's tensors: name -> the value it is filled with."""
    from safetensors.torch import load_file

    return {name: float(t.flatten()[0]) for name, t in load_file(folder / "adapter_model.safetensors").items()}


def test_adapter_is_installed_loaded_used_and_unloaded(server: tuple[Fake, str], fake: Fake,
                                                      tmp_path: Path) -> None:
    model = package(tmp_path)
    settings_ = params(server[1], tmp_path, model=None)
    backend = VllmBackend.open(str(model), "3", settings_, TrackingParams(), INSTRUCTION)
    installed = tmp_path / "adapters" / "claimvlm-reader-v3"
    try:
        assert sorted(p.name for p in installed.iterdir()) == [
            "adapter_config.json", "adapter_model.safetensors", "claimvlm_vllm_adapter.json"]
        assert set(weights(installed).values()) == {1.0}
        assert json.loads((installed / "adapter_config.json").read_text())["target_modules"] == ["q_proj", "v_proj"]
        assert [p.name for p in (tmp_path / "adapters").iterdir()] == [installed.name]  # no temp leftovers
        assert fake.asked("/v1/load_lora_adapter") == [{"lora_name": "claimvlm-reader-v3", "lora_path": str(installed)}]
        assert backend.read(pages()[:1])[0].text == answer(40)
        assert fake.asked("/v1/chat/completions")[0]["model"] == "claimvlm-reader-v3"
        inode = installed.stat().st_ino
        # A second replica (or a restart) on the same version: the same files are reused, "already
        # loaded" is success, and the adapter is not its to unload.
        other = VllmBackend.open(str(model), "3", settings_, TrackingParams(), INSTRUCTION)
        assert installed.stat().st_ino == inode and other.model == "claimvlm-reader-v3"
        other.close()
        assert not fake.asked("/v1/unload_lora_adapter")
    finally:
        backend.close()
    assert fake.asked("/v1/unload_lora_adapter") == [{"lora_name": "claimvlm-reader-v3"}]
    assert fake.adapters == {}


def test_changed_adapter_under_the_same_name_is_replaced_and_reloaded(server: tuple[Fake, str], fake: Fake,
                                                                     tmp_path: Path) -> None:
    settings_ = params(server[1], tmp_path, model=None)
    first = VllmBackend.open(str(package(tmp_path / "a")), "3", settings_, TrackingParams(), INSTRUCTION)
    second = VllmBackend.open(str(package(tmp_path / "b", value=2.0)), "3", settings_, TrackingParams(),
                              INSTRUCTION)
    installed = tmp_path / "adapters" / "claimvlm-reader-v3"
    assert set(weights(installed).values()) == {2.0}
    assert [p for p, _, _ in fake.requests if "lora" in p] == [
        "/v1/load_lora_adapter", "/v1/load_lora_adapter", "/v1/unload_lora_adapter", "/v1/load_lora_adapter"]
    second.close()
    first.close()  # its unload finds nothing: logged, not raised
    assert fake.adapters == {}


def test_full_model_and_broken_adapters_are_refused(server: tuple[Fake, str], fake: Fake, tmp_path: Path) -> None:
    settings_ = params(server[1], tmp_path, model=None)
    with pytest.raises(BackendError, match="full model") as err:
        VllmBackend.open(str(package(tmp_path, fmt="full")), "4", settings_, TrackingParams(), INSTRUCTION)
    assert "LoRA adapters on the base model" in str(err.value) and "transformers" in str(err.value)
    assert "serve.vllm.model" in str(err.value)
    model = package(tmp_path)
    (model / "artifacts" / "package" / "adapter" / "adapter_model.safetensors").write_bytes(b"truncated")
    with pytest.raises(BackendError, match="adapter_model.safetensors"):
        VllmBackend.open(str(model), "5", settings_, TrackingParams(), INSTRUCTION)
    fake.lora_api = False
    with pytest.raises(BackendError, match="VLLM_ALLOW_RUNTIME_LORA_UPDATING"):
        VllmBackend.open(str(package(tmp_path)), "6", settings_, TrackingParams(), INSTRUCTION)
    assert [p for p, _, _ in fake.requests] == ["/v1/load_lora_adapter"]


def test_unknown_model_server_errors_and_a_server_down(server: tuple[Fake, str], fake: Fake,
                                                       tmp_path: Path) -> None:
    url = server[1]
    with pytest.raises(BackendError, match="does not serve the model 'nope'") as err:
        VllmBackend.open("models:/x/1", "1", params(url, tmp_path, model="nope"), TrackingParams(), INSTRUCTION)
    assert url in str(err.value)
    backend = VllmBackend.open("models:/x/1", "1", params(url, tmp_path), TrackingParams(), INSTRUCTION)
    fake.fail = 500
    try:
        with pytest.raises(BackendError, match="answered 500") as err:
            backend.read(pages()[:2])
    finally:
        backend.close()
    message = str(err.value)
    assert "engine failed on" in message and "base64" not in message and "iVBOR" not in message
    assert len(message) < 400
    down = f"http://127.0.0.1:{_free_port()}"
    with pytest.raises(BackendError, match="no answer from the vLLM server") as err:
        VllmBackend.open("models:/x/1", "1", params(down, tmp_path), TrackingParams(), INSTRUCTION)
    assert down in str(err.value)


def test_open_backend_picks_vllm(server: tuple[Fake, str], fake: Fake, tmp_path: Path) -> None:
    settings_ = params(server[1] + "/v1/", tmp_path)  # an OpenAI-style base URL works too
    backend = open_backend("models:/x/2", "2", settings_, TrackingParams(), INSTRUCTION)
    try:
        assert isinstance(backend, VllmBackend) and backend.version == "2"
        assert backend.read([]) == []
    finally:
        backend.close()


def test_readings_without_logprobs_have_no_tokens() -> None:
    reading = to_reading('{"a": "김"}', None)
    assert reading.text == '{"a": "김"}' and reading.token_ends == () and reading.logprobs == ()
    assert to_reading("", logprob_content(pieces("ab"), "vllm")).token_ends == ()


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab{}\":, 김가명서울밝은병원", max_size=24), st.data())
def test_offsets_are_monotonic_and_cover_the_text(text: str, data: st.DataObject) -> None:
    raw = text.encode()
    cuts = sorted(data.draw(st.sets(st.integers(1, max(1, len(raw) - 1)), max_size=len(raw))))
    parts = [raw[a:b] for a, b in zip([0, *cuts], [*cuts, len(raw)], strict=True) if raw[a:b]]
    for mode in ("openai", "vllm"):
        reading = to_reading(text, logprob_content(parts, mode))
        ends = reading.token_ends
        assert all(a < b for a, b in pairwise(ends))
        assert (ends[-1] if ends else 0) == len(text)
        assert all(math.isfinite(lp) for lp in reading.logprobs)
        if mode == "openai":
            exp_ends, exp_lps = expected(text, parts)
            assert ends == exp_ends and reading.logprobs == pytest.approx(exp_lps)
