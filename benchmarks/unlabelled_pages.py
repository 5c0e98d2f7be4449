"""Unlabelled-page pseudonymisation on pages of layouts the synth stage never drew.

    OMP_NUM_THREADS=1 python benchmarks/unlabelled_pages.py [--pages 24] [--out reports/unlabelled_pages.json]

The pages come from ``tests/data/pages_heldout/generate.py``, written independently of the
detector and of the synth stage (its PROVENANCE.md): other layouts, fonts, tinted paper, scans,
each with the identifiers and must-keep values printed on it. Every page goes through
``claimvlm.privacy.pages.redact_page`` in one process; then both the page and its output are read
whole with Tesseract (the reading the anchors use) and scored:

- identifiers removed: of the identifiers Tesseract reads on the original page, the share it no
  longer reads on a released output (a quarantined page releases nothing);
- leaked pages: released pages on which any original identifier is still read (the goal: 0);
- must-keep intact: of the must-keep values read on the original, the share still read on the output;
- quarantined: the share of pages the check refused, by reason;
- pages/s per core: ``redact_page`` alone (both of its readings), after a warm-up page.

Values are compared as the project's OCR checks compare them (``claimvlm.ocr.comparable``). Not a
test: it prints and writes figures; tests/privacy/test_pages_heldout.py holds the floor on six of the pages.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from PIL import Image

from claimvlm.ocr import comparable
from claimvlm.page_ocr import ocr_words
from claimvlm.privacy.pages import redact_page
from claimvlm.privacy.surrogates import Pseudonymizer
from claimvlm.synthesis import fonts

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT / "tests" / "data" / "pages_heldout" / "generate.py"


def load_generator() -> Any:
    spec = importlib.util.spec_from_file_location("pages_heldout", GENERATOR)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr]  # dataclasses look their module up
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def reads(value: str, text: str) -> bool:
    want, got = comparable(value, text)
    return bool(want) and want in got


def score(records: list[dict[str, Any]], folder: Path, key: bytes = b"benchmark-key-0123456789") -> dict[str, Any]:
    """Redact every page of ``records`` (files in ``folder``) and score it (see the module)."""
    pz, font = Pseudonymizer(key), fonts.require_hangul("NanumGothic")
    read_before = removed = kept_before = kept_after = 0
    leaked_pages, reasons, seconds, by_type = 0, Counter(), [], Counter()
    for i, rec in enumerate(records):
        page = Image.open(folder / rec["file"])
        before = "".join(w.text for w in ocr_words(page))
        start = time.perf_counter()
        out, outcome, _originals = redact_page(page, pz, font)
        if i:  # the first page pays the engines' start-up
            seconds.append(time.perf_counter() - start)
        ids = [x for x in rec["identifiers"] if reads(x["value"], before)]
        keep = [k for k in rec["keep"] if reads(k, before)]
        read_before += len(ids)
        kept_before += len(keep)
        if not outcome.released:
            reasons[outcome.reason] += 1
            removed += len(ids)  # nothing of a quarantined page is released
            kept_after += len(keep)  # nor changed: it waits for a person, whole
            continue
        after = "".join(w.text for w in ocr_words(out))
        still = [x for x in ids if reads(x["value"], after)]
        by_type.update(x["type"] for x in still)
        removed += len(ids) - len(still)
        leaked_pages += bool(still)
        kept_after += sum(reads(k, after) for k in keep)
    n = len(records)
    return {
        "pages": n, "identifiers_read_before": read_before,
        "identifiers_removed": round(removed / max(1, read_before), 4),
        "released_pages_with_a_readable_identifier": leaked_pages, "still_read_by_type": dict(by_type),
        "must_keep_read_before": kept_before, "must_keep_intact": round(kept_after / max(1, kept_before), 4),
        "quarantined": round(sum(reasons.values()) / max(1, n), 4), "quarantined_by_reason": dict(reasons),
        "pages_per_s_per_core": round(len(seconds) / sum(seconds), 3) if seconds else None,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=24)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        records = load_generator().generate(Path(tmp), n=args.pages)
        figures = score(records, Path(tmp))
    text = json.dumps(figures, indent=1, ensure_ascii=False)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
