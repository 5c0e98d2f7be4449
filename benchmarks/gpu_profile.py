"""GPU profile of a real-shaped Qwen2.5-VL-3B: LoRA training, reading and vLLM serving, in one run.

    python benchmarks/gpu_profile.py --out gpu_profile.json                  # one H200, < 10 min
    python benchmarks/gpu_profile.py --scale small --device cpu --steps 2 --docs 6 \\
        --max-pixels 50176 --pages 2 --max-new-tokens 4 --out /tmp/p.json   # the CPU dry run

A 3B of the released widths with random bf16 weights (``claimvlm.model.standin``: no download)
is written in the hub's layout, built on the GPU. ``--docs`` synthetic documents go through the
synth and build stages (anchoring as ``--profile`` says, off where Tesseract is missing). Then,
all with the project's own code, at ``--max-pixels`` (default 1280x28x28, the production page):

1. LoRA training (``stage.prepare`` + ``loop.run_training``, the profile's train section in bf16
   with gradient checkpointing, one process, ``grad_accum`` 1): samples/s, image and text
   tokens/s (the timed steps' batches re-encoded and counted), MFU against ``--peak-tflops``
   (formula and counted FLOPs, as ``benchmarks/train_throughput.py``), the CUDA peak beside
   ``memory.estimate`` for the same plan;
2. reading: ``reading.generate_json`` (greedy, batched) with the adapter merged, as evaluation
   reads; random weights never stop early, so every page costs ``--max-new-tokens``;
3. vLLM, when ``import vllm`` works: the base plus the adapter (``enable_lora``) through the
   offline ``LLM`` API, pages/s at the same budget; else recorded as not installed.
4. SGLang, when ``import sglang`` works: ``python -m sglang.launch_server`` on the base with the
   adapter (``--lora-paths``, the folder the serving backends write), read as ``serve.backend
   sglang`` reads (one chat request per page over HTTP, all in flight, the adapter chosen by
   ``model: "<base>:<adapter>"``), at the same budget and page size: pages/s and the p50/p95 page
   latency; else recorded as not installed.

The figures go to ``--out`` as one JSON, rewritten after every phase (a run cut short keeps what
it measured), and a table is printed. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import gc
import io
import json
import math
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import torch
from rich.console import Console
from rich.table import Table

# Beside this script (run it as python benchmarks/gpu_profile.py): the FLOPs accounting of the
# train-throughput benchmark, so MFU means the same thing in both.
from train_throughput import counted_flops_per_token, formula_flops_per_token, matmul_params

PRODUCTION = Path(__file__).resolve().parents[1] / "profiles" / "production.yaml"


def parse(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", choices=["3b", "small"], default="3b", help="the stand-in's widths")
    ap.add_argument("--device", choices=["auto", "cpu"], default="auto", help="cpu: hide CUDA (the dry run)")
    ap.add_argument("--steps", type=int, default=12, help="optimizer steps (the first is not timed)")
    ap.add_argument("--docs", type=int, default=40, help="synthetic documents to build the dataset from")
    ap.add_argument("--max-pixels", type=int, default=1280 * 28 * 28, help="train.max_pixels (page size)")
    ap.add_argument("--batch-size", type=int, help="train.batch_size (default: the profile's)")
    ap.add_argument("--pages", type=int, default=8, help="pages read by generation (and by vLLM)")
    ap.add_argument("--max-new-tokens", type=int, default=128, help="tokens generated per page")
    ap.add_argument("--read-batch", type=int, default=8, help="pages per generate call")
    ap.add_argument("--peak-tflops", type=float, default=989.0, help="dense bf16 peak for MFU (989: H100/H200 SXM)")
    ap.add_argument("--profile", type=Path, default=PRODUCTION, help="params profile: train and build sections")
    ap.add_argument("--anchoring", choices=["profile", "none", "ocr"], default="profile")
    ap.add_argument("-S", "--set", action="append", default=[], metavar="KEY=VALUE",
                    help="a params override on the profile, as the CLI's -S (e.g. synth.fonts.font_dirs=[fonts])")
    ap.add_argument("--no-vllm", action="store_true", help="skip the vLLM phase")
    ap.add_argument("--no-sglang", action="store_true", help="skip the SGLang phase")
    ap.add_argument("--workdir", type=Path, help="keep the stand-in, dataset and adapter here (default: a temp dir)")
    ap.add_argument("--out", type=Path, required=True, help="the JSON of figures")
    return ap.parse_args(argv)


def _save(path: Path, figures: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")


def build_dataset(root: Path, docs: int, profile: Any, anchoring: str) -> tuple[Path, str]:
    """A build-stage dataset of ``docs`` synthetic documents; the anchoring mode it was built with."""
    from claimvlm.dataset.stage import build
    from claimvlm.synthesis import generate

    mode = profile.build.anchoring.mode if anchoring == "profile" else anchoring
    if mode == "ocr" and shutil.which("tesseract") is None:
        mode = "none (tesseract not installed)"
    generate.run(profile.synth.model_copy(update={"num_docs": docs}), root / "synth", progress=False)
    anchor = profile.build.anchoring.model_copy(update={"mode": "ocr" if mode == "ocr" else "none"})
    build(root / "synth", root / "dataset", profile.build.model_copy(update={"anchoring": anchor}), progress=False)
    return root / "dataset", mode


def token_split(batches: Any, logs: list[Any], image_id: int) -> tuple[int, int, int]:
    """(image tokens, text tokens, longest text of one sample) in the timed steps' micro-batches,
    encoded again: the same pages, augmentations and prompts (a pure function of the step)."""
    image = text = longest = 0
    for log in logs:
        _ids, batch = batches.get(log.step - 1)  # grad_accum 1: micro-batch = step - 1
        real = batch["attention_mask"].bool()
        is_image = real & (batch["input_ids"] == image_id)
        per_sample = (real & ~is_image).sum(dim=1)
        image, text = image + int(is_image.sum()), text + int(per_sample.sum())
        longest = max(longest, int(per_sample.max()))
    return image, text, longest


def profile_training(dataset: Path, run: Path, params: Any, peak_tflops: float, cuda: bool) -> tuple[Any, Any, dict]:
    """Train; (model, processor, figures): throughput, MFU and memory, measured against planned."""
    from transformers import AutoConfig

    from claimvlm.model.processor import IMAGE_TOKEN
    from claimvlm.training import stage
    from claimvlm.training.loop import run_training
    from claimvlm.training.memory import architecture_from_config, estimate, format_report, plan_from_params

    if cuda:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    model, processor, batches, _val, base = stage.prepare(dataset, run, params)
    n, n_trainable = matmul_params(model)
    outcome = run_training(model, batches, params)
    peak = torch.cuda.max_memory_allocated() if cuda else None  # before the FLOP-counting pass
    steady = outcome.logs[1:] or outcome.logs
    seconds = sum(x.seconds for x in steady)
    image, text, longest = token_split(batches, steady, processor.tokenizer.convert_tokens_to_ids(IMAGE_TOKEN))
    tokens_s = sum(x.tokens for x in steady) / seconds
    formula = formula_flops_per_token(n, n_trainable, full=False, recompute=params.gradient_checkpointing)
    counted = counted_flops_per_token(model, batches, params.precision)
    train = [e.record for e in batches.examples]
    plan = plan_from_params(params, architecture_from_config(AutoConfig.from_pretrained(base)), text_tokens=longest,
                            image_height=int(statistics.median(r["height"] for r in train)),
                            image_width=int(statistics.median(r["width"] for r in train)))
    est = estimate(plan)
    print(format_report(plan, est))
    figures = {
        "method": params.method, "precision": params.precision, "gradient_checkpointing": params.gradient_checkpointing,
        "batch_size": params.batch_size, "max_pixels": params.max_pixels, "steps": len(outcome.logs),
        "timed_steps": len(steady), "s_per_step": seconds / len(steady),
        "samples_per_s": sum(x.samples for x in steady) / seconds, "tokens_per_s": tokens_s,
        "image_tokens_per_s": image / seconds, "text_tokens_per_s": text / seconds,
        "image_tokens_per_sample": image / sum(x.samples for x in steady),
        "text_tokens_per_sample": text / sum(x.samples for x in steady),
        "tokens_counted_match": image + text == sum(x.tokens for x in steady),
        "loss_first": outcome.logs[0].loss, "loss_last": outcome.logs[-1].loss,
        "matmul_params": n, "trainable_matmul_params": n_trainable,
        "flops_per_token_formula": formula, "flops_per_token_counted": counted, "peak_tflops": peak_tflops,
        "tflops_formula": formula * tokens_s / 1e12, "tflops_counted": counted * tokens_s / 1e12,
        "mfu_formula": formula * tokens_s / (peak_tflops * 1e12),
        "mfu_counted": counted * tokens_s / (peak_tflops * 1e12),
    }
    memory = {
        "measured_peak_gib": None if peak is None else peak / 2**30,
        "estimate_gib": {k: v / 2**30 for k, v in est.table().items()},
        "measured_over_estimate": None if peak is None else peak / est.total,
        "plan": {"method": plan.method, "precision": plan.precision, "batch": plan.batch,
                 "image_tokens": est.image_tokens, "text_tokens": plan.text_tokens, "max_pixels": plan.max_pixels,
                 "image_height": plan.image_height, "image_width": plan.image_width, "lora_rank": plan.lora_rank,
                 "gradient_checkpointing": plan.gradient_checkpointing, "trainable_params": est.trainable_params,
                 "total_params": est.total_params},
    }
    return model, processor, {"train": figures, "memory": memory}


def _pages(dataset: Path, count: int) -> tuple[list[Any], list[str]]:
    """Up to ``count`` pages (test split first) and the prompt text each is read with."""
    from claimvlm.dataset.reader import prompt_for, prompt_of, read_split

    spec = prompt_of(dataset)
    examples = [ex for split in ("test", "val", "train") for ex in read_split(dataset, split)][:count]
    return [ex.page() for ex in examples], [prompt_for(ex, spec) for ex in examples]


def profile_reading(model: Any, processor: Any, pages: list[Any], texts: list[str], args: argparse.Namespace,
                    cuda: bool) -> tuple[Any, dict[str, Any]]:
    """Greedy batched reading with the adapter merged and a fresh model's settings (KV cache on,
    no checkpointing), as evaluation reads; (merged model, figures)."""
    from claimvlm.model.reading import generate_json

    merged = model.merge_and_unload() if hasattr(model, "merge_and_unload") else model
    if hasattr(merged, "activation_checkpointing_disable"):  # transformers >= 5.x name
        merged.activation_checkpointing_disable()
    elif getattr(merged, "is_gradient_checkpointing", False):
        merged.gradient_checkpointing_disable()
    merged.config.use_cache = True
    merged.eval()
    generate_json(merged, processor, pages[:1], texts[:1], max_new_tokens=2)  # warm-up: kernels, allocator
    if cuda:
        torch.cuda.synchronize()
    started = time.perf_counter()
    answers = generate_json(merged, processor, pages, texts, max_new_tokens=args.max_new_tokens,
                            batch_size=args.read_batch)
    if cuda:
        torch.cuda.synchronize()
    seconds = time.perf_counter() - started
    return merged, {"pages": len(answers), "batch_size": args.read_batch, "max_new_tokens": args.max_new_tokens,
                    "seconds": seconds, "pages_per_s": len(answers) / seconds,
                    "new_tokens_per_s": len(answers) * args.max_new_tokens / seconds}


def profile_vllm(base: Path, adapter: Path, processor: Any, pages: list[Any], texts: list[str], params: Any,
                 args: argparse.Namespace) -> dict[str, Any]:
    """Pages/s of the base + adapter served by vLLM's offline engine; errors are recorded, not raised."""
    try:
        import vllm
        from vllm.lora.request import LoRARequest
    except ImportError:
        return {"status": "not installed"}
    try:
        try:  # the project's rewrite of a transformers 5 adapter into keys vLLM maps (else it loads, unapplied)
            from claimvlm.serving.vllm_adapter import digests, write_vllm_adapter

            served = adapter.with_name("adapter-vllm")
            shutil.rmtree(served, ignore_errors=True)
            write_vllm_adapter(adapter, served, digests(adapter), "the profiled adapter")
        except ImportError:
            served = adapter
        started = time.perf_counter()
        rank = next(r for r in (8, 16, 32, 64, 128, 256) if r >= params.lora.r)
        llm = vllm.LLM(model=str(base), dtype="bfloat16", enable_lora=True, max_lora_rank=rank, max_loras=1,
                       max_model_len=8192, limit_mm_per_prompt={"image": 1}, gpu_memory_utilization=0.6, seed=0,
                       mm_processor_kwargs={"max_pixels": params.max_pixels})
        startup = time.perf_counter() - started
        prompts = [{"prompt": processor.apply_chat_template(
            [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": text}]}],
            add_generation_prompt=True), "multi_modal_data": {"image": page.convert("RGB")}}
            for page, text in zip(pages, texts, strict=True)]
        sampling = vllm.SamplingParams(temperature=0.0, max_tokens=args.max_new_tokens, ignore_eos=True)
        lora = LoRARequest("profiled", 1, str(served))
        llm.generate(prompts[:1], vllm.SamplingParams(temperature=0.0, max_tokens=2), lora_request=lora)  # warm-up
        started = time.perf_counter()
        outputs = llm.generate(prompts, sampling, lora_request=lora)
        seconds = time.perf_counter() - started
        return {"status": "ok", "version": vllm.__version__, "adapter_rewritten": served != adapter,
                "startup_s": startup, "pages": len(outputs), "seconds": seconds, "pages_per_s": len(outputs) / seconds,
                "new_tokens_per_s": sum(len(o.outputs[0].token_ids) for o in outputs) / seconds}
    except Exception as err:  # noqa: BLE001 (the other phases' figures are worth keeping)
        return {"status": "error", "error": f"{type(err).__name__}: {err}"[:1000]}


def _fit(page: Any, max_pixels: int, factor: int = 28) -> Any:
    """The page at the size Qwen2.5-VL's processor gives it under ``max_pixels`` (its smart_resize):
    SGLang takes no max_pixels per server, so the page is sent at that size and left as it is."""
    w, h = page.size
    w_bar, h_bar = max(factor, round(w / factor) * factor), max(factor, round(h / factor) * factor)
    if w_bar * h_bar > max_pixels:
        beta = math.sqrt(w * h / max_pixels)
        w_bar = max(factor, math.floor(w / beta / factor) * factor)
        h_bar = max(factor, math.floor(h / beta / factor) * factor)
    return page.convert("RGB").resize((w_bar, h_bar))


def profile_sglang(base: Path, adapter: Path, pages: list[Any], texts: list[str], params: Any,
                   args: argparse.Namespace) -> dict[str, Any]:
    """Pages/s and page latency of the base + adapter served by an SGLang server, read over HTTP as
    ``serve.backend sglang`` reads; errors are recorded, not raised."""
    try:
        import sglang
    except ImportError:
        return {"status": "not installed"}
    import httpx

    server = None
    try:
        try:  # the layout the serving backends install (SGLang refuses peft's regex target_modules)
            from claimvlm.serving.vllm_adapter import digests, write_vllm_adapter

            served = adapter.with_name("adapter-sglang")
            shutil.rmtree(served, ignore_errors=True)
            write_vllm_adapter(adapter, served, digests(adapter), "the profiled adapter")
        except ImportError:
            served = adapter
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        rank = next(r for r in (8, 16, 32, 64, 128, 256) if r >= params.lora.r)
        cmd = [sys.executable, "-m", "sglang.launch_server", "--model-path", str(base), "--host", "127.0.0.1",
               "--port", str(port), "--dtype", "bfloat16", "--enable-lora", "--lora-paths", f"profiled={served}",
               "--max-lora-rank", str(rank), "--max-loras-per-batch", "1", "--mem-fraction-static", "0.3",
               "--context-length", "8192", "--random-seed", "0"]
        started = time.perf_counter()
        with (served.parent / "sglang.log").open("w") as out:
            server = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600) as client:
            while True:  # /health: 503 while starting, 200 once up
                if server.poll() is not None:
                    raise RuntimeError(f"the server exited ({server.returncode}); see {served.parent / 'sglang.log'}")
                if time.perf_counter() - started > 900:
                    raise TimeoutError("the server was not up after 900 s")
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(2)
            startup = time.perf_counter() - started
            model = client.get("/v1/models").json()["data"][0]["id"]

            def body(page: Any, text: str, tokens: int) -> dict[str, Any]:
                buf = io.BytesIO()
                _fit(page, params.max_pixels).save(buf, "PNG", compress_level=1)
                url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
                return {"model": f"{model}:profiled", "lora_path": "profiled", "max_tokens": tokens,
                        "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}},
                                                                  {"type": "text", "text": text}]}],
                        "temperature": 0, "top_p": 1.0, "top_k": -1, "repetition_penalty": 1.0,
                        "logprobs": True, "ignore_eos": True}

            def read(request: dict[str, Any]) -> tuple[float, int]:
                t0 = time.perf_counter()
                response = client.post("/v1/chat/completions", json=request)
                response.raise_for_status()
                return time.perf_counter() - t0, int(response.json()["usage"]["completion_tokens"])

            read(body(pages[0], texts[0], 2))  # warm-up
            requests = [body(page, text, args.max_new_tokens) for page, text in zip(pages, texts, strict=True)]
            started = time.perf_counter()
            with ThreadPoolExecutor(len(requests)) as pool:  # all in flight, as the backend sends a batch
                answers = list(pool.map(read, requests))
            seconds = time.perf_counter() - started
        latencies = sorted(s for s, _ in answers)
        return {"status": "ok", "version": sglang.__version__, "startup_s": startup, "pages": len(answers),
                "seconds": seconds, "pages_per_s": len(answers) / seconds,
                "new_tokens_per_s": sum(n for _, n in answers) / seconds,
                "p50_latency_s": latencies[math.ceil(0.5 * len(latencies)) - 1],
                "p95_latency_s": latencies[math.ceil(0.95 * len(latencies)) - 1]}
    except Exception as err:  # noqa: BLE001 (the other phases' figures are worth keeping)
        return {"status": "error", "error": f"{type(err).__name__}: {err}"[:1000]}
    finally:
        if server is not None and server.poll() is None:
            server.terminate()
            try:
                server.wait(60)
            except subprocess.TimeoutExpired:
                server.kill()


def table(figures: dict[str, Any]) -> Table:
    t = Table(title=f"GPU profile: {figures['chip']}, stand-in {figures['scale']}, {figures['date']}")
    for col in ("phase", "figure", "value"):
        t.add_column(col, justify="right" if col == "value" else "left")
    for phase in ("train", "memory", "reading", "vllm", "sglang"):
        for key, value in figures.get(phase, {}).items():
            if isinstance(value, dict):
                value = ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}" for k, v in value.items())
            t.add_row(phase, key, f"{value:.4g}" if isinstance(value, float) else str(value))
    return t


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse(argv)
    if args.device == "cpu":  # the train loop takes CUDA whenever it is visible: hide it before anyone asks
        os.environ["CUDA_VISIBLE_DEVICES"] = ""
    cuda = torch.cuda.is_available()
    if args.device == "cpu" and cuda:
        raise SystemExit("--device cpu: CUDA was already initialised; run with CUDA_VISIBLE_DEVICES= instead")
    if args.scale != "small" and not cuda:
        raise SystemExit(f"--scale {args.scale} needs a CUDA GPU (a 3B is ~7.5 GB of bf16); use --scale small")
    import peft
    import transformers

    from claimvlm.config import load_params
    from claimvlm.dataset.reader import read_split
    from claimvlm.model.standin import write_standin
    from claimvlm.training import stage

    figures: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "scale": args.scale,
        "chip": torch.cuda.get_device_name() if cuda else f"CPU ({os.cpu_count()} cores)",
        "torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__,
        "argv": argv if argv is not None else sys.argv[1:],
    }
    profile = load_params(args.profile, args.set)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.workdir or Path(tmp)
        started = time.perf_counter()
        dataset, mode = build_dataset(root, args.docs, profile, args.anchoring)
        train = read_split(dataset, "train")
        figures["dataset"] = {"docs": args.docs, "train": len(train), "anchoring": mode,
                              "seconds": time.perf_counter() - started}
        started = time.perf_counter()
        # The stand-in's merges from the text the train stage would give the tiny base's tokenizer.
        texts = stage.tokenizer_corpus(stage._texts(train), 1000 if args.scale != "small" else 100, 0)
        base = write_standin(root / "standin", scale=args.scale, texts=texts, device="cuda" if cuda else "cpu")
        figures["standin"] = {"path": str(base), "seconds": time.perf_counter() - started}
        _save(args.out, figures)
        update: dict[str, Any] = {
            "model": str(base), "method": "lora", "precision": "bf16", "gradient_checkpointing": True,
            "max_pixels": args.max_pixels, "max_steps": args.steps, "grad_accum": 1,
            "warmup_steps": min(profile.train.warmup_steps, args.steps), "checkpoint_every": 10**6,
            "eval_every": 10**6, "early_stopping_patience": 0}
        if args.batch_size:
            update["batch_size"] = args.batch_size
        params = profile.train.model_copy(update=update)
        params = type(params).model_validate(params.model_dump())  # validated, as a params file would be
        model, processor, measured = profile_training(dataset, root / "run", params, args.peak_tflops, cuda)
        figures.update(measured)
        _save(args.out, figures)
        adapter = root / "adapter"
        model.save_pretrained(adapter)  # peft: the adapter alone, for vLLM
        pages, prompts = _pages(dataset, args.pages)
        merged, figures["reading"] = profile_reading(model, processor, pages, prompts, args, cuda)
        _save(args.out, figures)
        del model, merged
        gc.collect()
        if cuda:
            torch.cuda.empty_cache()
        figures["vllm"] = {"status": "skipped (--no-vllm)"} if args.no_vllm else \
            profile_vllm(base, adapter, processor, pages, prompts, params, args)
        _save(args.out, figures)
        gc.collect()
        if cuda:
            torch.cuda.empty_cache()
        figures["sglang"] = {"status": "skipped (--no-sglang)"} if args.no_sglang else \
            profile_sglang(base, adapter, pages, prompts, params, args)
        _save(args.out, figures)
    Console(width=120).print(table(figures))
    return figures


if __name__ == "__main__":
    main()
