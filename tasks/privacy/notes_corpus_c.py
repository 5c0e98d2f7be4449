"""Independent generator C of synthetic, annotated Korean insurance-claim free text.

Written on 2026-12-04 by an independent helper from ``/work/shared/domain.md`` and a
brief only, without reading the project's detector or the other note generators.
Its value is that it reflects a separate idea of how Korean hospital and insurer
text is written, so it can be used to train and, above all, to evaluate a
personal-identifier (PII) detector against text it was not shaped by.

What it produces
----------------
``generate(n, seed)`` returns ``n`` one-line notes (deterministic for ``(n, seed)``,
unique texts within a call). Each ``Note`` has the text, the PII spans in it and a
tuple of KEEP strings: values that occur in the same line and that a de-identifier
must leave alone (KCD codes, procedure codes, dates, amounts, hospital names,
departments, drugs, lab values, doses, day/claim counts, room numbers, masked
names, representative phone numbers of insurers, words right after role words such
as ``보호자 동반`` / ``집도의 소견상``...). About 15 % of the lines hold no identifier.

The lines imitate many document kinds: 진단서/소견서 remarks, 수술기록, 진료비
세부내역서/영수증 headers flattened to one line, 입퇴원확인서, 보험금 청구서, 위임장,
현장조사 memos, 콜센터 상담 기록, 민원, 문자/카톡, e-mails, 간호기록, 의뢰서/회신서,
처방전, 사망진단서, OCR'd form lines with odd spacing and character confusions,
``|``/tab flattened tables, slash forms with labels then values in the same order,
key=value logs and English-mixed notes.

Span types
----------
name, rrn, phone, card, account, email, address, chart_no, health_insurance_no,
medical_license, driver_license, passport, foreign_registration_no, vehicle_no,
ip_address, policy_no.

Annotation conventions
----------------------
* name: the person's name only. Titles (님, 씨, 선생님, 교수, 원장, 과장 ...),
  particles (이/가/은/는/의/에게/께서 ...), brackets and signature marks
  ((인), ㊞, (서명)) stay outside. Letter-spaced names (``김 민 준``) are one span.
  Fully masked names (``김○○``, ``홍**``, ``김 모``) carry no span (they are KEEP).
  Given names alone (``민준아``) are name spans. Romanised and Hangul-transcribed
  foreign names are name spans.
* rrn: ``YYMMDD-GNNNNNN`` in all its writings, also masked after the sex digit
  (``900101-1******``). Sex digit G = 5..8 makes it foreign_registration_no.
* medical_license: the number only (``제 12345 호`` -> ``12345``), for 의사, 치과의사,
  한의사, 간호사 licences and 전문의 자격번호.
* account: the number only (the bank name stays outside).
* address: the whole address, detail (동/호/층, reference 동 in brackets) included.
* chart_no and health_insurance_no: the number only, never the label.
* phone/card/passport/driver_license/vehicle_no/ip_address/policy_no/email: the
  value only (an IP's ``:port`` stays outside).

Run ``python tasks/privacy/notes_corpus_c.py OUT.jsonl --n 2000 --seed 1`` to write
JSONL lines ``{"text", "spans": [{"type","start","end","text"}], "keep": [...]}``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable, Union

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


SPAN_TYPES: tuple[str, ...] = (
    "name", "rrn", "phone", "card", "account", "email", "address", "chart_no",
    "health_insurance_no", "medical_license", "driver_license", "passport",
    "foreign_registration_no", "vehicle_no", "ip_address", "policy_no",
)

# A segment is (kind, text); kind is "t" (plain text), "k" (keep) or a span type.
Seg = tuple[str, str]
GenOut = Union[str, list[Seg]]

DIGITS = "0123456789"

# ---------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------

_SURNAME_WEIGHTS = (
    "김:21.5 이:14.7 박:8.4 최:4.7 정:4.4 강:2.4 조:2.1 윤:2.1 장:2.0 임:1.7 한:1.5 "
    "오:1.5 서:1.5 신:1.5 권:1.4 황:1.4 안:1.4 송:1.3 류:1.1 전:1.1 홍:1.1 고:0.9 문:0.9 "
    "양:0.9 손:0.9 배:0.8 백:0.8 허:0.7 유:0.6 남:0.6 심:0.5 노:0.5 하:0.5 곽:0.4 성:0.4 "
    "차:0.4 주:0.4 우:0.4 구:0.4 민:0.3 진:0.3 나:0.3 지:0.3 엄:0.3 채:0.3 원:0.3 천:0.3 "
    "방:0.3 공:0.2 현:0.2 함:0.2 변:0.2 염:0.2 여:0.2 추:0.2 도:0.2 소:0.15 석:0.15 "
    "선:0.15 설:0.15 마:0.15 길:0.15 연:0.15 위:0.15 표:0.15 명:0.15 기:0.15 반:0.15 "
    "라:0.15 왕:0.15 금:0.15 옥:0.15 육:0.15 인:0.15 맹:0.15 제:0.15 모:0.15 탁:0.15 "
    "국:0.15 어:0.15 은:0.15 편:0.15 용:0.15 예:0.15 봉:0.15 경:0.15 사:0.15 부:0.15 "
    "가:0.15 복:0.15 태:0.15 목:0.15 형:0.15 계:0.15 피:0.15 두:0.15 감:0.15 음:0.15 "
    "빈:0.15 동:0.15 온:0.15 호:0.15 범:0.15 좌:0.15 팽:0.15 승:0.15 간:0.15 상:0.15 "
    "시:0.15 갈:0.15 남궁:0.2 황보:0.15 제갈:0.15 선우:0.15 독고:0.15 사공:0.15 서문:0.15"
)
SURNAMES: list[str] = []
SURNAME_W: list[float] = []
for _item in _SURNAME_WEIGHTS.split():
    _s, _w = _item.split(":")
    SURNAMES.append(_s)
    SURNAME_W.append(float(_w))

RARE_SURNAMES: tuple[str, ...] = (
    "남궁", "황보", "제갈", "선우", "독고", "사공", "서문", "동방", "견", "경", "계", "곽",
    "국", "궁", "단", "담", "당", "돈", "두", "맹", "묵", "반", "범", "봉", "빈", "빙", "삼",
    "섭", "순", "아", "애", "어", "엽", "옹", "요", "운", "즙", "증", "창", "초", "탄", "판",
    "팽", "평", "포", "풍", "필", "학", "해", "후", "흥", "뇌", "도", "뢰", "묘", "야",
)

GIVEN_POPULAR: tuple[str, ...] = tuple(
    "민준 서준 도윤 예준 시우 하준 지호 주원 지후 준우 준서 건우 현우 우진 선우 서진 연우 "
    "유준 정우 승우 승현 시윤 준혁 은우 지환 서연 서윤 지우 서현 하은 하윤 민서 지유 윤서 "
    "채원 지민 수아 지아 지윤 다은 은서 예은 수빈 소율 예린 하린 영수 영희 철수 순자 정숙 "
    "미숙 영호 상철 말순 춘자 옥순 봉수 금순 영자 경자 정희 명숙 광수 병철 종호 재석 동원 "
    "상훈 성민 지훈 현정 미영 은정 수진 지영 혜진 정민 경민 성호 기철 복순 판례 끝순 막례 "
    "분이 갑돌 점순 이안 로하 아인 시아 유나 태오 이든 루아 도하 재이 윤슬 하엘".split()
)
GIVEN_FIRST = "민서지준현우도윤하은예수연진영성재호동희혜정경태상승유채다나라아시건훈석철용순숙미옥남길봉광병종창환익명선규찬혁주원세한보소가율린"
GIVEN_SECOND = "준서윤우호민현진영수연희은아나경혁훈철숙자미옥순남길식환석빈율린원찬성규재정란주혜솔별결온담"
GIVEN_SINGLE: tuple[str, ...] = tuple("준 혁 훈 결 솔 별 봄 찬 담 윤 민 율 건 현 진 웅 겸 람 선 혜".split())
GIVEN_NATIVE: tuple[str, ...] = tuple(
    "하늘 바다 슬기 한별 다솜 보람 나래 아름 가람 새롬 이슬 누리 한결 빛나 초롱 은비 햇살 "
    "온유 하람 다온 라온 가온 시온 아라 소리 단비 마루 별하 해솔 그루 한울 새벽 한가람 "
    "은하수 새로미 빛나리 한아름 다보미 슬기로 꽃님 도담 예솔 나비".split()
)
# Full names that are also ordinary (often medical) words.
WORD_NAMES: tuple[tuple[str, str], ...] = (
    ("이상", "검사상 이상 소견 없음"), ("정상", "활력징후 정상 범위"), ("신장", "신장 기능 저하 없음"),
    ("정도", "통증 정도 NRS 4"), ("조정", "진통제 용량 조정"), ("유지", "현 처방 유지"),
    ("장수", "처방전 장수 2매"), ("안정", "절대 안정 필요"), ("한결", "통증 한결 나아짐"),
    ("하나", "영수증 하나 누락"), ("나라", "나라에서 지원하는 의료급여"), ("마음", "마음이 불편하다고 호소"),
    ("진주", "진주 소재 병원으로 전원"), ("방문", "방문 조사 예정"), ("주사", "주사 처치 후 귀가"),
    ("문진", "문진 결과 기왕력 없음"), ("조심", "낙상 조심 교육"),
    ("성공", "재활 치료 성공적"), ("연기", "수술 연기 요청"), ("오늘", "오늘 퇴원 예정"),
    ("사랑", "사랑니 발치"), ("고요", "수면 중 고요함"),
)
FOREIGN_FULL: tuple[str, ...] = (
    "응우옌 티 흐엉", "쩐 반 남", "팜 티 란", "레 반 투안", "응우옌반훙", "부 티 투",
    "왕웨이", "리밍", "장린", "류양", "천징", "자오레이", "쑨메이", "마리아 산토스",
    "호세 레예스", "마이클 존슨", "사라 윌리엄스", "존 스미스", "에밀리 브라운",
    "데이비드 리", "나탈리아 페트로바", "이바노프 세르게이", "드미트리 스미르노프",
    "압두라흐모노프 자수르", "카리모바 딜노자", "솜차이 웡사왓", "바트바야르 간바트",
    "람 바하두르 타파", "무하마드 아리프", "아흐메드 칸", "파티마 하산", "다나카 유키",
    "사토 하루토", "스즈키 사쿠라", "올가 김", "빅토르 최", "알렉산드르 박",
    "프리야 샤르마", "라훌 싱", "안나 코발스카", "토마스 뮐러", "줄리아 로버츠",
    "아이샤 라만", "수리야 쿠마르", "누르 아미라", "케빈 오코너", "마르코 로시",
)
ROM_SURNAMES: tuple[str, ...] = tuple(
    "Kim Lee Park Choi Jung Jeong Kang Cho Jo Yoon Yun Jang Lim Im Han Oh Seo Shin Kwon "
    "Hwang Ahn Song Ryu Yoo Jeon Hong Ko Moon Yang Son Bae Baek Heo Nam Sim Noh Ha Kwak "
    "Sung Cha Joo Woo Koo Min Jin Na Ji Um Chae Won Chun Bang Namgung Hwangbo Jegal "
    "Sunwoo Dokgo Sagong Seomun".split()
)
ROM_GIVEN: tuple[str, ...] = tuple(
    "min seo ji jun joon hyun woo do yoon ha eun ye soo su yeon jin young sung jae ho "
    "dong hee hye jung kyung tae sang seung yu chae da na ra a si gun hoon seok chul yong "
    "sun sook mi ok nam gil bong kwang byung jong chang hwan ik won bin hwa in kyu gyu "
    "rin yul on".split()
)

# ---------------------------------------------------------------------------
# Keep vocabularies (non-identifying values that must stay)
# ---------------------------------------------------------------------------

KCD: tuple[tuple[str, str, str], ...] = (
    ("J18.9", "상세불명의 폐렴", "pneumonia, unspecified"),
    ("S72.00", "대퇴골 경부의 골절, 폐쇄성", "closed fracture of femoral neck"),
    ("K35.8", "기타 및 상세불명의 급성 충수염", "acute appendicitis"),
    ("C50.9", "유방의 악성 신생물", "malignant neoplasm of breast"),
    ("M51.1", "신경뿌리병증을 동반한 요추 추간판장애", "lumbar disc disorder with radiculopathy"),
    ("S82.20", "경골 골간의 골절", "fracture of shaft of tibia"),
    ("I63.9", "상세불명의 뇌경색증", "cerebral infarction"),
    ("C16.9", "위의 악성 신생물", "gastric cancer"),
    ("C22.0", "간세포암종", "hepatocellular carcinoma"),
    ("D05.1", "관내상피내암종", "intraductal carcinoma in situ"),
    ("K80.20", "담낭결석", "gallstone without cholecystitis"),
    ("N20.0", "신장의 결석", "kidney stone"),
    ("J20.9", "상세불명의 급성 기관지염", "acute bronchitis"),
    ("A09", "감염성 위장염 및 결장염", "infectious gastroenteritis"),
    ("M17.1", "기타 원발성 무릎관절증", "primary osteoarthritis of knee"),
    ("S43.00", "어깨관절의 탈구", "dislocation of shoulder joint"),
    ("S83.50", "무릎 십자인대의 염좌 및 긴장", "sprain of cruciate ligament of knee"),
    ("E11.9", "합병증을 동반하지 않은 2형 당뇨병", "type 2 diabetes without complication"),
    ("I10", "본태성(원발성) 고혈압", "essential hypertension"),
    ("I21.9", "상세불명의 급성 심근경색증", "acute myocardial infarction"),
    ("C34.1", "상엽, 기관지 또는 폐의 악성 신생물", "malignant neoplasm of upper lobe, lung"),
    ("C73", "갑상선의 악성 신생물", "thyroid cancer"),
    ("D25.9", "상세불명의 자궁의 평활근종", "leiomyoma of uterus"),
    ("H25.9", "상세불명의 노년백내장", "senile cataract"),
    ("S52.50", "요골 하단의 골절", "fracture of lower end of radius"),
    ("R10.4", "기타 및 상세불명의 복통", "abdominal pain"),
    ("M54.5", "요통", "low back pain"),
    ("S13.4", "경추의 염좌 및 긴장", "cervical sprain"),
    ("S33.5", "요추의 염좌 및 긴장", "lumbar sprain"),
    ("C18.7", "구불결장의 악성 신생물", "sigmoid colon cancer"),
    ("C61", "전립선의 악성 신생물", "prostate cancer"),
    ("N39.0", "부위가 명시되지 않은 요로감염", "urinary tract infection"),
    ("J45.9", "상세불명의 천식", "asthma"),
    ("F32.9", "상세불명의 우울에피소드", "depressive episode"),
    ("K29.7", "상세불명의 위염", "gastritis"),
    ("B02.9", "합병증이 없는 대상포진", "herpes zoster"),
    ("L03.11", "하지의 연조직염", "cellulitis of lower limb"),
    ("S62.60", "기타 손가락의 골절", "fracture of finger"),
    ("S06.00", "뇌진탕, 열린 두개내 상처가 없는", "concussion"),
    ("M75.1", "회전근개 증후군", "rotator cuff syndrome"),
    ("K57.30", "대장의 게실증", "diverticulosis of large intestine"),
    ("D12.6", "결장의 양성 신생물", "benign neoplasm of colon"),
    ("O80", "단일 자연분만", "single spontaneous delivery"),
    ("G56.0", "손목터널증후군", "carpal tunnel syndrome"),
)
PROCS: tuple[tuple[str, str, str], ...] = (
    ("N0711", "관혈적 정복술-대퇴", "open reduction, femur"),
    ("N0601", "관혈적 정복술 및 내고정술", "ORIF"),
    ("Q2861", "복강경하 충수절제술", "laparoscopic appendectomy"),
    ("Q7380", "복강경하 담낭절제술", "laparoscopic cholecystectomy"),
    ("N1493", "척추 후방고정술", "posterior spinal fusion"),
    ("N2072", "슬관절 전치환술", "total knee arthroplasty"),
    ("N0492", "전방십자인대 재건술", "ACL reconstruction"),
    ("M0111", "단순처치", "simple dressing"),
    ("R4507", "제왕절개만출술", "cesarean section"),
    ("S5119", "수정체 유화술", "phacoemulsification"),
    ("Q1261", "위 부분절제술", "partial gastrectomy"),
    ("P4552", "갑상선 전절제술", "total thyroidectomy"),
    ("N1321", "추간판 절제술", "lumbar discectomy"),
    ("Q7654", "내시경적 점막하 박리술", "endoscopic submucosal dissection"),
    ("N0632", "경피적 핀고정술", "percutaneous pinning"),
    ("O1641", "관상동맥 스텐트 삽입술", "coronary stenting"),
    ("N0781", "관절경하 회전근개 봉합술", "arthroscopic rotator cuff repair"),
    ("Q2671", "대장 용종절제술", "colonoscopic polypectomy"),
    ("R4351", "자궁근종 절제술", "myomectomy"),
    ("N2711", "수근관 유리술", "carpal tunnel release"),
)
BILL_ITEMS: tuple[tuple[str, str, str, int], ...] = (
    ("진찰료", "AA157", "초진진찰료", 18410),
    ("진찰료", "AA257", "재진진찰료", 13150),
    ("검사료", "B1010", "일반혈액검사", 3240),
    ("검사료", "C3711", "C-반응성단백", 6820),
    ("영상진단료", "G2101", "흉부 단순촬영", 9870),
    ("CT 진단료", "HA424", "복부 CT 조영", 168300),
    ("MRI 진단료", "HI101", "요추 MRI", 412000),
    ("초음파 진단료", "EB441", "상복부 초음파", 65200),
    ("주사료", "KK010", "근육주사", 1430),
    ("처치및수술료", "M0111", "단순처치", 5920),
    ("재활및물리치료료", "MM101", "표층열치료", 1070),
    ("재활및물리치료료", "MM301", "도수치료", 80000),
    ("입원료", "AB220", "입원료(6인실)", 45000),
    ("식대", "FA100", "일반식", 5880),
    ("투약및조제료", "J1010", "내복약 조제", 2340),
    ("치료재료대", "C5100", "봉합사", 12000),
    ("마취료", "L0101", "전신마취", 153400),
)
HOSP_PREFIX: tuple[str, ...] = tuple(
    "한빛 새봄 가온 늘푸른 바른 튼튼 참조은 다온 미래 연세밝은 365열린 서울중앙 하나로 "
    "우리들 밝은눈 온누리 제일 성심 푸른숲 한마음 새빛 강남바른 해맑은 시원 부산한빛 "
    "대구새봄 인천가온 청주바른 서울김 정내과".split()
)
HOSP_TYPE: tuple[str, ...] = tuple(
    "병원 의원 정형외과의원 내과의원 재활의학과의원 요양병원 한방병원 한의원 치과의원 "
    "여성병원 대학교병원 의료원 소아청소년과의원 안과의원 신경외과병원 이비인후과의원 "
    "외과의원 통증의학과의원 비뇨의학과의원 피부과의원 척병원 관절병원".split()
)
DEPTS: tuple[str, ...] = tuple(
    "정형외과 신경외과 내과 소화기내과 순환기내과 호흡기내과 신장내과 내분비내과 "
    "혈액종양내과 외과 흉부외과 산부인과 비뇨의학과 안과 이비인후과 피부과 재활의학과 "
    "마취통증의학과 응급의학과 영상의학과 가정의학과 소아청소년과 정신건강의학과 신경과 "
    "치과 한방내과 침구과".split()
)
INSURERS: tuple[str, ...] = (
    "한빛생명", "새봄손해보험", "가온화재", "미래손해보험", "다온생명", "하나로손보",
    "늘푸른생명", "바른화재해상", "온누리라이프",
)
DRUGS: tuple[str, ...] = (
    "아세트아미노펜정 500mg", "세레콕시브캡슐 200mg", "트라마돌 50mg", "레보플록사신 500mg",
    "아목시실린/클라불란산", "세파클러캡슐", "모사프라이드", "판토프라졸 40mg",
    "에소메프라졸 20mg", "메트포르민 500mg", "암로디핀 5mg", "로수바스타틴 10mg",
    "아스피린 100mg", "클로피도그렐 75mg", "프레드니솔론 5mg", "덱사메타손", "케토롤락 주",
    "모르핀 주", "펜타닐 패치 12mcg", "세프트리악손 2g", "반코마이신 1g", "생리식염수 1L",
    "하트만 용액 1L", "인슐린 글라진", "리도카인 2%", "에페리손 50mg", "가바펜틴 300mg",
    "프레가발린 75mg", "타이레놀 ER", "울트라셋", "록소프로펜 60mg",
)
HERBS: tuple[str, ...] = ("갈근탕", "보중익기탕", "쌍화탕", "소청룡탕", "반하사심탕", "작약감초탕", "오적산", "당귀수산")
DOSES: tuple[str, ...] = ("1T tid", "2T bid", "1A IV", "30 mg IM", "1 vial IVS", "1정 1일 3회", "2캡슐 1일 2회", "5mL", "0.5T hs", "1포 tid")
LABS: tuple[str, ...] = (
    "WBC 12.4", "Hb 10.2 g/dL", "CRP 5.6 mg/dL", "AST/ALT 45/62", "HbA1c 7.8%", "Cr 1.2",
    "PLT 245K", "Na 138", "K 4.1", "BUN 18", "eGFR 72", "혈당 182 mg/dL", "PSA 8.4",
    "CEA 3.2", "ESR 38", "Albumin 3.1",
)
VITALS: tuple[str, ...] = (
    "BP 130/80", "혈압 145/92", "HR 88", "BT 37.8℃", "SpO2 97%", "RR 20", "체온 38.2도",
    "BP 108/64", "맥박 102회/분", "NRS 6점",
)
ROOMS: tuple[str, ...] = ("503호", "1207호", "712호", "605호", "302호", "1015호", "208호", "ICU 3번 베드", "811호", "1102호")
WARDS: tuple[str, ...] = ("7W", "본관 5병동", "81병동", "MICU", "NICU", "신관 11병동", "정형외과 병동", "격리병동")
TERMS: tuple[str, ...] = (
    "골다공증", "추간판탈출증", "전방십자인대 파열", "경추 염좌", "봉와직염", "급성 충수염",
    "도수치료", "체외충격파", "물리치료", "MRI 촬영", "조직검사", "위내시경", "CT 조영",
    "항암화학요법", "방사선치료", "재활치료", "보존적 치료", "경과 관찰", "깁스 고정",
    "석고붕대", "보조기 착용", "배액관 제거", "실밥 제거", "드레싱",
)
REP_PREFIX: tuple[str, ...] = ("1588", "1577", "1544", "1599", "1566", "1600", "1666", "1644")
RELATIONS: tuple[str, ...] = (
    "배우자", "처", "남편", "모", "부", "어머니", "아버지", "자녀", "장남", "차녀", "아들", "딸",
    "누나", "동생", "조모", "손자", "며느리", "사위", "법정대리인", "친권자",
)
ROLE_FOLLOW: tuple[tuple[str, str], ...] = (
    ("보호자", "동반"), ("보호자", "부재"), ("보호자", "연락 두절"), ("보호자", "면담 완료"),
    ("담당의", "소견"), ("담당의", "부재"), ("주치의", "판단"), ("주치의", "변경"),
    ("집도의", "소견상"), ("간호사", "확인"), ("간호사", "스테이션"), ("상담원", "연결"),
    ("상담원", "안내"), ("조사자", "의견"), ("피보험자", "본인"), ("수익자", "변경"),
    ("수익자", "지정"), ("예금주", "확인"), ("예금주", "불일치"), ("대리인", "자격"),
    ("신청인", "본인"), ("보조의", "없음"), ("마취의", "판단"), ("성명", "미기재"),
    ("환자", "상태"), ("의사", "지시"), ("원장", "면담"), ("교수", "회진"),
)

# Label families (plain text that precedes a value)
LBL: dict[str, tuple[str, ...]] = {
    "namelbl": ("성명", "환자명", "환자 성명", "이름", "수진자", "수진자명", "환자", "성 명", "Name"),
    "rrnlbl": ("주민등록번호", "주민번호", "주민등록 번호", "주민No", "RRN", "주민번호(앞/뒤)"),
    "phonelbl": ("연락처", "전화번호", "휴대폰", "휴대전화", "H.P", "HP", "핸드폰", "전화", "Tel", "연락처(휴대폰)", "Mobile"),
    "chartlbl": (
        "등록번호", "병록번호", "차트번호", "환자번호", "환자 ID", "ID", "MRN", "Pt No.", "Pt.No",
        "의무기록번호", "진료번호", "환자등록번호", "Chart No.", "챠트번호", "병원등록번호",
        "외래번호", "입원번호", "진료카드번호", "Reg.No", "Patient ID", "병록 번호",
    ),
    "hinlbl": (
        "건강보험증번호", "건강보험증 번호", "보험증번호", "보험증 번호", "증번호", "건보증번호",
        "가입자번호", "의료보험증번호", "건강보험 증번호", "건강보험번호", "건보 번호",
    ),
    "maidlbl": ("의료급여 번호", "의료급여증번호", "의료급여증 번호", "수급권자 번호"),
    "liclbl": ("면허번호", "의사면허번호", "면허 No.", "면허", "의사 면허번호", "License No."),
    "pollbl": ("증권번호", "보험증권번호", "계약번호", "증권No.", "Policy No.", "증권 번호"),
    "addrlbl": ("주소", "주 소", "자택주소", "거주지", "현주소", "실거주지", "주소지"),
    "dllbl": ("운전면허번호", "면허번호(운전)", "운전면허", "운전면허 No."),
    "cardlbl": ("카드번호", "결제카드", "카드 No.", "신용카드번호", "카드"),
    "emaillbl": ("이메일", "E-mail", "email", "메일", "전자우편"),
    "carlbl": ("차량번호", "차번", "사고차량", "차량 No.", "피해차량"),
    "pplbl": ("여권번호", "여권 No.", "Passport No.", "여권"),
    "drrole": ("담당의", "주치의", "진료의", "담당의사", "주치의사", "처방의", "의사", "진료의사"),
    "title": ("님", "씨", "선생님", "교수", "원장", "과장", "교수님", "원장님"),
    "sig": ("(인)", "㊞", "(서명)", "(sign)", "(印)"),
    "sex": ("M", "F", "남", "여"),
}

# Addresses: 시도 -> 시군구 -> (roads, 법정동)
ADDR: dict[str, dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "서울특별시": {
        "강남구": (("테헤란로", "논현로", "봉은사로", "도산대로", "삼성로"), ("역삼동", "대치동", "논현동", "삼성동", "개포동")),
        "마포구": (("월드컵북로", "양화로", "마포대로", "독막로"), ("합정동", "망원동", "서교동", "공덕동")),
        "노원구": (("동일로", "노원로", "상계로"), ("상계동", "중계동", "하계동")),
        "송파구": (("올림픽로", "송파대로", "위례성대로"), ("잠실동", "가락동", "문정동")),
        "관악구": (("관악로", "남부순환로", "봉천로"), ("봉천동", "신림동")),
    },
    "부산광역시": {
        "해운대구": (("해운대로", "센텀중앙로", "좌동순환로"), ("우동", "좌동", "중동")),
        "부산진구": (("중앙대로", "가야대로"), ("부전동", "전포동")),
    },
    "대구광역시": {"수성구": (("달구벌대로", "동대구로"), ("범어동", "만촌동"))},
    "인천광역시": {
        "연수구": (("컨벤시아대로", "송도과학로"), ("송도동", "연수동")),
        "남동구": (("인하로", "예술로"), ("구월동", "간석동")),
    },
    "광주광역시": {"북구": (("서암대로", "무등로"), ("용봉동", "운암동"))},
    "대전광역시": {"유성구": (("대학로", "한밭대로"), ("봉명동", "궁동"))},
    "울산광역시": {"남구": (("삼산로", "돋질로"), ("삼산동", "달동"))},
    "세종특별자치시": {"": (("한누리대로", "도움6로"), ("나성동", "보람동"))},
    "경기도": {
        "수원시 팔달구": (("효원로", "인계로"), ("인계동", "매교동")),
        "성남시 분당구": (("판교역로", "황새울로"), ("정자동", "서현동")),
        "고양시 일산동구": (("중앙로", "장항로"), ("장항동", "마두동")),
        "용인시 수지구": (("포은대로", "수지로"), ("풍덕천동", "죽전동")),
        "화성시": (("동탄대로", "병점중앙로"), ("반송동", "병점동")),
    },
    "강원특별자치도": {
        "춘천시": (("중앙로", "후석로"), ("효자동", "퇴계동")),
        "원주시": (("원일로", "단구로"), ("단계동", "무실동")),
    },
    "충청북도": {"청주시 상당구": (("상당로", "용암로"), ("용암동", "금천동"))},
    "충청남도": {"천안시 서북구": (("불당대로", "검은들로"), ("불당동", "성정동"))},
    "전북특별자치도": {"전주시 완산구": (("팔달로", "효자로"), ("효자동", "서신동"))},
    "전라남도": {"순천시": (("중앙로", "연향로"), ("연향동", "조례동"))},
    "경상북도": {"포항시 남구": (("포스코대로", "대잠로"), ("대잠동", "이동"))},
    "경상남도": {"창원시 성산구": (("중앙대로", "원이대로"), ("상남동", "중앙동"))},
    "제주특별자치도": {"제주시": (("연북로", "노형로"), ("노형동", "연동"))},
}
SIDO_SHORT: dict[str, tuple[str, ...]] = {
    "서울특별시": ("서울", "서울시"), "부산광역시": ("부산", "부산시"), "대구광역시": ("대구",),
    "인천광역시": ("인천",), "광주광역시": ("광주",), "대전광역시": ("대전",), "울산광역시": ("울산",),
    "세종특별자치시": ("세종", "세종시"), "경기도": ("경기", "경기도"), "강원특별자치도": ("강원", "강원도"),
    "충청북도": ("충북",), "충청남도": ("충남",), "전북특별자치도": ("전북",), "전라남도": ("전남",),
    "경상북도": ("경북",), "경상남도": ("경남",), "제주특별자치도": ("제주", "제주도"),
}
APTS: tuple[str, ...] = ("래미안", "자이", "푸르지오", "힐스테이트", "e편한세상", "주공", "현대", "한신", "롯데캐슬", "아이파크", "더샵", "SK뷰")

BANKS: tuple[tuple[tuple[str, ...], tuple[int, ...], str], ...] = (
    # (aliases, digit groups, fixed prefix of the first group)
    (("KB국민은행", "국민은행", "국민", "KB"), (6, 2, 6), ""),
    (("신한은행", "신한"), (3, 3, 6), "110"),
    (("우리은행", "우리"), (4, 3, 6), "1002"),
    (("하나은행", "하나", "KEB하나"), (3, 6, 5), ""),
    (("NH농협은행", "농협", "농협은행"), (3, 4, 4, 2), "3"),
    (("IBK기업은행", "기업은행", "기업"), (3, 6, 2, 3), ""),
    (("카카오뱅크", "카뱅"), (4, 2, 7), "3333"),
    (("토스뱅크",), (4, 4, 4), "1000"),
    (("케이뱅크",), (3, 3, 6), "100"),
    (("우체국",), (6, 2, 6), ""),
    (("새마을금고",), (4, 4, 4, 1), "9"),
    (("SC제일은행", "SC제일"), (3, 2, 6), ""),
    (("부산은행",), (3, 4, 4, 2), ""),
    (("iM뱅크", "대구은행"), (3, 2, 6, 1), ""),
    (("수협은행", "수협"), (4, 4, 4), ""),
    (("신협",), (5, 2, 6), ""),
    (("광주은행",), (3, 3, 6), ""),
    (("경남은행",), (3, 2, 7), ""),
)
EMAIL_DOMAINS: tuple[str, ...] = (
    "naver.com", "gmail.com", "daum.net", "hanmail.net", "kakao.com", "nate.com",
    "hotmail.com", "outlook.com", "yahoo.co.kr", "icloud.com", "korea.kr", "snu.ac.kr",
)
DL_REGIONS: dict[str, str] = {
    "11": "서울", "12": "부산", "13": "경기", "14": "강원", "15": "충북", "16": "충남", "17": "전북",
    "18": "전남", "19": "경북", "20": "경남", "21": "제주", "22": "대구", "23": "인천", "24": "광주",
    "25": "대전", "26": "울산", "28": "경기북부",
}
CAR_HANGUL_PRIVATE = "가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주"
CAR_HANGUL_OTHER = "아바사자하허호배"
CAR_SIDO: tuple[str, ...] = ("서울", "부산", "경기", "인천", "대구", "광주", "대전", "울산", "강원", "충북", "충남", "전북", "전남", "경북", "경남", "제주")


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------

def _digits(rng: random.Random, k: int) -> str:
    return "".join(rng.choice(DIGITS) for _ in range(k))


def _wchoice(rng: random.Random, items: list[tuple[float, str]]) -> str:
    total = sum(w for w, _ in items)
    x = rng.random() * total
    for w, v in items:
        x -= w
        if x < 0:
            return v
    return items[-1][1]


def _has_batchim(ch: str) -> bool | None:
    """True/False for a Hangul syllable, None for anything else."""
    if "가" <= ch <= "힣":
        return (ord(ch) - 0xAC00) % 28 != 0
    return None


def _is_rieul(ch: str) -> bool:
    return "가" <= ch <= "힣" and (ord(ch) - 0xAC00) % 28 == 8


def _josa(prev: str, pair: str) -> str:
    """Pick the particle form after `prev`; pair is 'with-batchim/without' (e.g. 이/가)."""
    a, b = pair.split("/")
    last = prev[-1:] if prev else ""
    has = _has_batchim(last)
    if has is None:
        # Latin letters or digits: decide by the sound of the last letter.
        has = last.lower() in set("lmnkpt013678")
    if a in ("으로", "으로서") and _is_rieul(last):
        return b
    return a if has else b


# ---------------------------------------------------------------------------
# The builder and the template language
# ---------------------------------------------------------------------------
#
# A template string is plain text with placeholders:
#   {key}          a PII span; the key without trailing digits selects the
#                  generator (SPAN_GENS); pt, pt2 ... are different persons,
#                  the same key twice in one note is the same value
#   {=key}         a KEEP value from KEEP_GENS (cached like spans)
#   {~key}         a plain value from PLAIN_GENS (cached)
#   {%key}         a composite from COMP_GENS (mix of plain/keep/span segments)
#   {?a|b|c}       a plain random choice (options may be empty)
#   {!a|b|c}       a KEEP random choice
#   {@family}      a plain random choice from LBL[family]
#   {:}            a label/value separator (": ", ":", " ", " : " ...)
#   {j:이/가}      a particle agreeing with the text just before it

_PH = re.compile(r"\{([^{}]*)\}")


class _Builder:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.parts: list[str] = []
        self.pos = 0
        self.spans: list[Span] = []
        self.keep: list[str] = []
        self.cache: dict[str, list[Seg]] = {}
        self.memo_: dict[str, object] = {}
        # one date style and one base date per note
        self.base_date = date(2019, 1, 1) + timedelta(days=rng.randint(0, 2850))
        self.date_style = rng.randint(0, 7)

    # -- low level ---------------------------------------------------------
    def text(self) -> str:
        return "".join(self.parts)

    def t(self, s: str) -> None:
        if s:
            self.parts.append(s)
            self.pos += len(s)

    def span(self, typ: str, s: str) -> None:
        assert typ in SPAN_TYPES, typ
        assert s and s == s.strip(), repr(s)
        self.spans.append(Span(typ, self.pos, self.pos + len(s)))
        self.t(s)

    def k(self, s: str) -> None:
        self.t(s)
        if s.strip():
            self.keep.append(s.strip())

    def segs(self, segs: list[Seg]) -> None:
        for kind, s in segs:
            if kind == "t":
                self.t(s)
            elif kind == "k":
                self.k(s)
            else:
                self.span(kind, s)

    def memo(self, key: str, make: Callable[[], object]) -> object:
        if key not in self.memo_:
            self.memo_[key] = make()
        return self.memo_[key]

    # -- the template language ---------------------------------------------
    def resolve(self, tok: str) -> list[Seg]:
        rng = self.rng
        if tok == ":":
            return [("t", _wchoice(rng, [(5, ": "), (3, ":"), (2, " : "), (2, " "), (1, "："), (0.6, "  "), (0.4, "")]))]
        if tok.startswith("j:"):
            return [("t", _josa(self.text(), tok[2:]))]
        if tok.startswith("?"):
            return [("t", rng.choice(tok[1:].split("|")))]
        if tok.startswith("!"):
            return [("k", rng.choice(tok[1:].split("|")))]
        if tok.startswith("@"):
            return [("t", rng.choice(LBL[tok[1:]]))]
        if tok in self.cache:
            return self.cache[tok]
        head, body = tok[0], tok
        if head in "=~%":
            body = tok[1:]
        base = body.rstrip(DIGITS)
        sfx = body[len(base):]
        out: list[Seg]
        if head == "=":
            v = KEEP_GENS[base](self, sfx)
            out = [("k", v)] if isinstance(v, str) else v
        elif head == "~":
            v = PLAIN_GENS[base](self, sfx)
            out = [("t", v)] if isinstance(v, str) else v
        elif head == "%":
            v = COMP_GENS[base](self, sfx)
            out = [("t", v)] if isinstance(v, str) else v
        else:
            typ, gen = SPAN_GENS[base]
            out = [(typ, gen(self.rng))]
        self.cache[tok] = out
        return out

    def fill(self, fmt: str) -> None:
        pos = 0
        for m in _PH.finditer(fmt):
            self.t(fmt[pos:m.start()])
            self.segs(self.resolve(m.group(1)))
            pos = m.end()
        self.t(fmt[pos:])

    def preset(self, tok: str, segs: list[Seg]) -> None:
        self.cache[tok] = segs


# ---------------------------------------------------------------------------
# PII value generators
# ---------------------------------------------------------------------------

def _surname(rng: random.Random) -> str:
    if rng.random() < 0.1:
        return rng.choice(RARE_SURNAMES)
    return rng.choices(SURNAMES, weights=SURNAME_W)[0]


def _given(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.45:
        return rng.choice(GIVEN_POPULAR)
    if r < 0.78:
        return rng.choice(GIVEN_FIRST) + rng.choice(GIVEN_SECOND)
    if r < 0.87:
        return rng.choice(GIVEN_SINGLE)
    return rng.choice(GIVEN_NATIVE)


def korean_name(rng: random.Random) -> str:
    return _surname(rng) + _given(rng)


def spaced_name(rng: random.Random) -> str:
    sur, giv = _surname(rng), _given(rng)
    if rng.random() < 0.6:
        return " ".join(sur + giv) if len(sur) == 1 else sur + " " + " ".join(giv)
    return sur + " " + giv


def foreign_name(rng: random.Random) -> str:
    return rng.choice(FOREIGN_FULL)


def roman_name(rng: random.Random) -> str:
    sur = rng.choice(ROM_SURNAMES)
    g1, g2 = rng.choice(ROM_GIVEN), rng.choice(ROM_GIVEN)
    style = rng.randint(0, 6)
    if style == 0:
        return f"{sur.upper()} {(g1 + g2).upper()}"
    if style == 1:
        return f"{sur} {(g1 + g2).capitalize()}"
    if style == 2:
        return f"{sur} {g1.capitalize()}-{g2}"
    if style == 3:
        return f"{(g1 + g2).capitalize()} {sur}"
    if style == 4:
        return f"{g1.upper()} {g2.upper()} {sur.upper()}"
    if style == 5:
        return f"{sur.upper()}, {g1.upper()}-{g2.upper()}"
    return f"{sur} {g1.capitalize()} {g2.capitalize()}"


def word_name(rng: random.Random) -> str:
    return rng.choice(WORD_NAMES)[0]


def any_name(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.77:
        return korean_name(rng)
    if r < 0.80:
        return word_name(rng)
    if r < 0.85:
        return spaced_name(rng)
    if r < 0.91:
        return foreign_name(rng)
    if r < 0.96:
        return roman_name(rng)
    return rng.choice(RARE_SURNAMES[:8]) + _given(rng)


def korean_person(rng: random.Random) -> str:
    """A Korean national (for lines that also carry a Korean RRN)."""
    r = rng.random()
    if r < 0.84:
        return korean_name(rng)
    if r < 0.91:
        return spaced_name(rng)
    if r < 0.95:
        return word_name(rng)
    return rng.choice(RARE_SURNAMES[:8]) + _given(rng)


def doctor_name(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.9:
        return korean_name(rng)
    if r < 0.95:
        return spaced_name(rng)
    return roman_name(rng)


def given_only(rng: random.Random) -> str:
    return _given(rng)


def masked_name(rng: random.Random) -> str:
    sur, giv = _surname(rng), _given(rng)
    style = rng.randint(0, 6)
    if style == 0:
        return sur + "○" * max(2, len(giv))
    if style == 1:
        return sur + "**"
    if style == 2 and len(giv) >= 2:
        return sur + "*" + giv[-1]
    if style == 3 and len(giv) >= 2:
        return sur + "O" + giv[-1]
    if style == 4:
        return sur + "XX"
    if style == 5:
        return sur + " 모"
    return sur + "◯◯"


def _birth(rng: random.Random, lo: int = 1935, hi: int = 2024) -> date:
    return date(lo, 1, 1) + timedelta(days=rng.randint(0, (date(hi, 12, 31) - date(lo, 1, 1)).days))


def _rrn_core(rng: random.Random, foreign: bool) -> str:
    b = _birth(rng, 1940 if foreign else 1935, 2024)
    male = rng.random() < 0.5
    if foreign:
        g = (5 if male else 6) if b.year < 2000 else (7 if male else 8)
    else:
        g = (1 if male else 2) if b.year < 2000 else (3 if male else 4)
    body = f"{b.year % 100:02d}{b.month:02d}{b.day:02d}{g}" + _digits(rng, 5)
    if b < date(2020, 10, 1):
        w = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
        s = sum(int(c) * k for c, k in zip(body, w))
        chk = (11 - s % 11) % 10
    else:  # issued since October 2020: random digits, no check digit
        chk = rng.randint(0, 9)
    return body + str(chk)


def _rrn_format(rng: random.Random, core: str) -> str:
    front, back = core[:6], core[6:]
    style = _wchoice(rng, [(60, "h"), (9, "n"), (5, "s"), (12, "m"), (3, "ocr"), (2, "dash"), (4, "mh")])
    if style == "h":
        return f"{front}-{back}"
    if style == "n":
        return front + back
    if style == "s":
        return f"{front} {back}"
    if style == "m":
        mask = rng.choice("*●xX○#")
        return f"{front}-{back[0]}{mask * 6}"
    if style == "mh":
        return f"{front}-{back[:2]}{'*' * 5}"
    if style == "ocr":
        return f"{front} - {back}"
    return f"{front}–{back}"


def gen_rrn(rng: random.Random) -> str:
    return _rrn_format(rng, _rrn_core(rng, False))


def gen_rrn_masked(rng: random.Random) -> str:
    core = _rrn_core(rng, False)
    return f"{core[:6]}-{core[6]}{rng.choice('*●x') * 6}"


def gen_frn(rng: random.Random) -> str:
    return _rrn_format(rng, _rrn_core(rng, True))


def gen_mobile(rng: random.Random) -> str:
    a, b = _digits(rng, 4), _digits(rng, 4)
    a = str(rng.randint(2, 9)) + a[1:]
    style = _wchoice(rng, [(55, "h"), (15, "n"), (8, "s"), (5, "dot"), (7, "p82"), (3, "p82s"), (2, "p82n"), (3, "par"), (2, "011")])
    if style == "h":
        return f"010-{a}-{b}"
    if style == "n":
        return f"010{a}{b}"
    if style == "s":
        return f"010 {a} {b}"
    if style == "dot":
        return f"010.{a}.{b}"
    if style == "p82":
        return f"+82-10-{a}-{b}"
    if style == "p82s":
        return f"+82 10 {a} {b}"
    if style == "p82n":
        return f"+8210{a}{b}"
    if style == "par":
        return f"(010){a}-{b}"
    return f"011-{a[1:]}-{b}"


AREA_CODES: tuple[str, ...] = ("02", "031", "032", "033", "041", "042", "043", "044", "051", "052", "053", "054", "055", "061", "062", "063", "064", "070")


def gen_landline(rng: random.Random) -> str:
    ac = rng.choice(AREA_CODES)
    mid = str(rng.randint(2, 9)) + _digits(rng, rng.choice((2, 3)))
    last = _digits(rng, 4)
    style = rng.random()
    if style < 0.75:
        return f"{ac}-{mid}-{last}"
    if style < 0.87:
        return f"{ac}{mid}{last}"
    if style < 0.94:
        return f"({ac}) {mid}-{last}"
    return f"{ac} {mid} {last}"


def gen_intl(rng: random.Random) -> str:
    a, b = str(rng.randint(2, 9)) + _digits(rng, 3), _digits(rng, 4)
    return rng.choice((f"+82-10-{a}-{b}", f"+82 10-{a}-{b}", f"+82 10 {a} {b}", f"+82)10-{a}-{b}", f"+82 (0)10-{a}-{b}"))


def gen_phone(rng: random.Random) -> str:
    return gen_mobile(rng) if rng.random() < 0.75 else gen_landline(rng)


_OCR_SUB = {"0": "O", "1": "l", "5": "S", "8": "B"}


def gen_ocr_phone(rng: random.Random) -> str:
    out = list(f"010-{rng.randint(2, 9)}{_digits(rng, 3)}-{_digits(rng, 4)}")
    where = [i for i, c in enumerate(out) if c in _OCR_SUB]
    for i in rng.sample(where, min(len(where), rng.randint(1, 2))):
        out[i] = _OCR_SUB[out[i]]
    return "".join(out)


def _luhn_complete(partial: str) -> str:
    total = 0
    for i, c in enumerate(reversed(partial)):
        d = int(c)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return partial + str((10 - total % 10) % 10)


CARD_PREFIXES: tuple[str, ...] = ("4", "4", "5", "5", "9410", "9430", "9490", "3560", "6243", "4518", "5365")


def gen_card(rng: random.Random) -> str:
    pre = rng.choice(CARD_PREFIXES)
    num = _luhn_complete(pre + _digits(rng, 15 - len(pre)))
    g = [num[i:i + 4] for i in range(0, 16, 4)]
    style = rng.random()
    if style < 0.6:
        return "-".join(g)
    if style < 0.78:
        return " ".join(g)
    if style < 0.96:
        return num
    return " - ".join(g)


def _account_number(rng: random.Random, bank: tuple[tuple[str, ...], tuple[int, ...], str]) -> str:
    _, groups, prefix = bank
    parts = []
    for i, k in enumerate(groups):
        if i == 0 and prefix:
            parts.append(prefix + _digits(rng, k - len(prefix)))
        else:
            parts.append(_digits(rng, k))
    if rng.random() < 0.15:
        return "".join(parts)
    return "-".join(parts)


def gen_account(rng: random.Random) -> str:
    return _account_number(rng, rng.choice(BANKS))


def gen_email(rng: random.Random) -> str:
    sur = rng.choice(ROM_SURNAMES).lower()
    g = rng.choice(ROM_GIVEN) + rng.choice(ROM_GIVEN)
    style = rng.randint(0, 6)
    if style == 0:
        local = f"{g}.{sur}"
    elif style == 1:
        local = f"{sur}{g}{rng.randint(1, 99)}"
    elif style == 2:
        local = f"{sur[0]}{g[:2]}{_digits(rng, 4)}"
    elif style == 3:
        local = f"{rng.choice(('happy', 'sunny', 'blue', 'mom', 'dad', 'lucky', 'star', 'cool'))}_{g}{rng.randint(70, 99)}"
    elif style == 4:
        local = f"{g}_{sur}"
    elif style == 5:
        local = f"{sur}.{g}.{rng.randint(1, 9)}"
    else:
        local = f"{g}{_digits(rng, 2)}"
    return f"{local}@{rng.choice(EMAIL_DOMAINS)}"


def gen_address(rng: random.Random) -> str:
    sido = rng.choice(list(ADDR))
    sgg = rng.choice(list(ADDR[sido]))
    roads, dongs = ADDR[sido][sgg]
    sido_txt = sido if rng.random() < 0.6 else rng.choice(SIDO_SHORT[sido])
    head = f"{sido_txt} {sgg}".replace("  ", " ").strip() if sgg else sido_txt
    if rng.random() < 0.62:
        road = rng.choice(roads)
        if rng.random() < 0.35:
            road += f"{rng.randint(1, 80)}{rng.choice(('길', '번길'))}"
        num = str(rng.randint(1, 420))
        if rng.random() < 0.15:
            num += f"-{rng.randint(1, 30)}"
        addr = f"{head} {road} {num}"
        tail = rng.randint(0, 5)
        if tail == 1:
            addr += f", {rng.randint(2, 15)}층"
        elif tail == 2:
            addr += f", {rng.randint(101, 115)}동 {rng.randint(1, 25)}{rng.randint(1, 4):02d}호"
        elif tail == 3:
            addr += f" ({rng.choice(dongs)})"
        elif tail == 4:
            addr += f", {rng.randint(101, 112)}동 {rng.randint(2, 20)}0{rng.randint(1, 4)}호 ({rng.choice(dongs)}, {rng.choice(APTS)})"
        return addr
    dong = rng.choice(dongs)
    bun = str(rng.randint(1, 1500))
    if rng.random() < 0.6:
        bun += f"-{rng.randint(1, 40)}"
    addr = f"{head} {dong} {bun}"
    tail = rng.randint(0, 3)
    if tail == 1:
        addr += "번지"
    elif tail == 2:
        addr += f" {rng.choice(APTS)}아파트 {rng.randint(101, 120)}동 {rng.randint(1, 25)}{rng.randint(1, 4):02d}호"
    return addr


def gen_chart(rng: random.Random) -> str:
    y = rng.randint(2005, 2026)
    style = rng.randint(0, 13)
    if style == 0:
        return _digits(rng, 8)
    if style == 1:
        return "00" + _digits(rng, rng.choice((5, 6)))
    if style == 2:
        return f"{y}-{_digits(rng, 6)}"
    if style == 3:
        return f"{y % 100:02d}-{_digits(rng, 7)}"
    if style == 4:
        return f"{y}{_digits(rng, 6)}"
    if style == 5:
        return rng.choice("PHAR") + _digits(rng, 7)
    if style == 6:
        return f"H-{_digits(rng, 7)}"
    if style == 7:
        return f"MR{_digits(rng, 8)}"
    if style == 8:
        return f"{_digits(rng, 4)} {_digits(rng, 4)}"
    if style == 9:
        return f"{_digits(rng, 7)}-{rng.randint(0, 9)}"
    if style == 10:
        return str(rng.randint(100000, 9999999))
    if style == 11:
        return f"OP-{y % 100:02d}-{_digits(rng, 5)}"
    if style == 12:
        return f"R{y}-{_digits(rng, 5)}"
    return _digits(rng, 10)


def gen_hin(rng: random.Random) -> str:
    style = rng.randint(0, 6)
    d = str(rng.randint(1, 9)) + _digits(rng, 10)
    if style <= 1:
        return d
    if style == 2:
        return f"{d[0]}-{d[1:]}"
    if style == 3:
        return f"{d[:1]} {d[1:5]} {d[5:]}"
    if style == 4:
        return f"{d[:8]}-{d[8:]}"
    if style == 5:
        return f"{d[:5]}-{d[5:]}"
    return f"{d[0]}-{d[1:9]}-{d[9:]}"


def gen_license(rng: random.Random) -> str:
    k = _wchoice(rng, [(2, "4"), (6, "5"), (4, "6")])
    first = str(rng.randint(1, 9))
    return first + _digits(rng, int(k) - 1)


def gen_nurse_license(rng: random.Random) -> str:
    return str(rng.randint(1, 4)) + _digits(rng, 5)


def gen_spec(rng: random.Random) -> str:
    return str(rng.randint(1, 9)) + _digits(rng, rng.choice((2, 3, 4)))


def gen_dl(rng: random.Random) -> str:
    code = rng.choice(list(DL_REGIONS))
    yy = f"{rng.randint(0, 99):02d}"
    mid, tail = _digits(rng, 6), _digits(rng, 2)
    style = rng.random()
    if style < 0.65:
        return f"{code}-{yy}-{mid}-{tail}"
    if style < 0.78:
        return f"{code}{yy}{mid}{tail}"
    if style < 0.92:
        return f"{DL_REGIONS[code]} {yy}-{mid}-{tail}"
    return f"{code} {yy} {mid} {tail}"


def gen_passport(rng: random.Random) -> str:
    if rng.random() < 0.55:
        return rng.choice("MMMMSRGD") + _digits(rng, 8)
    return "M" + _digits(rng, 3) + rng.choice("ABCDEFGHJK") + _digits(rng, 4)


def gen_foreign_passport(rng: random.Random) -> str:
    style = rng.randint(0, 5)
    if style == 0:  # Vietnam-like
        return rng.choice("CBN") + _digits(rng, 7)
    if style == 1:  # China-like
        return "E" + _digits(rng, 8)
    if style == 2:  # Japan-like
        return rng.choice(("TK", "TR", "MZ", "TZ")) + _digits(rng, 7)
    if style == 3:  # Philippines-like
        return "P" + _digits(rng, 7) + rng.choice("ABC")
    if style == 4:  # Uzbekistan-like
        return rng.choice(("AA", "AB", "FA")) + _digits(rng, 7)
    return _digits(rng, 9)


def gen_car(rng: random.Random) -> str:
    h = rng.choice(CAR_HANGUL_PRIVATE) if rng.random() < 0.85 else rng.choice(CAR_HANGUL_OTHER)
    last = _digits(rng, 4)
    style = rng.randint(0, 7)
    if style <= 2:
        return f"{rng.randint(100, 699)}{h}{last}"
    if style <= 4:
        return f"{rng.randint(10, 69)}{h}{last}"
    if style == 5:
        return f"{rng.choice(CAR_SIDO)}{rng.randint(10, 99)}{h}{last}"
    if style == 6:
        return f"{rng.randint(10, 699)}{h} {last}"
    return f"{rng.choice(CAR_SIDO)} {rng.randint(10, 99)}{h} {last}"


def gen_ip(rng: random.Random) -> str:
    style = rng.randint(0, 4)
    if style == 0:
        return f"192.168.{rng.randint(0, 20)}.{rng.randint(2, 254)}"
    if style == 1:
        return f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    if style == 2:
        return f"172.{rng.randint(16, 31)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    return f"{rng.choice((211, 121, 175, 58, 118, 112, 220, 14, 1, 59))}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def gen_policy(rng: random.Random) -> str:
    y = rng.randint(2003, 2026)
    style = rng.randint(0, 8)
    if style == 0:
        return f"L{y}-{_digits(rng, 7)}"
    if style == 1:
        return _digits(rng, 10)
    if style == 2:
        return f"{y}-{_digits(rng, 3)}-{_digits(rng, 6)}"
    if style == 3:
        return "H" + _digits(rng, 11)
    if style == 4:
        return f"{rng.choice(('KB', 'HL', 'DB', 'MR', 'SG'))}{y}-{_digits(rng, 8)}"
    if style == 5:
        return f"P{_digits(rng, 10)}"
    if style == 6:
        return f"{_digits(rng, 4)}-{_digits(rng, 4)}-{_digits(rng, 4)}"
    if style == 7:
        return f"{y}{_digits(rng, 9)}"
    return f"C-{_digits(rng, 3)}-{_digits(rng, 7)}"


SPAN_GENS: dict[str, tuple[str, Callable[[random.Random], str]]] = {
    "name": ("name", any_name),
    "pt": ("name", any_name),
    "kname": ("name", korean_name),
    "kpt": ("name", korean_person),
    "dr": ("name", doctor_name),
    "rn": ("name", korean_name),
    "fname": ("name", foreign_name),
    "rom": ("name", roman_name),
    "sp": ("name", spaced_name),
    "gname": ("name", given_only),
    "rrn": ("rrn", gen_rrn),
    "rrnm": ("rrn", gen_rrn_masked),
    "frn": ("foreign_registration_no", gen_frn),
    "phone": ("phone", gen_phone),
    "mob": ("phone", gen_mobile),
    "tel": ("phone", gen_landline),
    "intl": ("phone", gen_intl),
    "ocrphone": ("phone", gen_ocr_phone),
    "card": ("card", gen_card),
    "acct": ("account", gen_account),
    "email": ("email", gen_email),
    "addr": ("address", gen_address),
    "chart": ("chart_no", gen_chart),
    "hin": ("health_insurance_no", gen_hin),
    "lic": ("medical_license", gen_license),
    "rnlic": ("medical_license", gen_nurse_license),
    "spec": ("medical_license", gen_spec),
    "dl": ("driver_license", gen_dl),
    "pp": ("passport", gen_passport),
    "fpp": ("passport", gen_foreign_passport),
    "car": ("vehicle_no", gen_car),
    "ip": ("ip_address", gen_ip),
    "pol": ("policy_no", gen_policy),
}


# ---------------------------------------------------------------------------
# KEEP / plain / composite generators (they see the builder: coherent values)
# ---------------------------------------------------------------------------

def _fmt_date(d: date, style: int) -> str:
    if style == 0:
        return d.isoformat()
    if style == 1:
        return f"{d.year}.{d.month:02d}.{d.day:02d}"
    if style == 2:
        return f"{d.year}. {d.month}. {d.day}."
    if style == 3:
        return f"{d.year % 100:02d}.{d.month:02d}.{d.day:02d}"
    if style == 4:
        return f"{d.year}년 {d.month}월 {d.day}일"
    if style == 5:
        return f"{d.year}/{d.month:02d}/{d.day:02d}"
    if style == 6:
        return f"{d.year}{d.month:02d}{d.day:02d}"
    return f"{d.year}-{d.month:02d}-{d.day:02d}"


def _k_date(b: _Builder, sfx: str) -> str:
    n = int(sfx) if sfx else 1
    d = b.base_date + timedelta(days=sum(b.rng.randint(1, 12) for _ in range(n - 1)) + (n - 1) * 2)
    return _fmt_date(d, b.date_style)


def _k_ts(b: _Builder, sfx: str) -> str:
    d = b.base_date
    hh, mm, ss = b.rng.randint(0, 23), b.rng.randint(0, 59), b.rng.randint(0, 59)
    style = b.rng.randint(0, 2)
    if style == 0:
        return f"{d.isoformat()}T{hh:02d}:{mm:02d}:{ss:02d}"
    if style == 1:
        return f"{d.isoformat()} {hh:02d}:{mm:02d}:{ss:02d}.{b.rng.randint(0, 999):03d}"
    return f"{d.year}/{d.month:02d}/{d.day:02d} {hh:02d}:{mm:02d}:{ss:02d}"


def _k_time(b: _Builder, sfx: str) -> str:
    hh, mm = b.rng.randint(0, 23), b.rng.choice((0, 5, 10, 15, 20, 30, 40, 45, 50))
    style = b.rng.randint(0, 3)
    if style <= 1:
        return f"{hh:02d}:{mm:02d}"
    if style == 2:
        return f"{'오전' if hh < 12 else '오후'} {hh % 12 or 12}시 {mm}분" if mm else f"{'오전' if hh < 12 else '오후'} {hh % 12 or 12}시"
    return f"{hh}시 {mm:02d}분"


def _k_amt(b: _Builder, sfx: str) -> str:
    v = b.rng.choice((10, 100, 1000)) * b.rng.randint(3, 4999)
    s = f"{v:,}"
    style = b.rng.randint(0, 4)
    if style <= 1:
        return s + "원"
    if style == 2:
        return s + " 원"
    if style == 3:
        return "₩" + s
    return s


def _dx(b: _Builder, sfx: str) -> tuple[str, str, str]:
    return b.memo("dx" + sfx, lambda: b.rng.choice(KCD))  # type: ignore[return-value]


def _pr(b: _Builder, sfx: str) -> tuple[str, str, str]:
    return b.memo("pr" + sfx, lambda: b.rng.choice(PROCS))  # type: ignore[return-value]


def _hospital(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(HOSP_PREFIX) + rng.choice(("병원", "의원", "대학교병원", "의료원", "종합병원", "기독병원"))
    return rng.choice(HOSP_PREFIX) + rng.choice(HOSP_TYPE)


def _distinct(b: _Builder, family: str, pool: tuple[str, ...]) -> str:
    """A value from pool not yet used for this family in the note."""
    used = b.memo("used:" + family, list)
    assert isinstance(used, list)
    v = b.rng.choice([x for x in pool if x not in used] or list(pool))
    used.append(v)
    return v


def _k_days(b: _Builder, sfx: str) -> str:
    n = b.rng.randint(2, 30)
    return b.rng.choice((f"{n}일", f"{n}일간", f"{max(1, n // 7)}주", f"{n} 일"))


def _k_rep(b: _Builder, sfx: str) -> str:
    return f"{b.rng.choice(REP_PREFIX)}-{_digits(b.rng, 4)}"


def _k_cnt(b: _Builder, sfx: str) -> str:
    n = b.rng.randint(1, 14)
    return b.rng.choice((f"{n}회", f"{n}회차", f"{n}번째", f"{n}건", f"총 {n}회"))


KEEP_GENS: dict[str, Callable[[_Builder, str], GenOut]] = {
    "kcd": lambda b, s: _dx(b, s)[0],
    "dx": lambda b, s: _dx(b, s)[1],
    "dxen": lambda b, s: _dx(b, s)[2],
    "proc": lambda b, s: _pr(b, s)[0],
    "op": lambda b, s: _pr(b, s)[1],
    "open": lambda b, s: _pr(b, s)[2],
    "date": _k_date,
    "ts": _k_ts,
    "time": _k_time,
    "amt": _k_amt,
    "hosp": lambda b, s: _hospital(b.rng),
    "dept": lambda b, s: b.rng.choice(DEPTS),
    "drug": lambda b, s: _distinct(b, "drug", DRUGS),
    "lab": lambda b, s: _distinct(b, "lab", LABS),
    "herb": lambda b, s: b.rng.choice(HERBS),
    "dose": lambda b, s: b.rng.choice(DOSES),
    "vital": lambda b, s: b.rng.choice(VITALS),
    "room": lambda b, s: b.rng.choice(ROOMS),
    "ward": lambda b, s: b.rng.choice(WARDS),
    "term": lambda b, s: b.rng.choice(TERMS),
    "days": _k_days,
    "rep": _k_rep,
    "cnt": _k_cnt,
    "insurer": lambda b, s: b.rng.choice(INSURERS),
    "masked": lambda b, s: masked_name(b.rng),
}

PLAIN_GENS: dict[str, Callable[[_Builder, str], GenOut]] = {
    "age": lambda b, s: str(b.rng.randint(3, 91)),
    "sex": lambda b, s: b.rng.choice(LBL["sex"]),
    "rel": lambda b, s: b.rng.choice(RELATIONS),
    "bank": lambda b, s: b.rng.choice(b.rng.choice(BANKS)[0]),
    "nat": lambda b, s: b.rng.choice(("베트남", "중국", "우즈베키스탄", "필리핀", "네팔", "몽골", "태국", "미국", "러시아", "캄보디아", "인도네시아")),
}


def _c_bankacct(b: _Builder, sfx: str) -> list[Seg]:
    rng = b.rng
    bank = rng.choice(BANKS)
    name = rng.choice(bank[0])
    num = _account_number(rng, bank)
    style = rng.randint(0, 5)
    if style <= 2:
        return [("t", f"{name} "), ("account", num)]
    if style == 3:
        return [("account", num), ("t", f" ({name})")]
    if style == 4:
        return [("t", f"[{name}] "), ("account", num)]
    return [("t", f"{name}/"), ("account", num)]


def _c_lic(b: _Builder, sfx: str) -> list[Seg]:
    num = gen_license(b.rng)
    pre, post = b.rng.choice((("제 ", " 호"), ("제", "호"), ("", ""), ("No. ", ""), ("#", ""), ("제 ", "호"), ("제", " 호")))
    return [("t", pre), ("medical_license", num), ("t", post)]


def _c_rnlic(b: _Builder, sfx: str) -> list[Seg]:
    num = gen_nurse_license(b.rng)
    pre, post = b.rng.choice((("제 ", " 호"), ("제", "호"), ("", ""), ("No.", "")))
    return [("t", pre), ("medical_license", num), ("t", post)]


def _c_chartl(b: _Builder, sfx: str) -> list[Seg]:
    return [("t", b.rng.choice(LBL["chartlbl"]) + b.resolve(":")[0][1]), ("chart_no", gen_chart(b.rng))]


def _c_hinl(b: _Builder, sfx: str) -> list[Seg]:
    return [("t", b.rng.choice(LBL["hinlbl"]) + b.resolve(":")[0][1]), ("health_insurance_no", gen_hin(b.rng))]


def _c_role(b: _Builder, sfx: str) -> list[Seg]:
    role, word = b.rng.choice(ROLE_FOLLOW)
    return [("t", role + " "), ("k", word)]


def _c_dxboth(b: _Builder, sfx: str) -> list[Seg]:
    code, ko, _ = _dx(b, sfx)
    if b.rng.random() < 0.5:
        return [("k", code), ("t", " "), ("k", ko)]
    return [("k", ko), ("t", "("), ("k", code), ("t", ")")]


def _c_opboth(b: _Builder, sfx: str) -> list[Seg]:
    code, ko, _ = _pr(b, sfx)
    if b.rng.random() < 0.5:
        return [("k", ko), ("t", " ("), ("k", code), ("t", ")")]
    return [("k", code), ("t", " "), ("k", ko)]


def _c_drsig(b: _Builder, sfx: str) -> list[Seg]:
    mark = b.rng.choice(("", " (인)", " ㊞", "(인)", " (서명)", " 印"))
    return [("name", doctor_name(b.rng)), ("t", mark)]


COMP_GENS: dict[str, Callable[[_Builder, str], GenOut]] = {
    "bankacct": _c_bankacct,
    "lic": _c_lic,
    "rnlic": _c_rnlic,
    "chartl": _c_chartl,
    "hinl": _c_hinl,
    "role": _c_role,
    "dxboth": _c_dxboth,
    "opboth": _c_opboth,
    "drsig": _c_drsig,
}


# ---------------------------------------------------------------------------
# Templates
# ---------------------------------------------------------------------------

TemplateBody = Union[str, Callable[[_Builder], None]]


@dataclass(frozen=True)
class _Template:
    tid: str
    kind: str
    body: TemplateBody
    pii: bool
    weight: float


_TEMPLATES: list[_Template] = []


def tpl(kind: str, body: str, pii: bool = True, w: float = 1.0) -> None:
    _TEMPLATES.append(_Template(f"{kind}#{len(_TEMPLATES)}", kind, body, pii, w))


def ftpl(kind: str, pii: bool = True, w: float = 1.0) -> Callable[[Callable[[_Builder], None]], Callable[[_Builder], None]]:
    def deco(fn: Callable[[_Builder], None]) -> Callable[[_Builder], None]:
        _TEMPLATES.append(_Template(f"{kind}#{len(_TEMPLATES)}:{fn.__name__}", kind, fn, pii, w))
        return fn
    return deco


# -- 진단서 / 소견서 ----------------------------------------------------------
tpl("진단서", "진단서 | {@namelbl}{:}{kpt} | {@rrnlbl}{:}{rrn} | 상병명{:}{=dx} ({=kcd}) | 발병일 {=date} | 진단일 {=date2} | {=hosp} {=dept} 의사 {dr} (면허번호 {%lic})")
tpl("진단서", "상기 환자 {pt}{j:은/는} {=date}경 {?계단에서 실족하여|교통사고로|운동 중 넘어져|작업 중 손상으로} 본원 내원하였으며 {%dxboth} 진단 하에 약 {=days}의 안정 가료를 요함. {@drrole} {dr}")
tpl("소견서", "소견서 / {=hosp} {=dept} / {@namelbl} {pt} ({~sex}/{~age}) / {@chartlbl} {chart} / 임상적 추정: {=kcd} → 최종 진단: {=kcd2}")
tpl("소견서", "환자 {pt} 님은 {=date}부터 {=date2}까지 본원 {=dept}에서 {=op} 후 통원치료 받았음을 확인함. {=hosp} 원장 {%drsig}")
tpl("소견서", "본 환자는 {=dx}{j:으로/로} 본원 외래 통원 치료 중이며 향후 약 {!2주|4주|6주|3개월}간 추가 치료 필요할 것으로 사료됨 — 진료의 {dr}, 면허 {%lic}")
tpl("진단서", "[진단서 하단] 발행일 {=date2} 의료기관 {=hosp} 의사성명 {dr} {@sig} 면허번호 {%lic} 전문의 자격번호 제{spec}호")
tpl("진단서", "병명: {%dxboth} (최종) / 향후 치료 의견: {=term}, {=days} 치료 요함 / 환자 {kname} 보호자 {name2}({~rel})")
tpl("소견서", "소견: {=kcd} 의증. {=lab}, {=vital}. 추가 {=term} 권유함. ({pt}/{~age}세/{chart})")
tpl("진단서", "{=hosp} 진단서 재발급 요청 — 환자 {kpt}, {@rrnlbl} {rrnm}, 원본 발행일 {=date}, 발급 수수료 {!1,000원|10,000원|20,000원}")
tpl("소견서", "치과 소견: #{!36|46|17|27} 치아 파절, {=op} 시행 예정 / 치과의사 {dr} (치과의사 면허 제 {lic} 호) / 환자 {pt}")

# -- 수술기록 -------------------------------------------------------------------
tpl("수술기록", "수술기록 | 수술일 {=date} | 수술명 {%opboth} | 집도의 {dr} | 보조의 {dr2}, {dr3} | 마취의 {dr4} | 마취 {!전신마취|척추마취|부위마취|국소마취} | 순환간호사 {rn} | 소독간호사 {rn2}")
tpl("수술기록", "OP note: Operator {dr}, Assistant {dr2}, Anesthesiologist {dr3}. Procedure {=proc} {=open}, EBL {!50cc|100cc|200 mL|minimal}, Dx {=kcd}. Pt {pt} ({chart})")
tpl("수술기록", "집도의: {dr}  /  보조의: {dr2}  /  마취: {dr3}({!GA|SA|MAC})  /  간호사: {rn}, {rn2}")
tpl("수술기록", "수술확인서 — 환자 {pt} ({@chartlbl} {chart}) {=date} {=hosp}에서 {%opboth} 시행함. 집도의 {dr} 면허 {%lic}")
tpl("수술기록", "{=date} {=time} 수술 시작, {=op} 진행. {dr} 교수 집도, {dr2} 전공의 보조. 마취과 {dr3} 선생님. 출혈량 {!소량|약 150cc|약 300cc}")
tpl("수술기록", "마취기록: ASA {!class I|class II|class III}, {!전신마취|척추마취} 유도 {=time}, 마취의 {dr} ({%lic}), 담당 간호사 {rn} 면허번호 {%rnlic}")
tpl("수술기록", "수술참여자 명단 — 집도 {dr}, 제1보조 {dr2}, 제2보조 {sp}, 스크럽 {rn}, 순회 {rn2} / 수술코드 {=proc}")
tpl("수술기록", "Surgeon: Dr. {rom} / Asst: {dr2} / Scrub RN: {rn} / Procedure: {=open} ({=proc}) / Dx: {=dxen} [{=kcd}]")

# -- 세부내역서 / 영수증 --------------------------------------------------------
tpl("세부내역서", "진료비 세부내역서 | 환자등록번호 {chart} | 환자성명 {pt} | 진료기간 {=date} ~ {=date2} | 병실 {=room} | {=hosp}")
tpl("영수증", "영수증 | {@chartlbl}: {chart} | 환자명: {pt} | {@hinlbl}: {hin} | 납부금액 {=amt} | 카드 {card} 일시불")
tpl("영수증", "카드결제 {=amt} 승인 / {@cardlbl} {card} / {?신한|국민|삼성|현대|BC|롯데|하나}카드 / 할부 {!일시불|3개월|6개월} / 환자 {pt}")
tpl("세부내역서", "[진료비 세부산정내역] 수진자 {pt} / 등록번호 {chart} / 보험유형 {!건강보험|의료급여 1종|자동차보험|산재보험} / 증번호 {hin} / 진료과 {=dept}")
tpl("영수증", "환자번호 {chart}\t환자성명 {pt}\t진료기간 {=date} ~ {=date2}\t야간(공휴일)진료 {!없음|해당}\t병실 {=room}\t환자구분 {!입원|외래}")
tpl("영수증", "현금영수증 발급: 휴대폰 {mob} / 금액 {=amt} / 발급일 {=date} / {=hosp}")

# -- 입퇴원확인서 ---------------------------------------------------------------
tpl("입퇴원", "입원 사실 확인: 위 환자({pt}, 병록번호 {chart})는 {=hosp} {=ward}에 입원 중임을 확인합니다. {@drrole} {dr}")
tpl("입퇴원", "입원일 {=date} / 퇴원일 {=date2} / {@namelbl}{:}{kpt} / {@rrnlbl}{:}{rrn} / 진료과 {=dept} / 담당의 {dr}")
tpl("입퇴원", "퇴원요약: {pt} ({~age}/{~sex}) {=dx} 진단으로 {=op} 후 {=date2} 퇴원. 외래 f/u {=date3} {=dept} {dr} 교수")

# -- 보험금 청구서 / 위임장 -----------------------------------------------------
tpl("청구서", "보험금 청구서 / 피보험자 {kpt} / {@rrnlbl} {rrn} / {@phonelbl} {mob} / {@pollbl} {pol} / 사고일 {=date} / 청구사유 {!질병입원|상해통원|수술|진단금|실손의료비}")
tpl("청구서", "보험금 수령 계좌: {%bankacct} (예금주 {pt})")
tpl("청구서", "수익자 {name} ({~rel}) / 지급계좌 {%bankacct} / 예금주 {name} / 연락처 {phone}")
tpl("청구서", "피보험자 {pt}, 계약자 {name2}, 수익자 {name3} — {@pollbl} {pol}, 청구 {=cnt}")
tpl("위임장", "위임장 — 위임인 {kpt} (주민등록번호 {rrn})은 수임인 {name2}({~rel}, 연락처 {mob})에게 보험금 청구 및 수령에 관한 일체의 권한을 위임합니다. {=date} 위임인 {kpt} {@sig}")
tpl("위임장", "대리인 {kpt} / 대리인 주민번호 {rrn} / 피보험자와의 관계 {~rel} / 주소 {addr}")
tpl("청구서", "청구인 정보 — 성명={pt}; 휴대폰={mob}; 이메일={email}; 주소={addr}")
tpl("청구서", "개인정보 수집·이용 동의 | 동의자 {pt} | 서명 {pt} (서명) | {=date}")
tpl("청구서", "신청인 {pt}{j:은/는} 자녀 {name2}({~age}세)의 {=dx} 입원 치료비를 청구합니다. 친권자 확인 서류 첨부. 연락처 {phone}")
tpl("청구서", "실손 청구 {=cnt} | 피보험자 {pt} | {@pollbl} {pol} | 진료기관 {=hosp} | 청구금액 {=amt} | 계좌 {%bankacct}")
tpl("청구서", "보험금 청구서 (자동차) — 운전자 {pt}, {@dllbl} {dl}, {@carlbl} {car}, 사고일시 {=date} {=time}")

# -- 현장조사 / 손해사정 --------------------------------------------------------
tpl("조사", "[현장조사] {=date} {=time} 피보험자 {pt} 자택({addr}) 방문, 본인 면담. 사고 경위 진술 일치. 조사자 {name2}")
tpl("조사", "손해사정 메모: 사고차량 {car} (운전자 {pt}, 면허번호 {dl}), 상대차량 {car2}, 과실비율 {!70:30|80:20|100:0|60:40}")
tpl("조사", "조사자 의견: {!특이사항 없음|고지의무 위반 의심|추가 서류 징구 필요}. {=hosp} 원무과 확인 결과 {pt} 환자 {=date} 입원 사실 확인됨 (차트 {chart})")
tpl("조사", "병원 방문 조사 — {=hosp} {=dept} 주치의 {dr} 면담. 환자 {pt}의 기왕증 {=kcd} 확인, {=date} 초진.")
tpl("조사", "탐문: 이웃 주민 {name2} 진술에 따르면 {pt} 씨는 {=date} 이전에도 허리 통증 호소. 탐문 대상 연락처 {mob}")
tpl("조사", "사고조사 보고 | 피해자 {pt} | 가해차량 {car} | 가해자 {name2} ({mob}) | 치료병원 {=hosp} | 진단 {=days}")
tpl("조사", "의료자문 의뢰: 자문의 {dr} 교수({=hosp}) 회신 — {=kcd}{j:과/와} 사고 간 인과관계 {!인정|불인정|일부 인정}. 피보험자 {pt}, 증권 {pol}")

# -- 콜센터 / 민원 ----------------------------------------------------------------
tpl("콜센터", "[상담이력] {=date} {=time} 인입 / 고객 {pt} / 본인확인(휴대폰 {mob}) 완료 / 문의: 실손 청구 진행상황 / 상담원 {name2}")
tpl("콜센터", "콜백 요청 — 고객명: {pt}, 콜백번호: {phone}, 희망시간 {?오전|오후 2시 이후|퇴근 후}, 상담원 메모: 서류 미비({!진단서|세부내역서|영수증} 누락)")
tpl("콜센터", "고객({pt}) 문의: {@pollbl} {pol} 계약의 {!입원일당|수술비|암진단금} 지급 여부. 상담원 안내 완료, 대표번호 {=rep} 재안내")
tpl("콜센터", "통화 메모) {pt} 고객님 배우자 {name2}님이 대신 전화, 본인 동의 없어 상세 안내 불가. 회신번호 {phone}")
tpl("콜센터", "VOC 등록: 고객 {pt} / 이메일 {email} / 내용: {=dx} 진단금 심사 지연 불만 / 처리 담당 {name2} 대리")
tpl("민원", "민원 접수: 민원인 {pt}({mob}) — {=date} 청구한 {!입원비|수술비|통원치료비}가 아직 지급되지 않았다며 항의. 담당 {name2} 과장 배정.")
tpl("민원", "금융감독원 이첩 민원 — 신청인 {pt}, 주소 {addr}, 주요 내용: {=kcd} 진단금 부지급 이의, 회신 {email}")
tpl("민원", "민원인 {pt} 씨께서 {name2} 손해사정사의 조사 방식에 이의 제기. 병원 {=hosp} 방문 시 동의 없이 {=term} 기록 열람 주장.")

# -- 문자 / 카톡 ------------------------------------------------------------------
tpl("카톡", "[카톡] {pt}: 안녕하세요 어제 청구한 서류 확인 부탁드려요 제 번호는 {mob}이에요")
tpl("문자", "[Web발신] {=insurer} {pt}님, 보험금 {=amt}이 {%bankacct} 계좌로 지급되었습니다. 문의 {=rep}")
tpl("카톡", "{gname}{j:아/야} 엄마 번호 {mob} 이고 아빠는 {mob2}야 ㅎㅎ 병원에 그렇게 적어줘")
tpl("문자", "[{=hosp}] {pt}님 {=date} {=time} {=dept} 진료 예약되었습니다. 변경 문의 {=rep}")
tpl("카톡", "나 {car} 차 뒤에서 받혔어ㅠ 보험사에 증권번호 {pol} 불러줬고 담당자가 {name}이래")
tpl("카톡", "ㅇㅋ 주소 보내줄게 {addr} 여기로 서류 보내주세요~ 받는 사람 {pt}")
tpl("문자", "{pt} 고객님, 요청하신 서류 팩스 수신 확인되었습니다. 추가 서류는 {email}로 보내주세요. -{=insurer} {name2} 드림")
tpl("카톡", "선생님 저 {pt} 보호자인데요 {gname2}{j:이가/가} 열이 {!38.5도|39도|38도}까지 올라서요 오늘 {=dept} 가도 될까요?")

# -- 이메일 -------------------------------------------------------------------------
tpl("이메일", "From: {pt} <{email}> / To: {name2} <{email2}> / Subject: 보험금 청구 서류 송부 / 첨부: 진단서, 세부내역서 / 연락처 {mob}")
tpl("이메일", "안녕하세요, {name2} 담당자님. 피보험자 {pt}의 {~rel}입니다. 아래 계좌로 지급 부탁드립니다: {%bankacct}. 감사합니다. {name3} 드림")
tpl("이메일", "Dear {rom}, please find attached the discharge summary for patient {rom2} (MRN {chart}). Passport No. {pp}. Regards, Dr. {rom3}")
tpl("이메일", "회신: {pt}님 청구 건({=date} 접수) 검토 결과 {!지급|부지급|일부지급} 결정. 문의는 담당 {name2}({tel}, {email})에게 부탁드립니다.")

# -- 간호기록 -----------------------------------------------------------------------
tpl("간호기록", "간호기록 {=time} {=vital} 체크함. 보호자({~rel}) {name} 면회, 보호자 연락처 {mob}. 담당 간호사 {rn}")
tpl("간호기록", "{=time} 환자 {?통증 호소하여|오심 호소하여|발열 있어} {=drug} {=dose} 투여함 (처방의 {dr}). RN {rn}")
tpl("간호기록", "인수인계: {=room} {pt} ({~sex}/{~age}) POD#{!1|2|3}, {=dx} s/p {=op}, {!통증 NRS 3|drain 30cc|foley 유지}; 주치의 {dr} 노티함")
tpl("간호기록", "{=time} 낙상 고위험 환자 {pt}, 침상 난간 올림. 보호자 {name2}에게 낙상 예방 교육 시행. 간호사 {rn} 면허 {%rnlic}")
tpl("간호기록", "투약 확인: {pt}님 팔찌 ID {chart} 확인 후 {=drug} 투여, 이중확인 {rn}/{rn2}")

# -- 의뢰서 / 회신서 ---------------------------------------------------------------
tpl("의뢰서", "진료의뢰서 — 의뢰기관 {=hosp} / 의뢰의사 {dr} (면허번호 {lic}) / 수신: {=hosp2} {=dept} {dr2} 선생님 / 환자 {kpt} ({rrn}) / 의뢰사유: {=dx} 정밀검사")
tpl("회신서", "회신서: {dr2} 선생님께서 의뢰하신 {pt} 환자는 {=date} 본원 {=dept}에서 {=op} 시행 후 경과 양호합니다. 회신의 {dr} 드림")
tpl("의뢰서", "Referral: {pt} ({~age}{~sex}) with {=dxen} [{=kcd}] → {=dept} Dr. {dr}. Contact {phone}. Chart {chart}")

# -- 처방전 -----------------------------------------------------------------------
tpl("처방전", "처방전 | 환자 {kpt} | 주민번호 {rrnm} | 의료기관 {=hosp} | 처방의 {dr} 면허 {%lic} | {=drug} {=dose} {=days}분")
tpl("처방전", "조제내역: {=drug} / {=drug2} / 총 {=days}분 — 복약지도 약사 {name2}, 환자 {pt}")
tpl("처방전", "한방 처방: {=herb} 20첩, 침술 {!40011|40030|40091} 1부위 — 한의사 {dr} (한의사 면허번호 {%lic}) / 환자 {pt}")

# -- 사망진단서 -------------------------------------------------------------------
tpl("사망진단서", "사망진단서 | 사망자 {kpt} | 주민등록번호 {rrn} | 사망일시 {=date} {=time} | 직접사인 {=dx} | 선행사인 {=kcd2} | 의사 {dr} 면허 {%lic}")
tpl("사망진단서", "사망자 주소: {addr} / 신고인 {name2} ({~rel}) / 신고인 연락처 {phone}")
tpl("사망진단서", "사망보험금 청구 — 고(故) {pt} / 법정상속인 {name2}, {name3} / 수령계좌 {%bankacct}")

# -- OCR lines ---------------------------------------------------------------------
tpl("OCR", "성  명 : {sp}   주 민 등 록 번 호 : {rrn}")
tpl("OCR", "환 자 번 호  {chart}   성 명  {pt}   진 료 과  {=dept}")
tpl("OCR", "연 락 처 : {ocrphone}   보 호 자 : {name}")
tpl("OCR", "※ 의사 : {dr}    면허번호 : 제  {lic}  호")
tpl("OCR", "건강보험증번호{hin}성명{pt}진료일{=date}")
tpl("OCR", "주소:{addr}  전화:{phone}  이메일 :{email}")
tpl("OCR", "수진자명 | {sp} | 생년 | {!19xx|20xx} | 등록번호 | {chart}")

# -- tables / slash forms / key=value ---------------------------------------------
tpl("표", "{chart}|{pt}|{~sex}|{~age}|{=dept}|{=date}|{=kcd}")
tpl("표", "{kpt}\t{rrn}\t{mob}\t{addr}")
tpl("표", "성명/주민번호/연락처/주소: {kpt}/{rrn}/{mob}/{addr}")
tpl("표", "환자번호/성명/병실: {chart}/{pt}/{=room}")
tpl("표", "등록번호·성명·보험증번호 → {chart} · {pt} · {hin}")
tpl("표", "| {=date} | {pt} | {=kcd} | {=op} | {dr} | {=amt} |")
tpl("로그", "{=ts} INFO claim.submit cust_nm={kname} ip={ip} policy={pol} status=RECEIVED")
tpl("로그", "[AUDIT] ts={=ts} src_ip={ip} action=VIEW_RECORD mrn={chart} viewer={dr}")
tpl("로그", "{=ts} WARN login failed from {ip}:{?443|8080|52311} (attempt {!3/5|4/5|5/5}) uid={email}")
tpl("로그", "event=upload doc_type={!DIAG|BILL|RECEIPT} file=claim_{?a|b|c}.pdf uploader_ip={ip} phone={mob} ts={=ts}")
tpl("로그", "payout.request amount={=amt} bank_acct={acct} holder={kname} card={card} result=PENDING")

# -- English-mixed / foreigners -------------------------------------------------------
tpl("영문", "Pt {pt}, {~age}/{~sex}, MRN {chart}, admitted {=date} for {=dxen}; attending Dr. {dr}")
tpl("외국인", "Foreign patient {fname} (ARC {frn}, passport {fpp}) — interpreter requested, phone {intl}")
tpl("외국인", "외국인 환자 {fname} / 외국인등록번호 {frn} / 여권번호 {fpp} / 국적 {~nat}")
tpl("외국인", "외국인등록증 {frn} 확인, 건강보험 {!직장가입자|지역가입자} 자격 유지, 증번호 {hin} — 환자 {fname}")
tpl("외국인", "재외국민 {rom} 님 여권 {pp} 제시, 국내 거소 {addr}, 연락처 {intl}")
tpl("영문", "Insured: {rom} / Policy No. {pol} / Claim for {=open} on {=date} / e-mail {email}")
tpl("영문", "Travel claim: passport {pp}, departure {=date}, return {=date2}, hospital bill {!USD 1,240|JPY 35,000|EUR 410|THB 18,500}")

# -- 건강보험 / 차트 번호 combos --------------------------------------------------------
tpl("자격", "{@hinlbl} {hin} (세대주 {name2}) / 환자 {pt} / {@chartlbl} {chart}")
tpl("자격", "{=hosp} MRN:{chart} HIN:{hin} {pt}")
tpl("자격", "의료급여 {!1종|2종} 수급권자, {@maidlbl} {hin}, {@chartlbl} {chart}")
tpl("자격", "[{chart}] {pt} {~sex}/{~age} {=dept} 재진")
tpl("자격", "{pt}({chart}) 님 {=date} 검사결과 {=lab}")
tpl("자격", "자격조회 결과: 직장가입자 / {hin} / 자격유지 / 피부양자 {pt}")
tpl("자격", "{%chartl}, {%hinl}, 수진자 {pt}")

# -- 면허 ---------------------------------------------------------------------------
tpl("면허", "치과의사 {dr} (치과의사 면허번호 {%lic}) — #{!16|26|36|46} {!임플란트 식립|발치|근관치료|레진 충전} 시행")
tpl("면허", "간호사 {rn} 면허번호 {%rnlic}, {=ward} 근무")
tpl("면허", "{=dept} 전문의 {dr} (전문의 자격번호 제 {spec} 호, 의사면허 {%lic})")
tpl("면허", "면허종별: 의사 / 면허번호: {lic} / 성명: {dr} / 발급일: {=date}")

# -- misc identifiers --------------------------------------------------------------
tpl("카드", "카드번호 {card} 유효기간 {!12/27|03/28|08/29|11/30} 소지자 {rom}")
tpl("계좌", "자동이체 등록: {%bankacct} 예금주 {pt} / 보험료 {=amt} 매월 {!5일|10일|15일|25일} 출금")
tpl("주소", "주소 변경 요청: 구 주소 {addr} → 신 주소 {addr2} (계약자 {pt})")
tpl("차량", "교통사고 사실확인원 — 운전자 {pt} {@dllbl} {dl} {@carlbl} {car} 사고일시 {=date} {=time} 편도 2차로 교차로")
tpl("차량", "대인접수 / 피해자 {pt} / 가해차량 {car} / 가해자 연락처 {mob} / 병원 {=hosp} / 진단 {=days}")
tpl("가족", "가족관계: 배우자 {name}, 모 {name2}, 자녀 {name3} / 피보험자 {pt}")
tpl("가족", "참여 의료진: {dr}, {dr2}, {dr3} ({=dept})")


# -- function templates (structure built in code) -----------------------------------

@ftpl("워드네임", w=1.5)
def _t_word_name(b: _Builder) -> None:
    name, phrase = b.rng.choice(WORD_NAMES)
    if b.rng.random() < 0.5:
        b.fill("환자 ")
        b.span("name", name)
        b.fill(" 님 {=date} 외래 내원, ")
        b.k(phrase)
        b.t(".")
    else:
        b.fill("{@namelbl}{:}")
        b.span("name", name)
        b.t(b.rng.choice((" / 메모: ", " — ", ", 비고: ")))
        b.k(phrase)
        b.fill(" ({=kcd})")


_COLS: tuple[tuple[str, str], ...] = (
    ("성명", "{pt}"), ("주민등록번호", "{rrn}"), ("연락처", "{mob}"), ("주소", "{addr}"),
    ("등록번호", "{chart}"), ("보험증번호", "{hin}"), ("증권번호", "{pol}"), ("진료과", "{=dept}"),
    ("상병코드", "{=kcd}"), ("입원일", "{=date}"), ("퇴원일", "{=date2}"), ("병실", "{=room}"),
    ("이메일", "{email}"), ("차량번호", "{car}"), ("담당의", "{dr}"), ("보호자", "{name2}"),
    ("보호자 연락처", "{mob2}"), ("금액", "{=amt}"), ("카드번호", "{card}"), ("계좌", "{%bankacct}"),
    ("수술코드", "{=proc}"), ("외국인등록번호", "{frn}"), ("여권번호", "{pp}"), ("면허번호", "{lic}"),
)


@ftpl("헤더표", w=3.0)
def _t_header_row(b: _Builder) -> None:
    """Labels first, then values in the same order (flattened table or slash form)."""
    rng = b.rng
    k = rng.randint(3, 6)
    cols = rng.sample(_COLS, k)
    if all(v.startswith("{=") for _, v in cols):
        cols[0] = ("성명", "{pt}")
    sep = rng.choice(("|", " | ", "/", "\t", " / ", ";"))
    mid = rng.choice((" :: ", " => ", " ▶ ", ": ", "  "))
    b.t(sep.join(lbl for lbl, _ in cols))
    b.t(mid)
    for i, (_, v) in enumerate(cols):
        if i:
            b.t(sep)
        b.fill(v)


_KV_FIELDS: tuple[tuple[str, str], ...] = (
    ("name", "{kname}"), ("pt_name", "{pt}"), ("rrn", "{rrn}"), ("tel", "{phone}"), ("hp", "{mob}"),
    ("addr", "{addr}"), ("mrn", "{chart}"), ("hin", "{hin}"), ("policy_no", "{pol}"), ("email", "{email}"),
    ("car_no", "{car}"), ("client_ip", "{ip}"), ("kcd", "{=kcd}"), ("amount", "{=amt}"), ("dept", "{=dept}"),
    ("visit_dt", "{=date}"), ("lic_no", "{lic}"), ("acct_no", "{acct}"), ("card_no", "{card}"),
)


@ftpl("kv로그", w=2.0)
def _t_kv(b: _Builder) -> None:
    rng = b.rng
    fields = rng.sample(_KV_FIELDS, rng.randint(3, 6))
    if all(v.startswith("{=") for _, v in fields):
        fields[0] = ("hp", "{mob}")
    style = rng.randint(0, 2)
    if style == 0:
        b.fill("{=ts} claim_event ")
        for i, (kk, v) in enumerate(fields):
            b.t((" " if i else "") + kk + "=")
            b.fill(v)
    elif style == 1:
        b.t("{")
        for i, (kk, v) in enumerate(fields):
            b.t((", " if i else "") + f'"{kk}": "')
            b.fill(v)
            b.t('"')
        b.t("}")
    else:
        b.t("[intake] ")
        for i, (kk, v) in enumerate(fields):
            b.t(("; " if i else "") + kk.upper() + ":")
            b.fill(v)


@ftpl("서명", w=1.5)
def _t_signature(b: _Builder) -> None:
    rng = b.rng
    who = rng.choice(("작성자", "확인자", "신청인", "청구인", "위임인", "보호자", "조사자", "상담원", "담당자"))
    b.fill("{=date} ")
    b.t(who + rng.choice((" ", ": ", " : ")))
    b.fill("{name}")
    b.t(rng.choice((" (인)", " ㊞", "(서명)", " (서명 또는 인)", " 印", "")))
    if rng.random() < 0.5:
        b.fill(" / {@phonelbl} {phone}")


@ftpl("관계", w=1.5)
def _t_relations(b: _Builder) -> None:
    rng = b.rng
    n = rng.randint(2, 4)
    rels = rng.sample(RELATIONS, n)
    b.t(rng.choice(("가족사항: ", "동거가족 ", "법정상속인 현황 — ", "보호자 정보: ")))
    for i, r in enumerate(rels):
        if i:
            b.t(rng.choice((", ", " / ", "; ")))
        b.t(r + " ")
        b.fill("{name%d}" % (i + 1))
        if rng.random() < 0.3:
            b.fill("({~age}세)")


@ftpl("명단", w=1.2)
def _t_name_list(b: _Builder) -> None:
    rng = b.rng
    b.t(rng.choice(("회진 참여: ", "당직표 ", "오늘 상담 예약자 ", "서류 미제출 고객: ", "면담 대상자 ")))
    n = rng.randint(2, 5)
    sep = rng.choice((", ", "·", " / ", "、", " "))
    for i in range(n):
        if i:
            b.t(sep)
        b.fill("{name%d}" % (i + 1))
        if rng.random() < 0.3:
            b.t(rng.choice(LBL["title"]) if rng.random() < 0.5 else " " + rng.choice(LBL["title"]))
    b.fill(" ({=date})")


@ftpl("호칭", w=1.5)
def _t_titles(b: _Builder) -> None:
    """Names before titles and with particles inside running text."""
    rng = b.rng
    b.fill("{dr}")
    b.t(rng.choice((" 교수", " 원장", " 과장", "선생님", " 선생님", " 교수님", "원장님")))
    b.fill("{j:이/가} {=date} 회진 시 {pt}")
    b.t(rng.choice((" 님", "님", " 씨", " 환자", "")))
    b.fill("에게 {=term} 필요성 설명함. {name2}")
    b.t(rng.choice(("께서", "에게도", "의 동의", "은(는) 동의함", " 보호자께서")))
    b.t(rng.choice(("", " 확인함.", " 서명.")))


@ftpl("영수증", w=1.2)
def _t_receipt(b: _Builder) -> None:
    """Receipt header flattened to one line; shares add up like on a real receipt."""
    rng = b.rng
    covered = rng.randint(20, 3000) * 100
    patient = covered * rng.choice((20, 30, 40, 50)) // 100
    insurer = covered - patient
    noncov = rng.randint(0, 900) * 100
    sep = rng.choice(("  ", " | ", "\t"))
    b.fill("진료비 계산서·영수증" + sep + "{@chartlbl} {chart}" + sep + "성명 {pt}" + sep + "진료과목 {=dept}" + sep)
    b.fill(rng.choice(("입원 {=date}~{=date2}", "외래 {=date}", "진료기간 {=date} - {=date2}")) + sep)
    for label, v in (("본인부담금", patient), ("공단부담금", insurer), ("비급여", noncov), ("합계", covered + noncov)):
        b.t(label + " ")
        b.k(f"{v:,}")
        b.t(sep if label != "합계" else "")
    if rng.random() < 0.4:
        b.t(sep + "납부한 금액 ")
        b.k(f"{patient + noncov:,}")


@ftpl("입퇴원", w=1.2)
def _t_admission(b: _Builder) -> None:
    """입퇴원확인서 line whose day count agrees with the dates."""
    rng = b.rng
    adm = b.base_date
    stay = rng.randint(1, 40)
    dis = adm + timedelta(days=stay)
    b.fill(rng.choice(("입퇴원확인서 — 성명 {kpt}, 주민번호 {rrn}, ", "입·퇴원 확인서 | {@namelbl} {kpt} | {@rrnlbl} {rrn} | ", "[입퇴원확인] {kpt} ({@chartlbl} {chart}) ")))
    b.t("입원 ")
    b.k(_fmt_date(adm, b.date_style))
    b.t(" 퇴원 ")
    b.k(_fmt_date(dis, b.date_style))
    b.t(" (")
    b.k(f"{stay + 1}일")
    b.t(rng.choice((")", " 입원)", "간)")))
    b.fill(rng.choice((", 병명 {=dx} {=kcd}, 병실 {=room}", " | 상병 {=kcd} | {=ward}", ", 진단명 {%dxboth}")))


@ftpl("청구내역", pii=False, w=2.0)
def _t_bill_row(b: _Builder) -> None:
    rng = b.rng
    cat, code, name, unit = rng.choice(BILL_ITEMS)
    cnt, days = rng.randint(1, 3), rng.randint(1, 7)
    sep = rng.choice((" | ", "\t", " ", "|"))
    b.fill("{=date}")
    b.t(sep)
    b.k(cat)
    b.t(sep)
    b.k(code)
    b.t(sep)
    b.k(name)
    b.t(sep)
    b.k(f"{unit:,}")
    b.t(sep + str(cnt) + sep + str(days) + sep)
    b.k(f"{unit * cnt * days:,}")
    b.t(sep + rng.choice(("급여", "비급여", "전액본인부담")))


@ftpl("간호기록", pii=False, w=1.0)
def _t_nurse_nopii(b: _Builder) -> None:
    b.fill("{=time} 보호자 {!동반|없이} {?휠체어로|스트레처로|도보로} {!CT실|X-ray실|MRI실|내시경실} 이동, {=vital}, 복귀 후 {=drug} {=dose}")


# -- templates without any identifier ---------------------------------------------------
tpl("무PII", "{%dxboth} 진단 하 {%opboth} 시행, 술후 {=days} 경과 관찰 예정", pii=False)
tpl("무PII", "진료비 총액 {=amt} 중 급여 본인부담 {=amt2}, 비급여 {=amt3}, 공단부담 {=amt4}", pii=False)
tpl("무PII", "{=date} 내원, {=vital}, {=lab}, 특이 소견 없음", pii=False)
tpl("무PII", "처방: {=drug} {=dose} {=days}분, {=drug2} 병용", pii=False)
tpl("무PII", "메모: {%role}. {%role2}. 당직의 진료로 대체", pii=False)
tpl("무PII", "{=hosp} {=dept} 외래 {=date} {=time} 예약 — 금식 필요, 문의 {=rep}", pii=False)
tpl("무PII", "입원 {=days}, 수술 {!1회|2회}, 통원 {=cnt} 청구 — 총 {=amt}", pii=False)
tpl("무PII", "수익자 변경 없음, 피보험자 본인 청구, 예금주 동일 — 접수 채널 {!모바일앱|팩스|우편|창구}", pii=False)
tpl("무PII", "{=masked} 환자 {=date} 퇴원, {=masked2} 님 보호자 상담 완료", pii=False)
tpl("무PII", "{=room} 병실 이동, 침상 안정, {=drug} PRN, {=ward} 인계", pii=False)
tpl("무PII", "s/p {=open} POD #{!2|3|5}, afebrile, wound clean, plan: discharge {=date}", pii=False)
tpl("무PII", "[batch] {=ts} job=claim_sync processed={!1204|532|88} failed=0 elapsed={!12.4s|3.1s}", pii=False)
tpl("무PII", "상담원 연결 대기 중 고객 이탈, {=time} 재인입 예정 — 본인 인증 필요", pii=False)
tpl("무PII", "집도의 소견상 {!추가 절제 불필요|재수술 요함|경과 관찰 필요}, 수술 시간 {!1시간 20분|2시간|45분}, {=kcd} 확인", pii=False)
tpl("무PII", "{=insurer} 심사팀: {=kcd} 관련 {=term} 비용 {=amt} 지급 가능, 면책 기간 {!90일|1년} 경과", pii=False)
tpl("무PII", "환자 {=masked} ({~sex}/{~age}) {=dx}, 주치의 판단 하에 {=term} 시행 예정", pii=False)
tpl("무PII", "검사: {=lab}, {=lab2}; 영상: {=term}; 다음 외래 {=date2}", pii=False)


def template_count() -> int:
    return len(_TEMPLATES)


# ---------------------------------------------------------------------------
# Rendering, checks and the public API
# ---------------------------------------------------------------------------

def _render(t: _Template, rng: random.Random) -> Note:
    b = _Builder(rng)
    if isinstance(t.body, str):
        b.fill(t.body)
    else:
        t.body(b)
    return _finish(b, t)


def _finish(b: _Builder, t: _Template) -> Note:
    text = b.text()
    assert "\n" not in text and "\r" not in text, text
    spans = tuple(sorted(b.spans, key=lambda s: (s.start, s.end)))
    for a, c in zip(spans, spans[1:]):
        assert a.end <= c.start, (text, a, c)
    keep: list[str] = []
    for k in dict.fromkeys(b.keep):
        if len(k) < 2:
            continue
        occ = [m.start() for m in re.finditer(re.escape(k), text)]
        assert occ, (k, text)
        if any(s.start < o + len(k) and o < s.end for o in occ for s in spans):
            continue  # the keep string also occurs inside a span: leave it out
        keep.append(k)
    if t.pii:
        assert spans, (t.tid, text)
    else:
        assert not spans, (t.tid, text)
    return Note(text, spans, tuple(keep))


def _check(note: Note) -> None:
    text = note.text
    last = -1
    for s in note.spans:
        assert s.type in SPAN_TYPES
        assert 0 <= s.start < s.end <= len(text)
        assert s.start >= last
        seg = text[s.start:s.end]
        assert seg == seg.strip() and seg, (seg, text)
        last = s.end
    for k in note.keep:
        assert k in text
        for m in re.finditer(re.escape(k), text):
            for s in note.spans:
                assert not (s.start < m.end() and m.start() < s.end), (k, text)


def _generate(n: int, seed: int) -> tuple[list[Note], list[str]]:
    rng = random.Random(f"notes_corpus_c:{seed}")
    pii_t = [t for t in _TEMPLATES if t.pii]
    nopii_t = [t for t in _TEMPLATES if not t.pii]
    pii_w = [t.weight for t in pii_t]
    nopii_w = [t.weight for t in nopii_t]
    out: list[Note] = []
    tids: list[str] = []
    seen: set[str] = set()
    attempts = 0
    while len(out) < n:
        attempts += 1
        if attempts > 50 * n + 1000:
            raise RuntimeError("could not produce enough unique lines")
        if rng.random() < 0.15:
            t = rng.choices(nopii_t, weights=nopii_w)[0]
        else:
            t = rng.choices(pii_t, weights=pii_w)[0]
        note = _render(t, rng)
        if note.text in seen:
            continue
        _check(note)
        seen.add(note.text)
        out.append(note)
        tids.append(t.tid)
    return out, tids


def generate(n: int, seed: int) -> list[Note]:
    """n annotated lines, deterministic for (n, seed), texts unique within the call."""
    return _generate(n, seed)[0]


def note_to_json(note: Note) -> dict[str, object]:
    return {
        "text": note.text,
        "spans": [{"type": s.type, "start": s.start, "end": s.end, "text": note.text[s.start:s.end]} for s in note.spans],
        "keep": list(note.keep),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Write synthetic annotated Korean claim notes (generator C) as JSONL.")
    ap.add_argument("out", help="output JSONL path")
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    notes, tids = _generate(args.n, args.seed)
    dt = time.perf_counter() - t0
    with open(args.out, "w", encoding="utf-8") as fh:
        for note in notes:
            fh.write(json.dumps(note_to_json(note), ensure_ascii=False) + "\n")
    types = Counter(s.type for nt in notes for s in nt.spans)
    print(f"wrote {len(notes)} lines to {args.out} in {dt:.2f}s; templates={template_count()} (used {len(set(tids))})", file=sys.stderr)
    print(f"spans by type: {dict(sorted(types.items()))}", file=sys.stderr)
    print(f"keep strings: {sum(len(nt.keep) for nt in notes)}; lines without spans: {sum(1 for nt in notes if not nt.spans)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
