"""The export stage on a real LoRA model: merged and int8 packages, parity, the report, the CLI.

The model is the tiny architecture with LoRA adapters trained by the train stage for a few dozen
CPU steps on one document type: its answers are poor, but parity compares models with each other,
and an adapter that trained means the merge has something to get right. One export run (module
fixture) serves most tests; a broken export is made by zeroing one decoder layer's projection.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from claimvlm.config import load_params
from claimvlm.export.optimise import export_merged
from claimvlm.export.parity import parity_check
from claimvlm.export.stage import ExportResult, export, servable
from claimvlm.model.int8 import INT8_FILE
from claimvlm.model.package import PackagingError, load_trained, save_trained
from claimvlm.model.reading import generate_json
from tests.fixtures.models import SMALL, built_dataset, tracking_overrides, train_model

pytestmark = pytest.mark.slow  # a LoRA model trained, exported and evaluated

RECIPE = [*SMALL, "train.method=lora", "train.max_steps=30", "train.learning_rate=0.005",
          "evaluate.max_new_tokens=48", "evaluate.bootstrap=100", "evaluate.canary_size=2",
          "evaluate.report_examples=0"]
BROKEN_LAYER = 1


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        root = tmp_path_factory.mktemp("export")
        dataset = built_dataset(root, 14, doc_types={"admission_discharge": 1.0},
                                splits={"train": 0.6, "val": 0.1, "test": 0.3})
        tracking = tracking_overrides(root)
        p = load_params(None, [*RECIPE, *tracking])
        trained = train_model(dataset, root / "train", [*RECIPE, *tracking])
        result = export(root / "dataset", trained.model_dir, root / "exports", root / "reports", p.export,
                        p.evaluate, p.tracking, p.build.instruction, progress=False)
        yield {"root": root, "params": p, "model_dir": trained.model_dir, "result": result,
               "overrides": [*RECIPE, *tracking]}


def _canary_pages(world: dict[str, Any]) -> tuple[list[Any], list[str]]:
    from claimvlm.dataset.reader import read_split
    from claimvlm.evaluation.stage import canary

    examples = canary(read_split(world["root"] / "dataset", "test"), world["params"].evaluate)
    return [ex.page() for ex in examples], [ex.key for ex in examples]


def _broken(merged: Path, out: Path) -> Path:
    """The merged export with one decoder layer's MLP output projection zeroed, packaged cleanly
    (manifest hashes and all): only its numbers can tell."""
    model, processor = load_trained(merged)
    nn.init.zeros_(model.model.language_model.layers[BROKEN_LAYER].mlp.down_proj.weight)
    return save_trained(model, processor, out, base_dir=merged, embed_base_max_mb=0)


def test_exports_load_and_int8_linears_are_quantised(world: dict[str, Any]) -> None:
    exports = world["root"] / "exports"
    merged_manifest = json.loads((exports / "merged" / "claimvlm_model.json").read_text())
    assert merged_manifest["format"] == "full" and merged_manifest["export"]["source_format"] == "adapter"
    assert "weights/model.safetensors" in merged_manifest["files"]
    merged, _ = load_trained(exports / "merged")
    linears = sum(type(m) is nn.Linear for m in merged.modules())

    int8, processor = load_trained(exports / "int8")
    quantised = [m for m in int8.modules() if isinstance(m, torch.ao.nn.quantized.dynamic.Linear)]
    assert len(quantised) == linears and not any(type(m) is nn.Linear for m in int8.modules())
    assert all(m.weight().dtype == torch.qint8 for m in quantised)
    manifest = json.loads((exports / "int8" / "claimvlm_model.json").read_text())
    assert manifest["quantization"]["scheme"] == "int8_dynamic" and f"weights/{INT8_FILE}" in manifest["files"]
    sizes = manifest["export"]["memory_bytes"]
    assert sizes["int8"] < 0.6 * sizes["float32"]
    pages, _ = _canary_pages(world)
    answer = generate_json(int8, processor, pages[:1], world["params"].build.instruction, max_new_tokens=8)
    assert isinstance(answer[0], str)  # generate runs on the quantised model

    # A full package's merged export is a copy; an int8 package is no source for another export.
    copy = export_merged(exports / "merged", world["root"] / "copy")
    assert json.loads((copy / "claimvlm_model.json").read_text())["export"]["how"].startswith("copy")
    assert (copy / "weights" / "model.safetensors").read_bytes() == \
        (exports / "merged" / "weights" / "model.safetensors").read_bytes()
    with pytest.raises(PackagingError, match="already quantised"):
        export_merged(exports / "int8", world["root"] / "nope")


def test_merged_and_serving_pass_parity_int8_is_reported(world: dict[str, Any]) -> None:
    result: ExportResult = world["result"]
    assert result.passed, result.parity.reasons()
    verdicts = result.parity.verdicts
    tolerance = world["params"].export.parity_max_logprob_diff
    for name in ("merged", "serving"):
        assert verdicts[name].held and verdicts[name].passed and verdicts[name].agreement == 1.0
        assert verdicts[name].max_logprob_diff is not None and verdicts[name].max_logprob_diff <= tolerance
    assert not verdicts["int8"].held and verdicts["int8"].max_logprob_diff is not None
    # The reference answers are what generate_json (the evaluation's and the MLflow reader's path) reads.
    pages, _ = _canary_pages(world)
    model, processor = load_trained(world["model_dir"])
    expected = generate_json(model, processor, pages, world["params"].build.instruction,
                             max_new_tokens=world["params"].evaluate.max_new_tokens)
    assert list(result.parity.reference_answers) == expected


def test_a_broken_export_fails_parity_naming_it_and_where(world: dict[str, Any]) -> None:
    broken = _broken(world["root"] / "exports" / "merged", world["root"] / "broken")
    pages, ids = _canary_pages(world)
    p = world["params"]
    result = parity_check(world["model_dir"], {"broken": broken}, pages, p.build.instruction,
                          max_logprob_diff=p.export.parity_max_logprob_diff,
                          max_new_tokens=p.evaluate.max_new_tokens, page_ids=ids)
    assert not result.passed and not result.verdicts["broken"].passed
    (reason,) = result.reasons()
    assert reason.startswith("broken:") and "max |Δ log p|" in reason, reason
    assert f"after decoder layer {BROKEN_LAYER}" in reason, reason


def test_report_has_both_exports_with_deltas_sizes_and_verdicts(world: dict[str, Any]) -> None:
    reports = world["root"] / "reports"
    metrics = json.loads((reports / "metrics.json").read_text())
    assert metrics["passed"] and set(metrics["variants"]) == {"original", "merged", "int8"}
    for name, v in metrics["variants"].items():
        assert {"weighted_score", "json_valid_rate", "critical_exact", "cer"} <= set(v["metrics"])
        assert set(v["deltas"]) == set(v["metrics"]) and v["disk_bytes"] > 0 and v["s_per_page"] > 0
        assert isinstance(v["servable"], bool) and v["reason"], name
        assert (reports / "evaluation" / name / "candidate.json").is_file()  # the evaluation stage's own output
    original, int8 = metrics["variants"]["original"], metrics["variants"]["int8"]
    assert int8["disk_bytes"] < 0.6 * metrics["variants"]["merged"]["disk_bytes"]
    assert int8["deltas"]["weighted_score"] == pytest.approx(
        int8["metrics"]["weighted_score"] - original["metrics"]["weighted_score"])
    assert metrics["variants"]["merged"]["servable"] and "parity" in metrics["variants"]["merged"]["reason"]
    assert {r["candidate"] for r in metrics["parity"]["rows"]} == {"merged", "serving", "int8"}
    md = (reports / "report.md").read_text(encoding="utf-8")
    assert "Parity: PASSED" in md
    for line in ("| original |", "| merged |", "| int8 |"):
        assert line in md
    assert "max_int8_drop" in md and "MB" in md


def test_servable_verdicts() -> None:
    from claimvlm.export.params import ExportParams
    from claimvlm.export.parity import ParityResult, Verdict

    params = ExportParams(max_int8_drop=0.05)
    ok = ParityResult(True, (), {"merged": Verdict("merged", True, True, 1.0, 1e-6, "merged: same"),
                                 "serving": Verdict("serving", True, True, 1.0, 1e-6, "serving: same")}, 1e-3, ())
    assert servable("int8", {"weighted_score": 0.80}, {"weighted_score": 0.84}, ok, params)[0]
    keep, why = servable("int8", {"weighted_score": 0.70}, {"weighted_score": 0.84}, ok, params)
    assert not keep and "0.140 > max_int8_drop 0.05" in why
    bad = ParityResult(False, (), {**ok.verdicts, "serving": Verdict("serving", True, False, 0.5, None,
                                                                     "serving: answers differ")}, 1e-3, ())
    keep, why = servable("merged", {"weighted_score": 0.84}, {"weighted_score": 0.84}, bad, params)
    assert not keep and "serving: answers differ" in why


def test_cli_exits_2_when_an_export_fails_parity(world: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    import typer
    from typer.testing import CliRunner

    from claimvlm.export import optimise
    from claimvlm.export.command import register

    real = optimise.export_merged

    def broken_export(package_dir: Path, out_dir: Path) -> Path:
        return _broken(real(package_dir, out_dir), out_dir)

    monkeypatch.setattr(optimise, "export_merged", broken_export)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)  # two commands: typer then dispatches by name
    (tmp_path / "params.yaml").write_text("{}\n")
    sets = [arg for o in [*world["overrides"], "export.int8=false"] for arg in ("-S", o)]
    out = CliRunner().invoke(app, ["export", str(world["root"] / "dataset"), str(world["model_dir"]),
                                   str(tmp_path / "exports"), "--reports", str(tmp_path / "reports"),
                                   "-p", str(tmp_path / "params.yaml"), "--no-progress", *sets])
    assert out.exit_code == 2, out.output
    assert "parity failed" in out.output and "merged:" in out.output
    metrics = json.loads((tmp_path / "reports" / "metrics.json").read_text())
    assert not metrics["passed"] and not metrics["variants"]["merged"]["servable"]
    assert "Parity: FAILED" in (tmp_path / "reports" / "report.md").read_text(encoding="utf-8")
