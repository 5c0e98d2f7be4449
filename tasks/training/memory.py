"""Planning memory before a fine-tuning run: weights, gradients, optimizer state and activations.

The estimate follows the usual accounting (weights at their storage precision; gradients and
AdamW's two moments only for trainable parameters, with an fp32 master copy when training in
mixed precision; activations per transformer layer from Korthikanti et al., "Reducing
Activation Recomputation in Large Transformer Models", 2022: s·b·h·(34 + 5·a·s/h) bytes per
layer in 16-bit, or only the layer inputs when gradient checkpointing). Image tokens follow
Qwen2.5-VL: 14-pixel patches, merged 2×2 for the language model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

Method = Literal["lora", "qlora", "full", "freeze"]
Precision = Literal["bf16", "fp16", "fp32"]
GIB = 1024**3


@dataclass(frozen=True)
class Architecture:
    """The sizes that decide memory (names as in Qwen2_5_VLConfig)."""

    hidden: int
    layers: int
    heads: int
    kv_heads: int
    intermediate: int
    vocab: int
    vision_hidden: int
    vision_depth: int
    vision_intermediate: int
    vision_heads: int
    tied_embeddings: bool = False
    patch: int = 14
    merge: int = 2

    def text_params(self) -> int:
        head_dim = self.hidden // self.heads
        attn = self.hidden * (self.heads + 2 * self.kv_heads) * head_dim + self.heads * head_dim * self.hidden
        mlp = 3 * self.hidden * self.intermediate
        embeddings = (1 if self.tied_embeddings else 2) * self.vocab * self.hidden
        return self.layers * (attn + mlp + 2 * self.hidden) + embeddings

    def vision_params(self) -> int:
        block = 4 * self.vision_hidden**2 + 3 * self.vision_hidden * self.vision_intermediate
        patch_embed = 3 * 2 * self.patch**2 * self.vision_hidden  # temporal patch of 2 frames
        return self.vision_depth * block + patch_embed

    def merger_params(self) -> int:
        merged = self.vision_hidden * self.merge**2
        return merged * merged + merged * self.hidden


# Published Qwen2.5-VL configurations (config.json of the Instruct checkpoints).
ARCHITECTURES: dict[str, Architecture] = {
    "qwen2.5-vl-3b": Architecture(2048, 36, 16, 2, 11008, 151936, 1280, 32, 3420, 16, tied_embeddings=True),
    "qwen2.5-vl-7b": Architecture(3584, 28, 28, 4, 18944, 152064, 1280, 32, 3420, 16),
}


@dataclass(frozen=True)
class Plan:
    architecture: Architecture
    method: Method = "lora"
    precision: Precision = "bf16"
    batch: int = 1
    text_tokens: int = 512
    image_height: int = 1754
    image_width: int = 1240
    max_pixels: int = 1280 * 28 * 28
    gradient_checkpointing: bool = True
    lora_rank: int = 16
    lora_modules_per_layer: int = 7  # q, k, v, o, gate, up, down
    freeze_vision: bool = True  # for method "freeze": what stays frozen
    freeze_merger: bool = False
    freeze_language: bool = False


@dataclass(frozen=True)
class Estimate:
    weights: float
    gradients: float
    optimizer: float
    activations: float
    trainable_params: int
    total_params: int
    image_tokens: int

    @property
    def total(self) -> float:
        return self.weights + self.gradients + self.optimizer + self.activations

    def table(self) -> dict[str, float]:
        return {"weights": self.weights, "gradients": self.gradients, "optimizer": self.optimizer,
                "activations": self.activations, "total": self.total}


def image_tokens(plan: Plan) -> int:
    """Language-model tokens for one page after Qwen2-VL's smart resize: sides rounded to the
    28-pixel grid, and scaled down (flooring) when the page exceeds max_pixels."""
    unit = plan.architecture.patch * plan.architecture.merge
    h, w = plan.image_height, plan.image_width
    h_bar, w_bar = max(unit, round(h / unit) * unit), max(unit, round(w / unit) * unit)
    if h_bar * w_bar > plan.max_pixels:
        beta = math.sqrt(h * w / plan.max_pixels)
        h_bar = max(unit, math.floor(h / beta / unit) * unit)
        w_bar = max(unit, math.floor(w / beta / unit) * unit)
    return (h_bar // unit) * (w_bar // unit)


def _trainable(plan: Plan) -> int:
    a = plan.architecture
    if plan.method == "full":
        return a.text_params() + a.vision_params() + a.merger_params()
    if plan.method == "freeze":
        parts = ((plan.freeze_vision, a.vision_params()), (plan.freeze_merger, a.merger_params()),
                 (plan.freeze_language, a.text_params()))
        return sum(n for frozen, n in parts if not frozen)
    # LoRA and QLoRA: A (in x r) and B (r x out) per adapted linear layer of the language model,
    # in the order q, k, v, o, gate, up, down.
    kv = a.kv_heads * (a.hidden // a.heads)
    in_plus_out = (2 * a.hidden, a.hidden + kv, a.hidden + kv, 2 * a.hidden,
                   a.hidden + a.intermediate, a.hidden + a.intermediate, a.intermediate + a.hidden)
    return a.layers * plan.lora_rank * sum(in_plus_out[: plan.lora_modules_per_layer])


def estimate(plan: Plan) -> Estimate:
    a = plan.architecture
    total = a.text_params() + a.vision_params() + a.merger_params()
    trainable = _trainable(plan)
    half = plan.precision in ("bf16", "fp16")
    weight_bytes = 0.5 + 0.03 if plan.method == "qlora" else (2 if half else 4)  # NF4 + double-quant constants
    weights = total * weight_bytes + (trainable * (2 if half else 4) if plan.method in ("lora", "qlora") else 0)
    gradients = trainable * (2 if half else 4)
    # AdamW's two fp32 moments, plus an fp32 master copy of every trainable weight in mixed precision.
    optimizer = trainable * (8 + (4 if half else 0))
    tokens = plan.text_tokens + image_tokens(plan)
    s, b, h = tokens, plan.batch, a.hidden
    per_layer = s * b * h * (34 + 5 * a.heads * s / h) * (1 if half else 2)
    if plan.gradient_checkpointing:
        text_act = a.layers * 2 * s * b * h * (1 if half else 2) + per_layer
    else:
        text_act = a.layers * per_layer
    patches = image_tokens(plan) * a.merge**2 * b
    vision_act = patches * a.vision_hidden * 34 * (1 if half else 2) * (1 if plan.gradient_checkpointing else a.vision_depth)
    logits = s * b * a.vocab * 4  # fp32 logits for the loss
    return Estimate(weights, gradients, optimizer, text_act + vision_act + logits, trainable, total, image_tokens(plan))


def biggest_saving(plan: Plan) -> tuple[str, float]:
    """The single knob whose change saves the most memory, and how many bytes it saves."""
    base = estimate(plan).total
    options = {
        "method: qlora": replace(plan, method="qlora"),
        "method: lora": replace(plan, method="lora"),
        "gradient_checkpointing: true": replace(plan, gradient_checkpointing=True),
        "batch: halve (raise gradient accumulation)": replace(plan, batch=max(1, plan.batch // 2)),
        "max_pixels: halve": replace(plan, max_pixels=plan.max_pixels // 2),
    }
    savings = {name: base - estimate(p).total for name, p in options.items()}
    name = max(savings, key=savings.get)  # type: ignore[arg-type]
    return name, savings[name]
