"""Korean PII detection in free text: rules with context words, plus kiwipiepy for names.

Structured identifiers (RRN, phone, card, ...) come from regexes that tolerate the OCR confusions
l/I->1 and O/o->0 inside digits; numbers identifiable only by the word in front of them (chart,
policy, health-insurance numbers) need that word. Names need a surname first and come from cues:
labels (성명, 보호자, ...), honorifics (씨, 님, 환자, ...), a neighbouring identifier (김상철 / 010-...),
or, with no cue, a particle closing the word (김영희는). Kiwi finds particles and vetoes dictionary
words (이상, 유방암); its model loads on first use, never at import.

Evaluation (`evaluate`): a predicted span matches a gold span when the types agree and their overlap
holds at least 80% of the gold span's non-space characters and at least half of the prediction's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from claimvlm.privacy import patterns as P

_HANGUL = re.compile("[가-힣]")
# Identifiers that people write right after a name (김상철 / 010-1234-5678).
_NEXT_TO_NAME = frozenset({"rrn", "phone", "email", "passport", "driver_license"})

PII_TYPES: tuple[str, ...] = (
    "name", "rrn", "phone", "card", "account", "email", "driver_license", "passport",
    "health_insurance_no", "chart_no", "policy_no", "address",
)
STRUCTURED_TYPES: frozenset[str] = frozenset(PII_TYPES) - {"name", "address"}
# On overlap the more specific type wins (an RRN also looks like a hyphenated account number);
# within a type, the longer span.
_PRIORITY = {t: i for i, t in enumerate((
    "rrn", "card", "driver_license", "passport", "email", "phone", "health_insurance_no", "chart_no",
    "policy_no", "account", "address", "name",
))}


@dataclass(frozen=True)
class Span:
    type: str
    start: int
    end: int
    text: str


def find_pii(text: str) -> list[Span]:
    """All PII spans, sorted by start, non-overlapping (on overlap keep the more specific, then longer)."""
    found = _resolve([*_structured(text), *_addresses(text)])
    return _resolve([*found, *_names(text, found)])


def redact(text: str, surrogate: Callable[[str, str], str]) -> tuple[str, list[Span]]:
    """Replace each span by surrogate(type, span.text); the spans refer to the ORIGINAL text."""
    spans = find_pii(text)
    parts, pos = [], 0
    for s in spans:
        parts += [text[pos:s.start], surrogate(s.type, s.text)]
        pos = s.end
    parts.append(text[pos:])
    return "".join(parts), spans


def _resolve(cands: Sequence[Span]) -> list[Span]:
    kept: list[Span] = []
    for c in sorted(set(cands), key=lambda s: (_PRIORITY[s.type], s.start - s.end, s.start)):
        if all(c.end <= k.start or k.end <= c.start for k in kept):
            kept.append(c)
    return sorted(kept, key=lambda s: s.start)


def _span(text: str, kind: str, start: int, end: int) -> Span:
    return Span(kind, start, end, text[start:end])


def _digits(s: str) -> str:
    return "".join(ch for ch in s.translate(P.OCR_DIGITS) if ch.isdigit())


def _mostly_digits(s: str) -> bool:
    """OCR letters are tolerated inside a number, but at least half must be real digits."""
    real = sum(ch.isdigit() for ch in s)
    return real * 2 >= real + sum(ch in P.LOOKALIKES for ch in s)


def _near(pattern: re.Pattern[str], text: str, start: int, end: int, before: int, after: int = 0) -> bool:
    return pattern.search(text, max(0, start - before), min(len(text), end + after)) is not None


# --- structured identifiers --------------------------------------------------------------------------
def _structured(text: str) -> Iterator[Span]:
    for m in P.RRN.finditer(text):
        if _is_rrn(m, text):
            yield _span(text, "rrn", m.start(), m.end())
    for m in P.PHONE.finditer(text):
        if _mostly_digits(m.group()):
            yield _span(text, "phone", m.start(), m.end())
    for m in P.CARD.finditer(text):
        if _is_card(m, text):
            yield _span(text, "card", m.start(), m.end())
    for m in P.ACCOUNT.finditer(text):
        # A bank name or 계좌/입금 nearby is what tells an account from any other digit groups; a bare
        # run of digits needs it right in front.
        n = len(m.group().replace("-", ""))
        bare = "-" not in m.group()
        if 10 <= n <= 14 and _near(P.ACCOUNT_CONTEXT, text, m.start(), m.start() if bare else m.end(),
                                   15 if bare else 25, 0 if bare else 12):
            yield _span(text, "account", m.start(), m.end())
    for kind, pattern in (("email", P.EMAIL), ("passport", P.PASSPORT), ("driver_license", P.LICENCE)):
        for m in pattern.finditer(text):
            if kind != "driver_license" or _mostly_digits(m.group()):
                yield _span(text, kind, m.start(), m.end())
    for kind, pattern in (("passport", P.PASSPORT_CONTEXT), ("driver_license", P.LICENCE_CONTEXT),
                          ("health_insurance_no", P.HEALTH_INSURANCE), ("chart_no", P.CHART_NO),
                          ("policy_no", P.POLICY_NO)):
        for m in pattern.finditer(text):
            if kind != "policy_no" or len(_digits(m["v"])) >= 5:
                yield _span(text, kind, m.start("v"), m.end("v"))


def _is_rrn(m: re.Match[str], text: str) -> bool:
    birth, rest = m["birth"].translate(P.OCR_DIGITS), m["rest"]
    if not birth.isdigit() or not (1 <= int(birth[2:4]) <= 12 and 1 <= int(birth[4:6]) <= 31):
        return False
    masked = rest.lstrip("0123456789" + P.LOOKALIKES)
    if masked.strip(P.MASKS) or not _mostly_digits(m["birth"] + rest[: len(rest) - len(masked)]):
        return False  # masks may only close the number (900101-1******), never sit in between
    # 13 bare digits right after a bank word are an account number, not an RRN.
    return m["sep"] is not None or not _near(P.ACCOUNT_CONTEXT, text, m.start(), m.start(), 15)


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _is_card(m: re.Match[str], text: str) -> bool:
    """Luhn-valid 16 digits anywhere; a failing or masked number only after a card word (OCR slips
    and masking both break the checksum, and 카드 in front is strong evidence on its own)."""
    raw = "".join(m.group(g) for g in ("g1", "g2", "g3", "g4"))
    if not _mostly_digits(raw):
        return False
    digits = _digits(raw)
    return (len(digits) == 16 and _luhn(digits)) or _near(P.CARD_CONTEXT, text, m.start(), m.start(), 20)


# --- addresses ---------------------------------------------------------------------------------------
def _addresses(text: str) -> Iterator[Span]:
    for m in P.ADDRESS.finditer(text):
        # Province plus a bare 동 (서울 명동) is a region, not an address: want a district or a number.
        if m["district"] or m["road"] or m["lotnum"]:
            yield _span(text, "address", m.start(), m.end())


# --- names -------------------------------------------------------------------------------------------
Token = tuple[str, str, int, int, bool]  # form, tag, start, length, out-of-vocabulary


@lru_cache(maxsize=1)
def _kiwi():  # noqa: ANN202 - kiwipiepy is imported lazily, so its type cannot appear here
    from kiwipiepy import Kiwi

    return Kiwi()


@lru_cache(maxsize=200_000)
def _analyse(word: str) -> tuple[Token, ...]:
    """Kiwi's analysis of one word; cached because clinical text repeats its vocabulary."""
    return tuple((t.form, str(t.tag), t.start, t.len, bool(t.oov)) for t in _kiwi().tokenize(word))


def _particles_at(tokens: Sequence[Token]) -> int | None:
    """Where the particles closing a word begin (김영희|는), or None."""
    k = len(tokens)
    # A particle Kiwi split off a syllable's final consonant (선우훈 -> 후 + ㄴ) is no particle at all.
    while k > 1 and _is_particle(tokens[k - 1]):
        k -= 1
    return tokens[k][2] if k < len(tokens) else None


def _is_particle(token: Token) -> bool:
    return token[1].startswith("J") and token[2] >= 2 and _HANGUL.match(token[0]) is not None


def _stems(run: str) -> list[str]:
    """Where the name in a word may end: before Kiwi's particles, else the whole word or the word less a
    particle-like ending (Kiwi reads some unknown names glued to a particle as one word: 김예준과)."""
    cut = _particles_at(_analyse(run))
    if cut:
        return [run[:cut]]
    return [run] + [run[: -len(j)] for j in P.JOSA if run.endswith(j) and len(run) - len(j) >= 2]


def _is_word(word: str) -> bool:
    """Kiwi knows `word` as one dictionary word other than a proper noun (이상, 노인, 조영제)."""
    tokens = _analyse(word)
    return len(tokens) == 1 and not tokens[0][4] and tokens[0][1] != "NNP" and tokens[0][3] == len(word)


def _surname_length(stem: str) -> int:
    return 2 if stem[:2] in P.TWO_SURNAMES else 1 if stem[0] in P.SURNAMES else 0


def _plausible(stem: str) -> bool:
    """Surname first, one or two given syllables (two-syllable surnames: up to 4 in all), not a stop word."""
    s = _surname_length(stem)
    return bool(s) and s + 1 <= len(stem) <= s + 2 and stem not in P.NAME_STOP and stem not in P.PLACE_STOP


def _name_like(stem: str, split_ok: bool = True) -> bool:
    """Checks for a name whose cue also starts ordinary phrases (환자 상태, 유방암 환자) or that has no cue.
    Kiwi alone is a weak name tagger (it reads 기흉, 신부전 as proper nouns and many real names as
    common nouns), so the syllables decide first and Kiwi's dictionary vetoes known words."""
    s = _surname_length(stem)
    if not _plausible(stem) or not all(ch in P.GIVEN for ch in stem[s:]) or stem[-1] in P.MEDICAL_SUFFIX:
        return False
    if s == 1 and len(stem) == 3 and stem[-1] in P.NOUN_SUFFIX and _is_word(stem[:2]):
        return False  # 노인+성, 진단+비: a dictionary word plus a suffix
    if stem[1:] in P.DEPARTMENTS or s == 2:
        return stem[1:] not in P.DEPARTMENTS
    tokens = _analyse(stem)
    # Two syllables are too often a word (예후, 전이): want a proper noun, an unknown word, or 김+결.
    if len(stem) == 2 and not (any(t[1] == "NNP" or t[4] for t in tokens) or split_ok and _two_nouns(tokens)):
        return False
    return not _is_word(stem) and tokens[0][1] != "XPN"  # XPN: 고+혈압, a prefix and a word


def _two_nouns(tokens: Sequence[Token]) -> bool:
    """Kiwi split two syllables into two one-syllable nouns (김+결): no word it knows, unlike 고(prefix)+열,
    예(interjection)+후 or 전+이(particle)."""
    return len(tokens) == 2 and all(t[3] == 1 and t[1] in ("NNG", "NNP") for t in tokens)


def _names(text: str, claimed: Sequence[Span]) -> list[Span]:
    taken = bytearray(len(text))  # characters already claimed: a mask keeps the checks O(span length)
    for s in claimed:
        taken[s.start:s.end] = b"\x01" * (s.end - s.start)
    found: list[Span] = []
    pos = 0
    while m := P.NAME_LABEL.search(text, pos):  # searched by hand: a label may follow a rejected one
        pos = m.end("label")
        sure = m["label"] in P.SURE_LABEL_SET or m["colon"] is not None
        found += _after_label(text, m.start("name"), m["name"], sure)
    pos = 0
    while m := P.NAME_HONORIFIC.search(text, pos):
        pos = m.start() + 1
        found += _before_honorific(text, m.start("name"), m["name"], m["hon"] in P.SURE_HONORIFIC_SET)
    for pattern in (P.NAME_COLON, P.NAME_PAREN, P.NAME_SIGNATURE):
        for m in pattern.finditer(text):
            found += _after_label(text, m.start("name"), m["name"], sure=False)
    for s in claimed:
        if s.type in _NEXT_TO_NAME and (m := P.NAME_BEFORE_ID.search(text, max(0, s.start - 12), s.start)):
            found += _after_label(text, m.start("name"), m["name"], sure=False)
    found = [s for s in found if not any(taken[s.start:s.end])]
    for s in found:
        taken[s.start:s.end] = b"\x01" * (s.end - s.start)
    for m in P.HANGUL_RUN.finditer(text):
        if not any(taken[m.start():m.end()]) and (stem := _uncued(m.group())):
            found.append(_span(text, "name", m.start(), m.start() + len(stem)))
    return found


def _spaced(text: str, start: int, run: str) -> list[Span]:
    """김 영 희 / 남궁 민 수: a surname, then single syllables, after a label or before an honorific."""
    parts = run.split(" ")
    ok = _surname_length(parts[0]) == len(parts[0])
    ok = ok and all(len(p) == 1 and p not in P.SPACED_STOP for p in parts[1:])
    return [_span(text, "name", start, start + len(run))] if ok else []


def _after_label(text: str, start: int, run: str, sure: bool) -> list[Span]:
    """A name after a label; the word may carry a particle (보호자 이순자가), which Kiwi finds."""
    if " " in run:
        return _spaced(text, start, run)
    for stem in _stems(run):
        # 위식|도 (a particle cut off a longer word) is weaker evidence than a whole word 김결.
        if _plausible(stem) if sure else _name_like(stem, split_ok=stem == run):
            return [_span(text, "name", start, start + len(stem))]
    return []


def _before_honorific(text: str, start: int, run: str, sure: bool) -> list[Span]:
    """A name right before 씨/님/환자...; nothing comes between, so the whole word is the name, but a
    dictionary word plus a particle (조영제를 환자) is a phrase, not a name."""
    if " " in run:
        return _spaced(text, start, run)
    cut = _particles_at(_analyse(run))
    if cut and (_is_word(run[:cut]) or run[:cut] in P.NAME_STOP):
        return []
    ok = _plausible(run) if sure else _name_like(run)
    return [_span(text, "name", start, start + len(run))] if ok else []


def _uncued(run: str) -> str | None:
    """A name with no label or honorific: it must be followed by a particle in the same word (김영희는),
    pass every syllable check, and have at least three syllables."""
    s = _surname_length(run)
    if not s or len(run) < 4 or any(run[:k] in P.NAME_STOP for k in (2, 3, 4)):
        return None
    # Cheap checks before Kiwi: given-name syllables, then a particle-like ending after 3 or 4 syllables.
    if not all(ch in P.GIVEN for ch in run[s:3]) or not (run[3:] in P.JOSA or run[4:] in P.JOSA):
        return None
    stem = next((x for x in _stems(run) if len(x) < len(run)), "")
    return stem if len(stem) >= 3 and _name_like(stem) else None


# --- evaluation --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Example:
    """One line of the evaluation set: gold spans and substrings that must survive redaction."""

    text: str
    spans: tuple[tuple[str, int, int], ...]
    keep: tuple[str, ...]


def load_examples(path: Path) -> list[Example]:
    examples = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        text = row["text"]
        spans = tuple((s["type"], s["start"], s["end"]) for s in row["spans"])
        for kind, a, b in spans:
            if kind not in PII_TYPES or not 0 <= a < b <= len(text):
                raise ValueError(f"{path}:{n}: bad span {(kind, a, b)}")
        for s in row["spans"]:
            if "text" in s and text[s["start"]:s["end"]] != s["text"]:
                raise ValueError(f"{path}:{n}: span text {s['text']!r} is not at {s['start']}:{s['end']}")
        for k in row.get("keep", []):
            if k not in text:
                raise ValueError(f"{path}:{n}: keep string {k!r} not in the text")
        examples.append(Example(text, spans, tuple(row.get("keep", []))))
    return examples


def _nonspace(text: str, a: int, b: int) -> int:
    return sum(not ch.isspace() for ch in text[a:b])


def matches(text: str, gold: tuple[str, int, int], pred: Span) -> bool:
    """Same type, and the overlap holds at least 80% of the gold span's non-space characters and at
    least half of the predicted span's (so a prediction swallowing a whole sentence does not count)."""
    kind, a, b = gold
    if kind != pred.type:
        return False
    overlap = _nonspace(text, max(a, pred.start), min(b, pred.end))
    return overlap >= 0.8 * _nonspace(text, a, b) and overlap >= 0.5 * _nonspace(text, pred.start, pred.end)


def evaluate(
    examples: Sequence[Example], detector: Callable[[str], list[Span]] = find_pii
) -> dict[str, dict[str, float]]:
    """Recall, precision, support (gold spans), found (gold spans matched) and predicted per type and
    overall (micro), plus keep_intact: the share of `keep` strings none of whose occurrences a predicted
    span overlaps. See `matches` for when a prediction counts. With nothing to find (or nothing
    predicted) recall (precision) is 1.0, so the report stays valid JSON; read it with `support`."""
    counts = {t: {"support": 0, "found": 0, "predicted": 0, "correct": 0} for t in (*PII_TYPES, "overall")}
    kept = total_keep = 0
    for ex in examples:
        preds = detector(ex.text)
        for g in ex.spans:
            hit = any(matches(ex.text, g, p) for p in preds)
            for key in (g[0], "overall"):
                counts[key]["support"] += 1
                counts[key]["found"] += hit
        for p in preds:
            ok = any(matches(ex.text, g, p) for g in ex.spans)
            for key in (p.type, "overall"):
                counts[key]["predicted"] += 1
                counts[key]["correct"] += ok
        for k in ex.keep:
            total_keep += 1
            starts = [m.start() for m in re.finditer(re.escape(k), ex.text)]
            kept += all(p.end <= s or s + len(k) <= p.start for s in starts for p in preds)
    report = {
        t: {
            "recall": c["found"] / c["support"] if c["support"] else 1.0,
            "precision": c["correct"] / c["predicted"] if c["predicted"] else 1.0,
            "support": float(c["support"]),
            "found": float(c["found"]),
            "predicted": float(c["predicted"]),
        }
        for t, c in counts.items()
    }
    report["keep_intact"] = {"rate": kept / total_keep if total_keep else 1.0, "support": float(total_keep)}
    return report
