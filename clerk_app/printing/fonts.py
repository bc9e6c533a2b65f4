"""Finds the bundled Tinos font and registers it with reportlab; it never falls back silently.

Tinos is metric-compatible with Times New Roman and covers every Vietnamese letter. The copy in
`resources/fonts/` (shipped with the app) wins over the system's (Debian's fonts-croscore), so a
frozen Windows build and a Debian machine lay out the same text identically.
"""

from __future__ import annotations

from pathlib import Path

from clerk_app import errors

RESOURCE_FONTS = Path(__file__).resolve().parents[2] / "resources" / "fonts"
SYSTEM_FONTS = Path("/usr/share/fonts/truetype/croscore")
FONT_FILES = {"regular": "Tinos-Regular.ttf", "bold": "Tinos-Bold.ttf"}
REPORTLAB_NAMES = {"regular": "ClerkTinos", "bold": "ClerkTinos-Bold"}


def font_path(style: str = "regular") -> Path:
    """The Tinos file for `style` ("regular" or "bold"): resources/fonts first, then the system."""
    name = FONT_FILES[style]
    candidates = (RESOURCE_FONTS / name, SYSTEM_FONTS / name)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise errors.FontMissing(name, tuple(str(c) for c in candidates))


def register_fonts() -> tuple[str, str]:
    """Register regular and bold Tinos with reportlab once; returns their reportlab names."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    registered = set(pdfmetrics.getRegisteredFontNames())
    for style, name in REPORTLAB_NAMES.items():
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(font_path(style))))
    return REPORTLAB_NAMES["regular"], REPORTLAB_NAMES["bold"]
