"""Faster, byte-exact kernels for the two costliest degradation steps (noise and uneven light).

albumentations' GaussNoise and Illumination spent most of their 40-80 ms per A4 page copying
the page: the shared noise field and the light pattern were widened to three float channels
(``cv2.merge``, ``np.broadcast_to`` then ``np.clip``/``np.trunc`` over the copy), the page
was converted to float32 whole, and the corner mode ran a 35 ms ``distanceTransform`` to get
the distance from one pixel. Here the per-pixel field stays one channel and the page is
processed a band of rows at a time (the band's float buffer stays in cache), with the same
float32 arithmetic in the same order, so every output byte is what albumentations gives.

The subclasses keep albumentations' parameter sampling and replace the pixel work: Illumination
only its ``apply``; GaussNoise also ``get_params_dependent_on_data``, which makes the same draws
in the same order (the noise as the float32 normals behind OpenCV's float64 field, see
``add_noise``). The random streams, and so every later step of a page, are untouched. ``tests/synthesis/
test_pixel.py`` checks each subclass against the albumentations transform it stands for, so
an albumentations upgrade that changes the arithmetic or the draws fails there rather than
silently changing the data set.

Imported only inside the steps' ``__call__`` (it imports albumentations), like degrade.py's
other uses of albumentations.
"""

from __future__ import annotations

import math
from typing import Any

import albumentations as A
import cv2
import numpy as np
from albumentations.augmentations.pixel.functional import create_directional_gradient

BAND = 64  # rows per band: a 64 x 1240 x 3 float32 buffer is ~1 MB, within a core's cache


def _bands(height: int) -> range:
    return range(0, height, BAND)


def _widen(field: np.ndarray) -> np.ndarray:
    """A band of a one-channel field as three equal channels. Broadcasting ``field[..., None]``
    instead would leave numpy an innermost loop of 3 elements, several times slower."""
    return cv2.merge([field, field, field])


def multiply_truncate(img: np.ndarray, pattern: np.ndarray) -> np.ndarray:
    """``uint8(clip(float32(img) * pattern, 0, 255))`` with a one-channel float32 ``pattern``:
    albumentations' ``multiply_by_array`` on a uint8 page (the cast truncates)."""
    out = np.empty_like(img)
    clip = bool(pattern.min() < 0 or pattern.max() > 1)  # 0 <= p <= 1 keeps 255 * p within 0-255
    for y in _bands(img.shape[0]):
        prod = cv2.multiply(img[y:y + BAND], _widen(pattern[y:y + BAND]), dtype=cv2.CV_32F)
        if clip:
            np.clip(prod, 0, 255, out=prod)
        out[y:y + BAND] = prod  # float -> uint8 assignment truncates, as astype does
    return out


def multiply_unit_round(img: np.ndarray, pattern: np.ndarray) -> np.ndarray:
    """albumentations' float32 path for uint8 pages (``float32_io``): ``img / 255`` (its lookup
    table holds the same float32 quotients), times ``pattern``, clipped to [0, 1], times 255,
    rounded half to even, clipped, uint8."""
    out = np.empty_like(img)
    buf = np.empty((BAND, *img.shape[1:]), np.float32)
    for y in _bands(img.shape[0]):
        b = buf[: min(BAND, img.shape[0] - y)]
        np.divide(img[y:y + BAND], np.float32(255), out=b)
        b *= _widen(pattern[y:y + BAND])
        np.clip(b, 0, 1, out=b)
        b *= 255
        np.rint(b, out=b)  # whole numbers in 0-255 now: the uint8 assignment below is exact
        out[y:y + BAND] = b
    return out


def add_noise(img: np.ndarray, z: np.ndarray, mean: float, std: float) -> np.ndarray:
    """``uint8(clip(img + trunc(float32(mean + std * z) * 255), 0, 255))`` for one-channel
    standard normal float32 draws ``z``: albumentations' shared-noise GaussNoise on a uint8 page.

    Its noise field is ``cv2.randn`` into float64, which is ``float64(z) * std + mean`` for the
    float32 draws ``z`` that ``cv2.randn`` makes after the same seed (test_pixel.py checks it);
    the field is then cast to float32, scaled to 0-255 in float32 and truncated. Here the float64
    step happens one band at a time, so the page-sized float64 array is never written."""
    out = np.empty_like(img)
    wide = np.empty((BAND, img.shape[1]), np.float64)
    unit = np.empty((BAND, img.shape[1]), np.float32)
    part = np.empty((BAND, img.shape[1]), np.float32)
    up = np.empty((BAND, img.shape[1]), np.uint8)
    down = np.empty((BAND, img.shape[1]), np.uint8)
    for y in _bands(img.shape[0]):
        n = min(BAND, img.shape[0] - y)
        w, u, p = wide[:n], unit[:n], part[:n]
        if mean:
            np.multiply(z[y:y + n], np.float64(std), out=w)
            np.add(w, np.float64(mean), out=u, casting="same_kind")
        else:  # computed in float64, rounded to float32 on the way out; + 0.0 could only turn
            # -0.0 into 0.0, which truncates to the same 0
            np.multiply(z[y:y + n], np.float64(std), out=u, casting="same_kind")
        u *= 255
        # The truncated noise as two uint8 parts, what it adds and what it takes away, each
        # saturated at 255 (a larger step clips the page at 255 or 0 all the same). The float ->
        # uint8 cast of a non-negative value truncates, as np.trunc does.
        np.clip(u, 0, 255, out=p)
        np.copyto(up[:n], p, casting="unsafe")
        np.negative(u, out=p)
        np.clip(p, 0, 255, out=p)
        np.copyto(down[:n], p, casting="unsafe")
        # uint8 arithmetic saturates: (page + up) - down is clip(page + noise, 0, 255) because
        # one of the two parts is zero at every pixel.
        band = cv2.add(img[y:y + n], _widen(up[:n]))
        cv2.subtract(band, _widen(down[:n]), dst=out[y:y + n])
    return out


def corner_distance(height: int, width: int, corner: int) -> np.ndarray:
    """Euclidean distance of every pixel from one corner, float32: what ``distanceTransform``
    (DIST_L2, DIST_MASK_PRECISE) returns for a mask that is zero at that pixel only. Squared
    distances up to 2**24 are exact in float32 and the square root is correctly rounded, so the
    values are identical; computed from two axes, not a 2-D transform."""
    cy, cx = ((0, 0), (0, width - 1), (height - 1, width - 1), (height - 1, 0))[corner]
    if (height - 1) ** 2 + (width - 1) ** 2 >= 2**24:
        mask = np.full((height, width), 255, np.uint8)  # too large to be exact by formula
        mask[cy, cx] = 0
        return cv2.distanceTransform(mask, cv2.DIST_L2, cv2.DIST_MASK_PRECISE, dstType=cv2.CV_32F)
    dy = (np.arange(height, dtype=np.float32) - cy) ** 2
    dx = (np.arange(width, dtype=np.float32) - cx) ** 2
    return np.sqrt(dy[:, None] + dx[None, :])


def linear_light(height: int, width: int, intensity: float, angle: float) -> np.ndarray:
    """The one-channel multiplier of albumentations' ``apply_linear_illumination``."""
    gradient = create_directional_gradient(height, width, angle)
    if intensity < 0:
        cv2.subtract(1, gradient, dst=gradient)
    cv2.multiply(gradient, 2 * abs(intensity), dst=gradient)
    cv2.add(gradient, 1 - abs(intensity), dst=gradient)
    return gradient


def corner_light(height: int, width: int, intensity: float, corner: int) -> np.ndarray:
    """The one-channel multiplier of albumentations' ``apply_corner_illumination``."""
    pattern = corner_distance(height, width, corner)
    cv2.multiply(pattern, -intensity / math.sqrt(height * height + width * width), dst=pattern)
    cv2.add(pattern, 1, dst=pattern)
    return pattern


def gaussian_light(height: int, width: int, intensity: float, center: tuple[float, float],
                   sigma: float) -> np.ndarray:
    """The one-channel multiplier of albumentations' ``apply_gaussian_illumination``."""
    sigma2 = 2 * (max(height, width) * sigma) ** 2
    y, x = np.ogrid[:height, :width]
    x = x.astype(np.float32)
    y = y.astype(np.float32)
    x -= width * center[0]
    y -= height * center[1]
    cv2.multiply(x, x, dst=x)
    cv2.multiply(y, y, dst=y)
    x = x + y
    cv2.multiply(x, -1 / sigma2, dst=x)
    cv2.exp(x, dst=x)
    cv2.multiply(x, intensity, dst=x)
    cv2.add(x, 1, dst=x)
    return x


def _rgb_uint8(img: np.ndarray) -> bool:
    return img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3


class BandedGaussNoise(A.GaussNoise):
    """GaussNoise(per_channel=False, noise_scale_factor=1) whose noise field is formed, scaled,
    truncated and added one band at a time instead of as page-sized float64 and float32 copies."""

    def get_params_dependent_on_data(self, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        image = data["image"] if "image" in data else data["images"][0]
        if self.per_channel or self.noise_scale_factor != 1 or not _rgb_uint8(image):
            return super().get_params_dependent_on_data(params, data)
        # The draws of GaussNoise.get_params_dependent_on_data and fpixel.generate_noise ("shared",
        # "gaussian"), in their order: std, mean, then the OpenCV seed; see add_noise for randn.
        sigma = self.py_random.uniform(*self.std_range)
        mean = self.py_random.uniform(*self.mean_range)
        cv2.setRNGSeed(self.random_generator.integers(0, 2**16))
        z = np.empty(image.shape[:2], np.float32)
        cv2.randn(dst=z, mean=np.zeros(1, np.float32), stddev=np.ones(1, np.float32))
        # fpixel.sample_gaussian hands cv2.randn float32 copies of the mean and the deviation.
        return {"shared_noise": (z, float(np.float32(mean)), float(np.float32(sigma)))}

    def apply(self, img: np.ndarray, **params: Any) -> np.ndarray:
        if "shared_noise" not in params:
            return super().apply(img, **params)
        return add_noise(img, *params["shared_noise"])


class BandedIllumination(A.Illumination):
    """Illumination whose light pattern stays one channel and multiplies the page band by band."""

    def apply(self, img: np.ndarray, **params: Any) -> np.ndarray:
        if not _rgb_uint8(img) or params["intensity"] == 0:
            return super().apply(img, **params)
        h, w = img.shape[:2]
        if self.mode == "linear":
            return multiply_unit_round(img, linear_light(h, w, params["intensity"], params["angle"]))
        if self.mode == "corner":
            return multiply_truncate(img, corner_light(h, w, params["intensity"], params["corner"]))
        light = gaussian_light(h, w, params["intensity"], params["center"], params["sigma"])
        return multiply_truncate(img, light)
