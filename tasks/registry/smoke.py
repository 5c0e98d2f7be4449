"""Post-promotion smoke check: load what serving loads and reproduce the gate's numbers.

Nothing is loaded here: ``reproduce(model_uri)`` (supplied by the evaluation code: load with
``mlflow.pyfunc.load_model`` and score the canary set) gets ``models:/NAME@champion``, the very
URI serving resolves, so the check covers the alias, the registered artifacts, their
environment and the loading code. A metric passes when ``|observed - expected| <= tolerance``:
two-sided, since a number far *better* than the evaluation's also means another model or other
data than the one the gate judged. A ``reproduce`` that raises (the model does not load) fails.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from claimvlm.registry.registry import CHAMPION, Promotion, champion_version, promote, rollback

if TYPE_CHECKING:
    from mlflow.tracking import MlflowClient

Reproduce = Callable[[str], Mapping[str, float]]


@dataclass(frozen=True)
class SmokeResult:
    passed: bool
    model_uri: str
    expected: dict[str, float]
    observed: dict[str, float] = field(default_factory=dict)
    failures: tuple[str, ...] = ()  # one sentence per metric off (or the error that stopped the check)

    def measured_evidence(self) -> dict[str, object]:
        return {"expected": self.expected, "observed": self.observed, "failures": list(self.failures)}


@dataclass(frozen=True)
class SmokeOutcome:
    promotion: Promotion
    smoke: SmokeResult
    rollback: Promotion | None  # set when the check failed and the champion was moved back

    @property
    def champion(self) -> str | None:
        return (self.rollback or self.promotion).champion


def post_promotion_check(name: str, *, reproduce: Reproduce, expected: Mapping[str, float],
                         tolerance: float) -> SmokeResult:
    """Reproduce ``expected`` (metric -> value, e.g. the canary scores at evaluation time) from
    ``models:/NAME@champion`` within ``tolerance``."""
    uri, wanted = f"models:/{name}@{CHAMPION}", {k: float(v) for k, v in expected.items()}
    try:
        observed = {k: float(v) for k, v in reproduce(uri).items()}
    except Exception as err:  # noqa: BLE001 - a model that does not load or score fails the check
        failure = f"reproducing {uri} failed: {type(err).__name__}: {err}"
        return SmokeResult(False, uri, wanted, failures=(failure,))
    failures = []
    for key, want in sorted(wanted.items()):
        got = observed.get(key)
        if got is None:
            failures.append(f"{key}: expected {want:.4f}, but {uri} reported no such metric")
        elif not math.isfinite(got) or abs(got - want) > tolerance:
            failures.append(f"{key}: {uri} reproduced {got:.4f}, expected {want:.4f} "
                            f"(off by {abs(got - want):.4f}, tolerance {tolerance:.4f})")
    return SmokeResult(not failures, uri, wanted, observed, tuple(failures))


def promote_with_smoke(client: MlflowClient, name: str, version: str, *, expected_champion: str | None,
                       lock_path: Path, reason: str, reproduce: Reproduce, expected: Mapping[str, float],
                       tolerance: float, force: bool = False) -> SmokeOutcome:
    """Promote, run the smoke check, and on failure roll back at once with the failures as the reason.

    The rollback only happens while ``version`` is still the champion (a later promotion is left
    alone: ChampionMoved propagates). A failed *first* champion has nothing to go back to: its
    ``champion`` alias is removed, which is the registry's state before it was promoted."""
    done = promote(client, name, version, expected_champion=expected_champion, lock_path=lock_path,
                   reason=reason, force=force, actor="gate", evidence=dict(expected))
    result = post_promotion_check(name, reproduce=reproduce, expected=expected, tolerance=tolerance)
    if result.passed:
        return SmokeOutcome(done, result, None)
    why = f"post-promotion smoke check of v{version} failed: " + "; ".join(result.failures)
    back = rollback(client, name, reason=why, lock_path=lock_path, expected_champion=str(version),
                    allow_empty=True, actor="gate:smoke-check", evidence=result.measured_evidence())
    return SmokeOutcome(done, result, back)


# Version tags the gate writes at registration, so that the champion can be re-checked any time later.
CANARY_IDS_TAG, CANARY_METRICS_TAG = "canary.ids", "canary.metrics"


@dataclass(frozen=True)
class ChampionCheck:
    version: str | None  # the champion that was checked; None: there is none
    smoke: SmokeResult | None
    rollback: Promotion | None


def check_champion(client: MlflowClient, name: str, *, reproducer_for: Callable[[list[str]], Reproduce],
                   tolerance: float, lock_path: Path) -> ChampionCheck:
    """The monitor's rollback trigger: re-read the current champion's canary pages through
    ``models:/NAME@champion`` and compare with the numbers its gate recorded; on failure roll back
    (only if the champion has not moved meanwhile). ``reproducer_for(ids)`` scores those pages."""
    version = champion_version(client, name)
    if version is None:
        return ChampionCheck(None, None, None)
    tags = client.get_model_version(name, version).tags
    if CANARY_METRICS_TAG not in tags or CANARY_IDS_TAG not in tags:
        result = SmokeResult(False, f"models:/{name}@{CHAMPION}", {}, failures=(
            f"version {version} carries no {CANARY_METRICS_TAG}/{CANARY_IDS_TAG} tags: it was not promoted by the gate",))
        return ChampionCheck(version, result, None)
    reproduce = reproducer_for(json.loads(tags[CANARY_IDS_TAG]))
    result = post_promotion_check(name, reproduce=reproduce, expected=json.loads(tags[CANARY_METRICS_TAG]),
                                  tolerance=tolerance)
    if result.passed:
        return ChampionCheck(version, result, None)
    why = f"monitor: champion v{version} no longer reproduces its gate's canary numbers: " + "; ".join(result.failures)
    back = rollback(client, name, reason=why, lock_path=lock_path, expected_champion=version, allow_empty=True,
                    actor="monitor:champion-check", evidence=result.measured_evidence())
    return ChampionCheck(version, result, back)
