"""A modal dialog opened during a GUI test fails that test instead of hanging the run.

Offscreen, nobody can click a modal box: `exec()` and the static QMessageBox/QFileDialog/
QInputDialog helpers wait for ever, and a whole run hung on one unexpected error box. Before
every test marked gui (tests/marking.py), each way of opening a modal loop is replaced by one
that notes what would have been shown and answers at once as a clerk who closed it would
(Rejected, Cancel, no file, no choice), so the code under test goes on. When the test's call
ends, the test fails naming what was opened (the box's title and text: usually the error the
window tried to show).

A test that expects a dialog patches it as before (`message_boxes`, or
`monkeypatch.setattr(SomeDialog, "exec", ...)`): its patch sits on top of this one and is undone
first, so only dialogs that no test asked for are caught.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

_OPENED = pytest.StashKey[list[str]]()


def _describe(widget: object) -> str:
    """Class, title and texts of the dialog, as much as it has."""
    parts = [type(widget).__name__]
    for getter in ("windowTitle", "text", "informativeText", "labelText"):
        method = getattr(widget, getter, None)
        if callable(method):
            try:
                value = str(method())
            except RuntimeError:  # its Qt object is already deleted
                continue
            if value:
                parts.append(f"{getter}={value!r}")
    return " ".join(parts)


def _static(opened: list[str], where: str, answer: object) -> Callable[..., object]:
    def refuse(*args: Any, **kwargs: Any) -> object:
        texts = [repr(a) for a in args if isinstance(a, str)]
        opened.append(f"{where}({', '.join(texts)})")
        return answer

    return staticmethod(refuse)  # type: ignore[return-value]


def _patch_qt(mp: pytest.MonkeyPatch, opened: list[str]) -> None:
    from PySide6 import QtPrintSupport, QtWidgets

    def rejected(self: Any, *args: Any, **kwargs: Any) -> int:
        opened.append(f"{_describe(self)}.exec()")
        return 0  # QDialog.Rejected; for a QMessageBox NoButton: neither Yes nor Ok

    for cls in (
        QtWidgets.QDialog,
        QtPrintSupport.QPrintDialog,
        QtPrintSupport.QPageSetupDialog,
    ):
        mp.setattr(cls, "exec", rejected)
        mp.setattr(cls, "exec_", rejected, raising=False)

    def no_action(self: Any, *args: Any, **kwargs: Any) -> None:
        opened.append(f"{_describe(self)}.exec()")
        return None

    mp.setattr(QtWidgets.QMenu, "exec", no_action)

    box = QtWidgets.QMessageBox
    for name in ("information", "warning", "critical", "question"):
        mp.setattr(box, name, _static(opened, f"QMessageBox.{name}", box.StandardButton.NoButton))
    for name in ("about", "aboutQt"):
        mp.setattr(box, name, _static(opened, f"QMessageBox.{name}", None))
    files = QtWidgets.QFileDialog
    for name in ("getOpenFileName", "getSaveFileName"):
        mp.setattr(files, name, _static(opened, f"QFileDialog.{name}", ("", "")))
    mp.setattr(files, "getOpenFileNames", _static(opened, "QFileDialog.getOpenFileNames", ([], "")))
    mp.setattr(
        files, "getExistingDirectory", _static(opened, "QFileDialog.getExistingDirectory", "")
    )
    ask = QtWidgets.QInputDialog
    mp.setattr(ask, "getText", _static(opened, "QInputDialog.getText", ("", False)))
    mp.setattr(
        ask, "getMultiLineText", _static(opened, "QInputDialog.getMultiLineText", ("", False))
    )
    mp.setattr(ask, "getItem", _static(opened, "QInputDialog.getItem", ("", False)))
    mp.setattr(ask, "getInt", _static(opened, "QInputDialog.getInt", (0, False)))
    mp.setattr(ask, "getDouble", _static(opened, "QInputDialog.getDouble", (0.0, False)))


@pytest.fixture(autouse=True)
def _no_modal_dialogs(request: pytest.FixtureRequest) -> Iterator[None]:
    """Put the guard in place for a gui test (autouse fixtures come before the test's own
    monkeypatch, so the test's patches win and are undone before these)."""
    if request.node.get_closest_marker("gui") is None:
        yield
        return
    opened: list[str] = []
    request.node.stash[_OPENED] = opened
    with pytest.MonkeyPatch.context() as mp:
        _patch_qt(mp, opened)
        yield


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    try:
        return (yield)
    finally:
        opened = item.stash.get(_OPENED, [])
        if opened:
            shown = "\n  ".join(opened)
            pytest.fail(
                "a modal dialog was opened that the test did not patch (offscreen it would have "
                f"waited for ever; it was answered as closed):\n  {shown}\n"
                "Patch it in the test (the message_boxes fixture, or monkeypatch its exec).",
                pytrace=False,
            )
