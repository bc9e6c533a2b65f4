"""The printed register's columns, line wrapping and pagination; pure arithmetic, no drawing, no I/O.

Continuous page numbers without stored state
--------------------------------------------
Page numbers run through a register's year from 1, so the monthly (or quarterly) printings
bind into one volume. A printing's first page number is derived, never stored: it is one more
than the number of pages the entries before the printing take under this layout. The layout is
deterministic, so the same entries always give the same pages:

* every row is `max(MIN_LINES, most wrapped lines in any cell) * LEADING + ROW_PAD` points
  high; wrapping is greedy on word widths from the font's own metrics (no platform fonts);
* a new page starts after the last number of each calendar month (the highest number filed
  by the month's end) and at the start of every printing; a printing that starts mid-month
  counts the month's earlier entries as if printed from the month's start;
* a row taller than a whole page (a 2,000-character subject) is split line by line across
  pages, never cut; a row that fits a page but not the rest of this one moves to the next.

So monthly printings, a quarterly one and the yearly one give the same page for an entry.
The handover log follows the same rule with its lines in the order they were handed over: a
new page at each new month, its first page number from the year's earlier lines.
A correction that changes how many lines an earlier entry wraps to can move later pages; the
fingerprint in every footer shows such a change (a reprint of unchanged entries keeps it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from clerk_app.printing.entries import RegisterEntry

PAGE_WIDTH, PAGE_HEIGHT = 841.89, 595.28  # A4 landscape, points
MARGIN_LEFT = 56.7  # 2 cm for the binding
MARGIN_RIGHT = 28.35
MARGIN_TOP = 28.35
MARGIN_BOTTOM = 28.35
TITLE_HEIGHT = 20.0  # the running title above the table
FOOTER_HEIGHT = 26.0

FONT_SIZE = 9.0
LEADING = 11.0
HEADER_FONT_SIZE = 8.5
HEADER_LEADING = 10.0
CELL_PAD = 3.0  # left and right inside a cell
ROW_PAD = 6.0  # above plus below the lines of a row
MIN_LINES = 2  # room for a ký nhận signature even in a one-line row
NUMBERS_ROW = 12.0  # the "(1) (2) …" row under the column titles


@dataclass(frozen=True)
class Column:
    """A printed column; `cell` reads the row type of its book (a register entry, a handover line).

    A `whole` cell is never wrapped: it is one line, set smaller (and then narrower) when it is
    wider than the column. References (`1395/HD-BKHCN`) are such cells: split over two lines
    («1395/HD-» / «BKHCN») they read as two different things.
    """

    title: str
    width: float
    cell: Callable[[Any], str]
    centred: bool = False
    whole: bool = False


SMALLEST_WHOLE_SIZE = 7.0  # below this a whole cell is condensed rather than made smaller


def fit_whole(text_width: float, room: float) -> tuple[float, float]:
    """Font size and horizontal scale (percent) that put a line `text_width` points wide at
    FONT_SIZE into `room` points: the size first, down to SMALLEST_WHOLE_SIZE, then the scale."""
    if text_width <= room:
        return FONT_SIZE, 100.0
    size = max(SMALLEST_WHOLE_SIZE, FONT_SIZE * room / text_width)
    width = text_width * size / FONT_SIZE
    return size, min(100.0, 100.0 * room / width)


def _dmy(day: object) -> str:
    from datetime import date, datetime

    from clerk_app.clock import to_vietnam

    if isinstance(day, datetime):
        return f"{to_vietnam(day):%d/%m/%Y}"
    if isinstance(day, date):
        return f"{day:%d/%m/%Y}"
    return ""


def type_and_subject(doc_type: str, subject: str) -> str:
    """«Tên loại và trích yếu nội dung» as every printed book writes it: `Công văn: Về việc …`."""
    return f"{doc_type}: {subject}" if doc_type else subject


def _type_and_subject(e: RegisterEntry) -> str:
    return type_and_subject(e.summary.doc_type, e.summary.subject)


def _notes(e: RegisterEntry) -> str:
    parts = []
    if e.cancelled:
        parts.append("ĐÃ HỦY")
    if e.summary.urgency and e.summary.urgency != "Thường":
        parts.append(e.summary.urgency)
    if e.summary.notes:
        parts.append(e.summary.notes)
    return "; ".join(parts)


INCOMING_COLUMNS = (
    Column("Ngày đến", 50, lambda e: _dmy(e.filed_on), centred=True),
    Column("Số đến", 38, lambda e: e.summary.number_label, centred=True),
    Column("Tác giả", 100, lambda e: e.summary.issuer),
    Column("Số, ký hiệu", 72, lambda e: e.summary.reference, whole=True),
    Column("Ngày tháng", 50, lambda e: _dmy(e.summary.issued_on), centred=True),
    Column("Tên loại và trích yếu nội dung", 205, _type_and_subject),
    Column("Đơn vị hoặc người nhận", 85, lambda e: e.summary.recipients),
    Column("Ngày chuyển", 50, lambda e: _dmy(e.summary.handed_over_at), centred=True),
    Column("Ký nhận", 60, lambda e: ""),
    Column("Ghi chú", 47, _notes),
)

OUTGOING_COLUMNS = (
    Column("Số, ký hiệu văn bản", 80, lambda e: e.summary.reference, whole=True),
    Column("Ngày tháng văn bản", 50, lambda e: _dmy(e.summary.issued_on), centred=True),
    Column("Tên loại và trích yếu nội dung", 190, _type_and_subject),
    Column("Người ký", 80, lambda e: e.summary.signer),
    Column("Nơi nhận văn bản", 100, lambda e: e.summary.recipients),
    Column("Đơn vị, người nhận bản lưu", 80, lambda e: e.file_copy_holder),
    Column("Số lượng bản", 36, lambda e: "" if e.copies is None else str(e.copies), centred=True),
    Column("Ngày chuyển", 50, lambda e: _dmy(e.summary.handed_over_at), centred=True),
    Column("Ký nhận", 50, lambda e: ""),
    Column("Ghi chú", 41, _notes),
)

COLUMNS = {"incoming": INCOMING_COLUMNS, "outgoing": OUTGOING_COLUMNS}


class Wrapper:
    """Greedy word wrapping on a font's metrics; words wider than a cell break between letters."""

    def __init__(self, width_of: Callable[[str], float]) -> None:
        self._width_of = width_of
        self._cache: dict[str, float] = {}
        self.space = width_of(" ")

    def width(self, word: str) -> float:
        w = self._cache.get(word)
        if w is None:
            if len(self._cache) > 20_000:  # words repeat, references do not: bound the memory
                self._cache.clear()
            w = self._cache[word] = self._width_of(word)
        return w

    def wrap(self, text: str, width: float) -> list[str]:
        if not text:
            return []
        lines: list[str] = []
        line = ""
        line_w = 0.0
        for word in text.split(" "):
            if not word:
                continue
            w = self.width(word)
            if w > width:
                if line:
                    lines.append(line)
                pieces = self._break_word(word, width)
                lines.extend(pieces[:-1])
                line = pieces[-1]
                line_w = self.width(line)
                continue
            if not line:
                line, line_w = word, w
            elif line_w + self.space + w <= width:
                line += " " + word
                line_w += self.space + w
            else:
                lines.append(line)
                line, line_w = word, w
        if line:
            lines.append(line)
        return lines

    def _break_word(self, word: str, width: float) -> list[str]:
        """Pieces of a too-wide word; a reference breaks after its `/` or `-` when it can."""
        pieces: list[str] = []
        piece = ""
        for ch in word:
            if piece and self._width_of(piece + ch) > width:
                cut = max(piece.rfind("/"), piece.rfind("-")) + 1
                if 0 < cut < len(piece):
                    pieces.append(piece[:cut])
                    piece = piece[cut:] + ch
                else:
                    pieces.append(piece)
                    piece = ch
            else:
                piece += ch
        pieces.append(piece)
        return pieces


def wrap_cells(
    columns: tuple[Column, ...], texts: Sequence[str], wrapper: Wrapper
) -> list[list[str]]:
    """Each cell's text wrapped to its column; a `whole` cell stays one line."""
    return [
        ([t] if t else []) if col.whole else wrapper.wrap(t, col.width - 2 * CELL_PAD)
        for t, col in zip(texts, columns, strict=True)
    ]


def header_lines(columns: tuple[Column, ...], wrapper: Wrapper) -> list[list[str]]:
    return [wrapper.wrap(col.title, col.width - 2 * CELL_PAD) for col in columns]


def header_height(columns: tuple[Column, ...], header_wrapper: Wrapper) -> float:
    most = max(len(lines) for lines in header_lines(columns, header_wrapper))
    return most * HEADER_LEADING + ROW_PAD + NUMBERS_ROW


def body_capacity(header_h: float) -> float:
    """Points available for rows on a body page."""
    return PAGE_HEIGHT - MARGIN_TOP - TITLE_HEIGHT - header_h - FOOTER_HEIGHT - MARGIN_BOTTOM


@dataclass(frozen=True)
class Slice:
    """Part of a row on one page: lines `first`..`first+count-1`, drawn `top` points below the
    table's first row on page `page` (0-based within the layout)."""

    page: int
    top: float
    first: int
    count: int

    @property
    def height(self) -> float:
        return self.count * LEADING + ROW_PAD


class Paginator:
    """Places rows on pages by the rule in this module's docstring."""

    def __init__(self, capacity: float) -> None:
        self.capacity = capacity
        self.pages = 0  # pages started so far
        self.used = capacity  # nothing fits on "page 0" until one is started

    def new_page(self) -> None:
        self.pages += 1
        self.used = 0.0

    def place(self, lines: int, break_before: bool = False) -> Iterator[Slice]:
        lines = max(lines, MIN_LINES)
        if break_before and self.pages and self.used > 0:
            self.new_page()
        cost = lines * LEADING + ROW_PAD
        too_tall = cost > self.capacity
        if self.used + cost > self.capacity and (not too_tall or self._lines_left() < MIN_LINES):
            self.new_page()
        first = 0
        while first < lines:
            take = min(lines - first, self._lines_left())
            if take < min(MIN_LINES, lines - first):
                self.new_page()
                continue
            piece = Slice(self.pages - 1, self.used, first, take)
            self.used += piece.height
            first += take
            yield piece

    def _lines_left(self) -> int:
        return max(0, int((self.capacity - self.used - ROW_PAD) // LEADING))


def pages_taken(rows: Iterable[tuple[int, bool]], capacity: float) -> int:
    """Pages that rows of (wrapped line count, break before it) take; the rule above, no drawing.

    This is how a printing finds its first page number: it lays out the year's earlier rows of
    its book, which the same rule placed on the earlier printings' pages.
    """
    paginator = Paginator(capacity)
    for lines, break_before in rows:
        for _ in paginator.place(lines, break_before):
            pass
    return paginator.pages
