"""Korean PII detection: hand-checked hard cases, redaction, and the goals on the seeded evaluation set."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimvlm import rrn
from claimvlm.privacy.detect import (
    PII_TYPES,
    STRUCTURED_TYPES,
    Example,
    Span,
    evaluate,
    find_pii,
    load_examples,
    matches,
    redact,
)

ROOT = Path(__file__).resolve().parents[2]
EVAL_SET = ROOT / "tests" / "data" / "pii_eval.jsonl"


def found(text: str) -> set[tuple[str, str]]:
    return {(s.type, s.text) for s in find_pii(text)}


# --- hard cases, checked by hand ------------------------------------------------------------------------
# (text, the spans that must be found exactly). Each text's other characters must stay unflagged.
HARD_CASES: list[tuple[str, set[tuple[str, str]]]] = [
    # resident registration numbers
    ("주민번호 900101-1234568 확인", {("rrn", "900101-1234568")}),
    ("주민번호 9001011234568", {("rrn", "9001011234568")}),
    ("주민번호 900101 - 1234568", {("rrn", "900101 - 1234568")}),
    ("주민번호 900101 1234568", {("rrn", "900101 1234568")}),
    ("주민번호 900101-1****** 마스킹", {("rrn", "900101-1******")}),
    ("주민번호 900101-1xxxxxx", {("rrn", "900101-1xxxxxx")}),
    # gender digit 5-8: a foreigner's registration number, the RRN's shape
    ("외국인등록번호 850712-5123456", {("foreign_registration_no", "850712-5123456")}),
    ("주민번호 9OO1O1-l234567 판독", {("rrn", "9OO1O1-l234567")}),
    # phones
    ("연락처 010-1234-5678", {("phone", "010-1234-5678")}),
    ("연락처 01012345678", {("phone", "01012345678")}),
    ("연락처 010 1234 5678", {("phone", "010 1234 5678")}),
    ("연락처 010.1234.5678", {("phone", "010.1234.5678")}),
    ("연락처 +82-10-1234-5678", {("phone", "+82-10-1234-5678")}),
    ("연락처 +82 10 1234 5678", {("phone", "+82 10 1234 5678")}),
    ("대표번호 02-123-4567, 원무과 031-1234-5678", {("phone", "02-123-4567"), ("phone", "031-1234-5678")}),
    ("연락처 O1O-l234-5678", {("phone", "O1O-l234-5678")}),
    # cards: Luhn-valid anywhere; a failing checksum only after a card word
    ("결제 4518-1234-5678-9012 처리", {("card", "4518-1234-5678-9012")}),
    ("4518 1234 5678 9012", {("card", "4518 1234 5678 9012")}),
    ("카드번호 4518-1234-5678-9011 승인 오류", {("card", "4518-1234-5678-9011")}),
    # accounts need a bank or 계좌/입금 nearby
    ("신한은행 110-123-456789 입금", {("account", "110-123-456789")}),
    ("카카오뱅크 3333-01-1234567로 송금", {("account", "3333-01-1234567")}),
    ("농협 계좌 302-1234-5678-91", {("account", "302-1234-5678-91")}),
    # e-mail, licence, passport
    ("메일 hong.gd@example.co.kr 로 회신", {("email", "hong.gd@example.co.kr")}),
    ("운전면허 11-12-345678-90", {("driver_license", "11-12-345678-90")}),
    ("면허 서울 12-345678-90 확인", {("driver_license", "서울 12-345678-90")}),
    ("여권번호 M12345678", {("passport", "M12345678")}),
    ("여권 M123A4567", {("passport", "M123A4567")}),
    ("여권 PM1234567 사본", {("passport", "PM1234567")}),
    # numbers known by the word in front of them
    ("건강보험증 번호 12345678901", {("health_insurance_no", "12345678901")}),
    ("등록번호: 00123456", {("chart_no", "00123456")}),
    ("병록번호 2024-012345", {("chart_no", "2024-012345")}),
    ("차트번호 A1234567", {("chart_no", "A1234567")}),
    ("증권번호 L2023-0012345", {("policy_no", "L2023-0012345")}),
    ("계약번호 2024-123-4567890", {("policy_no", "2024-123-4567890")}),
    # addresses
    ("주소 서울특별시 강남구 테헤란로 123, 4층 거주", {("address", "서울특별시 강남구 테헤란로 123, 4층")}),
    ("경기도 수원시 팔달구 인계동 1012-3", {("address", "경기도 수원시 팔달구 인계동 1012-3")}),
    ("부산 해운대구 우동 1234-5 101동 1102호", {("address", "부산 해운대구 우동 1234-5 101동 1102호")}),
    # names
    ("성명 김 영 희 내원", {("name", "김 영 희")}),
    ("환자 남궁 민 수 님", {("name", "남궁 민 수")}),
    ("보호자 이순자가 동의함", {("name", "이순자")}),
    ("집도의 황보혜정, 수술 완료", {("name", "황보혜정")}),
    ("김민 씨 재진", {("name", "김민")}),
    ("담당의 박민수 소견", {("name", "박민수")}),
    ("조은비는 어제 퇴원함", {("name", "조은비")}),
    ("콜백 요청: 김상철 / 010-2345-6789", {("name", "김상철"), ("phone", "010-2345-6789")}),
    ("피보험자 김영희(900101-2345678) 입원", {("name", "김영희"), ("rrn", "900101-2345678")}),
]


@pytest.mark.parametrize(("text", "expected"), HARD_CASES, ids=[t for t, _ in HARD_CASES])
def test_hard_case_is_found_exactly(text: str, expected: set[tuple[str, str]]) -> None:
    assert found(text) == expected


def test_post_2020_rrn_with_a_failing_check_digit_is_found() -> None:
    number = "210315-3998871"
    assert not rrn.has_valid_check_digit(number)  # the case a check-digit detector would miss
    assert found(f"주민번호 {number}") == {("rrn", number)}


NO_PII = [
    "이상 소견 없음. 정상 범위. 조직검사 결과 상세불명의 폐렴 의심, J18.9.",
    "전신 상태 양호, 신장 기능 정상. 장염 증상 호전되어 2024.03.05 퇴원.",
    "김치 등 자극적인 음식 제한, 한방 치료 병행 여부 상담. 한빛정형외과의원 외래 예정.",
    "오른쪽 무릎 강직 및 통증으로 N0711 시행. 진료비 1,234,000원.",
    "유방암 환자 정밀검사 예정, 고혈압 환자 혈압 조절 중. C50.9, S72.00, Q2861.",
    "환자 상태 안정, 보호자 동의 하에 2024-03-05 퇴원 결정.",
    "의사 소견상 급성 충수염, 주치의 판단으로 추가 검사 시행. 2024년 3월 5일",
    "진단서 발급 1588-1234 안내, 입원기간 2024.03.05 ~ 2024.03.12, 주진단 K35.8",
    "월 13일은 없다: 901301-1234567 은 주민번호가 아니다.",
    "수납 금액 1,234,567,890원, 건강보험 공단부담금 2,419,690원",
    "",
]


@pytest.mark.parametrize("text", NO_PII)
def test_text_without_pii_gives_nothing(text: str) -> None:
    assert find_pii(text) == []


def test_luhn_failing_digits_without_a_card_word_are_not_a_card() -> None:
    assert found("번호 4518-1234-5678-9011") == set()


def test_digit_groups_without_a_bank_are_not_an_account() -> None:
    assert found("접수번호 110-123-456789") == set()


def test_bare_number_without_a_chart_word_is_not_a_chart_number() -> None:
    assert found("수량 00123456") == set()


# --- the span contract ------------------------------------------------------------------------------------
_ALPHABET = st.sampled_from(list("0123456789-.,: ()김이박영희철수환자보호자성명님씨주소서울강남구로동호층Ol@a"))


@settings(max_examples=150, deadline=None)
@given(st.text(_ALPHABET, max_size=80))
def test_spans_are_sorted_disjoint_and_point_into_the_text(text: str) -> None:
    spans = find_pii(text)
    assert all(s.type in PII_TYPES and text[s.start:s.end] == s.text and s.start < s.end for s in spans)
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:]))


def test_overlap_keeps_the_more_specific_type() -> None:
    # an RRN right after a bank word is hyphenated digits that the account rule also matches
    assert found("국민은행 입금자 주민번호 900101-1234568") == {("rrn", "900101-1234568")}


# --- redact -----------------------------------------------------------------------------------------------
def test_redact_replaces_spans_and_leaves_the_rest() -> None:
    text = "환자 김영희 씨(010-1234-5678)는 C50.9 진단, 진료비 1,234,000원."
    calls: list[tuple[str, str]] = []

    def surrogate(kind: str, value: str) -> str:
        calls.append((kind, value))
        return f"<{kind}>"

    new, spans = redact(text, surrogate)
    assert calls == [("name", "김영희"), ("phone", "010-1234-5678")]
    assert [(s.type, text[s.start:s.end]) for s in spans] == calls  # offsets refer to the original text
    assert new == "환자 <name> 씨(<phone>)는 C50.9 진단, 진료비 1,234,000원."


def test_redact_without_pii_returns_the_text_untouched() -> None:
    text = NO_PII[0]

    def surrogate(kind: str, value: str) -> str:
        raise AssertionError("no span, no surrogate call")

    assert redact(text, surrogate) == (text, [])


@settings(max_examples=60, deadline=None)
@given(st.text(_ALPHABET, max_size=60))
def test_redact_changes_nothing_outside_spans(text: str) -> None:
    new, spans = redact(text, lambda kind, value: "#" * (len(value) + 1))
    pieces, pos = [], 0
    for s in spans:
        pieces += [text[pos:s.start], "#" * (len(s.text) + 1)]
        pos = s.end
    assert new == "".join(pieces) + text[pos:]


# --- evaluation machinery ---------------------------------------------------------------------------------
def test_match_needs_the_same_type_and_most_of_the_gold_span() -> None:
    text = "보호자 김영희가 옴"
    gold = ("name", 4, 7)
    assert matches(text, gold, Span("name", 4, 8, "김영희가"))  # one extra particle is tolerated
    assert not matches(text, gold, Span("name", 4, 6, "김영"))  # 2 of 3 characters: below 80%
    assert not matches(text, gold, Span("address", 4, 7, "김영희"))
    assert not matches(text, gold, Span("name", 0, 10, text))  # swallowing the sentence does not count


def test_evaluate_scores_an_empty_detector_at_zero_recall() -> None:
    examples = load_examples(EVAL_SET)
    report = evaluate(examples, detector=lambda text: [])
    assert report["overall"]["recall"] == 0.0
    assert all(report[t]["recall"] == 0.0 for t in PII_TYPES)
    assert report["keep_intact"]["rate"] == 1.0


def test_evaluate_punishes_flagging_everything() -> None:
    examples = load_examples(EVAL_SET)
    report = evaluate(examples, detector=lambda text: [Span("name", 0, len(text), text)] if text else [])
    assert report["overall"]["precision"] < 0.5
    assert report["keep_intact"]["rate"] == 0.0


def test_a_keep_string_inside_a_name_is_judged_where_it_stands_alone() -> None:
    """이명 (tinnitus) inside the patient 이명수's name goes with the name; the symptom later must stay."""
    text = "환자 이명수 (여, 48세) 내원 시 이명 및 두통 호소"
    example = Example(text, (("name", 3, 6),), ("이명", "두통"))
    name_only = evaluate([example], detector=lambda t: [Span("name", 3, 6, "이명수")])
    assert name_only["keep_intact"] == {"rate": 1.0, "support": 2.0}
    symptom_too = evaluate([example], detector=lambda t: [Span("name", 3, 6, "이명수"), Span("name", 21, 23, "이명")])
    assert symptom_too["keep_intact"]["rate"] == 0.5


def test_load_examples_rejects_a_misplaced_span(tmp_path: Path) -> None:
    row = {"text": "환자 김영희", "spans": [{"type": "name", "start": 0, "end": 3, "text": "김영희"}], "keep": []}
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not at"):
        load_examples(bad)


# --- the goals on the seeded evaluation set -------------------------------------------------------------
@pytest.fixture(scope="module")
def examples() -> list[Example]:
    return load_examples(EVAL_SET)


@pytest.fixture(scope="module")
def report(examples: list[Example]) -> dict[str, dict[str, float]]:
    return evaluate(examples)


def test_eval_set_covers_every_type_and_has_negatives(examples: list[Example]) -> None:
    assert len(examples) >= 300
    support = {t: sum(g[0] == t for ex in examples for g in ex.spans) for t in PII_TYPES}
    assert min(support.values()) >= 10, support
    assert sum(not ex.spans for ex in examples) >= 50
    assert sum(len(ex.keep) for ex in examples) >= 300


@pytest.mark.parametrize("kind", sorted(STRUCTURED_TYPES))
def test_structured_recall_is_complete(report: dict[str, dict[str, float]], kind: str) -> None:
    assert report[kind]["recall"] == 1.0, report[kind]


@pytest.mark.parametrize("kind", ["name", "address"])
def test_name_and_address_recall(report: dict[str, dict[str, float]], kind: str) -> None:
    assert report[kind]["recall"] >= 0.98, report[kind]


def test_overall_precision(report: dict[str, dict[str, float]]) -> None:
    assert report["overall"]["precision"] >= 0.95, report["overall"]


def test_non_pii_survives(report: dict[str, dict[str, float]]) -> None:
    assert report["keep_intact"]["rate"] >= 0.99, report["keep_intact"]


def test_import_does_no_work() -> None:
    """Nothing at import time: the Kiwi model (about a second and 100 MB) loads on first use only."""
    code = (
        "import sys, claimvlm.privacy.detect as d; "
        "assert 'kiwipiepy' not in sys.modules; assert d._kiwi.cache_info().currsize == 0"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
