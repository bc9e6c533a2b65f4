"""The handover screen: routed paper handed over on a printed slip, then signed for; no rules.

Who may receive, what is pending and the log itself belong to clerk_app.instructions.handover;
this screen only collects the selection, the receiver and the signature and shows the results.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QKeyEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clerk_app import errors
from clerk_app.clock import VIETNAM
from clerk_app.instructions.handover import (
    SLIP_FOLDER,
    hand_over_papers,
    handover_log,
    pending_paper,
    sign_receipts,
    slip_path,
)
from clerk_app.instructions.printing import write_handover_slip
from clerk_app.instructions.records import HandoverInfo, PaperToHand
from clerk_app.instructions.secretary import Secretary
from clerk_app.workspace import Workspace
from ui.follow_up import LIMIT_STATES, limit_text
from ui.instruction_screen import SuggestField
from ui.secretary_widgets import StatusLine, list_table

PENDING_COLUMNS = ("Số đến", "Độ khẩn", "Số, ký hiệu", "Trích yếu", "Chuyển", "Thời hạn chuyển")
UNSIGNED_COLUMNS = ("Ngày chuyển", "Số đến", "Trích yếu", "Người nhận")
# Unsigned lines older than this are still shown: a slip can come back weeks later.
UNSIGNED_DAYS = 90


def _rows(table: QTableWidget) -> list[int]:
    return sorted({i.row() for i in table.selectionModel().selectedRows()})


class HandoverScreen(QWidget):
    """Hand routed paper to a unit or person against a printed slip, then record who signed."""

    changed = Signal()
    slip_written = Signal(Path)

    def __init__(
        self, workspace: Workspace, slip_dir: Path | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Chuyển giao văn bản giấy")
        self.ws = workspace
        self.sec = Secretary(workspace)
        self.slip_dir = slip_dir or workspace.data_dir / SLIP_FOLDER
        self.pending: list[PaperToHand] = []
        self.unsigned: list[HandoverInfo] = []
        self.last_slip: Path | None = None
        handlers = [
            h.label if h.kind == "person" or not h.code else f"{h.code} – {h.label}"
            for h in self.sec.handlers()
        ]

        self.pending_table = list_table(PENDING_COLUMNS, 3, several=True)
        # Who it goes to can be long ("… (chủ trì); … (phối hợp)"): room for the subject first.
        self.pending_table.horizontalHeader().setSectionResizeMode(
            4, QHeaderView.ResizeMode.Interactive
        )
        self.pending_table.setColumnWidth(4, 240)
        self.suggestions = QListWidget()
        self.suggestions.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.suggestions.setMaximumHeight(72)
        self.receiver = SuggestField(lambda: handlers, self.suggestions)
        self.receiver.setPlaceholderText("mã hoặc tên đơn vị, tên cán bộ nhận bản giấy")
        self.copies = QSpinBox()
        self.copies.setRange(0, 99)
        self.copies.setSpecialValueText("không ghi")
        self.note = QLineEdit()
        self.receiver.accepted.connect(self.copies.setFocus)
        self.hand_over_button = QPushButton("Ghi sổ chuyển giao và in phiếu (Ctrl+Enter)")
        self.hand_over_button.clicked.connect(self.hand_over)

        self.unsigned_table = list_table(UNSIGNED_COLUMNS, 2, several=True)
        self.signed_by = QLineEdit()
        self.signed_by.setPlaceholderText("họ tên người ký nhận")
        self.signed_at = QLineEdit()
        self.signed_at.setPlaceholderText("dd/mm/yyyy HH:MM — để trống: bây giờ")
        self.slip_scan = QLineEdit()
        self.slip_scan.setPlaceholderText("tệp quét phiếu đã ký (không bắt buộc) — Ctrl+O")
        browse = QPushButton("Chọn tệp…")
        browse.clicked.connect(self.choose_scan)
        self.signed_by.returnPressed.connect(self.signed_at.setFocus)
        self.signed_at.returnPressed.connect(self.record_signature)
        self.sign_button = QPushButton("Ghi ký nhận (Ctrl+S)")
        self.sign_button.clicked.connect(self.record_signature)
        self.status = StatusLine()

        give = QFormLayout()
        give.addRow("&Người/đơn vị nhận", self.receiver)
        give.addRow("", self.suggestions)
        give.addRow("Số &bản", self.copies)
        give.addRow("&Ghi chú", self.note)
        first = QVBoxLayout()
        first.addWidget(self.pending_table, 1)
        first.addLayout(give)
        first.addWidget(self.hand_over_button)
        box1 = QGroupBox("1. Văn bản giấy đã phân xử lý, chưa chuyển giao")
        box1.setLayout(first)

        scan_row = QHBoxLayout()
        scan_row.addWidget(self.slip_scan, 1)
        scan_row.addWidget(browse)
        sign = QFormLayout()
        sign.addRow("Người &ký nhận", self.signed_by)
        sign.addRow("&Thời điểm ký", self.signed_at)
        sign.addRow("Phiếu đã ký", scan_row)
        second = QVBoxLayout()
        second.addWidget(self.unsigned_table, 1)
        second.addLayout(sign)
        second.addWidget(self.sign_button)
        box2 = QGroupBox("2. Đã chuyển giao, chờ ký nhận")
        box2.setLayout(second)

        keys = QLabel(
            "Shift+↑↓, Ctrl+Space, Ctrl+A: chọn nhiều văn bản · Tab: sang ô sau · "
            "Ctrl+Enter: ghi sổ và in phiếu · Ctrl+S: ghi ký nhận · Ctrl+O: chọn bản quét · "
            "F5: tải lại"
        )
        keys.setWordWrap(True)
        keys.setStyleSheet("color: #6c757d;")
        layout = QVBoxLayout(self)
        layout.addWidget(box1, 3)
        layout.addWidget(box2, 2)
        layout.addWidget(self.status)
        layout.addWidget(keys)
        chain: list[QWidget] = [
            self.pending_table,
            self.receiver,
            self.copies,
            self.note,
            self.hand_over_button,
            self.unsigned_table,
            self.signed_by,
            self.signed_at,
            self.slip_scan,
            browse,
            self.sign_button,
        ]
        for before, after in pairwise(chain):
            QWidget.setTabOrder(before, after)
        self.refresh()
        self.pending_table.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Keys the fields leave unhandled arrive here; a QShortcut would need an active window.
        key, ctrl = event.key(), event.modifiers() & Qt.KeyboardModifier.ControlModifier
        enter = key in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        # A line edit passes Enter on after its own handling: the note's Enter lands here once.
        if enter and (ctrl or self.focusWidget() is self.note):
            self.hand_over()
        elif ctrl and key == Qt.Key.Key_S:
            self.record_signature()
        elif ctrl and key == Qt.Key.Key_O:
            self.choose_scan()
        elif key == Qt.Key.Key_F5:
            self.refresh()
        else:
            super().keyPressEvent(event)

    def refresh(self) -> None:
        self.pending = pending_paper(self.sec)
        table = self.pending_table
        table.setRowCount(len(self.pending))
        for r, p in enumerate(self.pending):
            values = (
                f"{p.number}/{p.year}",
                p.urgency,
                p.reference,
                p.subject,
                p.recipients,
                limit_text(p.limit),
            )
            for c, value in enumerate(values):
                cell = QTableWidgetItem(value)
                if c == 5 and p.limit is not None:
                    cell.setForeground(QBrush(LIMIT_STATES[p.limit.state][1]))
                table.setItem(r, c, cell)
        if self.pending:
            table.setCurrentCell(0, 0)
        today = self.sec.today()
        self.unsigned = handover_log(
            self.sec, today - timedelta(days=UNSIGNED_DAYS), today, unsigned_only=True
        )
        table = self.unsigned_table
        table.setRowCount(len(self.unsigned))
        for r, e in enumerate(self.unsigned):
            line = (
                f"{e.handed_at:%H:%M %d/%m/%Y}",
                f"{e.number}/{e.year}",
                e.subject,
                e.receiver,
            )
            for c, value in enumerate(line):
                table.setItem(r, c, QTableWidgetItem(value))

    def hand_over(self) -> bool:
        """Record the selected paper as handed over and write the slip for signatures."""
        chosen = [self.pending[r] for r in _rows(self.pending_table)]
        if not chosen:
            self.status.say("Chọn ít nhất một văn bản giấy để chuyển giao.", ok=False)
            self.pending_table.setFocus()
            return False
        receiver = self.receiver.text().split(" – ")[0].strip()
        try:
            entries = hand_over_papers(
                self.sec,
                [p.document_id for p in chosen],
                receiver,
                copies=self.copies.value() or None,
                note=self.note.text(),
            )
            slip = write_handover_slip(
                entries,
                self.ws.agency().name,
                slip_path(self.ws.data_dir, entries[0].handed_at, self.slip_dir),
            )
        except errors.ClerkError as exc:
            return self.status.fail(exc)
        self.last_slip = slip
        self.status.say(
            f"Đã ghi sổ chuyển giao {len(entries)} văn bản cho {entries[0].receiver}; "
            f"phiếu in: {slip.name}. Khi nhận lại phiếu đã ký, ghi ký nhận ở phần 2.",
            ok=True,
        )
        self.receiver.clear()
        self.copies.setValue(0)
        self.note.clear()
        self.refresh()
        # The lines just handed over are the ones to be signed for next.
        ids = {e.id for e in entries}
        self.unsigned_table.clearSelection()
        for r, e in enumerate(self.unsigned):
            if e.id in ids:
                self.unsigned_table.selectRow(r)
        self.slip_written.emit(slip)
        self.changed.emit()
        return True

    def choose_scan(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "Bản quét phiếu đã ký", "", "Bản quét (*.pdf *.png *.jpg *.jpeg *.tif *.tiff)"
        )
        if path:
            self.slip_scan.setText(path)

    def _signed_at(self) -> datetime | None:
        raw = self.signed_at.text().strip()
        if not raw:
            return None
        try:
            moment = datetime.strptime(raw, "%d/%m/%Y %H:%M").replace(tzinfo=VIETNAM)
        except ValueError:
            try:
                day = datetime.strptime(raw, "%d/%m/%Y").date()
            except ValueError:
                raise errors.InvalidValue("signed_at", raw, "dd/mm/yyyy HH:MM") from None
            moment = datetime.combine(day, datetime.min.time(), VIETNAM)
        if moment > self.ws.now_in_vietnam():
            raise errors.DateInFuture("signed_at", moment.isoformat())
        return moment

    def record_signature(self) -> bool:
        """Who signed the slip for the selected lines, when, and the scanned slip if given."""
        chosen = [self.unsigned[r] for r in _rows(self.unsigned_table)]
        if not chosen:
            self.status.say("Chọn các dòng đã được ký nhận trên phiếu.", ok=False)
            self.unsigned_table.setFocus()
            return False
        scan = Path(self.slip_scan.text().strip()) if self.slip_scan.text().strip() else None
        try:
            if scan is not None and not scan.is_file():
                raise errors.InvalidValue("file", str(scan), "một tệp có thật")
            signed = sign_receipts(
                self.sec,
                [(e.id, e.version) for e in chosen],
                self.signed_by.text(),
                signed_at=self._signed_at(),
                slip_scan=scan,
            )
        except errors.ClerkError as exc:
            self.refresh()
            return self.status.fail(exc)
        kept = " (đã lưu bản quét phiếu)" if scan is not None else ""
        self.status.say(
            f"Đã ghi {signed[0].signed_by} ký nhận {len(signed)} văn bản "
            f"lúc {signed[0].signed_at:%H:%M %d/%m/%Y}{kept}.",
            ok=True,
        )
        self.signed_by.clear()
        self.signed_at.clear()
        self.slip_scan.clear()
        self.refresh()
        self.changed.emit()
        return True
