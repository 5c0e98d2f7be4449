"""The ``qc`` section: batch failure limits, page image checks and the second OCR reading."""

from __future__ import annotations

from pydantic import Field

from claimvlm.settings import Section


class ImageCheckParams(Section):
    min_width: int = Field(1000, gt=0, description="pixels; A4 at 150 dpi is 1240 wide")
    min_height: int = Field(1400, gt=0)
    min_dpi: int = Field(150, gt=0, description="from the metadata or the file, when either records it")
    min_ink: float = Field(0.004, ge=0, le=1, description="share of dark pixels below which a page is blank")
    min_sharpness: float = Field(60.0, ge=0, description="variance of the Laplacian below which a page is blurred")
    max_skew_degrees: float = Field(5.0, gt=0, le=45)


class LabelNoiseParams(Section):
    enabled: bool = True
    lang: str = "kor"
    # Hangul, digits and dates only: Tesseract's kor model does not read Latin capitals (KCD codes).
    fields: tuple[str, ...] = ("patient_name", "hospital_name", "issue_date", "chart_no", "total")
    min_similarity: float = Field(0.7, ge=0, le=1, description="normalised similarity below which a reading disagrees")
    min_disagreements: int = Field(2, ge=1, description="disagreeing fields that flag a document")
    # Tesseract costs about 0.1 s a page, more than every other check together. A sample finds a
    # systematic mix-up of labels and pages; enough flagged readings then have the whole batch read.
    sample: float = Field(0.25, gt=0, le=1, description=(
        "share of the documents read, picked by a hash of the doc id (1: every document); documents "
        "the label suite fails are read too, and once enough readings disagree (escalate_share) every "
        "document is read"))
    # Tesseract misreads a page now and then (1 of 4,991 pages at 5,000 synthetic documents), so one
    # disagreement in a large batch is noise, quarantined alone; a mix-up of labels and pages shows as a
    # share of the batch. When any disagreement escalated, every batch of a few thousand pages was read
    # whole (the 5,000-document run read 3,710 more pages for one flagged page).
    escalate_share: float = Field(0.01, ge=0, le=1, description=(
        "share of the pages read that must disagree (one at least) before every page is read; 0: "
        "any disagreement has every page read"))


class QcParams(Section):
    max_fail_rate: float = Field(0.1, ge=0, le=1, description="a batch failing more than this stops the pipeline")
    max_null_rate: float = Field(0.0, ge=0, le=1, description="share of nulls tolerated in a required column")
    images: ImageCheckParams = ImageCheckParams()
    label_noise: LabelNoiseParams = LabelNoiseParams()
