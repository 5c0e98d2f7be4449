"""Drawing a form onto an A4 page, recording the box of every field value and every word.

The page looks pre-printed: title, ruled boxes and tables, labels in a lighter colour and
a red hospital seal; the filled-in values use another font and a darker colour. Three
layout variants share one renderer and differ in how fields and tables are drawn.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from claimvlm.synthesis import fonts
from claimvlm.synthesis.forms import Field, FieldGrid, Form, Signature, Statement, Table, TextStyle

A4_MM = (210, 297)
Color = tuple[int, int, int]


@dataclass(frozen=True)
class Layout:
    name: str
    fields: str  # key of FIELD_MODES
    table_rules: str  # "grid" (every cell ruled) or "rows" (horizontal rules only)
    title_align: str  # "center" or "left"
    date_style: str
    label_ink: Color
    value_ink: Color
    rule_ink: Color
    shade: Color
    form_no: str


LAYOUTS: dict[str, Layout] = {
    "grid": Layout("grid", "boxed", "grid", "center", "iso", (92, 106, 128), (17, 17, 17), (120, 132, 150),
                   (236, 241, 246), "[별지 제1호 서식]"),
    "stacked": Layout("stacked", "stacked", "rows", "left", "dots", (104, 124, 150), (20, 30, 70),
                      (130, 145, 165), (242, 245, 250), "[서식 2]"),
    "lined": Layout("lined", "underlined", "grid", "center", "korean", (122, 106, 90), (27, 42, 107),
                    (150, 135, 120), (246, 242, 236), "■ 의료법 시행규칙 [별지 서식]"),
}


@dataclass(frozen=True)
class FontSet:
    title: Path
    label: Path
    value: Path


# Text measurements, kept per font and string for the life of a worker: form labels, column heads
# and many values repeat from page to page, and Pillow lays the text out again for every call (about
# 2 ms a page). A font from fonts.load lives as long as the process, so it can key a cache.
@lru_cache(maxsize=1 << 16)
def _length(font: ImageFont.FreeTypeFont, text: str) -> float:
    return font.getlength(text)


@lru_cache(maxsize=8)
def _measuring_draw(mode: str) -> ImageDraw.ImageDraw:
    return ImageDraw.Draw(Image.new(mode, (1, 1)))


@lru_cache(maxsize=1 << 16)
def _bbox(font: ImageFont.FreeTypeFont, mode: str, word: str) -> tuple[float, float, float, float]:
    """The box of one line of text drawn at (0, 0): Pillow's box at (x, y) is this one moved by (x, y)."""
    return _measuring_draw(mode).textbbox((0, 0), word, font=font)


@lru_cache(maxsize=4096)
def _glyphs(font: ImageFont.FreeTypeFont, mode: str, text: str, ink: int,
            start: tuple[float, float]) -> tuple[Any, tuple[int, int]]:
    """The mask and offset Pillow's ``ImageDraw.text`` draws one line of text with (its arguments
    for a left-aligned, unstroked line): a pure function of the font, the text and where the line
    starts within its first pixel."""
    return font.getmask2(text, mode, None, None, None, 0, "la", ink, start, stroke_filled=True)


def clear_caches() -> None:
    """Forget every cached measurement and glyph mask, as a new process starts (benchmarks, tests)."""
    for cache in (_length, _measuring_draw, _bbox, _glyphs):
        cache.cache_clear()


@dataclass
class Canvas:
    """A page being drawn, with everything written on it recorded as boxes."""

    image: Image.Image
    scale: float
    fontset: FontSet
    layout: Layout
    fields: list[dict] = field(default_factory=list)
    words: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.draw = ImageDraw.Draw(self.image)

    def px(self, v: float) -> int:
        return round(v * self.scale)

    def font(self, kind: str, size: float) -> ImageFont.FreeTypeFont:
        return fonts.load(getattr(self.fontset, kind), self.px(size))

    def fitted(self, kind: str, size: float, text: str, max_w: float) -> ImageFont.FreeTypeFont:
        """The font at ``size``, shrunk (to 60% at most) until ``text`` fits ``max_w`` pixels."""
        for step in range(9):
            font = self.font(kind, size * (1 - 0.05 * step))
            if _length(font, text) <= max_w:
                return font
        return font

    def text(self, xy: tuple[float, float], text: str, font: ImageFont.FreeTypeFont, ink: Color,
             kind: str, path: str | None = None, align: str = "left", width: float = 0) -> None:
        """Draw ``text`` with its top-left at xy (or right/centre aligned within ``width``)."""
        x, y = xy
        length = _length(font, text)
        if align == "right":
            x += width - length
        elif align == "center":
            x += (width - length) / 2
        self._draw_line(x, y, text, font, ink)
        start = 0
        x0s, y0s, x1s, y1s = [], [], [], []
        for word in text.split(" "):
            if word:
                off = _length(font, text[:start])
                bx, by = x + off, y
                if "\n" in word:  # several lines: Pillow aligns them, no longer a plain move
                    bx0, by0, bx1, by1 = self.draw.textbbox((bx, by), word, font=font)
                else:
                    b0, b1, b2, b3 = _bbox(font, self.image.mode, word)
                    bx0, by0, bx1, by1 = b0 + bx, b1 + by, b2 + bx, b3 + by
                self.words.append({"text": word, "bbox": [bx0, by0, bx1, by1], "kind": kind, "path": path})
                x0s.append(bx0), y0s.append(by0), x1s.append(bx1), y1s.append(by1)
            start += len(word) + 1
        if path is not None and x0s:
            self.fields.append({"path": path, "text": text, "bbox": [min(x0s), min(y0s), max(x1s), max(y1s)]})

    def _draw_line(self, x: float, y: float, text: str, font: ImageFont.FreeTypeFont, fill: Color) -> None:
        """``self.draw.text((x, y), text, font=font, fill=fill)`` for one line, the glyphs' mask kept
        for the next page: Pillow rasterises the text anew on every call (4.7 ms of a page), while
        labels and headings come back at the same place page after page."""
        if "\n" in text:
            self.draw.text((x, y), text, font=font, fill=fill)
            return
        ink = self.draw._getink(fill)[0]  # the colour as the image stores it
        mask, (dx, dy) = _glyphs(font, self.draw.fontmode, text, ink, (math.modf(x)[0], math.modf(y)[0]))
        self.draw.draw.draw_bitmap((int(x) + dx, int(y) + dy), mask, ink)

    def rect(self, box: tuple[float, float, float, float], fill: Color | None = None, width: float = 1.5) -> None:
        self.draw.rectangle(box, fill=fill, outline=self.layout.rule_ink, width=max(1, self.px(width)))

    def hline(self, x0: float, x1: float, y: float, width: float = 1.5) -> None:
        self.draw.line((x0, y, x1, y), fill=self.layout.rule_ink, width=max(1, self.px(width)))


def _centre_y(top: float, height: float, font: ImageFont.FreeTypeFont) -> float:
    asc, desc = font.getmetrics()
    return top + (height - asc - desc) / 2


def _boxed(c: Canvas, f: Field, x: float, y: float, w: float) -> float:
    h, lw = c.px(54), c.px(160)
    c.rect((x, y, x + lw, y + h), fill=c.layout.shade)
    c.rect((x + lw, y, x + w, y + h))
    lf = c.fitted("label", 21, f.label, lw - c.px(16))
    c.text((x, _centre_y(y, h, lf)), f.label, lf, c.layout.label_ink, "label", align="center", width=lw)
    vf = c.fitted("value", 24, f.text, w - lw - c.px(24))
    c.text((x + lw + c.px(12), _centre_y(y, h, vf)), f.text, vf, c.layout.value_ink, "value", f.path)
    return h


def _stacked(c: Canvas, f: Field, x: float, y: float, w: float) -> float:
    h = c.px(80)
    c.rect((x, y, x + w, y + h))
    lf = c.font("label", 17)
    c.text((x + c.px(10), y + c.px(6)), f.label, lf, c.layout.label_ink, "label")
    vf = c.fitted("value", 24, f.text, w - c.px(28))
    c.text((x + c.px(16), y + c.px(38)), f.text, vf, c.layout.value_ink, "value", f.path)
    return h


def _underlined(c: Canvas, f: Field, x: float, y: float, w: float) -> float:
    h, lw = c.px(56), c.px(170)
    lf = c.fitted("label", 21, f.label + " :", lw - c.px(8))
    c.text((x + c.px(6), _centre_y(y, h, lf)), f.label + " :", lf, c.layout.label_ink, "label")
    vf = c.fitted("value", 24, f.text, w - lw - c.px(24))
    c.text((x + lw + c.px(8), _centre_y(y, h, vf)), f.text, vf, c.layout.value_ink, "value", f.path)
    c.hline(x + lw, x + w - c.px(12), y + h - c.px(8), width=1)
    return h


FIELD_MODES: dict[str, Callable[[Canvas, Field, float, float, float], float]] = {
    "boxed": _boxed, "stacked": _stacked, "underlined": _underlined,
}


def _field_grid(c: Canvas, grid: FieldGrid, x: float, y: float, w: float) -> float:
    draw_field = FIELD_MODES[c.layout.fields]
    half = w / 2
    pending: list[Field] = []
    top = y

    def flush() -> None:
        nonlocal y
        if pending:
            heights = [draw_field(c, f, x + i * half, y, half) for i, f in enumerate(pending)]
            y += max(heights)
            pending.clear()

    for f in grid.fields:
        if f.wide:
            flush()
            y += draw_field(c, f, x, y, w)
        else:
            pending.append(f)
            if len(pending) == 2:
                flush()
    flush()
    return y - top


def _table(c: Canvas, table: Table, x: float, y: float, w: float) -> float:
    total = sum(col.weight for col in table.columns)
    widths = [w * col.weight / total for col in table.columns]
    head_h, row_h, pad = c.px(44), c.px(40), c.px(8)
    lf = c.font("label", 19)
    c.rect((x, y, x + w, y + head_h), fill=c.layout.shade)
    cx = x
    for col, cw in zip(table.columns, widths, strict=True):
        hf = c.fitted("label", 19, col.header, cw - 2 * pad) if lf.getlength(col.header) > cw - 2 * pad else lf
        c.text((cx, _centre_y(y, head_h, hf)), col.header, hf, c.layout.label_ink, "label", align="center", width=cw)
        if c.layout.table_rules == "grid" and cx > x:
            c.draw.line((cx, y, cx, y + head_h + row_h * len(table.rows)), fill=c.layout.rule_ink,
                        width=max(1, c.px(1)))
        cx += cw
    yy = y + head_h
    for row in table.rows:
        cx = x
        for col, cw, cell in zip(table.columns, widths, row, strict=True):
            vf = c.fitted("value", 20, cell.text, cw - 2 * pad)
            align = "right" if col.numeric else "center"
            c.text((cx + pad, _centre_y(yy, row_h, vf)), cell.text, vf, c.layout.value_ink, "value", cell.path,
                   align=align, width=cw - 2 * pad)
            cx += cw
        yy += row_h
        c.hline(x, x + w, yy, width=1)
    if c.layout.table_rules == "grid":
        c.rect((x, y, x + w, yy))
    return yy - y


def _statement(c: Canvas, st: Statement, x: float, y: float, w: float) -> float:
    font = c.font("label", 23)
    c.text((x, y + c.px(18)), st.text, font, c.layout.label_ink, "label", align="center", width=w)
    return c.px(70)


def _seal(c: Canvas, text: str, centre: tuple[float, float]) -> None:
    """A red, slightly transparent round seal with the hospital's name."""
    d = c.px(104)
    seal = Image.new("RGBA", (d, d), (0, 0, 0, 0))
    sd = ImageDraw.Draw(seal)
    red = (200, 30, 35, 190)
    sd.ellipse((2, 2, d - 3, d - 3), outline=red, width=max(2, c.px(4)))
    name = text[:4]
    font = fonts.load(c.fontset.title, c.px(24 if len(name) <= 2 else 20))
    half = (len(name) + 1) // 2
    for i, part in enumerate((name[:half], name[half:])):
        sd.text((d / 2, d / 2 + (i - 0.5) * c.px(26)), part, font=font, fill=red, anchor="mm")
    c.image.paste(seal, (round(centre[0] - d / 2), round(centre[1] - d / 2)), seal)


def _signature(c: Canvas, sig: Signature, x: float, y: float, w: float) -> float:
    lf, row_h = c.font("label", 21), c.px(46)
    left = x + w * 0.38
    lw = c.px(120)
    for i, f in enumerate(sig.fields):
        top = y + i * row_h
        c.text((left, _centre_y(top, row_h, lf)), f.label, lf, c.layout.label_ink, "label")
        vf = c.fitted("value", 23, f.text, x + w - left - lw - c.px(90))
        c.text((left + lw, _centre_y(top, row_h, vf)), f.text, vf, c.layout.value_ink, "value", f.path)
    last = y + (len(sig.fields) - 1) * row_h
    mark = "(인)" if "성명" in sig.fields[-1].label or sig.fields[-1].label in {"집도의", "담당의"} else "(직인)"
    c.text((x + w - c.px(80), _centre_y(last, row_h, lf)), mark, lf, c.layout.label_ink, "label")
    _seal(c, sig.seal_text, (x + w - c.px(52), last + row_h / 2))
    return len(sig.fields) * row_h


BLOCKS: dict[type, Callable] = {
    FieldGrid: _field_grid, Table: _table, Statement: _statement, Signature: _signature,
}


def _title(c: Canvas, form: Form, x: float, y: float, w: float) -> float:
    # Short titles are letter-spaced on Korean forms ("진 단 서").
    title = " ".join(form.title) if len(form.title) <= 5 else form.title
    font = c.font("title", 46)
    c.text((x, y), title, font, (25, 25, 25), "title", align=c.layout.title_align, width=w)
    bottom = y + font.getmetrics()[0] + font.getmetrics()[1] + c.px(10)
    if c.layout.title_align == "left":
        c.hline(x, x + w, bottom, width=3)
        c.hline(x, x + w, bottom + c.px(6), width=1)
    return bottom - y + c.px(30)


def page_size(dpi: int) -> tuple[int, int]:
    return round(A4_MM[0] / 25.4 * dpi), round(A4_MM[1] / 25.4 * dpi)


def text_style(layout: Layout) -> TextStyle:
    return TextStyle(date=layout.date_style)


def render(form: Form, layout: Layout, fontset: FontSet, dpi: int) -> Canvas:
    """Draw ``form`` on a white A4 page; the returned canvas holds the image and all boxes."""
    width, height = page_size(dpi)
    c = Canvas(Image.new("RGB", (width, height), "white"), dpi / 150, fontset, layout)
    margin = c.px(70)
    x, w = margin, width - 2 * margin
    c.text((x, c.px(36)), layout.form_no, c.font("label", 16), c.layout.label_ink, "label")
    y = c.px(84)
    y += _title(c, form, x, y, w)
    for block in form.blocks:
        y += BLOCKS[type(block)](c, block, x, y, w) + c.px(22)
    if y > height - c.px(40):
        raise ValueError(f"form {form.title!r} overflows the page in layout {layout.name!r}")
    c.draw.rectangle((c.px(40), c.px(70), width - c.px(40), y), outline=layout.rule_ink, width=max(1, c.px(2)))
    return c
