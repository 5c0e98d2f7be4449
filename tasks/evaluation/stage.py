"""The ``evaluate`` stage: every contender reads the same test split and is scored the same way.

Contenders: the trained candidate (the train stage's package), the base model it was tuned from,
the registry's current champion (loaded through ``models:/NAME@champion``, exactly as serving
loads it) and the Tesseract + rules baseline. Each gets ``reports/<name>.json`` (rates and
intervals, no values); the report shows them side by side with a few pages, worst first.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claimvlm.dataset.reader import DataError, Example, label_of, prompt_for, read_split
from claimvlm.evaluation.metrics import Item, Report, evaluate_predictions
from claimvlm.evaluation.params import EvaluateParams
from claimvlm.model.params import TrackingParams
from claimvlm.model.prompt import PromptSpec

Predictor = Callable[[Sequence[Example]], list[str]]


@dataclass(frozen=True)
class Scored:
    name: str
    report: Report
    predictions: dict[str, str]  # doc id -> raw text (pseudonymised values: for the report's pages only)


def model_predictor(model: Any, processor: Any, prompt: PromptSpec, params: EvaluateParams, *,
                    progress: bool = True, desc: str = "predict") -> Predictor:
    """Greedy decoding, ``params.batch_size`` pages at a time, each page asked the way this model
    was trained (``prompt``: its instruction, and its anchor when it was trained with anchoring)."""
    from tqdm import tqdm

    from claimvlm.model.reading import generate_json

    def predict(examples: Sequence[Example]) -> list[str]:
        out: list[str] = []
        step = params.batch_size
        with tqdm(total=len(examples), desc=desc, unit="doc", disable=not progress) as bar:
            for i in range(0, len(examples), step):
                chunk = examples[i:i + step]
                out += generate_json(model, processor, [ex.page() for ex in chunk],
                                     [prompt_for(ex, prompt) for ex in chunk],
                                     max_new_tokens=params.max_new_tokens, batch_size=step)
                bar.update(len(chunk))
        return out

    return predict


def baseline_predictor(*, workers: int = 2, progress: bool = True) -> Predictor:
    """The Tesseract + rules baseline. Pages whose OCR words the build stage stored (anchoring on)
    are parsed from those: the same reading, not read a second time."""
    from claimvlm.evaluation.baseline import answer_from_words, read_documents
    from claimvlm.page_ocr import Word

    def predict(examples: Sequence[Example]) -> list[str]:
        stored = {ex.key: ex.record["ocr"]["words"] for ex in examples
                  if ex.record.get("ocr", {}).get("engine") == "tesseract"}
        todo = [ex for ex in examples if ex.key not in stored]
        read = dict(zip((ex.key for ex in todo),
                        read_documents([ex.page() for ex in todo], workers=workers, progress=progress), strict=True))
        return [read[ex.key] if ex.key in read else answer_from_words([Word(*w) for w in stored[ex.key]])
                for ex in examples]

    return predict


def cached(predict: Predictor, model_dir: Path, prompt: PromptSpec, params: EvaluateParams,
           cache_dir: Path | None) -> Predictor:
    """``predict``, its answers kept in ``cache_dir`` under a key of everything they depend on:
    the model folder's bytes, its prompt, the pages' records and the decoding budget. The base a
    run is tuned from rarely changes, and reading the test split with it costs as much as with the
    candidate; with the key unchanged, its answers are read back instead."""
    if cache_dir is None:
        return predict

    def run(examples: Sequence[Example]) -> list[str]:
        digest = hashlib.sha256()
        for path in sorted(p for p in Path(model_dir).rglob("*") if p.is_file()):
            digest.update(path.relative_to(model_dir).as_posix().encode() + path.read_bytes())
        digest.update(json.dumps([prompt.to_json(), params.max_new_tokens, params.batch_size,
                                  [ex.record for ex in examples]], sort_keys=True, default=str).encode())
        path = Path(cache_dir) / f"{digest.hexdigest()}.json"
        if path.is_file():
            return list(json.loads(path.read_text(encoding="utf-8")))
        texts = predict(examples)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
        return texts

    return run


def base_source(base_dir: Path) -> Path:
    """The base model's folder: the train stage's ``base/`` output holds the tiny base itself, or a
    pointer (``claimvlm_base.json``: ``path``) to the checkpoint that was fine-tuned."""
    pointer = Path(base_dir) / "claimvlm_base.json"
    if not (Path(base_dir) / "config.json").is_file() and pointer.is_file():
        return Path(json.loads(pointer.read_text())["path"])
    return Path(base_dir)


def score(name: str, examples: Sequence[Example], predict: Predictor, params: EvaluateParams) -> Scored:
    texts = predict(examples)
    items = [Item(doc_id=ex.key, label=label_of(ex), prediction=text,
                  slices={"document_type": ex.record["document_type"], "capture": ex.record.get("capture", "unknown")})
             for ex, text in zip(examples, texts, strict=True)]
    return Scored(name, evaluate_predictions(items, params), dict(zip((ex.key for ex in examples), texts)))


CANARY_METRICS = ("json_valid_rate", "field_exact", "weighted_score", "cer")


def champion_predictor(tracking: TrackingParams, params: EvaluateParams, *,
                       progress: bool = True) -> tuple[str | None, Predictor | None]:
    """(version, predictor) of the registry's champion, loaded through its registry URI; (None,
    None) before the first promotion."""
    from mlflow.tracking import MlflowClient

    from claimvlm.model.registered import load_registered
    from claimvlm.model.tracking import configure
    from claimvlm.registry.registry import champion_version

    client = MlflowClient(configure(tracking))
    version = champion_version(client, tracking.registered_model)
    if version is None:
        return None, None
    # the package inside the registered model, as serving loads it (never the pickled pyfunc)
    model, processor, prompt = load_registered(f"models:/{tracking.registered_model}/{version}")
    return version, model_predictor(model, processor, prompt, params, progress=progress, desc="champion")


def canary(test: Sequence[Example], params: EvaluateParams) -> list[Example]:
    """The few test documents the post-promotion smoke check reads again (fixed: sorted ids)."""
    return sorted(test, key=lambda ex: ex.key)[: params.canary_size]


def canary_metrics(scored: Scored, examples: Sequence[Example], params: EvaluateParams) -> dict[str, float]:
    """The scores a contender got on the canary pages alone: what the smoke check must reproduce."""
    report = evaluate_predictions([Item(doc_id=ex.key, label=label_of(ex), prediction=scored.predictions[ex.key])
                                   for ex in examples], params)
    return {k: report.overall.metrics[k] for k in CANARY_METRICS}


def canary_reproducer(dataset: Path, params: EvaluateParams,
                      ids: Sequence[str] | None = None) -> Callable[[str], dict[str, float]]:
    """What the smoke check runs: the model behind a registry URI, loaded the way serving loads it
    (``mlflow.pyfunc.load_model`` and ``predict`` on page bytes), scored on the canary pages (the
    test documents ``ids``, by default this evaluation's canary)."""
    def reproduce(model_uri: str) -> dict[str, float]:
        import io

        import pandas as pd

        import mlflow

        test = read_split(Path(dataset), "test")
        if ids is None:
            examples = canary(test, params)
        else:
            by_id = {ex.key: ex for ex in test}
            missing = [i for i in ids if i not in by_id]
            if missing:
                raise DataError(f"canary pages {missing} are not in {dataset}'s test split")
            examples = [by_id[i] for i in ids]
        reader = mlflow.pyfunc.load_model(model_uri)
        pages = []
        for ex in examples:
            buf = io.BytesIO()
            ex.page().save(buf, format="PNG")
            pages.append(buf.getvalue())
        # No prompt column: the model builds its own prompt from the page (OCR anchor included), as in serving.
        frame = pd.DataFrame({"image": pages})
        texts = list(reader.predict(frame, params={"max_new_tokens": params.max_new_tokens}))
        scored = Scored("canary", evaluate_predictions(
            [Item(doc_id=ex.key, label=label_of(ex), prediction=t) for ex, t in zip(examples, texts, strict=True)],
            params), {ex.key: t for ex, t in zip(examples, texts, strict=True)})
        return {k: scored.report.overall.metrics[k] for k in CANARY_METRICS}

    return reproduce


def test_split_identity(dataset: Path, documents: int) -> dict[str, Any]:
    """Which test split every contender read: the build's own hash of ``test.jsonl`` (the ids,
    labels and image names; the shards' hashes are checked on reading), pinned by DVC and by the
    pinned-splits file (``claimvlm.dataset.pins``)."""
    card = json.loads((dataset / "card.json").read_text(encoding="utf-8"))
    return {"sha256": card["files"]["test.jsonl"], "documents": documents}


def evaluate(dataset: Path, model_dir: Path, base_dir: Path | None, reports: Path, params: EvaluateParams,
             tracking: TrackingParams, *, baseline: bool = True, champion: bool = True,
             progress: bool = True) -> dict[str, Scored]:
    """Score the contenders on the test split; write their JSON and the report into ``reports``.
    ``champion=False``: not the registry's champion (the export stage scores variants of one model)."""
    from claimvlm.evaluation.report import write_report
    from claimvlm.model.package import load_trained, read_prompt
    from claimvlm.model.placement import placement
    from claimvlm.model.source import load

    test = read_split(Path(dataset), "test")
    if not test:
        raise DataError(f"{dataset}: the test split is empty; nothing to evaluate on")
    model, processor = load_trained(Path(model_dir))
    prompt = read_prompt(Path(model_dir))
    contenders: dict[str, Predictor] = {
        "candidate": model_predictor(model, processor, prompt, params, progress=progress, desc="candidate")}
    if base_dir is not None:
        pixels = {"min_pixels": processor.image_processor.size.shortest_edge, "max_pixels": processor.max_pixels}
        source = base_source(Path(base_dir))
        where = placement()
        base, base_processor = load(source, dtype=where.dtype, **pixels)
        base = where.put(base)
        # A base that ships its own prompt (the pretrained tiny base) is asked with it; any other
        # base is asked exactly as the candidate is.
        base_prompt = PromptSpec.load(source, prompt.instruction) if (source / "claimvlm_prompt.json").is_file() \
            else prompt
        contenders["base"] = cached(model_predictor(base, base_processor, base_prompt, params, progress=progress,
                                                    desc="base"), source, base_prompt, params,
                                    Path(params.cache_dir) if params.cache_dir else None)
    champion_seen, current = champion_predictor(tracking, params, progress=progress) if champion else (None, None)
    if current is not None:
        contenders["champion"] = current
    if baseline:
        contenders["baseline"] = baseline_predictor(progress=progress)
    scored = {name: score(name, test, predict, params) for name, predict in contenders.items()}
    reports = Path(reports)
    reports.mkdir(parents=True, exist_ok=True)
    for name, s in scored.items():
        (reports / f"{name}.json").write_text(json.dumps(s.report.to_json(), indent=1, ensure_ascii=False) + "\n",
                                              encoding="utf-8")
    write_report(reports, scored, test, params)
    # What the gate needs besides the reports: which champion these numbers were compared with
    # (promotion refuses if it moved since), and the canary scores the smoke check must reproduce.
    (reports / "contenders.json").write_text(json.dumps({
        "champion_version": champion_seen, "contenders": sorted(scored),
        "canary": [ex.key for ex in canary(test, params)],
        "canary_metrics": canary_metrics(scored["candidate"], canary(test, params), params),
        "test_split": test_split_identity(Path(dataset), len(test)),
    }, indent=1) + "\n", encoding="utf-8")
    return scored
