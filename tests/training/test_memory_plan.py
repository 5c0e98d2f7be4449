"""The memory planner's accounting, checked against published sizes and hand arithmetic."""

from __future__ import annotations

from dataclasses import replace

import pytest

from claimvlm.training.memory import ARCHITECTURES, GIB, Plan, biggest_saving, estimate, image_tokens

QWEN3B, QWEN7B = ARCHITECTURES["qwen2.5-vl-3b"], ARCHITECTURES["qwen2.5-vl-7b"]


def test_parameter_counts_match_the_published_models() -> None:
    # Qwen2.5-VL-3B has 3.75 B parameters (3.09 B language model), the 7B 8.29 B (7.62 B).
    assert QWEN3B.text_params() == pytest.approx(3.09e9, rel=0.01)
    assert estimate(Plan(QWEN3B)).total_params == pytest.approx(3.75e9, rel=0.02)
    assert QWEN7B.text_params() == pytest.approx(7.62e9, rel=0.01)
    assert estimate(Plan(QWEN7B)).total_params == pytest.approx(8.29e9, rel=0.02)


def test_lora_trainable_parameters_by_hand() -> None:
    # Per layer of the 3B: q 2048+2048, k and v 2048+256, o 2048+2048, gate/up/down 2048+11008:
    # 51,968 x rank 16 x 36 layers = 29,933,568.
    assert estimate(Plan(QWEN3B, lora_rank=16)).trainable_params == 51_968 * 16 * 36


def test_image_tokens_follow_the_28_pixel_grid() -> None:
    # A 1240x1754 page capped at 1280*28*28 pixels: beta = sqrt(2,174,960 / 1,003,520) = 1.472;
    # floor(1754 / 1.472 / 28) = 42 rows, floor(1240 / 1.472 / 28) = 30 columns.
    assert image_tokens(Plan(QWEN3B)) == 42 * 30
    assert image_tokens(Plan(QWEN3B, image_height=280, image_width=280)) == 100


def test_memory_orderings_that_must_hold() -> None:
    lora, full = estimate(Plan(QWEN7B)), estimate(Plan(QWEN7B, method="full"))
    qlora = estimate(Plan(QWEN7B, method="qlora"))
    assert qlora.weights < lora.weights and lora.total < full.total
    # Full fine-tuning in mixed precision: 2 (weights) + 2 (grads) + 12 (fp32 master + Adam) bytes each.
    assert full.weights + full.gradients + full.optimizer == pytest.approx(16 * full.total_params)
    no_ckpt = estimate(replace(Plan(QWEN7B), gradient_checkpointing=False))
    assert no_ckpt.activations > 5 * lora.activations
    assert full.total / GIB > 100 > lora.total / GIB


def test_biggest_saving_names_a_knob() -> None:
    name, saved = biggest_saving(Plan(QWEN7B, method="full", gradient_checkpointing=False, batch=4))
    assert saved > 0 and name in {"method: qlora", "method: lora", "gradient_checkpointing: true",
                                  "batch: halve (raise gradient accumulation)", "max_pixels: halve"}


def test_qlora_plan_counts_the_fp32_casts_of_what_stays_unquantised() -> None:
    """NF4 holds only the language model's linear weights; prepare_model_for_kbit_training casts
    everything else (embeddings, norms, biases, the skipped vision tower) to fp32. Counted on the
    real architecture, built on the meta device from the 3B's published sizes."""
    import torch
    from torch import nn
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration

    config = Qwen2_5_VLConfig(
        text_config={"vocab_size": 151936, "hidden_size": 2048, "intermediate_size": 11008, "num_hidden_layers": 36,
                     "num_attention_heads": 16, "num_key_value_heads": 2, "tie_word_embeddings": True},
        vision_config={"depth": 32, "hidden_size": 1280, "intermediate_size": 3420, "num_heads": 16,
                       "out_hidden_size": 2048, "fullatt_block_indexes": [7, 15, 23, 31]},
        tie_word_embeddings=True)
    with torch.device("meta"):
        model = Qwen2_5_VLForConditionalGeneration(config)
    # methods.quantization_config skips "visual" and "lm_head"
    quantised = sum(m.weight.numel() for name, m in model.named_modules()
                    if isinstance(m, nn.Linear) and "visual" not in name and "lm_head" not in name)
    total = sum(p.numel() for p in model.parameters())
    plan = estimate(Plan(QWEN3B, method="qlora", lora_rank=16))
    assert plan.total_params == total
    assert plan.weights == pytest.approx(quantised * 0.53 + (total - quantised) * 4 + plan.trainable_params * 4,
                                         rel=1e-9)
    assert (total - quantised) == pytest.approx(1.0e9, rel=0.1)  # the "~1 B parameters on 3B"
