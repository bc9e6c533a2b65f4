"""The assigned-tasks screen (KH&CN 2023): list, add, report status, export the monthly table; no rules.

Statuses, lateness, report dates and the appendix table belong to clerk_app.instructions.tasks;
this screen shows them, collects the clerk's entries and writes the files the core makes.
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clerk_app import errors
from clerk_app.clock import to_vietnam
from clerk_app.instructions.printing import write_task_table
from clerk_app.instructions.records import Period, TaskDraft, TaskInfo
from clerk_app.instructions.secretary import Secretary
from clerk_app.instructions.tasks import add_task, monthly_table, report_task, return_task, tasks
from clerk_app.workspace import Workspace
from ui import formatting as fmt
from ui.secretary_widgets import StatusLine, list_table

COLUMNS = (
    "Văn bản giao",
    "Nhiệm vụ",
    "Chủ trì",
    "Phối hợp",
    "Thời hạn",
    "Tình trạng",
    "Lý do (chậm, trả lại)",
)
STATUS_NAMES = {
    "done_on_time": "Hoàn thành đúng hạn",
    "done_late": "Hoàn thành quá hạn",
    "in_progress": "Đang thực hiện trong hạn",
    "in_progress_overdue": "Đang thực hiện quá hạn",
    "returned": "Đã trả lại nơi giao",
}
STATUS_COLOURS = {
    "done_on_time": QColor("#146c43"),
    "done_late": QColor("#997404"),
    "in_progress": QColor("#212529"),
    "in_progress_overdue": QColor("#b02a37"),
    "returned": QColor("#6c757d"),
}
PERIOD_NAMES = {
    "": "Không (theo thời hạn)",
    "quarterly": "Hằng quý",
    "half_yearly": "6 tháng",
    "yearly": "Hằng năm",
}
SECRET_CONTENT = "(Văn bản mật: chỉ theo dõi trạng thái)"


def return_window_text(task: TaskInfo) -> str:
    """Until when a misaddressed task may still go back, or how its return went."""
    flag = task.return_limit
    if flag is None:
        return ""
    limit = f"{to_vietnam(flag.limit):%H:%M %d/%m/%Y}"
    if task.status == "returned":
        state = "quá hạn" if flag.state == "breached" else "đúng hạn"
        return f"Đã trả lại ({state} 01 ngày làm việc, hạn {limit})."
    return f"Nếu chuyển đến không đúng: trả lại trước {limit} (01 ngày làm việc)."


def _date(raw: str, label: str) -> date | None:
    """A date typed as on every other screen: dd/mm/yyyy, or «2/12» for this year."""
    try:
        return fmt.parse_day(raw)
    except fmt.DateText as exc:
        raise _DateRefused(label, str(exc)) from None


class _DateRefused(Exception):
    """A typed date the screen refuses, with the field's label as the screen names it."""

    def __init__(self, label: str, reason: str) -> None:
        super().__init__(f"{label}: {reason}")


def deadline_text(task: TaskInfo) -> str:
    parts = []
    if task.deadline is not None:
        parts.append(f"{task.deadline:%d/%m/%Y}")
    if task.period:
        next_due = f", kỳ tới {task.next_report_due:%d/%m/%Y}" if task.next_report_due else ""
        parts.append(f"Báo cáo {PERIOD_NAMES[task.period].lower()}{next_due}")
    return "; ".join(parts)


class TaskScreen(QWidget):
    """Tasks a superior body gave the agency: who leads, by when, and how they stand."""

    changed = Signal()

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Theo dõi nhiệm vụ cấp trên giao")
        self.ws = workspace
        self.sec = Secretary(workspace)
        self.rows: list[TaskInfo] = []

        self.unit = QComboBox()
        self.unit.addItem("Toàn cơ quan", None)
        for u in workspace.units():
            self.unit.addItem(f"{u.code} – {u.name}", u.code)
        self.unit.currentIndexChanged.connect(lambda _i: self.refresh())
        self.table = list_table(COLUMNS, 1, several=False)
        self.table.currentCellChanged.connect(lambda *_a: self._show_selected())

        # Adding a task.
        self.source = QLineEdit()
        self.source.setPlaceholderText("số, ký hiệu văn bản giao nhiệm vụ, vd 123/TB-VPCP")
        self.secret = QCheckBox("Văn bản mật (chỉ theo dõi trạng thái)")
        self.content = QLineEdit()
        self.lead = QComboBox()
        for u in workspace.units():
            self.lead.addItem(f"{u.code} – {u.name}", u.code)
        self.co = QLineEdit()
        self.co.setPlaceholderText("mã đơn vị, cách nhau bởi dấu ;")
        self.deadline = QLineEdit()
        self.deadline.setPlaceholderText("dd/mm/yyyy")
        self.period = QComboBox()
        for key, name in PERIOD_NAMES.items():
            self.period.addItem(name, key)
        self.secret.toggled.connect(self._secret_toggled)
        self.add_button = QPushButton("Thêm nhiệm vụ (Ctrl+Enter)")
        self.add_button.clicked.connect(self.add)

        # Reporting on the selected task.
        self.selected = QLabel("Chọn một nhiệm vụ trong danh sách.")
        self.selected.setWordWrap(True)
        self.done = QCheckBox("Đã hoàn thành")
        self.reported_on = QLineEdit()
        self.reported_on.setPlaceholderText("dd/mm/yyyy — để trống: hôm nay")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("bắt buộc khi quá hạn hoặc khi trả lại")
        self.note = QLineEdit()
        self.report_button = QPushButton("Cập nhật tình hình (Ctrl+U)")
        self.report_button.clicked.connect(self.report)
        self.return_button = QPushButton("Trả lại nơi giao (Ctrl+R)")
        self.return_button.setToolTip(
            "Nhiệm vụ chuyển đến không đúng: trả lại trong 01 ngày làm việc kể từ khi nhận, "
            "ghi lý do ở ô «Lý do»"
        )
        self.return_button.clicked.connect(self.send_back)

        # The monthly table.
        self.as_of = QLineEdit()
        self.as_of.setPlaceholderText("dd/mm/yyyy — để trống: hôm nay")
        self.export_button = QPushButton("Xuất bảng tháng PDF/XLSX (Ctrl+E)")
        self.export_button.clicked.connect(self.choose_export)
        self.status = StatusLine()

        add_form = QFormLayout()
        add_form.addRow("&Văn bản giao", self.source)
        add_form.addRow("", self.secret)
        add_form.addRow("&Nội dung nhiệm vụ", self.content)
        add_form.addRow("&Chủ trì", self.lead)
        add_form.addRow("&Phối hợp", self.co)
        add_form.addRow("&Thời hạn", self.deadline)
        add_form.addRow("&Báo cáo định kỳ", self.period)
        add_form.addRow(self.add_button)
        add_box = QGroupBox("Thêm nhiệm vụ")
        add_box.setLayout(add_form)
        report_form = QFormLayout()
        report_form.addRow(self.selected)
        report_form.addRow("", self.done)
        report_form.addRow("Ngà&y cập nhật", self.reported_on)
        report_form.addRow("&Lý do (chậm, trả lại)", self.reason)
        report_form.addRow("&Ghi chú", self.note)
        buttons = QHBoxLayout()
        buttons.addWidget(self.report_button, 1)
        buttons.addWidget(self.return_button)
        report_form.addRow(buttons)
        report_box = QGroupBox("Cập nhật tình hình thực hiện")
        report_box.setLayout(report_form)
        export_row = QHBoxLayout()
        export_row.addWidget(QLabel("Bảng theo dõi đến ngày"))
        export_row.addWidget(self.as_of, 1)
        export_row.addWidget(self.export_button)
        forms = QHBoxLayout()
        forms.addWidget(add_box, 1)
        forms.addWidget(report_box, 1)
        top = QHBoxLayout()
        top.addWidget(QLabel("Đơn vị chủ trì:"))
        top.addWidget(self.unit, 1)
        keys = QLabel(
            "Ctrl+Enter: thêm nhiệm vụ · Ctrl+U: cập nhật tình hình · Ctrl+R: trả lại · "
            "Ctrl+E: xuất bảng tháng · "
            "F5: tải lại"
        )
        keys.setStyleSheet("color: #6c757d;")
        top.addWidget(keys)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(forms)
        layout.addLayout(export_row)
        layout.addWidget(self.status)
        chain: list[QWidget] = [
            self.table,
            self.source,
            self.secret,
            self.content,
            self.lead,
            self.co,
            self.deadline,
            self.period,
            self.add_button,
            self.done,
            self.reported_on,
            self.reason,
            self.note,
            self.report_button,
            self.return_button,
            self.as_of,
            self.export_button,
        ]
        for before, after in pairwise(chain):
            QWidget.setTabOrder(before, after)
        self.refresh()
        self.table.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Keys the fields leave unhandled arrive here; a QShortcut would need an active window.
        key, ctrl = event.key(), event.modifiers() & Qt.KeyboardModifier.ControlModifier
        if ctrl and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.add()
        elif ctrl and key == Qt.Key.Key_U:
            self.report()
        elif ctrl and key == Qt.Key.Key_R:
            self.send_back()
        elif ctrl and key == Qt.Key.Key_E:
            self.choose_export()
        elif key == Qt.Key.Key_F5:
            self.refresh()
        else:
            super().keyPressEvent(event)

    def _secret_toggled(self, secret: bool) -> None:
        # A secret document's task carries no content (KH&CN 2023 art. 5.1.b).
        self.content.setEnabled(not secret)
        if secret:
            self.content.clear()

    def refresh(self, keep: str | None = None) -> None:
        self.rows = tasks(self.sec, self.unit.currentData())
        self.table.setRowCount(len(self.rows))
        for r, t in enumerate(self.rows):
            values = (
                t.source_reference,
                SECRET_CONTENT if t.secret else t.content,
                t.lead_unit,
                ", ".join(t.co_units),
                deadline_text(t),
                STATUS_NAMES[t.status],
                t.return_reason if t.status == "returned" else t.late_reason,
            )
            for c, value in enumerate(values):
                cell = QTableWidgetItem(value)
                if c == 5:
                    cell.setForeground(QBrush(STATUS_COLOURS[t.status]))
                if c == 1 and t.secret:
                    cell.setForeground(QBrush(QColor("#6c757d")))
                self.table.setItem(r, c, cell)
        index = next((r for r, t in enumerate(self.rows) if t.id == keep), 0 if self.rows else -1)
        if index >= 0:
            self.table.setCurrentCell(index, 0)
        self._show_selected()

    def current(self) -> TaskInfo | None:
        row = self.table.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def _show_selected(self) -> None:
        task = self.current()
        if task is None:
            self.selected.setText("Chọn một nhiệm vụ trong danh sách.")
            return
        what = SECRET_CONTENT if task.secret else task.content
        text = f"{task.source_reference} · {what} · {STATUS_NAMES[task.status]}"
        window = return_window_text(task)
        self.selected.setText(f"{text}\n{window}" if window else text)
        self.return_button.setEnabled(task.status != "returned" and task.done_on is None)
        # A secret task is reported by status alone: no note about its content.
        self.note.setEnabled(not task.secret)
        self.reason.setEnabled(not task.secret)

    def add(self) -> bool:
        period: Period = self.period.currentData()
        try:
            task = add_task(
                self.sec,
                TaskDraft(
                    lead_unit=self.lead.currentData() or "",
                    content=self.content.text(),
                    co_units=[c.strip() for c in self.co.text().split(";") if c.strip()],
                    source_reference=self.source.text(),
                    secret=self.secret.isChecked(),
                    deadline=_date(self.deadline.text(), "Thời hạn"),
                    period=period,
                ),
            )
        except _DateRefused as exc:
            self.status.say(str(exc), ok=False)
            return False
        except errors.ClerkError as exc:
            return self.status.fail(exc)
        for field in (self.source, self.content, self.co, self.deadline):
            field.clear()
        self.secret.setChecked(False)
        self.period.setCurrentIndex(0)
        self.status.say(f"Đã thêm nhiệm vụ giao {task.lead_unit} chủ trì.", ok=True)
        self.refresh(keep=task.id)
        self.changed.emit()
        return True

    def send_back(self) -> bool:
        """Return a misaddressed task to the body that gave it, with the reason typed."""
        task = self.current()
        if task is None:
            self.status.say("Chọn một nhiệm vụ trong danh sách.", ok=False)
            return False
        try:
            updated = return_task(
                self.sec,
                task.id,
                self.reason.text() if not task.secret else "",
                expected_version=task.version,
            )
        except _DateRefused as exc:
            self.status.say(str(exc), ok=False)
            return False
        except errors.ClerkError as exc:
            if isinstance(exc, errors.EditConflict):
                self.refresh(keep=task.id)
            return self.status.fail(exc)
        self.reason.clear()
        late = updated.return_limit is not None and updated.return_limit.state == "breached"
        self.status.say(
            "Đã trả lại nhiệm vụ"
            + (", quá thời hạn 01 ngày làm việc kể từ khi nhận." if late else " trong thời hạn."),
            ok=not late,
        )
        self.refresh(keep=updated.id)
        self.changed.emit()
        return True

    def report(self) -> bool:
        task = self.current()
        if task is None:
            self.status.say("Chọn một nhiệm vụ trong danh sách.", ok=False)
            return False
        try:
            updated = report_task(
                self.sec,
                task.id,
                done=self.done.isChecked(),
                reason=self.reason.text() if not task.secret else "",
                note=self.note.text() if not task.secret else "",
                reported_on=_date(self.reported_on.text(), "Ngày cập nhật"),
                expected_version=task.version,
            )
        except _DateRefused as exc:
            self.status.say(str(exc), ok=False)
            return False
        except errors.ClerkError as exc:
            if isinstance(exc, errors.EditConflict):
                self.refresh(keep=task.id)
            return self.status.fail(exc)
        for field in (self.reported_on, self.reason, self.note):
            field.clear()
        self.done.setChecked(False)
        self.status.say(f"Đã cập nhật: {STATUS_NAMES[updated.status].lower()}.", ok=True)
        self.refresh(keep=updated.id)
        self.changed.emit()
        return True

    def choose_export(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self,
            "Xuất bảng theo dõi nhiệm vụ",
            "bang-theo-doi-nhiem-vu.xlsx",
            "Excel (*.xlsx);;PDF (*.pdf)",
        )
        if path:
            self.export(Path(path))

    def export(self, out: Path) -> Path | None:
        """The monthly appendix table as PDF or XLSX, by the file's extension."""
        try:
            as_of = _date(self.as_of.text(), "Bảng theo dõi đến ngày") or self.sec.today()
            if out.suffix.lower() not in (".pdf", ".xlsx"):
                raise errors.InvalidValue("out", out.name, "tệp .pdf hoặc .xlsx")
            written = write_task_table(
                monthly_table(self.sec, as_of), self.ws.agency().name, as_of, out
            )
        except _DateRefused as exc:
            self.status.say(str(exc), ok=False)
            return None
        except errors.ClerkError as exc:
            self.status.fail(exc)
            return None
        self.status.say(f"Đã xuất bảng theo dõi đến ngày {as_of:%d/%m/%Y}: {written}.", ok=True)
        return written
