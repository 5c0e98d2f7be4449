"""``claimvlm anonymize`` (the anonymize stage, claimvlm.privacy.stage) and ``claimvlm redact-text``
(the free-text detector on JSON lines)."""

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
    console.print(f"anonymize: {result.documents} documents = {result.anonymized} pseudonymised + "
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


def register(app: typer.Typer) -> None:
    app.command("anonymize", rich_help_panel=PANEL)(anonymize)
    app.command("redact-text", rich_help_panel=PANEL)(redact_text)
