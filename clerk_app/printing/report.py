"""Statistics of incoming and outgoing documents for a period, as PDF (with charts) or XLSX.

The report an office owes its leaders each month (Phú Yên art. 7.3, Bộ KH&CN 2018 art. 8.5.b):
documents registered, counted by type, urgency, source channel, unit and month; how incoming
documents were resolved (on time, late, due and not resolved, not yet due) by the unit that leads
them and by month of arrival; and whether they were handed over within their time limit.
Resolution and handover are read from the secretary's desk (`Secretary.due`,
`Secretary.handover_limits`), so they are counted with exactly the working-day calendar, office
hours and time limits `clerk due` shows: one rule, never a second copy here. Reads only; writes
nothing but the output file. Cancelled registrations are counted apart and left out of the
other figures.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from clerk_app import errors
from clerk_app.instructions.secretary import (
    RESOLUTION_STATES,
    ResolutionState,
    resolution_state,
)
from clerk_app.messages import TIME_LIMIT_NAMES
from clerk_app.printing.entries import filed_on, rows
from clerk_app.printing.fonts import register_fonts
from clerk_app.workdays.limits import LimitFlag, TimeLimit
from clerk_app.workdays.office_hours import load_office_hours
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
RESOLUTION_LABELS: dict[ResolutionState, str] = {
    "on_time": "Đã giải quyết đúng hạn",
    "late": "Đã giải quyết quá hạn",
    "overdue": "Đến hạn, chưa giải quyết",
    "not_due": "Chưa đến hạn",
    "no_deadline": "Không ghi hạn",
}
# The handover rules of incoming documents, in the order the report lists them.
HANDOVER_RULES = (
    TimeLimit.IMMEDIATELY,
    TimeLimit.EIGHT_WORKING_HOURS,
    TimeLimit.SAME_OR_NEXT_WORKING_DAY,
)
TOTAL = "Tổng cộng"


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
    # (rule, handover state) → documents
    handover_by_rule: Counter[tuple[str, str]] = field(default_factory=Counter)

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
            "handover_by_rule": _nested(self.handover_by_rule),
        }


@dataclass
class Resolution:
    """How the incoming documents of the period were resolved: one count per lead assignment."""

    by_unit: Counter[tuple[str, str]] = field(default_factory=Counter)  # (unit, state)
    by_month: Counter[tuple[str, str]] = field(default_factory=Counter)  # (mm/yyyy, state)
    unassigned: int = 0  # incoming documents no lead handler was assigned to

    def total(self, state: str) -> int:
        return sum(n for (_, s), n in self.by_unit.items() if s == state)

    def as_json(self) -> dict[str, Any]:
        return {
            "by_unit": _nested(self.by_unit),
            "by_month": _nested(self.by_month),
            "totals": {s: self.total(s) for s in RESOLUTION_STATES},
            "unassigned": self.unassigned,
        }


def _nested(counts: Counter[tuple[str, str]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for (outer, inner), n in counts.items():
        out.setdefault(outer, {})[inner] = n
    return out


@dataclass
class Statistics:
    first: date
    last: date
    as_of: datetime  # the moment resolution and handover states are counted at (Vietnam time)
    office_hours: str
    incoming: Tally = field(default_factory=Tally)
    outgoing: Tally = field(default_factory=Tally)
    resolution: Resolution = field(default_factory=Resolution)

    @property
    def notes(self) -> tuple[str, ...]:
        return (
            f"Tình trạng giải quyết và chuyển giao tính đến {self.as_of:%H:%M} ngày "
            f"{self.as_of:%d/%m/%Y}.",
            "Giải quyết văn bản đến: mỗi văn bản được tính một lần theo đơn vị (hoặc người) chủ "
            "trì và hạn xử lý ghi trong ý kiến chỉ đạo, theo tháng văn bản đến; hạn rơi vào ngày "
            "nghỉ được tính đến hết ngày làm việc tiếp theo (Bộ luật Dân sự, Điều 148). Cùng "
            "cách tính với danh sách theo dõi hạn xử lý của bàn văn thư.",
            "Chuyển giao văn bản đến: văn bản khẩn (Hỏa tốc, Thượng khẩn, Khẩn) ngay khi nhận, "
            "tức trong 01 giờ làm việc (Quy chế Phú Yên, Điều 5.3); văn bản nhận qua hệ thống "
            "trong 08 giờ làm việc (Điều 5.2); văn bản khác trong ngày hoặc chậm nhất ngày làm "
            "việc tiếp theo (Nghị định 30/2020/NĐ-CP, Điều 4, Điều 23). Ngày làm việc trừ thứ "
            "Bảy, Chủ nhật, ngày lễ, Tết, ngày nghỉ bù và các ngày cơ quan điều chỉnh; giờ làm "
            f"việc {self.office_hours}.",
            "Văn bản đã hủy được đếm riêng, không tính vào các bảng khác.",
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "as_of": self.as_of.isoformat(),
            "incoming": self.incoming.as_json(),
            "outgoing": self.outgoing.as_json(),
            "resolution": self.resolution.as_json(),
            "notes": list(self.notes),
        }


def handover_state(flag: LimitFlag) -> str:
    """The report's four handover states from the flag `clerk due` shows."""
    if flag.done is not None:
        return "late" if flag.state == "breached" else "on_time"
    return "overdue" if flag.state == "breached" else "pending"


def report_period(first: date, last: date, today: date) -> tuple[date, date]:
    """The period a report covers: refused reversed, and ending today at the latest.

    A report printed on 07/12 for December states «đến ngày 07/12», the last day it counts.
    """
    if first > last:
        raise errors.PeriodReversed(first.isoformat(), last.isoformat())
    if first > today:
        raise errors.DateInFuture("date", first.isoformat())
    return first, min(last, today)


def collect(ws: Workspace, first: date, last: date) -> Statistics:
    """Count every registration filed in `first`..`last` (any number of years)."""
    sec = ws.secretary
    now = ws.now_in_vietnam().replace(microsecond=0)
    first, last = report_period(first, last, now.date())
    stats = Statistics(first, last, now, load_office_hours(ws.data_dir).label())
    units = {u.code: u.name for u in ws.units()}
    incoming_month: dict[str, str] = {}
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
                    incoming_month[doc.id] = f"{day:%m/%Y}"
                else:
                    code = doc.unit_code
                    tally.by_unit[units.get(code, code) or NO_UNIT] += 1
    for flag in sec.handover_limits(incoming_month).values():
        state = handover_state(flag)
        stats.incoming.handover[state] += 1
        stats.incoming.handover_by_rule[(flag.rule.value, state)] += 1
    led: set[str] = set()
    for item in sec.due(include_done=True):
        month = incoming_month.get(item.document_id)
        if month is None or item.kind != "handle" or item.role != "lead":
            continue
        if item.document_id in led:  # one lead per document; a second would count it twice
            continue
        led.add(item.document_id)
        state = resolution_state(item)
        unit = units.get(item.unit_code or "", item.unit_code or "") or NO_UNIT
        stats.resolution.by_unit[(unit, state)] += 1
        stats.resolution.by_month[(month, state)] += 1
    stats.resolution.unassigned = len(incoming_month) - len(led)
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


def _as_of(stats: Statistics) -> str:
    return f"Số liệu tính đến {stats.as_of:%H:%M} ngày {stats.as_of:%d/%m/%Y}"


@dataclass(frozen=True)
class Table:
    """One table of the report: a heading, column titles (the first names the rows) and rows
    of a label and counts; `total` adds a «Tổng cộng» row."""

    heading: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    total: bool = False

    def body(self) -> list[tuple[Any, ...]]:
        # A table with totals is shown even when empty: «Tổng cộng 0 …» is an answer too.
        if not self.total:
            return list(self.rows)
        sums = [sum(r[i] for r in self.rows) for i in range(1, len(self.columns))]
        return [*self.rows, (TOTAL, *sums)]


MONTHS = "Theo tháng"
TYPES = "Theo tên loại văn bản"
RESOLUTION_BY_UNIT = "Giải quyết văn bản đến theo đơn vị chủ trì"
RESOLUTION_BY_MONTH = "Giải quyết văn bản đến theo tháng"
HANDOVER = "Chuyển giao văn bản đến"
HANDOVER_BY_RULE = "Chuyển giao văn bản đến theo thời hạn"


def _month_key(month: str) -> tuple[str, str]:
    return month[3:], month[:2]


def tables(stats: Statistics) -> list[Table]:
    """The report's tables, in the order they are printed."""

    def rows_of(a: Counter[str], b: Counter[str]) -> list[tuple[Any, ...]]:
        labels = sorted(set(a) | set(b), key=lambda k: (-(a[k] + b[k]), k))
        return [(k, a[k], b[k]) for k in labels]

    def by_state(counts: Counter[tuple[str, str]], labels: list[str]) -> list[tuple[Any, ...]]:
        return [
            (
                label,
                *(counts[(label, s)] for s in RESOLUTION_STATES),
                sum(counts[(label, s)] for s in RESOLUTION_STATES),
            )
            for label in labels
        ]

    i, o, r = stats.incoming, stats.outgoing, stats.resolution
    both = ("Mục", "Văn bản đến", "Văn bản đi")
    months = sorted(set(i.by_month) | set(o.by_month), key=_month_key)
    resolution_columns = ("Đơn vị", *(RESOLUTION_LABELS[s] for s in RESOLUTION_STATES), TOTAL)
    units = sorted({u for u, _ in r.by_unit}, key=lambda u: (u == NO_UNIT, u))
    resolution_months = sorted({m for m, _ in r.by_month}, key=_month_key)
    handover_states = list(HANDOVER_LABELS)
    return [
        Table(
            "Tổng hợp",
            both,
            [
                ("Văn bản đăng ký (không kể đã hủy)", i.total, o.total),
                ("Văn bản đã hủy", i.cancelled, o.cancelled),
                ("Văn bản đến chưa phân công đơn vị chủ trì", r.unassigned, 0),
            ],
        ),
        Table(MONTHS, both, [(m, i.by_month[m], o.by_month[m]) for m in months]),
        Table(TYPES, both, rows_of(i.by_type, o.by_type)),
        Table("Theo độ khẩn", both, rows_of(i.by_urgency, o.by_urgency)),
        Table("Theo nguồn nhận (văn bản đến)", both, rows_of(i.by_channel, Counter())),
        Table(
            "Theo đơn vị (nhận văn bản đến / soạn văn bản đi)",
            both,
            rows_of(i.by_unit, o.by_unit),
        ),
        Table(RESOLUTION_BY_UNIT, resolution_columns, by_state(r.by_unit, units), total=True),
        Table(
            RESOLUTION_BY_MONTH,
            ("Tháng đến", *resolution_columns[1:]),
            by_state(r.by_month, resolution_months),
            total=True,
        ),
        Table(
            HANDOVER,
            ("Mục", "Văn bản đến"),
            [(HANDOVER_LABELS[k], i.handover[k]) for k in handover_states],
        ),
        Table(
            HANDOVER_BY_RULE,
            ("Thời hạn", *(HANDOVER_LABELS[k] for k in handover_states), TOTAL),
            [
                (
                    TIME_LIMIT_NAMES[rule.value],
                    *(i.handover_by_rule[(rule.value, k)] for k in handover_states),
                    sum(i.handover_by_rule[(rule.value, k)] for k in handover_states),
                )
                for rule in HANDOVER_RULES
            ],
            total=True,
        ),
    ]


def _sheet_title(heading: str) -> str:
    return heading[:31].replace("/", "-")


def _write_xlsx(stats: Statistics, agency: str, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    first_sheet = book.active
    for n, table in enumerate(tables(stats)):
        sheet = first_sheet if n == 0 else book.create_sheet()
        assert sheet is not None
        sheet.title = _sheet_title(table.heading)
        sheet.append([agency])
        sheet.append([f"Thống kê văn bản — {table.heading}"])
        sheet.append([f"{_title(stats)} · {_as_of(stats)}"])
        sheet.append([])
        sheet.append(list(table.columns))
        for cell in sheet[5]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet["A2"].font = Font(bold=True, size=13)
        body = table.body()
        for values in body:
            sheet.append(list(values))
        if table.total and body:
            for cell in sheet[5 + len(body)]:
                cell.font = Font(bold=True)
        sheet.column_dimensions["A"].width = 48
        for col in range(2, len(table.columns) + 1):
            sheet.column_dimensions[chr(ord("A") + col - 1)].width = 16
        if table.heading == MONTHS and table.rows:
            chart = BarChart()
            chart.title = "Văn bản theo tháng"
            chart.y_axis.title = "Số văn bản"
            values = Reference(sheet, min_col=2, max_col=3, min_row=5, max_row=5 + len(table.rows))
            chart.add_data(values, titles_from_data=True)
            chart.set_categories(
                Reference(sheet, min_col=1, min_row=6, max_row=5 + len(table.rows))
            )
            sheet.add_chart(chart, "E5")
    notes = book.create_sheet("Ghi chú")
    for line in stats.notes:
        notes.append([line])
    notes.column_dimensions["A"].width = 120
    book.properties.title = f"Thống kê văn bản {_title(stats).lower()}"
    book.properties.creator = agency
    book.save(str(path))


EMPTY_PERIOD = "Trong kỳ không có văn bản đến, văn bản đi nào được đăng ký."
# Colours of the resolution states in the chart: on time, late, overdue, not yet due, none.
STATE_COLOURS = ("#2e7d32", "#ef6c00", "#c62828", "#1f4e79", "#9e9e9e")


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
        TableStyle,
    )
    from reportlab.platypus import (
        Table as PdfTable,
    )

    regular, bold = register_fonts()
    base = ParagraphStyle("base", fontName=regular, fontSize=11, leading=14)
    heading = ParagraphStyle("h", parent=base, fontName=bold, fontSize=12, spaceBefore=8)
    title = ParagraphStyle("t", parent=base, fontName=bold, fontSize=15, alignment=1, leading=19)
    centred = ParagraphStyle("c", parent=base, alignment=1)
    cell = ParagraphStyle("cell", parent=base, fontSize=9.5, leading=11.5)
    head_cell = ParagraphStyle("hc", parent=cell, fontName=bold, alignment=1)
    blue, red = colors.HexColor("#1f4e79"), colors.HexColor("#c0504d")

    story: list[Any] = [
        Paragraph(agency.upper(), ParagraphStyle("a", parent=base, fontName=bold)),
        Spacer(1, 0.4 * cm),
        Paragraph("BÁO CÁO THỐNG KÊ VĂN BẢN ĐẾN, VĂN BẢN ĐI", title),
        Paragraph(_title(stats), centred),
        Paragraph(_as_of(stats), centred),
        Spacer(1, 0.4 * cm),
    ]
    all_tables = {t.heading: t for t in tables(stats)}
    months = all_tables[MONTHS].rows
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
    resolved_months = all_tables[RESOLUTION_BY_MONTH].rows
    if resolved_months:
        story += [_resolution_chart(resolved_months, regular, bold), Spacer(1, 0.3 * cm)]
    types = all_tables[TYPES].rows[:10]
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
    width = 16 * cm
    for table in all_tables.values():
        body = table.body()
        if not body:
            continue
        numbers = len(table.columns) - 1
        number_width = 3 * cm if numbers <= 2 else 1.75 * cm
        widths = [width - numbers * number_width] + [number_width] * numbers
        style = TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), regular, 10),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
            ]
            + ([("FONT", (0, -1), (-1, -1), bold, 10)] if table.total else [])
        )
        grid = PdfTable(
            [
                [Paragraph(c, head_cell) for c in table.columns],
                *[[Paragraph(str(r[0]), cell), *r[1:]] for r in body],
            ],
            colWidths=widths,
            repeatRows=1,
        )
        grid.setStyle(style)
        story.append(KeepTogether([Paragraph(table.heading, heading), grid]))
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
        initialFontName=regular,  # no Helvetica declared on pages that never use it
    )
    document.build(story, onFirstPage=footer, onLaterPages=footer)


def _resolution_chart(months: list[tuple[Any, ...]], regular: str, bold: str) -> Any:
    """Stacked bars: how the documents of each month of arrival stand, state by state."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors
    from reportlab.lib.units import cm

    box = Drawing(16 * cm, 7.6 * cm)
    bars = VerticalBarChart()
    bars.x, bars.y, bars.width, bars.height = 40, 30, 15 * cm - 40, 5.0 * cm - 20
    bars.data = [[m[1 + k] for m in months] for k in range(len(RESOLUTION_STATES))]
    bars.categoryAxis.categoryNames = [m[0] for m in months]
    bars.categoryAxis.style = "stacked"
    bars.categoryAxis.labels.fontName = regular
    bars.categoryAxis.labels.fontSize = 7
    bars.valueAxis.labels.fontName = regular
    bars.valueAxis.valueMin = 0
    for k, colour in enumerate(STATE_COLOURS):
        bars.bars[k].fillColor = colors.HexColor(colour)
    box.add(bars)
    legend = Legend()
    legend.x, legend.y = 40, 6.85 * cm
    legend.columnMaximum = 2  # three columns of two states above the bars
    legend.deltax = 4.6 * cm
    legend.alignment = "right"  # the swatch, then its name
    legend.fontName = regular
    legend.fontSize = 8
    legend.colorNamePairs = [
        (colors.HexColor(c), RESOLUTION_LABELS[s])
        for c, s in zip(STATE_COLOURS, RESOLUTION_STATES, strict=True)
    ]
    box.add(legend)
    box.add(
        String(
            40,
            7.25 * cm,
            "Tình trạng giải quyết văn bản đến theo tháng",
            fontName=bold,
            fontSize=10,
        )
    )
    return box
