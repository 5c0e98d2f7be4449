"""`dvc repro` runs the pipeline as `make run` does, skips unchanged stages, and pushes to the remote."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

pytestmark = pytest.mark.system
BIN = Path(sys.executable).parent


def _run(cmd: list[str], cwd: Path) -> str:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
           "CLAIMVLM_PSEUDONYM_KEY": "dvc-test-key-0123456789abcdef"}
    res = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, f"{cmd} failed:\n{res.stdout}\n{res.stderr}"
    return res.stdout + res.stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the working tree (tracked and untracked files), as a fresh git repository."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split()
    repo = tmp_path / "repo"
    for rel in files:
        if (ROOT / rel).is_file():
            (repo / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, repo / rel)
    params = yaml.safe_load((repo / "params.yaml").read_text())
    params["synth"].update(num_docs=6, workers=1)
    (repo / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False))
    _run(["git", "init", "-q"], repo)
    return repo


def test_repro_skips_unchanged_stages_and_pushes(project: Path) -> None:
    _run([str(BIN / "dvc"), "repro"], project)
    manifest = json.loads((project / "data/synth/manifest.json").read_text())
    assert manifest["num_docs"] == 6
    collected = json.loads((project / "data/collected/manifest.json").read_text())
    assert collected["listed"] == collected["collected"] == 6
    anonymized = json.loads((project / "data/anonymized/manifest.json").read_text())
    assert anonymized["counts"] == {"documents": 6, "anonymized": 6, "quarantined": 0, "by_reason": {}}
    assert json.loads((project / "reports/anonymize/leak_scan.json").read_text())["leaks"] == []
    assert (project / "reports/synth_gallery.png").stat().st_size > 0
    lock = yaml.safe_load((project / "dvc.lock").read_text())
    assert lock["stages"]["synth"]["params"]["params.yaml"]["synth"]["num_docs"] == 6

    assert "didn't change" in _run([str(BIN / "dvc"), "repro"], project)
    assert "up to date" in _run([str(BIN / "dvc"), "status"], project).lower()

    _run([str(BIN / "dvc"), "push", "-q"], project)
    assert any((project / ".dvcstore").rglob("*")), "the default local remote received nothing"

    # A parameter change re-runs the stage.
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["synth"]["num_docs"] = 3
    (project / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False))
    assert "synth" in _run([str(BIN / "dvc"), "status"], project)
    _run([str(BIN / "dvc"), "repro"], project)
    assert json.loads((project / "data/synth/manifest.json").read_text())["num_docs"] == 3
    assert json.loads((project / "data/anonymized/manifest.json").read_text())["counts"]["anonymized"] == 3
    assert "up to date" in _run([str(BIN / "dvc"), "status"], project).lower()
