"""Number and date on outgoing PDFs: finds the `Số:` and `…, ngày … tháng … năm …` lines and fills them.

An unsigned draft gets them in its page content (the old line is redacted and rewritten, so text
extraction shows one clean line). A signed PDF must not change: for it this module only lays out
where the marks go (`signed_mark_layout`); clerk_app.signing adds each as a signature appearance.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import pymupdf

from clerk_app import errors
from clerk_app.files.mupdf import exclusive
from clerk_app.stamping.arrival import Box
from clerk_app.stamping.fonts import font_for, vietnamese_font
from clerk_app.stamping.pdf import (
    REDACT_IMAGE_NONE,
    REDACT_LINE_ART_NONE,
    open_pdf,
    signature_count,
)

DOCUMENT_FONT_SIZE = 13.0  # NĐ 30 appendix I: số, ký hiệu and the date line in 13 pt
_TOP_FRACTION = 0.4  # both lines belong to the header of page 1
_BLANKS = "._…-– "
_NUMBER_LINE = re.compile(r"^Số\s*:")
_DATE_LINE = re.compile(r"^(?P<place>[^,]*),\s*ngày\b.*\btháng\b.*\bnăm\b", re.IGNORECASE)


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True)
class TextLine:
    """One printed line of page 1: its words, font size, baseline and whether it is italic."""

    words: tuple[Word, ...]
    size: float
    baseline: float
    italic: bool

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def box(self) -> Box:
        return Box(
            min(w.x0 for w in self.words),
            min(w.y0 for w in self.words),
            max(w.x1 for w in self.words),
            max(w.y1 for w in self.words),
        )


@dataclass(frozen=True)
class Piece:
    """A run of text inside a mark, at `x` from the mark's left edge, on the mark's baseline."""

    x: float
    text: str


@dataclass(frozen=True)
class MarkLayout:
    """Where a number or date goes on a signed PDF, and what it says."""

    kind: str  # "number" | "date"
    page: int  # 0-based
    box: Box
    baseline: float  # from the box's top
    size: float
    italic: bool
    pieces: tuple[Piece, ...] = field(default_factory=tuple)


def date_words(issued_on: date) -> tuple[str, str, str]:
    """Day, month and year as NĐ 30 writes them: day < 10 and months 1, 2 with a leading zero."""
    month = f"{issued_on.month:02d}" if issued_on.month <= 2 else str(issued_on.month)
    return f"{issued_on.day:02d}", month, str(issued_on.year)


def date_line(place: str, issued_on: date) -> str:
    day, month, year = date_words(issued_on)
    return f"{place}, ngày {day} tháng {month} năm {year}"


# --- reading the page ----------------------------------------------------------------------


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def page_lines(page: pymupdf.Page) -> list[TextLine]:
    """The lines of text in the top part of the page, words in reading order."""
    limit = page.rect.height * _TOP_FRACTION
    spans = [
        span
        for block in page.get_text("dict")["blocks"]
        for line in block.get("lines", [])
        for span in line["spans"]
        if span["bbox"][1] < limit and span["text"].strip()
    ]
    grouped: dict[tuple[int, int], list[Word]] = {}
    for x0, y0, x1, y1, text, block_no, line_no, _ in page.get_text("words"):
        if y0 < limit:
            grouped.setdefault((block_no, line_no), []).append(Word(_nfc(text), x0, y0, x1, y1))
    lines: list[TextLine] = []
    for words in grouped.values():
        first = words[0]
        span = next(
            (
                s
                for s in spans
                if s["bbox"][0] - 1 <= first.x0 <= s["bbox"][2] + 1
                and s["bbox"][1] - 1 <= (first.y0 + first.y1) / 2 <= s["bbox"][3] + 1
            ),
            None,
        )
        size = float(span["size"]) if span else (first.y1 - first.y0) / 1.15
        baseline = float(span["origin"][1]) if span else first.y1 - size * 0.22
        italic = bool(span and span["flags"] & 2)
        lines.append(TextLine(tuple(sorted(words, key=lambda w: w.x0)), size, baseline, italic))
    return lines


def find_number_line(lines: list[TextLine]) -> TextLine:
    for line in lines:
        if _NUMBER_LINE.match(line.text):
            return line
    raise errors.MarkLineNotFound("number")


def find_date_line(lines: list[TextLine]) -> TextLine:
    for line in lines:
        if _DATE_LINE.match(line.text):
            return line
    raise errors.MarkLineNotFound("date")


# --- unsigned drafts: rewrite the lines ----------------------------------------------------


@exclusive
def write_number_and_date(data: bytes, reference: str, issued_on: date, *, name: str = "") -> bytes:
    """A new PDF whose page 1 reads `Số: <reference>` and `<place>, ngày … tháng … năm …`.

    Refuses a signed PDF (DocumentAlreadySigned): use clerk_app.signing's number marks for it.
    """
    reference = _nfc(reference).strip()
    with open_pdf(data, name) as doc:
        signed = signature_count(doc)
        if signed:
            raise errors.DocumentAlreadySigned(signed)
        page = doc[0]
        lines = page_lines(page)
        number = find_number_line(lines)
        dated = find_date_line(lines)
        place = _DATE_LINE.match(dated.text)
        assert place is not None  # find_date_line matched it
        new_number = f"Số: {reference}"
        new_date = date_line(place.group("place").strip(), issued_on)
        for line in (number, dated):
            b = line.box
            page.add_redact_annot(pymupdf.Rect(b.x0 - 0.5, b.y0, b.x1 + 0.5, b.y1))
        # Only the old words go: scanned images and ruling lines under them stay as they were.
        page.apply_redactions(images=REDACT_IMAGE_NONE, graphics=REDACT_LINE_ART_NONE)
        _write_line(page, number, new_number, align="left")
        _write_line(page, dated, new_date, align="centre")
        out = doc.tobytes(garbage=1, deflate=True)
    return bytes(out)


def _write_line(page: pymupdf.Page, line: TextLine, text: str, align: str) -> None:
    style = "italic" if line.italic else "regular"
    font_bytes = font_for(text, style)
    font = pymupdf.Font(fontbuffer=font_bytes)
    font_name = "CDM" + hashlib.sha256(font_bytes).hexdigest()[:8]
    page.insert_font(fontname=font_name, fontbuffer=font_bytes)
    size = round(line.size * 2) / 2 or DOCUMENT_FONT_SIZE
    width = font.text_length(text, size)
    box = line.box
    x = box.x0 if align == "left" else (box.x0 + box.x1 - width) / 2
    page.insert_text((x, line.baseline), text, fontsize=size, fontname=font_name)


# --- signed PDFs: where the appearances go -------------------------------------------------


def signed_mark_layout(
    data: bytes, reference: str, issued_on: date, *, name: str = ""
) -> list[MarkLayout]:
    """Boxes for the number and the date in the blanks a signed draft leaves for them.

    The leader signs `Số:   /QĐ-UBND` and `Phú Yên, ngày   tháng   năm 2026`; the number goes in
    the blank before the symbol, day and month in their blanks, the year only if it is missing.
    """
    reference = _nfc(reference).strip()
    with open_pdf(data, name) as doc:
        page = doc[0]
        lines = page_lines(page)
        number = find_number_line(lines)
        dated = find_date_line(lines)
    return [_number_layout(number, reference), _date_layout(dated, issued_on)]


# Hyphens as fonts and typists give them (soft hyphen, non-breaking, dashes, minus sign).
_HYPHENS = str.maketrans(dict.fromkeys("\u00ad\u2010\u2011\u2012\u2013\u2014\u2212", "-"))


def _symbol_key(text: str) -> str:
    """A symbol compared as the reader sees it: NFC, any hyphen look-alike, no spaces."""
    return "".join(_nfc(text).translate(_HYPHENS).split()).upper()


@lru_cache(maxsize=2)
def _measure_font(style: str) -> pymupdf.Font:
    return pymupdf.Font(fontbuffer=vietnamese_font(style))


def _text_width(text: str, size: float, italic: bool) -> float:
    return float(_measure_font("italic" if italic else "regular").text_length(text, size))


def _number_layout(line: TextLine, reference: str) -> MarkLayout:
    label = line.words[0]
    after = [w for w in line.words[1:] if w.text.strip(_BLANKS)]
    size = line.size
    if not label.text.endswith(":"):  # "Số" and ":" printed apart
        label = next((w for w in line.words if w.text.endswith(":")), label)
    if after and after[0].text.startswith("/"):
        # The symbol is printed: only the number goes in the blank before it, and only when
        # the printed symbol is the register's, or the file would read a reference the
        # register never issued.
        text, _, symbol = reference.partition("/")
        if _symbol_key(after[0].text) != _symbol_key(f"/{symbol}"):
            raise errors.SymbolMismatch(after[0].text.translate(_HYPHENS), reference)
        left, right = label.x1 + 1.0, after[0].x0 - 0.5
    else:
        text = reference
        left = label.x1 + 3.0
        right = left + _text_width(text, size, False) + 6.0
    if right - left < _text_width(text, size, False):
        raise errors.MarkLineNotFound("number")
    width = right - left
    top, bottom = line.baseline - size, line.baseline + size * 0.3
    x = (width - _text_width(text, size, False)) / 2 if after else 0.0
    return MarkLayout(
        "number",
        0,
        Box(left, top, right, bottom),
        line.baseline - top,
        size,
        False,
        (Piece(x, text),),
    )


def _date_layout(line: TextLine, issued_on: date) -> MarkLayout:
    day, month, year = date_words(issued_on)
    words = line.words
    size, italic = line.size, line.italic

    def index_of(word: str) -> int:
        return next(i for i, w in enumerate(words) if w.text.lower().startswith(word))

    i_day, i_month, i_year = index_of("ngày"), index_of("tháng"), index_of("năm")
    left = words[i_day].x1 + 0.5
    year_given = any(w.text.strip(_BLANKS).isdigit() for w in words[i_year + 1 :])
    right = words[i_year].x0 - 0.5
    if not year_given:
        right = words[i_year].x1 + 4.0 + _text_width(year, size, italic) + 2.0
    pieces = []
    gaps = [(words[i_day].x1, words[i_month].x0, day), (words[i_month].x1, words[i_year].x0, month)]
    for gap_left, gap_right, text in gaps:
        if gap_right - gap_left < _text_width(text, size, italic) + 2:
            raise errors.MarkLineNotFound("date")
        centre = (gap_left + gap_right) / 2 - left
        pieces.append(Piece(centre - _text_width(text, size, italic) / 2, text))
    if not year_given:
        pieces.append(Piece(words[i_year].x1 + 4.0 - left, year))
    top, bottom = line.baseline - size, line.baseline + size * 0.3
    return MarkLayout(
        "date",
        0,
        Box(left, top, right, bottom),
        line.baseline - top,
        size,
        italic,
        tuple(pieces),
    )
