"""The signing settings screen: token, seal image, timestamp server, trust store; a thin shell.

What is edited is the desk's saved `signing.json` (never the CLERK_* overrides, which are only
pointed out). Certificates are added to or removed from the trust store at once through
clerk_app.signing.trust; the other fields are saved with «Lưu». No PIN is ever asked here.
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clerk_app.errors import ClerkError
from clerk_app.messages import describe
from clerk_app.signing import trust
from clerk_app.signing.desk import SigningSettings, load_settings, save_settings
from ui import errors as presenter
from ui.signing_dialogs import TokenChooser

OVERRIDES = (
    "CLERK_PKCS11_MODULE",
    "CLERK_TOKEN_LABEL",
    "CLERK_CERT_LABEL",
    "CLERK_SEAL_IMAGE",
    "CLERK_TRUST_DIR",
    "CLERK_TSA_URL",
)
CERT_FILTER = "Chứng thư số (*.pem *.crt *.cer *.der)"


def _day(moment: datetime) -> str:
    return moment.strftime("%d/%m/%Y")


class SigningSettingsDialog(QDialog):
    """Cài đặt ký số: what signs (token, certificate), how it looks (seal), B-T, and trust."""

    TRUST_COLUMNS = ("Chứng thư", "Cấp bởi", "Hiệu lực từ", "Đến", "Nơi lưu")

    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Cài đặt ký số")
        self.resize(900, 620)
        self.data_dir = data_dir
        self.saved: SigningSettings = load_settings(data_dir, environment=False)
        self.certificates: list[trust.TrustedCertificate] = []

        token_box = QGroupBox("USB ký số của cơ quan")
        token_form = QFormLayout(token_box)
        self.token_label = QLabel()
        self.token_label.setWordWrap(True)
        choose = QPushButton("Chọn USB ký số…")
        choose.clicked.connect(self.choose_token)
        row = QHBoxLayout()
        row.addWidget(self.token_label, 1)
        row.addWidget(choose)
        token_form.addRow("Đang dùng:", row)
        self.seal_edit = QLineEdit(self.saved.seal_image)
        self.seal_edit.setPlaceholderText("Ảnh con dấu PNG nền trong suốt, đúng kích thước thật")
        seal_browse = QPushButton("Chọn…")
        seal_browse.clicked.connect(self._browse_seal)
        seal_row = QHBoxLayout()
        seal_row.addWidget(self.seal_edit, 1)
        seal_row.addWidget(seal_browse)
        token_form.addRow("Ảnh con dấu:", seal_row)
        self.tsa_edit = QLineEdit(self.saved.timestamp_url)
        self.tsa_edit.setPlaceholderText("Để trống: ký không kèm dấu thời gian (PAdES B-B)")
        token_form.addRow("Máy chủ cấp dấu thời gian:", self.tsa_edit)

        trust_box = QGroupBox("Kho chứng thư tin cậy")
        trust_layout = QVBoxLayout(trust_box)
        hint = QLabel(
            "Chứng thư gốc của Ban Cơ yếu Chính phủ (CA gốc chuyên dùng Chính phủ) và của các tổ"
            " chức cung cấp dịch vụ chứng thực không đi kèm phần mềm: tải tệp chứng thư gốc từ"
            " trang chính thức của tổ chức cấp rồi bấm «Thêm chứng thư…». Tệp được chép vào"
            " thư mục dữ liệu của máy này."
        )
        hint.setWordWrap(True)
        trust_layout.addWidget(hint)
        self.trust_table = QTableWidget(0, len(self.TRUST_COLUMNS))
        self.trust_table.setObjectName("trustTable")
        self.trust_table.setHorizontalHeaderLabels(list(self.TRUST_COLUMNS))
        self.trust_table.verticalHeader().setVisible(False)
        self.trust_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.trust_table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.trust_table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        header = self.trust_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        trust_layout.addWidget(self.trust_table, 1)
        add = QPushButton("Thêm chứng thư…")
        add.clicked.connect(self._browse_certificate)
        self.remove_button = QPushButton("Xóa chứng thư")
        self.remove_button.clicked.connect(self.remove_selected)
        self.drop_folder_button = QPushButton("Bỏ thư mục khỏi kho")
        self.drop_folder_button.clicked.connect(self.drop_selected_folder)
        self.trust_table.currentCellChanged.connect(lambda *_: self._enable_buttons())
        trust_buttons = QHBoxLayout()
        trust_buttons.addWidget(add)
        trust_buttons.addWidget(self.remove_button)
        trust_buttons.addWidget(self.drop_folder_button)
        trust_buttons.addStretch(1)
        trust_layout.addLayout(trust_buttons)

        self.status = QLabel("")
        self.status.setObjectName("settingsStatus")
        self.status.setWordWrap(True)
        overridden = [name for name in OVERRIDES if os.environ.get(name)]
        self.override_note = QLabel(
            "Đang có biến môi trường thay cho cài đặt đã lưu: " + ", ".join(overridden) + "."
            if overridden
            else ""
        )
        self.override_note.setWordWrap(True)
        self.override_note.setStyleSheet("color: #8a6d00;")
        self.override_note.setVisible(bool(overridden))

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("Lưu")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Đóng")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(token_box)
        layout.addWidget(trust_box, 1)
        layout.addWidget(self.override_note)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self._show_token()
        self.refresh_trust()

    # --- token, seal, timestamp server ------------------------------------------------------

    def _show_token(self) -> None:
        s = self.saved
        self.token_label.setText(
            f"{s.token_label or 'không tên'} · chứng thư «{s.certificate_label or 'đầu tiên'}»"
            f"\nTrình điều khiển: {s.pkcs11_module}"
            if s.pkcs11_module
            else "Chưa chọn USB ký số."
        )

    def choose_token(self) -> None:
        chooser = TokenChooser(self)
        if self.saved.pkcs11_module:
            chooser.select_module(self.saved.pkcs11_module)
        if chooser.exec() != QDialog.DialogCode.Accepted:
            return
        choice = chooser.choice()
        if choice is None:
            return
        self.saved = replace(
            self.saved,
            pkcs11_module=choice.module,
            token_label=choice.token_label,
            certificate_label=choice.certificate_label,
        )
        self._show_token()

    def _browse_seal(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Chọn ảnh con dấu", "", "*.png")
        if path:
            self.seal_edit.setText(path)

    def save(self) -> None:
        settings = replace(
            self.saved,
            seal_image=self.seal_edit.text().strip(),
            timestamp_url=self.tsa_edit.text().strip(),
        )
        if presenter.guarded(lambda: save_settings(self.data_dir, settings), self):
            self.saved = settings
            self.accept()

    # --- trust store ------------------------------------------------------------------------

    def refresh_trust(self) -> None:
        self.certificates = trust.trusted_certificates(self.data_dir, self.saved)
        now = datetime.now(UTC)
        self.trust_table.setRowCount(len(self.certificates))
        for row, cert in enumerate(self.certificates):
            where = "kho của máy này" if cert.in_desk_store else str(cert.path.parent)
            values = (
                cert.subject + ("" if cert.is_ca else " (không phải CA)"),
                cert.issuer,
                _day(cert.not_before),
                _day(cert.not_after) + (" — HẾT HẠN" if cert.expired(now) else ""),
                where,
            )
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(f"SHA-256: {cert.sha256}\nTệp: {cert.path}")
                self.trust_table.setItem(row, col, item)
        if not self.certificates:
            self.status.setText(
                "Kho chứng thư tin cậy đang trống: chữ ký chỉ được kiểm tra nguyên vẹn và hợp lệ,"
                " chưa xác định được tin cậy."
            )
        self._enable_buttons()

    def _selected(self) -> trust.TrustedCertificate | None:
        row = self.trust_table.currentRow()
        return self.certificates[row] if 0 <= row < len(self.certificates) else None

    def _enable_buttons(self) -> None:
        cert = self._selected()
        self.remove_button.setEnabled(cert is not None)
        self.drop_folder_button.setEnabled(
            cert is not None
            and not cert.in_desk_store
            and str(cert.path.parent) in self.saved.trust_dirs
        )

    def _browse_certificate(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Chọn tệp chứng thư gốc", "", CERT_FILTER)
        if path:
            self.add_certificate(Path(path))

    def add_certificate(self, path: Path) -> None:
        try:
            self.saved, added = trust.add_trusted_certificate(self.data_dir, self.saved, path)
        except ClerkError as exc:
            self.status.setText(describe(exc).one_line())
            return
        self.refresh_trust()
        names = ", ".join(c.subject for c in added)
        self.status.setText(f"Đã thêm vào kho chứng thư tin cậy: {names}.")

    def remove_selected(self) -> None:
        cert = self._selected()
        if cert is None:
            return
        try:
            self.saved = trust.remove_trusted_certificate(self.data_dir, self.saved, cert)
        except ClerkError as exc:
            self.status.setText(describe(exc).one_line())
            return
        self.refresh_trust()
        self.status.setText(f"Đã xóa khỏi kho chứng thư tin cậy: {cert.subject}.")

    def drop_selected_folder(self) -> None:
        cert = self._selected()
        if cert is None:
            return
        folder = str(cert.path.parent)
        try:
            self.saved = trust.remove_trust_folder(self.data_dir, self.saved, folder)
        except ClerkError as exc:
            self.status.setText(describe(exc).one_line())
            return
        self.refresh_trust()
        self.status.setText(f"Đã bỏ thư mục «{folder}» khỏi kho (các tệp trong đó giữ nguyên).")
