"""Consistent, format-keeping surrogates for personal identifiers (가명처리).

Every surrogate is drawn from HMAC-SHA256(secret key, type, normalised value): the same real
value maps to the same fake value across a dataset (and across runs with the same key),
nobody without the key can map a surrogate back, and another key gives other surrogates.
Surrogates keep the format of what they replace (separators, length, masking), so forms
and the model's JSON keep their shape.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import os
import re
from collections.abc import Callable, Iterator

from claimvlm import rrn as rrn_lib
from claimvlm.errors import ClaimvlmError
from claimvlm.privacy.patterns import OCR_DIGITS
from claimvlm.synthesis import korean_data as kd

_SIDO = tuple(kd.REGIONS)
# Short province names used in addresses ("서울 강남구 ...") -> the table's full name.
_SIDO_SHORT = {s[:2]: s for s in _SIDO} | {"충북": "충청북도", "전남": "전라남도", "경남": "경상남도", "강원": "강원특별자치도"}


class MissingKeyError(ClaimvlmError, RuntimeError):
    """The pseudonymisation key is not set."""


# Words of example values (infra/.env.example's change-me-…): a key holding one was never replaced.
_PLACEHOLDERS = ("change-me", "changeme", "change_me", "replace-me", "replaceme", "placeholder", "example",
                 "your-key", "yourkey", "secret-key")


def key_from_env(var: str) -> bytes:
    """The pseudonymisation secret; refused when short, a placeholder, or of too few distinct
    characters to be random (``openssl rand -hex 32`` has 16)."""
    value = os.environ.get(var, "")
    hint = "e.g. `openssl rand -hex 32`; `make run` creates one in .secrets/ for local use"
    if len(value) < 16:
        raise MissingKeyError(f"environment variable {var} must hold the pseudonymisation secret (at least 16 "
                              f"characters, {hint})")
    if any(word in value.lower() for word in _PLACEHOLDERS) or len(set(value)) < 10:
        raise MissingKeyError(f"environment variable {var} holds a placeholder or a non-random value, not a secret: "
                              f"replace it ({hint})")
    return value.encode()


class _Stream:
    """Deterministic pseudo-random choices from an HMAC of one value."""

    def __init__(self, key: bytes, kind: str, value: str) -> None:
        self._seed = hmac.new(key, f"{kind}\x00{value}".encode(), hashlib.sha256).digest()
        self._blocks = self._gen()
        self._buf = b""

    def _gen(self) -> Iterator[bytes]:
        counter = 0
        while True:
            yield hashlib.sha256(self._seed + counter.to_bytes(4, "big")).digest()
            counter += 1

    def below(self, n: int) -> int:
        if len(self._buf) < 4:
            self._buf += next(self._blocks)
        value, self._buf = int.from_bytes(self._buf[:4], "big"), self._buf[4:]
        return value % n

    def choice(self, seq: tuple | list) -> object:
        return seq[self.below(len(seq))]

    def digits(self, n: int) -> str:
        return "".join(str(self.below(10)) for _ in range(n))


# Surrogate roads: stems Korean road names are made of, with 로/길/대로, none of them a road of the
# synthetic tables (kd.ROADS) that a synthetic batch's real addresses come from. ~190 roads x 999
# building numbers (a quarter with a sub-number, "12-3") per district: even 20,000 real addresses
# on these very roads in one province would meet only a few first draws in a hundred.
_ROAD_STEMS = ("가람", "가온", "갈매", "개나리", "고운", "구름", "국화", "금빛", "까치", "꽃담", "나래", "느티", "누리",
               "늘솔", "다솜", "달빛", "돌담", "동백", "두레", "들꽃", "마루", "매화", "모란", "목련", "무궁화", "물푸레",
               "미리내", "바람", "반석", "버들", "벚꽃", "별빛", "보람", "봉황", "비둘기", "산들", "새솔", "샘터", "소나무",
               "솔밭", "솔빛", "수정", "시루", "아름", "아리", "연꽃", "오솔", "옥천", "은하", "은행", "이슬", "장미", "진달래",
               "참솔", "청솔", "초록", "푸른솔", "하늘", "한울", "해오름", "햇살", "호수", "홍매", "화랑")
_ROADS = tuple(road for stem in _ROAD_STEMS for suffix in ("로", "길", "대로")
               if (road := stem + suffix) not in kd.ROADS)
_ATTEMPTS = 32  # redraws while a surrogate meets a real value; each one rarely needs a second
_SPACE = re.compile(r"\s+")


class Pseudonymizer:
    """Surrogates by PII type; ``__call__(kind, value)`` dispatches (the detector's redact uses it)."""

    def __init__(self, key: bytes, avoid: frozenset[str] | set[str] = frozenset()) -> None:
        """``avoid``: the batch's real values. No surrogate may equal one, or hold one where the leak
        scanner would find it: names and addresses are drawn from tables real ones come from too, and
        an 8-digit chart or phone number drawn for 20,000 documents meets another document's real one
        a few times (20,000 x 20,000 / 10^8)."""
        if len(key) < 16:
            raise ValueError("the pseudonymisation key must be at least 16 bytes")
        self._key = key
        self._avoid = frozenset(_SPACE.sub("", v) for v in avoid)
        # Numbers as the scanner compares them, by their digits (5 and more: shorter ones it skips).
        self._avoid_numbers = frozenset(d for v in avoid
                                        if _looks_numeric(v) and len(d := re.sub(r"\D", "", v)) >= 5)
        self._kinds = {"name": self.name, "rrn": self.rrn, "address": self.address, "phone": self.phone,
                       "email": self.email, "foreign_registration_no": self.foreign_registration_no,
                       "medical_license": self.medical_license, "vehicle_no": self.vehicle_no,
                       "ip_address": self.ip_address}

    def __call__(self, kind: str, value: str) -> str:
        return self._kinds.get(kind, self.shaped)(value) if value else value

    def _stream(self, kind: str, normalised: str, attempt: int = 0) -> _Stream:
        return _Stream(self._key, f"{kind}#{attempt}", normalised)

    def _draw(self, kind: str, normalised: str, value: str, build: Callable[[_Stream], str], *,
              text: bool = False) -> str:
        """The first of the HMAC streams (kind, normalised value, attempt 0, 1, …) whose surrogate is
        not ``value`` and meets no real value: deterministic for a key, a value and a batch, and the
        same as a plain draw (attempt 0) for all but the rare value whose first draw collided."""
        for attempt in range(_ATTEMPTS):
            fake = build(self._stream(kind, normalised, attempt))
            if not (_same(fake, value) or self._holds_number(fake) or (text and self._collides(fake))):
                break
        return fake  # after _ATTEMPTS collisions (never seen) the leak scanner fails the batch: safe

    def _holds_number(self, fake: str) -> bool:
        """Whether a real number of the batch is in ``fake`` the way the scanner reads numbers: digit
        groups that separators join ("010-1234-5678" holds 010, 1234, 5678, 0101234, 12345678, …)."""
        runs = [re.findall(r"\d+", run) for run in re.findall(r"\d+(?:[\s.-]+\d+)*", fake)]
        return any("".join(g[i:j]) in self._avoid_numbers for g in runs for i in range(len(g))
                   for j in range(i + 1, len(g) + 1))

    def _collides(self, fake: str) -> bool:
        """Whether ``fake`` is, or contains, a real value of the batch (a 4-syllable surrogate could
        hold another patient's 3-syllable name, a surrogate "…로 124" a real "…로 12"): stricter than
        the scanner, which needs whole tokens, so a collision is never left to chance."""
        fake = _SPACE.sub("", fake)
        return fake in self._avoid or any(fake[i:j] in self._avoid for i in range(len(fake))
                                          for j in range(i + 3, len(fake) + 1))

    def name(self, value: str) -> str:
        """A Korean name with the same number of syllables and the same spacing ("김 영 희"); a name in
        Latin letters (John Smith) gets other letters in the same places."""
        if not re.search("[가-힣]", value):
            return self.shaped(value)
        compact = value.replace(" ", "")
        surnames = [s for s, _ in kd.SURNAMES if len(s) < len(compact)] or [s for s, _ in kd.SURNAMES]

        def build(st: _Stream) -> str:
            surname = str(st.choice(surnames))
            given = len(compact) - len(surname)
            return surname + "".join(str(st.choice(kd.GIVEN_SYLLABLES)) for _ in range(given))

        fake = self._draw("name", compact, compact, build, text=True)
        return " ".join(fake) if " " in value.strip() else fake

    def rrn(self, value: str, kind: str = "rrn") -> str:
        """Same birth decade and gender digit, another birth date and serial; masks and separators kept.

        The legacy check digit is made to fail on purpose, so a surrogate is never a valid legacy
        number (a real person's number issued before October 2020 always validates)."""
        digits = re.sub(r"\D", "", value.translate(OCR_DIGITS).replace("*", "0").replace("x", "0"))
        if len(digits) != 13:
            return self.shaped(value)
        decade = digits[0]
        g = int(digits[6])
        century = rrn_lib.GENDER_DIGITS.get(g, (1900, "M", False))[0]

        def build(st: _Stream) -> str:
            year = century + int(decade) * 10 + st.below(10)
            month = 1 + st.below(12)
            day = 1 + st.below(calendar.monthrange(year, month)[1])
            head = f"{year % 100:02d}{month:02d}{day:02d}{g}"
            serial = st.digits(5)
            check = (rrn_lib.check_digit(head + serial) + 1 + st.below(9)) % 10  # never the valid one
            return _refill(value, head + serial + str(check), masked=True)

        return self._draw(kind, digits, value, build)

    def phone(self, value: str) -> str:
        """Keeps the country/area/mobile prefix and separators; replaces the subscriber digits."""
        normal = re.sub(r"\D", "", value.translate(OCR_DIGITS))
        m = re.match(r"^(\+?82[\s.-]*)?(0?1[016789]|0?2|0?[3-6][1-5])", value.strip())
        keep = len(re.sub(r"\D", "", m.group(0))) if m else 0
        return self._draw("phone", normal, value,
                          lambda st: _refill(value, normal[:keep] + st.digits(len(normal) - keep)))

    def address(self, value: str) -> str:
        """Keeps the province (시/도, a quasi-identifier k-anonymity generalises) and the shape of the
        detail (floor, 동/호); district, road, building number and unit are fictitious."""
        first = value.split(" ", 1)[0]
        sido = first if first in kd.REGIONS else _SIDO_SHORT.get(first[:2])

        def build(st: _Stream) -> str:
            region = sido or str(st.choice(_SIDO))
            number = str(1 + st.below(999)) + (f"-{1 + st.below(30)}" if st.below(4) == 0 else "")
            district = st.choice(kd.REGIONS[region][1])
            fake = f"{first if sido else region} {district} {st.choice(_ROADS)} {number}"
            if re.search(r"\d+층", value):
                fake += f", {1 + st.below(25)}층"
            unit = f"{1 + st.below(35)}{1 + st.below(8):02d}호"  # floor and door: 1203호
            if re.search(r"\d+동 ?\d+호", value):
                fake += f", {101 + st.below(30)}동 {unit}"
            elif re.search(r"\d+호", value):
                fake += f", {unit}"
            return fake

        # Not only unequal: a real address (or other identifier) must not be *inside* the surrogate
        # either ("효원로 12" in "효원로 12, 3층"): the leak scanner finds values inside longer text.
        return self._draw("address", _SPACE.sub("", value), value, build, text=True)

    def foreign_registration_no(self, value: str) -> str:
        """An RRN's shape with the foreigner's gender digit (5-8) kept: the RRN rule, its own stream."""
        return self.rrn(value, kind="foreign_registration_no")

    def medical_license(self, value: str) -> str:
        """As many digits, no leading zero (licence numbers are counts), never the same number."""
        digits = re.sub(r"\D", "", value.translate(OCR_DIGITS))
        return self._draw("medical_license", digits, digits,
                          lambda st: _refill(value, str(1 + st.below(9)) + st.digits(len(digits) - 1)))

    def vehicle_no(self, value: str) -> str:
        """Region word (a province, kept like an address's) and spacing kept; other digits, and another
        plate letter of the same use (private 가-주, commercial 아바사자, rental 하허호)."""

        def build(st: _Stream) -> str:
            def letter(m: re.Match[str]) -> str:
                group = next((g for g in _PLATE_GROUPS if m[2] in g), m[2])
                return m[1] + group[st.below(len(group))]

            out = re.sub(r"(\d[ \t]?)([가-힣])", letter, value, count=1)  # the letter after the first digits
            return re.sub(r"\d", lambda m: str(st.below(10)), out)

        return self._draw("vehicle_no", _SPACE.sub("", value), value, build, text=True)

    def ip_address(self, value: str) -> str:
        """IPv4: four other octets (1-254); IPv6: other hex digits, the colons and '::' kept."""
        hexd = "0123456789abcdef"

        def build(st: _Stream) -> str:
            if "." in value and ":" not in value:
                return ".".join(str(1 + st.below(254)) for _ in value.split("."))
            return "".join(hexd[st.below(16)] if ch in hexd else hexd[st.below(16)].upper()
                           if ch in hexd.upper() else ch for ch in value)

        return self._draw("ip_address", value.lower(), value, build, text=True)

    def email(self, value: str) -> str:
        return self._draw("email", value.lower(), value, lambda st: f"user{st.digits(6)}@example.com",
                          text=True)

    def shaped(self, value: str) -> str:
        """Any other identifier (chart, licence, card, account, passport, policy numbers):
        digits become other digits and letters other letters, everything else stays."""
        normal = re.sub(r"[\s-]", "", value.translate(OCR_DIGITS))

        def build(st: _Stream) -> str:
            out = []
            for ch in value:
                if ch.isdigit():
                    out.append(str(st.below(10)))
                elif "A" <= ch <= "Z":
                    out.append(chr(ord("A") + st.below(26)))
                elif "a" <= ch <= "z":
                    out.append(chr(ord("a") + st.below(26)))
                else:
                    out.append(ch)
            return "".join(out)

        return self._draw("shaped", normal, value, build)


# Plate letters by use: a surrogate keeps a private car private and a taxi a taxi.
_PLATE_GROUPS = ("가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주", "아바사자", "하허호", "배")


def _same(fake: str, value: str) -> bool:
    """Whether a surrogate is its own original: the same text, or for a number the same digits."""
    digits = re.sub(r"\D", "", value)
    same_number = len(digits) >= 5 and re.sub(r"\D", "", fake) == digits
    return same_number or _SPACE.sub("", fake) == _SPACE.sub("", value)


def _refill(template: str, digits: str, masked: bool = False) -> str:
    """Write ``digits`` into the digit positions of ``template`` (mask characters stay masks)."""
    out, i = [], 0
    for ch in template:
        if ch.isdigit() or ch in "lIO|o" and i < len(digits) and _looks_numeric(template):
            out.append(digits[i] if i < len(digits) else ch)
            i += 1
        elif masked and ch in "*xX":
            out.append(ch)
            i += 1
        else:
            out.append(ch)
    return "".join(out)


def _looks_numeric(text: str) -> bool:
    return sum(c.isdigit() for c in text) >= len(re.sub(r"[\s+*xX.-]", "", text)) // 2
