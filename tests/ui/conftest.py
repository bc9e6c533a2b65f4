"""GUI test fixtures: Qt offscreen, a real Workspace in a temp dir, dialogs captured not shown."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

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


def kill_when_ready(code: str, *args: str, stuck_after: float = 90) -> None:
    """Run a window in a child process until it prints READY, let it go on a moment, then
    SIGKILL it: no closeEvent, no atexit, as a crash or a power cut leaves the desk."""
    child = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(stuck_after, child.kill)  # a child stuck in a dialog fails
    watchdog.start()
    try:
        assert child.stdout is not None
        line = child.stdout.readline().strip()
        assert line == "READY", child.stderr.read() if child.stderr else ""
        time.sleep(0.6)  # a moment more of "typing" after the first write
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        watchdog.cancel()
        if child.poll() is None:
            child.kill()
        child.communicate()
