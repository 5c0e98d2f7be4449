"""The ``evaluate`` stage: every contender reads the same test split and is scored the same way.

Contenders: the trained candidate (the train stage's package), the base model it was tuned from,
the registry's current champion (loaded through ``models:/NAME@champion``, exactly as serving
loads it) and the Tesseract + rules baseline. Each gets ``reports/<name>.json`` (rates and
intervals, no values); the report shows them side by side with a few pages, worst first.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claimvlm.dataset.reader import Example, instruction_of, label_of, read_split
from claimvlm.evaluation.metrics import Item, Report, evaluate_predictions
from claimvlm.evaluation.params import EvaluateParams
from claimvlm.model.params import TrackingParams

Predictor = Callable[[Sequence[Example]], list[str]]


@dataclass(frozen=True)
class Scored:
    name: str
    report: Report
    predictions: dict[str, str]  # doc id -> raw text (pseudonymised values: for the report's pages only)


def model_predictor(model: Any, processor: Any, max_new_tokens: int, *, progress: bool = True,
                    desc: str = "predict") -> Predictor:
    """Greedy decoding, one page at a time, with the instruction each record was trained with."""
    from tqdm import tqdm

    from claimvlm.model.reading import generate_json

    def predict(examples: Sequence[Example]) -> list[str]:
        out = []
        for ex in tqdm(examples, desc=desc, unit="doc", disable=not progress):
            out += generate_json(model, processor, [ex.page()], instruction_of(ex), max_new_tokens=max_new_tokens)
        return out

    return predict


def baseline_predictor(*, workers: int = 2, progress: bool = True) -> Predictor:
    from claimvlm.evaluation.baseline import read_documents

    return lambda examples: read_documents([ex.page() for ex in examples], workers=workers, progress=progress)


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

    import mlflow
    from claimvlm.model.tracking import configure
    from claimvlm.registry.registry import champion_version

    client = MlflowClient(configure(tracking))
    version = champion_version(client, tracking.registered_model)
    if version is None:
        return None, None
    reader = mlflow.pyfunc.load_model(f"models:/{tracking.registered_model}@champion").unwrap_python_model()
    return version, model_predictor(reader.model, reader.processor, params.max_new_tokens, progress=progress,
                                    desc="champion")


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
                raise ValueError(f"canary pages {missing} are not in {dataset}'s test split")
            examples = [by_id[i] for i in ids]
        reader = mlflow.pyfunc.load_model(model_uri)
        pages = []
        for ex in examples:
            buf = io.BytesIO()
            ex.page().save(buf, format="PNG")
            pages.append(buf.getvalue())
        frame = pd.DataFrame({"image": pages, "instruction": [instruction_of(ex) for ex in examples]})
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
    from claimvlm.model.package import load_trained
    from claimvlm.model.source import load

    test = read_split(Path(dataset), "test")
    if not test:
        raise ValueError(f"{dataset}: the test split is empty; nothing to evaluate on")
    model, processor = load_trained(Path(model_dir))
    contenders: dict[str, Predictor] = {
        "candidate": model_predictor(model, processor, params.max_new_tokens, progress=progress, desc="candidate")}
    if base_dir is not None:
        pixels = {"min_pixels": processor.image_processor.size.shortest_edge, "max_pixels": processor.max_pixels}
        base, base_processor = load(Path(base_dir), **pixels)
        contenders["base"] = model_predictor(base, base_processor, params.max_new_tokens, progress=progress,
                                             desc="base")
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
