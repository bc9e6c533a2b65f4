"""`clerk stamp-arrival`, `stamp-number`, `sign`, `issue`, `verify` end to end with SoftHSM2.

Every mark is made on a registered document (its id) from the register's record.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pymupdf
import pytest
from cryptography.hazmat.primitives import serialization
from signing_pki import TSA_NAME, TSA_TIME, Pki, Tsa, outgoing_draft, pdfsig

from clerk_app import errors
from clerk_app.cli import main
from clerk_app.demo import letter_pdf
from clerk_app.records import IncomingDraft, OutgoingDraft
from clerk_app.stamping.arrival import ArrivalStamp, stamp_arrival
from clerk_app.stamping.marks import write_number_and_date
from clerk_app.workspace import Workspace


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
    return trust


@pytest.fixture
def desk_run(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, object, str]]:
    """`clerk --data-dir <the test desk> ARGV --json`: exit code, JSON out, stderr."""

    def call(*argv: str) -> tuple[int, object, str]:
        code = main(["--data-dir", str(workspace.data_dir), *argv, "--json"])
        out, err = capsys.readouterr()
        return code, json.loads(out) if out.strip() else None, err

    return call


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, object, str]:
    code = main([*argv, "--json"])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else None, err


def _outgoing(ws: Workspace, tmp_path: Path, *files: tuple[str, bytes]) -> str:
    paths = []
    for name, data in files:
        path = tmp_path / name
        path.write_bytes(data)
        paths.append(path)
    draft = OutgoingDraft(
        doc_type="Quyết định",
        subject="Về việc thành lập Tổ công tác",
        signer="Nguyễn Văn Hùng",
        recipients="Như Điều 3",
        issued_on=date(2026, 3, 10),
        files=paths,
    )
    return ws.register_outgoing(draft).document.summary.id


def _text(path: Path) -> str:
    with pymupdf.open(path) as doc:
        return str(doc[0].get_text())


def test_stamp_arrival_takes_everything_from_the_record(
    workspace: Workspace,
    desk_run: Callable[..., tuple[int, object, str]],
    tmp_path: Path,
) -> None:
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(
        letter_pdf("Sở Nội vụ", "45/SNV-VP", date(2026, 3, 1), "Công văn", "Về việc tuyển dụng")
    )
    before = hashlib.sha256(scan.read_bytes()).hexdigest()
    doc = workspace.register_incoming(
        IncomingDraft(
            issuer="Sở Nội vụ",
            reference="45/SNV-VP",
            issued_on=date(2026, 3, 1),
            doc_type="Công văn",
            subject="Về việc tuyển dụng",
            recipients="Văn phòng",
            files=[scan],
        )
    ).document.summary
    out = tmp_path / "stamped.pdf"
    code, data, err = desk_run("stamp-arrival", doc.id, "--out", str(out))
    assert code == 0, err
    assert hashlib.sha256(scan.read_bytes()).hexdigest() == before
    assert isinstance(data, dict) and data["state"] == "stamped"
    assert data["file"]["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    text = _text(out)
    assert "ỦY BAN NHÂN DÂN" in text and "10/03/2026" in text.replace(" ", "")
    shown = desk_run("show", doc.id)[1]
    assert isinstance(shown, dict) and shown["state"] == "stamped"
    # The old form that took any number and date typed on the command line is gone.
    code, _, err = desk_run("stamp-arrival", str(scan), "--out", str(tmp_path / "x.pdf"))
    assert code == 2 and not (tmp_path / "x.pdf").exists()
    with pytest.raises(SystemExit):
        main(["stamp-arrival", str(scan), "--number", "999", "--date", "2020-01-01"])


def test_stamp_arrival_refuses_an_outgoing_document(
    workspace: Workspace,
    desk_run: Callable[..., tuple[int, object, str]],
    tmp_path: Path,
) -> None:
    doc = _outgoing(workspace, tmp_path, ("qd.pdf", outgoing_draft()))
    code, data, err = desk_run("stamp-arrival", doc)
    assert code == 2 and "Văn bản đi không đóng dấu ĐẾN." in err
    assert isinstance(data, dict) and data["error"]["code"] == "WrongDirection"
    assert err.count("\n") == 1


def test_stamp_number_writes_the_registers_number_with_no_token(
    workspace: Workspace,
    desk_run: Callable[..., tuple[int, object, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CLERK_PKCS11_MODULE", raising=False)
    doc = _outgoing(workspace, tmp_path, ("qd.pdf", outgoing_draft()))
    out = tmp_path / "n.pdf"
    code, data, err = desk_run("stamp-number", doc, "--out", str(out))
    assert code == 0, err
    assert isinstance(data, dict) and data["state"] == "number_on_file"
    assert data["history"][-1]["details"]["how"] == "content"
    text = _text(out)
    assert "Số: 01/QĐ-UBND" in text and "ngày 10 tháng 3 năm 2026" in text
    # Typed numbers and dates are no longer taken; a second number on the file is refused.
    with pytest.raises(SystemExit):
        main(["stamp-number", doc, "--reference", "999/QĐ-UBND", "--date", "2020-01-01"])
    code, _, err = desk_run("stamp-number", doc)
    assert code == 2 and "Đã ghi số, ngày lên văn bản" in err


def test_a_cancelled_number_is_refused_and_the_register_wins(
    workspace: Workspace,
    desk_run: Callable[..., tuple[int, object, str]],
    tmp_path: Path,
) -> None:
    cancelled = _outgoing(workspace, tmp_path, ("qd.pdf", outgoing_draft()))
    workspace.cancel(cancelled, "đăng ký nhầm")
    code, _, err = desk_run("stamp-number", cancelled)
    assert code == 2 and "Văn bản đã hủy" in err
    # An unsigned draft's «Số:» line is rewritten whole: it reads the register's reference.
    other = _outgoing(workspace, tmp_path, ("khac.pdf", outgoing_draft("/QĐ-SNV")))
    out = tmp_path / "khac-so.pdf"
    assert desk_run("stamp-number", other, "--out", str(out))[0] == 0
    assert "Số: 02/QĐ-UBND" in _text(out) and "QĐ-SNV" not in _text(out)


def test_a_signed_draft_printed_with_another_symbol_is_refused(
    workspace: Workspace,
    desk_run: Callable[..., tuple[int, object, str]],
    leader_signed: Callable[..., bytes],
    token_env: Path,
    tmp_path: Path,
) -> None:
    # Its symbol cannot be rewritten under the leader's signature: with the register's number
    # in the blank it would read a reference the register never issued.
    other = _outgoing(workspace, tmp_path, ("khac.pdf", leader_signed("/QĐ-SNV")))
    code, _, err = desk_run("stamp-number", other)
    assert code == 2 and "«/QĐ-SNV» khác số, ký hiệu trong sổ «01/QĐ-UBND»" in err
    assert not [f for f in workspace.document(other).files if f.role == "numbered"]


def test_number_sign_and_verify_a_leader_signed_document(
    workspace: Workspace,
    desk_run: Callable[..., tuple[int, object, str]],
    capsys: pytest.CaptureFixture[str],
    leader_signed: Callable[..., bytes],
    seal_png: bytes,
    token_env: Path,
    tmp_path: Path,
) -> None:
    doc = _outgoing(workspace, tmp_path, ("qd-ky.pdf", leader_signed()))
    seal = tmp_path / "seal.png"
    seal.write_bytes(seal_png)
    sealed = tmp_path / "sealed.pdf"
    # The agency seal before the number and date are on the file is refused.
    code, data, err = desk_run("sign", doc, "--seal-image", str(seal))
    assert code == 2 and "chưa được ghi số, ngày" in err
    code, data, err = desk_run("stamp-number", doc)
    assert code == 0, err
    assert isinstance(data, dict)
    assert data["history"][-1]["details"]["how"] == "signature_appearances"
    code, data, err = desk_run("sign", doc, "--seal-image", str(seal), "--out", str(sealed))
    assert code == 0, err
    assert isinstance(data, dict) and data["state"] == "signed" and data["pades"] == "B-B"
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


def test_issue_in_one_command(
    workspace: Workspace,
    desk_run: Callable[..., tuple[int, object, str]],
    leader_signed: Callable[..., bytes],
    seal_png: bytes,
    token_env: Path,
    tmp_path: Path,
) -> None:
    doc = _outgoing(workspace, tmp_path, ("qd-ky.pdf", leader_signed()))
    seal = tmp_path / "seal.png"
    seal.write_bytes(seal_png)
    out = tmp_path / "phat-hanh.pdf"
    code, data, err = desk_run("issue", doc, "--seal-image", str(seal), "--out", str(out))
    assert code == 0, err
    assert isinstance(data, dict) and data["state"] == "issued"
    assert pdfsig(out).count("Signature is Valid.") == 4
    code, data, err = desk_run("issue", doc, "--seal-image", str(seal))
    assert code == 2 and "đã phát hành" in err


def test_wrong_pin_leaves_no_version_and_says_so_in_vietnamese(
    workspace: Workspace,
    desk_run: Callable[..., tuple[int, object, str]],
    leader_signed: Callable[..., bytes],
    seal_png: bytes,
    token_env: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CLERK_PIN", "111111")
    doc = _outgoing(workspace, tmp_path, ("qd-ky.pdf", leader_signed()))
    seal = tmp_path / "seal.png"
    seal.write_bytes(seal_png)
    before = workspace.document(doc)
    out = tmp_path / "sealed.pdf"
    code, data, err = desk_run("issue", doc, "--seal-image", str(seal), "--out", str(out))
    assert code == 2
    assert "Mã PIN không đúng" in err
    assert isinstance(data, dict) and data["error"]["code"] == "TokenPinIncorrect"
    assert not out.exists() and list(tmp_path.glob(".*part")) == []
    after = workspace.document(doc)
    assert after.files == before.files and len(after.history) == len(before.history)


def test_sign_refuses_an_unsigned_draft(
    workspace: Workspace,
    desk_run: Callable[..., tuple[int, object, str]],
    seal_png: bytes,
    token_env: Path,
    tmp_path: Path,
) -> None:
    doc = _outgoing(workspace, tmp_path, ("qd.pdf", outgoing_draft()))
    seal = tmp_path / "seal.png"
    seal.write_bytes(seal_png)
    assert desk_run("stamp-number", doc)[0] == 0
    code, _, err = desk_run("sign", doc, "--seal-image", str(seal), "--out", str(tmp_path / "x"))
    assert code == 2 and "chưa có chữ ký số của người có thẩm quyền" in err
    assert not (tmp_path / "x").exists()


def test_attachment_signature_from_the_cli(
    workspace: Workspace,
    desk_run: Callable[..., tuple[int, object, str]],
    leader_signed: Callable[..., bytes],
    token_env: Path,
    tmp_path: Path,
) -> None:
    doc = _outgoing(
        workspace, tmp_path, ("qd-ky.pdf", leader_signed()), ("phu-luc.pdf", outgoing_draft())
    )
    out = tmp_path / "phu-luc-ky.pdf"
    code, data, err = desk_run("sign", doc, "--attachment", "phu-luc.pdf", "--out", str(out))
    assert code == 0, err
    assert isinstance(data, dict) and data["signed_at"].endswith("+07:00")
    assert "Signature is Valid." in pdfsig(out)
    code, _, err = desk_run("sign", doc, "--attachment", "khong-co.pdf")
    assert code == 2 and "không thuộc văn bản này" in err


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


def _numbered_and_seal(
    ws: Workspace,
    desk_run: Callable[..., tuple[int, object, str]],
    tmp_path: Path,
    signed_pdf: bytes,
    seal_png: bytes,
) -> tuple[str, Path]:
    doc = _outgoing(ws, tmp_path, ("qd-ky.pdf", signed_pdf))
    code, _, err = desk_run("stamp-number", doc)
    assert code == 0, err
    seal = tmp_path / "seal.png"
    seal.write_bytes(seal_png)
    return doc, seal


def test_sign_with_a_timestamp_server_gives_b_t_and_verify_shows_it(
    workspace: Workspace,
    desk_run: Callable[..., tuple[int, object, str]],
    tsa: Tsa,
    leader_signed: Callable[..., bytes],
    seal_png: bytes,
    token_env: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    doc, seal = _numbered_and_seal(workspace, desk_run, tmp_path, leader_signed(), seal_png)
    monkeypatch.setenv("CLERK_TSA_URL", tsa.url)
    sealed = tmp_path / "sealed.pdf"
    asked = len(tsa.requests)
    code, data, err = desk_run("sign", doc, "--seal-image", str(seal), "--out", str(sealed))
    assert code == 0, err
    assert isinstance(data, dict) and data["pades"] == "B-T"
    assert len(tsa.requests) > asked, "the timestamp server was asked"

    code, rows, err = run(capsys, "verify", str(sealed))
    assert code == 0, err
    assert isinstance(rows, list)
    assert [r["field"] for r in rows] == ["ChuKyLanhDao", "SoVanBan", "NgayVanBan", "ChuKyCoQuan"]
    assert rows[0]["timestamp"] is None
    assert rows[-1]["timestamp"] == {
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
    assert report.count("Signature Validation: Signature is Valid.") == 4, report


def test_trust_store_and_timestamp_server_come_from_the_desk_settings(
    workspace: Workspace,
    desk_run: Callable[..., tuple[int, object, str]],
    tsa: Tsa,
    leader_signed: Callable[..., bytes],
    seal_png: bytes,
    token_env: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from clerk_app.signing.desk import SigningSettings, save_settings

    monkeypatch.delenv("CLERK_TSA_URL", raising=False)
    doc, seal = _numbered_and_seal(workspace, desk_run, tmp_path, leader_signed(), seal_png)
    monkeypatch.delenv("CLERK_TRUST_DIR")
    desk = workspace.data_dir
    save_settings(desk, SigningSettings(trust_dirs=(str(token_env),), timestamp_url=tsa.url))
    sealed = tmp_path / "sealed.pdf"
    code, data, err = desk_run("sign", doc, "--seal-image", str(seal), "--out", str(sealed))
    assert code == 0, err
    assert isinstance(data, dict) and data["pades"] == "B-T"
    code, rows, err = run(capsys, "--data-dir", str(desk), "verify", str(sealed))
    assert code == 0, err
    assert isinstance(rows, list) and all(r["trusted"] for r in rows)
    assert rows[-1]["timestamp"]["trusted"] is True
    # Another desk without that trust store: intact and valid, but nobody vouches for them.
    other = tmp_path / "other"
    other.mkdir()
    code, rows, err = run(capsys, "--data-dir", str(other), "verify", str(sealed))
    assert isinstance(rows, list) and not any(r["trusted"] for r in rows)
    assert all(r["intact"] and r["valid"] for r in rows)
