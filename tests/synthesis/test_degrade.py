"""Degradations change the page and keep the boxes on the text they belong to."""

from __future__ import annotations

import json

import numpy as np
import pytest

from claimvlm.synthesis.degrade import STEPS, Page, build_step
from claimvlm.synthesis.generate import CLEAN, _moved, make_document
from claimvlm.synthesis.params import StepParams, SynthParams


def _ink_in_boxes(image: np.ndarray, fields: list[dict]) -> float:
    gray = image.mean(axis=2)
    hits = 0
    for f in fields:
        x0, y0, x1, y1 = (round(v) for v in f["bbox"])
        hits += gray[y0:y1 + 1, x0:x1 + 1].size > 0 and gray[y0:y1 + 1, x0:x1 + 1].min() < 140
    return hits / len(fields)


@pytest.mark.parametrize("name", sorted(STEPS))
def test_each_step_changes_the_image_and_keeps_shapes(synth_params: SynthParams, name: str) -> None:
    doc = make_document(synth_params, 2, doc_type="diagnosis_certificate", layout="grid", profile=CLEAN)
    step = build_step(name, StepParams(name=name).args)
    points = np.array([[100.0, 100.0], [500.0, 900.0]], dtype=np.float32)
    page = step(Page(doc.image, points, np.random.default_rng(0)))
    assert page.image.shape == doc.image.shape and page.image.dtype == np.uint8
    assert page.points.shape == points.shape
    assert np.abs(page.image.astype(int) - doc.image.astype(int)).mean() > 0.01


def _dots(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A white page with small black squares far from the centre, and their centres."""
    image = np.full((1754, 1240, 3), 255, np.uint8)
    centres = []
    while len(centres) < 40:
        x, y = rng.integers(40, 1200), rng.integers(40, 1714)
        if abs(x - 620) + abs(y - 877) > 500:
            image[y - 7:y + 8, x - 7:x + 8] = 0
            centres.append((x, y))
    return image, np.asarray(centres, dtype=np.float32)


@pytest.mark.parametrize(("name", "args"), [("rotate", {"max_degrees": 6.0}), ("perspective", {"scale": (0.05, 0.08)})])
def test_keypoints_follow_geometric_steps(name: str, args: dict) -> None:
    step = build_step(name, args)
    for seed in range(5):
        image, centres = _dots(np.random.default_rng(seed))
        page = step(Page(image, centres, np.random.default_rng(100 + seed)))
        gray = page.image.mean(axis=2)
        inside = [(x, y) for x, y in page.points if 0 <= x < 1239.5 and 0 <= y < 1753.5]
        moved = [gray[round(y), round(x)] for x, y in inside] + [255.0] * (len(centres) - len(inside))
        stayed = [gray[round(y), round(x)] for x, y in centres]
        assert np.mean(np.asarray(moved) < 128) >= 0.95, "transformed points are not on their squares"
        # The check can fail: the untransformed points mostly miss the squares.
        assert np.mean(np.asarray(stayed) < 128) < 0.8


@pytest.mark.parametrize("profile", ["scan", "fax", "photo"])
def test_documents_keep_labels_and_boxes_on_ink(synth_params: SynthParams, profile: str) -> None:
    for index in range(3):
        doc = make_document(synth_params, index, doc_type="admission_discharge", layout="grid", profile=profile)
        clean = make_document(synth_params, index, doc_type="admission_discharge", layout="grid", profile=CLEAN)
        assert doc.label == clean.label
        assert _ink_in_boxes(doc.image, doc.boxes["fields"]) >= 0.95
        if {"rotate", "perspective"} & set(doc.meta["degradation"]["steps"]):
            assert all(len(f["quad"]) == 4 for f in doc.boxes["fields"])


def test_degradation_is_recorded_in_metadata(synth_params: SynthParams) -> None:
    doc = make_document(synth_params, 4, profile="fax")
    assert doc.meta["degradation"]["profile"] == "fax"
    assert "binarize" in doc.meta["degradation"]["steps"]
    # Black and white, but for the streaks drawn over the binarized page.
    assert np.isin(doc.image, (0, 255)).mean() > 0.97


def test_moved_boxes_match_the_per_box_computation() -> None:
    """generate._moved works on all boxes at once; its JSON must stay what np.clip and float()
    per box gave (labels and boxes must not change when the generator gets faster)."""
    rng = np.random.default_rng(5)
    points = rng.uniform(-40, 1300, (4 * 50, 2)).astype(np.float32)
    points[::7] = -0.0
    boxes = [{"text": f"w{i}", "bbox": [0, 0, 1, 1], "kind": "value", "path": None} for i in range(50)]
    want = []
    for box, quad in zip(boxes, points.reshape(-1, 4, 2), strict=True):
        x0, y0 = np.clip(quad.min(axis=0), 0, (1240, 1254))
        x1, y1 = np.clip(quad.max(axis=0), 0, (1240, 1254))
        rounded = [[round(float(x), 1), round(float(y), 1)] for x, y in quad]
        want.append({**box, "bbox": [round(float(v), 1) for v in (x0, y0, x1, y1)], "quad": rounded})
    got = _moved(boxes, points, (1240, 1254))
    assert json.dumps(got) == json.dumps(want)
