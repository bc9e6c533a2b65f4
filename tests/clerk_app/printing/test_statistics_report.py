"""The statistics report: counts from the real registers, read back from the PDF and the XLSX."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pymupdf
import pytest
from openpyxl import load_workbook
from printing_desk import Desk, assert_nfc

from clerk_app import errors
from clerk_app.clock import VIETNAM
from clerk_app.instructions.handover import hand_over_paper
from clerk_app.instructions.records import InstructionDraft
from clerk_app.instructions.secretary import Secretary
from clerk_app.printing.report import (
    HANDOVER_BY_RULE,
    MONTHS,
    RESOLUTION_BY_MONTH,
    RESOLUTION_BY_UNIT,
    collect,
    tables,
    write_report,
)
from clerk_app.records import IncomingDraft
from clerk_app.workdays.limits import TimeLimit
from clerk_app.workspace import Workspace


def test_counts_by_type_urgency_channel_unit_month(desk: Desk) -> None:
    stats = collect(desk.ws, date(2026, 1, 1), date(2026, 3, 31))
    assert stats.incoming.total == 82 and stats.incoming.cancelled == 1
    assert stats.outgoing.total == 6
    assert stats.incoming.by_month == {"01/2026": 40, "02/2026": 40, "03/2026": 2}
    assert stats.incoming.by_type == {"Công văn": 82}
    assert stats.incoming.by_urgency == {"Thường": 82}
    assert stats.incoming.by_channel == {"Bưu chính": 82}
    assert stats.outgoing.by_unit == {"Văn phòng Sở": 6}
    # Nothing was handed over and every handover day has passed (the desk's clock is in June).
    assert stats.incoming.handover == {"overdue": 82}
    assert stats.incoming.handover_by_rule == {("same_or_next_working_day", "overdue"): 82}
    # No leader's instruction yet: nothing has a lead unit or a deadline.
    assert stats.resolution.unassigned == 82 and not stats.resolution.by_unit


def test_a_period_outside_the_data_counts_nothing(desk: Desk) -> None:
    stats = collect(desk.ws, date(2026, 5, 1), date(2026, 5, 31))
    assert stats.incoming.total == stats.outgoing.total == 0


def test_xlsx_has_every_table_and_the_notes(desk: Desk, tmp_path: Path) -> None:
    out = tmp_path / "thong-ke.xlsx"
    write_report(desk.ws, date(2026, 1, 1), date(2026, 3, 31), out)
    book = load_workbook(out)
    assert "Theo tháng" in book.sheetnames and "Ghi chú" in book.sheetnames
    months = {r[0]: (r[1], r[2]) for r in book["Theo tháng"].iter_rows(min_row=6, values_only=True)}
    assert months == {"01/2026": (40, 0), "02/2026": (40, 6), "03/2026": (2, 0)}
    assert book["Theo tháng"]._charts, "the months sheet carries a chart"
    summary = list(book["Tổng hợp"].iter_rows(min_row=6, values_only=True))
    assert summary[0][1:] == (82, 6) and summary[1][1:] == (1, 0)
    notes = " ".join(str(r[0]) for r in book["Ghi chú"].iter_rows(values_only=True))
    assert "Thời hạn giải quyết" not in notes, "deadlines are recorded: no excuse printed"
    assert "Bộ luật Dân sự, Điều 148" in notes and "ngày lễ, Tết" in notes


def test_pdf_report_reads_back_in_vietnamese(desk: Desk, tmp_path: Path) -> None:
    out = tmp_path / "thong-ke.pdf"
    write_report(desk.ws, date(2026, 1, 1), date(2026, 3, 31), out)
    with pymupdf.open(out) as doc:
        text = "\n".join(page.get_text() for page in doc)
        assert doc[0].get_drawings(), "the first page draws its charts"
    assert_nfc(text)
    for phrase in (
        "BÁO CÁO THỐNG KÊ VĂN BẢN ĐẾN, VĂN BẢN ĐI",
        "Từ ngày 01/01/2026 đến ngày 31/03/2026",
        "Số văn bản theo tháng",
        "Theo độ khẩn",
        "Quá hạn, chưa chuyển giao",
        "Giải quyết văn bản đến theo đơn vị chủ trì",
        "Số liệu tính đến",
    ):
        assert phrase in text.replace("\n", " "), phrase
    assert "chưa được ghi nhận" not in text and "chưa trừ ngày lễ" not in text


def test_reversed_period_and_wrong_extension_are_refused(desk: Desk, tmp_path: Path) -> None:
    with pytest.raises(errors.PeriodReversed):
        write_report(desk.ws, date(2026, 3, 1), date(2026, 1, 1), tmp_path / "r.pdf")
    with pytest.raises(errors.InvalidValue):
        write_report(desk.ws, date(2026, 1, 1), date(2026, 3, 1), tmp_path / "r.docx")
    assert list(tmp_path.iterdir()) == []


def test_an_empty_period_says_so_and_draws_no_chart(desk: Desk, tmp_path: Path) -> None:
    out = tmp_path / "trong.pdf"
    stats = write_report(desk.ws, date(2026, 5, 1), date(2026, 5, 31), out)
    assert stats.incoming.total == stats.outgoing.total == 0
    with pymupdf.open(out) as doc:
        text = " ".join("\n".join(page.get_text() for page in doc).split())
        header = tuple(round(v / 255, 3) for v in (0xE8, 0xEE, 0xF5))
        bars = [
            d
            for page in doc
            for d in page.get_drawings()
            if d.get("fill") not in (None, (1.0, 1.0, 1.0))
            and tuple(round(v, 3) for v in d["fill"]) != header
        ]
    assert "Trong kỳ không có văn bản đến, văn bản đi nào được đăng ký." in text
    assert "Số văn bản theo tháng" not in text
    assert "Văn bản đăng ký (không kể đã hủy) 0 0" in text
    # Only the tables' header shading is filled: no bar of a chart on any page.
    assert bars == []
    assert "Tình trạng giải quyết văn bản đến theo tháng" not in text
    assert "Giải quyết văn bản đến theo đơn vị chủ trì" in text, "shown with its zero total"


def test_a_period_across_two_years_charts_its_months_in_order(
    workspace: Workspace, clock: Any, tmp_path: Path
) -> None:
    for when in (
        datetime(2025, 12, 29, 9, 0, tzinfo=VIETNAM),
        datetime(2025, 12, 30, 9, 0, tzinfo=VIETNAM),
        datetime(2026, 1, 5, 9, 0, tzinfo=VIETNAM),
    ):
        clock.now = when
        workspace.register_incoming(
            IncomingDraft(
                issuer="Sở Tài chính",
                reference=f"{when.day}/STC-NS",
                issued_on=when.date(),
                doc_type="Công văn",
                subject="Về việc quyết toán kinh phí",
                received_at=when,
            )
        )
    out = tmp_path / "hai-nam.pdf"
    stats = write_report(workspace, date(2025, 12, 1), date(2026, 1, 31), out)
    assert stats.incoming.by_month == {"12/2025": 2, "01/2026": 1}
    (months,) = [t for t in tables(stats) if t.heading == MONTHS]
    assert months.rows == [("12/2025", 2, 0), ("01/2026", 1, 0)]
    with pymupdf.open(out) as doc:
        text = doc[0].get_text()
        words = doc[0].get_text("words")
    assert "Số văn bản theo tháng" in text
    # Made on 05/01/2026: the report states the days it counted, not the month's end.
    assert "Từ ngày 01/12/2025 đến ngày 05/01/2026" in " ".join(text.split())
    assert stats.last == date(2026, 1, 5)
    # The chart's axis is the one line holding both months: December left of January. (The
    # months table below holds them on lines of their own.)
    december = [w for w in words if w[4] == "12/2025"]
    january = [w for w in words if w[4] == "01/2026"]
    axis = [(d, j) for d in december for j in january if abs(d[1] - j[1]) < 1]
    assert len(axis) == 1 and axis[0][0][0] < axis[0][1][0]
    assert len(december) == len(january) == 2  # the axis and the table


# --- resolution and handover, counted with `clerk due`'s calendar, hours and limits -----------


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=VIETNAM)


@dataclass
class Office:
    """Nine incoming documents from March to May 2026, their instructions and handovers, with
    the state each must show on 04/05/2026 at 10:00 (a Monday after 30/4, 1/5 and a weekend)."""

    ws: Workspace
    sec: Secretary
    ids: dict[str, str]


def _arrive(ws: Workspace, clock: Any, when: datetime, name: str, urgency: str = "Thường") -> str:
    clock.now = when
    return ws.register_incoming(
        IncomingDraft(
            issuer="Sở Tài chính",
            reference=f"{name}/STC-NS",
            issued_on=when.date(),
            doc_type="Công văn",
            subject=f"Về việc {name}",
            urgency=urgency,
            received_at=when,
        )
    ).document.summary.id


@pytest.fixture
def office(workspace: Workspace, clock: Any) -> Office:
    ws, sec = workspace, Secretary(workspace)
    ws.add_person("Trần Thị Lan", "VP", "Chuyên viên")
    ids: dict[str, str] = {}

    def instruct(name: str, when: datetime, lead: str, deadline: date) -> None:
        clock.now = when
        sec.instruct(
            ids[name],
            InstructionDraft(leader="Giám đốc", text="Xử lý", lead=lead, deadline=deadline),
        )

    def complete(name: str, on: date) -> None:
        (item,) = [i for i in sec.due() if i.document_id == ids[name] and i.role == "lead"]
        sec.complete(item.assignment_id, done_on=on)

    # A: handed over at once, resolved before its deadline.
    ids["A"] = _arrive(ws, clock, at(3, 2, 8, 30), "A")
    instruct("A", at(3, 2, 8, 40), "KT", date(2026, 3, 6))
    hand_over_paper(sec, ids["A"], "KT")
    # B: Thượng khẩn, handed over three working hours after it came: late by its own rule
    # (within the working hour), though the ordinary rule would have it on time; resolved a
    # day late by a person of VP.
    ids["B"] = _arrive(ws, clock, at(3, 2, 9, 0), "B", "Thượng khẩn")
    instruct("B", at(3, 2, 13, 30), "Trần Thị Lan", date(2026, 3, 4))
    hand_over_paper(sec, ids["B"], "Trần Thị Lan")
    # C: deadline written on a Sunday (08/03), resolved on the Monday: on time.
    ids["C"] = _arrive(ws, clock, at(3, 3, 10, 0), "C")
    instruct("C", at(3, 3, 10, 5), "KT", date(2026, 3, 8))
    # D: due 12/03 and never resolved.  E: due at the end of May.  F: no instruction.
    ids["D"] = _arrive(ws, clock, at(3, 4, 9, 0), "D")
    instruct("D", at(3, 4, 9, 5), "KT", date(2026, 3, 12))
    ids["E"] = _arrive(ws, clock, at(3, 5, 9, 0), "E")
    instruct("E", at(3, 5, 9, 5), "VP", date(2026, 5, 29))
    ids["F"] = _arrive(ws, clock, at(3, 6, 9, 0), "F")
    # G: came on Wednesday 29/04 afternoon, handed over on Monday 04/05: on time across 30/4,
    # 1/5 and the weekend; its deadline on 1/5 (a holiday) met on 04/05.
    ids["G"] = _arrive(ws, clock, at(4, 29, 15, 0), "G")
    instruct("G", at(4, 29, 15, 10), "KT", date(2026, 5, 1))
    # H: Hỏa tốc at 16:50 on 29/04, not passed on at all.
    ids["H"] = _arrive(ws, clock, at(4, 29, 16, 50), "H", "Hỏa tốc")
    clock.now = at(5, 4, 9, 0)
    hand_over_paper(sec, ids["G"], "KT")
    complete("A", date(2026, 3, 5))
    complete("B", date(2026, 3, 5))
    complete("C", date(2026, 3, 9))
    complete("G", date(2026, 5, 4))
    # I: arrived this morning, still within its day.
    ids["I"] = _arrive(ws, clock, at(5, 4, 9, 30), "I")
    clock.now = at(5, 4, 10, 0)
    return Office(ws, sec, ids)


RESOLVED_BY_UNIT = {
    # unit: on time, late, due and unresolved, not yet due, no deadline, total
    "Phòng Kinh tế": (3, 0, 1, 0, 0, 4),
    "Văn phòng": (0, 1, 0, 1, 0, 2),
    "Tổng cộng": (3, 1, 1, 1, 0, 6),
}
RESOLVED_BY_MONTH = {
    "03/2026": (2, 1, 1, 1, 0, 5),
    "04/2026": (1, 0, 0, 0, 0, 1),
    "Tổng cộng": (3, 1, 1, 1, 0, 6),
}
HANDED_OVER = {
    # rule: on time, late, overdue, pending, total
    "Văn bản khẩn: ngay, trong 01 giờ làm việc": (0, 1, 1, 0, 2),
    "Trong 08 giờ làm việc": (0, 0, 0, 0, 0),
    "Trong ngày hoặc ngày làm việc tiếp theo": (2, 0, 4, 1, 7),
    "Tổng cộng": (2, 1, 5, 1, 9),
}


def test_resolution_and_handover_agree_with_clerk_due(office: Office) -> None:
    stats = collect(office.ws, date(2026, 3, 1), date(2026, 5, 31))
    assert stats.last == date(2026, 5, 4), "the period ends on the day the report is made"
    by_table = {t.heading: {r[0]: tuple(r[1:]) for r in t.body()} for t in tables(stats)}
    assert by_table[RESOLUTION_BY_UNIT] == RESOLVED_BY_UNIT
    assert by_table[RESOLUTION_BY_MONTH] == RESOLVED_BY_MONTH
    assert by_table[HANDOVER_BY_RULE] == HANDED_OVER
    assert stats.resolution.unassigned == 3  # F, H, I
    # The same documents as `clerk due` sees them: its follow-up state and its handover flag.
    due = {i.document_id: i for i in office.sec.due(include_done=True)}
    ids = office.ids
    assert due[ids["C"]].state == "done_on_time" and due[ids["D"]].state == "overdue"
    assert due[ids["B"]].state == "done_late" and due[ids["E"]].state == "open"
    assert due[ids["B"]].flags[-1] == "immediately:breached"
    assert due[ids["G"]].flags[-1] == "same_or_next_working_day:met"
    limits = office.sec.handover_limits(ids.values())
    assert limits[ids["H"]].rule is TimeLimit.IMMEDIATELY
    assert limits[ids["H"]].state == "breached", "an urgent document is late, not «at risk»"


def test_resolution_tables_read_back_from_xlsx_and_pdf(office: Office, tmp_path: Path) -> None:
    xlsx, pdf = tmp_path / "thong-ke.xlsx", tmp_path / "thong-ke.pdf"
    write_report(office.ws, date(2026, 3, 1), date(2026, 5, 31), xlsx)
    write_report(office.ws, date(2026, 3, 1), date(2026, 5, 31), pdf)
    book = load_workbook(xlsx)
    for heading, expected in (
        (RESOLUTION_BY_UNIT, RESOLVED_BY_UNIT),
        (RESOLUTION_BY_MONTH, RESOLVED_BY_MONTH),
        (HANDOVER_BY_RULE, HANDED_OVER),
    ):
        sheet = book[heading[:31]]
        header = [c.value for c in sheet[5]]
        assert header[-1] == "Tổng cộng"
        found = {r[0]: tuple(r[1:]) for r in sheet.iter_rows(min_row=6, values_only=True)}
        assert found == expected, heading
    unit_header = [c.value for c in book[RESOLUTION_BY_UNIT[:31]][5]]
    assert unit_header == [
        "Đơn vị",
        "Đã giải quyết đúng hạn",
        "Đã giải quyết quá hạn",
        "Đến hạn, chưa giải quyết",
        "Chưa đến hạn",
        "Không ghi hạn",
        "Tổng cộng",
    ]
    assert "Từ ngày 01/03/2026 đến ngày 04/05/2026" in str(book["Tổng hợp"]["A3"].value)

    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert_nfc(text)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert "Từ ngày 01/03/2026 đến ngày 04/05/2026" in lines
    assert "Số liệu tính đến 10:00 ngày 04/05/2026" in lines
    assert "Phòng Kinh tế 3 0 1 0 0 4" in lines
    assert "Văn phòng 0 1 0 1 0 2" in lines
    assert "03/2026 2 1 1 1 0 5" in lines
    assert any(line == "Văn bản khẩn: ngay, trong 01 giờ làm việc 0 1 1 0 2" for line in lines)
    assert "Tình trạng giải quyết văn bản đến theo tháng" in text


def test_an_administrators_day_off_and_office_hours_move_the_report_like_clerk_due(
    workspace: Workspace, clock: Any
) -> None:
    sec = Secretary(workspace)
    late = _arrive(workspace, clock, at(3, 10, 16, 30), "muon")
    clock.now = at(3, 12, 8, 0)
    hand_over_paper(sec, late, "KT")  # after Wednesday's office hours: late by the law's days
    before = collect(workspace, date(2026, 3, 1), date(2026, 3, 31)).incoming.handover
    assert before == {"late": 1}
    sec.set_calendar_day(date(2026, 3, 11), "day_off", "Nghỉ bù theo quyết định của tỉnh")
    after = collect(workspace, date(2026, 3, 1), date(2026, 3, 31)).incoming.handover
    assert after == {"on_time": 1}
    assert sec.handover_limits([late])[late].state == "met"
