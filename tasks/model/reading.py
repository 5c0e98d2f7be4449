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


def generate_json(model: Any, processor: Processor, images: Sequence[Any], texts: str | Sequence[str], *,
                  max_new_tokens: int = 512, batch_size: int = 1) -> list[str]:
    """Greedy answers, one per page image, from the same prompt the training records are encoded with
    (default system turn, a user turn of image + text, the assistant header). ``texts``: the user
    text of each page (``PromptSpec.text_for``), or one text for all. Pages go ``batch_size`` at a
    time, left-padded (the answers are those of one page at a time, up to float rounding). The
    model is used as given: put a model fresh from training in eval mode first (dropout)."""
    texts = [texts] * len(images) if isinstance(texts, str) else list(texts)
    if len(texts) != len(images):
        raise ValueError(f"{len(images)} pages but {len(texts)} prompt texts")
    tok = processor.tokenizer
    device = next(model.parameters()).device
    dtype = next(p for p in model.parameters() if p.is_floating_point()).dtype
    answers: list[str] = []
    with torch.inference_mode():
        for start in range(0, len(images), max(1, batch_size)):
            pages, asked = images[start:start + batch_size], texts[start:start + batch_size]
            vision = processor.images([page.convert("RGB") for page in pages])
            grids = vision["image_grid_thw"].tolist()
            rows = []
            for grid, text in zip(grids, asked, strict=True):
                messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": text}]}]
                prompt = processor.expand(processor.apply_chat_template(messages, add_generation_prompt=True), [grid])
                rows.append(tok(prompt, add_special_tokens=False)["input_ids"])
            width = max(len(r) for r in rows)
            ids = torch.tensor([[processor.pad_id] * (width - len(r)) + r for r in rows], device=device)
            mask = torch.tensor([[0] * (width - len(r)) + [1] * len(r) for r in rows], device=device)
            out = model.generate(
                input_ids=ids, attention_mask=mask,
                pixel_values=vision["pixel_values"].to(device, dtype),
                image_grid_thw=vision["image_grid_thw"].to(device),
                max_new_tokens=max_new_tokens, do_sample=False, num_beams=1,
                eos_token_id=tok.eos_token_id, pad_token_id=processor.pad_id)
            answers += [tok.decode(row[width:], skip_special_tokens=True) for row in out]
    return answers
