"""From a reading to an answer: the JSON object, and a confidence for each of its fields.

A field's confidence is the probability of the least certain generated token of its value (the
tokens that overlap the value's characters in the answer). The minimum, not the mean, on purpose:
a total whose digits are all sure but one is not a sure total, and that one digit is what a
reviewer must look at. Values are located by walking the answer's top level with the standard
library's JSON decoder (``raw_decode`` gives where each value ends), so a key that also occurs
inside a nested value (``amount`` in ``line_items``) is never confused with the top-level one.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from claimvlm.model.reading import parse_prediction
from claimvlm.serving.backends import Reading

_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")


@dataclass(frozen=True)
class Answer:
    """A reading that parsed: the top-level object and each key's confidence (None when the
    reading carried no token probabilities)."""

    fields: dict[str, Any]
    confidence: dict[str, float | None]


def _skip(text: str, i: int) -> int:
    match = _SPACE.match(text, i)
    assert match is not None  # the pattern matches the empty string
    return match.end()


def value_spans(text: str) -> dict[str, tuple[int, int]]:
    """Character span ``[start, end)`` of each top-level value of ``text``, a JSON object that
    ``json.loads`` accepted (the last of a repeated key wins, as in ``json.loads``)."""
    spans: dict[str, tuple[int, int]] = {}
    i = _skip(text, 0) + 1  # past "{"
    i = _skip(text, i)
    if text[i] == "}":
        return spans
    while True:
        key, i = _DECODER.raw_decode(text, i)
        i = _skip(text, _skip(text, i) + 1)  # past ":"
        _, end = _DECODER.raw_decode(text, i)
        spans[key] = (i, end)
        i = _skip(text, end)
        if text[i] == "}":
            return spans
        i = _skip(text, i + 1)  # past ","


def span_confidence(reading: Reading, start: int, end: int) -> float | None:
    """Probability of the least certain token overlapping ``[start, end)``; None without tokens."""
    lowest, token_start = None, 0
    for token_end, logprob in zip(reading.token_ends, reading.logprobs, strict=True):
        if token_end > start and token_start < end:
            lowest = logprob if lowest is None else min(lowest, logprob)
        token_start = token_end
        if token_start >= end:
            break
    return None if lowest is None else round(math.exp(lowest), 4)


def parse_answer(reading: Reading) -> Answer | None:
    """The answer's object and its fields' confidence, or None when the text is not a JSON object
    (claimvlm.model.reading.parse_prediction: the rule evaluation scores by)."""
    parsed = parse_prediction(reading.text)
    if parsed is None:
        return None
    spans = value_spans(reading.text)
    return Answer(parsed, {key: span_confidence(reading, *spans[key]) for key in parsed})
