"""Ctrl+Shift+K on a leader-signed document: settings saved once, PIN asked, a signed version stored."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from signing_pki import Pki

from clerk_app.records import OutgoingDraft
from clerk_app.signing.desk import SigningSettings, save_settings
from clerk_app.signing.issuing import write_number
from clerk_app.workspace import Workspace
from ui import signing_dialogs
from ui.main_window import MainWindow


def test_ctrl_shift_k_signs_as_the_agency_and_never_keeps_the_pin(
    qtbot: QtBot,
    app: QApplication,
    workspace: Workspace,
    pki: Pki,
    leader_signed: Callable[..., bytes],
    seal_png: bytes,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pdf = tmp_path / "qd.pdf"
    pdf.write_bytes(leader_signed())
    doc = workspace.register_outgoing(
        OutgoingDraft(
            doc_type="Quyết định",
            subject="Về việc A",
            signer="Nguyễn Văn Hùng",
            recipients="Như Điều 3",
            files=[pdf],
        )
    ).document.summary
    seal = tmp_path / "dau.png"
    seal.write_bytes(seal_png)
    settings = SigningSettings(
        pkcs11_module=pki.choice.module,
        token_label=pki.choice.token_label,
        certificate_label=pki.choice.certificate_label,
        seal_image=str(seal),
    )
    save_settings(workspace.data_dir, settings)
    # The agency seals only once the number and date are on the file (clerk_app.lifecycle).
    write_number(workspace, doc.id, pki.pin, settings)
    asked: list[str] = []

    def fake_ask(label: str, problem: object = None, parent: object = None) -> str:
        asked.append(label)
        return pki.pin

    monkeypatch.setattr(signing_dialogs, "ask_pin", fake_ask)
    shown: list[BaseException] = []
    monkeypatch.setattr("ui.errors.present", lambda error, parent=None: shown.append(error))
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.show()
    window.show_page(1)
    qtbot.waitUntil(lambda: window.outgoing.table.model().rowCount() == 1, timeout=5_000)
    window.outgoing.table.selectRow(0)
    assert window._selected_id() == doc.id
    # Plain Ctrl+K deletes to the end of the line in a text field, hence Ctrl+Shift+K.
    assert window.action_sign.shortcut().toString() == "Ctrl+Shift+K"
    window.action_sign.trigger()
    qtbot.waitUntil(
        lambda: shown or any(f.role == "signed" for f in workspace.document(doc.id).files),
        timeout=20_000,
    )
    assert shown == []
    assert asked == [pki.choice.token_label]
    assert pki.pin not in (workspace.data_dir / "signing.json").read_text()
