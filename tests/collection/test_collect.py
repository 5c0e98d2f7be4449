"""The collect stage on real parts: synth output as input, a folder, and a real S3-compatible
server (moto's standalone server on loopback) reached through boto3, with a fault-injecting
HTTP proxy in between where a test needs transient or persistent failures."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import random
import shutil
import struct
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from PIL import Image

from claimvlm.collection.layout import Placement, place
from claimvlm.collection.params import CollectParams, S3Params
from claimvlm.collection.stage import CollectError, collect
from claimvlm.config import Params
from claimvlm.synthesis import generate
from tests.s3_server import FaultProxy, moto_server

SECRET = "fake-secret-Zq8vX1-never-written"
PERSONAL_FIELDS = ("patient_name", "patient_rrn", "patient_address", "patient_phone", "chart_no")


# ---------------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seven synthetic documents; tests use the first six and add the seventh later."""
    folder = tmp_path_factory.mktemp("synth") / "synth"
    p = Params().synth.model_copy(update={"num_docs": 7, "workers": 1})
    generate.run(p, folder, progress=False)
    return folder


def ids_of(synth: Path) -> list[str]:
    return sorted(p.stem for p in (synth / "labels").glob("*.json"))


def image_of(folder: Path, doc_id: str) -> Path:
    return next((folder / "images").glob(f"{doc_id}.*"))


def copy_docs(synth: Path, dest: Path, ids: list[str]) -> Path:
    """The synth layout for some documents, with the synth manifest (which is not a document)."""
    for sub in ("images", "labels", "boxes", "meta"):
        (dest / sub).mkdir(parents=True, exist_ok=True)
        for doc_id in ids:
            for f in (synth / sub).glob(f"{doc_id}.*"):
                shutil.copy2(f, dest / sub / f.name)
    shutil.copy2(synth / "manifest.json", dest / "manifest.json")
    return dest


def tree(root: Path, skip: tuple[str, ...] = ()) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.relative_to(root).as_posix() not in skip}


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake credentials from the standard environment, and nothing else from this machine."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing-akid")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3",
                 "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture
def s3(endpoint: str) -> Any:
    return boto3.client("s3", endpoint_url=endpoint)


@pytest.fixture
def proxy(endpoint: str) -> Iterator[FaultProxy]:
    with FaultProxy(endpoint) as p:
        yield p


def upload(s3: Any, folder: Path, prefix: str = "claims/2024") -> str:
    """A fresh bucket holding ``folder`` under ``prefix``; returns s3://bucket/prefix."""
    bucket = f"claims-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            s3.put_object(Bucket=bucket, Key=f"{prefix}/{path.relative_to(folder).as_posix()}",
                          Body=path.read_bytes())
    return f"s3://{bucket}/{prefix}"


# ------------------------------------------------------------------------------- bad inputs

def _png_1bit(width: int, height: int) -> bytes:
    """A valid, tiny, all-black 1-bit PNG of any size: a decompression bomb when large."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    comp = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)
    idat = b"".join(comp.compress(row) for _ in range(height)) + comp.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def _noise_image(seed: int, fmt: str, size: int = 96) -> bytes:
    rng = random.Random(seed)
    img = Image.frombytes("RGB", (size, size), rng.randbytes(size * size * 3))
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()


def _broken_label(label: dict[str, Any]) -> dict[str, Any]:
    """Amounts that do not add up (bills and receipts), else dates out of order."""
    if "total" in label:
        return {**label, "total": label["total"] + 1}
    return {**label, "issue_date": "1990-01-01"}


def make_bad_batch(synth: Path, dest: Path) -> tuple[dict[str, str], int]:
    """Six good synth documents plus one document of each bad kind and two good flat ones.
    Returns {doc_id: expected reason} and the max_bytes to use."""
    ids = ids_of(synth)[:6]
    copy_docs(synth, dest, ids)
    labels = {i: json.loads((synth / "labels" / f"{i}.json").read_text(encoding="utf-8")) for i in ids}
    max_bytes = max(p.stat().st_size for p in dest.rglob("*")) + 1024

    def put(rel: str, data: bytes) -> None:
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / rel).write_bytes(data)

    def label(i: int) -> bytes:
        return json.dumps(labels[ids[i]], ensure_ascii=False).encode()

    gif = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(gif, format="GIF")
    truncated = _noise_image(1, "PNG", 200)
    put("images/bad-truncated.png", truncated[: len(truncated) * 3 // 5])
    put("labels/bad-truncated.json", label(0))
    put("images/bad-random.jpg", random.Random(2).randbytes(5000))
    put("images/bad-gif.png", gif.getvalue())
    put("claim-scan.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n")
    put("images/bad-big.png", b"\x00" * (max_bytes + 1))
    put("images/bomb-huge.png", _png_1bit(20000, 20000))  # 400 Mpx: beyond PIL's own limit
    put("images/bomb-header.png", _png_1bit(9000, 9000))  # 81 Mpx: beyond max_pixels only
    put("images/bad-empty.jpg", b"")
    put("images/bad-schema.png", _noise_image(3, "PNG"))
    put("labels/bad-schema.json", json.dumps(_broken_label(labels[ids[1]]), ensure_ascii=False).encode())
    put("images/bad-json.png", _noise_image(4, "PNG"))
    put("labels/bad-json.json", '{"document_type": "receipt", "patient_name": "홍길동", '.encode())
    put("labels/orphan.json", label(2))
    put("boxes/orphan.json", (synth / "boxes" / f"{ids[2]}.json").read_bytes())
    dup_src = image_of(dest, ids[3])
    put(f"images/zz-dup{dup_src.suffix}", dup_src.read_bytes())
    put("twin.png", _noise_image(5, "PNG"))
    put("twin.jpg", _noise_image(5, "JPEG"))
    # good ones in the flat annotator layout, one of them a TIFF
    put("flat-good.png", _noise_image(6, "PNG"))
    put("flat-good.json", label(4))
    put("flat-good.boxes.json", (synth / "boxes" / f"{ids[4]}.json").read_bytes())
    put("flat-good.meta.json", (synth / "meta" / f"{ids[4]}.json").read_bytes())
    put("scan-tiff.tif", _noise_image(7, "TIFF"))
    put("images/renamed.jpg", _noise_image(8, "PNG"))  # a PNG saved under a JPEG's name
    put("labels/renamed.json", label(5))
    expected = {
        "bad-truncated": "corrupt_image", "bad-random": "corrupt_image", "bad-gif": "unsupported_format",
        "claim-scan.pdf": "unsupported_format", "bad-big": "oversized", "bomb-huge": "decompression_bomb",
        "bomb-header": "decompression_bomb", "bad-empty": "empty_file", "bad-schema": "label_schema",
        "bad-json": "label_schema", "orphan": "missing_image", "zz-dup": "duplicate",
        "twin": "conflicting_files", "renamed": "format_mismatch",
    }
    return expected, max_bytes


def personal_values(folder: Path) -> set[str]:
    values = {"홍길동"}
    for path in folder.rglob("*.json"):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        if isinstance(data, dict) and "document_type" in data:
            values |= {str(data[k]) for k in PERSONAL_FIELDS if k in data}
    return values


# ---------------------------------------------------------------------------------- tests

@pytest.mark.parametrize(("key", "expected"), [
    ("images/a1.png", Placement("a1", "image", "png")),
    ("batch/7/images/a1.JPG", Placement("a1", "image", "jpg")),
    ("labels/a1.json", Placement("a1", "label", "json")),
    ("boxes/a1.json", Placement("a1", "boxes", "json")),
    ("meta/a1.json", Placement("a1", "meta", "json")),
    ("a1.tiff", Placement("a1", "image", "tiff")),
    ("sub/a1.json", Placement("a1", "label", "json")),
    ("a1.boxes.json", Placement("a1", "boxes", "json")),
    ("a1.meta.json", Placement("a1", "meta", "json")),
    ("images/a1.pdf", Placement("a1.pdf", "other", "pdf")),
    ("labels/a1.txt", Placement("a1.txt", "other", "txt")),
    ("README", Placement("README", "other", "")),
    ("..png", Placement("..png", "other", "png")),
    ("manifest.json", None),
])
def test_keys_become_documents(key: str, expected: Placement | None) -> None:
    assert place(key) == expected


def test_folder_collects_the_synth_layout(tmp_path: Path, synth: Path) -> None:
    src = copy_docs(synth, tmp_path / "src", ids_of(synth)[:6])
    r = collect(str(src), tmp_path / "out", tmp_path / "q", CollectParams(), progress=False)
    assert (r.listed, r.collected, r.quarantined, r.fetched, r.unchanged, r.removed) == (6, 6, 0, 6, 0, 0)
    assert tree(tmp_path / "out", skip=("manifest.json",)) == tree(src, skip=("manifest.json",))
    m = json.loads(r.manifest_path.read_text(encoding="utf-8"))
    assert (m["listed"], m["collected"], m["quarantined"], m["by_reason"]) == (6, 6, 0, {})
    for entry in m["documents"]:
        for rel, sha in entry["written"].items():
            assert hashlib.sha256((tmp_path / "out" / rel).read_bytes()).hexdigest() == sha
        assert len(entry["sources"]) == 4


def test_quarantine_of_each_bad_kind(tmp_path: Path, synth: Path) -> None:
    src = tmp_path / "src"
    expected, max_bytes = make_bad_batch(synth, src)
    params = CollectParams(max_bytes=max_bytes)
    out, q = tmp_path / "out", tmp_path / "q"
    r = collect(str(src), out, q, params, progress=False)

    good = set(ids_of(synth)[:6]) | {"flat-good", "scan-tiff"}
    assert r.listed == len(good) + len(expected) == r.collected + r.quarantined
    assert (r.collected, r.quarantined) == (len(good), len(expected))
    reasons = {d.name: json.loads((d / "reason.json").read_text(encoding="utf-8")) for d in q.iterdir()}
    assert {d: rj["reason"] for d, rj in reasons.items()} == expected
    assert r.by_reason == dict(sorted({v: list(expected.values()).count(v) for v in expected.values()}.items()))
    assert ids_of(synth)[3] in reasons["zz-dup"]["detail"]  # the document holding the image

    # originals as received, under their keys, and nothing of theirs in out/
    for doc_id, rj in reasons.items():
        assert rj["doc_id"] == doc_id and rj["source_keys"]
        for key in rj["source_keys"]:
            assert (q / doc_id / key).read_bytes() == (src / key).read_bytes()
        assert not list(out.rglob(f"{doc_id}.*"))
    assert sorted(p.name for p in (out / "images").iterdir()) == sorted(
        [image_of(src, i).name for i in ids_of(synth)[:6]] + ["flat-good.png", "scan-tiff.tif"])
    for sub in ("labels", "boxes", "meta"):
        assert (out / sub / "flat-good.json").exists()
    assert "labels/bad-schema.json" in reasons["bad-schema"]["source_keys"]
    assert reasons["bad-schema"]["detail"].startswith("schema errors: ")
    assert reasons["bad-json"]["detail"].startswith("label is not valid JSON (line 1")

    # no personal value in any reason.json nor in the manifest
    values = personal_values(src)
    assert len(values) > 10
    texts = [(d / "reason.json").read_text(encoding="utf-8") for d in q.iterdir()] + [
        r.manifest_path.read_text(encoding="utf-8")]
    for text in texts:
        assert not [v for v in values if v in text]

    # a second run fetches nothing and writes the same bytes
    before_out, before_q = tree(out), tree(q)
    again = collect(str(src), out, q, params, progress=False)
    assert (again.fetched, again.unchanged, again.removed) == (0, r.listed, 0)
    assert (tree(out), tree(q)) == (before_out, before_q)

    # a bad document removed from the source leaves quarantine; a repaired one is collected
    (src / "images" / "bad-random.jpg").unlink()
    (src / "images" / "bad-truncated.png").write_bytes(_noise_image(1, "PNG", 200))
    third = collect(str(src), out, q, params, progress=False)
    assert (third.fetched, third.removed, third.listed) == (1, 1, r.listed - 1)
    assert not (q / "bad-random").exists() and not (q / "bad-truncated").exists()
    assert (out / "images" / "bad-truncated.png").exists() and (out / "labels" / "bad-truncated.json").exists()
    assert third.collected + third.quarantined == third.listed


def test_incremental_folder(tmp_path: Path, synth: Path) -> None:
    ids = ids_of(synth)
    src = copy_docs(synth, tmp_path / "src", ids[:6])
    out, q = tmp_path / "out", tmp_path / "q"
    first = collect(str(src), out, q, CollectParams(), progress=False)
    manifest_bytes = first.manifest_path.read_bytes()
    second = collect(str(src), out, q, CollectParams(), progress=False)
    assert (second.fetched, second.unchanged, second.removed) == (0, 6, 0)
    assert second.manifest_path.read_bytes() == manifest_bytes

    copy_docs(synth, src, [ids[6]])
    label_path = src / "labels" / f"{ids[0]}.json"
    changed = {**json.loads(label_path.read_text(encoding="utf-8")), "patient_name": "남궁민수"}
    label_path.write_text(json.dumps(changed, ensure_ascii=False), encoding="utf-8")
    third = collect(str(src), out, q, CollectParams(), progress=False)
    assert (third.listed, third.fetched, third.unchanged, third.collected) == (7, 2, 5, 7)
    assert json.loads((out / "labels" / f"{ids[0]}.json").read_text(encoding="utf-8"))["patient_name"] == "남궁민수"

    for sub in ("images", "labels", "boxes", "meta"):
        for f in (src / sub).glob(f"{ids[2]}.*"):
            f.unlink()
    fourth = collect(str(src), out, q, CollectParams(), progress=False)
    assert (fourth.listed, fourth.fetched, fourth.removed, fourth.collected) == (6, 0, 1, 6)
    assert not list(out.rglob(f"{ids[2]}.*"))

    # changed checks: every document is checked again; no manifest: everything is fetched
    strict = collect(str(src), out, q, CollectParams(max_bytes=1000), progress=False)
    assert (strict.fetched, strict.quarantined, strict.by_reason) == (6, 6, {"oversized": 6})
    (out / "manifest.json").unlink()
    fresh = collect(str(src), out, q, CollectParams(), progress=False)
    assert (fresh.fetched, fresh.collected, fresh.quarantined) == (6, 6, 0)
    assert not [d for d in q.iterdir()]


def test_duplicates_earlier_run_wins_then_sorted_id(tmp_path: Path, synth: Path) -> None:
    ids = ids_of(synth)[:6]
    src = copy_docs(synth, tmp_path / "src", ids)
    out, q = tmp_path / "out", tmp_path / "q"
    collect(str(src), out, q, CollectParams(), progress=False)
    holder = image_of(src, ids[1])
    shutil.copy2(holder, src / "images" / f"aa-dup{holder.suffix}")

    r = collect(str(src), out, q, CollectParams(), progress=False)  # collected earlier: ids[1] keeps it
    assert (r.fetched, r.by_reason) == (1, {"duplicate": 1})
    assert ids[1] in json.loads((q / "aa-dup" / "reason.json").read_text(encoding="utf-8"))["detail"]

    fresh = collect(str(src), tmp_path / "out2", tmp_path / "q2", CollectParams(), progress=False)
    assert json.loads((tmp_path / "q2" / ids[1] / "reason.json").read_text(encoding="utf-8"))["reason"] == "duplicate"
    assert fresh.by_reason == {"duplicate": 1}  # in one run the first key in listing order wins

    # A copy filed later (a later month's folder) under an id that sorts first: the original keeps it.
    later = tmp_path / "monthly"
    shutil.copytree(src, later / "2024-01", ignore=shutil.ignore_patterns("manifest.json"))
    for role in ("images", "labels"):
        (later / "2024-02" / role).mkdir(parents=True)
    shutil.copy2(image_of(src, ids[2]), later / "2024-02" / "images" / f"0-rescan{holder.suffix}")
    shutil.copy2(src / "labels" / f"{ids[2]}.json", later / "2024-02" / "labels" / "0-rescan.json")
    monthly = collect(str(later), tmp_path / "out3", tmp_path / "q3", CollectParams(), progress=False)
    assert json.loads((tmp_path / "q3" / "0-rescan" / "reason.json").read_text(encoding="utf-8"))["reason"] == \
        "duplicate" and (tmp_path / "out3" / "images" / f"{ids[2]}{holder.suffix}").exists()
    assert monthly.by_reason == {"duplicate": 2}  # and aa-dup, as above

    for f in src.rglob(f"{ids[1]}.*"):
        f.unlink()
    after = collect(str(src), out, q, CollectParams(), progress=False)  # the holder is gone
    assert (after.removed, after.fetched, after.quarantined, after.collected) == (1, 1, 0, 6)
    assert (out / "images" / f"aa-dup{holder.suffix}").exists() and not (q / "aa-dup").exists()


def test_s3_matches_folder(tmp_path: Path, synth: Path, s3: Any, endpoint: str) -> None:
    src = tmp_path / "src"
    expected, max_bytes = make_bad_batch(synth, src)
    uri = upload(s3, src)
    folder = collect(str(src), tmp_path / "out_f", tmp_path / "q_f", CollectParams(max_bytes=max_bytes),
                     progress=False)
    params = CollectParams(max_bytes=max_bytes, s3=S3Params(endpoint_url=endpoint))
    remote = collect(uri, tmp_path / "out_s", tmp_path / "q_s", params, progress=False)
    assert remote == dataclasses.replace(folder, manifest_path=remote.manifest_path)
    assert tree(tmp_path / "out_s", skip=("manifest.json",)) == tree(tmp_path / "out_f", skip=("manifest.json",))
    assert tree(tmp_path / "q_s") == tree(tmp_path / "q_f")

    def comparable(path: Path) -> dict[str, Any]:
        m = json.loads(path.read_text(encoding="utf-8"))
        del m["source"]
        for doc in m["documents"]:
            for s in doc["sources"]:
                del s["fingerprint"]
        return m

    m_s3 = json.loads(remote.manifest_path.read_text(encoding="utf-8"))
    assert m_s3["source"] == uri and "etag=" in m_s3["documents"][0]["sources"][0]["fingerprint"]
    assert comparable(remote.manifest_path) == comparable(folder.manifest_path)
    for root in (tmp_path / "out_s", tmp_path / "q_s"):
        for data in tree(root).values():
            assert SECRET.encode() not in data and b"testing-akid" not in data


def test_s3_transient_503_is_retried(tmp_path: Path, synth: Path, s3: Any, proxy: FaultProxy) -> None:
    uri = upload(s3, copy_docs(synth, tmp_path / "src", ids_of(synth)[:6]))
    proxy.fail_first = 3
    params = CollectParams(s3=S3Params(endpoint_url=proxy.url, max_attempts=3, download_threads=4))
    r = collect(uri, tmp_path / "out", tmp_path / "q", params, progress=False)
    assert (r.collected, r.quarantined) == (6, 0)
    assert len(proxy.failed) == 3
    assert len(proxy.object_gets) == 24 + 3  # every object once, the three failed GETs once more
    assert len(set(proxy.failed) & set(proxy.object_gets[3:])) >= 1  # a failed key was asked again


def test_s3_body_cut_short_is_fetched_again(tmp_path: Path, synth: Path, s3: Any, proxy: FaultProxy) -> None:
    src = copy_docs(synth, tmp_path / "src", ids_of(synth)[:6])
    uri = upload(s3, src)
    proxy.truncate_first = 2  # the connection breaks halfway through two bodies
    params = CollectParams(s3=S3Params(endpoint_url=proxy.url, max_attempts=3, download_threads=4))
    r = collect(uri, tmp_path / "out", tmp_path / "q", params, progress=False)
    assert (r.collected, r.quarantined, len(proxy.truncated), len(proxy.object_gets)) == (6, 0, 2, 26)
    assert tree(tmp_path / "out", skip=("manifest.json",)) == tree(src, skip=("manifest.json",))


def test_s3_credentials_only_from_the_environment(tmp_path: Path, synth: Path, s3: Any, endpoint: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    uri = upload(s3, copy_docs(synth, tmp_path / "src", ids_of(synth)[:1]))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    params = CollectParams(s3=S3Params(endpoint_url=endpoint, max_attempts=1))
    with pytest.raises(CollectError, match=f"cannot list {uri}: NoCredentialsError"):
        collect(uri, tmp_path / "out", tmp_path / "q", params, progress=False)


def test_s3_persistent_failure_loses_nothing(tmp_path: Path, synth: Path, s3: Any, proxy: FaultProxy) -> None:
    ids = ids_of(synth)[:6]
    src = copy_docs(synth, tmp_path / "src", ids)
    uri = upload(s3, src)
    bad_key = f"images/{image_of(src, ids[2]).name}"
    proxy.fail_always = (bad_key,)
    params = CollectParams(s3=S3Params(endpoint_url=proxy.url, max_attempts=2, download_threads=4))
    out, q = tmp_path / "out", tmp_path / "q"
    with pytest.raises(CollectError) as info:
        collect(uri, out, q, params, progress=False)
    err = info.value
    assert err.keys == (bad_key,) and bad_key in str(err) and "ServiceUnavailable" in str(err)
    assert SECRET not in str(err) and "testing-akid" not in str(err)
    assert sum(bad_key in p for p in proxy.failed) == 2  # max_attempts
    assert err.result is not None and (err.result.collected, err.result.listed) == (5, 6)
    assert sorted(p.stem for p in (out / "images").iterdir()) == [i for i in ids if i != ids[2]]
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m["failed"] == [bad_key] and m["collected"] == 5

    proxy.fail_always = ()
    proxy.reset()
    r = collect(uri, out, q, params, progress=False)  # the next run fetches only what failed
    assert (r.fetched, r.unchanged, r.collected) == (1, 5, 6)
    assert {p.rsplit("/", 1)[1].split(".")[0] for p in proxy.object_gets} == {ids[2]}


def test_s3_incremental(tmp_path: Path, synth: Path, s3: Any, proxy: FaultProxy) -> None:
    ids = ids_of(synth)
    src = copy_docs(synth, tmp_path / "src", ids[:6])
    uri = upload(s3, src)
    bucket, prefix = uri.removeprefix("s3://").split("/", 1)
    params = CollectParams(s3=S3Params(endpoint_url=proxy.url))
    out, q = tmp_path / "out", tmp_path / "q"
    assert collect(uri, out, q, params, progress=False).fetched == 6
    assert len(proxy.object_gets) == 24

    proxy.reset()
    second = collect(uri, out, q, params, progress=False)
    assert (second.fetched, second.unchanged, len(proxy.object_gets)) == (0, 6, 0)

    for sub in ("images", "labels", "boxes", "meta"):
        for f in (synth / sub).glob(f"{ids[6]}.*"):
            s3.put_object(Bucket=bucket, Key=f"{prefix}/{sub}/{f.name}", Body=f.read_bytes())
    label = json.loads((src / "labels" / f"{ids[0]}.json").read_text(encoding="utf-8"))
    s3.put_object(Bucket=bucket, Key=f"{prefix}/labels/{ids[0]}.json",
                  Body=json.dumps({**label, "patient_name": "남궁민수"}, ensure_ascii=False).encode())
    proxy.reset()
    third = collect(uri, out, q, params, progress=False)
    assert (third.listed, third.fetched, third.unchanged, third.collected) == (7, 2, 5, 7)
    assert {p.rsplit("/", 1)[1].split(".")[0] for p in proxy.object_gets} == {ids[0], ids[6]}

    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=f"{prefix}/")["Contents"]]
    for key in keys:
        if key.rsplit("/", 1)[1].startswith(f"{ids[3]}."):
            s3.delete_object(Bucket=bucket, Key=key)
    proxy.reset()
    fourth = collect(uri, out, q, params, progress=False)
    assert (fourth.listed, fourth.fetched, fourth.removed, len(proxy.object_gets)) == (6, 0, 1, 0)
    assert not list(out.rglob(f"{ids[3]}.*"))


def test_refuses_overlapping_folders(tmp_path: Path, synth: Path) -> None:
    src = copy_docs(synth, tmp_path / "src", ids_of(synth)[:1])
    with pytest.raises(CollectError, match="overlap"):
        collect(str(src), src / "collected", tmp_path / "q", CollectParams(), progress=False)
    with pytest.raises(CollectError, match="overlap"):
        collect(str(src), tmp_path / "out", tmp_path / "out" / "q", CollectParams(), progress=False)
    assert sorted(p.name for p in src.iterdir()) == ["boxes", "images", "labels", "manifest.json", "meta"]
