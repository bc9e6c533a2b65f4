"""File contents on the server by SHA-256, per agency: what is missing, resumable chunks; no HTTP."""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clerk_app.files.store import fsync_dir
from clerk_app.refusals import Refusal
from sync.protocol import MAX_FILE_BYTES
from sync.server import faults
from sync.server.database import ServerDatabase
from sync.server.models import Blob
from sync.server.refusals import Refused

SHA256 = re.compile(r"^[0-9a-f]{64}$")
MAX_RUNNING_HASHES = 256


class BlobStore:
    """Complete contents under root/aa/<sha>; partial uploads under root/partial/<agency>/<sha>.

    A content is complete once its Blob row is committed. A server killed after the last
    chunk was written but before that commit leaves a whole partial file (or a moved file
    without its row): the next `missing` or `receive` finishes it, so it is never stuck."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "partial").mkdir(parents=True, exist_ok=True)
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._guard = threading.Lock()
        # Partial contents' running hashes: bytes seen so far, and the hash of them.
        self._hashes: dict[tuple[str, str], tuple[int, Any]] = {}

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def _partial(self, agency_id: str, sha256: str) -> Path:
        return self.root / "partial" / agency_id / sha256

    def _lock(self, agency_id: str, sha: str) -> threading.Lock:
        # One writer per content at a time (two desks may send the same scan): PostgreSQL
        # transactions do not serialise file appends the way SQLite's write lock does.
        with self._guard:
            return self._locks.setdefault((agency_id, sha), threading.Lock())

    def missing(
        self, db: ServerDatabase, agency_id: str, wanted: list[dict[str, object]]
    ) -> list[dict[str, object]]:
        """For each (sha256, size) the agency lacks: how many bytes the server already has.
        Contents whose bytes all arrived but were never recorded complete are finished here."""
        out = []
        with db.read() as s:
            for item in wanted:
                sha = _check_sha(str(item.get("sha256", "")))
                size = int(str(item.get("size", 0)))
                blob = s.get(Blob, (agency_id, sha))
                if blob is not None and blob.complete:
                    continue
                out.append({"sha256": sha, "size": size, "offset": self._received(agency_id, sha)})
        stuck = [x for x in out if int(str(x["offset"])) >= int(str(x["size"])) > 0]
        for item in stuck:
            sha, size = str(item["sha256"]), int(str(item["size"]))
            with self._lock(agency_id, sha), db.write() as s:
                try:
                    self._complete(s, agency_id, sha, size)
                except Refused:
                    item["offset"] = self._received(agency_id, sha)  # dropped: send it again
                    continue
            out.remove(item)
        return out

    def _received(self, agency_id: str, sha: str) -> int:
        part = self._partial(agency_id, sha)
        return part.stat().st_size if part.exists() else 0

    def receive(
        self,
        db: ServerDatabase,
        agency_id: str,
        sha: str,
        size: int,
        offset: int,
        chunk: bytes | bytearray,
    ) -> dict[str, object]:
        """Append a chunk at `offset`; an offset that does not match what we hold is refused
        with the offset to resume from. The last chunk is checked against the hash; an empty
        chunk at the end finishes a content whose bytes all arrived before.

        The append and its fsync hold only this content's lock, not the database's write lock,
        so parallel uploads overlap their fsyncs; only the last chunk writes a row (the Blob,
        complete). The hash is kept up to date as chunks arrive, so completing a content does
        not read it back (after a restart it does, once)."""
        sha = _check_sha(sha)
        if size < 0 or size > MAX_FILE_BYTES:
            raise Refused(413, Refusal.FILE_TOO_LARGE, max_bytes=MAX_FILE_BYTES)
        with self._lock(agency_id, sha):
            with db.read() as s:
                blob = s.get(Blob, (agency_id, sha))
                if blob is not None and blob.complete:
                    return {"sha256": sha, "received": blob.size, "complete": True}
            part = self._partial(agency_id, sha)
            part.parent.mkdir(parents=True, exist_ok=True)
            have = part.stat().st_size if part.exists() else 0
            if offset != have:
                raise Refused(409, Refusal.WRONG_OFFSET, offset=have)
            if have + len(chunk) > size:
                raise Refused(400, Refusal.FILE_LONGER_THAN_DECLARED, size=size)
            if chunk or not part.exists():
                with open(part, "ab") as f:
                    f.write(chunk)
                    f.flush()
                    os.fsync(f.fileno())
                self._hash_on(agency_id, sha, have, chunk)
            have += len(chunk)
            if have < size:
                return {"sha256": sha, "received": have, "complete": False}
            faults.reached("last_chunk_synced")
            with db.write() as s:
                self._complete(s, agency_id, sha, size)
            return {"sha256": sha, "received": size, "complete": True}

    def _hash_on(self, agency_id: str, sha: str, offset: int, chunk: bytes | bytearray) -> None:
        """Feed the running hash of a partial content; forgotten when the chunk does not follow
        what it has seen (the file is then hashed from disk when complete)."""
        key = (agency_id, sha)
        with self._guard:
            seen = self._hashes.pop(key, None)
            if seen is None and offset == 0:
                seen = (0, hashlib.sha256())
            if seen is None or seen[0] != offset:
                return
            seen[1].update(chunk)
            self._hashes[key] = (offset + len(chunk), seen[1])
            while len(self._hashes) > MAX_RUNNING_HASHES:  # uploads abandoned half way
                self._hashes.pop(next(iter(self._hashes)))

    def receive_whole(
        self, db: ServerDatabase, agency_id: str, files: Sequence[tuple[str, bytes | memoryview]]
    ) -> dict[str, object]:
        """Whole contents sent together (small scans: one request for many). Each is checked
        against its hash in memory, written beside its final place, fsynced and renamed; the
        directories are fsynced once for the batch and the rows committed in one transaction.
        A content whose bytes do not match its hash is refused alone (`mismatched`)."""
        stored: list[str] = []
        mismatched: list[str] = []
        locks = [self._lock(agency_id, sha) for sha in sorted({sha for sha, _ in files})]
        for lock in locks:  # in hash order, so two batches never wait on each other
            lock.acquire()
        try:
            with db.read() as s:
                complete = {
                    b.sha256
                    for b in s.execute(
                        select(Blob).where(
                            Blob.agency_id == agency_id,
                            Blob.sha256.in_([sha for sha, _ in files]),
                            Blob.complete,
                        )
                    ).scalars()
                }
            directories: set[Path] = set()
            done: dict[str, int] = {}
            for sha, data in files:
                if sha in complete or sha in done:
                    continue
                if hashlib.sha256(data).hexdigest() != sha:
                    mismatched.append(sha)
                    continue
                final = self.path(sha)
                final.parent.mkdir(parents=True, exist_ok=True)
                tmp = self._partial(agency_id, sha).with_suffix(".whole")
                tmp.parent.mkdir(parents=True, exist_ok=True)
                with open(tmp, "wb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, final)
                self._partial(agency_id, sha).unlink(missing_ok=True)  # a chunked try, if any
                directories.add(final.parent)
                done[sha] = len(data)
            for directory in directories:
                fsync_dir(directory)
            faults.reached("batch_files_synced")
            if done:
                with db.write() as s:
                    for sha, size in done.items():
                        blob = s.get(Blob, (agency_id, sha))
                        if blob is None:
                            s.add(
                                Blob(
                                    agency_id=agency_id,
                                    sha256=sha,
                                    size=size,
                                    received=size,
                                    complete=True,
                                )
                            )
                        else:
                            blob.complete, blob.received, blob.size = True, size, size
            stored = sorted(complete | set(done))
        finally:
            for lock in locks:
                lock.release()
        return {"complete": stored, "mismatched": mismatched}

    def _complete(self, s: Session, agency_id: str, sha: str, size: int) -> None:
        """Check the whole content against its hash, move it in place, record it complete
        (committed with the caller's transaction). A wrong content is dropped and refused."""
        # Only this agency's own partial file counts: the content under its hash may be another
        # agency's, and knowing a hash must never be enough to read a file.
        part = self._partial(agency_id, sha)
        with self._guard:
            seen = self._hashes.pop((agency_id, sha), None)
        running = seen[1].hexdigest() if seen is not None and seen[0] == size else None
        if not part.exists() or part.stat().st_size != size or (running or _digest(part)) != sha:
            part.unlink(missing_ok=True)
            raise Refused(400, Refusal.FILE_HASH_MISMATCH, sha256=sha)
        final = self.path(sha)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(part, final)
        fsync_dir(final.parent)
        blob = s.get(Blob, (agency_id, sha))
        if blob is None:
            s.add(Blob(agency_id=agency_id, sha256=sha, size=size, received=size, complete=True))
        else:
            blob.complete, blob.received, blob.size = True, size, size
        s.flush()

    def read_many(
        self, db: ServerDatabase, agency_id: str, shas: list[str]
    ) -> tuple[list[dict[str, object]], list[Path]]:
        """The manifest and paths of the contents this agency has among `shas`, in order;
        one it lacks is listed with `missing` (another agency's file is one it lacks)."""
        wanted = [_check_sha(sha) for sha in shas]
        with db.read() as s:
            have = {
                b.sha256: b.size
                for b in s.execute(
                    select(Blob).where(
                        Blob.agency_id == agency_id, Blob.sha256.in_(wanted), Blob.complete
                    )
                ).scalars()
            }
        manifest: list[dict[str, object]] = []
        paths: list[Path] = []
        for sha in wanted:
            path = self.path(sha)
            size = path.stat().st_size if sha in have and path.exists() else None
            if size is None:
                manifest.append({"sha256": sha, "missing": True})
                continue
            manifest.append({"sha256": sha, "size": size})
            paths.append(path)
        return manifest, paths

    def readable(self, s: Session, agency_id: str, sha: str) -> Path:
        """The content's path if this agency has it; another agency's file is 'not found'."""
        sha = _check_sha(sha)
        blob = s.execute(
            select(Blob).where(Blob.agency_id == agency_id, Blob.sha256 == sha, Blob.complete)
        ).scalar_one_or_none()
        if blob is None or not self.path(sha).exists():
            raise Refused(404, Refusal.FILE_NOT_FOUND, sha256=sha)
        return self.path(sha)


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_sha(value: str) -> str:
    if not SHA256.match(value):
        raise Refused(400, Refusal.MALFORMED, field="sha256")
    return value
