"""Dialogs for the agency's token and signatures: PIN, token/certificate chooser, verification panel.

A thin shell over clerk_app.signing: no signing logic here. The PIN lives only in the line edit
until the dialog returns it, and the edit is cleared then; nothing keeps it.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from clerk_app.clock import to_vietnam
from clerk_app.errors import ClerkError
from clerk_app.messages import describe
from clerk_app.records import Change
from clerk_app.signing import token as tokens
from clerk_app.signing.desk import SigningSettings
from clerk_app.signing.verify import DOCUMENT_TIMESTAMP, SignatureCheck
from ui import errors as presenter
from ui.workers import run_in_background

LEVEL_NAMES = {
    "none": "Không thay đổi",
    "lta_updates": "Chỉ thêm dữ liệu kiểm tra lâu dài",
    "form_filling": "Thêm chữ ký / điền biểu mẫu (được phép)",
    "annotations": "Thêm ghi chú (không được phép)",
    "other": "Sửa nội dung (không được phép)",
}


def _when(moment: datetime | None) -> str:
    return "" if moment is None else to_vietnam(moment).strftime("%d/%m/%Y %H:%M:%S")


class PinDialog(QDialog):
    """Asks the token's PIN for one signing; shows why it asks again after a wrong PIN."""

    def __init__(
        self, token_label: str, problem: ClerkError | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Nhập mã PIN của USB ký số")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"USB ký số: <b>{token_label or 'không tên'}</b>"))
        if problem is not None:
            warning = QLabel(describe(problem).one_line())
            warning.setWordWrap(True)
            warning.setStyleSheet("color: #a00000;")
            warning.setObjectName("pinProblem")
            layout.addWidget(warning)
        self.pin_edit = QLineEdit()
        self.pin_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_edit.setPlaceholderText("Mã PIN")
        layout.addWidget(self.pin_edit)
        note = QLabel("Mã PIN không được lưu. Nhập sai nhiều lần, USB ký số sẽ bị khóa.")
        note.setWordWrap(True)
        layout.addWidget(note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Ký")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Hủy")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def take_pin(self) -> str:
        """The PIN typed, and the field emptied (the caller uses it once, then drops it)."""
        pin = self.pin_edit.text()
        self.pin_edit.clear()
        return pin


def ask_pin(
    token_label: str, problem: ClerkError | None = None, parent: QWidget | None = None
) -> str | None:
    """The PIN for one login, or None if the clerk cancels. Called again only by the clerk's action."""
    dialog = PinDialog(token_label, problem, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        dialog.take_pin()
        return None
    return dialog.take_pin()


class TokenChooser(QDialog):
    """Pick the driver (a preset or a file), the token, and the certificate to sign with."""

    def __init__(self, parent: QWidget | None = None, platform: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Chọn USB ký số và chứng thư số")
        self.resize(640, 420)
        form = QFormLayout()
        self.module_box = QComboBox()
        self.module_box.setEditable(True)
        for preset in tokens.presets(platform):
            self.module_box.addItem(preset.name, preset.path)
        browse = QPushButton("Chọn tệp…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.module_box, 1)
        row.addWidget(browse)
        form.addRow("Trình điều khiển:", row)
        self.token_box = QComboBox()
        form.addRow("USB ký số:", self.token_box)
        self.cert_list = QListWidget()
        form.addRow("Chứng thư số:", self.cert_list)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setObjectName("chooserStatus")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Chọn")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Hủy")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.module_box.currentIndexChanged.connect(self.refresh_tokens)
        self.token_box.currentIndexChanged.connect(self.refresh_certificates)

    def module_path(self) -> str:
        data = self.module_box.currentData()
        return str(data) if data else self.module_box.currentText()

    def select_module(self, path: str) -> None:
        index = self.module_box.findData(path)
        if index < 0:
            self.module_box.addItem(path, path)
            index = self.module_box.count() - 1
        self.module_box.setCurrentIndex(index)
        self.refresh_tokens()

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Chọn trình điều khiển PKCS#11", "", "Thư viện (*.dll *.so *.dylib)"
        )
        if path:
            self.select_module(path)

    def refresh_tokens(self) -> None:
        self.token_box.clear()
        self.cert_list.clear()
        try:
            found = tokens.list_tokens(self.module_path())
        except ClerkError as exc:
            self.status.setText(describe(exc).one_line())
            return
        for info in found:
            self.token_box.addItem(
                f"{info.label} ({info.manufacturer}, số {info.serial})", info.label
            )
        self.status.setText(
            "" if found else "Không thấy USB ký số nào. Cắm USB rồi chọn lại trình điều khiển."
        )
        self.refresh_certificates()

    def refresh_certificates(self) -> None:
        self.cert_list.clear()
        label = self.token_box.currentData()
        if not label:
            return
        try:
            certificates = tokens.list_certificates(self.module_path(), str(label))
        except ClerkError as exc:
            self.status.setText(describe(exc).one_line())
            return
        now = datetime.now().astimezone()
        for cert in certificates:
            state = (
                "hết hạn"
                if cert.expired(now)
                else ("không dùng để ký" if not cert.can_sign else "còn hiệu lực")
            )
            item = QListWidgetItem(
                f"{cert.subject}\nCấp bởi: {cert.issuer} · hiệu lực {cert.not_before:%d/%m/%Y} – {cert.not_after:%d/%m/%Y} ({state})"
            )
            item.setData(Qt.ItemDataRole.UserRole, cert.label)
            if cert.expired(now) or not cert.can_sign:
                item.setForeground(Qt.GlobalColor.gray)
            self.cert_list.addItem(item)
        if self.cert_list.count():
            self.cert_list.setCurrentRow(0)

    def choice(self) -> tokens.TokenChoice | None:
        item = self.cert_list.currentItem()
        label = self.token_box.currentData()
        if item is None or not label:
            return None
        return tokens.TokenChoice(
            self.module_path(), str(label), str(item.data(Qt.ItemDataRole.UserRole))
        )


def _yes(flag: bool) -> str:
    return "Có" if flag else "KHÔNG"


def timestamp_text(check: SignatureCheck) -> str:
    """The timestamp column: when, by which server, and whether to believe it."""
    stamp = check.timestamp
    if check.kind == DOCUMENT_TIMESTAMP:
        return "Dấu thời gian tài liệu"
    if stamp is None:
        return "Không có"
    sound = stamp.intact and stamp.valid
    verdict = (
        "KHÔNG HỢP LỆ"
        if not sound
        else ("hợp lệ, tin cậy" if stamp.trusted else "hợp lệ, chưa xác định tin cậy")
    )
    return f"{_when(stamp.time)} ({verdict})"


def check_details_html(check: SignatureCheck) -> str:
    """Everything known about one signature, for the pane under the table."""
    what = "Dấu thời gian tài liệu" if check.kind == DOCUMENT_TIMESTAMP else "Chữ ký số"
    rows = [
        (what, check.field),
        (
            "Máy chủ cấp dấu thời gian" if check.kind == DOCUMENT_TIMESTAMP else "Người ký",
            check.signer,
        ),
        ("Thời điểm", _when(check.signed_at) or "không ghi"),
        ("Nguyên vẹn (nội dung không bị sửa)", _yes(check.intact)),
        ("Hợp lệ (chữ ký đúng về mật mã)", _yes(check.valid)),
        ("Tin cậy (chứng thư thuộc kho chứng thư tin cậy)", _yes(check.trusted)),
        (
            "Thay đổi sau khi ký",
            LEVEL_NAMES.get(check.modification_level, check.modification_level),
        ),
        (
            "Phạm vi",
            "Toàn bộ tệp"
            if check.covers_whole_file
            else "Tệp có thêm các phiên bản cập nhật sau chữ ký này",
        ),
    ]
    stamp = check.timestamp
    if stamp is not None and check.kind != DOCUMENT_TIMESTAMP:
        rows += [
            ("Dấu thời gian (PAdES B-T)", _when(stamp.time)),
            ("Máy chủ cấp dấu thời gian", stamp.authority),
            ("Dấu thời gian khớp với chữ ký", _yes(stamp.imprint_matches)),
            ("Dấu thời gian nguyên vẹn, hợp lệ", _yes(stamp.intact and stamp.valid)),
            ("Máy chủ cấp dấu thời gian tin cậy", _yes(stamp.trusted)),
        ]
    elif stamp is not None:
        rows.append(("Mã băm trong dấu thời gian khớp với tệp", _yes(stamp.imprint_matches)))
    else:
        rows.append(
            ("Dấu thời gian", "Không có (PAdES B-B): thời điểm ký do máy của người ký tự ghi")
        )
    body = "".join(
        f"<tr><td style='color:#495057; padding-right:12px'>{html.escape(k)}</td>"
        + (
            f"<td style='color:#a4161a'><b>{html.escape(v)}</b></td>"
            if v == "KHÔNG"
            else f"<td>{html.escape(v)}</td>"
        )
        + "</tr>"
        for k, v in rows
    )
    return f"<table cellspacing='2'>{body}</table>"


class SignaturePanel(QWidget):
    """Each signature of a PDF: signer, time, intact, valid, trusted, its timestamp, and what
    changed after it; the selected one in full below."""

    COLUMNS = (
        "Chữ ký",
        "Người ký",
        "Thời điểm ký",
        "Nguyên vẹn",
        "Hợp lệ",
        "Tin cậy",
        "Dấu thời gian",
        "Thay đổi sau khi ký",
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.checks: list[SignatureCheck] = []
        layout = QVBoxLayout(self)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setObjectName("signatureSummary")
        layout.addWidget(self.summary)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.currentCellChanged.connect(lambda row, *_: self._show_details(row))
        self.details = QTextBrowser()
        self.details.setObjectName("signatureDetails")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.details)
        split.setSizes([150, 330])
        split.setChildrenCollapsible(False)
        layout.addWidget(split, 1)

    def show_checks(self, checks: Sequence[SignatureCheck]) -> None:
        self.checks = list(checks)
        self.table.setRowCount(len(checks))
        level_col = self.COLUMNS.index("Thay đổi sau khi ký")
        stamp_col = self.COLUMNS.index("Dấu thời gian")
        for row, c in enumerate(checks):
            values = (
                c.field,
                c.signer,
                _when(c.signed_at),
                _yes(c.intact),
                _yes(c.valid),
                _yes(c.trusted),
                timestamp_text(c),
                LEVEL_NAMES.get(c.modification_level, c.modification_level),
            )
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if (
                    value == "KHÔNG"
                    or (col == level_col and c.modification_level in ("annotations", "other"))
                    or (col == stamp_col and "KHÔNG" in value)
                ):
                    item.setForeground(Qt.GlobalColor.red)
                self.table.setItem(row, col, item)
        if not checks:
            self.summary.setText("Tệp không có chữ ký số nào.")
        elif all(c.sound and c.trusted for c in checks):
            self.summary.setText(f"Cả {len(checks)} chữ ký số đều hợp lệ và tin cậy.")
        elif all(c.sound for c in checks):
            self.summary.setText(
                f"{len(checks)} chữ ký số nguyên vẹn và hợp lệ; có chữ ký chưa xác định được tin cậy "
                "(thêm chứng thư gốc vào kho chứng thư tin cậy: Chữ ký số → Cài đặt ký số)."
            )
        else:
            self.summary.setText("Có chữ ký số không hợp lệ hoặc văn bản bị sửa sau khi ký.")
        if checks:
            self.table.selectRow(0)
            self._show_details(0)
        else:
            self.details.clear()

    def _show_details(self, row: int) -> None:
        if 0 <= row < len(self.checks):
            self.details.setHtml(check_details_html(self.checks[row]))


class VerificationDialog(QDialog):
    """Checks a PDF's signatures off the GUI thread and shows them; another file on request."""

    def __init__(
        self,
        trust_roots: Callable[[], list[bytes]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Kiểm tra chữ ký số")
        self.resize(1240, 640)
        self._trust_roots = trust_roots
        self._generation = 0
        self.checks: list[SignatureCheck] | None = None
        self.problem: BaseException | None = None
        self.file_label = QLabel("")
        self.file_label.setObjectName("verifiedFile")
        self.file_label.setStyleSheet("font-weight: 700;")
        self.file_label.setWordWrap(True)
        self.panel = SignaturePanel()
        note = QLabel(
            "Tin cậy: chứng thư của người ký (và của máy chủ cấp dấu thời gian) được cấp bởi một"
            " chứng thư gốc trong kho chứng thư tin cậy của máy này. Không tải gì từ Internet."
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #6c757d;")
        other = QPushButton("Mở tệp khác…")
        other.clicked.connect(self.choose_file)
        close = QPushButton("Đóng")
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(other)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.file_label)
        layout.addWidget(self.panel, 1)
        layout.addWidget(note)
        layout.addLayout(buttons)

    def choose_file(self) -> bool:
        path, _ = QFileDialog.getOpenFileName(self, "Chọn tệp PDF để kiểm tra chữ ký", "", "*.pdf")
        if not path:
            return False
        chosen = Path(path)
        self.check(chosen.name, chosen.read_bytes)
        return True

    def check(self, name: str, load: Callable[[], bytes]) -> None:
        """Check the file `load` returns (read off the GUI thread too)."""
        from clerk_app.signing.verify import check_signatures

        self._generation += 1
        generation = self._generation
        self.checks = None
        self.problem = None
        self.file_label.setText(f"Tệp: {name}")
        self.panel.summary.setText("Đang kiểm tra chữ ký số…")
        self.panel.show_checks([])
        self.panel.summary.setText("Đang kiểm tra chữ ký số…")
        roots = self._trust_roots

        def done(checks: list[SignatureCheck]) -> None:
            if generation == self._generation:
                self.checks = checks
                self.panel.show_checks(checks)

        def failed(error: BaseException) -> None:
            if generation != self._generation:
                return
            self.problem = error
            if isinstance(error, ClerkError):
                self.panel.summary.setText(describe(error).one_line())
            else:
                presenter.present(error, self)

        run_in_background(
            lambda: check_signatures(load(), roots(), name=name), done, failed, owner=self
        )


class ScanCopySignDialog(QDialog):
    """Signs the newest scan of an incoming document with the agency's certificate.

    The PIN is typed here for this one signing and the field is emptied as soon as it is read;
    a wrong PIN is shown with the tries left and waits for the clerk, never retried.
    """

    def __init__(
        self,
        workspace: Any,
        document_id: str,
        settings: SigningSettings,
        parent: QWidget | None = None,
    ) -> None:
        from clerk_app.signing.desk import scan_to_sign

        super().__init__(parent)
        self.setWindowTitle("Ký số bản sao văn bản đến")
        self.workspace = workspace
        self.document_id = document_id
        self.settings = settings
        self.change: Change | None = None
        self.busy = False
        source = scan_to_sign(workspace.document(document_id))
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Ký số của cơ quan xác nhận bản quét đúng với bản giấy nhận được (bản sao y). Góc"
            " trên bên phải trang đầu ghi «Sao y», tên cơ quan và thời gian ký; bản quét gốc giữ"
            " nguyên, bản đã ký được lưu thành một phiên bản mới."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.source_label = QLabel(source.filename)
        self.source_label.setObjectName("scanToSign")
        form.addRow("Tệp được ký:", self.source_label)
        form.addRow("USB ký số:", QLabel(settings.token_label or "không tên"))
        form.addRow("Chứng thư số:", QLabel(settings.certificate_label or "chứng thư đầu tiên"))
        form.addRow(
            "Dấu thời gian:",
            QLabel(settings.timestamp_url or "không dùng (PAdES B-B)"),
        )
        self.pin_edit = QLineEdit()
        self.pin_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_edit.setPlaceholderText("Mã PIN")
        form.addRow("Mã PIN:", self.pin_edit)
        layout.addLayout(form)
        self.problem = QLabel("")
        self.problem.setObjectName("signProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #a00000;")
        layout.addWidget(self.problem)
        note = QLabel("Mã PIN không được lưu. Nhập sai nhiều lần, USB ký số sẽ bị khóa.")
        note.setWordWrap(True)
        note.setStyleSheet("color: #6c757d;")
        layout.addWidget(note)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.sign_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.sign_button.setText("Ký")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Hủy")
        self.buttons.accepted.connect(self.sign)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.pin_edit.setFocus()

    def sign(self) -> None:
        """One signing with the PIN typed now; the field is emptied before the token is asked."""
        from clerk_app.signing.desk import sign_scan_copy

        if self.busy:
            return
        pin = self.pin_edit.text()
        self.pin_edit.clear()
        if not pin:
            self.problem.setText("Nhập mã PIN của USB ký số rồi bấm Ký.")
            return
        self.busy = True
        self.sign_button.setEnabled(False)
        self.problem.setStyleSheet("color: #495057;")
        self.problem.setText("Đang ký số bằng USB ký số…")
        workspace, document_id, settings = self.workspace, self.document_id, self.settings

        def done(change: Change) -> None:
            self.busy = False
            self.change = change
            self.accept()

        def failed(error: BaseException) -> None:
            self.busy = False
            self.sign_button.setEnabled(True)
            self.problem.setStyleSheet("color: #a00000;")
            if isinstance(error, ClerkError):
                self.problem.setText(describe(error).one_line())
                self.pin_edit.setFocus()
            else:
                self.problem.setText("")
                presenter.present(error, self)

        run_in_background(
            lambda: sign_scan_copy(workspace, document_id, pin, settings), done, failed, owner=self
        )

    def reject(self) -> None:
        self.pin_edit.clear()
        if not self.busy:  # the token is being asked: let that finish and be recorded
            super().reject()
