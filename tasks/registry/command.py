"""The gate stage's command and the registry's: ``claimvlm gate`` (claimvlm.registry.stage),
``check-champion`` and ``check-live`` (the monitor's checks), ``rollback``, ``promote``,
``canary start|end`` and ``history``: every move of the ``champion`` and ``challenger`` aliases,
each recorded with its actor and reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from claimvlm.cli_common import ParamsOpt, SetOpt, actor, console, fail, sections
from claimvlm.errors import ClaimvlmError
from claimvlm.evaluation.params import EvaluateParams
from claimvlm.feedback.params import FeedbackParams
from claimvlm.model.params import TrackingParams
from claimvlm.registry.params import GateParams
from claimvlm.registry.session import registry_client, registry_session
from claimvlm.settings import Section

PANEL = "gate stage and the registry · tasks/registry"
LockOpt = Annotated[Path, typer.Option(help="the promotion lock shared by every pipeline on this host")]


class RegistrySections(Section):
    gate: GateParams = GateParams()
    evaluate: EvaluateParams = EvaluateParams()
    tracking: TrackingParams = TrackingParams()


class LiveSections(RegistrySections):
    feedback: FeedbackParams = FeedbackParams()  # the store of reviewers' corrections, the rollback policy


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
    from claimvlm.evaluation.stage import canary_reproducer
    from claimvlm.registry.registry import RegistryError
    from claimvlm.registry.stage import run_gate

    p = sections(RegistrySections, params, set_)
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


def check_champion_cmd(
    dataset: Annotated[Path, typer.Argument(help="the dataset holding the canary pages (its test split)")],
    lock: LockOpt = Path("mlflow/registry.lock"),
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Re-check the champion through models:/NAME@champion on its canary pages; roll back when it fails."""
    from claimvlm.evaluation.stage import canary_reproducer
    from claimvlm.registry.smoke import check_champion

    with registry_session(RegistrySections, params, set_) as (p, client):
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


def rollback_cmd(
    reason: Annotated[str, typer.Option(help="why (recorded on both versions)")],
    lock: LockOpt = Path("mlflow/registry.lock"),
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Move champion back to the version it replaced."""
    from claimvlm.registry.registry import rollback

    with registry_session(RegistrySections, params, set_) as (p, client):
        done = rollback(client, p.tracking.registered_model, reason=reason, lock_path=lock, actor=actor())
    console.print(f"rollback: champion {done.replaced} -> {done.champion} ({reason})", markup=False)


def promote_cmd(
    version: Annotated[str, typer.Argument(help="a gate-approved version")],
    reason: Annotated[str, typer.Option(help="why (recorded on the version and in the history)")],
    expected_champion: Annotated[str, typer.Option(help="the champion you compared against ('none': none)")],
    lock: LockOpt = Path("mlflow/registry.lock"),
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Make VERSION the champion (blue-green: serving swaps to it without downtime)."""
    from claimvlm.registry.registry import promote

    expected = None if expected_champion == "none" else expected_champion
    with registry_session(RegistrySections, params, set_) as (p, client):
        done = promote(client, p.tracking.registered_model, version, expected_champion=expected, lock_path=lock,
                       reason=reason, actor=actor())
    console.print(f"promote: champion {done.replaced or 'none'} -> {done.champion} ({reason})", markup=False)


def canary_start_cmd(
    version: Annotated[str, typer.Argument(help="a gate-approved version that is not the champion")],
    reason: Annotated[str, typer.Option(help="why")] = "canary",
    lock: LockOpt = Path("mlflow/registry.lock"),
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Point the challenger alias at VERSION: services with serve.canary_share > 0 send it that share."""
    from claimvlm.registry.registry import start_canary

    with registry_session(RegistrySections, params, set_) as (p, client):
        start_canary(client, p.tracking.registered_model, version, lock_path=lock, reason=reason, actor=actor())
    console.print(f"canary: v{version} is the challenger; each service sends it its serve.canary_share of traffic",
                  markup=False)


def canary_end_cmd(
    reason: Annotated[str, typer.Option(help="why")],
    lock: LockOpt = Path("mlflow/registry.lock"),
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Withdraw the canary."""
    from claimvlm.registry.registry import end_canary

    with registry_session(RegistrySections, params, set_) as (p, client):
        done = end_canary(client, p.tracking.registered_model, lock_path=lock, reason=reason, actor=actor())
    console.print(f"canary v{done.challenger} withdrawn ({reason})", markup=False)


def history_cmd(
    limit: Annotated[int, typer.Option(help="the most recent events")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines, evidence included")] = False,
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Promotions, canaries and rollbacks: when, what moved, who or what moved it, and why."""
    from claimvlm.registry.registry import history

    p = sections(RegistrySections, params, set_)
    events = history(registry_client(p.tracking), p.tracking.registered_model)[-limit:]
    if as_json:
        for event in events:
            typer.echo(json.dumps(event, ensure_ascii=False))
        return
    table = Table("at (UTC)", "action", "champion", "before", "canary", "actor", "reason", title=p.tracking.registered_model)
    for e in events:
        table.add_row(e["at"], e["action"], str(e.get("champion")), str(e.get("replaced")),
                      str(e.get("challenger") or ""), e.get("actor", "unknown"), e["reason"][:80])
    console.print(table)


def check_live_cmd(
    lock: LockOpt = Path("mlflow/registry.lock"),
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Reviewers' corrections per version: roll a worse champion back; withdraw or promote a canary.
    Exit 2 when it rolled back or withdrew a canary (the output says which), 0 otherwise."""
    from claimvlm.feedback.monitor import check_live
    from claimvlm.feedback.store import open_store

    with registry_session(LiveSections, params, set_) as (p, client):
        try:  # the keys are needed once there are sealed corrections to read
            store = open_store(p.feedback, content=False)
            try:
                done = check_live(client, p.tracking.registered_model, store, p.feedback.rollback,
                                  p.evaluate.field_weights, lock_path=lock, actor=actor("monitor:live-quality"),
                                  accept=p.feedback.accept)
            finally:
                store.close()
        except ClaimvlmError as err:
            fail(err, 1)
    for line in done.lines():
        console.print(line, markup=False, soft_wrap=True)
    if any(e.action in ("rollback", "canary_end") for e in done.events):
        raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    for name, command in (("gate", gate_cmd), ("check-champion", check_champion_cmd), ("check-live", check_live_cmd),
                          ("rollback", rollback_cmd), ("promote", promote_cmd), ("history", history_cmd)):
        app.command(name, rich_help_panel=PANEL)(command)
    canary = typer.Typer(no_args_is_help=True, help="Send a share of traffic to a gate-approved version.")
    canary.command("start")(canary_start_cmd)
    canary.command("end")(canary_end_cmd)
    app.add_typer(canary, name="canary", rich_help_panel=PANEL)
