"""Scaling of the data stages: time, documents/s and peak memory per stage against the number of
documents, per executor, with DVC's own costs and the data's size on disk.

    python benchmarks/scale.py [--sizes 1000,5000,20000] [--executors pool,dask] [--window-h 6]
        [--skip-anchoring] [--cache-type hardlink] [--resume] [--plot-only] [--keep] [--workdir DIR]

Each (size, executor) runs in its own project copy (``tests/dvc_project.copy_project``: a fresh git
repository; ``synth.num_docs`` = size, ``synth.workers`` 0 and the checkout's own build splits) as a
user runs it: ``dvc repro --single-item STAGE`` for synth, collect, anonymize, qc and build in turn
(``feedback``, collect's other input, first and untimed). ``pool`` is ``executor.kind: local`` (the
stages' process pools), ``dask`` is ``kind: dask`` with no address: a LocalCluster of one worker
per core started per map (docs/configuration.md#scale-out-executor). Per stage: wall time, the
``claimvlm`` process's share of it (the rest is DVC hashing and caching), documents/s and the peak
summed RSS of the process tree (psutil, polled every 0.2 s). Per size: ``dvc status``, a no-op
``dvc repro``, ``dvc push`` to the copy's local remotes, and bytes on disk. The copy is deleted
once measured (``--keep`` keeps it); logs stay in ``--workdir``.

``--out`` is rewritten after every stage, so a partial run keeps its figures; ``--resume`` skips
sizes already measured. Growth is a log-log slope (1: linear). Extrapolation is linear with a fixed
cost (least squares), unless the two largest sizes grew with a slope above SUPERLINEAR: then a
power law through them. Not a test: it prints figures and asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from cpu_share import OthersCpu  # beside this script: run it as python benchmarks/scale.py

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("synth", "collect", "anonymize", "qc", "build")  # dvc.yaml's data stages, in order
ON_EXECUTOR = ("synth", "anonymize", "qc")  # per-document work on `executor`; collect and build stay local
DVC_OPS = ("status", "noop_repro", "push")
# Slope between the two largest sizes above which a stage counts as super-linear: on a quiet machine
# a x4 size step measures a linear stage within about +-0.05 (busy CPUs: see others_cpu_share).
SUPERLINEAR = 1.10
Result = dict[str, Any]


class TreeSampler:
    """Polls a process and its descendants (pool and Dask workers too) on a thread: the peak of
    their summed RSS, the largest single RSS, and while a `claimvlm` process lived (the stage
    command inside `dvc repro`; the rest of the wall time is DVC's)."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.pid, self.interval, self.peak_tree, self.peak_proc = pid, interval, 0, 0
        self.cmd: list[float] = []  # first and last time a claimvlm process was seen
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
            while not self._stop.is_set():
                total, now = 0, time.perf_counter()
                for p in [root, *root.children(recursive=True)]:
                    try:  # cmdline read every time: `sh -c "claimvlm ..."` execs into it under the same pid
                        rss, argv = p.memory_info().rss, p.cmdline()[:2]
                    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                        continue
                    total, self.peak_proc = total + rss, max(self.peak_proc, rss)
                    if any(a.endswith("/claimvlm") for a in argv):
                        self.cmd = [self.cmd[0] if self.cmd else now, now]
                self.peak_tree = max(self.peak_tree, total)
                self._stop.wait(self.interval)
        except psutil.NoSuchProcess:  # the root ended between two polls
            return

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def measure(cmd: list[str], cwd: Path, env: dict[str, str], log: Path) -> tuple[Result, str]:
    """Run ``cmd`` to completion, its output appended to ``log``: its figures and its output."""
    with log.open("ab") as fh:
        fh.write(f"\n$ {' '.join(cmd)}\n".encode())
        fh.flush()
        start_at, others, t0 = fh.tell(), OthersCpu(), time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=fh, stderr=subprocess.STDOUT)
        sampler = TreeSampler(proc.pid)
        rc = proc.wait()
        wall = time.perf_counter() - t0
        sampler.stop()
    output = log.read_bytes()[start_at:].decode("utf-8", "replace")
    if rc != 0:
        raise SystemExit(f"{' '.join(cmd)} failed (exit {rc}) in {cwd}; the end of {log}:\n{output[-3000:]}")
    return {"wall_s": wall, "cmd_s": sampler.cmd[1] - sampler.cmd[0] if sampler.cmd else None,
            "peak_rss_mb": sampler.peak_tree / 2**20,
            "peak_proc_rss_mb": sampler.peak_proc / 2**20, "others_cpu_share": others.share()}, output


def disk_bytes(groups: dict[str, list[Path]]) -> dict[str, int]:
    """Allocated bytes per group of paths; a file hard-linked into two groups counts once, first."""
    seen: set[tuple[int, int]] = set()
    out = dict.fromkeys(groups, 0)
    for name, paths in groups.items():
        for folder, _, files in (w for top in paths for w in os.walk(top)):
            for f in files:
                st = os.lstat(os.path.join(folder, f))
                if (st.st_dev, st.st_ino) not in seen:
                    seen.add((st.st_dev, st.st_ino))
                    out[name] += st.st_blocks * 512
    return {**out, "total": sum(out.values())}


# ---- fitting: pure functions of the recorded figures ----

def loglog_slope(points: Sequence[tuple[float, float]]) -> float | None:
    """Least-squares slope of log(time) on log(size); None below two sizes."""
    pts = [(math.log(n), math.log(t)) for n, t in points if n > 0 and t > 0]
    if len({x for x, _ in pts}) < 2:
        return None
    mx, my = sum(x for x, _ in pts) / len(pts), sum(y for _, y in pts) / len(pts)
    return sum((x - mx) * (y - my) for x, y in pts) / sum((x - mx) ** 2 for x, _ in pts)


def fit(points: Sequence[tuple[float, float]]) -> Result | None:
    """Slopes, and the model ``predict`` extrapolates with (see the module docstring)."""
    pts = sorted((n, t) for n, t in points if n > 0 and t > 0)
    if not pts:
        return None
    top = loglog_slope(pts[-2:])
    out: Result = {"sizes": [n for n, _ in pts], "slope": loglog_slope(pts), "top_slope": top,
                   "superlinear": top is not None and top > SUPERLINEAR}
    if out["superlinear"]:
        return {**out, "model": "power", "n0": pts[-1][0], "t0": pts[-1][1], "k": top}
    mx, my = sum(x for x, _ in pts) / len(pts), sum(y for _, y in pts) / len(pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    b = sum((x - mx) * (y - my) for x, y in pts) / sxx if sxx else 0.0
    c = my - b * mx
    if b <= 0 or c < 0:  # one size, or noise: proportional, which never under-predicts growth
        b, c = sum(x * y for x, y in pts) / sum(x * x for x, _ in pts), 0.0
    return {**out, "model": "affine", "c": c, "b": b}


def predict(model: Result, n: float) -> float:
    if model["model"] == "power":
        return float(model["t0"] * (n / model["n0"]) ** model["k"])
    return float(model["c"] + model["b"] * n)


def size_for(total: Callable[[float], float], seconds: float) -> float | None:
    """The largest size whose ``total`` fits in ``seconds`` (bisection in log size); None: over 1e9."""
    lo, hi = 1.0, 1e9
    if total(hi) <= seconds:
        return None
    if total(lo) > seconds:
        return 0.0
    for _ in range(80):
        mid = math.sqrt(lo * hi)
        lo, hi = (mid, hi) if total(mid) <= seconds else (lo, mid)
    return lo


def analyse(runs: dict[str, Result], window_h: float, plan: Sequence[int], cores: int) -> Result:
    """Per executor: fits of every series, the super-linear ones, the largest size whose nightly run
    (data stages, then `dvc push`) fits the window, the Dask workers twice that size needs, and
    the projected hours and disk of the ``plan`` sizes."""
    out: Result = {}
    for ex in sorted({r["executor"] for r in runs.values()}):
        series: dict[str, list[tuple[float, float]]] = {}
        for r in (r for r in runs.values() if r["executor"] == ex):
            figures = {**r["dvc"], "feedback": r.get("feedback_s"),
                       "disk_bytes": r.get("disk_bytes", {}).get("total")}
            for s, m in r["stages"].items():
                figures |= {s: m["wall_s"], f"{s}.cmd": m["cmd_s"], f"{s}.peak_rss_mb": m["peak_rss_mb"]}
            for k, v in figures.items():
                if v is not None:
                    series.setdefault(k, []).append((r["docs"], v))
        fits = {k: f for k, v in series.items() if (f := fit(v)) is not None}
        res: Result = {"fits": fits,
                       "superlinear": [s for s in (*STAGES, *DVC_OPS) if fits.get(s, {}).get("superlinear")]}
        if all(s in fits for s in (*STAGES, "push")):
            on_executor = [fits[k] for k in (f"{s}.cmd" for s in ON_EXECUTOR) if k in fits]

            def nightly(n: float) -> float:
                return sum(predict(fits[s], n) for s in (*STAGES, "push"))

            def local(n: float) -> float:  # what more Dask workers do not shorten: all but their commands
                return nightly(n) - sum(predict(f, n) for f in on_executor)

            limit = size_for(nightly, window_h * 3600)
            res["window"] = {"hours": window_h, "max_docs": limit}
            if limit:
                n2 = 2 * limit
                spare = window_h * 3600 - local(n2)
                # Their commands spread over W workers instead of this machine's cores: optimistic, as
                # their serial parts (start-up, qc's label suite and copy loop) count as spread too.
                workers = math.ceil((nightly(n2) - local(n2)) * cores / spare) if spare > 0 else None
                res["window"]["at_2x"] = {"docs": n2, "local_h": local(n2) / 3600, "dask_workers": workers}
            steps = [k for k in (*STAGES, *DVC_OPS, "feedback") if k in fits]
            disk = predict(fits["disk_bytes"], max(plan)) / 1e9 if "disk_bytes" in fits else None
            res["projection"] = {"sizes": list(plan), "disk_gb_largest": disk,
                                 "hours": sum(predict(fits[k], n) for n in plan for k in steps) / 3600}
        out[ex] = res
    return out


# ---- running ----

def save(result: Result, path: Path) -> None:
    result["superlinear_above"] = SUPERLINEAR
    result["analysis"] = analyse(result["runs"], result["window_h"], result["plan"],
                                 result["machine"]["cores"])
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)  # a reader, or a kill, never sees half a file


def run_one(ex: str, n: int, args: argparse.Namespace, result: Result,
            tick: Callable[[str | None], None]) -> None:
    """One size on one executor in a fresh project copy. ``tick(what)`` names the step under way,
    ``tick(None)`` says it is done."""
    import yaml

    from tests.dvc_project import BIN, copy_project, env, set_params

    key, work, log = f"{ex}/{n}", args.workdir / f"{ex}-{n}", args.workdir / f"{ex}-{n}.log"
    own = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    anchoring = {**own["build"]["anchoring"], **({"mode": "none"} if args.skip_anchoring else {})}
    partial = result["runs"].get(key)
    if partial and not partial["complete"] and partial["stages"] and (work / "dvc.lock").is_file():
        _continue(ex, n, args, result, partial, work, log, tick)
        return
    shutil.rmtree(work, ignore_errors=True)
    log.unlink(missing_ok=True)
    project = copy_project(work, num_docs=n)
    executor = {"kind": "local"} if ex == "pool" else {
        "kind": "dask", "address": None, "dask_workers": result["machine"]["cores"]}
    # synth.workers and the splits: the user's, not copy_project's (made for 6-document tests)
    set_params(project, synth={"workers": 0}, executor=executor,
               build={"splits": own["build"]["splits"], "anchoring": anchoring})
    dvc, environ = str(BIN / "dvc"), env()
    if args.cache_type:
        subprocess.run([dvc, "config", "--local", "cache.type", args.cache_type], cwd=project, env=environ,
                       check=True)
    run: Result = {"executor": ex, "docs": n, "anchoring": anchoring["mode"], "cache_type": args.cache_type,
                   "complete": False, "stages": {}, "dvc": {}, "loadavg": [os.getloadavg()]}
    result["runs"][key] = run
    feedback, _ = measure([dvc, "repro", "--single-item", "feedback"], project, environ, log)
    run["feedback_s"] = feedback["wall_s"]
    _measure_rest(run, key, n, project, args, result, log, tick)


def _continue(ex: str, n: int, args: argparse.Namespace, result: Result, run: Result, work: Path, log: Path,
              tick: Callable[[str | None], None]) -> None:
    """A run that stopped at a stage (a failure since fixed) goes on in its copy: the checkout's code
    replaces the copy's (its own params.yaml stays), the stages measured are kept and the rest run.
    Each stage is timed on its own, so the figures are the same kind as a run's in one go."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "tasks", "flows", "dvc.yaml"],
                           cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for rel in files:
        if (ROOT / rel).is_file():
            (work / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, work / rel)
    run.setdefault("continued", []).append({"kept": list(run["stages"]), "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                                            "loadavg": os.getloadavg()})
    _measure_rest(run, f"{ex}/{n}", n, work, args, result, log, tick)


def _measure_rest(run: Result, key: str, n: int, project: Path, args: argparse.Namespace, result: Result,
                  log: Path, tick: Callable[[str | None], None]) -> None:
    from claimvlm.orchestration import read_stages
    from tests.dvc_project import BIN, env, ran_stages

    dvc, environ = str(BIN / "dvc"), env()
    for stage in STAGES:
        if stage in run["stages"]:
            tick(None)
            continue
        tick(f"{key} {stage}")
        m, _ = measure([dvc, "repro", "--single-item", stage], project, environ, log)
        run["stages"][stage] = {**m, "docs_per_s": n / m["wall_s"]}
        save(result, args.out)
        tick(None)
    for op, cmd in (("status", ["status", "build"]), ("noop_repro", ["repro", "build"]),
                    ("push", ["push", "--with-deps", "build"])):
        tick(f"{key} dvc {op}")
        m, output = measure([dvc, *cmd], project, environ, log)
        if op == "noop_repro" and ran_stages(output):
            raise SystemExit(f"the no-op `dvc repro build` ran {sorted(ran_stages(output))}: see {log}")
        run["dvc"][op] = m["wall_s"]
        tick(None)
    stages = read_stages(project / "dvc.yaml")
    outs = [project / o for s in ("feedback", *STAGES) for o in stages[s].outs]
    run["disk_bytes"] = disk_bytes({"workspace": outs, "cache": [project / ".dvc" / "cache"],
                                    "remotes": [project / ".dvcstore", project / ".dvcstore-raw"]})
    run["loadavg"].append(os.getloadavg())
    run["complete"] = True
    save(result, args.out)
    if not args.keep:
        shutil.rmtree(project, ignore_errors=True)


def check_disk(result: Result, n: int, workdir: Path) -> None:
    """Stop before a size that the sizes measured so far say will not fit (their figures are kept)."""
    model = fit([(r["docs"], r["disk_bytes"]["total"]) for r in result["runs"].values() if "disk_bytes" in r])
    need, free = (predict(model, n) * 1.15 if model else 0.0), shutil.disk_usage(workdir).free
    if need > free:
        raise SystemExit(f"{n} documents need about {need / 1e9:.0f} GB in {workdir}, {free / 1e9:.0f} GB "
                         "free: free some, or pass --workdir on a larger disk or --cache-type hardlink, "
                         "then --resume")


# ---- reporting ----

def plot(result: Result, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.ticker import NullFormatter

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    colors = dict(zip(STAGES, plt.get_cmap("tab10").colors, strict=False))
    style = {"pool": ("o", "-"), "dask": ("s", "--")}
    executors = sorted({r["executor"] for r in result["runs"].values()})
    for ex in executors:
        runs = sorted((r for r in result["runs"].values() if r["executor"] == ex), key=lambda r: r["docs"])
        for s in STAGES:
            ns = [r["docs"] for r in runs if s in r["stages"]]
            ms = [r["stages"][s] for r in runs if s in r["stages"]]
            line = {"marker": style[ex][0], "ls": style[ex][1], "color": colors[s]}
            left.loglog(ns, [m["wall_s"] for m in ms], **line)
            right.semilogx(ns, [m["peak_rss_mb"] for m in ms], **line)
    left.set(xlabel="documents", ylabel="wall time of `dvc repro --single-item` (s)", title="time per stage")
    right.set(xlabel="documents", ylabel="peak RSS of the process tree (MB)", title="peak memory per stage")
    right.set_ylim(bottom=0)
    left.legend(handles=[Line2D([], [], color=colors[s], label=s) for s in STAGES], loc="upper left")
    right.legend(handles=[Line2D([], [], color="grey", marker=style[e][0], ls=style[e][1], label=e)
                          for e in executors], loc="upper left")
    sizes = sorted({r["docs"] for r in result["runs"].values()})
    for ax in (left, right):
        ax.grid(True, which="both", alpha=0.3)
        ax.set_xticks(sizes, [f"{n:,}" for n in sizes])
        ax.xaxis.set_minor_formatter(NullFormatter())
    anchoring = ", ".join(sorted({r["anchoring"] for r in result["runs"].values()}))
    shares = [m["others_cpu_share"] for r in result["runs"].values() for m in r["stages"].values()
              if m["others_cpu_share"] is not None]
    busy = f"; other processes used {sum(shares) / len(shares):.0%} of the CPUs" if shares else ""
    fig.suptitle(f"data stages against documents ({result['machine']['cores']} cores; build anchoring "
                 f"{anchoring}{busy})")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def report(result: Result) -> None:
    from rich.console import Console
    from rich.table import Table

    console, runs = Console(), sorted(result["runs"].values(), key=lambda r: (r["executor"], r["docs"]))
    stages = Table(title="per stage (wall: `dvc repro --single-item`; cmd: its claimvlm process)")
    dvc = Table(title="DVC and disk per size")
    for table, cols in ((stages, ("executor", "docs", "stage", "wall s", "cmd s", "docs/s", "peak MB",
                                  "others' CPU")),
                        (dvc, ("executor", "docs", "status s", "no-op repro s", "push s", "workspace GB",
                               "cache GB", "remotes GB"))):
        for col in cols:
            table.add_column(col, justify="right")
    for r in runs:
        for s, m in r["stages"].items():
            share = "" if m["others_cpu_share"] is None else f"{m['others_cpu_share']:.0%}"
            stages.add_row(r["executor"], str(r["docs"]), s, f"{m['wall_s']:.1f}", f"{m['cmd_s'] or 0:.1f}",
                           f"{m['docs_per_s']:.2f}", f"{m['peak_rss_mb']:.0f}", share)
        if r["complete"]:
            d, b = r["dvc"], r["disk_bytes"]
            dvc.add_row(r["executor"], str(r["docs"]), *(f"{d[k]:.1f}" for k in DVC_OPS),
                        *(f"{b[k] / 1e9:.2f}" for k in ("workspace", "cache", "remotes")))
    console.print(stages, dvc)
    for ex, a in result["analysis"].items():
        f = a["fits"]
        growth = ", ".join(f"{s} {f[s]['slope']:.2f} (top {f[s]['top_slope']:.2f})"
                           for s in (*STAGES, *DVC_OPS) if s in f and f[s]["slope"] is not None)
        console.print(f"[bold]{ex}[/]: log-log slope of time, all sizes (two largest): "
                      f"{growth or 'needs two sizes'}")
        console.print(f"  super-linear (slope of the two largest > {SUPERLINEAR}): "
                      f"{', '.join(a['superlinear']) or 'none'}")
        if w := a.get("window"):
            limit = "over 1e9" if w["max_docs"] is None else f"{w['max_docs']:,.0f}"
            console.print(f"  nightly window {w['hours']:g} h (data stages, then push) on this machine: "
                          f"up to {limit} documents")
            if x := w.get("at_2x"):
                local = f"what stays local (collect, build's anchors, DVC) takes {x['local_h']:.1f} h"
                console.print(f"  at {x['docs']:,.0f} documents: " + (
                    f"executor.kind dask with an address and about {x['dask_workers']} workers; {local}"
                    if x["dask_workers"] else f"{local}: over the window, no number of Dask workers helps"))
        if p := a.get("projection"):
            largest = max(p["sizes"])
            disk = f", {p['disk_gb_largest']:.0f} GB on disk at {largest}" if p["disk_gb_largest"] else ""
            console.print(f"  projected run of sizes {p['sizes']}: {p['hours']:.1f} h{disk}")
    complete = [r for r in result["runs"].values() if r["complete"]]
    if len({r["executor"] for r in complete}) > 1:  # which to use up to the window: the faster here
        n = max(r["docs"] for r in complete)
        totals = {r["executor"]: sum(m["wall_s"] for m in r["stages"].values())
                  for r in complete if r["docs"] == n}
        console.print(f"data stages at {n:,} documents on this machine: " + ", ".join(
            f"{ex} {t:.0f} s" for ex, t in sorted(totals.items(), key=lambda kv: kv[1])))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,5000,20000", help="documents per run, comma-separated")
    ap.add_argument("--executors", default="pool,dask",
                    help="pool (executor.kind local) and/or dask (a LocalCluster)")
    ap.add_argument("--window-h", type=float, default=6.0,
                    help="hours of the nightly window the data stages and push must fit in")
    ap.add_argument("--plan", default="1000,5000,20000", help="sizes whose whole run time is projected")
    ap.add_argument("--skip-anchoring", action="store_true", help="build.anchoring.mode none (no OCR)")
    ap.add_argument("--cache-type", help="DVC cache.type of the copies, e.g. hardlink")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "scale.json")
    ap.add_argument("--plot", type=Path, default=ROOT / "docs" / "scale.png")
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "claimvlm-scale")
    ap.add_argument("--resume", action="store_true", help="keep --out's complete runs (same anchoring)")
    ap.add_argument("--plot-only", action="store_true", help="re-analyse, plot and report --out; run nothing")
    ap.add_argument("--keep", action="store_true", help="keep each project copy after measuring it")
    args = ap.parse_args()
    sizes, executors = sorted(int(s) for s in args.sizes.split(",")), args.executors.split(",")
    if unknown := set(executors) - {"pool", "dask"}:
        ap.error(f"unknown executors {sorted(unknown)}; known: pool, dask")
    if args.plot_only:
        result = json.loads(args.out.read_text(encoding="utf-8"))
        save(result, args.out)  # the analysis as this version computes it
        plot(result, args.plot)
        report(result)
        return

    sys.path.insert(0, str(ROOT))  # tests/ is not installed; the checkout is
    import psutil
    from rich.progress import Progress

    from claimvlm.orchestration import read_stages, stage_order

    order = stage_order(read_stages(ROOT / "dvc.yaml"), ["build"])
    if order != ["synth", "feedback", *STAGES[1:]]:
        raise SystemExit(f"dvc.yaml's stages up to build are now {order}: update STAGES in {__file__}")
    old = json.loads(args.out.read_text(encoding="utf-8")) if args.resume and args.out.exists() else {}
    # Runs with the same anchoring only: one file's fits never mix the two.
    keep = {k: r for k, r in old.get("runs", {}).items() if (r["anchoring"] == "none") == args.skip_anchoring}
    result: Result = {
        "what": "data stages " + " -> ".join(STAGES) + " by `dvc repro --single-item`",
        "machine": {"cores": os.cpu_count() or 1, "memory_gb": psutil.virtual_memory().total / 1e9},
        "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "window_h": args.window_h,
        "plan": [int(s) for s in args.plan.split(",")], "runs": keep}
    # a partial run goes on in its copy where that is still there (run_one), else starts again
    todo = [(ex, n) for n in sizes for ex in executors if not keep.get(f"{ex}/{n}", {}).get("complete")]
    args.workdir.mkdir(parents=True, exist_ok=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with Progress() as progress:
        task = progress.add_task("scale", total=len(todo) * (len(STAGES) + len(DVC_OPS)))

        def tick(what: str | None) -> None:
            if what:
                progress.update(task, description=what)
            else:
                progress.advance(task)

        for ex, n in todo:
            check_disk(result, n, args.workdir)
            run_one(ex, n, args, result, tick)
            progress.console.print(f"{ex}/{n}: " + ", ".join(
                f"{s} {m['wall_s']:.1f} s" for s, m in result["runs"][f"{ex}/{n}"]["stages"].items()))
    save(result, args.out)  # also when --resume left nothing to run
    plot(result, args.plot)
    report(result)
    print(f"\nwritten: {args.out}, {args.plot}")


if __name__ == "__main__":
    main()
