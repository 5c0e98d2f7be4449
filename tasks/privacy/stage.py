"""The ``anonymize`` stage: pseudonymised labels and images, privacy reports, and the leak scan.

Reads the collect stage's layout (images/, labels/, boxes/, meta/) and writes the same layout.
Nothing leaves this stage until the leak scanner has found no original identifier in any
output file; a document whose identifiers cannot all be located on its page is quarantined
rather than passed on half-pseudonymised.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from claimvlm import rrn as rrn_lib
from claimvlm.docstore import SUBDIRS, copy_document, document_files, json_bytes, page_images
from claimvlm.parallel import ExecutorParams, process_map
from claimvlm.privacy import images as image_rewrite
from claimvlm.privacy import leaks
from claimvlm.privacy.detect import evaluate, load_examples
from claimvlm.privacy.labels import LabelResult, pseudonymise_label
from claimvlm.privacy.pages import PageOutcome, redact_page
from claimvlm.privacy.params import AnonymizeParams
from claimvlm.privacy.quasi import QuasiRecord, dp_summary, k_anonymize
from claimvlm.privacy.surrogates import Pseudonymizer, key_from_env
from claimvlm.synthesis import fonts
from claimvlm.synthesis.korean_data import REGIONS

log = logging.getLogger("claimvlm.anonymize")


@dataclass(frozen=True)
class AnonymizeResult:
    documents: int
    anonymized: int
    quarantined: int
    by_reason: dict[str, int]
    pii_by_type: dict[str, int]
    k_achieved: int
    leaks: tuple[leaks.Leak, ...]
    manifest_path: Path
    unlabelled: int = 0  # pages without a label, pseudonymised from their own reading


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _quasi(doc_id: str, label: dict[str, Any]) -> QuasiRecord:
    birth_year = sex = region = None
    if rrn := label.get("patient_rrn"):
        try:
            birth_year = rrn_lib.birth_date(rrn).year
            sex = rrn_lib.GENDER_DIGITS[int(rrn[7])][1]
        except (ValueError, KeyError):
            pass
    if address := label.get("patient_address"):
        first = address.split(" ", 1)[0]
        region = first if first in REGIONS else next((s for s in REGIONS if s.startswith(first[:2])), None)
    total = label.get("total")
    return QuasiRecord(doc_id, label.get("document_type", "?"), birth_year, sex, region,
                       label.get("hospital_name"), total if isinstance(total, int) else None)


def _encode(image: Image.Image, suffix: str) -> bytes:
    buf = io.BytesIO()
    if suffix == ".png":
        image.save(buf, format="PNG", compress_level=1)
    else:
        image.convert("RGB").save(buf, format="JPEG", quality=92, subsampling=0)
    return buf.getvalue()


def _quarantine(quarantine: Path, src: Path, doc_id: str, reason: str, detail: str,
                files: list[Path] | None = None) -> None:
    target = quarantine / doc_id
    copy_document(src, target, doc_id, flat=True, files=files)
    target.mkdir(parents=True, exist_ok=True)
    (target / "reason.json").write_bytes(json_bytes({"doc_id": doc_id, "reason": reason, "detail": detail}))


def _font_for(meta: dict[str, Any], default: Path) -> Path:
    """The font the page's values were printed in, when the metadata names one that is installed."""
    try:
        return fonts.require_hangul(meta["value_font"]) if meta.get("value_font") else default
    except fonts.FontError:
        return default


def _process(doc_id: str, src: Path, out: Path, result: LabelResult, params: AnonymizeParams,
             font_path: Path, image_path: Path | None,
             pairs: tuple[tuple[str, str], ...] = ()) -> tuple[str, str] | None:
    """Write one pseudonymised document; returns (reason, detail) when it must be quarantined.
    ``pairs``: (original, surrogate) of each of its identifiers, for its leak scan."""
    meta = _read_json(src / "meta" / f"{doc_id}.json") or {"doc_id": doc_id}
    font_path = _font_for(meta, font_path)
    boxes = _read_json(src / "boxes" / f"{doc_id}.json")
    files: dict[str, bytes] = {f"labels/{doc_id}.json": json_bytes(result.label)}
    if params.images:
        if image_path is None:
            return "missing_image", "no image for this label"
        page = Image.open(image_path).convert("RGB")
        surrogates = {r.path: r.surrogate for r in result.replacements}
        if boxes is None:
            wanted = [(r.path, r.original) for r in result.replacements]
            located = image_rewrite.locate(page, wanted, lang=params.ocr_lang)
            missing = sorted(set(surrogates) - set(located))
            if missing:
                return "pii_not_located", f"identifiers not found on the page: fields {missing}"
            boxes = {"doc_id": doc_id, "width": page.width, "height": page.height, "source": "ocr_located",
                     "fields": [{"path": p, "text": dict(wanted)[p], "bbox": list(b)} for p, b in located.items()],
                     "words": []}
        steps = (meta.get("degradation") or {}).get("steps") or []
        printed = image_rewrite.rewrite_page(page, boxes["fields"], surrogates, font_path,
                                             soften=0.6 if steps else 0.0, binarize="binarize" in steps)
        unprinted = sorted(set(surrogates) - set(printed))
        if unprinted:
            return "pii_not_located", f"no box for fields {unprinted}"
        boxes["fields"] = [{**f, "text": printed[f["path"]].text, "bbox": printed[f["path"]].bbox}
                           if f["path"] in printed else f for f in boxes["fields"]]
        boxes["words"] = [w for w in boxes["words"] if w.get("path") not in printed] + [
            w for p in printed.values() for w in p.words]
        image_name = f"images/{doc_id}{image_path.suffix.lower()}"
        files[image_name] = _encode(page, image_path.suffix.lower())
        files[f"boxes/{doc_id}.json"] = json_bytes(boxes)
        meta = {**meta, "image": image_name}
    meta = {k: v for k, v in meta.items() if k != "sha256"}
    meta["pseudonymised"] = True
    meta["sha256"] = {k: hashlib.sha256(v).hexdigest() for k, v in files.items()}
    files[f"meta/{doc_id}.json"] = json_bytes(meta)
    for rel, data in files.items():
        (out / rel).write_bytes(data)
    own = leaks.scan((out / rel for rel in files), result.identifiers, root=out, surrogates=pairs)
    if own:  # an identifier the detector missed in free text: the document goes, the batch goes on
        for rel in files:
            (out / rel).unlink(missing_ok=True)
        return LEAK, f"original identifiers remain after pseudonymisation: {sorted({(x.file, x.kind) for x in own})}"
    return None


def _process_job(args: tuple[str, Path, Path, LabelResult, AnonymizeParams, Path, Path | None,
                             tuple[tuple[str, str], ...]]) -> tuple[str, str] | None:
    """``_process`` with one picklable argument, for process_map."""
    return _process(*args)


UNLABELLED = "unlabelled"  # out/unlabelled/{images,meta}: pseudonymised pages waiting for a label
LEAK = "pii_leak"  # the quarantine reason of a document whose outputs still hold an original identifier


def _process_unlabelled(args: tuple[str, Path, Path, Pseudonymizer, Path]) -> tuple[PageOutcome, list[tuple[str, str]]]:
    """One page without a label (``image_path``), pseudonymised from its own reading
    (claimvlm.privacy.pages); written under out/unlabelled/ only when released."""
    doc_id, image_path, out, pz, font_path = args
    page, outcome, originals = redact_page(Image.open(image_path), pz, font_path)
    if outcome.released:
        image_name = f"images/{doc_id}{image_path.suffix.lower()}"
        data = _encode(page, image_path.suffix.lower())
        meta = {"doc_id": doc_id, "image": image_name, "pseudonymised": True, "labelled": False,
                "replaced": outcome.replaced, "sha256": {image_name: hashlib.sha256(data).hexdigest()}}
        (out / UNLABELLED / image_name).write_bytes(data)
        (out / UNLABELLED / "meta" / f"{doc_id}.json").write_bytes(json_bytes(meta))
    return outcome, originals


def _reset(*dirs: Path) -> None:
    for d in dirs:
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)


def anonymize(src: Path, out: Path, quarantine: Path, reports: Path, params: AnonymizeParams, *,
              eval_set: Path | None = None, progress: bool = True, workers: int = 0,
              executor: ExecutorParams | None = None) -> AnonymizeResult:
    """Pseudonymise every labelled document of ``src`` into ``out``; reports go to ``reports``.

    Pages are rewritten on ``executor`` (None or kind local: ``workers`` local processes, 0 one per
    core); with dask, ``src`` and ``out`` must be paths every worker can reach."""
    key = key_from_env(params.key_env)
    font_path = fonts.require_hangul(params.font)
    _reset(out, quarantine, reports)
    for sub in SUBDIRS:
        (out / sub).mkdir()
    handler = logging.FileHandler(reports / "anonymize.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    log.addHandler(handler)
    try:
        return _run(src, out, quarantine, reports, params, key, font_path, eval_set, progress, workers, executor)
    finally:
        log.removeHandler(handler)
        handler.close()


def _run(src: Path, out: Path, quarantine: Path, reports: Path, params: AnonymizeParams, key: bytes,
         font_path: Path, eval_set: Path | None, progress: bool, workers: int,
         executor: ExecutorParams | None) -> AnonymizeResult:
    files = document_files(src)
    images = page_images(files)
    image_ids = set(images)
    label_paths = sorted((src / "labels").glob("*.json"))
    doc_ids = sorted(image_ids | {p.stem for p in label_paths})
    labels = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in label_paths}

    # Surrogates never coincide with another real identifier of the batch (a fake name that
    # is some other patient's real name would look like a leak, and would be one).
    pz = Pseudonymizer(key)
    originals = {doc_id: pseudonymise_label(label, pz).identifiers for doc_id, label in labels.items()}
    pz = Pseudonymizer(key, avoid={v for ids in originals.values() for _, v in ids})

    # Once `avoid` is fixed, a surrogate depends only on the key and the value (an HMAC), so the
    # labels are pseudonymised here and each page is rewritten independently (_process reads only
    # its own document and writes only its own files): that part runs on the executor. Everything
    # shared across documents (counters, quarantine copies, the quasi-identifier records for
    # k-anonymity, the identifiers for the batch leak scan, the log) stays in this loop, in doc_id
    # order, so outputs and reports are the same on any executor.
    pseudonymised = {doc_id: pseudonymise_label(label, pz) for doc_id, label in sorted(labels.items())}
    labelled = [doc_id for doc_id in doc_ids if doc_id in labels]
    # Paths absolute: with dask the workers may run in another folder, or on another machine.
    jobs = [(doc_id, src.resolve(), out.resolve(), pseudonymised[doc_id], params, font_path,
             images[doc_id].resolve() if images.get(doc_id) else None,
             tuple((v, pz(kind, v)) for kind, v in pseudonymised[doc_id].identifiers)) for doc_id in labelled]
    problems = dict(zip(labelled, process_map(_process_job, jobs, workers=workers, desc="anonymize",
                                              progress=progress, executor=executor, names=labelled), strict=True))
    raw = [d for d in doc_ids if d not in labels and d in image_ids] \
        if params.unlabelled == "pseudonymise" and params.images else []
    for sub in ("images", "meta") if raw else ():
        (out / UNLABELLED / sub).mkdir(parents=True, exist_ok=True)
    unlabelled = dict(zip(raw, process_map(_process_unlabelled, [(d, images[d].resolve(), out.resolve(), pz, font_path)
                                                                  for d in raw], workers=workers,
                                           desc="anonymize unlabelled", progress=progress, executor=executor,
                                           names=raw), strict=True))

    by_reason: dict[str, int] = {}
    pii_by_type: dict[str, int] = {}
    kept: list[QuasiRecord] = []
    released_raw = 0
    all_identifiers: list[tuple[str, str]] = []
    for doc_id in doc_ids:
        if doc_id in unlabelled:
            outcome, originals = unlabelled[doc_id]
            all_identifiers.extend(originals)
            problem: tuple[str, str] | None = None if outcome.released else (str(outcome.reason), outcome.detail)
            if outcome.released:
                released_raw += 1
                for kind, n in outcome.replaced.items():
                    pii_by_type[kind] = pii_by_type.get(kind, 0) + n
                log.info("pseudonymised unlabelled page %s (%d identifiers)", doc_id, sum(outcome.replaced.values()))
                continue
        elif doc_id not in labels:
            problem = ("unlabelled", "no label, and unlabelled pages are set to quarantine (anonymize.unlabelled)"
                       if params.unlabelled == "quarantine" else "no label and no image")
        else:
            result = pseudonymised[doc_id]
            all_identifiers.extend(result.identifiers)
            problem = problems[doc_id]
        if problem:
            by_reason[problem[0]] = by_reason.get(problem[0], 0) + 1
            _quarantine(quarantine, src, doc_id, *problem, files=files.get(doc_id, []))
            log.info("quarantined %s: %s", doc_id, problem[0])
            continue
        for kind, _ in result.identifiers:
            pii_by_type[kind] = pii_by_type.get(kind, 0) + 1
        kept.append(_quasi(doc_id, labels[doc_id]))
        log.info("pseudonymised %s (%d identifiers)", doc_id, len(result.identifiers))

    # The batch scan of the documents' outputs: a name the detector missed in one document's free
    # text that is another document's real name. Such documents go to quarantine like any other
    # failure; only a leak no document owns (a report) stops the stage, below.
    public = {v for r in kept for v in leaks.kept_values(labels[r.doc_id])}
    documents_out = sorted(p for p in out.rglob("*") if p.is_file())
    leaked = _owners(leaks.scan_batch(documents_out, all_identifiers, public=public), out)
    for doc_id, kinds in leaked.items():
        for path in (p for p in documents_out if p.stem == doc_id):
            path.unlink()
        by_reason[LEAK] = by_reason.get(LEAK, 0) + 1
        detail = f"another document's original identifiers in its outputs after pseudonymisation: {sorted(kinds)}"
        _quarantine(quarantine, src, doc_id, LEAK, detail, files=files.get(doc_id, []))
        log.info("quarantined %s: %s", doc_id, LEAK)
        if doc_id in unlabelled:
            released_raw -= 1
            replaced = unlabelled[doc_id][0].replaced
        else:
            kept = [r for r in kept if r.doc_id != doc_id]
            replaced = {}
            for kind, _ in pseudonymised[doc_id].identifiers:
                replaced[kind] = replaced.get(kind, 0) + 1
        for kind, n in replaced.items():  # counts of what was released only
            pii_by_type[kind] -= n
    quarantined = sum(by_reason.values())
    assert len(kept) + released_raw + quarantined == len(doc_ids), "every document is pseudonymised or quarantined"
    report = k_anonymize(kept, k=params.k, max_suppression=params.max_suppression)
    (reports / "k_anonymity.json").write_bytes(json_bytes(report.to_json()))
    _write_released(reports / "k_anonymity_released.csv", report.released)
    seed = int.from_bytes(hmac.new(key, b"dp-summary", hashlib.sha256).digest()[:4], "big")
    (reports / "dp_summary.json").write_bytes(json_bytes(dp_summary(kept, params.dp_epsilon, seed)))
    (reports / "pii_counts.json").write_bytes(json_bytes(dict(sorted(pii_by_type.items()))))
    if eval_set is not None:
        (reports / "detector_eval.json").write_bytes(json_bytes(evaluate(load_examples(eval_set))))
    key_id = hmac.new(key, b"key-id", hashlib.sha256).hexdigest()[:12]
    manifest = {
        "stage": "anonymize", "key_id": key_id,
        "counts": {"documents": len(doc_ids), "anonymized": len(kept), "quarantined": quarantined,
                   "by_reason": dict(sorted(by_reason.items())),
                   **({"unlabelled_pseudonymised": released_raw} if released_raw else {})},
        "documents": sorted(r.doc_id for r in kept),
    }
    manifest_path = out / "manifest.json"
    manifest_path.write_bytes(json_bytes(manifest))

    # The files no document owns: the manifest and the reports. Hospitals' names, addresses and phones
    # pass unchanged: an identifier that equals one of them is public text, checked only in its own
    # document's files (in _process).
    scanned = [manifest_path, *sorted(p for p in reports.rglob("*") if p.is_file())]
    public = {v for r in kept for v in leaks.kept_values(labels[r.doc_id])}
    found = leaks.scan_batch(scanned, all_identifiers, public=public)
    (reports / "leak_scan.json").write_bytes(json_bytes({
        "files_scanned": len(documents_out) + len(scanned), "identifiers": len(set(all_identifiers)),
        "documents_quarantined": sorted(leaked), "leaks": [{"file": x.file, "kind": x.kind} for x in found]}))
    if found:
        raise leaks.LeakError(f"original identifiers remain in {len(found)} file(s): "
                              f"{[(x.file, x.kind) for x in found[:10]]}; see {reports / 'leak_scan.json'}")
    return AnonymizeResult(len(doc_ids), len(kept), quarantined, dict(sorted(by_reason.items())),
                           dict(sorted(pii_by_type.items())), report.k_achieved, tuple(found), manifest_path,
                           released_raw)


def _owners(found: list[leaks.Leak], out: Path) -> dict[str, set[str]]:
    """The documents whose output files hold the leaks (out/<sub>/<doc_id>.<ext>, unlabelled pages
    included), with the kinds found; a leak in any other file belongs to no document."""
    owners: dict[str, set[str]] = {}
    for leak in found:
        path = Path(leak.file)
        parts = (path if path.is_absolute() else out / path).relative_to(out).parts
        if len(parts) == 2 and parts[0] in SUBDIRS or len(parts) == 3 and parts[0] == UNLABELLED:
            owners.setdefault(path.stem, set()).add(leak.kind)
    return owners


def _write_released(path: Path, rows: tuple[dict[str, str], ...]) -> None:
    import csv

    with path.open("w", newline="", encoding="utf-8") as fh:
        if rows:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
