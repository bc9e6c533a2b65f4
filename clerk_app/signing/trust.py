"""The desk's trust store: root certificates signatures are checked against; lists, adds, removes files only.

The Vietnamese government root CA certificates are not shipped (their licence is unclear): the
administrator adds them here. An added certificate is copied, as DER, into the data directory's
`trust` folder, which then joins the settings' trust folders, so the store survives the original
file being moved. Folders named by the administrator are listed but never changed.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from asn1crypto import pem
from cryptography import x509

from clerk_app import errors
from clerk_app.signing.desk import SigningSettings, save_settings

STORE_FOLDER = "trust"
CERTIFICATE_SUFFIXES = (".pem", ".crt", ".cer", ".der")


@dataclass(frozen=True)
class TrustedCertificate:
    path: Path  # the file it was read from
    subject: str
    issuer: str
    not_before: datetime
    not_after: datetime
    sha256: str  # fingerprint of the DER certificate, hex
    is_ca: bool
    in_desk_store: bool  # copied into this desk's own folder, so the desk may delete it

    def expired(self, at: datetime) -> bool:
        return at > self.not_after


def store_folder(data_dir: Path) -> Path:
    return data_dir / STORE_FOLDER


def read_certificates(data: bytes) -> list[bytes]:
    """The DER certificates in a PEM (one or many) or DER file; [] when there are none."""
    ders = [der for _, _, der in pem.unarmor(data, multiple=True)] if pem.detect(data) else [data]
    found = []
    for der in ders:
        try:
            x509.load_der_x509_certificate(der)
        except ValueError:
            continue
        found.append(der)
    return found


def _name(name: x509.Name) -> str:
    common = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(common[0].value) if common else name.rfc4514_string()


def _describe(der: bytes, path: Path, in_desk_store: bool) -> TrustedCertificate:
    cert = x509.load_der_x509_certificate(der)
    try:
        is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    return TrustedCertificate(
        path=path,
        subject=_name(cert.subject),
        issuer=_name(cert.issuer),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        sha256=hashlib.sha256(der).hexdigest(),
        is_ca=is_ca,
        in_desk_store=in_desk_store,
    )


def trusted_certificates(data_dir: Path, settings: SigningSettings) -> list[TrustedCertificate]:
    """Every readable certificate in the settings' trust folders and files, in name order."""
    own = store_folder(data_dir).resolve()
    found: dict[str, TrustedCertificate] = {}
    for entry in settings.trust_dirs:
        root = Path(entry)
        files = sorted(root.iterdir()) if root.is_dir() else [root] if root.is_file() else []
        for file in files:
            if file.suffix.lower() not in CERTIFICATE_SUFFIXES:
                continue
            try:
                data = file.read_bytes()
            except OSError:
                continue
            for der in read_certificates(data):
                info = _describe(der, file, file.resolve().parent == own)
                found.setdefault(info.sha256, info)
    return sorted(found.values(), key=lambda c: (c.subject.casefold(), c.not_after))


def add_trusted_certificate(
    data_dir: Path, settings: SigningSettings, source: Path
) -> tuple[SigningSettings, list[TrustedCertificate]]:
    """Copy the certificates in `source` into the desk's store and save the settings."""
    try:
        ders = read_certificates(source.read_bytes())
    except OSError as exc:
        raise errors.FileUnreadable(str(source), exc.strerror or "") from exc
    if not ders:
        raise errors.TrustCertificateUnreadable(str(source))
    folder = store_folder(data_dir)
    added = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for der in ders:
            target = folder / f"{hashlib.sha256(der).hexdigest()[:24]}.der"
            tmp = target.with_name(f".{target.name}.part")
            tmp.write_bytes(der)
            os.replace(tmp, target)
            added.append(_describe(der, target, True))
    except OSError as exc:
        raise errors.StorageFailed(exc.strerror or str(exc)) from exc
    if str(folder) not in settings.trust_dirs:
        settings = replace(settings, trust_dirs=(*settings.trust_dirs, str(folder)))
    save_settings(data_dir, settings)
    return settings, added


def remove_trusted_certificate(
    data_dir: Path, settings: SigningSettings, cert: TrustedCertificate
) -> SigningSettings:
    """Delete a certificate the desk copied, or drop a file the settings name on their own."""
    if cert.in_desk_store:
        try:
            cert.path.unlink(missing_ok=True)
        except OSError as exc:
            raise errors.StorageFailed(exc.strerror or str(exc)) from exc
        return settings
    if str(cert.path) in settings.trust_dirs:
        settings = replace(
            settings, trust_dirs=tuple(p for p in settings.trust_dirs if p != str(cert.path))
        )
        save_settings(data_dir, settings)
        return settings
    raise errors.TrustCertificateOutsideStore(str(cert.path), str(cert.path.parent))


def remove_trust_folder(data_dir: Path, settings: SigningSettings, folder: str) -> SigningSettings:
    """Stop trusting a folder the administrator named (its files stay where they are)."""
    settings = replace(settings, trust_dirs=tuple(p for p in settings.trust_dirs if p != folder))
    save_settings(data_dir, settings)
    return settings
