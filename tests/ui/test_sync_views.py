"""The sync dialogs on desks of a real server process: drafts, leases, conflicts, the menu."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select, update

from clerk_app.storage.models import DeskState, OutboxEntry
from clerk_app.workdays.office_hours import OfficeHours, load_office_hours
from clerk_app.workspace import Workspace
from sync import lease_words
from sync.conflicts import DESK
from sync.engine import DeskSync
from tests.sync.conftest import RunningServer, connect
from tests.sync.conftest import module_sqlite_server as module_sqlite_server  # one per module
from tests.sync.conftest import sqlite_server as sqlite_server  # the real server, over SQLite
from tests.sync.test_desk_views import corrected_on_both_desks, draft, holder_and_other
from tests.sync.test_engine import YEAR, register, sync
from tests.ui.conftest import MessageBoxes
from ui.main_window import MainWindow
from ui.sync_views import (
    NO_NUMBER,
    ConflictsDialog,
    DraftsDialog,
    LeaseDialog,
    OfficeHoursDialog,
)

SHOTS = os.environ.get("CLERK_SCREENSHOTS", "")


def desk(tmp_path: Path, name: str, station: str) -> Path:
    path = tmp_path / name
    Workspace.init(
        path, agency_name="Ủy ban nhân dân tỉnh Phú Yên", agency_code="UBND", year=YEAR
    ).close()
    with DeskSync(path) as d, d.db.write() as s:
        s.execute(update(DeskState).values(station=station))
    return path


def desk_id_of(path: Path) -> str:
    with DeskSync(path) as d:
        return d.desk_id


def column(table: Any, col: int) -> list[str]:
    return [table.item(r, col).text() for r in range(table.rowCount())]


def shoot(widget: Any, name: str) -> None:
    if SHOTS:
        QApplication.processEvents()
        widget.grab().save(str(Path(SHOTS) / name))


def test_drafts_dialog_shows_a_number_only_once_the_server_issued_it(
    qtbot: QtBot, app: QApplication, sqlite_server: RunningServer, tmp_path: Path
) -> None:
    a, b = desk(tmp_path, "a", "MÁY-VĂN-THƯ-1"), desk(tmp_path, "b", "MÁY-PHÒNG-KT")
    holder_and_other(sqlite_server, a, b)
    register(a, 1)
    sync(a)
    draft(b, "Về việc tuyển dụng công chức năm 2026")
    broken = draft(b, "Về việc cử cán bộ đi học")
    # A damaged outbox entry (as after a disk fault): the server refuses it as invalid.
    with DeskSync(b) as d, d.db.write() as s:
        entry = s.execute(select(OutboxEntry).where(OutboxEntry.entity_id == broken)).scalar_one()
        payload = json.loads(entry.payload)
        payload["fields"]["subject"] = ""
        entry.payload = json.dumps(payload)
    sync(b)
    kept = draft(b, "Về việc báo cáo biên chế", issuer="Sở Tài chính")

    dialog = DraftsDialog(b)
    qtbot.addWidget(dialog)
    dialog.show()
    by_subject = dict(
        zip(column(dialog.table, DraftsDialog.SUBJECT), range(dialog.table.rowCount()), strict=True)
    )
    assert column(dialog.table, DraftsDialog.NUMBER) == [NO_NUMBER] * 3
    states = column(dialog.table, DraftsDialog.STATE)
    assert states[by_subject["Về việc tuyển dụng công chức năm 2026"]] == "Dự thảo — chờ cấp số"
    assert states[by_subject["Về việc báo cáo biên chế"]] == "Chờ gửi lên máy chủ"
    rejected = states[by_subject["Về việc cử cán bộ đi học"]]
    assert rejected.startswith(
        "Bị từ chối: Máy chủ từ chối một thay đổi gửi từ bàn này vì dữ liệu không hợp lệ"
    )
    assert dialog.summary.text() == "3 bản nháp; 2 đang chờ cấp số."
    shoot(dialog, "sync-drafts.png")

    with DeskSync(a) as d:
        d.release_lease("incoming", YEAR)
    sync(b)
    dialog.refresh_button.click()
    numbers = column(dialog.table, DraftsDialog.NUMBER)
    by_subject = dict(
        zip(column(dialog.table, DraftsDialog.SUBJECT), range(dialog.table.rowCount()), strict=True)
    )
    assert numbers[by_subject["Về việc tuyển dụng công chức năm 2026"]] == f"2/{YEAR}"
    assert numbers[by_subject["Về việc báo cáo biên chế"]] == f"3/{YEAR}"
    assert numbers[by_subject["Về việc cử cán bộ đi học"]] == NO_NUMBER
    with Workspace.open(b) as ws:
        assert ws.document(kept).summary.number == 3


def test_lease_dialog_takes_hands_over_and_an_admin_revokes_with_confirmation(
    qtbot: QtBot,
    app: QApplication,
    sqlite_server: RunningServer,
    tmp_path: Path,
    message_boxes: MessageBoxes,
) -> None:
    a, b = desk(tmp_path, "a", "MÁY-VĂN-THƯ-1"), desk(tmp_path, "b", "MÁY-PHÒNG-KT")
    admin = desk(tmp_path, "admin", "MÁY-QUẢN-TRỊ")
    connect(sqlite_server, a, "nvan1.ubnd")
    connect(sqlite_server, b, "ttbinh1.ubnd")
    connect(sqlite_server, admin, "qtri1.ubnd", role="admin")
    sync(a)
    sync(b)

    def open_dialog(path: Path, **kw: Any) -> LeaseDialog:
        dialog = LeaseDialog(path, **kw)
        qtbot.addWidget(dialog)
        dialog.show()
        return dialog

    def at(dialog: LeaseDialog) -> int:
        # Taking a lease takes next year's still-empty register too: find this year's row.
        return column(dialog.table, LeaseDialog.REGISTER).index(f"Sổ đăng ký văn bản đến {YEAR}")

    def pick(dialog: LeaseDialog) -> None:
        dialog.table.selectRow(at(dialog))

    def holder(dialog: LeaseDialog) -> str:
        return str(column(dialog.table, LeaseDialog.HOLDER)[at(dialog)])

    def state(dialog: LeaseDialog) -> str:
        return str(column(dialog.table, LeaseDialog.STATE)[at(dialog)])

    id_a, id_b, id_admin = (desk_id_of(x)[:8] for x in (a, b, admin))

    on_a = open_dialog(a)
    assert not on_a.force_button.isVisible()  # a clerk cannot revoke
    pick(on_a)
    assert on_a.take_button.isEnabled() and not on_a.release_button.isEnabled()
    on_a.take_button.click()
    qtbot.waitUntil(lambda: not on_a.busy, timeout=30_000)
    assert on_a.status.text() == f"Máy này đã nhận quyền cấp số «Sổ đăng ký văn bản đến {YEAR}»."
    assert holder(on_a) == f"Máy này («MÁY-VĂN-THƯ-1» · mã {id_a} · nvan1.ubnd)"
    assert state(on_a) == "Đang giữ"
    assert column(on_a.table, LeaseDialog.SINCE)[at(on_a)]  # dd/mm/yyyy HH:MM
    assert on_a.release_button.isEnabled() and not on_a.take_button.isEnabled()

    sync(b)
    on_b = open_dialog(b)
    pick(on_b)
    held_by_a = f"Bàn «MÁY-VĂN-THƯ-1» · mã {id_a} · nvan1.ubnd"
    assert holder(on_b) == held_by_a  # named by the change feed
    assert on_b.status.text().startswith(
        f"{held_by_a} đang giữ quyền cấp số của sổ này (theo lần đồng bộ gần nhất)."
    )
    on_b.take_button.click()
    qtbot.waitUntil(lambda: not on_b.busy, timeout=30_000)
    assert (
        message_boxes.last.text == "Bàn làm việc «MÁY-VĂN-THƯ-1» đang giữ quyền cấp số của sổ này."
    )
    assert holder(on_b) == held_by_a  # and by the refusal
    shoot(on_b, "sync-leases.png")

    pick(on_a)
    on_a.release_button.click()
    qtbot.waitUntil(lambda: not on_a.busy, timeout=30_000)
    assert holder(on_a) == "Không bàn nào giữ — máy chủ cấp số"
    assert state(on_a) == "Tự do"
    assert holder(on_b) == held_by_a  # as of B's last sync
    on_b.sync_button.click()
    qtbot.waitUntil(lambda: not on_b.busy, timeout=30_000)
    assert holder(on_b) == "Không bàn nào giữ — máy chủ cấp số"  # the hand-over, seen from B
    pick(on_b)
    on_b.take_button.click()
    qtbot.waitUntil(lambda: not on_b.busy, timeout=30_000)
    assert holder(on_b) == f"Máy này («MÁY-PHÒNG-KT» · mã {id_b} · ttbinh1.ubnd)"

    asked: list[tuple[str, int]] = []
    answers: list[int | None] = [None, 0]  # "Không", then: b wrote nothing offline

    def confirm(title: str, text: str, server_last: int) -> int | None:
        asked.append((text, server_last))
        return answers.pop(0)

    sync(admin)
    on_admin = open_dialog(admin, confirm=confirm)
    assert on_admin.force_button.isVisible()
    pick(on_admin)
    on_admin.force_button.click()  # answered "Không": nothing happens
    assert not on_admin.busy
    assert holder(on_admin) == f"Bàn «MÁY-PHÒNG-KT» · mã {id_b} · ttbinh1.ubnd"
    on_admin.force_button.click()
    qtbot.waitUntil(lambda: not on_admin.busy, timeout=30_000)
    assert len(asked) == 2 and "Thu hồi và nhận quyền cấp số về bàn này?" in asked[0][0]
    assert "xem sổ đăng ký giấy của bàn đó" in asked[0][0] and asked[0][1] == 0
    assert holder(on_admin) == f"Máy này («MÁY-QUẢN-TRỊ» · mã {id_admin} · qtri1.ubnd)"
    sync(b)
    on_b.refresh()
    assert holder(on_b) == f"Bàn «MÁY-QUẢN-TRỊ» · mã {id_admin} · qtri1.ubnd"


def test_lease_list_tells_two_desks_named_van_thu_apart(
    qtbot: QtBot, app: QApplication, sqlite_server: RunningServer, tmp_path: Path
) -> None:
    a, b = desk(tmp_path, "a", "Văn thư"), desk(tmp_path, "b", "Văn thư")
    holder_and_other(sqlite_server, a, b)  # a (nvan1.ubnd) holds this year's incoming register
    sync(b)
    id_a = desk_id_of(a)[:8]
    row_of = f"Sổ đăng ký văn bản đến {YEAR}"
    shown = {}
    for path in (a, b):
        dialog = LeaseDialog(path)
        qtbot.addWidget(dialog)
        dialog.show()
        i = column(dialog.table, LeaseDialog.REGISTER).index(row_of)
        shown[path] = [column(dialog.table, c)[i] for c in range(len(LeaseDialog.HEADERS))]
        shoot(dialog, f"sync-leases-van-thu-{path.name}.png")
    assert shown[a][LeaseDialog.HOLDER] == f"Máy này («Văn thư» · mã {id_a} · nvan1.ubnd)"
    assert shown[b][LeaseDialog.HOLDER] == f"Bàn «Văn thư» · mã {id_a} · nvan1.ubnd"
    assert shown[a][LeaseDialog.STATE] == shown[b][LeaseDialog.STATE] == "Đang giữ"
    # The same moment on both desks, in Vietnam time, as the command line prints it.
    since = shown[a][LeaseDialog.SINCE]
    assert since == shown[b][LeaseDialog.SINCE] and len(since) == len("07/12/2026 09:15")
    with DeskSync(b) as d:
        [row] = [r for r in d.leases() if (r.kind, r.year) == ("incoming", YEAR)]
    assert f"từ {since}" in lease_words.line(row)


def test_conflicts_dialog_lets_the_clerk_pick_which_value_stands(
    qtbot: QtBot, app: QApplication, sqlite_server: RunningServer, tmp_path: Path
) -> None:
    a, b = desk(tmp_path, "a", "MÁY-VĂN-THƯ-1"), desk(tmp_path, "b", "MÁY-PHÒNG-KT")
    doc_id, _ = corrected_on_both_desks(
        sqlite_server,
        a,
        b,
        {"subject": "Về việc quyết toán năm 2026", "issuer": "Sở Tài chính tỉnh Phú Yên"},
        {"subject": "Về việc quyết toán quý IV", "issuer": "STC"},
    )

    ws = Workspace.open(b, actor="ttbinh1.ubnd")
    try:
        dialog = ConflictsDialog(ws)
        qtbot.addWidget(dialog)
        dialog.show()
        assert dialog.list.count() == 1
        assert column(dialog.table, 0) == ["Tác giả (cơ quan ban hành)", "Trích yếu nội dung"]
        assert column(dialog.table, 1) == ["STC", "Về việc quyết toán quý IV"]
        assert column(dialog.table, 2) == [
            "Sở Tài chính tỉnh Phú Yên",
            "Về việc quyết toán năm 2026",
        ]
        boxes = dialog.choice_boxes()
        assert sorted(boxes) == ["issuer", "subject"]
        box: QComboBox = boxes["subject"]
        box.setCurrentIndex(box.findData(DESK))
        shoot(dialog, "sync-conflicts.png")
        with qtbot.waitSignal(dialog.changed):
            dialog.resolve_button.click()
        assert dialog.list.count() == 0
        assert dialog.status.text().startswith("Đã ghi đính chính")
        summary = ws.document(doc_id).summary
        assert (summary.subject, summary.issuer) == (
            "Về việc quyết toán quý IV",
            "Sở Tài chính tỉnh Phú Yên",
        )
    finally:
        ws.close()
    sync(b)
    sync(a)
    with Workspace.open(a) as wa:
        assert wa.document(doc_id).summary.subject == "Về việc quyết toán quý IV"


def test_sync_menu_and_status_click_open_the_dialogs(
    qtbot: QtBot, app: QApplication, sqlite_server: RunningServer, tmp_path: Path
) -> None:
    a, b = desk(tmp_path, "a", "MÁY-VĂN-THƯ-1"), desk(tmp_path, "b", "MÁY-PHÒNG-KT")
    holder_and_other(sqlite_server, b, a)  # b holds the lease, so a's draft waits for its number
    draft(a, "Về việc kiểm tra công vụ")
    ws = Workspace.open(a, actor="nvan1.ubnd")
    try:
        window = MainWindow(ws)
        qtbot.addWidget(window)
        window.show()
        texts = [act.text() for act in window.sync_menu.actions()]
        assert texts == [
            "&Kết nối máy chủ…",
            "",
            "&Quyền cấp số…",
            "&Bản nháp…",
            "&Xung đột…",
            "Biên bản &sự cố…",
            "",
            "Văn bản đến đ&iện tử…",
            "Trạng thái gửi &liên thông…",
            "",
            "&Giờ làm việc…",
        ]
        drafts = window.open_drafts()
        assert isinstance(drafts, DraftsDialog) and column(drafts.table, DraftsDialog.SUBJECT) == [
            "Về việc kiểm tra công vụ"
        ]
        assert isinstance(window.open_leases(), LeaseDialog)
        assert isinstance(window.open_conflicts(), ConflictsDialog)
        qtbot.waitUntil(lambda: "bản nháp chờ cấp số" in window.sync_status.text(), timeout=30_000)
        qtbot.mouseClick(window.sync_status, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(window.sync_menu.isVisible, timeout=5_000)
        window.sync_menu.hide()
        shoot(window, "sync-main-window.png")
    finally:
        if window.sync_runner is not None:
            window.sync_runner.stop()
        window.close()
        ws.close()


def test_office_hours_dialog_stores_the_setting_and_refuses_nonsense(
    qtbot: QtBot, app: QApplication, tmp_path: Path, message_boxes: MessageBoxes
) -> None:
    a = desk(tmp_path, "a", "MÁY-VĂN-THƯ-1")
    dialog = OfficeHoursDialog(a)
    qtbot.addWidget(dialog)
    dialog.show()
    assert (dialog.morning.text(), dialog.afternoon.text()) == ("07:30-11:30", "13:00-17:00")
    dialog.afternoon.setText("11:00-12:00")  # overlaps the morning
    dialog.save()
    assert message_boxes.shown and dialog.isVisible()
    assert load_office_hours(a) == OfficeHours()
    dialog.morning.setText("07:00-11:00")
    dialog.afternoon.setText("13:00-16:30")
    shoot(dialog, "sync-office-hours.png")
    dialog.save()
    assert not dialog.isVisible()
    assert load_office_hours(a) == OfficeHours.parse("07:00-11:00,13:00-16:30")
    again = OfficeHoursDialog(a)
    qtbot.addWidget(again)
    assert (again.morning.text(), again.afternoon.text()) == ("07:00-11:00", "13:00-16:30")
