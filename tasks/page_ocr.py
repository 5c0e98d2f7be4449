"""A page's words and lines as Tesseract reads them: the reading the baseline parses and the
text the model's prompt is anchored on (claimvlm.model.prompt).

Ruling lines and the red seal are erased, ink is merged into phrases, and all phrases are read
in one run as the lines of a stacked sheet (``kor+eng``, ``--psm 6``): Tesseract reads little of
a whole ruled form but nearly every cropped line, and ``eng`` reads the Latin capitals of codes.
Words are chained into lines.
"""

from __future__ import annotations

import bisect
import csv
import functools
import os
import re
import statistics
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from PIL import Image

from claimvlm.ocr import require_tesseract

LANG = "kor+eng"
TEXT_HEIGHT = 32  # pixels: each phrase is scaled up to this height, which Tesseract reads best
_GAP = 24  # white rows between stacked phrases
_MAX_SHEET = 30_000  # pixels: under Tesseract's limit of 32,767 per side
Box = tuple[int, int, int, int]



class Word(NamedTuple):
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


Line = list[Word]
def _key(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z가-힣]", "", text)


def text_regions(image: Image.Image) -> tuple[Image.Image, list[Box]]:
    """The page in grey with ruling lines and the red seal erased, and the boxes of its phrases (ink
    whose gaps are narrower than a wide space). Tuned for A4 at 150 dpi; scales with the width."""
    import cv2
    import numpy as np

    rgb = np.asarray(image.convert("RGB")).astype(np.int16)
    gray = np.asarray(image.convert("L")).copy()
    gray[(rgb[..., 0] - rgb[..., 1] > 60) & (rgb[..., 0] - rgb[..., 2] > 60)] = 255
    unit, ink = gray.shape[1] / 1240, (gray < 190).astype(np.uint8) * 255
    span = max(20, round(50 * unit))
    rules = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, span), np.uint8))
    rules = cv2.dilate(rules | cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((span, 1), np.uint8)),
                       np.ones((3, 3), np.uint8))
    gray[rules > 0], ink[rules > 0] = 255, 0
    kx, ky = max(3, round(12 * unit)), max(1, round(4 * unit))
    _, _, stats, _ = cv2.connectedComponentsWithStats(cv2.dilate(ink, np.ones((ky, kx), np.uint8)))
    boxes = [(int(x + kx // 2), int(y + ky // 2), int(x + w - (kx - 1) // 2), int(y + h - (ky - 1) // 2))
             for x, y, w, h, _ in stats[1:]]
    boxes = [b for b in boxes if 8 * unit <= b[3] - b[1] <= 60 * unit and b[2] - b[0] >= 4 * unit]
    return Image.fromarray(gray), sorted(boxes, key=lambda b: (b[1], b[0]))


def read_phrases(page: Image.Image, boxes: Sequence[Box], lang: str = LANG, pad: int = 6) -> list[str]:
    """The text in each box, from one Tesseract run over the boxes stacked into a column per sheet (as in
    :func:`claimvlm.ocr.read_boxes`). The spacing is that of Tesseract's text output, which keeps
    Hangul words whole; its word table (used to place lines) splits them into syllables."""
    crops = []
    for x0, y0, x1, y1 in boxes:
        crop, scale = page.crop((x0 - pad, y0 - pad, x1 + pad, y1 + pad)), min(3, max(1, TEXT_HEIGHT / (y1 - y0)))
        crops.append(crop.resize((round(crop.width * scale), round(crop.height * scale)), Image.LANCZOS))
    # Tesseract refuses images over 32,767 pixels a side: a noisy page of several hundred
    # phrases is read as several sheets.
    out: list[str] = []
    sheet: list[Image.Image] = []
    for crop in crops:
        if sheet and sum(c.height + _GAP for c in sheet) + crop.height + 2 * _GAP > _MAX_SHEET:
            out += _read_sheet(sheet, lang)
            sheet = []
        sheet.append(crop)
    return out + (_read_sheet(sheet, lang) if sheet else [])


def _read_sheet(crops: Sequence[Image.Image], lang: str) -> list[str]:
    """The text of each crop, read in one Tesseract run over the crops stacked into a column."""
    import pytesseract

    sheet = Image.new("L", (max(c.width for c in crops) + 2 * _GAP, sum(c.height + _GAP for c in crops) + _GAP), 255)
    bands, y = [], _GAP
    for crop in crops:
        sheet.paste(crop, (_GAP, y))
        bands.append(y + crop.height + _GAP / 2)
        y += crop.height + _GAP
    # One OpenMP thread: Tesseract's threads fight over the cores the callers already fill with one
    # page per process (a page read 3x faster on 2 busy cores: 1.6 s against 4.9 s).
    with tempfile.TemporaryDirectory() as tmp:
        # Uncompressed (PGM): the same pixels as a PNG, written in a seventh of the time (11 ms
        # against 84 ms for a sheet of 115 phrases), twice per pseudonymised page.
        sheet.save(f"{tmp}/sheet.pgm")
        subprocess.run([pytesseract.pytesseract.tesseract_cmd, f"{tmp}/sheet.pgm", f"{tmp}/out", "-l", lang, "--psm",
                        "6", "-c", "preserve_interword_spaces=1", "txt", "tsv"], check=True, capture_output=True,
                       env={**os.environ, "OMP_THREAD_LIMIT": "1"})
        said = [t for t in Path(f"{tmp}/out.txt").read_text(encoding="utf-8").splitlines() if t.strip()]
        with Path(f"{tmp}/out.tsv").open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    lines: dict[tuple[str, ...], list[dict[str, str]]] = {}
    for r in rows:
        if r["level"] == "5" and (r["text"] or "").strip():
            lines.setdefault((r["block_num"], r["par_num"], r["line_num"]), []).append(r)
    out: list[list[str]] = [[] for _ in crops]
    j = 0
    for words in lines.values():
        text = " ".join(w["text"].strip() for w in words)
        k = next((k for k in range(j, min(j + 4, len(said))) if _key(said[k]) == _key(text)), None)
        if k is not None:  # the same line in the text output
            text, j = " ".join(said[k].split()), k + 1
        centre = statistics.median(int(w["top"]) + int(w["height"]) / 2 for w in words)
        out[min(bisect.bisect(bands, centre), len(crops) - 1)].append(text)
    return [" ".join(t) for t in out]


_checked = functools.cache(require_tesseract)


def ocr_words(image: Image.Image, lang: str = LANG) -> list[Word]:
    """The page's words; a word's box is its share of its phrase's box, by its place in the text."""
    _checked(lang)
    page, boxes = text_regions(image)
    words = []
    for (x0, y0, x1, y1), text in zip(boxes, read_phrases(page, boxes, lang), strict=True):
        n = max(1, len(text))
        words += [Word(m[0], x0 + (x1 - x0) * m.start() / n, y0, x0 + (x1 - x0) * m.end() / n, y1)
                  for m in re.finditer(r"\S+", text)]
    return words


def group_lines(words: Sequence[Word]) -> list[Line]:
    """Words chained left to right into lines (a word joins the line whose last word is level with
    it, so a slightly rotated page still gives whole lines), top to bottom; punctuation is dropped."""
    lines: list[Line] = []
    for w in sorted((w for w in words if _key(w.text)), key=lambda w: w.x0):
        cy, h = (w.y0 + w.y1) / 2, w.y1 - w.y0
        level = [ln for ln in lines if ln[-1].x1 <= w.x0 + h / 2
                 and abs((ln[-1].y0 + ln[-1].y1) / 2 - cy) < 0.5 * max(h, ln[-1].y1 - ln[-1].y0)]
        if level:
            min(level, key=lambda ln: abs((ln[-1].y0 + ln[-1].y1) / 2 - cy)).append(w)
        else:
            lines.append([w])
    return sorted(lines, key=lambda ln: statistics.median((w.y0 + w.y1) / 2 for w in ln))
