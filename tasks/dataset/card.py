"""The dataset card: ``card.json`` (for machines) and ``DATASET_CARD.md`` (for reviewers).

Both are functions of the build's inputs only: no timestamps, no absolute output paths, keys
in a fixed order, so a re-run with unchanged inputs writes the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from claimvlm.dataset.splits import SPLITS

SPLIT_METHOD = (
    "Documents sharing a patient identifier (surrogate RRN, chart number, or patient name with "
    "hospital name) form one group (union-find); groups never span splits. Groups are assigned "
    "largest first (ties in a seeded order) to the split that most reduces the squared distance of "
    "per-type counts (each type normalised by its size) and split sizes from fraction x total."
)


def dumps(obj: Any) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines + [""]


def _privacy_md(privacy: Mapping[str, Any] | None) -> list[str]:
    if privacy is None:
        return ["No privacy reports were given to this build.", ""]
    lines: list[str] = []
    dp = privacy.get("dp_summary")
    if isinstance(dp, Mapping):
        lines += [f"Differentially private summary of the pseudonymised batch "
                  f"(epsilon = {dp.get('epsilon')}, delta = {dp.get('delta')}, {dp.get('composition')} composition); noisy counts:", ""]
        for stat, hist in (dp.get("counts") or {}).items():
            if isinstance(hist, Mapping):
                lines += _table([stat, "noisy count"], [[k, v] for k, v in hist.items()])
        if "mean_total_amount" in dp:
            lines += [f"Noisy mean total amount: {dp['mean_total_amount']:,.0f} KRW.", ""]
    k = privacy.get("k_anonymity")
    if isinstance(k, Mapping):
        rows = [[key, json.dumps(k[key], ensure_ascii=False)] for key in
                ("k_required", "k_achieved", "levels", "records", "released", "suppressed", "classes")
                if key in k]
        lines += ["k-anonymity of the quasi-identifiers (birth year, sex, region, hospital):", ""]
        lines += _table(["", "value"], rows)
    return lines + ["The full reports are in `card.json` under `privacy`.", ""]


def render_markdown(card: Mapping[str, Any]) -> str:
    counts = card["counts"]
    types = sorted({t for per in counts["by_split_type"].values() for t in per})
    lines = [
        "# claimvlm dataset card",
        "",
        "Scanned Korean insurance-claim medical documents (synthetic or pseudonymised) paired with "
        "their labels as JSON, in the conversation format of Qwen2.5-VL's chat template and TRL's "
        "SFT collators. One user turn (the image and the instruction), one assistant turn (the "
        "label as compact JSON, keys in schema order).",
        "",
        f"Documents: **{counts['documents']}**, patient groups: **{card['groups']['total']}** "
        f"({card['groups']['multi_document']} with more than one document).",
        "",
        "## Splits",
        "",
        SPLIT_METHOD + f" Seed {card['params']['seed']}.",
        "",
    ]
    rows = [[t, *(counts["by_split_type"][s].get(t, 0) for s in SPLITS), counts["by_type"].get(t, 0)]
            for t in types]
    rows.append(["**total**", *(counts["by_split"][s] for s in SPLITS), counts["documents"]])
    rows.append(["groups", *(card["groups"]["by_split"][s] for s in SPLITS), card["groups"]["total"]])
    lines += _table(["document type", *SPLITS, "all"], rows)
    q = card["split_quality"]
    lines += [
        "Target fractions " + ", ".join(f"{s} {card['params']['splits'][s]}" for s in SPLITS)
        + "; achieved " + ", ".join(f"{s} {q['size_share'][s]:.3f}" for s in SPLITS)
        + f" (max deviation {q['max_size_deviation']:.3f}). Largest gap between a type's share in a "
        "split and its overall share: "
        + ", ".join(f"{s} {q['max_type_deviation'][s]:.3f}" for s in SPLITS) + ".",
        "",
        "## Aspect-ratio buckets (width / height)",
        "",
    ]
    buckets = card["buckets"]
    names = list(next(iter(buckets.values())).keys()) if buckets else []
    lines += _table(["bucket", *SPLITS], [[b, *(buckets[s][b] for s in SPLITS)] for b in names])
    lines += ["## Privacy", ""] + _privacy_md(card.get("privacy"))
    lines += ["## Provenance (SHA-256)", ""]
    prov = [[f"upstream `{p}`", f"`{h}`"] for p, h in card["upstream_manifests"].items()]
    prov += [[f"`{p}` ({v['samples']} samples, {v['bytes']:,} bytes)", f"`{v['sha256']}`"]
             for p, v in card["shards"].items()]
    prov += [[f"`{p}`", f"`{h}`"] for p, h in card["files"].items()]
    lines += _table(["file", "sha256"], prov)
    lines += ["## Format", "",
              "- `shards/{split}-NNNNNN.tar`: WebDataset samples, `__key__` = document id, the image "
              "bytes as delivered (`png` or `jpg`) and `json` = the record.",
              "- `{split}.jsonl`: the same records, one a line; `image` is relative to this folder "
              "(`images/ID.ext`).",
              "- `buckets.json`: split -> aspect bucket -> document ids, for same-shape batches.", ""]
    return "\n".join(lines)
