"""``claimvlm sweep``: a small Optuna search over ``train`` keys, scored by validation loss.

Each trial is a short run (``sweep.max_steps``) from a freshly loaded base model with the sampled
values applied as dotted overrides (as ``-S train.key=value``), logged as an MLflow run nested
under one parent run named ``sweep``. A trial that diverges is *pruned* (``optuna.TrialPruned``,
its reason kept) and the sweep goes on: returning ``inf`` instead would rank a blown-up run as a
real result and let an all-diverged sweep look finished. TPE samples its first 10 trials at random
from the seeded sampler, so a short sweep is a seeded random search. ``write_best`` puts the
winners into params.yaml.
"""

from __future__ import annotations

import gc
import json
import math
import os
import shutil
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from claimvlm.dataset.reader import DataError, read_split
from claimvlm.model.params import TrackingParams
from claimvlm.settings import ConfigError, Section, apply_overrides, load_sections
from claimvlm.training.loop import TrainingDiverged, run_training
from claimvlm.training.params import SearchDim, SweepParams, TrainParams
from claimvlm.training.stage import _step_metrics, prepare


@dataclass(frozen=True)
class TrialRecord:
    number: int
    params: dict[str, Any]  # the sampled values, dotted train keys
    value: float | None  # best validation loss; None when pruned
    run_id: str
    pruned: str | None = None  # why the trial has no value (it diverged)


@dataclass(frozen=True)
class SweepResult:
    best_params: dict[str, Any]
    best_value: float
    trials: list[TrialRecord]
    parent_run_id: str


def _get(data: dict[str, Any], key: str) -> Any:
    for part in key.split("."):
        data = data.get(part) if isinstance(data, dict) else None  # type: ignore[assignment]
    return data


def _suggest(trial: Any, key: str, dim: SearchDim, current: Any) -> Any:
    if dim.choices is not None:
        if all(c is None or isinstance(c, (bool, int, float, str)) for c in dim.choices):
            return trial.suggest_categorical(key, list(dim.choices))
        # Optuna stores only primitive choices: lists (e.g. target_modules) travel as JSON text.
        return json.loads(trial.suggest_categorical(key, [json.dumps(c) for c in dim.choices]))
    assert dim.low is not None and dim.high is not None
    if isinstance(current, int) and not isinstance(current, bool):  # an integer train key
        return trial.suggest_int(key, math.ceil(dim.low), math.floor(dim.high), log=dim.log)
    return trial.suggest_float(key, dim.low, dim.high, log=dim.log)


def trial_params(train: TrainParams, sweep: SweepParams, sampled: dict[str, Any]) -> TrainParams:
    """``train`` with the sampled values, ``sweep.max_steps`` steps and at least one validation."""
    data = train.model_dump(mode="json")
    data = apply_overrides(data, [f"{k}={_text(v)}" for k, v in sampled.items()])
    data["max_steps"] = sweep.max_steps
    data["eval_every"] = min(int(data["eval_every"]), sweep.max_steps)
    return TrainParams.model_validate(data)


def sweep(dataset: Path, out: Path, train: TrainParams, sweep: SweepParams, tracking: TrackingParams, *,
          repo_root: Path = Path(".")) -> SweepResult:
    """Run ``sweep.trials`` trials; ``out`` holds the tiny base model, built once and shared."""
    import optuna

    import mlflow
    from claimvlm.model.tracking import RunLogger, lineage_tags

    dataset, out = Path(dataset), Path(out)
    if not read_split(dataset, "val"):
        raise DataError(f"{dataset}: the val split is empty; a sweep scores trials by validation loss")
    start = train.model_dump(mode="json")
    records: list[TrialRecord] = []
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    tags = {**lineage_tags(repo_root=repo_root, dataset_dir=dataset, params_dump=start), "stage": "sweep"}
    try:
        with RunLogger(tracking, run_name="sweep", tags=tags) as parent:
            parent.log_params({"sweep": sweep.model_dump(mode="json"), "train": start})

            def objective(trial: Any) -> float:
                sampled = {k: _suggest(trial, k, dim, _get(start, k)) for k, dim in sweep.space.items()}
                params = trial_params(train, sweep, sampled)
                with RunLogger(tracking, run_name=f"trial-{trial.number}", nested=True,
                               tags={"stage": "sweep", "sweep.trial": str(trial.number)}) as log:
                    log.log_params({"sweep": sampled, "train": params.model_dump(mode="json")})
                    try:
                        value = _train(dataset, out, params, log)
                    except TrainingDiverged as err:  # the nested run ends FAILED, tagged with the reason
                        mlflow.set_tag("sweep.pruned", str(err)[:5000])
                        records.append(TrialRecord(trial.number, sampled, None, log.run_id, pruned=str(err)))
                        raise optuna.TrialPruned(str(err)) from err
                records.append(TrialRecord(trial.number, sampled, value, log.run_id))
                return value

            study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=sweep.seed))
            study.optimize(objective, n_trials=sweep.trials)
            done = [r for r in records if r.value is not None]
            if not done:
                raise RuntimeError("no sweep trial finished: " + "; ".join(f"trial {r.number}: {r.pruned}"
                                                                          for r in records))
            best = min(done, key=lambda r: r.value)  # type: ignore[arg-type, return-value]
            parent.log_params({"best": best.params})
            parent.log_step(0, {"best_val_loss": best.value})  # type: ignore[dict-item]
            mlflow.set_tags({"sweep.best_run_id": best.run_id, "sweep.best_trial": str(best.number)})
            return SweepResult(best_params=dict(best.params), best_value=float(best.value),  # type: ignore[arg-type]
                               trials=records, parent_run_id=parent.run_id)
    finally:
        optuna.logging.set_verbosity(verbosity)


def _train(dataset: Path, out: Path, params: TrainParams, log: Any) -> float:
    """One trial's training; its best validation loss (a non-finite one counts as diverged)."""
    model, processor, batches, val, _ = prepare(dataset, out, params)  # out/base reused when it matches
    try:
        outcome = run_training(model, batches, params, val=val,
                               on_step=lambda step: log.log_step(step.step, _step_metrics(step)))
    finally:
        del model
        gc.collect()
    value = outcome.best_val_loss
    if value is None or not math.isfinite(value):
        raise TrainingDiverged(f"validation loss {value} is not finite")
    log.log_step(outcome.logs[-1].step, {"best_val_loss": value})
    return float(value)


def _text(value: Any) -> str:
    """A value as YAML text; floats as plain decimals (1e-05 -> 0.00001, exact): PyYAML, which
    load_params uses, reads an exponent without a dot as a string."""
    if not isinstance(value, float):
        return json.dumps(value)
    if not math.isfinite(value):
        return {"inf": ".inf", "-inf": "-.inf"}.get(repr(value), ".nan")
    text = format(Decimal(repr(value)), "f")
    return text if "." in text else text + ".0"


def _yaml() -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.representer import RoundTripRepresenter

    class Representer(RoundTripRepresenter):  # a subclass: add_representer changes the class
        pass

    Representer.add_representer(float, lambda r, v: r.represent_scalar("tag:yaml.org,2002:float", _text(v)))
    Representer.add_representer(type(None), lambda r, _v: r.represent_scalar("tag:yaml.org,2002:null", "null"))
    yaml = YAML()  # round-trip: comments, key order and flow styles are kept
    yaml.Representer = Representer
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap lines
    yaml.indent(mapping=2, sequence=2, offset=0)
    return yaml


class _Written(Section):
    """What write_best changes (train) and what names its keys (sweep.space), validated after writing."""

    train: TrainParams = TrainParams()
    sweep: SweepParams = SweepParams()


def write_best(params_file: Path, best: dict[str, Any]) -> None:
    """Write ``best`` (dotted train keys) into the ``train`` section of ``params_file``, keeping its
    comments and layout; the file is replaced only if the result validates with load_params."""
    from ruamel.yaml.comments import CommentedMap

    params_file, yaml = Path(params_file), _yaml()
    doc = (yaml.load(params_file.read_text(encoding="utf-8")) if params_file.exists() else None) or CommentedMap()
    if not isinstance(doc, dict):
        raise ConfigError(f"{params_file}: expected a mapping of sections")
    for key, value in best.items():
        node = doc
        *parents, leaf = ["train", *key.split(".")]
        for part in parents:
            if node.get(part) is None:
                node[part] = CommentedMap()
            node = node[part]
            if not isinstance(node, dict):
                raise ConfigError(f"write_best {key!r}: {part!r} is a value, not a section")
        node[leaf] = list(value) if isinstance(value, tuple) else value
    fd, tmp = tempfile.mkstemp(dir=params_file.parent, prefix=f".{params_file.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            yaml.dump(doc, fh)
        load_sections(_Written, Path(tmp))  # raises ConfigError naming the bad key
        if params_file.exists():
            shutil.copymode(params_file, tmp)
        os.replace(tmp, params_file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
