"""The production loop's commands: the audit trail, canaries, promotion by hand and the
live-quality check (registered on ``tasks.cli_common.app``; tasks/cli.py imports this module)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from tasks.cli_common import ParamsOpt, SetOpt, _actor, _params, app, console
from tasks.cli_models import LockOpt, _registry, registry_session

canary_app = typer.Typer(no_args_is_help=True, help="Send a share of traffic to a gate-approved version.")
app.add_typer(canary_app, name="canary")


@app.command("history")
def history_cmd(
    limit: Annotated[int, typer.Option(help="the most recent events")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines, evidence included")] = False,
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Promotions, canaries and rollbacks: when, what moved, who or what moved it, and why."""
    from tasks.registry.registry import history

    p = _params(params, set_)
    events = history(_registry(p.tracking), p.tracking.registered_model)[-limit:]  # type: ignore[arg-type]
    if as_json:
        for event in events:
            typer.echo(json.dumps(event, ensure_ascii=False))
        return
    table = Table("at (UTC)", "action", "champion", "before", "canary", "actor", "reason", title=p.tracking.registered_model)
    for e in events:
        table.add_row(e["at"], e["action"], str(e.get("champion")), str(e.get("replaced")),
                      str(e.get("challenger") or ""), e.get("actor", "unknown"), e["reason"][:80])
    console.print(table)


@app.command("promote")
def promote_cmd(
    version: Annotated[str, typer.Argument(help="a gate-approved version")],
    reason: Annotated[str, typer.Option(help="why (recorded on the version and in the history)")],
    expected_champion: Annotated[str, typer.Option(help="the champion you compared against ('none': none)")],
    lock: LockOpt = Path("mlflow/registry.lock"),
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Make VERSION the champion (blue-green: serving swaps to it without downtime)."""
    from tasks.registry.registry import promote

    expected = None if expected_champion == "none" else expected_champion
    with registry_session(params, set_) as (p, client):
        done = promote(client, p.tracking.registered_model, version, expected_champion=expected, lock_path=lock,
                       reason=reason, actor=_actor())
    console.print(f"promote: champion {done.replaced or 'none'} -> {done.champion} ({reason})", markup=False)


@canary_app.command("start")
def canary_start_cmd(
    version: Annotated[str, typer.Argument(help="a gate-approved version that is not the champion")],
    reason: Annotated[str, typer.Option(help="why")] = "canary",
    lock: LockOpt = Path("mlflow/registry.lock"),
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Point the challenger alias at VERSION: services with serve.canary_share > 0 send it that share."""
    from tasks.registry.registry import start_canary

    with registry_session(params, set_) as (p, client):
        start_canary(client, p.tracking.registered_model, version, lock_path=lock, reason=reason, actor=_actor())
    console.print(f"canary: v{version} gets {p.serve.canary_share:.0%} of traffic where serve.canary_share is "
                  "as here", markup=False)


@canary_app.command("end")
def canary_end_cmd(
    reason: Annotated[str, typer.Option(help="why")],
    lock: LockOpt = Path("mlflow/registry.lock"),
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Withdraw the canary."""
    from tasks.registry.registry import end_canary

    with registry_session(params, set_) as (p, client):
        done = end_canary(client, p.tracking.registered_model, lock_path=lock, reason=reason, actor=_actor())
    console.print(f"canary v{done.challenger} withdrawn ({reason})", markup=False)


@app.command("check-live")
def check_live_cmd(
    lock: LockOpt = Path("mlflow/registry.lock"),
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Reviewers' corrections per version: roll a worse champion back; withdraw or promote a canary.
    Exit 2 when it rolled back or withdrew a canary (the output says which), 0 otherwise."""
    from tasks.feedback.monitor import check_live
    from tasks.feedback.store import FeedbackStore

    with registry_session(params, set_) as (p, client):
        store = FeedbackStore(p.feedback.store_url)
        try:
            done = check_live(client, p.tracking.registered_model, store, p.feedback.rollback,
                              p.evaluate.field_weights, lock_path=lock, actor=_actor("monitor:live-quality"))
        finally:
            store.close()
    for line in done.lines():
        console.print(line, markup=False, soft_wrap=True)
    if any(e.action in ("rollback", "canary_end") for e in done.events):
        raise typer.Exit(2)



@app.command("export-feedback")
def export_feedback_cmd(
    out: Annotated[Path, typer.Argument(help="where images/ and labels/ of the reviewed documents go")],
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Reviewed documents (kept page + corrected answer) as labelled data for collect --also OUT."""
    from tasks.feedback.export import export_feedback
    from tasks.feedback.store import FeedbackStore

    p = _params(params, set_)
    store = FeedbackStore(p.feedback.store_url)
    try:
        done = export_feedback(store, out)
    finally:
        store.close()
    console.print(f"export-feedback: {done.exported} of {done.reviewed} reviewed documents written to {out} "
                  f"({done.without_page} without a kept page)", markup=False)
