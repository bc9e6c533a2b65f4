"""Checks every signature and timestamp in a PDF (intact, valid, trusted, what changed after it); never modifies it.

Trust is against the desk's trust store: certificate files (PEM or DER) the administrator puts
in a folder, e.g. the Vietnamese government root CA; nothing is fetched from the network.
A signature's RFC 3161 timestamp (PAdES B-T) is reported with it; a document timestamp
(/DocTimeStamp) is an entry of its own.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from asn1crypto import cms, pem, tsp
from asn1crypto import x509 as asn1_x509

from clerk_app import errors
from clerk_app.stamping.arrival import Box
from clerk_app.stamping.pdf import SIGNATURE_WIDGET, open_pdf

# pyHanko logs every untrusted chain as a warning; the result carries that already.
logging.getLogger("pyhanko").setLevel(logging.ERROR)
logging.getLogger("pyhanko_certvalidator").setLevel(logging.ERROR)

# Worst change after a signature that keeps it valid: a later signature or its form field.
ACCEPTABLE_LEVELS = ("none", "lta_updates", "form_filling")


# What an entry is: a signer's signature, or a timestamp over the whole document so far.
SIGNATURE = "signature"
DOCUMENT_TIMESTAMP = "document_timestamp"


@dataclass(frozen=True)
class TimestampCheck:
    """An RFC 3161 token: who issued it, the time it vouches for, and whether to believe it."""

    authority: str  # the timestamp server's (TSA's) certificate subject
    time: datetime
    intact: bool  # the token's own signature covers its content, and the imprint matches
    imprint_matches: bool  # the token was issued over this signature (or these document bytes)
    valid: bool
    trusted: bool  # the TSA's certificate chains to the trust store


@dataclass(frozen=True)
class SignatureCheck:
    field: str
    signer: str
    signed_at: datetime | None
    intact: bool
    valid: bool
    trusted: bool
    modification_level: str  # none | lta_updates | form_filling | annotations | other
    covers_whole_file: bool
    page: int | None  # 0-based page of its widget, None when invisible
    box: Box | None  # the widget on that page, top-left origin
    kind: str = SIGNATURE
    # PAdES B-T: the signature's timestamp; for a document timestamp, the token itself.
    timestamp: TimestampCheck | None = None
    certificate: bytes = b""  # the signer's certificate, DER (whose it is: signing.identity)

    @property
    def sound(self) -> bool:
        """Intact, cryptographically valid, and nothing worse than form filling after it."""
        return self.intact and self.valid and self.modification_level in ACCEPTABLE_LEVELS


def load_trust_roots(paths: Iterable[Path]) -> list[bytes]:
    """DER certificates from files or folders of .pem/.crt/.cer/.der files."""
    roots: list[bytes] = []
    for path in paths:
        files = sorted(path.iterdir()) if path.is_dir() else [path]
        for file in files:
            if file.suffix.lower() not in (".pem", ".crt", ".cer", ".der"):
                continue
            data = file.read_bytes()
            if pem.detect(data):
                roots.extend(der for _, _, der in pem.unarmor(data, multiple=True))
            else:
                roots.append(data)
    return roots


def _subject(cert: asn1_x509.Certificate) -> str:
    name = cert.subject.native
    return str(name.get("common_name") or cert.subject.human_friendly)


def _token_info(token: cms.SignedData) -> tsp.TSTInfo:
    return token["encap_content_info"]["content"].parsed


def _imprint_matches(token: cms.SignedData, data: bytes) -> bool:
    """RFC 3161 §2.4.2: the token's message imprint is the digest of exactly these bytes."""
    imprint = _token_info(token)["message_imprint"]
    algorithm = imprint["hash_algorithm"]["algorithm"].native
    try:
        digest = hashlib.new(algorithm, data).digest()
    except ValueError:
        return False
    return bool(digest == imprint["hashed_message"].native)


def _signature_token(sig: Any) -> cms.SignedData | None:
    """The signature timestamp token among the signer's unsigned attributes, if any."""
    attrs = sig.signer_info["unsigned_attrs"]
    if not attrs:
        return None
    for attr in attrs:
        if attr["type"].native == "signature_time_stamp_token":
            return attr["values"][0]["content"]
    return None


def _timestamp_check(
    status: Any, token: cms.SignedData, imprinted: bytes, roots: Sequence[object]
) -> TimestampCheck:
    matches = _imprint_matches(token, imprinted)
    tsa = status.signing_cert
    return TimestampCheck(
        authority=_subject(tsa),
        time=status.timestamp,
        intact=bool(status.intact) and matches,
        imprint_matches=matches,
        valid=bool(status.valid),
        trusted=bool(status.trusted) and bool(roots),
    )


def _signed_bytes(data: bytes, sig: Any) -> bytes:
    """The bytes a PDF signature's /ByteRange covers."""
    ranges = list(sig.sig_object["/ByteRange"])
    return b"".join(
        data[int(start) : int(start) + int(length)]
        for start, length in zip(ranges[::2], ranges[1::2], strict=True)
    )


def check_signatures(
    data: bytes, trust_roots: Sequence[bytes] = (), *, name: str = ""
) -> list[SignatureCheck]:
    """One check per signature or document timestamp, in signing order."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
    from pyhanko_certvalidator import ValidationContext

    widgets = _widgets(data, name)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except (PdfReadError, ValueError, KeyError) as exc:
        raise errors.FileCorrupt(name, str(exc)) from exc
    roots = [asn1_x509.Certificate.load(der) for der in trust_roots]
    checks = []
    stamp: TimestampCheck | None
    for sig in embedded:
        context = ValidationContext(
            trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail"
        )
        page, box = widgets.get(sig.field_name, (None, None))
        if sig.sig_object_type == "/DocTimeStamp":
            ts_status = validate_pdf_timestamp(sig, context)
            stamp = _timestamp_check(ts_status, sig.signed_data, _signed_bytes(data, sig), roots)
            entry = _entry(
                sig.field_name,
                stamp.authority,
                stamp.time,
                stamp,
                ts_status,
                stamp.trusted,
                page,
                box,
            )
            # The token's own soundness includes its imprint over these document bytes.
            checks.append(replace(entry, kind=DOCUMENT_TIMESTAMP, intact=stamp.intact))
            continue
        status = validate_pdf_signature(sig, context)
        token = _signature_token(sig)
        stamp = None
        if status.timestamp_validity is not None and token is not None:
            stamp = _timestamp_check(
                status.timestamp_validity, token, sig.signer_info["signature"].native, roots
            )
        entry = _entry(
            sig.field_name,
            _subject(sig.signer_cert),
            status.signer_reported_dt,
            stamp,
            status,
            bool(status.trusted) and bool(roots),
            page,
            box,
        )
        checks.append(replace(entry, certificate=sig.signer_cert.dump()))
    return checks


def _entry(
    field: str,
    signer: str,
    at: datetime | None,
    stamp: TimestampCheck | None,
    status: Any,
    trusted: bool,
    page: int | None,
    box: Box | None,
) -> SignatureCheck:
    """What pyHanko found about one signature or document timestamp."""
    level = status.modification_level
    return SignatureCheck(
        field=field,
        signer=signer,
        signed_at=at,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=trusted,
        modification_level="none" if level is None else level.name.lower(),
        covers_whole_file=status.coverage is not None and status.coverage.name == "ENTIRE_FILE",
        page=page,
        box=box,
        timestamp=stamp,
    )


def _widgets(data: bytes, name: str) -> dict[str, tuple[int, Box | None]]:
    found: dict[str, tuple[int, Box | None]] = {}
    with open_pdf(data, name) as doc:
        for page_no in range(doc.page_count):
            for w in doc[page_no].widgets(types=[SIGNATURE_WIDGET]):
                r = w.rect
                box = None if r.is_empty else Box(r.x0, r.y0, r.x1, r.y1)
                found[w.field_name] = (page_no, box)
    return found


def require_signer_signature(
    checks: Sequence[SignatureCheck], *, require_trusted: bool
) -> SignatureCheck:
    """NĐ 30 art. 32: the competent signer's signature (the first one) must be there and sound.

    Every signature already on the document must be sound too: the agency must not seal a
    document someone altered after any of them. Document timestamps are nobody's signature:
    they are checked for soundness but never count as the signer's.
    """
    if not any(c.kind == SIGNATURE for c in checks):
        raise errors.SignerSignatureMissing()
    for check in checks:
        if not check.intact:
            raise errors.SignatureInvalid(check.field, check.signer, "not_intact")
        if not check.valid:
            raise errors.SignatureInvalid(check.field, check.signer, "not_valid")
        if check.modification_level not in ACCEPTABLE_LEVELS:
            raise errors.SignatureInvalid(check.field, check.signer, "modified")
        if require_trusted and not check.trusted:
            raise errors.SignatureInvalid(check.field, check.signer, "not_trusted")
    return next(c for c in checks if c.kind == SIGNATURE)


def check_json(c: SignatureCheck) -> dict[str, Any]:
    """One check as `clerk verify --json` prints it (and the electronic inbox keeps it)."""
    stamp = c.timestamp
    return {
        "field": c.field,
        "kind": c.kind,
        "signer": c.signer,
        "signed_at": c.signed_at.isoformat() if c.signed_at else None,
        "intact": c.intact,
        "valid": c.valid,
        "trusted": c.trusted,
        "modification_level": c.modification_level,
        "covers_whole_file": c.covers_whole_file,
        "timestamp": None
        if stamp is None
        else {
            "authority": stamp.authority,
            "time": stamp.time.isoformat(),
            "intact": stamp.intact,
            "imprint_matches": stamp.imprint_matches,
            "valid": stamp.valid,
            "trusted": stamp.trusted,
        },
    }
