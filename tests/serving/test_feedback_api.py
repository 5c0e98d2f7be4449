"""POST /v1/feedback on the real service: answers kept sealed with their pages, corrections taken
only from reviewers, appended, and never scored back to the caller."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from PIL import Image

from claimvlm.feedback.params import FeedbackParams
from claimvlm.feedback.sealing import ENV, new_key_spec
from claimvlm.feedback.store import open_store
from claimvlm.serving.auth import Authenticator, new_api_key
from claimvlm.serving.params import AuthParams
from tests.serving.conftest import Registered, sample, serving, settings, upload

pytestmark = pytest.mark.slow  # a model trained for the service


def test_corrections_come_from_reviewers_are_appended_and_are_not_an_oracle(
        registered: Registered, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="claimvlm.serve")
    monkeypatch.setenv(ENV, new_key_spec())
    keys = tmp_path / "api_keys.json"
    client_key = new_api_key(keys, "claims-app", ["extract"])
    reviewer = {name: new_api_key(keys, name, ["review"]) for name in ("rev-1", "rev-2")}
    lead = new_api_key(keys, "lead", ["review", "review:senior", "metrics"])
    auth = Authenticator(AuthParams(mode="api_keys", api_keys_file=str(keys)))
    feedback = FeedbackParams(root=str(tmp_path / "fb"))

    def bearer(key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    with serving(settings(), registered.tracking, feedback=feedback, auth=auth) as client:
        answered = upload(client, registered.pages[0], headers={"X-Request-ID": "claim-7", **bearer(client_key)})
        assert answered.status_code == 200, answered.text
        rid, fields = answered.json()["request_id"], answered.json()["fields"]
        fixed = {**fields, "patient_name": "정정됨", "days": 99}
        body = {"request_id": rid, "fields": fixed}
        # the client that read the page may not correct it; nor may anyone with the client's id
        assert client.post("/v1/feedback", json=body, headers=bearer(client_key)).status_code == 403
        assert client.post("/v1/feedback", json={**body, "request_id": "claim-7"},
                           headers=bearer(reviewer["rev-1"])).status_code == 404
        assert client.post("/v1/feedback", json=body).status_code == 401
        spoofed = client.post("/v1/feedback", json={**body, "reviewer": "lead"}, headers=bearer(reviewer["rev-1"]))
        assert spoofed.status_code == 422 and "token" in spoofed.json()["detail"]  # who reviews is the token's
        first = client.post("/v1/feedback", json=body, headers=bearer(reviewer["rev-1"]))
        assert first.status_code == 201, first.text
        assert first.json() == {"request_id": rid, "model_version": "1", "recorded": True}  # no closeness score
        other = client.post("/v1/feedback", json={**body, "fields": fields}, headers=bearer(reviewer["rev-2"]))
        assert other.status_code == 201 and "correction_rate" not in other.json()
        assert client.post("/v1/feedback", json=body, headers=bearer(reviewer["rev-2"])).status_code == 201
        for bad in ({"request_id": rid}, {"request_id": "bad id", "fields": {}}, [1, 2]):
            r = client.post("/v1/feedback", json=bad, headers=bearer(lead))
            assert r.status_code == 422 and r.json()["error"] == "bad_feedback", bad
        huge = client.post("/v1/feedback", content=b'{"request_id": "' + b"x" * 2_000_000 + b'"}',
                           headers={**bearer(lead), "Content-Type": "application/json"})
        assert huge.status_code == 413
        assert client.get("/metrics", headers=bearer(reviewer["rev-1"])).status_code == 403
        metrics = client.get("/metrics", headers=bearer(lead)).text
    assert sample(metrics, "claimvlm_requests_total", route="/v1/feedback", status="201", version="1") == 3.0
    assert sample(metrics, "claimvlm_errors_total", kind="unknown_request") == 1.0
    store = open_store(feedback)
    assert store.counts() == {"answers": 1, "corrections": 3, "reviewed": 1}  # every submission appended
    (row,) = list(store.reviewed())  # rev-1 and rev-2 agreed on `fixed`: that one counts
    assert row.request_id == rid and row.model_version == "1" and row.route == "champion"
    assert row.corrected == {"document_type": answered.json()["document_type"], **fixed}
    assert row.answer == {"document_type": answered.json()["document_type"], **fields}
    kept = Image.open(io.BytesIO(store.page(row)))
    assert kept.size == Image.open(io.BytesIO(registered.pages[0])).size
    assert Path(row.page_path).is_relative_to(tmp_path / "fb" / "pages")
    lines = " ".join(rec.getMessage() for rec in caplog.records if rec.name == "claimvlm.serve")
    assert "정정됨" not in lines and "claim-7" not in lines
