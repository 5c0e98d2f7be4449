"""The Prefect flows against a real Prefect server on loopback (``prefect server start``, SQLite):
deployments from pipelines.yaml, the schedule read back, a deployment run executed by a serve
process, a flaky I/O stage retried, a killed flow run resumed without redoing finished stages,
the GPU slot, and the failure record."""

from __future__ import annotations

import contextvars
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from claimvlm.orchestration import PipelinesError, load_pipelines, read_stages, stage_order
from tests.conftest import ROOT
from tests.dvc_project import KEY, copy_project, set_params
from tests.prefect_server import BIN, prefect_env, prefect_server

pytestmark = [pytest.mark.slow, pytest.mark.system]  # a real Prefect server

# ---- pipelines.yaml and the stage graph (no server) ----

def test_pipelines_yaml_declares_the_nightly_retrain() -> None:
    spec = load_pipelines(ROOT / "pipelines.yaml")
    nightly = spec.deployment("nightly-retrain")
    assert nightly.flow == "nightly_retrain" and nightly.schedule is not None
    assert (nightly.schedule.cron, nightly.schedule.timezone) == ("0 2 * * *", "Asia/Seoul")
    assert {d.work_pool for d in spec.deployments} <= {p.name for p in spec.work_pools}
    assert spec.concurrency_limits == {"gpu": 1}


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["deployments"][0]["schedule"].update(cron="0 25 * * *"), "deployments[0] (nightly-retrain).schedule.cron"),
    (lambda d: d["deployments"][0]["schedule"].update(timezone="Seoul"), "deployments[0] (nightly-retrain).schedule.timezone"),
    (lambda d: d["deployments"][1].update(work_pool="gpu-pool"), "deployments[1] (data-pipeline).work_pool"),
    (lambda d: d["deployments"][2].update(flow="train"), "deployments[2] (train-pipeline).flow"),
    (lambda d: d["deployments"][3].update(schedule_cron="0 1 * * *"), "deployments[3] (monitor).schedule_cron"),
    (lambda d: d["deployments"][3].update(name="data-pipeline"), "(data-pipeline).name"),
])
def test_an_invalid_pipelines_file_names_the_entry_and_field(tmp_path: Path, edit: Any, message: str) -> None:
    doc = yaml.safe_load((ROOT / "pipelines.yaml").read_text())
    edit(doc)
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(doc))
    with pytest.raises(PipelinesError) as err:
        load_pipelines(tmp_path / "p.yaml")
    assert message in str(err.value)
    res = subprocess.run([str(BIN / "claimvlm"), "deploy", "--pipelines", str(tmp_path / "p.yaml")],
                         capture_output=True, text=True, env={**os.environ, "PREFECT_API_URL": "http://127.0.0.1:9/api"})
    assert res.returncode == 2 and message in " ".join((res.stdout + res.stderr).split())


def test_flow_stage_order_comes_from_dvc_yaml() -> None:
    stages = read_stages(ROOT / "dvc.yaml")
    assert stage_order(stages, ["build"]) == ["synth", "feedback", "collect", "anonymize", "qc", "build"]
    assert stage_order(stages, ["gate"], after=["build"]) == ["train", "evaluate", "export", "gate"]
    assert stage_order(stages, ["gate"]) == list(stages)  # nightly: the whole DAG, in dvc.yaml's order


# ---- a real server ----

@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    home = tmp_path_factory.mktemp("prefect-home")
    with prefect_server(home) as url:
        yield url, home


def _gpu_slots_in_use() -> int:
    from prefect.exceptions import ObjectNotFound

    with _client() as client:
        try:
            return int(client.read_global_concurrency_limit_by_name("gpu").active_slots)
        except ObjectNotFound:
            return 0


@pytest.fixture
def api(server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """This process talks to the test server, like `PREFECT_API_URL=... python` would."""
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_HOME,
        PREFECT_LOGGING_TO_API_ENABLED,
        temporary_settings,
    )

    url, home = server
    env = {**prefect_env(home, url), "CLAIMVLM_PSEUDONYM_KEY": KEY}
    # mlflow.set_tracking_uri (another test in this process) exports MLFLOW_TRACKING_URI: the flows'
    # stage processes must use each project's own store
    env.pop("MLFLOW_TRACKING_URI", None)
    for key in ("PREFECT_API_URL", "PREFECT_HOME", "PREFECT_SERVER_ANALYTICS_ENABLED", "DO_NOT_TRACK",
                "CLAIMVLM_PSEUDONYM_KEY"):
        monkeypatch.setenv(key, env[key])
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    # This process's run logs stay local: the module's server stops before the log handler's last
    # flush at exit, which would print "All connection attempts failed" (subprocesses log to the API).
    with temporary_settings(updates={PREFECT_API_URL: url, PREFECT_HOME: str(home),
                                     PREFECT_LOGGING_TO_API_ENABLED: False}):
        yield env
        # every test leaves the `gpu` limit free: a slot kept after a run would stall every later training
        assert _gpu_slots_in_use() == 0


def _client() -> Any:
    from prefect.client.orchestration import get_client

    return get_client(sync_client=True)


def test_deploy_creates_pools_limits_and_the_nightly_schedule(api: dict[str, str]) -> None:
    for _ in range(2):  # applying the file twice changes nothing
        res = subprocess.run([str(BIN / "claimvlm"), "deploy", "--project", str(ROOT)], cwd=ROOT, env=api,
                             capture_output=True, text=True, timeout=300, check=False)
        assert res.returncode == 0, res.stdout + res.stderr
    with _client() as client:
        nightly = client.read_deployment_by_name("nightly_retrain/nightly-retrain")
        (schedule,) = client.read_deployment_schedules(nightly.id)
        assert (schedule.schedule.cron, schedule.schedule.timezone, schedule.active) == ("0 2 * * *", "Asia/Seoul", True)
        assert nightly.work_pool_name == "claimvlm-gpu" and set(nightly.tags) == {"nightly", "gpu"}
        assert nightly.parameters == {"project": str(ROOT), "force": False}
        assert {client.read_work_pool(p).type for p in ("claimvlm-gpu", "claimvlm-process")} == {"process"}
        assert client.read_global_concurrency_limit_by_name("gpu").limit == 1
        names = {d.name for d in client.read_deployments()}
        assert names >= {"nightly-retrain", "data-pipeline", "train-pipeline", "monitor"}


def test_a_deployment_run_triggered_through_the_api_is_executed_by_the_serve_process(
        api: dict[str, str], tmp_path: Path) -> None:
    from prefect.deployments import run_deployment

    project = copy_project(tmp_path / "proj")
    with _client() as client:  # a single-machine set-up: no work-pool deployments of the same names
        deployed = [d.id for d in client.read_deployments() if d.work_pool_name]
        if deployed:
            blocked = subprocess.run([str(BIN / "claimvlm"), "serve", "--project", str(project)], cwd=project,
                                     env=api, capture_output=True, text=True, timeout=120, check=False)
            assert blocked.returncode == 2 and "work-pool deployment" in " ".join(blocked.stderr.split())
        for dep_id in deployed:
            client.delete_deployment(dep_id)
    serve = subprocess.Popen([str(BIN / "claimvlm"), "serve", "--project", str(project)], cwd=project, env=api,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        with _client() as client:
            deadline = time.monotonic() + 120
            while True:
                try:
                    client.read_deployment_by_name("monitor/monitor")
                    break
                except Exception:  # noqa: BLE001 - not registered yet
                    assert serve.poll() is None and time.monotonic() < deadline, serve.stdout.read()  # type: ignore[union-attr]
                    time.sleep(1)
        run = run_deployment("monitor/monitor", timeout=240, poll_interval=2)
        if not (run.state is not None and run.state.is_completed()):
            serve.send_signal(signal.SIGINT)
            pytest.fail(f"{run.state}: {serve.communicate(timeout=60)[0][-5000:]}")
        with _client() as client:
            artifact = client.read_latest_artifacts()
            monitor = [a for a in artifact if a.key == "monitor"]
        assert monitor and "no champion yet" in str(monitor[0].data)
    finally:
        serve.send_signal(signal.SIGINT)
        try:
            serve.wait(timeout=60)
        except subprocess.TimeoutExpired:
            serve.kill()


def test_a_killed_flow_run_resumes_without_redoing_finished_stages(api: dict[str, str], tmp_path: Path) -> None:
    from claimvlm.flows.pipelines import data_pipeline

    project = copy_project(tmp_path / "proj", num_docs=4)
    (project / "dvc.lock").unlink()  # nothing has run in this project yet
    code = "import sys; from claimvlm.flows.pipelines import data_pipeline; data_pipeline(project=sys.argv[1])"
    proc = subprocess.Popen([sys.executable, "-c", code, str(project)], cwd=ROOT, env=api,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lock = project / "dvc.lock"
    deadline = time.monotonic() + 600
    while "anonymize:" not in (lock.read_text() if lock.exists() else ""):
        assert proc.poll() is None and time.monotonic() < deadline, "the flow ended before it could be killed"
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = set(yaml.safe_load(lock.read_text())["stages"])
    assert {"synth", "feedback", "collect", "anonymize"} <= done_before and "build" not in done_before

    outcomes = {o["stage"]: o["status"] for o in data_pipeline(project=str(project), io_retry_delay=0.5)}
    assert list(outcomes) == ["synth", "feedback", "collect", "anonymize", "qc", "build"]
    assert all(outcomes[s] == "skipped" for s in done_before), outcomes
    assert outcomes["build"] == "ran"
    status = subprocess.run([str(BIN / "dvc"), "status", "build"], cwd=project, capture_output=True, text=True, check=False)
    assert "up to date" in status.stdout.lower(), status.stdout


def test_a_failing_io_stage_is_retried_with_backoff(api: dict[str, str], tmp_path: Path) -> None:
    """collect reads S3; the server comes up only after the first attempt has failed."""
    import boto3
    from prefect import flow
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from claimvlm.config import Params
    from claimvlm.flows.pipelines import run_stages
    from claimvlm.synthesis import generate
    from tests.prefect_server import free_port

    project = copy_project(tmp_path / "proj")
    port = free_port()
    dvc_yaml = yaml.safe_load((project / "dvc.yaml").read_text())
    dvc_yaml["stages"]["collect"]["cmd"] = "claimvlm collect s3://inbox/docs data/collected --quarantine data/quarantine/collect"
    dvc_yaml["stages"]["collect"]["deps"] = [d for d in dvc_yaml["stages"]["collect"]["deps"] if d != "data/synth"]
    (project / "dvc.yaml").write_text(yaml.safe_dump(dvc_yaml, sort_keys=False))
    set_params(project, collect={"s3": {"endpoint_url": f"http://127.0.0.1:{port}", "max_attempts": 1,
                                        "connect_timeout_s": 1}})
    docs = tmp_path / "docs"
    generate.run(Params().synth.model_copy(update={"num_docs": 3, "workers": 1}), docs, progress=False)
    creds = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
    os.environ.update(creds)  # the stage's process inherits them (restored below)

    def late_server() -> None:
        from moto.server import ThreadedMotoServer
        from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterName

        while not stop.is_set():  # until the first attempt has failed and Prefect waits to retry it
            with _client() as client:
                runs = client.read_task_runs(task_run_filter=TaskRunFilter(name=TaskRunFilterName(any_=["collect"])))
            if any(r.state_name == "AwaitingRetry" for r in runs):
                break
            time.sleep(0.2)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", **{k.lower(): v for k, v in creds.items()
                                                                           if k != "AWS_DEFAULT_REGION"},
                          region_name="us-east-1")
        s3.create_bucket(Bucket="inbox")
        for path in sorted(p for p in docs.rglob("*") if p.is_file() and p.name != "manifest.json"):
            s3.put_object(Bucket="inbox", Key=f"docs/{path.relative_to(docs).as_posix()}", Body=path.read_bytes())
        ready.set()
        stop.wait()
        server.stop()

    ready, stop = threading.Event(), threading.Event()
    # In this test's settings context (the api fixture's temporary_settings): a bare thread would not
    # inherit it and its client would start a temporary server of its own, never seeing the retry.
    thread = threading.Thread(target=contextvars.copy_context().run, args=(late_server,), daemon=True)
    thread.start()

    @flow(name="collect-only")
    def collect_only(project: str) -> list[dict[str, Any]]:
        return run_stages(project, ["collect"], [], force=False, io_retry_delay=2.0)

    try:
        state = collect_only(str(project), return_state=True)
        assert state.is_completed(), state
        assert ready.is_set()
        with _client() as client:
            runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id])))
        (collect,) = [r for r in runs if r.name == "collect"]
        assert collect.run_count >= 2 and collect.state.is_completed()
        manifest = json.loads((project / "data" / "collected" / "manifest.json").read_text())
        assert manifest["collected"] == 3
    finally:
        stop.set()
        thread.join(timeout=30)
        for key in creds:
            os.environ.pop(key, None)


def test_the_gpu_slot_lets_one_training_at_a_time(api: dict[str, str]) -> None:
    """Two processes (two flow runs' workers) ask for the slot at once: the second waits."""
    from claimvlm.flows.deploy import ensure_infrastructure

    ensure_infrastructure(load_pipelines(ROOT / "pipelines.yaml").model_copy(update={"work_pools": (), "deployments": ()}))
    code = ("import time; from claimvlm.flows.stages import gpu_slot\n"
            "with gpu_slot('train'):\n    start = time.time(); time.sleep(2); print(start, time.time())")
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=api, stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    spans = [tuple(float(x) for x in p.communicate(timeout=180)[0].split()[-2:]) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    (a, b) = sorted(spans)
    assert b[0] >= a[1] - 0.05, spans  # the second started only after the first let go


def test_a_failed_stage_is_recorded_with_its_name_and_reason(api: dict[str, str], tmp_path: Path) -> None:
    from claimvlm.flows.pipelines import FAILURES, train_pipeline

    project = copy_project(tmp_path / "proj")  # no dataset built: train cannot run
    state = train_pipeline(project=str(project), return_state=True)
    assert state.is_failed()
    (entry,) = [json.loads(line) for line in (project / FAILURES).read_text().splitlines()]
    assert entry["flow"] == "train_pipeline" and entry["stage"] == "train" and "failed" in entry["reason"]
    with _client() as client:
        failure = [a for a in client.read_latest_artifacts() if a.key == "failure"]
    assert failure and "`train`" in str(failure[0].data)


def test_the_nightly_retrain_trains_on_new_data_only_and_records_the_dataset_version(
        api: dict[str, str], tmp_path: Path) -> None:
    import hashlib

    from mlflow.tracking import MlflowClient

    from claimvlm.flows.pipelines import nightly_retrain

    project = copy_project(tmp_path / "proj", num_docs=4)  # every split gets one, the fewest that trains
    (project / "dvc.lock").unlink()
    first = nightly_retrain(project=str(project), io_retry_delay=0.5)
    assert first["trained"] and [o["status"] for o in first["train"]] == ["ran"] * 4
    assert json.loads(first["feedback"]) == {"reviewed": 0, "exported": 0, "without_page": 0}
    version = first["dataset_version"]
    assert version["remote"].endswith(".dvcstore") and version["dataset"]["data/dataset"].endswith(".dir")
    assert version["dvc_lock_sha256"] == hashlib.sha256((project / "dvc.lock").read_bytes()).hexdigest()
    pins = json.loads((project / "pinned_splits.json").read_text())
    assert sum(pins["counts"].values()) == 4  # the new documents' splits are frozen
    client = MlflowClient(f"sqlite:///{project}/mlflow/mlflow.db")
    tags = client.get_model_version("claimvlm-reader", str(version["model_version"])).tags
    assert tags["dvc.lock.sha256"] == version["dvc_lock_sha256"] and tags["dvc.remote"] == version["remote"]
    assert any((project / ".dvcstore").rglob("*"))  # pushed: the bytes are on the remote

    second = nightly_retrain(project=str(project), io_retry_delay=0.5)
    assert not second["trained"] and all(o["status"] == "skipped" for o in second["data"])
