"""A watched folder for network scanners that drop files: finished files only, then done/ or refused/.

Polls (no extra dependency, and SMB/NFS shares rarely deliver inotify events anyway). A file
is taken once it is finished: its size and modification time are the same on two polls in a
row, and it is not a `.part`/`.tmp` still being written (scanners that rename on completion).
Each file goes through the same clean-up as an import (`pages_from_import`); the file is then
moved to `done/`, or to `refused/` beside a `.reason.txt` saying why. Never deletes a file.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from clerk_app import errors
from clerk_app.messages import describe
from scanner.batch import BatchPage, pages_from_import

DONE = "done"
REFUSED = "refused"
UNFINISHED_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial")


@dataclass(frozen=True)
class Pickup:
    """One dropped file after it was handled."""

    source: Path  # where it was dropped
    moved_to: Path  # in done/ or refused/
    pages: tuple[BatchPage, ...] = ()
    refused: errors.ClerkError | None = None
    reason_file: Path | None = None


@dataclass
class WatchedFolder:
    folder: Path
    pages_root: Path  # where the pages' images go (the recovery folder's import area)
    clean: bool = True
    on_pickup: Callable[[Pickup], None] | None = None
    _seen: dict[str, tuple[int, int]] = field(default_factory=dict, repr=False)

    def _candidates(self) -> dict[str, tuple[int, int]]:
        found: dict[str, tuple[int, int]] = {}
        if not self.folder.is_dir():
            return found
        for path in self.folder.iterdir():
            name = path.name
            if name.startswith(".") or name.lower().endswith(UNFINISHED_SUFFIXES):
                continue
            try:
                if not path.is_file():
                    continue
                stat = path.stat()
            except OSError:
                continue  # vanished between listing and stat: next poll
            found[name] = (stat.st_size, stat.st_mtime_ns)
        return found

    def poll(self) -> list[Pickup]:
        """Handle every file that is finished now; the others wait for the next poll."""
        now = self._candidates()
        ready = sorted(
            name
            for name, (size, mtime) in now.items()
            # An empty file is a scanner that has just opened it: wait for its bytes.
            if size > 0 and self._seen.get(name) == (size, mtime)
        )
        self._seen = {name: key for name, key in now.items() if name not in ready}
        out = []
        for name in ready:
            pickup = self._handle(self.folder / name)
            out.append(pickup)
            if self.on_pickup:
                self.on_pickup(pickup)
        return out

    def _handle(self, path: Path) -> Pickup:
        target = self.pages_root / path.stem
        try:
            pages = pages_from_import(path, target, clean=self.clean)
            if not pages:
                raise errors.FileEmpty(str(path))
        except errors.ClerkError as exc:
            return self._refuse(path, exc, target)
        except (OSError, ValueError, SyntaxError) as exc:
            # Pillow meets a truncated or damaged image only when it decodes it.
            return self._refuse(path, errors.FileCorrupt(str(path), str(exc)), target)
        return Pickup(path, _move(path, self.folder / DONE), tuple(pages))

    def _refuse(self, path: Path, error: errors.ClerkError, partial: Path) -> Pickup:
        shutil.rmtree(partial, ignore_errors=True)
        moved = _move(path, self.folder / REFUSED)
        message = describe(error)
        reason = moved.with_name(moved.name + ".reason.txt")
        detail = {k: v for k, v in vars(error).items() if isinstance(v, str | int | float)}
        reason.write_text(
            f"{message.one_line()}\n\n"
            + json.dumps({"error": type(error).__name__, **detail}, ensure_ascii=False)
            + "\n",
            "utf-8",
        )
        return Pickup(path, moved, (), error, reason)

    def run(self, stop: threading.Event, interval: float = 2.0) -> None:
        """Poll until `stop` is set (for a background thread of the desk)."""
        while not stop.is_set():
            with contextlib.suppress(OSError):  # a share gone offline comes back later
                self.poll()
            stop.wait(interval)


def _move(path: Path, into: Path) -> Path:
    """Move into `into`, never over an earlier file of the same name."""
    into.mkdir(parents=True, exist_ok=True)
    target = into / path.name
    n = 1
    while target.exists():
        target = into / f"{path.stem}-{n}{path.suffix}"
        n += 1
    shutil.move(str(path), str(target))
    return target
