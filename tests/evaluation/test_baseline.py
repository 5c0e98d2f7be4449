"""The Tesseract + rules baseline: its parser on hand-written OCR lines, and the whole reader on clean pages."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from PIL import Image

from claimvlm.evaluation.baseline import (
    Line,
    Word,
    parse_amount,
    parse_code,
    parse_date,
    parse_lines,
    read_documents,
)
from claimvlm.evaluation.fields import compare_fields
from claimvlm.model.reading import parse_prediction
from claimvlm.ocr import require_tesseract
from claimvlm.schema import DOC_TYPES, parse_label
from claimvlm.synthesis import generate
from claimvlm.synthesis.params import SynthParams


def lines(*texts: str, char_w: float = 20, line_h: float = 40) -> list[Line]:
    """Text as OCR lines with monospaced word boxes: a value aligned under its caption here lies
    under it on the page too, and runs of spaces are wide gaps."""
    out = [[Word(m[0], m.start() * char_w, i * line_h, m.end() * char_w, i * line_h + 24)
            for m in re.finditer(r"\S+", text)] for i, text in enumerate(texts)]
    return [ln for ln in out if ln]


def parse(*texts: str) -> dict:
    return parse_lines(lines(*texts))


def table(*rows: Sequence[str], width: int = 14) -> list[str]:
    """Table lines with each cell centred in its column, as the forms print them."""
    return ["".join(cell.center(width) for cell in row) for row in rows]


# --- values ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["2024-03-05", "2024.03.05", "2024년 03월 05일", "2024년 3월 5일", "2024. 3. 5."])
def test_dates_in_every_written_form_become_iso(text: str) -> None:
    assert parse_date(text) == "2024-03-05"


def test_impossible_or_absent_dates_are_none() -> None:
    assert parse_date("2024-02-30") is None
    assert parse_date("이승규") is None


@pytest.mark.parametrize(("text", "value"), [("1,303,050", 1303050), ("3,051,590원", 3051590), ("710", 710),
                                             ("1.303,050", 1303050)])
def test_amounts_with_commas_become_ints(text: str, value: int) -> None:
    assert parse_amount(text) == value


@pytest.mark.parametrize(("text", "code"), [("S72.00", "S72.00"), ("J18.9", "J18.9"), ("K35", "K35"),
                                            ("572.00", "S72.00"), ("$13.4", "S13.4"), ("병명", None),
                                            ("12.5", None)])
def test_kcd_codes_and_a_first_letter_read_as_a_digit(text: str, code: str | None) -> None:
    assert parse_code(text, kcd=True) == code


def test_procedure_codes() -> None:
    assert parse_code("N0711", kcd=False) == "N0711"
    assert parse_code("07671", kcd=False) == "Q7671"
    assert parse_code("12", kcd=False) is None


# --- lines to fields -------------------------------------------------------------------------------

def test_captions_and_values_on_one_line_give_the_fields() -> None:
    got = parse(
        "진 단 서",
        "환자성명     홍길동          주민등록번호     900101-1234567",
        "주소         서울특별시 강남구 테헤란로 123",
        "전화번호     010-1234-5678   발병일           2024.03.01",
        "진단일       2024년 03월 05일",
        "발행일       2024-03-07",
        "의료기관     서울중앙병원",
        "면허번호     12345",
        "의사성명     이승규                         (인)",
    )
    assert got == {
        "document_type": "diagnosis_certificate", "patient_name": "홍길동", "patient_rrn": "900101-1234567",
        "patient_address": "서울특별시 강남구 테헤란로 123", "patient_phone": "010-1234-5678",
        "onset_date": "2024-03-01", "diagnosis_date": "2024-03-05", "hospital_name": "서울중앙병원",
        "doctor_name": "이승규", "doctor_license_no": "12345", "issue_date": "2024-03-07",
    }
    assert list(got) == ["document_type", "patient_name", "patient_rrn", "patient_address", "patient_phone",
                         "onset_date", "diagnosis_date", "hospital_name", "doctor_name", "doctor_license_no",
                         "issue_date"]  # schema order; fields not found are left out


def test_a_value_printed_under_its_caption_is_found() -> None:
    got = parse(
        "입퇴원확인서",
        "환자성명                 주민등록번호",
        " 김나                     871114-1756100",
        "입원일                   퇴원일",
        " 2023.09.19               2023.09.21",
        "입원일수",
        " 3",
        "질병분류기호",
        " S52.50",
    )
    assert got == {"document_type": "admission_discharge", "patient_name": "김나", "patient_rrn": "871114-1756100",
                   "admission_date": "2023-09-19", "discharge_date": "2023-09-21", "days": 3, "kcd_code": "S52.50"}


def test_a_caption_one_letter_off_still_counts_but_a_malformed_value_does_not() -> None:
    got = parse("수술확인서", "등톡번호     50392267", "수술코드     N06", "마취방법     척추마취")
    assert got == {"document_type": "surgery_record", "chart_no": "50392267", "anesthesia": "척추마취"}


@pytest.mark.parametrize(("title", "doc_type"), [
    ("진 단 서", "diagnosis_certificate"), ("수 술 확 인 서", "surgery_record"),
    ("진료비 세부내역서", "itemized_bill"), ("진료비 계산서·영수증", "receipt"), ("입퇴원확인서", "admission_discharge"),
])
def test_the_title_gives_the_document_type(title: str, doc_type: str) -> None:
    assert parse("[별지 제1호 서식]", title, "환자성명   홍길동")["document_type"] == doc_type


def test_without_a_title_the_captions_give_the_type() -> None:
    assert parse("수술일   2024-01-02", "수술코드   N0711", "집도의   김철수")["document_type"] == "surgery_record"


def test_receipt_rows_and_totals() -> None:
    got = parse(
        "진료비 계산서·영수증",
        "환자성명   장정진             등록번호   36687495",
        "진료구분   외래               진료과목   소아청소년과",
        *table(("항목", "본인부담금", "공단부담금", "전액본인부담", "비급여"),
               ("투약및조제료", "4,180", "5,200", "710", "0"),
               ("MRI 진단료", "892,830", "1,168,900", "113,560", "608,030")),
        "본인부담금 계   897,010        공단부담금 계   1,174,100",
        "납부한 금액   1,505,040",
    )
    assert got["rows"] == [
        {"category": "투약및조제료", "patient_share": 4180, "insurer_share": 5200, "full_self_pay": 710,
         "non_covered": 0},
        {"category": "MRI 진단료", "patient_share": 892830, "insurer_share": 1168900, "full_self_pay": 113560,
         "non_covered": 608030},
    ]
    assert (got["patient_name"], got["chart_no"], got["visit_type"], got["department"]) == (
        "장정진", "36687495", "외래", "소아청소년과")
    assert (got["patient_share"], got["insurer_share"], got["amount_paid"]) == (897010, 1174100, 1505040)


def test_bill_line_items_and_a_missing_count_inferred_from_the_amount() -> None:
    got = parse(
        "진료비 세부내역서",
        *table(("항목", "일자", "코드", "명칭", "단가", "횟수", "일수", "금액", "구분"),
               ("진찰료", "2025-08-01", "AA157", "초진진찰료", "21,070", "1", "5", "105,350", "급여"),
               ("검사료", "2025.08.02", "B2570", "심전도검사", "12,740", "", "2", "50,960", "비급여")),
        "급여 합계   105,350    비급여 합계   50,960",
    )
    assert got["line_items"] == [
        {"category": "진찰료", "date": "2025-08-01", "code": "AA157", "name": "초진진찰료", "unit_price": 21070,
         "count": 1, "days": 5, "amount": 105350, "coverage": "급여"},
        {"category": "검사료", "date": "2025-08-02", "code": "B2570", "name": "심전도검사", "unit_price": 12740,
         "count": 2, "days": 2, "amount": 50960, "coverage": "비급여"},
    ]
    assert (got["covered_total"], got["non_covered_total"]) == (105350, 50960)


def test_diagnoses_table() -> None:
    got = parse(
        "진 단 서",
        *table(("구분", "병명", "질병분류기호"), ("임상적 추정", "경추의 염좌 및 긴장", "S13.4"),
               ("최종 진단", "급성 충수염", "K35.8"), width=24),
        "치료 의견   상기 진단으로 외래 통원 치료 중임.",
    )
    assert got["diagnoses"] == [
        {"certainty": "임상적 추정", "name": "경추의 염좌 및 긴장", "kcd_code": "S13.4"},
        {"certainty": "최종 진단", "name": "급성 충수염", "kcd_code": "K35.8"},
    ]
    assert got["opinion"] == "상기 진단으로 외래 통원 치료 중임."


# --- the whole reader ------------------------------------------------------------------------------

def exact_fraction(labels: Sequence[dict], predictions: Sequence[str]) -> float:
    scores = [s for label, text in zip(labels, predictions, strict=True)
              for s in compare_fields(label, parse_prediction(text))]
    return sum(s.exact for s in scores) / len(scores)


@pytest.mark.slow
@pytest.mark.system
def test_clean_pages_are_read_into_their_fields(synth_params: SynthParams, tmp_path: Path) -> None:
    require_tesseract("kor+eng")
    # Seed 81 with equal type weights: one document of each type, all three layouts.
    params = synth_params.model_copy(update={
        "num_docs": 5, "seed": 81, "doc_types": dict.fromkeys(DOC_TYPES, 1.0),
        "degrade": synth_params.degrade.model_copy(update={"prob": 0.0})})
    out = tmp_path / "synth"
    manifest = generate.run(params, out, progress=False).manifest
    docs = manifest["documents"]
    labels = [parse_label((out / "labels" / f"{d['doc_id']}.json").read_text()).model_dump(mode="json")
              for d in docs]
    images = [Image.open(out / d["image"]) for d in docs]
    predictions = read_documents(images, workers=2, progress=False)
    answers = [json.loads(p) for p in predictions]
    assert [a["document_type"] for a in answers] == [lab["document_type"] for lab in labels]
    fraction = exact_fraction(labels, predictions)
    print(f"baseline exact fields on {len(docs)} clean pages: {fraction:.3f} "
          f"(types {sorted({d['document_type'] for d in docs})})")
    assert fraction >= 0.75
