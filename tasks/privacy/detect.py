"""Korean PII detection in free text: rules with context words, plus kiwipiepy for names.

Structured identifiers (RRN, phone, card, ...) come from regexes that tolerate the OCR confusions
l/I->1 and O/o->0 inside digits; numbers identifiable only by the word in front of them (chart,
policy, health-insurance, medical licence numbers) need that word. Names come from cues (labels,
titles, honorifics, signatures, a neighbouring identifier) or, with no cue, a particle closing the
word: see claimvlm.privacy.names. Nothing is loaded at import; Kiwi's model loads on first use.

Evaluation (`evaluate`): a predicted span matches a gold span when the types agree and their overlap
holds at least 80% of the gold span's non-space characters and at least half of the prediction's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from claimvlm.privacy import patterns as P
from claimvlm.privacy.formline import form_values, label_type
from claimvlm.privacy.names import _kiwi, find_names  # noqa: F401 - _kiwi: tests check it stays unloaded
from claimvlm.privacy.nameparts import whole_name_end
from claimvlm.privacy.tagfilter import backstop

PII_TYPES: tuple[str, ...] = (
    "name", "rrn", "foreign_registration_no", "phone", "card", "account", "email", "driver_license",
    "passport", "health_insurance_no", "medical_license", "chart_no", "policy_no", "vehicle_no", "ip_address",
    "address",
)
STRUCTURED_TYPES: frozenset[str] = frozenset(PII_TYPES) - {"name", "address"}
# On overlap the more specific type wins (an RRN also looks like a hyphenated account number);
# within a type, the longer span.
_PRIORITY = {t: i for i, t in enumerate((
    "rrn", "foreign_registration_no", "card", "driver_license", "passport", "email", "ip_address",
    # a number its keyword names (건강보험증 번호 0…) before the shapes it may also have
    "health_insurance_no", "chart_no", "medical_license", "phone", "vehicle_no", "policy_no", "account", "address",
    "name",
))}
# The seventh digit of an RRN-shaped number: 5-8 mark a foreigner (외국인등록번호), born 1900-2099.
_FOREIGN_DIGITS = frozenset("5678")


@dataclass(frozen=True)
class Span:
    type: str
    start: int
    end: int
    text: str


# The learned tagger's types taken where no rule span overlaps (claimvlm.privacy.tagger; docs/privacy.md
# has the comparison on both evaluation sets that chose them): names, and the two numbers whose
# formats each hospital and insurer invents, found by their labels. The other structured types
# stay with the rules alone: their shapes are exact and the tagger added no recall there.
BACKSTOP_TYPES: frozenset[str] = frozenset({"name", "chart_no", "health_insurance_no"})


# A table rule or separator that OCR read as a letter between a label and its value (예금주I이혜경,
# 연락처l01062033817, 성명ㅣ김민수): read as the bar it is. One character for one, so offsets hold.
_OCR_BAR = re.compile(r"(?<=[가-힣])[Il¦ㅣ](?=[0-9가-힣])")


def find_pii(text: str) -> list[Span]:
    """All PII spans, sorted by start, non-overlapping (on overlap keep the more specific, then longer)."""
    read = _OCR_BAR.sub("|", text)
    found = _resolve([*_structured(read), *_addresses(read)])
    names = find_names(read, [(s.type, s.start, s.end) for s in found])
    found = _resolve([*found, *(_span(read, "name", a, b) for a, b in names)])
    backed = backstop(read, [(s.type, s.start, s.end) for s in found], BACKSTOP_TYPES)
    found = _resolve([*found, *(_span(read, kind, a, b) for kind, a, b in backed)])
    # a name's glued last syllable, unless another span starts there (김철|서울특별시 ...)
    starts = {s.start for s in found}
    found = [_span(read, "name", s.start, whole_name_end(read, s.start, s.end))
             if s.type == "name" and s.end not in starts else s for s in found]
    return found if read == text else [_span(text, s.type, s.start, s.end) for s in found]


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
            kind = "foreign_registration_no" if m["rest"][0].translate(P.OCR_DIGITS) in _FOREIGN_DIGITS else "rrn"
            yield _span(text, kind, m.start(), m.end())
    for m in P.PHONE.finditer(text):
        if _mostly_digits(m.group()):
            yield _span(text, "phone", m.start(), m.end())
    for m in P.PHONE_CONTEXT.finditer(text):
        yield _span(text, "phone", m.start("v"), m.end("v"))
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
    for m in P.ACCOUNT_SPACED.finditer(text):
        if _near(P.ACCOUNT_CONTEXT, text, m.start(), m.start(), 12) and 10 <= len(_digits(m.group())) <= 14:
            yield _span(text, "account", m.start(), m.end())
    for m in P.CARD_AMEX.finditer(text):
        if _luhn(_digits(m.group())) or _near(P.CARD_CONTEXT, text, m.start(), m.start(), 20):
            yield _span(text, "card", m.start(), m.end())
    for kind, pattern in (("email", P.EMAIL), ("passport", P.PASSPORT), ("driver_license", P.LICENCE)):
        for m in pattern.finditer(text):
            if kind != "driver_license" or _mostly_digits(m.group()):
                yield _span(text, kind, m.start(), m.end())
    for kind, pattern in (("vehicle_no", P.VEHICLE), ("ip_address", P.IP_ADDRESS)):
        for m in pattern.finditer(text):
            yield _span(text, kind, m.start(), m.end())
    yield from _keyword_numbers(text)


_CONTEXT_PATTERNS = (("passport", P.PASSPORT_CONTEXT), ("driver_license", P.LICENCE_CONTEXT),
                     ("health_insurance_no", P.HEALTH_INSURANCE), ("chart_no", P.CHART_NO),
                     ("chart_no", P.CHART_AFTER_AGE), ("chart_no", P.CHART_ROW),
                     ("policy_no", P.POLICY_NO), ("medical_license", P.MEDICAL_LICENSE),
                     ("medical_license", P.STAFF_LICENSE))
_FORM_NUMBERS = {"health_insurance_no": (P.HI_LABELS, P.HI_AT), "chart_no": (P.CHART_LABELS, P.CHART_AT)}


def _keyword_numbers(text: str) -> Iterator[Span]:
    """Numbers their keyword names. When two keywords reach one number (건강보험 환자 등록번호 1234567890),
    the keyword nearest to it names it; a label-list line (성명/등록번호: 김민수/12345678) pairs each
    value with its label by position."""
    found: list[tuple[int, Span]] = []  # (where the keyword starts, the number)
    for kind, pattern in _CONTEXT_PATTERNS:
        for m in pattern.finditer(text):
            if _number_fits(kind, m["v"]):
                found.append((m.start(), _span(text, kind, m.start("v"), m.end("v"))))
    kinds = {kind: labels for kind, (labels, _) in _FORM_NUMBERS.items()}
    for value in form_values(text):
        kind = label_type(value.label, kinds)
        if kind and (m := _FORM_NUMBERS[kind][1].match(text, value.start)) and _number_fits(kind, m.group()):
            found.append((value.start, _span(text, kind, m.start(), m.end())))
    for keyword, span in found:
        if not any(k > keyword and o.start < span.end and span.start < o.end for k, o in found):
            yield span


# Digits a context-found number must have: a policy number of 4 digits is some other count, a health
# insurance number is 8-13 digits however it is spaced.
_MIN_DIGITS = {"policy_no": 5, "health_insurance_no": 8, "medical_license": 3}
_MAX_DIGITS = {"health_insurance_no": 13, "medical_license": 7}


def _number_fits(kind: str, value: str) -> bool:
    if P.DATE_DIGITS.fullmatch(value.strip()):
        return False  # a keyword far back reached a date (건강보험 ... / 진료일 2023-06-27)
    return _MIN_DIGITS.get(kind, 0) <= len(_digits(value)) <= _MAX_DIGITS.get(kind, 99) and _mostly_digits(value)


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
        if m["district"] or m["road"] or m["lotnum"] or m["city"] and m["lot"]:
            yield _span(text, "address", m.start(), m.end())
    for m in P.ADDRESS_LATIN.finditer(text):
        yield _span(text, "address", m.start(), m.end())


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
    overall (micro), plus keep_intact: the share of `keep` strings none of whose occurrences outside the
    gold spans a predicted span overlaps. See `matches` for when a prediction counts. With nothing to find (or nothing
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
            # An occurrence inside a gold span (이명 inside the name 이명수) is replaced with the span, as
            # it must be: only the occurrences standing on their own count.
            starts = [m.start() for m in re.finditer(re.escape(k), ex.text)
                      if not any(a <= m.start() and m.end() <= b for _, a, b in ex.spans)]
            if starts:
                total_keep += 1
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
