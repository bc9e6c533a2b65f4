"""Scans moving in the big chunks a server offers: resumed after a cut mid-file both ways, old
desks' 1 MiB chunks still taken, a chunk above the limit refused."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
from pathlib import Path
from typing import Any

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
    """A client of the desk's own, outliving the DeskSync (whose kept client closes with it)."""
    with DeskSync(desk) as d:
        row = d._link()
    return ServerClient(row.server_url, row.token)


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
        assert client.hello()[p.HELLO_FILE_CHUNK] == p.STREAM_FILE_CHUNK
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
    # Only what the server lacked went up, from its offset, streamed in one request (more than
    # a server that holds chunks in memory takes: it writes them to disk as they arrive).
    assert rest > p.MAX_FILE_CHUNK
    assert sent == [(3_000_000, rest)]
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
    # A chunk above what the server offers is refused from its declared length, unread.
    size = p.STREAM_FILE_CHUNK + 1
    status, body = _raw_put(sqlite_server, token, "ab" * 32, size, 0, size, b"")
    assert status == 413 and json.loads(body)["error"]["code"] == "request_too_large"
    # More bytes than the file is declared to have: refused as they arrive.
    small = os.urandom(1000)
    status, body = _raw_put(sqlite_server, token, "cd" * 32, 999, 0, 1000, small)
    assert status == 400 and json.loads(body)["error"]["code"] == "file_longer_than_declared"


def _raw_put(
    server: RunningServer, token: str, sha: str, size: int, offset: int, length: int, body: bytes
) -> tuple[int, bytes]:
    """A PUT of a file chunk over a bare socket, declaring `length` bytes and sending `body`;
    the answer's status and body."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as conn:
        conn.sendall(
            f"PUT /v1/files/{sha}?size={size}&offset={offset} HTTP/1.1\r\n"
            f"Host: 127.0.0.1\r\n{p.PROTOCOL_HEADER}: 1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Length: {length}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, rest = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), rest


def test_a_desk_hanging_up_mid_chunk_is_no_server_error_and_what_arrived_is_kept(
    sqlite_server: RunningServer, new_desk: Any
) -> None:
    """A desk cut off mid-upload (its network, a kill): the server logs a hang-up, not an
    internal error with a trace, and keeps the bytes that arrived; the desk resumes after
    them and the content completes."""
    a = new_desk("a")
    connect(sqlite_server, a, "nvan1.ubnd")
    data = os.urandom(3 * MB)
    sha = hashlib.sha256(data).hexdigest()
    with _client_of(a) as client:
        client.hello()
        token = client.token
    sent = 2 * MB + 5
    with socket.create_connection(("127.0.0.1", sqlite_server.port), timeout=30) as conn:
        conn.sendall(
            f"PUT /v1/files/{sha}?size={len(data)}&offset=0 HTTP/1.1\r\n"
            f"Host: 127.0.0.1\r\n{p.PROTOCOL_HEADER}: 1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Length: {len(data)}\r\n\r\n".encode()
            + data[:sent]
        )
    deadline = time.monotonic() + 60  # only stops a hung test
    while b"hung up" not in sqlite_server.log.read_bytes():
        assert time.monotonic() < deadline, sqlite_server.log.read_text()
        time.sleep(0.05)
    log = sqlite_server.log.read_text()
    assert f"desk hung up during PUT /v1/files/{sha}" in log
    assert "internal error" not in log and "Traceback" not in log
    assert 'HTTP/1.1" 500' not in log

    with _client_of(a) as client:
        client.hello()
        missing = client.missing_files([{"sha256": sha, "size": len(data)}])
        # What reached the application before the hang-up was noticed (the server reads
        # ahead of it, and drops what it read but had not handed on when the line went).
        kept = int(missing[0]["offset"])
        assert 0 < kept <= sent
        got = client.put_chunk(sha, len(data), kept, data[kept:])
        assert got == {"sha256": sha, "received": len(data), "complete": True}
        assert client.missing_files([{"sha256": sha, "size": len(data)}]) == []
