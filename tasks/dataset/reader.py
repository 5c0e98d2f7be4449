"""Reading the build stage's dataset: each split's WebDataset shards, verified against the dataset
card's sha256, as :class:`Example` records (key, conversation record, page, aspect bucket).
Training, evaluation, export and the smoke check all read the dataset through here."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from claimvlm.dataset.shards import sha256_file
from claimvlm.errors import ClaimvlmError
from claimvlm.model.prompt import DEFAULT_INSTRUCTION, AnchorParams, PromptSpec, anchor_text

SPLITS = ("train", "val", "test")
_IMAGE_EXTS = ("png", "jpg", "jpeg")


class DataError(ClaimvlmError, ValueError):
    """The dataset folder is not what the build stage writes (or was changed since)."""


@dataclass(frozen=True)
class Example:
    """One document: its build record, its page (encoded bytes, or an image already decoded), its bucket."""

    key: str
    record: dict[str, Any]
    image: bytes | Image.Image
    bucket: str = "all"

    def page(self) -> Image.Image:
        if isinstance(self.image, Image.Image):
            return self.image.convert("RGB")
        with Image.open(io.BytesIO(self.image)) as img:
            return img.convert("RGB")


def _verified_shards(dataset: Path, split: str) -> list[Path]:
    """The split's shards, each checked against the sha256 the dataset card recorded."""
    card_path = dataset / "card.json"
    if not card_path.is_file():
        raise DataError(f"{dataset} has no card.json: point at the build stage's output folder")
    recorded: dict[str, Any] = json.loads(card_path.read_text(encoding="utf-8"))["shards"]
    shards = sorted(p for p in (dataset / "shards").glob(f"{split}-*.tar"))
    names = {p.relative_to(dataset).as_posix() for p in shards}
    expected = {n for n in recorded if Path(n).name.startswith(f"{split}-")}
    if names != expected:
        raise DataError(f"{dataset}: {split} shards on disk {sorted(names)} differ from card.json {sorted(expected)}")
    for path in shards:
        if sha256_file(path) != recorded[path.relative_to(dataset).as_posix()]["sha256"]:
            raise DataError(f"{path} does not match the sha256 in card.json: the shard changed after the build "
                            "(re-run `dvc repro build` or `dvc checkout`)")
    return shards


def _every_shard(urls: Any) -> Any:
    return urls


def read_split(dataset: Path, split: str) -> list[Example]:
    """All examples of one split, read from its verified shards, in shard order."""
    import webdataset as wds

    if split not in SPLITS:
        raise DataError(f"unknown split {split!r}; allowed: {list(SPLITS)}")
    dataset = Path(dataset)
    shards = _verified_shards(dataset, split)
    if not shards:
        return []
    out = []
    # Every process reads every shard: the split between processes happens per batch (Batches),
    # which is what keeps a resumed or re-launched run's order independent of shard boundaries.
    pipeline = wds.WebDataset([str(p) for p in shards], shardshuffle=False, empty_check=False,
                              nodesplitter=_every_shard)
    for sample in pipeline:
        ext = next((e for e in _IMAGE_EXTS if e in sample), None)
        if ext is None or "json" not in sample:
            raise DataError(f"sample {sample['__key__']!r} in {sample.get('__url__')} lacks its image or json")
        record = json.loads(sample["json"])
        out.append(Example(key=record["id"], record=record, image=sample[ext], bucket=f"{record['bucket']:g}"))
    return out


def examples_from(records: Sequence[dict[str, Any]], images: Sequence[Any]) -> list[Example]:
    """In-memory records and page images (tests, notebooks) as examples of one bucket."""
    if len(records) != len(images):
        raise DataError(f"{len(records)} records but {len(images)} images")
    return [Example(key=str(r.get("id", i)), record=r, image=img) for i, (r, img) in enumerate(zip(records, images))]


def label_of(example: Example) -> dict[str, Any]:
    """The reference: the record's assistant answer (the build stage wrote the label there)."""
    content = example.record["messages"][-1]["content"]
    text = content if isinstance(content, str) else "".join(c["text"] for c in content if c.get("type") == "text")
    return json.loads(text)


def instruction_of(example: Example) -> str:
    content = example.record["messages"][0]["content"]
    return next(c["text"] for c in content if c.get("type") == "text")


def prompt_of(dataset: Path) -> PromptSpec:
    """The prompt the build stage wrote into the dataset's records (its instruction and anchoring)."""
    card = Path(dataset) / "card.json"
    if not card.is_file():
        raise DataError(f"{card} is missing: {dataset} is not a dataset the build stage wrote")
    params = json.loads(card.read_text(encoding="utf-8")).get("params", {})
    return PromptSpec(params.get("instruction") or DEFAULT_INSTRUCTION,
                      AnchorParams(**params.get("anchoring", {"mode": "none"})))


def prompt_for(example: Example, spec: PromptSpec) -> str:
    """The user text ``spec``'s model reads this page with: the anchor from the words the build stage
    stored when it read the page with the same engine, else read now. A model trained on other
    prompts than the dataset's (an older champion, a base) is thus asked the way it was trained."""
    if not spec.anchored:
        return spec.instruction
    ocr = example.record.get("ocr")
    if ocr and ocr.get("engine") == spec.anchoring.engine and "words" in ocr:
        rec = example.record
        return spec.user_text(anchor_text(ocr["words"], int(rec["width"]), int(rec["height"]), spec.anchoring))
    return spec.text_for(example.page())
