"""DVC integrity: verify-data finds corrupted cache objects DVC itself misses, two concurrent
`dvc repro` end cleanly, and push/pull work through an S3 remote on a loopback server."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from tests.dvc_project import BIN, dvc, env, run, set_params
from tests.s3_server import moto_server

pytestmark = [pytest.mark.slow, pytest.mark.system]


def _verify(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run([str(BIN / "claimvlm"), "verify-data", *args], repo, check=False)


def test_verify_data_names_a_corrupted_cache_object(project: Path) -> None:
    assert _verify(project).returncode == 0
    label = next((project / "data/synth/labels").glob("*.json"))
    oid = hashlib.md5(label.read_bytes(), usedforsecurity=False).hexdigest()
    obj = project / ".dvc/cache/files/md5" / oid[:2] / oid[2:]
    os.chmod(obj, 0o644)  # DVC stores cache objects read-only
    obj.write_bytes(obj.read_bytes().replace(b'"', b"'", 1))
    # (Whether `dvc status` notices depends on its state database; a checkout from this cache
    # into a fresh workspace would not re-verify the object.) verify-data names it and its users.
    res = _verify(project)
    assert res.returncode == 1
    assert f"{oid[:2]}/{oid[2:]}" in res.stderr and f"data/synth/labels/{label.name}" in res.stderr
    assert "1 corrupted" in res.stderr


def test_verify_data_names_a_missing_cache_object(project: Path) -> None:
    label = next((project / "data/anonymized/labels").glob("*.json"))
    oid = hashlib.md5(label.read_bytes(), usedforsecurity=False).hexdigest()
    (project / ".dvc/cache/files/md5" / oid[:2] / oid[2:]).unlink()  # lost, not altered
    res = _verify(project)
    assert res.returncode == 1
    assert f"MISSING cache: object {oid}" in res.stderr and f"data/anonymized/labels/{label.name}" in res.stderr
    assert "1 missing" in res.stderr


def test_a_stage_process_dies_with_its_dvc_process(tmp_path: Path) -> None:
    """kill -9 of `dvc repro` used to leave the running stage writing on as an orphan. Stand-ins: a
    parent that starts a long-running claimvlm command as dvc does (DVC_STAGE set), then is killed."""
    import signal
    import sys
    import time

    starter = "import subprocess, sys; p = subprocess.Popen(sys.argv[1:]); print(p.pid, flush=True); p.wait()"
    parent = subprocess.Popen(
        [sys.executable, "-c", starter, str(BIN / "claimvlm"), "serve-api", "--model-uri", str(tmp_path / "none"),
         "--port", "0",
         "-p", str(Path(__file__).resolve().parents[1] / "params.yaml"), "-S", "serve.auth.mode=none",
         "-S", "feedback.enabled=false", "-S", f"tracking.uri=sqlite:///{tmp_path}/m.db"],
        cwd=tmp_path, env=env(DVC_STAGE="dvc.yaml:train"), stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())  # type: ignore[union-attr]
    time.sleep(3)  # the child is running (its import done, the prctl made)
    assert _alive(child)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 30
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(child), "the stage process outlived its dvc"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]
    except (OSError, IndexError):
        return False
    return state not in "ZX"


def test_two_concurrent_repros_end_cleanly(project: Path) -> None:
    # The last stage's parameter: both runs queue for the gate alone (which registers a version),
    # not the whole pipeline; the race for DVC's lock is the same.
    set_params(project, gate={"tolerance": 0.03})
    procs = [subprocess.Popen([str(BIN / "dvc"), "repro"], cwd=project, env=env(), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [(p.wait(timeout=900), p.stdout.read()) for p in procs]  # type: ignore[union-attr]
    assert any(rc == 0 for rc, _ in outputs), outputs
    for rc, out in outputs:
        assert rc == 0 or "lock" in out.lower(), out  # the loser says why, it does not half-write
    assert "up to date" in dvc("status", cwd=project).lower()
    assert _verify(project).returncode == 0


@pytest.fixture
def s3_remote(project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    creds = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
    for k, v in creds.items():
        monkeypatch.setenv(k, v)
    with moto_server() as endpoint:
        boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="claimvlm-dvc")
        dvc("remote", "add", "s3store", "s3://claimvlm-dvc/store", cwd=project)
        dvc("remote", "modify", "s3store", "endpointurl", endpoint, cwd=project)
        yield "s3store"


def test_push_and_pull_through_loopback_s3(project: Path, s3_remote: str) -> None:
    dvc("push", "-r", s3_remote, cwd=project)  # the pseudonymised outputs; raw ones go only to `raw`
    dvc("push", "-r", "raw", cwd=project)
    before = {p.relative_to(project): p.read_bytes() for p in (project / "data/anonymized").rglob("*") if p.is_file()}
    shutil.rmtree(project / ".dvc/cache")
    shutil.rmtree(project / "data")
    from_s3 = run([str(BIN / "dvc"), "pull", "-r", s3_remote], project, check=False)
    assert from_s3.returncode != 0  # the S3 remote holds no raw output: those cannot be checked out from it
    failed = from_s3.stderr.split("Checkout failed for following targets:")[1].split("Is your cache")[0].split()
    assert set(failed) == {"data/synth", "data/collected", "data/feedback"}, from_s3.stderr
    dvc("pull", "-r", "raw", cwd=project)
    after = {p.relative_to(project): p.read_bytes() for p in (project / "data/anonymized").rglob("*") if p.is_file()}
    assert after == before and len(after) > 4
    assert "up to date" in dvc("status", cwd=project).lower()
    assert _verify(project, "--remote-name", s3_remote).returncode == 0
