"""Reading the documents a build starts from, and turning each into a conversation record.

Input layout (what synth, collect, anonymize and qc write): ``images/ID.png|jpg``,
``labels/ID.json`` (and ``boxes/``, ``meta/``, ``manifest.json``, which the build does not
need). Every label is validated with :func:`claimvlm.schema.parse_label`; errors name the document
and the failing fields, never a value (labels hold pseudonymised but still personal-looking data).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image
from pydantic import ValidationError
from tqdm import tqdm

from claimvlm.errors import ClaimvlmError
from claimvlm.schema import parse_label

IMAGE_EXTS = ("png", "jpg", "jpeg")


class BuildError(ClaimvlmError, ValueError):
    """The build cannot go on; the message names documents and files, never label values."""


@dataclass(frozen=True)
class Document:
    """One validated input document. ``label`` is the schema's JSON form, keys in schema order."""

    doc_id: str
    image: Path
    ext: str  # the image's extension, lower case: "png", "jpg" or "jpeg" (the WebDataset key)
    document_type: str
    label: dict[str, Any]
    width: int
    height: int
    capture: str = "unknown"  # the capture profile (clean, scan, fax, photo) when the metadata says

    @property
    def image_name(self) -> str:
        return f"{self.doc_id}.{self.ext}"


def label_text(label: dict[str, Any]) -> str:
    """The assistant's answer: compact JSON, Hangul as is, keys in schema order."""
    return json.dumps(label, ensure_ascii=False, separators=(",", ":"))


def record_bytes(record: dict[str, Any]) -> bytes:
    """One serialisation for every copy of a record (jsonl line and shard member alike)."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def nearest_bucket(width: int, height: int, buckets: Sequence[float]) -> float:
    """The configured aspect ratio (width / height) closest to the image's; ties go to the smaller."""
    if not buckets:
        raise BuildError("build.aspect_buckets is empty")
    ratio = width / height
    return min(buckets, key=lambda b: (abs(b - ratio), b))


def bucket_name(bucket: float) -> str:
    return f"{bucket:g}"


def conversation(doc: Document, *, split: str, group: str, bucket: float, user_text: str,
                 ocr: dict[str, Any] | None = None) -> dict[str, Any]:
    """The record Qwen2.5-VL's chat template and TRL's vision SFT collators take.

    ``image`` is the image's path relative to the dataset root (``out/``); in a shard the same
    bytes are the sample's ``png``/``jpg`` member. ``ocr`` (anchoring on): the engine's words with
    their boxes, kept so that evaluation's OCR baseline parses the very reading the prompt holds."""
    return {
        "id": doc.doc_id,
        "image": f"images/{doc.image_name}",
        "document_type": doc.document_type,
        "split": split,
        "group": group,
        "width": doc.width,
        "height": doc.height,
        "bucket": bucket,
        "capture": doc.capture,
        "messages": [
            {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": user_text}]},
            {"role": "assistant", "content": [{"type": "text", "text": label_text(doc.label)}]},
        ],
    } | ({"ocr": ocr} if ocr is not None else {})


def _error_fields(err: ValidationError) -> str:
    locs = sorted({".".join(str(p) for p in e["loc"]) or "<root>" for e in err.errors()})
    shown = ", ".join(locs[:8]) + (f" and {len(locs) - 8} more" if len(locs) > 8 else "")
    return f"{err.error_count()} error(s) at {shown}"


def _check_id(doc_id: str) -> None:
    # WebDataset groups tar members by the part of the name before the first dot.
    if "." in doc_id or not doc_id.strip() or doc_id != doc_id.strip():
        raise BuildError(f"document id {doc_id!r} cannot be a WebDataset key (no dots or edge spaces)")


def _load_one(src: Path, doc_id: str, images: list[Path]) -> Document:
    _check_id(doc_id)
    if len(images) != 1:
        found = ", ".join(p.name for p in images) or "none"
        raise BuildError(f"{doc_id}: expected exactly one image in images/, found {found}")
    label_path = src / "labels" / f"{doc_id}.json"
    try:
        model = parse_label(label_path.read_bytes())
    except FileNotFoundError:
        raise BuildError(f"{doc_id}: no label at labels/{doc_id}.json") from None
    except ValidationError as err:
        raise BuildError(f"{doc_id}: label does not match its schema ({_error_fields(err)})") from None
    image = images[0]
    try:
        with Image.open(image) as im:  # reads the header only
            width, height = im.size
    except Exception as err:  # noqa: BLE001 - any decoder failure is the same problem here
        raise BuildError(f"{doc_id}: cannot read image {image.name} ({type(err).__name__})") from None
    if width <= 0 or height <= 0:
        raise BuildError(f"{doc_id}: image {image.name} has no pixels")
    label = model.model_dump(mode="json")
    return Document(doc_id, image, image.suffix[1:].lower(), label["document_type"], label, width, height,
                    _capture(src, doc_id))


def _capture(src: Path, doc_id: str) -> str:
    """The capture profile from the document's metadata: evaluation reports it as a slice."""
    meta = src / "meta" / f"{doc_id}.json"
    try:
        return str(json.loads(meta.read_text(encoding="utf-8"))["degradation"]["profile"])
    except (OSError, ValueError, KeyError, TypeError):
        return "unknown"


def load_documents(src: Path, *, progress: bool = True) -> list[Document]:
    """Every document of ``src`` (sorted by id), validated. A label without an image, an image
    without a label, or an invalid label stops the build, naming the document."""
    image_dir, label_dir = src / "images", src / "labels"
    if not image_dir.is_dir() or not label_dir.is_dir():
        raise BuildError(f"{src}: expected images/ and labels/ folders (the qc stage's output)")
    images: dict[str, list[Path]] = {}
    for path in sorted(image_dir.iterdir()):
        if not path.is_file():
            continue
        if path.suffix[1:].lower() not in IMAGE_EXTS:
            raise BuildError(f"{path.stem}: unsupported image file {path.name} (expected {IMAGE_EXTS})")
        images.setdefault(path.stem, []).append(path)
    label_ids = {p.stem for p in label_dir.glob("*.json") if p.is_file()}
    ids = sorted(label_ids | set(images))
    if not ids:
        raise BuildError(f"{src}: no documents")
    bar = tqdm(ids, desc="build: read", unit="doc", disable=not progress)
    return [_load_one(src, doc_id, images.get(doc_id, [])) for doc_id in bar]
