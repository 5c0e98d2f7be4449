"""Fixtures of the training tests: no network, and the tiny model built once per module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from claimvlm.model.source import TinySpec, build_tiny
from tests.training.tiny_data import make_records, record_texts


@pytest.fixture(scope="module", autouse=True)
def offline() -> Iterator[None]:
    """Nothing here may reach the network, ever (and the variable does not leak to other modules)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        yield


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    return make_records()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory, records: list[dict[str, Any]]) -> Path:
    return build_tiny(record_texts(records), TinySpec(), tmp_path_factory.mktemp("tiny"))
