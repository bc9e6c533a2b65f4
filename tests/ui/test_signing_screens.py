"""The «Chữ ký số» screens on SoftHSM2: signing a scanned incoming copy from the menu, the
verification dialog (B-T timestamp, document timestamp, from the detail pane), the trust store
in the settings dialog; with screenshots (CLERK_SCREENSHOTS names a folder to keep them)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot
from signing_pki import NOW, TSA_NAME, Pki, Tsa, add_document_timestamp

from clerk_app.demo import letter_pdf
from clerk_app.records import IncomingDraft, OutgoingDraft
from clerk_app.signing import sign
from clerk_app.signing.desk import SETTINGS_FILE, SigningSettings, load_settings, save_settings
from clerk_app.signing.token import token_signer
from clerk_app.workspace import Workspace
from ui.main_window import MainWindow
from ui.signing_dialogs import ScanCopySignDialog, VerificationDialog
from ui.signing_settings import SigningSettingsDialog

SHOTS = Path(os.environ.get("CLERK_SCREENSHOTS", ""))


def _shot(widget: object, tmp_path: Path, name: str) -> None:
    target = (SHOTS if str(SHOTS) not in ("", ".") else tmp_path) / name
    assert widget.grab().save(str(target))  # type: ignore[attr-defined]
    assert target.stat().st_size > 0


def _token_settings(pki: Pki, **more: object) -> SigningSettings:
    return SigningSettings(
        pkcs11_module=pki.choice.module,
        token_label=pki.choice.token_label,
        certificate_label=pki.choice.certificate_label,
        **more,  # type: ignore[arg-type]
    )


def _trust_folder(pki: Pki, tmp_path: Path) -> Path:
    folder = tmp_path / "trust"
    folder.mkdir(exist_ok=True)
    (folder / "ca.pem").write_bytes(pki.ca.cert.public_bytes(serialization.Encoding.PEM))
    return folder


@pytest.fixture
def window(qtbot: QtBot, app: QApplication, workspace: Workspace) -> MainWindow:
    shown = MainWindow(workspace)
    qtbot.addWidget(shown)
    shown.show()
    return shown


def test_signing_menu_holds_the_signature_actions(window: MainWindow) -> None:
    menus = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions()}
    texts = [a.text().replace("&", "") for a in menus["Chữ ký số"].actions() if a.text()]
    assert texts == [
        "Ký số cơ quan…",
        "Ký số bản sao văn bản đến…",
        "Kiểm tra chữ ký…",
        "Cài đặt ký số…",
    ]
    documents = [a.text().replace("&", "") for a in menus["Văn bản"].actions()]
    assert "Kiểm tra chữ ký…" in documents


def test_scan_copy_is_signed_from_the_menu_with_the_pin_typed_each_time(
    qtbot: QtBot,
    window: MainWindow,
    workspace: Workspace,
    pki: Pki,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scan = tmp_path / "cv-45-snv.pdf"
    scan.write_bytes(
        letter_pdf("Sở Nội vụ", "45/SNV-VP", date(2026, 3, 1), "Công văn", "Về việc tuyển dụng")
    )
    doc = workspace.register_incoming(
        IncomingDraft(
            issuer="Sở Nội vụ",
            reference="45/SNV-VP",
            issued_on=date(2026, 3, 1),
            doc_type="Công văn",
            subject="Về việc tuyển dụng",
            files=[scan],
        )
    ).document.summary
    original = next(f for f in workspace.document(doc.id).files if f.role == "original")
    before = hashlib.sha256(workspace.file_bytes(original.sha256)).hexdigest()
    save_settings(workspace.data_dir, _token_settings(pki))
    shown: list[BaseException] = []
    monkeypatch.setattr("ui.errors.present", lambda error, parent=None: shown.append(error))
    window.refresh()
    qtbot.waitUntil(lambda: window.incoming.table.model().rowCount() == 1, timeout=5_000)
    window.incoming.table.selectRow(0)
    assert window._selected_id() == doc.id

    window.action_sign_scan.trigger()
    dialog = window.findChild(ScanCopySignDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.source_label.text() == "cv-45-snv.pdf"

    # A wrong PIN: said in the dialog, the field emptied, nothing stored, no retry.
    dialog.pin_edit.setText("000000")
    dialog.sign_button.click()
    assert dialog.pin_edit.text() == ""
    qtbot.waitUntil(lambda: not dialog.busy, timeout=20_000)
    assert "Mã PIN không đúng" in dialog.problem.text()
    assert dialog.isVisible() and dialog.sign_button.isEnabled()
    assert not [f for f in workspace.document(doc.id).files if f.role == "signed"]
    dialog.resize(560, dialog.sizeHint().height())
    _shot(dialog, tmp_path, "ky-so-ban-sao-sai-pin.png")

    dialog.pin_edit.setText(pki.pin)
    dialog.sign_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20_000)
    assert shown == []
    files = workspace.document(doc.id).files
    copy = next(f for f in files if f.role == "signed")
    assert copy.parent_id == original.id
    assert hashlib.sha256(workspace.file_bytes(original.sha256)).hexdigest() == before
    assert workspace.document(doc.id).history[-1].details["signature"] == "scan_copy"
    assert pki.pin not in (workspace.data_dir / SETTINGS_FILE).read_text("utf-8")
    qtbot.waitUntil(lambda: window.detail.file_list.count() == 2, timeout=5_000)
    assert any("bản đã ký số" in window.detail.file_list.item(i).text() for i in range(2))


def test_verification_dialog_shows_the_b_t_timestamp_and_a_document_timestamp(
    qtbot: QtBot,
    window: MainWindow,
    workspace: Workspace,
    pki: Pki,
    tsa: Tsa,
    leader_signed: Callable[..., bytes],
    seal_png: bytes,
    tmp_path: Path,
) -> None:
    from ui import signing_menu

    with token_signer(pki.choice, pki.pin, NOW) as signer:
        sealed = sign.sign_as_agency(
            leader_signed(),
            signer,
            seal_png,
            NOW,
            trust_roots=pki.trust_roots,
            timestamp_url=tsa.url,
        )
    archived = add_document_timestamp(sealed, tsa.url)
    save_settings(
        workspace.data_dir, SigningSettings(trust_dirs=(str(_trust_folder(pki, tmp_path)),))
    )

    dialog = signing_menu.verify_pdf(window, workspace.data_dir, "qd-05.pdf", lambda: archived)
    assert isinstance(dialog, VerificationDialog)
    qtbot.waitUntil(lambda: dialog.checks is not None, timeout=20_000)
    table = dialog.panel.table
    column = {table.horizontalHeaderItem(i).text(): i for i in range(table.columnCount())}
    rows = [
        {name: table.item(r, c).text() for name, c in column.items()}
        for r in range(table.rowCount())
    ]
    assert [r["Chữ ký"] for r in rows] == ["ChuKyLanhDao", "ChuKyCoQuan", "DauThoiGian"]
    assert rows[0]["Dấu thời gian"] == "Không có"
    # The TSA's clock, 02:15:30 UTC, shown in Vietnam time.
    assert rows[1]["Dấu thời gian"] == "10/03/2026 09:15:30 (hợp lệ, tin cậy)"
    assert rows[2]["Người ký"] == TSA_NAME
    assert rows[2]["Dấu thời gian"] == "Dấu thời gian tài liệu"
    assert all(r["Nguyên vẹn"] == r["Hợp lệ"] == r["Tin cậy"] == "Có" for r in rows)
    assert "Cả 3 chữ ký số đều hợp lệ và tin cậy" in dialog.panel.summary.text()
    table.selectRow(1)
    details = dialog.panel.details.toPlainText()
    assert f"Máy chủ cấp dấu thời gian\t{TSA_NAME}" in details or TSA_NAME in details
    assert "Dấu thời gian khớp với chữ ký" in details
    _shot(dialog, tmp_path, "kiem-tra-chu-ky-b-t.png")

    # Without the trust store: still intact and valid, trust not established.
    save_settings(workspace.data_dir, SigningSettings())
    dialog.check("qd-05.pdf", lambda: archived)
    qtbot.waitUntil(lambda: dialog.checks is not None, timeout=20_000)
    assert dialog.panel.table.item(1, column["Tin cậy"]).text() == "KHÔNG"
    assert "chưa xác định tin cậy" in dialog.panel.table.item(1, column["Dấu thời gian"]).text()

    # Not a PDF: said in the dialog, nothing else happens.
    dialog.check("ghi-chu.pdf", lambda: b"not a pdf at all")
    qtbot.waitUntil(lambda: dialog.problem is not None, timeout=20_000)
    assert dialog.panel.table.rowCount() == 0
    assert "ghi-chu.pdf" in dialog.panel.summary.text()


def test_detail_pane_verifies_an_attached_file(
    qtbot: QtBot,
    window: MainWindow,
    workspace: Workspace,
    pki: Pki,
    leader_signed: Callable[..., bytes],
    tmp_path: Path,
) -> None:
    pdf = tmp_path / "qd-lanh-dao-ky.pdf"
    pdf.write_bytes(leader_signed())
    doc = workspace.register_outgoing(
        OutgoingDraft(
            doc_type="Quyết định",
            subject="Về việc thành lập Tổ công tác",
            signer="Nguyễn Văn Hùng",
            recipients="Như Điều 3",
            files=[pdf],
        )
    ).document.summary
    window.open_detail(doc.id)
    qtbot.waitUntil(lambda: window.detail.file_list.count() == 1, timeout=5_000)
    window.detail.verify_button.click()
    dialog = window.findChild(VerificationDialog)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.checks is not None, timeout=20_000)
    assert dialog.file_label.text() == "Tệp: qd-lanh-dao-ky.pdf"
    assert [c.signer for c in dialog.checks or []] == ["Nguyễn Văn Hùng"]


def test_verify_is_offered_only_for_a_pdf(
    qtbot: QtBot, window: MainWindow, workspace: Workspace, tmp_path: Path
) -> None:
    from PIL import Image

    scan = tmp_path / "cong-van.png"
    Image.new("L", (620, 877), 255).save(scan)
    doc = workspace.register_incoming(
        IncomingDraft(
            issuer="Sở Nội vụ",
            reference="3/SNV",
            issued_on=None,
            doc_type="Công văn",
            subject="Về việc kiểm tra",
            files=[scan],
        )
    ).document.summary
    window.open_detail(doc.id)
    qtbot.waitUntil(lambda: window.detail.file_list.count() >= 1, timeout=5_000)
    shown = window.detail.file_list
    by_name = {shown.item(i).text(): i for i in range(shown.count())}
    png_row = next(i for name, i in by_name.items() if ".png" in name)
    shown.setCurrentRow(png_row)
    assert not window.detail.verify_button.isEnabled()
    # The PDF made from the image is listed beside it, and that one can be checked.
    shown.setCurrentRow(next(i for name, i in by_name.items() if name.startswith("cong-van.pdf")))
    assert window.detail.verify_button.isEnabled()


def test_settings_dialog_adds_lists_and_removes_root_certificates(
    qtbot: QtBot, workspace: Workspace, pki: Pki, tmp_path: Path
) -> None:
    save_settings(workspace.data_dir, _token_settings(pki, timestamp_url="http://tsa.example"))
    dialog = SigningSettingsDialog(workspace.data_dir)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.trust_table.rowCount() == 0
    assert "đang trống" in dialog.status.text()
    assert "UBND-PHUYEN" in dialog.token_label.text()

    bogus = tmp_path / "khong-phai.crt"
    bogus.write_text("xin chào")
    dialog.add_certificate(bogus)
    assert "không chứa chứng thư số" in dialog.status.text()
    assert dialog.trust_table.rowCount() == 0

    pem = tmp_path / "ca-goc.pem"
    pem.write_bytes(pki.ca.cert.public_bytes(serialization.Encoding.PEM))
    dialog.add_certificate(pem)
    dialog.add_certificate(_der(pki, tmp_path))
    table = dialog.trust_table
    rows = [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(2)]
    assert rows == [
        ["CA không tin cậy", "CA không tin cậy", "01/01/2025", "01/01/2030", "kho của máy này"],
        [
            "CA thử nghiệm Ban Cơ yếu",
            "CA thử nghiệm Ban Cơ yếu",
            "01/01/2025",
            "01/01/2030",
            "kho của máy này",
        ],
    ]
    dialog.resize(900, 620)
    _shot(dialog, tmp_path, "cai-dat-ky-so.png")
    assert len(load_settings(workspace.data_dir, environment=False).trust_dirs) == 1

    table.selectRow(0)
    dialog.remove_selected()
    assert table.rowCount() == 1 and table.item(0, 0).text() == "CA thử nghiệm Ban Cơ yếu"
    assert "Đã xóa" in dialog.status.text()

    dialog.tsa_edit.setText("")
    dialog.save()
    saved = load_settings(workspace.data_dir, environment=False)
    assert saved.timestamp_url == ""
    assert saved.pkcs11_module == pki.choice.module, "the token choice is kept"
    assert not dialog.isVisible()


def _der(pki: Pki, tmp_path: Path) -> Path:
    path = tmp_path / "khac.der"
    path.write_bytes(pki.stranger_ca.der)
    return path


def test_labels_speak_vietnamese(qtbot: QtBot, workspace: Workspace) -> None:
    dialog = SigningSettingsDialog(workspace.data_dir)
    qtbot.addWidget(dialog)
    texts = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "Ban Cơ yếu Chính phủ" in texts
