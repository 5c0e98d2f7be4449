"""Throughput of the collect and anonymize stages, one process each:

- collect from a folder (documents/s, first run and an incremental re-run);
- anonymize with labels only (text pages/s) and with images (image pages/s);
- the free-text PII detector alone (2,000-character pages/s).

    python benchmarks/ingest_privacy_throughput.py [--docs 200]

Not a test: it prints figures for the README and asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from claimvlm.collection.stage import collect
from claimvlm.config import Params
from claimvlm.privacy.detect import find_pii
from claimvlm.privacy.stage import anonymize
from claimvlm.synthesis import generate
from claimvlm.synthesis.values import GENERATORS

KEY_ENV = "CLAIMVLM_BENCH_KEY"


def _free_text_pages(n: int) -> list[str]:
    r = random.Random(0)
    pages = []
    for _ in range(n):
        parts = []
        while sum(map(len, parts)) < 2000:
            doc = GENERATORS["diagnosis_certificate"](r, (1, 1))
            parts.append(f"환자 {doc.patient_name}({doc.patient_rrn}) 주소 {doc.patient_address}. {doc.opinion} "
                         f"진단 {doc.diagnoses[0].name} {doc.diagnoses[0].kcd_code}, 진료비 1,234,000원 납부.")
        pages.append(" ".join(parts)[:2000])
    return pages


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=200)
    args = ap.parse_args()
    os.environ[KEY_ENV] = "benchmark-key-0123456789abcdef"
    params = Params()
    table = Table(title=f"ingest and privacy throughput, {args.docs} documents, one process")
    for col in ("what", "pages/s", "seconds"):
        table.add_column(col, justify="right")

    def row(what: str, n: int, seconds: float) -> None:
        table.add_row(what, f"{n / seconds:.1f}", f"{seconds:.2f}")

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        synth = params.synth.model_copy(update={"num_docs": args.docs})
        generate.run(synth, root / "synth", progress=False)
        for label in ("collect (first run)", "collect (nothing changed)"):
            t0 = time.perf_counter()
            collect(str(root / "synth"), root / "collected", root / "q", params.collect, progress=False)
            row(label, args.docs, time.perf_counter() - t0)
        # One-time start-up (imports of diffprivlib/scikit-learn, Kiwi's model) is timed apart:
        # a stage pays it once per run, not per document.
        t0 = time.perf_counter()
        find_pii("보호자 김영희님께 설명함")
        anonymize(root / "collected", root / "warm", root / "qw", root / "rw",
                  params.anonymize.model_copy(update={"key_env": KEY_ENV, "images": False}), progress=False)
        table.add_row("anonymize start-up (once per run)", "", f"{time.perf_counter() - t0:.2f}")
        for label, images in (("anonymize, labels only", False), ("anonymize, with images", True)):
            p = params.anonymize.model_copy(update={"key_env": KEY_ENV, "images": images})
            t0 = time.perf_counter()
            anonymize(root / "collected", root / f"anon{images}", root / f"qa{images}", root / f"rep{images}", p,
                      progress=False)
            row(label, args.docs, time.perf_counter() - t0)
    pages = _free_text_pages(300)
    find_pii(pages[0])  # load the morphological analyser once, outside the timing
    t0 = time.perf_counter()
    for page in pages:
        find_pii(page)
    row("find_pii on 2,000-character pages", len(pages), time.perf_counter() - t0)
    Console().print(table)


if __name__ == "__main__":
    main()
