"""The instruction and follow-up screens on a real desk, driven by key events only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pymupdf
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from clerk_app.clock import system_clock, vietnam_date
from clerk_app.instructions.records import InstructionDraft
from clerk_app.instructions.secretary import Secretary
from clerk_app.records import IncomingDraft
from clerk_app.workdays.calendar import WorkCalendar
from clerk_app.workspace import Workspace
from ui.follow_up import FollowUpScreen
from ui.instruction_screen import InstructionScreen


def _pdf(tmp_path: Path, name: str, text: str) -> Path:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((72, 100), "CÔNG VĂN", fontsize=16)
    page.insert_text((72, 130), text, fontsize=12)
    path = tmp_path / name
    doc.save(path)
    doc.close()
    return path


@pytest.fixture
def pile(workspace: Workspace, tmp_path: Path) -> list[str]:
    ids = []
    for n, (subject, urgency) in enumerate(
        [("Về kế hoạch đầu tư công", "Thường"), ("Về phòng chống bão số 3", "Hỏa tốc")]
    ):
        ids.append(
            workspace.register_incoming(
                IncomingDraft(
                    issuer="Sở Tài chính",
                    reference=f"{n + 10}/STC-NS",
                    issued_on=None,
                    doc_type="Công văn",
                    subject=subject,
                    urgency=urgency,
                    files=[_pdf(tmp_path, f"d{n}.pdf", subject)],
                )
            ).document.summary.id
        )
    return ids


def _key(
    qtbot: QtBot, widget: object, key: Qt.Key, modifier: Qt.KeyboardModifier | None = None
) -> None:
    qtbot.keyClick(widget, key, modifier or Qt.KeyboardModifier.NoModifier)  # type: ignore[arg-type]


def test_keyboard_only_path_through_a_pile(
    qtbot: QtBot, app: object, workspace: Workspace, pile: list[str], type_text: Callable[..., None]
) -> None:
    screen = InstructionScreen(workspace, pile)
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitUntil(lambda: not screen.preview.busy)
    assert screen.leader.hasFocus()
    assert "Số đến 1/" in screen.heading.text()
    # Leader, typed in full once for the pile.
    type_text(screen.leader, "Chủ tịch Nguyễn Văn An")
    _key(qtbot, screen.leader, Qt.Key.Key_Return)
    assert screen.text.hasFocus()
    # A common instruction picked by typing a few letters without accents.
    type_text(screen.text, "de biet")
    assert screen.suggestions.currentItem().text() == "Để biết."
    _key(qtbot, screen.text, Qt.Key.Key_Return)
    assert screen.text.text() == "Để biết." and screen.lead.hasFocus()
    # Lead unit by its name without accents; the co-handler by code, then Enter to move on.
    type_text(screen.lead, "kinh te")
    _key(qtbot, screen.lead, Qt.Key.Key_Return)
    assert screen.lead.text() == "KT – Phòng Kinh tế"
    type_text(screen.co, "vp")
    _key(qtbot, screen.co, Qt.Key.Key_Return)
    assert screen.co.text() == "VP – Văn phòng; "
    _key(qtbot, screen.co, Qt.Key.Key_Return)
    assert screen.deadline.hasFocus()
    type_text(screen.deadline, "5")
    expected = WorkCalendar().add_working_days(vietnam_date(system_clock()), 5)
    assert f"{expected:%d/%m/%Y}" in screen.deadline_hint.text()
    with qtbot.waitSignal(screen.stamped) as stamped:
        with qtbot.waitSignal(screen.saved):
            _key(qtbot, screen.deadline, Qt.Key.Key_Return)
        # The next document is on screen as soon as the instruction is saved; the stamp
        # with Chuyển follows from the worker pool.
        assert "HỎA TỐC" in screen.heading.text()
    assert stamped.args == [pile[0]] and not screen.stamping
    # Saved: routed, and the next document is shown with the leader kept.
    first = Secretary(workspace).instructions_for(pile[0])[0]
    assert first.recipients == "Phòng Kinh tế (chủ trì); Văn phòng (phối hợp)"
    assert first.deadline == expected and first.handwriting_page == 1
    stamped_files = [f for f in workspace.document(pile[0]).files if f.role == "stamped"]
    assert len(stamped_files) == 1
    with pymupdf.open(stream=workspace.file_bytes(stamped_files[0].sha256)) as pdf:
        assert "Phòng Kinh tế" in " ".join(pdf[0].get_text().split())
    assert screen.leader.text() == "Chủ tịch Nguyễn Văn An" and screen.text.hasFocus()
    # Second document: the person as lead, by part of the name; Ctrl+Enter saves from anywhere.
    type_text(screen.text, "Khẩn trương xử lý")
    _key(qtbot, screen.text, Qt.Key.Key_Return)
    type_text(screen.lead, "an")
    _key(qtbot, screen.lead, Qt.Key.Key_Down)  # past "KT – Phòng Kinh tế" to the person
    assert screen.suggestions.currentItem().text() == "Nguyễn Văn An"
    _key(qtbot, screen.lead, Qt.Key.Key_Return)
    with qtbot.waitSignal(screen.stamped), qtbot.waitSignal(screen.finished):
        _key(qtbot, screen.co, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    second = Secretary(workspace).instructions_for(pile[1])[0]
    assert second.assignments[0].handler == "Nguyễn Văn An" and second.deadline is None


def test_errors_show_in_place_and_nothing_is_saved(
    qtbot: QtBot, app: object, workspace: Workspace, pile: list[str], type_text: Callable[..., None]
) -> None:
    screen = InstructionScreen(workspace, pile)
    qtbot.addWidget(screen)
    screen.show()
    type_text(screen.leader, "Chủ tịch")
    _key(qtbot, screen.leader, Qt.Key.Key_Return)
    type_text(screen.text, "Xử lý ngay")
    _key(qtbot, screen.text, Qt.Key.Key_Return)
    type_text(screen.lead, "XYZ")
    _key(qtbot, screen.lead, Qt.Key.Key_Return)
    _key(qtbot, screen.co, Qt.Key.Key_Return)
    type_text(screen.deadline, "01/01/2020")
    assert "đã qua" in screen.deadline_hint.text()
    _key(qtbot, screen.deadline, Qt.Key.Key_Return)
    assert "đã qua" in screen.status.text()
    screen.deadline.clear()
    _key(qtbot, screen.deadline, Qt.Key.Key_Return)
    assert "Không có đơn vị mã «XYZ»" in screen.status.text()
    assert Secretary(workspace).instructions_for(pile[0]) == []
    assert "Số đến 1/" in screen.heading.text()
    _key(qtbot, screen.deadline, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert "Số đến 2/" in screen.heading.text()


def test_follow_up_lists_urgent_first_and_mark_done(
    qtbot: QtBot, app: object, workspace: Workspace, pile: list[str]
) -> None:
    sec = Secretary(workspace)
    cal = WorkCalendar()
    soon = cal.add_working_days(vietnam_date(system_clock()), 1)
    for doc_id in pile:
        sec.instruct(
            doc_id,
            InstructionDraft("Chủ tịch", "Xử lý", "KT", deadline=soon),
        )
    screen = FollowUpScreen(workspace)
    qtbot.addWidget(screen)
    screen.show()
    assert screen.tabs.tabText(1) == "Sắp đến hạn (2)"
    assert screen.tabs.currentIndex() == 1
    assert "2 việc sắp đến hạn" in screen.banner.text()
    table = screen.tables["due_soon"]
    assert table.item(0, 1).text() == "Hỏa tốc"  # urgent first
    assert table.item(0, 3).text() == "Phòng Kinh tế"
    # The urgent paper document is not handed over yet: its own limit (within the working
    # hour) is shown at risk.
    limit = table.item(0, 7)
    assert limit.text().startswith("Văn bản khẩn: ngay, trong 01 giờ làm việc · hạn ")
    assert limit.text().endswith("sắp hết hạn")
    assert limit.data(Qt.ItemDataRole.UserRole) == "at_risk"
    table.setCurrentCell(0, 0)
    table.setFocus()
    with qtbot.waitSignal(screen.changed):
        qtbot.keyClick(table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert screen.tabs.tabText(1) == "Sắp đến hạn (1)"
    assert screen.tabs.tabText(3) == "Xong đúng hạn (1)"
    screen.unit.setCurrentIndex(screen.unit.findData("VP"))
    assert screen.tabs.tabText(1) == "Sắp đến hạn (0)"
    # A second desk changed the row meanwhile: the conflict is shown, nothing overwritten.
    screen.unit.setCurrentIndex(0)
    stale = screen.items["due_soon"][0]
    sec.complete(stale.assignment_id, stale.version)
    screen.tabs.setCurrentIndex(1)
    screen.tables["due_soon"].setCurrentCell(0, 0)
    assert screen.mark_done() is False
    assert "vừa được" in screen.banner.text()


def test_follow_up_shows_the_time_of_a_timed_hoa_toc(
    qtbot: QtBot, app: object, workspace: Workspace, tmp_path: Path
) -> None:
    from datetime import datetime

    from clerk_app.vocabulary import timed_note

    due = datetime(2026, 3, 11, 14, 0)
    doc_id = workspace.register_incoming(
        IncomingDraft(
            issuer="Sở Tài chính",
            reference="15/STC-NS",
            issued_on=None,
            doc_type="Công văn",
            subject="Về phòng chống bão số 3",
            urgency="Hỏa tốc",
            notes=timed_note(due),  # as the form writes it from «Hỏa tốc hẹn giờ» on the page
            files=[_pdf(tmp_path, "d.pdf", "Về phòng chống bão số 3")],
        )
    ).document.summary.id
    Secretary(workspace).instruct(doc_id, InstructionDraft("Chủ tịch", "Xử lý", "KT"))
    screen = FollowUpScreen(workspace)
    qtbot.addWidget(screen)
    screen.show()
    key = next(k for k, rows in screen.items.items() if rows)
    assert screen.tables[key].item(0, 1).text() == "Hỏa tốc · hẹn 14:00 11/03/2026"
