"""``claimvlm anonymize`` (the anonymize stage, claimvlm.privacy.stage), ``claimvlm redact-text``
(the free-text detector on JSON lines), ``claimvlm redact-page`` (one unlabelled page) and
``claimvlm train-pii-tagger`` (the detector's learned backstop, claimvlm.privacy.tagger)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from claimvlm.cli_common import ParamsOpt, SetOpt, console, fail, sections
from claimvlm.parallel import ExecutorParams
from claimvlm.privacy.params import AnonymizeParams
from claimvlm.settings import Section

PANEL = "anonymize stage · tasks/privacy"


class AnonymizeSections(Section):
    anonymize: AnonymizeParams = AnonymizeParams()
    executor: ExecutorParams = ExecutorParams()


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
    from claimvlm.privacy.leaks import LeakError
    from claimvlm.privacy.stage import anonymize as run_anonymize
    from claimvlm.privacy.surrogates import MissingKeyError

    loaded = sections(AnonymizeSections, params, set_)
    try:
        result = run_anonymize(src, out, quarantine, reports, loaded.anonymize, eval_set=eval_set,
                               executor=loaded.executor)
    except (MissingKeyError, LeakError) as err:
        fail(err, 1)
    raw = f"{result.unlabelled} unlabelled pages pseudonymised + " if result.unlabelled else ""
    console.print(f"anonymize: {result.documents} documents = {result.anonymized} pseudonymised + {raw}"
                  f"{result.quarantined} quarantined {result.by_reason or ''}; identifiers {result.pii_by_type}; "
                  f"k = {result.k_achieved}; no leaks")


def redact_text(params: ParamsOpt = Path("params.yaml"), set_: SetOpt = None) -> None:
    """Read JSON lines {"text": ...} on stdin; write {"text": pseudonymised, "found": [...]} lines to stdout."""
    import json
    import sys

    from claimvlm.privacy.detect import redact
    from claimvlm.privacy.surrogates import MissingKeyError, Pseudonymizer, key_from_env

    p = sections(AnonymizeSections, params, set_).anonymize
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


def redact_page(
    image: Annotated[Path, typer.Argument(help="a page without a label (PNG, JPEG, TIFF)")],
    out: Annotated[Path, typer.Argument(help="the pseudonymised page (its format from the suffix)")],
    params: ParamsOpt = Path("params.yaml"),
    set_: SetOpt = None,
) -> None:
    """Pseudonymise one unlabelled page: Tesseract reads it, identifiers are replaced by surrogates and
    a second reading checks; exit 1 (nothing written) when the check fails."""
    import json

    from PIL import Image

    from claimvlm.ocr import OcrUnavailable
    from claimvlm.privacy.pages import redact_page as run_redact_page
    from claimvlm.privacy.surrogates import MissingKeyError, Pseudonymizer, key_from_env
    from claimvlm.synthesis import fonts

    p = sections(AnonymizeSections, params, set_).anonymize
    try:
        pz = Pseudonymizer(key_from_env(p.key_env))
        page, outcome, _originals = run_redact_page(Image.open(image), pz, fonts.require_hangul(p.font))
    except (MissingKeyError, OcrUnavailable, OSError) as err:
        fail(err, 1)
    summary = {"released": outcome.released, "reason": outcome.reason, "detail": outcome.detail,
               "replaced": outcome.replaced}
    if not outcome.released:
        console.print(f"redact-page: {image} not released: {outcome.detail}", markup=False)
        print(json.dumps(summary, ensure_ascii=False))
        raise typer.Exit(1)
    out.parent.mkdir(parents=True, exist_ok=True)
    page.save(out)
    print(json.dumps(summary, ensure_ascii=False))


def train_pii_tagger(
    out: Annotated[Path, typer.Option(help="where the model goes")] = Path("tasks/privacy/pii_tagger.crfsuite"),
    lines: Annotated[int, typer.Option(help="generated lines per corpus")] = 8000,
    seed: Annotated[int, typer.Option(help="the corpora's seed")] = 1,
    iterations: Annotated[int, typer.Option(help="L-BFGS iterations")] = 150,
) -> None:
    """Train the free-text detector's learned backstop (a character CRF) on the generated corpora."""
    import time

    from claimvlm.privacy.tagger import corpus, train

    start = time.monotonic()
    examples = corpus(lines, seed)
    train(examples, out, iterations=iterations)
    console.print(f"train-pii-tagger: {len(examples)} lines, {iterations} iterations, "
                  f"{time.monotonic() - start:.0f} s -> {out} ({out.stat().st_size / 1e6:.2f} MB)")


def register(app: typer.Typer) -> None:
    app.command("anonymize", rich_help_panel=PANEL)(anonymize)
    app.command("redact-text", rich_help_panel=PANEL)(redact_text)
    app.command("redact-page", rich_help_panel=PANEL)(redact_page)
    app.command("train-pii-tagger", rich_help_panel=PANEL)(train_pii_tagger)
