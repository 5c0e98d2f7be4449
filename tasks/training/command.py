"""``claimvlm train`` (the train stage, claimvlm.training.stage, with its sanity tools) and
``claimvlm sweep`` (an Optuna search over the train section)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pydantic import Field
from rich.table import Table

from claimvlm.cli_common import ParamsOpt, SetOpt, console, fail, sections
from claimvlm.errors import ClaimvlmError
from claimvlm.model.params import TrackingParams
from claimvlm.settings import Section
from claimvlm.training.params import SweepParams, TrainParams

PANEL = "train stage · tasks/training"


# Not a dependency of the model: where a run is logged (tracking) is read all the same.
class TrainSections(Section):
    train: TrainParams = TrainParams()
    tracking: TrackingParams = TrackingParams()


class SweepSections(TrainSections):
    sweep: SweepParams = Field(default_factory=SweepParams)


def train_cmd(
    dataset: Annotated[Path, typer.Argument(help="the build stage's dataset folder")],
    out: Annotated[Path, typer.Argument(help="run folder: base/ (tiny), checkpoints/, model/")],
    reports: Annotated[Path, typer.Option(help="metrics.json, steps.csv, loss.png, run.json")] = Path("reports/train"),
    resume: Annotated[bool, typer.Option("--resume", help="continue the killed run in OUT/checkpoints")] = False,
    auto_resume: Annotated[bool, typer.Option(
        "--auto-resume", help="continue OUT's run if its checkpoints match these params and data, else start afresh")] = False,
    overfit_batch: Annotated[bool, typer.Option(help="sanity check: memorise one batch (loss -> ~0), then exit")] = False,
    lr_range: Annotated[bool, typer.Option(help="LR range test: plot loss against learning rate, then exit")] = False,
    estimate_memory: Annotated[bool, typer.Option(help="print the planned peak memory by component, then exit")] = False,
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Fine-tune the configured model on DATASET; track the run and its model in MLflow."""
    from claimvlm.training import sanity
    from claimvlm.training.stage import train

    p = sections(TrainSections, params, set_)
    try:
        if estimate_memory:
            console.print(sanity.estimate_memory(dataset, out, p.train), markup=False)
            return
        if lr_range:
            found = sanity.lr_range(dataset, out, reports, p.train)
            console.print(f"lr range: suggested learning_rate {found.suggested_lr:.2e}; plot {reports / 'lr_range.png'}")
            return
        if overfit_batch:
            first, last = sanity.overfit_batch(dataset, out, p.train)
            ok = last < sanity.OVERFIT_LOSS
            console.print(f"overfit-batch: loss {first:.3f} -> {last:.4f} in {p.train.max_steps} steps: "
                          + ("memorised" if ok else f"NOT below {sanity.OVERFIT_LOSS} (a bug, or too few steps / "
                                                     "too low train.learning_rate)"),
                          style=None if ok else "red", markup=False)
            raise typer.Exit(0 if ok else 1)
        mode = "must" if resume else "auto" if auto_resume else "never"
        result = train(dataset, out, reports, p.train, p.tracking, resume=mode)
    except ClaimvlmError as err:
        fail(err, 1)
    if result.model_uri is not None:
        best = "" if result.best_val_loss is None else f", best val loss {result.best_val_loss:.3f} at step {result.best_step}"
        console.print(f"train: {result.steps} steps{' (resumed at ' + str(result.resumed_at) + ')' if result.resumed_at else ''}"
                      f", loss {result.final_loss:.3f}{best}; {result.samples_per_s:.1f} samples/s; "
                      f"MLflow run {result.run_id}, model {result.model_uri}", markup=False, soft_wrap=True)


def sweep_cmd(
    dataset: Annotated[Path, typer.Argument(help="the build stage's dataset folder")],
    out: Annotated[Path, typer.Option(help="scratch folder for the trials (the tiny base is built once here)")] = Path(
        "models/sweep"),
    write_params: Annotated[bool, typer.Option(help="write the best values into the train section of --params")] = False,
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Search sweep.space with Optuna, each trial a nested MLflow run scored by validation loss."""
    from claimvlm.training.sweep import sweep, write_best

    p = sections(SweepSections, params, set_)
    try:
        result = sweep(dataset, out, p.train, p.sweep, p.tracking)
    except ClaimvlmError as err:
        fail(err, 1)
    table = Table(title=f"sweep: {len(result.trials)} trials (MLflow run {result.parent_run_id})")
    for col in ("trial", *p.sweep.space, "best val loss"):
        table.add_column(col)
    for t in result.trials:
        value = f"{t.value:.4f}" if t.value is not None else f"pruned: {t.pruned}"
        table.add_row(str(t.number), *(f"{t.params.get(k)}" for k in p.sweep.space), value)
    console.print(table)
    console.print(f"best: {result.best_params} (val loss {result.best_value:.4f})", markup=False)
    if write_params:
        write_best(params, result.best_params)
        console.print(f"wrote the best values into {params}; `dvc repro` trains with them", markup=False)


def publish_base_cmd(
    package: Annotated[Path, typer.Argument(help="a full model package written by train (OUT/model)")],
    out: Annotated[Path, typer.Argument(help="the base checkpoint folder to write (e.g. models/base/claimvlm-tiny)")],
    metrics: Annotated[Path, typer.Option(help="the pretraining run's metrics.json")] = Path("reports/train/metrics.json"),
    recipe: Annotated[str, typer.Option(help="how the base was made (the card's recipe line)")] = "make base",
    data: Annotated[str, typer.Option(help="what it was trained on (the card's data line)")] = "",
) -> None:
    """Publish a trained package as a base checkpoint to fine-tune (the pretrained tiny base)."""
    import json

    from claimvlm.training.base import publish_base

    found = json.loads(metrics.read_text(encoding="utf-8")) if metrics.is_file() else {}
    facts = {"recipe": recipe, "data": data, **{k: found[k] for k in ("steps", "final_loss", "best_val_loss",
                                                                      "best_step", "samples_per_s") if k in found}}
    try:
        written = publish_base(package, out, facts=facts)
    except (ClaimvlmError, OSError) as err:
        fail(err, 1)
    console.print(f"publish-base: {written} ({sum(p.stat().st_size for p in written.iterdir()) / 2**20:.1f} MiB)",
                  markup=False)


def register(app: typer.Typer) -> None:
    app.command("train", rich_help_panel=PANEL)(train_cmd)
    app.command("publish-base", rich_help_panel=PANEL)(publish_base_cmd)
    app.command("sweep", rich_help_panel=PANEL)(sweep_cmd)
