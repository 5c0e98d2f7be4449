"""The leak scanner: after pseudonymisation, no original identifier may remain in any output.

Every output file (labels, the recorded text of every image in boxes/, metadata, manifests,
reports, logs) is searched for every original identifier of the batch, in the forms it could
take: as written, and for numbers also by their digits alone (a number re-printed without
hyphens is the same number). A hit fails the stage; the report names the file and the kind
of identifier, never the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from claimvlm.errors import ClaimvlmError

_NUMERIC_KINDS = {"rrn", "foreign_registration_no", "phone", "card", "account", "driver_license",
                  "health_insurance_no", "chart_no", "policy_no", "license_no", "medical_license", "passport"}
_UNICODE_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_TEXT_SUFFIXES = {".json", ".jsonl", ".csv", ".md", ".html", ".txt", ".log", ".yaml", ".yml"}


class LeakError(ClaimvlmError, RuntimeError):
    """An original identifier was found in an output file."""


@dataclass(frozen=True)
class Leak:
    file: str
    kind: str


def is_distinctive(kind: str, value: str) -> bool:
    """Long enough that finding it anywhere in the batch is a leak, not a coincidence.

    A 5-digit licence number can equal some amount on another document's bill, and a
    two-syllable name can be an ordinary word; those are searched for only in their own
    document's files."""
    compact = re.sub(r"\s+", "", value)
    if kind in _NUMERIC_KINDS:
        return len(re.sub(r"\D", "", value)) >= 8
    return len(compact) >= 3


def _patterns(identifiers: Iterable[tuple[str, str]]) -> list[tuple[str, re.Pattern[str]]]:
    pats: dict[str, str] = {}
    for kind, value in identifiers:
        value = value.strip()
        if not value:
            continue
        digits = re.sub(r"\D", "", value)
        compact = re.sub(r"\s+", "", value)
        if kind in _NUMERIC_KINDS:
            if len(digits) >= 5:
                # The digits in order, whatever separators (or none) stand between them.
                pats[r"(?<!\d)" + r"[\s.-]*".join(digits) + r"(?!\d)"] = kind
            continue
        if kind == "name":
            # Spaced or not; a short name must not be glued to Hangul on its left (a word's middle).
            body = r"\s?".join(map(re.escape, compact))
            pats[(r"(?<![가-힣])" if len(compact) <= 2 else "") + body] = kind
        elif len(compact) >= 4:
            pats[r"\s*".join(map(re.escape, compact))] = kind
    return [(kind, re.compile(p)) for p, kind in pats.items()]


def scan(files: Iterable[Path], identifiers: Iterable[tuple[str, str]], root: Path | None = None) -> list[Leak]:
    """Every (file, kind) where an original identifier still appears."""
    patterns = _patterns(identifiers)
    leaks: set[Leak] = set()
    for path in files:
        if path.suffix.lower() not in _TEXT_SUFFIXES or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        # JSON written with ensure_ascii=True would hide Hangul behind \uXXXX escapes.
        text = _UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
        for kind, pattern in patterns:
            if pattern.search(text):
                leaks.add(Leak(str(path.relative_to(root) if root else path), kind))
    return sorted(leaks, key=lambda leak: (leak.file, leak.kind))


def _views(text: str) -> tuple[str, str]:
    """(digits joined across separators, text without whitespace): the forms identifiers are matched in."""
    text = _UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return re.sub(r"(?<=\d)[\s.-]+(?=\d)", "", text), re.sub(r"\s+", "", text)


def scan_batch(files: Iterable[Path], identifiers: Iterable[tuple[str, str]], root: Path | None = None) -> list[Leak]:
    """Every (file, kind) where a distinctive identifier of the batch appears, in one pass per file.

    Aho-Corasick (pyahocorasick) finds all identifiers at once: the batch scan compares every
    file with every identifier, which pattern by pattern would grow with the square of the batch."""
    import ahocorasick

    numbers, texts = ahocorasick.Automaton(), ahocorasick.Automaton()
    for kind, value in identifiers:
        if not is_distinctive(kind, value):
            continue
        if kind in _NUMERIC_KINDS:
            numbers.add_word(re.sub(r"\D", "", value), kind)
        else:
            texts.add_word(re.sub(r"\s+", "", value), kind)
    automata = [a for a in (numbers, texts) if len(a)]
    for a in automata:
        a.make_automaton()
    leaks: set[Leak] = set()
    for path in files:
        if path.suffix.lower() not in _TEXT_SUFFIXES or not path.is_file():
            continue
        digit_view, text_view = _views(path.read_text(encoding="utf-8", errors="replace"))
        name = str(path.relative_to(root) if root else path)
        for automaton, view in ((numbers, digit_view), (texts, text_view)):
            if len(automaton):
                leaks.update(Leak(name, kind) for _, kind in automaton.iter(view))
    return sorted(leaks, key=lambda leak: (leak.file, leak.kind))
