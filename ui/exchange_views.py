"""The electronic exchange screens: «Văn bản đến điện tử» (the agency's electronic inbox, with
the 08-working-hour clock and the signatures' verdict; receive or refuse) and the per-recipient
status of a document this agency sent.

A thin shell over `sync.delivery.ExchangeDesk`: it lists what it returns and passes the clerk's
choice back; talking to the server runs off the GUI thread. No business rule is decided here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clerk_app import errors, messages
from clerk_app.messages import EXCHANGE_STATUS_LABELS, describe
from sync.delivery import ExchangeDesk
from ui.errors import present
from ui.formatting import moment
from ui.sync_views import TABLE_STYLE, _cell, _table
from ui.workers import run_in_background

REFUSALS = {
    "Gửi nhầm đơn vị nhận": "wrong-recipient",
    "Văn bản không có giá trị pháp lý": "not-valid",
}
STATUS_COLOURS = {
    "arrived": "#0d47a1",
    "registered": "#1b5e20",
    "assigned": "#1b5e20",
    "in_progress": "#1b5e20",
    "done": "#1b5e20",
    "refused": "#b71c1c",
    "recalled": "#6c757d",
    "replaced": "#6c757d",
    "queued": "#8a6d00",
    "sent": "#6c757d",
}
LATE = "#b71c1c"
REFUSAL_WORDS = {v: k for k, v in REFUSALS.items()}


def signature_text(item: dict[str, Any]) -> tuple[str, str | None]:
    """The signatures' verdict as the clerk reads it, and its colour."""
    if item["flag"] == "signature_invalid":
        return "KHÔNG hợp lệ", LATE
    if item["flag"]:
        return "Tệp hỏng", LATE
    checks = item["signatures"]
    if checks is None:
        return "Chưa kiểm tra", "#6c757d"
    if not checks:
        return "Không có chữ ký số", "#8a6d00"
    signers = ", ".join(dict.fromkeys(c["signer"] for c in checks if c.get("signer")))
    return f"Hợp lệ ({signers})" if signers else "Hợp lệ", "#1b5e20"


def _when(iso: str) -> str:
    return moment(datetime.fromisoformat(iso))


class InboxDialog(QDialog):
    """«Văn bản đến điện tử»: what other agencies sent this one, oldest first."""

    HEADERS = (
        "Đến lúc",
        "Chuyển trước (08 giờ)",
        "Nơi gửi",
        "Số, ký hiệu",
        "Tên loại",
        "Trích yếu",
        "Độ khẩn",
        "Chữ ký số",
    )
    SUBJECT = 5
    LOADING = "Đang lấy văn bản đến điện tử từ máy chủ…"

    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.items: list[dict[str, Any]] = []
        self.busy = False
        self.setWindowTitle("Văn bản đến điện tử")
        intro = QLabel(
            "Văn bản các cơ quan gửi qua hệ thống. Tiếp nhận và chuyển trong 08 giờ làm việc kể từ "
            "lúc đến; chỉ từ chối khi gửi nhầm đơn vị nhận hoặc văn bản không có giá trị pháp lý."
        )
        intro.setWordWrap(True)
        self.summary = QLabel()
        self.table = _table(self.HEADERS)
        self.table.setStyleSheet(TABLE_STYLE)
        header = self.table.horizontalHeader()
        for col in range(len(self.HEADERS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(self.SUBJECT, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._enable)
        self.receive_button = QPushButton("&Tiếp nhận")
        self.receive_button.clicked.connect(self.receive)
        self.refuse_button = QPushButton("Từ &chối…")
        self.refuse_button.clicked.connect(self.refuse)
        self.refresh_button = QPushButton("Làm &mới")
        self.refresh_button.clicked.connect(self.refresh)
        self.status = QLabel()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        for b in (self.receive_button, self.refuse_button, self.refresh_button):
            buttons.addButton(b, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(1300, 520)
        self._enable()
        self.refresh()

    def selected(self) -> dict[str, Any] | None:
        rows = {i.row() for i in self.table.selectedItems()}
        return self.items[rows.pop()] if len(rows) == 1 else None

    def _enable(self) -> None:
        item = self.selected()
        self.receive_button.setEnabled(not self.busy and item is not None and not item["flag"])
        self.refuse_button.setEnabled(not self.busy and item is not None)
        self.refresh_button.setEnabled(not self.busy)

    def refresh(self) -> None:
        data_dir = self.data_dir

        def work() -> dict[str, Any]:
            with ExchangeDesk(data_dir) as desk:
                return desk.inbox()

        self._run(work, self.show_items, self.LOADING)

    def show_items(self, data: dict[str, Any]) -> None:
        if self.status.text() == self.LOADING:
            self.status.setText("")
        self.items = list(data["items"])
        self.table.setRowCount(len(self.items))
        for i, it in enumerate(self.items):
            f = it["fields"]
            verdict, colour = signature_text(it)
            urgent = f["urgency"] != "Thường"
            cells = [
                _cell(_when(it["arrived_at"])),
                _cell(_when(it["handle_by"]), LATE if it["overdue"] else None, it["overdue"]),
                _cell(it["sender"]["name"] or f["issuer"]),
                _cell(f["reference"]),
                _cell(f["doc_type"]),
                _cell(f["subject"]),
                _cell(f["urgency"], LATE if urgent else None, urgent),
                _cell(verdict, colour, bool(it["flag"])),
            ]
            for col, cell in enumerate(cells):
                self.table.setItem(i, col, cell)
        self.table.resizeRowsToContents()
        late = sum(1 for it in self.items if it["overdue"])
        where = "" if data["online"] else " (ngoại tuyến: danh sách đã nhận trước đó)"
        self.summary.setText(
            (
                f"{len(self.items)} văn bản chờ tiếp nhận"
                + (f", {late} quá hạn 08 giờ" if late else "")
                + where
                + "."
            )
            if self.items
            else "Không có văn bản đến điện tử nào chờ tiếp nhận" + where + "."
        )
        self._enable()

    def receive(self) -> None:
        item = self.selected()
        if item is None:
            return
        data_dir, item_id = self.data_dir, item["id"]

        def work() -> dict[str, Any]:
            with ExchangeDesk(data_dir) as desk:
                return desk.receive(item_id)

        def done(answer: dict[str, Any]) -> None:
            doc = answer.get("document")
            self.refresh()
            self.status.setText(
                messages.EXCHANGE_RECEIVED.format(doc["arrival_number"])
                if doc
                else messages.EXCHANGE_RECEIVED_AS_DRAFT
            )

        self._run(work, done, "Đang tiếp nhận…")

    def refuse(self) -> None:
        item = self.selected()
        if item is None:
            return
        choice, ok = QInputDialog.getItem(
            self, "Từ chối tiếp nhận", "Lý do:", list(REFUSALS), 0, False
        )
        if not ok:
            return
        data_dir, item_id, reason = self.data_dir, item["id"], REFUSALS[choice]

        def work() -> dict[str, Any]:
            with ExchangeDesk(data_dir) as desk:
                return desk.refuse(item_id, reason)

        def done(_answer: object) -> None:
            self.refresh()
            self.status.setText(f"Đã từ chối tiếp nhận: {choice.lower()}.")

        self._run(work, done, "Đang từ chối…")

    def _run(self, work: Any, done: Any, doing: str) -> None:
        if self.busy:
            return

        def finished(answer: Any) -> None:
            self.busy = False
            done(answer)
            self._enable()

        def failed(error: BaseException) -> None:
            self.busy = False
            self.status.setText(
                describe(error).one_line() if isinstance(error, errors.ClerkError) else ""
            )
            self._enable()
            present(error, self)

        self.busy = True
        self._enable()
        self.status.setText(doing)
        run_in_background(work, finished, failed, owner=self)


class DeliveryDialog(QDialog):
    """Where a sent document is at each recipient: arrived, refused (why), registered, …"""

    HEADERS = ("Nơi nhận", "Mã định danh", "Trạng thái", "Lý do", "Cập nhật")

    def __init__(self, data_dir: Path, document_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.document_id = document_id
        self.setWindowTitle("Trạng thái gửi liên thông")
        self.summary = QLabel()
        self.table = _table(self.HEADERS)
        self.table.setStyleSheet(TABLE_STYLE)
        header = self.table.horizontalHeader()
        for col in range(len(self.HEADERS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(900, 320)
        data_dir_, doc = data_dir, document_id

        def work() -> dict[str, Any]:
            with ExchangeDesk(data_dir_) as desk:
                return desk.delivery_status(doc)

        run_in_background(work, self.show_status, lambda e: present(e, self), owner=self)

    def show_status(self, data: dict[str, Any]) -> None:
        rows = data["recipients"]
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            last = r["history"][-1]["at"] if r["history"] else ""
            reason = REFUSAL_WORDS.get(r["reason"], r["reason"])
            cells = [
                _cell(r["name"] or r["organ_id"]),
                _cell(r["organ_id"]),
                _cell(
                    EXCHANGE_STATUS_LABELS.get(r["status"], r["status"]),
                    STATUS_COLOURS.get(r["status"]),
                    True,
                ),
                _cell(reason),
                _cell(_when(last) if last else ""),
            ]
            for col, cell in enumerate(cells):
                self.table.setItem(i, col, cell)
        self.summary.setText(
            f"{len(rows)} nơi nhận" + ("" if data["online"] else " (ngoại tuyến: lần xem trước)")
        )


class RecipientsPanel(QWidget):
    """«Gửi liên thông» inside «Phát hành»: the agencies this one may send to (on the server and
    outside it, from the server's directory), the ones the document's «Nơi nhận» names ticked;
    after sending, where the document is at each of them."""

    def __init__(self, data_dir: Path, document_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.document_id = document_id
        self.connected = False
        self.changed: Callable[[], None] = lambda: None  # the dialog's hook: ticks changed
        title = QLabel("Gửi liên thông tới")
        title.setStyleSheet("font-weight: 700;")
        self.note = QLabel("Đang lấy danh bạ liên thông…")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #495057;")
        self.organs = QListWidget()
        self.organs.setAlternatingRowColors(True)
        self.organs.setMinimumWidth(340)
        self.organs.itemChanged.connect(lambda _item: self.changed())
        self.status_title = QLabel("Trạng thái tại từng nơi nhận")
        self.status_title.setStyleSheet("font-weight: 700;")
        self.table = _table(("Nơi nhận", "Trạng thái", "Lúc"))
        self.table.setWordWrap(False)  # one line a recipient; the full name in the tooltip
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        for widget in (self.status_title, self.table):
            widget.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(self.organs, 3)
        layout.addWidget(self.note)
        layout.addWidget(self.status_title)
        layout.addWidget(self.table, 2)

    def load(self) -> None:
        """The directory, and the statuses of what was sent already (a numbered document may
        have been sent before it was issued, by `clerk send`)."""
        data_dir, doc = self.data_dir, self.document_id

        def work() -> tuple[dict[str, Any], dict[str, Any] | None]:
            with ExchangeDesk(data_dir) as desk:
                found = desk.directory(doc)
                status = desk.delivery_status(doc) if found["connected"] else None
            return found, status

        def done(answer: tuple[dict[str, Any], dict[str, Any] | None]) -> None:
            self.show_directory(answer[0])
            if answer[1] is not None:
                self.show_status(answer[1])
                self.mark_sent(answer[1])

        run_in_background(work, done, self._failed, owner=self)

    def _failed(self, error: BaseException) -> None:
        self.note.setText(describe(error).one_line())
        self.note.setStyleSheet("color: #a4161a;")

    def show_directory(self, data: dict[str, Any]) -> None:
        self.connected = bool(data["connected"])
        self.organs.blockSignals(True)
        self.organs.clear()
        for o in sorted(data["organs"], key=lambda o: (o["external"], not o["suggested"])):
            where = "ngoài hệ thống, qua trục liên thông" if o["external"] else "trên máy chủ"
            item = QListWidgetItem(f"{o['name']}\n{o['organ_id']} · {where}")
            item.setData(Qt.ItemDataRole.UserRole, o["organ_id"])
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if o["suggested"] else Qt.CheckState.Unchecked)
            self.organs.addItem(item)
        self.organs.blockSignals(False)
        if not self.connected:
            self.note.setText("Bàn chưa kết nối máy chủ: chỉ phát hành, không gửi liên thông.")
        elif not data["organs"]:
            self.note.setText("Danh bạ liên thông chưa có cơ quan nào để gửi.")
        else:
            ticked = len(self.chosen())
            self.note.setText(
                f"Đã chọn sẵn {ticked} nơi theo «Nơi nhận» của văn bản."
                + (
                    ""
                    if data["online"]
                    else " (Mất kết nối: danh bạ lần trước; sẽ gửi khi có mạng.)"
                )
            )
        self.organs.setEnabled(self.connected)
        self.changed()

    def mark_sent(self, data: dict[str, Any]) -> None:
        """Agencies the document went to already: shown, not ticked, not offered again."""
        sent = {r["organ_id"].upper() for r in data["recipients"]}
        self.organs.blockSignals(True)
        for i in range(self.organs.count()):
            item = self.organs.item(i)
            if str(item.data(Qt.ItemDataRole.UserRole)).upper() in sent:
                item.setCheckState(Qt.CheckState.Unchecked)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                item.setText(item.text() + " · đã gửi")
        self.organs.blockSignals(False)
        if sent:
            left = len(self.chosen())
            self.note.setText(
                f"Đã gửi tới {len(sent)} nơi"
                + (f"; chọn thêm {left} nơi theo «Nơi nhận»." if left else ".")
            )
        self.changed()

    def chosen(self) -> list[str]:
        return [
            str(self.organs.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.organs.count())
            if self.organs.item(i).checkState() == Qt.CheckState.Checked
        ]

    def refresh_status(self) -> None:
        data_dir, doc = self.data_dir, self.document_id

        def work() -> dict[str, Any]:
            with ExchangeDesk(data_dir) as desk:
                return desk.delivery_status(doc)

        def done(data: dict[str, Any]) -> None:
            self.show_status(data)
            self.mark_sent(data)

        run_in_background(work, done, self._failed, owner=self)

    def show_status(self, data: dict[str, Any]) -> None:
        rows = data["recipients"]
        for widget in (self.status_title, self.table):
            widget.setVisible(bool(rows))
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            last = r["history"][-1]["at"] if r["history"] else ""
            label = EXCHANGE_STATUS_LABELS.get(r["status"], r["status"])
            if r["reason"]:
                label += f" ({REFUSAL_WORDS.get(r['reason'], r['reason'])})"
            cells = [
                _cell(r["name"] or r["organ_id"]),
                _cell(label, STATUS_COLOURS.get(r["status"]), True),
                _cell(_when(last) if last else ""),
            ]
            for col, cell in enumerate(cells):
                self.table.setItem(i, col, cell)
        self.table.resizeRowsToContents()
        if rows and not data["online"]:
            self.status_title.setText("Trạng thái tại từng nơi nhận (ngoại tuyến: lần xem trước)")
