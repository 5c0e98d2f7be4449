"""What the service tells Prometheus and its log, and the request id every response carries.

Metrics live in a registry of the app's own (two apps in one process, as in tests, never share
counters). Request metrics carry the model version that answered (``none`` before one loaded) so a
dashboard can put a new version's latency and errors beside the old one's during a swap.

The log has one line per request: request id, route, status, latency, version and error kind;
never a file name, the file's bytes or the model's answer (they can hold personal data).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.datastructures import MutableHeaders

log = logging.getLogger("claimvlm.serve")

REQUEST_ID = "X-Request-ID"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
ROUTES = ("/health/live", "/health/ready", "/v1/extract", "/v1/feedback", "/metrics")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=lambda: CollectorRegistry(auto_describe=True))
    served: str = "none"  # the version label of requests no model answered

    def __post_init__(self) -> None:
        r = self.registry
        self.requests = Counter("claimvlm_requests", "HTTP requests by route, status and model version",
                                ["route", "status", "version"], registry=r)
        self.seconds = Histogram("claimvlm_request_seconds", "request latency", ["route", "version"], registry=r,
                                 buckets=LATENCY_BUCKETS)
        self.errors = Counter("claimvlm_errors", "error responses by kind", ["kind"], registry=r)
        self.batch_size = Histogram("claimvlm_batch_size", "pages per model call", ["version"], registry=r,
                                    buckets=(1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64, 128, 256))
        self.inference_seconds = Histogram("claimvlm_inference_seconds", "seconds per model call", ["version"],
                                           registry=r, buckets=LATENCY_BUCKETS)
        self.anchor_seconds = Histogram("claimvlm_anchor_seconds", "seconds reading a model call's pages with OCR "
                                        "for the prompt's anchor (part of the inference seconds)", ["version"],
                                        registry=r, buckets=LATENCY_BUCKETS)
        self.queue_depth = Gauge("claimvlm_queue_depth", "pages waiting for the model", registry=r)
        self.model_info = Gauge("claimvlm_model_info", "the model version served in each role (champion, "
                                "challenger: the canary), value 1", ["version", "role"], registry=r)
        self.swaps = Counter("claimvlm_model_swaps", "model versions swapped in, or failing to", ["result"], registry=r)
        self.field_confidence = Histogram("claimvlm_field_confidence", "per-field confidence of answers", registry=r,
                                          buckets=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0))

    def serving(self, role: str, version: str | None, previous: str | None = None) -> None:
        """The version ``role`` now serves (1; None: nothing) and the one it replaced (0)."""
        if previous is not None and previous != version:
            self.model_info.labels(version=previous, role=role).set(0)
        if version is not None:
            self.model_info.labels(version=version, role=role).set(1)
        if role == "champion":
            self.served = version or "unversioned"

    def anchor(self, seconds: float, version: str | None) -> None:
        self.anchor_seconds.labels(version=version or "unversioned").observe(seconds)

    def batch(self, pages: int, seconds: float, version: str | None) -> None:
        self.batch_size.labels(version=version or "unversioned").observe(pages)
        self.inference_seconds.labels(version=version or "unversioned").observe(seconds)


def client_request_id(scope: Scope) -> str | None:
    """The client's X-Request-ID when it is 1-64 characters of [A-Za-z0-9._-]: a correlation id
    only. The request id that keys the stored answer is always the server's own (a client-chosen
    one could replace another request's answer)."""
    for key, value in scope.get("headers", []):
        if key.lower() == b"x-request-id":
            text = value.decode("latin-1")
            return text if _REQUEST_ID.fullmatch(text) else None
    return None


class Observe:
    """ASGI middleware: request id, metrics and the one log line of every HTTP request. Routes put
    ``error_kind`` and ``model_version`` on ``request.state``."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = str(uuid.uuid4())
        state = scope.setdefault("state", {})
        state["request_id"], state["started"] = rid, time.perf_counter()
        state["client_request_id"] = client_request_id(scope)
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
            version = state.get("model_version") or self.metrics.served
            self.metrics.requests.labels(route=route, status=str(status), version=version).inc()
            self.metrics.seconds.labels(route=route, version=version).observe(elapsed)
            if kind:
                self.metrics.errors.labels(kind=kind).inc()
            log.info("request_id=%s route=%s status=%d latency_ms=%.1f version=%s error=%s", rid, route, status,
                     elapsed * 1000, version, kind or "-")
