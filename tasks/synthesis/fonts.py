"""Finding Hangul fonts and proving they draw Hangul.

A font without Hangul glyphs draws empty boxes (tofu) and raises nothing, which would
silently poison every label. ``require_hangul`` compares the glyphs of Korean text with
the font's "missing glyph" and fails loudly when they are the same.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from claimvlm.errors import ClaimvlmError

SYSTEM_FONT_DIRS = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".local/share/fonts",
    Path.home() / ".fonts",
    Path("/Library/Fonts"),
    Path("C:/Windows/Fonts"),
)
INSTALL_HINT = (
    "install a Hangul font, e.g. `sudo apt-get install fonts-nanum` (Debian/Ubuntu), "
    "or put the .ttf files in a folder named in synth.fonts.font_dirs"
)
_PROBE = "가나다한글진단서"
_MISSING = "\U000f0000\U000f0001"  # supplementary private use: no real font maps these


class FontError(ClaimvlmError, RuntimeError):
    """A configured font is missing or cannot draw Hangul."""


def find_font(name: str, extra_dirs: Iterable[Path] = ()) -> Path:
    """Path of the font file whose stem is ``name`` (case-insensitive), searching extra dirs first."""
    dirs = [*extra_dirs, *(Path(d) for d in os.environ.get("CLAIMVLM_FONT_DIRS", "").split(os.pathsep) if d),
            *SYSTEM_FONT_DIRS]
    wanted = name.lower()
    for folder in dirs:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() in {".ttf", ".otf", ".ttc"} and path.stem.lower() == wanted:
                return path
    raise FontError(f"font {name!r} not found in {[str(d) for d in dirs]}; {INSTALL_HINT}")


def draws_hangul(path: Path) -> bool:
    """True when the font renders Hangul syllables as real, distinct glyphs."""
    font = ImageFont.truetype(str(path), 32)

    def glyph(ch: str) -> bytes:
        img = Image.new("L", (48, 48))
        ImageDraw.Draw(img).text((4, 4), ch, font=font, fill=255)
        return img.tobytes()

    hangul = [glyph(ch) for ch in _PROBE]
    missing = glyph(_MISSING[0])
    inked = all(any(g) for g in hangul)
    distinct = len(set(hangul)) > len(set(_PROBE)) // 2
    return inked and distinct and missing not in hangul


@lru_cache(maxsize=32)
def require_hangul(name: str, extra_dirs: tuple[Path, ...] = ()) -> Path:
    """Resolve a font by name and check that it draws Hangul, or raise FontError."""
    path = find_font(name, extra_dirs)
    if not draws_hangul(path):
        raise FontError(
            f"font {name!r} ({path}) has no Hangul glyphs: Korean text would render as empty boxes; "
            + INSTALL_HINT
        )
    return path


@lru_cache(maxsize=256)
def load(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size)
