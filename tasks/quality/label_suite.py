"""The great-expectations suite over the label tables (part of the ``qc`` stage).

The four tables of label_tables.py are stacked into one frame (``row_kind`` says which
table a row is from) so that one suite, one validation and one checkpoint cover a batch
and the Data Docs show one page per run: GX binds one dataframe per checkpoint run.
Every expectation is unconditional: what applies to some rows only (a field required by some
document types, a type check where there is a value) reads a flag column label_tables.py
computed, empty where the rule does not apply (GX re-filtered the frame for each
row_condition, per metric: half the suite's time). Every expectation carries a readable name
in ``meta["check"]``. The batch is validated once for pass/fail (BOOLEAN_ONLY); only when
something fails are those expectations run again for their rows by ``doc_id`` (COMPLETE, a
second page in the Data Docs), so a line item's failure lands on its document.

great_expectations is imported inside the functions: the import takes seconds.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claimvlm.quality.label_tables import CHILD_SPECS, DOCUMENT_SPECS, FieldSpec, label_tables
from claimvlm.schema import DOC_TYPES

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.expectations import Expectation

SUITE_NAME = "claim_labels"
DETAIL_SUITE_NAME = f"{SUITE_NAME}_failed_rows"  # the failing expectations again, with their rows
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


def _field_checks(col: str, spec: FieldSpec) -> Iterator[Expectation]:
    """Type and format checks of one raw column; each ignores rows where the cell is empty."""
    if spec.kind == "int":  # like dates: the parsed column is empty where the raw value is unusable
        yield _named(f"{col}_is_int", "ExpectColumnValuesToBeInSet",
                     column=f"{col}__is_int", value_set=[True])
        if spec.minimum is not None:
            yield _named(f"{col}_ge_{spec.minimum}", "ExpectColumnValuesToBeBetween",
                         column=f"{col}__int", min_value=spec.minimum)
    elif spec.kind == "date":
        yield _named(f"{col}_is_iso_date", "ExpectColumnValuesToBeInSet",
                     column=f"{col}__is_iso_date", value_set=[True])
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
    """A field of a row's type must be filled in; ``mostly`` tolerates max_null_rate empties.
    ``<col>__present`` is empty on rows the field does not apply to (label_tables._add_flags)."""
    mostly = 1.0 - max_null_rate
    for col in [*DOCUMENT_SPECS, *(c for specs in CHILD_SPECS.values() for c in specs)]:
        yield _named(f"{col}_present", "ExpectColumnValuesToBeInSet",
                     column=f"{col}__present", value_set=[True], mostly=mostly)


def _document_checks() -> Iterator[Expectation]:
    # document_type__stated and doc_key exist on document rows only; GX skips the empty cells.
    yield _named("document_type_known", "ExpectColumnValuesToBeInSet",
                 column="document_type__stated", value_set=list(DOC_TYPES))
    yield _named("doc_id_unique", "ExpectColumnValuesToBeUnique", column="doc_key")
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
    flags = [c for c in frame.columns if c.endswith(("__present", "__is_int", "__is_iso_date"))]
    raw = [*DOCUMENT_SPECS, *(c for specs in CHILD_SPECS.values() for c in specs), "document_type",
           "document_type__stated", *flags]
    # Concatenation may re-infer dtypes; GX checks Python types value by value only in object
    # columns, and the flags must stay True/False/empty (a bool column would turn empty into NaN).
    frame[raw] = frame[raw].astype(object)
    # One block per dtype instead of one per column: GX filters the whole frame for each metric.
    return frame.copy()


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


def _checkpoint(context: Any, batch: Any, suite: Any, result_format: dict[str, Any]) -> Any:
    """A checkpoint validating ``suite`` on the batch and adding its page to the Data Docs."""
    gx = _gx()
    suite = context.suites.add(suite)
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=suite.name, data=batch, suite=suite))
    return context.checkpoints.add(gx.Checkpoint(
        name=f"{suite.name}_qc", validation_definitions=[validation], result_format=result_format,
        actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs", site_names=["label_qc"])]))


def _validate(checkpoint: Any, frame: pd.DataFrame) -> Any:
    (validation,) = checkpoint.run(batch_parameters={"dataframe": frame}).run_results.values()
    return validation


def _detail_suite(results: list[Any], max_null_rate: float) -> Any:
    """The expectations that failed, as a suite of their own for the COMPLETE pass (picked by
    description, which holds the check name and every argument, so it is unique)."""
    failed = {r.expectation_config.description for r in results if not r.success}
    chosen = [e for e in build_suite(max_null_rate).expectations if e.description in failed]
    return _gx().ExpectationSuite(name=DETAIL_SUITE_NAME, expectations=chosen)


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
    batch = context.data_sources.add_pandas("labels").add_dataframe_asset("label_rows") \
        .add_batch_definition_whole_dataframe("whole_batch")
    # Pass/fail of every expectation first (BOOLEAN_ONLY: less than half the cost of COMPLETE,
    # which gathers each expectation's unexpected rows even when there are none), then, only
    # where some failed, those again with their rows, to blame the documents.
    suite = build_suite(max_null_rate)
    validation = _validate(_checkpoint(context, batch, suite, {"result_format": "BOOLEAN_ONLY"}), frame)
    failures: dict[str, tuple[str, ...]] = {}
    errored: list[str] = []
    if not validation.success:
        detail = _validate(_checkpoint(context, batch, _detail_suite(validation.results, max_null_rate),
                                        _RESULT_FORMAT), frame)
        failures, errored = _failures(detail.results)
    statistics = dict(validation.statistics) | {"errored": errored}
    return LabelSuiteResult(
        failures=failures, expectations=int(statistics["evaluated_expectations"]),
        success=bool(validation.success) and not errored and not failures,
        data_docs=docs_dir / "index.html", statistics=statistics)
