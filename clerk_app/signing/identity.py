"""Whether a certificate speaks for the desk's agency, and whether a file already carries the
agency's signature; checks on values only, no token, no signing, no storage.

NĐ 30 art. 5.1 and 32: the agency signature is the agency's seal, applied once, by the agency's
own certificate. A Sở KH&CN desk must not seal with the UBND's certificate left on the token,
nor seal a file twice. These checks are plain functions so that every path that signs (the
desk's file versions, the command line, and the record-driven signing to come) calls the same.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import NameOID

from clerk_app import errors
from clerk_app.signing.verify import DOCUMENT_TIMESTAMP, SignatureCheck
from clerk_app.text import fold, nfc

# Fields that hold the agency's marks on a leader-signed PDF (number, date): made with the
# agency's certificate but not its seal (clerk_app.signing.sign.add_number_and_date).
MARK_FIELDS = ("SoVanBan", "NgayVanBan")
# Fields in which the desk puts an agency signature: the seal, an attachment's, a copy's.
AGENCY_FIELDS = ("ChuKyCoQuan", "ChuKyBanSao")


# Abbreviations agencies' names are written with on desks and in certificates alike.
_ABBREVIATIONS = {
    "ubnd": ["uy", "ban", "nhan", "dan"],
    "hdnd": ["hoi", "dong", "nhan", "dan"],
    "tp": ["thanh", "pho"],
}


def _words(text: str) -> list[str]:
    """The words of a name, folded, with «UBND» read as «Ủy ban nhân dân»."""
    words: list[str] = []
    for word in re.findall(r"\w+", fold(nfc(text))):
        words.extend(_ABBREVIATIONS.get(word, [word]))
    return words


def _values(name: x509.Name, oid: x509.ObjectIdentifier) -> list[str]:
    return [str(a.value) for a in name.get_attributes_for_oid(oid)]


def names_agency(subject: x509.Name, agency_name: str) -> bool:
    """Whether a certificate's subject is the agency `agency_name`.

    Its common name must be the agency's name (accents, case and spacing aside), or the first
    words of it with the rest found in the subject's other parts: `CN=Sở Khoa học và Công
    nghệ, O=UBND tỉnh Phú Yên` names «Sở Khoa học và Công nghệ tỉnh Phú Yên». A person's
    certificate (`CN=Nguyễn Văn Hùng, O=…`) or another agency's never does.
    """
    wanted = _words(agency_name)
    if not wanted:
        return False
    others = set()
    for oid in (
        NameOID.ORGANIZATION_NAME,
        NameOID.ORGANIZATIONAL_UNIT_NAME,
        NameOID.LOCALITY_NAME,
        NameOID.STATE_OR_PROVINCE_NAME,
    ):
        for value in _values(subject, oid):
            others.update(_words(value))
    for common in _values(subject, NameOID.COMMON_NAME):
        words = _words(common)
        if words == wanted:
            return True
        rest = wanted[len(words) :]
        if words and wanted[: len(words)] == words and all(w in others for w in rest):
            return True
    return False


@dataclass(frozen=True)
class CertificateOverride:
    """An administrator's decision to sign with a certificate that does not name the agency."""

    by: str  # the desk login that decided
    reason: str


@dataclass(frozen=True)
class AgencyCertificate:
    """The outcome of `check_agency_certificate`: who the certificate is, and any override."""

    subject: str
    sha256: str
    override: CertificateOverride | None = None

    def record(self, agency_name: str) -> dict[str, str]:
        """What the audit log keeps of an override (empty when there was none)."""
        if self.override is None:
            return {}
        return {
            "certificate_subject": self.subject,
            "certificate_sha256": self.sha256,
            "agency": agency_name,
            "override_by": self.override.by,
            "override_reason": self.override.reason,
        }


def check_agency_certificate(
    der: bytes, agency_name: str, override: CertificateOverride | None = None
) -> AgencyCertificate:
    """Refuse a certificate that is not the agency's (CertificateNotOfAgency) unless an
    administrator overrides it with a reason; the result says which, for the audit log."""
    cert = x509.load_der_x509_certificate(der)
    subject = cert.subject.rfc4514_string()
    fingerprint = hashlib.sha256(der).hexdigest()
    if names_agency(cert.subject, agency_name):
        return AgencyCertificate(subject, fingerprint)
    if override is None:
        common = _values(cert.subject, NameOID.COMMON_NAME)
        raise errors.CertificateNotOfAgency(common[0] if common else subject, agency_name)
    if not nfc(override.reason):
        raise errors.MissingField("reason")
    if not nfc(override.by):
        raise errors.MissingField("override_by")
    return AgencyCertificate(
        subject, fingerprint, CertificateOverride(nfc(override.by), nfc(override.reason))
    )


def agency_signatures(
    checks: Sequence[SignatureCheck], signing_cert: bytes, agency_name: str = ""
) -> list[SignatureCheck]:
    """The signatures on a file that are the agency's own (seal, attachment, copy).

    One is the agency's when it sits in a field the desk uses for them, or when it was made
    with a certificate of the same subject as `signing_cert` (a renewed one included) or one
    naming the agency, outside the number and date marks.
    """
    own = x509.load_der_x509_certificate(signing_cert).subject
    found = []
    for check in checks:
        if check.kind == DOCUMENT_TIMESTAMP:
            continue
        field = check.field
        if field.startswith(MARK_FIELDS):
            continue
        if field.startswith(AGENCY_FIELDS):
            found.append(check)
            continue
        if not check.certificate:
            continue
        subject = x509.load_der_x509_certificate(check.certificate).subject
        if subject == own or (agency_name and names_agency(subject, agency_name)):
            found.append(check)
    return found


def refuse_second_seal(
    checks: Sequence[SignatureCheck], signing_cert: bytes, agency_name: str = ""
) -> None:
    """The agency seals a file once: AgencySealPresent when its signature is already there."""
    found = agency_signatures(checks, signing_cert, agency_name)
    if found:
        raise errors.AgencySealPresent(found[0].field, found[0].signer)
