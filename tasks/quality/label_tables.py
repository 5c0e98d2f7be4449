"""Raw label dicts flattened into the tables the label suite (label_suite.py) checks.

Labels are NOT parsed through pydantic here: the suite is a second, independent check, so
whatever a label holds (a string amount, a date that does not exist, an unknown key) must
reach a table as-is and fail an expectation for its document instead of raising. Field
kinds, patterns and bounds are read from the schema models, so the tables follow
tasks/schema.py; only the arithmetic of the invariants is written out here.

Raw cells are kept as they are, in object columns (the suite checks the Python type of a
string cell value by value). Beside each int cell there is a float ``<col>__int`` and beside
each date a ``<col>__date``, empty where the raw value is missing or unusable (a string
amount, a bool, "2023-02-30"): "parsed empty where raw is not" is the type check, and the
range and invariant checks read the parsed columns, so garbage is reported once, as garbage.
Beside them are the flags of the checks that apply to some rows only (``<col>__present``,
``<col>__is_int``, ``<col>__is_iso_date``, ``document_type__stated``): True or False where the
check applies, empty elsewhere, so that the suite's expectations need no row conditions.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

import pandas as pd
from pydantic import BaseModel

from claimvlm.schema import SCHEMAS, Diagnosis, LineItem, ReceiptRow

Kind = Literal["int", "date", "str", "choice", "list"]
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
MISSING_TYPE = "(missing)"  # document_type__stated of a label without a type: never a known type


@dataclass(frozen=True)
class FieldSpec:
    """What one schema field accepts, as far as a table check needs to know."""

    kind: Kind
    minimum: int | None = None  # int: ge; str and list: min_length
    maximum: int | None = None  # list: max_length
    pattern: str | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChildTable:
    """A list field of a document, flattened to one row per entry."""

    field: str
    model: type[BaseModel]
    prefix: str  # child columns are prefixed so that all tables can share one frame


CHILD_TABLES: dict[str, ChildTable] = {
    "line_items": ChildTable("line_items", LineItem, "item_"),
    "receipt_rows": ChildTable("rows", ReceiptRow, "row_"),
    "diagnoses": ChildTable("diagnoses", Diagnosis, "dx_"),
}


def _spec(annotation: Any, metadata: list[Any]) -> FieldSpec:
    bounds = {k: getattr(m, k) for m in metadata for k in ("ge", "min_length", "max_length") if hasattr(m, k)}
    pattern = next((m.pattern for m in metadata if getattr(m, "pattern", None)), None)
    low = bounds.get("ge", bounds.get("min_length"))
    if annotation is int:
        return FieldSpec("int", minimum=low)
    if annotation is dt.date:
        return FieldSpec("date")
    if get_origin(annotation) is Literal:
        return FieldSpec("choice", choices=get_args(annotation))
    if get_origin(annotation) is list:
        return FieldSpec("list", minimum=low, maximum=bounds.get("max_length"))
    if annotation is str:
        return FieldSpec("str", minimum=low, pattern=pattern)
    raise TypeError(f"no table check for a field of type {annotation!r}")


def model_specs(model: type[BaseModel], prefix: str = "") -> dict[str, FieldSpec]:
    """Column name -> spec for every field of a model except the document_type discriminator."""
    return {prefix + name: _spec(f.annotation, f.metadata)
            for name, f in model.model_fields.items() if name != "document_type"}


def _document_specs() -> dict[str, FieldSpec]:
    merged: dict[str, FieldSpec] = {}
    for model in SCHEMAS.values():
        for name, spec in model_specs(model).items():
            # One column serves every type that has the field, so its rules must agree.
            if merged.setdefault(name, spec) != spec:
                raise TypeError(f"field {name} has different rules in different document types")
    return merged


DOCUMENT_SPECS: dict[str, FieldSpec] = _document_specs()
TYPE_FIELDS: dict[str, tuple[str, ...]] = {t: tuple(model_specs(m)) for t, m in SCHEMAS.items()}
ALL_FIELDS: tuple[str, ...] = tuple(DOCUMENT_SPECS)
CHILD_SPECS: dict[str, dict[str, FieldSpec]] = {
    name: model_specs(c.model, c.prefix) for name, c in CHILD_TABLES.items()}


def _cell(value: Any, spec: FieldSpec) -> tuple[Any, int]:
    """The table cell for a raw value, and 1 if the value's shape is wrong for a cell."""
    if spec.kind == "list":  # the entry count; -1 (always out of range) when not a list
        return (len(value) if isinstance(value, list) else (None if value is None else -1)), 0
    if isinstance(value, list | dict):  # a container in a scalar slot cannot be compared or hashed
        return None, 1
    return value, 0


def _row(doc_id: str, raw: Any, specs: Mapping[str, FieldSpec], prefix: str = "") -> dict[str, Any]:
    """One table row: the known fields as cells, plus a count of unknown keys and malformed
    values (pydantic forbids extra keys; here they fail ``no_unknown_or_nested_fields``)."""
    if not isinstance(raw, dict):
        return {"doc_id": doc_id, "structure_errors": 1}
    row: dict[str, Any] = {"doc_id": doc_id}
    errors = 0
    for key, value in raw.items():
        if prefix + key not in specs:
            errors += 1
            continue
        row[prefix + key], bad = _cell(value, specs[prefix + key])
        errors += bad
    row["structure_errors"] = errors
    return row


def _exact_int(value: Any) -> bool:
    # bool is an int subclass but no amount; beyond 2**53 a float (the check columns) is inexact.
    return type(value) is int and abs(value) < 2**53


def _frame(rows: list[dict[str, Any]], specs: Mapping[str, FieldSpec],
           extra: tuple[str, ...] = ()) -> pd.DataFrame:
    columns = ["doc_id", *extra, *specs, "structure_errors"]
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    frame["doc_id"] = frame["doc_id"].astype(str)
    frame["structure_errors"] = pd.to_numeric(frame["structure_errors"])
    for col, spec in specs.items():
        if spec.kind == "int":
            frame[f"{col}__int"] = [float(v) if _exact_int(v) else float("nan") for v in frame[col]]
        elif spec.kind == "date":
            frame[f"{col}__date"] = pd.to_datetime(
                [v if isinstance(v, str) and _ISO_DATE.match(v) else None for v in frame[col]],
                format="%Y-%m-%d", errors="coerce")
        elif spec.kind == "list":
            frame[col] = pd.to_numeric(frame[col])
    return frame


def _doc_key(doc_id: str) -> str:
    # Ids become file names; ids differing only in case or Unicode form (NFD Hangul from
    # macOS) name one file on common filesystems, so they count as duplicates.
    return unicodedata.normalize("NFC", doc_id).strip().casefold()


def _sum_by_doc(values: pd.Series, doc_ids: pd.Series) -> pd.Series:
    # NaN when any entry is unusable: an unusable entry fails its own type check, and a
    # partial sum would blame the total as well.
    return values.groupby(doc_ids).agg(lambda s: s.sum(skipna=False))


def _by_doc(table: pd.DataFrame, per_doc: pd.Series, float_: bool = True) -> pd.Series:
    """per_doc's value for each row's doc_id (via a dict: Series.map on empty frames trips pandas)."""
    looked_up = table["doc_id"].map(per_doc.to_dict())
    return looked_up.astype(float) if float_ else looked_up


def _bill_checks(docs: pd.DataFrame, items: pd.DataFrame) -> None:
    items["item_amount_expected"] = (
        items["item_unit_price__int"] * items["item_count__int"] * items["item_days__int"])
    for col, coverage in (("bill_covered_expected", "급여"), ("bill_non_covered_expected", "비급여")):
        part = items["item_amount__int"].where(items["item_coverage"] == coverage, 0.0)
        part = part.where(items["item_coverage"].isin(["급여", "비급여"]))  # unknown coverage: no sum
        docs[col] = _by_doc(docs, _sum_by_doc(part, items["doc_id"]))
    is_bill = docs["document_type"] == "itemized_bill"
    docs["bill_total_expected"] = (docs["covered_total__int"] + docs["non_covered_total__int"]).where(is_bill)
    in_order = docs["care_start__date"] <= docs["care_end__date"]
    period = docs.loc[is_bill & in_order].set_index("doc_id")[["care_start__date", "care_end__date"]]
    for side in ("care_start", "care_end"):
        items[f"item_{side}__date"] = pd.to_datetime(
            _by_doc(items, period[f"{side}__date"], float_=False))


def _receipt_checks(docs: pd.DataFrame, rows: pd.DataFrame) -> None:
    for name in ("patient_share", "insurer_share", "full_self_pay", "non_covered"):
        row_sum = _sum_by_doc(rows[f"row_{name}__int"], rows["doc_id"])
        docs[f"receipt_{name}_expected"] = _by_doc(docs, row_sum)
    docs["receipt_covered_expected"] = docs["patient_share__int"] + docs["insurer_share__int"]
    docs["receipt_total_expected"] = docs["covered_total__int"] + docs["non_covered__int"]
    docs["receipt_amount_paid_expected"] = docs["patient_share__int"] + docs["non_covered__int"]
    is_receipt = docs["document_type"] == "receipt"
    for col in ("receipt_total_expected", "receipt_covered_expected", "receipt_amount_paid_expected"):
        docs[col] = docs[col].where(is_receipt)  # a bill has covered_total too: not this rule


def _flag(ok: pd.Series, applies: pd.Series) -> pd.Series:
    """True/False where the rule applies, None elsewhere: a map expectation skips the Nones and
    counts ``mostly`` over the rows the rule applies to, as a row_condition would."""
    return ok.astype(object).where(applies, None)


def _add_flags(table: pd.DataFrame, specs: Mapping[str, FieldSpec],
               required: Mapping[str, pd.Series]) -> None:
    """The pass/fail columns of the conditional checks, computed here so that every expectation of
    the suite is unconditional (GX re-filters the whole frame for each row_condition, per metric).
    ``<col>__present``: filled in where the row's type has the field (``required[col]``);
    ``<col>__is_int`` / ``<col>__is_iso_date``: the raw value parses, where there is one."""
    flags: dict[str, pd.Series] = {}
    for col, spec in specs.items():
        raw_present = table[col].notna()
        flags[f"{col}__present"] = _flag(raw_present, required[col])
        if spec.kind in ("int", "date"):
            parsed = table[f"{col}__{spec.kind}"].notna()
            flags[f"{col}__is_{'int' if spec.kind == 'int' else 'iso_date'}"] = _flag(parsed, raw_present)
    table[list(flags)] = pd.DataFrame(flags, index=table.index)


def label_tables(labels: Mapping[str, dict]) -> dict[str, pd.DataFrame]:
    """Flatten raw label dicts into tables keyed by doc_id: ``documents`` (one row per
    document, every field of every type as a column), ``line_items``, ``receipt_rows`` and
    ``diagnoses``, with the derived ``*_expected`` columns the invariant checks compare to."""
    doc_rows: list[dict[str, Any]] = []
    child_rows: dict[str, list[dict[str, Any]]] = {name: [] for name in CHILD_TABLES}
    for doc_id, raw in labels.items():
        body = raw if isinstance(raw, dict) else None
        doc_type = body.get("document_type") if body is not None else None
        doc_type = doc_type if isinstance(doc_type, str | int | float) else None  # hashable for a set check
        # A known type reads its own fields (another type's field is an unknown key); an
        # unknown type fails document_type_known and is read with every field.
        known = TYPE_FIELDS.get(doc_type, ALL_FIELDS) if isinstance(doc_type, str) else ALL_FIELDS
        fields = {k: v for k, v in body.items() if k != "document_type"} if body is not None else raw
        row = _row(doc_id, fields, {k: DOCUMENT_SPECS[k] for k in known})
        doc_rows.append(row | {"document_type": doc_type})
        for name, child in CHILD_TABLES.items():
            entries = fields.get(child.field) if body is not None and child.field in known else None
            if isinstance(entries, list):
                child_rows[name].extend(_row(doc_id, e, CHILD_SPECS[name], child.prefix) for e in entries)
    docs = _frame(doc_rows, DOCUMENT_SPECS, extra=("document_type",))
    docs["doc_key"] = docs["doc_id"].map(_doc_key)
    stay = (docs["discharge_date__date"] - docs["admission_date__date"]).dt.days + 1
    # Dates out of order fail their own check; a count or period built on them would only echo it.
    docs["stay_days_expected"] = stay.where(stay >= 1)
    tables = {"documents": docs} | {n: _frame(child_rows[n], CHILD_SPECS[n]) for n in CHILD_TABLES}
    _bill_checks(docs, tables["line_items"])
    _receipt_checks(docs, tables["receipt_rows"])
    # A field is required on the documents of the types that have it; an unknown or missing
    # type fails document_type_known and requires nothing else.
    _add_flags(docs, DOCUMENT_SPECS, {col: docs["document_type"].isin(
        [t for t, fields in TYPE_FIELDS.items() if col in fields]) for col in DOCUMENT_SPECS})
    known = docs["document_type"].where(docs["document_type"].notna(), MISSING_TYPE)
    docs["document_type__stated"] = known.astype(object)
    for name in CHILD_TABLES:  # every row of a child table is an entry that needs all its fields
        table = tables[name]
        everywhere = pd.Series(True, index=table.index)
        _add_flags(table, CHILD_SPECS[name], dict.fromkeys(CHILD_SPECS[name], everywhere))
    return tables

