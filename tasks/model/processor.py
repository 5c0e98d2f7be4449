"""A Qwen2.5-VL processor without torchvision: tokenizer + ``Qwen2VLImageProcessorPil``.

``Qwen2_5_VLProcessor`` insists on a video processor, and the video processor imports
torchvision, which does not install beside the project's CPU torch. Documents are images
only, so this class composes the two parts that do work and does the one thing the real
processor adds: expanding each ``<|image_pad|>`` to one token per merged patch.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

# The Qwen2-VL chat template, written out (same output as the released one): a default
# system turn, one ``<|vision_start|><|image_pad|><|vision_end|>`` per image item.
CHAT_TEMPLATE = (
    "{% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}"
    "{% for message in messages %}"
    "{% if loop.first and message['role'] != 'system' %}<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}"
    "<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}<|im_end|>\n"
    "{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}"
    "{% set image_count.value = image_count.value + 1 %}"
    "{% if add_vision_id %}Picture {{ image_count.value }}: {% endif %}"
    "<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif content['type'] == 'video' or 'video' in content %}"
    "{% set video_count.value = video_count.value + 1 %}"
    "{% if add_vision_id %}Video {{ video_count.value }}: {% endif %}"
    "<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif 'text' in content %}{{ content['text'] }}{% endif %}"
    "{% endfor %}<|im_end|>\n{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

IMAGE_TOKEN = "<|image_pad|>"
SPECIAL_TOKENS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>",
                  "<|vision_end|>", "<|image_pad|>", "<|video_pad|>")


class Processor:
    """Tokenizer + image processor in one folder, with the call signature training needs."""

    def __init__(self, tokenizer: Any, image_processor: Any) -> None:
        self.tokenizer = tokenizer
        self.image_processor = image_processor
        if not getattr(tokenizer, "chat_template", None):
            tokenizer.chat_template = CHAT_TEMPLATE

    @property
    def merge_size(self) -> int:
        return int(self.image_processor.merge_size)

    @property
    def max_pixels(self) -> int:
        """The pixel budget a page is resized to at most (``size.longest_edge`` in transformers 5)."""
        size = self.image_processor.size
        value = getattr(size, "max_pixels", None) or getattr(size, "longest_edge", None)
        return int(value if value is not None else self.image_processor.max_pixels)

    @property
    def pad_id(self) -> int:
        pid = self.tokenizer.pad_token_id
        return int(pid if pid is not None else self.tokenizer.convert_tokens_to_ids("<|endoftext|>"))

    def apply_chat_template(self, messages: list[dict[str, Any]], *, add_generation_prompt: bool = False) -> str:
        return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=add_generation_prompt)

    def images(self, images: Sequence[Any]) -> dict[str, Any]:
        """pixel_values (patches x C·T·P·P) and image_grid_thw (images x 3), as torch tensors."""
        out = self.image_processor(images=list(images), return_tensors="pt")
        return {"pixel_values": out["pixel_values"], "image_grid_thw": out["image_grid_thw"]}

    def expand(self, text: str, grids: Sequence[Sequence[int]]) -> str:
        """Replace the i-th ``<|image_pad|>`` with t·h·w / merge² copies for the i-th grid."""
        parts = text.split(IMAGE_TOKEN)
        if len(parts) - 1 != len(grids):
            raise ValueError(f"{len(parts) - 1} image placeholders but {len(grids)} images")
        merge2 = self.merge_size ** 2
        out = [parts[0]]
        for grid, rest in zip(grids, parts[1:], strict=True):
            t, h, w = (int(x) for x in grid)
            out.append(IMAGE_TOKEN * (t * h * w // merge2) + rest)
        return "".join(out)

    def __call__(self, texts: str | Sequence[str], images: Sequence[Any] | None = None,
                 padding: bool = True) -> Any:
        from transformers import BatchFeature

        texts = [texts] if isinstance(texts, str) else list(texts)
        data: dict[str, Any] = {}
        if images:
            data = self.images(images)
            grids = data["image_grid_thw"].tolist()
            expanded, i = [], 0
            for text in texts:  # images are consumed in placeholder order across the batch
                n = text.count(IMAGE_TOKEN)
                expanded.append(self.expand(text, grids[i:i + n]))
                i += n
            if i != len(grids):
                raise ValueError(f"{i} image placeholders but {len(grids)} images")
            texts = expanded
        enc = self.tokenizer(texts, padding=padding, return_tensors="pt", add_special_tokens=False)
        return BatchFeature({"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"], **data})

    def save_pretrained(self, out_dir: str | Path) -> None:
        self.tokenizer.save_pretrained(out_dir)
        self.image_processor.save_pretrained(out_dir)

    @classmethod
    def from_pretrained(cls, source: str | Path, *, min_pixels: int | None = None,
                        max_pixels: int | None = None, **kwargs: Any) -> Processor:
        """Load both parts from one folder (or cached hub snapshot); pixel bounds override the saved ones."""
        from transformers import AutoTokenizer
        from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

        tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
        bounds = {k: v for k, v in (("min_pixels", min_pixels), ("max_pixels", max_pixels)) if v is not None}
        image_processor = Qwen2VLImageProcessorPil.from_pretrained(source, **kwargs, **bounds)
        return cls(tokenizer, image_processor)
