"""`dvc repro` runs the pipeline as `make run` does: a second run does nothing, a parameter change
re-runs only its stage and what follows, and outputs reach the default remote."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.dvc_project import copy_project, dvc, set_params

pytestmark = [pytest.mark.slow, pytest.mark.system]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "repo")


def _ran(output: str) -> set[str]:
    return {line.split("'")[1] for line in output.splitlines() if line.startswith("Running stage '")}


def test_repro_noop_partial_reruns_and_push(project: Path) -> None:
    stages = set(yaml.safe_load((project / "dvc.yaml").read_text())["stages"])
    assert _ran(dvc("repro", cwd=project)) == stages
    assert json.loads((project / "data/synth/manifest.json").read_text())["num_docs"] == 6
    collected = json.loads((project / "data/collected/manifest.json").read_text())
    assert collected["listed"] == collected["collected"] == 6
    anonymized = json.loads((project / "data/anonymized/manifest.json").read_text())
    assert anonymized["counts"] == {"documents": 6, "anonymized": 6, "quarantined": 0, "by_reason": {}}
    assert json.loads((project / "reports/anonymize/leak_scan.json").read_text())["leaks"] == []
    assert (project / "reports/synth_gallery.png").stat().st_size > 0

    assert _ran(dvc("repro", cwd=project)) == set()
    assert "up to date" in dvc("status", cwd=project).lower()

    dvc("push", "-q", cwd=project)
    assert any((project / ".dvcstore").rglob("*")), "the default local remote received nothing"

    # A change to one stage's parameters re-runs that stage and what follows it, nothing before
    # (a dry run says which stages would run; the run below re-runs them all for real).
    set_params(project, anonymize={"k": 3})
    ran = _ran(dvc("repro", "--dry", cwd=project))
    assert "anonymize" in ran and not ran & {"synth", "collect"}
    # (More documents, not fewer: evaluate refuses an empty test split, and 3 documents leave one.)
    set_params(project, synth={"num_docs": 8})
    assert "synth" in _ran(dvc("repro", cwd=project))
    assert json.loads((project / "data/anonymized/manifest.json").read_text())["counts"]["anonymized"] == 8
    decision = json.loads((project / "reports/gate/decision.json").read_text())
    assert decision["version"] and decision["reasons"]  # every candidate is registered with its reasons
    assert "up to date" in dvc("status", cwd=project).lower()
