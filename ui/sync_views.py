"""The sync dialogs: drafts waiting for a number, who holds each register's lease, conflicts,
and the office hours an outage is counted against.

A thin shell over `sync.engine.DeskSync` and `sync.conflicts`: it lists what they return and
passes the clerk's choice back; talking to the server runs off the GUI thread. A draft's number
is shown only once the server issued it. No business rule is decided here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clerk_app import errors
from clerk_app.clock import system_clock, vietnam_date
from clerk_app.messages import describe, field_name
from clerk_app.workdays.office_hours import (
    load_office_hours,
    office_hours_from,
    save_office_hours,
)
from sync import lease_words
from sync.conflicts import DESK, SERVER, ConflictRow, list_conflicts, resolve
from sync.engine import DeskSync, DraftRow, LeaseRow
from sync.protocol import MAX_HELD_NUMBERS
from ui.errors import present
from ui.formatting import moment
from ui.workers import run_in_background

DIRECTIONS = {"incoming": "Văn bản đến", "outgoing": "Văn bản đi"}
DRAFT_STATES = {
    "waiting": "Chờ gửi lên máy chủ",
    "provisional": "Dự thảo — chờ cấp số",
    "numbered": "Đã được cấp số",
    "rejected": "Bị từ chối",
}
STATE_COLOURS = {
    "waiting": "#6c757d",
    "provisional": "#8a6d00",
    "numbered": "#1b5e20",
    "rejected": "#b71c1c",
}
NO_NUMBER = "— chưa có số —"
TABLE_STYLE = "QTableWidget { gridline-color: #d0d7de; } QHeaderView::section { padding: 4px; }"


def _table(headers: Sequence[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    table.setAlternatingRowColors(True)
    table.setWordWrap(True)
    table.setStyleSheet(TABLE_STYLE)
    return table


def _cell(text: str, colour: str | None = None, bold: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setToolTip(text)
    if colour:
        item.setForeground(QBrush(QColor(colour)))
    if bold:
        font = item.font()
        font.setBold(True)
        item.setFont(font)
    return item


def _value_text(value: object) -> str:
    if value is None or value == "":
        return "(để trống)"
    if value is True:
        return "Có"
    if value is False:
        return "Không"
    return str(value)


def draft_state_text(row: DraftRow) -> str:
    text = DRAFT_STATES.get(row.status, row.status)
    if row.status == "rejected" and row.reason:
        text += ": " + describe(errors.ServerRefused(row.reason)).one_line()
    return text


# --- drafts ------------------------------------------------------------------------------------


class DraftsDialog(QDialog):
    """The "Bản nháp chờ cấp số": the drafts made on this desk and what the server did with them."""

    HEADERS = ("Loại", "Số", "Lập lúc", "Tên loại", "Trích yếu", "Nơi gửi / nơi nhận", "Trạng thái")
    NUMBER, SUBJECT, STATE = 1, 4, 6

    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.setWindowTitle("Bản nháp chờ cấp số")
        self.rows: list[DraftRow] = []
        intro = QLabel(
            "Văn bản lập trên bàn này khi bàn khác đang giữ quyền cấp số. Bản nháp không có số "
            "cho đến khi máy chủ cấp số; không in hay gửi đi bản nháp như văn bản đã có số."
        )
        intro.setWordWrap(True)
        self.summary = QLabel()
        self.summary.setObjectName("draftsSummary")
        self.table = _table(self.HEADERS)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(self.SUBJECT, QHeaderView.ResizeMode.Stretch)
        for col in (0, 1, 2, 3, 5):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        # A rejection's reason is a sentence: wrapped in a fixed column, not one endless line.
        header.setSectionResizeMode(self.STATE, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(self.STATE, 300)
        self.refresh_button = QPushButton("Làm &mới")
        self.refresh_button.clicked.connect(self.refresh)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.addButton(self.refresh_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(1100, 460)
        self.refresh()

    def refresh(self) -> None:
        with DeskSync(self.data_dir) as desk:
            self.rows = desk.drafts()
        self.table.setRowCount(len(self.rows))
        for i, d in enumerate(self.rows):
            colour = STATE_COLOURS.get(d.status)
            number = f"{d.number}/{d.year}" if d.number is not None else NO_NUMBER
            cells = [
                _cell(DIRECTIONS.get(d.direction, d.direction)),
                _cell(number, colour if d.number is not None else "#6c757d", d.number is not None),
                _cell(moment(d.created_at)),
                _cell(d.doc_type),
                _cell(d.subject),
                _cell(d.party),
                _cell(draft_state_text(d), colour, bold=d.status == "rejected"),
            ]
            for col, item in enumerate(cells):
                self.table.setItem(i, col, item)
        self.table.resizeRowsToContents()
        waiting = sum(1 for d in self.rows if d.status in ("waiting", "provisional"))
        self.summary.setText(
            f"{len(self.rows)} bản nháp; {waiting} đang chờ cấp số."
            if self.rows
            else "Không có bản nháp nào."
        )


# --- leases ------------------------------------------------------------------------------------


def holder_text(row: LeaseRow) -> str:
    """The holder as the lease list shows it (`sync.lease_words`, shared with `clerk lease`)."""
    return lease_words.capital(lease_words.holder(row))


def held_elsewhere_text(row: LeaseRow) -> str:
    """What the clerk does about a lease another desk holds ("" for any other row)."""
    if row.holder == "releasing":
        return (
            "Máy này đã gửi yêu cầu bàn giao nhưng chưa nhận được trả lời của máy chủ; trong lúc "
            "chờ, máy này không cấp số sổ này khi mất kết nối. Bấm «Làm mới từ máy chủ» khi có "
            "kết nối."
        )
    if row.holder != "other":
        return ""
    return (
        f"{holder_text(row)} đang giữ quyền cấp số của sổ này (theo lần đồng bộ gần nhất). Khi có "
        "kết nối, máy chủ vẫn cấp số ngay cho bàn này; muốn nhận quyền cấp số, đề nghị bàn đó bàn "
        "giao khi đang trực tuyến."
    )


class LeaseDialog(QDialog):
    """The "Quyền cấp số" dialog: which desk numbers each register offline; take it or hand it over."""

    HEADERS = (
        "Sổ",
        "Quyền cấp số",
        "Bàn giữ quyền cấp số",
        "Từ lúc",
        "Số cuối\nmáy chủ",
        "Số cuối\ntrên bàn",
    )
    REGISTER, STATE, HOLDER, SINCE = 0, 1, 2, 3
    changed = Signal()

    def __init__(
        self,
        data_dir: Path,
        parent: QWidget | None = None,
        confirm: Callable[[str, str, int], int | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.setWindowTitle("Quyền cấp số")
        self.rows: list[LeaseRow] = []
        self.busy = False
        self.confirm = confirm or self._ask
        with DeskSync(data_dir) as desk:
            self.role = desk.role()
        intro = QLabel(
            "Khi mất kết nối máy chủ, chỉ bàn giữ quyền cấp số của một sổ được cấp số cho sổ đó; "
            "các bàn khác lập bản nháp. Bàn giao quyền cấp số khi đang trực tuyến."
        )
        intro.setWordWrap(True)
        self.table = _table(self.HEADERS)
        header = self.table.horizontalHeader()
        for col in range(len(self.HEADERS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        # The holder's words (station, desk id, login) are the widest and the ones that matter.
        header.setSectionResizeMode(self.HOLDER, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._enable)
        self.take_button = QPushButton("&Nhận quyền cấp số")
        self.release_button = QPushButton("&Bàn giao quyền cấp số")
        self.force_button = QPushButton("&Thu hồi và nhận về bàn này…")
        self.force_button.setVisible(self.role == "admin")
        self.sync_button = QPushButton("Làm &mới từ máy chủ")
        self.sync_button.clicked.connect(lambda: self._act("sync"))
        self.take_button.clicked.connect(lambda: self._act("take"))
        self.release_button.clicked.connect(lambda: self._act("release"))
        self.force_button.clicked.connect(lambda: self._act("force"))
        self.status = QLabel()
        self.status.setObjectName("leaseStatus")
        self.status.setWordWrap(True)
        actions = QHBoxLayout()
        for b in (self.take_button, self.release_button, self.force_button):
            actions.addWidget(b)
        actions.addStretch(1)
        actions.addWidget(self.sync_button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.status)
        layout.addWidget(close)
        # Wide enough at 1366×768 for a holder's station, desk id and login on one line.
        self.resize(1120, 420)
        self.refresh()

    def refresh(self) -> None:
        with DeskSync(self.data_dir) as desk:
            self.rows = desk.leases()
        selected = self.selected()
        self.table.setRowCount(len(self.rows))
        for i, r in enumerate(self.rows):
            colour = {"mine": "#1b5e20", "other": "#8a6d00", "releasing": "#b00020"}.get(r.holder)
            cells = [
                _cell(lease_words.title(r)),
                _cell(lease_words.capital(lease_words.state(r)), colour),
                _cell(holder_text(r), colour, bold=r.holder == "mine"),
                _cell(moment(r.held_since) if r.holder in ("mine", "other") else ""),
                _cell(str(r.server_last_number)),
                _cell(str(r.local_last_number)),
            ]
            for col, item in enumerate(cells):
                self.table.setItem(i, col, item)
        keys = [(r.kind, r.series, r.year) for r in self.rows]
        if selected is not None and (selected.kind, selected.series, selected.year) in keys:
            self.table.selectRow(keys.index((selected.kind, selected.series, selected.year)))
        elif self.rows:
            # This year's registers first: next year's (carried with a lease late in the year)
            # sort above them but are not what the clerk came for.
            this_year = vietnam_date(system_clock()).year
            current = [i for i, r in enumerate(self.rows) if r.year == this_year]
            self.table.selectRow(current[0] if current else 0)
        self._enable()

    def selected(self) -> LeaseRow | None:
        picked = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not picked or picked[0].row() >= len(self.rows):
            return None
        return self.rows[picked[0].row()]

    def _enable(self) -> None:
        row = self.selected()
        free = not self.busy and row is not None
        # Another desk's lease stays takeable: what is shown may be stale, and taking syncs
        # first, so a lease handed over meanwhile is taken; one still held is refused.
        self.take_button.setEnabled(free and row is not None and row.holder != "mine")
        # A release whose answer was lost may be sent again: the server answers what became of it.
        self.release_button.setEnabled(
            free and row is not None and row.holder in ("mine", "releasing")
        )
        self.force_button.setEnabled(free and row is not None and row.holder == "other")
        self.sync_button.setEnabled(not self.busy)
        if not self.busy:
            self.status.setText(held_elsewhere_text(row) if row is not None else "")

    def _ask(self, title: str, text: str, server_last: int) -> int | None:
        """The last number the revoked desk may have written on paper, or None (not revoked)."""
        box = QDialog(self)
        box.setWindowTitle(title)
        words = QLabel(text)
        words.setWordWrap(True)
        # A wrapped label's height follows its width only once the width is fixed: without
        # this the dialog opens two lines tall and cuts the words the admin must read.
        words.setMinimumWidth(600)
        number = QSpinBox()
        number.setRange(server_last, server_last + MAX_HELD_NUMBERS)
        number.setValue(server_last)
        number.setAccessibleName("Số cuối cùng bàn bị thu hồi đã ghi trên sổ giấy")
        form = QFormLayout()
        form.addRow("Số cuối cùng bàn đó đã ghi trên sổ giấy:", number)
        buttons = QDialogButtonBox()
        yes = buttons.addButton("Thu hồi và nhận", QDialogButtonBox.ButtonRole.AcceptRole)
        no = buttons.addButton("Không", QDialogButtonBox.ButtonRole.RejectRole)
        no.setDefault(True)  # Enter alone never revokes
        yes.setAutoDefault(False)
        buttons.accepted.connect(box.accept)
        buttons.rejected.connect(box.reject)
        layout = QVBoxLayout(box)
        layout.addWidget(words)
        layout.addLayout(form)
        layout.addWidget(buttons)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        return number.value() if box.exec() == QDialog.DialogCode.Accepted else None

    def _act(self, what: str) -> None:
        if what == "sync":
            self._sync()
            return
        row = self.selected()
        if row is None or self.busy:
            return
        label = lease_words.title(row)
        lost_through = None
        if what == "force":
            lost_through = self.confirm(
                "Thu hồi quyền cấp số",
                f"{holder_text(row)} đang giữ quyền cấp số của «{label}». Thu hồi khi bàn đó "
                "không bàn giao được (hỏng máy, mất kết nối lâu). Bàn đó có thể đã cấp số khi "
                "mất kết nối mà máy chủ chưa biết: xem sổ đăng ký giấy của bàn đó và nhập số "
                f"cuối cùng đã ghi (số cuối trên máy chủ: {row.server_last_number}). Máy chủ giữ "
                "các số đến số đó cho bàn bị thu hồi và không cấp cho ai khác; số bàn đó cấp "
                "sau số này sẽ phải đối chiếu. Thu hồi và nhận quyền cấp số về bàn này?",
                row.server_last_number,
            )
            if lost_through is None:
                return
        data_dir, kind, year, series = self.data_dir, row.kind, row.year, row.series

        def work() -> dict[str, Any]:
            with DeskSync(data_dir) as desk:
                if what == "release":
                    return desk.release_lease(kind, year, series)
                return desk.take_lease(
                    kind, year, series, force=what == "force", lost_through=lost_through
                )

        def done(_answer: object) -> None:
            self.busy = False
            self.refresh()  # before the outcome: the row's own note would replace it
            self.status.setText(
                f"Đã bàn giao quyền cấp số «{label}»."
                if what == "release"
                else f"Máy này đã nhận quyền cấp số «{label}»."
            )
            self.changed.emit()

        def failed(error: BaseException) -> None:
            self.busy = False
            self.refresh()
            self.status.setText(
                describe(error).one_line() if isinstance(error, errors.ClerkError) else ""
            )
            present(error, self)

        self.busy = True
        self._enable()
        self.status.setText("Đang làm việc với máy chủ…")
        run_in_background(work, done, failed, owner=self)

    def _sync(self) -> None:
        """Who holds what as the server says now (the list is as of the last sync round)."""
        if self.busy:
            return
        data_dir = self.data_dir

        def work() -> object:
            with DeskSync(data_dir) as desk:
                return desk.sync()

        def done(_report: object) -> None:
            self.busy = False
            self.refresh()
            self.status.setText(self.status.text() or "Đã cập nhật từ máy chủ.")

        def failed(error: BaseException) -> None:
            self.busy = False
            self.refresh()
            self.status.setText(
                describe(error).one_line() if isinstance(error, errors.ClerkError) else ""
            )

        self.busy = True
        self._enable()
        self.status.setText("Đang làm việc với máy chủ…")
        run_in_background(work, done, failed, owner=self)


# --- conflicts ---------------------------------------------------------------------------------

CHOICES = [(SERVER, "Giữ giá trị trên máy chủ"), (DESK, "Dùng giá trị của bàn này")]
KIND_TEXT = {
    "fields": "Cùng một trường được sửa ở hai nơi",
    "number": "Số văn bản khác với máy chủ",
}


class ConflictsDialog(QDialog):
    """The "Xung đột đồng bộ" dialog: both values side by side; the clerk picks which one stands."""

    changed = Signal()

    def __init__(self, workspace: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = workspace
        self.data_dir = Path(workspace.data_dir)
        self.setWindowTitle("Xung đột đồng bộ")
        self.rows: list[ConflictRow] = []
        self.list = QListWidget()
        self.list.setObjectName("conflictList")
        self.list.setWordWrap(True)
        self.list.currentRowChanged.connect(self._show)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.table = _table(["Trường", "Giá trị trên bàn này", "Giá trị trên máy chủ", "Giữ"])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.reason = QLineEdit("Giải quyết xung đột đồng bộ")
        self.reason.setPlaceholderText("Lý do (ghi vào lịch sử đính chính)")
        self.resolve_button = QPushButton("&Ghi quyết định")
        self.resolve_button.setDefault(True)
        self.resolve_button.clicked.connect(self.resolve_current)
        self.status = QLabel()
        self.status.setObjectName("conflictStatus")
        self.status.setWordWrap(True)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.heading)
        right_layout.addWidget(self.table, 1)
        reason_row = QHBoxLayout()
        reason_row.addWidget(QLabel("Lý do:"))
        reason_row.addWidget(self.reason, 1)
        reason_row.addWidget(self.resolve_button)
        right_layout.addLayout(reason_row)
        split = QSplitter()
        split.addWidget(self.list)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([300, 760])
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                "Máy chủ và bàn này ghi khác nhau về cùng một văn bản. Chọn giá trị được giữ; "
                "thay đổi được ghi thành đính chính (có lịch sử) và gửi lên máy chủ."
            )
        )
        layout.addWidget(split, 1)
        layout.addWidget(self.status)
        layout.addWidget(close)
        self.resize(1080, 480)
        self.refresh()

    def refresh(self) -> None:
        with DeskSync(self.data_dir) as desk:
            self.rows = list_conflicts(desk)
        self.list.clear()
        for r in self.rows:
            QListWidgetItem(
                f"{r.title}\n{KIND_TEXT.get(r.kind, r.kind)} — {moment(r.at)}", self.list
            )
        if self.rows:
            self.list.setCurrentRow(0)
        else:
            self._show(-1)

    def choice_boxes(self) -> dict[str, QComboBox]:
        boxes: dict[str, QComboBox] = {}
        for i in range(self.table.rowCount()):
            box, item = self.table.cellWidget(i, 3), self.table.item(i, 0)
            if isinstance(box, QComboBox) and item is not None:
                boxes[str(item.data(Qt.ItemDataRole.UserRole))] = box
        return boxes

    def _show(self, index: int) -> None:
        row = self.rows[index] if 0 <= index < len(self.rows) else None
        self.resolve_button.setEnabled(row is not None)
        self.table.setRowCount(0)
        if row is None:
            self.heading.setText("Không có xung đột nào chờ giải quyết.")
            return
        lines = [row.title, KIND_TEXT.get(row.kind, row.kind)]
        if row.kind == "number":
            lines.append(
                f"Số trên bàn này: {row.desk_number if row.desk_number is not None else 'không có'}"
                f"; số trên máy chủ: {row.server_number}. Số đã cấp không đổi được; báo quản trị "
                "hệ thống đối chiếu sổ."
            )
        self.heading.setText("\n".join(lines))
        self.table.setRowCount(len(row.fields))
        for i, f in enumerate(row.fields):
            name = _cell(field_name(f.name), bold=True)
            name.setData(Qt.ItemDataRole.UserRole, f.name)
            self.table.setItem(i, 0, name)
            self.table.setItem(i, 1, _cell(_value_text(f.desk_value), "#0d47a1"))
            self.table.setItem(i, 2, _cell(_value_text(f.server_value), "#4a148c"))
            box = QComboBox()
            for value, text in CHOICES:
                box.addItem(text, value)
            self.table.setCellWidget(i, 3, box)
        self.table.resizeRowsToContents()

    def resolve_current(self) -> None:
        index = self.list.currentRow()
        if not 0 <= index < len(self.rows):
            return
        row = self.rows[index]
        choices = {name: str(box.currentData()) for name, box in self.choice_boxes().items()}
        try:
            with DeskSync(self.data_dir) as desk:
                change = resolve(self.ws, desk, row.key, choices, self.reason.text())
        except errors.ClerkError as exc:
            present(exc, self)
            return
        self.status.setText(
            "Đã ghi đính chính; thay đổi sẽ gửi lên máy chủ ở lần đồng bộ tới."
            if change.document_ids
            else "Đã giữ giá trị trên máy chủ; không cần đính chính."
        )
        self.refresh()
        self.changed.emit()


# --- office hours ------------------------------------------------------------------------------


class OfficeHoursDialog(QDialog):
    """The office's working hours, which the outage records count working time lost against."""

    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.setWindowTitle("Giờ làm việc của cơ quan")
        morning, afternoon = load_office_hours(data_dir).text().split(",")[:2]
        self.morning = QLineEdit(morning)
        self.afternoon = QLineEdit(afternoon)
        for edit in (self.morning, self.afternoon):
            edit.setPlaceholderText("07:30-11:30")
        form = QFormLayout()
        form.addRow("Buổi &sáng:", self.morning)
        form.addRow("Buổi &chiều:", self.afternoon)
        note = QLabel(
            "Dùng để tính số giờ làm việc bị mất khi mất kết nối máy chủ (biên bản sự cố); "
            "không tính thứ Bảy, Chủ nhật và ngày lễ."
        )
        note.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(460, 180)

    def save(self) -> None:
        try:
            hours = office_hours_from(
                self.morning.text(), self.afternoon.text(), load_office_hours(self.data_dir)
            )
        except errors.ClerkError as exc:
            present(exc, self)
            return
        save_office_hours(self.data_dir, hours)
        self.accept()
