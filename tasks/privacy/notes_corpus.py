"""Seeded generator of synthetic Korean insurance-claim free-text lines with
character-offset annotations of personal identifiers (training data for a
sequence tagger).

Written 2026-12-04, independently of the project's PII detector: the only
inputs were the shared domain reference (domain.md) and a written brief. No
project code was read or imported; the module uses the standard library only.

Each line imitates text found in and around claim documents: 진단서/소견서
remarks, 수술기록 notes, 영수증/세부내역 memos, 입퇴원확인서 lines, 보험금 청구서
fields, call-centre and adjuster notes, e-mail, SMS and OCR'd form lines. Every
value is synthetic (names, numbers and addresses are random).

Span types: name rrn phone card account email address chart_no
health_insurance_no medical_license driver_license passport
foreign_registration_no vehicle_no ip_address policy_no.

Decisions (applied consistently):
* 청구번호, 접수번호, 사고번호, 영수증번호, 카드 승인번호 and 인증번호 identify a bill
  or a case, not a person: they are kept, never annotated.
* A hospital's own address, switchboard/fax number and 1588-style call-centre
  numbers do not identify the patient (domain.md): kept, not annotated. A
  person's phone - including an adjuster's or agent's direct line - is.
* medical_license spans cover the digits only (`제 12345 호` -> `12345`); a
  driver licence in the old `서울 12-345678-90` form includes the region word.
* Masked values (`900101-1******`, `010-****-5678`, `1234-****-****-3456`)
  are still annotated with their type: they still leak part of the value.
* Birth dates are never generated on their own, so dates are always keep.

Usage: python tasks/privacy/notes_corpus.py OUT.jsonl --n 2000 --seed 1
"""
from __future__ import annotations

import argparse
import json
import random
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable


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


TYPES = ("name", "rrn", "phone", "card", "account", "email", "address", "chart_no",
         "health_insurance_no", "medical_license", "driver_license", "passport",
         "foreign_registration_no", "vehicle_no", "ip_address", "policy_no")

# --------------------------------------------------------------------------- names
_COMMON = "김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구나민진지엄채원천방공현함변염여추도소석선설마길연위표명기반라왕금옥육인맹제모탁국어은편용"
_RARE = ("가 간 갈 감 개 견 경 계 곡 괴 교 군 궁 궉 근 내 난 낭 뇌 누 단 담 당 대 돈 동 두 등 란 랑 려 로 뢰 룡 륙 리 림 량 렴 "
         "만 매 묘 무 묵 미 범 복 봉 부 비 빈 빙 사 삼 상 섭 수 순 승 시 십 아 애 야 엽 영 예 온 옹 완 요 운 원 음 자 저 "
         "점 종 좌 준 즙 증 창 척 초 춘 탄 태 판 팽 평 포 풍 피 필 학 해 형 호 화 환 후 흥 각 갑 곤 골 관 광 낙 덕 독 련 "
         "루 린 번 벽 별 새 색 생 술 울 웅 을 잠 죽 질 책 처 철 촉 총 충 치 쾌 타 탕 토 통 퉁 할 혁 훈 희 묵 서 "
         "순 양 왕 진 지 편 표").split()
_DOUBLE = "남궁 황보 제갈 선우 독고 사공 서문 동방 어금 망절 소봉 장곡 강전".split()
SURNAMES = tuple(dict.fromkeys(list(_COMMON) + _RARE + _DOUBLE))
_GIVEN = ("민 서 지 준 현 우 영 수 진 하 연 은 유 예 도 윤 재 성 혜 경 정 미 희 숙 자 철 호 석 훈 태 동 상 용 기 승 주 원 선 아 나 "
          "다 채 소 시 혁 건 규 범 한 찬 빈 율 온 로 솔 담 결 령 란 옥 순 덕 남 복 분 춘 길 만 식 근 환 일 웅 필 학 효 휘 완 열 인 "
          "명 문 병 배 봉 세 신 애 양 엽 욱 운 의 익 종 중 창 천 청 초 충 택 해 향 형 홍 화 겸 강 관 광 국 권 균 극 금 다 대 두 "
          "래 린 모 무 미 백 보 부 비 사 산 삼 새 설 섭 송 슬 심 안 엄 여 오 왕 요 위 이 임 장 전 제 조 지 찬 탁 탄 평 표 풍").split()
_NATIVE2 = ("하늘 슬기 보람 나래 다운 아름 한결 가람 나리 다솜 단비 마루 미르 바다 빛나 새롬 샛별 소리 송이 아라 예슬 은비 이슬 초롱 "
            "하람 한별 해솔 가온 누리 다온 라온 로운 새봄 꽃님 구슬 보배 한울 우람 힘찬 별님 봄이 여름 가을 노을 들 별 솔 봄 빛 결").split()
_WORDLIKE = "사랑 기쁨 소망 믿음 진주 미래 지혜 수정 영광 평화 은혜 진리 소라 우주 태양 나라 정의 희망 용기 성실 장미 하나 보석".split()
_NATIVE3 = "은하수 한가람 빛나라 아름솔 새로미 보라미 하늘솔 한아름 초롱별 온누리 한별이 다솜이".split()
FOREIGN = (("마이클 스미스", "미국"), ("응우옌 티 란", "베트남"), ("쩐 반 남", "베트남"), ("팜 티 흐엉", "베트남"),
           ("왕웨이", "중국"), ("리우양", "중국"), ("장리핑", "중국"), ("타나카 유키", "일본"), ("사토 히로시", "일본"),
           ("올가 이바노바", "러시아"), ("세르게이 페트로프", "러시아"), ("존 밀러", "미국"), ("사라 존슨", "캐나다"),
           ("마리아 산토스", "필리핀"), ("호세 레예스", "필리핀"), ("바트바야르", "몽골"), ("아지즈 카리모프", "우즈베키스탄"),
           ("솜차이 분마", "태국"), ("람 바하두르", "네팔"), ("소피아 첸", "대만"), ("다니엘 뮐러", "독일"), ("속 피셋", "캄보디아"))
# two-syllable names that are ordinary words in these notes: never generated as names
_NOT_NAMES = set("정상 이상 조직 전원 안정 강화 신경 소견 한방 임상 진단 주사 고지 공단 기타 성명 서명 보호 환자 담당 조사 하지 상지 "
                 "요추 경추 이하 이후 이전 전후 주치 방문 수술 추가 유지 지급 구상 조정 표준 기준 우측 좌측 양측 본인 부재 동의 "
                 "전화 주소 계좌 상담 고객 원장 의사 간호 정형 내과 외과 신청 접수 청구 입원 퇴원 진료 치료 상해 사고 사망 성별".split())
_TOP = "김이박최정강조윤장임한오서신권황안송류전홍"


def _given(r: random.Random) -> str:
    x = r.random()
    if x < 0.72:
        return r.choice(_GIVEN) + r.choice(_GIVEN)
    if x < 0.82:
        return r.choice(_NATIVE2)
    if x < 0.88:
        return r.choice(_WORDLIKE)
    if x < 0.94:
        return r.choice(_GIVEN)
    return r.choice(_NATIVE3)


def person_name(r: random.Random) -> str:
    """A person's name: 2-5 Hangul syllables, surname first, or a foreign name in Hangul."""
    while True:
        x = r.random()
        if x < 0.03:
            return r.choice(FOREIGN)[0]
        if x < 0.11:
            sur = r.choice(_DOUBLE)
        elif x < 0.68:
            sur = r.choice(_TOP)
        else:
            sur = r.choice(SURNAMES)
        name = sur + _given(r)
        if name not in _NOT_NAMES and 2 <= len(name) <= 5:
            return name


def _spaced(name: str) -> str:
    return " ".join(name) if " " not in name else name


# --------------------------------------------------------------------------- numbers
def _d(r: random.Random, n: int) -> str:
    return "".join(r.choice("0123456789") for _ in range(n))


def _dn(r: random.Random, n: int) -> str:          # n digits, no leading zero
    return str(r.randint(1, 9)) + _d(r, n - 1)


def _rrn_digits(r: random.Random, foreign: bool) -> tuple[str, str]:
    y = r.choices([r.randint(1935, 1999), r.randint(2000, 2023)], [0.8, 0.2])[0]
    d0 = date(y, 1, 1) + timedelta(r.randrange(365))
    head = f"{y % 100:02}{d0.month:02}{d0.day:02}"
    g = (5 if y < 2000 else 7) if foreign else (1 if y < 2000 else 3)
    g += r.randint(0, 1)
    body = head + str(g)
    if y >= 2020 and d0.month >= 10 or r.random() < 0.1:   # issued since Oct 2020: random tail
        return head, str(g) + _d(r, 6)
    body += _d(r, 5)
    s = sum(int(c) * w for c, w in zip(body, (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)))
    return head, body[6:] + str((11 - s % 11) % 10)


def _rrn_fmt(r: random.Random, head: str, tail: str, masked: bool = False) -> str:
    if masked or r.random() < 0.18:
        m = r.choice(["*", "*", "●", "X", "x"])
        tail = tail[0] + m * 6 if r.random() < 0.8 else m * 7
    return head + r.choices(["-", "", " ", " - "], [0.72, 0.14, 0.1, 0.04])[0] + tail


def rrn(r, masked=False):
    return _rrn_fmt(r, *_rrn_digits(r, False), masked=masked)


def frn(r):
    return _rrn_fmt(r, *_rrn_digits(r, True))


def mobile(r):
    a, b = _d(r, 4), _d(r, 4)
    x = r.random()
    if x < 0.04:
        return f"01{r.choice('16789')}-{_dn(r, 3)}-{b}"
    if x < 0.10:
        return f"010-****-{b}" if r.random() < 0.7 else f"010-{a[:2]}**-**{b[2:]}"
    return r.choices([f"010-{a}-{b}", f"010{a}{b}", f"010 {a} {b}", f"+82-10-{a}-{b}", f"010.{a}.{b}",
                      f"+82 10 {a} {b}", f"(010) {a}-{b}"], [50, 15, 10, 7, 6, 3, 3])[0]


def landline(r):
    area = r.choice(["02", "02", "031", "032", "033", "041", "042", "043", "051", "052", "053", "054", "055",
                     "061", "062", "063", "064", "070"])
    mid = _dn(r, 3) if area == "02" and r.random() < 0.4 else _dn(r, 4)
    return r.choices([f"{area}-{mid}-{_d(r, 4)}", f"{area}){mid}-{_d(r, 4)}", f"{area} {mid} {_d(r, 4)}"],
                     [85, 8, 7])[0]


def card(r):
    pre = r.choice(["4", "5", "9410", "9490", "35", "5365", "4518", "6243"])
    body = pre + _d(r, 15 - len(pre))
    tot = 0
    for i, c in enumerate(reversed(body)):             # Luhn: double every second digit from the check digit
        v = int(c) * (2 if i % 2 == 0 else 1)
        tot += v - 9 if v > 9 else v
    num = body + str((10 - tot % 10) % 10)
    g = [num[i:i + 4] for i in range(0, 16, 4)]
    x = r.random()
    if x < 0.12:
        g = [g[0], g[1][:2] + "**", "****", g[3]] if r.random() < 0.5 else [g[0], "****", "****", g[3]]
    return r.choices(["-".join(g), " ".join(g), "".join(g)], [70, 15, 15])[0] if x >= 0.12 else "-".join(g)


BANKS = {"국민은행": [6, 2, 6], "KB국민": [6, 2, 6], "신한은행": [3, 3, 6], "우리은행": [4, 3, 6], "하나은행": [3, 6, 5],
         "NH농협": [3, 4, 4, 2], "농협은행": [3, 4, 4, 2], "IBK기업은행": [3, 6, 2, 3], "카카오뱅크": [4, 2, 7],
         "토스뱅크": [4, 4, 4], "케이뱅크": [3, 3, 6], "우체국": [6, 2, 6], "SC제일은행": [3, 2, 6], "새마을금고": [4, 2, 6, 1],
         "신협": [3, 3, 6], "수협은행": [3, 2, 6], "부산은행": [3, 4, 4, 2], "대구은행": [3, 2, 6, 1], "광주은행": [3, 3, 6]}


def account(r, bank: str | None = None):
    groups = BANKS.get(bank or "", None) or r.choice(list(BANKS.values()))
    parts = [_d(r, n) for n in groups]
    if bank == "카카오뱅크":
        parts[0] = "3333"
    elif bank == "토스뱅크":
        parts[0] = "1000"
    parts[0] = str(r.randint(1, 9)) + parts[0][1:] if parts[0][0] == "0" else parts[0]
    return r.choices(["-".join(parts), "".join(parts), " ".join(parts)], [75, 20, 5])[0]


_ROM = ("minsu jiwoo seoyeon haneul jihun yuna dohyun seojun hayoon eunji sujin hyunwoo kim lee park choi jung kang cho "
        "yoon jang lim han oh shin kwon hwang ahn song ryu jeon hong sky blue happy sunny mom papa love star moon dream "
        "hope angel tiger bear nuri bada sol byul goodday lucky").split()
_DOMAINS = ("naver.com naver.com gmail.com gmail.com daum.net hanmail.net kakao.com nate.com hotmail.com outlook.com "
            "yahoo.co.kr icloud.com korea.kr hanbit-corp.co.kr snu.ac.kr daehan-ins.co.kr").split()


def email(r):
    a = r.choice(_ROM)
    local = r.choice([a, a + r.choice(".-_") + r.choice(_ROM), a + _d(r, r.randint(2, 4)),
                      a + r.choice(_ROM) + _d(r, 2), r.choice(_ROM)[0] + "." + a])
    if r.random() < 0.05:
        local = local[:2] + "***"
    return f"{local}@{r.choice(_DOMAINS)}"


# --------------------------------------------------------------------------- addresses
REGIONS = {
    "서울특별시": "강남구 서초구 송파구 마포구 종로구 중구 용산구 성동구 광진구 동대문구 중랑구 성북구 강북구 도봉구 노원구 은평구 서대문구 양천구 강서구 구로구 금천구 영등포구 동작구 관악구 강동구",
    "부산광역시": "해운대구 수영구 부산진구 동래구 남구 사하구 금정구 연제구 북구 기장군",
    "대구광역시": "수성구 달서구 중구 북구 동구 달성군",
    "인천광역시": "연수구 남동구 부평구 계양구 서구 미추홀구 강화군",
    "광주광역시": "서구 북구 광산구 남구 동구",
    "대전광역시": "유성구 서구 중구 동구 대덕구",
    "울산광역시": "남구 중구 동구 북구 울주군",
    "세종특별자치시": "",
    "경기도": "수원시 팔달구|수원시 영통구|수원시 장안구|성남시 분당구|성남시 수정구|고양시 일산동구|고양시 덕양구|용인시 수지구|용인시 기흥구|안양시 동안구|부천시|화성시|남양주시|평택시|의정부시|파주시|김포시|광명시|하남시|양평군",
    "강원특별자치도": "춘천시 원주시 강릉시 속초시 홍천군",
    "충청북도": "청주시 흥덕구|청주시 상당구|충주시|제천시|음성군",
    "충청남도": "천안시 서북구|천안시 동남구|아산시|공주시|서산시|당진시",
    "전북특별자치도": "전주시 완산구|전주시 덕진구|익산시|군산시|남원시",
    "전라남도": "목포시 여수시 순천시 나주시 무안군 해남군",
    "경상북도": "포항시 남구|포항시 북구|구미시|경주시|안동시|경산시|칠곡군",
    "경상남도": "창원시 성산구|창원시 의창구|창원시 마산합포구|김해시|진주시|양산시|거제시|통영시",
    "제주특별자치도": "제주시 서귀포시",
}
_SHORT = {"서울특별시": "서울", "부산광역시": "부산", "대구광역시": "대구", "인천광역시": "인천", "광주광역시": "광주",
          "대전광역시": "대전", "울산광역시": "울산", "세종특별자치시": "세종", "경기도": "경기", "강원특별자치도": "강원",
          "충청북도": "충북", "충청남도": "충남", "전북특별자치도": "전북", "전라남도": "전남", "경상북도": "경북",
          "경상남도": "경남", "제주특별자치도": "제주"}
_ROADS = ("테헤란로 강남대로 봉은사로 도산대로 올림픽로 세종대로 한강대로 중앙로 시청로 번영로 월드컵로 양재대로 해운대로 수영로 "
          "동대로 중부대로 경수대로 덕영대로 판교역로 호수로 성안로 충장로 계룡로 대학로 문화로 평화로 새마을로 역전로 "
          "매봉로 노해로 은행로 꽃마을로 산업로 공원로 구월로 달구벌대로 상무대로 한누리대로 도움로 연삼로 삼일대로 백제대로").split()
_DONGS = ("역삼동 삼성동 대치동 인계동 매탄동 정자동 서현동 상계동 중계동 화정동 연산동 좌동 범어동 송도동 구월동 둔산동 "
          "봉명동 상무동 용당동 신정동 목동 합정동 망원동 수유동 방배동 잠실동 석촌동 부전동 전포동 노형동 연동 율량동 "
          "불당동 효자동 중앙동 신림동 봉천동 창동 길동 천호동").split()
_EUPS = ("양평읍 양근리|해남읍 구교리|왜관읍 석전리|홍천읍 연봉리|음성읍 읍내리|기장읍 대라리|화도읍 마석우리|"
         "조천읍 함덕리|온산읍 덕신리").split("|")
_APTS = "래미안 자이 푸르지오 힐스테이트 e편한세상 아이파크 롯데캐슬 현대 주공 한신 삼성 우성 쌍용 벽산 한양수자인 더샵".split()


def address(r, tail: bool = True):
    prov = r.choice(list(REGIONS))
    units = [u for u in re.split(r"[ |]" if "|" not in REGIONS[prov] else r"\|", REGIONS[prov]) if u]
    city = r.choice(units) if units else ""
    head = " ".join(x for x in ((_SHORT[prov] if r.random() < 0.3 else prov), city) if x)
    dong = r.choice(_DONGS)
    if r.random() < 0.62:                                # road-name form
        road = r.choice(_ROADS)
        if r.random() < 0.3:
            road += f"{r.randint(1, 120)}번길" if r.random() < 0.6 else f" {r.randint(1, 60)}길"
        num = str(r.randint(1, 999)) + (f"-{r.randint(1, 30)}" if r.random() < 0.2 else "")
        s = f"{head} {road} {num}"
        if tail:
            s += r.choices(["", f", {r.randint(1, 20)}층", f", {r.randint(101, 120)}동 {r.randint(1, 25)}{r.randint(1, 4):02}호",
                            f" {r.randint(1, 5)}{r.randint(1, 4):02}호", f", {r.randint(101, 115)}동 {r.randint(1, 25)}{r.randint(1, 4):02}호 ({dong}, {r.choice(_APTS)}아파트)",
                            f" ({dong})", f", {r.randint(2, 5)}층 {r.randint(2, 5)}0{r.randint(1, 9)}호"],
                           [20, 15, 25, 10, 12, 10, 8])[0]
        return s
    if "군" in city and r.random() < 0.6:                # lot form, rural
        eup = r.choice(_EUPS)
        s = f"{head} {eup} {r.randint(1, 999)}" + (f"-{r.randint(1, 20)}" if r.random() < 0.5 else "")
    else:
        lot = ("산" if r.random() < 0.05 else "") + str(r.randint(1, 1999)) + (f"-{r.randint(1, 40)}" if r.random() < 0.6 else "")
        s = f"{head} {dong} {lot}"
    if tail:
        s += r.choices(["", f" {r.choice(_APTS)}아파트 {r.randint(101, 120)}동 {r.randint(1, 25)}{r.randint(1, 4):02}호",
                        f" {r.choice(['한빛', '그린', '해오름', '대성', '청솔'])}빌라 {r.randint(1, 4)}0{r.randint(1, 3)}호", f", {r.randint(1, 5)}층"],
                       [35, 35, 15, 15])[0]
    return s


# --------------------------------------------------------------------------- other identifiers
def chart_no(r):
    y = r.randint(2005, 2025)
    return r.choice([_d(r, r.randint(6, 10)), _dn(r, 8), "000" + _d(r, 5), r.choice("ABEHKP") + _d(r, 7),
                     f"{y % 100:02}-{_d(r, 6)}", f"{y}{_d(r, 6)}", f"{_dn(r, 3)}-{_d(r, 4)}", f"{y}-{_d(r, 5)}",
                     f"P{_d(r, 8)}", f"{_d(r, 2)}-{_d(r, 2)}-{_d(r, 6)}", f"H-{y}-{_d(r, 5)}",
                     r.choice(["KU", "SN", "AM", "SH", "YS"]) + _d(r, 6), f"{_dn(r, 2)} {_d(r, 3)} {_d(r, 3)}"])


def health_ins_no(r):
    return r.choice([f"{r.randint(1, 7)}-{_d(r, 10)}", f"{r.randint(1, 7)}{_d(r, 10)}", f"{_dn(r, 4)} {_d(r, 4)} {_d(r, 3)}",
                     f"{_dn(r, 4)}-{_d(r, 4)}-{_d(r, 3)}", f"{_dn(r, 8)}-{_d(r, 2)}", _dn(r, 13), _dn(r, 10),
                     f"{_dn(r, 2)}-{_d(r, 8)}", f"{_dn(r, 5)}-{_d(r, 5)}-{_d(r, 1)}", _dn(r, 8), f"{_dn(r, 3)} {_d(r, 4)} {_d(r, 4)}"])


def med_license(r):
    return r.choice([str(r.randint(1000, 139999)), str(r.randint(10000, 99999)), f"{r.randint(1, 99999):05}",
                     str(r.randint(100000, 499999)), str(r.randint(100, 9999))])


_DL_REG = ["서울", "부산", "경기", "강원", "충북", "충남", "전북", "전남", "경북", "경남", "제주", "대구", "인천", "광주", "대전", "울산"]


def driver_license(r):
    rc = r.choice([11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 28])
    yy, mid, ck = _d(r, 2), _d(r, 6), _d(r, 2)
    return r.choices([f"{rc}-{yy}-{mid}-{ck}", f"{rc}{yy}{mid}{ck}", f"{r.choice(_DL_REG)} {yy}-{mid}-{ck}",
                      f"{r.choice(_DL_REG)}-{yy}-{mid}-{ck}", f"{rc} {yy} {mid} {ck}"], [60, 12, 15, 5, 8])[0]


def passport(r):
    x = r.random()
    if x < 0.5:
        return r.choice("MMMMSRGDO") + _d(r, 8)
    if x < 0.85:
        return r.choice("MMMS") + _d(r, 3) + r.choice("ABCDEFGHJK") + _d(r, 4)
    return r.choice(["C", "B", "E", "EA", "P", "N"]) + _d(r, 7)


_CAR_H = list("가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주허하호바사아자배")


def vehicle(r):
    h = r.choice(_CAR_H)
    two, three, four = f"{r.randint(10, 99)}", f"{r.randint(100, 699)}", _d(r, 4)
    reg = r.choice(_DL_REG)
    return r.choices([f"{two}{h}{four}", f"{three}{h}{four}", f"{three}{h} {four}", f"{reg}{two}{h}{four}",
                      f"{reg} {two}{h} {four}", f"{two}{h} {four}"], [35, 33, 10, 10, 5, 7])[0]


def ip_addr(r):
    x = r.random()
    if x < 0.1:
        g = [f"{r.randrange(65536):x}" for _ in range(8)]
        g[0] = r.choice(["2001", "fe80", "2406", "2404", "2001"])
        if r.random() < 0.7:
            k = r.randint(2, 5)
            return ":".join(g[:k]) + "::" + ":".join(g[k + 2:])
        return ":".join(g)
    if x < 0.25:
        return r.choice([f"192.168.{r.randint(0, 10)}.{r.randint(2, 254)}", f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(2, 254)}"])
    return ".".join([str(r.choice([x for x in range(1, 224) if x not in (10, 127)]))] + [str(r.randint(0, 255)) for _ in range(3)])


def policy_no(r):
    y = r.randint(2001, 2025)
    return r.choice([f"{y}-{_d(r, 4)}-{_d(r, 6)}", f"L{y}{_d(r, 8)}", f"P-{_d(r, 10)}", _dn(r, 12), f"{r.choice('ABCHK')}{_d(r, 3)}-{_d(r, 7)}",
                     f"{_dn(r, 10)}-{_d(r, 3)}", f"{r.choice(['HK', 'DB', 'MZ', 'SL', 'KB'])}-{y}{_d(r, 4)}-{_d(r, 4)}",
                     f"{r.randint(1, 9)}-{y}-{_d(r, 7)}", _dn(r, 13), f"{y}{_d(r, 8)}", f"{_dn(r, 3)}-{_d(r, 2)}-{_d(r, 7)}"])


# --------------------------------------------------------------------------- keep-value tables
KCD = (("S82.0", "슬개골 골절"), ("S82.20", "경골 골간 골절"), ("S72.00", "대퇴골 경부 골절"), ("S52.50", "요골 하단 골절"),
       ("S83.5", "전방십자인대 파열"), ("S83.2", "반월상연골 파열"), ("S93.4", "발목 염좌"), ("S32.0", "요추 골절"),
       ("S06.0", "뇌진탕"), ("S42.00", "쇄골 골절"), ("S13.4", "경추 염좌"), ("M17.1", "원발성 무릎관절증"),
       ("M51.1", "요추 추간판 장애"), ("M50.1", "경추 추간판 장애"), ("M54.5", "요통"), ("M75.1", "회전근개 증후군"),
       ("M23.2", "반월상연골 손상"), ("M48.06", "척추관 협착"), ("C50.9", "유방암"), ("C16.9", "위암"), ("C18.7", "S상 결장암"),
       ("C22.0", "간세포암"), ("C34.1", "상엽 폐암"), ("C61", "전립선암"), ("C73", "갑상선암"), ("D05.1", "유관 상피내암종"),
       ("D09.0", "방광 상피내암"), ("J18.9", "폐렴"), ("J20.9", "급성 기관지염"), ("J03.9", "급성 편도염"), ("K35.8", "급성 충수염"),
       ("K80.2", "담낭 결석"), ("K21.0", "역류성 식도염"), ("K29.7", "위염"), ("I21.9", "급성 심근경색증"), ("I63.9", "뇌경색증"),
       ("I10", "본태성 고혈압"), ("E11.9", "2형 당뇨병"), ("N20.0", "신장 결석"), ("N39.0", "요로감염"), ("H25.9", "노년 백내장"),
       ("H33.0", "망막박리"), ("A09.9", "위장염"), ("R10.4", "복통"), ("G45.9", "일과성 뇌허혈 발작"), ("K40.9", "서혜부 탈장"),
       ("N80.0", "자궁선근증"), ("D25.9", "자궁 평활근종"), ("L03.1", "봉와직염"), ("T14.0", "표재성 손상"), ("F32.9", "우울 에피소드"))
PROC = (("N0711", "관절경하 반월상연골 절제술"), ("N0712", "관절경하 반월상연골 봉합술"), ("N2072", "인공슬관절 전치환술"),
        ("N0601", "골절 관혈적 정복술"), ("N1491", "척추 후방 고정술"), ("N2470", "회전근개 봉합술"), ("Q2861", "복강경하 충수절제술"),
        ("Q7380", "복강경하 담낭절제술"), ("Q2671", "복강경하 위절제술"), ("Q2862", "충수절제술"), ("Q2751", "유방 부분절제술"),
        ("S5119", "수정체유화술"), ("M0111", "창상봉합술"), ("M0121", "변연절제술"), ("O1671", "관상동맥 스텐트 삽입술"),
        ("N0471", "경피적 척추성형술"), ("R4507", "제왕절개술"), ("Q0261", "갑상선 전절제술"), ("N0981", "골절 도수정복술"))
DEPTS = ("정형외과 내과 신경외과 외과 일반외과 산부인과 비뇨의학과 안과 이비인후과 피부과 재활의학과 가정의학과 소화기내과 "
         "순환기내과 호흡기내과 혈액종양내과 영상의학과 응급의학과 마취통증의학과 신경과 흉부외과 성형외과 치과 한방내과").split()
DRUGS = ("타이레놀 세레브렉스 울트라셋 아모잘탄 리피토 넥시움 록소프로펜 트라마돌 세파클러 아목시실린 메트포르민 헤파린 "
         "케토롤락 모르핀 페티딘 프로포폴 리도카인 덱사메타손 세프트리악손 레보플록사신 오구멘틴 가바펜틴 리리카 아스피린 "
         "플라빅스 란스톤 무코스타 에페리손").split()
ITEMS = ("진찰료 입원료 식대 투약및조제료 주사료 마취료 처치및수술료 검사료 영상진단료 방사선치료료 치료재료대 재활및물리치료료 "
         "정신요법료 전혈및혈액성분제제료").split() + ["CT 진단료", "MRI 진단료", "초음파 진단료"]
BODY = ("우측 슬관절", "좌측 슬관절", "요추부", "경추부", "우측 견관절", "좌측 족관절", "우측 손목", "복부", "흉부",
        "우측 대퇴부", "좌측 전완부", "두부", "좌측 유방", "우하복부", "골반부", "안면부", "좌측 무릎", "우측 발목")
INSURERS = ("삼성생명 한화생명 교보생명 신한라이프 삼성화재 현대해상 DB손해보험 KB손해보험 메리츠화재 흥국화재 롯데손해보험 "
            "NH농협생명 동양생명 미래에셋생명 라이나생명 AIA생명 한화손해보험 NH농협손해보험").split()
_HBRAND = "바른 튼튼 새봄 365 미소 참좋은 하나 굿모닝 열린 우리들 밝은눈 맑은 힘찬 든든 평화 연세 서울 제일 중앙 베스트 365열린 새빛".split()
_HUNIV = "서울 연세 고려 경희 한양 중앙 가톨릭 이화 부산 경북 전남 충남 아주 인하 한림 건양 영남 순천향 단국 OO".split()
_HCITY = "서울 부산 인천 대구 광주 대전 수원 분당 일산 강남 청주 전주 창원 천안 울산 OO".split()


def hospital(r):
    x = r.random()
    if x < 0.3:
        return r.choice(_HUNIV) + "대학교병원" if r.random() < 0.8 else r.choice(_HUNIV) + "대학교 부속병원"
    if x < 0.55:
        return r.choice(_HCITY) + r.choice(["", "중앙", "제일", "성모", "열린", "우리", "현대", "OO", "세란"]) + "병원"
    if x < 0.85:
        return r.choice(_HBRAND) + r.choice(["정형외과의원", "내과의원", "이비인후과의원", "안과의원", "가정의학과의원",
                                             "통증의학과의원", "재활의학과의원", "의원", "외과의원", "정형외과"])
    return r.choice(_HBRAND) + r.choice(["한의원", "한방병원", "요양병원", "재활병원", "병원"])


# --------------------------------------------------------------------------- slot fillers
def _dates(r, c, k):
    if "dates" not in c:
        c["dates"] = [date(2019, 1, 1) + timedelta(r.randrange(2550))]
        c["dfmt"] = r.choices(range(7), [30, 25, 12, 8, 10, 10, 5])[0]
    idx = int(k[4:] or 1)
    while len(c["dates"]) < idx:
        c["dates"].append(c["dates"][-1] + timedelta(r.randint(1, 21)))
    d = c["dates"][idx - 1]
    return (f"{d.year}.{d.month:02}.{d.day:02}", f"{d.year}-{d.month:02}-{d.day:02}", f"{d.year % 100:02}.{d.month}.{d.day}",
            f"{d.year}. {d.month}. {d.day}.", f"{d.year}년 {d.month}월 {d.day}일", f"{d.year}/{d.month:02}/{d.day:02}",
            f"{d.year}{d.month:02}{d.day:02}")[c["dfmt"]]


def _amount(r, c, k):
    v = r.choice([r.randrange(10, 300) * 100, r.randrange(1, 500) * 1000, r.randrange(1, 300) * 10000])
    return r.choices([f"{v:,}원", f"₩{v:,}", f"{v // 10000}만원" if v % 10000 == 0 and v >= 10000 else f"{v:,}원", f"금 {v:,}원"],
                     [70, 10, 10, 10])[0]


def _pair(c, key, r, table):
    if key not in c:
        c[key] = r.choice(table)
    return c[key]


def _bank(r, c, k):
    return _pair(c, "bank", r, list(BANKS))


def _foreign(r, c, k):
    return _pair(c, "foreign", r, FOREIGN)


def _name(r, c, k):
    n = person_name(r)
    return _spaced(n) if r.random() < (0.08 if c.get("ocr") else 0.01) else n


def _sa(r, c, k):
    s, a = r.choice(["남", "여"]), r.randint(1, 92)
    return r.choice([f"{s}/{a}세", f"{s}/{a}", f"{'M' if s == '남' else 'F'}/{a}", f"{s}, {a}세", f"{s} {a}세"])


FILL: dict[str, Callable[[random.Random, dict, str], str]] = {
    # identifiers
    "name": _name, "sname": lambda r, c, k: _spaced(person_name(r)), "fname": lambda r, c, k: _foreign(r, c, k)[0],
    "rrn": lambda r, c, k: rrn(r), "rrnm": lambda r, c, k: rrn(r, masked=True), "frn": lambda r, c, k: frn(r),
    "mob": lambda r, c, k: mobile(r), "tel": lambda r, c, k: landline(r),
    "phone": lambda r, c, k: mobile(r) if r.random() < 0.7 else landline(r),
    "card": lambda r, c, k: card(r), "acct": lambda r, c, k: account(r, c.get("bank")), "email": lambda r, c, k: email(r),
    "addr": lambda r, c, k: address(r), "chart": lambda r, c, k: chart_no(r), "hin": lambda r, c, k: health_ins_no(r),
    "lic": lambda r, c, k: med_license(r), "dl": lambda r, c, k: driver_license(r), "pp": lambda r, c, k: passport(r),
    "car": lambda r, c, k: vehicle(r), "ip": lambda r, c, k: ip_addr(r), "pol": lambda r, c, k: policy_no(r),
    # kept values
    "kcd": lambda r, c, k: _pair(c, "kcd", r, KCD)[0] if k == "kcd" else r.choice(KCD)[0],
    "dx": lambda r, c, k: _pair(c, "kcd", r, KCD)[1],
    "proc": lambda r, c, k: _pair(c, "proc", r, PROC)[0] if k == "proc" else r.choice(PROC)[0],
    "op": lambda r, c, k: _pair(c, "proc", r, PROC)[1],
    "date": _dates, "amt": _amount, "hosp": lambda r, c, k: hospital(r), "dept": lambda r, c, k: r.choice(DEPTS),
    "drug": lambda r, c, k: r.choice(DRUGS), "item": lambda r, c, k: r.choice(ITEMS), "body": lambda r, c, k: r.choice(BODY),
    "dur": lambda r, c, k: r.choice([f"{r.randint(2, 14)}일", f"{r.randint(1, 12)}주", f"{r.randint(2, 6)}개월"]),
    "stay": lambda r, c, k: r.choice([f"{r.randint(2, 45)}일", f"{r.randint(2, 45)}병일"]),
    "cnt": lambda r, c, k: f"{r.randint(1, 30)}회",
    "pages": lambda r, c, k: f"{r.randint(1, 12)}{r.choice(['매', '건', '장'])}",
    "time": lambda r, c, k: f"{r.randint(7, 21):02}:{r.choice(range(0, 60, 5)):02}",
    "age": lambda r, c, k: f"{r.randint(1, 95)}세",
    "claim": lambda r, c, k: r.choice([f"C{r.randint(2019, 2025)}-{_d(r, 4)}-{_d(r, 4)}", f"CL{_d(r, 10)}", f"{r.randint(2019, 2025)}-{_d(r, 6)}-{_d(r, 2)}"]),
    "recv": lambda r, c, k: r.choice([f"{r.randint(2019, 2025)}{_d(r, 4)}-{_d(r, 5)}", f"R-{_d(r, 9)}", f"{_dn(r, 3)}-{_d(r, 3)}-{_d(r, 3)}"]),
    "approv": lambda r, c, k: _d(r, 8), "otp": lambda r, c, k: _d(r, 6),
    "bank": _bank, "ins": lambda r, c, k: r.choice(INSURERS),
    "callc": lambda r, c, k: f"{r.choice(['1588', '1544', '1577', '1599', '1600', '1566'])}-{_d(r, 4)}",
    "htel": lambda r, c, k: landline(r), "haddr": lambda r, c, k: address(r, tail=False),
    # context words (neither annotated nor kept)
    "sa": _sa, "nation": lambda r, c, k: _foreign(r, c, k)[1],
    "rel": lambda r, c, k: r.choice(["배우자", "부", "모", "자녀", "아들", "딸", "형제", "남편", "처", "손자", "며느리"]),
    "place": lambda r, c, k: r.choice(["자택 욕실", "회사 계단", "횡단보도", "공사현장", "등산로", "헬스장", "지하주차장", "빙판길", "교차로"]),
    "accident": lambda r, c, k: r.choice(["미끄러져 넘어짐", "사다리에서 추락", "신호대기 중 후방 추돌", "자전거 전도", "계단 실족", "운동 중 부상"]),
    "job": lambda r, c, k: r.choice(["사무직", "건설 현장 근로자", "자영업", "주부", "학생", "배달원", "생산직", "무직"]),
    "company": lambda r, c, k: r.choice(["㈜한빛산업", "대성건설", "OO물산", "미래로지스", "새한전자", "㈜동방테크"]),
    "product": lambda r, c, k: r.choice(["무배당 실손의료비보험", "암보험", "종신보험", "어린이보험", "운전자보험", "건강보험 플러스"]),
    "ward": lambda r, c, k: r.choice(["7W", "본관 5병동", "신관 12층", "중환자실", "6병동", "81병동"]),
    "room": lambda r, c, k: str(r.randint(301, 1299)),
    "num": lambda r, c, k: str(r.randint(1, 9)), "min": lambda r, c, k: str(r.randint(25, 240)),
    "ml": lambda r, c, k: f"{r.randint(1, 40) * 10}mL", "pct": lambda r, c, k: f"{r.randint(1, 9) * 10}%",
    "dose": lambda r, c, k: r.choice(["500mg", "200mg", "1T", "5mg", "25mg", "1g"]),
    "bp": lambda r, c, k: f"{r.randint(100, 150)}/{r.randint(60, 95)}", "pulse": lambda r, c, k: f"{r.randint(58, 110)}회/분",
    "temp": lambda r, c, k: f"{r.randint(360, 384) / 10}℃",
}
ID_TYPE = {"name": "name", "sname": "name", "fname": "name", "rrn": "rrn", "rrnm": "rrn", "frn": "foreign_registration_no",
           "mob": "phone", "tel": "phone", "phone": "phone", "card": "card", "acct": "account", "email": "email",
           "addr": "address", "chart": "chart_no", "hin": "health_insurance_no", "lic": "medical_license",
           "dl": "driver_license", "pp": "passport", "car": "vehicle_no", "ip": "ip_address", "pol": "policy_no"}
KEEP = {"kcd", "dx", "proc", "op", "date", "amt", "hosp", "dept", "drug", "item", "body", "dur", "stay", "cnt", "pages", "time",
        "age", "claim", "recv", "approv", "otp", "bank", "ins", "callc", "htel", "haddr"}

# --------------------------------------------------------------------------- templates
# {slot} = a value (a trailing digit makes another value of the same kind: name2, date2);
# {은} {이} {을} {와} {으로} = particle chosen after the preceding syllable; {sep} = OCR column gap;
# «label» = a form label that may get OCR noise in "ocr" lines.
TEMPLATES: tuple[tuple[str, str], ...] = tuple((k, t) for k, block in {
    "diagnosis": [
        "환자명: {name}  주민등록번호: {rrn}  상병명: {dx} ({kcd})",
        "상기 환자 {name}{은} {date} {dx}{으로} 본원 {dept}에서 치료 중임.",
        "성 명 : {name}   성별/나이 {sa}   병록번호 {chart}",
        "주 상병: {kcd} {dx} / 부 상병: {kcd2}  진단일 {date}  주치의 {name2} 교수",
        "위 환자는 {date} 내원하여 {dx} 진단 하에 {dur}간의 안정 가료를 요함. 의사 {name2} (인)",
        "면허번호 제 {lic} 호  의사 성명 {name2}  {hosp} {dept}",
        "발병일 {date} 진단일 {date2} 임상적 추정 {kcd2}, 최종 진단 {kcd} — 담당의 {name2}",
        "소견: {body} {dx} 소견으로 {op} 시행 예정. 환자({name}, {age}) 보호자 동의 완료.",
        "{hosp} {dept} 전문의 {name2} (전문의 자격번호 {lic})",
        "진단서 발행일 {date}  발행 의사 {name2}  면허 {lic}  {hosp}",
        "상기인 {name} 주민번호 {rrn} 은 {dx}({kcd})로 {date}부터 {date2}까지 입원 치료 받았음",
        "의사 소견상 {dur} 이상 추가 치료 필요함. 작성자: {name2} 원장 ({hosp})",
        "故 {name} (사망일 {date}) 직접사인 {dx} {kcd}, 사망진단서 작성 의사 {name2}",
        "직접사인 {dx} ({kcd}) / 망 {name} / 주민등록번호 {rrnm} / 발행 {date}",
        "한의사 {name2} 한의사면허 제{lic}호  진단명 {dx}({kcd})  {hosp}",
        "치과의사 면허번호 {lic} / {name2} / {hosp} / 발급일 {date}",
        "향후 치료 의견: {op} 후 재활 {dur} 예상. 환자 {name} 님 및 보호자 {name3}에게 설명함.",
        "{name}({sa}) — {dx} ({kcd}), 수상일 {date}, 상해부위 {body}",
        "진단서 재발급 요청: 환자 {name}, 등록번호 {chart}, 진단일 {date}, {dept}",
        "[소견서] 환자명 {name} / 차트번호 {chart} / {kcd} {dx} / 담당의 {name2}",
        "질병분류기호 {kcd}  성명 {name}  연령 {age}  주민등록번호 {rrn}",
        "위와 같이 진단함. {date}  {hosp}  의사 {name2} ㊞",
        "{dept} 전문의 {name2} (전문의 자격번호 제 {lic} 호)  진료일 {date}",
        "건강보험증번호 {hin}  환자 {name}  진료과 {dept}  상병 {kcd}",
        "환자 {name} 씨는 {body} 통증으로 {date} 내원, X-ray 상 {dx} 확인({kcd}).",
        "Dx: {kcd} {dx}. Pt {name} ({sa}) f/u {dur} later at {dept} OPD. Dr. {name2}",
        "담당 주치의 {name2}의 소견에 따라 {op} 권유함. 진단코드 {kcd}",
        "{name2} 원장 진료, {kcd} {dx}, 물리치료 {cnt} 처방, 재진 {date2}",
    ],
    "surgery": [
        "수술명: {op}  수술일 {date}  집도의 {name2}  보조의 {name3}  마취의 {name4}",
        "Surgeon: {name2} / Assistant: {name3} / Anesthesiologist: {name4} / Op date {date}",
        "집도의 {name2} 교수, 제1조수 {name3}, 소독간호사 {name4}, 순환간호사 {name5} — {op}",
        "마취: 전신마취, 마취통증의학과 {name4} 전문의, 수술시간 {time}~{time2} ({proc})",
        "환자 {name} (등록번호 {chart}) {date} {op} 시행, 출혈량 {ml}",
        "Pt. {name}, MRN {chart}, Dx {kcd}, Op {proc}, surgeon {name2}",
        "{op}({proc}) 시행함. 집도의: {name2} (인)  {hosp} {dept}",
        "수술확인서 — 성명 {name} 주민등록번호 {rrn} 수술명 {op} 수술코드 {proc}",
        "scrub nurse {name4} / circulating {name5} / 마취 {name3} — 수술실 {num}번, {date}",
        "수술 동의서 서명: {name}(환자), 보호자 {name3} (관계: {rel}) 연락처 {mob}",
        "수술기록 작성 {name2} / 면허번호 {lic} / 작성일 {date} / {op}",
        "POD #{num} 상처 양호, 배액관 제거. 주치의 {name2}, 담당간호사 {name4} ({dept})",
        "{name2} 교수 집도 하 {op} 시행. 마취의 {name3}. 수술시간 {min}분, 특이사항 없음.",
        "수술 참여: 집도 {name2} / 보조 {name3} / 마취 {name4} / 간호 {name5}  [{proc}]",
        "Operator: {name2}  License No. {lic}  Procedure {proc}  Date {date}",
        "{date} {time} 수술실 입실, {op} 후 {time2} 회복실 이송. 담당 {name4} 간호사",
        "조직검사 결과 {kcd} 확인, 환자 {name}에게 결과 설명함 (설명 의사 {name2}, {date})",
        "수술부위 {body}, 수술 중 특이소견 없음. 기록자 {name3} 전공의, {proc}",
        "마취기록: {name} / {sa} / ASA {num} / 마취의 {name4} / 약제 {drug}, {drug2}",
        "수술 전 진단 {kcd} {dx} → 수술 후 진단 동일. 행위코드 {proc}, 집도의 {name2}",
    ],
    "receipt": [
        "진료기간 {date}~{date2}  환자성명 {name}  진료과 {dept}  본인부담금 {amt}",
        "영수증 재발행 요청 — {name} 고객, 환자번호 {chart}, 금액 {amt}",
        "카드결제 {card} 승인번호 {approv} 금액 {amt} ({date})",
        "수납 메모: 보호자 {name3} 카드({card}) 결제, 일시불 {amt}",
        "비급여 {amt} / 급여 본인부담 {amt2} / 공단부담 {amt3}  환자 {name}",
        "진료비 납부 확인서  성명 {name}  주민등록번호 {rrnm}  합계 {amt}",
        "[세부내역] {date} {proc} {item} 단가 {amt} × {cnt} — 환자번호 {chart}",
        "환불계좌: {bank} {acct} 예금주 {name}  환불액 {amt}",
        "현금영수증 발행 번호 {mob} (본인 {name}) {amt}",
        "{item} {amt}, {item2} {amt2}, {item3} {amt3}  [{name} / {chart}]",
        "영수증번호 {recv} 수납자 {name4} 결제 {amt} {date}",
        "{item} {amt} 비급여 — 환자 {name} 님 실손 청구 예정 ({hosp})",
        "진료비 계산서 발급 {date}  {hosp}  환자 {name}  외래 {cnt}",
        "카드번호 {card} / 할부 {num}개월 / 카드소유자 {name} / {amt}",
        "의료급여증 번호 {hin}  수급권자 {name}  본인부담 {amt}",
        "미수금 {amt} 발생, 보호자 {name3} {mob} 으로 납부 안내 ({date})",
    ],
    "admission": [
        "입원일 {date} 퇴원일 {date2} ({stay})  환자 {name}  병동 {ward}",
        "입·퇴원 확인서 — 성명 {name}, 주민번호 {rrn}, 입원기간 {date}~{date2}, 진단 {kcd}",
        "상기 환자 {name}{은} {date}부터 {date2}까지 {stay}간 본원에 입원하였음을 확인함. {hosp}",
        "퇴원 예정 {date2}, 보호자 {name3} 연락처 {mob}, 퇴원약 {drug} {dur}분",
        "병록번호 {chart}  입원 {date}  퇴원 {date2}  주치의 {name2}  {dept}",
        "{ward} {room}호실 {name} 님 퇴원 수속 완료, 수납 {amt}",
        "재원일수 {stay}  상병 {kcd} {dx}  등록번호 {chart}  성명 {name}",
        "입원 약정서 연대보증인 {name3} 주소 {addr} ({date})",
        "전원 의뢰: {hosp} → {hosp2}, 환자 {name}, 구급차 {car}, {date}",
        "외출/외박 신청 {name} ({chart}) {date} 보호자 {name3} 동반",
        "간호기록) {time} {name} 환자 {body} 통증 호소, {drug} 투여. 간호사 {name4}",
    ],
    "claim": [
        "피보험자 {name}  주민등록번호 {rrn}  연락처 {mob}  청구일 {date}",
        "계약자 {name}  피보험자 {name3}  증권번호 {pol}  ({ins})",
        "수익자 {name3} (관계: {rel})  지급계좌 {bank} {acct}  예금주 {name3}",
        "청구인 주소 {addr} / 청구일 {date}",
        "사고일시 {date} {time}  사고장소 {place}  사고내용 {accident}  차량번호 {car}",
        "신청인 {name} (서명)   {date}   {ins} 귀중",
        "청구서 작성자: {name}  e-mail {email}  휴대폰 {mob}",
        "보험금 수령 계좌 — {bank} / {acct} / 예금주 {name} / 청구액 {amt}",
        "청구번호 {claim} 피보험자 성명 {name} 청구금액 {amt}",
        "외국인등록번호 {frn} / 성명 {fname} / 국적 {nation} / {date} 입국",
        "여권번호 {pp}  성명 {fname}  국적 {nation}  진료일 {date}",
        "운전면허번호 {dl} (피보험자 {name})  사고차량 {car}  사고일 {date}",
        "계약번호 {pol}  상품명 {product}  피보험자 {name} ({sa})",
        "위 내용이 사실임을 확인합니다. {date} 청구인 {name} ㊞",
        "보호자(법정대리인) {name3}  관계 {rel}  연락처 {phone}  {date}",
        "개인정보 수집·이용 동의 ☑  동의자 서명: {name}  {date}",
        "직업 {job}  직장명 {company}  자택 주소 {addr}",
        "피보험자 {name} / {rrn} / {mob} / {addr}",
        "미성년자 {name}의 친권자 {name3}, {name4} 공동 청구 ({amt})",
        "청구 서류: 진단서, 영수증 / 접수번호 {recv} / 계약자 {name}",
        "자동차보험 접수 — 가해차량 {car}, 피해자 {name}, 운전자 {name3} (면허 {dl})",
        "건강보험 자격: 직장가입자, 건보증번호 {hin}, 세대주 {name3}, 발급 {date}",
        "피보험자 {name}은(는) {date} {kcd} 진단, 청구금액 {amt}, 증권 {pol}",
        "예금주 {name} 통장사본 첨부 ({bank} {acct})",
        "신청인 {name} 휴대전화 {mob} 자택 {tel}",
    ],
    "call": [
        "[콜센터] {name} 고객님 {mob} 통화, 청구 진행상황 문의. 접수번호 {recv} 안내",
        "고객 {name} 님 본인확인 완료 — 증권번호 {pol}, {kcd} 보장 문의",
        "상담원 {name4}: {name} 고객 부재로 문자 발송 ({mob}) {date}",
        "인입번호 {phone} / 고객명 {name} / 문의: {dx} 보장 여부",
        "{name} 씨 배우자 {name3} 대리 통화, 위임장 필요 안내 ({date})",
        "콜백 요청 {mob} — {time} 이후 통화 희망, 담당 {name4}",
        "녹취 {recv} 고객 {name}, 지급계좌 변경 요청 {bank} {acct}",
        "고객센터 {callc} 인입, {name} 님 {date} 수술 건 서류 안내 ({op})",
        "통화 메모) {name}님 {kcd} 입원 {stay}, 입원일당 청구 의사 있음",
        "상담이력: {date} {time} {name4} 상담원 → {name} 고객, 주소변경 {addr}",
        "고객 요청으로 이메일 {email} 로 안내문 발송 ({date})",
        "본인 아닌 자녀 {name3} 통화, 개인정보 미안내 처리 {time}",
        "{name} 고객 휴대폰 변경 {mob} → {mob2} ({date})",
        "VOC 접수: {name} 님, {hosp} 진료비 {amt} 미지급 민원",
        "ARS 본인인증 실패 {cnt}, 발신번호 {mob}, 고객명 {name}",
        "해지 문의 {name} ({pol}), 해지환급금 {amt} 안내",
        "고객 IP {ip} 에서 모바일 청구 접수, 청구번호 {claim}, {date} {time}",
        "{name} 님 카드 {card} 자동이체 변경, 보험료 {amt}",
    ],
    "adjuster": [
        "손해사정사 {name4} 현장조사: {hosp} 방문, 주치의 {name2} 면담 ({date})",
        "피보험자 {name} 과거력 조회 — {date} {hosp} {kcd} 진료 이력 있음",
        "{name} 건 의료자문 의뢰, 자문의 {name2} ({dept}) 소견 회신 {date}",
        "조사자 {name4} / 대상자 {name} / 연락처 {mob} / 방문일 {date}",
        "사고 경위: {name}{은} {date} {place}에서 {accident}. 목격자 {name3}",
        "{name}에게 의무기록 열람 동의서 징구, 병록번호 {chart}, {hosp}",
        "지급 결정: {amt} / 수익자 {name3} / {bank} {acct}",
        "부지급 사유 안내 — {name} 고객 고지의무 위반({kcd} 기왕력, {date})",
        "조사 메모 — 피보험자 주소지 {addr} 실거주 확인 ({date})",
        "보험사기 의심: {name}, 동일 병원 {hosp} {cnt} 입원, 차량 {car}",
        "가해자 {name3} 운전면허 {dl}, 피해자 {name} 진단 {dur} ({kcd})",
        "외국인 피보험자 {fname}, 외국인등록번호 {frn}, 통역 동반 면담 {date}",
        "의료기관 확인: {hosp} 원무과 {name4} 주임 통화 ({tel}), {date}",
        "{name} (계약자) / {name3} (피보험자) / 증권 {pol} / 보상담당 {name4}",
        "간병인 {name3} 사용 {dur}, 간병비 {amt} 청구, 계좌 {bank} {acct}",
        "유족 {name3} 면담, 故 {name} 사망보험금 {amt} 청구 ({kcd})",
        "신체감정 병원 {hosp}, 감정의 {name2}, 장해율 {pct}, {date}",
        "청구인 여권 사본 확인 {pp}, 출국 예정일 {date}",
        "{name} 고객과 {name4} 손해사정사 통화, 추가서류 {date}까지 제출 약속",
        "{name}{와} 통화함. {hosp} {dept} 외래 {cnt} 통원, 본인부담 {amt}",
        "피해차량 {car} 운전자 {name}{을} 상대로 구상 검토, 사고일 {date}",
    ],
    "email": [
        "보낸사람: {name} <{email}>  제목: 보험금 청구 서류 제출 ({date})",
        "받는사람 {email}; 참조 {email2}  첨부 {pages}  {date}",
        "안녕하세요, {name}입니다. {hosp} 진단서와 영수증 첨부합니다. 연락처 {mob}",
        "{name} 님께, 요청하신 {hosp} 진료기록 사본({date})을 보내드립니다.",
        "회신 주소: {email} (담당 {name4} 손해사정사, {ins})",
        "{name} 드림 / {mob} / {email} / {date}",
        "메일 원문 발신 IP {ip}, 보낸사람 {email}, 수신 {date} {time}",
        "첨부: 진단서_{name}.pdf, 영수증_{date}.jpg, {kcd}",
        "감사합니다. {name} 올림  H.P {mob}  ({date})",
        "전달된 메일 — 원본 발신자 {name3} ({email2}), {date} {time}",
        "From: {name} <{email}>  Sent: {date} {time}  Subject: {dx} 청구",
    ],
    "sms": [
        "[Web발신] {name}님 청구하신 보험금 {amt} 지급 완료되었습니다. 문의 {callc}",
        "[{ins}] {name} 고객님, 청구 서류 보완 요청드립니다. 담당 {name4} {tel}",
        "{name}님 {date} {time} {hosp} {dept} 진료 예약되었습니다.",
        "보낸이 {mob}: 엄마 진단서 떼왔어 {hosp}, {amt} 나왔어",
        "[{ins}] {name} 님 계좌 {bank} {acct} 로 {amt} 입금 예정",
        "문자수신 {mob} / {date} {time} / 내용: 서류 접수 완료",
        "[알림] 피보험자 {name} 님 {kcd} 청구건 심사중 (접수 {recv})",
        "{name} 고객님 주민번호 {rrnm} 확인, 청구 {date} 접수 ({ins})",
    ],
    "ocr": [
        "«성명:» {name}{sep}«주민등록번호:» {rrn}{sep}«발행일» {date}",
        "«환자명» {name}{sep}«등록번호» {chart}{sep}«진료과» {dept}",
        "«Chart No.» {chart}{sep}«Name» {name}{sep}«Sex/Age» {sa}{sep}{date}",
        "«성명»/{name}/{sa}/{date}/{kcd}",
        "«보호자» {name3}{sep}«관계» {rel}{sep}«전화» {phone}{sep}{hosp}",
        "«주소:» {addr}{sep}«진료일» {date}",
        "«E-mail» {email}{sep}«H.P» {mob}{sep}{date}",
        "«면허번호» {lic}{sep}«의사성명» {name2}{sep}(인){sep}{hosp}",
        "«건강보험증번호» {hin}{sep}«피보험자» {name}{sep}{date}",
        "«진료기간» {date} ~ {date2}{sep}«환자성명» {name}{sep}«본인부담금» {amt}",
        "«계좌번호» {acct}{sep}«은행» {bank}{sep}«예금주» {name}",
        "«카드번호» {card}{sep}«승인번호» {approv}{sep}«금액» {amt}",
        "«증권번호» {pol}{sep}«계약자» {name}{sep}«피보험자» {name3}{sep}{ins}",
        "«질병분류기호» {kcd}{sep}«성명» {name}{sep}«발병일» {date}",
        "«차량번호» {car}{sep}«운전자» {name}{sep}«면허번호» {dl}{sep}{date}",
        "«여권번호» {pp}{sep}«국적» {nation}{sep}«성명» {fname}{sep}{date}",
        "«외국인등록번호:» {frn}{sep}«성명:» {fname}{sep}{hosp}",
        "«접속IP» {ip}{sep}«접속일시» {date} {time}{sep}«ID» {email}",
        "{name}{sep}{rrn}{sep}{mob}{sep}{date}",
        "«의사» {name2}{sep}«면허» 제{lic}호{sep}«발행일» {date}",
        "«MRN» {chart}{sep}«Pt Name» {name}{sep}«Dx» {kcd}{sep}{dept}",
        "«환자번호» {chart}{sep}«수술코드» {proc}{sep}«수술일» {date}",
        "«신청인» {name}{sep}(서명){sep}«연락처» {phone}{sep}{date}",
        "«주민(외국인)등록번호» {rrn}{sep}«성명» {sname}{sep}{kcd}",
        "«수진자» {sname}{sep}«입원일» {date}{sep}«퇴원일» {date2}",
        "«성 명» {name} ㊞{sep}«서명일» {date}{sep}{hosp}",
        "«주 소» {addr}{sep}«전화» {tel}",
        "«Tel» {phone}{sep}«Mobile» {mob}{sep}«진료과» {dept}",
        "«간호사» {name4}{sep}«면허번호» {lic}{sep}«투약» {drug} {dose}",
    ],
    "bare": [
        "{mob}  ({date} 수신, {hosp} 관련 문의)",
        "{email}  {date} 회신, 첨부 {pages}",
        "{name} / {mob} / {date} 내원 / {dept}",
        "{name} {rrn} {kcd} {date}",
        "{rrn}  {name}  {dx}  {amt}",
        "{name} 님 {mob} {date} {hosp} 재진",
        "{addr}  {name} 앞  ({date} 발송)",
        "{ip} - - [{date} {time}] POST /claim/upload {claim}",
    ],
}.items() for t in block)

DISTRACTORS: tuple[str, ...] = (
    "보호자 없음. 환자 상태 양호, {dur} 후 외래 추시 예정 ({dept})",
    "의사 소견상 {dx} 의심, {kcd} 임상적 추정. 추가 검사 필요.",
    "성명 미기재로 서류 보완 요청 — 접수번호 {recv} ({date})",
    "서명 생략 (전자서명 대체). 발행일 {date} {hosp}",
    "담당의 변경 예정, {date} 이후 {dept} 외래로 예약",
    "이상 소견 없음. {body} X-ray 정상, {proc} 시행 {date}",
    "{hosp} 외래 침구치료 {cnt}, 비급여 {amt}, 한방병원 입원 아님",
    "청구번호 {claim} 보완 서류 도착, 심사 진행 중 ({date})",
    "수술코드 {proc} / {op} / 수술시간 {min}분 / 출혈량 {ml}",
    "주치의 소견: {dur} 안정 가료 요함. {kcd} {dx}",
    "환자 본인 내원하여 서류 수령함 ({date}, {hosp})",
    "신청인 본인, 예금주 본인 확인 완료 — 지급액 {amt}",
    "(인) 직인 날인 누락, {hosp} 재발급 필요 {date}",
    "{item} {amt} / {item2} {amt2} / 합계 {amt3}",
    "KCD {kcd} → {kcd2} 코드 변경 요청 ({dept} 확인)",
    "입원 {stay}, 재원 중 {drug} {cnt} 투여, 부작용 없음",
    "정상 범위. 혈압 {bp}, 맥박 {pulse}, 체온 {temp} ({date} {time})",
    "담당자 부재 중, 콜센터 {callc} 로 문의 바람 ({date})",
    "{hosp} 대표전화 {htel} / 소재지 {haddr}",
    "{hosp} 원무과 팩스 {htel} 로 서류 송부 ({date})",
    "접수번호 {recv} 서류 미비: 진단서 원본, 진료비 세부내역서 ({ins})",
    "인증번호 [{otp}]를 입력해 주세요. 타인에게 노출하지 마세요. {ins}",
    "환자 이름 확인 불가 (OCR 판독 불량), 수기 확인 필요 {date}",
    "피보험자 = 계약자 동일, 수익자 법정상속인, 청구 {amt}",
    "{dept} 협진 의뢰, 전원 불필요. {kcd} 경과 관찰 {dur}",
    "진료비 총액 {amt} 중 공단부담 {amt2}, 본인부담 {amt3}",
    "성명란 공란, 주민번호 마스킹 처리됨 — 원본 요청 ({date})",
    "사고번호 {claim}, 과실비율 {pct}, 대물 처리 완료 {date}",
    "{op} 후 {dur}간 깁스 고정, 목발 보행. 재진 {date}",
    "약제 {drug} {dose} 1일 {num}회 {dur}분 처방 ({dept})",
    "한방병원 입원 {stay}, 약침 {cnt}, 추나요법 {cnt2}, 진단서 {pages}, {amt}",
    "고객센터 {callc} (평일 09:00~18:00), {ins} 보상팀",
    "보호자 동반 없이 내원, 의식 명료. {kcd} {dx}",
    "주치의 지시로 {drug} 중단, {date} 재평가 예정",
    "집도의 서명란 미기재, {hosp} 원무과에 보완 요청 {date}",
    "영수증번호 {recv}  진료비 {amt}  {hosp}",
    "{hosp} 진료비 세부내역서 {item} {amt} 확인, 이상 없음",
)

TAILS = (" ({date})", " / {hosp}", "  [{kcd}]", " - {dept}", "  접수일 {date}", "  {date} {time}", ", {amt}", " ({ins})")
HEADS = ("{date} ", "{date} {time} ", "[{dept}] ", "{hosp} ", "[{ins}] ")

# (label, value template) pairs for OCR'd runs of fields
FIELDS = (("성명", "{name}"), ("환자명", "{name}"), ("주민등록번호", "{rrn}"), ("연락처", "{phone}"), ("휴대폰", "{mob}"),
          ("주소", "{addr}"), ("등록번호", "{chart}"), ("병록번호", "{chart}"), ("건강보험증번호", "{hin}"), ("증권번호", "{pol}"),
          ("계좌", "{bank} {acct}"), ("카드", "{card}"), ("E-mail", "{email}"), ("차량번호", "{car}"), ("면허번호", "{lic}"),
          ("운전면허", "{dl}"), ("여권번호", "{pp}"), ("IP", "{ip}"), ("진료과", "{dept}"), ("상병코드", "{kcd}"), ("진료일", "{date}"),
          ("입원일", "{date}"), ("금액", "{amt}"), ("수술코드", "{proc}"), ("병원", "{hosp}"), ("청구번호", "{claim}"),
          ("접수번호", "{recv}"), ("성별/나이", "{sa}"), ("보호자", "{name3}"), ("외국인등록번호", "{frn}"), ("담당의", "{name2}"))

_TOK = re.compile(r"\{([^{}]+)\}|«([^«»]+)»")
_PARTICLES = {"은": ("은", "는"), "이": ("이", "가"), "을": ("을", "를"), "와": ("과", "와"), "으로": ("으로", "로")}
_SEPS = ("   ", "  ", " | ", " / ", "    ", "|", " ")


def _slots(t: str) -> set[str]:
    return {m.group(1).rstrip("0123456789") for m in _TOK.finditer(t) if m.group(1)}


assert all(not (_slots(t) & set(ID_TYPE)) for t in DISTRACTORS + TAILS + HEADS)
assert all(_slots(t) & set(ID_TYPE) for _, t in TEMPLATES)
assert all(s in FILL or s in _PARTICLES or s == "sep" for _, t in TEMPLATES for s in _slots(t))


def _keys(t: str) -> set[str]:
    return {m.group(1) for m in _TOK.finditer(t) if m.group(1)}


def _ocr_label(r: random.Random, lab: str) -> str:
    """OCR noise on a form label only: dropped colon, a space inside the word, 0/O and 1/l swaps."""
    if lab.endswith(":") and r.random() < 0.3:
        lab = lab[:-1]
    elif lab.endswith(":") and r.random() < 0.2:
        lab = lab[:-1] + " :"
    core = lab.rstrip(" :")
    if len(core) >= 3 and "가" <= core[1] <= "힣" and r.random() < 0.15:
        i = r.randint(1, len(core) - 1)
        lab = core[:i] + " " + core[i:] + lab[len(core):]
    if r.random() < 0.35:
        for a, b in (("o", "0"), ("O", "0"), ("l", "1"), ("I", "l"), ("1", "l"), ("0", "O")):
            if a in lab:
                lab = lab.replace(a, b, 1)
                break
    return lab


def _render(r: random.Random, tpl: str, ctx: dict, ocr: bool, out: list, spans: list, keep: list) -> None:
    pos = 0
    for m in _TOK.finditer(tpl):
        out.append(tpl[pos:m.start()])
        pos = m.end()
        if m.group(2) is not None:
            out.append(_ocr_label(r, m.group(2)) if ocr else m.group(2))
            continue
        key = m.group(1)
        if key in _PARTICLES:
            prev = "".join(out)[-1:]
            o = ord(prev) - 0xAC00 if prev else -1
            jong = o % 28 if 0 <= o < 11172 else 1
            out.append(_PARTICLES[key][0 if jong and not (key == "으로" and jong == 8) else 1])
            continue
        if key == "sep":
            out.append(r.choice(_SEPS) if ocr else "  ")
            continue
        base = key.rstrip("0123456789")
        if key not in ctx["v"]:
            ctx["v"][key] = FILL[base](r, ctx, key)
        val = ctx["v"][key]
        start = sum(map(len, out))
        out.append(val)
        if base in ID_TYPE:
            spans.append(Span(ID_TYPE[base], start, start + len(val)))
        elif base in KEEP and val not in keep:
            keep.append(val)
    out.append(tpl[pos:])


def _field_run(r: random.Random) -> str:
    while True:
        fs = r.sample(FIELDS, r.randint(3, 5))
        if any(_slots(v) & set(ID_TYPE) for _, v in fs) and any(_slots(v) & KEEP for _, v in fs):
            break
    return "{sep}".join(f"«{lab}{r.choice([':', ':', '', ' :'])}» {v}" for lab, v in fs)


def _collides(text: str, spans: list, keep: list) -> bool:
    for k in keep:
        i = text.find(k)
        while i >= 0:
            if any(s.start < i + len(k) and i < s.end for s in spans):
                return True
            i = text.find(k, i + 1)
    return False


def _check(note: Note) -> None:
    t = note.text
    prev_end = -1
    for s in sorted(note.spans, key=lambda s: s.start):
        assert s.type in TYPES and 0 <= s.start < s.end <= len(t), s
        v = t[s.start:s.end]
        assert v == v.strip() and v, (t, s)
        assert s.start >= prev_end, ("overlap", t, note.spans)
        prev_end = s.end
    for k in note.keep:
        assert k in t, (t, k)
    assert not _collides(t, list(note.spans), list(note.keep)), (t, note.spans, note.keep)
    assert "\n" not in t and 20 <= len(t) <= 200, t


def _one(r: random.Random) -> Note:
    while True:
        ctx: dict = {"v": {}}
        out: list[str] = []
        spans: list[Span] = []
        keep: list[str] = []
        x = r.random()
        if x < 0.15:
            tpl, ocr = r.choice(DISTRACTORS), False
        elif x < 0.22:
            tpl, ocr = _field_run(r), True
        else:
            kind, tpl = r.choice(TEMPLATES)
            ocr = kind == "ocr"
        ctx["ocr"] = ocr
        _render(r, tpl, ctx, ocr, out, spans, keep)
        if len(_slots(tpl) & KEEP) < 2 or r.random() < 0.12:   # make sure of several kept values
            head = r.random() < 0.5
            extra = [t for t in (HEADS if head else TAILS) if not (_keys(t) & ctx["v"].keys())]
            if extra:
                more: list[str] = []
                _render(r, r.choice(extra), ctx, False, more, [], keep)
                if head:
                    shift = sum(map(len, more))
                    spans = [Span(s.type, s.start + shift, s.end + shift) for s in spans]
                    out = more + out
                else:
                    out += more
        text = "".join(out)
        if 20 <= len(text) <= 200 and not _collides(text, spans, keep) and keep:
            note = Note(text, tuple(spans), tuple(keep))
            _check(note)
            return note


def generate(n: int, seed: int) -> list[Note]:
    """n annotated lines, deterministic for (n, seed); about 15% carry no identifier at all."""
    r = random.Random(seed)
    return [_one(r) for _ in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", help="output JSONL path")
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    notes = generate(a.n, a.seed)
    counts: Counter = Counter()
    with open(a.out, "w", encoding="utf-8") as f:
        for nt in notes:
            counts.update(s.type for s in nt.spans)
            f.write(json.dumps({"text": nt.text, "spans": [{"type": s.type, "start": s.start, "end": s.end,
                                                             "text": nt.text[s.start:s.end]} for s in nt.spans],
                                "keep": list(nt.keep)}, ensure_ascii=False) + "\n")
    print(f"{len(notes)} lines, {sum(1 for nt in notes if not nt.spans)} without identifiers, "
          f"{len(TEMPLATES)} templates + {len(DISTRACTORS)} distractor templates, {len(SURNAMES)} surnames")
    for t in TYPES:
        print(f"  {t:24s} {counts[t]}")


if __name__ == "__main__":
    main()
