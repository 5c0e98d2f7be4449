"""The adapter the vLLM backend installs, read back the way vLLM's LoRA loader reads it.

vLLM is not installed here (it needs a GPU): its rules for Qwen2.5-VL are re-implemented below
from vllm-project/vllm (files and commits in docs/serving-vllm.md):

* vllm/lora/utils.py @ 0fd157078c53 ``parse_fine_tuned_lora_name``: drop ``base_model.model.``,
  map the rest with the model's ``hf_to_vllm_mapper``, drop ``.lora_A.weight``/``.lora_B.weight``;
* vllm/model_executor/models/utils.py ``WeightsMapper._map_name``: every matching prefix, in order;
* vllm/model_executor/models/qwen2_5_vl.py @ fb33ec8b0a73 ``hf_to_vllm_mapper`` and
  ``packed_modules_mapping`` (q/k/v_proj -> qkv_proj, gate/up_proj -> gate_up_proj);
* vllm/lora/lora_model.py @ 0306474e9d1f ``from_local_checkpoint``: only the module name's last part
  is checked; vllm/lora/model_manager.py @ 01533aa8f9c0 ``activate_adapter``: weights are looked up
  by the names of the layers vLLM put LoRA on (the language model's), others silently unused.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from claimvlm.model.params import TrackingParams
from claimvlm.serving.backends import BackendError
from claimvlm.serving.vllm import VllmBackend
from claimvlm.serving.vllm_adapter import MODULES, RECORD, vllm_adapter_config, vllm_adapter_keys
from tests.serving.test_vllm import (
    INSTRUCTION,
    Fake,
    adapter_files,
    fake_vllm,
    package,
    params,
    running,
    weights,
)

# Qwen2_5_VLForConditionalGeneration.hf_to_vllm_mapper (orig_to_new_prefix, in order).
MAPPER = {"model.language_model.": "language_model.model.", "model.visual.": "visual.",
          "lm_head.": "language_model.lm_head.", "model.": "language_model.model."}
# Before vLLM PR #19054 (merged 2025-06-03, "checkpoints saved after transformers v4.52 have
# different weight names") the first two entries did not exist.
MAPPER_BEFORE_19054 = {"lm_head.": "language_model.lm_head.", "model.": "language_model.model."}
LAYERS = 2


def vllm_module(key: str, mapper: dict[str, str]) -> str:
    """The module vLLM files a LoRA tensor under (parse_fine_tuned_lora_name)."""
    name = key
    if name.startswith("base_model.model."):
        name = name.replace("base_model.model.", "")
        for prefix, new in mapper.items():
            if name.startswith(prefix):
                name = name.replace(prefix, new, 1)
        name = "base_model.model." + name
    parts = name.split(".")
    assert parts[-1] == "weight" and parts[-2] in ("lora_A", "lora_B"), f"vLLM: {key} is unsupported LoRA weight"
    return ".".join(parts[2 if name.startswith("base_model.model.") else 0:-2])


def vllm_lora_layers(layers: int, modules: tuple[str, ...] = MODULES) -> set[str]:
    """The names vLLM looks LoRA weights up under for Qwen2.5-VL's language model (a packed
    qkv_proj/gate_up_proj layer is looked up by its parts' names)."""
    return {f"language_model.model.layers.{i}.{'self_attn' if m[0] in 'qkvo' else 'mlp'}.{m}"
            for i in range(layers) for m in modules}


@pytest.fixture(scope="module")
def trained_adapter(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """A real peft LoRA adapter made as the train stage makes it (claimvlm.training.methods), on a
    tiny Qwen2.5-VL: transformers 5 key names and a regex target_modules."""
    from transformers import Qwen2_5_VLForConditionalGeneration

    from claimvlm.model.source import TinySpec, build_tiny
    from claimvlm.training.methods import apply_method
    from claimvlm.training.params import TrainParams

    root = tmp_path_factory.mktemp("lora")
    spec = TinySpec(text_layers=LAYERS, hidden=64, heads=4, kv_heads=2, intermediate=128, vision_depth=2,
                    vision_hidden=64, vocab_size=300)
    base = build_tiny(["진료비 영수증 claim form 김가명 서울밝은병원 2024-01-01"] * 20, spec, root / "base")
    model = apply_method(Qwen2_5_VLForConditionalGeneration.from_pretrained(base), TrainParams(method="lora"))
    model.save_pretrained(root / "adapter")
    return {name: (root / "adapter" / name).read_bytes() for name in ("adapter_config.json",
                                                                     "adapter_model.safetensors")}


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[Fake, str]]:
    fake = Fake()
    with running(fake_vllm(fake)) as url:
        yield fake, url


def test_a_trained_adapter_is_installed_in_the_layout_vllm_maps(
        server: tuple[Fake, str], tmp_path: Path, trained_adapter: dict[str, bytes]) -> None:
    from safetensors import safe_open

    source = json.loads(trained_adapter["adapter_config.json"])
    assert isinstance(source["target_modules"], str) and "language_model" in source["target_modules"]
    model = package(tmp_path, adapter=trained_adapter)
    registered = {p: p.read_bytes() for p in model.rglob("*") if p.is_file()}
    backend = VllmBackend.open(str(model), "7", params(server[1], tmp_path, model=None), TrackingParams(),
                               INSTRUCTION)
    backend.close()
    installed = tmp_path / "adapters" / "claimvlm-reader-v7"
    with safe_open(installed / "adapter_model.safetensors", "pt") as f:
        keys = list(f.keys())
    # Every layer and module trained lands on the vLLM layer of that name, on a vLLM with the
    # transformers>=4.52 mapping and on one without it.
    for mapper in (MAPPER, MAPPER_BEFORE_19054):
        assert {vllm_module(k, mapper) for k in keys} == vllm_lora_layers(LAYERS), mapper
    assert len(keys) == 2 * len(vllm_lora_layers(LAYERS))
    config = json.loads((installed / "adapter_config.json").read_text())
    assert config["target_modules"] == sorted(MODULES)  # a list of module names vLLM's model has
    assert {k: v for k, v in config.items() if k != "target_modules"} == \
        {k: v for k, v in source.items() if k != "target_modules"}
    # The same tensors (bytes) under the new names; the registered package is unchanged.
    with safe_open(installed / "adapter_model.safetensors", "pt") as new, \
            safe_open(model / "artifacts/package/adapter/adapter_model.safetensors", "pt") as old:
        assert new.metadata() == old.metadata()
        for key in old.keys():  # noqa: SIM118 (safe_open is no mapping)
            assert new.get_tensor(vllm_adapter_keys(key)).equal(old.get_tensor(key))
    assert {p: p.read_bytes() for p in model.rglob("*") if p.is_file()} == registered


def test_key_names() -> None:
    t5 = "base_model.model.model.language_model.layers.11.mlp.gate_proj.lora_B.weight"
    original = "base_model.model.model.layers.11.mlp.gate_proj.lora_B.weight"
    assert vllm_adapter_keys(t5) == vllm_adapter_keys(original) == original
    for key, why in [
        ("base_model.model.model.visual.blocks.0.attn.qkv.lora_A.weight", "vision tower"),
        ("base_model.model.visual.merger.mlp.0.lora_A.weight", "vision tower"),
        ("base_model.model.lm_head.lora_A.weight", "not the LoRA A/B weight"),
        ("base_model.model.model.language_model.embed_tokens.lora_embedding_A", "not the LoRA A/B weight"),
        ("base_model.model.model.language_model.layers.0.self_attn.q_proj.lora_B.bias", "not the LoRA A/B weight"),
        ("base_model.model.model.language_model.layers.0.self_attn.q_proj.lora_magnitude_vector",
         "not the LoRA A/B weight"),
    ]:
        with pytest.raises(BackendError, match=why):
            vllm_adapter_keys(key)
    assert vllm_adapter_config({"r": 8, "lora_alpha": 16, "target_modules": "x"}, [original])["target_modules"] == [
        "gate_proj"]


VISION_KEYS = {**{f"base_model.model.model.language_model.layers.0.self_attn.q_proj.lora_{ab}.weight":
                  (8, 16) if ab == "A" else (16, 8) for ab in "AB"},
               **{f"base_model.model.model.visual.blocks.0.attn.qkv.lora_{ab}.weight":
                  (8, 16) if ab == "A" else (48, 8) for ab in "AB"}}


@pytest.mark.parametrize(("adapter", "why"), [
    (adapter_files(keys=VISION_KEYS), "vision tower"),
    (adapter_files(config={"r": 8, "lora_alpha": 16, "target_modules": ["q_proj", "v_proj"],
                           "modules_to_save": ["model.visual.merger"]}), "modules_to_save"),
    (adapter_files(config={"r": 8, "lora_alpha": 16, "target_modules": ["q_proj"], "use_dora": True}), "DoRA"),
    (adapter_files(config={"r": 8, "lora_alpha": 16, "target_modules": ["q_proj"],
                           "rank_pattern": {"v_proj": 4}}), "rank_pattern"),
    (adapter_files(config={"r": 4, "lora_alpha": 16, "target_modules": ["q_proj"]}), "not of rank r=4"),
    (adapter_files(keys={"base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight": (8, 16)}),
     "no matching lora_B"),
    ({**adapter_files(), "adapter_model.safetensors": b"\x01" * 64}, "not a safetensors file"),
    ({**adapter_files(), "adapter_model.safetensors": adapter_files()["adapter_model.safetensors"][:-4]},
     "not a safetensors file"),
])
def test_adapters_vllm_cannot_serve_are_refused(server: tuple[Fake, str], tmp_path: Path,
                                                adapter: dict[str, bytes], why: str) -> None:
    fake = server[0]
    fake.reset()
    with pytest.raises(BackendError, match=why) as err:
        VllmBackend.open(str(package(tmp_path, adapter=adapter)), "8", params(server[1], tmp_path, model=None),
                         TrackingParams(), INSTRUCTION)
    assert "cannot be served by vLLM" in str(err.value) and "serve.vllm.model" in str(err.value)
    assert not fake.asked("/v1/load_lora_adapter") and list((tmp_path / "adapters").iterdir()) == []


def test_an_old_plain_copy_or_a_changed_install_is_rewritten(server: tuple[Fake, str], tmp_path: Path) -> None:
    fake = server[0]
    fake.reset()
    settings_ = params(server[1], tmp_path, model=None)
    installed = tmp_path / "adapters" / "claimvlm-reader-v9"
    installed.mkdir(parents=True)  # what the backend used to install: the adapter copied as it was
    for name, data in adapter_files().items():
        (installed / name).write_bytes(data)
    VllmBackend.open(str(package(tmp_path)), "9", settings_, TrackingParams(), INSTRUCTION).close()
    assert (installed / RECORD).is_file() and all(k.startswith("base_model.model.model.layers.")
                                                  for k in weights(installed))
    inode = installed.stat().st_ino
    VllmBackend.open(str(package(tmp_path)), "9", settings_, TrackingParams(), INSTRUCTION).close()
    assert installed.stat().st_ino == inode  # the same source: reused, not rewritten
    (installed / "adapter_config.json").write_text("{}")
    VllmBackend.open(str(package(tmp_path)), "9", settings_, TrackingParams(), INSTRUCTION).close()
    assert json.loads((installed / "adapter_config.json").read_text())["target_modules"] == ["q_proj", "v_proj"]
    assert len(fake.asked("/v1/load_lora_adapter")) == 3
