"""4-bit weight-only exports (AWQ, GPTQ) of a trained package, made with llm-compressor on a GPU.

Decision (issue 21, item 3; sources in docs/export-awq-gptq.md): **llm-compressor**
(vllm-project/llm-compressor) for both schemes.

* It is the vLLM project's own quantiser and writes compressed-tensors checkpoints, the format
  vLLM (the GPU serving path, docs/serving-vllm.md) loads with its 4-bit kernels; transformers
  loads them too (``compressed-tensors`` installed), which is how the evaluation stage reads them.
* Qwen2.5-VL: its repository ships ``examples/multimodal_vision/qwen_2_5_vl_example.py`` (GPTQ
  W4A16, vision tower and ``lm_head`` ignored, one page per batch, sequential over
  ``Qwen2_5_VLDecoderLayer``), and its AWQ mapping registry names
  ``Qwen2_5_VLForConditionalGeneration`` (PR #2727, in 0.13.0).
* transformers 5: supported from 0.12 (its setup.py pins ``transformers>=5.9,<=5.10.1``; 0.13.0:
  ``<=5.14.1``; the README's "Transformers v5 Support", PR #2831). Those tested ranges lie below
  this project's lock (5.24): untested here on a GPU, hence the GPU script and ``failed`` rows.
* AutoAWQ is not used: its author deprecated it in May 2025 ("AutoAWQ has been adopted by the
  vLLM Project: llm-compressor"; last tested with transformers 4.51.3; last release 0.2.9;
  transformers#38078, vLLM PR #26820). GPTQModel (ModelCloud) is maintained and supports
  Qwen2.5-VL since 2.2.0 (the language model only, its issue #1657), but one library that makes
  both schemes in vLLM's own compressed-tensors format means one pin in the GPU environment.

GPU only, by decision: calibration runs every decoder layer over every calibration page
(llm-compressor onloads one layer at a time to the GPU), its examples and the vLLM kernels that
serve the result are CUDA ones, and llmcompressor is not in the project's lock (its releases pin
their own torch/transformers ranges); a CPU path would be an untested, unserved one. :func:`require_gpu_stack`
refuses with a :class:`WeightOnlyError` naming what is missing (no CUDA device; llmcompressor
not importable or too old) before anything is loaded; the export report shows that refusal as
the row's status (:func:`weight_only_rows`), and ``benchmarks/gpu_quantize.py`` exits 2 with it.

Calibration: pages of the dataset's **train** split (never the test split the rows are scored
on), encoded as training encodes them (:func:`claimvlm.model.source.encode_example` on the build
record: its prompt, the page through the model's own processor, the answer) and collated by the
training collator, without labels. Recipes (llm-compressor's preset schemes, group size 128):
GPTQ ``W4A16`` (symmetric), AWQ ``AWQModifier`` + ``W4A16_ASYM`` (asymmetric, as AutoAWQ made
them); both skip ``lm_head`` and the vision tower (``re:visual.*``, ``re:model.visual.*``), as
llm-compressor's Qwen2.5-VL examples do. The result is a model package (manifest with sha256) of
``weights/`` (compressed-tensors safetensors), ``processor/`` and the prompt, its origin under
``export`` in the manifest; ``load_trained`` reads it as a full package.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import torch

from claimvlm.dataset.reader import DataError, Example, read_split
from claimvlm.errors import ClaimvlmError
from claimvlm.export.optimise import _copy_prompt, _origin, _trained, disk_bytes
from claimvlm.model.package import PackagingError, load_trained, stored_dtype, write_package
from claimvlm.model.placement import Placement
from claimvlm.model.source import collate, encode_example

Scheme = Literal["awq", "gptq"]
SCHEMES: tuple[Scheme, ...] = ("awq", "gptq")
LIBRARY = "llmcompressor"
MIN_VERSION = "0.13.0"  # transformers 5 (0.12) and the Qwen2.5-VL AWQ mappings (0.13)
# Kept in 16 bit, as llm-compressor's Qwen2.5-VL examples do: the head, and the vision tower
# (transformers 5 names it model.visual; older checkpoints' visual).
IGNORE = ("lm_head", "re:visual.*", "re:model.visual.*")
SEQUENTIAL_TARGETS = ("Qwen2_5_VLDecoderLayer",)
PRESETS: dict[str, str] = {"gptq": "W4A16", "awq": "W4A16_ASYM"}

NO_CUDA = "refused: no CUDA device"
NOT_INSTALLED = "refused: llmcompressor not installed"
TOO_OLD = "refused: llmcompressor too old"
EXPORTED = "exported"


class WeightOnlyError(ClaimvlmError, RuntimeError):
    """A 4-bit export that cannot be made here. ``status`` is its row's status in the export report."""

    def __init__(self, message: str, status: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class WeightOnlyExport:
    """What :func:`quantize_weight_only` made: the package and the little a report needs of it."""

    scheme: str
    path: Path
    disk_bytes: int
    calibration: int  # train-split pages the calibration read
    library: str  # "llmcompressor <version>"
    seconds: float  # load, calibrate and quantise, save

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "path": str(self.path)}


@dataclass(frozen=True)
class WeightOnlyRow:
    """One optional row of the export report: made and scored, or why not."""

    name: str
    status: str  # EXPORTED, a refusal (NO_CUDA, NOT_INSTALLED, TOO_OLD) or "failed: ..."
    path: str | None = None
    disk_bytes: int | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    deltas: dict[str, float] = field(default_factory=dict)  # against the original package
    deltas_int8: dict[str, float] = field(default_factory=dict)  # against the int8 copy, when made
    calibration: int | None = None
    library: str | None = None
    quantize_s: float | None = None
    evaluate_s: float | None = None


def _cuda() -> bool:
    return torch.cuda.is_available()


def _version(module: Any) -> str:
    found = getattr(module, "__version__", None)
    if found:
        return str(found)
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(LIBRARY)
    except PackageNotFoundError:
        return "unknown"


def _older(found: str, minimum: str) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(found) < Version(minimum)
    except InvalidVersion:  # a local build without a version: let it try
        return False


def require_gpu_stack(what: str = "AWQ/GPTQ export") -> str:
    """llmcompressor's version, or :class:`WeightOnlyError` naming what this machine lacks: a CUDA
    device first (the one thing no install fixes), then the library (imported here, lazily)."""
    if not _cuda():
        raise WeightOnlyError(
            f"{what} needs a CUDA device: torch {torch.__version__} sees none (torch.cuda.is_available() "
            "is False). llm-compressor's GPTQ/AWQ calibration is GPU work; run benchmarks/gpu_quantize.py "
            "on a GPU machine (docs/export-awq-gptq.md)", NO_CUDA)
    try:
        import llmcompressor
    except ImportError as err:
        raise WeightOnlyError(
            f"{what} needs the {LIBRARY} package, which is not importable here ({err}). It is a GPU-only "
            f"dependency kept out of the project's lock: pip install '{LIBRARY}>={MIN_VERSION}' into the GPU "
            "environment (docs/export-awq-gptq.md)", NOT_INSTALLED) from err
    found = _version(llmcompressor)
    if _older(found, MIN_VERSION):
        raise WeightOnlyError(
            f"{what} needs {LIBRARY} >= {MIN_VERSION} (transformers 5 and the Qwen2.5-VL AWQ mappings); "
            f"{found} is installed", TOO_OLD)
    return found


def recipe(scheme: str) -> list[Any]:
    """llm-compressor modifiers for ``scheme`` (imports llmcompressor)."""
    from llmcompressor.modifiers.gptq import GPTQModifier
    from llmcompressor.modifiers.quantization import QuantizationModifier

    if scheme == "gptq":
        return [GPTQModifier(targets=["Linear"], scheme=PRESETS["gptq"], ignore=list(IGNORE))]
    from llmcompressor.modifiers.transform.awq import AWQModifier

    # Mappings (which norm / projection balances which Linear) from llm-compressor's registry for
    # Qwen2_5_VLForConditionalGeneration; mappings over ignored layers (the vision tower's MLPs) are skipped.
    return [AWQModifier(duo_scaling=True),
            QuantizationModifier(targets=["Linear"], scheme=PRESETS["awq"], ignore=list(IGNORE))]


def calibration_examples(dataset: Path, num_samples: int, seed: int = 0) -> list[Example]:
    """Up to ``num_samples`` documents of the train split, drawn with ``seed`` (every document
    type and bucket has its chance; the same draw for both schemes)."""
    train = read_split(Path(dataset), "train")
    if not train:
        raise DataError(f"{dataset}: the train split is empty; AWQ/GPTQ calibrate on its pages")
    if num_samples < 1:
        raise ValueError(f"num_samples must be >= 1, got {num_samples}")
    return random.Random(seed).sample(train, min(num_samples, len(train)))


class CalibrationPages(torch.utils.data.Dataset):  # type: ignore[type-arg]
    """The calibration examples as model input, one page at a time, encoded on demand."""

    def __init__(self, examples: Sequence[Example], processor: Any) -> None:
        self.examples, self.processor = list(examples), processor

    def __len__(self) -> int:
        return len(self.examples)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        ex = self.examples[i]
        return encode_example(self.processor, ex.record, ex.page())


def _collate(items: list[dict[str, torch.Tensor]], pad_id: int, dtype: torch.dtype) -> dict[str, torch.Tensor]:
    """The training collator's batch without labels (calibration computes no loss), pixels in the
    model's dtype."""
    batch = collate(items, pad_id)
    batch.pop("labels")
    batch["pixel_values"] = batch["pixel_values"].to(dtype)
    return batch


def calibration_loader(examples: Sequence[Example], processor: Any, dtype: torch.dtype) -> Any:
    """A DataLoader of one page per batch (pages differ in shape), which oneshot takes as it is."""
    from torch.utils.data import DataLoader

    return DataLoader(CalibrationPages(examples, processor), batch_size=1, shuffle=False,
                      collate_fn=functools.partial(_collate, pad_id=processor.pad_id, dtype=dtype))


def _source(model_dir: Path) -> dict[str, Any]:
    manifest = _trained(model_dir)  # refuses the int8 copy
    kind = manifest.get("export", {}).get("kind")
    if kind in SCHEMES:
        raise PackagingError(f"{model_dir} is already a 4-bit {kind} export; quantise the trained package")
    return manifest


def quantize_weight_only(model_dir: Path, out_dir: Path, scheme: str, dataset: Path, *, num_samples: int = 64,
                         seed: int = 0) -> WeightOnlyExport:
    """A 4-bit weight-only package of ``model_dir``'s model at ``out_dir`` (an adapter is merged
    first), calibrated on ``num_samples`` pages of ``dataset``'s train split.

    Refuses (:class:`WeightOnlyError`) without a CUDA device or without llmcompressor, before
    reading anything."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown 4-bit scheme {scheme!r}; allowed: {list(SCHEMES)}")
    version = require_gpu_stack(f"the {scheme.upper()} export")
    from llmcompressor import oneshot

    model_dir = Path(model_dir)
    start = time.perf_counter()
    manifest = _source(model_dir)
    examples = calibration_examples(dataset, num_samples, seed)
    # On the CPU in the checkpoint's dtype: oneshot moves one decoder layer at a time to the GPU
    # (sequential onloading), as in llm-compressor's Qwen2.5-VL example.
    dtype = stored_dtype(model_dir)
    model, processor = load_trained(model_dir, placement=Placement("cpu", dtype))
    oneshot(model=model, tokenizer=processor.tokenizer, dataset=calibration_loader(examples, processor, dtype),
            recipe=recipe(scheme), num_calibration_samples=len(examples),
            sequential_targets=list(SEQUENTIAL_TARGETS))

    def save(tmp: Path) -> dict[str, Any]:
        model.save_pretrained(tmp / "weights", save_compressed=True)  # compressed-tensors
        processor.save_pretrained(tmp / "processor")
        _copy_prompt(model_dir, tmp)
        how = (f"llm-compressor {version} oneshot {scheme.upper()} {PRESETS[scheme]} (group 128) of the Linear "
               f"layers but {', '.join(IGNORE)}; calibrated on {len(examples)} train-split pages")
        weight_only = {"scheme": scheme, "preset": PRESETS[scheme], "ignore": list(IGNORE), "library": LIBRARY,
                       "library_version": version, "calibration": {"split": "train", "pages": len(examples),
                                                                   "seed": seed, "keys": [ex.key for ex in examples]}}
        return {"format": "full", "export": {**_origin(model_dir, manifest, scheme, how), "weight_only": weight_only}}

    write_package(out_dir, save)
    return WeightOnlyExport(scheme, Path(out_dir), disk_bytes(Path(out_dir)), len(examples), f"{LIBRARY} {version}",
                            time.perf_counter() - start)


def weight_only_rows(dataset: Path, model_dir: Path, out_dir: Path, reports_dir: Path, schemes: Sequence[str],
                     num_samples: int, evaluate: Any, tracking: Any, original: Mapping[str, float],
                     int8: Mapping[str, float] | None = None, *, progress: bool = True,
                     raise_errors: bool = False) -> dict[str, WeightOnlyRow]:
    """One row per scheme: refused (no CUDA device, no llmcompressor), or made into
    ``out_dir/<scheme>`` and scored by the evaluation stage's own ``evaluate`` on the test split
    (its output under ``reports_dir/evaluation/<scheme>``), with deltas against ``original``'s
    metrics and ``int8``'s. A library failure becomes a "failed: ..." row (the export stage's
    merged and int8 copies stand without it) unless ``raise_errors`` (the GPU script)."""
    from claimvlm.evaluation.stage import evaluate as evaluate_package

    rows: dict[str, WeightOnlyRow] = {}
    for scheme in schemes:
        try:
            made = quantize_weight_only(model_dir, Path(out_dir) / scheme, scheme, dataset, num_samples=num_samples)
            start = time.perf_counter()
            scored = evaluate_package(dataset, made.path, None, Path(reports_dir) / "evaluation" / scheme, evaluate,
                                      tracking, baseline=False, champion=False, progress=progress)["candidate"]
            seconds = time.perf_counter() - start
        except WeightOnlyError as err:
            rows[scheme] = WeightOnlyRow(scheme, err.status)
            continue
        except Exception as err:
            if raise_errors:
                raise
            rows[scheme] = WeightOnlyRow(scheme, f"failed: {type(err).__name__}: {err}")
            continue
        overall = scored.report.overall.metrics
        metrics = {k: float(overall[k]) for k in original}
        rows[scheme] = WeightOnlyRow(
            scheme, EXPORTED, str(made.path), made.disk_bytes, metrics,
            {k: v - original[k] for k, v in metrics.items()},
            {k: v - int8[k] for k, v in metrics.items() if k in int8} if int8 else {},
            made.calibration, made.library, made.seconds, seconds)
    return rows
