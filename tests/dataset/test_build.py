"""The build stage on real generated documents: patient-grouped stratified splits, WebDataset
shards that stream back to the source, buckets, the dataset card, and byte-identical re-runs."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import webdataset as wds

from claimvlm.config import Params
from claimvlm.dataset.params import BuildParams
from claimvlm.dataset.records import BuildError, nearest_bucket
from claimvlm.dataset.splits import SPLITS, assign_splits, group_documents, patient_keys
from claimvlm.dataset.stage import BuildResult, build
from claimvlm.model.prompt import AnchorParams
from claimvlm.schema import SCHEMAS, parse_label
from claimvlm.synthesis import generate

DP = {"epsilon": 1.0, "delta": 0.0, "composition": "sequential",
      "counts": {"document_type": {"receipt": 11, "itemized_bill": 9}}, "mean_total_amount": 123456.7}
K_ANON = {"k_required": 5, "k_achieved": 6, "levels": {"birth_year": 2}, "records": 75, "released": 73,
          "suppressed": 2, "classes": 9}


def _label(src: Path, doc_id: str) -> dict[str, Any]:
    return json.loads((src / "labels" / f"{doc_id}.json").read_text(encoding="utf-8"))


def _copy_doc(src: Path, doc_id: str, new_id: str, **changes: str) -> None:
    """A further document of the same patient: the files of ``doc_id`` under ``new_id``, with
    ``changes`` applied to the label (identity fields, so the label stays valid)."""
    for folder in ("images", "boxes", "meta"):
        for path in (src / folder).glob(f"{doc_id}.*"):
            shutil.copyfile(path, src / folder / f"{new_id}{path.suffix}")
    label = {**_label(src, doc_id), **changes}
    parse_label(label)
    (src / "labels" / f"{new_id}.json").write_text(json.dumps(label, ensure_ascii=False), encoding="utf-8")


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("build") / "src"
    generate.run(Params().synth.model_copy(update={"num_docs": 60, "workers": 1}), src, progress=False)
    by_type: dict[str, list[str]] = {}
    for path in sorted((src / "labels").glob("*.json")):
        by_type.setdefault(_label(src, path.stem)["document_type"], []).append(path.stem)
    # Same-type repeats: one patient's several certificates, bills, ...
    for n, (doc_type, copies) in enumerate([("diagnosis_certificate", 3), ("itemized_bill", 2),
                                            ("receipt", 1), ("surgery_record", 2), ("admission_discharge", 1),
                                            ("itemized_bill", 1)]):
        doc_id = by_type[doc_type][n % len(by_type[doc_type])]
        for c in range(copies):
            _copy_doc(src, doc_id, f"dup{n}-{c}")
    # A chain across types and identifiers: certificate -(RRN)- surgery record -(chart no)- bill
    # -(name + hospital)- receipt. Only union-find over all three keys puts them together.
    surgery = _label(src, by_type["surgery_record"][-1])
    bill = by_type["itemized_bill"][-1]
    _copy_doc(src, by_type["diagnosis_certificate"][-1], "chain-cert", patient_rrn=surgery["patient_rrn"])
    _copy_doc(src, bill, "chain-bill", chart_no=surgery["chart_no"])
    bill_label = _label(src, bill)
    _copy_doc(src, by_type["receipt"][-1], "chain-receipt", chart_no="99999999",
              patient_name=bill_label["patient_name"], hospital_name=bill_label["hospital_name"])
    return src


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("reports")
    (folder / "dp_summary.json").write_text(json.dumps(DP))
    (folder / "k_anonymity.json").write_text(json.dumps(K_ANON))
    return folder


def params(**values: Any) -> BuildParams:
    """The build section without anchoring: these tests are about splits, shards and records, and
    reading every page with Tesseract would only slow them (test_anchoring.py covers anchors)."""
    return BuildParams(anchoring=AnchorParams(), **values)


def _build(source: Path, out: Path, reports: Path, **update: Any) -> BuildResult:
    return build(source, out, params().model_copy(update=update), privacy_reports=reports,
                 upstream_manifests=[source / "manifest.json"], progress=False)


@pytest.fixture(scope="module")
def built(source: Path, reports: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildResult]:
    out = tmp_path_factory.mktemp("build") / "out"
    return out, _build(source, out, reports)


def _records(out: Path) -> dict[str, dict[str, Any]]:
    recs = {}
    for split in SPLITS:
        for line in (out / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            assert rec["split"] == split and rec["id"] not in recs
            recs[rec["id"]] = rec
    return recs


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_every_document_once_and_no_patient_in_two_splits(source: Path,
                                                          built: tuple[Path, BuildResult]) -> None:
    out, _ = built
    recs = _records(out)
    ids = sorted(p.stem for p in (source / "labels").glob("*.json"))
    assert sorted(recs) == ids and len(ids) == 73
    splits_of: dict[tuple[str, ...], set[str]] = {}
    groups_of: dict[tuple[str, ...], set[str]] = {}
    for doc_id in ids:
        for key in patient_keys(_label(source, doc_id)):
            splits_of.setdefault(key, set()).add(recs[doc_id]["split"])
            groups_of.setdefault(key, set()).add(recs[doc_id]["group"])
    assert all(len(s) == 1 for s in splits_of.values())
    assert all(len(g) == 1 for g in groups_of.values())
    # The planted chain is one group, with the originals it was copied from.
    chain = {recs[d]["group"] for d in ("chain-cert", "chain-bill", "chain-receipt")}
    assert len(chain) == 1
    sizes = Counter(r["group"] for r in recs.values())
    assert sizes[chain.pop()] >= 4 and sum(1 for n in sizes.values() if n > 1) >= 7
    assert all(re.fullmatch(r"g[0-9a-f]{16}", r["group"]) for r in recs.values())


def test_split_sizes_and_stratification(built: tuple[Path, BuildResult]) -> None:
    out, result = built
    recs = _records(out)
    total = len(recs)
    fractions = params().splits
    for split in SPLITS:
        assert abs(result.counts[split] / total - fractions[split]) <= 0.04, (split, result.counts)
    overall = Counter(r["document_type"] for r in recs.values())
    train = Counter(r["document_type"] for r in recs.values() if r["split"] == "train")
    for doc_type, n in overall.items():
        assert abs(train[doc_type] / result.counts["train"] - n / total) <= 0.04, doc_type
    for split in ("val", "test"):  # every type that can be present in a small split is
        present = {r["document_type"] for r in recs.values() if r["split"] == split}
        assert len(present) >= 4, (split, present)


def test_split_assignment_is_seeded() -> None:
    groups = {f"g{i}": Counter({("a", "b", "c")[i % 3]: 1 + i % 4}) for i in range(60)}
    fractions = {"train": 0.8, "val": 0.1, "test": 0.1}
    first = assign_splits(groups, fractions, seed=0)
    assert first == assign_splits(dict(reversed(groups.items())), fractions, seed=0)
    assert first != assign_splits(groups, fractions, seed=1)
    no_test = assign_splits(groups, {"train": 0.9, "val": 0.1, "test": 0.0}, seed=0)
    assert set(no_test.values()) == {"train", "val"}
    linked = group_documents({"a": [("rrn", "1")], "b": [("chart", "2")], "c": [("rrn", "1"), ("chart", "2")],
                              "d": [("chart", "3")]})
    assert linked["a"] == linked["b"] == linked["c"] != linked["d"]


def test_shards_stream_back_to_the_source(source: Path, built: tuple[Path, BuildResult]) -> None:
    out, result = built
    recs = _records(out)
    lines = {json.loads(line)["id"]: line.encode("utf-8")
             for s in SPLITS for line in (out / f"{s}.jsonl").read_text(encoding="utf-8").splitlines()}
    seen = Counter()
    for split in SPLITS:
        urls = [str(p) for p in result.shards if p.name.startswith(f"{split}-")]
        assert urls and urls == sorted(urls)
        for sample in wds.WebDataset(urls, shardshuffle=False):
            key = sample["__key__"]
            seen[key] += 1
            assert sample["json"] == lines[key] and recs[key]["split"] == split
            (image,) = (source / "images").glob(f"{key}.*")
            assert sample[image.suffix[1:]] == image.read_bytes()
            assert {k for k in sample if not k.startswith("__")} == {"json", image.suffix[1:]}
        for sample in wds.WebDataset(urls, shardshuffle=False).decode():
            assert sample["json"] == recs[sample["__key__"]]
    assert seen == Counter(dict.fromkeys(recs, 1))


def test_records_are_conversations_with_the_source_label(source: Path,
                                                         built: tuple[Path, BuildResult]) -> None:
    out, _ = built
    instruction = params().instruction
    for doc_id, rec in _records(out).items():
        user, assistant = rec["messages"]
        assert user == {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": instruction}]}
        assert assistant["role"] == "assistant" and len(assistant["content"]) == 1
        text = assistant["content"][0]["text"]
        source_label = parse_label((source / "labels" / f"{doc_id}.json").read_bytes())
        assert parse_label(text) == source_label and rec["document_type"] == source_label.document_type
        assert list(json.loads(text)) == list(SCHEMAS[source_label.document_type].model_fields)
        assert text == json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":"))  # compact
        assert (out / rec["image"]).read_bytes() == next((source / "images").glob(f"{doc_id}.*")).read_bytes()
        assert set(rec) == {"id", "image", "document_type", "split", "group", "width", "height", "bucket",
                            "capture", "messages"}
        meta = json.loads((source / "meta" / f"{doc_id}.json").read_text())
        assert rec["capture"] == meta["degradation"]["profile"]  # evaluation slices by it


def test_buckets_cover_every_id_once(built: tuple[Path, BuildResult]) -> None:
    out, _ = built
    recs = _records(out)
    buckets = json.loads((out / "buckets.json").read_text())
    listed = [(split, float(b), i) for split, per in buckets.items() for b, ids in per.items() for i in ids]
    assert sorted(i for _, _, i in listed) == sorted(recs)
    aspects = params().aspect_buckets
    for split, bucket, doc_id in listed:
        rec = recs[doc_id]
        assert rec["split"] == split and rec["bucket"] == bucket
        assert bucket == nearest_bucket(rec["width"], rec["height"], aspects)


def test_card_counts_add_up(source: Path, reports: Path, built: tuple[Path, BuildResult]) -> None:
    out, result = built
    card = json.loads((out / "card.json").read_text(encoding="utf-8"))
    counts = card["counts"]
    assert counts["documents"] == sum(counts["by_split"].values()) == sum(counts["by_type"].values())
    assert counts["by_split"] == result.counts
    for split in SPLITS:
        assert sum(counts["by_split_type"][split].values()) == counts["by_split"][split]
        assert sum(card["buckets"][split].values()) == counts["by_split"][split]
        assert sum(v["samples"] for k, v in card["shards"].items() if k.startswith(f"shards/{split}-")) \
            == counts["by_split"][split]
    per_pair = {(s, t): n for s, per in counts["by_split_type"].items() for t, n in per.items()}
    assert per_pair == result.type_counts
    assert sum(card["groups"]["by_split"].values()) == card["groups"]["total"] == result.groups
    assert card["privacy"] == {"dp_summary": DP, "k_anonymity": K_ANON}
    manifest = source / "manifest.json"
    digest = hashlib.sha256(manifest.read_bytes()).hexdigest()
    assert card["upstream_manifests"] == {manifest.as_posix(): digest}
    for rel, info in card["shards"].items():
        assert hashlib.sha256((out / rel).read_bytes()).hexdigest() == info["sha256"]
    md = result.card.read_text(encoding="utf-8")
    assert "k_achieved" in md and str(counts["documents"]) in md and not re.search(r"\d\d:\d\d:\d\d", md)


def test_rebuild_is_byte_identical(source: Path, reports: Path, built: tuple[Path, BuildResult],
                                   tmp_path: Path) -> None:
    out, _ = built
    before = _tree(out)
    _build(source, tmp_path / "again", reports)
    assert _tree(tmp_path / "again") == before
    (out / "shards" / "train-000099.tar").write_bytes(b"stale")  # a leftover of an earlier, bigger run
    _build(source, out, reports)
    assert _tree(out) == before


def test_shard_limits(source: Path, reports: Path, built: tuple[Path, BuildResult], tmp_path: Path) -> None:
    _, reference = built
    by_count = _build(source, tmp_path / "count", reports, shard_max_count=7)
    card = json.loads(by_count.card_json.read_text())
    assert all(v["samples"] <= 7 for v in card["shards"].values()) and len(by_count.shards) > 10
    limit = 1_500_000
    by_bytes = _build(source, tmp_path / "bytes", reports, shard_max_bytes=limit)
    card = json.loads(by_bytes.card_json.read_text())
    assert sum(v["samples"] for v in card["shards"].values()) == sum(reference.counts.values())
    assert all(v["bytes"] <= limit or v["samples"] == 1 for v in card["shards"].values())
    keys = [s["__key__"] for s in wds.WebDataset([str(p) for p in by_bytes.shards], shardshuffle=False)]
    assert sorted(keys) == sorted(_records(reference.out))


def test_invalid_label_names_the_document_not_values(source: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(source, src)
    doc_id = sorted(p.stem for p in (src / "labels").glob("*.json"))[5]
    label = _label(src, doc_id)
    secret = label["patient_name"]
    label["patient_rrn" if "patient_rrn" in label else "chart_no"] = "SECRET-VALUE-1234"
    label["issue_date"] = "1900-01-01"
    (src / "labels" / f"{doc_id}.json").write_text(json.dumps(label, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(BuildError) as err:
        build(src, tmp_path / "out", params(), progress=False)
    message = str(err.value)
    assert doc_id in message and "SECRET" not in message and secret not in message and "1900" not in message
    assert not (tmp_path / "out").exists()
    (src / "labels" / f"{doc_id}.json").unlink()
    with pytest.raises(BuildError, match=re.escape(doc_id)):
        build(src, tmp_path / "out", params(), progress=False)


def test_pinned_splits_keep_the_test_split_frozen_as_data_grows(source: Path, reports: Path, tmp_path: Path) -> None:
    """Build on part of the data and pin it; build on all of it with other fractions: every pinned
    document stays put, new ones fill around them, and a new document joining a pinned test patient
    to a pinned training patient pulls the training patient into test (never the other way)."""
    from claimvlm.dataset.pins import load_pins, pin_splits

    early = tmp_path / "early"
    shutil.copytree(source, early)
    later_ids = sorted(p.stem for p in (early / "labels").glob("syn*.json"))[-20:]
    for doc_id in later_ids:
        for path in early.glob(f"*/{doc_id}.*"):
            path.unlink()
    _build(early, tmp_path / "ds1", reports)
    pins_file = tmp_path / "pins.json"
    first = pin_splits(tmp_path / "ds1", pins_file)
    assert first.added == len(_records(tmp_path / "ds1")) and first.kept == 0
    pins = load_pins(pins_file)

    grown = tmp_path / "grown"
    shutil.copytree(source, grown)
    recs1 = _records(tmp_path / "ds1")
    with_rrn = [d for d in sorted(recs1) if "patient_rrn" in _label(grown, d)]
    test_doc = next(d for d in with_rrn if recs1[d]["split"] == "test")
    train_doc = next(d for d in with_rrn if recs1[d]["split"] == "train" and recs1[d]["group"] != recs1[test_doc]["group"])
    _copy_doc(grown, train_doc, "link-1", patient_rrn=_label(grown, test_doc)["patient_rrn"])

    result = build(grown, tmp_path / "ds2", params(splits={"train": 0.6, "val": 0.1, "test": 0.3}),
                   privacy_reports=reports, pinned_splits=pins_file, progress=False)
    recs2 = _records(tmp_path / "ds2")
    moved = {d for d in recs1 if recs2[d]["split"] != pins[d]}
    assert train_doc in moved and recs2[train_doc]["split"] == "test" == recs2["link-1"]["split"]
    assert all(pins[d] == "train" and recs2[d]["group"] == recs2[test_doc]["group"] for d in moved)
    assert {d for d, s in pins.items() if s == "test"} <= {d for d, r in recs2.items() if r["split"] == "test"}
    assert result.pins == {"pinned": len(recs1), "new": len(recs2) - len(recs1), "missing": 0, "moved": len(moved)}
    # the new documents were placed by the rule, towards the new fractions
    new_test = sum(1 for d, r in recs2.items() if d not in recs1 and r["split"] == "test")
    assert new_test >= 1

    second = pin_splits(tmp_path / "ds2", pins_file)
    assert second.kept == len(pins) and second.added == len(recs2) - len(recs1) and second.changed == len(moved)
    assert all(load_pins(pins_file)[d] == s for d, s in pins.items())  # existing pins never change
    # pinning a build's own assignment changes nothing in the dataset: same bytes, so DVC sees no change
    again = build(grown, tmp_path / "ds3", params(splits={"train": 0.6, "val": 0.1, "test": 0.3}),
                  privacy_reports=reports, pinned_splits=pins_file, progress=False)
    assert _tree(tmp_path / "ds3") == _tree(tmp_path / "ds2") and again.pins["new"] == 0


@pytest.mark.parametrize("body, message", [
    ("{not json", "not valid JSON"),
    ('{"version": 1, "documents": {"a": "holdout"}}', "unknown split"),
    ('{"documents": {}}', "must be"),
])
def test_a_bad_pins_file_is_refused_before_anything_is_written(source: Path, tmp_path: Path, body: str,
                                                             message: str) -> None:
    pins = tmp_path / "pins.json"
    pins.write_text(body)
    with pytest.raises(BuildError, match=message):
        build(source, tmp_path / "out", params(), pinned_splits=pins, progress=False)
    assert not (tmp_path / "out").exists()
    with pytest.raises(BuildError, match="does not exist"):
        build(source, tmp_path / "out", params(), pinned_splits=tmp_path / "absent.json", progress=False)
