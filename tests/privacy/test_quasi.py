from __future__ import annotations

import json
import math
import random
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimvlm.privacy.quasi import (
    HIERARCHIES,
    KAnonymityReport,
    QuasiRecord,
    dp_summary,
    generalise_birth_year,
    generalise_hospital,
    generalise_region,
    generalise_sex,
    hospital_kind,
    k_anonymize,
    region_group,
)

ATTRS = ("birth_year", "sex", "region", "hospital")
REGIONS = ("서울특별시", "경기도", "인천광역시", "부산광역시", "대구광역시", "제주특별자치도", "충청북도", "전라남도")
HOSPITALS = ("한빛정형외과의원", "푸른병원", "대한종합병원", "늘봄한의원", "미래치과의원", "서울의료원", "새봄요양병원")


def rec(i: int, year: int | None = 1980, sex: str | None = "M", region: str | None = "서울특별시",
        hospital: str | None = "푸른병원", doc_type: str = "receipt", amount: int | None = 10_000) -> QuasiRecord:
    return QuasiRecord(f"DOC-{i:05d}", doc_type, year, sex, region, hospital, amount)


def class_sizes(report: KAnonymityReport) -> Counter:
    return Counter(tuple(row[a] for a in report.levels) for row in report.released)


def check_invariants(records: list[QuasiRecord], report: KAnonymityReport, k: int,
                     max_suppression: float) -> None:
    ids = [r.doc_id for r in records]
    released = [row["doc_id"] for row in report.released]
    assert sorted(released + list(report.suppressed)) == sorted(ids)
    assert not set(released) & set(report.suppressed)
    sizes = class_sizes(report)
    if len(records) < k:
        assert report.released == () and report.k_achieved == 0 and report.classes == 0
        return
    assert len(report.suppressed) <= max_suppression * len(records)
    assert min(sizes.values()) >= k
    assert report.k_achieved == min(sizes.values()) >= k
    assert report.classes == len(sizes)


def small_records(records: list[QuasiRecord], levels: dict[str, int], k: int) -> int:
    keys = [tuple(HIERARCHIES[a][1](getattr(r, a), lvl) for a, lvl in levels.items()) for r in records]
    sizes = Counter(keys)
    return sum(s for s in sizes.values() if s < k)


def check_minimal(records: list[QuasiRecord], report: KAnonymityReport, k: int,
                  max_suppression: float) -> None:
    """Lowering any one attribute by one level must break the suppression budget."""
    for attr, lvl in report.levels.items():
        if lvl > 0:
            lower = {**report.levels, attr: lvl - 1}
            assert small_records(records, lower, k) > max_suppression * len(records), (attr, report.levels)


# --- hierarchies -----------------------------------------------------------------------------------
def test_birth_year_hierarchy() -> None:
    assert [generalise_birth_year(1987, lvl) for lvl in range(5)] == ["1987", "1985-1989", "1980-1989",
                                                                      "1980-1999", "*"]
    assert [generalise_birth_year(2000, lvl) for lvl in range(5)] == ["2000", "2000-2004", "2000-2009",
                                                                      "2000-2019", "*"]
    assert generalise_birth_year(1999, 3) == "1980-1999"
    assert all(generalise_birth_year(None, lvl) == "*" for lvl in range(5))


def test_sex_region_hospital_hierarchies() -> None:
    assert generalise_sex("F", 0) == "F" and generalise_sex("F", 1) == "*" and generalise_sex(None, 0) == "*"
    assert generalise_region("경기도", 1) == "수도권"
    assert generalise_region("서울", 0) == "서울특별시"  # short names share the canonical class
    assert [region_group(r) for r in ("세종특별자치시", "전라북도", "울산광역시", "강원도", "제주")] == [
        "충청", "호남", "영남", "강원", "제주"]
    assert generalise_region("경기도", 2) == "*"
    assert generalise_region("Atlantis", 0) == "*" and generalise_region(None, 1) == "*"
    assert generalise_hospital("한빛정형외과의원", 0) == "한빛정형외과의원"
    assert generalise_hospital("한빛정형외과의원", 1) == "의원"
    assert generalise_hospital("한빛정형외과의원", 2) == "*"
    assert generalise_hospital(None, 0) == "*" and generalise_hospital("  ", 1) == "*"


@pytest.mark.parametrize(("name", "kind"), [
    ("한빛정형외과의원", "의원"), ("늘봄한의원", "한의원"), ("미래치과의원", "치과"), ("밝은치과병원", "치과"),
    ("새봄요양병원", "요양병원"), ("대한종합병원", "종합병원"), ("서울대학교병원", "종합병원"),
    ("푸른여성병원", "병원"), ("서울의료원", "의료원"), ("한빛 내과 의원", "의원"), ("약국", "기타"),
])
def test_hospital_kind_longest_suffix(name: str, kind: str) -> None:
    assert hospital_kind(name) == kind


# --- k-anonymity -----------------------------------------------------------------------------------
def test_already_k_anonymous_is_not_generalised() -> None:
    records = [rec(i * 10 + j, year=1970 + i, sex="MF"[i % 2], region=REGIONS[i % 3], hospital=HOSPITALS[i])
               for i in range(6) for j in range(5)]
    report = k_anonymize(records, k=5)
    assert report.levels == dict.fromkeys(ATTRS, 0)
    assert report.suppressed == () and report.k_achieved == 5 and report.classes == 6
    assert report.released[0] == {"doc_id": "DOC-00000", "birth_year": "1970", "sex": "M",
                                  "region": "서울특별시", "hospital": "한빛정형외과의원"}


def test_unique_outlier_is_suppressed_within_budget() -> None:
    records = [rec(i, year=1980 + i % 4) for i in range(40)]  # four classes of 10
    outlier = rec(999, year=1931, sex="F", region="제주특별자치도", hospital="새봄요양병원")
    report = k_anonymize([*records, outlier], k=5, max_suppression=0.05)
    assert report.suppressed == (outlier.doc_id,)
    assert report.levels == dict.fromkeys(ATTRS, 0)
    check_invariants([*records, outlier], report, 5, 0.05)


def test_unique_outlier_is_generalised_without_suppression_budget() -> None:
    records = [*(rec(i, year=1980 + i % 4) for i in range(40)),
               rec(999, year=1931, sex="F", region="제주특별자치도", hospital="새봄요양병원")]
    report = k_anonymize(records, k=5, max_suppression=0.0)
    assert report.suppressed == ()
    assert any(lvl > 0 for lvl in report.levels.values())
    check_invariants(records, report, 5, 0.0)
    check_minimal(records, report, 5, 0.0)


@pytest.mark.parametrize("n", [0, 1, 4])
def test_fewer_than_k_records_releases_nothing(n: int) -> None:
    records = [rec(i) for i in range(n)]
    report = k_anonymize(records, k=5)
    assert report.released == () and report.suppressed == tuple(r.doc_id for r in records)
    assert report.k_achieved == 0 and report.classes == 0
    assert "fewer than k" in report.note
    summary = report.to_json()
    assert summary["released"] == 0 and summary["suppressed"] == n and "fewer than k" in summary["note"]


def test_to_json_has_no_doc_ids_and_a_histogram() -> None:
    records = [*(rec(i, year=1980 + i % 3) for i in range(30)), rec(777, year=1920, sex="F")]
    report = k_anonymize(records, k=5)
    summary = report.to_json()
    text = json.dumps(summary, ensure_ascii=False)
    assert "DOC-" not in text
    assert summary["class_size_histogram"] == {"10": 3}
    assert summary["suppressed"] == 1 and summary["records"] == 31 and summary["k_achieved"] == 10


def test_deterministic_and_order_independent() -> None:
    rng = random.Random(7)
    records = [rec(i, year=rng.randint(1940, 2005), sex=rng.choice("MF"), region=rng.choice(REGIONS),
                   hospital=rng.choice(HOSPITALS)) for i in range(300)]
    first, again = k_anonymize(records), k_anonymize(records)
    assert first == again
    shuffled = records[:]
    rng.shuffle(shuffled)
    other = k_anonymize(shuffled)
    assert other.levels == first.levels and set(other.suppressed) == set(first.suppressed)


def test_attribute_subset_and_validation() -> None:
    records = [rec(i, sex="MF"[i % 2]) for i in range(20)]
    report = k_anonymize(records, k=5, attributes=("sex",))
    assert report.levels == {"sex": 0} and set(report.released[0]) == {"doc_id", "sex"}
    with pytest.raises(ValueError):
        k_anonymize(records, k=0)
    with pytest.raises(ValueError):
        k_anonymize(records, attributes=("name",))
    with pytest.raises(ValueError):
        k_anonymize(records, max_suppression=1.0)


def _skewed_population(seed: int, n: int) -> list[QuasiRecord]:
    """Zipf-like choices: a few very common values and a long tail of rare ones."""
    g = np.random.default_rng(seed)

    def pick(pool: tuple, p_none: float):
        if g.random() < p_none:
            return None
        weights = 1.0 / np.arange(1, len(pool) + 1) ** 1.5
        return pool[int(g.choice(len(pool), p=weights / weights.sum()))]

    years = tuple(range(1990, 1930, -1))
    return [rec(i, year=pick(years, 0.05), sex=pick(("M", "F"), 0.02), region=pick(REGIONS, 0.05),
                hospital=pick(HOSPITALS, 0.1)) for i in range(n)]


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize(("n", "k", "max_suppression"), [(60, 5, 0.05), (400, 5, 0.05), (400, 10, 0.02),
                                                         (1500, 3, 0.0)])
def test_skewed_populations_are_k_anonymous(seed: int, n: int, k: int, max_suppression: float) -> None:
    records = _skewed_population(seed, n)
    report = k_anonymize(records, k=k, max_suppression=max_suppression)
    check_invariants(records, report, k, max_suppression)
    check_minimal(records, report, k, max_suppression)


record_strategy = st.builds(
    lambda year, sex, region, hospital: (year, sex, region, hospital),
    st.one_of(st.none(), st.integers(1920, 2010)),
    st.sampled_from(["M", "F", None]),
    st.sampled_from([*REGIONS, "서울", None, "어딘가"]),
    st.sampled_from([*HOSPITALS, None]),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(record_strategy, max_size=120), st.integers(1, 8), st.sampled_from([0.0, 0.05, 0.2]))
def test_random_populations_are_k_anonymous(rows: list, k: int, max_suppression: float) -> None:
    records = [rec(i, *row) for i, row in enumerate(rows)]
    report = k_anonymize(records, k=k, max_suppression=max_suppression)
    check_invariants(records, report, k, max_suppression)
    if len(records) >= k:
        check_minimal(records, report, k, max_suppression)


# --- differential privacy --------------------------------------------------------------------------
def _dp_population(n: int = 400) -> list[QuasiRecord]:
    rng = random.Random(3)
    return [rec(i, year=rng.randint(1940, 2005), sex=rng.choice("MF"), region=rng.choice(REGIONS),
                doc_type=rng.choice(["receipt", "itemized_bill", "diagnosis_certificate"]),
                amount=rng.randint(0, 3_000_000) if i % 2 else None) for i in range(n)]


def test_dp_summary_keys_and_budget() -> None:
    out = dp_summary(_dp_population(), epsilon=2.0, seed=11)
    assert out["epsilon"] == 2.0 and out["delta"] == 0.0
    assert set(out["counts"]) == {"document_type", "sex", "birth_decade", "region_group"}
    assert set(out["budget"]) == {*out["counts"], "mean_total_amount"}
    assert math.isclose(sum(out["budget"].values()), 2.0)  # sequential composition adds up to epsilon
    assert math.isclose(sum(out["mean_total_amount_split"].values()), out["budget"]["mean_total_amount"])
    assert "Geometric" in out["mechanism"]["counts"] and "Laplace" in out["mechanism"]["mean_total_amount"]
    assert "seed" not in out  # knowing the seed would let anyone subtract the noise
    assert set(out["counts"]["sex"]) == {"M", "F", "unknown"}
    assert "1980-1989" in out["counts"]["birth_decade"] and "수도권" in out["counts"]["region_group"]
    assert 0.0 <= out["mean_total_amount"] <= out["amount_clip"]
    json.dumps(out, ensure_ascii=False)


def test_dp_summary_domains_do_not_depend_on_data() -> None:
    empty, full = dp_summary([], epsilon=1.0, seed=0), dp_summary(_dp_population(), epsilon=1.0, seed=0)
    for stat in full["counts"]:
        assert set(empty["counts"][stat]) == set(full["counts"][stat])
    odd = dp_summary([rec(i, doc_type="fax") for i in range(50)], epsilon=50.0, seed=0)
    assert odd["counts"]["document_type"]["other"] > 40


def test_dp_summary_deterministic_per_seed() -> None:
    records = _dp_population()
    assert dp_summary(records, 1.0, seed=5) == dp_summary(records, 1.0, seed=5)
    assert dp_summary(records, 1.0, seed=5) != dp_summary(records, 1.0, seed=6)


def test_dp_counts_nonnegative_integers() -> None:
    records = [rec(i, sex="M") for i in range(3)]  # most bins are 0, so noise often goes negative
    for seed in range(30):
        out = dp_summary(records, epsilon=0.5, seed=seed)
        for hist in out["counts"].values():
            assert all(isinstance(v, int) and v >= 0 for v in hist.values())


def test_dp_count_noise_scale() -> None:
    records = [rec(i, sex="MF"[i % 2]) for i in range(400)]  # 200 each: far from the clip at 0
    epsilon = 1.0
    share = epsilon / 5
    alpha = math.exp(-share)
    expected = 2 * alpha / (1 - alpha**2)  # E|noise| of the two-sided geometric, ~ 1/share
    errors = [abs(dp_summary(records, epsilon, seed)["counts"]["sex"]["M"] - 200) for seed in range(300)]
    mae = float(np.mean(errors))
    assert expected / 3 < mae < expected * 3, (mae, expected)
    looser = [abs(dp_summary(records, 10 * epsilon, seed)["counts"]["sex"]["M"] - 200) for seed in range(300)]
    assert float(np.mean(looser)) < mae  # more budget, less noise


def test_dp_mean_amount_is_clipped_and_accurate_on_large_data() -> None:
    records = [rec(i, amount=100_000) for i in range(20_000)] + [rec(-1, amount=10**12)]
    out = dp_summary(records, epsilon=10.0, seed=1, amount_clip=1_000_000)
    # The huge outlier is clipped to 1e6, moving the true mean by ~45 won, not 5e7.
    assert out["mean_total_amount"] == pytest.approx(100_045, rel=0.02)
    with pytest.raises(ValueError):
        dp_summary(records, epsilon=0.0, seed=1)
