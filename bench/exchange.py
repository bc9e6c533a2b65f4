"""Electronic exchange on loopback: from sending an issued document to the item in the recipient
agency's electronic inbox, against a real clerk-server over SQLite.

    .venv/bin/python bench/exchange.py [--rounds N] [--data-dir D] [--append]

send → inbox: `send_document()` on the sender's desk (what `clerk send` and «Phát hành» call),
        then the recipient desk's `ExchangeDesk.inbox()` until the item is listed (its files
        fetched, signatures checked); one issued document per round, with a 1-page scan
        (~0.4 MB) and a 10-page one (~4 MB). Target: ≤ 2 s.
cli:    the same with the commands a script runs, `clerk send` then `clerk inbox` (each a
        new Python process).
Baseline (same run): the sender's `DeskSync.sync()` uploading a registration with the same
        scan (the file and its row reaching the server through the ordinary sync).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import (
    BENCH_DIR,
    OUT_DIR,
    ROOT,
    machine_info,
    refuse_tmpfs,
    summarise,
    table,
    write_json,
)


def _sync_bench() -> Any:
    """bench/sync.py (its server and agencies), loaded by path: `sync` is the project's package."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("sync_bench", BENCH_DIR / "sync.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MB = 1024 * 1024


def _organs(bench: Any, codes: list[str]) -> None:
    from sync.server.database import ServerDatabase
    from sync.server.exchange import add_organ

    db = ServerDatabase(bench.server.db_url)
    with db.write() as s:
        for i, code in enumerate(codes):
            add_organ(s, f"000.0{i}.32.H44", f"Cơ quan {code}", code)
    db.close()


def _lease(desk: Path, kind: str, year: int) -> None:
    from sync.engine import DeskSync

    with DeskSync(desk) as d:
        d.acquire_lease(kind, year)


def _issue(desk: Path, scan: Path, i: int) -> str:
    from clerk_app.records import OutgoingDraft
    from clerk_app.workspace import Workspace

    with Workspace.open(desk) as ws:
        done = ws.register_outgoing(
            OutgoingDraft(
                doc_type="Quyết định",
                subject=f"Về việc giao chỉ tiêu đợt {i}",
                signer="Nguyễn Văn Hùng",
                recipients="Cơ quan NHAN",
                files=[scan],
            )
        )
    return done.document.summary.id


def _until_listed(desk: Path, subject: str) -> None:
    from sync.delivery import ExchangeDesk

    while True:
        with ExchangeDesk(desk) as d:
            items = d.inbox()["items"]
        if any(i["fields"]["subject"] == subject for i in items):
            return
        time.sleep(0.02)


def _clerk(desk: Path, *args: str) -> Any:
    env = os.environ | {"CLERK_DATA_DIR": str(desk), "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-m", "clerk_app", *args, "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(out.stdout)


def run(root: Path, rounds: int, year: int) -> dict[str, Any]:
    from sync.delivery import ExchangeDesk, send_document
    from sync.engine import DeskSync

    helpers = _sync_bench()
    bench = helpers.Bench(root)
    make_scan = helpers.make_scan
    try:
        (sender,) = bench.agency("GUI", ["vthu1.gui"])
        (recipient,) = bench.agency("NHAN", ["vthu1.nhan"])
        _organs(bench, ["GUI", "NHAN"])
        _lease(sender, "outgoing", year)
        _lease(sender, "incoming", year)
        sizes = {"1 page, 0.4 MB": int(0.4 * MB), "10 pages, 4 MB": 4 * MB}
        results: dict[str, Any] = {}
        n = 0
        for label, size in sizes.items():

            def scan(kind: str, i: int, size: int = size) -> Path:
                # Random bytes each time: no side holds the content from a round before.
                return make_scan(root / f"{kind}-{i}.pdf", size)

            sends, totals, baseline, cli = [], [], [], []
            for _ in range(rounds):
                n += 1
                doc = _issue(sender, scan("issued", n), n)
                with ExchangeDesk(recipient) as d:
                    d.inbox()  # the desk has looked already: only the new item is new
                t0 = time.perf_counter()
                send_document(sender, doc, ["NHAN"])
                t1 = time.perf_counter()
                _until_listed(recipient, f"Về việc giao chỉ tiêu đợt {n}")
                t2 = time.perf_counter()
                sends.append(t1 - t0)
                totals.append(t2 - t0)
                # Baseline: the ordinary sync of a registration carrying the same scan.
                from clerk_app.records import IncomingDraft
                from clerk_app.workspace import Workspace

                copy = scan("baseline", n)
                with Workspace.open(sender) as ws:
                    ws.register_incoming(
                        IncomingDraft(
                            issuer="Sở Tài chính",
                            reference=f"{n}/STC",
                            issued_on=None,
                            doc_type="Công văn",
                            subject=f"Đối chứng {n}",
                            files=[copy],
                            allow_duplicate=True,
                        )
                    )
                t3 = time.perf_counter()
                with DeskSync(sender) as d:
                    d.sync()
                baseline.append(time.perf_counter() - t3)
            for _ in range(max(1, rounds // 3)):
                n += 1
                doc = _issue(sender, scan("issued", n), n)
                t0 = time.perf_counter()
                _clerk(sender, "send", doc, "--to", "NHAN")
                while not any(
                    i["fields"]["subject"] == f"Về việc giao chỉ tiêu đợt {n}"
                    for i in _clerk(recipient, "inbox")["items"]
                ):
                    pass
                cli.append(time.perf_counter() - t0)
            results[label] = {
                "send": summarise(sends),
                "send_to_inbox": summarise(totals),
                "cli_send_to_inbox": summarise(cli),
                "baseline_sync": summarise(baseline),
            }
        return results
    finally:
        bench.server.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--data-dir", type=Path, default=OUT_DIR)
    ap.add_argument("--append", action="store_true", help="append the figures to RESULTS.md")
    args = ap.parse_args()
    from clerk_app.clock import VIETNAM

    args.data_dir.mkdir(parents=True, exist_ok=True)
    fs = refuse_tmpfs(args.data_dir)
    root = Path(tempfile.mkdtemp(prefix="exchange-bench-", dir=args.data_dir))
    info = machine_info(root)
    try:
        results = run(root, args.rounds, datetime.now(VIETNAM).year)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    write_json("exchange", {"machine": info, "at": datetime.now(UTC), "results": results})
    rows = []
    for label, r in results.items():
        for key, name in (
            ("send", "send_document() returns"),
            ("send_to_inbox", "send → listed in recipient's inbox"),
            ("cli_send_to_inbox", "`clerk send` → listed by `clerk inbox`"),
            ("baseline_sync", "baseline: DeskSync.sync() of one registration"),
        ):
            s = r[key]
            rows.append([label, name, s["n"], s["p50_ms"], s["p95_ms"], s["max_ms"]])
    text = (
        "\n## Electronic exchange: send → recipient's inbox on loopback (bench/exchange.py)\n\n"
        f"`.venv/bin/python bench/exchange.py --rounds {args.rounds}`, {info['date']}, "
        f"{info['nproc']} vCPU {info['cpu']}, {info['ram_gib']} GiB, {fs}, Python "
        f"{info['python']}, SQLite {info['sqlite']}, load {info['loadavg_at_start'][0]:.1f} "
        "at start. Server: clerk-server (uvicorn) over SQLite on the same machine; two agencies, "
        "one desk each. Target ≤ 2 s.\n\n"
        + table(["scan", "what", "n", "p50 ms", "p95 ms", "max ms"], rows)
        + "\n"
    )
    print(text)
    if args.append:
        with open(ROOT / "bench" / "RESULTS.md", "a", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
