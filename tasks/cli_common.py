"""What every ``claimvlm`` command shares: the app, the console, the parameter options, errors."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer
from rich.console import Console

from tasks.config import ConfigError, Params, load_params

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Read Korean insurance-claim documents into JSON with a fine-tuned VLM.")
console = Console(stderr=True)

ParamsOpt = Annotated[Path, typer.Option("--params", "-p", help="parameter file (one section per stage)")]
SetOpt = Annotated[
    Optional[list[str]],  # noqa: UP045 - typer needs Optional here
    typer.Option("--set", "-S", help="override a parameter, e.g. -S synth.num_docs=50 (repeatable)"),
]


def fail(err: Exception, code: int) -> NoReturn:
    """Print an expected error plainly (no markup, no wrapping) and exit with ``code``."""
    console.print(str(err), style="red", markup=False, soft_wrap=True)
    raise typer.Exit(code)


def _params(path: Path, overrides: list[str] | None) -> Params:
    try:
        return load_params(path, overrides or ())
    except ConfigError as err:
        fail(err, 2)


def _actor(default: str | None = None) -> str:
    """Who runs this command, for the audit trail: $CLAIMVLM_ACTOR (a flow sets e.g.
    ``prefect:monitor``), else ``default`` (what an automatic command is), else the user."""
    import getpass
    import os

    return os.environ.get("CLAIMVLM_ACTOR") or default or f"user:{getpass.getuser()}"
