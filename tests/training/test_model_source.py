"""The model source: the tiny Qwen2.5-VL default, its tokenizer and processor, encoding, and loading."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import torch

from claimvlm.model.source import (
    IGNORE_INDEX,
    ModelSourceError,
    collate,
    encode_example,
    load,
)
from tests.training.tiny_data import PIXELS, answer, stand_in_page


@pytest.fixture(scope="module")
def loaded(tiny: Path) -> tuple[Any, Any]:
    return load(str(tiny), **PIXELS)


def test_tiny_is_the_real_architecture(tiny: Path, loaded: tuple[Any, Any]) -> None:
    model, processor = loaded
    assert type(model).__name__ == "Qwen2_5_VLForConditionalGeneration"
    n = sum(p.numel() for p in model.parameters())
    assert 3_000_000 <= n <= 7_000_000, n
    cfg, tok = model.config, processor.tokenizer
    # Every id the model relies on is the tokenizer's, and inside the embedding table.
    assert cfg.image_token_id == tok.convert_tokens_to_ids("<|image_pad|>")
    assert cfg.video_token_id == tok.convert_tokens_to_ids("<|video_pad|>")
    assert cfg.vision_start_token_id == tok.convert_tokens_to_ids("<|vision_start|>")
    assert cfg.vision_end_token_id == tok.convert_tokens_to_ids("<|vision_end|>")
    assert cfg.text_config.eos_token_id == tok.eos_token_id == tok.convert_tokens_to_ids("<|im_end|>")
    assert cfg.text_config.pad_token_id == tok.pad_token_id < cfg.text_config.vocab_size == len(tok)
    head_dim = cfg.text_config.hidden_size // cfg.text_config.num_attention_heads
    assert sum(cfg.text_config.rope_parameters["mrope_section"]) == head_dim // 2
    assert cfg.vision_config.out_hidden_size == cfg.text_config.hidden_size
    assert {"config.json", "model.safetensors", "tokenizer.json", "preprocessor_config.json"} <= \
        {p.name for p in tiny.iterdir()}


def test_tokenizer_round_trips_and_special_tokens(loaded: tuple[Any, Any], records: list[dict[str, Any]]) -> None:
    _, processor = loaded
    tok = processor.tokenizer
    for text in ["진료비 계산서·영수증 홍길동 870622-2687070 ₩1,234,500", answer(records[0]),
                 '{"a":[1,2.5,null],"비고":"🙂 ㄱ"}']:  # unseen characters still encode: byte-level
        assert tok.decode(tok(text, add_special_tokens=False)["input_ids"]) == text
    for special in ("<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|vision_start|>", "<|vision_end|>",
                    "<|image_pad|>", "<|video_pad|>"):
        ids = tok(special, add_special_tokens=False)["input_ids"]
        assert len(ids) == 1 and ids[0] == tok.convert_tokens_to_ids(special)
    # Training gave the vocabulary its Hangul syllables: one token each, never a whole word.
    instruction = records[0]["messages"][0]["content"][1]["text"]
    syllables = [ch for ch in instruction if "가" <= ch <= "힣"]
    assert syllables and all(len(tok(ch, add_special_tokens=False)["input_ids"]) == 1 for ch in syllables)
    # A value is the same tokens wherever it stands (an OCR line, a JSON answer), so it can be copied.
    name = tok("김진아", add_special_tokens=False)["input_ids"]
    for context in ('{"patient_name":"김진아"}', "[7,13]김진아 090503-3408805", " 김진아,"):
        ids = tok(context, add_special_tokens=False)["input_ids"]
        assert any(ids[i:i + len(name)] == name for i in range(len(ids))), context


def test_chat_template_expands_the_image(loaded: tuple[Any, Any], records: list[dict[str, Any]]) -> None:
    _, processor = loaded
    prompt = processor.apply_chat_template(records[0]["messages"][:-1], add_generation_prompt=True)
    assert prompt.startswith("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
                             "<|vision_start|><|image_pad|><|vision_end|>")
    assert prompt.endswith("<|im_end|>\n<|im_start|>assistant\n")
    batch = processor([prompt, prompt], [stand_in_page(0), stand_in_page(1).resize((300, 200))])
    grid = batch["image_grid_thw"]
    assert grid.shape == (2, 3) and grid[0].tolist() == [1, 22, 16]  # 320 x 224 / 14 per side
    image_id = processor.tokenizer.convert_tokens_to_ids("<|image_pad|>")
    for row, g in zip(batch["input_ids"], grid, strict=True):
        assert int((row == image_id).sum()) == int(g.prod()) // processor.merge_size ** 2
    assert batch["pixel_values"].shape == (int(grid.prod(dim=1).sum()), 3 * 2 * 14 * 14)


def test_encode_masks_all_but_theanswer(loaded: tuple[Any, Any], records: list[dict[str, Any]]) -> None:
    _, processor = loaded
    ex = encode_example(processor, records[0], stand_in_page(0))
    labels = ex["labels"]
    assert labels.shape == ex["input_ids"].shape == ex["attention_mask"].shape
    kept = labels != IGNORE_INDEX
    assert torch.equal(labels[kept], ex["input_ids"][kept])
    assert processor.tokenizer.decode(labels[kept]) == answer(records[0]) + "<|im_end|>"
    # The answer is one contiguous run at the end (only the turn's closing newline follows).
    idx = kept.nonzero().flatten()
    assert idx[-1] - idx[0] + 1 == len(idx) and idx[-1] == len(labels) - 2
    with pytest.raises(ValueError, match="image"):
        encode_example(processor, records[0], stand_in_page(0), max_length=50)


@pytest.mark.slow
def test_tiny_trains_and_generates(loaded: tuple[Any, Any], records: list[dict[str, Any]]) -> None:
    model, processor = loaded
    torch.manual_seed(0)
    batch = collate([encode_example(processor, rec, stand_in_page(i)) for i, rec in enumerate(records[:2])],
                    processor.pad_id)
    lengths = batch["attention_mask"].sum(dim=1)
    assert batch["input_ids"].shape[1] == int(lengths.max())
    assert (batch["labels"][batch["attention_mask"] == 0] == IGNORE_INDEX).all()
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    losses = []
    start = time.perf_counter()
    for _ in range(30):
        loss = model(**batch).loss
        assert torch.isfinite(loss)
        loss.backward()
        opt.step()
        opt.zero_grad()
        losses.append(loss.item())
    print(f"30 steps in {time.perf_counter() - start:.1f}s; loss {losses[0]:.2f} -> {losses[-1]:.2f}")
    assert losses[-1] < 0.6 * losses[0]
    model.eval()
    prompt = processor.apply_chat_template(records[0]["messages"][:-1], add_generation_prompt=True)
    inputs = processor([prompt], [stand_in_page(0)])
    with torch.no_grad():
        out = model.generate(**inputs, max_new_tokens=4, do_sample=False)
    assert out.shape[0] == 1 and inputs["input_ids"].shape[1] < out.shape[1] <= inputs["input_ids"].shape[1] + 4


def test_uncached_hub_id_fails_fast_offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    start = time.perf_counter()
    with pytest.raises(ModelSourceError) as err:
        load("Qwen/Qwen2.5-VL-3B-Instruct", **PIXELS)
    assert time.perf_counter() - start < 5
    assert "train.model" in str(err.value) and "local" in str(err.value)
    with pytest.raises(ModelSourceError, match="train.model"):
        load(str(tmp_path / "no-such-folder"), **PIXELS)


def test_greedy_decoding_keeps_the_stop_list_and_ignores_the_checkpoints_penalty(loaded: tuple[Any, Any]) -> None:
    """What a real Qwen2.5-VL's generation_config carries (two stop tokens, repetition_penalty 1.05,
    sampling settings) must not change what evaluation and serving call the greedy answer, and
    every token of the stop list must end it."""
    from claimvlm.model.reading import generate_json, prompt_inputs

    model, processor = loaded
    model.eval()
    tok, page = processor.tokenizer, stand_in_page(0)
    plain = generate_json(model, processor, [page], "지시문", max_new_tokens=12)
    config = model.generation_config
    saved = config.to_dict()
    try:
        config.repetition_penalty, config.do_sample, config.temperature, config.top_k = 50.0, True, 0.1, 1
        assert generate_json(model, processor, [page], "지시문", max_new_tokens=12) == plain
        # The model's first greedy token made a stop token of the checkpoint's list: nothing is answered.
        inputs = prompt_inputs(model, processor, [page], ["지시문"])
        inputs.pop("width")
        with torch.no_grad():
            first = int(model(**inputs).logits[0, -1].argmax())
        assert first != tok.eos_token_id
        config.eos_token_id = [tok.eos_token_id, first]
        assert generate_json(model, processor, [page], "지시문", max_new_tokens=12) == [""]
    finally:
        for key in ("repetition_penalty", "do_sample", "temperature", "top_k", "eos_token_id"):
            setattr(config, key, saved.get(key))
