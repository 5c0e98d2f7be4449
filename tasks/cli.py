"""The ``claimvlm`` command line: one subcommand per DVC stage, each a thin shell over one
library function. Parameters are loaded once here and each function gets its section."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from tasks.config import ConfigError, Params, load_params

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
console = Console(stderr=True)

ParamsOpt = Annotated[Path, typer.Option("--params", "-p", help="parameter file (one section per stage)")]
SetOpt = Annotated[
    Optional[list[str]],  # noqa: UP045 - typer needs Optional here
    typer.Option("--set", "-S", help="override a parameter, e.g. -S synth.num_docs=50 (repeatable)"),
]


def fail(err: Exception, code: int) -> None:
    """Print an expected error plainly (no markup, no wrapping) and exit with ``code``."""
    console.print(str(err), style="red", markup=False, soft_wrap=True)
    raise typer.Exit(code)


def _params(path: Path, overrides: list[str] | None) -> Params:
    try:
        return load_params(path, overrides or ())
    except ConfigError as err:
        fail(err, 2)


@app.callback()
def main() -> None:
    """Read Korean insurance-claim documents into JSON with a fine-tuned VLM, and keep it improving."""
    # Offline by design: stop albumentations from checking for updates over the network.
    os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")


@app.command()
def synth(
    out: Annotated[Optional[Path], typer.Argument(help="output folder for the generated documents")] = None,  # noqa: UP045
    gallery: Annotated[Optional[Path], typer.Option(help="also write a PNG contact sheet here")] = None,  # noqa: UP045
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Render synthetic claim documents (images, labels, boxes, metadata) into OUT."""
    from tasks.synthesis import fonts, gallery as gallery_mod, generate

    if out is None and gallery is None:
        raise typer.BadParameter("give an output folder, --gallery PATH, or both")
    p = _params(params, set_).synth
    try:
        if out is not None:
            result = generate.run(p, out)
            table = Table(title=f"synth: {result.manifest['num_docs']} documents in {out}")
            for group, counts in result.manifest["counts"].items():
                table.add_row(group, ", ".join(f"{k}={v}" for k, v in counts.items()))
            console.print(table)
            rate = result.manifest["num_docs"] / result.seconds["wall"]
            console.print(f"{rate:.1f} documents/s on {result.workers} process(es)")
        if gallery is not None:
            console.print(f"gallery: {gallery_mod.contact_sheet(p, gallery)}")
    except fonts.FontError as err:
        fail(err, 3)
    except FileExistsError as err:
        fail(err, 2)
