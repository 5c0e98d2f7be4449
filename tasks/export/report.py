"""The export report: one table a reviewer decides from (what each variant costs, what it loses,
whether it reads like the trained model, whether it may be served and why), then the parity
details per candidate and page."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from claimvlm.export.params import ExportParams
from claimvlm.export.parity import ParityResult

SHOWN = ("json_valid_rate", "weighted_score", "critical_exact", "cer")
LOWER_IS_BETTER = {"cer", "wer"}


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f} MB"


def _num(x: float | None, signed: bool = False) -> str:
    if x is None or math.isnan(x):
        return "–"
    return f"{x:+.3f}" if signed else f"{x:.3f}"


def _table(rows: list[list[str]]) -> list[str]:
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    return [line(rows[0]), "|" + "---|" * len(rows[0]), *(line(r) for r in rows[1:]), ""]


def _parity_cell(name: str, parity: ParityResult) -> str:
    own = parity.verdicts.get(name)
    if name == "original":
        return "reference"
    if own is None:
        return "–"
    if not own.held:
        return f"not held; agreement {own.agreement:.0%}, max Δ {_num(own.max_logprob_diff)}"
    serving = parity.verdicts.get("serving")
    ok = own.passed and (name != "merged" or serving is None or serving.passed)
    return f"{'pass' if ok else 'FAIL'} (max Δ {own.max_logprob_diff:.2g})"


def _weight_only(rows: Mapping[str, Any]) -> list[str]:
    """The optional 4-bit rows (claimvlm.export.weight_only.WeightOnlyRow): made, or why not."""
    if not rows:
        return []
    head = ["variant", "status", "size on disk", *(f"{m}{' ↓' if m in LOWER_IS_BETTER else ''} (Δ, Δ int8)"
                                                   for m in SHOWN), "calibration pages", "quantise s", "library"]
    table = [head]
    for name, r in rows.items():
        if r.metrics:
            cells = [f"{_num(r.metrics[m])} ({_num(r.deltas[m], signed=True)}, "
                     f"{_num(r.deltas_int8.get(m), signed=True)})" for m in SHOWN]
        else:
            cells = ["–"] * len(SHOWN)
        table.append([name, r.status, "–" if r.disk_bytes is None else _mb(r.disk_bytes), *cells,
                      "–" if r.calibration is None else str(r.calibration),
                      "–" if r.quantize_s is None else f"{r.quantize_s:.0f}", r.library or "–"])
    intro = ("4-bit weight-only copies (W4A16, group 128; vision tower and lm_head kept in 16 bit) made by "
             "llm-compressor, calibrated on train-split pages and scored like the variants above (Δ: against "
             "the original package; Δ int8: against the int8 copy). GPU only: without a CUDA device or "
             "llmcompressor they are refused here and made by `benchmarks/gpu_quantize.py` on a GPU "
             "machine. Not held to parity; served by vLLM (compressed-tensors). See docs/export-awq-gptq.md.")
    return ["## Weight-only 4-bit (AWQ, GPTQ)", "", intro, "", *_table(table)]


def write_report(path: Path, variants: Mapping[str, Any], parity: ParityResult, params: ExportParams,
                 documents: int, canary: Sequence[str], weight_only: Mapping[str, Any] | None = None) -> Path:
    """``report.md`` at ``path``; ``weight_only``: the optional AWQ/GPTQ rows."""
    head = ["variant", "size on disk", "weights in memory", "s/page", "ms/token",
            *(f"{m}{' ↓' if m in LOWER_IS_BETTER else ''} (Δ)" for m in SHOWN), "parity", "servable"]
    rows = [head]
    for name, v in variants.items():
        cells = [f"{_num(v.metrics[m])} ({_num(v.deltas[m], signed=True)})" for m in SHOWN]
        rows.append([name, _mb(v.disk_bytes), _mb(v.memory_bytes), f"{v.s_per_page:.2f}", f"{v.ms_per_token:.1f}",
                     *cells, _parity_cell(name, parity), f"{'yes' if v.servable else 'NO'}: {v.reason}"])
    checks = [["candidate", "held to parity", "answers agree", "max abs Δ log p", "verdict"]]
    for v in parity.verdicts.values():
        checks.append([v.candidate, "yes" if v.held else "no (reported)", f"{v.agreement:.0%}",
                       _num(v.max_logprob_diff) if v.max_logprob_diff is None else f"{v.max_logprob_diff:.3g}",
                       v.reason])
    pages = [["candidate", "page", "same answer", "max abs Δ log p", "at token", "answer tokens"]]
    for r in parity.rows:
        pages.append([r.candidate, r.page, "yes" if r.same_answer else "no",
                      "–" if r.max_logprob_diff is None else f"{r.max_logprob_diff:.3g}",
                      "–" if r.worst_token is None else str(r.worst_token), str(r.tokens)])
    verdict = "PASSED" if parity.passed else "FAILED: " + "; ".join(parity.reasons())
    lower = ", ".join(m for m in SHOWN if m in LOWER_IS_BETTER)
    intro = (f"Every variant read the same test split ({documents} documents) through the evaluation stage; "
             f"Δ is against the original package ({lower}: lower is better). Time per page and per generated "
             f"token: greedy reading, one page at a time, on the {len(canary)} canary pages "
             f"({', '.join(canary)}), on this machine.")
    rule = (f"Parity: {verdict}. Tolerance {parity.tolerance:g} on |Δ log p| along the reference's answers "
            "(the trained package, an adapter unmerged); \"serving\" is the merged export read through the "
            "service's batched transformers backend. A merged export must pass; the int8 copy is not held to "
            f"parity but may lose at most {params.max_int8_drop:g} weighted_score.")
    notes = [("- int8 is torch dynamic quantisation (`torch.ao.quantization.quantize_dynamic`, deprecated in "
             "favour of torchao): CPU engines only; serve it with `serve.device: cpu`."),
             ("- Weights in memory count parameters, buffers and the int8 weights of quantised layers, not "
             "activations or the KV cache.")]
    md = ["# Export report", "", intro, "", rule, "", *_table(rows), *_weight_only(weight_only or {}),
          "## Parity by candidate", "", *_table(checks),
          "## Parity by page", "", *_table(pages), "## Notes", "", *notes, ""]
    path.write_text("\n".join(md), encoding="utf-8")
    return path
