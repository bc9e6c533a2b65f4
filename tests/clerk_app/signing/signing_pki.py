"""Test PKI on SoftHSM2 (a test CA, leader and agency certificates) and signed letters to sign."""

from __future__ import annotations

import io
import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pkcs11
import pymupdf
import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from PIL import Image, ImageDraw
from pkcs11 import Attribute, ObjectClass
from pkcs11.util.rsa import decode_rsa_private_key
from pkcs11.util.x509 import decode_x509_certificate
from pyhanko.sign.signers import SimpleSigner

from clerk_app.clock import VIETNAM
from clerk_app.signing import sign
from clerk_app.signing.token import TokenChoice
from clerk_app.stamping.appearance import image_appearance
from clerk_app.stamping.arrival import Box
from clerk_app.stamping.fonts import vietnamese_font

SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
TOKEN_LABEL = "UBND-PHUYEN"
USER_PIN = "246810"
SO_PIN = "13579111"
NOW = datetime(2026, 3, 10, 9, 15, 2, tzinfo=VIETNAM)


@dataclass
class Identity:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    def simple_signer(self, ca: Identity) -> SimpleSigner:
        from pyhanko.keys import load_private_key_from_pemder_data

        pem = self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return SimpleSigner(
            signing_cert=asn1_x509.Certificate.load(self.der),
            signing_key=load_private_key_from_pemder_data(pem, None),
            cert_registry=_registry([ca.der]),
        )


def _registry(ders: list[bytes]) -> object:
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    return SimpleCertificateStore.from_certs([asn1_x509.Certificate.load(d) for d in ders])


@dataclass
class Pki:
    ca: Identity  # the root the desk trusts
    leader: Identity
    agency: Identity  # issued by `sub_ca`, as government CAs issue agency certificates
    stranger_ca: Identity
    choice: TokenChoice
    pin: str
    sub_ca: Identity  # the intermediate CA; its certificate is on the token, as on real ones
    other_agency: Identity  # another agency's certificate on the same token (label "other")

    @property
    def trust_roots(self) -> list[bytes]:
        return [self.ca.der]


def _name(common: str, organisation: str = "Ủy ban nhân dân tỉnh Phú Yên") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _certificate(
    common: str,
    key: rsa.RSAPrivateKey,
    issuer: Identity | None,
    *,
    ca: bool = False,
    signing: bool = True,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    organisation: str = "Ủy ban nhân dân tỉnh Phú Yên",
) -> Identity:
    start = not_before or datetime(2025, 1, 1, tzinfo=UTC)
    end = not_after or datetime(2030, 1, 1, tzinfo=UTC)
    subject = _name(common, organisation)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=signing and not ca,
                content_commitment=signing and not ca,
                key_encipherment=not signing,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    cert = builder.sign(issuer.key if issuer else key, hashes.SHA256())
    return Identity(key, cert)


def _store_on_token(session: object, label: str, key_id: bytes, who: Identity) -> None:
    der_key = who.key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    attrs = decode_rsa_private_key(der_key)
    attrs.update(
        {
            Attribute.TOKEN: True,
            Attribute.LABEL: label,
            Attribute.ID: key_id,
            Attribute.PRIVATE: True,
            Attribute.SENSITIVE: True,
            Attribute.SIGN: True,
        }
    )
    session.create_object(attrs)  # type: ignore[attr-defined]
    _certificate_on_token(session, label, key_id, who)


def _certificate_on_token(session: object, label: str, key_id: bytes, who: Identity) -> None:
    cert_attrs = decode_x509_certificate(who.der)
    cert_attrs.update({Attribute.TOKEN: True, Attribute.LABEL: label, Attribute.ID: key_id})
    session.create_object(cert_attrs)  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pki]:
    """A test CA, a leader (in memory), and the agency's keys on a fresh SoftHSM2 token.

    The token has, besides the agency's certificate (issued by an intermediate CA whose
    certificate is on the token too): `expired` (validity ended 2025), `encrypt-only` (no
    signing usage) and `other` (another agency's), for the bad-input tests.
    """
    home = tmp_path_factory.mktemp("softhsm")
    (home / "tokens").mkdir()
    conf = home / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {home / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    # SoftHSM reads its configuration when the module is first initialised, for the whole
    # process: this session's token directory is the only one any test can see.
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(
        [
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            TOKEN_LABEL,
            "--pin",
            USER_PIN,
            "--so-pin",
            SO_PIN,
        ],
        check=True,
        capture_output=True,
    )
    ca_key = _key()
    ca = _certificate("CA thử nghiệm Ban Cơ yếu", ca_key, None, ca=True)
    # Root → intermediate → agency, as the government PKI issues agency certificates.
    sub_ca = _certificate("CA thử nghiệm phục vụ các cơ quan nhà nước", _key(), ca, ca=True)
    leader = _certificate("Nguyễn Văn Hùng", _key(), ca)
    agency_key = _key()
    agency = _certificate("Ủy ban nhân dân tỉnh Phú Yên", agency_key, sub_ca)
    expired = _certificate(
        "Ủy ban nhân dân tỉnh Phú Yên (cũ)",
        agency_key,
        ca,
        not_before=datetime(2020, 1, 1, tzinfo=UTC),
        not_after=datetime(2025, 1, 1, tzinfo=UTC),
    )
    encrypt_only = _certificate(
        "Ủy ban nhân dân tỉnh Phú Yên (mã hóa)", agency_key, ca, signing=False
    )
    # Another agency of the province, left on the same token: a Sở KH&CN desk must not seal
    # with the UBND's certificate, nor a UBND desk with the Sở's.
    other_agency = _certificate(
        "Sở Khoa học và Công nghệ", _key(), sub_ca, organisation="UBND tỉnh Phú Yên"
    )
    stranger_ca = _certificate("CA không tin cậy", _key(), None, ca=True)
    lib = pkcs11.lib(SOFTHSM_MODULE)
    token = lib.get_token(token_label=TOKEN_LABEL)
    with token.open(rw=True, user_pin=USER_PIN) as session:
        _store_on_token(session, "agency", b"\x01", agency)
        _store_on_token(session, "expired", b"\x02", expired)
        _store_on_token(session, "encrypt-only", b"\x03", encrypt_only)
        _store_on_token(session, "other", b"\x04", other_agency)
        _certificate_on_token(session, "ca-trung-gian", b"\x05", sub_ca)
        assert len(list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY}))) == 4
    # Register the loaded module so the code under test reuses it (one C_Initialize a process).
    from clerk_app.signing import token as token_module

    token_module._LIBRARIES[SOFTHSM_MODULE] = lib
    yield Pki(
        ca=ca,
        leader=leader,
        agency=agency,
        stranger_ca=stranger_ca,
        choice=TokenChoice(SOFTHSM_MODULE, TOKEN_LABEL, "agency"),
        pin=USER_PIN,
        sub_ca=sub_ca,
        other_agency=other_agency,
    )


# --- documents ---------------------------------------------------------------------------


def signature_png(colour: tuple[int, int, int], text: str, size: tuple[int, int]) -> bytes:
    """A transparent PNG with a scribble (a handwritten signature) or a ring (a seal)."""
    img = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    w, h = size
    if text == "seal":
        draw.ellipse((4, 4, w - 4, h - 4), outline=(*colour, 255), width=max(w // 40, 3))
        draw.ellipse((w // 4, h // 4, 3 * w // 4, 3 * h // 4), outline=(*colour, 255), width=3)
        draw.regular_polygon((w // 2, h // 2, w // 10), 5, fill=(*colour, 255))
    else:
        points = [
            (int(w * t / 40), int(h / 2 + (h / 3) * ((-1) ** t) * (t % 7) / 7)) for t in range(41)
        ]
        draw.line(points, fill=(*colour, 255), width=4, joint="curve")
    out = io.BytesIO()
    img.save(out, "PNG", dpi=(300, 300))
    return out.getvalue()


def outgoing_draft(symbol: str = "/QĐ-UBND", year_blank: bool = False) -> bytes:
    """An NĐ 30 decision page whose number and date are left blank for the clerk."""
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    # Tinos cut to Vietnamese and ASCII, as a word processor embeds only what a letter can use:
    # the whole fonts' width tables (3 × 3,000 numbers) were walked by every signature check,
    # a third of the signing tests' time.
    for style in ("regular", "italic", "bold"):
        page.insert_font(fontname=style, fontbuffer=vietnamese_font(style))
    year = "" if year_blank else "2026"

    def text(x: float, y: float, line: str, size: float = 13, font: str = "regular") -> None:
        page.insert_text((x, y), line, fontsize=size, fontname=font)

    text(70, 70, "ỦY BAN NHÂN DÂN", font="bold")
    text(75, 86, "TỈNH PHÚ YÊN", font="bold")
    text(300, 70, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 12, "bold")
    text(345, 86, "Độc lập - Tự do - Hạnh phúc", font="bold")
    text(70, 115, f"Số:        {symbol}")
    text(320, 115, f"Phú Yên, ngày      tháng      năm {year}", font="italic")
    text(250, 165, "QUYẾT ĐỊNH", 14, "bold")
    text(150, 185, "Về việc thành lập Tổ công tác cải cách hành chính", 14, "bold")
    text(85, 230, "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ;")
    text(85, 250, "Điều 1. Thành lập Tổ công tác cải cách hành chính tỉnh Phú Yên.")
    text(380, 330, "CHỦ TỊCH", 13, "bold")
    text(365, 430, "Nguyễn Văn Hùng", 13, "bold")
    data = doc.tobytes(garbage=3, deflate=True)
    doc.close()
    return bytes(data)


LEADER_BOX = Box(345.0, 345.0, 495.0, 410.0)  # between the title line and the name line


@pytest.fixture(scope="session")
def leader_signed(pki: Pki) -> Callable[..., bytes]:
    """The draft signed by the leader with the blue signature image (the leader's own tool)."""
    cache: dict[tuple[str, bool], bytes] = {}

    def make(symbol: str = "/QĐ-UBND", certify_no_changes: bool = False) -> bytes:
        key = (symbol, certify_no_changes)
        if key not in cache:
            png = signature_png((20, 40, 170), "scribble", (600, 260))
            look = sign.Appearance(
                0, LEADER_BOX, image_appearance(png, LEADER_BOX.width, LEADER_BOX.height)
            )
            signer = pki.leader.simple_signer(pki.ca)
            if certify_no_changes:
                cache[key] = _certify(outgoing_draft(symbol), signer)
            else:
                cache[key] = sign.sign_pdf(
                    outgoing_draft(symbol), signer, "ChuKyLanhDao", NOW - timedelta(hours=1), look
                )
        return cache[key]

    return make


def _certify(data: bytes, signer: SimpleSigner) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    meta = signers.PdfSignatureMetadata(
        field_name="ChuKyLanhDao", certify=True, docmdp_permissions=fields.MDPPerm.NO_CHANGES
    )
    return signers.sign_pdf(writer, meta, signer=signer).getvalue()


@pytest.fixture(scope="session")
def seal_png() -> bytes:
    # 472 px at 300 dpi: a 40 mm seal
    return signature_png((220, 20, 20), "seal", (472, 472))


def pdfsig(path: Path) -> str:
    result = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False)
    return result.stdout + result.stderr


ISSUED_ON = date(2026, 3, 10)


# --- a timestamp server (RFC 3161) ---------------------------------------------------------

# The TSA's own clock in the tests: a fixed moment a little after the signing time.
TSA_TIME = datetime(2026, 3, 10, 2, 15, 30, tzinfo=UTC)
TSA_NAME = "Máy chủ cấp dấu thời gian thử"


@dataclass
class Tsa:
    url: str
    der: bytes  # the TSA's certificate, issued by the test CA
    requests: list[int]  # sizes of the requests served, so a test can see it was asked


def _tsa_identity(pki: Pki) -> tuple[asn1_x509.Certificate, object]:
    """A timestamping certificate from the test CA (EKU timeStamping, critical, as RFC 3161
    requires)."""
    from asn1crypto import keys as asn1_keys
    from cryptography.x509.oid import ExtendedKeyUsageOID

    key = _key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                    x509.NameAttribute(NameOID.COMMON_NAME, TSA_NAME),
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


@pytest.fixture(scope="session")
def tsa(pki: Pki) -> Iterator[Tsa]:
    """An RFC 3161 timestamp server over HTTP on a free local port, answering with pyHanko's
    test TSA (a real token signed by a key the test CA certifies)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from asn1crypto import tsp
    from pyhanko.sign.timestamps import DummyTimeStamper

    cert, key = _tsa_identity(pki)
    stamper = DummyTimeStamper(
        tsa_cert=cert,
        tsa_key=key,  # type: ignore[arg-type]
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
        yield Tsa(f"http://127.0.0.1:{server.server_address[1]}/tsa", cert.dump(), requests)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def add_document_timestamp(data: bytes, url: str) -> bytes:
    """A /DocTimeStamp over the whole file from the server at `url` (as an archive would add)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.timestamps import HTTPTimeStamper

    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    stamper = signers.PdfTimeStamper(HTTPTimeStamper(url), field_name="DauThoiGian")
    out = stamper.timestamp_pdf(writer, "sha256", in_place=False)
    return bytes(out.getvalue())
