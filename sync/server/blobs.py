"""File contents on the server by SHA-256, per agency: what is missing, resumable chunks; no HTTP."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.protocol import MAX_FILE_BYTES
from sync.server.models import Blob
from sync.server.refusals import Refused

SHA256 = re.compile(r"^[0-9a-f]{64}$")


class BlobStore:
    """Complete contents under root/aa/<sha>; partial uploads under root/partial/<agency>/<sha>."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "partial").mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def _partial(self, agency_id: str, sha256: str) -> Path:
        return self.root / "partial" / agency_id / sha256

    def missing(
        self, s: Session, agency_id: str, wanted: list[dict[str, object]]
    ) -> list[dict[str, object]]:
        """For each (sha256, size) the agency lacks: how many bytes the server already has."""
        out = []
        for item in wanted:
            sha = _check_sha(str(item.get("sha256", "")))
            size = int(str(item.get("size", 0)))
            blob = s.get(Blob, (agency_id, sha))
            if blob is not None and blob.complete:
                continue
            out.append({"sha256": sha, "size": size, "offset": self._received(agency_id, sha)})
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
        with the offset to resume from. The last chunk is checked against the hash."""
        sha = _check_sha(sha)
        if size < 0 or size > MAX_FILE_BYTES:
            raise Refused(413, "file_too_large", max_bytes=MAX_FILE_BYTES)
        blob = s.get(Blob, (agency_id, sha))
        if blob is not None and blob.complete:
            return {"sha256": sha, "received": blob.size, "complete": True}
        part = self._partial(agency_id, sha)
        part.parent.mkdir(parents=True, exist_ok=True)
        have = part.stat().st_size if part.exists() else 0
        if offset != have:
            raise Refused(409, "wrong_offset", offset=have)
        if have + len(chunk) > size:
            raise Refused(400, "file_longer_than_declared", size=size)
        with open(part, "ab") as f:
            f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        have += len(chunk)
        if have < size:
            return {"sha256": sha, "received": have, "complete": False}
        digest = hashlib.sha256()
        with open(part, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != sha:
            part.unlink()
            raise Refused(400, "file_hash_mismatch", sha256=sha)
        final = self.path(sha)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(part, final)
        if blob is None:
            s.add(Blob(agency_id=agency_id, sha256=sha, size=size, received=size, complete=True))
        else:
            blob.complete, blob.received, blob.size = True, size, size
        return {"sha256": sha, "received": size, "complete": True}

    def readable(self, s: Session, agency_id: str, sha: str) -> Path:
        """The content's path if this agency has it; another agency's file is 'not found'."""
        sha = _check_sha(sha)
        blob = s.execute(
            select(Blob).where(Blob.agency_id == agency_id, Blob.sha256 == sha, Blob.complete)
        ).scalar_one_or_none()
        if blob is None or not self.path(sha).exists():
            raise Refused(404, "file_not_found", sha256=sha)
        return self.path(sha)


def _check_sha(value: str) -> str:
    if not SHA256.match(value):
        raise Refused(400, "malformed", field="sha256")
    return value
