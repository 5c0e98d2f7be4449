"""The ``train`` stage: the build stage's dataset in, a packaged model and its MLflow run out.

Layout of ``out`` (paths come from dvc.yaml through the CLI): ``base/`` the tiny base model
when ``train.model`` is "tiny", ``checkpoints/`` (kept across runs for ``--resume``; ``run.json``
there names the run they belong to), ``model/`` the packaged trained model. ``reports`` gets
``metrics.json`` (DVC metrics), ``steps.csv`` (DVC plots), ``loss.png`` and ``run.json`` (the
MLflow run and model URI the evaluation stage reads). Anomaly findings (claimvlm.training.anomaly)
show in all three: ``anomalies`` and ``stop_reason`` in metrics.json, an ``anomaly`` column in
steps.csv, markers on loss.png; in MLflow as tags ``anomaly.<kind>`` (the first step) and the
artifact ``anomalies.json``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import shutil
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import torch

from claimvlm.dataset.reader import DataError, prompt_of, read_split
from claimvlm.model.params import TrackingParams
from claimvlm.model.placement import attention_implementation
from claimvlm.model.source import TinySpec, build_tiny, load, resolve_source
from claimvlm.training import checkpoint
from claimvlm.training.data import Batches
from claimvlm.training.anomaly import Finding
from claimvlm.training.loop import Outcome, StepLog, run_training
from claimvlm.training.methods import apply_method, quantization_config, require_qlora
from claimvlm.training.params import TrainParams

Resume = Literal["never", "auto", "must"]
RUN_FILE = "run.json"


@dataclass(frozen=True)
class TrainResult:
    steps: int
    resumed_at: int
    final_loss: float
    best_step: int | None
    best_val_loss: float | None
    stopped_early: bool
    samples_per_s: float
    tokens_per_s: float
    model_dir: Path
    run_id: str | None
    model_uri: str | None
    stop_reason: str | None = None  # the anomaly that stopped the run (train.anomaly.policy stop)
    anomalies: tuple[Finding, ...] = ()


def _texts(examples: list[Any]) -> list[str]:
    return [c["text"] for ex in examples for m in ex.record["messages"] for c in m["content"]
            if isinstance(c, dict) and c.get("type") == "text"]


def tokenizer_corpus(train_texts: list[str], extra: int, seed: int) -> list[str]:
    """The dataset's text plus ``extra`` generated labels: 200 documents hold too few distinct
    names, places and numbers for a useful vocabulary; generated ones (no real person) widen it."""
    from claimvlm.dataset.records import label_text
    from claimvlm.synthesis.values import GENERATORS

    rng, types = random.Random(seed), sorted(GENERATORS)
    generated = [label_text(GENERATORS[types[i % len(types)]](rng, (2, 8)).model_dump(mode="json"))  # type: ignore[attr-defined]
                 for i in range(extra)]
    return train_texts + generated


def _digest(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def process_state() -> Any:
    """This process's place in a torchrun / accelerate launch (one process when not launched).
    ``cpu=True`` on CPU machines: without it accelerate ignores torchrun's ranks there."""
    from accelerate import PartialState

    return PartialState(cpu=not torch.cuda.is_available())


def _dataset_digest(dataset: Path) -> str:
    return hashlib.sha256((dataset / "card.json").read_bytes()).hexdigest()


def _base(params: TrainParams, train_texts: list[str], out: Path) -> Path:
    """The model folder to fine-tune: the tiny base (built once per dataset text and spec), or
    train.model's folder (a hub id resolves to its cached snapshot; offline it fails here)."""
    base = out / "base"
    if params.model != "tiny":
        source = Path(resolve_source(params.model))
        if process_state().is_main_process:  # base/ records what was tuned (a DVC output either way)
            shutil.rmtree(base, ignore_errors=True)
            base.mkdir(parents=True)
            (base / "claimvlm_base.json").write_text(json.dumps({"source": str(params.model), "path": str(source)}))
        return source
    corpus = tokenizer_corpus(train_texts, params.tokenizer_texts, params.seed)
    spec = TinySpec(seed=params.seed)
    stamp = _digest({"texts": _digest(corpus), "spec": asdict(spec)})
    with process_state().main_process_first():  # rank 0 builds, the others then find it
        marker = base / "claimvlm_base.json"
        if not marker.is_file() or json.loads(marker.read_text()).get("stamp") != stamp:
            shutil.rmtree(base, ignore_errors=True)
            build_tiny(corpus, spec, base)
            (base / "claimvlm_base.json").write_text(json.dumps({"stamp": stamp, "spec": asdict(spec)}))
    return base


def _dtype(params: TrainParams) -> torch.dtype:
    # Full fine-tuning keeps fp32 master weights (autocast does the 16-bit math); adapters and
    # partial training leave the frozen weights in the 16-bit type, halving their memory.
    if params.method == "full" or params.precision == "fp32":
        return torch.float32
    return torch.bfloat16 if params.precision == "bf16" else torch.float16


def prepare(dataset: Path, out: Path, params: TrainParams) -> tuple[Any, Any, Batches, Batches | None, Path]:
    """Load the data, the base model with the method applied, and the batch streams."""
    if params.method == "qlora":
        require_qlora()  # before reading anything
    train = read_split(dataset, "train")
    if not train:
        raise DataError(f"{dataset}: the train split is empty")
    val = read_split(dataset, "val")
    base = _base(params, _texts(train), out)
    quant = quantization_config(params) if params.method == "qlora" else None
    dtype, device = _dtype(params), "cuda" if torch.cuda.is_available() else "cpu"
    attention = attention_implementation(params.attn_implementation, device, dtype)
    model, processor = load(base, min_pixels=params.min_pixels, max_pixels=params.max_pixels, dtype=dtype,
                            quantization_config=quant, attn_implementation=attention)
    model = apply_method(model, params)
    batches = Batches(train, processor, batch_size=params.batch_size, seed=params.seed, augment=params.augment,
                      transcribe=params.transcribe, transcribe_max_lines=params.transcribe_max_lines)
    val_batches = Batches(val, processor, batch_size=params.batch_size, seed=params.seed) if val else None
    return model, processor, batches, val_batches, base


def _code_digest() -> str:
    """The training code's own hash: checkpoints of other code are not resumed (DVC re-runs the
    stage when this code changes, and that run must train with the new code)."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def _run_identity(dataset: Path, params: TrainParams, world: int) -> dict[str, Any]:
    return {"params": _digest(params.model_dump(mode="json")), "dataset": _dataset_digest(dataset), "world": world,
            "code": _code_digest()}


def _start(ckpts: Path, identity: dict[str, Any], resume: Resume) -> dict[str, Any] | None:
    """The earlier run to continue (its run.json), or None to start afresh (old checkpoints cleared)."""
    run_file = ckpts / RUN_FILE
    earlier = json.loads(run_file.read_text()) if run_file.is_file() else None
    usable = earlier is not None and checkpoint.latest(ckpts) is not None
    if resume == "must":
        if not usable:
            raise checkpoint.CheckpointError(f"--resume: no complete checkpoint in {ckpts}")
        if earlier["identity"] != identity:  # type: ignore[index]
            raise checkpoint.CheckpointError(
                f"--resume: the checkpoints in {ckpts} belong to a run with other parameters, dataset, "
                "training code or number of processes; resume with those, or train afresh without --resume")
        return earlier
    if resume == "auto" and usable and earlier["identity"] == identity:  # type: ignore[index]
        return earlier
    return None


def write_reports(reports: Path, outcome: Outcome, result: dict[str, Any]) -> None:
    """metrics.json, steps.csv and loss.png for DVC (`dvc metrics show`, `dvc plots show`); the
    anomaly findings in each (``result`` gets ``anomalies`` and ``stop_reason``)."""
    reports.mkdir(parents=True, exist_ok=True)
    result = {**result, "anomalies": outcome.anomaly_report.get("summary", {}), "stop_reason": outcome.stop_reason}
    (reports / "metrics.json").write_text(json.dumps(result, indent=1, default=str) + "\n", encoding="utf-8")
    at: dict[int, list[str]] = {}
    for finding in outcome.anomalies:
        at.setdefault(finding.step, []).append(finding.kind)
    with (reports / "steps.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["step", "loss", "val_loss", "lr", "grad_norm", "samples", "tokens", "seconds", "data_seconds",
                    "anomaly"])
        for log in outcome.logs:
            w.writerow([log.step, f"{log.loss:.6g}", "" if log.val_loss is None else f"{log.val_loss:.6g}",
                        f"{log.lr:.6g}", f"{log.grad_norm:.6g}", log.samples, log.tokens, f"{log.seconds:.4f}",
                        f"{log.data_seconds:.4f}", " ".join(at.get(log.step, []))])
    plot_losses(outcome.logs, reports / "loss.png", outcome.anomalies, outcome.stop_reason)


def log_anomaly(finding: Finding, seen: set[str]) -> None:
    """One new finding into the active MLflow run, as it happens: tag ``anomaly.<kind>`` = the step
    of the kind's first finding (later ones go into anomalies.json)."""
    import mlflow

    if finding.kind not in seen:
        seen.add(finding.kind)
        mlflow.set_tag(f"anomaly.{finding.kind}", str(finding.step))


def log_anomalies(outcome: Outcome) -> None:
    """All the run's findings into the active MLflow run: anomalies.json, the first-step tags (a
    resumed run's earlier findings too) and ``anomaly.stop_reason`` when the policy stopped it."""
    import mlflow

    seen: set[str] = set()
    for finding in outcome.anomalies:
        log_anomaly(finding, seen)
    if outcome.stop_reason is not None:
        mlflow.set_tag("anomaly.stop_reason", outcome.stop_reason[:5000])
    if outcome.anomaly_report:
        mlflow.log_dict(outcome.anomaly_report, "anomalies.json")


_ANOMALY_COLORS = {"loss_spike": "tab:red", "grad_norm_drift": "tab:purple", "plateau": "tab:gray",
                   "throughput_drop": "tab:olive", "loader_stall": "tab:brown"}


def plot_losses(logs: list[StepLog], path: Path, anomalies: Sequence[Finding] = (),
                stop_reason: str | None = None) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=120)
    ax.plot([x.step for x in logs], [x.loss for x in logs], label="train loss", lw=1)
    evals = [x for x in logs if x.val_loss is not None]
    if evals:
        ax.plot([x.step for x in evals], [x.val_loss for x in evals], "o-", label="validation loss")
    labelled: set[str] = set()
    for finding in anomalies:  # a dashed line at each finding's step, one legend entry per kind
        ax.axvline(finding.step, color=_ANOMALY_COLORS.get(finding.kind, "black"), ls="--", lw=0.8,
                   label=None if finding.kind in labelled else f"anomaly: {finding.kind}")
        labelled.add(finding.kind)
    if stop_reason is not None:
        ax.set_title(stop_reason.split(":")[0], fontsize=8)
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("loss (per answer token)")
    ax.set_yscale("log")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def throughput(logs: list[StepLog]) -> tuple[float, float]:
    """Samples/s and tokens/s over the steps after the first (which pays one-time set-up)."""
    steady = logs[1:] or logs
    seconds = sum(x.seconds for x in steady)
    if not seconds:
        return 0.0, 0.0
    return sum(x.samples for x in steady) / seconds, sum(x.tokens for x in steady) / seconds


def train(dataset: Path, out: Path, reports: Path, params: TrainParams, tracking: TrackingParams, *,
          resume: Resume = "never", repo_root: Path = Path("."), progress: bool = True) -> TrainResult:
    """Fine-tune on ``dataset`` (the build stage's folder); package the model, log the run to MLflow.

    Under torchrun/accelerate launch every process calls this; only the main one logs and writes."""
    from claimvlm.model.package import save_trained
    from claimvlm.model.tracking import RunLogger, lineage_tags

    dataset, out, reports = Path(dataset), Path(out), Path(reports)
    state = process_state()
    main = state.is_main_process
    model, processor, batches, val, base = prepare(dataset, out, params)
    ckpts = out / "checkpoints"
    identity = _run_identity(dataset, params, state.num_processes)
    earlier = _start(ckpts, identity, resume)
    if earlier is None and main:
        shutil.rmtree(ckpts, ignore_errors=True)
        ckpts.mkdir(parents=True)
    state.wait_for_everyone()

    with ExitStack() as stack:
        logger = None
        if main:
            tags = {**lineage_tags(repo_root=repo_root, dataset_dir=dataset,
                                   params_dump=params.model_dump(mode="json")),
                    "stage": "train", "train.method": params.method, "train.base": str(params.model),
                    "prompt.anchoring": prompt_of(dataset).anchoring.mode}
            logger = stack.enter_context(RunLogger(tracking, run_name=f"train-{params.method}", tags=tags,
                                                   run_id=earlier["run_id"] if earlier else None))
            if earlier is None:
                logger.log_params({"train": params.model_dump(mode="json"), "data.train": len(batches.examples),
                                   "data.val": len(val.examples) if val else 0, "world_size": state.num_processes})
                (ckpts / RUN_FILE).write_text(json.dumps({"identity": identity, "run_id": logger.run_id}))
        with _progress(params.max_steps, progress and main) as bar:
            def on_step(log: StepLog) -> None:
                bar.update(log.step - bar.n)
                bar.set_postfix(loss=f"{log.loss:.3f}")
                if logger is not None:
                    logger.log_step(log.step, _step_metrics(log))

            tagged: set[str] = set()

            def on_anomaly(finding: Finding) -> None:
                if not bar.disable:
                    bar.write(f"anomaly: {finding.message}" + (" -> stopping" if finding.stop else ""))
                if logger is not None:
                    log_anomaly(finding, tagged)

            outcome = run_training(model, batches, params, val=val, checkpoint_dir=ckpts,
                                   resume=earlier is not None, on_step=on_step, on_anomaly=on_anomaly)
        samples_s, tokens_s = throughput(outcome.logs)
        result = {"steps": len(outcome.logs), "resumed_at": outcome.resumed_at, "final_loss": outcome.logs[-1].loss,
                  "best_step": outcome.best_step, "best_val_loss": outcome.best_val_loss,
                  "stopped_early": outcome.stopped_early, "samples_per_s": samples_s, "tokens_per_s": tokens_s,
                  "world_size": outcome.world_size, "rank_checksums": outcome.rank_checksums}
        model_dir, run_id, model_uri = out / "model", None, None
        if logger is not None:
            save_trained(model, processor, model_dir, base_dir=base,
                         embed_base_max_mb=tracking.embed_base_max_mb, prompt=prompt_of(dataset))
            write_reports(reports, outcome, result)
            log_anomalies(outcome)
            summary = {"final_loss": result["final_loss"], "train_samples_per_s": samples_s,
                       "train_tokens_per_s": tokens_s}
            if outcome.best_val_loss is not None:
                summary["best_val_loss"] = outcome.best_val_loss
            logger.log_step(outcome.logs[-1].step, summary)
            logger.log_artifacts(reports, "reports")
            model_uri, run_id = logger.log_model(model_dir), logger.run_id
            (reports / RUN_FILE).write_text(json.dumps({"run_id": run_id, "model_uri": model_uri}, indent=1) + "\n")
        state.wait_for_everyone()
    return TrainResult(steps=len(outcome.logs), resumed_at=outcome.resumed_at, final_loss=outcome.logs[-1].loss,
                       best_step=outcome.best_step, best_val_loss=outcome.best_val_loss,
                       stopped_early=outcome.stopped_early, samples_per_s=samples_s, tokens_per_s=tokens_s,
                       model_dir=model_dir, run_id=run_id, model_uri=model_uri, stop_reason=outcome.stop_reason,
                       anomalies=tuple(outcome.anomalies))


def _progress(total: int, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc="train", unit="step", disable=not enabled)


def _step_metrics(log: StepLog) -> dict[str, float]:
    metrics = {"loss": log.loss, "lr": log.lr, "grad_norm": log.grad_norm,
               "samples_per_s": log.samples / log.seconds if log.seconds else 0.0,
               "tokens_per_s": log.tokens / log.seconds if log.seconds else 0.0}
    if log.val_loss is not None:
        metrics["val_loss"] = log.val_loss
    return metrics
