"""«Phát hành»: the page with the register's number and date in place, the recipients it goes
to electronically, the PIN, the result and then where it is at each recipient.

A thin shell over clerk_app.signing.issuing and sync.delivery.send_document: the preview, the
issuing (off the GUI thread, one PIN for number, date and agency seal), the sending and the
states come from the core. Issuing and sending are one press: the document goes to the ticked
agencies as soon as it is issued, the package dated when the clerk pressed. The PIN lives only
in the field and is cleared as soon as it has been handed over; it is never retried.
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
from clerk_app.errors import ClerkError
from clerk_app.messages import describe, state_name
from clerk_app.records import Change, DocumentDetail
from clerk_app.signing import issuing
from clerk_app.signing.desk import SigningSettings
from sync.delivery import send_document
from ui import formatting as fmt
from ui.exchange_views import RecipientsPanel
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
        self.recipients_panel = RecipientsPanel(workspace.data_dir, document_id, self)
        self.recipients_panel.changed = self._label_buttons
        self.send_button = QPushButton("&Gửi liên thông")
        self.send_button.setToolTip("Gửi bản đã phát hành tới các nơi đã chọn")
        self.send_button.clicked.connect(self.send)

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
        pin_row.addWidget(self.send_button)
        pin_row.addStretch(0)
        pin_row.addWidget(close)

        page = QVBoxLayout()
        page.addWidget(scroll, 1)
        page.addWidget(self.preview_note)
        middle = QHBoxLayout()
        middle.addLayout(page, 5)
        middle.addWidget(self.recipients_panel, 4)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(facts)
        layout.addLayout(middle, 1)
        layout.addWidget(self.outcome)
        layout.addLayout(pin_row)
        self.resize(1240, 690)  # fits a 1366×768 screen with the taskbar
        self._show_state(detail)
        self._load_preview()
        self.recipients_panel.load()

    # --- showing -------------------------------------------------------------------------------

    def _show_state(self, detail: DocumentDetail) -> None:
        facts = lifecycle.facts_of(detail)
        state = lifecycle.state_of(facts)
        self.state.setText(state_name(state))
        can_issue = lifecycle.allows(facts, lifecycle.ISSUE)
        for widget in (self.pin, self.pin_label, self.issue_button):
            widget.setVisible(can_issue)
        self.issued_shown = state == lifecycle.ISSUED
        self.send_button.setVisible(self.issued_shown)
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
        else:
            try:
                issuing.preflight(self.workspace, self.document_id)
            except ClerkError as error:
                # Said before the PIN is typed, not after (an unsigned draft, mostly).
                self._say(describe(error).one_line())
                self.issue_button.setEnabled(False)
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

    def _label_buttons(self) -> None:
        """The press says what it will do: issue, or issue and send to N agencies."""
        n = len(self.recipients_panel.chosen())
        self.issue_button.setText(f"&Phát hành và gửi ({n} nơi)" if n else "&Phát hành")
        self.send_button.setEnabled(n > 0 and not self.busy)

    # --- issuing -------------------------------------------------------------------------------

    def issue(self) -> None:
        if self.busy or not (self.issue_button.isVisible() and self.issue_button.isEnabled()):
            return
        pin = self.pin.text()
        self.pin.clear()
        if not pin:
            self._say("Chưa nhập mã PIN của USB ký số.")
            self.pin.setFocus()
            return
        pressed = self.workspace.now_in_vietnam()  # the package's time: now, not when written
        to = self.recipients_panel.chosen()
        self.busy = True
        self.issue_button.setEnabled(False)
        self._say("Đang ghi số, ngày và ký số cơ quan…", "color: #495057;")
        workspace, document_id, settings = self.workspace, self.document_id, self.settings
        data_dir = workspace.data_dir

        def work() -> tuple[Change, Any, ClerkError | None]:
            change = issuing.issue(workspace, document_id, pin, settings)
            return (change, *_send(data_dir, document_id, to, pressed))

        run_in_background(work, self._issued, self._failed, owner=self)

    def send(self) -> None:
        """An issued document sent (again) to the ticked agencies; a repeat reaches no one twice."""
        to = self.recipients_panel.chosen()
        if self.busy or not to:
            return
        pressed = self.workspace.now_in_vietnam()
        self.busy = True
        self.send_button.setEnabled(False)
        self._say("Đang gửi liên thông…", "color: #495057;")
        data_dir, document_id = self.workspace.data_dir, self.document_id

        def done(answer: tuple[Any, ClerkError | None]) -> None:
            self.busy = False
            self._label_buttons()
            self._show_sent(*answer)

        run_in_background(
            lambda: _send(data_dir, document_id, to, pressed), done, self._failed, owner=self
        )

    def _issued(self, answer: tuple[Change, Any, ClerkError | None]) -> None:
        change, outcome, send_error = answer
        self.busy = False
        self.issue_button.setEnabled(True)
        self.change = change
        self._show_state(self.workspace.document(self.document_id))
        self._load_preview()
        self.issued.emit(change)
        self._show_sent(outcome, send_error, issued=True)

    def _show_sent(self, outcome: Any, error: ClerkError | None, *, issued: bool = False) -> None:
        """What the send did, in one line under the issuing's, and the per-recipient table."""
        head = self.outcome.text() + "\n" if issued else ""
        if error is not None:
            # Issued all the same: the document is kept; the clerk sends again from here.
            self._say(head + "Chưa gửi liên thông được: " + describe(error).one_line())
            return
        if outcome is None:
            return
        if outcome.queued:
            self._say(head + "Mất kết nối máy chủ: văn bản chờ gửi, sẽ tự gửi khi có mạng.")
        else:
            delivered = [
                r for r in outcome.recipients if r["outcome"] in ("delivered", "duplicate")
            ]
            self._say(
                head + f"Đã gửi liên thông tới {len(delivered)}/{len(outcome.recipients)} nơi.",
                OK_STYLE,
            )
        self.recipients_panel.refresh_status()

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self.issue_button.setEnabled(True)
        self._label_buttons()
        self._say(describe(error).one_line())
        self.pin.setFocus()


def _send(
    data_dir: Any, document_id: str, to: list[str], pressed: Any
) -> tuple[Any, ClerkError | None]:
    """The send after issuing: its outcome, or the refusal (the issuing stands either way)."""
    if not to:
        return None, None
    try:
        return send_document(data_dir, document_id, to, at=pressed), None
    except ClerkError as error:
        return None, error
