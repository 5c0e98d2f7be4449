"""``claimvlm evaluate``: the evaluate stage's command (claimvlm.evaluation.stage)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from claimvlm.cli_common import ParamsOpt, SetOpt, console, fail, sections
from claimvlm.errors import ClaimvlmError
from claimvlm.evaluation.params import EvaluateParams
from claimvlm.model.params import TrackingParams
from claimvlm.settings import Section

PANEL = "evaluate stage · tasks/evaluation"


class EvaluateSections(Section):
    evaluate: EvaluateParams = EvaluateParams()
    tracking: TrackingParams = TrackingParams()


def evaluate_cmd(
    dataset: Annotated[Path, typer.Argument(help="the build stage's dataset folder (its test split is read)")],
    model: Annotated[Path, typer.Argument(help="the candidate: the train stage's packaged model folder")],
    base: Annotated[Path | None, typer.Option(help="the base model it was tuned from (the gate requires beating it)")] = None,
    reports: Annotated[Path, typer.Option(help="per-contender JSON, report.md/html, contenders.json")] = Path(
        "reports/evaluate"),
    baseline: Annotated[bool, typer.Option(help="also score the Tesseract + rules baseline")] = True,
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Score the candidate, its base, the current champion and the OCR baseline on the test split."""
    from claimvlm.evaluation.stage import evaluate

    p = sections(EvaluateSections, params, set_)
    try:
        scored = evaluate(dataset, model, base, reports, p.evaluate, p.tracking, baseline=baseline)
    except ClaimvlmError as err:
        fail(err, 1)
    table = Table(title=f"evaluation on {scored['candidate'].report.overall.documents} test documents")
    for col in ("contender", "json valid", "field exact", "critical exact", "weighted score", "CER", "BLEU"):
        table.add_column(col)
    for name, s in scored.items():
        m = s.report.overall.metrics
        table.add_row(name, *(f"{m[k]:.3f}" for k in ("json_valid_rate", "field_exact", "critical_exact",
                                                        "weighted_score", "cer")), f"{m['bleu']:.1f}")
    console.print(table)
    console.print(f"report: {reports / 'report.html'}", markup=False)


def register(app: typer.Typer) -> None:
    app.command("evaluate", rich_help_panel=PANEL)(evaluate_cmd)
