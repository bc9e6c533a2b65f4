"""The `clerk` command line: JSON output, Vietnamese one-line errors, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from clerk_app.cli import main


def run(capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str) -> tuple[int, Any, str]:
    code = main(["--data-dir", str(data_dir), *args])
    out, err = capsys.readouterr()
    payload = json.loads(out) if out.strip().startswith(("{", "[")) else out
    return code, payload, err


@pytest.fixture
def desk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    data_dir = tmp_path / "cli-desk"
    code, _, err = run(
        capsys,
        data_dir,
        "init",
        "--agency-name",
        "Ủy ban nhân dân tỉnh Phú Yên",
        "--agency-code",
        "UBND",
        "--json",
    )
    assert code == 0, err
    assert (
        run(capsys, data_dir, "add-unit", "--code", "VP", "--name", "Văn phòng", "--json")[0] == 0
    )
    return data_dir


def test_register_incoming_and_find_it(desk: Path, capsys, make_pdf) -> None:
    pdf = make_pdf("So: 45/STC-NS")
    code, doc, err = run(
        capsys,
        desk,
        "register-incoming",
        str(pdf),
        "--issuer",
        "Sở Tài chính",
        "--reference",
        "45/STC-NS",
        "--issued-on",
        "2026-01-05",
        "--doc-type",
        "cong van",
        "--subject",
        "Về việc quyết toán kinh phí",
        "--urgency",
        "Khẩn",
        "--json",
    )
    assert code == 0, err
    assert isinstance(doc, dict)
    assert doc["arrival_number"] == 1 and doc["year"] >= 2026
    assert doc["received_at"].endswith("+07:00")
    assert doc["doc_type"] == "Công văn"
    assert doc["files"][0]["role"] == "original"
    code, found, _ = run(capsys, desk, "search", "quyet toan", "--json")
    assert code == 0 and [d["id"] for d in found] == [doc["id"]]
    assert found[0]["arrival_number"] == 1
    code, shown, _ = run(capsys, desk, "show", doc["id"], "--json")
    assert shown["history"][0]["action"] == "register_incoming"


def test_register_outgoing_composes_reference(desk: Path, capsys) -> None:
    base = [
        "--subject",
        "V/v báo cáo",
        "--signer",
        "Nguyễn Văn Hùng",
        "--recipients",
        "Sở Nội vụ",
        "--json",
    ]
    _, first, _ = run(capsys, desk, "register-outgoing", "--doc-type", "Quyết định", *base)
    _, second, _ = run(
        capsys, desk, "register-outgoing", "--doc-type", "Công văn", "--unit", "VP", *base
    )
    assert (first["number"], first["reference"]) == (1, "01/QĐ-UBND")
    assert (second["number"], second["reference"]) == (2, "02/UBND-VP")
    code, listed, _ = run(
        capsys, desk, "list", "--book", "outgoing", "--year", str(first["year"]), "--json"
    )
    assert code == 0
    assert [d["number"] for d in listed] == [1, 2]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--issued-on", "2026-02-30"], "không có thật"),
        (["--secrecy", "Tối mật"], "không được quét, lưu"),
        (["--urgency", "gấp lắm"], "không hợp lệ"),
    ],
)
def test_bad_input_is_one_vietnamese_line(desk: Path, capsys, args: list[str], needle: str) -> None:
    code, payload, err = run(
        capsys,
        desk,
        "register-incoming",
        "--issuer",
        "Sở Tài chính",
        "--reference",
        "1/X",
        "--doc-type",
        "Công văn",
        "--subject",
        "Về việc A",
        *args,
        "--json",
    )
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("Lỗi: ") and needle in err
    assert isinstance(payload, dict) and payload["error"]["code"]
    _, listed, _ = run(capsys, desk, "list", "--book", "incoming", "--year", "2026", "--json")
    assert listed == []


def test_bad_file_is_refused(desk: Path, capsys, tmp_path: Path) -> None:
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    code, _, err = run(
        capsys,
        desk,
        "register-incoming",
        str(empty),
        "--issuer",
        "A",
        "--doc-type",
        "Công văn",
        "--subject",
        "B",
    )
    assert code == 2 and "rỗng" in err


def test_missing_argument_is_vietnamese(desk: Path, capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--data-dir", str(desk), "register-incoming", "--issuer", "A"])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "thiếu tham số bắt buộc" in err and err.count("\n") == 1


def test_uninitialised_dir(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, tmp_path / "none", "search", "x")
    assert code == 2 and "chưa được khởi tạo" in err


def test_correct_cancel_and_pending(desk: Path, capsys) -> None:
    common = [
        "--issuer",
        "Sở Nội vụ",
        "--doc-type",
        "Công văn",
        "--subject",
        "Về việc tuyển dụng",
        "--json",
    ]
    _, a, _ = run(
        capsys, desk, "register-incoming", "--reference", "1/SNV", "--urgency", "Thường", *common
    )
    _, b, _ = run(
        capsys, desk, "register-incoming", "--reference", "2/SNV", "--urgency", "Hỏa tốc", *common
    )
    _, pending, _ = run(capsys, desk, "pending", "--json")
    assert [p["arrival_number"] for p in pending] == [2, 1]
    code, corrected, _ = run(
        capsys,
        desk,
        "correct",
        a["id"],
        "--set",
        "subject=Về việc tuyển dụng công chức",
        "--reason",
        "bổ sung",
        "--json",
    )
    assert code == 0 and corrected["fields"]["revision"] == 2
    code, cancelled, _ = run(capsys, desk, "cancel", b["id"], "--reason", "trùng", "--json")
    assert code == 0 and cancelled["status"] == "cancelled"
    _, c, _ = run(capsys, desk, "register-incoming", "--reference", "3/SNV", *common)
    assert c["arrival_number"] == 3
    code, check, _ = run(capsys, desk, "verify-audit", "--json")
    assert code == 0 and check["ok"] is True


def test_console_script_and_module_entry_point(desk: Path) -> None:
    env = os.environ | {"CLERK_DATA_DIR": str(desk)}
    clerk = Path(sys.executable).with_name("clerk")
    for command in ([str(clerk)], [sys.executable, "-m", "clerk_app"]):
        done = subprocess.run(
            [*command, "registers", "--json"], env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        assert {r["kind"] for r in json.loads(done.stdout)} == {"incoming", "outgoing"}


def test_output_is_utf8_even_when_the_locale_is_a_windows_code_page(tmp_path: Path) -> None:
    # A pipe on Windows is cp1252: printing «Đã khởi tạo …» used to crash there.

    env = {**os.environ, "PYTHONIOENCODING": "cp1252", "PYTHONUTF8": "0"}
    done = subprocess.run(
        [sys.executable, "-m", "clerk_app", "--data-dir", str(tmp_path / "d"), "init",
         "--agency-name", "Ủy ban nhân dân xã Đông Hòa", "--agency-code", "UBND"],
        capture_output=True, env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "Đã khởi tạo" in done.stdout.decode("utf-8")
