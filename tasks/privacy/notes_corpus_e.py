"""Independent generator E of synthetic, annotated Korean insurance-claim free text.

Provenance
----------
Written on 2026-12-05 by an independent helper from domain.md and a brief only,
without reading the detector or the other generators. The only thing taken from
generator D is its output contract (the ``Span``/``Note`` shapes, the span type
names and the annotation conventions of its docstring); every template, name pool,
word list and format below is this module's own. Its purpose is to EVALUATE a
personal-identifier (PII) detector on text its authors never shaped.

What it produces
----------------
``generate(n, seed)`` returns ``n`` one-line notes, deterministic for ``(n, seed)``
and with unique texts within a call. A ``Note`` has ``.text``, ``.spans`` (``Span``
with ``.type``, ``.start``, ``.end``, ``.text``), ``.keep`` (strings of the same line
a de-identifier must leave intact) and ``.kind`` (the kind of text). ``note_to_json``
gives ``{"text", "spans": [{"type", "start", "end", "text"}], "keep": [...]}`` and
``main`` writes JSONL::

    python -m claimvlm.privacy.notes_corpus_e --n 500 --seed 7 --out x.jsonl

Coverage
--------
307 templates (251 with identifiers, 56 without) over 50 kinds of text: hospital
records (진단서, 소견서, 수술기록, 간호기록, 경과기록, 퇴원요약, 응급실, 협진 의뢰/회신, 처방전,
검사결과지, 입퇴원확인서, 영수증, 사망진단서, 장해진단, 건강검진, 약국 복약지도), insurer work
(보험금 청구서, 사고조사, 손해사정 메모, 의료자문, 지급/부지급 안내, 민원, 콜센터 STT 녹취 with
fillers and no punctuation, 심사 코멘트, 계좌변경, 계약, 교통사고 접수, 산재, 원무과 메모),
family and patient writing (카톡, 문자, 위임장, 동의서, 사고경위서 in the writer's words, 자필
메모 OCR, 커뮤니티 글, 챗봇 입력, 가족관계, 간병), system text (key=value logs, CSV rows, JSON
fragments, OCR'd table rows with broken spacing, 신분증/건강보험증 OCR, 카드 전표, e-mail, fax
cover sheets), foreign patients and English-mixed notes. Lines dense in structured
identifiers are drawn twice as often as the others so that names stay about half of
all spans; about 15 % of the lines hold no identifier at all.

Names (about half of all spans) come from an own surname table weighted by
frequency with a boosted tail of rare single surnames and all compound surnames,
and from own given-name pools (modern, middle and older generations, native Korean
words, syllable combinations, one- and three/four-syllable given names, full names
that are ordinary words such as 이상, 유지, 방문, 안정, 하나). They appear after role
words without colons and with particles, in narrative without labels, with every
particle and copula, with titles, in lists, in brackets with age/sex, after kinship
words, in signatures, as given names alone in speech (지우야, 서연이가, 민준이 엄마),
letter-spaced (김 민 준), Hangul-transcribed foreign names (응우옌 반 안) and
romanised names (PARK JIHOON, Kim Min-ji).

Every line carries hard negatives in ``keep``: KCD codes, EDI/procedure codes,
amounts, dates, hospital names (also ones built on a person's name, 김정우정형외과의원),
departments, drugs, lab values, insurers and their representative numbers, bank
names, masked names (김○○, 홍**, 이○준, 박 모), role words standing alone, and 275
medical words that begin with a surname syllable (안검하수, 장내시경, 황달 ...).

Annotation conventions (the contract shared with generator D)
-------------------------------------------------------------
* name: the person's name only; titles, particles, brackets and signature marks stay
  outside. Letter-spaced names are one span. Masked names carry no span (keep).
* rrn: ``YYMMDD-GNNNNNN`` in all its writings, masked ones included; G = 5..8 is a
  foreign_registration_no.
* medical_license, account, chart_no, health_insurance_no: the number only (in
  ``제 12345 호`` only ``12345``; the bank name is a keep).
* address: the whole address, detail and bracketed reference 동 included.
* phone/card/passport/driver_license/vehicle_no/ip_address/policy_no/email: the value
  only (an IP's ``:port`` stays outside); a licence written with its region name
  (``서울 12-345678-90``) and a partly masked card (``9410-12**-****-3456``) are spans
  as written. Birth dates, ages and sexes are plain text (quasi-identifiers, neither
  span nor keep). Hospital and insurer representative numbers (``1588-xxxx``) are keeps.
"""

# Template and word-list lines are data and run long.
# ruff: noqa: E501
from __future__ import annotations

import random
import re
import sys
from dataclasses import dataclass
from datetime import date, timedelta

from claimvlm.privacy.notes_contract import SPAN_TYPES, Note, Span, check_note, note_to_json, run_cli

__all__ = [
    "Span", "Note", "SPAN_TYPES", "generate", "note_to_json", "main",
    "template_count", "kind_count",
]



_NOPII_SHARE = 0.15

# ---------------------------------------------------------------------------
# Hangul helpers: final consonant, particles, romanisation
# ---------------------------------------------------------------------------

# How a digit is read aloud decides the particle after it: 영 일 이 삼 사 오 육 칠 팔 구.
_DIGIT_READ = {"0": "영", "1": "일", "2": "이", "3": "삼", "4": "사",
               "5": "오", "6": "육", "7": "칠", "8": "팔", "9": "구"}


def _final(word: str) -> int:
    """Index of the last syllable's final consonant (0 = none, 8 = ㄹ)."""
    word = word.rstrip(" )]")
    if not word:
        return 0
    ch = word[-1]
    if ch in _DIGIT_READ:
        ch = _DIGIT_READ[ch]
    if "가" <= ch <= "힣":
        return (ord(ch) - 0xAC00) % 28
    if ch.isascii() and ch.isalpha():
        low = ch.lower()
        if low in "aeiouyw":
            return 0
        return 8 if low == "l" else 4
    return 0


# key -> (form after a final consonant, form after a vowel)
_PARTICLES: dict[str, tuple[str, str]] = {
    "이": ("이", "가"), "가": ("이", "가"),
    "은": ("은", "는"), "는": ("은", "는"),
    "을": ("을", "를"), "를": ("을", "를"),
    "과": ("과", "와"), "와": ("과", "와"),
    "이랑": ("이랑", "랑"), "랑": ("이랑", "랑"),
    "아": ("아", "야"), "야": ("아", "야"),
    "이에요": ("이에요", "예요"),
    "이며": ("이며", "며"),
    "이고": ("이고", "고"),
    "이고요": ("이고요", "고요"),
    "이었다": ("이었다", "였다"), "였다": ("이었다", "였다"),
    "이요": ("이요", "요"),
    "이라고": ("이라고", "라고"),
    "이라는": ("이라는", "라는"),
    "이나": ("이나", "나"),
    "이래": ("이래", "래"),
    "이라서": ("이라서", "라서"),
    "이세요": ("이세요", "세요"),
    "이래요": ("이래요", "래요"),
    "이었고": ("이었고", "였고"),
}


def _particle(word: str, key: str) -> str:
    """Particle ``key`` in the form that fits ``word``.

    ``~X`` is the spoken form after a given name: 서연이가, 서연이는, 지우가, 지우는.
    """
    fin = _final(word)
    if key.startswith("~"):
        rest = key[1:]
        form = _PARTICLES[rest][1] if rest in _PARTICLES else rest
        return ("이" + form) if fin else form
    if key in ("으로", "로"):
        return "로" if fin in (0, 8) else "으로"
    if key in _PARTICLES:
        cons, vow = _PARTICLES[key]
        return cons if fin else vow
    return key


_ROM_INITIAL = ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj",
                "ch", "k", "t", "p", "h"]
_ROM_VOWEL = ["a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo",
              "u", "wo", "we", "wi", "yu", "eu", "ui", "i"]
_ROM_FINAL = ["", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l",
              "m", "p", "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t"]

# how Korean surnames are usually spelled in passports and business cards
_SURNAME_ROMAN = {
    "김": "Kim", "이": "Lee", "박": "Park", "최": "Choi", "정": "Jung", "강": "Kang",
    "조": "Cho", "윤": "Yoon", "장": "Jang", "임": "Lim", "한": "Han", "오": "Oh",
    "서": "Seo", "신": "Shin", "권": "Kwon", "황": "Hwang", "안": "Ahn", "송": "Song",
    "류": "Ryu", "유": "Yoo", "전": "Jeon", "홍": "Hong", "고": "Ko", "문": "Moon",
    "양": "Yang", "손": "Son", "배": "Bae", "백": "Baek", "허": "Heo", "노": "Noh",
    "남": "Nam", "심": "Shim", "하": "Ha", "곽": "Kwak", "성": "Sung", "차": "Cha",
    "주": "Joo", "우": "Woo", "구": "Koo", "민": "Min", "진": "Jin", "나": "Na",
    "지": "Ji", "엄": "Um", "채": "Chae", "원": "Won", "천": "Cheon", "방": "Bang",
    "공": "Kong", "현": "Hyun", "함": "Ham", "변": "Byun", "염": "Yeom", "여": "Yeo",
    "추": "Choo", "도": "Do", "소": "So", "석": "Seok", "선": "Sun", "설": "Seol",
    "마": "Ma", "길": "Gil", "연": "Yeon", "위": "Wi", "표": "Pyo", "명": "Myung",
    "기": "Ki", "반": "Ban", "왕": "Wang", "금": "Keum", "옥": "Ok", "육": "Yuk",
    "인": "In", "맹": "Maeng", "제": "Je", "모": "Mo", "탁": "Tak", "국": "Kook",
    "어": "Eo", "은": "Eun", "편": "Pyun", "용": "Yong", "남궁": "Namgung",
    "황보": "Hwangbo", "제갈": "Jegal", "선우": "Sunwoo", "독고": "Dokgo", "사공": "Sagong",
}


def _rom_syllable(ch: str) -> str:
    if not ("가" <= ch <= "힣"):
        return ch
    code = ord(ch) - 0xAC00
    return _ROM_INITIAL[code // 588] + _ROM_VOWEL[(code % 588) // 28] + _ROM_FINAL[code % 28]


# ---------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------

# (surname, rough share in per mille) - own estimate of the frequency ordering
_SURNAME_TABLE: list[tuple[str, float]] = [
    ("김", 215), ("이", 147), ("박", 84), ("최", 47), ("정", 43), ("강", 24), ("조", 21),
    ("윤", 21), ("장", 20), ("임", 17), ("한", 15), ("오", 15), ("서", 15), ("신", 15),
    ("권", 14), ("황", 14), ("안", 14), ("송", 13), ("전", 11), ("홍", 11), ("유", 10),
    ("고", 9), ("문", 9), ("양", 9), ("손", 9), ("배", 8), ("백", 8), ("허", 6),
    ("노", 6), ("남", 5), ("심", 5), ("하", 5), ("곽", 4), ("성", 4), ("차", 4), ("주", 4),
    ("우", 4), ("구", 4), ("류", 4), ("민", 3), ("진", 3), ("나", 3), ("지", 3), ("엄", 3),
    ("채", 3), ("원", 3), ("천", 3), ("방", 2), ("공", 2), ("현", 2), ("함", 2), ("변", 2),
    ("염", 2), ("여", 2), ("추", 2), ("도", 2), ("소", 1), ("석", 1), ("선", 1), ("설", 1),
    ("마", 1), ("길", 1), ("연", 1), ("위", 1), ("표", 1), ("명", 1), ("기", 1), ("반", 1),
    ("왕", 0.5), ("금", 0.5), ("옥", 0.5), ("육", 0.5), ("인", 0.5), ("맹", 0.5),
    ("제", 0.5), ("모", 0.5), ("국", 0.3), ("어", 0.3), ("은", 0.3), ("편", 0.3),
    ("용", 0.3), ("탁", 0.3),
]
_SURNAMES = [s for s, w in _SURNAME_TABLE if w > 0]
_SURNAME_W = [w for _, w in _SURNAME_TABLE if w > 0]

# the boosted tail: single surnames most readers have never met as a name
_RARE_SURNAMES = (
    "가 관 편 탁 어 옹 봉 빈 추 도 마 표 경 피 곽 범 판 기 견 돈 묵 승 온 왕 요 운 위 은 음 자 제 종 "
    "즙 채 천 초 하 해 형 호 화 뇌 란 만 매 빙 사 삼 상 시 아 야 애 엽 영 예 저 점 좌 증 "
    "춘 태 평 포 풍 학 후 흥 골 근 내 당 대 두 라 량 려 로 미 복 부 비 순 십 "
    "팽 궉 단 간 계 누 동 뢰 목 수 준 창 탄"
).split()
_COMPOUND_SURNAMES = ["남궁", "황보", "제갈", "선우", "독고", "사공", "서문", "동방",
                      "어금", "망절", "소봉", "장곡", "황목", "강전"]

_GIVEN_MODERN_M = (
    "민준 서준 도윤 예준 시우 하준 지호 주원 지후 준우 준서 도현 건우 현우 우진 선우 서진 "
    "유준 연우 은우 정우 승우 시윤 이준 지환 승현 윤우 지훈 태윤 은호 시후 로운 이안 민재 "
    "현준 하람 태오 도하 재윤 율 온유 은찬 하온"
).split()
_GIVEN_MODERN_F = (
    "서연 서윤 지우 서현 하은 하윤 민서 지유 윤서 채원 지민 수아 지아 다은 은서 예은 수빈 "
    "소율 예린 지원 하린 채은 가은 윤아 서아 아린 유나 나은 시아 다인 예나 소윤 하율 지안 "
    "이서 리아 채아 주아 사랑 로아 아윤"
).split()
_GIVEN_MIDDLE = (
    "성민 지훈 현철 동현 정훈 상우 민수 준호 재현 승훈 태호 진우 경민 민호 은정 미영 수진 "
    "지영 혜진 은영 선영 미정 지현 윤정 현정 주희 소영 정민 수정 은주 상현 원석 형준 진영 "
    "세영 보영 미란 혜원 경아 재훈 기현 용준 태영 종민"
).split()
_GIVEN_OLD_M = (
    "영수 영호 영철 상철 정호 광수 종철 만복 병철 성호 동수 용호 기철 춘식 재석 경호 상훈 "
    "정남 태식 봉수 길수 만석 종국 명수 대식 창호 진호 성철 용수 덕수 재만 인수 석구 두식 "
    "판수 칠성 봉구 순철 학수 복남 만수"
).split()
_GIVEN_OLD_F = (
    "영희 순자 영자 정숙 명숙 경숙 춘자 옥순 말순 순희 미숙 정자 숙자 화자 금순 복순 옥자 "
    "순덕 점순 분이 말자 정희 경자 영순 순남 미자 혜숙 은숙 광자 끝순 막례 귀녀 두리 또순 "
    "덕례 길례 금례 순애 옥례 복례 분녀"
).split()
_GIVEN_NATIVE = (
    "하늘 나래 한결 이슬 하나 보람 슬기 가람 다솜 아름 새롬 누리 바다 여름 가을 마루 빛나 "
    "초롱 한별 다운 보미 예슬 나리 단비 새별 한울 한솔 아라 다온 라온 해랑 미르 가온 온유 "
    "봄 별 솔 결 샘"
).split()
_SYL_FIRST = list("민서지하도시준예주현우유은태건승채수윤연소재다아성혜경정")
_SYL_SECOND = list("준우현서윤민진호원빈아은연린율희영혁주하수인경")
_GIVEN_SINGLE = list("결솔별훈진혁준윤현건란담율빈웅찬산강슬영철숙")
_GIVEN_THREE = ("한아름 은하수 보람찬 하늘솔 별하나 빛나래 가람솔 아로미 새로운 다솜별 누리봄 "
                "한가람 초롱빛 으뜸솔 해오미").split()
_GIVEN_FOUR = "하늘보리 별빛나래 한가람솔 은빛누리 새봄하늘 아름드리".split()

# full names that are also everyday words
_WORDLIKE_NAMES = (
    "이상 유지 방문 하나 나래 한결 이슬 안정 정직 신부 고요 조용 전진 공부 문자 주의 장미 "
    "우주 노력 소원 구름 도전 조심 서정 신뢰 지도 진심 하늘 이해 전기 고민 정리 "
    "신용 유리 강물 변화 방향 성공 안내 배려 연습 한글 정성"
).split()

_FOREIGN_NAMES: list[tuple[str, str]] = [
    ("응우옌 반 안", "NGUYEN VAN AN"), ("쩐 티 흐엉", "TRAN THI HUONG"),
    ("레 반 훙", "LE VAN HUNG"), ("팜 티 란", "PHAM THI LAN"),
    ("응우옌 티 마이", "NGUYEN THI MAI"), ("마리아 산토스", "MARIA SANTOS"),
    ("호세 레예스", "JOSE REYES"), ("크리스티나 델라크루즈", "CRISTINA DELA CRUZ"),
    ("왕웨이", "WANG WEI"), ("리우 양", "LIU YANG"), ("장리나", "ZHANG LINA"),
    ("다나카 유키", "TANAKA YUKI"), ("사토 하루토", "SATO HARUTO"),
    ("존 스미스", "JOHN SMITH"), ("에밀리 존슨", "EMILY JOHNSON"),
    ("무함마드 라힘", "MUHAMMAD RAHIM"), ("아지즈 카리모프", "AZIZ KARIMOV"),
    ("딜노자 유수포바", "DILNOZA YUSUPOVA"), ("바트 에르덴", "BAT ERDENE"),
    ("수닐 타망", "SUNIL TAMANG"), ("안나 이바노바", "ANNA IVANOVA"),
    ("솜차이 분미", "SOMCHAI BOONMEE"), ("로드리고 가르시아", "RODRIGO GARCIA"),
    ("니마 셰르파", "NIMA SHERPA"), ("알렉산드르 김", "ALEKSANDR KIM"),
    ("누르술탄 베코프", "NURSULTAN BEKOV"), ("아리야 수완나", "ARIYA SUWANNA"),
    ("라훌 샤르마", "RAHUL SHARMA"),
]


@dataclass(frozen=True)
class _Person:
    full: str
    sur: str
    given: str
    foreign: bool = False
    roman: str = ""


def _pick_surname(r: random.Random) -> str:
    x = r.random()
    if x < 0.12:
        return r.choice(_RARE_SURNAMES)
    if x < 0.17:
        return r.choice(_COMPOUND_SURNAMES)
    return r.choices(_SURNAMES, weights=_SURNAME_W)[0]


def _pick_given(r: random.Random, hint: str) -> str:
    if hint == "om":
        return r.choice(_GIVEN_OLD_F)
    if hint == "of":
        return r.choice(_GIVEN_OLD_M)
    if hint == "kid":
        return r.choice(_GIVEN_MODERN_M + _GIVEN_MODERN_F + _GIVEN_NATIVE[:20])
    x = r.random()
    if x < 0.30:
        return r.choice(_GIVEN_MODERN_M + _GIVEN_MODERN_F)
    if x < 0.52:
        return r.choice(_GIVEN_MIDDLE)
    if x < 0.64:
        return r.choice(_GIVEN_OLD_M + _GIVEN_OLD_F)
    if x < 0.74:
        return r.choice(_GIVEN_NATIVE)
    if x < 0.88:
        return r.choice(_SYL_FIRST) + r.choice(_SYL_SECOND)
    if x < 0.95:
        return r.choice(_GIVEN_SINGLE)
    if x < 0.99:
        return r.choice(_GIVEN_THREE)
    return r.choice(_GIVEN_FOUR)


def _korean_person(r: random.Random, hint: str = "") -> _Person:
    if hint not in ("om", "of", "kid") and r.random() < 0.06:
        word = r.choice(_WORDLIKE_NAMES)
        return _Person(word, word[0], word[1:])
    sur = _pick_surname(r)
    given = _pick_given(r, hint)
    return _Person(sur + given, sur, given)


def _foreign_person(r: random.Random) -> _Person:
    name, roman = r.choice(_FOREIGN_NAMES)
    first = name.split()[0] if " " in name else name
    return _Person(name, "", first, foreign=True, roman=roman)


def _roman(r: random.Random, p: _Person) -> str:
    if p.foreign:
        return p.roman if r.random() < 0.7 else p.roman.title()
    sur = _SURNAME_ROMAN.get(p.sur) or "".join(_rom_syllable(c) for c in p.sur).capitalize()
    syl = [_rom_syllable(c) for c in p.given]
    joined = "".join(syl).capitalize()
    style = r.randrange(6)
    if style == 0:
        return f"{sur.upper()} {joined.upper()}"
    if style == 1:
        return f"{sur} {'-'.join(syl).capitalize()}"
    if style == 2:
        return f"{joined} {sur}"
    if style == 3:
        return f"{sur.upper()} {' '.join(s.upper() for s in syl)}"
    if style == 4:
        return f"{sur} {joined}"
    return f"{'-'.join(syl).capitalize()} {sur.upper()}"


def _masked_name(r: random.Random) -> str:
    sur = r.choices(_SURNAMES, weights=_SURNAME_W)[0]
    g = r.choice(_GIVEN_MIDDLE + _GIVEN_MODERN_F)
    style = r.randrange(10)
    return [
        f"{sur}○○", f"{sur}**", f"{sur}○{g[-1]}", f"{sur} 모", f"{sur}모",
        f"{sur}OO", f"{sur}XX", f"{sur}*{g[-1]}", f"{sur}△△", f"{sur}●●",
    ][style]


# ---------------------------------------------------------------------------
# Structured identifiers
# ---------------------------------------------------------------------------

def _digits(r: random.Random, k: int) -> str:
    return "".join(str(r.randrange(10)) for _ in range(k))


_RRN_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)


def _rrn_raw(r: random.Random, foreign: bool) -> str:
    year = r.randint(1938, 2023)
    month = r.randint(1, 12)
    day = r.randint(1, 28 if month == 2 else 30)
    male = r.random() < 0.5
    if year < 2000:
        g = (5 if male else 6) if foreign else (1 if male else 2)
    else:
        g = (7 if male else 8) if foreign else (3 if male else 4)
    head = f"{year % 100:02d}{month:02d}{day:02d}{g}{_digits(r, 5)}"
    if year < 2020 and r.random() < 0.8:
        s = sum(int(d) * w for d, w in zip(head, _RRN_WEIGHTS))
        check = (11 - s % 11) % 10
    else:
        check = r.randrange(10)
    return head + str(check)


def _rrn(r: random.Random, foreign: bool = False) -> str:
    d = _rrn_raw(r, foreign)
    a, b = d[:6], d[6:]
    x = r.random()
    if x < 0.55:
        return f"{a}-{b}"
    if x < 0.67:
        return a + b
    if x < 0.73:
        return f"{a} - {b}"
    if x < 0.80:
        return f"{a} {b}"
    if foreign:
        return f"{a}-{b}"
    if x < 0.90:
        return f"{a}-{b[0]}******"
    if x < 0.94:
        return f"{a}-{b[0]}●●●●●●"
    if x < 0.97:
        return f"{a}-{b[0]}xxxxxx"
    return f"{a}－{b}"


def _mobile(r: random.Random) -> str:
    pre = "010" if r.random() < 0.93 else r.choice(["011", "016", "017", "019"])
    mid = _digits(r, 4) if pre == "010" or r.random() < 0.5 else str(r.randint(200, 999))
    last = _digits(r, 4)
    x = r.random()
    if x < 0.52:
        return f"{pre}-{mid}-{last}"
    if x < 0.66:
        return f"{pre}{mid}{last}"
    if x < 0.76:
        return f"{pre} {mid} {last}"
    if x < 0.81:
        return f"{pre}.{mid}.{last}"
    if x < 0.88:
        return f"+82-{pre[1:]}-{mid}-{last}"
    if x < 0.92:
        return f"+82 {pre[1:]} {mid} {last}"
    if x < 0.96:
        return f"({pre}) {mid}-{last}"
    return f"{pre}-{mid}{last}"


_AREA_CODES = ["02", "02", "02", "031", "031", "032", "033", "041", "042", "043", "044",
               "051", "052", "053", "054", "055", "061", "062", "063", "064", "070"]


def _landline(r: random.Random) -> str:
    area = r.choice(_AREA_CODES)
    mid = str(r.randint(200, 999)) if r.random() < 0.4 else str(r.randint(2000, 9999))
    last = _digits(r, 4)
    x = r.random()
    if x < 0.6:
        return f"{area}-{mid}-{last}"
    if x < 0.72:
        return f"{area}){mid}-{last}"
    if x < 0.82:
        return f"({area}) {mid}-{last}"
    if x < 0.92:
        return f"{area}{mid}{last}"
    return f"{area} {mid} {last}"


def _luhn(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


def _card(r: random.Random) -> str:
    prefix = r.choice(["4", "4", "5", "5", "9410", "9430", "6250", "3", "5365"])
    if prefix == "3":
        num = _luhn("37" + _digits(r, 12))
        return f"{num[:4]}-{num[4:10]}-{num[10:]}"
    num = _luhn(prefix + _digits(r, 15 - len(prefix)))
    groups = [num[i:i + 4] for i in range(0, 16, 4)]
    x = r.random()
    if x < 0.5:
        return "-".join(groups)
    if x < 0.65:
        return " ".join(groups)
    if x < 0.75:
        return num
    return f"{groups[0]}-{groups[1][:2]}**-****-{groups[3]}"


# bank name -> (digit groups, fixed leading digits)
_BANKS: list[tuple[str, tuple[int, ...], str]] = [
    ("국민은행", (6, 2, 6), ""), ("KB국민은행", (6, 2, 6), ""), ("신한은행", (3, 3, 6), "110"),
    ("우리은행", (4, 3, 6), "1002"), ("하나은행", (3, 6, 5), ""), ("NH농협은행", (3, 4, 4, 2), "3"),
    ("농협", (6, 2, 6), "35"), ("IBK기업은행", (3, 6, 2, 3), "0"), ("카카오뱅크", (4, 2, 7), "3333"),
    ("토스뱅크", (4, 4, 4), "1000"), ("케이뱅크", (3, 3, 6), "100"), ("우체국", (6, 2, 6), ""),
    ("새마을금고", (4, 2, 6, 1), "9"), ("SC제일은행", (3, 2, 6), ""), ("부산은행", (3, 4, 4, 2), "1"),
    ("iM뱅크", (3, 2, 6, 1), "5"), ("수협은행", (3, 2, 6), ""), ("광주은행", (3, 3, 6), ""),
    ("신협", (3, 3, 6), "13"), ("경남은행", (3, 2, 7), "2"),
]


def _account(r: random.Random, bank: str | None) -> str:
    spec = next((b for b in _BANKS if b[0] == bank), None) or r.choice(_BANKS)
    groups, lead = spec[1], spec[2]
    digits = lead + _digits(r, sum(groups) - len(lead))
    parts, i = [], 0
    for g in groups:
        parts.append(digits[i:i + g])
        i += g
    x = r.random()
    if x < 0.75:
        return "-".join(parts)
    if x < 0.92:
        return digits
    return " ".join(parts)


_MAIL_DOMAINS = ["naver.com", "naver.com", "gmail.com", "gmail.com", "daum.net", "hanmail.net",
                 "kakao.com", "nate.com", "hotmail.com", "icloud.com", "korea.kr",
                 "hanbit-ins.co.kr", "mirae-sonsa.co.kr", "snuh-mail.org"]
_MAIL_WORDS = ["happy", "sky", "blue", "sunny", "mom", "dream", "star", "love", "lucky",
               "green", "moon", "tiger", "bear", "rose", "ocean", "gold"]


def _email(r: random.Random, person: _Person | None) -> str:
    if person is not None and not person.foreign and r.random() < 0.7:
        sur = (_SURNAME_ROMAN.get(person.sur) or "".join(_rom_syllable(c) for c in person.sur)).lower()
        given = "".join(_rom_syllable(c) for c in person.given)
        initials = "".join(_rom_syllable(c)[0] for c in person.given if _rom_syllable(c))
        local = r.choice([
            f"{given}.{sur}", f"{sur}{given}", f"{sur}_{given}{r.randint(1, 99)}",
            f"{sur}{initials}{r.randint(70, 99)}", f"{given}{r.randint(1000, 9999)}",
            f"{initials}{sur}{r.randint(1, 9)}",
        ])
    else:
        local = r.choice(_MAIL_WORDS) + r.choice(["", "_", "."]) + r.choice(_MAIL_WORDS) + str(r.randint(1, 999))
    return f"{local}@{r.choice(_MAIL_DOMAINS)}"


def _chart(r: random.Random) -> str:
    x = r.random()
    if x < 0.4:
        return _digits(r, 8)
    if x < 0.6:
        return "00" + _digits(r, 8)
    if x < 0.75:
        return "R" + _digits(r, 7)
    if x < 0.88:
        return f"{r.randint(2015, 2025)}-{_digits(r, 6)}"
    return f"H-{_digits(r, 7)}"


def _hin(r: random.Random) -> str:
    d = str(r.randint(1, 9)) + _digits(r, 10)
    x = r.random()
    if x < 0.5:
        return d
    if x < 0.8:
        return f"{d[0]}-{d[1:]}"
    return f"{d[:5]}-{d[5:]}"


def _licence(r: random.Random, kind: str) -> str:
    if kind == "lic":
        return str(r.randint(10000, 149999))
    if kind == "nlic":
        return str(r.randint(100000, 499999))
    if kind == "klic":
        return str(r.randint(1000, 29999))
    return str(r.randint(1000, 39999))  # 전문의 자격번호


_DL_REGIONS = ["서울", "부산", "경기", "강원", "충북", "충남", "전남", "경북", "경남", "제주", "대구", "인천"]


def _driver_licence(r: random.Random) -> str:
    reg = r.randint(11, 28)
    yy = f"{r.randint(0, 99):02d}"
    six, two = _digits(r, 6), _digits(r, 2)
    x = r.random()
    if x < 0.6:
        return f"{reg}-{yy}-{six}-{two}"
    if x < 0.75:
        return f"{reg}{yy}{six}{two}"
    if x < 0.9:
        return f"{r.choice(_DL_REGIONS)} {yy}-{six}-{two}"
    return f"{reg} {yy} {six} {two}"


def _passport(r: random.Random) -> str:
    lead = "M" if r.random() < 0.8 else r.choice("SROD")
    if r.random() < 0.6:
        return lead + _digits(r, 8)
    return f"{lead}{_digits(r, 3)}{r.choice('ABCDEFGHJK')}{_digits(r, 4)}"


_PLATE_HANGUL = list("가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주아바사자배허하호")
_PLATE_REGIONS = ["서울", "경기", "부산", "인천", "대구", "대전", "광주", "울산", "충북", "전북", "경남", "제주"]


def _vehicle(r: random.Random) -> str:
    h = r.choice(_PLATE_HANGUL)
    last = _digits(r, 4)
    x = r.random()
    if x < 0.45:
        return f"{r.randint(10, 99)}{h}{last}"
    if x < 0.75:
        return f"{r.randint(100, 399)}{h}{last}"
    if x < 0.88:
        return f"{r.choice(_PLATE_REGIONS)}{r.randint(10, 99)}{h}{last}"
    return f"{r.randint(10, 399)}{h} {last}"


def _ip(r: random.Random) -> str:
    x = r.random()
    if x < 0.35:
        return f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"
    if x < 0.5:
        return f"192.168.{r.randint(0, 255)}.{r.randint(1, 254)}"
    return f"{r.choice([1, 14, 27, 39, 58, 61, 106, 112, 118, 121, 175, 183, 211, 222])}." \
           f"{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"


def _policy(r: random.Random) -> str:
    x = r.random()
    if x < 0.25:
        return f"{r.randint(2008, 2025)}-{_digits(r, 7)}"
    if x < 0.45:
        return "L" + _digits(r, 10)
    if x < 0.6:
        return f"{r.choice(['AB', 'LA', 'KT', 'HC'])}{_digits(r, 8)}"
    if x < 0.8:
        return f"{r.randint(2008, 2025)}{_digits(r, 8)}"
    return f"P-{r.randint(2010, 2025)}-{_digits(r, 6)}"


# ---------------------------------------------------------------------------
# Addresses
# ---------------------------------------------------------------------------

_SIDO: list[tuple[str, str, list[str]]] = [
    ("서울특별시", "서울", ["강남구", "마포구", "노원구", "송파구", "관악구", "은평구", "중랑구", "강서구", "성북구", "동작구"]),
    ("부산광역시", "부산", ["해운대구", "사하구", "동래구", "북구", "수영구", "부산진구"]),
    ("대구광역시", "대구", ["수성구", "달서구", "북구"]),
    ("인천광역시", "인천", ["남동구", "부평구", "연수구", "미추홀구"]),
    ("광주광역시", "광주", ["북구", "광산구", "서구"]),
    ("대전광역시", "대전", ["유성구", "서구", "중구"]),
    ("울산광역시", "울산", ["남구", "중구", "울주군"]),
    ("세종특별자치시", "세종", [""]),
    ("경기도", "경기", ["수원시 영통구", "성남시 분당구", "고양시 일산동구", "용인시 수지구", "부천시",
                       "안산시 단원구", "화성시", "평택시", "의정부시", "남양주시", "파주시", "김포시"]),
    ("강원특별자치도", "강원", ["춘천시", "원주시", "강릉시"]),
    ("충청북도", "충북", ["청주시 흥덕구", "충주시", "제천시"]),
    ("충청남도", "충남", ["천안시 서북구", "아산시", "서산시"]),
    ("전북특별자치도", "전북", ["전주시 완산구", "군산시", "익산시"]),
    ("전라남도", "전남", ["여수시", "순천시", "목포시"]),
    ("경상북도", "경북", ["포항시 남구", "구미시", "경주시", "안동시"]),
    ("경상남도", "경남", ["창원시 성산구", "김해시", "진주시", "양산시"]),
    ("제주특별자치도", "제주", ["제주시", "서귀포시"]),
]
_ROADS = ("중앙로 시청로 대학로 평화로 번영로 문화로 한빛로 새싹길 배나무길 은행로 해오름로 솔밭길 "
          "학교길 버들로 푸른숲길 꽃마을로 장터길 매화로 가로수길 호수로 강변로 동산길 역전로 "
          "달빛로 느티나무길 청솔로 새말로").split()
_LDONGS = ("중앙동 신흥동 남산동 송정동 명륜동 월평동 산본동 장안동 청담동 인계동 대화동 정자동 "
           "송도동 구월동 봉선동 둔산동 삼산동 노형동 상동 중동 효자동 우산동 덕천동 만덕동 신월동").split()
_APTS = ("래미안 힐스테이트 푸르지오 자이 아이파크 e편한세상 롯데캐슬 더샵 주공 현대 삼익 우성 "
         "벽산 한빛마을 푸른마을 햇빛마을 은하수마을 두산위브").split()
_RURAL: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("전라남도", "해남군", [("송지면", "송호리"), ("황산면", "관춘리")]),
    ("경상북도", "의성군", [("의성읍", "중리리"), ("안계면", "용기리")]),
    ("충청남도", "홍성군", [("홍북읍", "신경리"), ("광천읍", "옹암리")]),
    ("강원특별자치도", "정선군", [("사북읍", "사북리"), ("임계면", "송계리")]),
    ("경상남도", "합천군", [("가야면", "야천리"), ("묘산면", "화양리")]),
    ("전북특별자치도", "고창군", [("고창읍", "읍내리"), ("무장면", "성내리")]),
]


def _address(r: random.Random) -> str:
    x = r.random()
    if x < 0.1:
        sido, gun, places = r.choice(_RURAL)
        myeon, ri = r.choice(places)
        return f"{sido} {gun} {myeon} {ri} {r.randint(1, 999)}" + r.choice(["", f"-{r.randint(1, 9)}"])
    full, short, sgg = r.choice(_SIDO)
    sido = short if r.random() < 0.3 else full
    gu = r.choice(sgg)
    head = f"{sido} {gu}".strip() if gu else sido
    dong, ho = r.randint(101, 125), r.randint(1, 25) * 100 + r.randint(1, 8)
    apt = r.choice(_APTS)
    if x < 0.65:
        road = r.choice(_ROADS)
        if r.random() < 0.3:
            road = f"{road}{r.randint(1, 80)}번길"
        base = f"{head} {road} {r.randint(1, 350)}"
        detail = r.choice([
            "", f", {dong}동 {ho}호", f" {r.randint(2, 12)}층", f", {r.randint(1, 5)}0{r.randint(1, 9)}호",
            f" ({r.choice(_LDONGS)})", f", {dong}동 {ho}호 ({r.choice(_LDONGS)}, {apt}아파트)",
            f" {apt} {dong}동 {ho}호",
        ])
        return base + detail
    base = f"{head} {r.choice(_LDONGS)} {r.randint(1, 1500)}" + r.choice(["", f"-{r.randint(1, 40)}"])
    detail = r.choice(["", f" {apt}아파트 {dong}동 {ho}호", f" {r.choice(['하늘빌', '청솔빌라', '그린하우스', '미소빌라'])} {r.randint(1, 4)}0{r.randint(1, 6)}호",
                       f" {r.randint(2, 5)}층"])
    return base + detail


# ---------------------------------------------------------------------------
# Hard negatives
# ---------------------------------------------------------------------------

# Medical words that begin with a syllable that is also a surname.
_MED_DX = (
    "안검하수 황달 방광염 신우신염 장염 고지혈증 백내장 하지정맥류 오십견 육아종 이명 이석증 "
    "이하선염 이상지질혈증 이형성증 이물감 정맥염 정계정맥류 강직성척추염 조현병 조갑진균증 "
    "윤활막염 장폐색 장중첩증 임파부종 한포진 오심 오한 오연성폐렴 서맥 서혜부탈장 신부전 "
    "신장결석 신경병증 신증후군 신경초종 권태감 황반변성 황체낭종 안구건조증 안와골절 "
    "안면마비 안검내반 유방암 유두종 유착성관절낭염 유선염 유당불내증 류마티스관절염 "
    "전립선비대증 전정신경염 전신홍반루푸스 홍반 홍역 홍채염 고혈압 고막천공 고환염 "
    "고칼륨혈증 고요산혈증 문맥압항진증 양성종양 손목터널증후군 배뇨장애 배꼽탈장 백혈병 "
    "백반증 백일해 허리디스크 허혈성심질환 허혈성대장염 심근경색 심방세동 심부전 심낭삼출 "
    "심내막염 노인성난청 노로바이러스장염 하지불안증후군 하악골절 성대결절 우울증 구내염 "
    "구순염 구강건조증 구획증후군 진폐증 진균감염 지방간 지루성피부염 지주막하출혈 지방종 "
    "원형탈모 원추각막 천식 방실차단 공황장애 공막염 현훈 변비 변실금 염좌 추간판탈출증 "
    "추체골절 소화성궤양 소뇌경색 석회성건염 선근증 설사 마미증후군 연하곤란 연부조직염 "
    "연골연화증 위염 위궤양 위식도역류 표피낭종 기흉 기관지염 기립성저혈압 반월상연골파열 "
    "반흔 육종 인대파열 인후두염 맹장염 모낭염 편도선염 편두통 용혈성빈혈 경추염좌 경련 "
    "봉와직염 사구체신염 부정맥 부비동염 가성통풍 복막염 태반조기박리 두드러기 두통 빈혈 "
    "빈맥 동맥경화 동결견 호흡곤란 화상 승모판역류 장티푸스 임신성당뇨 정맥류 제대탈장 "
    "계류유산 피부염 음낭수종 어지럼증 남성형탈모 추간공협착 주두골절 경골골절 채찍손상 "
    "도파민결핍 탁한소변 팽만감"
).split()
_MED_ANAT = (
    "임파선 전립선 이하선 이첨판 정중신경 정수리 정낭 장간막 장골 장요근 윤상연골 오금 "
    "오훼돌기 서혜부 송과선 유방 유문 전방십자인대 전완부 전두엽 고관절 고막 문맥 양막 "
    "손목 배꼽 하악 하대정맥 성장판 주관절 우심실 구개 지주막 엄지손가락 원위요골 천장관절 "
    "천골 방광 공장 추간판 소장 소뇌 설하선 연골 위장 기관지 반월상연골 인대 맹장 모세혈관 "
    "편도 경추 경동맥 부신 부갑상선 복강 두개골 동맥 안와 안검 황반 심낭 신장 요추 요골"
).split()
_MED_PX = (
    "조영술 장내시경 위내시경 조직검사 심전도 심초음파 신경전도검사 신경차단술 안저검사 "
    "안압검사 유방촬영술 양전자단층촬영 양수천자 전신마취 정관수술 정맥주사 정중절개 "
    "복강경수술 복수천자 방광내시경 방사선치료 도뇨관삽입 도플러검사 기관절개술 기관삽관 "
    "채혈 지혈 봉합술 편도절제술 용종절제술 제왕절개 인공관절치환술 국소마취 진정내시경 "
    "경막외주사 추궁절제술 온열치료 관절경검사 골밀도검사 심도자술 심폐소생술 도수치료 "
    "주사치료 신장투석 경피적신경성형술 고주파열치료"
).split()
MEDICAL_LOOKALIKES: tuple[str, ...] = tuple(dict.fromkeys(_MED_DX + _MED_ANAT + _MED_PX))

_KCD: list[tuple[str, str]] = [
    ("S82.20", "경골 간부의 골절"), ("S52.50", "요골 하단의 골절"), ("M51.2", "요추 추간판 탈출증"),
    ("M50.2", "경추 추간판 장애"), ("M75.0", "유착성 피막염"), ("M75.1", "회전근개 파열"),
    ("M17.1", "원발성 무릎관절증"), ("S83.2", "반월상연골 파열"), ("S93.4", "발목 염좌"),
    ("K35.8", "급성 충수염"), ("K80.2", "담낭결석"), ("K29.7", "위염"), ("K52.9", "장염"),
    ("K57.3", "대장 게실"), ("K63.5", "대장 용종"), ("K21.0", "위식도역류병"), ("J18.9", "폐렴"),
    ("J20.9", "급성 기관지염"), ("J45.9", "천식"), ("I10", "본태성 고혈압"), ("I21.9", "급성 심근경색증"),
    ("I48.9", "심방세동"), ("I63.9", "뇌경색증"), ("I83.9", "하지정맥류"), ("E11.9", "제2형 당뇨병"),
    ("E78.5", "고지혈증"), ("E05.9", "갑상선중독증"), ("N30.0", "급성 방광염"), ("N10", "급성 신우신염"),
    ("N40", "전립선증식증"), ("N20.0", "신장결석"), ("H25.9", "노년백내장"), ("H02.4", "안검하수"),
    ("H81.1", "양성 돌발성 현기증"), ("H66.9", "중이염"), ("C50.9", "유방의 악성 신생물"),
    ("C16.9", "위의 악성 신생물"), ("C73", "갑상선의 악성 신생물"), ("C18.7", "구불결장의 악성 신생물"),
    ("D12.6", "대장의 양성 신생물"), ("O82.0", "제왕절개에 의한 분만"), ("P59.9", "신생아 황달"),
    ("L03.1", "봉와직염"), ("G56.0", "손목터널증후군"), ("F32.9", "우울에피소드"),
    ("A09.9", "감염성 위장염"), ("R10.4", "상세불명의 복통"), ("S06.0", "뇌진탕"), ("T14.0", "표재성 손상"),
    ("S42.20", "상완골 상단의 골절"), ("M54.5", "요통"), ("K40.9", "서혜부탈장"),
]
_EDI: list[tuple[str, str]] = [
    ("N2072", "관절경하 반월상연골 부분절제술"), ("N0603", "회전근개 봉합술"), ("N2712", "인공슬관절 전치환술"),
    ("N0471", "요추 추간판 절제술"), ("Q7571", "복강경하 담낭절제술"), ("Q2861", "충수절제술"),
    ("S5119", "수정체유화술 및 인공수정체 삽입술"), ("S5210", "안검하수 교정술"),
    ("Q2700", "내시경적 점막하박리술"), ("Q7701", "대장 용종절제술"), ("R4507", "제왕절개만출술"),
    ("P4561", "갑상선 전절제술"), ("O2070", "하지정맥류 고주파 폐쇄술"), ("R3960", "경요도 전립선 절제술"),
    ("Q2431", "치핵근치술"), ("N0993", "골절 관혈적 정복술"), ("Q4241", "편도절제술"),
    ("E7611", "위내시경"), ("E7660", "대장내시경"), ("HE135", "흉부 CT"), ("HI101", "요추 MRI"),
    ("EB411", "심장 초음파"), ("MM105", "도수치료"), ("KK052", "체외충격파치료"), ("LA221", "신경차단술"),
]
_DEPTS = ("정형외과 신경외과 내과 소화기내과 순환기내과 호흡기내과 신장내과 내분비내과 감염내과 "
          "외과 흉부외과 성형외과 산부인과 비뇨의학과 안과 이비인후과 피부과 재활의학과 "
          "마취통증의학과 영상의학과 진단검사의학과 응급의학과 정신건강의학과 신경과 가정의학과 "
          "소아청소년과 한방내과 침구과 류마티스내과 혈액종양내과").split()
_DRUGS = [
    "타이레놀8시간이알서방정 650mg", "세레콕시브캡슐 200mg", "아목시실린캡슐 500mg", "판토프라졸정 40mg",
    "메트포르민정 500mg", "로수바스타틴정 10mg", "트라마돌캡슐 50mg", "에페리손정 50mg", "레보플록사신정 500mg",
    "세프트리악손주 1g", "케토롤락주 30mg", "덱사메타손주 5mg", "프레드니솔론정 5mg", "와파린정 2mg",
    "아스피린장용정 100mg", "클로피도그렐정 75mg", "암로디핀정 5mg", "이부프로펜정 400mg", "이트라코나졸캡슐",
    "모사프리드정 5mg", "레바미피드정 100mg", "가바펜틴캡슐 300mg", "프레가발린캡슐 75mg", "인슐린글라진주",
    "세파클러캡슐 250mg", "조피스타정 100mg", "신바로캡슐", "유한짓정", "노르믹스정", "헤파린주 5000IU",
]
_BIG_HOSPITALS = [
    "서울대학교병원", "세브란스병원", "삼성서울병원", "서울아산병원", "서울성모병원", "분당서울대학교병원",
    "고려대학교안암병원", "한양대학교병원", "경희대학교병원", "부산대학교병원", "전남대학교병원",
    "충남대학교병원", "경북대학교병원", "인하대학교병원", "아주대학교병원", "국민건강보험 일산병원",
    "서울특별시보라매병원", "강북삼성병원", "이대목동병원", "중앙대학교병원", "원주세브란스기독병원",
    "제주한라병원", "양산부산대학교병원", "순천향대학교 부천병원",
]
_PLACE_WORDS = ["튼튼", "밝은", "바른", "참", "새", "365", "연세", "서울", "우리", "하나", "맑은눈",
                "본", "든든", "힘찬", "늘봄", "강남", "해운대", "수원", "일산", "온누리"]
_CLINIC_TYPES = ["정형외과의원", "내과의원", "이비인후과의원", "소아청소년과의원", "안과의원", "재활의학과의원",
                 "신경외과의원", "산부인과의원", "피부과의원", "비뇨의학과의원", "병원", "정형외과병원",
                 "요양병원", "한의원", "마취통증의학과의원", "가정의학과의원"]
_INSURERS = ["삼성화재", "현대해상", "DB손해보험", "KB손해보험", "메리츠화재", "한화손해보험", "롯데손해보험",
             "흥국화재", "NH농협손해보험", "MG손해보험", "삼성생명", "한화생명", "교보생명", "신한라이프",
             "동양생명", "미래에셋생명", "라이나생명", "AIA생명", "KDB생명", "하나생명", "NH농협생명"]
_ROLE_WORDS = ["담당의", "보호자", "환자", "주치의", "집도의", "피보험자", "수익자", "계약자", "신청인",
               "간호사", "조사자", "예금주", "수임인", "위임인", "상담사", "원장", "전공의", "당직의"]


def _lab(r: random.Random) -> str:
    k = r.randrange(18)
    u = r.uniform
    return [
        f"Hb {u(7.5, 16.5):.1f} g/dL", f"WBC {r.randint(3, 19)},{r.randint(0, 9)}00/μL",
        f"CRP {u(0.1, 18):.2f} mg/dL", f"AST/ALT {r.randint(15, 140)}/{r.randint(10, 160)}",
        f"HbA1c {u(5.2, 11.5):.1f}%", f"Cr {u(0.5, 3.5):.2f} mg/dL", f"eGFR {r.randint(18, 110)}",
        f"PLT {r.randint(60, 450)}K", f"ESR {r.randint(3, 90)} mm/hr", f"Na {r.randint(126, 146)} mEq/L",
        f"K {u(3.0, 6.2):.1f} mEq/L", f"BUN {r.randint(7, 60)} mg/dL", f"공복혈당 {r.randint(80, 260)} mg/dL",
        f"LDL {r.randint(60, 220)} mg/dL", f"TSH {u(0.05, 9.5):.2f} μIU/mL", f"PSA {u(0.2, 15):.1f} ng/mL",
        f"SpO2 {r.randint(86, 100)}%", f"PT INR {u(0.9, 3.4):.2f}",
    ][k]


def _amount(r: random.Random) -> str:
    v = r.choice([r.randint(1, 99) * 1000, r.randint(10, 999) * 1000, r.randint(100, 9999) * 1000,
                  r.randint(1000, 99999) * 10])
    x = r.random()
    if x < 0.55:
        return f"{v:,}원"
    if x < 0.7:
        return f"금 {v:,}원"
    if x < 0.8:
        return f"₩{v:,}"
    if x < 0.9 and v % 10000 == 0:
        return f"{v // 10000}만원"
    return f"{v:,}"


def _date(day: date, style: float) -> str:
    y, m, d = day.year, day.month, day.day
    x = style
    if x < 0.35:
        return f"{y}.{m:02d}.{d:02d}"
    if x < 0.6:
        return f"{y}-{m:02d}-{d:02d}"
    if x < 0.75:
        return f"{y}년 {m}월 {d}일"
    if x < 0.85:
        return f"{y % 100:02d}.{m:02d}.{d:02d}"
    if x < 0.93:
        return f"{m}월 {d}일"
    return f"{y}{m:02d}{d:02d}"


def _repno(r: random.Random) -> str:
    return f"{r.choice(['1588', '1577', '1544', '1566', '1600', '1644', '1899', '1661'])}-{_digits(r, 4)}"


# ---------------------------------------------------------------------------
# Templates
# ---------------------------------------------------------------------------
# Slot syntax inside a template: ``{slot.mod:particle}``.
#   person roles: p p2 g g2 g3 d d2 n n2 s s2 a c w w2 o o2 om (older woman)
#     of (older man) kid (child) f f2 (foreign). mod: g (given name), sp (letter-spaced),
#     rom (romanised). particle: a key of _PARTICLES, 으로/로, ~X (서연이가), or literal.
#   identifiers: rrn frn mob tel phone card acct email addr chart hin lic nlic klic spec
#     dl pp veh ip pol
#   keeps: kcd dx edi op amt amtnum date hosp hospn dept drug lab mdx man mpx mask ins
#     repno bank role; ``{=text}`` keeps a literal text.
#   plain: age num time ts dob hex port mm yy; ``{|a|b|c}`` picks one literal.
# ``⦃`` and ``⦄`` stand for literal braces (JSON).

_T: list[tuple[str, str]] = [
    # 진단서
    ("진단서", "진 단 서  환자성명 {p}  주민등록번호 {rrn}  주소 {addr}  병명 {dx} ({kcd}) 임상적 추정  발병일 {date} 진단일 {date}  의사면허 제 {lic} 호  의사 {d} (인)  {hosp}"),
    ("진단서", "위 환자 {p:은} {date} 본원 {dept}에 내원하여 {dx}({kcd}) 진단받았으며 향후 {num}주간 안정 가료를 요함. 발행일 {date} {hosp} {dept} 전문의 {d} 면허번호 {lic}"),
    ("진단서", "진단서 재발급 요청 건: 환자 {p}(등록번호 {chart}) 최초 진단일 {date}, 주상병 {kcd} {dx}, {mdx} 동반, 담당 {d} 과장님 확인 후 발급 예정"),
    ("진단서", "[진단서] 성명:{p} 성별:{|남|여} 연령:만 {age}세 연락처:{phone} 진단명:{dx} 코드:{kcd} 향후치료의견: {mpx} 필요 가능성 있음 작성의사 {d} {|(서명)|(인)|서명}"),
    ("진단서", "상기인 {p:은} {date} 발생한 사고로 {dx} 진단 하에 치료 중임을 증명함. 의사 {d}, 의사면허번호 {lic}, 전문의자격 제{spec}호"),
    ("진단서", "진단서 수정 요청 - 환자분({p}) 말씀으론 {mdx:이} 아니라 {mdx:으로} 들었다고 하심, {d} 원장님 확인 부탁드립니다"),
    ("진단서", "진단서 발급 수수료 {amt}, 환자명 {mask}, 상병코드 {kcd} {dx}, {role} 서명란 공란으로 재발행 필요"),
    ("진단서", "{hosp} 진단서 양식 변경 안내: {kcd} 등 상병코드 필수 기재, {=임상적 추정} 또는 {=최종 진단} 체크, 발급일 {date}"),
    # 소견서
    ("소견서", "소견서 - {p} 님은 {mdx:으로} {date}부터 본과에서 외래 추적 중이며 최근 {lab} 소견 보여 상급병원 진료 권유드립니다. {hospn} {d} 드림"),
    ("소견서", "환자 {p} ({|남|여}, {age}세) 내원 시 {mdx} 및 {mdx} 호소. 이학적 검사상 특이 소견 없고 {mpx} 시행 권함. 소견 작성 {d} 원장"),
    ("소견서", "본 소견서는 보험사 제출용으로 {p:의} 요청에 따라 작성함 / 진단 {kcd} / 경과 양호 / 담당의 {d} / 면허 {lic}"),
    ("소견서", "의사소견서(장기요양) 수급 신청인 {om} 여사님 {oage}세, {mdx} 후유증으로 보행 시 보조 필요, 주보호자 {g}({|아들|딸|며느리}) 연락 {mob}"),
    ("소견서", "소견: {mdx} 의심되나 {mpx}상 이상 소견 없음. {man} 압통 경미. {role} 판단 하 경과관찰"),
    ("소견서", "상기 환자는 {man} 부위 {mdx:으로} {mpx} 받았으며 {num}주 후 재평가 필요함 ({dept})"),
    # 수술기록
    ("수술기록", "수술기록지 환자명 {p} 등록번호 {chart} 수술일 {date} 수술명 {op} ({edi}) 집도의 {d} 보조의 {d2} 마취 {|전신마취|척추마취|국소마취} 마취의 {o}"),
    ("수술기록", "집도의는 {d}, 1st assist {d2}. {man} 부위 절개 후 {op} 시행함, EBL {num}0cc, 특이 합병증 없음. 간호사 {n} 카운트 확인"),
    ("수술기록", "OP note) pt {p} {age}/{|M|F}, Dx {kcd} {dx}, Op {op}, surgeon {d.rom}, anesthesia GA, {mdx} r/o 했으나 육안상 소견 없음"),
    ("수술기록", "수술확인서: 위 환자 {p}에게 {date} {op:을} 시행하였음을 확인합니다. 수술코드 {edi} 주치의 {d} (의사면허 {lic})"),
    ("수술기록", "수술 중 {man} 유착 심하여 {mpx} 추가, 집도의 {d} 교수님 판단으로 보호자 {g}에게 수술 중 설명함"),
    ("수술기록", "수술 전 체크리스트: 금식 확인, {drug} 중단 {num}일 경과, 동의서 서명({role}) 완료, {mpx} 결과 첨부"),
    ("수술기록", "수술명 {op} ({edi}) / 수술시간 {num}시간 {|10|20|30|40|50}분 / 출혈량 소량 / {man} 손상 없음 / 집도의 서명 생략"),
    # 간호기록
    ("간호기록", "{time} 환자 {p}님 {mdx} 호소하여 당직의 {d} 선생님께 notify함, {drug} IV 투여 후 관찰함 - RN {n}"),
    ("간호기록", "보호자인 {|딸|아들|배우자|며느리} {g:이} 면회 와서 퇴원 일정 문의함. {dept} 주치의 회진 시 설명 예정이라 안내함. 간호사 {n} 확인"),
    ("간호기록", "{time} V/S 측정 BP {|100|110|120|130|140|150|160}/{|60|70|80|90} HR {|72|88|96|104} BT {|36.8|37.4|37.9|38.3} 환자 {p} 오한 있음 {lab}, 간호사 {n:이} {d} 교수님께 보고함"),
    ("간호기록", "낙상고위험 환자 {p}({|남|여}/{age}) 침상난간 올림 교육함, 보호자 {g}에게도 설명함({mdx} 병력). 인계자 {n} → 인수자 {n2}"),
    ("간호기록", "환자분께서 '{g.g:~가} 오면 같이 설명 들을게요' 하심. {man} 드레싱 시행, 삼출물 소량. {n} 간호사"),
    ("간호기록", "간호사 {n} 확인: {p} 환자 {drug} 투약 후 {mdx} 증상 없음, 면허번호 {nlic}"),
    ("간호기록", "{time} 담당 간호사 라운딩, 환자 수면 중, {mdx} 호소 없음. {drug} 투약 완료, {role} 상주"),
    ("간호기록", "{time} {man} 부위 {mdx} 관찰됨, {lab}, 당직의 notify 후 {drug} 투여함"),
    # 경과기록
    ("경과기록", "POD#{num} {p} 환자 {mdx} 호전 중, {lab}, 내일 {mpx} f/u 예정 (주치의 {d}, 전공의 {d2})"),
    ("경과기록", "S) 어제보다 덜 아파요 O) {man} tenderness(-) {lab} A) {dx} {kcd} P) {drug} 유지, {d} 과장님과 상의 후 퇴원 고려"),
    ("경과기록", "경과: {p:은} {date} 입원 후 {mpx} 시행하였고 {mdx} 소견 확인됨. 가족({|남편|아내|아들|딸} {g})에게 결과 설명함"),
    ("경과기록", "{d} 교수님 회진: {p} 님 {mdx} 재발 가능성 설명, {drug} 증량. 담당 전공의 {d2}"),
    ("경과기록", "환자 {p:이었고} 보호자는 {g:이었다}. {mdx} 경과 관찰 중 {lab}"),
    ("경과기록", "경과기록: {mdx} 호전, {lab}, {drug} 감량. 회진 후 {mpx} 일정 조정, 환자 및 보호자에게 설명함"),
    # 퇴원요약
    ("퇴원요약", "퇴원요약 | 환자 {p} | 등록번호 {chart} | 입원 {date} ~ 퇴원 {date} | 주진단 {kcd} {dx} | 시행처치 {op} | 퇴원약 {drug} | 주치의 {d}"),
    ("퇴원요약", "{p} 님은 {dx:으로} 입원하여 {op} 후 합병증 없이 퇴원함. 외래 {date} {dept} {d} 선생님 예약, 퇴원 후 연락처 {mob}(보호자 {g})"),
    ("퇴원요약", "Discharge summary: {p.rom}, {age}{|M|F}, admitted {date} for {dx}, underwent {op}, discharged in stable condition. Attending {d.rom}, MRN {chart}"),
    ("퇴원요약", "퇴원 시 교육: {mdx} 증상 재발 시 응급실 내원하도록 설명, 보호자 {g:와} 함께 들음. 퇴원 처방 {drug} {num}일분, 담당간호사 {n}"),
    ("퇴원요약", "퇴원요약: 입원 {date}, 퇴원 {date}, 주진단 {kcd} {dx}, {mpx} 시행, 퇴원약 {drug}, 환자명 {mask}"),
    # 응급실
    ("응급실", "ER) {time} 119 통해 내원한 {p}({|남|여}/{age}) {mdx} c/c, 보호자 {g} 동반, 연락처 {mob}, 응급의학과 {d} 진료"),
    ("응급실", "응급실 기록: 환자는 {date} {time}경 {|계단에서 넘어짐|자전거 타다 넘어짐|주방에서 미끄러짐} 후 {man} 통증 호소, 동행한 {|친구|직장동료|이웃} {w:이} 목격함"),
    ("응급실", "신원미상 남자 환자로 접수 후 {time} 보호자 확인되어 {p}(주민번호 {rrn})로 정정, 배우자 {g} 내원, {mdx} 의심"),
    ("응급실", "KTAS {num} / {p} / {mdx} / {lab} / 당직 {d} 선생님 → {dept} 협진 의뢰"),
    ("응급실", "응급실 내원 환자 {mask}, {mdx} 주호소, {mpx} 시행, {role} 연락 안 됨, 원무과 통보"),
    ("응급실", "{time} 응급실 도착, {man} 열상 {num}cm, {mpx} 시행 후 {drug} 처방, 귀가 교육"),
    # 협진
    ("협진", "협진의뢰: {dept} → {dept} / 환자 {p} / {mdx} 동반되어 평가 부탁드립니다. 의뢰의 {d} 드림"),
    ("협진", "협진회신: 의뢰하신 {p} 환자 {mpx}상 {mdx} 소견으로 {drug} 추가 권유드립니다. 회신의 {d2} 교수"),
    ("협진", "{d} 선생님께, 환자 {p:은} {kcd} 진단 하 입원 중이며 {mdx} 의심되어 협진 의뢰드립니다. 감사합니다."),
    ("협진", "회신) {d2}: 환자분 {man} 쪽 이상 없습니다, {d} 선생님 참고 바랍니다"),
    ("협진", "협진 의뢰 회신 지연, {dept} 당직 연락 요망, {mdx} 평가 필요, {role} 재요청 예정"),
    # 처방전
    ("처방전", "처방전 교부번호 {num}{num}{num}{num}{num} 환자성명 {p} 주민번호 {rrn} 의료기관 {hosp} 처방의 {d} 면허종별 의사 면허번호 {lic} {drug} 1일 {num}회 {num}일분"),
    ("처방전", "원외처방: {p} / {drug}, {drug} / 조제약사 {o} / 처방의 {d}"),
    ("처방전", "{p} 님 {drug} 복용 후 {mdx} 생겨서 {drug:으로} 변경 처방함 ({d})"),
    ("처방전", "한방 처방: 환자 {p}, {|쌍화탕|갈근탕|작약감초탕|반하사심탕} {num}첩, {dept} 한의사 {d} (한의사 면허번호 {klic})"),
    ("처방전", "처방 변경 안내: {drug} 품절로 {drug:으로} 대체, 환자명 {mask}, 처방의 확인 필요"),
    # 검사결과지
    ("검사결과", "검사결과지 {p} ({|M|F}/{age}) 등록번호 {chart} 채혈일 {date} {lab} {lab} {lab} 판독: {d}"),
    ("검사결과", "{mpx} 결과: {mdx} 의심 소견, 판독의 {d}, 의뢰의 {d2}, 환자 {p}"),
    ("검사결과", "영상판독 - {p} / {date} / {|Chest PA|L-spine MRI|Brain CT|Abdomen US|Knee MRI} : {mdx} 소견, 이전 {date} 검사 대비 변화 없음 (판독 {d} 전문의 {spec})"),
    ("검사결과", "병리 보고: 검체 {man} 조직, 진단 {dx} ({kcd}), 환자 {p.sp}, 병리의 {d}"),
    ("검사결과", "결과: {lab}, {lab}, 참고치 이내. {mpx} 재검 권고. 판독의 서명 생략"),
    ("검사결과", "{mpx}상 {man} 주변 {mdx} 소견 없음, {lab}"),
    # 보험금 청구서
    ("청구서", "보험금 청구서 피보험자 {p} 주민등록번호 {rrn} 연락처 {mob} 청구사유 {dx} 입원 사고일 {date} 수익자 {p} 계좌 {bank} {acct} 예금주 {p}"),
    ("청구서", "청구인(수익자) {g} / 피보험자와의 관계: {|부|모|배우자|자녀} / 피보험자 {p} / 증권번호 {pol} / 이메일 {email} / 청구금액 {amt}"),
    ("청구서", "본인 {p:은} {ins} 실손보험 청구를 위해 진료비 영수증 {amt} 및 세부내역서를 제출합니다. 연락 가능 번호 {phone} 주소 {addr}"),
    ("청구서", "청구서 OCR: 성 명 {p.sp}  주민번호 {rrn}  휴대폰 {mob}  주 소 {addr}  청구금액 {amt}"),
    ("청구서", "[간편청구] 피보험자 {p}, 계약자 {g}, 증권 {pol}, 진료기관 {hosp}, 진료일 {date}, 입금계좌 {bank} {acct}"),
    ("청구서", "신청인 {p} (인)  {date}  {ins} 귀중"),
    ("청구서", "청구서 미비: 진단서 원본 누락, {kcd} 코드 확인 불가, 청구금액 {amt}, 피보험자 {mask}, 보완 요청 예정"),
    # 사고조사
    ("사고조사", "현장조사 보고: {date} {time}경 {addr} 앞 횡단보도에서 {p}({age}세) {|보행 중|자전거 운행 중} {veh} 차량과 접촉. 운전자 {o}, 목격자 {w} 진술 확보"),
    ("사고조사", "조사자 {a:은} {date} 피보험자 {p:의} 거주지({addr})를 방문하여 면담하였고 배우자 {g:도} 동석함. 특이사항: {mdx} 기왕력 있음"),
    ("사고조사", "병원 조사: {hosp} 원무과 {s} 주임 통해 {p} 진료기록 열람 동의 확인, 초진일 {date}, 상병 {kcd}"),
    ("사고조사", "면담 요지 - {p} 씨 진술: 집에서 넘어졌다고 하나 {w} 씨(이웃) 말로는 {|외출 중이었다|술을 마셨다|사다리에서 떨어졌다}고 함. {hosp} 초진 {date}. 조사 담당 {a} 조사자"),
    ("사고조사", "사고조사 의뢰 건 피보험자 {p} (주민 {rrn}) 운전면허 {dl} 차량 {veh}, 진단 {kcd}, 담당 손해사정사 {a}"),
    ("사고조사", "당시 운전자는 {o:였다}고 동승자 {w:이} 진술함, {a} 조사자 녹취 확보 ({date})"),
    ("사고조사", "조사 결과 특이사항 없음. {hosp} 진료기록상 {dx} 확인, 기왕증 여부 불명. 피보험자 {mask} 면담 보류"),
    # 손해사정 메모
    ("손사메모", "손사메모) {p} 건 {kcd} 수술비 청구, {op} 약관상 {num}종 해당, 보험금 {amt} 산정. 담당 {a} 손해사정사"),
    ("손사메모", "{a} 손해사정사 의견: 피보험자 {p:은} {date} 이전 {mdx} 치료 이력 있어 고지의무 위반 검토 필요, 계약자 {g} 확인 요망"),
    ("손사메모", "메모: {p}님 통화 {time}, 입원 기간 {date}~{date} 확인, 추가 서류 팩스 요청 → 본인 팩스 {tel}"),
    ("손사메모", "사정 결과 통보 대상: {p} / 연락처 {phone} / 이메일 {email} / 지급액 {amt} / 계좌 {bank} {acct}"),
    ("손사메모", "{p}부터 먼저 면담하고 {g:은} 다음 주에 만나기로 함 ({a}, {hosp} 기록 확인 후)"),
    ("손사메모", "검토 메모: {kcd} 동일 상병 반복 청구, {amt} 지급 이력 {num}건, 의료자문 필요성 검토"),
    # 의료자문
    ("의료자문", "의료자문 의뢰서 - 피보험자 {p}, {age}세 {|남|여}, 자문 요청 사항: {dx}({kcd})와 {mdx}의 인과관계, 첨부: {mpx} 영상 CD, 의뢰자 {a}"),
    ("의료자문", "자문의 {d} 교수 회신: 제출된 자료상 {p} 님의 {mdx:은} 퇴행성 변화로 판단됨"),
    ("의료자문", "자문 동의서 확인: 환자 {p} 서명 완료, 동의일 {date}, 자문기관 {hosp}, 자문의 면허 {lic}"),
    ("의료자문", "의료자문 진행 안내 문자 발송 대상 {p} ({mob}) - {mpx} 영상 회수 필요, 담당 {s} 대리"),
    ("의료자문", "자문 결과: {mdx:은} 외상 기인성 낮음. {kcd} 진단 적정성 인정. 자문의 성명 비공개"),
    # 지급 안내
    ("지급안내", "{p} 고객님, 청구하신 보험금 {amt:이} {date} {bank} {acct} 계좌로 지급되었습니다. 문의 {repno} 담당 {s}"),
    ("지급안내", "부지급 안내: {p} 님께서 청구하신 {dx} 관련 보험금은 약관 제{num}조에 따라 지급이 어렵습니다. 이의가 있으시면 담당자 {s}({tel})에게 연락 주십시오"),
    ("지급안내", "보험금 지급내역서 수익자 {p} 증권번호 {pol} 지급일 {date} 지급액 {amt} 입금은행 {bank} 계좌 {acct}"),
    ("지급안내", "안내문 반송: 수신인 {p} 주소 {addr} 수취인불명으로 반송됨 ({date} 발송, {ins})"),
    ("지급안내", "지급 결정 안내: 청구건 {kcd} {dx}, 지급액 {amt}, 공제 {amt}, 수익자 {mask} 님"),
    # 민원
    ("민원", "민원접수: 민원인 {g:은} 모친 {om:의} 보험금 지연에 항의, 금감원 민원 제기 예고, 청구액 {amt}, 연락처 {mob}, 담당 {s} 팀장 응대"),
    ("민원", "{p} 고객 민원 - '{a} 조사자가 병원에 허락 없이 찾아갔다'는 내용, {hospn} 원무과에 사실관계 확인 중"),
    ("민원", "민원 회신 발송: 수신 {p} 님 / {email} / 회신일 {date} / 처리자 {s}"),
    ("민원", "고객 {p:이} 콜센터 상담원 {c:의} 안내와 실제 지급액({amt})이 다르다며 재심사 요청"),
    ("민원", "민원인 {g:이며} 피보험자는 {p:이고} 담당 {c} 매니저가 {date} {time}에 회신함"),
    ("민원", "민원 유형: 지급지연, 상병 {kcd}, 처리기한 {date}, 민원인 {mask}, 담당 부서 보상기획팀"),
    # 콜센터 STT
    ("STT녹취", "네 고객님 본인 확인 위해서 성함 말씀해 주시겠어요 아 네 {p:이요} 네 {p} 고객님 맞으시고요 주민번호 불러주시겠어요 어 {rrn} 네 {mdx} 때문에 청구하신 거 맞으시죠"),
    ("STT녹취", "어 그 저희 어머니 {om} 씨 앞으로 된 보험인데요 음 입원을 하셔서 네 네 {hosp}에 계세요 연락처는 {mob} 이고요"),
    ("STT녹취", "상담사 {c}입니다 네 네 아 그러면 {p} 님 계좌가 {bank} {acct} 맞으세요 네 맞아요"),
    ("STT녹취", "그러니까 제가 {date}에 어 넘어졌는데 그 {man:을} 다쳐서요 {d} 원장님이 {mdx:이라고} 하더라고요"),
    ("STT녹취", "아 저 {kid.g:~} 엄마인데요 우리 {kid.g:~가} 학교에서 다쳐서 음 청구하려고요 애 이름은 {kid:이요} {man} 쪽이 부었어요"),
    ("STT녹취", "네 주소 변경이요 네 {addr:으로} 바꿔 주시고요 이메일은 {email} 이요 네 {ins} 맞아요"),
    ("STT녹취", "음 그 제 이름 스펠링이 {p.sp} 이렇게요 네 네 생년은 {dob}이고요 {hosp}에서 {mpx} 받았어요"),
    ("STT녹취", "네 고객님 어 그 청구 건은 아직 심사 중이시고요 음 {kcd} 코드가 진단서랑 달라서 네 보완 요청 드릴 예정입니다"),
    ("STT녹취", "아 네 {mdx} 때문에 {mpx} 받으신 거요 그거는 음 {amt} 정도 나오실 거 같아요"),
    # 심사 코멘트
    ("심사", "[심사] {p} / {kcd} {dx} / 입원 {num}일 과다 여부 검토, {hosp} 기준 적정. 심사자 {s}"),
    ("심사", "심사의견: 주치의 {d:의} 소견서상 {mdx} 기왕증 언급 있음 → 감액 검토. 피보험자 {p} 통보 전 팀장 {s2} 결재"),
    ("심사", "재심사 요청 {p} 건: {d} 원장 추가 소견 제출, {op} 필요성 인정 여부 자문 예정 ({a})"),
    ("심사", "심사 코멘트 - 동일 병원 {hospn} 반복 내원, 환자 {p} 외 가족 {g}, {g2} 동일 기간 청구 확인"),
    ("심사", "{p}만 단독 청구, {g:은} 청구 이력 없음. {kcd} 지급 적정"),
    ("심사", "심사 보류 사유: {mdx} 진단 근거 부족, {mpx} 결과지 미제출. {role} 소견 요청"),
    # 카톡
    ("카톡", "[카톡] 엄마 나 {hosp} 왔어 {d} 선생님이 {mdx} 같대 {p.g:~랑} 같이 있어"),
    ("카톡", "{g.g:아} 아빠 수술 잘 끝났대 {d} 교수님이 {op} 잘 됐다고 하심ㅠㅠ 면회는 내일부터"),
    ("카톡", "언니 {p} 보험 청구할 때 주민번호 필요하대 {rrn} 이거 맞지? 영수증은 {amt}"),
    ("카톡", "[오후 {time}] {g}: 계좌 {bank} {acct} 로 보내주면 돼 예금주 {g}"),
    ("카톡", "어제 {p.g:~랑} 병원에 갔는데 {mdx:이래} ㅠ 다음주에 {mpx} 해야 된대"),
    ("카톡", "ㅇㅇ {o} 씨가 넘어져서 {man} 다쳤대요 회사 근처 {hospn} 갔다고"),
    ("카톡", "[카톡] 병원 다녀왔어 {mdx} 초기래 {drug} 먹으래 걱정마 ㅎㅎ"),
    ("카톡", "오빠 {hospn} 원장님이 {mpx} 하재 비용 {amt:이래}"),
    # 문자
    ("문자", "[{ins}] {p}님, 보험금 청구가 접수되었습니다. 담당자 {s} {mob}"),
    ("문자", "[Web발신] {hosp} 예약안내 {p}님 {date} {time} {dept} {d} 교수 진료 예약되었습니다"),
    ("문자", "[{hosp}] {p} 님 검사결과 확인차 내원 바랍니다. 문의 {repno}"),
    ("문자", "할머니 {om} 여사님 {hosp}에서 퇴원하셨어요 {g} 올림"),
    ("문자", "{p} 씨 내일 {time} {dept} 예약 잊지 마세요 - {hospn}"),
    ("문자", "[Web발신] 진료비 {amt} 결제 완료. 문의는 대표번호 {repno:으로} 연락 바랍니다. {hosp}"),
    # 위임장
    ("위임장", "위 임 장  위임인 {p} (주민등록번호 {rrn})  수임인 {g} (관계: {|배우자|자녀|형제|부모})  위임 내용: 보험금 청구 및 수령 일체  {date}  위임인 {p} (인)"),
    ("위임장", "본인 {p:은} {ins} 보험금 청구와 관련된 서류 발급 권한을 {g}에게 위임합니다. 수임인 연락처 {mob} 서명: {p}"),
    ("위임장", "위임장(의무기록 사본 발급) 환자 {p} 등록번호 {chart} 대리인 {g} 대리인 신분증 운전면허 {dl} 발급처 {hosp}"),
    ("위임장", "위임인: {p} / 주소: {addr} / 수임인: {g} / 수임인 주민번호: {rrn} / 작성일 {date}"),
    ("위임장", "위임장 서식 안내: {=위임인} 서명(또는 인) 필수, {=수임인} 신분증 사본 첨부, 가족관계증명서 발급일 {date} 이후"),
    # 동의서
    ("동의서", "수술 동의서 환자 {p} 수술명 {op} 설명의사 {d} 동의자 {g} (환자와의 관계: {|배우자|자녀|부모}) 서명 {date}"),
    ("동의서", "개인정보 수집·이용 동의: 성명 {p}, 생년월일 {dob}, 휴대폰 {mob}, 이메일 {email}, 동의함 ☑ ({ins})"),
    ("동의서", "마취 동의서 - 환자명 {p}({age}세) {mdx} 병력 있음, 마취통증의학과 {d} 설명, 본인 서명 {p}"),
    ("동의서", "제3자 정보제공 동의서: 정보주체 {p} / 제공받는 자 {ins} / 대리인 {g} / 연락처 {phone}"),
    ("동의서", "동의서 누락 항목: {role} 서명, 설명의사 서명. 수술명 {op}, 환자 {mask}"),
    # 사고경위서
    ("사고경위서", "사고경위서 저는 {date} 퇴근길에 {addr} 근처에서 빙판에 미끄러져 넘어졌습니다 그때 같이 있던 동료 {w:이} 119를 불러줬고 {hosp} 응급실로 갔습니다 작성자 {p}"),
    ("사고경위서", "제가 아이 {kid:을} 데리러 어린이집에 가다가 계단에서 발을 헛디뎌 {man:을} 다쳤습니다. 남편 {g:이} 차({veh})로 병원에 데려다 줬어요."),
    ("사고경위서", "{date} 오전에 어머니 {om}께서 화장실에서 넘어지셔서 제가 모시고 {hospn}에 갔고 {mdx} 진단을 받으셨습니다. 작성자 장남 {g} 연락처 {mob}"),
    ("사고경위서", "사고 경위: 본인 운전 차량 {veh} 정차 중 후방 추돌당함. 상대 운전자 {o} 씨, 상대 차량 {veh}, 상대 보험사 {ins}"),
    ("사고경위서", "저희 아버지 {of}께서 논일 하시다가 {man:을} 다치셨는데 처음엔 괜찮다고 하셔서 {date}에야 병원에 가셨습니다"),
    ("사고경위서", "친구 {w:와} 등산하다가 미끄러졌는데 {w.g:~가} 부축해서 내려왔고 다음날 {hosp}에서 {dx} 진단받음"),
    ("사고경위서", "사고경위: 집에서 청소 중 의자에서 떨어짐, 당시 혼자 있었음, 다음날 {hosp} 내원하여 {dx} 진단"),
    # 자필 메모 OCR
    ("자필메모", "성명 {p.sp} 연락처 {mob} 사고일 {date} 병원 {hosp} (자필, 일부 판독불가 ▒▒)"),
    ("자필메모", "메모) 보호자 {g} 번호 바뀜 → {mob} 로 정정, 환자 {p} {mdx}"),
    ("자필메모", "{p} 님 {mdx} 통원 {num}회 영수증 {amt} 첨부 …… 계좌 {bank}{acct}"),
    ("자필메모", "확인자 {s} (서명)  피보험자 {p} ㅣ 생년 {dob} ㅣ 주소 {addr} ㅣ {kcd}"),
    ("자필메모", "자필메모 판독 불가 부분 다수, 병명 {mdx:으로} 추정, 금액 {amt}, 서명 {=○○○}"),
    # key=value logs
    ("로그", "ts={ts} level=INFO svc=claim-api user_name={p.rom} rrn={rrn} ip={ip} action=SUBMIT kcd={kcd}"),
    ("로그", "ts={ts} event=login member_id={email} client_ip={ip}:{port} result=OK menu=claim/{kcd}"),
    ("로그", "[AUDIT] {ts} viewer={s} target_patient={p} chart={chart} reason=심사 src={ip} dept={dept}"),
    ("로그", "req_id={hex} name={p} phone={mob} policy={pol} kcd={kcd} amount={amtnum}"),
    ("로그", "ocr.field name=\"{p}\" conf=0.{num}{num} field=rrn value=\"{rrn}\" hosp=\"{hosp}\""),
    ("로그", "ts={ts} level=WARN svc=ocr doc=diagnosis kcd={kcd} conf=0.{num}{num} msg=\"patient name masked ({mask})\""),
    ("로그", "ts={ts} job=edi-sync code={edi} dept={dept} amount={amtnum} status=DONE"),
    # CSV
    ("CSV", "{num}{num}{num},{p},{rrn},{mob},{kcd},{amtnum},{date}"),
    ("CSV", "\"{p}\",\"{addr}\",\"{phone}\",\"{email}\",\"{ins}\""),
    ("CSV", "{date},{hosp},{dept},{d},{p},{chart},{edi},{amtnum}"),
    ("CSV", "{p};{g};{|배우자|자녀|부|모};{bank};{acct};{amtnum}"),
    ("CSV", "{date},{hosp},{kcd},{edi},{amtnum},{mask}"),
    # JSON
    ("JSON", "⦃\"name\": \"{p}\", \"rrn\": \"{rrn}\", \"phone\": \"{mob}\", \"kcd\": \"{kcd}\"⦄"),
    ("JSON", "⦃\"patient\":⦃\"nm\":\"{p}\",\"chartNo\":\"{chart}\"⦄,\"doctor\":\"{d}\",\"licenseNo\":\"{lic}\",\"dx\":\"{kcd}\"⦄"),
    ("JSON", "⦃\"insured\": \"{p.rom}\", \"passportNo\": \"{pp}\", \"email\": \"{email}\", \"ip\": \"{ip}\", \"hospital\": \"{hosp}\"⦄"),
    ("JSON", "⦃\"beneficiary\":\"{g}\",\"bank\":\"{bank}\",\"account\":\"{acct}\",\"policyNo\":\"{pol}\"⦄"),
    ("JSON", "⦃\"kcd\":\"{kcd}\",\"edi\":\"{edi}\",\"amount\":{amtnum},\"hospital\":\"{hosp}\",\"patient\":\"{mask}\"⦄"),
    # OCR 표
    ("OCR표", "성 명 | {p} | 주민등록번호 | {rrn} | 성별 | {|남|여} | 병원 {hosp}"),
    ("OCR표", "환자명{p}주민번호{rrn}진료과{dept}"),
    ("OCR표", "| {date} | {edi} | {op} | {amt} | 집도 {d} |"),
    ("OCR표", "보 호 자  {g}   관 계  {|처|남편|자|녀}   연 락 처  {phone}   진료과 {dept}"),
    ("OCR표", "등록번호 {chart} 환 자 명 {p.sp} 병 동 {num}{num}병동 {dept}"),
    ("OCR표", "| {date} | {edi} | {|진찰료|입원료|검사료|영상진단료|처치및수술료} | {amt} | 급여 |"),
    ("OCR표", "건강보험증번호{hin} 성명 {p} 자격 {|지역|직장} {ins}"),
    # e-mail
    ("이메일", "From: {s} <{email}> To: {a} <{email}> Subject: [{p}] 의료자문 결과 송부 건 ({kcd})"),
    ("이메일", "{a} 손해사정사님, 안녕하세요. {hosp} 원무과 {s}입니다. 요청하신 {p} 님 진료기록 사본 첨부드립니다."),
    ("이메일", "보낸사람: {g} ({email}) / 제목: 아버지 {of} 보험금 청구 서류 보냅니다 / 본문: {hosp} 진단서 첨부, 전화는 {mob:으로} 주세요"),
    ("이메일", "Dear {d.rom}, please find attached the MRI report of our insured {p.rom} (DOB {dob}, passport {pp}), diagnosed {kcd}. Regards, {a.rom}"),
    ("이메일", "Subject: 의료자문 회신 지연 안내 / 본문: {kcd} 관련 자문이 {date}까지 지연됩니다. {ins} 보상팀 드림"),
    # 팩스
    ("팩스", "FAX 수신: {ins} 보상과 {a} 님 / 발신: {hosp} 원무과 {s} / 매수: {num}매 / 회신 FAX {tel}"),
    ("팩스", "팩스 표지 - 환자 {p}, 서류: 진단서, 수술확인서 ({kcd}) / 발신자 {g} {mob}"),
    ("팩스", "TO: {s} 대리님 FROM: {g} RE: {p} 보험금 청구 서류 (총 {num}매, {hosp})"),
    ("팩스", "팩스 재전송 요청: {p} 님 입퇴원확인서 글씨 흐림, 발신처 전화 {tel} 담당 {s} ({hosp})"),
    ("팩스", "FAX 표지: 수신 {ins} 보상과, 발신 {hosp} 원무과, 서류 {num}매, 개인정보 포함 서류이므로 수신 즉시 파기 요망"),
    # English-mixed
    ("영문혼용", "Pt {p} admitted via ER d/t {mdx}, CT done, {dx} 의심 → {dept} consult. Attending Dr. {d}"),
    ("영문혼용", "f/u visit: {p.rom} ({age}/{|M|F}) complains of {mdx}, plan: {mpx}, contact {mob}"),
    ("영문혼용", "Claim note: insured {p}, policy {pol}, dx {kcd}, adjuster {a.rom}, paid {amt}"),
    ("영문혼용", "Nurse {n.rom} reported that Mr. {p.rom} refused {drug}. Family ({g}) informed by phone."),
    ("영문혼용", "plan) {mpx} on {date}, keep {drug}, {lab}, r/o {mdx}"),
    # 원무과
    ("원무과", "원무과 {s} 주임 메모: {p} 님 중간정산 {amt} 카드 결제 {card}, 영수증 재발행 요청"),
    ("원무과", "수납 취소 요청 {p} 환자 ({chart}), 보호자 {g} 계좌로 환불 {bank} {acct}"),
    ("원무과", "입원수속: 환자 {p}, 건강보험증번호 {hin}, 보호자 {g}({mob}), 병실 {num}0{num}호 2인실, {dept}"),
    ("원무과", "원무과 {s}: 자동차보험 접수 확인 필요, 환자 {p} 차량번호 {veh}, 보험사 {ins}"),
    ("원무과", "원무과: 진료비 세부내역서 {num}부 발급, 수수료 {amt}, 환자 본인 방문 ({mask})"),
    # 교통사고
    ("교통사고", "교통사고 접수: 피해자 {p}({age}) 가해차량 {veh} 운전자 {o} 운전면허 {dl} 사고장소 {addr} 사고일 {date}"),
    ("교통사고", "{veh} 차주 {o:은} 과실 인정하였으며 피해자 {p} 측 보호자 {g:와} 합의 진행 중 ({ins})"),
    ("교통사고", "블랙박스 확인 결과 {p} 씨 차량 {veh:이} 신호대기 중 추돌당함, {mdx} 호소. 담당 {a} 조사자"),
    ("교통사고", "대인접수 - 피해자 {p} / 병원 {hosp} / 진단 {kcd} {dx} / 연락처 {phone}"),
    ("교통사고", "사고차량 번호판 식별 불가, 블랙박스 영상 요청, 피해자 {mask} {dx} 진단, 과실비율 협의 중"),
    # 외국인 환자
    ("외국인", "외국인 환자 {f} ({|베트남|필리핀|우즈베키스탄|중국|네팔}) 외국인등록번호 {frn} 통역 동반, {mdx} 진단"),
    ("외국인", "Patient {f.rom}, passport {pp}, visited ER for {mdx}; interpreter {o} present"),
    ("외국인", "{f} 씨 고용주 {o} 사장님이 입원보증, 연락처 {mob}, 외국인등록증 {frn}, {dept} 입원"),
    ("외국인", "근로자 {f:이} 작업 중 {man:을} 다쳐 산재 신청 예정, 회사 담당 {s} 대리 ({hosp})"),
    ("외국인", "{f:과} 배우자 {f2} 모두 {ins} 가입, 여권번호 {pp}"),
    ("외국인", "외국인 환자 진료 시 통역 서비스 이용, 여권 사본 제출, {mdx} 치료 예정 ({dept})"),
    # 계좌변경
    ("계좌변경", "계좌변경 신청: 계약자 {p}, 변경 전 {bank} {acct} → 변경 후 {bank} {acct}"),
    ("계좌변경", "예금주 {g} 명의 계좌({bank} {acct})로 수령 희망, 예금주는 피보험자 {p:의} {|배우자|자녀|부친|모친}"),
    ("계좌변경", "자동이체 카드 변경 {p} 님 카드번호 {card} 유효기간 {mm}/{yy} ({ins})"),
    ("계좌변경", "계좌 변경 본인확인: {p}, 주민 {rrn}, 휴대폰 인증 {mob}, {bank}"),
    ("계좌변경", "계좌변경 불가 안내: {role} 불일치, 통장 사본 재제출 요청, 계약자 {mask} ({bank})"),
    # 장해진단
    ("장해진단", "장해진단서 - 환자 {p}, {man} 운동범위 제한, 맥브라이드 {num}%, AMA 기준 평가, 진단의 {d}(면허 {lic})"),
    ("장해진단", "장해 평가 재검: {p:은} {date} 고정 판정, 재활의학과 {d} 교수, {mdx} 후유"),
    ("장해진단", "후유장해 청구 건: 피보험자 {p}, {dx}, 장해율 {num}%, 자문의 {d2}"),
    ("장해진단", "장해등급 이의 제기 - 본인 {p} 및 배우자 {g}, 담당 {a}, {kcd}"),
    ("장해진단", "장해 평가 기준: {man} 관절 운동범위 측정, 고정 시점 {date}, 장해율 산정 보류"),
    # 약국
    ("약국", "복약지도: {p} 님 {drug} 식후 30분, {drug} 취침 전, 약사 {o}"),
    ("약국", "약제비 영수증 {p} {amt} {date} 조제약사 {o}"),
    ("약국", "{p} 어르신 {drug} 중복 처방 확인, 처방의 {d} 선생님께 확인 전화"),
    ("약국", "약국 조제 내역: {drug} {num}일분, {drug} {num}일분, 본인부담 {amt}"),
    # 입퇴원확인서
    ("입퇴원확인서", "입퇴원확인서 환자 {p} 주민번호 {rrn} 입원일 {date} 퇴원일 {date} 병명 {dx} {kcd} 확인자 {d}"),
    ("입퇴원확인서", "입원사실확인: {p}, {hosp} {dept} 병동, 입원기간 {date}~{date}, 담당의 {d}"),
    ("입퇴원확인서", "통원확인서 - {p:은} {date}, {date}, {date} 외래 통원함. 발급 {hosp}"),
    ("입퇴원확인서", "입원 기간 {date}~{date} ({num}일), 주상병 {kcd}, 부상병 {kcd}, 환자명 {mask}"),
    # 영수증
    ("영수증", "진료비 영수증 환자 {p} 등록번호 {chart} 진료기간 {date}~{date} 본인부담금 {amt} 공단부담금 {amt} 비급여 {amt} 카드 {card}"),
    ("영수증", "영수증 재발급 요청: {p} 님 / 결제수단 카드({card}) / 금액 {amt}"),
    ("영수증", "{hosp} 진료비계산서 환자성명 {p} 건강보험 {hin} 진료과 {dept} 합계 {amt}"),
    ("영수증", "{|진찰료|입원료|식대|주사료|마취료|검사료} {amt} / {|처치및수술료|MRI 진단료|CT 진단료|초음파 진단료} {amt} / 총액 {amt}"),
    # 챗봇
    ("챗봇", "[챗봇] 사용자: 제 이름은 {p:이에요} 보험금 청구하고 싶어요 / 봇: 본인 확인을 위해 휴대폰 번호를 입력해 주세요 / 사용자: {mob} / 봇: {ins} 청구 메뉴로 이동합니다"),
    ("챗봇", "[챗봇] 사용자: 아빠 {of} 대신 청구해도 돼요? 제 이메일 {email:으로} 서류 보내주세요 ({ins})"),
    ("챗봇", "사용자 입력: {p} {rrn} {addr} {mdx}"),
    ("챗봇", "[챗봇] 사용자: 실손 청구 어떻게 해요? / 봇: 진료비 영수증과 세부내역서를 촬영해 올려 주세요. ({kcd} 등 상병코드 필요)"),
    # 커뮤니티 글
    ("커뮤니티", "(맘카페 글) 우리 {kid.g:~가} {mdx:으로} 입원했었는데 {hospn} {d} 원장님이 진짜 친절하세요"),
    ("커뮤니티", "할머니 {om} 여사님이 {mdx} 수술 받으시고 {hosp}에 계셔서 손녀 {g:이} 간병 중입니다"),
    ("커뮤니티", "남편 {g:랑} 시어머니 {om} 님 모시고 병원 다녀왔어요. {d} 교수님 말씀으로는 {mdx:이래요}"),
    ("커뮤니티", "오늘 {o.g} 언니가 다리를 다쳐서 같이 응급실 갔다가 {hosp:으로} 전원했어요"),
    ("커뮤니티", "{o} 씨가 넘어져서 {man:을} 다쳤다고 {w.g:~한테} 연락 왔어요"),
    ("커뮤니티", "실손 청구할 때 {mdx} 같은 건 {kcd:으로} 나오더라구요 다들 참고하세요"),
    # 사망진단서
    ("사망진단서", "사망진단서 성명 {p} 주민등록번호 {rrn} 사망일시 {date} {time} 직접사인 {mdx} 중간선행사인 {dx} 의사 {d} 면허번호 {lic}"),
    ("사망진단서", "사망보험금 청구: 피보험자 망 {p}, 수익자 법정상속인 {g}, {g2}, {g3} (사인 {kcd})"),
    ("사망진단서", "시체검안서 발급 - 검안의 {d}, 사망자 {p}, 신고인 {g}({|배우자|자|녀}), {hosp}"),
    ("사망진단서", "사망진단서 사본 {num}부, 사인 {dx} ({kcd}), 발급 수수료 {amt}"),
    # 산재
    ("산재", "산재 요양급여 신청 재해자 {p} 사업장 {|○○건설|△△물류|□□식품} 관리자 {o} 재해일 {date} 상병 {kcd}"),
    ("산재", "{p} 씨는 {date} 작업 중 {man:을} 다쳤으며 동료 {w}, {w2} 목격"),
    ("산재", "산재 처리 불승인: 업무 관련성 불인정, 상병 {kcd}, 재해자 {mask}"),
    # 가족관계/보호자 정보
    ("가족관계", "가족관계: 모친 {om}, 배우자 {g}, 장녀 {kid}, 차남 {kid2} ({hosp} 보호자 명단)"),
    ("가족관계", "보호자는 {g:이며} 연락처는 {mob}, 비상연락 {g2}({tel}) - {dept} 병동"),
    ("가족관계", "환자 {p:과} 배우자 {g}, 아들 {kid} 군, 딸 {kid2} 양 모두 동일 증권 {pol} ({ins})"),
    ("가족관계", "보호자 면회 명단: {role}, {role} 외 {num}명, 환자 {mask}"),
    # 간병/요양
    ("간병", "간병인 {o} 여사 {date}부터 근무, 환자 {om} 님 {mdx:으로} 와상 상태, 간병비 {amt}"),
    ("간병", "요양원 입소 상담: 어르신 {of} 님, {mdx}·{mdx} 병력, 보호자 차녀 {g} ({phone})"),
    ("간병", "간병비 청구 안내: 간병인 사용 확인서, 영수증 {amt}, {role} 서명 필요"),
    # 건강검진
    ("건강검진", "건강검진 결과 통보서 수검자 {p} 주민번호 {rrn} {mpx} 결과 {mdx} 의심 재검 요망 ({hosp})"),
    ("건강검진", "검진 예약 {p} 님 {date} {mpx}·{mpx} 예약, 수면 희망, 보호자 {g} 동행"),
    ("건강검진", "검진 소견: {lab}, {lab}, {mdx} 추적 관찰 필요. 판정의 {d} (면허 {lic})"),
    ("건강검진", "검진 항목: {mpx}, {mpx}, 혈액검사({lab}) / 수검자 {mask}"),
    # 보험 계약/변경
    ("계약", "청약서 계약자 {p} 피보험자 {g} 증권번호 {pol} 설계사 {c} 매니저 연락처 {mob} 상품 {ins} 실손"),
    ("계약", "{c} 설계사님 통해 {p} 님 {ins} 암보험 가입, 고지사항 {mdx} 치료 이력 기재"),
    ("계약", "계약자 주소 변경 {p}: 구주소 {addr} → 신주소 {addr} ({date} 접수)"),
    ("계약", "계약 부활 청약: 증권 {pol}, 계약자 {p}, 본인 서명: {p}, 미납보험료 {amt}"),
    ("계약", "청약 철회 안내: {ins} 상품, 청약일 {date}, 보험료 {amt}, 계약자 {mask}"),
]

# Lines dense in structured identifiers (forms, logs, ID-card OCR). They are drawn more
# often than the others (weight _ID_WEIGHT) so that names stay about half of all spans.
_T_ID: list[tuple[str, str]] = [
    ("신분증OCR", "주민등록증 OCR 결과: 성명 {p} / {rrn} / {addr} / 발급일 {date} / 발급기관 {|서울특별시 마포구청장|경기도 수원시장|부산광역시 해운대구청장}"),
    ("신분증OCR", "운전면허증 판독: {dl} / {p} / {rrn} / {addr} / 적성검사 {date}까지"),
    ("신분증OCR", "PASSPORT {pp} / {p.rom} / DOB {dob} / EXP {date} / 제출처 {ins}"),
    ("신분증OCR", "외국인등록증 {frn} 성명 {f.rom} 국적 {|VIETNAM|PHILIPPINES|CHINA|NEPAL|UZBEKISTAN} 체류자격 E-9 발급일 {date}"),
    ("신분증OCR", "신분증 사본 확인: 운전면허 {dl} 주소 {addr} 연락처 {mob} ({date} 촬영)"),
    ("건강보험증", "건강보험증 증번호 {hin} 세대주 {p} 자격취득일 {date} 발급 {=국민건강보험공단}"),
    ("건강보험증", "자격조회: 증번호 {hin}, {|직장|지역}가입자, 취득일 {date}, 수진자 주민번호 {rrn}"),
    ("건강보험증", "의료급여증 번호 {hin}, 수급권자 주민번호 {rrn}, 주소 {addr}, {dept} 외래"),
    ("건강보험증", "건강보험 {hin} / 피부양자 {rrn} / 보험자 {=국민건강보험공단} / 진료일 {date}"),
    ("로그", "ts={ts} src={ip} dst={ip}:{port} user={email} uri=/claims/{pol} status=200 kcd={kcd}"),
    ("로그", "ts={ts} action=card_verify card={card} holder_phone={mob} result=APPROVED amount={amtnum}"),
    ("로그", "ts={ts} action=account_verify bank={bank} account={acct} rrn={rrn} result=MATCH"),
    ("로그", "ts={ts} api=/v2/claim/attach policy_no={pol} chart_no={chart} hin={hin} hosp=\"{hosp}\""),
    ("로그", "[ACCESS] {ts} ip={ip} fwd={ip} path=/admin/claim?rrn={rrn} ua=Mozilla/5.0 dept={dept}"),
    ("CSV", "{pol},{rrn},{mob},{email},{bank},{acct},{amtnum}"),
    ("CSV", "{veh},{dl},{phone},\"{addr}\",{date},{ins}"),
    ("CSV", "{ip},{ts},{email},{pol},{kcd}"),
    ("CSV", "{chart},{hin},{rrn},{tel},{dept},{edi},{amtnum}"),
    ("JSON", "⦃\"policyNo\":\"{pol}\",\"insuredRrn\":\"{rrn}\",\"mobile\":\"{mob}\",\"email\":\"{email}\",\"kcd\":\"{kcd}\"⦄"),
    ("JSON", "⦃\"card\":\"{card}\",\"approvedAt\":\"{ts}\",\"amount\":{amtnum},\"merchant\":\"{hosp}\"⦄"),
    ("JSON", "⦃\"vehicleNo\":\"{veh}\",\"driverLicense\":\"{dl}\",\"accidentAddr\":\"{addr}\",\"insurer\":\"{ins}\"⦄"),
    ("JSON", "⦃\"hin\":\"{hin}\",\"chartNo\":\"{chart}\",\"dept\":\"{dept}\",\"licenseNo\":\"{lic}\",\"clientIp\":\"{ip}\"⦄"),
    ("문자", "[{ins}] 인증번호 발송 {mob} / 증권 {pol} 보험료 {amt} 자동이체 {bank} {acct}"),
    ("문자", "[Web발신] {ins} 보험금 {amt} 입금 예정 계좌 {bank} {acct} 증권번호 {pol}"),
    ("청구서", "계약정보: 증권번호 {pol} / 피보험자 주민번호 {rrn} / 휴대폰 {mob} / 자택 {tel} / 주소 {addr} / {ins}"),
    ("청구서", "지급계좌 {bank} {acct} / 연락처 {phone} / 이메일 {email} / 진단 {kcd}"),
    ("원무과", "카드승인: {card} 승인금액 {amt} 할부 {|일시불|3개월|6개월} 환자 등록번호 {chart}"),
    ("원무과", "등록번호 {chart} 건강보험 {hin} 주민번호 {rrn} 연락처 {phone} 진료과 {dept}"),
    ("교통사고", "사고차량 {veh} / 상대차량 {veh} / 운전면허 {dl} / 운전자 연락처 {mob} / 사고장소 {addr} / {ins}"),
    ("교통사고", "대물접수 차량번호 {veh} 증권 {pol} 피보험자 연락처 {phone} 사고일 {date}"),
    ("이메일", "From: <{email}> To: <{email}> Cc: <{email}> 제목: 증권 {pol} 청구서류 ({kcd})"),
    ("이메일", "접속 알림: {ts} {ip}에서 계정 {email:으로} 로그인되었습니다 ({ins})"),
    ("팩스", "수신 FAX {tel} / 발신 FAX {tel} / 증권번호 {pol} / 주민번호 {rrn} / 서류 {num}매 {hosp}"),
    ("위임장", "수임인 신분증: 운전면허 {dl} / 연락처 {mob} / 주소 {addr} / {date}"),
    ("외국인", "외국인등록번호 {frn} 여권번호 {pp} 연락처 {mob} 주소 {addr} ({dept})"),
    ("외국인", "Passport {pp} / ARC {frn} / Tel {mob} / {hosp}"),
    ("진단서", "면허번호 {lic} / 전문의 자격 {spec} / 환자 등록번호 {chart} / {kcd} {dx}"),
    ("간호기록", "간호사 면허 {nlic} 서명 / 환자 등록번호 {chart} / {drug} 투약 {time}"),
    ("처방전", "처방의 면허 {lic}, 환자 주민번호 {rrn}, 건강보험 {hin}, {drug}"),
    ("카드전표", "신용카드 매출전표 카드번호 {card} 거래일시 {ts} 금액 {amt} 가맹점 {hosp}"),
    ("카드전표", "카드 {card} 승인취소 / 원거래 {date} / 취소금액 {amt} / 문의 {repno}"),
    ("카드전표", "결제카드 {card} (본인 명의 {p}) 진료비 {amt} {hosp}"),
    ("계좌변경", "환급계좌 {bank} {acct} 예금주 본인, 주민번호 {rrn}, 연락처 {mob}"),
    ("사고조사", "조회 결과: 차량 {veh} 소유자 주소 {addr}, 면허 {dl} 정상, 보험 {ins} 증권 {pol}"),
    ("심사", "심사 대상 증권 {pol} 외 {pol}, 동일인 주민번호 {rrn}, 연락처 {phone} 일치, {kcd}"),
    ("카톡", "내 번호 바뀌었어 {mob} 저장해줘 ㅎㅎ 주소는 {addr} 로 보내면 돼 {amt} 입금할게"),
    ("STT녹취", "네 카드번호 불러드릴게요 {card} 이고요 유효기간은 음 {mm}월 {yy}년이요 {ins} 맞죠"),
    ("STT녹취", "아 계좌는 {bank} {acct} 이고요 연락처는 {mob} 이요 네 {hosp}에서 받은 영수증이요"),
]
_ID_WEIGHT = 2


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------

_SLOT_RE = re.compile(r"\{([^{}]*)\}")

_SPAN_SLOTS = {
    "rrn": "rrn", "frn": "foreign_registration_no", "mob": "phone", "tel": "phone", "phone": "phone",
    "card": "card", "acct": "account", "email": "email", "addr": "address", "chart": "chart_no",
    "hin": "health_insurance_no", "lic": "medical_license", "nlic": "medical_license",
    "klic": "medical_license", "spec": "medical_license", "dl": "driver_license", "pp": "passport",
    "veh": "vehicle_no", "ip": "ip_address", "pol": "policy_no",
}
_KEEP_SLOTS = {"kcd", "dx", "edi", "op", "amt", "amtnum", "date", "hosp", "hospn", "dept", "drug",
               "lab", "mdx", "man", "mpx", "mask", "ins", "repno", "bank", "role"}
_PLAIN_SLOTS = {"age", "oage", "num", "time", "ts", "dob", "hex", "port", "mm", "yy"}
_PERSON_RE = re.compile(r"^(p|g|d|n|s|a|c|w|o|om|of|kid|f)\d?$")


class _Ctx:
    def __init__(self, r: random.Random) -> None:
        self.r = r
        self.people: dict[str, _Person] = {}
        self.bank: str | None = None
        # a code and its name written in the same note agree: whichever comes first
        # leaves its pair for the other
        self.pending: dict[str, tuple[str, str]] = {}
        # dates of one note run forward (onset, diagnosis, issue) in a mostly shared style
        self.day = date(2021, 1, 1) + timedelta(days=r.randint(0, 5 * 365))
        self.date_style = r.random()

    def person(self, role: str) -> _Person:
        if role not in self.people:
            base = role.rstrip("0123456789")
            used = {p.full for p in self.people.values()}
            for _ in range(20):
                p = _foreign_person(self.r) if base == "f" else _korean_person(self.r, base)
                if p.full not in used:
                    break
            self.people[role] = p
        return self.people[role]

    def show(self, p: _Person, mod: str) -> str:
        if mod == "g":
            if p.foreign or len(p.given) < 2:
                return p.full
            return p.given
        if mod == "sp":
            chars = [c for c in p.full if c != " "]
            return (" " if self.r.random() < 0.8 else "  ").join(chars)
        if mod == "rom":
            return _roman(self.r, p)
        return p.full

    def value(self, slot: str) -> str:  # noqa: C901 - a dispatch table
        r = self.r
        if slot == "rrn":
            return _rrn(r)
        if slot == "frn":
            return _rrn(r, foreign=True)
        if slot == "mob":
            return _mobile(r)
        if slot == "tel":
            return _landline(r)
        if slot == "phone":
            return _mobile(r) if r.random() < 0.7 else _landline(r)
        if slot == "card":
            return _card(r)
        if slot == "acct":
            return _account(r, self.bank)
        if slot == "email":
            korean = [p for p in self.people.values() if not p.foreign]
            return _email(r, r.choice(korean) if korean else None)
        if slot == "addr":
            return _address(r)
        if slot == "chart":
            return _chart(r)
        if slot == "hin":
            return _hin(r)
        if slot in ("lic", "nlic", "klic", "spec"):
            return _licence(r, slot)
        if slot == "dl":
            return _driver_licence(r)
        if slot == "pp":
            return _passport(r)
        if slot == "veh":
            return _vehicle(r)
        if slot == "ip":
            return _ip(r)
        if slot == "pol":
            return _policy(r)
        # keeps
        if slot in ("kcd", "dx"):
            return self._paired(slot, "kcd", "dx", _KCD)
        if slot in ("edi", "op"):
            return self._paired(slot, "edi", "op", _EDI)
        if slot == "amt":
            return _amount(r)
        if slot == "amtnum":
            return str(r.randint(10, 9999) * 100)
        if slot == "date":
            self.day += timedelta(days=r.randint(0, 21))
            style = self.date_style if r.random() < 0.8 else r.random()
            return _date(self.day, style)
        if slot == "hosp":
            x = r.random()
            if x < 0.45:
                return r.choice(_BIG_HOSPITALS)
            if x < 0.75:
                return r.choice(_PLACE_WORDS) + r.choice(_CLINIC_TYPES)
            return self.value("hospn")
        if slot == "hospn":
            p = _korean_person(r)
            if len(p.full) < 3:
                p = _Person(p.full + r.choice(_GIVEN_SINGLE), p.sur, p.given)
            return p.full + r.choice(_CLINIC_TYPES)
        if slot == "dept":
            return r.choice(_DEPTS)
        if slot == "drug":
            return r.choice(_DRUGS)
        if slot == "lab":
            return _lab(r)
        if slot == "mdx":
            return r.choice(_MED_DX)
        if slot == "man":
            return r.choice(_MED_ANAT)
        if slot == "mpx":
            return r.choice(_MED_PX)
        if slot == "mask":
            return _masked_name(r)
        if slot == "ins":
            return r.choice(_INSURERS)
        if slot == "repno":
            return _repno(r)
        if slot == "bank":
            self.bank = r.choice(_BANKS)[0]
            return self.bank
        if slot == "role":
            return r.choice(_ROLE_WORDS)
        # plain
        if slot == "age":
            return str(r.randint(20, 89) if r.random() < 0.9 else r.randint(1, 19))
        if slot == "oage":
            return str(r.randint(66, 97))
        if slot == "num":
            return str(r.randint(1, 9))
        if slot == "time":
            h, m = r.randint(0, 23), r.choice([0, 5, 10, 15, 20, 30, 40, 45, 50])
            return f"{h:02d}:{m:02d}" if r.random() < 0.7 else f"{'오전' if h < 12 else '오후'} {h % 12 or 12}시"
        if slot == "ts":
            return f"{r.randint(2023, 2026)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T" \
                   f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}"
        if slot == "dob":
            y, m, d = r.randint(1940, 2020), r.randint(1, 12), r.randint(1, 28)
            return r.choice([f"{y}.{m:02d}.{d:02d}", f"{y % 100:02d}{m:02d}{d:02d}", f"{y}년 {m}월 {d}일"])
        if slot == "hex":
            return f"{r.getrandbits(32):08x}"
        if slot == "port":
            return str(r.choice([80, 443, 8080, 8443, 3000, 50321]))
        if slot == "mm":
            return f"{r.randint(1, 12):02d}"
        if slot == "yy":
            return str(r.randint(26, 31))
        raise KeyError(f"unknown slot {slot!r}")

    def _paired(self, slot: str, code: str, name: str, table: list[tuple[str, str]]) -> str:
        pair = self.pending.pop(slot, None)
        if pair is None:
            pair = self.r.choice(table)
            self.pending[name if slot == code else code] = pair
        return pair[0] if slot == code else pair[1]

    def segments(self, body: str) -> list[tuple[str, str]]:
        """(type, text) segments for one ``{...}``: type "" plain, "k" keep, else a span type."""
        r = self.r
        if body.startswith("|"):
            return [("", r.choice(body[1:].split("|")))]
        if body.startswith("="):
            return [("k", body[1:])]
        head, _, part = body.partition(":")
        slot, _, mod = head.partition(".")
        if _PERSON_RE.match(slot):
            text = self.show(self.person(slot), mod)
            kind = "name"
        elif slot in _SPAN_SLOTS:
            text, kind = self.value(slot), _SPAN_SLOTS[slot]
        elif slot in _KEEP_SLOTS:
            text, kind = self.value(slot), "k"
        elif slot in _PLAIN_SLOTS:
            text, kind = self.value(slot), ""
        else:
            raise KeyError(f"unknown slot {body!r}")
        segs = [(kind, text)]
        if part:
            segs.append(("", _particle(text, part)))
        return segs


def _render(kind: str, template: str, r: random.Random) -> Note:
    ctx = _Ctx(r)
    segs: list[tuple[str, str]] = []
    pos = 0
    for m in _SLOT_RE.finditer(template):
        segs.append(("", template[pos:m.start()]))
        segs.extend(ctx.segments(m.group(1)))
        pos = m.end()
    segs.append(("", template[pos:]))
    text_parts: list[str] = []
    spans: list[Span] = []
    keep: list[str] = []
    offset = 0
    for typ, seg in segs:
        if typ == "":
            seg = seg.replace("⦃", "{").replace("⦄", "}")
        elif typ == "k":
            if seg not in keep:
                keep.append(seg)
        else:
            spans.append(Span(typ, offset, offset + len(seg), seg))
        text_parts.append(seg)
        offset += len(seg)
    return Note("".join(text_parts), tuple(spans), tuple(keep), kind)


def _has_identifier(template: str) -> bool:
    for m in _SLOT_RE.finditer(template):
        slot = m.group(1).partition(":")[0].partition(".")[0]
        if _PERSON_RE.match(slot) or slot in _SPAN_SLOTS:
            return True
    return False


_ALL_TEMPLATES = _T + _T_ID
_PII_TEMPLATES = [t for t in _ALL_TEMPLATES if _has_identifier(t[1])]
_PII_WEIGHTS = [_ID_WEIGHT if t in _T_ID else 1 for t in _PII_TEMPLATES]
_NOPII_TEMPLATES = [t for t in _ALL_TEMPLATES if not _has_identifier(t[1])]
_KINDS = sorted({k for k, _ in _ALL_TEMPLATES})


def template_count() -> int:
    return len(_ALL_TEMPLATES)


def kind_count() -> int:
    return len(_KINDS)


_check = check_note  # the generator's own tests call it by this name


def generate(n: int, seed: int) -> list[Note]:
    """``n`` unique one-line notes, deterministic for ``(n, seed)``."""
    r = random.Random(seed)
    notes: list[Note] = []
    seen: set[str] = set()
    tries = 0
    while len(notes) < n:
        tries += 1
        if tries > 50 * n + 1000:
            raise RuntimeError("could not make enough unique notes")
        if r.random() < _NOPII_SHARE:
            kind, template = r.choice(_NOPII_TEMPLATES)
        else:
            kind, template = r.choices(_PII_TEMPLATES, weights=_PII_WEIGHTS)[0]
        note = _render(kind, template, r)
        if note.text in seen:
            continue
        seen.add(note.text)
        notes.append(note)
    return notes


def main(argv: list[str] | None = None) -> int:
    return run_cli(argv, __doc__.splitlines()[0], generate, template_count, kind_count)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
