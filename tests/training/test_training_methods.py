"""Fine-tuning methods (which parameters train) and the training loop, on the tiny Qwen2.5-VL."""

from __future__ import annotations

import importlib.util
import itertools
import time
from pathlib import Path
from typing import Any

import pytest
import torch
from PIL import Image

from claimvlm.model.source import load
from claimvlm.training.loop import OutOfMemory, StepLog, TrainingDiverged, train_steps
from claimvlm.training.methods import (
    MethodError,
    apply_method,
    parts,
    quantization_config,
    thaw_schedule,
    trainable_parameters,
)
from claimvlm.training.params import FreezeParams, LoraParams, TrainParams
from tests.training.tiny_data import PIXELS, stand_in_page


@pytest.fixture(scope="module")
def images(records: list[dict[str, Any]]) -> list[Image.Image]:
    return [stand_in_page(i) for i in range(len(records))]


def _fresh(tiny: Path) -> tuple[Any, Any]:
    return load(str(tiny), **PIXELS)


def _count(model: Any, pred: Any) -> int:
    return sum(p.numel() for n, p in model.named_parameters() if pred(n))


def _is_vision(name: str) -> bool:
    return ".visual." in name and ".merger." not in name


def _is_merger(name: str) -> bool:
    return ".visual.merger." in name


# ---------------------------------------------------------------- methods


def test_lora_trains_only_language_adapters(tiny: Path) -> None:
    model, _ = _fresh(tiny)
    # The vision tower has linears of the same names: a plain name list would adapt them too.
    assert any(n.startswith("model.visual.") and n.endswith("gate_proj") for n, _ in model.named_modules())
    cfg = model.config.text_config
    params = TrainParams(method="lora", lora=LoraParams(r=8))
    model = apply_method(model, params)
    hd = cfg.hidden_size // cfg.num_attention_heads
    h, q, kv, inter = cfg.hidden_size, cfg.num_attention_heads * hd, cfg.num_key_value_heads * hd, cfg.intermediate_size
    shapes = {"q_proj": (h, q), "k_proj": (h, kv), "v_proj": (h, kv), "o_proj": (q, h),
              "gate_proj": (h, inter), "up_proj": (h, inter), "down_proj": (inter, h)}
    expected = cfg.num_hidden_layers * sum(8 * (i + o) for i, o in shapes.values())
    trainable, total = trainable_parameters(model)
    print(f"lora trainable {trainable} of {total}")
    assert trainable == expected == 131_072
    names = [n for n, p in model.named_parameters() if p.requires_grad]
    assert all(("lora_A" in n or "lora_B" in n) and ".language_model.layers." in n for n in names)
    assert not any(".visual." in n for n, p in model.named_parameters() if p.requires_grad)
    assert not any("lora" in n for n, _ in model.named_modules() if ".visual." in n)
    # A subset of targets adapts only those.
    sub, _ = _fresh(tiny)
    sub = apply_method(sub, TrainParams(method="lora", lora=LoraParams(r=4, target_modules=("q_proj", "v_proj"))))
    assert trainable_parameters(sub)[0] == cfg.num_hidden_layers * 4 * ((h + q) + (h + kv))
    with pytest.raises(MethodError, match="match no module"):
        apply_method(_fresh(tiny)[0], TrainParams(method="lora", lora=LoraParams(target_modules=("qkv",))))


@pytest.mark.parametrize(("vision", "part"), [("merger", "merger"), ("full", "vision")])
def test_lora_can_train_the_vision_side_beside_the_adapters(tiny: Path, vision: str, part: str) -> None:
    fresh = parts(_fresh(tiny)[0])
    size = sum(p.numel() for name in {part, "merger"} for p in fresh[name].parameters())
    model = apply_method(_fresh(tiny)[0], TrainParams(method="lora", lora=LoraParams(r=4, vision=vision)))  # type: ignore[arg-type]
    # peft trains a full copy of the module (modules_to_save) and saves it with the adapter
    visual = sum(p.numel() for n, p in model.named_parameters() if p.requires_grad and ".visual." in n)
    assert visual == size
    frozen = apply_method(_fresh(tiny)[0], TrainParams(method="lora", lora=LoraParams(r=4)))
    assert not any(p.requires_grad for n, p in frozen.named_parameters() if ".visual." in n)


def test_full_trains_everything(tiny: Path) -> None:
    model, _ = _fresh(tiny)
    for p in model.parameters():
        p.requires_grad_(False)
    model = apply_method(model, TrainParams(method="full"))
    trainable, total = trainable_parameters(model)
    assert trainable == total == sum(p.numel() for p in model.parameters())


def test_parts_partition_the_model(tiny: Path) -> None:
    model, _ = _fresh(tiny)
    table = parts(model)
    sizes = {k: sum(p.numel() for p in m.parameters()) for k, m in table.items()}
    assert sizes["vision"] == _count(model, _is_vision) > 0
    assert sizes["merger"] == _count(model, _is_merger) > 0
    assert sum(sizes.values()) == trainable_parameters(model)[1]  # tied lm_head counted once


@pytest.mark.parametrize(("vision", "merger", "language"),
                         [c for c in itertools.product([True, False], repeat=3) if not all(c)])
def test_freeze_combinations(tiny: Path, vision: bool, merger: bool, language: bool) -> None:
    model, _ = _fresh(tiny)
    params = TrainParams(method="freeze", freeze=FreezeParams(vision=vision, merger=merger, language=language))
    model = apply_method(model, params)
    trainable, total = trainable_parameters(model)
    frozen = (_count(model, _is_vision) * vision + _count(model, _is_merger) * merger
              + _count(model, lambda n: ".visual." not in n) * language)
    assert trainable == total - frozen
    assert all(not p.requires_grad for n, p in model.named_parameters() if vision and _is_vision(n))
    assert all(p.requires_grad for n, p in model.named_parameters() if not merger and _is_merger(n))


def test_freeze_everything_is_refused(tiny: Path) -> None:
    with pytest.raises(MethodError, match="nothing would train"):
        apply_method(_fresh(tiny)[0], TrainParams(method="freeze", freeze=FreezeParams(
            vision=True, merger=True, language=True)))


def test_qlora_refused_on_cpu_before_any_work() -> None:
    if torch.cuda.is_available() and importlib.util.find_spec("bitsandbytes"):
        pytest.skip("CUDA and bitsandbytes present: qlora is possible here")
    sentinel = object()  # not even a model: the check must come before anything touches it
    with pytest.raises(MethodError) as err:
        apply_method(sentinel, TrainParams(method="qlora"))  # type: ignore[arg-type]
    msg = str(err.value)
    assert "qlora" in msg and "CUDA" in msg and "method=lora" in msg
    with pytest.raises(MethodError, match="bitsandbytes|CUDA"):
        quantization_config(TrainParams(method="qlora"))


# ---------------------------------------------------------------- loop


def test_progressive_unfreezing(tiny: Path, records: list[dict[str, Any]], images: list[Image.Image]) -> None:
    model, processor = _fresh(tiny)
    params = TrainParams(method="freeze", max_steps=5, batch_size=1, learning_rate=1e-3,
                         freeze=FreezeParams(vision=True, merger=True, unfreeze_at={3: ("vision",), 4: ("merger",)}))
    model = apply_method(model, params)
    vis = model.model.visual.blocks[0].attn.qkv.weight
    mrg = model.model.visual.merger.mlp[0].weight
    start_vis, start_mrg = vis.detach().clone(), mrg.detach().clone()
    seen: list[tuple[int, bool, bool, bool, bool]] = []

    def on_step(log: StepLog) -> None:
        seen.append((log.step, vis.requires_grad, not torch.equal(vis, start_vis),
                     mrg.requires_grad, not torch.equal(mrg, start_mrg)))

    train_steps(model, processor, records[:4], images[:4], params, on_step=on_step)
    assert seen == [(1, False, False, False, False), (2, False, False, False, False),
                    (3, True, True, False, False), (4, True, True, True, True), (5, True, True, True, True)]
    assert thaw_schedule(model, params, 10) == []  # idempotent


@pytest.mark.slow
def test_loss_goes_down_lora(tiny: Path, records: list[dict[str, Any]], images: list[Image.Image]) -> None:
    model, processor = _fresh(tiny)
    # batch 1 x accumulation 2: the same examples per step as batch 2
    params = TrainParams(method="lora", max_steps=30, batch_size=1, grad_accum=2, learning_rate=1e-3, warmup_steps=0)
    model = apply_method(model, params)
    start = time.perf_counter()
    logs = train_steps(model, processor, records[:2], images[:2], params)
    rate = len(logs) / (time.perf_counter() - start)
    print(f"lora: {rate:.1f} steps/s; loss {logs[0].loss:.2f} -> {logs[-1].loss:.2f}")
    assert [log.step for log in logs] == list(range(1, 31))
    assert all(log.samples == 2 and log.tokens > 200 for log in logs)
    assert logs[0].lr == pytest.approx(1e-3) and logs[-1].lr == pytest.approx(1e-3 / 30)
    assert logs[-1].loss < 0.92 * logs[0].loss
    assert sum(x.loss for x in logs[-5:]) < sum(x.loss for x in logs[:5])


@pytest.mark.slow
def test_loss_goes_down_full(tiny: Path, records: list[dict[str, Any]], images: list[Image.Image]) -> None:
    model, processor = _fresh(tiny)
    params = TrainParams(method="full", max_steps=30, batch_size=2, learning_rate=1e-3, warmup_steps=3)
    model = apply_method(model, params)
    start = time.perf_counter()
    logs = train_steps(model, processor, records[:2], images[:2], params)
    rate = len(logs) / (time.perf_counter() - start)
    print(f"full: {rate:.1f} steps/s; loss {logs[0].loss:.2f} -> {logs[-1].loss:.2f}")
    assert logs[0].lr == pytest.approx(0.0) and logs[3].lr == pytest.approx(1e-3)  # warmup
    assert all(log.grad_norm > 0 for log in logs)
    assert logs[-1].loss < 0.6 * logs[0].loss


@pytest.mark.slow
def test_overfit_one_batch(tiny: Path, records: list[dict[str, Any]], images: list[Image.Image]) -> None:
    model, processor = _fresh(tiny)
    params = TrainParams(method="full", max_steps=150, batch_size=2, learning_rate=3e-3, warmup_steps=10)
    model = apply_method(model, params)
    start = time.perf_counter()
    logs = train_steps(model, processor, records, images, params, overfit_batch=True)
    first = next((log.step for log in logs if log.loss < 0.05), None)
    print(f"overfit: {time.perf_counter() - start:.1f}s; loss {logs[0].loss:.2f} -> {logs[-1].loss:.4f}; "
          f"< 0.05 first at step {first}")
    assert logs[-1].loss < 0.05
    assert len({log.tokens for log in logs}) == 1  # the same batch every step


def test_nan_guard_on_huge_learning_rate(tiny: Path, records: list[dict[str, Any]],
                                         images: list[Image.Image]) -> None:
    model, processor = _fresh(tiny)
    params = TrainParams(method="full", max_steps=10, batch_size=1, learning_rate=1e6)
    model = apply_method(model, params)
    with pytest.raises(TrainingDiverged, match=r"at step \d+") as err:
        train_steps(model, processor, records[:2], images[:2], params)
    print(f"lr 1e6: {err.value}")
    assert "learning_rate" in str(err.value) and "fp16" in str(err.value)


def test_nan_guard_on_injected_nan(tiny: Path, records: list[dict[str, Any]], images: list[Image.Image]) -> None:
    model, processor = _fresh(tiny)
    params = TrainParams(method="lora", max_steps=5, batch_size=1)
    calls = {"n": 0}

    def poison(_module: Any, _inputs: Any, output: torch.Tensor) -> torch.Tensor:
        calls["n"] += 1
        return output * float("nan") if calls["n"] == 3 else output

    model.lm_head.register_forward_hook(poison)
    model = apply_method(model, params)
    with pytest.raises(TrainingDiverged, match=r"non-finite loss nan at step 3"):
        train_steps(model, processor, records[:2], images[:2], params)


def test_exploding_gradient_guard(tiny: Path, records: list[dict[str, Any]], images: list[Image.Image]) -> None:
    model, processor = _fresh(tiny)
    params = TrainParams(method="full", max_steps=3, batch_size=1, explode_grad_norm=1e-3)
    with pytest.raises(TrainingDiverged, match=r"gradient norm .* at step 1 .*explode_grad_norm"):
        train_steps(apply_method(model, params), processor, records[:1], images[:1], params)


def test_out_of_memory_names_the_knobs(tiny: Path, records: list[dict[str, Any]], images: list[Image.Image],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    model, processor = _fresh(tiny)
    params = TrainParams(method="full", max_steps=2, batch_size=1)

    def boom(*_a: Any, **_k: Any) -> Any:
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(model, "forward", boom)
    with pytest.raises(OutOfMemory) as err:
        train_steps(model, processor, records[:1], images[:1], params)
    for knob in ("batch_size", "max_pixels", "gradient_checkpointing", "qlora"):
        assert knob in str(err.value)


def test_bf16_with_gradient_checkpointing_then_fp32(tiny: Path, records: list[dict[str, Any]],
                                                    images: list[Image.Image]) -> None:
    """Mixed precision and checkpointing run on a CPU, and a later run in the same process may change
    precision (accelerate's state is a process-wide singleton)."""
    for precision, checkpointing in (("bf16", True), ("fp32", False)):
        model, processor = _fresh(tiny)
        params = TrainParams(method="lora", max_steps=2, batch_size=1, precision=precision,
                             gradient_checkpointing=checkpointing)
        logs = train_steps(apply_method(model, params), processor, records[:2], images[:2], params)
        assert len(logs) == 2 and all(torch.isfinite(torch.tensor(log.loss)) for log in logs)
    with pytest.raises(MethodError, match="fp16 needs CUDA"):
        if torch.cuda.is_available():
            pytest.skip("CUDA present")
        train_steps(model, processor, records[:1], images[:1], TrainParams(precision="fp16"))


def test_freeze_in_bf16_keeps_fp32_master_weights(tiny: Path, records: list[dict[str, Any]],
                                                  images: list[Image.Image]) -> None:
    """A 16-bit checkpoint trained with method freeze: the frozen vision tower stays bf16, the
    trained parts train in float32, so one small AdamW step moves (nearly) every trained weight."""
    model, processor = load(str(tiny), dtype=torch.bfloat16, **PIXELS)
    params = TrainParams(method="freeze", precision="bf16", max_steps=1, batch_size=2, learning_rate=1e-5,
                         warmup_steps=0)
    model = apply_method(model, params)
    trained = {n: p for n, p in model.named_parameters() if p.requires_grad}
    frozen = {n: p for n, p in model.named_parameters() if not p.requires_grad}
    assert trained and frozen and all(_is_vision(n) for n in frozen)
    assert {p.dtype for p in trained.values()} == {torch.float32}
    assert {p.dtype for p in frozen.values()} == {torch.bfloat16}
    before = {n: p.detach().clone() for n, p in trained.items()}
    train_steps(model, processor, records[:2], images[:2], params)
    moved = sum(int((p.detach() != before[n]).sum()) for n, p in trained.items())
    total = sum(p.numel() for p in trained.values())
    assert moved > 0.9 * total, f"{moved} of {total} trained weights moved"
