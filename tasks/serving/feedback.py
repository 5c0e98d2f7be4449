"""The service's side of the feedback loop: every answer is kept, sealed, with its page when
configured, so that a reviewer's correction, sent later to ``POST /v1/feedback`` with the request
id the service gave, can become training data and live-quality evidence.

Only callers with the ``review`` scope may correct; the reviewer is the token's subject, never a
field of the body; corrections are appended (a second one never replaces the first: which one
counts is ``feedback.accept``'s rule) and only for answers younger than ``review_window_days``.
The reply says the correction was recorded and nothing about how close it is to the stored
answer (such a score would let a caller guess a patient's data field by field).

Keeping an answer never fails the request it answers: a store that is down is logged (by type,
never with content) and counted (``claimvlm_errors_total{kind="feedback_store"}``), and feedback
for that request id then gets a 404.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import anyio
from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from claimvlm.feedback.store import FeedbackStore, ReviewClosed, UnknownRequest
from claimvlm.serving.auth import Principal

MAX_FEEDBACK_BYTES = 1_000_000


class Correction(BaseModel):
    """A reviewer's corrected answer: every field as it should have been read."""

    model_config = ConfigDict(extra="forbid")

    request_id: str = Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")
    document_type: str | None = Field(None, description="None: the type the model answered")
    fields: dict[str, Any]


@dataclass
class Recorder:
    store: FeedbackStore
    window: timedelta  # corrections are taken for answers at most this old

    def keep(self, request_id: str, version: str, route: str, answer: Mapping[str, Any],
             confidence: Mapping[str, Any], page: Any) -> None:
        """Store the answer (and the page). Runs in a worker thread; raises what the store raises."""
        png = None
        if self.store.pages is not None:
            buf = io.BytesIO()
            page.save(buf, "PNG", compress_level=1)
            png = buf.getvalue()
        self.store.record_answer(request_id, version, route, dict(answer), dict(confidence), png)

    def correct(self, correction: Correction, reviewer: Principal) -> tuple[str, str]:
        """Append a correction; (version, route) of the answer. Raises UnknownRequest, ReviewClosed."""
        corrected = {"document_type": correction.document_type, **correction.fields}
        return self.store.record_feedback(correction.request_id, corrected, reviewer.subject,
                                          senior=reviewer.has("review:senior"), window=self.window)


def add_feedback_route(app: Any, recorder: Recorder, error: Callable[..., JSONResponse],
                       caller: Callable[[Request, str], Any], body: Callable[..., Any]) -> None:
    """``POST /v1/feedback``: a JSON :class:`Correction` from a ``review`` caller; 201 with the
    answer's version, 404 for a request id with no kept answer, 410 past the review window, 413
    over 1 MB (counted while the body streams in), 422 for a malformed body."""
    @app.post("/v1/feedback")
    async def feedback(request: Request) -> JSONResponse:
        who = caller(request, "review")
        if isinstance(who, JSONResponse):
            return who
        raw = await body(request, MAX_FEEDBACK_BYTES)
        if isinstance(raw, JSONResponse):  # over 1 MB, or too slow
            return raw
        try:
            correction = Correction.model_validate_json(raw)
        except ValidationError as err:
            where = sorted({".".join(str(p) for p in e["loc"]) or "body" for e in err.errors()})
            return error(request, 422, "bad_feedback", f"not a correction: check {where[:5]}"
                         + (" (the reviewer is the token's subject)" if "reviewer" in where else ""))
        try:
            version, _route = await anyio.to_thread.run_sync(recorder.correct, correction, who)
        except UnknownRequest:
            return error(request, 404, "unknown_request", "no answer is kept for this request id")
        except ReviewClosed as err:
            return error(request, 410, "review_closed", str(err))
        request.state.model_version = version
        return JSONResponse({"request_id": correction.request_id, "model_version": version, "recorded": True}, 201)
