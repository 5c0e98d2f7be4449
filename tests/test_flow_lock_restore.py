"""A flow run killed while DVC wrote dvc.lock leaves it torn; the next run restores the copy taken
before the interrupted stage instead of failing on every `dvc status` from then on."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.stages import StageFailed, _save_lock, stale_stages


def _project(tmp_path: Path) -> Path:
    from dvc.repo import Repo

    Repo.init(str(tmp_path), no_scm=True).close()
    (tmp_path / "dvc.yaml").write_text("stages:\n  make:\n    cmd: echo hi > out.txt\n    outs:\n      - out.txt\n")
    (tmp_path / "out.txt").write_text("hi\n")
    (tmp_path / "dvc.lock").write_text(
        "schema: '2.0'\nstages:\n  make:\n    cmd: echo hi > out.txt\n    outs:\n    - path: out.txt\n"
        "      hash: md5\n      md5: 764efa883dda1e11db47671c4a3bbd9e\n      size: 3\n")
    return tmp_path


def test_a_torn_lock_is_restored_from_the_copy_taken_before_the_stage(tmp_path: Path) -> None:
    project = _project(tmp_path)
    before = stale_stages(project, ["make"])
    _save_lock(project)  # what reproduce() does before a stage runs
    (project / "dvc.lock").write_text("schema: '2.0'\nstages:\n  make:\n    cmd: [")  # killed mid-write
    assert stale_stages(project, ["make"]) == before
    assert "md5" in (project / "dvc.lock").read_text()


def test_a_torn_lock_without_a_copy_still_fails_clearly(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "dvc.lock").write_text("schema: '2.0'\nstages:\n  make:\n    cmd: [")
    with pytest.raises(StageFailed, match="dvc.lock"):
        stale_stages(project, ["make"])


def test_dvc_lock_writes_in_the_flow_are_all_or_nothing(tmp_path: Path) -> None:
    """A write that stops half-way (here: a value YAML cannot represent, after valid keys) leaves the
    previous lock whole inside the flow's stage runs; DVC's own write leaves it torn."""
    from dvc.utils.serialize import dump_yaml

    from flows.stages import _atomic_dvc_files

    lock = _project(tmp_path) / "dvc.lock"
    before = lock.read_text()
    half_written = {"schema": "2.0", "stages": {"make": {"cmd": "echo", "outs": [object()]}}}
    with _atomic_dvc_files(), pytest.raises(Exception):
        dump_yaml(lock, half_written)
    assert lock.read_text() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []
    with pytest.raises(Exception):
        dump_yaml(lock, half_written)
    assert lock.read_text() != before  # what a SIGKILL at that moment would leave without the block


def test_dvc_rwlock_writes_in_the_flow_are_all_or_nothing(tmp_path: Path) -> None:
    """DVC's rwlock file (who holds which outputs) is rewritten on every stage run; a write that stops
    half-way leaves the previous one whole inside the flow's stage runs, and torn without the block
    (the next `dvc status` then fails: 'RWLock-file ... JSON structure is corrupted')."""
    import json

    from dvc import rwlock
    from dvc.fs import localfs

    from flows.stages import _atomic_dvc_files

    lock_dir = tmp_path / "tmp"
    lock_dir.mkdir()
    path = lock_dir / "rwlock"
    path.write_text(json.dumps({"read": {}, "write": {"out.txt": {"pid": 1, "cmd": "dvc repro"}}}))
    before = path.read_text()

    def half_write() -> None:
        with rwlock._edit_rwlock(str(lock_dir), localfs, False) as lock:
            lock["read"]["data"] = [{"pid": 2, "cmd": "dvc repro"}, object()]  # JSON stops half-way

    with _atomic_dvc_files(), pytest.raises(TypeError):
        half_write()
    assert path.read_text() == before
    assert [p.name for p in lock_dir.iterdir() if p.name.endswith(".partial")] == []
    with pytest.raises(TypeError):
        half_write()
    with pytest.raises(json.JSONDecodeError):
        json.loads(path.read_text())  # what a SIGKILL at that moment would leave without the block
