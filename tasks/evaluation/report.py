"""The evaluation report: Markdown and HTML side by side, with the contenders' metric tables,
per-slice comparisons (regressions flagged) and a few test pages, worst first, with the true and
predicted fields next to the page. The test split is pseudonymised, so the values shown are
surrogates, never a real person's."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from claimvlm.dataset.reader import Example, label_of
from claimvlm.evaluation.metrics import HEADLINE, REPORTED
from claimvlm.evaluation.params import EvaluateParams
from claimvlm.model.reading import parse_prediction

LOWER_IS_BETTER = {"cer", "wer"}
_THUMB_WIDTH = 360


def _fmt(summary: Any, metric: str) -> str:
    low, point, high = summary.intervals.get(metric, (None, summary.metrics.get(metric), None))
    if point is None or math.isnan(point):
        return "–"
    if low is None or math.isnan(low):
        return f"{point:.3f}"
    return f"{point:.3f} [{low:.3f}, {high:.3f}]"


def _flat(value: Any, prefix: str = "") -> dict[str, str]:
    """Display flattening: ``line_items[2].amount`` -> text."""
    out: dict[str, str] = {}
    if isinstance(value, Mapping):
        for k, v in value.items():
            out.update(_flat(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.update(_flat(v, f"{prefix}[{i}]"))
    else:
        out[prefix] = "" if value is None else str(value)
    return out


def _headline(scored: Mapping[str, Any]) -> list[list[str]]:
    rows = [["metric", *scored]]
    for metric in (*HEADLINE, *REPORTED):
        arrow = " (lower is better)" if metric in LOWER_IS_BETTER else ""
        arrow += " (0–100, not gated)" if metric in REPORTED else ""
        rows.append([metric + arrow, *(_fmt(s.report.overall, metric) for s in scored.values())])
    rows.append(["documents", *(str(s.report.overall.documents) for s in scored.values())])
    return rows


def _slices(scored: Mapping[str, Any], tolerance: float) -> list[list[str]]:
    """weighted_score per slice, flagged by the gate's rule: "regression" when even the candidate's
    upper bound is below the champion's point minus the tolerance, "lower, within noise" when only
    its point is."""
    rows = [["slice", *scored]]
    cand = scored.get("candidate")
    champ = scored.get("champion")
    for key, by in sorted(cand.report.slices.items()) if cand else []:
        for value, summary in sorted(by.items()):
            cells = []
            for s in scored.values():
                other = s.report.slices.get(key, {}).get(value)
                cells.append(_fmt(other, "weighted_score") if other else "–")
            held = champ.report.slices.get(key, {}).get(value) if champ else None
            limit = held.metrics["weighted_score"] - tolerance if held else None
            if limit is not None and summary.intervals["weighted_score"][2] < limit:
                cells[0] += " ⚠ regression"
            elif limit is not None and summary.metrics["weighted_score"] < limit:
                cells[0] += " (lower, within noise)"
            rows.append([f"{key}={value}", *cells])
    return rows


def _md_table(rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0]),
            *("| " + " | ".join(r) + " |" for r in rows[1:]), ""]


def _html_table(rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows[1:])
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _examples(reports: Path, scored: Mapping[str, Any], test: Sequence[Example],
              count: int) -> list[tuple[str, str, list[list[str]]]]:
    """(doc id, thumbnail path, field rows) for the candidate's worst pages."""
    cand = scored["candidate"]
    by_id = {ex.key: ex for ex in test}
    worst = sorted(cand.report.documents, key=lambda d: (d.metrics().get("weighted_score") or 0.0, d.doc_id))
    folder = reports / "examples"
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for doc in worst[:count]:
        ex = by_id[doc.doc_id]
        page = ex.page()
        page.thumbnail((_THUMB_WIDTH, _THUMB_WIDTH * 2))
        thumb = folder / f"{doc.doc_id}.png"
        page.save(thumb)


        true = _flat(label_of(ex))
        pred = _flat(parse_prediction(cand.predictions[doc.doc_id]) or {})
        rows = [["field", "true", "predicted", ""]]
        for path in sorted(set(true) | set(pred), key=lambda p: (p not in true, p)):
            t, p = true.get(path, ""), pred.get(path, "∅")
            rows.append([path, t, p, "✓" if t == p else "✗"])
        out.append((doc.doc_id, thumb.relative_to(reports).as_posix(), rows))
    return out


def write_report(reports: Path, scored: Mapping[str, Any], test: Sequence[Example],
                 params: EvaluateParams, *, tolerance: float = 0.02) -> tuple[Path, Path]:
    """report.md and report.html in ``reports`` (pictures under ``reports/examples``)."""
    headline, slices = _headline(scored), _slices(scored, tolerance)
    examples = _examples(reports, scored, test, params.report_examples)
    note = (f"Test split: {len(test)} documents. Intervals: {params.confidence:.0%} bootstrap over documents "
            f"({params.bootstrap} resamples). weighted_score weighs critical fields (KCD codes, dates, amounts, "
            "RRN) higher; see evaluate.field_weights. bleu and chrf: corpus BLEU and chrF (sacrebleu) of the "
            "answer text against the reference JSON on characters (a Hangul syllable is one), 0–100, "
            "reported only, without an interval.")
    md = ["# Evaluation report", "", note, "", "## Headline metrics", "", *_md_table(headline),
          "## weighted_score by slice", "", *_md_table(slices), "## Pages, worst first", ""]
    parts = [f"<h1>Evaluation report</h1><p>{html.escape(note)}</p><h2>Headline metrics</h2>{_html_table(headline)}",
             f"<h2>weighted_score by slice</h2>{_html_table(slices)}<h2>Pages, worst first</h2>"]
    for doc_id, thumb, rows in examples:
        md += [f"### {doc_id}", "", f"![{doc_id}]({thumb})", "", *_md_table(rows)]
        parts.append(f'<h3>{html.escape(doc_id)}</h3><div class="ex"><img src="{html.escape(thumb)}" '
                     f'width="{_THUMB_WIDTH}">{_html_table(rows)}</div>')
    style = ("<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
             "td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}.ex{display:flex;gap:1em;"
             "align-items:flex-start}</style>")
    (reports / "report.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    (reports / "report.html").write_text(f"<!doctype html><meta charset='utf-8'>{style}{''.join(parts)}",
                                         encoding="utf-8")
    return reports / "report.md", reports / "report.html"
