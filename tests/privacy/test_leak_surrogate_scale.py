"""The leak scanner and the surrogates at the size of a night's batch (5,000-20,000 documents).

A 5,000-document synthetic batch was refused for 16 files that held no leak: a real address was
the beginning of a longer one ("…로 12" inside another document's "…로 123"), a real chart number
was the last eight digits of another document's surrogate RRN, and a real address was a hospital's
("…로 123" inside "…로 123, 4층"). Reruns with other keys then stopped on a licence number inside
a file's sha256 and on a surgeon's two-syllable name opening the patient's surrogate. The scanner
must tell those from a leak, still catch every spacing of a real value, and no surrogate may be, or
hold, a real value of the batch.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
from pathlib import Path

import pytest

from claimvlm.config import Params
from claimvlm.privacy import leaks
from claimvlm.privacy.params import AnonymizeParams
from claimvlm.privacy.stage import anonymize
from claimvlm.privacy.surrogates import Pseudonymizer
from claimvlm.synthesis import generate, korean_data, values

ADDRESS = "서울특별시 강남구 테헤란로 1"
CHART = "12345678"


def _files(tmp_path: Path, **texts: str) -> list[Path]:
    paths = []
    for name, text in texts.items():
        (path := tmp_path / f"{name}.json").write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def _both(paths: list[Path], identifiers: list[tuple[str, str]], root: Path) -> tuple[list[str], list[str]]:
    """Files flagged by the per-document scan and by the batch scan."""
    return ([x.file for x in leaks.scan(paths, identifiers, root=root)],
            [x.file for x in leaks.scan_batch(paths, identifiers, root=root)])


def test_a_real_address_at_the_start_of_a_longer_address_is_not_a_leak(tmp_path: Path) -> None:
    other = _files(tmp_path,
                   longer_number=json.dumps({"hospital_address": "서울특별시 강남구 테헤란로 12"}, ensure_ascii=False),
                   sub_number='{"patient_address": "서울특별시 강남구 테헤란로 1-3"}',
                   branch_road='{"patient_address": "서울특별시 강남구 테헤란로1길 5"}',
                   numbered_branch='{"patient_address": "서울특별시 강남구 테헤란로1번길 24"}',
                   letter='{"patient_address": "서울특별시 강남구 테헤란로 1A"}')
    assert _both(other, [("address", ADDRESS)], tmp_path) == ([], [])


@pytest.mark.parametrize("text", [
    '{"patient_address": "서울특별시 강남구 테헤란로 1"}',
    '{"patient_address": "서울특별시강남구테헤란로1"}',  # spacing dropped
    '{"text": "서울 특별시  강남구 테헤란로   1"}',  # spacing added (an OCR reading)
    '{"text": "주소서울특별시 강남구 테헤란로 1"}',  # a label word glued on
    '{"opinion": "서울특별시 강남구 테헤란로 1에서 넘어짐"}',  # a particle after it
    '{"patient_address": "서울특별시 강남구 테헤란로 1, 3층"}',
    '{"text": "서울특별시 강남구 테헤란로 1\\n2층"}',
    '{"patient_address": "\\uc11c\\uc6b8\\ud2b9\\ubcc4\\uc2dc \\uac15\\ub0a8\\uad6c \\ud14c\\ud5e4\\ub780\\ub85c 1"}',
])
def test_the_real_address_in_any_spacing_is_still_a_leak(tmp_path: Path, text: str) -> None:
    assert _both(_files(tmp_path, out=text), [("address", ADDRESS)], tmp_path) == (["out.json"], ["out.json"])


def test_a_number_inside_a_longer_number_is_not_that_number(tmp_path: Path) -> None:
    other = _files(tmp_path,
                   rrn='{"patient_rrn": "900101-2345678"}',  # the chart number is its last 8 digits
                   longer='{"chart_no": "123456789"}',
                   card='{"text": "카드 1234-5678-9012"}')
    assert _both(other, [("chart_no", CHART)], tmp_path) == ([], [])
    for text in ('{"chart_no": "12345678"}', '{"text": "등록번호 1234-5678"}', '{"text": "1234 5678"}',
                 '{"text": "2024-01-05 12345678 내원"}', '{"text": "차트12345678번"}'):
        leaked = _files(tmp_path, out=text)
        assert _both(leaked, [("chart_no", CHART)], tmp_path) == (["out.json"], ["out.json"]), text


def test_a_number_inside_a_files_digest_is_not_a_leak(tmp_path: Path) -> None:
    """meta/ records the sha256 of each rewritten file; with some key a document's own 5-digit
    licence number stood inside one ("…a9f12297e…") and failed a 5,000-document run."""
    digest = "a9f12297e" + "0b" * 27 + "c"
    meta = _files(tmp_path, meta=json.dumps({"sha256": {"images/x.jpg": digest}}))
    assert _both(meta, [("license_no", "12297")], tmp_path) == ([], [])
    for text in ('{"doctor_license_no": "12297"}', '{"text": "면허번호 12297"}', '{"text": "a12297"}'):
        assert leaks.scan(_files(tmp_path, out=text), [("license_no", "12297")], root=tmp_path), text


def test_a_short_name_inside_another_values_surrogate_is_not_a_leak(tmp_path: Path) -> None:
    """A 5,000-document run failed on a document whose surgeon's real two-syllable name was the
    first two syllables of its patient's surrogate name: chance, not a leak. The real name anywhere
    else, or inside its own surrogate (a broken one), still is."""
    ids = [("name", "김영희"), ("name", "이설"), ("address", "서울특별시 강남구 테헤란로 1")]
    pairs = [("김영희", "이설희"), ("이설", "박하"), ("서울특별시 강남구 테헤란로 1", "서울특별시 마포구 이설로 7")]
    out = _files(tmp_path, label=json.dumps({"patient_name": "이설희", "surgeon_name": "박하",
                                             "patient_address": "서울특별시 마포구 이설로 7"}, ensure_ascii=False),
                 words='[{"text": "이설로"}, {"text": "7"}]')
    assert leaks.scan(out, ids, root=tmp_path) != []  # without the pairs it cannot tell
    assert leaks.scan(out, ids, root=tmp_path, surrogates=pairs) == []
    for text, own in (('{"surgeon_name": "이설"}', pairs), ('{"opinion": "이설 선생님 집도"}', pairs),
                      ('{"patient_name": "이설희"}', [("이설", "이설희")])):
        found = leaks.scan(_files(tmp_path, leak=text), ids, root=tmp_path, surrogates=own)
        assert [(x.file, x.kind) for x in found] == [("leak.json", "name")], text


def test_an_identifier_that_is_also_a_kept_public_value_is_checked_in_its_own_files(tmp_path: Path) -> None:
    """A patient living in a hospital's building: the hospital's address (kept as it is) on other
    documents is not this patient's leak; in the patient's own files the value still is."""
    real = "부산광역시 해운대구 중앙로 123"
    hospital = "부산광역시 해운대구 중앙로 123, 4층"
    other = _files(tmp_path, other=json.dumps({"hospital_address": hospital}, ensure_ascii=False))
    assert [x.file for x in leaks.scan_batch(other, [("address", real)], root=tmp_path)] == ["other.json"]
    assert leaks.scan_batch(other, [("address", real)], root=tmp_path, public=[hospital]) == []
    assert [x.file for x in leaks.scan(other, [("address", real)], root=tmp_path)] == ["other.json"]
    assert leaks.kept_values({"patient_address": real, "hospital_address": hospital, "opinion": real,
                              "diagnoses": [{"code": "S82.0"}]}) == {hospital, "S82.0"}


def _batch(n: int, seed: int) -> dict[str, list[str]]:
    r = random.Random(seed)
    return {"address": sorted({values.address(r) for _ in range(n)}),
            "chart_no": sorted({values.chart_no(r) for _ in range(n)}),
            "phone": sorted({values.mobile_phone(r) for _ in range(n)})}


@pytest.fixture(scope="module")
def batch() -> dict[str, list[str]]:
    return _batch(20_000, seed=20_000)


def test_surrogates_never_are_or_hold_a_real_value_of_20000_documents(batch: dict[str, list[str]],
                                                                      tmp_path: Path) -> None:
    real = [(kind, v) for kind, vs in batch.items() for v in vs]
    pz = Pseudonymizer(b"nightly-batch-key-0123", avoid={v for _, v in real})
    fakes = {kind: [pz(kind, v) for v in vs] for kind, vs in batch.items()}
    for kind, vs in batch.items():
        assert not set(fakes[kind]) & set(vs), kind
    compact = {v.replace(" ", "") for v in batch["address"]}
    for fake in fakes["address"]:
        fake = fake.replace(" ", "")
        assert not any(fake[i:j] in compact for i in range(len(fake)) for j in range(i + 3, len(fake) + 1)), fake
    # And the scanner, reading all of them as one output, finds no real value anywhere.
    out = tmp_path / "surrogates.jsonl"
    out.write_text("\n".join(json.dumps(f, ensure_ascii=False) for fs in fakes.values() for f in fs), encoding="utf-8")
    assert leaks.scan_batch([out], real) == []


def test_address_surrogates_come_from_a_space_where_a_redraw_is_rare(batch: dict[str, list[str]],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The redraw is the safety net, not the rule: a first draw meets one of 20,000 real addresses
    almost never, and a surrogate is a realistic road address of the original's province."""
    redraws: list[int] = []
    stream = Pseudonymizer._stream

    def counting(self: Pseudonymizer, kind: str, normalised: str, attempt: int = 0):  # noqa: ANN202
        redraws.extend([attempt] if attempt and kind == "address" else [])
        return stream(self, kind, normalised, attempt)

    monkeypatch.setattr(Pseudonymizer, "_stream", counting)
    pz = Pseudonymizer(b"nightly-batch-key-0123", avoid=set(batch["address"]))
    fakes = {v: pz.address(v) for v in batch["address"]}
    assert len(redraws) <= len(fakes) // 1000, len(redraws)
    road = re.compile(r"^(\S+) (\S+(?: \S+구)?) (\S+(?:로|길)) (\d+(?:-\d+)?)(, \d+층)?(, (\d+동 )?\d+호)?$")
    for real, fake in fakes.items():
        m = road.match(fake)
        assert m and m[1] == real.split(" ")[0] and m[1] in korean_data.REGIONS, fake
        assert bool(re.search(r"\d+동 \d+호", real)) == bool(m[7]) and bool("층" in real) == bool(m[5]), (real, fake)
    monkeypatch.undo()
    again = Pseudonymizer(b"nightly-batch-key-0123", avoid=set(batch["address"]))
    assert all(again.address(v) == fakes[v] for v in batch["address"][:500])  # deterministic for key and value
    other = Pseudonymizer(b"another-key-456789abc", avoid=set(batch["address"]))
    assert sum(other.address(v) == fakes[v] for v in batch["address"][:500]) <= 1


KEY_ENV = "CLAIMVLM_LEAK_SCALE_KEY"


def test_the_stage_passes_a_batch_where_patients_live_at_hospitals_addresses(tmp_path: Path) -> None:
    """End to end: one patient's address is another document's hospital address without its
    floor, another's is that address's number cut short ("…로 12" of "…로 123"): no leak."""
    src = tmp_path / "src"
    generate.run(Params().synth.model_copy(update={"num_docs": 10, "workers": 1, "seed": 11}), src, progress=False)
    paths = sorted((src / "labels").glob("*.json"))
    labels = [json.loads(p.read_text(encoding="utf-8")) for p in paths]
    hospital = next(i for i, label in enumerate(labels) if label.get("hospital_address"))
    patients = [i for i, label in enumerate(labels) if label.get("patient_address") and i != hospital][:2]
    assert len(patients) == 2
    labels[hospital]["hospital_address"] = "부산광역시 해운대구 중앙로 123, 4층"
    labels[patients[0]]["patient_address"] = "부산광역시 해운대구 중앙로 123"
    labels[patients[1]]["patient_address"] = "부산광역시 해운대구 중앙로 12"
    for path, label in zip(paths, labels, strict=True):
        path.write_text(json.dumps(label, ensure_ascii=False), encoding="utf-8")
    os.environ[KEY_ENV] = "leak-scale-test-key-0123456789"
    try:
        result = anonymize(src, tmp_path / "out", tmp_path / "q", tmp_path / "reports",
                           AnonymizeParams(key_env=KEY_ENV, k=2), progress=False, workers=1)
    finally:
        del os.environ[KEY_ENV]
        shutil.rmtree(src)
    assert result.leaks == () and result.quarantined == 0
    assert json.loads((tmp_path / "reports" / "leak_scan.json").read_text())["leaks"] == []


def test_a_short_number_that_is_a_json_measurement_is_not_a_leak(tmp_path: Path) -> None:
    """A 5-digit licence number equal to one of its document's box coordinates (seen once in 20,000
    documents) is a measurement, not the number; the same digits as a string are still a leak."""
    boxes = tmp_path / "boxes.json"
    boxes.write_text(json.dumps({"fields": [{"text": "면허 54321", "bbox": [[6776, 10810], [6116, 10822]]}]}))
    assert leaks.scan([boxes], [("license_no", "10810")], root=tmp_path) == []
    assert leaks.scan([boxes], [("license_no", "54321")], root=tmp_path) == [leaks.Leak("boxes.json", "license_no")]
    long = tmp_path / "label.json"
    long.write_text(json.dumps({"chart": 12345678}))
    assert leaks.scan([long], [("chart_no", "12345678")], root=tmp_path) == [leaks.Leak("label.json", "chart_no")]
