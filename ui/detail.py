"""The document detail pane: fields, files with a page preview, history; reads via the facade."""

from __future__ import annotations

import html
import logging
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from clerk_app import field_rules, lifecycle
from clerk_app.instructions import document_state
from clerk_app.messages import field_name, state_name
from clerk_app.records import AuditRecord, DocumentDetail, FileInfo
from ui import errors as presenter
from ui import formatting as fmt
from ui.preview import PagePreview
from ui.workers import run_in_background

EXTRA_LABELS = {
    "register": "Sổ đăng ký",
    "status": "Trạng thái",
    "has_paper": "Bản giấy",
    "electronic_only": "Chỉ bản điện tử",
    "handed_over_to": "Đã chuyển cho",
    "handed_over_at": "Ngày chuyển",
    "cancelled_at": "Ngày hủy",
    "cancel_reason": "Lý do hủy",
    "pages": "Số trang",
}
INCOMING_ORDER = (
    "register",
    "number",
    "received_at",
    "issuer",
    "reference",
    "issued_on",
    "doc_type",
    "subject",
    "urgency",
    "source_channel",
    "pages",
    "has_paper",
    "recipients",
    "handed_over_to",
    "handed_over_at",
    "notes",
    "status",
    "cancelled_at",
    "cancel_reason",
)
OUTGOING_ORDER = (
    "register",
    "reference",
    "issued_on",
    "doc_type",
    "subject",
    "signer",
    "unit_code",
    "recipients",
    "urgency",
    "electronic_only",
    "copies",
    "file_copy_holder",
    "pages",
    "handed_over_to",
    "handed_over_at",
    "notes",
    "status",
    "cancelled_at",
    "cancel_reason",
)
MOMENT_FIELDS = set(field_rules.MOMENT_FIELDS)
DAY_FIELDS = {"issued_on"}

ACTION_LABELS = {
    "register_incoming": "Đăng ký văn bản đến",
    "register_outgoing": "Cấp số văn bản đi",
    "correct": "Sửa thông tin",
    "cancel": "Hủy văn bản",
    "hand_over": "Chuyển giao",
    "attach_files": "Đính kèm tệp",
    "file_stamped": "Đóng dấu đến lên bản quét",
    "file_signed": "Ký số",
    "file_numbered": "Ghi số, ngày lên văn bản",
    "file_issued": "Phát hành",
    "ocr_text_set": "Lưu chữ nhận dạng để tìm kiếm",
    "route": "Chuyển xử lý theo ý kiến chỉ đạo",
    "instruct": "Nhập ý kiến chỉ đạo",
    "instruction": "Nhập ý kiến chỉ đạo",
    "revise_instruction": "Sửa ý kiến chỉ đạo",
    "assignment": "Giao xử lý",
    "complete_assignment": "Đơn vị xử lý báo xong",
    "expect_reply": "Theo dõi văn bản trả lời",
    "hand_over_paper": "Chuyển giao bản giấy",
    "sign_receipt": "Ký nhận bản giấy",
}
# An action this screen has no words for yet is never shown by its code name.
OTHER_ACTION = "Thay đổi khác"
ROLE_LABELS = {
    "original": "bản gốc",
    "rendition": "bản PDF chuyển từ ảnh",
    "stamped": "bản đã đóng dấu đến",
    "signed": "bản đã ký số",
    "numbered": "bản đã ghi số, ngày",
    "issued": "bản phát hành",
}
log = logging.getLogger(__name__)
# Files kept only to make the document searchable; the clerk has nothing to look at in them.
HIDDEN_ROLES = {"ocr_text"}


def _label(direction: str, field: str) -> str:
    if field == "number":
        return "Số đến" if direction == "incoming" else "Số"
    if field == "recipients" and direction == "outgoing":
        return "Nơi nhận"
    return EXTRA_LABELS.get(field) or field_name(field)


def _show(field: str, value: object) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if field in MOMENT_FIELDS:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return fmt.moment(moment)
    if field in DAY_FIELDS:
        day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        return fmt.day(day)
    if field == "status":
        return fmt.STATUS_LABELS.get(str(value), str(value))
    return str(value)


def _history_text(record: AuditRecord) -> str:
    d = record.details
    if record.action in ("correct", "route", "revise_instruction"):
        changes = d.get("changes", {})
        parts = []
        if isinstance(changes, dict):
            for name, pair in changes.items():
                if isinstance(pair, list | tuple) and len(pair) == 2:
                    parts.append(
                        f"{field_name(name)}: «{_show(name, pair[0])}» → «{_show(name, pair[1])}»"
                    )
        return "; ".join(parts) + (f" (lý do: {d.get('reason')})" if d.get("reason") else "")
    if record.action == "cancel":
        return f"Lý do: {d.get('reason', '')}"
    if record.action == "hand_over":
        return f"Chuyển cho {d.get('to', '')}"
    if record.action == "attach_files":
        files = d.get("files", [])
        if isinstance(files, list):
            names = [
                str(f.get("filename")) for f in files if isinstance(f, dict) and f.get("filename")
            ]
            return ", ".join(names)
    if record.action.startswith("register_"):
        number = d.get("number")
        reference = d.get("reference")
        if record.action == "register_outgoing" and reference:
            return f"Số {reference}"
        return f"Số đến {number}" if number is not None else ""
    return ""


def history_html(records: list[AuditRecord]) -> str:
    """The audit entries of a document, newest first, as rich text for the history tab."""
    rows = []
    for record in reversed(records):
        what = html.escape(ACTION_LABELS.get(record.action, OTHER_ACTION))
        detail = html.escape(_history_text(record))
        meta = html.escape(
            f"{fmt.moment(record.at)} · {record.actor}"
            + (f" · máy {record.station}" if record.station else "")
        )
        rows.append(
            "<tr><td style='padding:6px 4px; border-bottom:1px solid #e9ecef'>"
            f"<b>{what}</b>"
            + (f" — {detail}" if detail else "")
            + f"<br><span style='color:#6c757d'>{meta}</span></td></tr>"
        )
    if not rows:
        return "<p style='color:#6c757d'>Chưa có thay đổi nào.</p>"
    return "<table width='100%' cellspacing='0'>" + "".join(rows) + "</table>"


def file_label(info: FileInfo) -> str:
    size = (
        f"{info.size / 1024:.0f} KB"
        if info.size < 1024 * 1024
        else (f"{info.size / 1024 / 1024:.1f} MB")
    )
    pages = f", {info.pages} trang" if info.pages else ""
    role = ROLE_LABELS.get(info.role, info.role)
    return f"{info.filename} ({role}{pages}, {size})"


class DetailPane(QWidget):
    """Shows one document; loads it off the GUI thread; offers handover, files, cancel."""

    hand_over_requested = Signal(str)
    attach_requested = Signal(str)
    cancel_requested = Signal(str)
    verify_file_requested = Signal(str, str)  # sha256, filename of the file shown
    issue_requested = Signal(str)

    def __init__(self, workspace: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.detail: DocumentDetail | None = None
        self.instructions: list[Any] = []
        self.document_id: str | None = None
        self._generation = 0
        self.loading = False

        self.title = QLabel()
        self.title.setStyleSheet("font-size: 17px; font-weight: 700;")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subtitle = QLabel()
        self.subtitle.setWordWrap(True)
        self.subtitle.setStyleSheet("color: #495057;")
        self.badge = QLabel()
        # «THƯỢNG KHẨN — cần chuyển giao ngay» is wider than the narrow detail pane: wrap it.
        self.badge.setWordWrap(True)
        self.badge.hide()
        # Where the document is in its life cycle (clerk_app.lifecycle), read from the record.
        self.state_label = QLabel()
        self.state_label.setStyleSheet("color: #1f3a5f; font-weight: 600;")

        self.hand_over_button = QPushButton("Chuyển giao…")
        self.hand_over_button.setToolTip("Chuyển giao văn bản cho đơn vị, người xử lý (Ctrl+G)")
        self.hand_over_button.clicked.connect(self._emit(self.hand_over_requested))
        self.attach_button = QPushButton("Đính kèm tệp…")
        self.attach_button.setToolTip("Đính kèm bản quét hoặc tệp điện tử (Ctrl+O)")
        self.attach_button.clicked.connect(self._emit(self.attach_requested))
        self.cancel_button = QPushButton("Hủy văn bản…")
        self.cancel_button.setToolTip("Hủy đăng ký; số vẫn giữ trong sổ, không cấp lại")
        self.cancel_button.clicked.connect(self._emit(self.cancel_requested))
        self.issue_button = QPushButton("Phát hành…")
        self.issue_button.setToolTip("Ghi số, ngày và ký số cơ quan (Ctrl+Shift+P)")
        self.issue_button.clicked.connect(self._emit(self.issue_requested))
        # Two rows of two: four buttons in one row made the pane (and so the window) wider
        # than a 1366-pixel screen once «Phát hành» joined them.
        actions = QGridLayout()
        actions.addWidget(self.issue_button, 0, 0)
        actions.addWidget(self.hand_over_button, 0, 1)
        actions.addWidget(self.attach_button, 1, 0)
        actions.addWidget(self.cancel_button, 1, 1)
        actions.setColumnStretch(2, 1)

        # Fields.
        self.fields_form = QFormLayout()
        self.fields_form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.fields_form.setHorizontalSpacing(14)
        self.fields_form.setVerticalSpacing(6)
        fields_box = QWidget()
        fields_box.setLayout(self.fields_form)
        fields_scroll = QScrollArea()
        fields_scroll.setWidgetResizable(True)
        fields_scroll.setWidget(fields_box)
        fields_scroll.setFrameShape(QScrollArea.Shape.NoFrame)

        # Files.
        self.file_list = QListWidget()
        self.file_list.currentItemChanged.connect(self._preview_file)
        self.preview = PagePreview()
        self.verify_button = QPushButton("Kiểm tra chữ ký…")
        self.verify_button.setToolTip("Kiểm tra các chữ ký số trong tệp đang chọn")
        self.verify_button.clicked.connect(self._verify_current_file)
        files_top = QWidget()
        files_top_layout = QVBoxLayout(files_top)
        files_top_layout.setContentsMargins(0, 0, 0, 0)
        files_top_layout.addWidget(self.file_list, 1)
        files_top_layout.addWidget(self.verify_button, 0, Qt.AlignmentFlag.AlignRight)
        files_split = QSplitter(Qt.Orientation.Vertical)
        files_split.addWidget(files_top)
        files_split.addWidget(self.preview)
        files_split.setSizes([90, 500])
        files_split.setChildrenCollapsible(False)

        # History: newest first, each entry what was done, then when, by whom, where.
        self.history = QTextBrowser()
        self.history.setOpenLinks(False)
        self.history.setStyleSheet("QTextBrowser { background: #ffffff; }")

        self.tabs = QTabWidget()
        self.tabs.addTab(fields_scroll, "Thông tin")
        self.tabs.addTab(files_split, "Tệp")
        self.tabs.addTab(self.history, "Lịch sử")

        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        content_layout.addWidget(self.title)
        content_layout.addWidget(self.subtitle)
        content_layout.addWidget(self.badge)
        content_layout.addWidget(self.state_label)
        content_layout.addLayout(actions)
        content_layout.addWidget(self.tabs, 1)

        self.placeholder = QLabel(
            "Chọn một văn bản trong danh sách để xem chi tiết.\n\n"
            "Enter: mở chi tiết · Ctrl+N: đăng ký văn bản đến · Ctrl+F: tìm kiếm"
        )
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setStyleSheet("color: #6c757d;")
        self.placeholder.setWordWrap(True)

        self.stack = QStackedWidget()
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addWidget(self.stack)
        self.setMinimumWidth(380)

    def _emit(self, signal: Any) -> Any:
        def fire() -> None:
            if self.document_id is not None:
                signal.emit(self.document_id)

        return fire

    # --- loading -------------------------------------------------------------------------------

    def clear(self) -> None:
        self._generation += 1
        self.detail = None
        self.document_id = None
        self.loading = False
        self.preview.clear()
        self.stack.setCurrentIndex(0)

    def show_document(self, document_id: str | None) -> None:
        """Load and show a document (off the GUI thread); None shows the placeholder."""
        if document_id is None:
            self.clear()
            return
        self._generation += 1
        generation = self._generation
        self.document_id = document_id
        self.loading = True

        def done(loaded: Any) -> None:
            if generation == self._generation:
                self.loading = False
                detail, self.instructions = loaded
                self._fill(detail)
                if detail.summary.direction == "incoming":
                    self._refine_state(generation, document_id)

        def failed(error: BaseException) -> None:
            if generation == self._generation:
                self.loading = False
                # A pane whose window was closed meanwhile (its desk closing) has no one to tell.
                if self.window().isVisible():
                    presenter.present(error, self)

        run_in_background(lambda: self._load(document_id), done, failed, owner=self)

    def _load(self, document_id: str) -> tuple[DocumentDetail, list[Any]]:
        """The document and its leader's instructions (none when that part cannot be read)."""
        from clerk_app.errors import ClerkError
        from clerk_app.instructions.secretary import Secretary

        detail = self.workspace.document(document_id)
        try:
            instructions = list(Secretary(self.workspace).instructions_for(document_id))
        except (ClerkError, AttributeError):  # a desk without the instruction tables
            instructions = []
        return detail, instructions

    def _instruction_rows(self) -> list[tuple[str, str]]:
        """The Thông tin tab's lines for the leader's instruction, deadline and handlers."""
        rows: list[tuple[str, str]] = []
        for info in self.instructions:
            rows.append(("Ý kiến chỉ đạo", f"{info.leader}: {info.text}"))
            if info.deadline is not None:
                rows.append(("Hạn xử lý", fmt.day(info.deadline)))
            handlers = [
                f"{a.handler} ({'chủ trì' if a.role == 'lead' else 'phối hợp'})"
                for a in info.assignments
                if a.kind == "handle"
            ]
            if handlers:
                rows.append(("Đơn vị, người xử lý", "; ".join(handlers)))
        return rows

    def _refine_state(self, generation: int, document_id: str) -> None:
        """An incoming document's state with its instructions (instructed, closed), read after
        the detail is shown; the line above keeps what the detail alone says if this fails."""
        workspace = self.workspace

        def done(read: Any) -> None:
            if generation == self._generation:
                self._show_state(*read)

        def failed(error: BaseException) -> None:
            log.info("state not refined: %s", error)

        run_in_background(
            lambda: document_state.read(workspace, document_id), done, failed, owner=self
        )

    def reload(self) -> None:
        if self.document_id is not None:
            self.show_document(self.document_id)

    def _show_state(self, detail: DocumentDetail, facts: lifecycle.Facts) -> None:
        state = lifecycle.state_of(facts)
        self.state_label.setText(f"Trạng thái: {state_name(state)}")
        # Offered on a numbered outgoing document, and on an issued one to show what went out.
        self.issue_button.setVisible(
            lifecycle.allows(facts, lifecycle.ISSUE) or state == lifecycle.ISSUED
        )
        self.issue_button.setText("Bản phát hành…" if state == lifecycle.ISSUED else "Phát hành…")

    def _fill(self, detail: DocumentDetail) -> None:
        keep_file = (
            self.file_list.currentRow()
            if self.detail and (self.detail.summary.id == detail.summary.id)
            else 0
        )
        self.detail = detail
        s = detail.summary
        self.title.setText(fmt.document_title(s))
        self.subtitle.setText(fmt.type_and_subject(s))
        cancelled = s.status == "cancelled"
        if cancelled:
            self.badge.setText("ĐÃ HỦY — số vẫn giữ trong sổ, không cấp lại")
            self.badge.setStyleSheet(
                "background: #f1f3f5; color: #6c757d; padding: 3px 8px; border-radius: 4px;"
            )
            self.badge.show()
        elif fmt.is_urgent(s.urgency):
            pending = s.direction == "incoming" and s.handed_over_at is None
            self.badge.setText(s.urgency.upper() + (" — cần chuyển giao ngay" if pending else ""))
            self.badge.setStyleSheet(
                "background: #fdecea; color: #a4161a; font-weight: 700; padding: 3px 8px;"
                " border-radius: 4px;"
            )
            self.badge.show()
        else:
            self.badge.hide()
        self._show_state(detail, lifecycle.facts_of(detail))
        self.hand_over_button.setEnabled(not cancelled)
        self.attach_button.setEnabled(not cancelled)
        self.cancel_button.setEnabled(not cancelled)

        while self.fields_form.rowCount():
            self.fields_form.removeRow(0)
        order = INCOMING_ORDER if s.direction == "incoming" else OUTGOING_ORDER
        for field in order:
            if field == "status":
                continue  # the life-cycle line above says it, cancellation included
            text = _show(field, detail.fields.get(field))
            if not text and field not in ("issuer", "reference", "subject", "recipients"):
                continue
            value = QLabel(text or "—")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            if field in ("number", "reference"):
                value.setStyleSheet("font-weight: 700;")
            label = QLabel(_label(s.direction, field) + ":")
            label.setStyleSheet("color: #495057;")
            self.fields_form.addRow(label, value)
        for name, text in self._instruction_rows():
            value = QLabel(text)
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label = QLabel(name + ":")
            label.setStyleSheet("color: #495057;")
            self.fields_form.addRow(label, value)

        self.file_list.blockSignals(True)
        self.file_list.clear()
        shown = [f for f in detail.files if f.role not in HIDDEN_ROLES]
        for info in shown:
            item = QListWidgetItem(file_label(info))
            item.setData(Qt.ItemDataRole.UserRole, info.sha256)
            item.setToolTip(f"SHA-256: {info.sha256}")
            self.file_list.addItem(item)
        self.file_list.blockSignals(False)
        self.tabs.setTabText(1, f"Tệp ({len(shown)})")
        if shown:
            self.file_list.setCurrentRow(min(max(keep_file, 0), len(shown) - 1))
            self._preview_file(self.file_list.currentItem())
        else:
            self.preview.clear("Văn bản chưa có tệp. Đính kèm bằng Ctrl+O hoặc kéo thả tệp.")

        self.history.setHtml(history_html(detail.history))
        self.tabs.setTabText(2, f"Lịch sử ({len(detail.history)})")
        self.stack.setCurrentIndex(1)

    def _verify_current_file(self) -> None:
        item = self.file_list.currentItem()
        info = next(
            (
                f
                for f in (self.detail.files if self.detail else [])
                if item is not None and f.sha256 == item.data(Qt.ItemDataRole.UserRole)
            ),
            None,
        )
        if info is not None:
            self.verify_file_requested.emit(info.sha256, info.filename)

    def _preview_file(self, item: QListWidgetItem | None) -> None:
        if item is None:
            self.preview.clear()
            self.verify_button.setEnabled(False)
            return
        sha = str(item.data(Qt.ItemDataRole.UserRole))
        # Only a PDF can carry a signature; an image scan has nothing to check.
        media = next(
            (f.media_type for f in (self.detail.files if self.detail else []) if f.sha256 == sha),
            "",
        )
        self.verify_button.setEnabled(media == "application/pdf")
        workspace = self.workspace
        self.preview.set_source(item.text(), lambda: bytes(workspace.file_bytes(sha)))
