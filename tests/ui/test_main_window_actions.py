"""The main window's links to stamping, printing and statistics, driven as a clerk would."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from clerk_app.demo import letter_pdf
from clerk_app.records import IncomingDraft
from clerk_app.workspace import Workspace
from ui import print_register
from ui.main_window import MainWindow
from ui.stamp_dialog import StampDialog

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def window(qtbot: QtBot, app: QApplication, workspace: Workspace) -> MainWindow:
    win = MainWindow(workspace)
    qtbot.addWidget(win)
    win.show()
    return win


def test_ctrl_d_shows_the_stamp_place_and_the_clerk_moves_it(
    qtbot: QtBot, window: MainWindow, workspace: Workspace, tmp_path: Path
) -> None:
    pdf = tmp_path / "cv.pdf"
    pdf.write_bytes(letter_pdf("Sở Nội vụ", "12/SNV-VP", date(2026, 3, 9), "Công văn", "Về việc A"))
    doc = workspace.register_incoming(
        IncomingDraft(
            issuer="Sở Nội vụ",
            reference="12/SNV-VP",
            issued_on=None,
            doc_type="Công văn",
            subject="Về việc A",
            files=[pdf],
        )
    ).document.summary
    window.refresh()
    window.incoming.table.selectRow(0)
    qtbot.keyClick(window, Qt.Key.Key_D, CTRL)
    qtbot.waitUntil(lambda: window.findChild(StampDialog) is not None, timeout=5_000)
    dialog = window.findChild(StampDialog)
    suggested = dialog.canvas.box
    for _ in range(3):
        qtbot.keyClick(dialog.canvas, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert dialog.canvas.box.x0 > suggested.x0 or suggested.x1 >= dialog.canvas.page_size[0] - 1
    assert "mm" in dialog.where.text()
    moved = dialog.canvas.box
    qtbot.keyClick(dialog.canvas, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    detail = workspace.document(doc.id)
    assert any(f.role == "stamped" for f in detail.files)
    place = detail.history[-1].details["place"]
    assert place.startswith(f"{moved.x0:.1f},{moved.y0:.1f}")
    assert pdf.read_bytes() == workspace.file_bytes(detail.files[0].sha256)


def test_ctrl_p_opens_the_register_printing(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[QDialog] = []
    monkeypatch.setattr(
        print_register.PrintRegisterDialog, "exec", lambda self: opened.append(self) or 0
    )
    qtbot.keyClick(window, Qt.Key.Key_P, CTRL)
    assert len(opened) == 1 and opened[0].windowTitle() == "In sổ đăng ký văn bản"


def test_statistics_are_saved_as_xlsx(
    qtbot: QtBot,
    app: QApplication,
    workspace: Workspace,
    tmp_path: Path,
) -> None:
    for i in range(3):
        workspace.register_incoming(
            IncomingDraft(
                issuer="Sở Nội vụ",
                reference=f"{i}/SNV",
                issued_on=None,
                doc_type="Công văn",
                subject=f"Về việc {i}",
            )
        )
    dialog = print_register.ReportDialog(workspace)
    qtbot.addWidget(dialog)
    dialog.kind.setCurrentIndex(1)
    dialog.date_from.setDate(dialog.date_from.date().addYears(-1))
    out = tmp_path / "thong-ke.xlsx"
    dialog.save(out)
    qtbot.waitUntil(lambda: out.exists() and "Đã lưu" in dialog.status.text(), timeout=20_000)
    book = openpyxl.load_workbook(out)
    cells = [
        str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value
    ]
    assert any("Công văn" in c for c in cells)


def test_ctrl_i_opens_instructions_for_the_pending_pile_and_ctrl_t_the_follow_up(
    qtbot: QtBot, window: MainWindow, workspace: Workspace
) -> None:
    for i in range(2):
        workspace.register_incoming(
            IncomingDraft(
                issuer="Sở Nội vụ",
                reference=f"{i}/SNV",
                issued_on=None,
                doc_type="Công văn",
                subject=f"Về việc {i}",
                urgency="Khẩn" if i else "Thường",
            )
        )
    window.refresh()
    window.show_page(2)  # "Chưa chuyển giao", urgent first
    qtbot.waitUntil(lambda: window.pending.table.model().rowCount() == 2, timeout=5_000)
    window.pending.table.selectRow(0)
    urgent = workspace.pending_handover()[0]
    assert urgent.urgency == "Khẩn"
    screen = window.open_instructions()
    assert screen is not None and screen.isVisible()
    assert screen._pile == [urgent.id]
    follow = window.open_follow_up()
    assert follow.isVisible() and follow.windowTitle().startswith("Theo dõi")
    screen.close()
    follow.close()


def test_f1_lists_every_shortcut_of_the_menus(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    texts: list[str] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: texts.append(box.text()) or 0)
    window.show_shortcuts()
    for key in ("Ctrl+Shift+S", "Ctrl+D", "Ctrl+I", "Ctrl+T", "Ctrl+Shift+K", "Ctrl+P"):
        assert f"<b>{key}</b>" in texts[0]
    assert "Ký số cơ quan" in texts[0]
