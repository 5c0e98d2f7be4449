"""Quasi-identifier k-anonymity and a differentially private dataset summary.

Generalisation hierarchies (level 0 is the value itself; the top level is always "*"):

    birth_year  0: 1987         1: "1985-1989"   2: "1980-1989"   3: "1980-1999"   4: "*"
    sex         0: "M" / "F"    1: "*"
    region      0: 시/도 (canonical full name)    1: 권역            2: "*"
                권역: 수도권 (서울/인천/경기), 강원, 충청 (대전/세종/충북/충남),
                      호남 (광주/전북/전남), 영남 (부산/대구/울산/경북/경남), 제주
    hospital    0: name         1: kind by name suffix (longest suffix wins)  2: "*"

None (and a region that is not a known 시/도) is "*" at every level: it is already unknown.
Bands are aligned to multiples of their width so every record of a band maps to the same label.

k_anonymize does full-domain generalisation (one level per attribute for the whole table) with
record suppression, searching the whole lattice (5*2*3*3 = 90 nodes) exhaustively rather than
greedily, because the lattice is tiny and an exhaustive search is optimal and order-free.
A node is feasible when the records in classes smaller than k number at most
max_suppression * n; they are suppressed (Samarati-style: suppression within the budget is free).
Among feasible nodes the chosen one minimises, lexicographically:
    1. generalisation loss  = sum over attributes of level / height  (Sweeney's precision loss),
    2. suppressed records,
    3. discernibility       = sum of squared class sizes  (Bayardo & Agrawal),
    4. the level tuple itself, so ties resolve deterministically.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType

import numpy as np

from claimvlm.schema import DOC_TYPES

STAR = "*"

# 시/도 -> (canonical name, 권역). Short and pre-2023/24 names map to the same canonical name so
# "서울" and "서울특별시" fall in one equivalence class.
_SIDO_TABLE: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("서울특별시", ("서울", "서울시"), "수도권"), ("인천광역시", ("인천", "인천시"), "수도권"),
    ("경기도", ("경기",), "수도권"), ("강원특별자치도", ("강원", "강원도"), "강원"),
    ("대전광역시", ("대전", "대전시"), "충청"), ("세종특별자치시", ("세종", "세종시"), "충청"),
    ("충청북도", ("충북",), "충청"), ("충청남도", ("충남",), "충청"),
    ("광주광역시", ("광주", "광주시"), "호남"), ("전북특별자치도", ("전북", "전라북도"), "호남"),
    ("전라남도", ("전남",), "호남"), ("부산광역시", ("부산", "부산시"), "영남"),
    ("대구광역시", ("대구", "대구시"), "영남"), ("울산광역시", ("울산", "울산시"), "영남"),
    ("경상북도", ("경북",), "영남"), ("경상남도", ("경남",), "영남"),
    ("제주특별자치도", ("제주", "제주도"), "제주"),
)
_SIDO: dict[str, tuple[str, str]] = {
    name: (canon, group) for canon, aliases, group in _SIDO_TABLE for name in (canon, *aliases)
}
REGION_GROUPS: tuple[str, ...] = ("수도권", "강원", "충청", "호남", "영남", "제주")

# Hospital-name suffix -> kind. Checked longest first: "한의원" and "치과의원" also end in "의원",
# "요양병원" and "종합병원" in "병원".
_HOSPITAL_SUFFIXES: tuple[tuple[str, str], ...] = tuple(sorted((
    ("대학교병원", "종합병원"), ("대학병원", "종합병원"),  # 상급종합병원 are general hospitals too
    ("종합병원", "종합병원"), ("요양병원", "요양병원"), ("한방병원", "한방병원"),
    ("치과병원", "치과"), ("치과의원", "치과"), ("치과", "치과"),
    ("한의원", "한의원"), ("의료원", "의료원"), ("보건소", "보건소"), ("보건지소", "보건소"),
    ("병원", "병원"), ("의원", "의원"),
), key=lambda pair: (-len(pair[0]), pair[0])))


def sido(region: str | None) -> str | None:
    """Canonical 시/도 name, or None when the region is missing or not a 시/도 we know."""
    return _SIDO[region.strip()][0] if region and region.strip() in _SIDO else None


def region_group(region: str | None) -> str | None:
    return _SIDO[region.strip()][1] if region and region.strip() in _SIDO else None


def hospital_kind(name: str | None) -> str | None:
    compact = "".join((name or "").split())  # "한빛 내과 의원" and blank names alike
    if not compact:
        return None
    return next((kind for suffix, kind in _HOSPITAL_SUFFIXES if compact.endswith(suffix)), "기타")


def year_band(year: int, width: int) -> str:
    start = year - year % width  # Python's % floors, so bands stay aligned for any year
    return f"{start}-{start + width - 1}"


def generalise_birth_year(year: int | None, level: int) -> str:
    if year is None or level >= 4:
        return STAR
    return str(year) if level == 0 else year_band(year, (5, 10, 20)[level - 1])


def generalise_sex(sex: str | None, level: int) -> str:
    return STAR if sex is None or level >= 1 else sex


def generalise_region(region: str | None, level: int) -> str:
    value = sido(region) if level == 0 else region_group(region) if level == 1 else None
    return value or STAR


def generalise_hospital(name: str | None, level: int) -> str:
    if level == 0:
        return (name or "").strip() or STAR
    return (hospital_kind(name) if level == 1 else None) or STAR


# attribute -> (height = top level, generaliser)
HIERARCHIES: dict[str, tuple[int, Callable[[object, int], str]]] = {
    "birth_year": (4, generalise_birth_year),  # type: ignore[dict-item]
    "sex": (1, generalise_sex),  # type: ignore[dict-item]
    "region": (2, generalise_region),  # type: ignore[dict-item]
    "hospital": (2, generalise_hospital),  # type: ignore[dict-item]
}


@dataclass(frozen=True)
class QuasiRecord:
    doc_id: str
    document_type: str
    birth_year: int | None
    sex: str | None
    region: str | None
    hospital: str | None
    total_amount: int | None


@dataclass(frozen=True)
class KAnonymityReport:
    k_required: int
    k_achieved: int
    levels: dict[str, int]
    released: tuple[dict[str, str], ...]
    suppressed: tuple[str, ...]
    classes: int
    note: str = ""

    def to_json(self) -> dict:
        """Summary for a dataset card: sizes and levels only, never a doc_id."""
        attrs = list(self.levels)
        sizes = Counter(tuple(row[a] for a in attrs) for row in self.released)
        histogram = Counter(sizes.values())
        total = len(self.released) + len(self.suppressed)
        return {
            "k_required": self.k_required,
            "k_achieved": self.k_achieved,
            "levels": dict(self.levels),
            "records": total,
            "released": len(self.released),
            "suppressed": len(self.suppressed),
            "suppressed_share": len(self.suppressed) / total if total else 0.0,
            "classes": self.classes,
            "class_size_histogram": {str(size): histogram[size] for size in sorted(histogram)},
            "note": self.note,
        }


def _evaluate(columns: list[list[str]], k: int) -> tuple[Counter[tuple[str, ...]], int]:
    """Class sizes of one lattice node and how many records sit in classes smaller than k."""
    sizes = Counter(zip(*columns, strict=True))
    return sizes, sum(size for size in sizes.values() if size < k)


def k_anonymize(records: Sequence[QuasiRecord], k: int = 5, max_suppression: float = 0.05,
                attributes: Sequence[str] = ("birth_year", "sex", "region", "hospital")) -> KAnonymityReport:
    if k < 1:
        raise ValueError("k must be at least 1")
    if not 0.0 <= max_suppression < 1.0:
        raise ValueError("max_suppression must be in [0, 1)")
    attrs = list(dict.fromkeys(attributes))
    unknown = [a for a in attrs if a not in HIERARCHIES]
    if unknown or not attrs:
        raise ValueError(f"unknown or no quasi-identifiers: {unknown}; known: {sorted(HIERARCHIES)}")
    heights = [HIERARCHIES[a][0] for a in attrs]
    n = len(records)
    if n < k:
        # Even the all-"*" table is one class of n < k: any release would single people out.
        return KAnonymityReport(k, 0, dict(zip(attrs, heights, strict=True)), (),
                                tuple(r.doc_id for r in records), 0,
                                f"nothing released: {n} record(s) is fewer than k={k}")

    # cache[a][level] is the generalised column, so each node only zips precomputed lists.
    cache = [[[HIERARCHIES[a][1](getattr(r, a), lvl) for r in records] for lvl in range(h + 1)]
             for a, h in zip(attrs, heights, strict=True)]
    budget = max_suppression * n
    best: tuple[tuple[float, int, int, tuple[int, ...]], Counter[tuple[str, ...]]] | None = None
    for node in itertools.product(*(range(h + 1) for h in heights)):
        sizes, small = _evaluate([cache[i][lvl] for i, lvl in enumerate(node)], k)
        if small > budget:
            continue
        loss = math.fsum(lvl / h for lvl, h in zip(node, heights, strict=True))
        score = (round(loss, 12), small, sum(s * s for s in sizes.values()), node)
        if best is None or score < best[0]:
            best = (score, sizes)
    assert best is not None  # the top node is one class of n >= k records, so always feasible
    (_, n_small, _, node), sizes = best

    released: list[dict[str, str]] = []
    suppressed: list[str] = []
    for i, rec in enumerate(records):
        key = tuple(cache[j][lvl][i] for j, lvl in enumerate(node))
        if sizes[key] < k:
            suppressed.append(rec.doc_id)
        else:
            released.append({"doc_id": rec.doc_id, **dict(zip(attrs, key, strict=True))})
    kept = [s for s in sizes.values() if s >= k]
    return KAnonymityReport(
        k_required=k, k_achieved=min(kept), levels=dict(zip(attrs, node, strict=True)),
        released=tuple(released), suppressed=tuple(suppressed), classes=len(kept),
        note=f"{n_small} record(s) suppressed" if n_small else "",
    )


# --- differential privacy ------------------------------------------------------------------------
@functools.cache
def _mechanisms() -> ModuleType:
    """diffprivlib.mechanisms, imported on first use so importing this module stays cheap.
    (diffprivlib 0.6.6 fails to import beside scikit-learn 1.9: pyproject pins scikit-learn < 1.8.)"""
    import diffprivlib.mechanisms as mechanisms

    return mechanisms


# Category domains are fixed in advance: releasing only the categories present in the data would
# itself reveal whether someone with a rare value is in it.
BIRTH_DECADES: tuple[str, ...] = tuple(year_band(y, 10) for y in range(1900, 2030, 10))
UNKNOWN = "unknown"
_STATISTICS = ("document_type", "sex", "birth_decade", "region_group", "mean_total_amount")


def _histogram(values: Sequence[str], domain: Sequence[str], epsilon: float,
               rng: np.random.RandomState) -> dict[str, int]:
    """Noisy counts over a fixed domain. Each record lands in exactly one bin, so adding or
    removing a record changes one count by 1: the whole histogram costs epsilon (parallel
    composition over its bins). Clipping at 0 is post-processing, so it costs nothing."""
    true = Counter(values)
    mech = _mechanisms().Geometric(epsilon=epsilon, sensitivity=1, random_state=rng)
    return {cat: max(0, mech.randomise(int(true[cat]))) for cat in domain}


def _decade(year: int | None) -> str:
    if year is None or not 1900 <= year < 2030:
        return UNKNOWN
    return year_band(year, 10)


def dp_summary(records: Sequence[QuasiRecord], epsilon: float, seed: int,
               amount_clip: int = 5_000_000) -> dict:
    """An epsilon-DP summary (add/remove-one-document neighbours) for a dataset card.

    Budget: sequential composition over five statistics, epsilon / 5 each. The mean amount is
    noisy sum / noisy count (rather than diffprivlib.tools.mean, which treats n as public) and
    spends its fifth half on the sum (Laplace, sensitivity amount_clip) and half on the count.
    Deterministic for a given seed (reproducible pipelines); the seed is a secret, see below."""
    if not (math.isfinite(epsilon) and epsilon > 0):
        raise ValueError("epsilon must be positive and finite")
    if amount_clip <= 0:
        raise ValueError("amount_clip must be positive")
    share = epsilon / len(_STATISTICS)
    rng = np.random.RandomState(seed)  # one stream, consumed in a fixed order -> reproducible

    doc_domain = (*DOC_TYPES, "other")
    counts = {
        "document_type": _histogram([r.document_type if r.document_type in DOC_TYPES else "other"
                                     for r in records], doc_domain, share, rng),
        "sex": _histogram([r.sex if r.sex in ("M", "F") else UNKNOWN for r in records],
                          ("M", "F", UNKNOWN), share, rng),
        "birth_decade": _histogram([_decade(r.birth_year) for r in records],
                                   (*BIRTH_DECADES, UNKNOWN), share, rng),
        "region_group": _histogram([region_group(r.region) or UNKNOWN for r in records],
                                   (*REGION_GROUPS, UNKNOWN), share, rng),
    }

    amounts = [min(max(r.total_amount, 0), amount_clip) for r in records if r.total_amount is not None]
    mech = _mechanisms()
    noisy_sum = mech.Laplace(epsilon=share / 2, sensitivity=amount_clip, random_state=rng).randomise(
        float(sum(amounts)))
    noisy_n = mech.Geometric(epsilon=share / 2, sensitivity=1, random_state=rng).randomise(len(amounts))
    # Always release a number, even when no record has an amount: a None would leak that fact.
    mean = min(max(noisy_sum / max(noisy_n, 1), 0.0), float(amount_clip))

    # The seed is deliberately not in the output: whoever knows it can regenerate the noise and
    # subtract it, so it must be kept as secret as the data.
    return {
        "epsilon": epsilon,
        "delta": 0.0,
        "composition": "sequential",
        "budget": {s: share for s in _STATISTICS},
        "mean_total_amount_split": {"sum": share / 2, "count": share / 2},
        "mechanism": {
            "counts": "diffprivlib Geometric (two-sided geometric, sensitivity 1), clipped at 0",
            "mean_total_amount": f"diffprivlib Laplace noisy sum (sensitivity {amount_clip}) / "
                                 "Geometric noisy count, clipped to [0, amount_clip]",
        },
        "amount_clip": amount_clip,
        "counts": counts,
        "mean_total_amount": mean,
    }
