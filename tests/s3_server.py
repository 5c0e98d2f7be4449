"""Test helpers: a real S3-compatible server (moto's standalone server) on loopback, and a
small fault-injecting HTTP proxy to put between a client and it."""

from __future__ import annotations

import http.client
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from moto.server import ThreadedMotoServer

_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer",
               "upgrade", "content-length"}
UNAVAILABLE = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>ServiceUnavailable</Code>'
               b"<Message>Please reduce your request rate.</Message><RequestId>FAULT</RequestId></Error>")


@contextmanager
def moto_server() -> Iterator[str]:
    """moto's S3 server on 127.0.0.1 and a free port; yields its endpoint URL."""
    werkzeug_log = logging.getLogger("werkzeug")  # one line per request otherwise
    level = werkzeug_log.level
    werkzeug_log.setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        werkzeug_log.setLevel(level)


class FaultProxy:
    """Forwards every request (method, path, query, headers, body) to ``upstream``, except that it
    answers 503 with an S3 error body to the first ``fail_first`` object GETs and to every GET of
    an object whose path contains one of ``fail_always``, and breaks off the body of the next
    ``truncate_first`` object GETs halfway (the connection closes). Counts what it saw."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.fail_first = 0
        self.fail_always: tuple[str, ...] = ()
        self.truncate_first = 0
        self.object_gets: list[str] = []  # object keys (bucket/key) of every GET received
        self.failed: list[str] = []  # those answered with 503
        self.truncated: list[str] = []  # those whose body was cut short
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.proxy = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def reset(self) -> None:
        with self._lock:
            self.object_gets.clear()
            self.failed.clear()
            self.truncated.clear()

    def decide(self, path: str) -> str:
        """What to do with an object GET: "fail", "truncate" or "forward"."""
        with self._lock:
            self.object_gets.append(path)
            if self.fail_first > 0 or any(s in path for s in self.fail_always):
                self.fail_first = max(0, self.fail_first - 1)
                self.failed.append(path)
                return "fail"
            if self.truncate_first > 0:
                self.truncate_first -= 1
                self.truncated.append(path)
                return "truncate"
            return "forward"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _forward(self) -> None:
        proxy: FaultProxy = self.server.proxy  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        path = unquote(urlsplit(self.path).path).lstrip("/")
        action = proxy.decide(path) if self.command == "GET" and "/" in path.rstrip("/") else "forward"
        if action == "fail":
            self._answer(503, [("Content-Type", "application/xml")], UNAVAILABLE)
            return
        conn = http.client.HTTPConnection(*proxy.upstream, timeout=30)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            kept = [(k, v) for k, v in resp.getheaders() if k.lower() not in _HOP_BY_HOP]
            self._answer(resp.status, kept, data, cut=action == "truncate")
        finally:
            conn.close()

    def _answer(self, status: int, headers: list[tuple[str, str]], data: bytes, cut: bool = False) -> None:
        self.send_response_only(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data[: len(data) // 2] if cut else data)
        if cut:
            self.wfile.flush()
            self.close_connection = True

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _forward

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass
