"""Checks every signature in a PDF (intact, valid, trusted, what changed after it); never modifies it.

Trust is against the desk's trust store: certificate files (PEM or DER) the administrator puts
in a folder, e.g. the Vietnamese government root CA; nothing is fetched from the network.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509

from clerk_app import errors
from clerk_app.stamping.arrival import Box
from clerk_app.stamping.pdf import SIGNATURE_WIDGET, open_pdf

# pyHanko logs every untrusted chain as a warning; the result carries that already.
logging.getLogger("pyhanko").setLevel(logging.ERROR)
logging.getLogger("pyhanko_certvalidator").setLevel(logging.ERROR)

# Worst change after a signature that keeps it valid: a later signature or its form field.
ACCEPTABLE_LEVELS = ("none", "lta_updates", "form_filling")


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


def check_signatures(
    data: bytes, trust_roots: Sequence[bytes] = (), *, name: str = ""
) -> list[SignatureCheck]:
    """One check per signature, in signing order."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    widgets = _widgets(data, name)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except (PdfReadError, ValueError, KeyError) as exc:
        raise errors.FileCorrupt(name, str(exc)) from exc
    roots = [asn1_x509.Certificate.load(der) for der in trust_roots]
    checks = []
    for sig in embedded:
        context = ValidationContext(
            trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail"
        )
        status = validate_pdf_signature(sig, context)
        level = status.modification_level
        page, box = widgets.get(sig.field_name, (None, None))
        checks.append(
            SignatureCheck(
                field=sig.field_name,
                signer=_subject(sig.signer_cert),
                signed_at=status.signer_reported_dt,
                intact=bool(status.intact),
                valid=bool(status.valid),
                trusted=bool(status.trusted) and bool(roots),
                modification_level="none" if level is None else level.name.lower(),
                covers_whole_file=status.coverage is not None
                and status.coverage.name == "ENTIRE_FILE",
                page=page,
                box=box,
            )
        )
    return checks


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
    document someone altered after any of them.
    """
    if not checks:
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
    return checks[0]
