"""The feedback tests' store: sealed with a key made for the test session, as the service's is."""

from __future__ import annotations

from pathlib import Path

import pytest

from claimvlm.feedback.sealing import ENV, Sealer, new_key_spec
from claimvlm.feedback.store import FeedbackStore

KEYS = new_key_spec("test")


@pytest.fixture(autouse=True)
def feedback_keys(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(ENV, KEYS)
    return KEYS


def store_at(root: Path, *, pages: bool = False) -> FeedbackStore:
    """A sealed SQLite store under ``root`` (with a pages folder when asked)."""
    return FeedbackStore(f"sqlite:///{root}/feedback.db", root / "pages" if pages else None, Sealer.parse(KEYS))
