"""The ``collect`` section: what an acceptable file is, and how S3 is reached."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from claimvlm.settings import Section


class S3Params(Section):
    """How to reach S3. Credentials never live here: boto3 reads the standard AWS environment
    (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ...)."""

    endpoint_url: str | None = Field(None, description="an S3-compatible server; None: AWS or AWS_ENDPOINT_URL")
    region: str | None = None
    max_attempts: int = Field(6, ge=1, le=20, description="botocore standard retry mode, with backoff")
    connect_timeout_s: float = Field(5.0, gt=0)
    read_timeout_s: float = Field(30.0, gt=0)
    download_threads: int = Field(8, ge=1, le=64)


class CollectParams(Section):
    image_formats: tuple[Literal["PNG", "JPEG", "TIFF"], ...] = ("PNG", "JPEG", "TIFF")
    max_bytes: int = Field(25_000_000, gt=0, description="larger files are quarantined as oversized")
    max_pixels: int = Field(60_000_000, gt=0, description="decompression-bomb guard")
    s3: S3Params = S3Params()
