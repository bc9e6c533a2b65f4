"""verify-audit cross-checks documents against their entries: cutting the chain's end is caught."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from clerk_app.cli import main
from clerk_app.storage.database import DB_FILENAME
from clerk_app.workspace import Workspace
from tests.clerk_app.test_workspace import incoming, outgoing


def cut_last_entries(data_dir: Path, count: int) -> None:
    """What a tamperer with the file can do: drop the guard and delete the newest entries.

    The chain of the entries left still verifies: each keeps the hash of the one before it."""
    con = sqlite3.connect(data_dir / DB_FILENAME)
    with con:
        con.execute("DROP TRIGGER audit_entry_no_delete")
        con.execute(
            "DELETE FROM audit_entry WHERE seq IN "
            "(SELECT seq FROM audit_entry ORDER BY seq DESC LIMIT ?)",
            (count,),
        )
    con.close()


def test_an_intact_desk_verifies(workspace: Workspace) -> None:
    doc = workspace.register_incoming(incoming()).document
    workspace.correct(doc.summary.id, {"subject": "Về việc khác"}, "gõ nhầm")
    workspace.register_outgoing(outgoing())
    workspace.cancel(doc.summary.id, "đăng ký nhầm")
    check = workspace.verify_audit()
    assert check.ok and check.unaccounted == ()


def test_deleting_the_last_registration_entry_is_caught(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace.register_incoming(incoming())
    last = workspace.register_outgoing(outgoing()).document.summary
    cut_last_entries(workspace.data_dir, 1)
    check = workspace.verify_audit()
    assert check.first_bad_seq is None  # the hash chain alone would not see it
    assert not check.ok
    assert check.unaccounted == ((last.id, 1, 2026, "no_registration_entry"),)
    assert main(["--data-dir", str(workspace.data_dir), "verify-audit"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "số 1/2026" in err


def test_deleting_the_last_correction_entry_is_caught(workspace: Workspace) -> None:
    doc = workspace.register_incoming(incoming()).document.summary
    workspace.correct(doc.id, {"subject": "Về việc khác"}, "gõ nhầm")
    cut_last_entries(workspace.data_dir, 1)
    check = workspace.verify_audit()
    assert not check.ok
    assert check.unaccounted == ((doc.id, 1, 2026, "changed_after_last_entry"),)
