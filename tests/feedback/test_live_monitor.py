"""The monitor's live-quality check against a real registry and feedback store: a champion that
reviewers correct more is rolled back by itself; noise and thin evidence are not acted on; a
worse canary is withdrawn, a good one promoted (when allowed); every move is an audited event."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from claimvlm.evaluation.params import EvaluateParams
from claimvlm.feedback.monitor import check_live
from claimvlm.feedback.params import LiveRollbackParams
from claimvlm.feedback.store import FeedbackStore
from claimvlm.registry.registry import history, promote, start_canary
from tests.feedback.conftest import store_at
from tests.registry.test_registry import Store, add_version, aliases, model_name, store, tags  # noqa: F401

WEIGHTS = EvaluateParams().field_weights
POLICY = LiveRollbackParams(min_samples=30, tolerance=0.02, confidence=0.95)
ANSWER = {"document_type": "admission_discharge", **{f"note{i}": f"값{i}" for i in range(10)}}


def review(feedback: FeedbackStore, version: str, n: int, fixed_per_doc: float, seed: int, route: str = "champion") -> None:
    """``n`` answers of ``version``, each with about ``fixed_per_doc`` of its 10 note fields corrected."""
    r = random.Random(seed)
    for i in range(n):
        rid = f"v{version}-{seed}-{i}"
        feedback.record_answer(rid, version, route, ANSWER, {})
        k = min(10, max(0, round(r.gauss(fixed_per_doc, 0.8))))
        feedback.record_feedback(rid, {**ANSWER, **{f"note{j}": "정정" for j in range(k)}}, "rev", senior=True)


def _two_champions(store: Store) -> tuple[str, str, str]:  # noqa: F811 - the imported fixture
    name = model_name()
    old, new = add_version(store, name, 0.8), add_version(store, name, 0.81)
    promote(store.client, name, old, expected_champion=None, lock_path=store.lock, reason="first")
    promote(store.client, name, new, expected_champion=old, lock_path=store.lock, reason="nightly")
    return name, old, new


def test_worse_corrections_roll_the_new_champion_back_with_the_evidence(store: Store, tmp_path: Path) -> None:  # noqa: F811
    name, old, new = _two_champions(store)
    feedback = store_at(tmp_path)
    review(feedback, old, 40, 1.0, seed=1)
    review(feedback, new, 40, 3.0, seed=2)
    done = check_live(store.client, name, feedback, POLICY, WEIGHTS, lock_path=store.lock)
    assert done.rollback is not None and done.rollback.worse
    assert [e.action for e in done.events] == ["rollback"] and done.events[0].champion == old
    assert aliases(store, name)["champion"] == old
    event = history(store.client, name)[-1]
    assert event["action"] == "rollback" and event["actor"] == "monitor:live-quality"
    assert event["evidence"]["new"]["n"] == 40 and event["evidence"]["old"]["n"] == 40
    assert event["evidence"]["lower_bound"] > POLICY.tolerance
    audit = [k for k in tags(store, name, old) if k.startswith("audit.rollback.")]
    assert audit and json.loads(tags(store, name, old)[audit[0]])["actor"] == "monitor:live-quality"
    again = check_live(store.client, name, feedback, POLICY, WEIGHTS, lock_path=store.lock)
    assert again.events == ()  # v{old} replaced nothing: there is nowhere further back to go


@pytest.mark.parametrize(("new_fixed", "n_new", "why"), [(1.1, 40, "within noise"), (6.0, 10, "fewer than 30")])
def test_noise_or_too_few_reviews_keep_the_champion(store: Store, tmp_path: Path, new_fixed: float,  # noqa: F811
                                                   n_new: int, why: str) -> None:
    name, old, new = _two_champions(store)
    feedback = store_at(tmp_path)
    review(feedback, old, 40, 1.0, seed=1)
    review(feedback, new, n_new, new_fixed, seed=2)
    done = check_live(store.client, name, feedback, POLICY, WEIGHTS, lock_path=store.lock)
    assert done.events == () and aliases(store, name)["champion"] == new
    assert done.rollback is not None and not done.rollback.worse and why in " ".join(done.rollback.reasons)


def test_a_worse_canary_is_withdrawn_and_a_good_one_promoted(store: Store, tmp_path: Path) -> None:  # noqa: F811
    name, _, champion = _two_champions(store)
    bad, good = add_version(store, name, 0.82), add_version(store, name, 0.83)
    feedback = store_at(tmp_path)
    review(feedback, champion, 60, 1.0, seed=3)
    review(feedback, "1", 40, 1.0, seed=4)  # the replaced version: as good, no rollback
    start_canary(store.client, name, bad, lock_path=store.lock, reason="nightly", actor="gate")
    assert aliases(store, name)["challenger"] == bad
    review(feedback, bad, 40, 4.0, seed=5, route="challenger")
    withdrawn = check_live(store.client, name, feedback, POLICY, WEIGHTS, lock_path=store.lock)
    assert [e.action for e in withdrawn.events] == ["canary_end"] and "challenger" not in aliases(store, name)
    start_canary(store.client, name, good, lock_path=store.lock, reason="nightly", actor="gate")
    review(feedback, good, 40, 0.8, seed=6, route="challenger")
    waiting = check_live(store.client, name, feedback, POLICY, WEIGHTS, lock_path=store.lock)
    assert waiting.events == () and waiting.canary is not None and waiting.canary.judged
    promoted = check_live(store.client, name, feedback, POLICY.model_copy(update={"promote_canary": True}), WEIGHTS,
                          lock_path=store.lock)
    assert [e.action for e in promoted.events] == ["promote"] and aliases(store, name)["champion"] == good
    actions = [(e["action"], e["actor"]) for e in history(store.client, name)][-4:]
    assert actions == [("canary_start", "gate"), ("canary_end", "monitor:live-quality"), ("canary_start", "gate"),
                       ("promote", "monitor:live-quality")]
