"""Realistic, fictitious field values for each document type.

Every generator takes a ``random.Random`` (stable across platforms and Python versions)
and returns a schema model, so whatever it produces has passed the schema's invariants.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from claimvlm import rrn
from claimvlm.schema import (
    AdmissionDischarge,
    Diagnosis,
    DiagnosisCertificate,
    DocType,
    ItemizedBill,
    LineItem,
    Receipt,
    ReceiptRow,
    SurgeryRecord,
)
from claimvlm.synthesis import korean_data as kd

_FIRST_ISSUE = dt.date(2022, 1, 1)
_LAST_ISSUE = dt.date(2026, 10, 31)


def person_name(r: random.Random) -> str:
    surnames, weights = zip(*kd.SURNAMES, strict=True)
    given_len = 1 if r.random() < 0.06 else 2
    return r.choices(surnames, weights)[0] + "".join(r.choices(kd.GIVEN_SYLLABLES, k=given_len))


def random_date(r: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=r.randint(0, (end - start).days))


def resident_number(r: random.Random, on: dt.date) -> str:
    """An RRN of a person alive on ``on``: legacy (check digit) or post-2020 (random) kind."""
    birth = random_date(r, dt.date(1935, 1, 1), min(on, dt.date(2019, 12, 31)))
    sex = r.choice("MF")
    foreign = r.random() < 0.03
    # Re-issued numbers since October 2020 use the random scheme whatever the birth year.
    legacy = r.random() >= 0.2
    if legacy:
        return rrn.compose(birth, sex, f"{r.randint(0, 99999):05d}", foreign=foreign, legacy=True)
    return rrn.compose(birth, sex, f"{r.randint(0, 999999):06d}", foreign=foreign, legacy=False)


def address(r: random.Random, sido: str | None = None) -> str:
    sido = sido or r.choice(list(kd.REGIONS))
    _, districts, dongs = kd.REGIONS[sido]
    district = r.choice(districts)
    if r.random() < 0.8:  # road-name address, sometimes with a unit
        base = f"{sido} {district} {r.choice(kd.ROADS)} {r.randint(1, 399)}"
        return base + (f", {r.randint(1, 20)}층" if r.random() < 0.2 else "") + (
            f", {r.randint(101, 120)}동 {r.randint(101, 1502)}호" if r.random() < 0.4 else ""
        )
    return f"{sido} {district} {r.choice(dongs)} {r.randint(1, 1999)}-{r.randint(1, 40)}"


def mobile_phone(r: random.Random) -> str:
    return f"010-{r.randint(2000, 9999)}-{r.randint(0, 9999):04d}"


def landline(r: random.Random, sido: str) -> str:
    area = kd.REGIONS[sido][0]
    middle = r.randint(200, 999) if area == "02" or r.random() < 0.5 else r.randint(2000, 9999)
    return f"{area}-{middle}-{r.randint(0, 9999):04d}"


def hospital(r: random.Random) -> tuple[str, str, str]:
    """(name, address, phone) of a fictitious hospital."""
    sido = r.choice(list(kd.REGIONS))
    name = r.choice(kd.HOSPITAL_PREFIXES) + r.choice(kd.HOSPITAL_KINDS)
    return name, address(r, sido), landline(r, sido)


def chart_no(r: random.Random) -> str:
    return f"{r.randint(0, 99_999_999):08d}"


def license_no(r: random.Random) -> str:
    return str(r.randint(10_000, 129_999))


def _round10(x: float) -> int:
    return int(round(x / 10.0)) * 10


def diagnosis_certificate(r: random.Random, _: tuple[int, int]) -> DiagnosisCertificate:
    issue = random_date(r, _FIRST_ISSUE, _LAST_ISSUE)
    diagnosed = issue - dt.timedelta(days=r.randint(0, 60))
    onset = diagnosed - dt.timedelta(days=r.randint(0, 30))
    picks = r.sample(kd.KCD_CODES, k=r.choices((1, 2, 3), (0.6, 0.3, 0.1))[0])
    h_name, h_addr, h_phone = hospital(r)
    return DiagnosisCertificate(
        patient_name=person_name(r), patient_rrn=resident_number(r, onset), patient_address=address(r),
        patient_phone=mobile_phone(r),
        diagnoses=[Diagnosis(name=n, kcd_code=c, certainty=r.choice(("임상적 추정", "최종 진단")))
                   for c, n, _, _ in picks],
        onset_date=onset, diagnosis_date=diagnosed,
        opinion=r.choice(kd.OPINIONS).format(name=person_name(r), phone=mobile_phone(r)),
        hospital_name=h_name, hospital_address=h_addr, hospital_phone=h_phone,
        doctor_name=person_name(r), doctor_license_no=license_no(r), issue_date=issue,
    )


def surgery_record(r: random.Random, _: tuple[int, int]) -> SurgeryRecord:
    code, name, dept, proc = r.choice([k for k in kd.KCD_CODES if k[3] >= 0])
    issue = random_date(r, _FIRST_ISSUE, _LAST_ISSUE)
    operated = issue - dt.timedelta(days=r.randint(0, 45))
    proc_code, proc_name = kd.PROCEDURES[proc]
    return SurgeryRecord(
        patient_name=person_name(r), patient_rrn=resident_number(r, operated), chart_no=chart_no(r),
        department=dept, diagnosis_name=name, kcd_code=code, operation_name=proc_name,
        procedure_code=proc_code, operation_date=operated, anesthesia=r.choice(kd.ANESTHESIA),
        surgeon_name=person_name(r), doctor_license_no=license_no(r), hospital_name=hospital(r)[0],
        issue_date=issue,
    )


def _care_period(r: random.Random) -> tuple[dt.date, dt.date, dt.date]:
    issue = random_date(r, _FIRST_ISSUE, _LAST_ISSUE)
    end = issue - dt.timedelta(days=r.randint(0, 10))
    start = end - dt.timedelta(days=r.choice((0, 0, 1, 2, 3, 5, 7, 10, 14)))
    return start, end, issue


def _line_item(r: random.Random, category: str, start: dt.date, end: dt.date) -> LineItem:
    prefix, names, (lo, hi), covered_share = kd.BILL_ITEMS[category]
    # Drug codes are 9 digits; fee codes are letters and 3-4 digits.
    code = prefix + "".join(r.choices("0123456789", k=7 if prefix.isdigit() else r.choice((3, 4))))
    unit, count, days = _round10(r.uniform(lo, hi)), r.choice((1, 1, 1, 2, 3)), r.choice((1, 1, 1, 2, 3, 5))
    return LineItem(
        category=category, date=random_date(r, start, end), code=code, name=r.choice(names),
        unit_price=unit, count=count, days=days, amount=unit * count * days,
        coverage="급여" if r.random() < covered_share else "비급여",
    )


def itemized_bill(r: random.Random, n_items: tuple[int, int]) -> ItemizedBill:
    start, end, issue = _care_period(r)
    categories = list(kd.BILL_ITEMS)
    items = sorted(
        (_line_item(r, r.choice(categories), start, end) for _ in range(r.randint(*n_items))),
        key=lambda it: (it.date, categories.index(it.category)),
    )
    covered = sum(it.amount for it in items if it.coverage == "급여")
    non_covered = sum(it.amount for it in items if it.coverage == "비급여")
    return ItemizedBill(
        patient_name=person_name(r), chart_no=chart_no(r), care_start=start, care_end=end,
        hospital_name=hospital(r)[0], line_items=items, covered_total=covered,
        non_covered_total=non_covered, total=covered + non_covered, issue_date=issue,
    )


def receipt(r: random.Random, _: tuple[int, int]) -> Receipt:
    start, end, issue = _care_period(r)
    inpatient = end > start
    rate = r.choice((0.2, 0.3, 0.4)) if not inpatient else 0.2  # 본인부담률
    rows = []
    for category in sorted(r.sample(list(kd.BILL_ITEMS), k=r.randint(2, 7)), key=list(kd.BILL_ITEMS).index):
        _, _, (lo, hi), covered_share = kd.BILL_ITEMS[category]
        covered = _round10(r.uniform(lo, hi) * r.randint(1, 4))
        full_self = _round10(covered * r.uniform(0.05, 0.2)) if r.random() < 0.15 else 0
        partial = _round10((covered - full_self) * rate)
        non_covered = _round10(r.uniform(lo, hi)) if r.random() > covered_share else 0
        rows.append(ReceiptRow(
            category=category, patient_share=partial + full_self, insurer_share=covered - full_self - partial,
            full_self_pay=full_self, non_covered=non_covered,
        ))
    patient = sum(x.patient_share for x in rows)
    insurer = sum(x.insurer_share for x in rows)
    non_cov = sum(x.non_covered for x in rows)
    return Receipt(
        patient_name=person_name(r), chart_no=chart_no(r), visit_type="입원" if inpatient else "외래",
        department=r.choice(kd.DEPARTMENTS), care_start=start, care_end=end, rows=rows,
        patient_share=patient, insurer_share=insurer, full_self_pay=sum(x.full_self_pay for x in rows),
        covered_total=patient + insurer, non_covered=non_cov, total=patient + insurer + non_cov,
        amount_paid=patient + non_cov, hospital_name=hospital(r)[0], issue_date=issue,
    )


def admission_discharge(r: random.Random, _: tuple[int, int]) -> AdmissionDischarge:
    code, name, dept, _proc = r.choice(kd.KCD_CODES)
    issue = random_date(r, _FIRST_ISSUE, _LAST_ISSUE)
    discharged = issue - dt.timedelta(days=r.randint(0, 20))
    admitted = discharged - dt.timedelta(days=r.randint(0, 30))
    return AdmissionDischarge(
        patient_name=person_name(r), patient_rrn=resident_number(r, admitted), patient_address=address(r),
        chart_no=chart_no(r), department=dept, admission_date=admitted, discharge_date=discharged,
        days=(discharged - admitted).days + 1, diagnosis_name=name, kcd_code=code,
        hospital_name=hospital(r)[0], doctor_name=person_name(r), issue_date=issue,
    )


GENERATORS: dict[DocType, Callable[[random.Random, tuple[int, int]], object]] = {
    "diagnosis_certificate": diagnosis_certificate,
    "surgery_record": surgery_record,
    "itemized_bill": itemized_bill,
    "receipt": receipt,
    "admission_discharge": admission_discharge,
}
