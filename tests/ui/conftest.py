"""GUI test fixtures: Qt offscreen, a real Workspace in a temp dir, dialogs captured not shown."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from clerk_app.workspace import Workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    """A real desk on the real clock (the GUI shows today's registers)."""
    ws = Workspace.init(tmp_path / "desk", agency_name="UBND tỉnh Phú Yên", agency_code="UBND")
    ws.add_unit("VP", "Văn phòng")
    ws.add_unit("KT", "Phòng Kinh tế")
    ws.add_person("Nguyễn Văn An", "VP", "Chủ tịch")
    try:
        yield ws
    finally:
        ws.close()


@pytest.fixture
def app(qapp: QApplication, monkeypatch: pytest.MonkeyPatch) -> QApplication:
    """The QApplication set up as `clerk-app` sets it up (style, Vietnamese Qt texts).

    pytest-qt's own hook stays in place so an exception in a slot fails the test instead of
    opening the presenter's dialog.
    """
    from ui.app import make_application

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    made = make_application()
    monkeypatch.undo()
    return made


TypeText = Callable[[QWidget, str], None]


@pytest.fixture
def type_text(qtbot: QtBot) -> TypeText:
    """Type like a clerk: key clicks; Vietnamese letters arrive as key events carrying the text.

    qtbot.keyClicks maps every character to a key code and aborts on non-ASCII letters, so
    ASCII runs go through keyClicks and each Vietnamese letter is a key event with its text
    (what an input method such as Unikey delivers).
    """

    def type_(widget: QWidget, text: str) -> None:
        run = ""
        for ch in text:
            if ch.isascii():
                run += ch
                continue
            if run:
                qtbot.keyClicks(widget, run)
                run = ""
            QTest.sendKeyEvent(
                QTest.KeyAction.Click,
                widget,
                Qt.Key.Key_unknown,
                ch,
                Qt.KeyboardModifier.NoModifier,
            )
        if run:
            qtbot.keyClicks(widget, run)

    return type_


@dataclass
class Shown:
    title: str
    text: str
    informative: str
    detailed: str
    buttons: list[str]


@dataclass
class MessageBoxes:
    """Every QMessageBox that would have been shown; `answers` are returned in order."""

    shown: list[Shown] = field(default_factory=list)
    answers: list[QMessageBox.StandardButton] = field(default_factory=list)

    @property
    def last(self) -> Shown:
        assert self.shown, "no message box was shown"
        return self.shown[-1]


@pytest.fixture
def message_boxes(monkeypatch: pytest.MonkeyPatch) -> MessageBoxes:
    boxes = MessageBoxes()

    def fake_exec(box: QMessageBox) -> Any:
        boxes.shown.append(
            Shown(
                box.windowTitle(),
                box.text(),
                box.informativeText(),
                box.detailedText(),
                [b.text() for b in box.buttons()],
            )
        )
        if boxes.answers:
            return boxes.answers.pop(0)
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    return boxes
