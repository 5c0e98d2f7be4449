"""The GPU profile script's dry run: the same code path end to end on the CPU, at small scale, so the
run on a scarce GPU is right the first time (benchmarks/gpu_profile.py)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow  # it synthesises, OCRs and trains (~40 s on 2 cores)


def test_dry_run_records_every_figure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))  # the script imports its neighbour, as when run
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")  # restored afterwards (--device cpu sets it too)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import gpu_profile

    out = tmp_path / "profile.json"
    # The production profile's anchoring (OCR) and the rest of its train section, on 4 documents
    # and small pages: a few seconds of training.
    returned = gpu_profile.main(["--scale", "small", "--device", "cpu", "--steps", "2", "--docs", "4",
                                 "--max-pixels", str(64 * 28 * 28), "--pages", "2", "--max-new-tokens", "4",
                                 "--workdir", str(tmp_path / "work"), "--out", str(out)])
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures == json.loads(json.dumps(returned, default=str))
    assert {"date", "chip", "torch", "transformers", "peft"} <= set(figures) and figures["chip"].startswith("CPU")

    train = figures["train"]
    assert (train["method"], train["precision"], train["gradient_checkpointing"]) == ("lora", "bf16", True)
    assert train["steps"] == 2 and train["timed_steps"] == 1
    for key in ("samples_per_s", "tokens_per_s", "image_tokens_per_s", "text_tokens_per_s",
                "flops_per_token_formula", "flops_per_token_counted", "mfu_formula", "mfu_counted"):
        assert train[key] > 0 and math.isfinite(train[key]), key
    assert train["tokens_counted_match"] and 0 < train["image_tokens_per_sample"] <= 64  # 64 x 28 x 28 pixels
    assert math.isclose(train["image_tokens_per_s"] + train["text_tokens_per_s"], train["tokens_per_s"])

    memory = figures["memory"]
    assert memory["measured_peak_gib"] is None  # CUDA only
    assert memory["estimate_gib"]["total"] > memory["estimate_gib"]["weights"] > 0
    assert 0 < memory["plan"]["image_tokens"] <= 64 and memory["plan"]["method"] == "lora"

    reading = figures["reading"]
    assert reading["pages"] == 2 and reading["pages_per_s"] > 0 and reading["new_tokens_per_s"] > 0
    assert figures["vllm"] == {"status": "not installed"}
    assert figures["dataset"]["anchoring"] in ("ocr", "none (tesseract not installed)")
    # The stand-in it trained is the real layout: two shards and the index.
    assert len(list((tmp_path / "work" / "standin").glob("model-0000?-of-00002.safetensors"))) == 2
