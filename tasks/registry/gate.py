"""The promotion gate: a pure function from evaluation intervals and the policy to a decision.

Metrics are a mapping of key -> ``(low, point, high)``, a confidence interval as the evaluation
report gives it (bootstrap over documents). Keys:

* ``<metric>``: a headline over the whole test split: ``json_valid_rate``, ``weighted_score``,
  ``critical_exact``, ``cer``.
* ``<dimension>=<value>/<metric>``: the metric on a slice: ``document_type=receipt/weighted_score``,
  or one critical field (dotted path, as ``EvaluateParams.critical_fields`` names them):
  ``field=kcd_code/exact``, ``field=diagnoses.kcd_code/exact``.

The metric name is what follows the last ``/`` (the whole key when there is none); it alone sets
the direction: names in :data:`LOWER_IS_BETTER` (``cer``) improve downwards, all others upwards.
The gate guards every key the champion's report holds, so the caller passes what must not
regress: headlines, every document type and the critical fields (not every field's noise).

Rules, each giving one :class:`Check`:

* floors: ``policy.floors[key]`` on the candidate's *point* estimate (a ceiling for a
  lower-is-better metric). A floor is an absolute promise, so the best estimate must meet it.
* no regression against the champion (skipped when there is none yet), judged on intervals:
  the candidate regresses on a key when even its optimistic bound is worse than the champion's
  point by more than ``tolerance``: ``high < champion.point - tolerance`` (lower-is-better:
  ``low > champion.point + tolerance``). Point vs point would reject good candidates at random:
  a slice of a few dozen documents moves by more than the tolerance between two equally good
  models, and with ~20 guarded keys one of them nearly always dips. Interval vs interval (no
  overlap) would be too lenient (two 95% intervals overlap for differences that are real). The
  champion's point is the best estimate of what serves now; the candidate must be *compatible*
  with not having lost more than the tolerance. A key the champion has and the candidate lacks
  fails: its regression cannot be ruled out.
* beats the base model it was tuned from (``policy.must_beat_base``): the candidate's
  ``weighted_score`` point must exceed the base's *upper* bound. Fine-tuning normally clears the
  base by far (zero-shot on Korean forms, or random weights for the tiny model), so the strict
  rule costs nothing when training worked and rejects a run whose gain is within noise, which
  is not worth a new model's risk. No base report while the rule is on fails.
* beats the OCR baseline (``policy.must_beat_baseline``): the Tesseract + rules reader the
  evaluation report prints beside the candidate. A model that reads worse than the engine a
  team would run without it has no reason to serve, whatever the base and champion did. The
  candidate's ``weighted_score`` point must exceed the baseline's point, and on every critical
  field (the ``field=<path>/exact`` keys) its point must be at least the baseline's minus
  ``tolerance`` (both read many critical fields perfectly, and a tie there is no loss). No
  baseline report while the rule is on fails. Each failing key is its own reason, naming the
  field and the margin.
* parity (when the export stage ran: ``parity`` given): the merged export and the serving
  backend answer the canary pages as the trained model does (``claimvlm export``); a version
  whose serving artefacts do not reproduce it must not serve. The detail names where they diverge.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from claimvlm.evaluation.metrics import Interval  # (low, point, high): one type for both
    from claimvlm.registry.params import GateParams

    Metrics = Mapping[str, Interval]

LOWER_IS_BETTER = frozenset({"cer", "wer"})
BASE_METRIC = "weighted_score"


@dataclass(frozen=True)
class Check:
    name: str  # "floor:<key>", "regression:<key>", "base:weighted_score", "baseline:<key>", "champion", "parity"
    passed: bool
    detail: str  # a sentence naming the metric, the values and the threshold


@dataclass(frozen=True)
class Decision:
    promote: bool
    reasons: tuple[str, ...]  # the failed checks' details, or one summary sentence when promoted
    checks: tuple[Check, ...]

    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.passed)


def metric_name(key: str) -> str:
    return key.rpartition("/")[2]


def lower_is_better(key: str) -> bool:
    return metric_name(key) in LOWER_IS_BETTER


def _validated(metrics: Metrics | None, who: str) -> dict[str, Interval]:
    out: dict[str, Interval] = {}
    for key, value in (metrics or {}).items():
        try:
            low, point, high = (float(x) for x in value)
        except (TypeError, ValueError):
            raise ValueError(f"{who} metric {key!r}: expected (low, point, high), got {value!r}") from None
        if not all(map(math.isfinite, (low, point, high))) or not low <= point <= high:
            raise ValueError(f"{who} metric {key!r}: need finite low <= point <= high, got {value!r}")
        out[key] = (low, point, high)
    return out


def _fmt(ci: Interval) -> str:
    return f"{ci[1]:.3f} [{ci[0]:.3f}, {ci[2]:.3f}]"


def _floor(key: str, floor: float, cand: dict[str, Interval]) -> Check:
    name = f"floor:{key}"
    if key not in cand:
        return Check(name, False,
                     f"{key} is missing from the candidate's report; its floor {floor:.3f} cannot be checked")
    point = cand[key][1]
    if lower_is_better(key):
        ok = point <= floor
        return Check(name, ok, f"{key} {_fmt(cand[key])} {'is within' if ok else 'exceeds'} its ceiling {floor:.3f}")
    ok = point >= floor
    return Check(name, ok, f"{key} {_fmt(cand[key])} {'meets' if ok else 'is below'} its floor {floor:.3f}")


def _regression(key: str, champ: Interval, cand: dict[str, Interval], tolerance: float) -> Check:
    name = f"regression:{key}"
    if key not in cand:
        return Check(name, False, f"{key} is in the champion's report ({_fmt(champ)}) but missing from the "
                                  "candidate's, so a regression cannot be ruled out")
    low, _, high = cand[key]
    if lower_is_better(key):
        limit = champ[1] + tolerance
        ok = low <= limit
        bound, side, cmp = low, "lower", "<=" if ok else ">"
        verb = "is compatible with" if ok else "regressed against"
        rule = f"the champion's {champ[1]:.3f} plus tolerance {tolerance:.3f} ({limit:.3f})"
    else:
        limit = champ[1] - tolerance
        ok = high >= limit
        bound, side, cmp = high, "upper", ">=" if ok else "<"
        verb = "is compatible with" if ok else "regressed against"
        rule = f"the champion's {champ[1]:.3f} minus tolerance {tolerance:.3f} ({limit:.3f})"
    return Check(name, ok, f"{key}: candidate {_fmt(cand[key])} {verb} the champion {_fmt(champ)}: its {side} "
                           f"bound {bound:.3f} {cmp} {rule}")


def _base(cand: dict[str, Interval], base: dict[str, Interval] | None) -> Check:
    name, key = f"base:{BASE_METRIC}", BASE_METRIC
    if base is None or key not in base:
        return Check(name, False, f"must_beat_base is on but no base {key} was given; the candidate cannot show "
                                  "it beats the model it was tuned from")
    if key not in cand:
        return Check(name, False, f"{key} is missing from the candidate's report; cannot compare with the base")
    ok = cand[key][1] > base[key][2]
    return Check(name, ok, f"{key}: candidate {cand[key][1]:.3f} {'beats' if ok else 'does not beat'} the base "
                           f"model's upper bound {base[key][2]:.3f} (base {_fmt(base[key])})")


def _baseline(cand: dict[str, Interval], baseline: dict[str, Interval] | None, tolerance: float) -> list[Check]:
    if baseline is None or BASE_METRIC not in baseline:
        return [Check(f"baseline:{BASE_METRIC}", False, f"must_beat_baseline is on but no OCR baseline {BASE_METRIC} "
                                                         "was given (evaluate with the baseline)")]
    checks = []
    for key in [BASE_METRIC] + sorted(k for k in baseline if k.startswith("field=")):
        name, ref = f"baseline:{key}", baseline[key][1]
        if key not in cand:
            checks.append(Check(name, False, f"{key} is missing from the candidate's report; the OCR baseline "
                                             f"has {ref:.3f}"))
            continue
        point, lower = cand[key][1], lower_is_better(key)
        if key == BASE_METRIC:
            ok, rule = point > ref, f"the OCR baseline's {ref:.3f}"
        else:
            limit = ref + tolerance if lower else ref - tolerance
            ok = point <= limit if lower else point >= limit
            rule = f"the OCR baseline's {ref:.3f} {'plus' if lower else 'minus'} tolerance {tolerance:.3f}"
        margin = (ref - point) if lower else (point - ref)
        checks.append(Check(name, ok, f"{key}: candidate {point:.3f} {'beats' if ok else 'is below'} {rule} "
                                      f"(by {margin:+.3f})"))
    return checks


def decide(candidate: Metrics, champion: Metrics | None, base: Metrics | None, policy: GateParams,
           parity: tuple[bool, str] | None = None, baseline: Metrics | None = None) -> Decision:
    """Promote when every check passes; see the module docstring for the rules. ``parity``: the
    export stage's verdict and its reason (None: no export was checked); ``baseline``: the OCR
    baseline's metrics (used when ``policy.must_beat_baseline``)."""
    cand = _validated(candidate, "candidate")
    champ = _validated(champion, "champion") if champion is not None else None
    base_ = _validated(base, "base") if base is not None else None
    checks = [_floor(key, floor, cand) for key, floor in sorted(policy.floors.items())]
    if champ is None:
        checks.append(Check("champion", True, "no champion yet: only the floors and the base apply"))
    else:
        checks += [_regression(key, ci, cand, policy.tolerance) for key, ci in sorted(champ.items())]
    if policy.must_beat_base:
        checks.append(_base(cand, base_))
    if policy.must_beat_baseline:
        checks += _baseline(cand, _validated(baseline, "baseline") if baseline is not None else None,
                            policy.tolerance)
    if parity is not None:
        checks.append(Check("parity", parity[0], parity[1]))
    failed = [c.detail for c in checks if not c.passed]
    if failed:
        return Decision(False, tuple(failed), tuple(checks))
    against = (f", no regression beyond tolerance {policy.tolerance:.3f} against the champion on {len(champ)} "
               "metrics" if champ else ", no champion yet")
    summary = (f"all {len(checks)} checks passed: floors {dict(sorted(policy.floors.items()))}{against}"
               + (f", {BASE_METRIC} above the base model's upper bound" if policy.must_beat_base else "")
               + (", better than the OCR baseline" if policy.must_beat_baseline else ""))
    return Decision(True, (summary,), tuple(checks))
