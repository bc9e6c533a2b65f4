"""Whose certificate seals, how often, and with which chain: read back with pdfsig (an NSS store
that trusts only the root) and pyHanko's validation, on SoftHSM2."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from signing_pki import NOW, Pki, pdfsig

from clerk_app import errors
from clerk_app.cli import main
from clerk_app.records import OutgoingDraft
from clerk_app.signing import sign
from clerk_app.signing.chain import certificate_chain
from clerk_app.signing.desk import SigningSettings, sign_for_agency
from clerk_app.signing.identity import (
    CertificateOverride,
    check_agency_certificate,
    names_agency,
)
from clerk_app.signing.issuing import write_number
from clerk_app.signing.token import token_signer
from clerk_app.signing.verify import check_signatures
from clerk_app.workspace import Workspace

UBND = "Ủy ban nhân dân tỉnh Phú Yên"
SKHCN = "Sở Khoa học và Công nghệ tỉnh Phú Yên"


def _subject(**parts: str) -> x509.Name:
    oids = {"cn": x509.NameOID.COMMON_NAME, "o": x509.NameOID.ORGANIZATION_NAME}
    return x509.Name([x509.NameAttribute(oids[k], v) for k, v in parts.items()])


def test_a_subject_names_the_agency_by_its_common_name() -> None:
    assert names_agency(_subject(cn=UBND, o=UBND), UBND)
    assert names_agency(_subject(cn="ỦY BAN NHÂN DÂN  TỈNH PHÚ YÊN"), UBND)  # case, spaces
    assert names_agency(_subject(cn="Uy ban nhan dan tinh Phu Yen"), UBND)  # no accents
    assert names_agency(_subject(cn=UBND), "UBND tỉnh Phú Yên")  # the desk's abbreviation
    # The agency's name split between the common name and the organisation.
    assert names_agency(_subject(cn="Sở Khoa học và Công nghệ", o="UBND tỉnh Phú Yên"), SKHCN)
    assert not names_agency(_subject(cn="Sở Khoa học và Công nghệ", o="UBND tỉnh Bình Định"), SKHCN)
    assert not names_agency(_subject(cn=UBND, o=UBND), SKHCN)  # the UBND's seal at the Sở
    assert not names_agency(_subject(cn="Nguyễn Văn Hùng", o=UBND), UBND)  # a person's
    assert not names_agency(_subject(cn=UBND), "")


def test_the_chain_reaches_the_trusted_root_through_the_tokens_intermediate(pki: Pki) -> None:
    on_token = [pki.sub_ca.der, pki.agency.der, pki.other_agency.der]
    assert certificate_chain(pki.agency.der, on_token, [pki.ca.der]) == [
        pki.sub_ca.der,
        pki.ca.der,
    ]
    with pytest.raises(errors.CertificateChainIncomplete) as caught:
        certificate_chain(pki.agency.der, on_token, [pki.stranger_ca.der])
    assert caught.value.subject == UBND and "kho chứng thư tin cậy" in str(caught.value)
    # Without a trust store, whatever the token carries goes in.
    assert certificate_chain(pki.agency.der, on_token, []) == [pki.sub_ca.der]


def _nss_trusting(root: bytes, folder: Path) -> Path:
    """An NSS certificate store (what poppler's pdfsig reads) trusting only `root`."""
    folder.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{folder}", "--empty-password"], check=True)
    pem = folder / "root.pem"
    pem.write_bytes(x509.load_der_x509_certificate(root).public_bytes(serialization.Encoding.PEM))
    subprocess.run(
        # Trusted to issue certificates for signing (the e-mail/S-MIME usage NSS checks).
        ["certutil", "-A", "-d", f"sql:{folder}", "-n", "root", "-t", "C,C,C", "-i", str(pem)],
        check=True,
    )
    return folder


def test_pdfsig_trusts_the_seal_when_only_the_root_is_trusted(
    pki: Pki, leader_signed: Callable[..., bytes], seal_png: bytes, tmp_path: Path
) -> None:
    with token_signer(pki.choice, pki.pin, NOW, trust_roots=pki.trust_roots) as signer:
        out = sign.sign_as_agency(
            leader_signed(), signer, seal_png, NOW, trust_roots=pki.trust_roots, agency_name=UBND
        )
    path = tmp_path / "sealed.pdf"
    path.write_bytes(out)
    nss = _nss_trusting(pki.ca.der, tmp_path / "nss")
    report = subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss}", str(path)], capture_output=True, text=True
    ).stdout
    seal = report.split("Signature #2:")[1]
    assert "Signer Certificate Common Name: " + UBND in seal
    assert "Certificate Validation: Certificate is Trusted." in seal, seal
    assert "issuer is unknown" not in report
    # pyHanko with the root alone builds the path through the embedded intermediate.
    checks = check_signatures(out, pki.trust_roots)
    assert [c.trusted for c in checks] == [True, True]
    # Without a trust store pdfsig still finds every issuer in the file: never «unknown».
    assert "issuer is unknown" not in pdfsig(path)


def test_a_second_agency_seal_is_refused(
    pki: Pki, leader_signed: Callable[..., bytes], seal_png: bytes
) -> None:
    with token_signer(pki.choice, pki.pin, NOW) as signer:
        sealed = sign.sign_as_agency(leader_signed(), signer, seal_png, NOW, agency_name=UBND)
        with pytest.raises(errors.AgencySealPresent) as caught:
            sign.sign_as_agency(sealed, signer, seal_png, NOW, agency_name=UBND)
        assert caught.value.field == "ChuKyCoQuan"
        with pytest.raises(errors.AgencySealPresent):
            sign.sign_attachment(sealed, signer, "05/QĐ-UBND", NOW, agency_name=UBND)
        # The number and date marks are the agency's too, but not its seal: sealing follows.
        numbered = sign.add_number_and_date(leader_signed(), signer, "05/QĐ-UBND", NOW.date(), NOW)
        sign.sign_as_agency(numbered, signer, seal_png, NOW, agency_name=UBND)


def _desk(tmp_path: Path, name: str, code: str) -> Workspace:
    return Workspace.init(tmp_path / code, agency_name=name, agency_code=code, actor="qtv.skhcn")


def _settings(pki: Pki, seal: Path, label: str = "agency") -> SigningSettings:
    return SigningSettings(
        pkcs11_module=pki.choice.module,
        token_label=pki.choice.token_label,
        certificate_label=label,
        seal_image=str(seal),
    )


@pytest.fixture
def seal_file(seal_png: bytes, tmp_path: Path) -> Path:
    path = tmp_path / "dau.png"
    path.write_bytes(seal_png)
    return path


def _signed_document(ws: Workspace, data: bytes, tmp_path: Path, pki: Pki, seal: Path) -> str:
    """A leader-signed decision of the desk's agency, numbered, its number and date on the
    file (the life cycle lets the agency seal only then)."""
    pdf = tmp_path / "qd.pdf"
    pdf.write_bytes(data)
    doc = ws.register_outgoing(
        OutgoingDraft(
            doc_type="Quyết định",
            subject="Về việc thành lập Tổ công tác",
            signer="Nguyễn Văn Hùng",
            recipients="Như Điều 3",
            issued_on=NOW.date(),
            files=[pdf],
        )
    ).document.summary.id
    write_number(ws, doc, pki.pin, _settings(pki, seal, "other"), at=NOW)
    return doc


def test_a_desk_refuses_another_agencys_certificate_before_the_pin(
    pki: Pki, leader_signed: Callable[..., bytes], seal_file: Path, tmp_path: Path
) -> None:
    ws = _desk(tmp_path, SKHCN, "SKHCN")
    doc = _signed_document(ws, leader_signed("/QĐ-SKHCN"), tmp_path, pki, seal_file)
    with pytest.raises(errors.CertificateNotOfAgency) as caught:
        # A wrong PIN: the check comes first, so no PIN try is spent on it.
        sign_for_agency(ws, doc, "000000", _settings(pki, seal_file), at=NOW)
    assert (caught.value.subject, caught.value.agency) == (UBND, SKHCN)
    assert "không phải của «Sở Khoa học và Công nghệ tỉnh Phú Yên»" in str(caught.value)
    assert not [f for f in ws.document(doc).files if f.role == "signed"]
    # The Sở's own certificate (CN «Sở Khoa học và Công nghệ», O «UBND tỉnh Phú Yên») seals.
    sign_for_agency(ws, doc, pki.pin, _settings(pki, seal_file, "other"), at=NOW)
    assert ws.document(doc).files[-1].role == "signed"
    # … once: a sealed document has moved on, and the life cycle refuses a second seal.
    with pytest.raises(errors.WrongState):
        sign_for_agency(ws, doc, pki.pin, _settings(pki, seal_file, "other"), at=NOW)
    ws.close()


def test_an_administrators_override_signs_and_is_recorded(
    pki: Pki, leader_signed: Callable[..., bytes], seal_file: Path, tmp_path: Path
) -> None:
    ws = _desk(tmp_path, SKHCN, "SKHCN")
    doc = _signed_document(ws, leader_signed("/QĐ-SKHCN"), tmp_path, pki, seal_file)
    with pytest.raises(errors.MissingField):
        check_agency_certificate(pki.agency.der, SKHCN, CertificateOverride("qtv.skhcn", " "))
    reason = "Chứng thư của Sở hết hạn, UBND tỉnh cho ký thay theo Công văn 12/UBND-VP"
    sign_for_agency(
        ws,
        doc,
        pki.pin,
        _settings(pki, seal_file),
        at=NOW,
        override=CertificateOverride(ws.actor, reason),
    )
    entry = ws.document(doc).history[-1]
    assert entry.action == "file_signed" and entry.actor == "qtv.skhcn"
    assert entry.details["override_reason"] == reason
    assert entry.details["agency"] == SKHCN
    assert f"CN={UBND}" in str(entry.details["certificate_subject"])
    assert ws.verify_audit().ok
    ws.close()


def test_the_command_line_checks_the_agency_and_records_an_override(
    pki: Pki,
    leader_signed: Callable[..., bytes],
    seal_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ws = _desk(tmp_path, SKHCN, "SKHCN")
    doc = _signed_document(ws, leader_signed("/QĐ-SKHCN"), tmp_path, pki, seal_file)
    ws.close()
    for name, value in (
        ("CLERK_PKCS11_MODULE", pki.choice.module),
        ("CLERK_TOKEN_LABEL", pki.choice.token_label),
        ("CLERK_CERT_LABEL", "agency"),
        ("CLERK_PIN", pki.pin),
    ):
        monkeypatch.setenv(name, value)
    out = tmp_path / "qd-ky.pdf"
    base = ["--data-dir", str(tmp_path / "SKHCN"), "sign", doc, "--out", str(out)]
    base += ["--seal-image", str(seal_file), "--json"]

    assert main(base) == 2
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "CertificateNotOfAgency"
    assert not out.exists()

    assert main([*base, "--override-reason", "Ký thay theo chỉ đạo"]) == 0
    capsys.readouterr()
    assert "Signature is Valid." in pdfsig(out)
    with Workspace.open(tmp_path / "SKHCN") as desk:
        agency = desk.agency()
        entry = desk.document(doc).history[-1]
    assert entry.action == "file_signed"
    assert entry.details["override_reason"] == "Ký thay theo chỉ đạo"
    assert entry.details["agency"] == agency.name

    # No desk, no record: nothing is signed there.
    code = main(["--data-dir", str(tmp_path / "khong-co"), "sign", doc, "--json"])
    assert code == 2 and json.loads(capsys.readouterr().out)["error"]["code"] == "NotInitialised"
