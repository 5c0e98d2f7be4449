"""Per-document checks: each a small frozen dataclass, ``check(doc) -> Rejection | None``.

Checks run in the order of ``CHECKS``. Those with ``needs_data = False`` look only at the
listing (keys and sizes) and run before anything is downloaded, so an oversized object is
never read into memory; the others run on the fetched bytes. The duplicate check is not a
per-document check: it compares documents with each other, after all have been checked.

Details never quote label values (labels hold personal data): schema errors are reported as
field locations and pydantic error types only, JSON errors by line and column.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Protocol

from PIL import Image, UnidentifiedImageError
from pydantic import ValidationError

from claimvlm.collection.layout import IMAGE_EXTS, DocSpec, Role
from claimvlm.schema import parse_label

if TYPE_CHECKING:
    from claimvlm.collection.params import CollectParams

REASONS = (
    "conflicting_files", "unsupported_format", "missing_image", "empty_file", "oversized",
    "corrupt_image", "decompression_bomb", "label_schema", "duplicate", "format_mismatch",
)
# A phone's multi-picture JPEG is a JPEG with extra frames after the first.
_FORMAT_ALIASES = {"MPO": "JPEG"}


@dataclass(frozen=True)
class Rejection:
    reason: str  # one of REASONS
    detail: str


@dataclass(frozen=True)
class Document:
    """A listed document and, once fetched, the bytes of each of its objects by key."""

    spec: DocSpec
    data: Mapping[str, bytes] | None = None  # None until fetched

    def size_of(self, key: str, listed: int) -> int:
        return listed if self.data is None else len(self.data[key])

    def bytes_of(self, role: Role) -> bytes | None:
        file = self.spec.image if role == "image" else next(iter(self.spec.of_role(role)), None)
        return None if file is None or self.data is None else self.data[file.key]


class Check(Protocol):
    needs_data: ClassVar[bool]

    def __call__(self, doc: Document) -> Rejection | None: ...


def _clean(text: str) -> str:
    """An exception text without object addresses, so that details are reproducible."""
    return re.sub(r"<[^<>]* at 0x[0-9a-f]+>", "<data>", text)


@dataclass(frozen=True)
class ConflictingFiles:
    """Two objects claim the same role of one document (e.g. ID.png and ID.jpg)."""

    needs_data: ClassVar[bool] = False

    def __call__(self, doc: Document) -> Rejection | None:
        for role in ("image", "label", "boxes", "meta"):
            files = doc.spec.of_role(role)
            if len(files) > 1:
                return Rejection("conflicting_files", f"{len(files)} objects for the {role}: "
                                 + ", ".join(f.key for f in files))
        return None


@dataclass(frozen=True)
class UnsupportedExtension:
    formats: tuple[str, ...]
    needs_data: ClassVar[bool] = False

    def __call__(self, doc: Document) -> Rejection | None:
        for file in doc.spec.files:
            if file.role == "other":
                return Rejection("unsupported_format", f"{file.key}: extension {file.ext or '(none)'!r} "
                                 f"is not an image ({', '.join(sorted(IMAGE_EXTS))}) or a JSON file")
            if file.role == "image" and IMAGE_EXTS[file.ext] not in self.formats:
                return Rejection("unsupported_format", f"{file.key}: {IMAGE_EXTS[file.ext]} is not in "
                                 f"image_formats {list(self.formats)}")
        return None


@dataclass(frozen=True)
class MissingImage:
    needs_data: ClassVar[bool] = False

    def __call__(self, doc: Document) -> Rejection | None:
        if doc.spec.image is None:
            roles = ", ".join(f.role for f in doc.spec.files)
            return Rejection("missing_image", f"no image for this document, only: {roles}")
        return None


@dataclass(frozen=True)
class EmptyFile:
    needs_data: ClassVar[bool] = False

    def __call__(self, doc: Document) -> Rejection | None:
        for file in doc.spec.files:
            if doc.size_of(file.key, file.size) == 0:
                return Rejection("empty_file", f"{file.key} is empty (0 bytes)")
        return None


@dataclass(frozen=True)
class Oversized:
    max_bytes: int
    needs_data: ClassVar[bool] = False

    def __call__(self, doc: Document) -> Rejection | None:
        for file in doc.spec.files:
            size = doc.size_of(file.key, file.size)
            if size > self.max_bytes:
                return Rejection("oversized", f"{file.key}: {size} bytes > max_bytes {self.max_bytes}")
        return None


@dataclass(frozen=True)
class ImageFormat:
    """The image's actual format, read from its header, must be one of image_formats."""

    formats: tuple[str, ...]
    needs_data: ClassVar[bool] = True

    def __call__(self, doc: Document) -> Rejection | None:
        data = doc.bytes_of("image") or b""
        try:
            with Image.open(io.BytesIO(data)) as img:
                actual = _FORMAT_ALIASES.get(str(img.format), str(img.format))
        except Image.DecompressionBombError:
            return None  # a header that PIL itself refuses: PixelLimit names it
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            return Rejection("corrupt_image", "not an image PIL can identify")
        if actual not in self.formats:
            return Rejection("unsupported_format", f"the content is {actual}, not one of {list(self.formats)}")
        image = doc.spec.image
        promised = IMAGE_EXTS.get(image.ext) if image is not None else None
        if promised is not None and promised != actual:  # a PNG renamed .jpg: its meta would name the wrong format
            return Rejection("format_mismatch", f"{image.key}: named .{image.ext} ({promised}) but the content is "  # type: ignore[union-attr]
                             f"{actual}; give the file its format's extension")
        return None


@dataclass(frozen=True)
class PixelLimit:
    """Decompression-bomb guard: the header's width x height, read before any pixel is decoded."""

    max_pixels: int
    needs_data: ClassVar[bool] = True

    def __call__(self, doc: Document) -> Rejection | None:
        try:
            with Image.open(io.BytesIO(doc.bytes_of("image") or b"")) as img:
                width, height = img.size
        except Image.DecompressionBombError as err:
            return Rejection("decompression_bomb", f"the header exceeds PIL's own limit: {_clean(str(err))}")
        if width * height > self.max_pixels:
            return Rejection("decompression_bomb", f"header says {width}x{height} = {width * height} pixels "
                             f"> max_pixels {self.max_pixels}")
        return None


@dataclass(frozen=True)
class ImageDecodes:
    """The whole file verifies (checksums) and decodes (a truncated file does not)."""

    needs_data: ClassVar[bool] = True

    def __call__(self, doc: Document) -> Rejection | None:
        data = doc.bytes_of("image") or b""
        try:
            with Image.open(io.BytesIO(data)) as img:
                img.verify()
            with Image.open(io.BytesIO(data)) as img:
                img.load()
        except Exception as err:  # noqa: BLE001 - PIL raises many types for broken data
            return Rejection("corrupt_image", f"{type(err).__name__}: {_clean(str(err))}")
        return None


def _json_error(err: json.JSONDecodeError | UnicodeDecodeError) -> str:
    if isinstance(err, UnicodeDecodeError):
        return f"label is not UTF-8 (invalid byte at offset {err.start})"
    return f"label is not valid JSON (line {err.lineno}, column {err.colno})"


@dataclass(frozen=True)
class LabelSchema:
    """An optional label must parse and satisfy its document schema (claimvlm.schema)."""

    needs_data: ClassVar[bool] = True

    def __call__(self, doc: Document) -> Rejection | None:
        data = doc.bytes_of("label")
        if data is None:
            return None
        try:
            parse_label(json.loads(data.decode("utf-8")))
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            return Rejection("label_schema", _json_error(err))
        except ValidationError as err:
            # loc and type only: "input", "msg" and "ctx" may echo the (personal) value.
            errors = sorted({(".".join(str(p) for p in e["loc"]) or "<root>", e["type"]) for e in err.errors()})
            return Rejection("label_schema", "schema errors: " + "; ".join(f"{loc}: {t}" for loc, t in errors))
        return None


# name -> check class, in the order the checks run.
CHECKS: dict[str, type] = {
    "conflicting_files": ConflictingFiles,
    "unsupported_extension": UnsupportedExtension,
    "missing_image": MissingImage,
    "empty_file": EmptyFile,
    "oversized": Oversized,
    "image_format": ImageFormat,
    "pixel_limit": PixelLimit,
    "image_decodes": ImageDecodes,
    "label_schema": LabelSchema,
}


def build_checks(params: CollectParams) -> tuple[Check, ...]:
    """Every check of CHECKS, in order, given the parameters it takes."""
    values = {"formats": tuple(params.image_formats), "max_bytes": params.max_bytes,
              "max_pixels": params.max_pixels}
    checks = []
    for cls in CHECKS.values():
        wanted = {name: values[name] for name in cls.__dataclass_fields__ if name in values}
        checks.append(cls(**wanted))
    return tuple(checks)


def first_rejection(checks: tuple[Check, ...], doc: Document) -> Rejection | None:
    """The first check that rejects ``doc``: before fetching, of those that need no data; after
    fetching, of all (so sizes are checked again on what actually arrived)."""
    for check in checks:
        if (doc.data is not None or not check.needs_data) and (rejection := check(doc)) is not None:
            return rejection
    return None


@dataclass(frozen=True)
class Duplicate:
    """Byte-identical images (SHA-256): the first document to claim an image keeps it.

    ``seen`` maps an image hash to the document that holds it; the caller seeds it with the
    documents collected earlier and then offers the new ones in priority order.
    """

    seen: dict[str, str] = field(default_factory=dict)

    def __call__(self, doc_id: str, image_sha256: str) -> Rejection | None:
        holder = self.seen.setdefault(image_sha256, doc_id)
        if holder != doc_id:
            return Rejection("duplicate", f"the image is byte-identical (SHA-256) to that of document {holder}")
        return None
