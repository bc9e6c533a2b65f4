"""Reads each document of a scan batch ahead of the clerk: page 1's fields, then its PDF.

The clerk should never wait on OCR: as soon as a document's first page exists its header is
read in the background, and once the document is complete (the next one started, or the
scan ended) its PDF with a text layer is written. One job at a time, so the scanner and the
clerk's own work keep a core. Results are kept by the pages' content (id and edits), so an
edit simply makes the document be read again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from scanner.batch import BatchPage, read_first_page, write_document
from ui.workers import run_in_background

Key = tuple[tuple[str, int, float, str | None], ...]
Ready = Callable[[Path, Any], None]  # (the document's PDF, its Extraction or None)
Failed = Callable[[BaseException], None]


def document_key(pages: Sequence[BatchPage]) -> Key:
    return tuple((p.id, p.rotation, p.skew, p.encoding) for p in pages)


class DocumentPreparer(QObject):
    """Keeps page-1 readings and PDFs of a batch's unregistered documents ready."""

    changed = Signal()  # a reading or a PDF was finished (the screen shows it)

    def __init__(
        self,
        folder: Path,
        parent: QObject | None = None,
        known_issuers: tuple[str, ...] = (),
    ) -> None:
        super().__init__(parent)
        self.folder = folder
        self.known_issuers = known_issuers  # the desk's registered issuers, for the matcher
        self.readings: dict[Key, Any] = {}  # first page's key → Extraction (None: unreadable)
        self.files: dict[Key, Path | BaseException] = {}
        self.busy = False
        self._documents: list[list[BatchPage]] = []
        self._complete = 0  # how many of `_documents` have all their pages
        self._waiting: list[tuple[list[BatchPage], Ready, Failed]] = []

    def want(self, documents: Sequence[Sequence[BatchPage]], *, complete: int) -> None:
        """The documents to keep ready, in order; only the first `complete` get a PDF."""
        self._documents = [list(d) for d in documents if d]
        self._complete = complete
        self._kick()

    def reading(self, pages: Sequence[BatchPage]) -> Any:
        return self.readings.get(document_key(pages[:1]))

    def is_read(self, pages: Sequence[BatchPage]) -> bool:
        return document_key(pages[:1]) in self.readings

    def is_ready(self, pages: Sequence[BatchPage]) -> bool:
        return self.is_read(pages) and isinstance(self.files.get(document_key(pages)), Path)

    def get(self, pages: Sequence[BatchPage], ready: Ready, failed: Failed) -> None:
        """Call `ready(pdf, extraction)` now if prepared, else as soon as it is (this first)."""
        pages = list(pages)
        if self.is_ready(pages):
            path = self.files[document_key(pages)]
            assert isinstance(path, Path)
            ready(path, self.reading(pages))
            return
        self._waiting.append((pages, ready, failed))
        self._kick()

    def _answer_waiting(self) -> None:
        still: list[tuple[list[BatchPage], Ready, Failed]] = []
        for pages, ready, failed in self._waiting:
            made = self.files.get(document_key(pages))
            if isinstance(made, BaseException):
                failed(made)
            elif made is not None and self.is_read(pages):
                ready(made, self.reading(pages))
            else:
                still.append((pages, ready, failed))
        self._waiting = still

    def _next_job(self) -> tuple[str, list[BatchPage]] | None:
        for pages, _ready, _failed in self._waiting:
            if not self.is_read(pages):
                return "read", pages
            if document_key(pages) not in self.files:
                return "write", pages
        for pages in self._documents:
            if not self.is_read(pages):
                return "read", pages
        for pages in self._documents[: self._complete]:
            if document_key(pages) not in self.files:
                return "write", pages
        return None

    def _kick(self) -> None:
        self._answer_waiting()
        if self.busy:
            return
        job = self._next_job()
        if job is None:
            return
        kind, pages = job
        self.busy = True
        if kind == "read":
            key = document_key(pages[:1])

            def read() -> Any:
                return read_first_page(pages, self.known_issuers)

            def read_done(extraction: Any) -> None:
                self._finish(self.readings, key, extraction)

            # An unreadable page 1 is no reason to stop: the clerk types the fields.
            run_in_background(read, read_done, lambda _e: read_done(None), owner=self)
            return
        key = document_key(pages)
        name = hashlib.sha1(repr(key).encode()).hexdigest()[:12]
        out = self.folder / f"van-ban-{name}.pdf"

        def write() -> Path:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_document(pages, out)
            return out

        def write_done(path: Any) -> None:
            self._finish(self.files, key, path)

        run_in_background(write, write_done, write_done, owner=self)

    def _finish(self, into: dict[Key, Any], key: Key, value: Any) -> None:
        into[key] = value
        self.busy = False
        self.changed.emit()
        self._kick()
