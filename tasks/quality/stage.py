"""The ``qc`` stage: nothing broken reaches training.

Three independent looks at every document: the great-expectations suite over the label
table (schema, value sets, every amount and date invariant), checks of the page image
(size and DPI, blank, blur, skew), and a second reading of chosen fields with Tesseract that
must not disagree strongly with the label. A failing document goes to quarantine with all
its reasons; a batch failing more than ``qc.max_fail_rate`` stops the pipeline.

The label suite runs in a process of its own beside the page checks (it is one process's work,
great_expectations' import alone takes seconds). The second reading (Tesseract, 70-80 ms of CPU
a page) reads the ``qc.label_noise.sample`` share of the pages, every page whose label the suite
fails, and every page once the readings disagree on ``escalate_share`` of the pages read; the
summary says how many pages it read.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import shutil
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from PIL import Image

from claimvlm.docstore import copy_document, document_files, json_bytes, page_images
from claimvlm.errors import ClaimvlmError
from claimvlm.parallel import ExecutorParams, opencv_on_one_thread, process_map
from claimvlm.quality.image_checks import build_image_checks, check_page
from claimvlm.quality.label_noise import disagreements, is_noisy, sampled
from claimvlm.quality.label_suite import LabelSuiteResult, run_label_suite
from claimvlm.quality.params import QcParams

NOISE = "label_disagrees_with_image"


class QcError(ClaimvlmError, RuntimeError):
    """The batch failed more checks than qc.max_fail_rate allows."""


@dataclass(frozen=True)
class QcResult:
    documents: int
    passed: int
    quarantined: int
    by_check: dict[str, int]
    fail_rate: float
    data_docs: Path
    manifest_path: Path
    label_noise: dict[str, Any] = field(default_factory=dict)  # what the second reading read: summary.json's


@dataclass(frozen=True)
class _PageOutcome:
    doc_id: str
    reasons: list[str]
    due: bool = False  # due a second reading: the page checks passed and the field boxes are known
    read: bool = False  # and it was read (False: the sample left it out)

    @property
    def unread(self) -> bool:
        return self.due and not self.read


@contextlib.contextmanager
def _tesseract_on_one_thread() -> Iterator[None]:
    """OMP_THREAD_LIMIT=1 for the tesseract processes started meanwhile, then as it was: the stage
    already runs a page per core, and Tesseract's own OpenMP threads only fight over the same
    cores (it read a page 3x slower with its default threads on 2 busy cores)."""
    limit = os.environ.get("OMP_THREAD_LIMIT")
    os.environ["OMP_THREAD_LIMIT"] = "1"
    try:
        yield
    finally:
        if limit is None:
            os.environ.pop("OMP_THREAD_LIMIT", None)
        else:
            os.environ["OMP_THREAD_LIMIT"] = limit


def _load_page(src: Path, doc_id: str, image_path: Path | None) -> tuple[Image.Image, float | None] | None:
    """The page in grey (every check reads grey) and its resolution; None without an image."""
    if image_path is None:
        return None
    meta_path = src / "meta" / f"{doc_id}.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    with Image.open(image_path) as img:
        # RGB and L go to grey directly; other modes through RGB, the path every page took before.
        page = img.convert("L") if img.mode in ("RGB", "L") else img.convert("RGB").convert("L")
        dpi = meta.get("dpi") or (img.info.get("dpi") or (None,))[0]
    return page, dpi


def _second_reading(page: Image.Image, src: Path, doc_id: str, label: dict, params: QcParams) -> list[str]:
    boxes = json.loads((src / "boxes" / f"{doc_id}.json").read_text(encoding="utf-8"))
    readings = disagreements(page, boxes, label, params.label_noise)
    if not is_noisy(readings, params.label_noise):
        return []
    # Field paths only: the readings themselves are personal data.
    return [f"{NOISE}: {sorted(r.path for r in readings if r.flagged)}"]


def _page_job(args: tuple[Path, str, dict, QcParams, bool, Path | None]) -> _PageOutcome:
    """Image checks, and the second reading when ``read``, for one document (in a worker process)."""
    src, doc_id, label, params, read, image_path = args
    with _tesseract_on_one_thread():
        loaded = _load_page(src, doc_id, image_path)
        if loaded is None:
            return _PageOutcome(doc_id, ["missing_image"])
        page, dpi = loaded
        reasons = check_page(page, dpi, build_image_checks(params.images))
        due = params.label_noise.enabled and (src / "boxes" / f"{doc_id}.json").exists() and not reasons
        if due and read:
            reasons += _second_reading(page, src, doc_id, label, params)
        return _PageOutcome(doc_id, reasons, due, due and read)


def _reading_job(args: tuple[Path, str, dict, QcParams, Path | None]) -> tuple[str, list[str]]:
    """The second reading alone, for a page the sample left out but that turned out to need it."""
    src, doc_id, label, params, image_path = args
    with _tesseract_on_one_thread():
        loaded = _load_page(src, doc_id, image_path)
        return doc_id, [] if loaded is None else _second_reading(loaded[0], src, doc_id, label, params)


def _suite_process(conn: Any, labels: Mapping[str, dict], docs_dir: Path, max_null_rate: float) -> None:
    try:
        outcome: tuple[str, Any] = ("ok", run_label_suite(labels, docs_dir, max_null_rate=max_null_rate))
    except Exception as err:  # noqa: BLE001 - handed to the parent, which raises it
        err.add_note(f"in the label suite's process:\n{traceback.format_exc()}")  # its traceback stays here
        outcome = ("error", err)
    try:
        conn.send(outcome)
    except Exception as err:  # noqa: BLE001 - an exception that does not pickle: its text then
        conn.send(("error", RuntimeError(f"the label suite failed: {outcome[1]!r} ({err})")))
    conn.close()


class _LabelSuiteRun:
    """The label suite, in a process of its own when ``background`` (else here, at once)."""

    def __init__(self, labels: Mapping[str, dict], docs_dir: Path, max_null_rate: float,
                 background: bool) -> None:
        self._result: LabelSuiteResult | None = None
        self._process: Any = None
        if not background or multiprocessing.current_process().daemon:  # a daemon may not start one
            self._result = run_label_suite(labels, docs_dir, max_null_rate=max_null_rate)
            return
        context = multiprocessing.get_context()
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(target=_suite_process, name="qc-label-suite",
                                        args=(send, labels, docs_dir, max_null_rate))
        self._process.start()
        send.close()  # only the child holds the sending end: its exit ends the pipe

    def result(self) -> LabelSuiteResult:
        if self._result is None:
            try:
                status, value = self._receive.recv()
            except EOFError:
                raise RuntimeError(f"the label suite's process ended without a result "
                                   f"(exit code {self._process.exitcode})") from None
            finally:
                self._receive.close()
                self._process.join()
            if status == "error":
                raise value
            self._result = value
        return self._result

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process is not None and self._process.is_alive():  # the page checks raised
            self._process.kill()
            self._process.join()


def qc(src: Path, out: Path, quarantine: Path, reports: Path, params: QcParams, *, workers: int = 0,
       progress: bool = True, executor: ExecutorParams | None = None) -> QcResult:
    """Check every document of ``src``; passing ones go to ``out``, failing ones to ``quarantine``.

    The page checks run on ``executor`` (None or kind local: ``workers`` local processes, 0 one
    per core); with dask, ``src`` must be a path every worker can read. With ``workers`` 1
    everything, the label suite included, runs in this process."""
    for d in (out, quarantine, reports):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
    labels = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted((src / "labels").glob("*.json"))}
    files = document_files(src.resolve())  # each folder listed once, not a glob per document
    images = page_images(files)
    doc_ids = sorted(set(labels) | set(images))
    # src absolute: with dask the workers may run in another folder, or on another machine.
    root, noise = src.resolve(), params.label_noise
    jobs = [(root, d, labels[d], params, sampled(d, noise.sample), images.get(d)) for d in doc_ids if d in labels]
    background = workers != 1  # the label suite in a process of its own, beside the page checks
    with opencv_on_one_thread(), \
            _LabelSuiteRun(labels, reports / "data_docs", params.max_null_rate, background) as run:
        pages = process_map(_page_job, jobs, workers=workers, desc="qc", progress=progress, executor=executor,
                            names=[job[1] for job in jobs])
        suite = run.result()
        # Reasons in the order qc always gave them: a missing label, the suite's, the page's.
        reasons: dict[str, list[str]] = {d: ["missing_label"] if d not in labels else [] for d in doc_ids}
        for doc_id, failed in suite.failures.items():
            reasons.setdefault(doc_id, []).extend(f"label_suite: {name}" for name in failed)
        for page in pages:
            reasons[page.doc_id].extend(page.reasons)
        unread, escalated = _more_readings(pages, set(suite.failures), reasons, (root, labels, params, images),
                                           workers=workers, progress=progress, executor=executor)
    due = sum(p.due for p in pages)
    return _write_outputs(src, out, quarantine, reports, params, doc_ids, files, reasons, suite, {
        "enabled": noise.enabled, "sample": noise.sample, "due": due, "read": due - len(unread),
        "not_read": len(unread), "escalated_to_all": escalated and noise.sample < 1.0})


def _more_readings(pages: list[_PageOutcome], suite_failed: set[str], reasons: dict[str, list[str]],
                   batch: tuple[Path, Mapping[str, dict], QcParams, Mapping[str, Path | None]],
                   **how: Any) -> tuple[set[str], bool]:
    """Read what the sample left out where it matters: a label the suite fails may be another
    page's; once the readings disagree on ``escalate_share`` of the pages read, every page. Adds the
    findings to ``reasons``; returns the pages still unread and whether every page was read."""
    root, labels, params, images = batch
    unread = {p.doc_id for p in pages if p.unread}
    read = sum(p.read for p in pages)
    flagged = sum(any(r.startswith(NOISE) for r in p.reasons) for p in pages)
    escalated = _systematic(flagged, read, params.label_noise.escalate_share)
    todo = unread if escalated else unread & suite_failed
    while todo:
        names = sorted(todo)
        found = process_map(_reading_job, [(root, d, labels[d], params, images.get(d)) for d in names],
                            desc="qc second reading", names=names, **how)
        unread -= todo
        read, flagged = read + len(found), flagged + sum(bool(r) for _, r in found)
        for doc_id, r in found:
            reasons[doc_id].extend(r)
        now = _systematic(flagged, read, params.label_noise.escalate_share)
        todo = unread if now and not escalated else set()
        escalated = escalated or now
    return unread, escalated


def _systematic(flagged: int, read: int, share: float) -> bool:
    """Enough readings disagree to suspect the batch rather than a page (one at least)."""
    return flagged > 0 and flagged >= share * read


def _write_outputs(src: Path, out: Path, quarantine: Path, reports: Path, params: QcParams,
                   doc_ids: list[str], files: Mapping[str, list[Path]], reasons: dict[str, list[str]],
                   suite: LabelSuiteResult, label_noise: dict[str, Any]) -> QcResult:
    by_check: dict[str, int] = {}
    documents = []
    for doc_id in doc_ids:
        if reasons[doc_id]:
            copy_document(src, quarantine / doc_id, doc_id, flat=True, files=files.get(doc_id, []))
            (quarantine / doc_id / "reason.json").write_bytes(
                json_bytes({"doc_id": doc_id, "reasons": reasons[doc_id]}))
            for r in reasons[doc_id]:
                key = r.split(":")[0] if not r.startswith("label_suite") else r
                by_check[key] = by_check.get(key, 0) + 1
        else:
            documents.append({"doc_id": doc_id, "sha256": copy_document(src, out, doc_id, files=files.get(doc_id, []))})
    failed = len(doc_ids) - len(documents)
    fail_rate = failed / len(doc_ids) if doc_ids else 0.0
    summary = {"stage": "qc", "documents": len(doc_ids), "passed": len(documents), "quarantined": failed,
               "fail_rate": round(fail_rate, 4), "max_fail_rate": params.max_fail_rate,
               "by_check": dict(sorted(by_check.items())), "expectations": suite.expectations,
               "label_suite_success": suite.success,
               # Pages that passed their checks and have field boxes are due a second reading; with
               # a sample below 1, "not_read" of them were not read (none once escalated_to_all).
               "label_noise": label_noise}
    (reports / "summary.json").write_bytes(json_bytes(summary))
    manifest_path = out / "manifest.json"
    manifest_path.write_bytes(json_bytes({**summary, "documents": documents}))
    if fail_rate > params.max_fail_rate:
        worst = ", ".join(f"{k} ({v})" for k, v in sorted(by_check.items(), key=lambda kv: -kv[1])[:5])
        raise QcError(f"QC stopped the pipeline: {failed} of {len(doc_ids)} documents failed "
                      f"({fail_rate:.1%} > qc.max_fail_rate {params.max_fail_rate:.1%}); most common: {worst}. "
                      f"See {reports / 'summary.json'} and the Data Docs in {reports / 'data_docs'}.")
    return QcResult(len(doc_ids), len(documents), failed, dict(sorted(by_check.items())), fail_rate,
                    suite.data_docs, manifest_path, label_noise)
