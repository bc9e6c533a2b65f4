"""Talks to the agency's USB token over PKCS#11: modules, tokens, certificates, login; never keeps a PIN.

The PIN is passed in for one login and dropped; a wrong PIN is reported with the tries the token
says are left and is never retried here, because a few wrong tries lock a government token for
good.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pkcs11
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.x509.oid import NameOID
from pkcs11 import Attribute, ObjectClass, TokenFlag
from pkcs11 import exceptions as p11

from clerk_app import errors
from clerk_app.signing import token_drivers


@dataclass(frozen=True)
class ModulePreset:
    """A driver the clerk can pick by name: a CA's driver found here, or where it would be."""

    name: str
    path: str


def presets(platform: str | None = None) -> tuple[ModulePreset, ...]:
    """Drivers for the chooser: those installed here first, then every CA's usual place."""
    return tuple(ModulePreset(name, path) for name, path in token_drivers.driver_choices(platform))


def installed_presets(platform: str | None = None) -> list[ModulePreset]:
    """The drivers on this machine that this program can load."""
    return [
        ModulePreset(d.name, str(d.path)) for d in token_drivers.find_drivers(platform) if d.usable
    ]


@dataclass(frozen=True)
class TokenInfo:
    label: str
    serial: str
    manufacturer: str
    model: str


@dataclass(frozen=True)
class CertificateInfo:
    """A certificate on the token that has a private key beside it (same CKA_ID)."""

    label: str
    key_id: bytes
    subject: str
    issuer: str
    not_before: datetime
    not_after: datetime
    can_sign: bool
    der: bytes

    def expired(self, at: datetime) -> bool:
        return at > self.not_after

    def not_yet_valid(self, at: datetime) -> bool:
        return at < self.not_before


# python-pkcs11 initialises a driver once per process; a second C_Initialize would fail.
_LIBRARIES: dict[str, Any] = {}


def load_module(path: str | Path) -> Any:
    """The loaded PKCS#11 driver at `path`; TokenModuleMissing / TokenModuleInvalid otherwise."""
    key = str(path)
    if key in _LIBRARIES:
        return _LIBRARIES[key]
    # Missing file, wrong bitness, no C_GetFunctionList: said plainly before the OS loader tries.
    token_drivers.check_driver(key)
    try:
        lib = pkcs11.lib(key)
    except p11.PKCS11Error as exc:
        raise errors.TokenModuleInvalid(key, str(exc)) from exc
    _LIBRARIES[key] = lib
    return lib


def list_tokens(module: str | Path) -> list[TokenInfo]:
    lib = load_module(module)
    try:
        slots = lib.get_slots(token_present=True)
        tokens = [slot.get_token() for slot in slots]
    except p11.PKCS11Error as exc:
        raise token_error(exc, "") from exc
    return [
        TokenInfo(
            t.label,
            str(t.serial.decode(errors="replace") if isinstance(t.serial, bytes) else t.serial),
            t.manufacturer_id,
            t.model,
        )
        for t in tokens
        if t.flags & TokenFlag.TOKEN_INITIALIZED
    ]


def _token(module: str | Path, label: str) -> Any:
    lib = load_module(module)
    try:
        if label:
            return lib.get_token(token_label=label)
        tokens = [s.get_token() for s in lib.get_slots(token_present=True)]
    except p11.NoSuchToken as exc:
        raise errors.TokenNotFound(label) from exc
    except p11.MultipleTokensReturned as exc:
        raise errors.TokenNotFound(label) from exc
    except p11.PKCS11Error as exc:
        raise token_error(exc, label) from exc
    if len(tokens) != 1:
        raise errors.TokenNotFound(label)
    return tokens[0]


def tries_left(flags: int) -> int | None:
    """What the token tells of the PIN counter: PKCS#11 only flags the final try."""
    if flags & TokenFlag.USER_PIN_LOCKED:
        return 0
    if flags & TokenFlag.USER_PIN_FINAL_TRY:
        return 1
    return None


def token_error(exc: BaseException, label: str, token: Any = None) -> errors.ClerkError:
    """The typed error for a PKCS#11 failure."""
    if isinstance(exc, p11.PinIncorrect):
        left = None
        if token is not None:
            try:
                fresh = token.slot.get_token()  # re-reads CK_TOKEN_INFO after the failed login
                left = tries_left(int(fresh.flags))
            except p11.PKCS11Error:
                left = None
        if left == 0:
            return errors.TokenLocked(label)
        return errors.TokenPinIncorrect(left)
    if isinstance(exc, p11.PinLocked):
        return errors.TokenLocked(label)
    if isinstance(exc, (p11.PinLenRange, p11.PinInvalid)):
        return errors.TokenPinIncorrect(None)
    if isinstance(
        exc,
        (
            p11.DeviceRemoved,
            p11.TokenNotPresent,
            p11.SessionClosed,
            p11.SessionHandleInvalid,
            p11.DeviceError,
        ),
    ):
        return errors.TokenRemoved(type(exc).__name__)
    if isinstance(exc, p11.NoSuchToken):
        return errors.TokenNotFound(label)
    return errors.SigningFailed(f"PKCS#11: {type(exc).__name__} {exc}".strip())


def _name(name: x509.Name) -> str:
    common = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    if common:
        return str(common[0].value)
    return name.rfc4514_string()


def describe_certificate(der: bytes, label: str = "", key_id: bytes = b"") -> CertificateInfo:
    cert = x509.load_der_x509_certificate(der)
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        can_sign = bool(usage.digital_signature or usage.content_commitment)
    except x509.ExtensionNotFound:
        can_sign = True  # no KeyUsage extension means no restriction (RFC 5280 4.2.1.3)
    return CertificateInfo(
        label=label,
        key_id=key_id,
        subject=_name(cert.subject),
        issuer=_name(cert.issuer),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        can_sign=can_sign,
        der=der,
    )


def list_certificates(module: str | Path, token_label: str) -> list[CertificateInfo]:
    """Certificates readable without logging in (tokens keep them public)."""
    token = _token(module, token_label)
    try:
        with token.open() as session:
            found = []
            for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}):
                der = bytes(obj[Attribute.VALUE])
                label = str(obj[Attribute.LABEL] or "")
                key_id = bytes(obj[Attribute.ID] or b"")
                found.append(describe_certificate(der, label, key_id))
    except p11.PKCS11Error as exc:
        raise token_error(exc, token_label) from exc
    return found


def check_certificate(info: CertificateInfo, at: datetime | None = None) -> None:
    """Refuse a certificate that cannot make a valid signature now."""
    moment = at or datetime.now(UTC)
    if info.expired(moment):
        raise errors.CertificateExpired(info.subject, info.not_after.date().isoformat())
    if info.not_yet_valid(moment):
        raise errors.CertificateNotYetValid(info.subject, info.not_before.date().isoformat())
    if not info.can_sign:
        raise errors.CertificateNotForSigning(info.subject)


@dataclass(frozen=True)
class TokenChoice:
    """Which driver, token and certificate to sign with (from settings or the environment)."""

    module: str
    token_label: str = ""
    certificate_label: str = ""


def check_login(choice: TokenChoice, pin: str, at: datetime | None = None) -> CertificateInfo:
    """Log in once with `pin` and out again, so the clerk knows driver, token, PIN and certificate
    work; returns the certificate that would sign. Keeps nothing, never retries the PIN."""
    with token_signer(choice, pin, at) as signer:
        der = signer.signing_cert.dump()
    return describe_certificate(der, choice.certificate_label)


@contextmanager
def token_signer(
    choice: TokenChoice,
    pin: str,
    at: datetime | None = None,
    *,
    trust_roots: Sequence[bytes] = (),
    vet: Callable[[CertificateInfo], object] | None = None,
) -> Iterator[Any]:
    """A pyHanko signer for one signing session; logs in once with `pin`, never retries.

    The certificate is checked (validity, signing usage, then `vet`: whose it is) before the
    PIN is sent, so a wrong certificate does not cost a PIN try. The signatures carry the
    certificate's chain up to a root of `trust_roots`, from the token's own CA certificates
    and the trust store (`chain.certificate_chain`), so a verifier trusting that root can
    build the path.
    """
    from pyhanko.sign.pkcs11 import PKCS11Signer

    from clerk_app.signing.chain import certificate_chain

    token = _token(choice.module, choice.token_label)
    certificates = list_certificates(choice.module, token.label)
    wanted = [
        c
        for c in certificates
        if (not choice.certificate_label or c.label == choice.certificate_label) and c.can_sign
    ] or [
        c
        for c in certificates
        if not choice.certificate_label or c.label == choice.certificate_label
    ]
    if not wanted:
        raise errors.TokenCertificateMissing(choice.certificate_label)
    cert = wanted[0]
    check_certificate(cert, at)
    if vet is not None:
        vet(cert)
    chain = certificate_chain(cert.der, [c.der for c in certificates], trust_roots)
    try:
        session = token.open(user_pin=pin)
    except p11.PKCS11Error as exc:
        raise token_error(exc, token.label, token) from exc
    try:
        signer = PKCS11Signer(
            session,
            signing_cert=asn1_x509.Certificate.load(cert.der),
            ca_chain=[asn1_x509.Certificate.load(der) for der in chain],
            key_id=cert.key_id or None,
            key_label=None if cert.key_id else cert.label,
        )
        yield signer
    finally:
        # The token may be gone already; the error that matters was raised above.
        with suppress(p11.PKCS11Error):
            session.close()
