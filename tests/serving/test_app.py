"""The extraction service end to end: a tiny model trained, registered as champion, served by uvicorn
on loopback, and driven over HTTP."""

from __future__ import annotations

import io
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tasks.config import TrackingParams, load_params
from tasks.serving.app import MULTIPART_SLACK, ServeSettings, create_app
from tasks.serving.inputs import InputLimits
from tests.serving.test_inputs import crafted_png, encode, noisy, page
from tests.training.test_train_stage import SETTINGS
from tests.training.tiny_data import built_dataset

LIMITS = InputLimits(max_bytes=2_000_000)
WAIT_S = 120


@pytest.fixture(scope="module", autouse=True)
def offline() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        yield


@pytest.fixture(scope="module")
def champion(tmp_path_factory: pytest.TempPathFactory, offline: None) -> tuple[TrackingParams, bytes]:
    """A 10-step model, logged by the train stage, registered as version 1 and made champion;
    and the PNG bytes of one test page."""
    from mlflow.tracking import MlflowClient

    from tasks.registry.gate import Decision
    from tasks.registry.registry import promote, register_candidate
    from tasks.training.data import read_split
    from tasks.training.stage import train
    from tasks.training.tracking import configure

    tmp = tmp_path_factory.mktemp("serve")
    dataset = built_dataset(tmp, 20)
    p = load_params(None, [*SETTINGS, f"tracking.uri=sqlite:///{tmp}/mlflow.db",
                           f"tracking.artifact_root={tmp}/artifacts"])
    train(dataset, tmp / "run", tmp / "reports", p.train, p.tracking, progress=False)
    run = json.loads((tmp / "reports" / "run.json").read_text())
    client = MlflowClient(configure(p.tracking))
    name = p.tracking.registered_model
    version = register_candidate(client, name, run["model_uri"], run_id=run["run_id"],
                                 decision=Decision(True, ("serving test",), ()), report="none")
    promote(client, name, version, expected_champion=None, lock_path=tmp / "lock", reason="serving test")
    assert version == "1"
    buf = io.BytesIO()
    read_split(dataset, "test")[0].page().save(buf, "PNG")
    return p.tracking, buf.getvalue()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(settings: ServeSettings, tracking: TrackingParams) -> Iterator[httpx.Client]:
    """The real service: uvicorn on loopback in a background thread."""
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, tracking), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=WAIT_S) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(30)


def _settled(client: httpx.Client, until: Any) -> httpx.Response:
    """Poll /health/ready until ``until(response)`` holds (up to WAIT_S)."""
    deadline = time.monotonic() + WAIT_S
    while True:
        r = client.get("/health/ready")
        if until(r) or time.monotonic() > deadline:
            return r
        time.sleep(0.1)


@pytest.fixture(scope="module")
def service(champion: tuple[TrackingParams, bytes]) -> Iterator[httpx.Client]:
    tracking, _ = champion
    with serving(ServeSettings(max_new_tokens=24, limits=LIMITS), tracking) as client:
        first = client.get("/health/ready")  # answered at once, loaded or not
        assert first.status_code in (200, 503)
        if first.status_code == 503:
            assert first.json()["ready"] is False and first.json()["reason"]
        ready = _settled(client, lambda r: r.status_code == 200)
        assert ready.status_code == 200, ready.text
        yield client


def _upload(client: httpx.Client, data: bytes, content_type: str | None = "image/png",
            headers: dict[str, str] | None = None) -> httpx.Response:
    file = ("page.png", data) if content_type is None else ("page.png", data, content_type)
    return client.post("/v1/extract", files={"file": file}, headers=headers)


def test_missing_version_stays_not_ready(champion: tuple[TrackingParams, bytes]) -> None:
    tracking, png = champion
    settings = ServeSettings(model_uri=f"models:/{tracking.registered_model}/99", limits=LIMITS)
    with serving(settings, tracking) as client:
        assert client.get("/health/live").status_code == 200
        r = _settled(client, lambda r: "failed" in r.json().get("reason", ""))
        assert r.status_code == 503
        body = r.json()
        assert body["ready"] is False and body["reason"].startswith("model load failed")
        refused = _upload(client, png)
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
        assert refused.json()["error"] == "not_ready"
        assert client.get("/health/live").status_code == 200  # the process stays up
        assert client.get("/health/ready").status_code == 503


def test_not_ready_until_the_model_has_loaded(champion: tuple[TrackingParams, bytes],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The process answers at once while the model loads in the background (held here until released)."""
    import mlflow

    tracking, png = champion
    release, original = threading.Event(), mlflow.pyfunc.load_model

    def held(*args: Any, **kwargs: Any) -> Any:
        assert release.wait(WAIT_S)
        return original(*args, **kwargs)

    monkeypatch.setattr(mlflow.pyfunc, "load_model", held)
    with serving(ServeSettings(max_new_tokens=4, limits=LIMITS), tracking) as client:
        r = client.get("/health/ready")
        assert r.status_code == 503 and r.json()["ready"] is False and "loading" in r.json()["reason"]
        assert client.get("/health/live").status_code == 200
        early = _upload(client, png)
        assert early.status_code == 503 and early.headers["Retry-After"] == "5" and early.json()["error"] == "not_ready"
        release.set()
        ready = _settled(client, lambda r: r.status_code == 200)
        assert ready.json() == {"ready": True, "model_version": "1"}


def test_ready_reports_the_champion_version(service: httpx.Client) -> None:
    r = service.get("/health/ready")
    assert r.status_code == 200 and r.json() == {"ready": True, "model_version": "1"}
    assert service.get("/health/live").status_code == 200
    assert re.fullmatch(r"[0-9a-f-]{36}", r.headers["X-Request-ID"])


def test_extract_a_real_page(service: httpx.Client, champion: tuple[TrackingParams, bytes],
                             caplog: pytest.LogCaptureFixture) -> None:
    _, png = champion
    caplog.set_level(logging.INFO, logger="claimvlm.serve")
    r = _upload(service, png, headers={"X-Request-ID": "claim-42.a_b"})
    assert r.headers["X-Request-ID"] == "claim-42.a_b"
    body = r.json()
    if r.status_code == 200:
        assert set(body) == {"request_id", "model_version", "document_type", "fields", "latency_ms"}
        assert body["request_id"] == "claim-42.a_b" and body["model_version"] == "1"
        assert isinstance(body["fields"], dict) and "document_type" not in body["fields"]
        assert body["latency_ms"] > 0
    else:  # a 10-step model, 24 tokens: most likely not valid JSON
        assert r.status_code == 502, r.text
        assert body == {"error": "model_output", "detail": body["detail"], "request_id": "claim-42.a_b",
                        "model_version": "1"}
    # an invalid id is replaced, not echoed
    again = _upload(service, png, headers={"X-Request-ID": "bad id with spaces"})
    assert again.status_code in (200, 502)
    assert re.fullmatch(r"[0-9a-f-]{36}", again.headers["X-Request-ID"])
    assert again.json()["request_id"] == again.headers["X-Request-ID"]
    # one log line per request: id, route, status, latency, error kind; no file name, no answer
    lines = [rec.getMessage() for rec in caplog.records if rec.name == "claimvlm.serve"]
    mine = [line for line in lines if "request_id=claim-42.a_b " in line]
    assert len(mine) == 1 and "route=/v1/extract" in mine[0] and f"status={r.status_code}" in mine[0]
    assert "latency_ms=" in mine[0] and ("error=model_output" in mine[0]) == (r.status_code == 502)
    assert not any("page.png" in line or "{" in line for line in lines)


def test_serve_api_command_runs_uvicorn(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import typer
    import uvicorn
    from typer.testing import CliRunner

    from tasks.serving.command import register

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    cli = typer.Typer()
    register(cli)

    @cli.command("noop")
    def _noop() -> None:  # a second command, so that typer keeps the command name
        pass

    (tmp_path / "params.yaml").write_text("collect:\n  max_bytes: 1000000\n", encoding="utf-8")
    done = CliRunner().invoke(cli, ["serve-api", "--model-uri", "models:/x/3", "--host", "0.0.0.0", "--port", "9123",
                                    "-p", str(tmp_path / "params.yaml"), "-S", "tracking.uri=sqlite:////tmp/x.db"])
    assert done.exit_code == 0, done.output
    assert seen["host"] == "0.0.0.0" and seen["port"] == 9123
    settings = seen["app"].state.service.settings
    assert settings.model_uri == "models:/x/3" and settings.limits.max_bytes == 1_000_000


BAD = {
    "empty": (b"", "image/png", 400),
    "too_large": (b"\x89PNG\r\n\x1a\n" + b"\x00" * LIMITS.max_bytes, "image/png", 413),
    "not_an_image": (b"just some text, not a page " * 4, None, 415),
    "content_type": (encode(page(), "PNG"), "text/plain", 415),
    "content_type_mismatch": (encode(page(), "PNG"), "image/jpeg", 415),
    "truncated": (encode(noisy(), "PNG")[:-20_000], "image/png", 400),
    "decompression_bomb": (crafted_png(10_000, 7_000), "image/png", 413),
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_bad_input_is_refused_with_its_kind(service: httpx.Client, kind: str) -> None:
    data, content_type, status = BAD[kind]
    r = _upload(service, data, content_type)
    assert r.status_code == status, r.text
    assert r.json()["error"] == kind and r.json()["detail"]
    assert r.headers["X-Request-ID"]


def test_oversized_body_refused_from_its_length(service: httpx.Client) -> None:
    r = _upload(service, b"\x00" * (LIMITS.max_bytes + 2 * MULTIPART_SLACK))
    assert r.status_code == 413 and r.json()["error"] == "too_large"
    no_file = service.post("/v1/extract", data={"other": "x"})
    assert no_file.status_code == 400 and no_file.json()["error"] == "no_file"


def _sample(text: str, name: str, **labels: str) -> float | None:
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return None


def test_still_ready_and_metrics_count_everything(service: httpx.Client) -> None:
    # runs after the tests above (file order): every bad input left the service ready
    assert service.get("/health/ready").json() == {"ready": True, "model_version": "1"}
    r = service.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    text = r.text
    assert _sample(text, "claimvlm_model_info", version="1") == 1.0
    for kind in BAD:
        assert _sample(text, "claimvlm_errors_total", kind=kind) is not None, kind
    assert _sample(text, "claimvlm_errors_total", kind="too_large") == 2.0
    assert _sample(text, "claimvlm_requests_total", route="/v1/extract", status="415") == 3.0
    assert _sample(text, "claimvlm_requests_total", route="/v1/extract", status="413") == 3.0
    answered = sum(_sample(text, "claimvlm_requests_total", route="/v1/extract", status=s) or 0 for s in ("200", "502"))
    assert answered == 2.0
    # 2 pages, 7 bad inputs, 1 oversized body, 1 without a file
    assert _sample(text, "claimvlm_request_seconds_count", route="/v1/extract") == 11.0
    assert _sample(text, "claimvlm_requests_total", route="/health/ready", status="200")
