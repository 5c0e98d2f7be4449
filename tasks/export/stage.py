"""The ``export`` stage: serving artefacts of a trained package, each with its measured cost.

An export is only worth serving if it reads pages as the trained model does (merged: it should,
exactly) or loses no more than an agreed share of accuracy (int8: it reads differently by
design). So every variant, the original package included, is scored by the evaluation stage's
own :func:`claimvlm.evaluation.stage.evaluate` on the same test split, timed on the canary pages,
weighed on disk and in memory, and the exports are held to :mod:`claimvlm.export.parity` on the
canary pages. ``out/merged`` and ``out/int8`` are the packages; ``reports`` gets
``metrics.json`` (DVC metrics), ``report.md`` and each variant's evaluation under ``evaluation/``.
The 4-bit weight-only exports (AWQ, GPTQ: :mod:`claimvlm.export.weight_only`) are optional rows
beside them: made and scored the same way where there is a CUDA device and llmcompressor, shown
as refused elsewhere (the CPU run is otherwise unchanged).
Nothing is registered in MLflow, and the registry's champion is not scored here (the evaluate stage does).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from claimvlm.evaluation.params import EvaluateParams
from claimvlm.export.params import ExportParams
from claimvlm.export.parity import ParityResult
from claimvlm.model.params import TrackingParams
from claimvlm.model.prompt import PROMPT_FILE, PromptSpec

MAIN_METRICS = ("json_valid_rate", "schema_valid_rate", "weighted_score", "critical_exact", "field_exact",
                "field_similarity", "cer", "wer")
SERVING = "serving"  # the parity candidate: the merged export read through the service's batched backend


@dataclass(frozen=True)
class Variant:
    """One model as it would be served: its package, scores, deltas against the original, cost."""

    name: str
    path: Path
    metrics: dict[str, float]
    deltas: dict[str, float]
    disk_bytes: int
    memory_bytes: int
    s_per_page: float
    ms_per_token: float
    servable: bool
    reason: str


@dataclass(frozen=True)
class ExportResult:
    passed: bool  # every export held to parity passed it
    variants: dict[str, Variant]
    parity: ParityResult
    metrics_path: Path
    report_path: Path
    weight_only: dict[str, Any] = field(default_factory=dict)  # claimvlm.export.weight_only.WeightOnlyRow


def latency(model: Any, processor: Any, pages: Sequence[Any], texts: str | Sequence[str], max_new_tokens: int, *,
            progress: bool = False) -> tuple[float, float]:
    """(seconds per page, milliseconds per generated token) of greedy reading, one page at a time
    as ``generate_json`` reads, after one untimed page (first-call set-up is no serving cost).
    Per token as well: an export that answers shorter is not faster for it."""
    from tqdm import tqdm

    from claimvlm.export.parity import encode, greedy, per_page

    encoded = [encode(processor, page, text) for page, text in zip(pages, per_page(texts, pages), strict=True)]
    greedy(model, processor, encoded[0], max_new_tokens)
    tokens, start = 0, time.perf_counter()
    for enc in tqdm(encoded, desc="latency", unit="page", disable=not progress):
        tokens += len(greedy(model, processor, enc, max_new_tokens)[0])
    seconds = time.perf_counter() - start
    return seconds / len(pages), 1000 * seconds / max(tokens, 1)


def _finite(value: Any) -> Any:
    """JSON has no NaN: a metric that could not be computed (no field of its kind) becomes null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def servable(name: str, metrics: dict[str, float], original: dict[str, float], parity: ParityResult,
             params: ExportParams) -> tuple[bool, str]:
    """(may it be served, why): the merged export when it and the serving path pass parity, the
    int8 copy when it loses at most ``max_int8_drop`` weighted_score against the original."""
    if name == "original":
        return True, "the trained package itself (the parity reference)"
    if name == "int8":
        drop = original["weighted_score"] - metrics["weighted_score"]
        if math.isnan(drop):
            return False, "weighted_score could not be computed"
        if drop > params.max_int8_drop:
            return False, f"weighted_score drops {drop:.3f} > max_int8_drop {params.max_int8_drop:g} (CPU only)"
        return True, f"weighted_score drop {drop:.3f} ≤ max_int8_drop {params.max_int8_drop:g} (CPU only)"
    failed = [v.reason for k, v in parity.verdicts.items() if k in (name, SERVING) and v.held and not v.passed]
    if failed:
        return False, "parity failed: " + " | ".join(failed)
    return True, f"passes parity (itself and through the serving backend) within {parity.tolerance:g}"


def export(dataset: Path, model_dir: Path, out_dir: Path, reports_dir: Path, params: ExportParams,
           evaluate: EvaluateParams, tracking: TrackingParams, instruction: str, progress: bool = True) -> ExportResult:
    """Write the configured exports of ``model_dir`` to ``out_dir``, measure every variant and
    check parity; the report is written whether parity passes or not (the caller decides)."""
    from claimvlm.dataset.reader import prompt_for, read_split
    from claimvlm.evaluation.stage import canary
    from claimvlm.evaluation.stage import evaluate as evaluate_package
    from claimvlm.export.optimise import disk_bytes, export_int8, export_merged, memory_bytes
    from claimvlm.export.parity import parity_check
    from claimvlm.export.report import write_report
    from claimvlm.export.weight_only import weight_only_rows
    from claimvlm.model.package import load_trained, read_prompt
    from claimvlm.serving.hf import TransformersBackend

    dataset, model_dir, out_dir, reports_dir = Path(dataset), Path(model_dir), Path(out_dir), Path(reports_dir)
    test = read_split(dataset, "test")
    if not test:
        raise ValueError(f"{dataset}: the test split is empty; nothing to measure the exports on")
    canaries = canary(test, evaluate)
    pages = [ex.page() for ex in canaries]
    prompt = read_prompt(model_dir) if (Path(model_dir) / PROMPT_FILE).is_file() else PromptSpec(instruction)
    texts = [prompt_for(ex, prompt) for ex in canaries]
    paths = {"original": model_dir}
    if params.merged:
        paths["merged"] = export_merged(model_dir, out_dir / "merged")
    if params.int8:
        paths["int8"] = export_int8(model_dir, out_dir / "int8")

    measured: dict[str, dict[str, Any]] = {}
    for name, path in paths.items():
        scored = evaluate_package(dataset, path, None, reports_dir / "evaluation" / name, evaluate, tracking,
                                  baseline=False, champion=False, progress=progress)["candidate"]
        model, processor = load_trained(path)
        s_page, ms_token = latency(model, processor, pages, texts, evaluate.max_new_tokens, progress=progress)
        overall = scored.report.overall.metrics
        measured[name] = {"metrics": {k: float(overall[k]) for k in MAIN_METRICS}, "disk_bytes": disk_bytes(path),
                          "memory_bytes": memory_bytes(model), "s_per_page": s_page, "ms_per_token": ms_token}
        del model

    served = paths.get("merged", model_dir)
    model, processor = load_trained(served)
    candidates: dict[str, Any] = {k: paths[k] for k in ("merged", "int8") if k in paths}
    candidates[SERVING] = TransformersBackend(model, processor, instruction, evaluate.max_new_tokens, prompt=prompt)
    parity = parity_check(model_dir, candidates, pages, texts, max_logprob_diff=params.parity_max_logprob_diff,
                          max_new_tokens=evaluate.max_new_tokens, page_ids=[ex.key for ex in canaries],
                          report_only={"int8"}, progress=progress)

    original = measured["original"]["metrics"]
    variants = {}
    for name, m in measured.items():
        ok, reason = servable(name, m["metrics"], original, parity, params)
        deltas = {k: v - original[k] for k, v in m["metrics"].items()}
        variants[name] = Variant(name, paths[name], m["metrics"], deltas, m["disk_bytes"], m["memory_bytes"],
                                 m["s_per_page"], m["ms_per_token"], ok, reason)
    four_bit = weight_only_rows(dataset, model_dir, out_dir, reports_dir, params.weight_only,
                                params.calibration_samples, evaluate, tracking, original,
                                measured.get("int8", {}).get("metrics"), progress=progress)
    reports_dir.mkdir(parents=True, exist_ok=True)
    metrics_path = reports_dir / "metrics.json"
    metrics_path.write_text(json.dumps(_finite({
        "passed": parity.passed, "test_documents": len(test), "canary": [ex.key for ex in canaries],
        "variants": {k: {**asdict(v), "path": str(v.path)} for k, v in variants.items()},
        "parity": parity.to_json(), "weight_only": {k: asdict(r) for k, r in four_bit.items()},
    }), indent=1, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")
    report_path = write_report(reports_dir / "report.md", variants, parity, params, len(test),
                               [ex.key for ex in canaries], weight_only=four_bit)
    return ExportResult(parity.passed, variants, parity, metrics_path, report_path, four_bit)
