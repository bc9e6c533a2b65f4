"""The desk's trust store: adding root certificates (PEM, DER), listing, removing; and what trust
the verification then reports."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from signing_pki import Pki

from clerk_app import errors
from clerk_app.messages import describe
from clerk_app.signing.desk import SETTINGS_FILE, SigningSettings, load_settings
from clerk_app.signing.trust import (
    add_trusted_certificate,
    remove_trust_folder,
    remove_trusted_certificate,
    store_folder,
    trusted_certificates,
)
from clerk_app.signing.verify import check_signatures, load_trust_roots


def _roots(data_dir: Path) -> list[bytes]:
    settings = load_settings(data_dir, environment=False)
    return load_trust_roots([Path(p) for p in settings.trust_dirs])


def test_added_certificate_is_copied_listed_and_trusted(
    pki: Pki, leader_signed: Callable[..., bytes], tmp_path: Path
) -> None:
    desk = tmp_path / "desk"
    desk.mkdir()
    source = tmp_path / "ca-chinh-phu.pem"
    source.write_bytes(pki.ca.cert.public_bytes(serialization.Encoding.PEM))
    settings = load_settings(desk, environment=False)
    (check,) = check_signatures(leader_signed(), _roots(desk))
    assert not check.trusted

    settings, added = add_trusted_certificate(desk, settings, source)

    (cert,) = added
    assert cert.subject == "CA thử nghiệm Ban Cơ yếu" and cert.is_ca and cert.in_desk_store
    assert cert.not_before == datetime(2025, 1, 1, tzinfo=UTC)
    assert cert.not_after == datetime(2030, 1, 1, tzinfo=UTC)
    assert cert.path.parent == store_folder(desk)
    source.unlink()  # the store keeps its own copy
    saved = json.loads((desk / SETTINGS_FILE).read_text("utf-8"))
    assert saved["trust_dirs"] == [str(store_folder(desk))]
    assert trusted_certificates(desk, settings) == [cert]
    (check,) = check_signatures(leader_signed(), _roots(desk))
    assert check.trusted

    settings = remove_trusted_certificate(desk, settings, cert)
    assert trusted_certificates(desk, settings) == []
    (check,) = check_signatures(leader_signed(), _roots(desk))
    assert not check.trusted


def test_der_file_and_an_administrators_folder(pki: Pki, tmp_path: Path) -> None:
    desk = tmp_path / "desk"
    desk.mkdir()
    folder = tmp_path / "quan-tri"
    folder.mkdir()
    (folder / "ca.cer").write_bytes(pki.ca.der)
    (folder / "readme.txt").write_text("không phải chứng thư")
    settings = SigningSettings(trust_dirs=(str(folder),))
    der = tmp_path / "khac.der"
    der.write_bytes(pki.stranger_ca.der)

    settings, _ = add_trusted_certificate(desk, settings, der)
    listed = trusted_certificates(desk, settings)
    assert [(c.subject, c.in_desk_store) for c in listed] == [
        ("CA không tin cậy", True),
        ("CA thử nghiệm Ban Cơ yếu", False),
    ]
    with pytest.raises(errors.TrustCertificateOutsideStore) as caught:
        remove_trusted_certificate(desk, settings, listed[1])
    assert caught.value.folder == str(folder)
    assert "quản trị viên" in describe(caught.value).what
    assert (folder / "ca.cer").exists()
    settings = remove_trust_folder(desk, settings, str(folder))
    assert [c.subject for c in trusted_certificates(desk, settings)] == ["CA không tin cậy"]
    assert (folder / "ca.cer").exists(), "the administrator's folder is never changed"


def test_a_file_without_a_certificate_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "ca.pem"
    bogus.write_text("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    with pytest.raises(errors.TrustCertificateUnreadable) as caught:
        add_trusted_certificate(tmp_path, SigningSettings(), bogus)
    assert "không chứa chứng thư số" in describe(caught.value).what
    assert not (tmp_path / SETTINGS_FILE).exists()
    assert not store_folder(tmp_path).exists()


def test_settings_screen_edits_what_is_saved_not_the_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLERK_TRUST_DIR", "/etc/khong-luu")
    monkeypatch.setenv("CLERK_TSA_URL", "http://tsa.invalid")
    assert load_settings(tmp_path).trust_dirs == ("/etc/khong-luu",)
    saved = load_settings(tmp_path, environment=False)
    assert (saved.trust_dirs, saved.timestamp_url) == ((), "")
