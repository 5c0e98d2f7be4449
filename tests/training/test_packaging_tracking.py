"""Model packages (save, verify, load, generate) and MLflow tracking, on the tiny model and a
SQLite store in a temporary folder: real training steps, real files, the real dvc CLI."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import torch
import yaml

from claimvlm.dataset.params import BuildParams
from claimvlm.model.package import PackagingError, load_trained, save_trained
from claimvlm.model.params import TrackingParams
from claimvlm.model.reading import generate_json
from claimvlm.model.source import collate, encode_example, load
from claimvlm.model.tracking import RunLogger, flatten, lineage_tags
from claimvlm.training.loop import train_steps
from claimvlm.training.methods import apply_method
from claimvlm.training.params import TrainParams
from tests.dvc_project import dvc
from tests.training.tiny_data import PIXELS, stand_in_page

INSTRUCTION = BuildParams().instruction
PAGES = [stand_in_page(i) for i in range(2)]


def _train(tiny: Path, records: list[dict[str, Any]], method: str) -> tuple[Any, Any]:
    """The tiny model after two optimizer steps of ``method``, one record each."""
    model, processor = load(tiny, **PIXELS)
    params = TrainParams(method=method, max_steps=2, warmup_steps=0, batch_size=1, learning_rate=1e-2)
    model = apply_method(model, params)
    train_steps(model, processor, records[:2], PAGES, params)
    return model, processor


@pytest.fixture(scope="module")
def example(tiny: Path, records: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
    _, processor = load(tiny, **PIXELS)
    batch = collate([encode_example(processor, records[0], PAGES[0])], processor.pad_id)
    batch.pop("labels")
    return batch


def _logits(model: Any, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    model.eval()
    with torch.inference_mode():
        return model(**batch).logits


@pytest.fixture(scope="module")
def lora(tiny: Path, records: list[dict[str, Any]], tmp_path_factory: pytest.TempPathFactory,
         example: dict[str, torch.Tensor]) -> dict[str, Any]:
    """A LoRA run packaged (base embedded), with the in-memory merged model's logits and answers."""
    model, processor = _train(tiny, records, "lora")
    out = save_trained(model, processor, tmp_path_factory.mktemp("lora") / "model", base_dir=tiny,
                       embed_base_max_mb=100)
    merged = model.merge_and_unload().eval()
    answers = generate_json(merged, processor, PAGES, INSTRUCTION, max_new_tokens=8)
    return {"dir": out, "logits": _logits(merged, example), "answers": answers}


def test_lora_package_round_trips(lora: dict[str, Any], tiny: Path, example: dict[str, torch.Tensor]) -> None:
    pkg = lora["dir"]
    manifest = json.loads((pkg / "claimvlm_model.json").read_text())
    assert manifest["format"] == "adapter"
    assert {"adapter/adapter_model.safetensors", "base/model.safetensors"} <= set(manifest["files"])
    assert not (pkg / "base.json").exists() and (pkg / "processor" / "tokenizer.json").is_file()
    assert not list(pkg.parent.glob(".model.*"))  # no temporary folder left behind
    model, processor = load_trained(pkg)
    assert type(model).__name__ == "Qwen2_5_VLForConditionalGeneration" and not model.training  # merged
    assert torch.allclose(_logits(model, example), lora["logits"], atol=1e-5)
    base, _ = load(tiny, **PIXELS)
    assert not torch.allclose(_logits(base, example), lora["logits"], atol=1e-3)  # the adapter matters
    assert processor.tokenizer.eos_token == "<|im_end|>"


def test_large_base_is_referenced(lora: dict[str, Any], tiny: Path, tmp_path: Path) -> None:
    with pytest.raises(PackagingError, match="is not a model package"):
        load_trained(tmp_path)
    # A fresh LoRA model (untrained adapters) is enough to check the reference layout.
    base, processor = load(tiny, **PIXELS)
    peft_model = apply_method(load(tiny, **PIXELS)[0], TrainParams(method="lora"))
    ref = save_trained(peft_model, processor, tmp_path / "ref", base_dir=tiny, embed_base_max_mb=0)
    assert json.loads((ref / "base.json").read_text()) == {"source": str(tiny.absolute())}
    assert not (ref / "base").exists()
    before = (ref / "claimvlm_model.json").read_bytes()
    with pytest.raises(PackagingError, match="not a checkpoint folder"):  # fails halfway through
        save_trained(peft_model, processor, ref, base_dir=tmp_path / "nothing", embed_base_max_mb=0)
    assert (ref / "claimvlm_model.json").read_bytes() == before and not list(tmp_path.glob(".ref.*"))
    loaded, _ = load_trained(ref)
    assert all(torch.equal(a, b) for a, b in zip(loaded.state_dict().values(), base.state_dict().values(),
                                                 strict=True))  # B = 0 at init: merged == base
    moved = tmp_path / "moved"
    shutil.copytree(ref, moved)
    (moved / "base.json").write_text(json.dumps({"source": str(tmp_path / "gone")}))
    _rehash(moved)
    with pytest.raises(PackagingError, match="gone"):
        load_trained(moved)


def test_full_package_round_trips(tiny: Path, records: list[dict[str, Any]], tmp_path: Path,
                                  example: dict[str, torch.Tensor]) -> None:
    model, processor = _train(tiny, records, "full")
    out = save_trained(model, processor, tmp_path / "full", base_dir=tiny, embed_base_max_mb=100)
    assert json.loads((out / "claimvlm_model.json").read_text())["format"] == "full"
    assert (out / "weights" / "model.safetensors").is_file() and not (out / "adapter").exists()
    expected = _logits(model, example)
    loaded, _ = load_trained(out, **PIXELS)
    assert torch.equal(_logits(loaded, example), expected)
    # Saving again over an existing package replaces it whole.
    assert save_trained(loaded, processor, out, base_dir=tiny, embed_base_max_mb=100) == out.absolute()
    assert torch.equal(_logits(load_trained(out)[0], example), expected)


def _rehash(pkg: Path) -> None:
    """Rewrite the manifest's digests, as for a package that is self-consistent but wrong."""
    manifest = json.loads((pkg / "claimvlm_model.json").read_text())
    manifest["files"] = {rel: hashlib.sha256((pkg / rel).read_bytes()).hexdigest()
                         for rel in manifest["files"] if (pkg / rel).is_file()}
    (pkg / "claimvlm_model.json").write_text(json.dumps(manifest))


def test_damaged_or_mismatched_adapter_raises(lora: dict[str, Any], tmp_path: Path) -> None:
    rel = "adapter/adapter_model.safetensors"
    truncated = shutil.copytree(lora["dir"], tmp_path / "truncated")
    data = (truncated / rel).read_bytes()
    (truncated / rel).write_bytes(data[: len(data) // 2])
    with pytest.raises(PackagingError, match=f"{rel} .*truncated or changed"):
        load_trained(truncated)
    missing = shutil.copytree(lora["dir"], tmp_path / "missing")
    (missing / rel).unlink()
    with pytest.raises(PackagingError, match=f"{rel} is missing"):
        load_trained(missing)
    # An adapter whose config targets other modules than its weights: peft would load it silently
    # (non-strict) with zero-initialised LoRA weights, i.e. return the base model.
    other = shutil.copytree(lora["dir"], tmp_path / "other")
    config = json.loads((other / "adapter/adapter_config.json").read_text())
    config["target_modules"] = config["target_modules"].replace("q_proj|", "")
    (other / "adapter/adapter_config.json").write_text(json.dumps(config))
    _rehash(other)
    with pytest.raises(PackagingError, match="does not match its base model"):
        load_trained(other)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A git repository with one commit, and a small dataset folder outside it."""
    root = tmp_path_factory.mktemp("lineage")
    repo, dataset = root / "repo", root / "dataset"
    (repo / "src").mkdir(parents=True)
    (repo / "src" / "a.py").write_text("print(1)\n")
    (dataset / "images").mkdir(parents=True)
    (dataset / "train.jsonl").write_text('{"id": "a"}\n')
    (dataset / "images" / "a.png").write_bytes(b"\x89PNG not really\r\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "init"]):
        subprocess.run(git + args, cwd=repo, check=True, capture_output=True)
    return {"repo": repo, "dataset": dataset}


@pytest.mark.system
def test_lineage_tags(project: dict[str, Path], tmp_path: Path) -> None:
    repo, dataset = project["repo"], project["dataset"]
    tags = lineage_tags(repo_root=repo, dataset_dir=dataset, params_dump={"train": {"lr": 1, "seed": 0}})
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True)
    assert tags["git.commit"] == head.stdout.strip() and tags["git.dirty"] == "false"
    assert tags["dataset.path"] == str(dataset.absolute())
    again = lineage_tags(repo_root=tmp_path, dataset_dir=dataset, params_dump={"train": {"seed": 0, "lr": 1}})
    assert again["params.hash"] == tags["params.hash"]  # key order does not matter
    assert again["git.commit"] == "unknown" and again["dataset.dvc_md5"] == tags["dataset.dvc_md5"]
    # The value `dvc add` writes for the same folder contents, also where .dvcignore drops a file.
    dvc_project = tmp_path / "dvc"
    shutil.copytree(dataset, dvc_project / "data")
    (dvc_project / "data" / "scratch.tmp").write_text("ignored\n")
    dvc("init", "--no-scm", "-q", cwd=dvc_project)
    (dvc_project / ".dvcignore").write_text("*.tmp\n")
    dvc("add", "data", cwd=dvc_project)
    out = yaml.safe_load((dvc_project / "data.dvc").read_text())["outs"][0]
    assert tags["dataset.dvc_md5"] == out["md5"] and out["md5"].endswith(".dir")
    assert lineage_tags(repo_root=dvc_project, dataset_dir=dvc_project / "data",
                        params_dump={})["dataset.dvc_md5"] == out["md5"]
    (repo / "src" / "a.py").write_text("print(2)\n")
    assert lineage_tags(repo_root=repo, dataset_dir=dataset, params_dump={})["git.dirty"] == "true"


@pytest.fixture
def tracking(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TrackingParams:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.chdir(tmp_path)
    return TrackingParams(uri=f"sqlite:///{tmp_path}/store/mlflow.db",
                          artifact_root=str(tmp_path / "artifacts"))


def _png(image: Any) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def test_run_logger_records_run_and_model(tracking: TrackingParams, lora: dict[str, Any],
                                          project: dict[str, Path], tmp_path: Path) -> None:
    import pandas as pd
    from mlflow.tracking import MlflowClient

    import mlflow

    params = {"train": TrainParams(method="lora").model_dump(mode="json"), "note": "x" * 7000}
    tags = lineage_tags(repo_root=project["repo"], dataset_dir=project["dataset"], params_dump=params)
    with RunLogger(tracking, run_name="tiny-lora", tags=tags, flush_every=2) as run:
        run.log_params(params)
        for step in range(1, 6):
            run.log_step(step, {"loss": 1.0 / step, "lr": 0.1, "grad_norm": float("nan")})
            sent = len(MlflowClient().get_metric_history(run.run_id, "loss"))
            assert sent == step - step % 2  # buffered, sent every second step
        run.log_artifacts(lora["dir"] / "claimvlm_model.json", "package")
        uri = run.log_model(lora["dir"])
    client = MlflowClient()
    got = client.get_run(run.run_id)
    assert got.info.status == "FINISHED" and got.info.run_name == "tiny-lora"
    assert got.data.params["train.lora.r"] == "8" and got.data.params["train.method"] == "lora"
    assert len(got.data.params["note"]) == 6000
    assert {k: got.data.tags[k] for k in tags} == tags
    history = client.get_metric_history(run.run_id, "loss")
    assert [(m.step, m.value) for m in history] == [(s, 1.0 / s) for s in range(1, 6)]
    assert "grad_norm" not in got.data.metrics
    experiment = client.get_experiment(got.info.experiment_id)
    assert experiment.artifact_location == (tmp_path / "artifacts").as_uri()
    assert not (tmp_path / "mlruns").exists()
    assert [a.path for a in client.list_artifacts(run.run_id, "package")] == ["package/claimvlm_model.json"]

    loaded = mlflow.pyfunc.load_model(uri)
    PAGES[0].save(tmp_path / "page.png")
    images = [_png(PAGES[0]), base64.b64encode(_png(PAGES[1])).decode(), str(tmp_path / "page.png")]
    answers = loaded.predict(pd.DataFrame({"image": images}), params={"max_new_tokens": 8})
    assert answers == [lora["answers"][0], lora["answers"][1], lora["answers"][0]]
    assert all(isinstance(a, str) for a in answers) and any(answers)
    reader = loaded.unwrap_python_model()
    assert type(reader).__name__ == "ClaimReader" and not reader.model.training
    assert generate_json(reader.model, reader.processor, PAGES[:1], INSTRUCTION, max_new_tokens=8) \
        == lora["answers"][:1]


def test_failing_body_marks_run_failed(tracking: TrackingParams) -> None:
    from mlflow.tracking import MlflowClient

    with pytest.raises(RuntimeError, match="boom"), RunLogger(tracking, flush_every=100) as run:
        run.log_step(1, {"loss": 2.0})
        raise RuntimeError("boom")
    got = MlflowClient().get_run(run.run_id)
    assert got.info.status == "FAILED" and got.data.metrics["loss"] == 2.0  # flushed before ending


def test_flatten_truncates_long_values() -> None:
    flat = flatten({"a": {"b": {"c": 1}, "d": [1, 2]}, "e": "y" * 10_000, "f": {}})
    assert flat == {"a.b.c": "1", "a.d": "[1, 2]", "e": "y" * 5997 + "...", "f": "{}"}
