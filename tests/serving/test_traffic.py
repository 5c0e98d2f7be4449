"""The service under traffic: dynamic batching, back-pressure, slow uploads, and hot swap of the
champion (promotion, rollback, a version that cannot answer) with zero failed requests."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Self

import httpx
import pytest

from tests.serving.conftest import Registered, sample, serving, settings, settled, upload

pytestmark = pytest.mark.slow  # a model trained for the service, under traffic


def test_concurrent_pages_are_read_in_one_batch_with_the_answers_they_get_alone(registered: Registered) -> None:
    pages = registered.pages[:4]
    with serving(settings(batching={"max_batch_size": 4, "max_wait_ms": 1000}), registered.tracking) as client:
        alone = upload(client, pages[0])
        assert alone.status_code == 200, alone.text
        with ThreadPoolExecutor(len(pages)) as pool:
            together = list(pool.map(lambda p: upload(client, p), pages))
        metrics = client.get("/metrics").text
    assert [r.status_code for r in together] == [200] * len(pages)
    assert together[0].json()["fields"] == alone.json()["fields"]
    assert together[0].json()["document_type"] == alone.json()["document_type"]
    # one call for the lone page, one for the four together
    assert sample(metrics, "claimvlm_batch_size_count", version="1") == 2.0
    assert sample(metrics, "claimvlm_batch_size_sum", version="1") == 5.0
    assert sample(metrics, "claimvlm_batch_size_bucket", version="1", le="1.0") == 1.0


def test_a_full_queue_answers_503_with_retry_after_and_the_queued_pages_are_read(
        registered: Registered, monkeypatch: pytest.MonkeyPatch) -> None:
    from claimvlm.serving.hf import TransformersBackend

    original, calls = TransformersBackend.read, []
    entered, release = threading.Event(), threading.Event()

    def held(self: Any, pages: Any) -> Any:
        calls.append(len(pages))
        if len(calls) > 1:  # the warm-up passes; the first request's batch is held
            entered.set()
            assert release.wait(120)
        return original(self, pages)

    monkeypatch.setattr(TransformersBackend, "read", held)
    policy = {"max_batch_size": 1, "max_wait_ms": 0, "max_queue": 1}
    with serving(settings(batching=policy, retry_after_s=7), registered.tracking) as client, \
            ThreadPoolExecutor(2) as pool:
        first = pool.submit(upload, client, registered.pages[0])
        assert entered.wait(60)  # being read: the queue is empty again
        queued = pool.submit(upload, client, registered.pages[1])
        depth = settled(client, lambda r: sample(r.text, "claimvlm_queue_depth") == 1.0, "/metrics")
        assert sample(depth.text, "claimvlm_queue_depth") == 1.0
        refused = upload(client, registered.pages[2])
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "7"
        assert refused.json()["error"] == "queue_full"
        assert client.get("/health/ready").status_code == 200  # busy is not broken
        release.set()
        assert first.result().status_code == 200 and queued.result().status_code == 200
        metrics = client.get("/metrics").text
    assert sample(metrics, "claimvlm_errors_total", kind="queue_full") == 1.0
    assert sample(metrics, "claimvlm_queue_depth") == 0.0


def test_a_slow_upload_gets_408_while_other_requests_are_served(registered: Registered) -> None:
    head = (b"POST /v1/extract HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=b\r\n"
            b"Content-Length: 200000\r\n\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.png\""
            b"\r\nContent-Type: image/png\r\n\r\n") + registered.pages[0][:1000]
    with serving(settings(read_timeout_s=1.0), registered.tracking) as client:
        with socket.create_connection(("127.0.0.1", client.port), timeout=30) as slow:  # type: ignore[attr-defined]
            slow.sendall(head)  # ... and the rest never comes
            served = upload(client, registered.pages[0])
            answer = b""
            while chunk := slow.recv(4096):  # the server answers, then closes the connection
                answer += chunk
        metrics = client.get("/metrics").text
    assert served.status_code == 200
    text = answer.decode("latin-1")
    assert text.startswith("HTTP/1.1 408") and '"error":"slow_upload"' in text
    assert sample(metrics, "claimvlm_errors_total", kind="slow_upload") == 1.0


class Traffic:
    """Clients sending pages back to back, and a prober polling readiness, until stopped."""

    def __init__(self, client: httpx.Client, pages: tuple[bytes, ...], clients: int = 2) -> None:
        self.client, self.pages, self.stop = client, pages, threading.Event()
        self.answers: list[tuple[int, str | None]] = []
        self.ready: list[int] = []
        self.threads = [threading.Thread(target=self._send, args=(i,)) for i in range(clients)]
        self.threads.append(threading.Thread(target=self._probe))

    def _send(self, i: int) -> None:
        while not self.stop.is_set():
            r = upload(self.client, self.pages[i % len(self.pages)])
            self.answers.append((r.status_code, r.json().get("model_version")))
            i += 1

    def _probe(self) -> None:
        while not self.stop.is_set():
            self.ready.append(self.client.get("/health/ready").status_code)
            time.sleep(0.05)

    def until(self, version: str, after: int = 0) -> None:
        """Wait until an answer past index ``after`` came from ``version``."""
        deadline = time.monotonic() + 120
        while not any(v == version for _, v in self.answers[after:]):
            assert time.monotonic() < deadline, f"no answer from version {version}"
            time.sleep(0.05)

    def __enter__(self) -> Self:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(120)


def test_hot_swap_under_traffic_fails_no_request(registered: Registered, monkeypatch: pytest.MonkeyPatch) -> None:
    from mlflow.tracking import MlflowClient

    from claimvlm.registry.gate import Decision
    from claimvlm.registry.registry import promote, register_candidate, rollback
    from claimvlm.serving import models

    registry, name, lock = MlflowClient(registered.tracking.uri), registered.name, registered.lock
    source = registry.get_model_version(name, "1").source
    broken = register_candidate(registry, name, source, run_id=registry.get_model_version(name, "1").run_id,
                                decision=Decision(True, ("cannot answer",), ()), report="none")
    warm_up = models._warm_up

    def failing_for_broken(backend: Any) -> None:  # a version that loads but cannot read a page
        if backend.version == broken:
            raise RuntimeError("warm-up page unreadable")
        warm_up(backend)

    monkeypatch.setattr(models, "_warm_up", failing_for_broken)
    with serving(settings(poll_s=0.2), registered.tracking) as client, \
            Traffic(client, registered.pages) as traffic:
        traffic.until("1")
        promote(registry, name, "2", expected_champion="1", lock_path=lock, reason="hot swap test")
        traffic.until("2", after=len(traffic.answers))
        rollback(registry, name, reason="hot swap test", lock_path=lock, expected_champion="2")
        traffic.until("1", after=len(traffic.answers))
        promote(registry, name, broken, expected_champion="1", lock_path=lock, reason="hot swap test")
        failed = settled(client, lambda r: sample(r.text, "claimvlm_model_swaps_total", result="failed") == 1.0,
                         "/metrics")
        served_after = len(traffic.answers)
        traffic.until("1", after=served_after)  # the old version goes on serving
        rollback(registry, name, reason="hot swap test", lock_path=lock, expected_champion=broken)
    assert traffic.answers and all(status == 200 for status, _ in traffic.answers), traffic.answers
    assert {v for _, v in traffic.answers} == {"1", "2"}
    assert traffic.ready and set(traffic.ready) == {200}
    assert sample(failed.text, "claimvlm_model_swaps_total", result="swapped") == 2.0
    assert sample(failed.text, "claimvlm_model_info", version="1") == 1.0
    assert sample(failed.text, "claimvlm_model_info", version="2") == 0.0
    assert sample(failed.text, "claimvlm_requests_total", route="/v1/extract", status="200", version="2")


def test_the_canary_gets_its_share_of_traffic_by_request_id(registered: Registered) -> None:
    import uuid

    from mlflow.tracking import MlflowClient

    from claimvlm.registry.registry import end_canary, start_canary
    from claimvlm.serving.app import canary_route

    ids = [str(uuid.uuid4()) for _ in range(20_000)]
    assert abs(sum(canary_route(i, 0.3) for i in ids) / len(ids) - 0.3) < 0.015
    assert canary_route("claim-1", 0.3) == canary_route("claim-1", 0.3)
    registry, name, lock = MlflowClient(registered.tracking.uri), registered.name, registered.lock
    start_canary(registry, name, "2", lock_path=lock, reason="canary test", actor="test")
    try:
        with serving(settings(poll_s=0.2, canary_share=0.3, batching={"max_batch_size": 4, "max_wait_ms": 50}),
                     registered.tracking) as client:
            loaded = settled(client, lambda r: sample(r.text, "claimvlm_model_info", version="2", role="challenger")
                             == 1.0, "/metrics")
            assert sample(loaded.text, "claimvlm_model_info", version="1", role="champion") == 1.0
            sent = [f"req-{i}" for i in range(48)]
            with ThreadPoolExecutor(4) as pool:
                answers = list(pool.map(lambda rid: upload(client, registered.pages[0], headers={"X-Request-ID": rid}),
                                        sent))
            assert [r.status_code for r in answers] == [200] * len(sent)
            versions = [r.json()["model_version"] for r in answers]
            assert versions == ["2" if canary_route(rid, 0.3) else "1" for rid in sent]  # by id, as routed
            share = versions.count("2") / len(versions)
            assert abs(share - 0.3) < 0.2, share
            metrics = client.get("/metrics").text
            assert sample(metrics, "claimvlm_requests_total", route="/v1/extract", status="200", version="2") == \
                versions.count("2")
            end_canary(registry, name, lock_path=lock, reason="canary test", actor="test")
            settled(client, lambda r: sample(r.text, "claimvlm_model_info", version="2", role="challenger") == 0.0,
                    "/metrics")
            after = [upload(client, registered.pages[0], headers={"X-Request-ID": rid}) for rid in sent[:8]]
            assert {r.json()["model_version"] for r in after} == {"1"}
    finally:
        if "challenger" in registry.get_registered_model(name).aliases and \
                registry.get_registered_model(name).aliases["challenger"] != "1":
            end_canary(registry, name, lock_path=lock, reason="canary test cleanup", actor="test")
