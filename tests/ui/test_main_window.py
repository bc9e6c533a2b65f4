"""The main window over a real Workspace: screens, shortcuts, detail, drop, pending handover."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from clerk_app.records import IncomingDraft
from clerk_app.workspace import Workspace
from ui import main_window as mw
from ui.main_window import MainWindow
from ui.register_model import URGENT_BACKGROUND
from ui.registration_form import IncomingForm, OutgoingForm

CTRL = Qt.KeyboardModifier.ControlModifier


def draft(subject: str, urgency: str = "Thường", issuer: str = "Sở Nội vụ") -> IncomingDraft:
    return IncomingDraft(
        issuer=issuer,
        reference="",
        issued_on=None,
        doc_type="Công văn",
        subject=subject,
        urgency=urgency,
    )


@pytest.fixture
def window(qtbot: QtBot, app: QApplication, workspace: Workspace) -> MainWindow:
    win = MainWindow(workspace)
    qtbot.addWidget(win)
    with qtbot.waitActive(win):  # window shortcuts (F5, Ctrl+N…) need the active window
        win.show()
        win.activateWindow()
    return win


def test_title_screens_and_status(window: MainWindow, workspace: Workspace) -> None:
    assert window.windowTitle().startswith("UBND tỉnh Phú Yên")
    labels = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert labels == ["Văn bản đến", "Văn bản đi", "Chưa chuyển giao", "Tìm kiếm"]
    assert "0 văn bản" in window.register_count.text()
    assert window.pending_count.text() == "Chưa chuyển giao: 0"


def test_shortcuts_open_the_forms_and_search(
    qtbot: QtBot, window: MainWindow, workspace: Workspace
) -> None:
    qtbot.keyClick(window, Qt.Key.Key_N, CTRL)
    assert isinstance(window.open_forms[-1], IncomingForm)
    window.open_forms[-1].close()
    qtbot.keyClick(window, Qt.Key.Key_N, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert isinstance(window.open_forms[-1], OutgoingForm)
    window.open_forms[-1].close()
    qtbot.keyClick(window, Qt.Key.Key_F, CTRL)
    assert window.stack.currentWidget() is window.search
    assert QApplication.focusWidget() is window.search.query


def test_registering_refreshes_register_pending_and_status(
    qtbot: QtBot, window: MainWindow, workspace: Workspace, type_text: Any
) -> None:
    form = window.register("incoming")
    assert isinstance(form, IncomingForm)
    form.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form)
    type_text(form.issuer, "Sở Y tế")
    type_text(form.doc_type.lineEdit(), "Công văn")
    type_text(form.subject, "Về việc phòng chống dịch")
    form.urgency.setCurrentText("Hỏa tốc")
    qtbot.keyClick(form.subject, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: form.state == "done", timeout=10_000)
    assert window.incoming.model.rowCount() == 1
    assert "1 văn bản" in window.register_count.text()
    assert window.pending_count.text() == "Chưa chuyển giao: 1"
    assert window.nav.item(mw.PAGE_PENDING).text() == "Chưa chuyển giao (1)"


def test_pending_lists_urgent_first_and_marks_them(
    qtbot: QtBot, window: MainWindow, workspace: Workspace
) -> None:
    workspace.register_incoming(draft("Về việc thường 1"))
    workspace.register_incoming(draft("Về việc hỏa tốc", urgency="Hỏa tốc"))
    workspace.register_incoming(draft("Về việc khẩn", urgency="Khẩn"))
    qtbot.keyClick(window, Qt.Key.Key_F5)
    window.show_page(mw.PAGE_PENDING)
    rows = window.pending.model.rows()
    assert [r.urgency for r in rows] == ["Hỏa tốc", "Khẩn", "Thường"]
    model = window.pending.model
    assert model.data(model.index(0, 0), Qt.ItemDataRole.BackgroundRole).color() == (
        URGENT_BACKGROUND
    )
    assert model.data(model.index(2, 0), Qt.ItemDataRole.BackgroundRole) is None
    assert "2 văn bản khẩn" in window.pending.summary_label.text()


def test_enter_opens_detail_with_fields_and_history(
    qtbot: QtBot, window: MainWindow, workspace: Workspace
) -> None:
    workspace.register_incoming(draft("Về việc kiểm tra công vụ", issuer="Thanh tra tỉnh"))
    window.refresh()
    table = window.incoming.table
    table.setFocus()
    table.setCurrentIndex(window.incoming.model.index(0, 0))
    qtbot.keyClick(table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.detail.detail is not None, timeout=5_000)
    detail = window.detail
    assert detail.title.text().startswith("Văn bản đến số 1/")
    texts = [
        detail.fields_form.itemAt(i).widget().text()
        for i in range(detail.fields_form.count())
        if detail.fields_form.itemAt(i).widget()
    ]
    assert "Thanh tra tỉnh" in texts
    assert detail.history.toPlainText().strip().startswith("Đăng ký văn bản đến — Số đến 1")


def test_hand_over_from_pending(
    qtbot: QtBot, window: MainWindow, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = workspace.register_incoming(draft("Về việc A"))
    window.refresh()
    window.show_page(mw.PAGE_PENDING)
    window.pending.table.selectRow(0)
    from ui.handover_picker import HandoverPicker

    def pick(self: HandoverPicker) -> QDialog.DialogCode:
        self.field.setText("phong kinh")  # accent-free
        self._filter(self.field.text())
        self.accept()
        return QDialog.DialogCode(self.result())

    monkeypatch.setattr(HandoverPicker, "exec", pick)
    qtbot.keyClick(window, Qt.Key.Key_G, CTRL)
    qtbot.waitUntil(lambda: window.pending.total == 0, timeout=5_000)
    doc = workspace.document(result.document.summary.id)
    assert doc.fields["handed_over_to"] == "Phòng Kinh tế"
    assert window.pending_count.text() == "Chưa chuyển giao: 0"


def test_dropping_files_opens_the_incoming_form_with_them(
    qtbot: QtBot, window: MainWindow, make_pdf: Callable[..., Path]
) -> None:
    pdf = make_pdf("Văn bản quét")
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(pdf))])
    event = QDropEvent(
        QPoint(50, 50),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)
    form = window.open_forms[-1]
    assert isinstance(form, IncomingForm)
    assert form.files() == [pdf]


def test_app_without_data_opens_the_first_run_wizard(
    app: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, message_boxes: Any
) -> None:
    from ui import app as app_module
    from ui import setup_wizard

    asked: list[Path] = []

    def closed_without_a_desk(data_dir: Path) -> bool:
        asked.append(data_dir)
        return False  # the clerk closed the wizard: nothing is made, the app ends

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setenv("CLERK_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setattr(app_module, "_setup_logging", lambda: None)
    monkeypatch.setattr(setup_wizard, "run_first_start", closed_without_a_desk)
    assert app_module.main([]) == 2
    assert asked == [tmp_path / "empty"] and not message_boxes.shown


def test_database_upkeep_waits_for_a_quiet_tick(
    qtbot: QtBot, window: MainWindow, workspace: Workspace
) -> None:
    window.maintenance_timer.stop()
    workspace.register_incoming(draft("Về việc kiểm tra cuối năm"))
    window.maintain_when_quiet()  # writes happened during this tick: not quiet yet
    assert workspace.writes_since_maintenance() > 0
    workspace.register_incoming(draft("Về việc tổng kết năm"))
    window.maintain_when_quiet()  # still writing
    assert workspace.writes_since_maintenance() > 0
    window.maintain_when_quiet()  # a whole tick without writes: upkeep runs in the background
    qtbot.waitUntil(lambda: workspace.writes_since_maintenance() == 0, timeout=5000)


def test_the_register_opens_on_its_newest_entry_selected_and_shown(
    qtbot: QtBot, app: QApplication, workspace: Workspace
) -> None:
    for subject in ("Về việc một", "Về việc hai", "Về việc ba"):
        workspace.register_incoming(draft(subject))
    win = MainWindow(workspace)
    qtbot.addWidget(win)
    with qtbot.waitActive(win):
        win.show()
        win.activateWindow()
    # the list opens scrolled to its end; the row the detail shows is that end, not số 1
    summary = win.incoming.table.current_summary()
    assert summary is not None and summary.number == 3
    qtbot.waitUntil(lambda: win.detail.title.text().startswith("Văn bản đến số 3/"), timeout=5_000)
