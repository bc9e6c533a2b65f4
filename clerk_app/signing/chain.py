"""Builds a signing certificate's chain up to a root the desk trusts, for embedding; never fetches.

A verifier that trusts only the root (the Vietnamese government root CA, say) needs every
certificate between the root and the agency's: without them poppler's `pdfsig` reports «issuer
is unknown» and pyHanko cannot build a path. The candidates are what the desk has at hand: the
certificates on the token (government tokens carry their issuing CA's) and the trust store
(the administrator may add the intermediate CA there too).
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding

from clerk_app import errors

_MAX_DEPTH = 8  # longer chains do not occur in practice; a loop must still end
_SHA256 = hashes.SHA256()
_DER = Encoding.DER


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _self_signed(cert: x509.Certificate) -> bool:
    return _issued_by(cert, cert)


def certificate_chain(
    leaf: bytes, candidates: Sequence[bytes], trust_roots: Sequence[bytes] = ()
) -> list[bytes]:
    """The issuers of `leaf`, nearest first, as far as `candidates` and `trust_roots` reach.

    The root is included when found (verifiers display it; pyHanko embeds it too). When the
    desk has a trust store and the chain does not end in one of its roots, the signature could
    not be trusted by anyone who trusts the same root: CertificateChainIncomplete.
    """
    cert = x509.load_der_x509_certificate(leaf)
    pool: list[x509.Certificate] = []
    for der in (*trust_roots, *candidates):
        try:
            pool.append(x509.load_der_x509_certificate(der))
        except ValueError:
            continue
    roots = set()
    for der in trust_roots:
        try:
            roots.add(x509.load_der_x509_certificate(der).fingerprint(_SHA256))
        except ValueError:
            continue
    chain: list[x509.Certificate] = []
    current = cert
    for _ in range(_MAX_DEPTH):
        if current.fingerprint(_SHA256) in roots or _self_signed(current):
            break
        issuer = next((c for c in pool if c != current and _issued_by(current, c)), None)
        if issuer is None:
            break
        chain.append(issuer)
        current = issuer
    reached = cert.fingerprint(_SHA256) in roots or any(
        c.fingerprint(_SHA256) in roots for c in chain
    )
    if roots and not reached:
        raise errors.CertificateChainIncomplete(_common_name(cert), _common_name(current))
    return [c.public_bytes(_DER) for c in chain]


def _common_name(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    if names:
        return str(names[0].value)
    return cert.subject.rfc4514_string()
