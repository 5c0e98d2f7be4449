"""``claimvlm export``: the merged and int8 serving artefacts of a trained package, measured and
checked (claimvlm.export.stage). Settings come from params.yaml's ``export`` section, the scoring
from ``evaluate``, the prompt from ``build.instruction``. Exit code 2 when an export fails parity,
after the report is written: a pipeline must not ship it, and a reviewer can read why."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from claimvlm.cli_common import ParamsOpt, SetOpt, console, fail, sections
from claimvlm.dataset.params import BuildParams
from claimvlm.errors import ClaimvlmError
from claimvlm.evaluation.params import EvaluateParams
from claimvlm.export.params import ExportParams
from claimvlm.model.params import TrackingParams
from claimvlm.settings import Section

PANEL = "export stage · tasks/export"


class ExportSections(Section):
    export: ExportParams = ExportParams()
    evaluate: EvaluateParams = EvaluateParams()  # each export is scored like the model
    tracking: TrackingParams = TrackingParams()
    build: BuildParams = BuildParams()  # the instruction every page is read with


def export_command(
    dataset: Annotated[Path, typer.Argument(help="the build stage's dataset folder (its test split is read)")],
    model_dir: Annotated[Path, typer.Argument(help="the trained model package (train stage's model/)")],
    out_dir: Annotated[Path, typer.Argument(help="where merged/ and int8/ are written")],
    reports: Annotated[Path, typer.Option("--reports", help="metrics.json, report.md, evaluations")],
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
    progress: Annotated[bool, typer.Option(help="progress bars")] = True,
    fail_on_parity: Annotated[bool, typer.Option(
        help="exit 2 when parity fails; --no-fail-on-parity leaves the verdict to the gate (dvc.yaml)")] = True,
) -> None:
    """Export merged and int8 copies of a model, evaluate them, and check parity on the canary pages."""
    from rich.table import Table

    from claimvlm.export.stage import export

    loaded = sections(ExportSections, params, set_)
    try:
        result = export(dataset, model_dir, out_dir, reports, loaded.export, loaded.evaluate, loaded.tracking,
                        loaded.build.instruction, progress)
    except ClaimvlmError as err:
        fail(err, 1)
    table = Table(title=f"export of {model_dir}")
    for col in ("variant", "size MB", "s/page", "weighted score (Δ)", "servable"):
        table.add_column(col)
    for v in result.variants.values():
        table.add_row(v.name, f"{v.disk_bytes / 2**20:.1f}", f"{v.s_per_page:.2f}",
                      f"{v.metrics['weighted_score']:.3f} ({v.deltas['weighted_score']:+.3f})",
                      f"{'yes' if v.servable else 'NO'}: {v.reason}")
    console.print(table)
    for row in result.weight_only.values():  # the optional AWQ/GPTQ rows (GPU only)
        size = "" if row.disk_bytes is None else f", {row.disk_bytes / 2**20:.1f} MB"
        console.print(f"{row.name}: {row.status}{size}", markup=False)
    console.print(f"report: {result.report_path}", markup=False)
    if not result.passed:
        console.print("parity failed: " + "; ".join(result.parity.reasons()), style="red", markup=False,
                      soft_wrap=True)
        if fail_on_parity:
            raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    app.command("export", rich_help_panel=PANEL)(export_command)
