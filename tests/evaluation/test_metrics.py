"""Hand-checked examples of the evaluation metrics, on labels the synthesis generators make."""

from __future__ import annotations

import copy
import json
import random
import unicodedata
from typing import Any

import pytest

from claimvlm.dataset.records import label_text
from claimvlm.evaluation.fields import MISSING, compare_fields, compare_values
from claimvlm.evaluation.metrics import Item, evaluate_predictions, kappa, score_document, text_errors
from claimvlm.evaluation.params import EvaluateParams
from claimvlm.model.reading import parse_prediction
from claimvlm.schema import DOC_TYPES, parse_label
from claimvlm.synthesis.values import GENERATORS

PARAMS = EvaluateParams(bootstrap=200)  # default weights and critical fields; fewer resamples


def make_label(doc_type: str, seed: int = 0, items: tuple[int, int] = (3, 5)) -> dict[str, Any]:
    return GENERATORS[doc_type](random.Random(seed), items).model_dump(mode="json")  # type: ignore[attr-defined]


def diagnosis_label() -> dict[str, Any]:
    """A certificate with one diagnosis (K35.8) diagnosed on 2023-04-06."""
    label = make_label("diagnosis_certificate")
    label.update(diagnoses=[{"name": "급성 충수염", "kcd_code": "K35.8", "certainty": "최종 진단"}],
                 onset_date="2023-04-01", diagnosis_date="2023-04-06", issue_date="2023-04-10")
    return parse_label(label).model_dump(mode="json")


def bill_label(n_items: int = 4) -> dict[str, Any]:
    label = make_label("itemized_bill", seed=3, items=(n_items, n_items))
    assert len(label["line_items"]) == n_items
    assert len({json.dumps(it, sort_keys=True) for it in label["line_items"]}) == n_items  # all distinct
    return label


def one(label: dict[str, Any], prediction: str, **slices: str) -> Any:
    return score_document(Item("d", label, prediction, slices), PARAMS)


# Default weights (first matching pattern): bill top level document_type 2, patient_name 1,
# chart_no 1, care_start 2, care_end 2 (care_*), hospital_name 1, covered_total 2,
# non_covered_total 2, total 2 (*total), issue_date 2 = 17; per line item category 1,
# date 2 (*date), code 1, name 1, unit_price 1, count 1, days 1 ("days" is top-level only),
# amount 2 (*amount*), coverage 1 = 11.
BILL_TOP_FIELDS, BILL_TOP_WEIGHT, ITEM_FIELDS, ITEM_WEIGHT = 10, 17.0, 9, 11.0


# --- parsing and values --------------------------------------------------------------------

def test_parse_prediction_is_the_one_rule_serving_applies() -> None:
    """Valid in the report means answered by the service: the whole answer is one JSON object."""
    from claimvlm.serving.backends import Reading
    from claimvlm.serving.confidence import parse_answer

    label = make_label("receipt")
    text = label_text(label)
    assert parse_prediction(text) == label
    assert parse_prediction(f"  {text}\n") == label
    for bad in (f"```json\n{text}\n```", f"다음은 결과입니다: {text}", f"{text} 감사합니다 {{끝}}", text + text,
                text[:-1], "[1, 2]", ""):
        assert parse_prediction(bad) is None
        assert parse_answer(Reading(bad)) is None  # the service refuses exactly what evaluation counts invalid
    assert parse_answer(Reading(text)).fields == label


@pytest.mark.parametrize(("true", "pred"), [
    (1200, 1200), (1200, "1200"), (1200, "1,200"), (1200, "1200원"), (1200, "1,200원"), (1200, "₩ 1,200"),
    (1200, 1200.0), (0, "0원"),
    ("2023-04-06", "2023-04-06"), ("2023-04-06", "2023.04.06"), ("2023-04-06", "2023년 4월 6일"),
    ("2023-04-06", "2023. 4. 6."), ("2023-04-06", "2023/04/06"),
    ("서울특별시 강남구", "서울특별시  강남구 "), ("서울특별시", unicodedata.normalize("NFD", "서울특별시")),
])
def test_equal_values(true: Any, pred: Any) -> None:
    assert compare_values(true, pred) == (True, 1.0)


@pytest.mark.parametrize(("true", "pred", "similarity"), [
    (1200, "1,300원", 0.75),                 # 1200 vs 1300: one of four digits
    ("2023-04-06", "2023.04.07", 0.9),      # 2023-04-06 vs 2023-04-07: one of ten characters
    ("K35.8", "K35.9", 0.8),
    ("00012345", 12345, 5 / 8),              # a chart number is text: leading zeros count
    ("K35.8", MISSING, 0.0), ("K35.8", None, 0.0), (1200, [1200], 0.0),
])
def test_unequal_values(true: Any, pred: Any, similarity: float) -> None:
    exact, sim = compare_values(true, pred)
    assert not exact
    assert sim == pytest.approx(similarity)


# --- documents -----------------------------------------------------------------------------

def test_perfect_predictions_score_one_everywhere() -> None:
    items = [Item(f"d{i}", make_label(t, i), label_text(make_label(t, i))) for i, t in enumerate(DOC_TYPES)]
    report = evaluate_predictions(items, PARAMS)
    assert report.overall.metrics == {
        "json_valid_rate": 1.0, "schema_valid_rate": 1.0, "cer": 0.0, "wer": 0.0, "field_exact": 1.0,
        "field_similarity": 1.0, "critical_exact": 1.0, "weighted_score": 1.0,
        "bleu": pytest.approx(100.0), "chrf": pytest.approx(100.0)}  # BLEU and chrF: 0-100, reported only
    assert all(t["exact"] == 1.0 and t["similarity"] == 1.0 for t in report.overall.per_field.values())
    assert report.overall.intervals["field_exact"] == (1.0, 1.0, 1.0)
    assert (report.overall.missed_fields, report.overall.extra_fields) == (0, 0)


def test_wrong_kcd_code_and_dotted_date() -> None:
    label = diagnosis_label()
    pred = copy.deepcopy(label)
    pred["diagnoses"][0]["kcd_code"] = "K35.9"
    pred["diagnosis_date"] = "2023.04.06"
    text = label_text(pred)
    doc = one(label, text)
    assert doc.json_valid and not doc.schema_valid  # pydantic takes ISO dates only
    by_path = {f.path: f for f in doc.fields}
    assert by_path["diagnosis_date"].exact and not by_path["diagnoses.kcd_code"].exact
    # 14 top-level scalars + 3 diagnosis fields = 17 fields, one wrong.
    m = doc.metrics()
    assert len(doc.fields) == 17
    assert m["field_exact"] == pytest.approx(16 / 17)
    assert m["field_similarity"] == pytest.approx((16 + 0.8) / 17)
    # Weights: document_type 2, patient_name 1, patient_rrn 2, patient_address 1, patient_phone 1,
    # diagnoses.name 1, diagnoses.kcd_code 3, diagnoses.certainty 1, onset/diagnosis/issue_date 2 each,
    # opinion, hospital name/address/phone, doctor_name, doctor_license_no 1 each: 24; 3 lost.
    assert sum(doc.weights) == 24
    assert m["weighted_score"] == pytest.approx(21 / 24)
    # Critical: document_type, patient_rrn, diagnoses.kcd_code and the three dates.
    assert m["critical_exact"] == pytest.approx(5 / 6)
    # Text: 8 -> 9 and the date's two hyphens -> dots are three substitutions.
    assert m["cer"] == pytest.approx(3 / len(label_text(label)))


def test_line_items_in_another_order_all_match() -> None:
    label = bill_label()
    pred = copy.deepcopy(label)
    pred["line_items"].reverse()
    doc = one(label, label_text(pred))
    assert doc.schema_valid
    assert len(doc.fields) == BILL_TOP_FIELDS + 4 * ITEM_FIELDS
    assert doc.metrics()["field_exact"] == 1.0
    assert doc.metrics()["weighted_score"] == 1.0
    assert doc.metrics()["cer"] > 0  # the text differs; the fields do not


def test_missing_line_item_counts_its_fields_as_misses() -> None:
    label = bill_label()
    pred = copy.deepcopy(label)
    del pred["line_items"][1]
    doc = one(label, label_text(pred))
    m = doc.metrics()
    n = BILL_TOP_FIELDS + 4 * ITEM_FIELDS  # 46
    assert len(doc.fields) == n
    assert doc.origin_counts() == {"missed_fields": ITEM_FIELDS, "extra_fields": 0}
    assert m["field_exact"] == pytest.approx(37 / 46) == pytest.approx((n - ITEM_FIELDS) / n)
    assert m["weighted_score"] == pytest.approx(50 / 61)  # 17 + 4 * 11 = 61, one item's 11 lost
    assert not doc.schema_valid  # the totals no longer add up


def test_extra_line_item_counts_as_false_positives() -> None:
    label = bill_label()
    pred = copy.deepcopy(label)
    pred["line_items"].append(pred["line_items"][0])
    doc = one(label, label_text(pred))
    assert doc.origin_counts() == {"missed_fields": 0, "extra_fields": ITEM_FIELDS}
    assert doc.metrics()["field_exact"] == pytest.approx(46 / 55)
    assert doc.metrics()["weighted_score"] == pytest.approx(61 / 72)


def test_invalid_json_scores_zero() -> None:
    label = bill_label()
    text = label_text(label)
    doc = one(label, text[:-5])
    assert not doc.json_valid and not doc.schema_valid
    m = doc.metrics()
    assert m["json_valid_rate"] == m["schema_valid_rate"] == 0.0
    assert m["field_exact"] == m["field_similarity"] == m["critical_exact"] == m["weighted_score"] == 0.0
    assert len(doc.fields) == BILL_TOP_FIELDS + 4 * ITEM_FIELDS
    assert m["cer"] == pytest.approx(5 / len(text))  # five deletions


def test_amounts_as_text_with_won() -> None:
    label = bill_label()
    pred = copy.deepcopy(label)
    for it in pred["line_items"]:
        it["amount"] = f"{it['amount']:,}원"
        it["unit_price"] = f"{it['unit_price']:,}"
    for key in ("covered_total", "non_covered_total", "total"):
        pred[key] = f"{pred[key]:,}원"
    assert any("," in it["amount"] for it in pred["line_items"])  # really formatted
    doc = one(label, label_text(pred))
    assert doc.metrics()["field_exact"] == 1.0
    assert not doc.schema_valid


def test_cer_matches_the_formula() -> None:
    # 서울특별시 -> 서울특시청: two substitutions (별 -> 시, 시 -> 청) over five reference characters.
    assert text_errors("서울특별시", "서울특시청") == (2, 5)
    # abcdef -> abXdeffg: one substitution, two insertions: (S + D + I) / (S + D + H) = 3 / 6.
    assert text_errors("abcdef", "abXdeffg") == (3, 6)
    assert text_errors("서울 특별시 강남구", "서울 특별시", "word") == (1, 3)
    label = make_label("receipt")
    text = label_text(label)
    doc = one(label, text.replace(label["patient_name"], "가" * len(label["patient_name"]), 1))
    wrong = sum(a != "가" for a in label["patient_name"])
    assert doc.metrics()["cer"] == pytest.approx(wrong / len(text))


# --- aggregates ----------------------------------------------------------------------------

def _mixed_items(n: int) -> list[Item]:
    """Every third prediction truncated, the rest perfect."""
    items = []
    for i in range(n):
        label = make_label(DOC_TYPES[i % len(DOC_TYPES)], i)
        text = label_text(label)
        items.append(Item(f"d{i}", label, text[:-3] if i % 3 == 0 else text,
                          {"capture": ("clean", "scan", "fax", "photo")[i % 4]}))
    return items


def test_bootstrap_interval_contains_the_point_and_narrows() -> None:
    small = evaluate_predictions(_mixed_items(15), PARAMS)
    large = evaluate_predictions(_mixed_items(150), PARAMS)
    for report in (small, large):
        for metric in ("json_valid_rate", "field_exact", "weighted_score", "cer"):
            low, point, high = report.overall.intervals[metric]
            assert low <= point <= high
            assert point == report.overall.metrics[metric]
    assert small.overall.metrics["json_valid_rate"] == pytest.approx(10 / 15)
    for metric in ("json_valid_rate", "field_exact"):
        low_s, _, high_s = small.overall.intervals[metric]
        low_l, _, high_l = large.overall.intervals[metric]
        assert high_l - low_l < (high_s - low_s) / 2


def test_same_seed_same_interval() -> None:
    items = _mixed_items(30)
    a, b = evaluate_predictions(items, PARAMS), evaluate_predictions(items, PARAMS)
    assert a.overall.intervals == b.overall.intervals
    assert a.slices["capture"]["fax"].intervals == b.slices["capture"]["fax"].intervals
    c = evaluate_predictions(items, PARAMS.model_copy(update={"seed": 1}))
    assert c.overall.metrics == a.overall.metrics


def test_slices_per_document_type_and_capture() -> None:
    items = [Item(f"r{i}", make_label("receipt", i), label_text(make_label("receipt", i)),
                  {"capture": "scan"}) for i in range(3)]
    items += [Item(f"s{i}", make_label("surgery_record", i), "모르겠습니다", {"capture": "fax"})
              for i in range(2)]
    report = evaluate_predictions(items, PARAMS)
    by_type = report.slices["document_type"]
    assert set(by_type) == {"receipt", "surgery_record"}
    assert by_type["receipt"].documents == 3 and by_type["receipt"].metrics["field_exact"] == 1.0
    assert by_type["surgery_record"].metrics["field_exact"] == 0.0
    assert by_type["surgery_record"].metrics["json_valid_rate"] == 0.0
    assert report.slices["capture"]["fax"].documents == 2
    assert report.overall.metrics["json_valid_rate"] == pytest.approx(3 / 5)
    assert "rows.patient_share" in by_type["receipt"].per_field
    assert "procedure_code" in by_type["surgery_record"].per_field


def test_to_json_has_no_label_values() -> None:
    label = diagnosis_label()
    pred = copy.deepcopy(label)
    pred["patient_name"] = "홍길동"
    items = [Item("doc-1", label, label_text(pred), {"capture": "photo"}),
             Item("doc-2", bill_label(), "not json")]
    dumped = json.dumps(evaluate_predictions(items, PARAMS).to_json(), ensure_ascii=False, allow_nan=False)
    for value in (label["patient_name"], "홍길동", label["patient_rrn"], label["hospital_name"],
                  label["doctor_name"], "K35.8", "급성 충수염"):
        assert value not in dumped
    assert "diagnoses.kcd_code" in dumped and "photo" in dumped


def test_kappa_reexported() -> None:
    # p_o = 3/4; p_e = 1/2 * 1/4 + 1/2 * 3/4 = 1/2; kappa = (3/4 - 1/2) / (1/2) = 1/2.
    assert kappa(["a", "a", "b", "b"], ["a", "b", "b", "b"]) == pytest.approx(0.5)


def test_compare_fields_of_a_missing_prediction() -> None:
    label = diagnosis_label()
    scores = compare_fields(label, MISSING)
    assert len(scores) == 17 and not any(s.exact for s in scores)
