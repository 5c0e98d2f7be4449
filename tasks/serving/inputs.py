"""The extraction service's bad-input gate: is an uploaded file one usable document page?

``load_page`` turns the bytes of an upload into a decoded RGB page, or raises ``BadInput``
with the HTTP status, a stable machine-readable ``kind`` and a message for the client. The
checks run cheapest first, and nothing is decoded until the header has passed:

1. ``empty`` (400) / ``too_large`` (413): the byte count, against ``max_bytes``.
2. ``content_type`` (415): the declared media type (parameters such as ``; charset=`` are
   dropped, common aliases such as ``image/jpg`` are mapped to their standard name) must be in
   ``content_types``. ``None``, ``""`` and ``application/octet-stream`` mean "not declared":
   the format is then taken from the bytes alone.
3. ``not_an_image`` / ``format`` (415), ``corrupt`` (400): ``Image.open`` reads only the
   header (magic bytes, dimensions), and only with the plugins of ``formats``, so that no other
   of Pillow's parsers ever sees an upload. A file no allowed plugin accepts is named from its
   magic bytes where they are known (a PDF, GIF, WebP, HEIF or BMP is a ``format`` error that
   says so; anything else is ``not_an_image``); one that starts like an allowed format but
   whose header does not parse is ``corrupt``. A phone's multi-picture JPEG (Pillow's "MPO")
   counts as JPEG, as in the collect stage.
4. ``content_type_mismatch`` (415): a declared type must agree with the format found.
5. ``decompression_bomb`` (413): width x height from the header against ``max_pixels``,
   before a single pixel is decoded. Pillow's own ``Image.MAX_IMAGE_PIXELS`` is a process-wide
   global; it is neither relied on nor changed here, but when it fires first (its
   ``DecompressionBombError``, or its ``DecompressionBombWarning`` where warnings are errors)
   the answer is the same.
6. ``too_small`` (400): either side under ``min_side``. (A zero-size image mostly fails
   Pillow's header parse already, as ``corrupt``; either way a 400.)
7. ``truncated`` / ``corrupt`` (400): a full decode with ``load()``. Truncated files fail
   here because ``ImageFile.LOAD_TRUNCATED_IMAGES`` is left False (should anything in the
   process set that global, truncated pages would come back grey-filled instead).
8. ``pixel_mode`` (422): the page decoded but its pixel mode cannot be converted to RGB.

A multi-page TIFF (or multi-picture JPEG) yields its **first page only**; the others are not
read, and the size checks apply to that first page. The EXIF orientation is applied
(``ImageOps.exif_transpose``; a malformed EXIF block leaves the page as stored), a page with
transparency is flattened onto white (documents saved with a transparent background would
otherwise turn black), 16-bit and float greyscale are scaled to 8 bits (Pillow's own
conversion clips them, which turns a 16-bit scan white), and the result is converted to RGB.
The returned image is a plain in-memory ``Image.Image``, detached from the upload's buffer,
and its ``info`` keeps only ``dpi``: EXIF, XMP, comments and PNG text can hold document text.

Privacy: messages are fixed texts filled in only with numbers, format names and the declared
content type (and that only when it is a well-formed media type); never the file's bytes, and
never an exception text from Pillow, which can quote file data. ``BadInput`` is raised
``from None`` so that a logged traceback carries no Pillow exception either. Note for the
service: Pillow's TIFF plugin logs every tag value (ImageDescription, Artist, ...) at DEBUG
on the ``PIL`` logger, so that logger must stay at INFO or above.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from claimvlm.errors import ClaimvlmError

if TYPE_CHECKING:
    from claimvlm.collection.params import CollectParams

# kind -> HTTP status. The kinds are part of the API: clients may switch on them.
STATUS: dict[str, int] = {
    "empty": 400,
    "too_large": 413,
    "content_type": 415,
    "not_an_image": 415,
    "format": 415,
    "corrupt": 400,
    "content_type_mismatch": 415,
    "decompression_bomb": 413,
    "too_small": 400,
    "truncated": 400,
    "pixel_mode": 422,
}

_UNDECLARED = frozenset({"", "application/octet-stream"})
_MEDIA_ALIASES = {
    "image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/x-png": "image/png",
    "image/tif": "image/tiff", "image/x-tiff": "image/tiff",
}
# A phone's multi-picture JPEG is a JPEG with extra frames after the first.
_FORMAT_ALIASES = {"MPO": "JPEG"}
_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}")
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif"})
_BMP_HEADERS = frozenset({12, 40, 52, 56, 64, 108, 124})
_WIDE_MODES = frozenset({"I;16", "I;16L", "I;16B", "I;16N", "I", "F"})


@dataclass(frozen=True)
class InputLimits:
    """What an upload may be. The defaults match ``claimvlm.config.CollectParams``."""

    max_bytes: int = 25_000_000
    max_pixels: int = 60_000_000  # decompression-bomb guard, checked from the header
    min_side: int = 32
    content_types: tuple[str, ...] = ("image/png", "image/jpeg", "image/tiff")
    formats: tuple[str, ...] = ("PNG", "JPEG", "TIFF")  # Pillow format names

    @classmethod
    def from_collect(cls, collect: CollectParams) -> InputLimits:
        """The collect stage's limits: a page the service accepts is one collection would accept."""
        Image.init()
        return cls(max_bytes=collect.max_bytes, max_pixels=collect.max_pixels, formats=tuple(collect.image_formats),
                   content_types=tuple(Image.MIME[f] for f in collect.image_formats))

    def __post_init__(self) -> None:
        for name in ("max_bytes", "max_pixels", "min_side"):
            if getattr(self, name) < 1:
                raise ValueError(f"InputLimits.{name} must be positive, got {getattr(self, name)}")
        if not self.formats or not self.content_types:
            raise ValueError("InputLimits.formats and InputLimits.content_types must not be empty")
        Image.init()
        unknown = [f for f in self.formats if f not in Image.OPEN]
        if unknown:
            raise ValueError(f"InputLimits.formats: Pillow cannot open {unknown}")


class BadInput(ClaimvlmError, ValueError):
    """An upload that is not a usable page. ``str(err)`` is the message for the client."""

    status: int
    kind: str

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = STATUS[kind]
        self.message = message


def describe(err: BadInput) -> dict[str, str]:
    """The JSON body of the error response (its status is ``err.status``)."""
    return {"error": err.kind, "detail": err.message}


def _declared(content_type: str | None) -> str | None:
    """The declared media type, lower-case and without parameters; None when undeclared."""
    if content_type is None:
        return None
    media = content_type.split(";", 1)[0].strip().lower()
    return None if media in _UNDECLARED else _MEDIA_ALIASES.get(media, media)


def _shown(media: str) -> str:
    """The client's own media type, quoted back only when it is a plain well-formed one."""
    return repr(media) if _MEDIA_TYPE.fullmatch(media) else "a malformed content type"


def _signature(data: bytes) -> str | None:
    """The format the magic bytes announce, for the messages of files Pillow did not open."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "TIFF"
    if data.startswith(b"%PDF-"):
        return "PDF"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "HEIF"
    if data[:2] == b"BM" and len(data) >= 18 and int.from_bytes(data[14:18], "little") in _BMP_HEADERS:
        return "BMP"
    return None


def _allowed(limits: InputLimits) -> str:
    return ", ".join(limits.formats)


def _bomb(width: int | None, height: int | None, limits: InputLimits) -> BadInput:
    size = f"{width}x{height} = {width * height} pixels" if width and height else "its dimensions"
    return BadInput("decompression_bomb", f"the image header declares {size}, over the limit of "
                    f"{limits.max_pixels} pixels; it was not decoded")


def _damaged(err: Exception, found: str, part: str) -> BadInput:
    """``truncated`` or ``corrupt``. Pillow's text is only looked at, never passed on."""
    if isinstance(err, (OSError, EOFError)) and "truncated" in str(err).lower():
        return BadInput("truncated", f"the {found} file is truncated: its {part} ends early")
    return BadInput("corrupt", f"the {found} {part} is damaged and cannot be decoded")


def _open(data: bytes, limits: InputLimits) -> Image.Image:
    """Identify the file from its header, with the allowed plugins only; decodes nothing."""
    try:
        return Image.open(io.BytesIO(data), formats=limits.formats)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _bomb(None, None, limits) from None
    except UnidentifiedImageError:
        found = _signature(data)
        if found is None:
            raise BadInput("not_an_image", "the file is not an image in a format Pillow can identify; "
                           f"send a {_allowed(limits)} file") from None
        if found not in limits.formats:
            raise BadInput("format", f"the file is a {found} file; send a page image as "
                           f"{_allowed(limits)}") from None
        raise BadInput("corrupt", f"the file starts like a {found} image but its header cannot be "
                       "read (truncated or damaged)") from None
    except MemoryError:
        raise
    except Exception as err:  # noqa: BLE001 - a plugin accepted the magic bytes, then its parser failed
        raise _damaged(err, _signature(data) or "image", "header") from None


def _to_8bit(img: Image.Image) -> Image.Image:
    """16-bit or float greyscale as 8-bit L (Pillow's convert would clip it to white)."""
    a = np.asarray(img)
    if img.mode.startswith("I;16"):
        a8 = a >> 8
    elif img.mode == "I":
        a8 = (np.clip(a, 0, 65535) >> 8) if a.max(initial=0) > 255 else np.clip(a, 0, 255)
    else:  # "F": 0..1 when normalised, else taken as 0..255
        a = np.nan_to_num(a.astype(np.float64))
        a8 = np.clip(a * 255.0 if a.max(initial=0.0) <= 1.0 else a, 0, 255)
    return Image.fromarray(np.ascontiguousarray(a8, dtype=np.uint8))


def _to_rgb(page: Image.Image) -> Image.Image:
    try:
        if page.mode in _WIDE_MODES:
            page = _to_8bit(page)
        if page.has_transparency_data:
            rgba = page.convert("RGBA")
            white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            white.alpha_composite(rgba)
            return white.convert("RGB")
        return page.convert("RGB")
    except (ValueError, OSError):
        raise BadInput("pixel_mode", f"the image decoded, but its pixel mode {page.mode} cannot be "
                       "converted to RGB") from None


def load_page(data: bytes, content_type: str | None, limits: InputLimits) -> Image.Image:
    """The first page of an uploaded image, decoded, upright and in RGB; or ``BadInput``.

    ``content_type`` is the declared type of the upload (``None`` or
    ``application/octet-stream``: undeclared, the bytes decide). See the module docstring for
    the checks, in the order they run."""
    if not data:
        raise BadInput("empty", "the file is empty (0 bytes)")
    if len(data) > limits.max_bytes:
        raise BadInput("too_large", f"the file is {len(data)} bytes, over the limit of {limits.max_bytes}")
    declared = _declared(content_type)
    if declared is not None and declared not in {t.lower() for t in limits.content_types}:
        raise BadInput("content_type", f"content type {_shown(declared)} is not accepted; send one of "
                       + ", ".join(limits.content_types))

    with _open(data, limits) as img:
        found = _FORMAT_ALIASES.get(str(img.format), str(img.format))
        if found not in limits.formats:
            raise BadInput("format", f"the file is a {found} file; send a page image as {_allowed(limits)}")
        if declared is not None and declared != Image.MIME.get(found):
            raise BadInput("content_type_mismatch", f"the upload was declared as {_shown(declared)} "
                           f"but the file is a {found} image")
        width, height = img.size
        if width * height > limits.max_pixels:
            raise _bomb(width, height, limits)
        if min(width, height) < limits.min_side:
            raise BadInput("too_small", f"the image is {width}x{height} pixels; each side must be at "
                           f"least {limits.min_side}")
        try:
            img.load()  # the first frame only
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _bomb(width, height, limits) from None
        except MemoryError:
            raise  # the server's trouble, not the file's
        except Exception as err:  # noqa: BLE001 - Pillow raises many types for broken data
            raise _damaged(err, found, "image data") from None
        try:
            page = ImageOps.exif_transpose(img)
        except Exception:  # noqa: BLE001 - a malformed EXIF block: keep the page as stored
            page = img.copy()
    rgb = _to_rgb(page)
    # Metadata (EXIF, XMP, comments, PNG text) can hold document content: only the pixels and
    # the resolution go on.
    rgb.info = {"dpi": page.info["dpi"]} if "dpi" in page.info else {}
    return rgb
