"""Sanity tools before a long run (ch. 12): memorise one batch, find a learning rate, plan memory.

Each reads the same dataset and base model as ``train`` and writes nothing but its report.
"""

from __future__ import annotations

from pathlib import Path
from statistics import median

from tasks.config import TrainParams
from tasks.training.checkpoint import CheckpointError
from tasks.training.data import Batches, DataError
from tasks.training.loop import OutOfMemory, TrainingDiverged, run_training
from tasks.training.lr_range import LrRange, lr_range_test, plot_lr_range
from tasks.training.methods import MethodError
from tasks.training.model_source import ModelSourceError, encode_example
from tasks.training.stage import prepare

OVERFIT_LOSS = 0.1  # "near zero" per answer token: a memorised batch sits far below it
TRAINING_ERRORS = (DataError, CheckpointError, ModelSourceError, MethodError, TrainingDiverged, OutOfMemory,
                   ValueError)


def overfit_batch(dataset: Path, out: Path, params: TrainParams) -> tuple[float, float]:
    """Train ``params.max_steps`` steps on the first batch only, unaugmented; (first, last) loss.

    A model that cannot drive one batch's loss to ~0 has a bug (masking, template, a frozen
    part that should train), not a data problem."""
    model, processor, batches, _val, _base = prepare(dataset, out, params)
    one = Batches(batches.examples, processor, batch_size=params.batch_size, seed=params.seed, overfit=True)
    logs = run_training(model, processor, one, params).logs
    return logs[0].loss, logs[-1].loss


def lr_range(dataset: Path, out: Path, reports: Path, params: TrainParams) -> LrRange:
    """The LR range test on the training stream; writes ``reports/lr_range.png``."""
    model, _processor, batches, _val, _base = prepare(dataset, out, params)
    counter = iter(range(10**9))
    result = lr_range_test(model, lambda: batches.get(next(counter))[1])
    reports.mkdir(parents=True, exist_ok=True)
    plot_lr_range(result, reports / "lr_range.png")
    return result


def estimate_memory(dataset: Path, out: Path, params: TrainParams) -> str:
    """The memory plan for this configuration, sized by the dataset's pages and answers."""
    from transformers import AutoConfig

    from tasks.training.memory import architecture_from_config, estimate, format_report, plan_from_params

    model, processor, batches, _val, base = prepare(dataset, out, params)  # refuses an empty train split
    del model
    train = batches.examples
    sample = train[: min(len(train), 16)]
    # Text tokens without the image placeholders: the plan adds the image tokens itself.
    image_id = processor.tokenizer.convert_tokens_to_ids("<|image_pad|>")
    text = [int((encode_example(processor, ex.record, ex.page())["input_ids"] != image_id).sum()) for ex in sample]
    plan = plan_from_params(params, architecture_from_config(AutoConfig.from_pretrained(base)),
                            text_tokens=int(max(text)), image_height=int(median(ex.record["height"] for ex in train)),
                            image_width=int(median(ex.record["width"] for ex in train)))
    return format_report(plan, estimate(plan))
