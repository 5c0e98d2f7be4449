"""Document-level mixing (``cutmix``, ``mixup``: tasks/synthesis/mixing.py): a contact sheet and an
A/B training comparison on the tiny default. Reported, never gated.

    python benchmarks/mixing_ab.py                     # sheet + A/B, the defaults below
    python benchmarks/mixing_ab.py --no-ab             # the contact sheet only (seconds)
    python benchmarks/mixing_ab.py --no-sheet --docs 200 --steps 150

Contact sheet (``--sheet``, docs/mixing_contact_sheet.png): the first six documents of the default
synth stage (params.yaml's synth section, seed 0: the pages ``make run`` trains on, their capture
degradations included), each as generated, through ``cutmix``, through ``mixup`` (one background
kind per row, so every kind shows), through both, and through both at the size the tiny default
trains on (~225 x 318, enlarged). Steps at p 1 with the arguments of params.yaml's commented
example; the RNG of each page is the training path's own, ``(train.seed, epoch 0, crc32(id))``.

A/B: the default pipeline's data, made the way tests/fixtures/models.py makes it (the synth stage
with params.yaml's synth section, ``--docs`` documents, then the build stage with params.yaml's
build section, OCR anchors included, and the repository's pinned_splits.json, so the splits are
the default run's 161/20/19); collect, anonymize and qc are skipped (synthetic pages, no person's
data). Then the train stage twice with params.yaml's train section and the same seed and steps:
A with ``train.augment`` as it is, B with ``cutmix`` and ``mixup`` (params.yaml's commented example,
p 0.5 each) put first. Both are scored on the same test split by the evaluation stage's own
``score`` and ``model_predictor`` (params.yaml's evaluate section). The figures go to
benchmarks/results/mixing_ab.json with the headline intervals (bootstrap over the test documents):
with 19 test documents and one seed, a difference inside them is noise.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
HEADLINE = ("weighted_score", "cer", "field_exact", "critical_exact", "json_valid_rate", "schema_valid_rate",
            "field_similarity", "wer")


def mixing_steps() -> list[Any]:
    """params.yaml's commented example of the two steps, as StepParams."""
    from claimvlm.synthesis.params import StepParams

    lines = [ln.strip()[1:].strip() for ln in (ROOT / "params.yaml").read_text(encoding="utf-8").splitlines()
             if ln.strip().startswith(("# - {name: cutmix", "# - {name: mixup"))]
    return [StepParams.model_validate(e) for e in yaml.safe_load("\n".join(lines))]


def _rng(seed: int, key: str) -> np.random.Generator:
    return np.random.default_rng([seed, 0, zlib.crc32(key.encode())])  # as training.data.Augment draws


def contact_sheet(path: Path, pages: int = 6) -> Path:
    from claimvlm.config import load_params
    from claimvlm.synthesis import fonts
    from claimvlm.synthesis.degrade import Page, build_step
    from claimvlm.synthesis.generate import make_document
    from claimvlm.synthesis.mixing import MIXUP_KINDS, MixUp

    params = load_params(ROOT / "params.yaml")
    steps = {s.name: s for s in mixing_steps()}
    cutmix = build_step("cutmix", steps["cutmix"].args)
    mixup_args = dict(steps["mixup"].args)
    both_mixup = build_step("mixup", mixup_args)
    font = fonts.load(fonts.require_hangul(params.synth.fonts.label, tuple(params.synth.fonts.font_dirs)), 16)
    thumb_w, none = 300, np.zeros((0, 2), np.float32)

    def thumb(a: np.ndarray) -> Image.Image:
        im = Image.fromarray(a)
        return im.resize((thumb_w, round(im.height * thumb_w / im.width)), Image.Resampling.LANCZOS)

    rows: list[list[tuple[str, Image.Image]]] = []
    for i in range(pages):
        doc = make_document(params.synth, i)
        kind = MIXUP_KINDS[i % len(MIXUP_KINDS)]
        one_kind = MixUp(**{**mixup_args, "kinds": (kind,)})
        seed = params.train.seed
        a = cutmix(Page(doc.image, none, _rng(seed, doc.doc_id))).image
        b = one_kind(Page(doc.image, none, _rng(seed, doc.doc_id))).image
        c = both_mixup(cutmix(Page(doc.image, none, _rng(seed, doc.doc_id)))).image
        w, h = doc.image.shape[1], doc.image.shape[0]
        scale = (71680 / (w * h)) ** 0.5  # the tiny default's max_pixels, as the data path downscales
        small = np.asarray(Image.fromarray(doc.image).resize((round(w * scale), round(h * scale)),
                                                             Image.Resampling.LANCZOS))
        d = both_mixup(cutmix(Page(small, none, _rng(seed, doc.doc_id)))).image
        d_big = Image.fromarray(d).resize((thumb_w, round(d.shape[0] * thumb_w / d.shape[1])),
                                          Image.Resampling.NEAREST)
        profile = doc.meta["degradation"]["profile"]
        rows.append([(f"{doc.doc_id} · {doc.meta['document_type']}\noriginal ({profile})", thumb(doc.image)),
                     ("cutmix\n(other documents, margins only)", thumb(a)),
                     (f"mixup: {kind}", thumb(b)),
                     ("cutmix + mixup", thumb(c)),
                     (f"both, at training size\n({d.shape[1]}x{d.shape[0]}, enlarged)", d_big)])
    cell_h = max(t.height for row in rows for _, t in row) + 46
    sheet = Image.new("RGB", (len(rows[0]) * (thumb_w + 12) + 12, len(rows) * (cell_h + 12) + 12), (70, 74, 80))
    draw = ImageDraw.Draw(sheet)
    for r, row in enumerate(rows):
        for c, (caption, im) in enumerate(row):
            x, y = 12 + c * (thumb_w + 12), 12 + r * (cell_h + 12)
            sheet.paste(im, (x, y + 46))
            draw.multiline_text((x, y + 2), caption, font=font, fill=(255, 255, 255), spacing=3)
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path, format="PNG", optimize=True)
    return path


def _dataset(work: Path, docs: int, params: Any) -> Path:
    from claimvlm.dataset.stage import build
    from claimvlm.synthesis import generate

    if (work / "dataset" / "card.json").is_file():  # --work reused: the data of an earlier run
        return work / "dataset"
    synth = params.synth.model_copy(update={"num_docs": docs})
    generate.run(synth, work / "synth", progress=False)
    build(work / "synth", work / "dataset", params.build, pinned_splits=ROOT / "pinned_splits.json", progress=False)
    return work / "dataset"


def _arm(name: str, dataset: Path, work: Path, train_params: Any, params: Any) -> dict[str, Any]:
    from claimvlm.dataset.reader import read_split
    from claimvlm.evaluation.stage import model_predictor, score
    from claimvlm.model.package import load_trained, read_prompt
    from claimvlm.model.params import TrackingParams
    from claimvlm.training.stage import train

    tracking = TrackingParams(uri=f"sqlite:///{work}/mlflow.db", artifact_root=str(work / "artifacts"))
    t0 = time.perf_counter()
    result = train(dataset, work / name / "run", work / name / "reports", train_params, tracking, progress=False)
    t1 = time.perf_counter()
    test = read_split(dataset, "test")
    model, processor = load_trained(result.model_dir)
    predict = model_predictor(model, processor, read_prompt(result.model_dir), params.evaluate, progress=False)
    report = score(name, test, predict, params.evaluate).report
    t2 = time.perf_counter()
    overall = report.overall
    return {
        "augment": [s.model_dump(mode="json") for s in train_params.augment],
        "metrics": {k: overall.metrics[k] for k in HEADLINE},
        "intervals": {k: list(overall.intervals[k]) for k in HEADLINE if k in overall.intervals},
        "test_documents": overall.documents,
        "train": {"steps": result.steps, "final_loss": result.final_loss, "best_step": result.best_step,
                  "best_val_loss": result.best_val_loss, "stopped_early": result.stopped_early,
                  "samples_per_s": result.samples_per_s},
        "seconds": {"train": round(t1 - t0, 1), "evaluate": round(t2 - t1, 1)},
    }


def image_reliance(dataset: Path, model_dir: Path, n: int = 8) -> dict[str, float]:
    """Loss per answer token of a trained model on ``n`` training documents, each page given as it
    is, all white, another document's page, and through both mixing steps (p 1): how much the
    model's answers depend on the page image at all (the same loss: not at all)."""
    import torch
    from PIL import Image

    from claimvlm.dataset.reader import read_split
    from claimvlm.model.package import load_trained
    from claimvlm.model.source import collate, encode_example
    from claimvlm.synthesis.params import StepParams
    from claimvlm.training.data import Augment

    train = read_split(dataset, "train")
    examples = train[:n]
    model, processor = load_trained(model_dir)
    mix = Augment(tuple(StepParams(name=s.name, p=1.0, args=s.args) for s in mixing_steps()), seed=0)
    variants = {
        "page": lambda i, ex: ex.page(),
        "white_page": lambda i, ex: Image.new("RGB", ex.page().size, "white"),
        "another_documents_page": lambda i, ex: train[(i + len(train) // 2) % len(train)].page(),
        "mixed_page": lambda i, ex: mix(ex.page(), ex.key, 0),
    }
    out = {}
    for name, page in variants.items():
        batch = collate([encode_example(processor, ex.record, page(i, ex)) for i, ex in enumerate(examples)],
                        processor.pad_id)
        with torch.no_grad():
            out[name] = float(model(**{k: v.to(model.device) for k, v in batch.items()}).loss)
    return out


def ab(work: Path, docs: int, steps: int | None, out: Path) -> dict[str, Any]:
    from claimvlm.config import load_params

    os.environ.pop("MLFLOW_TRACKING_URI", None)
    params = load_params(ROOT / "params.yaml")
    t0 = time.perf_counter()
    dataset = _dataset(work, docs, params)
    data_s = time.perf_counter() - t0
    base = params.train if steps is None else params.train.model_copy(update={"max_steps": steps})
    arms = {"A_without_mixing": base,
            "B_with_mixing": base.model_copy(update={"augment": (*mixing_steps(), *base.augment)})}
    results = {name: _arm(name, dataset, work, tp, params) for name, tp in arms.items()}
    a, b = results["A_without_mixing"]["metrics"], results["B_with_mixing"]["metrics"]
    reliance = image_reliance(dataset, work / "A_without_mixing" / "run" / "model")
    card = json.loads((dataset / "card.json").read_text(encoding="utf-8"))
    figures = {
        "what": "A/B of the document-level mixing steps (cutmix, mixup) on the tiny default; reported, not gated",
        "produced_by": "python benchmarks/mixing_ab.py",
        "machine": f"{platform.machine()} CPU, {os.cpu_count()} cores (shared with other jobs)",
        "data": {"synth_docs": docs, "splits": card.get("counts", card.get("splits")),
                 "anchoring": params.build.anchoring.mode, "pinned_splits": "pinned_splits.json",
                 "skipped_stages": ["collect", "anonymize", "qc"], "seconds": round(data_s, 1)},
        "train": {"model": base.model, "method": base.method, "seed": base.seed, "max_steps": base.max_steps,
                  "batch_size": base.batch_size, "early_stopping_patience": base.early_stopping_patience},
        "evaluate": {"max_new_tokens": params.evaluate.max_new_tokens, "bootstrap": params.evaluate.bootstrap,
                     "confidence": params.evaluate.confidence},
        "arms": results,
        "delta_B_minus_A": {k: b[k] - a[k] for k in HEADLINE},
        "image_reliance_of_A": {
            "what": "loss per answer token of model A on 8 training documents, by the page image it was given",
            "loss": reliance},
        "note": "one seed and 19 test documents: differences inside the intervals are noise. The tiny default "
                "answers from the OCR anchor in its prompt: its loss is the same with a white page or another "
                "document's page (image_reliance_of_A), so no page-image augmentation can move its scores.",
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=1, default=str) + "\n", encoding="utf-8")
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sheet", type=Path, default=ROOT / "docs" / "mixing_contact_sheet.png")
    ap.add_argument("--no-sheet", action="store_true")
    ap.add_argument("--no-ab", action="store_true")
    ap.add_argument("--docs", type=int, default=200, help="synthetic documents (the default pipeline: 200)")
    ap.add_argument("--steps", type=int, default=None, help="train.max_steps of both arms (default: params.yaml's)")
    ap.add_argument("--work", type=Path, default=None, help="working folder (default: a temporary one)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "mixing_ab.json")
    args = ap.parse_args()
    os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if not args.no_sheet:
        print("contact sheet:", contact_sheet(args.sheet))
    if not args.no_ab:
        with tempfile.TemporaryDirectory() as tmp:
            figures = ab(args.work or Path(tmp), args.docs, args.steps, args.out)
        for name, arm in figures["arms"].items():
            m = arm["metrics"]
            print(f"{name:18s} weighted_score {m['weighted_score']:.4f}  CER {m['cer']:.4f}  "
                  f"field_exact {m['field_exact']:.4f}  json_valid {m['json_valid_rate']:.3f}  "
                  f"train {arm['seconds']['train']} s  evaluate {arm['seconds']['evaluate']} s")
        print("written:", args.out)


if __name__ == "__main__":
    main()
