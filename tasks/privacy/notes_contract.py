"""The output contract shared by the independent claim-note generators D and E: the annotated line,
its JSON form and the command that writes a JSONL file. Only the contract is shared; each
generator's templates, name pools and formats are its own (see their module docstrings)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    type: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Note:
    text: str
    spans: tuple[Span, ...]
    keep: tuple[str, ...]
    kind: str = ""


SPAN_TYPES: tuple[str, ...] = (
    "name", "rrn", "phone", "card", "account", "email", "address", "chart_no",
    "health_insurance_no", "medical_license", "driver_license", "passport",
    "foreign_registration_no", "vehicle_no", "ip_address", "policy_no",
)


def check_note(note: Note) -> None:
    """Assert the note's spans are exact, typed, trimmed and non-overlapping."""
    text = note.text
    assert "\n" not in text and "\r" not in text, "one line per note"
    last_end = 0
    for sp in sorted(note.spans, key=lambda s: (s.start, s.end)):
        assert sp.type in SPAN_TYPES, sp
        assert 0 <= sp.start < sp.end <= len(text), sp
        assert text[sp.start:sp.end] == sp.text, (sp, text)
        assert sp.text == sp.text.strip(), sp
        assert sp.start >= last_end, f"overlapping spans in {text!r}"
        last_end = sp.end
    for k in note.keep:
        assert k and k in text, (k, text)


def note_to_json(note: Note) -> dict:
    return {
        "text": note.text,
        "spans": [{"type": s.type, "start": s.start, "end": s.end, "text": s.text} for s in note.spans],
        "keep": list(note.keep),
    }


def run_cli(argv: list[str] | None, description: str, generate: Callable[[int, int], list[Note]],
            template_count: Callable[[], int], kind_count: Callable[[], int]) -> int:
    """``--n N --seed S --out PATH`` ('-': stdout): the generator's notes as JSONL, counts on stderr."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", required=True, help="JSONL output path ('-' for stdout)")
    args = ap.parse_args(argv)
    t0 = time.time()
    notes = generate(args.n, args.seed)
    lines = [json.dumps(note_to_json(nt), ensure_ascii=False) for nt in notes]
    if args.out == "-":
        sys.stdout.write("\n".join(lines) + "\n")
    else:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
    counts = Counter(s.type for nt in notes for s in nt.spans)
    empty = sum(1 for nt in notes if not nt.spans)
    print(f"{len(notes)} notes, {template_count()} templates over {kind_count()} kinds, "
          f"{empty} without identifiers, {time.time() - t0:.2f}s", file=sys.stderr)
    for t in SPAN_TYPES:
        print(f"  {t:<24} {counts.get(t, 0)}", file=sys.stderr)
    return 0
