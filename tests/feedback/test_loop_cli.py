"""The loop's commands on a real registry and feedback store: canary start/end, promote,
check-live and history, each move recorded with its actor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimvlm.cli import app
from tests.feedback.conftest import store_at
from tests.feedback.test_live_monitor import review
from tests.registry.test_registry import Store, add_version, aliases, model_name, store  # noqa: F401


def test_canary_promote_check_live_and_history(store: Store, tmp_path: Path,  # noqa: F811
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMVLM_ACTOR", "user:kim")
    name = model_name()
    v1, v2, v3 = (add_version(store, name, x) for x in (0.8, 0.81, 0.82))
    common = ["-S", f"tracking.uri={store.uri}", "-S", f"tracking.registered_model={name}",
              "-S", f"feedback.root={tmp_path}", "--lock", str(store.lock)]
    run = CliRunner().invoke
    first = run(app, ["promote", v1, "--reason", "first", "--expected-champion", "none", *common])
    assert first.exit_code == 0, first.output
    stale = run(app, ["promote", v2, "--reason", "x", "--expected-champion", v3, *common])
    assert stale.exit_code == 1 and "not" in stale.output
    assert run(app, ["canary", "start", v2, "--reason", "nightly", *common]).exit_code == 0
    assert aliases(store, name) == {"champion": v1, "challenger": v2}
    feedback = store_at(tmp_path)
    review(feedback, v1, 40, 1.0, seed=1)
    review(feedback, v2, 40, 5.0, seed=2, route="challenger")
    checked = run(app, ["check-live", *common])
    assert checked.exit_code == 2, checked.output
    assert "canary" in checked.output and "worse" in checked.output and "challenger" not in aliases(store, name)
    history = run(app, ["history", "--json", *[a for a in common if a != "--lock" and a != str(store.lock)]])
    events = [json.loads(line) for line in history.output.splitlines() if line.startswith("{")]
    assert [(e["action"], e["actor"]) for e in events] == [
        ("promote", "user:kim"), ("canary_start", "user:kim"), ("canary_end", "user:kim")]
    assert events[-1]["evidence"]["new"]["n"] == 40
    assert run(app, ["canary", "end", "--reason", "again", *common]).exit_code == 1  # none running
