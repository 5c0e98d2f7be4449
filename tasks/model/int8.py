"""The int8 format of a model package: torch's dynamic quantisation of the ``nn.Linear`` layers
(weights int8 with per-channel scales, activations quantised on the fly; CPU engines only).

A package stores the quantised state dict (``INT8_FILE``) beside the model config, and its
manifest records the settings :func:`quantize_int8` returned; :func:`load_quantized` builds the
model from the config, quantises the same layers and loads the state dict with ``weights_only``
(no pickled code). The export stage makes such packages; ``load_trained`` reads them.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import torch
from torch import nn

from claimvlm.errors import ClaimvlmError

INT8_SCHEME = "int8_dynamic"
INT8_FILE = "model_int8.pt"
Scope = Literal["all", "language"]
# "all": the vision tower, patch merger, language model and lm_head, with per-channel weight scales.
# Measured on a tiny LoRA model (6 canary pages, ~134-token answers, mean over pages of the max
# |Δ log p|): all 0.45, language only 0.65 (per-tensor scales: 0.56 and 0.80). The vision tower
# costs nothing extra and is about a sixth of a real 3B checkpoint; "language" remains available.
DEFAULT_SCOPE: Scope = "all"


class Int8Error(ClaimvlmError, RuntimeError):
    """An int8 package that this code cannot rebuild, or a model with nothing to quantise."""


def int8_targets(model: nn.Module, scope: Scope) -> list[str]:
    """Names of the ``nn.Linear`` layers to quantise: every one, or the language model's and lm_head."""
    from claimvlm.model.source import parts

    names = [name for name, m in model.named_modules() if type(m) is nn.Linear]
    if scope == "all":
        return names
    language = {id(m) for m in parts(model)["language"].modules()}
    return [name for name, m in model.named_modules() if type(m) is nn.Linear and id(m) in language]


@contextmanager
def _quiet_torch_ao() -> Iterator[None]:
    """torch.ao.quantization warns that it moves to torchao on every call; the export records the
    torch version instead of repeating that into every serving log (see the report's notes)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"torch\.ao\.quantization is deprecated", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=r"torch\.quantize_per_(tensor|channel)", category=UserWarning)
        warnings.filterwarnings("ignore", message=r"TypedStorage is deprecated", category=UserWarning)
        yield


def quantize_int8(model: nn.Module, scope: Scope = DEFAULT_SCOPE, *, per_channel: bool = True) -> dict[str, Any]:
    """Quantise ``model`` in place (int8 weights, dynamic int8 activations); returns the settings
    the manifest records, from which :func:`load_quantized` rebuilds the same layers."""
    from torch.ao.quantization import default_dynamic_qconfig, per_channel_dynamic_qconfig, quantize_dynamic

    names = int8_targets(model, scope)
    if not names:
        raise Int8Error(f"no nn.Linear layer to quantise in scope {scope!r}")
    qconfig = per_channel_dynamic_qconfig if per_channel else default_dynamic_qconfig
    with _quiet_torch_ao():
        quantize_dynamic(model, {name: qconfig for name in names}, dtype=torch.qint8, inplace=True)
    return {"scheme": INT8_SCHEME, "dtype": "qint8", "weights": "per_channel" if per_channel else "per_tensor",
            "scope": scope, "modules": names, "engine": torch.backends.quantized.engine, "torch": torch.__version__}


def load_quantized(weights_dir: Path, spec: Mapping[str, Any]) -> nn.Module:
    """The int8 model of an export: built from its config, quantised as ``spec`` says, loaded."""
    from transformers import AutoConfig, AutoModelForImageTextToText, GenerationConfig

    if spec.get("scheme") != INT8_SCHEME:
        raise Int8Error(f"{weights_dir}: unknown quantization scheme {spec.get('scheme')!r}; "
                             f"this code loads {INT8_SCHEME!r}")
    config = AutoConfig.from_pretrained(weights_dir, local_files_only=True)
    model = AutoModelForImageTextToText.from_config(config, dtype=torch.float32)
    if (weights_dir / "generation_config.json").is_file():
        model.generation_config = GenerationConfig.from_pretrained(weights_dir, local_files_only=True)
    settings = quantize_int8(model, spec["scope"], per_channel=spec["weights"] == "per_channel")
    if settings["modules"] != list(spec["modules"]):
        raise Int8Error(f"{weights_dir}: the model built from its config quantises other layers than the "
                             "export recorded (made by other code or another transformers version?)")
    with _quiet_torch_ao():
        state = torch.load(weights_dir / INT8_FILE, map_location="cpu", weights_only=True)
        missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise Int8Error(f"{weights_dir / INT8_FILE} does not fit its config: {len(missing)} tensors missing "
                             f"(e.g. {missing[:2]}), {len(unexpected)} unexpected (e.g. {unexpected[:2]})")
    return model.eval()
