"""What uvicorn does not do by itself: close a connection that never finishes its request headers.

uvicorn closes idle keep-alive connections (``timeout_keep_alive``) but waits for ever on a client
that opens a connection and sends its headers a byte at a time, or not at all (a slowloris: a
probe held 3,000 such connections for a minute). :class:`HeaderTimeoutProtocol` is uvicorn's own
h11 protocol with one timer more: each request's headers must be complete within
``header_timeout`` seconds of the connection opening or of the previous response, or the
connection is closed. Bodies have their own limit in the app (``serve.read_timeout_s``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol


class HeaderTimeoutProtocol(H11Protocol):
    header_timeout: float = 30.0

    @classmethod
    def with_timeout(cls, seconds: float) -> type[HeaderTimeoutProtocol]:
        return type(cls.__name__, (cls,), {"header_timeout": float(seconds)})

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(None)

    def on_response_complete(self) -> None:
        answered = self.cycle
        super().on_response_complete()
        self._arm(answered)

    def _arm(self, cycle: Any) -> None:
        self.loop.call_later(self.header_timeout, self._headers_due, cycle)

    def _headers_due(self, cycle: Any) -> None:
        # uvicorn starts a new cycle when a request's headers are complete: the same cycle as when
        # the timer was armed means none arrived in time.
        if self.cycle is cycle and not self.transport.is_closing():
            self.transport.close()
