"""The extraction service: one page image in, the document's fields as JSON out.

``create_app(settings, tracking, limits, instruction)`` builds the FastAPI app. The model loads
in a background thread (:class:`claimvlm.serving.models.ModelHolder`), so the process answers at
once: ``/health/live`` is always 200; ``/health/ready`` is 503 with the reason until a version is
loaded and has answered a warm-up page (and stays 503, with the failure, when loading fails; the
process stays up). A moved alias is swapped in without downtime.

Every route but the health probes first checks its caller (:mod:`claimvlm.serving.auth`: a bearer
token with the route's scope; 401/403/429 before any of the body is read). The request id is the
server's own UUID; a client's ``X-Request-ID`` comes back as ``client_request_id`` only.

``POST /v1/extract`` takes one multipart field ``file``. The body is read with a byte limit
(``Content-Length`` is checked first when present) and a time limit (an upload slower than
``read_timeout_s`` is a 408 ``slow_upload``); the file goes through the upload gate
(:func:`claimvlm.serving.inputs.load_page`; its ``BadInput`` is answered with its status and
``describe(err)``); the page waits in the dynamic batcher's bounded queue (full: 503
``queue_full`` with Retry-After). The answer carries the fields, each field's confidence, the
model version that read it and the request id. With ``serve.canary_share`` > 0, that share of
requests (by a hash of the request id) is read by the ``canary_alias`` (``challenger``) version
while it is not the champion: its own model holder and batcher, the version on its answers and
metrics, its route in the answer store, so the monitor can put its live quality beside the
champion's. An answer that is not a JSON object is a 502
``model_output``: the text is never sent back nor logged.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from claimvlm.dataset.params import BuildParams
from claimvlm.feedback.params import FeedbackParams
from claimvlm.feedback.store import open_store
from claimvlm.model.params import TrackingParams
from claimvlm.serving.auth import ANONYMOUS, Authenticator, Denied, Principal
from claimvlm.serving.batching import Batcher, BatchObserver, QueueFull
from claimvlm.serving.confidence import parse_answer
from claimvlm.serving.feedback import Recorder, add_feedback_route
from claimvlm.serving.inputs import BadInput, InputLimits, describe, load_page
from claimvlm.serving.metrics import Metrics, Observe
from claimvlm.serving.models import ModelHolder
from claimvlm.serving.params import ServeParams

log = logging.getLogger("claimvlm.serve")

# Room for the multipart framing (boundaries, part headers) around the file itself.
MULTIPART_SLACK = 64 * 1024


class _TooLarge(Exception):
    pass


async def _limited(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > limit:
            raise _TooLarge
        yield chunk


def _too_large(size: str, limits: InputLimits) -> BadInput:
    return BadInput("too_large", f"the upload is {size} bytes, over the limit of {limits.max_bytes}")


def create_app(settings: ServeParams, tracking: TrackingParams, limits: InputLimits | None = None,
               instruction: str | None = None, feedback: FeedbackParams | None = None,
               auth: Authenticator | None = None) -> FastAPI:
    """The service. ``limits`` default to ``InputLimits()`` (collect's defaults); ``instruction``
    to ``build.instruction``'s default (the prompt the model was trained with); ``feedback`` None
    or disabled: answers are not kept and ``/v1/feedback`` is 404; ``auth`` None: every caller has
    every scope (``serve-api`` always passes the configured :class:`Authenticator`)."""
    limits = limits or InputLimits()
    metrics = Metrics()
    recorder = _recorder(feedback)
    prompt = instruction or BuildParams().instruction
    holder = ModelHolder(settings, tracking, prompt, metrics)
    observer = BatchObserver(batch=metrics.batch, depth=metrics.queue_depth.set, anchor=metrics.anchor)
    batcher = Batcher(settings.batching, holder.acquire, holder.release, observer)
    routes = {"champion": (holder, batcher)}
    if settings.canary_share > 0:  # the canary: its own model and batches (a batch is one version)
        canary = ModelHolder(settings, tracking, prompt, metrics, alias=settings.canary_alias, route="challenger",
                             optional=True, skip=lambda version: version == holder.version)
        routes["challenger"] = (canary, Batcher(settings.batching, canary.acquire, canary.release, observer))
    retry_after = {"Retry-After": str(settings.retry_after_s)}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        for model, batches in routes.values():
            await batches.start()
            model.start()
        try:
            yield
        finally:
            for model, batches in routes.values():
                model.stop()
                await batches.stop()
            if recorder is not None:
                recorder.store.close()

    app = FastAPI(title="claimvlm", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings, app.state.holder, app.state.batcher, app.state.metrics = settings, holder, batcher, metrics
    app.add_middleware(Observe, metrics=metrics)

    def error(request: Request, status: int, kind: str, detail: str, headers: dict[str, str] | None = None,
              **extra: Any) -> JSONResponse:
        request.state.error_kind = kind
        return JSONResponse({"error": kind, "detail": detail, **extra}, status, headers=headers)

    def bad(request: Request, err: BadInput) -> JSONResponse:
        request.state.error_kind = err.kind
        return JSONResponse(describe(err), err.status)

    def caller(request: Request, scope: str) -> Principal | JSONResponse:
        """Who calls, if they may use ``scope``; else the 401/403/429 to answer (checked before
        the body is read)."""
        if auth is None:
            return ANONYMOUS
        try:
            return auth.authorize(request.headers.get("authorization"), scope)
        except Denied as err:
            return error(request, err.status, err.kind, err.detail, err.headers())

    async def body(request: Request, limit: int) -> bytes | JSONResponse:
        """The whole body, or the error to answer: 413 once it is over ``limit`` bytes (counted as
        it streams in), 408 when it is slower than ``read_timeout_s``."""
        too_large = f"the body is over the limit of {limit} bytes"
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return error(request, 413, "too_large", too_large)
        chunks = []
        try:
            with anyio.fail_after(settings.read_timeout_s):
                async for chunk in _limited(request, limit):
                    chunks.append(chunk)
        except _TooLarge:
            return error(request, 413, "too_large", too_large)
        except TimeoutError:
            return error(request, 408, "slow_upload", f"the body did not arrive within {settings.read_timeout_s:g} s")
        return b"".join(chunks)

    @app.get("/health/live")
    async def live() -> dict[str, bool]:
        return {"live": True}

    @app.get("/health/ready")
    async def ready() -> JSONResponse:
        if holder.backend is not None and batcher.running:
            return JSONResponse({"ready": True, "model_version": holder.version})
        reason = holder.reason if holder.backend is None else "the batch worker has stopped"
        return JSONResponse({"ready": False, "reason": reason}, 503)

    @app.get("/metrics")
    async def prometheus(request: Request) -> Response:
        who = caller(request, "metrics")
        if isinstance(who, JSONResponse):
            return who
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    async def upload(request: Request) -> tuple[bytes, str | None] | JSONResponse:
        """The file's bytes and declared type, or the error response."""
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limits.max_bytes + MULTIPART_SLACK:
            return bad(request, _too_large(declared, limits))
        if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
            return error(request, 400, "no_file", "send the page as multipart/form-data with one file in the "
                         "field 'file'")
        parser = MultiPartParser(request.headers, _limited(request, limits.max_bytes + 1 + MULTIPART_SLACK),
                                 max_files=1, max_fields=4)
        try:
            with anyio.fail_after(settings.read_timeout_s):
                form = await parser.parse()
        except TimeoutError:
            return error(request, 408, "slow_upload", f"the upload did not arrive within "
                         f"{settings.read_timeout_s:g} s")
        except _TooLarge:
            return bad(request, _too_large(f"over {limits.max_bytes + MULTIPART_SLACK}", limits))
        except MultiPartException:
            return error(request, 400, "bad_multipart", "the multipart body cannot be parsed (one file in the "
                         "field 'file' is expected)")
        try:
            file = form.get("file")
            if not isinstance(file, UploadFile):
                return error(request, 400, "no_file", "no file in the field 'file'")
            return await file.read(limits.max_bytes + 1), file.content_type
        finally:
            await form.close()

    @app.post("/v1/extract")
    async def extract(request: Request) -> JSONResponse:
        rid = request.state.request_id
        who = caller(request, "extract")
        if isinstance(who, JSONResponse):
            return who
        if holder.backend is None:
            return error(request, 503, "not_ready", holder.reason, retry_after)
        got = await upload(request)
        if isinstance(got, JSONResponse):
            return got
        try:  # decoding a big scan is CPU work: off the event loop
            page = await anyio.to_thread.run_sync(load_page, *got, limits)
        except BadInput as err:
            return bad(request, err)
        del got
        route = "champion"
        if "challenger" in routes and routes["challenger"][0].backend is not None \
                and canary_route(request.state.client_request_id or rid, settings.canary_share):
            route = "challenger"
        try:
            reading, version = await routes[route][1].submit(page)
        except QueueFull:
            return error(request, 503, "queue_full", f"{settings.batching.max_queue} pages are waiting; retry "
                         "later", retry_after)
        except Exception as err:  # noqa: BLE001 - the model failed on this batch; the service goes on
            log.error("request_id=%s inference failed: %s", rid, type(err).__name__)
            return error(request, 500, "inference", "the model failed to read the page", request_id=rid)
        request.state.model_version = version
        answer = parse_answer(reading)
        del reading
        if answer is None:
            return error(request, 502, "model_output", "the model's answer is not a JSON object",
                         request_id=rid, model_version=version)
        for value in answer.confidence.values():
            if value is not None:
                metrics.field_confidence.observe(value)
        if recorder is not None:
            try:
                await anyio.to_thread.run_sync(recorder.keep, rid, version or "unversioned", route, answer.fields,
                                               answer.confidence, page)
            except Exception as err:  # noqa: BLE001 - keeping the answer never fails the request
                metrics.errors.labels(kind="feedback_store").inc()
                log.error("request_id=%s answer not kept: %s", rid, type(err).__name__)
        fields = dict(answer.fields)
        document_type = fields.pop("document_type", None)
        latency_ms = round((time.perf_counter() - request.state.started) * 1000, 1)
        client_id = request.state.client_request_id
        return JSONResponse({"request_id": rid, **({"client_request_id": client_id} if client_id else {}),
                             "model_version": version, "document_type": document_type,
                             "fields": fields, "confidence": answer.confidence, "latency_ms": latency_ms})

    if recorder is not None:
        add_feedback_route(app, recorder, error, caller, body)
    return app


def canary_route(request_id: str, share: float) -> bool:
    """Whether a request goes to the canary: a hash of its id below ``share``. Deterministic: routed
    by the client's correlation id when it sends one, a client retrying it is answered by the same
    version."""
    digest = hashlib.sha256(request_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def _recorder(feedback: FeedbackParams | None) -> Recorder | None:
    if feedback is None or not feedback.enabled:
        return None
    return Recorder(open_store(feedback), timedelta(days=feedback.review_window_days))
