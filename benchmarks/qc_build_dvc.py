"""Throughput of the qc and build stages, and DVC's no-op cost on the default dataset.

    python benchmarks/qc_build_dvc.py [--docs 200] [--qc-only]

qc and build run on freshly generated documents (qc on all cores, as the stage does; build in
one process). The DVC figures are `dvc status` and `dvc repro` in this checkout, which must
have been reproduced first (`make run`) so that both are no-ops. Not a test: nothing is asserted.
qc's row also gives the CPU seconds of the stage and its processes, and the load average before
it: on a shared machine the wall time depends on what else runs, the CPU time much less.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from claimvlm.config import Params
from claimvlm.dataset.stage import build
from claimvlm.quality.stage import qc
from claimvlm.synthesis import generate


def _timed(cmd: list[str], repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        best = min(best, time.perf_counter() - t0)
    return best


def _cpu_seconds() -> float:
    """CPU time of this process and of its children that ended (qc's pool, its label suite, Tesseract)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--qc-only", action="store_true", help="time qc alone (no build, no DVC)")
    args = ap.parse_args()
    params = Params()
    table = Table(title=f"qc, build and DVC no-ops ({os.cpu_count()} cores)")
    for col in ("what", "documents/s", "seconds"):
        table.add_column(col, justify="right")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate.run(params.synth.model_copy(update={"num_docs": args.docs}), root / "docs", progress=False)
        load, cpu, t0 = os.getloadavg()[0], _cpu_seconds(), time.perf_counter()
        result = qc(root / "docs", root / "qc", root / "q", root / "reports", params.qc, progress=False)
        seconds, cpu = time.perf_counter() - t0, _cpu_seconds() - cpu
        noise = result.label_noise
        what = (f"qc ({result.passed} passed; second reading of {noise['read']} of {noise['due']} pages; "
                f"CPU {cpu:.1f} s; load before {load:.2f})")
        table.add_row(what, f"{args.docs / seconds:.1f}", f"{seconds:.2f}")
        if args.qc_only:
            Console().print(table)
            return
        t0 = time.perf_counter()
        build(root / "qc", root / "dataset", params.build, progress=False)
        seconds = time.perf_counter() - t0
        table.add_row("build", f"{result.passed / seconds:.1f}", f"{seconds:.2f}")
    dvc = str(Path(sys.executable).with_name("dvc"))
    status = subprocess.run([dvc, "status", "--quiet"], capture_output=True)
    if status.returncode != 0:
        Console().print(table)
        sys.exit("the pipeline is not up to date here: run `make run` first, then this benchmark")
    table.add_row("dvc status (no-op, default dataset)", "", f"{_timed([dvc, 'status']):.2f}")
    table.add_row("dvc repro (no-op, default dataset)", "", f"{_timed([dvc, 'repro']):.2f}")
    Console().print(table)


if __name__ == "__main__":
    main()
