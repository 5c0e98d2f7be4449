"""Serving artefacts of a model package: the adapter merged into its base, and an int8 copy.

* **merged** (:func:`export_merged`): one set of full weights. Serving then needs neither peft
  nor the base checkpoint, and pays no adapter arithmetic per token; vLLM can start on it as is.
  A package that is already full is copied byte for byte (its manifest says so).
* **int8** (:func:`export_int8`): torch's dynamic quantisation (``quantize_dynamic``) of the
  ``nn.Linear`` layers, weights int8 with one scale per output channel, activations quantised on
  the fly: smaller and no slower on CPU, with an accuracy cost the export stage measures. It runs
  on torch's CPU engines (x86/fbgemm, qnnpack), not on CUDA. Stored as the quantised state dict
  (about a quarter of the Linear bytes) beside the model config; :func:`load_quantized` builds
  the model from that config, quantises the same layers and loads the state dict with
  ``weights_only`` (no pickled code). ``load_trained`` does this when the manifest names it.

Every export is a package of :mod:`tasks.training.packaging` (manifest with sha256 of each
file), written atomically, with its origin recorded under ``export`` in the manifest.
"""

from __future__ import annotations

import hashlib
import shutil
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import torch
from torch import nn

from tasks.training.packaging import MANIFEST, PackagingError, load_trained, verify, write_package

INT8_SCHEME = "int8_dynamic"
INT8_FILE = "model_int8.pt"
Scope = Literal["all", "language"]
# "all": the vision tower, patch merger, language model and lm_head, with per-channel weight scales.
# Measured on a tiny LoRA model (6 canary pages, ~134-token answers, mean over pages of the max
# |Δ log p|): all 0.45, language only 0.65 (per-tensor scales: 0.56 and 0.80). The vision tower
# costs nothing extra and is about a sixth of a real 3B checkpoint; "language" remains available.
DEFAULT_SCOPE: Scope = "all"


def disk_bytes(folder: Path) -> int:
    """Bytes of every file under ``folder`` (what a deployment copies)."""
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def memory_bytes(model: nn.Module) -> int:
    """Bytes of the weights as held in memory: parameters and buffers (a tied tensor once) plus
    the int8 weights, biases and per-channel scales of dynamically quantised layers, which are
    no parameters and so escape ``model.parameters()``."""
    tensors = {id(t): t for t in [*model.parameters(), *model.buffers()]}
    total = sum(t.numel() * t.element_size() for t in tensors.values())
    for module in model.modules():
        if isinstance(module, torch.ao.nn.quantized.dynamic.Linear):
            weight, bias = module.weight(), module.bias()
            total += weight.numel() * weight.element_size() + (bias.nbytes if bias is not None else 0)
            if weight.qscheme() in (torch.per_channel_affine, torch.per_channel_symmetric):
                total += weight.q_per_channel_scales().nbytes + weight.q_per_channel_zero_points().nbytes
    return total


def int8_targets(model: nn.Module, scope: Scope) -> list[str]:
    """Names of the ``nn.Linear`` layers to quantise: every one, or the language model's and lm_head."""
    from tasks.training.methods import parts

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
        raise ValueError(f"no nn.Linear layer to quantise in scope {scope!r}")
    qconfig = per_channel_dynamic_qconfig if per_channel else default_dynamic_qconfig
    with _quiet_torch_ao():
        quantize_dynamic(model, {name: qconfig for name in names}, dtype=torch.qint8, inplace=True)
    return {"scheme": INT8_SCHEME, "dtype": "qint8", "weights": "per_channel" if per_channel else "per_tensor",
            "scope": scope, "modules": names, "engine": torch.backends.quantized.engine, "torch": torch.__version__}


def load_quantized(weights_dir: Path, spec: Mapping[str, Any]) -> nn.Module:
    """The int8 model of an export: built from its config, quantised as ``spec`` says, loaded."""
    from transformers import AutoConfig, AutoModelForImageTextToText, GenerationConfig

    if spec.get("scheme") != INT8_SCHEME:
        raise PackagingError(f"{weights_dir}: unknown quantization scheme {spec.get('scheme')!r}; "
                             f"this code loads {INT8_SCHEME!r}")
    config = AutoConfig.from_pretrained(weights_dir, local_files_only=True)
    model = AutoModelForImageTextToText.from_config(config, dtype=torch.float32)
    if (weights_dir / "generation_config.json").is_file():
        model.generation_config = GenerationConfig.from_pretrained(weights_dir, local_files_only=True)
    settings = quantize_int8(model, spec["scope"], per_channel=spec["weights"] == "per_channel")
    if settings["modules"] != list(spec["modules"]):
        raise PackagingError(f"{weights_dir}: the model built from its config quantises other layers than the "
                             "export recorded (made by other code or another transformers version?)")
    with _quiet_torch_ao():
        state = torch.load(weights_dir / INT8_FILE, map_location="cpu", weights_only=True)
        missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise PackagingError(f"{weights_dir / INT8_FILE} does not fit its config: {len(missing)} tensors missing "
                             f"(e.g. {missing[:2]}), {len(unexpected)} unexpected (e.g. {unexpected[:2]})")
    return model.eval()


def _origin(package_dir: Path, manifest: Mapping[str, Any], kind: str, how: str) -> dict[str, Any]:
    digest = hashlib.sha256((package_dir / MANIFEST).read_bytes()).hexdigest()
    return {"kind": kind, "how": how, "source": str(package_dir.absolute()), "source_format": manifest["format"],
            "source_manifest_sha256": digest}


def _trained(package_dir: Path) -> dict[str, Any]:
    manifest = verify(package_dir)
    if manifest.get("quantization"):
        raise PackagingError(f"{package_dir} is already quantised ({manifest['quantization']['scheme']}); "
                             "export from the trained package")
    return manifest


def export_merged(package_dir: Path, out_dir: Path) -> Path:
    """A full package of ``package_dir``'s model: its adapter merged into the base (peft's
    ``merge_and_unload``, as ``load_trained`` does), or a copy of weights already full."""
    package_dir = Path(package_dir)
    manifest = _trained(package_dir)
    if manifest["format"] == "full":
        def copy(tmp: Path) -> dict[str, Any]:
            for part in ("weights", "processor"):
                shutil.copytree(package_dir / part, tmp / part)
            how = "copy: the package already held full weights"
            return {"format": "full", "export": _origin(package_dir, manifest, "merged", how)}

        return write_package(out_dir, copy)
    model, processor = load_trained(package_dir)

    def save(tmp: Path) -> dict[str, Any]:
        model.save_pretrained(tmp / "weights")
        processor.save_pretrained(tmp / "processor")
        how = "adapter merged into its base (peft merge_and_unload)"
        return {"format": "full", "export": _origin(package_dir, manifest, "merged", how)}

    return write_package(out_dir, save)


def export_int8(package_dir: Path, out_dir: Path, *, scope: Scope = DEFAULT_SCOPE, per_channel: bool = True) -> Path:
    """An int8 package of ``package_dir``'s model (merged first if it is an adapter package)."""
    package_dir = Path(package_dir)
    manifest = _trained(package_dir)
    model, processor = load_trained(package_dir)
    float_bytes = memory_bytes(model)
    settings = quantize_int8(model, scope, per_channel=per_channel)

    def save(tmp: Path) -> dict[str, Any]:
        weights = tmp / "weights"
        weights.mkdir()
        model.config.save_pretrained(weights)
        model.generation_config.save_pretrained(weights)
        torch.save(model.state_dict(), weights / INT8_FILE)
        processor.save_pretrained(tmp / "processor")
        how = f"torch dynamic int8 quantisation of {len(settings['modules'])} nn.Linear layers ({scope})"
        origin = {**_origin(package_dir, manifest, "int8", how),
                  "memory_bytes": {"float32": float_bytes, "int8": memory_bytes(model)}}
        return {"format": "full", "quantization": settings, "export": origin}

    return write_package(out_dir, save)
