"""The LR range test on the tiny Qwen2.5-VL (method full, one fixed batch of two stand-in pages).

Pages are capped at 112 x 160 pixels (20 image tokens) and sequences at 160 tokens, so one step
costs ~0.1 s on a CPU: the curve's shape, not the page, is under test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from PIL import Image

from claimvlm.model.source import collate, encode_example, load
from claimvlm.training.lr_range import LrRange, lr_range_test, plot_lr_range
from claimvlm.training.methods import apply_method
from claimvlm.training.params import TrainParams
from tests.training.tiny_data import stand_in_page

pytestmark = pytest.mark.slow  # LR range tests on the tiny model

START, END = 1e-6, 100.0
ModelBatch = tuple[Any, dict[str, torch.Tensor]]


@pytest.fixture(scope="module")
def model_and_batch(tiny: Path, records: list[dict[str, Any]]) -> ModelBatch:
    model, processor = load(str(tiny), min_pixels=56 * 56, max_pixels=112 * 160)
    model = apply_method(model, TrainParams(method="full"))
    pages = [encode_example(processor, records[i], stand_in_page(i), max_length=160) for i in range(2)]
    return model, collate(pages, processor.pad_id)


@pytest.fixture(scope="module")
def weights_before(model_and_batch: ModelBatch) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in model_and_batch[0].state_dict().items()}


@pytest.fixture(scope="module")
def result(model_and_batch: ModelBatch, weights_before: dict[str, torch.Tensor]) -> LrRange:
    """Runs after weights_before has copied the untouched weights."""
    model, batch = model_and_batch
    torch.manual_seed(0)
    return lr_range_test(model, lambda: batch, start_lr=START, end_lr=END, steps=60)


def test_the_curve_falls_then_diverges(result: LrRange) -> None:
    assert result.stopped_early and len(result.lrs) < 60  # AdamW at lr >> 1 blows the loss up
    assert START < result.suggested_lr < END
    at = result.lrs.index(result.suggested_lr)
    assert result.smoothed[at] < result.smoothed[0] and result.losses[at] < result.losses[0]
    assert all(b > a for a, b in zip(result.lrs, result.lrs[1:], strict=False))  # exponential, increasing
    assert result.lrs[1] / result.lrs[0] == pytest.approx((END / START) ** (1 / 59))
    assert max(result.losses) > 4 * min(result.smoothed)


def test_a_small_range_runs_to_the_end(model_and_batch: ModelBatch) -> None:
    model, batch = model_and_batch
    small = lr_range_test(model, lambda: batch, start_lr=1e-6, end_lr=1e-4, steps=8, smooth=0.3)
    assert not small.stopped_early and len(small.lrs) == 8
    assert small.lrs[-1] == pytest.approx(1e-4) and 1e-6 < small.suggested_lr < 1e-4


def test_weights_are_restored(model_and_batch: ModelBatch, weights_before: dict[str, torch.Tensor],
                              result: LrRange) -> None:
    model, _ = model_and_batch
    after = model.state_dict()
    assert after.keys() == weights_before.keys()
    assert all(torch.equal(after[k], weights_before[k]) for k in after)
    assert all(p.grad is None for p in model.parameters())
    assert not model.training  # load() returns an eval-mode model; the probe puts it back


def test_plot_is_a_png(result: LrRange, tmp_path: Path) -> None:
    path = plot_lr_range(result, tmp_path / "plots" / "lr_range.png")
    with Image.open(path) as img:
        assert img.format == "PNG" and img.width > 300 and img.height > 200
        img.verify()
