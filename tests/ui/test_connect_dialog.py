"""Connecting a desk from the window, the first-login password change, and the clerk's login
shown in the side panel and the status bar; against a real server process."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from clerk_app.clock import VIETNAM
from clerk_app.storage.models import AuditEntry
from clerk_app.workspace import Workspace
from sync.engine import DeskSync
from tests.sync.conftest import NEW_PASSWORD, PASSWORD, RunningServer, connect
from tests.sync.conftest import module_sqlite_server as module_sqlite_server  # one per module
from tests.sync.conftest import sqlite_server as sqlite_server  # the real server, over SQLite
from tests.sync.test_online import holder_and_other, online_register, sync
from ui.connect_dialog import NEW_PASSWORDS_DIFFER, ConnectDialog
from ui.main_window import MainWindow
from ui.register_model import RegisterModel

SHOTS = os.environ.get("CLERK_SCREENSHOTS", "")
YEAR = datetime.now(VIETNAM).year


def shoot(widget: Any, name: str) -> None:
    if SHOTS:
        QApplication.processEvents()
        widget.grab().save(str(Path(SHOTS) / name))


def new_desk(tmp_path: Path, login: str = "") -> Path:
    path = tmp_path / "desk"
    Workspace.init(
        path, agency_name="Ủy ban nhân dân tỉnh Phú Yên", agency_code="UBND", clerk_login=login
    ).close()
    return path


def open_window(qtbot: QtBot, ws: Workspace) -> MainWindow:
    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.show()
    return window


def close_window(window: MainWindow, ws: Workspace) -> None:
    if window.sync_runner is not None:
        window.sync_runner.stop()
    window.close()
    ws.close()


def test_an_unconnected_desk_shows_the_login_chosen_at_setup(
    qtbot: QtBot, app: QApplication, tmp_path: Path
) -> None:
    ws = Workspace.open(new_desk(tmp_path, "  Lan  "))
    window = open_window(qtbot, ws)
    try:
        assert ws.actor == "Lan"
        assert ">Lan</div>" in window.who.text()
        assert "tên đăng nhập trên máy này" in window.who.text()
        assert window.clerk_label.text() == "Người dùng: Lan"
        ws.add_unit("VP", "Văn phòng")
        with DeskSync(ws.data_dir) as d, d.db.read() as s:
            assert d.state().username == ""  # not connected: the name is the desk's own
            actors = s.execute(select(AuditEntry.actor)).scalars()
            assert set(actors) == {"Lan"}
    finally:
        close_window(window, ws)


def test_connecting_from_the_window_changes_the_first_password_and_shows_the_account(
    qtbot: QtBot, app: QApplication, sqlite_server: RunningServer, tmp_path: Path
) -> None:
    sqlite_server.user("nvan1.ubnd")  # a new account: the server requires a password change
    ws = Workspace.open(new_desk(tmp_path, "lan"))
    window = open_window(qtbot, ws)
    try:
        assert window.clerk_label.text() == "Người dùng: lan"
        assert window.sync_menu.actions()[0].text() == "&Kết nối máy chủ…"
        dialog = window.open_connect()
        assert isinstance(dialog, ConnectDialog)
        dialog.go_button.click()
        assert dialog.status.text() == "Chưa nhập địa chỉ máy chủ, tài khoản, mật khẩu."
        dialog.url_edit.setText(sqlite_server.url)
        dialog.user_edit.setText("nvan1.ubnd")
        dialog.password_edit.setText("sai-mat-khau")
        shoot(dialog, "connect-login.png")
        dialog.go_button.click()
        qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)
        assert dialog.status.text().startswith("Tên đăng nhập hoặc mật khẩu không đúng.")
        assert dialog.pages.currentIndex() == ConnectDialog.LOGIN
        assert dialog.password_edit.text() == ""

        dialog.password_edit.setText(PASSWORD)
        dialog.go_button.click()
        qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)
        assert dialog.pages.currentIndex() == ConnectDialog.NEW_PASSWORD
        assert "nvan1.ubnd đăng nhập lần đầu" in dialog.change_intro.text()
        assert dialog.go_button.text() == "Đổi mật khẩu và &kết nối"
        assert dialog.password_edit.text() == ""  # kept only in memory until the change

        dialog.new_edit.setText(NEW_PASSWORD)
        dialog.repeat_edit.setText(NEW_PASSWORD + "x")
        dialog.go_button.click()
        assert dialog.status.text() == NEW_PASSWORDS_DIFFER and not dialog.busy

        dialog.new_edit.setText("12345678")
        dialog.repeat_edit.setText("12345678")
        dialog.go_button.click()
        qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)
        assert dialog.status.text().startswith("Mật khẩu mới quá dễ đoán")
        assert dialog.pages.currentIndex() == ConnectDialog.NEW_PASSWORD
        shoot(dialog, "connect-new-password.png")
        with DeskSync(ws.data_dir) as d:
            assert not d.state().connected

        dialog.new_edit.setText(NEW_PASSWORD)
        dialog.repeat_edit.setText(NEW_PASSWORD)
        with qtbot.waitSignal(dialog.connected, timeout=30_000) as got:
            dialog.go_button.click()
        assert got.args == ["nvan1.ubnd"]
        with DeskSync(ws.data_dir) as d:
            state = d.state()
        assert state.connected and state.username == "nvan1.ubnd"
        # The window now names the account, in both places, and records it in the audit.
        assert ws.actor == "nvan1.ubnd"
        assert ">nvan1.ubnd</div>" in window.who.text()
        assert "tài khoản máy chủ văn thư" in window.who.text()
        assert window.clerk_label.text() == "Người dùng: nvan1.ubnd"
        assert window.sync_runner is not None
        ws.add_unit("KT", "Phòng Kinh tế")
        with DeskSync(ws.data_dir) as d, d.db.read() as s:
            actors = s.execute(
                select(AuditEntry.actor).where(AuditEntry.action == "add_unit")
            ).scalars()
            assert list(actors) == ["nvan1.ubnd"]
        # The new password is the one the server now takes; the first one is refused.
        other = tmp_path / "other"
        Workspace.init(other, agency_name="Ủy ban nhân dân tỉnh Phú Yên", agency_code="UBND")
        with DeskSync(other) as d:
            d.connect(sqlite_server.url, "nvan1.ubnd", NEW_PASSWORD)
    finally:
        close_window(window, ws)


def test_a_connected_desk_opens_with_its_account_and_logs_in_again_from_the_menu(
    qtbot: QtBot, app: QApplication, sqlite_server: RunningServer, tmp_path: Path
) -> None:
    path = new_desk(tmp_path, "lan")
    connect(sqlite_server, path, "ttbinh1.ubnd")
    ws = Workspace.open(path)
    window = open_window(qtbot, ws)
    try:
        assert ws.actor == "ttbinh1.ubnd"
        assert window.clerk_label.text() == "Người dùng: ttbinh1.ubnd"
        dialog = window.open_connect()
        # The address and the account are the desk's; only the password is asked for again.
        assert dialog.url_edit.text() == sqlite_server.url
        assert dialog.user_edit.text() == "ttbinh1.ubnd"
        assert window.incoming.model.rowCount() == 0
        # Another desk registers meanwhile; no desk holds the lease, so the server numbers it.
        other = tmp_path / "other"
        Workspace.init(other, agency_name="Ủy ban nhân dân tỉnh Phú Yên", agency_code="UBND")
        connect(sqlite_server, other, "nvan1.ubnd")
        assert online_register(other, "Của bàn khác").number == 1
        dialog.password_edit.setText(NEW_PASSWORD)
        with qtbot.waitSignal(dialog.connected, timeout=30_000):
            dialog.go_button.click()
        assert window.clerk_label.text() == "Người dùng: ttbinh1.ubnd"
        # The sync round the connection starts brings it into the register without F5.
        qtbot.waitUntil(lambda: window.incoming.model.rowCount() == 1, timeout=30_000)
    finally:
        close_window(window, ws)


def test_the_register_view_shows_a_recorded_void_with_its_reason(
    qtbot: QtBot, app: QApplication, sqlite_server: RunningServer, tmp_path: Path
) -> None:
    def make(name: str) -> Path:
        path = tmp_path / name
        Workspace.init(path, agency_name="Ủy ban nhân dân tỉnh Phú Yên", agency_code="UBND")
        return path

    a, b = holder_and_other(sqlite_server, make)
    assert online_register(b, "B một").number is None
    sync(a)  # numbers B's draft and cedes 2–6 ahead
    sqlite_server.kill()
    assert online_register(a, "A ngoại tuyến").number == 7  # past the ceded numbers
    sqlite_server.start()
    sync(a)  # the server records 2–6 as voids
    sync(b)
    with Workspace.open(b) as ws:
        model = RegisterModel(ws, ws.register_for("incoming", YEAR))
        assert model.rowCount() == 7
        headers = [c.header for c in model.columns]
        subject = headers.index("Tên loại và trích yếu nội dung")
        number = headers.index("Số đến")
        assert model.summary(2) is None
        assert model.index(2, number).data() == "3"
        assert model.index(2, headers.index("Tác giả")).data() is None
        text = model.index(2, subject).data()
        assert text.startswith("Số bỏ trống: số đã dành cho máy chủ cấp nhưng không dùng đến")
        info = ws.register_for("incoming", YEAR)
        assert (info.last_number, info.voids, info.documents) == (7, 5, 2)
        last = model.summary(6)
        assert last is not None and last.subject == "A ngoại tuyến"
