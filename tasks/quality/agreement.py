"""Agreement between two annotations of the same documents: boxes, categorical fields, labels.

Used when a sample of documents is annotated twice (two annotators, or an annotator and the
model) to measure how consistent the ground truth is: box IoU matched one-to-one with the
Hungarian algorithm, per-field exact agreement after the same normalisation the OCR checks
use (``claimvlm.ocr.comparable``), and Cohen's kappa, which discounts the agreement two
annotators would reach by chance, over the schema's categorical fields.

Results hold field names, rates and counts only, never values (labels hold personal data).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

Box = Sequence[float]  # (x0, y0, x1, y1)

# The schema's Literal-typed fields (tasks/schema.py), wherever they occur: document_type at
# the top, certainty in diagnoses[], category and coverage in line_items[] and rows[].
CATEGORICAL_FIELDS: tuple[str, ...] = ("document_type", "certainty", "anesthesia", "visit_type", "coverage",
                                       "category")


# --- boxes -------------------------------------------------------------------------------

def box_iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes; 0 when they do not overlap or one has no area."""
    ax0, ay0, ax1, ay1 = map(float, a)
    bx0, by0, bx1, by1 = map(float, b)
    if ax1 <= ax0 or ay1 <= ay0 or bx1 <= bx0 or by1 <= by0:
        return 0.0
    inter = max(0.0, min(ax1, bx1) - max(ax0, bx0)) * max(0.0, min(ay1, by1) - max(ay0, by0))
    union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter
    return inter / union if inter > 0 else 0.0


def iou_matrix(boxes_a: Sequence[Box], boxes_b: Sequence[Box]) -> np.ndarray:
    """IoU of every box of ``boxes_a`` (rows) with every box of ``boxes_b`` (columns)."""
    return np.array([[box_iou(a, b) for b in boxes_b] for a in boxes_a], dtype=float).reshape(
        len(boxes_a), len(boxes_b))


def match_boxes(boxes_a: Sequence[Box], boxes_b: Sequence[Box],
                min_iou: float = 0.5) -> tuple[list[tuple[int, int, float]], float]:
    """Pair boxes one-to-one maximising total IoU; keep pairs with IoU >= ``min_iou``.

    Returns ``([(index_a, index_b, iou), ...], mean IoU of those pairs)``; the mean is 0.0
    when nothing matches. Boxes left out of the pairs are the misses of either side.
    """
    from scipy.optimize import linear_sum_assignment

    if not boxes_a or not boxes_b:
        return [], 0.0
    iou = iou_matrix(boxes_a, boxes_b)
    rows, cols = linear_sum_assignment(iou, maximize=True)
    pairs = [(int(r), int(c), float(iou[r, c]))
             for r, c in zip(rows, cols, strict=True) if iou[r, c] >= min_iou]
    return pairs, (float(np.mean([p[2] for p in pairs])) if pairs else 0.0)


# --- categorical agreement -------------------------------------------------------------------

def cohens_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Cohen's kappa of two raters' labels of the same items.

    Labels may be any hashable values (None included): they are coded as integers first,
    since scikit-learn sorts them. When both raters use one and the same category throughout,
    chance agreement is 1 and kappa is 0/0; they agree entirely, so this returns 1.0.
    """
    from sklearn.metrics import cohen_kappa_score

    if len(a) != len(b):
        raise ValueError(f"the two raters labelled different numbers of items: {len(a)} and {len(b)}")
    if not a:
        raise ValueError("no items to compare")
    codes = {v: i for i, v in enumerate(dict.fromkeys([*a, *b]))}
    if len(codes) == 1:
        return 1.0
    return float(cohen_kappa_score([codes[v] for v in a], [codes[v] for v in b]))


# --- labels --------------------------------------------------------------------------------

def _normalised(value: Any) -> Any:
    """A value reduced as ``claimvlm.ocr.comparable`` reduces it, recursively through lists and dicts."""
    from claimvlm.ocr import comparable

    if isinstance(value, Mapping):
        return {k: _normalised(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normalised(v) for v in value]
    if value is None:
        return None
    return comparable(value, "")[0]


def values_agree(a: Any, b: Any) -> bool:
    """Exact agreement after normalisation: 2024-03-05 = 2024.03.05, 1,000 = 1000, spaces ignored."""
    return _normalised(a) == _normalised(b)


def label_agreement(label_a: Mapping[str, Any], label_b: Mapping[str, Any]) -> dict[str, bool]:
    """Per top-level field: do the two labels agree? A field only one label has disagrees.

    A list field (diagnoses, line items, receipt rows) agrees only when every item does.
    """
    return {k: k in label_a and k in label_b and values_agree(label_a[k], label_b[k])
            for k in dict.fromkeys([*label_a, *label_b])}


def _aligned(a: Any, b: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """(leaf key, value a, value b) for every leaf both structures have, lists paired by index."""
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        for k in a.keys() & b.keys():
            yield from _aligned(a[k], b[k], k)
    elif isinstance(a, list) and isinstance(b, list):
        for x, y in zip(a, b, strict=False):
            yield from _aligned(x, y, path)
    else:
        yield path, a, b


def _unpack(annotation: Mapping[str, Any]) -> tuple[Mapping[str, Any], list[Box] | None]:
    """An annotation is a label, or ``{"label": ..., "boxes": ...}`` where boxes is a list of
    (x0, y0, x1, y1) or the generator's boxes JSON (its "fields" and their "bbox")."""
    if "label" not in annotation:
        return annotation, None
    boxes = annotation.get("boxes")
    if isinstance(boxes, Mapping):
        boxes = [f["bbox"] for f in boxes.get("fields", ())]
    return annotation["label"], (list(boxes) if boxes else None)


def annotator_agreement(pairs: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]],
                        min_iou: float = 0.5) -> dict[str, Any]:
    """Agreement of two annotations over many documents.

    Returns ``documents``; ``fields``: per top-level field, the documents it occurs in and the
    share that agree; ``kappa``: Cohen's kappa per categorical field over every occurrence
    both annotations have (list items paired by position), with its item count; and, over the
    documents where both annotations have boxes, ``boxes``: pooled mean IoU of the matched
    pairs and the share of boxes matched (matched pairs / the larger side's count).
    """
    agree: dict[str, list[bool]] = {}
    cats: dict[str, tuple[list[Hashable], list[Hashable]]] = {}
    ious: list[float] = []
    box_docs = matched = larger = 0
    for ann_a, ann_b in pairs:
        label_a, boxes_a = _unpack(ann_a)
        label_b, boxes_b = _unpack(ann_b)
        for field, ok in label_agreement(label_a, label_b).items():
            agree.setdefault(field, []).append(ok)
        for key, va, vb in _aligned(label_a, label_b):
            if key in CATEGORICAL_FIELDS and isinstance(va, Hashable) and isinstance(vb, Hashable):
                xs, ys = cats.setdefault(key, ([], []))
                xs.append(va)
                ys.append(vb)
        if boxes_a and boxes_b:
            found, _ = match_boxes(boxes_a, boxes_b, min_iou)
            ious.extend(iou for _, _, iou in found)
            box_docs += 1
            matched += len(found)
            larger += max(len(boxes_a), len(boxes_b))
    result: dict[str, Any] = {
        "documents": len(pairs),
        "fields": {f: {"documents": len(v), "agreement": sum(v) / len(v)} for f, v in sorted(agree.items())},
        "kappa": {f: {"items": len(xs), "kappa": cohens_kappa(xs, ys)}
                  for f, (xs, ys) in sorted(cats.items())},
    }
    if box_docs:
        result["boxes"] = {"documents": box_docs, "mean_iou": float(np.mean(ious)) if ious else 0.0,
                           "matched_share": matched / larger}
    return result
