"""A small training loop (no Trainer): AdamW, linear warmup/decay, clipping, accumulation, guards,
checkpoints, validation loss and early stopping; one process or many through accelerate.

Each :class:`StepLog` is one optimizer step (``grad_accum`` micro-batches of ``batch_size`` on
every process). The loop stops with :class:`TrainingDiverged` at the first non-finite loss or
exploding grad norm, and turns an out-of-memory error into :class:`OutOfMemory` naming the knobs
that reduce memory. SIGTERM (a pre-empted node) finishes the step, checkpoints and raises
:class:`Preempted`; ``--resume`` then continues where it stopped. After every step the anomaly
monitor (claimvlm.training.anomaly, ``train.anomaly``) looks at the series so far; with policy
"stop" a stopping finding ends the run after that step like early stopping does (validated,
checkpointed, ``Outcome.stop_reason`` set), without an exception.
"""

from __future__ import annotations

import math
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from claimvlm.dataset.reader import DataError, examples_from
from claimvlm.errors import ClaimvlmError
from claimvlm.model.source import IGNORE_INDEX
from claimvlm.training import checkpoint
from claimvlm.training.anomaly import AnomalyMonitor, Finding
from claimvlm.training.data import Batches
from claimvlm.training.methods import MethodError, thaw_schedule
from claimvlm.training.params import TrainParams


class TrainingDiverged(ClaimvlmError, RuntimeError):
    """The loss became non-finite or the gradients exploded."""


class OutOfMemory(ClaimvlmError, RuntimeError):
    """The device ran out of memory; the message lists what reduces memory."""


class Preempted(ClaimvlmError, RuntimeError):
    """SIGTERM arrived; a checkpoint of the last finished step was written."""


@dataclass(frozen=True)
class StepLog:
    step: int  # 1-based optimizer step
    loss: float  # mean over the step's micro-batches
    lr: float  # the learning rate this step used
    grad_norm: float  # total norm before clipping
    samples: int  # examples in the step, all processes
    tokens: int  # non-padding input tokens in the step, all processes
    seconds: float = 0.0  # wall time of the step
    data_seconds: float = 0.0  # of which waiting for batches (read, augment, encode, to device); mean of processes
    ids: tuple[str, ...] = ()  # the examples this process saw, in order
    val_loss: float | None = None  # validation loss after this step, when evaluated


@dataclass
class Outcome:
    logs: list[StepLog]
    best_step: int | None = None  # the step whose weights the model holds at the end, if validated
    best_val_loss: float | None = None
    stopped_early: bool = False
    resumed_at: int = 0  # the checkpoint step this run continued from (0: a fresh start)
    world_size: int = 1
    history: list[dict[str, float]] = field(default_factory=list)  # validation evaluations
    rank_checksums: list[str] = field(default_factory=list)  # one per process: equal when in sync
    anomalies: list[Finding] = field(default_factory=list)  # the anomaly monitor's findings, in order
    anomaly_report: dict[str, Any] = field(default_factory=dict)  # AnomalyMonitor.report(): anomalies.json
    stop_reason: str | None = None  # set when train.anomaly's policy stopped the run


_DIVERGED_HINT = ("try a lower train.learning_rate, gradient clipping (train.max_grad_norm, e.g. 1.0), "
                  "a warmup (train.warmup_steps), and train.precision fp32 or bf16 instead of fp16")
_OOM_HINT = ("reduce memory with a smaller train.batch_size (raise train.grad_accum to keep the "
             "effective batch), a smaller train.max_pixels (fewer image tokens), "
             "train.gradient_checkpointing=true, or train.method qlora (CUDA) / lora instead of full")


def _is_oom(err: BaseException) -> bool:
    return isinstance(err, torch.OutOfMemoryError) or (
        isinstance(err, RuntimeError) and "out of memory" in str(err).lower())


def _optimizer(model: nn.Module, params: TrainParams) -> torch.optim.Optimizer:
    # Method "freeze" may thaw parts later: they must be in the optimizer from the start
    # (AdamW skips parameters whose grad is None, so frozen ones cost nothing until then).
    schedule = params.method == "freeze" and bool(params.freeze.unfreeze_at)
    seen: set[int] = set()
    decay, no_decay = [], []
    for p in model.parameters():
        if id(p) in seen or not (p.requires_grad or schedule):
            continue
        seen.add(id(p))
        (decay if p.ndim >= 2 else no_decay).append(p)  # no decay on norms and biases
    groups = [{"params": decay, "weight_decay": params.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW([g for g in groups if g["params"]], lr=params.learning_rate)


def _accelerator(params: TrainParams) -> Any:
    from accelerate import Accelerator
    from accelerate.state import AcceleratorState

    cuda = torch.cuda.is_available()
    if params.precision == "fp16" and not cuda:
        raise MethodError("train.precision fp16 needs CUDA; use fp32 or bf16 on a CPU")
    # AcceleratorState is a process-wide singleton that refuses a second mixed_precision: forget the
    # previous run's (the distributed PartialState stays), so runs in one process can differ.
    AcceleratorState._reset_state()
    mixed = {"fp32": "no", "bf16": "bf16", "fp16": "fp16"}[params.precision]
    return Accelerator(cpu=not cuda, mixed_precision=mixed, gradient_accumulation_steps=params.grad_accum)


def _checkpointing(model: nn.Module) -> None:
    if hasattr(model, "activation_checkpointing_enable"):  # transformers >= 5.x name
        model.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": False})
    else:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    if hasattr(model, "config"):
        model.config.use_cache = False


def validation_loss(model: nn.Module, val: Batches, accelerator: Any) -> float:
    """Mean loss per answer token over the validation set (split across processes)."""
    model.eval()
    total = torch.zeros(2, dtype=torch.float64, device=accelerator.device)
    with torch.no_grad():
        for i, (_ids, batch) in enumerate(val.fixed()):
            if i % accelerator.num_processes != accelerator.process_index:
                continue
            batch = {k: v.to(accelerator.device) for k, v in batch.items()}
            with accelerator.autocast():
                loss = model(**batch).loss
            n = int((batch["labels"][:, 1:] != IGNORE_INDEX).sum())  # the shifted targets the loss averages
            total += torch.tensor([float(loss) * n, n], dtype=torch.float64, device=accelerator.device)
    model.train()
    total = accelerator.reduce(total, reduction="sum")
    return float(total[0] / total[1]) if total[1] else float("nan")


class _Sigterm:
    """Turns SIGTERM into a flag the loop checks between steps (main thread only)."""

    def __init__(self) -> None:
        self.hit = False
        self._old: Any = None

    def __enter__(self) -> _Sigterm:
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGTERM, self._on)
        return self

    def _on(self, *_: Any) -> None:
        self.hit = True

    def __exit__(self, *_: object) -> None:
        if self._old is not None:
            signal.signal(signal.SIGTERM, self._old)


def run_training(model: nn.Module, batches: Batches, params: TrainParams, *,
                 val: Batches | None = None, checkpoint_dir: Path | None = None, resume: bool = False,
                 on_step: Callable[[StepLog], None] | None = None,
                 on_anomaly: Callable[[Finding], None] | None = None) -> Outcome:
    """Train up to ``params.max_steps`` optimizer steps; the model is updated in place.

    ``checkpoint_dir`` enables checkpoints every ``params.checkpoint_every`` steps and at the end;
    ``resume`` continues from the newest complete one there (same steps, samples, order and
    losses as an uninterrupted run). With ``val``, the validation loss is computed every
    ``params.eval_every`` steps and at the end, early stopping applies, and the model ends with
    the weights of the best evaluation. ``on_step`` runs on the main process after every step,
    ``on_anomaly`` there for every new anomaly finding (before ``on_step`` of its step).
    """
    from transformers import get_linear_schedule_with_warmup

    accelerator = _accelerator(params)
    torch.manual_seed(params.seed)
    if params.gradient_checkpointing:
        _checkpointing(model)
    optimizer = _optimizer(model, params)
    scheduler = get_linear_schedule_with_warmup(optimizer, params.warmup_steps, params.max_steps)
    model, optimizer, scheduler = accelerator.prepare(model, optimizer, scheduler)
    # In the model's own order: accelerate's FSDP clipping compares this list with the model's.
    owned = {id(p) for group in optimizer.param_groups for p in group["params"]}
    trainable = [p for p in model.parameters() if id(p) in owned]
    out = Outcome(logs=[], world_size=accelerator.num_processes)
    bad_evals, best_weights = 0, None
    found = checkpoint.latest(checkpoint_dir) if (resume and checkpoint_dir is not None) else None
    if found is not None:
        state = checkpoint.load(found, accelerator=accelerator, model=model, optimizer=optimizer, scheduler=scheduler)
        out.resumed_at = int(state["step"])
        out.logs = [StepLog(**{**d, "ids": tuple(d["ids"])}) for d in state["logs"]]
        out.history, bad_evals = state["history"], int(state["bad_evals"])
        out.best_step, out.best_val_loss = state["best_step"], state["best_val_loss"]
        out.stopped_early = bool(state["stopped_early"])
    monitor = AnomalyMonitor(params.anomaly, push=accelerator.is_main_process)
    monitor.replay(out.logs)  # the detectors are pure in the series: the same findings again
    anomaly_stopped = monitor.stop is not None

    def save(step: int) -> None:
        if checkpoint_dir is not None:
            state = {"logs": [asdict(x) for x in out.logs], "history": out.history, "bad_evals": bad_evals,
                     "best_step": out.best_step, "best_val_loss": out.best_val_loss,
                     "stopped_early": out.stopped_early, "world_size": accelerator.num_processes}
            checkpoint.save(checkpoint_dir, step, accelerator=accelerator, model=model, optimizer=optimizer,
                            scheduler=scheduler, state=state, keep=params.keep_checkpoints)

    model.train()
    step = out.resumed_at
    with _Sigterm() as sigterm:
        while step < params.max_steps and not out.stopped_early:
            step += 1
            log = _step(model, batches, params, accelerator, optimizer, scheduler, trainable, step)
            found = monitor.observe(log)
            if on_anomaly is not None and accelerator.is_main_process:
                for finding in found:
                    on_anomaly(finding)
            stop = _anomaly_stop(monitor, accelerator)
            anomaly_stopped = anomaly_stopped or stop
            if val is not None and (step % params.eval_every == 0 or step == params.max_steps or stop):
                loss = validation_loss(model, val, accelerator)
                log = StepLog(**{**asdict(log), "val_loss": loss})
                out.history.append({"step": step, "val_loss": loss})
                if out.best_val_loss is None or loss < out.best_val_loss - params.early_stopping_min_delta:
                    out.best_step, out.best_val_loss, bad_evals = step, loss, 0
                    if checkpoint_dir is None:  # kept in memory; else on disk (save_best)
                        best_weights = checkpoint.owned_state(accelerator.unwrap_model(model), optimizer)
                    else:
                        checkpoint.save_best(checkpoint_dir, model, optimizer, accelerator=accelerator,
                                             meta={"step": step, "val_loss": loss})
                else:
                    bad_evals += 1
                    out.stopped_early = 0 < params.early_stopping_patience <= bad_evals
            if stop:
                out.stopped_early = True
            out.logs.append(log)
            if on_step is not None and accelerator.is_main_process:
                on_step(log)
            if step % params.checkpoint_every == 0 or step == params.max_steps or out.stopped_early or sigterm.hit:
                save(step)
            if sigterm.hit:
                raise Preempted(f"SIGTERM: stopped after step {step}, checkpoint written; continue with --resume")
    monitor.finish()
    out.anomalies, out.anomaly_report = list(monitor.findings), monitor.report()
    if anomaly_stopped:
        out.stop_reason = monitor.stop_reason or "an anomaly found on another process (train.anomaly.policy stop)"
    accelerator.wait_for_everyone()  # the main process's best/ is complete before anyone reads it
    if out.best_step is not None and (not out.logs or out.best_step != out.logs[-1].step):
        if best_weights is None and checkpoint_dir is not None:
            best_weights = torch.load(Path(checkpoint_dir) / checkpoint.BEST / "weights.pt", weights_only=True)
        if best_weights is not None:
            checkpoint.restore_weights(accelerator.unwrap_model(model), best_weights)
    out.rank_checksums = _rank_checksums(model, optimizer, accelerator)
    return out


def _anomaly_stop(monitor: AnomalyMonitor, accelerator: Any) -> bool:
    """Whether the anomaly policy stops the run now, decided alike on every process (a timing
    finding may come on one process only)."""
    if not monitor.stop_on:
        return False
    stop = monitor.stop is not None
    if accelerator.num_processes > 1:
        flag = torch.tensor([float(stop)], device=accelerator.device)
        stop = bool(accelerator.reduce(flag, reduction="sum").item() > 0)
    return stop


def _rank_checksums(model: nn.Module, optimizer: Any, accelerator: Any) -> list[str]:
    """Every process's digest of the trained weights; processes that drifted apart are a bug
    (a missed gradient all-reduce), never something to save silently."""
    import hashlib

    from accelerate.utils import gather_object

    digest = hashlib.sha256()
    for name, value in sorted(checkpoint.owned_state(accelerator.unwrap_model(model), optimizer).items()):
        digest.update(name.encode())
        digest.update(value.float().numpy().tobytes())
    sums = gather_object([digest.hexdigest()]) if accelerator.num_processes > 1 else [digest.hexdigest()]
    if len(set(sums)) > 1:
        raise RuntimeError(f"the {len(sums)} processes ended with different weights ({sums}): gradients were "
                           "not synchronised; check the accelerate/torchrun launch")
    return list(sums)


def _step(model: nn.Module, batches: Batches, params: TrainParams, accelerator: Any, optimizer: Any,
          scheduler: Any, trainable: list[nn.Parameter], step: int) -> StepLog:
    """One optimizer step: ``grad_accum`` micro-batches, clipping, the guards."""
    started = time.perf_counter()
    thaw_schedule(accelerator.unwrap_model(model), params, step)
    lr = float(scheduler.get_last_lr()[0])
    fp16 = params.precision == "fp16"
    losses, ids, samples, tokens, grad_norm, waited = [], [], 0, 0, 0.0, 0.0
    try:
        for k in range(params.grad_accum):
            micro = (step - 1) * params.grad_accum + k
            asked = time.perf_counter()
            keys, batch = batches.get(micro, accelerator.process_index, accelerator.num_processes)
            batch = {name: v.to(accelerator.device) for name, v in batch.items()}
            waited += time.perf_counter() - asked
            if not bool((batch["labels"] != IGNORE_INDEX).any()):
                raise DataError("a batch has no supervised (answer) tokens: check the records' assistant turns")
            with accelerator.accumulate(model), accelerator.autocast():
                loss = model(**batch).loss
                value = float(loss.detach())
                if not math.isfinite(value):
                    raise TrainingDiverged(f"non-finite loss {value} at step {step} (lr {lr:.3g}); " + _DIVERGED_HINT)
                accelerator.backward(loss)
                losses.append(value)
                ids += keys
                samples += int(batch["input_ids"].shape[0])
                tokens += int(batch["attention_mask"].sum())
                if accelerator.sync_gradients:
                    grad_norm = float(accelerator.clip_grad_norm_(trainable, params.max_grad_norm))
                    _check_grad_norm(grad_norm, fp16, step, lr, params, trainable)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
    except Exception as err:
        if _is_oom(err):
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            raise OutOfMemory(f"out of memory at step {step} (batch_size {params.batch_size}, "
                              f"max_pixels {params.max_pixels}, method {params.method}, "
                              f"gradient_checkpointing {params.gradient_checkpointing}); {_OOM_HINT}") from err
        raise
    totals = torch.tensor([sum(losses) / len(losses), samples, tokens, waited], dtype=torch.float64,
                          device=accelerator.device)
    totals = accelerator.reduce(totals, reduction="sum")
    world = accelerator.num_processes
    return StepLog(step=step, loss=float(totals[0]) / world, lr=lr, grad_norm=grad_norm,
                   samples=int(totals[1]), tokens=int(totals[2]), seconds=time.perf_counter() - started,
                   data_seconds=float(totals[3]) / world, ids=tuple(ids))


def _check_grad_norm(grad_norm: float, fp16: bool, step: int, lr: float, params: TrainParams,
                     trainable: list[nn.Parameter]) -> None:
    # fp16's grad scaler skips overflowing steps itself (and lowers the scale): an inf norm there is
    # normal now and then; anywhere else it means the run has diverged.
    if (not fp16 and not math.isfinite(grad_norm)) or grad_norm > params.explode_grad_norm:
        raise TrainingDiverged(f"gradient norm {grad_norm:.4g} at step {step} (limit train.explode_grad_norm "
                               f"{params.explode_grad_norm:g}, lr {lr:.3g}); " + _DIVERGED_HINT)
    if grad_norm == 0.0 and any(p.requires_grad for p in trainable):
        # Exactly zero with trainable weights and supervised tokens: saturated activations after
        # a too-large update (what lr 1e6 does), not convergence.
        raise TrainingDiverged(f"gradient norm 0 at step {step} (lr {lr:.3g}): no trainable weight gets a "
                               "gradient any more, the model has saturated; " + _DIVERGED_HINT)


def train_steps(model: nn.Module, processor: Any, records: Sequence[dict[str, Any]], images: Sequence[Any],
                params: TrainParams, *, on_step: Callable[[StepLog], None] | None = None,
                overfit_batch: bool = False) -> list[StepLog]:
    """In-memory convenience (tests, notebooks): train on (record, page image) pairs, no augmentation.

    ``overfit_batch`` trains on the first batch only: a model that cannot drive one batch's loss
    to ~0 has a bug, not a data problem."""
    batches = Batches(examples_from(records, images), processor, batch_size=params.batch_size,
                      seed=params.seed, overfit=overfit_batch)
    return run_training(model, batches, params, on_step=on_step).logs
