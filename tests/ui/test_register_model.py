"""The lazy register model and the register screen over a real register."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from clerk_app.clock import vietnam_date
from clerk_app.records import IncomingDraft, OutgoingDraft
from clerk_app.workspace import Workspace
from ui.pages import RegisterPage
from ui.register_model import (
    DOCUMENT_ID_ROLE,
    INCOMING_COLUMNS,
    OUTGOING_COLUMNS,
    URGENT_BACKGROUND,
    RegisterModel,
)

YEAR = vietnam_date(datetime.now(UTC)).year
COUNT = 500


def column(name: str, columns: tuple = INCOMING_COLUMNS) -> int:
    return [c.header for c in columns].index(name)


@pytest.fixture
def filled(workspace: Workspace) -> Workspace:
    for i in range(1, COUNT + 1):
        workspace.register_incoming(
            IncomingDraft(
                issuer=f"Sở Tài chính {i % 7}",
                reference=f"{i}/STC-NS",
                issued_on=None,
                doc_type="Công văn",
                subject=f"Về việc số {i}",
                urgency="Hỏa tốc" if i == 450 else "Thường",
            )
        )
    return workspace


def test_headers_follow_the_legal_order() -> None:
    assert [c.header for c in INCOMING_COLUMNS][:8] == [
        "Ngày đến",
        "Số đến",
        "Tác giả",
        "Số và ký hiệu",
        "Ngày tháng VB",
        "Tên loại và trích yếu nội dung",
        "Đơn vị hoặc người nhận",
        "Ngày chuyển",
    ]
    assert [c.header for c in OUTGOING_COLUMNS][:5] == [
        "Số và ký hiệu",
        "Ngày tháng VB",
        "Tên loại và trích yếu nội dung",
        "Người ký",
        "Nơi nhận",
    ]


def test_model_counts_the_register_and_reads_deep_rows_lazily(
    qapp: QApplication, filled: Workspace
) -> None:
    register = filled.register_for("incoming", YEAR)
    model = RegisterModel(filled, register)
    assert model.rowCount() == register.last_number == COUNT
    assert model.fetches == 0  # nothing read until a row is shown

    deep = model.index(449, column("Số đến"))
    assert model.data(deep) == "450"
    assert model.data(model.index(449, column("Số và ký hiệu"))) == "450/STC-NS"
    assert model.data(model.index(449, column("Tên loại và trích yếu nội dung"))) == (
        "Công văn: Về việc số 450"
    )
    assert model.data(model.index(449, column("Độ khẩn"))) == "Hỏa tốc"
    assert model.data(deep, Qt.ItemDataRole.BackgroundRole).color() == URGENT_BACKGROUND
    assert model.fetches == 1  # one page of 200 rows, not the register
    assert model.data(model.index(0, column("Số đến"))) == "1"
    assert model.fetches == 2
    assert model.data(model.index(10, column("Số đến"))) == "11"
    assert model.fetches == 2  # cached

    document_id = model.data(deep, DOCUMENT_ID_ROLE)
    assert filled.document(document_id).summary.number == 450


def test_cancelled_rows_are_struck_through_and_grey(qapp: QApplication, filled: Workspace) -> None:
    register = filled.register_for("incoming", YEAR)
    model = RegisterModel(filled, register)
    victim = model.summary(99)
    assert victim is not None
    filled.cancel(victim.id, "Đăng ký nhầm")
    model.invalidate()
    index = model.index(99, column("Tác giả"))
    assert model.data(index, Qt.ItemDataRole.FontRole).strikeOut()
    assert model.data(model.index(99, column("Ghi chú"))) == "Đã hủy"
    assert not model.data(model.index(98, 0), Qt.ItemDataRole.FontRole)


def test_new_registrations_are_appended_without_a_reset(
    qapp: QApplication, workspace: Workspace
) -> None:
    model = RegisterModel(workspace, workspace.register_for("incoming", YEAR))
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    workspace.register_incoming(
        IncomingDraft(
            issuer="A", reference="1/A", issued_on=None, doc_type="Công văn", subject="Về việc B"
        )
    )
    model.update_register(workspace.register_for("incoming", YEAR))
    assert inserted == [(0, 0)]
    assert model.data(model.index(0, column("Tác giả"))) == "A"


def test_register_page_shows_the_year_and_scrolls_to_the_latest(
    qtbot: QtBot, qapp: QApplication, filled: Workspace
) -> None:
    page = RegisterPage(filled, "incoming")
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    page.reload()
    qtbot.waitExposed(page)
    assert page.model.rowCount() == COUNT
    assert "500 văn bản" in page.summary_label.text()
    # Scrolled to the end: the last rows are the ones read.
    last_visible = page.table.rowAt(page.table.viewport().height() - 2)
    assert last_visible == COUNT - 1
    assert page.model.fetches <= 2

    page.goto.setText("250")
    page.goto.returnPressed.emit()
    assert page.table.currentIndex().row() == 249


def test_outgoing_page_lists_series(qtbot: QtBot, qapp: QApplication, workspace: Workspace) -> None:
    workspace.register_outgoing(
        OutgoingDraft(
            doc_type="Quyết định",
            subject="Về việc A",
            signer="Nguyễn Văn An",
            recipients="Sở Nội vụ",
        )
    )
    page = RegisterPage(workspace, "outgoing")
    qtbot.addWidget(page)
    page.reload()
    assert page.series.count() >= 1
    assert page.model.rowCount() == 1
    ref = page.model.index(0, column("Số và ký hiệu", OUTGOING_COLUMNS))
    assert page.model.data(ref) == "01/QĐ-UBND"
