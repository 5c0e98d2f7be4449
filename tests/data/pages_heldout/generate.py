"""Held-out scanned Korean claim-document pages with true PII values.

An independent evaluation set for the project's privacy tool: rendered
single-page documents of the kinds an insurer receives (진단서, 소견서,
수술확인서, 진료비 영수증, 진료비 세부내역서, 입퇴원확인서, 보험금 청구서,
처방전), each with the exact personal identifiers and must-keep values that are
printed on it.

Layouts, name/address tables and degradations are written from scratch for
this set; the script imports nothing from the project.  Only the standard
library, Pillow and numpy are used.

    python tests/data/pages_heldout/generate.py OUT_DIR [--n 24] [--seed 20261203]

writes OUT_DIR/NNN.png|jpg and OUT_DIR/truth.jsonl.  Output is deterministic
for a given (n, seed) and installed font set.
"""

from __future__ import annotations

import argparse
import json
import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

try:  # optional: only makes rotation/blur faster; results are close either way
    import cv2
except ImportError:  # pragma: no cover
    cv2 = None

DPI = 150
SEED = 20261203
MIN_PT = 11


def pt(points: float) -> int:
    """Point size -> pixel size at the page resolution (150 dpi)."""
    return round(points * DPI / 72)


MIN_PX = pt(MIN_PT)

A4P = (1240, 1754)
A4L = (1754, 1240)
A5P = (874, 1240)

# --------------------------------------------------------------------------
# fonts
# --------------------------------------------------------------------------
FONT_FILES = {
    "NanumGothic": ("NanumGothic.ttf", "NanumGothicBold.ttf"),
    "NanumMyeongjo": ("NanumMyeongjo.ttf", "NanumMyeongjoBold.ttf"),
    "NanumBarunGothic": ("NanumBarunGothic.ttf", "NanumBarunGothicBold.ttf"),
    "NanumSquare": ("NanumSquareR.ttf", "NanumSquareB.ttf"),
    "NanumSquareRound": ("NanumSquareRoundR.ttf", "NanumSquareRoundB.ttf"),
    "NanumGothicCoding": ("NanumGothicCoding.ttf", "NanumGothicCodingBold.ttf"),
}
FONT_DIRS = [
    Path("/usr/share/fonts/truetype/nanum"),
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".fonts",
    Path.home() / ".local/share/fonts",
]
_font_path_cache: dict[str, Path] = {}
_font_cache: dict[tuple, ImageFont.FreeTypeFont] = {}


def font_path(filename: str) -> Path:
    if filename in _font_path_cache:
        return _font_path_cache[filename]
    for d in FONT_DIRS:
        p = d / filename
        if p.is_file():
            _font_path_cache[filename] = p
            return p
    for d in FONT_DIRS:
        if d.is_dir():
            for p in d.rglob(filename):
                _font_path_cache[filename] = p
                return p
    raise FileNotFoundError(
        f"font {filename} not found (install the Debian package fonts-nanum and "
        "fonts-nanum-extra / NanumSquare, NanumBarunGothic)"
    )


def load_font(family: str, px: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    key = (family, px, bold)
    f = _font_cache.get(key)
    if f is None:
        f = ImageFont.truetype(str(font_path(FONT_FILES[family][1 if bold else 0])), px)
        _font_cache[key] = f
    return f


_tofu_cache: dict[tuple, bool] = {}


def has_glyph(family: str, bold: bool, ch: str) -> bool:
    """True when the font renders ch differently from an unmapped code point."""
    key = (family, bold, ch)
    if key not in _tofu_cache:
        f = load_font(family, 40, bold)
        probe = f.getmask(ch)
        missing = f.getmask("\U0010fffd")
        same = probe.size == missing.size and bytes(probe) == bytes(missing)
        _tofu_cache[key] = not same
    return _tofu_cache[key]


# --------------------------------------------------------------------------
# people, places, numbers (own tables)
# --------------------------------------------------------------------------
COMMON_SURNAMES = [
    ("김", 215),
    ("이", 147),
    ("박", 84),
    ("최", 47),
    ("정", 48),
    ("강", 24),
    ("조", 21),
    ("윤", 21),
    ("장", 20),
    ("임", 19),
    ("한", 15),
    ("오", 15),
    ("서", 15),
    ("신", 14),
    ("권", 14),
    ("황", 14),
    ("안", 13),
    ("송", 13),
    ("류", 12),
    ("전", 11),
    ("홍", 11),
    ("고", 9),
    ("문", 9),
    ("양", 9),
    ("손", 9),
    ("배", 8),
    ("백", 8),
    ("허", 7),
    ("유", 7),
    ("남", 6),
    ("심", 5),
    ("노", 5),
    ("하", 4),
    ("곽", 4),
    ("성", 4),
    ("차", 4),
    ("주", 4),
    ("우", 4),
    ("구", 4),
    ("민", 3),
    ("진", 3),
    ("나", 3),
    ("지", 3),
    ("엄", 3),
    ("채", 3),
    ("원", 3),
    ("천", 2),
    ("방", 2),
    ("공", 2),
    ("현", 2),
    ("함", 2),
    ("변", 2),
    ("염", 2),
    ("여", 2),
    ("추", 2),
    ("도", 2),
    ("석", 2),
    ("소", 2),
]
RARE_SURNAMES = [
    "남궁",
    "황보",
    "제갈",
    "선우",
    "독고",
    "사공",
    "서문",
    "동방",
    "편",
    "옥",
    "탁",
    "국",
    "어",
    "은",
    "봉",
    "견",
    "팽",
    "빈",
    "갈",
    "모",
    "맹",
    "빙",
    "피",
    "순",
    "뇌",
    "음",
    "묵",
    "형",
    "궉",
    "즙",
]
GIVEN_FIRST = list(
    "민서지하도예시주은수유윤채현준건우태승재성영혜미경정진동상희소다나아가연원규종석병명선용창광순옥숙춘기형해찬"
)
GIVEN_SECOND = list(
    "준우윤서연아은민현진호훈희영수빈원결율린온솔하경숙자철식석규혁재환주정미라나혜인웅범열택윤"
)
GIVEN_NATIVE = [
    "하늘",
    "다솜",
    "슬기",
    "보람",
    "한결",
    "나래",
    "새롬",
    "가온",
    "아름",
    "이슬",
    "초롱",
    "한별",
    "누리",
    "빛나",
    "우람",
    "하람",
    "마루",
    "바다",
    "시온",
    "단비",
]
GIVEN_ONE = ["준", "훈", "결", "솔", "란", "혁", "찬", "웅", "진", "현"]
GIVEN_THREE = ["은하수", "새로미", "아름솔", "빛가람", "한누리", "하늘빛", "보리수"]
FOREIGN_NAMES = [
    "응우옌 티 란",
    "쩐반득",
    "왕웨이",
    "마리아 산토스",
    "리나 쿠마리",
    "바트에르덴",
    "아지즈 카리모프",
    "팜 티 흐엉",
]

ROMAN = {
    "김": "kim",
    "이": "lee",
    "박": "park",
    "최": "choi",
    "정": "jung",
    "강": "kang",
    "조": "cho",
    "윤": "yoon",
    "장": "jang",
    "임": "lim",
    "한": "han",
    "오": "oh",
    "서": "seo",
    "신": "shin",
    "권": "kwon",
    "황": "hwang",
    "안": "ahn",
    "송": "song",
    "류": "ryu",
    "전": "jeon",
    "홍": "hong",
    "고": "ko",
    "문": "moon",
    "양": "yang",
    "손": "son",
    "배": "bae",
    "백": "baek",
    "허": "heo",
    "유": "yu",
    "남": "nam",
}
EMAIL_WORDS = [
    "sky",
    "blue",
    "happy",
    "hana",
    "sunny",
    "moon",
    "star",
    "dream",
    "tree",
    "river",
    "mint",
    "cozy",
    "lucky",
    "jjang",
    "coffee",
    "piano",
    "ocean",
    "daisy",
]
EMAIL_DOMAINS = ["naver.com", "daum.net", "gmail.com", "hanmail.net", "kakao.com", "nate.com"]

# sido -> (area code, short name, [(sigungu, [roads], [legal dong])])
ADDRESS_TABLE = {
    "서울특별시": (
        "02",
        "서울",
        [
            ("강남구", ["테헤란로", "봉은사로", "논현로", "선릉로"], ["역삼동", "삼성동", "대치동"]),
            ("마포구", ["월드컵북로", "양화로", "독막로"], ["망원동", "서교동", "합정동"]),
            ("노원구", ["동일로", "노해로", "상계로"], ["상계동", "중계동"]),
            ("송파구", ["올림픽로", "송파대로", "오금로"], ["잠실동", "가락동"]),
            ("관악구", ["관악로", "남부순환로", "봉천로"], ["봉천동", "신림동"]),
            ("은평구", ["통일로", "연서로"], ["불광동", "응암동"]),
        ],
    ),
    "부산광역시": (
        "051",
        "부산",
        [
            ("해운대구", ["해운대로", "좌동순환로", "센텀중앙로"], ["우동", "좌동", "중동"]),
            ("부산진구", ["중앙대로", "전포대로", "가야대로"], ["부전동", "전포동"]),
            ("사하구", ["낙동대로", "다대로"], ["하단동", "괴정동"]),
        ],
    ),
    "대구광역시": (
        "053",
        "대구",
        [
            ("수성구", ["달구벌대로", "동대구로", "범어로"], ["범어동", "만촌동"]),
            ("달서구", ["월배로", "달서대로"], ["상인동", "월성동"]),
        ],
    ),
    "인천광역시": (
        "032",
        "인천",
        [
            ("연수구", ["컨벤시아대로", "송도과학로", "원인재로"], ["송도동", "연수동"]),
            ("남동구", ["인하로", "예술로"], ["구월동", "만수동"]),
        ],
    ),
    "광주광역시": (
        "062",
        "광주",
        [
            ("북구", ["용봉로", "서하로", "설죽로"], ["용봉동", "운암동"]),
            ("서구", ["상무중앙로", "화운로"], ["치평동", "화정동"]),
        ],
    ),
    "대전광역시": (
        "042",
        "대전",
        [
            ("유성구", ["대학로", "계룡로", "노은동로"], ["궁동", "봉명동"]),
            ("서구", ["둔산로", "계룡로"], ["둔산동", "갈마동"]),
        ],
    ),
    "울산광역시": ("052", "울산", [("남구", ["삼산로", "번영로"], ["삼산동", "달동"])]),
    "세종특별자치시": ("044", "세종", [("", ["한누리대로", "도움6로", "보듬3로"], ["어진동", "도담동"])]),
    "경기도": (
        "031",
        "경기",
        [
            ("수원시 영통구", ["광교중앙로", "봉영로", "매영로"], ["이의동", "영통동"]),
            ("성남시 분당구", ["판교역로", "불정로", "황새울로"], ["삼평동", "정자동", "서현동"]),
            ("고양시 일산동구", ["중앙로", "정발산로"], ["장항동", "마두동"]),
            ("용인시 수지구", ["포은대로", "풍덕천로"], ["풍덕천동", "죽전동"]),
            ("화성시", ["동탄대로", "동탄순환대로"], ["청계동", "오산동"]),
            ("안양시 동안구", ["시민대로", "평촌대로"], ["비산동", "호계동"]),
        ],
    ),
    "강원특별자치도": (
        "033",
        "강원",
        [
            ("춘천시", ["중앙로", "공지로", "퇴계로"], ["효자동", "석사동"]),
            ("원주시", ["원일로", "단구로"], ["단구동", "명륜동"]),
        ],
    ),
    "충청북도": ("043", "충북", [("청주시 흥덕구", ["2순환로", "풍산로"], ["복대동", "가경동"])]),
    "충청남도": ("041", "충남", [("천안시 서북구", ["불당대로", "쌍용대로"], ["불당동", "쌍용동"])]),
    "전북특별자치도": ("063", "전북", [("전주시 완산구", ["효자로", "홍산로"], ["효자동", "중화산동"])]),
    "전라남도": ("061", "전남", [("순천시", ["연향번영길", "왕지로"], ["연향동", "조례동"])]),
    "경상북도": ("054", "경북", [("포항시 남구", ["포스코대로", "대이로"], ["대잠동", "이동"])]),
    "경상남도": ("055", "경남", [("창원시 성산구", ["중앙대로", "원이대로"], ["상남동", "중앙동"])]),
    "제주특별자치도": (
        "064",
        "제주",
        [("제주시", ["연북로", "노형로", "중앙로"], ["노형동", "연동", "이도이동"])],
    ),
}
APT_NAMES = ["푸른마을", "햇살", "한빛", "솔숲", "은행나무", "청솔", "무지개", "꿈에그린"]


def weighted_surname(rng: random.Random) -> str:
    if rng.random() < 0.10:
        return rng.choice(RARE_SURNAMES)
    total = sum(w for _, w in COMMON_SURNAMES)
    r = rng.uniform(0, total)
    for s, w in COMMON_SURNAMES:
        r -= w
        if r <= 0:
            return s
    return "김"


def make_name(rng: random.Random, foreign_ok: bool = False, surname: str | None = None) -> str:
    if foreign_ok and rng.random() < 0.75:
        return rng.choice(FOREIGN_NAMES)
    sur = surname or weighted_surname(rng)
    r = rng.random()
    if r < 0.05:
        given = rng.choice(GIVEN_ONE)
    elif r < 0.13:
        given = rng.choice(GIVEN_NATIVE)
    elif r < 0.17 and len(sur) == 1:
        given = rng.choice(GIVEN_THREE)
    else:
        a = rng.choice(GIVEN_FIRST)
        b = rng.choice(GIVEN_SECOND)
        while b == a:
            b = rng.choice(GIVEN_SECOND)
        given = a + b
    name = sur + given
    if len(name) > 4:  # keep 2..4 syllables
        name = sur + given[:2]
    return name


def spaced(name: str) -> str:
    return " ".join(name) if " " not in name else name


def rrn_check(d12: str) -> int:
    w = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]
    s = sum(int(c) * k for c, k in zip(d12, w))
    return (11 - s % 11) % 10


@dataclass
class RRN:
    digits: str  # 13 digits
    valid_check: bool
    foreign: bool

    def fmt(self, style: str) -> str:
        a, b = self.digits[:6], self.digits[6:]
        if style == "plain":
            return a + b
        if style == "masked":
            return f"{a}-{b[0]}******"
        if style == "spaced":
            return f"{a} - {b}"
        return f"{a}-{b}"


def make_rrn(rng: random.Random, birth: date, sex: str, foreign: bool, random_tail: bool) -> RRN:
    yy = birth.year % 100
    male = sex == "M"
    if birth.year >= 2000:
        g = (7 if male else 8) if foreign else (3 if male else 4)
    else:
        g = (5 if male else 6) if foreign else (1 if male else 2)
    head = f"{yy:02d}{birth.month:02d}{birth.day:02d}{g}"
    mid = "".join(str(rng.randint(0, 9)) for _ in range(5))
    d12 = head + mid
    good = rrn_check(d12)
    if random_tail:
        c = rng.randint(0, 9)
        if c == good:
            c = (c + 1 + rng.randint(0, 8)) % 10
        return RRN(d12 + str(c), False, foreign)
    return RRN(d12 + str(good), True, foreign)


def fmt_mobile(rng: random.Random, style: str | None = None) -> str:
    a, b = rng.randint(2000, 9999), rng.randint(0, 9999)
    style = style or rng.choices(["hyphen", "space", "plain", "intl", "dot"], [70, 10, 9, 6, 5])[0]
    if style == "space":
        return f"010 {a} {b:04d}"
    if style == "plain":
        return f"010{a}{b:04d}"
    if style == "intl":
        return f"+82-10-{a}-{b:04d}"
    if style == "dot":
        return f"010.{a}.{b:04d}"
    return f"010-{a}-{b:04d}"


def fmt_landline(rng: random.Random, area: str) -> str:
    if area == "02":
        mid = rng.choice([str(rng.randint(200, 999)), str(rng.randint(2000, 9999))])
    else:
        mid = rng.choice([str(rng.randint(200, 999)), str(rng.randint(2000, 9999))])
    return f"{area}-{mid}-{rng.randint(0, 9999):04d}"


@dataclass
class Address:
    sido: str
    area: str
    full: str
    short: str  # no unit / dong suffix


def make_address(rng: random.Random, detail: bool = True, lot_form_p: float = 0.1) -> Address:
    sido = rng.choice(list(ADDRESS_TABLE))
    area, short_sido, sgg_list = ADDRESS_TABLE[sido]
    sgg, roads, dongs = rng.choice(sgg_list)
    sido_txt = short_sido if rng.random() < 0.15 else sido
    prefix = f"{sido_txt} {sgg}".replace("  ", " ").strip()
    if rng.random() < lot_form_p:
        base = f"{prefix} {rng.choice(dongs)} {rng.randint(1, 1400)}-{rng.randint(1, 40)}"
        return Address(sido, area, base, base)
    road = rng.choice(roads)
    num = str(rng.randint(1, 480))
    if rng.random() < 0.2:
        num += f"-{rng.randint(1, 30)}"
    base = f"{prefix} {road} {num}"
    if not detail:
        return Address(sido, area, base, base)
    r = rng.random()
    if r < 0.45:
        suffix = f", {rng.randint(101, 125)}동 {rng.randint(1, 25)}{rng.randint(1, 4):02d}호"
    elif r < 0.6:
        suffix = f", {rng.randint(2, 9)}층"
    elif r < 0.75:
        suffix = f", {rng.randint(101, 905)}호"
    else:
        suffix = ""
    full = base + suffix
    if suffix and rng.random() < 0.45:
        dong = rng.choice(dongs)
        full += (
            f" ({dong}, {rng.choice(APT_NAMES)}아파트)"
            if "동 " in suffix and rng.random() < 0.5
            else f" ({dong})"
        )
    return Address(sido, area, full, base)


BANKS = {
    "KB국민은행": lambda r: f"{r.randint(0, 999999):06d}-{r.randint(0, 99):02d}-{r.randint(0, 999999):06d}",
    "신한은행": lambda r: f"110-{r.randint(0, 999):03d}-{r.randint(0, 999999):06d}",
    "우리은행": lambda r: f"1002-{r.randint(0, 999):03d}-{r.randint(0, 999999):06d}",
    "하나은행": lambda r: f"{r.randint(100, 999)}-{r.randint(0, 999999):06d}-{r.randint(0, 99999):05d}",
    "NH농협은행": lambda r: (
        f"{r.choice(['302', '301', '352', '356'])}-{r.randint(0, 9999):04d}-{r.randint(0, 9999):04d}-{r.randint(0, 99):02d}"
    ),
    "IBK기업은행": lambda r: (
        f"{r.randint(0, 999):03d}-{r.randint(0, 999999):06d}-{r.randint(0, 99):02d}-{r.randint(0, 999):03d}"
    ),
    "카카오뱅크": lambda r: f"3333-{r.randint(0, 99):02d}-{r.randint(0, 9999999):07d}",
    "토스뱅크": lambda r: f"1000-{r.randint(0, 9999):04d}-{r.randint(0, 9999):04d}",
    "새마을금고": lambda r: f"9002-{r.randint(0, 9999):04d}-{r.randint(0, 9999):04d}-{r.randint(0, 9)}",
}


def make_email(rng: random.Random, name: str) -> str:
    sur = ROMAN.get(name[0], "") if name else ""
    parts = [rng.choice(EMAIL_WORDS)]
    if sur and rng.random() < 0.7:
        parts.append(sur)
    rng.shuffle(parts)
    sep = rng.choice(["", ".", "_"])
    local = sep.join(parts) + str(rng.randint(1, 9999)).zfill(rng.choice([2, 4]))
    return f"{local}@{rng.choice(EMAIL_DOMAINS)}"


def make_chart_no(rng: random.Random, year: int) -> str:
    r = rng.random()
    if r < 0.35:
        return f"{rng.randint(0, 99999999):08d}"
    if r < 0.55:
        return f"{year % 100:02d}-{rng.randint(0, 999999):06d}"
    if r < 0.7:
        return f"R{rng.randint(0, 9999999):07d}"
    if r < 0.85:
        return str(rng.randint(100000, 9999999))
    return f"{year}-{rng.randint(0, 99999):05d}"


def make_insurance_no(rng: random.Random) -> str:
    d = f"{rng.randint(1, 7)}{rng.randint(0, 9999999999):010d}"
    style = rng.random()
    if style < 0.5:
        return d
    if style < 0.8:
        return f"{d[0]}-{d[1:]}"
    return f"{d[:4]}-{d[4:8]}-{d[8:]}"


def make_license(rng: random.Random) -> str:
    return str(rng.choice([rng.randint(10000, 99999), rng.randint(100000, 139999)]))


# --------------------------------------------------------------------------
# medical content (own tables)
# --------------------------------------------------------------------------
@dataclass
class Dx:
    kcd: str
    name: str
    dept: str
    proc_code: str | None
    proc_name: str | None
    stay: tuple[int, int]
    anesthesia: str


DX_TABLE = [
    Dx("K35.8", "기타 및 상세불명의 급성 충수염", "외과", "Q2861", "복강경하 충수절제술", (3, 6), "전신마취"),
    Dx("K80.20", "담낭염이 없는 담낭의 결석", "외과", "Q7380", "복강경하 담낭절제술", (3, 5), "전신마취"),
    Dx("M17.1", "기타 원발성 무릎관절증", "정형외과", "N2072", "인공슬관절 전치환술", (10, 18), "척추마취"),
    Dx("S82.20", "경골 골간의 골절, 폐쇄성", "정형외과", "N0602", "골절 관혈적 정복술", (7, 16), "전신마취"),
    Dx(
        "S72.00", "대퇴골 경부의 골절, 폐쇄성", "정형외과", "N0711", "고관절 부분치환술", (14, 24), "척추마취"
    ),
    Dx(
        "S52.50",
        "요골 하단의 골절, 폐쇄성",
        "정형외과",
        "N0603",
        "골절 관혈적 정복술-요골",
        (3, 6),
        "전신마취",
    ),
    Dx("M51.26", "요추부 추간판 장애", "신경외과", "N1493", "추간판 제거술-요추", (5, 9), "전신마취"),
    Dx("M75.1", "회전근개 증후군", "정형외과", "N0936", "관절경하 회전근개 봉합술", (3, 6), "전신마취"),
    Dx("C50.9", "상세불명의 유방의 악성 신생물", "유방외과", "N7135", "유방 부분절제술", (5, 8), "전신마취"),
    Dx("C16.9", "상세불명의 위의 악성 신생물", "외과", "Q2594", "복강경하 위아전절제술", (9, 14), "전신마취"),
    Dx("C73", "갑상선의 악성 신생물", "갑상선외과", "P4551", "갑상선 전절제술", (3, 5), "전신마취"),
    Dx("D05.1", "유관 제자리암종", "유방외과", "N7131", "유방 광범위절제술", (3, 6), "전신마취"),
    Dx(
        "I21.9",
        "상세불명의 급성 심근경색증",
        "순환기내과",
        "M6561",
        "경피적 관상동맥 스텐트 삽입술",
        (4, 7),
        "국소마취",
    ),
    Dx("I63.9", "상세불명의 뇌경색증", "신경과", None, None, (10, 18), ""),
    Dx(
        "H25.9",
        "상세불명의 노년성 백내장",
        "안과",
        "S5119",
        "수정체 유화술 및 인공수정체 삽입술",
        (0, 1),
        "국소마취",
    ),
    Dx("N20.0", "신장의 결석", "비뇨의학과", "R3330", "체외충격파 쇄석술", (0, 2), "진정"),
    Dx("J18.9", "상세불명의 폐렴", "호흡기내과", None, None, (5, 9), ""),
    Dx(
        "K21.0",
        "식도염을 동반한 위-식도역류병",
        "소화기내과",
        "E7611",
        "상부위장관 내시경검사",
        (0, 0),
        "진정",
    ),
    Dx("A09.0", "감염성 위장염 및 결장염", "소아청소년과", None, None, (2, 5), ""),
    Dx("J03.9", "상세불명의 급성 편도염", "이비인후과", None, None, (0, 3), ""),
    Dx("S06.00", "열린 두개내 상처가 없는 뇌진탕", "신경외과", None, None, (3, 6), ""),
    Dx(
        "S83.53",
        "무릎 십자인대의 파열",
        "정형외과",
        "N0880",
        "관절경하 전방십자인대 재건술",
        (4, 8),
        "전신마취",
    ),
    Dx(
        "C34.9",
        "상세불명의 기관지 또는 폐의 악성 신생물",
        "흉부외과",
        "O1403",
        "흉강경하 폐엽절제술",
        (7, 12),
        "전신마취",
    ),
    Dx("M54.56", "아래허리통증, 요추부", "재활의학과", "MM105", "도수치료", (0, 0), ""),
]
SECOND_DX = [
    ("E11.9", "합병증을 동반하지 않은 2형 당뇨병"),
    ("I10", "본태성(원발성) 고혈압"),
    ("E78.5", "상세불명의 고지혈증"),
    ("K29.7", "상세불명의 위염"),
    ("M81.9", "상세불명의 골다공증"),
    ("J30.4", "상세불명의 알레르기비염"),
]
CLINIC_DEPTS = {
    "외과",
    "정형외과",
    "안과",
    "이비인후과",
    "소아청소년과",
    "재활의학과",
    "비뇨의학과",
    "신경외과",
}
HOSP_STEMS = [
    "한빛",
    "새봄",
    "푸른솔",
    "늘봄",
    "다온",
    "해솔",
    "가람",
    "미르",
    "온새미",
    "별빛",
    "한결",
    "새결",
    "누리",
    "소망",
    "참좋은",
    "튼튼",
    "바른숲",
    "고운빛",
    "하늘정원",
    "맑은샘",
]
INSURERS = ["다온생명", "한결손해보험", "늘봄화재해상", "미르생명", "가람라이프"]
DRUGS = [
    ("아세트아미노펜정500mg", "1정"),
    ("아목시실린캡슐250mg", "1캡슐"),
    ("세파클러캡슐250mg", "1캡슐"),
    ("록소프로펜나트륨정60mg", "1정"),
    ("레바미피드정100mg", "1정"),
    ("에페리손염산염정50mg", "1정"),
    ("셀레콕시브캡슐200mg", "1캡슐"),
    ("알마게이트정500mg", "1정"),
    ("에스오메프라졸정20mg", "1정"),
    ("아토르바스타틴정10mg", "1정"),
    ("메트포르민정500mg", "1정"),
    ("덱시부프로펜시럽", "5mL"),
    ("트라마돌염산염캡슐50mg", "1캡슐"),
    ("모사프리드정5mg", "1정"),
    ("클로피도그렐정75mg", "1정"),
]
ROUTES = ["식후 30분", "식후 즉시", "취침 전", "아침 식후", "필요시"]

# (category, code, item name, unit price, covered?)
BILL_ITEMS = [
    ("진찰료", "AA154", "초진진찰료", 18_840, True),
    ("진찰료", "AA254", "재진진찰료", 13_470, True),
    ("입원료", "AB220", "입원료-일반병동 6인실", 67_650, True),
    ("입원료", "AB320", "입원료-1인실 상급병실", 180_000, False),
    ("식대", "FA101", "일반식(환자식)", 5_350, True),
    ("투약및조제료", "J1010", "내복약 조제료", 2_470, True),
    ("주사료", "KK052", "정맥내 점적주사", 6_950, True),
    ("주사료", "KK010", "피하 또는 근육내주사", 1_820, True),
    ("마취료", "L0101", "전신마취 기본", 154_300, True),
    ("검사료", "B1010", "일반혈액검사(CBC)", 4_320, True),
    ("검사료", "B2570", "간기능검사(AST)", 1_690, True),
    ("검사료", "E6541", "표준 12유도 심전도", 11_760, True),
    ("영상진단료", "G2101", "흉부 단순촬영(PA)", 9_620, True),
    ("CT 진단료", "HA471", "복부 CT(조영제 사용)", 138_900, True),
    ("MRI 진단료", "HI221", "슬관절 MRI", 420_000, False),
    ("초음파 진단료", "EB411", "상복부 초음파", 85_000, False),
    ("치료재료대", "J5170", "흡수성 봉합사", 23_400, True),
    ("재활및물리치료료", "MM010", "표층열치료", 1_200, True),
    ("재활및물리치료료", "MM105", "도수치료", 90_000, False),
]


MRI_BY_DEPT = {
    "정형외과": "슬관절 MRI",
    "신경외과": "요추 MRI",
    "신경과": "뇌 MRI",
    "재활의학과": "요추 MRI",
    "유방외과": "유방 MRI",
}
US_BY_DEPT = {
    "유방외과": "유방 초음파",
    "갑상선외과": "갑상선 초음파",
    "비뇨의학과": "신장 초음파",
    "외과": "상복부 초음파",
    "소화기내과": "상복부 초음파",
    "소아청소년과": "복부 초음파",
}


def item_fits(item, dx: Dx) -> bool:
    cat = item[0]
    if cat == "MRI 진단료":
        return dx.dept in MRI_BY_DEPT
    if cat == "초음파 진단료":
        return dx.dept in US_BY_DEPT
    if cat == "재활및물리치료료":
        return dx.dept in ("정형외과", "신경외과", "재활의학과", "신경과")
    if cat == "마취료":
        return dx.proc_code is not None and dx.anesthesia in ("전신마취", "척추마취")
    if cat == "CT 진단료":
        return dx.dept not in ("안과", "이비인후과", "재활의학과")
    return True


def item_name(item, dx: Dx) -> str:
    if item[0] == "MRI 진단료":
        return MRI_BY_DEPT.get(dx.dept, item[2])
    if item[0] == "초음파 진단료":
        return US_BY_DEPT.get(dx.dept, item[2])
    return item[2]


# --------------------------------------------------------------------------
# page canvas
# --------------------------------------------------------------------------
class Page:
    def __init__(self, size, family, base_px, paper_rgb, ink, line_rgb, shade_rgb):
        self.W, self.H = size
        self.family = family
        self.base = base_px
        self.paper = paper_rgb
        self.ink = ink
        self.line_rgb = line_rgb
        self.shade = shade_rgb
        self.img = Image.new("RGB", size, paper_rgb)
        self.d = ImageDraw.Draw(self.img)
        self.mx = int(self.W * (0.065 if self.W > 1000 else 0.06))
        self.y = int(self.H * 0.045)
        self.texts: list[str] = []
        self.problems: list[str] = []
        self.overlays: list[tuple[Image.Image, tuple[int, int]]] = []
        self.chars: set[tuple[bool, str]] = set()
        self.protect: list[tuple[float, float, float, float]] = []  # bboxes that stamps must avoid

    @property
    def tw_total(self) -> int:
        return self.W - 2 * self.mx

    def font(self, px, bold=False):
        return load_font(self.family, px, bold)

    def textlen(self, s, px, bold=False):
        return self.d.textlength(s, font=self.font(px, bold))

    def put(self, x, y, s, px=None, bold=False, fill=None, anchor="la", maxw=None, protect=False):
        """Draw s; shrink (not below MIN_PX) when maxw is given. Returns bbox."""
        px = px or self.base
        if maxw is not None:
            while px > MIN_PX and self.textlen(s, px, bold) > maxw:
                px -= 1
            if self.textlen(s, px, bold) > maxw + 1:
                self.problems.append(f"overflow: {s!r} ({self.textlen(s, px, bold):.0f}>{maxw:.0f})")
        f = self.font(px, bold)
        self.d.text((x, y), s, font=f, fill=fill or self.ink, anchor=anchor)
        self.texts.append(s)
        for ch in s:
            if not ch.isspace():
                self.chars.add((bold, ch))
        bb = self.d.textbbox((x, y), s, font=f, anchor=anchor)
        if bb[2] > self.W - 4 or bb[0] < 4 or bb[3] > self.H - 4:
            self.problems.append(f"off page: {s!r} {bb}")
        if protect:
            self.protect.append(bb)
        return bb

    def line(self, x0, y0, x1, y1, w=2, fill=None):
        self.d.line([(x0, y0), (x1, y1)], fill=fill or self.line_rgb, width=w)

    def rect(self, x0, y0, x1, y1, w=2, outline=None, fill=None):
        self.d.rectangle([x0, y0, x1, y1], outline=outline or self.line_rgb, width=w, fill=fill)


def wrap_marked(pg: Page, text: str, px: int, maxw: float, bold: bool = False) -> list[str]:
    """Wrap at spaces; spans inside ⟦ ⟧ are atomic (never split across lines)."""
    ph = "\x00"
    buf, atom = [], False
    for ch in text:
        if ch == "⟦":
            atom = True
            continue
        if ch == "⟧":
            atom = False
            continue
        buf.append(ph if (atom and ch == " ") else ch)
    words = "".join(buf).split(" ")
    lines, cur = [], ""
    for w in words:
        cand = w if not cur else cur + " " + w
        if not cur or pg.textlen(cand.replace(ph, " "), px, bold) <= maxw:
            cur = cand
        else:
            lines.append(cur)
            cur = w
    if cur:
        lines.append(cur)
    return [ln.replace(ph, " ") for ln in lines]


def fit_lines(pg: Page, s: str, px: int, maxw: float) -> list[str]:
    """One line when it fits, else wrap at spaces, else split after '및' or in the middle."""
    if pg.textlen(s, px) <= maxw:
        return [s]
    if " " in s:
        return wrap_marked(pg, s, px, maxw)
    if "및" in s:
        i = s.index("및") + 1
        return [s[:i], s[i:]]
    i = (len(s) + 1) // 2
    return [s[:i], s[i:]]


def A(s: str) -> str:
    return f"⟦{s}⟧"


@dataclass
class Cell:
    text: str | list[str]
    span: int = 1
    kind: str = "value"  # label | value | head | num | center
    bold: bool = False
    px: int | None = None
    protect: bool = False


def draw_grid(
    pg: Page,
    x0: int,
    widths: list[int],
    rows: list[list[Cell]],
    px: int | None = None,
    pad: int = 10,
    lw: int = 2,
    min_h: int | None = None,
    outer: int = 3,
) -> int:
    px = px or pg.base
    lh = int(px * 1.38)
    min_h = min_h or int(px * 2.0)
    y = pg.y
    top = y
    for row in rows:
        hts = []
        for c in row:
            n = len(c.text) if isinstance(c.text, list) else 1
            hts.append(n * lh + 2 * pad)
        h = max([min_h] + hts)
        x = x0
        ci = 0
        for c in row:
            w = sum(widths[ci : ci + c.span])
            ci += c.span
            if c.kind in ("label", "head"):
                pg.rect(x, y, x + w, y + h, w=lw, fill=pg.shade)
            else:
                pg.rect(x, y, x + w, y + h, w=lw)
            lines = c.text if isinstance(c.text, list) else [c.text]
            cpx = c.px or px
            n = len(lines)
            y_first = y + h / 2 - (n - 1) * lh / 2
            for i, s in enumerate(lines):
                if not s:
                    continue
                yy = y_first + i * lh
                bold = c.bold or c.kind in ("label", "head")
                if c.kind in ("label", "head", "center"):
                    pg.put(x + w / 2, yy, s, cpx, bold=bold, anchor="mm", maxw=w - 2 * pad, protect=c.protect)
                elif c.kind == "num":
                    pg.put(
                        x + w - pad, yy, s, cpx, bold=bold, anchor="rm", maxw=w - 2 * pad, protect=c.protect
                    )
                else:
                    pg.put(x + pad, yy, s, cpx, bold=bold, anchor="lm", maxw=w - 2 * pad, protect=c.protect)
            x += w
        y += h
    if outer:
        pg.rect(x0, top, x0 + sum(widths), y, w=outer)
    pg.y = y
    return y


def pair_rows(pairs_rows, big_label=False) -> list[list[Cell]]:
    """[[(label, value), (label, value)], [(label, value)]] -> 4-column grid rows."""
    rows = []
    for pr in pairs_rows:
        if len(pr) == 1:
            lab, val = pr[0]
            rows.append([Cell(lab, kind="label"), Cell(val, span=3, protect=True)])
        else:
            (l1, v1), (l2, v2) = pr
            rows.append(
                [
                    Cell(l1, kind="label"),
                    Cell(v1, protect=True),
                    Cell(l2, kind="label"),
                    Cell(v2, protect=True),
                ]
            )
    return rows


def draw_kv(
    pg: Page,
    pairs,
    cols: int = 2,
    px: int | None = None,
    style: str = "colon",
    label_w: int | None = None,
    gap: int = 30,
):
    """Key/value list. pairs: list of (label, value, full_width_flag)."""
    px = px or pg.base
    lh = int(px * 1.85)
    tw = pg.tw_total
    colw = (tw - gap * (cols - 1)) // cols
    lbl_w = label_w or int(max(pg.textlen(p[0], px, True) for p in pairs) + px * 0.8)
    i = 0
    y = pg.y + px
    while i < len(pairs):
        row = []
        if pairs[i][2] or cols == 1:
            row = [pairs[i]]
            i += 1
            widths = [tw]
        else:
            row = [pairs[i]]
            i += 1
            while len(row) < cols and i < len(pairs) and not pairs[i][2]:
                row.append(pairs[i])
                i += 1
            widths = [colw] * len(row)
        x = pg.mx
        for (lab, val, _), w in zip(row, widths):
            pg.put(x, y, lab, px, bold=True, anchor="ls")
            if style == "colon":
                pg.put(x + lbl_w - px * 0.5, y, ":", px, anchor="ls")
            vx = x + lbl_w + 6
            pg.put(vx, y, val, px, anchor="ls", maxw=x + w - vx - 4, protect=True)
            if style == "underline":
                pg.line(vx - 4, y + 8, x + w - 10, y + 8, w=1)
            elif style == "dotted":
                xx = vx - 4
                while xx < x + w - 14:
                    pg.d.point((xx, y + 7), fill=pg.line_rgb)
                    pg.d.point((xx + 1, y + 7), fill=pg.line_rgb)
                    xx += 6
            x += w + gap
        y += lh
    pg.y = y - lh + int(px * 0.9)


def draw_para(
    pg: Page,
    text: str,
    px: int | None = None,
    indent: int = 0,
    x0: int | None = None,
    maxw: float | None = None,
    spacing: float = 1.6,
) -> None:
    px = px or pg.base
    x0 = pg.mx + indent if x0 is None else x0
    maxw = maxw or (pg.W - pg.mx - x0)
    for ln in wrap_marked(pg, text, px, maxw):
        pg.put(x0, pg.y, ln, px, anchor="la", maxw=maxw)
        pg.y += int(px * spacing)


# --------------------------------------------------------------------------
# decorations
# --------------------------------------------------------------------------
def stamp_square(pg: Page, rng: random.Random, label: str, cx: int, cy: int, size: int) -> None:
    chars = list(label.replace(" ", ""))[:9]
    n = 3 if len(chars) > 4 else 2
    while len(chars) < n * n:
        chars.append("인" if "인" not in chars else "장")
    chars = chars[: n * n]
    lay = Image.new("RGBA", (size + 20, size + 20), (0, 0, 0, 0))
    d = ImageDraw.Draw(lay)
    red = (200, 30, 35, 190)
    d.rectangle([10, 10, size + 10, size + 10], outline=red, width=max(4, size // 22))
    f = load_font("NanumMyeongjo", int(size / n * 0.78), True)
    cell = size / n
    for k, ch in enumerate(chars):
        r, c = divmod(k, n)
        # traditional seal reads top-to-bottom, right-to-left
        xx = 10 + size - (r + 0.5) * cell
        yy = 10 + (c + 0.5) * cell
        d.text((xx, yy), ch, font=f, fill=red, anchor="mm")
    lay = lay.rotate(rng.uniform(-8, 8), resample=Image.BICUBIC)
    _place_overlay(pg, lay, cx, cy)


def stamp_round(pg: Page, rng: random.Random, text: str, cx: int, cy: int, r: int) -> None:
    lay = Image.new("RGBA", (2 * r + 20, 2 * r + 20), (0, 0, 0, 0))
    d = ImageDraw.Draw(lay)
    red = (205, 35, 40, 185)
    d.ellipse([10, 10, 2 * r + 10, 2 * r + 10], outline=red, width=max(3, r // 12))
    f = load_font("NanumMyeongjo", int(r * 0.62), True)
    txt = text[:2]
    if len(txt) == 2:
        d.text((r + 10, r + 10 - r * 0.33), txt[0], font=f, fill=red, anchor="mm")
        d.text((r + 10, r + 10 + r * 0.38), txt[1], font=f, fill=red, anchor="mm")
    else:
        d.text((r + 10, r + 10), txt, font=f, fill=red, anchor="mm")
    lay = lay.rotate(rng.uniform(-15, 15), resample=Image.BICUBIC)
    _place_overlay(pg, lay, cx, cy)


def _place_overlay(pg: Page, lay: Image.Image, cx: int, cy: int) -> None:
    """Put a stamp near (cx, cy) where it hides no protected (identifier / keep) text.

    Tries shifts right, then below / above; drops the stamp when nothing fits."""
    w, h = lay.size
    for dy in (0, h * 0.45, -h * 0.45, h * 0.8, -h * 0.8, h * 1.1):
        for dx in range(0, 480, 8):
            x, y = cx + dx, cy + dy
            box = (x - w / 2 + 3, y - h / 2 + 3, x + w / 2 - 3, y + h / 2 - 3)
            if box[0] < 6 or box[1] < 6 or box[2] > pg.W - 6 or box[3] > pg.H - 6:
                continue
            if any(
                not (box[2] < b[0] or box[0] > b[2] or box[3] < b[1] or box[1] > b[3]) for b in pg.protect
            ):
                continue
            pg.overlays.append((lay, (int(x - w / 2), int(y - h / 2))))
            return


def scribble(pg: Page, rng: random.Random, x: int, y: int, w: int, h: int) -> None:
    """A cursive-looking signature stroke: looping trochoid with a slow wobble."""
    loops = rng.randint(3, 6)
    a = w * rng.uniform(0.04, 0.07)
    ph = rng.uniform(0, 6.28)
    pts = []
    steps = loops * 24
    for i in range(steps):
        t = i / (steps - 1)
        ang = 2 * math.pi * loops * t
        env = 0.55 + 0.45 * math.sin(math.pi * t + ph * 0.1)
        px_ = x + t * w * 0.85 - a * math.sin(ang)
        py_ = y + h / 2 - h * 0.38 * env * math.cos(ang) + h * 0.12 * math.sin(2 * math.pi * t + ph)
        pts.append((px_, py_))
    # underline flourish
    pts += [(x + w * 0.85, y + h * 0.7), (x + w, y + h * 0.55)]
    pg.d.line(pts, fill=(30, 40, 110), width=3, joint="curve")


def rotate_img(img: Image.Image, deg: float, fill) -> Image.Image:
    if cv2 is None:
        return img.rotate(deg, resample=Image.BILINEAR, expand=False, fillcolor=fill)
    a = np.asarray(img)
    h, w = a.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), deg, 1.0)
    border = fill if isinstance(fill, int) else tuple(int(v) for v in fill)
    out = cv2.warpAffine(
        a, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=border
    )
    return Image.fromarray(out)


def blur_img(img: Image.Image, radius: float) -> Image.Image:
    if cv2 is None:
        return img.filter(ImageFilter.GaussianBlur(radius))
    return Image.fromarray(cv2.GaussianBlur(np.asarray(img), (0, 0), radius))


def watermark(pg: Page, rng: random.Random, text: str) -> None:
    lay = Image.new("L", (pg.W, pg.H), 0)
    d = ImageDraw.Draw(lay)
    f = load_font(pg.family, int(pg.W * 0.13), True)
    d.text((pg.W / 2, pg.H / 2), text, font=f, fill=255, anchor="mm")
    lay = rotate_img(lay, rng.uniform(25, 40), 0)
    tint = Image.new("RGB", pg.img.size, (150, 150, 160))
    pg.img = Image.composite(tint, pg.img, lay.point(lambda v: int(v * 0.10)))
    pg.d = ImageDraw.Draw(pg.img)


# --------------------------------------------------------------------------
# shared document parts
# --------------------------------------------------------------------------
@dataclass
class Hospital:
    name: str
    address: str
    phone: str
    fax: str
    code: str  # 요양기관기호
    biz_no: str  # 사업자등록번호
    email: str


def make_hospital(rng: random.Random, dept: str, allow_long: bool = True) -> Hospital:
    stem = rng.choice(HOSP_STEMS)
    if dept in CLINIC_DEPTS and rng.random() < 0.55:
        name = f"{stem}{dept}의원"
    else:
        name = rng.choice(
            [
                f"{stem}병원",
                f"{stem}대학교병원",
                f"{stem}종합병원",
                f"의료법인 {stem}의료재단 {stem}병원",
                f"{stem}의료원",
            ]
        )
        if not allow_long and name.startswith("의료법인"):
            name = f"{stem}병원"
    ad = make_address(rng, detail=False, lot_form_p=0.0)
    phone = fmt_landline(rng, ad.area)
    fax = fmt_landline(rng, ad.area)
    code = f"{rng.randint(10000000, 39999999)}"
    biz = f"{rng.randint(100, 899)}-{rng.randint(10, 99)}-{rng.randint(10000, 99999)}"
    email = f"{rng.choice(['info', 'admin', 'help', 'med'])}@{rng.choice(['hosp', 'clinic', 'mc'])}{rng.randint(1, 99)}.co.kr"
    return Hospital(name, ad.short, phone, fax, code, biz, email)


DATE_STYLES = ["iso", "dot", "dotsp", "kor"]


def fmt_date(d: date, style: str) -> str:
    if style == "iso":
        return d.strftime("%Y-%m-%d")
    if style == "dot":
        return d.strftime("%Y.%m.%d")
    if style == "dotsp":
        return f"{d.year}. {d.month}. {d.day}."
    return f"{d.year}년 {d.month}월 {d.day}일"


def won(v: int, suffix: bool = True) -> str:
    return f"{v:,}원" if suffix else f"{v:,}"


@dataclass
class Person:
    name: str
    sex: str
    birth: date
    rrn: RRN
    mobile: str
    home: str | None
    address: Address
    email: str

    def age(self, on: date) -> int:
        return on.year - self.birth.year - ((on.month, on.day) < (self.birth.month, self.birth.day))


def make_person(rng: random.Random, on: date, kind: str = "adult") -> Person:
    foreign = kind == "foreign"
    name = make_name(rng, foreign_ok=foreign)
    sex = rng.choice("MF")
    if kind == "child":
        birth = date(rng.randint(2014, 2024), rng.randint(1, 12), rng.randint(1, 28))
    elif kind == "elder":
        birth = date(rng.randint(1936, 1950), rng.randint(1, 12), rng.randint(1, 28))
    else:
        birth = date(rng.randint(1955, 2004), rng.randint(1, 12), rng.randint(1, 28))
    if birth >= on:
        birth = on - timedelta(days=400)
    post2020 = birth >= date(2020, 10, 1) or rng.random() < 0.08
    rrn = make_rrn(rng, birth, sex, foreign, random_tail=post2020)
    ad = make_address(rng)
    home = fmt_landline(rng, ad.area) if rng.random() < 0.5 else None
    return Person(name, sex, birth, rrn, fmt_mobile(rng), home, ad, make_email(rng, name))


class Truth:
    def __init__(self):
        self.ids: list[dict] = []
        self.keep: list[str] = []
        self.non_patient: list[dict] = []

    def pii(self, typ: str, val: str) -> str:
        if not any(e["type"] == typ and e["value"] == val for e in self.ids):
            self.ids.append({"type": typ, "value": val})
        return val

    def k(self, val: str) -> str:
        if val in ("0", "0원"):  # zero amounts are not worth scoring
            return val
        if val not in self.keep:
            self.keep.append(val)
        return val

    def np_(self, typ: str, val: str) -> str:
        if not any(e["value"] == val for e in self.non_patient):
            self.non_patient.append({"type": typ, "value": val})
        return val


@dataclass
class Ctx:
    rng: random.Random
    pg: Page
    t: Truth
    dstyle: str
    title_pt: int
    hosp: Hospital
    dx: Dx
    pat: Person
    guardian: Person | None
    doctor: str
    lic: str
    issue: date
    rrn_style: str
    name_spaced: bool
    notes: dict = field(default_factory=dict)

    def D(self, d: date) -> str:
        return self.t.k(fmt_date(d, self.dstyle))

    def pname(self) -> str:
        n = spaced(self.pat.name) if self.name_spaced else self.pat.name
        return self.t.pii("name", n)

    def prrn(self, style: str | None = None) -> str:
        return self.t.pii("rrn", self.pat.rrn.fmt(style or self.rrn_style))


def header_block(c: Ctx, style: str, accent) -> None:
    pg, h, t = c.pg, c.hosp, c.t
    x0, tw = pg.mx, pg.tw_total
    npx = pt(c.rng.choice([16, 18, 20]))
    spx = max(MIN_PX, pg.base - 2)
    t.k(h.name)
    t.np_("hospital_address", h.address)
    t.np_("hospital_phone", h.phone)
    t.np_("hospital_fax", h.fax)
    if style == "center":
        pg.put(pg.W / 2, pg.y, h.name, npx, bold=True, fill=accent, anchor="mt", maxw=tw)
        pg.y += int(npx * 1.45)
        pg.put(pg.W / 2, pg.y, h.address, spx, anchor="mt", maxw=tw)
        pg.y += int(spx * 1.45)
        pg.put(pg.W / 2, pg.y, f"☎ {h.phone}   FAX {h.fax}", spx, anchor="mt", maxw=tw)
        pg.y += int(spx * 1.6)
        pg.line(x0, pg.y, x0 + tw, pg.y, w=4, fill=accent)
        pg.line(x0, pg.y + 7, x0 + tw, pg.y + 7, w=1, fill=accent)
        pg.y += 28
    elif style == "logo":
        r = int(npx * 1.1)
        cx, cy = x0 + r, pg.y + r
        pg.d.ellipse([cx - r, cy - r, cx + r, cy + r], outline=accent, width=5)
        pg.d.line([(cx, cy - r * 0.55), (cx, cy + r * 0.55)], fill=accent, width=int(r * 0.28))
        pg.d.line([(cx - r * 0.55, cy), (cx + r * 0.55, cy)], fill=accent, width=int(r * 0.28))
        tx = cx + r + 20
        pg.put(tx, cy - 4, h.name, npx, bold=True, fill=accent, anchor="ls", maxw=pg.W - pg.mx - tx)
        pg.put(tx, cy + spx + 6, h.address, spx, anchor="ls", maxw=pg.W - pg.mx - tx)
        pg.put(
            tx,
            cy + 2 * spx + 16,
            f"대표전화 {h.phone}  |  팩스 {h.fax}",
            spx,
            anchor="ls",
            maxw=pg.W - pg.mx - tx,
        )
        pg.y = cy + 2 * spx + 34
        pg.line(x0, pg.y, x0 + tw, pg.y, w=3, fill=accent)
        pg.y += 26
    else:  # left
        pg.put(x0, pg.y, h.name, npx, bold=True, fill=accent, maxw=tw)
        pg.y += int(npx * 1.4)
        pg.put(x0, pg.y, f"{h.address}", spx, maxw=tw)
        pg.y += int(spx * 1.4)
        pg.put(x0, pg.y, f"TEL {h.phone}  FAX {h.fax}", spx, maxw=tw)
        pg.y += int(spx * 1.5)
        pg.line(x0, pg.y, x0 + tw, pg.y, w=3, fill=accent)
        pg.y += 26


def title_block(
    c: Ctx, text: str, spaced_title: bool = True, boxed: bool = False, sub: str | None = None
) -> None:
    pg = c.pg
    px = pt(c.title_pt)
    s = " ".join(text) if spaced_title and len(text) <= 6 else text
    pg.y += int(px * 0.2)
    bb = pg.put(pg.W / 2, pg.y, s, px, bold=True, anchor="mt", maxw=pg.tw_total)
    if boxed:
        pg.rect(bb[0] - 30, bb[1] - 16, bb[2] + 30, bb[3] + 18, w=3)
    else:
        pg.line(bb[0] - 10, bb[3] + 10, bb[2] + 10, bb[3] + 10, w=2)
    pg.y = bb[3] + 30
    if sub:
        pg.put(pg.W / 2, pg.y, sub, max(MIN_PX, pg.base - 1), anchor="mt", maxw=pg.tw_total)
        pg.y += int(pg.base * 1.8)
    else:
        pg.y += 6


def sign_block(
    c: Ctx,
    statement: str,
    role: str = "담당의",
    lic_style: str | None = None,
    show_addr: bool = True,
    seal: bool = True,
    doc_stamp: bool = True,
    with_lic: bool = True,
    extra_lines: list[str] | None = None,
) -> None:
    pg, rng, t = c.pg, c.rng, c.t
    px = pg.base
    if statement:
        pg.y += int(px * 0.8)
        pg.put(pg.W / 2, pg.y, statement, px, anchor="mt", maxw=pg.tw_total)
        pg.y += int(px * 2.0)
    ds = c.D(c.issue)
    pg.put(pg.W / 2, pg.y, ds, px, anchor="mt")
    pg.y += int(px * 2.3)
    narrow = pg.W < 1000
    x = pg.mx + (0 if narrow else int(pg.tw_total * 0.36))
    maxw = pg.W - pg.mx - x
    t.k(c.hosp.name)
    lines = [("의료기관명", c.hosp.name, "hosp")]
    if show_addr:
        t.np_("hospital_address", c.hosp.address)
        t.np_("hospital_phone", c.hosp.phone)
        lines.append(("주    소", c.hosp.address, None))
        lines.append(("전화번호", c.hosp.phone, None))
    for e in extra_lines or []:
        lines.append((e[0], e[1], None))
    lic_style = lic_style or rng.choice(["je", "jecompact", "colon", "no"])
    if with_lic:
        t.pii("medical_license", c.lic)
        lic_txt = {"je": f"제 {c.lic} 호", "jecompact": f"제{c.lic}호", "colon": c.lic, "no": f"No. {c.lic}"}[
            lic_style
        ]
        lines.append(("면허번호", lic_txt, "lic"))
    doc = spaced(c.doctor) if rng.random() < 0.15 else c.doctor
    t.pii("name", doc)
    lbl_w = int(max(pg.textlen(a, px, True) for a, _, _ in lines + [(role, "", None)]) + px)
    hosp_bb = None
    for lab, val, tag in lines:
        pg.put(x, pg.y, lab, px, bold=True)
        pg.put(x + lbl_w - px * 0.6, pg.y, ":", px)
        bb = pg.put(x + lbl_w + 4, pg.y, val, px, maxw=maxw - lbl_w - 8, protect=True)
        if tag == "hosp":
            hosp_bb = bb
        pg.y += int(px * 1.65)
    pg.y += int(px * 0.3)
    pg.put(x, pg.y, role, px, bold=True)
    pg.put(x + lbl_w - px * 0.6, pg.y, ":", px)
    nb = pg.put(x + lbl_w + 4, pg.y, doc, int(px * 1.15), bold=True, protect=True)
    mark = rng.choice(["(인)", "(서명 또는 인)", "(서명)"])
    mb = pg.put(nb[2] + px * 0.8, pg.y, mark, px)
    if mark == "(서명)":
        scribble(pg, rng, int(mb[2] + 10), int(mb[1] - 18), int(min(170, pg.W - pg.mx - mb[2] - 14)), 56)
    elif seal:
        r = int(px * 1.35)
        stamp_round(pg, rng, "인", int(mb[2] - px * 0.9), int((mb[1] + mb[3]) / 2), r)
    pg.y += int(px * 2.2)
    if doc_stamp and hosp_bb is not None:
        size = int(px * 4.2)
        stamp_square(
            pg,
            rng,
            c.hosp.name.split()[-1] + "장인",
            int(hosp_bb[2] + size * 0.35),
            int((hosp_bb[1] + hosp_bb[3]) / 2 + size * 0.25),
            size,
        )


# --------------------------------------------------------------------------
# kinds
# --------------------------------------------------------------------------
SYMPTOMS = {
    "S": ["통증", "부종", "운동 제한"],
    "M": ["통증", "운동 제한", "저림"],
    "K": ["복통", "소화불량", "구역"],
    "J": ["발열", "기침", "인후통"],
    "A": ["설사", "발열", "구토"],
    "C": ["촉지되는 종괴", "검진상 이상 소견"],
    "D": ["검진상 이상 소견"],
    "I": ["흉통", "편측 위약감", "어지럼"],
    "H": ["시력 저하", "이통"],
    "N": ["옆구리 통증", "혈뇨"],
    "E": ["다음", "피로감"],
}


def dx_lines(c: Ctx, with_second: bool) -> list[tuple[str, str]]:
    out = [(c.t.k(c.dx.kcd), c.dx.name)]
    if with_second and c.pat.age(c.issue) >= 30:
        k2, n2 = c.notes.setdefault("dx2", c.rng.choice(SECOND_DX))
        out.append((c.t.k(k2), n2))
    return out


def kind_diagnosis(c: Ctx, layout: str) -> None:
    pg, rng, t = c.pg, c.rng, c.t
    onset = c.issue - timedelta(days=rng.randint(5, 60))
    diag = onset + timedelta(days=rng.randint(0, 4))
    dxs = dx_lines(c, rng.random() < 0.45)
    t.k(c.dx.dept)
    chart = t.pii("chart_no", make_chart_no(rng, c.issue.year))
    serial = f"{c.issue.year}-{rng.randint(1, 9999):04d}"
    opinion = (
        f"상기 환자는 {A(c.D(onset))}경부터 발생한 증상으로 본원 {c.dx.dept}에 내원하여 "
        f"검사 결과 위 진단 하에 치료 중임. "
    )
    if c.dx.proc_name:
        opdate = diag + timedelta(days=rng.randint(0, 3))
        opinion += f"{A(c.D(opdate))} {c.dx.proc_name}({A(t.k(c.dx.proc_code))})을 시행하였으며 "
    weeks = rng.randint(2, 12)
    opinion += f"향후 약 {weeks}주간의 안정 가료 및 외래 추적 관찰이 필요할 것으로 사료됨."
    small = rng.random() < 0.5
    if small:
        pg.put(pg.mx, pg.y, "■ 의료법 시행규칙 서식", MIN_PX, fill=(90, 90, 90))
        pg.y += int(MIN_PX * 1.8)
    if layout == "boxed_table":
        px = pg.base
        tw = pg.tw_total
        pg.put(pg.mx, pg.y, f"등록번호 : {chart}", px, protect=True)
        pg.put(pg.W - pg.mx, pg.y, f"연번호 : {serial}", px, anchor="ra")
        pg.y += int(px * 1.7)
        title_block(c, "진단서", boxed=rng.random() < 0.4)
        lw = int(tw * 0.17)
        vw = int(tw * 0.33)
        widths = [lw, vw, lw, tw - 2 * lw - vw]
        rows = pair_rows([[("환자 성명", c.pname()), ("주민등록번호", c.prrn())]])
        rows += pair_rows([[("주    소", t.pii("address", c.pat.address.full))]])
        tel = [("전화번호", t.pii("phone", c.pat.mobile))]
        if c.pat.home:
            tel.append(("자택전화", t.pii("phone", c.pat.home)))
        else:
            tel.append(("성별/나이", f"{'남' if c.pat.sex == 'M' else '여'} / 만 {c.pat.age(c.issue)}세"))
        rows += pair_rows([tel])
        dx_text = ["■ 최종 진단   □ 임상적 추정"] + [f"{i + 1}. {n}" for i, (_, n) in enumerate(dxs)]
        rows.append(
            [
                Cell("병    명", kind="label"),
                Cell(dx_text, span=2, protect=True),
                Cell(["질병분류기호"] + [k for k, _ in dxs], kind="center", protect=True),
            ]
        )
        rows += pair_rows([[("발 병 일", c.D(onset)), ("진 단 일", c.D(diag))]])
        op_lines = wrap_marked(pg, opinion, px, tw - lw - 24)
        rows.append([Cell(["치료 내용 및", "향후 소견"], kind="label"), Cell(op_lines, span=3, protect=True)])
        rows += pair_rows([[("입원·외래", rng.choice(["외래", "입원"])), ("용    도", "보험회사 제출용")]])
        draw_grid(pg, pg.mx, widths, rows, px)
        sign_block(c, "「의료법」 제17조에 따라 위와 같이 진단합니다.", role="의사 성명")
    else:
        header_block(c, rng.choice(["left", "center", "logo"]), accent=c.notes["accent"])
        title_block(c, "진단서")
        pairs = [
            ("환 자 명", c.pname(), False),
            ("등록번호", chart, False),
            ("주민번호", c.prrn(), False),
            ("진 료 과", c.dx.dept, False),
            ("연 락 처", t.pii("phone", c.pat.mobile), False),
            ("발 병 일", c.D(onset), False),
            ("주    소", t.pii("address", c.pat.address.full), True),
        ]
        if rng.random() < 0.5:
            pairs.insert(6, ("보험증번호", t.pii("health_insurance_no", make_insurance_no(rng)), False))
            pairs.insert(7, ("진단구분", "최종 진단", False))
        draw_kv(pg, pairs, cols=2, style=rng.choice(["colon", "underline"]))
        pg.y += int(pg.base * 1.2)
        pg.put(pg.mx, pg.y, "[ 진 단 명 ]  최종 진단", pg.base, bold=True)
        pg.y += int(pg.base * 1.9)
        for i, (k, n) in enumerate(dxs):
            pg.put(pg.mx + 20, pg.y, f"{i + 1}) {n}", pg.base)
            pg.put(pg.W - pg.mx, pg.y, f"KCD  {k}", pg.base, anchor="ra", protect=True)
            pg.y += int(pg.base * 1.7)
        pg.put(pg.mx, pg.y, f"진 단 일 : {c.D(diag)}", pg.base)
        pg.y += int(pg.base * 2.2)
        pg.put(pg.mx, pg.y, "[ 소 견 ]", pg.base, bold=True)
        pg.y += int(pg.base * 1.9)
        draw_para(pg, opinion, indent=20)
        sign_block(c, "위와 같이 진단합니다.", role="담당의")


def kind_opinion(c: Ctx, layout: str) -> None:
    pg, rng, t = c.pg, c.rng, c.t
    header_block(c, rng.choice(["left", "center", "logo"]), accent=c.notes["accent"])
    title_block(c, rng.choice(["소견서", "의사소견서"]))
    chart = t.pii("chart_no", make_chart_no(rng, c.issue.year))
    age = c.pat.age(c.issue)
    sex = "남" if c.pat.sex == "M" else "여"
    pairs = [
        ("성    명", c.pname(), False),
        ("등록번호", chart, False),
        ("성별/나이", f"{sex} / {age}세", False),
        ("진 료 과", t.k(c.dx.dept), False),
    ]
    if rng.random() < 0.5:
        pairs.append(("주민등록번호", c.prrn(), True))
    elif rng.random() < 0.6:
        pairs.append(("건강보험증번호", t.pii("health_insurance_no", make_insurance_no(rng)), True))
    draw_kv(pg, pairs, cols=2, style="colon")
    pg.y += int(pg.base * 0.9)
    pg.line(pg.mx, pg.y, pg.W - pg.mx, pg.y, w=1)
    pg.y += int(pg.base * 1.2)
    first = c.issue - timedelta(days=rng.randint(20, 120))
    dxs = dx_lines(c, rng.random() < 0.4)
    nm = c.pat.name
    t.pii("name", nm)
    p1 = (
        f"상기 환자 {A(nm)}({sex}/{age}세)은(는) {A(c.D(first))} {rng.choice(SYMPTOMS.get(c.dx.kcd[0], ['통증']))}을 "
        f"주소로 본원 {c.dx.dept} 외래에 내원하였습니다. 시행한 이학적 검사 및 영상 검사상 "
        f"{c.dx.name}({A(dxs[0][0])}) 소견이 확인되었습니다."
    )
    if len(dxs) > 1:
        p1 += f" 동반 질환으로 {dxs[1][1]}({A(dxs[1][0])})이 있어 약물 치료 중입니다."
    paras = [p1]
    if c.dx.proc_name:
        opd = first + timedelta(days=rng.randint(2, 14))
        p2 = (
            f"{A(c.D(opd))} {c.dx.proc_name}(행위코드 {A(t.k(c.dx.proc_code))})을 {c.dx.anesthesia or '국소마취'} 하에 "
            f"시행하였으며 수술 후 특이 합병증 없이 회복 중입니다."
        )
        paras.append(p2)
    if c.guardian is not None:
        g = c.guardian
        t.pii("name", g.name)
        t.pii("phone", g.mobile)
        paras.append(
            f"환자는 보호자 {A(g.name)}(연락처 {A(g.mobile)})와 함께 내원하였으며, 보호자에게 "
            f"현재 상태와 향후 치료 계획을 충분히 설명하였습니다."
        )
    else:
        t.pii("phone", c.pat.mobile)
        paras.append(f"환자 본인(연락처 {A(c.pat.mobile)})에게 현재 상태와 향후 치료 계획을 설명하였습니다.")
    if rng.random() < 0.5:
        t.pii("address", c.pat.address.full)
        paras.append(f"환자의 거주지({A(c.pat.address.full)})에서 가까운 의료기관으로의 전원도 가능합니다.")
    paras.append(
        f"향후 {rng.randint(2, 8)}주간 외래 추적 관찰 및 재활 치료가 필요하며, 일상생활 복귀까지 "
        f"약 {rng.randint(4, 12)}주가 소요될 것으로 판단됩니다."
    )
    for p in paras:
        draw_para(pg, p, indent=0, spacing=1.65)
        pg.y += int(pg.base * 0.7)
    sign_block(c, "위와 같이 소견합니다.", role=rng.choice(["담당의", "주치의"]))


def kind_surgery(c: Ctx, layout: str) -> None:
    pg, rng, t = c.pg, c.rng, c.t
    dx = c.dx
    header_block(c, rng.choice(["left", "center", "logo"]), accent=c.notes["accent"])
    title_block(c, rng.choice(["수술확인서", "수술 확인서"]))
    adm = c.issue - timedelta(days=rng.randint(10, 40))
    opd = adm + timedelta(days=rng.randint(0, 2))
    chart = t.pii("chart_no", make_chart_no(rng, c.issue.year))
    t.k(dx.dept)
    t.k(dx.kcd)
    t.k(dx.proc_code)
    assistant = make_name(rng)
    t.pii("name", assistant)
    anes = dx.anesthesia or "국소마취"
    if layout == "boxed_table":
        tw = pg.tw_total
        lw = int(tw * 0.18)
        vw = int(tw * 0.32)
        widths = [lw, vw, lw, tw - 2 * lw - vw]
        rows = pair_rows(
            [
                [("등록번호", chart), ("환 자 명", c.pname())],
                [("주민등록번호", c.prrn()), ("진 료 과", dx.dept)],
            ]
        )
        if rng.random() < 0.5:
            rows += pair_rows(
                [
                    [
                        ("건강보험증번호", t.pii("health_insurance_no", make_insurance_no(rng))),
                        ("입 원 일", c.D(adm)),
                    ]
                ]
            )
        else:
            rows += pair_rows(
                [
                    [
                        ("병동/병실", f"{rng.randint(5, 12)}병동 {rng.randint(1, 30):02d}호"),
                        ("입 원 일", c.D(adm)),
                    ]
                ]
            )
        rows += pair_rows(
            [
                [("진 단 명", f"{dx.name} ({dx.kcd})")],
                [("수 술 명", dx.proc_name)],
                [("수술코드", dx.proc_code), ("수 술 일", c.D(opd))],
                [("마취방법", anes), ("집 도 의", c.doctor)],
                [("보 조 의", assistant), ("수술시간", f"{rng.randint(40, 240)}분")],
            ]
        )
        t.pii("name", c.doctor)
        note = wrap_marked(
            pg,
            f"상기 환자는 {dx.name} 진단 하에 위와 같이 수술을 시행받았음. 수술 중 특이사항 없음.",
            pg.base,
            tw - lw - 24,
        )
        rows.append([Cell("비    고", kind="label"), Cell(note, span=3)])
        draw_grid(pg, pg.mx, widths, rows)
    else:
        pairs = [
            ("환 자 명", c.pname(), False),
            ("등록번호", chart, False),
            ("주민등록번호", c.prrn(), False),
            ("진 료 과", dx.dept, False),
            ("입 원 일", c.D(adm), False),
            ("수 술 일", c.D(opd), False),
            ("진 단 명", f"{dx.name} [{dx.kcd}]", True),
            ("수 술 명", f"{dx.proc_name} [{dx.proc_code}]", True),
            ("마취방법", anes, False),
            ("보 조 의", assistant, False),
        ]
        draw_kv(pg, pairs, cols=2, style=rng.choice(["dotted", "colon"]))
    sign_block(c, "위 환자는 상기와 같이 수술을 받았음을 확인합니다.", role="집도의")


def receipt_amounts(rng: random.Random, dx: Dx, inpatient: bool, days: int):
    cats = ["진찰료"]
    if inpatient:
        cats += ["입원료", "식대"]
    cats += ["투약및조제료", "주사료", "검사료", "영상진단료"]
    if dx.proc_code:
        cats += (["마취료"] if item_fits(("마취료", ""), dx) else []) + ["처치및수술료", "치료재료대"]
    extra = [cat for cat in ("CT 진단료", "MRI 진단료", "초음파 진단료") if item_fits((cat, ""), dx)]
    if extra and rng.random() < 0.5:
        cats.append(rng.choice(extra))
    rate = 0.2 if inpatient else 0.3
    rows = []
    for cat in cats:
        base = {
            "진찰료": 18_840,
            "입원료": 67_650 * max(days, 1),
            "식대": 5_350 * 3 * max(days, 1),
            "마취료": 154_300,
            "처치및수술료": rng.randint(400_000, 2_400_000),
            "MRI 진단료": 0,
        }.get(cat, rng.randint(8_000, 180_000))
        cov = round(base / 10) * 10
        pat = round(cov * rate / 10) * 10
        ins = cov - pat
        full = rng.choice([0, 0, 0, rng.randint(1, 40) * 100])
        non = 0
        if cat in ("MRI 진단료", "초음파 진단료") or (cat == "검사료" and rng.random() < 0.4):
            non = rng.randint(6, 60) * 10_000
            if cat == "MRI 진단료":
                pat = ins = 0
        rows.append([cat, pat, ins, full, non])
    return rows


def kind_receipt(c: Ctx, layout: str) -> None:
    pg, rng, t = c.pg, c.rng, c.t
    dx = c.dx
    inpatient = dx.stay[1] > 0 and rng.random() < 0.7
    days = rng.randint(max(dx.stay[0], 1), max(dx.stay[1], 1)) if inpatient else 0
    d1 = c.issue - timedelta(days=days + rng.randint(0, 3))
    d2 = d1 + timedelta(days=days)
    chart = t.pii("chart_no", make_chart_no(rng, c.issue.year))
    t.k(dx.dept)
    src = "■입원  □외래" if inpatient else "□입원  ■외래"
    pg.put(pg.mx, pg.y, "[별지 제1호서식]", MIN_PX, fill=(90, 90, 90))
    pg.y += int(MIN_PX * 1.6)
    title_block(
        c,
        "진료비 계산서·영수증",
        spaced_title=False,
        sub=f"( {src} )   ( □퇴원  ■중간 )" if inpatient else f"( {src} )",
    )
    tw = pg.tw_total
    px = pg.base
    land = pg.W > pg.H
    rrn_cell = c.prrn("masked") if rng.random() < 0.6 else c.prrn()
    rows_info = [
        [
            Cell("환자등록번호", kind="head"),
            Cell("환자 성명", kind="head"),
            Cell("주민등록번호", kind="head"),
            Cell("진료기간", kind="head", span=2),
        ],
        [
            Cell(chart, kind="center", protect=True),
            Cell(c.pname(), kind="center", protect=True),
            Cell(rrn_cell, kind="center", protect=True),
            Cell(f"{c.D(d1)} ~ {c.D(d2)}", kind="center", span=2, protect=True),
        ],
        [
            Cell("진료과목", kind="head"),
            Cell("질병군번호", kind="head"),
            Cell("병실", kind="head"),
            Cell("환자구분", kind="head"),
            Cell("영수증번호", kind="head"),
        ],
        [
            Cell(dx.dept, kind="center"),
            Cell("-", kind="center"),
            Cell(f"{rng.randint(3, 12)}{rng.randint(1, 30):02d}호" if inpatient else "-", kind="center"),
            Cell("건강보험", kind="center"),
            Cell(f"{c.issue:%Y%m%d}-{rng.randint(1, 9999):04d}", kind="center"),
        ],
    ]
    ws = [int(tw * 0.17), int(tw * 0.17), int(tw * 0.22), int(tw * 0.2)]
    ws.append(tw - sum(ws))
    draw_grid(pg, pg.mx, ws, rows_info, px=px)
    pg.y += 18
    amounts = receipt_amounts(rng, dx, inpatient, days)
    head = [
        Cell("항    목", kind="head"),
        Cell(["급여", "본인부담금"], kind="head"),
        Cell(["급여", "공단부담금"], kind="head"),
        Cell("전액본인부담", kind="head"),
        Cell("비급여", kind="head"),
    ]
    rows = [head]
    tot = [0, 0, 0, 0]
    for cat, pat, ins, full, non in amounts:
        vals = [pat, ins, full, non]
        for i, v in enumerate(vals):
            tot[i] += v
        rows.append(
            [Cell(cat, kind="center")] + [Cell(won(v, False) if v else "0", kind="num") for v in vals]
        )
        if non:
            t.k(won(non, False))
    for v in tot:
        t.k(won(v, False))
    rows.append([Cell("합    계", kind="head")] + [Cell(won(v, False), kind="num", bold=True) for v in tot])
    total = sum(tot)
    patient_total = tot[0] + tot[2] + tot[3]
    paid_before = rng.choice([0, 0, 50_000, 100_000]) if inpatient else 0
    paid_before = min(paid_before, patient_total)
    due = patient_total - paid_before
    card = due if rng.random() < 0.7 else 0
    cash = due - card
    summary = [
        ("진료비 총액", total),
        ("환자부담 총액", patient_total),
        ("이미 납부한 금액", paid_before),
        ("납부할 금액", due),
        ("카드", card),
        ("현금", cash),
    ]
    rep = make_name(rng)
    clerk = make_name(rng)
    t.pii("name", rep)
    t.pii("name", clerk)
    t.k(c.hosp.name)
    t.np_("hospital_biz_no", c.hosp.biz_no)
    t.np_("hospital_address", c.hosp.address)
    t.np_("hospital_phone", c.hosp.phone)
    if land:
        left_w = int(tw * 0.62)
        wsi = [int(left_w * 0.28)] + [int(left_w * 0.18)] * 3
        wsi.append(left_w - sum(wsi))
        y0 = pg.y
        draw_grid(pg, pg.mx, wsi, rows, px=px, min_h=int(px * 1.6), pad=5)
        y_end = pg.y
        pg.y = y0
        sx = pg.mx + left_w + 24
        sw = tw - left_w - 24
        half = int(sw * 0.45)
        srows = [[Cell(lab, kind="label"), Cell(t.k(won(v)), kind="num", protect=True)] for lab, v in summary]
        draw_grid(pg, sx, [half, sw - half], srows, px=px, min_h=int(px * 1.7))
        pg.y += 14
        brows = [
            [Cell("사업자등록번호", kind="label"), Cell(c.hosp.biz_no)],
            [Cell("상    호", kind="label"), Cell(c.hosp.name, protect=True)],
            [Cell("전화번호", kind="label"), Cell(c.hosp.phone)],
            [Cell("대 표 자", kind="label"), Cell(rep, protect=True)],
        ]
        draw_grid(pg, sx, [half, sw - half], brows, px=px, min_h=int(px * 1.7))
        pg.y = max(pg.y, y_end) + int(px * 1.2)
        pg.put(pg.mx, pg.y, f"사업장 소재지 : {c.hosp.address}", px, maxw=tw * 0.55)
        pg.put(
            pg.W - pg.mx, pg.y, f"수납일자 {c.D(c.issue)}    수납자 {clerk}", px, anchor="ra", protect=True
        )
        pg.y += int(px * 1.5)
        stamp_square(
            pg,
            rng,
            c.hosp.name.split()[-1] + "수납인",
            int(pg.W - pg.mx - px * 2.5),
            int(pg.y + px * 1.8),
            int(px * 3.4),
        )
        pg.y += int(px * 2.5)
        return
    wsi = [int(tw * 0.26)] + [int(tw * 0.185)] * 3
    wsi.append(tw - sum(wsi))
    draw_grid(pg, pg.mx, wsi, rows, px=px, min_h=int(px * 1.7), pad=6)
    pg.y += 18
    srows = []
    for i in range(0, len(summary), 2):
        (l1, v1), (l2, v2) = summary[i], summary[i + 1]
        srows.append(
            [
                Cell(l1, kind="label"),
                Cell(t.k(won(v1)), kind="num", protect=True),
                Cell(l2, kind="label"),
                Cell(t.k(won(v2)), kind="num", protect=True),
            ]
        )
    q = tw // 4
    draw_grid(pg, pg.mx, [q, q, q, tw - 3 * q], srows, px=px)
    pg.y += 20
    brows = [
        [
            Cell("사업자등록번호", kind="label"),
            Cell(c.hosp.biz_no),
            Cell("상    호", kind="label"),
            Cell(c.hosp.name, protect=True),
        ],
        [Cell("사업장 소재지", kind="label"), Cell(c.hosp.address, span=3)],
        [
            Cell("전화번호", kind="label"),
            Cell(c.hosp.phone),
            Cell("대 표 자", kind="label"),
            Cell(rep, protect=True),
        ],
    ]
    draw_grid(pg, pg.mx, [q, q, q, tw - 3 * q], brows, px=px)
    pg.y += int(px * 1.3)
    pg.put(pg.W - pg.mx, pg.y, f"수납일자 {c.D(c.issue)}    수납자 {clerk}", px, anchor="ra", protect=True)
    pg.y += int(px * 1.5)
    stamp_square(
        pg,
        rng,
        c.hosp.name.split()[-1] + "수납인",
        int(pg.W - pg.mx - px * 2.5),
        int(pg.y + px * 2),
        int(px * 3.8),
    )
    pg.y += int(px * 3)
    if pg.y < pg.H - 80:
        pg.put(
            pg.mx,
            pg.y,
            "※ 이 계산서·영수증은 소득공제용으로 사용할 수 있습니다.",
            MIN_PX,
            fill=(80, 80, 80),
            maxw=tw,
        )


def kind_itemized(c: Ctx, layout: str) -> None:
    pg, rng, t = c.pg, c.rng, c.t
    dx = c.dx
    inpatient = dx.stay[1] > 0
    days = rng.randint(max(dx.stay[0], 1), max(dx.stay[1], 1)) if inpatient else 1
    d1 = c.issue - timedelta(days=days + rng.randint(0, 5))
    d2 = d1 + timedelta(days=days)
    land = pg.W > pg.H
    header_block(c, rng.choice(["left", "center"]), accent=c.notes["accent"])
    title_block(c, rng.choice(["진료비 세부내역서", "진료비 세부산정내역"]), spaced_title=False)
    chart = t.pii("chart_no", make_chart_no(rng, c.issue.year))
    t.k(dx.dept)
    pairs = [("환자등록번호", chart, False), ("환 자 성 명", c.pname(), False), ("진 료 과", dx.dept, False)]
    if rng.random() < 0.5:
        pairs.append(
            ("병     실", f"{rng.randint(3, 12)}{rng.randint(1, 30):02d}호" if inpatient else "외래", False)
        )
        pairs.append(("주민등록번호", c.prrn(), True))
    pairs.append(("진료기간", f"{c.D(d1)} ~ {c.D(d2)}", True))
    draw_kv(pg, pairs, cols=2, style="colon")
    pg.y += 12
    pool = [it for it in BILL_ITEMS if (inpatient or it[0] not in ("입원료", "식대")) and item_fits(it, dx)]
    chosen = [it for it in pool if it[0] == "진찰료"][:1]
    if inpatient:
        room = "AB320" if rng.random() < 0.25 else "AB220"
        chosen += [it for it in pool if it[1] in (room, "FA101")]
        pool = [it for it in pool if it[1] not in ("AB220", "AB320") or it[1] == room]
    others = [it for it in pool if it[0] != "진찰료" and it not in chosen]
    rng.shuffle(others)
    nitems = rng.randint(7, 9) if land else rng.randint(10, 15)
    chosen += others[: nitems - len(chosen) - 1]
    if dx.proc_code:
        chosen.append(("처치및수술료", dx.proc_code, dx.proc_name, rng.randint(30, 240) * 10_000, True))
    order = [cat for cat, *_ in BILL_ITEMS] + ["처치및수술료"]
    chosen.sort(key=lambda it: order.index(it[0]))
    rows_data = []
    for cat, code, nm, price, cov in chosen:
        day = d1 + timedelta(days=rng.randint(0, max(days - 1, 0)))
        cnt = 1
        ndays = 1
        if cat == "입원료":
            ndays = max(days, 1)
        elif cat == "식대":
            cnt, ndays = 3, max(days, 1)
        elif cat in ("주사료", "투약및조제료", "재활및물리치료료"):
            cnt, ndays = rng.randint(1, 3), rng.randint(1, max(days, 1))
        amt = price * cnt * ndays
        rows_data.append((cat, day, code, item_name((cat, code, nm), dx), price, cnt, ndays, amt, cov))
    dshort = "dot" if c.dstyle in ("dotsp", "kor") else c.dstyle
    heads = ["항목", "일자", "코드", "명칭", "단가", "횟수", "일수", "금액", "구분"]
    fr = [0.125, 0.135, 0.09, 0.205, 0.12, 0.055, 0.055, 0.125, 0.0]
    fr[-1] = 1 - sum(fr)
    tw = pg.tw_total
    ws = [int(tw * f) for f in fr]
    ws[-1] = tw - sum(ws[:-1])
    px = max(MIN_PX, pg.base - (0 if land else 1))
    rows = [[Cell(h, kind="head") for h in heads]]
    cov_total = non_total = 0
    for cat, day, code, nm, price, cnt, ndays, amt, cov in rows_data:
        dtxt = t.k(fmt_date(day, dshort))
        rows.append(
            [
                Cell(fit_lines(pg, cat, px, ws[0] - 12), kind="center"),
                Cell(dtxt, kind="center"),
                Cell(t.k(code), kind="center", protect=True),
                Cell(fit_lines(pg, nm, px, ws[3] - 12)),
                Cell(won(price, False), kind="num"),
                Cell(str(cnt), kind="center"),
                Cell(str(ndays), kind="center"),
                Cell(t.k(won(amt, False)), kind="num", protect=True),
                Cell("급여" if cov else "비급여", kind="center"),
            ]
        )
        if cov:
            cov_total += amt
        else:
            non_total += amt
    grand = cov_total + non_total
    rows.append(
        [
            Cell("급여 소계", kind="head", span=7),
            Cell(t.k(won(cov_total, False)), kind="num", bold=True),
            Cell("", kind="center"),
        ]
    )
    rows.append(
        [
            Cell("비급여 소계", kind="head", span=7),
            Cell(t.k(won(non_total, False)), kind="num", bold=True),
            Cell("", kind="center"),
        ]
    )
    rows.append(
        [
            Cell("총    액", kind="head", span=7),
            Cell(t.k(won(grand, False)), kind="num", bold=True),
            Cell("", kind="center"),
        ]
    )
    draw_grid(pg, pg.mx, ws, rows, px=px, min_h=int(px * 1.6), pad=5)
    pg.y += int(px * 1.3)
    staff = make_name(rng)
    t.pii("name", staff)
    pg.put(pg.mx, pg.y, "※ 위 금액은 본인부담 산정 전 총 진료비 기준입니다.", MIN_PX, fill=(80, 80, 80))
    pg.put(pg.W - pg.mx, pg.y, f"발행일 {c.D(c.issue)}   발행담당 {staff}", px, anchor="ra", protect=True)
    pg.y += int(px * 1.7)
    t.k(c.hosp.name)
    bb = pg.put(
        pg.W - pg.mx - px * 5, pg.y, f"{c.hosp.name}장", int(px * 1.15), bold=True, anchor="ra", protect=True
    )
    stamp_square(
        pg,
        rng,
        c.hosp.name.split()[-1] + "장인",
        int(bb[2] + px * 2.2),
        int((bb[1] + bb[3]) / 2),
        int(px * 3.6),
    )


def kind_admission(c: Ctx, layout: str) -> None:
    pg, rng, t = c.pg, c.rng, c.t
    dx = c.dx
    days = rng.randint(max(dx.stay[0], 2), max(dx.stay[1], 3))
    adm = c.issue - timedelta(days=days + rng.randint(1, 10))
    dis = adm + timedelta(days=days)
    chart = t.pii("chart_no", make_chart_no(rng, c.issue.year))
    t.k(dx.dept)
    t.k(dx.kcd)
    header_block(c, rng.choice(["left", "center", "logo"]), accent=c.notes["accent"])
    title_block(c, rng.choice(["입퇴원확인서", "입·퇴원 확인서"]), spaced_title=rng.random() < 0.6)
    period = f"{days + 1}일"
    if layout == "boxed_table":
        tw = pg.tw_total
        narrow = pg.W < 1000
        if narrow:
            lw = int(tw * 0.28)
            rows = [
                [Cell("등록번호", kind="label"), Cell(chart, protect=True)],
                [Cell("성    명", kind="label"), Cell(c.pname(), protect=True)],
                [Cell("주민등록번호", kind="label"), Cell(c.prrn(), protect=True)],
                [Cell("연 락 처", kind="label"), Cell(t.pii("phone", c.pat.mobile), protect=True)],
                [Cell("주    소", kind="label"), Cell(t.pii("address", c.pat.address.short), protect=True)],
                [Cell("진 료 과", kind="label"), Cell(dx.dept)],
                [Cell("병    명", kind="label"), Cell([dx.name, f"(KCD {dx.kcd})"], protect=True)],
                [Cell("입 원 일", kind="label"), Cell(c.D(adm))],
                [Cell("퇴 원 일", kind="label"), Cell(c.D(dis))],
                [Cell("입원기간", kind="label"), Cell(f"총 {t.k(period)}")],
            ]
            draw_grid(pg, pg.mx, [lw, tw - lw], rows)
        else:
            lw = int(tw * 0.17)
            vw = int(tw * 0.33)
            rows = pair_rows(
                [
                    [("등록번호", chart), ("진 료 과", dx.dept)],
                    [("성    명", c.pname()), ("주민등록번호", c.prrn())],
                    [("주    소", t.pii("address", c.pat.address.full))],
                    [
                        ("연 락 처", t.pii("phone", c.pat.mobile)),
                        ("건강보험증", t.pii("health_insurance_no", make_insurance_no(rng))),
                    ],
                    [("병    명", f"{dx.name} ({dx.kcd})")],
                    [("입 원 일", c.D(adm)), ("퇴 원 일", c.D(dis))],
                    [
                        ("입원기간", f"총 {t.k(period)}"),
                        ("퇴원형태", rng.choice(["정상퇴원", "자의퇴원", "전원"])),
                    ],
                ]
            )
            draw_grid(pg, pg.mx, [lw, vw, lw, tw - 2 * lw - vw], rows)
    elif layout == "key_value":
        pairs = [
            ("성    명", c.pname(), False),
            ("등록번호", chart, False),
            ("주민등록번호", c.prrn(), True),
            ("주    소", t.pii("address", c.pat.address.full if pg.W > 1000 else c.pat.address.short), True),
            ("휴 대 폰", t.pii("phone", c.pat.mobile), False),
            ("진 료 과", dx.dept, False),
            ("진 단 명", f"{dx.name} ({dx.kcd})", True),
            ("입 원 일", c.D(adm), False),
            ("퇴 원 일", c.D(dis), False),
            ("재원일수", t.k(period), False),
        ]
        if rng.random() < 0.5:
            pairs.append(("E-mail", t.pii("email", c.pat.email), False))
        draw_kv(pg, pairs, cols=1 if pg.W < 1000 else 2, style=rng.choice(["underline", "colon"]))
    else:  # free_text
        nm = c.pname()
        addr = c.pat.address.full if pg.W > 1000 else c.pat.address.short
        p = (
            f"성명 {A(nm)} (주민등록번호 {A(c.prrn())}), 주소 {A(t.pii('address', addr))}에 "
            f"거주하는 위 환자는 {c.dx.name}({A(dx.kcd)}) 진단 하에 {A(c.D(adm))}부터 {A(c.D(dis))}까지 "
            f"총 {A(period)}간 본원 {dx.dept}에 입원하여 치료를 받았음을 확인합니다. (등록번호 {A(chart)})"
        )
        pg.y += int(pg.base * 0.8)
        draw_para(pg, p, spacing=1.8)
    sign_block(c, "위와 같이 입·퇴원 사실을 확인합니다.", role="담당의", show_addr=pg.W > 1000)


def kind_claim(c: Ctx, layout: str) -> None:
    pg, rng, t = c.pg, c.rng, c.t
    dx = c.dx
    accent = c.notes["accent"]
    ins = rng.choice(INSURERS)
    tw = pg.tw_total
    px = pg.base
    # insurer banner
    bh = int(px * 2.6)
    pg.d.rectangle([pg.mx, pg.y, pg.mx + tw, pg.y + bh], fill=accent)
    pg.put(pg.mx + 20, pg.y + bh / 2, ins, int(px * 1.3), bold=True, fill=(255, 255, 255), anchor="lm")
    hot = f"{rng.choice(['1588', '1577', '1566', '1544'])}-{rng.randint(1000, 9999)}"
    t.np_("insurer_callcenter", hot)
    pg.put(pg.mx + tw - 20, pg.y + bh / 2, f"고객센터 {hot}", px, fill=(255, 255, 255), anchor="rm")
    pg.y += bh + 20
    title_block(c, "보험금 청구서", spaced_title=True)
    sec_px = px
    lw = int(tw * 0.17)
    vw = int(tw * 0.33)
    widths = [lw, vw, lw, tw - 2 * lw - vw]

    def section(txt):
        pg.put(pg.mx, pg.y, txt, sec_px, bold=True, fill=accent)
        pg.y += int(sec_px * 1.6)

    p = c.pat
    child = p.age(c.issue) < 14 and c.guardian is not None
    contact = c.guardian if child else p  # a child's form carries the parent's phone and e-mail
    section("1. 피보험자(환자) 정보")
    r1 = [
        [("성    명", c.pname()), ("주민등록번호", c.prrn())],
        [
            ("휴대전화", t.pii("phone", contact.mobile)),
            ("자택전화", t.pii("phone", p.home) if p.home else "-"),
        ],
        [("주    소", t.pii("address", p.address.full))],
        [("이 메 일", t.pii("email", contact.email))],
    ]
    draw_grid(pg, pg.mx, widths, pair_rows(r1))
    pg.y += 22
    section("2. 청구 내용")
    onset = c.issue - timedelta(days=rng.randint(8, 60))
    acc = dx.kcd.startswith("S")
    rsn = "□ 질병  ■ 상해  □ 재해" if acc else "■ 질병  □ 상해  □ 재해"
    items = ["입원", "통원", "수술", "진단", "처방조제"]
    picked = set(rng.sample(items, rng.randint(1, 3)))
    if dx.proc_code:
        picked.add("수술")
    itxt = "  ".join(("■ " if i in picked else "□ ") + i for i in items)
    t.k(dx.kcd)
    t.k(c.hosp.name)
    story_src = "넘어지며 다침" if acc else "증상 악화로 내원"
    where = (
        ["자택에서", "학교에서", "놀이터에서"] if child else ["자택에서", "출근길에", "운동 중", "직장에서"]
    )
    story = f"{A(c.D(onset))} {rng.choice(where)} {story_src}. {A(c.hosp.name)}에서 진료받음."
    r2 = pair_rows(
        [
            [("청구 사유", rsn)],
            [("청구 항목", itxt)],
            [("발병(사고)일", c.D(onset)), ("진단코드", dx.kcd)],
            [("진 단 명", dx.name)],
            [("치료병원", c.hosp.name)],
        ]
    )
    r2.append(
        [
            Cell("사고 경위", kind="label"),
            Cell(wrap_marked(pg, story, px, tw - lw - 24), span=3, protect=True),
        ]
    )
    draw_grid(pg, pg.mx, widths, r2)
    pg.y += 22
    section("3. 보험금 수령 계좌")
    bank = rng.choice(list(BANKS))
    acct = t.pii("account", BANKS[bank](rng))
    holder = c.guardian.name if c.guardian is not None else p.name
    t.pii("name", holder)
    r3 = [
        [("은 행 명", bank), ("계좌번호", acct)],
        [("예 금 주", holder), ("관    계", "부모" if c.guardian else "본인")],
    ]
    draw_grid(pg, pg.mx, widths, pair_rows(r3))
    pg.y += 22
    claimant = p.name
    if c.guardian is not None:
        g = c.guardian
        section("4. 청구인(법정대리인)")
        r4 = [
            [("성    명", t.pii("name", g.name)), ("관    계", "부" if g.sex == "M" else "모")],
            [("연 락 처", t.pii("phone", g.mobile)), ("주민등록번호", t.pii("rrn", g.rrn.fmt("masked")))],
        ]
        draw_grid(pg, pg.mx, widths, pair_rows(r4))
        pg.y += 22
        claimant = g.name
    pg.y += 6
    pg.put(
        pg.mx,
        pg.y,
        "개인(신용)정보 수집·이용 및 제3자 제공에 동의합니다.   ■ 동의함  □ 동의하지 않음",
        max(MIN_PX, px - 1),
        maxw=tw,
    )
    pg.y += int(px * 2.2)
    pg.put(pg.W / 2, pg.y, c.D(c.issue), px, anchor="mt")
    pg.y += int(px * 2.2)
    t.pii("name", claimant)
    x = pg.mx + int(tw * 0.45)
    pg.put(x, pg.y, "청 구 인 :", px, bold=True)
    nb = pg.put(x + pg.textlen("청 구 인 : ", px, True) + 8, pg.y, claimant, int(px * 1.15), protect=True)
    sb = pg.put(nb[2] + 40, pg.y, "(서명)", px)
    scribble(pg, rng, int(sb[0] - 20), int(sb[1] - 20), 170, 60)
    pg.y += int(px * 2.4)
    pg.put(pg.W - pg.mx, pg.y, f"{ins} 귀중", int(px * 1.1), bold=True, anchor="ra")


def kind_prescription(c: Ctx, layout: str) -> None:
    pg, rng, t = c.pg, c.rng, c.t
    dx = c.dx
    tw = pg.tw_total
    px = pg.base
    narrow = pg.W < 1000
    kinds = "[ ■의료보험 □의료급여 □산재보험 □자동차보험 □기타 ]"
    pg.put(pg.W / 2, pg.y, kinds, max(MIN_PX, px - 1), anchor="mt", maxw=tw)
    pg.y += int(px * 1.6)
    title_block(c, "처방전", boxed=False)
    t.k(c.hosp.name)
    t.np_("hospital_code", c.hosp.code)
    t.np_("hospital_phone", c.hosp.phone)
    t.np_("hospital_fax", c.hosp.fax)
    t.np_("hospital_email", c.hosp.email)
    t.k(dx.kcd)
    serial = f"제 {rng.randint(1, 99999):05d} 호"
    t.pii("name", c.doctor)
    t.pii("medical_license", c.lic)
    if narrow:
        lw = int(tw * 0.3)
        rows = [
            [Cell("요양기관기호", kind="label"), Cell(c.hosp.code)],
            [Cell("교부번호", kind="label"), Cell(f"{c.D(c.issue)} {serial}")],
            [Cell("환자 성명", kind="label"), Cell(c.pname(), protect=True)],
            [Cell("주민등록번호", kind="label"), Cell(c.prrn(), protect=True)],
            [Cell("의료기관", kind="label"), Cell([c.hosp.name, f"☎ {c.hosp.phone}"], protect=True)],
            [Cell("질병분류기호", kind="label"), Cell(dx.kcd, protect=True)],
            [Cell("처방의료인", kind="label"), Cell(f"{c.doctor} (서명 또는 날인)", protect=True)],
            [Cell("면허번호", kind="label"), Cell(f"의사 제 {c.lic} 호", protect=True)],
        ]
        draw_grid(pg, pg.mx, [lw, tw - lw], rows, px=px)
    else:
        lw = int(tw * 0.16)
        vw = int(tw * 0.34)
        widths = [lw, vw, lw, tw - 2 * lw - vw]
        rows = [
            [
                Cell("요양기관기호", kind="label"),
                Cell(c.hosp.code),
                Cell("교부번호", kind="label"),
                Cell([c.D(c.issue), serial]),
            ],
            [
                Cell("환자 성명", kind="label"),
                Cell(c.pname(), protect=True),
                Cell("의료기관 명칭", kind="label"),
                Cell(c.hosp.name, protect=True),
            ],
            [
                Cell("주민등록번호", kind="label"),
                Cell(c.prrn(), protect=True),
                Cell("전화번호", kind="label"),
                Cell(c.hosp.phone),
            ],
            [
                Cell("질병분류기호", kind="label"),
                Cell(dx.kcd, protect=True),
                Cell("팩스 / 이메일", kind="label"),
                Cell([c.hosp.fax, c.hosp.email]),
            ],
            [
                Cell("처방 의료인", kind="label"),
                Cell(f"{c.doctor} (서명 또는 날인)", protect=True),
                Cell("면허번호", kind="label"),
                Cell(f"의사 제 {c.lic} 호", protect=True),
            ],
        ]
        draw_grid(pg, pg.mx, widths, rows, px=px)
    pg.y += 16
    nd = rng.randint(2, 5)
    drugs = rng.sample(DRUGS, nd)
    days = rng.choice([3, 5, 7, 14, 30])
    if narrow:
        heads = ["처방 의약품 명칭", "1회", "횟수", "일수"]
        fr = [0.61, 0.15, 0.12]
    else:
        heads = [
            "처방 의약품의 명칭",
            "약품코드",
            ["1회", "투약량"],
            ["1일", "투여횟수"],
            ["총", "투약일수"],
            "용법",
        ]
        fr = [0.32, 0.15, 0.13, 0.13, 0.12]
    fr.append(1 - sum(fr))
    ws = [int(tw * f) for f in fr]
    ws[-1] = tw - sum(ws[:-1])
    drows = [[Cell(h, kind="head") for h in heads]]
    for nm, dose in drugs:
        freq = rng.choice([1, 2, 3])
        if narrow:
            drows.append(
                [
                    Cell(nm),
                    Cell(dose, kind="center"),
                    Cell(str(freq), kind="center"),
                    Cell(str(days), kind="center"),
                ]
            )
        else:
            code = t.k(f"{rng.randint(6, 6)}{rng.randint(40000000, 59999999)}")
            drows.append(
                [
                    Cell(nm),
                    Cell(code, kind="center"),
                    Cell(dose, kind="center"),
                    Cell(str(freq), kind="center"),
                    Cell(str(days), kind="center"),
                    Cell(rng.choice(ROUTES), kind="center"),
                ]
            )
    draw_grid(pg, pg.mx, ws, drows, px=px, min_h=int(px * 1.8), pad=6)
    pg.y += 16
    pg.put(pg.mx, pg.y, f"사용기간 : 교부일부터 ( {rng.choice([3, 7])} )일간", px)
    pg.y += int(px * 1.6)
    pg.put(pg.mx, pg.y, "※ 사용기간 내에 약국에 제출하여야 합니다.", MIN_PX, fill=(80, 80, 80), maxw=tw)
    pg.y += int(px * 1.9)
    if not narrow or pg.y < pg.H - px * 8:
        pharm = make_name(rng)
        t.pii("name", pharm)
        rows = [
            [
                Cell("조제기관 명칭", kind="label"),
                Cell(f"{rng.choice(HOSP_STEMS)}약국"),
                Cell("조제약사", kind="label"),
                Cell(f"{pharm} (인)", protect=True),
            ]
        ]
        if narrow:
            rows = [
                [Cell("조제기관", kind="label"), Cell(f"{rng.choice(HOSP_STEMS)}약국")],
                [Cell("조제약사", kind="label"), Cell(f"{pharm} (인)", protect=True)],
            ]
            draw_grid(pg, pg.mx, [int(tw * 0.3), tw - int(tw * 0.3)], rows, px=px)
        else:
            q = tw // 4
            draw_grid(pg, pg.mx, [q, q, q, tw - 3 * q], rows, px=px)
    pg.y += 20
    stamp_square(
        pg,
        rng,
        c.hosp.name.split()[-1] + "인",
        int(pg.W - pg.mx - px * 2.4),
        int(pg.y + px * 1.6),
        int(px * 3.4),
    )


KINDS = {
    "진단서": (kind_diagnosis, ["boxed_table", "key_value"]),
    "소견서": (kind_opinion, ["free_text"]),
    "수술확인서": (kind_surgery, ["boxed_table", "key_value"]),
    "진료비 영수증": (kind_receipt, ["receipt_grid"]),
    "진료비 세부내역서": (kind_itemized, ["itemized_table"]),
    "입퇴원확인서": (kind_admission, ["boxed_table", "key_value", "free_text"]),
    "보험금 청구서": (kind_claim, ["claim_form"]),
    "처방전": (kind_prescription, ["prescription_grid"]),
}

PAPERS = {
    "white": (252, 252, 250),
    "cream": (250, 244, 226),
    "light_blue": (235, 242, 250),
    "light_green": (236, 246, 236),
    "grey": (229, 229, 227),
}
ACCENTS = [(20, 60, 120), (30, 100, 70), (110, 30, 40), (40, 40, 40), (60, 50, 110)]
NOISE_PATTERN = ["clean"] * 4 + ["scan_light"] * 8 + ["scan_heavy"] * 5 + ["jpeg"] * 4 + ["fax"] * 3
PAPER_PATTERN = ["white"] * 8 + ["cream"] * 5 + ["light_blue"] * 4 + ["light_green"] * 4 + ["grey"] * 3


# --------------------------------------------------------------------------
# degradation
# --------------------------------------------------------------------------
def degrade(img: Image.Image, noise: str, rng: random.Random, paper) -> tuple[Image.Image, dict, str]:
    nrng = np.random.default_rng(rng.randrange(2**32))
    params: dict = {}
    if noise == "clean":
        return img, params, "png"
    rot = {
        "scan_light": rng.uniform(-0.8, 0.8),
        "scan_heavy": rng.uniform(-1.5, 1.5),
        "jpeg": rng.uniform(-0.4, 0.4),
        "fax": rng.uniform(-1.2, 1.2),
    }[noise]
    params["rotation_deg"] = round(rot, 2)
    bed = tuple(int(v * 0.93) for v in paper)
    img = rotate_img(img, rot, bed)
    if noise in ("scan_light", "scan_heavy"):
        blur = rng.uniform(0.3, 0.6) if noise == "scan_light" else rng.uniform(0.6, 0.9)
        img = blur_img(img, blur)
        a = np.asarray(img).astype(np.float32)
        h, w = a.shape[:2]
        # uneven lamp: darker towards one side
        side = rng.choice(["left", "right", "top"])
        ramp = np.linspace(1, 0, w if side != "top" else h, dtype=np.float32) ** 3
        if side == "right":
            ramp = ramp[::-1]
        depth = rng.uniform(0.04, 0.10)
        shade = 1 - depth * (ramp[None, :, None] if side != "top" else ramp[:, None, None])
        a *= shade
        sigma = 3.5 if noise == "scan_light" else 6.5
        a += nrng.normal(0, sigma, size=(h, w, 1)).astype(np.float32)
        if noise == "scan_heavy":
            k = int(h * w * 0.00004)
            ys, xs = nrng.integers(0, h, k), nrng.integers(0, w, k)
            a[ys, xs] = 60
            a = 0.94 * a + 0.06 * 128  # slight contrast loss
        img = Image.fromarray(a.clip(0, 255).astype(np.uint8))
        params.update(blur=round(blur, 2), sigma=sigma, lamp=side)
        if noise == "scan_heavy" or rng.random() < 0.5:
            q = rng.randint(58, 70) if noise == "scan_heavy" else rng.randint(80, 90)
            params["jpeg_q"] = q
            return img, params, "jpg"
        return img, params, "png"
    if noise == "jpeg":
        q = rng.randint(42, 55)
        params["jpeg_q"] = q
        if rng.random() < 0.5:
            w, h = img.size
            s = rng.uniform(0.8, 0.88)
            img = img.resize((int(w * s), int(h * s)), Image.BILINEAR).resize((w, h), Image.BICUBIC)
            params["rescale"] = round(s, 2)
        return img, params, "jpg"
    # fax: grey, noisy threshold, speckle, occasional streaks
    g = np.asarray(img.convert("L")).astype(np.float32)
    g = np.asarray(blur_img(Image.fromarray(g.astype(np.uint8)), 0.5)).astype(np.float32)
    g += nrng.normal(0, 14, size=g.shape).astype(np.float32)
    thr = rng.randint(135, 155)
    b = np.where(g < thr, 0, 255).astype(np.uint8)
    h, w = b.shape
    k = int(h * w * 0.00012)
    b[nrng.integers(0, h, k), nrng.integers(0, w, k)] = 0
    for _ in range(rng.randint(1, 3)):
        yy = rng.randint(0, h - 3)
        b[yy, :] = np.where(nrng.random(w) < 0.2, 0, b[yy, :])
    params.update(threshold=thr, sigma=14)
    return Image.fromarray(b, mode="L"), params, "png"


# --------------------------------------------------------------------------
# driver
# --------------------------------------------------------------------------
# page size by kind and occurrence of that kind (cycled), so that every run has some of each
SIZE_CYCLE = {
    "진료비 세부내역서": [A4L, A4P, A4L, A4P],
    "진료비 영수증": [A4P, A4L, A4P],
    "처방전": [A5P, A4P, A5P, A4P],
    "입퇴원확인서": [A4P, A5P, A4P],
}


CHILD_DX = {"A09.0", "J03.9", "J18.9", "K35.8", "S52.50", "S82.20", "S06.00"}
PATIENT_PATTERN = ["child"] * 4 + ["elder"] * 4 + ["foreign"] * 2 + ["adult"] * 14


def build_page(
    idx: int,
    kind: str,
    layout: str,
    family: str,
    paper: str,
    noise: str,
    seed: int,
    occ: int = 0,
    shrink: float = 0.0,
    pkind: str = "adult",
):
    rng = random.Random(f"{seed}:{idx}")
    fn, _ = KINDS[kind]
    cyc = SIZE_CYCLE.get(kind, [A4P])
    size = cyc[occ % len(cyc)]
    if size == A5P:
        base_pt = rng.choice([11, 11.5, 12])
    elif kind in ("진료비 세부내역서", "진료비 영수증", "처방전"):
        base_pt = rng.choice([11, 11.5, 12, 12.5])
    elif layout == "free_text":
        base_pt = rng.choice([12.5, 13, 14, 15, 16]) if size != A5P else 11.5
    else:
        base_pt = rng.choice([12, 12.5, 13, 13.5, 14])
    issue = date(2025, 1, 6) + timedelta(days=rng.randint(0, 690))
    # patient: some children (with guardian), elders, one in a while a foreign resident
    dx_pool = DX_TABLE
    if pkind == "child":
        dx_pool = [d for d in DX_TABLE if d.kcd in CHILD_DX]
    if kind == "수술확인서":
        dx_pool = [d for d in dx_pool if d.proc_code and d.anesthesia not in ("진정",)]
    dx = rng.choice(dx_pool)
    pat = make_person(rng, issue, pkind)
    if dx.kcd[:3] in ("C50", "D05"):
        pat.sex = "F"
        pat.rrn = make_rrn(rng, pat.birth, "F", pkind == "foreign", random_tail=not pat.rrn.valid_check)
    guardian = None
    if pkind == "child" or (pkind == "elder" and rng.random() < 0.4):
        guardian = make_person(rng, issue, "adult")
        if pkind == "child" and " " not in guardian.name and rng.random() < 0.8:
            # children usually share a parent's surname
            sur = pat.name[:2] if pat.name[:2] in RARE_SURNAMES else pat.name[0]
            guardian.name = make_name(rng, surname=sur)
            guardian.email = make_email(rng, guardian.name)
    paper_rgb = PAPERS[paper]
    ink = rng.choice([(18, 18, 20), (30, 30, 35), (25, 28, 45)])
    line_rgb = rng.choice([(40, 40, 40), (70, 70, 75), (30, 60, 110), (40, 90, 60)])
    shade = tuple(int(v * 0.92) for v in paper_rgb)
    base_pt = max(MIN_PT, base_pt - shrink)  # retried pages that ran off the sheet get a smaller size
    pg = Page(size, family, pt(base_pt), paper_rgb, ink, line_rgb, shade)
    wm = None
    if rng.random() < 0.3:
        wm = rng.choice(["사 본", "COPY", "원본대조필", "보험청구용"])
        watermark(pg, rng, wm)
    t = Truth()
    c = Ctx(
        rng=rng,
        pg=pg,
        t=t,
        dstyle=rng.choice(DATE_STYLES),
        title_pt=rng.choice([22, 24, 26, 28]),
        hosp=make_hospital(rng, dx.dept, allow_long=size != A5P and kind not in ("처방전", "진료비 영수증")),
        dx=dx,
        pat=pat,
        guardian=guardian,
        doctor=make_name(rng),
        lic=make_license(rng),
        issue=issue,
        rrn_style=rng.choices(["hyphen", "plain", "spaced"], [85, 10, 5])[0],
        name_spaced=rng.random() < 0.12,
    )
    c.notes["accent"] = rng.choice(ACCENTS)
    fn(c, layout)
    # composite stamps on top of the text
    base = pg.img.convert("RGBA")
    for lay, (x, y) in pg.overlays:
        base.alpha_composite(lay, (max(0, x), max(0, y)))
    pg.img = base.convert("RGB")
    # self-checks: every truth value printed on one line, no tofu, nothing overflowing
    printed = "\n".join(pg.texts)
    for e in t.ids:
        if e["value"] not in printed:
            pg.problems.append(f"identifier not printed: {e}")
    for v in t.keep:
        if v not in printed:
            pg.problems.append(f"keep not printed: {v}")
    for bold, ch in pg.chars:
        if not has_glyph(family, bold, ch):
            pg.problems.append(f"missing glyph {ch!r} in {family}{' Bold' if bold else ''}")
    if pg.y > pg.H - 20:
        pg.problems.append(f"content runs off the page (y={pg.y} > {pg.H})")
    img, params, ext = degrade(pg.img, noise, rng, paper_rgb)
    rec = {
        "kind": kind,
        "identifiers": t.ids,
        "keep": t.keep,
        "layout": layout,
        "font": family,
        "font_pt": base_pt,
        "paper": paper,
        "noise": noise,
        "noise_params": params,
        "size": list(size),
        "orientation": "landscape" if size[0] > size[1] else "portrait",
        "format": "A5" if size == A5P else "A4",
        "watermark": wm,
        "non_patient": t.non_patient,
        "rrn_check_valid": pat.rrn.valid_check,
        "patient": pkind,
    }
    return img, ext, rec, pg.problems


def plan(n: int, seed: int):
    rng = random.Random(seed)
    kinds = [list(KINDS)[i % len(KINDS)] for i in range(n)]
    rng.shuffle(kinds)
    fams = [list(FONT_FILES)[i % len(FONT_FILES)] for i in range(n)]
    rng.shuffle(fams)
    noises = [NOISE_PATTERN[i % len(NOISE_PATTERN)] for i in range(n)]
    rng.shuffle(noises)
    papers = [PAPER_PATTERN[i % len(PAPER_PATTERN)] for i in range(n)]
    rng.shuffle(papers)
    pkinds = [PATIENT_PATTERN[i % len(PATIENT_PATTERN)] for i in range(n)]
    rng.shuffle(pkinds)
    layout_counter: dict[str, int] = {}
    occ: dict[str, int] = {}
    out = []
    for i in range(n):
        opts = KINDS[kinds[i]][1]
        j = layout_counter.get(kinds[i], rng.randrange(len(opts)))
        layout_counter[kinds[i]] = j + 1
        out.append(
            (kinds[i], opts[j % len(opts)], fams[i], papers[i], noises[i], occ.get(kinds[i], 0), pkinds[i])
        )
        occ[kinds[i]] = occ.get(kinds[i], 0) + 1
    return out


def generate(out_dir: Path, n: int = 24, seed: int = SEED) -> list[dict]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    records = []
    problems_all = []
    for i, (kind, layout, fam, paper, noise, occ, pkind) in enumerate(plan(n, seed), start=1):
        for shrink in (0, 1, 2, 3):
            img, ext, rec, problems = build_page(i, kind, layout, fam, paper, noise, seed, occ, shrink, pkind)
            if not any("off page" in p or "runs off" in p for p in problems):
                break
        fname = f"{i:03d}.{ext}"
        if ext == "jpg":
            img.convert("RGB").save(
                out_dir / fname, "JPEG", quality=rec["noise_params"]["jpeg_q"], subsampling=2
            )
        else:
            img.save(out_dir / fname, "PNG", optimize=False, compress_level=1)
        rec = {"file": fname, **rec}
        records.append(rec)
        problems_all += [f"{fname}: {p}" for p in problems]
    with open(out_dir / "truth.jsonl", "w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    if problems_all:
        raise RuntimeError("page self-check failed:\n" + "\n".join(problems_all))
    return records


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--n", type=int, default=24)
    ap.add_argument("--seed", type=int, default=SEED)
    a = ap.parse_args(argv)
    recs = generate(a.out_dir, a.n, a.seed)
    print(f"wrote {len(recs)} pages + truth.jsonl to {a.out_dir}")


if __name__ == "__main__":
    main()
