"""`make screenshots`: start the Prefect and MLflow servers on loopback, apply pipelines.yaml, start a
worker per pool, run the nightly-retrain deployment through them (the stages DVC finds up to
date are skipped, so after `make run` this takes seconds), and photograph, with headless Chromium, the Prefect deployments
page (the nightly schedule) and the MLflow registered-model page (the champion alias).

Run after `make run` (the registry then has a champion). Needs Debian's `chromium`
(`infra/system-deps.sh --require chromium` installs it where allowed). Writes docs/screenshots/.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# As the machine notes say: without these, Chromium keeps trying to reach Google's hosts.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--virtual-time-budget=20000"]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
        if proc.poll() is not None:
            break
    raise SystemExit(f"{url} did not come up; see {log}")


@contextmanager
def _server(cmd: list[str], health: str, env: dict[str, str], log: Path) -> Iterator[None]:
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            _wait(health, proc, log)
            yield
        finally:
            proc.send_signal(signal.SIGINT)  # both servers shut down cleanly on SIGINT
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def _shoot(url: str, png: Path, profile: Path, size: str = "1440,900") -> None:
    chromium = next((c for c in ("chromium", "chromium-browser", "google-chrome") if _which(c)), None)
    if chromium is None:
        raise SystemExit("no Chromium: run `infra/system-deps.sh --require chromium` (Debian package chromium)")
    png.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([chromium, *CHROMIUM_FLAGS, f"--window-size={size}", f"--user-data-dir={profile}", f"--screenshot={png}", url],
                   check=True, capture_output=True, timeout=120)
    print(f"screenshots: {png.relative_to(ROOT)} <- {url}")


def _which(name: str) -> bool:
    return any((Path(d) / name).is_file() for d in os.environ.get("PATH", "").split(os.pathsep))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="claimvlm-screens-"))
    prefect_port, mlflow_port = _port(), _port()
    prefect_api = f"http://127.0.0.1:{prefect_port}/api"
    mlflow_url = f"http://127.0.0.1:{mlflow_port}"
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "PREFECT_HOME": str(work / "prefect"),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
           "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{work}/prefect.db",
           "PREFECT_UI_API_URL": prefect_api}  # the UI's pages call the API on this (non-default) port
    prefect = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(prefect_port)]
    mlflow = [str(BIN / "mlflow"), "server", "--backend-store-uri", f"sqlite:///{ROOT}/mlflow/mlflow.db",
              "--artifacts-destination", str(ROOT / "mlflow" / "artifacts"), "--host", "127.0.0.1",
              "--port", str(mlflow_port)]
    with _server(prefect, f"{prefect_api}/health", env, work / "prefect.log"), \
            _server(mlflow, f"{mlflow_url}/health", env, work / "mlflow.log"):
        run_env = {**env, "PREFECT_API_URL": prefect_api, "MLFLOW_TRACKING_URI": mlflow_url}
        subprocess.run([str(BIN / "claimvlm"), "deploy", "--project", str(ROOT)], cwd=ROOT, env=run_env, check=True)
        workers = [subprocess.Popen([str(BIN / "prefect"), "worker", "start", "--pool", pool], cwd=ROOT, env=run_env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                   for pool in ("claimvlm-gpu", "claimvlm-process")]
        try:  # a deployment run, picked up by the GPU pool's worker, as the 02:00 schedule would start it
            subprocess.run([str(BIN / "prefect"), "deployment", "run", "nightly_retrain/nightly-retrain", "--watch",
                            "--watch-timeout", "1200"], cwd=ROOT, env=run_env, check=True)
            time.sleep(5)  # the workers' next heartbeat marks the deployments ready
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGINT)
            for worker in workers:
                worker.wait(timeout=60)
        _shoot(f"http://127.0.0.1:{prefect_port}/deployments", args.out / "prefect-deployments.png", work / "c1")
        _shoot(f"{mlflow_url}/#/models/claimvlm-reader", args.out / "mlflow-registered-model.png", work / "c2",
               "1440,1500")


if __name__ == "__main__":
    main()
