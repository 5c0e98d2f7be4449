"""Pinned splits: the file that freezes which split each known document belongs to.

Gates compare a candidate with the champion on the test split, so a document that was once in
test must stay there (and never reach training) however the data grows. The build reads the
pins (a git-tracked JSON file, a dependency of the ``build`` stage), keeps every pinned document
in its split, and places only new patient groups by the greedy rule; ``claimvlm pin-splits``
adds a build's new documents to the file. Document ids are the pipeline's own (content- or
generator-derived), never names or numbers from a document.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from claimvlm.dataset.records import BuildError
from claimvlm.dataset.splits import SPLITS

PINS_VERSION = 1


def load_pins(path: Path | None) -> dict[str, str]:
    """doc id -> split; an absent ``path`` (None) pins nothing, a missing or malformed file is an error."""
    if path is None:
        return {}
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BuildError(f"pinned splits file {path} does not exist (create it with `claimvlm pin-splits`)") from None
    except json.JSONDecodeError as err:
        raise BuildError(f"pinned splits file {path} is not valid JSON: {err}") from None
    if not isinstance(data, dict) or data.get("version") != PINS_VERSION or not isinstance(data.get("documents"), dict):
        raise BuildError(f"pinned splits file {path} must be {{\"version\": {PINS_VERSION}, \"documents\": {{id: split}}}}")
    bad = sorted(doc for doc, split in data["documents"].items() if split not in SPLITS)
    if bad:
        raise BuildError(f"pinned splits file {path}: {len(bad)} document(s) pinned to an unknown split "
                         f"(first: {bad[0]!r}); splits are {', '.join(SPLITS)}")
    return dict(data["documents"])


def write_pins(path: Path, pins: dict[str, str]) -> None:
    """Sorted and stable, so that a diff of the file shows exactly the documents added."""
    body = {"version": PINS_VERSION, "counts": dict(sorted(Counter(pins.values()).items())),
            "documents": dict(sorted(pins.items()))}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")


@dataclass(frozen=True)
class PinResult:
    added: int  # documents of this build not pinned before
    kept: int  # pins already in the file (including documents absent from this build)
    changed: int  # pinned documents whose build split differs (moved with their patient group)
    counts: dict[str, int]  # split -> pinned documents after the update


def pin_splits(dataset: Path, path: Path) -> PinResult:
    """Add the documents of a built dataset to the pins file at ``path`` (created if missing).
    Existing pins are never changed: a moved document keeps its original pin and is counted."""
    pins = load_pins(path) if Path(path).exists() else {}
    built: dict[str, str] = {}
    for split in SPLITS:
        jsonl = Path(dataset) / f"{split}.jsonl"
        if not jsonl.is_file():
            raise BuildError(f"{jsonl} does not exist: {dataset} is not a built dataset")
        for line in jsonl.read_text(encoding="utf-8").splitlines():
            if line.strip():
                built[json.loads(line)["id"]] = split
    new = {doc: split for doc, split in built.items() if doc not in pins}
    changed = sum(1 for doc, split in built.items() if doc in pins and pins[doc] != split)
    merged = {**pins, **new}
    write_pins(path, merged)
    return PinResult(added=len(new), kept=len(pins), changed=changed, counts=dict(Counter(merged.values())))
