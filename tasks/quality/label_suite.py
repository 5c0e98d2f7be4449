"""The great-expectations suite over the label tables (part of the ``qc`` stage).

The four tables of label_tables.py are stacked into one frame (``row_kind`` says which
table a row is from) so that one suite, one validation and one checkpoint cover a batch
and the Data Docs show one page per run: GX binds one dataframe per checkpoint run.
Every expectation carries a readable name in ``meta["check"]``; failing rows come back by
``doc_id`` (COMPLETE result format), so a line item's failure lands on its document.

great_expectations is imported inside the functions: the import takes seconds.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claimvlm.quality.label_tables import CHILD_SPECS, DOCUMENT_SPECS, TYPE_FIELDS, FieldSpec, label_tables
from claimvlm.schema import DOC_TYPES

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.expectations import Expectation

SUITE_NAME = "claim_labels"
ROW_KINDS: dict[str, str] = {"documents": "document", "line_items": "line_item",
                             "receipt_rows": "receipt_row", "diagnoses": "diagnosis"}
_RESULT_FORMAT = {"result_format": "COMPLETE", "unexpected_index_column_names": ["doc_id"],
                  "return_unexpected_index_query": False, "partial_unexpected_count": 20}

# Date order: (later, earlier, name); each pair is skipped where either date is unusable.
DATE_ORDER: tuple[tuple[str, str, str], ...] = (
    ("discharge_date", "admission_date", "admission_not_after_discharge"),
    ("issue_date", "discharge_date", "discharge_not_after_issue"),
    ("diagnosis_date", "onset_date", "onset_not_after_diagnosis"),
    ("issue_date", "diagnosis_date", "diagnosis_not_after_issue"),
    ("issue_date", "operation_date", "operation_not_after_issue"),
    ("care_end", "care_start", "care_start_not_after_care_end"),
    ("issue_date", "care_end", "care_end_not_after_issue"),
    ("item_date", "item_care_start", "bill_line_item_date_within_care_period"),
    ("item_care_end", "item_date", "bill_line_item_date_within_care_period"),
)
# Stated value == value derived from other fields: (stated column, derived column, name).
ARITHMETIC: tuple[tuple[str, str, str], ...] = (
    ("days__int", "stay_days_expected", "stay_days_equal_discharge_minus_admission_plus_1"),
    ("item_amount__int", "item_amount_expected", "bill_amount_equals_unit_x_count_x_days"),
    ("covered_total__int", "bill_covered_expected", "bill_covered_total_equals_covered_items"),
    ("non_covered_total__int", "bill_non_covered_expected",
     "bill_non_covered_total_equals_non_covered_items"),
    ("total__int", "bill_total_expected", "bill_total_equals_covered_plus_non_covered"),
    *((f"{c}__int", f"receipt_{c}_expected", f"receipt_{c}_equals_row_sum")
      for c in ("patient_share", "insurer_share", "full_self_pay", "non_covered")),
    ("covered_total__int", "receipt_covered_expected",
     "receipt_covered_total_equals_patient_plus_insurer_share"),
    ("total__int", "receipt_total_expected", "receipt_total_equals_covered_plus_non_covered"),
    ("amount_paid__int", "receipt_amount_paid_expected",
     "receipt_amount_paid_equals_patient_share_plus_non_covered"),
)


@dataclass(frozen=True)
class LabelSuiteResult:
    failures: dict[str, tuple[str, ...]]  # doc_id -> names of the expectations it failed
    expectations: int  # how many expectations ran
    success: bool
    data_docs: Path  # the index.html of the built Data Docs
    statistics: dict[str, Any]  # GX's evaluated/successful/unsuccessful counts, plus "errored"


def _gx() -> Any:
    os.environ["GX_ANALYTICS_ENABLED"] = "false"  # no network: read at import and context creation
    import great_expectations as gx

    return gx


def _named(name: str, kind: str, **kwargs: Any) -> Expectation:
    """``gx.expectations.<kind>(**kwargs)`` named ``name``. The name leads the description,
    which the Data Docs show in place of GX's own sentence (so the arguments follow it)."""
    args = ", ".join(f"where {v!r}" if k == "row_condition" else f"{k}={v!r}" for k, v in kwargs.items())
    return getattr(_gx().expectations, kind)(
        meta={"check": name}, description=f"{name} — {kind}({args})", **kwargs)


def _column(name: str) -> Any:
    from great_expectations.expectations.row_conditions import Column

    return Column(name)


def _field_checks(col: str, spec: FieldSpec) -> Iterator[Expectation]:
    """Type and format checks of one raw column; each ignores rows where the cell is empty."""
    if spec.kind == "int":  # like dates: the parsed column is empty where the raw value is unusable
        yield _named(f"{col}_is_int", "ExpectColumnValuesToNotBeNull",
                     column=f"{col}__int", row_condition=_column(col).is_not_null())
        if spec.minimum is not None:
            yield _named(f"{col}_ge_{spec.minimum}", "ExpectColumnValuesToBeBetween",
                         column=f"{col}__int", min_value=spec.minimum)
    elif spec.kind == "date":
        yield _named(f"{col}_is_iso_date", "ExpectColumnValuesToNotBeNull",
                     column=f"{col}__date", row_condition=_column(col).is_not_null())
    elif spec.kind == "choice":
        yield _named(f"{col}_in_set", "ExpectColumnValuesToBeInSet",
                     column=col, value_set=list(spec.choices))
    elif spec.kind == "list":  # the cell holds the entry count, -1 when the value is no list
        yield _named(f"{col}_count", "ExpectColumnValuesToBeBetween",
                     column=col, min_value=spec.minimum or 0, max_value=spec.maximum)
    else:
        yield _named(f"{col}_is_str", "ExpectColumnValuesToBeInTypeList", column=col, type_list=["str"])
        if spec.pattern:
            # pandas warns about capturing groups in str.contains; non-capturing ones match alike
            regex = re.sub(r"\((?!\?)", "(?:", spec.pattern)
            yield _named(f"{col}_format", "ExpectColumnValuesToMatchRegex", column=col, regex=regex)
        if spec.minimum:
            yield _named(f"{col}_min_length", "ExpectColumnValuesToMatchRegex",
                         column=col, regex=rf"^[\s\S]{{{spec.minimum},}}$")


def _required_checks(max_null_rate: float) -> Iterator[Expectation]:
    """A field of a row's type must be filled in; ``mostly`` tolerates max_null_rate empties."""
    mostly = 1.0 - max_null_rate
    for col in DOCUMENT_SPECS:
        types = [t for t, fields in TYPE_FIELDS.items() if col in fields]
        of_type = (_column("row_kind") == "document") & _column("document_type").is_in(types)
        yield _named(f"{col}_present", "ExpectColumnValuesToNotBeNull",
                     column=col, mostly=mostly, row_condition=of_type)
    for table, specs in CHILD_SPECS.items():
        for col in specs:
            yield _named(f"{col}_present", "ExpectColumnValuesToNotBeNull", column=col, mostly=mostly,
                         row_condition=_column("row_kind") == ROW_KINDS[table])


def _document_checks() -> Iterator[Expectation]:
    is_doc = _column("row_kind") == "document"
    yield _named("document_type_known", "ExpectColumnValuesToNotBeNull",
                 column="document_type", row_condition=is_doc)
    yield _named("document_type_known", "ExpectColumnValuesToBeInSet",
                 column="document_type", value_set=list(DOC_TYPES), row_condition=is_doc)
    yield _named("doc_id_unique", "ExpectColumnValuesToBeUnique", column="doc_key", row_condition=is_doc)
    yield _named("no_unknown_or_nested_fields", "ExpectColumnValuesToBeBetween",
                 column="structure_errors", min_value=0, max_value=0)


def _invariant_checks() -> Iterator[Expectation]:
    for later, earlier, name in DATE_ORDER:
        yield _named(name, "ExpectColumnPairValuesAToBeGreaterThanB", column_A=f"{later}__date",
                     column_B=f"{earlier}__date", or_equal=True, ignore_row_if="either_value_is_missing")
    for stated, derived, name in ARITHMETIC:
        yield _named(name, "ExpectColumnPairValuesToBeEqual", column_A=stated, column_B=derived,
                     ignore_row_if="either_value_is_missing")
    yield _named("receipt_row_full_self_pay_not_above_patient_share",
                 "ExpectColumnPairValuesAToBeGreaterThanB", column_A="row_patient_share__int",
                 column_B="row_full_self_pay__int", or_equal=True, ignore_row_if="either_value_is_missing")


def build_suite(max_null_rate: float = 0.0) -> Any:
    """The expectation suite (a ``gx.ExpectationSuite``, not yet added to a context)."""
    field_specs = {**DOCUMENT_SPECS, **{c: s for specs in CHILD_SPECS.values() for c, s in specs.items()}}
    expectations = [*_document_checks(), *_required_checks(max_null_rate),
                    *(e for col, spec in field_specs.items() for e in _field_checks(col, spec)),
                    *_invariant_checks()]
    # Passed whole: add_expectation compares each new one with all before it (quadratic, seconds).
    suite = _gx().ExpectationSuite(name=SUITE_NAME, expectations=expectations)
    if len(suite.expectations) != len(expectations):  # the constructor logs and drops invalid ones
        raise RuntimeError("an expectation of the label suite was rejected by great_expectations")
    return suite


def stacked_table(labels: Mapping[str, dict]) -> pd.DataFrame:
    """All label tables in one frame, ``row_kind`` naming each row's table."""
    import pandas as pd

    tables = label_tables(labels)
    frame = pd.concat([t.assign(row_kind=ROW_KINDS[name]) for name, t in tables.items()], ignore_index=True)
    raw = [*DOCUMENT_SPECS, *(c for specs in CHILD_SPECS.values() for c in specs), "document_type"]
    # Concatenation may re-infer dtypes; GX checks Python types value by value only in object columns.
    frame[raw] = frame[raw].astype(object)
    return frame


def _context(docs_dir: Path) -> Any:
    """An in-memory context whose only output is a filesystem Data Docs site in docs_dir."""
    gx = _gx()
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
        data_docs_sites={"label_qc": {
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }},
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _checkpoint(context: Any, max_null_rate: float) -> Any:
    gx = _gx()
    batch = context.data_sources.add_pandas("labels").add_dataframe_asset("label_rows") \
        .add_batch_definition_whole_dataframe("whole_batch")
    suite = context.suites.add(build_suite(max_null_rate))
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=SUITE_NAME, data=batch, suite=suite))
    return context.checkpoints.add(gx.Checkpoint(
        name=f"{SUITE_NAME}_qc", validation_definitions=[validation], result_format=_RESULT_FORMAT,
        actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs", site_names=["label_qc"])]))


def _failures(results: list[Any]) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """doc_id -> failed check names, and the checks that errored instead of evaluating."""
    failed: dict[str, set[str]] = {}
    errored: list[str] = []
    for r in results:
        if r.success:
            continue
        name = r.expectation_config.meta["check"]
        rows = (r.result or {}).get("unexpected_index_list")
        if rows is None:  # raised, or not row-wise: no document to blame, so the run fails
            errored.append(name)
            continue
        for row in rows:
            failed.setdefault(row["doc_id"], set()).add(name)
    return {d: tuple(sorted(n)) for d, n in sorted(failed.items())}, errored


def run_label_suite(labels: Mapping[str, dict], docs_dir: Path,
                    max_null_rate: float = 0.0) -> LabelSuiteResult:
    """Validate raw labels (doc_id -> label dict, not parsed by pydantic) and build the Data
    Docs into docs_dir. A required column may be empty in up to max_null_rate of the rows
    it applies to. Pages of earlier runs in docs_dir stay; the index lists this run."""
    if not 0.0 <= max_null_rate <= 1.0:
        raise ValueError(f"max_null_rate must lie in [0, 1], got {max_null_rate}")
    docs_dir = Path(docs_dir).resolve()
    docs_dir.mkdir(parents=True, exist_ok=True)
    frame = stacked_table(labels)
    context = _context(docs_dir)
    run = _checkpoint(context, max_null_rate).run(batch_parameters={"dataframe": frame})
    (validation,) = run.run_results.values()
    failures, errored = _failures(validation.results)
    statistics = dict(validation.statistics) | {"errored": errored}
    return LabelSuiteResult(
        failures=failures, expectations=int(statistics["evaluated_expectations"]),
        success=bool(validation.success) and not errored and not failures,
        data_docs=docs_dir / "index.html", statistics=statistics)
