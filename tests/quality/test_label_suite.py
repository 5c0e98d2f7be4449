"""The great-expectations label suite, run for real on labels from the real generator.

GX costs seconds per run whatever the batch size, so every planted violation goes into its
own document of ONE batch, validated once: each test then checks that its document, and only
its document, is reported under its expectation, and under nothing else.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from claimvlm.quality.label_suite import LabelSuiteResult, build_suite, run_label_suite
from claimvlm.quality.label_tables import DOCUMENT_SPECS, label_tables
from claimvlm.schema import DOC_TYPES, SCHEMAS, parse_label
from claimvlm.synthesis.values import GENERATORS

pytestmark = pytest.mark.slow  # a great-expectations context per test

PER_TYPE = 16  # enough documents of each type for its plants, and some left untouched
Label = dict[str, Any]
Edit = Callable[[Label], None]


def _labels(seed: int, per_type: int = PER_TYPE) -> dict[str, Label]:
    def one(doc_type: str, i: int) -> Label:
        return GENERATORS[doc_type](random.Random(seed * 1000 + i), (3, 8)).model_dump(mode="json")
    return {f"{t}-{seed}-{i:02d}": one(t, i) for t in DOC_TYPES for i in range(per_type)}


def _shift(iso: str, days: int) -> str:
    return (dt.date.fromisoformat(iso) + dt.timedelta(days=days)).isoformat()


def _date(key: str, base: str, days: int) -> Edit:
    """Set ``key`` to the date ``base`` plus ``days``."""
    return lambda d: d.update({key: _shift(d[base], days)})


def _add(delta: int, *keys: str) -> Edit:
    """Add ``delta`` to the amounts ``keys`` (the other totals are raised along, so one rule breaks)."""
    return lambda d: d.update({k: d[k] + delta for k in keys})


def _set(key: str, value: object) -> Edit:
    return lambda d: d.update({key: value})


def _first(entries: str, key: str, value: Callable[[Label, dict], object]) -> Edit:
    """Set ``key`` of the first entry of the list field ``entries``."""
    return lambda d: d[entries][0].update({key: value(d, d[entries][0])})


def _row_fsp(target: Callable[[dict], int]) -> Edit:
    """Move the first receipt row's full_self_pay to ``target(row)``; the document total follows."""
    def edit(d: Label) -> None:
        delta = target(d["rows"][0]) - d["rows"][0]["full_self_pay"]
        d["rows"][0]["full_self_pay"] += delta
        d["full_self_pay"] += delta
    return edit


def _fourth_diagnosis(d: Label) -> None:
    d["diagnoses"].extend(dict(d["diagnoses"][0]) for _ in range(4 - len(d["diagnoses"])))


BILL, RECEIPT, STAY = "itemized_bill", "receipt", "admission_discharge"
DX, SURGERY = "diagnosis_certificate", "surgery_record"
# plant id -> (document type, the edit, the expectation names the document must fail: exactly these).
PLANTS: dict[str, tuple[str, Edit, set[str]]] = {
    # invariants
    "admission_after_discharge": (STAY, _date("admission_date", "discharge_date", 1),
                                  {"admission_not_after_discharge"}),
    "discharge_after_issue": (STAY, _date("issue_date", "discharge_date", -1), {"discharge_not_after_issue"}),
    "stay_days_off_by_one": (STAY, _add(1, "days"), {"stay_days_equal_discharge_minus_admission_plus_1"}),
    "onset_after_diagnosis": (DX, _date("onset_date", "diagnosis_date", 1), {"onset_not_after_diagnosis"}),
    "diagnosis_after_issue": (DX, _date("issue_date", "diagnosis_date", -1), {"diagnosis_not_after_issue"}),
    "operation_after_issue": (SURGERY, _date("issue_date", "operation_date", -1),
                              {"operation_not_after_issue"}),
    "bill_care_start_after_end": (BILL, _date("care_start", "care_end", 1),
                                  {"care_start_not_after_care_end"}),
    "receipt_care_start_after_end": (RECEIPT, _date("care_start", "care_end", 1),
                                     {"care_start_not_after_care_end"}),
    "bill_care_end_after_issue": (BILL, _date("issue_date", "care_end", -1), {"care_end_not_after_issue"}),
    "line_item_amount": (BILL, _first("line_items", "unit_price", lambda d, it: it["unit_price"] + 1),
                         {"bill_amount_equals_unit_x_count_x_days"}),
    "bill_covered_total": (BILL, _add(10, "covered_total", "total"),
                           {"bill_covered_total_equals_covered_items"}),
    "bill_non_covered_total": (BILL, _add(10, "non_covered_total", "total"),
                               {"bill_non_covered_total_equals_non_covered_items"}),
    "bill_total": (BILL, _add(10, "total"), {"bill_total_equals_covered_plus_non_covered"}),
    "line_item_after_care_end": (BILL, _first("line_items", "date", lambda d, it: _shift(d["care_end"], 1)),
                                 {"bill_line_item_date_within_care_period"}),
    "line_item_before_care_start": (BILL, _first("line_items", "date",
                                                 lambda d, it: _shift(d["care_start"], -1)),
                                    {"bill_line_item_date_within_care_period"}),
    "receipt_patient_share_sum": (RECEIPT, _add(10, "patient_share", "covered_total", "total", "amount_paid"),
                                  {"receipt_patient_share_equals_row_sum"}),
    "receipt_insurer_share_sum": (RECEIPT, _add(10, "insurer_share", "covered_total", "total"),
                                  {"receipt_insurer_share_equals_row_sum"}),
    "receipt_full_self_pay_sum": (RECEIPT, _add(10, "full_self_pay"),
                                  {"receipt_full_self_pay_equals_row_sum"}),
    "receipt_non_covered_sum": (RECEIPT, _add(10, "non_covered", "total", "amount_paid"),
                                {"receipt_non_covered_equals_row_sum"}),
    "receipt_covered_total": (RECEIPT, _add(10, "covered_total", "total"),
                              {"receipt_covered_total_equals_patient_plus_insurer_share"}),
    "receipt_total": (RECEIPT, _add(10, "total"), {"receipt_total_equals_covered_plus_non_covered"}),
    "receipt_amount_paid": (RECEIPT, _add(10, "amount_paid"),
                            {"receipt_amount_paid_equals_patient_share_plus_non_covered"}),
    "receipt_row_full_self_pay": (RECEIPT, _row_fsp(lambda row: row["patient_share"] + 10),
                                  {"receipt_row_full_self_pay_not_above_patient_share"}),
    # schema and types
    "string_amount": (BILL, _first("line_items", "amount", lambda d, it: str(it["amount"])),
                      {"item_amount_is_int"}),
    "string_total": (RECEIPT, lambda d: d.update(total=str(d["total"])), {"total_is_int"}),
    "negative_amount": (RECEIPT, _row_fsp(lambda row: -10), {"row_full_self_pay_ge_0"}),
    "unparsable_date": (SURGERY, _set("operation_date", "2023-02-30"), {"operation_date_is_iso_date"}),
    "unknown_document_type": (SURGERY, _set("document_type", "referral_letter"), {"document_type_known"}),
    "missing_document_type": (STAY, lambda d: d.pop("document_type"), {"document_type_known"}),
    "malformed_kcd": (STAY, _set("kcd_code", "J189"), {"kcd_code_format"}),
    "malformed_diagnosis_kcd": (DX, _first("diagnoses", "kcd_code", lambda d, e: "j18.9"),
                                {"dx_kcd_code_format"}),
    "malformed_procedure_code": (SURGERY, _set("procedure_code", "N071"), {"procedure_code_format"}),
    "malformed_rrn": (STAY, _set("patient_rrn", "9001011234567"), {"patient_rrn_format"}),
    "unknown_bill_category": (BILL, _first("line_items", "category", lambda d, it: "간식비"),
                              {"item_category_in_set"}),
    "unknown_coverage": (BILL, _first("line_items", "coverage", lambda d, it: "선택진료"),
                         {"item_coverage_in_set"}),
    "int_where_str": (SURGERY, _set("chart_no", 12345678), {"chart_no_is_str"}),
    "unknown_field": (DX, _set("memo", "x"), {"no_unknown_or_nested_fields"}),
    # a list where a string belongs: counted as a malformed field, and the cell is left empty
    "nested_value": (SURGERY, _set("department", ["외과"]),
                     {"no_unknown_or_nested_fields", "department_present"}),
    "too_many_diagnoses": (DX, _fourth_diagnosis, {"diagnoses_count"}),
    "null_required": (STAY, _set("patient_rrn", None), {"patient_rrn_present"}),
    "missing_required": (RECEIPT, lambda d: d.pop("hospital_name"), {"hospital_name_present"}),
    "missing_line_item_field": (BILL, lambda d: d["line_items"][0].pop("name"), {"item_name_present"}),
}


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Label], LabelSuiteResult]:
    labels = _labels(seed=1, per_type=4)
    return labels, run_label_suite(labels, tmp_path_factory.mktemp("clean_docs"))


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], LabelSuiteResult]:
    """One batch, each plant in its own document; plant id -> doc_id, and the suite's result."""
    labels = _labels(seed=2)
    unused = {t: sorted(d for d in labels if d.startswith(t)) for t in DOC_TYPES}
    where: dict[str, str] = {}
    for plant, (doc_type, edit, _) in PLANTS.items():
        where[plant] = unused[doc_type].pop(0)
        edit(labels[where[plant]])
    original = unused["receipt"].pop(0)  # an id differing only in case names the same file
    labels[original.upper()] = copy.deepcopy(labels[original])
    where["duplicate_doc_id"] = original
    result = run_label_suite(labels, tmp_path_factory.mktemp("planted_docs"))
    return where, result


def test_clean_batch_passes(clean: tuple[dict[str, Label], LabelSuiteResult]) -> None:
    labels, result = clean
    assert all(parse_label(label) for label in labels.values())  # the generator's output is valid
    assert result.failures == {}
    assert result.success
    assert result.statistics["errored"] == []
    assert result.expectations == len(build_suite().expectations)
    assert result.expectations == result.statistics["evaluated_expectations"]
    assert result.statistics["unsuccessful_expectations"] == 0


def test_data_docs_are_built(clean: tuple[dict[str, Label], LabelSuiteResult]) -> None:
    index = clean[1].data_docs
    assert index.name == "index.html" and index.is_file()
    html = index.read_text(encoding="utf-8")
    assert "claim_labels" in html
    validation_pages = list(index.parent.glob("validations/claim_labels/**/*.html"))
    assert len(validation_pages) == 1
    assert "bill_amount_equals_unit_x_count_x_days" in validation_pages[0].read_text(encoding="utf-8")


@pytest.mark.parametrize("plant", sorted(PLANTS))
def test_planted_violation_is_reported_on_its_document_only(
        plant: str, planted: tuple[dict[str, str], LabelSuiteResult]) -> None:
    where, result = planted
    doc_id, expected = where[plant], PLANTS[plant][2]
    assert set(result.failures.get(doc_id, ())) == expected
    for name in expected:  # no other document, bar the plants that break the same rule on purpose
        assert {d for d, names in result.failures.items() if name in names} == {
            where[p] for p, (_, _, names) in PLANTS.items() if name in names}


def test_duplicate_doc_id(planted: tuple[dict[str, str], LabelSuiteResult]) -> None:
    where, result = planted
    original = where["duplicate_doc_id"]
    reported = {d for d, names in result.failures.items() if "doc_id_unique" in names}
    assert reported == {original, original.upper()}
    assert result.failures[original] == result.failures[original.upper()] == ("doc_id_unique",)


def test_planted_batch_reports_nothing_else(planted: tuple[dict[str, str], LabelSuiteResult]) -> None:
    where, result = planted
    assert set(result.failures) == set(where.values()) | {where["duplicate_doc_id"].upper()}
    assert not result.success and result.statistics["errored"] == []


def test_null_rate_tolerance(tmp_path: Path) -> None:
    """``mostly`` = 1 - max_null_rate: 1 of 4 surgery records without a department is
    tolerated at 0.3; 2 of 4 without an operation name are not, and both are reported."""
    labels = {d: label for d, label in _labels(seed=3, per_type=4).items() if d.startswith("surgery_record")}
    ids = sorted(labels)
    labels[ids[0]]["department"] = None
    labels[ids[1]]["operation_name"] = labels[ids[2]]["operation_name"] = None
    result = run_label_suite(labels, tmp_path, max_null_rate=0.3)
    assert result.failures == {ids[1]: ("operation_name_present",), ids[2]: ("operation_name_present",)}


def test_garbage_labels_do_not_crash(tmp_path: Path) -> None:
    labels: dict[str, object] = {"empty": {}, "list": ["x"], "none": None, "nested": {
        "document_type": "itemized_bill", "line_items": [1, {"amount": {"x": 1}}], "total": [1],
        "care_start": 20220101}}
    result = run_label_suite(labels, tmp_path)  # type: ignore[arg-type]
    assert set(result.failures) == set(labels) and result.statistics["errored"] == []
    assert "document_type_known" in result.failures["none"]
    assert {"care_start_is_iso_date", "item_category_present"} <= set(result.failures["nested"])


def test_every_schema_field_is_required_and_typed() -> None:
    names = {e.meta["check"] for e in build_suite().expectations}
    for model in SCHEMAS.values():
        for field in model.model_fields:
            if field != "document_type":
                assert f"{field}_present" in names
                assert any(n.startswith(field) and n != f"{field}_present" for n in names), field
    assert {"kcd_code_format", "dx_kcd_code_format", "procedure_code_format", "patient_rrn_format",
            "item_category_in_set", "row_category_in_set", "item_coverage_in_set", "doc_id_unique"} <= names


def test_label_tables_shape() -> None:
    labels = _labels(seed=4, per_type=2)
    tables = label_tables(labels)
    docs = tables["documents"]
    assert list(docs["doc_id"]) == list(labels) and set(DOCUMENT_SPECS) <= set(docs.columns)
    n_items = sum(len(v["line_items"]) for v in labels.values() if v["document_type"] == "itemized_bill")
    n_rows = sum(len(v["rows"]) for v in labels.values() if v["document_type"] == "receipt")
    n_dx = sum(len(v["diagnoses"]) for v in labels.values() if v["document_type"] == "diagnosis_certificate")
    sizes = (len(tables["line_items"]), len(tables["receipt_rows"]), len(tables["diagnoses"]))
    assert sizes == (n_items, n_rows, n_dx)
    assert (tables["line_items"]["item_amount__int"] == tables["line_items"]["item_amount_expected"]).all()
