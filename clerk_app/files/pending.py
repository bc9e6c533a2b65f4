"""Blobs a registration stores before its transaction commits, noted so upkeep can undo a crash.

A registration writes its files to the content store before it takes the database's write lock
(so the lock is never held during disk I/O). When the process dies between the two, its blobs
stay in the store with no row pointing at them. Each registration therefore notes the hashes it
is about to store in a small file under `pending/`, removed once the transaction has ended
either way; a note left behind names exactly the blobs of a registration that never committed.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from clerk_app.files.store import ContentStore, StoredBlob

# A registration's files and transaction take seconds; a note older than this is a dead one.
STALE_AFTER_S = 15 * 60


@dataclass(frozen=True)
class PendingNote:
    path: Path

    def done(self) -> None:
        """The transaction committed or its own error handling discarded the blobs."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


def note(folder: Path, hashes: Iterable[str]) -> PendingNote:
    """Write (and fsync) the note before the first blob is stored."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4()}.json"
    body = json.dumps({"started": time.time(), "sha256": sorted(set(hashes))})
    with path.open("w", encoding="utf-8") as fh:
        fh.write(body)
        fh.flush()
        os.fsync(fh.fileno())
    return PendingNote(path)


def sweep(
    folder: Path,
    store: ContentStore,
    referenced: Callable[[list[str]], set[str]],
    *,
    older_than_s: float = STALE_AFTER_S,
    now: float | None = None,
) -> int:
    """Remove the blobs of registrations that never committed; returns how many were removed.

    Only blobs the dead registration itself created go (written after its note), and only when
    no file row refers to them: bytes the store already held, or that a later registration
    committed, stay.
    """
    if not folder.is_dir():
        return 0
    now = time.time() if now is None else now
    removed = 0
    for path in sorted(folder.glob("*.json")):
        try:
            if now - path.stat().st_mtime < older_than_s:
                continue
            data = json.loads(path.read_text(encoding="utf-8"))
            started = float(data["started"])
            hashes = [str(h) for h in data["sha256"]]
        except (OSError, ValueError, KeyError, TypeError):
            # Cut short by the crash itself: the note is fsynced before the first blob is
            # stored, so no blob of that registration exists.
            path.unlink(missing_ok=True)
            continue
        kept = referenced(hashes)
        for sha in hashes:
            if sha in kept:
                continue
            blob = store.path(sha)
            with contextlib.suppress(FileNotFoundError):
                # Written by this registration, not bytes the store had before it.
                if blob.stat().st_mtime >= started - 1:
                    store.discard(StoredBlob(sha, 0, blob, created=True))
                    removed += 1
        path.unlink(missing_ok=True)
    return removed
