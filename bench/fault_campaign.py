"""A randomized fault campaign against a real clerk-server: numbering online and offline through
kill -9 of the server and of desks, lost answers, replays, lease moves, restores and clock skew.

    .venv/bin/python bench/fault_campaign.py [--runs N] [--minutes M] [--steps S] [--seed X]
                                             [--data-dir D] [--append]

Each run is a fresh agency on one server (SQLite, a child process, restarted after each kill)
with three connected desks; desk A starts with the incoming register's lease. Random steps:
  online    a desk registers through sync.online.register (its number, or a draft)
  offline   the lease holder numbers on its own, as when it cannot reach the server
  sync      a desk's sync round
  kill_desk a desk's sync round in a child process, killed with SIGKILL after 0-400 ms
  kill_srv  the server killed with SIGKILL, and started again later in the run
  lost      a desk's pending batch uploaded, the answer dropped (the round later replays it)
  lease     the holder gives the lease back (after its outbox is applied), another takes it
  backup / restore   a copy of a desk's folder, later put back over it (a restored disk)
  skew      a desk's clock set two days ahead for one registration: it must number nothing
A restored desk numbers again only after a round has reached the server (the design's
assumption: DESIGN.md, «Desks that notice what happened to them»).
Invariants at the end of each run, after every desk synced until quiet: no number twice on the
server or on paper (the numbers the clerks were told); the register gap-free but for recorded
voids; each paper number names the server's document; every mutation applied once; every desk
holds the server's registers; PRAGMA integrity_check ok on every desk.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import OUT_DIR, ROOT, machine_info, refuse_tmpfs, table

STEPS = (
    "online", "online", "online", "offline", "sync", "sync", "kill_desk", "kill_srv",
    "lost", "lease", "backup", "restore", "skew",
)  # fmt: skip
PASSWORD, NEW_PASSWORD = "mat-khau-ban-dau", "mat-khau-moi-2026"
KILLED_ROUND = (
    "import sys; from pathlib import Path; from sync.engine import DeskSync\n"
    "with DeskSync(Path(sys.argv[1])) as d: d.sync()\n"
)


class Run:
    def __init__(self, server: Any, root: Path, code: str, rng: random.Random, year: int) -> None:
        from clerk_app.workspace import Workspace
        from sync.engine import DeskSync
        from sync.server import accounts

        self.server, self.root, self.rng, self.year, self.code = server, root, rng, year, code
        self.paper: dict[int, str] = {}
        self.counts: Counter[str] = Counter()
        with server.db.write() as s:
            accounts.create_agency(s, code, f"Cơ quan {code}", datetime.now(UTC))
        self.desks: list[Path] = []
        for i in range(3):
            user = f"vthu{i}.{code.lower()}"
            with server.db.write() as s:
                accounts.create_account(s, code, user, "clerk", PASSWORD, datetime.now(UTC))
            path = root / f"{code}-{i}"
            Workspace.init(path, agency_name=f"Cơ quan {code}", agency_code=code, year=year).close()
            with DeskSync(path) as d:
                d.connect(server.url, user, PASSWORD, NEW_PASSWORD)
                d.sync()
            self.desks.append(path)
        with DeskSync(self.desks[0]) as d:
            d.acquire_lease("incoming", year)
        self.holder = 0
        self.unverified: set[int] = set()  # restored, no round has reached the server since
        self.backups: dict[int, Path] = {}

    # --- steps -----------------------------------------------------------------------------

    def wrote(self, number: int | None, doc_id: str) -> None:
        if number is None:
            return
        if number in self.paper and self.paper[number] != doc_id:
            raise AssertionError(f"number {number} told to two clerks")
        self.paper[number] = doc_id

    def draft(self, i: int) -> Any:
        from clerk_app.records import IncomingDraft

        return IncomingDraft(
            issuer="Sở Tài chính", reference="", issued_on=None, doc_type="Công văn",
            subject=f"Văn bản {len(self.paper)} bàn {i}",
        )  # fmt: skip

    def step(self, name: str) -> None:
        from clerk_app import errors

        self.counts[name] += 1
        i = self.rng.randrange(len(self.desks))
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
        with DeskSync(self.desks[i]) as d:
            got = online.register(d, self.draft(i))
        self.wrote(got.number, got.document_id)

    def do_offline(self, _i: int) -> None:
        from clerk_app.workspace import Workspace

        if self.holder < 0 or self.holder in self.unverified:
            return
        with Workspace.open(self.desks[self.holder], actor="clerk") as ws:
            done = ws.register_incoming(self.draft(self.holder)).document.summary
        self.wrote(done.number, done.id)

    def do_sync(self, i: int) -> None:
        from sync.engine import DeskSync

        with DeskSync(self.desks[i]) as d:
            d.sync()
        self.unverified.discard(i)

    def do_kill_desk(self, i: int) -> None:
        proc = subprocess.Popen(
            [sys.executable, "-c", KILLED_ROUND, str(self.desks[i])],
            env=os.environ | {"PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(self.rng.uniform(0, 0.4))
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    def do_kill_srv(self, _i: int) -> None:
        self.server.kill()

    def do_lost(self, i: int) -> None:
        from sync import desk_store
        from sync.engine import DeskSync

        with DeskSync(self.desks[i]) as d:
            with d.db.read() as s:
                batch = desk_store.pending_mutations(s, d.desk_id, 50)
            if batch:
                with d._client() as client:
                    d._send_files(client, desk_store.wanted_uploads(batch))
                    client.upload(batch)  # applied; the answer never reaches the desk

    def do_lease(self, _i: int) -> None:
        from sync.engine import DeskSync

        if self.holder in self.unverified:
            return
        to = self.rng.choice([k for k in range(len(self.desks)) if k != self.holder])
        if self.holder >= 0:
            with DeskSync(self.desks[self.holder]) as d:
                d.release_lease("incoming", self.year)
            self.holder = -1
        with DeskSync(self.desks[to]) as d:
            d.take_lease("incoming", self.year)
        self.holder = to

    def do_backup(self, i: int) -> None:
        target = self.root / f"backup-{self.desks[i].name}"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(self.desks[i], target)
        self.backups[i] = target

    def do_restore(self, i: int) -> None:
        if i not in self.backups:
            return
        shutil.rmtree(self.desks[i])
        shutil.copytree(self.backups[i], self.desks[i])
        self.unverified.add(i)

    def do_skew(self, i: int) -> None:
        from clerk_app import errors
        from sync import online
        from sync.engine import DeskSync

        ahead = DeskSync(self.desks[i], clock=lambda: datetime.now(UTC) + timedelta(days=2))
        with ahead as d:
            try:
                got = online.register(d, self.draft(i))
            except errors.ClockTooFarToNumber:
                return
        if got.online:
            raise AssertionError("a clock two days ahead was given a number online")
        self.wrote(got.number, got.document_id)  # offline: the holder's own, by its last reading

    # --- the end ----------------------------------------------------------------------------

    def settle(self) -> None:
        from clerk_app import errors
        from sync.engine import DeskSync

        if self.server.proc is None:
            self.server.start()
        for _ in range(4):
            for desk in self.desks:
                for attempt in range(3):
                    try:
                        with DeskSync(desk) as d:
                            d.sync()
                        break
                    except errors.ServerUnreachable:
                        time.sleep(0.5 * (attempt + 1))
        if self.holder >= 0:  # the lease goes back, so drafts still waiting are numbered
            with DeskSync(self.desks[self.holder]) as d:
                d.release_lease("incoming", self.year)
        for _ in range(2):
            for desk in self.desks:
                with DeskSync(desk) as d:
                    d.sync()

    def check(self) -> None:
        from tests.sync.conftest import check_desk, check_server

        registers = check_server(self.server, self.code)
        final = registers.get(("incoming", "chung", self.year), {})
        for number, doc_id in self.paper.items():
            if final.get(number) != doc_id:
                raise AssertionError(f"paper number {number} is not the server's")
        for desk in self.desks:
            check_desk(desk, registers)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--minutes", type=float, default=30.0, help="stop starting runs after this")
    ap.add_argument("--steps", type=int, default=14)
    ap.add_argument("--seed", type=int, default=20261207)
    ap.add_argument("--data-dir", type=Path, default=OUT_DIR)
    ap.add_argument("--append", action="store_true", help="append the counts to RESULTS.md")
    args = ap.parse_args()
    from clerk_app.clock import VIETNAM
    from tests.sync.conftest import RunningServer

    args.data_dir.mkdir(parents=True, exist_ok=True)
    fs = refuse_tmpfs(args.data_dir)
    root = Path(tempfile.mkdtemp(prefix="faults-", dir=args.data_dir))
    info = machine_info(root)
    year = datetime.now(VIETNAM).year
    server = RunningServer(f"sqlite:///{root / 'server.sqlite3'}", root)
    server.start()
    rng = random.Random(args.seed)
    steps: Counter[str] = Counter()
    outcome: Counter[str] = Counter()
    failures: list[str] = []
    started = time.monotonic()
    runs = 0
    try:
        while runs < args.runs and time.monotonic() - started < args.minutes * 60:
            runs += 1
            code = f"CQ{runs}"
            run_dir = root / code
            run_dir.mkdir()
            try:
                if server.proc is None:
                    server.start()
                run = Run(server, run_dir, code, rng, year)
                for _ in range(args.steps):
                    name = rng.choice(STEPS)
                    if name != "kill_srv" and server.proc is None and rng.random() < 0.5:
                        server.start()
                    run.step(name)
                run.settle()
                run.check()
                outcome["ok"] += 1
                steps.update(run.counts)
                outcome["numbers on paper"] += len(run.paper)
            except Exception as exc:  # a broken invariant or a crash: counted and kept
                outcome["failed"] += 1
                failures.append(f"run {runs}: {type(exc).__name__}: {str(exc)[:200]}")
                traceback.print_exc()
            shutil.rmtree(run_dir, ignore_errors=True)
            print(f"run {runs}: {dict(outcome)}", flush=True)
    finally:
        server.stop()
    minutes = (time.monotonic() - started) / 60
    rows = [[k, v] for k, v in sorted(outcome.items())] + [
        [f"step {k}", v] for k, v in sorted(steps.items())
    ]
    out = (
        "\n## Fault campaign (bench/fault_campaign.py, issue 12)\n\n"
        f"`.venv/bin/python bench/fault_campaign.py --minutes {args.minutes:g} --steps "
        f"{args.steps} --seed {args.seed}`, {info['date']}, {info['nproc']} vCPU {info['cpu']}, "
        f"{info['ram_gib']} GiB, {fs}, Python {info['python']}, SQLite {info['sqlite']}, load "
        f"{info['loadavg_at_start'][0]:.1f} at start. Server over SQLite. {runs} runs in "
        f"{minutes:.0f} min; each: a new agency, three desks, {args.steps} random steps, then "
        "every desk synced until quiet and the invariants checked.\n\n"
        + table(["count", "n"], rows)
        + "\n"
        + "".join(f"\n- {f}" for f in failures[:20])
        + ("\n" if failures else "")
    )
    print(out, flush=True)
    if args.append:
        with open(ROOT / "bench" / "RESULTS.md", "a", encoding="utf-8") as f:
            f.write(out)
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
