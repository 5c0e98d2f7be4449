"""Word tables for Korean name detection (used by claimvlm.privacy.names and .nameword); constants only.

The surname table is written from the 2015 census (통계청 인구주택총조사, 성씨·본관): every
Korean-origin surname with a real population, in each Hangul spelling people register (이/리,
류/유, 라/나, 림/임 ...), plus the two-syllable surnames. Names whose cue is weak need a surname;
a name after a sure label does not (a naturalised citizen's or foreigner's name may have none).
"""

from __future__ import annotations


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


SURNAMES = _set(
    # the common ones (over ~0.1% of the population), most frequent first
    "김 이 박 최 정 강 조 윤 장 임 한 오 서 신 권 황 안 송 류 유 전 홍 고 문 양 손 배 백 허 남 심 노 하 곽 성 "
    "차 주 우 구 나 민 진 지 엄 채 원 천 방 공 현 함 변 염 여 추 도 소 석 선 설 마 길 연 위 표 명 기 반 라 왕 "
    "금 옥 육 인 맹 제 모 탁 국 어 은 편 용 예 경 봉 사 부 가 복 태 목 형 피 두 감 음 빈 동 온 호 범 좌 팽 승 "
    # the rare ones (from a few people to a few thousand each), with their 두음법칙 spellings (리, 림, 량 ...)
    "간 갈 개 견 계 곡 곤 관 교 군 궁 궉 근 난 낭 내 뇌 누 단 담 당 대 돈 등 란 랑 량 려 련 렴 로 뢰 루 룡 륙 "
    "리 림 만 매 묘 무 묵 미 번 빙 삼 상 섭 수 순 시 십 아 애 야 엽 영 옹 완 요 운 자 잠 저 점 종 준 즙 증 창 "
    "초 총 춘 탄 판 평 포 풍 필 학 해 화 환 후 흥 비"
)
# Surnames in common use: the only ones accepted for a name with no cue at all (김영희는), where a
# word that starts with a rare surname syllable (간호사는, 견인은) is the likelier reading.
COMMON_SURNAMES = _set(
    "김 이 박 최 정 강 조 윤 장 임 한 오 서 신 권 황 안 송 류 유 전 홍 고 문 양 손 배 백 허 남 심 노 하 곽 성 차 "
    "주 우 구 나 민 진 지 엄 채 원 천 방 공 현 함 변 염 여 추 도 소 석 선 설 마 길 연 위 표 명 기 반 라 왕 금 옥 "
    "육 인 맹 제 모 탁 국 어 은 편 용 예 경 봉 사 부 가 복 태 목 형 피 두 감 음 빈 동 온 호 범 좌 팽 승")
# The thirty most frequent (about 85% of people): the first syllable of a word-name (이상, 하나, 유지).
TOP_SURNAMES = _set("김 이 박 최 정 강 조 윤 장 임 한 오 서 신 권 황 안 송 류 유 전 홍 고 문 양 손 배 백 허 남")
TWO_SURNAMES = _set("남궁 황보 제갈 선우 독고 사공 서문 동방 어금 망절 소봉 장곡 강전 사마 황목")
# Two-syllable surnames that open no Korean word, so that nothing else needs checking after them
# (unlike 어금+니, 사마+귀, 동방+결절).
UNMISTAKABLE_SURNAMES = _set("남궁 황보 제갈 선우 독고")

# Given-name syllables in common use, required of names whose cue is weak or missing (환자 X, X는),
# where a medical word starting with a surname syllable is the usual false alarm.
GIVEN = _set(
    "가 강 건 결 겸 경 계 관 광 교 규 균 근 금 기 길 나 낙 남 녕 늘 다 단 담 대 덕 도 동 두 라 란 람 래 량 려 련 렬 령 로 록 룡 루 류 륜 률 리 린 림 "
    "마 만 말 명 모 목 무 문 미 민 바 박 반 배 백 범 별 병 보 복 봄 봉 비 빈 빛 산 상 새 서 석 선 설 섭 성 세 소 솔 송 수 숙 순 술 슬 승 시 식 신 실 "
    "심 아 안 애 야 양 언 여 연 열 엽 영 예 오 옥 온 완 요 용 우 욱 운 웅 원 월 위 유 윤 율 융 은 을 음 응 의 이 익 인 일 임 자 재 정 제 조 종 주 준 "
    "중 지 진 찬 창 채 천 철 청 초 춘 충 태 택 평 표 필 하 학 한 해 향 헌 혁 현 형 혜 호 홍 화 환 황 회 효 후 훈 휘 흠 흥 희")
# Further syllables of real names (native names 아름, 여름, 샘; rarer Sino-Korean ones), accepted
# when the cue in front is a role label or title (보호자 X, X 교수), never for an uncued word.
GIVEN_WIDE = GIVEN | _set(
    "겨 고 곤 곰 구 국 군 그 권 귀 꽃 꿈 녀 누 니 다 달 돈 둘 란 랑 례 름 립 뫼 묵 밀 벽 보 본 부 분 빈 사 삼 샘 샛 생 "
    "섬 설 솜 숭 싱 아 얀 여 올 옹 왕 잎 작 장 저 전 점 직 집 찬 참 첨 초 총 추 축 칠 탁 탄 토 통 판 팔 품 풍 항 행 "
    "허 협 확 활 휴 흔 힘 막 또 끝 쌍")

# Words that fill a name's place after a label but name nobody (보호자 없음, 성명: 미상, 환자 본인),
# and roles and relations that follow one another (보호자 배우자, 환자 보호자).
NON_NAME_FILLERS = _set(
    """없음 없다 없고 없이 미비 누락 미상 미정 무 해당 해당없음 동일 상동 본인 미기재 미입력 미확인 생략 불명 확인 익명 공란
    별첨 참조 기재 기입 작성 날인 서명 성명 이름 성함 변경 교체 부재 동행 동반 동의 상주 연락 연락처 정보 관계 주소
    배우자 모 부 모친 부친 남편 아내 처 자녀 아들 딸 장남 장녀 차남 차녀 형 누나 언니 오빠 동생 조부 조모 손자 손녀
    친구 지인 가족 친척 부모 어머니 아버지 며느리 사위 시모 시부 장모 장인 고모 이모 삼촌 외삼촌 본인외
    대리인 법정대리인 보호자 환자 환아 의사 간호사 담당의 주치의 담당자 원장 교수 선생님 전문의 고객 직원 본사
    신청인 청구인 수익자 예금주 계약자 피보험자 보험자 보험사 회사 병원 의원 약국 센터 공단 기관 법인 대표 대표자""")
NON_NAME = NON_NAME_FILLERS | _set(
    """소견 상태 판단 지시 설명 면담 요청 문의 상담 진료 진단 처방 처치 판정 결정 안내 통보 통화 방문 내원 입원 퇴원
    미동반 없었음 부재중 불가 가능 필요 있음 모름 미제출 제출 완료 대기 예정 사망 생존 동석 참석 서면 구두
    사모 부모 주인 기사 아가 아저 아드 하느 마음 어머 아버 선배 후배 할머 할아버 여보 당신 회장 사장 부장 차장 과장 대리 팀장
    실장 소장 국장 선생 변호사 세무사 회계사 노무사 법무사 당직 당번
    서명란 서명일 서명일시 서명자 서명인 번호 전화 조제일 요청건 난간 필수 위해서 아니라 구주소 신주소 신협 수협""")
# What fills a name field without naming anyone (성명: 미상, 이름: 본인): the first lines above. Only
# these veto a word in a name field with a colon, where any other word is the person's name (성명:
# 방문, Name: 마음), since nobody writes a clinical word into a name field.
FIELD_FILLERS = frozenset(NON_NAME_FILLERS)
# Roles and relations in claims whose value is a person, so that a word closing the field after them
# (피보험자 이상, 계약자 하나 / 세대주 정도) is a name even when it is also a word; 환자 and 의사 are left
# out, since clinical words follow them (환자 안정, 의사 소견).
CLAIM_ROLES = _set(
    """피보험자 주피보험자 계약자 수익자 보험수익자 세대주 세대원 가입자 피부양자 운전자 동승자 피해자 가해자 고객
    신청인 청구인 예금주 대리인 법정대리인 상속인 법정상속인 위임인 수임인 수진자 보호자 주보호자 사망자 신고인 신고자
    진술인 진술자 목격자 동의자 증인 배우자 남편 아내
    부인 모친 부친 어머니 아버지 아들 딸 자녀 동생 조모 조부 손자 손녀 장남 장녀 차남 차녀 며느리 사위""")
# One-syllable relations written between a label and a name (보호자: 모 김영희, 처 이순자).
RELATIONS = _set("모 부 처 형 妻 母 父 子 女 夫")
# Words that start like a surname but are medical or everyday vocabulary (checked on every name candidate).
NAME_STOP = _set(
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
    위험 유아 은행 음주 의뢰 의사 인후 인후통 임의 장해 전액 정신 제거 조제 주간 주소 지급 지연 진찰 채무 주진단
    부진단 부상병 주상병 예후 전이 심박수 정주용 재발 완화 악화 소견상 진단상 검사상 영상상 신부전 기흉 선천 엄지
    용종 추간판 어지럼 도말 간경화 담석 담석증 결석 견인 견관절 골다공증 녹내장 편두통 당뇨 당뇨병 결핵 고지혈증""")
# Places that Kiwi tags as proper nouns and that begin with a surname syllable.
PLACE_STOP = _set(
    """서울 부산 대구 인천 광주 대전 울산 세종 경기 강원 충북 충남 전북 전남 경북 경남 제주 강남 강북 강서 강동
    서초 송파 마포 용산 성동 노원 도봉 은평 서대문 동대문 중랑 양천 구로 금천 영등포 동작 관악 종로 해운대 수영
    연제 유성 달서 수성 분당 일산 평택 오산 이천 여주 양평 포천 파주 시흥 광명 군포 의왕 과천 화성 남양주 고양
    안양 안산 용인 성남 하남 김포 김해 양산 진주 전주 천안 안동 경주 구미 여수 순천 목포 강릉 원주 춘천 제천
    공주 서산 정읍 남원 김천 영주 상주 문경 서귀포 신촌 명동 이태원 압구정 청담 잠실 목동 상계 방배 반포 송도
    부평 계양 장안 권선 팔달 영통 한빛 한양 한림 연세 고려 성균관 경희 이화 가톨릭 서울대 세브란스 한국 대한민국
    경기도 강원도 제주도 충청도 전라도 경상도""")
# Institutions and departments: a word ending so is a seal's or a letterhead's, not a person's.
INSTITUTION_SUFFIX = ("병원", "의원", "약국", "센터", "보험", "은행", "공단", "회사", "학교", "협회", "재단", "의료원",
                      "클리닉", "내과", "외과", "안과", "치과", "의학과", "병동", "사무소", "법인", "손보", "생명", "화재",
                      "라이프", "해상", "캐피탈", "카드", "증권", "금고", "신협", "농협", "수협")
DEPARTMENTS = _set("안과 내과 외과 치과 의원 병원 한의원 약국 소아과 산부인과 피부과")
# Last syllables of compound medical nouns (인두+염, 경추+부, 주사+료) that hardly ever end a given name.
MEDICAL_SUFFIX = _set("염 증 부 통 료 팀 약 술 골 관 균 액 과 암 병 혈 색 압 량 맥 낭 치 능 실 제 흉 막")
# Last syllables of medical and administrative terms that Kiwi guesses as proper or unknown nouns
# (편도염, 관혈적, 쇄석술): they veto a word that no syllable table makes a name.
TERM_FINAL = MEDICAL_SUFFIX | _set("적 측 상 비 금 료 서 법 물 체 기 주 정 캡 식")
# Suffixes that do end given names too; they only count after a dictionary word (노인+성, 진단+비, 병원+명).
NOUN_SUFFIX = _set("성 비 용 수 화 기 명")
JOSA = ("에게서", "께서는", "한테서", "에게", "께서", "한테", "에서", "으로", "하고", "이랑", "이나", "이며", "이고", "은", "는", "이",
        "가", "을", "를", "의", "와", "과", "도", "만", "께", "로", "랑")
# Particles no given name ends in: always cut from a word after a label (맹름우우는 -> 맹름우우).
SURE_JOSA = ("에게서", "께서는", "한테서", "에게", "께서", "한테", "에서", "으로", "하고", "는", "를", "께", "와")
# The copula's connective endings (김춘자며, 박지훈이고, 유말자고, 김초롱임): cut after three syllables or
# more (not 라고: 홍건환이라고 is the name and a quotation).
COPULA = ("이었으며", "였으며", "이었다고", "였다고", "이었고", "였고", "이었다", "였다", "이었음", "였음", "이며", "이고", "이요", "며", "고", "임")
# Particles that are also the last syllable of many given names (유연도, 김하은, 박지이).
NAME_FINAL_JOSA = _set("도 은 이 가 아 나 연 진 서")
# Syllables that end a spaced run of counters or function words, not a name (이 두 명, 김 외 2인).
SPACED_STOP = _set("명 등 외 분 일 월 년 회 개 건 및 중 후 씨 님 세 는 을 를")
# Medical staff written before a name (집도의 방문, 판독의 고민): as sure as a claim role where the field closes.
# Each is a label patterns.NAME_LABEL matches (the role `_in_run` is given is that label).
STAFF_ROLES = _set(
    """의사 집도의 담당의 주치의 전문의 진료의 수술의 마취의 보조의 전공의 판독의 의뢰의 회신의 자문의 검안의 판정의
    작성의사 당직의 진단의 처방의 치료의 설명의사 담당의사 간호사 담당간호사 수간호사 약사 원장 교수 심사자 조사자
    손해사정사 상담원 담당자 담당 처리자 작성자 확인자 인계자 인수자 발신자 수신자""")
