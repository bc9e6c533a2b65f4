"""Prints the handover log (sổ chuyển giao văn bản) of a period as a bindable PDF; reads only.

The log's lines are read through the secretary's desk (`instructions.handover.handover_log`),
never from the database directly. It is printed exactly like the registers, with their cover,
sheets, pagination and binding (`register_pdf`, `layout`, `binding`): A4 landscape, Tinos, the
column titles repeated on every page, a ký nhận column left blank for the receiver's
handwritten signature, and a footer naming the agency and the period with the printing's page
count and a SHA-256 fingerprint of its lines.

Like a register, the log is a book of one year: a printing's period lies within a year and its
pages are numbered on from the year's earlier printings, by the registers' rule (`layout`):
the year's lines before the period are laid out again, a new page starting at each new month
(lines follow the time they were handed over), so monthly printings bind into one volume.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from clerk_app import errors
from clerk_app.instructions.handover import handover_log
from clerk_app.instructions.records import HandoverInfo
from clerk_app.instructions.secretary import Secretary
from clerk_app.printing import layout as L
from clerk_app.printing.binding import Binding
from clerk_app.printing.entries import Period, ProgressReporter, check_period
from clerk_app.printing.register_pdf import (
    Sheets,
    bind_book,
    draw_cover,
    reporter,
    text_metrics,
)

HANDOVER_TITLE = "SỔ CHUYỂN GIAO VĂN BẢN"
HANDOVER_NAME = "Sổ chuyển giao văn bản"


def _dmy(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def _document(e: HandoverInfo) -> str:
    """Column (3): số và ký hiệu; tên loại và trích yếu nội dung, as the heading says."""
    described = L.type_and_subject(e.doc_type, e.subject)
    return f"{e.reference}; {described}" if e.reference else described


def _receipt(e: HandoverInfo) -> str:
    # A receipt already recorded on the desk is shown in the ký nhận column itself, in at most
    # the two lines every row has anyway: recording it after a month was printed then leaves
    # the row's height, and so the year's later page numbers, as they were (unless the name
    # alone needs more than a line).
    if e.signed_at is None:
        return ""
    return f"{e.signed_by} ({e.signed_at:%d/%m/%Y})"


HANDOVER_COLUMNS = (
    L.Column("Ngày chuyển", 58, lambda e: f"{e.handed_at:%d/%m/%Y %H:%M}", centred=True),
    L.Column("Số đến", 40, lambda e: str(e.number), centred=True),
    L.Column("Số và ký hiệu; tên loại và trích yếu nội dung", 280, _document),
    L.Column("Đơn vị hoặc người nhận", 120, lambda e: e.receiver),
    L.Column("Số lượng bản", 40, lambda e: "" if e.copies is None else str(e.copies), True),
    L.Column("Ký nhận", 120, _receipt),
    L.Column("Ghi chú", 99, lambda e: e.note),
)


@dataclass(frozen=True)
class PrintedHandoverLog:
    """What a printing of the handover log produced, for the CLI, the dialog and the tests."""

    path: Path
    period: Period
    volume: int
    first_page: int  # body page numbers in the year's sequence
    last_page: int
    pdf_pages: int  # cover + body
    entries: int
    fingerprint: str

    @property
    def year(self) -> int:
        return self.period.first.year

    @property
    def body_pages(self) -> int:
        return self.last_page - self.first_page + 1


def canonical_line(entry: HandoverInfo, cells: list[str]) -> bytes:
    """The bytes the fingerprint covers for one line: what the page shows, plus identity."""
    record = {"id": entry.id, "document_id": entry.document_id, "cells": cells}
    return (
        json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
    ).encode()


def print_handover_log(
    sec: Secretary,
    first: date,
    last: date,
    out: Path,
    *,
    volume: int = 1,
    progress: ProgressReporter | None = None,
) -> PrintedHandoverLog:
    """Write the lines handed over from `first` to `last` (Vietnam dates, one year) to `out`.

    The file appears only when complete (written beside `out`, then renamed); a cancelled or
    failed printing leaves nothing behind.
    """
    if volume < 1:
        raise errors.InvalidValue("volume", str(volume), "số quyển từ 1 trở lên")
    # The period actually printed: it ends today at the latest, and the cover says so.
    period = check_period(first.year, first, last, sec.ws.now_in_vietnam().date())
    first, last = period.first, period.last
    lines = handover_log(sec, first, last)
    if not lines:
        raise errors.EmptyHandoverLog(first.isoformat(), last.isoformat())
    fonts, wrapper, header_wrapper = text_metrics()
    regular, _ = fonts
    report = reporter(progress, len(lines))
    report(0, "Đang chuẩn bị")
    capacity = L.body_capacity(L.header_height(HANDOVER_COLUMNS, header_wrapper))
    earlier = handover_log(sec, date(first.year, 1, 1), first - timedelta(days=1))
    pages_before = L.pages_taken(_line_counts(earlier, wrapper), capacity)
    agency = sec.ws.agency()
    span = f"từ {_dmy(first)} đến {_dmy(last)}"
    binding = Binding(
        out,
        title=f"{HANDOVER_NAME} ({_dmy(first)}–{_dmy(last)})",
        author=agency.name,
        font=regular,
    )
    try:
        draw_cover(
            binding,
            fonts,
            agency,
            HANDOVER_TITLE,
            "",
            first.year,
            [f"Từ ngày {_dmy(first)} đến ngày {_dmy(last)}", f"Quyển số: {volume}"],
            sec.ws.now_in_vietnam(),
        )
        sheets = Sheets(
            binding,
            fonts,
            HANDOVER_COLUMNS,
            wrapper,
            header_wrapper,
            f"{HANDOVER_TITLE} NĂM {first.year}",
            f"Quyển số {volume} · {span}",
            f"{agency.name} · {HANDOVER_NAME} năm {first.year} · {span}",
            label=lambda i: f"Trang {pages_before + i + 1}",
        )
        hasher = hashlib.sha256(
            json.dumps(
                {"book": "handover", "from": first.isoformat(), "to": last.isoformat()},
                sort_keys=True,
            ).encode()
            + b"\n"
        )
        previous: date | None = None
        for done, entry in enumerate(lines, 1):
            texts = [col.cell(entry) for col in HANDOVER_COLUMNS]
            hasher.update(canonical_line(entry, texts))
            sheets.add_row(texts, _new_month(previous, entry))
            previous = entry.handed_at.date()
            if done % 50 == 0:
                report(done, "Đang in")
        body_pages = sheets.finish()
        fingerprint = hasher.hexdigest()
        first_page, last_page = pages_before + 1, pages_before + body_pages
        facts = (
            f"Lần in này: {body_pages} trang (trang {first_page}–{last_page}), "
            f"{len(lines)} lượt chuyển giao · SHA-256 các mục: {fingerprint}"
        )
        cover_facts = [
            f"Gồm {body_pages} trang, đánh số từ trang {first_page} đến trang {last_page}, "
            f"ghi {len(lines)} lượt chuyển giao."
        ]
        report(len(lines), "Đang lưu")
        bind_book(binding, regular, facts, cover_facts, fingerprint)
    finally:
        binding.close()
    return PrintedHandoverLog(
        Path(out), period, volume, first_page, last_page, 1 + body_pages, len(lines), fingerprint
    )


def _new_month(previous: date | None, entry: HandoverInfo) -> bool:
    day = entry.handed_at.date()
    return previous is not None and (previous.year, previous.month) != (day.year, day.month)


def _line_counts(lines: list[HandoverInfo], wrapper: L.Wrapper) -> Iterator[tuple[int, bool]]:
    """(wrapped lines, new page before it) of each line, for `layout.pages_taken`."""
    previous: date | None = None
    for entry in lines:
        cells = L.wrap_cells(HANDOVER_COLUMNS, [c.cell(entry) for c in HANDOVER_COLUMNS], wrapper)
        yield max(len(c) for c in cells), _new_month(previous, entry)
        previous = entry.handed_at.date()
