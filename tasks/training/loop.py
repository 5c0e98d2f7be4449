"""A small training loop (no Trainer): AdamW, linear warmup/decay, clipping, accumulation, guards.

Each :class:`StepLog` is one optimizer step (``grad_accum`` micro-batches of ``batch_size``).
The loop stops with :class:`TrainingDiverged` at the first non-finite loss or exploding grad norm,
and turns an out-of-memory error into :class:`OutOfMemory` naming the knobs that reduce memory.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from tasks.config import TrainParams
from tasks.training.methods import thaw_schedule
from tasks.training.model_source import IGNORE_INDEX, collate, encode_example


class TrainingDiverged(RuntimeError):
    """The loss became non-finite or the gradients exploded."""


class OutOfMemory(RuntimeError):
    """The device ran out of memory; the message lists what reduces memory."""


@dataclass(frozen=True)
class StepLog:
    step: int  # 1-based optimizer step
    loss: float  # mean over the step's micro-batches
    lr: float  # the learning rate this step used
    grad_norm: float  # total norm before clipping
    samples: int  # examples in the step
    tokens: int  # non-padding input tokens in the step


_DIVERGED_HINT = ("try a lower train.learning_rate, gradient clipping (train.max_grad_norm, e.g. 1.0), "
                  "a warmup (train.warmup_steps), and train.precision fp32 or bf16 instead of fp16")
_OOM_HINT = ("reduce memory with a smaller train.batch_size (raise train.grad_accum to keep the "
             "effective batch), a smaller train.max_pixels (fewer image tokens), "
             "train.gradient_checkpointing=true, or train.method qlora (CUDA) / lora instead of full")


def _is_oom(err: BaseException) -> bool:
    return isinstance(err, torch.OutOfMemoryError) or (
        isinstance(err, RuntimeError) and "out of memory" in str(err).lower())


def _batches(records: Sequence[dict[str, Any]], images: Sequence[Any], processor: Any, size: int,
             seed: int, overfit: bool) -> Iterator[dict[str, torch.Tensor]]:
    """Endless batches in a seeded order, reshuffled each epoch; the first batch forever if overfit."""
    if len(records) != len(images):
        raise ValueError(f"{len(records)} records but {len(images)} images")
    if not records:
        raise ValueError("no training records")

    def encode(idx: list[int]) -> dict[str, torch.Tensor]:
        return collate([encode_example(processor, records[i], images[i]) for i in idx], processor.pad_id)

    gen = torch.Generator().manual_seed(seed)
    if overfit:
        batch = encode(torch.randperm(len(records), generator=gen)[:size].tolist())
        while True:
            yield batch
    while True:
        order = torch.randperm(len(records), generator=gen).tolist()
        for i in range(0, len(order), size):
            yield encode(order[i:i + size])


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


def train_steps(model: nn.Module, processor: Any, records: Sequence[dict[str, Any]], images: Sequence[Any],
                params: TrainParams, *, on_step: Callable[[StepLog], None] | None = None,
                overfit_batch: bool = False) -> list[StepLog]:
    """Train ``params.max_steps`` optimizer steps on (record, image) pairs; returns one log per step.

    ``on_step`` is called after every step (logging, checkpoints). ``overfit_batch`` trains on the
    first batch only: a model that cannot drive one batch's loss to ~0 has a bug, not a data problem.
    """
    from accelerate import Accelerator
    from accelerate.state import AcceleratorState
    from transformers import get_linear_schedule_with_warmup

    cuda = torch.cuda.is_available()
    if params.precision == "fp16" and not cuda:
        raise ValueError("train.precision fp16 needs CUDA; use fp32 or bf16 on a CPU")
    mixed = {"fp32": "no", "bf16": "bf16", "fp16": "fp16"}[params.precision]
    # AcceleratorState is a process-wide singleton that refuses a second mixed_precision: forget the
    # previous run's (the distributed PartialState stays), so runs in one process can differ.
    AcceleratorState._reset_state()
    accelerator = Accelerator(cpu=not cuda, mixed_precision=mixed, gradient_accumulation_steps=params.grad_accum)
    torch.manual_seed(params.seed)
    if params.gradient_checkpointing:
        if hasattr(model, "activation_checkpointing_enable"):  # transformers >= 5.x name
            model.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": False})
        else:
            model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        if hasattr(model, "config"):
            model.config.use_cache = False
    optimizer = _optimizer(model, params)
    scheduler = get_linear_schedule_with_warmup(optimizer, params.warmup_steps, params.max_steps)
    model, optimizer, scheduler = accelerator.prepare(model, optimizer, scheduler)
    trainable = [p for group in optimizer.param_groups for p in group["params"]]
    batches = _batches(records, images, processor, params.batch_size, params.seed, overfit_batch)
    model.train()
    logs: list[StepLog] = []
    skipped = 0  # fp16 overflow steps in a row (the grad scaler skips these itself)
    for step in range(1, params.max_steps + 1):
        thaw_schedule(accelerator.unwrap_model(model), params, step)
        lr = float(scheduler.get_last_lr()[0])
        losses, samples, tokens = [], 0, 0
        try:
            for _ in range(params.grad_accum):
                batch = {k: v.to(accelerator.device) for k, v in next(batches).items()}
                if not bool((batch["labels"] != IGNORE_INDEX).any()):
                    raise ValueError("a batch has no supervised (answer) tokens: check the records' assistant turns")
                with accelerator.accumulate(model), accelerator.autocast():
                    loss = model(**batch).loss
                    value = float(loss.detach())
                    if not math.isfinite(value):
                        raise TrainingDiverged(f"non-finite loss {value} at step {step} (lr {lr:.3g}); "
                                               + _DIVERGED_HINT)
                    accelerator.backward(loss)
                    losses.append(value)
                    samples += int(batch["input_ids"].shape[0])
                    tokens += int(batch["attention_mask"].sum())
                    if accelerator.sync_gradients:
                        grad_norm = float(accelerator.clip_grad_norm_(trainable, params.max_grad_norm))
                        overflow = mixed == "fp16" and not math.isfinite(grad_norm)
                        skipped = skipped + 1 if overflow else 0
                        if (not overflow and not math.isfinite(grad_norm)) or skipped > 5 \
                                or grad_norm > params.explode_grad_norm:
                            raise TrainingDiverged(
                                f"gradient norm {grad_norm:.4g} at step {step} (limit train.explode_grad_norm "
                                f"{params.explode_grad_norm:g}, lr {lr:.3g}); " + _DIVERGED_HINT)
                        if grad_norm == 0.0 and any(p.requires_grad for p in trainable):
                            # Exactly zero with trainable weights and supervised tokens: saturated
                            # activations after a too-large update (what lr 1e6 does), not convergence.
                            raise TrainingDiverged(
                                f"gradient norm 0 at step {step} (lr {lr:.3g}): no trainable weight gets a "
                                "gradient any more, the model has saturated; " + _DIVERGED_HINT)
                    optimizer.step()
                    scheduler.step()
                    optimizer.zero_grad(set_to_none=True)
        except Exception as err:
            if _is_oom(err):
                if cuda:
                    torch.cuda.empty_cache()
                raise OutOfMemory(f"out of memory at step {step} (batch_size {params.batch_size}, "
                                  f"max_pixels {params.max_pixels}, method {params.method}, "
                                  f"gradient_checkpointing {params.gradient_checkpointing}); {_OOM_HINT}") from err
            raise
        log = StepLog(step=step, loss=sum(losses) / len(losses), lr=lr, grad_norm=grad_norm,
                      samples=samples, tokens=tokens)
        logs.append(log)
        if on_step is not None:
            on_step(log)
    return logs
