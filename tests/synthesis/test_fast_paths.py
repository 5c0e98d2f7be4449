"""synth's shortcuts give what the plain library calls give, byte for byte.

Each one exists for speed (benchmarks/README.md, synth throughput); a library upgrade that breaks
the equivalence fails here instead of silently changing the data set."""

from __future__ import annotations

import io
import json
import random
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from PIL import Image, ImageDraw

from claimvlm.docstore import json_bytes, plain_json_bytes
from claimvlm.synthesis import fonts, render
from claimvlm.synthesis.degrade import Page, build_step, shared_step
from claimvlm.synthesis.generate import CLEAN, _corners, _moved, encode, make_document, rgb_array
from claimvlm.synthesis.params import SynthParams
from claimvlm.synthesis.render import page_size


@pytest.fixture(scope="module")
def font(synth_params: SynthParams) -> object:
    return fonts.load(fonts.require_hangul(synth_params.fonts.values[0]), 31)


def _positions(n: int) -> list[tuple[float, float]]:
    r = random.Random(0)
    return [(r.uniform(0, 300) + r.choice((0, 0.5, 0.25)), r.uniform(0, 200)) for _ in range(n)]


def test_cached_glyphs_draw_what_pillow_draws(font: object) -> None:
    texts = ["진 단 서", "홍길동", "2025-03-14", "₩1,234,000", "K35.8 (급성 충수염)", "A"]
    spots = _positions(24)
    ours = Image.new("RGB", (420, 260), "white")
    canvas = render.Canvas(ours, 1.0, None, render.LAYOUTS["grid"])  # type: ignore[arg-type]
    theirs = Image.new("RGB", (420, 260), "white")
    draw = ImageDraw.Draw(theirs)
    for _ in range(2):  # the second round draws from the cache
        for i, (x, y) in enumerate(spots):
            text, ink = texts[i % len(texts)], ((17, 17, 17), (92, 106, 128))[i % 2]
            canvas._draw_line(x, y, text, font, ink)
            draw.text((x, y), text, font=font, fill=ink)
    assert ours.tobytes() == theirs.tobytes()
    assert render._glyphs.cache_info().hits > 0


def test_a_word_box_is_pillows_box_moved(font: object) -> None:
    draw = ImageDraw.Draw(Image.new("RGB", (8, 8)))
    for (x, y), word in zip(_positions(12), ["진단명", "(주)", "12,000", "gj", "의", "K35.8"] * 2, strict=True):
        b0, b1, b2, b3 = render._bbox(font, "RGB", word)
        assert (b0 + x, b1 + y, b2 + x, b3 + y) == draw.textbbox((x, y), word, font=font)


def test_a_page_drawn_again_from_the_caches_is_the_same(synth_params: SynthParams) -> None:
    first = make_document(synth_params, 11, profile=CLEAN)
    again = make_document(synth_params, 11, profile=CLEAN)
    render.clear_caches()
    cold = make_document(synth_params, 11, profile=CLEAN)
    assert np.array_equal(first.image, cold.image) and np.array_equal(again.image, cold.image)
    assert first.boxes == again.boxes == cold.boxes


def test_opencv_jpeg_writer_gives_pillows_bytes(synth_params: SynthParams) -> None:
    page = make_document(synth_params, 4, profile="scan").image
    buf = io.BytesIO()
    Image.fromarray(page).save(buf, format="JPEG", quality=synth_params.jpeg_quality, subsampling=0)
    assert encode(page, "jpeg", synth_params) == buf.getvalue()


@pytest.mark.parametrize("dpi", [150, 300])  # 300: a page Pillow keeps in several blocks
def test_rgb_array_is_numpys_copy(dpi: int) -> None:
    page = Image.new("RGB", page_size(dpi), "white")
    ImageDraw.Draw(page).rectangle((10, 20, 600, 900), fill=(12, 34, 56))
    ImageDraw.Draw(page).text((700, 30), "진단서", fill=(200, 10, 90))
    ours = rgb_array(page)
    assert ours.flags["C_CONTIGUOUS"] and ours.dtype == np.uint8 and np.array_equal(ours, np.asarray(page))


def test_plain_json_is_json_bytes(synth_params: SynthParams) -> None:
    for profile in (CLEAN, "photo", "fax"):
        doc = make_document(synth_params, 2, profile=profile)
        assert plain_json_bytes(doc.boxes) == json_bytes(doc.boxes)
        assert plain_json_bytes(doc.label) == json_bytes(doc.label)
    odd = {"": [], "빈": {}, "s": "줄\n바꿈 \"따옴표\" \\ \t\x01\x7f\u2028  두 칸", "n": [None, True, False, -0.0, 0.0001,
           1e16, 123456.75, -7, 2**62, [[[]]]], "한글 키": {"a": [{"b": [1.5]}]}}
    assert plain_json_bytes(odd) == json_bytes(odd)
    assert json.loads(plain_json_bytes(odd)) == odd


def test_moved_boxes_round_as_python_rounds() -> None:
    rng = np.random.default_rng(0)
    points = rng.uniform(-20, 1300, (400, 2)).astype(np.float32)
    points[::7] = np.round(points[::7] * 2) / 2 + 0.05  # near the ties of one decimal
    boxes = [{"text": str(i), "bbox": [0, 0, 1, 1]} for i in range(100)]
    size = (1240, 1754)
    moved = _moved(boxes, points, size)
    for box, quad in zip(moved, points.reshape(-1, 4, 2).tolist(), strict=True):
        assert box["quad"] == [[round(x, 1), round(y, 1)] for x, y in quad]
        xs, ys = [min(max(x, 0), size[0]) for x, _ in quad], [min(max(y, 0), size[1]) for _, y in quad]
        assert box["bbox"] == [round(v, 1) for v in (min(xs), min(ys), max(xs), max(ys))]


@pytest.mark.parametrize("profile", ["scan", "fax", "photo"])
def test_a_shared_step_degrades_as_a_fresh_one(synth_params: SynthParams, profile: str) -> None:
    clean = make_document(synth_params, 5, profile=CLEAN)
    points = _corners(clean.boxes["fields"] + clean.boxes["words"])
    for seed in range(3):
        fresh = Page(clean.image, points, np.random.default_rng(seed))
        shared = Page(clean.image, points, np.random.default_rng(seed))
        for step in synth_params.degrade.profiles[profile].steps:
            fresh = build_step(step.name, step.args)(fresh)
            shared = shared_step(step.name, step.args)(shared)
        assert np.array_equal(fresh.image, shared.image) and np.array_equal(fresh.points, shared.points)
    here = shared_step("rotate", {"max_degrees": 1.0})
    assert here is shared_step("rotate", {"max_degrees": 1.0})
    with ThreadPoolExecutor(1) as pool:  # a step's transform holds the random state each call seeds
        assert pool.submit(shared_step, "rotate", {"max_degrees": 1.0}).result() is not here
