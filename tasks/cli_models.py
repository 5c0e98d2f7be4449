"""The ``claimvlm`` model commands: train, sweep, evaluate, gate, rollback. Each is a thin shell
over one library function; parameters are loaded once here and each function gets its section."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer
from rich.table import Table

from tasks.cli_common import ParamsOpt, SetOpt, _actor, _params, app, console, fail

if TYPE_CHECKING:
    from tasks.config import Params


@app.command("train")
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
    from tasks.training import sanity
    from tasks.training.stage import train

    p = _params(params, set_)
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
    except sanity.TRAINING_ERRORS as err:
        fail(err, 1)
    if result.model_uri is not None:
        best = "" if result.best_val_loss is None else f", best val loss {result.best_val_loss:.3f} at step {result.best_step}"
        console.print(f"train: {result.steps} steps{' (resumed at ' + str(result.resumed_at) + ')' if result.resumed_at else ''}"
                      f", loss {result.final_loss:.3f}{best}; {result.samples_per_s:.1f} samples/s; "
                      f"MLflow run {result.run_id}, model {result.model_uri}", markup=False, soft_wrap=True)



@app.command("sweep")
def sweep_cmd(
    dataset: Annotated[Path, typer.Argument(help="the build stage's dataset folder")],
    out: Annotated[Path, typer.Option(help="scratch folder for the trials (the tiny base is built once here)")] = Path(
        "models/sweep"),
    write_params: Annotated[bool, typer.Option(help="write the best values into the train section of --params")] = False,
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Search sweep.space with Optuna, each trial a nested MLflow run scored by validation loss."""
    from tasks.training import sanity
    from tasks.training.sweep import sweep, write_best

    p = _params(params, set_)
    try:
        result = sweep(dataset, out, p.train, p.sweep, p.tracking)
    except sanity.TRAINING_ERRORS as err:
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


@app.command("evaluate")
def evaluate_cmd(
    dataset: Annotated[Path, typer.Argument(help="the build stage's dataset folder (its test split is read)")],
    model: Annotated[Path, typer.Argument(help="the candidate: the train stage's packaged model folder")],
    base: Annotated[Path | None, typer.Option(help="the base model it was tuned from (the gate requires beating it)")] = None,
    reports: Annotated[Path, typer.Option(help="per-contender JSON, report.md/html, contenders.json")] = Path(
        "reports/evaluate"),
    baseline: Annotated[bool, typer.Option(help="also score the Tesseract + rules baseline")] = True,
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Score the candidate, its base, the current champion and the OCR baseline on the test split."""
    from tasks.evaluation.stage import evaluate
    from tasks.training import sanity

    p = _params(params, set_)
    try:
        scored = evaluate(dataset, model, base, reports, p.evaluate, p.tracking, baseline=baseline)
    except sanity.TRAINING_ERRORS as err:
        fail(err, 1)
    table = Table(title=f"evaluation on {scored['candidate'].report.overall.documents} test documents")
    for col in ("contender", "json valid", "field exact", "critical exact", "weighted score", "CER"):
        table.add_column(col)
    for name, s in scored.items():
        m = s.report.overall.metrics
        table.add_row(name, *(f"{m[k]:.3f}" for k in ("json_valid_rate", "field_exact", "critical_exact",
                                                        "weighted_score", "cer")))
    console.print(table)
    console.print(f"report: {reports / 'report.html'}", markup=False)


LockOpt = Annotated[Path, typer.Option(help="the promotion lock shared by every pipeline on this host")]


def _registry(tracking: object) -> object:
    """A client on the configured store (MLflow resolves models:/ URIs through the global URI)."""
    from mlflow.tracking import MlflowClient

    from tasks.training.tracking import configure

    return MlflowClient(configure(tracking))  # type: ignore[arg-type]


@contextmanager
def registry_session(params: Path, set_: list[str] | None) -> Iterator[tuple[Params, Any]]:
    """The parameters and a registry client; a refused registry operation ends the command with
    its message (exit 1), nothing changed."""
    from tasks.registry.registry import RegistryError

    p = _params(params, set_)
    try:
        yield p, _registry(p.tracking)
    except RegistryError as err:
        fail(err, 1)


@app.command("gate")
def gate_cmd(
    evaluation: Annotated[Path, typer.Argument(help="the evaluate stage's reports folder")],
    train_run: Annotated[Path, typer.Argument(help="the train stage's run.json (MLflow run and model URI)")],
    dataset: Annotated[Path, typer.Option(help="the dataset whose canary pages the smoke check re-reads")] = Path(
        "data/dataset"),
    out: Annotated[Path, typer.Option(help="decision.json goes here")] = Path("reports/gate"),
    export: Annotated[Optional[Path], typer.Option(  # noqa: UP045 - typer needs Optional here
        help="the export stage's reports folder: its parity verdict is one of the gate's checks")] = None,
    lock: LockOpt = Path("mlflow/registry.lock"),
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Decide on the candidate; register it; on pass promote it to champion behind a smoke check."""
    from tasks.evaluation.stage import canary_reproducer
    from tasks.registry.registry import RegistryError
    from tasks.registry.stage import run_gate

    p = _params(params, set_)
    try:
        result = run_gate(evaluation, train_run, out, p.gate, p.evaluate, p.tracking, lock_path=lock,
                          reproduce=canary_reproducer(dataset, p.evaluate),
                          export_metrics=export / "metrics.json" if export is not None else None)
    except (RegistryError, FileNotFoundError, ValueError) as err:
        fail(err, 1)
    verdict = "PROMOTE" if result.decision.promote else "REJECT"
    console.print(f"gate: {verdict} version {result.version} of {p.tracking.registered_model}", markup=False)
    for reason in result.decision.reasons:
        console.print(f"  - {reason}", markup=False, soft_wrap=True)
    if result.smoke is not None:
        state = "passed" if result.smoke["passed"] else "FAILED, rolled back: " + "; ".join(result.smoke["failures"])
        console.print(f"post-promotion smoke check {state}", markup=False, soft_wrap=True)
    console.print(f"champion is now {result.champion or 'none'}", markup=False)


@app.command("check-champion")
def check_champion_cmd(
    dataset: Annotated[Path, typer.Argument(help="the dataset holding the canary pages (its test split)")],
    lock: LockOpt = Path("mlflow/registry.lock"),
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Re-check the champion through models:/NAME@champion on its canary pages; roll back when it fails."""
    from tasks.evaluation.stage import canary_reproducer
    from tasks.registry.smoke import check_champion

    with registry_session(params, set_) as (p, client):
        done = check_champion(client, p.tracking.registered_model,
                              reproducer_for=lambda ids: canary_reproducer(dataset, p.evaluate, ids),
                              tolerance=p.gate.reproduce_tolerance, lock_path=lock)
    if done.version is None:
        console.print("check-champion: no champion yet", markup=False)
    elif done.smoke is not None and done.smoke.passed:
        console.print(f"check-champion: v{done.version} reproduces its canary numbers", markup=False)
    else:
        where = f"rolled back to {done.rollback.champion or 'none'}" if done.rollback else "not rolled back"
        failures = "; ".join(done.smoke.failures) if done.smoke else ""
        console.print(f"check-champion: v{done.version} FAILED ({failures}); {where}", markup=False, soft_wrap=True)
        raise typer.Exit(2)


@app.command("rollback")
def rollback_cmd(
    reason: Annotated[str, typer.Option(help="why (recorded on both versions)")],
    lock: LockOpt = Path("mlflow/registry.lock"),
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Move champion back to the version it replaced."""
    from tasks.registry.registry import rollback

    with registry_session(params, set_) as (p, client):
        done = rollback(client, p.tracking.registered_model, reason=reason, lock_path=lock, actor=_actor())
    console.print(f"rollback: champion {done.replaced} -> {done.champion} ({reason})", markup=False)


# Orchestration: these two commands reach into flows/ (Prefect), imported only when they run, so
# the library and every other command stay free of Prefect.
PipelinesOpt = Annotated[Path, typer.Option("--pipelines", help="deployments, schedules, work pools")]


def _pipelines(path: Path) -> object:
    from tasks.orchestration import PipelinesError, load_pipelines

    try:
        return load_pipelines(path)
    except PipelinesError as err:
        fail(err, 2)


@app.command("deploy")
def deploy_cmd(pipelines: PipelinesOpt = Path("pipelines.yaml"),
               project: Annotated[Path, typer.Option(help="the checkout the flows run in")] = Path(".")) -> None:
    """Apply pipelines.yaml to the Prefect server at PREFECT_API_URL (missing work pools and limits created)."""
    from flows.deploy import deploy

    spec = _pipelines(pipelines)
    for name, dep_id in deploy(spec, project).items():  # type: ignore[arg-type]
        console.print(f"deployment {name}: {dep_id}", markup=False)


@app.command("serve")
def serve_cmd(pipelines: PipelinesOpt = Path("pipelines.yaml"),
              project: Annotated[Path, typer.Option(help="the checkout the flows run in")] = Path("."),
              limit: Annotated[Optional[int], typer.Option(help="flow runs at once")] = None) -> None:  # noqa: UP045
    """Serve every deployment of pipelines.yaml from this process (single-machine set-up; Ctrl-C stops)."""
    from flows.deploy import serve

    try:
        serve(_pipelines(pipelines), project, limit=limit)  # type: ignore[arg-type]
    except ValueError as err:
        fail(err, 2)
