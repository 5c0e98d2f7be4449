"""Field-level comparison of a predicted label with the true one.

A prediction is the model's text; :func:`parse_prediction` takes the outermost JSON object out
of it. :func:`compare_fields` walks the true label and yields one :class:`FieldScore` per leaf,
named by its dotted path without list indices (``diagnoses.kcd_code``, ``line_items.amount``).

List fields (``diagnoses``, ``line_items``, ``rows``) are matched element to element with the
Hungarian algorithm, maximising the summed per-element similarity (the mean similarity of the
element's leaves), so an order the model chose differently costs nothing. Every pair the
assignment makes counts as a match, however poor; unmatched elements arise only when the two
lists differ in length:

* an unmatched true element (the prediction has fewer) scores 0 on each of its leaves,
  ``origin="missed"``;
* an unmatched predicted element (the prediction has more) adds one score of 0 per leaf of
  the list's element shape (that of the list's first true element) under the same paths,
  ``origin="extra"``: a false positive enters field accuracy as a wrong field, so the
  denominator is true fields + extra predicted fields.

Keys the prediction has and the label lacks are not scored. Values are compared by the true
value's kind: numbers as values (``1200`` = ``"1,200"`` = ``"1200원"``), ISO dates as dates
(``2023-04-06`` = ``2023.04.06`` = ``2023년 4월 6일``), anything else as text after NFC
normalisation and whitespace collapsing. Scores hold paths and numbers only, never values.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any, Final, Literal

import numpy as np
from pydantic import ValidationError
from rapidfuzz.distance import Levenshtein
from scipy.optimize import linear_sum_assignment

from claimvlm.schema import parse_label


class _Missing:
    """A value the prediction does not have (distinct from JSON null)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()

_WS = re.compile(r"\s+")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE = re.compile(r"^(\d{4})\s*[-./년]\s*(\d{1,2})\s*[-./월]\s*(\d{1,2})\s*[.일]?$")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")

Origin = Literal["label", "missed", "extra"]


@dataclass(frozen=True)
class FieldScore:
    """One compared leaf: its path, exact match and similarity in [0, 1], and where it came from
    (``label``: a true field compared with the prediction's; ``missed``/``extra``: see module doc)."""

    path: str
    exact: bool
    similarity: float
    origin: Origin = "label"


# --- parsing -------------------------------------------------------------------------------

def is_schema_valid(obj: Mapping[str, Any] | None) -> bool:
    """Whether :func:`claimvlm.schema.parse_label` accepts the parsed prediction."""
    if obj is None:
        return False
    try:
        parse_label(dict(obj))
    except (ValidationError, ValueError, TypeError):
        return False
    return True


# --- values --------------------------------------------------------------------------------

def normalise_text(value: Any) -> str:
    """NFC, whitespace runs collapsed to one space, ends stripped."""
    return _WS.sub(" ", unicodedata.normalize("NFC", str(value))).strip()


def as_number(value: Any) -> Decimal | None:
    """A number from a JSON number or a text such as ``"1,200"``, ``"1200원"``, ``"₩ 1,200"``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    if isinstance(value, str):
        text = normalise_text(value).replace(",", "").replace(" ", "").removeprefix("₩").removesuffix("원")
        if _NUMBER.match(text):
            return Decimal(text)
    return None


def as_date(value: Any) -> dt.date | None:
    """A date from ``2023-04-06``, ``2023.04.06``, ``2023. 4. 6.``, ``2023/4/6``, ``2023년 4월 6일``."""
    if not isinstance(value, str):
        return None
    m = _DATE.match(normalise_text(value))
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _number_text(number: Decimal) -> str:
    return str(int(number)) if number == number.to_integral_value() else format(number.normalize(), "f")


def _canonical(true: Any, pred: Any) -> tuple[str, str]:
    """Both values as text in the form the true value's kind is compared in."""
    if isinstance(true, int | float) and not isinstance(true, bool):
        t_num, p_num = as_number(true), as_number(pred)
        t = _number_text(t_num) if t_num is not None else normalise_text(true)
        return t, _number_text(p_num) if p_num is not None else normalise_text(pred)
    if isinstance(true, str) and _ISO_DATE.match(true) and (t_date := as_date(true)) is not None:
        p_date = as_date(pred)
        return t_date.isoformat(), p_date.isoformat() if p_date is not None else normalise_text(pred)
    return normalise_text(true), normalise_text(pred)


def compare_values(true: Any, pred: Any) -> tuple[bool, float]:
    """(exact match, normalised Levenshtein similarity) of one true value and its prediction.

    A missing or structured (object, array) prediction of a scalar scores (False, 0.0); null
    matches only null."""
    if pred is MISSING or isinstance(pred, dict | list):
        return False, 0.0
    if true is None or pred is None:
        return (True, 1.0) if true is pred else (False, 0.0)
    t, p = _canonical(true, pred)
    return t == p, float(Levenshtein.normalized_similarity(t, p))


# --- structure -----------------------------------------------------------------------------

def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def compare_fields(true: Any, pred: Any, path: str = "") -> list[FieldScore]:
    """One score per leaf of ``true`` (a label, or part of one), compared with ``pred``
    (the parsed prediction's counterpart, or :data:`MISSING`), plus one per leaf of every
    extra predicted list element. See the module docstring for the rules."""
    if isinstance(true, Mapping):
        sub = pred if isinstance(pred, Mapping) else {}
        return [s for key, value in true.items()
                for s in compare_fields(value, sub.get(key, MISSING), _join(path, key))]
    if isinstance(true, list):
        return _compare_list(true, pred if isinstance(pred, list) else [], path)
    exact, similarity = compare_values(true, pred)
    return [FieldScore(path, exact, similarity)]


def mean_similarity(scores: list[FieldScore]) -> float:
    return sum(s.similarity for s in scores) / len(scores) if scores else 0.0


def _compare_list(true: list[Any], pred: list[Any], path: str) -> list[FieldScore]:
    pairs: dict[int, int] = {}
    table = [[compare_fields(t, p, path) for p in pred] for t in true]
    if true and pred:
        sim = np.array([[mean_similarity(cell) for cell in row] for row in table], dtype=float)
        rows, cols = linear_sum_assignment(sim, maximize=True)
        pairs = dict(zip(rows.tolist(), cols.tolist(), strict=True))
    scores: list[FieldScore] = []
    for i, element in enumerate(true):
        if i in pairs:
            scores += table[i][pairs[i]]
        else:
            scores += [replace(s, origin="missed") for s in compare_fields(element, MISSING, path)]
    extra = len(pred) - len(pairs)
    if extra:
        shape = ([replace(s, origin="extra") for s in compare_fields(true[0], MISSING, path)] if true
                 else [FieldScore(path, False, 0.0, "extra")])
        scores += shape * extra
    return scores
