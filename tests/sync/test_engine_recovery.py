"""Desks that notice what happened to them, against the real server: a lost file, a restored
backup, a data folder made again, the credential kept in the database."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from clerk_app.clock import VIETNAM
from clerk_app.storage.database import DB_FILENAME
from clerk_app.storage.models import AuditEntry, Register
from clerk_app.workspace import Workspace
from sync.engine import DeskSync
from sync.server.models import RegisterCounter
from tests.sync.conftest import RunningServer, check_all
from tests.sync.test_engine import file_hashes, register, sync
from tests.sync.test_online import holder_and_other, online_register

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


def test_a_desk_restored_from_a_backup_learns_where_it_stood_before_numbering(
    server: RunningServer, new_desk: Any, tmp_path: Path
) -> None:
    a, b = holder_and_other(server, new_desk)
    sync(a)
    paper = [online_register(a, f"trước sao lưu {i}").number for i in range(2)]
    backup = tmp_path / "backup"
    shutil.copytree(a, backup)
    paper += [online_register(a, f"sau sao lưu {i}").number for i in range(2)]
    paper += [online_register(b, "bàn B").number]
    sync(a)
    shutil.rmtree(a)
    shutil.copytree(backup, a)  # the desk's disk died; last week's backup is put back

    with Workspace.open(a, actor="clerk") as ws:
        ws.add_unit("KT", "Phòng Kinh tế")  # a new mutation, at a sequence the server has seen
    report = sync(a)
    assert report.rejected == [], report.rejected  # not `sequence_reused`
    with server.db.read() as s:
        counter = s.execute(
            select(RegisterCounter).where(
                RegisterCounter.kind == "incoming", RegisterCounter.year == YEAR
            )
        ).scalar_one()
        ceded = counter.ceded_through
    with Workspace.open(a) as ws, ws._db.read() as s:
        # The counter itself (the register's view shows only numbers issued, not the ones
        # ceded to the server and unused): the restored desk never gives those again.
        counter_on_desk = s.execute(
            select(Register.last_number).where(
                Register.kind == "incoming", Register.year == YEAR, Register.series == "chung"
            )
        ).scalar_one()
        assert counter_on_desk >= ceded
        caught = s.execute(
            select(AuditEntry.details).where(AuditEntry.action == "sync_sequence_caught_up")
        ).scalar_one()
    assert "moved" in str(caught)

    server.kill()
    offline = online_register(a, "ngoại tuyến sau khôi phục")  # the holder, cut off
    assert offline.number is not None and offline.number > max(n for n in paper if n)
    server.start()
    paper += [offline.number, online_register(b, "bàn B sau").number]
    numbers = [n for n in paper if n is not None]
    assert len(numbers) == len(set(numbers)), paper
    sync(a)
    sync(b)
    sync(a)
    check_all(server, a, b)


def test_clerk_init_refuses_a_folder_that_holds_originals(new_desk: Any, make_pdf: Any) -> None:
    from tests.sync.conftest import run_clerk

    a = new_desk("a")
    register(a, 1, make_pdf, "A")
    (a / DB_FILENAME).unlink()
    for extra in ("-wal", "-shm"):
        (a / (DB_FILENAME + extra)).unlink(missing_ok=True)
    (a / DB_FILENAME).write_bytes(b"")  # what a failed disk or copy leaves
    result = run_clerk(a, "init", "--agency-name", "Ủy ban", "--agency-code", "UBND", check=False)
    assert result.returncode == 2, result.stderr
    assert "bản gốc" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert (a / DB_FILENAME).stat().st_size == 0  # nothing was made over the originals
