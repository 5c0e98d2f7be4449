"""Where answers and reviewers' corrections are kept: one SQL database (SQLAlchemy Core).

SQLite by default (a file beside the project, WAL mode so the service's writes and the
monitor's reads do not block each other); any SQLAlchemy URL by config, e.g. a Postgres server
(``postgresql+psycopg://…``, with the driver installed). Two tables:

* ``predictions``: one row per answered request: request id, model version, route (champion or
  challenger), the answer as JSON, its confidences, where the page was kept (or null), when.
* ``feedback``: the reviewer's corrected answer for a request id (the latest submission wins),
  who reviewed (a pseudonymous id from the client), when.

Both hold personal data (the fields of claim documents): the store is production data with the
access control of the claims system; nothing of it goes to logs or metrics.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    ForeignKey,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.engine import make_url

from claimvlm.errors import ClaimvlmError

_META = MetaData()
PREDICTIONS = Table(
    "predictions", _META,
    Column("request_id", String(64), primary_key=True),
    Column("model_version", String(32), nullable=False, index=True),
    Column("route", String(16), nullable=False),
    Column("document_type", String(64)),
    Column("answer", Text, nullable=False),
    Column("confidence", Text, nullable=False),
    Column("page_path", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
)
FEEDBACK = Table(
    "feedback", _META,
    Column("request_id", String(64), ForeignKey("predictions.request_id"), primary_key=True),
    Column("corrected", Text, nullable=False),
    Column("reviewer", String(64)),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
)


class UnknownRequest(ClaimvlmError, KeyError):
    """Feedback for a request id the store has no answer for."""


@dataclass(frozen=True)
class Reviewed:
    """An answer and its correction."""

    request_id: str
    model_version: str
    route: str
    answer: dict[str, Any]
    corrected: dict[str, Any]
    page_path: str | None
    reviewed_at: datetime


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)  # SQLite hands back naive times


class FeedbackStore:
    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(url, future=True)
        if parsed.get_backend_name() == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        _META.create_all(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def record_answer(self, request_id: str, model_version: str, route: str, answer: Mapping[str, Any],
                      confidence: Mapping[str, Any], page_path: str | None = None) -> None:
        """Keep an answer (a request id seen again replaces its answer and drops its feedback)."""
        row = {"request_id": request_id, "model_version": model_version, "route": route,
               "document_type": answer.get("document_type"), "answer": json.dumps(answer, ensure_ascii=False),
               "confidence": json.dumps(confidence), "page_path": page_path, "created_at": _now()}
        with self.engine.begin() as db:
            db.execute(delete(FEEDBACK).where(FEEDBACK.c.request_id == request_id))
            db.execute(delete(PREDICTIONS).where(PREDICTIONS.c.request_id == request_id))
            db.execute(insert(PREDICTIONS).values(**row))

    def record_feedback(self, request_id: str, corrected: Mapping[str, Any], reviewer: str | None) -> Reviewed:
        """Keep a reviewer's corrected answer; raises UnknownRequest for an id with no answer. A
        correction without a ``document_type`` (or with None) keeps the answer's."""
        at = _now()
        with self.engine.begin() as db:
            found = db.execute(select(PREDICTIONS).where(PREDICTIONS.c.request_id == request_id)).mappings().first()
            if found is None:
                raise UnknownRequest(request_id)
            rest = {k: v for k, v in corrected.items() if k != "document_type"}
            corrected = {"document_type": corrected.get("document_type") or found["document_type"], **rest}
            db.execute(delete(FEEDBACK).where(FEEDBACK.c.request_id == request_id))
            db.execute(insert(FEEDBACK).values(request_id=request_id, corrected=json.dumps(corrected, ensure_ascii=False),
                                               reviewer=reviewer, created_at=at))
        return Reviewed(request_id, found["model_version"], found["route"], json.loads(found["answer"]),
                        dict(corrected), found["page_path"], at)

    def reviewed(self, *, since: datetime | None = None, versions: tuple[str, ...] | None = None,
                 window: timedelta | None = None) -> Iterator[Reviewed]:
        """Answers with their corrections, oldest review first; ``window``: reviewed in the last so long."""
        query = select(PREDICTIONS, FEEDBACK.c.corrected, FEEDBACK.c.created_at.label("reviewed_at")).join(
            FEEDBACK, FEEDBACK.c.request_id == PREDICTIONS.c.request_id).order_by(FEEDBACK.c.created_at)
        if window is not None:
            since = max(since, _now() - window) if since is not None else _now() - window
        if since is not None:
            query = query.where(FEEDBACK.c.created_at >= since)
        if versions is not None:
            query = query.where(PREDICTIONS.c.model_version.in_(versions))
        with self.engine.connect() as db:
            for row in db.execute(query).mappings():
                yield Reviewed(row["request_id"], row["model_version"], row["route"], json.loads(row["answer"]),
                               json.loads(row["corrected"]), row["page_path"], _aware(row["reviewed_at"]))

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as db:
            answers = db.execute(select(func.count()).select_from(PREDICTIONS)).scalar_one()
            reviewed = db.execute(select(func.count()).select_from(FEEDBACK)).scalar_one()
        return {"answers": int(answers), "reviewed": int(reviewed)}


def _sqlite_pragmas(connection: Any, _: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers (the monitor) never block the service's writes
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
