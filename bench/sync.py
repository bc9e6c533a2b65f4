"""Sync throughput on loopback against a real clerk-server over SQLite: upload and download rates.

    .venv/bin/python bench/sync.py [--documents N] [--data-dir D] [--append]

One desk registers N incoming documents (no files) while not syncing, then one `DeskSync.sync()`
uploads them (mutations per minute uploaded); a second, freshly connected desk then downloads
them (rows per minute downloaded). Baseline in the same run: registering the same N documents
locally on the first desk (the desk's own write rate, which the upload has to keep up with).
The server is `clerk-server serve` (uvicorn) as a child process, as in the tests.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from _common import OUT_DIR, ROOT, machine_info, refuse_tmpfs, table

PASSWORD, NEW_PASSWORD = "mat-khau-ban-dau", "mat-khau-moi-2026"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--documents", type=int, default=1000)
    ap.add_argument("--data-dir", type=Path, default=OUT_DIR)
    ap.add_argument("--append", action="store_true", help="append the figures to RESULTS.md")
    args = ap.parse_args()

    import httpx

    from clerk_app.clock import VIETNAM
    from clerk_app.records import IncomingDraft
    from clerk_app.workspace import Workspace
    from sync.engine import DeskSync
    from sync.server import accounts
    from sync.server.database import ServerDatabase

    args.data_dir.mkdir(parents=True, exist_ok=True)
    fs = refuse_tmpfs(args.data_dir)
    root = Path(tempfile.mkdtemp(prefix="sync-bench-", dir=args.data_dir))
    info = machine_info(root)
    year = datetime.now(VIETNAM).year
    db_url = f"sqlite:///{root / 'server.sqlite3'}"
    db = ServerDatabase(db_url)
    db.migrate()
    with db.write() as s:
        accounts.create_agency(s, "UBND", "Ủy ban nhân dân tỉnh Phú Yên", datetime.now(UTC))
        for name in ("nvan1.ubnd", "ttbinh1.ubnd"):
            accounts.create_account(s, "UBND", name, "clerk", PASSWORD, datetime.now(UTC))
    db.close()
    port = _port()
    url = f"http://127.0.0.1:{port}"
    with open(root / "server.log", "ab") as log:  # the child keeps its own copy of the fd
        server = subprocess.Popen(
            [sys.executable, "-m", "sync.server.cli", "serve", "--db", db_url, "--host",
             "127.0.0.1", "--port", str(port), "--files-dir", str(root / "server-files")],
            stdout=log, stderr=subprocess.STDOUT, env=os.environ | {"PYTHONPATH": str(ROOT)},
        )  # fmt: skip
    try:
        for _ in range(300):
            try:
                httpx.get(url + "/v1/hello", headers={"X-Clerk-Protocol": "1"}, timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        desks = []
        for name, user in (("a", "nvan1.ubnd"), ("b", "ttbinh1.ubnd")):
            path = root / name
            Workspace.init(
                path, agency_name="Ủy ban nhân dân tỉnh Phú Yên", agency_code="UBND", year=year
            ).close()
            with DeskSync(path) as d:
                d.connect(url, user, PASSWORD, NEW_PASSWORD)
            desks.append(path)
        a, b = desks
        with DeskSync(a) as d:
            d.sync()
            d.acquire_lease("incoming", year)

        n = args.documents
        t0 = time.perf_counter()
        with Workspace.open(a, actor="nvan1.ubnd") as ws:
            for i in range(n):
                ws.register_incoming(
                    IncomingDraft(
                        issuer="Sở Tài chính",
                        reference=f"{i + 1}/STC-NS",
                        issued_on=None,
                        doc_type="Công văn",
                        subject=f"Về việc quyết toán ngân sách đợt {i + 1}",
                    )
                )
        local_s = time.perf_counter() - t0

        with DeskSync(a) as d:
            t0 = time.perf_counter()
            up = d.sync()
            upload_s = time.perf_counter() - t0
        with DeskSync(b) as d:
            t0 = time.perf_counter()
            down = d.sync()
            download_s = time.perf_counter() - t0
        assert up.sent == n and up.accepted == n and not up.rejected, up.as_json()
        assert down.received == n, down.as_json()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)

    per_min = {
        "local": n / local_s * 60,
        "upload": n / upload_s * 60,
        "download": n / download_s * 60,
    }
    rows = [
        ["baseline: registered locally on the desk, per minute", f"{per_min['local']:,.0f}",
         f"{local_s:.2f}", "1.00"],
        ["mutations uploaded per minute (one sync)", f"{per_min['upload']:,.0f}",
         f"{upload_s:.2f}", f"{per_min['upload'] / per_min['local']:.2f}"],
        ["rows downloaded per minute (fresh desk)", f"{per_min['download']:,.0f}",
         f"{download_s:.2f}", f"{per_min['download'] / per_min['local']:.2f}"],
    ]  # fmt: skip
    text = (
        f"\n## Sync throughput on loopback (bench/sync.py)\n\n"
        f"`.venv/bin/python bench/sync.py --documents {n}`, {info['date']}, {info['nproc']} vCPU "
        f"{info['cpu']}, {info['ram_gib']} GiB, {fs}, Python {info['python']}, SQLite "
        f"{info['sqlite']}, load {info['loadavg_at_start'][0]:.1f} at start. Server: "
        f"clerk-server (uvicorn) over SQLite on the same machine, one process.\n\n"
        + table(["figure", "per minute", "seconds", "ratio to baseline"], rows)
        + "\n"
    )
    print(text)
    if args.append:
        with open(ROOT / "bench" / "RESULTS.md", "a", encoding="utf-8") as f:
            f.write(text)
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
