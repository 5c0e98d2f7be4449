"""Per-document work on every executor (in this process, a local process pool, a Dask cluster)
gives byte-identical outputs; Dask errors name the job; a LocalCluster started for a map is
stopped cleanly."""

from __future__ import annotations

import functools
import json
import multiprocessing
import operator
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from claimvlm.config import Params
from claimvlm.parallel import ExecutorParams, process_map
from claimvlm.privacy.stage import anonymize
from claimvlm.quality.stage import qc
from claimvlm.synthesis import generate

pytestmark = [pytest.mark.slow, pytest.mark.system]

ENV = "CLAIMVLM_EXECUTOR_TEST_KEY"
KEY = "test-key-0123456789abcdef"
# The one part of any output that differs between two runs, whatever runs them: qc's Great
# Expectations Data Docs (HTML written by great_expectations) carry the validation's run time (in a
# folder name, as text and as a sort key) and random element ids. Only those are masked, only there.
_DATA_DOCS_STAMPS = re.compile(
    rb"\d{8}T\d{6}\.\d+Z|\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:Z| UTC)"
    rb"|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(?<='_run_time_sort': )[0-9.]+")


def _tree(root: Path) -> dict[str, bytes]:
    """Every file's bytes by relative path (the Data Docs' run stamps masked)."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            rel, data = str(p.relative_to(root)), p.read_bytes()
            if rel.startswith("data_docs/"):
                rel = _DATA_DOCS_STAMPS.sub(b"<run>", rel.encode()).decode()
                data = _DATA_DOCS_STAMPS.sub(b"<run>", data)
            out[rel] = data
    return out


@pytest.fixture(scope="module")
def dask_address() -> Iterator[str]:
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0") as cluster:
        yield cluster.scheduler_address


def _stages(root: Path, workers: int, executor: ExecutorParams | None, inputs: dict[str, Path] | None) -> float:
    """synth, anonymize and qc into ``root``; anonymize and qc read ``inputs`` (the reference run's,
    one document added or broken) so each stage is compared on the same input. Returns synth's seconds,
    measured after a 4-document warm-up (fonts loaded, Dask workers' imports done)."""
    p = Params()
    generate.run(p.synth.model_copy(update={"num_docs": 4, "seed": 99, "workers": workers}), root / "warm_up",
                 progress=False, executor=executor)
    start = time.perf_counter()
    generate.run(p.synth.model_copy(update={"num_docs": 8, "seed": 7, "workers": workers}), root / "synth",
                 progress=False, executor=executor)
    seconds = time.perf_counter() - start
    if inputs is None:  # the reference run makes the inputs of the other stages
        inputs = {"anonymize": root / "anonymize_in", "qc": root / "qc_in"}
        _anonymize_input(root / "synth", inputs["anonymize"])
    anonymize(inputs["anonymize"], root / "anonymized", root / "anonymize_quarantine", root / "anonymize_reports",
              p.anonymize.model_copy(update={"key_env": ENV, "unlabelled": "pseudonymise"}), progress=False,
              workers=workers, executor=executor)
    if not inputs["qc"].exists():
        _qc_input(root / "anonymized", inputs["qc"])
    qc(inputs["qc"], root / "qc", root / "qc_quarantine", root / "qc_reports",
       p.qc.model_copy(update={"max_fail_rate": 1.0}), workers=workers, progress=False, executor=executor)
    return seconds


def _anonymize_input(synth: Path, target: Path) -> None:
    """The synth output, plus a second document of the first patient, a page without a label and a
    label without a page."""
    shutil.copytree(synth, target)
    first = min((target / "labels").glob("*.json")).stem
    for sub in ("images", "labels", "boxes", "meta"):
        for f in (target / sub).glob(f"{first}.*"):
            shutil.copy(f, target / sub / f.name.replace(first, "twin-000001"))
    shutil.copy(next((target / "images").glob(f"{first}.*")), target / "images" / "orphan-000001.png")
    shutil.copy(target / "labels" / f"{first}.json", target / "labels" / "noimage-000001.json")  # quarantined


def _qc_input(anonymized: Path, target: Path) -> None:
    """The anonymized output with one page made blank (QC quarantines it)."""
    shutil.copytree(anonymized, target)
    page = sorted((target / "images").iterdir())[1]
    Image.new("RGB", (1240, 1754), "white").save(page)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> dict[str, tuple[Path, float]]:
    os.environ[ENV] = KEY
    try:
        ref = tmp_path_factory.mktemp("in_process")
        done = {"in_process": (ref, _stages(ref, 1, None, None))}
        inputs = {"anonymize": ref / "anonymize_in", "qc": ref / "qc_in"}
        pool = tmp_path_factory.mktemp("process_pool")
        done["process_pool"] = (pool, _stages(pool, 2, None, inputs))
        # The cluster starts after the process pools (which fork) have run.
        executor = ExecutorParams(kind="dask", address=request.getfixturevalue("dask_address"))
        on_dask = tmp_path_factory.mktemp("dask")
        done["dask"] = (on_dask, _stages(on_dask, 1, executor, inputs))
    finally:
        del os.environ[ENV]
    print("\nsynth, 8 documents: " + ", ".join(f"{k} {v[1]:.1f} s" for k, v in done.items()))
    return done


OUTPUTS = ("synth", "anonymized", "anonymize_quarantine", "anonymize_reports", "qc", "qc_quarantine", "qc_reports")


@pytest.mark.parametrize("executor", ["process_pool", "dask"])
def test_every_executor_writes_byte_identical_outputs(runs, executor: str) -> None:
    ref, other = runs["in_process"][0], runs[executor][0]
    for name in OUTPUTS:
        want, got = _tree(ref / name), _tree(other / name)
        assert want, name
        assert sorted(got) == sorted(want), name
        differing = [f for f in want if want[f] != got[f]]
        assert not differing, f"{executor}: {name}: {differing}"


def test_the_compared_runs_cover_quarantine_and_reports(runs) -> None:
    root = runs["in_process"][0]
    anon = json.loads((root / "anonymized" / "manifest.json").read_text())
    # the page without a label is pseudonymised from its own reading, or quarantined by the check
    counts = anon["counts"]
    assert counts["anonymized"] == 9 and counts["by_reason"].get("missing_image") == 1
    assert counts.get("unlabelled_pseudonymised", 0) + counts["quarantined"] == 2
    assert counts["quarantined"] == 2 or (root / "anonymized" / "unlabelled" / "images" / "orphan-000001.png").is_file()
    twin = json.loads((root / "anonymized" / "labels" / "twin-000001.json").read_text())
    first = json.loads((root / "anonymized" / "labels" / f"{anon['documents'][0]}.json").read_text())
    assert twin["patient_name"] == first["patient_name"]  # surrogates consistent across workers
    summary = json.loads((root / "qc_reports" / "summary.json").read_text())
    assert summary["quarantined"] >= 1 and summary["by_check"].get("blank_page") == 1
    assert (root / "qc_reports" / "data_docs" / "index.html").exists()


def test_a_job_failing_on_a_dask_worker_is_raised_here_naming_the_job(dask_address: str) -> None:
    executor = ExecutorParams(kind="dask", address=dask_address)
    with pytest.raises(ZeroDivisionError) as info:
        process_map(functools.partial(operator.truediv, 1), [1, 2, 0, 4], desc="divide", progress=False,
                    executor=executor, names=["one", "two", "zero", "four"])
    notes = " ".join(getattr(info.value, "__notes__", []))
    assert "job 2 of 4 (zero)" in notes and dask_address in notes
    # The cluster is still usable, and results come back in job order.
    assert process_map(functools.partial(operator.truediv, 12), [1, 2, 3, 4], desc="divide", progress=False,
                       executor=executor) == [12.0, 6.0, 4.0, 3.0]


def test_dask_without_an_address_starts_and_stops_a_local_cluster(capfd: pytest.CaptureFixture[str]) -> None:
    before = set(multiprocessing.active_children())
    executor = ExecutorParams(kind="dask", dask_workers=2)
    pids = process_map(_pid, list(range(8)), desc="pids", progress=False, executor=executor)
    assert len(pids) == 8 and os.getpid() not in pids  # ran in worker processes
    assert set(multiprocessing.active_children()) <= before  # and they are gone
    err = capfd.readouterr().err
    assert not err, err  # nothing logged: no start-up chatter, no shutdown tracebacks
    with pytest.raises(ValueError) as info:
        process_map(_fail_on_three, list(range(6)), desc="three", progress=False, executor=executor)
    notes = " ".join(info.value.__notes__)
    assert "job 3 of 6 (#3)" in notes and "LocalCluster" in notes
    assert set(multiprocessing.active_children()) <= before
    # The worker logs the failed task (ERROR, with its traceback), and nothing else: shutting the
    # cluster down after a failure raises nothing either.
    err = capfd.readouterr().err
    assert "Traceback (most recent call last)" not in err and "CommClosedError" not in err, err
    assert "Port" not in err and "WARNING" not in err, err


def _pid(_: int) -> int:
    return os.getpid()


def _fail_on_three(i: int) -> int:
    if i == 3:
        raise ValueError("three")
    return i
