"""Fine-tuning methods: which parameters of a Qwen2.5-VL model train, chosen by ``train.method``.

``apply_method(model, params)`` looks the method up in :data:`METHODS` and returns the model to
train (a peft ``PeftModel`` for lora/qlora, the model itself otherwise):

* ``lora``: low-rank adapters on the language model's linear layers only (the vision tower's
  blocks have modules of the same names, ``qkv``/``proj``/``gate_proj``..., and stay untouched);
* ``qlora``: the same on a 4-bit NF4 (double-quantised) base; the quantisation happens at load
  time, so the loader takes :func:`quantization_config`. Needs CUDA and bitsandbytes;
* ``full``: every parameter trains;
* ``freeze``: the parts named in ``train.freeze`` (vision tower, patch merger, language model with
  its head) are frozen, and :func:`thaw_schedule` thaws them at the steps of ``freeze.unfreeze_at``.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from claimvlm.errors import ClaimvlmError
from claimvlm.model.source import base_model, parts
from claimvlm.training.params import TrainParams

PARTS = ("vision", "merger", "language")


class MethodError(ClaimvlmError, RuntimeError):
    """The configured fine-tuning method cannot run here or on this model; the message says why."""


def _unique(params: Any) -> list[nn.Parameter]:
    seen: dict[int, nn.Parameter] = {}
    for p in params:
        seen.setdefault(id(p), p)
    return list(seen.values())


def trainable_parameters(model: nn.Module) -> tuple[int, int]:
    """(trainable, total) parameter counts; shared (tied) tensors counted once."""
    ps = _unique(model.parameters())
    return sum(p.numel() for p in ps if p.requires_grad), sum(p.numel() for p in ps)


def set_trainable(module: nn.Module, trainable: bool) -> None:
    for p in module.parameters():
        p.requires_grad_(trainable)


def _module_name(root: nn.Module, target: nn.Module) -> str:
    for name, m in root.named_modules():
        if m is target:
            return name
    raise MethodError("language model not found among the model's modules")


def lora_target_regex(model: nn.Module, target_modules: tuple[str, ...]) -> str:
    """A peft ``target_modules`` regex (full match) naming the targeted linears under the
    language model only, e.g. ``model\\.language_model\\..*\\.(q_proj|v_proj)``."""
    base = base_model(model)
    prefix = _module_name(base, base.model.language_model)
    names = "|".join(re.escape(t) for t in target_modules)
    return rf"{re.escape(prefix)}\..*\.({names})"


def _lora(model: nn.Module, params: TrainParams) -> nn.Module:
    from peft import LoraConfig, get_peft_model

    lp = params.lora
    regex = lora_target_regex(model, lp.target_modules)
    if not any(re.fullmatch(regex, n) for n, _ in model.named_modules()):
        raise MethodError(f"lora.target_modules {list(lp.target_modules)} match no module of the language model")
    base = base_model(model)
    visual = {"frozen": None, "merger": base.model.visual.merger, "full": base.model.visual}[lp.vision]
    # peft's modules_to_save: a trainable full copy of the module, saved with the adapter.
    keep = [_module_name(base, visual)] if visual is not None else None
    config = LoraConfig(r=lp.r, lora_alpha=lp.alpha, lora_dropout=lp.dropout, target_modules=regex,
                        bias="none", task_type="CAUSAL_LM", modules_to_save=keep)
    return get_peft_model(model, config)


def require_qlora() -> None:
    """Raise MethodError unless CUDA and bitsandbytes are both available (checked before any work)."""
    missing = []
    if not torch.cuda.is_available():
        missing.append("a CUDA GPU (none is visible)")
    if importlib.util.find_spec("bitsandbytes") is None:
        missing.append("the bitsandbytes package (not installed)")
    if missing:
        raise MethodError(f"train.method qlora needs {' and '.join(missing)}: 4-bit NF4 quantisation runs "
                          "only on CUDA. On a CPU use train.method=lora (same adapters, unquantised base) "
                          "or full/freeze")


def quantization_config(params: TrainParams) -> Any:
    """The BitsAndBytesConfig the loader needs for qlora: 4-bit NF4, double quantisation, compute
    in the training precision (bf16 unless fp16/fp32 is asked for)."""
    require_qlora()
    from transformers import BitsAndBytesConfig

    compute = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[params.precision]
    return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                              bnb_4bit_compute_dtype=compute,
                              llm_int8_skip_modules=["visual", "lm_head"])  # vision tower stays unquantised


def _qlora(model: nn.Module, params: TrainParams) -> nn.Module:
    require_qlora()
    if not getattr(model, "is_loaded_in_4bit", False):
        raise MethodError("train.method qlora needs the model loaded in 4 bits: pass "
                          "quantization_config(params) to from_pretrained")
    from peft import prepare_model_for_kbit_training

    model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=params.gradient_checkpointing)
    return _lora(model, params)


def _full(model: nn.Module, params: TrainParams) -> nn.Module:
    set_trainable(model, True)
    return model


def _freeze(model: nn.Module, params: TrainParams) -> nn.Module:
    fp = params.freeze
    set_trainable(model, True)
    table = parts(model)
    for name, module in table.items():
        if getattr(fp, name):
            set_trainable(module, False)
    if trainable_parameters(model)[0] == 0 and not fp.unfreeze_at:
        raise MethodError("train.freeze freezes vision, merger and language: nothing would train")
    # The model loads in the 16-bit type (frozen parts stay there, halving their memory), but what
    # trains or will thaw keeps float32 master weights, as the memory plan counts: AdamW updates
    # of ~lr x weight vanish in bf16's 8-bit mantissa (one bf16 step at lr 1e-5 was measured to
    # change 15.5% of the weights). Autocast still does the matmuls in 16 bits.
    thawing = {n for names in fp.unfreeze_at.values() for n in names}
    for name, module in table.items():
        if not getattr(fp, name) or name in thawing:
            for p in module.parameters():
                if p.is_floating_point() and p.dtype != torch.float32:
                    p.data = p.data.float()
    thaw_schedule(model, params, 0)
    return model


def thaw_schedule(model: nn.Module, params: TrainParams, step: int) -> list[str]:
    """Progressive unfreezing: every part listed in ``freeze.unfreeze_at`` under a step <= ``step``
    is made trainable (idempotent, so a resumed run lands in the same state). Returns the parts
    that were thawed by this call. Only method ``freeze`` has a schedule."""
    if params.method != "freeze":
        return []
    thawed = []
    table = parts(model)
    for at in sorted(params.freeze.unfreeze_at):
        if at > step:
            break
        for name in params.freeze.unfreeze_at[at]:
            module = table[name]
            if not all(p.requires_grad for p in module.parameters()):
                set_trainable(module, True)
                thawed.append(name)
    return thawed


METHODS: dict[str, Callable[[nn.Module, TrainParams], nn.Module]] = {
    "lora": _lora, "qlora": _qlora, "full": _full, "freeze": _freeze,
}


def apply_method(model: nn.Module, params: TrainParams) -> nn.Module:
    """Set which parameters train according to ``params.method``; returns the model to train."""
    try:
        method = METHODS[params.method]
    except KeyError:
        raise MethodError(f"unknown train.method {params.method!r}; allowed: {sorted(METHODS)}") from None
    return method(model, params)
