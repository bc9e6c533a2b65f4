"""How the server applies an uploaded batch, against the real server database on SQLite and
PostgreSQL: a batch's mutations are applied without reading back what the batch itself wrote
(so a longer batch reads no more rows per mutation), with the same answers and the same
invariants; and on SQLite a scan's row waiting for the write lock is let in, in the order it
asked, as soon as the batch before it commits (issue 12: uploads ≥ 0.5× a raw POST)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

from sync import desk_store
from sync import protocol as p
from sync.engine import DeskSync
from sync.server import accounts, ledger
from sync.server.database import ServerDatabase
from tests.sync.conftest import RunningServer, check_all
from tests.sync.test_engine import register, sync
from tests.sync.test_online import holder_and_other


def _outbox_with_files_up(desk: Path) -> tuple[list[dict[str, Any]], str]:
    """The desk's waiting mutations, their scans already on the server, and its token."""
    with DeskSync(desk) as d:
        with d.db.read() as s:
            batch = desk_store.pending_mutations(s, d.desk_id, p.MAX_BATCH)
            link = desk_store.link(s)
            assert link is not None
            token = str(link.token)
        with d._client() as client:
            d._send_files(client, desk_store.wanted_uploads(batch))
    return batch, token


def _apply_counting_reads(
    server: RunningServer, token: str, batch: list[dict[str, Any]]
) -> tuple[dict[str, Any], int]:
    """Apply the batch as the server does (one write transaction); the SELECTs it issued."""
    reads: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            reads.append(statement)

    event.listen(server.db.engine, "before_cursor_execute", count)
    try:
        with server.db.write() as s:
            who = accounts.authenticate(s, token, datetime.now(UTC))
            answer = ledger.upload(s, who, batch, datetime.now(UTC))
    finally:
        event.remove(server.db.engine, "before_cursor_execute", count)
    return answer, len(reads)


def test_a_batch_reads_no_row_per_mutation_and_answers_as_before(
    server: RunningServer, new_desk: Any, make_pdf: Any
) -> None:
    a, b = holder_and_other(server, new_desk)
    register(a, 1, make_pdf, "W")
    sync(a)  # the register exists on the server from here on

    register(a, 2, make_pdf, "S")
    short, token = _outbox_with_files_up(a)
    answer, short_reads = _apply_counting_reads(server, token, short)
    assert {r["status"] for r in answer["results"]} == {p.OK}, answer

    register(a, 8, make_pdf, "L")
    long, _token = _outbox_with_files_up(a)
    long = [m for m in long if m["seq"] > answer["last_applied_seq"]]
    assert len(long) >= 4 * len(short) > 0
    answer_long, long_reads = _apply_counting_reads(server, token, long)
    assert {r["status"] for r in answer_long["results"]} == {p.OK}, answer_long
    # Four times the mutations, the same reads: the batch's documents, blobs, counters once.
    assert long_reads == short_reads, (short_reads, long_reads)
    numbers = [r["number"] for r in answer["results"] + answer_long["results"] if "number" in r]
    assert numbers == list(range(2, 12))

    # The same batch again (its answer lost): the same answers, nothing applied twice.
    again, _reads = _apply_counting_reads(server, token, long)
    assert [r["status"] for r in again["results"]] == [r["status"] for r in answer_long["results"]]
    assert all(r.get("repeated") for r in again["results"])

    # The desk, which never saw those answers, syncs: every mutation once, both desks alike.
    report = sync(a)
    assert report.rejected == [], report.rejected
    assert sync(b).received == 11
    check_all(server, a, b)


def _hold_write(db: ServerDatabase, entered: threading.Event, release: threading.Event) -> None:
    with db.write() as s:
        s.execute(text("SELECT 1"))
        entered.set()
        release.wait(30)


def test_sqlite_writers_are_let_in_as_they_asked_when_the_writer_before_commits(
    tmp_path: Path,
) -> None:
    db = ServerDatabase(f"sqlite:///{tmp_path / 'server.sqlite3'}")
    db.migrate()
    queue = db._writers
    assert queue is not None
    entered, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_write, args=(db, entered, release))
    holder.start()
    assert entered.wait(30)
    order: list[int] = []

    def writer(i: int) -> None:
        with db.write() as s:
            s.execute(text("SELECT 1"))
            order.append(i)

    waiting = []
    for i in range(4):
        t = threading.Thread(target=writer, args=(i,))
        t.start()
        waiting.append(t)
        deadline = time.monotonic() + 30
        while len(queue._waiting) < i + 1:  # queued before the next one asks
            assert time.monotonic() < deadline
            time.sleep(0.005)
    release.set()
    for t in [holder, *waiting]:
        t.join(30)
    # In the order they asked (SQLite's own busy retry lets in whoever tries first after a
    # sleep of up to 100 ms), each handed the lock by the commit before it.
    assert order == [0, 1, 2, 3]
    # A writer nested in another on the same thread is not queued behind itself.
    assert queue.enter(0.01) is True
    assert queue.enter(0.01) is False
    queue.leave()
    db.close()
