"""Training anomaly detection: each detector on synthetic series, the monitor's episodes and policy,
the Pushgateway metrics and their alert rules, and real short runs of the tiny model on CPU (a
planted learning-rate spike and data-loader stall found, and the stop policy applied; a clean run
finds nothing), their findings in the report and in MLflow."""

from __future__ import annotations

import csv
import json
import math
import random
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml
from pydantic import ValidationError

from claimvlm.training import loop
from claimvlm.training.anomaly import (
    DETECTORS,
    JOB,
    PUSHED_METRICS,
    AnomalyMonitor,
    Finding,
    GradNormDrift,
    LoaderStall,
    LossSpike,
    Plateau,
    Series,
    ThroughputDrop,
    build_detectors,
)
from claimvlm.training.params import (
    AnomalyKind,
    AnomalyParams,
    GradNormDriftParams,
    LoaderStallParams,
    LossSpikeParams,
    PlateauParams,
    ThroughputDropParams,
    TrainParams,
)

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Step:  # what the monitor reads of a StepLog
    step: int
    loss: float = 1.0
    lr: float = 1e-3
    grad_norm: float = 1.0
    samples: int = 2
    seconds: float = 0.2
    data_seconds: float = 0.01


def steps(n: int, **columns: list[float]) -> list[Step]:
    return [Step(i + 1, **{k: v[i] for k, v in columns.items()}) for i in range(n)]


def firing(detector: Any, series: list[Step]) -> list[int]:
    """The steps at which the detector fires, fed the series one step at a time."""
    return [s.step for i, s in enumerate(series) if detector(Series.of(series[:i + 1])) is not None]


def noisy_decay(n: int, seed: int = 0, noise: float = 0.1) -> list[float]:
    """A training-like loss: 7 -> ~2.5, times lognormal noise of ``noise``."""
    r = random.Random(seed)
    return [(2.5 + 4.5 * math.exp(-i / 15)) * math.exp(r.gauss(0, noise)) for i in range(n)]


# ---------------------------------------------------------------- detectors


def test_loss_spike_fires_on_a_spike_and_not_on_noise() -> None:
    detector = LossSpike(window=20, k=6.0, min_rel=0.1, warmup=10)
    for seed in range(5):  # noisy runs, quiet
        assert firing(detector, steps(120, loss=noisy_decay(120, seed))) == []
    loss = noisy_decay(120)
    loss[60] *= 3  # step 61
    assert firing(detector, steps(120, loss=loss)) == [61]
    found = detector(Series.of(steps(61, loss=loss[:61])))
    assert found is not None and found.kind == "loss_spike" and found.step == 61
    assert found.value > 1.5 * found.threshold > 0  # well above, not at the edge
    assert "step 61" in found.message


def test_loss_spike_waits_for_its_warmup_and_has_a_floor_on_a_flat_loss() -> None:
    detector = LossSpike(window=20, k=6.0, min_rel=0.1, warmup=10)
    early = [7.0, 6.5, 6.0, 30.0, 5.5, 5.2, 5.0, 4.9]  # a spike during warm-up is not judged
    assert firing(detector, steps(len(early), loss=early)) == []
    flat = [2.0] * 40  # MAD 0: the floor (min_rel x median) keeps small bumps quiet ...
    flat[30] = 2.2
    assert firing(detector, steps(40, loss=flat)) == []
    flat[30] = 4.0  # ... and big ones loud
    assert firing(detector, steps(40, loss=flat)) == [31]


def test_plateau_fires_only_after_n_flat_steps() -> None:
    detector = Plateau(window=10, steps=30, min_improvement=0.01)
    r = random.Random(1)
    flat = [3.0 + r.gauss(0, 0.01) for _ in range(80)]
    fired = firing(detector, steps(80, loss=flat))
    assert fired and fired[0] == 40  # window + steps: not one step earlier
    assert firing(detector, steps(80, loss=noisy_decay(80, noise=0.02))) == []  # still improving
    # Improving for 50 steps, flat after: found once the flat stretch covers about window + steps
    # (the ramp's last few steps are within min_improvement of the flat).
    improving_then_flat = [6.0 - 0.06 * i for i in range(50)] + [3.0] * 60
    first = firing(detector, steps(110, loss=improving_then_flat))[0]
    assert 50 + 30 <= first <= 50 + 10 + 30


def test_grad_norm_drift_fires_on_growth_not_on_noise_or_a_blip() -> None:
    detector = GradNormDrift(window=10, factor=3.0, warmup=5)
    r = random.Random(2)
    steady = [1.0 * math.exp(r.gauss(0, 0.3)) for _ in range(80)]
    assert firing(detector, steps(80, grad_norm=steady)) == []
    blip = list(steady)
    blip[40:43] = [50.0, 80.0, 60.0]  # three wild steps: the medians do not move
    assert firing(detector, steps(80, grad_norm=blip)) == []
    drifting = steady[:40] + [x * 6 for x in steady[40:]]  # the grad norm settles 6x higher
    fired = firing(detector, steps(80, grad_norm=drifting))
    assert fired and 41 <= fired[0] <= 50
    # Early large norms (warm-up) are never the baseline; skipped fp16 steps (inf) are ignored.
    assert firing(detector, steps(30, grad_norm=[math.inf if i % 4 == 0 else 1.0 for i in range(30)])) == []


def test_throughput_drop_needs_patience_and_ignores_the_warmup() -> None:
    detector = ThroughputDrop(window=10, fraction=0.5, patience=3, warmup=5)
    r = random.Random(3)
    seconds = [2.0] * 5 + [0.2 * math.exp(r.gauss(0, 0.1)) for _ in range(55)]  # slow set-up, then steady
    assert firing(detector, steps(60, seconds=seconds)) == []
    one_slow = list(seconds)
    one_slow[30] = 2.0
    assert firing(detector, steps(60, seconds=one_slow)) == []
    slowed = seconds[:40] + [1.0] * 20  # samples/s down to a fifth from step 41
    fired = firing(detector, steps(60, seconds=slowed))
    assert fired and fired[0] == 43  # the third slow step in a row
    found = detector(Series.of(steps(43, seconds=slowed[:43])))
    assert found is not None and found.value < found.threshold


def test_loader_stall_on_a_long_wait_or_a_loop_waiting_for_input() -> None:
    detector = LoaderStall(seconds=30.0, share=0.9, patience=5, warmup=1)
    data = [0.01] * 30
    data[20] = 45.0
    assert firing(detector, steps(30, data_seconds=data, seconds=[d + 0.2 for d in data])) == [21]
    data[0] = 45.0  # the first step (pages read for the first time) is not judged
    data[20] = 0.01
    assert firing(detector, steps(30, data_seconds=data, seconds=[d + 0.2 for d in data])) == []
    bound = [0.01] * 10 + [0.95] * 4 + [0.01] * 6 + [0.95] * 10  # 95 % of a 1 s step waiting for data
    fired = firing(detector, steps(30, data_seconds=bound, seconds=[1.0] * 30))
    assert fired and fired[0] == 25  # 4 in a row are not enough, the fifth is


def test_detectors_are_built_from_params_by_name() -> None:
    kinds = set(get_args(AnomalyKind))
    assert set(DETECTORS) == kinds == {k for k in AnomalyParams.model_fields if k in kinds}
    built = build_detectors(AnomalyParams())
    assert set(built) == kinds and all(d.kind == k for k, d in built.items())
    params = AnomalyParams(loss_spike=LossSpikeParams(window=7, k=2.5), plateau=PlateauParams(enabled=False))
    built = build_detectors(params)
    assert "plateau" not in built and built["loss_spike"] == LossSpike(window=7, k=2.5, min_rel=0.1, warmup=10)
    with pytest.raises(ValidationError, match="disabled"):
        AnomalyParams(policy="stop", stop_on=("plateau",), plateau=PlateauParams(enabled=False))
    AnomalyParams(policy="log", stop_on=("plateau",), plateau=PlateauParams(enabled=False))  # nothing to stop
    with pytest.raises(ValidationError):
        AnomalyParams(stop_on=("nonsense",))  # type: ignore[arg-type]
    assert TrainParams().anomaly == AnomalyParams()


# ---------------------------------------------------------------- the monitor


def _spiky(n: int = 60, at: tuple[int, ...] = (40, 41, 42)) -> list[Step]:
    loss = noisy_decay(n)
    for i in at:
        loss[i - 1] *= 4
    return steps(n, loss=loss)


def test_monitor_keeps_one_finding_per_episode_and_applies_the_policy() -> None:
    logged = AnomalyMonitor(AnomalyParams())
    for s in _spiky():
        logged.observe(s)
    assert [(f.kind, f.step, f.stop) for f in logged.findings] == [("loss_spike", 40, False)]
    assert logged.fired["loss_spike"] == 3 and logged.stop is None and logged.stop_reason is None
    assert logged.summary() == {"loss_spike": {"first_step": 40, "findings": 1, "steps": 3}}

    stopping = AnomalyMonitor(AnomalyParams(policy="stop"))
    new = [f for s in _spiky() for f in stopping.observe(s)]
    assert new == stopping.findings and new[0].stop
    assert stopping.stop == new[0] and "loss_spike at step 40" in str(stopping.stop_reason)
    json.dumps(stopping.report())  # anomalies.json

    not_listed = AnomalyMonitor(AnomalyParams(policy="stop", stop_on=("grad_norm_drift",)))
    for s in _spiky():
        not_listed.observe(s)
    assert not_listed.findings and not_listed.stop is None  # found, but not a stopping kind


def test_two_episodes_and_a_replay_give_the_same_findings() -> None:
    series = _spiky(90, at=(40, 70))
    live = AnomalyMonitor(AnomalyParams())
    for s in series:
        live.observe(s)
    assert [f.step for f in live.findings] == [40, 70]
    resumed = AnomalyMonitor(AnomalyParams())
    resumed.replay(series[:55])  # a run resumed from its step-55 checkpoint
    for s in series[55:]:
        resumed.observe(s)
    assert resumed.findings == live.findings and resumed.summary() == live.summary()


def test_the_monitor_looks_back_a_bounded_window() -> None:
    monitor = AnomalyMonitor(AnomalyParams())
    for s in steps(500, loss=noisy_decay(500)):
        monitor.observe(s)
    depth = max(d.lookback for d in monitor.detectors.values())
    assert all(len(col) == depth < 500 for col in monitor._cols.values())


# ---------------------------------------------------------------- Prometheus


def test_pushes_carry_the_metrics_the_rules_use() -> None:
    pushes: list[tuple[str, bytes]] = []

    def handler(url: str, method: str, timeout: Any, headers: Any, data: bytes) -> Any:
        return lambda: pushes.append((url, data))

    params = AnomalyParams(pushgateway="pushgateway:9091", push_every=10)
    monitor = AnomalyMonitor(params, push=True, push_handler=handler)
    for s in _spiky(60, at=(45,)):
        monitor.observe(s)
    monitor.finish()
    # Steps 10..60 every 10, the finding at 45 at once, the end.
    assert len(pushes) == 6 + 1 + 1
    assert all(f"/metrics/job/{JOB}/instance/" in url for url, _ in pushes)
    last = pushes[-1][1].decode()
    names = set(re.findall(r"^(claimvlm_train_\w+)", last, re.M))
    assert names == set(PUSHED_METRICS)
    assert re.search(r'^claimvlm_train_anomalies\{kind="loss_spike"\} 1\.0$', last, re.M)
    assert re.search(r"^claimvlm_train_running 0\.0$", last, re.M)  # the end is pushed
    assert re.search(r"^claimvlm_train_step 60\.0$", last, re.M)
    assert AnomalyMonitor(params, push=False)._pusher is None  # only the main process pushes

    def unreachable(*_a: Any, **_k: Any) -> Any:
        raise OSError("connection refused")

    failing = AnomalyMonitor(params, push=True, push_handler=unreachable)
    for s in steps(30):
        failing.observe(s)  # logged, never raised: monitoring does not stop training
    assert failing._pusher is not None and failing._pusher.failed == 3


def test_training_alert_rules_use_only_pushed_metrics() -> None:
    rules_file = ROOT / "infra" / "prometheus" / "training-alerts.yml"
    rules = [r for g in yaml.safe_load(rules_file.read_text(encoding="utf-8"))["groups"] for r in g["rules"]]
    assert {r["alert"] for r in rules} >= {"ClaimvlmTrainingAnomaly", "ClaimvlmTrainingStoppedByAnomaly",
                                           "ClaimvlmTrainingStale"}
    pushgateway_own = {"push_time_seconds": ("gauge", ())}  # the Pushgateway adds it per group
    for rule in rules:
        expr = str(rule["expr"])
        assert expr.count("(") == expr.count(")"), rule["alert"]
        assert rule["labels"]["severity"] in ("warning", "critical") and rule["annotations"]["summary"]
        for name, matchers in re.findall(r"\b((?:claimvlm_train|push_time)_\w+)(?:\{([^}]*)\})?", expr):
            known = {**PUSHED_METRICS, **pushgateway_own}
            assert name in known, f"{rule['alert']}: {name} is not pushed"
            for label, value in re.findall(r'(\w+)\s*=~?\s*"([^"]*)"', matchers):
                assert label in {"job", "instance", *known[name][1]}, f"{rule['alert']}: {name} has no {label}"
                assert label != "job" or value == JOB
        for grouping in re.findall(r"\bon\s*\(([^)]*)\)", expr):
            assert {g.strip() for g in grouping.split(",")} <= {"job", "instance"}
        for var in re.findall(r"\$labels\.(\w+)", json.dumps(rule["annotations"])):
            assert var in {"job", "instance", "kind"}
    # Loaded exactly when the stack has a Pushgateway to scrape (it has none: the documented
    # alternative is the MLflow tags and the training report).
    prometheus = yaml.safe_load((ROOT / "infra" / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    compose = yaml.safe_load((ROOT / "infra" / "docker-compose.yml").read_text(encoding="utf-8"))
    has_gateway = any("pushgateway" in str(svc.get("image", "")) for svc in compose["services"].values())
    assert ("training-alerts.yml" in prometheus.get("rule_files", [])) == has_gateway
    assert "MLflow" in rules_file.read_text(encoding="utf-8")


# ---------------------------------------------------------------- real short runs

# Short-run detector settings (the defaults look back 20-50 steps, longer than these runs);
# loader_stall.seconds 1.0 sits far above the ~0.01-0.1 s a tiny step waits for its batch.
SHORT = AnomalyParams(policy="stop", loss_spike=LossSpikeParams(window=10, warmup=5),
                      plateau=PlateauParams(window=5, steps=10),
                      grad_norm_drift=GradNormDriftParams(window=5, warmup=3),
                      throughput_drop=ThroughputDropParams(), loader_stall=LoaderStallParams(seconds=1.0))
MAX_STEPS, SPIKE_AT, SPIKE_X, STALL_AT, STALL_S = 20, (12, 13, 14), 200.0, 4, 2.0


def _run(tiny: Path, records: list[dict[str, Any]], mp: pytest.MonkeyPatch, *, plant: bool) -> dict[str, Any]:
    from claimvlm.dataset.reader import examples_from
    from claimvlm.model.source import load
    from claimvlm.training.data import Batches
    from claimvlm.training.methods import apply_method
    from tests.training.tiny_data import PIXELS, stand_in_page

    model, processor = load(str(tiny), **PIXELS)
    params = TrainParams(method="full", max_steps=MAX_STEPS, batch_size=2, learning_rate=1e-3, warmup_steps=3,
                         anomaly=SHORT)
    model = apply_method(model, params)
    batches = Batches(examples_from(records[:8], [stand_in_page(i) for i in range(8)]), processor,
                      batch_size=2, seed=0)
    if plant:
        step_fn, get = loop._step, batches.get

        def spiked(model: Any, batches: Any, params: Any, acc: Any, optimizer: Any, *rest: Any) -> loop.StepLog:
            step = rest[-1]
            if step in SPIKE_AT:  # the optimizer's lr x SPIKE_X for this step (the schedule resets it after)
                for group in optimizer.param_groups:
                    group["lr"] *= SPIKE_X
            log = step_fn(model, batches, params, acc, optimizer, *rest)
            return loop.StepLog(**{**asdict(log), "lr": log.lr * SPIKE_X}) if step in SPIKE_AT else log

        def stalled(micro: int, *a: Any) -> Any:
            if micro == STALL_AT - 1:  # step STALL_AT's batch (grad_accum 1)
                time.sleep(STALL_S)
            return get(micro, *a)

        mp.setattr(loop, "_step", spiked)
        mp.setattr(batches, "get", stalled)
    seen: list[Finding] = []
    out = loop.run_training(model, batches, params, on_anomaly=seen.append)
    return {"outcome": out, "seen": seen}


@pytest.fixture(scope="module")
def one_thread() -> Any:
    """One intra-op thread: on a busy shared CPU a tiny model's step is several times faster so."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def planted(tiny: Path, records: list[dict[str, Any]], one_thread: None) -> dict[str, Any]:
    with pytest.MonkeyPatch.context() as mp:
        return _run(tiny, records, mp, plant=True)


@pytest.fixture(scope="module")
def clean(tiny: Path, records: list[dict[str, Any]], one_thread: None) -> dict[str, Any]:
    with pytest.MonkeyPatch.context() as mp:
        return _run(tiny, records, mp, plant=False)


def test_a_clean_run_finds_nothing(clean: dict[str, Any]) -> None:
    out = clean["outcome"]
    print("clean:", [(x.step, round(x.loss, 3), round(x.grad_norm, 3), round(x.data_seconds, 3)) for x in out.logs])
    assert out.anomalies == [] and clean["seen"] == []
    assert len(out.logs) == MAX_STEPS and not out.stopped_early and out.stop_reason is None
    assert out.anomaly_report["summary"] == {} and out.anomaly_report["policy"] == "stop"
    assert all(0 < x.data_seconds < x.seconds for x in out.logs)  # the loader's wait is measured


def test_a_planted_lr_spike_is_found_and_stops_the_run(planted: dict[str, Any]) -> None:
    out = planted["outcome"]
    print("planted:", [(x.step, round(x.loss, 3), round(x.grad_norm, 3)) for x in out.logs], out.stop_reason)
    kinds = {f.kind: f for f in out.anomalies}
    assert planted["seen"] == out.anomalies  # reported as they happened, in order
    assert "loss_spike" in kinds or "grad_norm_drift" in kinds
    stop = kinds.get("loss_spike") or kinds["grad_norm_drift"]
    # The spiked updates start at step 12: their effect shows in the loss from step 13 on.
    assert SPIKE_AT[0] < stop.step <= SPIKE_AT[-1] + 3 and stop.stop and stop.value > stop.threshold
    before = out.logs[SPIKE_AT[0] - 2]  # step 11, the last clean one
    # A real spike, found whether at its first step (loss ~1.9x) or its second (~3x):
    assert stop.value > 1.5 * (before.loss if stop.kind == "loss_spike" else before.grad_norm)
    assert all(x.lr > 50 * before.lr for x in out.logs if x.step in SPIKE_AT)
    # The policy ended the run after the finding's step, cleanly, with the reason.
    assert out.stopped_early and [x.step for x in out.logs][-1] == stop.step < MAX_STEPS
    assert out.stop_reason is not None and f"{stop.kind} at step {stop.step}" in out.stop_reason
    assert out.anomaly_report["stop_reason"] == out.stop_reason


def test_a_planted_loader_stall_is_found_without_stopping(planted: dict[str, Any]) -> None:
    out = planted["outcome"]
    stall = [f for f in out.anomalies if f.kind == "loader_stall"]
    assert [f.step for f in stall] == [STALL_AT] and not stall[0].stop  # not a stop_on kind
    assert out.logs[STALL_AT - 1].data_seconds >= STALL_S > SHORT.loader_stall.seconds


def test_findings_reach_the_report_and_mlflow(planted: dict[str, Any], tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from mlflow.tracking import MlflowClient

    from claimvlm.model.params import TrackingParams
    from claimvlm.model.tracking import RunLogger
    from claimvlm.training.stage import log_anomalies, write_reports

    out = planted["outcome"]
    first = {f.kind: f.step for f in reversed(out.anomalies)}
    reports = tmp_path / "reports"
    write_reports(reports, out, {"steps": len(out.logs)})
    metrics = json.loads((reports / "metrics.json").read_text())
    assert metrics["stop_reason"] == out.stop_reason
    assert {k: v["first_step"] for k, v in metrics["anomalies"].items()} == first
    with (reports / "steps.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {int(r["step"]): r["anomaly"] for r in rows if r["anomaly"]} == {
        step: " ".join(f.kind for f in out.anomalies if f.step == step) for step in {f.step for f in out.anomalies}}
    assert float(rows[STALL_AT - 1]["data_seconds"]) >= STALL_S
    assert (reports / "loss.png").stat().st_size > 1000

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    tracking = TrackingParams(uri=f"sqlite:///{tmp_path}/mlflow.db", artifact_root=str(tmp_path / "artifacts"))
    with RunLogger(tracking, run_name="anomaly-test") as logger:
        log_anomalies(out)
    client = MlflowClient(f"sqlite:///{tmp_path}/mlflow.db")
    tags = client.get_run(logger.run_id).data.tags
    assert {k: int(v) for k, v in tags.items() if k.startswith("anomaly.") and k != "anomaly.stop_reason"} == {
        f"anomaly.{k}": v for k, v in first.items()}
    assert tags["anomaly.stop_reason"] == out.stop_reason
    logged = json.loads(Path(client.download_artifacts(logger.run_id, "anomalies.json", str(tmp_path))).read_text())
    assert logged == json.loads(json.dumps(out.anomaly_report))
