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
