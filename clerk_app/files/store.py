"""Content-addressed file store (SHA-256) under one folder; it never modifies or renames a blob."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from clerk_app.errors import StorageFailed, StoredFileDamaged

_SHA256 = re.compile(r"[0-9a-f]{64}")
_READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH  # 0o444


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    path: Path
    created: bool  # False when the store already held these bytes: discard() must leave them


class ContentStore:
    """Blobs at root/ab/cd/<sha256>, written atomically and read back only after a hash check."""

    def __init__(self, root: Path) -> None:
        self._root = root

    @property
    def root(self) -> Path:
        return self._root

    def path(self, sha256: str) -> Path:
        # The hash becomes a path: anything but 64 lower-case hex digits could escape the root.
        if not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self._root / sha256[:2] / sha256[2:4] / sha256

    def contains(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put(self, data: bytes) -> StoredBlob:
        """Store `data` (durably, before returning); storing bytes already there is a no-op."""
        digest = hashlib.sha256(data).hexdigest()
        final = self.path(digest)
        try:
            if _holds(final, digest, len(data)):
                return StoredBlob(digest, len(data), final, created=False)
            # A file already at `final` that fails the check is damaged: it is replaced, but it
            # is not ours to discard, since records may refer to it.
            healing = final.exists()
            created = self._write(final, data, digest) and not healing
        except OSError as exc:
            raise StorageFailed(
                detail=exc.strerror or str(exc), extra={"sha256": digest, "path": str(final)}
            ) from exc
        return StoredBlob(digest, len(data), final, created=created)

    def adopt(self, files: list[tuple[Path, str]]) -> None:
        """Take in files the caller has written and hashed as they arrived (a verified
        download), by rename instead of writing their bytes a second time: each is fsynced,
        made read-only and renamed into place; each directory touched is fsynced once for the
        whole list. `files`: (path on the same file system, its SHA-256)."""
        directories: set[Path] = set()
        try:
            for path, digest in files:
                final = self.path(digest)
                if not final.parent.exists():
                    directories |= {final.parent.parent, self._root}
                    final.parent.mkdir(parents=True, exist_ok=True)
                if _holds(final, digest, path.stat().st_size):
                    _unlink_read_only(path)
                    continue
                with open(path, "rb") as fh:
                    os.fsync(fh.fileno())
                os.chmod(path, _READ_ONLY)
                try:
                    os.replace(path, final)
                except PermissionError:  # Windows: a read-only file is there, and damaged
                    os.chmod(final, stat.S_IRUSR | stat.S_IWUSR)
                    os.replace(path, final)
                directories.add(final.parent)
            for directory in sorted(directories, key=lambda d: len(d.parts), reverse=True):
                fsync_dir(directory)
        except OSError as exc:
            raise StorageFailed(detail=exc.strerror or str(exc)) from exc

    def read(self, sha256: str) -> bytes:
        """The blob's bytes; StoredFileDamaged (a StorageFailed) when missing or tampered with."""
        path = self.path(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise StoredFileDamaged(
                detail="missing", extra={"path": str(path)}, sha256=sha256, reason="missing"
            ) from exc
        except OSError as exc:
            raise StorageFailed(
                detail=exc.strerror or str(exc), extra={"sha256": sha256, "path": str(path)}
            ) from exc
        actual = hashlib.sha256(data).hexdigest()
        if actual != sha256:
            raise StoredFileDamaged(
                detail="hash mismatch",
                extra={"path": str(path), "actual_sha256": actual},
                sha256=sha256,
                reason="mismatch",
            )
        return data

    def discard(self, blob: StoredBlob) -> None:
        """Undo a put() whose database transaction failed; blobs the store already had stay."""
        if not blob.created:
            return
        try:
            _unlink_read_only(blob.path)
        except OSError as exc:
            raise StorageFailed(
                detail=exc.strerror or str(exc),
                extra={"sha256": blob.sha256, "path": str(blob.path)},
            ) from exc

    def _write(self, final: Path, data: bytes, digest: str) -> bool:
        """Write atomically; False when a concurrent put() got the same bytes there first."""
        tmp_dir = self._root / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix=digest[:16] + ".", suffix=".part")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, _READ_ONLY)
            try:
                os.replace(tmp, final)
            except PermissionError:
                # Windows refuses to replace a read-only file: either another put() stored the
                # same bytes meanwhile, or the file there is damaged and must be replaced.
                if _holds(final, digest, len(data)):
                    _unlink_read_only(tmp)
                    return False
                os.chmod(final, stat.S_IRUSR | stat.S_IWUSR)
                os.replace(tmp, final)
            # A new name is durable only once its directory (and any directory just made for it)
            # reaches the disk; the file's own fsync does not cover that.
            for directory in (final.parent, final.parent.parent, self._root):
                fsync_dir(directory)
        except BaseException:
            # After the rename the blob is whole and correct; only the temp file can be partial.
            with contextlib.suppress(OSError):
                _unlink_read_only(tmp)
            raise
        return True


def _holds(path: Path, digest: str, size: int) -> bool:
    try:
        if path.stat().st_size != size:
            return False
        with path.open("rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest() == digest
    except FileNotFoundError:
        return False


def _unlink_read_only(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        return
    except PermissionError:
        if os.name != "nt":
            raise
        # Windows will not delete a read-only file; POSIX only asks the directory's permission.
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        path.unlink()


def fsync_dir(directory: Path) -> None:
    """Make a rename in `directory` durable (the file's own fsync does not cover its name)."""
    if os.name == "nt":
        return  # directories cannot be opened for fsync on Windows; NTFS journals the rename
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
