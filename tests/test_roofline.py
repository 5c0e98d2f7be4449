"""The roofline benchmark's counting (benchmarks/roofline.py), on the default params and the production
profile: models built on the meta device, nothing measured or timed, a few seconds."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from claimvlm.config import load_params

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def roofline(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))  # the script imports its neighbour, as when run
    import roofline

    return roofline


def _analyse(rl: ModuleType, params_path: Path, cpu: Any) -> tuple[Any, dict[str, Any]]:
    train = load_params(params_path).train
    config, _source, own_max = rl.model_config(train.model)
    shape = rl.shape_from_config(config, train.model)
    entry = rl.phases(shape, max_pixels=train.max_pixels or own_max, text_tokens=512, answer_tokens=256,
                      decode_batches=[1, 8, 32, 128], train_batches=[train.batch_size],
                      setup=rl.TrainSetup.of(train), machines=[rl.H200, cpu])
    return shape, entry


def _cpu(rl: ModuleType) -> Any:
    return rl.Machine("cpu", "a fixed CPU", 300e9, 25e9, 4, "test")


def _check_common(rl: ModuleType, entry: dict[str, Any], machines: list[Any]) -> None:
    rows = entry["phases"]
    decodes = [r for r in rows if r["phase"] == "decode"]
    assert [r["batch"] for r in decodes] == [1, 8, 32, 128]
    for m in machines:
        ais = [r["machines"][m.key]["intensity"] for r in decodes]
        assert all(a < b for a, b in pairwise(ais)), (m.key, ais)  # batching raises intensity
        assert decodes[0]["machines"][m.key]["bound"] == "memory"  # one sequence: every weight read per token
        for r in rows:
            x = r["machines"][m.key]
            assert 0 < x["attainable"] <= m.peak
            assert x["attainable"] == pytest.approx(min(m.peak, x["intensity"] * m.bandwidth))
            assert x["bound"] == ("compute" if x["intensity"] >= m.ridge else "memory")


def test_default_params(roofline: ModuleType) -> None:
    from train_throughput import matmul_params
    from transformers import AutoModelForImageTextToText

    cpu = _cpu(roofline)
    shape, entry = _analyse(roofline, ROOT / "params.yaml", cpu)
    _check_common(roofline, entry, [roofline.H200, cpu])
    # The meta-device count is the loaded model's: the same N as the train-throughput benchmark.
    model = AutoModelForImageTextToText.from_pretrained(ROOT / load_params(ROOT / "params.yaml").train.model)
    assert shape.matmul_params == matmul_params(model)[0] == entry["params"]["matmul_params"]
    assert entry["page"]["image_tokens"] == 88  # the tiny base's 224 x 320-pixel page
    # A decode step is 2 FLOPs per language and head weight per sequence, plus attention over the context.
    weights = sum(g.fan_in * g.fan_out for g in shape.part("language", "lm_head"))
    assert roofline.decode(shape, 1, 0, 4).flops == 2 * weights
    assert roofline.decode(shape, 3, 100, 4).flops > 3 * 2 * weights
    # fp32 moves twice the bytes of bf16 for the same FLOPs.
    assert roofline.decode(shape, 1, 500, 4).bytes == pytest.approx(2 * roofline.decode(shape, 1, 500, 2).bytes)


def test_production_profile(roofline: ModuleType) -> None:
    cpu = _cpu(roofline)
    _shape, entry = _analyse(roofline, ROOT / "profiles" / "production.yaml", cpu)
    _check_common(roofline, entry, [roofline.H200, cpu])
    rows = {(r["phase"].split()[0], r["batch"]): r["machines"] for r in entry["phases"]}
    assert entry["page"]["image_tokens"] == 1260  # 1280 x 28 x 28 pixels: an A4 page
    h200 = roofline.H200
    assert rows["prefill", 1]["h200"]["bound"] == "compute"
    assert rows["train", 4]["h200"]["bound"] == "compute"
    assert rows["decode", 1]["h200"]["bound"] == "memory"
    assert rows["decode", 1]["h200"]["intensity"] == pytest.approx(1.0, rel=0.15)  # bf16: 2 FLOPs per 2 bytes
    assert rows["decode", 1]["h200"]["attainable"] < 0.01 * h200.peak
    # The same weights (with the r=16 adapters) as the GPU profile counted on the H200.
    measured = json.loads((ROOT / "benchmarks" / "results" / "gpu_profile_h200_b4.json").read_text())
    assert entry["params"]["with_adapters"] == measured["train"]["matmul_params"]
    assert entry["params"]["trainable"] == measured["train"]["trainable_matmul_params"]


def test_machine_roof(roofline: ModuleType) -> None:
    m = roofline.H200
    assert m.ridge == pytest.approx(989 / 4.8)
    for ai in (0.01, 1.0, m.ridge * 0.999, m.ridge, m.ridge * 1.001, 1e5):
        assert m.attainable(ai) <= m.peak
    assert m.attainable(1.0) == pytest.approx(m.bandwidth)
    assert (m.bound(m.ridge * 0.99), m.bound(m.ridge * 1.01)) == ("memory", "compute")
