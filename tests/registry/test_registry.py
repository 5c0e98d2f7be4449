"""The registry against a real SQLite MLflow store (created once for the module: its migrations
take seconds), each test on its own registered model name, each version a logged pyfunc model."""

from __future__ import annotations

import itertools
import json
import multiprocessing as mp
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from claimvlm.model.params import TrackingParams
from claimvlm.registry.gate import Check, Decision
from claimvlm.registry.registry import (
    ChampionMoved,
    NotApproved,
    NothingToRollBack,
    champion_version,
    history,
    promote,
    register_candidate,
    rollback,
)
from claimvlm.registry.smoke import post_promotion_check, promote_with_smoke
from tests.registry.race import contend

APPROVED = Decision(True, ("all 3 checks passed",), (Check("floor:weighted_score", True, "ok"),))
REJECTED = Decision(False, ("field=kcd_code/exact regressed: 0.700 < 0.780",),
                    (Check("regression:field=kcd_code/exact", False, "field=kcd_code/exact regressed: 0.700 < 0.780"),))
LINEAGE = {"git.commit": "abc123", "params.hash": "p" * 64, "dataset.dvc_md5": "d41d8cd98f00b204e9800998ecf8427e.dir"}
_names = itertools.count()


@dataclass
class Store:
    uri: str
    client: Any
    lock: Path
    tmp: Path


def _constant_model(value: float) -> Any:
    from mlflow.pyfunc import PythonModel

    class Constant(PythonModel):
        """A stand-in for the reader: predicts its own score, so loading it tells which version it is."""

        def __init__(self, value: float) -> None:
            self.value = value

        def predict(self, context: Any, model_input: list[str], params: dict[str, Any] | None = None) -> list[float]:
            return [self.value] * len(model_input)

    return Constant(value)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    from mlflow.tracking import MlflowClient

    import mlflow
    from claimvlm.model.tracking import configure

    tmp = tmp_path_factory.mktemp("registry")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("MLFLOW_TRACKING_URI", raising=False)
        patch.delenv("MLFLOW_REGISTRY_URI", raising=False)
        uri = configure(TrackingParams(uri=f"sqlite:///{tmp}/mlflow.db", artifact_root=str(tmp / "artifacts")))
        yield Store(uri, MlflowClient(uri), tmp / "registry.lock", tmp)
        mlflow.set_tracking_uri(None)


def model_name() -> str:
    return f"reader-{next(_names)}"


def add_version(store: Store, name: str, value: float, decision: Decision = APPROVED,
                lineage: dict[str, str] = LINEAGE) -> str:
    """One training run that logs a constant model, registered with the gate's decision."""
    import mlflow

    with mlflow.start_run(tags=lineage) as run:
        info = mlflow.pyfunc.log_model(name="model", python_model=_constant_model(value), pip_requirements=[])
    return register_candidate(store.client, name, info.model_uri, run_id=run.info.run_id, decision=decision,
                              report=f"reports/evaluate/{value}.json", tags={"score": str(value)})


def reproduce(uri: str) -> dict[str, float]:
    import mlflow

    return {"weighted_score": float(mlflow.pyfunc.load_model(uri).predict(["canary page"])[0])}


def aliases(store: Store, name: str) -> dict[str, str]:
    return {a: str(v) for a, v in store.client.get_registered_model(name).aliases.items()}


def tags(store: Store, name: str, version: str) -> dict[str, str]:
    return store.client.get_model_version(name, version).tags


def test_registered_versions_carry_the_decision_and_lineage(store: Store) -> None:
    name = model_name()
    good, bad = add_version(store, name, 0.8), add_version(store, name, 0.7, REJECTED)
    t = tags(store, name, good)
    assert t["gate.promote"] == "true" and json.loads(t["gate.reasons"]) == ["all 3 checks passed"]
    assert {k: t[k] for k in LINEAGE} == LINEAGE and t["report"] == "reports/evaluate/0.8.json" and t["score"] == "0.8"
    mv = store.client.get_model_version(name, good)
    assert mv.run_id and mv.source.startswith("models:/m-")  # the logged model's URI, as run.json gives it
    t = tags(store, name, bad)
    assert t["gate.promote"] == "false" and "kcd_code" in json.loads(t["gate.reasons"])[0]
    assert json.loads(t["gate.failed"])[0]["name"] == "regression:field=kcd_code/exact"
    assert aliases(store, name) == {}  # registering sets no alias; a rejected version never gets one
    with pytest.raises(NotApproved, match="not approved"):
        promote(store.client, name, bad, expected_champion=None, lock_path=store.lock, reason="try")
    forced = promote(store.client, name, bad, expected_champion=None, lock_path=store.lock, reason="override",
                     force=True)
    assert forced.champion == bad
    with pytest.raises(ValueError, match="lineage"):
        add_version(store, name, 0.1, lineage={"git.commit": "abc123"})


def test_promotion_moves_aliases_and_records_history(store: Store) -> None:
    name = model_name()
    v1, v2, v3 = (add_version(store, name, x) for x in (0.6, 0.7, 0.8))
    assert champion_version(store.client, name) is None and champion_version(store.client, "no-such-model") is None
    first = promote(store.client, name, v1, expected_champion=None, lock_path=store.lock, reason="first")
    assert first.champion == v1 and first.replaced is None
    assert aliases(store, name) == {"champion": v1, "challenger": v1}
    assert "replaced_version" not in tags(store, name, v1)
    second = promote(store.client, name, v2, expected_champion=v1, lock_path=store.lock, reason="better kcd_code")
    assert (second.champion, second.replaced, second.previous) == (v2, v1, v1)
    assert aliases(store, name) == {"champion": v2, "previous": v1, "challenger": v2}
    t = tags(store, name, v2)
    assert t["replaced_version"] == v1 and t["promotion_reason"] == "better kcd_code" and t["promoted_at"]
    with pytest.raises(ChampionMoved, match=f"champion is now v{v2}, not v{v1}") as moved:
        promote(store.client, name, v3, expected_champion=v1, lock_path=store.lock, reason="stale gate")
    assert moved.value.actual == v2
    assert aliases(store, name)["champion"] == v2 and "promoted_at" not in tags(store, name, v3)
    assert [(e["action"], e["champion"], e["replaced"]) for e in history(store.client, name)] == [
        ("promote", v1, None), ("promote", v2, v1)]
    assert reproduce(f"models:/{name}@champion") == {"weighted_score": 0.7}


def test_manual_rollback_moves_champion_back_and_records_the_reason(store: Store) -> None:
    name = model_name()
    with pytest.raises(NothingToRollBack, match="no champion"):
        rollback(store.client, name, reason="x", lock_path=store.lock)
    v1, v2, v3 = (add_version(store, name, x) for x in (0.6, 0.7, 0.8))
    promote(store.client, name, v1, expected_champion=None, lock_path=store.lock, reason="first")
    promote(store.client, name, v2, expected_champion=v1, lock_path=store.lock, reason="second")
    promote(store.client, name, v3, expected_champion=v2, lock_path=store.lock, reason="third")
    back = rollback(store.client, name, reason="claims team: totals wrong on faxes", lock_path=store.lock)
    assert (back.champion, back.replaced, back.previous) == (v2, v3, v1)
    assert aliases(store, name) == {"champion": v2, "previous": v1}  # the rolled-back v3 is no challenger
    assert tags(store, name, v3)["rollback_reason"] == "claims team: totals wrong on faxes"
    assert tags(store, name, v3)["rolled_back_to"] == v2
    assert tags(store, name, v2)["rolled_back_from"] == v3 and tags(store, name, v2)["rollback_reason"]
    with pytest.raises(ChampionMoved):
        rollback(store.client, name, reason="x", lock_path=store.lock, expected_champion=v3)
    rollback(store.client, name, reason="again", lock_path=store.lock)
    assert aliases(store, name) == {"champion": v1}  # v1 replaced nothing: no previous
    with pytest.raises(NothingToRollBack, match=f"v{v1} replaced no earlier version"):
        rollback(store.client, name, reason="once more", lock_path=store.lock)
    assert aliases(store, name)["champion"] == v1
    assert [e["action"] for e in history(store.client, name)] == ["promote"] * 3 + ["rollback"] * 2


def test_smoke_check_rolls_back_only_when_off_by_more_than_tolerance(store: Store) -> None:
    name = model_name()
    v1, v2, v3 = (add_version(store, name, x) for x in (0.60, 0.50, 0.71))
    promote(store.client, name, v1, expected_champion=None, lock_path=store.lock, reason="first")
    # the evaluation said v2 scores 0.70, but what the registry serves as v2 reproduces 0.50
    bad = promote_with_smoke(store.client, name, v2, expected_champion=v1, lock_path=store.lock, reason="gate",
                             reproduce=reproduce, expected={"weighted_score": 0.70}, tolerance=0.02)
    assert not bad.smoke.passed and bad.smoke.observed == {"weighted_score": 0.5}
    assert "off by 0.2000" in bad.smoke.failures[0] and bad.smoke.model_uri == f"models:/{name}@champion"
    assert bad.rollback is not None and bad.champion == v1 and aliases(store, name)["champion"] == v1
    assert "smoke check" in tags(store, name, v2)["rollback_reason"]
    good = promote_with_smoke(store.client, name, v3, expected_champion=v1, lock_path=store.lock, reason="gate",
                              reproduce=reproduce, expected={"weighted_score": 0.70}, tolerance=0.02)
    assert good.smoke.passed and good.rollback is None and good.champion == v3
    assert aliases(store, name) == {"champion": v3, "previous": v1, "challenger": v3}


def test_smoke_failure_of_a_first_champion_withdraws_it(store: Store) -> None:
    name = model_name()
    v1 = add_version(store, name, 0.6)

    def broken(uri: str) -> dict[str, float]:
        raise OSError("model weights missing")

    out = promote_with_smoke(store.client, name, v1, expected_champion=None, lock_path=store.lock, reason="first",
                             reproduce=broken, expected={"weighted_score": 0.6}, tolerance=0.02)
    assert not out.smoke.passed and "model weights missing" in out.smoke.failures[0]
    assert out.rollback is not None and out.champion is None and champion_version(store.client, name) is None
    assert post_promotion_check(name, reproduce=lambda uri: {}, expected={"cer": 0.1}, tolerance=0.1).failures == (
        f"cer: expected 0.1000, but models:/{name}@champion reported no such metric",)


@pytest.mark.slow
def test_concurrent_promotions_exactly_one_wins(store: Store) -> None:
    name = model_name()
    v1 = add_version(store, name, 0.5)
    promote(store.client, name, v1, expected_champion=None, lock_path=store.lock, reason="first")
    contenders = [add_version(store, name, 0.6 + i / 100) for i in range(4)]
    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(len(contenders)), ctx.Queue()
    procs = [ctx.Process(target=contend, args=(store.uri, name, v, v1, str(store.lock), barrier, out))
             for v in contenders]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert not [r for r in results if r[1] == "error"], results
    winners = [v for v, status, _ in results if status == "promoted"]
    assert len(winners) == 1, results
    winner = winners[0]
    assert all(actual == winner for _, status, actual in results if status == "moved")
    assert aliases(store, name) == {"champion": winner, "previous": v1, "challenger": winner}
    assert tags(store, name, winner)["replaced_version"] == v1
    assert all("promoted_at" not in tags(store, name, v) for v in contenders if v != winner)
    assert [(e["champion"], e["replaced"]) for e in history(store.client, name)] == [(v1, None), (winner, v1)]
