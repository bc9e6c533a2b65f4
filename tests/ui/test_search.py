"""Search as you type on the search screen, against a real index."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from clerk_app.clock import vietnam_date
from clerk_app.records import IncomingDraft
from clerk_app.workspace import Workspace
from ui.pages import SearchPage

YEAR = vietnam_date(datetime.now(UTC)).year


def register(
    ws: Workspace,
    subject: str,
    issuer: str = "Sở Tài nguyên và Môi trường",
    urgency: str = "Thường",
) -> str:
    result = ws.register_incoming(
        IncomingDraft(
            issuer=issuer,
            reference="",
            issued_on=None,
            doc_type="Quyết định",
            subject=subject,
            urgency=urgency,
        )
    )
    return result.document.summary.id


def test_typing_an_accent_free_query_finds_the_document(
    qtbot: QtBot, qapp: QApplication, workspace: Workspace, type_text: Any
) -> None:
    wanted = register(workspace, "Về việc giao đất cho hộ gia đình tại xã Hòa Xuân Tây")
    register(workspace, "Về việc tổ chức hội nghị tổng kết")
    page = SearchPage(workspace)
    qtbot.addWidget(page)
    page.show()

    qtbot.keyClicks(page.query, "giao dat hoa xuan")
    # Debounced: nothing runs per keystroke, one search after the pause.
    qtbot.waitUntil(lambda: not page.timer.isActive() and not page.searching, timeout=5_000)
    assert [s.id for s in page.model.rows()] == [wanted]
    assert "1 văn bản" in page.message.text()

    page.query.clear()
    type_text(page.query, "HOÀ XUÂN")  # old tone placement, upper case
    qtbot.waitUntil(lambda: not page.timer.isActive() and not page.searching, timeout=5_000)
    assert [s.id for s in page.model.rows()] == [wanted]


def test_filters_and_newest_first(qtbot: QtBot, qapp: QApplication, workspace: Workspace) -> None:
    first = register(workspace, "Về việc kiểm tra an toàn bức xạ")
    second = register(workspace, "Về việc kiểm tra đo lường", urgency="Khẩn")
    page = SearchPage(workspace)
    qtbot.addWidget(page)
    qtbot.keyClicks(page.query, "kiem tra")
    qtbot.waitUntil(lambda: not page.timer.isActive() and not page.searching, timeout=5_000)
    assert [s.id for s in page.model.rows()] == [second, first]

    page.urgency.setCurrentText("Khẩn")
    qtbot.waitUntil(lambda: not page.timer.isActive() and not page.searching, timeout=5_000)
    assert [s.id for s in page.model.rows()] == [second]

    page.urgency.setCurrentIndex(0)
    page.direction.setCurrentIndex(2)  # outgoing only
    qtbot.waitUntil(lambda: not page.timer.isActive() and not page.searching, timeout=5_000)
    assert page.model.rows() == []
    assert page.message.text() == "Không tìm thấy văn bản nào."


def test_impossible_filter_date_is_explained(
    qtbot: QtBot, qapp: QApplication, workspace: Workspace
) -> None:
    page = SearchPage(workspace)
    qtbot.addWidget(page)
    page.date_from.setText("30/02/2026")
    page.run_search()
    assert "không có thật" in page.message.text()
