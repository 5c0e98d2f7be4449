"""Where answers, reviewers' corrections and kept pages live: one SQL database (SQLAlchemy Core) and
a folder of sealed page files, both under the configured feedback root.

SQLite by default (WAL mode, so the service's writes and the monitor's reads do not block each
other); any SQLAlchemy URL by config (``postgresql+psycopg://…``). Tables:

* ``predictions``: one row per answered request, written once (a request id is the server's own
  and never replaced): version, route, document type, the answer (sealed), its confidences, the
  sealed page file, when.
* ``feedback``: every correction ever sent, appended (never overwritten): the request, the
  corrected answer (sealed), the reviewer (from their token), whether they are senior, when.
  Which correction counts is the reader's policy (:data:`POLICIES`).
* ``deletions``: the audit of what was purged or deleted, by whom, why (ids only).

Answers, corrections and pages are health data: sealed with :mod:`claimvlm.feedback.sealing`,
files 0600 in folders 0700, and never in logs or metrics.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    LargeBinary,
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
from sqlalchemy.exc import IntegrityError

from claimvlm.errors import ClaimvlmError
from claimvlm.feedback.params import FeedbackParams
from claimvlm.feedback.sealing import Sealer, SealError

Policy = Literal["senior", "agreement", "senior_or_agreement"]
POLICIES: tuple[str, ...] = ("senior", "agreement", "senior_or_agreement")

_META = MetaData()
PREDICTIONS = Table(
    "predictions", _META,
    Column("request_id", String(64), primary_key=True),
    Column("model_version", String(32), nullable=False, index=True),
    Column("route", String(16), nullable=False),
    Column("document_type", String(64)),
    Column("answer", LargeBinary, nullable=False),
    Column("confidence", Text, nullable=False),
    Column("page_path", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
)
FEEDBACK = Table(
    "feedback", _META,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", String(64), ForeignKey("predictions.request_id"), nullable=False, index=True),
    Column("corrected", LargeBinary, nullable=False),
    Column("reviewer", String(128), nullable=False),
    Column("senior", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
)
DELETIONS = Table(
    "deletions", _META,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", String(64), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("reason", String(256), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)


class UnknownRequest(ClaimvlmError, KeyError):
    """Feedback for a request id the store has no answer for."""


class ReviewClosed(ClaimvlmError):
    """A correction for an answer older than the review window."""


class DuplicateRequest(ClaimvlmError):
    """An answer for a request id already kept: ids are never reused."""


@dataclass(frozen=True)
class Reviewed:
    """An answer and the correction that counts for it under the reader's policy."""

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


def private_dir(path: Path) -> Path:
    """``path`` (and missing parents) as folders only their owner can enter."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def write_private(path: Path, data: bytes) -> None:
    """``data`` to ``path``, 0600, whole or absent."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    partial.replace(path)


class FeedbackStore:
    """``url``: an SQLAlchemy URL; ``pages``: the folder of sealed pages; ``sealer``: None opens a
    store for what needs no content (counts, purge, delete); reading or writing content raises."""

    def __init__(self, url: str, pages: Path | None = None, sealer: Sealer | None = None) -> None:
        parsed = make_url(url)
        self.pages, self.sealer = pages, sealer
        if pages is not None:
            private_dir(pages)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            db = Path(parsed.database)
            private_dir(db.parent)
            if not db.exists():  # created 0600 here: SQLite gives its -wal/-shm files the same mode
                os.close(os.open(db, os.O_WRONLY | os.O_CREAT, 0o600))
        self.engine: Engine = create_engine(url, future=True)
        if parsed.get_backend_name() == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        _META.create_all(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def _seal(self, value: Any, context: str) -> bytes:
        return self._seal_bytes(json.dumps(value, ensure_ascii=False).encode(), context)

    def _open(self, blob: bytes, context: str) -> Any:
        if self.sealer is None:
            raise SealError("this feedback store was opened without keys; it cannot read content")
        return json.loads(self.sealer.open(blob, context))

    def record_answer(self, request_id: str, model_version: str, route: str, answer: Mapping[str, Any],
                      confidence: Mapping[str, Any], page_png: bytes | None = None) -> None:
        """Keep an answer and (with a pages folder) its page. Raises DuplicateRequest for a kept id."""
        at = _now()
        path = None
        if page_png is not None and self.pages is not None:
            day = private_dir(self.pages / at.strftime("%Y-%m-%d"))
            path = day / f"{request_id}.png.sealed"
            if path.exists():
                raise DuplicateRequest(f"request {request_id} already has a kept page")
            write_private(path, self._seal_bytes(page_png, f"page:{request_id}"))
        row = {"request_id": request_id, "model_version": model_version, "route": route,
               "document_type": answer.get("document_type"), "answer": self._seal(dict(answer), f"answer:{request_id}"),
               "confidence": json.dumps(dict(confidence)), "page_path": None if path is None else str(path),
               "created_at": at}
        try:
            with self.engine.begin() as db:
                db.execute(insert(PREDICTIONS).values(**row))
        except IntegrityError as err:
            raise DuplicateRequest(f"request {request_id} is already kept") from err

    def _seal_bytes(self, data: bytes, context: str) -> bytes:
        if self.sealer is None:
            raise SealError("this feedback store was opened without keys; it cannot keep content")
        return self.sealer.seal(data, context)

    def page(self, row: Reviewed) -> bytes | None:
        """The kept page's PNG bytes, or None when none was kept (or it was deleted)."""
        if row.page_path is None or not Path(row.page_path).is_file():
            return None
        if self.sealer is None:
            raise SealError("this feedback store was opened without keys; it cannot read pages")
        return self.sealer.open(Path(row.page_path).read_bytes(), f"page:{row.request_id}")

    def record_feedback(self, request_id: str, corrected: Mapping[str, Any], reviewer: str, *,
                        senior: bool = False, window: timedelta | None = None) -> tuple[str, str]:
        """Append a reviewer's correction; (model version, route) of the answer it corrects. Raises
        UnknownRequest for an id with no answer, ReviewClosed past ``window``. A correction without a
        ``document_type`` keeps the answer's."""
        at = _now()
        with self.engine.begin() as db:
            found = db.execute(select(PREDICTIONS.c.model_version, PREDICTIONS.c.route, PREDICTIONS.c.document_type,
                                      PREDICTIONS.c.created_at).where(PREDICTIONS.c.request_id == request_id)).first()
            if found is None:
                raise UnknownRequest(request_id)
            if window is not None and _aware(found.created_at) < at - window:
                raise ReviewClosed(f"the answer is older than the review window ({window.days} days)")
            rest = {k: v for k, v in corrected.items() if k != "document_type"}
            value = {"document_type": corrected.get("document_type") or found.document_type, **rest}
            db.execute(insert(FEEDBACK).values(request_id=request_id, reviewer=reviewer, senior=senior, created_at=at,
                                               corrected=self._seal(value, f"feedback:{request_id}")))
        return found.model_version, found.route

    def reviewed(self, policy: Policy = "senior_or_agreement", *, since: datetime | None = None,
                 versions: tuple[str, ...] | None = None, window: timedelta | None = None) -> Iterator[Reviewed]:
        """Answers with the correction that counts under ``policy``, oldest first by when it came to
        count: ``senior``: the latest by a senior reviewer; ``agreement``: the latest correction two
        reviewers sent alike; ``senior_or_agreement``: the first, else the second. ``window``: counted
        in the last so long."""
        if policy not in POLICIES:
            raise ValueError(f"policy must be one of {POLICIES}")
        query = select(FEEDBACK.c.request_id, FEEDBACK.c.corrected, FEEDBACK.c.reviewer, FEEDBACK.c.senior,
                       FEEDBACK.c.created_at).order_by(FEEDBACK.c.created_at, FEEDBACK.c.id)
        if versions is not None:
            query = query.join(PREDICTIONS, PREDICTIONS.c.request_id == FEEDBACK.c.request_id).where(
                PREDICTIONS.c.model_version.in_(versions))
        by_request: dict[str, list[Any]] = defaultdict(list)
        with self.engine.connect() as db:
            for row in db.execute(query):
                by_request[row.request_id].append(row)
            if window is not None:
                since = max(since, _now() - window) if since is not None else _now() - window
            counted = []
            for rid, rows in by_request.items():
                found = self._counted(rid, rows, policy)
                if found is not None and (since is None or found[0] >= since):
                    counted.append((found[0], rid, found[1]))
            counted.sort(key=lambda c: (c[0], c[1]))
            for at, rid, value in counted:
                p = db.execute(select(PREDICTIONS).where(PREDICTIONS.c.request_id == rid)).mappings().one()
                yield Reviewed(rid, p["model_version"], p["route"], self._open(p["answer"], f"answer:{rid}"),
                               value, p["page_path"], at)

    def _counted(self, rid: str, rows: list[Any], policy: Policy) -> tuple[datetime, dict[str, Any]] | None:
        opened = [(_aware(r.created_at), r.reviewer, r.senior, self._open(r.corrected, f"feedback:{rid}"))
                  for r in rows]
        if policy != "agreement":
            senior = [(at, value) for at, _, is_senior, value in opened if is_senior]
            if senior:
                return senior[-1]
            if policy == "senior":
                return None
        agreed = None
        for i, (at, reviewer, _, value) in enumerate(opened):
            key = json.dumps(value, sort_keys=True, ensure_ascii=False)
            if any(r != reviewer and json.dumps(v, sort_keys=True, ensure_ascii=False) == key
                   for _, r, _, v in opened[:i]):
                agreed = (at, value)
        return agreed

    def delete(self, request_id: str, actor: str, reason: str) -> bool:
        """Remove one request's answer, corrections and page, audited. False when nothing was kept."""
        with self.engine.begin() as db:
            found = db.execute(select(PREDICTIONS.c.page_path).where(PREDICTIONS.c.request_id == request_id)).first()
            if found is None:
                return False
            self._remove(db, [request_id], [found.page_path], actor, reason)
        return True

    def purge(self, older_than: timedelta, actor: str) -> int:
        """Remove every answer older than ``older_than`` with its corrections and page, audited."""
        cutoff = _now() - older_than
        with self.engine.begin() as db:
            old = db.execute(select(PREDICTIONS.c.request_id, PREDICTIONS.c.page_path).where(
                PREDICTIONS.c.created_at < cutoff)).all()
            self._remove(db, [r.request_id for r in old], [r.page_path for r in old], actor,
                         f"retention: older than {older_than.days} days")
        return len(old)

    def _remove(self, db: Any, ids: list[str], pages: list[str | None], actor: str, reason: str) -> None:
        if not ids:
            return
        at = _now()
        for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
            db.execute(delete(FEEDBACK).where(FEEDBACK.c.request_id.in_(chunk)))
            db.execute(delete(PREDICTIONS).where(PREDICTIONS.c.request_id.in_(chunk)))
        db.execute(insert(DELETIONS), [{"request_id": rid, "actor": actor, "reason": reason, "at": at} for rid in ids])
        for page in pages:  # after the rows: a page without its row is unreachable anyway
            if page:
                Path(page).unlink(missing_ok=True)

    def deletions(self) -> list[dict[str, Any]]:
        with self.engine.connect() as db:
            return [dict(r) for r in db.execute(select(DELETIONS).order_by(DELETIONS.c.id)).mappings()]

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as db:
            answers = db.execute(select(func.count()).select_from(PREDICTIONS)).scalar_one()
            corrections = db.execute(select(func.count()).select_from(FEEDBACK)).scalar_one()
            reviewed = db.execute(select(func.count(func.distinct(FEEDBACK.c.request_id)))).scalar_one()
        return {"answers": int(answers), "corrections": int(corrections), "reviewed": int(reviewed)}


def _sqlite_pragmas(connection: Any, _: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers (the monitor) never block the service's writes
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def open_store(params: FeedbackParams, *, content: bool = True) -> FeedbackStore:
    """The configured store. ``content``: its keys are required (the service, exports of reviewed
    documents); otherwise they are used when set (counts, purge, delete, an export of an empty store)."""
    return FeedbackStore(params.url(), params.pages_path(), Sealer.from_env(required=content))
