"""Paper of the secretary's desk: the monthly task table (PDF, XLSX) and the handover slip (PDF)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from clerk_app import errors
from clerk_app.instructions.records import HandoverInfo, MonthlyRow
from clerk_app.instructions.tasks import totals
from clerk_app.printing.fonts import register_fonts
from clerk_app.printing.layout import type_and_subject

TASK_TABLE_TITLE = "KẾT QUẢ THỰC HIỆN NHIỆM VỤ CẤP TRÊN GIAO"
# Two header rows as in the appendix of QĐ 3155/QĐ-BKHCN.
TASK_HEADER_TOP = [
    "STT",
    "Đơn vị được giao",
    "Tổng số văn bản giao nhiệm vụ",
    "Tổng số nhiệm vụ giao",
    "Đã hoàn thành",
    "",
    "",
    "Chưa hoàn thành",
    "",
]
TASK_HEADER_SUB = [
    "",
    "",
    "",
    "",
    "Đúng hạn",
    "Quá hạn",
    "Kết quả thực hiện",
    "Trong hạn",
    "Quá hạn",
]


def _result(row: MonthlyRow) -> str:
    done = row.done_on_time + row.done_late
    if not done:
        return ""
    return f"{round(100 * row.done_on_time / done)}% đúng hạn"


def task_table_rows(rows: Sequence[MonthlyRow]) -> list[list[Any]]:
    body: list[list[Any]] = []
    for n, r in enumerate(rows, 1):
        body.append(
            [
                n,
                r.unit_name,
                r.documents,
                r.tasks,
                r.done_on_time,
                r.done_late,
                _result(r),
                r.in_progress,
                r.in_progress_overdue,
            ]
        )
    t = totals(rows)
    body.append(
        [
            "",
            t.unit_name,
            t.documents,
            t.tasks,
            t.done_on_time,
            t.done_late,
            _result(t),
            t.in_progress,
            t.in_progress_overdue,
        ]
    )
    return body


def write_task_table(rows: Sequence[MonthlyRow], agency: str, as_of: date, out: Path) -> Path:
    suffix = out.suffix.lower()
    if suffix == ".xlsx":
        _task_xlsx(rows, agency, as_of, out)
    elif suffix == ".pdf":
        _task_pdf(rows, agency, as_of, out)
    else:
        raise errors.InvalidValue("out", str(out), "một tệp .pdf hoặc .xlsx")
    return out


def _extracted(as_of: date) -> str:
    return f"Thời gian trích xuất báo cáo: ngày {as_of:%d/%m/%Y}"


def _task_xlsx(rows: Sequence[MonthlyRow], agency: str, as_of: date, out: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Nhiệm vụ"
    ws.append([agency])
    ws.append([TASK_TABLE_TITLE])
    ws.append([_extracted(as_of)])
    ws.append(TASK_HEADER_TOP)
    ws.append(TASK_HEADER_SUB)
    for cols in ("A4:A5", "B4:B5", "C4:C5", "D4:D5", "E4:G4", "H4:I4"):
        ws.merge_cells(cols)
    for row in task_table_rows(rows):
        ws.append(row)
    bold = Font(bold=True)
    for cell in (*ws[2], *ws[4], *ws[5], *ws[ws.max_row]):
        cell.font = bold
    for row_cells in ws.iter_rows(min_row=4, max_row=5):
        for cell in row_cells:
            cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
    for col, width in zip("ABCDEFGHI", (5, 32, 14, 12, 10, 10, 16, 10, 10), strict=True):
        ws.column_dimensions[col].width = width
    wb.save(out)


def _task_pdf(rows: Sequence[MonthlyRow], agency: str, as_of: date, out: Path) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    regular, bold = register_fonts()
    base = ParagraphStyle("base", fontName=regular, fontSize=10, leading=13)
    head = ParagraphStyle("head", parent=base, fontName=bold, alignment=1)
    title = ParagraphStyle("t", parent=base, fontName=bold, fontSize=14, alignment=1, leading=18)

    def cell(text: Any, style: ParagraphStyle = base) -> Any:
        return Paragraph(str(text), style)

    data: list[list[Any]] = [
        [cell(h, head) if h else "" for h in TASK_HEADER_TOP],
        [cell(h, head) if h else "" for h in TASK_HEADER_SUB],
    ]
    body = task_table_rows(rows)
    for i, r in enumerate(body):
        style = head if i == len(body) - 1 else base
        data.append([cell(v, style) if isinstance(v, str) else v for v in r])
    widths = [1.2, 7.0, 3.2, 2.8, 2.2, 2.2, 3.4, 2.2, 2.2]
    table = Table(data, colWidths=[w * cm for w in widths], repeatRows=2)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), regular, 10),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
                ("SPAN", (0, 0), (0, 1)),
                ("SPAN", (1, 0), (1, 1)),
                ("SPAN", (2, 0), (2, 1)),
                ("SPAN", (3, 0), (3, 1)),
                ("SPAN", (4, 0), (6, 0)),
                ("SPAN", (7, 0), (8, 0)),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (2, 2), (-1, -1), "CENTER"),
                ("ALIGN", (0, 2), (0, -1), "CENTER"),
                ("BACKGROUND", (0, 0), (-1, 1), colors.HexColor("#e8eef5")),
            ]
        )
    )
    story = [
        Paragraph(agency.upper(), ParagraphStyle("a", parent=base, fontName=bold)),
        Spacer(1, 0.3 * cm),
        Paragraph(TASK_TABLE_TITLE, title),
        Paragraph(_extracted(as_of), ParagraphStyle("c", parent=base, alignment=1)),
        Spacer(1, 0.4 * cm),
        table,
    ]
    doc = SimpleDocTemplate(
        str(out),
        pagesize=landscape(A4),
        leftMargin=1.5 * cm,
        rightMargin=1.5 * cm,
        topMargin=1.5 * cm,
        bottomMargin=1.5 * cm,
        title=TASK_TABLE_TITLE,
        initialFontName=regular,  # no Helvetica declared on pages that never use it
    )
    doc.build(story)


def write_handover_slip(entries: Sequence[HandoverInfo], agency: str, out: Path) -> Path:
    """A page of the handover log for signatures: one line per document handed over."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if not entries:
        raise errors.InvalidValue("date", "", "một khoảng ngày có văn bản đã chuyển giao")
    regular, bold = register_fonts()
    base = ParagraphStyle("base", fontName=regular, fontSize=10, leading=13)
    head = ParagraphStyle("head", parent=base, fontName=bold, alignment=1)
    title = ParagraphStyle("t", parent=base, fontName=bold, fontSize=14, alignment=1, leading=18)
    header = [
        "Ngày chuyển",
        "Số đến",
        "Số, ký hiệu văn bản",
        "Tên loại và trích yếu nội dung",
        "Đơn vị hoặc người nhận",
        "Số bản",
        "Ký nhận",
        "Ghi chú",
    ]
    data: list[list[Any]] = [[Paragraph(h, head) for h in header]]
    for e in entries:
        signed = f"{e.signed_by} ({e.signed_at:%d/%m/%Y})" if e.signed_at else ""
        data.append(
            [
                f"{e.handed_at:%d/%m/%Y %H:%M}",
                str(e.number),
                e.reference,  # kept whole on its line, never wrapped at its «/» or «-»
                Paragraph(type_and_subject(e.doc_type, e.subject), base),
                Paragraph(e.receiver, base),
                "" if e.copies is None else str(e.copies),
                Paragraph(signed, base),
                Paragraph(e.note, base),
            ]
        )
    widths = [2.8, 1.5, 3.2, 7.5, 4.5, 1.4, 3.6, 2.5]
    table = Table(data, colWidths=[w * cm for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), regular, 10),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                # Room for a handwritten signature on every line.
                ("BOTTOMPADDING", (0, 1), (-1, -1), 16),
            ]
        )
    )
    first, last = entries[0].handed_at, entries[-1].handed_at
    period = (
        f"{first:%d/%m/%Y}"
        if first.date() == last.date()
        else f"{first:%d/%m/%Y} – {last:%d/%m/%Y}"
    )
    story = [
        Paragraph(agency.upper(), ParagraphStyle("a", parent=base, fontName=bold)),
        Spacer(1, 0.3 * cm),
        Paragraph("SỔ CHUYỂN GIAO VĂN BẢN ĐẾN", title),
        Paragraph(f"Ngày {period}", ParagraphStyle("c", parent=base, alignment=1)),
        Spacer(1, 0.4 * cm),
        table,
    ]
    doc = SimpleDocTemplate(
        str(out),
        pagesize=landscape(A4),
        leftMargin=1.2 * cm,
        rightMargin=1.2 * cm,
        topMargin=1.5 * cm,
        bottomMargin=1.5 * cm,
        title="Sổ chuyển giao văn bản đến",
        initialFontName=regular,  # no Helvetica declared on pages that never use it
    )
    doc.build(story)
    return out
