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
from clerk_app.reading.reader import PageImage, is_pdf, page_images, read_document, read_header
from scanner.cleanup import measure_page
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
    # Page 1 of an imported PDF: the file, whose own text layer is read instead of OCR.
    origin: Path | None = None

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
    with Image.open(path) as img:
        img.load()
        scanned = img.copy()
    # Looked for even without clean-up: a separator splits the batch as it arrives.
    label = separator_text(scanned)
    if label is not None:
        # A separator sheet needs no straightening or turning: it only marks a split.
        return replace(page, separator=label)
    if not clean:
        return page
    # Only measured: the page stays as scanned and `BatchPage.image` turns it when it is used
    # (turning it here too, and dropping the result, cost 0.25–0.5 s a page).
    check = measure_page(scanned, dpi)
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
        self.registered: dict[str, tuple[str, str]] = {}  # page id → (document id, label)
        self.separators: list[Separator] = []
        self._split_next = False

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
        """Pages arriving from the scanner (not an edit: undo does not take them back).

        A QR separator sheet is kept aside (`separators`), not added: the page after it starts
        the next document, so the batch is split while the feeder is still running.
        """
        for page in pages:
            if page.separator is not None:
                self.separators.append(Separator(len(self.pages), page.separator, page.source))
                self._split_next = True
                continue
            if self._split_next and self.pages:
                page = replace(page, starts_document=True)
            self._split_next = False
            self.pages.append(page)
        self._changed()

    # --- registration marks (not edits: undo never un-registers a page) ---------------------------

    def mark_registered(self, page_ids: Iterable[str], document_id: str, label: str) -> None:
        """These pages went into the register as `document_id` (shown as `label`)."""
        for page_id in page_ids:
            self.registered[page_id] = (document_id, label)
        self._changed()

    def is_registered(self, page: BatchPage) -> bool:
        return page.id in self.registered

    def document_of(self, index: int) -> int:
        """The 0-based document the page at `index` belongs to."""
        doc = -1
        for i, page in enumerate(self.pages[: index + 1]):
            if page.starts_document or i == 0:
                doc += 1
        return max(doc, 0)

    def unregistered_documents(self) -> list[list[BatchPage]]:
        """The pages not yet registered, by document, in batch order.

        A document whose first pages were registered (an undo joined it to the next one) keeps
        its other pages here, so no page is left out of the register or registered twice.
        """
        out = []
        for document in self.documents():
            left = [p for p in document if not self.is_registered(p)]
            if left:
                out.append(left)
        return out

    # --- edits --------------------------------------------------------------------------------

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
        self.delete_many([index])

    def delete_many(self, indexes: Iterable[int]) -> None:
        """Delete several pages as one edit (one undo brings them all back)."""
        doomed = set(indexes)

        def change(pages: list[BatchPage]) -> None:
            kept = [p for i, p in enumerate(pages) if i not in doomed]
            # A deleted first page hands the start of its document to the next page.
            starts = {
                self._next_kept(pages, i, doomed)
                for i in doomed
                if i < len(pages) and pages[i].starts_document
            }
            pages[:] = [replace(p, starts_document=True) if p.id in starts else p for p in kept]

        self._edit(change)

    @staticmethod
    def _next_kept(pages: list[BatchPage], index: int, doomed: set[int]) -> str | None:
        for j in range(index + 1, len(pages)):
            if j not in doomed:
                return pages[j].id if not pages[j].starts_document else None
        return None

    def rotate_many(self, indexes: Iterable[int], degrees: int = 90) -> None:
        chosen = set(indexes)

        def change(pages: list[BatchPage]) -> None:
            for i in chosen:
                pages[i] = replace(pages[i], rotation=(pages[i].rotation + degrees) % 360)

        self._edit(change)

    def move_to_document(self, index: int, step: int) -> int | None:
        """Move a page to the end of the previous document (step -1) or the start of the next
        (step +1); a document left empty disappears. Returns the page's new index, or None
        when there is no such document."""
        docs = self.documents()
        where = self.document_of(index)
        target = where + step
        if not 0 <= target < len(docs):
            return None
        page = self.pages[index]

        def change(pages: list[BatchPage]) -> None:
            moved = [list(d) for d in docs]
            moved[where] = [p for p in moved[where] if p.id != page.id]
            if step < 0:
                moved[target].append(page)
            else:
                moved[target].insert(0, page)
            out: list[BatchPage] = []
            for d, doc in enumerate(d for d in moved if d):
                out += [replace(p, starts_document=d > 0 and i == 0) for i, p in enumerate(doc)]
            pages[:] = out

        self._edit(change)
        return next(i for i, p in enumerate(self.pages) if p.id == page.id)

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
    """The registration fields from the header of a document's first page.

    Page 1 of an imported born-digital PDF is read from the file's text layer; a scan (or a
    PDF without one) by OCR of the cleaned page. The choice is the core's `read_document`.
    """
    first = pages[0]
    if first.origin is not None and first.origin.is_file():
        page = PageImage(first.image(), first.dpi)
        return read_document(first.origin, known_issuers=known_issuers, first_page=page).extraction
    return read_header(first.image(), first.dpi, known_issuers=known_issuers)


def pages_from_import(
    path: Path, folder: Path, *, clean: bool = True, secrecy: bool = True
) -> list[BatchPage]:
    """An imported PDF or image file as batch pages (the same clean-up as a scan).

    With `secrecy` (the default) every page is first looked at for a secrecy mark (the stamp
    on its image, a typed mark in its text layer) and a secret file is refused before any of
    its pages is kept; a caller that has just run the core's intake on the file passes False.
    """
    images = page_images(path)
    if secrecy:
        from clerk_app.reading.secrecy import pdf_texts, refuse_secret_pages

        refuse_secret_pages(
            ((p.image, p.dpi) for p in images), pdf_texts(path) if is_pdf(path) else ()
        )
    folder.mkdir(parents=True, exist_ok=True)
    items = []
    for i, page in enumerate(images, start=1):
        target = folder / f"import-{uuid.uuid4().hex[:8]}-{i:04d}.png"
        page.image.save(target, dpi=(page.dpi, page.dpi))
        items.append((target, page.dpi))
    pages = clean_pages(items, clean=clean)
    if pages and is_pdf(path) and pages[0].separator is None:
        # Page 1 keeps its file: a born-digital PDF is read from its own text, not its image.
        pages[0] = replace(pages[0], origin=path)
    return pages


def batch_state(batch: ScanBatch) -> dict[str, object]:
    """What a batch needs to come back after a crash: its pages, edits and registration marks."""
    return {
        "pages": [
            {
                "id": p.id,
                "source": str(p.source),
                "dpi": p.dpi,
                "rotation": p.rotation,
                "skew": p.skew,
                "blank": p.blank,
                "upside_down": p.upside_down,
                "starts_document": p.starts_document,
                "encoding": p.encoding,
                "origin": str(p.origin) if p.origin is not None else None,
            }
            for p in batch.pages
        ],
        "registered": {k: list(v) for k, v in batch.registered.items()},
    }


def batch_from_state(state: dict[str, object]) -> ScanBatch:
    """The batch `batch_state` saved; pages whose image is gone are left out."""
    pages: list[BatchPage] = []
    raw_pages = state.get("pages")
    for raw in raw_pages if isinstance(raw_pages, list) else []:
        source = Path(str(raw["source"]))
        if not source.is_file():
            continue
        pages.append(
            BatchPage(
                str(raw["id"]),
                source,
                int(raw["dpi"]),
                rotation=int(raw.get("rotation", 0)),
                skew=float(raw.get("skew", 0.0)),
                blank=bool(raw.get("blank", False)),
                upside_down=bool(raw.get("upside_down", False)),
                starts_document=bool(raw.get("starts_document", False)),
                encoding=raw.get("encoding"),
                origin=Path(str(raw["origin"])) if raw.get("origin") else None,
            )
        )
    batch = ScanBatch(pages)
    marks = state.get("registered")
    if isinstance(marks, dict):
        batch.registered = {str(k): (str(v[0]), str(v[1])) for k, v in marks.items()}
    return batch
