"""The agency signature over PKCS#11 (SoftHSM2), checked by pdfsig and pyHanko, and its refusals."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pymupdf
import pytest
from signing_pki import ISSUED_ON, LEADER_BOX, NOW, Pki, outgoing_draft, pdfsig

from clerk_app import errors
from clerk_app.signing import sign
from clerk_app.signing.token import TokenChoice, token_signer
from clerk_app.signing.verify import check_signatures
from clerk_app.stamping.pdf import MM


def _sign_agency(pki: Pki, data: bytes, seal: bytes, **kwargs: object) -> bytes:
    with token_signer(pki.choice, pki.pin, NOW) as signer:
        return sign.sign_as_agency(data, signer, seal, NOW, trust_roots=pki.trust_roots, **kwargs)  # type: ignore[arg-type]


def test_agency_signature_keeps_the_leader_signature_valid_in_pdfsig_and_pyhanko(
    pki: Pki, leader_signed: Callable[..., bytes], seal_png: bytes, tmp_path: Path
) -> None:
    signed = leader_signed()
    out = _sign_agency(pki, signed, seal_png)

    assert out.startswith(signed), "the agency signature must be an incremental update"
    checks = check_signatures(out, pki.trust_roots)
    assert [c.field for c in checks] == ["ChuKyLanhDao", "ChuKyCoQuan"]
    leader, agency = checks
    assert (leader.intact, leader.valid, leader.trusted) == (True, True, True)
    assert leader.modification_level == "form_filling"
    assert leader.signer == "Nguyễn Văn Hùng"
    assert (agency.intact, agency.valid, agency.trusted) == (True, True, True)
    assert agency.signer == "Ủy ban nhân dân tỉnh Phú Yên"
    assert agency.covers_whole_file
    assert agency.signed_at == NOW

    path = tmp_path / "signed.pdf"
    path.write_bytes(out)
    report = pdfsig(path)
    assert report.count("Signature Validation: Signature is Valid.") == 2, report
    assert "Total document signed" in report
    subprocess.run(["qpdf", "--check", str(path)], check=True, capture_output=True)


def test_seal_is_real_size_and_covers_the_left_third_of_the_signature_image(
    pki: Pki, leader_signed: Callable[..., bytes], seal_png: bytes
) -> None:
    out = _sign_agency(pki, leader_signed(), seal_png)
    agency = check_signatures(out, pki.trust_roots)[1]
    assert agency.box is not None
    box = agency.box
    # 472 px at 300 dpi = 40 mm
    assert box.width == pytest.approx(40 * MM, abs=0.5)
    assert box.height == pytest.approx(40 * MM, abs=0.5)
    assert box.x1 == pytest.approx(LEADER_BOX.x0 + LEADER_BOX.width / 3, abs=0.5)
    assert (box.y0 + box.y1) / 2 == pytest.approx((LEADER_BOX.y0 + LEADER_BOX.y1) / 2, abs=0.5)
    # The seal is drawn in red where it overlaps the signature image.
    with pymupdf.open(stream=out) as doc:
        pix = doc[0].get_pixmap(dpi=72, clip=pymupdf.Rect(box.x0, box.y0, box.x1, box.y1))
        reds = sum(
            1
            for i in range(0, len(pix.samples), pix.n)
            if pix.samples[i] > 180 and pix.samples[i + 1] < 90 and pix.samples[i + 2] < 90
        )
    assert reds > 50


def test_agency_refuses_a_document_without_a_signer_signature(pki: Pki, seal_png: bytes) -> None:
    with pytest.raises(errors.SignerSignatureMissing):
        _sign_agency(pki, outgoing_draft(), seal_png)


def test_agency_refuses_a_signer_signature_broken_after_signing(
    pki: Pki, leader_signed: Callable[..., bytes], seal_png: bytes
) -> None:
    signed = bytearray(leader_signed())
    # Change one character of page content inside the signed range (keeps the file parseable).
    at = bytes(signed).find(b"/QD") if b"/QD" in signed else bytes(signed).find(b"stream") + 20
    signed[at] = signed[at] ^ 0x01
    with pytest.raises(errors.SignatureInvalid) as caught:
        _sign_agency(pki, bytes(signed), seal_png)
    assert caught.value.reason == "not_intact"


def test_agency_refuses_a_signer_from_an_untrusted_ca(
    pki: Pki, leader_signed: Callable[..., bytes], seal_png: bytes
) -> None:
    with (
        token_signer(pki.choice, pki.pin, NOW) as signer,
        pytest.raises(errors.SignatureInvalid) as caught,
    ):
        sign.sign_as_agency(
            leader_signed(), signer, seal_png, NOW, trust_roots=[pki.stranger_ca.der]
        )
    assert caught.value.reason == "not_trusted"


def test_attachment_signature_text_top_right_with_reference_and_vietnam_time(
    pki: Pki, tmp_path: Path
) -> None:
    attachment = outgoing_draft()
    with token_signer(pki.choice, pki.pin, NOW) as signer:
        out = sign.sign_attachment(
            attachment, signer, "05/QĐ-UBND", NOW, trust_roots=pki.trust_roots
        )
    check = check_signatures(out, pki.trust_roots)[0]
    assert check.sound and check.trusted
    assert check.box is not None and check.page == 0
    assert check.box.x1 > 595 - 40 * MM and check.box.y0 < 20 * MM  # top right
    path = tmp_path / "phu-luc.pdf"
    path.write_bytes(out)
    text = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "05/QĐ-UBND" in text
    assert "2026-03-10T09:15:02+07:00" in text
    assert "Signature is Valid." in pdfsig(path)


def test_no_changes_certification_is_refused_with_the_reason(
    pki: Pki, leader_signed: Callable[..., bytes], seal_png: bytes
) -> None:
    with pytest.raises(errors.ChangesNotPermitted) as caught:
        _sign_agency(pki, leader_signed(certify_no_changes=True), seal_png)
    assert caught.value.reason == "certified_no_changes"


def test_missing_seal_image_is_refused(pki: Pki, leader_signed: Callable[..., bytes]) -> None:
    with pytest.raises(errors.SealImageMissing):
        _sign_agency(pki, leader_signed(), b"")


def test_wrong_pin_is_reported_once_and_never_retried(
    pki: Pki, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clerk_app.signing import token as token_module

    calls: list[str] = []
    real_token = token_module._token

    class CountingToken:
        def __init__(self, inner: object) -> None:
            self._inner = inner

        def __getattr__(self, name: str) -> object:
            return getattr(self._inner, name)

        def open(self, *args: object, **kwargs: object) -> object:
            if "user_pin" in kwargs:
                calls.append(str(kwargs["user_pin"]))
            return self._inner.open(*args, **kwargs)  # type: ignore[attr-defined]

    monkeypatch.setattr(token_module, "_token", lambda *a: CountingToken(real_token(*a)))
    with pytest.raises(errors.TokenPinIncorrect) as caught, token_signer(pki.choice, "000000", NOW):
        pass
    assert calls == ["000000"]
    assert caught.value.tries_left is None  # SoftHSM does not report a counter
    # The right PIN still works: nothing was locked by retries on the user's behalf.
    with token_signer(pki.choice, pki.pin, NOW):
        pass


def test_expired_certificate_is_refused_before_the_pin_is_sent(pki: Pki) -> None:
    choice = TokenChoice(pki.choice.module, pki.choice.token_label, "expired")
    with pytest.raises(errors.CertificateExpired), token_signer(choice, "wrong-pin-not-used", NOW):
        pass


def test_certificate_without_signing_usage_is_refused(pki: Pki) -> None:
    choice = TokenChoice(pki.choice.module, pki.choice.token_label, "encrypt-only")
    with pytest.raises(errors.CertificateNotForSigning), token_signer(choice, pki.pin, NOW):
        pass


def test_missing_and_wrong_modules_and_tokens(pki: Pki, tmp_path: Path) -> None:
    with (
        pytest.raises(errors.TokenModuleMissing),
        token_signer(TokenChoice(str(tmp_path / "none.so")), pki.pin),
    ):
        pass
    not_a_module = tmp_path / "fake.so"
    not_a_module.write_bytes(b"\x7fELF not really")
    with (
        pytest.raises(errors.TokenModuleInvalid),
        token_signer(TokenChoice(str(not_a_module)), pki.pin),
    ):
        pass
    with (
        pytest.raises(errors.TokenNotFound),
        token_signer(TokenChoice(pki.choice.module, "KHONG-CO"), pki.pin),
    ):
        pass


def test_number_and_date_on_the_leader_signed_pdf_as_signature_appearances(
    pki: Pki, leader_signed: Callable[..., bytes], seal_png: bytes, tmp_path: Path
) -> None:
    signed = leader_signed()
    with token_signer(pki.choice, pki.pin, NOW) as signer:
        numbered = sign.add_number_and_date(
            signed, signer, "05/QĐ-UBND", ISSUED_ON, NOW, trust_roots=pki.trust_roots
        )
        sealed = sign.sign_as_agency(numbered, signer, seal_png, NOW, trust_roots=pki.trust_roots)
    checks = check_signatures(sealed, pki.trust_roots)
    assert [c.field for c in checks] == ["ChuKyLanhDao", "SoVanBan", "NgayVanBan", "ChuKyCoQuan"]
    for check in checks:
        assert check.intact and check.valid and check.trusted, check
        assert check.modification_level in ("none", "form_filling"), check
    path = tmp_path / "numbered.pdf"
    path.write_bytes(sealed)
    report = pdfsig(path)
    assert report.count("Signature is Valid.") == 4, report
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    # The appearances fill the blanks the leader left, in place, and extract as text.
    assert re.search(r"Số:\s+05\s+/QĐ", text), text
    assert "Phú Yên, ngày 10 tháng 3 năm 2026" in text
