"""What the Prefect flows need to know, without Prefect: ``pipelines.yaml`` (deployments,
schedules, work pools, concurrency limits) validated with clear errors, the stage graph read from
``dvc.yaml`` (the one DAG), and the dataset version a model was trained on.

The flows in ``flows/`` run stages in the order this module derives from ``dvc.yaml``; nothing
here or there repeats the DAG.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from claimvlm.errors import ClaimvlmError

# The flows of flows/pipelines.py a deployment may name (kept here so validation needs no Prefect).
FLOWS: dict[str, str] = {
    "data_pipeline": "flows/pipelines.py:data_pipeline",
    "train_pipeline": "flows/pipelines.py:train_pipeline",
    "nightly_retrain": "flows/pipelines.py:nightly_retrain",
    "monitor": "flows/pipelines.py:monitor",
}


class PipelinesError(ClaimvlmError, ValueError):
    """pipelines.yaml or dvc.yaml is not what the flows can run; the message names the entry and field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WorkPool(_Strict):
    name: str = Field(min_length=1)
    type: Literal["process", "kubernetes", "docker"] = "process"
    description: str = ""


class Schedule(_Strict):
    cron: str
    timezone: str = "Asia/Seoul"
    active: bool = True

    @field_validator("cron")
    @classmethod
    def _cron(cls, v: str) -> str:
        from cronsim import CronSim, CronSimError

        try:
            CronSim(v, datetime(2026, 1, 1))
        except CronSimError as err:
            raise ValueError(f"not a cron expression: {err}") from None
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (an IANA name such as Asia/Seoul)") from None
        return v


class Deployment(_Strict):
    name: str = Field(min_length=1)
    flow: Literal["data_pipeline", "train_pipeline", "nightly_retrain", "monitor"]
    description: str = ""
    schedule: Schedule | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    work_pool: str
    tags: tuple[str, ...] = ()
    concurrency_limit: int | None = Field(None, gt=0)

    @property
    def entrypoint(self) -> str:
        return FLOWS[self.flow]


class Pipelines(_Strict):
    work_pools: tuple[WorkPool, ...] = ()
    concurrency_limits: dict[str, int] = Field(default_factory=dict)
    deployments: tuple[Deployment, ...] = ()

    @model_validator(mode="after")
    def _references(self) -> Pipelines:
        pools = [p.name for p in self.work_pools]
        if len(set(pools)) != len(pools):
            raise ValueError(f"work_pools: duplicate names {sorted({p for p in pools if pools.count(p) > 1})}")
        names = [d.name for d in self.deployments]
        for i, d in enumerate(self.deployments):
            if names.count(d.name) > 1:
                raise ValueError(f"deployments[{i}] ({d.name}).name: used by more than one deployment")
            if d.work_pool not in pools:
                raise ValueError(f"deployments[{i}] ({d.name}).work_pool: {d.work_pool!r} is not one of the "
                                 f"work_pools {pools}")
        for name, limit in self.concurrency_limits.items():
            if limit < 1:
                raise ValueError(f"concurrency_limits.{name}: must be at least 1, got {limit}")
        return self

    def deployment(self, name: str) -> Deployment:
        for d in self.deployments:
            if d.name == name:
                return d
        raise KeyError(f"no deployment named {name!r}; known: {[d.name for d in self.deployments]}")


def _where(raw: Mapping[str, Any], loc: tuple[Any, ...]) -> str:
    """A pydantic error location as the file's path, with the deployment's name where known."""
    parts: list[str] = []
    for i, key in enumerate(loc):
        if isinstance(key, int):
            parts[-1] += f"[{key}]"
            try:
                entry = raw[loc[0]][key] if i == 1 else None
            except (KeyError, IndexError, TypeError):
                entry = None
            if isinstance(entry, Mapping) and entry.get("name"):
                parts[-1] += f" ({entry['name']})"
        else:
            parts.append(str(key))
    return ".".join(parts)


def load_pipelines(path: Path) -> Pipelines:
    """Read and validate ``pipelines.yaml``; every problem is reported with its entry and field."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise PipelinesError(f"{path} does not exist") from None
    except yaml.YAMLError as err:
        raise PipelinesError(f"{path} is not valid YAML: {err}") from None
    if not isinstance(raw, dict):
        raise PipelinesError(f"{path}: expected a mapping with work_pools, concurrency_limits and deployments")
    try:
        return Pipelines.model_validate(raw)
    except ValidationError as err:
        lines = []
        for e in err.errors():
            where = _where(raw, tuple(e["loc"])) if e["loc"] else "(file)"
            lines.append(f"{where}: {e['msg'].removeprefix('Value error, ')}")
        raise PipelinesError(f"{path}: " + "; ".join(lines)) from None


# ---- the stage graph, from dvc.yaml ----

@dataclass(frozen=True)
class Stage:
    name: str
    deps: tuple[str, ...]
    outs: tuple[str, ...]  # outs, metrics and plots: everything the stage writes


def _paths(entries: Iterable[Any]) -> tuple[str, ...]:
    return tuple(next(iter(e)) if isinstance(e, Mapping) else str(e) for e in entries or ())


def read_stages(dvc_yaml: Path) -> dict[str, Stage]:
    """The stages of ``dvc.yaml`` in file order (no foreach/matrix: the project has none)."""
    doc = yaml.safe_load(Path(dvc_yaml).read_text(encoding="utf-8")) or {}
    stages = {}
    for name, spec in (doc.get("stages") or {}).items():
        if "foreach" in spec or "matrix" in spec:
            raise PipelinesError(f"{dvc_yaml}: stage {name!r} uses foreach/matrix, which the flows do not expand")
        outs = _paths(spec.get("outs")) + _paths(spec.get("metrics")) + _paths(spec.get("plots"))
        stages[name] = Stage(name, _paths(spec.get("deps")), outs)
    return stages


def _within(path: str, out: str) -> bool:
    return path == out or path.startswith(out.rstrip("/") + "/")


def upstream(stages: Mapping[str, Stage]) -> dict[str, set[str]]:
    """stage -> the stages whose outputs it depends on (an output folder covers the files in it)."""
    return {s.name: {o.name for o in stages.values() if o.name != s.name
                     and any(_within(d, out) for d in s.deps for out in o.outs)} for s in stages.values()}


def stage_order(stages: Mapping[str, Stage], targets: Iterable[str], *, after: Iterable[str] = ()) -> list[str]:
    """The targets and everything they depend on, minus ``after`` and its ancestors, in an order
    that runs every stage after its upstream (ties in dvc.yaml order)."""
    ups = upstream(stages)

    def ancestors(names: Iterable[str]) -> set[str]:
        seen: set[str] = set()
        todo = list(names)
        while todo:
            n = todo.pop()
            if n not in stages:
                raise PipelinesError(f"dvc.yaml has no stage {n!r}; stages: {list(stages)}")
            if n not in seen:
                seen.add(n)
                todo += ups[n]
        return seen

    after = list(after)
    wanted = ancestors(targets) - ancestors(after)
    order: list[str] = []
    while len(order) < len(wanted):
        ready = [n for n in stages if n in wanted and n not in order and not (ups[n] & wanted) - set(order)]
        if not ready:
            raise PipelinesError(f"dvc.yaml: a cycle among {sorted(wanted - set(order))}")
        order.append(ready[0])
    return order


def dataset_version(project: Path, remote: str | None, dataset_stage: str = "build") -> dict[str, Any]:
    """What a trained model can be traced back to: dvc.lock's SHA-256 (every stage's inputs and
    outputs by content hash), the dataset stage's outputs as DVC recorded them (path -> md5), and
    the DVC remote the bytes were pushed to."""
    text = (Path(project) / "dvc.lock").read_bytes()
    lock = yaml.safe_load(text) or {}
    stage = (lock.get("stages") or {}).get(dataset_stage) or {}
    return {"dvc_lock_sha256": hashlib.sha256(text).hexdigest(), "remote": remote,
            "dataset": {o["path"]: o.get("md5") for o in stage.get("outs", [])}}
