"""Online numbering on loopback: how long a registration waits for the server's number.

    .venv/bin/python bench/online_numbering.py [--documents N] [--data-dir D] [--append]

Two connected desks of one agency against `clerk-server serve` over SQLite (a child process, as
in the tests). Desk A holds the incoming register's lease, desk B does not; they take turns
registering an incoming document with a 1-page scan, and A runs a sync round (its runner) after
every fourth of its own. Timed: each registration from the call to the number on the desk
(where the desk stands and the server's time, the scan, the mutations, the feed page: four
requests). Each desk registers both ways, alternated in the same run:

- per call: a DeskSync opened for the registration (migrations checked, a new HTTP client and
  connection) and `sync.online.register`, the timing including the opening: what the window
  and `clerk register-*` paid at every registration before the desk kept its session;
- kept session: `sync.online.register_connected`, the desk and its kept-alive client opened
  once for the process.

The first turn (one registration per desk and way) is not timed, only reported: it pays the
process's first imports (the secrecy check's, ~0.4 s) and the desk without the lease's first
registration after a quiet spell is a draft by design (DESIGN.md, «The price»); it used to
land on that desk's figures alone, since it registers first.
Baseline, same run: the same registration on a standalone desk (local number, no server).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from _common import OUT_DIR, ROOT, machine_info, refuse_tmpfs, summarise, table

_spec = importlib.util.spec_from_file_location("bench_sync", ROOT / "bench" / "sync.py")
assert _spec is not None and _spec.loader is not None
bench_sync: Any = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_sync)

SCAN = 120 * 1024  # a 1-page scan, compressed


def run(root: Path, n: int, year: int) -> tuple[list[list[Any]], str]:
    from clerk_app.workspace import Workspace
    from sync import online
    from sync.engine import DeskSync

    bench = bench_sync.Bench(root)
    try:
        a, b = bench.agency("UBND", ["nvan1.ubnd", "ttbinh1.ubnd"])
        with DeskSync(a) as d:
            d.acquire_lease("incoming", year)
            d.sync()
        scans = [bench_sync.make_scan(root / f"scan-{i}.pdf", SCAN) for i in range(4 * n + 4)]
        took: dict[tuple[str, str], list[float]] = {
            (who, how): [] for who in ("other", "holder") for how in ("per call", "kept")
        }
        drafts = 0
        k = 0
        cold: list[str] = []
        for i in range(-1, n):
            # Both ways on both desks each turn, the order alternated so neither way always
            # follows the holder's sync round.
            order = ("per call", "kept") if i % 2 == 0 else ("kept", "per call")
            for how in order:
                for who, desk in (("other", b), ("holder", a)):
                    draft = bench_sync._incoming(k, [scans[k]])
                    k += 1
                    t0 = time.perf_counter()
                    if how == "kept":
                        got = online.register_connected(desk, draft)
                    else:
                        with DeskSync(desk) as d:
                            got = online.register(d, draft)
                    assert got is not None
                    if i < 0:  # the first turn, not timed: see the module's docstring
                        cold.append(f"{who}/{how} {1000 * (time.perf_counter() - t0):.0f} ms")
                        continue
                    took[who, how].append(time.perf_counter() - t0)
                    drafts += got.number is None
            if i % 2 == 1 or i < 0:
                with DeskSync(a) as d:
                    d.sync()
        online.close_sessions()
        local_dir = root / "standalone"
        Workspace.init(local_dir, agency_name="Cơ quan", agency_code="CQ").close()
        base: list[float] = []
        with Workspace.open(local_dir, actor="clerk") as ws:
            for k in range(n):
                t0 = time.perf_counter()
                ws.register_incoming(bench_sync._incoming(k, [scans[k]]))
                base.append(time.perf_counter() - t0)
    finally:
        bench.server.stop()
    rows = []
    sets: list[tuple[str, list[float]]] = [("baseline: standalone desk, local number", base)]
    for how in ("per call", "kept"):
        label = {"per call": "DeskSync and client per registration (before)",
                 "kept": "kept desk session, one client (after)"}[how]  # fmt: skip
        sets += [
            (f"{label}: desk without the lease", took["other", how]),
            (f"{label}: the lease holder", took["holder", how]),
            (f"{label}: both desks", took["other", how] + took["holder", how]),
        ]
    for label, samples in sets:
        s = summarise(sorted(samples))
        rows.append(
            [label, len(samples), f"{s['p50_ms']:.1f}", f"{s['p95_ms']:.1f}", f"{s['p99_ms']:.1f}"]
        )
    head = (
        f"`--documents {n}`: {4 * n} online registrations with a {SCAN // 1024} KiB scan, "
        f"{drafts} of them left as drafts (the holder's ceded numbers used up between its rounds). "
        f"Untimed first turn: {', '.join(cold)}."
    )
    return [["registration", "count", "p50 ms", "p95 ms", "p99 ms"], *rows], head


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--documents", type=int, default=100, help="registrations per desk and way")
    ap.add_argument("--data-dir", type=Path, default=OUT_DIR)
    ap.add_argument("--append", action="store_true", help="append the figures to RESULTS.md")
    args = ap.parse_args()
    from clerk_app.clock import VIETNAM

    args.data_dir.mkdir(parents=True, exist_ok=True)
    fs = refuse_tmpfs(args.data_dir)
    root = Path(tempfile.mkdtemp(prefix="online-bench-", dir=args.data_dir))
    info = machine_info(root)
    (header, *rows), head = run(root, args.documents, datetime.now(VIETNAM).year)
    out = (
        "\n## Online numbering latency on loopback (bench/online_numbering.py, issue 12)\n\n"
        f"`.venv/bin/python bench/online_numbering.py --documents {args.documents}`, "
        f"{info['date']}, {info['nproc']} vCPU {info['cpu']}, {info['ram_gib']} GiB, {fs}, "
        f"Python {info['python']}, SQLite {info['sqlite']}, load "
        f"{info['loadavg_at_start'][0]:.1f} at start, {os.getloadavg()[0]:.1f} at the end. Server: clerk-server (uvicorn) over SQLite "
        f"on the same machine. {head} Target: p95 ≤ 300 ms.\n\n" + table(header, rows) + "\n"
    )
    print(out, flush=True)
    if args.append:
        with open(ROOT / "bench" / "RESULTS.md", "a", encoding="utf-8") as f:
            f.write(out)
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
