"""Test helpers: a copy of this project as a fresh git repository, and DVC run in it as a user runs it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]

BIN = Path(sys.executable).parent
KEY = "dvc-test-key-0123456789abcdef"


def env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "CLAIMVLM_PSEUDONYM_KEY": KEY, **extra}


def run(cmd: list[str], cwd: Path, check: bool = True, **extra_env: str) -> subprocess.CompletedProcess[str]:
    res = subprocess.run(cmd, cwd=cwd, env=env(**extra_env), capture_output=True, text=True, timeout=900)
    if check:
        assert res.returncode == 0, f"{cmd} failed:\n{res.stdout}\n{res.stderr}"
    return res


def dvc(*args: str, cwd: Path, check: bool = True, **extra_env: str) -> str:
    res = run([str(BIN / "dvc"), *args], cwd, check, **extra_env)
    return res.stdout + res.stderr


def set_params(repo: Path, **sections: dict) -> None:
    params = yaml.safe_load((repo / "params.yaml").read_text())
    for section, values in sections.items():
        params.setdefault(section, {}).update(values)
    (repo / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False))


def copy_project(dest: Path, num_docs: int = 6) -> Path:
    """The working tree (tracked and untracked files, not ignored ones) as a new git repository."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split()
    for rel in files:
        if (ROOT / rel).is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, dest / rel)
    set_params(dest, synth={"num_docs": num_docs, "workers": 1},
               train={"max_steps": 3, "checkpoint_every": 2, "eval_every": 2, "tokenizer_texts": 50,
                      "max_pixels": 112 * 160},
               # every split non-empty on a handful of documents; short answers, few resamples
               build={"splits": {"train": 0.5, "val": 0.25, "test": 0.25}},
               evaluate={"max_new_tokens": 24, "bootstrap": 100, "canary_size": 2, "report_examples": 1})
    # a new project's own documents: it starts with no pins (`claimvlm pin-splits` adds them)
    (dest / "pinned_splits.json").write_text('{"version": 1, "documents": {}}\n')
    run(["git", "init", "-q"], dest)
    return dest


def ran_stages(output: str) -> set[str]:
    """The stages a `dvc repro` output says it ran."""
    return {line.split("'")[1] for line in output.splitlines() if line.startswith("Running stage '")}


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole pipeline run once by `dvc repro` on a few documents, as `make run` runs it (every
    stage ran); tests copy it (``project``) before changing anything. The modules that use it run
    on one xdist worker (tests/conftest.py), so it is built once."""
    repo = copy_project(tmp_path_factory.mktemp("built") / "repo", num_docs=4)
    stages = set(yaml.safe_load((repo / "dvc.yaml").read_text())["stages"])
    assert ran_stages(dvc("repro", cwd=repo)) == stages
    return repo


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(built, repo, symlinks=True)
    return repo
