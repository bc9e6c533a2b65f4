"""How messages leave the desk and arrive: the exchange adapter interface, and its first form,
a pair of folders watched by an axis gateway (outbox: the gateway takes what the desk writes;
inbox: the gateway drops what arrives). Moves bytes only; it never reads what is in them.

Rules of the folders, for whoever connects a gateway:
- A file is complete once it has its final name. Write under a name starting with "." or ending
  in ".part" or ".tmp", then rename; the desk does the same in the outbox.
- The desk takes only *.edxml and *.xml files untouched for `settle_seconds`, and moves each one
  it has dealt with to inbox/received/, named by its SHA-256, so the same bytes arriving again
  are recognised.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from clerk_app import errors
from clerk_app.files.store import fsync_dir
from clerk_app.interchange.safexml import DEFAULT_LIMITS

MessageKind = Literal["package", "status"]
RECEIVED_FOLDER = "received"
SUFFIXES = (".edxml", ".xml")
_UNFINISHED = (".part", ".tmp", ".partial", ".crdownload")


@dataclass(frozen=True)
class Sent:
    name: str
    sha256: str
    already_there: bool  # the same bytes were in the outbox already (a repeated send)


@dataclass(frozen=True)
class IncomingFile:
    name: str
    path: Path
    size: int
    data: bytes | None  # None when larger than any message may be
    sha256: str
    seen_before: bool  # the same bytes were received and dealt with before


class ExchangeAdapter(Protocol):
    """What the desk needs of a connection to the exchange axis."""

    def send(self, data: bytes, kind: MessageKind) -> Sent: ...

    def incoming(self) -> Iterator[IncomingFile]: ...

    def acknowledge(self, item: IncomingFile) -> None: ...


def write_atomically(path: Path, data: bytes) -> None:
    """`path` holds `data` whole or is left as it was; a reader never sees half of it."""
    tmp = path.with_name(f".{path.name}.part")
    try:
        with open(tmp, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise errors.StorageFailed(detail=f"{path}: {exc}") from exc


class FolderExchange:
    def __init__(
        self,
        outbox: Path,
        inbox: Path,
        *,
        settle_seconds: float = 2.0,
        max_bytes: int = DEFAULT_LIMITS.max_bytes,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.outbox = outbox
        self.inbox = inbox
        self.settle_seconds = settle_seconds
        self.max_bytes = max_bytes
        self._clock = clock
        for folder in (outbox, inbox, inbox / RECEIVED_FOLDER):
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise errors.StorageFailed(detail=f"{folder}: {exc}") from exc

    # --- sending --------------------------------------------------------------------------

    def send(self, data: bytes, kind: MessageKind) -> Sent:
        """Puts the message in the outbox under a name made from its bytes, so a repeated send
        (after a crash, say) leaves one file, not two."""
        sha = hashlib.sha256(data).hexdigest()
        name = f"{kind}-{sha[:32]}.edxml"
        path = self.outbox / name
        if path.is_file() and _same(path, sha):
            return Sent(name, sha, already_there=True)
        write_atomically(path, data)
        return Sent(name, sha, already_there=False)

    # --- receiving ------------------------------------------------------------------------

    def _candidates(self) -> list[Path]:
        try:
            entries = [p for p in self.inbox.iterdir() if p.is_file()]
        except OSError as exc:
            raise errors.FileUnreadable(str(self.inbox), detail=str(exc)) from exc
        names = []
        for p in entries:
            lower = p.name.lower()
            if p.name.startswith((".", "~")) or lower.endswith(_UNFINISHED):
                continue
            if lower.endswith(SUFFIXES):
                names.append(p)
        return names

    def incoming(self) -> Iterator[IncomingFile]:
        """Complete files in the inbox, oldest first. A file still being written (recently
        changed, or changing while read) is left for the next call."""
        now = self._clock()
        stamped = []
        for path in self._candidates():
            try:
                st = path.stat()
            except FileNotFoundError:
                continue  # taken away meanwhile
            if now - st.st_mtime < self.settle_seconds:
                continue
            stamped.append((st.st_mtime, path.name, path, st))
        for _, _, path, st in sorted(stamped):
            item = self._read(path, st)
            if item is not None:
                yield item

    def _read(self, path: Path, st: os.stat_result) -> IncomingFile | None:
        if st.st_size > self.max_bytes:
            return IncomingFile(path.name, path, st.st_size, None, "", seen_before=False)
        try:
            data = path.read_bytes()
            after = path.stat()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise errors.FileUnreadable(str(path), detail=str(exc)) from exc
        if (after.st_size, after.st_mtime_ns) != (st.st_size, st.st_mtime_ns) or len(
            data
        ) != st.st_size:
            return None  # written to while we read: not finished
        sha = hashlib.sha256(data).hexdigest()
        seen = (self.inbox / RECEIVED_FOLDER / f"{sha}.edxml").is_file()
        return IncomingFile(path.name, path, len(data), data, sha, seen_before=seen)

    def acknowledge(self, item: IncomingFile) -> None:
        """The desk has dealt with `item` (stored it, or refused it and said so): move it out of
        the way, keeping its bytes under their hash."""
        done = self.inbox / RECEIVED_FOLDER
        target = done / (f"{item.sha256}.edxml" if item.sha256 else f"oversize-{item.name}")
        try:
            if target.exists():
                item.path.unlink(missing_ok=True)
            else:
                os.replace(item.path, target)
            fsync_dir(self.inbox)
            fsync_dir(done)
        except OSError as exc:
            raise errors.StorageFailed(detail=f"{item.path}: {exc}") from exc


def _same(path: Path, sha: str) -> bool:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() == sha
    except OSError:
        return False
