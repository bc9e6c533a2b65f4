"""The desk's sync engine: connect, log in (also offline), upload the outbox, apply the feed,
move file contents, leases, provisional drafts and outage records. No Qt, no wording.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import httpx
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clerk_app import errors
from clerk_app.clock import Clock, iso, system_clock
from clerk_app.field_rules import DEFAULT_SERIES
from clerk_app.files.store import ContentStore
from clerk_app.kernel import DeskContext
from clerk_app.kernel.context import current_user
from clerk_app.kernel.indexing import reindex_for_contents
from clerk_app.refusals import Refusal
from clerk_app.storage import numbering_queries
from clerk_app.storage.database import DB_FILENAME, Database
from clerk_app.storage.journal import canonical_json
from clerk_app.storage.models import Agency, DeskState, Register
from clerk_app.storage.sync_models import (
    Outage,
    SyncAnswer,
    SyncConflict,
    SyncDraft,
    SyncLease,
    SyncLink,
)
from sync import clock_skew, desk_store, side_files
from sync import protocol as p
from sync.client import FileSlice, ServerClient
from sync.sending import Job, Sending
from sync.sending import in_parallel as _in_parallel

PAGE = 500
# The acting person of what the server's feed writes into the desk.
SYNC_ACTOR = "sync"
_T = TypeVar("_T")


@dataclass
class SyncReport:
    sent: int = 0
    accepted: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    received: int = 0
    files_sent: int = 0
    files_received: int = 0
    conflicts: int = 0
    checkpoint: int = 0
    clock_skew_s: int | None = None  # this desk's clock minus the server's
    clock_flagged: int = 0  # mutations sent marked as dated by a wrong clock
    # Files the desk's store lost: sent without their content, noted on their documents.
    files_missing: list[dict[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "clock_skew_s": self.clock_skew_s,
            "clock_wrong": self.clock_skew_s is not None
            and abs(self.clock_skew_s) > p.CLOCK_SKEW_TOLERANCE_S,
            "clock_flagged": self.clock_flagged,
            "sent": self.sent,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "received": self.received,
            "files_sent": self.files_sent,
            "files_received": self.files_received,
            "conflicts": self.conflicts,
            "checkpoint": self.checkpoint,
            "files_missing": self.files_missing,
        }


@dataclass(frozen=True)
class DraftRow:
    """A provisional draft as the desk lists it; `number` stays None until the server issued it."""

    id: str
    direction: str
    year: int
    status: str  # waiting | provisional | numbered | rejected
    number: int | None
    reason: str
    created_at: datetime
    doc_type: str
    subject: str
    party: str  # the issuer of an incoming document, the recipients of an outgoing one
    urgency: str


@dataclass(frozen=True)
class LeaseRow:
    """Who numbers one register offline, as this desk last heard it from the server."""

    kind: str
    series: str
    year: int
    name: str
    # mine | other | none | unknown (never heard from the server) | releasing (this desk sent
    # a release and never heard back: it numbers nothing offline here meanwhile)
    holder: str
    holder_desk_id: str | None
    holder_station: str  # "" unless the server named the holder's station
    epoch: int
    server_last_number: int
    local_last_number: int
    holder_login: str = ""  # the account that connected the holder desk, when the server said
    held_since: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "series": self.series,
            "year": self.year,
            "name": self.name,
            "holder": self.holder,
            "holder_desk_id": self.holder_desk_id,
            "holder_station": self.holder_station,
            "epoch": self.epoch,
            "server_last_number": self.server_last_number,
            "local_last_number": self.local_last_number,
            "holder_login": self.holder_login,
            "held_since": iso(self.held_since),
        }


@dataclass(frozen=True)
class SyncState:
    """What the desk shows: online or offline since when, and how much is waiting."""

    connected: bool
    server_url: str
    username: str
    online: bool
    offline_since: datetime | None
    waiting: int
    last_success_at: datetime | None
    leases: list[dict[str, Any]]
    drafts_waiting: int
    rejected: int
    conflicts: int
    # The desk clock minus the server's at the last sync; None before the first measurement.
    clock_skew_s: int | None = None

    @property
    def clock_wrong(self) -> bool:
        return self.clock_skew_s is not None and abs(self.clock_skew_s) > p.CLOCK_SKEW_TOLERANCE_S


# Refusals of a release that say the lease it named is not this desk's any more.
LEASE_NOT_OURS = frozenset({Refusal.LEASE_MOVED, Refusal.NO_LEASE, Refusal.LEASE_HELD})


class DeskSync:
    """One desk's data directory seen by the sync engine."""

    def __init__(
        self, data_dir: Path, clock: Clock = system_clock, actor: str | None = None
    ) -> None:
        db_path = data_dir / DB_FILENAME
        if not db_path.is_file():
            raise errors.NotInitialised(str(data_dir))
        self.data_dir = data_dir
        self.db = Database(db_path)
        self.db.migrate()
        self.store = ContentStore(data_dir / "files")
        self.clock = clock
        # What the feed brings is written as "sync"; drafts as the clerk who saves them.
        self._ctx = DeskContext.load(self.db, self.store, clock, SYNC_ACTOR)
        self.actor = actor or current_user()
        self._clock_readings: tuple[clock_skew.ClockReading, clock_skew.ClockReading | None] | None
        self._clock_readings = None
        # One client to the server for as long as this DeskSync is open (see `_client`).
        self._kept_client: ServerClient | None = None
        self._client_lock = threading.Lock()
        with self.db.read() as s:
            self.desk_id, self.station, self.agency_id = desk_store.desk_identity(s)
        side_files.adopt(self._ctx, data_dir)

    @property
    def ctx(self) -> DeskContext:
        """The desk as the kernel sees it, writing as the sync engine: sync steps that change
        the register or the journal write through its transaction."""
        return self._ctx

    def close(self) -> None:
        with self._client_lock:
            if self._kept_client is not None:
                self._kept_client.close()
                self._kept_client = None
        self.db.close()

    def __enter__(self) -> DeskSync:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- connecting and logging in ---------------------------------------------------------

    def connect(
        self, server_url: str, username: str, password: str, new_password: str | None = None
    ) -> dict[str, Any]:
        """Log in, bind this desk to the server's agency, cache an offline verifier."""
        with ServerClient(server_url) as client:
            answer = client.login(
                username, password, self.desk_id, self.station, self._credential()
            )
            with self.db.read() as s:
                desk_code = s.get_one(Agency, self.agency_id).code
            if answer["agency"]["code"] != desk_code:
                raise errors.AgencyMismatch(desk_code, answer["agency"]["code"])
            if answer["must_change_password"]:
                if not new_password:
                    raise errors.ServerRefused(Refusal.PASSWORD_CHANGE_REQUIRED)
                client.change_password(password, new_password)
                password = new_password
            # Imported here: sync.adoption reads through this module's desk.
            from sync import adoption

            adoption.adopt_if_needed(self, client, server_url)
            now = self.clock()
            with self.db.write() as s:
                row = desk_store.link(s)
                if row is None:
                    row = SyncLink(id=1, checkpoint=0, connected_at=now, last_error="")
                    s.add(row)
                elif row.server_url.rstrip("/") != server_url.rstrip("/"):
                    row.checkpoint = 0
                row.server_url = server_url.rstrip("/")
                row.username = answer["username"]
                row.role = answer["role"]
                row.server_agency_id = answer["agency"]["id"]
                row.token = answer["token"]
                row.token_expires_at = datetime.fromisoformat(answer["expires_at"])
                row.verifier = PasswordHasher().hash(password)
                row.last_success_at = now
                pending = s.get(SyncLink, PENDING_CREDENTIAL_ROW)
                if pending is not None:
                    row.desk_credential = row.desk_credential or pending.desk_credential
                    s.delete(pending)
            self._credential()  # the wizard's file, if any, goes now that the row holds it
            return {
                "server": server_url,
                "username": answer["username"],
                "role": answer["role"],
                "agency": answer["agency"],
            }

    def login(self, password: str) -> dict[str, Any]:
        """Log in again: online when the server answers, else against the cached verifier."""
        row = self._link()
        try:
            with ServerClient(row.server_url) as client:
                answer = client.login(
                    row.username,
                    password,
                    self.desk_id,
                    self.station,
                    self._credential(),
                )
        except errors.ServerUnreachable:
            return self.offline_login(row.username, password)
        with self.db.write() as s:
            link = s.get_one(SyncLink, 1)
            link.token = answer["token"]
            link.token_expires_at = datetime.fromisoformat(answer["expires_at"])
            link.verifier = PasswordHasher().hash(password)
        return {"online": True, "username": row.username}

    def _credential(self) -> str:
        """The secret this desk proves itself with, kept on its sync_link row; made (and kept)
        before it is first sent, so a login whose answer is lost does not lose it. Before the
        desk is connected it waits on row 0; a file of an older desk, or of the first-run
        wizard (which logs in before the database exists), is taken in once and renamed."""
        legacy = self.data_dir / CREDENTIAL_FILE
        with self.db.write() as s:
            link = s.get(SyncLink, 1)
            pending = s.get(SyncLink, PENDING_CREDENTIAL_ROW)
            secret = link.desk_credential if link is not None else None
            if secret is None and legacy.is_file():
                secret = legacy.read_text("ascii").strip()
            if secret is None and pending is not None:
                secret = pending.desk_credential
            secret = secret or secrets.token_urlsafe(32)
            if link is not None:
                link.desk_credential = secret
                if pending is not None:
                    s.delete(pending)
            elif pending is None:
                s.add(
                    SyncLink(
                        id=PENDING_CREDENTIAL_ROW,
                        server_url="",
                        username="",
                        role="",
                        server_agency_id="",
                        checkpoint=0,
                        connected_at=self.clock(),
                        last_error="",
                        desk_credential=secret,
                    )
                )
            else:
                pending.desk_credential = secret
        if link is not None and legacy.is_file():
            # Only once the desk is connected: until then the wizard may log in again with it.
            legacy.replace(legacy.with_name(CREDENTIAL_FILE + ".migrated"))
        return secret

    def offline_login(self, username: str, password: str) -> dict[str, Any]:
        row = self._link()
        if not row.verifier:
            raise errors.OfflineLoginRefused(username, "no_verifier")
        if username.strip().lower() != row.username:
            raise errors.OfflineLoginRefused(username, "other_user")
        try:
            PasswordHasher().verify(row.verifier, password)
        except (VerificationError, InvalidHashError):
            raise errors.OfflineLoginRefused(username, "wrong_password") from None
        return {"online": False, "username": row.username}

    def _link(self, s: Session | None = None) -> SyncLink:
        """The desk's link to its server (read in `s`, or in a read of its own)."""
        if s is None:
            with self.db.read() as own:
                return self._link(own)
        row = desk_store.link(s)
        if row is None:
            raise errors.DeskNotConnected(str(self.data_dir))
        return row

    def _client(self, row: SyncLink | None = None) -> ServerClient:
        """This desk's client to its server, kept while the DeskSync is open: every sync round
        and online registration of the session goes over the same kept-alive connection, with
        what the server said it takes (its chunk size, small-file batches) still known. The
        link row (`row`, or read here) gives the token each time, so a login made meanwhile is
        used at once; a server moved to another address gets a new client."""
        row = row or self._link()
        with self._client_lock:
            kept = self._kept_client
            if kept is None or kept.base_url != row.server_url.rstrip("/"):
                if kept is not None:
                    kept.close()
                kept = self._kept_client = ServerClient(row.server_url, row.token)
                kept.kept = True
            kept.token = row.token or ""
            return kept

    # --- sync ------------------------------------------------------------------------------

    def sync(self) -> SyncReport:
        """Upload everything waiting, then apply the feed; records an outage on failure."""
        report = SyncReport()
        try:
            with self._client() as client:
                # The outbox's scans start up at once, on connections of their own: asking the
                # server where the desk stands, and reading the batch, happen while they travel.
                sending = self._start_sending(client)
                try:
                    self._round(client, report, sending)
                finally:
                    sending.abandon()  # a round that failed leaves no stream running
        except errors.ServerUnreachable as exc:
            self._went_offline(str(exc.detail))
            raise
        self._came_back()
        return report

    def _round(self, client: ServerClient, report: SyncReport, sending: Sending) -> None:
        """A sync round's steps, `sending` the outbox's contents already on their way."""
        # Imported here: sync.online builds on this module.
        from sync import online, standing

        # Where the desk stands, and the server's time in the same answer.
        demand, reading = standing.catch_up(self, client)
        if reading is None:  # a server that tells its time only in its hello
            reading = clock_skew.measure(client, self.clock)
        client.limits_known.set()  # said in the standing or the hello, or never by this server
        if reading is not None:
            report.clock_skew_s = reading.skew_s
            with self.db.read() as s:
                self._clock_readings = (reading, clock_skew.last_reading(s))
        online.cede_all(self, demand)
        feed = FeedAhead(self, client)
        try:
            self._upload(client, report, sending, feed)
            if reading is not None:
                # Kept only once everything it flags went up, so a crash loses no flag.
                with self.db.write() as s:
                    clock_skew.remember(s, reading)
            self._download(client, report, feed)
        finally:
            feed.drop()  # a round that failed leaves no request running
        # The drafts that were waiting got their numbers from the first cede.
        if online.cede_all(self, {k: (0, busy) for k, (_w, busy) in demand.items()}):
            # What the feed brought moved the server's counter: the holder tops up
            # its ceded numbers now, not a round later, so others keep numbering.
            self._upload(client, report)
        self._fetch_files(client, report)

    def _upload(
        self,
        client: ServerClient,
        report: SyncReport,
        started: Sending | None = None,
        feed: FeedAhead | None = None,
    ) -> None:
        """Send the outbox, batch after batch; `started`: the first batch's contents, already
        on their way (`_start_sending`); `feed`: asked for its first page once the server has
        answered for the outbox's last mutations."""
        while True:
            with self.db.read() as s:
                batch = desk_store.pending_mutations(s, self.desk_id, p.MAX_BATCH)
            if not batch:
                return
            if feed is not None:
                feed.drop()  # asked before this batch (queued meanwhile) went: it would miss it
            if self._clock_readings is not None:
                report.clock_flagged += clock_skew.flag_batch(batch, *self._clock_readings)
            self._leave_out_missing(batch, report)
            # The server refuses a mutation whose files it lacks and applies mutations in
            # sequence: each run of mutations from the front whose files are all up goes while
            # the other files still travel (the registrations' round overlaps the scans').
            last = batch[-1] if feed is not None and len(batch) < p.MAX_BATCH else None

            def upload(mutations: list[dict[str, Any]], last: dict[str, Any] | None = last) -> None:
                # The outbox's last mutations answered: the feed's first page is asked while
                # their answers are written here (it is applied after them, as before).
                answered = feed.ask if feed is not None and mutations[-1] is last else None
                self._upload_mutations(client, mutations, report=report, answered=answered)

            ready = _ReadyFront(batch, upload)
            report.files_sent += self._send_files(
                client, desk_store.wanted_uploads(batch), ready.send, started
            )
            started = None
            ready.send_rest()

    def _upload_mutations(
        self,
        client: ServerClient,
        mutations: list[dict[str, Any]],
        *,
        report: SyncReport,
        answered: Callable[[], None] | None = None,
    ) -> None:
        answer = client.upload(mutations)
        if answered is not None:
            answered()
        with self.db.write() as s:
            desk_store.record_answers(s, answer["results"], self.clock())
        report.sent += len(mutations)
        for a in answer["results"]:
            if a["status"] == p.OK:
                report.accepted += 1
            elif a["status"] != p.PROVISIONAL:
                report.rejected.append(
                    {k: a.get(k) for k in ("seq", "mutation_id", "status", "reason", "document_id")}
                )

    def _leave_out_missing(self, batch: list[dict[str, Any]], report: SyncReport) -> None:
        """A file the desk's store has lost goes up without its content, so the registration
        and everything else in the batch still reach the server; the loss is written in the
        document's history (once: the mutation is answered in this round)."""
        lost = {
            f["sha256"]
            for m in batch
            for f in m.get("files") or []
            if not self.store.contains(f["sha256"])
        }
        if not lost:
            return
        now = self.clock()
        noted: set[tuple[str, str]] = set()
        with self._ctx.write() as tx:
            for m in batch:
                files = m.get("files") or []
                gone = [f for f in files if f["sha256"] in lost]
                if not gone:
                    continue
                gone_ids = {f["id"] for f in gone}
                # A file made from the lost one (its OCR text, a stamped copy) still goes up,
                # standing alone: other desks could not store it under a parent they never get.
                m["files"] = [
                    f | {"parent_id": None} if f.get("parent_id") in gone_ids else f
                    for f in files
                    if f["sha256"] not in lost
                ]
                for f in gone:
                    if (m["entity_id"], f["sha256"]) in noted:
                        continue  # every mutation of a document carries its files
                    noted.add((m["entity_id"], f["sha256"]))
                    report.files_missing.append(
                        {"document_id": m["entity_id"], "sha256": f["sha256"]}
                    )
                    tx.audit(
                        "sync_file_missing",
                        "document",
                        m["entity_id"],
                        {
                            "sha256": f["sha256"],
                            "filename": f.get("filename"),
                            "file_id": f.get("id"),
                        },
                        at=now,
                    )

    def _send_files(
        self,
        client: ServerClient,
        wanted: list[dict[str, Any]],
        on_server: Callable[[set[str]], None] | None = None,
        started: Sending | None = None,
    ) -> int:
        """Send the contents the server lacks among `wanted`, `sending.FILE_STREAMS` requests at a time.
        `on_server` is called (in this thread, while the rest still travel) with every content
        known to be on the server so far, each time that set grows. `started`: contents already
        on their way; those of `wanted` it did not name are sent after it."""
        if not wanted and started is None:
            if on_server is not None:
                on_server(set())  # mutations without files go at once
            return 0
        sending = started or self._start_sending(client, wanted)
        sent = sending.deliver(on_server)
        later = [item for item in wanted if item["sha256"] not in sending.planned]
        if later:  # named by the batch, not yet by the outbox when the sending started
            there = sending.known
            sent += self._start_sending(client, later).deliver(
                None if on_server is None else lambda shas: on_server(there | shas)
            )
        return sent

    def _start_sending(
        self, client: ServerClient, wanted: list[dict[str, Any]] | None = None
    ) -> Sending:
        """Start sending `wanted`, or (None) the contents the outbox's next batch names: read
        in the sending's own thread, asked about while the round asks for the desk's standing,
        their requests sent once the client knows what the server takes (the round sets
        `ServerClient.limits_known`)."""

        def ask() -> tuple[set[str], list[dict[str, Any]]]:
            items = wanted
            if items is None:
                with self.db.read() as s:
                    named = desk_store.pending_uploads(s, p.MAX_BATCH)
                # A content the store lost goes up as missing (`_leave_out_missing`).
                items = [item for item in named if self.store.contains(item["sha256"])]
            if not items:
                return set(), []
            if wanted is not None and client.files_batch and _one_batch(items):
                # Sending what fits in one request costs less than asking what is missing first
                # (a registration online, its scan): the server skips what it already has.
                missing = [item | {"offset": 0} for item in items]
            else:
                # One stream per content: two documents sharing a scan must not race on one file.
                missing = list(
                    {item["sha256"]: item for item in client.missing_files(items)}.values()
                )
            there = {item["sha256"] for item in items} - {item["sha256"] for item in missing}
            return there, missing

        # Contents named by the caller go at once (it has heard from the server this round).
        ready = client.limits_known if wanted is None else None
        return Sending(ask, partial(self._file_jobs, client), ready)

    def _file_jobs(self, client: ServerClient, missing: list[dict[str, Any]]) -> list[Job]:
        """The requests that send `missing`: small whole contents several to a request, larger
        ones (or one half sent) in resumable chunks; largest first."""
        whole = [
            item
            for item in missing
            if client.files_batch
            and int(item["offset"]) == 0
            and int(item["size"]) <= p.BATCH_FILE_MAX
        ]
        chunked = [item for item in missing if item not in whole]
        # Largest first: a 50-page dossier's request goes while the small scans share the
        # other streams, instead of starting last.
        jobs = [(sum(int(i["size"]) for i in b), partial(self._send_batch, client, b),
                 {i["sha256"] for i in b}) for b in _batches(whole)]  # fmt: skip
        jobs += [
            (int(item["size"]) - int(item["offset"]), partial(self._send_file, client, item),
             {item["sha256"]})
            for item in chunked
        ]  # fmt: skip
        jobs.sort(key=lambda job: -job[0])
        return [(job, shas) for _size, job, shas in jobs]

    def _send_batch(self, client: ServerClient, items: list[dict[str, Any]]) -> int:
        files = [(item["sha256"], self.store.path(item["sha256"]).read_bytes()) for item in items]
        for sha, data in files:
            if len(data) != int(next(i["size"] for i in items if i["sha256"] == sha)):
                raise errors.StoredFileDamaged(sha256=sha, reason="mismatch")
        answer = client.put_files(files)
        if answer.get("mismatched"):
            raise errors.ServerRefused(
                Refusal.FILE_HASH_MISMATCH, {"sha256": str(answer["mismatched"][0])}
            )
        return len(files)

    def _send_file(self, client: ServerClient, item: dict[str, Any]) -> int:
        sha, size, offset = item["sha256"], int(item["size"]), int(item["offset"])
        path = self.store.path(sha)
        if path.stat().st_size != size:
            raise errors.StoredFileDamaged(sha256=sha, reason="mismatch")
        # Streamed from the file in chunks as large as the server takes (a whole 50-page
        # scan on a server that writes chunks as they arrive). At least one request, even
        # when the server holds every byte already (it was stopped before recording the file
        # complete): the empty last chunk completes it.
        while True:
            chunk = FileSlice(path, offset, min(client.file_chunk, size - offset), sha)
            try:
                got = client.put_chunk(sha, size, offset, chunk)
            except errors.ServerRefused as exc:
                if exc.reason != Refusal.WRONG_OFFSET:
                    raise
                # The server holds a different amount (a chunk landed after we lost its
                # answer, or a cut one was kept): resume from what it has.
                offset = int(str(exc.details["offset"]))
                continue
            offset = int(got["received"])
            if got["complete"]:
                break
        return 1

    def _download(
        self, client: ServerClient, report: SyncReport, feed: FeedAhead | None = None
    ) -> None:
        """Apply the feed, page after page; `feed`: its first page, if asked already."""
        with self.db.read() as s:
            since = self._link(s).checkpoint
            conflicts_before = s.execute(
                select(func.count()).select_from(SyncConflict)
            ).scalar_one()
        received: set[str] = set()
        ahead = feed.take(since) if feed is not None else None
        while True:
            page = ahead if ahead is not None else client.changes(since, PAGE)
            ahead = None
            with self._ctx.write() as tx:
                received |= desk_store.apply_page(
                    tx, page["changes"], int(page["next"]), self.clock()
                )
            report.received = len(received)
            since = int(page["next"])
            if not page["more"]:
                break
        report.checkpoint = since
        with self.db.read() as s:
            after = s.execute(select(func.count()).select_from(SyncConflict)).scalar_one()
        report.conflicts = int(after - conflicts_before)

    def _fetch_files(self, client: ServerClient, report: SyncReport) -> None:
        with self.db.read() as s:
            missing = desk_store.missing_contents(s, self.store.contains)
        partial_dir = self.data_dir / "sync-partial"
        partial_dir.mkdir(exist_ok=True)
        sizes = dict(missing)
        shas = list(sizes)
        # Small contents come several to a request; a large one, or one whose download was
        # cut (a partial file is there), comes on its own and resumes from what it has.
        small = [
            {"sha256": sha, "size": sizes[sha]}
            for sha in shas
            if client.files_batch
            and sizes[sha] <= p.BATCH_FILE_MAX
            and not (partial_dir / sha).exists()
        ]
        taken = {item["sha256"] for item in small}
        work: list[Callable[[], int]] = [
            partial(self._fetch_batch, client, partial_dir, batch) for batch in _batches(small)
        ]
        work += [
            partial(self._fetch_file, client, partial_dir / sha, sha)
            for sha in shas
            if sha not in taken
        ]
        report.files_received += _in_parallel([(job, set()) for job in work])
        # Texts of files (a PDF's own, a scan's OCR) come after their rows: search them now.
        arrived = {sha for sha in shas if self.store.contains(sha)}
        if arrived:
            with self._ctx.write() as tx:
                reindex_for_contents(tx.session, self.store, arrived)

    def _fetch_batch(
        self, client: ServerClient, partial_dir: Path, items: list[dict[str, Any]]
    ) -> int:
        """Small contents several to a request; each checked against its hash, written once
        and taken into the store by rename (one directory fsync for the batch)."""
        got = client.fetch_files([item["sha256"] for item in items])
        written: list[tuple[Path, str]] = []
        for sha, data in got:
            if data is None or hashlib.sha256(data).hexdigest() != sha:
                continue  # not on the server, or damaged on the way: the others still come
            part = partial_dir / (sha + ".whole")
            with open(part, "wb") as f:
                f.write(data)
            written.append((part, sha))
        self.store.adopt(written)
        return len(written)

    def _fetch_file(self, client: ServerClient, part: Path, sha: str) -> int:
        # Hashed as the bytes arrive (what an earlier, cut download left is hashed first),
        # so a wrong file is known without reading it back.
        digest = hashlib.sha256()
        with open(part, "a+b") as f:
            f.seek(0)
            for block in iter(lambda: f.read(p.FILE_CHUNK), b""):
                digest.update(block)
            try:
                for chunk in client.file_chunks(sha, f.tell()):
                    digest.update(chunk)
                    f.write(chunk)
            except errors.ServerRefused:
                # Not on the server (the desk that made it lost it): the other files still come.
                return 0
        if digest.hexdigest() != sha:
            part.unlink()
            return 0  # fetched again, whole, at the next sync
        # Verified as it arrived: taken into the store by rename, not written a second time.
        self.store.adopt([(part, sha)])
        return 1

    def _went_offline(self, cause: str) -> None:
        now = self.clock()
        with self.db.write() as s:
            link = s.get_one(SyncLink, 1)
            link.last_error = cause
            if link.offline_since is None:
                link.offline_since = now
                s.add(Outage(started_at=now, cause=cause))

    def _came_back(self) -> None:
        now = self.clock()
        with self.db.write() as s:
            link = s.get_one(SyncLink, 1)
            link.last_success_at = now
            link.last_error = ""
            if link.offline_since is not None:
                link.offline_since = None
                open_outage = s.execute(
                    select(Outage).where(Outage.ended_at.is_(None)).order_by(Outage.id.desc())
                ).scalar_one_or_none()
                if open_outage is not None:
                    open_outage.ended_at = now

    # --- leases ----------------------------------------------------------------------------

    def acquire_lease(self, kind: str, year: int, series: str = DEFAULT_SERIES) -> dict[str, Any]:
        """Take the register's offline numbering lease (online only; sync first)."""
        with self.db.read() as s:
            reg = s.execute(
                select(Register).where(
                    Register.kind == kind, Register.series == series, Register.year == year
                )
            ).scalar_one_or_none()
            local_last = reg.last_number if reg else 0
            # The highest number given here to a document (a cancelled one included): the
            # server cedes nothing at or below it that it has not accepted.
            top = numbering_queries.last_arrival(s, reg.id) if reg else None
            used_through = top[0] if top else 0
        with self._client() as client:
            try:
                answer = client.acquire_lease(kind, series, year, local_last, used_through)
            except errors.ServerRefused as exc:
                if exc.reason == Refusal.LEASE_HELD:
                    self._remember_holder(kind, series, year, str(exc.details.get("station", "")))
                raise
        self._remember_lease(answer)
        return answer

    def take_lease(
        self,
        kind: str,
        year: int,
        series: str = DEFAULT_SERIES,
        force: bool = False,
        lost_through: int | None = None,
    ) -> dict[str, Any]:
        """Sync, then take the lease; `force` (an admin) first revokes another desk's lease,
        naming the last number that desk may have written on paper (`lost_through`).

        The sync comes first because the server refuses a lease to a desk that has not yet
        received every number issued, including the drafts a revocation numbers."""
        if force:
            try:
                self.release_lease(kind, year, series, force=True, lost_through=lost_through)
            except errors.ServerRefused as exc:
                if exc.reason != Refusal.NO_LEASE:
                    raise
        self.sync()
        return self.acquire_lease(kind, year, series)

    def leases(self) -> list[LeaseRow]:
        """Every register of this desk with its lease as last heard from the server."""
        with self.db.read() as s:
            known = {(x.kind, x.series, x.year): x for x in s.execute(select(SyncLease)).scalars()}
            link = desk_store.link(s)
            username = link.username if link else ""
            regs = {
                (r.kind, r.series, r.year): r
                for r in s.execute(select(Register).order_by(Register.year.desc())).scalars()
            }
        rows = []
        for key in sorted(set(known) | set(regs), key=lambda k: (-k[2], k[0], k[1])):
            lease, reg = known.get(key), regs.get(key)
            holder_id = lease.holder_desk_id if lease else None
            if lease is None:
                holder = "unknown"
            elif lease.release_sent_at is not None:
                holder = "releasing"
            elif holder_id is None:
                holder = "none"
            else:
                holder = "mine" if holder_id == self.desk_id else "other"
            station = self.station if holder == "mine" else ""
            if holder == "other" and lease is not None:
                station = lease.holder_station or ""
            login = (lease.holder_login or "") if lease and holder in ("mine", "other") else ""
            if holder == "mine" and not login:
                login = username
            rows.append(
                LeaseRow(
                    kind=key[0],
                    series=key[1],
                    year=key[2],
                    name=reg.name if reg else "",
                    holder=holder,
                    holder_desk_id=holder_id,
                    holder_station=station,
                    epoch=lease.epoch if lease else 0,
                    server_last_number=lease.server_last_number if lease else 0,
                    local_last_number=reg.last_number if reg else 0,
                    holder_login=login,
                    held_since=lease.held_since if lease and holder in ("mine", "other") else None,
                )
            )
        return rows

    def role(self) -> str:
        """The server role of the account this desk is connected with ("" when not connected)."""
        with self.db.read() as s:
            row = desk_store.link(s)
        return row.role if row else ""

    def _remember_holder(self, kind: str, series: str, year: int, station: str) -> None:
        """The station a `lease_held` refusal named, for a lease this desk already knows of
        (an unknown one stays "unknown" until the feed brings it, with its station)."""
        with self.db.write() as s:
            lease = s.get(SyncLease, (kind, series, year))
            if lease is not None and station:
                lease.holder_station = station

    def release_lease(
        self,
        kind: str,
        year: int,
        series: str = DEFAULT_SERIES,
        force: bool = False,
        lost_through: int | None = None,
    ) -> dict[str, Any]:
        """Give this one register's lease back once everything queued here is on the server (a
        sync first); `force` (an admin) revokes another desk's lease instead, naming the last
        number that desk may have written on paper (`lost_through`: the server holds the
        numbers up to it for that desk). Either names the lease as this desk last heard of it
        (its epoch): one taken since is left alone.

        The holder stops numbering offline under the lease before the request leaves
        (`release_sent_at`): a release applied whose answer is lost would otherwise leave it
        numbering what the server now gives to others. A refusal, or a request that surely
        never left, gives the lease back to the desk; a lost answer leaves it stopped until
        the server says again who holds the lease (the next round's standing or feed)."""
        key = (kind, series, year)
        with self.db.read() as s:
            known = s.get(SyncLease, key)
            # What an outage before the request means for this desk: its own lease stays its
            # own; a release already sent and unanswered stays unsettled; anyone else's lease
            # is no concern of this desk's numbering (a plain ServerUnreachable).
            unsettled = known is not None and known.release_sent_at is not None
            mine = known is not None and known.holder_desk_id == self.desk_id
        try:
            # The holder's outbox goes up first; an admin learns who holds the lease now, so
            # the revocation names that lease (its epoch) and not one that has moved since.
            self.sync()
        except errors.ServerUnreachable as exc:
            if unsettled:
                raise self._not_handed_over(errors.LeaseReleaseUnknown, exc, key) from exc
            if mine:
                raise self._not_handed_over(errors.LeaseNotHandedOver, exc, key) from exc
            raise
        with self.db.write() as s:
            last_seq = s.execute(select(DeskState.last_outbox_seq)).scalar_one()
            lease = s.get(SyncLease, key)
            epoch = lease.epoch if lease is not None else None
            held = lease is not None and lease.holder_desk_id == self.desk_id
            if held:
                assert lease is not None
                # This desk's own lease goes back by the holder's rules even when an admin
                # asks to revoke it: its outbox on the server first, and no offline number
                # under it from now on (same transaction), whatever becomes of the answer.
                force = False
                lease.holder_desk_id, lease.release_sent_at = None, self.clock()
        try:
            with self._client() as client:
                answer = client.release_lease(
                    kind,
                    series,
                    year,
                    force,
                    None if force else last_seq,
                    epoch,
                    lost_through if force else None,
                )
        except errors.ServerUnreachable as exc:
            if not held:
                raise
            if isinstance(exc.__cause__, httpx.ConnectError | httpx.ConnectTimeout):
                self._undo_release(key)  # surely never left
                raise self._not_handed_over(errors.LeaseNotHandedOver, exc, key) from exc
            raise self._not_handed_over(errors.LeaseReleaseUnknown, exc, key) from exc
        except errors.ServerRefused as exc:
            # Refused because the lease named is no longer this desk's (revoked since the
            # sync): giving it back would let this desk number offline beside the new holder.
            # It stays stopped until the next standing says who holds it.
            if held and exc.reason not in LEASE_NOT_OURS:
                self._undo_release(key)
            raise
        except errors.ClerkError:
            if held:
                self._undo_release(key)
            raise
        self._remember_lease(answer)
        return answer

    def _undo_release(self, key: tuple[str, str, int]) -> None:
        """The release did not happen: the lease is this desk's again, as before it was sent."""
        with self.db.write() as s:
            lease = s.get(SyncLease, key)
            if lease is not None and lease.release_sent_at is not None:
                lease.holder_desk_id, lease.release_sent_at = self.desk_id, None

    def _not_handed_over(
        self,
        kind_of: type[errors.LeaseNotHandedOver],
        exc: errors.ServerUnreachable,
        key: tuple[str, str, int],
    ) -> errors.LeaseNotHandedOver:
        with self.db.read() as s:
            reg = s.execute(
                select(Register).where(
                    Register.kind == key[0], Register.series == key[1], Register.year == key[2]
                )
            ).scalar_one_or_none()
        return kind_of(exc.url, exc.detail, key[0], key[1], key[2], reg.name if reg else "")

    def _remember_lease(self, data: dict[str, Any]) -> None:
        with self.db.write() as s:
            # "next_year": the register of the following year, carried with this lease.
            for register in (data, data.get("next_year")):
                if register:
                    desk_store._apply_register(
                        s, register, (self.desk_id, self.station, self.agency_id), self.clock()
                    )

    # --- provisional drafts ----------------------------------------------------------------

    def draft_incoming(self, draft: Any, prepared: list[Any] | None = None) -> str:
        """A registration without a number, for a desk that does not hold the lease;
        `prepared`: its files already read and checked (`intake.prepare_all`)."""
        from clerk_app.clock import vietnam_date
        from clerk_app.files.intake import prepare_all
        from clerk_app.registration import incoming_fields

        now = self.clock()
        fields = incoming_fields(draft, now)
        year = vietnam_date(fields["received_at"]).year
        if prepared is None:
            prepared = prepare_all(list(draft.files))
        return self._draft("incoming", year, fields, prepared, now)

    def draft_outgoing(self, draft: Any, prepared: list[Any] | None = None) -> str:
        from clerk_app.clock import vietnam_date
        from clerk_app.files.intake import prepare_all
        from clerk_app.registration import outgoing_fields

        now = self.clock()
        from clerk_app.numbering import reserved_series_for

        fields = outgoing_fields(draft, vietnam_date(now))
        fields["has_paper"] = not fields["electronic_only"]
        # QPPL documents and copies are numbered by the server in their own series too.
        series = draft.series or reserved_series_for(fields["doc_type"], draft.qppl)
        return self._draft(
            "outgoing",
            fields["issued_on"].year,
            fields,
            prepare_all(list(draft.files)) if prepared is None else prepared,
            now,
            series=series,
        )

    def _draft(
        self,
        kind: str,
        year: int,
        fields: dict[str, Any],
        prepared: list[Any],
        now: datetime,
        *,
        series: str | None = None,
    ) -> str:
        from clerk_app.storage.models import new_id

        files = []
        for prep in prepared:
            self.store.put(prep.data)
            files.append(
                {
                    "id": new_id(),
                    "sha256": prep.sha256,
                    "role": "original",
                    "filename": prep.filename,
                    "media_type": prep.media_type,
                    "size": len(prep.data),
                    "pages": prep.pages,
                    "parent_id": None,
                    "added_at": now.isoformat(),
                }
            )
        plain = {k: _jsonable(v) for k, v in fields.items()}
        draft_id = new_id()
        with self._ctx.as_actor(self.actor).write() as tx:
            s = tx.session
            s.add(
                SyncDraft(
                    id=draft_id,
                    direction=kind,
                    year=year,
                    fields=canonical_json(plain),
                    files=canonical_json(files),
                    status="waiting",
                    number=None,
                    reason="",
                    created_at=now,
                )
            )
            # Saved like a registration: audited here, sent to the server to be numbered.
            tx.audit(f"draft_{kind}", "draft", draft_id, {"fields": plain, "files": files}, at=now)
            tx.outbox(
                "draft",
                draft_id,
                p.DRAFT_OP,
                {"direction": kind, "year": year, "fields": plain, "series": series},
                at=now,
            )
        return draft_id

    def drafts(self) -> list[DraftRow]:
        """The drafts made on this desk, newest first; a number only once the server issued it."""
        with self.db.read() as s:
            rows = list(
                s.execute(
                    select(SyncDraft).order_by(SyncDraft.created_at.desc(), SyncDraft.id)
                ).scalars()
            )
        out = []
        for d in rows:
            fields = json.loads(d.fields)
            party = fields.get("issuer") if d.direction == "incoming" else fields.get("recipients")
            out.append(
                DraftRow(
                    id=d.id,
                    direction=d.direction,
                    year=d.year,
                    status=d.status,
                    number=d.number if d.status == "numbered" else None,
                    reason=d.reason,
                    created_at=d.created_at,
                    doc_type=str(fields.get("doc_type") or ""),
                    subject=str(fields.get("subject") or ""),
                    party=str(party or ""),
                    urgency=str(fields.get("urgency") or ""),
                )
            )
        return out

    # --- state -----------------------------------------------------------------------------

    def state(self) -> SyncState:
        from clerk_app.storage.journal import pending_outbox_count

        with self.db.read() as s:
            link = desk_store.link(s)
            leases = [
                {
                    "kind": lease.kind,
                    "series": lease.series,
                    "year": lease.year,
                    "epoch": lease.epoch,
                    "mine": lease.holder_desk_id == self.desk_id,
                    "held": lease.holder_desk_id is not None,
                }
                for lease in s.execute(select(SyncLease)).scalars()
            ]
            return SyncState(
                connected=link is not None,
                server_url=link.server_url if link else "",
                username=link.username if link else "",
                online=link is not None and link.offline_since is None,
                offline_since=link.offline_since if link else None,
                waiting=pending_outbox_count(s),
                last_success_at=link.last_success_at if link else None,
                leases=leases,
                drafts_waiting=s.execute(
                    select(func.count())
                    .select_from(SyncDraft)
                    .where(SyncDraft.status.in_(("waiting", "provisional")))
                ).scalar_one(),
                rejected=s.execute(select(func.count()).select_from(SyncAnswer)).scalar_one(),
                conflicts=desk_store.open_conflicts(s),
                clock_skew_s=reading.skew_s if (reading := clock_skew.last_reading(s)) else None,
            )

    def outages(self) -> list[Outage]:
        with self.db.read() as s:
            return list(s.execute(select(Outage).order_by(Outage.id)).scalars())


CREDENTIAL_FILE = "server-credential"
PENDING_CREDENTIAL_ROW = 0  # the sync_link row of a secret sent before the desk is connected


def desk_credential(data_dir: Path) -> str:
    """The secret a desk not yet made proves itself with: the first-run wizard logs in before
    the desk database exists. Kept beside where the database will be (mode 0600) and taken
    into the database's sync_link row at the desk's first connection (DeskSync._credential).

    The server binds the desk id to it, so no other account or copy can act as this desk."""
    path = data_dir / CREDENTIAL_FILE
    if path.is_file():
        return path.read_text("ascii").strip()
    secret = secrets.token_urlsafe(32)
    fresh = path.with_suffix(".new")
    fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secret)
        f.flush()
        os.fsync(f.fileno())
    os.replace(fresh, path)
    return secret


class FeedAhead:
    """A round's first feed page, asked in a thread of its own the moment the server has
    answered for the outbox's last mutations (`ask`), while the desk writes those answers
    and what follows; `take` hands it to the download, which applies it after them as
    before. A page asked before another batch went, or from another checkpoint, is dropped
    (`drop`, `take` giving None): the download asks afresh."""

    def __init__(self, desk: DeskSync, client: ServerClient) -> None:
        self._desk, self._client = desk, client
        self._thread: threading.Thread | None = None
        self._since: int | None = None
        self._page: dict[str, Any] | None = None
        self._error: BaseException | None = None

    def ask(self) -> None:
        self.drop()
        self._thread = threading.Thread(target=self._fetch, name="sync-feed", daemon=True)
        self._thread.start()

    def _fetch(self) -> None:
        try:
            with self._desk.db.read() as s:
                self._since = self._desk._link(s).checkpoint
            self._page = self._client.changes(self._since, PAGE)
        except BaseException as exc:  # raised by `take`, in the round's thread
            self._error = exc

    def take(self, since: int) -> dict[str, Any] | None:
        """The page asked, if it was asked from `since`; its request's error is raised here."""
        if self._thread is None:
            return None
        self._thread.join()
        page, error, asked = self._page, self._error, self._since
        self.drop()
        if error is not None:
            raise error
        return page if asked == since else None

    def drop(self) -> None:
        """Forget the page asked, once its request has ended."""
        if self._thread is not None:
            self._thread.join()
        self._thread, self._since, self._page, self._error = None, None, None, None


class _ReadyFront:
    """The mutations of a batch from the front whose files are all on the server, sent as soon
    as they are (`send`, each time more files are up), the rest at the end (`send_rest`)."""

    def __init__(
        self, batch: list[dict[str, Any]], upload: Callable[[list[dict[str, Any]]], None]
    ) -> None:
        self.batch, self.upload, self.sent = batch, upload, 0
        self.needs = [{f["sha256"] for f in m.get("files") or []} for m in batch]

    def send(self, on_server: set[str]) -> None:
        ready = self.sent
        while ready < len(self.batch) and self.needs[ready] <= on_server:
            ready += 1
        if ready > self.sent:
            self.upload(self.batch[self.sent : ready])
            self.sent = ready

    def send_rest(self) -> None:
        if self.sent < len(self.batch):
            self.upload(self.batch[self.sent :])
            self.sent = len(self.batch)


def _one_batch(items: list[dict[str, Any]]) -> bool:
    """Whether every content fits whole in one files batch."""
    return (
        len(items) <= p.MAX_BATCH_FILES
        and all(int(i["size"]) <= p.BATCH_FILE_MAX for i in items)
        and sum(int(i["size"]) for i in items) <= p.MAX_FILE_CHUNK
    )


def _batches(items: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Small whole contents grouped into requests of at most MAX_FILE_CHUNK bytes and
    MAX_BATCH_FILES contents, in order."""
    out: list[list[dict[str, Any]]] = []
    size = 0
    for item in items:
        n = int(item["size"])
        if not out or len(out[-1]) >= p.MAX_BATCH_FILES or size + n > p.MAX_FILE_CHUNK:
            out.append([])
            size = 0
        out[-1].append(item)
        size += n
    return out


def _jsonable(value: Any) -> Any:
    from datetime import date

    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def password_from_env(variable: str) -> str:
    value = os.environ.get(variable, "")
    if not value:
        raise errors.MissingField(variable)
    return value


__all__ = [
    "DeskSync",
    "DraftRow",
    "LeaseRow",
    "SyncReport",
    "SyncState",
    "password_from_env",
]
