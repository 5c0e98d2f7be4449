"""The monitor's live-quality check: reviewers' corrections decide rollbacks and canaries.

:func:`check_live` reads the reviewed answers of the last ``window_days`` from the feedback
store, scores each (:func:`claimvlm.feedback.quality.correction_rate`) and groups them by the model
version that answered. Then, with the pure :func:`~claimvlm.feedback.quality.live_verdict`:

1. **Rollback**: the champion against the version it replaced (``replaced_version`` tag). Worse
   beyond tolerance, with enough samples of both: ``champion`` goes back (the registry's
   :func:`~claimvlm.registry.registry.rollback`, only if the champion is still the one judged),
   recorded with the actor and the evidence.
2. **Canary**: a ``challenger`` that is not the champion, against the champion, on answers of the
   same window (the service sent it ``serve.canary_share`` of the traffic). Worse: the canary is
   withdrawn. Judged and not worse: promoted (an alias move: blue-green) when
   ``promote_canary``, else reported as ready.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claimvlm.feedback.params import LiveRollbackParams
from claimvlm.feedback.quality import LiveStats, LiveVerdict, correction_rate, live_verdict
from claimvlm.feedback.store import FeedbackStore, Policy
from claimvlm.registry.registry import (
    CHALLENGER,
    CHAMPION,
    Promotion,
    _aliases,
    end_canary,
    promote,
    rollback,
)

if TYPE_CHECKING:
    from mlflow.tracking import MlflowClient

ACTOR = "monitor:live-quality"


@dataclass(frozen=True)
class LiveCheck:
    champion: str | None
    stats: dict[str, LiveStats]
    rollback: LiveVerdict | None = None  # champion vs the version it replaced
    canary: LiveVerdict | None = None  # challenger vs champion
    events: tuple[Promotion, ...] = field(default_factory=tuple)

    def lines(self) -> list[str]:
        out = [f"champion v{self.champion}; reviewed answers by version: "
               + (", ".join(f"v{v} {s.n} (mean {s.mean:.3f})" for v, s in sorted(self.stats.items())) or "none")]
        for what, verdict in (("rollback", self.rollback), ("canary", self.canary)):
            if verdict is not None:
                out += [f"{what}: {reason}" for reason in verdict.reasons]
        out += [f"event: {e.action} -> champion v{e.champion} ({e.actor})" for e in self.events]
        return out


def live_stats(store: FeedbackStore, window: timedelta, weights: Mapping[str, float],
               accept: Policy = "senior_or_agreement") -> dict[str, LiveStats]:
    rates: dict[str, list[float]] = defaultdict(list)
    for row in store.reviewed(accept, window=window):
        rates[row.model_version].append(correction_rate(row.answer, row.corrected, weights))
    return {version: LiveStats(version, tuple(values)) for version, values in rates.items()}


def check_live(client: MlflowClient, name: str, store: FeedbackStore, policy: LiveRollbackParams,
               weights: Mapping[str, float], *, lock_path: Path, actor: str = ACTOR,
               accept: Policy = "senior_or_agreement") -> LiveCheck:
    stats = live_stats(store, timedelta(days=policy.window_days), weights, accept)
    aliases = _aliases(client, name)
    champion, challenger = aliases.get(CHAMPION), aliases.get(CHALLENGER)
    if champion is None:
        return LiveCheck(None, stats)

    def of(version: str) -> LiveStats:
        return stats.get(version, LiveStats(version, ()))

    events: list[Promotion] = []
    replaced = client.get_model_version(name, champion).tags.get("replaced_version")
    back = None
    if replaced is not None:
        back = live_verdict(of(champion), of(replaced), policy)
        if back.worse:
            events.append(rollback(client, name, reason="live quality: " + back.reasons[0], lock_path=lock_path,
                                   expected_champion=champion, actor=actor, evidence=_evidence(back)))
            champion = events[-1].champion
    canary = None
    if challenger is not None and champion is not None and challenger != champion and not events:
        canary = live_verdict(of(challenger), of(champion), policy)
        if canary.worse:
            events.append(end_canary(client, name, lock_path=lock_path, reason="canary worse: " + canary.reasons[0],
                                     actor=actor, evidence=_evidence(canary)))
        elif canary.judged and policy.promote_canary:
            events.append(promote(client, name, challenger, expected_champion=champion, lock_path=lock_path,
                                  reason="canary not worse: " + canary.reasons[0], actor=actor,
                                  evidence=_evidence(canary)))
    return LiveCheck(aliases.get(CHAMPION), stats, back, canary, tuple(events))


def _evidence(verdict: LiveVerdict) -> dict[str, Any]:
    return {**verdict.evidence, "reasons": list(verdict.reasons)}
