"""Idle-time maintenance of the desk database: the WAL is checkpointed outside registrations."""

from __future__ import annotations

import sqlite3
from datetime import date

from clerk_app.records import IncomingDraft
from clerk_app.storage.database import DB_FILENAME, DESK_AUTOCHECKPOINT_PAGES
from clerk_app.workspace import Workspace


def letter(n: int) -> IncomingDraft:
    return IncomingDraft(
        issuer="Sở Tài chính tỉnh Phú Yên",
        reference=f"{n}/STC-VP",
        issued_on=date(2026, 3, 5),
        doc_type="Công văn",
        subject=f"Về việc quyết toán kinh phí đợt {n}",
    )


def test_registrations_leave_the_checkpoint_to_idle_time(workspace: Workspace) -> None:
    before = workspace.writes_since_maintenance()
    for n in range(1, 31):
        workspace.register_incoming(letter(n))
    assert workspace.writes_since_maintenance() == before + 30
    with workspace._db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == (
            DESK_AUTOCHECKPOINT_PAGES
        )

    done = workspace.maintain()

    assert not done.busy
    assert done.wal_frames > 0
    assert done.checkpointed == done.wal_frames
    assert workspace.writes_since_maintenance() == 0
    # The merged index still answers, and SQLite finds both the file and the index whole.
    assert [d.reference for d in workspace.search("đợt 17")] == ["17/STC-VP"]
    plain = sqlite3.connect(workspace.data_dir / DB_FILENAME)
    try:
        assert plain.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        plain.execute("INSERT INTO document_fts(document_fts) VALUES('integrity-check')")
    finally:
        plain.close()


def test_maintenance_waits_for_nobody(workspace: Workspace) -> None:
    """A reader holding a snapshot makes the checkpoint partial, never blocks or fails it."""
    for n in range(1, 6):
        workspace.register_incoming(letter(n))
    reader = sqlite3.connect(workspace.data_dir / DB_FILENAME, isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM document").fetchone()
        workspace.register_incoming(letter(6))
        done = workspace.maintain()
        assert done.checkpointed < done.wal_frames
    finally:
        reader.close()
    assert workspace.maintain().checkpointed == workspace.maintain().wal_frames
