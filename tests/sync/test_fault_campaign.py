"""The fault campaign's own checks (bench/fault_campaign.py): one short run against the real
server process, every fault kind made to happen, and the invariant checker shown able to fail.

A checker that cannot fail proves nothing: after a run that ends with every invariant held,
a duplicate number, a skipped number, a lost mutation, a document missing from the server and
a desk that differs from the server are each planted in turn, and each must be reported.
"""

from __future__ import annotations

import random
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from clerk_app.clock import VIETNAM
from clerk_app.storage.database import DB_FILENAME
from sync.server.models import AppliedMutation, NumberVoid, RegisterCounter, ServerDocument
from tests.sync.conftest import ROOT, RunningServer

sys.path.insert(0, str(ROOT / "bench"))
import fault_campaign as fc

# Every kind of step once, in an order where each has something to work on.
STEPS = [
    "online", "offline", "backup", "online", "lost", "replay", "kill_desk", "lease",
    "online", "restore", "skew", "kill_srv", "online", "sync",
]  # fmt: skip


def test_a_run_makes_every_fault_and_the_checker_catches_planted_breaks(
    module_server: RunningServer, tmp_path: Path
) -> None:
    server = module_server
    server.reset()
    year = datetime.now(VIETNAM).year
    run = fc.Run(server, tmp_path, "RKIEMTRA", random.Random(7), year)
    run.backups.clear()
    for name in STEPS:
        if server.proc is None:
            server.start()
        run.step(name)
    run.settle()
    run.check()  # the run itself holds every invariant

    kinds = {k.split(":")[0] for k in run.faults}
    assert kinds == {"kill_desk", "kill_srv", "lost", "replay", "lease", "restore", "skew"}, (
        run.faults
    )
    assert run.faults["lost:applied"] == 1 and run.faults["lease:moved"] == 1
    assert run.paper, "no number was told to a clerk"

    def broken(match: str) -> None:
        with pytest.raises(fc.Violation, match=match):
            run.check()

    # A number given twice. The server's unique index forbids two documents one number, so
    # twice here is a document's number also recorded as void, and on paper two documents.
    with server.db.read() as s:
        docs = s.execute(
            select(ServerDocument.id, ServerDocument.number, ServerDocument.counter_id)
            .where(ServerDocument.number.is_not(None))
            .order_by(ServerDocument.number)
        ).all()
    (first_id, first_no, counter_id), (second_id, _n, _c) = docs[0], docs[1]
    with server.db.write() as s:
        agency_id = s.get_one(RegisterCounter, counter_id).agency_id
        void = NumberVoid(
            agency_id=agency_id,
            counter_id=counter_id,
            number=first_no,
            reason="planted",
            created_at=datetime.now(UTC),
        )
        s.add(void)
    broken("server: ")
    with server.db.write() as s:
        s.execute(delete(NumberVoid).where(NumberVoid.reason == "planted"))
    run.check()
    told = dict(run.paper)
    with pytest.raises(fc.Violation, match="told to two clerks"):
        run.wrote(first_no, second_id, 0)
    run.paper[first_no] = second_id
    broken("is not the server's")
    run.paper = told
    run.check()

    # A skipped number: the counter moved past a number no document and no void holds.
    with server.db.write() as s:
        s.execute(update(RegisterCounter).values(last_number=RegisterCounter.last_number + 1))
    broken("server: ")
    with server.db.write() as s:
        s.execute(update(RegisterCounter).values(last_number=RegisterCounter.last_number - 1))
    run.check()

    # A lost mutation: the server has no answer for one of a desk's outbox entries.
    desk_db = run.desks[0] / DB_FILENAME
    with sqlite3.connect(desk_db) as conn:
        mid = conn.execute("SELECT mutation_id FROM outbox ORDER BY seq LIMIT 1").fetchone()[0]
    with server.db.read() as s:
        row = s.execute(select(AppliedMutation).where(AppliedMutation.mutation_id == mid))
        kept = row.scalar_one()
        s.expunge(kept)
    with server.db.write() as s:
        s.execute(delete(AppliedMutation).where(AppliedMutation.mutation_id == mid))
    broken("was never applied")
    with server.db.write() as s:
        s.merge(kept)
    run.check()

    # A document a desk made that the server lacks (a number the clerk was told, no less).
    run.made.add("khong-co-tren-may-chu")
    broken("not numbered on the server")
    run.made.discard("khong-co-tren-may-chu")

    # A desk with a mutation still unanswered: not converged.
    with sqlite3.connect(desk_db) as conn:
        acked = conn.execute("SELECT acked_at FROM outbox WHERE mutation_id = ?", (mid,))
        was = acked.fetchone()[0]
        conn.execute("UPDATE outbox SET acked_at = NULL WHERE mutation_id = ?", (mid,))
    broken("not answered")
    with sqlite3.connect(desk_db) as conn:
        conn.execute("UPDATE outbox SET acked_at = ? WHERE mutation_id = ?", (was, mid))
    run.check()

    # A desk whose register differs from the server's (its trigger forbids that: dropped here).
    with sqlite3.connect(run.desks[1] / DB_FILENAME) as conn:
        conn.execute("DROP TRIGGER document_number_fixed")
        conn.execute("UPDATE document SET number = number + 1000 WHERE id = ?", (first_id,))
    broken("differs from the server|numbers the server lacks")


def test_a_restore_loses_only_what_was_never_sent_and_the_campaign_says_so(
    module_server: RunningServer, tmp_path: Path
) -> None:
    """Seeds 3002, 101009 and 103005, reduced: the holder copies its folder, numbers offline,
    and the copy is put back before any round sent that number. The server never heard of it:
    the document is on the clerk's paper only, and the desk gives the number again. The campaign
    counts that loss instead of failing on it; everything else still holds."""
    server = module_server
    server.reset()
    year = datetime.now(VIETNAM).year
    run = fc.Run(server, tmp_path, "RKHOIPHUC", random.Random(3), year)
    run.do_offline(0)  # 1, sent below
    run.do_sync(0)
    run.do_backup(0)
    run.do_offline(0)  # 2, never sent
    assert sorted(run.paper) == [1, 2]
    run.do_restore(0)
    assert run.faults["restore:lost_unsent"] == 1 and sorted(run.paper) == [1]
    assert 2 in run.lost_to_restore
    run.do_sync(0)  # the restored desk reaches the server before it numbers again
    run.do_offline(0)
    assert run.faults["restore:number_issued_again"] == 1
    assert run.paper[2] != run.lost_to_restore[2]
    run.settle()
    run.check()
