"""The ``collect`` stage: raw documents from a folder or an S3 prefix into the synth layout.

Every listed document ends up either collected (``out/images|labels|boxes|meta``) or in
quarantine (``quarantine/ID/``: its original files as received plus ``reason.json``); nothing
is dropped. Runs are incremental: ``out/manifest.json`` records each document's objects and
fingerprints, and only new or changed documents are fetched again.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from claimvlm.collection import manifest
from claimvlm.collection.checks import Check, Document, Duplicate, Rejection, build_checks, first_rejection
from claimvlm.collection.layout import OUT_DIRS, DocSpec, group, out_path, stored_path
from claimvlm.collection.manifest import Entry
from claimvlm.collection.sources import (
    CombinedSource,
    FetchError,
    FolderSource,
    ListError,
    Source,
    open_source,
    write_chunks,
)
from claimvlm.errors import ClaimvlmError

if TYPE_CHECKING:
    from claimvlm.collection.params import CollectParams

MANIFEST = "manifest.json"
REASON = "reason.json"


@dataclass(frozen=True)
class CollectResult:
    listed: int  # documents in the source
    collected: int
    quarantined: int
    fetched: int  # documents fetched (or tried) this run
    unchanged: int  # documents whose previous outcome stands, not fetched
    removed: int  # documents gone from the source, removed from out/ and quarantine/
    by_reason: dict[str, int]
    manifest_path: Path
    failed: tuple[str, ...] = ()  # keys that could not be fetched


class CollectError(ClaimvlmError):
    """The source cannot be listed, or some objects could not be fetched after the retries.

    In the latter case everything else was collected and the manifest written; ``keys`` names
    the objects that failed and ``result`` holds the counts of the run."""

    def __init__(self, message: str, *, keys: tuple[str, ...] = (), result: CollectResult | None = None) -> None:
        super().__init__(message)
        self.keys = keys
        self.result = result


@dataclass(frozen=True)
class _Failure:
    doc_id: str
    key: str
    cause: str


def _json(obj: Any) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


class _Run:
    """Fetching, checking and writing of single documents (called from worker threads)."""

    def __init__(self, source: Source, out: Path, quarantine: Path, checks: tuple[Check, ...]) -> None:
        self.source, self.out, self.quarantine, self.checks = source, out, quarantine, checks

    def clear(self, doc_id: str, previous: Entry | None, spec: DocSpec | None = None) -> None:
        """Remove what an earlier run (or a broken attempt) wrote for this document."""
        if previous is not None and previous.status == "collected":
            for rel in previous.written:
                (self.out / rel).unlink(missing_ok=True)
        for file in spec.files if spec is not None else ():
            if file.role != "other":
                (self.out / out_path(doc_id, file)).unlink(missing_ok=True)
        shutil.rmtree(self.quarantine / doc_id, ignore_errors=True)

    def process(self, spec: DocSpec, previous: Entry | None) -> Entry | _Failure:
        self.clear(spec.doc_id, previous)
        try:
            return self._process(spec)
        except FetchError as err:
            self.clear(spec.doc_id, None, spec)
            return _Failure(spec.doc_id, err.key, err.cause)

    def _process(self, spec: DocSpec) -> Entry:
        doc_id = spec.doc_id
        rejection = first_rejection(self.checks, Document(spec))
        if rejection is not None:  # known from the listing: stream the originals, never into memory
            written = {f"{doc_id}/{stored_path(f.key)}":
                       self.source.download(f.key, self.quarantine / doc_id / stored_path(f.key))
                       for f in spec.files}
            return self._reject(spec, rejection, written)
        data = {f.key: self.source.read(f.key) for f in spec.files}
        rejection = first_rejection(self.checks, Document(spec, data))
        if rejection is not None:
            written = {f"{doc_id}/{stored_path(f.key)}":
                       write_chunks([data[f.key]], self.quarantine / doc_id / stored_path(f.key))
                       for f in spec.files}
            return self._reject(spec, rejection, written)
        written = {out_path(doc_id, f): write_chunks([data[f.key]], self.out / out_path(doc_id, f))
                   for f in spec.files}
        image = spec.image
        assert image is not None  # MissingImage and ConflictingFiles passed
        return Entry.of(spec, "collected", written, image_sha256=written[out_path(doc_id, image)])

    def _reject(self, spec: DocSpec, rejection: Rejection, written: dict[str, str],
                duplicate_of: str | None = None) -> Entry:
        reason = {"doc_id": spec.doc_id, "reason": rejection.reason, "detail": rejection.detail,
                  "source_keys": list(spec.keys)}
        path = self.quarantine / spec.doc_id / REASON
        written[f"{spec.doc_id}/{REASON}"] = write_chunks([_json(reason)], path)
        return Entry.of(spec, "quarantined", written, reason=rejection.reason, duplicate_of=duplicate_of)

    def demote(self, spec: DocSpec, entry: Entry, rejection: Rejection, holder: str) -> Entry:
        """Move a collected document into quarantine (its files are the originals, byte for byte)."""
        written: dict[str, str] = {}
        for file in spec.files:
            rel, stored = out_path(spec.doc_id, file), f"{spec.doc_id}/{stored_path(file.key)}"
            (self.quarantine / stored).parent.mkdir(parents=True, exist_ok=True)
            shutil.move(self.out / rel, self.quarantine / stored)
            written[stored] = entry.written[rel]
        return self._reject(spec, rejection, written, duplicate_of=holder)


def _check_paths(source: Source, out: Path, quarantine: Path) -> None:
    """Refuse folders nested in one another: a wipe or a write must never touch the source."""
    def nested(a: Path, b: Path) -> bool:
        a, b = a.resolve(), b.resolve()
        return a == b or a in b.parents or b in a.parents

    pairs = [(out, quarantine, "the output and quarantine folders")]
    for part in source.parts() if isinstance(source, CombinedSource) else (source,):
        if isinstance(part, FolderSource):
            pairs += [(part.root, out, "the source and output folders"),
                      (part.root, quarantine, "the source and quarantine folders")]
    for a, b, what in pairs:
        if nested(a, b):
            raise CollectError(f"{what} overlap ({a}, {b}); give separate folders")


def _wipe(out: Path, quarantine: Path) -> None:
    """No manifest: start from nothing (only this stage's own folders are touched)."""
    for sub in OUT_DIRS.values():
        shutil.rmtree(out / sub, ignore_errors=True)
    if quarantine.is_dir():
        for d in quarantine.iterdir():
            if d.is_dir() and (d / REASON).is_file():
                shutil.rmtree(d)


def _failure_message(uri: str, failures: list[_Failure], others: int, manifest_path: Path) -> str:
    shown = ", ".join(f"{f.key} ({f.cause})" for f in failures[:10])
    more = f" and {len(failures) - 10} more" if len(failures) > 10 else ""
    return (f"{len(failures)} document(s) could not be fetched from {uri} after the retries: {shown}{more}. "
            f"The other {others} documents were collected or quarantined and {manifest_path} was written; "
            "run again to fetch the rest.")


def _fetch_all(run: _Run, plan: manifest.Plan, before: dict[str, Entry], threads: int,
               progress: bool) -> tuple[dict[str, Entry], list[_Failure]]:
    """Fetch, check and write every planned document on a thread pool."""
    fresh: dict[str, Entry] = {}
    failures: list[_Failure] = []
    with ThreadPoolExecutor(max_workers=threads) as pool, \
            tqdm(total=len(plan.fetch), desc="collect", unit="doc", disable=not progress) as bar:
        futures: list[Future[Entry | _Failure]] = [
            pool.submit(run.process, spec, before.get(spec.doc_id)) for spec in plan.fetch]
        try:
            for future in as_completed(futures):
                outcome = future.result()
                if isinstance(outcome, _Failure):
                    failures.append(outcome)
                else:
                    fresh[outcome.doc_id] = outcome
                bar.update()
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return fresh, sorted(failures, key=lambda f: f.key)


def _resolve_duplicates(run: _Run, docs: dict[str, DocSpec], plan: manifest.Plan, before: dict[str, Entry],
                        fresh: dict[str, Entry]) -> None:
    """Quarantine freshly collected documents whose image another document already holds.

    Images of documents kept from earlier runs hold first; then documents that were collected
    before (and were fetched again), then new ones, each group in the order of their image's source
    key: the first seen in listing order (``2024-01/…`` before ``2024-02/…``) is the original, whatever
    its id."""
    duplicate = Duplicate({e.image_sha256: d for d, e in plan.keep.items()
                           if e.status == "collected" and e.image_sha256})

    def priority(e: Entry) -> tuple[bool, str, str]:
        previous = before.get(e.doc_id)
        image_key = min((key for key, role, *_ in e.sources if role == "image"), default="")
        return (previous is None or previous.status != "collected", image_key, e.doc_id)

    for entry in sorted((e for e in fresh.values() if e.status == "collected"), key=priority):
        assert entry.image_sha256 is not None  # every collected document has an image
        if (rejection := duplicate(entry.doc_id, entry.image_sha256)) is not None:
            holder = duplicate.seen[entry.image_sha256]
            fresh[entry.doc_id] = run.demote(docs[entry.doc_id], entry, rejection, holder)


def collect(source: str, out: Path, quarantine: Path, params: CollectParams, *,
            progress: bool = True, also: Sequence[str] = ()) -> CollectResult:
    """Collect the documents under ``source`` (a folder, or ``s3://bucket/prefix``) into ``out``;
    bad ones go to ``quarantine``. Raises CollectError after writing everything else when some
    objects could not be fetched."""
    try:
        src = open_source(str(source), params.s3, also)
        _check_paths(src, out, quarantine)
        previous = manifest.load(out / MANIFEST)
        objects = src.list()
    except (ListError, manifest.ManifestError) as err:
        raise CollectError(str(err)) from None
    if previous is None:
        _wipe(out, quarantine)
    for sub in OUT_DIRS.values():
        (out / sub).mkdir(parents=True, exist_ok=True)
    quarantine.mkdir(parents=True, exist_ok=True)

    docs = group((o.key, o.size, o.fingerprint) for o in objects)
    reusable = (previous is not None and previous.source == src.uri
                and previous.checks == manifest.checks_config(params))
    plan = manifest.plan(docs, previous, reusable, out, quarantine)
    before = previous.entries if previous is not None else {}
    run = _Run(src, out, quarantine, build_checks(params))
    for gone in plan.removed:
        run.clear(gone.doc_id, gone)

    fresh, failures = _fetch_all(run, plan, before, params.s3.download_threads, progress)
    _resolve_duplicates(run, docs, plan, before, fresh)

    entries = {**plan.keep, **fresh}
    collected = sum(e.status == "collected" for e in entries.values())
    quarantined = sum(e.status == "quarantined" for e in entries.values())
    if collected + quarantined + len(failures) != len(docs):  # not `assert`: must hold under -O too
        raise AssertionError(f"collected {collected} + quarantined {quarantined} + failed {len(failures)} "
                             f"!= listed {len(docs)}")
    failed_keys = tuple(sorted(f.key for f in failures))
    manifest_path = out / MANIFEST
    write_chunks([manifest.render(src.uri, params, entries.values(), len(docs), failed_keys)], manifest_path)

    by_reason: dict[str, int] = {}
    for e in sorted(entries.values(), key=lambda e: str(e.reason)):
        if e.reason is not None:
            by_reason[e.reason] = by_reason.get(e.reason, 0) + 1
    result = CollectResult(len(docs), collected, quarantined, len(plan.fetch), len(plan.keep),
                           len(plan.removed), by_reason, manifest_path, failed_keys)
    if failures:
        raise CollectError(_failure_message(src.uri, failures, len(docs) - len(failures), manifest_path),
                           keys=failed_keys, result=result)
    return result
