"""A watched folder for network scanners that drop files: finished files only, then done/ or rejected/.

Polls (no extra dependency, and SMB/NFS shares rarely deliver inotify events anyway). A file
is taken once it is finished: its size and modification time are the same on two polls in a
row, and it is not a `.part`/`.tmp` still being written (scanners that rename on completion).
Each file goes through the same clean-up as an import (`pages_from_import`); the file is then
moved to `done/`, or to `rejected/` beside a `.reason.txt` saying why. Never deletes a file.

With a `WaitingFiles` store the same pipeline as a scan follows before the move: a compact PDF
with its OCR text layer and the fields read from page 1, kept until the clerk registers it.
The folder to watch is a desk setting (`scanning.json` in the data directory). No Qt here.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
import threading
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from clerk_app import errors
from clerk_app.messages import describe
from clerk_app.reading.extraction import Extraction
from scanner.batch import BatchPage, pages_from_import, read_first_page, write_document

log = logging.getLogger(__name__)

DONE = "done"
REFUSED = "rejected"
SETTINGS_FILE = "scanning.json"
WAITING_DIR = "scan-inbox"
UNFINISHED_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial")


@dataclass(frozen=True)
class Pickup:
    """One dropped file after it was handled."""

    source: Path  # where it was dropped
    moved_to: Path  # in done/ or rejected/
    pages: tuple[BatchPage, ...] = ()  # without a store: the cleaned pages, for the caller
    refused: errors.ClerkError | None = None
    reason_file: Path | None = None
    waiting: WaitingFile | None = None  # ready for the registration form (with a store only)


@dataclass(frozen=True)
class WaitingFile:
    """A dropped file made ready: its compact searchable PDF and the fields read from page 1."""

    id: str
    name: str  # the dropped file's name, as the clerk knows it
    pdf: Path
    extraction: Extraction
    original: Path  # the dropped file, now in done/
    pages: int
    arrived_at: str  # ISO time it was taken


@dataclass
class WaitingFiles:
    """The files waiting for registration, kept under the data directory across restarts.

    Each is a PDF and a JSON beside it; a registered one moves to `registered/` (nothing is
    deleted: the derived PDF is cheap, and the trail helps when a clerk asks where a file went).
    """

    root: Path
    known_issuers: tuple[str, ...] = ()

    def prepare(self, source: Path, pages: tuple[BatchPage, ...]) -> WaitingFile:
        """The scanning pipeline for one dropped file: PDF with a text layer, then page 1's fields."""
        self.root.mkdir(parents=True, exist_ok=True)
        item_id = uuid.uuid4().hex[:12]
        # The dropped file's name first: it is what the clerk sees in the form's file list.
        pdf = self.root / f"{source.stem}-{item_id}.pdf"
        write_document(pages, pdf)
        extraction = read_first_page(pages, self.known_issuers)
        when = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        return WaitingFile(item_id, source.name, pdf, extraction, source, len(pages), when)

    def keep(self, item: WaitingFile) -> None:
        record = {
            "id": item.id,
            "name": item.name,
            "pdf": item.pdf.name,
            "original": str(item.original),
            "pages": item.pages,
            "arrived_at": item.arrived_at,
            "extraction": item.extraction.to_json(),
        }
        tmp = self.root / f"{item.id}.json.part"
        tmp.write_text(json.dumps(record, ensure_ascii=False, indent=2), "utf-8")
        tmp.replace(self.root / f"{item.id}.json")

    def waiting(self) -> list[WaitingFile]:
        """Oldest first, as they arrived."""
        items = []
        for path in sorted(self.root.glob("*.json")) if self.root.is_dir() else ():
            try:
                raw: dict[str, Any] = json.loads(path.read_text("utf-8"))
                items.append(
                    WaitingFile(
                        raw["id"],
                        raw["name"],
                        self.root / raw["pdf"],
                        Extraction.from_json(raw["extraction"]),
                        Path(raw["original"]),
                        int(raw["pages"]),
                        raw["arrived_at"],
                    )
                )
            except (OSError, ValueError, KeyError, TypeError):
                log.warning("waiting file record unreadable: %s", path)
        return sorted(items, key=lambda item: (item.arrived_at, item.name))

    def settle(self, item_id: str) -> None:
        """The clerk registered it: out of the list, kept under registered/."""
        done = self.root / "registered"
        done.mkdir(parents=True, exist_ok=True)
        for path in [*self.root.glob(f"*{item_id}.pdf"), self.root / f"{item_id}.json"]:
            if path.exists():
                path.replace(done / path.name)


@dataclass(frozen=True)
class WatchSettings:
    """The desk's watched folder ("" when none) and how often it is looked at."""

    folder: str = ""
    interval: float = 2.0


def load_watch_settings(data_dir: Path) -> WatchSettings:
    path = data_dir / SETTINGS_FILE
    try:
        raw = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return WatchSettings()
    except (OSError, ValueError) as exc:
        raise errors.FileCorrupt(str(path), str(exc)) from None
    return WatchSettings(str(raw.get("folder", "")), float(raw.get("interval", 2.0)))


def save_watch_settings(data_dir: Path, settings: WatchSettings) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    tmp = data_dir / (SETTINGS_FILE + ".part")
    tmp.write_text(json.dumps(asdict(settings), ensure_ascii=False, indent=2), "utf-8")
    tmp.replace(data_dir / SETTINGS_FILE)


@dataclass
class WatchedFolder:
    folder: Path
    pages_root: Path  # where the pages' images go (the recovery folder's import area)
    clean: bool = True
    on_pickup: Callable[[Pickup], None] | None = None
    store: WaitingFiles | None = None  # when set, each file is read and kept for registration
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
        waiting: WaitingFile | None = None
        try:
            # The secrecy check is the intake's below (once per file, not twice).
            pages = tuple(pages_from_import(path, target, clean=self.clean, secrecy=False))
            if not pages:
                raise errors.FileEmpty(str(path))
            # A state secret is refused before anything of it is kept for the clerk: the
            # core's intake looks at every page for the stamp (or a typed mark), as for a file
            # added to a registration. Imported here: numpy and OCR load with the first file.
            from clerk_app.files import intake

            intake.prepare(path)
            if self.store is not None:
                waiting = self.store.prepare(path, pages)
        except errors.OcrUnavailable:
            # Not the file's fault: it stays where it was for when Tesseract is back.
            shutil.rmtree(target, ignore_errors=True)
            raise
        except errors.ClerkError as exc:
            return self._refuse(path, exc, target)
        except (OSError, ValueError, SyntaxError) as exc:
            # Pillow meets a truncated or damaged image only when it decodes it.
            return self._refuse(path, errors.FileCorrupt(str(path), str(exc)), target)
        moved = _move(path, self.folder / DONE)
        if waiting is not None and self.store is not None:
            waiting = replace(waiting, original=moved)
            self.store.keep(waiting)
            # The page images were only the way to the PDF: the original is in done/.
            shutil.rmtree(target, ignore_errors=True)
            return Pickup(path, moved, (), waiting=waiting)
        return Pickup(path, moved, pages)

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
            try:
                self.poll()
            except OSError:
                pass  # a share gone offline comes back later
            except errors.OcrUnavailable:
                log.warning("watched folder waits: Tesseract is unavailable")
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
