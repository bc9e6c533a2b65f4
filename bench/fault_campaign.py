"""A randomized fault campaign against a real clerk-server: numbering online and offline through
kill -9 of the server and of desks, lost answers, replays, lease moves, restores and clock skew.

    .venv/bin/python bench/fault_campaign.py --backend sqlite|postgresql --seeds 0:500 \
        --out bench/out/faults-sqlite.jsonl [--steps 12] [--minutes M] [--wipe-every 100]
    .venv/bin/python bench/fault_campaign.py --summary bench/out/faults-*.jsonl [--append]

On two shared cores, run several drivers at once, each its own seed range, output file and
server, at the lowest priority (what RESULTS.md's figures came from: five to eight a backend):
    source DIR/env   # scripts/start-postgres.sh start DIR
    for k in 0 1 2 3 4; do nohup nice -n 19 .venv/bin/python bench/fault_campaign.py \
        --backend postgresql --seeds $((100000+k*1000)):$((101000+k*1000)) --minutes 60 \
        --out bench/out/faults-postgresql-$k.jsonl & done
Progress is in OUT.progress; a run whose invariants broke keeps its folder under --data-dir.

Each run is its seed: a fresh agency on one long-lived server (its database is emptied every
`--wipe-every` runs), three connected desks, `--steps` random steps, then every desk synced until
quiet and the invariants checked. One line of JSON per run is appended to `--out`; a campaign
started again with the same seed range skips the seeds already there, so it can be stopped and
resumed. PostgreSQL takes its URL from CLERK_TEST_PG_URL (scripts/start-postgres.sh run ...).

What makes a run cheap enough for 1,000 of them on two shared cores: the server and every desk
that is killed are processes forked from this one after the imports (a kill -9 of a real
process, without a new interpreter each time); desks that are not being killed are engines in
this process; documents are registered without OCR, a third of them with a one-page PDF of a few
hundred bytes; argon2 runs at its lowest cost, in this process and so in the forked server
(password hashing is not what the campaign tests). The timing of a run depends on the machine,
so a seed fixes the steps and the desks chosen, not the instant a kill lands.

Steps:
  online    a desk registers through sync.online.register (its number, or a draft)
  offline   the lease holder numbers on its own, as when it cannot reach the server
  sync      a desk's sync round
  kill_desk a desk's sync round in a forked child, killed with SIGKILL a random time after the
            round began (counted `mid` when the round had not finished)
  kill_srv  a desk registers online while the server is killed with SIGKILL a random time into
            it (`in_flight` when the registration had not returned); the server starts again
            later in the run
  lost      a desk's pending batch uploaded and the answer dropped (a draft is made first when
            nothing is pending); the next round sends it again
  replay    a batch the server already answered sent again: no new answer row may appear
  lease     the holder gives the lease back (after its outbox is applied), another takes it
  backup / restore   a copy of a desk's folder, later put back over it (`behind` when the copy is
            older than the desk). What the desk made after the copy and never sent is lost with
            the restore (`lost_unsent`): the server never heard of it, so its numbers leave the
            invariants, and a number the desk then gives again is counted
            (`number_issued_again`), the one loss a restored backup causes that no server can
            prevent
  skew      a desk's clock set two days ahead for one registration: it must number nothing
Invariants at the end of each run (`check`): no number twice on the server or on paper (the
numbers the clerks were told); every register gap-free but for recorded voids; each paper number
names the server's document; every document any desk made is on the server with a number; every
outbox mutation of every desk applied on the server once, as that desk's; every desk holds the
server's registers with nothing waiting; PRAGMA integrity_check ok on every desk.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import select
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import OUT_DIR, ROOT, machine_info, refuse_tmpfs, table

STEPS = (
    "online", "online", "online", "offline", "sync", "sync", "kill_desk", "kill_srv",
    "lost", "replay", "lease", "backup", "restore", "skew", "revoke",
)  # fmt: skip
FAULTS = ("kill_desk", "kill_srv", "lost", "replay", "lease", "restore", "skew", "revoke")
PASSWORD, NEW_PASSWORD = "mat-khau-ban-dau", "mat-khau-moi-2026"


class Violation(AssertionError):
    """An invariant broken: the campaign's finding."""


def cheap_setup() -> None:
    """argon2 at its lowest cost here and in every process forked from here (a hash carries its
    own parameters, so the server verifies these cheap ones cheaply too), and the desk's
    pauses before a retry shortened: the retries still happen, the campaign waits less."""
    from argon2 import PasswordHasher

    import sync.client
    import sync.engine
    from sync.server import accounts

    sync.client.RETRY_PAUSES_S = (0.05, 0.15)

    def cheap() -> PasswordHasher:
        return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)

    accounts._hasher = cheap()
    sync.engine.PasswordHasher = cheap  # type: ignore[misc,assignment]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ForkedServer:
    """`clerk-server serve` in a child forked from this process: kill() is kill -9 of it.
    The same face as tests.sync.conftest.RunningServer (url, db, proc, start, kill, stop)."""

    def __init__(self, db_url: str, root: Path) -> None:
        from sync.server.database import ServerDatabase

        self.db_url = db_url
        self.files_dir = root / "server-files"
        self.log = root / "server.log"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: int | None = None
        self.db = ServerDatabase(db_url)
        self.db.migrate()
        self.starts = 0
        import httpx

        self._probe = httpx.Client(base_url=self.url, timeout=1, verify=False)

    def start(self) -> None:
        import httpx
        import uvicorn

        from sync.server.app import create_app
        from sync.server.database import ServerDatabase

        pid = os.fork()
        if pid == 0:  # the child: `clerk-server serve` but for the migration, done once above
            code = 1
            try:
                self.db.engine.dispose(close=False)  # the parent's connections stay the parent's
                fd = os.open(self.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                os.dup2(fd, 1)
                os.dup2(fd, 2)
                app = create_app(ServerDatabase(self.db_url), self.files_dir)
                uvicorn.run(app, host="127.0.0.1", port=self.port, log_level="warning")
                code = 0
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(code)
        self.proc = pid
        self.starts += 1
        deadline = time.monotonic() + 120  # only stops a hung start
        while time.monotonic() < deadline:
            if os.waitpid(pid, os.WNOHANG) != (0, 0):
                self.proc = None
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:  # one client: httpx.get would build a TLS context (~60 ms) at every try
                self._probe.get("/v1/hello", headers={"X-Clerk-Protocol": "1"})
                return
            except httpx.TransportError:
                time.sleep(0.02)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        if self.proc is not None:
            os.kill(self.proc, signal.SIGKILL)
            os.waitpid(self.proc, 0)
        self.proc = None

    def stop(self) -> None:
        self.kill()
        self.db.close()

    def wipe(self) -> None:
        from tests.sync.conftest import RunningServer

        RunningServer.wipe(self)  # type: ignore[arg-type]


_TEMPLATE: list[Path] = []


def schema_template() -> Path:
    """An empty desk database at the schema's head, made once per campaign: a new desk starts
    from a copy of it, so Workspace.init does its real work but not the migrations again."""
    if not _TEMPLATE:
        from clerk_app.storage.database import Database

        path = Path(tempfile.mkdtemp(prefix="faults-schema-")) / "clerk.sqlite3"
        db = Database(path)
        db.migrate()
        db.close()
        _TEMPLATE.append(path)
    return _TEMPLATE[0]


class Run:
    """One agency, three desks, random steps; `faults` counts what really happened."""

    def __init__(self, server: Any, root: Path, code: str, rng: random.Random, year: int) -> None:
        from clerk_app.storage.database import DB_FILENAME
        from clerk_app.workspace import Workspace
        from sync.engine import DeskSync
        from sync.server import accounts
        from sync.server.models import Account

        self.server, self.root, self.rng, self.year, self.code = server, root, rng, year, code
        self.paper: dict[int, str] = {}  # the numbers the clerks were told
        self.made: set[str] = set()  # every document or draft id a desk made
        self.made_on: dict[str, int] = {}  # ... and which desk made it
        # Numbers told to clerks whose documents a restore wiped before any round sent them:
        # the server never heard of them, so no design can keep them (see do_restore).
        self.lost_to_restore: dict[int, str] = {}
        self.counts: Counter[str] = Counter()
        self.faults: Counter[str] = Counter()
        self.round_s = 0.3  # how long a round takes here, learnt: kills land inside one
        self.online_s = 0.3
        with server.db.write() as s:
            accounts.create_agency(s, code, f"Cơ quan {code}", datetime.now(UTC))
        self.desks: list[Path] = []
        for i in range(3):
            user = f"vthu{i}.{accounts.agency_suffix(code)}"
            with server.db.write() as s:
                accounts.create_account(s, code, user, "clerk", PASSWORD, datetime.now(UTC))
                # The first-login change is tested elsewhere; here it would only cost time.
                s.query(Account).filter(Account.username == user).update(
                    {Account.must_change_password: False}
                )
            path = root / f"{code}-{i}"
            path.mkdir()
            shutil.copyfile(schema_template(), path / DB_FILENAME)  # migrated, empty
            Workspace.init(path, agency_name=f"Cơ quan {code}", agency_code=code, year=year).close()
            with DeskSync(path) as d:
                d.connect(server.url, user, PASSWORD)
                d.sync()
            self.desks.append(path)
        with DeskSync(self.desks[0]) as d:
            d.acquire_lease("incoming", year)
        self.holder = 0
        self.unverified: set[int] = set()  # restored, no round has reached the server since
        self.backups: dict[int, Path] = {}
        # A desk whose lease an admin revoked is lost (broken, away): nobody works at it until
        # it comes back with a sync round, which sends what it numbered offline.
        self.lost: set[int] = set()
        self.admin: Path | None = None

    # --- steps -----------------------------------------------------------------------------

    def wrote(self, number: int | None, doc_id: str, desk: int) -> None:
        self.made.add(doc_id)
        self.made_on[doc_id] = desk
        if number is None:
            return
        if number in self.lost_to_restore and number not in self.paper:
            self.faults["restore:number_issued_again"] += 1
        if number in self.paper and self.paper[number] != doc_id:
            raise Violation(f"number {number} told to two clerks")
        self.paper[number] = doc_id

    def draft(self, i: int) -> Any:
        from clerk_app.records import IncomingDraft

        files: tuple[Path, ...] = ()
        if self.rng.random() < 1 / 3:  # a small original, so files go up and down too
            files = (self.small_pdf(),)
        return IncomingDraft(
            issuer="Sở Tài chính", reference="", issued_on=None, doc_type="Công văn",
            subject=f"Văn bản {len(self.made)} bàn {i}", files=files,
        )  # fmt: skip

    def small_pdf(self) -> Path:
        """A one-page PDF of a few hundred bytes, different each time (its own blob)."""
        from reportlab.pdfgen import canvas

        path = self.root / f"scan-{len(self.made)}-{self.rng.randrange(10**9)}.pdf"
        c = canvas.Canvas(str(path), pagesize=(200, 100), pageCompression=1)
        c.drawString(10, 50, path.stem)
        c.save()
        return path

    def step(self, name: str) -> None:
        from clerk_app import errors

        self.counts[name] += 1
        i = self.rng.randrange(len(self.desks))
        if i in self.lost and name != "sync":
            self.counts["lost_desk:idle"] += 1
            return
        try:
            getattr(self, "do_" + name)(i)
        except errors.ClerkError as exc:  # unreachable, refused, clock: what a desk is told
            self.counts[f"{name}:{type(exc).__name__}"] += 1

    def do_online(self, i: int) -> None:
        from sync import online
        from sync.engine import DeskSync

        if i in self.unverified:
            self.do_sync(i)
            if i in self.unverified:
                return
        began = time.monotonic()
        with DeskSync(self.desks[i]) as d:
            got = online.register(d, self.draft(i))
        self.wrote(got.number, got.document_id, i)
        if got.online:
            self.online_s = 0.8 * self.online_s + 0.2 * (time.monotonic() - began)

    def do_offline(self, _i: int) -> None:
        from clerk_app.workspace import Workspace

        if self.holder < 0 or self.holder in self.unverified:
            return
        with Workspace.open(self.desks[self.holder], actor="clerk") as ws:
            done = ws.register_incoming(self.draft(self.holder)).document.summary
        self.wrote(done.number, done.id, self.holder)

    def do_sync(self, i: int) -> None:
        from sync.engine import DeskSync

        began = time.monotonic()
        with DeskSync(self.desks[i]) as d:
            d.sync()
        self.round_s = 0.8 * self.round_s + 0.2 * (time.monotonic() - began)
        self.unverified.discard(i)
        if i in self.lost:
            self.lost.discard(i)
            self.faults["revoke:desk_back"] += 1

    def do_kill_desk(self, i: int) -> None:
        """A sync round in a forked child, killed -9 at a random instant of it."""
        from sync.engine import DeskSync

        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                self.server.db.engine.dispose(close=False)
                with DeskSync(self.desks[i]) as d:
                    os.write(w, b"s")
                    d.sync()
                os.write(w, b"d")
            except BaseException:
                os.write(w, b"e")
            finally:
                os._exit(0)
        os.close(w)
        try:
            ready, _, _ = select.select([r], [], [], 60)
            began = os.read(r, 1) if ready else b""
            if began == b"s":
                time.sleep(self.rng.uniform(0, self.round_s))
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            rest = b""
            while chunk := os.read(r, 16):
                rest += chunk
        finally:
            os.close(r)
        self.faults["kill_desk:mid" if began == b"s" and not rest else "kill_desk:after"] += 1

    def do_kill_srv(self, i: int) -> None:
        """An online registration in a thread while the server is killed -9 under it."""
        from clerk_app import errors

        if self.server.proc is None:
            self.server.start()
        failed: list[BaseException] = []

        def register() -> None:
            try:
                self.do_online(i)
            except errors.ClerkError as exc:
                self.counts[f"kill_srv:{type(exc).__name__}"] += 1
            except BaseException as exc:  # a broken invariant: the main thread raises it
                failed.append(exc)

        worker = threading.Thread(target=register)
        worker.start()
        time.sleep(self.rng.uniform(0, self.online_s))
        in_flight = worker.is_alive()
        self.server.kill()
        worker.join(120)
        if failed:
            raise failed[0]
        self.faults["kill_srv:in_flight" if in_flight else "kill_srv:idle"] += 1

    def do_lost(self, i: int) -> None:
        from sync import desk_store
        from sync.engine import DeskSync

        if i in self.unverified:
            return
        with DeskSync(self.desks[i]) as d:
            with d.db.read() as s:
                batch = desk_store.pending_mutations(s, d.desk_id, 50)
            if not batch:
                self.wrote(None, d.draft_incoming(self.draft(i)), i)
                with d.db.read() as s:
                    batch = desk_store.pending_mutations(s, d.desk_id, 50)
            with d._client() as client:
                d._send_files(client, desk_store.wanted_uploads(batch))
                client.upload(batch)  # applied; the answer never reaches the desk
        self.faults["lost:applied"] += 1

    def do_replay(self, i: int) -> None:
        """Send again the last few mutations the server already answered for this desk."""
        from sqlalchemy import func, select

        from clerk_app.storage.models import OutboxEntry
        from sync.engine import DeskSync
        from sync.server.models import AppliedMutation

        if i in self.unverified:
            return
        with DeskSync(self.desks[i]) as d:
            with d.db.read() as s:
                last = s.execute(
                    select(OutboxEntry.seq)
                    .where(OutboxEntry.acked_at.is_not(None))
                    .order_by(OutboxEntry.seq.desc())
                    .limit(3)
                ).scalars()
                seqs = sorted(last)
                batch = _mutations(s, d.desk_id, seqs)
            if not batch:
                return
            # Counted among this desk's rows at the replayed sequences only: a round of a desk
            # killed just before (kill_desk) may still be committing on the server, and its
            # rows are not the replay's (a PostgreSQL run counted one of them once).
            mine = (
                select(func.count())
                .select_from(AppliedMutation)
                .where(AppliedMutation.desk_id == d.desk_id, AppliedMutation.seq.in_(seqs))
            )
            with self.server.db.read() as s:
                before = s.execute(mine).scalar_one()
            with d._client() as client:
                answer = client.upload(batch)
            with self.server.db.read() as s:
                after = s.execute(mine).scalar_one()
                kept = dict(
                    s.execute(
                        select(AppliedMutation.mutation_id, AppliedMutation.status).where(
                            AppliedMutation.mutation_id.in_([m["mutation_id"] for m in batch])
                        )
                    ).all()
                )
        if after != before or after != len(batch):
            raise Violation(
                f"a replay of {len(batch)} answered mutations: {before} rows before, {after} after"
            )
        for a in answer.get("answers", []):
            if kept.get(a["mutation_id"]) != a["status"]:
                raise Violation(
                    f"a replay was answered {a['status']}, first {kept.get(a['mutation_id'])}"
                )
        self.faults["replay:answered_again"] += 1

    def do_lease(self, _i: int) -> None:
        from sync.engine import DeskSync

        if self.holder in self.unverified:
            return
        to = self.rng.choice(
            [k for k in range(len(self.desks)) if k != self.holder and k not in self.lost]
        )
        if self.holder >= 0:
            with DeskSync(self.desks[self.holder]) as d:
                d.release_lease("incoming", self.year)
            self.holder = -1
        with DeskSync(self.desks[to]) as d:
            d.take_lease("incoming", self.year)
        self.holder = to
        self.faults["lease:moved"] += 1

    def do_revoke(self, _i: int) -> None:
        """An admin revokes the holder's lease (the desk is lost, maybe with offline numbers
        not yet sent), naming the last number on that desk's paper register."""
        from sync.engine import DeskSync

        if self.holder < 0 or self.holder in self.unverified:
            return
        lost = self.holder
        on_paper = [n for n, d in self.paper.items() if self.made_on.get(d) == lost]
        admin = self.admin_desk()
        before = self._held()
        with DeskSync(admin) as d:
            d.release_lease("incoming", self.year, force=True, lost_through=max(on_paper or [0]))
        self.holder = -1
        self.lost.add(lost)
        self.faults["revoke:lost_desk"] += 1
        self.faults["revoke:numbers_held"] += self._held() - before

    def _held(self) -> int:
        """Numbers held for revoked desks in this agency now (filled ones are gone)."""
        from sqlalchemy import func, select

        from sync.server.models import Agency, NumberVoid

        with self.server.db.read() as s:
            return int(
                s.execute(
                    select(func.count())
                    .select_from(NumberVoid)
                    .join(Agency, Agency.id == NumberVoid.agency_id)
                    .where(Agency.code == self.code, NumberVoid.held_for_desk_id.is_not(None))
                ).scalar_one()
            )

    def admin_desk(self) -> Path:
        """The agency admin's own desk, made the first time a revocation needs it."""
        from clerk_app.workspace import Workspace
        from sync.engine import DeskSync
        from sync.server import accounts
        from sync.server.models import Account

        path = self.root / f"{self.code}-admin"
        if self.admin is None:
            # Each part once: the server may be down at the connect (a kill step before), and
            # the revocation is then tried again at a later step.
            user = f"qtri9.{accounts.agency_suffix(self.code)}"
            with self.server.db.write() as s:
                if s.query(Account).filter(Account.username == user).first() is None:
                    accounts.create_account(
                        s, self.code, user, "admin", PASSWORD, datetime.now(UTC)
                    )
                    s.query(Account).filter(Account.username == user).update(
                        {Account.must_change_password: False}
                    )
            if not path.exists():
                Workspace.init(
                    path, agency_name=f"Cơ quan {self.code}", agency_code=self.code, year=self.year
                ).close()
            with DeskSync(path) as d:
                d.connect(self.server.url, user, PASSWORD)
            self.admin = path
        return self.admin

    def do_backup(self, i: int) -> None:
        target = self.root / f"backup-{self.desks[i].name}"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(self.desks[i], target)
        self.backups[i] = target

    def do_restore(self, _i: int) -> None:
        from sqlalchemy import select

        from sync.server.models import Agency, ServerDocument

        if not self.backups:
            return
        i = self.rng.choice(sorted(self.backups))  # a desk that has a copy to put back
        if i in self.lost:
            return
        behind = _last_outbox(self.backups[i]) < _last_outbox(self.desks[i])
        # What this desk made after the copy and never sent is gone with the restore: on the
        # clerk's paper only. Put aside (and counted), not held against the design.
        with self.server.db.read() as s:
            on_server = set(
                s.execute(
                    select(ServerDocument.id)
                    .join(Agency, Agency.id == ServerDocument.agency_id)
                    .where(Agency.code == self.code)
                ).scalars()
            )
        kept = _made_ids(self.backups[i])
        gone = {d for d, k in self.made_on.items() if k == i and d not in on_server | kept}
        for doc_id in gone:
            self.made.discard(doc_id)
            del self.made_on[doc_id]
        for number, doc_id in list(self.paper.items()):
            if doc_id in gone:
                self.lost_to_restore[number] = self.paper.pop(number)
        if gone:
            self.faults["restore:lost_unsent"] += len(gone)
        shutil.rmtree(self.desks[i])
        shutil.copytree(self.backups[i], self.desks[i])
        self.unverified.add(i)
        self.faults["restore:behind" if behind else "restore:same"] += 1

    def do_skew(self, i: int) -> None:
        from clerk_app import errors
        from sync import online
        from sync.engine import DeskSync

        ahead = DeskSync(self.desks[i], clock=lambda: datetime.now(UTC) + timedelta(days=2))
        with ahead as d:
            try:
                got = online.register(d, self.draft(i))
            except errors.ClockTooFarToNumber:
                self.faults["skew:refused"] += 1
                return
        if got.online:
            raise Violation("a clock two days ahead was given a number online")
        self.faults["skew:offline"] += 1
        self.wrote(got.number, got.document_id, i)  # offline: the holder's, by its last reading

    # --- the end ----------------------------------------------------------------------------

    def settle(self) -> None:
        """Every desk synced, the lease given back (so drafts still waiting are numbered), then
        rounds until one where no desk sent or received anything."""
        from sync.engine import DeskSync

        if self.server.proc is None:
            self.server.start()
        self.sync_all()
        if self.holder >= 0:
            with DeskSync(self.desks[self.holder]) as d:
                d.release_lease("incoming", self.year)
        for _ in range(6):
            if not self.sync_all():
                return
        raise Violation("the desks did not fall quiet in six rounds each")

    def sync_all(self) -> int:
        """A round on each desk; how much moved."""
        from clerk_app import errors
        from sync.engine import DeskSync

        moved = 0
        for desk in self.desks:
            for attempt in range(4):
                try:
                    with DeskSync(desk) as d:
                        r = d.sync()
                    moved += r.sent + r.received + r.files_sent + r.files_received
                    break
                except errors.ServerUnreachable:  # a restarted server may still be busy
                    if attempt == 3:
                        raise
                    time.sleep(0.5 * (attempt + 1))
        return moved

    def check(self) -> None:
        check_run(self.server, self.code, self.desks, self.paper, self.made, self.year)
        if self.faults["revoke:numbers_held"]:
            # A held number on the lost desk's paper is filled by it (check_run: every paper
            # number is the server's); one a restore wiped from the desk stays a held void.
            unfilled = self._held()
            self.faults["revoke:numbers_filled"] += self.faults["revoke:numbers_held"] - unfilled
            self.faults["revoke:held_unfilled"] += unfilled


def _mutations(s: Any, desk_id: str, seqs: list[int]) -> list[dict[str, Any]]:
    """Outbox entries as the desk sends them, answered or not."""
    from sqlalchemy import select

    from clerk_app.storage.models import OutboxEntry
    from sync import desk_store

    rows = s.execute(select(OutboxEntry).where(OutboxEntry.seq.in_(seqs)).order_by(OutboxEntry.seq))
    return desk_store.as_mutations(s, desk_id, rows.scalars().all())


def _made_ids(desk: Path) -> set[str]:
    """The ids of the documents and drafts in a desk's folder."""
    import sqlite3

    from clerk_app.storage.database import DB_FILENAME

    conn = sqlite3.connect(desk / DB_FILENAME)
    try:
        rows = conn.execute("SELECT id FROM document UNION SELECT id FROM sync_draft")
        return {str(r[0]) for r in rows}
    finally:
        conn.close()


def _last_outbox(desk: Path) -> int:
    import sqlite3

    from clerk_app.storage.database import DB_FILENAME

    conn = sqlite3.connect(desk / DB_FILENAME)
    try:
        return int(conn.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0])
    finally:
        conn.close()


def check_run(
    server: Any, code: str, desks: list[Path], paper: dict[int, str], made: set[str], year: int
) -> None:
    """The invariants; raises Violation naming the first one broken."""
    from sqlalchemy import create_engine, select

    from clerk_app.storage.database import DB_FILENAME
    from clerk_app.storage.models import OutboxEntry
    from sync.server.models import Agency, AppliedMutation, Desk, ServerDocument
    from tests.sync.conftest import check_desk, check_server

    try:
        registers = check_server(server, code)
    except AssertionError as exc:
        raise Violation(f"server: {exc}") from None
    final = registers.get(("incoming", "chung", year), {})
    for number, doc_id in paper.items():
        if final.get(number) != doc_id:
            raise Violation(f"paper number {number} is not the server's ({final.get(number)})")
    with server.db.read() as s:
        agency_id = s.execute(select(Agency.id).where(Agency.code == code)).scalar_one()
        numbered = dict(
            s.execute(
                select(ServerDocument.id, ServerDocument.number).where(
                    ServerDocument.agency_id == agency_id
                )
            ).all()
        )
        applied = {
            mid: (desk, seq, status)
            for mid, desk, seq, status in s.execute(
                select(
                    AppliedMutation.mutation_id,
                    AppliedMutation.desk_id,
                    AppliedMutation.seq,
                    AppliedMutation.status,
                ).where(AppliedMutation.agency_id == agency_id)
            )
        }
        desk_ids = set(s.execute(select(Desk.id).where(Desk.agency_id == agency_id)).scalars())
    lost = sorted(d for d in made if numbered.get(d) is None)
    if lost:
        raise Violation(
            f"{len(lost)} documents made on desks are not numbered on the server: {lost[:3]}"
        )
    for desk in desks:
        engine = create_engine(f"sqlite:///{desk / DB_FILENAME}")
        with engine.connect() as conn:
            desk_id = conn.execute(select(_desk_id_column())).scalar_one()
            entries = conn.execute(select(OutboxEntry.seq, OutboxEntry.mutation_id)).all()
        engine.dispose()
        if desk_id not in desk_ids:
            raise Violation(f"{desk.name}: the server does not know the desk")
        for seq, mid in entries:
            got = applied.get(mid)
            if got is None:
                raise Violation(f"{desk.name}: mutation {seq} ({mid}) was never applied")
            if got[:2] != (desk_id, seq):
                raise Violation(
                    f"{desk.name}: mutation {mid} applied as {got[:2]}, not {(desk_id, seq)}"
                )
        try:
            check_desk(desk, registers)
        except AssertionError as exc:
            raise Violation(str(exc)) from None


def _desk_id_column() -> Any:
    from clerk_app.storage.models import DeskState

    return DeskState.desk_id


# --- the campaign ----------------------------------------------------------------------------


def one_run(server: Any, root: Path, seed: int, steps: int, year: int) -> dict[str, Any]:
    rng = random.Random(seed)
    code = f"R{seed}"
    run_dir = root / code
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir()
    began = time.monotonic()
    result: dict[str, Any] = {"seed": seed, "ok": False}
    run: Run | None = None
    try:
        if server.proc is None:
            server.start()
        run = Run(server, run_dir, code, rng, year)
        result["setup_s"] = round(time.monotonic() - began, 2)
        for _ in range(steps):
            name = rng.choice(STEPS)
            if server.proc is None and rng.random() < 0.5:
                server.start()
            run.step(name)
        result["steps_s"] = round(time.monotonic() - began - result["setup_s"], 2)
        run.settle()
        run.check()
        result["ok"] = True
    except Violation as exc:
        result["violation"] = str(exc)[:500]
        result["trace"] = traceback.format_exc()[-3000:]
    except Exception as exc:  # a crash is a finding too, kept apart from a broken invariant
        result["crash"] = f"{type(exc).__name__}: {str(exc)[:300]}"
        result["trace"] = traceback.format_exc()[-3000:]
    if run is not None:
        result["steps"] = dict(run.counts)
        result["faults"] = dict(run.faults)
        result["numbers"] = len(run.paper)
        result["documents"] = len(run.made)
    result["seconds"] = round(time.monotonic() - began, 2)
    if result["ok"]:
        shutil.rmtree(run_dir, ignore_errors=True)
    return result


def campaign(args: argparse.Namespace) -> None:
    from clerk_app.clock import VIETNAM

    cheap_setup()
    # A TERM (the campaign stopped) ends through the finally below: the server child goes too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    first, last = (int(x) for x in args.seeds.split(":"))
    out: Path = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    done: set[int] = set()
    if out.exists():
        for line in out.read_text("utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                if "seed" in row:
                    done.add(int(row["seed"]))
    args.data_dir.mkdir(parents=True, exist_ok=True)
    refuse_tmpfs(args.data_dir)
    root = Path(tempfile.mkdtemp(prefix=f"faults-{args.backend}-", dir=args.data_dir))
    if args.backend == "sqlite":
        url = f"sqlite:///{root / 'server.sqlite3'}"
    else:
        from tests.sync.conftest import fresh_pg_url

        url = fresh_pg_url()
    server = ForkedServer(url, root)
    year = datetime.now(VIETNAM).year
    started = time.monotonic()
    progress = Path(str(out) + ".progress")
    with open(out, "a", encoding="utf-8") as f:
        f.write(json.dumps({"start": datetime.now(UTC).isoformat(), "backend": args.backend,
                            "seeds": args.seeds, "steps": args.steps, "commit": _commit(),
                            "load": os.getloadavg()[0]}) + "\n")  # fmt: skip
    tally: Counter[str] = Counter()
    since_wipe = 0
    try:
        for seed in range(first, last):
            if seed in done:
                continue
            if time.monotonic() - started > args.minutes * 60:
                break
            if since_wipe >= args.wipe_every:
                server.kill()
                server.wipe()
                since_wipe = 0
            result = one_run(server, root, seed, args.steps, year)
            since_wipe += 1
            result["backend"] = args.backend
            result["load"] = round(os.getloadavg()[0], 1)
            with open(out, "a", encoding="utf-8") as f:
                f.write(json.dumps(result, ensure_ascii=False) + "\n")
            tally["runs"] += 1
            tally[
                "ok" if result["ok"] else ("violation" if "violation" in result else "crash")
            ] += 1
            progress.write_text(
                f"{datetime.now(UTC):%H:%M:%S} {args.backend} seed {seed}/{last} "
                f"{dict(tally)} last {result['seconds']} s, "
                f"{(time.monotonic() - started) / tally['runs']:.1f} s/run, "
                f"load {os.getloadavg()[0]:.1f}\n"
            )
    finally:
        server.stop()
    shutil.rmtree(root / "server-files", ignore_errors=True)


def _commit() -> str:
    import subprocess

    done = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return done.stdout.strip()


def summary(paths: list[Path], append: bool) -> None:
    """The counts of every JSON lines file given, per backend and commit, as a RESULTS.md
    section. Wall time is from the first driver's start to the end of the last run recorded."""
    per: dict[str, Counter[str]] = {}
    faults: dict[str, Counter[str]] = {}
    steps: dict[str, Counter[str]] = {}
    bad: list[str] = []
    seconds: dict[str, float] = {}
    loads: dict[str, list[float]] = {}
    first: dict[str, datetime] = {}
    last: dict[str, datetime] = {}
    drivers: Counter[str] = Counter()
    for path in paths:
        col, at = "", datetime.now(UTC)
        for line in path.read_text("utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if "start" in row:  # a driver (re)started: its runs follow, one after another
                col = f"{row['backend']} @{row.get('commit') or 'earlier'}"
                drivers[col] += 1
                at = datetime.fromisoformat(row["start"])
                first[col] = min(first.get(col, at), at)
                last[col] = max(last.get(col, at), at)
                continue
            b = col
            at += timedelta(seconds=row["seconds"])
            last[b] = max(last[b], at)
            per.setdefault(b, Counter())["runs"] += 1
            kind = "ok" if row["ok"] else ("violation" if "violation" in row else "crash")
            per[b][kind] += 1
            per[b]["numbers on paper"] += row.get("numbers", 0)
            per[b]["documents made"] += row.get("documents", 0)
            faults.setdefault(b, Counter()).update(row.get("faults", {}))
            for k, n in row.get("faults", {}).items():
                faults[b][k.split(":")[0] + " (all)"] += n
            steps.setdefault(b, Counter()).update(row.get("steps", {}))
            seconds[b] = seconds.get(b, 0.0) + row["seconds"]
            loads.setdefault(b, []).append(row.get("load", 0.0))
            if not row["ok"]:
                bad.append(f"{b} seed {row['seed']}: {row.get('violation') or row.get('crash')}")
    backends = sorted(per)
    for b in backends:
        per[b]["violation"] += 0
        per[b]["crash"] += 0
    keys = sorted({k for c in per.values() for k in c})
    rows = [[k, *[per[b][k] for b in backends]] for k in keys]
    rows += [[f"fault {k}", *[faults[b][k] for b in backends]]
             for k in sorted({k for c in faults.values() for k in c})]  # fmt: skip
    rows += [[f"step {k}", *[steps[b][k] for b in backends]]
             for k in sorted({k for c in steps.values() for k in c})]  # fmt: skip
    rows += [["drivers (processes)", *[drivers[b] for b in backends]]]
    rows += [["wall time (min)", *[f"{(last[b] - first[b]).total_seconds() / 60:.0f}"
                                   for b in backends]]]  # fmt: skip
    rows += [["run time, sum over drivers (min)", *[f"{seconds[b] / 60:.0f}" for b in backends]]]
    rows += [["mean s/run", *[f"{seconds[b] / per[b]['runs']:.1f}" for b in backends]]]
    rows += [["load (1 min) at run end, median / max", *[
        f"{sorted(loads[b])[len(loads[b]) // 2]:.1f} / {max(loads[b]):.1f}" for b in backends
    ]]]  # fmt: skip
    info = machine_info(OUT_DIR)
    text = (
        "\n## Fault campaign at scale (bench/fault_campaign.py, issue 12)\n\n"
        f"{info['nproc']} vCPU {info['cpu']}, {info['ram_gib']} GiB, Python {info['python']}, "
        f"SQLite {info['sqlite']}; first start {min(first.values()):%Y-%m-%d %H:%M} UTC.\n\n"
        + table(["count", *backends], rows)
        + "\n"
        + "".join(f"\n- {x}" for x in bad[:30])
        + ("\n" if bad else "")
    )
    print(text)
    if append:
        with open(ROOT / "bench" / "RESULTS.md", "a", encoding="utf-8") as f:
            f.write(text)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--seeds", default="0:1000", help="FIRST:END, END excluded")
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--minutes", type=float, default=600.0, help="stop starting runs after this")
    ap.add_argument("--wipe-every", type=int, default=100)
    ap.add_argument("--out", type=Path, default=OUT_DIR / "faults.jsonl")
    ap.add_argument("--data-dir", type=Path, default=OUT_DIR)
    ap.add_argument("--summary", type=Path, nargs="*")
    ap.add_argument("--append", action="store_true", help="with --summary: add it to RESULTS.md")
    args = ap.parse_args()
    if args.summary:
        summary(args.summary, args.append)
    else:
        campaign(args)


if __name__ == "__main__":
    main()
