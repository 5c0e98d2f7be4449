"""qc's verdicts on the default data are frozen: a faster qc must pass and quarantine the same
documents for the same reasons.

The batch is made the way dvc.yaml makes it (synth -> collect -> anonymize, default params, the
first 60 documents of the default 200). ``tests/data/qc_verdicts.json`` holds, per document, only
the verdict and the reason codes (no values: the labels are fake, but ids and codes are all a
comparison needs). It was written by this module's ``main`` with qc as it stood before the
speed-up (a label suite of row-conditioned expectations, a second reading of every page), which
passed all 60 documents of the default data, and on a copy with one planted failure of each kind
quarantined exactly the planted ones. The default data is checked with the default params (the
second reading sampled); the planted copy with every page read, the policy the fixture was made
with, since a sample may by design miss a single swapped label.

    python -m tests.quality.test_qc_verdicts   # rewrite the fixture after a deliberate change
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from PIL import Image

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "qc_verdicts.json"
N_DOCS = 60
KEY_ENV = "CLAIMVLM_QC_VERDICTS_KEY"
# A fixed pseudonymisation key, so that the surrogates (and so the pages) are the same every run.
KEY = hashlib.sha256(b"claimvlm qc verdicts fixture").hexdigest()

pytestmark = [pytest.mark.slow, pytest.mark.system]  # Tesseract; about a minute on 2 cores


def default_batch(root: Path) -> Path:
    """The default data, N_DOCS of it, through synth, collect and anonymize; the anonymized folder."""
    from claimvlm.collection.stage import collect
    from claimvlm.config import Params
    from claimvlm.privacy.stage import anonymize
    from claimvlm.synthesis import generate

    params = Params()
    generate.run(params.synth.model_copy(update={"num_docs": N_DOCS}), root / "synth", progress=False)
    collect(str(root / "synth"), root / "collected", root / "q_collect", params.collect, progress=False)
    anonymize(root / "collected", root / "anonymized", root / "q_anonymize", root / "r_anonymize",
              params.anonymize.model_copy(update={"key_env": KEY_ENV}), progress=False, workers=2)
    return root / "anonymized"


def _label(src: Path, doc_id: str) -> dict[str, Any]:
    return json.loads((src / "labels" / f"{doc_id}.json").read_text(encoding="utf-8"))


def _image(src: Path, doc_id: str) -> Path:
    return next((src / "images").glob(f"{doc_id}.*"))


def _rewrite(src: Path, doc_id: str, edit: Any) -> None:
    path = _image(src, doc_id)
    gray = np.asarray(Image.open(path).convert("L"))
    Image.fromarray(edit(gray)).save(path)


def _rotate(gray: np.ndarray, degrees: float) -> np.ndarray:
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(gray, m, (w, h), borderValue=255, flags=cv2.INTER_LINEAR)


def planted_batch(src: Path, dest: Path) -> dict[str, str]:
    """A copy of ``src`` with one failure of each kind, each in its own document: doc id -> kind."""
    shutil.copytree(src, dest)
    ids = sorted(p.stem for p in (dest / "labels").glob("*.json"))
    by_type: dict[str, list[str]] = {}
    for doc_id in ids:
        by_type.setdefault(_label(dest, doc_id)["document_type"], []).append(doc_id)
    bill = by_type["itemized_bill"][0]
    label = _label(dest, bill)
    label["total"] += 1000
    (dest / "labels" / f"{bill}.json").write_text(json.dumps(label, ensure_ascii=False), encoding="utf-8")
    donor, victim = by_type["receipt"][:2]  # a label that belongs to another page of its type
    shutil.copyfile(dest / "labels" / f"{donor}.json", dest / "labels" / f"{victim}.json")
    rest = [d for d in ids if d not in {bill, donor, victim}]
    planted = {bill: "label_suite", victim: "label_disagrees_with_image"}
    edits = {"blank_page": lambda g: np.full_like(g, 255),
             "blurred": lambda g: cv2.GaussianBlur(g, (0, 0), 3.0),
             "skewed": lambda g: _rotate(g, 8.0),
             "page_too_small": lambda g: cv2.resize(g, (620, 877), interpolation=cv2.INTER_AREA)}
    for doc_id, (kind, edit) in zip(rest, edits.items(), strict=False):
        _rewrite(dest, doc_id, edit)
        planted[doc_id] = kind
    rest = rest[len(edits):]
    meta = dest / "meta" / f"{rest[0]}.json"
    low_dpi = {**json.loads(meta.read_text(encoding="utf-8")), "dpi": 100}
    meta.write_text(json.dumps(low_dpi), encoding="utf-8")
    planted[rest[0]] = "low_dpi"
    _image(dest, rest[1]).unlink()
    planted[rest[1]] = "missing_image"
    (dest / "labels" / f"{rest[2]}.json").unlink()
    planted[rest[2]] = "missing_label"
    return planted


def verdicts(src: Path, out: Path, quarantine: Path) -> dict[str, dict[str, Any]]:
    """doc id -> {"verdict": "passed" | "quarantined", "reasons": [reason codes]} of one qc run."""
    found: dict[str, dict[str, Any]] = {}
    for entry in json.loads((out / "manifest.json").read_text(encoding="utf-8"))["documents"]:
        found[entry["doc_id"]] = {"verdict": "passed", "reasons": []}
    for folder in sorted(quarantine.iterdir()):
        reasons = json.loads((folder / "reason.json").read_text(encoding="utf-8"))["reasons"]
        # The code only: "label_suite: <check>" keeps the check, the rest drop their measurements.
        codes = [r if r.startswith("label_suite") else r.split(":", 1)[0] for r in reasons]
        found[folder.name] = {"verdict": "quarantined", "reasons": codes}
    expected = {p.stem for sub in ("labels", "images") for p in (src / sub).glob("*")}
    assert set(found) == expected, "every document has one verdict"
    return dict(sorted(found.items()))


def run_qc(src: Path, root: Path, params: Any) -> dict[str, dict[str, Any]]:
    from claimvlm.quality.stage import qc

    qc(src, root / "out", root / "q", root / "reports", params, workers=2, progress=False)
    return verdicts(src, root / "out", root / "q")


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(KEY_ENV, KEY)
        return default_batch(tmp_path_factory.mktemp("verdicts"))


def test_default_data_verdicts_are_unchanged(batch: Path, tmp_path: Path) -> None:
    from claimvlm.config import Params

    frozen = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert run_qc(batch, tmp_path, Params().qc) == frozen["default"]


def every_page(qc_params: Any) -> Any:
    """The qc params of the planted run: a lenient batch limit, and every page read (the policy
    before the ``sample`` param existed, as the fixture was made)."""
    noise = qc_params.label_noise
    if "sample" in type(noise).model_fields:
        noise = noise.model_copy(update={"sample": 1.0})
    return qc_params.model_copy(update={"max_fail_rate": 0.5, "label_noise": noise})


def test_planted_failures_are_found_as_before(batch: Path, tmp_path: Path) -> None:
    from claimvlm.config import Params

    frozen = json.loads(FIXTURE.read_text(encoding="utf-8"))
    planted = planted_batch(batch, tmp_path / "planted")
    assert planted == frozen["planted_kinds"]
    assert run_qc(tmp_path / "planted", tmp_path / "run", every_page(Params().qc)) == frozen["planted"]


def main(root: Path) -> None:
    """Write the fixture with the qc importable now (see the module docstring)."""
    import os

    from claimvlm.config import Params

    os.environ[KEY_ENV] = KEY
    src = default_batch(root)
    default = run_qc(src, root / "default", Params().qc)
    planted = planted_batch(src, root / "planted")
    found = run_qc(root / "planted", root / "planted_run", every_page(Params().qc))
    FIXTURE.write_text(json.dumps({"documents": N_DOCS, "default": default, "planted_kinds": planted,
                                   "planted": found}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tmp))
