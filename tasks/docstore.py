"""The on-disk layout every stage reads and writes: ``images/``, ``labels/``, ``boxes/`` and
``meta/`` holding ``ID.*`` files, plus a ``manifest.json``. Helpers shared by the stages."""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SUBDIRS = ("images", "labels", "boxes", "meta")


def json_bytes(obj: Any) -> bytes:
    """The one JSON form of every output: UTF-8 Hangul as is, stable indentation, final newline."""
    return (json.dumps(obj, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def plain_json_bytes(obj: Any) -> bytes:
    """``json_bytes(obj)``, byte for byte, for data the caller knows to hold only dicts with string
    keys, lists, strings, ints, bools, None and finite floats of 1e-4 and up in size (orjson writes
    NaN as null and 1e-05 as 0.00001, where json writes NaN and 1e-05). json's indenting encoder is
    pure Python: 1.3 ms for a synthetic page's boxes, against 0.45 ms here."""
    import orjson

    data = orjson.dumps(obj, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    # One space per level, as json's indent=1 writes: halve each line's leading run of spaces (a
    # string value never holds a raw newline, so every line starts at its indentation).
    return b"\n".join([line[(len(line) - len(line.lstrip(b" "))) // 2:] for line in data.split(b"\n")])


def document_files(src: Path) -> dict[str, list[Path]]:
    """The files of the layout at ``src`` by document (``sub/ID.ext``), every folder listed once: a
    lookup per document (``glob(ID + ".*")``) scans the whole folder each time, which makes a stage's
    loop grow with the square of the batch (85 ms a document at 20,000 documents)."""
    files: dict[str, list[Path]] = {}
    for sub in SUBDIRS:
        if (src / sub).is_dir():
            for entry in sorted(os.scandir(src / sub), key=lambda e: e.name):
                if entry.is_file():
                    files.setdefault(entry.name.rpartition(".")[0], []).append(Path(entry.path))
    return files


def page_images(files: dict[str, list[Path]]) -> dict[str, Path]:
    """Each document's image out of :func:`document_files` (documents without one are left out)."""
    images = {doc_id: next((f for f in fs if f.parent.name == "images"), None) for doc_id, fs in files.items()}
    return {doc_id: image for doc_id, image in images.items() if image is not None}


def copy_document(src: Path, dest: Path, doc_id: str, *, flat: bool = False,
                  files: Iterable[Path] | None = None) -> dict[str, str]:
    """Copy every file of ``doc_id`` from the layout at ``src``; returns the SHA-256 of each by
    ``sub/name``. ``flat`` puts them side by side as ``sub__name`` (a quarantine folder). ``files``:
    the document's entry of :func:`document_files` (a loop over a batch lists the folders once)."""
    if files is None:
        files = [f for sub in SUBDIRS for f in sorted((src / sub).glob(f"{glob.escape(doc_id)}.*"))
                 if f.name.rpartition(".")[0] == doc_id]
    hashes = {}
    for f in files:
        sub = f.parent.name
        target = dest / f"{sub}__{f.name}" if flat else dest / sub / f.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, target)
        hashes[f"{sub}/{f.name}"] = hashlib.sha256(f.read_bytes()).hexdigest()
    return hashes
