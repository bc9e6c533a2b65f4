"""Registration commit latency with synchronous=FULL, against the floor cost of a durable commit.

    .venv/bin/python bench/registration.py [--documents N] [--data-dir D] [--rounds R]
                                           [--copy-of EXISTING_DESK]

Opens a fresh Workspace in a temporary directory under D (default bench/out/, which must be on a
real disk, not tmpfs) and times each `Workspace.register_incoming` call, N without files and N
with a small one-page PDF (each PDF different, so the duplicate check does not refuse them).
In the same run, as baselines, a bare `sqlite3` connection in WAL mode does one single-row
INSERT + COMMIT per iteration with synchronous=FULL (the floor cost of a durable commit on this
disk) and with synchronous=NORMAL (for context), and "blob + commit" does what the PDF case
cannot avoid: one `ContentStore.put` (file fsync + three directory fsyncs) then a FULL commit.

The variants run interleaved in R rounds, the order rotating each round, so the noise of a
shared machine falls on all of them alike; compare ratios, not absolute times.

A phase breakdown (validation of the file, duplicate check, blob store, write transaction and
its COMMIT, read-back of the registered document) is taken by wrapping those functions; the
wrappers cost microseconds.

With --copy-of, the Workspace is a copy of an existing desk (e.g. the 1,000,000-document demo)
instead of a fresh one, to see whether registration slows down as the database grows.

With --idle-maintenance, a second desk (another fresh one, or another copy) runs the same two
variants with the two pieces of deferred work that otherwise land inside an unlucky COMMIT moved
out of it (a monkeypatched variant; the app is not changed):
  * SQLite's automatic WAL checkpoint (every 1000 WAL pages): switched off on the desk's
    connections (`PRAGMA wal_autocheckpoint=0`, set by an extra "connect" listener);
  * FTS5's automatic segment merging (run when a transaction's new segment is flushed, i.e. in
    COMMIT): switched off in that desk's copy with
    `INSERT INTO document_fts(document_fts, rank) VALUES('automerge', 0)`;
and a separate connection doing, every --maintenance-every registrations and outside the timed
call, as an idle-time timer would: `INSERT INTO document_fts(document_fts, rank)
VALUES('merge', 200)` in its own write transaction, then `PRAGMA wal_checkpoint(PASSIVE)`.
Their own durations are reported separately.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sqlite3
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from _common import (
    OUT_DIR,
    machine_info,
    refuse_tmpfs,
    summarise,
    table,
    write_json,
)
from sqlalchemy import event

import clerk_app.workspace as workspace_module
from clerk_app.demo import ACTIONS, ISSUERS, OBJECTS
from clerk_app.files.store import ContentStore
from clerk_app.records import IncomingDraft
from clerk_app.storage.database import DB_FILENAME
from clerk_app.workspace import Workspace

TARGET_P95_MS = 20.0
PAYLOAD = "x" * 600  # about the size of a document row


# --- phase instrumentation -------------------------------------------------------------------


class Phases:
    """Accumulates seconds per phase for the call in progress."""

    def __init__(self) -> None:
        self.current: dict[str, float] = defaultdict(float)

    def reset(self) -> dict[str, float]:
        done, self.current = dict(self.current), defaultdict(float)
        return done

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.current[name] += time.perf_counter() - t0

        return timed

    def wrap_cm(self, name: str, factory: Callable[[], Any]) -> Callable[[], Any]:
        phases = self

        @contextlib.contextmanager
        def timed() -> Iterator[Any]:
            t0 = time.perf_counter()
            try:
                with factory() as value:
                    yield value
            finally:
                phases.current[name] += time.perf_counter() - t0

        return timed


def instrument(ws: Workspace, phases: Phases, *, module: bool = True) -> None:
    """Time the phases of register_incoming (module and instance attributes only)."""
    if module:
        workspace_module.prepare_all = phases.wrap("prepare_files", workspace_module.prepare_all)
    ws._duplicate = phases.wrap("duplicate_check", ws._duplicate)
    ws._put_files = phases.wrap("store_blobs", ws._put_files)
    ws.document = phases.wrap("read_back", ws.document)
    db = ws._db
    db.write = phases.wrap_cm("write_txn", db.write)
    dialect = db.engine.dialect
    dialect.do_commit = phases.wrap("commit", dialect.do_commit)


# --- the variants ----------------------------------------------------------------------------


def make_pdfs(folder: Path, count: int) -> list[Path]:
    """`count` different one-page PDFs of about 1–2 KB."""
    import pymupdf

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        doc = pymupdf.open()
        page = doc.new_page(width=595, height=842)
        page.insert_text((72, 72), f"Cong van so {i}/BENCH - ban chup thu nghiem", fontsize=12)
        path = folder / f"scan-{i:05d}.pdf"
        doc.save(path, deflate=True, garbage=3)
        doc.close()
        paths.append(path)
    return paths


def baseline_db(path: Path, synchronous: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, payload TEXT NOT NULL)")
    return conn


def commit_one(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO t(payload) VALUES (?)", (PAYLOAD,))
    conn.execute("COMMIT")


def drafts(kind: str, pdfs: list[Path]) -> Iterator[IncomingDraft]:
    i = 0
    while True:
        issuer, code = ISSUERS[i % len(ISSUERS)]
        files: tuple[Path, ...] = ()
        if kind == "pdf":
            files = (pdfs[i % len(pdfs)],)
        yield IncomingDraft(
            issuer=issuer,
            reference=f"{i + 1}/{code}-BENCH{kind.upper()}",
            issued_on=date.today(),
            doc_type="Công văn",
            subject=f"Về việc {ACTIONS[i % len(ACTIONS)]} {OBJECTS[i % len(OBJECTS)]}",
            urgency="Khẩn" if i % 10 == 0 else "Thường",
            files=files,
        )
        i += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=500, help="registrations per variant")
    parser.add_argument(
        "--data-dir", type=Path, default=OUT_DIR, help="parent of the temporary work directory"
    )
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--copy-of", type=Path, help="register into a copy of this desk")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument(
        "--idle-maintenance",
        action="store_true",
        help="also time a desk whose WAL checkpoint and FTS merging run between calls",
    )
    parser.add_argument("--maintenance-every", type=int, default=10)
    args = parser.parse_args()

    parent = args.data_dir.resolve()
    parent.mkdir(parents=True, exist_ok=True)
    fs = refuse_tmpfs(parent)
    work = parent / f"registration-{time.strftime('%Y%m%d-%H%M%S')}"
    work.mkdir()
    print(f"work directory {work} ({fs})")
    machine = machine_info(work)
    try:
        result = run(args, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    result["machine"] = machine
    result["command"] = "bench/registration.py " + " ".join(
        f"--{k.replace('_', '-')}" + ("" if v is True else f" {v}")
        for k, v in vars(args).items()
        if v not in (None, False)
    )
    path = write_json("registration", result)
    print(f"\nfigures written to {path}")


def open_desk(args: argparse.Namespace, desk: Path) -> Workspace:
    if args.copy_of:
        t0 = time.perf_counter()
        shutil.copytree(args.copy_of, desk)
        print(f"copied {args.copy_of} in {time.perf_counter() - t0:.1f} s")
        return Workspace.open(desk, actor="bench")
    return Workspace.init(desk, agency_name="Sở Thử nghiệm", agency_code="STN", actor="bench")


def no_autocheckpoint(ws: Workspace) -> None:
    """Monkeypatched variant: the desk's own connections never checkpoint inside a COMMIT."""
    engine = ws._db.engine

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")

    event.listen(engine, "connect", on_connect)
    engine.dispose()  # pooled connections were opened without it


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    n = args.documents
    desk = work / "desk"
    ws = open_desk(args, desk)
    pdfs = make_pdfs(work / "scans", n + args.warmup)
    pdf_sizes = sorted(p.stat().st_size for p in pdfs)
    phases = Phases()
    instrument(ws, phases)

    full = baseline_db(work / "baseline-full.sqlite3", "FULL")
    normal = baseline_db(work / "baseline-normal.sqlite3", "NORMAL")
    blob_store = ContentStore(work / "baseline-blobs")
    blob_db = baseline_db(work / "baseline-blob.sqlite3", "FULL")
    blob_payloads = iter([p.read_bytes() for p in pdfs])

    plain_drafts = drafts("plain", pdfs)
    pdf_drafts = drafts("pdf", pdfs)

    def blob_and_commit() -> None:
        blob_store.put(next(blob_payloads))
        commit_one(blob_db)

    variants: dict[str, Callable[[], Any]] = {
        "register_incoming (no file)": lambda: ws.register_incoming(next(plain_drafts)),
        "register_incoming (1-page PDF)": lambda: ws.register_incoming(next(pdf_drafts)),
        "baseline sqlite3 FULL": lambda: commit_one(full),
        "baseline sqlite3 NORMAL": lambda: commit_one(normal),
        "baseline blob put + FULL commit": blob_and_commit,
    }
    # after-call hooks run outside the timing (the idle-time maintenance)
    after: dict[str, Callable[[], None]] = {}
    merge_times: list[float] = []
    checkpoint_times: list[float] = []
    ws_idle = None
    if args.idle_maintenance:
        idle_dir = work / "desk-idle-maintenance"
        ws_idle = open_desk(args, idle_dir)
        no_autocheckpoint(ws_idle)
        instrument(ws_idle, phases, module=False)
        keeper = sqlite3.connect(idle_dir / DB_FILENAME, isolation_level=None)
        keeper.execute("PRAGMA synchronous=FULL")
        keeper.execute("PRAGMA busy_timeout=10000")
        keeper.execute("INSERT INTO document_fts(document_fts, rank) VALUES('automerge', 0)")
        idle_plain = drafts("plain", pdfs)
        idle_pdf = drafts("pdf", pdfs)
        calls = {"n": 0}

        def idle_maintenance() -> None:
            calls["n"] += 1
            if calls["n"] % args.maintenance_every:
                return
            t0 = time.perf_counter()
            keeper.execute("BEGIN IMMEDIATE")
            keeper.execute("INSERT INTO document_fts(document_fts, rank) VALUES('merge', 200)")
            keeper.execute("COMMIT")
            t1 = time.perf_counter()
            keeper.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            merge_times.append(t1 - t0)
            checkpoint_times.append(time.perf_counter() - t1)

        plain_name = "idle maintenance: register_incoming (no file)"
        pdf_name = "idle maintenance: register_incoming (1-page PDF)"
        variants[plain_name] = lambda: ws_idle.register_incoming(next(idle_plain))
        variants[pdf_name] = lambda: ws_idle.register_incoming(next(idle_pdf))
        after[plain_name] = idle_maintenance
        after[pdf_name] = idle_maintenance

    samples: dict[str, list[float]] = {name: [] for name in variants}
    breakdown: dict[str, list[dict[str, float]]] = {name: [] for name in variants}

    # Copies and fresh files leave dirty pages (gigabytes after --copy-of); written back in the
    # background they would stall the fsyncs being timed. Flush them first.
    t0 = time.perf_counter()
    os.sync()
    print(f"sync() before timing took {time.perf_counter() - t0:.1f} s")
    for name, call in variants.items():  # warm-up: imports, caches, first pages
        for _ in range(args.warmup):
            call()
            after.get(name, lambda: None)()
        phases.reset()
    checkpoint_times.clear()
    merge_times.clear()

    names = list(variants)
    per_round = [n // args.rounds + (1 if r < n % args.rounds else 0) for r in range(args.rounds)]
    for r, count in enumerate(per_round):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            call = variants[name]
            for _ in range(count):
                phases.reset()
                t0 = time.perf_counter()
                call()
                samples[name].append(time.perf_counter() - t0)
                breakdown[name].append(phases.reset())
                after.get(name, lambda: None)()
        print(f"round {r + 1}/{args.rounds} done", flush=True)

    ws.close()
    if ws_idle is not None:
        ws_idle.close()
        keeper.close()
    for conn in (full, normal, blob_db):
        conn.close()
    db_bytes = (desk / DB_FILENAME).stat().st_size

    stats = {name: summarise(s) for name, s in samples.items()}
    floor = stats["baseline sqlite3 FULL"]
    blob_floor = stats["baseline blob put + FULL commit"]
    rows = []
    for name, st in stats.items():
        rows.append(
            [
                name,
                st["n"],
                st["p50_ms"],
                st["p95_ms"],
                st["p99_ms"],
                st["max_ms"],
                st["p50_ms"] / floor["p50_ms"],
                st["p95_ms"] / floor["p95_ms"],
            ]
        )
    print()
    print(
        table(
            ["variant", "n", "p50 ms", "p95 ms", "p99 ms", "max ms", "p50 ÷ FULL", "p95 ÷ FULL"],
            rows,
        )
    )

    phase_names = [
        "prepare_files",
        "duplicate_check",
        "store_blobs",
        "write_txn",
        "commit",
        "read_back",
    ]
    phase_stats: dict[str, dict[str, dict[str, float]]] = {}
    phase_rows = []
    desk_variants = [name for name in names if "register_incoming" in name]
    for name in desk_variants:
        per_phase = {}
        for ph in phase_names:
            per_phase[ph] = summarise([b.get(ph, 0.0) for b in breakdown[name]])
        totals = samples[name]
        accounted = [
            sum(b.get(ph, 0.0) for ph in phase_names if ph != "commit") for b in breakdown[name]
        ]
        per_phase["other (validation, ORM, Python)"] = summarise(
            [max(t - a, 0.0) for t, a in zip(totals, accounted, strict=True)]
        )
        phase_stats[name] = per_phase
        for ph, st in per_phase.items():
            label = ph if ph != "commit" else "  of which COMMIT (fsync)"
            phase_rows.append([name, label, st["mean_ms"], st["p50_ms"], st["p95_ms"]])
    print()
    print(table(["variant", "phase", "mean ms", "p50 ms", "p95 ms"], phase_rows))

    verdict = {}
    for name in desk_variants:
        st = stats[name]
        verdict[name] = {
            "p95_ms": st["p95_ms"],
            "target_p95_ms": TARGET_P95_MS,
            "met": st["p95_ms"] <= TARGET_P95_MS,
            "p50_ratio_to_full_commit": round(st["p50_ms"] / floor["p50_ms"], 2),
            "p95_ratio_to_full_commit": round(st["p95_ms"] / floor["p95_ms"], 2),
        }
    for name in desk_variants:
        if "PDF" in name:
            verdict[name]["p95_ratio_to_blob_floor"] = round(
                stats[name]["p95_ms"] / blob_floor["p95_ms"], 2
            )
    maintenance = None
    if checkpoint_times:
        maintenance = {
            "every": args.maintenance_every,
            "fts_merge": summarise(merge_times),
            "wal_checkpoint": summarise(checkpoint_times),
        }
        print(f"\nidle-time maintenance every {args.maintenance_every} registrations (untimed):")
        for label, key in (("FTS 'merge', 200", "fts_merge"), ("wal_checkpoint", "wal_checkpoint")):
            st = maintenance[key]
            print(
                f"  {label}: p50 {st['p50_ms']:.1f} ms, p95 {st['p95_ms']:.1f} ms, "
                f"max {st['max_ms']:.1f} ms"
            )
    return {
        "benchmark": "registration",
        "documents_per_variant": n,
        "rounds": args.rounds,
        "warmup_per_variant": args.warmup,
        "copy_of": str(args.copy_of) if args.copy_of else None,
        "pdf_bytes_min_max": [pdf_sizes[0], pdf_sizes[-1]],
        "desk_db_bytes_after": db_bytes,
        "stats": stats,
        "phases": phase_stats,
        "verdict": verdict,
        "idle_maintenance": maintenance,
    }


if __name__ == "__main__":
    main()
