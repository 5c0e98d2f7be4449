"""The learned backstop of the free-text detector: a character CRF trained on the generated corpora."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimvlm.privacy import tagger
from claimvlm.privacy.detect import Example, evaluate, find_pii


def test_labels_round_trip_spaced_names_and_trim_spaces() -> None:
    text = "보호자 안 재 빛 (인) 010-1234-5678"
    spans = [("name", 4, 9), ("phone", 14, 27)]
    labels = tagger.bio(text, spans)
    assert labels[4] == "B-name" and labels[5] == "I-name" and labels[13] == "O"
    assert tagger.spans_of(text, labels) == spans
    # a span the model opens with I- or pads with spaces still comes out whole and trimmed
    labels[4], labels[3] = "I-name", "I-name"
    assert tagger.spans_of(text, labels) == spans
    assert len(tagger.features(text)) == len(text) and tagger.features("") == []


def test_no_model_means_no_spans(tmp_path: Path) -> None:
    assert tagger.tag("환자명 홍길동", tmp_path / "missing.crfsuite") == []


@pytest.fixture(scope="module")
def small_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tagger") / "small.crfsuite"
    return tagger.train(tagger.corpus(400, seed=5), out, iterations=40)


def test_a_model_trained_on_one_draw_finds_names_in_another(small_model: Path) -> None:
    unseen = [Example(text, tuple((k, a, b) for k, a, b in spans), ())
              for text, spans in tagger.corpus(150, seed=99)]

    def crf(text: str) -> list:
        from claimvlm.privacy.detect import Span
        return [Span(k, a, b, text[a:b]) for k, a, b, _ in tagger.tag(text, small_model)]

    report = evaluate(unseen, crf)
    assert report["name"]["support"] > 100
    assert report["name"]["recall"] > 0.6 and report["name"]["precision"] > 0.6, report["name"]
    confidences = [c for _, _, _, c in tagger.tag("환자명: 맹름우우 / 연락처 010-2211-3344", small_model)]
    assert confidences and all(0.0 < c <= 1.0 for c in confidences)


def test_train_command_writes_a_model_the_tagger_opens(tmp_path: Path) -> None:
    from claimvlm.cli import app

    out = tmp_path / "m.crfsuite"
    result = CliRunner().invoke(app, ["train-pii-tagger", "--out", str(out), "--lines", "60", "--iterations", "5"])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0 and f"{60 * len(tagger.CORPORA)} lines" in result.output
    assert isinstance(tagger.tag("성명 김민준", out), list)


def test_the_shipped_backstop_finds_a_name_no_rule_reads() -> None:
    """A letter-spaced two-syllable surname after a label the rules do not know (수진자)."""
    from claimvlm.privacy import detect

    assert tagger.available()
    line = "수진자 남 궁 부 환  입원일 21.2.26  재활의학과"
    assert [s.text for s in find_pii(line) if s.type == "name"] == ["남 궁 부 환"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(detect, "BACKSTOP_TYPES", frozenset())
        assert [s for s in find_pii(line) if s.type == "name"] == []
