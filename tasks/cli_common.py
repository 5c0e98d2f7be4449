"""What every ``claimvlm`` command module shares: the console, the parameter options, reading
the command's sections, and how an expected error ends a command. The app itself is assembled
in :mod:`claimvlm.cli`; each stage's ``command.py`` registers its commands there."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn, Optional, TypeVar

import typer
from pydantic import BaseModel
from rich.console import Console

from claimvlm.settings import ConfigError, load_sections

console = Console(stderr=True)

ParamsOpt = Annotated[Path, typer.Option("--params", "-p", help="parameter file (one section per stage)")]
SetOpt = Annotated[
    Optional[list[str]],  # noqa: UP045 - typer needs Optional here
    typer.Option("--set", "-S", help="override a parameter, e.g. -S synth.num_docs=50 (repeatable)"),
]
M = TypeVar("M", bound=BaseModel)


def fail(err: Exception, code: int) -> NoReturn:
    """Print an expected error plainly (no markup, no wrapping) and exit with ``code``."""
    console.print(str(err), style="red", markup=False, soft_wrap=True)
    raise typer.Exit(code)


def sections(model: type[M], path: Path, overrides: list[str] | None) -> M:
    """The sections of params.yaml a command reads (``model``: one field per section), validated;
    a bad value ends the command with exit code 2 and the key at fault."""
    try:
        return load_sections(model, path, overrides or ())
    except ConfigError as err:
        fail(err, 2)


def actor(default: str | None = None) -> str:
    """Who runs this command, for the audit trail: $CLAIMVLM_ACTOR (a flow sets e.g.
    ``prefect:monitor``), else ``default`` (what an automatic command is), else the user."""
    import getpass
    import os

    return os.environ.get("CLAIMVLM_ACTOR") or default or f"user:{getpass.getuser()}"
