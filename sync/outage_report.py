"""The incident report (biên bản sự cố kỹ thuật, KH&CN 2018 art. 5) of one recorded outage, as PDF.

Reads the desk's outage record and what was registered or drafted on the desk meanwhile; writes
nothing but the output file. No Qt; no numbering decisions.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from clerk_app import errors
from clerk_app.clock import VIETNAM, Clock, system_clock, to_vietnam, vietnam_date
from clerk_app.instructions.records import HandoverInfo
from clerk_app.instructions.secretary import agency_calendar
from clerk_app.printing.fonts import register_fonts
from clerk_app.storage.models import Agency, Document, OutboxEntry
from clerk_app.storage.sync_models import Outage, SyncDraft
from clerk_app.vocabulary import NORMAL_URGENCY, is_urgent, urgency_rank
from clerk_app.workdays.calendar import WorkCalendar
from clerk_app.workdays.office_hours import OfficeHours, load_office_hours
from sync import protocol as p
from sync.engine import DeskSync

# KH&CN 2018 art. 5.1: beyond this many working hours the office switches to paper.
PAPER_THRESHOLD = timedelta(hours=4)
DEFAULT_HOURS = OfficeHours()


def working_time_lost(
    start: datetime,
    end: datetime,
    hours: OfficeHours = DEFAULT_HOURS,
    calendar: WorkCalendar | None = None,
) -> timedelta:
    """Office time between `start` and `end` on working days (weekends and holidays count 0)."""
    calendar = calendar or WorkCalendar()
    first, last = to_vietnam(start), to_vietnam(end)
    lost = timedelta()
    day = first.date()
    while day <= last.date():
        if calendar.is_working_day(day):
            for opens, closes in hours.spans:
                a = max(first, datetime.combine(day, opens, VIETNAM))
                b = min(last, datetime.combine(day, closes, VIETNAM))
                if b > a:
                    lost += b - a
        day += timedelta(days=1)
    return lost


@dataclass(frozen=True)
class HandledItem:
    """A document registered, or a draft made, on this desk during the outage."""

    document_id: str  # the document's id, or the draft's (which becomes the document's)
    kind: str  # "document" | "draft"
    direction: str  # incoming | outgoing
    number: int | None  # None for a draft: it has no number until the server gives one
    at: datetime
    issuer: str
    reference: str
    subject: str
    urgency: str

    @property
    def urgent(self) -> bool:
        return is_urgent(self.urgency)


@dataclass
class OutageFacts:
    outage_id: int
    agency_name: str
    agency_code: str
    station: str
    desk_id: str
    started_at: datetime
    ended_at: datetime | None
    cause: str
    duration: timedelta
    working_time_lost: timedelta
    office_hours: OfficeHours
    items: list[HandledItem] = field(default_factory=list)
    # The paper handover log kept during the outage (sổ chuyển giao, KH&CN 2018 art. 5.1).
    handovers: list[HandoverInfo] = field(default_factory=list)

    @property
    def paper_mode(self) -> bool:
        return self.working_time_lost > PAPER_THRESHOLD

    @property
    def urgent(self) -> list[HandledItem]:
        return [i for i in self.items if i.urgent]

    def paper_handover(self, item: HandledItem) -> HandoverInfo | None:
        """The first line of the outage's handover log for the item's paper, if it was handed."""
        return next((h for h in self.handovers if h.document_id == item.document_id), None)


def desk_calendar(desk: DeskSync, hours: OfficeHours) -> WorkCalendar:
    """The agency's working days on this desk (with the administrator's overrides), at `hours`."""
    with desk.db.read() as s:
        return agency_calendar(s, hours)


def outage_facts(
    desk: DeskSync,
    outage_id: int | None = None,
    hours: OfficeHours | None = None,
    clock: Clock = system_clock,
) -> OutageFacts:
    """Gather the report's facts; `outage_id` None means the last recorded outage.

    Hours lost are counted with the desk's stored office hours (unless `hours` is given) and
    the agency's calendar including the administrator's make-up days and extra days off.
    """
    hours = hours or load_office_hours(desk.data_dir)
    calendar = desk_calendar(desk, hours)
    with desk.db.read() as s:
        if outage_id is None:
            outage = s.execute(
                select(Outage).order_by(Outage.id.desc()).limit(1)
            ).scalar_one_or_none()
        else:
            outage = s.get(Outage, outage_id)
        if outage is None:
            raise errors.OutageNotFound(outage_id)
        agency = s.get_one(Agency, desk.agency_id)
        # An outage still open is reported up to now.
        end = outage.ended_at or clock()
        registered_ids = s.execute(
            select(OutboxEntry.entity_id).where(
                OutboxEntry.op.in_(p.REGISTER_OPS),
                OutboxEntry.at >= outage.started_at,
                OutboxEntry.at <= end,
            )
        ).scalars()
        items = [
            HandledItem(
                d.id,
                "document",
                d.direction,
                d.number,
                d.received_at or d.created_at,
                d.issuer,
                d.reference,
                d.subject,
                d.urgency,
            )
            for d in s.execute(
                select(Document).where(Document.id.in_(list(registered_ids)))
            ).scalars()
        ]
        for draft in s.execute(
            select(SyncDraft).where(
                SyncDraft.created_at >= outage.started_at, SyncDraft.created_at <= end
            )
        ).scalars():
            f: dict[str, Any] = json.loads(draft.fields)
            items.append(
                HandledItem(
                    draft.id,
                    "draft",
                    draft.direction,
                    None,
                    draft.created_at,
                    str(f.get("issuer") or ""),
                    str(f.get("reference") or ""),
                    str(f.get("subject") or ""),
                    str(f.get("urgency") or NORMAL_URGENCY),
                )
            )
        # Urgent first (art. 5.1: reported to the competent person at once), then in time order.
        items.sort(key=lambda i: (urgency_rank(i.urgency), i.at))
        facts = OutageFacts(
            outage_id=outage.id,
            agency_name=agency.name,
            agency_code=agency.code,
            station=desk.station,
            desk_id=desk.desk_id,
            started_at=outage.started_at,
            ended_at=outage.ended_at,
            cause=outage.cause,
            duration=end - outage.started_at,
            working_time_lost=working_time_lost(outage.started_at, end, hours, calendar),
            office_hours=hours,
            items=items,
        )
    # Read through the core's public API, after this desk's read transaction has ended.
    facts.handovers = _handovers_during(desk, facts.started_at, end)
    return facts


def _handovers_during(desk: DeskSync, start: datetime, end: datetime) -> list[HandoverInfo]:
    """Lines of the desk's paper handover log written between `start` and `end`."""
    from clerk_app.instructions.handover import handover_log
    from clerk_app.workspace import Workspace

    with Workspace.open(desk.data_dir, actor="sync") as ws:
        lines = handover_log(ws.secretary, vietnam_date(start), vietnam_date(end))
    return [h for h in lines if start <= h.handed_at <= end]


def hours_text(span: timedelta) -> str:
    """ "5 giờ 30 phút" — whole minutes, rounded down."""
    minutes = int(span.total_seconds() // 60)
    h, m = divmod(minutes, 60)
    return f"{h} giờ {m:02d} phút"


def duration_text(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    h, m = divmod(rest, 60)
    return (f"{days} ngày " if days else "") + f"{h} giờ {m:02d} phút"


def _moment(value: datetime) -> str:
    return f"{to_vietnam(value):%H:%M ngày %d/%m/%Y}"


def write_outage_report(facts: OutageFacts, out: Path, made_at: datetime) -> Path:
    """Write the report PDF to `out` atomically (a crash leaves no half-written file)."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    regular, bold = register_fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=13, leading=17, spaceAfter=4)
    small = ParagraphStyle("small", parent=body, fontSize=11, leading=13, spaceAfter=0)
    centre = ParagraphStyle("centre", parent=body, alignment=TA_CENTER, spaceAfter=0)
    centre_bold = ParagraphStyle("cb", parent=centre, fontName=bold)
    header_bold = ParagraphStyle("hb", parent=centre_bold, fontSize=12, leading=15)
    title = ParagraphStyle("title", parent=centre_bold, fontSize=14, leading=20, spaceBefore=10)
    heading = ParagraphStyle("h", parent=body, fontName=bold, spaceBefore=6)

    def para(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(text), style)

    width = A4[0] - 45 * mm  # the page less the 30 mm and 15 mm margins
    story: list[Any] = []
    header = Table(
        [
            [
                para(facts.agency_name.upper(), header_bold),
                para("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", header_bold),
            ],
            [para("", centre), para("Độc lập - Tự do - Hạnh phúc", centre_bold)],
        ],
        colWidths=[width * 0.42, width * 0.58],
    )
    header.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [
        header,
        para(
            f"ngày {to_vietnam(made_at):%d} tháng {to_vietnam(made_at):%m} năm {to_vietnam(made_at):%Y}",
            ParagraphStyle("d", parent=body, alignment=2, fontName=regular),
        ),
    ]
    story += [
        para("BIÊN BẢN SỰ CỐ KỸ THUẬT", title),
        para("Về việc mất kết nối với Hệ thống quản lý văn bản", centre),
        Spacer(1, 6 * mm),
        para(
            "Căn cứ Điều 5 Quy chế quản lý, vận hành, sử dụng Hệ thống quản lý văn bản và điều "
            "hành (Bộ Khoa học và Công nghệ, 2018), văn thư lập biên bản sự cố kỹ thuật như sau:"
        ),
    ]
    end_text = (
        _moment(facts.ended_at) if facts.ended_at else "chưa khắc phục (tính đến lúc lập biên bản)"
    )
    rows = [
        ("Cơ quan", f"{facts.agency_name} ({facts.agency_code})"),
        ("Bàn làm việc (máy trạm)", facts.station),
        ("Mã bàn làm việc", facts.desk_id),
        ("Bắt đầu sự cố", _moment(facts.started_at)),
        ("Kết thúc sự cố", end_text),
        ("Thời gian gián đoạn", duration_text(facts.duration)),
        ("Số giờ làm việc bị gián đoạn", hours_text(facts.working_time_lost)),
        (
            "Giờ làm việc tính theo",
            facts.office_hours.label() + "; không tính thứ Bảy, Chủ nhật, ngày lễ",
        ),
        (
            "Nguyên nhân ghi nhận",
            "Không kết nối được máy chủ trung tâm" + (f" ({facts.cause})" if facts.cause else ""),
        ),
    ]
    facts_table = Table(
        [[para(a, small), para(b, small)] for a, b in rows], colWidths=[width * 0.35, width * 0.65]
    )
    facts_table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story += [facts_table, Spacer(1, 3 * mm)]
    if facts.paper_mode:
        story.append(
            para(
                "Hệ thống tạm ngưng quá 4 giờ làm việc: văn thư chuyển sang quy trình xử lý văn bản "
                "giấy, ghi sổ chuyển giao văn bản cho đến khi sự cố được khắc phục."
            )
        )
    else:
        story.append(para("Thời gian gián đoạn không quá 4 giờ làm việc."))

    def grid(header: tuple[str, ...], rows: list[list[str]], widths: tuple[float, ...]) -> Table:
        table = Table(
            [[para(h, small) for h in header]] + [[para(c, small) for c in r] for r in rows],
            colWidths=[w * width for w in widths],
            repeatRows=1,
        )
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                ]
            )
        )
        return table

    def number_text(item: HandledItem) -> str:
        book = "đến" if item.direction == "incoming" else "đi"
        if item.number is None:
            return f"Dự thảo (sổ {book}), chờ cấp số"
        return f"Số {item.number} (sổ {book})"

    def what(item: HandledItem) -> str:
        return " — ".join(x for x in (item.issuer, item.reference, item.subject) if x)

    urgent = facts.urgent
    story.append(para(f"Văn bản khẩn trong thời gian sự cố: {len(urgent)}", heading))
    if urgent:
        story.append(
            para(
                "Các văn bản khẩn dưới đây được xử lý ngay bằng bản giấy và phải được báo cáo ngay "
                "người có thẩm quyền để xử lý (Điều 5 khoản 1)."
            )
        )
        urgent_rows: list[list[str]] = []
        for n, item in enumerate(urgent, 1):
            handed = facts.paper_handover(item)
            urgent_rows.append(
                [
                    str(n),
                    number_text(item),
                    item.urgency,
                    what(item),
                    f"Đã chuyển cho {handed.receiver} lúc {handed.handed_at:%H:%M %d/%m/%Y}"
                    if handed
                    else "Chưa chuyển giao bản giấy",
                ]
            )
        story.append(
            grid(
                ("TT", "Số / dự thảo", "Độ khẩn", "Tác giả, số ký hiệu, trích yếu", "Bản giấy"),
                urgent_rows,
                (0.06, 0.2, 0.13, 0.36, 0.25),
            )
        )
    story.append(para(f"Văn bản đã xử lý trong thời gian sự cố: {len(facts.items)}", heading))
    if facts.items:
        story.append(
            grid(
                ("TT", "Số / dự thảo", "Thời điểm", "Tác giả, số ký hiệu, trích yếu", "Độ khẩn"),
                [
                    [
                        str(n),
                        number_text(item),
                        f"{to_vietnam(item.at):%H:%M %d/%m/%Y}",
                        what(item),
                        item.urgency,
                    ]
                    for n, item in enumerate(facts.items, 1)
                ],
                (0.06, 0.2, 0.16, 0.43, 0.15),
            )
        )
    story.append(
        para(
            f"Sổ chuyển giao văn bản giấy trong thời gian sự cố: {len(facts.handovers)} lượt",
            heading,
        )
    )
    if facts.handovers:
        story.append(
            grid(
                ("TT", "Số đến", "Số ký hiệu, trích yếu", "Thời điểm", "Nơi nhận", "Ký nhận"),
                [
                    [
                        str(n),
                        f"{h.number}/{h.year}",
                        " — ".join(x for x in (h.reference, h.subject) if x),
                        f"{h.handed_at:%H:%M %d/%m/%Y}",
                        h.receiver + (f" ({h.copies} bản)" if h.copies else ""),
                        h.signed_by or "chưa ký nhận",
                    ]
                    for n, h in enumerate(facts.handovers, 1)
                ],
                (0.06, 0.11, 0.35, 0.16, 0.18, 0.14),
            )
        )
    else:
        story.append(para("Không có văn bản giấy nào được chuyển giao trong thời gian sự cố."))
    story += [
        Spacer(1, 3 * mm),
        para(
            "Ngay sau khi sự cố được khắc phục, các thông tin đã xử lý được cập nhật, bổ sung vào "
            "cơ sở dữ liệu của Hệ thống."
        ),
        Spacer(1, 8 * mm),
    ]
    signatures = Table(
        [
            [para("VĂN THƯ", centre_bold), para("NGƯỜI CÓ THẨM QUYỀN", centre_bold)],
            [para("(Ký, ghi rõ họ tên)", centre), para("(Ký, ghi rõ họ tên)", centre)],
        ],
        colWidths=[width / 2, width / 2],
    )
    story.append(signatures)

    out = Path(out)
    tmp = out.with_name(out.name + ".part")
    SimpleDocTemplate(
        str(tmp),
        pagesize=A4,
        leftMargin=30 * mm,
        rightMargin=15 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title="Biên bản sự cố kỹ thuật",
    ).build(story)
    os.replace(tmp, out)
    return out
