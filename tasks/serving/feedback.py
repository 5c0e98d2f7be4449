"""The service's side of the feedback loop: every answer is kept (with its page, when configured)
so that a reviewer's correction, sent later to ``POST /v1/feedback`` with the request id, can be
scored against it and can become training data.

Keeping an answer never fails the request it answers: a store that is down is logged (by type,
never with content) and counted (``claimvlm_errors_total{kind="feedback_store"}``), and feedback
for that request id then gets a 404.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from claimvlm.feedback.quality import correction_rate
from claimvlm.feedback.store import FeedbackStore, Reviewed, UnknownRequest

log = logging.getLogger("claimvlm.serve")
MAX_FEEDBACK_BYTES = 1_000_000


class Correction(BaseModel):
    """A reviewer's corrected answer: every field as it should have been read."""

    model_config = ConfigDict(extra="forbid")

    request_id: str = Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")
    document_type: str | None = Field(None, description="None: the type the model answered")
    fields: dict[str, Any]
    reviewer: str | None = Field(None, max_length=64, description="a pseudonymous reviewer id")


@dataclass
class Recorder:
    store: FeedbackStore
    pages_dir: Path | None
    weights: Mapping[str, float]

    def keep(self, request_id: str, version: str, route: str, answer: Mapping[str, Any],
             confidence: Mapping[str, Any], page: Any) -> None:
        """Store the answer (and the page). Runs in a worker thread; raises what the store raises."""
        path = None
        if self.pages_dir is not None:
            day = self.pages_dir / datetime.now(UTC).strftime("%Y-%m-%d")
            day.mkdir(parents=True, exist_ok=True)
            path = day / f"{request_id}.png"
            partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            page.save(partial, "PNG", compress_level=1)
            partial.replace(path)  # whole or absent, never half a page
        self.store.record_answer(request_id, version, route, dict(answer), dict(confidence),
                                 None if path is None else str(path))

    def correct(self, correction: Correction) -> tuple[Reviewed, float]:
        """Store a correction; returns it with its correction rate. Raises UnknownRequest."""
        corrected = {"document_type": correction.document_type, **correction.fields}
        reviewed = self.store.record_feedback(correction.request_id, corrected, correction.reviewer)
        return reviewed, correction_rate(reviewed.answer, reviewed.corrected, self.weights)


def add_feedback_route(app: Any, recorder: Recorder, error: Callable[..., JSONResponse]) -> None:
    """``POST /v1/feedback``: a JSON :class:`Correction`; 200 with the answer's version and its
    correction rate, 404 for a request id with no kept answer, 422 for a malformed body."""
    @app.post("/v1/feedback")
    async def feedback(request: Request) -> JSONResponse:
        body = await request.body()
        if len(body) > MAX_FEEDBACK_BYTES:
            return error(request, 413, "too_large", f"a correction is at most {MAX_FEEDBACK_BYTES} bytes")
        try:
            correction = Correction.model_validate_json(body)
        except ValidationError as err:
            where = sorted({".".join(str(p) for p in e["loc"]) or "body" for e in err.errors()})
            return error(request, 422, "bad_feedback", f"not a correction: check {where[:5]}")
        try:
            reviewed, rate = await anyio.to_thread.run_sync(recorder.correct, correction)
        except UnknownRequest:
            return error(request, 404, "unknown_request", "no answer is kept for this request id")
        request.state.model_version = reviewed.model_version
        return JSONResponse({"request_id": reviewed.request_id, "model_version": reviewed.model_version,
                             "correction_rate": round(rate, 4)})
