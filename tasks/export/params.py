"""The ``export`` section: which serving copies are made and how closely they must agree."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from claimvlm.settings import Section


class ExportParams(Section):
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
    # Optional rows (claimvlm.export.weight_only): made only where there is a CUDA device and
    # llmcompressor; elsewhere the report shows them refused, and nothing else changes.
    weight_only: tuple[Literal["awq", "gptq"], ...] = Field(
        ("awq", "gptq"), description="4-bit weight-only exports by llm-compressor (GPU only), reported beside "
        "int8; () leaves the rows out")
    calibration_samples: int = Field(64, gt=0, description="train-split pages the AWQ/GPTQ calibration reads")
