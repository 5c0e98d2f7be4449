"""The feedback stage's command, ``claimvlm export-feedback`` (reviewed documents out of the answer
store: claimvlm.feedback.export), and the store's upkeep, ``claimvlm feedback new-key | purge |
delete``. The monitor's ``check-live`` is the registry's (it moves aliases)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from claimvlm.cli_common import ParamsOpt, SetOpt, actor, console, fail, sections
from claimvlm.errors import ClaimvlmError
from claimvlm.feedback.params import FeedbackParams
from claimvlm.settings import Section

PANEL = "feedback stage · tasks/feedback"


class FeedbackSections(Section):
    feedback: FeedbackParams = FeedbackParams()


def export_feedback_cmd(
    out: Annotated[Path, typer.Argument(help="where images/ and labels/ of the reviewed documents go")],
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Reviewed documents (kept page + the correction that counts) as labelled data for collect --also OUT."""
    from claimvlm.feedback.export import export_feedback
    from claimvlm.feedback.store import open_store

    p = sections(FeedbackSections, params, set_)
    try:  # keys are needed only when there is something sealed to read
        store = open_store(p.feedback, content=False)
        try:
            done = export_feedback(store, out, accept=p.feedback.accept)
        finally:
            store.close()
    except ClaimvlmError as err:
        fail(err, 1)
    console.print(f"export-feedback: {done.exported} of {done.reviewed} reviewed documents written to {out} "
                  f"({done.without_page} without a kept page)", markup=False)


def new_key_cmd() -> None:
    """Print a new store key entry for CLAIMVLM_FEEDBACK_KEYS (put it first to rotate; keep the old
    entries after it until nothing sealed with them remains)."""
    from claimvlm.feedback.sealing import new_key_spec

    typer.echo(new_key_spec())


def purge_cmd(params: ParamsOpt = Path("params.yaml"), set_: SetOpt = None) -> None:
    """Remove answers, corrections and pages older than feedback.retention_days (audited)."""
    from claimvlm.feedback.store import open_store

    p = sections(FeedbackSections, params, set_)
    store = open_store(p.feedback, content=False)
    try:
        n = store.purge(timedelta(days=p.feedback.retention_days), actor())
    finally:
        store.close()
    console.print(f"feedback purge: {n} answers older than {p.feedback.retention_days} days removed", markup=False)


def delete_cmd(
    request_id: Annotated[str, typer.Argument(help="the request id the service answered with")],
    reason: Annotated[str, typer.Option(help="why (kept in the audit table): e.g. a data subject's request")],
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Remove one request's answer, corrections and page now (audited with who and why)."""
    from claimvlm.feedback.store import open_store

    p = sections(FeedbackSections, params, set_)
    store = open_store(p.feedback, content=False)
    try:
        found = store.delete(request_id, actor(), reason)
    finally:
        store.close()
    if not found:
        fail(ClaimvlmError(f"feedback delete: nothing is kept for request {request_id}"), 1)
    console.print(f"feedback delete: request {request_id} removed", markup=False)


def register(app: typer.Typer) -> None:
    app.command("export-feedback", rich_help_panel=PANEL)(export_feedback_cmd)
    group = typer.Typer(no_args_is_help=True, help="The feedback store: keys, retention, deletion on demand.")
    group.command("new-key")(new_key_cmd)
    group.command("purge")(purge_cmd)
    group.command("delete")(delete_cmd)
    app.add_typer(group, name="feedback", rich_help_panel=PANEL)
