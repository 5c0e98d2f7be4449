"""The ``gate`` stage: the evaluation's numbers in, a decision, a registered version and (on pass)
a promotion checked by a smoke test out.

The gate compares what the evaluation stage measured on one test split for every contender, so
candidate, champion and base were read under identical conditions. Metric keys follow
``claimvlm.registry.gate``: headline metrics by name, ``document_type=T/weighted_score`` per
document type, ``field=PATH/exact`` per critical field.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from claimvlm.evaluation.metrics import Interval
from claimvlm.evaluation.params import EvaluateParams
from claimvlm.model.params import TrackingParams
from claimvlm.registry.gate import Decision, decide
from claimvlm.registry.params import GateParams


@dataclass(frozen=True)
class GateResult:
    decision: Decision
    version: str
    champion: str | None  # after this stage (a failed smoke check moves it back)
    smoke: dict[str, Any] | None


def wilson(successes: float, n: int, confidence: float) -> tuple[float, float]:
    """Wilson score interval of a proportion: a field's exact rate has no bootstrap of its own."""
    if n <= 0:
        return (math.nan, math.nan)
    from statistics import NormalDist

    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    # Clamped around p: rounding can put the bound a hair past it when p is 0 or 1.
    return max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half))


# Reported, never gated. WER splits the JSON text on whitespace, and for Korean (written with few
# spaces) one wrong character costs a whole word: an empty answer scores 1.0 while a long, mostly
# right one that adds words scores more, so a better model "regressed" on WER against an empty
# one in the real-model gate test. Characters (CER) and fields carry the comparison.
REPORTED_ONLY = frozenset({"wer"})


def gate_metrics(report: Mapping[str, Any], evaluate: EvaluateParams) -> dict[str, Interval]:
    """An evaluation report (``Report.to_json()``) as the gate's keyed intervals."""
    out: dict[str, Interval] = {}
    for name, (low, point, high) in report["overall"]["intervals"].items():
        if name not in REPORTED_ONLY and None not in (low, point, high):
            out[name] = (low, point, high)
    for doc_type, summary in report["slices"].get("document_type", {}).items():
        ci = summary["intervals"].get("weighted_score")
        if ci and None not in ci:
            out[f"document_type={doc_type}/weighted_score"] = tuple(ci)  # type: ignore[assignment]
    for path, row in report["overall"]["fields"].items():
        if any(fnmatchcase(path, pattern) for pattern in evaluate.critical_fields) and row["count"]:
            low, high = wilson(row["exact"] * row["count"], row["count"], evaluate.confidence)
            out[f"field={path}/exact"] = (low, row["exact"], high)
    return out


def _read(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def log_evaluation(client: Any, run_id: str, evaluation: Path, reports: Mapping[str, Mapping[str, Any] | None],
                   test_split: Mapping[str, Any] | None) -> str:
    """Attach what the gate judged to the candidate's training run: the report folder as
    artifacts (``evaluation/``), every contender's headline numbers as ``eval.<contender>.<metric>``
    and the candidate's per-type scores; returns the report's artifact URI."""
    from mlflow.entities import Metric

    stamp = int(time.time() * 1000)
    metrics = []
    for contender, report in reports.items():
        if report is None:
            continue
        for key, value in report["overall"]["metrics"].items():
            if isinstance(value, (int, float)) and math.isfinite(value):
                metrics.append(Metric(f"eval.{contender}.{key}", float(value), stamp, 0))
    for doc_type, summary in (reports["candidate"] or {}).get("slices", {}).get("document_type", {}).items():
        value = summary["metrics"].get("weighted_score")
        if value is not None:
            metrics.append(Metric(f"eval.candidate.document_type.{doc_type}.weighted_score", float(value), stamp, 0))
    client.log_batch(run_id, metrics=metrics)
    if test_split:
        client.set_tag(run_id, "eval.test_split.sha256", test_split["sha256"])
    client.log_artifacts(run_id, str(evaluation), artifact_path="evaluation")
    return f"runs:/{run_id}/evaluation/report.html"


def export_parity(export_metrics: Path) -> tuple[bool, str]:
    """The export stage's parity verdict (claimvlm.export) as the gate's (passed, detail)."""
    found = json.loads(Path(export_metrics).read_text(encoding="utf-8"))
    parity = found.get("parity") or {}
    failed = [v.get("reason", "") for v in (parity.get("verdicts") or {}).values()
              if v.get("held") and not v.get("passed")]
    if found.get("passed"):
        return True, "the merged export and the serving backend answer the canary pages as the model does"
    return False, "serving artefacts differ from the model: " + ("; ".join(failed) or "parity failed")


def run_gate(evaluation: Path, train_run: Path, out: Path, policy: GateParams, evaluate: EvaluateParams,
             tracking: TrackingParams, *, lock_path: Path,
             reproduce: Callable[[str], Mapping[str, float]], export_metrics: Path | None = None) -> GateResult:
    """Decide, register the candidate (rejected ones too, as the audit trail), and on pass promote
    it with the post-promotion smoke check (which rolls back by itself when it fails), or start it
    as a canary (``policy.rollout: canary``). ``export_metrics``: the export stage's metrics.json,
    whose parity verdict becomes one of the gate's checks."""
    from mlflow.tracking import MlflowClient

    from claimvlm.model.tracking import configure
    from claimvlm.registry.registry import champion_version, register_candidate, start_canary
    from claimvlm.registry.smoke import CANARY_IDS_TAG, CANARY_METRICS_TAG, promote_with_smoke

    evaluation, out = Path(evaluation), Path(out)
    seen = json.loads((evaluation / "contenders.json").read_text(encoding="utf-8"))
    reports = {name: _read(evaluation / f"{name}.json") for name in ("candidate", "champion", "base", "baseline")}
    if reports["candidate"] is None:
        raise FileNotFoundError(f"{evaluation / 'candidate.json'} is missing: run the evaluate stage first")
    metrics = {k: gate_metrics(v, evaluate) if v else None for k, v in reports.items()}
    parity = export_parity(export_metrics) if export_metrics is not None else None
    decision = decide(metrics["candidate"], metrics["champion"], metrics["base"], policy, parity,
                      baseline=metrics["baseline"])
    run = json.loads(Path(train_run).read_text(encoding="utf-8"))
    client = MlflowClient(configure(tracking))
    name = tracking.registered_model
    test_split = seen.get("test_split")
    report_uri = log_evaluation(client, run["run_id"], evaluation, reports, test_split)
    version = register_candidate(client, name, run["model_uri"], run_id=run["run_id"], decision=decision,
                                 report=report_uri,
                                 tags={**({"dataset.test_sha256": test_split["sha256"]} if test_split else {}),
                                       CANARY_IDS_TAG: json.dumps(seen["canary"]),
                                       CANARY_METRICS_TAG: json.dumps(seen["canary_metrics"])})
    smoke, canary = None, None
    if decision.promote and policy.rollout == "canary" and seen["champion_version"] is not None:
        start_canary(client, name, version, lock_path=lock_path, reason="; ".join(decision.reasons), actor="gate")
        canary = version
    elif decision.promote:
        outcome = promote_with_smoke(
            client, name, version, expected_champion=seen["champion_version"], lock_path=lock_path,
            reason="; ".join(decision.reasons), reproduce=reproduce, expected=seen["canary_metrics"],
            tolerance=policy.reproduce_tolerance)
        smoke = {"passed": outcome.smoke.passed, "observed": outcome.smoke.observed,
                 "expected": outcome.smoke.expected, "failures": list(outcome.smoke.failures),
                 "rolled_back": outcome.rollback is not None}
    result = GateResult(decision, version, champion_version(client, name), smoke)
    out.mkdir(parents=True, exist_ok=True)
    (out / "decision.json").write_text(json.dumps({
        "promote": decision.promote, "reasons": list(decision.reasons),
        "checks": [asdict(c) for c in decision.checks], "version": version, "registered_model": name,
        "champion_seen": seen["champion_version"], "champion_now": result.champion, "smoke": smoke,
        "rollout": policy.rollout, "canary": canary,
        "test_split": test_split, "report": report_uri,
    }, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return result
