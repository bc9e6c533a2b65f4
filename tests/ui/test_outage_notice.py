"""After an outage: the recovery notice, its wording, and the incident report from the menu."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from clerk_app.clock import VIETNAM
from clerk_app.instructions.records import HandoverInfo
from clerk_app.workdays.office_hours import OfficeHours
from clerk_app.workspace import Workspace
from sync.outage_report import HandledItem, OutageFacts
from sync.runner import RunnerState
from tests.ui.conftest import MessageBoxes
from ui.main_window import MainWindow
from ui.outage_notice import OutageNotice, RecoveryWatch, recovery_text

START = datetime(2026, 11, 20, 9, 0, tzinfo=VIETNAM)
OFFLINE = RunnerState(True, True, False, START, 3, None, None, 2, 8.0, 5)
ONLINE = replace(OFFLINE, online=True, offline_since=None, waiting=0)


def facts(hours: float) -> OutageFacts:
    item = HandledItem(
        "d1", "document", "incoming", 12, START, "Sở Nội vụ", "5/SNV", "Về việc", "Hỏa tốc"
    )
    draft = replace(item, document_id="d2", kind="draft", number=None, urgency="Thường")
    return OutageFacts(
        outage_id=1,
        agency_name="UBND tỉnh Phú Yên",
        agency_code="UBND",
        station="MÁY-1",
        desk_id="x",
        started_at=START,
        ended_at=START + timedelta(hours=hours),
        cause="",
        duration=timedelta(hours=hours),
        working_time_lost=timedelta(hours=hours),
        office_hours=OfficeHours(),
        items=[item, draft],
        handovers=[
            HandoverInfo(
                "h1",
                "d1",
                12,
                2026,
                "5/SNV",
                "Về việc",
                START,
                "Phòng Kinh tế",
                1,
                "",
                "",
                None,
                None,
                1,
            )
        ],
    )


def test_recovery_is_noticed_once_per_outage(qtbot: QtBot, app: QApplication) -> None:
    states = [ONLINE, OFFLINE, OFFLINE, ONLINE, ONLINE, replace(ONLINE, connected=False)]
    seen: list[int] = []
    watch = RecoveryWatch(lambda: states[0], every_ms=60_000)
    watch.recovered.connect(lambda: seen.append(1))
    for st in states:
        watch._state = lambda st=st: st  # type: ignore[misc]
        watch.check()
    assert seen == [1]


def test_recovery_text_says_what_happened_and_when_a_report_is_due() -> None:
    short = recovery_text(facts(2), waiting=0)
    assert "đăng ký 1 văn bản và lập 1 bản nháp" in short
    assert "1 văn bản khẩn" in short and "Sổ chuyển giao giấy có 1 lượt" in short
    assert "đã được gửi lên máy chủ" in short and "biên bản" not in short
    long = recovery_text(facts(5), waiting=4)
    assert "Còn 4 thay đổi" in long and "lập biên bản sự cố kỹ thuật" in long


def test_notice_offers_the_report(qtbot: QtBot, app: QApplication, workspace: Workspace) -> None:
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    notice = OutageNotice(window, workspace.data_dir)
    notice._tell(facts(5), 0)
    assert notice.box is not None and notice.box.isVisible()
    assert [b.text() for b in notice.box.buttons()] == ["Lập biên bản sự cố…", "Đóng"]
    notice.box.close()


def test_report_from_the_menu_on_a_desk_without_outages_says_so(
    qtbot: QtBot,
    app: QApplication,
    workspace: Workspace,
    message_boxes: MessageBoxes,
    tmp_path: Path,
) -> None:
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    assert window.action_outage_report.text() == "Biên bản &sự cố…"
    window.write_outage_report(tmp_path / "bb.pdf")
    qtbot.waitUntil(lambda: bool(message_boxes.shown), timeout=10_000)
    assert "chưa ghi nhận lần mất kết nối nào" in message_boxes.last.text
    assert not (tmp_path / "bb.pdf").exists()
