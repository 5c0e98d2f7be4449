"""POST /v1/feedback on the real service: answers kept with their pages, corrections scored."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from PIL import Image

from claimvlm.feedback.params import FeedbackParams
from claimvlm.feedback.store import FeedbackStore
from tests.serving.conftest import Registered, sample, serving, settings, upload

pytestmark = pytest.mark.slow  # a model trained for the service


def test_a_correction_is_stored_against_its_answer_and_scored(registered: Registered, tmp_path: Path,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="claimvlm.serve")
    feedback = FeedbackParams(store_url=f"sqlite:///{tmp_path}/feedback.db", pages_dir=str(tmp_path / "pages"))
    with serving(settings(), registered.tracking, feedback=feedback) as client:
        answered = upload(client, registered.pages[0], headers={"X-Request-ID": "claim-7"})
        assert answered.status_code == 200, answered.text
        fields = answered.json()["fields"]
        same = client.post("/v1/feedback", json={"request_id": "claim-7", "fields": fields, "reviewer": "rev-1"})
        assert same.status_code == 200, same.text
        assert same.json() == {"request_id": "claim-7", "model_version": "1", "correction_rate": 0.0}
        fixed = {**fields, "patient_name": "정정됨", "days": 99}
        corrected = client.post("/v1/feedback", json={"request_id": "claim-7", "fields": fixed, "reviewer": "rev-2"})
        assert corrected.status_code == 200 and 0 < corrected.json()["correction_rate"] < 1
        unknown = client.post("/v1/feedback", json={"request_id": "never-seen", "fields": fixed})
        assert unknown.status_code == 404 and unknown.json()["error"] == "unknown_request"
        for bad in ({"request_id": "claim-7"}, {"request_id": "bad id", "fields": {}}, [1, 2]):
            r = client.post("/v1/feedback", json=bad)
            assert r.status_code == 422 and r.json()["error"] == "bad_feedback", bad
        assert client.post("/v1/feedback", content=b"{not json").status_code == 422
        metrics = client.get("/metrics").text
    assert sample(metrics, "claimvlm_requests_total", route="/v1/feedback", status="200", version="1") == 2.0
    assert sample(metrics, "claimvlm_errors_total", kind="unknown_request") == 1.0
    store = FeedbackStore(feedback.store_url)
    (row,) = list(store.reviewed())
    assert row.request_id == "claim-7" and row.model_version == "1" and row.route == "champion"
    assert row.corrected == {"document_type": answered.json()["document_type"], **fixed}  # the latest review
    assert row.answer == {"document_type": answered.json()["document_type"], **fields}
    kept = Image.open(row.page_path)
    assert kept.size == Image.open(__import__("io").BytesIO(registered.pages[0])).size
    assert Path(row.page_path).is_relative_to(tmp_path / "pages")
    lines = " ".join(rec.getMessage() for rec in caplog.records if rec.name == "claimvlm.serve")
    assert "정정됨" not in lines and "rev-2" not in lines
