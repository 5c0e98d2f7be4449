"""The ``claimvlm`` command line, assembled: each stage's ``command.py`` registers its commands
(``register(app)``) under a help panel named after the stage, in pipeline order (dvc.yaml's).

This module only assembles. It is no DVC stage's dependency: a stage depends on its own command
module and what that imports (tests/test_stage_deps.py).
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from claimvlm.cli_common import console

# Each stage's command module, in pipeline order (dvc.yaml's), then the service and what runs the
# pipeline, with the commands and command groups it registers. A `claimvlm <command>` process
# imports only the module of its command: under `dvc repro` every stage is its own process, and the
# other modules' imports cost it 0.1-0.2 s. `claimvlm --help` (or an unknown command) loads them
# all. tests/test_packaging.py checks this table against what each module registers.
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "claimvlm.synthesis.command": ("synth",),
    "claimvlm.feedback.command": ("export-feedback", "feedback"),
    "claimvlm.collection.command": ("collect",),
    "claimvlm.privacy.command": ("anonymize", "redact-text", "redact-page", "train-pii-tagger"),
    "claimvlm.quality.command": ("qc",),
    "claimvlm.dataset.command": ("build", "pin-splits"),
    "claimvlm.training.command": ("train", "publish-base", "sweep"),
    "claimvlm.evaluation.command": ("evaluate",),
    "claimvlm.export.command": ("export",),
    "claimvlm.registry.command": ("gate", "check-champion", "check-live", "rollback", "promote", "history",
                                  "canary"),
    "claimvlm.serving.command": ("serve-api", "api-key"),
    "claimvlm.flows.command": ("deploy", "serve"),
}
VERIFY_DATA = "verify-data"


def main() -> None:
    """Read Korean insurance-claim documents into JSON with a fine-tuned VLM, and keep it improving."""
    # Offline by design: stop albumentations from checking for updates over the network.
    os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")
    if os.environ.get("DVC_STAGE"):
        _die_with_parent()


def _die_with_parent() -> None:
    """A stage run by ``dvc repro`` gets SIGTERM when dvc dies, even by SIGKILL: otherwise the stage
    lives on as an orphan that keeps writing outputs no dvc.lock will describe (the train loop
    checkpoints on SIGTERM). dvc starts a stage as ``$SHELL -c cmd``, which execs a single command,
    so dvc is the parent. Linux only (prctl); elsewhere nothing changes."""
    import signal
    import sys

    if not sys.platform.startswith("linux"):
        return
    import ctypes

    parent = os.getppid()
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:  # dvc died before the request took effect
        raise SystemExit(143)


def verify_data(
    remote: Annotated[bool, typer.Option(help="also re-hash every object in a DVC remote")] = False,
    remote_name: Annotated[Optional[str], typer.Option(help="which remote (default: the default remote)")] = None,  # noqa: UP045
) -> None:
    """Re-hash DVC's cache (and, with --remote, a remote) and name every corrupted object."""
    from claimvlm import versioning

    reports = [versioning.verify_cache(Path("."))]
    if remote or remote_name:
        reports.append(versioning.verify_remote(Path("."), remote_name))
    corrupt = [c for r in reports for c in r.corrupt]
    for c in corrupt:
        used = ", ".join(c.used_by) or "no output in dvc.lock"
        console.print(f"CORRUPT {c.where}: {c.path} (content md5 {c.actual_md5}) used by {used}",
                      style="red", markup=False, soft_wrap=True)
    missing = [m for r in reports for m in r.missing]
    for m in missing:
        console.print(f"MISSING {m.where}: object {m.oid} of {', '.join(m.used_by[:3])}"
                      + (f" and {len(m.used_by) - 3} more" if len(m.used_by) > 3 else ""),
                      style="red", markup=False, soft_wrap=True)
    console.print(f"verify-data: {sum(r.checked for r in reports)} objects re-hashed, {len(corrupt)} corrupted, "
                  f"{len(missing)} missing")
    if corrupt or missing:
        raise typer.Exit(1)


def build_app(argv: Sequence[str] | None = None) -> typer.Typer:
    """The command line; with ``argv``, only what its command needs (every module when the first
    argument names no command: ``--help``, a typo)."""
    app = typer.Typer(add_completion=False, no_args_is_help=True,
                      help="Read Korean insurance-claim documents into JSON with a fine-tuned VLM.")
    app.callback()(main)
    command = argv[0] if argv and not argv[0].startswith("-") else None
    named = [m for m, names in COMMAND_MODULES.items() if command in names]
    whole = argv is None or (not named and command != VERIFY_DATA)
    for module in COMMAND_MODULES if whole else named:
        importlib.import_module(module).register(app)
    if whole or command == VERIFY_DATA:
        app.command(VERIFY_DATA, rich_help_panel="data versioning · DVC")(verify_data)
    return app


_whole_app = functools.cache(build_app)


def __getattr__(name: str) -> Any:
    """``from claimvlm.cli import app``: the whole command line, built on first use."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return _whole_app()


def run() -> None:
    """The ``claimvlm`` console script."""
    build_app(sys.argv[1:])()


if __name__ == "__main__":  # python -m claimvlm.cli (what torchrun and accelerate launch -m run)
    run()
