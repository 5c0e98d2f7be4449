"""Sanity tools before a long run (ch. 12): memorise one batch, find a learning rate, plan memory.

Each reads the same dataset and base model as ``train`` and writes nothing but its report.
"""

from __future__ import annotations

from pathlib import Path
from statistics import median

from claimvlm.model.source import encode_example
from claimvlm.training.data import Batches
from claimvlm.training.loop import run_training
from claimvlm.training.lr_range import LrRange, lr_range_test, plot_lr_range
from claimvlm.training.methods import MethodError
from claimvlm.training.params import TrainParams
from claimvlm.training.stage import prepare

OVERFIT_LOSS = 0.1  # "near zero" per answer token: a memorised batch sits far below it


def overfit_batch(dataset: Path, out: Path, params: TrainParams) -> tuple[float, float]:
    """Train ``params.max_steps`` steps on the first batch only, unaugmented; (first, last) loss.

    A model that cannot drive one batch's loss to ~0 has a bug (masking, template, a frozen
    part that should train), not a data problem."""
    model, processor, batches, _val, _base = prepare(dataset, out, params)
    one = Batches(batches.examples, processor, batch_size=params.batch_size, seed=params.seed, overfit=True)
    logs = run_training(model, one, params).logs
    return logs[0].loss, logs[-1].loss


def lr_range(dataset: Path, out: Path, reports: Path, params: TrainParams) -> LrRange:
    """The LR range test on the training stream; writes ``reports/lr_range.png``."""
    model, _processor, batches, _val, _base = prepare(dataset, out, params)
    counter = iter(range(10**9))
    try:
        result = lr_range_test(model, lambda: batches.get(next(counter))[1])
    except ValueError as err:  # nothing to train, or a first loss that is not finite: the user's to fix
        raise MethodError(f"lr range test: {err}") from err
    reports.mkdir(parents=True, exist_ok=True)
    plot_lr_range(result, reports / "lr_range.png")
    return result


def estimate_memory(dataset: Path, out: Path, params: TrainParams) -> str:
    """The memory plan for this configuration, sized by the dataset's pages and answers."""
    from transformers import AutoConfig

    from claimvlm.training.memory import architecture_from_config, estimate, format_report, plan_from_params

    model, processor, batches, _val, base = prepare(dataset, out, params)  # refuses an empty train split
    del model
    train = batches.examples
    sample = train[: min(len(train), 16)]
    # Text tokens without the image placeholders: the plan adds the image tokens itself.
    image_id = processor.tokenizer.convert_tokens_to_ids("<|image_pad|>")
    text = [int((encode_example(processor, ex.record, ex.page())["input_ids"] != image_id).sum()) for ex in sample]
    plan = plan_from_params(params, architecture_from_config(AutoConfig.from_pretrained(base)),
                            text_tokens=int(max(text)), image_height=int(median(ex.record["height"] for ex in train)),
                            image_width=int(median(ex.record["width"] for ex in train)),
                            checkpoint_max_pixels=processor.max_pixels)
    return format_report(plan, estimate(plan))
