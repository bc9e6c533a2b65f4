"""The agency's signature on a scanned incoming copy (NĐ 30 art. 25, appendix I; TN&MT art.
8.1.a), on SoftHSM2: its visible copy mark read back by poppler and PyMuPDF."""

from __future__ import annotations

import hashlib
import subprocess
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
from clerk_app.stamping.pdf import MM
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


def _pixels(data: bytes, exclude: object = None) -> bytes:
    """Page 1 at 50 dpi, with the signature's box (if given) painted white."""
    with pymupdf.open(stream=data) as doc:
        pix = doc[0].get_pixmap(dpi=50)
        if exclude is not None:
            zoom = 50 / 72
            b = exclude
            pix.set_rect(
                pymupdf.IRect(
                    int(b.x0 * zoom) - 1,
                    int(b.y0 * zoom) - 1,
                    int(b.x1 * zoom) + 2,
                    int(b.y1 * zoom) + 2,
                ),
                (255, 255, 255),
            )
        return bytes(pix.samples)


def test_scan_copy_carries_its_visible_copy_mark_over_the_stamped_version(
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
    # NĐ 30 appendix I: top right of page 1.
    assert check.box is not None and check.page == 0
    assert check.box.x1 > 595 - 20 * MM and check.box.y0 < 15 * MM

    path = tmp_path / "ban-sao.pdf"
    path.write_bytes(data)
    report = pdfsig(path)
    assert report.count("Signature Validation: Signature is Valid.") == 1, report
    assert "Signature Field Name: ChuKyBanSao" in report
    assert "Total document signed" in report
    # What the mark says, read by poppler: copy form, copying agency, ISO 8601 Vietnam time.
    text = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    lines = [line.strip() for line in text.splitlines()]
    at = lines.index("Sao y")
    assert lines[at : at + 3] == [
        "Sao y",
        "Ủy ban nhân dân tỉnh Phú Yên",
        "2026-03-10T09:15:02+07:00",
    ]
    # Times New Roman's metrics (Tinos), upright, 10 pt, black, and no image: the mark
    # baked into the page reads back span by span.
    with pymupdf.open(stream=data) as doc:
        images_before = len(doc[0].get_images())
        doc.bake()
        spans = [
            span
            for block in doc[0].get_text("dict")["blocks"]
            for line in block.get("lines", [])
            for span in line["spans"]
            if span["text"].strip() in lines[at : at + 3]
        ]
        assert len(doc[0].get_images()) == images_before, "no seal image on a copy"
    assert len(spans) == 3
    for span in spans:
        assert "Tinos" in span["font"] and round(span["size"], 1) == 10.0
        assert span["color"] == 0 and not span["flags"] & 2  # black, not italic
    # Outside the mark the page looks exactly as the scan did.
    box = check.box
    assert _pixels(data, exclude=box) == _pixels(stamped_bytes, exclude=box)


def test_a_copy_already_signed_is_not_signed_again(
    workspace: Workspace, pki: Pki, incoming: str, tmp_path: Path
) -> None:
    from clerk_app.signing import sign
    from clerk_app.signing.token import token_signer

    sign_scan_copy(workspace, incoming, pki.pin, _settings(pki, tmp_path), at=NOW)
    copy = next(f for f in workspace.document(incoming).files if f.role == "signed")
    with token_signer(pki.choice, pki.pin, NOW) as signer:
        with pytest.raises(errors.AgencySealPresent) as caught:
            sign.sign_scan_copy(
                workspace.file_bytes(copy.sha256),
                signer,
                NOW,
                agency_name="Ủy ban nhân dân tỉnh Phú Yên",
            )
        with pytest.raises(errors.InvalidValue):
            sign.copy_text("Bản chụp", "Ủy ban nhân dân tỉnh Phú Yên", NOW)
    assert caught.value.field == "ChuKyBanSao"
    assert "chỉ ký số cơ quan một lần" in str(caught.value)


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
