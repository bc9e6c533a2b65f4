"""The agency's invisible signature on a scanned incoming copy (TN&MT art. 8.1.a), on SoftHSM2."""

from __future__ import annotations

import hashlib
import sys
from datetime import date
from pathlib import Path

import pymupdf
import pytest
from signing_pki import NOW, Pki, pdfsig

from clerk_app import errors
from clerk_app.records import IncomingDraft
from clerk_app.signing.desk import SigningSettings, sign_scan_copy
from clerk_app.signing.verify import check_signatures
from clerk_app.workspace import Workspace

sys.path.insert(0, str(Path(__file__).parents[1] / "stamping"))
from test_arrival_stamp import scanned


def _settings(pki: Pki, roots: Path) -> SigningSettings:
    return SigningSettings(
        pkcs11_module=pki.choice.module,
        token_label=pki.choice.token_label,
        certificate_label=pki.choice.certificate_label,
        trust_dirs=(str(roots),),
    )


@pytest.fixture
def incoming(workspace: Workspace, tmp_path: Path) -> str:
    pdf = tmp_path / "cv-123-stc.pdf"
    pdf.write_bytes(scanned())
    draft = IncomingDraft(
        issuer="Sở Tài chính tỉnh Phú Yên",
        reference="123/STC-NS",
        issued_on=date(2026, 3, 2),
        doc_type="Công văn",
        subject="Về việc quyết toán kinh phí năm 2025",
        files=[pdf],
    )
    return workspace.register_incoming(draft).document.summary.id


def _pixels(data: bytes) -> bytes:
    with pymupdf.open(stream=data) as doc:
        return bytes(doc[0].get_pixmap(dpi=50).samples)


def test_scan_copy_is_signed_invisibly_over_the_stamped_version(
    workspace: Workspace, pki: Pki, incoming: str, tmp_path: Path
) -> None:
    workspace.stamp_arrival(incoming)
    stamped = next(f for f in workspace.document(incoming).files if f.role == "stamped")
    stamped_bytes = workspace.file_bytes(stamped.sha256)
    original = next(f for f in workspace.document(incoming).files if f.role == "original")
    original_digest = hashlib.sha256(workspace.file_bytes(original.sha256)).hexdigest()
    roots = tmp_path / "roots"
    roots.mkdir()
    (roots / "ca.der").write_bytes(pki.ca.der)

    change = sign_scan_copy(workspace, incoming, pki.pin, _settings(pki, roots), at=NOW)

    assert change.action == "file_signed"
    detail = workspace.document(incoming)
    copy = next(f for f in detail.files if f.role == "signed")
    assert copy.parent_id == stamped.id, "the newest scan version is the one vouched for"
    assert copy.filename.endswith("-ky-so-ban-sao.pdf")
    assert detail.history[-1].details["signature"] == "scan_copy"
    data = workspace.file_bytes(copy.sha256)
    assert data.startswith(stamped_bytes), "an incremental update of the stamped scan"
    assert hashlib.sha256(workspace.file_bytes(original.sha256)).hexdigest() == original_digest

    (check,) = check_signatures(data, pki.trust_roots)
    assert (check.field, check.signer) == ("ChuKyBanSao", "Ủy ban nhân dân tỉnh Phú Yên")
    assert (check.intact, check.valid, check.trusted, check.covers_whole_file) == (
        True,
        True,
        True,
        True,
    )
    assert check.signed_at == NOW
    assert check.box is None, "no appearance on the page"
    assert _pixels(data) == _pixels(stamped_bytes), "the page looks exactly as before"

    path = tmp_path / "ban-sao.pdf"
    path.write_bytes(data)
    report = pdfsig(path)
    assert report.count("Signature Validation: Signature is Valid.") == 1, report
    assert "Signature Field Name: ChuKyBanSao" in report
    assert "Total document signed" in report


def test_unstamped_scan_is_signed_over_the_original(
    workspace: Workspace, pki: Pki, incoming: str, tmp_path: Path
) -> None:
    sign_scan_copy(workspace, incoming, pki.pin, _settings(pki, tmp_path), at=NOW)
    files = workspace.document(incoming).files
    original = next(f for f in files if f.role == "original")
    copy = next(f for f in files if f.role == "signed")
    assert copy.parent_id == original.id


def test_wrong_pin_leaves_no_signed_copy(
    workspace: Workspace, pki: Pki, incoming: str, tmp_path: Path
) -> None:
    with pytest.raises(errors.TokenPinIncorrect):
        sign_scan_copy(workspace, incoming, "000000", _settings(pki, tmp_path), at=NOW)
    assert [f for f in workspace.document(incoming).files if f.role == "signed"] == []
