"""Draws the look of a signature appearance as a one-page PDF the size of its box; no signing here.

pyHanko imports the page as the widget's appearance, so text keeps its embedded Tinos subset and
stays extractable, and an image keeps its transparency.
"""

from __future__ import annotations

import hashlib
import io
import math

import pymupdf
from PIL import Image

from clerk_app.stamping.fonts import font_for
from clerk_app.stamping.marks import MarkLayout

BLACK = (0.0, 0.0, 0.0)


def _page(width: float, height: float) -> tuple[pymupdf.Document, pymupdf.Page]:
    doc = pymupdf.open()
    return doc, doc.new_page(width=width, height=height)


def _text(
    page: pymupdf.Page,
    pieces: list[tuple[float, float, str]],
    size: float,
    style: str,
    colour: tuple[float, float, float],
) -> None:
    font_bytes = font_for("".join(text for _, _, text in pieces), style)
    name = "CDA" + hashlib.sha256(font_bytes).hexdigest()[:8]
    page.insert_font(fontname=name, fontbuffer=font_bytes)
    for x, baseline, text in pieces:
        page.insert_text((x, baseline), text, fontsize=size, fontname=name, color=colour)


def mark_appearance(layout: MarkLayout) -> bytes:
    """The number or date of a signed document, in its font size, on a transparent box."""
    doc, page = _page(layout.box.width, layout.box.height)
    _text(
        page,
        [(p.x, layout.baseline, p.text) for p in layout.pieces],
        layout.size,
        "italic" if layout.italic else "regular",
        BLACK,
    )
    return bytes(doc.tobytes(garbage=3, deflate=True))


def text_lines_width(lines: list[str], size: float) -> float:
    font = pymupdf.Font(fontbuffer=font_for("".join(lines)))
    return max(float(font.text_length(line, size)) for line in lines)


def text_box(lines: list[str], size: float) -> tuple[int, int]:
    """Width and height in whole points of a box for `lines` at `size`.

    Whole points because pyHanko writes a widget's appearance box in integers: a box of
    125.3 × 41.5 points would get a 125 × 41 appearance that viewers stretch back over the
    field, and 10 pt text would print at 10.07 pt.
    """
    width = text_lines_width(lines, size) + 2.0
    height = size * 1.25 * len(lines) + size * 0.4
    return math.ceil(width), math.ceil(height)


def text_appearance(lines: list[str], width: float, size: float = 10.0) -> bytes:
    """Right-aligned lines of upright black Tinos (the attachment signature of appendix I)."""
    height = text_box(lines, size)[1]
    doc, page = _page(width, height)
    font = pymupdf.Font(fontbuffer=font_for("".join(lines)))
    pieces = [
        (width - float(font.text_length(line, size)), size * (1.0 + 1.25 * i), line)
        for i, line in enumerate(lines)
    ]
    _text(page, pieces, size, "regular", BLACK)
    return bytes(doc.tobytes(garbage=3, deflate=True))


def image_appearance(png: bytes, width: float, height: float) -> bytes:
    """A transparent PNG (seal or handwritten signature) filling the box."""
    doc, page = _page(width, height)
    page.insert_image(page.rect, stream=png, keep_proportion=True)
    return bytes(doc.tobytes(garbage=3, deflate=True))


def image_size_mm(png: bytes, default_width_mm: float) -> tuple[float, float]:
    """The image's real size from its DPI, or `default_width_mm` wide when it has none."""
    with Image.open(io.BytesIO(png)) as img:
        dpi = img.info.get("dpi")
        w, h = img.size
    if dpi and dpi[0] and float(dpi[0]) > 72.5:
        return w / float(dpi[0]) * 25.4, h / float(dpi[1] or dpi[0]) * 25.4
    return default_width_mm, default_width_mm * h / w
