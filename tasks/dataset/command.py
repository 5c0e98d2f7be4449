"""``claimvlm build`` (the build stage, claimvlm.dataset.stage) and ``claimvlm pin-splits``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from claimvlm.cli_common import ParamsOpt, SetOpt, console, fail, sections
from claimvlm.dataset.params import BuildParams
from claimvlm.parallel import ExecutorParams
from claimvlm.settings import Section

PANEL = "build stage · tasks/dataset"


class BuildSections(Section):
    build: BuildParams = BuildParams()
    executor: ExecutorParams = ExecutorParams()  # where the anchor OCR runs


def build(
    src: Annotated[Path, typer.Argument(help="documents that passed QC")],
    out: Annotated[Path, typer.Argument(help="the training dataset: splits, shards, buckets, card")],
    privacy_reports: Annotated[Optional[Path], typer.Option(help="the anonymize stage's reports")] = None,  # noqa: UP045
    upstream: Annotated[Optional[list[Path]], typer.Option(help="upstream manifests to fingerprint")] = None,  # noqa: UP045
    pinned_splits: Annotated[Optional[Path], typer.Option(help="pins file: known documents keep their split")] = None,  # noqa: UP045
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Build the VLM conversation dataset with patient-grouped splits and WebDataset shards."""
    from claimvlm.dataset.records import BuildError
    from claimvlm.dataset.stage import build as run_build

    loaded = sections(BuildSections, params, set_)
    try:
        result = run_build(src, out, loaded.build, privacy_reports=privacy_reports,
                           upstream_manifests=tuple(upstream or ()), pinned_splits=pinned_splits,
                           executor=loaded.executor)
    except BuildError as err:
        fail(err, 1)
    splits = ", ".join(f"{k} {v}" for k, v in result.counts.items())
    console.print(f"build: {splits}; {result.groups} patient groups; {len(result.shards)} shards; card {result.card}")
    if result.pins is not None:
        console.print("pinned splits: {pinned} documents kept their split ({moved} moved with a patient group pinned "
                      "elsewhere), {new} new placed by the rule, {missing} pinned not in this build".format(**result.pins))


def pin_splits(
    dataset: Annotated[Path, typer.Argument(help="a built dataset")],
    pins: Annotated[Path, typer.Argument(help="the pins file to update (git-tracked; the build stage's dependency)")],
) -> None:
    """Pin the split of every document of a built dataset that is not pinned yet (existing pins never change)."""
    from claimvlm.dataset.pins import pin_splits as run_pin_splits
    from claimvlm.dataset.records import BuildError

    try:
        result = run_pin_splits(dataset, pins)
    except BuildError as err:
        fail(err, 1)
    counts = ", ".join(f"{k} {v}" for k, v in sorted(result.counts.items()))
    console.print(f"pin-splits: {result.added} documents added to {result.kept} pins ({counts}); "
                  f"{result.changed} pinned documents sit in another split in this build")


def register(app: typer.Typer) -> None:
    app.command("build", rich_help_panel=PANEL)(build)
    app.command("pin-splits", rich_help_panel=PANEL)(pin_splits)
