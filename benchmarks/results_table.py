"""The README's results table from evaluation reports: each contender's headline metrics with
their intervals, then weighted_score per document type and per capture profile.

    python benchmarks/results_table.py reports/evaluate [label=another/reports/folder ...]

Each folder holds an evaluate stage's ``<contender>.json`` files (candidate, base, baseline,
champion). Extra ``label=folder`` arguments add that folder's candidate under ``label`` (e.g. the
same base fine-tuned without anchoring).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HEADLINES = ("weighted_score", "field_exact", "critical_exact", "json_valid_rate", "cer")
NAMES = {"candidate": "fine-tuned (anchored)", "base": "pretrained base, before fine-tuning",
         "baseline": "Tesseract + rules baseline", "champion": "champion before this run"}


def _cell(report: dict, key: str) -> str:
    value = report["overall"]["metrics"].get(key)
    ci = report["overall"]["intervals"].get(key)
    if value is None:
        return "–"
    return f"{value:.3f} [{ci[0]:.3f}, {ci[2]:.3f}]" if ci and None not in ci else f"{value:.3f}"


def _slice(report: dict, dimension: str, value: str) -> str:
    found = report.get("slices", {}).get(dimension, {}).get(value)
    score = found and found["metrics"].get("weighted_score")
    return "–" if score is None else f"{score:.3f}"


def main(args: list[str]) -> str:
    folder, extra = Path(args[0]), [a.split("=", 1) for a in args[1:]]
    reports = {NAMES.get(p.stem, p.stem): json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))
               if p.stem in NAMES}
    for label, other in extra:
        reports[label] = json.loads((Path(other) / "candidate.json").read_text())
    order = [n for n in (*NAMES.values(), *(label for label, _ in extra)) if n in reports]
    out = ["| contender | " + " | ".join(HEADLINES) + " |", "|---|" + "---|" * len(HEADLINES)]
    out += [f"| {n} | " + " | ".join(_cell(reports[n], k) for k in HEADLINES) + " |" for n in order]
    for dimension in ("document_type", "capture"):
        values = sorted({v for r in reports.values() for v in r.get("slices", {}).get(dimension, {})})
        docs = next(iter(reports.values()))["slices"].get(dimension, {})
        out += ["", f"weighted_score by {dimension.replace('_', ' ')}:", "",
                "| contender | " + " | ".join(f"{v} ({docs.get(v, {}).get('documents', '?')})" for v in values) + " |",
                "|---|" + "---|" * len(values)]
        out += [f"| {n} | " + " | ".join(_slice(reports[n], dimension, v) for v in values) + " |" for n in order]
    return "\n".join(out)


if __name__ == "__main__":
    print(main(sys.argv[1:]))
