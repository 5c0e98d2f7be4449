"""The extraction service: one page image in, the document's fields as JSON out.

``create_app(settings, tracking)`` builds the FastAPI app. The model loads in a background
thread at startup, so the process answers at once: ``/health/live`` is always 200,
``/health/ready`` is 503 with the reason until the model is loaded (and stays 503, with the
failure, when loading fails; the process stays up). ``models:/NAME@alias`` is resolved to its
version number once, with ``MlflowClient.get_model_version_by_alias``, and that fixed version is
what loads (an alias moved meanwhile does not split the difference).

``POST /v1/extract`` takes one multipart field ``file``. The body is read with a byte limit
(``Content-Length`` is checked first when present), the file goes through the upload gate
(:func:`tasks.serving.inputs.load_page`; its ``BadInput`` is answered with its status and
``describe(err)``), and the page is read by the model in a worker thread, one generation at a
time. An answer that is not a JSON object is a 502 ``model_output``: the text is never sent
back nor logged.

Every response carries ``X-Request-ID`` (the client's, when it is 1-64 characters of
``[A-Za-z0-9._-]``, else a new uuid4). ``/metrics`` serves Prometheus text from a registry of
the app's own. The log has one line per request: request id, route, status, latency and error
kind; never a file name, the file's bytes or the model's answer (they can hold personal data).
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from tasks.config import BuildParams, TrackingParams
from tasks.serving.inputs import BadInput, InputLimits, describe, load_page

log = logging.getLogger("claimvlm.serve")

REQUEST_ID = "X-Request-ID"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Room for the multipart framing (boundaries, part headers) around the file itself.
MULTIPART_SLACK = 64 * 1024
RETRY_AFTER_S = "5"
ROUTES = ("/health/live", "/health/ready", "/v1/extract", "/metrics")
_REASON_CHARS = 300

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class ServeSettings(BaseModel):
    """How ``claimvlm serve-api`` serves (to move into params.yaml)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model_uri: str | None = Field(None, description="None: models:/<tracking.registered_model>@champion")
    max_new_tokens: int = Field(768, gt=0)
    limits: InputLimits = Field(default_factory=InputLimits)
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, lt=65536)


@dataclass
class _Service:
    """What the routes share: the model once loaded, or why it is not."""

    settings: ServeSettings
    registry: CollectorRegistry
    requests: Counter
    seconds: Histogram
    errors: Counter
    model_info: Gauge
    reader: Any = None
    version: str | None = None
    reason: str = "the model is loading"
    generating: anyio.Lock | None = None
    instruction: str = field(default_factory=lambda: BuildParams().instruction)

    @property
    def ready(self) -> bool:
        return self.reader is not None


def _metrics() -> dict[str, Any]:
    registry = CollectorRegistry(auto_describe=True)
    return {
        "registry": registry,
        "requests": Counter("claimvlm_requests", "HTTP requests by route and status", ["route", "status"],
                            registry=registry),
        "seconds": Histogram("claimvlm_request_seconds", "request latency", ["route"], registry=registry,
                             buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)),
        "errors": Counter("claimvlm_errors", "error responses by kind", ["kind"], registry=registry),
        "model_info": Gauge("claimvlm_model_info", "the model version served (value 1)", ["version"],
                            registry=registry),
    }


def _resolve(uri: str, client: Any) -> tuple[str, str | None]:
    """The URI to load and the registry version behind it (None when it is not a registry URI).
    An alias is pinned to its version here, so the version reported is the version loaded."""
    found = re.fullmatch(r"models:/([^/@]+)@([^/@]+)", uri)
    if found:
        name, alias = found.groups()
        version = str(client.get_model_version_by_alias(name, alias).version)
        return f"models:/{name}/{version}", version
    found = re.fullmatch(r"models:/([^/@]+)/(\d+)", uri)
    if found:
        name, version = found.groups()
        client.get_model_version(name, version)  # fails plainly when there is no such version
        return uri, version
    return uri, None


def _load(service: _Service, tracking: TrackingParams) -> None:
    """Runs in a background thread: resolve, load, then flip the service to ready."""
    try:
        from mlflow.tracking import MlflowClient

        import mlflow

        tracking_uri = os.environ.get("MLFLOW_TRACKING_URI") or tracking.uri
        mlflow.set_tracking_uri(tracking_uri)
        uri = service.settings.model_uri or f"models:/{tracking.registered_model}@champion"
        service.reason = f"loading {uri}"
        load_uri, version = _resolve(uri, MlflowClient(tracking_uri))
        reader = mlflow.pyfunc.load_model(load_uri).unwrap_python_model()
        reader.model.eval()
    except Exception as err:  # noqa: BLE001 - any failure keeps the process up and not ready
        service.reason = f"model load failed: {type(err).__name__}: {str(err)[:_REASON_CHARS]}"
        log.error("%s", service.reason)
        return
    service.version = version
    service.model_info.labels(version=version or "none").set(1)
    service.reader = reader
    log.info("model ready: %s (version %s)", load_uri, version)


def _request_id(scope: Scope) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == b"x-request-id":
            text = value.decode("latin-1")
            if _REQUEST_ID.fullmatch(text):
                return text
            break
    return str(uuid.uuid4())


class _Observe:
    """Request id, metrics and the one log line of every HTTP request."""

    def __init__(self, app: ASGIApp, service: _Service) -> None:
        self.app, self.service = app, service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _request_id(scope)
        state = scope.setdefault("state", {})
        state["request_id"], state["started"] = rid, time.perf_counter()
        status, started = 500, False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started, status = True, int(message["status"])
                MutableHeaders(scope=message)[REQUEST_ID] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as err:  # noqa: BLE001 - answered here, with the id; logged by type only
            state["error_kind"] = "internal"
            log.error("request_id=%s unhandled %s", rid, type(err).__name__)
            if not started:
                await JSONResponse({"error": "internal", "request_id": rid}, 500)(scope, receive, send_with_id)
        finally:
            path = scope.get("path", "")
            route = path if path in ROUTES else "other"
            elapsed = time.perf_counter() - state["started"]
            kind = state.get("error_kind")
            self.service.requests.labels(route=route, status=str(status)).inc()
            self.service.seconds.labels(route=route).observe(elapsed)
            if kind:
                self.service.errors.labels(kind=kind).inc()
            log.info("request_id=%s route=%s status=%d latency_ms=%.1f error=%s", rid, route, status,
                     elapsed * 1000, kind or "-")


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


def create_app(settings: ServeSettings, tracking: TrackingParams) -> FastAPI:
    service = _Service(settings=settings, **_metrics())
    limits = settings.limits

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        service.generating = anyio.Lock()
        threading.Thread(target=_load, args=(service, tracking), name="claimvlm-model-load", daemon=True).start()
        yield

    app = FastAPI(title="claimvlm", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.service = service
    app.add_middleware(_Observe, service=service)

    def error(request: Request, status: int, body: dict[str, Any], kind: str,
              headers: dict[str, str] | None = None) -> JSONResponse:
        request.state.error_kind = kind
        return JSONResponse(body, status, headers=headers)

    def bad(request: Request, err: BadInput) -> JSONResponse:
        return error(request, err.status, describe(err), err.kind)

    @app.get("/health/live")
    async def live() -> dict[str, bool]:
        return {"live": True}

    @app.get("/health/ready")
    async def ready() -> JSONResponse:
        if service.ready:
            return JSONResponse({"ready": True, "model_version": service.version})
        return JSONResponse({"ready": False, "reason": service.reason}, 503)

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(service.registry), media_type=CONTENT_TYPE_LATEST)

    @app.post("/v1/extract")
    async def extract(request: Request) -> JSONResponse:
        rid = request.state.request_id
        if not service.ready:
            return error(request, 503, {"error": "not_ready", "detail": service.reason}, "not_ready",
                         {"Retry-After": RETRY_AFTER_S})
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limits.max_bytes + MULTIPART_SLACK:
            return bad(request, _too_large(declared, limits))
        if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
            return error(request, 400, {"error": "no_file", "detail": "send the page as multipart/form-data "
                                        "with one file in the field 'file'"}, "no_file")
        parser = MultiPartParser(request.headers, _limited(request, limits.max_bytes + 1 + MULTIPART_SLACK),
                                 max_files=1, max_fields=4)
        try:
            form = await parser.parse()
        except _TooLarge:
            return bad(request, _too_large(f"over {limits.max_bytes + MULTIPART_SLACK}", limits))
        except MultiPartException:
            return error(request, 400, {"error": "bad_multipart", "detail": "the multipart body cannot be parsed "
                                        "(one file in the field 'file' is expected)"}, "bad_multipart")
        try:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                return error(request, 400, {"error": "no_file", "detail": "no file in the field 'file'"}, "no_file")
            data = await upload.read(limits.max_bytes + 1)
            content_type = upload.content_type
        finally:
            await form.close()
        try:
            page = load_page(data, content_type, limits)
        except BadInput as err:
            return bad(request, err)
        del data

        def generate() -> str:
            from tasks.training.packaging import generate_json

            reader = service.reader
            return generate_json(reader.model, reader.processor, [page], service.instruction,
                                 max_new_tokens=settings.max_new_tokens)[0]

        assert service.generating is not None
        async with service.generating:
            answer = await run_in_threadpool(generate)
        try:
            parsed = json.loads(answer)
        except ValueError:
            parsed = None
        del answer
        if not isinstance(parsed, dict):
            return error(request, 502, {"error": "model_output", "detail": "the model's answer is not a JSON "
                                        "object", "request_id": rid, "model_version": service.version},
                         "model_output")
        document_type = parsed.pop("document_type", None)
        latency_ms = round((time.perf_counter() - request.state.started) * 1000, 1)
        return JSONResponse({"request_id": rid, "model_version": service.version, "document_type": document_type,
                             "fields": parsed, "latency_ms": latency_ms})

    return app
