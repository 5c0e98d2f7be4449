"""``claimvlm synth``: the synth stage's command (claimvlm.synthesis.generate, and the gallery)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from claimvlm.cli_common import ParamsOpt, SetOpt, console, fail, sections
from claimvlm.parallel import ExecutorParams
from claimvlm.settings import Section
from claimvlm.synthesis.params import SynthParams

PANEL = "synth stage · tasks/synthesis"


class SynthSections(Section):
    synth: SynthParams = SynthParams()
    executor: ExecutorParams = ExecutorParams()


def synth(
    out: Annotated[Optional[Path], typer.Argument(help="output folder for the generated documents")] = None,  # noqa: UP045
    gallery: Annotated[Optional[Path], typer.Option(help="also write a PNG contact sheet here")] = None,  # noqa: UP045
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Render synthetic claim documents (images, labels, boxes, metadata) into OUT."""
    from rich.table import Table

    from claimvlm.synthesis import fonts, generate
    from claimvlm.synthesis import gallery as gallery_mod

    if out is None and gallery is None:
        raise typer.BadParameter("give an output folder, --gallery PATH, or both")
    loaded = sections(SynthSections, params, set_)
    p = loaded.synth
    try:
        if out is not None:
            result = generate.run(p, out, executor=loaded.executor)
            table = Table(title=f"synth: {result.manifest['num_docs']} documents in {out}")
            for group, counts in result.manifest["counts"].items():
                table.add_row(group, ", ".join(f"{k}={v}" for k, v in counts.items()))
            console.print(table)
            rate = result.manifest["num_docs"] / result.seconds["wall"]
            ex = loaded.executor
            where = (f"{result.workers} process(es)" if ex.kind == "local"
                     else f"Dask {ex.address or f'LocalCluster of {ex.dask_workers} workers'}")
            console.print(f"{rate:.1f} documents/s on {where}")
        if gallery is not None:
            console.print(f"gallery: {gallery_mod.contact_sheet(p, gallery)}")
    except fonts.FontError as err:
        fail(err, 3)
    except FileExistsError as err:
        fail(err, 2)


def register(app: typer.Typer) -> None:
    app.command("synth", rich_help_panel=PANEL)(synth)
