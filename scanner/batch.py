"""A scan batch as the clerk edits it: pages, turns, order, splits into documents, undo; no Qt.

Edits are drafts over the untouched page images in the recovery folder: each page keeps its
source file, and rotation, deskew and order are applied only when a document is written. Every
edit can be undone. Blank pages are flagged, never removed unless the clerk says so.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image

from clerk_app.reading.extraction import Extraction
from clerk_app.reading.ocr import ocr_images
from clerk_app.reading.reader import page_images, read_header
from scanner.cleanup import check_page
from scanner.compact_pdf import Encoding, PdfPage, PdfReport, write_pdf
from scanner.separator import separator_text


@dataclass(frozen=True)
class BatchPage:
    id: str
    source: Path  # the page as scanned (or imported); never modified
    dpi: int
    rotation: int = 0  # clockwise degrees: 0, 90, 180, 270
    skew: float = 0.0  # degrees the clean-up turns it back by
    blank: bool = False  # looks blank: shown flagged, kept until the clerk decides
    upside_down: bool = False  # found upside down and turned (rotation includes it)
    starts_document: bool = False  # the clerk (or a separator sheet) starts a new document here
    encoding: Encoding | None = None  # the clerk's override of the automatic choice
    separator: str | None = None  # a QR separator sheet's label ("" when it has none)

    def image(self) -> Image.Image:
        with Image.open(self.source) as img:
            img.load()
            page = img.copy()
        if page.mode not in ("L", "RGB"):
            page = page.convert("RGB" if "A" in page.mode or page.mode == "P" else "L")
        if self.skew:
            fill: int | tuple[int, ...] = 255 if page.mode == "L" else (255, 255, 255)
            page = page.rotate(self.skew, resample=Image.Resampling.BICUBIC, fillcolor=fill)
        if self.rotation:
            page = page.rotate(-self.rotation, expand=True)
        return page


@dataclass(frozen=True)
class Separator:
    position: int  # 0-based place in the batch before the split
    text: str  # the label printed on the sheet
    source: Path  # the sheet's image, kept in the recovery folder


def page_from_file(path: Path, dpi: int, *, clean: bool = True) -> BatchPage:
    """A batch page for a scanned image: skew measured, blank flagged, upside-down turned."""
    page = BatchPage(uuid.uuid4().hex, path, dpi)
    if not clean:
        return page
    with Image.open(path) as img:
        img.load()
        scanned = img.copy()
    label = separator_text(scanned)
    if label is not None:
        # A separator sheet needs no straightening or turning: it only marks a split.
        return replace(page, separator=label)
    _, check = check_page(scanned, dpi)
    return replace(
        page,
        skew=check.skew,
        blank=check.blank,
        upside_down=check.upside_down,
        rotation=180 if check.upside_down else 0,
    )


def clean_pages(
    items: Sequence[tuple[Path, int]], *, clean: bool = True, workers: int = 2
) -> list[BatchPage]:
    """Clean many pages at once (the orientation check runs Tesseract: one per core)."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda item: page_from_file(item[0], item[1], clean=clean), items))


class ScanBatch:
    """The pages of one batch and the clerk's draft edits on them, with undo and redo."""

    def __init__(self, pages: Iterable[BatchPage] = ()) -> None:
        self.pages: list[BatchPage] = list(pages)
        self._undo: list[list[BatchPage]] = []
        self._redo: list[list[BatchPage]] = []
        self.listeners: list[Callable[[], None]] = []

    def _edit(self, change: Callable[[list[BatchPage]], None]) -> None:
        before = list(self.pages)
        change(self.pages)
        self._undo.append(before)
        self._redo.clear()
        self._changed()

    def _changed(self) -> None:
        for listener in self.listeners:
            listener()

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self) -> None:
        if self._undo:
            self._redo.append(self.pages)
            self.pages = self._undo.pop()
            self._changed()

    def redo(self) -> None:
        if self._redo:
            self._undo.append(self.pages)
            self.pages = self._redo.pop()
            self._changed()

    def append(self, pages: Sequence[BatchPage]) -> None:
        """Pages arriving from the scanner (not an edit: undo does not take them back)."""
        self.pages.extend(pages)
        self._changed()

    def rotate(self, index: int, degrees: int = 90) -> None:
        def change(pages: list[BatchPage]) -> None:
            page = pages[index]
            pages[index] = replace(page, rotation=(page.rotation + degrees) % 360)

        self._edit(change)

    def move(self, index: int, to: int) -> None:
        def change(pages: list[BatchPage]) -> None:
            pages.insert(to, pages.pop(index))

        self._edit(change)

    def delete(self, index: int) -> None:
        def change(pages: list[BatchPage]) -> None:
            del pages[index]

        self._edit(change)

    def insert(self, index: int, new: Sequence[BatchPage]) -> None:
        def change(pages: list[BatchPage]) -> None:
            pages[index:index] = list(new)

        self._edit(change)

    def set_encoding(self, index: int, encoding: Encoding | None) -> None:
        def change(pages: list[BatchPage]) -> None:
            pages[index] = replace(pages[index], encoding=encoding)

        self._edit(change)

    def toggle_split(self, index: int) -> None:
        """Start a new document at this page, or join it back to the one before."""

        def change(pages: list[BatchPage]) -> None:
            page = pages[index]
            pages[index] = replace(page, starts_document=not page.starts_document)

        self._edit(change)

    def split_at_blanks(self) -> int:
        """Blank pages become separators: each starts a new document and is left out of it.

        Returns how many separators were found. One undo restores the batch as it was.
        """
        count = sum(1 for p in self.pages if p.blank)
        if not count:
            return 0

        def change(pages: list[BatchPage]) -> None:
            out: list[BatchPage] = []
            start_next = False
            for page in pages:
                if page.blank:
                    start_next = True
                    continue
                out.append(replace(page, starts_document=page.starts_document or start_next))
                start_next = False
            pages[:] = out

        self._edit(change)
        return count

    def split_at_separators(self) -> list[Separator]:
        """QR separator sheets start a new document each and are left out of the documents.

        Their images stay in the recovery folder; the list says where each one was (position
        in the batch before the split) and what it said. One undo restores the batch.
        """
        found = [
            Separator(i, page.separator, page.source)
            for i, page in enumerate(self.pages)
            if page.separator is not None
        ]
        if not found:
            return found

        def change(pages: list[BatchPage]) -> None:
            out: list[BatchPage] = []
            start_next = False
            for page in pages:
                if page.separator is not None:
                    start_next = True
                    continue
                out.append(replace(page, starts_document=page.starts_document or start_next))
                start_next = False
            pages[:] = out

        self._edit(change)
        return found

    def documents(self) -> list[list[BatchPage]]:
        docs: list[list[BatchPage]] = []
        for page in self.pages:
            if page.starts_document or not docs:
                docs.append([])
            docs[-1].append(page)
        return docs


def write_document(
    pages: Sequence[BatchPage],
    out: Path,
    *,
    ocr: bool = True,
    on_page: Callable[[int], None] | None = None,
    chunk: int | None = None,
) -> PdfReport:
    """One document's pages as a compact PDF with a text layer (OCR of the grey images).

    Pages are read, OCR'd and written `chunk` at a time (one per core by default), so a
    200-page batch holds a handful of page images in memory, not 200 (≈ 9 MB each, A4 grey
    at 300 dpi).
    """
    size = max(chunk or os.cpu_count() or 1, 1)

    def stream() -> Iterator[PdfPage]:
        for start in range(0, len(pages), size):
            part = pages[start : start + size]
            images = [p.image() for p in part]
            layers: list[bytes | None] = [None] * len(part)
            if ocr:
                by_dpi: dict[int, list[int]] = {}
                for i, page in enumerate(part):
                    by_dpi.setdefault(page.dpi, []).append(i)
                for dpi, indexes in by_dpi.items():
                    read = ocr_images(
                        [images[i] for i in indexes],
                        dpi=dpi,
                        text_pdf=True,
                        on_page=_batch_index(on_page, start, indexes),
                    )
                    for i, result in zip(indexes, read, strict=True):
                        layers[i] = result.text_pdf
            for i, page in enumerate(part):
                yield PdfPage(images[i], page.dpi, page.encoding, layers[i])
            del images, layers

    return write_pdf(stream(), out)


def _batch_index(
    on_page: Callable[[int], None] | None, start: int, indexes: list[int]
) -> Callable[[int], None] | None:
    """Report OCR progress by the page's place in the whole document, not in its chunk."""
    if on_page is None:
        return None
    report = on_page
    return lambda j: report(start + indexes[j])


def read_first_page(pages: Sequence[BatchPage], known_issuers: Iterable[str] = ()) -> Extraction:
    """The registration fields from the header of a document's first page."""
    first = pages[0]
    return read_header(first.image(), first.dpi, known_issuers=known_issuers)


def pages_from_import(path: Path, folder: Path, *, clean: bool = True) -> list[BatchPage]:
    """An imported PDF or image file as batch pages (the same clean-up as a scan)."""
    folder.mkdir(parents=True, exist_ok=True)
    items = []
    for i, page in enumerate(page_images(path), start=1):
        target = folder / f"import-{uuid.uuid4().hex[:8]}-{i:04d}.png"
        page.image.save(target, dpi=(page.dpi, page.dpi))
        items.append((target, page.dpi))
    return clean_pages(items, clean=clean)
