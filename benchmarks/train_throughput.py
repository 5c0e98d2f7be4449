"""Training throughput (samples/s, tokens/s) of the train stage's loop, per method.

    python benchmarks/train_throughput.py [--steps 30] [--docs 40] [--method full --method lora]
    python benchmarks/train_throughput.py --model /models/Qwen2.5-VL-3B-Instruct --method lora \\
        --precision bf16 --peak-tflops 989          # on a GPU machine

Builds a small dataset (``--docs`` synthetic documents through the synth and build stages) in a
temporary folder, or reads ``--dataset`` (a build stage output), then runs ``--steps`` optimizer
steps of each method with the train stage's own code (``stage.prepare`` and
``loop.run_training``: augmentation on, no validation, no checkpoints, one process) at the
default ``train.max_pixels`` and ``train.batch_size`` unless given. Throughput is
``stage.throughput``: the steps after the first, which pays one-time set-up; tokens are the
non-padding input tokens (text and image) the language model sees.

With CUDA it also reports the peak memory (``torch.cuda.max_memory_allocated``) and the model
FLOPs utilisation against ``--peak-tflops`` (the chip's dense bf16 peak; 989 for an H100/H200 SXM),
twice:

- formula: FLOPs per token = 2N (forward) + 2N (backward, input gradients) + 2N_t (backward,
  weight gradients) [+ 2N with gradient checkpointing's recomputed forward], where N is every
  weight of a matrix product (linear and convolution layers, the LM head included, the token
  embedding lookup not) and N_t the trainable ones. Full fine-tuning gives the usual 6N; LoRA
  gives about 4N + 2N_t, since frozen weights get no weight-gradient product. Approximate: it
  charges every parameter once per language-model token, while the vision tower runs once per
  patch (4 patches per merged image token) and, with a frozen tower (LoRA), needs no backward at
  all; attention's sequence-length term is left out.
- counted: ``torch.utils.flop_counter.FlopCounterMode`` over one forward and backward of a
  training batch after the run (every matrix product and attention the step really does),
  divided by the batch's tokens.

Not a test: nothing is asserted. The machine's other jobs change the numbers.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import tempfile
from pathlib import Path
from typing import Any

import torch
from rich.console import Console
from rich.table import Table
from torch import nn

from claimvlm.config import Params
from claimvlm.training import stage
from claimvlm.training.loop import run_training
from claimvlm.training.params import TrainParams


def _si(x: float) -> str:
    for unit, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(x) >= scale:
            return f"{x / scale:.3g}{unit}"
    return f"{x:.3g}"


def _numel(p: torch.Tensor) -> int:
    shape = getattr(getattr(p, "quant_state", None), "shape", None)  # bitsandbytes 4-bit: packed storage
    return int(torch.Size(shape).numel()) if shape is not None else p.numel()


def matmul_params(model: nn.Module) -> tuple[int, int]:
    """(N, N_trainable): weights of linear and convolution layers, each counted once per use
    (a tied LM head counts again as the head's product; the embedding lookup does not count)."""
    total = trainable = 0
    for module in model.modules():
        if isinstance(module, (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)):
            for p in module.parameters(recurse=False):
                total += _numel(p)
                trainable += _numel(p) if p.requires_grad else 0
    return total, trainable


def formula_flops_per_token(n: int, n_trainable: int, *, full: bool, recompute: bool) -> float:
    flops = 6.0 * n if full else 4.0 * n + 2.0 * n_trainable
    return flops + (2.0 * n if recompute else 0.0)


def counted_flops_per_token(model: nn.Module, batches: Any, precision: str) -> float:
    """FLOPs of one forward and backward on the first training batch, per input token."""
    from torch.utils.flop_counter import FlopCounterMode

    device = next(p for p in model.parameters()).device
    _, batch = batches.get(0)
    batch = {k: v.to(device) for k, v in batch.items()}
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
    counter = FlopCounterMode(display=False)
    autocast = torch.autocast(device.type, dtype=dtype) if dtype is not None else contextlib.nullcontext()
    model.train()
    with counter, autocast:
        loss = model(**batch).loss
        loss.backward()
    model.zero_grad(set_to_none=True)
    return counter.get_total_flops() / max(int(batch["attention_mask"].sum()), 1)


def measure(dataset: Path, out: Path, params: TrainParams, *, cuda: bool, count_flops: bool) -> dict[str, Any]:
    if cuda:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    model, processor, batches, _val, _base = stage.prepare(dataset, out, params)
    n, n_trainable = matmul_params(model)
    all_params = sum(p.numel() for p in model.parameters())
    all_trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    outcome = run_training(model, batches, params)
    samples_s, tokens_s = stage.throughput(outcome.logs)
    steady = outcome.logs[1:] or outcome.logs
    row: dict[str, Any] = {
        "method": params.method, "precision": params.precision, "params": all_params, "trainable": all_trainable,
        "n": n, "n_trainable": n_trainable, "steps": len(outcome.logs),
        "samples_s": samples_s, "tokens_s": tokens_s,
        "s_step": sum(x.seconds for x in steady) / len(steady),
        "tokens_step": sum(x.tokens for x in steady) / len(steady),
        "loss": (outcome.logs[0].loss, outcome.logs[-1].loss),
        "formula_fpt": formula_flops_per_token(n, n_trainable, full=params.method == "full",
                                               recompute=params.gradient_checkpointing),
    }
    if cuda:
        row["peak_gib"] = torch.cuda.max_memory_allocated() / 2**30
    if count_flops:
        row["counted_fpt"] = counted_flops_per_token(model, batches, params.precision)
    del model, processor, batches, _val, outcome
    gc.collect()
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=30, help="optimizer steps per method (the first is not timed)")
    ap.add_argument("--docs", type=int, default=40, help="synthetic documents to build the dataset from")
    ap.add_argument("--dataset", type=Path, help="a build stage output folder to use instead of synthesising one")
    ap.add_argument("--method", action="append", choices=["full", "lora", "freeze", "qlora"],
                    help="repeatable; default: full and lora")
    ap.add_argument("--model", default="tiny", help='train.model: "tiny" (default) or a local checkpoint folder')
    ap.add_argument("--precision", choices=["fp32", "bf16", "fp16"],
                    help="train.precision; default: bf16 with CUDA, else the train default (fp32)")
    ap.add_argument("--batch-size", type=int, help="train.batch_size (default: the train default)")
    ap.add_argument("--max-pixels", type=int, help="train.max_pixels (default: the train default)")
    ap.add_argument("--gradient-checkpointing", action="store_true", help="train.gradient_checkpointing=true")
    ap.add_argument("--peak-tflops", type=float, default=989.0,
                    help="the chip's dense bf16 peak, TFLOP/s, for MFU (989: H100/H200 SXM)")
    ap.add_argument("--no-count-flops", action="store_true", help="skip the counted-FLOPs pass")
    args = ap.parse_args()

    cuda = torch.cuda.is_available()
    base = Params().train
    update: dict[str, Any] = {
        "model": args.model, "max_steps": args.steps, "warmup_steps": min(base.warmup_steps, args.steps),
        "precision": args.precision or ("bf16" if cuda else base.precision),
        "gradient_checkpointing": args.gradient_checkpointing,
    }
    if args.batch_size:
        update["batch_size"] = args.batch_size
    if args.max_pixels:
        update["max_pixels"] = args.max_pixels
    methods = args.method or ["full", "lora"]
    console = Console(width=max(Console().width, 170 if cuda else 130))  # the table's columns
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        dataset = args.dataset
        if dataset is None:
            from claimvlm.dataset.stage import build
            from claimvlm.synthesis import generate

            generate.run(Params().synth.model_copy(update={"num_docs": args.docs}), root / "synth", progress=False)
            build(root / "synth", root / "dataset", Params().build, progress=False)
            dataset = root / "dataset"
        for method in methods:
            params = TrainParams.model_validate({**base.model_dump(), **update, "method": method})
            console.print(f"{method}: {args.steps} steps ...", markup=False)
            rows.append(measure(dataset, root / "run", params, cuda=cuda, count_flops=not args.no_count_flops))

    p = TrainParams.model_validate({**base.model_dump(), **update})
    where = torch.cuda.get_device_name() if cuda else f"CPU, {os.cpu_count()} cores, {torch.get_num_threads()} threads"
    table = Table(title=f"train throughput: model {args.model}, batch {p.batch_size}, max_pixels {p.max_pixels}, "
                        f"{args.steps} steps ({where})")
    cols = ["method", "precision", "trainable", "samples/s", "tokens/s", "s/step", "tokens/step", "loss",
            "FLOPs/token formula", "FLOPs/token counted"]
    if cuda:
        cols += ["peak GiB", "TFLOP/s counted", f"MFU formula (peak {args.peak_tflops:g})", "MFU counted"]
    for col in cols:
        table.add_column(col, justify="left" if col in ("method", "precision") else "right", overflow="fold")
    for r in rows:
        counted = r.get("counted_fpt")
        cells = [r["method"], r["precision"], f"{_si(r['trainable'])} of {_si(r['params'])}", f"{r['samples_s']:.2f}",
                 f"{r['tokens_s']:,.0f}", f"{r['s_step']:.3f}", f"{r['tokens_step']:,.0f}",
                 f"{r['loss'][0]:.2f}→{r['loss'][1]:.2f}", _si(r["formula_fpt"]), _si(counted) if counted else "-"]
        if cuda:
            peak = args.peak_tflops * 1e12
            cells += [f"{r['peak_gib']:.2f}", f"{counted * r['tokens_s'] / 1e12:.3g}" if counted else "-",
                      f"{r['formula_fpt'] * r['tokens_s'] / peak:.3%}",
                      f"{counted * r['tokens_s'] / peak:.3%}" if counted else "-"]
        table.add_row(*cells)
    console.print(table)
    console.print("formula: FLOPs/token = 6N (full) or 4N + 2N_t (adapters, frozen parts), +2N with gradient "
                  "checkpointing; N = weights of linear/conv layers, N_t the trainable ones: "
                  + "; ".join(f"{r['method']} N={r['n']:,} N_t={r['n_trainable']:,}" for r in rows), markup=False)
    if not cuda:
        console.print("peak memory and MFU: CUDA only", markup=False)


if __name__ == "__main__":
    main()
