"""The hand-over picker: the registration's recipient first, accent-free and code matching,
an unknown name confirmed, an empty field explained in place."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from pytestqt.qtbot import QtBot

from clerk_app.records import IncomingDraft
from clerk_app.workspace import Workspace
from tests.ui.conftest import MessageBoxes
from ui.handover_picker import HandoverPicker, receivers_of
from ui.main_window import MainWindow


def _picker(qtbot: QtBot, workspace: Workspace, default: str = "") -> HandoverPicker:
    picker = HandoverPicker(None, receivers_of(workspace), default=default)
    qtbot.addWidget(picker)
    picker.show()
    return picker


def _shown(picker: HandoverPicker) -> list[str]:
    return [picker.matches.item(i).text() for i in range(picker.matches.count())]


def _type(qtbot: QtBot, picker: HandoverPicker, text: str) -> None:
    picker.field.clear()
    qtbot.keyClicks(picker.field, text)


def test_units_and_people_match_without_accents_and_by_code(
    app: QApplication, qtbot: QtBot, workspace: Workspace
) -> None:
    picker = _picker(qtbot, workspace)
    _type(qtbot, picker, "phong kinh")
    assert _shown(picker) == ["KT – Phòng Kinh tế"]
    _type(qtbot, picker, "kt")
    assert _shown(picker) == ["KT – Phòng Kinh tế"]
    _type(qtbot, picker, "nguyen van")
    assert _shown(picker) == ["Nguyễn Văn An  (Chủ tịch, VP)"]
    picker.accept()
    assert picker.result() == QDialog.DialogCode.Accepted
    assert picker.value() == "Nguyễn Văn An"  # the name, never the typed text glued to it


def test_an_unknown_name_is_taken_only_when_confirmed(
    app: QApplication, qtbot: QtBot, workspace: Workspace, message_boxes: MessageBoxes
) -> None:
    picker = _picker(qtbot, workspace)
    _type(qtbot, picker, "So Y te")
    assert _shown(picker) == []
    message_boxes.answers = [QMessageBox.StandardButton.No]
    picker.accept()
    assert picker.isVisible() and picker.result() != QDialog.DialogCode.Accepted
    assert "không phải đơn vị hay cán bộ" in message_boxes.last.text
    message_boxes.answers = [QMessageBox.StandardButton.Yes]
    picker.accept()
    assert picker.value() == "So Y te"


def test_an_empty_field_is_explained_in_place(
    app: QApplication, qtbot: QtBot, workspace: Workspace, message_boxes: MessageBoxes
) -> None:
    picker = _picker(qtbot, workspace)
    picker.accept()
    assert picker.isVisible()
    assert "«Chuyển cho»" in picker.error.text() and picker.error.isVisible()
    assert message_boxes.shown == []


def test_the_recipient_named_at_registration_is_the_default(
    app: QApplication,
    qtbot: QtBot,
    workspace: Workspace,
    monkeypatch: object,
) -> None:
    result = workspace.register_incoming(
        IncomingDraft(
            issuer="Sở Nội vụ",
            reference="",
            issued_on=None,
            doc_type="Công văn",
            subject="V/v tuyển dụng",
            recipients="Phòng Kinh tế",
        )
    )
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    seen: list[HandoverPicker] = []

    def enter(self: HandoverPicker) -> QDialog.DialogCode:
        seen.append(self)
        out = os.environ.get("CLERK_SCREENSHOTS")
        if out:
            self.resize(620, 420)
            self.grab().save(str(Path(out) / "handover-picker.png"))
        self.accept()  # the clerk presses Enter at once
        return QDialog.DialogCode(self.result())

    monkeypatch.setattr(HandoverPicker, "exec", enter)  # type: ignore[attr-defined]
    window.hand_over(result.document.summary.id)
    assert seen[0].field.text() == "Phòng Kinh tế"
    assert seen[0].matches.currentItem().text() == "KT – Phòng Kinh tế"
    qtbot.waitUntil(
        lambda: (
            workspace.document(result.document.summary.id).fields.get("handed_over_to")
            == "Phòng Kinh tế"
        ),
        timeout=10_000,
    )


def test_tai_chinh_ke_hoach_is_found_by_words_code_and_initials(
    app: QApplication, qtbot: QtBot, workspace: Workspace
) -> None:
    workspace.add_unit("TCKH", "Phòng Tài chính - Kế hoạch")
    workspace.add_unit("TP", "Phòng Tư pháp")
    picker = _picker(qtbot, workspace)
    for typed in ("phong tai chinh", "TCKH", "tc-kh", "tai chinh ke hoach"):
        _type(qtbot, picker, typed)
        assert _shown(picker) == ["TCKH – Phòng Tài chính - Kế hoạch"], typed
    picker.field.setText("Tài chính")  # typed with its marks (QTest types ASCII only)
    picker.field.textEdited.emit("Tài chính")
    assert _shown(picker) == ["TCKH – Phòng Tài chính - Kế hoạch"]
    _type(qtbot, picker, "phong")
    assert _shown(picker) == [
        "KT – Phòng Kinh tế",
        "TCKH – Phòng Tài chính - Kế hoạch",
        "TP – Phòng Tư pháp",
        "VP – Văn phòng",
    ]


def test_the_registration_form_completes_the_recipient_by_the_same_rule(
    app: QApplication, qtbot: QtBot, workspace: Workspace
) -> None:
    from PySide6.QtCore import Qt

    from ui.registration_form import IncomingForm

    workspace.add_unit("TCKH", "Phòng Tài chính - Kế hoạch")
    form = IncomingForm(workspace)
    qtbot.addWidget(form)
    form.show()
    line = form.recipients.lineEdit()
    assert line is not None
    completer = form.recipient_completer
    for typed in ("phong tai chinh", "TCKH"):
        line.clear()
        line.setFocus()
        qtbot.keyClicks(line, typed)
        shown = [completer.found.item(r).text() for r in range(completer.found.rowCount())]
        assert shown == ["TCKH – Phòng Tài chính - Kế hoạch"], typed
        assert completer.popup().isVisible() and completer.popup().currentIndex().row() == 0
        assert line.text() == typed  # nothing overwritten while typing
        qtbot.keyClick(completer.popup(), Qt.Key.Key_Return)  # Enter takes the highlighted line
        assert form.recipients.currentText() == "Phòng Tài chính - Kế hoạch"
    # A name of no unit stays as typed (it may be someone outside the lists).
    line.clear()
    qtbot.keyClicks(line, "So Y te")
    assert not completer.popup().isVisible()
    assert form.recipients.currentText() == "So Y te"
    form.discard()
