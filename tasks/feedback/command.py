"""The feedback stage's command, ``claimvlm export-feedback``: reviewed documents out of the answer
store (claimvlm.feedback.export). The monitor's ``check-live`` is the registry's (it moves aliases)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from claimvlm.cli_common import ParamsOpt, SetOpt, console, sections
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


def register(app: typer.Typer) -> None:
    app.command("export-feedback", rich_help_panel=PANEL)(export_feedback_cmd)
