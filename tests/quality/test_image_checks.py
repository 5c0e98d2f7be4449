"""Page image checks on real generator pages: good captures pass, each kind of bad page fails
with its own reason and no other."""

from __future__ import annotations

import io
from dataclasses import FrozenInstanceError

import cv2
import numpy as np
import pytest
from PIL import Image

from claimvlm.config import Params
from claimvlm.quality.image_checks import (
    IMAGE_CHECKS,
    PageInput,
    build_image_checks,
    check_page,
    file_dpi,
    reason_code,
    sharpness,
    skew_degrees,
)
from claimvlm.quality.params import ImageCheckParams
from claimvlm.synthesis.generate import CLEAN, encode, make_document

SYNTH = Params().synth
CHECKS = build_image_checks(ImageCheckParams())
PROFILES = (CLEAN, "scan", "fax", "photo")


def page(index: int, profile: str, doc_type: str | None = None) -> np.ndarray:
    """A generated page as the synth stage writes it (PNG when clean, JPEG when degraded), in grey."""
    doc = make_document(SYNTH, index, doc_type=doc_type, profile=profile)
    data = encode(doc.image, "png" if profile == CLEAN else "jpeg", SYNTH)
    return np.asarray(Image.open(io.BytesIO(data)).convert("L"))


@pytest.fixture(scope="module")
def pages() -> dict[str, list[np.ndarray]]:
    return {p: [page(100 + i, p) for i in range(5)] for p in PROFILES}


def codes(image: np.ndarray | Image.Image, dpi: float | None = None) -> list[str]:
    return [reason_code(r) for r in check_page(image, dpi, CHECKS)]


def rotate(gray: np.ndarray, degrees: float) -> np.ndarray:
    """Counter-clockwise by ``degrees``, the uncovered corners white as a scanner's lid."""
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(gray, m, (w, h), borderValue=255, flags=cv2.INTER_LINEAR)


@pytest.mark.parametrize("profile", PROFILES)
def test_generator_pages_pass_every_check(pages: dict[str, list[np.ndarray]], profile: str) -> None:
    for gray in pages[profile]:
        assert check_page(gray, SYNTH.dpi, CHECKS) == []


def test_an_rgb_array_and_a_pil_image_give_the_same_result() -> None:
    doc = make_document(SYNTH, 7, profile=CLEAN)
    assert check_page(doc.image, None, CHECKS) == check_page(Image.fromarray(doc.image), None, CHECKS) == []


def test_blank_pages_fail_as_blank_only() -> None:
    rng = np.random.default_rng(0)
    white = np.full((1754, 1240), 255, np.uint8)
    noisy = np.clip(white - np.abs(rng.normal(0, 10, white.shape)), 0, 255).astype(np.uint8)
    streaked = noisy.copy()
    streaked[:, 400:402] = 120  # a fax roller streak from top to bottom is not writing
    streaked[900:903, :] = 150
    for gray in (white, noisy, streaked):
        reasons = check_page(gray, 150, CHECKS)
        assert [reason_code(r) for r in reasons] == ["blank_page"], reasons


@pytest.mark.parametrize("profile", [CLEAN, "scan", "photo"])
def test_a_heavily_blurred_page_fails_as_blurred(pages: dict[str, list[np.ndarray]], profile: str) -> None:
    gray = pages[profile][0]
    reasons = check_page(cv2.GaussianBlur(gray, (0, 0), 3), SYNTH.dpi, CHECKS)
    assert [reason_code(r) for r in reasons] == ["blurred"], reasons
    assert reasons[0].startswith("blurred: laplacian variance ") and reasons[0].endswith(" < 60")


def test_sharpness_separates_blur_with_noise_added_after_it(pages: dict[str, list[np.ndarray]]) -> None:
    # A phone adds sensor noise after the optics blur; noise alone must not look like sharp text.
    rng = np.random.default_rng(1)
    blurred = cv2.GaussianBlur(pages[CLEAN][1], (0, 0), 3).astype(np.float32)
    noisy = np.clip(blurred + rng.normal(0, 0.05 * 255, blurred.shape), 0, 255).astype(np.uint8)
    assert sharpness(PageInput(noisy)) < ImageCheckParams().min_sharpness
    softest = min(sharpness(PageInput(g)) for p in PROFILES for g in pages[p])
    assert softest > 1.5 * ImageCheckParams().min_sharpness


@pytest.mark.parametrize("degrees", [8.0, -8.0])
def test_a_page_rotated_8_degrees_fails_as_skewed(pages: dict[str, list[np.ndarray]], degrees: float) -> None:
    gray = rotate(pages[CLEAN][2], degrees)
    assert skew_degrees(PageInput(gray)) == pytest.approx(degrees, abs=0.3)
    reasons = check_page(gray, SYNTH.dpi, CHECKS)
    assert [reason_code(r) for r in reasons] == ["skewed"], reasons
    assert reasons[0] == f"skewed: {degrees:+.1f} degrees > 5"


def test_skew_is_measured_on_scans_within_their_rotation(pages: dict[str, list[np.ndarray]]) -> None:
    for gray in pages["scan"]:
        assert abs(skew_degrees(PageInput(gray))) <= 1.6  # the scan profile rotates by at most 1.5 degrees
    assert codes(rotate(pages["scan"][3], 3.0)) == []
    fax = pages["fax"][0]  # faxes arrive rotated by up to 1 degree: rotating adds to that
    own = skew_degrees(PageInput(fax))
    assert skew_degrees(PageInput(rotate(fax, -8.0))) == pytest.approx(own - 8.0, abs=0.3)


def test_a_too_small_page_fails_as_too_small(pages: dict[str, list[np.ndarray]]) -> None:
    small = cv2.resize(pages[CLEAN][3], (620, 877), interpolation=cv2.INTER_AREA)
    reasons = check_page(small, None, CHECKS)
    assert reasons == ["page_too_small: 620x877 px < 1000x1400"]


def test_low_dpi_fails_whether_given_by_metadata_or_by_the_file(pages: dict[str, list[np.ndarray]]) -> None:
    gray = pages[CLEAN][4]
    assert check_page(gray, 100, CHECKS) == ["low_dpi: 100 < 150"]
    assert check_page(gray, 300, CHECKS) == []
    buf = io.BytesIO()
    Image.fromarray(gray).save(buf, format="PNG", dpi=(96, 96))
    with Image.open(io.BytesIO(buf.getvalue())) as img:
        assert file_dpi(img) == pytest.approx(96, abs=0.1)
        assert codes(img) == ["low_dpi"]
        assert check_page(img, 200, CHECKS) == []  # the metadata's value wins over the file's


def test_a_camera_placeholder_dpi_is_not_a_scan_resolution(pages: dict[str, list[np.ndarray]]) -> None:
    # Phones write 72 dpi into every JPEG; at 72 dpi this 3100-pixel page would be 43 inches wide.
    big = cv2.resize(pages["photo"][0], (3100, 4385), interpolation=cv2.INTER_CUBIC)
    assert check_page(big, 72, CHECKS) == []


def test_unknown_dpi_is_not_a_failure(pages: dict[str, list[np.ndarray]]) -> None:
    assert file_dpi(Image.new("L", (10, 10), 255)) is None
    assert check_page(Image.fromarray(pages[CLEAN][0]), None, CHECKS) == []


def test_check_table_and_builder() -> None:
    assert list(IMAGE_CHECKS) == ["page_size", "dpi", "blank", "blur", "skew"]
    params = ImageCheckParams(min_sharpness=10.0, max_skew_degrees=10.0)
    only = build_image_checks(params, ("blur", "skew"))
    assert [c.name for c in only] == ["blur", "skew"] and only[1].max_degrees == 10.0
    with pytest.raises(ValueError, match="unknown image check"):
        build_image_checks(params, ("glare",))
    with pytest.raises(FrozenInstanceError):
        only[0].min_sharpness = 1.0  # type: ignore[misc]


def test_page_input_rejects_what_it_cannot_measure() -> None:
    with pytest.raises(ValueError, match="uint8"):
        PageInput(np.zeros((10, 10), np.float32))
    with pytest.raises(ValueError, match="uint8"):
        PageInput.from_image(np.zeros((10, 10, 3), np.float64))
    rgba = np.full((20, 30, 4), 255, np.uint8)
    assert PageInput.from_image(rgba).gray.shape == (20, 30)
