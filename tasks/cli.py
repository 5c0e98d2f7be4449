"""The ``claimvlm`` command line, assembled: each stage's ``command.py`` registers its commands
(``register(app)``) under a help panel named after the stage, in pipeline order (dvc.yaml's).

This module only assembles. It is no DVC stage's dependency: a stage depends on its own command
module and what that imports (tests/test_stage_deps.py).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from claimvlm.cli_common import console
from claimvlm.collection import command as collect
from claimvlm.dataset import command as build
from claimvlm.evaluation import command as evaluate
from claimvlm.export import command as export
from claimvlm.feedback import command as feedback
from claimvlm.flows import command as flows
from claimvlm.privacy import command as anonymize
from claimvlm.quality import command as qc
from claimvlm.registry import command as gate
from claimvlm.serving import command as serve
from claimvlm.synthesis import command as synth
from claimvlm.training import command as train

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Read Korean insurance-claim documents into JSON with a fine-tuned VLM.")


@app.callback()
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


# Pipeline order (dvc.yaml), then the service and what runs the pipeline.
for stage in (synth, feedback, collect, anonymize, qc, build, train, evaluate, export, gate, serve, flows):
    stage.register(app)
app.command("verify-data", rich_help_panel="data versioning · DVC")(verify_data)

if __name__ == "__main__":  # python -m claimvlm.cli (what torchrun and accelerate launch -m run)
    app()
