"""The service's bad-input gate, on real files made here with Pillow (and a few crafted headers)."""

from __future__ import annotations

import io
import json
import struct
import time
import warnings
import zlib

import numpy as np
import pytest
from PIL import Image, ImageFile

from claimvlm.collection.params import CollectParams
from claimvlm.serving.inputs import STATUS, BadInput, InputLimits, describe, load_page

LIMITS = InputLimits()
MARKER = "홍길동 900101-1234567"


def encode(img: Image.Image, fmt: str, **kwargs: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kwargs)
    return buf.getvalue()


def page(size: tuple[int, int] = (120, 80), color: tuple[int, int, int] = (40, 90, 200)) -> Image.Image:
    """A plain page with a red block in its top-left corner, to tell orientations apart."""
    img = Image.new("RGB", size, color)
    img.paste((255, 0, 0), (0, 0, 20, 20))
    return img


def noisy(size: tuple[int, int] = (400, 300)) -> Image.Image:
    """Incompressible pixels, so that a cut file is cut in its image data."""
    rng = np.random.default_rng(0)
    return Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def crafted_png(width: int, height: int, idat: bytes | None = None) -> bytes:
    """A 1-bit greyscale PNG with this header; all-zero rows unless ``idat`` is given."""
    if idat is None:
        row = b"\x00" * (1 + (width + 7) // 8)
        idat = zlib.compress(row * height, 9)
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def refused(data: bytes, content_type: str | None = None, limits: InputLimits = LIMITS) -> BadInput:
    with pytest.raises(BadInput) as info:
        load_page(data, content_type, limits)
    err = info.value
    assert err.status == STATUS[err.kind]
    assert_private(err, data)
    return err


def assert_private(err: BadInput, data: bytes) -> None:
    """No text of the file in the message, nor any 8-byte run of its bytes."""
    message = str(err)
    assert message == err.message == describe(err)["detail"]
    assert MARKER not in message
    encoded = message.encode("utf-8")
    head = data[:4096]
    assert not any(head[i:i + 8] in encoded for i in range(max(0, len(head) - 7)))
    # No Pillow exception rides along into a logged traceback.
    assert err.__cause__ is None and (err.__context__ is None or err.__suppress_context__)


@pytest.fixture
def no_decoding(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Records every full decode; a check that must refuse from the header asserts it stays empty."""
    calls: list[object] = []
    original = ImageFile.ImageFile.load

    def load(self: ImageFile.ImageFile):  # type: ignore[no-untyped-def]
        calls.append(self)
        return original(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return calls


# -- good pages ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("fmt", "content_type"), [
    ("PNG", "image/png"), ("JPEG", "image/jpeg"), ("TIFF", "image/tiff"),
    ("PNG", None), ("JPEG", "application/octet-stream"), ("TIFF", ""),
    ("PNG", "IMAGE/PNG; charset=binary"), ("JPEG", "image/jpg"),
])
def test_accepts_a_page(fmt: str, content_type: str | None) -> None:
    out = load_page(encode(page(), fmt), content_type, LIMITS)
    assert out.mode == "RGB" and out.size == (120, 80)
    assert not isinstance(out, ImageFile.ImageFile)  # decoded and detached: no file behind it
    r, g, b = out.getpixel((5, 5))
    assert r > 200 and g < 60 and b < 60
    r, g, b = out.getpixel((100, 60))
    assert abs(r - 40) < 12 and abs(g - 90) < 12 and abs(b - 200) < 12


def test_multipage_tiff_gives_the_first_page_only() -> None:
    first, second = page((120, 80), (0, 200, 0)), page((300, 500), (0, 0, 200))
    data = encode(first, "TIFF", save_all=True, append_images=[second])
    with Image.open(io.BytesIO(data)) as img:
        assert img.n_frames == 2
    out = load_page(data, "image/tiff", LIMITS)
    assert out.size == (120, 80)
    assert out.getpixel((100, 60)) == (0, 200, 0)


def test_a_later_page_over_the_limits_does_not_matter() -> None:
    """Only the first page is read, so only the first page is checked."""
    data = encode(page(), "TIFF", save_all=True, append_images=[page((400, 400))])
    assert load_page(data, None, InputLimits(max_pixels=120 * 80)).size == (120, 80)


def test_exif_orientation_is_applied_and_metadata_dropped() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the stored image must be turned 90 degrees clockwise
    exif[0x010E] = MARKER  # ImageDescription: text of the document, must not travel on
    data = encode(page(), "JPEG", exif=exif.tobytes(), dpi=(200, 200), comment=MARKER.encode())
    out = load_page(data, "image/jpeg", LIMITS)
    assert out.size == (80, 120)
    r, _, _ = out.getpixel((75, 5))  # the red block is now top-right
    assert r > 200
    assert out.getpixel((5, 5))[0] < 100
    assert set(out.info) == {"dpi"}
    assert MARKER not in repr(out.info)


def test_a_phone_multi_picture_jpeg_counts_as_jpeg() -> None:
    data = encode(page(), "MPO", save_all=True, append_images=[page(color=(0, 0, 0))])
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "MPO"
    out = load_page(data, "image/jpeg", LIMITS)
    assert out.size == (120, 80) and out.getpixel((100, 60))[2] > 180


def _transparent_palette() -> Image.Image:
    img = Image.new("P", (40, 40), 0)
    img.putpalette([0, 0, 0] * 256)
    img.info["transparency"] = 0
    return img


@pytest.mark.parametrize(("img", "expected"), [
    (Image.new("RGBA", (40, 40), (0, 0, 0, 0)), (255, 255, 255)),  # transparent: flattened on white
    (Image.new("LA", (40, 40), (0, 0)), (255, 255, 255)),
    (_transparent_palette(), (255, 255, 255)),
    (Image.fromarray(np.full((40, 40), 0x8000, np.uint16)), (128, 128, 128)),  # 16-bit grey, not white
    (Image.new("1", (40, 40), 1), (255, 255, 255)),
    (Image.new("L", (40, 40), 77), (77, 77, 77)),
], ids=["RGBA", "LA", "P-transparent", "I;16", "1", "L"])
def test_pixel_modes_become_rgb(img: Image.Image, expected: tuple[int, int, int]) -> None:
    data = encode(img, "PNG")
    out = load_page(data, "image/png", LIMITS)
    assert out.mode == "RGB"
    assert out.getpixel((20, 20)) == expected


def test_globals_are_left_alone() -> None:
    before = Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES
    load_page(encode(page(), "PNG"), None, LIMITS)
    with pytest.raises(BadInput):
        load_page(crafted_png(20_000, 20_000), None, LIMITS)
    assert (Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES) == before


def test_limits_match_the_collect_stage() -> None:
    collect = CollectParams()
    assert (LIMITS.max_bytes, LIMITS.max_pixels) == (collect.max_bytes, collect.max_pixels)
    assert LIMITS.formats == tuple(collect.image_formats)


def test_limits_are_validated() -> None:
    with pytest.raises(ValueError, match="max_pixels"):
        InputLimits(max_pixels=0)
    with pytest.raises(ValueError, match="NOPE"):
        InputLimits(formats=("PNG", "NOPE"))


# -- bad input: one test per kind ---------------------------------------------------------------

def test_empty() -> None:
    err = refused(b"", "image/png")
    assert (err.status, err.kind) == (400, "empty")


def test_too_large(no_decoding: list[object]) -> None:
    data = encode(noisy(), "PNG")
    err = refused(data, "image/png", InputLimits(max_bytes=len(data) - 1))
    assert (err.status, err.kind) == (413, "too_large")
    assert str(len(data)) in str(err)
    assert no_decoding == []


@pytest.mark.parametrize("content_type", ["text/plain", "application/pdf", "image/gif"])
def test_content_type_not_accepted(content_type: str) -> None:
    err = refused(encode(page(), "PNG"), content_type)
    assert (err.status, err.kind) == (415, "content_type")
    assert content_type in str(err)


def test_a_malformed_content_type_is_not_echoed() -> None:
    err = refused(encode(page(), "PNG"), f"text/{MARKER}\r\nX-Injected: 1")
    assert (err.status, err.kind) == (415, "content_type")
    assert "Injected" not in str(err) and "\n" not in str(err)


@pytest.mark.parametrize("data", [
    f"환자 성명: {MARKER}\n진단명: 급성 충수염\n".encode(),
    np.random.default_rng(1).integers(0, 256, 2000, dtype=np.uint8).tobytes(),
], ids=["text", "random"])
def test_not_an_image(data: bytes) -> None:
    err = refused(data, None)
    assert (err.status, err.kind) == (415, "not_an_image")


def test_pdf_is_named() -> None:
    data = f"%PDF-1.7\n1 0 obj << /Title ({MARKER}) >> endobj\n".encode()
    err = refused(data, None)
    assert (err.status, err.kind) == (415, "format")
    assert "PDF" in str(err)


def test_gif_is_a_format_not_allowed(no_decoding: list[object]) -> None:
    err = refused(encode(page(), "GIF"), None)
    assert (err.status, err.kind) == (415, "format")
    assert "GIF" in str(err)
    assert no_decoding == []


def test_a_format_pillow_reads_but_the_limits_leave_out() -> None:
    err = refused(encode(page(), "TIFF"), None, InputLimits(formats=("PNG", "JPEG")))
    assert (err.status, err.kind) == (415, "format")


@pytest.mark.parametrize(("fmt", "declared"), [("PNG", "image/jpeg"), ("JPEG", "image/tiff"), ("TIFF", "image/png")])
def test_declared_type_disagrees(fmt: str, declared: str, no_decoding: list[object]) -> None:
    err = refused(encode(page(), fmt), declared)
    assert (err.status, err.kind) == (415, "content_type_mismatch")
    assert fmt in str(err) and declared in str(err)
    assert no_decoding == []


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "TIFF"])
def test_truncated(fmt: str) -> None:
    data = encode(noisy(), fmt)
    err = refused(data[: len(data) // 2], None)
    assert (err.status, err.kind) == (400, "truncated")
    assert fmt in str(err)


def test_a_header_cut_short() -> None:
    data = encode(noisy(), "JPEG")[:30]
    err = refused(data, "image/jpeg")
    assert err.status == 400 and err.kind in ("truncated", "corrupt")


def test_corrupt_header() -> None:
    data = bytearray(crafted_png(64, 64))
    data[29] ^= 0xFF  # the IHDR checksum (8 signature + 4 length + 4 type + 13 fields)
    err = refused(bytes(data), None)
    assert (err.status, err.kind) == (400, "corrupt")
    assert "PNG" in str(err)


def test_corrupt_image_data() -> None:
    """A well-formed PNG whose IDAT is not zlib data."""
    err = refused(crafted_png(64, 64, idat=b"\x00not zlib at all" * 4), None)
    assert (err.status, err.kind) == (400, "corrupt")


@pytest.mark.parametrize("pillow_limit", ["default", "none"])
def test_decompression_bomb_is_refused_from_the_header(pillow_limit: str, monkeypatch: pytest.MonkeyPatch,
                                                       no_decoding: list[object]) -> None:
    """20000 x 20000 = 400 M pixels in a few hundred bytes. With Pillow's default global limit
    Pillow itself refuses it while opening; with the global switched off, our own check does."""
    if pillow_limit == "none":
        monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    data = crafted_png(20_000, 20_000, idat=zlib.compress(b"\x00" * 64))
    assert len(data) < 200
    start = time.perf_counter()
    err = refused(data, "image/png")
    assert time.perf_counter() - start < 0.5
    assert (err.status, err.kind) == (413, "decompression_bomb")
    assert no_decoding == []


def test_a_real_bomb_under_pillows_limit_but_over_ours(no_decoding: list[object]) -> None:
    """A complete, valid 8000 x 8000 PNG (64 M pixels: over max_pixels, under Pillow's 89 M) of ~8 KB."""
    data = crafted_png(8_000, 8_000)
    assert len(data) < 20_000
    with Image.open(io.BytesIO(data)) as img:
        assert img.size == (8_000, 8_000)
    no_decoding.clear()
    start = time.perf_counter()
    err = refused(data, None)
    assert time.perf_counter() - start < 0.5
    assert (err.status, err.kind) == (413, "decompression_bomb")
    assert "8000x8000" in str(err)
    assert no_decoding == []


def test_pillows_bomb_warning_as_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where warnings are errors, Pillow's DecompressionBombWarning is a bomb too."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 3_000)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        err = refused(encode(page((60, 60)), "PNG"), None)
    assert (err.status, err.kind) == (413, "decompression_bomb")


@pytest.mark.parametrize("size", [(31, 500), (500, 10), (1, 1)])
def test_too_small(size: tuple[int, int], no_decoding: list[object]) -> None:
    err = refused(encode(page(size), "PNG"), "image/png")
    assert (err.status, err.kind) == (400, "too_small")
    assert no_decoding == []


def test_zero_size() -> None:
    err = refused(crafted_png(0, 0, idat=zlib.compress(b"")), None)
    assert err.status == 400 and err.kind in ("too_small", "corrupt")


def test_an_unconvertible_pixel_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    def convert(self: Image.Image, *args: object, **kwargs: object) -> Image.Image:
        raise ValueError("conversion not supported")

    monkeypatch.setattr(Image.Image, "convert", convert)
    err = refused(encode(page(), "PNG"), None)
    assert (err.status, err.kind) == (422, "pixel_mode")


def test_describe_is_the_json_body() -> None:
    err = refused(b"", None)
    body = describe(err)
    assert body == {"error": "empty", "detail": str(err)}
    assert json.loads(json.dumps(body)) == body


def test_every_kind_has_a_4xx_status() -> None:
    assert all(400 <= status < 500 for status in STATUS.values())
    with pytest.raises(KeyError):
        BadInput("no_such_kind", "x")
