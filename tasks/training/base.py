"""Publishing a trained package as a base checkpoint others fine-tune: the pretrained tiny base.

Users of the platform fine-tune a pretrained checkpoint (Qwen2.5-VL-3B/7B); the embedded default
does the same. Its base is this project's own ``train`` stage run with a pretraining recipe
(``make base``: many synthetic documents of other seeds than the pipeline's, anchored prompts, a
long run from random weights), published here as a plain Hugging Face folder (config, weights,
tokenizer, preprocessor config, the prompt it was trained with) and a card (``README.md``)
stating its data, steps and losses. ``train.model`` points at that folder.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from claimvlm.model.package import PackagingError, verify
from claimvlm.model.prompt import PROMPT_FILE

CARD = "README.md"
FACTS = "claimvlm_base_card.json"


def publish_base(package: Path, out: Path, *, facts: dict[str, Any], dtype: str = "bfloat16") -> Path:
    """Write ``package`` (a full package from ``train``) to ``out`` as a checkpoint folder, its
    weights in ``dtype`` (bfloat16 halves what the repository carries), with its card."""
    import torch
    from transformers import AutoModelForImageTextToText

    package, out = Path(package), Path(out)
    manifest = verify(package)
    if manifest["format"] != "full":
        raise PackagingError(f"{package} is an adapter package; a base is published from full weights")
    model = AutoModelForImageTextToText.from_pretrained(package / "weights", dtype=getattr(torch, dtype),
                                                        local_files_only=True)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    model.save_pretrained(out)
    for item in (package / "processor").iterdir():
        shutil.copy2(item, out / item.name)
    if (package / PROMPT_FILE).is_file():
        shutil.copy2(package / PROMPT_FILE, out / PROMPT_FILE)
    facts = {**facts, "parameters": sum(p.numel() for p in model.parameters()), "dtype": dtype}
    (out / FACTS).write_text(json.dumps(facts, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / CARD).write_text(card(facts), encoding="utf-8")
    return out


def card(facts: dict[str, Any]) -> str:
    """The model card: what the base is, what it was trained on, how long, how well."""
    lines = ["# claimvlm-tiny: the embedded default's pretrained base", "",
             ("A Qwen2.5-VL of the real architecture at tiny size, pretrained by this project's own `train` "
              "stage on synthetic claim documents with OCR-anchored prompts. `make run` fine-tunes it as a "
              "user fine-tunes Qwen2.5-VL; `make base` rebuilds it (the recipe below)."), "",
             "| fact | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in facts.items() if not isinstance(v, (dict, list))]
    for k, v in facts.items():
        if isinstance(v, (dict, list)):
            lines += ["", f"## {k}", "", "```json", json.dumps(v, indent=1, ensure_ascii=False), "```"]
    return "\n".join(lines) + "\n"
