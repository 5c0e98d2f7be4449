from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claimvlm import rrn
from claimvlm.synthesis.values import resident_number


def test_check_digit_of_a_hand_checked_number() -> None:
    # 900101-123456C: weighted sum 124; (11 - 124 % 11) % 10 = (11 - 3) % 10 = 8.
    assert rrn.check_digit("900101123456") == 8
    assert rrn.has_valid_check_digit("900101-1234568")
    assert not rrn.has_valid_check_digit("900101-1234567")


@given(birth=st.dates(dt.date(1900, 1, 1), dt.date(2019, 12, 31)), sex=st.sampled_from("MF"),
       foreign=st.booleans(), serial=st.integers(0, 99999))
def test_legacy_numbers_round_trip(birth: dt.date, sex: str, foreign: bool, serial: int) -> None:
    number = rrn.compose(birth, sex, f"{serial:05d}", foreign=foreign, legacy=True)
    assert rrn.has_valid_check_digit(number)
    assert rrn.birth_date(number) == birth
    century, s, f = rrn.GENDER_DIGITS[int(number[7])]
    assert (s, f) == (sex, foreign) and century <= birth.year < century + 100


@given(seed=st.integers(0, 2**32))
def test_generated_numbers_cover_both_kinds_and_encode_a_real_birth_date(seed: int) -> None:
    r = random.Random(seed)
    numbers = [resident_number(r, dt.date(2024, 1, 1)) for _ in range(200)]
    for n in numbers:
        assert rrn.birth_date(n) <= dt.date(2024, 1, 1)
    # About a fifth are post-2020 random serials, so some fail the check digit.
    assert sum(not rrn.has_valid_check_digit(n) for n in numbers) >= 1


def test_post_2020_numbers_need_six_random_digits() -> None:
    n = rrn.compose(dt.date(2001, 5, 6), "F", "123456", legacy=False)
    assert n == "010506-4123456"
    with pytest.raises(ValueError):
        rrn.compose(dt.date(2001, 5, 6), "F", "12345", legacy=False)
