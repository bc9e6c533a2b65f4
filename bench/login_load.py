"""Failed logins against a real clerk-server: do they stall everyone else's sync?

    .venv/bin/python bench/login_load.py [--rate 8] [--seconds 20] [--data-dir D]

A connected desk's `GET /v1/changes` is timed on an idle server (the baseline), then while a
second client sends `--rate` wrong-password logins a second (known and unknown names in turn,
from one address; the per-address limit is raised so every login really runs argon2), over
SQLite as an office would run it. Also times logins of known and unknown names: they must take
the same time, so answers do not tell which names exist.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from _common import machine_info, refuse_tmpfs, summarise, table, write_json

H = {"X-Clerk-Protocol": "1"}
PASSWORD, NEW_PASSWORD = "mat-khau-ban-dau", "mat-khau-moi-2026"
KNOWN = [f"nvan{i}.ubnd" for i in range(1, 21)]
UNKNOWN = [f"khongco{i}.ubnd" for i in range(1, 21)]


def _start(root: Path) -> Any:
    from sync.server import accounts
    from sync.server.database import ServerDatabase

    bench_sync = _bench_sync()
    server = bench_sync.Server(root)
    db = ServerDatabase(server.db_url)
    db.migrate()
    with db.write() as s:
        accounts.create_agency(s, "UBND", "Ủy ban nhân dân tỉnh Phú Yên", datetime.now(UTC))
        for user in KNOWN:
            accounts.create_account(s, "UBND", user, "clerk", PASSWORD, datetime.now(UTC))
    db.close()
    server.extra = ["--failed-logins-per-minute", "1000000"]
    return server


def _bench_sync() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "bench_sync", Path(__file__).resolve().parent / "sync.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _login(client: httpx.Client, url: str, user: str, password: str, desk: str) -> httpx.Response:
    return client.post(
        url + "/v1/login",
        headers=H,
        json={"username": user, "password": password, "desk_id": desk, "desk_credential": desk},
    )


def _changes_latency(
    client: httpx.Client, url: str, auth: dict[str, str], seconds: float
) -> list[float]:
    samples: list[float] = []
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        start = time.perf_counter()
        r = client.get(url + "/v1/changes", headers=auth, params={"since": 0})
        samples.append(time.perf_counter() - start)
        assert r.status_code == 200, r.text
        time.sleep(0.02)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=8.0, help="failed logins a second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--data-dir", type=Path, default=Path("/var/tmp"))
    args = parser.parse_args()
    refuse_tmpfs(args.data_dir)
    root = Path(tempfile.mkdtemp(prefix="clerk-login-bench-", dir=args.data_dir))
    server = _start(root)
    server.start()
    try:
        url = server.url
        with httpx.Client(timeout=60) as client:
            token = _login(client, url, KNOWN[0], PASSWORD, "desk-a").json()["token"]
            auth = H | {"Authorization": f"Bearer {token}"}
            client.post(
                url + "/v1/password", headers=auth, json={"old": PASSWORD, "new": NEW_PASSWORD}
            ).raise_for_status()
            idle = _changes_latency(client, url, auth, args.seconds)

            # Known and unknown names, one login each in turn, while nothing else runs.
            known_t, unknown_t = [], []
            for i in range(20):
                for user, into in ((KNOWN[1 + i % 19], known_t), (UNKNOWN[i], unknown_t)):
                    start = time.perf_counter()
                    r = _login(client, url, user, f"sai-{i}", f"d-{i}")
                    into.append(time.perf_counter() - start)
                    assert r.status_code in (401, 403), r.text

            stop = threading.Event()
            sent = [0, 0]  # logins sent, answered 401/403/429

            def flood() -> None:
                # Sent at the rate whatever the answers' delay: an attacker does not wait.
                names = [n for pair in zip(KNOWN[1:], UNKNOWN, strict=False) for n in pair]
                with httpx.Client(timeout=120, limits=httpx.Limits(max_connections=64)) as c:

                    def one(i: int) -> None:
                        r = _login(c, url, names[i % len(names)], f"doan-{i}", f"x{i}")
                        sent[1] += r.status_code in (401, 403, 429)

                    pool = ThreadPoolExecutor(max_workers=64)
                    i = 0
                    next_at = time.monotonic()
                    while not stop.is_set():
                        pool.submit(one, i)
                        sent[0] += 1
                        i += 1
                        next_at += 1 / args.rate
                        time.sleep(max(0.0, next_at - time.monotonic()))
                    # Logins still queued at the server are not waited for: it is stopped next.
                    pool.shutdown(wait=False, cancel_futures=True)

            threads = [threading.Thread(target=flood)]
            for t in threads:
                t.start()
            time.sleep(1.0)
            started = time.monotonic()
            loaded = _changes_latency(client, url, auth, args.seconds)
            elapsed = time.monotonic() - started
            stop.set()
            for t in threads:
                t.join()
            print(f"flood stopped; {sent[1]} of {sent[0]} answered", flush=True)
    finally:
        # Logins still queued would hold a graceful stop for minutes: the flood is cut here.
        if server.proc is not None:
            server.proc.kill()
            server.proc.wait()
    base, load = summarise(idle), summarise(loaded)
    rate = sent[0] / (elapsed + 1.0)  # sent from 1 s before the timing to its end
    rows = [
        ["GET /v1/changes, idle (baseline)", len(idle), base["p50_ms"], base["p95_ms"],
         base["max_ms"], "1.00"],
        [f"GET /v1/changes, {rate:.1f} failed logins/s", len(loaded), load["p50_ms"],
         load["p95_ms"], load["max_ms"], f"{load['p95_ms'] / base['p95_ms']:.2f}"],
    ]  # fmt: skip
    kn, un = summarise(known_t), summarise(unknown_t)
    timing = [
        ["login, known name, wrong password", len(known_t), kn["p50_ms"], kn["p95_ms"]],
        ["login, unknown name", len(unknown_t), un["p50_ms"], un["p95_ms"]],
        ["ratio unknown / known (p50)", "", f"{un['p50_ms'] / kn['p50_ms']:.2f}", ""],
    ]
    print(machine_info(args.data_dir))
    print(table(["request", "n", "p50 ms", "p95 ms", "max ms", "p95 / idle p95"], rows))
    print()
    print(table(["login", "n", "p50 ms", "p95 ms"], timing))
    print(f"\nfailed logins sent: {sent[0]}, answered 401/403/429: {sent[1]}")
    write_json(
        "login_load",
        {"idle": base, "loaded": load, "rate": rate, "known": kn, "unknown": un, "sent": sent},
    )


if __name__ == "__main__":
    main()
