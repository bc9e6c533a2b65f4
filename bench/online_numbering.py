"""Online numbering on loopback: how long a registration waits for the server's number.

    .venv/bin/python bench/online_numbering.py [--documents N] [--data-dir D] [--append]

Two connected desks of one agency against `clerk-server serve` over SQLite (a child process, as
in the tests). Desk A holds the incoming register's lease, desk B does not; they take turns
registering an incoming document with a 1-page scan through `sync.online.register`, and A runs
a sync round (its runner) after every fourth of its own. Timed: each registration from the
call to the number on the desk (where the desk stands and the server's time, the scan, the
mutations, the feed page: four requests).
Baseline, same run: the same registration on a standalone desk (local number, no server).
"""

from __future__ import annotations

import argparse
import importlib.util
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
        scans = [bench_sync.make_scan(root / f"scan-{i}.pdf", SCAN) for i in range(2 * n)]
        took: dict[str, list[float]] = {"holder": [], "other": []}
        drafts = 0
        for i in range(n):
            for who, desk in (("other", b), ("holder", a)):
                k = len(took["holder"]) + len(took["other"])
                with DeskSync(desk) as d:
                    t0 = time.perf_counter()
                    got = online.register(d, bench_sync._incoming(k, [scans[k]]))
                    took[who].append(time.perf_counter() - t0)
                drafts += got.number is None
            if i % 4 == 3:
                with DeskSync(a) as d:
                    d.sync()
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
    both = took["holder"] + took["other"]
    rows = []
    for label, samples in (
        ("baseline: standalone desk, local number", base),
        ("online, desk without the lease", took["other"]),
        ("online, the lease holder", took["holder"]),
        ("online, both desks", both),
    ):
        s = summarise(sorted(samples))
        rows.append(
            [label, len(samples), f"{s['p50_ms']:.1f}", f"{s['p95_ms']:.1f}", f"{s['p99_ms']:.1f}"]
        )
    head = (
        f"`--documents {n}`: {2 * n} online registrations with a {SCAN // 1024} KiB scan, "
        f"{drafts} of them left as drafts (the holder's ceded numbers used up between its rounds)."
    )
    return [["registration", "count", "p50 ms", "p95 ms", "p99 ms"], *rows], head


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--documents", type=int, default=100, help="registrations per desk")
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
        f"{info['loadavg_at_start'][0]:.1f} at start. Server: clerk-server (uvicorn) over SQLite "
        f"on the same machine. {head} Target: p95 ≤ 300 ms.\n\n" + table(header, rows) + "\n"
    )
    print(out, flush=True)
    if args.append:
        with open(ROOT / "bench" / "RESULTS.md", "a", encoding="utf-8") as f:
            f.write(out)
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
