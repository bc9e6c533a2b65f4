"""Registering on a connected desk: the server's number inside the registration while it answers,
the lease holder's own number or a draft when it does not; the holder's ceded numbers. No Qt.

See DESIGN.md, «Numbering online and offline», for why no interleaving issues a number twice.
"""

from __future__ import annotations

import atexit
import os
import threading
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from clerk_app import errors
from clerk_app.clock import vietnam_date
from clerk_app.document_reads import DocumentReads
from clerk_app.files.intake import prepare_all
from clerk_app.kernel import Transaction
from clerk_app.kernel.context import current_user
from clerk_app.records import IncomingDraft, OutgoingDraft
from clerk_app.registration import incoming_fields
from clerk_app.storage.database import DB_FILENAME
from clerk_app.storage.models import Register
from clerk_app.storage.sync_models import SyncDraft, SyncLease
from sync import clock_skew, desk_store, standing
from sync import protocol as p
from sync.engine import DeskSync, FeedAhead, SyncReport

# A desk clock further than this from the server's numbers nothing: a wrong year or day would be
# written on the paper with the number.
NUMBERING_SKEW_LIMIT_S = 24 * 3600


@dataclass(frozen=True)
class Numbered:
    """What a registration on a connected desk gave: a number, or a draft waiting for one."""

    document_id: str
    number: int | None  # None: a draft, no number may be written on the paper yet
    online: bool  # the number came from the server (or the draft is on it already)
    reference: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.document_id,
            "number": self.number,
            "online": self.online,
            "reference": self.reference,
            "draft": self.number is None,
        }


class SavedAsDraft(Exception):
    """The registration was kept as a draft (no number yet): what the window says instead of a
    number. Not an error of the clerk's; raised only to leave the numbering path."""

    def __init__(self, draft_id: str) -> None:
        super().__init__(draft_id)
        self.draft_id = draft_id


# The desks this process registers on, one DeskSync (and so one kept-alive client) per data
# folder for the whole session of the window or command: opening one checks the migrations,
# reads the desk's identity and starts a new connection, which a clerk would otherwise wait for
# at every registration. Keyed by the folder and its database file's identity, so a database
# replaced under the same name (restored, re-created) is opened afresh.
_sessions: dict[Path, tuple[tuple[int, int], DeskSync, threading.Lock]] = {}
_sessions_lock = threading.Lock()


def register_connected(data_dir: Path, draft: IncomingDraft | OutgoingDraft) -> Numbered | None:
    """`register` on the desk in `data_dir` when it is connected to a server; None when it is
    a desk on its own (it numbers locally, as before)."""
    desk, one_at_a_time = _session(data_dir)
    with one_at_a_time:
        desk.actor = current_user()  # as a DeskSync opened now would write the draft
        with desk.db.read() as s:
            connected = desk_store.link(s) is not None
        if connected:
            return register(desk, draft)
    close_session(data_dir)  # a desk on its own numbers locally: nothing to keep open for it
    return None


def _session(data_dir: Path) -> tuple[DeskSync, threading.Lock]:
    key = data_dir.resolve()
    try:
        st = os.stat(key / DB_FILENAME)
        identity = (st.st_dev, st.st_ino)
    except FileNotFoundError:
        identity = (0, 0)  # DeskSync says NotInitialised
    with _sessions_lock:
        kept = _sessions.get(key)
        if kept is not None and kept[0] == identity:
            return kept[1], kept[2]
        if kept is not None:
            del _sessions[key]
            kept[1].close()
        desk = DeskSync(data_dir)
        _sessions[key] = (identity, desk, threading.Lock())
        return desk, _sessions[key][2]


def close_session(data_dir: Path) -> None:
    """Close the desk of `data_dir` kept by `register_connected` (its window closes)."""
    with _sessions_lock:
        kept = _sessions.pop(data_dir.resolve(), None)
    if kept is not None:
        _close(kept[1], kept[2])


def _close(desk: DeskSync, one_at_a_time: threading.Lock) -> None:
    # Not under a registration still running; one that never ends (a thread stuck at exit)
    # does not hold the process.
    got = one_at_a_time.acquire(timeout=10)
    try:
        desk.close()
    finally:
        if got:
            one_at_a_time.release()


def close_sessions() -> None:
    """Close every desk kept by `register_connected` (at exit)."""
    with _sessions_lock:
        kept = list(_sessions.values())
        _sessions.clear()
    for _identity, desk, one_at_a_time in kept:
        _close(desk, one_at_a_time)


atexit.register(close_sessions)


def register(desk: DeskSync, draft: IncomingDraft | OutgoingDraft) -> Numbered:
    """Register on a connected desk: numbered by the server when it answers, whoever holds the
    lease; when it does not, numbered here by the lease holder or kept as a draft elsewhere."""
    kind = "incoming" if isinstance(draft, IncomingDraft) else "outgoing"
    key = _register_key(desk, kind, draft)
    link = desk._link()
    # The desk's kept client: the same connection as its last registration or round.
    client = desk._client(link)
    with ThreadPoolExecutor(max_workers=1) as asking:
        # One question, one try (a clerk is waiting, and offline the holder numbers at once):
        # where this desk stands (a desk restored from a backup learns it here, before
        # numbering) and the server's time, to read the desk's clock against. It travels
        # while the scans are read and checked here (the secrecy check looks at every page):
        # neither waits for the other, and nothing is numbered before both are done.
        asked = asking.submit(standing.catch_up, desk, client, once=True)
        try:
            prepared = prepare_all(list(draft.files))
            # The same letter twice is refused here as on a desk on its own (the clerk may
            # confirm it): the server would give it a second number without asking.
            _refuse_duplicate(desk, draft, prepared)
        finally:
            wait([asked])
        try:
            demand, reading = asked.result()
            if reading is None:  # a server that tells its time only in its hello
                reading = clock_skew.measure(client, desk.clock, once=True)
        except errors.ServerUnreachable as exc:
            desk._went_offline(str(exc.detail))
            # Offline, the last reading is all there is: a clock known wrong numbers nothing.
            _refuse_if_clock_far(desk)
            return _offline(desk, kind, key, draft)
        if reading is not None and abs(reading.skew_s) > NUMBERING_SKEW_LIMIT_S:
            with desk.db.write() as s:
                clock_skew.remember(s, reading)  # so the desk offline refuses too
            raise errors.ClockTooFarToNumber(reading.skew_s)
        cede_ahead(desk, key, demand)
        if kind == "incoming":
            draft_id = desk.draft_incoming(draft, prepared)
        else:
            draft_id = desk.draft_outgoing(draft, prepared)
        report = SyncReport()
        feed = FeedAhead(desk, client)
        try:
            desk._upload(client, report, feed=feed)
            desk._download(client, report, feed)
        except errors.ServerUnreachable as exc:
            # The draft is in the outbox and goes up at the next round: never numbered twice.
            desk._went_offline(str(exc.detail))
            return Numbered(draft_id, None, online=False)
        finally:
            feed.drop()  # no request left running
    with desk.db.read() as s:
        row = s.get_one(SyncDraft, draft_id)
        number = row.number if row.status == "numbered" else None
    if link.offline_since is not None:  # offline when this registration began: back now
        desk._came_back()
    reference = ""
    if number is not None and kind == "outgoing":
        from clerk_app.storage.models import Document

        with desk.db.read() as s:
            doc = s.get(Document, draft_id)
            reference = doc.reference or "" if doc else ""
    return Numbered(draft_id, number, online=True, reference=reference)


def _refuse_duplicate(desk: DeskSync, draft: IncomingDraft | OutgoingDraft, prepared: Any) -> None:
    if not isinstance(draft, IncomingDraft) or draft.allow_duplicate:
        return
    fields = incoming_fields(draft, desk.clock())
    existing, reason = DocumentReads(desk.ctx).duplicate_of(fields, prepared)
    if existing is not None:
        raise errors.DuplicateDocument(existing.id, existing.number, existing.year, reason)


def cede_ahead(desk: DeskSync, key: tuple[str, str, int], demand: standing.Demand) -> int | None:
    """On the lease holder, before its own online registration: cede its number too."""
    with desk.ctx.write() as tx:
        return _cede(tx, desk.desk_id, key, _need(key, demand) + 1)


def cede_all(desk: DeskSync, demand: standing.Demand) -> int:
    """On the lease holder, each sync round: cede what other desks are waiting for, and
    CEDE_BLOCK ahead while they have been registering lately; returns how many registers."""
    with desk.ctx.write() as tx:
        held = list(
            tx.session.execute(
                select(SyncLease).where(SyncLease.holder_desk_id == desk.desk_id)
            ).scalars()
        )
        ceded = 0
        for lease in held:
            key = (lease.kind, lease.series, lease.year)
            ceded += _cede(tx, desk.desk_id, key, _need(key, demand)) is not None
        return ceded


def _need(key: tuple[str, str, int], demand: standing.Demand) -> int:
    waiting, recent = demand.get(key, (0, 0))
    # A quiet register gets nothing ahead: numbers ceded and then left unused when the holder
    # numbers offline are voids, so they are ceded only while other desks are busy.
    return waiting + (p.CEDE_BLOCK if recent else 0)


def _cede(tx: Transaction, desk_id: str, key: tuple[str, str, int], need: int) -> int | None:
    """Cede numbers up to the server's last one + `need`: the desk's own counter is raised to
    that bound in the transaction that queues the cede, so it never numbers them offline."""
    kind, series, year = key
    s = tx.session
    lease = s.get(SyncLease, key)
    if need <= 0 or lease is None or lease.holder_desk_id != desk_id or lease.epoch < 1:
        return None
    reg = s.execute(
        select(Register).where(
            Register.kind == kind, Register.series == series, Register.year == year
        )
    ).scalar_one_or_none()
    if reg is None:
        return None
    target = lease.server_last_number + need
    if target <= reg.last_number:
        return None
    reg.last_number = target
    tx.outbox(
        "register",
        reg.id,
        p.CEDE_OP,
        {"kind": kind, "series": series, "year": year, "through": target, "epoch": lease.epoch},
    )
    return target


def _offline(
    desk: DeskSync, kind: str, key: tuple[str, str, int], draft: IncomingDraft | OutgoingDraft
) -> Numbered:
    """The server does not answer: the lease holder numbers on its own, any other desk keeps a
    draft the server numbers later."""
    with desk.db.read() as s:
        lease = s.get(SyncLease, key)
        holder = lease is not None and lease.holder_desk_id == desk.desk_id
    if not holder:
        draft_id = desk.draft_incoming(draft) if kind == "incoming" else desk.draft_outgoing(draft)
        return Numbered(draft_id, None, online=False)
    from clerk_app.workspace import Workspace

    with Workspace.open(desk.data_dir, clock=desk.clock) as ws:
        done = ws.register_incoming(draft) if isinstance(draft, IncomingDraft) else None
        if isinstance(draft, OutgoingDraft):
            done = ws.register_outgoing(draft)
    assert done is not None
    summary = done.document.summary
    return Numbered(summary.id, summary.number, online=False, reference=summary.reference or "")


def _register_key(
    desk: DeskSync, kind: str, draft: IncomingDraft | OutgoingDraft
) -> tuple[str, str, int]:
    """The register the server will number the draft in (the same choice as its own)."""
    now = desk.clock()
    if isinstance(draft, IncomingDraft):
        when = draft.received_at or now
        return kind, "chung", vietnam_date(when).year
    year = vietnam_date(now).year
    if draft.series:
        return kind, draft.series, year
    with desk.db.read() as s:
        for reg in s.execute(
            select(Register).where(Register.kind == kind, Register.year == year)
        ).scalars():
            if reg.doc_types and draft.doc_type in reg.doc_types:
                return kind, reg.series, year
    return kind, "chung", year


def _refuse_if_clock_far(desk: DeskSync) -> None:
    with desk.db.read() as s:
        reading = clock_skew.last_reading(s)
    if reading is not None and abs(reading.skew_s) > NUMBERING_SKEW_LIMIT_S:
        raise errors.ClockTooFarToNumber(reading.skew_s)
