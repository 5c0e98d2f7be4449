"""GPU checks CI cannot run: the train loop under a launcher config (e.g. FSDP2), its checkpoints
and resume there, and the memory plan against the measured CUDA peak.

    accelerate launch --config_file infra/accelerate/fsdp.yaml --num_processes 1 \\
        benchmarks/gpu_checks.py --dataset DATASET --out OUT --method full
    python benchmarks/gpu_checks.py --dataset DATASET --out OUT --method lora

Trains ``--steps`` steps (validation and checkpoints on), then deletes the last checkpoint,
resumes a fresh model from the one before and checks the repeated steps' losses agree (bf16 on
a GPU: to 2 %, not bit for bit). Prints the measured peak beside ``memory.estimate`` for the
same configuration. Not a test: it prints, and exits non-zero only if resume disagrees.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path
from statistics import median

import torch
from transformers import AutoConfig

from claimvlm.training import checkpoint, stage
from claimvlm.training.loop import run_training
from claimvlm.training.memory import architecture_from_config, estimate, format_report, plan_from_params
from claimvlm.training.params import TrainParams


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--method", default="full", choices=["full", "lora", "qlora", "freeze"])
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--max-pixels", type=int, default=TrainParams().max_pixels)
    args = ap.parse_args()
    params = TrainParams(method=args.method, precision="bf16", max_steps=args.steps, checkpoint_every=2,
                         eval_every=3, tokenizer_texts=300, max_pixels=args.max_pixels, keep_checkpoints=10)
    ckpts = args.out / "checkpoints"
    shutil.rmtree(ckpts, ignore_errors=True)
    model, processor, batches, val, base = stage.prepare(args.dataset, args.out, params)
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    first = run_training(model, batches, params, val=val, checkpoint_dir=ckpts)
    peak = torch.cuda.max_memory_allocated() if torch.cuda.is_available() else 0
    state = stage.process_state()
    if state.is_main_process:
        shutil.rmtree(checkpoint.step_dir(ckpts, args.steps))  # resume from the one before
    state.wait_for_everyone()
    model, processor, batches, val, base = stage.prepare(args.dataset, args.out, params)
    again = run_training(model, batches, params, val=val, checkpoint_dir=ckpts, resume=True)
    repeated = [(a.loss, b.loss) for a, b in zip(first.logs, again.logs, strict=True) if a.step > again.resumed_at]
    agree = all(abs(a - b) <= 0.02 * abs(a) for a, b in repeated)
    train = batches.examples
    image_id = processor.tokenizer.convert_tokens_to_ids("<|image_pad|>")
    text = max(int((b["input_ids"] != image_id).sum(dim=1).max()) for _ids, b in val.fixed()) if val else 512
    plan = plan_from_params(params, architecture_from_config(AutoConfig.from_pretrained(base)), text_tokens=text,
                            image_height=int(median(e.record["height"] for e in train)),
                            image_width=int(median(e.record["width"] for e in train)))
    est = estimate(plan)
    if state.is_main_process:
        print(json.dumps({
            "method": args.method, "processes": state.num_processes, "distributed": str(state.distributed_type),
            "steps": len(first.logs), "loss": [round(x.loss, 4) for x in first.logs],
            "resumed_at": again.resumed_at, "repeated_losses": repeated, "resume_agrees": agree,
            "rank_checksums_equal": len(set(first.rank_checksums)) == 1,
            "peak_measured_mib": round(peak / 2**20, 1), "peak_estimated_mib": round(est.total / 2**20, 1),
        }, indent=1))
        print(format_report(plan, est))
    return 0 if agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
