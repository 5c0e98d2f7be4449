"""Reading boxes of a page with Tesseract, the classic OCR engine a team would use without a VLM.

Tesseract reads little of a whole ruled form but nearly every value on a cropped line, and
starting it once per crop costs a process each time. So the crops of one page are stacked
into a single column image, read in one call, and the words are sent back to the crop
whose band they fall in.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence

from PIL import Image

from claimvlm.errors import ClaimvlmError

Box = Sequence[float]
_GAP = 24  # white rows between stacked crops; more than any descender


class OcrUnavailable(ClaimvlmError, RuntimeError):
    """Tesseract or its Korean language data is not installed."""


def require_tesseract(lang: str = "kor") -> None:
    import pytesseract

    if shutil.which("tesseract") is None:
        raise OcrUnavailable("tesseract is not installed: apt-get install tesseract-ocr tesseract-ocr-kor")
    missing = set(lang.split("+")) - set(pytesseract.get_languages(config=""))
    if missing:
        raise OcrUnavailable(f"Tesseract language data missing: {sorted(missing)} (apt-get install tesseract-ocr-kor)")


def read_boxes(image: Image.Image, boxes: Sequence[Box], lang: str = "kor", pad: int = 6) -> list[str]:
    """The text Tesseract reads in each box (x0, y0, x1, y1) of ``image``, in the same order."""
    import pytesseract

    if not boxes:
        return []
    gray = image.convert("L")
    crops = [gray.crop((round(x0) - pad, round(y0) - pad, round(x1) + pad, round(y1) + pad)) for x0, y0, x1, y1 in boxes]
    width = max(c.width for c in crops) + 2 * _GAP
    sheet = Image.new("L", (width, sum(c.height + _GAP for c in crops) + _GAP), 255)
    bands = []
    y = _GAP
    for crop in crops:
        sheet.paste(crop, (_GAP, y))
        bands.append((y - _GAP / 2, y + crop.height + _GAP / 2))
        y += crop.height + _GAP
    data = pytesseract.image_to_data(sheet, lang=lang, config="--psm 6", output_type=pytesseract.Output.DICT)
    words: list[list[tuple[int, str]]] = [[] for _ in crops]
    for text, left, top, height in zip(data["text"], data["left"], data["top"], data["height"], strict=True):
        if not text.strip():
            continue
        centre = top + height / 2
        for i, (lo, hi) in enumerate(bands):
            if lo <= centre < hi:
                words[i].append((left, text))
                break
    return [" ".join(t for _, t in sorted(ws)) for ws in words]


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER = re.compile(r"^[\d,]+$")


def comparable(label_value: object, text: str) -> tuple[str, str]:
    """Normalise a label value and a reading of it for an exact comparison.

    Dates and amounts are compared by their digits (a date may be printed as 2024.03.05 or
    2024년 03월 05일); other text ignores spaces and punctuation.
    """
    value = str(label_value)
    if _DATE.match(value) or _NUMBER.match(value):
        return re.sub(r"\D", "", value), re.sub(r"\D", "", text)
    keep = re.compile(r"[^0-9A-Za-z가-힣]")
    return keep.sub("", value), keep.sub("", text)
