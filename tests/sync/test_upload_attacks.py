"""Uploads attacked over HTTP, against the real server on SQLite and PostgreSQL: a desk that
hangs up mid-upload and sends the same file again, bytes that do not match the hash they are
announced under, and uploads replayed. After each, the server holds every content once, intact
(its bytes hash to its name), and nothing half written or refused is left on its disk."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
from pathlib import Path

import httpx
from sqlalchemy import select

from sync import protocol as p
from sync.server.models import Blob
from tests.sync.conftest import RunningServer, raw_session

MB = 1024 * 1024


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _put(
    server: RunningServer, auth: dict[str, str], sha: str, size: int, offset: int, body: bytes
) -> httpx.Response:
    return httpx.put(
        server.url + f"/v1/files/{sha}",
        headers=auth,
        params={"size": size, "offset": offset},
        content=body,
        timeout=60,
    )


def _batch(server: RunningServer, auth: dict[str, str], files: list[bytes]) -> httpx.Response:
    return httpx.post(
        server.url + p.FILES_BATCH_PATH,
        headers=auth,
        content=_batch_body([(_sha(f), len(f)) for f in files], b"".join(files)),
        timeout=60,
    )


def _batch_body(listed: list[tuple[str, int]], body: bytes) -> bytes:
    head = json.dumps({"files": [{"sha256": s, "size": n} for s, n in listed]}).encode()
    return head + b"\n" + body


def _missing(server: RunningServer, auth: dict[str, str], sha: str, size: int) -> list[dict]:
    wanted = {"files": [{"sha256": sha, "size": size}]}
    r = httpx.post(server.url + "/v1/files/missing", headers=auth, json=wanted)
    assert r.status_code == 200, r.text
    return list(r.json()["missing"])


def _hang_up(server: RunningServer, auth: dict[str, str], request: str, body: bytes) -> None:
    """Send `request`'s head declaring more than `body`, then `body`, then hang up; return
    once the server has noticed (and taken what arrived)."""
    before = server.log.read_bytes().count(b"desk hung up")
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as conn:
        conn.sendall(
            f"{request} HTTP/1.1\r\nHost: 127.0.0.1\r\n{p.PROTOCOL_HEADER}: 1\r\n"
            f"Authorization: {auth['Authorization']}\r\n"
            f"Content-Length: {len(body) + MB}\r\n\r\n".encode()
            + body
        )
    deadline = time.monotonic() + 60  # only stops a hung test
    while server.log.read_bytes().count(b"desk hung up") == before:
        assert time.monotonic() < deadline, server.log.read_text()
        time.sleep(0.05)


def _held(server: RunningServer) -> dict[str, int]:
    """The server's recorded contents (sha256 → size); each listed once by construction of
    the query, so a second row for the same content would show as a count mismatch."""
    with server.db.read() as s:
        rows = s.execute(select(Blob.sha256, Blob.size, Blob.complete)).all()
    assert len({sha for sha, _, _ in rows}) == len(rows)
    return {sha: size for sha, size, complete in rows if complete}


def _on_disk(server: RunningServer) -> tuple[dict[str, bytes], list[Path]]:
    """Stored contents (name → bytes) and whatever lies under partial/ (uploads under way)."""
    stored = {
        f.name: f.read_bytes()
        for f in server.files_dir.rglob("*")
        if f.is_file() and "partial" not in f.relative_to(server.files_dir).parts
    }
    partial = [f for f in (server.files_dir / "partial").rglob("*") if f.is_file()]
    return stored, partial


def _assert_intact(server: RunningServer, *expected: bytes) -> None:
    """The server holds exactly `expected`, each once, recorded and on disk, intact; nothing
    half written is left."""
    stored, partial = _on_disk(server)
    assert partial == []
    assert {name: _sha(data) for name, data in stored.items()} == {
        _sha(e): _sha(e) for e in expected
    }
    assert _held(server) == {_sha(e): len(e) for e in expected}


def _assert_log_clean(server: RunningServer) -> None:
    log = server.log.read_text()
    assert "internal error" not in log and "Traceback" not in log, log


def test_a_desk_cut_mid_upload_that_sends_the_same_file_again_leaves_one_intact_copy(
    server: RunningServer,
) -> None:
    auth = raw_session(server, "nvan1.ubnd")
    scan = os.urandom(3 * MB + 17)
    sha = _sha(scan)

    # Cut mid-chunk: what arrived is kept as a partial file.
    _hang_up(server, auth, f"PUT /v1/files/{sha}?size={len(scan)}&offset=0", scan[: 2 * MB])
    kept = int(_missing(server, auth, sha, len(scan))[0]["offset"])
    assert 0 < kept <= 2 * MB
    # The desk, not knowing, sends the whole file again from the start: refused with where the
    # server stands, nothing appended twice.
    again = _put(server, auth, sha, len(scan), 0, scan)
    assert again.status_code == 409 and again.json()["error"]["fields"]["offset"] == kept
    assert _missing(server, auth, sha, len(scan))[0]["offset"] == kept
    # Resuming from there completes it, checked against its hash.
    done = _put(server, auth, sha, len(scan), kept, scan[kept:])
    assert done.json() == {"sha256": sha, "received": len(scan), "complete": True}
    _assert_intact(server, scan)

    # Cut again, now resuming with other bytes than the file's (a desk whose scan changed on
    # disk, or a forger): the hash check at the end refuses it and drops the whole partial.
    other = os.urandom(2 * MB)
    other_sha = _sha(other)
    _hang_up(server, auth, f"PUT /v1/files/{other_sha}?size={len(other)}&offset=0", other[:MB])
    kept = int(_missing(server, auth, other_sha, len(other))[0]["offset"])
    assert 0 < kept <= MB
    forged = _put(server, auth, other_sha, len(other), kept, os.urandom(len(other) - kept))
    assert forged.status_code == 400
    assert forged.json()["error"]["code"] == "file_hash_mismatch"
    assert _missing(server, auth, other_sha, len(other))[0]["offset"] == 0
    _assert_intact(server, scan)
    # The same file sent whole (as a desk sends a small scan: a batch, without asking first)
    # after a cut chunked try: taken, the chunked try's partial file gone with it.
    _hang_up(server, auth, f"PUT /v1/files/{other_sha}?size={len(other)}&offset=0", other[:MB])
    assert _batch(server, auth, [other]).json() == {"complete": [other_sha], "mismatched": []}
    _assert_intact(server, scan, other)

    # A batch cut half way keeps nothing (its contents are whole or not at all); sent again,
    # it is taken.
    small = [os.urandom(300_000), os.urandom(200_000)]
    listed = [(_sha(f), len(f)) for f in small]
    body = _batch_body(listed, b"".join(small))
    _hang_up(server, auth, f"POST {p.FILES_BATCH_PATH}", body[:400_000])
    _assert_intact(server, scan, other)
    again = _batch(server, auth, small)
    assert again.json() == {"complete": sorted(s for s, _ in listed), "mismatched": []}
    _assert_intact(server, scan, other, *small)
    assert httpx.get(server.url + f"/v1/files/{sha}", headers=auth).content == scan
    _assert_log_clean(server)


def test_bytes_not_matching_their_announced_hash_are_refused_and_nothing_kept(
    server: RunningServer,
) -> None:
    auth = raw_session(server, "nvan1.ubnd")
    claimed = os.urandom(MB + 3)
    sha = _sha(claimed)
    forged = os.urandom(len(claimed))

    # Whole, in one chunk.
    whole = _put(server, auth, sha, len(forged), 0, forged)
    assert whole.status_code == 400 and whole.json()["error"]["code"] == "file_hash_mismatch"
    _assert_intact(server)
    assert _missing(server, auth, sha, len(claimed))[0]["offset"] == 0
    # In chunks, the first ones true and the last one forged: the partial goes too.
    first = _put(server, auth, sha, len(claimed), 0, claimed[:500_000])
    assert first.json()["received"] == 500_000
    last = _put(server, auth, sha, len(claimed), 500_000, forged[500_000:])
    assert last.status_code == 400 and last.json()["error"]["code"] == "file_hash_mismatch"
    _assert_intact(server)
    # More bytes than declared: refused, nothing kept.
    longer = _put(server, auth, sha, len(claimed), 0, claimed + b"x")
    assert longer.status_code == 400
    assert longer.json()["error"]["code"] == "file_longer_than_declared"
    _assert_intact(server)
    # In a batch: the forged content refused alone, the true one beside it taken.
    good = os.urandom(100_000)
    answer = httpx.post(
        server.url + p.FILES_BATCH_PATH,
        headers=auth,
        content=_batch_body([(_sha(good), len(good)), (sha, len(forged))], good + forged),
    )
    assert answer.json() == {"complete": [_sha(good)], "mismatched": [sha]}
    _assert_intact(server, good)
    # The true bytes are still taken afterwards.
    assert _put(server, auth, sha, len(claimed), 0, claimed).json()["complete"] is True
    _assert_intact(server, good, claimed)
    _assert_log_clean(server)


def test_a_replayed_upload_changes_nothing(server: RunningServer) -> None:
    auth = raw_session(server, "nvan1.ubnd")
    scan = os.urandom(2 * MB + 1)
    sha = _sha(scan)

    # A chunk replayed after it was taken (its answer lost): not appended a second time.
    first = _put(server, auth, sha, len(scan), 0, scan[:MB])
    assert first.json() == {"sha256": sha, "received": MB, "complete": False}
    replayed = _put(server, auth, sha, len(scan), 0, scan[:MB])
    assert replayed.status_code == 409 and replayed.json()["error"]["fields"]["offset"] == MB
    assert _missing(server, auth, sha, len(scan))[0]["offset"] == MB
    done = _put(server, auth, sha, len(scan), MB, scan[MB:])
    assert done.json()["complete"] is True
    _assert_intact(server, scan)
    stored = server.files_dir / sha[:2] / sha
    written = stored.stat().st_mtime_ns

    # The last chunk replayed, the whole file replayed, and other bytes replayed under its
    # name: answered "complete" (the server has it), the stored file not touched.
    for offset, body in ((MB, scan[MB:]), (0, scan), (0, os.urandom(len(scan)))):
        r = _put(server, auth, sha, len(scan), offset, body)
        assert r.json() == {"sha256": sha, "received": len(scan), "complete": True}
    # A batch replayed, twice in one request too, and with other bytes under its names.
    small = os.urandom(300_000)
    assert _batch(server, auth, [small]).json() == {"complete": [_sha(small)], "mismatched": []}
    for files in ([small], [small, small], [scan, small]):
        r = _batch(server, auth, files)
        assert r.json() == {"complete": sorted({_sha(f) for f in files}), "mismatched": []}
    forged = httpx.post(
        server.url + p.FILES_BATCH_PATH,
        headers=auth,
        content=_batch_body([(_sha(small), len(small))], os.urandom(len(small))),
    )
    assert forged.json() == {"complete": [_sha(small)], "mismatched": []}
    _assert_intact(server, scan, small)
    assert stored.stat().st_mtime_ns == written
    assert httpx.get(server.url + f"/v1/files/{sha}", headers=auth).content == scan
    _assert_log_clean(server)


def test_a_chunk_sent_twice_at_once_is_taken_once(server: RunningServer) -> None:
    """A desk's retry while its first try is still in flight (or a replay racing the original):
    both requests are past the offset check made before their bodies are read; the one taken
    second is refused under the content's lock, not appended after the first."""
    auth = raw_session(server, "nvan1.ubnd")
    scan = os.urandom(2 * MB + 1)
    sha = _sha(scan)
    head = (
        f"PUT /v1/files/{sha}?size={len(scan)}&offset=0 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"{p.PROTOCOL_HEADER}: 1\r\nAuthorization: {auth['Authorization']}\r\n"
        f"Content-Length: {MB}\r\nConnection: close\r\n\r\n"
    ).encode()
    conns = [socket.create_connection(("127.0.0.1", server.port), timeout=60) for _ in range(2)]
    try:
        for conn in conns:
            conn.sendall(head + scan[: MB - 1])
        # Both are writing their bytes (each has its own file under partial/): both passed the
        # check made before a body is read. Only then does either send its last byte.
        deadline = time.monotonic() + 60  # only stops a hung test
        while len(list((server.files_dir / "partial").rglob("*.incoming"))) < 2:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        answers = []
        for conn in conns:
            conn.sendall(scan[MB - 1 : MB])
            answer = b""
            while part := conn.recv(65536):
                answer += part
            head_bytes, body_bytes = answer.split(b"\r\n\r\n", 1)
            answers.append((int(head_bytes.split()[1]), json.loads(body_bytes)))
    finally:
        for conn in conns:
            conn.close()
    assert sorted(status for status, _ in answers) == [200, 409], answers
    for status, body in answers:
        if status == 200:
            assert body == {"sha256": sha, "received": MB, "complete": False}
        else:
            assert body["error"]["code"] == "wrong_offset"
            assert body["error"]["fields"]["offset"] == MB
    assert _missing(server, auth, sha, len(scan))[0]["offset"] == MB
    assert _put(server, auth, sha, len(scan), MB, scan[MB:]).json()["complete"] is True
    _assert_intact(server, scan)
    _assert_log_clean(server)
