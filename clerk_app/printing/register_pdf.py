"""Prints a register (sổ đăng ký văn bản đến / đi) for a period as a bindable PDF; reads only.

The PDF is streamed page by page with reportlab's canvas: rows are wrapped, placed and drawn
as they are read, so memory stays flat however large the register grows. Facts known only at
the end (the printing's page count, the fingerprint) are drawn through form XObjects that every
page refers to and that are defined once before saving.

A printing is: a cover; the body pages, numbered on from the year's earlier printings (see
`layout` for the rule); then the list of cancelled and void numbers of the period, numbered on
its own so it never shifts the body's numbering. The footer of every page names the agency,
the register and the period and carries the printing's page count and a SHA-256 fingerprint
over the canonical entries, so a reprint of the same entries is told apart from a changed one.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clerk_app import errors
from clerk_app.printing import layout as L
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
from clerk_app.records import AgencyInfo, Direction, RegisterInfo
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


class Sheets:
    """Draws table pages (title, repeated header, rows, footer) on one reportlab canvas."""

    def __init__(
        self,
        canvas: Any,
        fonts: tuple[str, str],
        columns: tuple[L.Column, ...],
        wrapper: L.Wrapper,
        header_wrapper: L.Wrapper,
        title: str,
        title_right: str,
        footer_left: str,
    ) -> None:
        self.c = canvas
        self.regular, self.bold = fonts
        self.columns = columns
        self.wrapper = wrapper
        self.header = L.header_lines(columns, header_wrapper)
        self.header_wrapper = header_wrapper
        self.header_h = L.header_height(columns, header_wrapper)
        self.title = title
        self.title_right = title_right
        self.footer_left = footer_left
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
                if col.centred:
                    x = self.x[i] + (col.width - self.wrapper.width(line)) / 2
                text.setTextOrigin(x, y)
                text.textOut(line)
        bottom = top - piece.height
        self.rules.append((L.MARGIN_LEFT, bottom, self.right, bottom))
        self.rows_bottom = bottom

    def end(self, page_label: str, facts_form: str | None) -> None:
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
        if facts_form:
            c.doForm(facts_form)
        c.showPage()
        self.page_open = False


@dataclass
class _Tally:
    entries: int = 0
    last_number: int = 0
    cancelled: list[RegisterEntry] = field(default_factory=list)
    voids: list[int] = field(default_factory=list)


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
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen.canvas import Canvas

    if volume < 1:
        raise errors.InvalidValue("volume", str(volume), "số quyển từ 1 trở lên")
    register = ws.register_for(kind, year, series)
    period = check_period(year, date_from, date_to, ws.now_in_vietnam().date())
    numbers = number_range(ws, register, period)
    if numbers.count == 0:
        raise errors.EmptyPeriod(kind, year, period.first.isoformat(), period.last.isoformat())
    fonts = register_fonts()
    regular, bold = fonts
    wrapper = L.Wrapper(lambda s: stringWidth(s, regular, L.FONT_SIZE))
    header_wrapper = L.Wrapper(lambda s: stringWidth(s, bold, L.HEADER_FONT_SIZE))
    columns = L.COLUMNS[kind]
    capacity = L.body_capacity(L.header_height(columns, header_wrapper))
    total_work = numbers.through
    report: Callable[[int, str], None] = reporter(progress, total_work)
    report(0, "Đang chuẩn bị")

    pages_before = _pages_before(ws, register, numbers, columns, wrapper, capacity, report)

    agency = ws.agency()
    out = Path(out)
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
    register_name = register.name
    canvas = Canvas(str(partial), pagesize=(L.PAGE_WIDTH, L.PAGE_HEIGHT), invariant=1)
    canvas.setTitle(f"{register.name} năm {year} ({_dmy(period.first)}–{_dmy(period.last)})")
    canvas.setAuthor(agency.name)
    canvas.setCreator("Bàn làm việc văn thư (clerk-desk)")
    try:
        _cover(canvas, fonts, agency, register, period, numbers, volume, ws)
        footer_left = (
            f"{agency.name} · {register_name} năm {year} · "
            f"từ {_dmy(period.first)} đến {_dmy(period.last)}"
        )
        title = f"{BOOK_TITLES[kind]} NĂM {year}" + (
            f" — {register.name}" if register.series != "chung" else ""
        )
        sheets = Sheets(
            canvas,
            fonts,
            columns,
            wrapper,
            header_wrapper,
            title,
            f"Quyển số {volume}",
            footer_left,
        )
        hasher = hashlib.sha256(
            json.dumps(
                {"kind": kind, "year": year, "series": register.series},
                ensure_ascii=False,
                sort_keys=True,
            ).encode()
            + b"\n"
        )
        tally = _Tally(last_number=numbers.before)
        paginator = L.Paginator(capacity)
        current = -1
        previous = numbers.before
        for entry in entries(ws, register, numbers.before, numbers.through):
            tally.voids.extend(range(tally.last_number + 1, entry.number))
            tally.last_number = entry.number
            tally.entries += 1
            if entry.cancelled:
                tally.cancelled.append(entry)
            texts = [col.cell(entry) for col in columns]
            hasher.update(canonical_entry(entry, texts))
            cells = [
                wrapper.wrap(t, col.width - 2 * L.CELL_PAD)
                for t, col in zip(texts, columns, strict=True)
            ]
            lines = max(len(c) for c in cells)
            for piece in paginator.place(lines, previous in numbers.month_ends):
                if piece.page != current:
                    if sheets.page_open:
                        sheets.end(f"Trang {pages_before + current + 1}", FORM_FACTS)
                    sheets.begin()
                    current = piece.page
                sheets.draw(cells, piece)
            previous = entry.number
            if tally.entries % 50 == 0:
                report(entry.number, "Đang in")
        sheets.end(f"Trang {pages_before + current + 1}", FORM_FACTS)
        body_pages = paginator.pages
        list_pages = _voids_list(
            canvas, fonts, wrapper, header_wrapper, tally, footer_left, kind, period
        )
        fingerprint = hasher.hexdigest()
        first_page, last_page = pages_before + 1, pages_before + body_pages
        facts = (
            f"Lần in này: {body_pages} trang thân sổ (trang {first_page}–{last_page}), "
            f"{tally.entries} văn bản · SHA-256 các mục: {fingerprint}"
        )
        define_facts_form(canvas, regular, facts)
        _cover_form(
            canvas, fonts, body_pages, first_page, last_page, list_pages, tally, fingerprint
        )
        canvas.setSubject(f"SHA-256 {fingerprint}")
        canvas.save()
        report(total_work, "Đang lưu")  # the last moment a cancel still leaves nothing behind
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return PrintedRegister(
        path=out,
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
    paginator = L.Paginator(capacity)
    previous = 0
    for i, entry in enumerate(entries(ws, register, 0, numbers.before), 1):
        lines = max(
            len(wrapper.wrap(col.cell(entry), col.width - 2 * L.CELL_PAD)) for col in columns
        )
        for _ in paginator.place(lines, previous in numbers.month_ends):
            pass
        previous = entry.number
        if i % 500 == 0:
            report(entry.number, "Đang tính số trang")
    return paginator.pages


def _cover(
    c: Any,
    fonts: tuple[str, str],
    agency: AgencyInfo,
    register: RegisterInfo,
    period: Period,
    numbers: NumberRange,
    volume: int,
    ws: Workspace,
) -> None:
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
    c.drawCentredString(mid, 380, BOOK_TITLES[register.kind])
    y = 350
    if register.series != "chung":
        c.setFont(regular, 15)
        c.drawCentredString(mid, y, register.name)
        y -= 24
    c.setFont(bold, 18)
    c.drawCentredString(mid, y - 6, f"Năm: {register.year}")
    c.setFont(regular, 15)
    label = _number_label(register.kind)
    lines = [
        f"Từ ngày {_dmy(period.first)} đến ngày {_dmy(period.last)}",
        f"Từ số {label(numbers.first_number)} đến số {label(numbers.through)}",
        f"Quyển số: {volume}",
    ]
    y -= 40
    for line in lines:
        c.drawCentredString(mid, y, line)
        y -= 24
    c.doForm(FORM_COVER)
    c.setFont(regular, 9)
    c.drawRightString(
        L.PAGE_WIDTH - L.MARGIN_RIGHT - 12,
        L.MARGIN_BOTTOM + 12,
        f"In ngày {_dmy(ws.now_in_vietnam())} từ dữ liệu đăng ký của bàn văn thư",
    )
    c.showPage()


def _number_label(kind: str) -> Callable[[int], str]:
    return (lambda n: f"{n:02d}") if kind == "outgoing" else str


def _cover_form(
    c: Any,
    fonts: tuple[str, str],
    body_pages: int,
    first_page: int,
    last_page: int,
    list_pages: int,
    tally: _Tally,
    fingerprint: str,
) -> None:
    regular, _ = fonts
    c.beginForm(FORM_COVER)
    c.setFont(regular, 11)
    mid = L.PAGE_WIDTH / 2
    c.drawCentredString(
        mid,
        140,
        f"Gồm {body_pages} trang thân sổ, đánh số từ trang {first_page} đến trang {last_page}, "
        f"ghi {tally.entries} văn bản ({len(tally.cancelled)} đã hủy);",
    )
    c.drawCentredString(mid, 124, f"kèm {list_pages} trang danh sách số đã hủy và số bỏ trống.")
    c.setFont(regular, 9)
    c.drawCentredString(mid, 100, f"Dấu vân tay SHA-256 của các mục đăng ký: {fingerprint}")
    c.endForm()


def define_facts_form(c: Any, regular: str, facts: str) -> None:
    c.beginForm(FORM_FACTS)
    c.setFont(regular, 7)
    c.drawString(L.MARGIN_LEFT, L.MARGIN_BOTTOM + 1, facts)
    c.endForm()


VOID_COLUMNS = (
    L.Column("Số", 50, lambda e: e.summary.number_label, centred=True),
    L.Column("Ngày đăng ký", 60, lambda e: _dmy(e.filed_on), centred=True),
    L.Column("Số, ký hiệu", 90, lambda e: e.summary.reference),
    L.Column("Tên loại và trích yếu nội dung", 300, L._type_and_subject),
    L.Column(
        "Ngày hủy",
        60,
        lambda e: _dmy(e.cancelled_at) if e.cancelled_at else "",
        centred=True,
    ),
    L.Column("Lý do hủy", 197, lambda e: e.cancel_reason),
)


def _voids_list(
    c: Any,
    fonts: tuple[str, str],
    wrapper: L.Wrapper,
    header_wrapper: L.Wrapper,
    tally: _Tally,
    footer_left: str,
    kind: str,
    period: Period,
) -> int:
    """The cancelled and void numbers of the period on pages of their own; returns their count."""
    sheets = Sheets(
        c,
        fonts,
        VOID_COLUMNS,
        wrapper,
        header_wrapper,
        f"{VOIDS_TITLE} — {BOOK_TITLES[kind]}",
        f"Từ {_dmy(period.first)} đến {_dmy(period.last)}",
        footer_left,
    )
    paginator = L.Paginator(L.body_capacity(sheets.header_h))
    label = _number_label(kind)
    rows: list[list[str]] = [[col.cell(e) for col in VOID_COLUMNS] for e in tally.cancelled]
    rows += [
        [label(n), "", "", "", "", "Số bỏ trống: không có văn bản đăng ký"] for n in tally.voids
    ]
    rows.sort(key=lambda r: int(r[0]))
    if not rows:
        rows = [["", "", "", "Không có số nào bị hủy hoặc bỏ trống trong kỳ.", "", ""]]
    current = -1
    for texts in rows:
        cells = [
            wrapper.wrap(t, col.width - 2 * L.CELL_PAD)
            for t, col in zip(texts, VOID_COLUMNS, strict=True)
        ]
        for piece in paginator.place(max(len(x) for x in cells)):
            if piece.page != current:
                if sheets.page_open:
                    sheets.end(f"Danh sách số hủy — trang {current + 1}", FORM_FACTS)
                sheets.begin()
                current = piece.page
            sheets.draw(cells, piece)
    sheets.end(f"Danh sách số hủy — trang {current + 1}", FORM_FACTS)
    return paginator.pages
