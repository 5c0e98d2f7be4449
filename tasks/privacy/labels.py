"""Pseudonymising one label: the schema's PII fields and the identifiers inside free text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from claimvlm.privacy.detect import Span, redact
from claimvlm.schema import FREE_TEXT_FIELDS, PII_FIELDS


@dataclass(frozen=True)
class Replacement:
    """One field whose printed value changes: the image is rewritten where ``path`` is drawn."""

    path: str
    kind: str  # a PII_FIELDS kind, or "free_text"
    original: str
    surrogate: str


@dataclass(frozen=True)
class LabelResult:
    label: dict[str, Any]
    replacements: tuple[Replacement, ...]
    # Every original identifier (kind, value), for the leak scanner and the per-type counts.
    identifiers: tuple[tuple[str, str], ...]


def pseudonymise_label(label: dict[str, Any], surrogate: Callable[[str, str], str]) -> LabelResult:
    out = dict(label)
    replacements: list[Replacement] = []
    identifiers: list[tuple[str, str]] = []
    for field, kind in PII_FIELDS.items():
        value = label.get(field)
        if isinstance(value, str) and value:
            fake = surrogate(kind, value)
            out[field] = fake
            replacements.append(Replacement(field, kind, value, fake))
            identifiers.append((kind, value))
    for field in FREE_TEXT_FIELDS:
        text = label.get(field)
        if not isinstance(text, str) or not text:
            continue
        new_text, spans = redact(text, surrogate)
        found: list[Span] = list(spans)
        if found:
            out[field] = new_text
            replacements.append(Replacement(field, "free_text", text, new_text))
            identifiers.extend((s.type, s.text) for s in found)
    return LabelResult(out, tuple(replacements), tuple(identifiers))
