"""Benchmark: arrival stamp on a 20-page scan, and signing overhead above a raw pyHanko call.

    .venv/bin/python bench/stamping.py [--repeat 30]

Stamping baseline: opening the same scan and writing it back unchanged (the floor for any
PDF rewrite). Signing baseline: pyHanko's own `sign_pdf` with the same in-memory key, no
appearance, no checks. Ours adds the leader check, the seal appearance and re-validation.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from _common import ROOT, machine_info, summarise, table, write_json

sys.path.insert(0, str(ROOT))


def scan(pages: int) -> bytes:
    import pymupdf

    from clerk_app.demo import letter_pdf

    letter = letter_pdf(
        "Sở Tài chính", "123/STC-NS", date(2026, 3, 2), "Công văn", "Về việc quyết toán"
    )
    with pymupdf.open(stream=letter) as src:
        jpeg = src[0].get_pixmap(dpi=200, colorspace=pymupdf.csGRAY).tobytes("jpeg", jpg_quality=75)
    with pymupdf.open() as doc:
        for _ in range(pages):
            page = doc.new_page(width=595, height=842)
            page.insert_image(page.rect, stream=jpeg)
        return bytes(doc.tobytes(garbage=3, deflate=True))


def timed(fn: Any, repeat: int) -> list[float]:
    fn()  # warm-up: font subsets, imports
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def identities() -> tuple[Any, Any, Any]:
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    from pyhanko.keys import load_private_key_from_pemder_data
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    def make(cn: str, issuer: Any, ca: bool) -> tuple[Any, Any]:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(issuer[1].subject if issuer else name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(datetime(2025, 1, 1, tzinfo=UTC))
            .not_valid_after(datetime(2030, 1, 1, tzinfo=UTC))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=not ca,
                    content_commitment=not ca,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=ca,
                    crl_sign=ca,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(issuer[0] if issuer else key, hashes.SHA256())
        )
        return key, cert

    ca = make("CA", None, True)

    def signer(who: tuple[Any, Any]) -> Any:
        pem = who[0].private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        der = who[1].public_bytes(serialization.Encoding.DER)
        ca_der = ca[1].public_bytes(serialization.Encoding.DER)
        return SimpleSigner(
            signing_cert=asn1_x509.Certificate.load(der),
            signing_key=load_private_key_from_pemder_data(pem, None),
            cert_registry=SimpleCertificateStore.from_certs([asn1_x509.Certificate.load(ca_der)]),
        )

    return (
        signer(make("Nguyễn Văn Hùng", ca, False)),
        signer(make("UBND", ca, False)),
        ca[1].public_bytes(serialization.Encoding.DER),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    import pymupdf
    from PIL import Image, ImageDraw
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    from clerk_app.clock import VIETNAM
    from clerk_app.signing import sign
    from clerk_app.stamping.appearance import image_appearance
    from clerk_app.stamping.arrival import ArrivalStamp, Box, stamp_arrival

    data = scan(20)
    stamp = ArrivalStamp(
        "Ủy ban nhân dân tỉnh Phú Yên", 12, date(2026, 3, 10), "Phòng Kinh tế", "HS-05"
    )

    def rewrite() -> None:
        with pymupdf.open(stream=data) as doc:
            doc.tobytes(garbage=0, deflate=True)

    stamped = stamp_arrival(data, stamp).data
    numbers = iter(range(1, 1_000_000))

    def next_arrival() -> None:
        # Each stamp carries the next arrival number, as at the desk.
        stamp_arrival(data, replace(stamp, number=next(numbers)))

    stamping = summarise(timed(next_arrival, args.repeat))
    floor = summarise(timed(rewrite, args.repeat))

    leader, agency, ca_der = identities()
    img = Image.new("RGBA", (472, 472), (0, 0, 0, 0))
    ImageDraw.Draw(img).ellipse((4, 4, 468, 468), outline=(220, 20, 20, 255), width=12)
    buf = io.BytesIO()
    img.save(buf, "PNG", dpi=(300, 300))
    seal = buf.getvalue()
    draft = scan(1)
    box = Box(345, 345, 495, 410)
    at = datetime(2026, 3, 10, 9, 15, 2, tzinfo=VIETNAM)
    signed = sign.sign_pdf(
        draft, leader, "ChuKyLanhDao", at, sign.Appearance(0, box, image_appearance(seal, 150, 65))
    )

    def raw() -> None:
        writer = IncrementalPdfFileWriter(io.BytesIO(signed))
        signers.sign_pdf(writer, signers.PdfSignatureMetadata(field_name="Raw"), signer=agency)

    def ours() -> None:
        sign.sign_as_agency(signed, agency, seal, at, trust_roots=[ca_der])

    raw_s = summarise(timed(raw, max(args.repeat // 3, 5)))
    ours_s = summarise(timed(ours, max(args.repeat // 3, 5)))

    rows = [
        [
            "arrival stamp, 20-page scan",
            stamping["p50_ms"],
            stamping["max_ms"],
            f"{(len(stamped) - len(data)) / 1024:.1f}",
            f"{stamping['p50_ms'] / floor['p50_ms']:.1f}×",
        ],
        ["baseline: open + rewrite unchanged", floor["p50_ms"], floor["max_ms"], "0", "1.0×"],
        [
            "agency signature (check + seal + re-validate)",
            ours_s["p50_ms"],
            ours_s["max_ms"],
            "",
            f"{ours_s['p50_ms'] / raw_s['p50_ms']:.1f}×",
        ],
        ["baseline: raw pyHanko sign_pdf, same key", raw_s["p50_ms"], raw_s["max_ms"], "", "1.0×"],
    ]
    print(table(["what", "p50 ms", "max ms", "growth KiB", "÷ baseline"], rows))
    out = write_json(
        "stamping",
        {
            "machine": machine_info(Path("/var/tmp")),
            "scan_bytes": len(data),
            "stamped_growth_bytes": len(stamped) - len(data),
            "stamp": stamping,
            "rewrite_floor": floor,
            "sign_ours": ours_s,
            "sign_raw_pyhanko": raw_s,
        },
    )
    print(f"\n{out}")


if __name__ == "__main__":
    main()
