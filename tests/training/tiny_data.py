"""Test helpers for the training tests: records made the way the build stage makes them, and
stand-in pages."""

from __future__ import annotations

import random
from typing import Any

from PIL import Image, ImageDraw

from claimvlm.dataset.params import BuildParams
from claimvlm.dataset.records import label_text
from claimvlm.synthesis.values import GENERATORS

PIXELS = {"min_pixels": 56 * 56, "max_pixels": 224 * 320}  # ~ a 224 x 320 page: 16 x 22 patches


def make_records(n: int = 300) -> list[dict[str, Any]]:
    """Conversation records as the build stage writes them (never the workspace's data/: tests must
    not depend on what `make run` left there)."""
    r, types, instruction = random.Random(0), sorted(GENERATORS), BuildParams().instruction
    recs = []
    for i in range(n):
        label = GENERATORS[types[i % len(types)]](r, (3, 8)).model_dump(mode="json")
        recs.append({"id": f"gen-{i}", "image": None, "messages": [
            {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": instruction}]},
            {"role": "assistant", "content": [{"type": "text", "text": label_text(label)}]}]})
    return recs


def record_texts(recs: list[dict[str, Any]]) -> list[str]:
    return [c["text"] for rec in recs for m in rec["messages"] for c in m["content"] if c.get("type") == "text"]


def stand_in_page(i: int) -> Image.Image:
    """A small page of ruled boxes that differs per record."""
    page = Image.new("RGB", (224, 320), "white")
    d = ImageDraw.Draw(page)
    for k in range(6):
        d.rectangle((10 + 3 * (i % 50), 20 + 45 * k, 200, 55 + 45 * k), outline="black", width=2)
    return page


def answer(rec: dict[str, Any]) -> str:
    """The assistant's text of a record: the label as JSON."""
    return rec["messages"][-1]["content"][0]["text"]


def with_truncated_labels(dataset: Any, out: Any, splits: tuple[str, ...] = ("train", "val"), seed: int = 0) -> Any:
    """A copy of a built dataset whose ``splits`` carry corrupted labels: every answer cut at a random
    20-60 % of its length (the failure of a label export that truncated its fields), written with
    the build's own shard writer and hashes, so the train stage reads it like any other build. The
    other splits keep their bytes: models trained on either copy are tested on the same documents."""
    import json
    import shutil

    from claimvlm.dataset.reader import read_split
    from claimvlm.dataset.shards import Sample, sha256_file, write_shards

    shutil.copytree(dataset, out)
    card = json.loads((out / "card.json").read_text(encoding="utf-8"))
    r = random.Random(seed)
    for split in splits:
        examples = read_split(dataset, split)
        for path in (out / "shards").glob(f"{split}-*.tar"):
            path.unlink()
            del card["shards"][path.relative_to(out).as_posix()]
        samples = []
        for ex in examples:
            record = json.loads(json.dumps(ex.record))
            text = answer(record)
            record["messages"][-1]["content"][0]["text"] = text[: int(len(text) * r.uniform(0.2, 0.6))]
            ext = record["image"].rsplit(".", 1)[-1]
            samples.append(Sample(ex.key, {ext: ex.image, "json": json.dumps(record, ensure_ascii=False).encode()}))
        for info in write_shards(out / "shards", split, iter(samples), max_count=500, max_bytes=10**9):
            card["shards"][info.path.relative_to(out).as_posix()] = {
                "samples": info.samples, "bytes": info.bytes, "sha256": sha256_file(info.path)}
    (out / "card.json").write_text(json.dumps(card, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return out
