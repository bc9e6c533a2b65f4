"""Widgets the secretary's screens share: the status line and the list table; no rules."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableWidget

from clerk_app import errors
from clerk_app.messages import describe


class StatusLine(QLabel):
    """One line under a form: what was just done (green), or what went wrong and what to do."""

    def __init__(self) -> None:
        super().__init__()
        self.setWordWrap(True)

    def say(self, text: str, ok: bool) -> None:
        self.setStyleSheet("color: #146c43;" if ok else "color: #b02a37;")
        self.setText(text)

    def fail(self, exc: errors.ClerkError) -> bool:
        message = describe(exc)
        self.say(f"{message.what} {message.todo}", ok=False)
        return False


def list_table(columns: tuple[str, ...], stretch: int, *, several: bool) -> QTableWidget:
    """A read-only table of whole rows; with `several`, Shift+arrows, Ctrl+Space and Ctrl+A."""
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(columns)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(
        QAbstractItemView.SelectionMode.ExtendedSelection
        if several
        else QAbstractItemView.SelectionMode.SingleSelection
    )
    table.setTabKeyNavigation(False)  # Tab leaves the table for the form, as a clerk expects
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    for col in range(len(columns)):
        mode = (
            QHeaderView.ResizeMode.Stretch
            if col == stretch
            else QHeaderView.ResizeMode.ResizeToContents
        )
        header.setSectionResizeMode(col, mode)
    return table
