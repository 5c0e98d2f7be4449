"""The vLLM backend: an OpenAI-compatible vLLM server reads the pages, over HTTP (no torch here).

``serve.vllm.model`` set: vLLM was started on merged weights and serves them under that name; the
registry is not touched (a new version means restarting vLLM on its weights). Unset: vLLM runs the
base checkpoint with ``--enable-lora`` and ``VLLM_ALLOW_RUNTIME_LORA_UPDATING=True``; each version's
LoRA adapter is written to ``adapter_dir/<registered_model>-v<version>`` (a folder the vLLM server
reads at the same path) in the layout vLLM's loader maps onto Qwen2.5-VL (vllm_adapter.py,
docs/serving-vllm.md) and loaded at runtime, so a promotion swaps in without restarting the GPU
server. A full fine-tune has no adapter to put on that base and is refused, saying what to do; so
is an adapter vLLM cannot serve (vision-tower weights, modules_to_save, DoRA...).

A batch is one chat request per page, all in flight at once: vLLM batches concurrent requests
itself. Token log-probabilities come with each answer, so confidence costs no second pass.

What any OpenAI-compatible server shares (the HTTP client and its errors, the chat request with the
page as an ``image_url`` part, the answer and its log-probabilities, installing and loading the
adapter, ``/v1/models``) is :class:`OpenAIServerBackend`; :class:`VllmBackend` is it with vLLM's
endpoints, and :mod:`claimvlm.serving.sglang` the same for SGLang.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import io
import json
import logging
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import httpx

from claimvlm.model.prompt import PROMPT_FILE, PromptSpec, page_texts
from claimvlm.serving.backends import BackendError, Reading
from claimvlm.serving.vllm_adapter import _FIX, digests, installed_source, write_vllm_adapter

if TYPE_CHECKING:
    from PIL import Image

    from claimvlm.model.params import TrackingParams
    from claimvlm.serving.params import ServeParams

log = logging.getLogger("claimvlm.serve")

MANIFEST = "claimvlm_model.json"  # claimvlm.model.package.MANIFEST (that module imports torch)
_MESSAGE_CHARS = 200
# A server may echo the request in its error: inline image data never goes into a message.
_INLINE_DATA = re.compile(r"data:[^\s\"',]*|[A-Za-z0-9+/=]{48,}")
_NO_LOGPROB = -9999.0  # what the OpenAI API (and vLLM) report for a token without a log-probability


def _server_message(response: httpx.Response) -> str:
    """The server's error message, short and without anything resembling image data."""
    try:
        body = response.json()
    except ValueError:
        text = response.text[:10_000]
    else:
        err = body.get("error", body) if isinstance(body, dict) else body  # vLLM: {"error": {"message"}}
        if isinstance(err, dict):  # FastAPI's own 404: {"detail": "Not Found"}; SGLang's LoRA calls: error_message
            err = err.get("message", err.get("detail", err.get("error_message", err)))
        text = str(err)[:10_000]
    return _INLINE_DATA.sub("...", text)[:_MESSAGE_CHARS]


def _raw_ends(text: str, tokens: Sequence[tuple[str, bytes | None]]) -> list[int | None] | None:
    """Where each token ends in ``text``: after the last character it holds a byte of (so a token
    starting a character ends after it and the one completing it adds nothing, as in the
    transformers backend), None after the text (end of sequence); None instead of the list when
    the tokens do not spell the text."""
    data = text.encode("utf-8")
    pieces = [raw if raw is not None else token.encode("utf-8") for token, raw in tokens]
    ends: list[int | None] = []
    if b"".join(pieces).startswith(data):  # true bytes (the OpenAI API), or no character was split
        starts = list(accumulate((len(ch.encode("utf-8")) for ch in text), initial=0))[:-1]
        done = 0
        for piece in pieces:
            ends.append(None if done >= len(data) else bisect.bisect_left(starts, done + len(piece)))
            done += len(piece)
        return ends
    # vLLM decodes each token alone: one holding part of a character comes as U+FFFD (with the bytes
    # of U+FFFD). A run of such tokens ends where the next whole token starts.
    pos, run = 0, 0
    for token, _ in tokens:
        if not run and pos == len(text) and token:
            ends.append(None)
        elif not run and text.startswith(token, pos):
            pos += len(token)
            ends.append(pos)
        elif "\ufffd" in token or not token:
            run += 1
        elif run:
            at = text.find(token, pos + 1)
            ends += [len(text) if at < 0 else at] * run
            pos, run = (len(text), 0) if at < 0 else (at + len(token), 0)
            ends.append(None if at < 0 else pos)
        else:
            return None
    ends += [len(text)] * run
    return ends if run or pos == len(text) else None


def to_reading(text: str, content: Sequence[Mapping[str, Any]] | None) -> Reading:
    """A Reading from an answer and its ``logprobs.content`` (``[{token, logprob, bytes}]``).

    A token that prints nothing more joins the token before (the lower log-probability wins), so
    the ends strictly increase and a character split over tokens carries the doubt of each part.
    """
    if not content:
        return Reading(text)
    tokens = [(str(t.get("token") or ""), None if t.get("bytes") is None else bytes(t["bytes"])) for t in content]
    logprobs = [_NO_LOGPROB if t.get("logprob") is None else float(t["logprob"]) for t in content]
    ends = _raw_ends(text, tokens)
    if ends is None:  # tokens that do not spell the text: their lengths, capped (monotonic still)
        log.warning("the server's tokens do not spell the answer; token offsets are approximate")
        ends = [min(n, len(text)) for n in accumulate(len(token) for token, _ in tokens)]
    kept_ends: list[int] = []
    kept: list[float] = []
    for end, logprob in zip(ends, logprobs, strict=True):
        if end is not None and end > (kept_ends[-1] if kept_ends else 0):
            kept_ends.append(end)
            kept.append(logprob)
        elif end is not None and kept:
            kept[-1] = min(kept[-1], logprob)
    if kept_ends and kept_ends[-1] < len(text):
        kept_ends[-1] = len(text)
    return Reading(text, tuple(kept_ends), tuple(kept))


def _find_adapter(root: Path, load_uri: str, server: str = "vLLM",
                  section: str = "vllm") -> tuple[Path, dict[str, str] | None]:
    """The package's adapter folder and its files' sha256 from the manifest (None: no manifest)."""
    nearest = sorted(root.rglob(MANIFEST), key=lambda p: len(p.parts))
    if nearest:
        manifest = json.loads(nearest[0].read_text())
        if manifest.get("format") == "adapter":
            files = manifest.get("files") or {}
            return nearest[0].parent / "adapter", {rel.removeprefix("adapter/"): digest for rel, digest
                                                   in files.items() if rel.startswith("adapter/")}
    else:
        configs = sorted(root.rglob("adapter_config.json"), key=lambda p: len(p.parts))
        if configs:
            return configs[0].parent, None
    raise BackendError(f"{load_uri} is a full model (no LoRA adapter): the {server} backend serves LoRA adapters on "
                       "the base model its server was started with; serve a full model with serve.backend "
                       f"transformers, or start {server} on its weights and set serve.{section}.model")


def _install_adapter(load_uri: str, dst: Path, server: str = "vLLM",
                     section: str = "vllm") -> tuple[Path, bool, PromptSpec | None]:
    """Install the version's adapter at ``dst`` in the layout vLLM loads (vllm_adapter.py: keys
    renamed, ``target_modules`` a list; refused with what to do when vLLM cannot serve it); returns
    (dst, whether its files were (re)written, the package's prompt: None for a package from before
    anchoring). ``server``/``section`` name the server and its ``serve`` section in messages (the
    SGLang backend installs the same layout: sglang.py says why).

    The source files are checked against the package manifest and only read (the registered
    package does not change); the new folder is written as a sibling and renamed into place: the
    vLLM server never sees half an adapter. A folder already written from the same source files is
    reused (another replica or an earlier start put it there). The MLflow tracking URI is the caller's.
    """
    import mlflow.artifacts

    dst.parent.mkdir(parents=True, exist_ok=True)
    staged = dst.with_name(f".{dst.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    with tempfile.TemporaryDirectory(prefix="claimvlm-vllm-") as tmp:
        try:
            root = Path(mlflow.artifacts.download_artifacts(artifact_uri=load_uri, dst_path=tmp))
        except Exception as err:  # any store's failure (MlflowException, OSError, boto...), named
            raise BackendError(f"cannot download {load_uri}: {type(err).__name__}: "
                               f"{str(err)[:_MESSAGE_CHARS]}") from err
        src, expected = _find_adapter(root, load_uri, server, section)
        found = digests(src) if src.is_dir() else {}
        if expected is not None and found != expected:
            odd = sorted(k for k in {*found, *expected} if found.get(k) != expected.get(k))
            raise BackendError(f"the adapter of {load_uri} is missing or changed files (manifest {MANIFEST}): "
                               f"{odd[:5]}")
        if "adapter_config.json" not in found:
            raise BackendError(f"the adapter of {load_uri} has no adapter_config.json")
        prompt = PromptSpec.load(src.parent, "") if (src.parent / PROMPT_FILE).is_file() else None
        if dst.is_dir() and installed_source(dst) == found:
            return dst, False, prompt
        shutil.rmtree(staged, ignore_errors=True)
        try:
            write_vllm_adapter(src, staged, found, f"the adapter of {load_uri}")
        except BackendError as err:
            shutil.rmtree(staged, ignore_errors=True)
            if server == "vLLM":
                raise
            fix = _FIX.replace("vLLM", server).replace("serve.vllm.model", f"serve.{section}.model")
            raise BackendError(f"{server} loads adapters in vLLM's layout and by the same rules: "
                               f"{str(err).replace(_FIX, fix)}") from err
        except BaseException:
            shutil.rmtree(staged, ignore_errors=True)
            raise
    old = dst.with_name(f".{dst.name}.old-{os.getpid()}-{threading.get_ident()}")
    try:
        if dst.exists():
            os.replace(dst, old)  # a folder cannot be renamed over a non-empty one
        os.replace(staged, dst)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
    return dst, True, prompt


def _adapter_name(registered_model: str, version: str | None, load_uri: str) -> str:
    """``<registered_model>-v<version>``; a URI outside the registry is named by its hash."""
    tag = f"v{version}" if version is not None else hashlib.sha256(load_uri.encode()).hexdigest()[:12]
    return re.sub(r"[^A-Za-z0-9._-]", "_", f"{registered_model}-{tag}")


class OpenAIServerBackend:
    """A model version as an OpenAI-compatible server serves it: one HTTP client and the served
    model's name. Subclasses name the server (``SERVER``, for messages), its ``serve`` section
    (``SECTION``) and runtime-LoRA endpoints, and say what a refusal to load an adapter means."""

    SERVER = "vLLM"
    SECTION = "vllm"
    LOAD_PATH, UNLOAD_PATH = "/v1/load_lora_adapter", "/v1/unload_lora_adapter"

    def __init__(self, settings: ServeParams, instruction: str, version: str | None) -> None:
        server = getattr(settings, self.SECTION)
        # "http://host:8001/v1" is how OpenAI clients are usually configured; the paths add /v1 here.
        self.base_url = server.base_url.rstrip("/").removesuffix("/v1")
        self.version = version
        self.model = server.model or ""
        self.instruction, self.max_tokens, self.timeout_s = instruction, settings.max_new_tokens, server.timeout_s
        self.adapter: str | None = None  # the adapter this backend loaded, unloaded by close()
        # The served model's prompt (its package's, read when its adapter is installed): with
        # anchoring, each page's OCR text goes into the message as in training and evaluation.
        self.prompt = PromptSpec(instruction)
        self.anchor_seconds = 0.0
        key = os.environ.get(server.api_key_env)
        self.client = httpx.Client(
            base_url=self.base_url, timeout=server.timeout_s,
            headers={"Authorization": f"Bearer {key}"} if key else {},
            limits=httpx.Limits(max_connections=server.max_concurrency,
                                max_keepalive_connections=server.max_concurrency))
        self.pool = ThreadPoolExecutor(server.max_concurrency, thread_name_prefix=f"claimvlm-{self.SECTION}")

    @classmethod
    def open(cls, load_uri: str, version: str | None, settings: ServeParams, tracking: TrackingParams,
             instruction: str) -> Self:
        backend = cls(settings, instruction, version)
        try:
            backend._check_ready()
            if not backend.model:
                name = _adapter_name(tracking.registered_model, version, load_uri)
                adapter_dir = Path(getattr(settings, cls.SECTION).adapter_dir).absolute()
                path, rewritten, prompt = _install_adapter(load_uri, adapter_dir / name, cls.SERVER, cls.SECTION)
                backend.prompt = prompt or backend.prompt
                backend._load_adapter(name, path, rewritten)
            backend._check_served()
        except BaseException:
            backend.close()
            raise
        return backend

    def _request(self, method: str, path: str, body: Any = None, *, ok: bool = False) -> httpx.Response:
        """One call; transport failures and (with ``ok``) non-200 answers as BackendError."""
        try:
            response = self.client.request(method, path, json=body)
        except httpx.HTTPError as err:  # refused, reset, timed out: nothing of the request in the message
            raise BackendError(f"no answer from the {self.SERVER} server at {self.base_url} to {path} (timeout "
                               f"{self.timeout_s:g} s): {type(err).__name__}: {str(err)[:_MESSAGE_CHARS]}") from err
        if ok and response.status_code != 200:
            raise BackendError(f"the {self.SERVER} server at {self.base_url} answered {response.status_code} to "
                               f"{path}: {_server_message(response)}")
        return response

    def _check_ready(self) -> None:
        """Refuse a server that says it cannot serve yet (nothing to check by default)."""

    def _load_adapter(self, name: str, path: Path, rewritten: bool) -> None:
        """Ask the server to load the adapter. Already loaded under this name counts as done, unless
        the files were just rewritten (another model got this version number): then it is reloaded."""
        body = {"lora_name": name, "lora_path": str(path)}
        response = self._request("POST", self.LOAD_PATH, body)
        if response.status_code == 400 and "already" in _server_message(response).lower():
            if not rewritten:
                self._use_adapter(name, ours=False)  # another replica or an earlier start: not ours to unload
                return
            self._request("POST", self.UNLOAD_PATH, {"lora_name": name})
            response = self._request("POST", self.LOAD_PATH, body)
        self._refuse_no_runtime_lora(response)
        if response.status_code != 200:
            raise BackendError(f"the {self.SERVER} server at {self.base_url} did not load the adapter {name} from "
                               f"{path} ({response.status_code}: {_server_message(response)}); does it see "
                               f"serve.{self.SECTION}.adapter_dir at the same path?")
        self._use_adapter(name, ours=True)

    def _use_adapter(self, name: str, ours: bool) -> None:
        """Read with the adapter ``name`` from now on; ``ours``: this backend loaded it (close unloads)."""
        self.model = name
        if ours:
            self.adapter = name

    def _refuse_no_runtime_lora(self, response: httpx.Response) -> None:
        """BackendError saying how to start the server when ``response`` means it cannot load
        adapters at run time; nothing otherwise."""

    def _check_served(self) -> None:
        response = self._request("GET", "/v1/models", ok=True)
        try:
            served = [str(m.get("id")) for m in response.json()["data"]]
        except (ValueError, KeyError, TypeError, AttributeError):
            raise BackendError(f"the {self.SERVER} server at {self.base_url} sent a malformed /v1/models") from None
        if self.model not in served:
            raise BackendError(f"the {self.SERVER} server at {self.base_url} does not serve the model {self.model!r} "
                               f"(it serves {served[:8]})")

    def read(self, pages: Sequence[Image.Image]) -> list[Reading]:
        pages = [page.convert("RGB") for page in pages]
        texts, self.anchor_seconds = page_texts(self.prompt, pages)
        return list(self.pool.map(self._read_page, pages, texts))

    def _chat_body(self, content: list[dict[str, Any]]) -> dict[str, Any]:
        """The chat request for one page's message ``content``."""
        # Greedy as evaluation decodes: the server applies the checkpoint's generation_config
        # defaults (Qwen2.5-VL-Instruct: repetition_penalty 1.05, top_p 0.8) unless the request sets them.
        return {"model": self.model, "messages": [{"role": "user", "content": content}],
                "max_tokens": self.max_tokens, "temperature": 0, "top_p": 1.0, "top_k": -1,
                "repetition_penalty": 1.0, "logprobs": True}

    def _read_page(self, page: Image.Image, text: str) -> Reading:
        buf = io.BytesIO()
        page.save(buf, "PNG", compress_level=1)  # lossless, and fast to write
        url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
        content = [{"type": "image_url", "image_url": {"url": url}}, {"type": "text", "text": text}]
        response = self._request("POST", "/v1/chat/completions", self._chat_body(content), ok=True)
        try:
            choice = response.json()["choices"][0]
            return to_reading(choice["message"]["content"] or "", (choice.get("logprobs") or {}).get("content"))
        except (ValueError, KeyError, IndexError, TypeError, AttributeError) as err:
            raise BackendError(f"the {self.SERVER} server at {self.base_url} sent a malformed chat completion "
                               f"({type(err).__name__})") from None

    def close(self) -> None:
        """Unload the adapter this backend loaded (failures only logged: the server may be gone),
        and free the client."""
        if self.adapter is not None:
            name, self.adapter = self.adapter, None
            try:
                response = self.client.post(self.UNLOAD_PATH, json={"lora_name": name})
                problem = "" if response.status_code == 200 else f"{response.status_code} {_server_message(response)}"
            except httpx.HTTPError as err:
                problem = type(err).__name__
            if problem:
                log.warning("the %s server at %s did not unload the adapter %s: %s", self.SERVER, self.base_url,
                            name, problem)
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.client.close()


class VllmBackend(OpenAIServerBackend):
    """A model version as a vLLM server serves it (``serve.vllm``)."""

    SERVER = "vLLM"
    SECTION = "vllm"
    LOAD_PATH, UNLOAD_PATH = "/v1/load_lora_adapter", "/v1/unload_lora_adapter"

    def _refuse_no_runtime_lora(self, response: httpx.Response) -> None:
        if response.status_code == 404 and _server_message(response) == "Not Found":
            raise BackendError(f"the vLLM server at {self.base_url} has no runtime LoRA loading: start it with "
                               "--enable-lora and VLLM_ALLOW_RUNTIME_LORA_UPDATING=True, or on merged weights "
                               "with serve.vllm.model set")
