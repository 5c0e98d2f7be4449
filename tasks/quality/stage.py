"""The ``qc`` stage: nothing broken reaches training.

Three independent looks at every document: the great-expectations suite over the label
table (schema, value sets, every amount and date invariant), checks of the page image
(size and DPI, blank, blur, skew), and a second reading of chosen fields with Tesseract that
must not disagree strongly with the label. A failing document goes to quarantine with all
its reasons; a batch failing more than ``qc.max_fail_rate`` stops the pipeline.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from claimvlm.docstore import copy_document, json_bytes
from claimvlm.errors import ClaimvlmError
from claimvlm.parallel import ExecutorParams, process_map
from claimvlm.quality.image_checks import build_image_checks, check_page
from claimvlm.quality.label_noise import disagreements, is_noisy
from claimvlm.quality.label_suite import run_label_suite
from claimvlm.quality.params import QcParams


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


def _page_reasons(args: tuple[Path, str, dict, QcParams]) -> tuple[str, list[str]]:
    """Image checks and the second reading for one document (runs in a worker process)."""
    src, doc_id, label, params = args
    image_path = next(iter(sorted((src / "images").glob(f"{doc_id}.*"))), None)
    if image_path is None:
        return doc_id, ["missing_image"]
    meta_path = src / "meta" / f"{doc_id}.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    with Image.open(image_path) as img:
        page = img.convert("RGB")
        dpi = meta.get("dpi") or (img.info.get("dpi") or (None,))[0]
    reasons = check_page(page, dpi, build_image_checks(params.images))
    boxes_path = src / "boxes" / f"{doc_id}.json"
    if params.label_noise.enabled and boxes_path.exists() and not reasons:
        boxes = json.loads(boxes_path.read_text(encoding="utf-8"))
        readings = disagreements(page, boxes, label, params.label_noise)
        if is_noisy(readings, params.label_noise):
            # Field paths only: the readings themselves are personal data.
            flagged = sorted(r.path for r in readings if r.flagged)
            reasons.append(f"label_disagrees_with_image: {flagged}")
    return doc_id, reasons


def qc(src: Path, out: Path, quarantine: Path, reports: Path, params: QcParams, *, workers: int = 0,
       progress: bool = True, executor: ExecutorParams | None = None) -> QcResult:
    """Check every document of ``src``; passing ones go to ``out``, failing ones to ``quarantine``.

    The page checks run on ``executor`` (None or kind local: ``workers`` local processes, 0 one
    per core); with dask, ``src`` must be a path every worker can read."""
    for d in (out, quarantine, reports):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
    labels = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted((src / "labels").glob("*.json"))}
    image_ids = {p.stem for p in (src / "images").glob("*")} if (src / "images").is_dir() else set()
    doc_ids = sorted(set(labels) | image_ids)

    reasons: dict[str, list[str]] = {d: [] for d in doc_ids}
    for doc_id in sorted(image_ids - set(labels)):
        reasons[doc_id].append("missing_label")
    suite = run_label_suite(labels, reports / "data_docs", max_null_rate=params.max_null_rate)
    for doc_id, failed in suite.failures.items():
        reasons.setdefault(doc_id, []).extend(f"label_suite: {name}" for name in failed)

    # src absolute: with dask the workers may run in another folder, or on another machine.
    jobs = [(src.resolve(), d, labels[d], params) for d in doc_ids if d in labels]
    for doc_id, found in process_map(_page_reasons, jobs, workers=workers, desc="qc", progress=progress,
                                     executor=executor, names=[job[1] for job in jobs]):
        reasons[doc_id].extend(found)

    by_check: dict[str, int] = {}
    documents = []
    for doc_id in doc_ids:
        if reasons[doc_id]:
            copy_document(src, quarantine / doc_id, doc_id, flat=True)
            (quarantine / doc_id / "reason.json").write_bytes(
                json_bytes({"doc_id": doc_id, "reasons": reasons[doc_id]}))
            for r in reasons[doc_id]:
                key = r.split(":")[0] if not r.startswith("label_suite") else r
                by_check[key] = by_check.get(key, 0) + 1
        else:
            documents.append({"doc_id": doc_id, "sha256": copy_document(src, out, doc_id)})
    failed = len(doc_ids) - len(documents)
    fail_rate = failed / len(doc_ids) if doc_ids else 0.0
    summary = {"stage": "qc", "documents": len(doc_ids), "passed": len(documents), "quarantined": failed,
               "fail_rate": round(fail_rate, 4), "max_fail_rate": params.max_fail_rate,
               "by_check": dict(sorted(by_check.items())), "expectations": suite.expectations,
               "label_suite_success": suite.success}
    (reports / "summary.json").write_bytes(json_bytes(summary))
    manifest_path = out / "manifest.json"
    manifest_path.write_bytes(json_bytes({**summary, "documents": documents}))
    if fail_rate > params.max_fail_rate:
        worst = ", ".join(f"{k} ({v})" for k, v in sorted(by_check.items(), key=lambda kv: -kv[1])[:5])
        raise QcError(f"QC stopped the pipeline: {failed} of {len(doc_ids)} documents failed "
                      f"({fail_rate:.1%} > qc.max_fail_rate {params.max_fail_rate:.1%}); most common: {worst}. "
                      f"See {reports / 'summary.json'} and the Data Docs in {reports / 'data_docs'}.")
    return QcResult(len(doc_ids), len(documents), failed, dict(sorted(by_check.items())), fail_rate,
                    suite.data_docs, manifest_path)
