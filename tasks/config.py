"""The one typed configuration: ``params.yaml`` loaded once into pydantic models.

Each top-level section is named after the DVC stage that uses it, and each library
function receives only its own section. Values are validated here, at load time, so a
typo or an out-of-range number fails before any work starts, with the key, the bad
value and what is allowed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from tasks.schema import DOC_TYPES, DocType
from tasks.synthesis.degrade import STEPS, build_step


class ConfigError(ValueError):
    """params.yaml (or an override) holds a value the pipeline cannot use."""


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StepParams(_Section):
    """One degradation step: a name from the step table, its probability and its arguments."""

    name: str
    p: float = Field(1.0, ge=0.0, le=1.0)
    args: dict[str, Any] = Field(default_factory=dict)

    @field_validator("args")
    @classmethod
    def _tuples(cls, v: dict[str, Any]) -> dict[str, Any]:
        # YAML has only lists; the steps take (low, high) tuples.
        return {k: tuple(x) if isinstance(x, list) else x for k, x in v.items()}

    @model_validator(mode="after")
    def _buildable(self) -> StepParams:
        if self.name not in STEPS:
            raise ValueError(f"unknown degradation step {self.name!r}; allowed: {sorted(STEPS)}")
        build_step(self.name, self.args)  # raises with the argument at fault
        return self


class ProfileParams(_Section):
    """A capture channel (scan, fax, phone photo): how often it occurs and its steps in order."""

    weight: float = Field(1.0, ge=0.0)
    steps: tuple[StepParams, ...]


def _default_profiles() -> dict[str, ProfileParams]:
    def s(name: str, p: float, **args: Any) -> StepParams:
        return StepParams(name=name, p=p, args=args)

    return {
        "scan": ProfileParams(
            weight=0.5,
            steps=(
                s("rotate", 0.9, max_degrees=1.5),
                s("gaussian_blur", 0.4, sigma=(0.3, 0.9)),
                s("noise", 0.5, std=(0.01, 0.04)),
                s("streaks", 0.2, count=(1, 3)),
                s("jpeg", 0.8, quality=(55, 90)),
            ),
        ),
        "fax": ProfileParams(
            weight=0.25,
            steps=(
                s("rotate", 0.7, max_degrees=1.0),
                s("resolution_loss", 0.9, scale=(0.5, 0.75)),
                s("binarize", 1.0, threshold=(175, 210)),
                s("streaks", 0.6, count=(1, 5)),
            ),
        ),
        "photo": ProfileParams(
            weight=0.25,
            steps=(
                s("perspective", 0.9, scale=(0.01, 0.04)),
                s("shadow", 0.7, intensity=(0.05, 0.2)),
                s("motion_blur", 0.4, kernel=(3, 5)),
                s("noise", 0.6, std=(0.02, 0.05)),
                s("jpeg", 1.0, quality=(50, 85)),
            ),
        ),
    }


class DegradeParams(_Section):
    prob: float = Field(0.6, ge=0.0, le=1.0, description="share of documents that get degraded")
    profiles: dict[str, ProfileParams] = Field(default_factory=_default_profiles)

    @model_validator(mode="after")
    def _some_weight(self) -> DegradeParams:
        if self.prob > 0 and not any(pr.weight > 0 for pr in self.profiles.values()):
            raise ValueError("degrade.prob > 0 needs at least one profile with weight > 0")
        return self


class FontParams(_Section):
    """Font family names (file stems) looked up in font_dirs, then the system font folders."""

    title: str = "NanumMyeongjoBold"
    label: str = "NanumGothic"
    values: tuple[str, ...] = ("NanumBarunGothic", "NanumGothic", "NanumMyeongjo")
    font_dirs: tuple[Path, ...] = ()


class SynthParams(_Section):
    num_docs: int = Field(200, gt=0)
    seed: int = Field(0, ge=0)
    dpi: int = Field(150, ge=150, le=400, description="A4 at this resolution")
    doc_types: dict[DocType, float] = Field(default_factory=lambda: {t: 1.0 for t in DOC_TYPES})
    line_items: tuple[int, int] = (3, 16)
    clean_format: Literal["png", "jpeg"] = "png"
    degraded_format: Literal["png", "jpeg"] = "jpeg"
    jpeg_quality: int = Field(92, ge=50, le=100)
    png_compress_level: int = Field(1, ge=0, le=9)
    workers: int = Field(0, ge=0, description="processes; 0 means one per core")
    fonts: FontParams = FontParams()
    degrade: DegradeParams = DegradeParams()

    @field_validator("doc_types")
    @classmethod
    def _positive_weights(cls, v: dict[DocType, float]) -> dict[DocType, float]:
        if not v or any(w < 0 for w in v.values()) or sum(v.values()) <= 0:
            raise ValueError("needs at least one document type with a positive weight, none negative")
        return v

    @field_validator("line_items")
    @classmethod
    def _ordered(cls, v: tuple[int, int]) -> tuple[int, int]:
        if not 1 <= v[0] <= v[1] <= 16:
            raise ValueError("must be (min, max) with 1 <= min <= max <= 16 (what fits one A4 page)")
        return v


class S3Params(_Section):
    """How to reach S3. Credentials never live here: boto3 reads the standard AWS environment
    (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ...)."""

    endpoint_url: str | None = Field(None, description="an S3-compatible server; None: AWS or AWS_ENDPOINT_URL")
    region: str | None = None
    max_attempts: int = Field(6, ge=1, le=20, description="botocore standard retry mode, with backoff")
    connect_timeout_s: float = Field(5.0, gt=0)
    read_timeout_s: float = Field(30.0, gt=0)
    download_threads: int = Field(8, ge=1, le=64)


class CollectParams(_Section):
    image_formats: tuple[Literal["PNG", "JPEG", "TIFF"], ...] = ("PNG", "JPEG", "TIFF")
    max_bytes: int = Field(25_000_000, gt=0, description="larger files are quarantined as oversized")
    max_pixels: int = Field(60_000_000, gt=0, description="decompression-bomb guard")
    s3: S3Params = S3Params()


class AnonymizeParams(_Section):
    key_env: str = Field("CLAIMVLM_PSEUDONYM_KEY", description="environment variable holding the secret key")
    images: bool = Field(True, description="False: labels only, and no images are written at all")
    font: str = Field("NanumGothic", description="font the surrogates are printed in")
    ocr_lang: str = "kor"
    k: int = Field(5, ge=2)
    max_suppression: float = Field(0.05, ge=0.0, le=0.5, description="share of records k-anonymity may drop")
    dp_epsilon: float = Field(1.0, gt=0.0, le=10.0)


class ImageCheckParams(_Section):
    min_width: int = Field(1000, gt=0, description="pixels; A4 at 150 dpi is 1240 wide")
    min_height: int = Field(1400, gt=0)
    min_dpi: int = Field(150, gt=0, description="from the metadata or the file, when either records it")
    min_ink: float = Field(0.004, ge=0, le=1, description="share of dark pixels below which a page is blank")
    min_sharpness: float = Field(60.0, ge=0, description="variance of the Laplacian below which a page is blurred")
    max_skew_degrees: float = Field(5.0, gt=0, le=45)


class LabelNoiseParams(_Section):
    enabled: bool = True
    lang: str = "kor"
    # Hangul, digits and dates only: Tesseract's kor model does not read Latin capitals (KCD codes).
    fields: tuple[str, ...] = ("patient_name", "hospital_name", "issue_date", "chart_no", "total")
    min_similarity: float = Field(0.7, ge=0, le=1, description="normalised similarity below which a reading disagrees")
    min_disagreements: int = Field(2, ge=1, description="disagreeing fields that flag a document")


class QcParams(_Section):
    max_fail_rate: float = Field(0.1, ge=0, le=1, description="a batch failing more than this stops the pipeline")
    max_null_rate: float = Field(0.0, ge=0, le=1, description="share of nulls tolerated in a required column")
    images: ImageCheckParams = ImageCheckParams()
    label_noise: LabelNoiseParams = LabelNoiseParams()


class BuildParams(_Section):
    seed: int = Field(0, ge=0)
    splits: dict[Literal["train", "val", "test"], float] = Field(
        default_factory=lambda: {"train": 0.8, "val": 0.1, "test": 0.1})
    instruction: str = ("이 문서의 종류를 판별하고, 스키마에 정의된 모든 필드를 JSON으로 추출하세요. "
                        "Identify the document type and return every field of its schema as JSON.")
    shard_max_count: int = Field(500, gt=0, description="samples per WebDataset shard")
    shard_max_bytes: int = Field(200_000_000, gt=0)
    aspect_buckets: tuple[float, ...] = (0.6, 0.67, 0.71, 0.75, 0.8, 1.0, 1.25, 1.41, 1.5)

    @field_validator("splits")
    @classmethod
    def _fractions(cls, v: dict[str, float]) -> dict[str, float]:
        if set(v) != {"train", "val", "test"} or any(f < 0 for f in v.values()) or abs(sum(v.values()) - 1) > 1e-6:
            raise ValueError("needs train, val and test fractions, none negative, summing to 1")
        return v


class LoraParams(_Section):
    r: int = Field(8, gt=0)
    alpha: int = Field(16, gt=0)
    dropout: float = Field(0.05, ge=0, lt=1)
    target_modules: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


class FreezeParams(_Section):
    """What stays frozen (method "freeze"), and when parts thaw: {step: [part, ...]}."""

    vision: bool = True
    merger: bool = False
    language: bool = False
    unfreeze_at: dict[int, tuple[Literal["vision", "merger", "language"], ...]] = Field(default_factory=dict)


class TrainParams(_Section):
    model: str = Field("tiny", description='"tiny" (embedded default), a local checkpoint folder, or a hub id')
    # "full" for the tiny default: it starts from random weights, so there is nothing for an
    # adapter to preserve. With a real checkpoint use "lora" (or "qlora" on CUDA).
    method: Literal["lora", "qlora", "full", "freeze"] = "full"
    lora: LoraParams = LoraParams()
    freeze: FreezeParams = FreezeParams()
    seed: int = Field(0, ge=0)
    learning_rate: float = Field(1e-3, gt=0)
    weight_decay: float = Field(0.0, ge=0)
    warmup_steps: int = Field(20, ge=0)
    max_steps: int = Field(300, gt=0)
    batch_size: int = Field(2, gt=0)
    grad_accum: int = Field(1, gt=0)
    max_grad_norm: float = Field(1.0, gt=0)
    explode_grad_norm: float = Field(1e4, gt=0, description="a grad norm above this stops the run")
    precision: Literal["fp32", "bf16", "fp16"] = "fp32"
    gradient_checkpointing: bool = False
    min_pixels: int = Field(56 * 56, gt=0)
    max_pixels: int = Field(224 * 320, gt=0)
    checkpoint_every: int = Field(50, gt=0)
    keep_checkpoints: int = Field(2, gt=0, description="newest checkpoints kept; older ones are deleted")
    eval_every: int = Field(50, gt=0, description="optimizer steps between validation-loss evaluations")
    early_stopping_patience: int = Field(
        2, ge=0, description="evaluations without improvement before stopping; 0 never stops early")
    early_stopping_min_delta: float = Field(0.0, ge=0)
    # Online augmentation from the degradation step table: only steps that keep every value
    # legible and in frame (the label must stay true), drawn anew per sample and epoch.
    augment: tuple[StepParams, ...] = (
        StepParams(name="rotate", p=0.3, args={"max_degrees": 1.0}),
        StepParams(name="gaussian_blur", p=0.2, args={"sigma": (0.2, 0.6)}),
        StepParams(name="noise", p=0.2, args={"std": (0.005, 0.02)}),
        StepParams(name="jpeg", p=0.3, args={"quality": (70, 95)}),
    )
    tokenizer_texts: int = Field(
        3000, ge=0, description='"tiny" only: generated labels added to the dataset text the tokenizer learns from')

    @model_validator(mode="after")
    def _pixels(self) -> TrainParams:
        if self.min_pixels > self.max_pixels:
            raise ValueError(f"min_pixels {self.min_pixels} exceeds max_pixels {self.max_pixels}")
        return self


class SearchDim(_Section):
    """One hyperparameter's range: ``low``..``high`` (``log`` scale for rates), or ``choices``."""

    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: tuple[Any, ...] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> SearchDim:
        if (self.choices is None) == (self.low is None or self.high is None):
            raise ValueError("give either choices or both low and high")
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"low {self.low} must be below high {self.high}")
        if self.log and self.low is not None and self.low <= 0:
            raise ValueError("a log-scale range needs low > 0")
        return self


class SweepParams(_Section):
    """``claimvlm sweep``: an Optuna search over ``train`` keys (dotted, as in -S), each trial a
    short run scored by validation loss and logged to MLflow; the best is written to params.yaml."""

    trials: int = Field(6, gt=0)
    max_steps: int = Field(40, gt=0, description="train.max_steps of each trial")
    seed: int = Field(0, ge=0)
    space: dict[str, SearchDim] = Field(default_factory=lambda: {
        "learning_rate": SearchDim(low=1e-4, high=3e-3, log=True),
        "warmup_steps": SearchDim(choices=(0, 10, 20)),
    })

    @field_validator("space")
    @classmethod
    def _train_keys(cls, v: dict[str, SearchDim]) -> dict[str, SearchDim]:
        for key, dim in v.items():
            sample = dim.choices[0] if dim.choices is not None else dim.low
            try:
                TrainParams.model_validate(apply_overrides({}, [f"{key}={sample}"]))
            except (ValidationError, ConfigError) as err:
                raise ValueError(f"sweep.space key {key!r} is not a usable train parameter: {err}") from None
        return v


class EvaluateParams(_Section):
    """Evaluation on the test split. Field paths are dotted (``diagnoses.kcd_code``,
    ``line_items.amount``) and matched with shell-style patterns; the first match decides."""

    max_new_tokens: int = Field(768, gt=0, description="generation budget per page (an itemized bill is long)")
    field_weights: dict[str, float] = Field(default_factory=lambda: {
        "document_type": 2.0, "*kcd_code": 3.0, "*date": 2.0, "care_*": 2.0, "*total": 2.0, "*amount*": 2.0,
        "*share": 2.0, "full_self_pay": 2.0, "non_covered": 2.0, "patient_rrn": 2.0, "days": 2.0,
    })
    critical_fields: tuple[str, ...] = Field(
        ("document_type", "*kcd_code", "*date", "care_*", "*total", "*amount*", "*share", "patient_rrn", "days"),
        description="patterns of the fields the gate guards against any regression")
    bootstrap: int = Field(1000, ge=100, description="bootstrap resamples (over documents) for confidence intervals")
    confidence: float = Field(0.95, gt=0.5, lt=1)
    seed: int = Field(0, ge=0)
    report_examples: int = Field(4, ge=0, description="test pages shown in the report, worst first")
    canary_size: int = Field(6, gt=0, description="test documents the post-promotion smoke check reads")


class GateParams(_Section):
    """Promotion policy: absolute floors, no regression on a critical field or document type
    against the champion beyond ``tolerance`` (judged on confidence intervals), and better
    than the base model it was tuned from."""

    # What the embedded tiny default can honestly meet; production adds e.g. weighted_score 0.95
    # and critical_exact 0.97 (the Tesseract baseline reaches about 0.9 on clean pages).
    floors: dict[str, float] = Field(default_factory=lambda: {"json_valid_rate": 0.9})
    tolerance: float = Field(0.02, ge=0, le=1)
    must_beat_base: bool = True
    reproduce_tolerance: float = Field(0.02, ge=0, le=1, description="post-promotion smoke: allowed metric drift")
    rollout: Literal["promote", "canary"] = Field(
        "promote", description="a passing candidate becomes champion at once (behind the smoke check), or the "
        "challenger: served to serve.canary_share of traffic until the monitor's live check (a first champion "
        "is always promoted)")


class TrackingParams(_Section):
    """MLflow: where runs and models go. The embedded default is a SQLite store beside the project
    (the model registry needs a database); set ``uri`` to an ``http://`` mlflow server in production.
    $MLFLOW_TRACKING_URI, when set, wins over ``uri`` (MLflow's own convention)."""

    uri: str = "sqlite:///mlflow/mlflow.db"
    artifact_root: str = Field("mlflow/artifacts", description="new experiments' artifact location (local stores)")
    experiment: str = "claimvlm"
    registered_model: str = "claimvlm-reader"
    embed_base_max_mb: int = Field(
        2048, ge=0, description="a LoRA run's MLflow model carries its base weights up to this size, else a reference")


class ExecutorParams(_Section):
    """Where per-document work (synth, anonymize, qc) runs. ``local``: in this process or a pool of
    local processes, sized by each stage's own ``workers``; ``dask``: a ``distributed`` cluster.
    Outputs are byte-identical whichever runs them."""

    kind: Literal["local", "dask"] = "local"
    address: str | None = Field(
        None, description="a Dask scheduler, e.g. tcp://10.0.0.5:8786; None with kind dask: a LocalCluster per map")
    dask_workers: int = Field(2, gt=0, description="worker processes of that LocalCluster")
    threads_per_worker: int = Field(1, gt=0, description="threads per LocalCluster worker")


class BatchingParams(_Section):
    """Dynamic batching: a batch is read once ``max_batch_size`` pages wait or the first has waited
    ``max_wait_ms``. ``max_batch_size: 1`` turns batching off. Pages beyond ``max_queue`` waiting
    are refused at once with 503 and Retry-After (back-pressure), not queued without bound."""

    max_batch_size: int = Field(4, gt=0, le=256)
    max_wait_ms: float = Field(10.0, ge=0, le=10_000)
    max_queue: int = Field(64, gt=0, description="pages waiting for the model, beyond which requests get 503")


class VllmParams(_Section):
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


class ServeParams(_Section):
    """``claimvlm serve-api``. The upload gate's limits are ``collect``'s (size, pixels, formats):
    a page the service accepts is a page collection would accept."""

    model_uri: str | None = Field(None, description="None: models:/<tracking.registered_model>@<alias>; "
                                  "models:/NAME/N pins a version (no hot swap); a package folder such as "
                                  "models/export/int8 serves that export (transformers backend)")
    alias: str = "champion"
    backend: Literal["transformers", "vllm"] = "transformers"
    device: Literal["auto", "cpu", "cuda"] = Field("auto", description="transformers backend; auto: cuda when present")
    max_new_tokens: int = Field(768, gt=0)
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


class LiveRollbackParams(_Section):
    """When reviewers' corrections roll a champion back: its weighted field-correction rate is
    worse than the version it replaced by more than ``tolerance``, at ``confidence`` (one-sided),
    with at least ``min_samples`` reviewed documents of each version in the last ``window_days``."""

    min_samples: int = Field(30, ge=2)
    tolerance: float = Field(0.02, ge=0, le=1, description="weighted correction-rate increase tolerated")
    confidence: float = Field(0.95, gt=0.5, lt=1)
    window_days: float = Field(14.0, gt=0)
    promote_canary: bool = Field(False, description="a canary judged not worse than the champion is promoted by "
                                 "the monitor; False: it waits for a person (claimvlm promote)")


class FeedbackParams(_Section):
    """Reviewers' corrections (``POST /v1/feedback``) and what the service keeps to learn from them.
    ``store_url``: an SQLAlchemy URL (SQLite by default; ``postgresql+psycopg://…`` in production).
    The store holds answers and corrections (personal data, like the claims system itself): never
    the logs. ``keep_pages``: the service keeps each page read (``pages_dir``) so that a corrected
    document can become training data (pseudonymised by the anonymize stage on its way in)."""

    enabled: bool = True
    store_url: str = "sqlite:///feedback/feedback.db"
    keep_pages: bool = True
    pages_dir: str = "feedback/pages"
    rollback: LiveRollbackParams = LiveRollbackParams()


class ExportParams(_Section):
    """Serving artefacts of a trained model (``claimvlm export``): the adapter merged into its base,
    and an int8 dynamically quantised copy for CPU serving; each is evaluated like the model itself
    (same test split, same metrics) and must pass the parity check on the canary pages first."""

    merged: bool = True
    int8: bool = Field(True, description="torch dynamic int8 quantisation of the Linear layers (CPU)")
    parity_max_logprob_diff: float = Field(
        1e-3, gt=0, description="largest |log p| difference along the reference answers between the model, "
        "its merged export and the serving backend")
    max_int8_drop: float = Field(0.05, ge=0, le=1, description="weighted_score the int8 copy may lose; more is "
                                 "reported as not servable")


class Params(_Section):
    """All of params.yaml. One attribute per DVC stage."""

    synth: SynthParams = SynthParams()
    collect: CollectParams = CollectParams()
    anonymize: AnonymizeParams = AnonymizeParams()
    qc: QcParams = QcParams()
    build: BuildParams = BuildParams()
    train: TrainParams = TrainParams()
    sweep: SweepParams = Field(default_factory=SweepParams)
    evaluate: EvaluateParams = EvaluateParams()
    gate: GateParams = GateParams()  # built on use: its check needs apply_overrides
    tracking: TrackingParams = TrackingParams()
    executor: ExecutorParams = ExecutorParams()
    serve: ServeParams = ServeParams()
    feedback: FeedbackParams = FeedbackParams()
    export: ExportParams = ExportParams()


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """Field names of the section an unknown key was found in (walks the models along loc)."""
    model: Any = Params
    for part in loc[:-1]:
        if isinstance(model, type) and issubclass(model, BaseModel) and part in model.model_fields:
            model = model.model_fields[part].annotation
        else:
            return []
    return sorted(model.model_fields) if isinstance(model, type) and issubclass(model, BaseModel) else []


def _format_errors(err: ValidationError) -> str:
    lines = []
    for e in err.errors():
        key = ".".join(str(part) for part in e["loc"]) or "<root>"
        value = e.get("input")
        shown = "missing" if e["type"] == "missing" else repr(value)
        if len(shown) > 120:
            shown = shown[:117] + "..."
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = f"unknown key; allowed here: {_allowed_keys(e['loc'])}"
        lines.append(f"  {key}: got {shown}; {msg}")
    return "invalid parameters:\n" + "\n".join(lines)


def apply_overrides(data: dict[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """Apply ``section.key=value`` overrides (values parsed as YAML) to a nested dict."""
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"override {item!r} is not of the form section.key=value")
        node = data
        parts = key.strip().split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"override {item!r}: {part!r} is a value, not a section")
            node = child
        node[parts[-1]] = yaml.safe_load(raw)
    return data


def load_params(path: Path | None = Path("params.yaml"), overrides: Sequence[str] = ()) -> Params:
    """Read params.yaml (if it exists), apply overrides, and validate everything at once."""
    data: dict[str, Any] = {}
    if path is not None and path.exists():
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"{path}: expected a mapping of sections, got {type(loaded).__name__}")
        data = loaded or {}
    elif path is not None and path != Path("params.yaml"):
        raise ConfigError(f"parameter file {path} does not exist")
    data = apply_overrides(data, overrides)
    try:
        return Params.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_format_errors(err)) from None
