"""Word lists and compiled patterns for Korean PII detection (used by claimvlm.privacy.detect).

Everything here is a constant: compiling regexes at import is cheap and has no side effects.
"""

from __future__ import annotations

import re


def _alt(words: str) -> str:
    """A regex alternation of space-separated words, longest first so that 서울특별시 beats 서울."""
    return "|".join(sorted(set(words.split()), key=len, reverse=True))


# OCR often reads 1 as l/I and 0 as O/o inside numbers: the one table of such look-alikes. The
# detector's digit classes accept them and every comparison of numbers translates them back.
LOOKALIKES = "OoIl"
OCR_DIGITS = str.maketrans(LOOKALIKES, "0011")
D = f"[0-9{LOOKALIKES}]"
MASKS = "*xX●•"
NB = r"(?<![0-9A-Za-z])"  # not preceded by an alphanumeric: keeps matches from starting mid-number
NA = r"(?![0-9A-Za-z])"

# --- names -------------------------------------------------------------------------------------
SURNAMES = frozenset(
    "김 이 박 최 정 강 조 윤 장 임 한 오 서 신 권 황 안 송 류 유 전 홍 고 문 양 손 배 백 허 남 심 노 하 곽 성 차 "
    "주 우 구 나 민 진 지 엄 채 원 천 방 공 현 함 변 염 여 추 도 소 석 선 설 마 길 연 위 표 명 기 반 라 왕 금 옥 "
    "육 인 맹 제 모 탁 국 어 은 편 용 예 경 봉 사 부 가 복 태 목 형 피 두 감 음 빈 동 온 호 범 좌 팽 승".split()
)
TWO_SURNAMES = frozenset("남궁 황보 제갈 선우 독고 사공 서문 동방".split())
# Common given-name syllables, required of names whose cue is weak or missing (환자 X, X는), where a
# medical word starting with a surname syllable is the usual false alarm.
GIVEN = frozenset(
    "가 강 건 결 겸 경 계 관 광 교 규 균 근 금 기 길 나 낙 남 녕 늘 다 단 담 대 덕 도 동 두 라 란 람 래 량 려 련 렬 령 로 록 룡 루 류 륜 률 리 린 림 "
    "마 만 말 명 모 목 무 문 미 민 바 박 반 배 백 범 별 병 보 복 봄 봉 비 빈 빛 산 상 새 서 석 선 설 섭 성 세 소 솔 송 수 숙 순 술 슬 승 시 식 신 실 "
    "심 아 안 애 야 양 언 여 연 열 엽 영 예 오 옥 온 완 요 용 우 욱 운 웅 원 월 위 유 윤 율 융 은 을 음 응 의 이 익 인 일 임 자 재 정 제 조 종 주 준 "
    "중 지 진 찬 창 채 천 철 청 초 춘 충 태 택 평 표 필 하 학 한 해 향 헌 혁 현 형 혜 호 홍 화 환 황 회 효 후 훈 휘 흠 흥 희".split()
)
# Words that start like a surname but are medical or everyday vocabulary (checked on every name candidate).
NAME_STOP = frozenset(
    """이상 이상소견 정상 조직 조직검사 신장 전신 장염 김치 한방 오른쪽 강직 이후 이전 이하 이내 이송 이외 이번
    정도 정보 정밀 정밀검사 정확 정기 정형외과 조영 조기 조치 조절 조사 주사 주의 주치의 진료 진단 진단서 진술
    진통 진통제 신청 신청인 신규 신경 신체 신고 전원 전체 전화 전문의 전혈 장기 장애 안정 안과 유방 유방암 유지
    고열 고혈압 고령 고객 고지 소견 소견서 소아 소아과 소변 성명 서명 서류 설명 하지 상지 방문 문진 문의 송부
    최근 최종 최초 홍반 황달 반복 구토 남자 남성 여자 여성 도수 마취 명치 백혈구 석회화 설사 손목 양측 양성
    원내 원무과 위염 위암 임상 임신 차도 천식 추가 추적 편도 하복부 한쪽 함께 현재 호전 홍조 황색 우측 우울
    경과 경우 경미 경추 경부 기타 기록 기간 기능 감기 감염 간호 간호사 간암 공단 공복 심장 심전도 심한 양호
    노인 내원 민원 배뇨 배변 백내장 부위 부작용 부종 사고 사망 상처 상태 상담 선택 선생 성인 손상 수술 수면
    수납 시행 시술 연락 연락처 염증 염좌 영상 예약 예정 오늘 오전 오후 온도 왕복 외래 요통 용량 우선 원장
    위치 유무 응급 인공 인대 인정 입원 재활 제출 제외 좌측 지속 차트 채혈 청구 추나 탈구 통증 평가 표준 피부
    필요 한국 해당 허리 혈압 혈액 호흡 화상 환자 환자명 회복 효과 동의 동의서 동반 두통 두부 연부 전방 후방
    지난 가능 가족 감소 검사 결과 고관절 골절 관절 근육 금식 기침 남편 부인 모친 부친 본인 배우자 자녀 아들 딸
    구강 목뼈 목부위 변경 변비 사항 사유 시간 안내 안면 양쪽 어깨 여부 연골 연령 예방 오심 왕진 요청 용법 우려
    위험 유아 은행 음주 의뢰 의사 인후 인후통 임의 장해 전액 정신 제거 조제 주간 주소 지급 지연 진찰 채무 주진단 부진단 부상병 주상병 예후 전이
    심박수 정주용 오심 재발 완화 악화 경과 소견상 진단상 검사상 영상상""".split()
)
# Places that Kiwi tags as proper nouns and that begin with a surname syllable.
PLACE_STOP = frozenset(
    """서울 부산 대구 인천 광주 대전 울산 세종 경기 강원 충북 충남 전북 전남 경북 경남 제주 강남 강북 강서 강동
    서초 송파 마포 용산 성동 노원 도봉 은평 서대문 동대문 중랑 양천 구로 금천 영등포 동작 관악 종로 해운대 수영
    연제 유성 달서 수성 분당 일산 평택 오산 이천 여주 양평 포천 파주 시흥 광명 군포 의왕 과천 화성 남양주 고양
    안양 안산 용인 성남 하남 김포 김해 양산 진주 전주 천안 안동 경주 구미 여수 순천 목포 강릉 원주 춘천 제천
    공주 서산 정읍 남원 김천 영주 상주 문경 서귀포 신촌 명동 이태원 압구정 청담 잠실 목동 상계 방배 반포 송도
    부평 계양 장안 권선 팔달 영통 한빛 한양 한림 연세 고려 성균관 경희 이화 가톨릭 서울대 세브란스 한국""".split()
)
DEPARTMENTS = frozenset("안과 내과 외과 치과 의원 병원 한의원 약국 소아과 산부인과 피부과".split())
# Last syllables of compound medical nouns (인두+염, 경추+부, 주사+료) that hardly ever end a given name.
MEDICAL_SUFFIX = frozenset("염 증 부 통 료 팀 약 술 골 관 균 액 과 암 병 혈 색 압 량 맥 낭 치 능 실 제 흉 막".split())
# Suffixes that do end given names too; they only count after a dictionary word (노인+성, 진단+비).
NOUN_SUFFIX = frozenset("성 비 용 수 화 기".split())
JOSA = ("에게서", "께서는", "에게", "께서", "에서", "으로", "하고", "이랑", "이나", "이며", "이고", "은", "는", "이",
        "가", "을", "를", "의", "와", "과", "도", "만", "께", "로", "랑")
HANGUL_RUN = re.compile(r"(?<![가-힣0-9A-Za-z])[가-힣]{2,7}")

# A field label directly before a name. SURE labels are name fields; the others also start ordinary
# phrases (환자 상태, 의사 소견), so their candidates must pass the dictionary veto in detect.py.
SURE_LABELS = "성명 이름 성함 환자명 환자성명 수진자명 보호자명 보호자성명 의사명 의사성명 예금주 피보험자명 계약자명"
AMBIGUOUS_LABELS = (
    "환자 환아 수진자 보호자 의사 담당의사 집도의 담당의 주치의 전문의 진료의 간호사 신청인 청구인 피보험자 수익자 "
    "계약자 작성자 원장 원장님 교수 교수님 선생님 담당자 수령인 상담자 내원자 문의자 신청자 요청자 대리인 "
    # people by role or family tie: they are followed by a name as often as by anything else
    "고객 본인 설계사 상담원 상담사 간병인 가입자 세대주 수취인 송금인 입금자 배우자 남편 아내 부인 모친 부친 "
    "어머니 아버지 아들 딸 자녀 동생 직원 약사 치료사 물리치료사 방사선사 영양사 사회복지사 손해사정사 조사자 "
    "심사자 전공의 인턴"
)
_SPACED = rf"(?:{_alt(' '.join(TWO_SURNAMES))}|[가-힣])(?: [가-힣]){{1,3}}(?![가-힣])"  # 김 영 희 / 남궁 민 수
NAME_LABEL = re.compile(
    rf"(?<![가-힣])(?P<label>{_alt(SURE_LABELS + ' ' + AMBIGUOUS_LABELS)})"
    r"(?:[ \t]*\([^)\n]{1,8}\))?(?P<colon>[ \t]*[:：])?(?:인|은|는)?[ \t]*\(?"
    rf"(?P<name>{_SPACED}|[가-힣]{{2,7}})"
)
SURE_HONORIFICS = "씨 님 선생님 고객님 여사님 어르신 께서"
AMBIGUOUS_HONORIFICS = "환자분 환자 환아 보호자 의사 원장 원장님 교수 교수님 간호사 과장 과장님 선생 팀장"
NAME_HONORIFIC = re.compile(
    rf"(?<![가-힣])(?P<name>{_SPACED}|[가-힣]{{2,4}}?)[ \t]?"
    rf"(?P<hon>{_alt(SURE_HONORIFICS + ' ' + AMBIGUOUS_HONORIFICS)})"
)
SURE_HONORIFIC_SET = frozenset(SURE_HONORIFICS.split())
# Weaker cues, checked like an ambiguous label: any short field label with a colon (본인 확인: 김춘자),
# a word right before a bracketed number (송현우(700521-...)), a signature closing a line (- 김다인).
NAME_COLON = re.compile(r"(?<![가-힣])[가-힣]{1,6}[ \t]?[:：][ \t]?(?P<name>[가-힣]{2,7})")
NAME_PAREN = re.compile(rf"(?<![가-힣])(?P<name>[가-힣]{{2,4}})[ \t]?\((?=[ \t]?[0-9{LOOKALIKES}+])")
# A word right before another identifier, across a separator: 김상철 / 010-..., 홍동현, 900101-...
NAME_BEFORE_ID = re.compile(r"(?<![가-힣])(?P<name>[가-힣]{2,4})[ \t]*[,/|·▶:(]?[ \t]*[(]?$")
NAME_SIGNATURE = re.compile(r"(?:^|(?<=\s))[-–/][ \t]*(?P<name>[가-힣]{2,4})[ \t]*$", re.MULTILINE)
SURE_LABEL_SET = frozenset(SURE_LABELS.split())
# Syllables that end a spaced run of counters or function words, not a name (이 두 명, 김 외 2인).
SPACED_STOP = frozenset("명 등 외 분 일 월 년 회 개 건 및 중 후 씨 님".split())

# --- resident registration number ---------------------------------------------------------------
RRN = re.compile(
    rf"{NB}(?P<birth>{D}{{6}})(?P<sep>[ \t]?[-–][ \t]?|[ \t])?"
    rf"(?P<rest>[0-9{LOOKALIKES}{MASKS}]{{7}})(?![0-9A-Za-z{MASKS}])"
)

# --- phones ---------------------------------------------------------------------------------------
_SEP = r"[ \t.\-]"
PHONE = re.compile(
    r"(?<![0-9A-Za-z+])(?:"
    # mobile: separators optional (01012345678)
    rf"(?:\+82{_SEP}?(?:\(0\))?{_SEP}?|[0Oo])[1lI][016789Oo](?:{_SEP}|\)[ \t]?)?{D}{{3,4}}{_SEP}?{D}{{4}}"
    # landline: separators required, a bare run of digits is too ambiguous
    rf"|(?:\+82{_SEP}?|\(?[0Oo])(?:2|[3-6][1-5lI]|7[0Oo])(?:\)[ \t]?|{_SEP}){D}{{3,4}}{_SEP}{D}{{4}}"
    rf"){NA}"
)

# --- cards, accounts ------------------------------------------------------------------------------
CARD = re.compile(
    rf"{NB}(?P<g1>{D}{{4}})(?P<sep>[ \t\-]?)(?P<g2>[0-9{LOOKALIKES}*]{{4}})(?P=sep)(?P<g3>[0-9{LOOKALIKES}*]{{4}})(?P=sep)"
    rf"(?P<g4>{D}{{4}}){NA}"
)
CARD_CONTEXT = re.compile(r"카드|card|Card|CARD|신용|체크|결제|할부")
ACCOUNT = re.compile(r"(?<![0-9A-Za-z\-])(?:\d{2,6}(?:-\d{1,7}){1,4}|\d{10,14})(?![0-9A-Za-z]|-\d)")
BANKS = (
    "국민 KB 신한 우리 하나 농협 NH 기업 IBK 카카오뱅크 카카오 케이뱅크 토스뱅크 토스 SC제일 제일 씨티 우체국 "
    "새마을금고 새마을 신협 수협 산업은행 대구은행 부산은행 경남은행 광주은행 전북은행 제주은행 iM뱅크"
)
ACCOUNT_CONTEXT = re.compile(rf"{_alt(BANKS)}|은행|계좌|입금|송금|환급|예금주|이체|account|Account")

# --- e-mail, licence, passport ---------------------------------------------------------------------
EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
)
LICENCE_REGIONS = "서울 부산 경기 강원 충북 충남 전북 전남 경북 경남 제주 대구 인천 광주 대전 울산 세종"
LICENCE = re.compile(
    rf"(?<![0-9A-Za-z가-힣])(?:(?:{_alt(LICENCE_REGIONS)})[ \t]?{D}{{2}}|{D}{{2}}[ \t\-]{D}{{2}})"
    rf"[ \t\-]{D}{{6}}[ \t\-]{D}{{2}}{NA}"
)
LICENCE_CONTEXT = re.compile(rf"면허[^\d\n]{{0,10}}?(?P<v>{NB}{D}{{12}}{NA})")
# A letter and 8 digits (or the 2021 form M123A4567) cannot be a KCD or procedure code, so no context.
PASSPORT = re.compile(rf"{NB}(?:[A-Z]\d{{8}}|[A-Z]\d{{3}}[A-Z]\d{{4}}){NA}")
PASSPORT_CONTEXT = re.compile(
    rf"(?:여권|passport|Passport|PASSPORT)[^\n\dA-Z]{{0,12}}?(?P<v>{NB}[A-Z]{{1,2}}\d{{7,8}}{NA})"
)

# --- numbers identified by the word in front of them ------------------------------------------------
HEALTH_INSURANCE = re.compile(
    r"(?:건강\s?보험증?|(?<!증권)보험증(?!권)|건보증?|의료\s?보험증?)[^\d\n]{0,12}?"
    r"(?P<v>(?<![\d\-])(?:\d{8,11}|\d{1,2}-\d{7,10})(?![\d\-]))"
)
CHART_NO = re.compile(
    r"(?:(?<![가-힣])(?<!주민 )(?<!사업자 )등록\s?번호|병록\s?번호|차트\s?번호|챠트\s?번호|환자\s?번호|진료\s?번호"
    r"|의무기록\s?번호|환자\s?ID|[Cc]hart\s?[Nn]o\.?|MRN)[^\dA-Za-z\n]{0,8}?"
    rf"(?P<v>{NB}[A-Z]{{0,2}}-?\d{{4,12}}(?:-\d{{1,6}})?{NA})"
)
POLICY_NO = re.compile(
    r"(?:보험\s?증권\s?번호|증권\s?번호|계약\s?번호|[Pp]olicy\s?[Nn]o\.?)[^\dA-Za-z\n]{0,8}?"
    rf"(?P<v>{NB}[A-Z0-9]{{1,16}}(?:-[A-Z0-9]{{1,12}}){{0,4}}{NA})"
)

# --- addresses ------------------------------------------------------------------------------------
PROVINCES = (
    "서울특별시 서울시 서울 부산광역시 부산시 부산 대구광역시 대구시 대구 인천광역시 인천시 인천 광주광역시 광주시 "
    "광주 대전광역시 대전시 대전 울산광역시 울산시 울산 세종특별자치시 세종시 세종 경기도 경기 강원특별자치도 강원도 "
    "강원 충청북도 충북 충청남도 충남 전북특별자치도 전라북도 전북 전라남도 전남 경상북도 경북 경상남도 경남 "
    "제주특별자치도 제주도 제주"
)
_NUM = r"(?:산[ \t]?)?\d{1,5}(?:-\d{1,5})?(?:번지)?"
_TAIL_ITEM = (
    r"(?:[가-힣A-Za-z0-9]{1,15}(?:아파트|빌라|오피스텔|빌딩|타워|맨션|하이츠|APT)"
    r"|제?\d{1,4}[ \t]?동|\d{1,5}[ \t]?호|(?:지하[ \t]?)?\d{1,3}[ \t]?층|[A-Z][ \t]?동)"
)
ADDRESS = re.compile(
    rf"(?<![가-힣])(?:{_alt(PROVINCES)})"
    r"(?P<district>(?:[ \t]+[가-힣]{1,5}(?:시|군|구)){0,2})"
    r"(?:[ \t]+[가-힣]{1,4}(?:읍|면))?"
    r"[ \t]+(?:"
    rf"(?P<road>[가-힣0-9]{{1,10}}(?:로|길))[ \t]*{_NUM}"  # road form always has a building number
    rf"|(?P<lot>[가-힣0-9]{{1,8}}(?:동|리|가))(?P<lotnum>[ \t]+{_NUM})?"
    r")"
    rf"(?:(?:,[ \t]?|[ \t]){_TAIL_ITEM})*"
    r"(?:[ \t]?\([가-힣0-9A-Za-z,·\- ]{1,25}\))?"
)
