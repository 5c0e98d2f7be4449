"""``claimvlm qc``: the qc stage's command (claimvlm.quality.stage)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from claimvlm.cli_common import ParamsOpt, SetOpt, console, fail, sections
from claimvlm.parallel import ExecutorParams
from claimvlm.quality.params import QcParams
from claimvlm.settings import Section

PANEL = "qc stage · tasks/quality"


class QcSections(Section):
    qc: QcParams = QcParams()
    executor: ExecutorParams = ExecutorParams()


def qc(
    src: Annotated[Path, typer.Argument(help="pseudonymised documents")],
    out: Annotated[Path, typer.Argument(help="documents that passed every check")],
    quarantine: Annotated[Path, typer.Option(help="failing documents, with their reasons")],
    reports: Annotated[Path, typer.Option(help="summary and great-expectations Data Docs")],
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Great-expectations label suite, page image checks and a second OCR reading; quarantine failures."""
    from claimvlm.quality.stage import QcError
    from claimvlm.quality.stage import qc as run_qc

    loaded = sections(QcSections, params, set_)
    try:
        result = run_qc(src, out, quarantine, reports, loaded.qc, executor=loaded.executor)
    except QcError as err:
        fail(err, 1)
    noise = result.label_noise
    # Said every run: a sampled second reading is a check that did not look at every page.
    reading = (f"second reading of {noise['read']} of {noise['due']} pages due"
               f"{' (sample ' + format(noise['sample'], 'g') + ')' if noise['not_read'] else ''}"
               if noise.get("enabled") else "second reading off")
    console.print(f"qc: {result.documents} documents = {result.passed} passed + {result.quarantined} quarantined "
                  f"({result.fail_rate:.1%}); {result.by_check or 'no failures'}; {reading}; "
                  f"Data Docs: {result.data_docs}")


def register(app: typer.Typer) -> None:
    app.command("qc", rich_help_panel=PANEL)(qc)
