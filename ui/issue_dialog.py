"""«Phát hành»: the page with the register's number and date in place, the PIN, the result.

A thin shell over clerk_app.signing.issuing: the preview, the issuing (off the GUI thread,
one PIN for number, date and agency seal) and the states come from the core. The PIN lives
only in the field and is cleared as soon as it has been handed over; it is never retried.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from clerk_app import lifecycle
from clerk_app.messages import describe, state_name
from clerk_app.records import Change, DocumentDetail
from clerk_app.signing import issuing
from clerk_app.signing.desk import SigningSettings
from ui import formatting as fmt
from ui.workers import run_in_background

PREVIEW_ZOOM = 1.25  # an A4 page 744 px wide: the 13 pt number and date read at a glance
PREVIEW_TOP = 0.42  # the header: agency, number, place and date, the document's title
OK_STYLE = "color: #1b5e20; font-weight: 700;"
PROBLEM_STYLE = "color: #a4161a;"


class IssueDialog(QDialog):
    """Issue one outgoing document; `issued` carries the core's Change once it is stored."""

    issued = Signal(object)

    def __init__(
        self,
        workspace: Any,
        document_id: str,
        settings: SigningSettings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.document_id = document_id
        self.settings = settings
        self.change: Change | None = None
        self.busy = False
        self.issued_shown = False
        self.setWindowTitle("Phát hành văn bản")
        detail: DocumentDetail = workspace.document(document_id)
        s = detail.summary

        self.title = QLabel(fmt.document_title(s))
        self.title.setStyleSheet("font-size: 16px; font-weight: 700;")
        facts = QFormLayout()
        facts.setHorizontalSpacing(12)
        facts.setVerticalSpacing(3)
        facts.addRow("Ngày văn bản:", QLabel(fmt.day(s.issued_on)))
        subject = QLabel(fmt.type_and_subject(s))
        subject.setWordWrap(True)
        facts.addRow("Trích yếu:", subject)
        facts.addRow("Người ký:", QLabel(s.signer))
        self.recipients = QLabel(s.recipients or "—")
        self.recipients.setWordWrap(True)
        facts.addRow("Nơi nhận:", self.recipients)
        self.state = QLabel()
        facts.addRow("Trạng thái:", self.state)

        self.page = QLabel("Đang dựng trang xem trước…")
        self.page.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.page.setStyleSheet("QLabel { background: #ffffff; }")
        scroll = QScrollArea()
        scroll.setWidget(self.page)
        scroll.setWidgetResizable(True)
        scroll.setMinimumHeight(300)
        scroll.setStyleSheet("QScrollArea { background: #e9ecef; border: 1px solid #ced4da; }")
        self.preview_note = QLabel(
            "Số và ngày (tô vàng) lấy từ sổ đăng ký, đặt vào chỗ trống của dự thảo như trên."
        )
        self.preview_note.setStyleSheet("color: #495057;")

        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText("Mã PIN của USB ký số")
        self.pin.returnPressed.connect(self.issue)
        self.pin_label = QLabel(f"Mã PIN ({settings.token_label or 'USB ký số'}):")
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.issue_button = QPushButton("&Phát hành")
        self.issue_button.setDefault(True)
        self.issue_button.setToolTip(
            "Ghi số, ngày và ký số cơ quan bằng USB ký số (một lần nhập PIN)"
        )
        self.issue_button.clicked.connect(self.issue)
        close = QPushButton("Đóng")
        close.clicked.connect(self.reject)
        pin_row = QHBoxLayout()
        pin_row.addWidget(self.pin_label)
        pin_row.addWidget(self.pin, 1)
        pin_row.addWidget(self.issue_button)
        pin_row.addStretch(0)
        pin_row.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(facts)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.preview_note)
        layout.addWidget(self.outcome)
        layout.addLayout(pin_row)
        self.resize(820, 680)  # fits a 1366×768 screen with the taskbar
        self._show_state(detail)
        self._load_preview()

    # --- showing -------------------------------------------------------------------------------

    def _show_state(self, detail: DocumentDetail) -> None:
        facts = lifecycle.facts_of(detail)
        state = lifecycle.state_of(facts)
        self.state.setText(state_name(state))
        can_issue = lifecycle.allows(facts, lifecycle.ISSUE)
        for widget in (self.pin, self.pin_label, self.issue_button):
            widget.setVisible(can_issue)
        self.issued_shown = state == lifecycle.ISSUED
        if state == lifecycle.ISSUED:
            issued = [f for f in detail.files if f.role == "issued"][-1]
            self.preview_note.setText("Trên đây là bản đã phát hành, có chữ ký số cơ quan.")
            self._say(
                f"Đã phát hành: {issued.filename}, lúc {fmt.moment(issued.added_at)}. "
                f"Gửi tới: {detail.summary.recipients or '—'}.",
                OK_STYLE,
            )
        elif not can_issue:
            self._say(f"Văn bản đang ở bước «{state_name(state)}»: không phát hành được.")
        if can_issue:
            self.pin.setFocus()

    def _say(self, text: str, style: str = PROBLEM_STYLE) -> None:
        self.outcome.setText(text)
        self.outcome.setStyleSheet(style)

    def _load_preview(self) -> None:
        workspace, document_id = self.workspace, self.document_id

        def done(png: Any) -> None:
            pixmap = QPixmap()
            pixmap.loadFromData(png)
            self.page.setPixmap(pixmap)

        def failed(error: BaseException) -> None:
            self.page.setText(describe(error).one_line())

        # The header until issued; then the whole page, the seal included (it scrolls).
        top = 1.0 if self.issued_shown else PREVIEW_TOP
        run_in_background(
            lambda: issuing.preview_png(workspace, document_id, PREVIEW_ZOOM, top),
            done,
            failed,
            owner=self,
        )

    # --- issuing -------------------------------------------------------------------------------

    def issue(self) -> None:
        if self.busy or not self.issue_button.isVisible():
            return
        pin = self.pin.text()
        self.pin.clear()
        if not pin:
            self._say("Chưa nhập mã PIN của USB ký số.")
            self.pin.setFocus()
            return
        self.busy = True
        self.issue_button.setEnabled(False)
        self._say("Đang ghi số, ngày và ký số cơ quan…", "color: #495057;")
        workspace, document_id, settings = self.workspace, self.document_id, self.settings
        run_in_background(
            lambda: issuing.issue(workspace, document_id, pin, settings),
            self._issued,
            self._failed,
            owner=self,
        )

    def _issued(self, change: Any) -> None:
        self.busy = False
        self.issue_button.setEnabled(True)
        self.change = change
        self._show_state(self.workspace.document(self.document_id))
        self._load_preview()
        self.issued.emit(change)

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self.issue_button.setEnabled(True)
        self._say(describe(error).one_line())
        self.pin.setFocus()
