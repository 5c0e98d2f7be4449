"""The banded noise and light kernels give albumentations' bytes exactly (pixel.py's promise)."""

from __future__ import annotations

import albumentations as A
import cv2
import numpy as np
import pytest

from claimvlm.synthesis import pixel


def _page(height: int = 203, width: int = 157) -> np.ndarray:
    """White paper with dark ink and every grey level, in a height that leaves a partial band."""
    rng = np.random.default_rng(3)
    img = np.full((height, width, 3), 255, np.uint8)
    ink = rng.random((height, width)) < 0.2
    img[ink] = rng.integers(0, 256, (int(ink.sum()), 3), dtype=np.uint8)
    img[:20] = rng.integers(0, 256, (20, width, 3), dtype=np.uint8)
    return img


def _same(old: A.BasicTransform, new: A.BasicTransform, image: np.ndarray, seeds: range) -> None:
    for seed in seeds:
        want = A.Compose([old], seed=seed)(image=image)["image"]
        got = A.Compose([new], seed=seed)(image=image)["image"]
        assert got.dtype == want.dtype and got.shape == want.shape
        assert np.array_equal(got, want), f"seed {seed}: {np.count_nonzero(got != want)} bytes differ"


@pytest.mark.parametrize(("std", "mean"), [((0.01, 0.05), (0.0, 0.0)),
                                           ((0.3, 0.5), (0.0, 0.0)),  # clips at both ends
                                           ((0.02, 0.2), (-0.1, 0.1))])
def test_banded_noise_matches_albumentations(std: tuple[float, float], mean: tuple[float, float]) -> None:
    args = {"std_range": std, "mean_range": mean, "per_channel": False, "p": 1}
    _same(A.GaussNoise(**args), pixel.BandedGaussNoise(**args), _page(), range(6))


def test_randn_float64_is_its_float32_draws_widened() -> None:
    """What add_noise relies on: after the same seed, cv2.randn into float64 gives
    float64(z) * std + mean for the standard normal float32 draws z."""
    mean, std = np.full(1, -0.05, np.float32), np.full(1, 0.037, np.float32)
    cv2.setRNGSeed(4242)
    wide = np.zeros((301, 257))
    cv2.randn(dst=wide, mean=mean, stddev=std)
    cv2.setRNGSeed(4242)
    z = np.empty((301, 257), np.float32)
    cv2.randn(dst=z, mean=np.zeros(1, np.float32), stddev=np.ones(1, np.float32))
    assert np.array_equal(wide, z.astype(np.float64) * np.float64(std[0]) + np.float64(mean[0]))


def test_banded_noise_draws_what_albumentations_draws() -> None:
    """Parameter sampling is replicated, so the transform's random streams end where GaussNoise's do."""
    old, new = (cls(std_range=(0.01, 0.05), per_channel=False, p=1)
                for cls in (A.GaussNoise, pixel.BandedGaussNoise))
    for t in (old, new):
        t.set_random_seed(11)
        t(image=_page())
    assert old.py_random.random() == new.py_random.random()
    assert old.random_generator.integers(2**31) == new.random_generator.integers(2**31)


@pytest.mark.parametrize("mode", ["linear", "corner", "gaussian"])
@pytest.mark.parametrize("effect", ["darken", "brighten"])
def test_banded_illumination_matches_albumentations(mode: str, effect: str) -> None:
    args = {"mode": mode, "intensity_range": (0.05, 0.2), "effect_type": effect, "p": 1}
    _same(A.Illumination(**args), pixel.BandedIllumination(**args), _page(), range(8))


@pytest.mark.parametrize("shape", [(1754, 1240), (203, 157), (1, 9), (7, 1)])
def test_corner_distance_is_distance_transform(shape: tuple[int, int]) -> None:
    h, w = shape
    for corner, (y, x) in enumerate(((0, 0), (0, w - 1), (h - 1, w - 1), (h - 1, 0))):
        mask = np.full((h, w), 255, np.uint8)
        mask[y, x] = 0
        want = cv2.distanceTransform(mask, cv2.DIST_L2, cv2.DIST_MASK_PRECISE, dstType=cv2.CV_32F)
        assert np.array_equal(pixel.corner_distance(h, w, corner), want)


def test_other_inputs_fall_back_to_albumentations() -> None:
    """Float pages are not what the synth stage draws; they take albumentations' own path."""
    page = _page().astype(np.float32) / 255
    for old, new in ((A.GaussNoise(std_range=(0.1, 0.2), per_channel=False, p=1),
                      pixel.BandedGaussNoise(std_range=(0.1, 0.2), per_channel=False, p=1)),
                     (A.Illumination(mode="corner", p=1), pixel.BandedIllumination(mode="corner", p=1))):
        _same(old, new, page, range(2))
