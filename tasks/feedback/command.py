"""The feedback stage's command, ``claimvlm export-feedback`` (reviewed documents out of the store,
claimvlm.feedback.export), and the monitor's ``claimvlm check-live`` (claimvlm.feedback.monitor)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from claimvlm.cli_common import ParamsOpt, SetOpt, actor, console, sections
from claimvlm.evaluation.params import EvaluateParams
from claimvlm.feedback.params import FeedbackParams
from claimvlm.model.params import TrackingParams
from claimvlm.settings import Section

PANEL = "feedback stage and live quality · tasks/feedback"
LockOpt = Annotated[Path, typer.Option(help="the promotion lock shared by every pipeline on this host")]


class FeedbackSections(Section):
    feedback: FeedbackParams = FeedbackParams()


class LiveSections(FeedbackSections):
    evaluate: EvaluateParams = EvaluateParams()  # the field weights of the correction rate
    tracking: TrackingParams = TrackingParams()


def export_feedback_cmd(
    out: Annotated[Path, typer.Argument(help="where images/ and labels/ of the reviewed documents go")],
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Reviewed documents (kept page + corrected answer) as labelled data for collect --also OUT."""
    from claimvlm.feedback.export import export_feedback
    from claimvlm.feedback.store import FeedbackStore

    p = sections(FeedbackSections, params, set_)
    store = FeedbackStore(p.feedback.store_url)
    try:
        done = export_feedback(store, out)
    finally:
        store.close()
    console.print(f"export-feedback: {done.exported} of {done.reviewed} reviewed documents written to {out} "
                  f"({done.without_page} without a kept page)", markup=False)


def check_live_cmd(
    lock: LockOpt = Path("mlflow/registry.lock"),
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Reviewers' corrections per version: roll a worse champion back; withdraw or promote a canary.
    Exit 2 when it rolled back or withdrew a canary (the output says which), 0 otherwise."""
    from claimvlm.feedback.monitor import check_live
    from claimvlm.feedback.store import FeedbackStore
    from claimvlm.registry.session import registry_session

    with registry_session(LiveSections, params, set_) as (p, client):
        store = FeedbackStore(p.feedback.store_url)
        try:
            done = check_live(client, p.tracking.registered_model, store, p.feedback.rollback,
                              p.evaluate.field_weights, lock_path=lock, actor=actor("monitor:live-quality"))
        finally:
            store.close()
    for line in done.lines():
        console.print(line, markup=False, soft_wrap=True)
    if any(e.action in ("rollback", "canary_end") for e in done.events):
        raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    app.command("export-feedback", rich_help_panel=PANEL)(export_feedback_cmd)
    app.command("check-live", rich_help_panel=PANEL)(check_live_cmd)
