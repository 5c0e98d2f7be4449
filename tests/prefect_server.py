"""Test helper: a real Prefect server (``prefect server start``, SQLite) on loopback, as a user starts it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prefect_env(home: Path, api_url: str | None = None) -> dict[str, str]:
    """Quiet and offline: no analytics, no update checks; everything under ``home``."""
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "DO_NOT_TRACK": "1", "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home}/prefect.db",
           "PREFECT_UI_ENABLED": "false", "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
           "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


@contextmanager
def running_server(args: list[str], *, health: str, log_path: Path, what: str, timeout: float = 120,
                   env: dict[str, str] | None = None, cwd: Path | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server as a user starts it, its output in ``log_path``; wait until ``health`` answers
    200 (RuntimeError with the log's tail if it exits or ``timeout`` passes); SIGTERM it at the end."""
    log = log_path.open("w")
    proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                with urllib.request.urlopen(health, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not start: {log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextmanager
def prefect_server(home: Path, timeout: float = 120) -> Iterator[str]:
    """Start the server, wait for /api/health, yield the API URL; stop it (SIGTERM) at the end."""
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    with running_server([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                        health=f"{url}/health", log_path=home / "server.log", what="prefect server",
                        timeout=timeout, env=prefect_env(home)):
        yield url
