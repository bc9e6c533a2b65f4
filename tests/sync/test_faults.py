"""Faults injected into real processes: a desk killed (kill -9) mid-sync, the server killed
mid-request; after each, the registers agree everywhere and every mutation applied once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from sync.engine import DeskSync
from tests.sync.conftest import ROOT, RunningServer, check_all, connect, wait_for_marker
from tests.sync.test_engine import YEAR, register, sync

# `clerk sync` in a child that stops right after the server answered one request (METHOD and
# path prefix), before the desk acts on the answer: it touches the marker there and waits to be
# killed. The step is named at the protocol's edge (httpx), so it survives the engine's changes.
DESK_STOPPING_AFTER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import httpx
    from clerk_app.cli import main

    method, prefix, marker = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    send = httpx.Client.send

    def send_then_stop(self, request, **kw):
        response = send(self, request, **kw)
        if request.method == method and request.url.path.startswith(prefix):
            marker.write_text(prefix)
            time.sleep(600)
        return response

    httpx.Client.send = send_then_stop
    sys.exit(main(["sync", "--json"]))
    """
)


def kill_desk_after(desk: Path, method: str, path: str, marker: Path) -> None:
    """`clerk sync` on `desk` in a child, killed (kill -9) once the server answered one
    request (METHOD and path prefix), before the desk acted on the answer."""
    proc = subprocess.Popen(
        [sys.executable, "-c", DESK_STOPPING_AFTER, method, path, str(marker)],
        env=os.environ | {"PYTHONPATH": str(ROOT), "CLERK_DATA_DIR": str(desk)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_marker(marker, proc, f"desk {desk.name} ({method} {path})")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()


# Per round, where desk A (the lease holder, registering) and desk B (reading) are killed.
KILL_STEPS = (
    # Small scans travel several to a request both ways (/v1/files/batch, /v1/files/fetch).
    (("POST", "/v1/files/batch"), ("GET", "/v1/changes")),  # scans stored, A not told; a page
    (("POST", "/v1/upload"), ("POST", "/v1/files/fetch")),  # applied, answers lost; B mid-fetch
    (("GET", "/v1/changes"), ("GET", "/v1/changes")),  # both with a page not yet applied
)


def test_desk_killed_at_any_step_of_a_sync_loses_and_duplicates_nothing(
    server: RunningServer, new_desk: Any, make_pdf: Any, tmp_path: Path
) -> None:
    a, b = new_desk("a"), new_desk("b")
    connect(server, a, "nvan1.ubnd")
    connect(server, b, "ttbinh1.ubnd")
    with DeskSync(a) as d:
        d.sync()
        d.acquire_lease("incoming", YEAR)
    for round_no, steps in enumerate(KILL_STEPS):
        register(a, 30, make_pdf if round_no == 0 else None, prefix=f"R{round_no}")
        for desk, (method, path) in zip((a, b), steps, strict=True):
            kill_desk_after(desk, method, path, tmp_path / f"stopped-{round_no}-{desk.name}")
    for desk in (a, b, a, b):
        sync(desk)
    check_all(server, a, b)


def test_server_killed_mid_request_then_restarted(
    server: RunningServer, new_desk: Any, tmp_path: Path
) -> None:
    a, b = new_desk("a"), new_desk("b")
    connect(server, a, "nvan1.ubnd")
    connect(server, b, "ttbinh1.ubnd")
    with DeskSync(a) as d:
        d.sync()
        d.acquire_lease("incoming", YEAR)
    # Killed with the batch applied but not committed, then committed but not answered.
    for step in ("upload_applied", "upload_committed"):
        register(a, 100, prefix=step)
        server.kill_at_fault(step, tmp_path / step, lambda: sync(a))
    for desk in (a, b, a):
        sync(desk)
    check_all(server, a, b)
    with DeskSync(a) as d:
        assert d.state().online and d.state().waiting == 0


def test_sync_cli_prints_sent_received_and_rejected(server: RunningServer, new_desk: Any) -> None:
    import json

    a = new_desk("a")
    server.user("nvan1.ubnd")
    env = os.environ | {
        "PYTHONPATH": str(ROOT),
        "CLERK_DATA_DIR": str(a),
        "PW_OLD": "mat-khau-ban-dau",
        "PW_NEW": "mat-khau-moi-2026",
    }

    def clerk(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "clerk_app", *args], env=env, capture_output=True, text=True
        )

    first = clerk(
        "connect", "--server", server.url, "--username", "nvan1.ubnd", "--password-env", "PW_OLD"
    )
    assert first.returncode == 2 and "đổi mật khẩu" in first.stderr
    ok = clerk(
        "connect",
        "--server",
        server.url,
        "--username",
        "nvan1.ubnd",
        "--password-env",
        "PW_OLD",
        "--new-password-env",
        "PW_NEW",
    )
    assert ok.returncode == 0, ok.stderr
    # Without the lease the desk numbers through the server, as the window does (no desk holds
    # the register: the server numbers at once); drafts go up and the server numbers them.
    online = clerk(
        "register-incoming",
        "--issuer",
        "Sở Tài chính",
        "--doc-type",
        "Công văn",
        "--subject",
        "Về việc A",
    )
    assert online.returncode == 0, online.stderr
    assert online.stdout.startswith("Đã đăng ký văn bản đến số 1/")
    for i in range(2):
        drafted = clerk(
            "draft-incoming",
            "--issuer",
            "Sở Tài chính",
            "--reference",
            f"{i + 1}/STC",
            "--doc-type",
            "Công văn",
            "--subject",
            f"Về việc {i}",
        )
        assert drafted.returncode == 0, drafted.stderr
    out = clerk("sync", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["sent"] >= 2
    assert report["rejected"] == []
    state = json.loads(clerk("sync-state", "--json").stdout)
    assert state["online"] and state["waiting"] == 0 and state["rejected"] == 0
    server.kill()
    down = clerk("sync")
    assert down.returncode == 2 and "ngoại tuyến" in down.stderr
    state = json.loads(clerk("sync-state", "--json").stdout)
    assert state["online"] is False and state["offline_since"]
    server.start()
    assert Path(a).is_dir()
