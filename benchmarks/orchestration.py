"""Orchestration overhead: the data stages (synth -> export-feedback -> collect -> anonymize -> qc -> build) run
three ways on the same small data, from a clean state each time.

    python benchmarks/orchestration.py [--docs 6] [--repeats 3] [--out benchmarks/results/orchestration.json]

The project is copied as ``tests/dvc_project.copy_project`` copies it (a fresh git repository,
``synth.num_docs`` = ``--docs``). Before every full run its stage outputs, ``dvc.lock`` and DVC's
cache (``.dvc/cache``) are deleted, so each run does all the work. The three doors, each one fresh
process as a user starts it, so each pays its own interpreter start and imports:

- direct: one Python process that loads the copy's params.yaml once and calls the library
  functions the ``claimvlm`` commands call, with the paths ``dvc.yaml`` gives them;
- dvc: ``dvc repro build`` (one ``claimvlm`` process per stage, plus DVC's hashing and caching);
- prefect: ``flows.pipelines.data_pipeline(project=...)`` against a real ``prefect server`` on
  loopback (``tests/prefect_server.py``), in a process with ``PREFECT_API_URL`` set, logging to
  the API as a deployment would (the process ends, flushing its logs, before the server stops);
  every stage task runs ``dvc status`` and then ``dvc repro --single-item`` for its stage.

Then the no-op re-run (everything up to date) through dvc and through the flow: pure orchestration
cost (``dvc status`` and Prefect's task bookkeeping), and an empty Prefect flow run the same way,
Prefect's own start-up, which the no-op flow is measured against. Full runs are interleaved per repeat and the
median is reported. Per-stage overheads: DVC's = (dvc - direct) / stages, Prefect's per task =
(prefect - dvc) / stages. The children's own clocks split each flow and direct run into imports,
stages and the rest; each run also records the share of the CPUs other processes used meanwhile
(``others_cpu_share``; 0 on a quiet machine). Not a test: it prints figures for the README and
asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median
from typing import Any

from cpu_share import OthersCpu  # beside this script: run it as python benchmarks/orchestration.py

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # tests/ and flows/ are not installed; the checkout is
    sys.path.insert(0, str(ROOT))

TARGET = "build"
CHILD_MARK = "@@orchestration-benchmark "


# ---- the children (each a fresh process; they print one marked JSON line) ----

def _child_direct(project: Path) -> dict[str, Any]:
    """What `claimvlm synth/export-feedback/collect/anonymize/qc/build` call, with dvc.yaml's paths,
    in one process: the six stages `dvc repro build` runs (export-feedback, an empty store here,
    was left out before 2026-12-05)."""
    t0 = time.perf_counter()
    os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")  # as the claimvlm entry point does
    from claimvlm.collection.stage import collect
    from claimvlm.config import load_params
    from claimvlm.dataset.stage import build
    from claimvlm.feedback.export import export_feedback
    from claimvlm.feedback.store import open_store
    from claimvlm.privacy.stage import anonymize
    from claimvlm.quality.stage import qc
    from claimvlm.synthesis import gallery, generate

    imported = time.perf_counter()
    os.chdir(project)  # dvc.yaml's relative paths, as the stages see them
    params = load_params(Path("params.yaml"))
    d, q, r = Path("data"), Path("data/quarantine"), Path("reports")
    calls = {
        "synth": lambda: (generate.run(params.synth, d / "synth", executor=params.executor),
                          gallery.contact_sheet(params.synth, r / "synth_gallery.png")),
        "feedback": lambda: _export_feedback(params.feedback, d / "feedback", open_store, export_feedback),
        "collect": lambda: collect("data/synth", d / "collected", q / "collect", params.collect,
                                   also=["data/feedback"]),
        "anonymize": lambda: anonymize(d / "collected", d / "anonymized", q / "anonymize", r / "anonymize",
                                       params.anonymize, eval_set=Path("tests/data/pii_eval.jsonl"),
                                       executor=params.executor),
        "qc": lambda: qc(d / "anonymized", d / "qc", q / "qc", r / "qc", params.qc, executor=params.executor),
        "build": lambda: build(d / "qc", d / "dataset", params.build, privacy_reports=r / "anonymize",
                               upstream_manifests=(d / "anonymized/manifest.json", d / "qc/manifest.json"),
                               pinned_splits=Path("pinned_splits.json")),
    }
    stages = {}
    for name, call in calls.items():
        s0 = time.perf_counter()
        call()
        stages[name] = time.perf_counter() - s0
    return {"imports_s": imported - t0, "work_s": time.perf_counter() - imported, "stages_s": stages}


def _export_feedback(params: Any, out: Path, open_store: Any, export_feedback: Any) -> None:
    store = open_store(params, content=False)  # as `claimvlm export-feedback` does
    try:
        export_feedback(store, out, accept=params.accept)
    finally:
        store.close()


def _child_prefect(project: Path) -> dict[str, Any]:
    """The flow, as `PREFECT_API_URL=... python -c '...data_pipeline(project=...)'` runs it."""
    t0 = time.perf_counter()
    from claimvlm.flows.pipelines import data_pipeline

    imported = time.perf_counter()
    outcomes = data_pipeline(project=str(project))
    return {"imports_s": imported - t0, "work_s": time.perf_counter() - imported,
            "stages_s": {o["stage"]: o["seconds"] for o in outcomes},
            "statuses": {o["stage"]: o["status"] for o in outcomes}}


def _child_empty(project: Path) -> dict[str, Any]:
    """An empty Prefect flow run the same way: Prefect's own start-up and bookkeeping for one flow
    run (client, flow run, states, the last log flush), what the no-op flow cannot do without."""
    t0 = time.perf_counter()
    from prefect import flow

    imported = time.perf_counter()
    flow(name="empty")(lambda: [])()
    return {"imports_s": imported - t0, "work_s": time.perf_counter() - imported, "stages_s": {}, "statuses": {}}


# ---- the parent ----

def _stage_outs(project: Path) -> tuple[list[str], list[str]]:
    from claimvlm.orchestration import read_stages, stage_order

    stages = read_stages(project / "dvc.yaml")
    order = stage_order(stages, [TARGET])
    return order, [out for s in order for out in stages[s].outs]


def _clean(project: Path, outs: list[str]) -> None:
    """Every output of the data stages, dvc.lock and DVC's cache: the next run does all the work."""
    for rel in [*outs, "dvc.lock", ".dvc/cache"]:
        path = project / rel
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, dict[str, Any] | None, float | None]:
    """Wall seconds of ``cmd`` (fails loudly), the child's marked JSON line (if any), and the share
    of the machine's CPU that other processes used meanwhile (None: not measurable here)."""
    others = OthersCpu()
    t0 = time.perf_counter()
    res = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=3600, check=False)
    seconds = time.perf_counter() - t0
    share = others.share()  # the child was waited for: its CPU time counts as this process's
    if res.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed (exit {res.returncode}):\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}")
    inner = next((json.loads(line[len(CHILD_MARK):]) for line in res.stdout.splitlines()
                  if line.startswith(CHILD_MARK)), None)
    return seconds, inner, share


def _child_cmd(kind: str, project: Path) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--project", str(project)]


def _spread(values: list[float]) -> dict[str, Any]:
    return {"median": median(values), "min": min(values), "max": max(values), "runs": values}


def _breakdown(full: dict[str, list[float]], noop: dict[str, list[float]],
               inner: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, float]]:
    """Where each process's wall time goes, medians over the repeats. ``stages`` is the children's
    own clock around each stage: the library call (direct), or the stage task's `dvc status` plus
    `dvc repro --single-item` (prefect; the artifact it then writes is outside). ``rest``: the
    interpreter's start and exit, params, and for the flow its flow/task-run API calls, stage
    summaries, artifacts and the last log flush."""
    out = {}
    for name, totals, runs in (("direct", full["direct"], inner["direct"]),
                               ("prefect", full["prefect"], inner["prefect"]),
                               ("prefect_noop", noop["prefect"], inner["prefect_noop"])):
        parts = [{"total": t, "imports": d["imports_s"], "stages": sum(d["stages_s"].values()),
                  "rest": t - d["imports_s"] - sum(d["stages_s"].values())} for t, d in zip(totals, runs, strict=True)]
        out[name] = {k: median(p[k] for p in parts) for k in ("total", "imports", "stages", "rest")}
        out[name]["per_stage"] = {s: median(d["stages_s"][s] for d in runs) for s in runs[0]["stages_s"]}
    return out


def _table(r: dict[str, Any]) -> str:
    n = r["stages"]
    full = {k: v["median"] for k, v in r["full_s"].items()}
    noop = {k: v["median"] for k, v in r["noop_s"].items()}
    o = r["overhead_ms_per_stage"]
    rows = [
        "| door | full run (s) | × direct | overhead per stage (ms) | no-op re-run (s) | no-op per stage (ms) |",
        "|---|---:|---:|---:|---:|---:|",
        f"| direct library calls, one process | {full['direct']:.1f} | 1.00 | — | — | — |",
        (f"| `dvc repro {TARGET}` | {full['dvc']:.1f} | {r['ratios']['dvc/direct']:.2f} | "
         f"{o['dvc_vs_direct']:.0f} (vs direct) | {noop['dvc']:.2f} | {o['dvc_noop']:.0f} |"),
        (f"| Prefect `data_pipeline` (real server) | {full['prefect']:.1f} | {r['ratios']['prefect/direct']:.2f} | "
         f"{o['prefect_vs_dvc']:.0f} (vs dvc) | {noop['prefect']:.2f} | {o['prefect_noop']:.0f} |"),
        f"| an empty Prefect flow (Prefect's own start-up) | — | — | — | {noop['empty']:.2f} | — |",
    ]
    shares = [x for runs in r["others_cpu_share"].values() for x in runs if x is not None]
    others = f"; other processes used {min(shares):.0%}–{max(shares):.0%} of the CPUs during the runs" if shares else ""
    return "\n".join(rows) + (f"\n\n{n} stages, {r['docs']} documents, {r['cores']} cores, median of "
                              f"{r['repeats']}; prefect/dvc = {r['ratios']['prefect/dvc']:.2f}; the no-op flow beyond an empty "
                              f"flow: {r['noop_flow_beyond_empty_flow_s']:.2f} s{others}.")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=6, help="synth.num_docs of the project copy")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "orchestration.json")
    ap.add_argument("--cache-type", help="DVC cache.type of the copy, e.g. hardlink (default: DVC's, copy)")
    ap.add_argument("--child", choices=("direct", "prefect", "empty"), help=argparse.SUPPRESS)
    ap.add_argument("--project", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child = {"direct": _child_direct, "prefect": _child_prefect, "empty": _child_empty}[args.child]
        inner = child(args.project.resolve())
        print(CHILD_MARK + json.dumps(inner), flush=True)
        return

    from tests.dvc_project import copy_project
    from tests.dvc_project import env as project_env
    from tests.prefect_server import prefect_env, prefect_server

    def say(msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)

    dvc = str(Path(sys.executable).with_name("dvc"))
    full: dict[str, list[float]] = {"direct": [], "dvc": [], "prefect": []}
    noop: dict[str, list[float]] = {"dvc": [], "prefect": [], "empty": []}
    inner: dict[str, list[dict[str, Any]]] = {"direct": [], "prefect": [], "prefect_noop": [], "empty_noop": []}
    shared: dict[str, list[float | None]] = {
        k: [] for k in ("direct", "dvc", "dvc_noop", "prefect", "prefect_noop", "empty_noop")}
    load_start = os.getloadavg()  # another job on the machine shows here (1, 5, 15 minutes)
    with tempfile.TemporaryDirectory(prefix="orchestration-bench-") as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "proj").mkdir()
        project = copy_project(tmp_path / "proj", num_docs=args.docs)
        order, outs = _stage_outs(project)
        env = {k: v for k, v in project_env().items() if k != "MLFLOW_TRACKING_URI"}
        if args.cache_type:
            subprocess.run([dvc, "config", "--local", "cache.type", args.cache_type], cwd=project, env=env, check=True)
        say(f"project copy in {project} ({args.docs} documents); stages: {' -> '.join(order)}")
        say("starting the Prefect server")
        with prefect_server(tmp_path / "prefect-home") as url:
            penv = {**prefect_env(tmp_path / "prefect-home", url), "CLAIMVLM_PSEUDONYM_KEY": env["CLAIMVLM_PSEUDONYM_KEY"]}
            penv.pop("MLFLOW_TRACKING_URI", None)
            say(f"server up at {url}")

            def measure(tag: str, key: str, cmd: list[str], run_env: dict[str, str]) -> dict[str, Any] | None:
                seconds, data, others = _run(cmd, project, run_env)
                (noop if key.endswith("_noop") else full)[key.removesuffix("_noop")].append(seconds)
                shared[key].append(others)
                detail = "" if others is None else f"others used {others:.0%} of the CPUs"
                if data is not None:
                    inner[key].append(data)
                    what = {"prefect": "; stage tasks ", "prefect_noop": "; dvc status "}.get(key, "; ")
                    detail += (f"; imports {data['imports_s']:.1f} s{what}"
                               + ", ".join(f"{k} {v:.2f}" for k, v in data["stages_s"].items()))
                say(f"{tag} {key:12s} {seconds:6.2f} s  ({detail.removeprefix('; ')})")
                return data

            for rep in range(1, args.repeats + 1):
                tag = f"[{rep}/{args.repeats}]"
                _clean(project, outs)
                measure(tag, "direct", _child_cmd("direct", project), env)
                _clean(project, outs)
                measure(tag, "dvc", [dvc, "repro", TARGET], env)
                measure(tag, "dvc_noop", [dvc, "repro", TARGET], env)
                _clean(project, outs)
                data = measure(tag, "prefect", _child_cmd("prefect", project), penv)
                if data is None or set(data["statuses"].values()) != {"ran"}:
                    raise SystemExit(f"the flow skipped stages after a clean: {data}")
                data = measure(tag, "prefect_noop", _child_cmd("prefect", project), penv)
                if data is None or set(data["statuses"].values()) != {"skipped"}:
                    raise SystemExit(f"the no-op flow ran stages: {data}")
                measure(tag, "empty_noop", _child_cmd("empty", project), penv)  # Prefect's own part
            say("stopping the Prefect server")

    n = len(order)
    med = {k: median(v) for k, v in full.items()}
    med_noop = {k: median(v) for k, v in noop.items()}
    import prefect

    result = {
        "what": "data stages " + " -> ".join(order) + ", full run from a clean state and no-op re-run",
        "docs": args.docs, "cache_type": args.cache_type or "copy", "stages": n, "repeats": args.repeats, "cores": os.cpu_count(),
        "dvc_version": subprocess.run([dvc, "--version"], capture_output=True, text=True, check=True).stdout.strip(),
        "prefect_version": prefect.__version__,
        "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "loadavg": {"start": load_start, "end": os.getloadavg()},
        # per run, the share of all CPUs that processes outside this benchmark used: 0 on a quiet machine
        "others_cpu_share": shared,
        "full_s": {k: _spread(v) for k, v in full.items()},
        "noop_s": {k: _spread(v) for k, v in noop.items()},
        "ratios": {"dvc/direct": med["dvc"] / med["direct"], "prefect/direct": med["prefect"] / med["direct"],
                   "prefect/dvc": med["prefect"] / med["dvc"]},
        "overhead_ms_per_stage": {"dvc_vs_direct": 1000 * (med["dvc"] - med["direct"]) / n,
                                  "prefect_vs_dvc": 1000 * (med["prefect"] - med["dvc"]) / n,
                                  "dvc_noop": 1000 * med_noop["dvc"] / n,
                                  "prefect_noop": 1000 * med_noop["prefect"] / n},
        # the goal's measure: the no-op flow beyond an empty flow run against the same server
        "noop_flow_beyond_empty_flow_s": med_noop["prefect"] - med_noop["empty"],
        "breakdown_s": _breakdown(full, noop, inner),
        "inner": inner,  # the children's own clocks: imports, then the work (per stage)
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print()
    print(_table(result))
    b = result["breakdown_s"]
    for name in ("direct", "prefect", "prefect_noop"):
        print(f"{name}: " + ", ".join(f"{k} {v:.2f} s" for k, v in b[name].items() if k != "per_stage")
              + "; per stage " + ", ".join(f"{k} {v:.2f}" for k, v in b[name]["per_stage"].items()))
    print(f"\nwritten: {args.out}")


if __name__ == "__main__":
    main()
