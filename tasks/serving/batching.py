"""Dynamic batching with back-pressure.

Requests put a page on a bounded queue and await their reading. One worker takes the first page
waiting, gathers more until ``max_batch_size`` or until the first has waited ``max_wait_ms``, and
hands the batch to the backend in a thread (the event loop keeps answering health checks and
refusing what does not fit). The queue is bounded: when ``max_queue`` pages wait, ``submit``
raises :class:`QueueFull` at once, for a 503 with Retry-After, rather than letting latency grow
without bound.

The backend is taken with ``acquire()`` once per batch and given back with ``release``, so a batch
is read by one model version from start to end and reports that version: swapping the model
between batches (hot swap) never fails or mixes a request in flight.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio

from claimvlm.errors import ClaimvlmError
from claimvlm.serving.backends import Backend, Reading
from claimvlm.serving.params import BatchingParams


class QueueFull(ClaimvlmError):
    """More pages wait than the queue holds."""


@dataclass
class _Job:
    page: Any
    done: asyncio.Future[tuple[Reading, str | None]]
    queued: float = field(default_factory=time.perf_counter)


@dataclass
class BatchObserver:
    """Called once per batch with (pages, seconds, version); and with the queue depth on each change."""

    batch: Callable[[int, float, str | None], None] = lambda n, s, v: None
    depth: Callable[[int], None] = lambda n: None
    anchor: Callable[[float, str | None], None] = lambda s, v: None  # OCR seconds of a batch's anchors


class Batcher:
    def __init__(self, policy: BatchingParams, acquire: Callable[[], Backend | None],
                 release: Callable[[Backend], None], observer: BatchObserver | None = None) -> None:
        self.policy, self.acquire, self.release = policy, acquire, release
        self.observer = observer or BatchObserver()
        self._queue: asyncio.Queue[_Job] | None = None
        self._worker: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._queue = asyncio.Queue(self.policy.max_queue)
        self._worker = asyncio.create_task(self._run(), name="claimvlm-batcher")

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass

    @property
    def running(self) -> bool:
        return self._worker is not None and not self._worker.done()

    @property
    def depth(self) -> int:
        return self._queue.qsize() if self._queue is not None else 0

    async def submit(self, page: Any) -> tuple[Reading, str | None]:
        """The page's reading and the version that read it. Raises QueueFull, or what the backend raised."""
        assert self._queue is not None, "start() the batcher first"
        job = _Job(page, asyncio.get_running_loop().create_future())
        try:
            self._queue.put_nowait(job)
        except asyncio.QueueFull:
            raise QueueFull from None
        self.observer.depth(self.depth)
        # A client that goes away cancels this await, not the batch: the others still get answers.
        return await asyncio.shield(job.done)

    async def _gather(self) -> list[_Job]:
        assert self._queue is not None
        batch = [await self._queue.get()]
        deadline = batch[0].queued + self.policy.max_wait_ms / 1000
        while len(batch) < self.policy.max_batch_size:
            if not self._queue.empty():
                batch.append(self._queue.get_nowait())
                continue
            left = deadline - time.perf_counter()
            if left <= 0:
                break
            try:
                batch.append(await asyncio.wait_for(self._queue.get(), left))
            except TimeoutError:
                break
        self.observer.depth(self.depth)
        return batch

    async def _run(self) -> None:
        while True:
            batch = await self._gather()
            backend = self.acquire()
            started = time.perf_counter()
            try:
                if backend is None:
                    raise RuntimeError("no model is loaded")
                readings = await anyio.to_thread.run_sync(backend.read, [job.page for job in batch])
                if len(readings) != len(batch):
                    raise RuntimeError(f"the backend read {len(readings)} of {len(batch)} pages")
            except Exception as err:  # noqa: BLE001 - every waiting request gets the failure, the worker goes on
                for job in batch:
                    if not job.done.done():
                        job.done.set_exception(err)
                continue
            finally:
                if backend is not None:
                    self.release(backend)
            self.observer.batch(len(batch), time.perf_counter() - started, backend.version)
            if anchor_seconds := getattr(backend, "anchor_seconds", 0.0):
                self.observer.anchor(anchor_seconds, backend.version)
            for job, reading in zip(batch, readings, strict=True):
                if not job.done.done():
                    job.done.set_result((reading, backend.version))
