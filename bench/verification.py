"""Benchmark: verifying a B-T document (leader, agency with timestamp, document timestamp).

    .venv/bin/python bench/verification.py [--repeat 20]

Ours: `check_signatures`, which also reads each timestamp token, recomputes its message imprint
and finds the widgets. Baseline: pyHanko's own `validate_pdf_signature` / `validate_pdf_timestamp`
over the same signatures with the same trust roots, nothing else.
"""

from __future__ import annotations

import argparse
import io
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import ROOT, machine_info, summarise, table, write_json
from stamping import identities, scan, timed

sys.path.insert(0, str(ROOT))


def timestamper() -> tuple[Any, bytes]:
    """pyHanko's in-process test TSA (EKU timeStamping) and the root that certifies it."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    from pyhanko.sign.timestamps import DummyTimeStamper

    def certificate(cn: str, key: Any, issuer: Any, extension: Any) -> Any:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
        return (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(issuer[1].subject if issuer else name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(datetime(2025, 1, 1, tzinfo=UTC))
            .not_valid_after(datetime(2030, 1, 1, tzinfo=UTC))
            .add_extension(extension, critical=True)
            .sign(issuer[0] if issuer else key, hashes.SHA256())
        )

    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root = certificate("TSA root", root_key, None, x509.BasicConstraints(ca=True, path_length=None))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = certificate(
        "TSA", key, (root_key, root), x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING])
    )
    der = serialization.Encoding.DER
    root_der = root.public_bytes(der)
    stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(der)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        ),
        certs_to_embed=[asn1_x509.Certificate.load(root_der)],  # type: ignore[arg-type]
    )
    return stamper, root_der


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields, signers
    from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
    from pyhanko_certvalidator import ValidationContext

    from clerk_app.signing.verify import check_signatures

    leader, agency, ca_der = identities()
    tsa, tsa_root_der = timestamper()

    def signed_by(data: bytes, who: Any, field: str, stamper: Any = None) -> bytes:
        meta = signers.PdfSignatureMetadata(
            field_name=field, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
        )
        writer = IncrementalPdfFileWriter(io.BytesIO(data))
        out = signers.PdfSigner(meta, who, timestamper=stamper).sign_pdf(writer)
        return bytes(out.getvalue())

    document = signed_by(scan(1), leader, "ChuKyLanhDao")
    document = signed_by(document, agency, "ChuKyCoQuan", tsa)
    writer = IncrementalPdfFileWriter(io.BytesIO(document))
    document = bytes(
        signers.PdfTimeStamper(tsa, field_name="DauThoiGian")
        .timestamp_pdf(writer, "sha256", in_place=False)
        .getvalue()
    )
    roots = [ca_der, tsa_root_der]
    checks = check_signatures(document, roots)
    assert [c.kind for c in checks] == ["signature", "signature", "document_timestamp"]
    assert all(c.sound and c.trusted for c in checks), checks
    assert checks[1].timestamp is not None and checks[1].timestamp.trusted

    def ours() -> None:
        check_signatures(document, roots)

    def raw() -> None:
        certs = [asn1_x509.Certificate.load(d) for d in roots]
        for sig in PdfFileReader(io.BytesIO(document)).embedded_signatures:
            context = ValidationContext(trust_roots=certs, allow_fetching=False)
            if sig.sig_object_type == "/DocTimeStamp":
                validate_pdf_timestamp(sig, context)
            else:
                validate_pdf_signature(sig, context)

    ours_s = summarise(timed(ours, args.repeat))
    raw_s = summarise(timed(raw, args.repeat))
    rows = [
        [
            "check_signatures: 2 signatures (one B-T) + document timestamp",
            ours_s["p50_ms"],
            ours_s["max_ms"],
            f"{ours_s['p50_ms'] / raw_s['p50_ms']:.2f}×",
        ],
        ["baseline: pyHanko validate_* on the same", raw_s["p50_ms"], raw_s["max_ms"], "1.00×"],
    ]
    print(table(["what", "p50 ms", "max ms", "÷ baseline"], rows))
    out = write_json(
        "verification",
        {
            "machine": machine_info(Path("/var/tmp")),
            "document_bytes": len(document),
            "ours": ours_s,
            "raw_pyhanko": raw_s,
        },
    )
    print(f"\n{out}")


if __name__ == "__main__":
    main()
