"""`clerk print-register` and `clerk report` end to end through the CLI's main()."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from printing_desk import Desk

from clerk_app.cli import main


def test_print_register_writes_the_pdf_and_reports_its_pages(
    desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "so-den-02.pdf"
    code = main(
        [
            "--data-dir",
            str(desk.ws.data_dir),
            "print-register",
            "--book",
            "incoming",
            "--year",
            "2026",
            "--from",
            "2026-02-01",
            "--to",
            "2026-02-28",
            "--volume",
            "2",
            "--out",
            str(out),
            "--json",
        ]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["entries"] == 40 and data["volume"] == 2 and out.is_file()
    assert data["first_page"] > 1 and len(data["fingerprint"]) == 64


def test_print_register_across_two_years_names_both(
    desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "--data-dir",
            str(desk.ws.data_dir),
            "print-register",
            "--book",
            "incoming",
            "--year",
            "2026",
            "--from",
            "2025-12-01",
            "--to",
            "2026-01-31",
            "--out",
            str(tmp_path / "x.pdf"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "2025" in err and "2026" in err and "hai năm" in err


def test_report_to_xlsx_and_refusing_other_formats(
    desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = [
        "--data-dir",
        str(desk.ws.data_dir),
        "report",
        "--from",
        "2026-01-01",
        "--to",
        "2026-03-31",
    ]
    assert main([*base, "--out", str(tmp_path / "r.xlsx"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["incoming"]["total"] == 82
    assert main([*base, "--out", str(tmp_path / "r.odt")]) == 2
    assert ".xlsx" in capsys.readouterr().err
