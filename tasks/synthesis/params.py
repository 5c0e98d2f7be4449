"""The ``synth`` section: how many documents, of which types, rendered how, degraded how."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from claimvlm.schema import DOC_TYPES, DocType
from claimvlm.settings import Section
from claimvlm.synthesis.degrade import STEPS, build_step


class StepParams(Section):
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


class ProfileParams(Section):
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


class DegradeParams(Section):
    prob: float = Field(0.6, ge=0.0, le=1.0, description="share of documents that get degraded")
    profiles: dict[str, ProfileParams] = Field(default_factory=_default_profiles)

    @model_validator(mode="after")
    def _some_weight(self) -> DegradeParams:
        if self.prob > 0 and not any(pr.weight > 0 for pr in self.profiles.values()):
            raise ValueError("degrade.prob > 0 needs at least one profile with weight > 0")
        return self


class FontParams(Section):
    """Font family names (file stems) looked up in font_dirs, then the system font folders."""

    title: str = "NanumMyeongjoBold"
    label: str = "NanumGothic"
    values: tuple[str, ...] = ("NanumBarunGothic", "NanumGothic", "NanumMyeongjo")
    font_dirs: tuple[Path, ...] = ()


class SynthParams(Section):
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
