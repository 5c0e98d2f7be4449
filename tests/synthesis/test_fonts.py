"""A font without Hangul is a clear error, never a page of empty boxes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from claimvlm.synthesis import fonts, generate
from claimvlm.synthesis.fonts import FontError
from claimvlm.synthesis.params import SynthParams

LATIN_ONLY = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def test_nanum_draws_hangul() -> None:
    assert fonts.draws_hangul(fonts.require_hangul("NanumGothic"))


@pytest.fixture
def latin_font_dir(tmp_path: Path) -> Path:
    if not LATIN_ONLY.exists():
        pytest.skip("DejaVuSans is not installed")  # comes with every Debian fontconfig
    shutil.copy(LATIN_ONLY, tmp_path / "LatinOnly.ttf")
    return tmp_path


def test_latin_only_font_is_rejected_with_a_hint(latin_font_dir: Path) -> None:
    assert not fonts.draws_hangul(latin_font_dir / "LatinOnly.ttf")
    with pytest.raises(FontError, match=r"no Hangul glyphs.*fonts-nanum"):
        fonts.require_hangul("LatinOnly", (latin_font_dir,))


def test_missing_font_is_a_clear_error() -> None:
    with pytest.raises(FontError, match=r"'NoSuchFont' not found.*fonts-nanum"):
        fonts.require_hangul("NoSuchFont")


def test_synth_refuses_to_start_with_a_tofu_font(synth_params: SynthParams, latin_font_dir: Path,
                                                 tmp_path: Path) -> None:
    bad = synth_params.model_copy(update={"fonts": synth_params.fonts.model_copy(
        update={"values": ("LatinOnly",), "font_dirs": (latin_font_dir,)})})
    with pytest.raises(FontError, match="LatinOnly"):
        generate.run(bad, tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists(), "nothing may be written before the font check"
