"""Dialogs for the agency's token and signatures: PIN, token/certificate chooser, verification panel.

A thin shell over clerk_app.signing: no signing logic here. The PIN lives only in the line edit
until the dialog returns it, and the edit is cleared then; nothing keeps it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

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
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clerk_app.clock import to_vietnam
from clerk_app.errors import ClerkError
from clerk_app.messages import describe
from clerk_app.signing import token as tokens
from clerk_app.signing.verify import SignatureCheck

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


class SignaturePanel(QWidget):
    """Each signature of a PDF: signer, time, intact, valid, trusted, and what changed after it."""

    COLUMNS = (
        "Chữ ký",
        "Người ký",
        "Thời điểm ký",
        "Nguyên vẹn",
        "Hợp lệ",
        "Tin cậy",
        "Thay đổi sau khi ký",
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table)

    def show_checks(self, checks: Sequence[SignatureCheck]) -> None:
        self.table.setRowCount(len(checks))

        def yes(flag: bool) -> str:
            return "Có" if flag else "KHÔNG"

        for row, c in enumerate(checks):
            values = (
                c.field,
                c.signer,
                _when(c.signed_at),
                yes(c.intact),
                yes(c.valid),
                yes(c.trusted),
                LEVEL_NAMES.get(c.modification_level, c.modification_level),
            )
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if value == "KHÔNG" or (
                    col == 6 and c.modification_level in ("annotations", "other")
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
                "(thêm chứng thư gốc vào kho chứng thư tin cậy)."
            )
        else:
            self.summary.setText("Có chữ ký số không hợp lệ hoặc văn bản bị sửa sau khi ký.")
