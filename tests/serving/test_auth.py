"""Who may call the service: API keys and JWTs signed with keys made here, checked on the real
service under uvicorn; rate limits per caller; the hardened HTTP server (slow headers, access log).

No trained model is needed: the model is left unloadable, so an authorised /v1/extract is the
service's 503 ``not_ready`` (past the gate), an unauthorised one its 401/403 (at the gate)."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from claimvlm.model.params import TrackingParams
from claimvlm.serving.app import create_app
from claimvlm.serving.auth import Authenticator, new_api_key
from claimvlm.serving.params import AuthParams, JwtParams, ServeParams
from tests.serving.conftest import running

ISSUER, AUDIENCE = "https://login.example.test/realms/claims", "claimvlm"


@contextmanager
def service(tmp_path: Path, auth: AuthParams) -> Iterator[httpx.Client]:
    settings = ServeParams(model_uri=str(tmp_path / "no-model"), poll_s=0)
    app = create_app(settings, TrackingParams(uri=f"sqlite:///{tmp_path}/mlflow.db"), auth=Authenticator(auth))
    with running(app) as port, httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        yield client


def extract(client: httpx.Client, token: str | None) -> httpx.Response:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return client.post("/v1/extract", files={"file": ("p.png", b"\x89PNG")}, headers=headers)


def test_api_keys_grant_their_scopes_only_and_revocation_needs_no_restart(tmp_path: Path) -> None:
    keys = tmp_path / "secrets" / "api_keys.json"
    reader = new_api_key(keys, "claims-app", ["extract"])
    scraper = new_api_key(keys, "prometheus", ["metrics"])
    assert keys.stat().st_mode & 0o777 == 0o600 and reader not in keys.read_text()  # only hashes are kept
    with service(tmp_path, AuthParams(mode="api_keys", api_keys_file=str(keys))) as client:
        assert client.get("/health/live").status_code == 200  # probes need no token
        missing = extract(client, None)
        assert missing.status_code == 401 and missing.json()["error"] == "unauthorized"
        assert missing.headers["WWW-Authenticate"].startswith("Bearer")
        assert extract(client, reader[:-2] + "xx").status_code == 401  # a key off by two characters
        assert extract(client, "not-a-key").status_code == 401
        assert extract(client, reader).status_code == 503  # past the gate: the model is not loaded
        assert client.get("/metrics", headers={"Authorization": f"Bearer {reader}"}).status_code == 403
        assert client.get("/metrics", headers={"Authorization": f"Bearer {scraper}"}).status_code == 200
        assert extract(client, scraper).status_code == 403
        entries = json.loads(keys.read_text())["keys"]
        keys.write_text(json.dumps({"keys": [e for e in entries if e["subject"] != "claims-app"]}))
        time.sleep(0.01)
        assert extract(client, reader).status_code == 401  # revoked: the file is re-read when it changes


def _jwks(tmp_path: Path) -> tuple[Any, Path]:
    from joserfc.jwk import KeySet, RSAKey

    key = RSAKey.generate_key(2048, parameters={"kid": "idp-1"})
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(KeySet([key]).as_dict(private=False)))
    return key, path


def _token(key: Any, **claims: Any) -> str:
    from joserfc import jwt

    now = int(time.time())
    body = {"iss": ISSUER, "aud": AUDIENCE, "sub": "reviewer-17", "iat": now, "exp": now + 300,
            "scope": "openid claimvlm:extract", **claims}
    return jwt.encode({"alg": "RS256", "kid": "idp-1"}, {k: v for k, v in body.items() if v is not None}, key)


def test_jwts_are_checked_for_signature_issuer_audience_expiry_and_scope(tmp_path: Path) -> None:
    from joserfc.jwk import RSAKey

    key, jwks = _jwks(tmp_path)
    forger = RSAKey.generate_key(2048, parameters={"kid": "idp-1"})  # same kid, another key
    params = AuthParams(mode="jwt", jwt=JwtParams(issuer=ISSUER, audience=AUDIENCE, jwks_file=str(jwks)))
    with service(tmp_path, params) as client:
        assert extract(client, _token(key)).status_code == 503  # valid: past the gate
        assert extract(client, _token(key, scope=None, scp=["claimvlm:extract"])).status_code == 503  # scp list
        for bad in (_token(forger), _token(key, iss="https://evil.test"), _token(key, aud="other-service"),
                    _token(key, exp=int(time.time()) - 3600), _token(key, sub=None)):
            r = extract(client, bad)
            assert r.status_code == 401 and 'error="invalid_token"' in r.headers["WWW-Authenticate"], r.text
        unsigned = _token(key).rsplit(".", 1)[0] + "."  # alg stripped of its signature
        assert extract(client, unsigned).status_code == 401
        lacking = extract(client, _token(key, scope="openid claimvlm:metrics"))
        assert lacking.status_code == 403 and 'error="insufficient_scope"' in lacking.headers["WWW-Authenticate"]
        assert extract(client, _token(key, scope="extract")).status_code == 403  # scopes carry the prefix


def test_jwks_from_the_issuers_url(tmp_path: Path) -> None:
    key, jwks = _jwks(tmp_path)
    body = jwks.read_bytes()

    class Jwks(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    idp = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
    threading.Thread(target=idp.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{idp.server_address[1]}/certs"
        with service(tmp_path, AuthParams(mode="jwt", jwt=JwtParams(issuer=ISSUER, jwks_url=url))) as client:
            assert extract(client, _token(key)).status_code == 503
    finally:
        idp.shutdown()


def test_each_caller_is_rate_limited_on_its_own(tmp_path: Path) -> None:
    keys = tmp_path / "api_keys.json"
    one, two = (new_api_key(keys, name, ["metrics"]) for name in ("scraper-1", "scraper-2"))
    params = AuthParams(api_keys_file=str(keys), rate_limits={"metrics": "3/minute"})
    with service(tmp_path, params) as client:
        codes = [client.get("/metrics", headers={"Authorization": f"Bearer {one}"}).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        assert client.get("/metrics", headers={"Authorization": f"Bearer {two}"}).status_code == 200


def test_the_server_closes_connections_that_never_finish_their_headers_and_logs_no_query(tmp_path: Path) -> None:
    """``claimvlm serve-api`` as a user starts it (no model to load: the HTTP server is what is tried)."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cmd = [str(Path(sys.executable).parent / "claimvlm"), "serve-api", "--model-uri", str(tmp_path / "no-model"),
           "--port", str(port), "-p", str(root / "params.yaml"), "-S", "serve.auth.mode=none",
           "-S", "feedback.enabled=false", "-S", "serve.read_timeout_s=1", "-S", "serve.poll_s=0",
           "-S", f"tracking.uri=sqlite:///{tmp_path}/mlflow.db"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "serve-api did not start"
            time.sleep(0.2)
        slow = socket.create_connection(("127.0.0.1", port))
        slow.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        slow.settimeout(10)
        started = time.monotonic()
        assert slow.recv(1024) == b""  # closed by the server, not by this test's timeout
        assert time.monotonic() - started < 8
        slow.close()
        assert httpx.get(f"http://127.0.0.1:{port}/health/live?rrn=900101-1234567").status_code == 200
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0]
    assert "route=/health/live" in output  # the service's own line per request, without the query
    assert "900101-1234567" not in output and "rrn=" not in output
    assert "serve.auth.mode is none" in output  # said at start


def test_a_correction_body_is_cut_off_at_its_limit_while_it_streams_in(tmp_path: Path, monkeypatch: Any) -> None:
    """A body that never ends: the 413 comes once 1 MB has arrived, not after the client stops."""
    from claimvlm.feedback.params import FeedbackParams
    from claimvlm.feedback.sealing import ENV, new_key_spec

    monkeypatch.setenv(ENV, new_key_spec())
    settings = ServeParams(model_uri=str(tmp_path / "no-model"), poll_s=0)
    app = create_app(settings, TrackingParams(uri=f"sqlite:///{tmp_path}/mlflow.db"),
                     feedback=FeedbackParams(root=str(tmp_path / "fb")), auth=Authenticator(AuthParams(mode="none")))
    with running(app) as port, socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"POST /v1/feedback HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * 65536
        for _ in range(24):  # 1.5 MB, and the terminating chunk is never sent
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        sock.settimeout(20)
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_the_service_writes_only_under_its_state_dir(tmp_path: Path, monkeypatch: Any) -> None:
    """The serve image runs with a read-only root filesystem: every file the service writes must be
    under $CLAIMVLM_STATE_DIR (a volume) or the temporary directory, none relative to its cwd."""
    from claimvlm.feedback.params import STATE_DIR_ENV, FeedbackParams
    from claimvlm.feedback.sealing import ENV, new_key_spec

    cwd, state = tmp_path / "cwd", tmp_path / "state"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.setenv(STATE_DIR_ENV, str(state))
    monkeypatch.setenv(ENV, new_key_spec())
    settings = ServeParams(model_uri=str(tmp_path / "no-model"), poll_s=0)
    app = create_app(settings, TrackingParams(uri=f"sqlite:///{tmp_path}/mlflow.db"), feedback=FeedbackParams(),
                     auth=Authenticator(AuthParams(mode="none")))
    with running(app) as port:
        assert httpx.get(f"http://127.0.0.1:{port}/health/live").status_code == 200
        assert httpx.post(f"http://127.0.0.1:{port}/v1/feedback", json={"request_id": "x", "fields": {}}).status_code \
            == 404
    assert list(cwd.iterdir()) == []
    assert (state / "feedback" / "feedback.db").is_file() and (state / "feedback" / "pages").is_dir()
