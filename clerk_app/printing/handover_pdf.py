"""Prints the handover log (sổ chuyển giao văn bản) of a period as a bindable PDF; reads only.

The log's lines are read through the secretary's desk (`instructions.handover.handover_log`),
never from the database directly. Pages are drawn with the registers' own sheets and
pagination (`register_pdf.Sheets`, `layout.Paginator`), so the log looks, wraps and breaks
exactly like the registers: A4 landscape, Tinos, the column titles repeated on every page, a
ký nhận column left blank for the receiver's handwritten signature, and a footer naming the
agency and the period with the printing's page count and a SHA-256 fingerprint of its lines.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from clerk_app import errors
from clerk_app.instructions.handover import handover_log
from clerk_app.instructions.records import HandoverInfo
from clerk_app.instructions.secretary import Secretary
from clerk_app.printing import layout as L
from clerk_app.printing.entries import Period, ProgressReporter
from clerk_app.printing.fonts import register_fonts
from clerk_app.printing.register_pdf import FORM_FACTS, Sheets, define_facts_form, reporter

HANDOVER_TITLE = "SỔ CHUYỂN GIAO VĂN BẢN"
HANDOVER_NAME = "Sổ chuyển giao văn bản"


def _dmy(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def _document(e: HandoverInfo) -> str:
    return f"{e.reference} — {e.subject}" if e.reference else e.subject


def _notes(e: HandoverInfo) -> str:
    parts = [e.note] if e.note else []
    if e.signed_at is not None:
        # A receipt already recorded on the desk is shown; the column stays for the paper one.
        parts.append(f"Đã ký nhận: {e.signed_by}, {e.signed_at:%d/%m/%Y}")
    return "; ".join(parts)


HANDOVER_COLUMNS = (
    L.Column("Ngày chuyển", 58, lambda e: f"{e.handed_at:%d/%m/%Y %H:%M}", centred=True),
    L.Column("Số đến", 40, lambda e: str(e.number), centred=True),
    L.Column("Số và ký hiệu; tên loại và trích yếu nội dung", 280, _document),
    L.Column("Đơn vị hoặc người nhận", 120, lambda e: e.receiver),
    L.Column("Số lượng bản", 40, lambda e: "" if e.copies is None else str(e.copies), True),
    L.Column("Ký nhận", 120, lambda e: ""),
    L.Column("Ghi chú", 99, _notes),
)


@dataclass(frozen=True)
class PrintedHandoverLog:
    """What a printing of the handover log produced, for the CLI, the dialog and the tests."""

    path: Path
    period: Period
    pages: int
    entries: int
    fingerprint: str


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
    progress: ProgressReporter | None = None,
) -> PrintedHandoverLog:
    """Write the lines handed over from `first` to `last` (Vietnam dates) to `out` (a PDF).

    Unlike a register the log is not numbered per year, so a period may span years. The file
    appears only when complete (written beside `out`, then renamed).
    """
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen.canvas import Canvas

    if first > last:
        raise errors.PeriodReversed(first.isoformat(), last.isoformat())
    lines = handover_log(sec, first, last)
    if not lines:
        raise errors.EmptyHandoverLog(first.isoformat(), last.isoformat())
    period = Period(first, last)
    regular, bold = register_fonts()
    wrapper = L.Wrapper(lambda s: stringWidth(s, regular, L.FONT_SIZE))
    header_wrapper = L.Wrapper(lambda s: stringWidth(s, bold, L.HEADER_FONT_SIZE))
    report = reporter(progress, len(lines))
    agency = sec.ws.agency()
    span = f"từ {_dmy(first)} đến {_dmy(last)}"
    out = Path(out)
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
    canvas = Canvas(str(partial), pagesize=(L.PAGE_WIDTH, L.PAGE_HEIGHT), invariant=1)
    canvas.setTitle(f"{HANDOVER_NAME} ({_dmy(first)}–{_dmy(last)})")
    canvas.setAuthor(agency.name)
    canvas.setCreator("Bàn làm việc văn thư (clerk-desk)")
    try:
        sheets = Sheets(
            canvas,
            (regular, bold),
            HANDOVER_COLUMNS,
            wrapper,
            header_wrapper,
            HANDOVER_TITLE,
            span[0].upper() + span[1:],
            f"{agency.name} · {HANDOVER_NAME} · {span}",
        )
        hasher = hashlib.sha256(
            json.dumps(
                {"book": "handover", "from": first.isoformat(), "to": last.isoformat()},
                sort_keys=True,
            ).encode()
            + b"\n"
        )
        paginator = L.Paginator(L.body_capacity(sheets.header_h))
        current = -1
        for done, entry in enumerate(lines, 1):
            texts = [col.cell(entry) for col in HANDOVER_COLUMNS]
            hasher.update(canonical_line(entry, texts))
            cells = [
                wrapper.wrap(t, col.width - 2 * L.CELL_PAD)
                for t, col in zip(texts, HANDOVER_COLUMNS, strict=True)
            ]
            for piece in paginator.place(max(len(c) for c in cells)):
                if piece.page != current:
                    if sheets.page_open:
                        sheets.end(f"Trang {current + 1}", FORM_FACTS)
                    sheets.begin()
                    current = piece.page
                sheets.draw(cells, piece)
            if done % 50 == 0:
                report(done, "Đang in")
        sheets.end(f"Trang {current + 1}", FORM_FACTS)
        fingerprint = hasher.hexdigest()
        define_facts_form(
            canvas,
            regular,
            f"Lần in này: {paginator.pages} trang, {len(lines)} lượt chuyển giao · "
            f"SHA-256 các mục: {fingerprint}",
        )
        canvas.setSubject(f"SHA-256 {fingerprint}")
        canvas.save()
        report(len(lines), "Đang lưu")
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return PrintedHandoverLog(out, period, paginator.pages, len(lines), fingerprint)
