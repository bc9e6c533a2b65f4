"""`clerk stamp-arrival`, `stamp-number`, `sign`, `verify` end to end with SoftHSM2 as the token."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from signing_pki import TSA_NAME, TSA_TIME, Pki, Tsa, outgoing_draft, pdfsig

from clerk_app import errors
from clerk_app.cli import main
from clerk_app.demo import letter_pdf
from clerk_app.stamping.arrival import ArrivalStamp, stamp_arrival
from clerk_app.stamping.marks import write_number_and_date


@pytest.fixture
def token_env(pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    trust = tmp_path / "trust"
    trust.mkdir()
    (trust / "ca.pem").write_bytes(pki.ca.cert.public_bytes(serialization.Encoding.PEM))
    monkeypatch.setenv("CLERK_PKCS11_MODULE", pki.choice.module)
    monkeypatch.setenv("CLERK_TOKEN_LABEL", pki.choice.token_label)
    monkeypatch.setenv("CLERK_CERT_LABEL", "agency")
    monkeypatch.setenv("CLERK_PIN", pki.pin)
    monkeypatch.setenv("CLERK_TRUST_DIR", str(trust))
    monkeypatch.setenv("CLERK_AGENCY_NAME", "Ủy ban nhân dân tỉnh Phú Yên")  # no desk here
    return trust


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, object, str]:
    code = main([*argv, "--json"])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else None, err


def test_stamp_arrival_writes_a_new_file_and_leaves_the_scan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import date

    scan = tmp_path / "scan.pdf"
    scan.write_bytes(
        letter_pdf("Sở Nội vụ", "45/SNV-VP", date(2026, 3, 1), "Công văn", "Về việc tuyển dụng")
    )
    before = hashlib.sha256(scan.read_bytes()).hexdigest()
    out = tmp_path / "stamped.pdf"
    code, data, err = run(
        capsys,
        "stamp-arrival",
        str(scan),
        "--number",
        "7",
        "--date",
        "2026-03-10",
        "--agency-name",
        "Ủy ban nhân dân tỉnh Phú Yên",
        "--forward-to",
        "Văn phòng",
        "--out",
        str(out),
    )
    assert code == 0, err
    assert hashlib.sha256(scan.read_bytes()).hexdigest() == before
    assert isinstance(data, dict) and data["out"] == str(out)
    assert data["box_mm"]["x1"] - data["box_mm"]["x0"] == pytest.approx(50, abs=0.1)
    code, _, err = run(
        capsys,
        "stamp-arrival",
        str(scan),
        "--number",
        "7",
        "--date",
        "2026-03-10",
        "--agency-name",
        "UBND",
        "--out",
        str(scan),
    )
    assert code == 2 and "tệp mới" in err


def test_stamp_number_on_a_draft_needs_no_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CLERK_PKCS11_MODULE", raising=False)
    draft = tmp_path / "draft.pdf"
    draft.write_bytes(outgoing_draft())
    code, data, err = run(
        capsys,
        "stamp-number",
        str(draft),
        "--reference",
        "12/QĐ-UBND",
        "--date",
        "2026-03-10",
        "--out",
        str(tmp_path / "n.pdf"),
    )
    assert code == 0, err
    assert isinstance(data, dict) and data["method"] == "content"


def test_number_sign_and_verify_a_leader_signed_document(
    pki: Pki,
    leader_signed: Callable[..., bytes],
    seal_png: bytes,
    token_env: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    signed = tmp_path / "signed.pdf"
    signed.write_bytes(leader_signed())
    seal = tmp_path / "seal.png"
    seal.write_bytes(seal_png)
    numbered, sealed = tmp_path / "numbered.pdf", tmp_path / "sealed.pdf"
    code, data, err = run(
        capsys,
        "stamp-number",
        str(signed),
        "--reference",
        "05/QĐ-UBND",
        "--date",
        "2026-03-10",
        "--out",
        str(numbered),
    )
    assert code == 0, err
    assert isinstance(data, dict) and data["method"] == "signature_appearances"
    code, data, err = run(
        capsys, "sign", str(numbered), "--seal-image", str(seal), "--out", str(sealed)
    )
    assert code == 0, err
    code, rows, err = run(capsys, "verify", str(sealed))
    assert code == 0, err
    assert isinstance(rows, list)
    assert [r["field"] for r in rows] == ["ChuKyLanhDao", "SoVanBan", "NgayVanBan", "ChuKyCoQuan"]
    assert set(rows[0]) == {
        "field",
        "signer",
        "signed_at",
        "intact",
        "valid",
        "trusted",
        "modification_level",
        "kind",
        "covers_whole_file",
        "timestamp",
    }
    assert all(r["kind"] == "signature" and r["timestamp"] is None for r in rows), "B-B"
    assert all(r["intact"] and r["valid"] and r["trusted"] for r in rows)
    assert rows[0]["modification_level"] == "form_filling"
    assert pdfsig(sealed).count("Signature is Valid.") == 4


def test_wrong_pin_leaves_no_file_and_says_so_in_vietnamese(
    leader_signed: Callable[..., bytes],
    seal_png: bytes,
    token_env: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CLERK_PIN", "111111")
    signed = tmp_path / "signed.pdf"
    signed.write_bytes(leader_signed())
    seal = tmp_path / "seal.png"
    seal.write_bytes(seal_png)
    out = tmp_path / "sealed.pdf"
    code, data, err = run(capsys, "sign", str(signed), "--seal-image", str(seal), "--out", str(out))
    assert code == 2
    assert "Mã PIN không đúng" in err
    assert isinstance(data, dict) and data["error"]["code"] == "TokenPinIncorrect"
    assert not out.exists() and list(tmp_path.glob(".*part")) == []


def test_sign_refuses_an_unsigned_draft(
    seal_png: bytes, token_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    draft = tmp_path / "draft.pdf"
    draft.write_bytes(outgoing_draft())
    seal = tmp_path / "seal.png"
    seal.write_bytes(seal_png)
    code, _, err = run(
        capsys, "sign", str(draft), "--seal-image", str(seal), "--out", str(tmp_path / "x.pdf")
    )
    assert code == 2 and "chưa có chữ ký số của người có thẩm quyền" in err
    assert not (tmp_path / "x.pdf").exists()


def test_attachment_signature_from_the_cli(
    token_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    attachment = tmp_path / "phu-luc.pdf"
    attachment.write_bytes(outgoing_draft())
    out = tmp_path / "phu-luc-ky.pdf"
    code, data, err = run(
        capsys, "sign", str(attachment), "--attachment-of", "05/QĐ-UBND", "--out", str(out)
    )
    assert code == 0, err
    assert isinstance(data, dict) and data["signed_at"].endswith("+07:00")
    assert "Signature is Valid." in pdfsig(out)


def test_signed_documents_are_never_stamped_in_their_content(
    leader_signed: Callable[..., bytes],
) -> None:
    from datetime import date

    signed = leader_signed()
    before = bytes(signed)
    with pytest.raises(errors.DocumentAlreadySigned):
        stamp_arrival(signed, ArrivalStamp("UBND", 1, date(2026, 3, 10)))
    with pytest.raises(errors.DocumentAlreadySigned):
        write_number_and_date(signed, "05/QĐ-UBND", date(2026, 3, 10))
    assert signed == before


def _leader_signed_and_seal(
    tmp_path: Path, signed_pdf: bytes, seal_png: bytes
) -> tuple[Path, Path]:
    signed = tmp_path / "signed.pdf"
    signed.write_bytes(signed_pdf)
    seal = tmp_path / "seal.png"
    seal.write_bytes(seal_png)
    return signed, seal


def test_sign_with_a_timestamp_server_gives_b_t_and_verify_shows_it(
    pki: Pki,
    tsa: Tsa,
    leader_signed: Callable[..., bytes],
    seal_png: bytes,
    token_env: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CLERK_TSA_URL", tsa.url)
    signed, seal = _leader_signed_and_seal(tmp_path, leader_signed(), seal_png)
    sealed = tmp_path / "sealed.pdf"
    asked = len(tsa.requests)
    code, data, err = run(
        capsys, "sign", str(signed), "--seal-image", str(seal), "--out", str(sealed)
    )
    assert code == 0, err
    assert isinstance(data, dict) and data["pades"] == "B-T"
    assert len(tsa.requests) > asked, "the timestamp server was asked"

    code, rows, err = run(capsys, "verify", str(sealed))
    assert code == 0, err
    assert isinstance(rows, list) and [r["field"] for r in rows] == ["ChuKyLanhDao", "ChuKyCoQuan"]
    assert rows[0]["timestamp"] is None
    assert rows[1]["timestamp"] == {
        "authority": TSA_NAME,
        "time": TSA_TIME.isoformat(),
        "intact": True,
        "imprint_matches": True,
        "valid": True,
        "trusted": True,
    }
    assert main(["verify", str(sealed)]) == 0
    text = capsys.readouterr().out
    assert f"dấu thời gian {TSA_TIME.isoformat()} của {TSA_NAME}" in text
    report = pdfsig(sealed)
    assert report.count("Signature Validation: Signature is Valid.") == 2, report


def test_trust_store_and_timestamp_server_come_from_the_desk_settings(
    pki: Pki,
    tsa: Tsa,
    leader_signed: Callable[..., bytes],
    seal_png: bytes,
    token_env: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from clerk_app.signing.desk import SigningSettings, save_settings

    monkeypatch.delenv("CLERK_TRUST_DIR")
    monkeypatch.delenv("CLERK_TSA_URL", raising=False)
    desk = tmp_path / "desk"
    desk.mkdir()
    save_settings(desk, SigningSettings(trust_dirs=(str(token_env),), timestamp_url=tsa.url))
    signed, seal = _leader_signed_and_seal(tmp_path, leader_signed(), seal_png)
    sealed = tmp_path / "sealed.pdf"
    code, data, err = run(
        capsys,
        "sign",
        str(signed),
        "--seal-image",
        str(seal),
        "--out",
        str(sealed),
        "--data-dir",
        str(desk),
    )
    assert code == 0, err
    assert isinstance(data, dict) and data["pades"] == "B-T"
    code, rows, err = run(capsys, "verify", str(sealed), "--data-dir", str(desk))
    assert code == 0, err
    assert isinstance(rows, list) and all(r["trusted"] for r in rows)
    assert rows[1]["timestamp"]["trusted"] is True
    # Another desk without that trust store: intact and valid, but nobody vouches for them.
    other = tmp_path / "other"
    other.mkdir()
    code, rows, err = run(capsys, "verify", str(sealed), "--data-dir", str(other))
    assert isinstance(rows, list) and not any(r["trusted"] for r in rows)
    assert all(r["intact"] and r["valid"] for r in rows)
