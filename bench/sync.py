"""Sync on loopback against a real clerk-server over SQLite: rows, file throughput, outage recovery.

    .venv/bin/python bench/sync.py [--only rows,files,outage] [--documents N]
                                   [--outage-documents N] [--data-dir D] [--append]

rows:   one desk registers N incoming documents (no files) while not syncing, then one
        `DeskSync.sync()` uploads them (mutations per minute); a second, freshly connected desk
        downloads them (rows per minute). Baseline: registering the same N locally.
files:  a desk registers documents with scans of realistic sizes (1-page, 10-page and 50-page
        scans), uploads them in one sync, a second desk downloads them (MB/s each way).
        Baseline: a raw httpx POST (and GET) of the same bytes to a bare uvicorn app on loopback.
outage: the lease holder registers N documents with a 1-page scan each while the server is
        down, a second desk makes drafts; the time from the server being reachable again to
        both desks converged. Baseline: the same N registered online one by one (each synced).
The server is `clerk-server serve` (uvicorn) as a child process, as in the tests.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import OUT_DIR, ROOT, machine_info, refuse_tmpfs, table

PASSWORD, NEW_PASSWORD = "mat-khau-ban-dau", "mat-khau-moi-2026"
MB = 1024 * 1024
# Scans as offices make them (200–300 dpi, JPEG in PDF): 1 page ≈ 0.4 MB, 10 pages ≈ 4 MB,
# a 50-page dossier ≈ 20 MB.
SCAN_MIX = [400 * 1024] * 16 + [4 * MB] * 4 + [20 * MB]
OUTAGE_SCAN = 120 * 1024  # a 1-page scan, compressed, for the outage run
SECTIONS = ("rows", "files", "outage")

# A bare app on loopback: what HTTP alone costs for the same bytes (the files baseline).
SINK_APP = """
import os
from pathlib import Path
from starlette.applications import Starlette
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Route

ROOT = Path(__import__("os").environ["SINK_DIR"])

async def put(request):
    n = 0
    async for chunk in request.stream():
        n += len(chunk)
    return JSONResponse({"received": n})

async def get(request):
    return FileResponse(ROOT / request.path_params["name"])

async def put_durable(request):
    # The same body written to a file and fsynced, its directory too: what durability alone adds.
    path = ROOT / "durable" / request.path_params["name"]
    n = 0
    with open(path, "wb") as f:
        async for chunk in request.stream():
            f.write(chunk)
            n += len(chunk)
        f.flush()
        os.fsync(f.fileno())
    fd = os.open(path.parent, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)
    return JSONResponse({"received": n})

app = Starlette(routes=[
    Route("/sink", put, methods=["POST"]),
    Route("/sink-durable/{name}", put_durable, methods=["POST"]),
    Route("/sink/{name}", get),
])
"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_up(url: str) -> None:
    import httpx

    for _ in range(600):
        try:
            httpx.get(url, headers={"X-Clerk-Protocol": "1"}, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer")


class Server:
    """clerk-server as a child process on a fixed port, so it can be stopped and started again."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.db_url = f"sqlite:///{root / 'server.sqlite3'}"
        self.port = _port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.extra: list[str] = []  # more `serve` options

    def start(self) -> None:
        with open(self.root / "server.log", "ab") as log:  # the child keeps its own fd
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "sync.server.cli", "serve", "--db", self.db_url,
                 "--host", "127.0.0.1", "--port", str(self.port), "--files-dir",
                 str(self.root / "server-files"), *self.extra],
                stdout=log, stderr=subprocess.STDOUT, env=os.environ | {"PYTHONPATH": str(ROOT)},
            )  # fmt: skip
        _wait_up(self.url + "/v1/hello")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(30)
            self.proc = None


class Bench:
    def __init__(self, root: Path) -> None:
        from sync.server.database import ServerDatabase

        self.root = root
        self.server = Server(root)
        db = ServerDatabase(self.server.db_url)
        db.migrate()
        db.close()
        self.server.start()

    def agency(self, code: str, users: list[str]) -> list[Path]:
        """A fresh agency on the server with one connected desk per user."""
        from clerk_app.workspace import Workspace
        from sync.engine import DeskSync
        from sync.server import accounts
        from sync.server.database import ServerDatabase

        db = ServerDatabase(self.server.db_url)
        with db.write() as s:
            accounts.create_agency(s, code, f"Cơ quan {code}", datetime.now(UTC))
            for user in users:
                accounts.create_account(s, code, user, "clerk", PASSWORD, datetime.now(UTC))
        db.close()
        desks = []
        for user in users:
            path = self.root / user
            Workspace.init(path, agency_name=f"Cơ quan {code}", agency_code=code).close()
            with DeskSync(path) as d:
                d.connect(self.server.url, user, PASSWORD, NEW_PASSWORD)
                d.sync()
            desks.append(path)
        return desks


def _incoming(i: int, files: list[Path] | None = None) -> Any:
    from clerk_app.records import IncomingDraft

    return IncomingDraft(
        issuer="Sở Tài chính",
        reference=f"{i + 1}/STC-NS",
        issued_on=None,
        doc_type="Công văn",
        subject=f"Về việc quyết toán ngân sách đợt {i + 1}",
        files=files or [],
    )


def make_scan(path: Path, size: int) -> Path:
    """A valid one-page PDF of about `size` bytes; the bulk is incompressible, like JPEG data."""
    import pymupdf as fitz

    doc = fitz.open()
    doc.new_page().insert_text((72, 72), path.stem)
    doc.embfile_add("scan.jpg", os.urandom(size))
    path.write_bytes(doc.tobytes())
    return path


def _cpu_s(pid: int | None = None) -> float:
    """CPU seconds (user + system, every thread) of this process, or of process `pid`."""
    if pid is None:
        return time.process_time()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def _sync(desk: Path) -> Any:
    from sync.engine import DeskSync

    with DeskSync(desk) as d:
        return d.sync()


def _lease(desk: Path, year: int) -> None:
    from sync.engine import DeskSync

    with DeskSync(desk) as d:
        d.acquire_lease("incoming", year)


def bench_rows(bench: Bench, n: int, year: int) -> tuple[list[list[str]], str]:
    from clerk_app.workspace import Workspace

    a, b = bench.agency("UBND", ["nvan1.ubnd", "ttbinh1.ubnd"])
    _lease(a, year)

    def register() -> None:
        with Workspace.open(a, actor="nvan1.ubnd") as ws:
            for i in range(n):
                ws.register_incoming(_incoming(i))

    _, local_s = _timed(register)
    up, upload_s = _timed(lambda: _sync(a))
    down, download_s = _timed(lambda: _sync(b))
    assert up.sent >= n and up.accepted >= n and not up.rejected, up.as_json()
    assert down.received == n, down.as_json()
    per_min = {"local": n / local_s * 60, "up": n / upload_s * 60, "down": n / download_s * 60}
    rows = [
        ["baseline: registered locally on the desk, per minute", f"{per_min['local']:,.0f}",
         f"{local_s:.2f}", "1.00"],
        ["mutations uploaded per minute (one sync)", f"{per_min['up']:,.0f}",
         f"{upload_s:.2f}", f"{per_min['up'] / per_min['local']:.2f}"],
        ["rows downloaded per minute (fresh desk)", f"{per_min['down']:,.0f}",
         f"{download_s:.2f}", f"{per_min['down'] / per_min['local']:.2f}"],
    ]  # fmt: skip
    head = f"`--documents {n}`; one desk uploads, a fresh desk downloads."
    return [["figure", "per minute", "seconds", "ratio to baseline"], *rows], head


def _bare_fsync(root: Path, scans: list[Path]) -> float:
    """Seconds to write every scan's bytes to a new file and fsync it (and its directory), one
    after another, no HTTP: the floor durability alone sets."""
    folder = root / "bare-fsync"
    folder.mkdir()
    data = [p.read_bytes() for p in scans]
    t0 = time.perf_counter()
    for p, raw in zip(scans, data, strict=True):
        with open(folder / p.name, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        fd = os.open(folder, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
    return time.perf_counter() - t0


def _sink_baseline(
    root: Path, scans: list[Path]
) -> tuple[float, float, float, tuple[float, float]]:
    """Seconds to POST, then GET, every scan's bytes to a bare uvicorn app on loopback, and to
    POST them to a route that writes and fsyncs each body; the CPU seconds of the POST (the
    client's, the app's)."""
    import httpx

    sink_dir = root / "sink"
    (sink_dir / "durable").mkdir(parents=True)
    for p in scans:
        shutil.copyfile(p, sink_dir / p.name)
    port = _port()
    app = root / "sink_app.py"
    app.write_text(SINK_APP, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--app-dir", str(root), "sink_app:app",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=os.environ | {"SINK_DIR": str(sink_dir)},
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                httpx.post(url + "/sink", content=b"", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        with httpx.Client(base_url=url, timeout=60) as client:
            cpu0 = _cpu_s(), _cpu_s(proc.pid)
            t0 = time.perf_counter()
            for p in scans:
                got = client.post("/sink", content=p.read_bytes()).json()["received"]
                assert got == p.stat().st_size
            post_s = time.perf_counter() - t0
            post_cpu = _cpu_s() - cpu0[0], _cpu_s(proc.pid) - cpu0[1]
            t0 = time.perf_counter()
            for p in scans:
                digest = hashlib.sha256()
                with client.stream("GET", f"/sink/{p.name}") as r:
                    for chunk in r.iter_bytes(MB):
                        digest.update(chunk)
                # The desk hashes and stores what it downloads; the baseline hashes it too.
                assert digest.hexdigest() == hashlib.sha256(p.read_bytes()).hexdigest()
            get_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            for p in scans:
                got = client.post(f"/sink-durable/{p.name}", content=p.read_bytes()).json()
                assert got["received"] == p.stat().st_size
            durable_s = time.perf_counter() - t0
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    return post_s, get_s, durable_s, post_cpu


def bench_files(bench: Bench, year: int) -> tuple[list[list[str]], str]:
    from clerk_app.workspace import Workspace

    a, b = bench.agency("STC", ["nvan1.stc", "ttbinh1.stc"])
    _lease(a, year)
    scan_dir = bench.root / "scans"
    scan_dir.mkdir()
    scans = [make_scan(scan_dir / f"scan-{i:02d}.pdf", size) for i, size in enumerate(SCAN_MIX)]
    total = sum(p.stat().st_size for p in scans) / MB
    with Workspace.open(a, actor="nvan1.stc") as ws:
        for i, p in enumerate(scans):
            ws.register_incoming(_incoming(i, [p]))
    from sync.client import ServerClient
    from sync.engine import DeskSync

    # The part of the upload that moves the scans: from the first request about them (what the
    # server lacks, or their bytes) to the last one's answer, whatever runs beside them (the
    # registrations, the standing, the feed: the rest of the upload).
    spans: list[tuple[float, float]] = []
    real = {n: getattr(ServerClient, n) for n in ("missing_files", "put_files", "put_chunk")}

    def timed(call: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                spans.append((t0, time.perf_counter()))

        return run

    for name, call in real.items():
        setattr(ServerClient, name, timed(call))
    # Opened before the clock starts, as the desk's sync runner keeps them open (opening
    # checks the migrations: not part of moving the bytes).
    with DeskSync(a) as da, DeskSync(b) as db:
        assert bench.server.proc is not None
        cpu0 = _cpu_s(), _cpu_s(bench.server.proc.pid)
        try:
            up, upload_s = _timed(da.sync)
            cpu = _cpu_s() - cpu0[0], _cpu_s(bench.server.proc.pid) - cpu0[1]
        finally:
            for name, call in real.items():
                setattr(ServerClient, name, call)
        send_s = max(end for _s, end in spans) - min(start for start, _e in spans)
        down, download_s = _timed(db.sync)
    assert up.files_sent >= len(scans) and down.files_received >= len(scans), (up, down)
    post_s, get_s, durable_s, post_cpu = _sink_baseline(bench.root, scans)
    fsync_s = _bare_fsync(bench.root, scans)
    rows = [
        ["baseline: raw httpx POST of the same bytes", f"{total / post_s:.1f}", f"{post_s:.2f}",
         "1.00"],
        ["upload: desk sync (registrations + their scans)", f"{total / upload_s:.1f}",
         f"{upload_s:.2f}", f"{post_s / upload_s:.2f}"],
        ["  of which sending the scans", f"{total / send_s:.1f}", f"{send_s:.2f}",
         f"{post_s / send_s:.2f}"],
        ["(for scale) bare write + fsync of the same bytes, no HTTP", f"{total / fsync_s:.1f}",
         f"{fsync_s:.2f}", f"{post_s / fsync_s:.2f}"],
        ["baseline that also fsyncs: raw POST, each body written + fsynced",
         f"{total / durable_s:.1f}", f"{durable_s:.2f}", f"{post_s / durable_s:.2f}"],
        ["upload against the fsyncing baseline", f"{total / upload_s:.1f}", f"{upload_s:.2f}",
         f"{durable_s / upload_s:.2f} (of that baseline)"],
        ["(for scale) CPU s during the raw POST: client + app",
         "", f"{post_cpu[0]:.2f} + {post_cpu[1]:.2f}", ""],
        ["(for scale) CPU s during the upload: desk + server",
         "", f"{cpu[0]:.2f} + {cpu[1]:.2f}", ""],
        ["baseline: raw httpx GET of the same bytes (hashed)", f"{total / get_s:.1f}",
         f"{get_s:.2f}", "1.00"],
        ["download: fresh desk sync (rows + scans)", f"{total / download_s:.1f}",
         f"{download_s:.2f}", f"{get_s / download_s:.2f}"],
    ]  # fmt: skip
    head = (
        f"{len(scans)} scans, {total:.1f} MiB: 16 × 0.4 MiB (1 page), 4 × 4 MiB (10 pages), "
        "1 × 20 MiB (50 pages), incompressible like JPEG data; scans up to 4 MiB whole, several "
        "to a request, larger ones in chunks of up to 8 MiB, every file fsynced by the server. "
        "The baseline app is Starlette on the same uvicorn, discarding the body."
    )
    return [["figure", "MiB/s", "seconds", "ratio to baseline"], *rows], head


def _converged(desks: list[Any], expected: int) -> bool:
    """Nothing waiting on any desk (open `DeskSync`s) and each showing `expected` documents
    with all their file contents."""
    from sqlalchemy import func, select

    from clerk_app.storage.models import Document, OutboxEntry
    from sync import desk_store

    for d in desks:
        with d.db.read() as s:
            waiting = s.execute(
                select(func.count()).select_from(OutboxEntry).where(OutboxEntry.acked_at.is_(None))
            ).scalar_one()
            docs = s.execute(select(func.count()).select_from(Document)).scalar_one()
            missing = desk_store.missing_contents(s, d.store.contains)
        if waiting or docs != expected or missing:
            return False
    return True


def bench_outage(
    bench: Bench, n: int, drafts: int, year: int, online_baseline: bool = True
) -> tuple[list[list[str]], str]:
    from clerk_app.workspace import Workspace
    from sync.engine import DeskSync

    scan_dir = bench.root / "outage-scans"
    scan_dir.mkdir()
    scans = [make_scan(scan_dir / f"o-{i:04d}.pdf", OUTAGE_SCAN) for i in range(n)]

    # Baseline: the same documents registered online, each synced at once as the runner does
    # (`--no-online-baseline`: left out, when the machine is too busy for it; compare with
    # the converge time of another version run at the same time instead).
    online_s = float("nan")
    if online_baseline:
        base_holder, base_other = bench.agency("SNV", ["nvan1.snv", "ttbinh1.snv"])
        _lease(base_holder, year)
        # Both kept open as the desk's sync runner keeps them (opening checks the migrations).
        with DeskSync(base_holder) as h, DeskSync(base_other) as o:
            t0 = time.perf_counter()
            with Workspace.open(base_holder, actor="nvan1.snv") as ws:
                for i, p in enumerate(scans):
                    ws.register_incoming(_incoming(i, [p]))
                    h.sync()
            o.sync()
            online_s = time.perf_counter() - t0
            assert _converged([h, o], n)

    holder, other = bench.agency("SXD", ["nvan1.sxd", "ttbinh1.sxd"])
    _lease(holder, year)
    _sync(other)
    bench.server.stop()
    t0 = time.perf_counter()
    with Workspace.open(holder, actor="nvan1.sxd") as ws:
        for i, p in enumerate(scans):
            ws.register_incoming(_incoming(i, [p]))
    offline_s = time.perf_counter() - t0
    with DeskSync(other) as d:
        for i in range(drafts):
            d.draft_incoming(_incoming(10_000 + i))
    for desk in (holder, other):
        try:
            _sync(desk)
        except Exception as exc:  # the outage is noticed and recorded
            assert type(exc).__name__ == "ServerUnreachable", exc
    with DeskSync(holder) as h, DeskSync(other) as o:
        bench.server.start()
        t0 = time.perf_counter()  # the server answers again
        rounds = 0
        while True:
            rounds += 1
            for d in (h, o):
                d.sync()
            if _converged([h, o], n):
                break
        converge_s = time.perf_counter() - t0
        provisional = o.state().drafts_waiting
    assert provisional == drafts  # numbered when the holder hands the lease back
    rows = [
        [f"baseline: {n:,} registered online one by one, each synced, + second desk synced",
         f"{online_s:.1f}", "1.00"],
        [f"after the outage: server reachable → both desks converged ({rounds} round(s))",
         f"{converge_s:.1f}", f"{converge_s / online_s:.2f}"],
        [f"(for scale) registering the {n:,} offline on the lease holder", f"{offline_s:.1f}",
         f"{offline_s / online_s:.2f}"],
    ]  # fmt: skip
    head = (
        f"{n:,} incoming documents, each with a {OUTAGE_SCAN // 1024} KiB 1-page scan "
        f"({n * OUTAGE_SCAN / MB:.0f} MiB), registered by the lease holder while the server was "
        f"down; the other desk made {drafts} drafts meanwhile. Converged: no mutation waiting on "
        f"either desk, both show the {n:,} documents (the drafts stay provisional under the lease)."
    )
    return [["figure", "seconds", "ratio to baseline"], *rows], head


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default=",".join(SECTIONS))
    ap.add_argument("--documents", type=int, default=1000)
    ap.add_argument("--outage-documents", type=int, default=1000)
    ap.add_argument("--drafts", type=int, default=50)
    ap.add_argument(
        "--no-online-baseline", action="store_true", help="outage: skip the slow baseline"
    )
    ap.add_argument("--data-dir", type=Path, default=OUT_DIR)
    ap.add_argument("--append", action="store_true", help="append the figures to RESULTS.md")
    args = ap.parse_args()
    only = [s for s in args.only.split(",") if s]
    if set(only) - set(SECTIONS):
        ap.error(f"--only takes {','.join(SECTIONS)}")

    from clerk_app.clock import VIETNAM

    args.data_dir.mkdir(parents=True, exist_ok=True)
    fs = refuse_tmpfs(args.data_dir)
    root = Path(tempfile.mkdtemp(prefix="sync-bench-", dir=args.data_dir))
    info = machine_info(root)
    year = datetime.now(VIETNAM).year
    titles = {
        "rows": "Sync throughput on loopback",
        "files": "Sync file throughput on loopback",
        "outage": "Time to converge after an outage of 1,000 documents",
    }
    bench = Bench(root)
    out = []
    try:
        for section in only:
            if section == "rows":
                result = bench_rows(bench, args.documents, year)
            elif section == "files":
                result = bench_files(bench, year)
            else:
                result = bench_outage(
                    bench, args.outage_documents, args.drafts, year, not args.no_online_baseline
                )
            (header, *rows), head = result
            out.append(
                f"\n## {titles[section]} (bench/sync.py)\n\n"
                f"`.venv/bin/python bench/sync.py --only {section}`, {info['date']}, "
                f"{info['nproc']} vCPU {info['cpu']}, {info['ram_gib']} GiB, {fs}, Python "
                f"{info['python']}, SQLite {info['sqlite']}, load "
                f"{info['loadavg_at_start'][0]:.1f} at start. Server: clerk-server (uvicorn) "
                f"over SQLite on the same machine, one process. {head}\n\n"
                + table(header, rows)
                + "\n"
            )
            print(out[-1], flush=True)
    finally:
        bench.server.stop()
    if args.append:
        with open(ROOT / "bench" / "RESULTS.md", "a", encoding="utf-8") as f:
            f.write("".join(out))
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
