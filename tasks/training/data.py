"""The training data path: the build stage's WebDataset shards -> batches of model input.

Batches come from one aspect-ratio bucket at a time (pages of one shape pad least), in an order
that is a pure function of ``(seed, epoch)``. A run's data position is therefore one integer,
the number of micro-batches consumed, and a resumed run sees exactly the samples an uninterrupted
run would, in the same order, with the same augmentations (drawn per sample from
``(seed, epoch, sample id)``, never from a global RNG).
"""

from __future__ import annotations

import random
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import torch
from PIL import Image

from claimvlm.dataset.reader import DataError, Example
from claimvlm.model.prompt import ANCHOR_HEADER
from claimvlm.model.source import collate, encode_example
from claimvlm.synthesis.degrade import Page, build_step
from claimvlm.synthesis.params import StepParams


def epoch_plan(examples: Sequence[Example], batch_size: int, seed: int, epoch: int) -> list[tuple[int, ...]]:
    """One epoch's batches as example indices: each batch from one bucket, buckets mixed.

    Every example appears exactly once per epoch (a bucket's last batch may be short), so the
    number of batches per epoch is the same for every epoch.
    """
    rng = random.Random(f"{seed}:{epoch}")
    by_bucket: dict[str, list[int]] = {}
    for i, ex in enumerate(examples):
        by_bucket.setdefault(ex.bucket, []).append(i)
    batches: list[tuple[int, ...]] = []
    for bucket in sorted(by_bucket):
        idx = by_bucket[bucket]
        rng.shuffle(idx)
        batches += [tuple(idx[i:i + batch_size]) for i in range(0, len(idx), batch_size)]
    rng.shuffle(batches)
    return batches


@dataclass(frozen=True)
class Augment:
    """Label-true online augmentation: each configured step applied with its probability."""

    steps: tuple[StepParams, ...]
    seed: int

    @cached_property
    def _built(self) -> list[tuple[float, Any]]:
        return [(s.p, build_step(s.name, s.args)) for s in self.steps]

    def __call__(self, image: Image.Image, key: str, epoch: int) -> Image.Image:
        if not self.steps:
            return image
        rng = np.random.default_rng([self.seed, epoch, zlib.crc32(key.encode())])
        page = Page(np.asarray(image), np.zeros((0, 2), np.float32), rng)
        for p, step in self._built:
            if rng.random() < p:
                page = step(page)
        return Image.fromarray(page.image)


TRANSCRIBE_INSTRUCTION = "이 문서의 OCR 줄을 위치 없이 그대로 옮겨 적으세요. Copy the OCR lines without their positions."
_POSITION = re.compile(r"^\[\d+,\d+\]", re.MULTILINE)


@dataclass(frozen=True)
class Transcription:
    """The copy curriculum of the pretraining recipe: with probability ``share`` per sample and
    epoch, a record with an OCR anchor becomes a transcription exercise whose answer is the
    anchor's lines without positions. Every answer token is then a copy from the prompt, the
    skill extraction needs for values it has never seen (names, numbers) and the one a small
    model trained on extraction alone was measured not to find: it invented values instead.
    ``max_lines`` > 0 makes the exercise a window of 1..max_lines consecutive lines (in the prompt
    and the answer): a short context is where a small model first learns to look back and copy;
    0 copies the whole anchor."""

    share: float
    seed: int
    max_lines: int = 0

    def __call__(self, record: dict[str, Any], epoch: int) -> dict[str, Any]:
        if self.share <= 0:
            return record
        user = record["messages"][0]
        text = next((c["text"] for c in user["content"] if c.get("type") == "text"), "")
        _, sep, anchor = text.partition(f"\n{ANCHOR_HEADER}\n")
        rng = random.Random(f"{self.seed}:{epoch}:{record.get('id')}")
        if not sep or not anchor.strip() or rng.random() >= self.share:
            return record
        if self.max_lines > 0:
            lines = anchor.split("\n")
            size = rng.randint(1, min(self.max_lines, len(lines)))
            start = rng.randint(0, len(lines) - size)
            anchor = "\n".join(lines[start:start + size])
        prompt = [{"type": "image"}, {"type": "text", "text": f"{TRANSCRIBE_INSTRUCTION}{sep}{anchor}"}]
        answer = _POSITION.sub("", anchor)
        return {**record, "messages": [{"role": "user", "content": prompt},
                                       {"role": "assistant", "content": [{"type": "text", "text": answer}]}]}


def _fit(image: Image.Image, max_pixels: int) -> Image.Image:
    """Downscale to about max_pixels before augmenting: the image processor would shrink the page
    to that size anyway, and augmenting 2-megapixel scans costs more than the training step."""
    w, h = image.size
    if w * h <= max_pixels:
        return image
    scale = (max_pixels / (w * h)) ** 0.5
    return image.resize((max(28, round(w * scale)), max(28, round(h * scale))), Image.Resampling.LANCZOS)


class Batches:
    """Micro-batches by global index: index ``m`` on rank ``r`` of ``world`` reads stream entry
    ``m·world + r``, where the stream is epoch 0's plan, then epoch 1's, and so on."""

    def __init__(self, examples: Sequence[Example], processor: Any, *, batch_size: int, seed: int,
                 augment: Sequence[StepParams] = (), transcribe: float = 0.0, transcribe_max_lines: int = 0,
                 overfit: bool = False) -> None:
        if not examples:
            raise DataError("no training examples")
        self.examples, self.processor, self.batch_size, self.seed = list(examples), processor, batch_size, seed
        self.augment = Augment(tuple(augment), seed)
        self.transcription = Transcription(transcribe, seed, transcribe_max_lines)
        self.overfit = overfit
        self.per_epoch = len(epoch_plan(self.examples, batch_size, seed, 0))
        self._plans: dict[int, list[tuple[int, ...]]] = {}
        # Pages downscaled once and kept: ~0.2 MB each at the default max_pixels. Past a few
        # thousand documents they are decoded per use instead, to bound memory.
        self._pages: dict[str, Image.Image] | None = {} if len(self.examples) <= 4096 else None
        self._fixed: list[tuple[list[str], dict[str, torch.Tensor]]] | None = None
        self._one: tuple[list[str], dict[str, torch.Tensor]] | None = None

    def locate(self, micro: int, rank: int = 0, world: int = 1) -> tuple[int, tuple[int, ...]]:
        """(epoch, example indices) of one rank's micro-batch."""
        if self.overfit:  # the first batch, forever, without augmentation
            return 0, epoch_plan(self.examples, self.batch_size, self.seed, 0)[0]
        entry = micro * world + rank
        epoch, i = divmod(entry, self.per_epoch)
        if epoch not in self._plans:
            self._plans = {epoch: epoch_plan(self.examples, self.batch_size, self.seed, epoch)}
        return epoch, self._plans[epoch][i]

    def _page(self, ex: Example) -> Image.Image:
        if self._pages is None:
            return _fit(ex.page(), self.processor.max_pixels)
        if ex.key not in self._pages:
            self._pages[ex.key] = _fit(ex.page(), self.processor.max_pixels)
        return self._pages[ex.key]

    def get(self, micro: int, rank: int = 0, world: int = 1) -> tuple[list[str], dict[str, torch.Tensor]]:
        """The sample ids and the collated tensors of one micro-batch."""
        if self.overfit and self._one is not None:
            return self._one
        epoch, idx = self.locate(micro, rank, world)
        exs = [self.examples[i] for i in idx]
        encoded = []
        for ex in exs:
            page = self._page(ex) if self.overfit else self.augment(self._page(ex), ex.key, epoch)
            record = ex.record if self.overfit else self.transcription(ex.record, epoch)
            encoded.append(encode_example(self.processor, record, page))
        batch = [ex.key for ex in exs], collate(encoded, self.processor.pad_id)
        if self.overfit:
            self._one = batch  # the one batch, encoded once
        return batch

    def fixed(self) -> list[tuple[list[str], dict[str, torch.Tensor]]]:
        """Every example once, in order, unaugmented, encoded once: for validation loss."""
        if self._fixed is None:
            self._fixed = []
            for i in range(0, len(self.examples), self.batch_size):
                exs = self.examples[i:i + self.batch_size]
                enc = [encode_example(self.processor, ex.record, self._page(ex)) for ex in exs]
                self._fixed.append(([ex.key for ex in exs], collate(enc, self.processor.pad_id)))
        return self._fixed
