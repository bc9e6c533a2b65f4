"""The follow-up screen: overdue, due soon, in time and done lists per unit, urgent first; no rules."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from clerk_app import errors
from clerk_app.clock import to_vietnam
from clerk_app.instructions.records import DueItem, FollowUp
from clerk_app.instructions.secretary import Secretary
from clerk_app.messages import TIME_LIMIT_NAMES, describe
from clerk_app.workdays.limits import LimitFlag
from clerk_app.workspace import Workspace

LISTS = (
    ("overdue", "Quá hạn"),
    ("due_soon", "Sắp đến hạn"),
    ("open", "Đang trong hạn"),
    ("done_on_time", "Xong đúng hạn"),
    ("done_late", "Xong quá hạn"),
)
COLUMNS = ("Số", "Độ khẩn", "Trích yếu", "Xử lý", "Vai trò", "Hạn", "Còn lại", "Thời hạn chuyển")
ROLE = {"lead": "Chủ trì", "co": "Phối hợp"}
URGENT = QColor("#b02a37")
LIMIT_STATES = {
    "met": ("đã đúng hạn", QColor("#146c43")),
    "pending": ("còn trong hạn", QColor("#495057")),
    "at_risk": ("sắp hết hạn", QColor("#997404")),
    "breached": ("đã quá hạn", QColor("#b02a37")),
}


def limit_text(flag: LimitFlag | None) -> str:
    """ "Rule · until HH:MM dd/mm · state", or empty when no time limit applies."""
    if flag is None:
        return ""
    state = LIMIT_STATES[flag.state][0]
    until = to_vietnam(flag.limit).strftime("%H:%M %d/%m")
    return f"{TIME_LIMIT_NAMES[flag.rule.value]} · hạn {until} · {state}"


class FollowUpScreen(QWidget):
    """What is due and what is late, for one unit or the whole agency; Ctrl+Enter marks done."""

    changed = Signal()

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Theo dõi, đôn đốc")
        self.sec = Secretary(workspace)
        self.unit = QComboBox()
        self.unit.addItem("Toàn cơ quan", None)
        for u in workspace.units():
            self.unit.addItem(f"{u.code} – {u.name}", u.code)
        self.unit.currentIndexChanged.connect(lambda _i: self.refresh())
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.tabs = QTabWidget()
        self.tables: dict[str, QTableWidget] = {}
        self.items: dict[str, list[DueItem]] = {}
        for key, _title in LISTS:
            table = QTableWidget(0, len(COLUMNS))
            table.setHorizontalHeaderLabels(COLUMNS)
            table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            table.verticalHeader().setVisible(False)
            header = table.horizontalHeader()
            header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
            for col in (0, 1, 3, 4, 5, 6, 7):
                header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
            self.tables[key] = table
            self.tabs.addTab(table, "")
        top = QHBoxLayout()
        top.addWidget(QLabel("Đơn vị:"))
        top.addWidget(self.unit, 1)
        hint = QLabel("Ctrl+Enter: đánh dấu đã xong · F5: tải lại")
        hint.setStyleSheet("color: #6c757d;")
        top.addWidget(hint)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        self.refresh()
        self.notify()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Keys the table leaves unhandled arrive here; a QShortcut would need an active window.
        key = event.key()
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier and key in (
            Qt.Key.Key_Return,
            Qt.Key.Key_Enter,
        ):
            self.mark_done()
        elif key == Qt.Key.Key_F5:
            self.refresh()
        else:
            super().keyPressEvent(event)

    def refresh(self) -> None:
        lists: FollowUp = self.sec.follow_up(self.unit.currentData())
        for i, (key, title) in enumerate(LISTS):
            rows: list[DueItem] = getattr(lists, key)
            self.items[key] = rows
            self.tabs.setTabText(i, f"{title} ({len(rows)})")
            self._fill(self.tables[key], rows)
        # Open on the most pressing list that has something in it.
        for i, (key, _t) in enumerate(LISTS):
            if self.items[key]:
                self.tabs.setCurrentIndex(i)
                break

    def _fill(self, table: QTableWidget, rows: list[DueItem]) -> None:
        table.setRowCount(len(rows))
        for r, item in enumerate(rows):
            if item.working_days_left is None:
                left = ""
            elif item.working_days_left < 0:
                left = f"quá {-item.working_days_left} ngày"
            else:
                left = f"{item.working_days_left} ngày"
            kind = "Hồi báo" if item.kind == "reply" else ROLE.get(item.role, item.role)
            values = (
                f"{item.number}/{item.year}",
                item.urgency_shown,
                item.subject,
                item.handler,
                kind,
                item.deadline.strftime("%d/%m/%Y") if item.deadline else "",
                left,
                limit_text(item.limit),
            )
            for c, value in enumerate(values):
                cell = QTableWidgetItem(value)
                if item.urgency_rank < 3 and item.urgency != "Thường":
                    cell.setForeground(QBrush(URGENT))
                if c == 7 and item.limit is not None:
                    cell.setForeground(QBrush(LIMIT_STATES[item.limit.state][1]))
                    cell.setData(Qt.ItemDataRole.UserRole, item.limit.state)
                if c in (0, 5, 6):
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                table.setItem(r, c, cell)

    def notify(self) -> None:
        """Show what became due soon or overdue since the desk last looked."""
        raised = self.sec.raise_notifications()
        if not raised:
            self.banner.hide()
            return
        overdue = sum(1 for n in raised if n.state == "overdue")
        soon = len(raised) - overdue
        parts = []
        if overdue:
            parts.append(f"{overdue} việc vừa quá hạn")
        if soon:
            parts.append(f"{soon} việc sắp đến hạn")
        self.banner.setText("Nhắc việc: " + ", ".join(parts) + ".")
        self.banner.setStyleSheet(
            "background: #fff3cd; border: 1px solid #ffda6a; padding: 6px; color: #664d03;"
        )
        self.banner.show()

    def current(self) -> DueItem | None:
        key = LISTS[self.tabs.currentIndex()][0]
        row = self.tables[key].currentRow()
        rows = self.items.get(key, [])
        return rows[row] if 0 <= row < len(rows) else None

    def mark_done(self) -> bool:
        item = self.current()
        if item is None or item.state.startswith("done"):
            return False
        try:
            self.sec.complete(item.assignment_id, item.version)
        except errors.ClerkError as exc:
            message = describe(exc)
            self.banner.setText(f"{message.what} {message.todo}")
            self.banner.setStyleSheet("background: #f8d7da; padding: 6px; color: #842029;")
            self.banner.show()
            self.refresh()
            return False
        self.refresh()
        self.changed.emit()
        return True
