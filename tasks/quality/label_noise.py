"""Label-noise detection: a second, independent reading of the label's values off the page.

An annotator (or a pipeline bug) can attach a label to the wrong page, mistype a name or
shift an amount. Tesseract reads the box of a few fields and the reading is compared with
the label; a document where several fields disagree is flagged for review, not dropped,
since Tesseract also misreads. Only fields Tesseract's Korean model reads reliably are
used (Hangul, digits, dates: ``LabelNoiseParams.fields``); it does not read Latin capitals.

Nothing here puts a value into an exception or a result: labels hold personal data, so a
reading reports the field's path and a similarity, never what was read or expected.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from PIL import Image

    from claimvlm.quality.params import LabelNoiseParams

_PATH_PART = re.compile(r"[^.\[\]]+")


@dataclass(frozen=True)
class FieldReading:
    """One field's agreement between the label and Tesseract: path and score only, no values."""

    path: str
    similarity: float  # 0..1, fuzz.ratio of the comparable forms
    flagged: bool  # similarity < params.min_similarity


def label_value(label: Mapping[str, Any], path: str, default: object = None) -> object:
    """The value at ``path`` (``patient_name``, ``diagnoses[0].name``), or ``default``."""
    node: object = label
    for part in _PATH_PART.findall(path):
        try:
            node = node[int(part)] if part.isdigit() else node[part]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            return default
    return node


def similarity(label_value_: object, text: str) -> float:
    """Normalised similarity of a label value and a reading, after ``claimvlm.ocr.comparable``."""
    from rapidfuzz import fuzz

    from claimvlm.ocr import comparable

    want, got = comparable(label_value_, text)
    return fuzz.ratio(want, got) / 100.0


def _checkable(fields: Sequence[Mapping[str, Any]], label: Mapping[str, Any],
               wanted: Sequence[str]) -> list[tuple[str, object, Sequence[float]]]:
    """(path, value, bbox) of each wanted field that has a box and a non-empty label value.

    The first box of a path wins (a value printed twice is read once). A null or empty value
    has nothing to compare: the schema stage judges missing values, not this one.
    """
    from claimvlm.ocr import comparable

    out: list[tuple[str, object, Sequence[float]]] = []
    seen: set[str] = set()
    for f in fields:
        path = f.get("path")
        if path not in wanted or path in seen:
            continue
        seen.add(path)
        value = label_value(label, path)
        if value is None or not comparable(value, "")[0]:
            continue
        out.append((path, value, f["bbox"]))
    return out


def flatten_illumination(image: np.ndarray | Image.Image) -> Image.Image:
    """The page in grey with uneven lighting divided out, so the paper is white everywhere.

    ``read_boxes`` pastes the crops onto a white sheet and Tesseract binarises the sheet with
    one global threshold: the grey paper of a shadowed phone photo then falls on the ink's
    side and whole pages read as nothing (2 of 100 generator photos before this step). The
    paper's brightness is estimated with a max filter that removes the text (a quarter-scale
    page, 7 px = 28 px at full size, wider than any stroke), smoothed and scaled back.
    """
    import cv2
    from PIL import Image

    arr = np.asarray(image.convert("L") if isinstance(image, Image.Image) else image)
    gray = arr if arr.ndim == 2 else cv2.cvtColor(np.ascontiguousarray(arr[:, :, :3]), cv2.COLOR_RGB2GRAY)
    h, w = gray.shape
    small = cv2.resize(gray, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
    paper = cv2.GaussianBlur(cv2.dilate(small, np.ones((7, 7), np.uint8)), (0, 0), 3)
    paper = cv2.resize(paper, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    flat = gray.astype(np.float32) * 255.0 / np.maximum(paper, 1.0)
    return Image.fromarray(np.clip(flat, 0, 255).astype(np.uint8))


def disagreements(image: np.ndarray | Image.Image, boxes: Mapping[str, Any], label: Mapping[str, Any],
                  params: LabelNoiseParams) -> list[FieldReading]:
    """Read the boxes of ``params.fields`` in one Tesseract call and score each against the label.

    Returns one reading per field that has both a box and a label value, in the order of the
    boxes; empty when the check is disabled or no field applies.
    """
    from claimvlm.ocr import read_boxes

    if not params.enabled:
        return []
    todo = _checkable(boxes.get("fields", ()), label, params.fields)
    if not todo:
        return []
    texts = read_boxes(flatten_illumination(image), [bbox for _, _, bbox in todo], lang=params.lang)
    readings = []
    for (path, value, _), text in zip(todo, texts, strict=True):
        score = round(similarity(value, text), 4)
        readings.append(FieldReading(path, score, score < params.min_similarity))
    return readings


def is_noisy(readings: Sequence[FieldReading], params: LabelNoiseParams) -> bool:
    """At least ``params.min_disagreements`` fields disagree.

    One disagreement alone is not enough by default: Tesseract misreads a single field now
    and then, while a label that belongs to another page disagrees nearly everywhere.
    """
    return sum(r.flagged for r in readings) >= params.min_disagreements


def sampled(doc_id: str, share: float) -> bool:
    """Whether ``doc_id`` is among the ``share`` of documents the second reading samples.

    A hash of the id, not a random draw: the same documents are read in every run and on every
    machine (the stage's outputs stay reproducible), whatever else the batch holds.
    """
    if share >= 1.0:
        return True
    digest = hashlib.sha256(doc_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") < share * 2**64


def flagged_paths(readings: Sequence[FieldReading]) -> list[str]:
    """The paths that disagree, for a review queue or a report (paths only, never values)."""
    return [r.path for r in readings if r.flagged]
