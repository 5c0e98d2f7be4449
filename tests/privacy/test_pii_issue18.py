"""Issue 18: names after explicit labels, medical-staff identifiers, the new identifier types, and
per-type recall floors on the seeded development set and the independent held-out set.

The held-out set (tests/data/pii_heldout/) is scored in aggregate only: the floors below compare
per-type recall and the keep rate, and a failure reports those numbers, never a line of the set.
Floors sit just under what the detector reached when they were set (docs/privacy.md has the table).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from claimvlm.privacy.detect import (
    PII_TYPES,
    STRUCTURED_TYPES,
    evaluate,
    find_pii,
    load_examples,
    redact,
)
from claimvlm.privacy.surrogates import Pseudonymizer

ROOT = Path(__file__).resolve().parents[2]
DEV_SET = ROOT / "tests" / "data" / "pii_eval.jsonl"
HELDOUT_SET = ROOT / "tests" / "data" / "pii_heldout" / "pii_heldout.jsonl"
NEW_TYPES = ("medical_license", "foreign_registration_no", "vehicle_no", "ip_address")


def found(text: str) -> set[tuple[str, str]]:
    return {(s.type, s.text) for s in find_pii(text)}


# --- the problem list of the issue: each case failed before the fix ----------------------------------------
@pytest.mark.parametrize(("text", "name"), [
    ("환자명: 맹름우우", "맹름우우"),  # a label and a four-syllable name of uncommon syllables
    ("성 명: 안 재 빛 서", "안 재 빛 서"),  # a letter-spaced label and a spaced name
    ("환자 성명: 간시준", "간시준"),  # an uncommon surname
    ("의사 유연도 (인)", "유연도"),  # a signature; Kiwi reads 유연+도 as a word and a particle
    ("보호자 궉민호 동의 하에 수술 진행", "궉민호"),  # a guardian without a colon, a rare surname
    ("보호자 맹름우우에게 설명함", "맹름우우"),  # the same, with a particle glued to the name
    ("담당의사 남궁빛나리 (서명)", "남궁빛나리"),  # five syllables before a signature
    ("주치의 간도윤 판단으로 전원", "간도윤"),  # a doctor in free text
])
def test_name_after_label_or_before_signature(text: str, name: str) -> None:
    assert ("name", name) in found(text)


def test_licence_number_in_free_text_is_a_medical_license() -> None:
    assert found("면허번호 제 12297 호") == {("medical_license", "12297")}
    assert ("medical_license", "12297") in found("의사 유연도  면허 제12297호")
    assert found("의사면허 45821, 전문의 자격번호 제 1123 호") == {
        ("medical_license", "45821"), ("medical_license", "1123")}


def test_a_list_after_a_label_is_all_names() -> None:
    assert found("간호사: 옥지율, 모하은") == {("name", "옥지율"), ("name", "모하은")}


@pytest.mark.parametrize(("text", "names"), [
    ("보호자 없음, 독거.", set()), ("의사 소견상 골다공증 동반.", set()), ("담당의 변경 요청 접수.", set()),
    ("환자 상태 호전되어 퇴원 결정.", set()), ("간호사 안구건조 확인.", set()), ("예금주 불일치로 반려.", set()),
    ("성명: 미상", set()), ("환자분 보호자께서 병원비 문의.", set()), ("한빛병원 (인)", set()),
    ("집도의 김영희, 수술명 관혈적 정복술(N2072)", {"김영희"}),
])
def test_what_follows_a_label_need_not_be_a_name(text: str, names: set[str]) -> None:
    assert {value for kind, value in found(text) if kind == "name"} == names


@pytest.mark.parametrize("text", ["운전면허 정지 90일 처분.", "면허 갱신 2025.01.31", "전문의 3명 협진"])
def test_a_count_or_date_after_a_licence_word_is_no_licence_number(text: str) -> None:
    assert found(text) == set()


# --- new identifier types -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("외국인등록번호 020315-7******", {("foreign_registration_no", "020315-7******")}),
    ("주민번호 900101-1234568", {("rrn", "900101-1234568")}),
    ("사고 차량 12가 3456, 상대 차량 123나 4567",
     {("vehicle_no", "12가 3456"), ("vehicle_no", "123나 4567")}),
    ("차량번호: 서울 12 가 3456", {("vehicle_no", "서울 12 가 3456")}),
    ("접속 IP 192.168.10.23 확인", {("ip_address", "192.168.10.23")}),
    ("IPv6 2001:db8:85a3::8a2e:370:7334 차단", {("ip_address", "2001:db8:85a3::8a2e:370:7334")}),
    ("응답 시간 10:30:00, 버전 1.2.3", set()),
    ("15세 남자, 3층 1234호", set()),
])
def test_new_identifier_types(text: str, expected: set[tuple[str, str]]) -> None:
    assert found(text) == expected


def test_every_new_type_has_a_surrogate_of_the_same_shape() -> None:
    pz = Pseudonymizer(b"issue-18-test-key-0123")

    def shape(value: str) -> str:  # digits (hex digits in IPv6), Hangul, Latin letters and separators
        hexd = "::" in value
        return "".join("9" if c.isdigit() or hexd and c in "abcdef" else "가" if "가" <= c <= "힣"
                       else "A" if c.isalpha() else c for c in value)

    for kind, value in [("medical_license", "12297"), ("foreign_registration_no", "850712-5123457"),
                        ("foreign_registration_no", "020315-7******"), ("vehicle_no", "서울 12 가 3456"),
                        ("vehicle_no", "123나4567"), ("ip_address", "fe80::1ff:fe23:4567:890a"),
                        ("name", "John Smith")]:
        fake = pz(kind, value)
        assert fake != value and fake == pz(kind, value), (kind, value, fake)  # other, and deterministic
        assert shape(fake) == shape(value), (kind, value, fake)
    assert pz("foreign_registration_no", "850712-5123457")[7] == "5"  # the foreigner's gender digit stays
    assert pz("vehicle_no", "서울 12 가 3456").startswith("서울 ")  # a province, kept like an address's
    v4 = pz("ip_address", "192.168.10.23")
    assert found(f"IP {v4}") == {("ip_address", v4)}
    assert Pseudonymizer(b"another-key-0123456789")("medical_license", "12297") != pz("medical_license", "12297")


def test_redact_replaces_the_new_types() -> None:
    pz = Pseudonymizer(b"issue-18-test-key-0123")
    text = "의사 유연도 (인) 면허번호 제 12297 호, 차량 12가 3456, IP 10.0.12.7, 외국인등록번호 850712-5123457"
    new, spans = redact(text, pz)
    assert {s.type for s in spans} == {"name", "medical_license", "vehicle_no", "ip_address",
                                        "foreign_registration_no"}
    assert all(s.text not in new for s in spans)


def test_load_examples_accepts_every_type() -> None:
    examples = load_examples(DEV_SET)
    support = {t: sum(g[0] == t for ex in examples for g in ex.spans) for t in PII_TYPES}
    assert all(support[t] >= 10 for t in NEW_TYPES), support


# --- numbers far from their label, or labelled by another convention (found on a third independent corpus,
# tasks/privacy/notes_corpus_c.py, used as a development set) ----------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    # a label list, then the values in the same order
    ("성명/등록번호/진료과: 간시준/20231187/내과", {("name", "간시준"), ("chart_no", "20231187")}),
    ("환자번호;보험증번호 ▶ 4471-203;5-61230994781", {("chart_no", "4471-203"), ("health_insurance_no", "5-61230994781")}),
    # the keyword nearest the number names it
    ("건강보험 환자 등록번호 7712903", {("chart_no", "7712903")}),
    # digits in two groups, a registration number in English, a log's keys
    ("병록번호 7930 4183 확인", {("chart_no", "7930 4183")}),
    ("Reg.No: A3792259, 내원", {("chart_no", "A3792259")}),
    ("action=VIEW mrn=2023347359 viewer=system", {("chart_no", "2023347359")}),
    ("HIN:27166-800411", {("health_insurance_no", "27166-800411")}),
    # a chart number after a patient's age, a record row
    ("(안정/21세/34172328)", {("chart_no", "34172328")}),
    ("70900453|오가재|남|44|안과", {("chart_no", "70900453"), ("name", "오가재")}),
    # policies: 증권 alone, keys
    ("피보험자 사고 건, 증권 H21074513786 참조", {("policy_no", "H21074513786")}),
    ("claim policy=C-136-9622481 status=OK", {("policy_no", "C-136-9622481")}),
    # licences cited after a professional's name, 면허번호 No.
    ("마취의 황태윤 (#9034) 입회", {("name", "황태윤"), ("medical_license", "9034")}),
    ("간호사 김지옥 면허번호 No.365050 근무", {("name", "김지옥"), ("medical_license", "365050")}),
    # masks other than *, a phone written as one run after a phone word, OCR letters in a number
    ("주민등록번호 961105-1######", {("rrn", "961105-1######")}),
    ("연락처 05553440995", {("phone", "05553440995")}),
    ("bank_acct=3333674319631 holder", {("account", "3333674319631")}),
    ("passport P2731794C", {("passport", "P2731794C")}),
])
def test_numbers_by_position_and_other_conventions(text: str, expected: set[tuple[str, str]]) -> None:
    assert expected <= found(text), found(text)


def test_a_slashed_sentence_is_no_label_list() -> None:
    # three labels, two values: an ordinary sentence with slashes, nothing is paired
    assert not {s for s in found("환자/보호자/간호사 면담: 통증/부종 호전") if s[0] != "name"}


# --- recall floors on both sets ------------------------------------------------------------------------------
# What the detector reached when the floors were set, rounded down a little (docs/privacy.md).
# With the learned backstop (claimvlm.privacy.tagger) trained on five generators and the tagger-filter
# round (2026-12-05): held-out names 0.986, every structured type 1.0, keep 0.9995; development names
# 0.995, keep 1.0. After the closers and whole-name round (third session of 2026-12-05): held-out
# names 0.9907 (the goal, 0.99, is now the floor), name precision 0.996.
DEV_FLOORS = {"name": 0.99, "address": 1.0, **{t: 1.0 for t in STRUCTURED_TYPES}}
DEV_KEEP_FLOOR = 0.998
HELDOUT_FLOORS = {
    "name": 0.99, "address": 1.0,
    **{t: 1.0 for t in ("chart_no", "health_insurance_no", "phone", "medical_license", "rrn", "email", "card", "account", "vehicle_no",
                        "driver_license", "foreign_registration_no", "passport", "ip_address", "policy_no")},
}


@pytest.fixture(scope="module")
def dev_report() -> dict[str, dict[str, float]]:
    return evaluate(load_examples(DEV_SET))


@pytest.fixture(scope="module")
def heldout_report() -> dict[str, dict[str, float]]:
    if not HELDOUT_SET.exists():
        pytest.skip("the held-out set is not in this checkout")
    return evaluate(load_examples(HELDOUT_SET))


def _below(report: dict[str, dict[str, float]], floors: dict[str, float]) -> dict[str, tuple[float, float]]:
    return {t: (round(report[t]["recall"], 4), f) for t, f in floors.items() if report[t]["recall"] < f}


def test_dev_set_recall_floors(dev_report: dict[str, dict[str, float]]) -> None:
    assert not _below(dev_report, DEV_FLOORS)
    assert dev_report["keep_intact"]["rate"] >= DEV_KEEP_FLOOR, dev_report["keep_intact"]


def test_heldout_recall_floors(heldout_report: dict[str, dict[str, float]]) -> None:
    assert not _below(heldout_report, HELDOUT_FLOORS)  # aggregate numbers only: no line of the set
    assert heldout_report["keep_intact"]["rate"] >= 0.995, heldout_report["keep_intact"]
    assert heldout_report["overall"]["precision"] >= 0.97, heldout_report["overall"]


# --- the name probe (tests/privacy/name_probe.py): recall per cue family on a fixed seeded subset ----------
# What the detector reached on probe(900, seed=7) when set, less about three points (docs/privacy.md).
PROBE_FLOORS = {"label_colon": 0.93, "signature": 0.92, "honorific": 0.82, "deceased": 0.80, "slash": 0.79,
                "paren": 0.76, "label_plain": 0.75, "role": 0.70, "particle": 0.62}


def test_name_probe_recall_per_cue_family() -> None:
    from tests.privacy.name_probe import by_family, probe, score

    report = score(probe(900, seed=7))
    recall = by_family(report)
    assert not {f: (round(r, 3), PROBE_FLOORS[f]) for f, r in recall.items() if r < PROBE_FLOORS[f]}
    false = sum(v[0] for v in report["false"].values())
    lines = sum(v[1] for v in report["false"].values())
    assert false <= 0.05 * lines, report["false"]  # distractors (보호자 없음, 의사 소견) stay text
    assert report["keep"][0] == report["keep"][1], report["keep"]
