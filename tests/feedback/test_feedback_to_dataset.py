"""A reviewer's corrected document reaches the next retrain's dataset, pseudonymised: exported from
the feedback store, collected beside the main source, pseudonymised by the anonymize stage (its
page came without word boxes: the identifiers are found by OCR), built into a split."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from claimvlm.collection.params import CollectParams
from claimvlm.collection.stage import collect
from claimvlm.config import Params
from claimvlm.dataset.stage import build
from claimvlm.feedback.export import export_feedback
from claimvlm.privacy.params import AnonymizeParams
from claimvlm.synthesis import generate
from tests.feedback.conftest import store_at

pytestmark = pytest.mark.system  # Tesseract locates the identifiers on the page
ENV = "CLAIMVLM_TEST_FEEDBACK_KEY"


def test_a_corrected_document_is_collected_pseudonymised_and_built(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    main, reviewed = tmp_path / "claims", tmp_path / "reviewed"
    generate.run(Params().synth.model_copy(update={"num_docs": 16, "workers": 1, "seed": 5}), main, progress=False)
    generate.run(Params().synth.model_copy(update={"num_docs": 1, "workers": 1, "seed": 9,
                                                   "doc_types": {"admission_discharge": 1.0}}), reviewed,
                 progress=False)
    label_path = next((reviewed / "labels").glob("*.json"))
    truth = json.loads(label_path.read_text(encoding="utf-8"))
    page = next((reviewed / "images").glob(f"{label_path.stem}.*"))
    kept = tmp_path / "claim-77.png"  # as the service keeps it: a PNG, no boxes, no metadata
    Image.open(page).convert("RGB").save(kept)

    store = store_at(tmp_path / "store", pages=True)
    wrong = {**truth, "patient_name": "오독된", "days": truth["days"] + 3}
    store.record_answer("claim-77", "4", "champion", wrong, {}, page_png=kept.read_bytes())
    store.record_feedback("claim-77", truth, "rev-1")
    store.record_feedback("claim-77", truth, "rev-2")  # two reviewers agree: the correction counts
    store.record_answer("claim-78", "4", "champion", wrong, {})  # answered, never reviewed: not exported
    exported = export_feedback(store, tmp_path / "feedback", progress=False)
    assert exported.to_json() == {"reviewed": 1, "exported": 1, "without_page": 0}
    again = export_feedback(store, tmp_path / "feedback", progress=False)  # same store, same files
    assert again == exported and sorted(p.name for p in (tmp_path / "feedback" / "labels").iterdir()) == [
        "fb-claim-77.json"]

    got = collect(str(main), tmp_path / "collected", tmp_path / "q-collect", CollectParams(), progress=False,
                  also=[str(tmp_path / "feedback")])
    assert got.listed == got.collected == 17 and got.quarantined == 0, got.by_reason
    assert (tmp_path / "collected" / "labels" / "fb-claim-77.json").is_file()

    monkeypatch.setenv(ENV, "feedback-test-key-0123456789")
    from claimvlm.privacy.stage import anonymize

    done = anonymize(tmp_path / "collected", tmp_path / "anonymized", tmp_path / "q-anon", tmp_path / "r-anon",
                     AnonymizeParams(key_env=ENV), progress=False, workers=1)
    assert done.anonymized + done.quarantined == 17
    pseudonymised = json.loads((tmp_path / "anonymized" / "labels" / "fb-claim-77.json").read_text(encoding="utf-8"))
    assert pseudonymised["patient_name"] != truth["patient_name"] and pseudonymised["days"] == truth["days"]
    assert pseudonymised["patient_rrn"] != truth["patient_rrn"]
    before = np.asarray(Image.open(kept).convert("L"), dtype=np.int16)
    after_path = next((tmp_path / "anonymized" / "images").glob("fb-claim-77.*"))
    after = np.asarray(Image.open(after_path).convert("L"), dtype=np.int16)
    assert after.shape == before.shape and (np.abs(after - before) > 40).mean() > 0.001  # names reprinted

    shutil.copy(tmp_path / "r-anon" / "leak_scan.json", tmp_path / "leaks.json")
    assert json.loads((tmp_path / "leaks.json").read_text())["leaks"] == []
    built = build(tmp_path / "anonymized", tmp_path / "dataset", Params().build, progress=False)
    records = [json.loads(line) for split in ("train", "val", "test")
               for line in (tmp_path / "dataset" / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()]
    assert any(r.get("id") == "fb-claim-77" or r.get("doc_id") == "fb-claim-77" for r in records), built
    assert not any(truth["patient_name"] in json.dumps(r, ensure_ascii=False) for r in records)
    assert os.environ.get(ENV)  # the key was there all along (monkeypatch removes it afterwards)
