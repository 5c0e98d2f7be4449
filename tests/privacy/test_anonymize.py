"""The anonymize stage on real generated documents: labels, images, free text, reports, leaks."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image

from claimvlm.config import Params
from claimvlm.ocr import comparable, read_boxes
from claimvlm.privacy import leaks
from claimvlm.privacy.params import AnonymizeParams
from claimvlm.privacy.stage import anonymize
from claimvlm.privacy.surrogates import MissingKeyError, Pseudonymizer
from claimvlm.schema import PII_FIELDS, parse_label
from claimvlm.synthesis import generate

KEY = "test-key-0123456789abcdef"
ENV = "CLAIMVLM_TEST_KEY"


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated documents, with one patient appearing on two documents."""
    src = tmp_path_factory.mktemp("src") / "docs"
    synth = Params().synth.model_copy(update={"num_docs": 16, "workers": 1, "seed": 3})
    generate.run(synth, src, progress=False)
    first = sorted((src / "labels").iterdir())[0].stem
    for sub in ("images", "labels", "boxes", "meta"):
        for f in (src / sub).glob(f"{first}.*"):
            shutil.copy(f, src / sub / f.name.replace(first, "twin-000001"))
    return src


def _params(**update: object) -> AnonymizeParams:
    return AnonymizeParams(key_env=ENV).model_copy(update=update)  # k = 5, the default


def _run(src: Path, root: Path, key: str = KEY, **update: object):
    os.environ[ENV] = key
    try:
        return anonymize(src, root / "out", root / "quarantine", root / "reports", _params(**update),
                         progress=False)
    finally:
        del os.environ[ENV]


@pytest.fixture(scope="module")
def done(source: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    root = tmp_path_factory.mktemp("anon")
    return root, _run(source, root)


def _labels(folder: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in sorted((folder / "labels").glob("*.json"))}


def test_counts_add_up_and_labels_stay_valid(done, source: Path) -> None:
    root, result = done
    assert result.anonymized + result.quarantined == result.documents == 17
    assert result.quarantined == 0, result.by_reason
    for ident, label in _labels(root / "out").items():
        parse_label(label)  # surrogates keep every format the schema demands


def test_identifiers_change_and_training_values_survive(done, source: Path) -> None:
    root, _ = done
    before, after = _labels(source), _labels(root / "out")
    for ident, old in before.items():
        new = after[ident]
        for field, value in old.items():
            if field in PII_FIELDS:
                assert new[field] != value, (ident, field)
            elif field != "opinion":
                assert new[field] == value, (ident, field)  # codes, amounts, dates, hospitals, items
        if "보호자" in old.get("opinion", ""):  # the opinions that name a guardian and a phone number
            assert new["opinion"] != old["opinion"], "the guardian's name and phone in the opinion"
            assert new["opinion"].split(" ")[0] == old["opinion"].split(" ")[0]


def test_surrogates_consistent_across_documents_and_keyed(done, source: Path, tmp_path: Path) -> None:
    root, _ = done
    after = _labels(root / "out")
    first = sorted(_labels(source))[0]
    for field in PII_FIELDS:
        if field in after[first]:
            assert after[first][field] == after["twin-000001"][field]
    other = _run(source, tmp_path, key="another-key-0123456789")
    assert other.anonymized == 17
    again = _labels(tmp_path / "out")
    assert all(again[first][f] != after[first][f] for f in ("patient_name", "chart_no") if f in again[first])


def test_rewritten_images_say_what_the_labels_say(done) -> None:
    root, _ = done
    hits, total, stale = 0, 0, 0
    for meta_path in sorted((root / "out" / "meta").glob("*.json")):
        meta = json.loads(meta_path.read_text())
        if meta["degradation"]["profile"] != "clean":
            continue
        label = json.loads((root / "out" / "labels" / meta_path.name).read_text())
        boxes = json.loads((root / "out" / "boxes" / meta_path.name).read_text())
        fields = [f for f in boxes["fields"] if f["path"] in PII_FIELDS]
        readings = read_boxes(Image.open(root / "out" / meta["image"]), [f["bbox"] for f in fields])
        for f, text in zip(fields, readings, strict=True):
            want, got = comparable(label[f["path"]], text)
            hits += want == got
            total += 1
            stale += f["text"] != label[f["path"]]
    assert total >= 10 and stale == 0
    assert hits / total >= 0.85, (hits, total)


def test_pages_without_boxes_are_located_by_ocr_or_quarantined(source: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(source, src)
    clean = [json.loads(p.read_text()) for p in sorted((src / "meta").glob("*.json"))]
    clean = [m["doc_id"] for m in clean if m["degradation"]["profile"] == "clean"][:2]
    for ident in clean:
        (src / "boxes" / f"{ident}.json").unlink()
    # The second one's label names a patient who is not on the page: it must not pass.
    wrong = json.loads((src / "labels" / f"{clean[1]}.json").read_text())
    wrong["patient_name"] = "황보다은"
    (src / "labels" / f"{clean[1]}.json").write_text(json.dumps(wrong, ensure_ascii=False))
    result = _run(src, tmp_path / "run")
    assert result.by_reason == {"pii_not_located": 1}
    reason = json.loads((tmp_path / "run" / "quarantine" / clean[1] / "reason.json").read_text())
    assert "patient_name" in reason["detail"] and "황보다은" not in json.dumps(reason, ensure_ascii=False)
    boxes = json.loads((tmp_path / "run" / "out" / "boxes" / f"{clean[0]}.json").read_text())
    assert boxes["source"] == "ocr_located"
    label = json.loads((tmp_path / "run" / "out" / "labels" / f"{clean[0]}.json").read_text())
    name_box = next(f for f in boxes["fields"] if f["path"] == "patient_name")
    text = read_boxes(Image.open(next((tmp_path / "run" / "out" / "images").glob(f"{clean[0]}.*"))),
                      [name_box["bbox"]])[0]
    assert comparable(label["patient_name"], text)[0] == comparable(label["patient_name"], text)[1]


def test_leak_scanner_fails_on_a_planted_leak(done, source: Path, tmp_path: Path) -> None:
    root, _ = done
    ident = sorted(_labels(source))[0]
    original = _labels(source)[ident]
    files = sorted(p for p in (root / "out").rglob("*.json"))
    identifiers = [(PII_FIELDS[f], original[f]) for f in PII_FIELDS if f in original]
    assert leaks.scan(files, identifiers) == []
    planted = tmp_path / "boxes.json"
    planted.write_text(json.dumps({"words": [{"text": original["chart_no"][:4] + "-" + original["chart_no"][4:]}]}))
    assert [leak.kind for leak in leaks.scan([planted], identifiers)] == ["chart_no"]
    assert [leak.kind for leak in leaks.scan_batch([*files, planted], identifiers)] == ["chart_no"]


def test_a_document_that_still_leaks_is_quarantined_and_the_batch_goes_on(source: Path, tmp_path: Path) -> None:
    """Names the detector cannot see: the patient's own copied into the hospital's name (the
    per-document scan), and a patient called 한겨레 while another document's opinion speaks of the
    newspaper (the batch scan: the word is that patient's real name). Both documents go to
    quarantine with the reason, the other 15 are released, and no output holds the names."""
    src = tmp_path / "src"
    shutil.copytree(source, src)
    labels = _labels(src)
    ids = sorted(d for d in labels if not d.startswith("twin"))
    own, victim = ids[1], ids[2]
    other = next(d for d in ids[3:] if "opinion" in labels[d])
    edits = {own: {"hospital_name": f"{labels[own]['patient_name']}내과의원"}, victim: {"patient_name": "한겨레"},
             other: {"opinion": "한겨레 신문 구독 중이라 함. 수술 후 주의사항 설명함."}}
    for ident, edit in edits.items():
        labels[ident] = {**labels[ident], **edit}
        (src / "labels" / f"{ident}.json").write_text(json.dumps(labels[ident], ensure_ascii=False))
    result = _run(src, tmp_path / "run")
    assert result.by_reason == {"pii_leak": 2} and result.anonymized == 15 and result.documents == 17
    for ident in (own, other):
        reason = json.loads((tmp_path / "run" / "quarantine" / ident / "reason.json").read_text())
        assert reason["reason"] == "pii_leak" and labels[victim]["patient_name"] not in json.dumps(reason)
        assert not list((tmp_path / "run" / "out").rglob(f"{ident}.*"))
    manifest = json.loads((tmp_path / "run" / "out" / "manifest.json").read_text())
    assert own not in manifest["documents"] and other not in manifest["documents"]
    outputs = [p for p in (tmp_path / "run").glob("[or]*/**/*") if p.is_file()]  # out/ and reports/
    names = [(kind, v) for kind, v in ((PII_FIELDS["patient_name"], labels[d]["patient_name"]) for d in (own, victim))]
    assert leaks.scan_batch(outputs, names) == []
    scan = json.loads((tmp_path / "run" / "reports" / "leak_scan.json").read_text())
    assert scan["leaks"] == [] and scan["documents_quarantined"] == [other]  # own: by its own scan


def test_released_table_is_k_anonymous(done) -> None:
    root, _ = done
    rows = list(csv.DictReader((root / "reports" / "k_anonymity_released.csv").open(encoding="utf-8")))
    report = json.loads((root / "reports" / "k_anonymity.json").read_text())
    assert rows, report
    classes = Counter(tuple(v for k, v in row.items() if k != "doc_id") for row in rows)
    assert min(classes.values()) >= 5 == report["k_required"]
    assert len(rows) + report["suppressed"] == 17
    assert json.loads((root / "reports" / "leak_scan.json").read_text())["leaks"] == []
    counts = json.loads((root / "reports" / "pii_counts.json").read_text())
    assert counts["name"] >= 17 and counts["phone"] >= 1


def test_missing_key_is_a_clear_error(source: Path, tmp_path: Path) -> None:
    os.environ.pop(ENV, None)
    with pytest.raises(MissingKeyError, match=ENV):
        anonymize(source, tmp_path / "o", tmp_path / "q", tmp_path / "r", _params(), progress=False)


@pytest.mark.parametrize("value", ["change-me-pseudonym-key", "CHANGEME-0123456789abcdef", "a" * 40,
                                   "abababababababababab12"])
def test_a_placeholder_or_non_random_key_is_refused(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from claimvlm.privacy.surrogates import key_from_env

    monkeypatch.setenv(ENV, value)  # .env.example's value, and keys no one drew at random
    with pytest.raises(MissingKeyError, match="placeholder or a non-random"):
        key_from_env(ENV)
    monkeypatch.setenv(ENV, "9f86d081884c7d659a2feaa0c55ad015")  # `openssl rand -hex 16`-like
    assert key_from_env(ENV)


def test_redact_text_cli() -> None:
    lines = [{"text": "보호자 김영희(010-1234-5678) 주민번호 900101-1234568, 진단 J18.9"}, {"nope": 1},
             {"text": "보호자 김영희 연락 바람"}]
    exe = Path(sys.executable).with_name("claimvlm")
    env = {**os.environ, "CLAIMVLM_PSEUDONYM_KEY": KEY}
    res = subprocess.run([str(exe), "redact-text"], input="\n".join(json.dumps(x, ensure_ascii=False) for x in lines),
                         capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 0, res.stderr
    out = [json.loads(x) for x in res.stdout.splitlines()]
    assert len(out) == 3 and "error" in out[1]
    assert {f["type"] for f in out[0]["found"]} >= {"name", "phone", "rrn"}
    assert "김영희" not in out[0]["text"] and "1234-5678" not in out[0]["text"] and "J18.9" in out[0]["text"]
    fake_name = Pseudonymizer(KEY.encode()).name("김영희")
    assert fake_name in out[0]["text"] and fake_name in out[2]["text"]


def test_no_real_address_inside_a_surrogate_address() -> None:
    """Surrogate addresses come from the same tables as real ones, so a real "…로 12" can sit inside
    a surrogate "…로 124": the leak scanner (substring matching) then fails the whole batch."""
    import random

    from claimvlm.synthesis.values import address

    r = random.Random(5)
    real = [address(r) for _ in range(3000)]
    compact = {a.replace(" ", "") for a in real}
    for key in (b"k" * 16, b"another-key-0123", b"a-third-key-4567"):
        pz = Pseudonymizer(key, avoid=set(real))
        for value in real[:300]:
            fake = pz.address(value).replace(" ", "")
            assert not any(fake[i:j] in compact for i in range(len(fake)) for j in range(i + 3, len(fake) + 1))
