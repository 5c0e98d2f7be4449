"""The Optuna sweep on a small built dataset: nested MLflow runs, the best trial, seeding, and
write_best keeping params.yaml's comments."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from claimvlm.config import load_params
from claimvlm.model.params import TrackingParams
from claimvlm.settings import ConfigError
from claimvlm.training import sweep as sweep_module
from claimvlm.training.loop import TrainingDiverged
from claimvlm.training.params import SearchDim, SweepParams
from claimvlm.training.sweep import SweepResult, sweep, write_best
from tests.conftest import ROOT
from tests.fixtures.models import built_dataset

pytestmark = pytest.mark.slow  # Optuna trials, each a short training run

SETTINGS = ["train.batch_size=2", "train.warmup_steps=1", "train.tokenizer_texts=100", "train.min_pixels=3136",
            "train.max_pixels=25088", "train.method=lora", "train.eval_every=50"]
SPACE = {"learning_rate": SearchDim(low=1e-4, high=1e-2, log=True), "lora.r": SearchDim(choices=(4, 8))}


@pytest.fixture(scope="module", autouse=True)
def one_thread() -> Iterator[None]:
    """One intra-op thread, as the train-stage tests' subprocesses (OMP_NUM_THREADS=1): on a shared
    2-core machine two spinning threads make these small matmuls over 10x slower."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_dataset(tmp_path_factory.mktemp("sweep-data"), 24)


def _run(dataset: Path, tmp: Path, out: Path | None = None, **update: Any) -> SweepResult:
    """A sweep tracked in ``tmp``; ``out`` (the tiny base) may be another sweep's, to reuse its base."""
    train = load_params(None, SETTINGS).train
    tracking = TrackingParams(uri=f"sqlite:///{tmp}/mlflow.db", artifact_root=str(tmp / "artifacts"))
    params = SweepParams(trials=3, max_steps=4, seed=0, space=SPACE).model_copy(update=update)
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        return sweep(dataset, out or tmp / "out", train, params, tracking, repo_root=ROOT)


@pytest.fixture(scope="module")
def swept(dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SweepResult]:
    tmp = tmp_path_factory.mktemp("sweep")
    return tmp, _run(dataset, tmp)


def test_every_trial_is_a_nested_run_and_the_best_is_the_minimum(swept: tuple[Path, SweepResult]) -> None:
    from mlflow.tracking import MlflowClient

    tmp, result = swept
    assert [t.number for t in result.trials] == [0, 1, 2]
    assert all(t.value is not None and t.pruned is None for t in result.trials)
    assert result.best_value == min(t.value for t in result.trials)  # type: ignore[type-var]
    best = next(t for t in result.trials if t.value == result.best_value)
    assert result.best_params == best.params and set(best.params) == {"learning_rate", "lora.r"}
    client = MlflowClient(f"sqlite:///{tmp}/mlflow.db")
    parent = client.get_run(result.parent_run_id)
    assert parent.info.run_name == "sweep" and parent.info.status == "FINISHED"
    assert parent.data.metrics["best_val_loss"] == pytest.approx(result.best_value)
    assert float(parent.data.params["best.learning_rate"]) == pytest.approx(best.params["learning_rate"])
    assert parent.data.tags["sweep.best_run_id"] == best.run_id
    for t in result.trials:
        run = client.get_run(t.run_id)
        assert run.data.tags["mlflow.parentRunId"] == result.parent_run_id and run.info.status == "FINISHED"
        assert run.data.params["train.max_steps"] == "4" and run.data.params["train.eval_every"] == "4"
        assert run.data.params["train.lora.r"] == str(t.params["lora.r"])
        assert float(run.data.params["sweep.learning_rate"]) == pytest.approx(t.params["learning_rate"])
        assert run.data.metrics["best_val_loss"] == pytest.approx(t.value)
        assert [m.step for m in client.get_metric_history(t.run_id, "loss")] == [1, 2, 3, 4]
        assert [m.step for m in client.get_metric_history(t.run_id, "val_loss")] == [4]
    assert len({t.params["learning_rate"] for t in result.trials}) == 3
    assert (tmp / "out" / "base" / "claimvlm_base.json").is_file()  # one base, shared by the trials


def test_the_same_seed_samples_the_same_values(dataset: Path, swept: tuple[Path, SweepResult],
                                               tmp_path: Path) -> None:
    _, first = swept
    # One step a trial: the first (random, seeded) TPE trials do not depend on the scores.
    again = _run(dataset, tmp_path, swept[0] / "out", max_steps=1)
    assert [t.params for t in again.trials] == [t.params for t in first.trials]


def test_a_diverged_trial_is_pruned_and_the_sweep_goes_on(dataset: Path, swept: tuple[Path, SweepResult],
                                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mlflow.tracking import MlflowClient

    real, calls = sweep_module.run_training, []

    def diverging(*args: Any, **kwargs: Any) -> Any:  # the second trial blows up
        calls.append(1)
        if len(calls) == 2:
            raise TrainingDiverged("non-finite loss nan at step 1")
        return real(*args, **kwargs)

    monkeypatch.setattr(sweep_module, "run_training", diverging)
    result = _run(dataset, tmp_path, swept[0] / "out", max_steps=1)
    assert [t.value is None for t in result.trials] == [False, True, False]
    assert result.trials[1].pruned is not None and "non-finite loss" in result.trials[1].pruned
    assert result.best_value == min(t.value for t in result.trials if t.value is not None)
    run = MlflowClient(f"sqlite:///{tmp_path}/mlflow.db").get_run(result.trials[1].run_id)
    assert run.info.status == "FAILED" and "non-finite loss" in run.data.tags["sweep.pruned"]

    def always(*_args: Any, **_kwargs: Any) -> Any:
        raise TrainingDiverged("gradient norm inf at step 1")

    monkeypatch.setattr(sweep_module, "run_training", always)
    with pytest.raises(RuntimeError, match="no sweep trial finished: trial 0: gradient norm inf"):
        _run(dataset, tmp_path, swept[0] / "out", max_steps=1)


def test_no_validation_split_fails_before_any_trial(dataset: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sweep_module, "read_split", lambda _d, split: [] if split == "val" else [object()])
    with pytest.raises(ValueError, match="val split is empty"):
        _run(dataset, tmp_path)
    assert not (tmp_path / "mlflow.db").exists()


def test_write_best_keeps_comments_and_validates(tmp_path: Path) -> None:
    path = tmp_path / "params.yaml"
    shutil.copy(ROOT / "params.yaml", path)
    before = path.read_text(encoding="utf-8")
    best = {"learning_rate": 1.2345678e-05, "lora.r": 4, "warmup_steps": 10}
    write_best(path, best)
    after = path.read_text(encoding="utf-8")
    assert any("# lora | qlora" in line and line.strip().startswith("method:") for line in after.splitlines())
    comments = [line.strip() for line in before.splitlines() if line.strip().startswith("#")]
    assert comments and all(c in after for c in comments)  # every comment line survives
    assert "learning_rate: 0.000012345678" in after  # a plain decimal, no exponent
    assert after.count("\n") >= before.count("\n") - 1  # layout kept (at most a folded line joined)
    train = load_params(path).train
    assert (train.learning_rate, train.lora.r, train.warmup_steps) == (1.2345678e-05, 4, 10)
    assert train.lora.alpha == 16 and train.method == load_params(ROOT / "params.yaml").train.method
    assert load_params(path).model_dump(exclude={"train"}) == load_params(ROOT / "params.yaml").model_dump(
        exclude={"train"})


@pytest.mark.parametrize("best", [{"lora.r": 0}, {"learning_rat": 0.001}, {"learning_rate.x": 1}])
def test_write_best_refuses_a_bad_value_and_leaves_the_file(tmp_path: Path, best: dict[str, Any]) -> None:
    path = tmp_path / "params.yaml"
    shutil.copy(ROOT / "params.yaml", path)
    before = path.read_bytes()
    with pytest.raises(ConfigError):
        write_best(path, best)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["params.yaml"]  # no temporary file left
