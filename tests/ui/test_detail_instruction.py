"""The document's Thông tin tab shows the leader's instruction, deadline and handlers; the
history names every change in Vietnamese words."""

from __future__ import annotations

from datetime import UTC, date, datetime

from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from clerk_app.instructions.records import InstructionDraft
from clerk_app.instructions.secretary import Secretary
from clerk_app.records import AuditRecord, IncomingDraft
from clerk_app.workspace import Workspace
from ui.detail import DetailPane, history_html


def test_instruction_deadline_and_handlers_are_on_the_information_tab(
    app: QApplication, qtbot: QtBot, workspace: Workspace
) -> None:
    doc = workspace.register_incoming(
        IncomingDraft(
            issuer="Sở Tài chính",
            reference="",
            issued_on=None,
            doc_type="Công văn",
            subject="V/v quyết toán",
        )
    ).document.summary
    Secretary(workspace).instruct(
        doc.id,
        InstructionDraft(
            leader="Chủ tịch Nguyễn Văn An",
            text="Giao Phòng Kinh tế chủ trì tham mưu.",
            lead="kt",
            co=["Van phong"],
            deadline=date(2099, 12, 31),
        ),
        stamp=False,
    )
    pane = DetailPane(workspace)
    qtbot.addWidget(pane)
    pane.show_document(doc.id)
    qtbot.waitUntil(lambda: not pane.loading, timeout=10_000)
    form = pane.fields_form
    rows = {
        form.itemAt(i, form.ItemRole.LabelRole).widget().text(): form.itemAt(
            i, form.ItemRole.FieldRole
        )
        .widget()
        .text()
        for i in range(form.rowCount())
        if isinstance(form.itemAt(i, form.ItemRole.LabelRole).widget(), QLabel)
    }
    assert rows["Ý kiến chỉ đạo:"] == "Chủ tịch Nguyễn Văn An: Giao Phòng Kinh tế chủ trì tham mưu."
    assert rows["Hạn xử lý:"] == "31/12/2099"
    assert rows["Đơn vị, người xử lý:"] == "Phòng Kinh tế (chủ trì); Văn phòng (phối hợp)"
    history = pane.history.toPlainText()
    assert "Chuyển xử lý theo ý kiến chỉ đạo" in history
    assert "route" not in history


def test_an_action_without_words_is_not_shown_by_its_code() -> None:
    record = AuditRecord(
        1,
        datetime(2026, 12, 2, 3, 0, tzinfo=UTC),
        "vt",
        "",
        "something_new",
        "document",
        "x",
        {},
        "",
    )
    assert "something_new" not in history_html([record])
