"""Label noise: Tesseract's second reading agrees with a page's own label and disagrees with a
label that belongs to another page of the same type."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from PIL import Image

from claimvlm.config import Params
from claimvlm.ocr import require_tesseract
from claimvlm.quality.label_noise import (
    FieldReading,
    disagreements,
    flagged_paths,
    flatten_illumination,
    is_noisy,
    label_value,
    similarity,
)
from claimvlm.quality.params import LabelNoiseParams
from claimvlm.schema import DOC_TYPES
from claimvlm.synthesis.generate import CLEAN, Document, encode, make_document

pytestmark = [pytest.mark.slow, pytest.mark.system]

SYNTH = Params().synth
PARAMS = Params().qc.label_noise


def stored(doc: Document, profile: str) -> Image.Image:
    """The page as the synth stage writes it: PNG when clean, JPEG when degraded."""
    return Image.open(io.BytesIO(encode(doc.image, "png" if profile == CLEAN else "jpeg", SYNTH)))


@pytest.fixture(scope="module", autouse=True)
def tesseract() -> None:
    require_tesseract(PARAMS.lang)


@pytest.fixture(scope="module")
def receipt() -> Document:
    return make_document(SYNTH, 31, doc_type="receipt", profile=CLEAN)


@pytest.fixture(scope="module")
def other_receipt() -> dict[str, Any]:
    return make_document(SYNTH, 32, doc_type="receipt", profile=CLEAN).label


def test_a_page_with_its_own_label_is_not_noisy(receipt: Document) -> None:
    readings = disagreements(receipt.image, receipt.boxes, receipt.label, PARAMS)
    assert [r.path for r in readings] == ["patient_name", "chart_no", "total", "issue_date", "hospital_name"]
    assert all(r.similarity >= 0.9 for r in readings), readings
    assert not is_noisy(readings, PARAMS) and flagged_paths(readings) == []


def test_the_same_page_with_another_documents_label_is_noisy(receipt: Document, other_receipt: dict) -> None:
    readings = disagreements(receipt.image, receipt.boxes, other_receipt, PARAMS)
    assert is_noisy(readings, PARAMS), readings
    flagged = flagged_paths(readings)
    assert "patient_name" in flagged and len(flagged) >= PARAMS.min_disagreements


@pytest.mark.parametrize("profile", [CLEAN, "scan", "photo"])
def test_every_document_type_agrees_with_its_label_and_not_with_a_swapped_one(profile: str) -> None:
    # At the calibrated threshold (0.7; the measured window with no false flag and every swap
    # caught was 0.65-0.8 over 100 documents per profile) and at the default.
    calibrated = PARAMS.model_copy(update={"min_similarity": 0.7})
    for k, doc_type in enumerate(DOC_TYPES):
        doc = make_document(SYNTH, 40 + k, doc_type=doc_type, profile=profile)
        swapped = make_document(SYNTH, 60 + k, doc_type=doc_type, profile=CLEAN).label
        page = stored(doc, profile)
        for params in (PARAMS, calibrated):
            own = disagreements(page, doc.boxes, doc.label, params)
            assert not is_noisy(own, params), (doc_type, profile)
        assert is_noisy(disagreements(page, doc.boxes, swapped, calibrated), calibrated), (doc_type, profile)


def test_readings_and_their_text_hold_no_values(receipt: Document, other_receipt: dict) -> None:
    readings = disagreements(receipt.image, receipt.boxes, other_receipt, PARAMS)
    shown = repr(readings)
    for label in (receipt.label, other_receipt):
        for path in PARAMS.fields:
            assert str(label[path]) not in shown
    assert all(isinstance(r, FieldReading) for r in readings)


def test_fields_without_a_box_or_a_value_are_skipped(receipt: Document) -> None:
    label = {**receipt.label, "chart_no": None}
    del label["total"]
    fields = ("patient_name", "chart_no", "total", "department", "opinion")
    params = PARAMS.model_copy(update={"fields": fields})
    readings = disagreements(receipt.image, receipt.boxes, label, params)
    # chart_no: null label; total: no label value; opinion: no box on a receipt.
    assert [r.path for r in readings] == ["patient_name", "department"]
    assert not any(r.flagged for r in readings)


def test_nested_paths_are_read_too() -> None:
    doc = make_document(SYNTH, 33, doc_type="diagnosis_certificate", profile=CLEAN)
    params = PARAMS.model_copy(update={"fields": ("patient_name", "diagnoses[0].name")})
    readings = disagreements(doc.image, doc.boxes, doc.label, params)
    assert [r.path for r in readings] == ["patient_name", "diagnoses[0].name"]
    assert label_value(doc.label, "diagnoses[0].name") == doc.label["diagnoses"][0]["name"]


def test_disabled_check_reads_nothing(receipt: Document) -> None:
    off = PARAMS.model_copy(update={"enabled": False})
    assert disagreements(receipt.image, receipt.boxes, receipt.label, off) == []


def test_is_noisy_counts_disagreements() -> None:
    params = LabelNoiseParams(min_disagreements=2)
    one = [FieldReading("a", 0.1, True), FieldReading("b", 1.0, False)]
    two = [*one, FieldReading("c", 0.3, True)]
    assert not is_noisy(one, params) and is_noisy(two, params) and not is_noisy([], params)


def test_similarity_compares_normalised_forms() -> None:
    assert similarity("2024-03-05", "2024년 03월 05일") == 1.0
    assert similarity(1371960, "1.371,960") == 1.0
    assert similarity("홍길동", "홍 길 동") == 1.0
    assert similarity("홍길동", "홍길둥") == pytest.approx(2 / 3, abs=0.01)
    assert similarity("홍길동", "") == 0.0


def test_flattening_whitens_a_shadowed_page_and_keeps_the_ink() -> None:
    page = np.full((400, 300), 255, np.uint8)
    page[100:110, 50:250] = 40  # a text stroke
    shade = np.linspace(1.0, 0.7, 300)[None, :]  # darker towards the right, as a phone's shadow
    flat = np.asarray(flatten_illumination((page * shade).astype(np.uint8)))
    assert flat[300, 280] >= 250 and flat[105, 240] <= 60
