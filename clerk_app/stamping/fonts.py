"""Tinos (Times New Roman metrics) cut down to the glyphs a mark needs; never falls back silently.

A stamp that embedded the whole 0.5 MB font would grow every scan by far more than the stamp is
worth, so the font is first stripped of hinting and non-Vietnamese glyphs (once per process) and
then cut to exactly the characters of the mark being drawn.
"""

from __future__ import annotations

import io
import string
import unicodedata
from functools import lru_cache
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

from clerk_app import errors

RESOURCE_FONTS = Path(__file__).resolve().parents[2] / "resources" / "fonts"
SYSTEM_FONTS = (Path("/usr/share/fonts/truetype/croscore"), Path("C:/Windows/Fonts"))
FONT_FILES = {
    "regular": "Tinos-Regular.ttf",
    "bold": "Tinos-Bold.ttf",
    "italic": "Tinos-Italic.ttf",
}

_VIETNAMESE = (
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵfjwz"
)
REPERTOIRE = "".join(
    sorted(set(_VIETNAMESE + _VIETNAMESE.upper() + string.printable.strip() + " …–—«»“”‘’°"))
)


def font_path(style: str = "regular") -> Path:
    """The Tinos file: the copy shipped in resources/fonts first, then the system's."""
    name = FONT_FILES[style]
    candidates = (RESOURCE_FONTS / name, *(folder / name for folder in SYSTEM_FONTS))
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise errors.FontMissing(name, tuple(str(c) for c in candidates))


def _options() -> subset.Options:
    opts = subset.Options()
    opts.hinting = False
    opts.notdef_outline = True
    opts.layout_features = []
    opts.name_IDs = [1, 2]  # family and style: enough for readers to name the font
    opts.drop_tables += ["DSIG", "GDEF", "GPOS", "GSUB", "kern", "hdmx", "VDMX", "LTSH", "gasp"]
    return opts


def _cut(font_bytes: bytes, text: str) -> bytes:
    font = TTFont(io.BytesIO(font_bytes))
    subsetter = subset.Subsetter(_options())
    subsetter.populate(text=text)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@lru_cache(maxsize=3)
def vietnamese_font(style: str = "regular") -> bytes:
    """Tinos limited to Vietnamese and ASCII, without hinting (~15 KB instead of ~540 KB)."""
    return _cut(font_path(style).read_bytes(), REPERTOIRE)


def font_for(text: str, style: str = "regular") -> bytes:
    """A Tinos subset holding exactly the glyphs of `text` (a few KB), for embedding in a PDF."""
    characters = "".join(sorted(set(unicodedata.normalize("NFC", text) + " ")))
    return _subset_of(characters, style)


@lru_cache(maxsize=256)
def _subset_of(characters: str, style: str) -> bytes:
    # A desk stamps the same agency name and labels all day: the character sets repeat.
    return _cut(vietnamese_font(style), characters)
