"""The ``train`` and ``sweep`` sections: the model, the method, the optimisation and the search."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from claimvlm.settings import ConfigError, Section, apply_overrides
from claimvlm.synthesis.params import StepParams


class LoraParams(Section):
    r: int = Field(8, gt=0)
    alpha: int = Field(16, gt=0)
    dropout: float = Field(0.05, ge=0, lt=1)
    target_modules: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
    vision: Literal["frozen", "merger", "full"] = Field(
        "frozen", description="adapters go on the language model; the vision side stays frozen, or its merger "
        "(or the whole tower) trains in full beside them (saved with the adapter; vLLM serves frozen only)")


class FreezeParams(Section):
    """What stays frozen (method "freeze"), and when parts thaw: {step: [part, ...]}."""

    vision: bool = True
    merger: bool = False
    language: bool = False
    unfreeze_at: dict[int, tuple[Literal["vision", "merger", "language"], ...]] = Field(default_factory=dict)


AnomalyKind = Literal["loss_spike", "plateau", "grad_norm_drift", "throughput_drop", "loader_stall"]


class LossSpikeParams(Section):
    """A step's loss above the rolling median of the previous ``window`` steps by ``k`` robust
    deviations (1.4826 x MAD, at least ``min_rel`` x the median), once ``warmup`` steps have passed."""

    enabled: bool = True
    window: int = Field(20, ge=5)
    k: float = Field(6.0, gt=0)
    min_rel: float = Field(0.1, ge=0, description="the deviation's floor as a share of the median (a flat loss "
                           "has a MAD near 0)")
    warmup: int = Field(10, ge=0)


class PlateauParams(Section):
    """The loss's ``window``-step mean improved by less than ``min_improvement`` (relative) over the
    last ``steps`` steps."""

    enabled: bool = True
    window: int = Field(20, gt=0)
    steps: int = Field(50, gt=0)
    min_improvement: float = Field(0.01, ge=0)


class GradNormDriftParams(Section):
    """The median grad norm of the last ``window`` steps over ``factor`` x that of the ``window``
    before (both after ``warmup``)."""

    enabled: bool = True
    window: int = Field(20, ge=2)
    factor: float = Field(3.0, gt=1)
    warmup: int = Field(10, ge=0)


class ThroughputDropParams(Section):
    """Samples/s under ``fraction`` x the median of the previous ``window`` steps, ``patience``
    steps in a row (steps up to ``warmup`` pay one-time set-up and are not compared)."""

    enabled: bool = True
    window: int = Field(20, ge=2)
    fraction: float = Field(0.5, gt=0, lt=1)
    patience: int = Field(3, gt=0)
    warmup: int = Field(5, ge=0)


class LoaderStallParams(Section):
    """A step waited over ``seconds`` for its batches, or data loading took over ``share`` of each of
    ``patience`` steps in a row (the loop is input-bound)."""

    enabled: bool = True
    seconds: float = Field(30.0, gt=0)
    share: float = Field(0.9, gt=0, le=1)
    patience: int = Field(5, gt=0)
    warmup: int = Field(1, ge=0)


class AnomalyParams(Section):
    """Online anomaly detection over the step series (claimvlm.training.anomaly). Findings go to
    MLflow (tags ``anomaly.<kind>``, artifact anomalies.json) and the training report; with policy
    "stop" a finding of a ``stop_on`` kind ends the run after its step, checkpointed, the reason recorded."""

    policy: Literal["log", "stop"] = "log"
    stop_on: tuple[AnomalyKind, ...] = ("loss_spike", "grad_norm_drift")
    loss_spike: LossSpikeParams = LossSpikeParams()
    plateau: PlateauParams = PlateauParams()
    grad_norm_drift: GradNormDriftParams = GradNormDriftParams()
    throughput_drop: ThroughputDropParams = ThroughputDropParams()
    loader_stall: LoaderStallParams = LoaderStallParams()
    pushgateway: str | None = Field(None, description="a Prometheus Pushgateway (host:port or URL) the main "
                                    "process pushes the step metrics to (infra/prometheus/training-alerts.yml); "
                                    "null pushes nothing")
    push_every: int = Field(10, gt=0, description="optimizer steps between pushes (findings push at once)")

    @model_validator(mode="after")
    def _stoppable(self) -> AnomalyParams:
        off = [k for k in self.stop_on if not getattr(self, k).enabled]
        if self.policy == "stop" and off:
            raise ValueError(f"stop_on names disabled detectors {off}: enable them or drop them from stop_on")
        return self


class TrainParams(Section):
    model: str = Field("models/base/claimvlm-tiny", description='a local checkpoint folder (default: the '
                       'pretrained tiny base shipped in the repository), a hub id, or "tiny" (built from its config, '
                       'random weights)')
    # "full" for the tiny default: at 5 M parameters there is nothing for an adapter to save.
    # With a real checkpoint use "lora" (or "qlora" on CUDA).
    method: Literal["lora", "qlora", "full", "freeze"] = "full"
    lora: LoraParams = LoraParams()
    freeze: FreezeParams = FreezeParams()
    seed: int = Field(0, ge=0)
    learning_rate: float = Field(3e-4, gt=0)
    weight_decay: float = Field(0.0, ge=0)
    warmup_steps: int = Field(10, ge=0)
    max_steps: int = Field(150, gt=0)
    batch_size: int = Field(2, gt=0)
    grad_accum: int = Field(1, gt=0)
    max_grad_norm: float = Field(1.0, gt=0)
    explode_grad_norm: float = Field(1e4, gt=0, description="a grad norm above this stops the run")
    precision: Literal["fp32", "bf16", "fp16"] = "fp32"
    gradient_checkpointing: bool = False
    # The page size the model sees. Unset (null): the checkpoint's own preprocessor_config.json
    # (a released Qwen2.5-VL allows up to 12.8 M pixels, ~16 k image tokens for an A4 page: set
    # max_pixels to what the GPU holds; params.yaml sets the tiny default's).
    min_pixels: int | None = Field(None, gt=0)
    max_pixels: int | None = Field(None, gt=0)
    attn_implementation: Literal["auto", "sdpa", "eager", "flash_attention_2"] = Field(
        "auto", description="auto: flash_attention_2 on CUDA where flash-attn is installed, else sdpa")
    checkpoint_every: int = Field(50, gt=0)
    keep_checkpoints: int = Field(2, gt=0, description="newest checkpoints kept; older ones are deleted")
    eval_every: int = Field(50, gt=0, description="optimizer steps between validation-loss evaluations")
    early_stopping_patience: int = Field(
        2, ge=0, description="evaluations without improvement before stopping; 0 never stops early")
    early_stopping_min_delta: float = Field(0.0, ge=0)
    # Online augmentation from the degradation step table: only steps that keep every value
    # legible and in frame (the label must stay true), drawn anew per sample and epoch. The
    # document-level mixing steps "cutmix" and "mixup" (claimvlm.synthesis.mixing) are off unless
    # listed here; params.yaml shows them commented out (benchmarks/mixing_ab.py: their A/B).
    augment: tuple[StepParams, ...] = (
        StepParams(name="rotate", p=0.3, args={"max_degrees": 1.0}),
        StepParams(name="gaussian_blur", p=0.2, args={"sigma": (0.2, 0.6)}),
        StepParams(name="noise", p=0.2, args={"std": (0.005, 0.02)}),
        StepParams(name="jpeg", p=0.3, args={"quality": (70, 95)}),
    )
    transcribe: float = Field(
        0.0, ge=0, lt=1, description="share of training samples turned into a transcription exercise (answer: "
        "the OCR anchor's lines): the pretraining recipe's copy curriculum; 0 when fine-tuning")
    transcribe_max_lines: int = Field(
        0, ge=0, description="transcription exercises copy a window of up to this many lines; 0: the whole anchor")
    tokenizer_texts: int = Field(
        3000, ge=0, description='"tiny" only: generated labels added to the dataset text the tokenizer learns from')
    anomaly: AnomalyParams = AnomalyParams()

    @model_validator(mode="after")
    def _pixels(self) -> TrainParams:
        if self.min_pixels is not None and self.max_pixels is not None and self.min_pixels > self.max_pixels:
            raise ValueError(f"min_pixels {self.min_pixels} exceeds max_pixels {self.max_pixels}")
        return self


class SearchDim(Section):
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


class SweepParams(Section):
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
