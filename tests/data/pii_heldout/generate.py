"""Held-out evaluation corpus for Korean PII detection in insurance-claim text.

Written independently of the detector (see PROVENANCE.md). Standard library only,
deterministic (random.Random(20261203)). From the repository root:

    python3 tests/data/pii_heldout/generate.py

Templates use slots: {kind}, {kind2} (a second distinct value of the same kind),
{kind:mod} (names: sp = every syllable spaced, sp2 = surname spaced from given name;
a Korean particle such as 가/는/를/와/로 picks its form from the name's final sound),
and [[literal]] for a literal word that must be kept. Slots that are identifiers
become spans; code/amount/date/hospital/disease/drug/department slots become keep.
"""
import calendar
import collections
import datetime
import itertools
import json
import random
import re
from pathlib import Path

SEED = 20261203
PER_TEMPLATE = 10
OUT = Path(__file__).resolve().parent / "pii_heldout.jsonl"


def words(s):
    return s.split()


# ----------------------------------------------------------------- names
SUR_COMMON = words("김 이 박 최 정 강 조 윤 장 임 한 오 서 신 권 황 안 송 류 전 홍 고 문 양 손 배 백 허 "
                   "유 남 심 노 하 곽 성 차 주 우 구 민 진 나")
SUR_RARE = words("지 엄 채 원 천 방 공 현 함 변 염 여 추 도 소 석 선 설 마 길 연 위 표 명 기 반 라 왕 금 "
                 "옥 육 인 맹 제 모 탁 국 어 은 편 용 예 경 봉 사 부 가 복 태 목 형 피 두 감 음 빈 동 온 "
                 "시 범 좌 팽 승 간 상 견 당 화 창 옹 순 빙 묵 단 계 호 후 근 판 초 뇌 애")
SUR_TWO = words("남궁 황보 제갈 선우 독고 사공 서문 동방")
GIVEN_A = words("민 서 지 현 수 영 준 예 도 하 주 유 은 채 시 승 재 성 태 동 진 상 혜 미 정 경 다 나 소 "
                "윤 가 우 한 연 선 보 세 규 희 용 인 종 병 광 순 말 옥 점 갑 봉")
GIVEN_B = words("준 우 민 서 연 현 진 호 수 윤 아 은 희 영 원 빈 훈 석 철 숙 자 순 옥 미 경 정 혁 규 "
                "환 식 기 남 주 람 율 린 엽 화 례 님 애 분 동 덕")
GIVEN_ONE = words("혁 솔 훈 결 린 찬 담 웅 욱 철 준 빈")
NATIVE_2 = words("하늘 다온 아름 슬기 보람 한결 가람 나래 다솜 새롬 하람 이슬 초롱 누리 여름 단비 은솔 "
                 "한빛 푸름 바다 새별 라온 온유 해솔 빛나 예슬 마루 한울 그루 고운 다빈 소담 이룸 윤슬 "
                 "도담 해나 꽃님 봄비 사랑 별하 시온")
NATIVE_3 = words("빛나리 한아름 새하늘 은하수 푸르미 한가람 아름솔 다소미 나래솔 이슬비 별보라 해오름 슬기찬")
FOREIGN_LATIN_FAM = words("NGUYEN TRAN LE PHAM ZHANG WANG LI BATBOLD SOMCHAI SANTOS IVANOVA RAHMAN")
FOREIGN_LATIN_GIV = ["VAN AN", "THI MAI", "THI HOA", "MINH DUC", "WEI", "FANG", "GANBAATAR",
                     "MARIA CLARA", "OLGA", "RIZKY", "ANIL KUMAR", "THI THU"]
FOREIGN_HANGUL = ["응우옌 반 안", "쩐 티 마이", "레 티 호아", "팜 민 득", "장웨이", "왕팡", "바트볼드 간바타르",
                  "산토스 마리아", "이바노바 올가", "라흐만 아닐", "누르 아이샤", "리우 양"]


def korean_name(rng):
    r = rng.random()
    sur = rng.choice(SUR_COMMON if r < 0.58 else SUR_RARE if r < 0.86 else SUR_TWO)
    r = rng.random()
    if len(sur) == 2 and r < 0.3:
        given = rng.choice(NATIVE_3)
    elif r < 0.08 and len(sur) == 1:
        given = rng.choice(GIVEN_ONE)
    elif r < 0.74:
        given = rng.choice(GIVEN_A) + rng.choice(GIVEN_B)
    elif r < 0.93:
        given = rng.choice(NATIVE_2)
    else:
        given = rng.choice(NATIVE_3)
    return (sur, given)


def foreign_name(rng):
    if rng.random() < 0.5:
        return ("", rng.choice(FOREIGN_LATIN_FAM) + " " + rng.choice(FOREIGN_LATIN_GIV))
    return ("", rng.choice(FOREIGN_HANGUL))


JOSA = {"는": ("은", "는"), "가": ("이", "가"), "를": ("을", "를"), "와": ("과", "와"), "랑": ("이랑", "랑")}


def josa(word, p):
    last = word[-1]
    if not ("가" <= last <= "힣"):
        return "로" if p == "로" else JOSA[p][1]
    jong = (ord(last) - 0xAC00) % 28
    if p == "로":
        return "로" if jong in (0, 8) else "으로"
    return JOSA[p][0] if jong else JOSA[p][1]


# ----------------------------------------------------------------- numbers
def rrn(rng, foreign=False):
    y = rng.randint(1962, 2006) if foreign else rng.randint(1936, 2024)
    m = rng.randint(1, 12)
    d = rng.randint(1, calendar.monthrange(y, m)[1])
    g = (5 if y < 2000 else 7) if foreign else (1 if y < 2000 else 3)
    g += rng.randint(0, 1)
    body = f"{y % 100:02d}{m:02d}{d:02d}{g}" + "".join(str(rng.randint(0, 9)) for _ in range(5))
    if (y, m) >= (2020, 10) or rng.random() < 0.07:  # issued since Oct 2020: random tail
        c = rng.randint(0, 9)
    else:
        s = sum(int(a) * w for a, w in zip(body, (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)))
        c = (11 - s % 11) % 10
    n = body + str(c)
    r = rng.random()
    if r < 0.72:
        return f"{n[:6]}-{n[6:]}"
    if r < 0.82:
        return n
    if r < 0.90:
        return f"{n[:6]} {n[6:]}"
    return f"{n[:6]}-{n[6]}******"


def mobile(rng):
    a = "010" if rng.random() < 0.85 else rng.choice(["011", "016", "017", "019"])
    b = str(rng.randint(2000, 9999)) if a == "010" or rng.random() < 0.5 else str(rng.randint(200, 999))
    c = f"{rng.randint(0, 9999):04d}"
    return rng.choices([f"{a}-{b}-{c}", f"{a}{b}{c}", f"{a} {b} {c}", f"{a}.{b}.{c}", f"({a}){b}-{c}",
                        f"+82-{a[1:]}-{b}-{c}", f"+82 {a[1:]} {b} {c}"], [55, 10, 10, 8, 7, 6, 4])[0]


AREA = words("02 031 032 033 041 042 043 044 051 052 053 054 055 061 062 063 064 070")


def landline(rng):
    a = rng.choice(AREA)
    b = str(rng.randint(200, 999) if rng.random() < 0.4 and a != "070" else rng.randint(2000, 9999))
    c = f"{rng.randint(0, 9999):04d}"
    return rng.choices([f"{a}-{b}-{c}", f"({a}) {b}-{c}", f"{a} {b} {c}", f"{a}.{b}.{c}", f"{a}){b}-{c}"],
                       [60, 15, 10, 10, 5])[0]


ROMAN_SUR = words("kim lee park choi jung kang cho yoon jang lim han oh seo shin kwon hwang ahn song "
                  "ryu hong")
ROMAN_GIV = words("minsu seoyeon jihoon hana sky dawon jiwoo hyunwoo yuna sujin junho eunji taeyang "
                  "bitna happyday bluesea sunny mango")
MAILDOM = words("naver.com daum.net hanmail.net gmail.com kakao.com nate.com hotmail.com outlook.com "
                "korea.kr")


def email(rng):
    s, g = rng.choice(ROMAN_SUR), rng.choice(ROMAN_GIV)
    local = rng.choice([f"{g}{s}", f"{s}.{g}", f"{g}_{rng.randint(1, 99)}", f"{g[0]}{s}{rng.randint(10, 99)}",
                        f"{s}{g}{rng.randint(1960, 2010)}", f"{g}.{s}{rng.randint(1, 9)}"])
    return f"{local}@{rng.choice(MAILDOM)}"


ADDR = [  # (시도 full, 시도 short, 시군구, roads, dongs)
    ("서울특별시", "서울", "강남구", ["테헤란로", "도산대로", "논현로"], ["역삼동", "대치동", "논현동"]),
    ("서울특별시", "서울시", "마포구", ["월드컵로", "성미산로", "양화로"], ["망원동", "합정동", "성산동"]),
    ("서울특별시", "서울", "노원구", ["동일로", "노해로"], ["상계동", "중계동"]),
    ("서울특별시", "서울", "송파구", ["올림픽로", "송파대로"], ["잠실동", "가락동"]),
    ("서울특별시", "서울", "관악구", ["관악로", "남부순환로"], ["봉천동", "신림동"]),
    ("부산광역시", "부산", "해운대구", ["해운대로", "센텀중앙로"], ["우동", "좌동", "중동"]),
    ("부산광역시", "부산시", "부산진구", ["중앙대로", "가야대로"], ["부전동", "전포동"]),
    ("대구광역시", "대구", "수성구", ["달구벌대로", "동대구로"], ["범어동", "만촌동"]),
    ("인천광역시", "인천", "남동구", ["인하로", "구월로"], ["구월동", "간석동"]),
    ("광주광역시", "광주", "서구", ["상무대로", "치평로"], ["치평동", "쌍촌동"]),
    ("대전광역시", "대전", "유성구", ["대학로", "엑스포로"], ["봉명동", "궁동"]),
    ("울산광역시", "울산", "남구", ["삼산로", "번영로"], ["삼산동", "달동"]),
    ("세종특별자치시", "세종", "", ["한누리대로", "도움4로"], ["나성동", "도담동"]),
    ("경기도", "경기", "수원시 팔달구", ["효원로", "중부대로"], ["인계동", "우만동"]),
    ("경기도", "경기", "성남시 분당구", ["판교역로", "불정로"], ["정자동", "서현동"]),
    ("경기도", "경기", "고양시 일산동구", ["중앙로", "장항로"], ["장항동", "백석동"]),
    ("경기도", "경기도", "양평군", ["양평읍 중앙로", "용문면 용문로"], ["양평읍 양근리", "용문면 다문리"]),
    ("강원특별자치도", "강원", "춘천시", ["중앙로", "후석로"], ["효자동", "석사동"]),
    ("충청북도", "충북", "청주시 흥덕구", ["2순환로", "직지대로"], ["복대동", "가경동"]),
    ("충청남도", "충남", "천안시 서북구", ["불당대로", "번영로"], ["불당동", "쌍용동"]),
    ("전북특별자치도", "전북", "전주시 완산구", ["효자로", "홍산로"], ["효자동", "서신동"]),
    ("전라남도", "전남", "순천시", ["연향번영길", "중앙로"], ["연향동", "조례동"]),
    ("경상북도", "경북", "포항시 남구", ["포스코대로", "대잠로"], ["대잠동", "이동"]),
    ("경상남도", "경남", "창원시 성산구", ["중앙대로", "원이대로"], ["상남동", "중앙동"]),
    ("제주특별자치도", "제주", "제주시", ["연북로", "노연로"], ["노형동", "연동"]),
]
APTS = words("래미안아파트 푸르지오 자이아파트 힐스테이트 주공아파트 현대아파트 한신아파트 e편한세상")


def address(rng):
    full, short, sgg, roads, dongs = rng.choice(ADDR)
    head = " ".join(x for x in ((full if rng.random() < 0.75 else short), sgg) if x)
    r = rng.random()
    apt = f"{rng.randint(101, 115)}동 {rng.randint(1, 25)}{rng.randint(1, 6):02d}호"
    if rng.random() < 0.6:  # road-name address
        road = rng.choice(roads) + (f"{rng.randint(1, 60)}번길" if rng.random() < 0.3 else "")
        num = str(rng.randint(1, 350)) + (f"-{rng.randint(1, 30)}" if rng.random() < 0.2 else "")
        tail = "" if r < 0.3 else f", {apt}" if r < 0.65 else f", {rng.randint(2, 15)}층" if r < 0.85 \
            else f" {rng.choice(APTS)} {apt}"
        return f"{head} {road} {num}{tail}"
    lot = f"{rng.randint(1, 1500)}" + (f"-{rng.randint(1, 40)}" if rng.random() < 0.7 else "")
    tail = "" if r < 0.5 else f" {rng.choice(APTS)} {apt}" if r < 0.8 else f" {rng.randint(1, 5)}층"
    return f"{head} {rng.choice(dongs)} {lot}{tail}"


def luhn_card(rng):
    prefix = rng.choice(["4", "51", "52", "53", "54", "55", "9410", "9430", "3560", "6243"])
    body = prefix + "".join(str(rng.randint(0, 9)) for _ in range(15 - len(prefix)))
    total = 0
    for i, ch in enumerate(reversed(body)):  # positions that double after the check digit is appended
        v = int(ch) * (2 if i % 2 == 0 else 1)
        total += v - 9 if v > 9 else v
    n = body + str((10 - total % 10) % 10)
    sep = rng.choices(["-", " ", ""], [65, 20, 15])[0]
    return sep.join(n[i:i + 4] for i in range(0, 16, 4))


BANKS = {"국민은행": [6, 2, 6], "KB국민은행": [6, 2, 6], "신한은행": [3, 3, 6], "우리은행": [4, 3, 6],
         "하나은행": [3, 6, 5], "NH농협은행": [3, 4, 4, 2], "농협": [3, 4, 4, 2], "IBK기업은행": [3, 6, 2, 3],
         "카카오뱅크": [4, 2, 7], "우체국": [6, 2, 6], "SC제일은행": [3, 2, 6], "새마을금고": [4, 4, 4, 1],
         "토스뱅크": [4, 4, 4], "부산은행": [3, 4, 4, 2]}


def account(rng):
    bank = rng.choice(sorted(BANKS))
    groups = ["".join(str(rng.randint(0, 9)) for _ in range(k)) for k in BANKS[bank]]
    if bank == "카카오뱅크":
        groups[0] = "3333"
    return bank, ("".join(groups) if rng.random() < 0.1 else "-".join(groups))


def digits(rng, k):
    return "".join(str(rng.randint(0, 9)) for _ in range(k))


def driver_license(rng):
    return f"{rng.randint(11, 28)}-{rng.randint(0, 24):02d}-{digits(rng, 6)}-{digits(rng, 2)}"


def passport(rng):
    p = rng.choice("MMMMMS")
    if rng.random() < 0.6:
        return p + digits(rng, 8)
    return f"{p}{digits(rng, 3)}{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{digits(rng, 4)}"


def health_ins(rng):
    n = str(rng.randint(1, 9)) + digits(rng, 10)
    return rng.choice([n, f"{n[0]}-{n[1:]}", f"{n[:1]} {n[1:9]} {n[9:]}"])


def chart(rng):
    return rng.choice([f"{rng.randint(0, 9999999):08d}", f"{rng.randint(2015, 2026)}-{digits(rng, 6)}",
                       f"{rng.choice('ABHR')}{digits(rng, 6)}", f"R-{rng.randint(15, 26)}-{digits(rng, 6)}",
                       digits(rng, 10), str(rng.randint(100000, 9999999))])


def policy(rng):
    return rng.choice([f"{rng.choice('LPHC')}{rng.randint(2010, 2026)}{digits(rng, 7)}",
                       f"{digits(rng, 3)}-{digits(rng, 2)}-{digits(rng, 7)}",
                       f"{rng.randint(2010, 2026)}-{digits(rng, 6)}-{digits(rng, 2)}", digits(rng, 13),
                       f"{rng.choice(['LA', 'CI', 'HL'])}-{digits(rng, 4)}-{digits(rng, 6)}"])


PLATE_HANGUL = "가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주하허호"


def vehicle(rng):
    h = rng.choice(PLATE_HANGUL)
    r = rng.random()
    if r < 0.4:
        return f"{rng.randint(100, 699)}{h}{rng.randint(1000, 9999)}"
    if r < 0.7:
        return f"{rng.randint(10, 99)}{h}{rng.randint(1000, 9999)}"
    if r < 0.85:
        region = rng.choice(["서울", "경기", "부산", "인천", "대구"])
        return f"{region}{rng.randint(10, 99)}{h}{rng.randint(1000, 9999)}"
    return f"{rng.randint(10, 399)}{h} {rng.randint(1000, 9999)}"


def ipv4(rng):
    if rng.random() < 0.15:
        return f"192.168.{rng.randint(0, 20)}.{rng.randint(2, 254)}"
    first = rng.choice([1, 14, 27, 39, 58, 59, 61, 106, 110, 112, 115, 118, 121, 125, 175, 183, 211, 223])
    return f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


# ----------------------------------------------------------------- keep values
# One clinical case per text: (KCD code, disease, procedure code, procedure, department).
# Codes have the documented shapes; the code-to-name pairings are illustrative, not a code book.
CASES = [
    ("C16.9", "위암", "Q2594", "위 아전절제술", "외과"),
    ("C50.9", "유방암", "N7133", "유방 부분절제술", "외과"),
    ("C18.7", "구불결장암", "Q2671", "복강경하 결장절제술", "외과"),
    ("C34.1", "폐암", "O1421", "흉강경하 폐엽절제술", "흉부외과"),
    ("C73", "갑상선암", "P4552", "갑상선 전절제술", "외과"),
    ("D05.1", "유방 관내 제자리암종", "N7131", "유방 종괴절제술", "외과"),
    ("C61", "전립선암", "R3950", "전립선 근치절제술", "비뇨의학과"),
    ("C22.0", "간세포암", "M6724", "간동맥 화학색전술", "혈액종양내과"),
    ("E11.9", "2형 당뇨병", "B2040", "당화혈색소 검사", "내과"),
    ("I10", "본태성 고혈압", "E6541", "활동혈압 측정", "심장내과"),
    ("I63.9", "뇌경색증", "M6631", "혈전 제거술", "신경과"),
    ("I21.9", "급성 심근경색증", "M6561", "경피적 관상동맥 중재술", "심장내과"),
    ("J18.9", "폐렴", "G2101", "흉부 단순촬영", "내과"),
    ("K35.8", "급성 충수염", "Q2862", "충수절제술", "외과"),
    ("K80.2", "담석증", "Q2861", "복강경하 담낭절제술", "외과"),
    ("K29.7", "위염", "E7611", "위내시경 검사", "소화기내과"),
    ("M17.1", "원발성 무릎관절증", "N2072", "인공슬관절 전치환술", "정형외과"),
    ("M51.2", "요추 추간판 장애", "N1611", "추간판 제거술", "신경외과"),
    ("M54.5", "요통", "M0531", "단순 운동치료", "재활의학과"),
    ("M75.1", "회전근개 증후군", "N0601", "관절경하 회전근개 봉합술", "정형외과"),
    ("S82.0", "슬개골 골절", "N0711", "관혈적 정복술 및 내고정술", "정형외과"),
    ("S72.00", "대퇴골 경부 골절", "N0715", "인공골두 치환술", "정형외과"),
    ("S52.5", "요골 하단 골절", "N0712", "관혈적 정복술", "정형외과"),
    ("S93.4", "발목 염좌", "M0111", "석고붕대 고정", "정형외과"),
    ("S06.0", "뇌진탕", "G2301", "뇌 전산화단층촬영", "신경외과"),
    ("N20.0", "신장 결석", "R3330", "체외충격파 쇄석술", "비뇨의학과"),
    ("H25.9", "노년백내장", "S5111", "수정체유화술", "안과"),
    ("G56.0", "손목굴 증후군", "N2491", "수근관 유리술", "정형외과"),
    ("A09", "감염성 장염", "K0101", "수액 주사", "내과"),
    ("N39.0", "요로감염", "B1010", "요 검사", "비뇨의학과"),
    ("D25.9", "자궁근종", "R4122", "복강경하 자궁근종절제술", "산부인과"),
    ("K64.9", "치핵", "Q2911", "치핵 근치술", "외과"),
    ("S13.4", "경추 염좌", "L0321", "신경차단술", "마취통증의학과"),
]
GENERAL_HOSPITALS = words(
    "서울성모병원 서울아산병원 삼성서울병원 세브란스병원 강남세브란스병원 분당서울대학교병원 이대목동병원 "
    "한양대학교병원 부산대학교병원 경북대학교병원 전남대학교병원 충남대학교병원 아주대학교병원 365열린의원 "
    "강동경희대학교병원 인하대학교병원 보라매병원 국민건강보험일산병원 한림대학교성심병원 한결요양병원"
)
CLINICS = {"정형외과": ["밝은정형외과의원", "바른마디정형외과의원", "힘찬병원"], "재활의학과": ["튼튼재활의학과의원"],
           "내과": ["새봄내과의원", "다온소아청소년과의원"], "안과": ["하늘안과의원", "김안과병원"],
           "산부인과": ["미즈메디병원", "제일산부인과의원"], "신경외과": ["우리들병원"], "외과": ["한솔외과의원"]}
HAN_HOSPITALS = words("경희한의원 자생한방병원 동의보감한의원 청연한방병원")
DENTAL_HOSPITALS = words("미소가득치과의원 서울대학교치과병원 바른이치과의원")
DEPTS = sorted({c[4] for c in CASES} | {"응급의학과", "가정의학과", "영상의학과", "이비인후과", "피부과"})
DRUGS = words("타이레놀정500mg 아모잘탄정 리피토정10mg 메트포르민서방정 세파클러캡슐 록소프로펜정 트라마돌주 "
              "아스피린프로텍트정 넥시움정40mg 셀레브렉스캡슐 울트라셋정 케토톱플라스타 판토록정 헤파린주 "
              "세프트리악손주 모르핀주 가바펜틴캡슐 자누비아정")
RELS = words("모 부 배우자 처 남편 딸 아들 자녀 형 누나 언니 동생 손녀 며느리 사위")
INSURERS = words("한결생명 가온손해보험 누리화재 미래든생명 바른손보 새솔생명")
CARDCOS = words("신한카드 삼성카드 KB국민카드 현대카드 롯데카드 하나카드 우리카드 BC카드 NH농협카드")
DATE_FMTS = ["%Y.%m.%d", "%Y-%m-%d", "{Y}년 {m}월 {d}일", "%Y/%m/%d", "%y.%m.%d"]


def fmt_amount(rng, v):
    return rng.choices([f"{v:,}원", f"₩{v:,}", f"{v:,} 원"], [75, 15, 10])[0]


# Slot kinds. Names: p patient, g guardian, d doctor, n nurse, s insurer staff, o other person
# (신청인, 수익자, 예금주, 운전자), fn foreign patient. ph contact number (mostly mobile), mob mobile,
# tel landline; lic/nlic/slic doctor/nurse licence and specialist certificate numbers.
SPAN_TYPE = {
    "p": "name", "g": "name", "d": "name", "n": "name", "s": "name", "o": "name", "fn": "name",
    "rrn": "rrn", "frn": "foreign_registration_no", "ph": "phone", "mob": "phone", "tel": "phone",
    "em": "email", "addr": "address", "card": "card", "acct": "account", "dl": "driver_license",
    "pp": "passport", "hin": "health_insurance_no", "chart": "chart_no", "pol": "policy_no",
    "lic": "medical_license", "nlic": "medical_license", "slic": "medical_license",
    "car": "vehicle_no", "ip": "ip_address",
}
ROLE = {"p": "patient", "fn": "patient", "g": "guardian", "d": "medical_staff", "n": "medical_staff",
        "s": "other", "o": "other"}
KEEP_KINDS = {"kcd", "dx", "edi", "op", "hosp", "hanhosp", "denthosp", "dept",
              "drug", "date", "amt", "tot"}
SIMPLE = {
    "rrn": rrn, "frn": lambda r: rrn(r, foreign=True), "tel": landline, "em": email, "addr": address,
    "card": luhn_card, "dl": driver_license, "pp": passport, "hin": health_ins, "chart": chart, "pol": policy,
    "car": vehicle, "ip": ipv4, "ph": lambda r: mobile(r) if r.random() < 0.88 else landline(r),
    "lic": lambda r: str(r.randint(4000, 149999)), "nlic": lambda r: str(r.randint(100000, 459999)),
    "slic": lambda r: str(r.randint(100, 29999)), "hanhosp": lambda r: r.choice(HAN_HOSPITALS),
    "denthosp": lambda r: r.choice(DENTAL_HOSPITALS), "mob": mobile, "drug": lambda r: r.choice(DRUGS),
    "rel": lambda r: r.choice(RELS),
    "age": lambda r: str(r.randint(4, 91)), "sex": lambda r: r.choice("남여"), "sexe": lambda r: r.choice("MF"),
    "cnt": lambda r: str(r.randint(2, 12)), "no": lambda r: digits(r, 8),
    "time": lambda r: f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}",
    "ward": lambda r: f"{r.randint(3, 15)}병동 {r.randint(1, 20)}{r.randint(1, 30):02d}호",
    "ins": lambda r: r.choice(INSURERS), "cardco": lambda r: r.choice(CARDCOS),
}
CASE_FIELD = {"kcd": 0, "dx": 1, "edi": 2, "op": 3, "dept": 4}


class Ctx:
    """Values for one text: a slot key (kind + index) always renders the same value."""

    def __init__(self, rng):
        self.rng, self.cache, self.names, self.amounts = rng, {}, set(), []
        start = datetime.date(2021, 1, 1) + datetime.timedelta(days=rng.randint(0, 2100))
        self.dates = [start]
        for _ in range(3):
            self.dates.append(self.dates[-1] + datetime.timedelta(days=rng.randint(0, 20)))
        self.date_fmt = rng.choice(DATE_FMTS)
        self.case = rng.choice(CASES)

    def value(self, kind, idx):
        rng, key = self.rng, kind + idx
        if kind in CASE_FIELD:  # {kcd} {dx} {op} {dept} describe one case; {dx2} etc. another one
            if idx and "case" + idx not in self.cache:
                others = [c for c in CASES if c[4] != self.case[4]]
                self.cache["case" + idx] = rng.choice(others)
            return (self.cache["case" + idx] if idx else self.case)[CASE_FIELD[kind]]
        if kind in ("bank", "acct"):  # the account number's format follows its bank
            if "acct" + idx not in self.cache:
                self.cache["acct" + idx] = account(rng)
            return self.cache["acct" + idx][kind == "acct"]
        if key in self.cache:
            return self.cache[key]
        if kind in ROLE:
            while True:
                v = foreign_name(rng) if kind == "fn" else korean_name(rng)
                if v not in self.names:
                    break
            self.names.add(v)
        elif kind == "hosp":
            clinics = CLINICS.get(self.case[4])
            v = rng.choice(clinics if clinics and rng.random() < 0.45 else GENERAL_HOSPITALS)
        elif kind == "date":
            d = self.dates[int(idx or 1) - 1]
            v = d.strftime(self.date_fmt) if "%" in self.date_fmt else \
                self.date_fmt.format(Y=d.year, m=d.month, d=d.day)
        elif kind == "amt":
            n = rng.randint(35, 9000) * 100 if rng.random() < 0.6 else rng.randint(100, 9000) * 1000
            self.amounts.append(n)
            v = fmt_amount(rng, n)
        elif kind == "tot":
            v = fmt_amount(rng, sum(self.amounts))
        else:
            v = SIMPLE[kind](rng)
        self.cache[key] = v
        return v


TOKEN = re.compile(r"\{([a-z]+)(\d*)(?::([^{}]+))?\}|\[\[([^\]]+)\]\]")


def render(tpl, rng):
    ctx, parts, spans, keep, pos, last = Ctx(rng), [], [], [], 0, 0
    local_roles = collections.Counter()

    def put(s):
        nonlocal pos
        parts.append(s)
        pos += len(s)

    for m in TOKEN.finditer(tpl):
        put(tpl[last:m.start()])
        last = m.end()
        if m.group(4):
            keep += [m.group(4)] if m.group(4) not in keep else []
            put(m.group(4))
            continue
        kind, idx, mod = m.group(1), m.group(2), m.group(3)
        val = ctx.value(kind, idx)
        if kind in ROLE:
            sur, given = val
            val = " ".join(sur + given) if mod == "sp" else f"{sur} {given}" if mod == "sp2" else sur + given
            local_roles[ROLE[kind]] += 1
        if kind in SPAN_TYPE:
            spans.append({"type": SPAN_TYPE[kind], "start": pos, "end": pos + len(val), "text": val})
        elif kind in KEEP_KINDS and val not in keep:
            keep.append(val)
        put(val)
        if mod in JOSA or mod == "로":
            put(josa(val, mod))
    put(tpl[last:])
    text = "".join(parts)
    row = {"text": text, "spans": spans, "keep": keep}
    return row, local_roles


def valid(row):
    text, spans = row["text"], row["spans"]
    for s in spans:
        assert text[s["start"]:s["end"]] == s["text"], s
    ivs = sorted((s["start"], s["end"]) for s in spans)
    if any(a[1] > b[0] for a, b in itertools.pairwise(ivs)):
        return False
    for k in row["keep"]:
        assert k in text, k
        i = text.find(k)
        while i >= 0:
            if any(i < e and s < i + len(k) for s, e in ivs):
                return False
            i = text.find(k, i + 1)
    return True


# ----------------------------------------------------------------- note templates
TEMPLATES = [
    # --- 진단서 / 소견서
    "진 단 서\n환자 성명: {p}   주민등록번호: {rrn}\n주소: {addr}\n병명: {dx} (최종 진단)   분류번호: {kcd}\n발병일: {date}   진단일: {date2}   발행일: {date3}\n{hosp} {dept}  의사 {d} (인)  면허번호 제 {lic} 호",
    "소견서) {p} 님({age}세/{sex})은 {date}부터 {dx}({kcd})로 본원 {dept}에서 치료 중이며 향후 약 {cnt}주간 안정 가료가 필요함. 담당의 {d}, 전문의 자격 제{slic}호",
    "환 자 명 : {p:sp}\n진 단 명 : {dx}\n상병코드 : {kcd}\n의 사 명 : {d:sp} (서명)\n면허번호 : {lic}",
    "상기 환자 {p:는} {date} 타 병원에서 {dx} 진단 후 본원으로 전원됨. 보호자 {g}({rel}) 동의하에 {op} 시행 예정. 주치의 {d}",
    "환자명/{p}/주민번호/{rrn}/상병/{kcd}/진료과/{dept}/담당의/{d}/면허/{lic}",
    "| 성명 | {p} | 주민등록번호 | {rrn} |\n| 병명 | {dx} | 코드 | {kcd} |\n| 의사 | {d} | 면허번호 | {lic} |",
    "patient_name={p}; rrn={rrn}; kcd={kcd}; doctor={d}; license_no={lic}; hospital={hosp}",
    "최종 진단: {kcd} {dx}. 임상 경과상 재발 소견 없음. — {hosp} {dept} 전문의 {d} (전문의 자격번호 {slic}, 의사면허 {lic})",
    "{date} {denthosp} 치과의사 {d}(치과의사 면허 제{lic}호)가 {p} 환자의 하악 제1대구치 발치 시행. 보호자 {g} 입회.",
    "{hanhosp} 한의사 {d} 면허번호 제 {lic} 호 / 환자 {p} / 상병 {kcd} {dx} / 침술 {cnt}회",
    "향후치료 소견: {p} ({sex}, {age}세) - {dx}({kcd}) 상태로 {op} 후 {cnt}주 재활 요함. 진단의사 {d} / 면허 {lic} / {date}",
    "진단서 발급의사 {d:sp2} / 의사면허 제{lic}호 / {hosp} / 환자 {p:sp2} 님 / {dx}",
    # --- 수술기록 / 간호기록
    "[수술기록]\n수술일: {date}   환자: {p} (등록번호 {chart})\n수술명: {op} ({edi})\n집도의: {d}   보조의: {d2}   마취의: {d3}\n수술 후 진단: {dx} {kcd}",
    "{date} {op} 시행함. 집도의 {d} 교수, 마취통증의학과 {d2}. 수술 중 특이사항 없음. 소독간호사 {n}, 순환간호사 {n2}.",
    "수술확인서 / 성명 {p} / 병록번호 {chart} / 수술명 {op} / 수술코드 {edi} / 수술일자 {date} / 수술의사 {d} (면허 {lic})",
    "Op note: Pt. {p}, {age}/{sexe}. Dx) {kcd}. Op) {op}. Surgeon: Dr. {d}, Assist: {d2}. EBL 150cc, no complication.",
    "{time} 간호사 {n} : {p} 환자 활력징후 안정, 보호자 {g}({rel}) 상주 중. {drug} 투여함.",
    "회진: {d} 교수, 전공의 {d2}, 담당간호사 {n}. {p:는} 통증 호소 줄어들어 {date2} 퇴원 예정.",
    "투약 이중확인 - 간호사 {n} (면허번호 {nlic}) / 간호사 {n2} (면허 {nlic2}) / {drug} / 환자 {p}",
    "협진의뢰: {dept}→{dept2}, 의뢰의 {d}, 회신의 {d2}. {p} 환자 {dx}({kcd}) 소견으로 추가 검사 권고.",
    "[의료진 정보] 담당의: {d} / 면허번호: {lic} / 전문의 자격번호: {slic} / 진료과: {dept}\n[의료진 정보] 주치의: {d2} / 면허번호: {lic2}",
    "의사 성명  {d}  (인)\n면허번호 제 {lic} 호   전문의 제 {slic} 호\n발행일 {date}",
    "{d} 선생님께서 {p} 님의 수술을 집도하셨고, 수술 후 {n} 간호사가 경과를 관찰하였습니다.",
    "응급실 기록: {time} 구급차로 내원, 보호자 {g}({rel}, {ph}) 동반. 주호소 복통. 응급의학과 {d} 진료 후 {dx} 의심.",
    # --- 영수증 / 세부내역 / 입퇴원
    "진료비 영수증 메모: 환자 {p}, 진료기간 {date}~{date2}, 진료과 {dept}, 본인부담금 {amt}, 공단부담금 {amt2}, 비급여 {amt3}, 진료비 총액 {tot}",
    "영수증번호 {no}  등록번호 {chart}  환자성명 {p}  {dept}  {edi} {amt}",
    "세부내역] {date} {edi} 처치및수술료 {amt} / {date2} {drug} 투약및조제료 {amt2} — 수진자 {p}",
    "입퇴원확인서: {p} ({rrn}) 입원일 {date} 퇴원일 {date2} 진단명 {dx} {kcd} 발급 {hosp} 원무과",
    "입원 {date} ~ 퇴원 {date2}, {ward} 입원. 환자 {p}, 보호자 {g}({rel}) 연락처 {ph}",
    "성명\t{p}\t주민등록번호\t{rrn}\n등록번호\t{chart}\t건강보험증번호\t{hin}\n입원일\t{date}\t퇴원일\t{date2}\n병명\t{dx}\t{kcd}",
    "ㅣ환자명ㅣ{p}ㅣ등록번호ㅣ{chart}ㅣ진료과ㅣ{dept}ㅣ보호자ㅣ{g}ㅣ",
    "카드결제 내역: {cardco} {card} 승인 {amt} {date} {hosp}. 카드 소지자 {o}",
    "카드번호 : {card}   카드사 : {cardco}   결제금액 {amt}   승인번호 {no}",
    "간병비 결제: {cardco} {card} 및 {card2} 분할 결제, 합계 {amt}. 납부자 {g}({rel})",
    "진료비 납입 확인: 납부자 {g}, 카드 {card}, 금액 {amt}, 환자 {p}",
    "환불 요청 - 결제카드 {card} (본인 {p}), 환불금액 {amt}, 환불계좌 {bank} {acct}",
    # --- 보험금 청구서
    "보험금 청구서\n피보험자: {p} / 주민등록번호: {rrn}\n수익자: {o} ({rel})\n연락처: {ph}  이메일: {em}\n주소: {addr}\n청구사유: {dx}({kcd}) 진단으로 {hosp} 입원 치료\n지급계좌: {bank} {acct} 예금주 {o}",
    "증권번호 {pol} 피보험자 {p} 님 {date} 사고로 {dx} 진단, 청구금액 {amt}",
    "신청인 {o:는} 피보험자 {p}의 {rel:로}서 보험금 수령을 위임받았습니다. 위임인 {p} (인) 수임인 {o} (서명)",
    "계약자: {o}\n피보험자: {p}\n증권번호: {pol}\n보험금 수령 계좌: {acct} ({bank}) / 예금주 {o}",
    "[보험금 지급 안내] {p} 고객님, 청구하신 {dx} 관련 보험금 {amt}이 {date}에 {bank} {acct} 계좌로 지급되었습니다.",
    "[보험금 지급 결의] 증권번호 {pol} / 피보험자 {p} / 수익자 {o} / 지급액 {amt} / 지급계좌 {bank} {acct} / 결재 {s}",
    "피보험자명:{p}주민등록번호:{rrn}연락처:{ph}이메일:{em}",
    "성 명 : {p}      주 민 번 호 : {rrn}\n주 소 : {addr}\n전화번호 : {tel}   휴대전화 : {mob}",
    "수 익 자  {o}    관 계  {rel}    은 행  {bank}    계 좌  {acct}",
    "미성년 환자 {p}({age}세). 법정대리인 {g}({rel})께서 청구함. 법정대리인 주민번호는 {rrn}이며 연락처는 {ph}입니다.",
    "청구서 주소지 {addr}로 등기 발송. 수취인 {p}. 반송 시 {tel}로 연락.",
    # --- 콜센터 / SMS / 이메일
    "[콜센터] {date} {time} 수신. 고객 {p} 본인 통화, 본인확인({rrn}) 완료. 회신번호 {ph}. 상담원 {s}",
    "보호자 {g}({rel})에게서 전화 옴. 환자 {p}의 입원 보험금 문의. 휴대폰 {mob}, 자택 {tel}. 서류는 {em}로 발송 요청.",
    "고객 요청: 주소 변경 {addr} → {addr2}. 본인확인 완료 (주민번호 {rrn}). 처리자 {s}",
    "{ph}로 문자 발송 완료 ({p} 고객님, 미비서류 {cnt}건 안내)",
    "[{ins}] {p}님, 보험금 청구가 접수되었습니다. 담당자 {s} {ph}",
    "안녕하세요 {p} 보호자 {g}입니다. 영수증 사진 보내드려요. 계좌는 {bank} {acct}이고 예금주는 {g}입니다.",
    "고객 {p}({age}세, {sex}) 민원: 담당 설계사 {s} ({ph}) 연락 두절. 차량 {car} 사고 관련 청구 건.",
    "보낸사람: {s} <{em}>\n받는사람: {p} <{em2}>\n제목: 청구 서류 보완 요청\n\n{p} 고객님, {date} 접수하신 청구 건(증권번호 {pol})과 관련하여 {hosp} 진단서 원본을 보내 주시기 바랍니다.\n{ins} 보상팀 {s} 드림 / {tel}",
    "안녕하세요, 저는 {p}의 {rel} {g}입니다. 환자 대신 청구합니다. 회신은 {em} 또는 {ph}로 부탁드립니다.",
    "{g} 씨는 환자 {p}의 {rel}이며 간병인 {o} 씨와 교대로 간병함. {g} 연락처 {ph}",
    "환자 {p:는} 의식저하 상태로 보호자 {g:가} 대리 서명함. 서명: {g} (인)",
    "보호자: {g} ({rel}), 연락처 {ph}\n보호자2: {g2} ({rel2}), 연락처 {ph2}",
    "(환자) {p} (보호자) {g} (담당의) {d}",
    "{p}님 연락처 {ph}",
    "{p:가} {date} 계단에서 넘어져 {hosp} 응급실에 내원하였고 {d} 전문의가 {dx:로} 진단함. 보호자 {g:와} 통화함.",
    "{p}씨 보호자 {g}님께서 {date} 방문하여 {hosp} 진료비 영수증 원본 제출. 회신 메일 {em}",
    # --- 손해사정 / 조사 / 로그
    "손해사정 메모: 사고일 {date}, 피해차량 {car} 운전자 {p}(운전면허 {dl}), 가해차량 {car2} 운전자 {o}. 상해 {dx} {kcd}, 치료 {hosp}.",
    "현장조사] 피보험자 {p} 자택({addr}) 방문, 배우자 {g} 면담. {hosp} {dept} 진료기록 확인(병록번호 {chart}).",
    "의료자문 의뢰: 자문의 {d} ({hosp}, 면허 {lic}) 소견 - {kcd} 후유장해 인정 어려움. 담당 손해사정사 {s}",
    "동일 사고 관련 운전자 {o} 운전면허번호 {dl}, 차량번호 {car}, 블랙박스 영상 {date} 확보. 동승자 {p}, {o2}.",
    "신분증 확인: 운전면허증 {dl} (성명 {p}), 주소 {addr}",
    "해외 치료건: 피보험자 {p} 여권번호 {pp}, 출국 {date} 입국 {date2}. 현지 진단 {dx}({kcd}).",
    "여권 사본 확인 {pp} (성명 {fn}) / 외국인등록번호 {frn}",
    "외국인 근로자 {fn} (외국인등록번호 {frn}), {hosp} 응급실 내원. 통역 동행 {o}. 연락처 {ph}",
    "Patient: {fn}, ARC No. {frn}, Passport {pp}, Tel {ph}, Dx {kcd}",
    "외국인등록증 {frn} 확인, 체류자격 E-9. 건강보험 {hin} 지역가입. 고용주 {o} {tel}",
    "건강보험증번호 {hin} / 세대주 {o} / 가입자 {p} / 관계 {rel}",
    "수진자 {p} 건강보험증 번호 {hin} 자격 확인, 의료급여 아님. 확인자 {s}",
    "전산 로그: user={s} ip={ip} action=조회 target_chart={chart} at {date} {time}",
    "모바일 청구 접수 {date} {time} / 접속 IP {ip} / 청구인 {p} / 휴대폰 {mob} / 청구 상병 {kcd}",
    "이중청구 의심: 동일 IP({ip})에서 {p}, {o} 명의로 청구 접수. 각 연락처 {ph}, {ph2}. 접속IP 변경 이력 {ip2}",
    "차량번호 {car} / 운전자 {p} / 면허 {dl} / 동승자 {o}, {o2}",
    "출국 전 여행자보험 확인: 피보험자 {p}, 여권번호 {pp}. 현지 의료비 {amt} 청구 예정. 담당 {s}",
    "통원 치료비 {amt} {cardco} {card} 일시불 결제, 카드 명의 {p}. {date} {hosp} {dept}",
    # --- 식별자 없음 (keep 만 있음)
    "상병코드 {kcd} {dx}, 수술코드 {edi}. 본인부담금 {amt}, 비급여 {amt2}. 보호자 동반 없이 내원.",
    "{dept} 외래 {date} 내원. {drug} 처방. 간호사 안내 후 귀가. 특이사항 없음.",
    "주치의 소견상 {dx}({kcd}) 호전 중이며, 운동치료 {edi} 주 3회 시행. 진료비 {amt}.",
    "{hosp} {dept} 입원 {date}~{date2}. 상병 {kcd}. 보호자 상주 불필요. 정상 식이.",
    "[[김장]] 중 칼에 손가락 베임. 단순 열상으로 봉합술 시행. {hosp} [[응급의학과]]. 진료비 {amt}.",
    "이상 소견 없음. 조직검사 결과 {kcd} 배제. {drug} 지속 복용 권고. 담당 간호사 부재로 보호자에게 설명함.",
    "청구 서류 보완 요청: 진단서, 진료비 세부내역서, 입퇴원확인서 원본. 청구 금액 {amt} 중 {amt2} 부지급 예정.",
    "보험금 산정: 입원일당 {amt}, 수술비 {amt2}, 진단비 {amt3}, 합계 {tot}. 지급일 {date}.",
    "KCD {kcd} / EDI {edi} / {op} / {dept} / {date} / 조영제 사용 / {amt}",
    "[[한방]] 치료: 침술, 부항, 약침. {hanhosp} [[한방내과]]. 급여 {amt}, 비급여 {amt2}. 상병 {kcd}.",
    "진단명 {dx}, {dept} 전문의 진료 후 [[재활의학과]] 협진. {op}({edi}) 시행. 장기 입원 필요성 낮음.",
    "간호기록: 환자 수면 중, 보호자 귀가. {drug} 투약. 오심 호소 없음. 담당의 회진 {date}.",
    "보호자 면담: 수술 동의서 설명 완료. 마취 전 금식 확인. {dept} 수술 예정일 {date}. 예상 비용 {amt}.",
    "{hosp}에서 {date} {op} 받음. 재수술 아님. 영수증 금액 {amt}, 세부내역서 코드 {edi}. [[장염]] 병력 없음.",
    "[[신경차단술]] 후 통증 감소, [[물리치료]] 병행. 주치의 판단으로 {date} 퇴원. {kcd} {dx}. [[조영제]] 부작용 없음.",
]


def main():
    rng = random.Random(SEED)
    rows, roles, seen = [], collections.Counter(), set()
    for tpl in TEMPLATES:
        for _ in range(PER_TEMPLATE):
            while True:
                row, local = render(tpl, rng)
                if valid(row) and row["text"] not in seen:
                    break
            seen.add(row["text"])
            roles.update(local)
            rows.append(row)
    rng.shuffle(rows)
    with OUT.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    types = collections.Counter(s["type"] for r in rows for s in r["spans"])
    print(f"wrote {len(rows)} lines from {len(TEMPLATES)} templates to {OUT}")
    print(f"lines without identifiers: {sum(not r['spans'] for r in rows)}")
    for t, c in sorted(types.items(), key=lambda x: -x[1]):
        print(f"  {t:24s} {c}")
    print("  name spans by role: " + ", ".join(f"{k} {v}" for k, v in sorted(roles.items())))


if __name__ == "__main__":
    main()
