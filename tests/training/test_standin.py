"""The real-shaped stand-in of Qwen2.5-VL-3B-Instruct: the hub layout, the released metadata and
token ids, loaded and trained through the project's own code (small scale, CPU).

Other tests can use the stand-in the same way: ``write_standin(tmp_path_factory.mktemp("x"),
scale="small", texts=record_texts(records))`` in a module-scoped fixture (~2 s after imports).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch

from claimvlm.model.processor import CHAT_TEMPLATE, IMAGE_TOKEN, SPECIAL_TOKENS
from claimvlm.model.source import IGNORE_INDEX, collate, encode_example, load
from claimvlm.model.standin import ADDED_TOKENS, BPE_RANKS, TOKEN_IDS, hub_config, write_standin
from claimvlm.training.memory import ARCHITECTURES, Plan, architecture_from_config, estimate, image_tokens
from tests.training.tiny_data import PIXELS, answer, record_texts, stand_in_page


@pytest.fixture(scope="module")
def standin(tmp_path_factory: pytest.TempPathFactory, records: list[dict[str, Any]]) -> Path:
    return write_standin(tmp_path_factory.mktemp("standin"), scale="small", texts=record_texts(records))


@pytest.fixture(scope="module")
def loaded(standin: Path) -> tuple[Any, Any]:
    return load(standin, **PIXELS)


def test_config_reads_back_with_the_released_fields(standin: Path) -> None:
    from transformers import AutoConfig

    raw = json.loads((standin / "config.json").read_text())
    assert raw["sliding_window"] == 32768 and raw["rope_scaling"]["type"] == "mrope"  # the hub's own spelling
    cfg = AutoConfig.from_pretrained(standin)
    text, vision = cfg.text_config, cfg.vision_config
    assert (cfg.model_type, cfg.architectures) == ("qwen2_5_vl", ["Qwen2_5_VLForConditionalGeneration"])
    assert cfg.tie_word_embeddings is True and text.vocab_size == 151936
    assert (text.hidden_act, text.rms_norm_eps, text.max_position_embeddings) == ("silu", 1e-6, 128000)
    assert (text.max_window_layers, text.use_sliding_window) == (70, False)
    assert text.rope_parameters["rope_theta"] == 1e6
    head_dim = text.hidden_size // text.num_attention_heads
    assert text.rope_parameters["mrope_section"] == [2, 3, 3] and 2 * sum([2, 3, 3]) == head_dim  # 16:24:24
    assert list(vision.fullatt_block_indexes) == [1, 3] and vision.depth == 4
    assert (vision.patch_size, vision.spatial_merge_size, vision.temporal_patch_size) == (14, 2, 2)
    assert (vision.window_size, vision.tokens_per_second, vision.out_hidden_size) == (112, 2, text.hidden_size)
    assert (text.bos_token_id, text.eos_token_id) == (151643, 151645)
    assert (cfg.image_token_id, cfg.video_token_id, cfg.vision_start_token_id, cfg.vision_end_token_id,
            cfg.vision_token_id) == (151655, 151656, 151652, 151653, 151654)
    assert cfg.dtype == torch.bfloat16


@pytest.mark.parametrize("scale", ["3b", "7b"])
def test_real_widths_are_the_published_architectures(tmp_path: Path, scale: str) -> None:
    """The 3b/7b configs are the memory plan's published ones; counted on the meta device, never built."""
    from transformers import AutoConfig, Qwen2_5_VLForConditionalGeneration

    (tmp_path / "config.json").write_text(json.dumps(hub_config(scale)))  # type: ignore[arg-type]
    cfg = AutoConfig.from_pretrained(tmp_path)
    arch = architecture_from_config(cfg)
    assert arch == ARCHITECTURES[f"qwen2.5-vl-{scale}"]
    assert cfg.text_config.rope_parameters["mrope_section"] == [16, 24, 24]
    assert list(cfg.vision_config.fullatt_block_indexes) == [7, 15, 23, 31]
    assert cfg.tie_word_embeddings is (scale == "3b")
    with torch.device("meta"):
        model = Qwen2_5_VLForConditionalGeneration(cfg)
    assert sum(p.numel() for p in model.parameters()) == estimate(Plan(arch)).total_params


def test_hub_layout_two_bf16_shards_with_an_index(standin: Path) -> None:
    from safetensors import safe_open

    index = json.loads((standin / "model.safetensors.index.json").read_text())
    shards = sorted(set(index["weight_map"].values()))
    assert shards == ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
    stored: dict[str, str] = {}
    for shard in shards:
        with safe_open(str(standin / shard), framework="pt") as f:
            for key in f.keys():  # noqa: SIM118 (safe_open is no mapping)
                stored[key] = shard
                assert f.get_slice(key).get_dtype() == "BF16", key
    assert stored == index["weight_map"]
    # The hub's key names (transformers 4's), and no lm_head: the 3B ties it to the embedding.
    assert "model.embed_tokens.weight" in stored and "visual.blocks.0.attn.qkv.weight" in stored
    assert not any(k.startswith("lm_head") for k in stored)
    for name in ("generation_config.json", "preprocessor_config.json", "tokenizer.json", "tokenizer_config.json",
                 "vocab.json", "merges.txt", "chat_template.json"):
        assert (standin / name).is_file(), name


def test_special_tokens_at_their_real_ids(loaded: tuple[Any, Any], records: list[dict[str, Any]]) -> None:
    _, processor = loaded
    tok = processor.tokenizer
    assert type(tok).__name__ == "Qwen2Tokenizer" and len(tok) == 151665
    assert [tok.convert_tokens_to_ids(c) for c, _ in ADDED_TOKENS] == list(range(151643, 151665))
    assert all(tok(c, add_special_tokens=False)["input_ids"] == [TOKEN_IDS[c]] for c in SPECIAL_TOKENS)
    assert (tok.eos_token, tok.pad_token, tok.bos_token) == ("<|im_end|>", "<|endoftext|>", None)
    assert (tok.model_max_length, tok.chat_template) == (131072, CHAT_TEMPLATE)
    # Learned merges cover the text; the placeholder ranks are never produced by encoding.
    learned = max(json.loads((Path(tok.name_or_path) / "tokenizer.json").read_text())["model"]["vocab"].values())
    text = answer(records[0])
    ids = tok(text, add_special_tokens=False)["input_ids"]
    assert tok.decode(ids) == text and len(ids) < len(text.encode())  # merges learned, round trip exact
    assert all(i < BPE_RANKS for i in ids) and learned == BPE_RANKS - 1
    assert tok.convert_ids_to_tokens(BPE_RANKS - 1) == f"<unused_{BPE_RANKS - 1}>"


def test_generation_and_preprocessor_configs_are_the_released_ones(standin: Path, loaded: tuple[Any, Any]) -> None:
    from transformers import GenerationConfig

    from claimvlm.model.reading import greedy_settings

    gen = GenerationConfig.from_pretrained(standin)
    assert gen.eos_token_id == [151645, 151643] and gen.repetition_penalty == 1.05
    assert (gen.bos_token_id, gen.pad_token_id, gen.do_sample, gen.top_k) == (151643, 151643, True, 1)
    model, processor = loaded
    settings = greedy_settings(model, processor)  # the reading code keeps both stops, drops the penalty
    assert settings["eos_token_id"] == [151643, 151645] and settings["repetition_penalty"] == 1.0
    pre = json.loads((standin / "preprocessor_config.json").read_text())
    assert (pre["min_pixels"], pre["max_pixels"], pre["processor_class"]) == (3136, 12845056, "Qwen2_5_VLProcessor")
    assert processor.max_pixels == PIXELS["max_pixels"]  # the loader's bounds win over the saved ones


@pytest.mark.parametrize("size", [(224, 320), (1240, 1754)])  # within max_pixels, and scaled down to it
def test_encode_example_is_the_checkpoints_own_template(loaded: tuple[Any, Any], records: list[dict[str, Any]],
                                                         size: tuple[int, int]) -> None:
    model, processor = loaded
    record, page = records[0], stand_in_page(0).resize(size)
    ex = encode_example(processor, record, page)
    grid = ex["image_grid_thw"][0].tolist()
    # What the checkpoint's chat template makes of the whole conversation, image expanded, tokenised once.
    whole = processor.tokenizer.apply_chat_template(record["messages"], tokenize=False)
    expected = processor.tokenizer(processor.expand(whole, [grid]), add_special_tokens=False)["input_ids"]
    assert ex["input_ids"].tolist() == expected
    pairs = zip(ex["input_ids"].tolist(), ex["labels"].tolist(), strict=True)
    supervised = [t for t, lab in pairs if lab != IGNORE_INDEX]
    assert processor.tokenizer.decode(supervised) == answer(record) + "<|im_end|>"
    # Image tokens follow Qwen2-VL's smart resize, as the memory plan counts them.
    count = int((ex["input_ids"] == TOKEN_IDS[IMAGE_TOKEN]).sum())
    arch = architecture_from_config(model.config)
    plan = Plan(arch, image_width=size[0], image_height=size[1], max_pixels=PIXELS["max_pixels"])
    assert count == grid[0] * grid[1] * grid[2] // 4 == image_tokens(plan)


def test_lora_forward_backward(standin: Path, records: list[dict[str, Any]]) -> None:
    from claimvlm.training.methods import apply_method
    from claimvlm.training.params import TrainParams

    model, processor = load(standin, **PIXELS)
    model = apply_method(model, TrainParams(method="lora"))
    batch = collate([encode_example(processor, records[i], stand_in_page(i)) for i in range(2)], processor.pad_id)
    model.train()
    out = model(**batch)
    assert out.logits.shape[-1] == 151936 and torch.isfinite(out.loss)
    out.loss.backward()
    grads = {n: p.grad for n, p in model.named_parameters() if p.requires_grad}
    assert grads and all(".language_model." in n and "lora_" in n for n in grads)
    assert any(g is not None and bool(g.abs().sum() > 0) for n, g in grads.items() if "lora_B" in n)
    assert all(p.grad is None for n, p in model.named_parameters() if not p.requires_grad)


def test_greedy_reading_runs_past_the_tokenizer(loaded: tuple[Any, Any]) -> None:
    """The embedding has 151,936 rows, the tokenizer 151,665 ids (as released): a random model
    emits ids without a token, and the reading code must decode them without failing."""
    from claimvlm.model.reading import generate_json

    model, processor = loaded
    answers = generate_json(model.eval(), processor, [stand_in_page(0), stand_in_page(1)], "읽으세요",
                            max_new_tokens=3, batch_size=2)
    assert len(answers) == 2 and all(isinstance(a, str) for a in answers)


def test_the_default_parameters_read_a_checkpoint_at_its_own_page_size(standin: Path) -> None:
    """params.yaml leaves train.min/max_pixels unset: a real checkpoint reads pages at its own
    limits (12.8 M pixels), not at the tiny default's 224 x 320 (88 image tokens)."""
    from claimvlm.config import load_params
    from tests.conftest import ROOT

    train = load_params(ROOT / "params.yaml").train
    assert (train.min_pixels, train.max_pixels) == (None, None)
    _, processor = load(standin, min_pixels=train.min_pixels, max_pixels=train.max_pixels)
    assert processor.max_pixels == 12_845_056
