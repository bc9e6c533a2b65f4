"""PAdES B-T: with a timestamp server configured, the agency signature carries an RFC 3161 token.

The timestamp server is a real HTTP server on 127.0.0.1 answering with pyHanko's test TSA,
whose certificate the test PKI's CA issues.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from signing_pki import NOW, Pki, pdfsig

from clerk_app import errors
from clerk_app.messages import describe
from clerk_app.signing import sign
from clerk_app.signing.token import token_signer

# The TSA's own clock in this test: a fixed moment a little after the signing time.
TSA_TIME = datetime(2026, 3, 10, 2, 15, 30, tzinfo=UTC)


def _tsa_identity(pki: Pki) -> tuple[asn1_x509.Certificate, asn1_keys.PrivateKeyInfo]:
    """A timestamping certificate from the test CA (EKU timeStamping, critical, as RFC 3161
    requires)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                    x509.NameAttribute(NameOID.COMMON_NAME, "Máy chủ cấp dấu thời gian thử"),
                ]
            )
        )
        .issuer_name(pki.ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime(2025, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2030, 1, 1, tzinfo=UTC))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(pki.ca.key, hashes.SHA256())
    )
    der_key = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return (
        asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        asn1_keys.PrivateKeyInfo.load(der_key),
    )


@pytest.fixture(scope="module")
def tsa_url(pki: Pki) -> Iterator[str]:
    """An RFC 3161 timestamp server over HTTP on a free local port, for this module's tests."""
    cert, key = _tsa_identity(pki)
    stamper = DummyTimeStamper(
        tsa_cert=cert,
        tsa_key=key,
        certs_to_embed=[asn1_x509.Certificate.load(pki.ca.der)],  # type: ignore[arg-type]
        fixed_dt=TSA_TIME,
    )
    requests: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.headers.get("Content-Type") != "application/timestamp-query":
                self.send_error(415)
                return
            reply = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            requests.append(len(body))
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tsa"
        assert requests, "the timestamp server was never asked"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _sign_agency(pki: Pki, data: bytes, seal: bytes, tsa: str) -> bytes:
    with token_signer(pki.choice, pki.pin, NOW) as signer:
        return sign.sign_as_agency(
            data, signer, seal, NOW, trust_roots=pki.trust_roots, timestamp_url=tsa
        )


def test_agency_signature_is_pades_b_t_with_a_timestamp_server(
    pki: Pki,
    leader_signed: Callable[..., bytes],
    seal_png: bytes,
    tsa_url: str,
    tmp_path: Path,
) -> None:
    out = _sign_agency(pki, leader_signed(), seal_png, tsa_url)

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
