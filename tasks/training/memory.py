"""Planning memory before a fine-tuning run: weights, gradients, optimizer state and activations.

Weights at their storage precision; gradients and AdamW's two moments for trainable parameters
only, with an fp32 master copy in mixed precision. Image tokens follow Qwen2.5-VL: 14-pixel patches,
merged 2×2. Activations are the tensors autograd saves for backward, counted for *this*
architecture, not with Korthikanti et al.'s s·b·h·(34 + 5·a·s/h) (2022), a 16-bit GPT layer
(LayerNorm, 4h GELU MLP, dropout, s×s scores). Qwen2.5-VL has RMSNorms keeping an fp32 copy of
their input, a SwiGLU MLP of width I, K/V repeated to every head, no dropout, and SDPA (output and
log-sum-exp, no scores; only the padding mask, per layer). Each tensor counts at the compute
dtype's width w (4 for fp32, 2 for bf16/fp16): fp32 is the same model at w = 4. The vision tower is
modelled alike per patch, and only when it trains (a frozen tower's inputs need no gradient, so
nothing is saved). Frozen linears (LoRA's base) save no input; adapters do (CPU dropout adds a mask
in the input's dtype). With gradient checkpointing each layer keeps its input and one layer is
recomputed at a time. :func:`measure` checks this against a real model on CPU.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import torch

    from claimvlm.training.params import TrainParams

Method = Literal["lora", "qlora", "full", "freeze"]
Precision = Literal["bf16", "fp16", "fp32"]
GIB, MIB = 1024**3, 1024**2
LORA_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass(frozen=True)
class Architecture:
    """The sizes that decide memory (names as in Qwen2_5_VLConfig). Counts are exact for
    transformers' Qwen2.5-VL: QKV biases, RMSNorm weights, the merger's norm and biases included."""

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
        kv = self.kv_heads * (self.hidden // self.heads)
        attn = 2 * self.hidden * (self.hidden + kv) + self.hidden + 2 * kv  # q, k, v have biases, o not
        mlp = 3 * self.hidden * self.intermediate
        embeddings = (1 if self.tied_embeddings else 2) * self.vocab * self.hidden
        norms = 2 * self.hidden  # per layer, and one more after the last
        return self.layers * (attn + mlp + norms) + self.hidden + embeddings

    def vision_params(self) -> int:
        vh, vi = self.vision_hidden, self.vision_intermediate
        block = 4 * vh**2 + 3 * vh * vi + 7 * vh + 2 * vi  # qkv + proj, SwiGLU, their biases, 2 norms
        patch_embed = 3 * 2 * self.patch**2 * vh  # RGB x temporal patch of 2 frames, no bias
        return self.vision_depth * block + patch_embed

    def merger_params(self) -> int:
        merged = self.vision_hidden * self.merge**2
        return self.vision_hidden + merged * merged + merged + merged * self.hidden + self.hidden


# Published Qwen2.5-VL configurations (config.json of the Instruct checkpoints).
ARCHITECTURES: dict[str, Architecture] = {
    "qwen2.5-vl-3b": Architecture(2048, 36, 16, 2, 11008, 151936, 1280, 32, 3420, 16, tied_embeddings=True),
    "qwen2.5-vl-7b": Architecture(3584, 28, 28, 4, 18944, 152064, 1280, 32, 3420, 16),
}


def architecture_from_config(config: Any) -> Architecture:
    """The Architecture of a transformers Qwen2_5_VLConfig (the tiny model's or a checkpoint's
    config.json); also accepts transformers 4's flat layout with the text sizes at the top level."""
    text, vision = getattr(config, "text_config", None) or config, config.vision_config
    tied = getattr(config, "tie_word_embeddings", getattr(text, "tie_word_embeddings", False))
    return Architecture(
        hidden=text.hidden_size, layers=text.num_hidden_layers, heads=text.num_attention_heads,
        kv_heads=text.num_key_value_heads, intermediate=text.intermediate_size, vocab=text.vocab_size,
        vision_hidden=vision.hidden_size, vision_depth=vision.depth,
        vision_intermediate=vision.intermediate_size, vision_heads=vision.num_heads,
        tied_embeddings=bool(tied), patch=vision.patch_size, merge=vision.spatial_merge_size)


@dataclass(frozen=True)
class Plan:
    architecture: Architecture
    method: Method = "lora"
    precision: Precision = "bf16"
    batch: int = 1
    text_tokens: int = 512  # per sample, image tokens not included
    image_height: int = 1754
    image_width: int = 1240
    max_pixels: int = 1280 * 28 * 28
    gradient_checkpointing: bool = True
    lora_rank: int = 16
    lora_modules_per_layer: int = 7  # the first n of q, k, v, o, gate, up, down
    lora_targets: tuple[str, ...] = ()  # names from LORA_MODULES; when given, wins over the count
    lora_dropout: float = 0.05
    freeze_vision: bool = True  # for method "freeze": what stays frozen
    freeze_merger: bool = False
    freeze_language: bool = False


def plan_from_params(params: TrainParams, arch: Architecture, *, text_tokens: int, image_height: int,
                     image_width: int, checkpoint_max_pixels: int = Plan.max_pixels) -> Plan:
    """The Plan of a configured run (``train`` section) on one page size and text length;
    ``checkpoint_max_pixels``: the checkpoint's own limit, used when ``train.max_pixels`` is unset."""
    targets = tuple(t for t in LORA_MODULES if t in params.lora.target_modules)
    return Plan(arch, method=params.method, precision=params.precision, batch=params.batch_size,
                text_tokens=text_tokens, image_height=image_height, image_width=image_width,
                max_pixels=params.max_pixels or checkpoint_max_pixels,
                gradient_checkpointing=params.gradient_checkpointing,
                lora_rank=params.lora.r, lora_modules_per_layer=len(targets), lora_targets=targets,
                lora_dropout=params.lora.dropout, freeze_vision=params.freeze.vision,
                freeze_merger=params.freeze.merger, freeze_language=params.freeze.language)


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


def _linear_weights(a: Architecture) -> int:
    """Weights (not biases) of one decoder layer's seven linear layers."""
    kv = a.kv_heads * (a.hidden // a.heads)
    return 2 * a.hidden * (a.hidden + kv) + 3 * a.hidden * a.intermediate


def _targets(plan: Plan) -> tuple[str, ...]:
    return plan.lora_targets or LORA_MODULES[: plan.lora_modules_per_layer]


def _trainable(plan: Plan) -> int:
    a = plan.architecture
    if plan.method == "full":
        return a.text_params() + a.vision_params() + a.merger_params()
    if plan.method == "freeze":
        parts = ((plan.freeze_vision, a.vision_params()), (plan.freeze_merger, a.merger_params()),
                 (plan.freeze_language, a.text_params()))
        return sum(n for frozen, n in parts if not frozen)
    # LoRA and QLoRA: A (in x r) and B (r x out) per adapted linear layer of the language model.
    kv = a.kv_heads * (a.hidden // a.heads)
    in_plus_out = dict(zip(LORA_MODULES, (2 * a.hidden, a.hidden + kv, a.hidden + kv, 2 * a.hidden,
                                          a.hidden + a.intermediate, a.hidden + a.intermediate,
                                          a.intermediate + a.hidden), strict=True))
    return a.layers * plan.lora_rank * sum(in_plus_out[t] for t in _targets(plan))


def _text_layer(plan: Plan, w: int, trains: bool) -> float:
    """Bytes saved per token by one decoder layer (see the module docstring)."""
    h, i = plan.architecture.hidden, plan.architecture.intermediate
    attention = 4 * w * h  # q after RoPE, K and V repeated to all heads, SDPA output (= o_proj input)
    if trains:  # RMSNorm: fp32 input, normed, output (the linears' input); SwiGLU: gate, up, silu, product
        return 2 * h * (4 + 2 * w) + attention + 4 * w * i
    layer = 2 * 4 * h + attention + 3 * w * i  # frozen base: norms keep their fp32 input, linears no input
    if plan.method not in ("lora", "qlora"):
        return layer
    ins = {"q_proj": h, "k_proj": h, "v_proj": h, "o_proj": h, "gate_proj": h, "up_proj": h, "down_proj": i}
    targets = _targets(plan)
    if plan.lora_dropout > 0:  # per adapter: the dropout's mask and output (lora_A's input), in fp32
        return layer + 4 * (sum(2 * ins[t] for t in targets) + plan.lora_rank * len(targets))
    if w != 4:  # no dropout, but peft casts the 16-bit input to each fp32 adapter: one copy each
        return layer + 4 * sum(ins[t] + plan.lora_rank for t in targets)
    # fp32, no dropout: lora_A keeps the shared input itself; o_proj's is the SDPA output, already counted.
    inputs = sum(n for group, n in ((LORA_MODULES[:3], h), (LORA_MODULES[4:6], h), (("down_proj",), i))
                 if set(group) & set(targets))
    return layer + w * inputs + 4 * plan.lora_rank * len(targets)


def _activations(plan: Plan) -> float:
    a = plan.architecture
    w = 2 if plan.precision in ("bf16", "fp16") else 4
    s, b = plan.text_tokens + image_tokens(plan), plan.batch
    tokens, patches, vh = s * b, image_tokens(plan) * a.merge**2 * b, a.vision_hidden
    vision_trains = plan.method == "full" or (plan.method == "freeze" and not plan.freeze_vision)
    merger_trains = vision_trains or (plan.method == "freeze" and not plan.freeze_merger)
    language_trains = plan.method == "full" or (plan.method == "freeze" and not plan.freeze_language)
    mask = b * s * s * w if b > 1 else 0  # padding mask, materialised by each layer's SDPA call
    layer = tokens * _text_layer(plan, w, language_trains) + mask
    block = patches * (2 * vh * (4 + 2 * w) + w * (7 * vh + 4 * a.vision_intermediate))
    if plan.gradient_checkpointing:  # every layer's input, plus the one layer being recomputed in backward
        text = a.layers * tokens * a.hidden * w + max(layer, block if vision_trains else 0)
        vision = a.vision_depth * patches * vh * w
    else:
        text, vision = a.layers * layer, (a.vision_depth * block if vision_trains else 0)
    pixels = patches * 3 * 2 * a.patch**2 * w if vision_trains else 0  # the patch embedding's input
    merger = patches * vh * (4 + 4 * w) if merger_trains else 0  # RMSNorm, two merged-width MLP tensors
    # Final norm, RoPE cos/sin, and the fp32 log-probabilities the cross-entropy keeps (s x vocab).
    norm = 4 + 2 * w if language_trains else 4
    head = tokens * (norm * a.hidden + 2 * (a.hidden // a.heads) * w + 4 * a.vocab)
    return text + vision + pixels + merger + head


def estimate(plan: Plan) -> Estimate:
    a = plan.architecture
    total = a.text_params() + a.vision_params() + a.merger_params()
    trainable = _trainable(plan)
    half = plan.precision in ("bf16", "fp16")
    adapters = plan.method in ("lora", "qlora")  # peft keeps adapters in fp32 (autocast_adapter_dtype)
    if plan.method == "qlora":
        # NF4 (+ double-quantised constants) for the language model's linear weights only: the vision
        # tower and lm_head are skipped (methods.quantization_config), and peft's
        # prepare_model_for_kbit_training casts every weight left in 16 bits to fp32: embeddings,
        # norms, biases, the vision tower (~1 B parameters on the 3B, ~1.8 B on the 7B).
        quantised = a.layers * _linear_weights(a)
        weights = quantised * (0.5 + 0.03) + (total - quantised) * 4 + trainable * 4
    else:
        weights = total * (2 if half else 4) + (trainable * 4 if adapters else 0)
    gradients = trainable * (2 if half and not adapters else 4)
    # AdamW's two fp32 moments, plus an fp32 master copy of every 16-bit trainable weight.
    optimizer = trainable * (8 + (4 if half and not adapters else 0))
    return Estimate(weights, gradients, optimizer, _activations(plan), trainable, total, image_tokens(plan))


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


def format_report(plan: Plan, est: Estimate) -> str:
    """The estimate as a table for a terminal or a log, in GiB (or MiB for small runs)."""
    unit, div = ("GiB", GIB) if est.total >= GIB else ("MiB", MIB)
    ckpt = "on" if plan.gradient_checkpointing else "off"
    title = (f"memory plan: method {plan.method}, {plan.precision}, batch {plan.batch}, {est.image_tokens} "
             f"image + {plan.text_tokens} text tokens per sample, checkpointing {ckpt}")
    lines = [title]
    lines += [f"  {name:<12}{value / div:>10.2f} {unit}" for name, value in est.table().items()]
    lines.append(f"  parameters: {est.trainable_params:,} trainable of {est.total_params:,}")
    name, saved = biggest_saving(plan)
    lines.append(f"  biggest saving: {name} (-{saved / div:.2f} {unit})" if saved > 0
                 else "  biggest saving: none of the usual knobs saves memory here")
    return "\n".join(lines)


@dataclass(frozen=True)
class Measured:
    """Bytes of one real training step, by the estimate's components."""

    weights: int
    gradients: int
    optimizer: int
    activations: int

    @property
    def total(self) -> int:
        return self.weights + self.gradients + self.optimizer + self.activations


def _nbytes(tensors: Iterable[torch.Tensor]) -> int:
    return sum(t.numel() * t.element_size() for t in tensors)


def measure(model: torch.nn.Module, batch: dict[str, torch.Tensor],
            optimizer_factory: Callable[[list[torch.nn.Parameter]], torch.optim.Optimizer]) -> Measured:
    """Run one training step (forward, backward, ``optimizer.step()``) and account its memory.

    On CPU torch has no peak-memory counter (``max_memory_allocated`` is CUDA's), and the resident
    size mixes in the allocator's cache, Python and every library. So each component the estimate
    models is accounted exactly instead: parameter bytes (shared tensors once), ``.grad`` bytes,
    the optimizer state's tensors after the step, and the tensors saved for backward during the
    forward pass (``saved_tensors_hooks``), de-duplicated by storage: views and repeated saves are
    one allocation, and saved parameters are weights. Under non-reentrant checkpointing the hook
    sees what the checkpoint keeps (the layer inputs), not the recomputation in backward.
    The model takes that one optimizer step; its gradients are cleared and its mode restored.
    """
    import torch

    params = list({id(p): p for p in model.parameters()}.values())
    param_storages = {p.untyped_storage().data_ptr() for p in params}
    saved: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        try:
            storage = t.untyped_storage()
        except (RuntimeError, NotImplementedError):  # tensors without storage (e.g. some subclasses)
            return t
        if storage.data_ptr() not in param_storages:
            saved.setdefault(storage.data_ptr(), storage.nbytes())
        return t

    optimizer, was_training = optimizer_factory([p for p in params if p.requires_grad]), model.training
    optimizer.zero_grad(set_to_none=True)
    model.train()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = model(**batch).loss
    loss.backward()
    gradients = _nbytes(p.grad for p in params if p.grad is not None)
    optimizer.step()
    state = _nbytes(v for st in optimizer.state.values() for v in st.values() if isinstance(v, torch.Tensor))
    optimizer.zero_grad(set_to_none=True)
    model.train(was_training)
    return Measured(_nbytes(params), gradients, state, sum(saved.values()))
