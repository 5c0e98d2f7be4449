"""A peft LoRA adapter of Qwen2.5-VL rewritten in the layout vLLM's LoRA loader serves.

What vLLM does with an adapter folder (vllm-project/vllm, read at the commits named in
docs/serving-vllm.md): each key of ``adapter_model.safetensors`` loses ``base_model.model.``, goes
through the model's ``hf_to_vllm_mapper`` (Qwen2.5-VL: ``model.language_model.`` and ``model.`` ->
``language_model.model.``) and loses ``.lora_A.weight``/``.lora_B.weight``; the rest must be the
name of a layer vLLM put LoRA on. Only the last part of that name (``q_proj``...) is checked, so a
key whose prefix maps wrong loads without error and is never applied: the base model answers.

transformers 5 saves ``base_model.model.model.language_model.layers.N...``; vLLM maps that only
since PR #19054 (June 2025). The layout written here is the one the released Qwen2.5-VL checkpoints
use, ``base_model.model.model.layers.N...``, which every vLLM with Qwen2.5-VL LoRA maps (its
"mapping for original checkpoint"). ``target_modules`` becomes the plain list of module names the
keys hold: vLLM's loader takes the safetensors keys as the truth and reads ``target_modules`` only
on its ``.bin`` path (a regex accepted there when its last group lists known modules), so a list is
the form no release misreads.

Refused, with what to do: weights off the language model's linear layers (the vision tower: vLLM
loads them and, without ``--enable-tower-connector-lora``, applies nothing), and config features vLLM rejects or gets wrong
(``modules_to_save``, DoRA, bias, per-module rank/alpha patterns). No torch: the safetensors header
is rewritten and the tensor bytes copied as they are.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import struct
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from claimvlm.serving.backends import BackendError

CONFIG = "adapter_config.json"
WEIGHTS = "adapter_model.safetensors"
RECORD = "claimvlm_vllm_adapter.json"  # what the folder was written from (reuse check); vLLM ignores it
LAYOUT = "qwen2_5_vl/hf-original-keys/1"  # bump when the written layout changes: old installs are rewritten
MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
_PREFIX = "base_model.model.model.layers."
_LANGUAGE = re.compile(r"base_model\.model\.model\.(?:language_model\.)?layers\.(?P<layer>\d+)\."
                       r"(?P<module>self_attn\.[qkvo]_proj|mlp\.(?:gate|up|down)_proj)\.lora_(?P<ab>[AB])\.weight")
_VISION = re.compile(r"base_model\.model\.(?:model\.)?visual\.")
_MAX_HEADER = 100_000_000  # the safetensors library's own limit
_FIX = ("train it with train.method lora and the default lora settings (language-model linear layers "
        "only), or merge it and start vLLM on the merged weights with serve.vllm.model set, or serve it "
        "with serve.backend transformers")


def vllm_adapter_keys(name: str) -> str:
    """The key vLLM maps to ``language_model.model.layers.N.<module>`` for a peft LoRA key of a
    Qwen2.5-VL language-model layer (transformers 5 or pre-4.52 layout); BackendError otherwise."""
    m = _LANGUAGE.fullmatch(name)
    if m:
        return f"{_PREFIX}{m['layer']}.{m['module']}.lora_{m['ab']}.weight"
    if _VISION.match(name):
        raise BackendError(f"{name} is a LoRA weight on the vision tower: vLLM puts LoRA on Qwen2.5-VL's "
                           "language model only and would load it without applying it")
    raise BackendError(f"{name} is not the LoRA A/B weight of a language-model linear layer "
                       f"({', '.join(MODULES)})")


def _config_problems(config: Mapping[str, Any]) -> list[str]:
    """What in a peft config vLLM refuses (PEFTHelper.validate_legal) or would serve wrongly."""
    problems = []
    if config.get("peft_type", "LORA") != "LORA":
        problems.append(f"peft_type {config.get('peft_type')!r} (vLLM serves LoRA only)")
    for field in ("r", "lora_alpha"):
        if not isinstance(config.get(field), int | float) or config[field] <= 0:
            problems.append(f"no positive {field}")
    if config.get("modules_to_save"):
        problems.append(f"modules_to_save {config['modules_to_save']} (vLLM refuses fully trained modules)")
    if config.get("use_dora"):
        problems.append("use_dora (vLLM does not serve DoRA)")
    if config.get("bias", "none") != "none" or config.get("lora_bias"):
        problems.append("trained biases (vLLM serves LoRA A/B weights only)")
    for field in ("rank_pattern", "alpha_pattern"):
        if config.get(field):  # vLLM scales every module by lora_alpha / r: these would be served wrong
            problems.append(f"{field} {dict(config[field])} (vLLM uses one r and lora_alpha for all modules)")
    return problems


def vllm_adapter_config(config: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """The adapter config vLLM reads: ``target_modules`` the module names the (rewritten) keys
    hold, a plain list; BackendError for a config vLLM refuses or would apply wrongly."""
    problems = _config_problems(config)
    if problems:
        raise BackendError("; ".join(problems))
    modules = sorted({key.removesuffix(".weight").split(".")[-2] for key in keys})
    if not modules:
        raise BackendError("no LoRA weights")
    return {**config, "target_modules": modules}


def digests(folder: Path, skip: Iterable[str] = ()) -> dict[str, str]:
    """sha256 of every file under ``folder`` by relative path, but those named in ``skip``."""
    out = {}
    skipped = set(skip)
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if rel not in skipped:
            with path.open("rb") as f:  # in chunks: an adapter can be hundreds of MB
                out[rel] = hashlib.file_digest(f, "sha256").hexdigest()
    return out


def _tensor_end(info: Any) -> int | None:
    """Where a header entry's data ends; None unless it is a well-formed tensor entry."""
    if not isinstance(info, dict) or not isinstance(info.get("dtype"), str):
        return None
    shape, offsets = info.get("shape"), info.get("data_offsets")
    if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
        return None
    if not isinstance(offsets, list) or len(offsets) != 2 or not all(isinstance(o, int) for o in offsets):
        return None
    return offsets[1] if 0 <= offsets[0] <= offsets[1] else None


def _read_header(path: Path) -> tuple[int, dict[str, Any]]:
    """(header length, header) of a safetensors file, checked enough that renaming its keys and
    copying its data keeps it a valid file."""
    size = path.stat().st_size
    header: Any = None
    with path.open("rb") as f:
        head = f.read(8)
        n = struct.unpack("<Q", head)[0] if len(head) == 8 else -1
        if 2 <= n <= min(_MAX_HEADER, size - 8):
            try:
                header = json.loads(f.read(n))
            except ValueError:  # not UTF-8, not JSON
                header = None
    ends = [_tensor_end(info) for key, info in header.items() if key != "__metadata__"] \
        if isinstance(header, dict) else [None]
    if None in ends or max(ends, default=0) != size - 8 - n:
        raise BackendError(f"{path.name} is not a safetensors file")
    return n, header


def _write_renamed(src: Path, dst: Path, n: int, header: Mapping[str, Any]) -> None:
    """``src`` with the header ``header`` (same tensors, same offsets, keys renamed)."""
    data = json.dumps(header, separators=(",", ":")).encode()
    data += b" " * (-len(data) % 8)  # the safetensors writer aligns the data to 8 bytes
    with src.open("rb") as fin, dst.open("wb") as fout:
        fout.write(struct.pack("<Q", len(data)) + data)
        fin.seek(8 + n)
        shutil.copyfileobj(fin, fout, 16 << 20)


def _renamed_header(header: Mapping[str, Any], r: int) -> dict[str, Any]:
    """The header with vLLM's keys; every module has its A and B, of the config's rank."""
    out: dict[str, Any] = {"__metadata__": header["__metadata__"]} if "__metadata__" in header else {}
    refused: list[str] = []
    for key, info in header.items():
        if key == "__metadata__":
            continue
        try:
            new = vllm_adapter_keys(key)
        except BackendError as err:
            refused.append(str(err))
            continue
        if new in out:
            raise BackendError(f"{key} and another key are the same weight ({new})")
        out[new] = info
    if refused:
        more = f" (and {len(refused) - 1} more weights vLLM cannot serve)" if len(refused) > 1 else ""
        raise BackendError(refused[0] + more)
    for key, info in out.items():
        if key == "__metadata__":
            continue
        pair = key[:-len("A.weight")] + ("B.weight" if key.endswith("A.weight") else "A.weight")
        shape = info.get("shape") or []
        # lora_A is [r, in], lora_B [out, r]: another rank means a per-module rank vLLM would not scale
        rank = (shape[0] if key.endswith("A.weight") else shape[1]) if len(shape) == 2 else None
        if pair not in out:
            raise BackendError(f"{key} has no matching {pair.rsplit('.', 2)[-2]}")
        if rank != r:
            raise BackendError(f"{key} has shape {shape}, not of rank r={r}")
    return out


def write_vllm_adapter(src: Path, dst: Path, source: Mapping[str, str], what: str) -> None:
    """Write the adapter folder ``src`` to the new folder ``dst`` in vLLM's layout, recording
    ``source`` (the sha256 of ``src``'s files). ``src`` is only read. ``what`` names the adapter in
    errors."""
    try:
        config = json.loads((src / CONFIG).read_text())
        if not isinstance(config, dict):
            raise BackendError(f"{CONFIG} is not a JSON object")
        if problems := _config_problems(config):
            raise BackendError("; ".join(problems))
        if not (src / WEIGHTS).is_file():
            raise BackendError(f"no {WEIGHTS} (vLLM reads the safetensors adapter peft saves by default)")
        n, header = _read_header(src / WEIGHTS)
        renamed = _renamed_header(header, int(config["r"]))
        new_config = vllm_adapter_config(config, (k for k in renamed if k != "__metadata__"))
    except (OSError, ValueError, BackendError) as err:  # ValueError: malformed JSON
        raise BackendError(f"{what} cannot be served by vLLM: {str(err)[:400]}; {_FIX}") from err
    dst.mkdir(parents=True)
    _write_renamed(src / WEIGHTS, dst / WEIGHTS, n, renamed)
    (dst / CONFIG).write_text(json.dumps(new_config, indent=2, sort_keys=True) + "\n")
    record = {"layout": LAYOUT, "source": dict(source), "files": digests(dst)}
    (dst / RECORD).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")


def installed_source(dst: Path) -> dict[str, str] | None:
    """The source digests ``dst`` was written from, when it holds an intact adapter in this
    module's layout; None otherwise (absent, an older layout, a plain copy, a changed file)."""
    try:
        record = json.loads((dst / RECORD).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("layout") != LAYOUT or not isinstance(record.get("source"), dict):
        return None
    return record["source"] if digests(dst, skip=[RECORD]) == record.get("files") else None
