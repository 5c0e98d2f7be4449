"""How source object keys become documents, and where a document's files go.

Two layouts are understood, and may be mixed in one source:

- the synth layout: the role is the parent folder (``images/ID.png``, ``labels/ID.json``,
  ``boxes/ID.json``, ``meta/ID.json``), at any depth;
- a flat annotator layout: the role is the suffix (``ID.png|jpg|jpeg|tif|tiff``, ``ID.json``,
  ``ID.boxes.json``, ``ID.meta.json``).

``manifest.json`` at the source root is not a document. Any other file (pdf, gif, txt, a file
without extension, ...) is a document of its own, named by its full file name, so that it is
quarantined rather than silently dropped or wrongly attached to a document.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Role = Literal["image", "label", "boxes", "meta", "other"]

# Image file extensions and the PIL format each one promises.
IMAGE_EXTS: dict[str, str] = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "tif": "TIFF", "tiff": "TIFF"}
ROLE_DIRS: dict[str, Role] = {"images": "image", "labels": "label", "boxes": "boxes", "meta": "meta"}
OUT_DIRS: dict[Role, str] = {"image": "images", "label": "labels", "boxes": "boxes", "meta": "meta"}
SOURCE_MANIFEST = "manifest.json"
_UNSAFE_NAMES = ("", ".", "..")


@dataclass(frozen=True)
class Placement:
    """Which document a key belongs to and what it is there."""

    doc_id: str
    role: Role
    ext: str  # lower case, without the dot; "" when the name has none


@dataclass(frozen=True)
class DocFile:
    """One source object of a document, as listed (its bytes are fetched later)."""

    key: str
    role: Role
    ext: str
    size: int
    fingerprint: str


@dataclass(frozen=True)
class DocSpec:
    """A document as listed: its id and its source objects, sorted by key."""

    doc_id: str
    files: tuple[DocFile, ...]

    def of_role(self, role: Role) -> tuple[DocFile, ...]:
        return tuple(f for f in self.files if f.role == role)

    @property
    def image(self) -> DocFile | None:
        images = self.of_role("image")
        return images[0] if len(images) == 1 else None

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.files)


def _own_document(key: str, name: str, ext: str) -> Placement:
    if name in _UNSAFE_NAMES:  # e.g. an S3 key ending in "/.." cannot name a folder
        name = "unnamed-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
    return Placement(name, "other", ext)


def place(key: str) -> Placement | None:
    """The document and role of a key relative to the source root; None for the root manifest."""
    if key == SOURCE_MANIFEST:
        return None
    parent, _, name = key.rpartition("/")
    folder = parent.rpartition("/")[2]
    stem, dot, ext = name.rpartition(".")
    ext = ext.lower() if dot else ""
    lower = name.lower()

    def placed(doc_id: str, role: Role, suffix: str) -> Placement:
        if doc_id in _UNSAFE_NAMES:  # "..png" would name the quarantine folder "."
            return _own_document(key, name, ext)
        return Placement(doc_id, role, suffix)

    if folder in ROLE_DIRS:
        role = ROLE_DIRS[folder]
        if role == "image" and ext in IMAGE_EXTS:
            return placed(stem, "image", ext)
        if role != "image" and ext == "json":
            return placed(stem, role, "json")
        return _own_document(key, name, ext)
    if ext in IMAGE_EXTS:
        return placed(stem, "image", ext)
    for suffix, role in ((".boxes.json", "boxes"), (".meta.json", "meta")):
        if lower.endswith(suffix):
            return placed(name[: -len(suffix)], role, "json")
    if ext == "json":
        return placed(stem, "label", "json")
    return _own_document(key, name, ext)


def group(objects: Iterable[tuple[str, int, str]]) -> dict[str, DocSpec]:
    """Documents from listed (key, size, fingerprint) triples, by id in sorted order."""
    files: dict[str, list[DocFile]] = {}
    for key, size, fingerprint in objects:
        where = place(key)
        if where is None:
            continue
        files.setdefault(where.doc_id, []).append(DocFile(key, where.role, where.ext, size, fingerprint))
    return {d: DocSpec(d, tuple(sorted(fs, key=lambda f: f.key))) for d, fs in sorted(files.items())}


def out_path(doc_id: str, file: DocFile) -> str:
    """Where a collected file goes, relative to the output folder (the synth layout)."""
    if file.role == "other":
        raise ValueError(f"{file.key}: an unsupported file is never collected")
    return f"{OUT_DIRS[file.role]}/{doc_id}.{file.ext}"


def stored_path(key: str) -> str:
    """A key as a relative path that stays inside its quarantine folder."""
    parts = ["_" if p in _UNSAFE_NAMES else p for p in key.replace("\\", "/").split("/")]
    if parts[0] == "reason.json":  # the folder's own reason.json keeps its name
        parts[0] = "reason.original.json"
    return "/".join(parts)
