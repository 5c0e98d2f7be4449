"""The synth stage end to end: outputs, manifest, determinism, CLI and gallery."""

from __future__ import annotations

import filecmp
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from claimvlm.schema import parse_label
from claimvlm.synthesis import generate
from claimvlm.synthesis.params import SynthParams
from tests.conftest import ROOT


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def run_once(synth_params: SynthParams, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "out"
    generate.run(synth_params, out, progress=False)
    return out


def test_outputs_per_document_and_manifest(run_once: Path, synth_params: SynthParams) -> None:
    manifest = json.loads((run_once / "manifest.json").read_text())
    assert manifest["num_docs"] == synth_params.num_docs == len(manifest["documents"])
    assert sum(manifest["counts"]["document_type"].values()) == synth_params.num_docs
    assert sum(manifest["counts"]["profile"].values()) == synth_params.num_docs
    for entry in manifest["documents"]:
        ident = entry["doc_id"]
        label = parse_label((run_once / "labels" / f"{ident}.json").read_text())
        assert label.document_type == entry["document_type"]
        meta = json.loads((run_once / "meta" / f"{ident}.json").read_text())
        boxes = json.loads((run_once / "boxes" / f"{ident}.json").read_text())
        with Image.open(run_once / entry["image"]) as img:
            img.verify()
            assert (img.width, img.height) == (meta["width"], meta["height"]) == (boxes["width"], boxes["height"])
        assert (meta["degradation"]["profile"] == "clean") == entry["image"].endswith(".png")
        assert meta["layout"] in {"grid", "stacked", "lined"} and meta["seed"] == synth_params.seed


def test_same_params_give_byte_identical_outputs_on_any_worker_count(
    run_once: Path, synth_params: SynthParams, tmp_path: Path
) -> None:
    generate.run(synth_params.model_copy(update={"workers": 2}), tmp_path / "again", progress=False)
    assert _tree(run_once) == _tree(tmp_path / "again")


def test_another_seed_gives_other_documents(run_once: Path, synth_params: SynthParams, tmp_path: Path) -> None:
    generate.run(synth_params.model_copy(update={"seed": 1, "num_docs": 3}), tmp_path / "s1", progress=False)
    first = sorted((run_once / "labels").iterdir())[0].read_bytes()
    assert all(first != p.read_bytes() for p in (tmp_path / "s1" / "labels").iterdir())


def test_rerun_replaces_previous_outputs_and_refuses_foreign_folders(synth_params: SynthParams,
                                                                     tmp_path: Path) -> None:
    out = tmp_path / "out"
    generate.run(synth_params.model_copy(update={"num_docs": 5}), out, progress=False)
    generate.run(synth_params.model_copy(update={"num_docs": 2}), out, progress=False)
    assert len(list((out / "labels").iterdir())) == 2
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "precious.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="refusing"):
        generate.run(synth_params, foreign, progress=False)
    assert (foreign / "precious.txt").exists()


def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("claimvlm")  # the venv's entry point, as a user runs it
    return subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_cli_lists_stages_and_runs_synth_with_overrides(tmp_path: Path) -> None:
    help_text = _cli("--help").stdout
    assert "synth" in help_text
    res = _cli("synth", str(tmp_path / "out"), "--gallery", str(tmp_path / "sheet.png"),
               "-S", "synth.num_docs=4", "-S", "synth.workers=1")
    assert res.returncode == 0, res.stderr
    assert len(list((tmp_path / "out" / "images").iterdir())) == 4
    with Image.open(tmp_path / "sheet.png") as sheet:
        # Five rows (types) by four columns (clean + three profiles).
        assert sheet.width > 4 * 400 and sheet.height > 5 * 500
    other = _cli("synth", str(tmp_path / "out"), "--gallery", str(tmp_path / "sheet2.png"),
                 "-S", "synth.num_docs=4", "-S", "synth.workers=1")
    assert filecmp.cmp(tmp_path / "sheet.png", tmp_path / "sheet2.png", shallow=False)
    assert other.returncode == 0


def test_cli_bad_parameter_exits_with_the_key(tmp_path: Path) -> None:
    res = _cli("synth", str(tmp_path / "out"), "-S", "synth.num_docs=zero")
    assert res.returncode == 2
    assert "synth.num_docs" in res.stderr and "'zero'" in res.stderr
    assert not (tmp_path / "out").exists()
