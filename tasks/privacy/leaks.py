"""The leak scanner: after pseudonymisation, no original identifier may remain in any output.

Every output file (labels, the recorded text of every image in boxes/, metadata, manifests,
reports, logs) is searched for every original identifier of the batch, in the forms it could
take: as written, with any spacing, and for numbers also by their digits alone (a number
re-printed without hyphens is the same number). A match must be a whole token at its edges: a
real "…로 1" inside "…로 12", or a chart number inside a longer run of digits, is another value,
not that one. A hit fails the stage; the report names the file and the kind of identifier, never
the value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claimvlm.errors import ClaimvlmError
from claimvlm.schema import FREE_TEXT_FIELDS, PII_FIELDS

_NUMERIC_KINDS = {"rrn", "foreign_registration_no", "phone", "card", "account", "driver_license",
                  "health_insurance_no", "chart_no", "policy_no", "license_no", "medical_license", "passport"}
_UNICODE_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
# Digests (the sha256 of every file in meta/): tokens of 32 and more lowercase hex characters, a
# letter among them. A document's 5-digit licence number turned up inside one of its own by chance
# (once in a 5,000-document batch, depending on the key); identifiers are not written that way.
_DIGEST = re.compile(r"(?<![0-9A-Za-z])(?=[0-9a-f]*[a-f])[0-9a-f]{32,}(?![0-9A-Za-z])")
_TEXT_SUFFIXES = {".json", ".jsonl", ".csv", ".md", ".html", ".txt", ".log", ".yaml", ".yml"}
_NUMBER_SEPARATORS = re.compile(r"(?<=\d)[\s.-]+(?=\d)")
_SPACE = re.compile(r"\s+")
# What, standing next to a match, makes it part of another token and so not the identifier. For
# numbers: another digit, or a hyphen or dot and a digit ("1234-5678-9012" is a card number, not the
# chart number 12345678); whitespace does not (a date written before a number must not hide it).
# For text: a digit or Latin letter, and after a final number its sub-number or a branch road
# ("…로 1" is not "…로 12", "…로 1-3", "…로1길 5" or "…로1번길 5"). Hangul does not (short names
# aside): after a value it is usually a particle ("…로 12에서", "김영희님"), before it a label word
# glued on ("주소서울특별시…"); nor does whitespace (a value re-spaced by OCR is still that value).
_ALNUM = "[0-9A-Za-z]"
_NUMBER_BEFORE, _NUMBER_AFTER = r"\d[.-]?", r"[.-]?\d"
_AFTER_TEXT_NUMBER = r"[0-9A-Za-z]|[.-]\d|번?길"


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
    compact = _SPACE.sub("", value)
    if kind in _NUMERIC_KINDS:
        return len(re.sub(r"\D", "", value)) >= 8
    return len(compact) >= 3


def _edges(kind: str, key: str) -> tuple[str | None, str | None]:
    """(before, after): regexes of what may not stand right before / after a match of ``key`` (the
    digits of a number, the whitespace-free text of anything else) for it to be that value."""
    if kind in _NUMERIC_KINDS:
        return _NUMBER_BEFORE, _NUMBER_AFTER
    before = _ALNUM if re.match(_ALNUM, key[0]) else None
    if kind == "name" and len(key) <= 2:
        before = "[가-힣]"  # a short Korean name glued to Hangul on its left is the middle of a word
    after = _AFTER_TEXT_NUMBER if key[-1].isdigit() else _ALNUM if re.match(_ALNUM, key[-1]) else None
    return before, after


def _lookarounds(kind: str, key: str) -> tuple[str, str]:
    """``_edges`` as regex lookarounds (a lookbehind must have one width: one per width)."""
    before, after = _edges(kind, key)
    if before == _NUMBER_BEFORE:
        behind = r"(?<!\d)(?<!\d[.-])"
    else:
        behind = f"(?<!{before})" if before else ""
    return behind, f"(?!{after})" if after else ""


def _key(kind: str, value: str) -> str:
    return re.sub(r"\D", "", value) if kind in _NUMERIC_KINDS else _SPACE.sub("", value)


def _patterns(identifiers: Iterable[tuple[str, str]]) -> list[tuple[str, str, re.Pattern[str]]]:
    pats: dict[str, tuple[str, str]] = {}
    for kind, value in identifiers:
        key = _key(kind, value.strip())
        if not key:
            continue
        if kind in _NUMERIC_KINDS:
            if len(key) < 5:
                continue
            body = r"[\s.-]*".join(key)  # the digits in order, whatever separators (or none) between them
        elif kind == "name" or len(key) >= 4:
            body = (r"\s?" if kind == "name" else r"\s*").join(map(re.escape, key))  # spaced or not
        else:
            continue
        behind, ahead = _lookarounds(kind, key)
        pats[behind + body + ahead] = kind, key
    return [(kind, key, re.compile(p)) for p, (kind, key) in pats.items()]


def scan(files: Iterable[Path], identifiers: Iterable[tuple[str, str]], root: Path | None = None,
         surrogates: Iterable[tuple[str, str]] = ()) -> list[Leak]:
    """Every (file, kind) where an original identifier still appears.

    ``surrogates``: the document's (original, surrogate) pairs. A real value standing only inside
    the surrogate of another value (the surgeon's real two-syllable name as the first two syllables
    of the patient's surrogate) is there by chance, surrogates being drawn at random. Two-syllable
    names cannot be kept out of surrogates as longer values are (in a 20,000-document batch almost
    every surname + syllable is somebody's name), so it is settled here, where the document is known.
    Inside its own surrogate a value is still a leak: such a surrogate would be a broken one."""
    patterns = _patterns(identifiers)
    pairs = [(original, fake) for original, fake in surrogates if fake and fake != original]
    leaks: set[Leak] = set()
    for path in files:
        if path.suffix.lower() not in _TEXT_SUFFIXES or not path.is_file():
            continue
        text = _readable(_file_text(path))
        spans = [(m.start(), m.end(), original) for original, fake in pairs
                 for word in {fake, *(w for w in fake.split() if len(w) >= 2)}
                 for m in re.finditer(re.escape(word), text)]
        for kind, key, pattern in patterns:
            if any(not any(a <= m.start() and m.end() <= b and b - a > m.end() - m.start()
                           and _key(kind, original) != key for a, b, original in spans)
                   for m in pattern.finditer(text)):
                leaks.add(Leak(str(path.relative_to(root) if root else path), kind))
    return sorted(leaks, key=lambda leak: (leak.file, leak.kind))


class _View:
    """``text`` with ``drop`` removed (separators between digits, or whitespace), remembering where
    each kept character stood, so a match found in the view is judged at its edges in the text."""

    def __init__(self, text: str, drop: re.Pattern[str]) -> None:
        self.text, self._drop = text, drop
        self.view = drop.sub("", text)
        self._where: list[int] | None = None

    def whole_token(self, start: int, end: int, edges: tuple[str | None, str | None]) -> bool:
        """Whether view[start:end] is bounded in the text as ``edges`` demand."""
        if self._where is None:  # built only when something matched: most files match nothing
            where, pos = [], 0
            for m in self._drop.finditer(self.text):
                where.extend(range(pos, m.start()))
                pos = m.end()
            where.extend(range(pos, len(self.text)))
            self._where = where
        first, last = self._where[start], self._where[end - 1]
        before, after = edges
        return not (before and re.search(f"(?:{before})$", self.text[max(0, first - 2):first])) and \
            not (after and re.match(after, self.text[last + 1:last + 3]))


def _file_text(path: Path) -> str:
    """What of a file could hold an identifier. In JSON that is its strings (keys and values) and its
    numbers of eight digits or more: shorter JSON numbers are measurements (box coordinates, sizes,
    counts), and a document's 5-digit licence number equalled one of its own box coordinates once in
    20,000 documents. The values are kept apart by a bar, so digits of neighbouring values never
    join into one number."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix.lower() not in (".json", ".jsonl"):
        return text
    try:
        docs = [json.loads(line) for line in text.splitlines() if line.strip()] if path.suffix.lower() == ".jsonl" \
            else [json.loads(text)]
    except ValueError:
        return text  # not JSON after all: read as written
    return " | ".join(part for doc in docs for part in _json_parts(doc))


def _json_parts(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _json_parts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_parts(item)
    elif isinstance(value, str):
        yield value
    elif isinstance(value, int | float) and not isinstance(value, bool) and len(str(abs(int(value)))) >= 8:
        yield str(value)


def _readable(text: str) -> str:
    """The text as identifiers could be read in it: \\uXXXX escapes decoded (JSON written with
    ensure_ascii=True hides Hangul behind them), digests blanked."""
    return _DIGEST.sub("#", _UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text))


def _views(text: str) -> tuple[_View, _View]:
    """(digits joined across separators, text without whitespace): the forms identifiers are matched in."""
    text = _readable(text)
    return _View(text, _NUMBER_SEPARATORS), _View(text, _SPACE)


def _hits(automaton: Any, view: _View) -> Iterable[tuple[str, str]]:
    for end, (kind, key, edges) in automaton.iter(view.view):
        if view.whole_token(end - len(key) + 1, end + 1, edges):
            yield kind, key


def kept_values(label: dict[str, Any]) -> set[str]:
    """The strings a pseudonymised label keeps as they were: every field the schema does not mark as
    personal data or free text (hospital name, address and phone, codes, dates), nested ones too."""
    def strings(value: Any) -> Iterator[str]:
        if isinstance(value, str):
            yield value
        for item in value.values() if isinstance(value, dict) else value if isinstance(value, list) else ():
            yield from strings(item)

    return {s for field, v in label.items() if field not in PII_FIELDS and field not in FREE_TEXT_FIELDS
            for s in strings(v)}


def scan_batch(files: Iterable[Path], identifiers: Iterable[tuple[str, str]], root: Path | None = None,
               public: Iterable[str] = ()) -> list[Leak]:
    """Every (file, kind) where a distinctive identifier of the batch appears, in one pass per file.

    ``public``: values the outputs keep on purpose (a hospital's address and phone). A patient's
    real address can be the hospital building's (a care-home resident), a chart number can be
    digits of some hospital's phone: such an identifier is public text too, so finding it in
    other documents' files proves nothing; it is left to the scan of its own document's files.

    Aho-Corasick (pyahocorasick) finds all identifiers at once: the batch scan compares every
    file with every identifier, which pattern by pattern would grow with the square of the batch."""
    import ahocorasick

    numbers, texts = ahocorasick.Automaton(), ahocorasick.Automaton()
    for kind, value in identifiers:
        if is_distinctive(kind, value):
            key = _key(kind, value)
            (numbers if kind in _NUMERIC_KINDS else texts).add_word(key, (kind, key, _edges(kind, key)))
    for automaton in (numbers, texts):
        if len(automaton):
            automaton.make_automaton()

    def found(text: str) -> set[tuple[str, str]]:
        views = _views(text)
        return {hit for automaton, view in zip((numbers, texts), views, strict=True) if len(automaton)
                for hit in _hits(automaton, view)}

    coincidences = {hit for value in public for hit in found(f" {value} ")}
    leaks: set[Leak] = set()
    for path in files:
        if path.suffix.lower() not in _TEXT_SUFFIXES or not path.is_file():
            continue
        name = str(path.relative_to(root) if root else path)
        hits = found(_file_text(path))
        leaks.update(Leak(name, kind) for kind, key in hits if (kind, key) not in coincidences)
    return sorted(leaks, key=lambda leak: (leak.file, leak.kind))
