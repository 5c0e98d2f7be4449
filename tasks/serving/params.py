"""The ``serve`` section: the model served, the backend, batching, canaries, vLLM/SGLang and who may call."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from claimvlm.settings import Section


class BatchingParams(Section):
    """Dynamic batching: a batch is read once ``max_batch_size`` pages wait or the first has waited
    ``max_wait_ms``. ``max_batch_size: 1`` turns batching off. Pages beyond ``max_queue`` waiting
    are refused at once with 503 and Retry-After (back-pressure), not queued without bound."""

    max_batch_size: int = Field(4, gt=0, le=256)
    max_wait_ms: float = Field(10.0, ge=0, le=10_000)
    max_queue: int = Field(64, gt=0, description="pages waiting for the model, beyond which requests get 503")


class VllmParams(Section):
    """The vLLM backend: an OpenAI-compatible vLLM server (GPU) started on the base checkpoint
    with ``--enable-lora``; each registry version's LoRA adapter is copied under ``adapter_dir``
    (a folder the vLLM server reads too) and loaded there as ``<registered_model>-v<version>``
    (vLLM needs VLLM_ALLOW_RUNTIME_LORA_UPDATING=True). ``model`` set: that served model is used
    as is, no adapter is loaded (vLLM started on merged weights)."""

    base_url: str = "http://127.0.0.1:8001"
    api_key_env: str = Field("VLLM_API_KEY", description="environment variable holding the server's key, if any")
    model: str | None = None
    adapter_dir: str = "/models/adapters"
    timeout_s: float = Field(120.0, gt=0)
    max_concurrency: int = Field(16, gt=0, description="requests in flight to the vLLM server (it batches them)")


class SglangParams(Section):
    """The SGLang backend: an OpenAI-compatible SGLang server (GPU) started on the base checkpoint
    with ``--enable-lora`` (and ``--max-lora-rank``/``--lora-target-modules``, as adapters are
    loaded after start); each registry version's LoRA adapter is copied under ``adapter_dir`` (a
    folder the SGLang server reads too) in the layout the vLLM backend writes, loaded through
    ``/load_lora_adapter`` as ``<registered_model>-v<version>`` and chosen per request with
    ``model: "<base>:<adapter>"``. ``model`` set: that served model is used as is, no adapter is
    loaded (SGLang started on merged weights). docs/serving-sglang.md."""

    base_url: str = Field("http://127.0.0.1:30000", description="30000: SGLang's default port")
    api_key_env: str = Field("SGLANG_API_KEY", description="environment variable holding the server's "
                             "--api-key, if any")
    model: str | None = None
    adapter_dir: str = "/models/adapters"
    timeout_s: float = Field(120.0, gt=0)
    max_concurrency: int = Field(16, gt=0, description="requests in flight to the SGLang server (it batches them)")


class JwtParams(Section):
    """OIDC/JWT bearer tokens. One of ``jwks_file`` / ``jwks_url`` is required in ``jwt`` mode."""

    issuer: str | None = Field(None, description="the tokens' iss, e.g. https://login.example.com/realms/claims")
    audience: str = "claimvlm"
    jwks_file: str | None = None
    jwks_url: str | None = Field(None, description="fetched at start and on an unknown kid (at most every 60 s)")
    algorithms: tuple[str, ...] = ("RS256", "ES256", "PS256")
    leeway_s: int = Field(30, ge=0, le=300, description="clock skew tolerated on exp/nbf")


class AuthParams(Section):
    """``serve.auth``. ``none`` only for a service no one else can reach (it says so at start)."""

    mode: Literal["api_keys", "jwt", "none"] = "api_keys"
    api_keys_file: str = Field(".secrets/api_keys.json", description="hashes, subjects and scopes (claimvlm api-key new)")
    jwt: JwtParams = JwtParams()
    scope_prefix: str = "claimvlm:"
    rate_limits: dict[str, str] = Field(
        {"extract": "120/minute", "review": "60/minute", "metrics": "60/minute"},
        description="per subject and scope (limits' notation); a scope left out is not limited")


class ServeParams(Section):
    """``claimvlm serve-api``. The upload gate's limits are ``collect``'s (size, pixels, formats):
    a page the service accepts is a page collection would accept."""

    model_uri: str | None = Field(None, description="None: models:/<tracking.registered_model>@<alias>; "
                                  "models:/NAME/N pins a version (no hot swap); a package folder such as "
                                  "models/export/int8 serves that export (transformers backend)")
    alias: str = "champion"
    backend: Literal["transformers", "vllm", "sglang"] = "transformers"
    device: Literal["auto", "cpu", "cuda"] = Field("auto", description="transformers backend; auto: cuda when present")
    dtype: Literal["auto", "fp32", "bf16", "fp16"] = Field(
        "auto", description="transformers backend; auto: bf16 on a GPU (fp16 without bf16), fp32 on a CPU")
    max_new_tokens: int = Field(1280, gt=0, description="answer budget per page (a bill of 16 lines is ~1,100 tokens)")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, lt=65536)
    poll_s: float = Field(30.0, ge=0, description="how often the alias is checked for a new version; 0: never")
    read_timeout_s: float = Field(30.0, gt=0, description="an upload slower than this gets 408")
    retry_after_s: int = Field(5, gt=0, description="Retry-After of a 503 (not ready, queue full)")
    canary_share: float = Field(0.0, ge=0, le=1, description="share of requests read by the canary_alias "
                                "version while it differs from the champion; 0: no canary")
    canary_alias: str = "challenger"
    batching: BatchingParams = BatchingParams()
    vllm: VllmParams = VllmParams()
    sglang: SglangParams = SglangParams()
    auth: AuthParams = AuthParams()
