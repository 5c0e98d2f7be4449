"""Synthetic Korean insurance-claim free text with personal-identifier spans (corpus B).

Written 2026-12-04, independently of the project's identifier detector and of the
other synthetic notes corpus: the only inputs were the shared domain reference
(``domain.md``) and a written brief.  Nothing here was copied from, or checked
against, the detector or the other generator; the point is to give the sequence
tagger a second, differently-written view of how people write these lines.

What it produces: one line of free text per ``Note`` (adjusters' investigation
memos, claim-review comments, nursing notes, discharge summaries, referral and
reply letters, consent forms, prescriptions, death / disability certificates,
hospital-to-insurer faxes, customer complaints, KakaoTalk-style chats, OCR dumps
of printed forms, flattened tables and English-mixed notes), the character
offsets of every personal identifier in it, and a list of "keep" strings
(codes, dates, amounts, drugs, hospitals, departments, diagnoses, medical words
that sit right after role words ...) that a de-identifier must leave alone.

Span types: name, rrn, phone, card, account, email, address, chart_no,
health_insurance_no, medical_license, driver_license, passport,
foreign_registration_no, vehicle_no, ip_address, policy_no.

Annotation conventions chosen here:
* a name span is the name only: titles (님, 씨, 교수, 원장님 ...), particles
  (가/이/은/는 ...), brackets and signature marks ((인), ㊞, (서명)) stay outside;
  OCR letter-spaced names (``김 민 준``) are one span from first to last syllable;
  romanised names (``KIM MINJUN``) and foreign names in Hangul are names;
  a given name used alone for a person already named in the line is a name.
  Fully masked names (``김○○``) carry no span.
* RRNs masked after the sex digit (``900101-1******``) are still ``rrn``;
  ``******-*******`` is not annotated.  G = 5..8 gives foreign_registration_no.
* a medical licence span is the digits only (``제 12345 호`` -> ``12345``).
* an account span is the number only; the bank name is a keep string.
* addresses are whole (province .. building / unit, postcode when it leads).
* hospitals' own phone numbers and addresses never appear (domain.md: they do
  not identify the patient), so every phone / address in the corpus is personal.

Usage::

    python tasks/privacy/notes_corpus_b.py OUT.jsonl --n 2000 --seed 1
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import re
import sys
from collections import Counter
from dataclasses import dataclass

__all__ = ["Span", "Note", "generate", "SPAN_TYPES", "template_count"]


@dataclass(frozen=True)
class Span:
    type: str
    start: int
    end: int


@dataclass(frozen=True)
class Note:
    text: str
    spans: tuple[Span, ...]
    keep: tuple[str, ...]


SPAN_TYPES = (
    "name", "rrn", "phone", "card", "account", "email", "address", "chart_no",
    "health_insurance_no", "medical_license", "driver_license", "passport",
    "foreign_registration_no", "vehicle_no", "ip_address", "policy_no",
)
KEEP = "K"  # piece kind: must-keep value

# --------------------------------------------------------------------------
# Hangul helpers
# --------------------------------------------------------------------------
_SBASE = 0xAC00
# final consonant index: 0 none, 4 ㄴ, 8 ㄹ, 16 ㅁ, 21 ㅇ


def _is_syllable(ch: str) -> bool:
    return 0 <= ord(ch) - _SBASE < 11172


def _split(ch: str) -> tuple[int, int, int]:
    c = ord(ch) - _SBASE
    return c // 588, (c % 588) // 28, c % 28


def _join(l: int, v: int, t: int) -> str:
    return chr(_SBASE + l * 588 + v * 28 + t)


_DIGIT_BATCHIM = {"0": 21, "1": 8, "2": 0, "3": 16, "4": 0, "5": 0, "6": 1, "7": 8, "8": 8, "9": 0}


def _final_of(ch: str) -> int | None:
    """Final-consonant index of the sound ``ch`` ends with, None when unknown."""
    if _is_syllable(ch):
        return _split(ch)[2]
    if ch in _DIGIT_BATCHIM:
        return _DIGIT_BATCHIM[ch]
    if ch.isalpha():
        return 8 if ch in "lLrR" else (21 if ch in "gG" else (4 if ch in "nN" else (16 if ch in "mM" else 0)))
    return None


def _particle(prev_text: str, a: str, b: str) -> str:
    """Pick ``a`` (after a final consonant) or ``b`` (after a vowel)."""
    i = len(prev_text) - 1
    while i >= 0 and prev_text[i] in " )]}」』〉>\"'.·":
        i -= 1
    fin = _final_of(prev_text[i]) if i >= 0 else 0
    if fin is None:
        fin = 0
    if a in ("으로", "으로는", "으로서"):
        return b if fin in (0, 8) else a
    return a if fin else b


# --------------------------------------------------------------------------
# Name material
# --------------------------------------------------------------------------
_COMMON_SURNAMES = [
    ("김", 214), ("이", 147), ("박", 84), ("최", 47), ("정", 44), ("강", 23), ("조", 21),
    ("윤", 21), ("장", 20), ("임", 17), ("한", 15), ("오", 15), ("서", 15), ("신", 15),
    ("권", 14), ("황", 14), ("안", 14), ("송", 13), ("류", 6), ("유", 11), ("전", 11),
    ("홍", 11), ("고", 9), ("문", 9), ("양", 9), ("손", 9), ("배", 8), ("백", 8),
    ("허", 7), ("남", 5), ("심", 5), ("노", 5), ("하", 5), ("곽", 4), ("성", 4),
    ("차", 4), ("주", 4), ("우", 4), ("구", 4), ("민", 3), ("진", 3), ("지", 3),
    ("엄", 3), ("채", 3), ("원", 2), ("천", 2), ("방", 2), ("공", 2), ("현", 2),
    ("함", 2), ("변", 2), ("염", 2), ("여", 1), ("추", 1), ("도", 1), ("소", 1),
    ("석", 1), ("선", 1), ("설", 1), ("마", 1), ("길", 1), ("연", 1), ("위", 1),
    ("표", 1), ("명", 1), ("기", 1), ("반", 1), ("라", 1), ("왕", 1), ("금", 1),
    ("옥", 1), ("육", 1), ("인", 1), ("맹", 1), ("제", 1), ("모", 1), ("남궁", 1),
    ("탁", 1), ("국", 1), ("어", 1), ("은", 1), ("편", 1), ("용", 1), ("황보", 1),
    ("제갈", 1), ("선우", 1), ("독고", 1),
]
_RARE_SURNAMES = (
    "가 간 갈 감 강 개 견 경 계 고 곡 공 곽 교 구 국 군 궁 궉 권 근 금 기 길 김 "
    "나 난 남 낭 내 노 뇌 누 단 담 당 대 도 독 돈 동 두 등 라 량 려 렴 로 뢰 룡 류 륙 리 림 "
    "마 만 매 맹 명 모 목 묘 묵 문 미 민 박 반 방 배 백 번 범 변 보 복 봉 부 비 빈 빙 "
    "사 삼 상 서 석 선 설 섭 성 소 손 송 수 순 승 시 신 심 십 아 안 애 야 양 어 엄 여 연 염 엽 "
    "영 예 오 옥 온 옹 왕 요 용 우 운 원 위 유 육 윤 은 음 이 인 임 자 장 저 전 점 정 제 조 "
    "종 좌 주 준 즙 증 지 진 차 창 채 척 천 초 최 추 춘 탁 탄 탕 태 판 팽 편 평 포 표 풍 피 필 "
    "하 학 한 함 해 허 현 형 호 홍 화 환 황 후 흥 개 뇌 묵 삼 즙 궉 어 빈 "
    "남궁 황보 제갈 선우 독고 동방 사공 서문 망절 어금 소봉 장곡 강전 황목"
).split()
# surnames of naturalised citizens as they appear in Hangul in recent statistics
_NATURALISED_SURNAMES = (
    "응우옌 쩐 팜 후인 부이 다오 응오 즈엉 산토스 크루즈 레예스 가르시아 멘도사 바티스타 아키노 "
    "하야시 이토 우에노 사토 스즈키 다나카 야마모토 나카무라 사이토 쑨 자오 저우 가오 칸 쿠마르 싱 "
    "린 쉬 궈 뤄 차오 펑 덩 셰 쑹 부 레 라모스 토레스 플로레스 빌라누에바 와타나베 고바야시 기무라 마쓰모토 "
    "응우엔 호앙 도안 마이"
).split()


def _dedupe(seq):
    seen = {}
    for x in seq:
        seen.setdefault(x, None)
    return list(seen)


SURNAMES = _dedupe([s for s, _ in _COMMON_SURNAMES] + _RARE_SURNAMES + _NATURALISED_SURNAMES)
_TRADITIONAL = _dedupe([s for s, _ in _COMMON_SURNAMES] + _RARE_SURNAMES)
if len(SURNAMES) < 250:
    raise AssertionError("surname table too small")
_COMMON_S = [s for s, _ in _COMMON_SURNAMES]
_COMMON_W = [w for _, w in _COMMON_SURNAMES]

_GIVEN_CURATED = (
    # born 2000s-2020s
    "민준 서준 도윤 예준 시우 하준 주원 지호 지후 준우 준서 건우 현우 도현 지훈 우진 선우 서진 "
    "민재 현준 연우 유준 정우 승우 승현 시윤 준혁 은우 지환 승민 유찬 윤우 민성 준영 시후 진우 "
    "재윤 시현 동현 태윤 민규 재원 민우 재민 은찬 윤호 지안 이준 로운 서후 "
    "서연 서윤 지우 서현 민서 하은 하윤 윤서 지유 지민 채원 지윤 은서 수아 다은 예은 수빈 지아 "
    "소율 예린 예원 소윤 시은 채은 유진 하린 가은 윤아 나은 아린 서아 다인 수민 지현 예진 "
    # born 1960s-1990s
    "혜원 은지 수진 혜진 민지 유나 지은 미영 은영 정희 미숙 지영 선영 혜영 수경 정미 미란 은정 "
    "미정 현정 소영 보영 경아 윤정 성희 영호 영철 상철 정호 성호 성수 광수 재석 병철 종훈 동욱 "
    "상훈 성민 정훈 준호 재훈 진호 태호 민석 현석 경수 대현 용준 창호 명수 철수 석진 동건 "
    "기태 형준 상우 재형 승철 인호 용수 진혁 태식 병준 "
    # born 1930s-1950s
    "영희 순자 영자 정숙 경숙 옥순 말순 순옥 춘자 명숙 미경 현숙 혜숙 경희 옥자 금순 복순 점순 "
    "분이 순례 봉순 귀남 만복 춘식 덕배 말복 봉수 갑수 을용 칠성 판석 용팔 복동 막례 간난"
).split()
_GIVEN_NATIVE = (
    "하늘 보람 슬기 아름 다솜 나래 한별 가람 누리 다운 새롬 초롱 한결 빛나 예슬 이슬 나비 보미 "
    "하람 가온 라온 한울 새봄 푸름 다온 아라 소리 미르 기쁨 사랑 소망 믿음 은별 해솔 솔비 단비 "
    "온유 한빛 바다 여름 가을 겨울 노을 구슬 산들 샛별"
).split()
_GIVEN_THREE = "한아름 빛나리 은하수 하늘빛 새로미 아름솔 나래온 한가람 보라미 별하나 슬기롬 다소니".split()
_GIVEN_ONE = "혁 준 민 훈 진 별 솔 봄 결 윤 율 린 건 찬 웅 욱 란 숙 희 철 원 산 강".split()
_SYL_A = (
    "민 서 도 하 준 지 시 은 현 우 건 승 유 정 윤 재 동 성 영 상 진 태 종 경 병 광 용 기 철 석 "
    "대 명 호 창 원 인 규 범 세 형 혁 주 한 희 수 찬 선 예 연 채 다 소 나 미 혜 숙 순 옥 보 아 효 "
    "가 라 로 이 의 해 휘 율 담 단 온 결 겸 강 빈 근 덕 만 봉 충 학 평 홍 화"
).split()
_SYL_B = (
    "준 호 우 민 현 서 윤 진 훈 석 수 철 영 식 환 규 빈 혁 성 재 원 찬 욱 기 범 남 희 연 은 아 "
    "나 린 율 정 경 숙 자 순 옥 미 란 화 주 지 혜 하 유 진 태 완 웅 일 국 길 선 옥 인 애 향 별 "
    "솔 온 결 담 후 겸 람 로 안 언 열 용 운 한 헌 협 홍 효"
).split()
# full names that are also ordinary words
_WORD_NAMES = [
    ("이", "슬"), ("한", "결"), ("강", "산"), ("안", "정"), ("유", "지"), ("진", "주"),
    ("하", "나"), ("우", "주"), ("고", "운"), ("나", "비"), ("한", "별"), ("이", "상"),
    ("신", "비"), ("주", "연"), ("정", "원"), ("조", "은"), ("지", "혜"), ("은", "혜"),
    ("하", "늘"), ("나", "라"), ("장", "미"), ("노", "을"), ("송", "이"), ("구", "름"),
    ("마", "음"), ("문", "화"), ("기", "쁨"), ("오", "늘"), ("방", "심"), ("전", "진"),
    ("조", "화"), ("김", "치"), ("박", "수"), ("공", "부"), ("예", "술"), ("천", "사"),
    ("백", "합"), ("선", "물"), ("성", "실"), ("금", "강"), ("차", "분"), ("연", "주"),
]
_FOREIGN_PARTS = [
    ["마이클", "존슨"], ["제임스", "브라운"], ["데이비드", "밀러"], ["존", "스미스"], ["로버트", "윌리엄스"],
    ["사라", "데이비스"], ["제니퍼", "로페즈"], ["엠마", "왓슨"], ["올리비아", "마틴"], ["안나", "페트로바"],
    ["알렉산더", "이바노프"], ["드미트리", "스미르노프"], ["나탈리아", "쿠즈네초바"], ["이리나", "김"],
    ["응우옌", "반", "안"], ["응우옌", "티", "투"], ["쩐", "티", "흐엉"], ["레", "반", "남"], ["팜", "티", "란"],
    ["보", "반", "득"], ["호앙", "티", "마이"], ["왕", "웨이"], ["리우", "양"], ["장", "웨이"], ["천", "징"],
    ["리", "나"], ["사토", "유키"], ["다나카", "히로시"], ["스즈키", "아야"], ["야마모토", "켄"],
    ["모하메드", "알리"], ["아흐메드", "칸"], ["산자이", "쿠마르"], ["라흐만", "호세인"], ["바트", "에르덴"],
    ["간바타르", "돌고르"], ["마리아", "산토스"], ["후안", "가르시아"], ["조이", "크루즈"], ["솜차이", "분미"],
    ["아지즈", "카리모프"], ["굴나라", "유수포바"], ["라지", "타파"], ["비크람", "구룽"], ["아나", "레예스"],
    ["토마스", "뮐러"], ["피에르", "뒤부아"], ["카를로스", "멘도사"], ["빅토리아", "박"], ["세르게이", "텐"],
]
_RR_INIT = ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"]
_RR_VOW = ["a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we",
           "wi", "yu", "eu", "ui", "i"]
_RR_FIN = ["", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "l", "l", "m", "p", "p",
           "t", "t", "ng", "t", "t", "k", "t", "p", "t"]
_RR_SURNAME = {
    "김": ["Kim"], "이": ["Lee", "Yi", "Rhee"], "박": ["Park", "Pak"], "최": ["Choi", "Choe"],
    "정": ["Jung", "Jeong", "Chung"], "강": ["Kang"], "조": ["Cho", "Jo"], "윤": ["Yoon", "Yun"],
    "장": ["Jang", "Chang"], "임": ["Lim", "Im"], "한": ["Han"], "오": ["Oh"], "서": ["Seo", "Suh"],
    "신": ["Shin"], "권": ["Kwon"], "황": ["Hwang"], "안": ["Ahn"], "송": ["Song"], "류": ["Ryu"],
    "유": ["Yoo", "Yu"], "전": ["Jeon", "Chun"], "홍": ["Hong"], "고": ["Ko", "Go"], "문": ["Moon"],
    "양": ["Yang"], "손": ["Son"], "배": ["Bae"], "백": ["Baek"], "허": ["Heo", "Huh"], "남": ["Nam"],
    "심": ["Shim"], "노": ["Noh", "Roh"], "하": ["Ha"], "곽": ["Kwak"], "성": ["Sung"], "차": ["Cha"],
    "주": ["Joo"], "우": ["Woo"], "구": ["Koo"], "민": ["Min"], "남궁": ["Namgung"], "황보": ["Hwangbo"],
    "제갈": ["Jegal"], "선우": ["Sunwoo"], "독고": ["Dokgo"],
}
_VOWEL_SWAP = {0: 2, 2: 0, 4: 6, 6: 4, 8: 12, 12: 8, 13: 17, 17: 13, 1: 5, 5: 1, 20: 18, 18: 20}
_FINAL_SWAP = {4: 21, 21: 4, 16: 21, 8: 0, 0: 4}


def _romanize(hangul: str) -> str:
    out = []
    for ch in hangul:
        if _is_syllable(ch):
            l, v, t = _split(ch)
            out.append(_RR_INIT[l] + _RR_VOW[v] + _RR_FIN[t])
        else:
            out.append(ch)
    return "".join(out)


def _surname(r: random.Random) -> str:
    x = r.random()
    if x < 0.62:
        return r.choices(_COMMON_S, _COMMON_W)[0]
    if x < 0.965:
        return r.choice(_TRADITIONAL)
    return r.choice(_NATURALISED_SURNAMES)


def _given(r: random.Random) -> str:
    x = r.random()
    if x < 0.50:
        return r.choice(_GIVEN_CURATED)
    if x < 0.78:
        a, b = r.choice(_SYL_A), r.choice(_SYL_B)
        return a + b if a != b else a + r.choice(_SYL_B)
    if x < 0.88:
        return r.choice(_GIVEN_NATIVE)
    if x < 0.96:
        return r.choice(_GIVEN_ONE)
    return r.choice(_GIVEN_THREE)


def _korean_name(r: random.Random) -> tuple[str, str]:
    if r.random() < 0.04:
        return r.choice(_WORD_NAMES)
    s = _surname(r)
    g = _given(r)
    if len(s) == 2 and len(g) == 3 and r.random() < 0.5:
        g = g[:2]
    return s, g


def _typo(r: random.Random, s: str, g: str) -> str:
    chars = list(g)
    i = r.randrange(len(chars))
    l, v, t = _split(chars[i])
    if r.random() < 0.5 and v in _VOWEL_SWAP:
        v = _VOWEL_SWAP[v]
    elif t in _FINAL_SWAP:
        t = _FINAL_SWAP[t]
    else:
        v = _VOWEL_SWAP.get(v, 20 if v != 20 else 18)
    chars[i] = _join(l, v, t)
    return s + "".join(chars)


def _foreign_hangul(r: random.Random, style: str | None = None) -> str:
    parts = r.choice(_FOREIGN_PARTS)
    style = style or r.choices(["sp", "tight", "dot"], [55, 30, 15])[0]
    if style == "tight":
        return "".join(parts)
    if style == "dot":
        return "·".join(parts)
    return " ".join(parts)


def _roman_name(r: random.Random) -> str:
    s, g = _korean_name(r)
    sur = r.choice(_RR_SURNAME.get(s, [_romanize(s).capitalize()]))
    syl = [_romanize(c) for c in g]
    style = r.randrange(6)
    if style == 0:
        return f"{sur.upper()} {''.join(syl).upper()}"
    if style == 1:
        return f"{sur} {''.join(syl).capitalize()}"
    if style == 2:
        return f"{''.join(syl).capitalize()} {sur}"
    if style == 3:
        return f"{sur.upper()}, {' '.join(x.upper() for x in syl)}"
    if style == 4:
        return f"{sur} {'-'.join(syl).capitalize()}"
    return f"{sur.upper()} {' '.join(x.upper() for x in syl)}"


def _spaced(r: random.Random, full: str) -> str:
    sep = r.choice([" ", " ", "  "])
    return sep.join(full)


def gen_name(r: random.Random, var: str) -> tuple[str, tuple[str, str] | None]:
    """Return (rendered name, (surname, given) for Korean names else None)."""
    if var == "f":
        return _foreign_hangul(r), None
    if var == "r":
        return _roman_name(r), None
    if var == "e":
        if r.random() < 0.6:
            return _roman_name(r), None
        var = "d"
    if var == "w":
        s, g = r.choice(_WORD_NAMES)
        return s + g, (s, g)
    s, g = _korean_name(r)
    if var == "k":
        return s + g, (s, g)
    x = r.random()
    if var == "o":
        if x < 0.30:
            return _spaced(r, s + g), (s, g)
        if x < 0.36:
            return _typo(r, s, g), None
        if x < 0.41:
            return _foreign_hangul(r), None
        return s + g, (s, g)
    # default
    if x < 0.045:
        return _foreign_hangul(r), None
    if x < 0.075:
        return _typo(r, s, g), None
    if x < 0.09:
        return _foreign_hangul(r, "dot"), None
    if x < 0.11:
        return _spaced(r, s + g), (s, g)
    if x < 0.14 and len(g) >= 2:
        return f"{s} {g}", (s, g)
    return s + g, (s, g)


# --------------------------------------------------------------------------
# Identifier generators (each returns the value string)
# --------------------------------------------------------------------------
def _digits(r: random.Random, n: int) -> str:
    return "".join(r.choice("0123456789") for _ in range(n))


def _birth(r: random.Random, lo: int = 1932, hi: int = 2023) -> tuple[int, int, int]:
    y = r.randint(lo, hi)
    m = r.randint(1, 12)
    d = r.randint(1, 28 if m == 2 else 30)
    return y, m, d


def _rrn_core(r: random.Random, foreign: bool) -> str:
    y, m, d = _birth(r, 1935, 2023) if not foreign else _birth(r, 1950, 2005)
    if r.random() < 0.004 and not foreign:
        y = r.randint(1895, 1899)
    if foreign:
        g = (5 if r.random() < 0.5 else 6) if y < 2000 else (7 if r.random() < 0.5 else 8)
    elif y < 1900:
        g = 9 if r.random() < 0.5 else 0
    elif y < 2000:
        g = 1 if r.random() < 0.5 else 2
    else:
        g = 3 if r.random() < 0.5 else 4
    head = f"{y % 100:02d}{m:02d}{d:02d}{g}"
    new_style = (y, m) >= (2020, 10) or r.random() < 0.18
    if new_style:
        return head + _digits(r, 6)
    body = head + _digits(r, 5)
    w = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]
    c = (11 - sum(int(a) * b for a, b in zip(body, w)) % 11) % 10
    return body + str(c)


def gen_rrn(r: random.Random, var: str = "", foreign: bool = False) -> str:
    n = _rrn_core(r, foreign)
    a, b = n[:6], n[6:]
    x = r.random()
    if var == "full":
        x = 0.3
    if x < 0.60:
        return f"{a}-{b}"
    if x < 0.70:
        return a + b
    if x < 0.76:
        return f"{a} - {b}" if r.random() < 0.4 else f"{a} {b}"
    if x < 0.78:
        return f"{a}–{b}"
    if x < 0.96 and not foreign:
        return f"{a}-{b[0]}******" if r.random() < 0.85 else f"{a}-{b[0]}{b[1:3]}****"
    if not foreign:
        return f"{a}-*******"
    return f"{a}-{b}"


def gen_mobile(r: random.Random) -> str:
    pre = "010" if r.random() < 0.95 else r.choice(["011", "016", "017", "019"])
    mid = _digits(r, 4) if pre == "010" or r.random() < 0.5 else _digits(r, 3)
    mid = str(r.randint(2, 9)) + mid[1:]
    end = _digits(r, 4)
    x = r.random()
    if x < 0.58:
        return f"{pre}-{mid}-{end}"
    if x < 0.70:
        return f"{pre}{mid}{end}"
    if x < 0.80:
        return f"{pre} {mid} {end}"
    if x < 0.85:
        return f"+82-{pre[1:]}-{mid}-{end}"
    if x < 0.88:
        return f"+82 {pre[1:]} {mid} {end}"
    if x < 0.93:
        return f"{pre}.{mid}.{end}"
    if x < 0.96:
        return f"({pre}){mid}-{end}"
    return f"{pre}-{mid[:2]}**-{end}"


_AREA = ["02", "031", "032", "033", "041", "042", "043", "044", "051", "052", "053", "054", "055",
         "061", "062", "063", "064", "070"]


def gen_landline(r: random.Random) -> str:
    a = r.choice(_AREA)
    mid = str(r.randint(2, 9)) + _digits(r, r.choice([2, 3]))
    end = _digits(r, 4)
    x = r.random()
    if x < 0.75:
        return f"{a}-{mid}-{end}"
    if x < 0.85:
        return f"{a}){mid}-{end}" if r.random() < 0.5 else f"({a}) {mid}-{end}"
    if x < 0.93:
        return f"{a} {mid} {end}"
    return f"{a}{mid}{end}"


def gen_phone(r: random.Random) -> str:
    return gen_mobile(r) if r.random() < 0.78 else gen_landline(r)


def _luhn_fill(prefix: str, length: int, r: random.Random) -> str:
    body = prefix + _digits(r, length - 1 - len(prefix))
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


def gen_card(r: random.Random) -> str:
    kind = r.choices(["visa", "mc", "bc", "jcb", "amex", "up"], [30, 25, 20, 10, 8, 7])[0]
    if kind == "amex":
        n = _luhn_fill(r.choice(["34", "37"]), 15, r)
        groups = [n[:4], n[4:10], n[10:]]
    else:
        pre = {"visa": "4", "mc": str(r.randint(51, 55)), "bc": r.choice(["9410", "9420", "9430", "9490", "9446"]),
               "jcb": "35" + str(r.randint(28, 89)), "up": "62"}[kind]
        n = _luhn_fill(pre, 16, r)
        groups = [n[0:4], n[4:8], n[8:12], n[12:16]]
    x = r.random()
    if x < 0.08 and len(groups) == 4:
        groups = [groups[0], groups[1][:2] + "**", "****", groups[3]]
    elif x < 0.12 and len(groups) == 4:
        groups = [groups[0], "****", "****", groups[3]]
    y = r.random()
    if y < 0.62:
        return "-".join(groups)
    if y < 0.85:
        return " ".join(groups)
    return "".join(groups)


# bank -> (aliases, account group patterns)
_BANKS = [
    (["KB국민은행", "국민은행", "국민", "KB"], [(6, 2, 6), (3, 2, 4, 3)]),
    (["신한은행", "신한"], [(3, 3, 6), (3, 2, 6)]),
    (["우리은행", "우리"], [(4, 3, 6)]),
    (["하나은행", "하나", "KEB하나"], [(3, 6, 5), (3, 910, 5)]),
    (["NH농협은행", "농협", "농협은행", "단위농협"], [(3, 4, 4, 2), (6, 2, 6)]),
    (["IBK기업은행", "기업은행", "기업"], [(3, 6, 2, 3)]),
    (["카카오뱅크", "카뱅"], [(4, 2, 7)]),
    (["토스뱅크", "토스"], [(4, 4, 4)]),
    (["케이뱅크", "K뱅크"], [(3, 3, 6)]),
    (["우체국"], [(6, 2, 6)]),
    (["새마을금고", "MG새마을금고"], [(4, 2, 6, 1)]),
    (["SC제일은행", "제일은행"], [(3, 2, 6)]),
    (["부산은행"], [(3, 4, 4, 2)]),
    (["iM뱅크", "대구은행"], [(3, 2, 6, 1)]),
    (["경남은행"], [(3, 2, 7)]),
    (["광주은행"], [(3, 3, 6)]),
    (["수협은행", "수협"], [(3, 2, 6)]),
    (["신협"], [(3, 3, 6)]),
    (["씨티은행"], [(3, 5, 3, 2)]),
]


def gen_account(r: random.Random, bank_idx: int) -> str:
    pats = _BANKS[bank_idx][1]
    pat = r.choice(pats)
    groups = []
    for g in pat:
        if g == 910:  # Hana's fixed "910" block
            groups.append("910" + _digits(r, 3))
        else:
            groups.append(_digits(r, g))
    if bank_idx == 6:  # kakao 3333-
        groups[0] = "3333"
    if bank_idx == 1 and len(groups[0]) == 3:
        groups[0] = r.choice(["110", "100", "140", "150"])
    if bank_idx == 2:
        groups[0] = "1002"
    x = r.random()
    if x < 0.72:
        return "-".join(groups)
    if x < 0.92:
        return "".join(groups)
    return " ".join(groups)


_EMAIL_WORDS = ["happy", "sky", "love", "star", "sun", "moon", "blue", "green", "rose", "dream", "hope",
                "lucky", "angel", "tiger", "bear", "cool", "smile", "ocean", "rain", "snow", "jjang",
                "mom", "papa", "minmin", "bori", "coco", "dudu", "kimchi"]
_EMAIL_DOMAINS = [("naver.com", 30), ("gmail.com", 25), ("daum.net", 10), ("hanmail.net", 10),
                  ("kakao.com", 6), ("nate.com", 6), ("hotmail.com", 3), ("outlook.com", 2),
                  ("icloud.com", 3), ("yahoo.co.kr", 2), ("korea.kr", 1), ("hanbit-med.co.kr", 1),
                  ("snu.ac.kr", 1), ("kbinsure.co.kr", 1)]


def gen_email(r: random.Random) -> str:
    s, g = _korean_name(r)
    rs = _RR_SURNAME.get(s, [_romanize(s)])[0].lower()
    rg = _romanize(g)
    x = r.random()
    if x < 0.25:
        local = rg + rs
    elif x < 0.45:
        local = rs + r.choice([".", "_", ""]) + rg
    elif x < 0.65:
        local = r.choice(_EMAIL_WORDS) + str(r.randint(1, 9999))
    elif x < 0.8:
        local = rs + rg[:1] + str(r.randint(60, 99) if r.random() < 0.5 else r.randint(1, 999))
    else:
        local = r.choice(_EMAIL_WORDS) + r.choice(["_", ".", ""]) + rg
    dom = r.choices([d for d, _ in _EMAIL_DOMAINS], [w for _, w in _EMAIL_DOMAINS])[0]
    if r.random() < 0.05:
        local = local.upper() if r.random() < 0.5 else local.capitalize()
    return f"{local}@{dom}"


_SIDO = [
    (["서울특별시", "서울", "서울시"], ["강남구", "서초구", "송파구", "강동구", "마포구", "용산구", "종로구", "중구",
                                "성북구", "노원구", "도봉구", "은평구", "관악구", "동작구", "영등포구", "구로구",
                                "금천구", "양천구", "강서구", "광진구", "성동구", "동대문구", "중랑구", "강북구",
                                "서대문구"]),
    (["부산광역시", "부산", "부산시"], ["해운대구", "수영구", "남구", "동래구", "부산진구", "사하구", "북구", "연제구",
                                "금정구", "기장군"]),
    (["대구광역시", "대구", "대구시"], ["수성구", "달서구", "북구", "동구", "중구", "달성군"]),
    (["인천광역시", "인천", "인천시"], ["남동구", "연수구", "부평구", "계양구", "서구", "미추홀구", "강화군"]),
    (["광주광역시", "광주"], ["북구", "서구", "광산구", "남구", "동구"]),
    (["대전광역시", "대전", "대전시"], ["유성구", "서구", "중구", "동구", "대덕구"]),
    (["울산광역시", "울산"], ["남구", "중구", "북구", "동구", "울주군"]),
    (["세종특별자치시", "세종시", "세종"], [""]),
    (["경기도", "경기"], ["수원시 팔달구", "수원시 영통구", "수원시 장안구", "성남시 분당구", "성남시 수정구",
                      "고양시 일산동구", "고양시 덕양구", "용인시 수지구", "용인시 기흥구", "부천시", "안산시 단원구",
                      "안양시 동안구", "화성시", "평택시", "의정부시", "시흥시", "파주시", "김포시", "광명시",
                      "남양주시", "하남시", "오산시", "이천시", "군포시", "양평군 양평읍"]),
    (["강원특별자치도", "강원도", "강원"], ["춘천시", "원주시", "강릉시", "속초시", "홍천군 홍천읍"]),
    (["충청북도", "충북"], ["청주시 흥덕구", "청주시 상당구", "충주시", "제천시", "음성군 금왕읍"]),
    (["충청남도", "충남"], ["천안시 서북구", "천안시 동남구", "아산시", "당진시", "공주시", "서산시"]),
    (["전북특별자치도", "전라북도", "전북"], ["전주시 완산구", "전주시 덕진구", "익산시", "군산시", "정읍시"]),
    (["전라남도", "전남"], ["여수시", "순천시", "목포시", "나주시", "해남군 해남읍"]),
    (["경상북도", "경북"], ["포항시 남구", "포항시 북구", "구미시", "경주시", "안동시", "칠곡군 왜관읍"]),
    (["경상남도", "경남"], ["창원시 성산구", "창원시 마산합포구", "김해시", "진주시", "양산시", "거제시"]),
    (["제주특별자치도", "제주도", "제주"], ["제주시", "서귀포시"]),
]
_ROADS = ["테헤란로", "강남대로", "중앙로", "시청로", "문화로", "번영로", "평화로", "대학로", "동산로", "새말로",
          "구의로", "월드컵로", "올림픽로", "해운대로", "광안로", "수성로", "달구벌대로", "경수대로", "봉영로",
          "인계로", "효원로", "백범로", "충장로", "둔산로", "한밭대로", "삼일대로", "중부대로", "무궁화로",
          "은행나무길", "솔밭로", "매화로", "장미로", "백제대로", "원당로", "신촌로", "양재대로", "역삼로",
          "도산대로", "봉은사로", "선릉로", "마들로", "동일로", "노해로", "송파대로", "덕영대로", "호수로",
          "일산로", "경인로", "부평대로", "상무대로", "계룡로", "새싹로", "금강로", "동백로", "연삼로", "노형로"]
_DONGS = ["역삼동", "삼성동", "대치동", "서초동", "잠실동", "상계동", "중계동", "망원동", "합정동", "신림동",
          "봉천동", "화곡동", "목동", "인계동", "매탄동", "정자동", "수내동", "좌동", "우동", "범어동", "만촌동",
          "둔산동", "월평동", "구월동", "송도동", "상무동", "연산동", "부전동", "금곡동", "행신동", "영통동",
          "광교동", "탄방동", "신정동", "옥동", "삼산동", "연동", "노형동", "봉명동", "용암동", "호계동",
          "가좌동", "신월동", "창천동", "공덕동", "방배동", "길동", "천호동"]
_APTS = ["래미안", "자이", "힐스테이트", "푸르지오", "아이파크", "롯데캐슬", "e편한세상", "더샵", "현대", "주공",
         "삼성", "한신", "쌍용", "두산위브", "호반베르디움", "대림", "우성", "극동", "한양", "부영", "중흥S-클래스",
         "SK뷰", "센트럴파크", "꿈에그린"]


def gen_address(r: random.Random, form: str = "") -> str:
    sido_names, gus = r.choice(_SIDO)
    sido = r.choice(sido_names)
    gu = r.choice(gus)
    head = f"{sido} {gu}".strip() if r.random() < 0.92 or not gu else gu
    form = form or ("road" if r.random() < 0.6 else "lot")
    if form == "road":
        road = r.choice(_ROADS)
        if r.random() < 0.3:
            road += f"{r.randint(1, 80)}번길" if r.random() < 0.7 else f" {r.randint(1, 40)}길"
        num = str(r.randint(1, 480))
        if r.random() < 0.15:
            num += f"-{r.randint(1, 30)}"
        s = f"{head} {road} {num}"
        x = r.random()
        if x < 0.25:
            s += f", {r.randint(101, 125)}동 {r.randint(1, 25)}{r.randint(1, 4):02d}호"
        elif x < 0.40:
            s += f" {r.randint(101, 115)}동 {r.randint(1, 20)}{r.randint(1, 6):02d}호"
        elif x < 0.52:
            s += f", {r.randint(2, 12)}층"
        elif x < 0.64:
            s += f" ({r.choice(_DONGS)})"
        elif x < 0.76:
            s += f", {r.randint(1, 20)}{r.randint(1, 8):02d}호 ({r.choice(_DONGS)}, {r.choice(_APTS)}아파트)"
        elif x < 0.82:
            s += f" {r.randint(101, 909)}호"
    else:
        dong = r.choice(_DONGS)
        if "읍" in gu and r.random() < 0.7:
            dong = r.choice(["신리", "상리", "중리", "덕산리", "봉암리", "대평리"])
        s = f"{head} {dong} {r.randint(1, 1500)}"
        if r.random() < 0.6:
            s += f"-{r.randint(1, 40)}"
        x = r.random()
        if x < 0.3:
            s += f" {r.choice(_APTS)}아파트 {r.randint(101, 125)}동 {r.randint(1, 25)}{r.randint(1, 4):02d}호"
        elif x < 0.45:
            s += f" {r.randint(101, 405)}호"
        elif x < 0.55:
            s += f" {r.choice(['', '2층', '지층', '3층'])}".rstrip()
    if r.random() < 0.06:
        s = f"{r.randint(1, 63999):05d} " + s
    return s.strip()


def gen_chart(r: random.Random) -> str:
    k = r.randrange(14)
    year = r.randint(1998, 2025)
    if k == 0:
        return _digits(r, 8)
    if k == 1:
        return str(r.randint(1, 9)) + _digits(r, r.choice([5, 6, 8, 9]))
    if k == 2:
        return "00" + _digits(r, r.choice([5, 6, 7, 8]))
    if k == 3:
        return f"{year}-{_digits(r, r.choice([5, 6, 7]))}"
    if k == 4:
        return f"{year % 100:02d}-{_digits(r, 6)}"
    if k == 5:
        return f"{year}{_digits(r, 6)}"
    if k == 6:
        return r.choice("HAPEKRS") + _digits(r, r.choice([7, 8]))
    if k == 7:
        return r.choice(["A-", "H-", "P-", "OP-", "ER-", "R"]) + _digits(r, 7)
    if k == 8:
        return f"{_digits(r, 3)}-{_digits(r, 4)}"
    if k == 9:
        return f"{_digits(r, 2)}-{_digits(r, 3)}-{_digits(r, 3)}"
    if k == 10:
        return f"{_digits(r, 4)} {_digits(r, 4)}"
    if k == 11:
        return f"{_digits(r, 7)}-{r.randint(0, 9)}"
    if k == 12:
        return r.choice(["SNU", "AMC", "SMC", "KUH", "CNUH", "HB"]) + "-" + _digits(r, r.choice([7, 8]))
    return str(r.randint(1, 9)) + _digits(r, 6)


def gen_hin(r: random.Random) -> str:
    k = r.randrange(9)
    d = str(r.randint(1, 7)) + _digits(r, 10)
    if k <= 2:
        return d
    if k == 3:
        return f"{d[0]}-{d[1:]}"
    if k == 4:
        return f"{d[:4]}-{d[4:7]}-{d[7:]}"
    if k == 5:
        return f"{d[:8]}-{d[8:]}"
    if k == 6:
        return f"{d[0]} {d[1:5]} {d[5:]}"
    if k == 7:
        return f"{d[0]}-{d[1:9]}-{d[9:]}"
    return str(r.randint(1, 9)) + _digits(r, 9)


def gen_policy(r: random.Random) -> str:
    k = r.randrange(13)
    year = r.randint(2003, 2025)
    if k == 0:
        return f"L{year}-{_digits(r, 7)}"
    if k == 1:
        return f"{r.randint(1, 9)}-{_digits(r, 2)}-{_digits(r, 7)}"
    if k == 2:
        return f"{year}{_digits(r, 9)}"
    if k == 3:
        return str(r.randint(1, 9)) + _digits(r, 9)
    if k == 4:
        return f"{_digits(r, 3)}-{_digits(r, 2)}-{_digits(r, 5)}"
    if k == 5:
        return f"P{year}{r.randint(1, 12):02d}{r.randint(1, 28):02d}{_digits(r, 4)}"
    if k == 6:
        return r.choice("ABCLMZ") + _digits(r, 2) + "-" + _digits(r, 7)
    if k == 7:
        return f"{_digits(r, 10)}-{_digits(r, 3)}"
    if k == 8:
        return f"{year}-{_digits(r, 4)}-{_digits(r, 4)}"
    if k == 9:
        return r.choice(["KB", "DB", "HD", "MZ", "SL"]) + _digits(r, 9)
    if k == 10:
        return "7" + _digits(r, 12)
    if k == 11:
        return f"{_digits(r, 4)} {_digits(r, 4)} {_digits(r, 4)}"
    return f"{_digits(r, 2)}{year % 100:02d}{_digits(r, 8)}"


def gen_license(r: random.Random, var: str) -> str:
    if var == "sp":
        return str(r.randint(1, 9)) + _digits(r, r.choice([2, 3, 3, 4]))
    if var == "rn":
        return str(r.randint(1, 9)) + _digits(r, r.choice([4, 5, 5, 5]))
    return str(r.randint(1, 9)) + _digits(r, r.choice([3, 4, 4, 4, 5]))


_DL_REGIONS = [("11", "서울"), ("12", "부산"), ("13", "경기"), ("14", "강원"), ("15", "충북"), ("16", "충남"),
               ("17", "전북"), ("18", "전남"), ("19", "경북"), ("20", "경남"), ("21", "제주"), ("22", "대구"),
               ("23", "인천"), ("24", "광주"), ("25", "대전"), ("26", "울산"), ("28", "경기북부")]


def gen_dl(r: random.Random) -> str:
    code, name = r.choice(_DL_REGIONS)
    yy = f"{r.randint(0, 99):02d}"
    mid, end = _digits(r, 6), _digits(r, 2)
    x = r.random()
    if x < 0.62:
        return f"{code}-{yy}-{mid}-{end}"
    if x < 0.75:
        return f"{name} {yy}-{mid}-{end}" if r.random() < 0.7 else f"{name}{yy}-{mid}-{end}"
    if x < 0.88:
        return f"{code}{yy}{mid}{end}"
    return f"{code} {yy} {mid} {end}"


def gen_passport(r: random.Random) -> str:
    x = r.random()
    if x < 0.45:
        return r.choice("MMMMSRGD") + _digits(r, 8)
    if x < 0.80:
        return r.choice("MMMS") + _digits(r, 3) + r.choice("ABCDEFGHJK") + _digits(r, 4)
    if x < 0.88:
        return "C" + _digits(r, 7)            # e.g. Vietnamese-style
    if x < 0.94:
        return "E" + _digits(r, 8)            # e.g. Chinese-style
    return "P" + _digits(r, 7) + r.choice("ABC")  # e.g. Philippine-style


_PLATE_PRIVATE = "가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주"
_PLATE_OTHER = "바사아자하허호배"
_PLATE_REGION = ["서울", "경기", "부산", "인천", "대구", "대전", "광주", "울산", "강원", "충북", "충남", "전북",
                 "전남", "경북", "경남", "제주"]


def gen_vehicle(r: random.Random) -> str:
    ch = r.choice(_PLATE_PRIVATE) if r.random() < 0.85 else r.choice(_PLATE_OTHER)
    num = _digits(r, 4)
    front = f"{r.randint(10, 99)}" if r.random() < 0.55 else f"{r.randint(100, 699)}"
    sp = " " if r.random() < 0.6 else ""
    if r.random() < 0.15:
        reg = r.choice(_PLATE_REGION)
        return f"{reg}{r.choice(['', ' '])}{r.randint(10, 99)}{ch}{sp}{num}"
    if r.random() < 0.08:
        return f"{front} {ch} {num}"
    return f"{front}{ch}{sp}{num}"


def gen_ip(r: random.Random) -> str:
    x = r.random()
    if x < 0.15:
        return f"192.168.{r.randint(0, 254)}.{r.randint(1, 254)}"
    if x < 0.22:
        return f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"
    if x < 0.30:
        return "{:x}:{:x}:{:x}:{:x}::{:x}".format(r.choice([0x2001, 0x2406, 0x2404, 0x240e]),
                                                   r.randint(0x100, 0xffff), r.randint(0, 0xffff),
                                                   r.randint(0, 0xffff), r.randint(1, 0xffff))
    first = r.choice([1, 14, 27, 39, 49, 58, 59, 61, 106, 110, 112, 115, 118, 121, 175, 180, 182, 203, 210, 211, 218, 220, 221, 222])
    return f"{first}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"


# --------------------------------------------------------------------------
# Keep-value generators
# --------------------------------------------------------------------------
_KCD = ["J18.9", "S72.00", "K35.8", "C50.9", "M51.1", "M17.1", "S82.20", "I63.9", "E11.9", "I10", "K80.2",
        "N20.0", "S06.5", "C16.9", "C34.9", "C18.7", "C73", "D05.1", "M75.1", "S83.5", "K29.7", "J20.9",
        "A09.9", "H25.9", "R10.4", "S32.0", "T14.0", "G45.9", "I21.9", "C22.0", "C61", "S52.50", "S43.4",
        "M48.06", "M54.5", "S13.4", "S33.5", "S22.3", "S92.3", "K63.5", "J44.9", "N39.0", "A41.9", "B02.9",
        "I26.9", "M16.1", "S42.00", "S62.3", "K57.3", "D12.6", "C20", "C25.0", "F32.9", "G47.0", "O82.0",
        "S06.0", "M47.82", "M79.1", "S80.0", "T81.4"]
_KCD_LETTERS = "ABCDEFGHIJKLMNORSTZ"
_EDI = ["N0711", "Q2861", "M0111", "AA154", "AA254", "AB220", "N0601", "N2470", "Q7630", "HE101", "B1010",
        "C3711", "FA111", "N1611", "N2072", "Q2660", "Q0251", "M0040", "MM105", "E7611", "HA467", "EB441",
        "N0715", "S4801", "Q1421", "N4741", "AH201", "MX131", "KK060", "O2204"]
_DRUGS = ["타이레놀정 500mg", "아세트아미노펜 650mg", "록소프로펜정 60mg", "세레콕시브캡슐 200mg", "트라마돌 50mg",
          "울트라셋정", "에페리손정 50mg", "레바미피드정 100mg", "판토프라졸주 40mg", "에소메프라졸정 20mg",
          "세프트리악손주 1g", "세파졸린주 1g", "아목시실린캡슐 500mg", "오구멘틴정 625mg", "레보플록사신정 500mg",
          "케토롤락주 30mg", "디클로페낙주", "메트포르민정 500mg", "암로디핀정 5mg", "아스피린장용정 100mg",
          "아토르바스타틴정 10mg", "클로피도그렐정 75mg", "모사프리드정 5mg", "덱사메타손주 5mg", "생리식염수 500mL",
          "하트만액 1L", "5% 포도당 1L", "모르핀주 10mg", "펜타닐 패치 12mcg", "프레가발린캡슐 75mg",
          "가바펜틴캡슐 300mg", "알프라졸람정 0.25mg", "졸피뎀정 10mg", "인슐린 글라진", "헤파린주 5000IU",
          "에녹사파린주 40mg", "메토클로프라미드주", "온단세트론주 4mg", "파모티딘정 20mg", "알마겔현탁액",
          "마그밀정", "프레드니솔론정 5mg", "세티리진정 10mg", "날부핀주", "페치딘주 25mg", "리도카인 2%"]
_DEPTS = ["정형외과", "신경외과", "내과", "소화기내과", "순환기내과", "호흡기내과", "신장내과", "내분비내과",
          "혈액종양내과", "감염내과", "응급의학과", "영상의학과", "재활의학과", "마취통증의학과", "산부인과",
          "비뇨의학과", "외과", "흉부외과", "안과", "이비인후과", "피부과", "정신건강의학과", "가정의학과", "신경과",
          "소아청소년과", "성형외과", "방사선종양학과", "진단검사의학과", "병리과", "한방내과"]
_BODY = ["좌측 슬관절", "우측 슬관절", "우측 견관절", "좌측 견관절", "요추 제4-5번", "경추", "흉추 제12번",
         "좌측 원위 요골", "우측 대퇴골 경부", "좌측 족관절", "우측 족관절", "복부", "흉부", "두부", "안면부",
         "우측 수부 제2수지", "좌측 주관절", "골반", "우측 경골 간부", "좌측 쇄골", "비골", "우측 손목",
         "좌측 발목", "전방십자인대", "회전근개", "좌측 유방", "갑상선", "우측 신장", "담낭", "충수", "대장",
         "위 전정부", "간 우엽", "좌측 안구", "요천추부", "천장관절", "좌측 대퇴부", "우측 하지"]
_DX = [("급성 충수염", "K35.8"), ("요추 추간판 탈출증", "M51.1"), ("경추 추간판 탈출증", "M50.1"),
       ("대퇴골 경부 골절", "S72.00"), ("원위 요골 골절", "S52.50"), ("지역사회획득 폐렴", "J18.9"), ("위암", "C16.9"),
       ("유방암", "C50.9"), ("갑상선 유두암", "C73"), ("폐암", "C34.9"), ("대장암", "C18.7"), ("간세포암", "C22.0"),
       ("전립선암", "C61"), ("뇌경색", "I63.9"), ("뇌출혈", "I61.9"), ("급성 심근경색", "I21.9"), ("협심증", "I20.9"),
       ("제2형 당뇨병", "E11.9"), ("본태성 고혈압", "I10"), ("회전근개 파열", "M75.1"), ("내측 반월상 연골 파열", "S83.2"),
       ("전방십자인대 파열", "S83.5"), ("담석증", "K80.2"), ("요관결석", "N20.1"), ("노년 백내장", "H25.9"),
       ("경추 염좌", "S13.4"), ("요추 염좌", "S33.5"), ("뇌진탕", "S06.0"), ("대장 용종", "K63.5"),
       ("급성 위장염", "A09.9"), ("폐색전증", "I26.9"), ("슬관절 골관절염", "M17.1"), ("족관절 염좌", "S93.4"),
       ("늑골 골절", "S22.3"), ("비골 골절", "S02.2"), ("요추 압박골절", "S32.0"), ("대상포진", "B02.9"),
       ("급성 기관지염", "J20.9"), ("패혈증", "A41.9"), ("요로감염", "N39.0"), ("우울병 에피소드", "F32.9"),
       ("수면무호흡", "G47.3"), ("손목터널증후군", "G56.0"), ("위염", "K29.7"), ("상세불명의 복통", "R10.4")]
_OPS = ["복강경 충수절제술", "관절경적 회전근개 봉합술", "인공슬관절 전치환술", "인공고관절 치환술",
        "관혈적 정복술 및 내고정술", "요추 후방 유합술", "경추 전방 유합술", "복강경 담낭절제술", "갑상선 전절제술",
        "유방 부분절제술", "대장내시경적 용종절제술", "수정체 유화술 및 인공수정체 삽입술", "관상동맥 스텐트 삽입술",
        "내시경적 점막하 박리술", "복강경 위 아전절제술", "경피적 척추체 성형술", "관절경적 반월상 연골 부분절제술",
        "전방십자인대 재건술", "체외충격파 쇄석술", "제왕절개술", "신경차단술", "도수정복술", "비관혈적 정복술"]
# clinical "cases": a line draws its department, diagnosis (+ KCD), operation and body part
# mostly from one case so that the medical content of a line hangs together
_CASES = [
    (["정형외과", "재활의학과", "마취통증의학과"],
     [("대퇴골 경부 골절", "S72.00"), ("원위 요골 골절", "S52.50"), ("회전근개 파열", "M75.1"),
      ("내측 반월상 연골 파열", "S83.2"), ("전방십자인대 파열", "S83.5"), ("슬관절 골관절염", "M17.1"),
      ("족관절 염좌", "S93.4"), ("손목터널증후군", "G56.0"), ("경골 간부 골절", "S82.20")],
     ["인공슬관절 전치환술", "인공고관절 치환술", "관혈적 정복술 및 내고정술", "관절경적 회전근개 봉합술",
      "관절경적 반월상 연골 부분절제술", "전방십자인대 재건술", "도수정복술", "비관혈적 정복술"],
     ["좌측 슬관절", "우측 슬관절", "우측 견관절", "좌측 견관절", "좌측 원위 요골", "우측 대퇴골 경부",
      "좌측 족관절", "우측 손목", "우측 경골 간부", "회전근개", "전방십자인대", "좌측 발목"]),
    (["신경외과", "정형외과", "마취통증의학과", "재활의학과"],
     [("요추 추간판 탈출증", "M51.1"), ("경추 추간판 탈출증", "M50.1"), ("경추 염좌", "S13.4"),
      ("요추 염좌", "S33.5"), ("요추 압박골절", "S32.0"), ("척추관 협착증", "M48.06")],
     ["요추 후방 유합술", "경추 전방 유합술", "경피적 척추체 성형술", "신경차단술"],
     ["요추 제4-5번", "경추", "흉추 제12번", "요천추부", "천장관절"]),
    (["외과", "소화기내과"],
     [("급성 충수염", "K35.8"), ("담석증", "K80.2"), ("대장 용종", "K63.5"), ("위암", "C16.9"),
      ("대장암", "C18.7"), ("직장암", "C20")],
     ["복강경 충수절제술", "복강경 담낭절제술", "대장내시경적 용종절제술", "내시경적 점막하 박리술",
      "복강경 위 아전절제술", "복강경 저위전방절제술"],
     ["복부", "충수", "담낭", "대장", "위 전정부", "직장"]),
    (["외과", "혈액종양내과", "방사선종양학과", "내분비외과"],
     [("유방암", "C50.9"), ("갑상선 유두암", "C73"), ("폐암", "C34.9"), ("간세포암", "C22.0"),
      ("유방 상피내암", "D05.1")],
     ["유방 부분절제술", "갑상선 전절제술", "흉강경 폐엽절제술", "간 부분절제술", "감시림프절 생검술"],
     ["좌측 유방", "우측 유방", "갑상선", "간 우엽", "우측 폐 상엽"]),
    (["신경과", "순환기내과", "신경외과", "응급의학과"],
     [("뇌경색", "I63.9"), ("뇌출혈", "I61.9"), ("급성 심근경색", "I21.9"), ("협심증", "I20.9"),
      ("일과성 허혈발작", "G45.9")],
     ["관상동맥 스텐트 삽입술", "뇌혈관 조영술", "혈전제거술", "개두술 및 혈종제거술"],
     ["두부", "흉부", "좌측 중대뇌동맥"]),
    (["내과", "호흡기내과", "감염내과", "내분비내과", "가정의학과", "응급의학과"],
     [("지역사회획득 폐렴", "J18.9"), ("급성 기관지염", "J20.9"), ("제2형 당뇨병", "E11.9"),
      ("본태성 고혈압", "I10"), ("급성 위장염", "A09.9"), ("패혈증", "A41.9"), ("요로감염", "N39.0"),
      ("대상포진", "B02.9"), ("위염", "K29.7"), ("상세불명의 복통", "R10.4"), ("폐색전증", "I26.9")],
     ["위내시경 검사", "기관지내시경 검사", "흉부 CT 촬영", "중심정맥관 삽입술"],
     ["흉부", "복부", "우측 하지"]),
    (["비뇨의학과"],
     [("요관결석", "N20.1"), ("전립선암", "C61"), ("양성 전립선 비대증", "N40")],
     ["체외충격파 쇄석술", "요관내시경 쇄석술", "경요도 전립선 절제술"],
     ["우측 신장", "좌측 요관", "전립선"]),
    (["안과"], [("노년 백내장", "H25.9"), ("망막박리", "H33.0")],
     ["수정체 유화술 및 인공수정체 삽입술", "유리체 절제술"], ["좌측 안구", "우측 안구"]),
    (["산부인과"], [("자궁근종", "D25.9"), ("제왕절개에 의한 단일분만", "O82.0")],
     ["제왕절개술", "복강경 자궁근종절제술"], ["골반", "자궁"]),
    (["응급의학과", "정형외과", "흉부외과", "성형외과"],
     [("늑골 골절", "S22.3"), ("비골 골절", "S02.2"), ("뇌진탕", "S06.0"), ("안면부 열상", "S01.8")],
     ["비관혈적 정복술", "도수정복술", "흉관 삽관술", "열상 봉합술"],
     ["흉부", "비골", "안면부", "좌측 쇄골"]),
]
for _d, _x, _o, _b in _CASES:
    _DEPTS.extend(d for d in _d if d not in _DEPTS)
    _DX.extend(x for x in _x if x not in _DX)
    _OPS.extend(o for o in _o if o not in _OPS)
    _BODY.extend(b for b in _b if b not in _BODY)
_CASE_P = 0.85

_HOSP_REAL = ["서울아산병원", "삼성서울병원", "세브란스병원", "서울대학교병원", "분당서울대학교병원",
              "고려대학교 안암병원", "가톨릭대학교 서울성모병원", "부산대학교병원", "경북대학교병원", "전남대학교병원",
              "충남대학교병원", "아주대학교병원", "한림대학교 성심병원", "강북삼성병원", "국립중앙의료원",
              "인하대병원", "원주세브란스기독병원", "제주대학교병원", "건양대학교병원", "계명대학교 동산병원"]
_HOSP_HEAD = ["한빛", "새봄", "연세본", "튼튼", "바른", "참조은", "우리", "세란", "365", "미래", "중앙", "제일",
              "성심", "명지", "동아", "대림", "광명", "희망", "푸른", "밝은눈", "참사랑", "수원", "분당", "일산",
              "해운대", "청주", "전주", "강남", "서면", "시민", "현대", "하나로", "늘푸른", "온누리", "척척"]
_HOSP_TAIL = ["병원", "의원", "정형외과의원", "내과의원", "요양병원", "한방병원", "재활의학과의원", "외과의원",
              "안과의원", "산부인과의원", "종합병원", "의료원", "신경외과의원", "통증의학과의원", "재활병원"]
_INSURERS = ["삼성화재", "현대해상", "DB손해보험", "KB손해보험", "메리츠화재", "한화손해보험", "롯데손해보험",
             "흥국화재", "삼성생명", "한화생명", "교보생명", "신한라이프", "NH농협생명", "동양생명", "미래에셋생명",
             "라이나생명", "AIA생명", "메트라이프생명", "농협손해보험", "KB라이프"]
_REL = ["배우자", "남편", "처", "아내", "부", "모", "부친", "모친", "아들", "딸", "장남", "장녀", "차남", "자녀",
        "형", "누나", "언니", "오빠", "동생", "며느리", "사위", "손자", "손녀", "조카"]


_DATE_FORMATS = [
    ("{y}-{m:02d}-{d:02d}", 2), ("{y}.{m:02d}.{d:02d}", 2), ("{y}. {m}. {d}.", 1), ("{yy:02d}.{m:02d}.{d:02d}", 1),
    ("{y}년 {m}월 {d}일", 1), ("{y}/{m:02d}/{d:02d}", 1), ("{m}월 {d}일", 1),
]


def gen_date(r: random.Random, ctx: dict | None = None) -> str:
    """A date; within one line later dates follow earlier ones and mostly share their format."""
    ctx = {} if ctx is None else ctx
    cur = ctx.get("date_cur")
    if cur is None:
        cur = datetime.date(2018, 1, 1) + datetime.timedelta(days=r.randrange(8 * 365))
    else:
        cur = cur + datetime.timedelta(days=r.choice([0, 1, 2, 3, 5, 7, 10, 14, 21, 30, r.randint(1, 120)]))
    ctx["date_cur"] = cur
    fmt = ctx.get("date_fmt")
    if fmt is None or r.random() < 0.15:
        fmt = r.choices([f for f, _ in _DATE_FORMATS], [w for _, w in _DATE_FORMATS])[0]
        ctx["date_fmt"] = fmt
    return fmt.format(y=cur.year, yy=cur.year % 100, m=cur.month, d=cur.day)


def gen_dob(r: random.Random) -> str:
    y, m, d = _birth(r, 1935, 2020)
    return r.choice([f"{y}-{m:02d}-{d:02d}", f"{y}.{m:02d}.{d:02d}", f"{d:02d}/{m:02d}/{y}", f"{y}년 {m}월 {d}일"])


def gen_time(r: random.Random) -> str:
    h, mi = r.randint(0, 23), r.choice([0, 5, 10, 15, 20, 30, 40, 45, 50, r.randint(0, 59)])
    k = r.randrange(4)
    if k <= 1:
        return f"{h:02d}:{mi:02d}"
    if k == 2:
        return f"{'오전' if h < 12 else '오후'} {h % 12 or 12}시 {mi}분" if mi else f"{'오전' if h < 12 else '오후'} {h % 12 or 12}시"
    return f"{h}시 {mi:02d}분"


def gen_amount(r: random.Random) -> str:
    v = r.choice([r.randint(1, 99) * 1000, r.randint(10, 999) * 1000, r.randint(100, 9999) * 1000,
                  r.randint(1000, 99999) * 10, r.randint(1, 50) * 1000000])
    k = r.randrange(7)
    if k <= 2:
        return f"{v:,}원"
    if k == 3:
        return f"금 {v:,}원"
    if k == 4:
        return f"{v:,}"
    if k == 5 and v % 10000 == 0:
        return f"{v // 10000:,}만원"
    return f"₩{v:,}"


def gen_count(r: random.Random) -> str:
    return r.choice([f"{r.randint(1, 4)}회", f"1일 {r.randint(1, 4)}회", f"{r.randint(1, 6)}T",
                     f"{r.randint(1, 3)}A", f"{r.randint(1, 3)} tab", f"x{r.randint(2, 5)}", f"{r.randint(1, 2)}V",
                     "bid", "tid", f"{r.randint(1, 3)}정 tid"])


def gen_days(r: random.Random) -> str:
    n = r.choice([1, 2, 3, 5, 7, 10, 14, 21, 28, 30, r.randint(1, 60)])
    return r.choice([f"{n}일", f"{n}일분", f"{n}일간", f"{n} 일"])


def gen_duration(r: random.Random) -> str:
    return r.choice([f"{r.randint(2, 12)}주", f"약 {r.randint(2, 12)}주간", f"{r.randint(1, 6)}개월",
                     f"{r.randint(2, 16)}주간의 치료", f"향후 {r.randint(2, 8)}주"])


def gen_hospital(r: random.Random) -> str:
    if r.random() < 0.35:
        return r.choice(_HOSP_REAL)
    return r.choice(_HOSP_HEAD) + r.choice(_HOSP_TAIL)


def gen_kcd(r: random.Random, cancer: bool = False) -> str:
    if cancer:
        if r.random() < 0.85:
            return f"C{r.randint(0, 97):02d}" + (f".{r.randint(0, 9)}" if r.random() < 0.8 else "")
        return f"D0{r.randint(0, 9)}.{r.randint(0, 9)}"
    if r.random() < 0.5:
        return r.choice(_KCD)
    code = r.choice(_KCD_LETTERS) + f"{r.randint(0, 99):02d}"
    if r.random() < 0.8:
        code += "." + str(r.randint(0, 9)) + (str(r.randint(0, 9)) if r.random() < 0.3 else "")
    return code


def gen_edi(r: random.Random) -> str:
    if r.random() < 0.55:
        return r.choice(_EDI)
    return r.choice("NQMEBCHFLS") + _digits(r, 4) + (r.choice(["", "", "", "00", "A"]))


def gen_vitals(r: random.Random) -> str:
    return r.choice([f"BP {r.randint(90, 170)}/{r.randint(50, 100)}", f"HR {r.randint(50, 130)}",
                     f"BT {r.randint(355, 392) / 10}℃", f"SpO2 {r.randint(88, 100)}%", f"RR {r.randint(12, 28)}",
                     f"혈압 {r.randint(90, 170)}/{r.randint(50, 100)} mmHg", f"체온 {r.randint(355, 392) / 10}℃"])


def gen_age(r: random.Random) -> str:
    a = r.randint(20, 88) if r.random() < 0.75 else r.randint(1, 95)
    return r.choice([f"{a}세", f"만 {a}세", f"{a}세", f"{a}"])


def gen_ward(r: random.Random) -> str:
    return r.choice([f"{r.randint(5, 15)}{r.choice('AB')}병동 {r.randint(5, 15)}{r.randint(1, 30):02d}호",
                     f"{r.randint(51, 129)}병동", "ICU", "MICU", "SICU", f"{r.randint(301, 1220)}호",
                     f"응급실 {r.randint(1, 20)}번 베드"])


# --------------------------------------------------------------------------
# Labels
# --------------------------------------------------------------------------
LABELS = {
    "pname": ["환자명", "성명", "성 명", "이름", "환자 성명", "수진자", "수진자명", "환자이름", "환자 이름", "성함"],
    "rrn": ["주민등록번호", "주민번호", "주민등록 번호", "주민 번호", "주민No.", "주민등록No"],
    "ph": ["연락처", "전화번호", "휴대폰", "핸드폰", "휴대전화", "H.P", "HP", "연락처(휴대폰)", "전화", "Tel",
           "핸폰", "휴대폰번호", "긴급연락처"],
    "addr": ["주소", "주 소", "현주소", "자택주소", "거주지", "주소지", "실거주지", "자택"],
    "chart": ["등록번호", "병록번호", "환자번호", "차트번호", "차트 No.", "차트", "MRN", "진료카드번호", "진료카드 No",
              "환자ID", "환자 ID", "병원등록번호", "Chart No.", "챠트번호", "진료번호", "환자등록번호", "Reg. No.",
              "병록 No", "의무기록번호"],
    "hin": ["건강보험증번호", "건강보험증 번호", "건보번호", "보험증번호", "가입자번호", "증번호", "의료급여 번호",
            "의료급여증 번호", "건강보험 증번호", "건보증번호", "보험증 No.", "건강보험번호", "건강보험 가입자번호",
            "의료급여증번호"],
    "pol": ["증권번호", "보험증권번호", "증권 No.", "계약번호", "보험계약번호", "Policy No.", "증권#", "증권",
            "계약 No"],
    "email": ["이메일", "E-mail", "전자우편", "메일", "email"],
    "card": ["카드번호", "신용카드번호", "결제카드", "카드 No."],
    "acct": ["계좌번호", "입금계좌", "지급계좌", "수령계좌", "환급계좌"],
    "car": ["차량번호", "차번", "차량 번호", "사고차량", "자동차등록번호"],
    "dl": ["운전면허번호", "면허번호", "운전면허", "면허증번호"],
    "pp": ["여권번호", "여권 No.", "Passport No.", "여권"],
    "frn": ["외국인등록번호", "외국인번호", "등록증번호(외국인)"],
}


def ocr_label(r: random.Random, label: str) -> str:
    if len(label) <= 1 or " " in label or not all(_is_syllable(c) for c in label):
        return label
    x = r.random()
    if x < 0.38:
        return r.choice([" ", "  ", "   "]).join(label)
    if x < 0.43 and len(label) >= 3:
        i = r.randrange(1, len(label))
        return label[:i] + " " + label[i:]
    return label


_SEP = [(": ", 40), (":", 14), (" : ", 14), (" ", 16), ("  ", 6), (" - ", 4), ("：", 2), ("=", 1), (" / ", 3)]
_OCR_SEP = [("  ", 14), ("   ", 10), ("\t", 12), (" : ", 12), (":", 10), (" ：", 3), (" / ", 6), (" | ", 10),
            ("|", 4), ("    ", 6), ("", 5), (" ", 8)]


def _wchoice(r: random.Random, pairs) -> str:
    return r.choices([a for a, _ in pairs], [w for _, w in pairs])[0]


# --------------------------------------------------------------------------
# Templates
#   {gen[:var][#tag]}  generator (identifier or keep value); #tag reuses the value
#   {?a|b}             plain choice          {k?a|b}   keep choice
#   {O:label}          OCR-style label        {L:kind}  label variant   {LO:kind} both
#   {s} {S}            label separator (normal / OCR)
#   [[text]]           literal keep text      <이/가>   particle after the previous word
# --------------------------------------------------------------------------
T_ADJUSTER = [
    "{date} {time} 피보험자 {n}<과/와> 유선 통화({mob}), 사고 경위 재확인함.",
    "피보험자 {n} 님 자택({addr}) 방문하여 면담 실시, [[보호자 동석]] 하에 진술 청취.",
    "손해사정사 {n} / 조사자 {n} 현장 확인 결과 {body} 부위 [[기왕증]] 여부 추가 확인 필요.",
    "{hosp} {dept} 주치의 {n} 교수 면담 - [[의사 소견상]] {dx}<은/는> 사고와 인과관계 있음.",
    "계약자 {n}, 피보험자 {n} (관계: {rel}), 수익자 법정상속인.",
    "조사 대상자 {n}({age}/{sex}) 주민번호 {rrn}, 연락처 {mob}",
    "운전자 {n}<이/가> {car} 차량 운전 중 신호대기 차량 추돌, 동승자 {n} 경상.",
    "가해 차량 {car} (운전자 {n}, {mob}) / 피해 차량 {car} (운전자 {n})",
    "목격자 {n} 씨 진술: 보행자가 횡단보도 신호 위반하였다고 함.",
    "{n} 님 타사 가입내역 조회 결과 {ins} 실손 1건 확인, 증권번호 {pol}",
    "의무기록 열람 동의서 수령({n} 서명), {hosp} {L:chart} {chart}",
    "피해자 {n}({age}) 요양기관 {hosp}, 입원기간 {date} ~ {date}, [[입원 일수]] {days}",
    "심평원 진료내역 조회: {n} / {rrn} / 최근 5년 {dx} 진료 {cnt:visits}",
    "{ins} 보상팀 담당자 {n} 과장 → 손해사정법인 {n} 손해사정사에게 조사 위임",
    "피보험자 {rel} {n} 씨 통화 시 환자 현재 {hosp} 입원 중이라 함 ({mob})",
    "사고장소: {addr} 앞 노상, 가해자 {n} 음주 여부 확인 안 됨",
    "{n}의 운전면허번호 {dl}, 1종 보통 / 적성검사 기간 내 확인",
    "보험금 수령 계좌: {bank} {acct} (예금주 {n})",
    "과거력 조사: {n} {date} {hosp}에서 {dx} ({kcd}) 진단 이력 있음",
    "{n} 고객 요청으로 면담 일정 {date}로 연기, 연락처 {ph}",
    "입원 중인 {n} 환자 병실 방문, 보행 가능 상태 확인([[환자 상태]] 양호)",
    "대리인 {n}(위임장 지참) 통해 서류 접수, 대리인 연락처 {mob}",
    "{n:r} (외국인, 여권번호 {pp}) 통역 동행하여 면담 진행",
    "외국인 근로자 {n:f}, 외국인등록번호 {frn}, 산재 처리 여부 확인 중",
    "조사결과 보고 - 피보험자 {n}, 사고일 {date}, 진단명 {dx}({kcd}), 면책 사유 없음",
    "CCTV 확인 결과 {car} 차량 후진 중 {n} 씨 충격 장면 확인됨",
    "사고 차량 {car} 소유자 {n}, 실제 운전자는 {rel} {n}",
    "설계사 {n} 통해 청약, 청약서 자필서명 {n} 필체 상이하여 [[필적 감정]] 의뢰 검토",
    "{n}<은/는> {date} 퇴근길 {addr} 인근에서 넘어져 {k?좌측 원위 요골|우측 족관절|요추|우측 손목|좌측 슬개골|미추} 골절",
    "현장조사: 피보험자 주거지 {addr}, 동거인 {rel} {n}, 이웃 {n} 탐문",
    "*조사자 메모* {n} {mob} 통화 부재 {k?x2|x3|x4|3회}, 문자 남김",
    "{n} 님 근무처 확인(일용직), 급여 이체 계좌 {bank} {acct}",
    "가해운전자 {n} ({L:dl} {dl}), 차량 {car}, 대인 접수 완료",
    "운전자 {n} 운전면허 {dl} 조회 결과 면허정지 이력 없음",
    "외국인 환자 {n:f}({?베트남|중국|필리핀|네팔|캄보디아|우즈베키스탄} 국적), 여권 {pp}, 외국인등록번호 {frn}",
    "통역인 {n} 동석, 피보험자 {n:f} 외국인등록증 {frn} 사본 확인",
    "모바일 청구 접수 IP {ip} 와 보험금 수령 요청 IP {ip} 상이, 계약자 {n} 본인 확인 요망",
]
T_REVIEW = [
    "심사의견: 피보험자 {n} {dx}({kcd}) 진단 확인, [[수술비]] {amt} 지급 타당.",
    "[심사] {L:pol} {pol} / 피보험자 {n} / 청구금액 {amt} / 지급결정 {amt}",
    "{n} 건 {kcdc} 진단비 청구, 조직검사 결과지 미첨부로 보완 요청",
    "계약자 {n}<과/와> 피보험자 불일치, 수익자 {n} 동의서 필요",
    "입원일수 {days} 중 {days}만 인정 (담당의 {n} 소견서 참조)",
    "고지의무 위반 검토: {n} 청약일 이전 {dx} 치료 이력({hosp}, {date})",
    "{L:pol} {pol} 실손의료비 {amt} 중 비급여 {amt} 공제 후 지급",
    "의료자문 의뢰: 자문의 {n} 교수 ({hosp} {dept}), 회신 후 재심사",
    "지급 계좌 {bank} {acct} 예금주 {n} - 피보험자 본인 명의 확인",
    "{n} 님 청구서 상 주민번호 {rrn}, 진단서상 번호와 일치함",
    "검토자 {n} / 결재 {n} 팀장 / {date}",
    "청구인 {n}<이/가> 제출한 영수증({hosp}, {date}) 금액 {amt} 확인",
    "피보험자 {n}, {L:hin} {hin}, 요양급여내역 조회 동의 받음",
    "면책 검토: {n} 계약 {pol} 부활일로부터 90일 이내 {kcdc} 진단",
    "후유장해 {k?3%|5%|10%|15%|20%} 인정 (장해진단서 발급의 {n}, 면허번호 {lic})",
    "동일사고 중복청구 의심: {n} / {n} 동일 주소({addr})",
    "{ins} 계약번호 {pol} 피보험자 {n} 사망보험금 수익자 {n}, {n} (각 1/2)",
    "[[심사 의견]]: {n} {op} 시행({date}), 수술분류 {k?1종|2종|3종|4종|5종} 해당",
    "{n} 님 통원 {cnt:visits} 청구 - 1회당 공제 후 {amt} 지급",
    "재심사 요청인 {n}, 연락처 {mob}, 이의제기 사유서 접수",
    "피보험자 {n}<은/는> 청약 시 {dx} 고지 누락, [[담당의 소견]] 추가 징구",
    "영수증 결제카드 {card}, 카드 명의자 {n} (피보험자 {rel})",
    "전자서명 IP {ip} / 서명자 {n} / 서명일시 {date} {time}",
]
T_NURSING = [
    "{time} 환자 {n} 님 V/S 측정 {vs}, [[간호사 확인]]",
    "{time} {n} 환자 [[보호자 교육]] 시행 (보호자: {rel} {n})",
    "담당간호사 {n} → {n} 인계, 환자 {n} {drug} 투약 완료",
    "{time} 낙상 고위험군, [[침상 난간]] 올림 확인. 간호사 {n}",
    "{L:pname}{s}{n}  {L:chart}{s}{chart}  병실 {ward}",
    "{time} {drug} IV 투여 후 특이반응 없음 /{n} RN",
    "보호자 {n}({rel}, {mob}) 면회 후 귀가함",
    "{time} 수술실 입실, 집도의 {n} 교수, 마취의 {n}, [[수술 부위]] 표식 확인",
    "{time} 통증 NRS {k?5|6|7|8}점 호소하여 {drug} 투여함. 주치의 {n} notify",
    "Pt. {n:e} ({age}/{sex}) c/o {body} pain, Dr. {n:e} notified",
    "{n} 님 NPO 유지, [[의사 지시]] 하에 수액 {drug} 주입",
    "야간 근무 {n} 간호사 인계: {ward} {n} 환자 [[I/O]] 체크 요망",
    "{time} 퇴원 교육 완료, 퇴원약 {drug} {days} 지급, 보호자 {n} 동행",
    "{n} 환자 [[보호자 상주]], 보호자 연락처 {mob}",
    "{time} {n}({chart}) 수혈 시작 RBC 1 pint, 확인자 {n} / {n}",
    "보호자 {n} 님께서 [[환자 상태]] 문의하여 [[주치의 면담]] 예약함",
    "간호사 면허 {lic:rn} {n} (서명)",
    "{date} {time} 응급실 경유 입원, 환자 {n}, {dx} 진단 하 입원",
    "{time} {n}님 낙상 발생, [[담당의 판단]]으로 Brain CT 시행",
    "기록자: {n} / 확인: {n} 수간호사",
    "{time} {vs}, {vs}. {n} 환자 [[산소 투여]] 2L/min 유지 중",
    "{ward} {n}({age}/{sex}) 수술 후 1일째, 배액량 {k?30cc|50cc|120cc}, 담당 {n} RN",
    "{time} 환자 {n}<이/가> 수액 자가 제거함, [[담당의 보고]] 후 재삽입",
    "{time} {n} 님 딸 {n} 씨 전화({mob}) 문의, 상태 설명함",
    "인수자 {n} / 인계자 {n} / 특이사항 없음",
]
T_DISCHARGE = [
    "퇴원요약 - 환자 {n} ({sex}/{age}) {L:chart} {chart} 입원 {date} 퇴원 {date}",
    "주진단: {dx} ({kcd}), 부진단: {dx} ({kcd}), 주치의 {n}",
    "수술명: {op} ({date}), 집도의 {n}, 보조의 {n}",
    "Discharge summary / Pt: {n:e} / MRN {chart} / Attending: Dr. {n:e}",
    "퇴원 후 {dept} 외래 {date} 예약, 담당 {n} 교수님",
    "경과: {body} {dx}<으로/로> {op} 시행 후 합병증 없이 {days} 만에 퇴원. 작성의 {n}",
    "퇴원 처방: {drug} {days}, {drug} {days}. 처방의 {n}",
    "퇴원 시 [[환자 상태]] 보행 가능, 퇴원 후 연락처 {mob}({rel})",
    "Dx: {dx} ({kcd}) s/p {op} on {date}. Fellow {n:r}, Prof. {n:r}",
    "퇴원 요약지 작성 {date}, 전공의 {n}, 확인 전문의 {n}",
    "{n} 환자 {date} 자의퇴원(AMA), [[보호자 동의]]서 수령 - 보호자 {n}",
    "전원: {hosp}<으로/로> 전원, 전원 시 동행 보호자 {n} ({mob})",
    "입원 중 경과 {n} 님 {drug} 투여 후 {vs} 안정, [[주치의 변경]] 없음",
    "퇴원 환자 {n} 주소 {addr} / {L:ph} {ph}",
]
T_REFERRAL = [
    "진료의뢰서 - 수신: {hosp} {dept} 귀하, 환자 {n} ({rrn}), 의뢰의 {n}",
    "상기 환자 {n} 님 {dx} 의심되어 정밀검사 위해 의뢰드립니다. {dept} {n} 드림",
    "회송서: {n} 환자 {op} 후 경과 관찰 위해 귀원으로 회송합니다. {hosp} {dept} {n}",
    "의뢰기관 {hosp} / 의뢰의사 {n} (면허번호 {lic}) / 의뢰일 {date}",
    "To. {hosp} {dept} / From. {dept} Dr. {n:e} / Re: {n:e}, {age}",
    "환자 {n} {L:chart} {chart} {L:hin} {hin} 진료의뢰 회송",
    "{n} 선생님께, 보내주신 {n} 님 {dx} 진단 하 {op} 시행하였습니다.",
    "의뢰사유: {dx} r/o, {body} MRI상 이상소견. 보호자 {n} 동반 예정.",
    "진료회송서 담당의사 {n} 면허 No. {lic}, 회송일 {date}",
    "귀원에서 의뢰하신 {n}({sex}/{age}) 환자 {kcd} 소견으로 [[추적 관찰]] 권유드립니다",
    "환자정보: {n} / {rrn} / {addr}",
    "의뢰의 {n} 원장님께 감사드리며, {n} 교수 올림",
]
T_CONSENT = [
    "환자 {n} 님의 수술명: {op}, 수술 예정일 {date}",
    "설명의사 {n} (서명), 환자 {n} (서명), 보호자 {n} (관계: {rel}) (서명)",
    "본인 {n}<은/는> 위 내용에 대해 충분한 설명을 들었으며 수술에 동의합니다.",
    "환자가 미성년자로 법정대리인 {n}({rel})<이/가> 대신 서명함  {n} ㊞",
    "설명의사: {dept} {n}   설명일시: {date} {time}",
    "집도의 {n}, 마취의 {n}, [[수술 부위]] {body}",
    "환자 본인 서명 불가 사유: 의식저하 - 대리인 {n}, 연락처 {mob}",
    "보호자 성명 {n}  {L:rrn} {rrn}  환자와의 관계 {rel}",
    "마취 동의서: 전신마취, {dept} {n}, 환자 {n} 서명",
    "{n} (인)   {date}",
    "수술 참여 의사: 집도의 {n} / 제1보조 {n} / [[수술의 변경]] 가능성 설명함",
    "상기 {op}에 대하여 설명의사 {n}<으로/로>부터 설명을 듣고 동의함. 서명 {n}",
    "수혈 동의: 환자 {n}, 동의자 {n} ({rel}), {date}",
    "[[보호자 동의]] 하에 시행 - 동의자 {n}(서명) / 증인 {n}",
    "수술·시술 동의서 / 환자 {n} / {L:chart} {chart} / {dept}",
]
T_RX = [
    "처방전 교부번호 제{?2024|2023|2025|2022}{?0312|1105|0721|0208}-{?00012|00345|01211|00078}호 환자 성명 {n} 주민등록번호 {rrn}",
    "처방의 {n}  면허종별 의사  면허번호 {lic}",
    "{drug} 1일 {?2|3}회 {k?3일분|5일분|7일분|14일분|30일분} - 처방의료인 {n} (서명 또는 날인)",
    "{k?건강보험|의료급여 1종|의료급여 2종|산재보험|자동차보험} {L:hin} {hin} 환자 {n}",
    "조제 약사 {n}, 조제일 {date}, {drug} {cnt}",
    "환자: {n} / 처방의: {n} / 면허 No. {lic} / 처방일 {date}",
    "처 방 의 {n} ㊞ 의사면허 제{lic}호",
    "원외처방전 - {n} ({age}) {dept} {drug} {days}, 처방 의사 {n}",
    "치과의사 {n} 면허 제 {lic} 호 / 처방 {drug}",
    "한의사 면허번호 {lic} {n} 원장 (첩약 {days})",
    "처방의 서명 {n} / Lic. No. {lic} / 사용기간 교부일로부터 7일",
    "수진자 {n} 보험증번호 {hin} 요양기관 {hosp}",
]
T_CERT = [
    "사망자 성명 {n}  성별 {sex}  주민등록번호 {rrn}  사망일시 {date} {time}",
    "사망 장소 {addr}(주택), 직접사인 {dx}",
    "진단 의사 {n}  면허번호 제 {lic} 호  {hosp}",
    "장해진단서 - 성명 {n}, 주소 {addr}, 상병명 {dx} ({kcd})",
    "장해 부위 {body}, 장해율 맥브라이드 {k?12%|15%|23%|30%}, 진단의 {n} 전문의 자격 제 {lic:sp} 호",
    "사망신고인 {n} ({rel}), 주소 {addr}",
    "위와 같이 진단함. 발행일 {date} 의사 {n} (인) 의사면허 제{lic}호",
    "사망진단서 발급 신청인 {n} (사망자 {n}의 {rel}) 연락처 {mob}",
    "전문의 자격 제 {lic:sp} 호 {dept} 전문의 {n}",
    "사체검안서 - 검안의 {n}, 면허번호 {lic}, 검안일 {date}",
    "장해 진단일 {date}, 수상일 {date}, 피진단자 {n}({rrn})",
    "상기인 {n}<은/는> {dx}<으로/로> 인하여 {body}에 영구 장해가 잔존함. 진단의 {n}",
    "진단서 발행 {hosp} {dept} 의사 {n} / 면허 {lic} / 전문의 {lic:sp}",
    "사망의 종류 병사, 사망자 {n} 주소 {addr}",
]
T_FAX = [
    "[FAX] {n} 님 진료비 세부내역 송부 드립니다. {L:chart} {chart}",
    "요청하신 {n}({rrn}) 환자 의무기록 사본 {cnt:pages} 송부합니다. 원무과 담당 {n}",
    "RE: 피보험자 {n} 입퇴원확인서 재발급, {L:pol} {pol}",
    "원무과 {n} 주임 → {ins} {n} 대리님, {n} 환자 서류 팩스 송부",
    "수신 {ins} 의료심사 담당 {n} 님 / 건명 {n} 환자 진료사실 확인 회신",
    "팩스 송신 - 환자명 {n}  {L:chart} {chart}  입원 {date}~{date}  {kcd}",
    "보험사 요청 회신: {n} 님 {date} 내원, {dx} 진단, 담당의 {n}",
    "(팩스) 보내는 이 {hosp} 원무팀 {n} / 받는 이 {ins} {n} 손해사정사",
]
T_COMPLAINT = [
    "민원인 {n} (연락처 {mob}) 보험금 지급 지연에 대한 민원 제기",
    "저희 어머니 {n} 씨가 {hosp}에서 {op} 받으셨는데 아직도 지급이 안 됐습니다.",
    "금감원 이첩 민원: 신청인 {n}, 피보험자 {n}, 증권 {pol}",
    "고객 {n} 님 이메일({email})로 심사 결과 안내 요청",
    "상담원 {n}: 본인 확인 위해 주민번호 뒷자리 확인 / 고객 {n}: {rrn}",
    "저는 {n}<이고요/고요> 계약자는 제 남편 {n}<이에요/예요>.",
    "상담원 {n} 통화 중 고객 {n} 님 불만 표출, 팀장 {n}에게 이관",
    "민원 접수 채널 홈페이지, 접속 IP {ip}, 신청인 {n}",
    "고객 주소 변경 요청: 구 {addr} → 신 {addr}",
    "{n} 고객님 콜백 요청 {time}, 번호 {ph}",
    "청구인 {n} 씨 '{hosp}에서 {dx} 진단받았는데 왜 안 주냐'며 항의",
    "인터넷 청구 로그인 IP {ip} / 계정 {email} / 접속 {date} {time}",
    "민원 내용: 담당자 {n} 과장이 연락을 안 받는다며 {n} 고객 재민원",
    "아버지 {n} 앞으로 된 보험 {pol} 해지환급금 문의드립니다 {mob}",
    "답변서 발송지 {addr} / 수신인 {n}",
    "{n} 님께서 {date} 상담 시 녹취 동의, 상담원 {n}",
    "보험료 자동납부 카드 변경 요청: 기존 {card} → 신규 {card}, 계약자 {n}",
    "카드 {card}로 이중 출금되었다는 민원, 민원인 {n} {mob}",
    "모바일 청구 로그: user={email}, ip={ip}, {date} {time}",
]
T_KAKAO = [
    "[{n}] [오후 {k?2:15|3:47|11:02|4:30|5:58}] 보험금 청구 서류 다 보냈어요 ㅎㅎ",
    "{n} 님 안녕하세요~ {ins} 설계사 {n}입니다^^",
    "엄마 {n} 주민번호 {rrn} 이거 맞지?",
    "계좌 {bank} {acct} 이쪽으로 넣어주세요 예금주 {n}",
    "[{n:k#1}] 저 {gn#1}<이에요/예요>~ 진단서 사진 방금 보냈어요",
    "네 {n} 고객님 {date} 입금 예정입니다~",
    "주소는 {addr} 이에요!",
    "제 번호 {mob} 로 연락 주세요",
    "남편 차번호 {car} 이고 사고접수는 보험사에서 문자 왔어요",
    "메일 {email}로 보내주시면 돼요",
    "{n} 교수님이 수술하셨어요 {op}<으로/로>",
    "ㅠㅠ 아빠 {n} {hosp} 응급실이에요 {dx}<이래요/래요>",
    "오늘 {n} 원장님 진료 봤는데 {dur} 진단 나왔어요",
    "[{n}] 서류 보완 어떤 거 보내야 되나요?",
    "{n:f} 씨 통역은 제가 할게요. 외국인등록번호 {frn}",
    "카드번호 {card} 로 결제했어요 영수증 첨부할게요",
    "{n:k#1} 님~ {gn#1} 님 오늘 퇴원하셨나요?",
    "ㅇㅇ {n}<이/가> 보호자로 사인했어",
    "설계사님 제 증권번호 {pol} 맞죠??",
    "나 {hosp} 입원했어 {ward} {n} 이름으로 찾으면 돼",
    "혹시 {n} 님 번호 {mob} 맞나요? 사고 목격자라고 하셔서요",
    "보내주신 {email} 메일 확인했습니다 - {ins} {n} 드림",
    "오후 {k?1:20|2:05|3:33} {n}: 입원확인서 떼 왔어요",
    "병원비 {amt} 제 카드 {card}로 긁었어요ㅠ",
    "면허증 사진 보내드려요 {dl} 이에요",
    "여권번호는 {pp} 입니다. 이름 {n:r}",
]
T_OCR = [
    "{O:성명}{S}{n:o}{S}{O:주민등록번호}{S}{rrn}",
    "{O:환자명}{S}{n:o}{S}{LO:chart}{S}{chart}{S}{O:진료과}{S}{dept}",
    "{O:주소}{S}{addr}",
    "{O:연락처}{S}{ph}{S}{O:휴대전화}{S}{mob}",
    "{O:의사성명}{S}{n:o}{S}{O:면허번호}{S}제 {lic} 호",
    "{O:보호자}{S}{n:o}{S}({rel}){S}{mob}",
    "{O:피보험자}{S}{n:o}{S}{LO:pol}{S}{pol}",
    "{O:수진자}{S}{n:o}{S}{LO:hin}{S}{hin}",
    "진 단 서{S}{O:환자의 성명}{S}{n:o}{S}{O:성별}{S}{sex}",
    "발행일{S}{date}{S}{O:의료기관}{S}{hosp}{S}{O:의사}{S}{n:o}{S}(인)",
    "{O:예금주}{S}{n:o}{S}{O:은행명}{S}{bank}{S}{O:계좌번호}{S}{acct}",
    "{O:차량번호}{S}{car}{S}{O:운전자}{S}{n:o}{S}{O:면허번호}{S}{dl}",
    "{LO:pp}{S}{pp}{S}Name{S}{n:r}",
    "{O:외국인등록번호}{S}{frn}{S}{O:국적}{S}{?베트남|중국|필리핀|우즈베키스탄|네팔|태국|미국|몽골}",
    "{LO:card}{S}{card}{S}{O:카드사}{S}{k?신한카드|KB국민카드|삼성카드|현대카드|롯데카드|BC카드|하나카드|NH농협카드}",
    "{O:이메일}{S}{email}{S}{O:연락처}{S}{ph}",
    "셩명{S}{n:o}{S}주민등톡번호{S}{rrn}",
    "환 자 멍{S}{n:o}{S}등 록 번 호{S}{chart}",
    "{O:성명}{n:o}{O:주민등록번호}{rrn}{O:주소}{addr}",
    "{O:청구인}{S}{n:o}{S}{O:피보험자와의관계}{S}{rel}{S}{O:휴대폰}{S}{mob}",
    "{O:계약자}{S}{n:o}{S}{O:피보험자}{S}{n:o}{S}{O:수익자}{S}{n:o}",
    "{O:처방의}{S}{n:o}{S}{O:면허번호}{S}{lic}{S}{O:처방일}{S}{date}",
    "{O:집도의}{S}{n:o}{S}{O:수술명}{S}{op}{S}{O:수술일}{S}{date}",
    "{O:상병명}{S}{dx}{S}{O:분류기호}{S}{kcd}{S}{O:환자명}{S}{n:o}",
    "{O:주소}{S}{addr}{S}{O:전화}{S}{ph}",
    "1. {O:성명}{S}{n:o}   2. {O:생년월일}{S}{dob}   3. {O:연락처}{S}{mob}",
    "{O:사망자}{S}{n:o}{S}{O:주민등록번호}{S}{rrn}{S}{O:사망일시}{S}{date}",
    "{O:신청인}{S}{n:o}{S}(서명){S}{O:대리인}{S}{n:o}{S}(서명)",
    "{O:담당의}{S}{n:o}{S}{O:전문의자격}{S}제{lic:sp}호",
    "{O:간호사}{S}{n:o}{S}{O:면허}{S}{lic:rn}",
    "{O:접속}IP{S}{ip}{S}{O:접속일시}{S}{date} {time}",
    "{O:법정대리인}{S}{n:o}{S}{O:관계}{S}{rel}{S}{O:주소}{S}{addr}",
    "{O:운전면허번호}{S}{dl}{S}{O:성명}{S}{n:o}{S}{O:적성검사기간}{S}{date}",
    "{O:국적}{S}{?VIETNAM|CHINA|PHILIPPINES|NEPAL}{S}{LO:pp}{S}{pp}{S}{O:외국인등록번호}{S}{frn}",
]
T_ENGLISH = [
    "Pt. name: {n:e}  MRN: {chart}  DOB: {dob}",
    "Pt. {n} ({age}/{sex}) adm. via ER on {date}, Dx: {dx} ({kcd})",
    "Attending Dr. {n}, resident Dr. {n:r}",
    "Dr. {n:r} / License No. {lic} / Dept. of {k?Orthopedics|Internal Medicine|Neurosurgery|General Surgery|Radiology}",
    "ID: {chart} / Name: {n} / Sex: {?M|F} / Tel: {mob}",
    "Consent obtained from pt's {?wife|husband|son|daughter|mother} {n} ({mob})",
    "e-mail {email} / IP {ip} - claim submitted via mobile app",
    "Policy No. {pol}, insured {n:e}, beneficiary {n:e}",
    "Passport {pp}, {n:r}, nationality {?USA|VNM|CHN|PHL|UZB|NPL}",
    "Pt. {n:e} s/p {op}, f/u OPD {date} with Prof. {n:e}",
    "Chart # {chart} {n} {?M|F}/{age} {kcd} r/o {dx}",
    "Ref. from {hosp} Dr. {n} - Lic. No. {lic}",
    "Guardian: {n} ({rel}) HP {mob} / Addr: {addr}",
    "NHI No. {hin}, pt {n:e}, Dx {kcd}",
    "Anesthesiologist Dr. {n:e}, Surgeon Dr. {n:e}, OR {k?#3|#5|#7} {time}",
    "DL No. {dl} / Name {n:e} / Vehicle {car}",
    "Card {card} (holder {n:r}) charged {amt}",
    "Foreigner reg. no. {frn}, passport {pp}, {n:f}",
]
T_ROLES = [
    "환자명{s}{n}  {L:chart}{s}{chart}",
    "성명{s}{n}  생년월일 {dob}",
    "성 명 : {n}   성별 : {sex}",
    "이름{s}{n} / {L:ph}{s}{mob}",
    "수진자{s}{n} ({age}/{sex}) {dept} 초진",
    "피보험자{s}{n}  {L:rrn}{s}{rrn}",
    "계약자{s}{n}  계약일 {date}  {L:pol}{s}{pol}",
    "수익자{s}{n} ({rel}), 지급비율 100%",
    "예금주{s}{n}  {bank} {acct}",
    "신청인 {n#1}<은/는> 위 사실이 틀림없음을 확인합니다. {date} 신청인 {n#1} (서명)",
    "청구인{s}{n}  피보험자와의 관계{s}{rel}  {L:ph}{s}{mob}",
    "보호자{s}{n} ({rel}) {mob}",
    "법정대리인 {n}<이/가> 미성년 피보험자 {n}<을/를> 대리하여 청구함",
    "대리인 {n}, 위임인 {n}, 위임사항: 보험금 청구 및 수령",
    "목격자 {n}({age}) 연락처 {mob} - 현장 진술 확보",
    "가해자 {n}, 차량번호 {car}, 가입보험사 {ins}",
    "피해자 {n}<은/는> 사고 직후 {hosp} 응급실로 이송됨",
    "운전자{s}{n}  {L:dl}{s}{dl}",
    "동승자 {n}, {n} 2명 경상, {hosp} 통원치료",
    "담당자{s}{n} 대리 ({ins} 장기보상파트)",
    "상담원 {n} 상담 내용: 서류 보완 안내",
    "손해사정사 {n} 조사 착수 {date}, 보고 기한 {date}",
    "조사자 {n} / 동행 {n}",
    "설계사 {n} 팀장 경유 접수",
    "의사 {n} (면허번호 {lic})",
    "주치의 {n} 선생님 [[주치의 소견]]: {dur} 추가 치료 필요",
    "담당의{s}{n} / [[담당의 판단]] 하에 조기 퇴원",
    "{dept} 전문의 {n}, 전문의 자격 제 {lic:sp} 호",
    "집도의{s}{n}  보조의{s}{n}",
    "수술의 {n} 교수, 수술명 {op}",
    "마취의 {n}, 마취방법 {k?전신마취|척추마취|부위마취|수면마취}",
    "처방의 {n} ({dept}) 면허 No. {lic}",
    "설명의사 {n} (서명)   설명일 {date}",
    "간호사 {n} 확인 / {time}",
    "담당간호사{s}{n}",
    "원장 {n} ({hosp})",
    "{n} 원장님 소견서 {date} 발급 예정",
    "교수 {n} 외래 {date}",
    "{n} 교수님 진료 후 입원 결정",
    "과장 {n} / {dept}",
    "{dept} {n} 과장 회진, [[의사 소견상]] 호전 중",
    "{n} 선생님 회신 바랍니다",
    "{n} 고객 / {n} 고객님 가족관계 확인",
    "{n} 씨 {date} 내원",
    "{n} (인)",
    "{n}(서명)",
    "{n} ㊞",
    "서명 {n}",
    "확인자 {n}",
    "작성자: {n} (서명)   작성일: {date}",
    "{n} 印",
    "[{n}] {dept} 외래 진료 완료",
    "({n}) 보호자 연락 요망",
    "〈{n}〉 {dx} 추적 관찰",
    "「{n}」 님 앞",
    "{n}께서 직접 방문하여 서류 제출",
    "{n}에게 결과 안내함",
    "{n}의 진료기록 일체",
    "{n}<을/를> 대신하여 {n}<이/가> 청구",
    "가족: 배우자 {n}, 자녀 {n}, {n}",
    "가족관계: 부 {n} / 모 {n} / 본인 {n}",
    "{n}의 배우자 {n}<이/가> 대리 청구",
    "{n} 환자의 보호자 {n} 님께 설명함",
    "{n} {age} {sex} {dx} 입원 중",
    "{n}: 통증 호소 지속, {drug} 증량",
    "{n}/{sex}/{age}/{dept}",
    "{n}·{n} 부부 공동 계약 {pol}",
    "{n:w} 님 ({age}) 외래 재진",
    "이름이 {n:w}<이에요/예요>. 진료카드 {chart}",
    "보호자 성함 {n}, 환자와 동거",
    "신청인(청구인) {n} {L:ph} {mob}",
    "수익자 {n} 계좌 {bank} {acct}",
    "피해자 {n}, 가해자 {n} 합의 진행 중",
    "운전자 {n}({age}) 차량 {car} / 동승자 {rel} {n}",
    "수술의: {n}  마취의: {n}  간호사: {n}",
    "담당간호사 {n} / [[간호사 관찰]] 상 특이사항 없음",
    "전문의 {n} [[전문의 판독]] 결과 {dx}",
    "집도의 {n} 교수 [[집도의 소견]]: {dx} 확인",
]
T_DISTRACT = [
    "{date} {dept} 외래 내원, {dx} ({kcd}) 진단 하 {op} 시행 예정",
    "[[보호자 동의]] 하에 {op} 시행함",
    "[[의사 소견상]] {dur} [[안정 가료]] 요함",
    "[[담당의 판단]]으로 {drug} 증량",
    "[[간호사 확인]] 후 {drug} {cnt} 투여",
    "[[환자 상태]] 안정적, {vs}",
    "[[보호자 교육]] 시행: 낙상 예방, {drug} 복용법",
    "[[주치의 변경]]: {dept} → {dept}",
    "청구금액 {amt} / 지급금액 {amt} / 면책 {amt}",
    "{edi} {op} {cnt} {amt}",
    "진찰료 {amt}, 입원료 {amt}, 식대 {amt}, 검사료 {amt}",
    "입원기간 {date} ~ {date} ({days})",
    "성명: ________  주민등록번호: ______-_______",
    "주민등록번호: ******-*******  연락처: 010-****-****",
    "환자 {?김|이|박|최|정}○○ ({age}/{sex}) {dx}",
    "약품코드 {ediDrug} {drug} {cnt}",
    "수술 전 [[환자 교육]] 및 [[보호자 면담]] 완료",
    "[[집도의 소견]]: {body} {?유착 심함|부분 파열 동반|출혈 소량|특이 소견 없음}",
    "[[전문의 판독]] 결과 {dx} 소견",
    "마취: 전신마취, 마취시간 {k?1시간 20분|2시간 5분|45분|3시간 10분}",
    "{hosp} {dept} 재진, 처방 {drug} {days}",
    "보험금 지급 기준일 {date}, 부지급 사유 없음",
    "진단서 발급일 {date}, 발병일 {date}, 진단일 {date}",
    "상병명 | {dx} | 코드 | {kcd}",
    "CT 진단료 {amt}, MRI 진단료 {amt}, 초음파 진단료 {amt}",
    "[[보호자 연락 안 됨]], 추후 재연락 예정",
    "설명의사 서명란 공란 - 보완 요청",
    "[[수술의 변경]] 없음, [[마취의 평가]] ASA {?I|II|III}",
    "{vs}, {vs}, {vs}",
    "WBC {k?12,300|8,400|15,700|4,100} / CRP {k?5.6|0.3|12.1|1.8} / Hb {k?9.8 g/dL|13.2 g/dL|11.0 g/dL}",
    "{date} {time} 응급실 내원, {body} 통증",
    "{kcd}, {kcd}, {kcd}",
    "{ins} 실손의료비 청구 서류 안내: 진단서, {k?진료비 세부내역서|입퇴원확인서|수술확인서}",
    "본인부담금 {amt} + 공단부담금 {amt} = 급여 합계 {amt}",
    "[[환자 요청]]으로 {date} 퇴원 예정",
    "[[의사 지시]] 하에 {drug} {days} 유지",
    "{dept} 협진 의뢰: {dx} r/o",
    "재활및물리치료료 {amt} ({cnt:visits})",
    "입원 {days}, 통원 {cnt:visits}, 수술 {k?1회|2회}",
    "[[보호자 상주]] 불가, 간병인 요청",
    "{op} 후 {dur} 경과 관찰",
    "{k?좌측 원위 요골|우측 경골|제5중족골|우측 쇄골|좌측 늑골} X-ray상 골절선 관찰됨, {edi}",
    "비급여 {amt} 중 도수치료 {cnt:visits}",
    "{hosp} {dept} / {date} / {kcd}",
    "인계사항: {drug} {time} 투여, {vs}",
    "[[담당의 소견]] 상 {dur} 후 재평가",
    "Dx) {dx} #{kcd} / Op) {op}",
    "{time} 회진, [[주치의 소견]] 변화 없음",
    "수납 {amt} / 카드 결제 / 할부 {?일시불|3개월|6개월}",
    "의무기록 사본 {cnt:pages}, 발급수수료 {amt}",
    "피보험자 정보 확인 완료 - 이상 없음",
    "보험기간 {date} ~ {date}, 납입기간 {k?20년|10년|전기납}",
]

CATEGORIES = {
    "adjuster": (T_ADJUSTER, 13), "review": (T_REVIEW, 8), "nursing": (T_NURSING, 10),
    "discharge": (T_DISCHARGE, 6), "referral": (T_REFERRAL, 5), "consent": (T_CONSENT, 6),
    "rx": (T_RX, 5), "cert": (T_CERT, 5), "fax": (T_FAX, 4), "complaint": (T_COMPLAINT, 6),
    "kakao": (T_KAKAO, 8), "ocr": (T_OCR, 11), "english": (T_ENGLISH, 5), "roles": (T_ROLES, 14),
    "table": (None, 4),
}
DISTRACTOR_RATE = 0.2
_TABLE_FAMILIES = 3  # header-row / pair-row / key=value procedural families

# --------------------------------------------------------------------------
# Template parsing and rendering
# --------------------------------------------------------------------------
_TOKEN_RE = re.compile(r"\{[^{}]+\}|\[\[[^\[\]]+\]\]|<[^<>/{}\s]+/[^<>/{}\s]+>")
_GEN_RE = re.compile(r"^([A-Za-z]+)(?::([a-z]+))?(?:#(\d+))?$")

_ID_GENS = {"n", "gn", "rrn", "frn", "mob", "tel", "ph", "card", "acct", "email", "addr", "chart", "hin",
            "lic", "dl", "pp", "car", "ip", "pol"}
_KEEP_GENS = {"kcd", "kcdc", "edi", "ediDrug", "drug", "date", "time", "amt", "cnt", "days", "dur", "hosp",
              "dept", "body", "dx", "op", "age", "ins", "ward", "vs", "bank"}
_PLAIN_GENS = {"s", "S", "rel", "sex", "dob"}


def _parse(tpl: str):
    toks = []
    pos = 0
    for m in _TOKEN_RE.finditer(tpl):
        if m.start() > pos:
            toks.append(("lit", tpl[pos:m.start()]))
        t = m.group(0)
        if t.startswith("[["):
            toks.append(("klit", t[2:-2]))
        elif t.startswith("<"):
            a, b = t[1:-1].split("/")
            toks.append(("part", (a, b)))
        else:
            body = t[1:-1]
            if body.startswith("?"):
                toks.append(("choice", tuple(body[1:].split("|"))))
            elif body.startswith("k?"):
                toks.append(("kchoice", tuple(body[2:].split("|"))))
            elif body.startswith("O:"):
                toks.append(("ocr", body[2:]))
            elif body.startswith("LO:"):
                if body[3:] not in LABELS:
                    raise ValueError(f"unknown label kind {body!r} in {tpl!r}")
                toks.append(("labelo", body[3:]))
            elif body.startswith("L:"):
                if body[2:] not in LABELS:
                    raise ValueError(f"unknown label kind {body!r} in {tpl!r}")
                toks.append(("label", body[2:]))
            else:
                gm = _GEN_RE.match(body)
                if not gm or gm.group(1) not in (_ID_GENS | _KEEP_GENS | _PLAIN_GENS):
                    raise ValueError(f"bad placeholder {t!r} in {tpl!r}")
                toks.append(("gen", (gm.group(1), gm.group(2) or "", gm.group(3))))
        pos = m.end()
    if pos < len(tpl):
        toks.append(("lit", tpl[pos:]))
    return tuple(toks)


def _has_identifier(toks) -> bool:
    return any(k == "gen" and p[0] in _ID_GENS for k, p in toks)


_PARSED = {}
for _cat, (_lst, _w) in CATEGORIES.items():
    if _lst is None:
        continue
    if len(set(_lst)) != len(_lst):
        raise ValueError(f"duplicate template in {_cat}")
    _PARSED[_cat] = [_parse(t) for t in _lst]
    for _t, _p in zip(_lst, _PARSED[_cat]):
        if not _has_identifier(_p):
            raise ValueError(f"identifier template without identifier: {_t!r}")
_PARSED_DISTRACT = [_parse(t) for t in T_DISTRACT]
for _t, _p in zip(T_DISTRACT, _PARSED_DISTRACT):
    if _has_identifier(_p):
        raise ValueError(f"distractor template with identifier: {_t!r}")


def template_count() -> int:
    """Distinct hand-written line templates plus the procedural table families."""
    n = sum(len(lst) for lst, _ in CATEGORIES.values() if lst is not None)
    return n + len(T_DISTRACT) + _TABLE_FAMILIES


def _gen_pieces(r: random.Random, name: str, var: str, ctx: dict):
    """Return list of (text, kind) pieces; kind None (plain), KEEP, or a span type."""
    if name == "n":
        text, meta = gen_name(r, var or "d")
        ctx["_last_name_meta"] = meta
        return [(text, "name")]
    if name == "gn":
        raise AssertionError("gn handled by caller")
    if name == "rrn":
        return [(gen_rrn(r, var), "rrn")]
    if name == "frn":
        return [(gen_rrn(r, var, foreign=True), "foreign_registration_no")]
    if name == "mob":
        return [(gen_mobile(r), "phone")]
    if name == "tel":
        return [(gen_landline(r), "phone")]
    if name == "ph":
        return [(gen_phone(r), "phone")]
    if name == "card":
        return [(gen_card(r), "card")]
    if name in ("acct", "bank"):
        if "bank" not in ctx:
            bi = r.randrange(len(_BANKS))
            ctx["bank"] = (bi, r.choice(_BANKS[bi][0]))
        bi, alias = ctx["bank"]
        if name == "bank":
            return [(alias, KEEP)]
        return [(gen_account(r, bi), "account")]
    if name == "email":
        return [(gen_email(r), "email")]
    if name == "addr":
        return [(gen_address(r, var), "address")]
    if name == "chart":
        return [(gen_chart(r), "chart_no")]
    if name == "hin":
        return [(gen_hin(r), "health_insurance_no")]
    if name == "pol":
        return [(gen_policy(r), "policy_no")]
    if name == "lic":
        return [(gen_license(r, var), "medical_license")]
    if name == "dl":
        return [(gen_dl(r), "driver_license")]
    if name == "pp":
        return [(gen_passport(r), "passport")]
    if name == "car":
        return [(gen_vehicle(r), "vehicle_no")]
    if name == "ip":
        return [(gen_ip(r), "ip_address")]
    # keep values
    if name == "kcd":
        code = ctx.pop("dx_code", None)
        if code is not None and r.random() < 0.9:
            return [(code, KEEP)]
        return [(gen_kcd(r), KEEP)]
    if name == "kcdc":
        return [(gen_kcd(r, cancer=True), KEEP)]
    if name == "edi":
        return [(gen_edi(r), KEEP)]
    if name == "ediDrug":
        return [(r.choice("6") + _digits(r, 8), KEEP)]
    if name == "drug":
        return [(r.choice(_DRUGS), KEEP)]
    if name == "date":
        return [(gen_date(r, ctx), KEEP)]
    if name == "time":
        return [(gen_time(r), KEEP)]
    if name == "amt":
        return [(gen_amount(r), KEEP)]
    if name == "cnt":
        if var == "visits":
            return [(f"{r.randint(1, 40)}{r.choice(['회', '회', '건', '일'])}", KEEP)]
        if var == "pages":
            return [(f"{r.randint(2, 60)}{r.choice(['매', '매', '장', '페이지'])}", KEEP)]
        return [(gen_count(r), KEEP)]
    if name == "days":
        return [(gen_days(r), KEEP)]
    if name == "dur":
        return [(gen_duration(r), KEEP)]
    if name == "hosp":
        return [(gen_hospital(r), KEEP)]
    if name in ("dept", "body", "dx", "op"):
        if "case" not in ctx:
            ctx["case"] = r.choice(_CASES)
        depts, dxs, ops, bodies = ctx["case"]
        coherent = r.random() < _CASE_P
        if name == "dept":
            return [(r.choice(depts if coherent else _DEPTS), KEEP)]
        if name == "body":
            return [(r.choice(bodies if coherent else _BODY), KEEP)]
        if name == "op":
            return [(r.choice(ops if coherent else _OPS), KEEP)]
        dx, code = r.choice(dxs if coherent else _DX)
        ctx["dx_code"] = code
        return [(dx, KEEP)]
    if name == "age":
        age = gen_age(r)
        return [(age, KEEP if not age.isdigit() else None)]  # a bare "37" is too short to be a keep string
    if name == "ins":
        return [(r.choice(_INSURERS), KEEP)]
    if name == "ward":
        return [(gen_ward(r), KEEP)]
    if name == "vs":
        return [(gen_vitals(r), KEEP)]
    # plain
    if name == "s":
        return [(_wchoice(r, _SEP), None)]
    if name == "S":
        return [(_wchoice(r, _OCR_SEP), None)]
    if name == "rel":
        return [(r.choice(_REL), None)]
    if name == "sex":
        return [(r.choice(["남", "여", "M", "F", "남자", "여자"]), None)]
    if name == "dob":
        return [(gen_dob(r), None)]
    raise KeyError(name)


def _render(toks, r: random.Random):
    parts: list[str] = []
    length = 0
    spans: list[tuple[str, int, int, str]] = []
    keep: list[str] = []
    ctx: dict = {}
    cache: dict = {}
    metas: dict = {}

    def emit(text: str, kind):
        nonlocal length
        if kind is None:
            pass
        elif kind == KEEP:
            keep.append(text)
        else:
            spans.append((kind, length, length + len(text), text))
        parts.append(text)
        length += len(text)

    for kind, p in toks:
        if kind == "lit":
            emit(p, None)
        elif kind == "klit":
            emit(p, KEEP)
        elif kind == "part":
            emit(_particle("".join(parts[-3:]), p[0], p[1]), None)
        elif kind == "choice":
            emit(r.choice(p), None)
        elif kind == "kchoice":
            emit(r.choice(p), KEEP)
        elif kind == "ocr":
            emit(ocr_label(r, p), None)
        elif kind == "label":
            emit(r.choice(LABELS[p]), None)
        elif kind == "labelo":
            emit(ocr_label(r, r.choice(LABELS[p])), None)
        else:
            name, var, tag = p
            if name == "gn":
                meta = metas.get(tag)
                if meta is None:
                    raise AssertionError("gn without a Korean name tag")
                emit(meta[1], "name")
                continue
            key = (name, var, tag)
            if tag is not None and key in cache:
                pieces = cache[key]
            else:
                pieces = _gen_pieces(r, name, var, ctx)
                if tag is not None:
                    cache[key] = pieces
                    if name == "n":
                        metas[tag] = ctx.get("_last_name_meta")
            for t, k in pieces:
                emit(t, k)
    return "".join(parts), spans, keep


# --------------------------------------------------------------------------
# Procedural flattened tables
# --------------------------------------------------------------------------
_TABLE_FIELDS = [
    (["성명", "환자명", "이름", "수진자", "피보험자", "보호자", "성 명", "환 자 명"], "{n:o}", True),
    (["주민등록번호", "주민번호"], "{rrn}", True),
    (["연락처", "전화번호", "휴대폰", "H.P"], "{ph}", True),
    (["주소", "주 소", "현주소"], "{addr}", True),
    (LABELS["chart"], "{chart}", True),
    (LABELS["hin"], "{hin}", True),
    (LABELS["pol"], "{pol}", True),
    (["이메일", "E-mail"], "{email}", True),
    (["차량번호"], "{car}", True),
    (["성별"], "{sex}", False),
    (["나이", "연령"], "{age}", False),
    (["진료과", "과"], "{dept}", False),
    (["진료일", "입원일", "퇴원일", "발행일", "사고일"], "{date}", False),
    (["상병코드", "질병분류기호", "KCD"], "{kcd}", False),
    (["상병명", "진단명"], "{dx}", False),
    (["청구금액", "본인부담금", "진료비 총액"], "{amt}", False),
]


def _table_template(r: random.Random) -> str:
    k = r.randint(2, 5)
    idx = r.sample(range(len(_TABLE_FIELDS)), k)
    if not any(_TABLE_FIELDS[i][2] for i in idx):
        idx[0] = r.randrange(9)
        idx = list(dict.fromkeys(idx))
    labels = [r.choice(_TABLE_FIELDS[i][0]) for i in idx]
    values = [_TABLE_FIELDS[i][1] for i in idx]
    fam = r.randrange(_TABLE_FAMILIES)
    if fam == 0:
        sep = r.choice([" | ", "|", "\t", "  ", " ¦ "])
        head = sep.join("{O:%s}" % lab if " " not in lab and lab.isalpha() else lab for lab in labels)
        return head + r.choice(["  ", "\t", " || ", " | ", " / "]) + sep.join(values)
    if fam == 1:
        sep = r.choice([" | ", "\t", "   ", " / "])
        return sep.join(("{O:%s}" % lab if lab.isalpha() else lab) + "{S}" + v for lab, v in zip(labels, values))
    sep = r.choice([", ", "; ", " ", " & "])
    eq = r.choice(["=", ": ", ":", "-"])
    return sep.join(f"{lab}{eq}{v}" for lab, v in zip(labels, values))


# --------------------------------------------------------------------------
# Self-checks and public API
# --------------------------------------------------------------------------
def _check(text: str, spans: list[tuple[str, int, int]], keep: list[str], values: list[str]) -> bool:
    prev_end = -1
    for (typ, s, e), v in zip(spans, values):
        if typ not in SPAN_TYPES or not (0 <= s < e <= len(text)):
            return False
        seg = text[s:e]
        if seg != v or seg != seg.strip() or "\n" in seg:
            return False
        if s < prev_end:
            return False
        prev_end = e
    for k in keep:
        if not k or k != k.strip():
            return False
        i = text.find(k)
        if i < 0:
            return False
        while i >= 0:
            j = i + len(k)
            for _, s, e in spans:
                if i < e and s < j:
                    return False
            i = text.find(k, i + 1)
    return True


def _one(r: random.Random, distractor: bool, cats, weights, stats: Counter):
    for _ in range(60):
        if distractor:
            toks = r.choice(_PARSED_DISTRACT)
        else:
            cat = r.choices(cats, weights)[0]
            if cat == "table":
                toks = _parse(_table_template(r))
            else:
                toks = r.choice(_PARSED[cat])
        text, raw, keep = _render(toks, r)
        raw.sort(key=lambda x: (x[1], x[2]))
        spans = [(t, s, e) for t, s, e, _ in raw]
        values = [v for _, _, _, v in raw]  # what the renderer emitted, checked against text
        keep = list(dict.fromkeys(k.strip() for k in keep if k.strip()))
        if not distractor and not spans:
            stats["retry_nospan"] += 1
            continue
        if distractor and spans:
            raise AssertionError("distractor produced a span")
        if not _check(text, spans, keep, values):
            stats["retry_check"] += 1
            continue
        return Note(text=text, spans=tuple(Span(t, s, e) for t, s, e in spans), keep=tuple(keep))
    raise RuntimeError("could not produce a consistent line after 60 tries")


def generate(n: int, seed: int) -> list[Note]:
    """Return ``n`` annotated lines; deterministic for (n, seed)."""
    r = random.Random(seed)
    cats = [c for c in CATEGORIES]
    weights = [CATEGORIES[c][1] for c in cats]
    stats: Counter = Counter()
    out = []
    for _ in range(n):
        out.append(_one(r, r.random() < DISTRACTOR_RATE, cats, weights, stats))
    generate.last_stats = dict(stats)  # type: ignore[attr-defined]
    return out


def _to_json(note: Note) -> dict:
    return {
        "text": note.text,
        "spans": [{"type": s.type, "start": s.start, "end": s.end, "text": note.text[s.start:s.end]}
                  for s in note.spans],
        "keep": list(note.keep),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Write synthetic Korean claim notes with PII spans (corpus B).")
    ap.add_argument("out", help="output JSONL path")
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    notes = generate(a.n, a.seed)
    counts: Counter = Counter()
    with open(a.out, "w", encoding="utf-8") as f:
        for nt in notes:
            f.write(json.dumps(_to_json(nt), ensure_ascii=False) + "\n")
            counts.update(s.type for s in nt.spans)
    no_span = sum(1 for nt in notes if not nt.spans)
    print(f"lines {len(notes)}  without identifiers {no_span} ({no_span / max(1, len(notes)):.1%})  "
          f"templates {template_count()}")
    for t in SPAN_TYPES:
        print(f"{t:24s} {counts.get(t, 0)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
