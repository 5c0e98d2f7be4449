"""Checkpoints: everything a killed run needs to go on exactly as if it had not stopped.

A checkpoint folder ``step-NNNNNNNN`` holds the trained weights (only the parameters the
optimizer owns: the adapter for LoRA, everything for full fine-tuning), the optimizer and
scheduler state, every rank's RNG state, and ``state.json`` (step, step logs, early-stopping
state; the data position is the step, see ``claimvlm.training.data``). It is written under a
temporary name and renamed into place, so a kill during a save leaves either the previous
checkpoint or the new one, never half of one; ``latest`` ignores anything else.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from claimvlm.errors import ClaimvlmError

STATE = "state.json"
BEST = "best"
_NAME = re.compile(r"^step-(\d{8})$")


class CheckpointError(ClaimvlmError, RuntimeError):
    """A checkpoint does not fit the model or configuration it is being resumed into."""


def step_dir(root: Path, step: int) -> Path:
    return Path(root) / f"step-{step:08d}"


def owned_state(model: nn.Module, optimizer: Any) -> dict[str, torch.Tensor]:
    """The parameters the optimizer updates, by name, whole (frozen base weights never change: not
    saved). Under FSDP a parameter is a shard (DTensor): gathering it is collective, so every
    process must call this."""
    owned = {id(p) for group in optimizer.param_groups for p in group["params"]}
    out = {}
    for name, p in model.named_parameters():
        if id(p) in owned:
            whole = p.full_tensor() if hasattr(p, "full_tensor") else p
            out[name] = whole.detach().cpu().clone()
    return out


def restore_weights(model: nn.Module, weights: dict[str, torch.Tensor]) -> None:
    params = dict(model.named_parameters())
    unknown = sorted(set(weights) - set(params))
    if unknown:
        raise CheckpointError(f"checkpoint weights {unknown[:3]} (and {max(len(unknown) - 3, 0)} more) are not in "
                              "the model: was it saved with another train.model or train.method?")
    with torch.no_grad():
        for name, value in weights.items():
            if params[name].shape != value.shape:
                raise CheckpointError(f"checkpoint weight {name} has shape {tuple(value.shape)}, the model "
                                      f"{tuple(params[name].shape)}: another model or lora.r?")
            target = params[name]
            if hasattr(target, "device_mesh"):  # an FSDP shard: keep this process's part
                from torch.distributed.tensor import distribute_tensor

                value = distribute_tensor(value.to(target.device), target.device_mesh, target.placements)
            target.copy_(value)


def _rng_state() -> dict[str, Any]:
    state = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _atomic_dir(tmp: Path, final: Path) -> None:
    """Move a finished folder into place; a same-step folder from an earlier attempt is replaced."""
    if final.exists():
        old = final.with_name(f".old-{final.name}")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, final)


def save(root: Path, step: int, *, accelerator: Any, model: nn.Module, optimizer: Any, scheduler: Any,
         state: dict[str, Any], keep: int) -> Path:
    """Write checkpoint ``step`` (every rank calls this: each saves its RNG; rank 0 the rest)."""
    root, final = Path(root), step_dir(root, step)
    tmp = root / f".tmp-{final.name}"
    main = accelerator.is_main_process
    if main:
        shutil.rmtree(tmp, ignore_errors=True)  # left by a run killed while saving
        tmp.mkdir(parents=True)
    accelerator.wait_for_everyone()
    rank = accelerator.process_index
    weights = owned_state(accelerator.unwrap_model(model), optimizer)  # collective under FSDP
    torch.save(_rng_state(), tmp / f"rng-{rank}.pt")
    # Per process: identical copies under DDP, this process's shard of the moments under FSDP.
    torch.save(optimizer.state_dict(), tmp / f"optimizer-{rank}.pt")
    if main:
        torch.save(weights, tmp / "weights.pt")
        torch.save(scheduler.state_dict(), tmp / "scheduler.pt")
        (tmp / STATE).write_text(json.dumps({"step": step, **state}), encoding="utf-8")
    accelerator.wait_for_everyone()
    if main:
        _atomic_dir(tmp, final)
        for old in sorted(checkpoints(root))[:-keep]:
            shutil.rmtree(old, ignore_errors=True)
    accelerator.wait_for_everyone()
    return final


def checkpoints(root: Path) -> list[Path]:
    """Complete checkpoints, oldest first (temporary and foreign folders are not checkpoints)."""
    root = Path(root)
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if _NAME.match(p.name) and (p / STATE).is_file()]
    return sorted(found, key=lambda p: p.name)


def latest(root: Path) -> Path | None:
    found = checkpoints(root)
    return found[-1] if found else None


def load(path: Path, *, accelerator: Any, model: nn.Module, optimizer: Any, scheduler: Any) -> dict[str, Any]:
    """Restore a checkpoint into a prepared model/optimizer/scheduler; returns its state.json."""
    path = Path(path)
    if not (path / STATE).is_file():
        raise CheckpointError(f"{path} is not a complete checkpoint (no {STATE})")
    rank = accelerator.process_index
    for name in (f"rng-{rank}.pt", f"optimizer-{rank}.pt"):
        if not (path / name).is_file():
            raise CheckpointError(f"{path} has no {name}: it was written by a run with fewer processes")
    restore_weights(accelerator.unwrap_model(model), torch.load(path / "weights.pt", weights_only=True))
    try:
        optimizer.load_state_dict(torch.load(path / f"optimizer-{rank}.pt", weights_only=False))
    except ValueError as err:  # parameter groups differ in size
        raise CheckpointError(f"{path}: the optimizer state does not fit this run ({err}); "
                              "resume with the configuration the run started with") from err
    scheduler.load_state_dict(torch.load(path / "scheduler.pt", weights_only=False))
    _set_rng_state(torch.load(path / f"rng-{rank}.pt", weights_only=False))
    return json.loads((path / STATE).read_text(encoding="utf-8"))


def save_best(root: Path, model: nn.Module, optimizer: Any, *, accelerator: Any, meta: dict[str, Any]) -> None:
    """The weights of the best validation loss so far (early stopping returns to them)."""
    weights = owned_state(accelerator.unwrap_model(model), optimizer)  # collective under FSDP
    if not accelerator.is_main_process:
        return
    root = Path(root)
    tmp = root / f".tmp-{BEST}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    torch.save(weights, tmp / "weights.pt")
    (tmp / STATE).write_text(json.dumps(meta), encoding="utf-8")
    _atomic_dir(tmp, root / BEST)
