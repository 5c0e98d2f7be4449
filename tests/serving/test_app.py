"""The extraction service end to end: a trained tiny model, registered as champion, served by uvicorn
on loopback and driven over HTTP: answers with confidence, readiness, every bad input, metrics."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from claimvlm.serving.app import MULTIPART_SLACK
from claimvlm.serving.inputs import InputLimits
from tests.serving.conftest import Registered, sample, serving, settings, settled, upload
from tests.serving.test_inputs import crafted_png, encode, noisy, page

pytestmark = pytest.mark.slow  # a model trained for the service (tests/fixtures/models.py)

LIMITS = InputLimits(max_bytes=5_000_000)


@pytest.fixture(scope="module")
def service(registered: Registered) -> Iterator[httpx.Client]:
    with serving(settings(), registered.tracking, LIMITS) as client:
        yield client


def test_missing_version_stays_not_ready(registered: Registered) -> None:
    pinned = settings(model_uri=f"models:/{registered.name}/99")
    with serving(pinned, registered.tracking, LIMITS, ready=False) as client:
        assert client.get("/health/live").status_code == 200
        r = settled(client, lambda r: "failed" in r.json().get("reason", ""))
        assert r.status_code == 503
        body = r.json()
        assert body["ready"] is False and body["reason"].startswith("model load failed")
        refused = upload(client, registered.pages[0])
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
        assert refused.json()["error"] == "not_ready"
        assert client.get("/health/live").status_code == 200  # the process stays up
        assert client.get("/health/ready").status_code == 503


def test_not_ready_until_the_model_has_loaded_and_answered(registered: Registered,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The process answers at once while the model loads in the background (held here until released);
    ready only once the loaded version has read the warm-up page."""
    from claimvlm.serving.hf import TransformersBackend

    release, original, reads = threading.Event(), TransformersBackend.read, []

    def held(self: Any, pages: Any) -> Any:
        assert release.wait(120)
        reads.append(len(pages))
        return original(self, pages)

    monkeypatch.setattr(TransformersBackend, "read", held)
    with serving(settings(max_new_tokens=4), registered.tracking, LIMITS, ready=False) as client:
        r = client.get("/health/ready")
        assert r.status_code == 503 and r.json()["ready"] is False and "loading" in r.json()["reason"]
        assert client.get("/health/live").status_code == 200
        early = upload(client, registered.pages[0])
        assert early.status_code == 503 and early.json()["error"] == "not_ready"
        assert reads == []
        release.set()
        ready = settled(client, lambda r: r.status_code == 200)
        assert ready.json() == {"ready": True, "model_version": "1"}
        assert reads == [1]  # the warm-up page


def test_ready_reports_the_champion_version(service: httpx.Client) -> None:
    r = service.get("/health/ready")
    assert r.status_code == 200 and r.json() == {"ready": True, "model_version": "1"}
    assert service.get("/health/live").status_code == 200
    assert re.fullmatch(r"[0-9a-f-]{36}", r.headers["X-Request-ID"])


def test_extract_a_real_page(service: httpx.Client, registered: Registered,
                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="claimvlm.serve")
    r = upload(service, registered.pages[0], headers={"X-Request-ID": "claim-42.a_b"})
    assert r.status_code == 200, r.text
    body = r.json()
    # the request id is the server's own; the client's id comes back only as a correlation field
    assert re.fullmatch(r"[0-9a-f-]{36}", r.headers["X-Request-ID"]) and body["request_id"] == r.headers["X-Request-ID"]
    assert body["client_request_id"] == "claim-42.a_b"
    assert set(body) == {"request_id", "client_request_id", "model_version", "document_type", "fields", "confidence",
                         "latency_ms"}
    assert body["model_version"] == "1"
    assert body["document_type"] == "admission_discharge"
    fields = body["fields"]
    assert "document_type" not in fields and {"patient_name", "admission_date", "discharge_date"} <= set(fields)
    assert set(body["confidence"]) == {"document_type", *fields}
    assert all(0 < c <= 1 for c in body["confidence"].values())
    assert body["latency_ms"] > 0
    # the same client id again is another request with its own id: it cannot replace the first one's answer
    again = upload(service, registered.pages[1], headers={"X-Request-ID": "claim-42.a_b"})
    assert again.status_code == 200 and again.json()["request_id"] not in (body["request_id"], "claim-42.a_b")
    bad = upload(service, registered.pages[1], headers={"X-Request-ID": "bad id with spaces"})
    assert bad.status_code == 200 and "client_request_id" not in bad.json()  # an invalid id is dropped
    # one log line per request: id, route, status, latency, version; no file name, no answer
    lines = [rec.getMessage() for rec in caplog.records if rec.name == "claimvlm.serve"]
    mine = [line for line in lines if f"request_id={body['request_id']} " in line]
    assert len(mine) == 1 and "route=/v1/extract" in mine[0] and "status=200" in mine[0]
    assert "latency_ms=" in mine[0] and "version=1" in mine[0] and "error=-" in mine[0]
    values = [str(v) for v in fields.values() if isinstance(v, (str, int)) and len(str(v)) > 3]
    assert not any("page.png" in line or "{" in line or any(v in line for v in values) for line in lines)


class _Planted:
    """What an attacker with write access to the registry would put in python_model.pkl."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path(self.marker).write_text, ("the pickle ran",))


def test_the_service_loads_the_registered_package_and_never_unpickles_it(registered: Registered,
                                                                          tmp_path: Path) -> None:
    import pickle

    marker = tmp_path / "pwned"
    pickles = sorted(Path(registered.tracking.artifact_root).rglob("python_model.pkl"))
    assert pickles, "the registered model should carry its pyfunc pickle"
    saved = {p: p.read_bytes() for p in pickles}
    try:
        for path in pickles:
            path.write_bytes(pickle.dumps(_Planted(str(marker))))
        with serving(settings(model_uri=f"models:/{registered.name}/1"), registered.tracking, LIMITS) as client:
            r = upload(client, registered.pages[0])
            assert r.status_code == 200 and r.json()["model_version"] == "1", r.text
        assert not marker.exists()  # loaded from the verified package; the pickle was never opened
        for path in pickles:  # while the MLflow (pyfunc) path would have run it
            pickle.loads(path.read_bytes())
        assert marker.exists()
    finally:
        for path, data in saved.items():
            path.write_bytes(data)


def test_serve_api_command_runs_uvicorn(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import typer
    import uvicorn
    from typer.testing import CliRunner

    from claimvlm.serving.command import register

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    cli = typer.Typer()
    register(cli)

    @cli.command("noop")
    def _noop() -> None:  # a second command, so that typer keeps the command name
        pass

    from claimvlm.feedback.sealing import ENV, new_key_spec
    from claimvlm.serving.auth import new_api_key
    from claimvlm.serving.hardening import HeaderTimeoutProtocol

    keys = tmp_path / "secrets" / "api_keys.json"
    (tmp_path / "params.yaml").write_text("collect:\n  max_bytes: 1000000\nserve:\n  port: 8123\n"
                                          "  batching:\n    max_batch_size: 8\n"
                                          f"  auth:\n    api_keys_file: {keys}\n"
                                          f"feedback:\n  root: {tmp_path / 'fb'}\n", encoding="utf-8")
    args = ["serve-api", "--model-uri", "models:/x/3", "--host", "0.0.0.0", "-p", str(tmp_path / "params.yaml"),
            "-S", "serve.poll_s=5"]
    monkeypatch.setenv(ENV, new_key_spec())
    refused = CliRunner().invoke(cli, args)  # the default mode, API keys, and no key made yet
    assert refused.exit_code == 2 and "claimvlm api-key new" in refused.output and not seen
    new_api_key(keys, "claims-app", ["extract"])
    monkeypatch.delenv(ENV)
    unsealed = CliRunner().invoke(cli, args)  # feedback on, no store keys: nothing kept in the clear
    assert unsealed.exit_code == 2 and ENV in unsealed.output and not seen
    monkeypatch.setenv(ENV, new_key_spec())
    done = CliRunner().invoke(cli, args)
    assert done.exit_code == 0, done.output
    assert seen["host"] == "0.0.0.0" and seen["port"] == 8123
    # no access log of uvicorn's own (it logs query strings); idle and header-less connections closed
    assert seen["access_log"] is False and seen["timeout_keep_alive"] == 5
    assert issubclass(seen["http"], HeaderTimeoutProtocol) and seen["http"].header_timeout == 30.0
    s = seen["app"].state.settings
    assert s.model_uri == "models:/x/3" and s.poll_s == 5 and s.batching.max_batch_size == 8
    # the per-request lines reach stderr: uvicorn configures only its own loggers
    import logging

    served = logging.getLogger("claimvlm.serve")
    assert served.isEnabledFor(logging.INFO)
    handlers = [h for h in logging.getLogger("claimvlm").handlers if getattr(h, "claimvlm_serve", False)]
    assert len(handlers) == 1 and isinstance(handlers[0], logging.StreamHandler)
    logging.getLogger("claimvlm").removeHandler(handlers[0])  # leave the test process as it was
    logging.getLogger("claimvlm").propagate = True


BAD = {
    "empty": (b"", "image/png", 400),
    "too_large": (b"\x89PNG\r\n\x1a\n" + b"\x00" * LIMITS.max_bytes, "image/png", 413),
    "not_an_image": (b"just some text, not a page " * 4, None, 415),
    "content_type": (encode(page(), "PNG"), "text/plain", 415),
    "content_type_mismatch": (encode(page(), "PNG"), "image/jpeg", 415),
    "truncated": (encode(noisy(), "PNG")[:-20_000], "image/png", 400),
    "decompression_bomb": (crafted_png(10_000, 7_000), "image/png", 413),
    "too_small": (encode(page().resize((20, 20)), "PNG"), "image/png", 400),
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_bad_input_is_refused_with_its_kind(service: httpx.Client, kind: str) -> None:
    data, content_type, status = BAD[kind]
    r = upload(service, data, content_type)
    assert r.status_code == status, r.text
    assert r.json()["error"] == kind and r.json()["detail"]
    assert r.headers["X-Request-ID"]


def _odd_bodies(service: httpx.Client) -> list[httpx.Response]:
    """A body over the limit by its length, a form without a file, a garbled multipart body."""
    return [upload(service, b"\x00" * (LIMITS.max_bytes + 2 * MULTIPART_SLACK)),
            service.post("/v1/extract", data={"other": "x"}),
            service.post("/v1/extract", content=b"--x\r\nnot a part", headers={
                "content-type": "multipart/form-data; boundary=x"})]


def test_oversized_body_refused_from_its_length(service: httpx.Client) -> None:
    r, no_file, garbled = _odd_bodies(service)
    assert r.status_code == 413 and r.json()["error"] == "too_large"
    assert no_file.status_code == 400 and no_file.json()["error"] == "no_file"
    assert garbled.status_code in (400, 415) and garbled.json()["error"] in ("bad_multipart", "no_file")


def test_still_ready_and_metrics_count_everything(registered: Registered) -> None:
    """A service of its own (tests run in any order) gets two pages and every bad input above; it
    stays ready and its metrics count each request."""
    with serving(settings(), registered.tracking, LIMITS) as service:
        assert [upload(service, data).status_code for data in registered.pages[:2]] == [200, 200]
        for data, content_type, _status in BAD.values():
            upload(service, data, content_type)
        _odd_bodies(service)
        assert service.get("/health/ready").json() == {"ready": True, "model_version": "1"}
        r = service.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    text = r.text
    assert sample(text, "claimvlm_model_info", version="1") == 1.0
    for kind in BAD:
        assert sample(text, "claimvlm_errors_total", kind=kind) is not None, kind
    assert sample(text, "claimvlm_errors_total", kind="too_large") == 2.0
    assert sample(text, "claimvlm_requests_total", route="/v1/extract", status="415", version="1") == 3.0
    assert sample(text, "claimvlm_requests_total", route="/v1/extract", status="413", version="1") == 3.0
    assert sample(text, "claimvlm_requests_total", route="/v1/extract", status="200", version="1") == 2.0
    # 2 pages, 8 bad inputs, 1 oversized body, 1 without a file, 1 garbled
    assert sample(text, "claimvlm_request_seconds_count", route="/v1/extract", version="1") == 13.0
    assert sample(text, "claimvlm_requests_total", route="/health/ready", status="200", version="1")
    # the two pages, one model call each (the warm-up page is read beside the batcher)
    assert sample(text, "claimvlm_batch_size_count", version="1") == 2.0
    assert sample(text, "claimvlm_inference_seconds_count", version="1") == 2.0
    assert sample(text, "claimvlm_queue_depth") == 0.0
    assert (sample(text, "claimvlm_field_confidence_count") or 0) >= 2 * 10
    assert sample(text, "claimvlm_model_swaps_total", result="swapped") in (None, 0.0)
