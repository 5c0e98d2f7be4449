"""What the service tests share: a model that answers in JSON, in a registry, and a real uvicorn.

The model is the tiny architecture trained by the train stage for a few CPU minutes on pages of
one document type that all carry one label (tests/fixtures/models.py): it answers every page with
that JSON object, which the fixture checks before any test relies on it. It is registered twice (versions 1 and 2: the same
weights, two registry versions) and version 1 is champion, so hot swap has somewhere to go.
"""

from __future__ import annotations

import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from claimvlm.config import load_params
from claimvlm.feedback.params import FeedbackParams
from claimvlm.model.params import TrackingParams
from claimvlm.serving.app import create_app
from claimvlm.serving.inputs import InputLimits
from claimvlm.serving.params import ServeParams
from tests.fixtures.models import ANSWERING, answers_json, built_dataset, tracking_overrides, train_model

WAIT_S = 120
ANSWER_TOKENS = 200  # an admission/discharge answer is about 150 tokens


@dataclass(frozen=True)
class Registered:
    tracking: TrackingParams
    pages: tuple[bytes, ...]  # PNG bytes of the dataset's pages
    lock: Path

    @property
    def name(self) -> str:
        return self.tracking.registered_model


@pytest.fixture(scope="session")
def registered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registered]:
    from mlflow.tracking import MlflowClient

    from claimvlm.dataset.reader import read_split
    from claimvlm.model.tracking import configure
    from claimvlm.registry.gate import Decision
    from claimvlm.registry.registry import promote, register_candidate

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        root = tmp_path_factory.mktemp("served")
        # One label on every page: a model that provably answers JSON (see tests/fixtures/models.py).
        dataset = built_dataset(root, 24, doc_types={"admission_discharge": 1.0}, one_label=True,
                                splits={"train": 1.0, "val": 0.0, "test": 0.0})
        overrides = [*ANSWERING, *tracking_overrides(root)]
        trained = train_model(dataset, root, overrides)
        examples = read_split(dataset, "train")[:6]
        p = load_params(None, overrides)
        unanswered = answers_json(trained.model_dir, [ex.page() for ex in examples], p.build.instruction,
                                  ANSWER_TOKENS)
        assert not unanswered, f"the serving test model did not learn its one answer: {unanswered[:1]}"
        run = json.loads((root / "reports" / "run.json").read_text())
        client = MlflowClient(configure(p.tracking))
        name = p.tracking.registered_model
        for expected in ("1", "2"):
            version = register_candidate(client, name, run["model_uri"], run_id=run["run_id"],
                                         decision=Decision(True, ("serving test",), ()), report="none")
            assert version == expected
        promote(client, name, "1", expected_champion=None, lock_path=root / "lock", reason="serving test")
        pages = []
        for ex in examples:
            buf = io.BytesIO()
            ex.page().save(buf, "PNG")
            pages.append(buf.getvalue())
        yield Registered(p.tracking, tuple(pages), root / "lock")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running(app: Any) -> Iterator[int]:
    """Any ASGI app under uvicorn on loopback in a background thread; yields its port."""
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(30)


@contextmanager
def serving(settings: ServeParams, tracking: TrackingParams, limits: InputLimits | None = None,
            ready: bool = True, feedback: FeedbackParams | None = None,
            auth: Any = None) -> Iterator[httpx.Client]:
    """The real service on loopback; with ``ready``, once it is ready (``auth``: an Authenticator)."""
    with running(create_app(settings, tracking, limits, feedback=feedback, auth=auth)) as port, \
            httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=WAIT_S) as client:
        client.port = port  # type: ignore[attr-defined]  # for raw-socket tests
        if ready:
            r = settled(client, lambda r: r.status_code == 200)
            assert r.status_code == 200, r.text
        yield client


def settled(client: httpx.Client, until: Any, path: str = "/health/ready") -> httpx.Response:
    """Poll ``path`` until ``until(response)`` holds (up to WAIT_S)."""
    deadline = time.monotonic() + WAIT_S
    while True:
        r = client.get(path)
        if until(r) or time.monotonic() > deadline:
            return r
        time.sleep(0.05)


def upload(client: httpx.Client, data: bytes, content_type: str | None = "image/png",
           headers: dict[str, str] | None = None) -> httpx.Response:
    file = ("page.png", data) if content_type is None else ("page.png", data, content_type)
    return client.post("/v1/extract", files={"file": file}, headers=headers)


def sample(text: str, name: str, **labels: str) -> float | None:
    """One sample's value from Prometheus text (None when absent)."""
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return None


def settings(**update: Any) -> ServeParams:
    """Serve settings for tests: short answers, no alias polling unless asked."""
    base = {"max_new_tokens": ANSWER_TOKENS, "poll_s": 0.0}
    return ServeParams.model_validate({**base, **update})
