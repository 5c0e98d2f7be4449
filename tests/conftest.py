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


# Fixtures that train and register a model once per test process: the tests using them run on one
# xdist worker (`make test` passes --dist loadgroup), so the model is built once, not once per worker.
_SHARED_FIXTURES = {"registered": "registered-model"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for fixture, group in _SHARED_FIXTURES.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(pytest.mark.xdist_group(group))
