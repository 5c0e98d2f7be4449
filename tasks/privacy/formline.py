"""One-line forms that list their labels first and their values after (성명/등록번호/진료과: 김민수/
12345678/내과, 환자 | 차트번호 = 간시준 | 2024-00123): a value is far from its label, so neither a
name cue nor a number's keyword reaches it. The values are paired with the labels by position, and
the detector treats each value as if it stood right after its own label.

Only lines whose label list and value list have the same number of parts (two to eight, split by
the same separator) are read: a count that does not match is an ordinary sentence with slashes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# Separators such forms use between parts; the label list and the value list share one.
_SEPARATORS = "/|·,;\t"
_LABEL = r"[가-힣A-Za-z][가-힣A-Za-z. ()]{0,14}?"  # no tab inside: a tab separates
_LIST = re.compile(
    rf"(?<![가-힣A-Za-z0-9])(?P<labels>{_LABEL}(?:[ \t]*(?P<sep>[{re.escape(_SEPARATORS)}])[ \t]*{_LABEL}){{1,7}})"
    r"[ \t]*(?:::|=>|->|[:：=▶→])[ \t]*(?P<values>[^\n:：=▶→]+)"
)


# What a form's field label ends with (환자번호, 성명, 입원일, 진료과, 주소, 연락처, 상병코드 ...): a list whose
# parts do not all end so (진단서 / 환자 성명: ..., 요통, 성 명: ...) is prose with separators, not labels.
_FIELD_END = re.compile(
    r"(?:번호|명|함|름|일|일자|일시|과|처|소|코드|액|실|자|의|인|주|별|령|호|간|형|분|유|지|사|처|ID|Id|No\.?|NO|IP|[Nn]ame)$"
)


@dataclass(frozen=True)
class FormValue:
    label: str  # the label without spaces (등록번호)
    start: int  # the value's characters in the text, stripped of spaces around it
    end: int

    def text_in(self, text: str) -> str:
        return text[self.start:self.end]


def form_values(text: str) -> Iterator[FormValue]:
    """Each (label, value) of every label-list line of ``text`` (see the module docstring)."""
    for m in _LIST.finditer(text):
        sep = m["sep"]
        labels = [re.sub(r"[ \t]", "", part) for part in m["labels"].split(sep)]
        values = m["values"].split(sep)
        if len(values) > len(labels):  # trailing prose after the last value: cut at the label count
            values = values[:len(labels) - 1] + [sep.join(values[len(labels) - 1:])]
        if len(values) != len(labels) or not all(_FIELD_END.search(label) for label in labels):
            continue
        pos = m.start("values")
        for label, raw in zip(labels, values, strict=True):
            lead = len(raw) - len(raw.lstrip())
            value = raw.strip()
            if value:
                yield FormValue(label, pos + lead, pos + lead + len(value))
            pos += len(raw) + len(sep)


def label_type(label: str, kinds: dict[str, frozenset[str]]) -> str | None:
    """The kind whose label words end ``label`` (환자성명 ends with 성명), longest word first, or None."""
    best: tuple[int, str] | None = None
    for kind, words in kinds.items():
        for w in words:
            if label.endswith(w) and (best is None or len(w) > best[0]):
                best = (len(w), kind)
    return best[1] if best else None
