"""The memory estimate against one measured training step of the tiny Qwen2.5-VL on CPU.

Weights, gradients and optimizer state are exact accountings on both sides, so they must agree to
rounding (AdamW's per-tensor ``step`` scalars are the only bytes the estimate leaves out). The
activation model is derived tensor by tensor for this architecture (see ``claimvlm.training.memory``);
with transformers 5.24 it comes to 0.995x the measured saved tensors for full fine-tuning and 1.03x
for LoRA in fp32 (the first layer's input needs no gradient there), 0.99x and 1.04x in bf16. The
band below leaves room for a transformers release that saves a tensor more or less per layer, not
for a wrong model.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch

from claimvlm.model.source import collate, encode_example, load
from claimvlm.training.memory import (
    Estimate,
    Measured,
    architecture_from_config,
    estimate,
    format_report,
    image_tokens,
    measure,
    plan_from_params,
)
from claimvlm.training.methods import apply_method, trainable_parameters
from claimvlm.training.params import TrainParams
from tests.training.tiny_data import PIXELS, stand_in_page

ACTIVATION_BAND = (0.8, 1.25)  # estimate / measured
Step = Callable[..., tuple[Estimate, Measured]]


@pytest.fixture(scope="module")
def batch(tiny: Path, records: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
    _, processor = load(str(tiny), **PIXELS)
    pages = [encode_example(processor, records[i], stand_in_page(i)) for i in range(2)]
    return collate(pages, processor.pad_id)


def _plan_inputs(batch: dict[str, torch.Tensor]) -> dict[str, int]:
    """Per-sample text tokens (the padded length less one page's image tokens) and the page size."""
    img = int(batch["image_grid_thw"][0].prod()) // 4
    page = stand_in_page(0)
    return {"text_tokens": batch["input_ids"].shape[1] - img, "image_height": page.height,
            "image_width": page.width}


@pytest.fixture(scope="module")
def step(tiny: Path, batch: dict[str, torch.Tensor]) -> Step:
    """(estimate, measured) of one step for (method, gradient checkpointing, precision), computed once
    each. "bf16" loads the weights in bf16 (no autocast), which is what the estimate's w = 2 describes."""
    cache: dict[tuple[str, bool, str], tuple[Estimate, Measured]] = {}

    def run(method: str, checkpointing: bool, precision: str = "fp32") -> tuple[Estimate, Measured]:
        key = (method, checkpointing, precision)
        if key not in cache:
            params = TrainParams(method=method, precision=precision, gradient_checkpointing=checkpointing)
            dtype = torch.bfloat16 if precision == "bf16" else torch.float32
            model, _ = load(str(tiny), dtype=dtype, **PIXELS)
            if checkpointing:  # as the training loop does it (transformers 5 renamed the method)
                enable = getattr(model, "activation_checkpointing_enable", None)
                if enable is not None:
                    enable(activation_checkpointing_kwargs={"use_reentrant": False})
                else:
                    model.gradient_checkpointing_enable(
                        gradient_checkpointing_kwargs={"use_reentrant": False})
            model = apply_method(model, params)
            torch.manual_seed(0)
            plan = plan_from_params(params, architecture_from_config(model.config), **_plan_inputs(batch))
            inputs = {**batch, "pixel_values": batch["pixel_values"].to(dtype)}
            measured = measure(model, inputs, lambda ps: torch.optim.AdamW(ps, lr=1e-4))
            cache[key] = (estimate(plan), measured)
        return cache[key]

    return run


def test_the_tiny_model_is_planned_exactly(tiny: Path, batch: dict[str, torch.Tensor]) -> None:
    model, _ = load(str(tiny), **PIXELS)
    plan = plan_from_params(TrainParams(), architecture_from_config(model.config), **_plan_inputs(batch))
    assert plan.architecture.tied_embeddings
    assert estimate(plan).total_params == trainable_parameters(model)[1]
    # 22 x 16 patches of 14 pixels, merged 2 x 2.
    assert image_tokens(plan) == int(batch["image_grid_thw"][0].prod()) // 4 == 88


@pytest.mark.parametrize("method", ["full", "lora"])
def test_estimate_matches_a_measured_step(step: Step, method: str) -> None:
    est, got = step(method, False)
    assert est.weights == pytest.approx(got.weights, rel=0.01)
    assert est.gradients == pytest.approx(got.gradients, rel=0.01)
    assert est.optimizer == pytest.approx(got.optimizer, rel=0.01)
    low, high = ACTIVATION_BAND
    assert low <= est.activations / got.activations <= high, (est.activations, got.activations)


@pytest.mark.parametrize("method", ["full", "lora"])
def test_bf16_activations_follow_the_same_model(step: Step, method: str) -> None:
    """Only the byte width changes (w = 2), plus the parts that stay fp32: RMSNorm inputs, the
    log-probabilities and peft's adapters. The optimizer is not compared: plain AdamW on bf16 weights
    keeps bf16 moments, while the estimate describes mixed precision (fp32 master weights and moments)."""
    est, got = step(method, False, "bf16")
    assert (est.weights, est.gradients) == pytest.approx((got.weights, got.gradients), rel=0.01)
    low, high = ACTIVATION_BAND
    assert low <= est.activations / got.activations <= high, (est.activations, got.activations)


def test_gradient_checkpointing_lowers_activations_in_both(step: Step) -> None:
    (est, got), (est_ckpt, got_ckpt) = step("full", False), step("full", True)
    assert got_ckpt.activations < got.activations / 3
    assert est_ckpt.activations < est.activations
    # The estimate is a peak: it adds one layer recomputed during backward, which happens after the
    # forward pass that measure() watches, so it can only be above the measured saved inputs.
    assert est_ckpt.activations > got_ckpt.activations
    assert (est_ckpt.weights, est_ckpt.gradients) == (est.weights, est.gradients)


def test_report_names_every_component(tiny: Path, batch: dict[str, torch.Tensor]) -> None:
    model, _ = load(str(tiny), **PIXELS)
    arch = architecture_from_config(model.config)
    plan = plan_from_params(TrainParams(method="full"), arch, **_plan_inputs(batch))
    report = format_report(plan, estimate(plan))
    words = ("weights", "gradients", "optimizer", "activations", "total", "MiB", "88 image", "biggest saving")
    for word in words:
        assert word in report, report
    assert f"{trainable_parameters(model)[0]:,} trainable" in report
