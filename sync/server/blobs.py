"""File contents on the server by SHA-256, per agency: what is missing, resumable chunks; no HTTP."""

from __future__ import annotations

import hashlib
import os
import re
import threading
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from clerk_app.refusals import Refusal
from sync.protocol import MAX_FILE_BYTES
from sync.server import faults
from sync.server.database import ServerDatabase
from sync.server.models import Blob
from sync.server.refusals import Refused

SHA256 = re.compile(r"^[0-9a-f]{64}$")


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
        s: Session,
        agency_id: str,
        sha: str,
        size: int,
        offset: int,
        chunk: bytes | bytearray,
    ) -> dict[str, object]:
        """Append a chunk at `offset`; an offset that does not match what we hold is refused
        with the offset to resume from. The last chunk is checked against the hash; an empty
        chunk at the end finishes a content whose bytes all arrived before."""
        sha = _check_sha(sha)
        if size < 0 or size > MAX_FILE_BYTES:
            raise Refused(413, Refusal.FILE_TOO_LARGE, max_bytes=MAX_FILE_BYTES)
        with self._lock(agency_id, sha):
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
            have += len(chunk)
            if have < size:
                return {"sha256": sha, "received": have, "complete": False}
            faults.reached("last_chunk_synced")
            self._complete(s, agency_id, sha, size)
            return {"sha256": sha, "received": size, "complete": True}

    def _complete(self, s: Session, agency_id: str, sha: str, size: int) -> None:
        """Check the whole content against its hash, move it in place, record it complete
        (committed with the caller's transaction). A wrong content is dropped and refused."""
        # Only this agency's own partial file counts: the content under its hash may be another
        # agency's, and knowing a hash must never be enough to read a file.
        part = self._partial(agency_id, sha)
        if not part.exists() or part.stat().st_size != size or _digest(part) != sha:
            part.unlink(missing_ok=True)
            raise Refused(400, Refusal.FILE_HASH_MISMATCH, sha256=sha)
        final = self.path(sha)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(part, final)
        blob = s.get(Blob, (agency_id, sha))
        if blob is None:
            s.add(Blob(agency_id=agency_id, sha256=sha, size=size, received=size, complete=True))
        else:
            blob.complete, blob.received, blob.size = True, size, size
        s.flush()

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
