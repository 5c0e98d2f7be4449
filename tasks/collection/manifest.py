"""``out/manifest.json``: what each document was made of and what became of it.

Per document it records every source object (key, size, fingerprint: ETag + size on S3, size +
mtime_ns in a folder), the outcome (collected, or quarantined with its reason) and the SHA-256
of every file written. The next run compares the listing with it to fetch only new or changed
documents. The content is deterministic (no timestamps, no per-run counts), so a run that
changes nothing rewrites the same bytes and DVC sees no change.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from claimvlm.collection.layout import DocSpec
from claimvlm.errors import ClaimvlmError

if TYPE_CHECKING:
    from claimvlm.collection.params import CollectParams

STAGE = "collect"
VERSION = 1
Status = Literal["collected", "quarantined"]


class ManifestError(ClaimvlmError):
    """The output folder holds something this stage must not overwrite."""


@dataclass(frozen=True)
class Entry:
    """One document's outcome. ``written`` paths are relative to the output folder for a
    collected document, to the quarantine folder for a quarantined one."""

    doc_id: str
    status: Status
    reason: str | None
    duplicate_of: str | None
    image_sha256: str | None
    sources: tuple[tuple[str, str, int, str], ...]  # (key, role, size, fingerprint), sorted by key
    written: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, spec: DocSpec, status: Status, written: Mapping[str, str], *, reason: str | None = None,
           duplicate_of: str | None = None, image_sha256: str | None = None) -> Entry:
        sources = tuple((f.key, f.role, f.size, f.fingerprint) for f in spec.files)
        return cls(spec.doc_id, status, reason, duplicate_of, image_sha256, sources, dict(sorted(written.items())))

    def matches(self, spec: DocSpec) -> bool:
        """Same objects with the same fingerprints as listed now."""
        return {(k, fp) for k, _, _, fp in self.sources} == {(f.key, f.fingerprint) for f in spec.files}

    def files_exist(self, out: Path, quarantine: Path) -> bool:
        root = out if self.status == "collected" else quarantine
        return all((root / path).is_file() for path in self.written)

    def to_json(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id, "status": self.status, "reason": self.reason,
            "duplicate_of": self.duplicate_of, "image_sha256": self.image_sha256,
            "sources": [{"key": k, "role": r, "size": s, "fingerprint": fp} for k, r, s, fp in self.sources],
            "written": dict(self.written),
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Entry:
        sources = tuple((s["key"], s["role"], int(s["size"]), s["fingerprint"]) for s in d["sources"])
        return cls(d["doc_id"], d["status"], d.get("reason"), d.get("duplicate_of"), d.get("image_sha256"),
                   sources, dict(d["written"]))


def checks_config(params: CollectParams) -> dict[str, Any]:
    """The parameters an outcome depends on; when they change, every document is checked again."""
    return {"image_formats": list(params.image_formats), "max_bytes": params.max_bytes,
            "max_pixels": params.max_pixels}


@dataclass(frozen=True)
class Previous:
    source: str
    checks: dict[str, Any]
    entries: dict[str, Entry]


def load(path: Path) -> Previous | None:
    """The previous run's manifest; None when there is none (or it cannot be read)."""
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("stage") != STAGE:
        stage = data.get("stage") if isinstance(data, dict) else None
        raise ManifestError(f"{path} is not a collect manifest (stage {stage!r}); refusing to overwrite "
                            f"{path.parent}")
    if data.get("version") != VERSION:
        return None
    try:
        entries = {d["doc_id"]: Entry.from_json(d) for d in data["documents"]}
    except (KeyError, TypeError, ValueError):
        return None
    return Previous(str(data.get("source")), dict(data.get("checks") or {}), entries)


@dataclass(frozen=True)
class Plan:
    keep: dict[str, Entry]  # unchanged documents: previous outcome stands, nothing is fetched
    fetch: tuple[DocSpec, ...]  # new or changed documents, sorted by id
    removed: tuple[Entry, ...]  # previously known documents no longer in the source


def plan(docs: Mapping[str, DocSpec], previous: Previous | None, reusable: bool, out: Path,
         quarantine: Path) -> Plan:
    """Split the listing into kept, to fetch and removed documents.

    A document is kept when its objects and fingerprints are those recorded, its written files
    still exist and, for a duplicate, the document holding its image is kept as collected too
    (otherwise it is checked again, since the image may now be its own)."""
    entries = previous.entries if previous is not None else {}
    keep: dict[str, Entry] = {}
    if reusable:
        keep = {d: e for d, spec in docs.items() if (e := entries.get(d)) is not None
                and e.matches(spec) and e.files_exist(out, quarantine)}
        keep = {d: e for d, e in keep.items() if e.reason != "duplicate" or (
            e.duplicate_of in keep and keep[e.duplicate_of].status == "collected")}
    fetch = tuple(spec for d, spec in docs.items() if d not in keep)
    removed = tuple(e for d, e in sorted(entries.items()) if d not in docs)
    return Plan(keep, fetch, removed)


def render(source: str, params: CollectParams, entries: Iterable[Entry], listed: int,
           failed: Iterable[str]) -> bytes:
    """The manifest's bytes: the outcome counts and every document, sorted by id."""
    docs = sorted(entries, key=lambda e: e.doc_id)
    by_reason: dict[str, int] = {}
    for e in docs:
        if e.reason is not None:
            by_reason[e.reason] = by_reason.get(e.reason, 0) + 1
    manifest = {
        "stage": STAGE,
        "version": VERSION,
        "source": source,
        "checks": checks_config(params),
        "listed": listed,
        "collected": sum(e.status == "collected" for e in docs),
        "quarantined": sum(e.status == "quarantined" for e in docs),
        "by_reason": dict(sorted(by_reason.items())),
        "failed": sorted(failed),  # keys that could not be fetched; fetched again next run
        "documents": [e.to_json() for e in docs],
    }
    return (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
