"""Fixtures of the signing tests: SoftHSM2 as the token, the test PKI, leader-signed letters."""

from signing_pki import leader_signed, pki, seal_png

__all__ = ["leader_signed", "pki", "seal_png"]
