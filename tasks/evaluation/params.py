"""The ``evaluate`` section: field weights, critical fields, intervals, the report and canaries."""

from __future__ import annotations

from pydantic import Field

from claimvlm.settings import Section


class EvaluateParams(Section):
    """Evaluation on the test split. Field paths are dotted (``diagnoses.kcd_code``,
    ``line_items.amount``) and matched with shell-style patterns; the first match decides."""

    max_new_tokens: int = Field(1280, gt=0, description="generation budget per page (a bill of 16 lines is ~1,100 tokens)")
    batch_size: int = Field(4, gt=0, description="pages decoded together (left-padded) by each model")
    cache_dir: str | None = Field(".cache/evaluate", description="the base model's answers, kept by a key of "
                                  "everything they depend on (None: read the test split with it every run)")
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
