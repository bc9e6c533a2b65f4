"""Reads an electronic file like a scan: a PDF's own text layer first, OCR only where it has none.

The file is checked by the core's intake first, so a broken file gives the same Vietnamese
message as the command line (a cut-off PDF says it is cut off, never an IndexError). The
text layer's words become the same word boxes OCR would give, so the same field reader and
confidence tints apply.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from pathlib import Path

from clerk_app import errors
from clerk_app.files import intake
from clerk_app.files.mupdf import exclusive
from clerk_app.reading.extraction import Extraction, extract
from clerk_app.reading.ocr import OcrPage, Word
from clerk_app.reading.reader import HEADER_FRACTION, page_images, read_header

TEXT_DPI = 300  # the word boxes are given in pixels of a page at this resolution
MIN_WORDS = 12  # fewer words than this on page 1: a scan with a stray mark, read it by OCR
TEXT_CONFIDENCE = 96.0  # words a PDF carries are what it says, not a guess
# Some writers map the hyphen glyph to a soft hyphen; on a page it is always a hyphen.
_GLYPHS = str.maketrans({"\u00ad": "-", "\u2010": "-", "\u2011": "-"})


def read_electronic(path: Path, *, known_issuers: Iterable[str] = ()) -> Extraction:
    """The registration fields from page 1 of a PDF or image file."""
    prepared = intake.prepare(path)
    if prepared.media_type == intake.PDF:
        page = text_layer_page(prepared.data)
        if page is not None:
            return extract(
                page,
                known_issuers=known_issuers,
                region_bottom=int(page.height * HEADER_FRACTION),
            )
    pages = page_images(path, first_only=True)
    if not pages:
        raise errors.FileEmpty(str(path))
    return read_header(pages[0].image, pages[0].dpi, known_issuers=known_issuers)


@exclusive
def text_layer_page(data: bytes) -> OcrPage | None:
    """Page 1's text layer as OCR-like words in its header region; None when it has none."""
    import pymupdf

    with pymupdf.open(stream=data, filetype="pdf") as doc:
        if doc.page_count < 1:
            return None
        page = doc.load_page(0)
        scale = TEXT_DPI / 72
        width = round(page.rect.width * scale)
        height = round(page.rect.height * scale)
        bottom = page.rect.height * HEADER_FRACTION
        words: list[Word] = []
        for x0, y0, x1, y1, text, block, line, _n in page.get_text("words"):
            cleaned = unicodedata.normalize("NFC", str(text).translate(_GLYPHS)).strip()
            if not cleaned or y0 >= bottom:
                continue
            words.append(
                Word(
                    cleaned,
                    TEXT_CONFIDENCE,
                    round(x0 * scale),
                    round(y0 * scale),
                    max(round((x1 - x0) * scale), 1),
                    max(round((y1 - y0) * scale), 1),
                    int(block),
                    0,
                    int(line),
                )
            )
    if len(words) < MIN_WORDS:
        return None
    text = " ".join(w.text for w in words)
    return OcrPage(width, height, TEXT_DPI, tuple(words), text)
