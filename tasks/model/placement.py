"""Where a trained model runs after training, and in which precision: one rule for evaluation,
export and its parity check, the gate's smoke check, the MLflow pyfunc and ``serve-api``.

``auto`` (the default) is what a practitioner does: on a machine with a CUDA GPU the model goes
to the GPU in bfloat16 (float16 where the GPU has no bf16), so a 7B reads in ~15 GiB instead of
~31 GiB of fp32; on a CPU it stays in float32 (CPU half-precision kernels are slow or missing).
To keep a stage off a GPU, hide it (``CUDA_VISIBLE_DEVICES=``); ``serve`` has its own
``device``/``dtype`` keys. Attention follows the same rule: FlashAttention-2 on a GPU where the
``flash-attn`` package is installed, PyTorch's SDPA everywhere else.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Any, Literal

from claimvlm.errors import ClaimvlmError

_DTYPES = {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16"}


class PlacementError(ClaimvlmError, RuntimeError):
    """The configured device cannot be used here."""


@dataclass(frozen=True)
class Placement:
    device: str
    dtype: Any  # a torch.dtype
    attention: str = "sdpa"  # transformers' attn_implementation

    def put(self, model: Any) -> Any:
        """The model on this device in this precision (in place for nn.Modules), in eval mode."""
        return model.to(device=self.device, dtype=self.dtype).eval()


def cuda_state() -> tuple[bool, bool]:
    """(a CUDA GPU is visible, it computes in bfloat16): the one place the hardware is asked."""
    import torch

    available = torch.cuda.is_available()
    return available, bool(available and torch.cuda.is_bf16_supported())


Device = Literal["auto", "cpu", "cuda"]
Dtype = Literal["auto", "fp32", "bf16", "fp16"]
Attention = Literal["auto", "sdpa", "eager", "flash_attention_2"]


def attention_implementation(requested: Attention, device: str, dtype: Any) -> str:
    """transformers' ``attn_implementation`` for ``requested`` on ``device`` with weights in
    ``dtype``: ``auto`` takes FlashAttention-2 where it can run (CUDA, the package installed, 16-bit
    weights: it has no fp32 kernels), else SDPA."""
    import torch

    installed = importlib.util.find_spec("flash_attn") is not None
    if requested == "flash_attention_2" and not (installed and device == "cuda"):
        raise PlacementError("attn_implementation flash_attention_2 needs a CUDA GPU and the flash-attn package "
                             "(pip install flash-attn --no-build-isolation); use auto or sdpa")
    if requested == "auto":
        return "flash_attention_2" if installed and device == "cuda" and dtype != torch.float32 else "sdpa"
    return requested


def placement(device: Device = "auto", dtype: Dtype = "auto", attention: Attention = "auto") -> Placement:
    """The device and dtype asked for, resolved on this machine (``auto``: see the module)."""
    import torch

    cuda, bf16 = cuda_state()
    if device == "cuda" and not cuda:
        raise PlacementError("device cuda asked for but torch sees no GPU; use auto or cpu")
    device = "cuda" if device == "cuda" or (device == "auto" and cuda) else "cpu"
    if dtype != "auto":
        name = _DTYPES[dtype]
    elif device == "cuda":
        name = "bfloat16" if bf16 else "float16"
    else:
        name = "float32"
    dtype_ = getattr(torch, name)
    return Placement(device, dtype_, attention_implementation(attention, device, dtype_))
