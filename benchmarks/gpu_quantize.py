"""The prepared GPU run of the 4-bit weight-only exports (docs/export-awq-gptq.md): AWQ and GPTQ made
by llm-compressor (claimvlm.export.weight_only), each scored by the evaluation stage's own function
on the test split, beside the model itself (bf16 on the GPU) and the int8 copy.

    python benchmarks/gpu_quantize.py --model models/train/model --dataset data/dataset --out OUT \\
        [--int8-metrics reports/export/metrics.json | --int8] [--schemes awq gptq] [--samples 64] \\
        [-p params.yaml] [-S evaluate.max_new_tokens=256 ...]

``--model``: a model package (the train stage's model/) or a plain checkpoint folder (e.g. the 3B
stand-in of claimvlm.model.standin, or a hub snapshot): a folder without a package manifest is
packaged first, into OUT/original. int8: ``--int8-metrics`` takes the int8 row of an export
stage's metrics.json (same dataset); ``--int8`` makes and scores it here (on the CPU: slow for a
3B); neither leaves the int8 deltas null. Writes OUT/gpu_quantize.json (rewritten after each
variant, so a run cut short keeps what it measured): per variant its size on disk, metrics,
deltas against the bf16 model and the int8 copy, and its times; the packages go to OUT/<scheme>,
the evaluations to OUT/evaluation/<variant>.

Exit 2, with the message on stderr, where there is no CUDA device or no usable llmcompressor: the
script refuses before it reads anything. Exit 1 when a scheme failed (its traceback printed, its
row "failed: ..."). Not a test: it measures and asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHORT = {"bfloat16": "bf16", "float16": "fp16", "float32": "fp32"}


def _args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, required=True, help="a model package or a checkpoint folder")
    ap.add_argument("--dataset", type=Path, required=True, help="the build stage's dataset folder")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--schemes", nargs="+", default=["awq", "gptq"], choices=["awq", "gptq"])
    ap.add_argument("--samples", type=int, default=None, help="calibration pages (default: export.calibration_samples)")
    int8 = ap.add_mutually_exclusive_group()
    int8.add_argument("--int8-metrics", type=Path, help="an export stage's metrics.json to take the int8 row from")
    int8.add_argument("--int8", action="store_true", help="make and score the int8 copy here (CPU)")
    ap.add_argument("-p", "--params", type=Path, default=ROOT / "params.yaml")
    ap.add_argument("-S", "--set", dest="sets", action="append", default=[], help="section.key=value")
    ap.add_argument("--no-progress", dest="progress", action="store_false")
    return ap.parse_args(argv)


def _package(model: Path, out: Path) -> Path:
    """``model`` itself when it is a package; else a full package of the checkpoint at ``out``."""
    from claimvlm.model.package import MANIFEST, save_trained
    from claimvlm.model.source import load

    if (model / MANIFEST).is_file():
        return model
    config = json.loads((model / "config.json").read_text())
    import torch

    dtype = getattr(torch, str(config.get("dtype") or config.get("torch_dtype") or "bfloat16"))
    loaded, processor = load(model, dtype=dtype)
    return save_trained(loaded, processor, out, base_dir=model, embed_base_max_mb=0)


def _score(name: str, package: Path, args: argparse.Namespace, p: Any) -> tuple[dict[str, float], float]:
    from claimvlm.evaluation.stage import evaluate
    from claimvlm.export.stage import MAIN_METRICS

    start = time.perf_counter()
    scored = evaluate(args.dataset, package, None, args.out / "evaluation" / name, p.evaluate, p.tracking,
                      baseline=False, champion=False, progress=args.progress)["candidate"]
    overall = scored.report.overall.metrics
    return {k: float(overall[k]) for k in MAIN_METRICS}, time.perf_counter() - start


def _int8(args: argparse.Namespace, p: Any, test_documents: int) -> dict[str, Any] | None:
    if args.int8_metrics:
        report = json.loads(args.int8_metrics.read_text(encoding="utf-8"))
        if report.get("test_documents") != test_documents or "int8" not in report.get("variants", {}):
            raise SystemExit(f"{args.int8_metrics}: no int8 row on a {test_documents}-document test split; "
                             "pass the metrics.json of an export of this dataset, or --int8")
        row = report["variants"]["int8"]
        return {"source": str(args.int8_metrics), "disk_bytes": row["disk_bytes"], "metrics": row["metrics"]}
    if not args.int8:
        return None
    from claimvlm.export.optimise import disk_bytes, export_int8

    start = time.perf_counter()
    path = export_int8(args.model_package, args.out / "int8")
    made = time.perf_counter() - start
    metrics, seconds = _score("int8", path, args, p)
    return {"source": "made here", "path": str(path), "disk_bytes": disk_bytes(path), "metrics": metrics,
            "quantize_s": made, "evaluate_s": seconds}


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    from claimvlm.export.weight_only import WeightOnlyError, require_gpu_stack

    try:
        library = require_gpu_stack("benchmarks/gpu_quantize.py (AWQ/GPTQ)")
    except WeightOnlyError as err:
        print(f"gpu_quantize: {err}", file=sys.stderr)
        return 2

    import torch
    import transformers

    from claimvlm.config import load_params
    from claimvlm.dataset.reader import read_split
    from claimvlm.export.optimise import disk_bytes
    from claimvlm.export.stage import _finite
    from claimvlm.export.weight_only import EXPORTED, weight_only_rows
    from claimvlm.model.placement import placement

    p = load_params(args.params if args.params.is_file() else None, args.sets)
    samples = args.samples or p.export.calibration_samples
    args.out.mkdir(parents=True, exist_ok=True)
    result_path = args.out / "gpu_quantize.json"
    device = torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu"
    result: dict[str, Any] = {
        "model": str(args.model), "dataset": str(args.dataset), "device": device, "torch": torch.__version__,
        "transformers": transformers.__version__, "llmcompressor": library, "calibration_samples": samples,
        "test_documents": len(read_split(args.dataset, "test")), "variants": {}}

    def write() -> None:
        result_path.write_text(json.dumps(_finite(result), indent=1, ensure_ascii=False, allow_nan=False) + "\n",
                               encoding="utf-8")

    args.model_package = _package(args.model, args.out / "original")
    reference = SHORT.get(str(placement().dtype).removeprefix("torch."), "original")
    metrics, seconds = _score(reference, args.model_package, args, p)
    result["reference"] = reference
    result["variants"][reference] = {"path": str(args.model_package), "disk_bytes": disk_bytes(args.model_package),
                                     "metrics": metrics, "evaluate_s": seconds}
    write()
    int8 = _int8(args, p, result["test_documents"])
    result["variants"]["int8"] = int8
    write()

    failed = False
    for scheme in args.schemes:
        try:
            row = weight_only_rows(args.dataset, args.model_package, args.out, args.out, [scheme], samples,
                                   p.evaluate, p.tracking, metrics, int8["metrics"] if int8 else None,
                                   progress=args.progress, raise_errors=True)[scheme]
        except Exception as err:
            traceback.print_exc()
            failed = True
            result["variants"][scheme] = {"status": f"failed: {type(err).__name__}: {err}"}
            write()
            continue
        base = result["variants"][reference]["disk_bytes"]
        result["variants"][scheme] = {
            "status": row.status, "path": row.path, "disk_bytes": row.disk_bytes,
            "size_vs_reference": row.disk_bytes / base if row.disk_bytes and row.status == EXPORTED else None,
            "metrics": row.metrics, f"delta_vs_{reference}": row.deltas, "delta_vs_int8": row.deltas_int8 or None,
            "calibration": row.calibration, "quantize_s": row.quantize_s, "evaluate_s": row.evaluate_s}
        write()
        print(f"{scheme}: {row.status}, {(row.disk_bytes or 0) / 2**20:.1f} MB, weighted_score "
              f"{row.metrics.get('weighted_score', float('nan')):.3f} "
              f"({row.deltas.get('weighted_score', float('nan')):+.3f} vs {reference})", flush=True)
    print(f"results: {result_path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
