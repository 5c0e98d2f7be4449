"""The flows: two doors into one pipeline. ``dvc repro`` runs dvc.yaml; these run the same stages
(in the order dvc.yaml's dependencies give) one Prefect task each, adding schedules, retries,
the GPU slot, artifacts and failure records. Deployments and schedules: ``pipelines.yaml``.

* ``data_pipeline``: every stage up to the dataset (synth/collect -> anonymize -> qc -> build).
* ``train_pipeline``: the stages after the dataset (train -> evaluate -> gate; the gate registers,
  promotes and runs the post-promotion check).
* ``nightly_retrain``: the reviewed documents out of the feedback store, data, pin the new
  documents' splits, then train only when the dataset changed (or ``force``); push the data to the
  DVC remote and record the dataset version.
* ``monitor``: re-check the champion through its registry URI; roll back when it fails; then the
  live quality from reviewers' corrections (rollback, canary decisions).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.tasks import exponential_backoff

from claimvlm.flows.stages import IO_RETRIES, StageFailed, reproduce, run_tool, stage_task, stale_stages
from claimvlm.orchestration import dataset_version, read_stages, stage_order, upstream

DATASET_STAGE = "build"  # where data_pipeline ends and train_pipeline begins
MODEL_TARGET = "gate"
FEEDBACK_STAGE = "feedback"  # forced by the nightly retrain: its input is a database
FAILURES = Path("reports") / "flows" / "failures.jsonl"  # orchestration's own record, not a DVC output


def _root(project: str) -> Path:
    return Path(project or os.environ.get("CLAIMVLM_PROJECT", ".")).resolve()


def record_failure(flow: Any, flow_run: Any, state: Any) -> None:
    """Failure/crash hook: which stage failed and why, as an artifact and a line in reports/flows/."""
    err = state.result(raise_on_failure=False) if state.is_failed() else None
    stage = err.stage if isinstance(err, StageFailed) else None
    reason = str(err) if err is not None else (state.message or state.name)
    entry = {"flow": flow.name, "flow_run": flow_run.name, "state": state.name, "stage": stage,
             "reason": reason[:2000], "at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    path = _root(str(flow_run.parameters.get("project", "."))) / FAILURES
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
    create_markdown_artifact(key="failure", markdown=f"# {flow.name} {state.name.lower()}\n\n"
                             f"- stage: `{stage or 'none (before or between stages)'}`\n- reason: {reason[:2000]}\n",
                             description=f"{flow.name}: {stage or state.name}")


def run_stages(project: str, targets: list[str], after: list[str], *, force: bool,
               io_retry_delay: float) -> list[dict[str, Any]]:
    root = _root(project)
    stages = read_stages(root / "dvc.yaml")
    order = stage_order(stages, targets, after=after)
    ups = upstream(stages)
    # DVC's status of the targets with their dependencies covers every stage in ``order``; naming each
    # stage as a target made DVC parse dvc.yaml and dvc.lock once per stage (1.9 s against 0.6 s).
    stale = set(order) if force else stale_stages(root, targets)
    outcomes: list[dict[str, Any]] = []
    ran: set[str] = set()
    for s in order:
        if not (force or s in stale or ups[s] & ran):
            # Up to date and nothing upstream ran: no task run. Each costs Prefect's bookkeeping
            # (state changes and an artifact through the API, ~0.6 s a stage), which was most of a
            # no-op flow run; the stages table below still lists it.
            outcomes.append({"stage": s, "status": "skipped", "seconds": 0.0})
            continue
        outcome = stage_task(s, io_retry_delay=io_retry_delay)(s, str(root), force)
        if outcome["status"] == "ran":
            ran.add(s)
        outcomes.append(outcome)
    create_table_artifact(key="stages", table=outcomes, description=" -> ".join(order))
    return outcomes


@flow(name="data_pipeline", on_failure=[record_failure], on_crashed=[record_failure])
def data_pipeline(project: str = ".", force: bool = False, io_retry_delay: float = 10.0) -> list[dict[str, Any]]:
    """synth/collect -> anonymize -> qc -> build, skipping stages whose inputs did not change."""
    return run_stages(project, [DATASET_STAGE], [], force=force, io_retry_delay=io_retry_delay)


@flow(name="train_pipeline", on_failure=[record_failure], on_crashed=[record_failure])
def train_pipeline(project: str = ".", force: bool = False, io_retry_delay: float = 10.0) -> list[dict[str, Any]]:
    """train -> evaluate -> gate on the current dataset."""
    return run_stages(project, [MODEL_TARGET], [DATASET_STAGE], force=force, io_retry_delay=io_retry_delay)


@task(name="export-feedback", retries=IO_RETRIES, retry_delay_seconds=exponential_backoff(backoff_factor=10),
      tags=["io"])
def export_feedback(project: str) -> str:
    """The reviewed documents out of the feedback store (the ``feedback`` stage, forced: DVC cannot
    hash a database, so it cannot tell that new corrections arrived)."""
    root = _root(project)
    stages = read_stages(root / "dvc.yaml")
    if FEEDBACK_STAGE not in stages:
        return "dvc.yaml has no feedback stage: nothing exported"
    reproduce(root, FEEDBACK_STAGE, force=True)
    counts = root / stages[FEEDBACK_STAGE].outs[0] / "manifest.json"
    return counts.read_text(encoding="utf-8") if counts.is_file() else "exported"


@task(name="pin-splits")
def pin_new_documents(project: str) -> str:
    """Freeze the splits of the documents this build added (build's pinned-splits dependency)."""
    root = _root(project)
    build = read_stages(root / "dvc.yaml")[DATASET_STAGE]
    pins = next((d for d in build.deps if Path(d).name == "pinned_splits.json"), None)
    if pins is None:
        return "build has no pinned-splits file: nothing pinned"
    return run_tool("claimvlm", "pin-splits", build.outs[0], pins, cwd=root, stage="pin-splits").stdout.strip()


@task(name="dvc-push", retries=IO_RETRIES, retry_delay_seconds=exponential_backoff(backoff_factor=10), tags=["io"])
def push_data(project: str, remote: str | None) -> str | None:
    """Push every cached output to the DVC remote; returns the remote's URL (None: none configured)."""
    root = _root(project)
    # `dvc config -l` prints key=value lines (`dvc remote list` wraps long URLs to the terminal's width)
    listed = run_tool("dvc", "config", "-l", cwd=root, stage="dvc-push")
    config = dict(line.split("=", 1) for line in listed.stdout.splitlines() if "=" in line)
    name = remote or config.get("core.remote")
    url = config.get(f"remote.{name}.url") if name else None
    if url is None:
        get_run_logger().warning("no DVC remote %s: the dataset stays in the local cache only",
                                 repr(name) if name else "configured")
        return None
    run_tool("dvc", "push", "-q", "-r", name, cwd=root, stage="dvc-push")
    return url


@task(name="record-dataset-version")
def record_dataset_version(project: str, remote_url: str | None) -> dict[str, Any]:
    """dvc.lock's hash, the dataset's DVC hash and the remote, on the gate's model version (when one
    was registered) and as an artifact: any model version leads back to the exact bytes."""
    root = _root(project)
    version = dataset_version(root, remote_url, DATASET_STAGE)
    gate = read_stages(root / "dvc.yaml")[MODEL_TARGET]
    decision_path = next((root / o for o in gate.outs if Path(o).name == "decision.json"), None)
    if decision_path is not None and decision_path.is_file():
        decision = json.loads(decision_path.read_text(encoding="utf-8"))
        from mlflow.tracking import MlflowClient

        from claimvlm.config import load_params
        from claimvlm.model.tracking import configure

        tracking = load_params(root / "params.yaml").tracking
        if tracking.uri.startswith("sqlite:///") and not tracking.uri.startswith("sqlite:////"):
            # the stages ran in the project: its relative store is the project's, not this process's cwd's
            tracking = tracking.model_copy(update={
                "uri": f"sqlite:///{root / tracking.uri.removeprefix('sqlite:///')}",
                "artifact_root": str(root / tracking.artifact_root)})
        client = MlflowClient(configure(tracking))
        for key, value in {"dvc.lock.sha256": version["dvc_lock_sha256"], "dvc.remote": remote_url or "none",
                           "dvc.dataset": json.dumps(version["dataset"])}.items():
            client.set_model_version_tag(decision["registered_model"], str(decision["version"]), key, value)
        version["model_version"] = decision["version"]
    create_markdown_artifact(key="dataset-version", markdown="# Dataset version\n\n```json\n"
                             + json.dumps(version, indent=1) + "\n```\n")
    return version


@flow(name="nightly_retrain", on_failure=[record_failure], on_crashed=[record_failure])
def nightly_retrain(project: str = ".", force: bool = False, remote: str | None = None,
                    io_retry_delay: float = 10.0) -> dict[str, Any]:
    """Reviewed documents, data, then (only with new data or ``force``) training, evaluation, export
    and the gate."""
    feedback = export_feedback(project)
    data = data_pipeline(project, io_retry_delay=io_retry_delay)
    pinned = pin_new_documents(project)
    # The pins are build's dependency: build runs again, and writes the same bytes (pinning a build's
    # own assignment moves no document), so only genuinely new data reaches the train stage.
    rebuilt = run_stages(project, [DATASET_STAGE], [], force=False, io_retry_delay=io_retry_delay)[-1:]
    root = _root(project)
    model_stages = stage_order(read_stages(root / "dvc.yaml"), [MODEL_TARGET], after=[DATASET_STAGE])
    if not force and not stale_stages(root, model_stages) & set(model_stages):
        create_markdown_artifact(key="nightly", markdown="# Nightly retrain\n\nNo new data since the last "
                                 "trained dataset and no `force`: nothing trained.\n")
        return {"feedback": feedback, "data": data, "pinned": pinned, "trained": False}
    trained = train_pipeline(project, force=force, io_retry_delay=io_retry_delay)
    pushed = push_data.with_options(retry_delay_seconds=exponential_backoff(backoff_factor=io_retry_delay))(
        project, remote)
    version = record_dataset_version(project, pushed)
    return {"feedback": feedback, "data": data + rebuilt, "pinned": pinned, "trained": True, "train": trained,
            "dataset_version": version}


@task(name="check-champion", retries=IO_RETRIES, retry_delay_seconds=exponential_backoff(backoff_factor=10))
def check_champion(project: str) -> dict[str, Any]:
    """`claimvlm check-champion` (claimvlm.registry.smoke.check_champion) on the dataset's canary pages."""
    root = _root(project)
    dataset = read_stages(root / "dvc.yaml")[DATASET_STAGE].outs[0]
    res = run_tool("claimvlm", "check-champion", dataset, cwd=root, ok=(0, 2), stage="check-champion")
    verdict = {0: "passed", 2: "failed"}[res.returncode]  # the output says whether it rolled back
    said = (res.stdout + res.stderr).strip()[-4000:]
    create_markdown_artifact(key="monitor", markdown=f"# Champion check: {verdict}\n\n```\n{said}\n```\n")
    return {"verdict": verdict, "output": said}


@task(name="check-live", retries=IO_RETRIES, retry_delay_seconds=exponential_backoff(backoff_factor=10))
def check_live(project: str) -> dict[str, Any]:
    """`claimvlm check-live` (claimvlm.feedback.monitor.check_live): reviewers' corrections per version;
    a worse champion rolled back, a canary withdrawn or promoted."""
    res = run_tool("claimvlm", "check-live", cwd=_root(project), ok=(0, 2), stage="check-live")
    verdict = {0: "no action", 2: "acted"}[res.returncode]
    said = (res.stdout + res.stderr).strip()[-4000:]
    create_markdown_artifact(key="live-quality", markdown=f"# Live quality: {verdict}\n\n```\n{said}\n```\n")
    return {"verdict": verdict, "output": said}


@task(name="purge-feedback", retries=IO_RETRIES, retry_delay_seconds=exponential_backoff(backoff_factor=10))
def purge_feedback(project: str) -> str:
    """`claimvlm feedback purge`: answers, corrections and pages past feedback.retention_days go."""
    res = run_tool("claimvlm", "feedback", "purge", cwd=_root(project), stage="purge-feedback")
    return (res.stdout + res.stderr).strip()[-400:]


@flow(name="monitor", on_failure=[record_failure], on_crashed=[record_failure])
def monitor(project: str = ".") -> dict[str, Any]:
    """The champion re-read through models:/NAME@champion on its canary pages (rolled back on failure),
    then its live quality from reviewers' corrections (rolled back when worse than the one it replaced),
    then the feedback store's retention."""
    champion = check_champion(project)
    live = check_live(project)
    return {**champion, "live": live, "purged": purge_feedback(project)}
