"""Which model version serves, and swapping it without downtime.

A :class:`ModelHolder` runs in one background thread. It resolves ``models:/NAME@alias`` to a
version number (``MlflowClient.get_model_version_by_alias``; that fixed version is what loads, so
the version reported is the version answering), opens the backend on it, makes it read a blank
warm-up page (a version that loads but cannot answer never takes traffic) and only then makes it
current. Afterwards it re-resolves the alias every ``poll_s`` seconds: a promotion or a rollback
moves the alias, the new version is opened and warmed up beside the old one (twice the memory for
that while), swapped in between two batches, and the old one closed once no batch uses it.
A version that fails to load is not retried until the alias moves again; the old one keeps serving.
Until a first version loads, ``/health/ready`` says why not (and a failed first load is retried at
each poll: the registry may simply not be up yet).
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from claimvlm.model.params import TrackingParams
from claimvlm.serving.backends import Backend, open_backend
from claimvlm.serving.metrics import Metrics
from claimvlm.serving.params import ServeParams

log = logging.getLogger("claimvlm.serve")
_REASON_CHARS = 300
# transformers builds models under process-wide patches (meta-device init, skipped weight init):
# two loads in two threads (champion and canary holders) corrupt each other. One at a time.
_OPENING = threading.Lock()
_ALIAS = re.compile(r"models:/([^/@]+)@([^/@]+)")
_VERSION = re.compile(r"models:/([^/@]+)/(\d+)")


def resolve(uri: str, client: object) -> tuple[str, str | None]:
    """The URI to load and the registry version behind it (None when it is not a registry URI)."""
    found = _ALIAS.fullmatch(uri)
    if found:
        name, alias = found.groups()
        version = str(client.get_model_version_by_alias(name, alias).version)  # type: ignore[attr-defined]
        return f"models:/{name}/{version}", version
    found = _VERSION.fullmatch(uri)
    if found:
        client.get_model_version(*found.groups())  # type: ignore[attr-defined]  # fails plainly when missing
        return uri, found.group(2)
    return uri, None


def _warm_up(backend: Backend) -> None:
    from PIL import Image

    backend.read([Image.new("RGB", (224, 320), "white")])


@dataclass
class ModelHolder:
    """One alias's model. ``route`` names it in metrics and answers (``champion``, or ``challenger``
    for the canary); ``optional``: an alias that does not exist is normal (no canary running), not a
    failure; ``skip(version)``: a version not to load here (the challenger when it is the champion:
    after a completed promotion both aliases name one version, and it is served once)."""

    settings: ServeParams
    tracking: TrackingParams
    instruction: str
    metrics: Metrics
    alias: str = ""
    route: str = "champion"
    optional: bool = False
    skip: Callable[[str | None], bool] = lambda version: False
    backend: Backend | None = None
    reason: str = "the model is loading"
    _failed: str | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _users: dict[int, int] = field(default_factory=dict)  # batches reading with each backend, by id

    @property
    def uri(self) -> str:
        if self.route == "champion" and self.settings.model_uri:
            return self.settings.model_uri
        return f"models:/{self.tracking.registered_model}@{self.alias or self.settings.alias}"

    @property
    def version(self) -> str | None:
        return self.backend.version if self.backend is not None else None

    def acquire(self) -> Backend | None:
        """The backend for one batch; give it back with :meth:`release`."""
        with self._lock:
            backend = self.backend
            if backend is not None:
                self._users[id(backend)] = self._users.get(id(backend), 0) + 1
            return backend

    def release(self, backend: Backend) -> None:
        with self._lock:
            self._users[id(backend)] -= 1

    def _busy(self, backend: Backend) -> bool:
        with self._lock:
            return self._users.get(id(backend), 0) > 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"claimvlm-model-{self.route}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        from mlflow.tracking import MlflowClient

        import mlflow

        tracking_uri = os.environ.get("MLFLOW_TRACKING_URI") or self.tracking.uri
        mlflow.set_tracking_uri(tracking_uri)
        client = MlflowClient(tracking_uri)
        watching = _ALIAS.fullmatch(self.uri) is not None and self.settings.poll_s > 0
        self.check(client)
        while (watching or self.backend is None and self.settings.poll_s > 0) and not self._stop.wait(
                self.settings.poll_s):
            self.check(client)

    def check(self, client: object) -> None:
        """Resolve the URI; load and swap in its version when it is not the one serving."""
        try:
            load_uri, version = resolve(self.uri, client)
        except Exception as err:  # noqa: BLE001 - the registry may be briefly away; keep serving
            if self.optional:  # no such alias: nothing to serve on this route
                self._swap(None)
                return
            self._failure(f"model load failed: cannot resolve {self.uri}: {type(err).__name__}: "
                          f"{str(err)[:_REASON_CHARS]}")
            return
        if self.skip(version):
            self._swap(None)
            return
        if self.backend is not None and version == self.version or version is not None and version == self._failed:
            return
        self.reason = self.reason if self.backend is not None else f"loading {self.uri} (version {version})"
        started = time.perf_counter()
        try:
            with _OPENING:
                backend = open_backend(load_uri, version, self.settings, self.tracking, self.instruction)
            _warm_up(backend)
        except Exception as err:  # noqa: BLE001 - a version that cannot load or answer never serves
            self._failed = version
            self.metrics.swaps.labels(result="failed").inc()
            self._failure(f"model load failed: {load_uri}: {type(err).__name__}: {str(err)[:_REASON_CHARS]}")
            return
        self._swap(backend)
        log.info("model ready: %s (version %s) in %.1f s", load_uri, version, time.perf_counter() - started)

    def _failure(self, reason: str) -> None:
        log.error("%s", reason)
        if self.backend is None:
            self.reason = reason

    def _swap(self, new: Backend | None) -> None:
        with self._lock:
            old, self.backend = self.backend, new
        if old is None and new is None:
            return
        self._failed = None
        self.metrics.serving(self.route, (new.version or "unversioned") if new is not None else None,
                             old.version if old is not None else None)
        if old is None:
            return
        if new is not None:
            self.metrics.swaps.labels(result="swapped").inc()
        log.info("%s: model version %s replaces %s", self.route, new.version if new else "none", old.version)
        while self._busy(old):  # batches that took it before the swap finish with it
            time.sleep(0.01)
        with self._lock:
            self._users.pop(id(old), None)
        old.close()
