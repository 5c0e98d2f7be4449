"""The SGLang backend: an OpenAI-compatible SGLang server reads the pages, over HTTP (no torch here).

The same client as the vLLM backend (:class:`claimvlm.serving.vllm.OpenAIServerBackend`: one chat
request per page with the page as a PNG ``image_url`` data URL and the prompt as a text part, all
in flight at once; greedy, token log-probabilities with each answer; the same errors, timeouts and
adapter installation), with SGLang's endpoints. Behaviour followed: SGLang 0.5.23 (the PyPI wheel
``sglang-0.5.23``, read: ``srt/entrypoints/http_server.py``, ``srt/entrypoints/openai/serving_base.py``,
``serving_chat.py`` and ``protocol.py``, ``srt/managers/tokenizer_control_mixin.py``,
``srt/lora/lora_manager.py``, ``lora.py``, ``lora_config.py``, ``lora_registry.py``,
``srt/models/qwen2_5_vl.py``) and the LoRA page of docs.sglang.io. What differs from vLLM:

- **Adapter selection**: SGLang serves one base model; an adapter is chosen per request with
  ``model: "<base>:<adapter>"`` (``serving_base._parse_model_parameter``; the served base name,
  which may itself hold colons, is matched first) or, in releases before that syntax, with the
  request field ``lora_path: "<adapter>"`` (still honoured, below the ``model`` form). Both are
  sent, so either kind of release reads with the adapter. The base part is not checked by SGLang;
  this backend takes it from ``/v1/models`` (the card without ``parent``).
- **Runtime loading**: ``POST /load_lora_adapter`` and ``/unload_lora_adapter`` (no ``/v1``),
  bodies ``{"lora_name", "lora_path"}`` / ``{"lora_name"}`` as vLLM's. The answer is
  ``{"success", "error_message", "loaded_adapters"}``, 200 or 400: an adapter already loaded
  under the name is 400 "... because it is already loaded" (treated as vLLM's "already": reused,
  or unloaded and loaded again when its files were rewritten); a server without ``--enable-lora``
  is 400 "LoRA is not enabled"; a release without the endpoint is FastAPI's 404. No environment
  switch is needed (vLLM's VLLM_ALLOW_RUNTIME_LORA_UPDATING), but a server started without
  ``--lora-paths`` must be given ``--max-lora-rank`` and ``--lora-target-modules``.
- **/v1/models** lists the base model and, in 0.5.23, each loaded adapter (``parent`` = the base);
  older releases list the base only, so an adapter missing from a list that holds adapters is an
  error and a list without any is not.
- **Health**: ``GET /health`` is 503 while the server starts or shuts down (200 otherwise, without
  generating unless SGLANG_ENABLE_HEALTH_ENDPOINT_GENERATION); ``/health_generate`` generates one
  token. ``open`` checks ``/health`` first and refuses a server that is not up.
- **Adapter layout**: SGLang takes each weight's layer from ``layers.N.`` in its key and its
  module from the name (``q_proj``... stacked into ``qkv_proj``/``gate_up_proj``); on Qwen2.5-VL
  it applies LoRA to the language model's ``model.layers.N`` only (``should_apply_lora``), drops
  vision-tower weights without a word, scales every module by one ``lora_alpha / r``, refuses DoRA,
  and reads ``target_modules`` as a list (a string other than "all"/"all-linear", such as the
  training regex, is refused). The vLLM backend's rewritten folder (vllm_adapter.py) meets all of
  it, so the same folder and the same refusals serve both.
- **Errors**: the OpenAI routes answer ``{"object": "error", "message", "type", "code"}`` at the
  top level (vLLM nests it under ``error``); a request naming an adapter that is not loaded is
  400 "The following requested LoRA adapters are not loaded". Both come out as the same
  BackendError as vLLM's, with the message cleaned of image data.
- **Sampling**: as vLLM, unset parameters come from the checkpoint's generation_config, so the
  request sets ``temperature`` 0, ``top_p`` 1, ``top_k`` -1 (SGLang's "whole vocabulary"),
  ``repetition_penalty`` 1. Structured output would go in ``response_format`` (``json_schema``)
  or SGLang's own ``regex``/``ebnf`` fields; like the vLLM backend, none is sent (the answer is
  read as the model writes it). Log-probabilities: ``bytes`` are the token's true bytes for
  byte-level BPE tokenizers (Qwen2.5) in 0.5.23, the display text's in older releases; both are
  handled (:func:`claimvlm.serving.vllm.to_reading`).
- **Page size**: SGLang has no ``--mm-processor-kwargs`` for Qwen2.5-VL images (the request's
  ``mm_processor_kwargs`` is read by MiniCPM-V only in 0.5.23); the checkpoint's processor
  resizes, so the base folder's ``preprocessor_config.json`` must hold ``train.max_pixels``
  (docs/serving-sglang.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from claimvlm.serving.backends import BackendError
from claimvlm.serving.vllm import OpenAIServerBackend, _server_message

if TYPE_CHECKING:
    import httpx

    from claimvlm.serving.params import ServeParams


class SglangBackend(OpenAIServerBackend):
    """A model version as an SGLang server serves it (``serve.sglang``): ``self.model`` is the served
    base model and ``self.lora`` the adapter requests name (None: merged weights, ``serve.sglang.model``)."""

    SERVER = "SGLang"
    SECTION = "sglang"
    LOAD_PATH, UNLOAD_PATH = "/load_lora_adapter", "/unload_lora_adapter"

    def __init__(self, settings: ServeParams, instruction: str, version: str | None) -> None:
        super().__init__(settings, instruction, version)
        self.lora: str | None = None

    def _check_ready(self) -> None:
        response = self._request("GET", "/health")
        if response.status_code != 200:
            raise BackendError(f"the SGLang server at {self.base_url} is not ready: /health answered "
                               f"{response.status_code} (starting, shutting down or unhealthy)")

    def _use_adapter(self, name: str, ours: bool) -> None:
        self.lora = name
        if ours:
            self.adapter = name

    def _refuse_no_runtime_lora(self, response: httpx.Response) -> None:
        message = _server_message(response)
        if response.status_code == 404 and message == "Not Found":
            raise BackendError(f"the SGLang server at {self.base_url} has no /load_lora_adapter (a release "
                               "without runtime LoRA loading): use a newer SGLang started with --enable-lora, "
                               "or start it on merged weights with serve.sglang.model set")
        if response.status_code == 400 and "not enabled" in message.lower():
            raise BackendError(f"the SGLang server at {self.base_url} has LoRA off ({message}): start it with "
                               "--enable-lora --max-lora-rank R --lora-target-modules ..., or on merged "
                               "weights with serve.sglang.model set")

    def _check_served(self) -> None:
        response = self._request("GET", "/v1/models", ok=True)
        try:
            cards = [(str(m["id"]), m.get("parent")) for m in response.json()["data"]]
        except (ValueError, KeyError, TypeError, AttributeError):
            raise BackendError(f"the SGLang server at {self.base_url} sent a malformed /v1/models") from None
        bases = [name for name, parent in cards if not parent]
        adapters = [name for name, parent in cards if parent]
        if self.lora is None:
            if self.model not in bases:
                raise BackendError(f"the SGLang server at {self.base_url} does not serve the model {self.model!r} "
                                   f"(it serves {bases[:8]})")
            return
        if not bases:
            raise BackendError(f"the SGLang server at {self.base_url} lists no base model in /v1/models")
        if adapters and self.lora not in adapters:  # older releases list no adapters at all
            raise BackendError(f"the SGLang server at {self.base_url} does not list the adapter {self.lora!r} "
                               f"(it lists {adapters[:8]})")
        self.model = bases[0]

    def _chat_body(self, content: list[dict[str, Any]]) -> dict[str, Any]:
        body = super()._chat_body(content)
        if self.lora is not None:
            body["model"] = f"{self.model}:{self.lora}"  # SGLang's OpenAI-compatible adapter choice
            body["lora_path"] = self.lora  # the same for releases before the "base:adapter" syntax
        return body
