"""The ``anonymize`` section: the key, images or labels only, k-anonymity and the DP summary."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from claimvlm.settings import Section


class AnonymizeParams(Section):
    key_env: str = Field("CLAIMVLM_PSEUDONYM_KEY", description="environment variable holding the secret key")
    images: bool = Field(True, description="False: labels only, and no images are written at all")
    font: str = Field("NanumGothic", description="font the surrogates are printed in")
    ocr_lang: str = "kor"
    # quarantine until the page path is measured safe: on independently drawn pages it still released
    # pages with a readable name (docs/privacy.md); pseudonymise is the opt-in for review queues.
    unlabelled: Literal["pseudonymise", "quarantine"] = Field(
        "quarantine", description="a page without a label: quarantined, or (pseudonymise) read with Tesseract, its "
        "identifiers replaced and checked by a second reading, and released to unlabelled/")
    k: int = Field(5, ge=2)
    max_suppression: float = Field(0.05, ge=0.0, le=0.5, description="share of records k-anonymity may drop")
    dp_epsilon: float = Field(1.0, gt=0.0, le=10.0)
