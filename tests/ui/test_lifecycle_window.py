"""The window follows the life cycle: state shown, only fitting actions, «Phát hành» end to end."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from signing_pki import Pki, outgoing_draft

from clerk_app.instructions.records import InstructionDraft
from clerk_app.instructions.secretary import Secretary
from clerk_app.records import IncomingDraft, OutgoingDraft
from clerk_app.signing.desk import SigningSettings, save_settings
from clerk_app.workspace import Workspace
from ui import signing_dialogs
from ui.issue_dialog import IssueDialog
from ui.main_window import MainWindow


def _outgoing(ws: Workspace, tmp_path: Path, data: bytes) -> str:
    pdf = tmp_path / "qd.pdf"
    pdf.write_bytes(data)
    draft = OutgoingDraft(
        doc_type="Quyết định",
        subject="Về việc thành lập Tổ công tác",
        signer="Nguyễn Văn An",
        recipients="Như Điều 3; Sở Nội vụ",
        files=[pdf],
    )
    return ws.register_outgoing(draft).document.summary.id


def _settings(ws: Workspace, pki: Pki, seal_png: bytes, tmp_path: Path) -> None:
    seal = tmp_path / "dau.png"
    seal.write_bytes(seal_png)
    save_settings(
        ws.data_dir,
        SigningSettings(
            pkcs11_module=pki.choice.module,
            token_label=pki.choice.token_label,
            certificate_label=pki.choice.certificate_label,
            seal_image=str(seal),
        ),
    )


@pytest.fixture
def window(qtbot: QtBot, app: QApplication, workspace: Workspace) -> Callable[[str], MainWindow]:
    def open_on(document_id: str) -> MainWindow:
        win = MainWindow(workspace)
        qtbot.addWidget(win)
        win.show()
        win.open_detail(document_id)
        qtbot.waitUntil(lambda: win.detail.detail is not None, timeout=5_000)
        return win

    return open_on


def test_ctrl_d_on_an_outgoing_document_is_refused_in_one_line(
    qtbot: QtBot,
    workspace: Workspace,
    window: Callable[[str], MainWindow],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    doc = _outgoing(workspace, tmp_path, outgoing_draft())
    win = window(doc)
    opened: list[str] = []
    monkeypatch.setattr(win, "open_stamp_dialog", lambda d: opened.append(d))
    shown: list[BaseException] = []
    monkeypatch.setattr("ui.errors.present", lambda error, parent=None: shown.append(error))
    assert win.action_stamp.shortcut().toString() == "Ctrl+D"
    win.action_stamp.trigger()
    assert opened == []
    message = win.statusBar().currentMessage()
    assert message.startswith("Văn bản đi không đóng dấu ĐẾN.") and "\n" not in message
    assert [type(e).__name__ for e in shown] == ["WrongDirection"]
    assert [f.role for f in workspace.document(doc).files if f.role != "ocr_text"] == ["original"]


def test_ctrl_shift_k_before_the_number_is_refused_without_asking_the_pin(
    qtbot: QtBot,
    workspace: Workspace,
    window: Callable[[str], MainWindow],
    pki: Pki,
    leader_signed: Callable[..., bytes],
    seal_png: bytes,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    doc = _outgoing(workspace, tmp_path, leader_signed())
    _settings(workspace, pki, seal_png, tmp_path)
    asked: list[str] = []
    monkeypatch.setattr(
        signing_dialogs, "ask_pin", lambda label, *a, **k: asked.append(label) or pki.pin
    )
    win = window(doc)
    shown: list[BaseException] = []
    monkeypatch.setattr("ui.errors.present", lambda error, parent=None: shown.append(error))
    assert win.detail.state_label.text() == "Trạng thái: Đã cấp số"
    assert win.detail.issue_button.isVisible() and win.detail.issue_button.text() == "Phát hành…"
    win.action_sign.trigger()
    assert asked == []
    assert "chưa được ghi số, ngày" in win.statusBar().currentMessage()
    assert [type(e).__name__ for e in shown] == ["WrongState"]


def test_phat_hanh_previews_asks_the_pin_once_and_shows_the_issued_version(
    qtbot: QtBot,
    workspace: Workspace,
    window: Callable[[str], MainWindow],
    pki: Pki,
    leader_signed: Callable[..., bytes],
    seal_png: bytes,
    tmp_path: Path,
) -> None:
    doc = _outgoing(workspace, tmp_path, leader_signed())
    _settings(workspace, pki, seal_png, tmp_path)
    win = window(doc)
    assert win.action_issue.shortcut().toString() == "Ctrl+Shift+P"
    dialog = win.issue_document(doc)
    assert isinstance(dialog, IssueDialog)
    qtbot.waitUntil(lambda: dialog.page.pixmap() is not None and not dialog.page.pixmap().isNull())
    assert dialog.page.pixmap().width() > 600  # the header, readable
    assert dialog.state.text() == "Đã cấp số" and dialog.pin.isVisible()
    qtbot.keyClicks(dialog.pin, pki.pin)
    with qtbot.waitSignal(dialog.issued, timeout=30_000):
        qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)
    assert dialog.pin.text() == ""  # the PIN is not kept in the field
    assert dialog.state.text() == "Đã phát hành"
    assert dialog.outcome.text().startswith("Đã phát hành: ")
    assert "Gửi tới: Như Điều 3; Sở Nội vụ." in dialog.outcome.text()
    assert not dialog.pin.isVisible()
    files = workspace.document(doc).files
    assert [f.role for f in files if f.role != "ocr_text"] == ["original", "numbered", "issued"]
    dialog.close()
    qtbot.waitUntil(lambda: win.detail.state_label.text() == "Trạng thái: Đã phát hành")
    assert win.detail.issue_button.text() == "Bản phát hành…"
    # An issued document shows its issued version; nothing is asked.
    again = win.issue_document(doc)
    assert isinstance(again, IssueDialog) and not again.pin.isVisible()
    assert again.outcome.text().startswith("Đã phát hành: ")


def test_a_wrong_pin_says_so_in_the_dialog_and_stores_nothing(
    qtbot: QtBot,
    workspace: Workspace,
    window: Callable[[str], MainWindow],
    pki: Pki,
    leader_signed: Callable[..., bytes],
    seal_png: bytes,
    tmp_path: Path,
) -> None:
    doc = _outgoing(workspace, tmp_path, leader_signed())
    _settings(workspace, pki, seal_png, tmp_path)
    win = window(doc)
    dialog = win.issue_document(doc)
    assert isinstance(dialog, IssueDialog)
    dialog.pin.setText("000000")
    dialog.issue()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=30_000)
    assert "Mã PIN không đúng" in dialog.outcome.text()
    assert dialog.state.text() == "Đã cấp số" and dialog.pin.isVisible()
    assert [f.role for f in workspace.document(doc).files if f.role != "ocr_text"] == ["original"]


def test_an_incoming_document_shows_its_instruction_and_cannot_be_issued(
    qtbot: QtBot,
    workspace: Workspace,
    window: Callable[[str], MainWindow],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    doc = workspace.register_incoming(
        IncomingDraft(
            issuer="Sở Tài chính",
            reference="45/STC-VP",
            issued_on=None,
            doc_type="Công văn",
            subject="Về việc quyết toán",
        )
    ).document.summary.id
    Secretary(workspace).instruct(
        doc, InstructionDraft(leader="Chủ tịch", text="Giao Phòng Kinh tế xử lý.", lead="KT")
    )
    win = window(doc)
    qtbot.waitUntil(
        lambda: win.detail.state_label.text() == "Trạng thái: Đã có ý kiến chỉ đạo, phân công"
    )
    assert not win.detail.issue_button.isVisible()
    shown: list[BaseException] = []
    monkeypatch.setattr("ui.errors.present", lambda error, parent=None: shown.append(error))
    assert win.issue_document(doc) is True  # refused, nothing opened
    assert [type(e).__name__ for e in shown] == ["WrongDirection"]
