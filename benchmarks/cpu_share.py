"""Is anything else using the CPUs? What the benchmarks record beside their figures.

``cpu_seconds()`` reads /proc: the CPU seconds the whole machine has been busy, and those of this
process's tree (itself and its live descendants: a server, a Prefect server, stage processes).
:class:`OthersCpu` turns two readings into the share of the machine's CPUs that processes outside
the benchmark used in between (0 on a quiet machine, None where it cannot be measured).
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def cpu_seconds() -> tuple[float, float] | None:
    """(CPU seconds the machine has been busy, CPU seconds of this process's tree). Linux only."""
    try:
        tick = os.sysconf("SC_CLK_TCK")
        cpu = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        procs: dict[int, tuple[int, int]] = {}
        for d in Path("/proc").iterdir():
            if d.name.isdigit():
                try:
                    text = (d / "stat").read_text()
                except OSError:
                    continue
                fields = text[text.rindex(")") + 2:].split()  # from field 3 (state) on
                procs[int(d.name)] = (int(fields[1]), sum(int(x) for x in fields[11:15]))  # ppid; u/s/cu/cs time
    except (OSError, ValueError, AttributeError):
        return None
    tree, grew = {os.getpid()}, True
    while grew:
        more = {pid for pid, (ppid, _) in procs.items() if ppid in tree} - tree
        tree |= more
        grew = bool(more)
    busy = cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6] + cpu[7]  # user nice system irq softirq steal
    return busy / tick, sum(procs[pid][1] for pid in tree if pid in procs) / tick


class OthersCpu:
    """The share of the machine's CPUs that processes outside this benchmark used between start and
    ``share()``. Children that exited during the span count as others, so read it while the
    measured processes are alive, or after waiting for them (their time then moves to ours)."""

    def __init__(self) -> None:
        self.t0, self.c0 = time.perf_counter(), cpu_seconds()

    def share(self) -> float | None:
        c1, dt = cpu_seconds(), time.perf_counter() - self.t0
        if self.c0 is None or c1 is None or dt <= 0:
            return None
        return max(0.0, (c1[0] - self.c0[0]) - (c1[1] - self.c0[1])) / (dt * (os.cpu_count() or 1))
