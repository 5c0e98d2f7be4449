"""Resident registration numbers (주민등록번호): YYMMDD-GNNNNNC.

G encodes century and sex (1/2: 1900s, 3/4: 2000s, 9/0: 1800s; 5-8 the same for foreign
residents). Numbers issued before October 2020 end in a check digit; numbers issued since
have random digits after G and need not satisfy it, so detection must never require it.
"""

from __future__ import annotations

import datetime as dt

_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
# G digit -> (century, sex, foreign)
GENDER_DIGITS: dict[int, tuple[int, str, bool]] = {
    9: (1800, "M", False), 0: (1800, "F", False),
    1: (1900, "M", False), 2: (1900, "F", False), 3: (2000, "M", False), 4: (2000, "F", False),
    5: (1900, "M", True), 6: (1900, "F", True), 7: (2000, "M", True), 8: (2000, "F", True),
}


def check_digit(first12: str) -> int:
    """C = (11 - sum(d_i * w_i) mod 11) mod 10 over the first 12 digits."""
    if len(first12) != 12 or not first12.isdigit():
        raise ValueError("need exactly 12 digits")
    total = sum(int(d) * w for d, w in zip(first12, _WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def has_valid_check_digit(rrn: str) -> bool:
    digits = rrn.replace("-", "")
    return len(digits) == 13 and digits.isdigit() and check_digit(digits[:12]) == int(digits[12])


def gender_digit(birth: dt.date, sex: str, foreign: bool = False) -> int:
    for g, (century, s, f) in GENDER_DIGITS.items():
        if century <= birth.year < century + 100 and s == sex and f == foreign:
            return g
    raise ValueError(f"no gender digit for birth year {birth.year}, sex {sex!r}, foreign={foreign}")


def birth_date(rrn: str) -> dt.date:
    """The birth date an RRN encodes (raises ValueError on an impossible date)."""
    digits = rrn.replace("-", "")
    century = GENDER_DIGITS[int(digits[6])][0]
    return dt.date(century + int(digits[:2]), int(digits[2:4]), int(digits[4:6]))


def compose(birth: dt.date, sex: str, serial: str, *, foreign: bool = False, legacy: bool = True) -> str:
    """Build an RRN from its parts. serial: 5 digits (legacy: region + order) or 6 (post-2020)."""
    head = birth.strftime("%y%m%d") + str(gender_digit(birth, sex, foreign))
    if legacy:
        if len(serial) != 5 or not serial.isdigit():
            raise ValueError("a legacy RRN needs a 5-digit serial")
        body = head + serial
        return f"{body[:6]}-{body[6:]}{check_digit(body)}"
    if len(serial) != 6 or not serial.isdigit():
        raise ValueError("a post-2020 RRN needs a 6-digit random serial")
    return f"{head[:6]}-{head[6:]}{serial}"
