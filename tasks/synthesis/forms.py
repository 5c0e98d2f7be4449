"""What each document type prints: its fields, tables and statements, as a layout-free form.

A form says *what* goes on the page (labels, the value text for each label path); the
renderer decides *where*, per layout variant. Field paths (``line_items[2].amount``) tie
every drawn value back to the label.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from claimvlm.schema import DOC_TITLES, DocType


@dataclass(frozen=True)
class Field:
    label: str
    path: str
    text: str
    wide: bool = False  # takes a whole row (addresses, long names)


@dataclass(frozen=True)
class FieldGrid:
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    weight: float = 1.0
    numeric: bool = False


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: tuple[tuple[Field, ...], ...]


@dataclass(frozen=True)
class Statement:
    text: str


@dataclass(frozen=True)
class Signature:
    fields: tuple[Field, ...]
    seal_text: str


Block = FieldGrid | Table | Statement | Signature


@dataclass(frozen=True)
class Form:
    title: str
    blocks: tuple[Block, ...]


DATE_STYLES: dict[str, str] = {"iso": "%Y-%m-%d", "dots": "%Y.%m.%d", "korean": "%Y년 %m월 %d일"}


@dataclass(frozen=True)
class TextStyle:
    date: str = "iso"

    def fmt(self, value: Any) -> str:
        if isinstance(value, dt.date):
            return value.strftime(DATE_STYLES[self.date])
        if isinstance(value, int):
            return f"{value:,}"
        return str(value)


def _f(doc: Any, style: TextStyle, label: str, path: str, wide: bool = False) -> Field:
    return Field(label, path, style.fmt(getattr(doc, path)), wide)


def _table(doc: Any, style: TextStyle, attr: str, columns: tuple[Column, ...]) -> Table:
    rows = tuple(
        tuple(Field(c.header, f"{attr}[{i}].{c.key}", style.fmt(getattr(item, c.key))) for c in columns)
        for i, item in enumerate(getattr(doc, attr))
    )
    return Table(columns, rows)


def _diagnosis_certificate(d: Any, s: TextStyle) -> Form:
    cols = (Column("구분", "certainty", 1.0), Column("병명", "name", 3.6), Column("질병분류기호", "kcd_code", 1.3))
    return Form(DOC_TITLES["diagnosis_certificate"], (
        FieldGrid((_f(d, s, "환자성명", "patient_name"), _f(d, s, "주민등록번호", "patient_rrn"),
                   _f(d, s, "주소", "patient_address", True), _f(d, s, "전화번호", "patient_phone"),
                   _f(d, s, "발병일", "onset_date"), _f(d, s, "진단일", "diagnosis_date"))),
        _table(d, s, "diagnoses", cols),
        FieldGrid((_f(d, s, "치료 의견", "opinion", True),)),
        Statement("위와 같이 진단합니다."),
        Signature((_f(d, s, "발행일", "issue_date"), _f(d, s, "의료기관", "hospital_name"),
                   _f(d, s, "주소", "hospital_address", True), _f(d, s, "전화", "hospital_phone"),
                   _f(d, s, "면허번호", "doctor_license_no"), _f(d, s, "의사성명", "doctor_name")),
                  d.hospital_name),
    ))


def _surgery_record(d: Any, s: TextStyle) -> Form:
    return Form(DOC_TITLES["surgery_record"], (
        FieldGrid((_f(d, s, "환자성명", "patient_name"), _f(d, s, "주민등록번호", "patient_rrn"),
                   _f(d, s, "등록번호", "chart_no"), _f(d, s, "진료과", "department"),
                   _f(d, s, "진단명", "diagnosis_name", True), _f(d, s, "질병분류기호", "kcd_code"),
                   _f(d, s, "수술일", "operation_date"), _f(d, s, "수술명", "operation_name", True),
                   _f(d, s, "수술코드", "procedure_code"), _f(d, s, "마취방법", "anesthesia"))),
        Statement("위 환자는 상기와 같이 수술을 받았음을 확인합니다."),
        Signature((_f(d, s, "발행일", "issue_date"), _f(d, s, "의료기관", "hospital_name"),
                   _f(d, s, "면허번호", "doctor_license_no"), _f(d, s, "집도의", "surgeon_name")),
                  d.hospital_name),
    ))


def _itemized_bill(d: Any, s: TextStyle) -> Form:
    cols = (Column("항목", "category", 1.5), Column("일자", "date", 1.45), Column("코드", "code", 1.25),
            Column("명칭", "name", 2.0), Column("단가", "unit_price", 1.2, True),
            Column("횟수", "count", 0.55, True), Column("일수", "days", 0.55, True),
            Column("금액", "amount", 1.35, True), Column("구분", "coverage", 0.75))
    return Form(DOC_TITLES["itemized_bill"], (
        FieldGrid((_f(d, s, "환자성명", "patient_name"), _f(d, s, "등록번호", "chart_no"),
                   _f(d, s, "진료시작일", "care_start"), _f(d, s, "진료종료일", "care_end"))),
        _table(d, s, "line_items", cols),
        FieldGrid((_f(d, s, "급여 합계", "covered_total"), _f(d, s, "비급여 합계", "non_covered_total"),
                   _f(d, s, "총 진료비", "total"))),
        Signature((_f(d, s, "발행일", "issue_date"), _f(d, s, "요양기관", "hospital_name")), d.hospital_name),
    ))


def _receipt(d: Any, s: TextStyle) -> Form:
    cols = (Column("항목", "category", 1.7), Column("본인부담금", "patient_share", 1.2, True),
            Column("공단부담금", "insurer_share", 1.2, True), Column("전액본인부담", "full_self_pay", 1.2, True),
            Column("비급여", "non_covered", 1.2, True))
    return Form(DOC_TITLES["receipt"], (
        FieldGrid((_f(d, s, "환자성명", "patient_name"), _f(d, s, "등록번호", "chart_no"),
                   _f(d, s, "진료구분", "visit_type"), _f(d, s, "진료과목", "department"),
                   _f(d, s, "진료시작일", "care_start"), _f(d, s, "진료종료일", "care_end"))),
        _table(d, s, "rows", cols),
        FieldGrid((_f(d, s, "본인부담금 계", "patient_share"), _f(d, s, "공단부담금 계", "insurer_share"),
                   _f(d, s, "전액본인부담 계", "full_self_pay"), _f(d, s, "급여 계", "covered_total"),
                   _f(d, s, "비급여 계", "non_covered"), _f(d, s, "진료비 총액", "total"),
                   _f(d, s, "납부한 금액", "amount_paid"))),
        Signature((_f(d, s, "발행일", "issue_date"), _f(d, s, "요양기관", "hospital_name")), d.hospital_name),
    ))


def _admission_discharge(d: Any, s: TextStyle) -> Form:
    return Form(DOC_TITLES["admission_discharge"], (
        FieldGrid((_f(d, s, "환자성명", "patient_name"), _f(d, s, "주민등록번호", "patient_rrn"),
                   _f(d, s, "주소", "patient_address", True), _f(d, s, "등록번호", "chart_no"),
                   _f(d, s, "진료과", "department"), _f(d, s, "입원일", "admission_date"),
                   _f(d, s, "퇴원일", "discharge_date"), _f(d, s, "입원일수", "days"),
                   _f(d, s, "질병분류기호", "kcd_code"), _f(d, s, "진단명", "diagnosis_name", True))),
        Statement("위 환자는 상기 기간 동안 본원에 입원하였음을 확인합니다."),
        Signature((_f(d, s, "발행일", "issue_date"), _f(d, s, "의료기관", "hospital_name"),
                   _f(d, s, "담당의", "doctor_name")), d.hospital_name),
    ))


FORMS: dict[DocType, Callable[[Any, TextStyle], Form]] = {
    "diagnosis_certificate": _diagnosis_certificate,
    "surgery_record": _surgery_record,
    "itemized_bill": _itemized_bill,
    "receipt": _receipt,
    "admission_discharge": _admission_discharge,
}
