"""The ``build`` stage: validated documents -> patient-grouped splits, WebDataset shards,
JSONL, aspect buckets and a dataset card. Everything it writes is a function of its inputs."""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from PIL import Image
from tqdm import tqdm

from claimvlm.dataset.card import dumps, render_markdown
from claimvlm.dataset.params import BuildParams
from claimvlm.dataset.pins import load_pins
from claimvlm.dataset.records import (
    BuildError,
    Document,
    bucket_name,
    conversation,
    load_documents,
    nearest_bucket,
    record_bytes,
)
from claimvlm.dataset.shards import Sample, ShardInfo, sha256_file, write_shards
from claimvlm.dataset.splits import (
    SPLITS,
    assign_splits,
    group_documents,
    patient_keys,
    pinned_groups,
    split_quality,
)
from claimvlm.model.prompt import AnchorParams, PromptSpec, Words, anchor_text, read_words
from claimvlm.parallel import ExecutorParams, process_map

PRIVACY_REPORTS = {"dp_summary": "dp_summary.json", "k_anonymity": "k_anonymity.json"}
# What build owns inside ``out``; only these are removed before writing.
JSONL = tuple(f"{s}.jsonl" for s in SPLITS)
OUTPUTS = ("shards", "images", *JSONL, "buckets.json", "card.json", "DATASET_CARD.md")


@dataclass(frozen=True)
class BuildResult:
    out: Path
    counts: dict[str, int]  # split -> documents
    type_counts: dict[tuple[str, str], int]  # (split, document type) -> documents
    groups: int  # patient groups in all
    groups_per_split: dict[str, int]
    shards: tuple[Path, ...]
    card: Path  # DATASET_CARD.md
    card_json: Path
    # Pinned-split counts: printed, not in the card, so that pinning a build's own assignment
    # (which changes these counts, not the splits) leaves the dataset's bytes and DVC hash alone.
    pins: dict[str, int] | None = None


def _privacy(reports: Path | None) -> dict[str, Any] | None:
    if reports is None:
        return None
    found: dict[str, Any] = {}
    for key, name in PRIVACY_REPORTS.items():
        path = reports / name
        try:
            found[key] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BuildError(f"privacy report {path} does not exist") from None
        except json.JSONDecodeError:
            raise BuildError(f"privacy report {path} is not valid JSON") from None
    return found


def _upstream(manifests: Sequence[Path]) -> dict[str, str]:
    hashes: dict[str, str] = {}
    for path in manifests:
        if not Path(path).is_file():
            raise BuildError(f"upstream manifest {path} does not exist")
        hashes[Path(path).as_posix()] = sha256_file(Path(path))
    return hashes


def _order_key(seed: int, doc_id: str) -> str:
    """A seeded order within a split that does not depend on the other documents (shard mixing)."""
    return hashlib.sha256(f"{seed}:{doc_id}".encode()).hexdigest()


def _reset(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in OUTPUTS:
        path = out / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
    (out / "images").mkdir()


def _samples(docs: list[Document], records: dict[str, dict[str, Any]], out: Path, jsonl: BinaryIO,
             bar: tqdm) -> Iterator[Sample]:
    """Read each image once: copied into out/images (a copy, not a hard link, so that an upstream
    stage rewriting its files in place cannot change this stage's outputs behind DVC's back)."""
    for doc in docs:
        data = doc.image.read_bytes()
        (out / "images" / doc.image_name).write_bytes(data)
        line = record_bytes(records[doc.doc_id])
        jsonl.write(line + b"\n")
        bar.update(1)
        yield Sample(doc.doc_id, {doc.ext: data, "json": line})


def _page_words(path: Path, params: AnchorParams) -> Words:
    with Image.open(path) as image:
        return read_words(image.convert("RGB"), params)


def read_anchors(docs: Sequence[Document], params: AnchorParams, *, workers: int, progress: bool,
                 executor: ExecutorParams | None = None) -> dict[str, Words]:
    """Every page's OCR words, read on ``workers`` local processes or on ``executor``'s Dask cluster
    (the stage's largest cost: about a second a page on one core): the anchors of the prompts."""
    found = process_map(functools.partial(_page_words, params=params), [d.image.resolve() for d in docs],
                        workers=workers, desc="build: anchors", progress=progress, chunksize=1, executor=executor,
                        names=[d.doc_id for d in docs])
    return {d.doc_id: w for d, w in zip(docs, found, strict=True)}


def build(src: Path, out: Path, params: BuildParams, *, privacy_reports: Path | None = None,
          upstream_manifests: Sequence[Path] = (), pinned_splits: Path | None = None,
          progress: bool = True, executor: ExecutorParams | None = None) -> BuildResult:
    """Build the training dataset from ``src`` (the qc stage's output) into ``out``.

    ``pinned_splits`` (see ``claimvlm.dataset.pins``) keeps known documents in the split they were
    pinned to, so the test split the gate compares models on stays frozen as data is added.

    Raises BuildError, naming the document or file, before anything in ``out`` is touched when an
    input is invalid (a label failing its schema, an image missing or unreadable, a report missing).
    """
    src, out = Path(src), Path(out)
    if out.resolve() == src.resolve():
        raise BuildError(f"{out}: the build's output folder cannot be its source")
    docs = load_documents(src, progress=progress)
    privacy = _privacy(privacy_reports)
    upstream = _upstream(upstream_manifests)
    pins = load_pins(pinned_splits)

    doc_group = group_documents({d.doc_id: patient_keys(d.label) for d in docs})
    group_types: dict[str, Counter[str]] = {}
    for d in docs:
        group_types.setdefault(doc_group[d.doc_id], Counter())[d.document_type] += 1
    fixed, moved = pinned_groups(doc_group, pins)
    group_split = assign_splits(group_types, params.splits, params.seed, fixed)
    doc_split = {d.doc_id: group_split[doc_group[d.doc_id]] for d in docs}

    spec = PromptSpec(params.instruction, params.anchoring)
    words = read_anchors(docs, params.anchoring, workers=params.workers, progress=progress,
                         executor=executor) if spec.anchored else {}
    records: dict[str, dict[str, Any]] = {}
    buckets: dict[str, dict[str, list[str]]] = {
        s: {bucket_name(b): [] for b in sorted(params.aspect_buckets)} for s in SPLITS}
    for d in docs:
        bucket = nearest_bucket(d.width, d.height, params.aspect_buckets)
        ocr = {"engine": params.anchoring.engine, "words": words[d.doc_id]} if spec.anchored else None
        anchor = anchor_text(words[d.doc_id], d.width, d.height, params.anchoring) if spec.anchored else None
        records[d.doc_id] = conversation(d, split=doc_split[d.doc_id], group=doc_group[d.doc_id], bucket=bucket,
                                         user_text=spec.user_text(anchor), ocr=ocr)
        buckets[doc_split[d.doc_id]][bucket_name(bucket)].append(d.doc_id)

    _reset(out)
    shard_infos: list[ShardInfo] = []
    bar = tqdm(total=len(docs), desc="build: write", unit="doc", disable=not progress)
    with bar:
        for split in SPLITS:
            members = sorted((d for d in docs if doc_split[d.doc_id] == split),
                             key=lambda d: _order_key(params.seed, d.doc_id))
            with (out / f"{split}.jsonl").open("wb") as jsonl:
                samples = _samples(members, records, out, jsonl, bar)
                shard_infos += write_shards(out / "shards", split, samples, max_count=params.shard_max_count,
                                            max_bytes=params.shard_max_bytes)
    (out / "buckets.json").write_bytes(dumps(buckets))

    by_split = Counter(doc_split.values())
    by_split_type = Counter((doc_split[d.doc_id], d.document_type) for d in docs)
    groups_by_split = Counter(group_split.values())
    types = sorted({d.document_type for d in docs})
    card: dict[str, Any] = {
        "stage": "build",
        "params": params.model_dump(mode="json"),
        "counts": {
            "documents": len(docs),
            "by_split": {s: by_split[s] for s in SPLITS},
            "by_type": {t: sum(by_split_type[(s, t)] for s in SPLITS) for t in types},
            "by_split_type": {s: {t: by_split_type[(s, t)] for t in types} for s in SPLITS},
        },
        "groups": {
            "total": len(group_types),
            "multi_document": sum(1 for c in group_types.values() if sum(c.values()) > 1),
            "largest": max(sum(c.values()) for c in group_types.values()),
            "by_split": {s: groups_by_split[s] for s in SPLITS},
        },
        "split_quality": split_quality(doc_split, {d.doc_id: d.document_type for d in docs},
                                       params.splits).to_json(),
        "buckets": {s: {b: len(ids) for b, ids in per.items()} for s, per in buckets.items()},
        "privacy": privacy,
        "upstream_manifests": upstream,
        "shards": {i.path.relative_to(out).as_posix(): {"samples": i.samples, "bytes": i.bytes,
                                                        "sha256": i.sha256} for i in shard_infos},
        "files": {name: sha256_file(out / name) for name in (*JSONL, "buckets.json")},
    }
    (out / "card.json").write_bytes(dumps(card))
    (out / "DATASET_CARD.md").write_text(render_markdown(card), encoding="utf-8")
    return BuildResult(
        out=out,
        counts={s: by_split[s] for s in SPLITS},
        type_counts={(s, t): by_split_type[(s, t)] for s in SPLITS for t in types},
        groups=len(group_types),
        groups_per_split={s: groups_by_split[s] for s in SPLITS},
        shards=tuple(i.path for i in shard_infos),
        card=out / "DATASET_CARD.md",
        card_json=out / "card.json",
        pins={"pinned": sum(1 for d in docs if d.doc_id in pins), "new": sum(1 for d in docs if d.doc_id not in pins),
              "missing": len(set(pins) - {d.doc_id for d in docs}), "moved": len(moved)} if pinned_splits else None,
    )
