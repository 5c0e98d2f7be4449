"""Per-document work across processes, with a progress bar: the one way stages fan out.

``process_map`` runs ``fn`` over the jobs on the executor that ``params.yaml``'s ``executor``
section names: ``local`` (in this process, or a pool of local processes) or ``dask`` (a
``distributed`` cluster at ``executor.address``, or a ``LocalCluster`` started for the one map).
Results come back in job order whichever runs them, so a stage's outputs do not depend on
the executor. ``fn`` and the jobs must be picklable: a module-level function (or a
``functools.partial`` of one) and plain data. A LocalCluster spawns its workers, so a script
that starts one (``kind: dask``, no address) needs the usual ``if __name__ == "__main__":`` guard.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Literal, TypeVar

from pydantic import Field
from tqdm import tqdm

from claimvlm.settings import Section

J = TypeVar("J")
R = TypeVar("R")


# The ``executor`` section of params.yaml: shared by every stage that fans out, so it lives here.
class ExecutorParams(Section):
    """Where per-document work (synth, anonymize, qc, build's anchor OCR) runs. ``local``: in this process or a pool of
    local processes, sized by each stage's own ``workers``; ``dask``: a ``distributed`` cluster.
    Outputs are byte-identical whichever runs them."""

    kind: Literal["local", "dask"] = "local"
    address: str | None = Field(
        None, description="a Dask scheduler, e.g. tcp://10.0.0.5:8786; None with kind dask: a LocalCluster per map")
    dask_workers: int = Field(2, gt=0, description="worker processes of that LocalCluster")
    threads_per_worker: int = Field(1, gt=0, description="threads per LocalCluster worker")



@contextlib.contextmanager
def opencv_on_one_thread() -> Iterator[None]:
    """OpenCV on one thread while a stage runs, then as it was; pool workers forked meanwhile inherit
    it. When the stage's processes already fill the cores, OpenCV's own threads only add CPU: qc's
    page checks burnt a sixth more (19.7 s against 23 s for 200 pages), synth's degradations 6 % more
    (52.8 against 56.2 ms a document). Only in a main process: in a forked child of a process that
    had used OpenCV's threads, changing the count waits for threads that are not there."""
    import cv2

    if multiprocessing.parent_process() is not None:
        yield
        return
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        yield
    finally:
        cv2.setNumThreads(threads)


def process_map(fn: Callable[[J], R], jobs: Sequence[J], *, workers: int = 0, desc: str, progress: bool = True,
                chunksize: int = 4, executor: ExecutorParams | None = None,
                names: Sequence[str] | None = None) -> list[R]:
    """``[fn(job) for job in jobs]`` in order.

    With no executor or ``executor.kind == "local"``: on ``workers`` processes (0: one per core;
    1: in this process). With ``kind == "dask"``: one task per job on a Dask cluster (``workers``
    and ``chunksize`` do not apply); a job that raises there is re-raised here, its exception
    type kept, with a note naming the job (``names[i]`` when given, else its index). Names, not
    the jobs themselves, go into errors: a job may hold personal data.
    """
    if executor is not None and executor.kind == "dask":
        return _dask_map(fn, jobs, executor, desc=desc, progress=progress, names=names)
    n = workers or os.cpu_count() or 1
    bar = {"total": len(jobs), "desc": desc, "unit": "doc", "disable": not progress}
    if n == 1:
        return [fn(job) for job in tqdm(jobs, **bar)]
    with ProcessPoolExecutor(max_workers=n) as pool:
        return list(tqdm(pool.map(fn, jobs, chunksize=chunksize), **bar))


_DISTRIBUTED_LOGGERS = ("distributed", "distributed.scheduler", "distributed.nanny", "distributed.worker",
                        "distributed.core")


@contextlib.contextmanager
def _quiet_distributed(level: int = logging.WARNING) -> Iterator[None]:
    """distributed logs every scheduler, worker and connection event at INFO: keep WARNING and up
    while a map runs, then restore what was there (nothing is changed at import time)."""
    loggers = [logging.getLogger(name) for name in _DISTRIBUTED_LOGGERS]
    before = [lg.level for lg in loggers]
    for lg in loggers:
        if lg.getEffectiveLevel() < level:
            lg.setLevel(level)
    try:
        yield
    finally:
        for lg, old in zip(loggers, before, strict=True):
            lg.setLevel(old)


def _silence_distributed() -> None:
    for name in _DISTRIBUTED_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _quiet_teardown(client: Any) -> None:
    """Before a LocalCluster of our own is shut down, once the map's results (or its error) are in
    hand: its workers race their last heartbeat against the closing scheduler and log the closed
    stream as an ERROR with a traceback (a known, harmless distributed race). Nothing said during
    that teardown is news, so silence it here and in the workers (this process's levels are
    restored by _quiet_distributed)."""
    with contextlib.suppress(Exception):
        client.run(_silence_distributed)
    _silence_distributed()


def _dask_map(fn: Callable[[J], R], jobs: Sequence[J], executor: ExecutorParams, *, desc: str, progress: bool,
              names: Sequence[str] | None) -> list[R]:
    from distributed import Client, LocalCluster, as_completed

    if not jobs:
        return []
    if names is not None and len(names) != len(jobs):
        raise ValueError(f"{len(names)} names for {len(jobs)} jobs")
    results: list[Any] = [None] * len(jobs)
    with contextlib.ExitStack() as stack:
        stack.enter_context(_quiet_distributed())
        if executor.address:
            client = stack.enter_context(Client(executor.address, set_as_default=False))
        else:
            # Lives for this one map: no dashboard, and its HTTP server on any free local port
            # (not 8787, which another cluster may hold).
            cluster = stack.enter_context(LocalCluster(
                n_workers=executor.dask_workers, threads_per_worker=executor.threads_per_worker, processes=True,
                host="127.0.0.1", dashboard_address="127.0.0.1:0", scheduler_kwargs={"dashboard": False},
                silence_logs=logging.WARNING))
            client = stack.enter_context(Client(cluster, set_as_default=False))
            stack.callback(_quiet_teardown, client)
        # Explicit keys: one task per job even when two jobs are equal (the work writes files),
        # and no clash with another map sharing the cluster.
        run = uuid.uuid4().hex[:12]
        futures = client.map(fn, jobs, key=[f"{desc}-{run}-{i}" for i in range(len(jobs))])
        index = {f.key: i for i, f in enumerate(futures)}
        with tqdm(total=len(jobs), desc=desc, unit="doc", disable=not progress) as bar:
            # Results are fetched here, batch by batch, not by as_completed in the background:
            # on a failure nothing is then in flight when the other jobs are cancelled.
            for batch in as_completed(futures, loop=client.loop).batches():
                failed = sorted((f for f in batch if f.status != "finished"), key=lambda f: index[f.key])
                if failed:
                    i = index[failed[0].key]
                    try:
                        failed[0].result()
                    except BaseException as exc:
                        client.cancel(futures)
                        name = names[i] if names is not None else f"#{i}"
                        exc.add_note(f"{desc}: job {i} of {len(jobs)} ({name}) failed on the Dask cluster "
                                     f"{executor.address or '(a LocalCluster)'}")
                        raise
                for future, result in zip(batch, client.gather(batch), strict=True):
                    results[index[future.key]] = result
                bar.update(len(batch))
    return results
