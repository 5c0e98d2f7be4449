"""The train stage end to end on a small built dataset: the CLI, MLflow, kill-and-resume, two processes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from claimvlm.config import load_params
from claimvlm.dataset.reader import read_split
from claimvlm.model.params import TrackingParams
from claimvlm.training import checkpoint
from claimvlm.training.data import Batches
from claimvlm.training.params import TrainParams
from claimvlm.training.stage import train
from tests.fixtures.models import built_dataset

pytestmark = pytest.mark.slow  # the train stage run end to end, killed, resumed, on two processes

CLI = [sys.executable, "-m", "claimvlm.cli"]
# Small and fast, but every mechanism on: checkpoints every 2 steps, validation every 3. The tiny
# model built from its config (the resume mechanics are what is tested here).
SETTINGS = ["train.model=tiny", "train.max_steps=10", "train.batch_size=2", "train.checkpoint_every=2", "train.eval_every=3",
            "train.warmup_steps=2", "train.tokenizer_texts=100", "train.min_pixels=3136", "train.max_pixels=25088",
            "train.early_stopping_patience=0", "train.method=lora", "train.learning_rate=0.002"]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_dataset(tmp_path_factory.mktemp("train-data"), 30)


def _params(tmp: Path) -> tuple[TrainParams, TrackingParams, list[str]]:
    tracking = [f"tracking.uri=sqlite:///{tmp}/mlflow.db", f"tracking.artifact_root={tmp}/artifacts"]
    p = load_params(None, [*SETTINGS, *tracking])
    return p.train, p.tracking, [*SETTINGS, *tracking]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    return {**env, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1", "TQDM_DISABLE": "1"}


def _sets(settings: list[str]) -> list[str]:
    return [x for s in settings for x in ("-S", s)]


def _final_logs(out: Path) -> list[dict[str, Any]]:
    last = checkpoint.latest(out / "checkpoints")
    assert last is not None
    return json.loads((last / checkpoint.STATE).read_text())["logs"]


@pytest.fixture(scope="module")
def reference(dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """One uninterrupted run, in this process."""
    tmp = tmp_path_factory.mktemp("ref")
    train_p, tracking, _ = _params(tmp)
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        result = train(dataset, tmp / "run", tmp / "reports", train_p, tracking, progress=False)
    return tmp, result


def test_batches_split_between_ranks_and_resume_by_position(dataset: Path) -> None:
    examples = read_split(dataset, "train")

    class _Proc:  # only what locate() needs
        max_pixels = 25088

    plan = Batches(examples, _Proc(), batch_size=2, seed=0)
    one = [plan.locate(m) for m in range(6)]
    two = [(plan.locate(m, 0, 2), plan.locate(m, 1, 2)) for m in range(3)]
    assert [x for pair in two for x in pair] == one  # rank r of 2 reads entry 2m + r
    epoch0 = {i for _e, idx in (plan.locate(m) for m in range(plan.per_epoch)) for i in idx}
    assert epoch0 == set(range(len(examples)))  # an epoch is every example once
    assert all(len({examples[i].bucket for i in idx}) == 1 for _e, idx in one)  # one bucket per batch


def test_train_stage_logs_to_mlflow(reference: tuple[Path, Any]) -> None:
    from mlflow.tracking import MlflowClient

    import mlflow

    tmp, result = reference
    assert result.steps == 10 and result.resumed_at == 0
    metrics = json.loads((tmp / "reports" / "metrics.json").read_text())
    assert metrics["steps"] == 10 and metrics["best_val_loss"] is not None
    assert (tmp / "reports" / "loss.png").stat().st_size > 1000
    lines = (tmp / "reports" / "steps.csv").read_text().splitlines()
    assert lines[0].startswith("step,loss,val_loss") and len(lines) == 11
    client = MlflowClient(f"sqlite:///{tmp}/mlflow.db")
    run = client.get_run(result.run_id)
    assert run.info.status == "FINISHED"
    for tag in ("git.commit", "params.hash", "dataset.dvc_md5"):
        assert run.data.tags.get(tag)
    assert run.data.params["train.method"] == "lora" and run.data.params["train.lora.r"] == "8"
    assert [m.step for m in client.get_metric_history(result.run_id, "loss")] == list(range(1, 11))
    assert [m.step for m in client.get_metric_history(result.run_id, "val_loss")] == [3, 6, 9, 10]
    mlflow.set_tracking_uri(f"sqlite:///{tmp}/mlflow.db")
    reader = mlflow.pyfunc.load_model(result.model_uri)
    assert reader.unwrap_python_model().model is not None


def test_kill_and_resume_matches_an_uninterrupted_run(dataset: Path, reference: tuple[Path, Any],
                                                      tmp_path: Path) -> None:
    ref_tmp, _ = reference
    _, _, settings = _params(tmp_path)
    cmd = [*CLI, "train", str(dataset), str(tmp_path / "run"), "--reports", str(tmp_path / "reports"), *_sets(settings)]
    proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while checkpoint.latest(tmp_path / "run" / "checkpoints") is None or \
            checkpoint.latest(tmp_path / "run" / "checkpoints").name < "step-00000004":
        assert proc.poll() is None, proc.stderr.read().decode()[-3000:] if proc.stderr else ""
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_at = checkpoint.latest(tmp_path / "run" / "checkpoints")
    assert killed_at is not None and killed_at.name < "step-00000010"  # really mid-run
    # A save interrupted by the kill: a temporary folder and a folder without its state file.
    (tmp_path / "run" / "checkpoints" / ".tmp-step-00000012").mkdir()
    (tmp_path / "run" / "checkpoints" / "step-00000011").mkdir()
    done = subprocess.run([*cmd, "--resume"], check=False, env=_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "resumed at" in done.stderr
    resumed, uninterrupted = _final_logs(tmp_path / "run"), _final_logs(ref_tmp / "run")
    assert [x["step"] for x in resumed] == [x["step"] for x in uninterrupted] == list(range(1, 11))
    assert [x["ids"] for x in resumed] == [x["ids"] for x in uninterrupted]
    assert [x["loss"] for x in resumed] == pytest.approx([x["loss"] for x in uninterrupted], rel=1e-5)
    evals = [x["val_loss"] for x in resumed if x["val_loss"] is not None]
    assert evals == pytest.approx([x["val_loss"] for x in uninterrupted if x["val_loss"] is not None], rel=1e-5)
    assert len(evals) == 4


def test_resume_refuses_checkpoints_of_another_configuration(dataset: Path, reference: tuple[Path, Any],
                                                             tmp_path: Path) -> None:
    ref_tmp, _ = reference
    shutil.copytree(ref_tmp / "run", tmp_path / "run")
    _, _, settings = _params(tmp_path)
    cmd = [*CLI, "train", str(dataset), str(tmp_path / "run"), "--reports", str(tmp_path / "reports"),
           *_sets([*settings, "train.learning_rate=0.01"]), "--resume"]
    done = subprocess.run(cmd, check=False, env=_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and "other parameters" in done.stderr


def test_two_processes_stay_in_sync(dataset: Path, tmp_path: Path) -> None:
    _, _, settings = _params(tmp_path)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m",
           "claimvlm.cli", "train", str(dataset), str(tmp_path / "run"), "--reports", str(tmp_path / "reports"),
           *_sets([*settings, "train.max_steps=4"])]
    done = subprocess.run(cmd, check=False, env=_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    metrics = json.loads((tmp_path / "reports" / "metrics.json").read_text())
    assert metrics["world_size"] == 2
    sums = metrics["rank_checksums"]
    assert len(sums) == 2 and sums[0] == sums[1]  # every rank ends with the same weights
    logs = _final_logs(tmp_path / "run")
    assert all(x["samples"] == 4 for x in logs)  # 2 ranks x batch 2 per step


def test_sanity_tools_through_the_cli(dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from claimvlm.cli import app

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    base = ["train", str(dataset), str(tmp_path / "run"), "--reports", str(tmp_path / "reports"),
            *_sets([*SETTINGS, "train.method=full"])]
    runner = CliRunner()
    plan = runner.invoke(app, [*base, "--estimate-memory"])
    assert plan.exit_code == 0, plan.output
    for part in ("weights", "gradients", "optimizer", "activations", "biggest saving"):
        assert part in plan.output
    found = runner.invoke(app, [*base, "--lr-range"])
    assert found.exit_code == 0, found.output
    assert "suggested learning_rate" in found.output and (tmp_path / "reports" / "lr_range.png").stat().st_size > 0
    # Too few steps to memorise: the command says so and exits non-zero, as a CI sanity step needs
    # (that the loop does memorise a batch is test_training_methods' test_overfit_one_batch).
    short = runner.invoke(app, [*base, "--overfit-batch", *_sets(["train.max_steps=3"])])
    assert short.exit_code == 1 and "NOT below" in short.output, short.output
    assert not (tmp_path / "run" / "model").exists()  # sanity tools package nothing


def test_augmentation_is_drawn_per_sample_and_epoch(dataset: Path) -> None:
    import numpy as np

    from claimvlm.training.data import Augment

    page = read_split(dataset, "train")[0].page().resize((224, 320))
    aug = Augment(TrainParams().augment, seed=0)
    same = [np.asarray(aug(page, "doc-1", epoch)) for epoch in (0, 0)]
    assert np.array_equal(*same)  # a resumed run redraws exactly what it drew before
    epochs = [np.asarray(aug(page, "doc-1", epoch)) for epoch in range(8)]
    assert any(not np.array_equal(epochs[0], e) for e in epochs[1:])  # and varies across epochs
    assert all(e.shape == np.asarray(page).shape for e in epochs)  # no crop: every value stays in frame
    assert np.array_equal(np.asarray(Augment((), seed=0)(page, "doc-1", 0)), np.asarray(page))


def test_the_copy_curriculum_turns_anchored_records_into_transcriptions() -> None:
    from claimvlm.model.prompt import ANCHOR_HEADER
    from claimvlm.training.data import TRANSCRIBE_INSTRUCTION, Transcription

    def record(i: int, anchor: str | None) -> dict[str, Any]:
        user = "지시문" + (f"\n{ANCHOR_HEADER}\n{anchor}" if anchor is not None else "")
        return {"id": f"doc-{i}", "messages": [
            {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": user}]},
            {"role": "assistant", "content": [{"type": "text", "text": '{"patient_name":"허승희"}'}]}]}

    anchored = [record(i, "[45,6]진 단 서\n[10,11]허승희 850820-2223414") for i in range(200)]
    curriculum = Transcription(0.3, seed=0)
    turned = [curriculum(r, epoch=0) for r in anchored]
    exercises = [t for t, r in zip(turned, anchored, strict=True) if t is not r]
    assert 30 < len(exercises) < 90  # about the share, drawn per record
    ex = exercises[0]
    assert ex["messages"][1]["content"][0]["text"] == "진 단 서\n허승희 850820-2223414"  # the lines, no positions
    assert ex["messages"][0]["content"][1]["text"].startswith(TRANSCRIBE_INSTRUCTION + f"\n{ANCHOR_HEADER}\n[45,6]")
    assert [curriculum(r, epoch=0) for r in anchored] == turned  # a resumed run draws the same
    assert [curriculum(r, epoch=1) for r in anchored] != turned  # another epoch, other records
    bare = record(0, None)
    assert Transcription(0.99, seed=0)(bare, epoch=0) is bare  # nothing to copy: left as is
    assert all(Transcription(0.0, seed=0)(r, epoch=0) is r for r in anchored)  # fine-tuning: off


def test_evaluate_gate_and_registry_end_to_end(dataset: Path, reference: tuple[Path, Any], tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The trained package scored against its base, registered, rejected, then promoted through the
    smoke check (the registered pyfunc model re-reads the canary pages)."""
    from mlflow.tracking import MlflowClient

    from claimvlm.evaluation.params import EvaluateParams
    from claimvlm.evaluation.stage import canary_reproducer, evaluate
    from claimvlm.registry.params import GateParams
    from claimvlm.registry.stage import run_gate

    ref_tmp, result = reference
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    _, tracking, _ = _params(ref_tmp)
    params = EvaluateParams(max_new_tokens=24, bootstrap=100, canary_size=2, report_examples=1)
    scored = evaluate(dataset, result.model_dir, ref_tmp / "run" / "base", tmp_path / "ev", params, tracking,
                      baseline=False, progress=False)
    assert set(scored) == {"candidate", "base"}
    report = (tmp_path / "ev" / "report.md").read_text(encoding="utf-8")
    assert "Headline metrics" in report and "![" in report and any((tmp_path / "ev" / "examples").iterdir())
    seen = json.loads((tmp_path / "ev" / "contenders.json").read_text())
    assert seen["champion_version"] is None and len(seen["canary"]) == 2

    run_json = ref_tmp / "reports" / "run.json"
    strict = GateParams(floors={"json_valid_rate": 1.01})  # unreachable: a rejection with its reason
    rejected = run_gate(tmp_path / "ev", run_json, tmp_path / "gate", strict, params, tracking,
                        lock_path=tmp_path / "lock", reproduce=canary_reproducer(dataset, params))
    assert not rejected.decision.promote and rejected.champion is None
    assert any("json_valid_rate" in r for r in rejected.decision.reasons)
    lenient = GateParams(floors={}, must_beat_base=False)
    promoted = run_gate(tmp_path / "ev", run_json, tmp_path / "gate", lenient, params, tracking,
                        lock_path=tmp_path / "lock", reproduce=canary_reproducer(dataset, params))
    assert promoted.decision.promote and promoted.smoke is not None and promoted.smoke["passed"]
    assert promoted.champion == promoted.version != rejected.version
    client = MlflowClient(tracking.uri)
    version = client.get_model_version_by_alias(tracking.registered_model, "champion")
    assert version.tags["gate.promote"] == "true" and version.tags["dataset.dvc_md5"]
    assert client.get_model_version(tracking.registered_model, rejected.version).tags["gate.promote"] == "false"
    # the evaluation the gate judged is on the candidate's run, and the version says which test split
    run_id = json.loads(run_json.read_text())["run_id"]
    metrics = client.get_run(run_id).data.metrics
    assert metrics["eval.candidate.json_valid_rate"] == scored["candidate"].report.overall.metrics["json_valid_rate"]
    assert "eval.base.cer" in metrics
    artifacts = {a.path for a in client.list_artifacts(run_id, "evaluation")}
    assert {"evaluation/report.html", "evaluation/report.md", "evaluation/candidate.json"} <= artifacts
    assert version.tags["report"] == f"runs:/{run_id}/evaluation/report.html"
    card = json.loads((dataset / "card.json").read_text())
    assert version.tags["dataset.test_sha256"] == card["files"]["test.jsonl"] == seen["test_split"]["sha256"]

    # The monitor's trigger: the champion re-read later through its registry URI. Intact, it passes;
    # with a weight file of its registered artifact damaged, it fails and is rolled back by itself.
    from claimvlm.registry.smoke import check_champion

    def checks() -> Any:
        return check_champion(client, tracking.registered_model, tolerance=0.02, lock_path=tmp_path / "lock",
                              reproducer_for=lambda ids: canary_reproducer(dataset, params, ids))
    fine = checks()
    assert fine.version == promoted.version and fine.smoke.passed and fine.rollback is None
    weights = sorted(Path(ref_tmp, "artifacts").rglob("*.safetensors"))
    assert weights
    for w in weights:
        w.write_bytes(w.read_bytes()[:-64])
    broken = checks()
    assert not broken.smoke.passed and broken.rollback is not None
    assert any("truncated or changed" in f or "failed" in f for f in broken.smoke.failures), broken.smoke.failures
    assert client.get_registered_model(tracking.registered_model).aliases.get("champion") is None
