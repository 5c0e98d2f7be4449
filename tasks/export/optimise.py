"""Serving artefacts of a model package: the adapter merged into its base, and an int8 copy.

* **merged** (:func:`export_merged`): one set of full weights. Serving then needs neither peft
  nor the base checkpoint, and pays no adapter arithmetic per token; vLLM can start on it as is.
  A package that is already full is copied byte for byte (its manifest says so).
* **int8** (:func:`export_int8`): torch's dynamic quantisation (``quantize_dynamic``) of the
  ``nn.Linear`` layers, weights int8 with one scale per output channel, activations quantised on
  the fly: smaller and no slower on CPU, with an accuracy cost the export stage measures. It runs
  on torch's CPU engines (x86/fbgemm, qnnpack), not on CUDA. Stored as the quantised state dict
  (about a quarter of the Linear bytes) beside the model config. The format, and how a package
  of it loads, is the model layer's (:mod:`claimvlm.model.int8`): ``load_trained`` reads it.

Every export is a package of :mod:`claimvlm.model.package` (manifest with sha256 of each
file), written atomically, with its origin recorded under ``export`` in the manifest.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from claimvlm.model.int8 import DEFAULT_SCOPE, INT8_FILE, Scope, quantize_int8
from claimvlm.model.package import MANIFEST, PackagingError, load_trained, stored_dtype, verify, write_package
from claimvlm.model.placement import Placement, placement
from claimvlm.model.prompt import PROMPT_FILE


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


def _copy_prompt(package_dir: Path, tmp: Path) -> None:
    """The export reads pages as its source was trained to: the same prompt file."""
    if (package_dir / PROMPT_FILE).is_file():
        shutil.copy2(package_dir / PROMPT_FILE, tmp / PROMPT_FILE)


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
    # Merged on the GPU when there is one, and saved in the checkpoint's own dtype (a bf16 base
    # merges into a bf16 copy, not a float32 one twice its size).
    model, processor = load_trained(package_dir, placement=Placement(placement().device, stored_dtype(package_dir)))

    def save(tmp: Path) -> dict[str, Any]:
        model.save_pretrained(tmp / "weights")
        processor.save_pretrained(tmp / "processor")
        _copy_prompt(package_dir, tmp)
        how = "adapter merged into its base (peft merge_and_unload)"
        return {"format": "full", "export": _origin(package_dir, manifest, "merged", how)}

    return write_package(out_dir, save)


def export_int8(package_dir: Path, out_dir: Path, *, scope: Scope = DEFAULT_SCOPE, per_channel: bool = True) -> Path:
    """An int8 package of ``package_dir``'s model (merged first if it is an adapter package)."""
    package_dir = Path(package_dir)
    manifest = _trained(package_dir)
    model, processor = load_trained(package_dir, placement=Placement("cpu", torch.float32))  # CPU int8 kernels
    float_bytes = memory_bytes(model)
    settings = quantize_int8(model, scope, per_channel=per_channel)

    def save(tmp: Path) -> dict[str, Any]:
        weights = tmp / "weights"
        weights.mkdir()
        model.config.save_pretrained(weights)
        model.generation_config.save_pretrained(weights)
        torch.save(model.state_dict(), weights / INT8_FILE)
        processor.save_pretrained(tmp / "processor")
        _copy_prompt(package_dir, tmp)
        how = f"torch dynamic int8 quantisation of {len(settings['modules'])} nn.Linear layers ({scope})"
        origin = {**_origin(package_dir, manifest, "int8", how),
                  "memory_bytes": {"float32": float_bytes, "int8": memory_bytes(model)}}
        return {"format": "full", "quantization": settings, "export": origin}

    return write_package(out_dir, save)
