"""The incident report of an outage recorded against a real server process: hours lost, PDF text."""

from __future__ import annotations

import json
import subprocess
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from clerk_app import errors
from clerk_app.clock import VIETNAM
from clerk_app.instructions.handover import hand_over_paper
from clerk_app.instructions.secretary import Secretary
from clerk_app.records import IncomingDraft
from clerk_app.workdays.office_hours import OfficeHours, save_office_hours
from clerk_app.workspace import Workspace
from sync.engine import DeskSync
from sync.outage_report import outage_facts, working_time_lost
from tests.sync.conftest import RunningServer, connect, run_clerk

# Friday 20/11/2026 10:00 to Monday 23/11/2026 14:00, Vietnam time.
FRIDAY_10 = datetime(2026, 11, 20, 10, 0, tzinfo=VIETNAM)
MONDAY_14 = datetime(2026, 11, 23, 14, 0, tzinfo=VIETNAM)


def test_working_time_lost_skips_lunch_weekend_and_holidays() -> None:
    # Fri 10:00-11:30 + 13:00-17:00, Mon 07:30-11:30 + 13:00-14:00 (the default hours).
    assert working_time_lost(FRIDAY_10, MONDAY_14) == timedelta(hours=10, minutes=30)
    lunch = working_time_lost(
        datetime(2026, 11, 25, 11, 0, tzinfo=VIETNAM), datetime(2026, 11, 25, 14, 0, tzinfo=VIETNAM)
    )
    assert lunch == timedelta(hours=1, minutes=30)
    # Quốc khánh 2/9/2026 (Wednesday) counts nothing.
    national_day = working_time_lost(
        datetime(2026, 9, 2, 7, 0, tzinfo=VIETNAM), datetime(2026, 9, 2, 18, 0, tzinfo=VIETNAM)
    )
    assert national_day == timedelta()
    custom = OfficeHours.parse("08:00-12:00, 13:00-17:00")
    assert working_time_lost(FRIDAY_10, MONDAY_14, custom) == timedelta(hours=11)


@pytest.mark.parametrize("bad", ["", "7h-11h", "11:30-07:30", "07:30-11:30,11:00-17:00"])
def test_office_hours_setting_refuses_nonsense(bad: str) -> None:
    with pytest.raises(errors.InvalidValue):
        OfficeHours.parse(bad)


class MovableClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _incoming(subject: str, urgency: str, reference: str) -> IncomingDraft:
    return IncomingDraft(
        issuer="Sở Tài chính",
        reference=reference,
        issued_on=None,
        doc_type="Công văn",
        subject=subject,
        urgency=urgency,
    )


def test_report_of_an_outage_over_a_weekend(
    sqlite_server: RunningServer, new_desk: Any, tmp_path: Path
) -> None:
    desk = new_desk("a")
    connect(sqlite_server, desk, "nvan1.ubnd")
    with DeskSync(desk) as d:
        d.sync()
        d.acquire_lease("incoming", 2026)
    sqlite_server.kill()
    clock = MovableClock(FRIDAY_10)
    with DeskSync(desk, clock=clock) as d, pytest.raises(errors.ServerUnreachable):
        d.sync()
    clock.now = FRIDAY_10 + timedelta(hours=1)
    with Workspace.open(desk, actor="nvan1.ubnd", clock=clock) as ws:
        ws.add_unit("KT", "Phòng Kinh tế")
        normal = ws.register_incoming(
            _incoming("Về việc quyết toán năm 2025", "Thường", "12/STC-NS")
        ).document.summary.id
        clock.now += timedelta(minutes=20)
        storm = ws.register_incoming(
            _incoming("Về việc phòng chống bão số 15, ứng phó khẩn cấp", "Hỏa tốc", "99/STC-KH")
        ).document.summary.id
        # The urgent paper goes to its handler at once, signed for in the handover log.
        clock.now += timedelta(minutes=5)
        hand_over_paper(Secretary(ws), storm, "KT", copies=1, note="Bản chính")
    clock.now = MONDAY_14 - timedelta(hours=2)
    with DeskSync(desk, clock=clock) as d:
        d.draft_incoming(_incoming("Về việc hòa giải tranh chấp đất đai", "Thượng khẩn", ""))
        with pytest.raises(errors.ServerUnreachable):
            d.sync()
        open_facts = outage_facts(d, None, clock=clock)
        assert open_facts.ended_at is None and len(open_facts.items) == 3
    sqlite_server.start()
    clock.now = MONDAY_14
    with DeskSync(desk, clock=clock) as d:
        d.sync()
    clock.now = MONDAY_14 + timedelta(hours=1)  # after the outage: not in its handover log
    with Workspace.open(desk, actor="nvan1.ubnd", clock=clock) as ws:
        hand_over_paper(Secretary(ws), normal, "KT")
    with DeskSync(desk, clock=clock) as d:
        facts = outage_facts(d)
    assert [(h.document_id, h.receiver, h.copies) for h in facts.handovers] == [
        (storm, "Phòng Kinh tế", 1)
    ]
    assert facts.working_time_lost == timedelta(hours=10, minutes=30)
    assert facts.paper_mode
    assert [i.urgency for i in facts.items] == ["Hỏa tốc", "Thượng khẩn", "Thường"]
    assert [i.number for i in facts.items] == [2, None, 1]

    listed = json.loads(run_clerk(desk, "outages", "--json").stdout)["outages"]
    assert [(o["id"], o["working_minutes_lost"]) for o in listed] == [(facts.outage_id, 630)]

    out = tmp_path / "bien-ban.pdf"
    result = run_clerk(desk, "outage-report", "--last", "--out", str(out))
    assert "10 giờ 30 phút" in result.stdout
    text = subprocess.run(
        ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert text == unicodedata.normalize("NFC", text)
    flat = " ".join(text.split())
    for expected in (
        "BIÊN BẢN SỰ CỐ KỸ THUẬT",
        "Ủy ban nhân dân tỉnh Phú Yên",
        "10:00 ngày 20/11/2026",
        "14:00 ngày 23/11/2026",
        "3 ngày 4 giờ 00 phút",
        "10 giờ 30 phút",
        "quá 4 giờ làm việc",
        "Văn bản khẩn trong thời gian sự cố: 2",
        "Hỏa tốc",
        "Thượng khẩn",
        "chờ cấp số",
        "Đã chuyển cho Phòng Kinh tế lúc 11:25 20/11/2026",
        "Chưa chuyển giao bản giấy",
        "Sổ chuyển giao văn bản giấy trong thời gian sự cố: 1 lượt",
        "chưa ký nhận",
        "VĂN THƯ",
        "NGƯỜI CÓ THẨM QUYỀN",
    ):
        assert expected in flat, expected
    # Urgent ones are listed first.
    assert flat.index("phòng chống bão") < flat.index("hòa giải") < flat.index("quyết toán")
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True).stdout
    assert "Tinos" in fonts
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(out), str(tmp_path / "page")],
        check=True,
    )
    assert (tmp_path / "page-1.png").stat().st_size > 10_000

    # The desk's own hours and the administrator's extra day off are what count, in the
    # report and in `clerk outages` alike.
    save_office_hours(desk, OfficeHours.parse("07:00-11:00,13:30-16:30"))
    with Workspace.open(desk, actor="nvan1.ubnd", clock=clock) as ws:
        Secretary(ws).set_calendar_day(MONDAY_14.date(), "day_off", "Nghỉ bù")
    with DeskSync(desk, clock=clock) as d:
        # Fri 10:00-11:00 + 13:30-16:30 only: Monday is now a day off.
        assert outage_facts(d).working_time_lost == timedelta(hours=4)
    listed = json.loads(run_clerk(desk, "outages", "--json").stdout)["outages"]
    assert [o["working_minutes_lost"] for o in listed] == [240]


def test_report_without_an_outage_says_what_to_do(new_desk: Any, tmp_path: Path) -> None:
    desk = new_desk("a")
    result = run_clerk(
        desk, "outage-report", "--outage", "7", "--out", str(tmp_path / "x.pdf"), check=False
    )
    assert result.returncode != 0
    assert "Không có lần mất kết nối mã 7" in result.stderr + result.stdout
    assert "clerk outages" in result.stderr + result.stdout
    assert not (tmp_path / "x.pdf").exists()
