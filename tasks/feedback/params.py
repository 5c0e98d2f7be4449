"""The ``feedback`` section: the answer store, kept pages and the live rollback policy."""

from __future__ import annotations

from pydantic import Field

from claimvlm.settings import Section


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
    ``store_url``: an SQLAlchemy URL (SQLite by default; ``postgresql+psycopg://…`` in production).
    The store holds answers and corrections (personal data, like the claims system itself): never
    the logs. ``keep_pages``: the service keeps each page read (``pages_dir``) so that a corrected
    document can become training data (pseudonymised by the anonymize stage on its way in)."""

    enabled: bool = True
    store_url: str = "sqlite:///feedback/feedback.db"
    keep_pages: bool = True
    pages_dir: str = "feedback/pages"
    rollback: LiveRollbackParams = LiveRollbackParams()
