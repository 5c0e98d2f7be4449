"""Unlabelled pages: pseudonymised from their own Tesseract reading, checked by a second reading,
released or quarantined; on generated pages whose labels say what each identifier is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from claimvlm.config import Params
from claimvlm.ocr import comparable
from claimvlm.page_ocr import ocr_words
from claimvlm.privacy.pages import redact_page
from claimvlm.privacy.surrogates import Pseudonymizer
from claimvlm.schema import PII_FIELDS
from claimvlm.synthesis import fonts, generate

KEY = "test-key-0123456789abcdef"


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, dict[str, Any]]]:
    """Two generated documents of the types with the most identifiers on the page."""
    src = tmp_path_factory.mktemp("pages")
    base = Params().synth
    synth = base.model_copy(update={"num_docs": 2, "workers": 1, "seed": 11,
                                    "degrade": base.degrade.model_copy(update={"prob": 0.0}),
                                    "doc_types": {"diagnosis_certificate": 1.0, "surgery_record": 1.0}})
    generate.run(synth, src, progress=False)
    return [(next((src / "images").glob(f"{label.stem}.*")), json.loads(label.read_text()))
            for label in sorted((src / "labels").glob("*.json"))]


def _identifiers(label: dict[str, Any]) -> list[str]:
    return [str(label[f]) for f in PII_FIELDS if label.get(f)]


def _read(page: Image.Image) -> str:
    return "".join(w.text for w in ocr_words(page))


def test_an_unlabelled_page_is_released_without_any_identifier_tesseract_reads(pages) -> None:
    font = fonts.require_hangul("NanumGothic")
    for path, label in pages:
        page = Image.open(path)
        before = _read(page)
        out, outcome, originals = redact_page(page, Pseudonymizer(KEY.encode()), font)
        assert outcome.released, outcome
        assert outcome.replaced.get("name") and outcome.replaced.get("rrn")
        after = _read(out)
        readable = [v for v in _identifiers(label) if comparable(v, before)[0] in comparable(v, before)[1]]
        assert readable, "the page's identifiers should be readable before"
        assert not [v for v in readable if comparable(v, after)[0] in comparable(v, after)[1]]
        # what the model must still read: the diagnosis codes and dates
        kept = [d["kcd_code"] for d in label.get("diagnoses", [])] + [label[k] for k in label if k.endswith("_date")]
        kept = [str(v) for v in kept if v and comparable(str(v), before)[0] in comparable(str(v), before)[1]]
        assert kept and all(comparable(v, after)[0] in comparable(v, after)[1] for v in kept)
        assert {t for t, _ in originals} >= {"name", "rrn"}


def test_a_page_whose_check_fails_is_not_released(pages) -> None:
    """A surrogate that is the original (a broken replacement): the second reading sees the value."""
    path, label = pages[0]
    _out, outcome, _ = redact_page(Image.open(path), lambda kind, value: value, fonts.require_hangul("NanumGothic"))
    assert not outcome.released and outcome.reason == "original_remains"
    assert "name" in outcome.detail and label["patient_name"] not in outcome.detail  # types, never values


def test_redact_page_cli(pages, tmp_path: Path) -> None:
    path, label = pages[0]
    out = tmp_path / "page.png"
    res = subprocess.run([str(Path(sys.executable).parent / "claimvlm"), "redact-page", str(path), str(out)],
                         env={**os.environ, "CLAIMVLM_PSEUDONYM_KEY": KEY}, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["released"] and summary["replaced"]["name"] >= 1 and out.is_file()
    assert label["patient_name"] not in res.stdout + res.stderr  # no values in what it prints


def test_a_long_number_of_no_known_type_holds_the_page_back() -> None:
    """The screen behind the release check: an identifier whose OCR the rules no longer recognise is
    still a long number, and a page that shows one is not released; dates and typed numbers pass."""
    from claimvlm.page_ocr import Word
    from claimvlm.privacy.pages import Found, untyped_numbers

    def line(*texts: str) -> list[Word]:
        return [Word(t, 10.0 * i, 0, 10.0 * i + 9, 10) for i, t in enumerate(texts)]

    phone = Found("phone", "010-6742-7237", (0, 0, 1, 1), (0, 0, 1, 1))
    assert untyped_numbers([line("연락처", "010-6742-7237", "2025.03.04"), line("입원", "2024-03-15")], [phone]) == 0
    assert untyped_numbers([line("금액", "1,250,000원", "S82.0", "N0711")], []) == 0
    assert untyped_numbers([line("주민번호", "9OO1O1-l234567")], []) == 1  # OCR look-alikes
    assert untyped_numbers([line("등록No", "20241234567"), line("계좌", "110-234-567890")], [phone]) == 2
