"""The main window's screens: registers, pending handover, search; they only call the facade."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from clerk_app.clock import vietnam_date
from clerk_app.errors import ClerkError
from clerk_app.records import DocumentSummary, RegisterInfo, SearchFilters
from clerk_app.vocabulary import URGENCY_LEVELS
from ui import errors as presenter
from ui import formatting as fmt
from ui.register_model import (
    INCOMING_COLUMNS,
    LIST_COLUMNS,
    RegisterModel,
    SummaryListModel,
    _SummaryModel,
)
from ui.registration_form import DateField
from ui.workers import run_in_background

ROW_HEIGHT = 26
SEARCH_DEBOUNCE_MS = 250


def current_year() -> int:
    return vietnam_date(datetime.now(UTC)).year


class DocumentTable(QTableView):
    """A table of documents: fixed row height (fast at a million rows), Enter opens detail."""

    current_document = Signal(object)  # str | None, as the selection moves
    open_document = Signal(str)  # Enter or double-click

    def __init__(self, model: _SummaryModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Shift+↑↓ and Ctrl+click select several rows: handed over together with one Ctrl+G.
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
        self.setShowGrid(True)
        self.setStyleSheet(
            "QTableView { gridline-color: #e3e6ea; selection-background-color: #cfe2ff;"
            " selection-color: #000; }"
            "QHeaderView::section { background: #f1f3f5; padding: 4px 6px; border: none;"
            " border-right: 1px solid #dee2e6; border-bottom: 1px solid #ced4da;"
            " font-weight: 600; }"
        )
        vertical = self.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(ROW_HEIGHT)
        vertical.hide()
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setMinimumSectionSize(40)
        self.apply_column_widths()
        model.modelReset.connect(self.apply_column_widths)
        self.doubleClicked.connect(self._double_clicked)

    def model_(self) -> _SummaryModel:
        model = self.model()
        assert isinstance(model, _SummaryModel)
        return model

    def apply_column_widths(self) -> None:
        columns = self.model_().columns
        header = self.horizontalHeader()
        for i, column in enumerate(columns):
            header.setSectionResizeMode(i, QHeaderView.ResizeMode.Interactive)
            self.setColumnWidth(i, column.width)
        header.setStretchLastSection(True)

    def currentChanged(self, current: Any, previous: Any) -> None:
        super().currentChanged(current, previous)
        self.current_document.emit(
            self.document_id_at(current.row()) if current.isValid() else None
        )

    def document_id_at(self, row: int) -> str | None:
        summary = self.model_().summary(row)
        return None if summary is None else summary.id

    def current_summary(self) -> DocumentSummary | None:
        index = self.currentIndex()
        return self.model_().summary(index.row()) if index.isValid() else None

    def selected_summaries(self) -> list[DocumentSummary]:
        """The selected rows' documents, top to bottom (the current one when none is)."""
        rows = sorted({i.row() for i in self.selectionModel().selectedRows()})
        found = [s for s in (self.model_().summary(r) for r in rows) if s is not None]
        if not found and (current := self.current_summary()) is not None:
            found = [current]
        return found

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            summary = self.current_summary()
            if summary is not None:
                self.open_document.emit(summary.id)
                event.accept()
                return
        super().keyPressEvent(event)

    def _double_clicked(self, index: QModelIndex) -> None:
        document_id = self.document_id_at(index.row())
        if document_id is not None:
            self.open_document.emit(document_id)


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("font-size: 17px; font-weight: 700;")
    return label


class RegisterPage(QWidget):
    """One kind of register (incoming, or outgoing with a series chooser) for a chosen year."""

    counts_changed = Signal()

    def __init__(self, workspace: Any, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.kind = kind
        self.model = RegisterModel(workspace)
        if kind == "outgoing":
            self.model.set_register(None)
        self.table = DocumentTable(self.model)

        title = "Sổ đăng ký văn bản đến" if kind == "incoming" else "Sổ đăng ký văn bản đi"
        self.heading = _heading(title)
        self.summary_label = QLabel()
        self.summary_label.setStyleSheet("color: #495057;")
        self.summary_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setPrefix("Năm ")
        self.year.setValue(self._default_year())
        self.year.valueChanged.connect(lambda _v: self.reload())
        self.series = QComboBox()
        self.series.setMinimumContentsLength(18)
        self.series.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.series.currentIndexChanged.connect(lambda _i: self._series_chosen())
        self.series.setVisible(kind == "outgoing")
        self.series.setToolTip("Chọn sổ (loạt số) văn bản đi")
        self.goto = QLineEdit()
        self.goto.setPlaceholderText("Đến số…")
        self.goto.setFixedWidth(96)
        self.goto.setToolTip("Gõ một số rồi Enter để nhảy tới dòng đó")
        self.goto.returnPressed.connect(self._goto_number)

        bar = QHBoxLayout()
        bar.addWidget(self.heading)
        bar.addStretch(1)
        if kind == "outgoing":
            series_label = QLabel("Sổ:")
            bar.addWidget(series_label)
            bar.addWidget(self.series)
        bar.addWidget(self.year)
        bar.addWidget(self.goto)
        # «Phát hành» of the selected numbered document (the main window wires it).
        # The shortcut lives in the tooltip: with it in the label the bar outgrew a 1366-pixel screen.
        self.issue_button = QPushButton("Phát hành…")
        self.issue_button.setToolTip(
            "Ghi số, ngày và ký số cơ quan văn bản đi đang chọn (Ctrl+Shift+P)"
        )
        self.issue_button.setVisible(kind == "outgoing")
        bar.addWidget(self.issue_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 6)
        layout.addLayout(bar)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.table, 1)
        self._registers: list[RegisterInfo] = []

    def _default_year(self) -> int:
        try:
            years = [r.year for r in self.workspace.registers()]
        except ClerkError:
            years = []
        today = current_year()
        return today if today in years or not years else max(years)

    @property
    def register(self) -> RegisterInfo | None:
        return self.model.register

    def reload(self) -> None:
        """Re-read the registers of the year and refresh the table, keeping the position."""
        registers = [r for r in self.workspace.registers(self.year.value()) if r.kind == self.kind]
        self._registers = registers
        wanted = self.register.series if self.register else None
        self.series.blockSignals(True)
        self.series.clear()
        for reg in registers:
            self.series.addItem(reg.name, reg.series)
        index = max(0, self.series.findData(wanted)) if wanted else 0
        self.series.setCurrentIndex(index if registers else -1)
        self.series.blockSignals(False)
        self._show(registers[index] if registers else None)

    def _series_chosen(self) -> None:
        index = self.series.currentIndex()
        if 0 <= index < len(self._registers):
            self._show(self._registers[index])

    def _show(self, register: RegisterInfo | None) -> None:
        first_time = self.model.register is None or (
            register is not None and self.model.register.id != register.id
        )
        if register is None:
            self.model.set_register(None)
            self.summary_label.setText(f"Chưa mở sổ năm {self.year.value()}.")
        else:
            if first_time:
                self.model.set_register(register)
            else:
                self.model.update_register(register)
            self.summary_label.setText(self.describe(register))
            if first_time:
                # The newest entry is where the clerk's day goes on: select it too, so the
                # detail beside the list shows a row the clerk can see (it showed số 1).
                rows = self.model.rowCount()
                if rows:
                    self.table.setCurrentIndex(self.model.index(rows - 1, 0))
                self.table.scrollToBottom()
        self.counts_changed.emit()

    def describe(self, register: RegisterInfo) -> str:
        n = register.last_number
        if n == 0:
            return f"Năm {register.year}: chưa có văn bản nào."
        voids = f"; {fmt.count(register.voids)} số bỏ trống" if register.voids else ""
        return (
            f"Năm {register.year}: {fmt.count(register.documents)} văn bản "
            f"(số 1 – {fmt.count(n)}{voids})"
        )

    def _goto_number(self) -> None:
        text = self.goto.text().strip()
        if not text.isdigit() or self.register is None:
            return
        row = min(max(int(text), 1), self.register.last_number) - 1
        if row < 0:
            return
        index = self.model.index(row, 0)
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        self.table.setFocus()

    def select_number(self, number: int) -> None:
        if self.register is None or not 1 <= number <= self.register.last_number:
            return
        index = self.model.index(number - 1, 0)
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)


class PendingPage(QWidget):
    """Incoming documents not yet handed over, urgent first (Phú Yên art. 5.3)."""

    counts_changed = Signal()

    def __init__(self, workspace: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.total = 0
        self.model = SummaryListModel(PENDING_COLUMNS)
        self.table = DocumentTable(self.model)
        self.summary_label = QLabel()
        self.summary_label.setStyleSheet("color: #495057;")
        self.summary_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.hand_over_button = QPushButton("Chuyển giao… (Ctrl+G)")
        bar = QHBoxLayout()
        bar.addWidget(_heading("Văn bản đến chưa chuyển giao"))
        bar.addSpacing(12)
        bar.addWidget(self.summary_label, 1)
        bar.addWidget(self.hand_over_button)
        hint = QLabel(
            "Văn bản khẩn được xếp lên đầu và phải chuyển giao ngay; văn bản thường chuyển "
            "trong ngày, chậm nhất ngày làm việc tiếp theo."
        )
        hint.setStyleSheet("color: #6c757d;")
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 6)
        layout.addLayout(bar)
        layout.addWidget(hint)
        layout.addWidget(self.table, 1)

    def reload(self) -> None:
        rows = self.workspace.pending_handover(limit=500)
        self.total = int(self.workspace.pending_handover_count())
        current = self.table.current_summary()
        self.model.set_rows(rows)
        urgent = sum(1 for r in rows if fmt.is_urgent(r.urgency))
        text = f"{fmt.count(self.total)} văn bản"
        if urgent:
            text += f", trong đó {fmt.count(urgent)} văn bản khẩn"
        if self.total > len(rows):
            text += f" (hiện {fmt.count(len(rows))} văn bản đầu)"
        self.summary_label.setText(text)
        if current is not None:
            for i, row in enumerate(rows):
                if row.id == current.id:
                    self.table.selectRow(i)
                    break
        self.counts_changed.emit()


PENDING_COLUMNS = (
    LIST_COLUMNS[0],
    *(
        replace(c, marks_urgency=False)  # the urgency column carries the dot here
        for c in INCOMING_COLUMNS
        if c.header in ("Ngày đến", "Số đến", "Tác giả", "Số và ký hiệu")
    ),
    next(c for c in INCOMING_COLUMNS if c.header == "Tên loại và trích yếu nội dung"),
)

ANY = "Tất cả"
DIRECTIONS = ((ANY, None), ("Văn bản đến", "incoming"), ("Văn bản đi", "outgoing"))
STATUSES = ((ANY, None), ("Đã đăng ký", "registered"), ("Đã hủy", "cancelled"))


class SearchPage(QWidget):
    """Search as you type (debounced), with filters; results newest first, off the GUI thread."""

    results_changed = Signal()

    def __init__(self, workspace: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self._generation = 0
        self.searching = False
        self.model = SummaryListModel(LIST_COLUMNS)
        self.table = DocumentTable(self.model)
        self.query = QLineEdit()
        self.query.setPlaceholderText(
            "Gõ từ khóa, có dấu hay không dấu (vd: quyet dinh dat dai) hoặc số ký hiệu (12/QĐ-UBND)"
        )
        self.query.setClearButtonEnabled(True)
        self.query.setMinimumHeight(32)
        self.query.setStyleSheet("font-size: 14px;")
        self.direction = QComboBox()
        for label, value in DIRECTIONS:
            self.direction.addItem(label, value)
        self.year = QSpinBox()
        self.year.setRange(1999, 2100)
        self.year.setSpecialValueText("Mọi năm")
        self.year.setValue(1999)
        self.urgency = QComboBox()
        self.urgency.addItem(ANY, None)
        for level in URGENCY_LEVELS:
            self.urgency.addItem(level, level)
        self.status = QComboBox()
        for label, value in STATUSES:
            self.status.addItem(label, value)
        self.date_from = DateField()
        self.date_to = DateField()
        for field in (self.date_from, self.date_to):
            field.setFixedWidth(104)
        self.message = QLabel()
        self.message.setStyleSheet("color: #495057;")
        self.message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        for combo in (self.direction, self.urgency, self.status):
            combo.setMinimumContentsLength(8)
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )

        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SEARCH_DEBOUNCE_MS)
        self.timer.timeout.connect(self.run_search)
        self.query.textChanged.connect(lambda _t: self.timer.start())
        self.query.returnPressed.connect(self._search_now)
        for combo in (self.direction, self.urgency, self.status):
            combo.currentIndexChanged.connect(lambda _i: self.timer.start())
        self.year.valueChanged.connect(lambda _v: self.timer.start())
        for field in (self.date_from, self.date_to):
            field.editingFinished.connect(self.timer.start)

        filters = QGridLayout()
        filters.setHorizontalSpacing(8)
        filters.setVerticalSpacing(6)
        pairs = (
            ("Loại:", self.direction),
            ("Năm:", self.year),
            ("Độ khẩn:", self.urgency),
            ("Trạng thái:", self.status),
            ("Từ ngày:", self.date_from),
            ("Đến ngày:", self.date_to),
        )
        for i, (label, widget) in enumerate(pairs):
            caption = QLabel(label)
            caption.setBuddy(widget)
            caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            row, col = divmod(i, 3)
            filters.addWidget(caption, row, col * 2)
            filters.addWidget(widget, row, col * 2 + 1)
        filters.setColumnStretch(6, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 6)
        top = QHBoxLayout()
        top.addWidget(_heading("Tìm kiếm văn bản"))
        top.addSpacing(12)
        top.addWidget(self.message, 1)
        layout.addLayout(top)
        layout.addWidget(self.query)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)

    def focus_query(self) -> None:
        self.query.setFocus()
        self.query.selectAll()

    def filters(self) -> SearchFilters | None:
        """The chosen filters; raises formatting.DateText when a date is impossible."""
        year = self.year.value()
        return SearchFilters(
            direction=self.direction.currentData(),
            year=None if year == self.year.minimum() else year,
            urgency=self.urgency.currentData(),
            status=self.status.currentData(),
            date_from=self.date_from.value(),
            date_to=self.date_to.value(),
        )

    def _search_now(self) -> None:
        self.timer.stop()
        self.run_search()

    def run_search(self) -> None:
        try:
            filters = self.filters()
        except fmt.DateText as error:
            self.message.setText(str(error))
            return
        query = self.query.text()
        self._generation += 1
        generation = self._generation
        self.searching = True
        self.message.setText("Đang tìm…")
        workspace = self.workspace

        def done(rows: Any) -> None:
            if generation != self._generation:
                return
            self.searching = False
            self.model.set_rows(rows)
            if rows:
                self.table.selectRow(0)
            self.message.setText(self._describe(query, len(rows)))
            self.results_changed.emit()

        def failed(error: BaseException) -> None:
            if generation != self._generation:
                return
            self.searching = False
            self.message.setText("")
            presenter.present(error, self)

        run_in_background(
            lambda: workspace.search(query, filters, limit=200), done, failed, owner=self
        )

    @staticmethod
    def _describe(query: str, n: int) -> str:
        if n == 0:
            return "Không tìm thấy văn bản nào."
        shown = f"{fmt.count(n)} văn bản" if n < 200 else "200 văn bản đầu"
        what = f" khớp «{query.strip()}»" if query.strip() else ""
        return f"{shown}{what}, mới nhất trước."
