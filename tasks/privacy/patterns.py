"""Word lists and compiled patterns for Korean PII detection (used by claimvlm.privacy.detect).

Everything here is a constant: compiling regexes at import is cheap and has no side effects.
"""

from __future__ import annotations

import re

from claimvlm.privacy.places import CITIES, PROVINCES, WARDS


def _alt(words: str) -> str:
    """A regex alternation of space-separated words, longest first so that 서울특별시 beats 서울."""
    return "|".join(sorted(set(words.split()), key=len, reverse=True))


# OCR often reads 1 as l/I and 0 as O/o inside numbers: the one table of such look-alikes. The
# detector's digit classes accept them and every comparison of numbers translates them back.
LOOKALIKES = "OoIlSB"
OCR_DIGITS = str.maketrans(LOOKALIKES, "001158")
D = f"[0-9{LOOKALIKES}]"
MASKS = "*xX●•#○◯◦＊"
# Hyphens as typed, pasted or converted: ASCII, the full-width one of Korean IMEs (950617－2339924),
# Unicode's hyphens and dashes.
DASH_CHARS = r"\-－‐‑–—"
DASH = f"[{DASH_CHARS}]"
NB = r"(?<![0-9A-Za-z])"  # not preceded by an alphanumeric: keeps matches from starting mid-number
NA = r"(?![0-9A-Za-z])"

# --- names: cues (word tables are in namelists.py) -------------------------------------------------
def _spaced_alt(words: str) -> str:
    """Like _alt, but a label may also be written letter-spaced (성 명, 환 자 명: OCR'd form lines). Only
    all or nothing: a single space inside (보호자 명서연) is more often a label and a name."""
    forms = {f for w in words.split() for f in ((w, " ".join(w)) if "_" not in w else (w.replace("_", "[ \t]?"),))}
    return "|".join(sorted(forms, key=len, reverse=True))


# A field label (받는_사람: the underscore is an optional space) directly before a name. SURE labels
# are name fields; the others also start ordinary phrases (환자 상태, 의사 소견), so without a colon
# their candidates must pass stricter checks.
SURE_LABELS = (
    "성명 이름 성함 환자명 환자성명 환자이름 환자성함 수진자명 수진자성명 보호자명 보호자성명 보호자성함 의사명 "
    "의사성명 담당의사명 주치의명 간호사명 예금주명 피보험자명 피보험자성명 계약자명 신청인명 청구인명 "
    "수익자명 대리인명 고객명 가입자명 운전자명 피해자명 작성자명 담당자명 서명 서명자 성명한글 받는_사람 "
    "보낸_사람 보내는_사람 받는_분 보내는_분 수신자 발신자 Name NAME Patient From To Sender Dear"
)
AMBIGUOUS_LABELS = (
    "환자 환아 수진자 보호자 의사 집도의 담당의 주치의 전문의 진료의 수술의 마취의 보조의 전공의 판독의 의뢰의 "
    "회송의 협진의 작성의 진찰의 당직의 판정의 작성의사 술자 수술자 조수 제1조수 제2조수 보조 마취담당 소독 순환 약사 간호사 간호조무사 "
    "레지던트 인턴 원장 원장님 부원장 병원장 교수 교수님 과장 선생님 신청인 청구인 피보험자 주피보험자 수익자 "
    "보험수익자 예금주 계약자 대리인 법정대리인 지정대리청구인 상속인 법정상속인 위임인 수임인 위임자 수임자 "
    "위임받는_사람 피위임인 작성자 확인자 발급자 발행자 담당자 보상담당자 수령인 수령자 수취인 상담자 내원자 문의자 "
    "신청자 요청자 통화자 접수자 처리자 수납자 결제자 납부자 카드소지자 소지자 발신인 수신인 수신 발신 참조 "
    "운전자 동승자 피해자 가해자 목격자 근로자 담당 손사 조사담당 보상담당 당사자 사고자 부상자 진술인 진술자 제보자 "
    "의뢰인 의뢰자 방문자 상대방 진단의 치료의 응급의 입원자 퇴원자 청구자 차주 소유자 명의자 Pt pt "
    "사망자 망인 고인 피부양자 세대원 회신의 자문의 검안의 발급의 처방의 명의 동행인 동행자 아빠 엄마 시어머니 시아버지 장인 장모 차녀 장녀 장남 차남 누나 언니 오빠 형 "
    "손자 손녀 며느리 사위 조카 지인 친구 신고인 "
    # people by role or family tie: they are followed by a name as often as by anything else
    "고객 본인 설계사 상담원 상담사 간병인 가입자 세대주 송금인 입금자 배우자 남편 아내 부인 모친 부친 "
    "어머니 아버지 아들 딸 자녀 동생 직원 치료사 물리치료사 방사선사 영양사 사회복지사 손해사정사 조사자 심사자 "
    # English form and operation-record labels
    "Dr Doctor Physician Surgeon Operator Assistant Assist Anesthesiologist Anesthetist Nurse Scrub Circulating "
    "Attending Resident Guardian Applicant Insured Beneficiary"
)
SURE_LABEL_SET = frozenset(SURE_LABELS.replace("_", "").split())
# A compound role ending in a profession (판독의사, 소독간호사, 영상의학과전문의): any short prefix.
_PROFESSION_LABEL = r"[가-힣]{1,6}(?:의사|전문의|간호사|치료사|약사)"
# What may follow a label before the name: (관계) or (the name itself), a colon, a particle (보호자인,
# 환자는), a bracket.
_RUN = r"[가-힣]{1,7}(?:[ \t][가-힣]{1,7}){0,4}"
NAME_LABEL = re.compile(
    rf"(?<![가-힣A-Za-z])(?P<label>{_PROFESSION_LABEL}|{_spaced_alt(SURE_LABELS + ' ' + AMBIGUOUS_LABELS)})\.?"
    r"(?:[ \t]*[(（](?P<rel>[^)）\n]{1,10})[)）])?"
    # a colon, or what a table or an OCR'd form puts in its place: | = ] 】 > ▶ →
    r"(?:(?P<colon>[ \t]*(?:[:：;|¦ㅣ=▶→>\]】」』/]|-(?=[ \t])))|(?P<josa>이|가|은|는|인|께서))?"
    rf"(?P<gap>[ \t]*[(（\[「『<\"'“‘]?[ \t]*)(?P<run>{_RUN})"
)
# A Latin-script name after a label or before an honorific (성명(영문): HONG GILDONG, John Smith 님).
# Romanised given names often join their syllables with a hyphen (Shin Jae-hwan, HEO, DO-SEOK).
_LATIN = (r"(?:[A-Z][a-z]+(?:-[a-z]+)?(?:[ \t\-][A-Z][a-z]+(?:-[a-z]+)?){1,2}"
          r"|[A-Z]{2,}(?:,?[ \t][A-Z]{2,}(?:-[A-Z]{2,})?){1,2})(?![A-Za-z])")
LATIN_NAME = re.compile(
    rf"(?:(?<![가-힣])(?:{_spaced_alt(SURE_LABELS + ' ' + AMBIGUOUS_LABELS)})|(?<![A-Za-z])(?:[Nn]ame|NAME|[Pp]atient|Dr\.?|"
    rf"Mr\.?|Ms\.?|Mrs\.?))(?:[ \t]*[(（][^)）\n]{{1,10}}[)）])?[ \t]*[:：]?[ \t]*(?P<name>{_LATIN})"
    rf"|(?<![A-Za-z])(?P<name2>{_LATIN})[ \t]?(?:님|씨|고객님|선생님|교수|환자)"
)
_LATIN_STOP_WORDS = "MRI CT ICU ER OPD IPD IV PO EKG ECG CBC PET US OR PT OT ENT OB GS NS CS DR DX RX TX BP HR"
LATIN_STOP = frozenset(_LATIN_STOP_WORDS.split())
SURE_HONORIFICS = "씨 님 선생님 고객님 여사님 어르신 께서 귀하"
AMBIGUOUS_HONORIFICS = (
    "환자분 환자 환아 보호자 의사 치과의사 한의사 약사 전문의 전공의 원장 원장님 교수 교수님 간호사 수간호사 과장 "
    "과장님 선생 팀장 팀장님 주임 대리 차장 부장 실장 사원 매니저 책임 선임 수석 위원 조사관 심사역 손해사정사 "
    "조사원 상담원 상담사 설계사 고객 피보험자 계약자 수익자 보호자님 기사님 담당자 여사 여사님 대표님 사장님 "
    "간병인 변호사 노무사 손사"
)
SURE_HONORIFIC_SET = frozenset(SURE_HONORIFICS.split())
# 김 영 희 / 남궁 민 수 / 김 민수: a surname, then single syllables or a given name.
_SPACED = r"(?:[가-힣]{1,2})(?:(?: [가-힣]){1,4}| [가-힣]{2,3})(?![가-힣])"
NAME_HONORIFIC = re.compile(
    # (the title may be glued to a spaced name: 송 소훈선생님)
    rf"(?<![가-힣])(?P<name>[가-힣]{{2,5}}?|{_SPACED.removesuffix('(?![가-힣])')})[ \t]?"
    rf"(?P<hon>{_alt(SURE_HONORIFICS + ' ' + AMBIGUOUS_HONORIFICS)})"
)
# A signature: a name before (인) / (서명) / ㊞, or a letter's closing (김민수 드림).
NAME_SIGNED = re.compile(
    # (a signature line's word may be glued on: 서명고자아(인), 발급의사이석(서명))
    rf"(?:(?<![가-힣])|(?<=서명)|(?<=성명)|(?<=의사))(?P<name>{_SPACED}|[가-힣]{{2,5}})[ \t]*(?:[(（][ \t]?(?:인|印|서[ \t]?명|날[ \t]?인|사[ \t]?인|[Ss]ign(?:ature)?"
    r"|서명[ \t]?(?:또는|또는[ \t]?날인|/)[ \t]?인|인[ \t]?(?:또는|/)[ \t]?서명)[ \t]?[)）]|㊞)"
)
NAME_CLOSING = re.compile(rf"(?<![가-힣])(?P<name>{_SPACED}|[가-힣]{{2,5}})[ \t]?(?:드림|올림|배상)(?![가-힣])")
# A name right before a licence number (의사 유연도 면허 제 12297 호) is a licensed professional's.
NAME_LICENSED = re.compile(r"(?<![가-힣])(?P<name>[가-힣]{2,5})[ \t]*[(（]?[ \t]*(?:의사[ \t]?)?면[ \t]?허")
# Further names in a list after a label (간호사: 옥지율, 모하은 및 김다인).
NAME_NEXT = re.compile(r"[ \t]*(?:[,·、/]|및)[ \t]*(?P<name>[가-힣]{2,7})")
# A child's given name called out before a parent (지민아 엄마, 준이 아빠): call-centre and SMS notes.
NAME_VOCATIVE = re.compile(
    r"(?<![가-힣])(?P<name>[가-힣]{1,3})(?P<call>아|야|이|(?=[ \t]))[ \t]?"
    r"(?:엄마|아빠|어머니|아버지|어머님|아버님|맘|할머니|할아버지)(?![가-힣])"
)
# A name key in a log line or JSON record (cust_nm=김민수, "pt_name": "김민수", patientName: 김민수).
NAME_KEY = re.compile(
    r"(?<![A-Za-z0-9])(?:[A-Za-z]+_?)?(?i:nm|name|doctor|dr|patient|guardian|holder|insured|nurse|surgeon|owner|payee"
    r"|beneficiary|applicant)[\"']?[ \t]*[:=][ \t]*[\"']?"
    r"(?:(?P<run>[가-힣]{2,5}(?:[ \t][가-힣]{1,4}){0,3})|(?P<latin>[A-Z][A-Za-z\-]+(?:[ \t][A-Z][A-Za-z\-]+){1,3}))"
)
# Someone naming themself (엄마 나 고진순인데, 저 김민수예요, 제 이름은 박빈람이고): the copula closes the name.
NAME_SELF = re.compile(
    r"(?:(?<![가-힣])(?:나|저|저는|전|제[ \t]?이름은|이름은|이름이)[ \t])(?P<name>[가-힣]{2,5}?)"
    r"(?:이?(?:인데요?|이고|이며|이라고|라고|예요|이에요|입니다|이야|야)|고|며)(?![가-힣])"
)
# Field labels an OCR'd form line glues to the value before them (성명홍길동주민등록번호 900101-...,
# 피보험자명:김영희생년월일): where one starts inside a word after a name cue, the name ends.
GLUED_FIELDS = (
    "주민등록번호 주민번호 주민등록 생년월일 성별 나이 연령 연락처 전화번호 휴대폰 휴대전화 핸드폰 주소 등록번호 "
    "환자번호 병록번호 차트번호 진료일 진료기간 진료과 내원일 입원일 퇴원일 수술일 사고일 발행일 작성일 발급일 "
    "진단명 상병명 병명 관계 직업 이메일 계좌번호 면허번호 외국인등록번호 여권번호 보험증번호 증권번호 가입자번호 "
    "피보험자 계약자 수익자 보호자 성명 이름 담당의 주치의 의사명 병실 병동 서명 진료과목 외국인등록 영문 국문 한글 "
    "은행명 은행 계좌번호 계좌 집도의 보조의 마취의 간호사 청구사유 상병코드 수술명 진료기간 면허번호 면허 "
    "자격번호 소속"
)
# The labels as one alternation, longest first (a regex tries them in order: 주민등록번호 before 주민).
GLUED_FIELDS_ALT = "|".join(sorted(GLUED_FIELDS.split(), key=len, reverse=True))
NAME_INTRO = re.compile(r"(?<![가-힣])(?P<name>[가-힣]{2,5}?)(?:입니다|이에요|예요|이라고 합니다|라고 합니다)")
# Weaker cues, checked like an ambiguous label: any short field label with a colon (본인 확인: 김춘자),
# a word right before a bracket with a number or sex (송현우(700521-...), 김영희(여/45세)), a signature
# closing a line (- 김다인).
NAME_COLON = re.compile(r"(?<![가-힣])[가-힣]{1,6}[ \t]?[:：][ \t]?(?P<name>[가-힣]{2,7})")
_PAREN_ROLE = "보호자 환자 배우자 본인 모 부 모친 부친 아들 딸 자녀 남편 아내 처 피보험자 계약자 수익자 의사 간호사 담당"
NAME_PAREN = re.compile(
    rf"(?<![가-힣])(?P<name>{_SPACED}|[가-힣]{{2,5}})[ \t]?[(（](?=[ \t]?(?:[0-9{LOOKALIKES}+]|(?:[남여]|남자|여자)[,/ \t)]|[MF][,/ \t)]"
    rf"|만[ \t]?\d|(?:{_alt(_PAREN_ROLE)})[)）,/ \t]))"
    # or an age or sex after the word: 김민수 45세, 김민수, 남/45
    rf"|(?<![가-힣])(?P<name2>[가-힣]{{2,5}})[ \t]*,?[ \t]*(?:\d{{1,3}}[ \t]?세|[남여MF][ \t]?[/,][ \t]?\d|\d{{1,3}}[ \t]?/[ \t]?[MF남여](?![A-Za-z가-힣]))"
    # or a patient's bracket that opens with the name, then the age ((김민수/45세/...), (묘 지영/7세))
    rf"|[(（](?P<name4>{_SPACED}|[가-힣]{{2,5}})[ \t]?/[ \t]?\d{{1,3}}[ \t]?세"
    # or 군/양 after a child's name, with a space (양평군 is a county)
    rf"|(?<![가-힣])(?P<name3>[가-힣]{{2,4}})[ \t](?:군|양)(?![가-힣])"
)
# A word right before another identifier, across a separator: 김상철 / 010-..., 홍동현, 900101-...
NAME_BEFORE_ID = re.compile(rf"(?<![가-힣])(?P<name>{_SPACED}|[가-힣]{{2,5}})[ \t]*[,/|·▶:(]?[ \t]*[(]?$")
NAME_SIGNATURE = re.compile(r"(?:^|(?<=\s))[-–/][ \t]*(?P<name>[가-힣]{2,5})[ \t]*$", re.MULTILINE)
# The deceased insured (故 김민수, 고 김민수 님, 망 김민수의 상속인): 고/망 only as a word of their own.
NAME_DECEASED = re.compile(rf"(?:(?P<mark>故)[ \t]?|(?<![가-힣])[고망][ \t])(?P<name>{_RUN})")
HANGUL_RUN = re.compile(r"(?<![가-힣0-9A-Za-z])[가-힣]{2,7}")

# --- resident registration number ---------------------------------------------------------------
RRN = re.compile(
    rf"{NB}(?P<birth>{D}{{6}})(?P<sep>[ \t]?{DASH}[ \t]?|[ \t])?"
    rf"(?P<rest>[0-9{LOOKALIKES}{MASKS}]{{7}})(?![0-9A-Za-z{MASKS}])"
)

# --- phones ---------------------------------------------------------------------------------------
_SEP = rf"[ \t.{DASH_CHARS}]"
# A middle group may be masked (010-91**-4870): still the person's number, as far as it goes.
_MIDDLE = f"[0-9{LOOKALIKES}{MASKS}]"
PHONE = re.compile(
    r"(?<![0-9A-Za-z+])(?:"
    # mobile: separators optional (01012345678)
    rf"(?:\+82\)?{_SEP}?(?:\(0\))?{_SEP}?|[0Oo])[1lI][016789Oo](?:{_SEP}|\)[ \t]?)?(?:{D}{{3,4}}|{_MIDDLE}{{3,4}}(?={_SEP})){_SEP}?{D}{{4}}"
    # landline: separators required, a bare run of digits is too ambiguous
    rf"|(?:\+82{_SEP}?|\(?[0Oo])(?:2|[3-6][1-5lI]|7[0Oo])(?:\)[ \t]?|{_SEP}){_MIDDLE}{{3,4}}{_SEP}{D}{{4}}"
    rf"){NA}"
)

# A landline or 070 number written as one run of digits, right after a phone word (연락처 0551234567).
PHONE_CONTEXT = re.compile(
    r"(?:연락처|연락|전화|전화번호|휴대폰|핸드폰|휴대전화|자택|집|직장|사무실|팩스|H\.?P|[Tt]el|TEL|[Pp]hone|PHONE|FAX|[Ff]ax)"
    # the person may be named between the word and the number (비상연락 남혜수(0615218891))
    r"[ \t.:：=#)\]-]{0,4}(?:[가-힣]{2,4}[ \t]?[(（][ \t]?)?"
    r"(?P<v>(?<![0-9])0(?:2|[3-6][1-5]|70)\d{7,8}(?![0-9]))"
)

# --- cards, accounts ------------------------------------------------------------------------------
CARD = re.compile(
    rf"{NB}(?P<g1>{D}{{4}})(?P<sep>[ \t]?-[ \t]?|[ \t\-]?)(?P<g2>[0-9{LOOKALIKES}*]{{4}})(?P=sep)(?P<g3>[0-9{LOOKALIKES}*]{{4}})(?P=sep)"
    rf"(?P<g4>{D}{{4}}){NA}"
)
CARD_CONTEXT = re.compile(r"카드|card|Card|CARD|신용|체크|결제|할부")
ACCOUNT = re.compile(r"(?<![0-9A-Za-z\-])(?:\d{2,6}(?:-\d{1,7}){1,4}|\d{10,14})(?![0-9A-Za-z]|-\d)")
# Groups split by spaces (수협은행 922 01 373647): an account only right after a bank's name.
ACCOUNT_SPACED = re.compile(r"(?<![0-9A-Za-z\-])\d{3,6}(?:[ \t]\d{1,7}){2,3}(?![0-9A-Za-z]|[ \t-]\d)")
# American Express: 15 digits in 4-6-5 (3761-516389-80547).
CARD_AMEX = re.compile(r"(?<![0-9A-Za-z\-])3[47]\d\d(?P<sep>[ \t-]?)\d{6}(?P=sep)\d{5}(?![0-9A-Za-z]|-\d)")
BANKS = (
    "국민 KB 신한 우리 하나 농협 NH 기업 IBK 카카오뱅크 카카오 케이뱅크 토스뱅크 토스 SC제일 제일 씨티 우체국 "
    "새마을금고 새마을 신협 수협 산업은행 대구은행 부산은행 경남은행 광주은행 전북은행 제주은행 iM뱅크"
)
ACCOUNT_CONTEXT = re.compile(rf"{_alt(BANKS)}|은행|계좌|입금|송금|환급|예금주|이체|(?i:account|acct)")

# --- e-mail, licence, passport ---------------------------------------------------------------------
EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
)
LICENCE_REGIONS = "서울 부산 경기 경기남부 경기북부 강원 충북 충남 전북 전남 경북 경남 제주 대구 인천 광주 대전 울산 세종"
LICENCE = re.compile(
    # (glued to the licence word in a form line: 운전면허22-18-749664-76, 면허번호전북10-644978-52)
    rf"(?:(?<![0-9A-Za-z가-힣])|(?<=면허)|(?<=면허번호))(?:(?:{_alt(LICENCE_REGIONS)})[ \t]?{D}{{2}}|{D}{{2}}[ \t\-]{D}{{2}})"
    rf"[ \t\-]{D}{{6}}[ \t\-]{D}{{2}}{NA}"
)
LICENCE_CONTEXT = re.compile(rf"(?:면허|[Dd]river_?[Ll]icen[cs]e|DRIVER_?LICEN[CS]E)[^\d\n]{{0,10}}?(?P<v>{NB}{D}{{12}}{NA})")
# A letter and 8 digits (or the 2021 form M123A4567) cannot be a KCD or procedure code, so no context.
PASSPORT = re.compile(rf"{NB}(?:[A-Z]\d{{8}}|[A-Z]\d{{3}}[A-Z]\d{{4}}){NA}")
PASSPORT_CONTEXT = re.compile(
    rf"(?:여권|(?i:passport))[^\n\dA-Z]{{0,12}}?(?P<v>{NB}(?:[A-Z]{{1,2}}\d{{6,8}}[A-Z]?|\d{{9}}){NA})"
)

# --- vehicles, IP addresses -------------------------------------------------------------------------
# Korean plates: 12가 3456, 123나 4567, and the old regional form 서울 12 가 3456. The letter is one of
# the syllables plates use, which keeps 12세 1234 or 3층 1234 out.
PLATE_LETTERS = "가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주아바사자배하허호육공해국합"
VEHICLE = re.compile(
    rf"(?:(?<![가-힣])(?:{_alt(LICENCE_REGIONS)})[ \t]?)?(?<![0-9A-Za-z\-.,])\d{{2,3}}[ \t]?[{PLATE_LETTERS}][ \t]?\d{{4}}"
    # (a comma and digits after it is a thousands separator only as ,ddd: 12가3456,22-71-... is a CSV row)
    r"(?=(?:으로|에서|로|를|는|은|와|과|의|에|이|가|도)?(?![0-9A-Za-z가-힣]|\.\d|,\d{3}(?!\d)))"
)
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_HEX = r"[0-9A-Fa-f]{1,4}"
IP_ADDRESS = re.compile(
    rf"(?<![\d.])(?:{_OCTET}\.){{3}}{_OCTET}(?!\d|\.\d)"
    # IPv6: eight groups, or fewer around one '::' (a time like 10:30:00 has no '::' and too few groups)
    rf"|(?<![0-9A-Za-z:])(?:(?:{_HEX}:){{7}}{_HEX}|(?:{_HEX}:){{1,6}}:(?:{_HEX}(?::{_HEX}){{0,5}})?|::(?:{_HEX}:){{0,5}}{_HEX})"
    r"(?![0-9A-Za-z:])"
)

def _loose(words: str) -> str:
    """An alternation of keywords that tolerates a space between any two letters (병 록 번 호, 건강 보험증)."""
    # (a form line letter-spaced to fill its cell may put several spaces between letters: 면   허   번   호)
    return "|".join("[ \\t]{0,3}".join(map(re.escape, w)) for w in sorted(set(words.split()), key=len, reverse=True))


# --- medical staff licences ---------------------------------------------------------------------------
# 면허번호 제 12297 호 / 의사면허 12297 / 간호사 면허번호: 123456 / 전문의 자격번호 제 321 호: a short
# number shortly after a licence word (a driver's licence, 운전면허, has 12 digits and its own rule). A
# count, duration, date or amount (면허 정지 90일, 면허 갱신 2024.01.31) is no licence number.
_PROFESSION = "의사 치과의사 한의사 간호사 조산사 약사 한약사 전문의 간호조무사 의료기사 방사선사 물리치료사 임상병리사"
MEDICAL_LICENSE = re.compile(
    rf"(?:(?<!운전)(?<!운전 )(?<!보험 )(?<!보험)(?:{_loose('면허 면허증 자격번호 자격증번호 전문의')})|(?i:licen[sc]e|lic\.|lic_no))"
    r"[^\d\n]{0,14}?"
    rf"(?P<v>(?<![\d\-,])(?<!\d\.){D}{{3,7}}(?![\d\-]|[.,:/]\d|[ \t]?(?:일|개월|년|세(?![가-힣])|원|회|건|명|점|시|분|%|차|기|과|월|주|cm|mm|mg|kg)))"
)

# A number in brackets right after a medical professional's name (마취의 황태윤 (#9034), 집도의 김민수
# (제 18025 호), (No. 64206)): how operation records cite the licence.
_STAFF = "의사 전문의 간호사 마취의 집도의 보조의 주치의 담당의 수술의 진료의 치과의사 한의사 조산사"
STAFF_LICENSE = re.compile(
    rf"(?:{_alt(_STAFF)})[ \t:：]+(?:[가-힣]{{1,2}}(?:[ \t]?[가-힣]){{1,4}}|[A-Z][A-Za-z]+(?:[ \t][A-Z][A-Za-z]+){{0,2}})"
    # a bare number of four digits or more in the bracket too (마취의 마선 (58881)); fewer are an age
    rf"[ \t]*[(（][ \t]*(?P<mark>(?:제|#|No\.?|면허)[ \t]*)?(?P<v>(?<![\d\-,])(?(mark){D}{{3,7}}|{D}{{4,7}}))[ \t]*호?[ \t]*[)）]"
)

# --- numbers identified by the word in front of them ------------------------------------------------
_HI_WORDS = "건강보험증 건강보험 건강보험카드 건보증 건보 의료보험증 의료보험 의료급여증 의료급여 직장가입자 지역가입자 피부양자"
HI_VALUE = rf"(?<![\d\-,.]){D}(?:{D}{{7,12}}|{D}?-{D}{{7,11}}|{D}{{0,5}}(?:[ \t\-]{D}{{2,8}}){{1,3}})(?![\d\-]|[,.]\d)"
HEALTH_INSURANCE = re.compile(
    rf"(?:{_loose(_HI_WORDS)}|(?<!증권)보험증(?!권)|(?<![가-힣])증[ \t]?번호|가입자[ \t]?번호|[Hh]ealth[ \t]?[Ii]nsurance|NHIS?|(?i:hin)(?![a-z]))[^\d\n]{{0,24}}?"
    rf"(?P<v>{HI_VALUE})"
)
_CHART_WORDS = (
    "등록번호 병록번호 차트번호 챠트번호 환자번호 진료번호 의무기록번호 외래번호 입원번호 진료카드번호 환자ID 병원ID "
    "차트 챠트 병록 진료ID 등록ID 병원등록번호 환자고유번호 환자관리번호 수진자번호 수진번호 병원번호 팔찌ID 팔찌번호 "
    "환자코드 기록번호 진료기록번호"
)
# 등록번호 names a patient's chart unless a resident, foreigner, business or car is registered.
_NOT_CHART = "".join(f"(?<!{w})(?<!{w} )" for w in ("주민", "외국인", "사업자", "차량", "자동차", "법인", "고유"))
# Hospitals number charts their own way: letters first (H-2024-00123), digits in groups (12-345678,
# 2024-0012345) or one run; a group of 2-3 digits first never starts with 0 (that is a phone's area code).
CHART_VALUE = (rf"{NB}(?:\d{{3,6}}[ \t]\d{{3,6}}(?![ \t]?\d)|[A-Z]{{1,3}}-?\d{{2,4}}-\d{{3,8}}|[A-Z]{{0,3}}-?\d{{4,12}}(?:-\d{{1,8}})?"
               rf"|[1-9]\d{{1,2}}-\d{{4,8}}(?:-\d{{1,6}})?){NA}")
CHART_NO = re.compile(
    rf"(?:{_NOT_CHART}(?:{_loose(_CHART_WORDS)})"
    r"|[Cc]hart|(?i:mrn)(?![a-z])|[Pp]t\.?[ \t_]?(?:[Nn]o\.?|ID)|[Pp]atient[ \t_]?(?:[Nn]o\.?|ID)|(?i:reg(?:istration)?\.?[ \t_]?no)\.?"
    r"|등록[ \t]?No\.?|환자[ \t]?No\.?)(?:[^\dA-Za-z\n]|No\.?|ID|MRN){0,8}?"
    rf"(?P<v>{CHART_VALUE})"
)
CHART_AFTER_AGE = re.compile(rf"[(（][^()（）\n]{{1,20}}/[ \t]?\d{{1,3}}[ \t]?세[ \t]?/[ \t]?(?P<v>{CHART_VALUE})[ \t]*[)）]")
CHART_ROW = re.compile(
    rf"(?:^|(?<=[\[(\s]))(?P<v>{CHART_VALUE})[ \t]*(?:[|/,\t\]]|\][ \t])[ \t]*[가-힣A-Za-z]{{1,4}}(?:[ \t][가-힣A-Za-z]{{1,5}}){{0,2}}"
    r"[ \t]*[|/,\t ][ \t]*(?:남|여|M|F)(?:[ \t]*[|/,\t][ \t]*\d{1,3}|[ \t]*[|/,\t ])"
)
# The words that name each kind of number, for a label standing away from its value (claimvlm.privacy.formline).
HI_AT = re.compile(HI_VALUE)
CHART_AT = re.compile(CHART_VALUE)
HI_LABELS = frozenset(_HI_WORDS.split()) | {"보험증", "보험증번호", "증번호", "가입자번호", "HIN"}
CHART_LABELS = frozenset(_CHART_WORDS.split()) | {"MRN", "ChartNo", "ChartNo.", "PtNo", "PtID", "PatientID", "ID", "Reg.No"}
POLICY_NO = re.compile(
    rf"(?:{_loose('보험증권번호 증권번호 계약번호 청약번호')}|(?:증권|청약)(?:[ \t]?(?:No\.?|#))?(?![가-힣])"
    r"|(?i:policy(?:[ \t_]?(?:no|number|#))?|(?<![a-z])(?:ins|plcy|pol|cont)[_ ]?no)\.?"
    # an API path names the contract or claim it is about (uri=/claims/201382212983)
    r"|/(?i:claims?|polic(?:y|ies)|contracts?)/)"
    r"[^\dA-Za-z\n]{0,8}?"
    rf"(?P<v>{NB}[A-Z0-9]{{1,16}}(?:-[A-Z0-9]{{1,12}}){{0,4}}{NA})"
)

# A date written as digits (20241013, 2024-08-16): after 취득일 or 진료일, a keyword further back
# (건강보험, 등록번호) or the tagger would take it for the number of the field before it.
DATE_DIGITS = re.compile(r"(?:19|20)\d\d(?:(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
                         r"|([-./])(?:0?[1-9]|1[0-2])\1(?:0?[1-9]|[12]\d|3[01]))")


# --- addresses ------------------------------------------------------------------------------------
_NUM = r"(?:산[ \t]?)?\d{1,5}(?:-\d{1,5})?(?:번지)?"
_UNIT = r"(?:제?\d{1,4}[ \t]?동|[A-Z]?\d{1,5}[ \t]?호|\d{1,2}[ \t]?단지)"
_TAIL_ITEM = (
    r"(?:[가-힣A-Za-z0-9]{1,15}(?:아파트|빌라|오피스텔|빌딩|타워|맨션|하이츠|APT)"
    rf"|{_UNIT}|(?:지하[ \t]?)?\d{{1,3}}[ \t]?층|[A-Z][ \t]?동"
    # a complex and its numbered estate glued together (주공2단지)
    r"|[가-힣A-Za-z]{1,10}\d{1,2}[ \t]?단지"
    # 동-호 written with a dash after the building number (신정로 422-12 104-202)
    r"|\d{2,4}-\d{3,4}(?![\d-])"
    # any building or village name when unit numbers follow (센트럴빌 505호, 아름마을 1단지, 중흥S-클래스 119동)
    rf"|[가-힣A-Za-z][가-힣A-Za-z\-]{{1,12}}(?=[ \t]?{_UNIT}))"
)
ADDRESS = re.compile(
    # (an address word may be glued on in an OCR'd form: 주소대전광역시 ...)
    # a postcode before it (50566 충남 아산시 ...) is part of it
    r"(?:(?<![\d가-힣\-])\d{5}[ \t]+)?"
    rf"(?:(?<![가-힣])|(?<=주소)|(?<=주소지)|(?<=거주지)|(?<=체류지)|(?<=소재지))(?:(?:{_alt(PROVINCES)})(?P<district>(?:[ \t]+[가-힣]{{1,5}}(?:시|군|구)){{0,2}})"
    rf"|(?P<city>{_alt(CITIES)})(?:[ \t]+[가-힣]{{1,5}}(?:구|군))?|(?P<ward>{_alt(WARDS)}))"
    r"(?:[ \t]+[가-힣]{1,4}(?:읍|면))?"
    r"[ \t]+(?:"
    rf"(?P<road>[가-힣0-9]{{1,10}}(?:로|길)(?:[ \t]?\d{{1,4}}번?길)?)[ \t]*{_NUM}"  # road form always has a building number
    rf"|(?P<lot>[가-힣0-9]{{1,8}}(?:동|리|가))(?P<lotnum>[ \t]+{_NUM})?"
    r")"
    rf"(?:(?:,[ \t]?|[ \t]){_TAIL_ITEM})*"
    # the reference bracket (역삼동, 푸르지오) but not a person's after the address ((계약자 김유혁)), a
    # department's ((응급의학과)) or a date's ((2024년 10월 20일 접수))
    rf"(?:[ \t]?\((?![ \t]*(?:{_alt(SURE_LABELS + ' ' + AMBIGUOUS_LABELS)})[ \t:]+[가-힣A-Za-z])"
    r"(?![^)]{0,24}과\))(?![^)]{0,24}\d[ \t]?(?:년|월|일))"
    r"[가-힣0-9A-Za-z,·\- ]{1,25}\))?"
    r"(?:(?:,[ \t]?|[ \t])(?:[가-힣A-Za-z0-9]{1,15}(?:아파트|빌라|오피스텔|빌딩|타워|맨션|하이츠|APT)[ \t]?)?"
    r"(?:제?\d{1,4}[ \t]?동[ \t]?)?\d{1,5}[ \t]?호)?"
    # the reference bracket after the unit (108동 1104호(화정동), 122-905(학동))
    r"(?:[ \t]?\([가-힣0-9]{1,10}(?:동|리|가|읍|면)(?:,[ \t]?[가-힣A-Za-z0-9]{1,12})?\))?"
)
# A romanised address (113-dong 2001-ho, 338, Keonbensia-daero, Yeonsu-gu, Incheon): the road and the
# district words are what make it one.
ADDRESS_LATIN = re.compile(
    r"(?<![0-9A-Za-z])(?:\d{1,4}-dong,?[ \t]\d{1,5}-ho,?[ \t])?(?:[A-Za-z0-9\-]+,?[ \t])?\d{1,5}(?:-\d{1,5})?,?[ \t]"
    r"[A-Z][a-z]+\d{0,2}(?:-[a-z]+)*-(?:ro|gil|daero)(?:[ \t]\d{1,4}(?:beon)?-gil)?,?[ \t]"
    # Sejong has no districts: the road, then the city
    r"(?:[A-Z][a-z]+-(?:gu|si|gun)(?:,?[ \t][A-Z][a-z]+(?:-(?:si|do))?)?|Sejong(?:-si)?)(?![A-Za-z])"
)
