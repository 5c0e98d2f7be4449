"""Prefect tasks over the DVC pipeline: one task run per ``dvc.yaml`` stage.

The flow asks DVC once, at its start, which stages are stale (``stale_stages``: DVC's status
with deps over its targets). A stage task then runs exactly its stage (DVC's reproduce of that one
stage, which itself skips a stage whose inputs did not change) when the stage was stale or a stage
upstream of it ran in this flow; otherwise it is skipped. Both calls go through DVC's Python API in
the flow's own process (``dvc.repo.Repo``, in the project's folder as the current directory for
the call, since DVC resolves targets from it): a ``dvc`` process costs a second or two of start-up
(0.4 s of imports on an idle machine) for work that takes 50 ms in process, and the stage's own
command still runs as its own process, as under ``dvc repro``.
DVC's lock file and cache are the record of what is done: a flow run that was killed, started
again, finds the finished stages up to date and skips them, with no Prefect result persistence or
cache keys to keep in step with DVC's hashes.

Prefect adds what DVC lacks: retries with backoff on I/O stages only, a ``gpu`` global
concurrency slot around the stages that use the accelerator, an artifact per stage, and a failure
record naming the stage.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.tasks import exponential_backoff

from claimvlm.errors import ClaimvlmError
from claimvlm.orchestration import read_stages
from claimvlm.stage_summaries import summarize

# Orchestration policy per stage (not the DAG, which is dvc.yaml's):
IO_STAGES = frozenset({"collect"})  # reads S3 or a share: transient errors are worth retrying
GPU_STAGES = frozenset({"train", "evaluate", "gate"})  # each holds one slot of the `gpu` limit
IO_RETRIES = 3
GPU_LIMIT = "gpu"


class StageFailed(ClaimvlmError, RuntimeError):
    def __init__(self, stage: str, returncode: int, tail: str) -> None:
        self.stage, self.returncode, self.tail = stage, returncode, tail
        super().__init__(f"stage {stage!r} failed (exit {returncode}): {tail}")


def tool(name: str) -> str:
    """A console script of this environment (dvc, claimvlm), whatever PATH the worker has."""
    return str(Path(sys.executable).parent / name)


def stage_env() -> dict[str, str]:
    """The stage commands call `claimvlm`: this environment's bin first on PATH."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def _die_with_parent() -> None:
    """Linux: the stage's process gets SIGKILL when the flow's process dies, so a killed flow run
    leaves no orphan stage writing behind the next run's back (DVC releases a dead pid's locks)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def run_tool(name: str, *args: str, cwd: Path, ok: tuple[int, ...] | None = (0,),
             stage: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run one of the project's tools (``dvc``, ``claimvlm``) in the project, as a stage runs; an exit
    code outside ``ok`` (None: any is fine) raises StageFailed with the output's tail."""
    res = subprocess.run([tool(name), *args], cwd=cwd, env=stage_env(), capture_output=True, text=True,
                         check=False, preexec_fn=_die_with_parent if sys.platform == "linux" else None)
    if ok is not None and res.returncode not in ok:
        raise StageFailed(stage or f"{name} {args[0]}", res.returncode, (res.stderr or res.stdout).strip()[-2000:])
    return res


def stale_stages(project: Path, targets: list[str]) -> set[str]:
    """The stages of ``targets``' pipelines (the targets and all they depend on) that DVC would run:
    one status for the whole flow instead of one per stage."""
    from dvc.exceptions import DvcException
    from dvc.repo import Repo

    for attempt in range(2):
        try:
            with contextlib.chdir(project), Repo(str(project)) as repo:  # DVC reads targets from the cwd
                status = repo.status(targets=targets, with_deps=True)
            break
        except DvcException as err:
            # A run killed while DVC wrote dvc.lock leaves it torn (DVC does not write it atomically):
            # the copy taken before the interrupted stage holds every stage that finished.
            if attempt or "dvc.lock" not in str(err) or not _restore_lock(project):
                raise StageFailed("dvc status", 1, str(err)) from err
    return {name.rpartition(":")[2] for name in status}


def _lock_backup(project: Path) -> Path:
    return project / ".dvc" / "tmp" / "flow-dvc.lock"


def _save_lock(project: Path) -> None:
    """Copy dvc.lock aside before a stage runs (atomically: the copy is never torn itself)."""
    lock, backup = project / "dvc.lock", _lock_backup(project)
    if lock.is_file():
        backup.parent.mkdir(parents=True, exist_ok=True)
        partial = backup.with_suffix(".partial")
        shutil.copyfile(lock, partial)
        os.replace(partial, backup)


def _restore_lock(project: Path) -> bool:
    backup = _lock_backup(project)
    if not backup.is_file():
        return False
    shutil.copyfile(backup, project / "dvc.lock")
    return True


@contextlib.contextmanager
def _replacing(path: Any, encoding: str = "utf-8", **_: Any) -> Iterator[Any]:
    """A file opened for writing whose content replaces ``path`` only once it is complete."""
    target = Path(os.fspath(path))
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        with open(partial, "w", encoding=encoding) as fd:
            yield fd
            fd.flush()
            os.fsync(fd.fileno())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


class _ReplacingFS:
    """DVC's local filesystem, except that a file opened for writing is written beside its target and
    renamed over it once complete (for the rwlock file, which DVC truncates and then rewrites)."""

    def __init__(self, fs: Any) -> None:
        self._fs = fs

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fs, name)

    def open(self, path: Any, mode: str = "r", **kwargs: Any) -> Any:
        return _replacing(path, **kwargs) if "w" in mode else self._fs.open(path, mode, **kwargs)


@contextlib.contextmanager
def _atomic_dvc_files() -> Iterator[None]:
    """DVC (3.x) writes dvc.lock by truncating it and streaming YAML into it, and its rwlock file
    (.dvc/tmp/rwlock, who holds which outputs) the same way in JSON, so a flow killed at that moment
    leaves either torn and every later DVC call fails. For the block, both go to a temporary file
    beside the target, renamed over it once complete: a reader, or the next run, sees the old file or
    the new one, never half of one. A DVC whose internals moved is left as it is (the lock's restore
    above remains)."""
    from dvc import rwlock
    from dvc.utils.serialize import _common, _yaml

    original = getattr(_common, "_dump_data", None)
    edit_rwlock = getattr(rwlock, "_edit_rwlock", None)
    if original is None or getattr(_yaml, "_dump_data", None) is not original or edit_rwlock is None:
        yield
        return

    def dump_atomically(path: Any, data: Any, dumper: Any, fs: Any = None, **dumper_args: Any) -> None:
        if fs is not None and getattr(fs, "protocol", None) != "local":
            original(path, data, dumper, fs=fs, **dumper_args)
            return
        with _replacing(path) as fd:
            dumper(data, fd, **dumper_args)

    def edit_rwlock_atomically(lock_dir: Any, fs: Any, hardlink: Any) -> Any:
        local = getattr(fs, "protocol", None) == "local"
        return edit_rwlock(lock_dir, _ReplacingFS(fs) if local else fs, hardlink)

    _common._dump_data = _yaml._dump_data = dump_atomically
    rwlock._edit_rwlock = edit_rwlock_atomically
    try:
        yield
    finally:
        _common._dump_data = _yaml._dump_data = original
        rwlock._edit_rwlock = edit_rwlock


@contextlib.contextmanager
def _captured_output() -> Iterator[Path]:
    """Everything written to this process's stdout and stderr (the stage command's output included:
    it inherits the descriptors) goes to a file for the block, then is echoed to stdout as well."""
    import tempfile

    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with tempfile.NamedTemporaryFile("w+b", prefix="stage-", suffix=".log") as log:
        try:
            os.dup2(log.fileno(), 1)
            os.dup2(log.fileno(), 2)
            yield Path(log.name)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
            log.seek(0)
            os.write(1, log.read())


def reproduce(project: Path, stage: str, force: bool = False) -> tuple[bool, str]:
    """Run one stage as ``dvc repro --single-item`` would, in this process: (whether its command
    ran, the output). Raises StageFailed with the output's tail when the stage fails."""
    from dvc.exceptions import DvcException
    from dvc.repo import Repo

    path = os.environ.get("PATH", "")
    os.environ["PATH"] = stage_env()["PATH"]  # the stage's command calls this environment's `claimvlm`
    _save_lock(project)
    try:
        with _captured_output() as log:
            try:
                with contextlib.chdir(project), _atomic_dvc_files(), Repo(str(project)) as repo:
                    ran = repo.reproduce(stage, single_item=True, force=force)
                error = None
            except DvcException as err:
                error = err
            output = log.read_text(encoding="utf-8", errors="replace")
    finally:
        os.environ["PATH"] = path
    if error is not None:
        raise StageFailed(stage, 1, f"{error}: {output.strip()[-2000:]}")
    return bool(ran), output


@contextlib.contextmanager
def gpu_slot(stage: str) -> Iterator[None]:
    """One slot of the `gpu` global concurrency limit (created by `claimvlm deploy`) for GPU stages."""
    if stage not in GPU_STAGES:
        yield
        return
    from prefect.concurrency.sync import concurrency

    with concurrency(GPU_LIMIT, occupy=1):
        yield


def _run_stage(stage: str, project: str, force: bool = False) -> dict[str, Any]:
    """The stage through DVC (the flow found it stale, or a stage upstream of it ran)."""
    logger = get_run_logger()
    root = Path(project).resolve()
    started = time.perf_counter()
    with gpu_slot(stage):
        logger.info("running stage %s", stage)
        ran, output = reproduce(root, stage, force)
    for line in output.splitlines()[-20:]:
        logger.info("%s | %s", stage, line)
    # DVC skips a stage whose inputs did not change (an upstream stage ran but wrote the same)
    status = "ran" if ran else "skipped"
    outcome = {"stage": stage, "status": status, "seconds": round(time.perf_counter() - started, 3)}
    spec = read_stages(root / "dvc.yaml")[stage]
    create_markdown_artifact(key=f"stage-{stage}", markdown=summarize(spec, root, outcome),
                             description=f"{stage}: {outcome['status']}")
    return outcome


run_stage = task(_run_stage, name="stage", task_run_name="{stage}")


def stage_task(stage: str, *, io_retry_delay: float = 10.0) -> Any:
    """The task for ``stage``: I/O stages retry with exponential backoff, the rest never (a
    deterministic stage that failed fails the same way again)."""
    if stage in IO_STAGES:
        return run_stage.with_options(retries=IO_RETRIES,
                                      retry_delay_seconds=exponential_backoff(backoff_factor=io_retry_delay),
                                      tags=["io"])
    return run_stage.with_options(tags=["gpu"] if stage in GPU_STAGES else [])
