"""The assigned-tasks screen on a real desk: add, report with the late reason, secret tasks, export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pymupdf
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from clerk_app.instructions.records import TaskDraft
from clerk_app.instructions.secretary import Secretary
from clerk_app.instructions.tasks import add_task, tasks
from clerk_app.workdays.calendar import WorkCalendar
from clerk_app.workspace import Workspace
from ui.task_screen import SECRET_CONTENT, TaskScreen

CTRL = Qt.KeyboardModifier.ControlModifier


def _key(qtbot: QtBot, widget: object, key: Qt.Key, mod: Qt.KeyboardModifier | None = None) -> None:
    qtbot.keyClick(widget, key, mod or Qt.KeyboardModifier.NoModifier)  # type: ignore[arg-type]


def _past_working_day(sec: Secretary) -> object:
    cal = WorkCalendar()
    day = sec.today() - timedelta(days=20)
    return cal.on_or_after(day)


def test_tasks_added_reported_and_exported_from_the_keyboard(
    qtbot: QtBot, app: object, workspace: Workspace, tmp_path: Path, type_text: Callable[..., None]
) -> None:
    sec = Secretary(workspace)
    late = add_task(
        sec,
        TaskDraft(
            lead_unit="VP",
            content="Tổng kết công tác văn thư",
            source_reference="5/TB-VPCP",
            deadline=_past_working_day(sec),  # type: ignore[arg-type]
            assigned_on=sec.today() - timedelta(days=30),
        ),
    )
    screen = TaskScreen(workspace)
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitUntil(screen.table.hasFocus)
    assert screen.table.item(0, 5).text() == "Đang thực hiện quá hạn"
    # A new task, typed field after field.
    deadline = WorkCalendar().add_working_days(sec.today(), 10)
    _key(qtbot, screen.table, Qt.Key.Key_Tab)
    assert screen.source.hasFocus()
    type_text(screen.source, "123/TB-VPCP")
    _key(qtbot, screen.source, Qt.Key.Key_Tab)
    _key(qtbot, screen.secret, Qt.Key.Key_Tab)
    type_text(screen.content, "Xây dựng đề án chuyển đổi số")
    _key(qtbot, screen.content, Qt.Key.Key_Tab)
    screen.lead.setCurrentIndex(screen.lead.findData("KT"))
    _key(qtbot, screen.lead, Qt.Key.Key_Tab)
    type_text(screen.co, "VP")
    _key(qtbot, screen.co, Qt.Key.Key_Tab)
    type_text(screen.deadline, f"{deadline:%d/%m/%Y}")
    with qtbot.waitSignal(screen.changed):
        _key(qtbot, screen.deadline, Qt.Key.Key_Return, CTRL)
    assert "Đã thêm nhiệm vụ giao KT chủ trì" in screen.status.text()
    row = screen.table.currentRow()
    assert [screen.table.item(row, c).text() for c in range(6)] == [
        "123/TB-VPCP",
        "Xây dựng đề án chuyển đổi số",
        "KT",
        "VP",
        f"{deadline:%d/%m/%Y}",
        "Đang thực hiện trong hạn",
    ]
    # A task from a secret document: no content, quarterly reports.
    screen.source.setFocus()
    type_text(screen.source, "01/M-VPCP")
    _key(qtbot, screen.source, Qt.Key.Key_Tab)
    _key(qtbot, screen.secret, Qt.Key.Key_Space)
    assert screen.secret.isChecked() and not screen.content.isEnabled()
    _key(qtbot, screen.period, Qt.Key.Key_Down)
    assert screen.period.currentData() == "quarterly"
    with qtbot.waitSignal(screen.changed):
        _key(qtbot, screen.period, Qt.Key.Key_Return, CTRL)
    secret_row = screen.table.currentRow()
    assert screen.table.item(secret_row, 1).text() == SECRET_CONTENT
    assert screen.table.item(secret_row, 4).text().startswith("Báo cáo hằng quý, kỳ tới ")
    assert not screen.note.isEnabled() and not screen.reason.isEnabled()
    (secret,) = [t for t in tasks(sec) if t.secret]
    assert secret.content == "" and secret.source_reference == "01/M-VPCP"
    # The late task: done, but the reason is required first.
    screen.table.setCurrentCell(0, 0)
    assert screen.reason.isEnabled()
    _key(qtbot, screen.done, Qt.Key.Key_Space)
    with qtbot.assertNotEmitted(screen.changed):
        _key(qtbot, screen.done, Qt.Key.Key_U, CTRL)
    assert "chưa nêu lý do" in screen.status.text()
    type_text(screen.reason, "Chờ số liệu của các huyện")
    with qtbot.waitSignal(screen.changed):
        _key(qtbot, screen.reason, Qt.Key.Key_U, CTRL)
    assert screen.table.item(0, 5).text() == "Hoàn thành quá hạn"
    assert screen.table.item(0, 6).text() == "Chờ số liệu của các huyện"
    assert next(t for t in tasks(sec) if t.id == late.id).status == "done_late"
    # The monthly appendix table in both formats.
    xlsx = screen.export(tmp_path / "bang.xlsx")
    assert xlsx is not None
    sheet = load_workbook(xlsx).active
    values = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    kt = next(r for r in values if "Phòng Kinh tế" in r)
    vp = next(r for r in values if "Văn phòng" in r)
    assert kt[2:4] == [2, 2] and vp[2:5] == [1, 1, 0]  # documents, tasks (, done on time)
    pdf = screen.export(tmp_path / "bang.pdf")
    assert pdf is not None
    with pymupdf.open(pdf) as doc:
        text = " ".join(doc[0].get_text().split())
    assert "KẾT QUẢ THỰC HIỆN NHIỆM VỤ CẤP TRÊN GIAO" in text and "Phòng Kinh tế" in text
    assert screen.export(tmp_path / "bang.csv") is None
    assert ".pdf hoặc .xlsx" in screen.status.text()


def test_a_misaddressed_task_is_sent_back_with_ctrl_r(
    qtbot: QtBot, app: object, workspace: Workspace, type_text: Callable[..., None]
) -> None:
    sec = Secretary(workspace)
    add_task(
        sec,
        TaskDraft(
            lead_unit="KT",
            content="Việc của bộ khác",
            source_reference="7/TB-VPCP",
            period="yearly",
        ),
    )
    screen = TaskScreen(workspace)
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitUntil(screen.table.hasFocus)
    assert "trả lại trước" in screen.selected.text()
    _key(qtbot, screen.table, Qt.Key.Key_R, CTRL)  # no reason typed: said in place, nothing sent
    assert screen.table.item(0, 5).text() == "Đang thực hiện trong hạn"
    assert "Lý do" in screen.status.text() or "lý do" in screen.status.text()
    screen.reason.setFocus()
    type_text(screen.reason, "Không thuộc chức năng của Sở")
    with qtbot.waitSignal(screen.changed):
        _key(qtbot, screen.reason, Qt.Key.Key_R, CTRL)
    assert screen.table.item(0, 5).text() == "Đã trả lại nơi giao"
    assert screen.table.item(0, 6).text() == "Không thuộc chức năng của Sở"
    assert "Đã trả lại nhiệm vụ trong thời hạn" in screen.status.text()
    assert "Đã trả lại (đúng hạn" in screen.selected.text()
    assert not screen.return_button.isEnabled()


def test_dates_are_typed_as_everywhere_else_and_2_12_means_this_year(
    qtbot: QtBot, app: object, workspace: Workspace
) -> None:
    from ui import formatting as fmt

    sec = Secretary(workspace)
    screen = TaskScreen(workspace)
    qtbot.addWidget(screen)
    screen.source.setText("9/TB-VPCP")
    screen.content.setText("Rà soát thủ tục")
    screen.lead.setCurrentIndex(screen.lead.findData("KT"))
    screen.deadline.setText("30-02")
    assert screen.add() is False
    said = screen.status.text()
    assert said.startswith("Thời hạn:") and "không có thật" in said and "NNNN" not in said
    screen.deadline.setText("x")
    assert screen.add() is False
    assert "dd/mm/yyyy" in screen.status.text() and f"/{sec.today().year}" in screen.status.text()
    assert "2024" not in screen.status.text()
    day = WorkCalendar().add_working_days(sec.today(), 10)
    screen.deadline.setText(f"{day.day}/{day.month}")  # «2/12»: this year
    assert screen.add() is True
    (added,) = [t for t in tasks(sec) if t.source_reference == "9/TB-VPCP"]
    assert added.deadline == day.replace(year=sec.today().year)
    assert fmt.parse_day("2/12", today=day) == day.replace(month=12, day=2)
