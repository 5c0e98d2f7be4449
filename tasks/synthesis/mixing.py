"""Document-level mixing that keeps labels true: distractors from other documents, blended backgrounds.

Two steps of the degradation step table (``STEPS`` in degrade.py), under its conventions: a frozen
dataclass built from config by name (``train.augment`` or a synth profile: ``{name, p, args}``),
called as ``step(page) -> page``, every random draw taken from ``page.rng``. In training that RNG
is seeded with ``(train.seed, epoch, crc32(sample id))`` (``training.data.Augment``), in the synth
stage with ``(synth.seed, index)``: the same page, seed and epoch give the same output, a new epoch
a new draw. ``page.points`` pass through unchanged: nothing here moves the page.

- ``cutmix``: crops of OTHER documents, scaled to this page's text size and optionally faded,
  pasted as distractors into the page's margins and blank background only: a crop lands in a
  rectangle that lies outside the page's content box (the rows and columns that hold ink; the
  blank foot of a short form counts as margin) and at least ``gap`` away from every ink pixel of
  this page (darkest channel below ``ink``) and from every box that ``page.points`` outline (four
  corners a box, as the synth stage passes them). No pixel of this page's text, or within ``gap``
  of it, changes. Where no such rectangle exists the page is returned as it came.
- ``mixup``: a background blended in at low ``alpha`` by multiplication (paper under ink): paper
  grain and tint, ruled lines, a watermark-like tinted pattern, the ruling of another document's
  pre-printed form, or another document showing through from the back of the sheet (mirrored and
  blurred). A multiply blend never lightens a pixel and darkens it by at most ``alpha``: the ink
  stays exactly where it was and at least as dark, paper stays above ``255 * (1 - alpha)``, so at
  ``alpha <= 0.4`` the page binarised at 128 keeps every ink pixel and gains none on white paper.

Where the "other documents" come from: a per-page step sees one page only (the training data path
hands it one image and its key; the rest of the dataset is out of its reach), so the donors are a
pool of synthetic documents drawn by the synth stage's own renderer (forms, values, fonts) from a
seed of their own, ``donor_seed`` (7919), on an RNG stream of their own (``claimvlm-donor:...``,
not the synth stage's: they are none of its documents, whatever its seed, and carry made-up people
only), clean, one of each document type in turn, downscaled to ``DONOR_WIDTH`` pixels and
built once per process on first use (``donor_pool``, under a second for 12 pages). The pool is a pure
function of ``(donor_seed, donors)``, so the output stays a pure function of the page, the seed and
the epoch, on any machine with the synth fonts (a missing font fails with the synth stage's
FontError rather than silently drawing other donors).

This module imports nothing of degrade.py at run time (degrade.py imports it to fill its table).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from claimvlm.synthesis.degrade import Page

DONOR_WIDTH = 620  # donor pages are kept at half the synth stage's 150-dpi width (1240 px)
# The synth stage's default fonts (synth.fonts): donors look like the documents they mix with.
DONOR_FONTS = ("NanumMyeongjoBold", "NanumGothic", ("NanumBarunGothic", "NanumGothic", "NanumMyeongjo"))
MIXUP_KINDS = ("paper", "ruled", "watermark", "form", "show_through")


def _check_range(name: str, value: tuple[float, float], lo: float, hi: float) -> None:
    if len(value) != 2 or not lo <= value[0] <= value[1] <= hi:
        raise ValueError(f"{name} must be (low, high) with {lo} <= low <= high <= {hi}, got {value}")


@dataclass(frozen=True)
class Donor:
    """One donor page (RGB uint8) and the summed-area table of its ink (for picking inked crops)."""

    image: np.ndarray
    ink_sat: np.ndarray


def _sat(mask: np.ndarray) -> np.ndarray:
    """Summed-area table with a zero first row and column: window sums in O(1)."""
    import cv2

    return cv2.integral(mask.astype(np.uint8), sdepth=cv2.CV_32S)


def _window_sums(sat: np.ndarray, h: int, w: int) -> np.ndarray:
    """Sum of every h x w window, indexed by its top-left corner: shape (H - h + 1, W - w + 1)."""
    return sat[h:, w:] - sat[:-h, w:] - sat[h:, :-w] + sat[:-h, :-w]


def ink_mask(image: np.ndarray, ink: int) -> np.ndarray:
    """This page's ink: pixels whose darkest channel is below ``ink`` (coloured seals included)."""
    return np.minimum(np.minimum(image[..., 0], image[..., 1]), image[..., 2]) < ink


def render_donor(seed: int, index: int) -> np.ndarray:
    """Donor document ``index`` of ``seed``: a clean synthetic page (RGB), ``DONOR_WIDTH`` wide."""
    from PIL import Image

    from claimvlm.schema import DOC_TYPES
    from claimvlm.synthesis import fonts
    from claimvlm.synthesis.forms import FORMS
    from claimvlm.synthesis.render import LAYOUTS, FontSet, render, text_style
    from claimvlm.synthesis.values import GENERATORS

    r = random.Random(f"claimvlm-donor:{seed}:{index}")
    doc_type = DOC_TYPES[index % len(DOC_TYPES)]  # every document type in a pool of five or more
    layout = LAYOUTS[sorted(LAYOUTS)[r.randrange(len(LAYOUTS))]]
    title, label, values = DONOR_FONTS
    fontset = FontSet(*(fonts.require_hangul(n) for n in (title, label, values[r.randrange(len(values))])))
    form = FORMS[doc_type](GENERATORS[doc_type](r, (3, 8)), text_style(layout))
    canvas = render(form, layout, fontset, 150)
    page = canvas.image
    height = round(page.height * DONOR_WIDTH / page.width)
    return np.asarray(page.resize((DONOR_WIDTH, height), Image.Resampling.LANCZOS))


@lru_cache(maxsize=2)
def donor_pool(seed: int, count: int) -> tuple[Donor, ...]:
    """The donor pages of ``(seed, count)``, built once per process."""
    pages = (render_donor(seed, i) for i in range(count))
    return tuple(Donor(p, _sat(ink_mask(p, 200))) for p in pages)


def occupied(image: np.ndarray, points: np.ndarray, ink: int, gap: int) -> np.ndarray:
    """Where nothing may be pasted: this page's ink grown by ``gap`` pixels, its content box (rows
    and columns holding more than 1 % ink, grown by ``gap``), and the boxes ``points`` outline."""
    import cv2

    h, w = image.shape[:2]
    dark = ink_mask(image, ink)
    taken = cv2.dilate(dark.astype(np.uint8), np.ones((2 * gap + 1, 2 * gap + 1), np.uint8)) > 0
    rows = np.flatnonzero(dark.sum(axis=1) > max(1, 0.01 * w))
    cols = np.flatnonzero(dark.sum(axis=0) > max(1, 0.01 * h))
    if rows.size and cols.size:
        taken[max(0, rows[0] - gap):rows[-1] + gap + 1, max(0, cols[0] - gap):cols[-1] + gap + 1] = True
    pts = np.asarray(points, dtype=np.float32).reshape(-1, 2)
    groups = pts.reshape(-1, 4, 2) if len(pts) % 4 == 0 else pts.reshape(-1, 1, 2)
    for quad in groups:
        x0, y0 = np.floor(quad.min(axis=0)).astype(int) - gap
        x1, y1 = np.ceil(quad.max(axis=0)).astype(int) + gap
        taken[max(0, y0):max(0, y1 + 1), max(0, x0):max(0, x1 + 1)] = True
    return taken


def _place(taken: np.ndarray, h: int, w: int, rng: np.random.Generator) -> tuple[int, int] | None:
    """A uniformly drawn top-left corner of a free h x w rectangle, or None."""
    H, W = taken.shape
    if h < 1 or w < 1 or h > H or w > W:
        return None
    free = np.flatnonzero(_window_sums(_sat(taken), h, w).ravel() == 0)
    if not free.size:
        return None
    y, x = divmod(int(free[rng.integers(free.size)]), W - w + 1)
    return y, x


def _crop(donor: Donor, h: int, w: int, rng: np.random.Generator, tries: int = 6) -> np.ndarray:
    """The most inked of a few random h x w windows of the donor page."""
    sums = donor.ink_sat
    best, best_ink = (0, 0), -1
    dh, dw = donor.image.shape[:2]
    for _ in range(tries):
        y, x = int(rng.integers(0, dh - h + 1)), int(rng.integers(0, dw - w + 1))
        inked = sums[y + h, x + w] - sums[y, x + w] - sums[y + h, x] + sums[y, x]
        if inked > best_ink:
            best, best_ink = (y, x), inked
    y, x = best
    return donor.image[y:y + h, x:x + w]


@dataclass(frozen=True)
class CutMix:
    """Crops of other documents pasted into this page's margins and blank background."""

    count: tuple[int, int] = (1, 3)  # crops per page
    width: tuple[float, float] = (0.15, 0.35)  # a crop's width, share of the page's width
    aspect: tuple[float, float] = (0.15, 0.6)  # a crop's height over its width
    opacity: tuple[float, float] = (0.4, 1.0)  # 1: the donor's ink as printed; lower: faded
    gap: float = 0.01  # least distance from this page's ink, share of the page's longer side (>= 2 px)
    ink: int = 200  # a pixel whose darkest channel is below this is ink
    donors: int = 12
    donor_seed: int = 7919

    def __post_init__(self) -> None:
        _check_range("count", self.count, 0, 20)
        _check_range("width", self.width, 0.02, 0.9)
        _check_range("aspect", self.aspect, 0.05, 3.0)
        _check_range("opacity", self.opacity, 0.05, 1.0)
        if not 0 <= self.gap <= 0.1:
            raise ValueError(f"gap must be in [0, 0.1], got {self.gap}")
        if not 64 <= self.ink <= 254:
            raise ValueError(f"ink must be in [64, 254], got {self.ink}")
        if not 1 <= self.donors <= 64:
            raise ValueError(f"donors must be in [1, 64], got {self.donors}")
        if self.donor_seed < 0:
            raise ValueError(f"donor_seed must be >= 0, got {self.donor_seed}")

    def __call__(self, page: Page) -> Page:
        import cv2

        rng = page.rng
        img = page.image
        H, W = img.shape[:2]
        gap = max(2, round(self.gap * max(H, W)))
        n = int(rng.integers(self.count[0], self.count[1] + 1))
        if n == 0:
            return page
        taken = occupied(img, page.points, self.ink, gap)
        pool = donor_pool(self.donor_seed, self.donors)
        out = None
        for _ in range(n):
            w = max(4, round(rng.uniform(*self.width) * W))
            h = max(3, round(w * rng.uniform(*self.aspect)))
            donor = pool[int(rng.integers(len(pool)))]
            opacity = float(rng.uniform(*self.opacity))
            spot = None
            for shrink in (1.0, 0.6, 0.36):  # a smaller crop where the full one does not fit
                hh, ww = max(3, round(h * shrink)), max(4, round(w * shrink))
                spot = _place(taken, hh, ww, rng)
                if spot is not None:
                    h, w = hh, ww
                    break
            if spot is None:
                continue
            scale = donor.image.shape[1] / W  # donor pixels per page pixel: the same text size
            ch = min(donor.image.shape[0], max(1, round(h * scale)))
            cw = min(donor.image.shape[1], max(1, round(w * scale)))
            crop = _crop(donor, ch, cw, rng)
            crop = cv2.resize(crop, (w, h), interpolation=cv2.INTER_AREA if scale > 1 else cv2.INTER_LINEAR)
            if out is None:
                out = img.astype(np.float32)
            y, x = spot
            density = (1.0 - crop.astype(np.float32) / 255.0) * opacity
            out[y:y + h, x:x + w] *= 1.0 - density
            taken[max(0, y - gap):y + h + gap, max(0, x - gap):x + w + gap] = True  # crops do not overlap
        if out is None:
            return page
        return replace(page, image=np.clip(np.rint(out), 0, 255).astype(np.uint8))


def _resize(a: np.ndarray, w: int, h: int) -> np.ndarray:
    import cv2

    shrink = a.shape[1] > w
    return cv2.resize(a, (w, h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)


Layer = tuple[np.ndarray, tuple[float, float, float]]  # density (h, w) in [0, 1], colour at full density


def _paper(h: int, w: int, rng: np.random.Generator) -> Layer:
    """Tinted paper: an even tint, low-frequency blotches and fibre grain."""
    grid = rng.random((int(rng.integers(3, 8)), int(rng.integers(3, 8)))).astype(np.float32)
    blotches = _resize(grid, w, h)
    grain = np.abs(rng.normal(0.0, 0.25, (h, w))).astype(np.float32)
    density = np.clip(0.55 + 0.3 * blotches + grain, 0.0, 1.0)
    tints = ((0.86, 0.76, 0.56), (0.74, 0.74, 0.72), (0.66, 0.78, 0.86), (0.9, 0.8, 0.78))
    return density, tints[int(rng.integers(len(tints)))]


def _ruled(h: int, w: int, rng: np.random.Generator) -> Layer:
    """Ruled stationery: evenly spaced horizontal rules, sometimes a vertical margin rule."""
    density = np.zeros((h, w), np.float32)
    period = max(4.0, h / float(rng.integers(26, 46)))
    thick = max(1, round(h / 900))
    start = float(rng.uniform(0, period))
    for y in np.arange(start, h, period):
        density[int(y):int(y) + thick] = 1.0
    if rng.random() < 0.5:
        x = int(w * rng.uniform(0.06, 0.14))
        density[:, x:x + thick] = 1.0
    return density, (0.35, 0.55, 0.85)


def _watermark(h: int, w: int, rng: np.random.Generator) -> Layer:
    """A security tint: concentric rings around a point (a large seal-like rosette) or diagonal bands."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    period = max(3.0, w * float(rng.uniform(0.012, 0.03)))
    if rng.random() < 0.5:
        cy, cx = h * rng.uniform(0.2, 0.8), w * rng.uniform(0.2, 0.8)
        r = np.hypot(yy - cy, xx - cx)
        radius = w * float(rng.uniform(0.2, 0.45))
        density = (0.5 + 0.5 * np.cos(2 * np.pi * r / period)) * np.clip((radius - r) / (0.1 * radius), 0, 1)
    else:
        theta = float(rng.uniform(0, np.pi))
        density = 0.5 + 0.5 * np.sin(2 * np.pi * (xx * np.cos(theta) + yy * np.sin(theta)) / period)
    colours = ((0.85, 0.45, 0.45), (0.45, 0.75, 0.55), (0.5, 0.6, 0.9))
    return density.astype(np.float32), colours[int(rng.integers(len(colours)))]


def _donor_gray(pool: tuple[Donor, ...], rng: np.random.Generator) -> np.ndarray:
    return pool[int(rng.integers(len(pool)))].image.mean(axis=2).astype(np.float32) / 255.0


def _form(h: int, w: int, rng: np.random.Generator, pool: tuple[Donor, ...]) -> Layer:
    """Another document's pre-printed ruling (its long horizontal and vertical lines, no text),
    shifted so that it does not line up with this page's own."""
    import cv2

    ink = (_donor_gray(pool, rng) < 0.8).astype(np.uint8)
    dh, dw = ink.shape
    lines = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, max(9, dw // 12)), np.uint8)) | \
        cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((max(9, dh // 24), 1), np.uint8))
    density = np.clip(_resize(lines.astype(np.float32), w, h) * 1.5, 0.0, 1.0)
    shift = (int(rng.integers(-h // 20, h // 20 + 1)), int(rng.integers(-w // 20, w // 20 + 1)))
    density = np.roll(density, shift, axis=(0, 1))
    return density, (0.4, 0.46, 0.56)


def _show_through(h: int, w: int, rng: np.random.Generator,
                  pool: tuple[Donor, ...]) -> Layer:
    """The back of the sheet: another document, mirrored and blurred."""
    import cv2

    back = 1.0 - _donor_gray(pool, rng)[:, ::-1]
    density = _resize(np.ascontiguousarray(back), w, h)
    sigma = max(0.5, w * float(rng.uniform(0.002, 0.005)))
    density = cv2.GaussianBlur(density, (0, 0), sigma)
    return np.clip(density * 1.6, 0.0, 1.0), (0.2, 0.2, 0.25)


@dataclass(frozen=True)
class MixUp:
    """A background blended under the page by multiplication, at ``alpha`` (see the module doc)."""

    alpha: tuple[float, float] = (0.08, 0.25)
    kinds: tuple[str, ...] = MIXUP_KINDS  # drawn uniformly per page
    donors: int = 12  # the donor pool of "form" and "show_through"
    donor_seed: int = 7919

    def __post_init__(self) -> None:
        _check_range("alpha", self.alpha, 0.0, 0.4)
        if not self.kinds or set(self.kinds) - set(MIXUP_KINDS):
            raise ValueError(f"kinds must be a non-empty selection of {list(MIXUP_KINDS)}, "
                             f"got {list(self.kinds)}")
        if not 1 <= self.donors <= 64:
            raise ValueError(f"donors must be in [1, 64], got {self.donors}")
        if self.donor_seed < 0:
            raise ValueError(f"donor_seed must be >= 0, got {self.donor_seed}")

    def layer(self, h: int, w: int, rng: np.random.Generator) -> tuple[str, np.ndarray, tuple[float, ...]]:
        """(kind, density in [0, 1] of shape (h, w), colour at full density in [0, 1]) of one draw."""
        kind = self.kinds[int(rng.integers(len(self.kinds)))]
        if kind in ("form", "show_through"):
            pool = donor_pool(self.donor_seed, self.donors)
            density, colour = (_form if kind == "form" else _show_through)(h, w, rng, pool)
        else:
            density, colour = {"paper": _paper, "ruled": _ruled, "watermark": _watermark}[kind](h, w, rng)
        return kind, density, colour

    def __call__(self, page: Page) -> Page:
        rng = page.rng
        h, w = page.image.shape[:2]
        alpha = float(rng.uniform(*self.alpha))
        _, density, colour = self.layer(h, w, rng)
        # 1 - alpha * density * (1 - colour) <= 1: a multiply blend only darkens, by at most alpha.
        keep = 1.0 - alpha * density[..., None] * (1.0 - np.asarray(colour, np.float32))
        out = np.rint(page.image.astype(np.float32) * keep)
        return replace(page, image=np.minimum(out, page.image).astype(np.uint8))


MIXING_STEPS: dict[str, type] = {"cutmix": CutMix, "mixup": MixUp}
