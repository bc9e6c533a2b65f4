"""The statistics report: counts from the real registers, read back from the PDF and the XLSX."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pymupdf
import pytest
from openpyxl import load_workbook
from printing_desk import Desk, assert_nfc

from clerk_app import errors
from clerk_app.clock import VIETNAM
from clerk_app.printing.report import collect, next_working_day, tables, write_report
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


def test_a_period_outside_the_data_counts_nothing(desk: Desk) -> None:
    stats = collect(desk.ws, date(2026, 5, 1), date(2026, 5, 31))
    assert stats.incoming.total == stats.outgoing.total == 0


def test_next_working_day_skips_the_weekend() -> None:
    assert next_working_day(date(2026, 11, 27)) == date(2026, 11, 30)  # Friday → Monday
    assert next_working_day(date(2026, 11, 25)) == date(2026, 11, 26)


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
    assert "Thời hạn giải quyết" in notes


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
        "Thời hạn giải quyết văn bản chưa được ghi nhận",
    ):
        assert phrase in text.replace("\n", " "), phrase


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
        bars = [d for d in doc[0].get_drawings() if d.get("fill") not in (None, (1.0, 1.0, 1.0))]
    assert "Trong kỳ không có văn bản đến, văn bản đi nào được đăng ký." in text
    assert "Số văn bản theo tháng" not in text
    assert "Văn bản đăng ký (không kể đã hủy) 0 0" in text
    # Only the tables' header shading is filled: no bar of a chart.
    assert all(d["rect"].height < 40 for d in bars)


def test_a_period_across_two_years_charts_its_months_in_order(
    workspace: Workspace, clock: Any, tmp_path: Path
) -> None:
    from clerk_app.records import IncomingDraft

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
    assert tables(stats)[1][1] == [("12/2025", 2, 0), ("01/2026", 1, 0)]
    with pymupdf.open(out) as doc:
        text = doc[0].get_text()
        words = doc[0].get_text("words")
    assert "Số văn bản theo tháng" in text
    assert "Từ ngày 01/12/2025 đến ngày 31/01/2026" in " ".join(text.split())
    # The chart's axis is the one line holding both months: December left of January. (The
    # months table below holds them on lines of their own.)
    december = [w for w in words if w[4] == "12/2025"]
    january = [w for w in words if w[4] == "01/2026"]
    axis = [(d, j) for d in december for j in january if abs(d[1] - j[1]) < 1]
    assert len(axis) == 1 and axis[0][0][0] < axis[0][1][0]
    assert len(december) == len(january) == 2  # the axis and the table
