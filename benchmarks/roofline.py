"""Roofline of the configured model: prefill, decode and a training step on the H200 and on this CPU.

    python benchmarks/roofline.py                          # production profile (3B), ~20 s on 2 cores
    python benchmarks/roofline.py --profile params.yaml    # the tiny default as "the configured model"
    python benchmarks/roofline.py --no-cpu-runs            # skip timing the tiny default here

For the configured model (``--profile``, default ``profiles/production.yaml``: Qwen2.5-VL-3B at
``train.max_pixels``; also the 7B and the tiny default of ``params.yaml``), every phase's FLOPs and
bytes are counted from the model's own layers: the config is built on the meta device (nothing
allocated, nothing downloaded: ``claimvlm.model.standin.hub_config`` for a hub id that is not in
the local cache) and every ``nn.Linear``/``nn.Conv3d`` is listed, so the weights counted here are
``benchmarks/train_throughput.matmul_params`` of the same model (checked at run time). Each phase's
arithmetic intensity ``AI = FLOPs / bytes`` is then set against a roofline
``attainable = min(peak, AI x bandwidth)``; its ridge point is ``peak / bandwidth``, and a phase is
memory-bound below the ridge, compute-bound above it.

Machines: the H200 at 989 TFLOP/s (dense bf16) and 4.8 TB/s, with the phases in bf16 (2 bytes a
value); this CPU, measured at run time, with the phases in fp32 (4 bytes: what the project runs on
a CPU): peak = the best of a few fp32 ``torch.matmul`` of 4096 x 4096 (2n^3 FLOPs, torch threads =
cores), bandwidth = the best of a few ``Tensor.copy_`` of 1 GiB, counted as read + write
(2 GiB a copy; the write-allocate read a cache also does is not counted, as STREAM does).

Sizes. A page is A4 at 150 dpi (1754 x 1240) resized as Qwen2-VL does (``memory.image_tokens``):
I language-model image tokens, P = 4I vision patches (14 px, merged 2 x 2); T = I + text tokens
(``--text-tokens``, the prompt with its OCR anchor; + ``--answer-tokens`` in training). Decode
reads a KV cache of L = I + text + answer/2 tokens per sequence (the mean over the answer).

FLOPs (a multiply-add is 2): every GEMM ``2 x rows x fan_in x fan_out`` (Conv3d patch embedding
as a GEMM over patches; biases not counted as FLOPs). Rows: P for the patch embedding and the
vision blocks, I for the merger, T for the language model, and for the LM head only the tokens
that need logits (prefill: the last one; training: all). Attention: QK^T and AV, 4 x S x d FLOPs
per query token and layer (d = heads x head_dim; S = keys it attends: causal prefill S = i for
query i, decode S = L, vision full blocks S = P, window blocks S = 64 patches of a 112-px window).
So prefill ~ 2 N_LM T + 2 N_vision P + attention, decode ~ 2 N_LM b + 4 L d layers b per step.

Bytes (per operator, unfused, nothing reused across operators or kept in cache):
- every GEMM reads its weights once per pass (bf16 2 bytes, fp32 4; LoRA adapters fp32), reads its
  input rows and writes its output rows (activations at the phase's width);
- attention (SDPA/FlashAttention: no score matrix in memory) reads Q, K, V and writes O; decode
  reads the whole KV cache, b x L x 2 x kv_heads x head_dim per layer, and writes the new K, V;
- prefill writes the KV cache (T x 2 x kv_dim per layer); the embedding lookup reads its rows;
- training step (one micro-batch = one optimizer step, as measured): forward, the recomputed
  forward of each checkpointed layer (gradient checkpointing), the backward's input gradients
  (weights, output gradient and input gradient moved again; flash backward 2.5 x the forward's
  FLOPs and reads Q, K, V, O, dO, writes dQ, dK, dV) for every part a gradient passes through, the
  weight gradients of trainable GEMMs (input and output gradient read, gradient written), and
  AdamW: 28 bytes per trainable parameter (fp32 p, g, m, v read; p, m, v written). A frozen vision
  tower (LoRA) runs forward only.
Not counted: norms, activation functions, RoPE, residual adds, softmax/cross-entropy, dropout,
padding within a batch, the Python and kernel-launch overheads. So the intensities are those of
the GEMM and attention traffic; fused kernels move fewer bytes (higher AI), unfused elementwise
ops more (lower AI).

Measured points (achieved FLOP/s = the phase's FLOPs as counted here / measured time):
- H200 (``benchmarks/results/gpu_profile_h200_b*.json``, one H200, 3B stand-in): LoRA bf16
  training, this count's step FLOPs at the measured batch and tokens per sample / the measured
  s/step; reading (``generate``, batch 8 and 32, 128 new tokens): decode FLOPs per new token x
  new tokens/s. The reading time also holds the pages' preprocessing and prefill, so it is a lower
  bound on decode's rate.
- this CPU (measured now, unless ``--no-cpu-runs``): the default tiny model (params.yaml's
  ``train.model``) on a synthetic batch at the default page size: full fine-tuning steps in fp32
  (AdamW) and greedy decode at batch 1 and 8 (per-step time = (t(n new tokens) - t(1)) / (n - 1),
  so prefill is excluded). Its ~20 MB of fp32 weights fit in this CPU's caches, so DRAM bandwidth
  does not bound it: a tiny-model point may sit above the DRAM roof.

Figures to ``--out`` (JSON), a table on the terminal, a log-log plot to ``--png``. Not a test:
nothing is asserted about time (tests/test_roofline.py checks the counting).
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import json
import math
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from rich.console import Console
from rich.table import Table

if str(Path(__file__).resolve().parent) not in sys.path:  # its neighbour, imported as gpu_profile.py does
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_throughput import formula_flops_per_token, matmul_params

ROOT = Path(__file__).resolve().parents[1]
GIB = 2**30
A4_150DPI = (1754, 1240)  # height, width: memory.Plan's page
OPTIMIZER_BYTES = 28  # AdamW in fp32, per trainable parameter: read p, g, m, v; write p, m, v


# --------------------------------------------------------------------------- machines

@dataclass(frozen=True)
class Machine:
    key: str
    name: str
    peak: float  # FLOP/s
    bandwidth: float  # bytes/s
    value_bytes: int  # the width the phases run at on it: 2 (bf16) or 4 (fp32)
    source: str

    @property
    def ridge(self) -> float:
        """Arithmetic intensity (FLOP/byte) where the memory roof meets the compute roof."""
        return self.peak / self.bandwidth

    def attainable(self, intensity: float) -> float:
        return min(self.peak, intensity * self.bandwidth)

    def bound(self, intensity: float) -> str:
        return "compute" if intensity >= self.ridge else "memory"


H200 = Machine("h200", "NVIDIA H200", 989e12, 4.8e12, 2, "datasheet: 989 TFLOP/s dense bf16, 4.8 TB/s HBM3e")


def measure_cpu_peak(n: int = 4096, repeats: int = 4, dtype: torch.dtype = torch.float32) -> float:
    """Best FLOP/s of n x n matrix products (2 n^3 FLOPs each) with the torch threads set."""
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    c = torch.empty(n, n, dtype=dtype)
    torch.matmul(a, b, out=c)  # warm-up: threads, kernels, pages
    best = math.inf
    for _ in range(repeats):
        started = time.perf_counter()
        torch.matmul(a, b, out=c)
        best = min(best, time.perf_counter() - started)
    return 2.0 * n**3 / best


def measure_cpu_bandwidth(nbytes: int = GIB, repeats: int = 5) -> float:
    """Best bytes/s of a ``copy_`` of nbytes, counted as read + write (STREAM's copy convention)."""
    src = torch.ones(nbytes // 4, dtype=torch.float32)
    dst = torch.zeros_like(src)  # touched: no page faults in the timed copies
    dst.copy_(src)
    best = math.inf
    for _ in range(repeats):
        started = time.perf_counter()
        dst.copy_(src)
        best = min(best, time.perf_counter() - started)
    del src, dst
    return 2.0 * nbytes / best


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "CPU"


def measure_cpu() -> tuple[Machine, dict[str, Any]]:
    torch.set_num_threads(os.cpu_count() or 1)
    peak = measure_cpu_peak()
    bandwidth = measure_cpu_bandwidth()
    bf16 = measure_cpu_peak(dtype=torch.bfloat16, repeats=3)
    name = f"this CPU ({cpu_name()}, {os.cpu_count()} cores)"
    source = (f"measured: best of 4 fp32 torch.matmul 4096x4096 ({torch.get_num_threads()} threads); "
              "best of 5 copy_ of 1 GiB, read + write")
    info = {"cores": os.cpu_count(), "torch_threads": torch.get_num_threads(), "cpu": cpu_name(),
            "peak_fp32_flops": peak, "bandwidth_bytes_s": bandwidth,
            "bf16_matmul_flops_info": bf16, "torch": torch.__version__}
    return Machine("cpu", name, peak, bandwidth, 4, source), info


# --------------------------------------------------------------------------- the model's shape

@dataclass(frozen=True)
class Gemm:
    name: str
    part: str  # patch_embed | vision | merger | language | lm_head | lora
    fan_in: int
    fan_out: int
    bias: bool = False

    @property
    def weights(self) -> int:
        return self.fan_in * self.fan_out + (self.fan_out if self.bias else 0)


@dataclass(frozen=True)
class Shape:
    """What the counts need of a Qwen2.5-VL: its GEMMs (from the model's modules) and attention sizes."""

    name: str
    gemms: tuple[Gemm, ...]
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    hidden: int
    vision_hidden: int
    vision_depth: int
    full_blocks: int
    window_patches: int
    merge: int
    architecture: Any  # claimvlm.training.memory.Architecture, for the page's image tokens
    matmul_params: int  # train_throughput.matmul_params of the meta model

    def part(self, *parts: str) -> list[Gemm]:
        return [g for g in self.gemms if g.part in parts]

    def params(self, *parts: str) -> int:
        return sum(g.weights for g in self.part(*parts))


def _part(name: str) -> str:
    if name == "lm_head":
        return "lm_head"
    for key, part in (("patch_embed", "patch_embed"), ("merger", "merger"), ("visual", "vision"),
                      ("language_model", "language")):
        if key in name:
            return part
    raise ValueError(f"a matrix product outside the known parts: {name}")


def shape_from_config(config: Any, name: str) -> Shape:
    """The Shape of a Qwen2_5_VLConfig, built on the meta device (no memory, no weights)."""
    from torch import nn
    from transformers import Qwen2_5_VLForConditionalGeneration

    from claimvlm.training.memory import architecture_from_config

    with torch.device("meta"):
        model = Qwen2_5_VLForConditionalGeneration._from_config(config)
    gemms = []
    for mod_name, module in model.named_modules():
        if isinstance(module, nn.Linear):
            gemms.append(Gemm(mod_name, _part(mod_name), module.in_features, module.out_features,
                              module.bias is not None))
        elif isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
            fan_in = module.in_channels * math.prod(module.kernel_size) // module.groups
            gemms.append(Gemm(mod_name, _part(mod_name), fan_in, module.out_channels, module.bias is not None))
    n, _ = matmul_params(model)
    if sum(g.weights for g in gemms) != n:  # the same weights as the train-throughput benchmark's N
        raise RuntimeError(f"{name}: counted {sum(g.weights for g in gemms)} GEMM weights, matmul_params {n}")
    text, vision = getattr(config, "text_config", None) or config, config.vision_config
    head_dim = getattr(text, "head_dim", None) or text.hidden_size // text.num_attention_heads
    window = (vision.window_size // vision.patch_size) ** 2
    shape = Shape(name, tuple(gemms), text.num_hidden_layers, text.num_attention_heads, text.num_key_value_heads,
                  head_dim, text.hidden_size, vision.hidden_size, vision.depth,
                  len(vision.fullatt_block_indexes), window, vision.spatial_merge_size,
                  architecture_from_config(config), n)
    del model
    return shape


def hub_scale(model: str) -> str | None:
    low = model.lower()
    return "7b" if "7b" in low else "3b" if "3b" in low else None


def model_config(model: str) -> tuple[Any, str, int | None]:
    """(config, where it came from, the checkpoint's own max_pixels) of train.model, never downloading:
    a local folder's config.json, a hub id's cached config, else the released widths (standin)."""
    from transformers import AutoConfig, Qwen2_5_VLConfig

    path = Path(model) if Path(model).is_absolute() else ROOT / model
    if model == "tiny":
        path = ROOT / "models" / "base" / "claimvlm-tiny"  # the same widths as source.TinySpec
    if path.is_dir() and (path / "config.json").is_file():
        pre = path / "preprocessor_config.json"
        max_pixels = None
        if pre.is_file():
            data = json.loads(pre.read_text(encoding="utf-8"))
            max_pixels = data.get("max_pixels") or (data.get("size") or {}).get("longest_edge")
        return AutoConfig.from_pretrained(path), f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}", \
            max_pixels
    from huggingface_hub import try_to_load_from_cache

    try:
        cached = try_to_load_from_cache(model, "config.json")
    except ValueError:  # not a valid repo id: the released widths below, by name
        cached = None
    if isinstance(cached, str):
        return AutoConfig.from_pretrained(Path(cached).parent), f"{model} (local cache)", None
    scale = hub_scale(model)
    if scale is None:
        raise SystemExit(f"train.model {model!r}: not a local folder, not cached, and not a 3B/7B hub id")
    from claimvlm.model.standin import PREPROCESSOR_CONFIG, hub_config

    return (Qwen2_5_VLConfig.from_dict(hub_config(scale)), f"{model} (released widths, claimvlm.model.standin)",
            PREPROCESSOR_CONFIG["max_pixels"])


# --------------------------------------------------------------------------- counting

@dataclass
class Cost:
    flops: float = 0.0
    bytes: float = 0.0
    parts: dict[str, list[float]] = field(default_factory=dict)

    def add(self, part: str, flops: float, nbytes: float) -> None:
        self.flops += flops
        self.bytes += nbytes
        entry = self.parts.setdefault(part, [0.0, 0.0])
        entry[0] += flops
        entry[1] += nbytes

    @property
    def intensity(self) -> float:
        return self.flops / self.bytes


def _gemm(cost: Cost, g: Gemm, rows: float, w: float, a: float, *, label: str | None = None) -> None:
    """One pass of a GEMM over rows: weights once, input read, output written."""
    cost.add(label or g.part, 2.0 * rows * g.fan_in * g.fan_out, w * g.weights + a * rows * (g.fan_in + g.fan_out))


def lora_gemms(shape: Shape, r: int, targets: tuple[str, ...]) -> list[Gemm]:
    """peft's lora_A (fan_in -> r) and lora_B (r -> fan_out) beside each targeted language linear."""
    out = []
    for g in shape.part("language"):
        if g.name.rsplit(".", 1)[-1] in targets:
            out += [Gemm(g.name + ".lora_A", "lora", g.fan_in, r), Gemm(g.name + ".lora_B", "lora", r, g.fan_out)]
    return out


def page_tokens(shape: Shape, max_pixels: int, height: int = A4_150DPI[0], width: int = A4_150DPI[1]) -> int:
    """Language-model image tokens of one page (Qwen2-VL's resize, claimvlm.training.memory)."""
    from claimvlm.training.memory import Plan, image_tokens

    return image_tokens(Plan(shape.architecture, image_height=height, image_width=width, max_pixels=max_pixels))


def _vision_attention(shape: Shape, patches: float, pages: int) -> tuple[float, float]:
    """(FLOPs, elements moved) of the vision tower's attention over one forward, for pages pages."""
    per_page = patches
    full = 4.0 * shape.vision_hidden * per_page * per_page
    window = 4.0 * shape.vision_hidden * per_page * min(shape.window_patches, per_page)
    flops = pages * (shape.full_blocks * full + (shape.vision_depth - shape.full_blocks) * window)
    moved = pages * shape.vision_depth * 4.0 * per_page * shape.vision_hidden  # Q, K, V read; O written
    return flops, moved


def prefill(shape: Shape, image_tokens: int, text_tokens: int, value_bytes: int, pages: int = 1) -> Cost:
    """One page (or ``pages`` pages) read in: vision tower over its patches, the language model over
    T = image + text tokens (causal), the KV cache written, logits for the last token only."""
    w = a = value_bytes
    cost = Cost()
    patches, t = image_tokens * shape.merge**2, image_tokens + text_tokens
    for g in shape.part("patch_embed", "vision"):
        _gemm(cost, g, pages * patches, w, a, label="vision")
    flops, moved = _vision_attention(shape, patches, pages)
    cost.add("vision attention", flops, a * moved)
    for g in shape.part("merger"):
        _gemm(cost, g, pages * image_tokens, w, a)
    for g in shape.part("language"):
        _gemm(cost, g, pages * t, w, a)
    dq, dkv = shape.heads * shape.head_dim, shape.kv_heads * shape.head_dim
    causal = 2.0 * dq * t * (t + 1)  # sum over queries i of 4 d i
    cost.add("attention", pages * shape.layers * causal, a * pages * shape.layers * t * 2 * (dq + dkv))
    cost.add("kv cache", 0.0, a * pages * shape.layers * t * 2 * dkv)
    cost.add("embedding", 0.0, a * pages * t * shape.hidden)
    for g in shape.part("lm_head"):
        _gemm(cost, g, pages, w, a)
    return cost


def decode(shape: Shape, batch: int, context: int, value_bytes: int) -> Cost:
    """One decode step of ``batch`` sequences, each attending a KV cache of ``context`` tokens:
    every language weight and the LM head read once, the whole KV cache read, one K, V written."""
    w = a = value_bytes
    cost = Cost()
    for g in shape.part("language", "lm_head"):
        _gemm(cost, g, batch, w, a)
    dq, dkv = shape.heads * shape.head_dim, shape.kv_heads * shape.head_dim
    cost.add("attention", shape.layers * 4.0 * dq * context * batch,
             a * shape.layers * batch * (2 * dq + 2 * dkv * context))
    cost.add("kv cache", 0.0, a * shape.layers * batch * 2 * dkv)
    cost.add("embedding", 0.0, a * batch * shape.hidden)
    return cost


@dataclass(frozen=True)
class TrainSetup:
    method: str = "lora"  # lora | qlora (counted as lora) | full | freeze
    lora_r: int = 16
    lora_targets: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
    lora_vision: str = "frozen"  # frozen | merger | full
    freeze_vision: bool = True
    freeze_merger: bool = False
    freeze_language: bool = False
    recompute: bool = True  # gradient checkpointing

    @classmethod
    def of(cls, train: Any) -> TrainSetup:
        return cls(train.method, train.lora.r, tuple(train.lora.target_modules),
                   getattr(train.lora, "vision", "frozen"), train.freeze.vision, train.freeze.merger,
                   train.freeze.language, train.gradient_checkpointing)

    def trains(self) -> dict[str, bool]:
        """Which parts have trainable weights (lora: the adapters; the language linears stay frozen)."""
        if self.method == "full":
            return dict.fromkeys(("vision", "merger", "language", "lora"), True) | {"lora": False}
        if self.method == "freeze":
            return {"vision": not self.freeze_vision, "merger": not self.freeze_merger,
                    "language": not self.freeze_language, "lora": False}
        return {"vision": self.lora_vision == "full", "merger": self.lora_vision in ("merger", "full"),
                "language": False, "lora": True}


def train_step(shape: Shape, setup: TrainSetup, batch: int, image_tokens: int, text_tokens: int,
               value_bytes: int) -> Cost:
    """One optimizer step on ``batch`` samples of image_tokens + text_tokens (prompt and answer),
    forward, recompute (checkpointing), backward and AdamW, as the module docstring counts it."""
    w = a = value_bytes
    trains = setup.trains()
    lora = lora_gemms(shape, setup.lora_r, setup.lora_targets) if trains["lora"] else []
    cost = Cost()
    patches, t = image_tokens * shape.merge**2, image_tokens + text_tokens
    rows = {"patch_embed": batch * patches, "vision": batch * patches, "merger": batch * image_tokens,
            "language": batch * t, "lora": batch * t, "lm_head": batch * t}
    lm_trains = trains["language"] or trains["lora"]
    # A gradient passes through a part when something before it (in the forward) or in it trains.
    grad_in = {"patch_embed": False, "vision": trains["vision"], "merger": trains["vision"],
               "language": trains["vision"] or trains["merger"] or lm_trains,
               "lora": trains["vision"] or trains["merger"] or lm_trains}
    grad_in["lm_head"] = grad_in["language"]
    weight_grad = {"patch_embed": trains["vision"], "vision": trains["vision"], "merger": trains["merger"],
                   "language": trains["language"], "lora": trains["lora"], "lm_head": trains["language"]}
    recomputed = {"vision": setup.recompute and (grad_in["vision"] or weight_grad["vision"]),
                  "language": setup.recompute and grad_in["language"], "lora": setup.recompute and grad_in["lora"]}
    for g in list(shape.gemms) + lora:
        wb = 4 if g.part == "lora" else w  # peft keeps adapters in fp32
        m = rows[g.part]
        _gemm(cost, g, m, wb, a)
        if recomputed.get(g.part, False):
            _gemm(cost, g, m, wb, a, label="recompute")
        if grad_in[g.part]:
            _gemm(cost, g, m, wb, a, label="backward")  # dX = dY W^T: weights, dY read, dX written
        if weight_grad[g.part]:  # dW = X^T dY: X and dY read, dW written
            cost.add("backward", 2.0 * m * g.fan_in * g.fan_out, a * m * (g.fan_in + g.fan_out) + wb * g.weights)
    dq, dkv = shape.heads * shape.head_dim, shape.kv_heads * shape.head_dim
    causal = batch * shape.layers * 2.0 * dq * t * (t + 1)
    fwd_moved = batch * shape.layers * t * 2 * (dq + dkv)
    cost.add("attention", causal, a * fwd_moved)
    if grad_in["language"]:
        if setup.recompute:
            cost.add("recompute", causal, a * fwd_moved)
        cost.add("backward", 2.5 * causal, a * batch * shape.layers * t * 4 * (dq + dkv))
    flops, moved = _vision_attention(shape, patches, batch)
    cost.add("vision attention", flops, a * moved)
    if grad_in["vision"]:
        if recomputed["vision"]:
            cost.add("recompute", flops, a * moved)
        cost.add("backward", 2.5 * flops, a * moved * 2)
    cost.add("embedding", 0.0, a * batch * t * shape.hidden)
    trainable = sum(g.weights for g in lora) + sum(g.weights for g in shape.gemms if weight_grad[g.part])
    cost.add("optimizer", 0.0, OPTIMIZER_BYTES * trainable)
    return cost


def trainable_params(shape: Shape, setup: TrainSetup) -> int:
    trains = setup.trains()
    lora = lora_gemms(shape, setup.lora_r, setup.lora_targets) if trains["lora"] else []
    parts = [p for p, on in (("vision", trains["vision"]), ("patch_embed", trains["vision"]),
                             ("merger", trains["merger"]), ("language", trains["language"]),
                             ("lm_head", trains["language"])) if on]
    return sum(g.weights for g in lora) + shape.params(*parts)


# --------------------------------------------------------------------------- phases of a model

def phases(shape: Shape, *, max_pixels: int, text_tokens: int, answer_tokens: int, decode_batches: list[int],
           train_batches: list[int], setup: TrainSetup, machines: list[Machine]) -> dict[str, Any]:
    """Every phase's FLOPs, bytes and intensity at each machine's width, attainable FLOP/s and bound."""
    image = page_tokens(shape, max_pixels)
    context = image + text_tokens + answer_tokens // 2
    rows: list[dict[str, Any]] = []

    def row(phase: str, batch: int, unit: str, make: Any) -> None:
        entry: dict[str, Any] = {"phase": phase, "batch": batch, "unit": unit, "machines": {}}
        for m in machines:
            cost = make(m.value_bytes)
            ai = cost.intensity
            entry["flops"] = cost.flops
            entry["machines"][m.key] = {
                "value_bytes": m.value_bytes, "bytes": cost.bytes, "intensity": ai, "attainable": m.attainable(ai),
                "bound": m.bound(ai), "roofline_time_s": cost.flops / m.attainable(ai),
                "parts": {k: {"flops": v[0], "bytes": v[1]} for k, v in cost.parts.items()}}
        rows.append(entry)

    row("prefill", 1, "one page", lambda vb: prefill(shape, image, text_tokens, vb))
    for b in decode_batches:
        row("decode", b, "one step (b new tokens)", lambda vb, b=b: decode(shape, b, context, vb))
    for b in train_batches:
        row(f"train ({setup.method})", b, "one optimizer step",
            lambda vb, b=b: train_step(shape, setup, b, image, text_tokens + answer_tokens, vb))
    lora = lora_gemms(shape, setup.lora_r, setup.lora_targets) if setup.trains()["lora"] else []
    n, n_t = shape.matmul_params + sum(g.weights for g in lora), trainable_params(shape, setup)
    return {
        "model": shape.name,
        "page": {"max_pixels": max_pixels, "page_px": list(A4_150DPI), "image_tokens": image,
                 "patches": image * shape.merge**2, "text_tokens": text_tokens, "answer_tokens": answer_tokens,
                 "decode_context": context},
        "params": {"matmul_params": shape.matmul_params, "with_adapters": n, "trainable": n_t,
                   "language": shape.params("language"), "lm_head": shape.params("lm_head"),
                   "vision": shape.params("vision", "patch_embed"), "merger": shape.params("merger")},
        "train_setup": setup.__dict__ | {"lora_targets": list(setup.lora_targets)},
        # train_throughput's per-token formula (4N + 2N_t [+2N], or 6N), for comparison with this count
        "formula_flops_per_token": formula_flops_per_token(n, n_t, full=setup.method == "full",
                                                           recompute=setup.recompute),
        "phases": rows,
    }


# --------------------------------------------------------------------------- measured points

def h200_points(paths: list[Path], shape: Shape, setup: TrainSetup) -> list[dict[str, Any]]:
    """The GPU profile's training and reading figures, each with this count's FLOPs at its own sizes."""
    points = []
    for path in paths:
        fig = json.loads(path.read_text(encoding="utf-8"))
        tr, rd = fig.get("train") or {}, fig.get("reading") or {}
        if tr:
            image, text = round(tr["image_tokens_per_sample"]), round(tr["text_tokens_per_sample"])
            run = TrainSetup(tr["method"], setup.lora_r, setup.lora_targets, setup.lora_vision,
                             recompute=bool(tr["gradient_checkpointing"]))
            cost = train_step(shape, run, tr["batch_size"], image, text, H200.value_bytes)
            per_token = cost.flops / (tr["batch_size"] * (image + text))
            # tokens/s, not FLOPs per full batch / s_per_step: an epoch's last batch is short (25 samples)
            points.append({
                "label": f"H200 train {tr['method']} b{tr['batch_size']}", "machine": "h200", "kind": "train",
                "source": str(path.relative_to(ROOT)), "batch": tr["batch_size"], "intensity": cost.intensity,
                "flops_per_s": per_token * tr["tokens_per_s"], "flops_per_step": cost.flops,
                "s_per_step": tr["s_per_step"], "tokens_per_s": tr["tokens_per_s"],
                "flops_per_token": per_token,
                "flops_per_token_formula": tr.get("flops_per_token_formula"),
                "flops_per_token_counted": tr.get("flops_per_token_counted"),
                "tflops_counted": tr.get("tflops_counted")})
        if rd:
            image = round(tr.get("image_tokens_per_sample", page_tokens(shape, tr.get("max_pixels") or 1003520)))
            text = round(tr.get("text_tokens_per_sample", 512))
            context = image + text + rd["max_new_tokens"] // 2
            cost = decode(shape, rd["batch_size"], context, H200.value_bytes)
            per_token = cost.flops / rd["batch_size"]
            points.append({
                "label": f"H200 reading b{rd['batch_size']}", "machine": "h200", "kind": "decode",
                "source": str(path.relative_to(ROOT)), "batch": rd["batch_size"], "intensity": cost.intensity,
                "flops_per_s": per_token * rd["new_tokens_per_s"], "new_tokens_per_s": rd["new_tokens_per_s"],
                "pages_per_s": rd["pages_per_s"], "decode_context": context,
                "note": "generate's wall time includes preprocessing and prefill: a lower bound on decode"})
    return sorted(points, key=lambda p: (p["kind"] != "train", p["batch"]))


def _synthetic_inputs(model: Any, batch: int, grid: tuple[int, int], text: int) -> dict[str, torch.Tensor]:
    """A batch of pages of grid patches and ``text`` random text tokens, as the processor lays them out."""
    cfg = model.config
    gh, gw = grid
    image = gh * gw // cfg.vision_config.spatial_merge_size**2
    vocab = cfg.text_config.vocab_size
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(16, vocab, (batch, 2 + image + text), generator=gen)
    ids[:, 0], ids[:, 1:1 + image], ids[:, 1 + image] = (cfg.vision_start_token_id, cfg.image_token_id,
                                                        cfg.vision_end_token_id)
    pv = torch.randn(batch * gh * gw, 3 * cfg.vision_config.temporal_patch_size * cfg.vision_config.patch_size**2,
                     generator=gen)
    return {"input_ids": ids, "attention_mask": torch.ones_like(ids), "pixel_values": pv,
            "image_grid_thw": torch.tensor([[1, gh, gw]] * batch)}


def _grid(shape: Shape, max_pixels: int) -> tuple[int, int]:
    """The resized A4 page's (height, width) in patches, as claimvlm.training.memory.image_tokens sizes it."""
    unit = shape.architecture.patch * shape.merge
    h, w = A4_150DPI
    hh, ww = max(1, round(h / unit)), max(1, round(w / unit))
    if hh * ww * unit * unit > max_pixels:
        beta = math.sqrt(h * w / max_pixels)
        hh, ww = max(1, math.floor(h / beta / unit)), max(1, math.floor(w / beta / unit))
    if hh * ww != page_tokens(shape, max_pixels):
        raise RuntimeError(f"page grid {hh} x {ww} disagrees with memory.image_tokens")
    return hh * shape.merge, ww * shape.merge


def cpu_points(model_path: Path, shape: Shape, cpu: Machine, max_pixels: int, text_tokens: int,
               answer_tokens: int, train_batch: int, steps: int = 3, new_tokens: int = 24,
               decode_batches: tuple[int, ...] = (1, 8)) -> list[dict[str, Any]]:
    """Time the default tiny model here: full fp32 training steps and greedy decode."""
    from transformers import AutoModelForImageTextToText

    model = AutoModelForImageTextToText.from_pretrained(model_path, dtype=torch.float32, attn_implementation="sdpa")
    grid = _grid(shape, max_pixels)
    image = page_tokens(shape, max_pixels)
    text = text_tokens + answer_tokens
    points = []
    inputs = _synthetic_inputs(model, train_batch, grid, text)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-6)
    times = []
    for i in range(steps + 1):
        started = time.perf_counter()
        loss = model(**inputs, labels=inputs["input_ids"]).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        if i:  # the first pays one-time set-up
            times.append(time.perf_counter() - started)
    s_step = min(times)
    cost = train_step(shape, TrainSetup("full", recompute=False), train_batch, image, text, cpu.value_bytes)
    points.append({"label": f"CPU train full b{train_batch} (tiny)", "machine": "cpu", "kind": "train",
                   "source": f"measured now: {model_path.relative_to(ROOT)}, fp32, synthetic batch, best of "
                             f"{steps} steps", "batch": train_batch, "intensity": cost.intensity,
                   "flops_per_s": cost.flops / s_step, "s_per_step": s_step,
                   "tokens_per_s": train_batch * (image + text) / s_step})
    del opt
    model.eval()
    prompt = text_tokens
    for b in decode_batches:
        inputs = _synthetic_inputs(model, b, grid, prompt)
        kw = {"do_sample": False, "pad_token_id": model.config.text_config.pad_token_id or 0}
        with torch.no_grad():
            model.generate(**inputs, max_new_tokens=2, min_new_tokens=2, **kw)  # warm-up
            timed = {}
            for n in (1, new_tokens):
                best = math.inf
                for _ in range(2):
                    started = time.perf_counter()
                    model.generate(**inputs, max_new_tokens=n, min_new_tokens=n, **kw)
                    best = min(best, time.perf_counter() - started)
                timed[n] = best
        s_token_step = (timed[new_tokens] - timed[1]) / (new_tokens - 1)
        context = image + prompt + new_tokens // 2
        cost = decode(shape, b, context, cpu.value_bytes)
        points.append({"label": f"CPU decode b{b} (tiny)", "machine": "cpu", "kind": "decode",
                       "source": f"measured now: generate, {new_tokens} new tokens, prefill subtracted",
                       "batch": b, "intensity": cost.intensity, "flops_per_s": cost.flops / s_token_step,
                       "s_per_step": s_token_step, "new_tokens_per_s": b / s_token_step, "decode_context": context})
    del model
    return points


# --------------------------------------------------------------------------- output

def _si(x: float, unit: str = "") -> str:
    for prefix, scale in (("P", 1e15), ("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(x) >= scale:
            return f"{x / scale:.3g} {prefix}{unit}"
    return f"{x:.3g} {unit}".rstrip()


def print_tables(console: Console, result: dict[str, Any], machines: list[Machine]) -> None:
    t = Table(title="machines")
    for col in ("machine", "peak FLOP/s", "bandwidth", "ridge (FLOP/B)", "phases at", "source"):
        t.add_column(col, overflow="fold")
    for m in machines:
        t.add_row(m.name, _si(m.peak, "FLOP/s"), _si(m.bandwidth, "B/s"), f"{m.ridge:.1f}",
                  {2: "bf16", 4: "fp32"}[m.value_bytes], m.source)
    console.print(t)
    for model in result["models"]:
        page, params = model["page"], model["params"]
        t = Table(title=f"{model['role']}: {model['model']} — page {page['image_tokens']} image tokens "
                        f"({page['patches']} patches) + {page['text_tokens']} text, answer {page['answer_tokens']}; "
                        f"N = {params['matmul_params']:,} (language {params['language']:,}, head "
                        f"{params['lm_head']:,}, vision {params['vision']:,}, merger {params['merger']:,})")
        cols = ["phase", "b", "FLOPs"]
        for m in machines:
            cols += [f"{m.key} bytes", f"{m.key} AI", f"{m.key} attainable", f"{m.key} bound", f"{m.key} time"]
        for col in cols:
            t.add_column(col, justify="left" if col == "phase" else "right")
        for r in model["phases"]:
            cells = [r["phase"], str(r["batch"]), _si(r["flops"])]
            for m in machines:
                x = r["machines"][m.key]
                cells += [_si(x["bytes"], "B"), f"{x['intensity']:.3g}", _si(x["attainable"], "FLOP/s"), x["bound"],
                          f"{x['roofline_time_s'] * 1e3:.3g} ms"]
            t.add_row(*cells)
        console.print(t)
    t = Table(title="measured points (achieved = this count's FLOPs / measured time)")
    for col in ("point", "AI (FLOP/B)", "achieved", "attainable", "% of attainable", "% of peak", "bound",
                "measured", "source"):
        t.add_column(col, justify="left" if col in ("point", "source", "measured") else "right", overflow="fold")
    for p in result["measured"]:
        measured = (f"{p['s_per_step']:.3g} s/step" if p["kind"] == "train"
                    else f"{p['new_tokens_per_s']:.4g} new tokens/s")
        t.add_row(p["label"], f"{p['intensity']:.3g}", _si(p["flops_per_s"], "FLOP/s"), _si(p["attainable"], "FLOP/s"),
                  f"{100 * p['fraction_of_attainable']:.3g} %", f"{100 * p['fraction_of_peak']:.3g} %", p["bound"],
                  measured, p["source"])
    console.print(t)
    for p in result["measured"]:
        if p.get("flops_per_token_formula"):
            console.print(f"{p['label']}: FLOPs/token {_si(p['flops_per_token'])} by this count; train_throughput's "
                          f"formula {_si(p['flops_per_token_formula'])}, FlopCounter {_si(p['flops_per_token_counted'])} "
                          "(one batch, padding included)", markup=False)
    info = result["cpu_measurement"]
    console.print(f"this CPU: fp32 matmul {_si(info['peak_fp32_flops'], 'FLOP/s')} (the roof), bf16 matmul "
                  f"{_si(info['bf16_matmul_flops_info'], 'FLOP/s')} (not used), copy {_si(info['bandwidth_bytes_s'], 'B/s')}",
                  markup=False)


def plot(result: dict[str, Any], machines: list[Machine], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colors = {"h200": "tab:blue", "cpu": "tab:orange"}
    fig, ax = plt.subplots(figsize=(12, 7.5), dpi=110)
    xs = [10 ** (k / 50) for k in range(-75, 226)]  # 0.03 .. 3e4 FLOP/byte
    for m in machines:
        ax.plot(xs, [m.attainable(x) for x in xs], color=colors[m.key], lw=2.2,
                label=f"{m.name}: {_si(m.peak, 'FLOP/s')}, {_si(m.bandwidth, 'B/s')}, ridge {m.ridge:.3g} FLOP/B "
                      f"(phases in {'bf16' if m.value_bytes == 2 else 'fp32'})")
        ax.plot([m.ridge], [m.peak], marker="|", ms=16, mew=2, color=colors[m.key])
    configured = result["models"][0]
    markers = {"prefill": "s", "decode": "o", "train": "D"}
    on_roof: dict[str, list[tuple[float, str]]] = {m.key: [] for m in machines}
    for r in configured["phases"]:
        kind = r["phase"].split()[0]
        short = ("prefill" if kind == "prefill" else f"decode b{r['batch']}" if kind == "decode"
                 else f"train b{r['batch']}")
        for m in machines:
            x = r["machines"][m.key]
            filled = m.key == "h200"
            ax.plot([x["intensity"]], [x["attainable"]], marker=markers[kind], ms=7, color=colors[m.key],
                    mfc=colors[m.key] if filled else "white", mew=1.5, ls="none", zorder=4)
            if x["bound"] == "compute":  # close together on the flat roof: labelled as a group below
                on_roof[m.key].append((x["intensity"], short))
            else:
                ax.annotate(short, (x["intensity"], x["attainable"]), textcoords="offset points",
                            xytext=(-4, 7) if filled else (4, -12), fontsize=7, color=colors[m.key],
                            ha="right" if filled else "left")
        ax.axvline(r["machines"]["h200"]["intensity"], color=colors["h200"], lw=0.5, ls=":", alpha=0.5, zorder=1)
    for m in machines:
        groups: list[list[tuple[float, str]]] = []
        for ai, short in sorted(on_roof[m.key]):
            if groups and ai / groups[-1][-1][0] < 1.6:
                groups[-1].append((ai, short))
            else:
                groups.append([(ai, short)])
        for group in groups:
            at = math.sqrt(group[0][0] * group[-1][0])
            if len(group) == 1:
                ax.annotate(group[0][1], (at, m.peak), textcoords="offset points", xytext=(4, -12), fontsize=7,
                            color=colors[m.key])
                continue
            text = "\n".join(f"{short} (AI {ai:.3g})" for ai, short in group)
            ax.annotate(text, (at, m.peak), textcoords="offset points", xytext=(12, 10), fontsize=7,
                        color=colors[m.key], va="bottom", arrowprops={"arrowstyle": "-", "color": colors[m.key],
                                                                     "lw": 0.6})
    for p in result["measured"]:
        same = [q for q in result["measured"] if q["machine"] == p["machine"] and q["kind"] == p["kind"]]
        higher = p["flops_per_s"] >= max(q["flops_per_s"] for q in same)
        ax.plot([p["intensity"]], [p["flops_per_s"]], marker="*", ms=14, color=colors[p["machine"]],
                mec="black", mew=0.7, ls="none", zorder=5)
        if p["kind"] == "train" and len(same) > 1:  # two training points side by side: one above, one below
            offset, ha = ((10, 6) if higher else (10, -12)), "left"
        elif p["machine"] == "h200":  # left of the star: clear of the CPU roof below
            offset, ha = (-10, -3), "right"
        else:
            offset, ha = (10, -3), "left"
        ax.annotate(f"{p['label']}: {_si(p['flops_per_s'], 'FLOP/s')}, {100 * p['fraction_of_attainable']:.2g} %",
                    (p["intensity"], p["flops_per_s"]), textcoords="offset points", xytext=offset, ha=ha,
                    fontsize=7.5, color="black")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(0.05, 3e4)
    lows = [p["flops_per_s"] for p in result["measured"]] + [m.bandwidth * 0.05 for m in machines]
    ax.set_ylim(min(lows) / 4, max(m.peak for m in machines) * 4)
    ax.set_xlabel("arithmetic intensity (FLOP / byte moved)")
    ax.set_ylabel("FLOP/s")
    page = configured["page"]
    ax.set_title(f"Roofline: {configured['model']} ({page['image_tokens']} image + {page['text_tokens']} text "
                 f"tokens a page); filled = H200 bf16, hollow = this CPU fp32; ★ measured", fontsize=10)
    from matplotlib.lines import Line2D

    handles = ax.get_legend_handles_labels()[0] + [
        Line2D([], [], marker="s", ls="none", color="gray", label="prefill, one page"),
        Line2D([], [], marker="o", ls="none", color="gray", label="decode step at batch b"),
        Line2D([], [], marker="D", ls="none", color="gray", label=f"{configured['phases'][-1]['phase']} step, batch b"),
        Line2D([], [], marker="*", ms=12, ls="none", color="gray", mec="black",
               label="measured (% of attainable at its AI)")]
    ax.legend(handles=handles, loc="lower right", fontsize=8)
    ax.grid(True, which="major", alpha=0.3)
    ax.grid(True, which="minor", alpha=0.1)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


# --------------------------------------------------------------------------- main

def parse(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", type=Path, default=ROOT / "profiles" / "production.yaml",
                    help="params file or profile of the configured model and page size")
    ap.add_argument("-S", "--set", action="append", default=[], metavar="KEY=VALUE", help="a params override")
    ap.add_argument("--text-tokens", type=int, default=512, help="prompt text tokens a page (instruction + OCR anchor)")
    ap.add_argument("--answer-tokens", type=int, default=256, help="answer tokens (training sequence; decode context)")
    ap.add_argument("--decode-batch", type=int, action="append", help="repeatable; default 1 8 32 128")
    ap.add_argument("--train-batch", type=int, action="append", help="repeatable; default: the profile's and 16")
    ap.add_argument("--gpu-results", default=str(ROOT / "benchmarks" / "results" / "gpu_profile_h200_b*.json"),
                    help="glob of gpu_profile.py JSONs to place on the H200 roofline")
    ap.add_argument("--no-7b", action="store_true", help="leave out the 7B")
    ap.add_argument("--no-cpu-runs", action="store_true", help="do not time the tiny default here")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "roofline.json")
    ap.add_argument("--png", type=Path, default=ROOT / "docs" / "roofline.png")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse(argv)
    from claimvlm.config import load_params

    console = Console(width=max(Console().width, 200))
    started = time.perf_counter()
    cpu, cpu_info = measure_cpu()
    machines = [H200, cpu]
    console.print(f"CPU measured in {time.perf_counter() - started:.1f} s", markup=False)

    profile = load_params(args.profile, args.set)
    default = load_params(ROOT / "params.yaml")
    decode_batches = args.decode_batch or [1, 8, 32, 128]
    common = {"text_tokens": args.text_tokens, "answer_tokens": args.answer_tokens, "decode_batches": decode_batches,
              "machines": machines}
    models, shapes = [], {}
    entries = [("configured", profile.train, str(args.profile.relative_to(ROOT) if args.profile.is_relative_to(ROOT)
                                                  else args.profile))]
    if not args.no_7b and hub_scale(profile.train.model) == "3b":
        entries.append(("7B alternative", profile.train.model_copy(update={"model": "Qwen/Qwen2.5-VL-7B-Instruct"}),
                        "profile with train.model=Qwen/Qwen2.5-VL-7B-Instruct"))
    entries.append(("default (params.yaml)", default.train, "params.yaml"))
    for role, train, where in entries:
        config, source, own_max = model_config(train.model)
        shape = shape_from_config(config, train.model)
        shapes[role] = shape
        setup = TrainSetup.of(train)
        batches = args.train_batch or sorted({train.batch_size, 16} if role != "default (params.yaml)"
                                             else {train.batch_size})
        max_pixels = train.max_pixels or own_max
        entry = phases(shape, max_pixels=max_pixels, train_batches=batches, setup=setup, **common)
        models.append({"role": role, "params_from": where, "config_source": source, **entry})

    # The GPU profile ran the 3B stand-in with the production profile's LoRA: its points use that shape.
    if hub_scale(profile.train.model) == "3b":
        shape_3b, setup_3b = shapes["configured"], TrainSetup.of(profile.train)
    else:
        from transformers import Qwen2_5_VLConfig

        from claimvlm.model.standin import hub_config

        shape_3b = shape_from_config(Qwen2_5_VLConfig.from_dict(hub_config("3b")), "Qwen/Qwen2.5-VL-3B-Instruct")
        setup_3b = TrainSetup.of(load_params(ROOT / "profiles" / "production.yaml").train)
    files = [Path(p) for p in sorted(glob.glob(args.gpu_results))]
    measured = h200_points([f for f in files if json.loads(f.read_text(encoding="utf-8")).get("scale") == "3b"],
                           shape_3b, setup_3b)
    if not args.no_cpu_runs:
        t0 = time.perf_counter()
        tiny = default.train
        config, _, own_max = model_config(tiny.model)
        path = ROOT / "models" / "base" / "claimvlm-tiny" if tiny.model == "tiny" else ROOT / tiny.model
        measured += cpu_points(path, shapes["default (params.yaml)"], cpu, tiny.max_pixels or own_max,
                               args.text_tokens, args.answer_tokens, tiny.batch_size)
        console.print(f"tiny default timed in {time.perf_counter() - t0:.1f} s", markup=False)
    by_key = {m.key: m for m in machines}
    for p in measured:
        m = by_key[p["machine"]]
        p["attainable"] = m.attainable(p["intensity"])
        p["fraction_of_attainable"] = p["flops_per_s"] / p["attainable"]
        p["fraction_of_peak"] = p["flops_per_s"] / m.peak
        p["bound"] = m.bound(p["intensity"])

    result = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "argv": argv if argv is not None else sys.argv[1:],
        "machines": {m.key: {"name": m.name, "peak_flops": m.peak, "bandwidth_bytes_s": m.bandwidth,
                             "ridge_flop_per_byte": m.ridge, "phases_value_bytes": m.value_bytes, "source": m.source}
                     for m in machines},
        "cpu_measurement": cpu_info,
        "models": models,
        "measured": measured,
        "assumptions": [
            ("bytes: per operator, unfused; each GEMM reads its weights, input and writes its output once; "
             "attention as SDPA/FlashAttention (Q, K, V read, O written; no score matrix); decode reads the "
             "whole KV cache; norms, activations, RoPE, residuals, softmax/cross-entropy and padding not counted"),
            "H200 phases in bf16 (2 bytes a value), CPU phases in fp32 (4 bytes); LoRA adapters fp32",
            ("page: A4 at 150 dpi resized to train.max_pixels (Qwen2-VL smart resize); decode context = image + "
             "text + answer/2 tokens"),
            ("training: one micro-batch per optimizer step; gradient checkpointing recomputes the decoder "
             "layers' forward; a frozen vision tower runs forward only; flash backward = 2.5 x forward FLOPs; "
             "AdamW 28 bytes per trainable parameter"),
            ("H200 reading points: generate's wall time includes preprocessing and prefill (lower bound on "
             "decode); context from the profile's training tokens per sample + half the new tokens"),
            ("CPU tiny-model points: ~20 MB of fp32 weights fit in this CPU's caches, so DRAM bandwidth does "
             "not bound them"),
        ],
        "seconds": time.perf_counter() - started,
    }
    print_tables(console, result, machines)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    plot(result, machines, args.png)
    console.print(f"wrote {args.out} and {args.png} in {time.perf_counter() - started:.1f} s", markup=False)
    return result


if __name__ == "__main__":
    main()
