"""BLEU and chrF of the answer text on characters: reported beside CER/WER, never gated."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from claimvlm.dataset.records import label_text
from claimvlm.evaluation.metrics import (
    HEADLINE,
    REPORTED,
    Item,
    evaluate_predictions,
    overlap_scores,
    overlap_stats,
)
from tests.evaluation.test_metrics import PARAMS, make_label

SUB = "□"  # never in a label: an n-gram holding it matches nothing


def scores(pairs: list[tuple[str, str]]) -> dict[str, float]:
    """Corpus scores of (reference, prediction) pairs."""
    return overlap_scores([overlap_stats(ref, hyp) for ref, hyp in pairs])


def corrupted(text: str, count: int, *, step: int = 7) -> str:
    """``text`` with its first ``count`` every-``step``-th characters replaced: each corruption
    keeps the previous ones, so more corruption is a superset of less."""
    chars = list(text)
    for pos in range(0, len(chars), step)[:count]:
        chars[pos] = SUB
    return "".join(chars)


def test_identical_texts_score_100_and_nfd_counts_as_identical() -> None:
    texts = [label_text(make_label(t, i)) for i, t in enumerate(("receipt", "itemized_bill"))]
    assert scores([(t, t) for t in texts]) == {"bleu": pytest.approx(100.0), "chrf": pytest.approx(100.0)}
    # Hangul decomposed into jamo is the same text: NFC on both sides, as for CER.
    nfd = [(t, unicodedata.normalize("NFD", t)) for t in texts]
    assert scores(nfd) == {"bleu": pytest.approx(100.0), "chrf": pytest.approx(100.0)}


def test_more_corruption_scores_lower() -> None:
    text = label_text(make_label("diagnosis_certificate"))
    runs = [scores([(text, corrupted(text, k))]) for k in (0, 1, 5, 20, 60)]
    for metric in REPORTED:
        values = [r[metric] for r in runs]
        assert values[0] == pytest.approx(100.0)
        assert all(a > b for a, b in zip(values, values[1:])), (metric, values)
        assert all(0.0 <= v <= 100.0 + 1e-9 for v in values)  # 100 up to rounding


def test_one_wrong_syllable_costs_little_on_characters() -> None:
    """The reason for character tokens: a syllable off in a name (Korean glues words, so 13a's
    tokens are whole values) costs a little of character BLEU and much more of 13a BLEU."""
    import sacrebleu

    label = make_label("receipt")
    text = label_text(label)
    name = label["patient_name"]
    pred = text.replace(name, name[:-1] + SUB, 1)
    char = scores([(text, pred)])["bleu"]
    assert 80.0 < char < 100.0
    assert char > sacrebleu.corpus_bleu([pred], [[text]], tokenize="13a").score


def test_empty_predictions_score_zero_without_crashing() -> None:
    text = label_text(make_label("receipt"))
    assert scores([(text, "")]) == {"bleu": 0.0, "chrf": 0.0}
    # An empty answer among right ones lowers the corpus score, not to zero.
    other = label_text(make_label("receipt", 1))
    mixed = scores([(text, text), (other, "")])
    assert all(0.0 < mixed[m] < 100.0 for m in REPORTED)
    report = evaluate_predictions([Item("a", make_label("receipt"), ""), Item("b", make_label("receipt", 1), "  ")],
                                  PARAMS)
    assert report.overall.metrics["bleu"] == report.overall.metrics["chrf"] == 0.0


def test_corpus_scores_are_sacrebleus_own() -> None:
    """Summed per-document statistics give what sacrebleu's corpus functions give on the texts."""
    import sacrebleu

    refs = [label_text(make_label(t, i)) for i, t in enumerate(("receipt", "itemized_bill", "surgery_record"))]
    hyps = [corrupted(refs[0], 10), refs[1][: len(refs[1]) // 2], ""]
    ours = scores(list(zip(refs, hyps, strict=True)))
    assert ours["bleu"] == pytest.approx(sacrebleu.corpus_bleu(hyps, [refs], tokenize="char").score)
    assert ours["chrf"] == pytest.approx(sacrebleu.corpus_chrf(hyps, [refs]).score)
    # A corpus score, not the mean of the documents' scores.
    assert ours["bleu"] != pytest.approx(sum(scores([p])["bleu"] for p in zip(refs, hyps, strict=True)) / 3)


def _report() -> Any:
    items = [Item(f"r{i}", make_label("receipt", i), label_text(make_label("receipt", i))) for i in range(3)]
    items += [Item(f"b{i}", make_label("itemized_bill", i), corrupted(label_text(make_label("itemized_bill", i)), 40))
              for i in range(3)]
    return evaluate_predictions(items, PARAMS)


def test_report_has_bleu_and_chrf_beside_cer_per_slice_without_intervals() -> None:
    report = _report()
    assert list(report.overall.metrics) == [*HEADLINE, *REPORTED]
    assert not set(REPORTED) & set(report.overall.intervals)
    by_type = report.slices["document_type"]
    assert by_type["receipt"].metrics["bleu"] == pytest.approx(100.0)
    assert by_type["itemized_bill"].metrics["bleu"] < report.overall.metrics["bleu"] < 100.0
    dumped = json.loads(json.dumps(report.to_json(), allow_nan=False))
    assert {"bleu", "chrf", "cer", "wer"} <= set(dumped["overall"]["metrics"])
    assert "bleu" in dumped["slices"]["document_type"]["itemized_bill"]["metrics"]
    assert "tok:char" in dumped["sacrebleu"]["bleu"] and "nc:6" in dumped["sacrebleu"]["chrf"]


def test_bleu_is_never_gated_but_reaches_mlflow(tmp_path: Path) -> None:
    from claimvlm.registry.stage import gate_metrics, log_evaluation

    dumped = _report().to_json()
    keys = gate_metrics(dumped, PARAMS)
    assert "cer" in keys and not any(k.rpartition("/")[2] in REPORTED for k in keys)

    class Client:
        logged: list[Any] = []

        def log_batch(self, run_id: str, metrics: list[Any]) -> None:
            self.logged += metrics

        def set_tag(self, *args: Any) -> None: ...

        def log_artifacts(self, *args: Any, **kwargs: Any) -> None: ...

    client = Client()
    log_evaluation(client, "run", tmp_path, {"candidate": dumped}, None)
    logged = {m.key: m.value for m in client.logged}
    assert logged["eval.candidate.bleu"] == pytest.approx(dumped["overall"]["metrics"]["bleu"])
    assert "eval.candidate.chrf" in logged and "eval.candidate.cer" in logged


def test_markdown_and_html_report_show_bleu(tmp_path: Path) -> None:
    from claimvlm.evaluation.report import write_report
    from claimvlm.evaluation.stage import Scored

    report = _report()
    scored = {"candidate": Scored("candidate", report, {})}
    md, page = write_report(tmp_path, scored, [], PARAMS.model_copy(update={"report_examples": 0}))
    text = md.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| bleu"))
    assert "not gated" in row and f"{report.overall.metrics['bleu']:.3f}" in row
    assert "| chrf" in text and "| cer" in text
    assert "bleu (0–100, not gated)" in page.read_text(encoding="utf-8")
