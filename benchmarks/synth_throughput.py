"""Throughput of the synth stage: documents per second, clean and degraded, on one core and
on all cores, with the per-document time split into render, degrade and encode.

    python benchmarks/synth_throughput.py [--docs 120] [--params params.yaml]

Not a test: it prints figures for the README and asserts nothing about time. The split is
wall time inside each process, so other work on the machine inflates it: "cpu ms" is the CPU
time per document of this process and its workers together (less sensitive to sharing the
machine), and "load" the 1-minute load average when the row started (above the core count,
docs/s is low).
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from claimvlm.config import load_params
from claimvlm.synthesis import generate, render


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the pool's workers, once joined)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=120)
    ap.add_argument("--params", type=Path, default=Path("params.yaml"))
    args = ap.parse_args()
    base = load_params(args.params).synth
    cores = os.cpu_count() or 1
    table = Table(title=f"synth throughput, {args.docs} A4 documents at {base.dpi} dpi, {cores} cores")
    for col in ("pages", "processes", "docs/s", "render ms", "degrade ms", "encode ms", "cpu ms", "load"):
        table.add_column(col, justify="right")
    rows = [(label, prob, workers) for label, prob in (("clean", 0.0), ("degraded", 1.0))
            for workers in sorted({1, cores})]
    for label, prob, workers in rows:
        # Every row starts as a `claimvlm synth` process does, with the renderer's caches empty: a
        # row drawing the documents an earlier row drew would otherwise find all its text there.
        render.clear_caches()
        params = base.model_copy(update={
            "num_docs": args.docs, "workers": workers,
            "degrade": base.degrade.model_copy(update={"prob": prob}),
        })
        load = os.getloadavg()[0]
        cpu = _cpu_seconds()
        with tempfile.TemporaryDirectory() as tmp:
            result = generate.run(params, Path(tmp) / "out", progress=False)
        per_doc = {k: 1000 * v / args.docs for k, v in result.seconds.items()}
        per_doc["cpu"] = 1000 * (_cpu_seconds() - cpu) / args.docs
        table.add_row(label, str(workers), f"{args.docs / result.seconds['wall']:.1f}",
                      f"{per_doc['render']:.0f}", f"{per_doc['degrade']:.0f}", f"{per_doc['encode']:.0f}",
                      f"{per_doc['cpu']:.0f}", f"{load:.1f}")
    Console().print(table)


if __name__ == "__main__":
    main()
