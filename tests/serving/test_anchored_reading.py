"""Serving reads a page as evaluation scored it: the same anchored prompt (the service reads the
upload with the same OCR engine the build stage used), so the same answer, and an answer that
evaluation counts as valid is one the service answers (never a 502)."""

from __future__ import annotations

from pathlib import Path

import pytest

from claimvlm.dataset.reader import prompt_for, read_split
from claimvlm.model.prompt import PromptSpec
from claimvlm.model.reading import generate_json, parse_prediction
from claimvlm.model.source import load
from claimvlm.ocr import require_tesseract
from claimvlm.serving.confidence import parse_answer
from claimvlm.serving.hf import TransformersBackend
from tests.conftest import ROOT
from tests.fixtures.models import built_dataset

BASE = ROOT / "models" / "base" / "claimvlm-tiny"
TOKENS = 400  # a surgery record's answer is about 250 tokens


@pytest.mark.slow
def test_the_service_answers_what_evaluation_scored(tmp_path: Path) -> None:
    require_tesseract("kor+eng")
    dataset = built_dataset(tmp_path, 3, doc_types={"surgery_record": 1.0}, seed=5,
                            splits={"train": 0.0, "val": 0.0, "test": 1.0}, anchoring=True)
    test = read_split(dataset, "test")
    spec = PromptSpec.load(BASE, "")
    assert spec.anchored
    model, processor = load(BASE, min_pixels=3136, max_pixels=71680)
    model.eval()
    scored = generate_json(model, processor, [ex.page() for ex in test], [prompt_for(ex, spec) for ex in test],
                           max_new_tokens=TOKENS, batch_size=len(test))
    backend = TransformersBackend(model, processor, spec.instruction, TOKENS, prompt=spec)
    served = backend.read([ex.page() for ex in test])
    assert backend.anchor_seconds > 0  # the upload was read with OCR, and timed
    assert [r.text for r in served] == scored
    for reading in served:
        assert (parse_answer(reading) is None) == (parse_prediction(reading.text) is None)
