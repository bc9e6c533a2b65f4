"""Numbering that cannot contradict itself: QPPL and copy series, unique references, order."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from pathlib import Path

import pymupdf
import pytest

from clerk_app import errors
from clerk_app.clock import VIETNAM
from clerk_app.messages import describe
from clerk_app.storage.database import DB_FILENAME
from clerk_app.workspace import Workspace
from tests.clerk_app.test_workspace import incoming, outgoing


def counts(ws: Workspace) -> tuple[int, int, int]:
    con = sqlite3.connect(ws.data_dir / DB_FILENAME)
    try:
        return (
            con.execute("SELECT count(*) FROM document").fetchone()[0],
            con.execute("SELECT count(*) FROM audit_entry").fetchone()[0],
            con.execute("SELECT sum(last_number) FROM register").fetchone()[0],
        )
    finally:
        con.close()


def one_line(exc: errors.ClerkError) -> str:
    line = describe(exc).one_line()
    assert "\n" not in line and line.isprintable()
    return line


# --- QPPL --------------------------------------------------------------------------------


def test_qppl_decision_gets_its_own_series_with_the_year(workspace: Workspace) -> None:
    individual = workspace.register_outgoing(outgoing()).document
    qppl = workspace.register_outgoing(outgoing(qppl=True)).document
    second = workspace.register_outgoing(outgoing()).document
    assert individual.summary.reference == "01/QĐ-UBND"
    assert qppl.summary.reference == "01/2026/QĐ-UBND"
    assert qppl.fields["series"] == "QPPL"
    assert second.summary.reference == "02/QĐ-UBND"
    assert second.fields["series"] == "chung"


def test_qppl_on_a_type_that_cannot_be_qppl_is_refused(workspace: Workspace) -> None:
    before = counts(workspace)
    with pytest.raises(errors.QpplTypeRefused) as caught:
        workspace.register_outgoing(outgoing(doc_type="Chỉ thị", qppl=True))
    assert "Chỉ thị" in one_line(caught.value)
    assert counts(workspace) == before


def test_add_series_qppl_no_longer_captures_every_decision(workspace: Workspace) -> None:
    workspace.register_outgoing(outgoing())  # 01/QĐ-UBND in the main series
    workspace.add_series(2026, "QPPL", "Sổ văn bản QPPL", ["Quyết định"])
    individual = workspace.register_outgoing(outgoing()).document
    qppl = workspace.register_outgoing(outgoing(qppl=True)).document
    assert individual.summary.reference == "02/QĐ-UBND"
    assert individual.fields["series"] == "chung"
    assert qppl.summary.reference == "01/2026/QĐ-UBND"


def test_add_series_qppl_refuses_a_type_that_cannot_be_qppl(workspace: Workspace) -> None:
    with pytest.raises(errors.QpplTypeRefused):
        workspace.add_series(2026, "QPPL", "Sổ QPPL", ["Quyết định", "Chỉ thị"])


# --- copies ------------------------------------------------------------------------------


def test_copies_share_one_series_of_their_own(workspace: Workspace) -> None:
    workspace.register_outgoing(outgoing())
    sy = workspace.register_outgoing(outgoing(doc_type="Bản sao y")).document
    trs = workspace.register_outgoing(outgoing(doc_type="Bản trích sao")).document
    sl = workspace.register_outgoing(outgoing(doc_type="Bản sao lục")).document
    after = workspace.register_outgoing(outgoing(doc_type="Thông báo")).document
    assert [d.summary.reference for d in (sy, trs, sl)] == [
        "01/SY-UBND",
        "02/TrS-UBND",
        "03/SL-UBND",
    ]
    assert {d.fields["series"] for d in (sy, trs, sl)} == {"SAO"}
    assert after.summary.reference == "02/TB-UBND"


def test_a_copy_cannot_be_numbered_in_the_main_series(workspace: Workspace) -> None:
    before = counts(workspace)
    with pytest.raises(errors.SeriesRefused) as caught:
        workspace.register_outgoing(outgoing(doc_type="Bản sao y", series="chung"))
    one_line(caught.value)
    with pytest.raises(errors.SeriesRefused):
        workspace.register_outgoing(outgoing(doc_type="Thông báo", series="SAO"))
    with pytest.raises(errors.QpplTypeRefused):
        workspace.register_outgoing(outgoing(doc_type="Bản sao y", qppl=True))
    assert counts(workspace) == before


# --- one reference per year --------------------------------------------------------------


def test_a_custom_series_repeating_a_reference_is_refused_and_writes_nothing(
    workspace: Workspace,
) -> None:
    workspace.register_outgoing(outgoing())  # 01/QĐ-UBND
    workspace.add_series(2026, "QD", "Sổ quyết định", ["Quyết định"])
    before = counts(workspace)
    with pytest.raises(errors.DuplicateReference) as caught:
        workspace.register_outgoing(outgoing())
    assert "01/QĐ-UBND" in one_line(caught.value)
    assert counts(workspace) == before


def test_the_database_itself_refuses_a_second_live_reference(workspace: Workspace) -> None:
    workspace.register_outgoing(outgoing())
    con = sqlite3.connect(workspace.data_dir / DB_FILENAME)
    try:
        row = con.execute(
            "SELECT register_id, year, reference, reference_key FROM document"
        ).fetchone()
        insert = (
            "INSERT INTO document (id, register_id, direction, year, number, status, issuer,"
            " issuer_key, reference, reference_key, register_date, doc_type, subject, urgency,"
            " urgency_rank, has_paper, source_channel, recipients, notes, signer, unit_code,"
            " electronic_only, file_copy_holder, handed_over_to, cancel_reason, revision,"
            " created_at, updated_at, reference_clash)"
            " VALUES (?, ?, 'outgoing', ?, 99, ?, '', '', ?, ?, '2026-03-10', 'Quyết định', 'x',"
            " 'Thường', 3, 1, '', '', '', '', '', 0, '', '', '', 1, '2026-03-10', '2026-03-10', 0)"
        )
        with pytest.raises(sqlite3.IntegrityError):
            con.execute(insert, ("x1", row[0], row[1], "registered", row[2], row[3]))
        con.rollback()
        # A cancelled registration keeps its number but no longer holds the reference.
        con.execute(insert, ("x2", row[0], row[1], "cancelled", row[2], row[3]))
        con.rollback()
    finally:
        con.close()


def test_a_cancelled_reference_does_not_block_the_constraint(workspace: Workspace) -> None:
    doc = workspace.register_outgoing(outgoing()).document
    workspace.cancel(doc.summary.id, "nhầm")
    assert workspace.register_outgoing(outgoing()).document.summary.reference == "02/QĐ-UBND"


# --- arrival order and closed years -------------------------------------------------------


def test_an_arrival_before_the_last_one_is_refused(workspace: Workspace) -> None:
    workspace.register_incoming(incoming(received_at=datetime(2026, 3, 9, 10, 0, tzinfo=VIETNAM)))
    before = counts(workspace)
    with pytest.raises(errors.ArrivalOutOfOrder) as caught:
        workspace.register_incoming(
            incoming(reference="9/SNV", received_at=datetime(2026, 3, 9, 9, 0, tzinfo=VIETNAM))
        )
    assert "--late-reason" in one_line(caught.value) or "muộn" in one_line(caught.value)
    assert counts(workspace) == before


def test_a_late_registration_with_a_reason_is_kept_and_noted(workspace: Workspace) -> None:
    workspace.register_incoming(incoming(received_at=datetime(2026, 3, 9, 10, 0, tzinfo=VIETNAM)))
    late = workspace.register_incoming(
        incoming(
            reference="9/SNV",
            received_at=datetime(2026, 3, 9, 9, 0, tzinfo=VIETNAM),
            late_reason="Thư để lẫn trong tập công văn khác",
        )
    ).document
    assert late.summary.number == 2
    assert "Thư để lẫn trong tập công văn khác" in late.summary.notes
    assert "muộn" in late.summary.notes
    assert late.history[0].details["late_reason"] == "Thư để lẫn trong tập công văn khác"


def test_an_outgoing_date_in_a_closed_year_is_refused(workspace: Workspace) -> None:
    workspace.open_year(2025)
    workspace.close_year(2025)
    before = counts(workspace)
    with pytest.raises(errors.RegisterClosed) as caught:
        workspace.register_outgoing(outgoing(issued_on=date(2025, 12, 30)))
    assert "2025" in one_line(caught.value)
    assert counts(workspace) == before
    assert workspace.register_outgoing(outgoing()).document.summary.year == 2026


def test_the_printed_register_shows_the_late_registration_in_ghi_chu(
    workspace: Workspace, tmp_path: Path
) -> None:
    from clerk_app.printing.register_pdf import print_register

    workspace.register_incoming(incoming(received_at=datetime(2026, 3, 9, 10, 0, tzinfo=VIETNAM)))
    workspace.register_incoming(
        incoming(
            reference="9/SNV",
            received_at=datetime(2026, 3, 9, 9, 0, tzinfo=VIETNAM),
            late_reason="Thư để lẫn",
        )
    )
    printed = print_register(workspace, "incoming", 2026, tmp_path / "so-den.pdf")
    with pymupdf.open(printed.path) as pdf:
        body = " ".join(" ".join(page.get_text().split()) for page in pdf)
    assert "Đăng ký muộn: Thư để lẫn" in body


def test_the_command_line_takes_qppl_late_reason_and_closes_a_year(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from clerk_app.cli import main

    base = ["--data-dir", str(workspace.data_dir)]
    outgoing_args = ["--doc-type", "Quyết định", "--subject", "Ban hành Quy chế"]
    outgoing_args += ["--signer", "Nguyễn Văn Hùng", "--recipients", "Như Điều 3"]
    assert main([*base, "register-outgoing", *outgoing_args, "--qppl", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["reference"].endswith("/2026/QĐ-UBND")
    incoming_args = ["--issuer", "Sở Nội vụ", "--doc-type", "Công văn", "--subject", "Về việc"]
    assert (
        main(
            [
                *base,
                "register-incoming",
                *incoming_args,
                "--reference",
                "1/SNV",
                "--received-at",
                "2026-03-09T10:00:00+07:00",
            ]
        )
        == 0
    )
    late = [
        *base,
        "register-incoming",
        *incoming_args,
        "--reference",
        "2/SNV",
        "--received-at",
        "2026-03-09T09:00:00+07:00",
    ]
    capsys.readouterr()
    assert main(late) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert main([*late, "--late-reason", "Thư để lẫn", "--json"]) == 0
    assert "Thư để lẫn" in json.loads(capsys.readouterr().out)["fields"]["notes"]
    workspace.open_year(2025)
    assert main([*base, "close-year", "--year", "2025"]) == 0
    capsys.readouterr()
    assert main([*base, "register-outgoing", *outgoing_args, "--date", "2025-12-31"]) == 2
    assert "khóa sổ" in capsys.readouterr().err
