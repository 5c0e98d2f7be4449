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

from tests.dvc_project import BIN, copy_project, dvc, env, run, set_params
from tests.s3_server import moto_server

pytestmark = [pytest.mark.slow, pytest.mark.system]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pipeline run once on a few documents; tests copy it before changing anything."""
    repo = copy_project(tmp_path_factory.mktemp("built") / "repo", num_docs=4)
    dvc("repro", cwd=repo)
    return repo


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(built, repo, symlinks=True)
    return repo


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


def test_two_concurrent_repros_end_cleanly(project: Path) -> None:
    # A late stage's parameter: both runs queue for evaluate and what follows (about a minute of
    # work), not the whole pipeline; the race is the same.
    set_params(project, evaluate={"bootstrap": 150})
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
    dvc("push", "-r", s3_remote, cwd=project)
    before = {p.relative_to(project): p.read_bytes() for p in (project / "data/anonymized").rglob("*") if p.is_file()}
    shutil.rmtree(project / ".dvc/cache")
    shutil.rmtree(project / "data")
    dvc("pull", "-r", s3_remote, cwd=project)
    after = {p.relative_to(project): p.read_bytes() for p in (project / "data/anonymized").rglob("*") if p.is_file()}
    assert after == before and len(after) > 4
    assert "up to date" in dvc("status", cwd=project).lower()
    assert _verify(project, "--remote-name", s3_remote).returncode == 0
