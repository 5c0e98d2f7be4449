"""Live quality from reviewers' corrections, and the rollback verdict drawn from it.

A reviewed answer's **correction rate** is the weighted share of the corrected answer's fields
the model got wrong (exact comparison after the evaluation's normalisation; weights from
``evaluate.field_weights``, so a wrong amount or RRN counts as much as offline evaluation says it
does). 0 means the reviewer changed nothing.

:func:`live_verdict` is a pure decision, like the gate: roll back when the new version's mean
correction rate exceeds the replaced version's by more than ``tolerance`` with one-sided
``confidence`` (normal approximation of the difference of two means, Welch's standard error),
and only with ``min_samples`` reviewed answers of each. Fewer samples, or a difference within
noise, keep the champion — with the reason said.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from claimvlm.evaluation.fields import compare_fields
from claimvlm.evaluation.metrics import field_weight
from claimvlm.feedback.params import LiveRollbackParams


def correction_rate(answer: Mapping[str, Any], corrected: Mapping[str, Any], weights: Mapping[str, float]) -> float:
    """Weighted share of the corrected answer's fields (leaves) the answer had wrong."""
    scores = compare_fields(dict(corrected), dict(answer))
    if not scores:
        return 0.0
    w = [field_weight(s.path, weights) for s in scores]
    total = sum(w)
    return sum(wi for s, wi in zip(scores, w, strict=True) if not s.exact) / total if total else 0.0


@dataclass(frozen=True)
class LiveStats:
    version: str
    rates: tuple[float, ...]

    @property
    def n(self) -> int:
        return len(self.rates)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.rates) if self.rates else math.nan

    @property
    def variance(self) -> float:
        return statistics.variance(self.rates) if self.n > 1 else 0.0

    def summary(self) -> dict[str, Any]:
        return {"version": self.version, "n": self.n, "mean_correction_rate": None if not self.n else round(self.mean, 4)}


@dataclass(frozen=True)
class LiveVerdict:
    """``worse``: ``new`` is worse beyond tolerance; ``judged``: there were enough samples to say."""

    worse: bool
    judged: bool
    reasons: tuple[str, ...]
    evidence: dict[str, Any] = field(default_factory=dict)


def _z(confidence: float) -> float:
    return statistics.NormalDist().inv_cdf(confidence)


def live_verdict(new: LiveStats, old: LiveStats, policy: LiveRollbackParams) -> LiveVerdict:
    """Is ``new`` worse than ``old``? For a champion against the version it replaced: roll back when
    worse. For a canary against the champion: withdraw it when worse, ready to promote when judged
    and not worse."""
    evidence: dict[str, Any] = {"new": new.summary(), "old": old.summary(), "tolerance": policy.tolerance,
                                "confidence": policy.confidence, "min_samples": policy.min_samples}
    short = [s for s in (new, old) if s.n < policy.min_samples]
    if short:
        return LiveVerdict(False, False, tuple(f"v{s.version}: {s.n} reviewed answers, fewer than {policy.min_samples}: "
                                        "not enough to judge" for s in short), evidence)
    diff = new.mean - old.mean
    se = math.sqrt(new.variance / new.n + old.variance / old.n)
    lower = diff - _z(policy.confidence) * se
    evidence.update(difference=round(diff, 4), lower_bound=round(lower, 4))
    said = (f"correction rate v{new.version} {new.mean:.3f} (n={new.n}) vs v{old.version} {old.mean:.3f} "
            f"(n={old.n}): difference {diff:+.3f}, {policy.confidence:.0%} lower bound {lower:+.3f}")
    if lower > policy.tolerance:
        return LiveVerdict(True, True, (f"{said} > tolerance {policy.tolerance}: v{new.version} is worse",), evidence)
    return LiveVerdict(False, True, (f"{said} <= tolerance {policy.tolerance}: within noise or better",), evidence)
