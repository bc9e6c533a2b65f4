"""The server killed (kill -9) between the last chunk's fsync and its commit: the file's bytes
are all in `partial/` but it is not recorded complete. The next round must complete it, and the
other desks fetch it; it must never stay stuck there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from clerk_app.workspace import Workspace
from sync import protocol as p
from sync.engine import DeskSync
from sync.server.models import Agency, Blob
from tests.sync.conftest import RunningServer, check_all, connect
from tests.sync.test_engine import YEAR, file_hashes, register, sync
from tests.sync.test_online import holder_and_other


def test_server_killed_after_the_last_chunk_is_synced_completes_the_file_next_round(
    server: RunningServer,
    new_desk: Any,
    make_pdf: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Small scans now travel whole, several to a request (test_sync_speed): this desk sends
    # them in chunks, the way a large scan goes.
    monkeypatch.setattr(p, "BATCH_FILE_MAX", 0)
    a, b = holder_and_other(server, new_desk)
    register(a, 1, make_pdf, "KILL")
    server.kill_at_fault("last_chunk_synced", tmp_path / "fault-reached", lambda: sync(a))
    stuck = list((server.files_dir / "partial").rglob("*"))
    assert any(p.is_file() and p.stat().st_size > 0 for p in stuck)  # the state of the bug

    report = sync(a)
    assert report.rejected == []
    assert not [p for p in (server.files_dir / "partial").rglob("*") if p.is_file()]
    got = sync(b)
    assert got.files_received == len(file_hashes(a)) >= 1
    check_all(server, a, b)
    with Workspace.open(b) as ws:
        for sha in file_hashes(a):
            assert ws.file_bytes(sha).startswith(b"%PDF") or ws.file_bytes(sha)


def test_server_killed_between_placing_a_file_and_recording_it_takes_it_again_next_round(
    server: RunningServer,
    new_desk: Any,
    make_pdf: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The last chunk's content is checked and renamed into place before the database's write
    lock is taken (blobs.BlobStore._complete); killed there, the file lies in place without its
    row: never listed or served, sent again by the desk, and then recorded."""
    monkeypatch.setattr(p, "BATCH_FILE_MAX", 0)
    a, b = holder_and_other(server, new_desk)
    register(a, 1, make_pdf, "PLACED")
    server.kill_at_fault("file_placed", tmp_path / "fault-reached", lambda: sync(a))
    placed = [f for f in server.files_dir.rglob("*") if f.is_file() and f.name in file_hashes(a)]
    assert placed and "partial" not in placed[0].parts  # in place, no row says so
    with server.db.read() as s:
        assert not s.execute(select(Blob).where(Blob.complete)).scalars().all()

    report = sync(a)
    assert report.rejected == [] and report.files_sent >= 1
    assert not [f for f in (server.files_dir / "partial").rglob("*") if f.is_file()]
    assert sync(b).files_received == len(file_hashes(a)) >= 1
    check_all(server, a, b)


def test_a_desk_told_offset_equals_size_sends_the_closing_chunk_itself(
    sqlite_server: RunningServer, new_desk: Any, make_pdf: Any
) -> None:
    """Servers of before this fix report offset = size for such a file: the desk then sends an
    empty last chunk, which completes it (the server checks the whole file's hash)."""
    a = new_desk("a")
    connect(sqlite_server, a, "nvan1.ubnd")
    with DeskSync(a) as d:
        d.acquire_lease("incoming", YEAR)
    register(a, 1, make_pdf, "CLOSE")
    sha = next(iter(file_hashes(a)))
    with Workspace.open(a) as ws:
        data = ws.file_bytes(sha)
    with sqlite_server.db.read() as s:
        agency_id = s.execute(select(Agency.id)).scalar_one()
    partial = sqlite_server.files_dir / "partial" / agency_id / sha
    partial.parent.mkdir(parents=True, exist_ok=True)
    partial.write_bytes(data)  # every byte arrived; the commit did not
    with DeskSync(a) as d, d._client() as client:
        assert d._send_file(client, {"sha256": sha, "size": len(data), "offset": len(data)}) == 1
    with sqlite_server.db.read() as s:
        blob = s.get(Blob, (agency_id, sha))
        assert blob is not None and blob.complete
    assert not partial.exists()


def test_a_restarted_server_removes_what_requests_of_a_killed_one_left_half_written(
    tmp_path: Path,
) -> None:
    """A request cut by kill -9 leaves its bytes in a file of its own under partial/ (named by
    its process). The next server removes those of a process that is gone at once, not an hour
    later; another live process's (several servers may share the folder) stay."""
    from sync.server.blobs import INCOMING, BlobStore

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    folder = tmp_path / "files" / "partial" / "agency"
    folder.mkdir(parents=True)
    sha = "ab" * 32
    names = {
        "killed": f"{sha}.{gone.pid}.0123456789ab{INCOMING}",
        "this process": f"{sha}.{os.getpid()}.0123456789ab{INCOMING}",
        "another live server": f"{sha}.{os.getppid()}.0123456789ab{INCOMING}",
        "no pid, recent": f"{sha}.0123456789ab{INCOMING}",
        "a partial upload": sha,
    }
    for name in names.values():
        (folder / name).write_bytes(b"x")
    BlobStore(tmp_path / "files")
    assert sorted(f.name for f in folder.iterdir()) == sorted(
        names[k] for k in ("another live server", "no pid, recent", "a partial upload")
    )
