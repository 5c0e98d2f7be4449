"""The on-disk layout every stage reads and writes: ``images/``, ``labels/``, ``boxes/`` and
``meta/`` holding ``ID.*`` files, plus a ``manifest.json``. Helpers shared by the stages."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

SUBDIRS = ("images", "labels", "boxes", "meta")


def json_bytes(obj: Any) -> bytes:
    """The one JSON form of every output: UTF-8 Hangul as is, stable indentation, final newline."""
    return (json.dumps(obj, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def copy_document(src: Path, dest: Path, doc_id: str, *, flat: bool = False) -> dict[str, str]:
    """Copy every file of ``doc_id`` from the layout at ``src``; returns the SHA-256 of each by
    ``sub/name``. ``flat`` puts them side by side as ``sub__name`` (a quarantine folder)."""
    hashes = {}
    for sub in SUBDIRS:
        for f in sorted((src / sub).glob(f"{doc_id}.*")):
            target = dest / f"{sub}__{f.name}" if flat else dest / sub / f.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, target)
            hashes[f"{sub}/{f.name}"] = hashlib.sha256(f.read_bytes()).hexdigest()
    return hashes
