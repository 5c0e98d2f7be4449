"""Training anomaly detection: online detectors over the logged step series.

Each detector is a small frozen dataclass whose ``__call__(series)`` is a pure function of the
series so far (:class:`Series`, the newest step last): a :class:`Finding` when the newest step is
anomalous, else None. The thresholds come from ``train.anomaly`` (:class:`AnomalyParams`), one
sub-section per detector, through the name -> class table :data:`DETECTORS`.

:class:`AnomalyMonitor` feeds them one optimizer step at a time (the training loop calls it after
every step), keeps one finding per episode (the step a detector starts firing; while it keeps
firing, only its count grows) and applies the policy: with ``policy: stop`` a finding of a
``stop_on`` kind ends the run after that step. The train stage logs the findings to MLflow (tag
``anomaly.<kind>`` = the first step, artifact ``anomalies.json``) and marks them in the report
(loss.png, steps.csv, metrics.json). With ``pushgateway`` set, the main process also pushes the
step metrics and the finding counts to a Prometheus Pushgateway (infra/prometheus/training-alerts.yml).

Detectors look back a bounded window (``lookback`` steps), so a step costs the same at step 10
and at step 100 000.
"""

from __future__ import annotations

import logging
import math
import statistics
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, ClassVar, Protocol

from claimvlm.training.params import AnomalyParams

log = logging.getLogger(__name__)

MAX_FINDINGS = 200  # kept per run (episodes beyond are counted, not listed)
MAD_SCALE = 1.4826  # MAD x this estimates a normal distribution's standard deviation


class StepNumbers(Protocol):
    """What the monitor reads of a step (the loop's StepLog)."""

    step: int
    loss: float
    lr: float
    grad_norm: float
    samples: int
    seconds: float
    data_seconds: float


@dataclass(frozen=True)
class Series:
    """The last steps of a run, oldest first, one tuple per quantity (all the same length)."""

    step: tuple[int, ...] = ()
    loss: tuple[float, ...] = ()
    grad_norm: tuple[float, ...] = ()
    lr: tuple[float, ...] = ()
    samples_per_s: tuple[float, ...] = ()
    seconds: tuple[float, ...] = ()
    data_seconds: tuple[float, ...] = ()

    @classmethod
    def of(cls, steps: Iterable[StepNumbers]) -> Series:
        """A series from step logs (tests, and a resumed run's history)."""
        rows = [_row(s) for s in steps]
        return cls(**{f.name: tuple(r[f.name] for r in rows) for f in fields(cls)})

    def __len__(self) -> int:
        return len(self.step)


def _row(s: StepNumbers) -> dict[str, Any]:
    seconds = float(s.seconds)
    return {"step": int(s.step), "loss": float(s.loss), "grad_norm": float(s.grad_norm), "lr": float(s.lr),
            "samples_per_s": s.samples / seconds if seconds > 0 else math.nan, "seconds": seconds,
            "data_seconds": float(getattr(s, "data_seconds", 0.0))}


@dataclass(frozen=True)
class Finding:
    kind: str  # a DETECTORS name
    step: int  # the step it was found at
    value: float  # the observed quantity
    threshold: float  # the limit it crossed
    message: str
    stop: bool = False  # the policy stops the run on it

    def to_dict(self) -> dict[str, Any]:
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in asdict(self).items()}


def _finite(xs: Iterable[float]) -> list[float]:
    return [x for x in xs if math.isfinite(x)]


@dataclass(frozen=True)
class LossSpike:
    """The step's loss above median + k x max(1.4826 x MAD, min_rel x median) of the previous
    ``window`` steps (at least 5 of them), once ``warmup`` steps have passed."""

    kind: ClassVar[str] = "loss_spike"
    window: int = 20
    k: float = 6.0
    min_rel: float = 0.1
    warmup: int = 10

    @property
    def lookback(self) -> int:
        return self.window + 1

    def __call__(self, s: Series) -> Finding | None:
        if not s or s.step[-1] <= self.warmup:
            return None
        base = _finite(s.loss[-self.window - 1:-1])
        if len(base) < min(5, self.window):
            return None
        med = statistics.median(base)
        mad = statistics.median(abs(x - med) for x in base)
        limit = med + self.k * max(MAD_SCALE * mad, self.min_rel * abs(med))
        value = s.loss[-1]
        if value > limit:
            return Finding(self.kind, s.step[-1], value, limit,
                           f"loss {value:.4g} at step {s.step[-1]} is above the rolling median {med:.4g} of the "
                           f"previous {len(base)} steps + {self.k:g} robust deviations (limit {limit:.4g})")
        return None


@dataclass(frozen=True)
class Plateau:
    """The loss's ``window``-step mean improved by less than ``min_improvement`` (relative) over
    the last ``steps`` steps: fires first at step window + steps of a flat run."""

    kind: ClassVar[str] = "plateau"
    window: int = 20
    steps: int = 50
    min_improvement: float = 0.01

    @property
    def lookback(self) -> int:
        return self.window + self.steps

    def __call__(self, s: Series) -> Finding | None:
        if len(s) < self.window + self.steps:
            return None
        now = _finite(s.loss[-self.window:])
        then = _finite(s.loss[-self.window - self.steps:-self.steps])
        if not now or not then:
            return None
        m_now, m_then = statistics.fmean(now), statistics.fmean(then)
        improvement = (m_then - m_now) / abs(m_then) if m_then else 0.0
        if improvement < self.min_improvement:
            return Finding(self.kind, s.step[-1], improvement, self.min_improvement,
                           f"the loss's {self.window}-step mean went {m_then:.4g} -> {m_now:.4g} over the last "
                           f"{self.steps} steps: {improvement:.2%} better, under {self.min_improvement:.2%}")
        return None


@dataclass(frozen=True)
class GradNormDrift:
    """The median grad norm of the last ``window`` steps over ``factor`` x that of the ``window``
    steps before, both past ``warmup``."""

    kind: ClassVar[str] = "grad_norm_drift"
    window: int = 20
    factor: float = 3.0
    warmup: int = 10

    @property
    def lookback(self) -> int:
        return 2 * self.window

    def __call__(self, s: Series) -> Finding | None:
        if len(s) < 2 * self.window or s.step[-2 * self.window] <= self.warmup:
            return None
        then = _finite(s.grad_norm[-2 * self.window:-self.window])
        now = _finite(s.grad_norm[-self.window:])
        if len(then) < self.window // 2 or len(now) < self.window // 2:
            return None  # mostly skipped (fp16 overflow) steps: nothing to compare
        m_then, m_now = statistics.median(then), statistics.median(now)
        if m_then > 0 and m_now > self.factor * m_then:
            return Finding(self.kind, s.step[-1], m_now, self.factor * m_then,
                           f"the median grad norm of steps {s.step[-self.window]}-{s.step[-1]} ({m_now:.4g}) is "
                           f"{m_now / m_then:.1f}x that of the {self.window} steps before ({m_then:.4g}; "
                           f"limit {self.factor:g}x)")
        return None


@dataclass(frozen=True)
class ThroughputDrop:
    """Samples/s under ``fraction`` x the median of the ``window`` steps before, ``patience``
    steps in a row; steps up to ``warmup`` (one-time set-up) are never the baseline."""

    kind: ClassVar[str] = "throughput_drop"
    window: int = 20
    fraction: float = 0.5
    patience: int = 3
    warmup: int = 5

    @property
    def lookback(self) -> int:
        return self.window + self.patience

    def __call__(self, s: Series) -> Finding | None:
        n = self.window + self.patience
        if len(s) < n or s.step[-n] <= self.warmup:
            return None
        base = _finite(s.samples_per_s[-n:-self.patience])
        recent = s.samples_per_s[-self.patience:]
        if not base or not all(math.isfinite(x) for x in recent):
            return None
        limit = self.fraction * statistics.median(base)
        if all(x < limit for x in recent):
            return Finding(self.kind, s.step[-1], max(recent), limit,
                           f"{max(recent):.3g} samples/s or less for {self.patience} steps (to step {s.step[-1]}), "
                           f"under {self.fraction:.0%} of the rolling median {statistics.median(base):.3g}")
        return None


@dataclass(frozen=True)
class LoaderStall:
    """A step waited over ``seconds`` for its batches, or data loading took over ``share`` of
    each of the last ``patience`` steps (the loop is input-bound). Steps up to ``warmup`` (first
    page reads, caches filling) are not judged."""

    kind: ClassVar[str] = "loader_stall"
    seconds: float = 30.0
    share: float = 0.9
    patience: int = 5
    warmup: int = 1

    @property
    def lookback(self) -> int:
        return self.patience

    def __call__(self, s: Series) -> Finding | None:
        if not s or s.step[-1] <= self.warmup:
            return None
        wait = s.data_seconds[-1]
        if wait > self.seconds:
            return Finding(self.kind, s.step[-1], wait, self.seconds,
                           f"step {s.step[-1]} waited {wait:.3g} s for its batches (limit {self.seconds:g} s)")
        if len(s) < self.patience or s.step[-self.patience] <= self.warmup:
            return None
        shares = [d / t if t > 0 else 0.0 for d, t in zip(s.data_seconds[-self.patience:],
                                                           s.seconds[-self.patience:], strict=True)]
        if all(x > self.share for x in shares):
            return Finding(self.kind, s.step[-1], min(shares), self.share,
                           f"data loading took over {self.share:.0%} of each of the last {self.patience} steps "
                           f"(to step {s.step[-1]}): the loop waits for input")
        return None


Detector = LossSpike | Plateau | GradNormDrift | ThroughputDrop | LoaderStall
DETECTORS: dict[str, type[Detector]] = {
    "loss_spike": LossSpike, "plateau": Plateau, "grad_norm_drift": GradNormDrift,
    "throughput_drop": ThroughputDrop, "loader_stall": LoaderStall,
}


def build_detectors(params: AnomalyParams) -> dict[str, Detector]:
    """The enabled detectors, by kind, with params' thresholds."""
    out: dict[str, Detector] = {}
    for kind, cls in DETECTORS.items():
        section = getattr(params, kind)
        if section.enabled:
            out[kind] = cls(**section.model_dump(exclude={"enabled"}))
    return out


class AnomalyMonitor:
    """Runs the detectors once per optimizer step; collects findings and applies the policy.

    ``push``: this process pushes to ``params.pushgateway`` when that is set (the main process);
    ``push_handler``: prometheus_client's push handler (tests capture the pushes with one)."""

    def __init__(self, params: AnomalyParams, *, push: bool = False,
                 push_handler: Callable[..., Any] | None = None) -> None:
        self.params = params
        self.detectors = build_detectors(params)
        self.stop_on = set(params.stop_on) if params.policy == "stop" else set()
        self.findings: list[Finding] = []
        self.episodes: Counter[str] = Counter()  # findings per kind (episodes, listed or not)
        self.fired: Counter[str] = Counter()  # steps each detector fired at
        self.first: dict[str, int] = {}  # kind -> the first step it fired at
        self.stop: Finding | None = None
        depth = max((d.lookback for d in self.detectors.values()), default=1)
        self._cols: dict[str, deque[Any]] = {f.name: deque(maxlen=depth) for f in fields(Series)}
        self._firing: set[str] = set()
        self._pusher = _Pusher(params, push_handler) if push and params.pushgateway else None

    @property
    def stop_reason(self) -> str | None:
        if self.stop is None:
            return None
        return f"anomaly {self.stop.kind} at step {self.stop.step} (train.anomaly.policy stop): {self.stop.message}"

    def observe(self, step: StepNumbers) -> list[Finding]:
        """Feed one step; returns the findings it starts (one per detector episode)."""
        for name, value in _row(step).items():
            self._cols[name].append(value)
        series = Series(**{name: tuple(col) for name, col in self._cols.items()})
        new: list[Finding] = []
        for kind, detector in self.detectors.items():
            found = detector(series)
            if found is None:
                self._firing.discard(kind)
                continue
            self.fired[kind] += 1
            if kind in self._firing:
                continue  # the same episode
            self._firing.add(kind)
            found = replace(found, stop=kind in self.stop_on)
            self.episodes[kind] += 1
            self.first.setdefault(kind, found.step)
            if len(self.findings) < MAX_FINDINGS:
                self.findings.append(found)
            if found.stop and self.stop is None:
                self.stop = found
            new.append(found)
        if self._pusher is not None:
            self._pusher.step(step, self, force=bool(new))
        return new

    def replay(self, steps: Iterable[StepNumbers]) -> None:
        """Rebuild the state from a resumed run's logged steps (same findings, nothing pushed)."""
        pusher, self._pusher = self._pusher, None
        try:
            for s in steps:
                self.observe(s)
        finally:
            self._pusher = pusher

    def finish(self) -> None:
        """The run ended normally: a last push that says so."""
        if self._pusher is not None:
            self._pusher.finish(self)

    def summary(self) -> dict[str, dict[str, int]]:
        """Per kind that fired: its first step, episodes (findings) and steps fired."""
        return {k: {"first_step": self.first[k], "findings": self.episodes[k], "steps": self.fired[k]}
                for k in self.first}

    def report(self) -> dict[str, Any]:
        """Everything the run's anomalies.json holds."""
        return {"policy": self.params.policy, "stop_on": sorted(self.stop_on),
                "detectors": {k: asdict(d) for k, d in self.detectors.items()},
                "summary": self.summary(), "stop_reason": self.stop_reason,
                "findings": [f.to_dict() for f in self.findings]}


# ---------------------------------------------------------------- Prometheus Pushgateway

JOB = "claimvlm-train"  # the Pushgateway job; infra/prometheus/training-alerts.yml selects it
# name -> (type, labels): what a training job pushes; the rules file uses only these.
PUSHED_METRICS: dict[str, tuple[str, tuple[str, ...]]] = {
    "claimvlm_train_step": ("gauge", ()),
    "claimvlm_train_loss": ("gauge", ()),
    "claimvlm_train_grad_norm": ("gauge", ()),
    "claimvlm_train_learning_rate": ("gauge", ()),
    "claimvlm_train_samples_per_second": ("gauge", ()),
    "claimvlm_train_data_wait_seconds": ("gauge", ()),
    "claimvlm_train_running": ("gauge", ()),
    "claimvlm_train_stopped_by_anomaly": ("gauge", ()),
    "claimvlm_train_anomalies": ("gauge", ("kind",)),
}


class _Pusher:
    """Pushes the newest step's numbers every ``push_every`` steps (and at once on a finding).
    A push that fails is logged and skipped: monitoring never stops a training run."""

    def __init__(self, params: AnomalyParams, handler: Callable[..., Any] | None = None) -> None:
        from prometheus_client import CollectorRegistry, Gauge

        self.params, self.handler, self.failed = params, handler, 0
        self.last: StepNumbers | None = None
        self.registry = CollectorRegistry()
        self.gauges = {name: Gauge(name, name.replace("_", " "), labels, registry=self.registry)
                       for name, (_type, labels) in PUSHED_METRICS.items()}

    def _set(self, step: StepNumbers, monitor: AnomalyMonitor, running: bool) -> None:
        g, row = self.gauges, _row(step)
        for name, key in (("claimvlm_train_step", "step"), ("claimvlm_train_loss", "loss"),
                          ("claimvlm_train_grad_norm", "grad_norm"), ("claimvlm_train_learning_rate", "lr"),
                          ("claimvlm_train_samples_per_second", "samples_per_s"),
                          ("claimvlm_train_data_wait_seconds", "data_seconds")):
            g[name].set(row[key])
        g["claimvlm_train_running"].set(1 if running else 0)
        g["claimvlm_train_stopped_by_anomaly"].set(1 if monitor.stop is not None else 0)
        for kind in monitor.detectors:
            g["claimvlm_train_anomalies"].labels(kind=kind).set(monitor.episodes[kind])
        self.last = step

    def step(self, step: StepNumbers, monitor: AnomalyMonitor, *, force: bool) -> None:
        self._set(step, monitor, running=monitor.stop is None)
        if force or step.step % self.params.push_every == 0 or monitor.stop is not None:
            self.push()

    def finish(self, monitor: AnomalyMonitor) -> None:
        if self.last is not None:
            self._set(self.last, monitor, running=False)
            self.push()

    def push(self) -> None:
        import socket

        from prometheus_client import push_to_gateway

        kwargs = {"handler": self.handler} if self.handler is not None else {}
        try:  # one group per host: a new run there replaces the last one's numbers
            push_to_gateway(str(self.params.pushgateway), job=JOB, registry=self.registry, timeout=5,
                            grouping_key={"instance": socket.gethostname()}, **kwargs)
        except OSError as err:  # URLError is one
            self.failed += 1
            if self.failed == 1:
                log.warning("could not push training metrics to %s: %s (training continues)",
                            self.params.pushgateway, err)
