"""Metrics of a model's predicted labels against the true ones, over a test set.

Per document (:func:`score_document`): whether the answer is a JSON object and a valid label,
character and word error counts of the answer text against the reference text
(:func:`claimvlm.dataset.records.label_text`, what the model was trained to emit; jiwer, NFC on
both sides, the prediction's ends stripped), and one :class:`~claimvlm.evaluation.fields.FieldScore`
per field (see :mod:`claimvlm.evaluation.fields`). An answer that is no JSON object scores 0 on
every field of the label.

Every headline metric is a ratio of sums over documents (micro average), so a document with
more fields (a long itemized bill) weighs more in the field metrics, and CER/WER are corpus
rates (all edits / all reference characters or words); json_valid_rate and schema_valid_rate
are shares of documents. CER is the primary text metric: compact JSON has few spaces, so a
"word" of WER is a long run of characters. Beside them, reported and never gated
(:data:`REPORTED`): corpus BLEU and chrF of the same two texts on characters, sacrebleu's 0-100
scale, point values without an interval (:func:`overlap_stats` says why characters).
``weighted_score`` weights each field by the first
``field_weights`` pattern (shell-style, on the dotted path) that matches it, 1.0 if none;
``critical_exact`` is field exact match over the fields matching a ``critical_fields`` pattern.

Confidence intervals are percentile bootstrap intervals over documents: ``params.bootstrap``
resamples, drawn by a numpy Generator seeded with ``params.seed`` and the summary's name (so a
slice's interval does not depend on which other slices exist). All metrics of a summary share
the same resamples. Results hold field paths, counts and rates, never values.
"""

from __future__ import annotations

import math
import unicodedata
import zlib
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import cache
from typing import Any, Literal

import jiwer
import numpy as np

from claimvlm.dataset.records import label_text
from claimvlm.evaluation.fields import MISSING, FieldScore, compare_fields, is_schema_valid
from claimvlm.evaluation.params import EvaluateParams
from claimvlm.model.reading import parse_prediction
from claimvlm.quality.agreement import cohens_kappa

HEADLINE: tuple[str, ...] = ("json_valid_rate", "schema_valid_rate", "cer", "wer", "field_exact",
                             "field_similarity", "critical_exact", "weighted_score")

# In Summary.metrics beside HEADLINE, never in its intervals: the gate (claimvlm.registry.stage.
# gate_metrics) guards every headline interval but WER's, and these are reported only.
REPORTED: tuple[str, ...] = ("bleu", "chrf")
Stats = dict[str, tuple[int, ...]]  # metric -> sacrebleu's sufficient statistics of one document

Interval = tuple[float, float, float]  # (low, point, high)


@dataclass(frozen=True)
class Item:
    """One test document: its true label (schema JSON form), the model's answer text and the
    slices it belongs to (e.g. ``{"capture": "fax"}``); ``document_type`` defaults to the label's."""

    doc_id: str
    label: dict[str, Any]
    prediction: str
    slices: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DocResult:
    """The scores of one document. ``weights`` and ``critical`` run parallel to ``fields``."""

    doc_id: str
    slices: dict[str, str]
    json_valid: bool
    schema_valid: bool
    char_errors: int
    chars: int
    word_errors: int
    words: int
    fields: tuple[FieldScore, ...]
    weights: tuple[float, ...]
    critical: tuple[bool, ...]
    overlap: Stats = field(default_factory=dict)  # BLEU/chrF sufficient statistics (counts, no text)

    def sums(self) -> dict[str, tuple[float, float]]:
        """(numerator, denominator) of each headline metric; the metric is their ratio."""
        exact = [float(f.exact) for f in self.fields]
        return {
            "json_valid_rate": (float(self.json_valid), 1.0),
            "schema_valid_rate": (float(self.schema_valid), 1.0),
            "cer": (float(self.char_errors), float(self.chars)),
            "wer": (float(self.word_errors), float(self.words)),
            "field_exact": (sum(exact), float(len(exact))),
            "field_similarity": (sum(f.similarity for f in self.fields), float(len(exact))),
            "critical_exact": (sum(e for e, c in zip(exact, self.critical, strict=True) if c),
                               float(sum(self.critical))),
            "weighted_score": (sum(e * w for e, w in zip(exact, self.weights, strict=True)),
                               sum(self.weights)),
        }

    def metrics(self) -> dict[str, float]:
        """The headline metrics of this document alone (NaN where the denominator is 0)."""
        return {k: _ratio(n, d) for k, (n, d) in self.sums().items()}

    def origin_counts(self) -> dict[str, int]:
        """Fields from unmatched list elements: ``missed_fields`` (true) and ``extra_fields`` (predicted)."""
        return {f"{o}_fields": sum(f.origin == o for f in self.fields) for o in ("missed", "extra")}


@dataclass(frozen=True)
class Summary:
    """Metrics of a set of documents: point values (HEADLINE, then REPORTED), ``{metric: (low,
    point, high)}`` intervals (HEADLINE only), and per field path ``{"count", "exact", "similarity"}``."""

    documents: int
    metrics: dict[str, float]
    intervals: dict[str, Interval]
    per_field: dict[str, dict[str, float | int]]
    missed_fields: int
    extra_fields: int

    def to_json(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "metrics": {k: _json_float(v) for k, v in self.metrics.items()},
            "intervals": {k: [_json_float(x) for x in v] for k, v in self.intervals.items()},
            "fields": {p: {k: v if isinstance(v, int) else _json_float(v) for k, v in t.items()}
                       for p, t in self.per_field.items()},
            "missed_fields": self.missed_fields,
            "extra_fields": self.extra_fields,
        }


@dataclass(frozen=True)
class Report:
    """The evaluation of a test set: overall, per slice (``slices[key][value]``) and per document."""

    overall: Summary
    slices: dict[str, dict[str, Summary]]
    documents: tuple[DocResult, ...]
    bootstrap: int
    confidence: float
    seed: int

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (strict JSON: NaN becomes null) of paths, counts and rates only."""
        return {
            "bootstrap": {"resamples": self.bootstrap, "confidence": self.confidence, "seed": self.seed},
            "sacrebleu": overlap_signatures(),
            "overall": self.overall.to_json(),
            "slices": {k: {v: s.to_json() for v, s in sorted(by.items())}
                       for k, by in sorted(self.slices.items())},
            "documents": [{"doc_id": d.doc_id, "slices": dict(d.slices), "json_valid": d.json_valid,
                           "schema_valid": d.schema_valid,
                           **{k: _json_float(v) for k, v in d.metrics().items()},
                           **d.origin_counts()} for d in self.documents],
        }


# --- helpers -------------------------------------------------------------------------------

def _ratio(num: float, den: float) -> float:
    return num / den if den else math.nan


def _json_float(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def field_weight(path: str, weights: Mapping[str, float]) -> float:
    """The weight of the first pattern matching ``path`` (insertion order), else 1.0."""
    return next((w for pattern, w in weights.items() if fnmatchcase(path, pattern)), 1.0)


def is_critical(path: str, patterns: Sequence[str]) -> bool:
    return any(fnmatchcase(path, p) for p in patterns)


def kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Cohen's kappa of two reviewers' labels of the same items
    (:func:`claimvlm.quality.agreement.cohens_kappa`)."""
    return cohens_kappa(a, b)


def text_errors(reference: str, hypothesis: str, unit: Literal["char", "word"] = "char") -> tuple[int, int]:
    """(edits, reference length) in characters or whitespace-separated words, by jiwer, after
    NFC on both texts; CER/WER is their ratio. The reference must not be empty."""
    ref, hyp = unicodedata.normalize("NFC", reference), unicodedata.normalize("NFC", hypothesis)
    out = jiwer.process_characters(ref, hyp) if unit == "char" else jiwer.process_words(ref, hyp)
    return (out.substitutions + out.deletions + out.insertions,
            out.substitutions + out.deletions + out.hits)


# BLEU's tokenisation: sacrebleu's "char" (every character a token, whitespace dropped). In NFC a
# Hangul syllable block is one character, so for Korean this is syllable tokenisation, and codes,
# dates and amounts are scored digit by digit. Not "13a"/"intl" (the defaults): they split on spaces
# and punctuation, and Korean glues particles to words, so one wrong syllable or digit would cost a
# whole token (WER's flaw). Not "ko-mecab": MeCab-ko and its dictionary are a native install the
# project's machines and CI lack. Not "flores200"/"spm": a SentencePiece model downloaded at run
# time. "zh"/"ja-mecab" do not segment Hangul. chrF (defaults: character 6-grams, beta 2, spaces
# ignored) needs no tokenizer; it weighs recall over precision, so truncation costs more there.
@cache
def _overlap_metrics() -> dict[str, Any]:
    from sacrebleu.metrics import BLEU, CHRF  # here, not at import time

    return {"bleu": BLEU(tokenize="char"), "chrf": CHRF()}


def overlap_stats(reference: str, hypothesis: str) -> Stats:
    """Per metric (:data:`REPORTED`), sacrebleu's sufficient statistics of one document (n-gram
    counts and lengths, no text), after NFC on both texts.

    BLEU is character BLEU: for Korean, syllable BLEU (see the comment above: no tokenizer that
    needs a native dictionary or a downloaded model). sacrebleu adds these per-segment statistics
    up in ``corpus_score`` but has no public call returning them, hence its segment method; the
    tests check :func:`overlap_scores` against ``sacrebleu.corpus_bleu``/``corpus_chrf``."""
    ref, hyp = unicodedata.normalize("NFC", reference), unicodedata.normalize("NFC", hypothesis)
    return {name: tuple(int(x) for x in metric._extract_corpus_statistics([hyp], [[ref]])[0])
            for name, metric in _overlap_metrics().items()}


def overlap_scores(stats: Sequence[Mapping[str, Sequence[int]]]) -> dict[str, float]:
    """Corpus BLEU and chrF (0-100) of documents given by their :func:`overlap_stats`: the
    statistics summed, then scored, as ``sacrebleu.corpus_bleu`` does (no mean of documents)."""
    out: dict[str, float] = {}
    for name, metric in _overlap_metrics().items():
        total = [sum(col) for col in zip(*(s[name] for s in stats), strict=True)]
        out[name] = float(metric._compute_score_from_stats(total).score)
    return out


def overlap_signatures() -> dict[str, str]:
    """sacrebleu's signature of each metric (tokenizer, smoothing, version): what makes a score
    comparable with another."""
    overlap_stats("가", "가")  # sacrebleu learns the number of references from a scored segment
    return {name: str(metric.get_signature()) for name, metric in _overlap_metrics().items()}


# --- scoring -------------------------------------------------------------------------------

def score_document(item: Item, params: EvaluateParams) -> DocResult:
    """Score one prediction against its label (see the module docstring)."""
    parsed = parse_prediction(item.prediction)
    reference, hypothesis = label_text(item.label), item.prediction.strip()
    char_errors, chars = text_errors(reference, hypothesis, "char")
    word_errors, words = text_errors(reference, hypothesis, "word")
    overlap = overlap_stats(reference, hypothesis)
    if parsed is None:  # no answer: every field of the label scores 0
        scores = tuple(FieldScore(s.path, False, 0.0) for s in compare_fields(item.label, MISSING))
    else:
        scores = tuple(compare_fields(item.label, parsed))
    slices = {"document_type": str(item.label.get("document_type", "unknown")), **item.slices}
    return DocResult(
        doc_id=item.doc_id, slices=slices, json_valid=parsed is not None,
        schema_valid=is_schema_valid(parsed),
        char_errors=char_errors, chars=chars, word_errors=word_errors, words=words, fields=scores,
        weights=tuple(field_weight(s.path, params.field_weights) for s in scores),
        critical=tuple(is_critical(s.path, params.critical_fields) for s in scores), overlap=overlap,
    )


def bootstrap_intervals(num: np.ndarray, den: np.ndarray, resamples: int, confidence: float,
                        rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Percentile intervals of ratio-of-sums metrics. ``num``/``den``: (documents, metrics).

    Returns (low, point, high), each of shape (metrics,); NaN where undefined."""
    n = num.shape[0]
    idx = rng.integers(0, n, size=(resamples, n))
    counts = np.bincount((np.arange(resamples)[:, None] * n + idx).ravel(),
                         minlength=resamples * n).reshape(resamples, n).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        stats = (counts @ num) / (counts @ den)
        point = num.sum(axis=0) / den.sum(axis=0)
    stats[~np.isfinite(stats)] = np.nan
    alpha = 1.0 - confidence
    low, high = np.full_like(point, np.nan), np.full_like(point, np.nan)
    defined = ~np.all(np.isnan(stats), axis=0)
    if defined.any():
        low[defined], high[defined] = np.nanquantile(stats[:, defined], [alpha / 2, 1 - alpha / 2], axis=0)
    return low, np.where(np.isfinite(point), point, np.nan), high


def summarize(docs: Sequence[DocResult], params: EvaluateParams, name: str = "overall") -> Summary:
    """Metrics, bootstrap intervals and per-field tables of ``docs``; ``name`` seeds the resampling."""
    if not docs:
        raise ValueError("no documents to summarize")
    sums = [d.sums() for d in docs]
    num = np.array([[s[m][0] for m in HEADLINE] for s in sums], dtype=float)
    den = np.array([[s[m][1] for m in HEADLINE] for s in sums], dtype=float)
    rng = np.random.default_rng([params.seed, zlib.crc32(name.encode("utf-8"))])
    low, point, high = bootstrap_intervals(num, den, params.bootstrap, params.confidence, rng)
    tables: dict[str, list[FieldScore]] = {}
    for d in docs:
        for s in d.fields:
            tables.setdefault(s.path, []).append(s)
    per_field: dict[str, dict[str, float | int]] = {
        path: {"count": len(ss), "exact": sum(s.exact for s in ss) / len(ss),
               "similarity": sum(s.similarity for s in ss) / len(ss)}
        for path, ss in sorted(tables.items())}
    origins = [d.origin_counts() for d in docs]
    return Summary(
        documents=len(docs),
        metrics={**{m: float(point[i]) for i, m in enumerate(HEADLINE)},
                 **overlap_scores([d.overlap for d in docs])},
        intervals={m: (float(low[i]), float(point[i]), float(high[i])) for i, m in enumerate(HEADLINE)},
        per_field=per_field,
        missed_fields=sum(o["missed_fields"] for o in origins),
        extra_fields=sum(o["extra_fields"] for o in origins),
    )


def evaluate_predictions(items: Sequence[Item], params: EvaluateParams) -> Report:
    """Score every prediction, then summarize overall and per slice (every key any item gives,
    ``document_type`` always; a slice holds the items that give that key that value)."""
    if not items:
        raise ValueError("no predictions to evaluate")
    ids = [it.doc_id for it in items]
    if len(set(ids)) != len(ids):
        raise ValueError("document ids repeat")
    docs = [score_document(it, params) for it in items]
    groups: dict[str, dict[str, list[DocResult]]] = {}
    for d in docs:
        for key, value in d.slices.items():
            groups.setdefault(key, {}).setdefault(value, []).append(d)
    slices = {key: {value: summarize(ds, params, f"{key}={value}") for value, ds in by.items()}
              for key, by in groups.items()}
    return Report(summarize(docs, params), slices, tuple(docs),
                  params.bootstrap, params.confidence, params.seed)
