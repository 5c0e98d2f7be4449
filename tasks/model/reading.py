"""Reading pages into answers: the prompt a model is trained and served with, greedy generation,
and the one rule by which an answer's text becomes a JSON object (evaluation, the gate's smoke
check, parity and serving all apply it)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import torch

from claimvlm.model.processor import Processor


def parse_prediction(text: str) -> dict[str, Any] | None:
    """The JSON object the model answered, or None when the answer is not one.

    The one reading rule of the platform: evaluation, the gate's smoke check, export parity and
    serving all apply it, so an answer the report counts as valid is never refused by the service.
    The whole answer (surrounding whitespace aside) must be one JSON object: text around it, a
    second object, a JSON value other than an object or a truncated object is no answer.
    """
    try:
        whole = json.loads(text)
    except ValueError:
        return None
    return whole if isinstance(whole, dict) else None


def prompt_ids(processor: Processor, grid: Sequence[int], text: str) -> list[int]:
    """The token ids of one page's prompt, as training encodes it: the default system turn, a user
    turn of the image (expanded to its ``grid``'s tokens) and ``text``, the assistant header."""
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": text}]}]
    prompt = processor.expand(processor.apply_chat_template(messages, add_generation_prompt=True), [list(grid)])
    return processor.tokenizer(prompt, add_special_tokens=False)["input_ids"]


def prompt_inputs(model: Any, processor: Processor, pages: Sequence[Any], texts: Sequence[str]) -> dict[str, Any]:
    """The generation inputs of a batch of pages, on the model's device and in its dtype: prompts
    left-padded so every row ends where generation starts (their common ``width`` is returned too)."""
    vision = processor.images([page.convert("RGB") for page in pages])
    rows = [prompt_ids(processor, grid, text)
            for grid, text in zip(vision["image_grid_thw"].tolist(), texts, strict=True)]
    width = max(len(r) for r in rows)
    device = next(model.parameters()).device
    dtype = next(p for p in model.parameters() if p.is_floating_point()).dtype
    return {
        "input_ids": torch.tensor([[processor.pad_id] * (width - len(r)) + r for r in rows], device=device),
        "attention_mask": torch.tensor([[0] * (width - len(r)) + [1] * len(r) for r in rows], device=device),
        "pixel_values": vision["pixel_values"].to(device, dtype),
        "image_grid_thw": vision["image_grid_thw"].to(device),
        "width": width,
    }


def greedy_settings(model: Any, processor: Processor) -> dict[str, Any]:
    """``generate`` keywords for greedy decoding that is what it says, whatever the checkpoint's
    ``generation_config`` holds: its stop list kept (Qwen2.5-VL-Instruct stops on ``<|im_end|>``
    *or* ``<|endoftext|>``; the tokenizer's one end token alone lets a model that ends with the
    other run to ``max_new_tokens``), its sampling and repetition penalty (1.05 in the released
    checkpoints) not applied: evaluation, parity and serving score the model's own greedy answer."""
    configured = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    stops = configured if isinstance(configured, list) else [configured]
    stops = sorted({int(t) for t in [*stops, processor.tokenizer.eos_token_id] if t is not None})
    return {"do_sample": False, "num_beams": 1, "eos_token_id": stops, "pad_token_id": processor.pad_id,
            "repetition_penalty": 1.0, "temperature": None, "top_p": None, "top_k": None}


def until_stop(ids: Sequence[int], stops: Sequence[int]) -> list[int]:
    """Generated ids up to (without) the first stop token: what follows is padding."""
    ids = list(ids)
    return ids[: next((i for i, t in enumerate(ids) if t in stops), len(ids))]


def generate_json(model: Any, processor: Processor, images: Sequence[Any], texts: str | Sequence[str], *,
                  max_new_tokens: int = 512, batch_size: int = 1) -> list[str]:
    """Greedy answers, one per page image, from the same prompt the training records are encoded with
    (:func:`prompt_ids`). ``texts``: the user text of each page (``PromptSpec.text_for``), or one
    text for all. Pages go ``batch_size`` at a time, left-padded (the answers are those of one page
    at a time, up to float rounding). The model is used as given: put a model fresh from training
    in eval mode first (dropout)."""
    texts = [texts] * len(images) if isinstance(texts, str) else list(texts)
    if len(texts) != len(images):
        raise ValueError(f"{len(images)} pages but {len(texts)} prompt texts")
    tok = processor.tokenizer
    settings = greedy_settings(model, processor)
    answers: list[str] = []
    with torch.inference_mode():
        for start in range(0, len(images), max(1, batch_size)):
            inputs = prompt_inputs(model, processor, images[start:start + batch_size],
                                   texts[start:start + batch_size])
            width = inputs.pop("width")
            out = model.generate(**inputs, max_new_tokens=max_new_tokens, **settings)
            answers += [tok.decode(until_stop(row[width:].tolist(), settings["eos_token_id"]), skip_special_tokens=True)
                        for row in out]
    return answers
