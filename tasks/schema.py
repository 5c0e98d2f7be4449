"""The document schemas: the one contract for labels, QC, the VLM's JSON output and evaluation.

One pydantic model per document type. Field order is the order the model is asked to
emit keys in. Every invariant a checker can rely on (dates in order, amounts that add
up) is enforced by the models themselves, so an invalid label cannot be constructed.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

DocType = Literal[
    "diagnosis_certificate", "surgery_record", "itemized_bill", "receipt", "admission_discharge"
]
DOC_TYPES: tuple[DocType, ...] = get_args(DocType)

DOC_TITLES: dict[DocType, str] = {
    "diagnosis_certificate": "진단서",
    "surgery_record": "수술확인서",
    "itemized_bill": "진료비 세부내역서",
    "receipt": "진료비 계산서·영수증",
    "admission_discharge": "입퇴원확인서",
}

KCD_PATTERN = r"^[A-Z][0-9]{2}(\.[0-9]{1,2})?$"
PROCEDURE_PATTERN = r"^[A-Z][0-9]{4,5}$"
# Shape only: post-2020 numbers carry no check digit, so validity is not a format question.
RRN_PATTERN = r"^[0-9]{6}-[0-9]{7}$"
PHONE_PATTERN = r"^0[0-9]{1,2}-[0-9]{3,4}-[0-9]{4}$"

KcdCode = Annotated[str, Field(pattern=KCD_PATTERN)]
ProcedureCode = Annotated[str, Field(pattern=PROCEDURE_PATTERN)]
Rrn = Annotated[str, Field(pattern=RRN_PATTERN)]
Phone = Annotated[str, Field(pattern=PHONE_PATTERN)]
KoreanName = Annotated[str, Field(pattern=r"^[가-힣]{2,5}$")]
Won = Annotated[int, Field(ge=0)]

BILL_CATEGORIES = (
    "진찰료", "입원료", "식대", "투약및조제료", "주사료", "마취료", "처치및수술료", "검사료",
    "영상진단료", "방사선치료료", "치료재료대", "재활및물리치료료", "정신요법료",
    "전혈및혈액성분제제료", "CT 진단료", "MRI 진단료", "초음파 진단료",
)
BillCategory = Literal[BILL_CATEGORIES]  # type: ignore[valid-type]


# Personal identifiers in the labels: field name -> surrogate kind (tasks/privacy). The
# hospital's own name, address and phone identify no patient and stay, as do codes,
# amounts and service dates, which training needs.
PII_FIELDS: dict[str, str] = {
    "patient_name": "name", "patient_rrn": "rrn", "patient_address": "address", "patient_phone": "phone",
    "doctor_name": "name", "surgeon_name": "name", "doctor_license_no": "license_no", "chart_no": "chart_no",
}
# Free text where identifiers appear without a label; the privacy stage runs its detector there.
FREE_TEXT_FIELDS: tuple[str, ...] = ("opinion",)


def is_cancer_code(code: str) -> bool:
    """C00-C97 and D00-D09 (in-situ) pay the most and are checked the most."""
    return code.startswith("C") or bool(re.match(r"^D0[0-9]", code))


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Diagnosis(_Record):
    name: str = Field(min_length=1)
    kcd_code: KcdCode
    certainty: Literal["임상적 추정", "최종 진단"]


class DiagnosisCertificate(_Record):
    document_type: Literal["diagnosis_certificate"] = "diagnosis_certificate"
    patient_name: KoreanName
    patient_rrn: Rrn
    patient_address: str
    patient_phone: Phone
    diagnoses: list[Diagnosis] = Field(min_length=1, max_length=3)
    onset_date: dt.date
    diagnosis_date: dt.date
    opinion: str
    hospital_name: str
    hospital_address: str
    hospital_phone: Phone
    doctor_name: KoreanName
    doctor_license_no: str = Field(pattern=r"^[0-9]{5,6}$")
    issue_date: dt.date

    @model_validator(mode="after")
    def _dates(self) -> DiagnosisCertificate:
        if not self.onset_date <= self.diagnosis_date <= self.issue_date:
            raise ValueError("dates must satisfy onset_date <= diagnosis_date <= issue_date")
        return self


class SurgeryRecord(_Record):
    document_type: Literal["surgery_record"] = "surgery_record"
    patient_name: KoreanName
    patient_rrn: Rrn
    chart_no: str = Field(pattern=r"^[0-9]{8}$")
    department: str
    diagnosis_name: str
    kcd_code: KcdCode
    operation_name: str
    procedure_code: ProcedureCode
    operation_date: dt.date
    anesthesia: Literal["전신마취", "척추마취", "경막외마취", "부위마취", "국소마취", "수면마취"]
    surgeon_name: KoreanName
    doctor_license_no: str = Field(pattern=r"^[0-9]{5,6}$")
    hospital_name: str
    issue_date: dt.date

    @model_validator(mode="after")
    def _dates(self) -> SurgeryRecord:
        if not self.operation_date <= self.issue_date:
            raise ValueError("dates must satisfy operation_date <= issue_date")
        return self


class LineItem(_Record):
    category: BillCategory
    date: dt.date
    code: str = Field(pattern=r"^[A-Z0-9]{5,9}$")
    name: str
    unit_price: Won
    count: int = Field(ge=1)
    days: int = Field(ge=1)
    amount: Won
    coverage: Literal["급여", "비급여"]

    @model_validator(mode="after")
    def _amount(self) -> LineItem:
        if self.amount != self.unit_price * self.count * self.days:
            raise ValueError("amount must equal unit_price * count * days")
        return self


class ItemizedBill(_Record):
    document_type: Literal["itemized_bill"] = "itemized_bill"
    patient_name: KoreanName
    chart_no: str = Field(pattern=r"^[0-9]{8}$")
    care_start: dt.date
    care_end: dt.date
    hospital_name: str
    line_items: list[LineItem] = Field(min_length=1)
    covered_total: Won
    non_covered_total: Won
    total: Won
    issue_date: dt.date

    @model_validator(mode="after")
    def _totals(self) -> ItemizedBill:
        if not self.care_start <= self.care_end <= self.issue_date:
            raise ValueError("dates must satisfy care_start <= care_end <= issue_date")
        if any(not self.care_start <= it.date <= self.care_end for it in self.line_items):
            raise ValueError("every line item's date must lie within the care period")
        covered = sum(it.amount for it in self.line_items if it.coverage == "급여")
        non_covered = sum(it.amount for it in self.line_items if it.coverage == "비급여")
        if (self.covered_total, self.non_covered_total) != (covered, non_covered):
            raise ValueError("covered_total / non_covered_total must equal the sums of the line items")
        if self.total != self.covered_total + self.non_covered_total:
            raise ValueError("total must equal covered_total + non_covered_total")
        return self


class ReceiptRow(_Record):
    """One category row. full_self_pay (전액본인부담) is the part of patient_share that the
    insurance does not share at all; it is shown separately but counted in patient_share."""

    category: BillCategory
    patient_share: Won
    insurer_share: Won
    full_self_pay: Won
    non_covered: Won

    @model_validator(mode="after")
    def _split(self) -> ReceiptRow:
        if self.full_self_pay > self.patient_share:
            raise ValueError("full_self_pay is part of patient_share and cannot exceed it")
        return self


class Receipt(_Record):
    document_type: Literal["receipt"] = "receipt"
    patient_name: KoreanName
    chart_no: str = Field(pattern=r"^[0-9]{8}$")
    visit_type: Literal["외래", "입원"]
    department: str
    care_start: dt.date
    care_end: dt.date
    rows: list[ReceiptRow] = Field(min_length=1)
    patient_share: Won
    insurer_share: Won
    full_self_pay: Won
    covered_total: Won
    non_covered: Won
    total: Won
    amount_paid: Won
    hospital_name: str
    issue_date: dt.date

    @model_validator(mode="after")
    def _totals(self) -> Receipt:
        if not self.care_start <= self.care_end <= self.issue_date:
            raise ValueError("dates must satisfy care_start <= care_end <= issue_date")
        for name in ("patient_share", "insurer_share", "full_self_pay", "non_covered"):
            if getattr(self, name) != sum(getattr(r, name) for r in self.rows):
                raise ValueError(f"{name} must equal the sum of the category rows")
        if self.covered_total != self.patient_share + self.insurer_share:
            raise ValueError("covered_total must equal patient_share + insurer_share")
        if self.total != self.covered_total + self.non_covered:
            raise ValueError("total must equal covered_total + non_covered")
        if self.amount_paid != self.patient_share + self.non_covered:
            raise ValueError("amount_paid must equal patient_share + non_covered")
        return self


class AdmissionDischarge(_Record):
    document_type: Literal["admission_discharge"] = "admission_discharge"
    patient_name: KoreanName
    patient_rrn: Rrn
    patient_address: str
    chart_no: str = Field(pattern=r"^[0-9]{8}$")
    department: str
    admission_date: dt.date
    discharge_date: dt.date
    days: int = Field(ge=1, description="inclusive count of calendar days in hospital")
    diagnosis_name: str
    kcd_code: KcdCode
    hospital_name: str
    doctor_name: KoreanName
    issue_date: dt.date

    @model_validator(mode="after")
    def _stay(self) -> AdmissionDischarge:
        if not self.admission_date <= self.discharge_date <= self.issue_date:
            raise ValueError("dates must satisfy admission_date <= discharge_date <= issue_date")
        if self.days != (self.discharge_date - self.admission_date).days + 1:
            raise ValueError("days must equal discharge_date - admission_date + 1 (inclusive)")
        return self


ClaimDocument = Annotated[
    DiagnosisCertificate | SurgeryRecord | ItemizedBill | Receipt | AdmissionDischarge,
    Field(discriminator="document_type"),
]
SCHEMAS: dict[DocType, type[_Record]] = {
    "diagnosis_certificate": DiagnosisCertificate,
    "surgery_record": SurgeryRecord,
    "itemized_bill": ItemizedBill,
    "receipt": Receipt,
    "admission_discharge": AdmissionDischarge,
}
_CLAIM_ADAPTER: TypeAdapter[Any] = TypeAdapter(ClaimDocument)


def parse_label(data: dict[str, Any] | str | bytes) -> _Record:
    """Validate a label (dict or JSON text) into its document model; raises ValidationError."""
    if isinstance(data, str | bytes):
        return _CLAIM_ADAPTER.validate_json(data)
    return _CLAIM_ADAPTER.validate_python(data)
