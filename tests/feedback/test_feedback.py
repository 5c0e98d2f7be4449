"""Reviewers' corrections: the store (SQLite, as by default) and the live-quality rollback verdict."""

from __future__ import annotations

import random
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from claimvlm.evaluation.params import EvaluateParams
from claimvlm.feedback.params import LiveRollbackParams
from claimvlm.feedback.quality import LiveStats, correction_rate, live_verdict
from claimvlm.feedback.store import FeedbackStore, UnknownRequest

ANSWER = {"document_type": "receipt", "patient_name": "김가명", "total": 12300, "issue_date": "2024-01-02",
          "line_items": [{"name": "진찰료", "amount": 12300}]}
WEIGHTS = EvaluateParams().field_weights


def test_answers_and_corrections_are_kept_and_read_back(tmp_path: Path) -> None:
    store = FeedbackStore(f"sqlite:///{tmp_path}/sub/feedback.db")  # the folder is made
    store.record_answer("r1", "3", "champion", ANSWER, {"total": 0.9}, page_path="pages/r1.png")
    store.record_answer("r2", "4", "challenger", ANSWER, {})
    with pytest.raises(UnknownRequest):
        store.record_feedback("nope", ANSWER, "rev-1")
    store.record_feedback("r1", {**ANSWER, "total": 12800}, "rev-1")
    store.record_feedback("r1", {**ANSWER, "total": 12900}, "rev-2")  # the latest submission wins
    store.record_feedback("r2", ANSWER, None)
    rows = list(store.reviewed())
    assert [(r.request_id, r.model_version, r.route) for r in rows] == [("r1", "3", "champion"),
                                                                        ("r2", "4", "challenger")]
    assert rows[0].corrected["total"] == 12900 and rows[0].answer == ANSWER and rows[0].page_path == "pages/r1.png"
    assert [r.request_id for r in store.reviewed(versions=("4",))] == ["r2"]
    assert list(store.reviewed(since=rows[1].reviewed_at + timedelta(seconds=1))) == []
    assert len(list(store.reviewed(window=timedelta(days=1)))) == 2
    assert store.counts() == {"answers": 2, "reviewed": 2}
    store.record_answer("r1", "5", "champion", ANSWER, {})  # an id answered again: its old review goes
    assert store.counts() == {"answers": 2, "reviewed": 1}
    store.close()


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    store = FeedbackStore(f"sqlite:///{tmp_path}/feedback.db")

    def write(k: int) -> None:
        for i in range(25):
            store.record_answer(f"w{k}-{i}", "1", "champion", ANSWER, {})
            store.record_feedback(f"w{k}-{i}", ANSWER, None)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.counts() == {"answers": 100, "reviewed": 100}


def test_correction_rate_weighs_fields_as_evaluation_does() -> None:
    assert correction_rate(ANSWER, ANSWER, WEIGHTS) == 0.0
    name_fixed = correction_rate(ANSWER, {**ANSWER, "patient_name": "박가명"}, WEIGHTS)
    total_fixed = correction_rate(ANSWER, {**ANSWER, "total": 1}, WEIGHTS)
    assert 0 < name_fixed < total_fixed < 1  # '*total' weighs 2, a name 1
    assert correction_rate({}, ANSWER, WEIGHTS) == 1.0  # nothing right
    assert correction_rate({**ANSWER, "total": "12,300"}, ANSWER, WEIGHTS) == 0.0  # normalised as in evaluation


def _stats(version: str, mean: float, n: int, seed: int) -> LiveStats:
    r = random.Random(seed)
    return LiveStats(version, tuple(min(1.0, max(0.0, r.gauss(mean, 0.08))) for _ in range(n)))


POLICY = LiveRollbackParams(min_samples=30, tolerance=0.02, confidence=0.95)


def test_a_clearly_worse_champion_is_rolled_back_with_the_evidence() -> None:
    verdict = live_verdict(_stats("5", 0.20, 60, 1), _stats("4", 0.10, 60, 2), POLICY)
    assert verdict.worse and verdict.judged and "v5 is worse" in verdict.reasons[0]
    assert verdict.evidence["new"]["n"] == 60 and verdict.evidence["lower_bound"] > 0.02


def test_noise_and_too_few_samples_keep_the_champion() -> None:
    within = live_verdict(_stats("5", 0.11, 60, 1), _stats("4", 0.10, 60, 2), POLICY)
    assert not within.worse and within.judged and "within noise" in within.reasons[0]
    few = live_verdict(_stats("5", 0.60, 10, 1), _stats("4", 0.10, 60, 2), POLICY)
    assert not few.worse and not few.judged and "fewer than 30" in few.reasons[0]
    better = live_verdict(_stats("5", 0.05, 60, 1), _stats("4", 0.10, 60, 2), POLICY)
    assert not better.worse and better.judged
