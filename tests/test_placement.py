"""Every stage after training runs the model where the machine says: on a CUDA machine the GPU in
bf16 (the parity check in float32, the int8 export on the CPU, the merged export in the
checkpoint's dtype), on a CPU float32. CUDA is faked only where the hardware is asked
(``claimvlm.model.placement.cuda_state``); each stage's request is recorded where a model is put
on its device (``Placement.put``), and the model then runs on this CPU in the dtype asked for."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import torch

from claimvlm.model import placement as placement_module
from claimvlm.model.placement import Placement, PlacementError, placement
from tests.conftest import ROOT
from tests.fixtures.models import SMALL, built_dataset, tracking_overrides, train_model

BASE = ROOT / "models" / "base" / "claimvlm-tiny"  # stored in bfloat16


@pytest.mark.parametrize(("cuda", "asked", "expected"), [
    ((True, True), ("auto", "auto"), ("cuda", torch.bfloat16)),
    ((True, False), ("auto", "auto"), ("cuda", torch.float16)),
    ((False, False), ("auto", "auto"), ("cpu", torch.float32)),
    ((True, True), ("cpu", "auto"), ("cpu", torch.float32)),
    ((True, True), ("auto", "fp32"), ("cuda", torch.float32)),
])
def test_auto_placement_follows_the_machine(monkeypatch: pytest.MonkeyPatch, cuda: tuple[bool, bool],
                                            asked: tuple[str, str], expected: tuple[str, torch.dtype]) -> None:
    monkeypatch.setattr(placement_module, "cuda_state", lambda: cuda)
    got = placement(*asked)  # type: ignore[arg-type]
    assert (got.device, got.dtype) == expected


def test_asking_for_a_gpu_that_is_not_there_fails_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(placement_module, "cuda_state", lambda: (False, False))
    with pytest.raises(PlacementError, match="no GPU"):
        placement("cuda")


@pytest.mark.parametrize(("cuda", "flash", "asked", "expected"), [
    ((True, True), True, ("auto", "auto"), "flash_attention_2"),
    ((True, True), False, ("auto", "auto"), "sdpa"),
    ((False, False), True, ("auto", "auto"), "sdpa"),
    ((True, True), True, ("auto", "fp32"), "sdpa"),  # FlashAttention has no fp32 kernels
])
def test_attention_is_flash_where_it_can_run_else_sdpa(monkeypatch: pytest.MonkeyPatch, cuda: tuple[bool, bool],
                                                       flash: bool, asked: tuple[str, str], expected: str) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(placement_module, "cuda_state", lambda: cuda)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: (object() if flash else None)
                        if name == "flash_attn" else real(name, *a))
    assert placement(*asked).attention == expected  # type: ignore[arg-type]
    if not flash:
        with pytest.raises(PlacementError, match="flash-attn"):
            placement_module.attention_implementation("flash_attention_2", "cuda", torch.bfloat16)


def test_the_configured_attention_is_the_one_the_model_runs() -> None:
    from claimvlm.model.source import load

    for name in ("eager", "sdpa"):
        model, _ = load(BASE, attn_implementation=name)
        assert model.config._attn_implementation == name


@pytest.fixture(scope="module")
def adapter_package(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[str]]:
    """A LoRA package on the shipped bf16 base (one step: what is measured is where it runs)."""
    root = tmp_path_factory.mktemp("placement")
    dataset = built_dataset(root, 6, splits={"train": 0.5, "val": 0.0, "test": 0.5})
    overrides = [*SMALL, f"train.model={BASE}", "train.method=lora", "train.max_steps=1", "train.batch_size=2",
                 "train.min_pixels=3136", "train.max_pixels=25088", *tracking_overrides(root)]
    result = train_model(dataset, root, overrides)
    return dataset, result.model_dir, overrides


@pytest.mark.slow
def test_each_stage_after_training_asks_for_the_gpu_in_bf16(adapter_package: tuple[Path, Path, list[str]],
                                                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from claimvlm.evaluation.params import EvaluateParams
    from claimvlm.evaluation.stage import evaluate
    from claimvlm.export.optimise import export_int8, export_merged
    from claimvlm.export.parity import parity_placement
    from claimvlm.model.params import TrackingParams
    from claimvlm.model.tracking import claim_reader
    from claimvlm.serving.hf import TransformersBackend
    from claimvlm.serving.params import ServeParams

    dataset, package, _ = adapter_package
    requests: list[tuple[str, str, torch.dtype]] = []
    stage = {"name": ""}

    def put(self: Placement, model: Any) -> Any:
        requests.append((stage["name"], self.device, self.dtype))
        return model.eval()  # loaded in the dtype asked for; it stays on this CPU

    monkeypatch.setattr(placement_module, "cuda_state", lambda: (True, True))
    monkeypatch.setattr(Placement, "put", put)
    tracking = TrackingParams(uri=f"sqlite:///{tmp_path}/mlflow.db", artifact_root=str(tmp_path / "artifacts"))

    stage["name"] = "evaluate"
    evaluate(dataset, package, BASE, tmp_path / "eval", EvaluateParams(max_new_tokens=4, bootstrap=100, cache_dir=None),
             tracking, baseline=False, champion=False, progress=False)
    stage["name"] = "export merged"
    merged = export_merged(package, tmp_path / "merged")
    stage["name"] = "export int8"
    export_int8(package, tmp_path / "int8")
    stage["name"] = "pyfunc"
    reader = claim_reader()()
    reader.load_context(SimpleNamespace(artifacts={"model": str(package)}))
    stage["name"] = "serve-api"
    TransformersBackend.open(str(package), "1", ServeParams(), tracking, "지시문")

    asked = {(name, device, dtype) for name, device, dtype in requests}
    assert {("evaluate", "cuda", torch.bfloat16), ("pyfunc", "cuda", torch.bfloat16),
            ("serve-api", "cuda", torch.bfloat16)} <= asked
    assert [r for r in requests if r[0] == "evaluate"] == [("evaluate", "cuda", torch.bfloat16)] * 2  # candidate, base
    # The merge runs on the GPU in the base checkpoint's dtype, and the copy is saved in it.
    assert ("export merged", "cuda", torch.bfloat16) in asked
    assert json.loads((merged / "weights" / "config.json").read_text()).get("dtype") == "bfloat16"
    # int8 kernels are CPU kernels: that export never asks for the GPU.
    assert {r for r in requests if r[0] == "export int8"} == {("export int8", "cpu", torch.float32)}
    assert parity_placement() == Placement("cuda", torch.float32)
