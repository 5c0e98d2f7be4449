"""Rewriting personal identifiers in the page image so it says what the pseudonymised label says.

Black boxes would teach the model to expect black boxes; so each identifier's box is
covered with the paper's colour and the surrogate is printed there in the ink's colour, at
the size and slant of the original. Pages that arrive without word boxes are read with
Tesseract first: text segments are found with OpenCV (rules removed, characters merged),
read in one call (claimvlm.ocr.read_boxes), and each identifier is matched to a segment.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from claimvlm.ocr import comparable, read_boxes

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Rewritten:
    path: str
    text: str
    bbox: list[float]
    words: list[dict]


def _colours(region: np.ndarray) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(paper, ink): the typical light and dark colours inside a text box."""
    flat = region.reshape(-1, region.shape[-1]).astype(int)
    lum = flat.mean(axis=1)
    paper = np.median(flat[lum >= np.percentile(lum, 60)], axis=0)
    ink = np.median(flat[lum <= np.percentile(lum, 4)], axis=0)
    return tuple(int(v) for v in paper), tuple(int(v) for v in ink)


def _fit_font(font_path: Path, text: str, height: float, max_width: float) -> ImageFont.FreeTypeFont:
    probe = ImageFont.truetype(str(font_path), 40)
    x0, y0, x1, y1 = probe.getbbox(text)
    size = 40 * height / max(1, y1 - y0)
    if x1 - x0 > 0:
        size = min(size, 40 * max_width / (x1 - x0))
    return ImageFont.truetype(str(font_path), max(8, round(size)))


def _angle(quad: Sequence[Sequence[float]] | None) -> float:
    if not quad:
        return 0.0
    (x0, y0), (x1, y1) = quad[0], quad[1]
    return math.degrees(math.atan2(y1 - y0, x1 - x0))


def rewrite_field(page: Image.Image, box: dict, surrogate: str, font_path: Path, *,
                  soften: float = 0.0, binarize: bool = False) -> Rewritten:
    """Cover ``box`` (a boxes.json field entry) and print ``surrogate`` in its place, in place on ``page``."""
    x0, y0, x1, y1 = box["bbox"]
    pad = 3
    region = np.asarray(page.crop((round(x0) - pad, round(y0) - pad, round(x1) + pad, round(y1) + pad)))
    paper, ink = _colours(region)
    draw = ImageDraw.Draw(page)
    quad = box.get("quad")
    if quad:
        centre = np.mean(np.asarray(quad), axis=0)
        grown = [tuple(centre + (np.asarray(p) - centre) * 1.04 + np.sign(np.asarray(p) - centre) * pad) for p in quad]
        draw.polygon(grown, fill=paper)
    else:
        draw.rectangle((x0 - pad, y0 - pad, x1 + pad, y1 + pad), fill=paper)

    angle = _angle(quad)
    if quad:
        w = math.dist(quad[0], quad[1])
        h = math.dist(quad[1], quad[2])
    else:
        w, h = x1 - x0, y1 - y0
    font = _fit_font(font_path, surrogate, h, w * 1.15)
    bx0, by0, bx1, by1 = font.getbbox(surrogate)
    patch = Image.new("RGBA", (bx1 - bx0 + 4, by1 - by0 + 4), (*paper, 0))
    ImageDraw.Draw(patch).text((2 - bx0, 2 - by0), surrogate, font=font, fill=(*ink, 255))
    if binarize:
        alpha = patch.getchannel("A").point(lambda a: 255 if a > 110 else 0)
        patch.putalpha(alpha)
    elif soften > 0:
        patch = patch.filter(ImageFilter.GaussianBlur(soften))
    if abs(angle) > 0.2:
        patch = patch.rotate(-angle, resample=Image.Resampling.BICUBIC, expand=True)
    if quad:
        cx, cy = np.mean(np.asarray(quad), axis=0)
        left, top = round(cx - patch.width / 2), round(cy - patch.height / 2)
    else:
        left, top = round(x0) - 2, round(y0) - 2
    page.paste(patch, (left, top), patch)
    tight = patch.getchannel("A").getbbox() or (0, 0, patch.width, patch.height)
    bbox = [left + tight[0], top + tight[1], left + tight[2], top + tight[3]]
    return Rewritten(box["path"], surrogate, [float(v) for v in bbox], _words(surrogate, font, bbox, box["path"]))


def _words(text: str, font: ImageFont.FreeTypeFont, bbox: list[int], path: str) -> list[dict]:
    """Word boxes of the printed surrogate, spread along its (unrotated) box by advance width."""
    total = max(1.0, font.getlength(text))
    scale = (bbox[2] - bbox[0]) / total
    words, start = [], 0
    for word in text.split(" "):
        if word:
            a = bbox[0] + font.getlength(text[:start]) * scale
            b = a + font.getlength(word) * scale
            words.append({"text": word, "bbox": [round(a, 1), bbox[1], round(b, 1), bbox[3]], "kind": "value",
                          "path": path})
        start += len(word) + 1
    return words


def text_segments(page: Image.Image) -> list[Box]:
    """Boxes of text segments on a page: ruling removed, characters of a phrase merged."""
    import cv2

    gray = np.asarray(page.convert("L"))
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    scale = page.width / 1240
    for size in ((round(60 * scale), 1), (1, round(60 * scale))):  # long rules, then columns
        lines = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, size))
        ink = cv2.subtract(ink, lines)
    merged = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, round(14 * scale)), 3)))
    contours, _ = cv2.findContours(merged, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    boxes = []
    for c in contours:
        x, y, w, h = cv2.boundingRect(c)
        if 8 * scale <= h <= 90 * scale and w >= 8 * scale:
            boxes.append((float(x), float(y), float(x + w), float(y + h)))
    return sorted(boxes, key=lambda b: (round(b[1] / 10), b[0]))


def locate(page: Image.Image, wanted: Sequence[tuple[str, str]], lang: str = "kor",
           min_score: float = 85.0) -> dict[str, Box]:
    """Find where each (path, value) is printed, for pages that came without boxes.

    Returns the segment box for each path that was found with a fuzzy score >= min_score;
    a missing path means the value could not be located (the caller quarantines the page)."""
    from rapidfuzz import fuzz

    segments = text_segments(page)
    readings = read_boxes(page, segments, lang=lang)
    found: dict[str, Box] = {}
    for path, value in wanted:
        best, best_box = 0.0, None
        for seg, text in zip(segments, readings, strict=True):
            want, got = comparable(value, text)
            if not want or not got:
                continue
            score = fuzz.ratio(want, got) if len(got) <= len(want) * 1.5 else fuzz.partial_ratio(want, got) * 0.97
            if score > best:
                best, best_box = score, seg
        if best_box is not None and best >= min_score:
            found[path] = best_box
    return found


def rewrite_page(page: Image.Image, fields: list[dict], surrogates: Mapping[str, str], font_path: Path, *,
                 soften: float = 0.0, binarize: bool = False) -> dict[str, Rewritten]:
    """Rewrite every field path in ``surrogates`` that has a box; returns what was printed, by path."""
    by_path = {f["path"]: f for f in fields}
    return {path: rewrite_field(page, by_path[path], text, font_path, soften=soften, binarize=binarize)
            for path, text in surrogates.items() if path in by_path}
