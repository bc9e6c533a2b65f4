"""Statistics of incoming and outgoing documents for a period, as PDF (with charts) or XLSX.

Reads through the Workspace's public API only and writes nothing but the output file. Counted:
by document type, urgency, source channel (incoming), unit (the receiving unit of an incoming
document, the drafting unit of an outgoing one) and month; cancelled registrations are counted
apart and left out of the other figures. Handling deadlines (thời hạn giải quyết) are not yet
recorded by the desk, so "on time / late / overdue" is reported for what exists: the handover
of incoming documents, due the same day or at the latest the next working day (NĐ 30 art. 4.2.c,
23.1), counting Saturdays and Sundays as non-working but not yet public holidays. The report
says so in its notes.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from clerk_app import errors
from clerk_app.clock import vietnam_date
from clerk_app.printing.entries import filed_on, rows
from clerk_app.printing.fonts import register_fonts
from clerk_app.records import DocumentSummary
from clerk_app.workspace import Workspace

NOT_HANDED = "Chưa chuyển giao"
NO_UNIT = "(không ghi đơn vị)"
NO_CHANNEL = "(không ghi nguồn)"
HANDOVER_LABELS = {
    "on_time": "Chuyển giao đúng hạn",
    "late": "Chuyển giao muộn",
    "overdue": "Quá hạn, chưa chuyển giao",
    "pending": "Chưa đến hạn chuyển giao",
}
NOTES = (
    "Thời hạn giải quyết văn bản chưa được ghi nhận trên hệ thống nên chưa thống kê "
    "đúng hạn, quá hạn giải quyết.",
    "Đúng hạn, muộn, quá hạn ở đây là việc chuyển giao văn bản đến: trong ngày hoặc chậm nhất "
    "ngày làm việc tiếp theo (Nghị định 30/2020/NĐ-CP, Điều 4, Điều 23); chỉ trừ thứ Bảy, Chủ "
    "nhật, chưa trừ ngày lễ.",
    "Văn bản đã hủy được đếm riêng, không tính vào các bảng khác.",
)


@dataclass
class Tally:
    """Counts for one direction."""

    total: int = 0
    cancelled: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    by_urgency: Counter[str] = field(default_factory=Counter)
    by_channel: Counter[str] = field(default_factory=Counter)
    by_unit: Counter[str] = field(default_factory=Counter)
    by_month: Counter[str] = field(default_factory=Counter)
    handover: Counter[str] = field(default_factory=Counter)

    def as_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "cancelled": self.cancelled,
            "by_type": dict(self.by_type),
            "by_urgency": dict(self.by_urgency),
            "by_channel": dict(self.by_channel),
            "by_unit": dict(self.by_unit),
            "by_month": dict(self.by_month),
            "handover": dict(self.handover),
        }


@dataclass
class Statistics:
    first: date
    last: date
    today: date
    incoming: Tally = field(default_factory=Tally)
    outgoing: Tally = field(default_factory=Tally)
    notes: tuple[str, ...] = NOTES

    def as_json(self) -> dict[str, Any]:
        return {
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "incoming": self.incoming.as_json(),
            "outgoing": self.outgoing.as_json(),
            "notes": list(self.notes),
        }


def next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def handover_state(doc: DocumentSummary, arrived: date, today: date) -> str:
    due = next_working_day(arrived)
    if doc.handed_over_at is not None:
        return "on_time" if vietnam_date(doc.handed_over_at) <= due else "late"
    return "overdue" if today > due else "pending"


def collect(ws: Workspace, first: date, last: date) -> Statistics:
    """Count every registration filed in `first`..`last` (any number of years)."""
    if first > last:
        raise errors.PeriodReversed(first.isoformat(), last.isoformat())
    today = ws.now_in_vietnam().date()
    stats = Statistics(first, last, today)
    units = {u.code: u.name for u in ws.units()}
    for year in range(first.year, last.year + 1):
        for register in ws.registers(year):
            tally = stats.incoming if register.kind == "incoming" else stats.outgoing
            for doc in rows(ws, register.id, 0, register.last_number):
                day = filed_on(doc)
                if not first <= day <= last:
                    continue
                if doc.status == "cancelled":
                    tally.cancelled += 1
                    continue
                tally.total += 1
                tally.by_type[doc.doc_type or "(không ghi loại)"] += 1
                tally.by_urgency[doc.urgency or "Thường"] += 1
                tally.by_month[f"{day:%m/%Y}"] += 1
                if doc.direction == "incoming":
                    tally.by_channel[doc.source_channel or NO_CHANNEL] += 1
                    tally.by_unit[doc.handed_over_to or NOT_HANDED] += 1
                    tally.handover[handover_state(doc, day, today)] += 1
                else:
                    code = doc.unit_code
                    tally.by_unit[units.get(code, code) or NO_UNIT] += 1
    return stats


def write_report(ws: Workspace, first: date, last: date, out: Path) -> Statistics:
    """Collect the statistics and write them to `out` (.pdf or .xlsx), complete or not at all."""
    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".xlsx"):
        raise errors.InvalidValue("out", str(out), "một tệp .pdf hoặc .xlsx")
    stats = collect(ws, first, last)
    agency = ws.agency().name
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
    try:
        if suffix == ".pdf":
            _write_pdf(stats, agency, partial)
        else:
            _write_xlsx(stats, agency, partial)
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return stats


def _title(stats: Statistics) -> str:
    return f"Từ ngày {stats.first:%d/%m/%Y} đến ngày {stats.last:%d/%m/%Y}"


def tables(stats: Statistics) -> list[tuple[str, list[tuple[str, int, int]]]]:
    """The report's tables: (heading, rows of label, incoming count, outgoing count)."""

    def rows_of(a: Counter[str], b: Counter[str]) -> list[tuple[str, int, int]]:
        labels = sorted(set(a) | set(b), key=lambda k: (-(a[k] + b[k]), k))
        return [(k, a[k], b[k]) for k in labels]

    i, o = stats.incoming, stats.outgoing
    months = sorted(set(i.by_month) | set(o.by_month), key=lambda m: (m[3:], m[:2]))
    return [
        (
            "Tổng hợp",
            [
                ("Văn bản đăng ký (không kể đã hủy)", i.total, o.total),
                ("Văn bản đã hủy", i.cancelled, o.cancelled),
            ],
        ),
        ("Theo tháng", [(m, i.by_month[m], o.by_month[m]) for m in months]),
        ("Theo tên loại văn bản", rows_of(i.by_type, o.by_type)),
        ("Theo độ khẩn", rows_of(i.by_urgency, o.by_urgency)),
        ("Theo nguồn nhận (văn bản đến)", rows_of(i.by_channel, Counter())),
        ("Theo đơn vị (nhận văn bản đến / soạn văn bản đi)", rows_of(i.by_unit, o.by_unit)),
        (
            "Chuyển giao văn bản đến",
            [(HANDOVER_LABELS[k], i.handover[k], 0) for k in HANDOVER_LABELS],
        ),
    ]


def _write_xlsx(stats: Statistics, agency: str, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font

    book = Workbook()
    first_sheet = book.active
    for n, (heading, data) in enumerate(tables(stats)):
        sheet = first_sheet if n == 0 else book.create_sheet()
        assert sheet is not None
        sheet.title = heading[:31].replace("/", "-")
        sheet.append([agency])
        sheet.append([f"Thống kê văn bản — {heading}"])
        sheet.append([_title(stats)])
        sheet.append([])
        sheet.append(["Mục", "Văn bản đến", "Văn bản đi"])
        for cell in sheet[5]:
            cell.font = Font(bold=True)
        sheet["A2"].font = Font(bold=True, size=13)
        for label, a, b in data:
            sheet.append([label, a, b])
        sheet.column_dimensions["A"].width = 48
        sheet.column_dimensions["B"].width = 14
        sheet.column_dimensions["C"].width = 14
        if heading == "Theo tháng" and data:
            chart = BarChart()
            chart.title = "Văn bản theo tháng"
            chart.y_axis.title = "Số văn bản"
            values = Reference(sheet, min_col=2, max_col=3, min_row=5, max_row=5 + len(data))
            chart.add_data(values, titles_from_data=True)
            chart.set_categories(Reference(sheet, min_col=1, min_row=6, max_row=5 + len(data)))
            sheet.add_chart(chart, "E5")
    notes = book.create_sheet("Ghi chú")
    for line in stats.notes:
        notes.append([line])
    notes.column_dimensions["A"].width = 120
    book.properties.title = f"Thống kê văn bản {_title(stats).lower()}"
    book.properties.creator = agency
    book.save(str(path))


EMPTY_PERIOD = "Trong kỳ không có văn bản đến, văn bản đi nào được đăng ký."


def _write_pdf(stats: Statistics, agency: str, path: Path) -> None:
    from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    regular, bold = register_fonts()
    base = ParagraphStyle("base", fontName=regular, fontSize=11, leading=14)
    heading = ParagraphStyle("h", parent=base, fontName=bold, fontSize=12, spaceBefore=8)
    title = ParagraphStyle("t", parent=base, fontName=bold, fontSize=15, alignment=1, leading=19)
    centred = ParagraphStyle("c", parent=base, alignment=1)
    blue, red = colors.HexColor("#1f4e79"), colors.HexColor("#c0504d")

    story: list[Any] = [
        Paragraph(agency.upper(), ParagraphStyle("a", parent=base, fontName=bold)),
        Spacer(1, 0.4 * cm),
        Paragraph("BÁO CÁO THỐNG KÊ VĂN BẢN ĐẾN, VĂN BẢN ĐI", title),
        Paragraph(_title(stats), centred),
        Spacer(1, 0.4 * cm),
    ]
    all_tables = tables(stats)
    months = all_tables[1][1]
    if stats.incoming.total == stats.outgoing.total == 0:
        # An empty chart would look like a drawing error; a sentence says what happened.
        story.append(Paragraph(EMPTY_PERIOD, centred))
    if months:
        chart_box = Drawing(16 * cm, 6.5 * cm)
        bars = VerticalBarChart()
        bars.x, bars.y, bars.width, bars.height = 40, 30, 15 * cm - 40, 5.2 * cm - 20
        bars.data = [[m[1] for m in months], [m[2] for m in months]]
        bars.categoryAxis.categoryNames = [m[0] for m in months]
        bars.categoryAxis.labels.fontName = regular
        bars.categoryAxis.labels.fontSize = 7
        bars.valueAxis.labels.fontName = regular
        bars.valueAxis.valueMin = 0
        bars.bars[0].fillColor, bars.bars[1].fillColor = blue, red
        chart_box.add(bars)
        legend = Legend()
        legend.x, legend.y = 8 * cm, 6.35 * cm
        legend.columnMaximum = 1  # the two series side by side above the bars
        legend.deltax = 3 * cm
        legend.alignment = "right"
        legend.fontName = regular
        legend.colorNamePairs = [(blue, "Văn bản đến"), (red, "Văn bản đi")]
        chart_box.add(legend)
        chart_box.add(String(40, 6.2 * cm, "Số văn bản theo tháng", fontName=bold, fontSize=10))
        story += [chart_box, Spacer(1, 0.3 * cm)]
    types = all_tables[2][1][:10]
    if types:
        height = 1.2 * cm + 0.55 * cm * len(types)
        type_box = Drawing(16 * cm, height)
        hbars = HorizontalBarChart()
        hbars.x, hbars.y = 4.2 * cm, 0.4 * cm
        hbars.width, hbars.height = 11 * cm, height - 1.2 * cm
        hbars.data = [[t[1] for t in reversed(types)], [t[2] for t in reversed(types)]]
        hbars.categoryAxis.categoryNames = [t[0] for t in reversed(types)]
        hbars.categoryAxis.labels.fontName = regular
        hbars.categoryAxis.labels.fontSize = 8
        hbars.valueAxis.labels.fontName = regular
        hbars.valueAxis.valueMin = 0
        hbars.bars[0].fillColor, hbars.bars[1].fillColor = blue, red
        type_box.add(hbars)
        type_box.add(
            String(0, height - 0.4 * cm, "Theo tên loại văn bản", fontName=bold, fontSize=10)
        )
        story += [type_box, Spacer(1, 0.3 * cm)]
    style = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), regular, 10),
            ("FONT", (0, 0), (-1, 0), bold, 10),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
            ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
        ]
    )
    for heading_text, data in all_tables:
        if not data:
            continue
        table = Table(
            [["Mục", "Văn bản đến", "Văn bản đi"], *[[lbl, a, b] for lbl, a, b in data]],
            colWidths=[10 * cm, 3 * cm, 3 * cm],
            repeatRows=1,
        )
        table.setStyle(style)
        story.append(KeepTogether([Paragraph(heading_text, heading), table]))
    story.append(Paragraph("Ghi chú", heading))
    story += [Paragraph(f"– {line}", base) for line in stats.notes]

    def footer(canvas: Any, doc: Any) -> None:
        canvas.setFont(regular, 8)
        canvas.drawString(2 * cm, 1.2 * cm, f"{agency} · Thống kê văn bản {_title(stats).lower()}")
        canvas.drawRightString(A4[0] - 2 * cm, 1.2 * cm, f"Trang {doc.page}")

    document = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=2.5 * cm,
        rightMargin=2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
        title="Báo cáo thống kê văn bản",
        author=agency,
        invariant=1,
    )
    document.build(story, onFirstPage=footer, onLaterPages=footer)
