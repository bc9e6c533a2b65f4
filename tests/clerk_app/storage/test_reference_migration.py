"""Migration 0005 on a database made at revision 0004 that already holds a duplicate reference."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from alembic import command

from clerk_app.cli import main
from clerk_app.records import OutgoingDraft
from clerk_app.storage.database import DB_FILENAME, HEAD_REVISION, Database, alembic_config
from clerk_app.workspace import Workspace


def decision(subject: str) -> OutgoingDraft:
    return OutgoingDraft(
        doc_type="Quyết định", subject=subject, signer="Nguyễn Văn Hùng", recipients="Như Điều 3"
    )


@pytest.fixture
def desk_at_0004_with_a_duplicate(workspace: Workspace) -> tuple[Path, list[str]]:
    """Two live decisions of 2026 both reading 01/QĐ-UBND, as a desk before 0005 could hold."""
    ids = [
        workspace.register_outgoing(decision(f"Quyết định {i}")).document.summary.id for i in (1, 2)
    ]
    data_dir = workspace.data_dir
    workspace.close()
    db = Database(data_dir / DB_FILENAME)
    config = alembic_config(db.engine)
    with db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0004")
    db.close()
    con = sqlite3.connect(data_dir / DB_FILENAME)
    with con:
        assert con.execute("SELECT version_num FROM alembic_version").fetchone() == ("0004",)
        # What the add-series bug made: the second series' decision repeating the first's 01,
        # here typed with an en dash, which the key of its day did not fold.
        con.execute(
            "UPDATE document SET reference = '01/QĐ\u2013UBND', reference_key = '1/QD\u2013UBND'"
            " WHERE id = ?",
            (ids[1],),
        )
    con.close()
    return data_dir, ids


def test_upgrade_lists_the_duplicate_instead_of_failing(
    desk_at_0004_with_a_duplicate: tuple[Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir, ids = desk_at_0004_with_a_duplicate
    with Workspace.open(data_dir) as ws:
        clashes = ws.reference_clashes()
        assert [(c.year, c.reference, [d[0] for d in c.documents]) for c in clashes] == [
            (2026, "01/QĐ-UBND", ids)
        ]
        # The constraint holds from now on: the reference cannot be issued a third time.
        con = sqlite3.connect(data_dir / DB_FILENAME)
        try:
            assert con.execute("SELECT version_num FROM alembic_version").fetchone() == (
                HEAD_REVISION,
            )
            with pytest.raises(sqlite3.IntegrityError):
                con.execute("UPDATE document SET reference_clash = 0 WHERE id = ?", (ids[1],))
        finally:
            con.close()
    assert main(["--data-dir", str(data_dir), "reference-clashes", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["reference"] == "01/QĐ-UBND"
    assert [d["number"] for d in listed[0]["documents"]] == [1, 2]


def test_cancelling_one_of_the_pair_clears_the_list(
    desk_at_0004_with_a_duplicate: tuple[Path, list[str]],
) -> None:
    data_dir, ids = desk_at_0004_with_a_duplicate
    with Workspace.open(data_dir) as ws:
        ws.cancel(ids[1], "trùng số với quyết định số 01")
        assert ws.reference_clashes() == []
        assert ws.register_outgoing(decision("Quyết định 3")).document.summary.reference == (
            "03/QĐ-UBND"
        )
