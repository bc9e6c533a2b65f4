"""The «Chữ ký số» use cases the main window and the detail pane call: verify a PDF, sign a scanned
incoming copy, open the signing settings. A thin shell: the rules live in clerk_app.signing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QDialog, QWidget

from clerk_app.records import Change
from clerk_app.signing.desk import load_settings
from clerk_app.signing.verify import load_trust_roots
from ui import errors as presenter
from ui.signing_dialogs import ScanCopySignDialog, VerificationDialog
from ui.signing_settings import SigningSettingsDialog


def _roots(data_dir: Path) -> Callable[[], list[bytes]]:
    """The trust store as the settings name it when the check runs (CLERK_TRUST_DIR wins)."""

    def roots() -> list[bytes]:
        return load_trust_roots([Path(p) for p in load_settings(data_dir).trust_dirs])

    return roots


def verify_pdf(
    parent: QWidget,
    data_dir: Path,
    name: str | None = None,
    load: Callable[[], bytes] | None = None,
) -> VerificationDialog | None:
    """The verification dialog for `load`'s bytes, or for a PDF the clerk picks."""
    dialog = VerificationDialog(_roots(data_dir), parent)
    if load is None:
        if not dialog.choose_file():
            dialog.deleteLater()
            return None
    else:
        dialog.check(name or "", load)
    dialog.open()
    return dialog


def verify_document_file(
    parent: QWidget, workspace: Any, sha256: str, filename: str
) -> VerificationDialog | None:
    """The verification dialog for one of a document's stored files."""
    return verify_pdf(
        parent, workspace.data_dir, filename, lambda: bytes(workspace.file_bytes(sha256))
    )


def open_settings(parent: QWidget, data_dir: Path) -> SigningSettingsDialog | None:
    dialog: SigningSettingsDialog | None = None

    def make() -> None:
        nonlocal dialog
        dialog = SigningSettingsDialog(data_dir, parent)
        dialog.open()

    presenter.guarded(make, parent)
    return dialog


def sign_scan_copy(
    parent: QWidget,
    workspace: Any,
    document_id: str,
    on_change: Callable[[Change], None],
) -> ScanCopySignDialog | None:
    """The agency's signature on an incoming scan; the token is chosen first if it never was."""
    settings = presenter.guarded_value(lambda: load_settings(workspace.data_dir), parent)
    if settings is None:
        return None
    if not settings.pkcs11_module:
        chooser = SigningSettingsDialog(workspace.data_dir, parent)
        chooser.choose_token()
        if not chooser.saved.pkcs11_module:
            return None
        chooser.save()
        settings = load_settings(workspace.data_dir)
    dialog: ScanCopySignDialog | None = None

    def make() -> None:
        nonlocal dialog
        dialog = ScanCopySignDialog(workspace, document_id, settings, parent)
        dialog.accepted.connect(lambda: _signed(dialog, on_change))
        dialog.open()

    presenter.guarded(make, parent)
    return dialog


def _signed(dialog: QDialog | None, on_change: Callable[[Change], None]) -> None:
    change = getattr(dialog, "change", None)
    if change is not None:
        on_change(change)
