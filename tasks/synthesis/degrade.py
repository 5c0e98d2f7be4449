"""Capture degradations (scan, fax, phone photo) as small per-page steps.

Each step is a frozen dataclass built from params.yaml through ``STEPS`` and called as
``step(page) -> page``. Geometric steps move the page's keypoints (the corners of every
recorded box) with the image, so labels stay true. Effects come from albumentations and
OpenCV; Augraphy was measured at 0.12-4 s per A4 page per effect here, too slow for the
generator's 20 documents/s goal, so it is not used. Noise and Shadow were the costliest steps
(40-80 ms a page, mostly copies of the page): they use albumentations' parameter sampling with
byte-identical banded kernels from pixel.py.

albumentations is imported inside the steps, not at module import: the config module
imports this table to validate step names, and loading params must stay cheap.
"""

from __future__ import annotations

import functools
import json
import threading
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from claimvlm.synthesis.mixing import MIXING_STEPS

WHITE = (255, 255, 255)


@dataclass(frozen=True)
class Page:
    """An RGB uint8 image, the (N, 2) xy keypoints that follow it, and this page's RNG."""

    image: np.ndarray
    points: np.ndarray
    rng: np.random.Generator


def _range(name: str, value: tuple[float, float], lo: float, hi: float) -> None:
    if len(value) != 2 or not lo <= value[0] <= value[1] <= hi:
        raise ValueError(f"{name} must be (low, high) with {lo} <= low <= high <= {hi}, got {value}")


def _albumentations(page: Page, transform: Any) -> Page:
    """Apply one albumentations transform; spatial ones also move the keypoints."""
    import albumentations as A

    seed = int(page.rng.integers(2**31 - 1))
    if isinstance(transform, A.ImageOnlyTransform):
        return replace(page, image=A.Compose([transform], seed=seed)(image=page.image)["image"])
    keypoints = A.KeypointParams(format="xy", remove_invisible=False)
    out = A.Compose([transform], keypoint_params=keypoints, seed=seed)(image=page.image, keypoints=page.points)
    points = np.asarray(out["keypoints"], dtype=np.float32).reshape(-1, 2)
    return replace(page, image=out["image"], points=points)


class _OneTransform:
    """A step that is one albumentations transform: its ``transform`` (a cached property, built once
    per step instance) applied to the page."""

    transform: Any

    def __call__(self, page: Page) -> Page:
        return _albumentations(page, self.transform)


@dataclass(frozen=True)
class Rotate(_OneTransform):
    max_degrees: float = 1.5

    def __post_init__(self) -> None:
        if not 0 < self.max_degrees <= 10:
            raise ValueError(f"max_degrees must be in (0, 10], got {self.max_degrees}")

    @functools.cached_property
    def transform(self) -> Any:
        import albumentations as A

        return A.Affine(rotate=(-self.max_degrees, self.max_degrees), fill=WHITE, p=1)


@dataclass(frozen=True)
class Perspective(_OneTransform):
    scale: tuple[float, float] = (0.01, 0.04)

    def __post_init__(self) -> None:
        _range("scale", self.scale, 0.0, 0.15)

    @functools.cached_property
    def transform(self) -> Any:
        import albumentations as A

        # fit_output keeps the whole page in frame: a value pushed out of the image would make
        # its label false.
        return A.Perspective(scale=self.scale, fit_output=True, fill=WHITE, p=1)


@dataclass(frozen=True)
class GaussianBlur(_OneTransform):
    sigma: tuple[float, float] = (0.3, 0.9)

    def __post_init__(self) -> None:
        _range("sigma", self.sigma, 0.05, 5.0)

    @functools.cached_property
    def transform(self) -> Any:
        import albumentations as A

        return A.GaussianBlur(sigma_limit=self.sigma, blur_limit=0, p=1)


@dataclass(frozen=True)
class MotionBlur(_OneTransform):
    kernel: tuple[int, int] = (3, 5)

    def __post_init__(self) -> None:
        _range("kernel", self.kernel, 3, 15)

    @functools.cached_property
    def transform(self) -> Any:
        import albumentations as A

        return A.MotionBlur(blur_limit=self.kernel, allow_shifted=False, p=1)


@dataclass(frozen=True)
class Noise(_OneTransform):
    std: tuple[float, float] = (0.01, 0.05)

    def __post_init__(self) -> None:
        _range("std", self.std, 0.0, 0.5)

    @functools.cached_property
    def transform(self) -> Any:
        from claimvlm.synthesis.pixel import BandedGaussNoise

        # Sensor noise is mostly luminance: one noise field for all channels.
        return BandedGaussNoise(std_range=self.std, per_channel=False, p=1)


@dataclass(frozen=True)
class Jpeg(_OneTransform):
    quality: tuple[int, int] = (55, 90)

    def __post_init__(self) -> None:
        _range("quality", self.quality, 1, 100)

    @functools.cached_property
    def transform(self) -> Any:
        import albumentations as A

        return A.ImageCompression(quality_range=self.quality, p=1)


@dataclass(frozen=True)
class ResolutionLoss(_OneTransform):
    scale: tuple[float, float] = (0.5, 0.75)

    def __post_init__(self) -> None:
        _range("scale", self.scale, 0.2, 1.0)

    @functools.cached_property
    def transform(self) -> Any:
        import albumentations as A
        import cv2

        pair = {"downscale": cv2.INTER_AREA, "upscale": cv2.INTER_LINEAR}
        return A.Downscale(scale_range=self.scale, interpolation_pair=pair, p=1)


@dataclass(frozen=True)
class Shadow:
    """Uneven light on a phone photo: a linear, corner or spot gradient that darkens the page."""

    intensity: tuple[float, float] = (0.05, 0.2)

    def __post_init__(self) -> None:
        _range("intensity", self.intensity, 0.01, 0.2)

    @functools.cached_property
    def transforms(self) -> tuple[Any, ...]:
        from claimvlm.synthesis.pixel import BandedIllumination

        return tuple(BandedIllumination(mode=mode, intensity_range=self.intensity, effect_type="darken", p=1)
                     for mode in ("linear", "corner", "gaussian"))

    def __call__(self, page: Page) -> Page:
        return _albumentations(page, self.transforms[int(page.rng.integers(3))])


@dataclass(frozen=True)
class Binarize:
    """Fax: one global threshold turns the page into black and white."""

    threshold: tuple[int, int] = (150, 190)

    def __post_init__(self) -> None:
        _range("threshold", self.threshold, 1, 254)

    def __call__(self, page: Page) -> Page:
        import cv2

        gray = cv2.cvtColor(page.image, cv2.COLOR_RGB2GRAY)
        t = int(page.rng.integers(self.threshold[0], self.threshold[1] + 1))
        _, bw = cv2.threshold(gray, t, 255, cv2.THRESH_BINARY)
        return replace(page, image=cv2.cvtColor(bw, cv2.COLOR_GRAY2RGB))


@dataclass(frozen=True)
class Streaks:
    """Dirty scanner glass or fax rollers: thin dark lines across the page."""

    count: tuple[int, int] = (1, 4)
    darkness: tuple[float, float] = (0.2, 0.6)

    def __post_init__(self) -> None:
        _range("count", self.count, 0, 50)
        _range("darkness", self.darkness, 0.0, 1.0)

    def __call__(self, page: Page) -> Page:
        img = page.image.copy()
        h, w = img.shape[:2]
        rng = page.rng
        vertical = bool(rng.random() < 0.7)  # sheet-feed streaks run along the feed direction
        for _ in range(int(rng.integers(self.count[0], self.count[1] + 1))):
            width = int(rng.integers(1, 4))
            keep = 1.0 - rng.uniform(*self.darkness)
            pos = int(rng.integers(0, (w if vertical else h) - width))
            band = img[:, pos:pos + width] if vertical else img[pos:pos + width, :]
            band[...] = (band * keep).astype(np.uint8)
        return replace(page, image=img)


STEPS: dict[str, type] = {
    "rotate": Rotate,
    "perspective": Perspective,
    "gaussian_blur": GaussianBlur,
    "motion_blur": MotionBlur,
    "noise": Noise,
    "jpeg": Jpeg,
    "resolution_loss": ResolutionLoss,
    "shadow": Shadow,
    "binarize": Binarize,
    "streaks": Streaks,
    # Document-level mixing (mixing.py): distractors from other documents in the margins, and
    # backgrounds blended in; labels stay true. Off unless listed (train.augment, a profile).
    **MIXING_STEPS,
}


@functools.lru_cache(maxsize=256)
def _shared_step(name: str, args_json: str, thread: int) -> Any:
    return build_step(name, json.loads(args_json))


def shared_step(name: str, args: dict[str, Any]) -> Any:
    """``build_step``, one instance per name and arguments in a thread: the albumentations transform
    a step holds is then built once, not once a page (its validation cost 1.6 ms a document). Per
    thread, because each call seeds the transform's random state: two threads sharing one (a Dask
    worker with several threads) could draw from each other's seed."""
    return _shared_step(name, json.dumps(args, sort_keys=True), threading.get_ident())


def build_step(name: str, args: dict[str, Any]) -> Any:
    """Instantiate a step from its config name and arguments, naming any argument at fault."""
    cls = STEPS[name]
    known = {f.name for f in fields(cls)}
    unknown = set(args) - known
    if unknown:
        raise ValueError(f"step {name!r} has no argument(s) {sorted(unknown)}; allowed: {sorted(known)}")
    try:
        return cls(**args)
    except TypeError as err:
        raise ValueError(f"step {name!r}: {err}") from None
