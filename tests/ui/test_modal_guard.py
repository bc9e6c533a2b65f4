"""tests/modal_guard.py: an unpatched modal dialog in a GUI test fails it at once, never hangs."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QInputDialog, QMessageBox

from tests import modal_guard

ROOT = Path(__file__).resolve().parents[2]


def test_every_way_of_opening_a_modal_returns_at_once_as_closed(
    app: QApplication, request: pytest.FixtureRequest
) -> None:
    box = QMessageBox(QMessageBox.Icon.Warning, "Lỗi", "Không mở được tệp")
    assert box.exec() == 0
    assert QDialog().exec() == QDialog.DialogCode.Rejected
    assert QMessageBox.question(None, "Hỏi", "Xóa văn bản?") == QMessageBox.StandardButton.NoButton
    assert QFileDialog.getOpenFileName(None, "Chọn tệp") == ("", "")
    assert QInputDialog.getItem(None, "Chọn", "Đơn vị", ["VP", "KT"]) == ("", False)
    opened = request.node.stash[modal_guard._OPENED]
    assert len(opened) == 5
    assert "text='Không mở được tệp'" in opened[0] and "'Xóa văn bản?'" in opened[2]
    opened.clear()  # opened on purpose here: not a failure of this test


def test_a_patched_dialog_is_the_tests_own(app: QApplication, message_boxes: object) -> None:
    box = QMessageBox(QMessageBox.Icon.Question, "Hỏi", "Lưu?")
    assert box.exec() == QMessageBox.StandardButton.Ok  # message_boxes' answer, not the guard's
    assert message_boxes.last.text == "Lưu?"  # type: ignore[attr-defined]


def test_an_unexpected_box_fails_the_test_with_its_text(tmp_path: Path) -> None:
    (tmp_path / "test_box.py").write_text(
        textwrap.dedent(
            """
            import pytest
            from PySide6.QtWidgets import QMessageBox

            @pytest.mark.gui
            def test_opens_a_box(qapp):
                QMessageBox.critical(None, "Lỗi", "Ổ đĩa đầy")
                QMessageBox(QMessageBox.Icon.Warning, "Chú ý", "Chưa lưu").exec()
            """
        ),
        encoding="utf-8",
    )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.modal_guard",
            "-p",
            "no:cacheprovider",
            "-q",
            str(tmp_path / "test_box.py"),
        ],
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert "1 failed" in out and "a modal dialog was opened" in out
    assert "QMessageBox.critical('Lỗi', 'Ổ đĩa đầy')" in out
    assert "text='Chưa lưu'" in out
