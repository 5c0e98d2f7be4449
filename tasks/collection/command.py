"""``claimvlm collect``: the collect stage's command (claimvlm.collection.stage)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from claimvlm.cli_common import ParamsOpt, SetOpt, console, fail, sections
from claimvlm.collection.params import CollectParams
from claimvlm.settings import Section

PANEL = "collect stage · tasks/collection"


class CollectSections(Section):
    collect: CollectParams = CollectParams()


def collect(
    source: Annotated[str, typer.Argument(help="a folder, or s3://bucket/prefix")],
    out: Annotated[Path, typer.Argument(help="collected documents (images/, labels/, boxes/, meta/)")],
    quarantine: Annotated[Path, typer.Option(help="where bad input goes, with reasons")],
    also: Annotated[Optional[list[str]], typer.Option(  # noqa: UP045 - typer needs Optional here
        help="another source read with SOURCE (repeatable), e.g. the reviewers' corrected documents")] = None,
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Collect raw documents from a folder or S3, incrementally; bad input goes to quarantine."""
    from claimvlm.collection.stage import CollectError
    from claimvlm.collection.stage import collect as run_collect

    p = sections(CollectSections, params, set_).collect
    try:
        result = run_collect(source, out, quarantine, p, also=also or ())
    except CollectError as err:
        fail(err, 1)
    reasons = ", ".join(f"{k}={v}" for k, v in result.by_reason.items()) or "none"
    console.print(f"collect: listed {result.listed} = collected {result.collected} + quarantined "
                  f"{result.quarantined} ({reasons}); fetched {result.fetched}, unchanged {result.unchanged}, "
                  f"removed {result.removed}")


def register(app: typer.Typer) -> None:
    app.command("collect", rich_help_panel=PANEL)(collect)
