"""The one place that turns any exception into a Vietnamese dialog; it decides no business rule."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import TypeVar

from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from clerk_app.errors import ClerkError
from clerk_app.messages import Message, describe

log = logging.getLogger("clerk_app.ui")

TITLE_PROBLEM = "Không thực hiện được"
TITLE_UNEXPECTED = "Lỗi không mong đợi"


T = TypeVar("T")


def message_for(error: BaseException) -> Message:
    """What happened and what to do, in Vietnamese, for any error."""
    return describe(error)


def _details(error: BaseException) -> str:
    return "".join(traceback.format_exception(type(error), error, error.__traceback__))


def _build_box(error: BaseException, parent: QWidget | None) -> QMessageBox:
    message = message_for(error)
    box = QMessageBox(parent)
    if isinstance(error, ClerkError):
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(TITLE_PROBLEM)
        box.setText(message.what)
        box.setInformativeText(message.todo)
    else:
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle(TITLE_UNEXPECTED)
        box.setText("Phần mềm gặp một lỗi không mong đợi; thao tác vừa rồi chưa hoàn tất.")
        box.setInformativeText(
            "Dữ liệu đã ghi trước đó vẫn an toàn. Bấm «Hiện chi tiết…», sao chép nội dung "
            "và gửi cho bộ phận hỗ trợ."
        )
        box.setDetailedText(_details(error))
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    ok = box.button(QMessageBox.StandardButton.Ok)
    if ok is not None:
        ok.setText("Đóng")
    return box


class _Bridge(QObject):
    """Carries errors raised on worker threads to the GUI thread."""

    raised = Signal(object)


_bridge: _Bridge | None = None


def present(error: BaseException, parent: QWidget | None = None) -> None:
    """Show `error` to the clerk: typed errors as what/todo, others with copyable details.

    Safe to call from any thread: off the GUI thread the dialog is posted to the GUI thread.
    """
    if not isinstance(error, ClerkError):
        log.error("unexpected error", exc_info=(type(error), error, error.__traceback__))
    else:
        log.info("refused: %s", error.code)
    app = QApplication.instance()
    if app is None:
        print(message_for(error).one_line(), file=sys.stderr)
        return
    if QThread.currentThread() is not app.thread():
        if _bridge is not None:
            _bridge.raised.emit(error)
        return
    box = _build_box(error, parent if parent is not None else QApplication.activeWindow())
    box.exec()


def guarded(action: Callable[[], object], parent: QWidget | None = None) -> bool:
    """Run `action`; on any exception present it and return False."""
    try:
        action()
    except Exception as error:
        present(error, parent)
        return False
    return True


def guarded_value(action: Callable[[], T], parent: QWidget | None = None) -> T | None:
    """Run `action` and return its value; on any exception present it and return None."""
    try:
        return action()
    except Exception as error:
        present(error, parent)
        return None


def _excepthook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, tb)
        return
    if error.__traceback__ is None and tb is not None:
        error = error.with_traceback(tb)
    present(error)


def install() -> None:
    """Make this presenter the handler of every uncaught exception (sys.excepthook)."""
    global _bridge
    if _bridge is None:
        _bridge = _Bridge()
        _bridge.raised.connect(present)
    sys.excepthook = _excepthook
