"""File contents on the server by SHA-256, per agency: what is missing, resumable chunks; no HTTP.

Bytes are written to disk as a request brings them (`Incoming`, fed by the HTTP layer from a
worker thread) and hashed on the way; nothing is held whole in memory or read back. A content
is durable before the row that records it is committed: its file is fsynced, renamed into
place and its directory fsynced first.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import re
import shutil
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clerk_app.files.store import fsync_dir
from clerk_app.refusals import Refusal
from clerk_app.unfinished import process_alive
from sync.protocol import MAX_FILE_BYTES
from sync.server import faults
from sync.server.database import ServerDatabase
from sync.server.models import Blob
from sync.server.refusals import Refused

SHA256 = re.compile(r"^[0-9a-f]{64}$")
MAX_RUNNING_HASHES = 256
INCOMING = ".incoming"  # a request's bytes on their way in, under partial/<agency>/
STALE_INCOMING_S = 3600  # left by a server that was killed mid-request: removed at start
SYNC_WORKERS = 8  # fsyncs issued at once for a batch (the file system commits them together)
# Bytes of a content arrived before their write-out to the disk is started (`Incoming.write`).
WRITEBACK_STEP = 1024 * 1024


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
        self._sweep()

    def _sweep(self) -> None:
        """Remove what requests cut by a killed server left half written (never recorded): a
        request's file names the process that wrote it, so one whose process is gone (or is
        this one, just started) goes at once; another server process's (several may share the
        folder) only once it is old enough that no request can still be writing it."""
        now = time.time()
        for pattern in ("*/*" + INCOMING, "*/*.whole"):
            for stale in (self.root / "partial").glob(pattern):
                try:
                    if not _writer_alive(stale.name) or now - stale.stat().st_mtime > (
                        STALE_INCOMING_S
                    ):
                        stale.unlink()
                except FileNotFoundError:
                    pass

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def _partial(self, agency_id: str, sha256: str) -> Path:
        return self.root / "partial" / agency_id / sha256

    def _temp(self, agency_id: str, sha: str) -> Path:
        """A name of its own for one request's bytes of `sha` (two desks may send the same)."""
        folder = self.root / "partial" / agency_id
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{sha}.{os.getpid()}.{uuid.uuid4().hex[:12]}{INCOMING}"

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
        asked = [(_check_sha(str(item.get("sha256", ""))), int(str(item.get("size", 0))))
                 for item in wanted]  # fmt: skip
        with db.read() as s:  # one query for all, not one per content
            complete = self._complete_among(s, agency_id, sorted({sha for sha, _ in asked}))
        out: list[dict[str, object]] = [
            {"sha256": sha, "size": size, "offset": self._received(agency_id, sha)}
            for sha, size in asked
            if sha not in complete
        ]
        stuck = [x for x in out if int(str(x["offset"])) >= int(str(x["size"])) > 0]
        for item in stuck:
            sha, size = str(item["sha256"]), int(str(item["size"]))
            with self._lock(agency_id, sha):
                try:
                    self._complete(db, agency_id, sha, size)
                except Refused:
                    item["offset"] = self._received(agency_id, sha)  # dropped: send it again
                    continue
            out.remove(item)
        return out

    def _received(self, agency_id: str, sha: str) -> int:
        part = self._partial(agency_id, sha)
        return part.stat().st_size if part.exists() else 0

    def incoming(
        self, db: ServerDatabase, agency_id: str, sha: str, size: int, offset: int
    ) -> Incoming:
        """Where a chunk of `sha` starting at `offset` is written as its bytes arrive, before the
        request's body is read: refused at once when it can never be taken (too large). The
        bytes of a content the agency already has, or of a chunk not where the server stands,
        are read and dropped."""
        sha = _check_sha(sha)
        if size < 0 or size > MAX_FILE_BYTES:
            raise Refused(413, Refusal.FILE_TOO_LARGE, max_bytes=MAX_FILE_BYTES)
        if offset > size:
            raise Refused(400, Refusal.FILE_LONGER_THAN_DECLARED, size=size)
        with db.read() as s:
            blob = s.get(Blob, (agency_id, sha))
            if blob is not None and blob.complete:
                return Incoming(None, None, None)
        if offset != self._received(agency_id, sha):
            # Refused once the body is read (`receive`, under the lock): an answer before the
            # body would cut the connection under a desk still sending.
            return Incoming(None, None, None)
        with self._guard:
            seen = self._hashes.get((agency_id, sha))
        if offset == 0:
            digest, origin = hashlib.sha256(), None
        elif seen is not None and seen[0] == offset:
            # Entries are never updated in place, so the copy is of a consistent state.
            digest, origin = seen[1].copy(), seen
        else:
            digest, origin = None, None  # hashed from disk when complete
        return Incoming(self._temp(agency_id, sha), digest, origin)

    def receive(
        self,
        db: ServerDatabase,
        agency_id: str,
        sha: str,
        size: int,
        offset: int,
        chunk: Incoming,
    ) -> dict[str, object]:
        """Take a chunk that `incoming` wrote: appended at `offset` to what the server holds
        (an offset that does not match is refused with the offset to resume from), fsynced;
        the last one is checked against the hash and recorded complete. What a cut request
        brought is taken the same way, so the desk resumes after it. An empty chunk at the end
        finishes a content whose bytes all arrived before.

        Only this content's lock is held, never while bytes arrive, and the database's write
        lock only for the last chunk's row, so parallel uploads overlap their fsyncs. The hash
        was kept up to date as bytes arrived: completing a content does not read it back
        (after a restart it does, once)."""
        key = (agency_id, sha)
        with self._lock(agency_id, sha):
            with db.read() as s:
                blob = s.get(Blob, key)
                if blob is not None and blob.complete:
                    chunk.discard()
                    return {"sha256": sha, "received": blob.size, "complete": True}
            part = self._partial(agency_id, sha)
            part.parent.mkdir(parents=True, exist_ok=True)
            have = part.stat().st_size if part.exists() else 0
            # A chunk read and dropped (not where the server stood when it began) is never
            # taken, even if the server has since come to stand there.
            if offset != have or (chunk.path is None and (chunk.received or not part.exists())):
                chunk.discard()
                raise Refused(409, Refusal.WRONG_OFFSET, offset=have)
            if have + chunk.received > size:
                chunk.discard()
                raise Refused(400, Refusal.FILE_LONGER_THAN_DECLARED, size=size)
            if chunk.received or not part.exists():
                chunk.sync()
                if have == 0:
                    os.replace(chunk.path, part)  # type: ignore[arg-type]
                else:
                    _append(chunk.path, part)  # type: ignore[arg-type]
                with self._guard:
                    current = self._hashes.pop(key, None)
                    if chunk.digest is not None and (have == 0 or current is chunk.origin):
                        self._hashes[key] = (have + chunk.received, chunk.digest)
                    while len(self._hashes) > MAX_RUNNING_HASHES:  # uploads abandoned half way
                        self._hashes.pop(next(iter(self._hashes)))
            else:
                chunk.discard()
            have += chunk.received
            if have < size:
                return {"sha256": sha, "received": have, "complete": False}
            faults.reached("last_chunk_synced")
            self._complete(db, agency_id, sha, size)
            return {"sha256": sha, "received": size, "complete": True}

    def incoming_batch(
        self, db: ServerDatabase, agency_id: str, listed: Sequence[tuple[str, int]]
    ) -> IncomingBatch:
        """Where a files batch's contents are written as its bytes arrive; those the agency
        already has are read and dropped."""
        with db.read() as s:
            complete = self._complete_among(s, agency_id, [sha for sha, _ in listed])
        return IncomingBatch(self, agency_id, listed, complete)

    def receive_batch(
        self, db: ServerDatabase, agency_id: str, batch: IncomingBatch
    ) -> dict[str, object]:
        """Whole contents sent together (small scans: one request for many), written and hashed
        as they arrived. Each is checked against its hash; those that match are fsynced
        together, renamed into place, their directories fsynced together, and their rows
        committed in one transaction (one group commit for the batch, not one per file). A
        content whose bytes do not match its hash is refused alone (`mismatched`)."""
        if not batch.finished:
            batch.discard()
            raise Refused(400, Refusal.MALFORMED, field="files.size")
        mismatched: list[str] = []
        locks = [self._lock(agency_id, sha) for sha in sorted({sha for sha, _ in batch.listed})]
        for lock in locks:  # in hash order, so two batches never wait on each other
            lock.acquire()
        try:
            with db.read() as s:
                complete = self._complete_among(s, agency_id, [sha for sha, _ in batch.listed])
            taken: list[tuple[str, Incoming]] = []
            for (sha, _size), content in zip(batch.listed, batch.contents, strict=True):
                if content is None:
                    continue
                if sha in complete or any(sha == t for t, _ in taken):
                    content.discard()
                elif content.hexdigest() != sha:
                    mismatched.append(sha)
                    content.discard()
                else:
                    taken.append((sha, content))
            # Many fsyncs at once cost about one: the file system commits them together.
            _together(lambda item: item[1].sync(), taken)
            directories: set[Path] = set()
            for sha, content in taken:
                directories |= self._place(sha)
                os.replace(content.path, self.path(sha))  # type: ignore[arg-type]
                self._partial(agency_id, sha).unlink(missing_ok=True)  # a chunked try, if any
                with self._guard:
                    self._hashes.pop((agency_id, sha), None)
            _together(fsync_dir, sorted(directories, key=lambda d: -len(d.parts)))
            faults.reached("batch_files_synced")
            if taken:
                with db.write() as s:
                    self._record_many(s, agency_id, [(sha, c.received) for sha, c in taken])
            stored = sorted(complete | {sha for sha, _ in taken})
        finally:
            for lock in locks:
                lock.release()
            batch.discard()  # whatever was not taken
        return {"complete": stored, "mismatched": mismatched}

    def _complete_among(self, s: Session, agency_id: str, shas: list[str]) -> set[str]:
        return set(
            s.execute(
                select(Blob.sha256).where(
                    Blob.agency_id == agency_id, Blob.sha256.in_(shas), Blob.complete
                )
            ).scalars()
        )

    def _place(self, sha: str) -> set[Path]:
        """Make the content's directory; the directories whose entries must then be fsynced
        for a file renamed into it to be durable (its parent too when it was just made)."""
        final = self.path(sha)
        if final.parent.is_dir():
            return {final.parent}
        final.parent.mkdir(parents=True, exist_ok=True)
        return {final.parent, self.root}

    def _record_many(self, s: Session, agency_id: str, contents: list[tuple[str, int]]) -> None:
        """Record contents complete: the rows already there (a chunked try) read in one query,
        the others inserted together (the write lock is held meanwhile: a batch of 16 scans
        read its rows one by one)."""
        rows = {
            b.sha256: b
            for b in s.execute(
                select(Blob).where(
                    Blob.agency_id == agency_id, Blob.sha256.in_([sha for sha, _ in contents])
                )
            ).scalars()
        }
        for sha, size in contents:
            blob = rows.get(sha)
            if blob is None:
                rows[sha] = Blob(
                    agency_id=agency_id, sha256=sha, size=size, received=size, complete=True
                )
                s.add(rows[sha])
            else:
                blob.complete, blob.received, blob.size = True, size, size

    def _complete(self, db: ServerDatabase, agency_id: str, sha: str, size: int) -> None:
        """Check the whole content against its hash, move it in place, record it complete. A
        wrong content is dropped and refused.

        The check, the rename and the directory's fsync come before the database's write lock
        is taken, as for a batch: on SQLite that lock is the whole server's, and a desk's
        registrations (sent while its other scans still travel) queue behind every second
        spent holding it. A content renamed into place whose row was never committed (the
        server killed in between) is no content of the agency's: it is neither listed nor
        served, and the desk sends it again, which renames the same bytes over it."""
        # Only this agency's own partial file counts: the content under its hash may be another
        # agency's, and knowing a hash must never be enough to read a file.
        part = self._partial(agency_id, sha)
        with self._guard:
            seen = self._hashes.pop((agency_id, sha), None)
        running = seen[1].hexdigest() if seen is not None and seen[0] == size else None
        if not part.exists() or part.stat().st_size != size or (running or _digest(part)) != sha:
            part.unlink(missing_ok=True)
            raise Refused(400, Refusal.FILE_HASH_MISMATCH, sha256=sha)
        directories = self._place(sha)
        os.replace(part, self.path(sha))
        _together(fsync_dir, sorted(directories, key=lambda d: -len(d.parts)))
        faults.reached("file_placed")
        with db.write() as s:
            self._record_many(s, agency_id, [(sha, size)])

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


class Incoming:
    """One content's bytes (or a chunk of them) as a request brings them: written to a file of
    their own and hashed on the way. `write` runs in a worker thread, one block after another;
    without a path (the agency has the content already) the bytes are dropped."""

    def __init__(self, path: Path | None, digest: Any, origin: tuple[int, Any] | None) -> None:
        self.path = path
        self.digest = digest  # None: not known from the start, hashed from disk when complete
        self.origin = origin  # the running hash this chunk continues, if any
        self.received = 0
        self._file = open(path, "wb") if path is not None else None  # noqa: SIM115
        self._written_back = 0  # bytes whose write-out to the disk was started

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._file is not None:
            self._file.write(data)
            if self.digest is not None:
                self.digest.update(data)
        self.received += len(data)
        if self.received - self._written_back >= WRITEBACK_STEP:
            self.write_back()

    def write_back(self) -> None:
        """Start writing what arrived so far to the disk, without waiting: the fsync before the
        rename then has only the last bytes left to wait for, not the whole content (a 20 MB
        scan's fsync: ~20 ms, ~3 ms). Durability is the fsync's, as before."""
        if self._file is None or self._file.closed or self.received <= self._written_back:
            return
        self._file.flush()
        _start_write_out(
            self._file.fileno(), self._written_back, self.received - self._written_back
        )
        self._written_back = self.received

    def hexdigest(self) -> str | None:
        return None if self.digest is None else str(self.digest.hexdigest())

    def sync(self) -> None:
        """The bytes on disk (fsync), the file closed; before it is renamed anywhere."""
        if self._file is not None and not self._file.closed:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
        if self.path is not None:
            self.path.unlink(missing_ok=True)


class IncomingBatch:
    """A files batch's contents as its bytes arrive, one after another as its manifest lists
    them (`listed`: sha256 and size each); each written to its own file and hashed. More bytes
    than listed are refused; fewer leave it unfinished (refused when taken)."""

    def __init__(
        self,
        store: BlobStore,
        agency_id: str,
        listed: Sequence[tuple[str, int]],
        have: set[str],
    ) -> None:
        self.store, self.agency_id, self.listed, self._have = store, agency_id, listed, have
        self.contents: list[Incoming | None] = []
        self._left = 0
        self._open_next()

    @property
    def finished(self) -> bool:
        return len(self.contents) == len(self.listed) and self._left == 0

    def _open_next(self) -> None:
        """Move on to the next content(s) once the current one has all its bytes."""
        while self._left == 0 and len(self.contents) < len(self.listed):
            sha, size = self.listed[len(self.contents)]
            seen = {c for c, _ in self.listed[: len(self.contents)]}
            if sha in self._have or sha in seen:
                self.contents.append(Incoming(None, None, None))
            else:
                self.contents.append(
                    Incoming(self.store._temp(self.agency_id, sha), hashlib.sha256(), None)
                )
            self._left = size

    def write(self, data: bytes | bytearray | memoryview) -> None:
        view = memoryview(data)
        while view:
            if self._left == 0:  # every listed content has its bytes: these are too many
                raise Refused(400, Refusal.MALFORMED, field="files.size")
            take = min(self._left, len(view))
            current = self.contents[-1]
            assert current is not None
            current.write(view[:take])
            view = view[take:]
            self._left -= take
            if self._left == 0:
                current.write_back()  # the batch's fsyncs, together at its end, wait less
            self._open_next()

    def discard(self) -> None:
        """Remove every file not taken (renamed away) yet."""
        for content in self.contents:
            if content is not None:
                content.discard()


def _append(source: Path, target: Path) -> None:
    """Append `source`'s bytes to `target`, fsync it, remove `source` (a chunk after the first:
    the rare path of a resumed upload or an old desk's small chunks)."""
    with open(source, "rb") as src, open(target, "ab") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
        dst.flush()
        os.fsync(dst.fileno())
    source.unlink()


def _write_out_call() -> Callable[[int, int, int], object] | None:
    """Linux's sync_file_range(…, SYNC_FILE_RANGE_WRITE), which starts writing a file's dirty
    pages and returns; None where it is not available (the fsync then does all the work)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        call = libc.sync_file_range
    except (OSError, AttributeError):
        return None
    call.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    call.restype = ctypes.c_int
    return lambda fd, offset, length: call(fd, offset, length, SYNC_FILE_RANGE_WRITE)


def _start_write_out(fd: int, offset: int, length: int) -> None:
    if _WRITE_OUT is not None:
        _WRITE_OUT(fd, offset, length)  # a failure only leaves the work to the fsync


SYNC_FILE_RANGE_WRITE = 2
_WRITE_OUT = _write_out_call()

_syncers: ThreadPoolExecutor | None = None
_syncers_guard = threading.Lock()


def _together(work: Callable[[Any], object], items: Iterable[Any]) -> None:
    """`work` (an fsync) on every item at once: the file system commits concurrent fsyncs in
    one journal transaction, so twenty cost about what one does. The first error is raised."""
    global _syncers
    items = list(items)
    if len(items) <= 1:
        for item in items:
            work(item)
        return
    with _syncers_guard:
        if _syncers is None:
            _syncers = ThreadPoolExecutor(SYNC_WORKERS, thread_name_prefix="fsync")
    for _ in _syncers.map(work, items):
        pass


def _writer_alive(name: str) -> bool:
    """Whether the process that named a request's file `<sha>.<pid>.<random>.incoming` may
    still be writing it: not this one (it has just started), and still running."""
    parts = name.split(".")
    if len(parts) != 4 or not parts[1].isdigit():
        return True  # not named by a pid (an older server's): left to the age limit
    pid = int(parts[1])
    return pid != os.getpid() and process_alive(pid)


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
