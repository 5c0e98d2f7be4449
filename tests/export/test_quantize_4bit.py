"""The 4-bit weight-only exports (AWQ, GPTQ by llm-compressor) on a machine that cannot make them.

llmcompressor is GPU-only and not in the lock, so here: the refusals (no CUDA device, the library
not importable or too old) name what is missing, before anything is read or written; the export
stage on the CPU still makes and reports merged and int8, with the two rows shown refused; the GPU
script exits 2 with the message. The path a GPU takes runs once with a stand-in for llmcompressor
whose ``oneshot`` does what the library does to its inputs but quantise: it runs the real tiny
Qwen2.5-VL forward on every calibration batch, and it checks the recipe's names against the
model's modules; the package it leaves is scored by the evaluation stage like any export.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch

from claimvlm.errors import ClaimvlmError
from claimvlm.export import weight_only
from claimvlm.export.weight_only import (
    EXPORTED,
    IGNORE,
    NO_CUDA,
    NOT_INSTALLED,
    SEQUENTIAL_TARGETS,
    TOO_OLD,
    WeightOnlyError,
    quantize_weight_only,
    weight_only_rows,
)

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "gpu_quantize.py"
SMALL_EVAL = ["evaluate.max_new_tokens=8", "evaluate.bootstrap=100", "evaluate.canary_size=1",
              "evaluate.report_examples=0"]


class FakeModifier:
    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs


def fake_llmcompressor(monkeypatch: pytest.MonkeyPatch, version: str = "0.14.0.1",
                       oneshot: Any = None) -> dict[str, Any]:
    """llmcompressor's import surface as the export uses it; ``calls`` records each oneshot."""
    calls: dict[str, Any] = {"oneshot": []}
    names = ("llmcompressor", "llmcompressor.modifiers", "llmcompressor.modifiers.gptq",
             "llmcompressor.modifiers.quantization", "llmcompressor.modifiers.transform",
             "llmcompressor.modifiers.transform.awq")
    mods = {n: types.ModuleType(n) for n in names}
    mods["llmcompressor"].__version__ = version
    mods["llmcompressor.modifiers.gptq"].GPTQModifier = type("GPTQModifier", (FakeModifier,), {})
    mods["llmcompressor.modifiers.quantization"].QuantizationModifier = type("QuantizationModifier",
                                                                             (FakeModifier,), {})
    mods["llmcompressor.modifiers.transform.awq"].AWQModifier = type("AWQModifier", (FakeModifier,), {})

    def record(**kwargs: Any) -> Any:
        calls["oneshot"].append(kwargs)
        return (oneshot or calibrate)(**kwargs)

    mods["llmcompressor"].oneshot = record
    for name, mod in mods.items():
        monkeypatch.setitem(sys.modules, name, mod)
    return calls


def calibrate(model: Any, dataset: Any, recipe: list[Any], sequential_targets: list[str], **_: Any) -> Any:
    """What oneshot does with its inputs, without quantising: the model's forward on every batch
    (under no_grad), the sequential targets and ignore patterns resolved against the model, and
    ``save_pretrained`` wrapped to take ``save_compressed`` (llm-compressor's modify_save_pretrained)."""
    classes = {type(m).__name__ for m in model.modules()}
    assert set(sequential_targets) <= classes, (sequential_targets, sorted(classes))
    model.calibration_batches = []
    with torch.no_grad():
        for batch in dataset:
            out = model(**batch)
            assert torch.isfinite(out.logits).all()
            model.calibration_batches.append(batch)
    original = model.save_pretrained

    def save_pretrained(path: Any, *args: Any, save_compressed: bool = False, **kwargs: Any) -> Any:
        model.saved_compressed = save_compressed
        return original(path, *args, **kwargs)

    model.save_pretrained = save_pretrained
    return model


@pytest.fixture
def no_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


@pytest.mark.parametrize("scheme", ["awq", "gptq"])
def test_refuses_without_a_cuda_device_even_with_the_library(scheme: str, no_cuda: None, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    calls = fake_llmcompressor(monkeypatch)
    with pytest.raises(WeightOnlyError) as err:
        quantize_weight_only(tmp_path / "model", tmp_path / "out", scheme, tmp_path / "dataset")
    assert isinstance(err.value, ClaimvlmError) and err.value.status == NO_CUDA == "refused: no CUDA device"
    message = str(err.value)
    assert f"the {scheme.upper()} export needs a CUDA device" in message
    assert "torch.cuda.is_available() is False" in message and "benchmarks/gpu_quantize.py" in message
    assert not calls["oneshot"] and not (tmp_path / "out").exists()


def test_refuses_without_llmcompressor_naming_it_and_how_to_install(monkeypatch: pytest.MonkeyPatch,
                                                                    tmp_path: Path) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # the CUDA check passes: the library is next
    monkeypatch.setitem(sys.modules, "llmcompressor", None)  # `import llmcompressor` raises ImportError
    with pytest.raises(WeightOnlyError) as err:
        quantize_weight_only(tmp_path / "model", tmp_path / "out", "gptq", tmp_path / "dataset")
    assert err.value.status == NOT_INSTALLED == "refused: llmcompressor not installed"
    assert "needs the llmcompressor package, which is not importable here" in str(err.value)
    assert f"pip install 'llmcompressor>={weight_only.MIN_VERSION}'" in str(err.value)
    assert isinstance(err.value.__cause__, ImportError)
    assert not (tmp_path / "out").exists()


def test_refuses_a_release_older_than_transformers_5_support(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(weight_only, "_cuda", lambda: True)
    fake_llmcompressor(monkeypatch, version="0.10.0")
    with pytest.raises(WeightOnlyError, match=r"llmcompressor >= 0\.13\.0 .*0\.10\.0 is installed") as err:
        quantize_weight_only(tmp_path / "model", tmp_path / "out", "awq", tmp_path / "dataset")
    assert err.value.status == TOO_OLD
    with pytest.raises(ValueError, match="unknown 4-bit scheme 'int4'"):
        quantize_weight_only(tmp_path / "model", tmp_path / "out", "int4", tmp_path / "dataset")


# --- with a model: a tiny Qwen2.5-VL package and a built dataset -------------------------------

@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from claimvlm.config import load_params
    from claimvlm.dataset.reader import read_split
    from claimvlm.export.stage import export
    from claimvlm.model.package import save_trained
    from claimvlm.model.source import TinySpec, build_tiny, load
    from tests.fixtures.models import built_dataset, tracking_overrides

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        mp.setattr(torch.cuda, "is_available", lambda: False)  # this machine, whatever runs the test
        root = tmp_path_factory.mktemp("quantize4")
        dataset = built_dataset(root, 10, splits={"train": 0.6, "val": 0.1, "test": 0.3})
        texts = [json.dumps(ex.record, ensure_ascii=False) for ex in read_split(dataset, "train")]
        tiny = build_tiny(texts, TinySpec(min_pixels=3136, max_pixels=25088), root / "tiny")
        model, processor = load(tiny)
        package = save_trained(model, processor, root / "model", base_dir=tiny, embed_base_max_mb=0)
        p = load_params(None, [*SMALL_EVAL, *tracking_overrides(root)])
        result = export(dataset, package, root / "exports", root / "reports", p.export, p.evaluate, p.tracking,
                        p.build.instruction, progress=False)
        yield {"root": root, "dataset": dataset, "package": package, "params": p, "result": result, "tiny": tiny}


def test_export_on_cpu_keeps_int8_and_shows_both_4bit_rows_refused(world: dict[str, Any]) -> None:
    root, result = world["root"], world["result"]
    assert set(result.variants) == {"original", "merged", "int8"}
    assert {k: r.status for k, r in result.weight_only.items()} == {"awq": NO_CUDA, "gptq": NO_CUDA}
    assert not (root / "exports" / "awq").exists() and not (root / "exports" / "gptq").exists()
    assert not (root / "reports" / "evaluation" / "awq").exists()
    metrics = json.loads((root / "reports" / "metrics.json").read_text())
    assert set(metrics["variants"]) == {"original", "merged", "int8"}
    assert metrics["weight_only"]["awq"]["status"] == "refused: no CUDA device"
    assert metrics["weight_only"]["gptq"]["disk_bytes"] is None and metrics["weight_only"]["gptq"]["metrics"] == {}
    md = (root / "reports" / "report.md").read_text(encoding="utf-8")
    assert "| int8 |" in md and "## Weight-only 4-bit (AWQ, GPTQ)" in md
    assert "| awq | refused: no CUDA device | – |" in md and "| gptq | refused: no CUDA device | – |" in md


@pytest.mark.parametrize("scheme", ["gptq", "awq"])
def test_gpu_path_calibrates_on_train_pages_and_writes_a_package(scheme: str, world: dict[str, Any],
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    from claimvlm.dataset.reader import label_of, read_split
    from claimvlm.model.package import PackagingError, load_trained, verify

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(weight_only, "_cuda", lambda: True)  # only the refusal is told there is a GPU
    calls = fake_llmcompressor(monkeypatch)
    made = quantize_weight_only(world["package"], tmp_path / scheme, scheme, world["dataset"], num_samples=4)

    (call,) = calls["oneshot"]
    model = call["model"]
    train = {ex.key: ex for ex in read_split(world["dataset"], "train")}
    test = {ex.key for ex in read_split(world["dataset"], "test")}
    manifest = verify(tmp_path / scheme)
    keys = manifest["export"]["weight_only"]["calibration"]["keys"]
    assert len(keys) == len(set(keys)) == made.calibration == 4 == len(model.calibration_batches)
    assert set(keys) <= set(train) and not set(keys) & test
    # Each batch is a training example of its page (build record's prompt and answer), without labels.
    tokenizer = call["tokenizer"]
    for key, batch in zip(keys, model.calibration_batches, strict=True):
        assert set(batch) == {"input_ids", "attention_mask", "pixel_values", "image_grid_thw"}
        text = tokenizer.decode(batch["input_ids"][0])
        label = label_of(train[key])
        assert str(label["document_type"]) in text and "<|im_start|>assistant" in text
    assert model.saved_compressed is True

    # The recipe: 4-bit weights of every Linear but the head and the vision tower, as the names resolve.
    kinds = [type(m).__name__ for m in call["recipe"]]
    quant = call["recipe"][-1].kwargs
    if scheme == "gptq":
        assert kinds == ["GPTQModifier"] and quant["scheme"] == "W4A16"
    else:
        assert kinds == ["AWQModifier", "QuantizationModifier"] and quant["scheme"] == "W4A16_ASYM"
    assert quant["targets"] == ["Linear"] and quant["ignore"] == list(IGNORE)
    assert call["sequential_targets"] == list(SEQUENTIAL_TARGETS)

    def ignored(name: str) -> bool:
        return any(name == p or p.startswith("re:") and re.match(p[3:], name) for p in quant["ignore"])

    linears = [n for n, m in model.named_modules() if isinstance(m, torch.nn.Linear)]
    vision = [n for n in linears if ".visual." in f".{n}"]
    assert vision and all(ignored(n) for n in vision)
    assert "lm_head" in linears and ignored("lm_head")
    kept = [n for n in linears if not ignored(n)]
    assert kept and all(n.startswith("model.language_model.layers.") for n in kept)

    assert manifest["format"] == "full" and manifest["export"]["kind"] == scheme
    assert manifest["export"]["weight_only"]["library_version"] == "0.14.0.1"
    assert made.disk_bytes == sum(p.stat().st_size for p in (tmp_path / scheme).rglob("*") if p.is_file())
    assert made.library == "llmcompressor 0.14.0.1"
    loaded, _ = load_trained(tmp_path / scheme)  # a full package as the evaluation stage loads it
    assert type(loaded).__name__ == "Qwen2_5_VLForConditionalGeneration"
    with pytest.raises(PackagingError, match=f"already a 4-bit {scheme} export"):
        quantize_weight_only(tmp_path / scheme, tmp_path / "again", scheme, world["dataset"])


def test_rows_score_the_export_with_the_evaluation_stage(world: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    """The stand-in leaves the weights as they were, so the evaluation stage must score the 4-bit
    package exactly as it scored the original: every Δ against the original is 0."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setattr(weight_only, "_cuda", lambda: True)
    fake_llmcompressor(monkeypatch)
    p = world["params"]
    variants = world["result"].variants
    original, int8 = variants["original"].metrics, variants["int8"].metrics
    (row,) = weight_only_rows(world["dataset"], world["package"], tmp_path / "exports", tmp_path / "reports",
                              ["gptq"], 3, p.evaluate, p.tracking, original, int8, progress=False).values()
    assert row.status == EXPORTED and row.calibration == 3 and row.disk_bytes and row.disk_bytes > 0
    assert (tmp_path / "reports" / "evaluation" / "gptq" / "candidate.json").is_file()
    assert set(row.metrics) == set(original)
    for k, v in row.deltas.items():
        assert v == 0 or math.isnan(v) and math.isnan(original[k]), (k, v)
    for k, v in row.deltas_int8.items():
        assert v == pytest.approx(row.metrics[k] - int8[k], nan_ok=True)


def test_a_library_failure_is_a_failed_row_unless_asked_to_raise(monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    monkeypatch.setattr(weight_only, "_cuda", lambda: True)

    def broken(**_: Any) -> None:
        raise RuntimeError("tracing Qwen2_5_VLDecoderLayer failed")

    fake_llmcompressor(monkeypatch, oneshot=broken)
    monkeypatch.setattr(weight_only, "_source", lambda model_dir: {})
    monkeypatch.setattr(weight_only, "calibration_examples", lambda *a, **k: [])
    monkeypatch.setattr(weight_only, "stored_dtype", lambda model_dir: torch.float32)
    monkeypatch.setattr(weight_only, "load_trained", lambda *a, **k: (torch.nn.Linear(1, 1), types.SimpleNamespace(
        tokenizer=None, pad_id=0)))
    args = (tmp_path / "ds", tmp_path / "model", tmp_path / "out", tmp_path / "reports", ["awq"], 2, None, None,
            {"weighted_score": 0.5})
    (row,) = weight_only_rows(*args, progress=False).values()
    assert row.status == "failed: RuntimeError: tracing Qwen2_5_VLDecoderLayer failed" and row.disk_bytes is None
    with pytest.raises(RuntimeError, match="tracing"):
        weight_only_rows(*args, progress=False, raise_errors=True)


def test_gpu_script_exits_2_on_a_machine_without_cuda(tmp_path: Path) -> None:
    env = {**_env(), "CUDA_VISIBLE_DEVICES": ""}
    out = subprocess.run([sys.executable, str(SCRIPT), "--model", str(tmp_path / "model"), "--dataset",
                          str(tmp_path / "dataset"), "--out", str(tmp_path / "out")],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "gpu_quantize: benchmarks/gpu_quantize.py (AWQ/GPTQ) needs a CUDA device" in out.stderr
    assert "torch.cuda.is_available() is False" in out.stderr
    assert not (tmp_path / "out").exists()


def test_gpu_script_exits_2_without_llmcompressor(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    script = _script()
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setitem(sys.modules, "llmcompressor", None)
    rc = script.main(["--model", str(tmp_path / "m"), "--dataset", str(tmp_path / "d"), "--out", str(tmp_path / "o")])
    assert rc == 2
    err = capsys.readouterr().err
    assert "needs the llmcompressor package" in err and "pip install" in err
    assert not (tmp_path / "o").exists()


def _script() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location("gpu_quantize", SCRIPT)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


def test_gpu_script_flow_with_a_checkpoint_folder_and_the_export_stage_int8(world: dict[str, Any],
                                                                          monkeypatch: pytest.MonkeyPatch,
                                                                          tmp_path: Path) -> None:
    """The script's path past the refusal, on the CPU with the llmcompressor stand-in: a plain
    checkpoint folder is packaged, scored, the int8 row taken from the export stage's metrics.json,
    the GPTQ package made and scored, everything in gpu_quantize.json."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setattr(weight_only, "_cuda", lambda: True)
    fake_llmcompressor(monkeypatch)
    sets = [arg for o in SMALL_EVAL for arg in ("-S", o)]
    rc = _script().main(["--model", str(world["tiny"]), "--dataset", str(world["dataset"]), "--out",
                         str(tmp_path / "out"), "--schemes", "gptq", "--samples", "2", "--int8-metrics",
                         str(world["root"] / "reports" / "metrics.json"), "-p", str(tmp_path / "none.yaml"),
                         "--no-progress", *sets])
    assert rc == 0
    result = json.loads((tmp_path / "out" / "gpu_quantize.json").read_text())
    assert result["reference"] == "fp32" and result["device"] == "cpu"  # bf16 on a GPU
    assert result["llmcompressor"] == "0.14.0.1" and result["calibration_samples"] == 2
    ref, int8, gptq = (result["variants"][k] for k in ("fp32", "int8", "gptq"))
    assert (tmp_path / "out" / "original" / "claimvlm_model.json").is_file() and ref["disk_bytes"] > 0
    expected = world["result"].variants["int8"].metrics  # JSON has null where a metric is NaN
    assert int8["metrics"] == {k: None if math.isnan(v) else v for k, v in expected.items()}
    assert gptq["status"] == EXPORTED and gptq["calibration"] == 2 and gptq["disk_bytes"] > 0
    assert gptq["size_vs_reference"] == pytest.approx(gptq["disk_bytes"] / ref["disk_bytes"])
    assert all(v in (0, None) for v in gptq["delta_vs_fp32"].values())  # unchanged weights score the same
    assert set(gptq["delta_vs_int8"]) == set(gptq["metrics"]) and gptq["quantize_s"] > 0
    assert (tmp_path / "out" / "evaluation" / "gptq" / "candidate.json").is_file()


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "CUDA_VISIBLE_DEVICES"}


def test_report_shows_an_exported_row_with_size_and_both_deltas(tmp_path: Path) -> None:
    from claimvlm.export.params import ExportParams
    from claimvlm.export.parity import ParityResult
    from claimvlm.export.report import SHOWN, write_report
    from claimvlm.export.weight_only import WeightOnlyRow

    metrics = {m: 0.5 for m in SHOWN}
    row = WeightOnlyRow("awq", EXPORTED, "/x/awq", 3 * 2**20, metrics, {m: -0.02 for m in SHOWN},
                        {m: 0.01 for m in SHOWN}, 64, "llmcompressor 0.14.0.1", 95.4, 30.0)
    refused = WeightOnlyRow("gptq", NOT_INSTALLED)
    parity = ParityResult(True, (), {}, 1e-3, ())
    md = write_report(tmp_path / "report.md", {}, parity, ExportParams(), 3, ["a"],
                      weight_only={"awq": row, "gptq": refused}).read_text(encoding="utf-8")
    assert ("| awq | exported | 3.0 MB | 0.500 (-0.020, +0.010) | 0.500 (-0.020, +0.010) | 0.500 (-0.020, +0.010) "
            "| 0.500 (-0.020, +0.010) | 64 | 95 | llmcompressor 0.14.0.1 |") in md
    assert "| gptq | refused: llmcompressor not installed | – |" in md
    assert "Weight-only" not in write_report(tmp_path / "plain.md", {}, parity, ExportParams(), 3, ["a"]).read_text(
        encoding="utf-8")
