"""`dvc repro` runs the pipeline as `make run` does: a second run does nothing, a parameter change
re-runs only its stage and what follows, and outputs reach the default remote."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from claimvlm.model.standin import write_standin
from tests.dvc_project import BIN, dvc, env, ran_stages, set_params

pytestmark = [pytest.mark.slow, pytest.mark.system]


def test_repro_noop_partial_reruns_and_push(project: Path) -> None:
    # `project`: a copy of the pipeline as `dvc repro` first ran it, every stage (tests/dvc_project.py)
    assert json.loads((project / "data/synth/manifest.json").read_text())["num_docs"] == 4
    collected = json.loads((project / "data/collected/manifest.json").read_text())
    assert collected["listed"] == collected["collected"] == 4
    anonymized = json.loads((project / "data/anonymized/manifest.json").read_text())
    assert anonymized["counts"] == {"documents": 4, "anonymized": 4, "quarantined": 0, "by_reason": {}}
    assert json.loads((project / "reports/anonymize/leak_scan.json").read_text())["leaks"] == []
    assert (project / "reports/synth_gallery.png").stat().st_size > 0

    assert ran_stages(dvc("repro", cwd=project)) == set()
    assert "up to date" in dvc("status", cwd=project).lower()

    dvc("push", "-q", cwd=project)
    assert any((project / ".dvcstore").rglob("*")), "the default local remote received nothing"
    # Raw data (original identifiers) went to the restricted raw remote only, never to the default one.
    originals = set()
    for label in (project / "data/synth/labels").glob("*.json"):
        fields = json.loads(label.read_text(encoding="utf-8"))
        originals |= {str(fields[k]) for k in ("patient_name", "patient_rrn") if fields.get(k)}
    assert originals
    pushed = [f.read_bytes() for f in (project / ".dvcstore").rglob("*") if f.is_file()]
    leaked = {v for v in originals if any(v.encode() in blob for blob in pushed)}
    assert not leaked, f"{len(leaked)} original identifiers on the default remote"
    raw = [f.read_bytes() for f in (project / ".dvcstore-raw").rglob("*") if f.is_file()]
    assert all(any(v.encode() in blob for blob in raw) for v in originals)

    # A change to one stage's parameters re-runs that stage and what follows it, nothing before
    # (a dry run says which stages would run; the run below re-runs them all for real).
    k = yaml.safe_load((project / "params.yaml").read_text())["anonymize"]["k"]
    set_params(project, anonymize={"k": k + 1})
    ran = ran_stages(dvc("repro", "--dry", cwd=project))
    assert "anonymize" in ran and not ran & {"synth", "collect"}
    set_params(project, anonymize={"k": k})  # back: the run below starts at build, not anonymize
    # The README's one switch: the production profile, on a real-shaped stand-in
    # of Qwen2.5-VL-3B (the hub's layout and files, the real config fields at small widths, the real
    # special-token ids) instead of a downloaded checkpoint; the CI profile only shrinks the run.
    standin = write_standin(project.parent / "Qwen2.5-VL-3B-standin", scale="small")
    (project / "profiles" / "ci.yaml").write_text(yaml.safe_dump({
        "extends": "production.yaml",
        "build": {"anchoring": {"max_chars": 600}},
        "train": {"model": str(standin), "max_steps": 3, "checkpoint_every": 2, "eval_every": 2, "batch_size": 2,
                  "grad_accum": 1, "warmup_steps": 1, "max_pixels": 112 * 160},
        "evaluate": {"batch_size": 4}}))
    params = yaml.safe_load((project / "params.yaml").read_text())
    (project / "params.yaml").write_text(yaml.safe_dump({**params, "profile": "profiles/ci.yaml"},
                                                        allow_unicode=True, sort_keys=False))
    # the profile changes build and what follows; the data stages before it stay as they are
    ran = ran_stages(dvc("repro", cwd=project, HF_HUB_OFFLINE="1"))
    assert {"build", "train", "evaluate", "export", "gate"} <= ran and not ran & {"synth", "collect", "anonymize", "qc"}
    package = project / "models/train/model"
    assert json.loads((package / "claimvlm_model.json").read_text())["format"] == "adapter"  # LoRA, as profiled
    assert json.loads((project / "models/train/base/claimvlm_base.json").read_text())["path"] == str(standin)
    assert json.loads((project / "reports/evaluate/base.json").read_text())  # the checkpoint itself, scored
    decision = json.loads((project / "reports/gate/decision.json").read_text())
    assert decision["version"] and decision["reasons"]  # every candidate is registered with its reasons
    # random weights read nothing: the production gate's baseline rule rejects it
    assert not decision["promote"] and any("baseline" in r for r in decision["reasons"])
    assert "up to date" in dvc("status", cwd=project).lower()
    _serve_one_page(project, f"models:/{decision['registered_model']}/{decision['version']}", decision["version"])


def _serve_one_page(project: Path, model_uri: str, version: str) -> None:
    """`claimvlm serve-api` on the registered version answers an uploaded page. The stand-in's
    random weights write no JSON, so the answer is the service's 502 model_output naming the version
    that read the page: the model was loaded from the registry, placed, and generated."""
    import socket
    import subprocess
    import time

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    from claimvlm.feedback.sealing import ENV, new_key_spec

    # As a user sets it up: an API key for the caller, the feedback store's keys in the environment.
    made = subprocess.run([str(BIN / "claimvlm"), "api-key", "new", "--subject", "ci-client", "--scope", "extract"],
                          cwd=project, env=env(), capture_output=True, text=True, check=True)
    key = made.stdout.strip().splitlines()[-1]
    proc = subprocess.Popen([str(BIN / "claimvlm"), "serve-api", "--model-uri", model_uri, "--port", str(port),
                             "-S", "serve.max_new_tokens=16"], cwd=project,
                            env=env(HF_HUB_OFFLINE="1", **{ENV: new_key_spec()}),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/health/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            time.sleep(1)
        page = sorted((project / "data/synth/images").glob("*"))[0]
        anonymous = httpx.post(f"{url}/v1/extract", files={"file": (page.name, page.read_bytes())}, timeout=30)
        assert anonymous.status_code == 401  # serve-api's default: API keys
        r = httpx.post(f"{url}/v1/extract", files={"file": (page.name, page.read_bytes())}, timeout=120,
                       headers={"Authorization": f"Bearer {key}"})
        body = r.json()
        assert r.status_code == 200 or (r.status_code, body["error"]) == (502, "model_output"), body
        assert str(body.get("model_version")) == str(version) or r.headers.get("X-Model-Version") == str(version), body
    finally:
        proc.terminate()
        proc.wait(timeout=30)
