"""A stage's outcome as Markdown for the orchestrator's artifacts: counts, quarantines, QC
failures, metrics, the gate's decision with its reasons, links to the MLflow run and version.

Read from the files the stage wrote (its outs in ``dvc.yaml``), recognised by name, so nothing
here repeats a path. Counts and rates only: no document content reaches an artifact.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from claimvlm.orchestration import Stage

Section = Callable[[Path], list[str]]


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    if not rows:
        return []
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *("| " + " | ".join(_cell(c) for c in r) + " |" for r in rows), ""]


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def _scalars(data: Mapping[str, Any], prefix: str = "") -> list[list[Any]]:
    rows: list[list[Any]] = []
    for key, value in data.items():
        if isinstance(value, (int, float, str, bool)) and key not in ("stage", "params_sha256", "key_id"):
            rows.append([prefix + key, value])
        elif isinstance(value, Mapping) and key in ("counts", "by_reason", "by_check", "by_split"):
            rows += _scalars(value, f"{prefix}{key}.")
    return rows


def manifest(folder: Path) -> list[str]:
    data = _read(folder / "manifest.json")
    return _table(["count", "value"], _scalars(data)) if isinstance(data, Mapping) else []


def card(folder: Path) -> list[str]:
    data = _read(folder / "card.json")
    if not isinstance(data, Mapping):
        return []
    by_type = data["counts"]["by_split_type"]
    types = sorted({t for per in by_type.values() for t in per})
    rows = [[t, *(by_type[s].get(t, 0) for s in by_type)] for t in types]
    rows.append(["**all**", *(data["counts"]["by_split"][s] for s in by_type)])
    return ["Dataset by split:", "", *_table(["document type", *by_type], rows)]


def metrics(path: Path) -> list[str]:
    data = _read(path)
    return _table(["metric", "value"], _scalars(data)) if isinstance(data, Mapping) else []


def mlflow_run(path: Path) -> list[str]:
    data = _read(path)
    if not isinstance(data, Mapping) or "run_id" not in data:
        return []
    uri = os.environ.get("MLFLOW_TRACKING_URI", "")
    link = f"{uri.rstrip('/')}/#/experiments/{data.get('experiment_id', '0')}/runs/{data['run_id']}" \
        if uri.startswith("http") else None
    where = f"[{data['run_id']}]({link})" if link else f"`{data['run_id']}` (local store: `mlflow ui`)"
    return [f"MLflow run: {where}; model `{data.get('model_uri', '?')}`", ""]


def evaluation(folder: Path) -> list[str]:
    reports = {p.stem: _read(p) for p in sorted(folder.glob("*.json")) if p.stem not in ("contenders",)}
    reports = {k: v for k, v in reports.items() if isinstance(v, Mapping) and isinstance(v.get("overall"), Mapping)
               and isinstance(v["overall"].get("metrics"), Mapping) and "documents" in v}
    if not reports:
        return []
    names = sorted(next(iter(reports.values()))["overall"]["metrics"])
    rows = [[m, *(r["overall"]["metrics"].get(m, "–") for r in reports.values())] for m in names]
    return ["Test split, every contender:", "", *_table(["metric", *reports], rows)]


def decision(path: Path) -> list[str]:
    data = _read(path)
    if not isinstance(data, Mapping):
        return []
    verdict = "**PROMOTED**" if data.get("promote") else "**REJECTED**"
    lines = [f"Gate: {verdict} version {data.get('version')} of `{data.get('registered_model')}`; champion "
             f"{data.get('champion_seen')} -> {data.get('champion_now')}", ""]
    lines += [f"- {r}" for r in data.get("reasons", [])]
    smoke = data.get("smoke")
    if smoke:
        lines += ["", f"Post-promotion smoke check: {'passed' if smoke.get('passed') else 'FAILED'}"
                  + (", rolled back" if smoke.get("rolled_back") else "")]
    uri = os.environ.get("MLFLOW_TRACKING_URI", "")
    if uri.startswith("http") and data.get("version"):
        lines += ["", f"Model version: [{data['registered_model']} v{data['version']}]"
                      f"({uri.rstrip('/')}/#/models/{data['registered_model']}/versions/{data['version']})"]
    if data.get("report"):
        lines += ["", f"Report: `{data['report']}`"]
    return [*lines, ""]


# file or folder name -> what to show; a stage's outs are matched against these
BY_NAME: dict[str, Section] = {"metrics.json": metrics, "run.json": mlflow_run, "decision.json": decision,
                               "summary.json": metrics}


def summarize(stage: Stage, project: Path, outcome: Mapping[str, Any]) -> str:
    lines = [f"# Stage `{stage.name}`: {outcome['status']} in {outcome['seconds']:.1f} s", ""]
    if outcome["status"] == "skipped":
        lines += ["Inputs unchanged since the last run (DVC): outputs reused.", ""]
    for out in stage.outs:
        path = Path(project) / out
        if path.is_dir():
            lines += manifest(path) + card(path) + evaluation(path)
            for name, section in BY_NAME.items():
                if (path / name).is_file():
                    lines += section(path / name)
        elif path.name in BY_NAME and path.is_file():
            lines += BY_NAME[path.name](path)
    return "\n".join(lines)
