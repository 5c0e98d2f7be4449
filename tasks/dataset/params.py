"""The ``build`` section: splits, the instruction every record carries, shards and buckets."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from claimvlm.settings import Section


class BuildParams(Section):
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
