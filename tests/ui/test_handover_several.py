"""Handing over several documents at once: rows selected in the register, one Ctrl+G, one
picker; one line per document in the handover log and one slip listing them to be signed."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from clerk_app.clock import vietnam_date
from clerk_app.instructions.handover import handover_log
from clerk_app.instructions.secretary import Secretary
from clerk_app.records import IncomingDraft
from clerk_app.workspace import Workspace
from ui.handover_picker import HandoverPicker
from ui.main_window import MainWindow


def _register(ws: Workspace, n: int, recipients: str = "") -> list[str]:
    return [
        ws.register_incoming(
            IncomingDraft(
                issuer="Sở Tài chính",
                reference=f"{100 + i}/STC-NS",
                issued_on=None,
                doc_type="Công văn",
                subject=f"V/v quyết toán kinh phí quý {i + 1}",
                recipients=recipients,
            )
        ).document.summary.id
        for i in range(n)
    ]


def log_day(ws: Workspace) -> date:
    return vietnam_date(datetime.now(UTC))


def _pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_three_rows_selected_by_keyboard_are_handed_over_with_one_ctrl_g(
    app: QApplication,
    qtbot: QtBot,
    workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    workspace.add_unit("TCKH", "Phòng Tài chính - Kế hoạch")
    ids = _register(workspace, 4, recipients="Phòng Tài chính - Kế hoạch")
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.show()
    table = window.incoming.table
    qtbot.waitUntil(lambda: table.model().rowCount() == 4)
    pickers: list[HandoverPicker] = []

    def enter(self: HandoverPicker) -> QDialog.DialogCode:
        pickers.append(self)
        self.accept()  # the default (every one names the same unit): Enter at once
        return QDialog.DialogCode(self.result())

    monkeypatch.setattr(HandoverPicker, "exec", enter)  # type: ignore[attr-defined]
    # The clerk: first row, then Shift+Down twice (three documents), then Ctrl+G.
    table.setFocus()
    table.setCurrentIndex(table.model().index(0, 0))
    qtbot.keyClick(table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    chosen = [s.id for s in table.selected_summaries()]
    assert len(chosen) == 3
    assert window.action_hand_over.shortcut().toString() == "Ctrl+G"
    window.action_hand_over.trigger()
    assert len(pickers) == 1  # one dialog for the three
    assert pickers[0].field.text() == "Phòng Tài chính - Kế hoạch"
    assert "Chuyển giao 3 văn bản" in pickers[0].findChild(type(pickers[0].error)).text()
    qtbot.waitUntil(lambda: window.last_slip is not None, timeout=20_000)
    today = log_day(workspace)
    log = handover_log(Secretary(workspace), today, today)
    assert sorted(e.document_id for e in log) == sorted(chosen)  # one line per document
    assert {e.receiver for e in log} == {"Phòng Tài chính - Kế hoạch"}
    assert len({e.handed_at for e in log}) == 1  # one hand-over
    for d in chosen:
        assert workspace.document(d).fields.get("handed_over_to") == "Phòng Tài chính - Kế hoạch"
    left = set(ids) - set(chosen)
    assert all(not workspace.document(d).fields.get("handed_over_to") for d in left)
    slip = window.last_slip
    assert slip is not None and slip.parent == workspace.data_dir / "phieu-chuyen-giao"
    text = _pdf_text(slip)
    for e in log:
        assert f"{e.reference}" in text
    assert text.count("Phòng Tài chính - Kế hoạch") >= 3
    assert "Đã chuyển giao 3 văn bản" in window.statusBar().currentMessage()


def test_the_cli_hands_over_several_with_one_slip(workspace: Workspace) -> None:
    ids = _register(workspace, 2)
    data_dir = workspace.data_dir
    workspace.close()
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "clerk_app",
            "--data-dir",
            str(data_dir),
            "hand-over",
            *ids,
            "--to",
            "Phòng Kinh tế",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "Đã ghi chuyển giao 2 văn bản cho Phòng Kinh tế" in run.stdout
    slips = list((data_dir / "phieu-chuyen-giao").glob("*.pdf"))
    assert len(slips) == 1
    assert "101/STC-NS" in _pdf_text(slips[0])
