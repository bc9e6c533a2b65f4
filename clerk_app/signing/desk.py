"""The agency signature on a document's file at the desk: signing settings, then a new version.

Settings (driver, token, certificate, seal image, trust store, timestamp server) live in the
data directory's `signing.json`, with the CLERK_* environment variables taking precedence for
unattended use. The PIN is never stored anywhere: it is passed in for one signing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from clerk_app import errors, lifecycle
from clerk_app.clock import VIETNAM
from clerk_app.records import Change, DocumentDetail, FileInfo
from clerk_app.signing.identity import (
    AgencyCertificate,
    CertificateOverride,
    check_agency_certificate,
)
from clerk_app.signing.token import CertificateInfo, TokenChoice
from clerk_app.vocabulary import SAO_Y
from clerk_app.workspace import Workspace

SETTINGS_FILE = "signing.json"
# Versions of a document's PDF the agency may sign over: the version that carries the number
# and date (clerk_app.signing.issuing), else the leader-signed original.
SIGNABLE_ROLES = ("numbered", "signed", "original", "rendition")
# Versions of an incoming scan the agency vouches for: the scan, its PDF, or the stamped copy.
SCAN_ROLES = ("stamped", "rendition", "original")
PDF = "application/pdf"


@dataclass(frozen=True)
class SigningSettings:
    pkcs11_module: str = ""
    token_label: str = ""
    certificate_label: str = ""
    seal_image: str = ""
    trust_dirs: tuple[str, ...] = field(default_factory=tuple)
    timestamp_url: str = ""

    @property
    def choice(self) -> TokenChoice:
        if not self.pkcs11_module:
            raise errors.MissingField("CLERK_PKCS11_MODULE")
        return TokenChoice(self.pkcs11_module, self.token_label, self.certificate_label)


def load_settings(data_dir: Path | None, *, environment: bool = True) -> SigningSettings:
    """The desk's saved settings, overridden by CLERK_PKCS11_MODULE, CLERK_TOKEN_LABEL,
    CLERK_CERT_LABEL, CLERK_SEAL_IMAGE, CLERK_TRUST_DIR and CLERK_TSA_URL when set (unless
    `environment` is false: the settings screen edits what is saved, never the overrides)."""
    saved = SigningSettings()
    path = None if data_dir is None else data_dir / SETTINGS_FILE
    if path is not None and path.is_file():
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            raw["trust_dirs"] = tuple(raw.get("trust_dirs") or ())
            saved = SigningSettings(**raw)
        except (OSError, ValueError, TypeError) as exc:
            raise errors.FileCorrupt(str(path), detail=str(exc)) from exc
    if not environment:
        return saved
    env = os.environ
    trust = env.get("CLERK_TRUST_DIR")
    return replace(
        saved,
        pkcs11_module=env.get("CLERK_PKCS11_MODULE", saved.pkcs11_module),
        token_label=env.get("CLERK_TOKEN_LABEL", saved.token_label),
        certificate_label=env.get("CLERK_CERT_LABEL", saved.certificate_label),
        seal_image=env.get("CLERK_SEAL_IMAGE", saved.seal_image),
        trust_dirs=tuple(p for p in trust.split(os.pathsep) if p) if trust else saved.trust_dirs,
        timestamp_url=env.get("CLERK_TSA_URL", saved.timestamp_url),
    )


def save_settings(data_dir: Path, settings: SigningSettings) -> None:
    """Write the settings all at once (there is no PIN in them to leak)."""
    path = data_dir / SETTINGS_FILE
    tmp = path.with_name(f".{path.name}.part")
    try:
        tmp.write_text(json.dumps(asdict(settings), ensure_ascii=False, indent=2), "utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise errors.StorageFailed(exc.strerror or str(exc)) from exc


def file_to_sign(detail: DocumentDetail) -> FileInfo:
    """The newest PDF version the agency signs over."""
    return newest_pdf(detail, SIGNABLE_ROLES)


def scan_to_sign(detail: DocumentDetail) -> FileInfo:
    """The newest PDF of the scan: the stamped version once there is one."""
    return newest_pdf(detail, SCAN_ROLES)


def newest_pdf(detail: DocumentDetail, roles: tuple[str, ...]) -> FileInfo:
    """Newest first; at the same moment, the role listed first wins."""
    pdfs = [f for f in detail.files if f.role in roles and f.media_type == "application/pdf"]
    if not pdfs:
        raise errors.NothingToStamp(detail.summary.id)
    return max(pdfs, key=lambda f: (f.added_at, -roles.index(f.role)))


def seal_image(settings: SigningSettings) -> bytes:
    if not settings.seal_image:
        raise errors.SealImageMissing()
    try:
        return Path(settings.seal_image).read_bytes()
    except OSError:
        raise errors.FileMissing(settings.seal_image) from None


def sign_for_agency(
    ws: Workspace,
    document_id: str,
    pin: str,
    settings: SigningSettings,
    at: datetime | None = None,
    *,
    override: CertificateOverride | None = None,
) -> Change:
    """Sign the document's PDF with the agency's token as a new version (NĐ 30 art. 32: only
    over a valid signer signature, which `sign_as_agency` checks before the PIN is used; only
    with the agency's own certificate, unless an administrator's `override` says otherwise)."""
    from clerk_app.signing.sign import sign_as_agency

    detail = ws.document(document_id)
    # Not before the number and date are on the file (NĐ 30 art. 15: the seal goes on a
    # numbered, dated document), and never over the agency's own seal again.
    lifecycle.require(lifecycle.facts_of(detail), lifecycle.SIGN_AGENCY)
    source = file_to_sign(detail)
    agency_name = ws.agency().name
    seal = seal_image(settings)
    return _sign_new_version(
        ws,
        document_id,
        source,
        pin,
        settings,
        at,
        "agency",
        "ky-so-co-quan",
        lambda data, signer, moment, roots: sign_as_agency(
            data,
            signer,
            seal,
            moment,
            trust_roots=roots,
            timestamp_url=settings.timestamp_url,
            agency_name=agency_name,
            name=source.filename,
        ),
        override,
    )


def sign_scan_copy(
    ws: Workspace,
    document_id: str,
    pin: str,
    settings: SigningSettings,
    at: datetime | None = None,
    *,
    copy_form: str = SAO_Y,
    override: CertificateOverride | None = None,
) -> Change:
    """Sign the newest scan of an incoming document with the agency's certificate as a copy
    («Sao y», the agency's name and the time at the top right of page 1), as a new version;
    the scan itself stays as it was."""
    from clerk_app.signing.sign import sign_scan_copy as sign_copy

    detail = ws.document(document_id)
    lifecycle.require(lifecycle.facts_of(detail), lifecycle.SIGN_SCAN_COPY)
    source = scan_to_sign(detail)
    agency_name = ws.agency().name
    return _sign_new_version(
        ws,
        document_id,
        source,
        pin,
        settings,
        at,
        "scan_copy",
        "ky-so-ban-sao",
        lambda data, signer, moment, roots: sign_copy(
            data,
            signer,
            moment,
            agency_name=agency_name,
            copy_form=copy_form,
            trust_roots=roots,
            timestamp_url=settings.timestamp_url,
            name=source.filename,
        ),
        override,
    )


def sign_attachment_file(
    ws: Workspace,
    document_id: str,
    which: str,
    pin: str,
    settings: SigningSettings,
    at: datetime | None = None,
    *,
    override: CertificateOverride | None = None,
) -> Change:
    """The agency signature on one of an outgoing document's attachments (named by file id or
    file name): its text is the reference from the register and the signing time."""
    from clerk_app.signing.sign import sign_attachment

    detail = ws.document(document_id)
    lifecycle.require(lifecycle.facts_of(detail), lifecycle.SIGN_ATTACHMENT)
    source = next(
        (f for f in detail.files if which in (f.id, f.filename) and f.media_type == PDF), None
    )
    if source is None:
        raise errors.UnknownFile(which, document_id)
    reference, agency_name = detail.summary.reference, ws.agency().name
    return _sign_new_version(
        ws,
        document_id,
        source,
        pin,
        settings,
        at,
        "attachment",
        "ky-so-phu-luc",
        lambda data, signer, moment, roots: sign_attachment(
            data,
            signer,
            reference,
            moment,
            trust_roots=roots,
            timestamp_url=settings.timestamp_url,
            agency_name=agency_name,
            name=source.filename,
        ),
        override,
    )


def _sign_new_version(
    ws: Workspace,
    document_id: str,
    source: FileInfo,
    pin: str,
    settings: SigningSettings,
    at: datetime | None,
    kind: str,
    suffix: str,
    sign: Callable[[bytes, Any, datetime, list[bytes]], bytes],
    override: CertificateOverride | None,
) -> Change:
    """One login on the token, one signature over `source`, stored as a new version.

    The token's certificate must be the desk's agency's (checked before the PIN is sent); an
    administrator's override is kept in the audit entry of the signed version itself, so the
    signed file and the record of why it was allowed are written together or not at all.
    """
    from clerk_app.signing.token import token_signer
    from clerk_app.signing.verify import load_trust_roots

    moment = (at or datetime.now(VIETNAM)).astimezone(VIETNAM).replace(microsecond=0)
    roots = load_trust_roots([Path(p) for p in settings.trust_dirs])
    data = ws.file_bytes(source.sha256)
    agency = ws.agency().name
    checked: list[AgencyCertificate] = []

    def vet(cert: CertificateInfo) -> None:
        checked.append(check_agency_certificate(cert.der, agency, override))

    with token_signer(settings.choice, pin, moment, trust_roots=roots, vet=vet) as signer:
        signed = sign(data, signer, moment, roots)
    details = {"signature": kind, "signed_at": moment.isoformat()}
    details |= checked[0].record(agency) if checked else {}
    return ws.add_derived_file(
        document_id,
        source.id,
        signed,
        role="signed",
        filename=f"{Path(source.filename).stem}-{suffix}.pdf",
        details=details,
    )


def record_certificate_override(
    ws: Workspace, checked: AgencyCertificate, what: dict[str, str]
) -> None:
    """The audit entry of an override used outside a document's versions (`clerk sign` on a
    file): who allowed which certificate for which agency, why, and what was signed."""
    agency = ws.agency()
    details = checked.record(agency.name) | what
    with ws.context.write() as tx:
        tx.record("certificate_override", "agency", agency.id, details)
