"""The ``claimvlm`` command line: one subcommand per DVC stage, each a thin shell over one
library function. Parameters are loaded once here and each function gets its section."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from tasks.cli_common import ParamsOpt, SetOpt, _params, app, console, fail


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
    from tasks.synthesis import fonts, generate
    from tasks.synthesis import gallery as gallery_mod

    if out is None and gallery is None:
        raise typer.BadParameter("give an output folder, --gallery PATH, or both")
    loaded = _params(params, set_)
    p = loaded.synth
    try:
        if out is not None:
            result = generate.run(p, out, executor=loaded.executor)
            table = Table(title=f"synth: {result.manifest['num_docs']} documents in {out}")
            for group, counts in result.manifest["counts"].items():
                table.add_row(group, ", ".join(f"{k}={v}" for k, v in counts.items()))
            console.print(table)
            rate = result.manifest["num_docs"] / result.seconds["wall"]
            ex = loaded.executor
            where = (f"{result.workers} process(es)" if ex.kind == "local"
                     else f"Dask {ex.address or f'LocalCluster of {ex.dask_workers} workers'}")
            console.print(f"{rate:.1f} documents/s on {where}")
        if gallery is not None:
            console.print(f"gallery: {gallery_mod.contact_sheet(p, gallery)}")
    except fonts.FontError as err:
        fail(err, 3)
    except FileExistsError as err:
        fail(err, 2)


@app.command()
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
    from tasks.collection import CollectError
    from tasks.collection import collect as run_collect

    p = _params(params, set_).collect
    try:
        result = run_collect(source, out, quarantine, p, also=also or ())
    except CollectError as err:
        fail(err, 1)
    reasons = ", ".join(f"{k}={v}" for k, v in result.by_reason.items()) or "none"
    console.print(f"collect: listed {result.listed} = collected {result.collected} + quarantined "
                  f"{result.quarantined} ({reasons}); fetched {result.fetched}, unchanged {result.unchanged}, "
                  f"removed {result.removed}")


@app.command()
def anonymize(
    src: Annotated[Path, typer.Argument(help="collected documents")],
    out: Annotated[Path, typer.Argument(help="pseudonymised documents, same layout")],
    quarantine: Annotated[Path, typer.Option(help="documents that cannot be pseudonymised safely")],
    reports: Annotated[Path, typer.Option(help="privacy reports: counts, k-anonymity, DP summary, leak scan")],
    eval_set: Annotated[Optional[Path], typer.Option(help="seeded PII set to measure the detector on")] = None,  # noqa: UP045
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Pseudonymise labels, images and free text; fail if any original identifier leaks."""
    from tasks.privacy.leaks import LeakError
    from tasks.privacy.stage import anonymize as run_anonymize
    from tasks.privacy.surrogates import MissingKeyError

    loaded = _params(params, set_)
    p = loaded.anonymize
    try:
        result = run_anonymize(src, out, quarantine, reports, p, eval_set=eval_set, executor=loaded.executor)
    except (MissingKeyError, LeakError) as err:
        fail(err, 1)
    console.print(f"anonymize: {result.documents} documents = {result.anonymized} pseudonymised + "
                  f"{result.quarantined} quarantined {result.by_reason or ''}; identifiers {result.pii_by_type}; "
                  f"k = {result.k_achieved}; no leaks")


@app.command("redact-text")
def redact_text(params: ParamsOpt = Path("params.yaml"), set_: SetOpt = None) -> None:
    """Read JSON lines {"text": ...} on stdin; write {"text": pseudonymised, "found": [...]} lines to stdout."""
    import json
    import sys

    from tasks.privacy.detect import redact
    from tasks.privacy.surrogates import MissingKeyError, Pseudonymizer, key_from_env

    p = _params(params, set_).anonymize
    try:
        pz = Pseudonymizer(key_from_env(p.key_env))
    except MissingKeyError as err:
        fail(err, 1)
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            text = json.loads(line)["text"]
            if not isinstance(text, str):
                raise TypeError("text must be a string")
        except (ValueError, KeyError, TypeError) as err:
            # One bad line is reported in its place, so output lines stay aligned with input lines.
            print(json.dumps({"error": f"line {number}: {type(err).__name__}: expected {{\"text\": \"...\"}}"}))
            continue
        new_text, spans = redact(text, pz)
        found = [{"type": s.type, "start": s.start, "end": s.end} for s in spans]
        print(json.dumps({"text": new_text, "found": found}, ensure_ascii=False), flush=True)


@app.command("verify-data")
def verify_data(
    remote: Annotated[bool, typer.Option(help="also re-hash every object in a DVC remote")] = False,
    remote_name: Annotated[Optional[str], typer.Option(help="which remote (default: the default remote)")] = None,  # noqa: UP045
) -> None:
    """Re-hash DVC's cache (and, with --remote, a remote) and name every corrupted object."""
    from tasks import versioning

    reports = [versioning.verify_cache(Path("."))]
    if remote or remote_name:
        reports.append(versioning.verify_remote(Path("."), remote_name))
    corrupt = [c for r in reports for c in r.corrupt]
    for c in corrupt:
        used = ", ".join(c.used_by) or "no output in dvc.lock"
        console.print(f"CORRUPT {c.where}: {c.path} (content md5 {c.actual_md5}) used by {used}",
                      style="red", markup=False, soft_wrap=True)
    console.print(f"verify-data: {sum(r.checked for r in reports)} objects re-hashed, {len(corrupt)} corrupted")
    if corrupt:
        raise typer.Exit(1)


@app.command("qc")
def qc_cmd(
    src: Annotated[Path, typer.Argument(help="pseudonymised documents")],
    out: Annotated[Path, typer.Argument(help="documents that passed every check")],
    quarantine: Annotated[Path, typer.Option(help="failing documents, with their reasons")],
    reports: Annotated[Path, typer.Option(help="summary and great-expectations Data Docs")],
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Great-expectations label suite, page image checks and a second OCR reading; quarantine failures."""
    from tasks.quality.stage import QcError, qc

    loaded = _params(params, set_)
    p = loaded.qc
    try:
        result = qc(src, out, quarantine, reports, p, executor=loaded.executor)
    except QcError as err:
        fail(err, 1)
    console.print(f"qc: {result.documents} documents = {result.passed} passed + {result.quarantined} quarantined "
                  f"({result.fail_rate:.1%}); {result.by_check or 'no failures'}; Data Docs: {result.data_docs}")


@app.command("build")
def build_cmd(
    src: Annotated[Path, typer.Argument(help="documents that passed QC")],
    out: Annotated[Path, typer.Argument(help="the training dataset: splits, shards, buckets, card")],
    privacy_reports: Annotated[Optional[Path], typer.Option(help="the anonymize stage's reports")] = None,  # noqa: UP045
    upstream: Annotated[Optional[list[Path]], typer.Option(help="upstream manifests to fingerprint")] = None,  # noqa: UP045
    pinned_splits: Annotated[Optional[Path], typer.Option(help="pins file: known documents keep their split")] = None,  # noqa: UP045
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Build the VLM conversation dataset with patient-grouped splits and WebDataset shards."""
    from tasks.dataset import BuildError, build

    p = _params(params, set_).build
    try:
        result = build(src, out, p, privacy_reports=privacy_reports, upstream_manifests=tuple(upstream or ()),
                       pinned_splits=pinned_splits)
    except BuildError as err:
        fail(err, 1)
    splits = ", ".join(f"{k} {v}" for k, v in result.counts.items())
    console.print(f"build: {splits}; {result.groups} patient groups; {len(result.shards)} shards; card {result.card}")
    if result.pins is not None:
        console.print("pinned splits: {pinned} documents kept their split ({moved} moved with a patient group pinned "
                      "elsewhere), {new} new placed by the rule, {missing} pinned not in this build".format(**result.pins))


@app.command("pin-splits")
def pin_splits_cmd(
    dataset: Annotated[Path, typer.Argument(help="a built dataset")],
    pins: Annotated[Path, typer.Argument(help="the pins file to update (git-tracked; the build stage's dependency)")],
) -> None:
    """Pin the split of every document of a built dataset that is not pinned yet (existing pins never change)."""
    from tasks.dataset import BuildError
    from tasks.dataset.pins import pin_splits

    try:
        result = pin_splits(dataset, pins)
    except BuildError as err:
        fail(err, 1)
    counts = ", ".join(f"{k} {v}" for k, v in sorted(result.counts.items()))
    console.print(f"pin-splits: {result.added} documents added to {result.kept} pins ({counts}); "
                  f"{result.changed} pinned documents sit in another split in this build")


# The model commands (train, sweep, evaluate, gate, rollback) live beside these; the service's command
# in tasks/serving (its imports, FastAPI and uvicorn, happen only when it runs).
from tasks import cli_loop, cli_models  # noqa: F401, E402  - register their commands on app
from tasks.export.command import register as _register_export  # noqa: E402
from tasks.serving.command import register as _register_serving  # noqa: E402

_register_serving(app)
_register_export(app)

if __name__ == "__main__":  # python -m tasks.cli (what torchrun and accelerate launch -m run)
    app()
