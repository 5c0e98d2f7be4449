"""A trained model as one self-checking folder: written atomically, verified when read back.

Layout of a package (``claimvlm_model.json`` lists every file with its sha256, so a truncated
copy or a lost file is reported by name instead of loading as a silently different model)::

    adapter/       peft adapter (method lora/qlora)   |  weights/  full model (method full/freeze)
    base/          the base checkpoint, copied        |
    base.json      or {"source": "/abs/base/folder"}  |
    processor/     tokenizer + image processor
    claimvlm_prompt.json   the prompt it was trained with (instruction, anchoring)
    claimvlm_model.json

Base weights of an adapter package: a base folder of at most ``embed_base_max_mb`` is copied
in, so the package (and the MLflow model made from it) stands alone on any machine. A larger
base (a real multi-GB checkpoint) is only referenced by its absolute path: copying gigabytes
into every run's package and MLflow artifact store would cost far more than the adapter it
serves, and the reference fails loudly (:class:`PackagingError`) where the base is absent.

Exported packages (``claimvlm export``, claimvlm.export) are full ones whose manifest also records
their origin (``export``); the int8 copy holds ``weights/config.json`` and a quantised state dict
instead of safetensors, with a ``quantization`` entry that :func:`load_trained` rebuilds it from.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import torch

from claimvlm.errors import ClaimvlmError
from claimvlm.model.placement import Placement
from claimvlm.model.placement import placement as default_placement
from claimvlm.model.processor import Processor
from claimvlm.model.prompt import DEFAULT_INSTRUCTION, PromptSpec
from claimvlm.model.source import ModelSourceError, load

MANIFEST = "claimvlm_model.json"


class PackagingError(ClaimvlmError, RuntimeError):
    """A model package is missing, incomplete or inconsistent; the message names the file."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _files(root: Path) -> list[Path]:
    """Every file of a package but the manifest."""
    return sorted(p for p in root.rglob("*") if p.is_file() and p != root / MANIFEST)


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _is_peft(model: Any) -> bool:
    from peft import PeftModel

    return isinstance(model, PeftModel)


def write_package(out_dir: Path, fill: Callable[[Path], Mapping[str, Any]]) -> Path:
    """Publish a package: ``fill(folder)`` writes its files into a fresh sibling temporary folder
    and returns the manifest's fields (``format`` and any extras); every file is then hashed into
    the manifest and the folder renamed into place, so an interrupted write leaves the previous
    package (or none), never half of one. Returns ``out_dir``."""
    out_dir = Path(out_dir).absolute()
    tmp = out_dir.with_name(f".{out_dir.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        fields = dict(fill(tmp))
        files = {p.relative_to(tmp).as_posix(): _sha256(p) for p in _files(tmp)}
        manifest = {**fields, "files": files}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
        if out_dir.exists():
            os.replace(out_dir, old)  # a directory cannot be renamed over a non-empty one
        os.replace(tmp, out_dir)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def save_trained(model: Any, processor: Processor, out_dir: Path, *, base_dir: Path,
                 embed_base_max_mb: int, prompt: PromptSpec | None = None) -> Path:
    """Write the package to ``out_dir`` (replacing an older one, atomically) and return it.

    ``prompt``: what the model was trained to read (instruction, anchoring); every reader of the
    package builds its prompts from it (:func:`read_prompt`)."""
    base_dir = Path(base_dir).absolute()

    def fill(tmp: Path) -> dict[str, Any]:
        if _is_peft(model):
            fmt = "adapter"
            model.save_pretrained(tmp / "adapter")
            if not (base_dir / "config.json").is_file():
                raise PackagingError(f"base_dir {base_dir} is not a checkpoint folder (no config.json)")
            if _folder_bytes(base_dir) <= embed_base_max_mb * 2**20:
                shutil.copytree(base_dir, tmp / "base")
            else:
                (tmp / "base.json").write_text(json.dumps({"source": str(base_dir)}, indent=2) + "\n")
        else:
            fmt = "full"
            model.save_pretrained(tmp / "weights")
        processor.save_pretrained(tmp / "processor")
        if prompt is not None:
            prompt.save(tmp)
        return {"format": fmt}

    return write_package(out_dir, fill)


def _manifest(model_dir: Path) -> dict[str, Any]:
    path = model_dir / MANIFEST
    if not path.is_file():
        raise PackagingError(f"{path} is missing: {model_dir} is not a model package written by save_trained")
    manifest = json.loads(path.read_text())
    if manifest.get("format") not in {"adapter", "full"} or not isinstance(manifest.get("files"), dict):
        raise PackagingError(f"{path} is malformed: expected a format (adapter|full) and a files table")
    return manifest


def verify(model_dir: Path) -> dict[str, Any]:
    """The package's manifest, after checking that every listed file is present and unchanged."""
    manifest = _manifest(model_dir)
    for rel, digest in manifest["files"].items():
        path = model_dir / rel
        if not path.is_file():
            raise PackagingError(f"{rel} is missing from the model package {model_dir}")
        if _sha256(path) != digest:
            raise PackagingError(f"{rel} in the model package {model_dir} is truncated or changed "
                                 "(its sha256 differs from the manifest's)")
    return manifest


def read_prompt(model_dir: Path) -> PromptSpec:
    """The prompt a package's model was trained with (a package from before anchoring: the bare
    default instruction, which is what it was trained on)."""
    return PromptSpec.load(Path(model_dir), DEFAULT_INSTRUCTION)


def _base_dir(model_dir: Path) -> Path:
    if (model_dir / "base").is_dir():
        return model_dir / "base"
    ref = model_dir / "base.json"
    if not ref.is_file():
        raise PackagingError(f"adapter package {model_dir} has neither base/ nor base.json")
    source = Path(json.loads(ref.read_text())["source"])
    if not source.is_dir():
        raise PackagingError(f"base.json of {model_dir} references {source}, which does not exist here; "
                             "copy the base checkpoint there or repackage with a larger embed_base_max_mb")
    return source


def _attach_adapter(base: Any, adapter_dir: Path, *, merge: bool = True) -> Any:
    """Base + adapter, checked tensor by tensor: peft loads non-strictly, so an adapter for another
    base or other target modules would otherwise leave zero-initialised LoRA weights, i.e. the base.
    ``merge=False`` keeps the peft wrapper (the low-rank update computed beside the base weights)."""
    from peft import PeftModel, get_peft_model_state_dict
    from safetensors.torch import load_file

    weights = adapter_dir / "adapter_model.safetensors"
    try:
        peft_model = PeftModel.from_pretrained(base, str(adapter_dir), is_trainable=False)
    except Exception as err:  # shape mismatches, bad config: this adapter does not fit this base
        raise PackagingError(f"adapter {adapter_dir} does not fit its base model: "
                             f"{type(err).__name__}: {err}") from err
    saved = load_file(str(weights))
    loaded = get_peft_model_state_dict(peft_model)
    if set(saved) != set(loaded):
        missing, unused = sorted(set(loaded) - set(saved)), sorted(set(saved) - set(loaded))
        raise PackagingError(f"adapter {weights} does not match its base model: {len(missing)} adapter "
                             f"weights missing (e.g. {missing[:2]}), {len(unused)} unused "
                             f"(e.g. {unused[:2]}); was it trained on another base or config?")
    for key, value in saved.items():
        if not torch.equal(loaded[key].detach().to("cpu", value.dtype), value):
            raise PackagingError(f"adapter weight {key} from {weights} did not load into the model")
    return peft_model.merge_and_unload() if merge else peft_model


def load_trained(model_dir: Path, *, min_pixels: int | None = None, max_pixels: int | None = None,
                 placement: Placement | None = None, merge: bool = True) -> tuple[Any, Processor]:
    """(model in eval mode, processor) from a package; an adapter is merged into its base.

    ``placement``: the device and dtype the model runs in (default: :func:`placement`'s ``auto``,
    the GPU in bf16 when there is one, else the CPU in fp32). Pixel bounds default to the ones
    saved with the processor (those the model trained with). ``merge=False`` leaves an adapter
    unmerged: the forward pass training ran, which the export parity check
    (claimvlm.export.parity) holds merged weights to. A package whose manifest names a
    ``quantization`` (``claimvlm export``'s int8 copy) is rebuilt quantised, on the CPU in float32:
    torch's dynamic int8 kernels are CPU kernels.
    """
    from transformers import AutoModelForImageTextToText

    model_dir = Path(model_dir)
    manifest = verify(model_dir)
    where = placement or default_placement()
    processor = Processor.from_pretrained(model_dir / "processor", min_pixels=min_pixels,
                                          max_pixels=max_pixels, local_files_only=True)
    try:
        if manifest["format"] == "adapter":
            ip = processor.image_processor  # the base's own processor is loaded and dropped
            bounds = {"min_pixels": _pixels(ip, "min"), "max_pixels": _pixels(ip, "max")}
            base, _ = load(_base_dir(model_dir), dtype=where.dtype, attn_implementation=where.attention, **bounds)
            model = _attach_adapter(base, model_dir / "adapter", merge=merge)
        elif manifest.get("quantization"):
            from claimvlm.model.int8 import load_quantized

            model = load_quantized(model_dir / "weights", manifest["quantization"])
            return model.eval(), processor  # dynamic int8 kernels: the CPU, float activations
        else:
            model = AutoModelForImageTextToText.from_pretrained(model_dir / "weights", dtype=where.dtype,
                                                                attn_implementation=where.attention,
                                                                local_files_only=True)
    except (ModelSourceError, OSError, ValueError) as err:
        raise PackagingError(f"cannot load the model of package {model_dir}: {err}") from err
    return where.put(model), processor


def stored_dtype(model_dir: Path) -> torch.dtype:
    """The dtype a package's model is stored in: its base checkpoint's for an adapter (bf16 for the
    released Qwen2.5-VL), its own weights' otherwise; float32 when the config does not say."""
    model_dir = Path(model_dir)
    manifest = verify(model_dir)
    folder = _base_dir(model_dir) if manifest["format"] == "adapter" else model_dir / "weights"
    try:
        config = json.loads((Path(folder) / "config.json").read_text())
    except (OSError, ValueError):
        return torch.float32
    name = config.get("dtype") or config.get("torch_dtype") or config.get("text_config", {}).get("dtype")
    return getattr(torch, str(name), torch.float32) if name else torch.float32


def _pixels(image_processor: Any, which: str) -> int:
    """The image processor's min/max pixels (transformers 5 keeps them in ``size``, as edges)."""
    value = getattr(image_processor, f"{which}_pixels", None)
    if value is None:
        size = image_processor.size
        key = "shortest_edge" if which == "min" else "longest_edge"
        value = size[key] if isinstance(size, dict) else getattr(size, key)
    return int(value)
