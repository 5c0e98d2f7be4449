"""Reviewed documents back into training: the feedback store's pages and corrected answers, in the
layout the collect stage reads (``images/ID.png``, ``labels/ID.json``), ids ``fb-<request id>``.

They enter the pipeline like any scanned claim: ``claimvlm collect … --also data/feedback``
checks them (a correction that breaks the schema is quarantined, with its reason), the anonymize
stage pseudonymises labels and pages (the pages come without word boxes, so the identifiers are
located by OCR), and build places them in splits. The folder is rewritten whole from the store on
each export, so it mirrors the store: same store, same bytes (and DVC sees no change).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from claimvlm.feedback.store import FeedbackStore, Policy

MANIFEST = "manifest.json"  # a source root's manifest is not a document (claimvlm.collection.layout)


@dataclass(frozen=True)
class FeedbackExport:
    reviewed: int
    exported: int
    without_page: int  # reviewed answers whose page was not kept (feedback.keep_pages off, or deleted)

    def to_json(self) -> dict[str, int]:
        return {"reviewed": self.reviewed, "exported": self.exported, "without_page": self.without_page}


def export_feedback(store: FeedbackStore, out: Path, *, accept: Policy = "senior_or_agreement",
                    progress: bool = True) -> FeedbackExport:
    """Write every reviewed document with a kept page to ``out`` (replacing what was there): the
    correction that counts under ``accept``, the page unsealed (the anonymize stage pseudonymises
    both before anything trains on them)."""
    out = Path(out)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "images").mkdir(parents=True)
    (tmp / "labels").mkdir()
    reviewed = exported = 0
    for row in tqdm(list(store.reviewed(accept)), desc="feedback", unit="doc", disable=not progress):
        reviewed += 1
        page = store.page(row)
        if page is None:
            continue
        doc_id = f"fb-{row.request_id}"
        (tmp / "images" / f"{doc_id}.png").write_bytes(page)
        (tmp / "labels" / f"{doc_id}.json").write_text(
            json.dumps(row.corrected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        exported += 1
    result = FeedbackExport(reviewed, exported, reviewed - exported)
    (tmp / MANIFEST).write_text(json.dumps(result.to_json(), indent=1) + "\n", encoding="utf-8")
    for name in ("images", "labels", MANIFEST):  # only what this export owns: out/ may hold a README
        target = out / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    out.mkdir(parents=True, exist_ok=True)
    for name in ("images", "labels", MANIFEST):
        os.replace(tmp / name, out / name)
    shutil.rmtree(tmp, ignore_errors=True)
    return result
