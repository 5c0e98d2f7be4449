"""The qc stage end to end: broken documents are quarantined with their reasons, good ones pass,
and a batch failing too often stops the pipeline with a clear message; the second reading reads
its sample, the labels the suite fails, and everything once a reading disagrees, and says so."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

from claimvlm.config import Params
from claimvlm.quality.label_noise import sampled
from claimvlm.quality.params import QcParams
from claimvlm.quality.stage import QcError, qc
from claimvlm.synthesis import generate

pytestmark = [pytest.mark.slow, pytest.mark.system]


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """Ten clean documents, three of them broken in different ways: doc id -> what was planted."""
    src = tmp_path_factory.mktemp("qc") / "docs"
    synth = Params().synth.model_copy(update={"num_docs": 10, "workers": 1, "seed": 5,
                                              "degrade": Params().synth.degrade.model_copy(update={"prob": 0.0})})
    generate.run(synth, src, progress=False)
    ids = sorted(p.stem for p in (src / "labels").glob("*.json"))
    planted = {}
    bill = next(i for i in ids if json.loads((src / "labels" / f"{i}.json").read_text())["document_type"]
                in {"itemized_bill", "receipt"})
    label = json.loads((src / "labels" / f"{bill}.json").read_text())
    label["total"] += 1000
    (src / "labels" / f"{bill}.json").write_text(json.dumps(label, ensure_ascii=False))
    planted[bill] = "label_suite"
    blank = next(i for i in ids if i != bill)
    Image.new("RGB", (1240, 1754), "white").save(next((src / "images").glob(f"{blank}.*")))
    planted[blank] = "blank"
    # A label that belongs to another page of the same type: the second reading disagrees.
    donor, victim = _same_type_pair(src, [i for i in ids if i not in planted])
    shutil.copy(src / "labels" / f"{donor}.json", src / "labels" / f"{victim}.json")
    planted[victim] = "label_disagrees_with_image"
    return src, planted


def _params(max_fail_rate: float, sample: float = 1.0, escalate_share: float = 0.01) -> QcParams:
    """Every page read by default: the planted label noise is found wherever the sample falls."""
    base = Params().qc
    noise = base.label_noise.model_copy(update={"sample": sample, "escalate_share": escalate_share})
    return base.model_copy(update={"max_fail_rate": max_fail_rate, "label_noise": noise})


def _same_type_pair(src: Path, ids: list[str]) -> tuple[str, str]:
    by_type: dict[str, list[str]] = {}
    for i in ids:
        by_type.setdefault(json.loads((src / "labels" / f"{i}.json").read_text())["document_type"], []).append(i)
    pair = next(v for v in by_type.values() if len(v) >= 2)
    return pair[0], pair[1]


def test_broken_documents_are_quarantined_with_reasons(batch, tmp_path: Path) -> None:
    src, planted = batch
    params = _params(0.5)
    result = qc(src, tmp_path / "out", tmp_path / "q", tmp_path / "reports", params, workers=2, progress=False)
    assert result.documents == 10 and result.passed + result.quarantined == 10
    quarantined = {p.name for p in (tmp_path / "q").iterdir()}
    assert quarantined == set(planted)
    for doc_id, kind in planted.items():
        reasons = json.loads((tmp_path / "q" / doc_id / "reason.json").read_text())["reasons"]
        assert any(kind in r for r in reasons), (doc_id, reasons)
        assert list((tmp_path / "q" / doc_id).glob("images__*")), "the original files travel with the reason"
    passed = {p.stem for p in (tmp_path / "out" / "labels").glob("*.json")}
    assert passed.isdisjoint(planted) and len(passed) == 7
    assert result.data_docs.exists() and "claim_labels" in result.data_docs.read_text()


def test_a_batch_failing_too_often_stops_the_pipeline(batch, tmp_path: Path) -> None:
    src, _ = batch
    params = _params(0.1)
    with pytest.raises(QcError, match=r"3 of 10 documents failed \(30\.0% > qc.max_fail_rate 10\.0%\)"):
        qc(src, tmp_path / "out", tmp_path / "q", tmp_path / "reports", params, workers=2, progress=False)
    summary = json.loads((tmp_path / "reports" / "summary.json").read_text())
    assert summary["quarantined"] == 3 and summary["fail_rate"] == 0.3
    assert len(list((tmp_path / "q").iterdir())) == 3


def _share(doc_id: str) -> float:
    """The smallest sample that reads ``doc_id`` (to within 1e-6)."""
    lo, hi = 0.0, 1.0
    while hi - lo > 1e-6:
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if sampled(doc_id, mid) else (mid, hi)
    return hi


def test_a_sample_reads_its_share_and_the_suites_failures(batch, tmp_path: Path) -> None:
    """Too small a sample to hold the swapped label: it passes, the summary says what was not read."""
    src, planted = batch
    victim = next(d for d, kind in planted.items() if kind == "label_disagrees_with_image")
    bill = next(d for d, kind in planted.items() if kind == "label_suite")
    result = qc(src, tmp_path / "out", tmp_path / "q", tmp_path / "reports", _params(0.5, _share(victim) / 2),
                workers=2, progress=False)
    assert victim not in {p.name for p in (tmp_path / "q").iterdir()}
    summary = json.loads((tmp_path / "reports" / "summary.json").read_text())
    noise = summary["label_noise"]
    assert noise == result.label_noise and not noise["escalated_to_all"]
    assert noise["due"] == 9  # every page but the blank one
    read = {d for d in {p.stem for p in (src / "labels").glob("*.json")} - {planted_id for planted_id, k in
            planted.items() if k == "blank"} if sampled(d, noise["sample"])} | {bill}
    assert noise["read"] == len(read) and noise["not_read"] == 9 - len(read)


def test_a_disagreeing_reading_has_every_page_read(batch, tmp_path: Path) -> None:
    """The swapped label also fails the suite: read for that, it disagrees, and the rest is read too."""
    src, planted = batch
    victim = next(d for d, kind in planted.items() if kind == "label_disagrees_with_image")
    copy = tmp_path / "docs"
    shutil.copytree(src, copy)
    label = json.loads((copy / "labels" / f"{victim}.json").read_text())
    label["document_type"] = "referral_letter"  # the suite fails it; the fields read stay the same
    (copy / "labels" / f"{victim}.json").write_text(json.dumps(label, ensure_ascii=False))
    result = qc(copy, tmp_path / "out", tmp_path / "q", tmp_path / "reports", _params(0.5, 1e-9),
                workers=2, progress=False)
    reasons = json.loads((tmp_path / "q" / victim / "reason.json").read_text())["reasons"]
    assert reasons[0] == "label_suite: document_type_known"
    assert reasons[-1].startswith("label_disagrees_with_image")
    assert result.label_noise["escalated_to_all"] and result.label_noise["not_read"] == 0
    assert result.label_noise["read"] == result.label_noise["due"] == 9


def test_one_disagreement_among_many_readings_is_the_page_not_the_batch(batch, tmp_path: Path) -> None:
    """Below qc.label_noise.escalate_share of the pages read, a disagreeing page is quarantined alone
    and the sample stays a sample (Tesseract misreads one page in thousands; a mix-up is a share)."""
    src, planted = batch
    victim = next(d for d, kind in planted.items() if kind == "label_disagrees_with_image")
    sample = max(_share(victim), 0.6)  # the victim and about half the rest are read
    result = qc(src, tmp_path / "out", tmp_path / "q", tmp_path / "reports", _params(0.5, sample, 0.5),
                workers=2, progress=False)
    reasons = json.loads((tmp_path / "q" / victim / "reason.json").read_text())["reasons"]
    assert reasons[-1].startswith("label_disagrees_with_image")
    noise = result.label_noise
    assert noise["read"] >= 3 and not noise["escalated_to_all"] and noise["not_read"] > 0
    # the same batch with the default share reads every page for that one disagreement
    again = qc(src, tmp_path / "out2", tmp_path / "q2", tmp_path / "reports2", _params(0.5, sample),
               workers=2, progress=False)
    assert again.label_noise["escalated_to_all"] and again.label_noise["not_read"] == 0
