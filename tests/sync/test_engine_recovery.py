"""Desks that notice what happened to them, against the real server: a lost file, a restored
backup, a data folder made again, the credential kept in the database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from clerk_app.clock import VIETNAM
from clerk_app.storage.models import AuditEntry
from clerk_app.workspace import Workspace
from sync.engine import DeskSync
from tests.sync.conftest import RunningServer, check_all
from tests.sync.test_engine import file_hashes, register, sync
from tests.sync.test_online import holder_and_other

YEAR = datetime.now(VIETNAM).year


def test_a_lost_file_is_noted_on_its_document_and_holds_nothing_back(
    server: RunningServer, new_desk: Any, make_pdf: Any
) -> None:
    a, b = holder_and_other(server, new_desk)
    ids = register(a, 3, make_pdf, "A")
    with Workspace.open(a) as ws:
        lost = ws.document(ids[1]).files[0].sha256
    with DeskSync(a) as d:
        d.store.path(lost).unlink()
        report = d.sync()
        again = d.sync()  # the next round neither fails nor notes it twice
    assert report.rejected == [] and report.accepted >= 3
    assert report.files_missing == [{"document_id": ids[1], "sha256": lost}]
    assert again.files_missing == []
    assert report.files_sent == len(file_hashes(a)) - 1
    with Workspace.open(a) as ws, ws._db.read() as s:
        noted = list(
            s.execute(
                select(AuditEntry.entity_id).where(AuditEntry.action == "sync_file_missing")
            ).scalars()
        )
    assert noted == [ids[1]]
    sync(b)
    assert file_hashes(b) == file_hashes(a) - {lost}  # the server never had it to pass on
    check_all(server, a, b)
