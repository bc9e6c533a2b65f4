"""Prints a register (sổ đăng ký văn bản đến / đi) for a period as a bindable PDF; reads only.

The PDF is streamed page by page: rows are wrapped, placed and drawn as they are read, on
reportlab canvases that `binding.Binding` saves every hundred pages and joins with PyMuPDF, so
memory stays flat however large the register grows. Facts known only at the end (the
printing's page counts, the fingerprint) are drawn once and laid over the pages that show them.

A printing is: a cover; the body pages, numbered on from the year's earlier printings (see
`layout` for the rule); then the list of cancelled and void numbers of the period, numbered on
its own so it never shifts the body's numbering. The footer of every page names the agency,
the register and the period and carries the printing's page count and a SHA-256 fingerprint
over the canonical entries, so a reprint of the same entries is told apart from a changed one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clerk_app import errors
from clerk_app.clock import to_vietnam
from clerk_app.field_rules import DEFAULT_SERIES
from clerk_app.messages import void_text
from clerk_app.printing import layout as L
from clerk_app.printing.binding import Binding
from clerk_app.printing.entries import (
    NumberRange,
    Period,
    ProgressReporter,
    RegisterEntry,
    check_period,
    entries,
    number_range,
)
from clerk_app.printing.fonts import register_fonts
from clerk_app.records import AgencyInfo, Direction, RecordedVoid, RegisterInfo
from clerk_app.vocabulary import number_label
from clerk_app.workspace import Workspace

BOOK_TITLES = {"incoming": "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN", "outgoing": "SỔ ĐĂNG KÝ VĂN BẢN ĐI"}
VOIDS_TITLE = "DANH SÁCH SỐ ĐÃ HỦY VÀ SỐ BỎ TRỐNG"
FORM_FACTS = "printing_facts"
FORM_COVER = "cover_facts"


@dataclass(frozen=True)
class PrintedRegister:
    """What a printing produced, for the CLI, the dialog and the tests."""

    path: Path
    kind: Direction
    year: int
    series: str
    period: Period
    volume: int
    first_page: int  # body page numbers in the year's sequence
    last_page: int
    pdf_pages: int  # cover + body + list of cancelled and void numbers
    entries: int
    first_number: int
    last_number: int
    cancelled: tuple[int, ...]
    voids: tuple[int, ...]
    fingerprint: str

    @property
    def body_pages(self) -> int:
        return self.last_page - self.first_page + 1


def _dmy(day: Any) -> str:
    return f"{day:%d/%m/%Y}"


def canonical_entry(entry: RegisterEntry, cells: Sequence[str]) -> bytes:
    """The bytes the fingerprint covers for one entry: what the page shows, plus identity."""
    record = {
        "id": entry.summary.id,
        "number": entry.number,
        "status": entry.summary.status,
        "cells": list(cells),
    }
    return (
        json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
    ).encode()


def canonical_void(number: int, cells: Sequence[str]) -> bytes:
    """The fingerprint's bytes for a void line: the number and what the page says of it."""
    record = {"void": number, "cells": list(cells)}
    return (
        json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
    ).encode()


# The columns a void line fills: the number where the register's number is, why it is empty
# where the subject is (the rest stays blank, as on the clerk's paper register).
_NUMBER_TITLES = ("Số đến", "Số, ký hiệu văn bản")
_SUBJECT_TITLE = "Tên loại và trích yếu nội dung"


def _body_lines(
    ws: Workspace,
    register: RegisterInfo,
    after: int,
    through: int,
    columns: Sequence[L.Column],
    recorded: dict[int, RecordedVoid],
) -> Iterator[tuple[int, list[str], RegisterEntry | None]]:
    """The body's lines numbered `after < n <= through` in number order: each entry, and a void
    line (entry None) for each number without one, so the body has no silent gap."""
    label = _number_label(register.kind)
    last = after
    for entry in entries(ws, register, after, through):
        for number in range(last + 1, entry.number):
            why = _void_cell(recorded.get(number))
            texts = [
                label(number)
                if col.title in _NUMBER_TITLES
                else why
                if col.title == _SUBJECT_TITLE
                else ""
                for col in columns
            ]
            yield number, texts, None
        yield entry.number, [col.cell(entry) for col in columns], entry
        last = entry.number


class Sheets:
    """Draws table pages (title, repeated header, rows, footer) of one book into a `Binding`.

    `add_row` wraps a row, places it by the layout's rule and opens pages as needed; every page
    is labelled `label(index)` (0-based within these sheets) and gets the `overlay` facts.
    """

    def __init__(
        self,
        binding: Any,
        fonts: tuple[str, str],
        columns: tuple[L.Column, ...],
        wrapper: L.Wrapper,
        header_wrapper: L.Wrapper,
        title: str,
        title_right: str,
        footer_left: str,
        label: Callable[[int], str] = lambda i: f"Trang {i + 1}",
        overlay: str | None = FORM_FACTS,
    ) -> None:
        self.binding = binding
        self.regular, self.bold = fonts
        self.columns = columns
        self.wrapper = wrapper
        self.header = L.header_lines(columns, header_wrapper)
        self.header_wrapper = header_wrapper
        self.header_h = L.header_height(columns, header_wrapper)
        self.title = title
        self.title_right = title_right
        self.footer_left = footer_left
        self.label = label
        self.overlay = overlay
        self.paginator = L.Paginator(L.body_capacity(self.header_h))
        self.current = -1
        self.x: list[float] = []
        x = L.MARGIN_LEFT
        for col in columns:
            self.x.append(x)
            x += col.width
        self.right = x
        self.table_top = L.PAGE_HEIGHT - L.MARGIN_TOP - L.TITLE_HEIGHT
        self.rows_top = self.table_top - self.header_h
        self.page_open = False
        self.rows_bottom = self.rows_top
        self.text: Any = None
        self.rules: list[tuple[float, float, float, float]] = []

    @property
    def c(self) -> Any:
        return self.binding.canvas

    def add_row(self, texts: Sequence[str], break_before: bool = False) -> None:
        cells = L.wrap_cells(self.columns, texts, self.wrapper)
        for piece in self.paginator.place(max(len(x) for x in cells), break_before):
            if piece.page != self.current:
                if self.page_open:
                    self.end(self.label(self.current), self.overlay)
                self.begin()
                self.current = piece.page
            self.draw(cells, piece)

    def finish(self) -> int:
        """End the last page; returns the pages these sheets took."""
        if self.page_open:
            self.end(self.label(self.current), self.overlay)
        return self.paginator.pages

    def begin(self) -> None:
        c = self.c
        c.setPageSize((L.PAGE_WIDTH, L.PAGE_HEIGHT))
        c.setFont(self.bold, 10)
        c.drawString(L.MARGIN_LEFT, L.PAGE_HEIGHT - L.MARGIN_TOP - 11, self.title)
        c.setFont(self.regular, 9)
        c.drawRightString(self.right, L.PAGE_HEIGHT - L.MARGIN_TOP - 11, self.title_right)
        # Column titles, then the "(1) (2) …" row registers always carry.
        text = c.beginText()
        text.setFont(self.bold, L.HEADER_FONT_SIZE)
        titles_bottom = self.rows_top + L.NUMBERS_ROW
        for i, lines in enumerate(self.header):
            top = self.table_top - L.ROW_PAD / 2
            block = len(lines) * L.HEADER_LEADING
            room = self.table_top - titles_bottom - L.ROW_PAD
            top -= (room - block) / 2
            for k, line in enumerate(lines):
                w = self.header_wrapper.width(line)
                x = self.x[i] + (self.columns[i].width - w) / 2
                text.setTextOrigin(x, top - (k + 1) * L.HEADER_LEADING + 2.5)
                text.textOut(line)
        text.setFont(self.regular, 8)
        for i, col in enumerate(self.columns):
            label = f"({i + 1})"
            w = self.header_wrapper.width(label)
            text.setTextOrigin(self.x[i] + (col.width - w) / 2, self.rows_top + 3.5)
            text.textOut(label)
        c.drawText(text)
        self.rules = [
            (L.MARGIN_LEFT, self.table_top, self.right, self.table_top),
            (L.MARGIN_LEFT, titles_bottom, self.right, titles_bottom),
            (L.MARGIN_LEFT, self.rows_top, self.right, self.rows_top),
        ]
        self.text = c.beginText()
        self.text.setFont(self.regular, L.FONT_SIZE)
        self.rows_bottom = self.rows_top
        self.page_open = True

    def draw(self, cells: list[list[str]], piece: L.Slice) -> None:
        top = self.rows_top - piece.top
        text = self.text
        for i, lines in enumerate(cells):
            col = self.columns[i]
            for k, line in enumerate(lines[piece.first : piece.first + piece.count]):
                y = top - L.ROW_PAD / 2 - (k + 1) * L.LEADING + 2.5
                x = self.x[i] + L.CELL_PAD
                if col.whole:
                    self._draw_whole(line, x, y, col.width - 2 * L.CELL_PAD)
                    continue
                if col.centred:
                    x = self.x[i] + (col.width - self.wrapper.width(line)) / 2
                text.setTextOrigin(x, y)
                text.textOut(line)
        bottom = top - piece.height
        self.rules.append((L.MARGIN_LEFT, bottom, self.right, bottom))
        self.rows_bottom = bottom

    def _draw_whole(self, line: str, x: float, y: float, room: float) -> None:
        """One line kept whole: smaller, then condensed, when wider than its column."""
        size, scale = L.fit_whole(self.wrapper.width(line), room)
        text = self.text
        if (size, scale) != (L.FONT_SIZE, 100.0):
            text.setFont(self.regular, size)
            text.setHorizScale(scale)
        text.setTextOrigin(x, y)
        text.textOut(line)
        if (size, scale) != (L.FONT_SIZE, 100.0):
            text.setFont(self.regular, L.FONT_SIZE)
            text.setHorizScale(100.0)

    def end(self, page_label: str, overlay: str | None) -> None:
        c = self.c
        c.drawText(self.text)
        rules = self.rules
        for x in [*self.x, self.right]:
            rules.append((x, self.table_top, x, self.rows_bottom))
        c.setLineWidth(0.5)
        c.lines(rules)
        footer_top = L.MARGIN_BOTTOM + L.FOOTER_HEIGHT - 6
        c.setLineWidth(0.3)
        c.line(L.MARGIN_LEFT, footer_top, self.right, footer_top)
        c.setFont(self.regular, 8)
        c.drawString(L.MARGIN_LEFT, footer_top - 10, self.footer_left)
        c.setFont(self.bold, 9)
        c.drawRightString(self.right, footer_top - 10, page_label)
        self.binding.end_page(overlay)
        self.page_open = False


@dataclass
class _Tally:
    entries: int = 0
    last_number: int = 0
    cancelled: list[RegisterEntry] = field(default_factory=list)
    voids: list[int] = field(default_factory=list)
    # The voids the server recorded (a number ceded and passed over), with why; the others
    # are gaps nobody explained.
    recorded: dict[int, RecordedVoid] = field(default_factory=dict)


def print_register(
    ws: Workspace,
    kind: Direction,
    year: int,
    out: Path,
    *,
    date_from: Any = None,
    date_to: Any = None,
    volume: int = 1,
    series: str | None = None,
    progress: ProgressReporter | None = None,
) -> PrintedRegister:
    """Write the printing of `kind`'s register of `year` for the period to `out` (a PDF).

    The file appears only when complete (written beside `out`, then renamed); a cancelled or
    failed printing leaves nothing behind.
    """
    if volume < 1:
        raise errors.InvalidValue("volume", str(volume), "số quyển từ 1 trở lên")
    register = ws.register_for(kind, year, series)
    period = check_period(year, date_from, date_to, ws.now_in_vietnam().date())
    numbers = number_range(ws, register, period)
    if numbers.count == 0:
        raise errors.EmptyPeriod(kind, year, period.first.isoformat(), period.last.isoformat())
    fonts, wrapper, header_wrapper = text_metrics()
    regular, _ = fonts
    columns = L.COLUMNS[kind]
    capacity = L.body_capacity(L.header_height(columns, header_wrapper))
    total_work = numbers.through
    report: Callable[[int, str], None] = reporter(progress, total_work)
    report(0, "Đang chuẩn bị")

    pages_before = _pages_before(ws, register, numbers, columns, wrapper, capacity, report)

    agency = ws.agency()
    binding = Binding(
        out,
        title=f"{register.name} năm {year} ({_dmy(period.first)}–{_dmy(period.last)})",
        author=agency.name,
        font=regular,
    )
    try:
        label = _number_label(kind)
        draw_cover(
            binding,
            fonts,
            agency,
            BOOK_TITLES[kind],
            register.name if register.series != DEFAULT_SERIES else "",
            year,
            [
                f"Từ ngày {_dmy(period.first)} đến ngày {_dmy(period.last)}",
                f"Từ số {label(numbers.first_number)} đến số {label(numbers.through)}",
                f"Quyển số: {volume}",
            ],
            ws.now_in_vietnam(),
        )
        footer_left = (
            f"{agency.name} · {register.name} năm {year} · "
            f"từ {_dmy(period.first)} đến {_dmy(period.last)}"
        )
        title = f"{BOOK_TITLES[kind]} NĂM {year}" + (
            f" — {register.name}" if register.series != DEFAULT_SERIES else ""
        )
        sheets = Sheets(
            binding,
            fonts,
            columns,
            wrapper,
            header_wrapper,
            title,
            f"Quyển số {volume}",
            footer_left,
            label=lambda i: f"Trang {pages_before + i + 1}",
        )
        hasher = hashlib.sha256(
            json.dumps(
                {"kind": kind, "year": year, "series": register.series},
                ensure_ascii=False,
                sort_keys=True,
            ).encode()
            + b"\n"
        )
        tally = _Tally(
            last_number=numbers.before,
            recorded=ws.register_voids(register.id, numbers.before, numbers.through),
        )
        previous = numbers.before
        lines = _body_lines(ws, register, numbers.before, numbers.through, columns, tally.recorded)
        for number, texts, entry in lines:
            if entry is None:
                tally.voids.append(number)
                hasher.update(canonical_void(number, texts))
            else:
                tally.entries += 1
                if entry.cancelled:
                    tally.cancelled.append(entry)
                hasher.update(canonical_entry(entry, texts))
            tally.last_number = number
            sheets.add_row(texts, previous in numbers.month_ends)
            previous = number
            if entry is not None and tally.entries % 50 == 0:
                report(number, "Đang in")
        body_pages = sheets.finish()
        list_pages = _voids_list(
            binding, fonts, wrapper, header_wrapper, tally, footer_left, kind, period
        )
        fingerprint = hasher.hexdigest()
        first_page, last_page = pages_before + 1, pages_before + body_pages
        facts = (
            f"Lần in này: {body_pages} trang thân sổ (trang {first_page}–{last_page}) và "
            f"{list_pages} trang danh sách số hủy, {tally.entries} văn bản · "
            f"SHA-256 các mục: {fingerprint}"
        )
        cover_facts = [
            f"Gồm {body_pages} trang thân sổ, đánh số từ trang {first_page} đến trang "
            f"{last_page}, ghi {tally.entries} văn bản ({len(tally.cancelled)} đã hủy);",
            f"kèm {list_pages} trang danh sách số đã hủy và số bỏ trống.",
        ]
        report(total_work, "Đang lưu")  # the last moment a cancel still leaves nothing behind
        bind_book(binding, regular, facts, cover_facts, fingerprint)
    finally:
        binding.close()
    return PrintedRegister(
        path=Path(out),
        kind=kind,
        year=year,
        series=register.series,
        period=period,
        volume=volume,
        first_page=first_page,
        last_page=last_page,
        pdf_pages=1 + body_pages + list_pages,
        entries=tally.entries,
        first_number=numbers.first_number,
        last_number=numbers.through,
        cancelled=tuple(e.number for e in tally.cancelled),
        voids=tuple(tally.voids),
        fingerprint=fingerprint,
    )


def text_metrics() -> tuple[tuple[str, str], L.Wrapper, L.Wrapper]:
    """Tinos registered with reportlab, and wrappers on its metrics for cells and headers."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    regular, bold = register_fonts()
    wrapper = L.Wrapper(lambda s: stringWidth(s, regular, L.FONT_SIZE))
    header_wrapper = L.Wrapper(lambda s: stringWidth(s, bold, L.HEADER_FONT_SIZE))
    return (regular, bold), wrapper, header_wrapper


def reporter(progress: ProgressReporter | None, total: int) -> Callable[[int, str], None]:
    def report(done: int, label: str) -> None:
        if progress is None:
            return
        if progress.cancelled:
            raise errors.PrintCancelled(done)
        progress.report(done, total, label)

    return report


def _pages_before(
    ws: Workspace,
    register: RegisterInfo,
    numbers: NumberRange,
    columns: tuple[L.Column, ...],
    wrapper: L.Wrapper,
    capacity: float,
    report: Callable[[int, str], None],
) -> int:
    """Body pages the register's entries before this printing take (see `layout`)."""

    def rows() -> Iterator[tuple[int, bool]]:
        previous = 0
        recorded = ws.register_voids(register.id, 0, numbers.before)
        lines = _body_lines(ws, register, 0, numbers.before, columns, recorded)
        for i, (number, texts, _entry) in enumerate(lines, 1):
            cells = L.wrap_cells(columns, texts, wrapper)
            yield max(len(c) for c in cells), previous in numbers.month_ends
            previous = number
            if i % 500 == 0:
                report(number, "Đang tính số trang")

    return L.pages_taken(rows(), capacity)


def draw_cover(
    binding: Binding,
    fonts: tuple[str, str],
    agency: AgencyInfo,
    title: str,
    subtitle: str,
    year: int,
    lines: Sequence[str],
    printed_at: Any,
) -> None:
    """The cover page of a book (NĐ 30 register template); its late facts come as FORM_COVER."""
    c = binding.canvas
    regular, bold = fonts
    c.setPageSize((L.PAGE_WIDTH, L.PAGE_HEIGHT))
    mid = L.PAGE_WIDTH / 2
    left_mid = L.MARGIN_LEFT + 170
    y = L.PAGE_HEIGHT - 70
    if agency.parent_name:
        c.setFont(regular, 12)
        c.drawCentredString(left_mid, y, agency.parent_name.upper())
        y -= 16
    c.setFont(bold, 12)
    c.drawCentredString(left_mid, y, agency.name.upper())
    c.setLineWidth(0.6)
    c.line(left_mid - 40, y - 9, left_mid + 40, y - 9)
    c.setLineWidth(1.2)
    c.rect(
        L.MARGIN_LEFT,
        L.MARGIN_BOTTOM,
        L.PAGE_WIDTH - L.MARGIN_LEFT - L.MARGIN_RIGHT,
        L.PAGE_HEIGHT - L.MARGIN_TOP - L.MARGIN_BOTTOM,
    )
    c.setFont(bold, 30)
    c.drawCentredString(mid, 380, title)
    y = 350
    if subtitle:
        c.setFont(regular, 15)
        c.drawCentredString(mid, y, subtitle)
        y -= 24
    c.setFont(bold, 18)
    c.drawCentredString(mid, y - 6, f"Năm: {year}")
    c.setFont(regular, 15)
    y -= 40
    for line in lines:
        c.drawCentredString(mid, y, line)
        y -= 24
    c.setFont(regular, 9)
    c.drawRightString(
        L.PAGE_WIDTH - L.MARGIN_RIGHT - 12,
        L.MARGIN_BOTTOM + 12,
        f"In ngày {_dmy(printed_at)} từ dữ liệu đăng ký của bàn văn thư",
    )
    binding.end_page(FORM_COVER)


def _number_label(kind: str) -> Callable[[int], str]:
    return lambda n: number_label(kind, n)


def bind_book(
    binding: Binding, regular: str, facts: str, cover_facts: Sequence[str], fingerprint: str
) -> None:
    """Lay the late facts over every footer and the cover, and write the book's file."""
    binding.bind(
        {
            FORM_FACTS: lambda c: draw_facts(c, regular, facts),
            FORM_COVER: lambda c: draw_cover_facts(c, regular, cover_facts, fingerprint),
        },
        subject=f"SHA-256 {fingerprint}",
    )


def draw_cover_facts(c: Any, regular: str, lines: Sequence[str], fingerprint: str) -> None:
    c.setFont(regular, 11)
    mid = L.PAGE_WIDTH / 2
    y = 140.0
    for line in lines:
        c.drawCentredString(mid, y, line)
        y -= 16
    c.setFont(regular, 9)
    c.drawCentredString(mid, 100, f"Dấu vân tay SHA-256 của các mục đăng ký: {fingerprint}")


def draw_facts(c: Any, regular: str, facts: str) -> None:
    """The footer's last line: the printing's page count and fingerprint."""
    c.setFont(regular, 7)
    c.drawString(L.MARGIN_LEFT, L.MARGIN_BOTTOM + 1, facts)


VOID_COLUMNS = (
    L.Column("Số", 50, lambda e: e.summary.number_label, centred=True),
    L.Column("Ngày đăng ký", 60, lambda e: _dmy(e.filed_on), centred=True),
    L.Column("Số, ký hiệu", 90, lambda e: e.summary.reference, whole=True),
    L.Column("Tên loại và trích yếu nội dung", 300, L._type_and_subject),
    L.Column(
        "Ngày hủy",
        60,
        lambda e: _dmy(e.cancelled_at) if e.cancelled_at else "",
        centred=True,
    ),
    L.Column("Lý do hủy", 197, lambda e: e.cancel_reason),
)


def _void_cell(recorded: RecordedVoid | None) -> str:
    if recorded is None:
        return void_text(None)
    return void_text(recorded.reason, _dmy(to_vietnam(recorded.recorded_at).date()))


def _voids_list(
    binding: Binding,
    fonts: tuple[str, str],
    wrapper: L.Wrapper,
    header_wrapper: L.Wrapper,
    tally: _Tally,
    footer_left: str,
    kind: str,
    period: Period,
) -> int:
    """The cancelled and void numbers of the period on pages of their own; returns their count.

    The list is numbered on its own ("Danh sách số hủy — trang k") so it never shifts the
    body's page numbers; it has the body's header, footer and late facts.
    """
    sheets = Sheets(
        binding,
        fonts,
        VOID_COLUMNS,
        wrapper,
        header_wrapper,
        f"{VOIDS_TITLE} — {BOOK_TITLES[kind]}",
        f"Từ {_dmy(period.first)} đến {_dmy(period.last)}",
        footer_left,
        label=lambda i: f"Danh sách số hủy — trang {i + 1}",
    )
    label = _number_label(kind)
    rows: list[list[str]] = [[col.cell(e) for col in VOID_COLUMNS] for e in tally.cancelled]
    rows += [[label(n), "", "", "", "", _void_cell(tally.recorded.get(n))] for n in tally.voids]
    rows.sort(key=lambda r: int(r[0]))
    if not rows:
        rows = [["", "", "", "Không có số nào bị hủy hoặc bỏ trống trong kỳ.", "", ""]]
    for texts in rows:
        sheets.add_row(texts)
    return sheets.finish()
