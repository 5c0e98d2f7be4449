"""The no-VLM baseline: Tesseract reads the page, hand-written rules turn its text into the schema's JSON.

What a team would build without a VLM, from the image alone (never the dataset's boxes or labels):

* OCR (:func:`claimvlm.page_ocr.ocr_words`, the only Tesseract call; the same reading the
  model's prompt is anchored on, so the build stage stores it and evaluation parses the stored
  words instead of reading the page twice).
* Type: title words (``DOC_TITLES``), else the captions present.
* Fields: each caption of the form (4+ letters: also one letter off) takes the words after it up
  to the next caption or a wide gap, else the words under it. Values are checked and normalised
  by kind: RRN, phone, dates (ISO, dotted, ``년 월 일``) to ISO, KCD/procedure codes (a first
  letter read as a digit is mapped back: 5→S, 1→I, ...), chart and licence numbers, amounts with
  commas to int, enumerations to the closest allowed value, text as read.
* Tables: the lines under the header line, each word in the column of the nearest header; a bill
  line's missing count, days or amount is inferred from amount = unit price x count x days.

Fields not found are left out (never null). Not handled: captions misread beyond one letter or
of 3 letters or fewer, values wrapped onto a second line, tables whose header line is not read,
cross-field checks (totals, date order) to correct values, forms whose captions differ.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import statistics
from collections.abc import Sequence
from typing import Any

from PIL import Image
from rapidfuzz.distance import Levenshtein

from claimvlm.page_ocr import Line, Word, _key, group_lines, ocr_words
from claimvlm.parallel import process_map
from claimvlm.schema import BILL_CATEGORIES, SCHEMAS

CAPTIONS: dict[str, str] = {  # caption, spaces removed -> field (ignored where the type lacks it)
    "환자성명": "patient_name", "성명": "patient_name", "환자명": "patient_name", "주민등록번호": "patient_rrn",
    "주소": "patient_address", "전화번호": "patient_phone", "전화": "hospital_phone", "발병일": "onset_date",
    "진단일": "diagnosis_date", "치료의견": "opinion", "발행일": "issue_date", "의료기관": "hospital_name",
    "요양기관": "hospital_name", "면허번호": "doctor_license_no", "의사성명": "doctor_name",
    "담당의": "doctor_name", "집도의": "surgeon_name", "등록번호": "chart_no", "진료과": "department",
    "진료과목": "department", "진단명": "diagnosis_name", "질병분류기호": "kcd_code", "수술일": "operation_date",
    "수술명": "operation_name", "수술코드": "procedure_code", "마취방법": "anesthesia", "진료시작일": "care_start",
    "진료종료일": "care_end", "급여합계": "covered_total", "비급여합계": "non_covered_total", "총진료비": "total",
    "진료구분": "visit_type", "본인부담금계": "patient_share", "공단부담금계": "insurer_share",
    "전액본인부담계": "full_self_pay", "급여계": "covered_total", "비급여계": "non_covered",
    "진료비총액": "total", "납부한금액": "amount_paid", "입원일": "admission_date", "퇴원일": "discharge_date",
    "입원일수": "days",
}
TABLES: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {  # list field, (header, field) per column
    "diagnosis_certificate": ("diagnoses", (("구분", "certainty"), ("병명", "name"), ("질병분류기호", "kcd_code"))),
    "itemized_bill": ("line_items", (("항목", "category"), ("일자", "date"), ("코드", "code"), ("명칭", "name"),
                                     ("단가", "unit_price"), ("횟수", "count"), ("일수", "days"),
                                     ("금액", "amount"), ("구분", "coverage"))),
    "receipt": ("rows", (("항목", "category"), ("본인부담금", "patient_share"), ("공단부담금", "insurer_share"),
                         ("전액본인부담", "full_self_pay"), ("비급여", "non_covered"))),
}
_TITLE_KEYS = (("세부내역", "itemized_bill"), ("영수증", "receipt"), ("계산서", "receipt"),
               ("입퇴원", "admission_discharge"), ("수술확인", "surgery_record"), ("진단서", "diagnosis_certificate"))
_CHOICES = {"anesthesia": ("전신마취", "척추마취", "경막외마취", "부위마취", "국소마취", "수면마취"),
            "visit_type": ("외래", "입원"), "certainty": ("임상적 추정", "최종 진단"), "coverage": ("급여", "비급여"),
            "category": BILL_CATEGORIES}
_NUMBERS = {"covered_total", "non_covered_total", "total", "patient_share", "insurer_share", "full_self_pay",
            "non_covered", "amount_paid", "days", "unit_price", "count", "amount"}
_PATTERNS = {"patient_rrn": r"(\d{6})\s*-\s*(\d{7})", "phone": r"(0\d{1,2})\s*-\s*(\d{3,4})\s*-\s*(\d{4})",
             "chart_no": r"(?<!\d)(\d{8})(?!\d)", "doctor_license_no": r"(?<!\d)(\d{5,6})(?!\d)"}
_LETTER = {"5": "S", "$": "S", "1": "I", "0": "O", "8": "B", "2": "Z", "6": "G", "4": "A"}


# --- values --------------------------------------------------------------------------------------

def parse_date(text: str) -> str | None:
    """The first date written 2024-03-05, 2024.03.05 or 2024년 3월 5일, in ISO form."""
    m = re.search(r"(\d{4})\s*[-./년]\s*(\d{1,2})\s*[-./월]\s*(\d{1,2})", text)
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat() if m else None
    except ValueError:
        return None


def parse_amount(text: str) -> int | None:
    """The first number (1,234,500 or 1234500; a comma read as a dot is tolerated) as an int."""
    m = re.search(r"\d[\d,.]*", text)
    return int(re.sub(r"\D", "", m[0])) if m else None


def parse_code(text: str, kcd: bool) -> str | None:
    """A KCD or procedure code; a first letter OCR read as a digit (or $) is mapped back."""
    tail = r"\d{2}(\.\d{1,2})?" if kcd else r"\d{4,5}"
    m = re.search(rf"(?<![A-Z0-9])([A-Z0-9$]){tail}(?![0-9])", text.replace(" ", "").upper())
    if not m or not (m[1].isalpha() or m[1] in _LETTER):
        return None
    return (_LETTER | ({} if kcd else {"0": "Q"})).get(m[1], m[1]) + m[0][1:]


def parse_value(field: str, text: str) -> Any:
    """``text`` as ``field``'s value, or None when it does not look like one."""
    text = " ".join(text.split())
    if field.endswith("_date") or field in {"care_start", "care_end", "date"}:
        return parse_date(text)
    if field in _NUMBERS:
        return parse_amount(text)
    if field in {"kcd_code", "procedure_code"}:
        return parse_code(text, field == "kcd_code")
    if field in _CHOICES:
        best = max(_CHOICES[field], key=lambda c: Levenshtein.normalized_similarity(_key(c), _key(text)))
        return best if Levenshtein.normalized_similarity(_key(best), _key(text)) >= 0.5 else None
    if field.endswith("_name") and field not in {"hospital_name", "diagnosis_name", "operation_name"}:
        return next((t for t in text.split() if re.fullmatch(r"[가-힣]{2,5}", t)), None)
    if field == "code":
        return m[0] if (m := re.search(r"[A-Z0-9]{5,9}", text.replace(" ", "").upper())) else None
    if pattern := _PATTERNS.get("phone" if field.endswith("_phone") else field):
        return "-".join(m.groups()) if (m := re.search(pattern, text)) else None
    return text or None


# --- lines to fields -----------------------------------------------------------------------------

@functools.cache
def _caption(key: str) -> str | None:
    """The caption ``key`` reads as: itself, or the one caption of 4+ letters one letter off (a
    value such as 입원료 is one letter off a shorter caption, 입원일, too often)."""
    if key in CAPTIONS or len(key) < 4:
        return key if key in CAPTIONS else None
    near = [c for c in CAPTIONS if len(c) == len(key) and sum(a != b for a, b in zip(c, key, strict=True)) == 1]
    return near[0] if len(near) == 1 else None


def _captions(line: Line) -> list[tuple[int, int, str]]:
    """(first word, word after, caption) of each caption on the line, longest match first."""
    found, i = [], 0
    while i < len(line):
        n = next((n for n in (4, 3, 2, 1) if i + n <= len(line)
                  and _caption("".join(_key(w.text) for w in line[i:i + n]))), 0)
        if n:
            found.append((i, i + n, _caption("".join(_key(w.text) for w in line[i:i + n]))))
        i += max(n, 1)
    return found  # type: ignore[return-value]


def classify(lines: Sequence[Line]) -> str:
    """The document type from its title words, else from the captions on the page."""
    keys = ["".join(_key(w.text) for w in ln) for ln in lines]
    for text in ("".join(keys[:4]), "".join(keys)):
        if found := next((t for word, t in _TITLE_KEYS if word in text), None):
            return found
    fields = {CAPTIONS[c] for ln in lines for _, _, c in _captions(ln)}
    return max(SCHEMAS, key=lambda t: len(fields & set(SCHEMAS[t].model_fields)))


def _table_rows(doc_type: str, lines: Sequence[Line], caps: Sequence[list]) -> list[dict[str, Any]]:
    """The rows under the table's header line, each word in the column of the nearest header."""
    columns = TABLES[doc_type][1]
    for hi, line in enumerate(lines):
        centres = {_key(w.text): (w.x0 + w.x1) / 2 for w in line}
        if sum(h in centres for h, _ in columns) > len(columns) // 2:
            break
    else:
        return []
    xs = [centres.pop(h, None) for h, _ in columns]
    for i in (i for i, x in enumerate(xs) if x is None):  # misread: an unknown word between neighbours
        left = next((x for x in xs[i - 1::-1] if x is not None), 0.0) if i else 0.0
        right = next((x for x in xs[i + 1:] if x is not None), left + 200)
        xs[i] = next((x for x in sorted(centres.values()) if left < x < right), (left + right) / 2)
    rows = []
    for line, line_caps in zip(lines[hi + 1:], caps[hi + 1:], strict=True):
        if line_caps:
            break
        cells: dict[str, list[str]] = {}
        for w in line:
            cells.setdefault(columns[min(range(len(xs)), key=lambda i: abs(xs[i] - (w.x0 + w.x1) / 2))][1],
                             []).append(w.text)
        row = {f: v for _, f in columns if (v := parse_value(f, " ".join(cells.get(f, [])))) is not None}
        p, c, d, a = (row.get(k) for k in ("unit_price", "count", "days", "amount"))
        if doc_type == "itemized_bill" and p and a:  # amount = unit_price * count * days
            if c and not d and a % (p * c) == 0:
                row["days"] = a // (p * c)
            elif d and not c and a % (p * d) == 0:
                row["count"] = a // (p * d)
        if len(row) * 2 > len(columns):
            rows.append({f: row[f] for _, f in columns if f in row})
    return rows


def parse_lines(lines: Sequence[Line]) -> dict[str, Any]:
    """The fields found on OCR lines (words with boxes), as a label-shaped dict in schema order."""
    doc_type = classify(lines)
    order = list(SCHEMAS[doc_type].model_fields)
    out: dict[str, Any] = {"document_type": doc_type}
    caps = [_captions(ln) for ln in lines]
    if doc_type in TABLES and (rows := _table_rows(doc_type, lines, caps)):
        out[TABLES[doc_type][0]] = rows
    for li, line in enumerate(lines):
        h = statistics.median(w.y1 - w.y0 for w in line)
        for k, (start, end, caption) in enumerate(caps[li]):
            field = CAPTIONS[caption]
            if field == "patient_address" and "hospital_name" in out and "hospital_address" in order:
                field = "hospital_address"
            if field not in order or field in out:
                continue
            stop = caps[li][k + 1][0] if k + 1 < len(caps[li]) else len(line)
            words = line[end:stop]
            cut = next((j for j in range(1, len(words)) if words[j].x0 - words[j - 1].x1 > 2.5 * h), len(words))
            value = parse_value(field, " ".join(w.text for w in words[:cut]))
            lo, hi = line[start].x0 - 2 * h, line[stop].x0 - h if stop < len(line) else float("inf")
            for below, below_caps in zip(lines[li + 1:li + 3], caps[li + 1:li + 3], strict=False):
                if value is not None:
                    break
                if idx := [j for j, w in enumerate(below) if lo <= w.x0 < hi]:  # the value under its caption
                    if not any(s <= j < e for s, e, _ in below_caps for j in idx):
                        value = parse_value(field, " ".join(below[j].text for j in idx))
                    break
            if value is not None:
                out[field] = value
    return dict(sorted(out.items(), key=lambda kv: order.index(kv[0])))


# --- API -----------------------------------------------------------------------------------------

def answer_from_words(words: Sequence[Word]) -> str:
    """The baseline's answer from a page's OCR words: compact JSON in the shape the model answers in."""
    return json.dumps(parse_lines(group_lines(words)), ensure_ascii=False, separators=(",", ":"))


def read_document(image: Image.Image) -> str:
    """The baseline's answer for one page, read from its image."""
    return answer_from_words(ocr_words(image))


def read_documents(images: Sequence[Image.Image], *, workers: int = 0, progress: bool = True) -> list[str]:
    """:func:`read_document` for each page, in order, on ``workers`` processes (0: one per core)."""
    return process_map(read_document, list(images), workers=workers, desc="baseline", progress=progress,
                       chunksize=1)
