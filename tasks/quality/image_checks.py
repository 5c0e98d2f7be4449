"""Per-page image checks of the ``qc`` stage: size, resolution, blank, blur and skew.

Each check is a small frozen dataclass called as ``check(page) -> reason | None``; a reason
is a short machine-readable string whose first word (before the colon) is the code, e.g.
``"blurred: laplacian variance 12.3 < 60"``. Checks are built from ``ImageCheckParams``
through ``IMAGE_CHECKS``.

Measurements are made on the page scaled down to A4 width at 150 dpi (``REFERENCE_WIDTH``),
so a threshold means the same thing for a 150 dpi scan, a 300 dpi scan and a 4000-pixel
phone photo. Blur and skew are measured on the ink only: most of a claim form is white
paper, and averaging over it would make a short bill look blurrier than a long one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar, Protocol

import numpy as np

if TYPE_CHECKING:
    from PIL import Image

    from claimvlm.quality.params import ImageCheckParams

REFERENCE_WIDTH = 1240  # A4 at 150 dpi, the generator's default page
# The short side of the largest claim form (A3) is 11.7 in. A declared resolution that would
# make the page wider than this is a placeholder (cameras write 72 dpi), not a scan setting.
MAX_PAGE_INCHES = 14.0
# Smoothing before the Laplacian, in pixels (at reference width). Less lets noise added after a
# blur pass as sharpness (0.85: a sigma-3 blur plus noise measured 68); more narrows the gap
# between the softest generator photo and a sigma-3 blur (1.2: 73 against 19).
_INNER_SCALE = 1.0
# Share of the page in text ink below which blur and skew are not measured: the blank check
# reports such a page, and a few noise specks would give meaningless values. Half the
# default min_ink; the generator's pages hold 0.9-5.5%.
MIN_MEASURABLE_INK = 0.002


@dataclass(frozen=True, eq=False)  # eq=False: arrays do not compare to a bool
class PageInput:
    """A page's grayscale pixels (2-D uint8) and its resolution when anything records it."""

    gray: np.ndarray
    dpi: float | None = None

    def __post_init__(self) -> None:
        if self.gray.ndim != 2 or self.gray.dtype != np.uint8:
            raise ValueError(f"PageInput.gray must be a 2-D uint8 array, got {self.gray.dtype} "
                             f"{self.gray.shape}")

    @classmethod
    def from_image(cls, image: np.ndarray | Image.Image, dpi: float | None = None) -> PageInput:
        """From an RGB/RGBA/gray array or a PIL image; a PIL image's own dpi is used when none is given."""
        import cv2
        from PIL import Image

        if isinstance(image, Image.Image):
            dpi = dpi if dpi is not None else file_dpi(image)
            return cls(np.asarray(image.convert("L")), dpi)
        arr = np.asarray(image)
        if arr.dtype != np.uint8:
            raise ValueError(f"expected a uint8 image, got {arr.dtype}")
        if arr.ndim == 3 and arr.shape[2] == 1:
            arr = arr[:, :, 0]
        elif arr.ndim == 3:
            arr = cv2.cvtColor(arr, cv2.COLOR_RGBA2GRAY if arr.shape[2] == 4 else cv2.COLOR_RGB2GRAY)
        return cls(np.ascontiguousarray(arr), dpi)

    @cached_property
    def normalised(self) -> np.ndarray:
        """The page at most ``REFERENCE_WIDTH`` wide (area interpolation also averages sensor noise)."""
        import cv2

        h, w = self.gray.shape
        if w <= REFERENCE_WIDTH:
            return self.gray
        size = (REFERENCE_WIDTH, max(1, round(h * REFERENCE_WIDTH / w)))
        return cv2.resize(self.gray, size, interpolation=cv2.INTER_AREA)

    @cached_property
    def ink(self) -> np.ndarray:
        """Pixels clearly darker than their surroundings (uint8 0/1).

        A local threshold (25 grey levels under the 31-pixel mean), not a global one: a phone
        photo's shadow darkens the paper as much as light label text. It is taken on a slightly
        smoothed page: sensor noise of std 13 on grey paper otherwise puts 3% of a blank page
        under the threshold, and the page would look written on.
        """
        import cv2

        return cv2.adaptiveThreshold(self.smoothed, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV,
                                     31, 25)

    @cached_property
    def smoothed(self) -> np.ndarray:
        """The normalised page under a Gaussian of sigma 1, which the ink threshold reads (and the
        blur measure, while its inner scale is 1 too)."""
        import cv2

        return cv2.GaussianBlur(self.normalised, (0, 0), 1.0)

    @cached_property
    def text_ink(self) -> np.ndarray:
        """Ink without exactly horizontal or vertical runs a third of the page long.

        Those are scanner streaks and, on a straight page, long ruled lines. A fax streak runs
        the whole page and would make a blank page look written on, a streak drawn after a
        blur would make the page look sharp, and both would pull the skew towards 0. Only the
        runs' own pixels go, so the text they cross stays, and a rotated page's rules stay.
        """
        ink = self.ink
        h, w = ink.shape
        text = ink.copy()
        _clear_long_runs(text, ink, max(1, w // 3), axis=1)
        _clear_long_runs(text, ink, max(1, h // 3), axis=0)
        return text

    @cached_property
    def ink_fraction(self) -> float:
        """Share of the page in text ink: the blank, blur and skew checks all ask for it."""
        return float(self.text_ink.mean())


def _clear_long_runs(text: np.ndarray, ink: np.ndarray, length: int, axis: int) -> None:
    """Clear from ``text`` the pixels of ``ink``'s opening with a line of ``length`` pixels along
    ``axis`` (1: rows, 0: columns): the runs at least that long.

    Opened only on the rows (columns) that can hold such a run, which gives the same pixels as
    opening the whole page (each line is opened on its own) at a tenth of the cost: a page has
    few lines with that much ink. OpenCV's erosion treats the outside as ink, so a run touching
    the border survives from ``min(length - length // 2, length // 2 + 1)`` pixels on: the bound.
    """
    import cv2

    bound = min(length - length // 2, length // 2 + 1)
    # cv2.reduce sums a 0/1 page several times faster than numpy (exact in int32).
    lines = np.flatnonzero(cv2.reduce(ink, axis, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel() >= bound)
    if lines.size == 0:
        return
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1) if axis == 1 else (1, length))
    if axis == 1:
        text[lines] &= 1 - cv2.morphologyEx(np.ascontiguousarray(ink[lines]), cv2.MORPH_OPEN, kernel)
    else:
        text[:, lines] &= 1 - cv2.morphologyEx(np.ascontiguousarray(ink[:, lines]), cv2.MORPH_OPEN, kernel)


def file_dpi(image: Image.Image) -> float | None:
    """The resolution a file records (PNG pHYs, JPEG JFIF/EXIF, TIFF), or None."""
    dpi = image.info.get("dpi")
    try:
        values = [float(v) for v in dpi] if isinstance(dpi, tuple | list) else [float(dpi)]
    except (TypeError, ValueError):
        return None
    values = [v for v in values if v > 0]
    return min(values) if values else None


# --- measurements (public: the qc report and the calibration use them) ---------------------

def ink_share(page: PageInput) -> float:
    """Share of the page that is text ink (streaks and full-length rules left out)."""
    return page.ink_fraction


def sharpness(page: PageInput) -> float | None:
    """Variance of the Laplacian over the text (ink dilated by 3 px), None when there is too little.

    A Gaussian of sigma ``_INNER_SCALE`` first: white noise alone has a Laplacian variance of
    20x its own variance, so without it sensor noise added after a blur (a phone photo)
    passes a blurred page as sharp. Measured on the generator's pages as the synth stage
    writes them: clean >= 590 (60 pages), scan >= 175 (200), fax >= 1390 (100), photo >= 112
    (300; motion blur and JPEG 50 included, 1% below 144). The same pages blurred with a
    Gaussian of sigma 2: 15-114, sigma 3: <= 21, sigma 3 then noise of std 0.05: <= 40. The
    default threshold of 60 sits between.
    """
    import cv2

    if ink_share(page) < MIN_MEASURABLE_INK:
        return None
    text = cv2.dilate(page.text_ink, np.ones((7, 7), np.uint8)).astype(bool)
    # The ink threshold smooths the page by the same sigma: its blurred page serves here as well.
    smooth = page.smoothed if _INNER_SCALE == 1.0 else cv2.GaussianBlur(page.normalised, (0, 0), _INNER_SCALE)
    # int16 holds the 3x3 Laplacian of uint8 exactly (|value| <= 1020) at a quarter of float64's
    # cost; the variance is taken in float64 over the text pixels, as before.
    return float(cv2.Laplacian(smooth, cv2.CV_16S)[text].astype(np.float64).var())


def _profile_score(ink: np.ndarray, degrees: float) -> float:
    """How sharply the row sums peak after rotating by ``degrees``: text lines and rules line up."""
    import cv2

    h, w = ink.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), float(degrees), 1.0)
    rows = cv2.warpAffine(ink, m, (w, h), flags=cv2.INTER_LINEAR).sum(axis=1)
    return float(np.square(np.diff(rows)).sum())


def skew_degrees(page: PageInput) -> float | None:
    """The page's rotation in degrees, counter-clockwise positive, within ±45; None without ink.

    Projection profile: the angle that makes the rows of text and the rules horizontal (1°
    steps at eighth scale, then 0.1° at half scale). It needs no rules, unlike
    a Hough transform over them. Measured against the angle of the recorded field boxes: scans
    and faxes within 0.5° (median 0.03°), pages turned by 8° within 0.55°; a photo's keystone
    has no single angle, and there the estimate differs by up to 1.7° (p95 1.0°).

    The coarse steps were at quarter scale, which made the search 1.6x as costly: on the 200
    default pages as synth and as anonymize write them, each straight, turned by up to 10° and
    by up to 44° (1,200 cases), both gave the same angle but for one straight photo (both its
    copies), whose half-scale profile peaks at +0.8° and -0.8° alike.
    """
    import cv2

    if ink_share(page) < MIN_MEASURABLE_INK:
        return None
    ink = page.text_ink.astype(np.float32)
    eighth = cv2.resize(ink, None, fx=0.125, fy=0.125, interpolation=cv2.INTER_AREA)
    half = cv2.resize(ink, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    coarse = max(np.arange(-45.0, 45.5, 1.0), key=lambda a: _profile_score(eighth, a))
    fine = max(np.arange(coarse - 1.0, coarse + 1.05, 0.1), key=lambda a: _profile_score(half, a))
    # Rotating by `fine` straightens the page, so the page itself is turned the other way.
    return round(-float(fine), 2)


# --- checks --------------------------------------------------------------------------------

class ImageCheck(Protocol):
    name: ClassVar[str]

    def __call__(self, page: PageInput) -> str | None: ...


@dataclass(frozen=True)
class PageSize:
    min_width: int
    min_height: int
    name: ClassVar[str] = "page_size"

    @classmethod
    def from_params(cls, p: ImageCheckParams) -> PageSize:
        return cls(p.min_width, p.min_height)

    def __call__(self, page: PageInput) -> str | None:
        h, w = page.gray.shape
        if w < self.min_width or h < self.min_height:
            return f"page_too_small: {w}x{h} px < {self.min_width}x{self.min_height}"
        return None


@dataclass(frozen=True)
class Resolution:
    min_dpi: int
    name: ClassVar[str] = "dpi"

    @classmethod
    def from_params(cls, p: ImageCheckParams) -> Resolution:
        return cls(p.min_dpi)

    def __call__(self, page: PageInput) -> str | None:
        if page.dpi is None or min(page.gray.shape) / page.dpi > MAX_PAGE_INCHES:
            return None  # unknown, or a placeholder: the page size check still applies
        if page.dpi < self.min_dpi:
            return f"low_dpi: {page.dpi:g} < {self.min_dpi}"
        return None


@dataclass(frozen=True)
class Blank:
    min_ink: float
    name: ClassVar[str] = "blank"

    @classmethod
    def from_params(cls, p: ImageCheckParams) -> Blank:
        return cls(p.min_ink)

    def __call__(self, page: PageInput) -> str | None:
        share = ink_share(page)
        return f"blank_page: ink share {share:.4f} < {self.min_ink:g}" if share < self.min_ink else None


@dataclass(frozen=True)
class Blur:
    min_sharpness: float
    name: ClassVar[str] = "blur"

    @classmethod
    def from_params(cls, p: ImageCheckParams) -> Blur:
        return cls(p.min_sharpness)

    def __call__(self, page: PageInput) -> str | None:
        value = sharpness(page)  # None: nothing to measure, which the blank check reports
        if value is not None and value < self.min_sharpness:
            return f"blurred: laplacian variance {value:.1f} < {self.min_sharpness:g}"
        return None


@dataclass(frozen=True)
class Skew:
    max_degrees: float
    name: ClassVar[str] = "skew"

    @classmethod
    def from_params(cls, p: ImageCheckParams) -> Skew:
        return cls(p.max_skew_degrees)

    def __call__(self, page: PageInput) -> str | None:
        angle = skew_degrees(page)
        if angle is not None and abs(angle) > self.max_degrees:
            return f"skewed: {angle:+.1f} degrees > {self.max_degrees:g}"
        return None


# Cheap checks first; the order is also the order of the reasons.
IMAGE_CHECKS: dict[str, type] = {
    PageSize.name: PageSize,
    Resolution.name: Resolution,
    Blank.name: Blank,
    Blur.name: Blur,
    Skew.name: Skew,
}


def build_image_checks(params: ImageCheckParams, names: tuple[str, ...] | None = None) -> list[ImageCheck]:
    """The checks named (all of ``IMAGE_CHECKS`` by default), configured from ``params``."""
    chosen = tuple(IMAGE_CHECKS) if names is None else names
    unknown = set(chosen) - set(IMAGE_CHECKS)
    if unknown:
        raise ValueError(f"unknown image check(s) {sorted(unknown)}; allowed: {list(IMAGE_CHECKS)}")
    return [IMAGE_CHECKS[n].from_params(params) for n in chosen]


def reason_code(reason: str) -> str:
    """``"blurred: laplacian variance 12.3 < 60"`` -> ``"blurred"``."""
    return reason.split(":", 1)[0]


def check_page(image: np.ndarray | Image.Image | PageInput, dpi: float | None,
               checks: list[ImageCheck]) -> list[str]:
    """Every reason the page fails (empty when it passes)."""
    page = image if isinstance(image, PageInput) else PageInput.from_image(image, dpi)
    return [reason for check in checks if (reason := check(page)) is not None]
