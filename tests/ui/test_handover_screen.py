"""The handover screen on a real desk: routed paper picked, handed over, slip printed, signed for."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pymupdf
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from clerk_app.instructions.handover import handover_log
from clerk_app.instructions.records import InstructionDraft
from clerk_app.instructions.secretary import Secretary
from clerk_app.records import IncomingDraft
from clerk_app.workspace import Workspace
from ui.handover_screen import HandoverScreen

CTRL = Qt.KeyboardModifier.ControlModifier


def _key(qtbot: QtBot, widget: object, key: Qt.Key, mod: Qt.KeyboardModifier | None = None) -> None:
    qtbot.keyClick(widget, key, mod or Qt.KeyboardModifier.NoModifier)  # type: ignore[arg-type]


@pytest.fixture
def routed(workspace: Workspace) -> list[str]:
    """Three paper documents: two routed to KT (one urgent), one not routed yet."""
    sec = Secretary(workspace)
    ids = []
    for n, (subject, urgency) in enumerate(
        [("Về kế hoạch đầu tư công", "Thường"), ("Về phòng chống bão số 3", "Hỏa tốc"),
         ("Về giấy mời họp", "Thường")]
    ):  # fmt: skip
        ids.append(
            workspace.register_incoming(
                IncomingDraft(
                    issuer="Sở Tài chính",
                    reference=f"{n + 10}/STC-NS",
                    issued_on=None,
                    doc_type="Công văn",
                    subject=subject,
                    urgency=urgency,
                )
            ).document.summary.id
        )
    for doc in ids[:2]:
        sec.instruct(doc, InstructionDraft(leader="Chủ tịch", text="Xử lý", lead="KT"))
    return ids


def test_keyboard_path_hands_over_prints_and_records_the_signature(
    qtbot: QtBot,
    app: object,
    workspace: Workspace,
    routed: list[str],
    tmp_path: Path,
    type_text: Callable[..., None],
) -> None:
    screen = HandoverScreen(workspace, slip_dir=tmp_path / "slips")
    qtbot.addWidget(screen)
    screen.show()
    table = screen.pending_table
    qtbot.waitUntil(table.hasFocus)
    # Routed paper only, urgent first, each with its time limit.
    assert [table.item(r, 3).text() for r in range(table.rowCount())] == [
        "Về phòng chống bão số 3",
        "Về kế hoạch đầu tư công",
    ]
    assert "sắp hết hạn" in table.item(0, 5).text()
    _key(qtbot, table, Qt.Key.Key_A, CTRL)  # both
    _key(qtbot, table, Qt.Key.Key_Tab)
    assert screen.receiver.hasFocus()
    type_text(screen.receiver, "kinh te")
    _key(qtbot, screen.receiver, Qt.Key.Key_Return)
    assert screen.receiver.text() == "KT – Phòng Kinh tế" and screen.copies.hasFocus()
    _key(qtbot, screen.copies, Qt.Key.Key_Up)
    _key(qtbot, screen.copies, Qt.Key.Key_Tab)
    type_text(screen.note, "Bản chính")
    with qtbot.waitSignal(screen.slip_written) as written:
        _key(qtbot, screen.note, Qt.Key.Key_Return, CTRL)
    assert "Đã ghi sổ chuyển giao 2 văn bản cho Phòng Kinh tế" in screen.status.text()
    assert table.rowCount() == 0
    slip = written.args[0]
    with pymupdf.open(slip) as pdf:
        text = " ".join(pdf[0].get_text().split())
    assert "SỔ CHUYỂN GIAO VĂN BẢN ĐẾN" in text
    assert "Về phòng chống bão số 3" in text and "Về kế hoạch đầu tư công" in text
    assert text.count("Phòng Kinh tế") == 2
    # The two lines are waiting for the signature, already selected.
    assert screen.unsigned_table.rowCount() == 2
    assert len(screen.unsigned_table.selectionModel().selectedRows()) == 2
    # The signed slip comes back: who signed, when, and its scan.
    scan = tmp_path / "phieu-da-ky.pdf"
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Đã ký nhận")
    doc.save(scan)
    doc.close()
    screen.slip_scan.setText(str(scan))
    type_text(screen.signed_by, "Nguyễn Văn Đức")
    _key(qtbot, screen.signed_by, Qt.Key.Key_Return)
    assert screen.signed_at.hasFocus()
    type_text(screen.signed_at, "01/01/2099 08:00")
    with qtbot.assertNotEmitted(screen.changed):
        _key(qtbot, screen.signed_at, Qt.Key.Key_Return)
    assert "tương lai" in screen.status.text()
    screen.signed_at.clear()
    with qtbot.waitSignal(screen.changed):
        _key(qtbot, screen.signed_at, Qt.Key.Key_Return)
    assert "Đã ghi Nguyễn Văn Đức ký nhận 2 văn bản" in screen.status.text()
    assert screen.unsigned_table.rowCount() == 0
    sec = Secretary(workspace)
    today = sec.today()
    lines = handover_log(sec, today, today)
    assert {line.document_id for line in lines} == set(routed[:2])
    for line in lines:
        assert line.signed_by == "Nguyễn Văn Đức" and line.copies == 1
        assert line.note == "Bản chính" and line.receipt_file_id is not None
    assert workspace.document(routed[0]).fields["handed_over_to"] == "Phòng Kinh tế"


def test_nothing_selected_or_unknown_receiver_is_said_in_place(
    qtbot: QtBot, app: object, workspace: Workspace, routed: list[str], tmp_path: Path
) -> None:
    screen = HandoverScreen(workspace, slip_dir=tmp_path / "slips")
    qtbot.addWidget(screen)
    screen.show()
    screen.pending_table.clearSelection()
    assert screen.hand_over() is False
    assert "Chọn ít nhất một văn bản" in screen.status.text()
    screen.pending_table.selectRow(0)
    screen.receiver.setText("Phòng Không Có")
    assert screen.hand_over() is False
    assert "Phòng Không Có" in screen.status.text()
    assert screen.pending_table.rowCount() == 2
    assert not (tmp_path / "slips").exists()


def test_menu_shortcuts_open_the_handover_and_task_screens(
    qtbot: QtBot, app: object, workspace: Workspace, routed: list[str]
) -> None:
    from ui.main_window import MainWindow
    from ui.task_screen import TaskScreen

    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.show()
    shortcuts = [a.shortcut().toString() for a in window.actions() if not a.shortcut().isEmpty()]
    assert len(shortcuts) == len(set(shortcuts)), "a shortcut is given twice"
    assert window.action_paper_handover.shortcut().toString() == "Ctrl+Shift+G"
    assert window.action_tasks.shortcut().toString() == "Ctrl+Shift+T"
    handover = window.open_paper_handover()
    assert isinstance(handover, HandoverScreen) and handover.pending_table.rowCount() == 2
    tasks_screen = window.open_tasks()
    assert isinstance(tasks_screen, TaskScreen) and tasks_screen.isVisible()
    handover.close()
    tasks_screen.close()
