"""Rendering: every label value is drawn, boxed, and the boxes are where the ink is."""

from __future__ import annotations

import random
import re

import numpy as np
import pytest

from claimvlm.schema import DOC_TYPES
from claimvlm.synthesis.forms import FORMS
from claimvlm.synthesis.generate import CLEAN, fontset, make_document
from claimvlm.synthesis.params import SynthParams
from claimvlm.synthesis.render import LAYOUTS, page_size, render, text_style
from claimvlm.synthesis.values import GENERATORS


def _leaf_paths(value: object, prefix: str = "") -> set[str]:
    if isinstance(value, dict):
        return set().union(*(_leaf_paths(v, f"{prefix}.{k}" if prefix else k) for k, v in value.items()))
    if isinstance(value, list):
        return set().union(*(_leaf_paths(v, f"{prefix}[{i}]") for i, v in enumerate(value)))
    return {prefix}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("doc_type", DOC_TYPES)
def test_every_label_value_is_drawn_and_boxed(synth_params: SynthParams, doc_type: str, layout: str) -> None:
    doc = make_document(synth_params, 3, doc_type=doc_type, layout=layout, profile=CLEAN)
    paths = {f["path"] for f in doc.boxes["fields"]}
    assert paths == _leaf_paths(doc.label) - {"document_type"}
    w, h = page_size(synth_params.dpi)
    assert doc.image.shape == (h, w, 3) and w / h == pytest.approx(210 / 297, rel=0.01)
    gray = doc.image.mean(axis=2)
    for f in doc.boxes["fields"]:
        x0, y0, x1, y1 = (round(v) for v in f["bbox"])
        assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h
        assert gray[y0:y1, x0:x1].min() < 100, f"no ink inside the box of {f['path']}"
    # Word boxes cover every printed word, labels and title included.
    kinds = {wd["kind"] for wd in doc.boxes["words"]}
    assert {"title", "label", "value"} <= kinds
    value_words = " ".join(wd["text"] for wd in doc.boxes["words"] if wd["kind"] == "value")
    for f in doc.boxes["fields"]:
        assert f["text"].split(" ")[0] in value_words


def test_layouts_differ_and_look_preprinted(synth_params: SynthParams) -> None:
    images = [make_document(synth_params, 5, doc_type="receipt", layout=name, profile=CLEAN).image
              for name in sorted(LAYOUTS)]
    for a in range(len(images)):
        for b in range(a + 1, len(images)):
            assert np.abs(images[a].astype(int) - images[b].astype(int)).mean() > 1.0
    img = images[0].astype(int)
    red = (img[..., 0] > 150) & (img[..., 1] < 110) & (img[..., 2] < 110)
    assert red.sum() > 200, "the red hospital seal is missing"


def test_values_are_darker_than_printed_labels(synth_params: SynthParams) -> None:
    doc = make_document(synth_params, 9, doc_type="diagnosis_certificate", layout="grid", profile=CLEAN)
    gray = doc.image.mean(axis=2)

    def darkest(kind: str) -> float:
        boxes = [wd["bbox"] for wd in doc.boxes["words"] if wd["kind"] == kind]
        return float(np.median([np.percentile(gray[round(b[1]):round(b[3]), round(b[0]):round(b[2])], 5)
                                for b in boxes]))

    assert darkest("value") + 30 < darkest("label")


def test_dpi_scales_the_page(synth_params: SynthParams) -> None:
    hi = synth_params.model_copy(update={"dpi": 300})
    doc = make_document(hi, 1, doc_type="surgery_record", layout="lined", profile=CLEAN)
    assert doc.image.shape[:2] == (3508, 2480)


def test_longest_bill_fits_the_page(synth_params: SynthParams) -> None:
    fs = fontset(synth_params, synth_params.fonts.values[0])
    for layout in LAYOUTS.values():
        for seed in range(5):
            bill = GENERATORS["itemized_bill"](random.Random(seed), (16, 16))
            canvas = render(FORMS["itemized_bill"](bill, text_style(layout)), layout, fs, 150)
            assert len([f for f in canvas.fields if re.match(r"line_items\[\d+\]\.amount", f["path"])]) == 16
