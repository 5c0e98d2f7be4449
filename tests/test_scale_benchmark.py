"""benchmarks/scale.py: its fitting on made-up figures (quick), and a real run at two small sizes
(slow: DVC, the stages and Tesseract on 20 and 40 documents, a few minutes on 2 cores)."""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "scale.py"


@pytest.fixture
def scale(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(SCRIPT.parent))  # it imports cpu_share from beside itself
    spec = importlib.util.spec_from_file_location("scale_benchmark", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_linear_stage_is_linear_and_a_quadratic_one_is_flagged(scale: ModuleType) -> None:
    sizes = (100, 1000, 10000)
    linear = scale.fit([(n, 5 + 0.2 * n) for n in sizes])
    assert linear["model"] == "affine" and not linear["superlinear"]
    assert linear["c"] == pytest.approx(5) and linear["b"] == pytest.approx(0.2)
    assert 0.9 < linear["top_slope"] <= 1.0
    quadratic = scale.fit([(n, 1e-4 * n * n) for n in sizes])
    assert quadratic["superlinear"] and quadratic["slope"] == pytest.approx(2)
    assert scale.predict(quadratic, 20000) == pytest.approx(1e-4 * 20000**2)


def test_the_window_size_inverts_the_total_and_the_analysis_needs_every_stage(scale: ModuleType) -> None:
    assert scale.size_for(lambda n: 10 + 0.5 * n, 3600) == pytest.approx(7180, rel=1e-6)
    assert scale.size_for(lambda n: 1.0, 3600) is None  # never runs out
    runs = {f"pool/{n}": {"executor": "pool", "docs": n, "complete": True, "feedback_s": 3.0,
                          "stages": {s: {"wall_s": 4 + 0.1 * n, "cmd_s": 1 + 0.1 * n, "peak_rss_mb": 500}
                                     for s in scale.STAGES},
                          "dvc": {"status": 1.0, "noop_repro": 2.0, "push": 1 + 0.01 * n},
                          "disk_bytes": {"total": 4e6 * n}} for n in (100, 400)}
    a = scale.analyse(runs, 6.0, [1000], cores=2)["pool"]
    assert a["superlinear"] == []
    total = 5 * 4 + 1 + (5 * 0.1 + 0.01) * a["window"]["max_docs"]  # the data stages, then push
    assert total == pytest.approx(6 * 3600, rel=1e-6)
    assert a["window"]["at_2x"]["dask_workers"] >= 2
    assert a["projection"]["disk_gb_largest"] == pytest.approx(4.0)
    del runs["pool/400"]["stages"]["build"], runs["pool/100"]["stages"]["build"]
    assert "window" not in scale.analyse(runs, 6.0, [1000], cores=2)["pool"]


@pytest.mark.slow
@pytest.mark.system
def test_two_small_sizes_measure_every_stage_and_fit_a_slope(tmp_path: Path) -> None:
    out, png = tmp_path / "scale.json", tmp_path / "scale.png"
    cmd = [sys.executable, str(SCRIPT), "--sizes", "20,40", "--executors", "pool", "--skip-anchoring",
           "--out", str(out), "--plot", str(png), "--workdir", str(tmp_path / "work")]
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    result = json.loads(out.read_text(encoding="utf-8"))
    assert set(result["runs"]) == {"pool/20", "pool/40"}
    for run in result["runs"].values():
        assert run["complete"] and run["anchoring"] == "none"
        assert list(run["stages"]) == ["synth", "collect", "anonymize", "qc", "build"]
        for m in run["stages"].values():
            assert m["wall_s"] > 0 and m["docs_per_s"] > 0 and m["peak_rss_mb"] > 50
            assert m["cmd_s"] is not None and 0 < m["cmd_s"] <= m["wall_s"]
        assert set(run["dvc"]) == {"status", "noop_repro", "push"} and run["disk_bytes"]["remotes"] > 0
    fits = result["analysis"]["pool"]["fits"]
    for stage in ("synth", "collect", "anonymize", "qc", "build", "push"):
        assert math.isfinite(fits[stage]["slope"]), stage
    assert "window" in result["analysis"]["pool"] and png.stat().st_size > 10_000
    assert not (tmp_path / "work" / "pool-20").exists()  # the copies are deleted once measured

    # --resume measures nothing again; --plot-only re-plots from the file alone.
    res = subprocess.run([*cmd, "--resume"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0 and json.loads(out.read_text())["runs"] == result["runs"], res.stderr[-2000:]
    png.unlink()
    res = subprocess.run([*cmd, "--plot-only"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0 and png.exists(), res.stderr[-2000:]
