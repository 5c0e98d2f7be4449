from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimvlm.registry.gate import Decision, decide, lower_is_better
from claimvlm.registry.params import GateParams

POLICY = GateParams(floors={"json_valid_rate": 0.5, "weighted_score": 0.2, "cer": 0.3}, tolerance=0.02,
                    must_beat_base=True)
BASE = {"weighted_score": (0.05, 0.08, 0.11)}


def report(over: dict[str, tuple[float, float, float]] | None = None,
           **named: tuple[float, float, float]) -> dict[str, tuple[float, float, float]]:
    """A plausible evaluation report's gate view, with some entries replaced."""
    metrics = {
        "json_valid_rate": (0.90, 0.94, 0.97),
        "weighted_score": (0.70, 0.75, 0.80),
        "critical_exact": (0.60, 0.66, 0.72),
        "cer": (0.05, 0.08, 0.11),
        "document_type=receipt/weighted_score": (0.65, 0.74, 0.82),
        "document_type=diagnosis/weighted_score": (0.60, 0.70, 0.79),
        "field=kcd_code/exact": (0.70, 0.80, 0.88),
        "field=total/exact": (0.75, 0.84, 0.91),
    }
    return {**metrics, **(over or {}), **named}


def check(decision: Decision, name: str) -> tuple[bool, str]:
    found = [c for c in decision.checks if c.name == name]
    assert len(found) == 1, [c.name for c in decision.checks]
    return found[0].passed, found[0].detail


def test_equal_to_champion_promotes_with_a_check_per_rule() -> None:
    d = decide(report(), report(), BASE, POLICY)
    assert d.promote and len(d.reasons) == 1 and "checks passed" in d.reasons[0]
    names = {c.name for c in d.checks}
    assert {"floor:json_valid_rate", "floor:weighted_score", "floor:cer", "base:weighted_score",
            "regression:field=kcd_code/exact", "regression:document_type=receipt/weighted_score"} <= names
    assert all(c.passed and c.detail for c in d.checks)


def test_floors_are_on_the_point_and_cer_is_a_ceiling() -> None:
    d = decide(report(json_valid_rate=(0.40, 0.48, 0.60), cer=(0.25, 0.35, 0.45)), None, BASE, POLICY)
    assert not d.promote
    ok, detail = check(d, "floor:json_valid_rate")
    assert not ok and "0.480" in detail and "floor 0.500" in detail
    ok, detail = check(d, "floor:cer")
    assert not ok and "0.350" in detail and "ceiling 0.300" in detail
    assert len(d.reasons) == 2 and all(r.startswith(("json_valid_rate", "cer")) for r in d.reasons)
    # an upper bound above the floor does not rescue a point below it
    assert not decide(report(weighted_score=(0.1, 0.19, 0.5)), None, BASE, POLICY).promote


def test_missing_floor_metric_fails() -> None:
    cand = {k: v for k, v in report().items() if k != "json_valid_rate"}
    d = decide(cand, None, BASE, POLICY)
    assert not d.promote and "json_valid_rate is missing" in d.reasons[0]


def test_lower_point_whose_interval_reaches_within_tolerance_passes() -> None:
    # point 0.74 is 0.06 below the champion's 0.80, but the upper bound 0.79 >= 0.80 - 0.02
    cand = report({"field=kcd_code/exact": (0.66, 0.74, 0.79)})
    d = decide(cand, report(), BASE, POLICY)
    assert d.promote, d.reasons
    ok, detail = check(d, "regression:field=kcd_code/exact")
    assert ok and "compatible" in detail


def test_clear_regression_on_a_critical_field_fails_naming_it() -> None:
    cand = report({"field=kcd_code/exact": (0.60, 0.68, 0.77)})  # upper 0.77 < 0.80 - 0.02
    d = decide(cand, report(), BASE, POLICY)
    assert not d.promote and len(d.reasons) == 1
    reason = d.reasons[0]
    assert "field=kcd_code/exact" in reason and "0.770" in reason and "0.800" in reason and "0.020" in reason
    assert "regressed" in reason


def test_regression_on_a_document_type_and_on_cer() -> None:
    cand = report({"document_type=receipt/weighted_score": (0.50, 0.58, 0.66)}, cer=(0.12, 0.15, 0.19))
    d = decide(cand, report(), BASE, POLICY)
    failed = {c.name for c in d.failed()}
    assert failed == {"regression:document_type=receipt/weighted_score", "regression:cer"}
    # cer is lower-is-better: its lower bound 0.12 > 0.08 + 0.02
    assert lower_is_better("cer") and lower_is_better("field=x/cer") and not lower_is_better("weighted_score")
    assert any("lower bound 0.120" in r for r in d.reasons)


def test_improvement_everywhere_passes_and_cer_down_is_good() -> None:
    better = {k: (lo + 0.05, p + 0.05, hi + 0.05) for k, (lo, p, hi) in report().items() if k != "cer"}
    better["cer"] = (0.01, 0.03, 0.05)
    assert decide(better, report(), BASE, POLICY).promote


def test_key_dropped_from_the_candidate_fails() -> None:
    cand = {k: v for k, v in report().items() if k != "field=total/exact"}
    d = decide(cand, report(), BASE, POLICY)
    assert not d.promote and "field=total/exact" in d.reasons[0] and "missing" in d.reasons[0]


def test_must_beat_base_uses_the_base_upper_bound() -> None:
    base = {"weighted_score": (0.70, 0.74, 0.78)}
    d = decide(report(), None, base, POLICY)  # 0.75 > point 0.74 but not > upper 0.78
    ok, detail = check(d, "base:weighted_score")
    assert not d.promote and not ok and "0.750" in detail and "0.780" in detail
    assert decide(report(), None, {"weighted_score": (0.6, 0.65, 0.74)}, POLICY).promote
    no_base = decide(report(), None, None, POLICY)
    assert not no_base.promote and "no base" in no_base.reasons[0]
    off = POLICY.model_copy(update={"must_beat_base": False})
    assert decide(report(), None, base, off).promote
    assert not any(c.name.startswith("base:") for c in decide(report(), None, None, off).checks)


def test_the_baseline_rule_rejects_a_candidate_that_reads_worse_than_the_ocr_engine() -> None:
    on = POLICY.model_copy(update={"must_beat_baseline": True})
    baseline = {"weighted_score": (0.70, 0.78, 0.85), "field=kcd_code/exact": (0.7, 0.79, 0.86),
                "field=total/exact": (0.8, 0.86, 0.92)}
    d = decide(report(), None, BASE, on, baseline=baseline)  # 0.75 against the baseline's 0.78
    assert not d.promote
    ok, detail = check(d, "baseline:weighted_score")
    assert not ok and "OCR baseline" in detail and "0.750" in detail and "0.780" in detail and "-0.030" in detail
    assert any("weighted_score" in r and "OCR baseline" in r for r in d.reasons)
    # total: 0.84 against 0.86 is within the tolerance 0.02; kcd_code 0.80 against 0.79 is better
    assert check(d, "baseline:field=total/exact")[0] and check(d, "baseline:field=kcd_code/exact")[0]
    # a candidate above the baseline's headline but behind on one critical field is still rejected
    worse_field = {**baseline, "weighted_score": (0.6, 0.7, 0.8), "field=kcd_code/exact": (0.8, 0.9, 0.95)}
    d = decide(report(), None, BASE, on, baseline=worse_field)
    ok, detail = check(d, "baseline:field=kcd_code/exact")
    assert not d.promote and not ok and "kcd_code" in detail and "-0.100" in detail
    assert check(d, "baseline:weighted_score")[0]
    # better everywhere: promoted, and the summary says so
    better = {k: (v[0] - 0.1, v[1] - 0.1, v[2] - 0.1) for k, v in baseline.items()}
    d = decide(report(), None, BASE, on, baseline=better)
    assert d.promote and "OCR baseline" in d.reasons[0]
    # on without a baseline report: refused, saying what is missing; off: not checked at all
    d = decide(report(), None, BASE, on)
    assert not d.promote and "no OCR baseline" in d.reasons[0]
    assert not any(c.name.startswith("baseline:") for c in decide(report(), None, BASE, POLICY, baseline=baseline).checks)


def test_no_champion_applies_only_floors_and_base() -> None:
    # far below any plausible champion, yet above the floors and the base: promoted
    low = {"json_valid_rate": (0.5, 0.6, 0.7), "weighted_score": (0.2, 0.25, 0.3), "cer": (0.2, 0.25, 0.3)}
    d = decide(low, None, BASE, POLICY)
    assert d.promote
    assert not any(c.name.startswith("regression:") for c in d.checks)
    ok, detail = check(d, "champion")
    assert ok and "no champion" in detail


def test_malformed_intervals_are_refused() -> None:
    with pytest.raises(ValueError, match="weighted_score"):
        decide(report(weighted_score=(0.8, 0.7, 0.9)), None, BASE, POLICY)
    with pytest.raises(ValueError, match="champion metric 'cer'"):
        decide(report(), report(cer=(float("nan"), 0.1, 0.2)), BASE, POLICY)


def test_failed_export_parity_rejects_an_otherwise_good_candidate() -> None:
    good = decide(report(), report(), BASE, POLICY, parity=(True, "answers match"))
    assert good.promote and check(good, "parity") == (True, "answers match")
    broken = decide(report(), report(), BASE, POLICY, parity=(False, "merged: answers differ on 2/2 pages"))
    assert not broken.promote and broken.reasons == ("merged: answers differ on 2/2 pages",)
    assert "parity" not in {c.name for c in decide(report(), report(), BASE, POLICY).checks}  # no export: no check


def test_the_export_stage_verdict_reaches_the_gate(tmp_path: Path) -> None:
    from claimvlm.registry.stage import export_parity

    path = tmp_path / "metrics.json"
    path.write_text(json.dumps({"passed": True, "parity": {"passed": True, "verdicts": {}}}))
    assert export_parity(path)[0] is True
    path.write_text(json.dumps({"passed": False, "parity": {"passed": False, "verdicts": {
        "merged": {"held": True, "passed": False, "reason": "merged: max |Δ log p| 0.88 > 0.001"},
        "int8": {"held": False, "passed": False, "reason": "not held to parity"}}}}))
    passed, detail = export_parity(path)
    assert not passed and "0.88" in detail and "int8" not in detail
