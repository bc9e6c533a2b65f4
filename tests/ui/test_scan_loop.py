"""The scanning desk as one loop, by keyboard, on the SANE test device: scan, split, register
each document in turn, no page registered twice; leaving with pages left; coming back."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from clerk_app.clock import vietnam_date
from clerk_app.workspace import Workspace
from scanner import preferences
from tests.ui.conftest import MessageBoxes, kill_when_ready
from ui.main_window import MainWindow
from ui.registration_form import IncomingForm
from ui.scan_window import ScanWindow

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
GRID = {"test-picture": "Grid"}
YEAR = vietnam_date(datetime.now(UTC)).year


def _scanner(qtbot: QtBot, window: MainWindow) -> ScanWindow:
    scan: ScanWindow = window.open_scanner(backend_options=GRID, clean=False)
    scan.batch_screen.device.setEditText("test:0")
    scan.batch_screen.dpi.addItem("75 dpi", 75)
    scan.batch_screen.dpi.setCurrentIndex(scan.batch_screen.dpi.count() - 1)
    with qtbot.waitActive(scan):
        scan.activateWindow()
    return scan


def _scan_ten(qtbot: QtBot, scan: ScanWindow) -> None:
    qtbot.keyClick(scan.batch_screen.pages, Qt.Key.Key_S, CTRL | SHIFT)
    assert scan.batch_screen.scanning
    qtbot.waitUntil(lambda: not scan.batch_screen.scanning, timeout=60_000)
    assert len(scan.batch_screen.batch.pages) == 10


def _key(
    qtbot: QtBot, scan: ScanWindow, key: Qt.Key, modifier: Any = Qt.KeyboardModifier.NoModifier
) -> None:
    qtbot.keyClick(scan.batch_screen.pages, key, modifier)


def _form(window: MainWindow) -> IncomingForm:
    forms = [f for f in window.open_forms if isinstance(f, IncomingForm)]
    assert len(forms) == 1  # one form walks through the whole batch
    return forms[0]


def test_ten_pages_three_documents_registered_by_keyboard_none_twice(
    app: QApplication, qtbot: QtBot, workspace: Workspace, type_text: Any
) -> None:
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.show()
    scan = _scanner(qtbot, window)
    assert scan.windowHandle().transientParent() is None  # never kept above the register
    _scan_ten(qtbot, scan)
    screen = scan.batch_screen
    pages = screen.pages
    pages.setFocus()
    _key(qtbot, scan, Qt.Key.Key_Home)
    for _ in range(3):
        _key(qtbot, scan, Qt.Key.Key_Right)
    _key(qtbot, scan, Qt.Key.Key_B, CTRL)  # page 4 starts document 2
    for _ in range(3):
        _key(qtbot, scan, Qt.Key.Key_Right)
    _key(qtbot, scan, Qt.Key.Key_B, CTRL)  # page 7 starts document 3
    assert [len(d) for d in screen.batch.documents()] == [3, 3, 4]
    # Shift+arrows select a range; Delete removes it as one edit; Ctrl+Z brings it back.
    _key(qtbot, scan, Qt.Key.Key_End)
    _key(qtbot, scan, Qt.Key.Key_Left, SHIFT)
    assert screen.selected_rows() == [8, 9]
    _key(qtbot, scan, Qt.Key.Key_R, CTRL)
    assert [p.rotation for p in screen.batch.pages[8:]] == [90, 90]
    _key(qtbot, scan, Qt.Key.Key_Delete)
    assert len(screen.batch.pages) == 8
    _key(qtbot, scan, Qt.Key.Key_Z, CTRL)
    _key(qtbot, scan, Qt.Key.Key_Z, CTRL)
    assert len(screen.batch.pages) == 10 and screen.batch.pages[9].rotation == 0
    # Every document's first page is read without anyone asking.
    qtbot.waitUntil(
        lambda: all(screen.preparer.is_read(d) for d in screen.batch.documents()), timeout=60_000
    )

    _key(qtbot, scan, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: bool(window.open_forms), timeout=120_000)
    form = _form(window)
    first_file = form.files()[0]
    for n in (1, 2, 3):
        qtbot.waitUntil(lambda: form.state == "editing" and bool(form.files()), timeout=120_000)
        type_text(form.issuer, f"Sở Tài chính {n}")
        type_text(form.doc_type.lineEdit(), "Công văn")
        type_text(form.subject, f"Về việc thứ {n}")
        qtbot.keyClick(form.subject, Qt.Key.Key_Return, CTRL)
        qtbot.waitUntil(
            lambda n=n: workspace.register_for("incoming", YEAR).last_number == n,
            timeout=60_000,
        )
        if n < 3:  # the next document of the batch, not a blank form
            qtbot.waitUntil(
                lambda old=first_file: (
                    form.state == "editing" and bool(form.files()) and form.files()[0] != old
                ),
                timeout=120_000,
            )
            first_file = form.files()[0]
            assert form.issuer.text() == ""
    qtbot.waitUntil(lambda: form.state == "done", timeout=10_000)
    assert screen.batch.unregistered_documents() == []
    assert all("Đã đăng ký" in pages.item(i).text() for i in range(10))
    documents = [workspace.document(i) for i in scan.registered_ids]
    assert [d.summary.number for d in documents] == [1, 2, 3]
    assert [len(d.files) for d in documents] == [1, 1, 1]

    # A registered page cannot be registered again: nothing opens, nothing is numbered.
    with qtbot.waitActive(scan):
        scan.activateWindow()
    pages.setCurrentRow(0)
    screen.read_button.click()
    assert "đã đăng ký" in screen.status.text()
    _key(qtbot, scan, Qt.Key.Key_Return, CTRL)
    assert "hết các văn bản" in scan.status.text()
    assert form.state == "done"
    assert workspace.register_for("incoming", YEAR).last_number == 3

    # Ctrl+D and Ctrl+G in the scan window act on the batch's last document.
    asked: list[str] = []
    window.hand_over = asked.append  # type: ignore[method-assign]
    _key(qtbot, scan, Qt.Key.Key_G, CTRL)
    assert asked == [scan.registered_ids[-1]]
    window.open_stamp_dialog = asked.append  # type: ignore[method-assign]
    _key(qtbot, scan, Qt.Key.Key_D, CTRL)
    assert asked[-1] == scan.registered_ids[-1]

    # Esc closes it; nothing left to register, so nothing asked and nothing kept.
    home = screen.home
    assert home is not None and home.is_dir()
    _key(qtbot, scan, Qt.Key.Key_Escape)
    assert not scan.isVisible()
    assert not home.exists()


def test_closing_with_pages_left_asks_and_the_batch_comes_back(
    app: QApplication, qtbot: QtBot, workspace: Workspace, message_boxes: MessageBoxes
) -> None:
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    scan = _scanner(qtbot, window)
    _scan_ten(qtbot, scan)
    scan.batch_screen.batch.toggle_split(5)
    scan.batch_screen.batch.rotate(0, 90)
    scan.batch_screen.batch.mark_registered(
        [p.id for p in scan.batch_screen.batch.documents()[0]], "x", "Văn bản đến số 1"
    )
    # «Quay lại»: the window stays.
    message_boxes.answers = [QMessageBox.StandardButton.Cancel]
    qtbot.keyClick(scan.batch_screen.pages, Qt.Key.Key_Escape)
    assert scan.isVisible()
    assert "5 trang chưa đăng ký" in message_boxes.last.text
    # «Giữ lại để sau».
    message_boxes.answers = [QMessageBox.StandardButton.Save]
    scan.close()
    assert not scan.isVisible()
    settings = preferences.load(workspace.data_dir)
    assert (settings.device, settings.dpi) == ("test:0", 75)  # remembered for next time

    message_boxes.answers = [QMessageBox.StandardButton.Yes]
    again = window.open_scanner(clean=False)
    assert "Mở lại" in message_boxes.last.buttons[0] or "Mở lại" in str(message_boxes.last.buttons)
    batch = again.batch_screen.batch
    assert len(batch.pages) == 10 and batch.pages[0].rotation == 90
    assert [len(d) for d in batch.unregistered_documents()] == [5]
    assert "Đã đăng ký" in again.batch_screen.pages.item(0).text()
    assert again.batch_screen.dpi.currentData() == 75
    message_boxes.answers = [QMessageBox.StandardButton.Discard]
    again.close()
    assert again.batch_screen.recovery.interrupted() == []


@pytest.mark.parametrize("typed", [True, False])
def test_esc_on_a_typed_form_asks(
    app: QApplication,
    qtbot: QtBot,
    workspace: Workspace,
    type_text: Any,
    message_boxes: MessageBoxes,
    typed: bool,
) -> None:
    form = IncomingForm(workspace, None)
    qtbot.addWidget(form)
    form.show()
    if typed:
        type_text(form.issuer, "Sở Nội vụ")
    message_boxes.answers = [QMessageBox.StandardButton.No]
    qtbot.keyClick(form.issuer, Qt.Key.Key_Escape)
    assert form.isVisible() is typed
    assert len(message_boxes.shown) == (1 if typed else 0)
    if typed:
        assert "Bỏ phiếu" in message_boxes.last.title
        message_boxes.answers = [QMessageBox.StandardButton.Yes]
        qtbot.keyClick(form.issuer, Qt.Key.Key_Escape)
        assert not form.isVisible()


def test_scan_window_sits_beside_the_register(
    app: QApplication, qtbot: QtBot, workspace: Workspace, tmp_path: Path
) -> None:
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    scan = _scanner(qtbot, window)
    area = scan.screen().availableGeometry()
    assert scan.geometry().right() <= area.right()
    assert scan.geometry().left() > area.left()  # the register's left part stays in view
    assert scan.minimumSizeHint().width() <= 1366 * 62 // 100  # fits beside it at 1366×768
    assert window.open_scanner() is scan  # Ctrl+Shift+S again brings the same window up
    window.show()
    with qtbot.waitActive(scan):
        scan.activateWindow()
    qtbot.keyClick(scan.batch_screen.pages, Qt.Key.Key_Q, CTRL)  # the desk's quit key, here too
    qtbot.waitUntil(lambda: not window.isVisible() and not scan.isVisible(), timeout=5_000)


SCAN_CHILD = textwrap.dedent(
    """
    import os, sys, time
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from pathlib import Path
    from ui.app import make_application
    from clerk_app.workspace import Workspace
    from ui.main_window import MainWindow
    app = make_application([])
    ws = Workspace.open(Path(sys.argv[1]))
    window = MainWindow(ws)
    window.show()

    def wait(condition, seconds=120):
        end = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > end:
                raise SystemExit("timed out")
            app.processEvents()
            time.sleep(0.01)

    scan = window.open_scanner(backend_options={"test-picture": "Grid"}, clean=False)
    screen = scan.batch_screen
    screen.device.setEditText("test:0")
    screen.dpi.addItem("75 dpi", 75)
    screen.dpi.setCurrentIndex(screen.dpi.count() - 1)
    screen.start_scan()
    wait(lambda: not screen.scanning and len(screen.batch.pages) == 10)
    screen.batch.toggle_split(5)
    screen._refresh()
    scan.register_next()
    wait(lambda: bool(window.open_forms) and bool(window.open_forms[0].files()))
    form = window.open_forms[0]
    form.issuer.setText("Sở Tài chính")
    form.reference.setText("215/STC-NS")
    form.doc_type.setEditText("Công văn")
    form.subject.setPlainText("V/v quyết toán kinh phí năm 2026")
    wait(lambda: (screen.home / "forms.json").is_file())
    print("READY", flush=True)
    while True:  # the clerk is still typing when the machine is killed
        app.processEvents()
        time.sleep(0.01)
    """
)


def test_a_batch_killed_mid_typing_comes_back_with_the_typing(
    app: QApplication, qtbot: QtBot, workspace: Workspace, message_boxes: MessageBoxes
) -> None:
    data_dir = workspace.data_dir
    workspace.close()  # the child has the desk now
    kill_when_ready(SCAN_CHILD, str(data_dir), stuck_after=240)

    ws = Workspace.open(data_dir)
    try:
        window = MainWindow(ws)
        qtbot.addWidget(window)
        window.show()
        message_boxes.answers = [QMessageBox.StandardButton.Yes]  # «Mở lại lô này»
        scan: ScanWindow = window.open_scanner(clean=False)
        assert message_boxes.last.title == "Lô quét chưa xong"
        assert [len(d) for d in scan.batch_screen.batch.unregistered_documents()] == [5, 5]
        scan.register_next()
        qtbot.waitUntil(lambda: bool(window.open_forms), timeout=120_000)
        form = _form(window)
        qtbot.waitUntil(lambda: form.issuer.text() == "Sở Tài chính", timeout=120_000)
        assert form.reference.text() == "215/STC-NS"
        assert form.subject.toPlainText() == "V/v quyết toán kinh phí năm 2026"
        assert "đã lấy lại phần đã nhập" in scan.status.text()
        home = scan.batch_screen.home
        assert home is not None
        form.submit()  # Ctrl+Enter
        qtbot.waitUntil(lambda: bool(scan.registered_ids), timeout=60_000)
        assert ws.register_for("incoming", YEAR).last_number == 1
        summary = ws.document(scan.registered_ids[0]).summary
        assert (summary.issuer, summary.reference) == ("Sở Tài chính", "215/STC-NS")
        # Registered: its typing is dropped; the second document opens blank.
        assert scan.batch_screen.recovery.load_forms(home) == {}
        qtbot.waitUntil(
            lambda: form.state == "editing" and form.issuer.text() == "", timeout=120_000
        )
        message_boxes.answers = [QMessageBox.StandardButton.Discard] * 3
        form.discard()
        scan.close()
        window.close()
    finally:
        ws.close()
