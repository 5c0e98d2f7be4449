"""The ``feedback`` section: the answer store, kept pages, retention, review rules and the live
rollback policy."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field

from claimvlm.settings import Section

STATE_DIR_ENV = "CLAIMVLM_STATE_DIR"


class LiveRollbackParams(Section):
    """When reviewers' corrections roll a champion back: its weighted field-correction rate is
    worse than the version it replaced by more than ``tolerance``, at ``confidence`` (one-sided),
    with at least ``min_samples`` reviewed documents of each version in the last ``window_days``."""

    min_samples: int = Field(30, ge=2)
    tolerance: float = Field(0.02, ge=0, le=1, description="weighted correction-rate increase tolerated")
    confidence: float = Field(0.95, gt=0.5, lt=1)
    window_days: float = Field(14.0, gt=0)
    promote_canary: bool = Field(False, description="a canary judged not worse than the champion is promoted by "
                                 "the monitor; False: it waits for a person (claimvlm promote)")


class FeedbackParams(Section):
    """Reviewers' corrections (``POST /v1/feedback``) and what the service keeps to learn from them.

    Everything lives under ``root``: a relative root is taken from ``$CLAIMVLM_STATE_DIR`` when set
    (the serve image sets /var/lib/claimvlm, a mounted volume: its own filesystem is read-only),
    else from the working directory, and made absolute once at start. ``store_url`` null: SQLite at
    ``<root>/feedback.db``; production: ``postgresql+psycopg://…``. Answers, corrections and pages
    (``keep_pages``: so a corrected document can become training data, pseudonymised by anonymize
    on its way in) are sealed with the keys in ``$CLAIMVLM_FEEDBACK_KEYS`` and removed after
    ``retention_days`` (``claimvlm feedback purge``, also run by the monitor flow)."""

    enabled: bool = True
    root: str = "feedback"
    store_url: str | None = None
    keep_pages: bool = True
    retention_days: int = Field(90, gt=0, description="answers, corrections and pages older than this are purged")
    review_window_days: int = Field(30, gt=0, description="corrections are taken for answers at most this old")
    accept: Literal["senior", "agreement", "senior_or_agreement"] = Field(
        "senior_or_agreement", description="which correction counts (export, monitor): a senior reviewer's latest, "
        "or one two reviewers sent alike")
    rollback: LiveRollbackParams = LiveRollbackParams()

    def root_path(self) -> Path:
        root = Path(self.root)
        if not root.is_absolute():
            root = Path(os.environ.get(STATE_DIR_ENV) or Path.cwd()) / root
        return root.absolute()

    def url(self) -> str:
        return self.store_url or f"sqlite:///{self.root_path() / 'feedback.db'}"

    def pages_path(self) -> Path | None:
        return self.root_path() / "pages" if self.keep_pages else None
