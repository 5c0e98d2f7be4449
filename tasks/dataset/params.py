"""The ``build`` section: splits, the prompt every record carries (instruction, anchoring), shards and buckets."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from claimvlm.model.prompt import DEFAULT_INSTRUCTION, AnchorParams
from claimvlm.settings import Section


class BuildParams(Section):
    seed: int = Field(0, ge=0)
    splits: dict[Literal["train", "val", "test"], float] = Field(
        default_factory=lambda: {"train": 0.8, "val": 0.1, "test": 0.1})
    instruction: str = DEFAULT_INSTRUCTION
    # Document anchoring (claimvlm.model.prompt): each page's OCR text in its prompt, read once here.
    anchoring: AnchorParams = AnchorParams(mode="ocr")
    workers: int = Field(0, ge=0, description="processes reading pages for the anchors (0: one per core)")
    shard_max_count: int = Field(500, gt=0, description="samples per WebDataset shard")
    shard_max_bytes: int = Field(200_000_000, gt=0)
    aspect_buckets: tuple[float, ...] = (0.6, 0.67, 0.71, 0.75, 0.8, 1.0, 1.25, 1.41, 1.5)

    @field_validator("splits")
    @classmethod
    def _fractions(cls, v: dict[str, float]) -> dict[str, float]:
        if set(v) != {"train", "val", "test"} or any(f < 0 for f in v.values()) or abs(sum(v.values()) - 1) > 1e-6:
            raise ValueError("needs train, val and test fractions, none negative, summing to 1")
        return v
