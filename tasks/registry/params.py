"""The ``gate`` section: the promotion policy."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from claimvlm.settings import Section


class GateParams(Section):
    """Promotion policy: absolute floors, no regression on a critical field or document type
    against the champion beyond ``tolerance`` (judged on confidence intervals), and better
    than the base model it was tuned from."""

    # What the embedded tiny default can honestly meet; production adds e.g. weighted_score 0.95
    # and critical_exact 0.97 (the Tesseract baseline reaches about 0.9 on clean pages).
    floors: dict[str, float] = Field(default_factory=lambda: {"json_valid_rate": 0.9})
    tolerance: float = Field(0.02, ge=0, le=1)
    must_beat_base: bool = True
    must_beat_baseline: bool = Field(False, description="the candidate must beat the Tesseract + rules baseline "
                                     "on weighted_score and be no worse (within tolerance) on each critical field")
    reproduce_tolerance: float = Field(0.02, ge=0, le=1, description="post-promotion smoke: allowed metric drift")
    rollout: Literal["promote", "canary"] = Field(
        "promote", description="a passing candidate becomes champion at once (behind the smoke check), or the "
        "challenger: served to serve.canary_share of traffic until the monitor's live check (a first champion "
        "is always promoted)")
