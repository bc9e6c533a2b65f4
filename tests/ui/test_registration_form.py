"""The registration dialogs, driven from the keyboard against a real Workspace."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from clerk_app.clock import VIETNAM, vietnam_date
from clerk_app.records import IncomingDraft
from clerk_app.workspace import Workspace
from ui.registration_form import IncomingForm, OutgoingForm

YEAR = vietnam_date(datetime.now(UTC)).year
CTRL = Qt.KeyboardModifier.ControlModifier


def incoming_count(ws: Workspace) -> int:
    return ws.register_for("incoming", YEAR).last_number


def open_form(qtbot: QtBot, ws: Workspace, cls: type = IncomingForm, **kw: object) -> IncomingForm:
    form = cls(ws, None, **kw)
    qtbot.addWidget(form)
    with qtbot.waitActive(form):
        form.show()
        form.activateWindow()
    return form


def type_incoming(
    type_text: Any,
    form: IncomingForm,
    issuer: str,
    reference: str,
    issued: str,
    doc_type: str,
    subject: str,
) -> None:
    type_text(form.issuer, issuer)
    type_text(form.reference, reference)
    type_text(form.issued_on, issued)
    type_text(form.doc_type.lineEdit(), doc_type)
    type_text(form.subject, subject)


def ctrl_enter(qtbot: QtBot, form: IncomingForm) -> None:
    widget = QApplication.focusWidget() or form
    qtbot.keyClick(widget, Qt.Key.Key_Return, CTRL)


def test_ctrl_enter_registers_number_1_then_register_next_gives_2(
    qtbot: QtBot, app: QApplication, workspace: Workspace, type_text: Any
) -> None:
    form = open_form(qtbot, workspace)
    type_incoming(
        type_text,
        form,
        "Sở Tài chính tỉnh Phú Yên",
        "123/STC-NS",
        "05/02/2026",
        "Công văn",
        "Về việc quyết toán kinh phí năm 2025",
    )
    ctrl_enter(qtbot, form)
    qtbot.waitUntil(lambda: form.state == "done", timeout=10_000)

    assert incoming_count(workspace) == 1
    assert form.last_result is not None
    first = form.last_result.document
    assert first.summary.number == 1
    assert f"số đến 1/{YEAR}" in form.banner_number.text()
    assert form.banner.isVisible()
    stored = workspace.document(first.summary.id)
    assert stored.fields["issuer"] == "Sở Tài chính tỉnh Phú Yên"
    assert stored.fields["issued_on"] == "2026-02-05"
    assert stored.fields["doc_type"] == "Công văn"

    # Ctrl+Enter again: "register next" clears the form and puts the cursor on the first field.
    ctrl_enter(qtbot, form)
    assert form.state == "editing"
    assert form.issuer.text() == ""
    assert QApplication.focusWidget() is form.issuer

    type_incoming(
        type_text,
        form,
        "UBND huyện Tuy An",
        "45/UBND-VP",
        "6/2/26",
        "quyet dinh",
        "Về việc giao đất",
    )
    ctrl_enter(qtbot, form)
    qtbot.waitUntil(lambda: form.state == "done", timeout=10_000)
    assert incoming_count(workspace) == 2
    assert form.last_result is not None
    second = workspace.document(form.last_result.document.summary.id)
    assert second.summary.number == 2
    assert second.fields["doc_type"] == "Quyết định"  # typed without accents, stored canonical
    assert second.fields["issued_on"] == "2026-02-06"


def test_enter_moves_to_the_next_field_and_never_submits(
    qtbot: QtBot, app: QApplication, workspace: Workspace, type_text: Any
) -> None:
    form = open_form(qtbot, workspace)
    form.issuer.setFocus()
    type_text(form.issuer, "Sở Nội vụ")
    qtbot.keyClick(form.issuer, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is form.reference
    qtbot.keyClick(form.reference, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.issued_on
    assert incoming_count(workspace) == 0
    assert form.state == "editing"


def test_missing_required_field_shows_inline_message_and_registers_nothing(
    qtbot: QtBot, app: QApplication, workspace: Workspace, type_text: Any
) -> None:
    form = open_form(qtbot, workspace)
    type_text(form.issuer, "Sở Tài chính")
    type_text(form.doc_type.lineEdit(), "Công văn")
    ctrl_enter(qtbot, form)

    assert form.state == "editing"
    assert form.rows["subject"].error.isVisible()
    assert form.rows["subject"].error.text() == "Chưa nhập trích yếu nội dung."
    assert not form.rows["issuer"].error.isVisible()
    assert QApplication.focusWidget() is form.subject
    assert incoming_count(workspace) == 0


def test_impossible_date_is_refused_inline(
    qtbot: QtBot, app: QApplication, workspace: Workspace, type_text: Any
) -> None:
    form = open_form(qtbot, workspace)
    type_incoming(type_text, form, "Sở Tài chính", "1/STC", "31/02/2026", "Công văn", "Về việc A")
    ctrl_enter(qtbot, form)
    assert form.state == "editing"
    assert "không có thật" in form.rows["issued_on"].error.text()
    assert incoming_count(workspace) == 0


@pytest.mark.parametrize("level", ["Mật", "Tối mật", "Tuyệt mật"])
def test_secret_level_is_refused_as_soon_as_chosen(
    qtbot: QtBot,
    app: QApplication,
    workspace: Workspace,
    level: str,
    type_text: Any,
) -> None:
    form = open_form(qtbot, workspace)
    type_incoming(type_text, form, "Bộ Công an", "12/BCA", "01/02/2026", "Công văn", "Về việc X")
    form.secrecy.setCurrentText(level)

    assert form.refusal.isVisible()
    assert f"độ mật «{level}» không được quét, lưu hay đồng bộ" in form.refusal_text.text()
    assert "sổ văn bản mật bằng giấy" in form.refusal_text.text()
    assert not form.submit_button.isEnabled()
    ctrl_enter(qtbot, form)
    assert form.state == "editing"
    assert incoming_count(workspace) == 0

    form.secrecy.setCurrentText("Không")
    assert not form.refusal.isVisible()
    assert form.submit_button.isEnabled()


def test_duplicate_asks_and_registers_again_only_on_yes(
    qtbot: QtBot,
    app: QApplication,
    workspace: Workspace,
    message_boxes: Any,
    type_text: Any,
) -> None:
    workspace.register_incoming(
        IncomingDraft(
            issuer="Sở Tài chính",
            reference="77/STC-NS",
            issued_on=None,
            doc_type="Công văn",
            subject="Về việc A",
        )
    )
    form = open_form(qtbot, workspace)
    type_incoming(type_text, form, "Sở Tài chính", "77/STC-NS", "", "Công văn", "Về việc A")

    message_boxes.answers = [QMessageBox.StandardButton.No]
    ctrl_enter(qtbot, form)
    qtbot.waitUntil(lambda: len(message_boxes.shown) == 1, timeout=10_000)
    assert message_boxes.last.text == (
        f"Văn bản này đã đăng ký với số đến 1/{YEAR}. Vẫn đăng ký lại?"
    )
    qtbot.waitUntil(lambda: form.state == "editing")
    assert incoming_count(workspace) == 1

    message_boxes.answers = [QMessageBox.StandardButton.Yes]
    ctrl_enter(qtbot, form)
    qtbot.waitUntil(lambda: form.state == "done", timeout=10_000)
    assert len(message_boxes.shown) == 2
    assert incoming_count(workspace) == 2
    assert form.last_result is not None and form.last_result.document.summary.number == 2


def test_outgoing_form_issues_number_and_reference(
    qtbot: QtBot, app: QApplication, workspace: Workspace, type_text: Any
) -> None:
    form = open_form(qtbot, workspace, OutgoingForm)
    assert isinstance(form, OutgoingForm)
    type_text(form.doc_type.lineEdit(), "Quyết định")
    type_text(form.subject, "Về việc thành lập tổ công tác")
    type_text(form.signer.lineEdit(), "Nguyễn Văn An")
    type_text(form.recipients, "Các sở, ban, ngành")
    ctrl_enter(qtbot, form)
    qtbot.waitUntil(lambda: form.state == "done", timeout=10_000)
    assert form.banner_number.text() == "Đã cấp số: 01/QĐ-UBND"
    assert workspace.register_for("outgoing", YEAR).last_number == 1


def test_outgoing_cong_van_needs_a_drafting_unit(
    qtbot: QtBot, app: QApplication, workspace: Workspace, type_text: Any
) -> None:
    form = open_form(qtbot, workspace, OutgoingForm)
    assert isinstance(form, OutgoingForm)
    type_text(form.doc_type.lineEdit(), "Công văn")
    type_text(form.subject, "Về việc báo cáo")
    type_text(form.signer.lineEdit(), "Nguyễn Văn An")
    type_text(form.recipients, "Sở Nội vụ")
    ctrl_enter(qtbot, form)
    assert form.state == "editing"
    assert "đơn vị soạn thảo" in form.rows["unit"].error.text()
    form.unit.setCurrentIndex(form.unit.findData("VP"))
    ctrl_enter(qtbot, form)
    qtbot.waitUntil(lambda: form.state == "done", timeout=10_000)
    assert form.banner_number.text() == "Đã cấp số: 01/UBND-VP"


def test_attached_pdf_is_previewed_and_stored(
    qtbot: QtBot,
    app: QApplication,
    workspace: Workspace,
    make_pdf: Callable[..., Path],
    type_text: Any,
) -> None:
    pdf = make_pdf("CÔNG VĂN", "Về việc kiểm tra", pages=3)
    form = open_form(qtbot, workspace, files=[pdf])
    qtbot.waitUntil(lambda: form.preview.pages == 3 and not form.preview.busy, timeout=10_000)
    assert form.preview._status.text() == "Trang 1/3"
    qtbot.waitUntil(lambda: form.pages.value() == 3, timeout=10_000)  # page count suggested
    form.preview.show_page(2)
    qtbot.waitUntil(lambda: form.preview.page == 2 and not form.preview.busy, timeout=10_000)

    type_incoming(type_text, form, "Sở Y tế", "9/SYT", "", "Công văn", "Về việc kiểm tra")
    ctrl_enter(qtbot, form)
    qtbot.waitUntil(lambda: form.state == "done", timeout=10_000)
    assert form.last_result is not None
    detail = workspace.document(form.last_result.document.summary.id)
    assert [f.filename for f in detail.files if f.role == "original"] == [pdf.name]
    assert workspace.file_bytes(detail.files[0].sha256) == pdf.read_bytes()


def test_connected_desk_without_the_lease_offline_saves_a_draft_without_a_number(
    qtbot: QtBot,
    app: QApplication,
    workspace: Workspace,
    type_text: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from clerk_app.storage.sync_models import SyncDraft, SyncLink
    from ui.registration_form import RegistrationForm

    with workspace._db.write() as s:
        s.add(
            SyncLink(
                id=1,
                server_url="http://127.0.0.1:1",
                username="nvan1.ubnd",
                role="clerk",
                server_agency_id="x",
                connected_at=datetime.now(UTC),
            )
        )
    asked: list[str] = []
    monkeypatch.setattr(
        RegistrationForm, "confirm_draft", lambda self, error: asked.append(str(error)) or True
    )
    form = open_form(qtbot, workspace)
    type_incoming(type_text, form, "Sở Tài chính", "7/STC", "02/03/2026", "Công văn", "Về việc B")
    ctrl_enter(qtbot, form)
    qtbot.waitUntil(lambda: form.drafts_saved == 1, timeout=10_000)
    assert asked == []  # the server cannot be reached and another desk numbers: a draft at once
    assert "CHƯA CÓ SỐ" in form.status.text()
    assert incoming_count(workspace) == 0
    with workspace._db.read() as s:
        drafts = s.query(SyncDraft).all()
        assert [(d.direction, d.number) for d in drafts] == [("incoming", None)]


def test_the_late_arrival_time_is_blank_until_late_registration_is_ticked(
    qtbot: QtBot, app: QApplication, workspace: Workspace
) -> None:
    form = open_form(qtbot, workspace)
    assert not form.received_at.isEnabled()
    assert form.received_at.text().strip() == ""  # not «00:00 01/01/2000»
    form.late.setChecked(True)
    shown = form.received_at.text()
    now = datetime.now(UTC).astimezone(VIETNAM)
    assert shown.endswith(now.strftime("%d/%m/%Y")) and form.received_at.isEnabled()
    form.late.setChecked(False)
    assert form.received_at.text().strip() == "" and not form.has_typed_content()
    form.discard()
