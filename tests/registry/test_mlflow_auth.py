"""The registry behind a signed-in MLflow server, started as the compose stack starts it: `mlflow
server --app-name basic-auth` with the repository's mlflow/basic_auth.ini (its database moved to a
temporary folder), the admin from the environment, and infra/docker/mlflow_users.py creating the
pipeline and service accounts. The project's own registry code then runs against it by URI."""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
import urllib.error
import urllib.request
from base64 import b64encode
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from claimvlm.registry.registry import champion_version, promote, register_candidate
from tests.prefect_server import free_port, running_server
from tests.registry.test_registry import APPROVED, LINEAGE, _constant_model

pytestmark = pytest.mark.slow  # a server start (~20 s on 2 busy cores): scheduled first

ROOT = Path(__file__).resolve().parents[2]
ADMIN = ("admin", "admin-pass-0123456789")
PASSWORDS = {"MLFLOW_PIPELINE_PASSWORD": "pipeline-pass-0123456789", "MLFLOW_SERVE_PASSWORD": "serve-pass-0123456789"}


@dataclass
class Server:
    uri: str
    tmp: Path
    refused: subprocess.CompletedProcess[str]  # the accounts script with a placeholder password
    created: subprocess.CompletedProcess[str]  # then with real ones


def _users(uri: str, passwords: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MLFLOW_TRACKING_URI": uri, "MLFLOW_TRACKING_USERNAME": ADMIN[0],
           "MLFLOW_TRACKING_PASSWORD": ADMIN[1], **passwords}
    return subprocess.run([sys.executable, str(ROOT / "infra/docker/mlflow_users.py")], env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("mlflow-auth")
    ini = configparser.ConfigParser()
    ini.read(ROOT / "mlflow/basic_auth.ini")
    ini["mlflow"]["database_uri"] = f"sqlite:///{tmp}/basic_auth.db"
    with (tmp / "basic_auth.ini").open("w") as f:
        ini.write(f)
    port = free_port()
    env = {**os.environ, "MLFLOW_AUTH_CONFIG_PATH": str(tmp / "basic_auth.ini"), "MLFLOW_AUTH_ADMIN_USERNAME": ADMIN[0],
           "MLFLOW_AUTH_ADMIN_PASSWORD": ADMIN[1], "MLFLOW_FLASK_SERVER_SECRET_KEY": "test-csrf-key"}
    env.pop("MLFLOW_TRACKING_URI", None)
    uri = f"http://127.0.0.1:{port}"
    with running_server(
        [sys.executable, "-m", "mlflow", "server", "--app-name", "basic-auth", "--backend-store-uri",
         f"sqlite:///{tmp}/mlflow.db", "--artifacts-destination", str(tmp / "artifacts"), "--host", "127.0.0.1",
         "--port", str(port), "--workers", "1"],
        health=f"{uri}/health", log_path=tmp / "server.log", what="mlflow server", timeout=180, env=env, cwd=tmp,
    ):
        refused = _users(uri, {**PASSWORDS, "MLFLOW_SERVE_PASSWORD": "change-me-mlflow-serve"})
        yield Server(uri, tmp, refused, _users(uri, PASSWORDS))


def _status(uri: str, auth: tuple[str, str] | None) -> int:
    request = urllib.request.Request(f"{uri}/api/2.0/mlflow/experiments/search?max_results=1")
    if auth:
        request.add_header("Authorization", "Basic " + b64encode(":".join(auth).encode()).decode())
    try:
        return urllib.request.urlopen(request, timeout=30).status
    except urllib.error.HTTPError as err:
        return err.code


def test_accounts_are_created_once_and_placeholders_refused(server: Server) -> None:
    refused, first = server.refused, server.created
    assert refused.returncode == 2 and "MLFLOW_SERVE_PASSWORD" in refused.stderr
    assert first.returncode == 0, first.stderr
    assert "claimvlm-pipeline: created" in first.stdout and "claimvlm-serve: created" in first.stdout
    again = _users(server.uri, PASSWORDS)
    assert again.returncode == 0 and again.stdout.count("exists") == 2
    assert _status(server.uri, None) == 401
    assert _status(server.uri, ("claimvlm-serve", "a-wrong-password")) == 401
    assert _status(server.uri, ("claimvlm-serve", PASSWORDS["MLFLOW_SERVE_PASSWORD"])) == 200


def test_pipeline_promotes_and_the_service_account_only_reads(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    import mlflow
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    assert server.created.returncode == 0
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "claimvlm-pipeline")
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", PASSWORDS["MLFLOW_PIPELINE_PASSWORD"])
    mlflow.set_tracking_uri(server.uri)
    try:
        mlflow.set_experiment("claimvlm-auth")
        with mlflow.start_run(tags=LINEAGE) as run:
            info = mlflow.pyfunc.log_model(name="model", python_model=_constant_model(0.8), pip_requirements=[])
        pipeline = MlflowClient(server.uri)
        version = register_candidate(pipeline, "reader-auth", info.model_uri, run_id=run.info.run_id,
                                     decision=APPROVED, report="reports/evaluate/0.8.json", tags={})
        promote(pipeline, "reader-auth", version, expected_champion=None, lock_path=server.tmp / "registry.lock",
                reason="first")

        monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "claimvlm-serve")
        monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", PASSWORDS["MLFLOW_SERVE_PASSWORD"])
        service = MlflowClient(server.uri)
        assert champion_version(service, "reader-auth") == version  # reads the champion
        with pytest.raises(MlflowException, match="PERMISSION_DENIED|Permission denied"):
            service.set_registered_model_alias("reader-auth", "champion", version)

        monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "not-the-password")
        with pytest.raises(MlflowException, match="401|not authenticated|Unauthorized"):
            MlflowClient(server.uri).get_registered_model("reader-auth")
    finally:
        mlflow.set_tracking_uri(None)
