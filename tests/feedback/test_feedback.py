"""Reviewers' corrections: the store (SQLite, as by default) and the live-quality rollback verdict."""

from __future__ import annotations

import base64
import random
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from claimvlm.evaluation.params import EvaluateParams
from claimvlm.feedback.params import LiveRollbackParams
from claimvlm.feedback.quality import LiveStats, correction_rate, live_verdict
from claimvlm.feedback.sealing import ENV, Sealer, SealError, new_key_spec
from claimvlm.feedback.store import PREDICTIONS, DuplicateRequest, UnknownRequest
from tests.feedback.conftest import store_at

ANSWER = {"document_type": "receipt", "patient_name": "김가명", "total": 12300, "issue_date": "2024-01-02",
          "line_items": [{"name": "진찰료", "amount": 12300}]}
WEIGHTS = EvaluateParams().field_weights


def test_corrections_are_appended_and_the_policy_picks_the_one_that_counts(tmp_path: Path) -> None:
    store = store_at(tmp_path / "sub", pages=True)  # the folders are made
    store.record_answer("r1", "3", "champion", ANSWER, {"total": 0.9}, page_png=b"\x89PNG page one")
    store.record_answer("r2", "4", "challenger", ANSWER, {})
    with pytest.raises(UnknownRequest):
        store.record_feedback("nope", ANSWER, "rev-1")
    with pytest.raises(DuplicateRequest):  # a kept answer is never replaced (it was, by a repeated id)
        store.record_answer("r1", "5", "champion", {**ANSWER, "total": 1}, {})
    store.record_feedback("r1", {**ANSWER, "total": 12800}, "rev-1")
    assert list(store.reviewed()) == []  # one ordinary reviewer: nothing counts yet
    store.record_feedback("r1", {**ANSWER, "total": 12900}, "rev-2")
    assert list(store.reviewed()) == []  # two reviewers who disagree: still nothing
    store.record_feedback("r1", {**ANSWER, "total": 12800}, "rev-3")  # agrees with rev-1
    (agreed,) = store.reviewed("agreement")
    assert agreed.corrected["total"] == 12800 and agreed.answer == ANSWER and store.page(agreed) == b"\x89PNG page one"
    store.record_feedback("r1", {**ANSWER, "total": 12700}, "lead", senior=True)
    assert [r.corrected["total"] for r in store.reviewed()] == [12700]  # a senior reviewer counts alone
    assert [r.corrected["total"] for r in store.reviewed("agreement")] == [12800]
    store.record_feedback("r2", ANSWER, "lead", senior=True)
    rows = list(store.reviewed())
    assert [(r.request_id, r.model_version, r.route) for r in rows] == [("r1", "3", "champion"),
                                                                        ("r2", "4", "challenger")]
    assert [r.request_id for r in store.reviewed(versions=("4",))] == ["r2"]
    assert list(store.reviewed(since=rows[1].reviewed_at + timedelta(seconds=1))) == []
    assert len(list(store.reviewed(window=timedelta(days=1)))) == 2
    assert store.counts() == {"answers": 2, "corrections": 5, "reviewed": 2}  # every submission kept
    store.close()


def test_health_data_is_sealed_private_and_bound_to_its_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    store = store_at(tmp_path / "fb", pages=True)
    store.record_answer("r1", "3", "champion", ANSWER, {}, page_png=b"\x89PNG raw page bytes")
    store.record_feedback("r1", {**ANSWER, "patient_name": "정정된이름"}, "lead", senior=True)
    store.record_answer("r2", "3", "champion", {**ANSWER, "patient_name": "다른사람"}, {})
    on_disk = b"".join(f.read_bytes() for f in (tmp_path / "fb").rglob("*") if f.is_file())
    for clear in ("김가명", "정정된이름", "다른사람", "진찰료"):
        assert clear.encode() not in on_disk, clear  # database, its WAL and the page: sealed
    assert b"raw page bytes" not in on_disk
    modes = {f.relative_to(tmp_path): f.stat().st_mode & 0o777 for f in (tmp_path / "fb").rglob("*")}
    assert all(m == (0o700 if (tmp_path / f).is_dir() else 0o600) for f, m in modes.items()), modes
    assert (tmp_path / "fb").stat().st_mode & 0o777 == 0o700
    with sqlite3.connect(tmp_path / "fb" / "feedback.db") as db:  # r2's sealed answer moved onto r1
        moved = db.execute("select answer from predictions where request_id='r2'").fetchone()[0]
        db.execute("update predictions set answer=? where request_id='r1'", (moved,))
    with pytest.raises(SealError, match="moved from its row"):
        list(store.reviewed())
    monkeypatch.delenv(ENV)
    with pytest.raises(SealError, match="set CLAIMVLM_FEEDBACK_KEYS"):
        Sealer.from_env(required=True)  # no keys: the service keeps nothing in the clear


def test_keys_rotate_by_id_and_bad_keys_are_refused() -> None:
    old = Sealer.parse(new_key_spec("2025"))
    sealed = old.seal(b"answer", "answer:r1")
    old_spec = ",".join(f"{k}:{base64.b64encode(v).decode()}" for k, v in old.keys.items())
    rotated = Sealer.parse(f"{new_key_spec('2026')},{old_spec}")
    assert rotated.current == "2026" and rotated.open(sealed, "answer:r1") == b"answer"  # old data still opens
    assert rotated.key_id(rotated.seal(b"x", "c")) == "2026"  # new data under the new key
    with pytest.raises(SealError, match="does not hold"):
        Sealer.parse(new_key_spec("other")).open(sealed, "answer:r1")
    for bad in ("k:" + "A" * 44, "k:c2hvcnQ=", "nocolon", ""):  # all-zero, short, malformed, empty
        with pytest.raises(SealError):
            Sealer.parse(bad)


def test_purge_and_delete_remove_rows_and_pages_with_an_audit(tmp_path: Path) -> None:
    store = store_at(tmp_path, pages=True)
    for rid in ("old", "new", "asked"):
        store.record_answer(rid, "1", "champion", ANSWER, {}, page_png=b"\x89PNG")
        store.record_feedback(rid, ANSWER, "lead", senior=True)
    with store.engine.begin() as db:  # "old" was answered 100 days ago
        db.execute(PREDICTIONS.update().where(PREDICTIONS.c.request_id == "old").values(
            created_at=datetime.now(UTC) - timedelta(days=100)))
    pages = {r.request_id: Path(r.page_path) for r in store.reviewed()}
    assert store.purge(timedelta(days=90), "monitor") == 1
    assert store.delete("asked", "user:kim", "data subject request") and not store.delete("asked", "user:kim", "x")
    assert [r.request_id for r in store.reviewed()] == ["new"]
    assert not pages["old"].exists() and not pages["asked"].exists() and pages["new"].exists()
    audit = [(d["request_id"], d["actor"], d["reason"]) for d in store.deletions()]
    assert audit == [("old", "monitor", "retention: older than 90 days"), ("asked", "user:kim", "data subject request")]


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    store = store_at(tmp_path)

    def write(k: int) -> None:
        for i in range(25):
            store.record_answer(f"w{k}-{i}", "1", "champion", ANSWER, {})
            store.record_feedback(f"w{k}-{i}", ANSWER, "lead", senior=True)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.counts() == {"answers": 100, "corrections": 100, "reviewed": 100}


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
