"""Per-document work across processes, with a progress bar: the one way stages fan out."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

from tqdm import tqdm

J = TypeVar("J")
R = TypeVar("R")


def process_map(fn: Callable[[J], R], jobs: Sequence[J], *, workers: int = 0, desc: str, progress: bool = True,
                chunksize: int = 4) -> list[R]:
    """``[fn(job) for job in jobs]`` in order, on ``workers`` processes (0: one per core; 1: in this process)."""
    n = workers or os.cpu_count() or 1
    bar = {"total": len(jobs), "desc": desc, "unit": "doc", "disable": not progress}
    if n == 1:
        return [fn(job) for job in tqdm(jobs, **bar)]
    with ProcessPoolExecutor(max_workers=n) as pool:
        return list(tqdm(pool.map(fn, jobs, chunksize=chunksize), **bar))
