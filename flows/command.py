"""``claimvlm deploy`` and ``claimvlm serve``: pipelines.yaml applied to a Prefect server, or served
from one process. Prefect is imported only when they run, so every other command stays free of it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from claimvlm.cli_common import console, fail

PANEL = "orchestration · flows/ (Prefect)"
PipelinesOpt = Annotated[Path, typer.Option("--pipelines", help="deployments, schedules, work pools")]


def _pipelines(path: Path) -> object:
    from claimvlm.orchestration import PipelinesError, load_pipelines

    try:
        return load_pipelines(path)
    except PipelinesError as err:
        fail(err, 2)


def deploy_cmd(pipelines: PipelinesOpt = Path("pipelines.yaml"),
               project: Annotated[Path, typer.Option(help="the checkout the flows run in")] = Path(".")) -> None:
    """Apply pipelines.yaml to the Prefect server at PREFECT_API_URL (missing work pools and limits created)."""
    from claimvlm.flows.deploy import deploy

    spec = _pipelines(pipelines)
    for name, dep_id in deploy(spec, project).items():  # type: ignore[arg-type]
        console.print(f"deployment {name}: {dep_id}", markup=False)


def serve_cmd(pipelines: PipelinesOpt = Path("pipelines.yaml"),
              project: Annotated[Path, typer.Option(help="the checkout the flows run in")] = Path("."),
              limit: Annotated[Optional[int], typer.Option(help="flow runs at once")] = None) -> None:  # noqa: UP045
    """Serve every deployment of pipelines.yaml from this process (single-machine set-up; Ctrl-C stops)."""
    from claimvlm.flows.deploy import serve

    try:
        serve(_pipelines(pipelines), project, limit=limit)  # type: ignore[arg-type]
    except ValueError as err:
        fail(err, 2)


def register(app: typer.Typer) -> None:
    app.command("deploy", rich_help_panel=PANEL)(deploy_cmd)
    app.command("serve", rich_help_panel=PANEL)(serve_cmd)
