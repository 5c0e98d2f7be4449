"""Patient groups and group-aware, type-stratified train/val/test splits.

Groups: documents that share any patient identifier (the surrogate RRN, the chart number, or
the patient name together with the hospital name) are joined by union-find, transitively, so
a patient's diagnosis certificate, bill and receipt always land in one split. Group ids are a
hash of the member document ids: they carry no identifier at all.

Assignment (deterministic for a seed): groups in decreasing size, ties in a seeded random order;
each goes to the split (among those with a non-zero fraction) that most reduces

    sum over splits s, types t of (n[s,t] - f_s * N_t)^2 / N_t  +  sum over s of (n[s] - f_s * N)^2 / N

i.e. the squared distance of the per-type counts and of the split sizes from their targets,
each type normalised by its own size so that rare types weigh as much as common ones. Largest
first makes the big, hard-to-place groups go while every split still has room; the small ones
then fill the remaining gaps. Unlike sklearn's StratifiedGroupKFold it takes any fractions
(not only multiples of 1/k) and aims at the sizes directly.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SPLITS: tuple[str, ...] = ("train", "val", "test")


def patient_keys(label: Mapping[str, Any]) -> list[tuple[str, ...]]:
    """The identifiers by which two documents are the same patient's."""
    keys: list[tuple[str, ...]] = []
    if label.get("patient_rrn"):
        keys.append(("rrn", str(label["patient_rrn"])))
    if label.get("chart_no"):
        keys.append(("chart", str(label["chart_no"])))
    if label.get("patient_name") and label.get("hospital_name"):
        keys.append(("name@hospital", str(label["patient_name"]), str(label["hospital_name"])))
    return keys


def group_documents(keys: Mapping[str, Sequence[Hashable]]) -> dict[str, str]:
    """doc id -> opaque group id; documents sharing any key (transitively) share a group."""
    parent = {doc: doc for doc in keys}

    def find(doc: str) -> str:
        root = doc
        while parent[root] != root:
            root = parent[root]
        while parent[doc] != root:  # path compression
            parent[doc], doc = root, parent[doc]
        return root

    owner: dict[Hashable, str] = {}
    for doc in sorted(keys):
        for key in keys[doc]:
            if key in owner:
                a, b = find(owner[key]), find(doc)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                owner[key] = doc
    members: dict[str, list[str]] = {}
    for doc in sorted(keys):
        members.setdefault(find(doc), []).append(doc)
    out: dict[str, str] = {}
    for docs in members.values():
        gid = "g" + hashlib.sha256("\n".join(docs).encode("utf-8")).hexdigest()[:16]
        out.update(dict.fromkeys(docs, gid))
    return out


def assign_splits(group_types: Mapping[str, Counter[str]], fractions: Mapping[str, float],
                  seed: int, fixed: Mapping[str, str] | None = None) -> dict[str, str]:
    """group id -> split, per the greedy rule in the module docstring. Groups in ``fixed`` (pinned)
    keep their split and count towards the targets, so new groups fill around them."""
    fixed = dict(fixed or {})
    splits = [s for s in SPLITS if fractions.get(s, 0.0) > 0]
    type_totals: Counter[str] = Counter()
    for counts in group_types.values():
        type_totals.update(counts)
    total = sum(type_totals.values())
    target = {s: {t: fractions[s] * n for t, n in type_totals.items()} for s in splits}
    target_size = {s: fractions[s] * total for s in splits}
    have: dict[str, Counter[str]] = {s: Counter() for s in splits}
    size = dict.fromkeys(splits, 0)

    assignment: dict[str, str] = {}
    for g, split in sorted(fixed.items()):
        assignment[g] = split
        have.setdefault(split, Counter()).update(group_types[g])
        size[split] = size.get(split, 0) + sum(group_types[g].values())

    order = sorted(g for g in group_types if g not in fixed)
    random.Random(seed).shuffle(order)
    order.sort(key=lambda g: -sum(group_types[g].values()))  # stable: the shuffle breaks ties

    def delta(s: str, counts: Counter[str]) -> float:
        cost = 0.0
        for t, c in counts.items():
            before = have[s][t] - target[s][t]
            cost += ((before + c) ** 2 - before**2) / type_totals[t]
        n = sum(counts.values())
        before = size[s] - target_size[s]
        return cost + ((before + n) ** 2 - before**2) / total

    for g in order:
        counts = group_types[g]
        best = min(splits, key=lambda s: (round(delta(s, counts), 9), size[s] - target_size[s],
                                          SPLITS.index(s)))
        assignment[g] = best
        have[best].update(counts)
        size[best] += sum(counts.values())
    return assignment


# A group whose documents were pinned to different splits (a new document joined two patients)
# goes where its most protected member was: a test document never moves into training.
PIN_PRECEDENCE: tuple[str, ...] = ("test", "val", "train")


def pinned_groups(doc_group: Mapping[str, str], pins: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """(group id -> pinned split, ids of pinned documents that had to move with their group)."""
    per_group: dict[str, set[str]] = {}
    for doc, group in doc_group.items():
        if doc in pins:
            per_group.setdefault(group, set()).add(pins[doc])
    fixed = {g: next(s for s in PIN_PRECEDENCE if s in found) for g, found in per_group.items()}
    moved = sorted(d for d, g in doc_group.items() if d in pins and pins[d] != fixed[g])
    return fixed, moved


@dataclass(frozen=True)
class SplitQuality:
    """How close the split came to its targets (shares are fractions of documents)."""

    size_share: dict[str, float]  # split -> share of all documents
    max_size_deviation: float  # max over splits of |share - fraction|
    type_share: dict[str, dict[str, float]]  # split -> type -> share of the split's documents
    overall_type_share: dict[str, float]
    max_type_deviation: dict[str, float]  # split -> max over types of |share in split - overall share|

    def to_json(self) -> dict[str, Any]:
        r = lambda x: round(x, 4)  # noqa: E731
        return {
            "size_share": {s: r(v) for s, v in self.size_share.items()},
            "max_size_deviation": r(self.max_size_deviation),
            "overall_type_share": {t: r(v) for t, v in self.overall_type_share.items()},
            "type_share": {s: {t: r(v) for t, v in d.items()} for s, d in self.type_share.items()},
            "max_type_deviation": {s: r(v) for s, v in self.max_type_deviation.items()},
        }


def split_quality(doc_split: Mapping[str, str], doc_type: Mapping[str, str],
                  fractions: Mapping[str, float]) -> SplitQuality:
    total = len(doc_split)
    types = sorted(set(doc_type.values()))
    per_split = {s: Counter(doc_type[d] for d, sp in doc_split.items() if sp == s) for s in SPLITS}
    overall = Counter(doc_type[d] for d in doc_split)
    size_share = {s: sum(per_split[s].values()) / total for s in SPLITS}
    overall_share = {t: overall[t] / total for t in types}
    type_share = {s: {t: per_split[s][t] / max(sum(per_split[s].values()), 1) for t in types} for s in SPLITS}
    max_type_dev = {s: (max(abs(type_share[s][t] - overall_share[t]) for t in types)
                        if sum(per_split[s].values()) else 0.0) for s in SPLITS}
    return SplitQuality(size_share, max(abs(size_share[s] - fractions.get(s, 0.0)) for s in SPLITS),
                        type_share, overall_share, max_type_dev)
