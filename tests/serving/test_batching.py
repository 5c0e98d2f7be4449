"""The dynamic batcher on its own, with a small in-process backend: batches by size and by wait,
back-pressure, one version per batch, failures reaching every waiting request."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from typing import Any

import pytest

from claimvlm.serving.backends import Reading
from claimvlm.serving.batching import Batcher, BatchObserver, QueueFull
from claimvlm.serving.params import BatchingParams


class EchoBackend:
    """Reads a 'page' (a string) as itself; records batch sizes; can be held or made to fail."""

    def __init__(self, version: str | None = "1") -> None:
        self.version, self.batches, self.fail = version, [], False
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()

    def read(self, pages: Sequence[Any]) -> list[Reading]:
        self.entered.set()
        assert self.gate.wait(10)
        if self.fail:
            raise RuntimeError("model broke")
        self.batches.append(len(pages))
        return [Reading(str(p)) for p in pages]

    def close(self) -> None:
        pass


def _batcher(backend: EchoBackend, **policy: Any) -> tuple[Batcher, list[tuple[int, str | None]], list[int]]:
    seen: list[tuple[int, str | None]] = []
    depths: list[int] = []
    holder = {"b": backend}
    batcher = Batcher(BatchingParams(**policy), lambda: holder["b"], lambda b: None,
                      BatchObserver(batch=lambda n, s, v: seen.append((n, v)), depth=depths.append))
    batcher.holder = holder  # type: ignore[attr-defined]  # lets a test swap the backend
    return batcher, seen, depths


async def _with(batcher: Batcher, body: Any) -> Any:
    await batcher.start()
    try:
        return await body()
    finally:
        await batcher.stop()


def test_concurrent_pages_are_read_in_one_batch_in_order() -> None:
    backend = EchoBackend()
    batcher, seen, _ = _batcher(backend, max_batch_size=8, max_wait_ms=200)

    async def body() -> list[tuple[Reading, str | None]]:
        return await asyncio.gather(*(batcher.submit(f"page-{i}") for i in range(5)))

    results = asyncio.run(_with(batcher, body))
    assert [r.text for r, _ in results] == [f"page-{i}" for i in range(5)]
    assert {v for _, v in results} == {"1"}
    assert backend.batches == [5] and seen == [(5, "1")]


def test_batches_never_exceed_the_size_and_a_lone_page_waits_at_most_max_wait() -> None:
    backend = EchoBackend()
    batcher, _, _ = _batcher(backend, max_batch_size=3, max_wait_ms=50)

    async def body() -> None:
        await asyncio.gather(*(batcher.submit(i) for i in range(7)))
        await batcher.submit("alone")  # nobody joins it: read after max_wait_ms, not never

    asyncio.run(_with(batcher, body))
    assert max(backend.batches[:-1]) <= 3 and sum(backend.batches[:-1]) == 7
    assert backend.batches[-1] == 1


def test_batch_size_one_is_no_batching() -> None:
    backend = EchoBackend()
    batcher, _, _ = _batcher(backend, max_batch_size=1, max_wait_ms=100)

    async def body() -> None:
        await asyncio.gather(*(batcher.submit(i) for i in range(4)))

    asyncio.run(_with(batcher, body))
    assert backend.batches == [1, 1, 1, 1]


def test_a_full_queue_refuses_at_once_and_the_queued_pages_are_still_read() -> None:
    backend = EchoBackend()
    backend.gate.clear()
    batcher, _, depths = _batcher(backend, max_batch_size=1, max_wait_ms=0, max_queue=2)

    async def body() -> list[str]:
        first = asyncio.create_task(batcher.submit("a"))
        await asyncio.to_thread(backend.entered.wait, 10)  # "a" is being read; the queue is empty
        queued = [asyncio.create_task(batcher.submit(p)) for p in ("b", "c")]
        await asyncio.sleep(0)
        with pytest.raises(QueueFull):
            await batcher.submit("d")
        assert batcher.depth == 2
        backend.gate.set()
        return [(await t)[0].text for t in (first, *queued)]

    assert asyncio.run(_with(batcher, body)) == ["a", "b", "c"]
    assert max(depths) == 2 and depths[-1] == 0


def test_a_failing_batch_fails_its_requests_and_the_next_batch_is_read() -> None:
    backend = EchoBackend()
    backend.fail = True
    batcher, _, _ = _batcher(backend, max_batch_size=4, max_wait_ms=100)

    async def body() -> str:
        outcomes = await asyncio.gather(*(batcher.submit(i) for i in range(3)), return_exceptions=True)
        assert all(isinstance(o, RuntimeError) for o in outcomes)
        backend.fail = False
        assert batcher.running
        return (await batcher.submit("after"))[0].text

    assert asyncio.run(_with(batcher, body)) == "after"


def test_each_batch_reports_the_version_that_read_it() -> None:
    old, new = EchoBackend("1"), EchoBackend("2")
    batcher, seen, _ = _batcher(old, max_batch_size=2, max_wait_ms=10)

    async def body() -> list[str | None]:
        first = await batcher.submit("x")
        batcher.holder["b"] = new  # type: ignore[attr-defined]
        second = await batcher.submit("y")
        return [first[1], second[1]]

    assert asyncio.run(_with(batcher, body)) == ["1", "2"]
    assert [v for _, v in seen] == ["1", "2"]
