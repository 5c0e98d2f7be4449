"""Korean administrative place names that start an address (used by claimvlm.privacy.patterns):
provinces and metropolitan cities, the cities, districts and counties below them."""

from __future__ import annotations

PROVINCES = (
    "서울특별시 서울시 서울 부산광역시 부산시 부산 대구광역시 대구시 대구 인천광역시 인천시 인천 광주광역시 광주시 "
    "광주 대전광역시 대전시 대전 울산광역시 울산시 울산 세종특별자치시 세종시 세종 경기도 경기 강원특별자치도 강원도 "
    "강원 충청북도 충북 충청남도 충남 전북특별자치도 전라북도 전북 전라남도 전남 경상북도 경북 경상남도 경남 "
    "제주특별자치도 제주도 제주"
)
# Cities and districts that start an address with the province left out (수원시 영통구 ..., 강남구
# 테헤란로 ...): official names only, since any word ending in 시/구/군 would do otherwise (연구, 당시).
CITIES = (
    "수원시 성남시 고양시 용인시 부천시 안산시 안양시 남양주시 화성시 평택시 의정부시 시흥시 파주시 김포시 광명시 "
    "군포시 하남시 오산시 이천시 안성시 의왕시 양주시 구리시 포천시 동두천시 과천시 여주시 춘천시 원주시 강릉시 동해시 "
    "속초시 삼척시 청주시 충주시 제천시 천안시 공주시 보령시 아산시 서산시 논산시 당진시 전주시 군산시 익산시 정읍시 "
    "남원시 김제시 목포시 여수시 순천시 나주시 광양시 포항시 경주시 김천시 안동시 구미시 영주시 영천시 상주시 문경시 "
    "경산시 창원시 진주시 통영시 사천시 김해시 밀양시 거제시 양산시 제주시 서귀포시 종로구 용산구 성동구 광진구 "
    "동대문구 중랑구 성북구 강북구 도봉구 노원구 은평구 서대문구 마포구 양천구 강서구 구로구 금천구 영등포구 동작구 "
    "관악구 서초구 강남구 송파구 강동구 영도구 부산진구 동래구 해운대구 사하구 금정구 연제구 수영구 사상구 기장군 "
    "수성구 달서구 달성군 미추홀구 연수구 남동구 부평구 계양구 광산구 유성구 대덕구 울주군 분당구 수정구 중원구 "
    "일산동구 일산서구 덕양구 수지구 기흥구 처인구 팔달구 영통구 권선구 장안구 단원구 상록구 만안구 동안구 "
    "원미구 소사구 오정구 상당구 서원구 흥덕구 청원구 동남구 서북구 완산구 덕진구 의창구 성산구 마산합포구 마산회원구 "
    "진해구 태백시 계룡시 "
    # the counties (군), every province's
    "가평군 양평군 연천군 홍천군 횡성군 영월군 평창군 정선군 철원군 화천군 양구군 인제군 고성군 양양군 보은군 옥천군 "
    "영동군 증평군 진천군 괴산군 음성군 단양군 금산군 부여군 서천군 청양군 홍성군 예산군 태안군 완주군 진안군 무주군 "
    "장수군 임실군 순창군 고창군 부안군 담양군 곡성군 구례군 고흥군 보성군 화순군 장흥군 강진군 해남군 영암군 무안군 "
    "함평군 영광군 장성군 완도군 진도군 신안군 군위군 의성군 청송군 영양군 영덕군 청도군 고령군 성주군 칠곡군 예천군 "
    "봉화군 울진군 울릉군 의령군 함안군 창녕군 남해군 하동군 산청군 함양군 거창군 합천군 강화군 옹진군"
)
# The districts named by a direction (중구, 남구: in six cities each) are also plain words' endings, so
# an address that starts with one needs a street or a lot number after it (남구 새싹로 254).
WARDS = "중구 동구 서구 남구 북구"
