"""Unfinished registration forms survive the window: killed with SIGKILL in the middle of
typing, closed with Ctrl+Q; the next start offers them back filled; registering or throwing a
form away removes it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from clerk_app.unfinished import FOLDER, UnfinishedForms
from clerk_app.workspace import Workspace
from tests.ui.conftest import MessageBoxes, kill_when_ready
from ui.main_window import MainWindow
from ui.registration_form import IncomingForm

CHILD = textwrap.dedent(
    """
    import os, sys, time
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from ui.app import make_application
    from clerk_app.workspace import Workspace
    from ui.main_window import MainWindow
    app = make_application([])
    from pathlib import Path
    ws = Workspace.open(Path(sys.argv[1]))
    window = MainWindow(ws)
    window.show()
    form = window.register("incoming")
    form.issuer.setText("Sở Tài chính")
    form.reference.setText("215/STC-NS")
    form.issued_on.setText("02/12")
    form.doc_type.setEditText("Công văn")
    form.subject.setPlainText("V/v quyết toán kinh phí năm 2026")
    form.urgency.setCurrentText("Khẩn")
    folder = ws.data_dir / "unfinished-forms"
    end = time.monotonic() + 60
    while not list(folder.glob("*.json")) and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)
    print("READY", flush=True)
    while True:  # the clerk is still typing when the machine is killed
        app.processEvents()
        time.sleep(0.01)
    """
)


def _desk(tmp_path: Path) -> Path:
    ws = Workspace.init(tmp_path / "desk", agency_name="UBND tỉnh Phú Yên", agency_code="UBND")
    ws.close()
    return tmp_path / "desk"


def _window(qtbot: QtBot, ws: Workspace) -> MainWindow:
    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.show()
    return window


def test_a_form_killed_mid_typing_is_offered_back_filled_and_registers(
    app: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    data_dir = _desk(tmp_path)
    kill_when_ready(CHILD, str(data_dir))
    assert len(list((data_dir / FOLDER).glob("*.json"))) == 1

    ws = Workspace.open(data_dir)
    try:
        window = _window(qtbot, ws)
        qtbot.waitUntil(lambda: getattr(window, "unfinished_offer", None) is not None)
        box = window.unfinished_offer
        assert box.isVisible() and box.windowTitle() == "Phiếu đăng ký chưa xong"
        assert "Sở Tài chính — Công văn — V/v quyết toán kinh phí năm 2026" in box.text()
        reopen = next(b for b in box.buttons() if b.text() == "Mở lại")
        reopen.click()
        qtbot.waitUntil(lambda: len(window.open_forms) == 1)
        form = window.open_forms[0]
        assert isinstance(form, IncomingForm)
        assert form.issuer.text() == "Sở Tài chính"
        assert form.reference.text() == "215/STC-NS"
        assert form.doc_type.currentText() == "Công văn"
        assert form.subject.toPlainText() == "V/v quyết toán kinh phí năm 2026"
        assert form.urgency.currentText() == "Khẩn"
        assert form.has_typed_content()  # Esc would ask
        form.submit()  # Ctrl+Enter
        qtbot.waitUntil(lambda: form.state == "done", timeout=20_000)
        summary = form.last_result.document.summary  # type: ignore[union-attr]
        assert summary.issuer == "Sở Tài chính" and summary.reference == "215/STC-NS"
        assert summary.urgency == "Khẩn"
        assert list((data_dir / FOLDER).glob("*.json")) == []  # registered: nothing left
        form.discard()
        window.close()
    finally:
        ws.close()


def test_ctrl_q_keeps_the_typing_and_esc_with_yes_throws_it_away(
    app: QApplication,
    qtbot: QtBot,
    workspace: Workspace,
    message_boxes: MessageBoxes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = UnfinishedForms(workspace.data_dir)
    window = _window(qtbot, workspace)
    form = window.register("incoming")
    assert isinstance(form, IncomingForm)
    form.issuer.setText("Sở Nội vụ")
    form.journal_now()
    assert [f.values["issuer"] for f in _all(store)] == ["Sở Nội vụ"]
    with qtbot.waitActive(form):
        form.activateWindow()
    qtbot.keyClick(form.issuer, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)  # in the form
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5_000)
    assert not form.isVisible()  # Ctrl+Q: the form closes without asking, its typing kept
    assert [f.values["issuer"] for f in _all(store)] == ["Sở Nội vụ"]
    # Not offered while its window's process is alive (this one): only after it is gone.
    assert store.left() == []

    window = _window(qtbot, workspace)
    form = window.register("incoming")
    assert isinstance(form, IncomingForm)
    form.subject.setPlainText("V/v tuyển dụng")
    qtbot.waitUntil(lambda: len(_all(store)) == 2, timeout=5_000)  # written by itself
    message_boxes.answers = [QMessageBox.StandardButton.Yes]  # «Bỏ nội dung, đóng phiếu»
    qtbot.keyClick(form.subject, Qt.Key.Key_Escape)
    assert "Bỏ phiếu đang nhập?" in message_boxes.last.title
    assert [f.values["subject"] for f in _all(store)] == [""]  # only the Ctrl+Q one is left
    window.close()


def _all(store: UnfinishedForms) -> list[object]:
    """Every form on disk, the live process's too."""
    import json
    from types import SimpleNamespace

    return [
        SimpleNamespace(**json.loads(p.read_text("utf-8")))
        for p in sorted(store.root.glob("*.json"))
    ]
