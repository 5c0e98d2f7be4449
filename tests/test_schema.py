"""Every generated record satisfies the domain invariants; broken records are rejected."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from claimvlm.schema import DOC_TYPES, KCD_PATTERN, SCHEMAS, is_cancer_code, parse_label
from claimvlm.synthesis import korean_data as kd
from claimvlm.synthesis.values import GENERATORS, person_name

seeds = st.integers(min_value=0, max_value=2**63)


@settings(max_examples=60)
@given(seed=seeds, doc_type=st.sampled_from(DOC_TYPES))
def test_generated_labels_hold_every_invariant(seed: int, doc_type: str) -> None:
    doc = GENERATORS[doc_type](random.Random(seed), (1, 16))
    # The label survives a JSON round trip through the schema unchanged (the label contract).
    again = parse_label(json.dumps(doc.model_dump(mode="json"), ensure_ascii=False))
    assert again == doc and type(again) is SCHEMAS[doc_type]
    data = doc.model_dump()
    for key in ("kcd_code",):
        if key in data:
            assert re.match(KCD_PATTERN, data[key])
    if doc_type == "itemized_bill":
        assert all(it["amount"] == it["unit_price"] * it["count"] * it["days"] for it in data["line_items"])
        assert data["total"] == sum(it["amount"] for it in data["line_items"])
    if doc_type == "receipt":
        assert data["patient_share"] + data["insurer_share"] == data["covered_total"]
        assert data["covered_total"] + data["non_covered"] == data["total"]
    if doc_type == "admission_discharge":
        assert data["admission_date"] <= data["discharge_date"]
    if doc_type == "diagnosis_certificate":
        assert data["onset_date"] <= data["diagnosis_date"] <= data["issue_date"]


def _mutate(data: dict, path: str, fn) -> dict:
    node = data
    *parents, last = path.split(".")
    for p in parents:
        node = node[int(p)] if p.isdigit() else node[p]
    node[last] = fn(node[last])
    return data


@pytest.mark.parametrize(
    ("doc_type", "path", "fn", "message"),
    [
        ("itemized_bill", "line_items.0.amount", lambda v: v + 10, "unit_price * count * days"),
        ("itemized_bill", "total", lambda v: v + 10, "covered_total + non_covered_total"),
        ("itemized_bill", "covered_total", lambda v: v + 10, "sums of the line items"),
        ("receipt", "insurer_share", lambda v: v + 10, "sum of the category rows"),
        ("receipt", "total", lambda v: v - 10, "covered_total + non_covered"),
        ("admission_discharge", "days", lambda v: v + 1, "inclusive"),
        ("admission_discharge", "discharge_date", lambda v: "2000-01-01", "admission_date <= discharge_date"),
        ("diagnosis_certificate", "onset_date", lambda v: "2030-01-01", "onset_date <= diagnosis_date"),
        ("diagnosis_certificate", "diagnoses.0.kcd_code", lambda v: "J189", "pattern"),
        ("surgery_record", "procedure_code", lambda v: "N07", "pattern"),
        ("surgery_record", "patient_rrn", lambda v: v.replace("-", ""), "pattern"),
    ],
)
def test_broken_labels_are_rejected(doc_type: str, path: str, fn, message: str) -> None:
    doc = GENERATORS[doc_type](random.Random(7), (3, 8))
    data = _mutate(doc.model_dump(mode="json"), path, fn)
    with pytest.raises(ValidationError, match=re.escape(message)):
        parse_label(data)


def test_unknown_document_type_is_rejected() -> None:
    with pytest.raises(ValidationError, match="document_type"):
        parse_label({"document_type": "memo"})


def test_value_tables_are_realistic() -> None:
    r = random.Random(1)
    names = [person_name(r) for _ in range(5000)]
    two_syllable = {s for s, _ in kd.SURNAMES if len(s) == 2}
    assert any(n[:2] in two_syllable for n in names), "two-syllable surnames must occur"
    assert Counter(n[0] for n in names).most_common(1)[0][0] == "김"
    for code, name, _, proc in kd.KCD_CODES:
        assert re.match(KCD_PATTERN, code) and name
        assert proc == -1 or 0 <= proc < len(kd.PROCEDURES)
    assert any(is_cancer_code(c) for c, *_ in kd.KCD_CODES)
    assert is_cancer_code("D05.1") and not is_cancer_code("D25.9")


def test_bills_have_a_variable_number_of_line_items() -> None:
    counts = {len(GENERATORS["itemized_bill"](random.Random(s), (3, 16)).line_items) for s in range(40)}
    assert min(counts) >= 3 and max(counts) <= 16 and len(counts) >= 8


def test_dates_are_dates_in_the_json_label() -> None:
    doc = GENERATORS["receipt"](random.Random(3), (3, 8))
    data = doc.model_dump(mode="json")
    assert dt.date.fromisoformat(data["issue_date"]) == doc.issue_date
