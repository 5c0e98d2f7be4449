"""Independent generator D of synthetic, annotated Korean insurance-claim free text.

Written on 2026-12-04 by an independent helper from ``/work/shared/domain.md`` and a
brief only, without reading the project's detector (detect/names/nameword/patterns/
tagger/formline ...) or the other note generators (only the output contract of
generator C was copied: the Note/Span shape, the span types and the annotation
conventions). Its value is a separate idea of how Korean hospitals, insurers, call
centres, patients and families write, so that a personal-identifier (PII) detector
can be trained and, above all, evaluated on text it was not shaped by.

What it produces
----------------
``generate(n, seed)`` returns ``n`` one-line notes, deterministic for ``(n, seed)``
and with unique texts within a call. Each ``Note`` has ``.text``, ``.spans`` (each
``Span`` with ``.type``, ``.start``, ``.end`` and ``.text``) and ``.keep``: strings in
the same line that a de-identifier must leave intact (KCD codes, EDI procedure and
bill codes, amounts, dates, hospital names - also those built on a founder's name
such as ``이춘택병원`` or ``김정우정형외과의원`` -, departments, drugs, lab values,
doses, day counts, room numbers, insurers and their representative numbers, and
masked names such as ``김○○``, ``홍**``, ``이○준``, ``박 모``). ``note_to_json``
gives ``{"text", "spans": [{"type","start","end","text"}], "keep": [...]}`` and
``main`` writes JSONL::

    python -m claimvlm.privacy.notes_corpus_d --n 500 --seed 7 --out x.jsonl

Coverage
--------
197 templates (175 with identifiers, 22 without) over 45 document kinds (진단서,
소견서, 수술기록지, 수술확인서, 세부내역서, 영수증, 입퇴원확인서, 보험금 청구서, 위임장, 현장조사, 콜센터, 민원,
문자, 카톡, e-mail, 간호기록, 의뢰서, 회신서, 처방전, 사망진단서/검안서, OCR'd form
lines, flattened tables, key=value logs, JSON snippets, English-mixed notes, 손해사정
보고, 사고경위서, 의료자문, 지급 안내, 계좌변경, 응급실, 경과기록, 퇴원요약,
동의서, 외국인 환자, 장해진단, 산재, 간편청구 앱 로그, 녹취록, 원무과 메모, 약국,
계약변경, 자동차사고, 조회 이력 로그, 챗봇). About 15 % of the lines hold no
identifier (they still carry hard negatives: masked names, words that are also
given names, hospital names built on personal names).

Names are drawn from an own surname table weighted by frequency plus a boosted tail
of rare surnames (남궁, 황보, 제갈, 선우, 독고, 사공, 서문, 동방, 편, 탁, 어, 옹, 즙,
뇌 ...), given names from modern, older-generation, native (하늘, 한결, 이슬, 마음,
진주, 하나 ...) and syllable-combined pools, 2-, 4- and 5-syllable names, names
that are ordinary words (이상, 유지, 방문, 안정, 하나), Hangul-transcribed foreign
names with spaces (응우옌 티 투, 무하마드 알리) and romanised names (KIM MINJUN,
Lee Seo-yeon). Names appear with particles and copulas glued on (김민서가, 박준호는,
정하늘입니다, 윤도현이며, 한지민께), in running sentences without labels, as objects,
glued to the next field as OCR gives them (``성명홍길동주민등록번호...``), after OCR'd
separators (ㅣ, l, I, |, ¦), after role words with particles (예금주는, 보호자인,
회신의, 자문의, 수임인, 동행인, 명의자), in lists, in brackets with age/sex, after
relations (모 김영희, 장남 이준호), letter-spaced (김 민 준), and as given names
alone (민준아, 지우 엄마).

Annotation conventions (as generator C)
---------------------------------------
* name: the person's name only; titles, particles, brackets and signature marks stay
  outside. Letter-spaced names are one span. Masked names carry no span (KEEP).
* rrn: ``YYMMDD-GNNNNNN`` in all its writings, masked ones included; G = 5..8 is a
  foreign_registration_no.
* medical_license, account, chart_no, health_insurance_no: the number only.
* address: the whole address, detail and bracketed reference 동 included.
* phone/card/passport/driver_license/vehicle_no/ip_address/policy_no/email: the value
  only (an IP's ``:port`` stays outside). Birth dates, ages and sexes are left as
  plain text (quasi-identifiers, neither span nor KEEP).
"""

from __future__ import annotations

import random
import sys
from datetime import date, timedelta
from typing import Callable

from claimvlm.privacy.notes_contract import SPAN_TYPES, Note, Span, check_note, note_to_json, run_cli

__all__ = [
    "Span", "Note", "SPAN_TYPES", "generate", "note_to_json", "main",
    "template_count", "kind_count",
]



Seg = tuple[str, str]  # (kind, text): kind "t" plain, "k" keep, else a span type


# ---------------------------------------------------------------------------
# Hangul helpers
# ---------------------------------------------------------------------------

def _jong(ch: str) -> int | None:
    code = ord(ch) - 0xAC00
    if 0 <= code < 11172:
        return code % 28
    return None


_DIGIT_JONG = {"0": 21, "1": 8, "2": 0, "3": 16, "4": 0, "5": 0, "6": 1, "7": 8, "8": 8, "9": 0}


def _josa(word: str, pair: str) -> str:
    """Pick the particle form: ``'이/가'`` -> first after a final consonant."""
    if "/" not in pair:
        return pair
    a, b = pair.split("/", 1)
    w = word.rstrip()
    last = w[-1] if w else "가"
    j = _jong(last)
    if j is None:
        if last in _DIGIT_JONG:
            j = _DIGIT_JONG[last]
        elif last.isalpha():
            j = 0 if last.lower() in "aeiouyw" else 4
        else:
            j = 0
    if a.startswith("으") and j == 8:  # ㄹ takes 로
        return b
    return a if j else b


_RR_INI = ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj",
           "ch", "k", "t", "p", "h"]
_RR_VOW = ["a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo",
           "u", "wo", "we", "wi", "yu", "eu", "ui", "i"]
_RR_FIN = ["", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l",
           "m", "p", "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t"]


def _rr_syl(ch: str) -> str:
    code = ord(ch) - 0xAC00
    if not 0 <= code < 11172:
        return ch
    ini, rest = divmod(code, 588)
    vow, fin = divmod(rest, 28)
    return _RR_INI[ini] + _RR_VOW[vow] + _RR_FIN[fin]


def _rr(word: str) -> str:
    return "".join(_rr_syl(c) for c in word)


_SURNAME_RR = {
    "김": "Kim", "이": "Lee", "박": "Park", "최": "Choi", "정": "Jung", "강": "Kang",
    "조": "Cho", "윤": "Yoon", "장": "Jang", "임": "Lim", "한": "Han", "오": "Oh",
    "서": "Seo", "신": "Shin", "권": "Kwon", "황": "Hwang", "안": "Ahn", "송": "Song",
    "류": "Ryu", "유": "Yoo", "전": "Jeon", "홍": "Hong", "고": "Ko", "문": "Moon",
    "양": "Yang", "손": "Son", "배": "Bae", "백": "Baek", "허": "Heo", "노": "Noh",
    "심": "Shim", "하": "Ha", "곽": "Kwak", "성": "Sung", "차": "Cha", "주": "Joo",
    "우": "Woo", "구": "Koo", "민": "Min", "진": "Jin", "남궁": "Namgung",
    "황보": "Hwangbo", "제갈": "Jegal", "선우": "Sunwoo", "독고": "Dokgo",
    "사공": "Sagong", "서문": "Seomun", "어": "Eo", "편": "Pyun", "탁": "Tak",
}


# ---------------------------------------------------------------------------
# Name pools
# ---------------------------------------------------------------------------

_SURNAMES_W: list[tuple[str, float]] = [
    ("김", 21.5), ("이", 14.7), ("박", 8.4), ("최", 4.7), ("정", 4.3), ("강", 2.4),
    ("조", 2.1), ("윤", 2.1), ("장", 2.0), ("임", 1.7), ("한", 1.5), ("오", 1.5),
    ("서", 1.5), ("신", 1.5), ("권", 1.4), ("황", 1.4), ("안", 1.4), ("송", 1.3),
    ("류", 1.0), ("전", 1.1), ("홍", 1.1), ("고", 0.9), ("문", 0.9), ("양", 0.9),
    ("손", 0.9), ("배", 0.8), ("백", 0.8), ("허", 0.7), ("유", 0.9), ("남", 0.6),
    ("심", 0.5), ("노", 0.5), ("하", 0.5), ("곽", 0.4), ("성", 0.4), ("차", 0.4),
    ("주", 0.4), ("우", 0.4), ("구", 0.4), ("민", 0.4), ("진", 0.3), ("지", 0.3),
    ("엄", 0.3), ("채", 0.3), ("원", 0.3), ("천", 0.3), ("방", 0.3), ("공", 0.2),
    ("현", 0.2), ("함", 0.2), ("변", 0.2), ("염", 0.2), ("여", 0.1), ("추", 0.1),
    ("도", 0.1), ("소", 0.1), ("석", 0.1), ("선", 0.1), ("설", 0.1), ("마", 0.1),
    ("길", 0.1), ("연", 0.1), ("위", 0.1), ("표", 0.1), ("명", 0.1), ("기", 0.1),
    ("반", 0.1), ("라", 0.1), ("왕", 0.05), ("금", 0.05), ("옥", 0.05), ("육", 0.05),
    ("인", 0.05), ("맹", 0.05), ("제", 0.05), ("모", 0.05), ("남궁", 0.04),
    ("탁", 0.04), ("국", 0.04), ("어", 0.03), ("은", 0.03), ("편", 0.03), ("용", 0.03),
    ("황보", 0.02),
]
_SURNAMES = [s for s, _ in _SURNAMES_W]
_SURNAME_CUM: list[float] = []
_acc = 0.0
for _s, _w in _SURNAMES_W:
    _acc += _w
    _SURNAME_CUM.append(_acc)

_RARE_SURNAMES = [
    "남궁", "황보", "제갈", "선우", "독고", "사공", "서문", "동방", "편", "탁", "어", "옹",
    "즙", "뇌", "견", "묵", "섭", "빙", "팽", "판", "승", "시", "야", "궁", "봉", "사",
    "부", "가", "복", "태", "목", "형", "계", "피", "두", "감", "음", "빈", "동", "온",
    "호", "범", "좌", "간", "상", "당", "화", "창", "순", "요", "종", "경", "예", "도",
]

_MODERN_M = ("민준 서준 도윤 예준 시우 하준 주원 지호 지후 준우 준서 건우 현우 도현 우진 "
             "선우 서진 유준 연우 은우 정우 승우 시윤 이준 지훈 수호 승현 태윤 로운 이안 "
             "지환 윤호 재윤 한결 시후 태오 은호 하람 이현 도하").split()
_MODERN_F = ("서연 서윤 지우 서현 민서 하은 하윤 윤서 지유 지민 채원 수아 지아 지윤 다은 "
             "은서 예은 수빈 소율 예린 하린 시은 아린 유나 서아 이서 나은 채은 유진 다인 "
             "가은 소윤 연서 예서 하율 시아 리아 세아 아윤 지안").split()
_OLD_M = ("영수 영호 영철 철수 상철 동수 성호 정호 광수 종철 만복 덕배 용식 재현 성민 "
          "동현 정훈 상훈 준호 성진 민수 경수 현철 진우 병철 기철 석진 태식 형준 문수 "
          "상욱 재석 용준 도현 승철 대호 창민 규현 병호 익수 두식 춘식 갑수 봉구").split()
_OLD_F = ("영희 순자 정숙 영자 명숙 경숙 춘자 옥순 말순 순이 미숙 은영 미경 혜진 지영 "
          "수진 은정 미영 정희 경희 선영 현정 혜숙 금순 복순 말자 정자 숙희 정민 은주 "
          "명자 옥자 순덕 분이 점순 경애 미란 선희 윤희 혜경").split()
_NATIVE = ("하늘 보람 슬기 나래 가람 다솜 한별 바다 아름 초롱 빛나 새봄 누리 한결 이슬 "
           "마음 하나 진주 단비 다운 소리 나비 가온 라온 해솔 온유 새롬 은솔 여름 한빛 "
           "솔비 별님 고은 그림 시내 보미 꽃님 구슬 도담").split()
_LONG_GIVEN = ("한아름 빛나리 초롱별 은하수 한가람 해오름 새벼리 이루리 아롱별 하늘빛 "
               "보드미 가온길 다소니 해맑음 늘봄이 미리내 나린솔").split()
_FOUR_GIVEN = "가온누리 하늘별빛 은빛나래 한가람솔 꽃보라빛".split()
_SYL_M = list("민준서도윤우현지호건성재승동영진상태정수혁훈석철용기규범찬빈원환한종선형경욱연주하시유은결율겸온안람")
_SYL_F = list("서지수민하윤은유예채다소아혜현정미경연희영진나보가선주린원빈슬솔봄별향숙자순옥란애화이")
_SINGLE_GIVEN = list("진훈혁준솔별윤현건웅란담율결빈영철숙정석산설강찬")
_WORDLIKE = [
    "이상", "유지", "방문", "안정", "하나", "김하나", "이하나", "박마음", "최마음",
    "정진주", "김진주", "강한결", "윤한결", "이슬", "오이슬", "김이슬", "한마음",
    "김보람", "이슬기", "김장미", "구슬", "전진", "신비", "이사랑", "김사랑", "정다운",
    "조은", "최고은", "나비", "우주", "문하늘", "임신영", "방석", "공기", "정원", "하진주",
]


def _surname(r: random.Random) -> str:
    x = r.random() * _SURNAME_CUM[-1]
    lo, hi = 0, len(_SURNAME_CUM) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if _SURNAME_CUM[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return _SURNAMES[lo]


def _given(r: random.Random) -> str:
    p = r.random()
    if p < 0.34:
        return r.choice(_MODERN_M if r.random() < 0.5 else _MODERN_F)
    if p < 0.58:
        return r.choice(_OLD_M if r.random() < 0.5 else _OLD_F)
    if p < 0.68:
        return r.choice(_NATIVE)
    pool = _SYL_M if r.random() < 0.5 else _SYL_F
    a, b = r.choice(pool), r.choice(pool)
    while b == a:
        b = r.choice(pool)
    return a + b


def _common_name(r: random.Random) -> str:
    return _surname(r) + _given(r)


def _rare_name(r: random.Random) -> str:
    s = r.choice(_RARE_SURNAMES)
    return s + (r.choice(_SINGLE_GIVEN) if len(s) == 1 and r.random() < 0.1 else _given(r))


def _short_name(r: random.Random) -> str:
    return _surname(r) + r.choice(_SINGLE_GIVEN)


def _long_name(r: random.Random) -> str:
    p = r.random()
    if p < 0.45:  # 2-syllable surname + 2 (4 syllables)
        return r.choice(["남궁", "황보", "제갈", "선우", "독고", "사공", "서문"]) + _given(r)
    if p < 0.8:  # 1 + 3 (4 syllables)
        return _surname(r) + r.choice(_LONG_GIVEN)
    if p < 0.9:  # 2 + 3 (5 syllables)
        return r.choice(["남궁", "황보", "제갈", "선우"]) + r.choice(_LONG_GIVEN)
    return _surname(r) + r.choice(_FOUR_GIVEN)  # 1 + 4 (5 syllables)


def _korean_name(r: random.Random) -> str:
    p = r.random()
    if p < 0.07:
        return _rare_name(r)
    if p < 0.11:
        return r.choice(_WORDLIKE)
    if p < 0.16:
        return _short_name(r)
    if p < 0.20:
        return _long_name(r)
    return _common_name(r)


_TWO_SYL_SURNAMES = ("남궁", "황보", "제갈", "선우", "독고", "사공", "서문", "동방")


def _split_name(name: str) -> tuple[str, str]:
    if len(name) >= 3 and name[:2] in _TWO_SYL_SURNAMES:
        return name[:2], name[2:]
    return name[:1], name[1:]


def _spaced(name: str) -> str:
    return " ".join(name)


# foreign names: (nation, family names, given names, order) order "fg" family first
_FOREIGN = [
    ("베트남", ["응우옌", "쩐", "레", "팜", "호앙", "부", "당", "브엉", "도", "보"],
     ["티 투", "반 안", "티 흐엉", "반 남", "티 란", "흐우 훙", "티 린", "득 타오",
      "티 마이", "꽝 하이", "반 뚜언", "티 홍 느엉", "민 득"], "fg"),
    ("파키스탄", ["알리", "칸", "아크람", "라자", "후세인"],
     ["무하마드", "아흐메드", "아시프", "나스린", "이므란"], "gf"),
    ("우즈베키스탄", ["카리모프", "라히모바", "유수포프", "토시모바", "살리모프"],
     ["아지즈", "딜노자", "자수르", "니고라", "샤흐조드"], "gf"),
    ("중국", ["왕", "리", "장", "류", "천", "자오"],
     ["웨이", "나", "샤오밍", "징", "하오위", "리팡", "윈"], "fg"),
    ("필리핀", ["산토스", "델라크루즈", "레예스", "가르시아", "멘도사"],
     ["마리아 크리스티나", "존 레이", "로웰", "제니린", "마크 안토니"], "gf"),
    ("네팔", ["타망", "구룽", "라이", "셰르파", "마가르"],
     ["수닐", "람 바하두르", "비노드", "삼자나", "아스미타"], "gf"),
    ("인도네시아", ["산토소", "위자야", "누르할리자", "하디"],
     ["부디", "시티", "아궁", "데위", "리안"], "gf"),
    ("태국", ["분마", "차이야", "스리쑥", "캄마"],
     ["솜차이", "씨리폰", "낫타폰", "쁘라윳"], "gf"),
    ("몽골", ["돌고르수렌", "바야르", "간바타르", "체렌"],
     ["바트바야르", "오윤치멕", "엥흐자르갈", "투멘"], "gf"),
    ("러시아", ["페트로프", "이바노바", "스미르노프", "쿠즈네초바"],
     ["이반", "올가", "세르게이", "나탈리아", "드미트리"], "gf"),
    ("미국", ["스미스", "존슨", "윌리엄스", "브라운", "밀러"],
     ["존", "제니퍼", "마이클", "에밀리", "데이비드 리"], "gf"),
    ("일본", ["사토", "다나카", "스즈키", "다카하시", "야마모토"],
     ["유키", "히로시", "아야", "겐타", "미사키"], "fg"),
    ("캄보디아", ["속", "찬", "행", "분"], ["피셋", "소피아", "다라", "보레이"], "fg"),
    ("스리랑카", ["페레라", "실바", "페르난도"], ["쿠마라", "니말", "찬디마"], "gf"),
]
_FOREIGN_ROMAN = {
    "베트남": (["NGUYEN", "TRAN", "LE", "PHAM", "HOANG", "VU"],
              ["THI THU", "VAN AN", "THI HUONG", "VAN NAM", "THI LAN", "DUC THAO"], "fg"),
    "파키스탄": (["ALI", "KHAN", "AKRAM", "RAZA"], ["MUHAMMAD", "AHMED", "ASIF", "IMRAN"], "gf"),
    "우즈베키스탄": (["KARIMOV", "RAKHIMOVA", "YUSUPOV"], ["AZIZ", "DILNOZA", "JASUR"], "gf"),
    "중국": (["WANG", "LI", "ZHANG", "LIU", "CHEN"], ["WEI", "NA", "XIAOMING", "JING"], "fg"),
    "필리핀": (["SANTOS", "DELA CRUZ", "REYES"], ["MARIA CRISTINA", "JOHN RAY", "ROWELL"], "gf"),
    "네팔": (["TAMANG", "GURUNG", "RAI"], ["SUNIL", "RAM BAHADUR", "BINOD"], "gf"),
    "미국": (["Smith", "Johnson", "Miller"], ["John", "Jennifer", "Michael", "Emily"], "gf"),
    "일본": (["SATO", "TANAKA", "SUZUKI"], ["YUKI", "HIROSHI", "AYA"], "fg"),
    "러시아": (["PETROV", "IVANOVA", "SMIRNOV"], ["IVAN", "OLGA", "SERGEY"], "gf"),
}


def _foreign_name(r: random.Random, ctx: dict) -> str:
    nation, fam, giv, order = r.choice(_FOREIGN)
    ctx.setdefault("_nation", nation)
    f, g = r.choice(fam), r.choice(giv)
    if nation == "중국" and r.random() < 0.5:
        return f + g.replace(" ", "")
    return f"{f} {g}" if order == "fg" else f"{g} {f}"


def _roman_korean(r: random.Random, name: str) -> str:
    s, g = _split_name(name)
    sr = _SURNAME_RR.get(s) or _rr(s).capitalize()
    parts = [_rr_syl(c) for c in g]
    style = r.randrange(7)
    if style == 0:
        return f"{sr.upper()} {''.join(parts).upper()}"
    if style == 1:
        return f"{sr} {'-'.join(parts).capitalize()}"
    if style == 2:
        return f"{''.join(parts).capitalize()} {sr}"
    if style == 3:
        return f"{sr.upper()}, {' '.join(parts).upper()}"
    if style == 4:
        return f"{sr.upper()} {' '.join(parts).upper()}"
    if style == 5:
        return f"{'-'.join(parts).capitalize()} {sr}"
    return f"{sr} {''.join(parts).capitalize()}"


def _roman_name(r: random.Random, ctx: dict, foreign: bool = False) -> str:
    if foreign or r.random() < 0.25:
        nation = r.choice(list(_FOREIGN_ROMAN))
        fam, giv, order = _FOREIGN_ROMAN[nation]
        ctx.setdefault("_nation", nation)
        f, g = r.choice(fam), r.choice(giv)
        return f"{f} {g}" if order == "fg" else f"{g} {f}"
    ctx.setdefault("_nation", "대한민국")
    return _roman_korean(r, _common_name(r) if r.random() < 0.8 else _korean_name(r))


def _masked_name(r: random.Random) -> str:
    n = _common_name(r)
    s, g = _split_name(n)
    p = r.random()
    if p < 0.3:
        return s + "○○"
    if p < 0.45:
        return s + "**"
    if p < 0.55:
        return s + "OO"
    if p < 0.72 and len(g) == 2:
        return s + "○" + g[1]
    if p < 0.82 and len(g) == 2:
        return s + g[0] + "*"
    if p < 0.9:
        return s + " 모"
    return s + "●●"


# ---------------------------------------------------------------------------
# Identifier generators
# ---------------------------------------------------------------------------

_RRN_W = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)


def _rrn_core(r: random.Random, foreign: bool) -> str:
    young = r.random() < 0.18
    if young:
        y = r.randint(2000, 2023)
    else:
        y = r.randint(1935, 1999)
    d = date(y, 1, 1) + timedelta(days=r.randrange(365))
    sex = r.randint(0, 1)
    if foreign:
        g = (7 + sex) if y >= 2000 else (5 + sex)
    else:
        g = (3 + sex) if y >= 2000 else (1 + sex)
    head = f"{d:%y%m%d}{g}"
    if r.random() < 0.7:
        body = head + "".join(str(r.randrange(10)) for _ in range(5))
        s = sum(int(c) * w for c, w in zip(body, _RRN_W))
        return body + str((11 - s % 11) % 10)
    return head + "".join(str(r.randrange(10)) for _ in range(6))


def _rrn_fmt(r: random.Random, digits: str, allow_mask: bool = True) -> str:
    a, b = digits[:6], digits[6:]
    p = r.random()
    if allow_mask and p < 0.16:
        m = r.choice(["******", "******", "xxxxxx", "XXXXXX", "●●●●●●", "******"])
        return f"{a}-{b[0]}{m}"
    if p < 0.62:
        return f"{a}-{b}"
    if p < 0.76:
        return a + b
    if p < 0.84:
        return f"{a} - {b}"
    if p < 0.91:
        return f"{a} {b}"
    if p < 0.96:
        return f"{a}–{b}"
    return f"{a} -{b}"


def _mobile(r: random.Random) -> str:
    pre = "010" if r.random() < 0.93 else r.choice(["011", "016", "017", "019"])
    mid = f"{r.randint(2000, 9999)}" if pre == "010" or r.random() < 0.5 else f"{r.randint(200, 999)}"
    last = f"{r.randint(0, 9999):04d}"
    p = r.random()
    if p < 0.6:
        return f"{pre}-{mid}-{last}"
    if p < 0.75:
        return f"{pre}{mid}{last}"
    if p < 0.84:
        return f"{pre} {mid} {last}"
    if p < 0.9:
        return f"{pre}.{mid}.{last}"
    if p < 0.96:
        return f"+82-{pre[1:]}-{mid}-{last}"
    return f"+82 {pre[1:]} {mid} {last}"


_AREA = ["02", "031", "032", "033", "041", "042", "043", "044", "051", "052", "053",
         "054", "055", "061", "062", "063", "064", "070"]


def _landline(r: random.Random) -> str:
    a = r.choice(_AREA)
    mid = f"{r.randint(200, 999)}" if r.random() < 0.4 else f"{r.randint(2000, 9999)}"
    last = f"{r.randint(0, 9999):04d}"
    p = r.random()
    if p < 0.75:
        return f"{a}-{mid}-{last}"
    if p < 0.85:
        return f"{a}){mid}-{last}"
    if p < 0.93:
        return f"({a}) {mid}-{last}"
    return f"{a} {mid} {last}"


def _luhn_complete(prefix_and_body: str) -> str:
    digits = [int(c) for c in prefix_and_body]
    total = 0
    for i, dgt in enumerate(reversed(digits)):
        if i % 2 == 0:
            dgt *= 2
            if dgt > 9:
                dgt -= 9
        total += dgt
    return prefix_and_body + str((10 - total % 10) % 10)


def _card(r: random.Random) -> str:
    if r.random() < 0.06:  # 15-digit amex-like
        num = _luhn_complete("37" + "".join(str(r.randrange(10)) for _ in range(12)))
        return f"{num[:4]}-{num[4:10]}-{num[10:]}"
    pre = r.choice(["4", "5", "9410", "9430", "4518", "5365", "3563", "6243", "9490"])
    body = pre + "".join(str(r.randrange(10)) for _ in range(15 - len(pre)))
    num = _luhn_complete(body)
    g = [num[i:i + 4] for i in range(0, 16, 4)]
    p = r.random()
    if p < 0.55:
        return "-".join(g)
    if p < 0.72:
        return " ".join(g)
    if p < 0.84:
        return num
    if p < 0.94:
        return f"{g[0]}-{g[1][:2]}**-****-{g[3]}"
    return f"{g[0]} {g[1]} **** {g[3]}"


_BANKS = [
    ("국민은행", ["6-2-6", "3-2-4-3"]), ("KB국민은행", ["6-2-6"]), ("신한은행", ["3-3-6", "3-2-6"]),
    ("우리은행", ["4-3-6"]), ("하나은행", ["3-6-5"]), ("농협", ["3-4-4-2", "6-2-6"]),
    ("NH농협은행", ["3-4-4-2"]), ("IBK기업은행", ["3-6-2-3"]), ("기업은행", ["3-6-2-3"]),
    ("카카오뱅크", ["4-2-7"]), ("토스뱅크", ["4-4-4"]), ("케이뱅크", ["3-3-6"]),
    ("새마을금고", ["4-2-6-1"]), ("우체국", ["6-2-6"]), ("SC제일은행", ["3-2-6"]),
    ("부산은행", ["3-4-4-2"]), ("iM뱅크", ["3-2-6-1"]), ("신협", ["3-3-6"]),
    ("수협은행", ["3-2-6"]), ("광주은행", ["3-3-6"]),
]


def _account(r: random.Random, bank: str | None) -> str:
    fmts = None
    for b, f in _BANKS:
        if b == bank:
            fmts = f
    if fmts is None:
        fmts = r.choice(_BANKS)[1]
    parts = [int(x) for x in r.choice(fmts).split("-")]
    groups = ["".join(str(r.randrange(10)) for _ in range(k)) for k in parts]
    if groups[0][0] == "0" and r.random() < 0.7:
        groups[0] = str(r.randint(1, 9)) + groups[0][1:]
    p = r.random()
    if p < 0.72:
        return "-".join(groups)
    if p < 0.92:
        return "".join(groups)
    return " ".join(groups)


_MAIL_DOMAINS = ["naver.com", "naver.com", "gmail.com", "gmail.com", "daum.net", "hanmail.net",
                 "kakao.com", "nate.com", "hotmail.com", "outlook.com", "korea.kr", "icloud.com"]


def _email(r: random.Random) -> str:
    n = _common_name(r)
    s, g = _split_name(n)
    sr = (_SURNAME_RR.get(s) or _rr(s)).lower()
    gr = _rr(g)
    p = r.random()
    if p < 0.25:
        local = f"{gr}.{sr}{r.randint(70, 99)}"
    elif p < 0.45:
        local = f"{sr}{''.join(_rr_syl(c)[0] for c in g)}{r.randint(1970, 2005)}"
    elif p < 0.6:
        local = f"{sr}_{gr}"
    elif p < 0.72:
        local = f"{gr}{r.randint(1, 999)}"
    elif p < 0.84:
        local = r.choice(["happy", "sky", "blue", "mom", "jjang", "sunny", "lucky", "dream"]) \
            + gr[:4] + str(r.randint(1, 99))
    else:
        local = f"{sr[0]}{gr}{r.randint(0, 9)}"
    return f"{local}@{r.choice(_MAIL_DOMAINS)}"


def _chart(r: random.Random) -> str:
    p = r.random()
    if p < 0.35:
        return f"{r.randint(0, 99999999):08d}"
    if p < 0.5:
        return f"{r.randint(2015, 2026)}-{r.randint(0, 9999999):07d}"
    if p < 0.62:
        return f"{r.choice('PRHA')}{r.randint(0, 9999999):07d}"
    if p < 0.74:
        return f"{r.randint(0, 999999):06d}"
    if p < 0.86:
        return f"{r.randint(10, 99)}-{r.randint(0, 999999):06d}"
    return f"{r.randint(1000000000, 9999999999)}"


def _hin(r: random.Random) -> str:
    d = f"{r.randint(1, 8)}" + "".join(str(r.randrange(10)) for _ in range(10))
    p = r.random()
    if p < 0.6:
        return d
    if p < 0.75:
        return f"{d[0]}-{d[1:]}"
    if p < 0.88:
        return f"{d[:5]}-{d[5:]}"
    return f"{d[0]} {d[1:6]} {d[6:]}"


def _license(r: random.Random) -> str:
    return str(r.randint(1000, 139999)) if r.random() < 0.85 else f"{r.randint(100, 9999)}"


def _dl(r: random.Random) -> str:
    reg = r.randint(11, 28)
    yy = r.randint(0, 25)
    s = f"{r.randint(0, 999999):06d}"
    c = f"{r.randint(0, 99):02d}"
    p = r.random()
    if p < 0.72:
        return f"{reg}-{yy:02d}-{s}-{c}"
    if p < 0.86:
        return f"{reg}{yy:02d}{s}{c}"
    return f"{reg} {yy:02d} {s} {c}"


def _passport(r: random.Random) -> str:
    p = r.random()
    if p < 0.55:
        return f"{r.choice('MMMMSRGD')}{r.randint(0, 99999999):08d}"
    if p < 0.85:
        return f"M{r.randint(0, 999):03d}{r.choice('ABCDEFGHJKLMNPRSTVWXYZ')}{r.randint(0, 9999):04d}"
    # foreign passports
    return r.choice(["C", "E", "P", "N", "K", "G"]) + f"{r.randint(0, 9999999):07d}"


_PLATE_H = list("가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주") + ["아", "바", "사", "자", "배", "허", "하", "호"]
_PLATE_REG = ["서울", "경기", "부산", "인천", "대구", "광주", "대전", "울산", "충남", "경북", "전남", "강원", "제주"]


def _vehicle(r: random.Random) -> str:
    h = r.choice(_PLATE_H)
    n4 = f"{r.randint(1000, 9999)}"
    p = r.random()
    if p < 0.35:
        return f"{r.randint(10, 99)}{h}{n4}"
    if p < 0.6:
        return f"{r.randint(100, 399)}{h}{n4}"
    if p < 0.78:
        return f"{r.randint(10, 99)}{h} {n4}"
    if p < 0.88:
        return f"{r.randint(100, 399)}{h} {n4}"
    if p < 0.95:
        return f"{r.choice(_PLATE_REG)}{r.randint(10, 99)}{h}{n4}"
    return f"{r.choice(_PLATE_REG)} {r.randint(10, 99)}{h} {n4}"


def _ip(r: random.Random) -> str:
    p = r.random()
    if p < 0.3:
        return f"192.168.{r.randint(0, 20)}.{r.randint(2, 254)}"
    if p < 0.5:
        return f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"
    return (f"{r.choice([58, 61, 106, 110, 112, 118, 121, 175, 183, 211, 220, 222])}."
            f"{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}")


def _policy(r: random.Random) -> str:
    p = r.random()
    y = r.randint(2005, 2025)
    if p < 0.2:
        return f"{r.randint(1000000000, 9999999999)}"
    if p < 0.35:
        return f"L{y}{r.randint(0, 9999999):07d}"
    if p < 0.5:
        return f"{y}-{r.randint(0, 999999):06d}-{r.randint(1, 99):02d}"
    if p < 0.62:
        return f"{r.randint(0, 9999999999):010d}-{r.randint(1, 999):03d}"
    if p < 0.74:
        return f"POL-{y}{r.randint(0, 9999999):07d}"
    if p < 0.86:
        return f"{r.choice('ABCDGH')}{r.randint(10, 99)}{r.choice('ABCK')}{r.randint(0, 999999):06d}"
    return f"{y}{r.randint(0, 99999999):08d}"


# ---------------------------------------------------------------------------
# Addresses
# ---------------------------------------------------------------------------

# (sido forms, [(시군구, [roads], [법정동])])
_REGIONS: list[tuple[tuple[str, ...], list[tuple[str, list[str], list[str]]]]] = [
    (("서울특별시", "서울시", "서울"), [
        ("강남구", ["테헤란로", "논현로", "도산대로", "언주로", "선릉로", "개포로"], ["역삼동", "대치동", "개포동", "삼성동", "논현동"]),
        ("송파구", ["올림픽로", "송파대로", "양재대로", "오금로"], ["잠실동", "가락동", "문정동", "방이동"]),
        ("마포구", ["월드컵로", "마포대로", "독막로", "백범로"], ["합정동", "망원동", "공덕동", "아현동"]),
        ("노원구", ["동일로", "노원로", "상계로"], ["상계동", "중계동", "하계동"]),
        ("관악구", ["관악로", "남부순환로", "봉천로"], ["봉천동", "신림동"]),
        ("종로구", ["세종대로", "율곡로", "대학로", "김상옥로"], ["혜화동", "명륜동", "연건동"]),
        ("중구", ["을지로", "퇴계로", "충무로"], ["신당동", "황학동", "필동"]),
        ("은평구", ["통일로", "연서로"], ["불광동", "응암동", "진관동"]),
        ("강서구", ["공항대로", "화곡로", "강서로"], ["화곡동", "등촌동", "마곡동"]),
        ("양천구", ["목동동로", "신정로", "오목로"], ["목동", "신정동", "신월동"]),
        ("성북구", ["보문로", "정릉로", "동소문로"], ["정릉동", "길음동", "돈암동"]),
        ("영등포구", ["여의대로", "영등포로", "당산로"], ["여의도동", "당산동", "신길동"]),
        ("서초구", ["서초대로", "반포대로", "방배로"], ["서초동", "반포동", "방배동"]),
        ("강동구", ["천호대로", "양재대로", "고덕로"], ["천호동", "암사동", "명일동", "고덕동"]),
        ("용산구", ["한강대로", "이태원로", "소월로"], ["이태원동", "한남동", "이촌동"]),
        ("동작구", ["노량진로", "상도로", "사당로"], ["상도동", "사당동", "흑석동"]),
    ]),
    (("부산광역시", "부산시", "부산"), [
        ("해운대구", ["해운대로", "센텀중앙로", "좌동순환로"], ["우동", "중동", "좌동", "재송동"]),
        ("부산진구", ["중앙대로", "서면로", "동평로"], ["부전동", "전포동", "양정동"]),
        ("동래구", ["충렬대로", "명륜로", "온천장로"], ["명륜동", "온천동", "사직동"]),
        ("사하구", ["낙동대로", "다대로"], ["하단동", "괴정동", "다대동"]),
        ("남구", ["수영로", "용호로"], ["대연동", "용호동"]),
    ]),
    (("대구광역시", "대구시", "대구"), [
        ("수성구", ["달구벌대로", "동대구로", "무학로"], ["범어동", "만촌동", "황금동", "지산동"]),
        ("달서구", ["월배로", "달구벌대로", "진천로"], ["상인동", "월성동", "진천동"]),
        ("북구", ["칠곡중앙대로", "대현로"], ["침산동", "복현동", "태전동"]),
    ]),
    (("인천광역시", "인천시", "인천"), [
        ("남동구", ["인주대로", "구월로", "논고개로"], ["구월동", "논현동", "만수동"]),
        ("연수구", ["컨벤시아대로", "송도과학로", "함박뫼로"], ["송도동", "연수동", "동춘동"]),
        ("부평구", ["부평대로", "길주로", "경원대로"], ["부평동", "산곡동", "십정동"]),
        ("서구", ["서곶로", "봉오대로", "청라대로"], ["청라동", "검암동", "가정동"]),
    ]),
    (("광주광역시", "광주시", "광주"), [
        ("북구", ["서하로", "무등로", "우치로"], ["용봉동", "운암동", "문흥동"]),
        ("서구", ["상무대로", "무진대로", "화정로"], ["치평동", "화정동", "풍암동"]),
        ("광산구", ["임방울대로", "첨단중앙로", "수완로"], ["수완동", "신가동", "월계동"]),
    ]),
    (("대전광역시", "대전시", "대전"), [
        ("서구", ["둔산로", "계룡로", "대덕대로"], ["둔산동", "갈마동", "관저동", "정림동"]),
        ("유성구", ["대학로", "엑스포로", "노은동로"], ["봉명동", "노은동", "지족동"]),
        ("중구", ["대종로", "계백로"], ["은행동", "대흥동", "태평동"]),
    ]),
    (("울산광역시", "울산시", "울산"), [
        ("남구", ["삼산로", "번영로", "문수로"], ["삼산동", "달동", "무거동"]),
        ("동구", ["방어진순환도로", "봉수로"], ["전하동", "화정동"]),
    ]),
    (("세종특별자치시", "세종시", "세종"), [
        ("", ["한누리대로", "도움1로", "보듬3로", "갈매로"], ["어진동", "도담동", "새롬동", "아름동", "종촌동", "한솔동"]),
    ]),
    (("경기도", "경기"), [
        ("수원시 팔달구", ["인계로", "중부대로", "매산로"], ["인계동", "우만동", "매탄동"]),
        ("수원시 영통구", ["광교중앙로", "영통로", "봉영로"], ["영통동", "이의동", "원천동"]),
        ("성남시 분당구", ["정자일로", "황새울로", "판교역로", "불정로"], ["정자동", "서현동", "수내동", "백현동", "야탑동"]),
        ("고양시 일산동구", ["중앙로", "일산로", "호수로"], ["장항동", "백석동", "마두동"]),
        ("고양시 덕양구", ["화중로", "권율대로"], ["화정동", "행신동"]),
        ("용인시 수지구", ["포은대로", "수지로", "신수로"], ["풍덕천동", "죽전동", "상현동"]),
        ("용인시 기흥구", ["동백중앙로", "중부대로"], ["동백동", "보정동", "구갈동"]),
        ("부천시", ["길주로", "부일로", "소향로"], ["중동", "상동", "심곡동"]),
        ("안양시 동안구", ["시민대로", "평촌대로"], ["평촌동", "비산동", "호계동"]),
        ("화성시", ["동탄대로", "동탄순환대로", "효행로"], ["반송동", "청계동", "병점동"]),
        ("남양주시", ["경춘로", "다산중앙로", "별내중앙로"], ["다산동", "별내동", "호평동"]),
        ("김포시", ["김포한강로", "김포대로"], ["장기동", "구래동", "사우동"]),
        ("파주시", ["청석로", "운정로"], ["목동동", "야당동", "금촌동"]),
        ("의정부시", ["평화로", "시민로"], ["의정부동", "민락동", "신곡동"]),
        ("평택시", ["평택로", "경기대로"], ["비전동", "고덕동", "세교동"]),
        ("시흥시", ["정왕대로", "시흥대로"], ["정왕동", "배곧동"]),
    ]),
    (("강원특별자치도", "강원도", "강원"), [
        ("춘천시", ["중앙로", "퇴계로", "후석로"], ["퇴계동", "석사동", "후평동"]),
        ("원주시", ["원일로", "시청로", "단구로"], ["단구동", "무실동", "반곡동"]),
        ("강릉시", ["경강로", "율곡로", "하슬라로"], ["교동", "포남동", "송정동"]),
    ]),
    (("충청북도", "충북"), [
        ("청주시 흥덕구", ["직지대로", "2순환로", "가경로"], ["복대동", "가경동", "봉명동"]),
        ("청주시 상당구", ["상당로", "용암로"], ["용암동", "금천동"]),
        ("충주시", ["충주대로", "연수동로"], ["연수동", "교현동"]),
    ]),
    (("충청남도", "충남"), [
        ("천안시 서북구", ["불당대로", "번영로", "쌍용대로"], ["불당동", "쌍용동", "두정동"]),
        ("천안시 동남구", ["충절로", "청수로"], ["신방동", "청수동"]),
        ("아산시", ["번영로", "배방로", "온천대로"], ["온천동", "모종동"]),
    ]),
    (("전북특별자치도", "전라북도", "전북"), [
        ("전주시 완산구", ["효자로", "홍산로", "팔달로"], ["효자동", "서신동", "중화산동"]),
        ("전주시 덕진구", ["백제대로", "송천중앙로"], ["송천동", "인후동"]),
        ("익산시", ["무왕로", "인북로"], ["영등동", "어양동"]),
    ]),
    (("전라남도", "전남"), [
        ("순천시", ["연향로", "중앙로", "왕지로"], ["연향동", "조례동", "왕지동"]),
        ("여수시", ["여수시청로", "좌수영로"], ["학동", "여서동", "문수동"]),
        ("목포시", ["영산로", "백년대로"], ["옥암동", "상동", "용해동"]),
    ]),
    (("경상북도", "경북"), [
        ("포항시 남구", ["포스코대로", "대잠로"], ["대잠동", "이동", "연일읍"]),
        ("포항시 북구", ["중앙로", "삼호로"], ["양덕동", "장성동"]),
        ("구미시", ["송정대로", "구미대로"], ["송정동", "형곡동", "옥계동"]),
        ("경주시", ["태종로", "화랑로", "원화로"], ["동천동", "황성동"]),
    ]),
    (("경상남도", "경남"), [
        ("창원시 성산구", ["중앙대로", "원이대로", "상남로"], ["상남동", "용호동", "중앙동"]),
        ("김해시", ["김해대로", "가야로", "금관대로"], ["내동", "대청동", "삼계동"]),
        ("진주시", ["진주대로", "동진로", "남강로"], ["평거동", "하대동", "가좌동", "신안동"]),
        ("양산시", ["양산대로", "물금로"], ["중부동", "물금읍"]),
    ]),
    (("제주특별자치도", "제주도", "제주"), [
        ("제주시", ["연북로", "노형로", "중앙로", "연삼로"], ["노형동", "연동", "이도이동", "아라동"]),
        ("서귀포시", ["중정로", "일주동로"], ["동홍동", "서홍동"]),
    ]),
]

_RURAL = [
    ("전라남도", "해남군", "해남읍", ["구교리", "해리", "연동리"]),
    ("경상북도", "의성군", "의성읍", ["도동리", "중리리", "후죽리"]),
    ("충청남도", "예산군", "덕산면", ["사동리", "읍내리", "신평리"]),
    ("강원특별자치도", "홍천군", "화촌면", ["성산리", "구성포리"]),
    ("경상남도", "함안군", "가야읍", ["말산리", "도항리"]),
    ("전북특별자치도", "고창군", "고창읍", ["읍내리", "월곡리"]),
    ("충청북도", "괴산군", "괴산읍", ["서부리", "동부리"]),
    ("경기도", "양평군", "양서면", ["양수리", "목왕리"]),
]

_APT = ["래미안", "자이", "힐스테이트", "e편한세상", "푸르지오", "아이파크", "롯데캐슬", "더샵",
        "SK뷰", "한신", "주공2단지", "현대아파트", "우성", "한양", "벽산블루밍", "신동아", "쌍용예가",
        "호반베르디움", "중흥S-클래스", "한라비발디", "부영", "은하수마을 3단지", "한솔마을 5단지",
        "무지개마을 4단지", "하늘채", "꿈에그린", "센트레빌", "아름마을 1단지", "진주아파트"]
_VILLA = ["하늘빌", "청솔빌라", "그린빌", "미소빌", "대성빌라", "새한빌라", "정원하이츠", "이슬타운"]


def _address(r: random.Random, kind: str | None = None) -> str:
    if kind is None:
        p = r.random()
        kind = "road" if p < 0.62 else ("lot" if p < 0.92 else "rural")
    if kind == "rural":
        do, gun, eup, ris = r.choice(_RURAL)
        s = f"{do} {gun} {eup} {r.choice(ris)} {r.randint(1, 999)}"
        if r.random() < 0.35:
            s += f"-{r.randint(1, 20)}"
        if r.random() < 0.2:
            s += "번지"
        return s
    sidos, areas = r.choice(_REGIONS)
    sido = r.choice(sidos)
    sgg, roads, dongs = r.choice(areas)
    head = f"{sido} {sgg}".replace("  ", " ").strip() if sgg else sido
    if kind == "road":
        road = r.choice(roads)
        if r.random() < 0.2:
            road += f"{r.choice(['', ' '])}{r.randint(1, 60)}번길" if r.random() < 0.5 else f"{r.randint(1, 40)}길"
        num = f"{r.randint(1, 700)}"
        if r.random() < 0.2:
            num += f"-{r.randint(1, 30)}"
        s = f"{head} {road} {num}"
        p = r.random()
        if p < 0.42:
            apt = r.choice(_APT)
            dno, ho = r.randint(101, 125), f"{r.randint(1, 25)}{r.randint(1, 6):02d}"
            if r.random() < 0.65:
                s += f", {dno}동 {ho}호"
            else:
                s += f" {dno}-{ho}"
            if r.random() < 0.5:
                s += f" ({r.choice(dongs)}, {apt})" if r.random() < 0.6 else f"({r.choice(dongs)})"
        elif p < 0.6:
            s += f", {r.randint(1, 15)}층"
        elif p < 0.72:
            s += f", {r.choice(_VILLA)} {r.choice(['B', ''])}{r.randint(1, 4)}0{r.randint(1, 4)}호"
        elif p < 0.8:
            s += f" ({r.choice(dongs)})"
        return s
    dong = r.choice(dongs)
    s = f"{head} {dong} {r.randint(1, 1999)}"
    if r.random() < 0.55:
        s += f"-{r.randint(1, 60)}"
    if r.random() < 0.25:
        s += "번지"
    if r.random() < 0.45:
        s += f" {r.choice(_APT)} {r.randint(101, 120)}동 {r.randint(1, 25)}{r.randint(1, 6):02d}호"
    return s


_SIDO_EN = {"서울": "Seoul", "부산": "Busan", "대구": "Daegu", "인천": "Incheon", "광주": "Gwangju",
            "대전": "Daejeon", "울산": "Ulsan", "세종": "Sejong", "경기": "Gyeonggi-do",
            "강원": "Gangwon-do", "충청북": "Chungcheongbuk-do", "충북": "Chungcheongbuk-do",
            "충청남": "Chungcheongnam-do", "충남": "Chungcheongnam-do", "전북": "Jeonbuk-do",
            "전라북": "Jeonbuk-do", "전라남": "Jeollanam-do", "전남": "Jeollanam-do",
            "경상북": "Gyeongsangbuk-do", "경북": "Gyeongsangbuk-do", "경상남": "Gyeongsangnam-do",
            "경남": "Gyeongsangnam-do", "제주": "Jeju-do"}


def _en_unit(word: str) -> str:
    for suf, en in (("대로", "daero"), ("로", "ro"), ("길", "gil"), ("구", "gu"), ("시", "si"), ("군", "gun")):
        if word.endswith(suf) and len(word) > len(suf):
            return f"{_rr(word[:-len(suf)]).capitalize()}-{en}"
    return _rr(word).capitalize()


def _address_en(r: random.Random) -> str:
    sidos, areas = r.choice(_REGIONS[:9] + _REGIONS[9:10])
    sgg, roads, _ = r.choice(areas)
    sido_en = next((v for k, v in _SIDO_EN.items() if sidos[0].startswith(k)), "Seoul")
    road = _en_unit(r.choice(roads))
    parts = [_en_unit(x) for x in reversed(sgg.split())] if sgg else []
    unit = ""
    if r.random() < 0.6:
        unit = f"{r.randint(101, 120)}-dong {r.randint(1, 25)}{r.randint(1, 6):02d}-ho, "
    elif r.random() < 0.5:
        unit = f"Apt {r.randint(1, 25)}{r.randint(1, 6):02d}, "
    return f"{unit}{r.randint(1, 600)}, {road}, {', '.join(parts + [sido_en])}"


# ---------------------------------------------------------------------------
# KEEP vocabularies
# ---------------------------------------------------------------------------

_KCD = [
    ("J18.9", "폐렴"), ("S72.00", "대퇴골 경부 골절"), ("K35.8", "급성 충수염"), ("C50.9", "유방암"),
    ("M51.2", "요추 추간판 탈출증"), ("S82.20", "경골 골간 골절"), ("I63.9", "뇌경색"),
    ("E11.9", "제2형 당뇨병"), ("C16.9", "위암"), ("C34.9", "폐암"), ("C73", "갑상선암"),
    ("D05.1", "유방 관상피내암종"), ("K80.20", "담낭 결석"), ("N20.0", "신장 결석"),
    ("S06.00", "뇌진탕"), ("M17.1", "원발성 무릎관절증"), ("M75.1", "회전근개 파열"),
    ("S93.40", "발목 염좌"), ("H25.9", "노년 백내장"), ("A09.0", "감염성 장염"), ("K29.7", "위염"),
    ("I21.9", "급성 심근경색"), ("C18.7", "S상 결장암"), ("C22.0", "간세포암"), ("K40.9", "서혜부 탈장"),
    ("S52.50", "요골 원위부 골절"), ("M54.5", "요통"), ("S13.4", "경추 염좌"), ("S33.5", "요추 염좌"),
    ("G43.9", "편두통"), ("F32.9", "우울 에피소드"), ("R10.4", "복통"), ("J03.9", "급성 편도염"),
    ("L03.1", "봉와직염"), ("S61.0", "손가락 열린상처"), ("C61", "전립선암"), ("D25.9", "자궁 평활근종"),
    ("K57.30", "대장 게실"), ("I10", "본태성 고혈압"), ("C67.9", "방광암"), ("S42.20", "상완골 근위부 골절"),
    ("S83.2", "반월상 연골 파열"), ("K64.8", "치핵"), ("S22.30", "늑골 골절"), ("J20.9", "급성 기관지염"),
    ("N39.0", "요로감염"), ("D12.6", "대장 양성 신생물"), ("S32.00", "요추 압박 골절"),
]
_OPS = [
    ("슬관절 전치환술", "N2072"), ("척추 후방 유합술", "N0469"), ("복강경 충수절제술", "Q2861"),
    ("요추 추간판 제거술", "N1493"), ("대퇴골 관혈적 정복술", "N0601"), ("요골 금속판 고정술", "N0603"),
    ("복강경 담낭절제술", "Q7380"), ("내시경 점막하 박리술", "Q7654"), ("백내장 수술", "S5119"),
    ("유방 부분절제술", "N7131"), ("갑상선 전절제술", "P4552"), ("관상동맥 스텐트 삽입술", "M6551"),
    ("제왕절개술", "R4507"), ("회전근개 봉합술", "N0936"), ("반월상 연골 절제술", "N0880"),
    ("치핵 근치술", "Q2901"), ("서혜부 탈장 교정술", "Q2760"), ("경피적 척추체 성형술", "N2474"),
    ("대장 용종 절제술", "Q7703"), ("자궁근종 절제술", "R4124"), ("도수 정복술", "N0711"),
    ("창상 봉합술", "M0111"), ("위 전절제술", "Q2533"), ("폐엽 절제술", "O1404"),
]
_BILL = [
    ("진찰료", "AA154", "초진진찰료"), ("진찰료", "AA254", "재진진찰료"), ("입원료", "AB220", "입원료-종합병원"),
    ("검사료", "D2200", "C-반응성단백"), ("검사료", "B1010", "일반혈액검사"), ("검사료", "C3711", "간기능검사"),
    ("영상진단료", "HA401", "단순촬영"), ("MRI 진단료", "HI101", "요추 MRI"), ("CT 진단료", "HA424", "복부 CT"),
    ("주사료", "KK052", "정맥내 일시주사"), ("마취료", "L0101", "전신마취"),
    ("재활및물리치료료", "MM042", "간섭파전류치료"), ("재활및물리치료료", "MM301", "도수치료"),
    ("초음파 진단료", "EB441", "복부 초음파"), ("식대", "FA100", "일반식"), ("투약및조제료", "J1010", "내복약 조제"),
    ("처치및수술료", "M0111", "창상봉합"), ("처치및수술료", "N0711", "도수정복"),
]
_FAMOUS_HOSP = [
    "서울아산병원", "삼성서울병원", "세브란스병원", "강남세브란스병원", "서울대학교병원",
    "분당서울대학교병원", "고려대학교 안암병원", "한림대학교 강남성심병원", "이대목동병원",
    "김원묵기념 봉생병원", "인제대학교 상계백병원", "을지대학교병원", "한양대학교병원",
    "강동경희대학교병원", "순천향대학교 부천병원", "건양대학교병원", "조선대학교병원",
    "이춘택병원", "박원욱병원", "김안과병원", "예수병원", "대림성모병원", "안동병원", "하나병원",
    "한솔병원", "우리들병원", "힘찬병원", "바른세상병원", "연세사랑병원", "나누리병원",
    "정병원", "이화여자대학교 서울병원", "가톨릭대학교 서울성모병원", "전남대학교병원",
    "경북대학교병원", "부산대학교병원", "충남대학교병원", "제주한라병원", "원광대학교병원",
    "한마음병원", "진주고려병원", "동아대학교병원", "계명대학교 동산병원", "명지병원",
]
_CLINIC_TYPE = ["정형외과의원", "내과의원", "이비인후과의원", "소아청소년과의원", "안과의원", "재활의학과의원",
                "신경외과의원", "피부과의원", "산부인과의원", "비뇨의학과의원", "가정의학과의원", "한의원",
                "치과의원", "마취통증의학과의원", "외과의원"]
_PLACE = ["서울", "강남", "분당", "일산", "수원", "연세", "밝은", "튼튼", "바른", "참", "새", "365",
          "우리", "하나", "365열린", "온누리", "굿모닝", "행복한", "미소", "늘푸른", "삼성", "제일"]
_DEPTS = ["정형외과", "신경외과", "내과", "소화기내과", "순환기내과", "호흡기내과", "외과", "산부인과",
          "비뇨의학과", "안과", "이비인후과", "피부과", "재활의학과", "응급의학과", "가정의학과",
          "영상의학과", "마취통증의학과", "신경과", "정신건강의학과", "소아청소년과", "혈액종양내과",
          "흉부외과", "성형외과", "치과", "한방재활의학과", "류마티스내과", "내분비내과"]
_DRUGS = ["세파클러캡슐250mg", "타이레놀정500mg", "록소프로펜정", "아모잘탄정5/50mg", "리피토정10mg",
          "글리아티린연질캡슐", "트라마돌주", "울트라셋이알서방정", "세레브렉스캡슐200mg", "넥시움정40mg",
          "모티리톤정", "뮤코스타정", "가스모틴정5mg", "오구멘틴정625mg", "레보플록사신정", "메트포르민",
          "자누비아정100mg", "플라빅스정75mg", "아스피린프로텍트정100mg", "리리카캡슐75mg",
          "케토롤락주", "세프트리악손주1g", "하트만덱스액", "페치딘주", "모르핀주", "쎄로켈정25mg",
          "졸피뎀정", "라식스정", "에페리손정", "알마겔현탁액", "스티렌정", "잘라간주"]
_INSURERS = ["삼성화재", "현대해상", "DB손해보험", "KB손해보험", "메리츠화재", "한화손해보험",
             "롯데손해보험", "흥국화재", "삼성생명", "한화생명", "교보생명", "신한라이프", "NH농협생명",
             "동양생명", "미래에셋생명", "라이나생명", "AIA생명", "메트라이프생명", "KB라이프", "하나손해보험"]
_INSPHONE = ["1588-5114", "1588-5656", "1588-0100", "1566-0300", "1544-0114", "1588-0114",
             "1588-3344", "1588-3114", "1577-1001", "1588-6363", "1588-1001", "1588-1004",
             "1588-4000", "1899-0100", "1588-9600", "1588-7711"]
_RELS = ["모", "부", "배우자", "장남", "장녀", "차남", "차녀", "처", "남편", "아들", "딸", "며느리",
         "사위", "손자", "손녀", "형", "누나", "언니", "오빠", "동생", "조카", "시어머니", "지인"]
_NATIONS = [f[0] for f in _FOREIGN]


def _hospital(r: random.Random) -> str:
    p = r.random()
    if p < 0.45:
        return r.choice(_FAMOUS_HOSP)
    if p < 0.7:
        return r.choice(_PLACE) + r.choice(_CLINIC_TYPE)
    if p < 0.92:  # founder-name clinics: name inside a KEEP value
        n = _common_name(r) if r.random() < 0.6 else _surname(r)
        return n + r.choice(_CLINIC_TYPE)
    return r.choice(_PLACE) + _surname(r) + r.choice(_CLINIC_TYPE)


def _amount(r: random.Random) -> str:
    mag = r.choice([4, 4, 5, 5, 5, 5, 6, 6, 7])
    v = r.randint(10 ** (mag - 1), 10 ** mag) // 10 * 10
    p = r.random()
    if p < 0.6:
        return f"{v:,}원"
    if p < 0.72:
        return f"{v:,}"
    if p < 0.8:
        return f"₩{v:,}"
    if p < 0.88:
        return f"금 {v:,}원정"
    if p < 0.94 and v >= 10000:
        return f"{v // 10000}만{'' if v % 10000 < 1000 else ' ' + str(v % 10000 // 1000) + '천'}원"
    return f"{v}원"


def _date_fmt(d: date, style: int) -> str:
    if style == 0:
        return f"{d:%Y.%m.%d}"
    if style == 1:
        return f"{d:%Y-%m-%d}"
    if style == 2:
        return f"{d.year}. {d.month}. {d.day}."
    if style == 3:
        return f"{d.year}년 {d.month}월 {d.day}일"
    if style == 4:
        return f"{d:%y.%m.%d}"
    if style == 5:
        return f"{d:%Y%m%d}"
    return f"{d:%Y/%m/%d}"


def _lab(r: random.Random) -> str:
    k = r.randrange(16)
    if k == 0:
        return f"BP {r.randint(95, 175)}/{r.randint(55, 105)}"
    if k == 1:
        return f"WBC {r.uniform(3.0, 18.0):.1f}"
    if k == 2:
        return f"Hb {r.uniform(7.5, 16.5):.1f} g/dL"
    if k == 3:
        return f"CRP {r.uniform(0.05, 22):.2f} mg/dL"
    if k == 4:
        return f"HbA1c {r.uniform(5.0, 11.5):.1f}%"
    if k == 5:
        return f"AST/ALT {r.randint(14, 160)}/{r.randint(9, 190)}"
    if k == 6:
        return f"Cr {r.uniform(0.5, 3.2):.2f}"
    if k == 7:
        return f"eGFR {r.randint(18, 115)}"
    if k == 8:
        return f"PLT {r.randint(90, 460)}K"
    if k == 9:
        return f"BT {r.uniform(36.1, 39.8):.1f}℃"
    if k == 10:
        return f"SpO2 {r.randint(86, 100)}%"
    if k == 11:
        return f"혈당 {r.randint(68, 340)}mg/dL"
    if k == 12:
        return f"Na {r.randint(126, 147)}"
    if k == 13:
        return f"ESR {r.randint(3, 90)}"
    if k == 14:
        return f"PR {r.randint(52, 132)}회"
    return f"VAS {r.randint(2, 9)}점"


def _dose(r: random.Random) -> str:
    return r.choice(["1일 3회", "1일 2회", "1일 1회", "bid", "tid", "1T qd", "1T tid", "prn", "1일 3회 식후 30분"])


def _days(r: random.Random) -> str:
    p = r.random()
    if p < 0.7:
        return f"{r.choice([3, 5, 7, 10, 14, 14, 21, 28, 30, 42])}일"
    if p < 0.9:
        return f"{r.randint(2, 12)}주"
    return f"{r.randint(2, 6)}개월"


# ---------------------------------------------------------------------------
# Slots: each returns a list of segments
# ---------------------------------------------------------------------------

SlotFn = Callable[[random.Random, dict, str], list]


def _span(kind: str, fn: Callable[[random.Random], str]) -> SlotFn:
    return lambda r, ctx, s: [(kind, fn(r))]


def _keep(fn: Callable[[random.Random], str]) -> SlotFn:
    return lambda r, ctx, s: [("k", fn(r))]


def _plain(fn: Callable[[random.Random], str]) -> SlotFn:
    return lambda r, ctx, s: [("t", fn(r))]


def _s_date(r: random.Random, ctx: dict, s: str) -> list:
    idx = int(s) if s else 1
    if "_dates" not in ctx:
        ctx["_dstyle"] = r.choice([0, 0, 0, 1, 1, 2, 3, 4, 5, 6])
        ctx["_dates"] = [date(2019, 1, 1) + timedelta(days=r.randrange(2900))]
    dates = ctx["_dates"]
    while len(dates) < idx:
        dates.append(dates[-1] + timedelta(days=r.randint(1, 35)))
    return [("k", _date_fmt(dates[idx - 1], ctx["_dstyle"]))]


def _s_birth(r: random.Random, ctx: dict, s: str) -> list:
    d = date(1940, 1, 1) + timedelta(days=r.randrange(30000))
    fmt = r.choice(["%Y.%m.%d", "%Y.%m.%d", "%y.%m.%d", "%Y-%m-%d", "%y%m%d", "%Y%m%d", "k"])
    if fmt == "k":
        return [("t", f"{d.year}년 {d.month}월 {d.day}일")]
    return [("t", d.strftime(fmt))]


def _s_kcd(r: random.Random, ctx: dict, s: str) -> list:
    return [("k", ctx.setdefault("_kcd" + s, r.choice(_KCD))[0])]


def _s_dxname(r: random.Random, ctx: dict, s: str) -> list:
    return [("t", ctx.setdefault("_kcd" + s, r.choice(_KCD))[1])]


def _s_edi(r: random.Random, ctx: dict, s: str) -> list:
    return [("k", ctx.setdefault("_op" + s, r.choice(_OPS))[1])]


def _s_opname(r: random.Random, ctx: dict, s: str) -> list:
    return [("t", ctx.setdefault("_op" + s, r.choice(_OPS))[0])]


def _s_bill(r: random.Random, ctx: dict, s: str) -> list:
    cat, code, item = r.choice(_BILL)
    unit = r.randint(100, 30000) * 10
    cnt = r.choice([1, 1, 1, 2, 3])
    days = r.choice([1, 1, 1, 2, 3, 5, 7])
    amt = unit * cnt * days
    form = r.randrange(3)
    if form == 0:
        return [("t", f"{cat} "), ("k", code), ("t", f" {item} "), ("k", f"{unit:,}"),
                ("t", f"×{cnt}×{days} = "), ("k", f"{amt:,}원")]
    if form == 1:
        return [("t", f"[{cat}] "), ("k", code), ("t", f" {item} "), ("k", f"{amt:,}원")]
    return [("k", code), ("t", f" {item} {cnt}회 {days}일 "), ("k", f"{amt:,}")]


def _s_nation(r: random.Random, ctx: dict, s: str) -> list:
    return [("t", ctx.get("_nation") or r.choice(_NATIONS))]


def _s_bank(r: random.Random, ctx: dict, s: str) -> list:
    b = ctx.setdefault("_bank" + s, r.choice(_BANKS)[0])
    return [("t", b)]


def _s_acct(r: random.Random, ctx: dict, s: str) -> list:
    return [("account", _account(r, ctx.get("_bank" + s)))]


def _s_fname(r: random.Random, ctx: dict, s: str) -> list:
    return [("name", _foreign_name(r, ctx))]


def _s_rname(r: random.Random, ctx: dict, s: str) -> list:
    return [("name", _roman_name(r, ctx))]


def _s_xname(r: random.Random, ctx: dict, s: str) -> list:
    return [("name", _roman_name(r, ctx, foreign=True))]


def _s_pass(r: random.Random, ctx: dict, s: str) -> list:
    return [("passport", _passport(r))]


_SEPS = [":", ":", ": ", ": ", " : ", " ", "ㅣ", " ㅣ ", "l", "I", "|", "¦", "", " | ", "：", ";", ". "]


def _time(r: random.Random) -> str:
    h, m = r.randint(0, 23), r.choice([0, 5, 10, 15, 20, 30, 40, 45, 50, 55])
    p = r.random()
    if p < 0.55:
        return f"{h:02d}:{m:02d}"
    if p < 0.8:
        return f"{'오전' if h < 12 else '오후'} {h % 12 or 12}시{'' if m == 0 else f' {m}분'}"
    return f"{h}시{m:02d}분"


def _sex(r: random.Random) -> str:
    return r.choice(["남", "여", "남자", "여자", "M", "F"])


_SLOTS: dict[str, SlotFn] = {
    # names
    "name": _span("name", _korean_name),
    "doc": _span("name", lambda r: _korean_name(r) if r.random() < 0.85 else _common_name(r)),
    "kname": _span("name", _common_name),
    "wname": _span("name", lambda r: r.choice(_WORDLIKE)),
    "rare": _span("name", _rare_name),
    "lname": _span("name", _long_name),
    "shname": _span("name", _short_name),
    "sname": _span("name", lambda r: _spaced(_common_name(r) if r.random() < 0.85 else _korean_name(r))),
    "gname": _span("name", lambda r: _given(r) if r.random() < 0.8 else r.choice(_NATIVE)),
    "fname": _s_fname,
    "rname": _s_rname,
    "xname": _s_xname,
    # identifiers
    "rrn": _span("rrn", lambda r: _rrn_fmt(r, _rrn_core(r, False))),
    "frn": _span("foreign_registration_no", lambda r: _rrn_fmt(r, _rrn_core(r, True))),
    "phone": _span("phone", lambda r: _mobile(r) if r.random() < 0.65 else _landline(r)),
    "mob": _span("phone", _mobile),
    "tel": _span("phone", _landline),
    "card": _span("card", _card),
    "acct": _s_acct,
    "email": _span("email", _email),
    "addr": _span("address", lambda r: _address(r)),
    "eaddr": _span("address", _address_en),
    "chart": _span("chart_no", _chart),
    "hin": _span("health_insurance_no", _hin),
    "lic": _span("medical_license", _license),
    "dl": _span("driver_license", _dl),
    "pass": _s_pass,
    "car": _span("vehicle_no", _vehicle),
    "ip": _span("ip_address", _ip),
    "pol": _span("policy_no", _policy),
    # keep values
    "date": _s_date,
    "kcd": _s_kcd,
    "edi": _s_edi,
    "bill": _s_bill,
    "amt": _keep(_amount),
    "hosp": _keep(_hospital),
    "dept": _keep(lambda r: r.choice(_DEPTS)),
    "drug": _keep(lambda r: r.choice(_DRUGS)),
    "lab": _keep(_lab),
    "mask": _keep(_masked_name),
    "ins": _keep(lambda r: r.choice(_INSURERS)),
    "insph": _keep(lambda r: r.choice(_INSPHONE)),
    "hph": _keep(lambda r: f"{r.choice(['1599', '1577', '1588', '1644', '1661'])}-{r.randint(0, 9999):04d}"),
    "days": _keep(_days),
    "room": _keep(lambda r: f"{r.randint(3, 15)}{r.randint(1, 30):02d}호"),
    "dose": _keep(_dose),
    # plain text
    "dxname": _s_dxname,
    "opname": _s_opname,
    "birth": _s_birth,
    "nation": _s_nation,
    "bank": _s_bank,
    "time": _plain(_time),
    "age": _plain(lambda r: str(r.randint(2, 92))),
    "sex": _plain(_sex),
    "sexe": _plain(lambda r: r.choice(["M", "F"])),
    "rel": _plain(lambda r: r.choice(_RELS)),
    "port": _plain(lambda r: str(r.choice([80, 443, 8080, 8443, 3389, 22, 5432, r.randint(1024, 65535)]))),
    "pod": _plain(lambda r: str(r.randint(1, 14))),
    "idx": _plain(lambda r: str(r.randint(1, 99))),
    "sep": _plain(lambda r: r.choice(_SEPS)),
    "sp": _plain(lambda r: r.choice(["", " ", " ", "  "])),
    "bar": _plain(lambda r: "|"),
    "lb": _plain(lambda r: "{"),
    "rb": _plain(lambda r: "}"),
    "tab": _plain(lambda r: "\t"),
}
_NOCACHE = {"sp", "bar", "lb", "rb", "tab", "time"}


# ---------------------------------------------------------------------------
# Template language
#   {slot}            a slot; a trailing number makes a distinct instance ({name2})
#   {slot|이/가}      the slot followed by the particle form that fits its last syllable
#   {slot|님}         the slot followed by fixed text
#   {=a|b|c}          one of the options (options may hold slots)
# ---------------------------------------------------------------------------

def _match(s: str, i: int) -> int:
    depth = 0
    for j in range(i, len(s)):
        if s[j] == "{":
            depth += 1
        elif s[j] == "}":
            depth -= 1
            if depth == 0:
                return j
    raise ValueError(f"unbalanced braces in template: {s!r}")


def _split_top(s: str) -> list[str]:
    out, depth, cur = [], 0, []
    for ch in s:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "|" and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return out


def _parse(s: str) -> list:
    toks: list = []
    buf: list[str] = []
    i = 0
    while i < len(s):
        if s[i] == "{":
            j = _match(s, i)
            if buf:
                toks.append(("t", "".join(buf)))
                buf = []
            inner = s[i + 1:j]
            if inner.startswith("="):
                toks.append(("c", [_parse(o) for o in _split_top(inner[1:])]))
            else:
                name, _, josa = inner.partition("|")
                base = name.rstrip("0123456789")
                if base not in _SLOTS:
                    raise ValueError(f"unknown slot {name!r} in template {s!r}")
                toks.append(("s", name, josa))
            i = j + 1
        else:
            buf.append(s[i])
            i += 1
    if buf:
        toks.append(("t", "".join(buf)))
    return toks


def _expand(toks: list, r: random.Random, ctx: dict) -> list:
    out: list = []
    for tok in toks:
        if tok[0] == "t":
            out.append(("t", tok[1]))
        elif tok[0] == "c":
            out.extend(_expand(r.choice(tok[1]), r, ctx))
        else:
            _, name, josa = tok
            base = name.rstrip("0123456789")
            if base not in _NOCACHE and name in ctx["_cache"]:
                segs = ctx["_cache"][name]
            else:
                segs = _SLOTS[base](r, ctx, name[len(base):])
                ctx["_cache"][name] = segs
            out.extend(segs)
            if josa:
                out.append(("t", _josa(segs[-1][1], josa)))
    return out


# ---------------------------------------------------------------------------
# Document kinds and templates: (kind, ocr_prob, templates with identifiers,
# templates without identifiers)
# ---------------------------------------------------------------------------

_KINDS: list[tuple[str, float, list[str], list[str]]] = [
    ("진단서", 0.12, [
        "진단서 발급: 환자 {name}({sex}/{age}세) {dxname}({kcd}) {=최종|임상적 추정} 진단, 발병일 {date} 진단일 {date2}, 담당의 {doc} (면허번호 제{lic}호) {hosp} {dept}",
        "상기 환자 {name|은/는} {date}경 {=넘어지면서|계단에서 미끄러져|작업 중 허리를 삐끗하여|자전거를 타다가} 발생한 {dxname}({kcd})으로 향후 약 {days}간의 안정 가료를 요함. 의사 {doc} {=㊞|(인)|(서명)|}",
        "[진단서] 성명 {name} / 주민등록번호 {rrn} / 주소 {addr} / 병명 {dxname} {kcd} / 발행일 {date}",
        "진단서 재발급 요청건 환자명{sep}{name}{sp}주민번호{sep}{rrn} 진단코드 {kcd} 발급일 {date}, 발급의사 {doc}{=(인)|㊞| (서명)|}",
        "본 진단서는 {name}님의 요청에 의하여 발급함. {hosp} {dept} 전문의 {doc} 면허번호 {lic} 전문의자격 제{lic2}호",
    ], [
        "진단서 병명란: {dxname}({kcd}), {=임상적 추정|최종 진단}, 발병일 {date}, 향후 {days} 치료 요함. 이상 소견 외 특이사항 없음",
        "{hosp} {dept} 발행 진단서 사본, 환자 {mask}, 진단일 {date}, 진단코드 {kcd}",
    ]),
    ("소견서", 0.05, [
        "소견: {name} 환자 {date} 내원, {lab}, {dxname}({kcd}) 의심되어 {=MRI|CT|초음파|X-ray} 시행함. 향후 {days} 추가 치료 필요. {dept} {doc} 드림",
        "{=주치의|담당의} 소견상 {name|은/는} {dxname} 상태로 {=일상생활 가능|보조기 착용 필요|수술 필요성 있음|장기 재활 요함}. 보호자 {name2|에게} 설명함",
        "환자 {wname|은/는} 이상 소견 없이 안정 중이며 유지 요법 지속 예정({drug} {dose})",
        "소견서 작성: {doc} 교수 / 환자 {name}({rrn}) / 상병 {kcd} {dxname} / {hosp}",
    ], [
        "환자 {mask}({age}/{sexe}) {dxname} 소견, {lab}, 안정 가료 및 유지 요법 권유, 방문 간호 필요 없음",
    ]),
    ("수술기록지", 0.05, [
        "수술기록: {date} {opname}({edi}) 시행, 집도의 {doc}, 보조 {name2}, 마취 {=전신|척추|국소|정맥} (마취의 {name3}), 환자 {name} 등록번호 {chart}",
        "Op note) pt {name} {age}/{sexe}, Dx {kcd}, Op {opname} [{edi}], surgeon {=Dr. |}{doc}, EBL {=50|100|150|300}cc",
        "집도의{sep}{doc}{sp}보조의{sep}{name2}{sp}마취의{sep}{name3}{sp}수술명{sep}{opname}{sp}코드{sep}{edi}",
        "수술 후 {name|이/가} 회복실에서 {=의식 명료함|통증 호소함|오심 호소함}, {name2} 간호사가 {drug} 투여 ({time})",
        "{date} {time} 수술실 입실, 환자 확인(성명 {name}, 등록번호 {chart}, 생년월일 {birth}) 후 {opname} 시작",
    ], [
        "{opname}({edi}) {date} 시행, 마취 {=전신|척추}, 출혈 소량, 특이 합병증 없음 ({kcd})",
    ]),
    ("수술확인서", 0.15, [
        "수술확인서 환자 성명 {name} 생년월일 {birth} 수술일자 {date} 수술명 {opname} 수술코드 {edi} 진단명 {dxname}({kcd}) 담당의 {doc} 면허 제{lic}호",
        "위 사람 {name|은/는} 당원에서 {date} {opname|을/를} 받았음을 확인합니다. {hosp} 원장 {doc}",
        "수술확인서상 집도의인 {doc|이/가} 실제 {date} 휴진으로 확인되어 {hosp}에 재확인 요청 (환자 {name})",
    ], []),
    ("세부내역서", 0.15, [
        "진료비 세부내역서 환자{sep}{name} 등록번호{sep}{chart} 진료기간 {date}~{date2} {bill} / {bill2}",
        "{bar}{name}{bar}{chart}{bar}{dept}{bar}{bill}{bar}",
        "세부내역 합계 {amt} (급여 {amt2}, 비급여 {amt3}) - {name} 환자분 {dept} 외래",
    ], [
        "세부내역: {bill} / {bill2} / {bill3} 합계 {amt}",
        "{date} {bill}, 비급여 {amt}, {hosp}",
    ]),
    ("영수증", 0.15, [
        "진료비 계산서·영수증 환자성명 {name} 진료기간 {date}~{date2} 진료과목 {dept} 본인부담금 {amt} 공단부담금 {amt2} 비급여 {amt3} 납부할 금액 {amt4}",
        "영수증 재발행 요청: {name}({mob}) {date} 외래 {dept} 수납액 {amt}, 카드 {card} 일시불",
        "수납{bar}{date}{bar}{name}{bar}{amt}{bar}카드승인 {card}",
        "환자등록번호{chart}환자성명{name}진료기간{date}",
    ], [
        "영수증: 진료기간 {date}~{date2}, {dept}, 급여 본인부담 {amt}, 비급여 {amt2}, 합계 {amt3}",
    ]),
    ("입퇴원확인서", 0.12, [
        "입·퇴원 확인서: {name} ({age}세, {sex}) 입원 {date} 퇴원 {date2} 총 {days} 병명 {dxname} {kcd} {hosp}",
        "입원기간 {date}~{date2} 병실 {room} 환자 {name} 보호자 {name2}({rel}) 연락처 {mob}",
        "{name}님 {date} 응급실 경유 입원 후 {date2} 퇴원하셨음을 확인합니다. 병록번호 {chart}",
    ], [
        "입원 {date} ~ 퇴원 {date2} ({days}), 병실 {room}, 상병 {kcd}, 식대 {amt}",
    ]),
    ("보험금청구서", 0.15, [
        "보험금 청구서 피보험자{sep}{name} 주민등록번호{sep}{rrn} 연락처{sep}{mob} 청구사유 {=질병|상해|재해} 입원, 수익자 {name2} {bank} {acct}",
        "청구인 {name|은/는} 피보험자 {name2}의 {rel}로서 보험금을 청구함. 증권번호 {pol}",
        "수익자 명의{sep}{name} / 예금주{sep}{name} / {bank} {acct} / 관계 본인",
        "피보험자명:{name}생년월일{birth}증권번호{pol}사고일자{date}",
        "청구금액 {amt} 중 {amt2} 지급, 나머지는 면책({kcd} 약관 제외). 피보험자 {name}, 계약자 {rare}",
        "청구서 작성자 {name}({rel}) 서명, 피보험자 {name2|이/가} 미성년자({=6|9|11|13|16|17}세)로 법정대리인 청구",
    ], [
        "청구 서류 미비: 진단서 원본, 진료비 세부내역서, 통장사본 ({date} 보완 요청, {ins})",
    ]),
    ("위임장", 0.15, [
        "위임장: 위임인 {name|은/는} 수임인 {name2|에게} 보험금 청구 및 수령에 관한 일체의 권한을 위임합니다. 위임인 주민번호 {rrn}",
        "수임인{sep}{name} 주소{sep}{addr} 전화{sep}{phone} 위임인과의 관계{sep}{rel}",
        "수임인인 {name|이/가} 서류를 대리 제출, 위임인 {name2} 서명 확인({date}), 신분증 운전면허 {dl}",
        "위임인 성명 {sname} 주민등록번호 {rrn} 수임인 성명 {name2}",
    ], []),
    ("현장조사", 0.0, [
        "현장조사: {date} {time} 피보험자 자택({addr}) 방문, {name|과/와} 면담. 배우자 {name2}도 동석",
        "조사자 메모 - 어제 오후 {name|이/가} 욕실에서 넘어져 {hosp} 응급실 내원했다고 진술, 목격자 {rare}({mob})",
        "{name} 씨는 {=택배기사|건설현장 일용직|자영업자|회사원|요양보호사}로 근무, 사고 당일 동행인 {name2|이/가} 차량({car})을 운전함",
        "탐문 결과 이웃 {name|이/가} {name2|을/를} 사고 전날에도 봤다고 함. 주소지 {addr}",
        "{date} 오후 {name} 자택 인근 CCTV 확인, 보행 정상. {mask}과 대조 필요",
    ], [
        "현장 확인: {hosp} 원무과 방문 일자 {date}, 입원 기록 실재 확인, 병실 {room} 재원 중",
    ]),
    ("콜센터", 0.0, [
        "[상담] {time} 고객 {name}({mob}) 문의: 실손 청구 진행상황, {ins} 접수 건 안내함",
        "인입 {mob} / 본인확인 완료 / 고객명 {name} / 증권 {pol} / 처리: 서류 보완 요청",
        "고객님 성함 {name} 맞으시고요, 생년월일 {birth} 확인되셨습니다. 등록하신 번호 {mob}로 문자 드리겠습니다",
        "콜백 요청: {name2}({rel}) → 피보험자 {name} 건 {phone}로 {time} 이후 연락 희망",
        "상담원 {name} 처리 / 고객 {name2} 불만: 지급 지연 / 연락처 {phone}",
        "통화: 전화하신 분이 본인이 아니라 {rel} {name2|이라고/라고} 하심, 피보험자 {name} 정보 제공 불가 안내",
    ], [
        "[상담] {ins} 대표번호 {insph} 안내, {kcd} 관련 보장 여부 문의, 약관상 {=보장|면책} 설명 ({date})",
    ]),
    ("민원", 0.0, [
        "민원 접수: 민원인 {name|은/는} {date} {hosp} 진료비 {amt} 미지급에 대해 금감원 민원 제기 예정이라고 함. 주소 {addr}",
        "민원내용) 우리 어머니 {name|이/가} 입원한지 {days}인데 아직도 보험금이 안나왔습니다 담당자 {name2}씨 연락 안됨 {mob}",
        "민원인 {name}: 담당자 {mask}이 전화를 안 받습니다. 제 딸 {gname|이/가} 다친 건인데 왜 {days}째 심사중인지요",
        "재민원: {name}님 이메일({email})로 회신 요청, 담당 손해사정사 {name2}",
    ], []),
    ("문자", 0.0, [
        "[{ins}] {name}님, 청구하신 보험금 {amt}이 {date} {bank} {acct|으로/로} 지급되었습니다.",
        "[Web발신] {name} 고객님 보완서류(진단서, 세부내역서) 제출 부탁드립니다. 문의 {insph}",
        "{hosp} 예약안내: {name}님 {date} {time} {dept} 진료 예약되었습니다. 변경 {hph}",
        "엄마 나 {hosp} 왔어 {gname|이/가} 열이 39도야ㅠ 카드 {card} 이거 써도 돼?",
        "[{ins}] {name} 고객님 증권번호 {pol} 자동이체 계좌({bank} {acct}) 출금 실패 안내",
    ], [
        "[{ins}] {mask}님 보험금 {amt} 지급 완료 ({date}). 문의 {insph}",
    ]),
    ("카톡", 0.0, [
        "[카카오톡] {name} : 보험사에서 영수증 원본 달래요ㅠ 주소 {addr|으로/로} 보내면 되나요? [{time}]",
        "{name2} 님이 {name} 님을 초대했습니다. {name}: 안녕하세요 {=사고|입원|수술} 건 사진 보냅니다",
        "ㅇㅇ {gname|아/야} 네 보험증권번호 {pol} 맞지? 아빠가 {mob|으로/로} 전화하래",
        "카톡 캡처) 가해자 {name} {mob} 차량번호 {car} 보험사 {ins}",
        "{gname} 엄마 나 {name}인데 애기 병원비 영수증 {amt} 나왔어 계좌 {acct} 보내줄게",
        "{name|이/가} 어제 퇴근길에 오토바이랑 부딪혀서 {hosp}에 입원했어요 {name2}한테 연락 좀 해주세요",
    ], [
        "[카카오톡] 보험금 {amt} 들어왔어요~ {hosp} 영수증은 버려도 되나요? ({date})",
    ]),
    ("이메일", 0.0, [
        "From: {name} <{email}> Subject: 보험금 청구 서류 송부 ({date})",
        "보낸사람 {email} / 받는사람 보상팀 / 제목: [{name}] 추가서류 제출",
        "안녕하세요 {hosp} 원무과 {name}입니다. 요청하신 {name2} 환자 진료기록 사본 보내드립니다. 회신은 {email|으로/로} 부탁드립니다.",
        "수신: {name|께} / 발신: {hosp} 원무팀 / 첨부: 진단서, 진료비 세부내역서 ({date})",
        "메일 회신: {name2} 손해사정사님, 피보험자 {name}의 의무기록은 {date} 발송했습니다 - {name3} 드림 {phone}",
    ], []),
    ("간호기록", 0.0, [
        "{time} 환자 {name} {=V/S 측정|라운딩 시|투약 전} {lab}, {drug} IV 투여. 보호자 {rel} {name2} 상주",
        "간호사: {name}, {name2}, {name3} / 인계: {name4} 환자 {=낙상 고위험|금식 유지|절대안정|I/O 체크}",
        "{time} 환자 침상에서 낙상, {name} RN 발견 후 당직의 {doc|에게} notify, {lab}",
        "밤새 {name|이/가} {=잠을 못 자고|통증 호소하며|섬망 증상 보이며} {name2|을/를} 계속 찾음",
        "{time} 보호자인 {name|이/가} {drug} 복용 여부 문의, 담당 간호사 {shname} 설명함",
    ], [
        "{time} V/S stable, {lab}, {drug} {dose} 투여 후 안정 취함. 이상 소견 없음, 수면 유지",
        "{time} {lab}, 통증 한결 나아졌다고 함. 마음이 불안하다 하여 {drug} prn 투여",
    ]),
    ("진료의뢰서", 0.05, [
        "진료의뢰서: {hosp} {dept} {doc} 선생님께. 환자 {name}({age}/{sexe}) {dxname} 의증({kcd})으로 정밀검사 의뢰드립니다. 의뢰의 {name3}",
        "의뢰의{sep}{doc} 면허번호{sep}{lic} 의뢰기관{sep}{hosp} 환자{sep}{name}",
        "{doc|께} 의뢰: 환자 {name|은/는} {date}부터 {dxname} 증상 지속되어 전원합니다",
    ], []),
    ("회신서", 0.05, [
        "회신서: 의뢰하신 {name} 환자는 {date} {opname}({edi}) 시행 후 경과 양호합니다. 회신의 {doc} 드림",
        "회신의인 {doc} 교수 소견: {dxname} {kcd} 확진, 환자 {name|과/와} 보호자에게 설명함",
        "회신의{sep}{doc}{sp}소속{sep}{hosp} {dept}{sp}면허{sep}{lic}",
    ], []),
    ("처방전", 0.12, [
        "처방전 환자 {name} 주민번호 {rrn} {drug} {dose} {days}분, 처방의 {doc} 면허 {lic}",
        "조제: {drug}, {drug2} / 환자 {name} / 복약지도 약사 {name2} / {date}",
        "처방전 의료기관 {hosp} 대표 {hph}, 환자성명{name}, 건강보험증번호 {hin}",
    ], [
        "처방: {drug} {dose}, {drug2} {dose2}, {days}분, 원외처방 ({hosp})",
    ]),
    ("사망진단서", 0.12, [
        "사망진단서: 성명 {name} 주민번호 {rrn} 사망일시 {date} {time} 직접사인 {dxname}({kcd}) 사망장소 {addr} 의사 {doc} 면허 {lic}",
        "시체검안서 사망자 {name}({age}세) 신고인 {name2}({rel}) 연락처 {phone}",
        "가족관계: 부 {name} 모 {name2} 장남 {name3} - 상속인 중 {name3|이/가} 대표로 사망보험금 청구",
    ], []),
    ("OCR양식", 1.0, [
        "성명{name}주민등록번호{rrn}주소{addr}",
        "환자성명{sep}{name}{sep}생년월일{sep}{birth}{sep}성별{sep}{sex}",
        "보호자성명{sep}{name}{sep}관계{sep}{rel}{sep}연락처{sep}{mob}",
        "예금주{name}은행명{bank}계좌번호{acct}",
        "성 명 {sname} 주 민 번 호 {rrn}",
        "담당의사{doc}면허번호{lic}발행일{date}",
        "외국인등록번호{frn}성명{xname}국적{nation}",
        "피보험자{lname}증권번호{pol}휴대폰{mob}",
        "환자{name}{kcd}{dxname}입원일{date}퇴원일{date2}",
        "주 소{sep}{addr}전 화{sep}{tel}성 명{sep}{name}",
    ], []),
    ("표", 0.0, [
        "{bar} {name} {bar} {rrn} {bar} {mob} {bar} {addr} {bar}",
        "{idx}{tab}{name}{tab}{dept}{tab}{date}{tab}{amt}",
        "수진자|{name}|{chart}|{hin}|{dept}|{date}",
        "No | 성명 | 관계 | 연락처 ¦ 1 | {name} | {rel} | {phone} ¦ 2 | {name2} | {rel2} | {phone2}",
    ], []),
    ("로그", 0.0, [
        "cust_nm={name}&cust_tel={mob}&ins_no={pol}&clm_dt={date}",
        "[INFO] {date} {time} pt_name={rname} chart_no={chart} dept={dept} client_ip={ip}",
        "user={email} login from {ip}:{port} status=OK",
        "acct_no={acct} acct_holder={name} bank={bank} amt={amt}",
        "pt_nm:{name}|rrn:{rrn}|kcd:{kcd}|hosp:{hosp}",
    ], [
        "[INFO] {date} {time} claim_status=PAID amt={amt} kcd={kcd} dept={dept}",
    ]),
    ("JSON", 0.0, [
        '{lb}"patient_name": "{name}", "rrn": "{rrn}", "kcd": "{kcd}"{rb}',
        '{lb}"name":"{rname}","passport":"{pass}","nationality":"{nation}"{rb}',
        '{lb}"insured": {lb}"nm": "{name}", "hp": "{mob}"{rb}, "policy_no": "{pol}"{rb}',
        '{lb}"doctor": "{doc}", "license_no": "{lic}", "hospital": "{hosp}", "dept": "{dept}"{rb}',
    ], [
        '{lb}"kcd": "{kcd}", "edi": "{edi}", "amount": "{amt}", "admit": "{date}"{rb}',
    ]),
    ("영문혼용", 0.0, [
        "Pt {rname}, {age}{sexe}, admitted {date} for {kcd}; contact {mob}; attending Dr. {rname2}",
        "f/u 예정. pt {name} c/o {=LBP|knee pain|abd pain|dizziness} since {date}, {lab}, plan: {opname}",
        "Claim note: insured {rname} (passport {pass}) treated at {hosp}, total {amt}",
        "Insured: {rname} / DOB {birth} / Address: {eaddr} / Tel {phone}",
    ], [
        "Dx {kcd}, Tx {opname} ({edi}), LOS {days}, total {amt}, no complication",
    ]),
    ("손해사정", 0.0, [
        "손해사정 보고: 피보험자 {name}({age}세) {date} {dxname}({kcd})로 {hosp} 입원, 기왕증 여부 확인 위해 자문의 {doc}의 의견 청구",
        "자문의인 {doc|이/가} 인과관계 {=인정|불인정} 소견. 자문료 {amt}. 피보험자 {name}",
        "조사 대상자 {name} 운전면허번호 {dl}, 차량 {car}, 과거 보험금 수령 이력 {=있음|없음}",
        "손해사정사 {name} 작성, 피보험자 {name2}의 {rel} {name3} 면담",
        "피보험자는 {name|이며/며} 계약자는 {name2|이고/고} 수익자는 법정상속인으로 지정되어 있음 (증권 {pol})",
    ], []),
    ("사고경위서", 0.0, [
        "사고경위: {date} {time}경 {addr} 앞 횡단보도에서 {name|이/가} 보행 중 {car} 차량에 충격됨",
        "운전자 {name|은/는} {car|으로/로} 후진하다 {name2|을/를} 충격함, 면허번호 {dl}",
        "경위서 작성자 {name}: 공사현장에서 자재를 옮기던 중 {name2} 반장이 떨어뜨린 철근에 맞음",
        "어제 저녁 {name|이랑/랑} 등산하다가 {name2|이/가} 미끄러져서 발목을 다쳤어요",
    ], []),
    ("의료자문", 0.0, [
        "의료자문 의뢰: 대상 {name}, 자문의 {doc} ({hosp} {dept}), 질의 {kcd} 진단의 적정성",
        "자문 회신 - 자문의: {doc}, 면허번호 {lic}. {dxname} 진단은 영상소견상 타당함",
        "자문의 {doc} 교수 회신상 {name}의 {dxname}({kcd})은 사고와 인과관계 없음",
    ], []),
    ("지급안내", 0.0, [
        "지급결의: 수익자 {name} {bank} {acct} 금액 {amt} 지급일 {date}",
        "{name}님 보험금 {amt} 입금 예정(예금주 {name2}, {bank} {acct})",
        "예금주는 {name|이고/고} 피보험자는 {name2}임. 명의자 불일치로 지급 보류",
    ], [
        "지급 내역: {kcd} 입원일당 {days}, {amt} / 수술비 {edi} {amt2}, 총 {amt3}",
    ]),
    ("계좌변경", 0.12, [
        "계좌변경 신청: 기존 {bank} {acct} → 변경 {bank2} {acct2}, 예금주 {name}({rrn})",
        "명의자 {name} 본인 확인(운전면허 {dl}) 후 계좌 변경 처리, 통장사본 첨부",
        "예금주{sep}{sname}{sp}계좌{sep}{bank} {acct}",
    ], []),
    ("응급실", 0.0, [
        "ER) {time} {name} {age}/{sexe} 119 via, {lab}, c/c {=흉통|복통|두통|의식저하|호흡곤란}, 보호자 {name2} {mob}",
        "응급실 내원 {name}({age}세) - 동행인 {name2} 진술상 {=음주 후|자전거 타다|계단에서} 넘어짐",
        "triage KTAS {=2|3|4}, pt {name|은/는} 의식 명료, 보호자인 {name2|이/가} 동의서 서명",
        "[{name}/{sexe}/{age}] ER 도착 {time}, {lab}, CT 후 {dept} 협진",
    ], []),
    ("경과기록", 0.0, [
        "POD#{pod} {name} 환자 {=통증 감소|배액량 감소|보행 시작}, {lab}. {doc} 교수님 회진 시 {drug} 유지하기로 함",
        "경과: {wname|은/는} 어제보다 한결 나아졌다고 함. {lab}",
        "{doc} 과장 회진: {name} 님 {kcd} 경과 관찰, 퇴원 {date} 예정",
    ], [
        "POD#{pod} {lab}, 유지 용량 {drug} {dose}, 방문 재활 불필요, 안정 가료",
    ]),
    ("퇴원요약", 0.0, [
        "퇴원요약: {name}, 입원 {date} 퇴원 {date2}, 주진단 {kcd}, 부진단 {kcd2}, 시술 {edi}, 주치의 {doc}, 전공의 {name3}",
        "퇴원 시 {name}의 보호자 {rel} {name2|에게} {drug} 복약 교육, 외래 {date} 예약",
    ], []),
    ("동의서", 0.12, [
        "수술동의서 환자 {name} 서명, 대리인 {name2}({rel}, {mob}) 서명, 설명의사 {doc}",
        "본인 {name|은/는} 위 내용을 충분히 설명 들었으며 이에 동의합니다. {date} 서명 {name} (인)",
        "동의서 서명란: 환자 {mask} / 대리인 {name} / 관계 {rel}",
    ], []),
    ("외국인환자", 0.0, [
        "외국인 환자 {fname}({nation}, 외국인등록번호 {frn}) {dept} 외래, 통역 {name}",
        "Passport No. {pass} / Name {rname} / 국적 {nation} / 연락처 {phone}",
        "등록: {fname}, 여권번호 {pass}, 체류지 {addr}",
        "{fname}씨가 {hosp}에서 {dxname} 진단, 배우자 {name} 동행",
        "외국인등록증 {frn} 확인, 성명 {xname}, 사업장 대표 {name}",
    ], []),
    ("장해진단서", 0.12, [
        "장해진단서: 환자 {name} 장해부위 {=좌측 슬관절|우측 견관절|요추|우측 수부} 운동범위 제한, 장해율 {=10|15|20|30}%, 진단의 {doc} 면허 제{lic}호",
        "{name} 님 후유장해 평가 {date}, {dxname}({kcd}) 고정, 의사 {doc}",
    ], []),
    ("산재", 0.0, [
        "재해경위: 근로자 {name}({rrn}) {date} 작업 중 {dxname} 발생, 사업주 {name2}, 사업장 {addr}",
        "현장 반장 {name|의} 진술: {name2|이/가} 사다리에서 떨어졌고 {name3|이/가} 119 신고함",
    ], []),
    ("간편청구앱", 0.0, [
        "app_claim: mem_id={email} name={name} device_ip={ip} card={card} amt={amt}",
        "간편청구 접수완료 - 청구인 {name} / 병원 {hosp} / 진료일 {date} / 계좌 {bank} {acct}",
        "모바일 청구 사진 OCR: 성명 {name}, 카드번호 {card}, 승인금액 {amt}",
    ], []),
    ("녹취록", 0.0, [
        "상담원: 성함 말씀해 주시겠어요? 고객: {name|이요/요}. 상담원: 네 {name} 고객님 주민번호 뒷자리... 고객: {rrn}",
        "녹취) 고객: 제 번호는 {mob}이고요, 주소는 {addr}입니다",
        "녹취 내용 중 {name|이/가} '{name2|이/가} 운전했다'고 진술",
        "고객: 아 저는 {rel}이고 환자는 {name|이에요/예요}",
    ], []),
    ("원무과메모", 0.0, [
        "원무과 메모: {name} 환자 보증인 {name2} 주소 {addr} 연락처 {phone}, 미수금 {amt}",
        "{name} 님 건강보험 자격 {=상실|정지} 확인, 증번호 {hin}, 일반 수가 적용",
        "건보증번호 {hin} 세대주 {name} 피부양자 {name2}",
        "의무기록 사본 발급: 신청인 {name}({rel}), 환자 {name2}, 신분증 {=주민등록증|운전면허증} {rrn}",
    ], []),
    ("약국", 0.0, [
        "약국 영수증: {name} 조제 {drug} {days}분 본인부담 {amt}, 처방기관 {hosp}",
    ], [
        "약제비 영수증 {date} {drug} {days}분, 본인부담금 {amt}, 약국 {mask} 약사",
    ]),
    ("계약변경", 0.0, [
        "계약자 변경: {name} → {name2}, 증권번호 {pol}, 변경 후 연락처 {mob}, 주소 {addr}",
        "부활청약 {pol}: 계약자 {name}, 피보험자 {name2}, 자동이체 카드 {card}",
        "수익자 변경 신청 - 기존 수익자 {name}, 신규 수익자 {name2}({rel}), 증권 {pol}",
    ], []),
    ("자동차사고", 0.0, [
        "자동차사고 접수: 피해차량 {car} 운전자 {name}, 가해차량 {car2} 운전자 {name2} ({ins})",
        "{car} 차주 {name} 면허번호 {dl} 대인 접수, 동승자 {name2}",
        "블랙박스 확인: {car} 차량이 신호위반, 피해자 {name}({age}세) {hosp} 이송",
    ], []),
    ("조회이력", 0.0, [
        "개인정보 조회 이력: 조회자 {name}(보상2팀) IP {ip} 대상 {name2} 조회사유 보상심사",
        "{date} {time} 접속IP {ip} 사용자 {email} 파일 다운로드 (claim_{idx}.pdf)",
        "권한없는 접근 차단: src={ip} user_id={rname}",
    ], []),
    ("챗봇", 0.0, [
        "챗봇> 이름을 입력해 주세요 / 사용자> {name} / 챗봇> 휴대폰 번호를 입력해 주세요 / 사용자> {mob}",
        "사용자: 제 이름은 {name|이고/고} 아빠는 {name2}인데 아빠 보험도 같이 청구돼요?",
        "사용자: 계좌 {acct} 예금주 {name|으로/로} 바꿔주세요",
    ], []),
]

_PARSED: list[tuple[str, float, list, list]] = [
    (k, ocr, [(t, _parse(t)) for t in pii], [(t, _parse(t)) for t in nopii])
    for k, ocr, pii, nopii in _KINDS
]
_PII_FLAT = [(k, ocr, t) for k, ocr, pii, _ in _PARSED for t in pii]
_NOPII_FLAT = [(k, ocr, t) for k, ocr, _, nopii in _PARSED for t in nopii]


def template_count() -> int:
    return len(_PII_FLAT) + len(_NOPII_FLAT)


def kind_count() -> int:
    return len(_KINDS)


# ---------------------------------------------------------------------------
# Assembly
# ---------------------------------------------------------------------------

_OCR_COLON = ["ㅣ", "l", "I", "|", "¦", ":", ";", "："]


def _is_hangul(ch: str) -> bool:
    return "\uac00" <= ch <= "\ud7a3"


def _ocr_noise(segs: list, r: random.Random) -> list:
    """Glue words and garble separators in the plain text of a form line."""
    drop = r.choice([0.35, 0.7, 1.0])
    out = []
    for kind, text in segs:
        if kind != "t":
            out.append((kind, text))
            continue
        chars = []
        for i, ch in enumerate(text):
            if ch == " " and r.random() < drop:
                continue
            if ch in ":：" and (i == 0 or _is_hangul(text[i - 1]) or text[i - 1] == " ") and r.random() < 0.6:
                ch = r.choice(_OCR_COLON)
            chars.append(ch)
        out.append((kind, "".join(chars)))
    return out


def _assemble(segs: list, kind: str) -> Note:
    merged: list[list[str]] = []
    for k, t in segs:
        if not t:
            continue
        if merged and k == "t" and merged[-1][0] == "t":
            merged[-1][1] += t
        else:
            merged.append([k, t])
    for m in merged:
        if m[0] == "t":
            while "  " in m[1]:
                m[1] = m[1].replace("  ", " ")
    if merged and merged[0][0] == "t":
        merged[0][1] = merged[0][1].lstrip()
    if merged and merged[-1][0] == "t":
        merged[-1][1] = merged[-1][1].rstrip()
    parts: list[str] = []
    spans: list[Span] = []
    keep: list[str] = []
    pos = 0
    for k, t in merged:
        if k == "k":
            if t not in keep:
                keep.append(t)
        elif k != "t":
            spans.append(Span(k, pos, pos + len(t), t))
        parts.append(t)
        pos += len(t)
    return Note("".join(parts), tuple(spans), tuple(keep), kind)


_check = check_note  # the generator's own tests call it by this name


def generate(n: int, seed: int) -> list[Note]:
    """``n`` unique one-line notes, deterministic for ``(n, seed)``."""
    r = random.Random(f"notes_corpus_d:{seed}")
    notes: list[Note] = []
    seen: set[str] = set()
    tries = 0
    while len(notes) < n:
        tries += 1
        if tries > 50 * n + 1000:
            raise RuntimeError("could not produce enough unique notes")
        pool = _NOPII_FLAT if r.random() < 0.15 else _PII_FLAT
        kind, ocr, (_, toks) = r.choice(pool)
        ctx: dict = {"_cache": {}}
        segs = _expand(toks, r, ctx)
        if ocr and r.random() < ocr:
            segs = _ocr_noise(segs, r)
        note = _assemble(segs, kind)
        if note.text in seen:
            continue
        _check(note)
        seen.add(note.text)
        notes.append(note)
    return notes


def main(argv: list[str] | None = None) -> int:
    return run_cli(argv, __doc__.splitlines()[0], generate, template_count, kind_count)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
