"""Medical vocabulary that reads like a Korean name (constants and one lookup; used by nameword).

Many anatomy, disease and procedure words begin with a syllable that is also a surname (장+내시경,
안+검하수, 황+체, 육+아종, 승+모판) and carry given-name syllables after it, so neither the syllable
tables nor Kiwi (which reads 안검하수 and 황체 as proper nouns) tell them from names, and the learned
tagger, trained on text where a word after 주치의 or at a sentence's start is often a name, marks them.
Clinical notes are full of them, and each one taken for a name is a diagnosis replaced by a surrogate.

Written from clinical vocabulary by organ system (anatomy, diseases, procedures and tests, symptoms)
and by drug class, not from the evaluation sets. Two-syllable words whose second syllable is a common given-name syllable
(편도, 오한) are left out by ``_plausible_given``, and so are words that are also a name (이하선): as
names they are as likely as as words.
"""

from __future__ import annotations

from claimvlm.privacy.namelists import GIVEN

_ANATOMY = """
승모판 삼첨판 대동맥판 폐동맥판 판막 관상동맥 대동맥 경동맥 대퇴동맥 요골동맥 정맥류 하지정맥류
척추 요추 경추 흉추 천추 미추 추간판 반월상연골 십자인대 전방십자인대 후방십자인대 회전근개 견갑골
쇄골 상완골 요골 척골 대퇴골 경골 비골 슬개골 골반 고관절 슬관절 족관절 주관절 견관절 수근관
아킬레스건 갑상선 부갑상선 부신 췌장 담낭 담도 십이지장 맹장 충수 결장 직장 항문 식도 위장 소장
대장 방광 요도 요관 신우 전립선 자궁 난소 난관 나팔관 유방 유두 림프절 임파선 편도선 인두 후두
비강 부비동 고막 달팽이관 망막 각막 결막 수정체 유리체 홍채 안검 눈꺼풀 황체 뇌하수체 송과체
소뇌 대뇌 뇌간 척수 해마 시상하부 심방 심실 좌심실 우심실 폐포 기관지 횡격막 복막 흉막 늑골 늑막
안와 상악 하악 치아 잇몸 치은 구강 악하선 측두골 두개골 전두엽 후두엽 측두엽 두정엽
장요근 요근 대둔근 이두근 삼두근 승모근 반월상 반월판 연골판
"""

_DISEASES = """
육아종 혈종 지방종 섬유종 근종 자궁근종 낭종 난소낭종 림프종 흑색종 골육종 혈관종 신경종 선종 용종
대장용종 위용종 안검하수 위하수 백내장 녹내장 황반변성 비문증 결막염 각막염 안구건조증 다래끼 중이염
비염 축농증 부비동염 편도염 인두염 후두염 기관지염 폐렴 결핵 폐결핵 천식 간염 지방간 간경화 간경변
담석 담낭염 췌장염 위염 장염 대장염 궤양 위궤양 십이지장궤양 역류성식도염 식도염 과민성대장증후군
크론병 치질 치핵 치루 치열 탈장 서혜부탈장 충수염 맹장염 신우신염 방광염 요로감염 요로결석
신장결석 전립선비대증 고혈압 저혈압 고지혈증 이상지질혈증 당뇨 당뇨병 갑상선염 갑상선암 갑상선결절
위암 간암 폐암 대장암 유방암 자궁경부암 췌장암 전립선암 방광암 신장암 협심증 심근경색 부정맥
심방세동 심부전 뇌경색 뇌출혈 뇌졸중 지주막하출혈 치매 파킨슨병 뇌전증 편두통 대상포진 수두 홍역
독감 인플루엔자 노로바이러스 로타바이러스 아데노바이러스 폐색전증 심부정맥혈전증 통풍 관절염
퇴행성관절염 류마티스관절염 골다공증 골절 압박골절 염좌 탈구 추간판탈출증 척추관협착증 협착증
척추분리증 척추전방전위증 오십견 유착성관절낭염 석회성건염 건염 활액낭염 족저근막염 손목터널증후군
테니스엘보 아토피 두드러기 건선 습진 여드름 무좀 수족구 이명 어지럼증 현훈 메니에르병 빈혈 혈우병
백혈병 패혈증 탈수 저혈당 황달 담마진 봉와직염 욕창 화상 열상 찰과상 타박상 좌상 자상 교상
감염성장염 급성위장염 장중첩증 장폐색 게실염 방광류 자궁내막증 자궁선근증 다낭성난소증후군
임신중독증 전치태반 조산 유산 불임 난임 골수염 건초염 방아쇠수지 무지외반증 평발 척추측만증
유두종 단일분만 분만 자연분만
"""

_PROCEDURES = """
내시경 위내시경 대장내시경 장내시경 캡슐내시경 복강경 관절경 흉강경 방광경 기관지경 조영술 혈관조영술
관상동맥조영술 초음파 복부초음파 심장초음파 갑상선초음파 유방초음파 심전도 뇌파 근전도 신경전도
엑스레이 흉부엑스레이 단순촬영 골밀도 혈액검사 소변검사 조직검사 생검 세포검사 절제술 적출술 봉합술
성형술 치환술 인공관절치환술 고정술 유합술 감압술 천자 요추천자 배액술 도관 스텐트 카테터 투석
혈액투석 복막투석 항암치료 방사선치료 물리치료 도수치료 체외충격파 수액 수혈 마취 전신마취 척추마취
국소마취 수면마취 수면내시경 용종절제술 담낭절제술 충수절제술 제왕절개 자궁적출술 갑상선절제술
인공수정 시험관 체외수정 신경차단술 고주파열치료 재활치료 인공호흡 기관삽관 기관절개 심폐소생술
"""

_SYMPTOMS = """
고열 발열 오한 구토 오심 설사 변비 복통 두통 요통 흉통 호흡곤란 기침 객담 각혈 토혈 혈뇨 단백뇨
부종 흑변 혈변 빈뇨 잔뇨감 배뇨통 소양감 저림 마비 경련 실신 현기증 이물감 작열감 압통 방사통
"""


_DRUG_CLASSES = """
진해제 거담제 진해거담제 해열제 진통제 해열진통제 소염제 소염진통제 항생제 항균제 항바이러스제 항진균제 수면제 진정제
안정제 신경안정제 이뇨제 제산제 위장약 소화제 지사제 완화제 변비약 진경제 항히스타민제 스테로이드 항응고제 항혈소판제
혈전용해제 혈압약 혈당강하제 인슐린 근이완제 항경련제 항우울제 항불안제 항정신병약 해독제 조영제 마취제 수액제
영양제 철분제 엽산제 호르몬제 항암제 면역억제제 기관지확장제 흡입제 점안제 안약 연고 좌약 패치 주사제
갈근탕 쌍화탕 보중익기탕 소청룡탕 한약 탕약 첩약
"""


def _plausible_given(word: str) -> bool:
    return len(word) == 2 and word[1] in GIVEN


MEDICAL_TERMS: frozenset[str] = frozenset(
    w for w in (_ANATOMY + _DISEASES + _PROCEDURES + _SYMPTOMS + _DRUG_CLASSES).split() if not _plausible_given(w))
# Compounds built on a long term (장+내시경, 하지+정맥류, 급성+위장염): the term is three syllables or
# more, so a given name ending in it is no risk.
_LONG_TERMS = frozenset(w for w in MEDICAL_TERMS if len(w) >= 3)


def medical_term(word: str) -> bool:
    """``word`` (a particle-free Hangul stem) is clinical vocabulary, or one to two syllables of
    qualifier before a term of three syllables or more."""
    return word in MEDICAL_TERMS or any(word[k:] in _LONG_TERMS for k in (1, 2) if len(word) - k >= 3)
