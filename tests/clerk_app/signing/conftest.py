"""Fixtures of the signing tests (SoftHSM2 token, test PKI, leader-signed letters) come from
signing_pki, loaded for the whole suite by tests/conftest.py."""
