from __future__ import annotations

import os
from pathlib import Path

import pytest

from claimvlm.config import Params, load_params
from claimvlm.synthesis.params import SynthParams

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
_SHARED_BUILDS = ("tests/serving/", "tests/test_dvc_integrity.py", "tests/dataset/test_build.py")


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    if config.getvalue("dist") not in ("load", "loadgroup"):
        return None
    from xdist.scheduler import LoadGroupScheduling

    class SharedBuildScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return next((prefix for prefix in _SHARED_BUILDS if nodeid.startswith(prefix)), nodeid)

    return SharedBuildScheduling(config, log)
