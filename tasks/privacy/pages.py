"""Pseudonymising a page that arrived without a label: read it, find identifiers, replace them, check.

Scans reach an insurer raw and are labelled later, so the page itself is pseudonymised before
anyone sees it (the 2024 health-data pseudonymisation guideline allows free text and images to be
pseudonymised, identifiers replaced, with the method's reliability documented: docs/privacy.md).

1. **Read**: Tesseract's words with boxes (:func:`claimvlm.page_ocr.ocr_words`, the reading the
   anchors use) chained into lines. A line runs across a form's cells, so a value cell right of
   its ``성명`` label cell is read as ``성명 홍길동``: the layout gives the detector its context.
2. **Find**: the free-text detector (:func:`claimvlm.privacy.detect.find_pii`) on each line; a
   span's box is its characters' share of its words' boxes.
3. **Replace**: each box is covered in the paper's colour and the surrogate printed in the ink's
   (the labelled path's :func:`claimvlm.privacy.images.rewrite_field`).
4. **Check**: a page with a long number of no type the detector knows (not a date; OCR noise in an
   identifier is the usual cause) is quarantined. Then the lines that changed are read again from
   the output. The page is released only when that second reading holds no identifier the
   detector flags (other than the surrogates printed) and no original value; otherwise it is
   quarantined with the reason. Lines that did not change read as before, and nothing in them was
   flagged.

An identifier Tesseract cannot read at all is not found, and is not readable by the check either:
the guarantee is "no identifier the engine reads", measured on pages of other layouts in
docs/privacy.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from claimvlm.page_ocr import LANG, Word, group_lines, ocr_words, read_phrases, text_regions
from claimvlm.privacy import patterns as P
from claimvlm.privacy.detect import find_pii
from claimvlm.privacy.images import rewrite_field

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Found:
    """One identifier on the page: its type, the text read, where it is, and its line's box."""

    type: str
    text: str
    box: Box
    line: Box


@dataclass(frozen=True)
class PageOutcome:
    """What happened to one page: released or quarantined (``reason``), and counts by type. No
    values: outcomes go to logs and manifests."""

    released: bool
    reason: str | None = None
    detail: str = ""
    replaced: dict[str, int] = field(default_factory=dict)


def _union(boxes: Sequence[Box]) -> Box:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _line_text(line: Sequence[Word]) -> tuple[str, list[tuple[int, Word]]]:
    """The line's text (words joined by one space) and each word's start offset in it."""
    starts, pos = [], 0
    for w in line:
        starts.append((pos, w))
        pos += len(w.text) + 1
    return " ".join(w.text for w in line), starts


def _span_box(starts: Sequence[tuple[int, Word]], a: int, b: int) -> Box:
    """The box of characters a..b of a line: each word's share, by character position (a span may
    start or end inside a word, e.g. ``성명:홍길동`` read as one word)."""
    parts = []
    for start, w in starts:
        end = start + len(w.text)
        lo, hi = max(a, start), min(b, end)
        if lo < hi:
            n = max(1, len(w.text))
            width = w.x1 - w.x0
            parts.append((w.x0 + width * (lo - start) / n, w.y0, w.x0 + width * (hi - start) / n, w.y1))
    return _union(parts)


def _below(line: Sequence[Word], under: Sequence[Word]) -> list[tuple[Word, list[Word]]]:
    """Each word of ``line`` with the words of the next line ``under`` that sit beneath it (a form
    whose value cell is under its label cell: a header row over a value row)."""
    pairs = []
    for w in line:
        width = w.x1 - w.x0
        beneath = [v for v in under if min(w.x1, v.x1) - max(w.x0, v.x0) >= 0.5 * min(width, v.x1 - v.x0)]
        if beneath:
            pairs.append((w, beneath))
    return pairs


def find_on_lines(lines: Sequence[Sequence[Word]]) -> list[Found]:
    """Every identifier the detector finds in the lines, with its box: in each line as read (its
    cells left to right), and in each label-over-value column pair, where only a span in the value
    counts (the label word gives the context)."""
    found = []
    for i, line in enumerate(lines):
        if not line:
            continue
        text, starts = _line_text(line)
        box = _union([(w.x0, w.y0, w.x1, w.y1) for w in line])
        found += [Found(s.type, s.text, _span_box(starts, s.start, s.end), box) for s in find_pii(text)]
        for label, beneath in _below(line, lines[i + 1]) if i + 1 < len(lines) else []:
            text, starts = _line_text([label, *beneath])
            value_box = _union([(v.x0, v.y0, v.x1, v.y1) for v in beneath])
            found += [Found(s.type, s.text, _span_box(starts, s.start, s.end), value_box)
                      for s in find_pii(text) if s.start > len(label.text)]
    return _distinct(found)


def _distinct(found: Sequence[Found]) -> list[Found]:
    """One entry per place: the same value found in its row and in its column is printed over once."""
    out: list[Found] = []
    for f in found:
        if not any(_overlaps(f.box, g.box) for g in out):
            out.append(f)
    return out


def _compact(text: str) -> str:
    return re.sub(r"[\s\-.:/()]", "", text)


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# A run of digits (OCR look-alikes counted, groups joined by hyphens) long enough to be an
# account, chart, card, phone or registration number. Dates are the one long number a claim page is
# full of, so they are let through by shape.
_LONG_NUMBER = re.compile(rf"{P.NB}{P.D}(?:{P.D}|-(?={P.D})){{6,}}{P.NA}")
_DATE = re.compile(r"(?:19|20)\d\d[\- ]?(?:0[1-9]|1[0-2])[\- ]?(?:0[1-9]|[12]\d|3[01])")
MIN_UNTYPED_DIGITS = 7


def untyped_numbers(lines: Sequence[Sequence[Word]], found: Sequence[Found]) -> int:
    """Long numbers on the page that no found identifier covers and that are not dates: the detector
    could not say what they are, so the page cannot be shown to hold none (the release check's
    screen; an OCR'd identifier the rules no longer recognise is the usual case)."""
    known = [re.sub(r"\D", "", f.text.translate(P.OCR_DIGITS)) for f in found]
    count = 0
    for line in lines:
        for m in _LONG_NUMBER.finditer(" ".join(w.text for w in line)):
            digits = re.sub(r"\D", "", m.group().translate(P.OCR_DIGITS))
            if len(digits) < MIN_UNTYPED_DIGITS or _DATE.fullmatch(digits) or any(digits in k for k in known if k):
                continue
            count += 1
    return count


def reread(page: Image.Image, regions: Sequence[Box], lang: str = LANG) -> list[str]:
    """The text of the page's phrases that fall in ``regions`` (the lines that were rewritten)."""
    cleaned, boxes = text_regions(page)
    wanted = [b for b in boxes if any(_overlaps(tuple(map(float, b)), r) for r in regions)]  # type: ignore[arg-type]
    return read_phrases(cleaned, wanted, lang) if wanted else []


def redact_page(page: Image.Image, surrogate: Callable[[str, str], str], font_path: Path, *,
                lang: str = LANG) -> tuple[Image.Image, PageOutcome, list[tuple[str, str]]]:
    """The pseudonymised page, what happened, and the (type, original) pairs found (for the
    caller's leak scan; never logged). ``surrogate(type, value)``: e.g. a Pseudonymizer."""
    out = page.convert("RGB")
    lines = group_lines(ocr_words(out, lang))
    found = find_on_lines(lines)
    printed: list[str] = []
    for f in found:
        fake = surrogate(f.type, f.text)
        rewrite_field(out, {"path": f.type, "bbox": list(f.box)}, fake, font_path)
        printed.append(fake)
    counts: dict[str, int] = {}
    for f in found:
        counts[f.type] = counts.get(f.type, 0) + 1
    originals = [(f.type, f.text) for f in found]
    untyped = untyped_numbers(lines, found)
    if untyped:
        return out, PageOutcome(False, "untyped_number", f"{untyped} long numbers of no known type", counts), originals
    if not found:
        return out, PageOutcome(True, replaced=counts), originals
    # The check: the rewritten lines, read again from the output.
    texts = reread(out, [f.line for f in found], lang)
    fakes = {_compact(p) for p in printed}
    left = [s for t in texts for s in find_pii(t)
            if not any(_compact(s.text) in fake or fake in _compact(s.text) for fake in fakes)]
    if left:
        kinds = sorted({s.type for s in left})
        return out, PageOutcome(False, "identifier_remains", f"the second reading still finds {kinds}", counts), originals
    reading = _compact(" ".join(texts))
    seen = sorted({f.type for f in found if len(_compact(f.text)) >= 2 and _compact(f.text) in reading})
    if seen:
        return out, PageOutcome(False, "original_remains", f"original values still read: {seen}", counts), originals
    return out, PageOutcome(True, replaced=counts), originals
