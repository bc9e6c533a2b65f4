"""`clerk edxml-export` and `clerk edxml-read` on a real desk: JSON out, one Vietnamese line and
exit 2 on bad input."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from clerk_app.cli import main

PROVINCE_ID = "000.00.00.H44"
DIRECTORY = (
    "organ_id,name,in_charge,email\n"
    f"{PROVINCE_ID},Ủy ban nhân dân tỉnh Phú Yên,,\n"
    "000.01.32.H44,Sở Tài chính,Ủy ban nhân dân tỉnh Phú Yên,\n"
    "000.03.32.H44,Sở Nội vụ,Ủy ban nhân dân tỉnh Phú Yên,\n"
)


def run(capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str) -> tuple[int, Any, str]:
    code = main(["--data-dir", str(data_dir), *args])
    out, err = capsys.readouterr()
    payload = json.loads(out) if out.strip().startswith(("{", "[")) else out
    return code, payload, err


@pytest.fixture
def desk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    data_dir = tmp_path / "desk"
    code, _, err = run(
        capsys,
        data_dir,
        "init",
        "--agency-name",
        "Ủy ban nhân dân tỉnh Phú Yên",
        "--agency-code",
        "UBND",
    )
    assert code == 0, err
    (data_dir / "interchange").mkdir()
    (data_dir / "interchange" / "organs.csv").write_text(DIRECTORY, encoding="utf-8")
    return data_dir


@pytest.fixture
def outgoing(desk: Path, capsys: pytest.CaptureFixture[str], make_pdf: Callable[..., Path]) -> str:
    pdf = make_pdf("QUYẾT ĐỊNH", "Về việc thành lập Tổ công tác", pages=2)
    code, doc, err = run(
        capsys,
        desk,
        "register-outgoing",
        str(pdf),
        "--doc-type",
        "Quyết định",
        "--subject",
        "Về việc thành lập Tổ công tác",
        "--signer",
        "Nguyễn Văn Hùng",
        "--recipients",
        "Sở Tài chính; Sở Nội vụ",
        "--urgency",
        "Thượng khẩn",
        "--json",
    )
    assert code == 0, err
    return str(doc["id"])


def test_export_then_read_shows_the_registration_fields(
    desk: Path, outgoing: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "goi-tin.edxml"
    code, exported, err = run(capsys, desk, "edxml-export", outgoing, "--out", str(out), "--json")
    assert code == 0, err
    assert exported["recipients"] == ["000.01.32.H44", "000.03.32.H44"]
    assert exported["document_id"].startswith(f"{PROVINCE_ID},")
    assert out.stat().st_size == exported["size"]
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []

    code, shown, err = run(
        capsys, desk, "edxml-read", str(out), "--organ-id", "000.03.32.H44", "--json"
    )
    assert code == 0, err
    fields = shown["fields"]
    assert fields["issuer"] == "Ủy ban nhân dân tỉnh Phú Yên"
    assert fields["issuer_organ_id"] == PROVINCE_ID
    assert re.fullmatch(r"01/QĐ-UBND", fields["reference"])
    assert (fields["doc_type"], fields["urgency"], fields["signer"]) == (
        "Quyết định",
        "Thượng khẩn",
        "Nguyễn Văn Hùng",
    )
    assert shown["attachments"][0]["sha256"] == exported["attachments"][0]["sha256"]
    assert shown["reply"] == {"code": "01", "status": "arrived"}

    code, text, _ = run(capsys, desk, "edxml-read", str(out))
    assert code == 0 and "Quyết định 01/QĐ-UBND" in text and "Thượng khẩn" in text


def test_read_refuses_a_package_for_another_agency(
    desk: Path, outgoing: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "goi-tin.edxml"
    assert (
        run(capsys, desk, "edxml-export", outgoing, "--out", str(out), "--to", "000.01.32.H44")[0]
        == 0
    )
    code, payload, err = run(
        capsys, desk, "edxml-read", str(out), "--organ-id", "000.03.32.H44", "--json"
    )
    assert code == 2
    assert payload["error"]["code"] == "EdxmlWrongRecipient"
    assert err.count("\n") == 1 and "gửi nhầm đơn vị nhận" in err


@pytest.mark.parametrize(
    ("content", "code_name", "needle"),
    [
        (b"<edXML><From>", "EdxmlNotWellFormed", "sai cú pháp XML"),
        (
            b'<!DOCTYPE x [<!ENTITY a SYSTEM "file:///etc/passwd">]><x>&a;</x>',
            "EdxmlHostile",
            "DOCTYPE",
        ),
        (b"<html/>", "EdxmlNotAMessage", "không phải gói tin edXML"),
    ],
)
def test_read_bad_files(
    desk: Path,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    content: bytes,
    code_name: str,
    needle: str,
) -> None:
    bad = tmp_path / "bad.edxml"
    bad.write_bytes(content)
    code, payload, err = run(capsys, desk, "edxml-read", str(bad), "--json")
    assert code == 2
    assert payload["error"]["code"] == code_name
    assert err.startswith("Lỗi: ") and needle in err and err.count("\n") == 1


def test_export_without_identifiers_says_what_to_add(
    desk: Path, outgoing: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (desk / "interchange" / "organs.csv").write_text(
        "organ_id,name,in_charge,email\n000.01.32.H44,Sở Tài chính,,\n", encoding="utf-8"
    )
    out = tmp_path / "x.edxml"
    code, payload, err = run(capsys, desk, "edxml-export", outgoing, "--out", str(out), "--json")
    assert code == 2 and payload["error"]["code"] == "OrganNotInDirectory"
    assert "Ủy ban nhân dân tỉnh Phú Yên" in err and "--organ-id" in err
    code, payload, err = run(
        capsys,
        desk,
        "edxml-export",
        outgoing,
        "--out",
        str(out),
        "--organ-id",
        PROVINCE_ID,
        "--json",
    )
    assert code == 2 and payload["error"]["fields"]["name"] == "Sở Nội vụ"
    assert not out.exists()
    code, payload, err = run(
        capsys,
        desk,
        "edxml-export",
        outgoing,
        "--out",
        str(out),
        "--organ-id",
        PROVINCE_ID,
        "--to",
        "000.01.32.H44",
        "--json",
    )
    assert code == 0, err
    assert payload["recipients"] == ["000.01.32.H44"]
