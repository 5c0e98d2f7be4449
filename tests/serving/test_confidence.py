"""Per-field confidence: values located at the answer's top level, the least certain token of each."""

from __future__ import annotations

import json
import math

import pytest

from claimvlm.serving.backends import Reading
from claimvlm.serving.confidence import parse_answer, span_confidence, value_spans


def test_spans_are_the_top_level_values_even_when_keys_repeat_inside() -> None:
    answer = {"document_type": "receipt", "line_items": [{"amount": 1200, "total": 5}], "amount": 3400,
              "note": "a, b: {c}", "none": None}
    for text in (json.dumps(answer, ensure_ascii=False), json.dumps(answer, ensure_ascii=False, indent=2)):
        spans = value_spans(text)
        assert set(spans) == set(answer)
        for key, (start, end) in spans.items():
            assert json.loads(text[start:end]) == answer[key]
    assert value_spans("{ }") == {}


def _tokens(pieces: list[tuple[str, float]]) -> Reading:
    text, ends = "", []
    for piece, _ in pieces:
        text += piece
        ends.append(len(text))
    return Reading(text, tuple(ends), tuple(math.log(p) for _, p in pieces))


def test_a_field_is_as_sure_as_its_least_certain_token() -> None:
    reading = _tokens([('{"', 0.99), ("total", 0.98), ('":', 0.99), ("12", 0.9), ("3", 0.4), ("00", 0.95),
                       (',"', 0.97), ("name", 0.99), ('":"', 0.99), ("김", 0.7), ("가명", 0.85), ('"}', 0.99)])
    answer = parse_answer(reading)
    assert answer is not None and answer.fields == {"total": 12300, "name": "김가명"}
    assert answer.confidence == {"total": 0.4, "name": 0.7}


def test_no_token_probabilities_means_no_confidence_and_non_objects_are_not_answers() -> None:
    answer = parse_answer(Reading('{"a": 1}'))
    assert answer is not None and answer.confidence == {"a": None}
    assert parse_answer(Reading("[1, 2]")) is None
    assert parse_answer(Reading('{"a": ')) is None
    assert span_confidence(Reading("ab", (1, 2), (math.log(0.5), math.log(0.25))), 1, 2) == 0.25


def test_token_lists_must_match() -> None:
    with pytest.raises(ValueError):
        Reading("ab", (1, 2), (0.0,))
