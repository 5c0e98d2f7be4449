"""A seeded probe of Korean names in claim free text: cue forms x name shapes, plus non-name distractors.

Written for issue 18's name recall, independently of the development and held-out sets: its own
templates and its own name generator (surnames and given syllables below, not the detector's tables).
`probe(n, seed)` returns `ProbeExample`s; `score(examples)` gives recall per (family, shape) and the
number of names predicted in distractor lines (which hold none). Run it as a script for the table:

    .venv/bin/python tests/privacy/name_probe.py [n] [seed]
"""

from __future__ import annotations

import random
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# --- the name generator ------------------------------------------------------------------------------------
_COMMON_SURNAMES = "김 이 박 최 정 강 조 윤 장 임 한 오 서 신 권 황 안 송 류 전 홍 고 문 양 손 배 백 허 남 심 노 하 곽 성 차 주 우 구 민 진 엄 채 원 천 방 공 현 함 변 염 여 도 석 설 마 길 연 위 표 명 기 반 왕 금 육 맹 제 모 국 은 용 예 경".split()
_RARE_SURNAMES = "편 탁 옥 빈 감 섭 즙 견 뇌 묵 추 삼 어 인 돈 흥 평 봉 사 두 궉 간 갈 계 곡 근 담 당 도 라 랑 매 묘 순 승 시 아 애 야 엽 옹 요 운 잠 저 점 종 초 총 판 포 풍 필 학 화 후 강 피 형 태 복 부 가 음 동 온 호 범 좌 팽 국".split()
_TWO_SURNAMES = "남궁 황보 제갈 선우 독고 사공 서문".split()
# Given syllables: the frequent ones, then rarer but real ones (Sino-Korean and native).
_GIVEN_COMMON = "민 준 서 연 지 우 현 수 영 은 하 윤 도 예 진 성 재 호 경 혜 원 희 주 채 아 나 다 소 유 시 태 승 동 혁 훈 석 철 규 범 상 형 환 빈 율 린 온 정 미 숙 자 순 옥 영 남 식 용 기 광 창".split()
_GIVEN_RARE = ("별 솔 슬 결 겸 담 람 봄 새 찬 휘 률 헌 강 건 곤 균 근 길 녕 단 덕 란 래 량 려 렬 령 록 륜 립 만 명 모 "
               "묵 문 배 백 병 보 복 본 봉 부 비 산 선 설 섭 세 송 신 실 심 안 애 양 언 엽 오 완 욱 운 웅 월 위 을 "
               "응 의 이 익 인 일 임 제 조 종 중 직 창 천 청 초 춘 충 치 칠 탁 택 판 평 표 필 학 한 해 향 협 홍 화 "
               "확 활 황 회 효 후 흠 흥 갑 곡 귀 낙 노 누 눌 늠 니 득 들 등 룡 로 롬 름 망 묘 벽 분 빛 샘 숲 잎 "
               "꽃 늘 달 마 밀 바 얀 여 가 나 라 결 겨 곰 뜰 새 샛 솜 엘 겸 뮤 루 리").split()
_NATIVE_GIVEN = "하늘 아름 보람 슬기 가람 나래 다솜 한결 새봄 여름 가을 누리 한별 초롱 이슬 샛별 나라 마루 단비 하람 새롬 은별 해솔 빛나 별하 한빛 미르 아라 라온 온유".split()
_FOREIGN = ["왕웨이", "응우옌반안", "리샤오밍", "장웨이", "천징", "쩐티흐엉", "팜반투", "레티란", "마이클", "존슨",
            "사라리", "알리칸", "바트볼드", "응우옌티마이", "류양", "저우린", "자오밍", "누르잔", "아지즈", "소피아김",
            "왕팡", "리나", "쑨리", "탕밍", "도안반훙", "호앙티투", "볼로디미르", "타티아나", "가네샤", "라훌"]
SHAPES = ("two", "three", "rare_surname", "two_surname", "four_given", "native", "spaced", "foreign")


def _given(rng: random.Random, n: int) -> str:
    pool = _GIVEN_COMMON if rng.random() < 0.6 else _GIVEN_RARE
    return "".join(rng.choice(pool if i == 0 else _GIVEN_COMMON + _GIVEN_RARE) for i in range(n))


def make_name(rng: random.Random, shape: str) -> str:
    if shape == "two":
        return rng.choice(_COMMON_SURNAMES) + _given(rng, 1)
    if shape == "three":
        return rng.choice(_COMMON_SURNAMES) + _given(rng, 2)
    if shape == "rare_surname":
        return rng.choice(_RARE_SURNAMES) + _given(rng, rng.choice((1, 2, 2, 2)))
    if shape == "two_surname":
        return rng.choice(_TWO_SURNAMES) + _given(rng, rng.choice((1, 2, 2)))
    if shape == "four_given":
        return rng.choice(_COMMON_SURNAMES) + _given(rng, 3)
    if shape == "native":
        return rng.choice(_COMMON_SURNAMES) + rng.choice(_NATIVE_GIVEN)
    if shape == "spaced":
        return " ".join(rng.choice(_COMMON_SURNAMES + _RARE_SURNAMES[:20]) + _given(rng, rng.choice((1, 2, 2))))
    return rng.choice(_FOREIGN)


def _batchim(word: str) -> bool:
    last = word.replace(" ", "")[-1]
    return (ord(last) - 0xAC00) % 28 != 0


def _josa(word: str, pair: str) -> str:
    a, b = pair.split("/")
    return a if _batchim(word) else b


# --- the templates: {N} is the name; {P:은/는} a particle chosen by the name's last syllable -----------------
# Sentences before and after, drawn per example (each keeps its codes, dates, amounts and hospitals).
_BEFORE = ["", "", "", "2024.03.15 ", "서울아산병원 정형외과 외래. ", "진단 K35.8, ", "입원 5일차. ", "청구금액 1,250,000원. ",
           "삼성서울병원 내과 ", "[보상팀 메모] ", "M54.5 요통, "]
_AFTER = ["", "", " 확인함.", ", 진단 M17.1.", " 2024.05.02 내원.", ", 청구액 340,000원.", " 정형외과 외래 예정.",
          ", 세브란스병원 전원.", " 주민번호 900101-1******.", " (연락처 010-2345-6789)"]
KEEP = ("K35.8", "M17.1", "M54.5", "2024.03.15", "2024.05.02", "1,250,000원", "340,000원", "서울아산병원", "정형외과",
        "삼성서울병원", "세브란스병원", "내과")

TEMPLATES: dict[str, list[str]] = {
    "label_colon": ["환자명: {N}", "성명: {N}", "성 명: {N}", "환자 성명: {N}", "수익자: {N}", "피보험자: {N}", "이름 : {N}",
                    "보호자: {N}", "계약자: {N}", "예금주: {N}", "신청인: {N}", "환자명 : {N} / 나이 45세"],
    "label_plain": ["환자명 {N}", "성명 {N}", "성 명 {N}", "피보험자 {N}", "수익자 {N}", "환자 성명 {N}", "계약자 {N}",
                    "예금주 {N}", "신청인 {N} 본인 청구", "피보험자 {N} 통원 치료"],
    "slash": ["성명/{N}/주민번호/900101-1******", "{N} / 010-3456-7890", "{N}/010-9876-5432", "{N} | 010-1111-2222",
              "환자: {N} / 45세 / 남", "{N}, 010-5555-1234 연락 요망", "{N} (010-2233-4455)"],
    "role": ["보호자 {N}", "의사 {N}", "담당의 {N}", "주치의 {N} 교수", "집도의 {N}", "간호사 {N}",
             "보호자 {N} 동의 하에 수술 진행", "담당의 {N} 판단으로 전원", "주치의 {N} 소견 참조", "간호사 {N} 확인",
             "담당 간호사 {N}", "마취의 {N}", "담당자 {N} 통화"],
    "signature": ["의사 {N} (인)", "담당의: {N} (서명)", "{N} ㊞", "진단의사 {N} (인)", "작성자 {N} (서명)",
                  "위 사실을 확인함. {N} (인)", "청구인 {N} ㊞", "{N} (서명)"],
    "honorific": ["{N} 님", "{N} 씨", "{N} 고객님", "{N} 환자", "{N} 원장", "{N}님께 안내 완료", "{N} 님 통화 완료",
                  "{N} 씨와 면담", "{N} 고객님 서류 접수", "{N} 환자 수술 후 경과 양호", "{N} 원장 소견서 첨부",
                  "{N} 교수 외래", "{N} 선생님께 문의"],
    "particle": ["{N}{P:은/는} 2024.03.15 내원함.", "{N}{P:이/가} 내원하여 상담.", "{N}에게 설명함.", "{N}의 보험금 청구 건.",
                 "보상팀은 {N}에게 서류 요청.", "어제 {N}{P:이/가} 전화함.", "{N}{P:은/는} 통증 호소.",
                 "피해자 {N}{P:은/는} 치료 중.", "{N}{P:을/를} 대리하여 청구."],
    "paren": ["환자({N}, 45세)", "보호자({N})", "환자 ({N}, 여/32)", "{N}(남/61세)", "{N}(45세) 내원", "피보험자({N}, 본인)",
              "{N}(900101-1******)"],
    "deceased": ["故 {N}", "고 {N}", "故{N}의 사망보험금", "고 {N} 님 유족", "故 {N} 보험금 청구", "망 {N}의 상속인"],
}
# Lines with the same cues and no name: they must stay unmarked.
DISTRACTORS: dict[str, list[str]] = {
    "label_colon": ["성명: 미상", "보호자: 없음", "수익자: 법정상속인", "성명: 미기재", "환자명: 본인", "피보험자: 상동"],
    "label_plain": ["성명 미기재", "환자 상태 양호", "피보험자 동일", "수익자 변경 요청", "성명 확인 불가", "예금주 불일치"],
    "slash": ["진단/K35.8/수술/2024.03.15", "통원 / 010-0000-0000 불통", "정형외과 / 02-3010-3114"],
    "role": ["보호자 없음", "의사 소견", "담당의 변경", "주치의 교체 예정", "간호사 인계 완료", "보호자 동의 후 퇴원",
             "의사 지시에 따라 투약", "집도의 판단 하에 진행", "담당의 부재로 연기"],
    "signature": ["서명 생략", "서명 미비로 반려", "서울아산병원 (인)", "정형외과 ㊞", "확인 (서명)"],
    "honorific": ["고객님 안내 완료", "환자 상태 양호", "원장 소견서 첨부", "담당자 님께 전달", "보호자님 동의"],
    "particle": ["진단서는 2024.03.15 발급.", "통증이 지속됨.", "보험금의 지급 예정.", "상담원에게 문의함."],
    "paren": ["환자(45세, 남)", "정형외과(외래)", "요통(M54.5)", "보호자(모)"],
    "deceased": ["고혈압 치료 중", "고관절 골절", "고지의무 위반 검토"],
}
FAMILIES = tuple(TEMPLATES)


@dataclass(frozen=True)
class ProbeExample:
    text: str
    names: tuple[tuple[int, int], ...]  # (start, end) of each name
    keep: tuple[str, ...]
    family: str
    shape: str  # "none" for a distractor


def _fill(template: str, name: str) -> tuple[str, tuple[int, int]]:
    start = template.index("{N}")
    text = template.replace("{N}", name)
    if "{P:" in text:
        a = text.index("{P:")
        b = text.index("}", a)
        text = text[:a] + _josa(name, text[a + 3:b]) + text[b + 1:]
    return text, (start, start + len(name))


def probe(n: int = 3000, seed: int = 18) -> list[ProbeExample]:
    """n examples, one name each (or none, for about one in six: a distractor), seeded."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        family = FAMILIES[i % len(FAMILIES)]
        before, after = rng.choice(_BEFORE), rng.choice(_AFTER)
        if rng.random() < 1 / 6:
            body, spans, shape = rng.choice(DISTRACTORS[family]), (), "none"
        else:
            shape = SHAPES[(i // len(FAMILIES)) % len(SHAPES)]
            if shape == "foreign" and family in ("particle", "honorific"):
                shape = "three"  # a transcribed name is found after a strong cue only (docs/privacy.md)
            body, (a, b) = _fill(rng.choice(TEMPLATES[family]), make_name(rng, shape))
            spans = ((a + len(before), b + len(before)),)
        text = before + body + after
        out.append(ProbeExample(text, spans, tuple(k for k in KEEP if k in text), family, shape))
    return out


def score(examples: Sequence[ProbeExample], detector: Callable[[str], list] | None = None) -> dict:
    """{"recall": {(family, shape): (found, total)}, "false": {family: (names predicted, lines)},
    "spurious": names predicted in named lines that match no name, "keep": (kept, total)}."""
    from claimvlm.privacy.detect import find_pii, matches

    detector = detector or find_pii
    recall: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    false: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    spurious = kept = keep_total = 0
    for ex in examples:
        preds = [p for p in detector(ex.text)]
        names = [p for p in preds if p.type == "name"]
        if ex.shape == "none":
            false[ex.family][0] += len(names)
            false[ex.family][1] += 1
        for a, b in ex.names:
            recall[ex.family, ex.shape][0] += any(matches(ex.text, ("name", a, b), p) for p in names)
            recall[ex.family, ex.shape][1] += 1
        if ex.names:
            spurious += sum(not any(matches(ex.text, ("name", a, b), p) for a, b in ex.names) for p in names)
        for k in ex.keep:
            keep_total += 1
            s = ex.text.index(k)
            kept += all(p.end <= s or s + len(k) <= p.start for p in preds)
    return {"recall": {k: tuple(v) for k, v in recall.items()}, "false": {k: tuple(v) for k, v in false.items()},
            "spurious": spurious, "keep": (kept, keep_total)}


def by_family(report: dict) -> dict[str, float]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (family, _), (f, t) in report["recall"].items():
        totals[family][0] += f
        totals[family][1] += t
    return {k: f / t for k, (f, t) in totals.items()}


def main(argv: Sequence[str]) -> None:
    n = int(argv[0]) if argv else 3000
    seed = int(argv[1]) if len(argv) > 1 else 18
    report = score(probe(n, seed))
    print("family".ljust(12) + "".join(s[:8].rjust(9) for s in SHAPES) + "      all  false/lines")
    fam = by_family(report)
    for family in FAMILIES:
        cells = []
        for shape in SHAPES:
            f, t = report["recall"].get((family, shape), (0, 0))
            cells.append(f"{f / t:8.0%}" if t else "       -")
        fp = report["false"].get(family, (0, 0))
        print(family.ljust(12) + " ".join(cells) + f" {fam[family]:8.1%}  {fp[0]}/{fp[1]}")
    f = sum(v[0] for v in report["recall"].values())
    t = sum(v[1] for v in report["recall"].values())
    print(f"overall recall {f / t:.1%} ({f}/{t}); spurious names in named lines {report['spurious']}; "
          f"keep {report['keep'][0]}/{report['keep'][1]}")


if __name__ == "__main__":
    main(sys.argv[1:])
