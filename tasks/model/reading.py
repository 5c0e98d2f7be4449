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
    """The JSON object the model answered, or None when there is none.

    The whole text is tried first (a JSON value other than an object is no answer); failing
    that, the object that starts at the first ``{`` (text or code fences around it are ignored).
    A truncated object is no answer.
    """
    stripped = text.strip()
    try:
        whole = json.loads(stripped)
    except ValueError:
        pass
    else:
        return whole if isinstance(whole, dict) else None
    start = stripped.find("{")
    if start < 0:
        return None
    try:
        found, _ = json.JSONDecoder().raw_decode(stripped, start)
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def generate_json(model: Any, processor: Processor, images: Sequence[Any], instruction: str, *,
                  max_new_tokens: int = 512) -> list[str]:
    """Greedy answers, one per page image, from the same prompt the training records are encoded with
    (default system turn, a user turn of image + instruction, the assistant header). The model is
    used as given: put a model fresh from training in eval mode first (dropout)."""
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": instruction}]}]
    template = processor.apply_chat_template(messages, add_generation_prompt=True)
    tok = processor.tokenizer
    device = next(model.parameters()).device
    dtype = next(p for p in model.parameters() if p.is_floating_point()).dtype
    answers = []
    with torch.inference_mode():
        for image in images:
            vision = processor.images([image.convert("RGB")])
            prompt = processor.expand(template, vision["image_grid_thw"].tolist())
            ids = torch.tensor([tok(prompt, add_special_tokens=False)["input_ids"]], device=device)
            out = model.generate(
                input_ids=ids, attention_mask=torch.ones_like(ids),
                pixel_values=vision["pixel_values"].to(device, dtype),
                image_grid_thw=vision["image_grid_thw"].to(device),
                max_new_tokens=max_new_tokens, do_sample=False, num_beams=1,
                eos_token_id=tok.eos_token_id, pad_token_id=processor.pad_id)
            answers.append(tok.decode(out[0, ids.shape[1]:], skip_special_tokens=True))
    return answers
