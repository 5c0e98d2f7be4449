from __future__ import annotations

import os
from pathlib import Path

import pytest

from claimvlm.config import Params, load_params
from claimvlm.synthesis.params import SynthParams

# `built`, the reproduced DVC project, and `project`, a copy of it: fixtures here, so that the DVC
# modules share the one session instance (a fixture imported into two modules is built twice).
from tests.dvc_project import built, project  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")


@pytest.fixture(scope="session")
def params() -> Params:
    """The project's own params.yaml, as a user runs it."""
    return load_params(ROOT / "params.yaml")


@pytest.fixture(scope="session")
def synth_params(params: Params) -> SynthParams:
    return params.synth.model_copy(update={"num_docs": 12, "workers": 1})


# Tests that share something expensive built once per test process (the serving tests' trained
# and registered model; a module's reproduced DVC project) run on one xdist worker, so it is built
# once, not once per worker. (xdist's own --dist loadgroup reads marks into node ids that pytest 9
# no longer uses, so the grouping is by path here.) Every other test is scheduled on its own.
# path prefix -> its group: the DVC modules share one reproduced project (tests/dvc_project.py's `built`);
# the others each build a module fixture of a minute or more (runs on three executors, a trained export).
_SHARED_BUILDS = {"tests/serving/": "serving", "tests/test_dvc_integrity.py": "dvc-built",
                  "tests/test_dvc_pipeline.py": "dvc-built", "tests/dataset/test_build.py": "build",
                  "tests/test_executors.py": "executors", "tests/export/test_export.py": "export",
                  "tests/training/test_train_stage.py": "train-stage"}


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    if config.getvalue("dist") not in ("load", "loadgroup"):
        return None
    from xdist.scheduler import LoadGroupScheduling

    class SharedBuildScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return next((group for prefix, group in _SHARED_BUILDS.items() if nodeid.startswith(prefix)), nodeid)

    return SharedBuildScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The modules marked slow as a whole (minutes each) first, the rest after, each module kept in
    one piece (its module fixtures are built once): the two workers then fill the end with short
    tests and finish together, instead of one running a long test alone at the end."""
    def module_is_slow(item: pytest.Item) -> bool:
        marks = getattr(getattr(item, "module", None), "pytestmark", [])
        return any(m.name == "slow" for m in (marks if isinstance(marks, list) else [marks]))

    items.sort(key=lambda item: not module_is_slow(item))
