"""PAdES B-T: with a timestamp server configured, the agency signature carries an RFC 3161 token,
and verification reports it; a document timestamp (/DocTimeStamp) is an entry of its own.

The timestamp server is a real HTTP server on 127.0.0.1 (signing_pki's `tsa`) answering with
pyHanko's test TSA, whose certificate the test PKI's CA issues.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from signing_pki import NOW, TSA_NAME, TSA_TIME, Pki, Tsa, add_document_timestamp, pdfsig

from clerk_app import errors
from clerk_app.messages import describe
from clerk_app.signing import sign
from clerk_app.signing.token import token_signer
from clerk_app.signing.verify import (
    DOCUMENT_TIMESTAMP,
    SIGNATURE,
    check_signatures,
    require_signer_signature,
)


def _sign_agency(pki: Pki, data: bytes, seal: bytes, tsa: str) -> bytes:
    with token_signer(pki.choice, pki.pin, NOW) as signer:
        return sign.sign_as_agency(
            data, signer, seal, NOW, trust_roots=pki.trust_roots, timestamp_url=tsa
        )


def test_agency_signature_is_pades_b_t_with_a_timestamp_server(
    pki: Pki,
    leader_signed: Callable[..., bytes],
    seal_png: bytes,
    tsa: Tsa,
    tmp_path: Path,
) -> None:
    out = _sign_agency(pki, leader_signed(), seal_png, tsa.url)

    reader = PdfFileReader(io.BytesIO(out))
    leader, agency = reader.embedded_signatures
    context = ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(pki.ca.der)], allow_fetching=False
    )
    status = validate_pdf_signature(agency, context)
    assert status.bottom_line
    assert agency.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    ts = status.timestamp_validity
    assert ts is not None, "the agency signature carries no signature timestamp"
    assert (ts.intact, ts.valid, ts.trusted) == (True, True, True)
    assert ts.timestamp == TSA_TIME
    # The leader's signature (signed offline in the fixture) has none, and stays valid.
    leader_status = validate_pdf_signature(leader, context)
    assert leader_status.timestamp_validity is None
    assert leader_status.bottom_line

    path = tmp_path / "b-t.pdf"
    path.write_bytes(out)
    report = pdfsig(path)
    assert report.count("Signature Validation: Signature is Valid.") == 2, report
    assert report.count("Signature Type: ETSI.CAdES.detached") == 2, report


def test_no_timestamp_server_means_b_b(
    pki: Pki, leader_signed: Callable[..., bytes], seal_png: bytes
) -> None:
    with token_signer(pki.choice, pki.pin, NOW) as signer:
        out = sign.sign_as_agency(leader_signed(), signer, seal_png, NOW)
    agency = PdfFileReader(io.BytesIO(out)).embedded_signatures[1]
    context = ValidationContext(trust_roots=[asn1_x509.Certificate.load(pki.ca.der)])
    status = validate_pdf_signature(agency, context)
    assert status.timestamp_validity is None


def test_unreachable_timestamp_server_is_a_typed_error(
    pki: Pki, leader_signed: Callable[..., bytes], seal_png: bytes
) -> None:
    # Port 9 on loopback: nothing listens there, the connection is refused at once.
    with pytest.raises(errors.TimestampServerFailed) as caught:
        _sign_agency(pki, leader_signed(), seal_png, "http://127.0.0.1:9/tsa")
    assert caught.value.url == "http://127.0.0.1:9/tsa"
    assert "Máy chủ cấp dấu thời gian" in describe(caught.value).what


def test_verification_reports_the_signature_timestamp(
    pki: Pki, leader_signed: Callable[..., bytes], seal_png: bytes, tsa: Tsa
) -> None:
    out = _sign_agency(pki, leader_signed(), seal_png, tsa.url)

    leader, agency = check_signatures(out, pki.trust_roots)
    assert leader.timestamp is None, "the leader signed offline: PAdES B-B"
    assert agency.kind == SIGNATURE
    stamp = agency.timestamp
    assert stamp is not None
    assert (stamp.authority, stamp.time) == (TSA_NAME, TSA_TIME)
    assert (stamp.intact, stamp.imprint_matches, stamp.valid, stamp.trusted) == (
        True,
        True,
        True,
        True,
    )
    # Without the trust store the token is still sound, but nothing vouches for the TSA.
    (_, untrusted) = check_signatures(out)
    assert untrusted.timestamp is not None
    assert (untrusted.timestamp.intact, untrusted.timestamp.trusted) == (True, False)


def test_a_token_issued_over_other_bytes_does_not_match(
    pki: Pki, leader_signed: Callable[..., bytes], seal_png: bytes, tsa: Tsa
) -> None:
    from clerk_app.signing.verify import _imprint_matches, _signature_token

    out = _sign_agency(pki, leader_signed(), seal_png, tsa.url)
    leader, agency = PdfFileReader(io.BytesIO(out)).embedded_signatures
    token = _signature_token(agency)
    assert token is not None
    assert _imprint_matches(token, agency.signer_info["signature"].native)
    assert not _imprint_matches(token, leader.signer_info["signature"].native)
    assert _signature_token(leader) is None


def test_document_timestamp_is_an_entry_of_its_own(
    pki: Pki, leader_signed: Callable[..., bytes], tsa: Tsa, tmp_path: Path
) -> None:
    stamped = add_document_timestamp(leader_signed(), tsa.url)

    leader, document = check_signatures(stamped, pki.trust_roots)
    assert leader.kind == SIGNATURE and leader.sound and leader.trusted
    assert leader.modification_level in ("none", "lta_updates")
    assert document.kind == DOCUMENT_TIMESTAMP
    assert (document.field, document.signer, document.signed_at) == (
        "DauThoiGian",
        TSA_NAME,
        TSA_TIME,
    )
    assert (document.intact, document.valid, document.trusted, document.covers_whole_file) == (
        True,
        True,
        True,
        True,
    )
    assert document.timestamp is not None and document.timestamp.imprint_matches
    # NĐ 30 art. 32 looks for the signer's signature, never at the timestamp.
    assert require_signer_signature([leader, document], require_trusted=True) == leader
    with pytest.raises(errors.SignerSignatureMissing):
        require_signer_signature([document], require_trusted=True)

    path = tmp_path / "dau-thoi-gian.pdf"
    path.write_bytes(stamped)
    report = pdfsig(path)
    # Poppler (Debian 12) lists a document timestamp but cannot validate RFC 3161 tokens; it
    # must still find the leader's signature valid under the added revision.
    assert "Signature Field Name: DauThoiGian" in report, report
    assert f"Signer Certificate Common Name: {TSA_NAME}" in report, report
    assert report.count("Signature Validation: Signature is Valid.") == 1, report


def test_tampered_document_timestamp_is_not_intact(
    pki: Pki, leader_signed: Callable[..., bytes], tsa: Tsa
) -> None:
    stamped = bytearray(add_document_timestamp(leader_signed(), tsa.url))
    # One letter of the first revision's /Producer: bytes both the leader and the TSA covered.
    at = bytes(stamped).index(b"Producer(MuPDF") + len("Producer(")
    stamped[at : at + 1] = b"N"
    leader, document = check_signatures(bytes(stamped), pki.trust_roots)
    assert document.kind == DOCUMENT_TIMESTAMP
    assert (leader.intact, document.intact) == (False, False)
    assert document.timestamp is not None and not document.timestamp.imprint_matches
