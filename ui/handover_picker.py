"""The hand-over picker: who receives the document, chosen from the agency's units and people.

The recipient named at registration comes first; typing filters the list without accents and
by unit code («kt», «phong kinh te», «Kinh tế» all find Phòng Kinh tế); Enter takes the
highlighted line. A name that is no unit or person is taken only after the clerk confirms it.
The registration form's «Đơn vị hoặc người nhận» completes by the same rule
(`ReceiverCompleter`), so a name found in one is found in the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from clerk_app.text import fold

ERROR_STYLE = "color: #b42318;"


@dataclass(frozen=True)
class Receiver:
    name: str  # what the hand-over records
    code: str = ""  # the unit's code (a person: their unit's)
    detail: str = ""  # shown after the name: «Phòng Kinh tế» or «Chủ tịch, VP»

    def matches(self, typed: str) -> bool:
        """Accent-free, in any case: every typed word in the name («phong tai chinh», «tai
        chinh ke»), or the start of the unit's code («tckh», «TC-KH»), or the start of the
        initials of the name's words after «Phòng», «Sở»… («tckh» for Tài chính - Kế hoạch)."""
        key = fold(typed).strip()
        if not key:
            return True
        name = fold(self.name)
        if all(word in name for word in key.split()):
            return True
        squeezed = _squeeze(key)
        if not squeezed:
            return False
        if self.code and _squeeze(fold(self.code)).startswith(squeezed):
            return True
        return _initials(name).startswith(squeezed)

    @property
    def label(self) -> str:
        code = f"{self.code} – " if self.code and not self.detail else ""
        return f"{code}{self.name}" + (f"  ({self.detail})" if self.detail else "")


# The kind of body a unit's name starts with; its initial is not part of what clerks call it.
_KIND_WORDS = ("phong", "so", "ban", "van phong", "trung tam", "chi cuc", "cuc", "vu")


def _squeeze(folded: str) -> str:
    """Letters and digits only: «TC-KH», «tc kh» and «tckh» are one code."""
    return "".join(ch for ch in folded if ch.isalnum())


def _initials(folded_name: str) -> str:
    words = folded_name.replace("-", " ").replace("&", " ").split()
    for kind in sorted(_KIND_WORDS, key=len, reverse=True):
        if folded_name.startswith(kind + " "):
            words = words[len(kind.split()) :]
            break
    return "".join(w[0] for w in words if w[0].isalnum())


def receivers_of(workspace: Any) -> list[Receiver]:
    """The agency's units, then its people (with title and unit)."""
    units = list(workspace.units())
    out = [Receiver(u.name, u.code) for u in units]
    for person in workspace.people():
        where = ", ".join(x for x in (person.title, person.unit_code or "") if x)
        out.append(Receiver(person.full_name, person.unit_code or "", where))
    return out


NAME_ROLE = Qt.ItemDataRole.UserRole


class ReceiverCompleter(QCompleter):
    """The popup under a recipient field: the units and people `Receiver.matches` finds for
    what is typed, shown with their code or title; Enter or a click puts the plain name in.

    Driven here rather than through QLineEdit.setCompleter: the line edit would match the
    typed text against the labels by prefix itself and overwrite the field while the clerk
    moves in the list.
    """

    def __init__(self, receivers: Sequence[Receiver], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.choices = list(receivers)
        self.field: QLineEdit | None = None
        self.found = QStandardItemModel(self)
        self.setModel(self.found)
        self.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.setMaxVisibleItems(10)
        self.activated[QModelIndex].connect(self._take)  # type: ignore[index]

    def attach(self, field: QLineEdit) -> None:
        self.field = field
        self.setWidget(field)
        field.textEdited.connect(self.update_for)

    def update_for(self, typed: str) -> None:
        self.found.clear()
        popup = self.popup()
        assert popup is not None
        if typed.strip():
            for receiver in self.choices:
                if receiver.matches(typed):
                    item = QStandardItem(receiver.label)
                    item.setData(receiver.name, NAME_ROLE)
                    item.setEditable(False)
                    self.found.appendRow(item)
        if not self.found.rowCount():
            popup.hide()
            return
        self.complete()
        popup.setCurrentIndex(self.found.index(0, 0))  # the first match: Enter takes it

    def _take(self, index: QModelIndex) -> None:
        if self.field is not None and index.isValid():
            self.field.setText(str(index.data(NAME_ROLE)))


class HandoverPicker(QDialog):
    """«Chuyển cho»: one field and the matching units and people under it."""

    def __init__(
        self,
        parent: QWidget | None,
        receivers: Sequence[Receiver],
        *,
        default: str = "",
        what: str = "",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Chuyển giao văn bản")
        self.setMinimumWidth(520)
        self.choices = list(receivers)
        self.chosen = ""
        layout = QVBoxLayout(self)
        if what:
            heading = QLabel(what)
            heading.setWordWrap(True)
            heading.setStyleSheet("font-weight: 600;")
            layout.addWidget(heading)
        explanation = QLabel(
            "Gõ tên hoặc mã đơn vị, tên người nhận (không cần dấu), chọn bằng ↑ ↓ rồi Enter. "
            "Việc chuyển giao được ghi vào lịch sử văn bản."
        )
        explanation.setWordWrap(True)
        layout.addWidget(explanation)
        layout.addWidget(QLabel("Chuyển cho:"))
        self.field = QLineEdit()
        self.field.setPlaceholderText("Ví dụ: kt, phong kinh te, Nguyễn Văn An")
        layout.addWidget(self.field)
        self.matches = QListWidget()
        self.matches.setMinimumHeight(180)
        layout.addWidget(self.matches, 1)
        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Chuyển giao")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.field.textEdited.connect(self._filter)
        self.field.installEventFilter(self)
        self.matches.itemActivated.connect(lambda _item: self.accept())
        self.field.setText(default)
        self._filter(default)
        self.field.selectAll()

    def _filter(self, typed: str) -> None:
        self.matches.clear()
        for receiver in self.choices:
            if receiver.matches(typed):
                item = QListWidgetItem(receiver.label)
                item.setData(Qt.ItemDataRole.UserRole, receiver.name)
                self.matches.addItem(item)
        if self.matches.count():
            exact = [
                i
                for i in range(self.matches.count())
                if fold(self.matches.item(i).data(Qt.ItemDataRole.UserRole)) == fold(typed)
            ]
            self.matches.setCurrentRow(exact[0] if exact else 0)
        self.error.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Up and Down in the field move in the list; the cursor stays in the field."""
        if watched is self.field and event.type() == QEvent.Type.KeyPress:
            key = event.key()  # type: ignore[attr-defined]
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.matches.count():
                step = 1 if key == Qt.Key.Key_Down else -1
                row = min(max(self.matches.currentRow() + step, 0), self.matches.count() - 1)
                self.matches.setCurrentRow(row)
                return True
        return False

    def value(self) -> str:
        return self.chosen

    def accept(self) -> None:
        typed = self.field.text().strip()
        item = self.matches.currentItem()
        if item is not None and (typed or self.matches.count() == 1):
            self.chosen = str(item.data(Qt.ItemDataRole.UserRole))
        elif typed:
            self.chosen = typed
        else:
            self.error.setText(
                "Chưa chọn người nhận: gõ vào ô «Chuyển cho» rồi chọn một dòng trong danh sách."
            )
            self.error.show()
            self.field.setFocus()
            return
        known = {fold(r.name) for r in self.choices}
        if fold(self.chosen) not in known and not self._confirm_unknown(self.chosen):
            self.field.setFocus()
            return
        super().accept()

    def _confirm_unknown(self, name: str) -> bool:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Người nhận không có trong danh sách")
        box.setText(
            f"«{name}» không phải đơn vị hay cán bộ nào của cơ quan. Vẫn chuyển giao cho «{name}»?"
        )
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.button(QMessageBox.StandardButton.Yes).setText("Vẫn chuyển")
        box.button(QMessageBox.StandardButton.No).setText("Chọn lại")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        return box.exec() == QMessageBox.StandardButton.Yes
