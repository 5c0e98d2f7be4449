"""The gate judging real trained models, not hand-written metric dicts.

Three models of the tiny architecture, trained by the train stage on one small dataset and judged
on one test split, through the evaluate and gate stages and the registry:

* ``weak``: stopped after a few steps; it becomes the first champion (by a lenient first policy,
  as a team bootstraps its registry).
* ``good``: the same recipe trained for longer. Under the default policy (JSON validity floor,
  no regression against the champion judged on intervals, above the base model) it is promoted,
  loaded through ``models:/NAME@champion`` by the smoke check.
* ``corrupted``: the good recipe, step for step, on labels a broken export truncated. It is
  rejected against the good champion, with the regressions named, and ``champion`` does not move.

One document type (the admission/discharge confirmation: flat fields, short answers) keeps the
answers short enough for a few hundred CPU steps to learn their shape.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from claimvlm.config import load_params
from claimvlm.evaluation.stage import canary_reproducer, evaluate
from claimvlm.registry.params import GateParams
from claimvlm.registry.stage import GateResult, run_gate
from tests.fixtures.models import SMALL, built_dataset, tracking_overrides
from tests.training.tiny_data import with_truncated_labels

pytestmark = pytest.mark.slow  # three models trained for minutes

SETTINGS = [*SMALL, "train.learning_rate=0.002", "evaluate.max_new_tokens=200", "evaluate.bootstrap=200", "evaluate.canary_size=2",
            "evaluate.report_examples=1"]
WEAK_STEPS, GOOD_STEPS = 10, 120  # at 120 the good model answered JSON on every test page (floor 0.9)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("gate-models")
    dataset = built_dataset(root, 40, doc_types={"admission_discharge": 1.0},
                            splits={"train": 0.7, "val": 0.1, "test": 0.2})
    return {"root": root, "dataset": dataset, "params": load_params(None, [*SETTINGS, *tracking_overrides(root)])}


def _train(world: dict[str, Any], name: str, steps: int, dataset: Path) -> Any:
    from claimvlm.training.stage import train

    p = world["params"]
    root = world["root"]
    return train(dataset, root / name, root / f"{name}-reports", p.train.model_copy(update={"max_steps": steps}),
                 p.tracking, progress=False)


def _judge(world: dict[str, Any], name: str, trained: Any, policy: GateParams) -> tuple[GateResult, dict[str, Any]]:
    p, root = world["params"], world["root"]
    scored = evaluate(world["dataset"], trained.model_dir, root / name / "base", root / f"{name}-eval", p.evaluate,
                      p.tracking, baseline=False, progress=False)
    result = run_gate(root / f"{name}-eval", root / f"{name}-reports" / "run.json", root / f"{name}-gate", policy,
                      p.evaluate, p.tracking, lock_path=root / "registry.lock",
                      reproduce=canary_reproducer(world["dataset"], p.evaluate))
    return result, {k: s.report.overall.metrics for k, s in scored.items()}


def test_a_better_model_is_promoted_and_one_trained_on_corrupted_labels_is_rejected(
        world: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from mlflow.tracking import MlflowClient

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    policy = GateParams()  # the shipped policy: JSON validity floor 0.9, tolerance 0.02, must beat the base
    name, client = world["params"].tracking.registered_model, MlflowClient(world["params"].tracking.uri)

    weak = _train(world, "weak", WEAK_STEPS, world["dataset"])
    first, weak_scores = _judge(world, "weak", weak, GateParams(floors={}, must_beat_base=False))
    assert first.decision.promote and first.champion == first.version
    assert not _judge_only_decision(world, "weak", policy).promote  # the shipped policy would not have taken it

    good = _train(world, "good", GOOD_STEPS, world["dataset"])
    better, good_scores = _judge(world, "good", good, policy)
    assert "champion" in good_scores  # the weak champion, read back through the registry
    assert good_scores["candidate"]["json_valid_rate"] >= 0.9 > weak_scores["candidate"]["json_valid_rate"]
    assert good_scores["candidate"]["cer"] < good_scores["champion"]["cer"]
    assert better.decision.promote, better.decision.reasons
    assert better.smoke is not None and better.smoke["passed"] and better.champion == better.version

    corrupted_data = with_truncated_labels(world["dataset"], world["root"] / "corrupted-dataset")
    corrupted = _train(world, "corrupted", GOOD_STEPS, corrupted_data)
    worse, worse_scores = _judge(world, "corrupted", corrupted, policy)
    assert not worse.decision.promote and worse.champion == better.version  # champion untouched
    failed = {c.name for c in worse.decision.failed()}
    assert {"floor:json_valid_rate", "regression:json_valid_rate"} <= failed, worse.decision.reasons
    assert worse_scores["candidate"]["json_valid_rate"] < worse_scores["champion"]["json_valid_rate"]
    # the report flags the slices by the gate's rule
    assert "⚠ regression" in (world["root"] / "corrupted-eval" / "report.md").read_text(encoding="utf-8")
    assert "⚠ regression" not in (world["root"] / "good-eval" / "report.md").read_text(encoding="utf-8")

    version = client.get_model_version(name, worse.version)
    assert version.tags["gate.promote"] == "false" and "json_valid_rate" in version.tags["gate.reasons"]
    assert not version.aliases
    champion = client.get_model_version_by_alias(name, "champion")
    assert str(champion.version) == better.version and champion.tags["replaced_version"] == first.version


def _judge_only_decision(world: dict[str, Any], name: str, policy: GateParams) -> Any:
    """The decision the given policy takes on an evaluation already written (nothing registered)."""
    import json

    from claimvlm.registry.gate import decide
    from claimvlm.registry.stage import gate_metrics

    folder = world["root"] / f"{name}-eval"
    reports = {k: json.loads((folder / f"{k}.json").read_text()) for k in ("candidate", "base")}
    metrics = {k: gate_metrics(v, world["params"].evaluate) for k, v in reports.items()}
    return decide(metrics["candidate"], None, metrics["base"], policy)
