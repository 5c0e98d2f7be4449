"""A contact sheet of generated documents, for people to look at.

One row per document type: a clean page with its field boxes drawn over it, then the
same kind of document through each capture profile (scan, fax, phone photo).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw

from claimvlm.schema import DOC_TYPES
from claimvlm.synthesis import fonts
from claimvlm.synthesis.generate import CLEAN, make_document
from claimvlm.synthesis.render import LAYOUTS

if TYPE_CHECKING:
    from claimvlm.synthesis.params import SynthParams

THUMB_W = 420


def _thumb(image: Image.Image) -> Image.Image:
    return image.resize((THUMB_W, round(image.height * THUMB_W / image.width)), Image.Resampling.LANCZOS)


def contact_sheet(params: SynthParams, path: Path) -> Path:
    """Write one PNG with examples of every type, clean (with field boxes) and degraded."""
    profiles = [CLEAN, *sorted(params.degrade.profiles)]
    layouts = sorted(LAYOUTS)
    label_font = fonts.load(fonts.require_hangul(params.fonts.label, tuple(params.fonts.font_dirs)), 16)
    cells: list[list[tuple[str, Image.Image]]] = []
    for row, doc_type in enumerate(DOC_TYPES):
        cells.append([])
        for col, profile in enumerate(profiles):
            layout = layouts[(row + col) % len(layouts)]
            doc = make_document(params, 10_000 + row * 10 + col, doc_type=doc_type, layout=layout, profile=profile)
            image = Image.fromarray(doc.image)
            if profile == CLEAN:
                draw = ImageDraw.Draw(image)
                for f in doc.boxes["fields"]:
                    draw.rectangle(f["bbox"], outline=(0, 170, 60), width=2)
            steps = "+".join(doc.meta["degradation"]["steps"]) or "no steps fired"
            caption = f"{doc_type} · {layout}\n{profile}" + ("" if profile == CLEAN else f": {steps}")
            cells[-1].append((caption, _thumb(image)))
    cell_h = max(t.height for row in cells for _, t in row) + 48
    sheet = Image.new("RGB", (len(profiles) * (THUMB_W + 16) + 16, len(cells) * (cell_h + 16) + 16), (70, 74, 80))
    draw = ImageDraw.Draw(sheet)
    for r, row in enumerate(cells):
        for c, (caption, thumb) in enumerate(row):
            x, y = 16 + c * (THUMB_W + 16), 16 + r * (cell_h + 16)
            sheet.paste(thumb, (x, y + 48))
            draw.multiline_text((x, y + 2), caption, font=label_font, fill=(255, 255, 255), spacing=4)
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path, format="PNG", optimize=False)
    return path
