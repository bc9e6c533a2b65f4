"""The server killed (kill -9) between the last chunk's fsync and its commit: the file's bytes
are all in `partial/` but it is not recorded complete. The next round must complete it, and the
other desks fetch it; it must never stay stuck there."""

from __future__ import annotations

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
    a, b = new_desk("a"), new_desk("b")
    connect(server, a, "nvan1.ubnd")
    connect(server, b, "ttbinh1.ubnd")
    with DeskSync(a) as d:
        d.sync()
        d.acquire_lease("incoming", YEAR)
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
