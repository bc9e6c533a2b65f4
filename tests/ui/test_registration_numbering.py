"""The forms' QPPL checkbox and late registration, against a real Workspace."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QTime
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from clerk_app.clock import VIETNAM
from clerk_app.records import IncomingDraft
from clerk_app.workspace import Workspace
from tests.ui.test_registration_form import YEAR, ctrl_enter, open_form, type_incoming
from ui.registration_form import IncomingForm, OutgoingForm


def test_qppl_checkbox_numbers_in_the_qppl_series_with_the_year(
    qtbot: QtBot, app: QApplication, workspace: Workspace, type_text: Any
) -> None:
    form = open_form(qtbot, workspace, OutgoingForm)
    assert isinstance(form, OutgoingForm)
    type_text(form.doc_type.lineEdit(), "Chỉ thị")
    assert not form.qppl.isEnabled()  # a Chỉ thị cannot be legal-normative
    form.doc_type.lineEdit().clear()
    type_text(form.doc_type.lineEdit(), "Quyết định")
    assert form.qppl.isEnabled()
    form.qppl.setChecked(True)
    type_text(form.subject, "Ban hành Quy chế làm việc")
    type_text(form.signer.lineEdit(), "Nguyễn Văn An")
    type_text(form.recipients, "Các sở, ban, ngành")
    ctrl_enter(qtbot, form)
    qtbot.waitUntil(lambda: form.state == "done", timeout=10_000)
    assert form.banner_number.text() == f"Đã cấp số: 01/{YEAR}/QĐ-UBND"
    assert workspace.register_for("outgoing", YEAR).last_number == 0  # main series untouched


def test_late_registration_needs_a_reason_and_shows_it_in_the_notes(
    qtbot: QtBot, app: QApplication, workspace: Workspace, type_text: Any, message_boxes: Any
) -> None:
    workspace.register_incoming(
        IncomingDraft(
            issuer="Sở Nội vụ",
            reference="1/SNV",
            issued_on=None,
            doc_type="Công văn",
            subject="Đã đăng ký trước",
        )
    )
    earlier = datetime.now(VIETNAM) - timedelta(hours=3)
    form = open_form(qtbot, workspace)
    assert isinstance(form, IncomingForm)
    assert not form.late_reason.isEnabled()
    type_incoming(type_text, form, "Sở Tài chính", "7/STC", "", "Công văn", "Về việc thư để lẫn")
    form.late.setChecked(True)
    form.received_at.setDateTime(
        QDateTime(
            QDate(earlier.year, earlier.month, earlier.day), QTime(earlier.hour, earlier.minute)
        )
    )
    ctrl_enter(qtbot, form)
    assert form.state == "editing"
    assert "lý do đăng ký muộn" in form.rows["late_reason"].error.text()
    type_text(form.late_reason, "Thư để lẫn trong tập công văn khác")
    ctrl_enter(qtbot, form)
    qtbot.waitUntil(lambda: form.state == "done", timeout=10_000)
    assert form.last_result is not None
    summary = form.last_result.document.summary
    assert summary.number == 2
    assert "Thư để lẫn trong tập công văn khác" in summary.notes
    assert not message_boxes.shown
