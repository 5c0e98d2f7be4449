"""Unlabelled pages of layouts the synth stage never drew (tests/data/pages_heldout/, written by a helper
that never read the detector): a released page holds no identifier Tesseract reads. The full figures
(24 pages) come from benchmarks/unlabelled_pages.py; this holds the floor on the first six."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "unlabelled_pages.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("unlabelled_pages_bench", SCRIPT)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_no_released_held_out_page_keeps_an_identifier_tesseract_reads(bench: ModuleType, tmp_path: Path) -> None:
    records = bench.load_generator().generate(tmp_path, n=6)
    figures = bench.score(records, tmp_path)
    assert figures["identifiers_read_before"] > 0 and figures["quarantined"] < 1.0, figures  # some are released
    assert figures["released_pages_with_a_readable_identifier"] == 0, figures
    assert figures["identifiers_removed"] == 1.0, figures
    assert figures["must_keep_intact"] >= 0.95, figures
