"""Scans moving in the big chunks a server offers: resumed after a cut mid-file both ways, old
desks' 1 MiB chunks still taken, a chunk above the limit refused."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import httpx
import pymupdf
import pytest

from clerk_app import errors
from clerk_app.workspace import Workspace
from sync import protocol as p
from sync.client import ServerClient
from sync.engine import DeskSync
from tests.sync.conftest import RunningServer, connect
from tests.sync.test_engine import YEAR, file_hashes, register, sync

MB = 1024 * 1024


def _scan(path: Path, size: int) -> bytes:
    """A valid PDF of about `size` bytes, its bulk incompressible like a scanned page."""
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), path.stem)
    doc.embfile_add("scan.jpg", os.urandom(size))
    data = doc.tobytes()
    path.write_bytes(data)
    return data


def _client_of(desk: Path) -> ServerClient:
    with DeskSync(desk) as d:
        return d._client()


def _desks_and_a_scan(
    server: RunningServer, new_desk: Any, scan: Path, size: int
) -> tuple[Path, Path, bytes, str]:
    """Desks A (lease holder, one document with a scan of `size` bytes) and B; nothing synced."""
    a, b = new_desk("a"), new_desk("b")
    connect(server, a, "nvan1.ubnd")
    connect(server, b, "ttbinh1.ubnd")
    with DeskSync(a) as d:
        d.acquire_lease("incoming", YEAR)
    data = _scan(scan, size)
    register(a, 1, lambda _title: scan, "SCAN")
    sha = hashlib.sha256(data).hexdigest()
    assert sha in file_hashes(a)
    return a, b, data, sha


def test_a_scan_cut_mid_file_resumes_in_big_chunks_both_ways(
    server: RunningServer, new_desk: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b, data, sha = _desks_and_a_scan(server, new_desk, tmp_path / "scan.pdf", 11 * MB)

    # The desk's first attempt was cut after 3 MB (more than an old server's 1 MiB chunk, and
    # not on a chunk boundary): the server keeps that much as a partial file.
    with _client_of(a) as client:
        assert client.hello()[p.HELLO_FILE_CHUNK] == p.MAX_FILE_CHUNK
        cut = client.put_chunk(sha, len(data), 0, data[:3_000_000])
        assert cut == {"sha256": sha, "received": 3_000_000, "complete": False}
        missing = client.missing_files([{"sha256": sha, "size": len(data)}])
        assert missing == [{"sha256": sha, "size": len(data), "offset": 3_000_000}]

    sent: list[tuple[int, int]] = []
    real_put = ServerClient.put_chunk

    def recording_put(self: ServerClient, sha256: str, size: int, offset: int, chunk: bytes) -> Any:
        if sha256 == sha:
            sent.append((offset, len(chunk)))
        return real_put(self, sha256, size, offset, chunk)

    monkeypatch.setattr(ServerClient, "put_chunk", recording_put)
    report = sync(a)
    monkeypatch.undo()
    assert report.rejected == [] and report.files_sent == len(file_hashes(a))
    rest = len(data) - 3_000_000
    # Only what the server lacked went up, from its offset, in chunks of the size it offered.
    assert sent == [(3_000_000, p.MAX_FILE_CHUNK), (3_000_000 + p.MAX_FILE_CHUNK,
                                                    rest - p.MAX_FILE_CHUNK)]  # fmt: skip
    with _client_of(a) as client:
        assert client.missing_files([{"sha256": sha, "size": len(data)}]) == []

    # Desk B's download was cut after 5 MB: it asks only for the rest, and checks the whole.
    partial = b / "sync-partial"
    partial.mkdir()
    (partial / sha).write_bytes(data[: 5 * MB])
    report = sync(b)
    assert report.files_received == len(file_hashes(a))
    assert not (partial / sha).exists()
    with Workspace.open(b) as ws:
        assert ws.file_bytes(sha) == data


def test_a_damaged_partial_download_is_dropped_and_fetched_whole(
    sqlite_server: RunningServer, new_desk: Any, tmp_path: Path
) -> None:
    a, b, data, sha = _desks_and_a_scan(sqlite_server, new_desk, tmp_path / "scan.pdf", 2 * MB)
    sync(a)
    partial = b / "sync-partial"
    partial.mkdir()
    (partial / sha).write_bytes(b"\0" * MB)  # not the file's first megabyte
    first = sync(b)
    assert first.files_received == len(file_hashes(a)) - 1
    assert not (partial / sha).exists()
    with Workspace.open(b) as ws, pytest.raises(errors.StoredFileDamaged):
        ws.file_bytes(sha)
    second = sync(b)
    assert second.files_received == 1
    with Workspace.open(b) as ws:
        assert ws.file_bytes(sha) == data


def test_old_desks_chunks_are_taken_and_oversized_chunks_refused(
    sqlite_server: RunningServer, new_desk: Any
) -> None:
    a = new_desk("a")
    connect(sqlite_server, a, "nvan1.ubnd")
    data = os.urandom(2 * MB + 5)
    sha = hashlib.sha256(data).hexdigest()
    with _client_of(a) as client:
        # A desk of protocol 1 never asks for more and sends 1 MiB at a time.
        assert client.file_chunk == p.FILE_CHUNK
        for offset in range(0, len(data), p.FILE_CHUNK):
            got = client.put_chunk(sha, len(data), offset, data[offset : offset + p.FILE_CHUNK])
        assert got["complete"] is True
        token = client.token
    big = os.urandom(p.MAX_FILE_CHUNK + 4097 + 1)
    auth = {p.PROTOCOL_HEADER: "1", "Authorization": f"Bearer {token}"}
    too_big = httpx.put(
        sqlite_server.url + f"/v1/files/{hashlib.sha256(big).hexdigest()}",
        headers=auth,
        params={"size": len(big), "offset": 0},
        content=big,
    )
    assert too_big.status_code == 413
    assert too_big.json()["error"]["code"] == "request_too_large"
