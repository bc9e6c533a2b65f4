"""Binds a long PDF from chunks of reportlab pages joined by PyMuPDF; it lays out and reads nothing.

One reportlab canvas keeps every finished page until `save()`, about 20 KiB a page
(bench/page_memory.py), so a 1,400-page register grew the process by ~25 MiB and a larger one
would grow without bound. Here a fresh canvas takes over every `CHUNK` pages; each finished
chunk is saved to bytes and appended to one PyMuPDF document, which keeps ~3 KiB a page.

Facts known only when the last page is drawn (the printing's page count, the fingerprint of its
entries) cannot be written on the early chunks. They are drawn at the end, once each, on an
overlay page of their own, and laid over the pages that show them as one shared form XObject
(`show_pdf_page`), so text extraction reads them on every page as if drawn there.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from clerk_app.files.mupdf import LOCK
from clerk_app.printing import layout as L

CHUNK = 100  # pages per canvas: 100 × 20 KiB bounds reportlab's share at ~2 MiB
CREATOR = "Bàn làm việc văn thư (clerk-desk)"


class Binding:
    """Pages drawn on `canvas`, ended with `end_page`, bound into `out` by `bind`."""

    def __init__(
        self, out: Path, *, title: str, author: str, font: str, chunk: int | None = None
    ) -> None:
        import pymupdf

        self.out = Path(out)
        # The canvas's starting font: reportlab otherwise declares Helvetica on every page,
        # a font the book never uses and that is not embedded.
        self.font = font
        self.title = title
        self.author = author
        self.chunk = chunk or CHUNK
        self.pages = 0  # pages ended so far, in every chunk
        self._overlays: dict[str, list[int]] = {}
        self._in_chunk = 0
        with LOCK:
            self._joined = pymupdf.open()
        self.canvas: Any = self._new_canvas()

    def _new_canvas(self) -> Any:
        from reportlab.pdfgen.canvas import Canvas

        self._buffer = io.BytesIO()
        canvas = Canvas(
            self._buffer,
            pagesize=(L.PAGE_WIDTH, L.PAGE_HEIGHT),
            invariant=1,
            initialFontName=self.font,
        )
        self._in_chunk = 0
        return canvas

    def end_page(self, overlay: str | None = None) -> None:
        """Finish the page being drawn; `overlay` names the late facts laid over it at the end."""
        self.canvas.showPage()
        if overlay:
            self._overlays.setdefault(overlay, []).append(self.pages)
        self.pages += 1
        self._in_chunk += 1
        if self._in_chunk >= self.chunk:
            self._flush()
            self.canvas = self._new_canvas()

    def _flush(self) -> None:
        import pymupdf

        if self._in_chunk == 0:
            return
        self.canvas.save()
        data = self._buffer.getvalue()
        self._buffer = io.BytesIO()
        with LOCK, pymupdf.open("pdf", data) as part:
            self._joined.insert_pdf(part)
        self._in_chunk = 0

    def bind(self, overlays: dict[str, Callable[[Any], None]], subject: str = "") -> None:
        """Lay each overlay over its pages and write `out` (beside it first, then renamed).

        `overlays[name]` draws the late facts on a blank canvas page; every overlay named by
        `end_page` must be given. Nothing is left behind if this fails.
        """
        import pymupdf
        from reportlab.pdfgen.canvas import Canvas

        self._flush()
        partial = self.out.with_name(f".{self.out.name}.{os.getpid()}.partial")
        buffer = io.BytesIO()
        names = list(self._overlays)
        late = Canvas(
            buffer, pagesize=(L.PAGE_WIDTH, L.PAGE_HEIGHT), invariant=1, initialFontName=self.font
        )
        for name in names:
            overlays[name](late)
            late.showPage()
        late.save()
        try:
            with LOCK, pymupdf.open("pdf", buffer.getvalue()) as facts:
                doc = self._joined
                for index, name in enumerate(names):
                    _lay_over(doc, facts, index, self._overlays[name])
                doc.set_metadata(
                    {
                        "title": self.title,
                        "author": self.author,
                        "subject": subject,
                        "creator": CREATOR,
                        "producer": CREATOR,
                    }
                )
                doc.save(partial)
            os.replace(partial, self.out)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        finally:
            self.close()

    def close(self) -> None:
        """Drop what was drawn (a cancelled or failed printing); safe to call twice."""
        with LOCK:
            if not self._joined.is_closed:
                self._joined.close()


def _lay_over(doc: Any, facts: Any, index: int, page_numbers: list[int]) -> None:
    """Lay page `index` of `facts` over the pages `page_numbers` of `doc`, sharing its objects.

    PyMuPDF's `show_pdf_page` makes the overlay a form XObject and adds four small objects to
    the page (the form's wrapper, and the `q`, `Q` and `Do` content streams); done on every
    page that was ~2.6 KiB a page. So it is done on the first page only, and the other pages
    get the same objects by reference: no object is added per page.
    """
    first = doc[page_numbers[0]]
    first.show_pdf_page(first.rect, facts, index, overlay=True)
    contents = doc.xref_get_key(first.xref, "Contents")[1]  # [q original Q Do]
    q, _original, end_q, draw = contents.strip("[] ").split(" 0 R")[:4]
    name, form = next((x[1], x[0]) for x in first.get_xobjects() if x[2] == 0)
    for page_no in page_numbers[1:]:
        xref = doc.page_xref(page_no)
        kind, value = doc.xref_get_key(xref, "Contents")
        own = value if kind == "xref" else " ".join(value.strip("[] ").split())
        doc.xref_set_key(
            xref, "Contents", f"[{q.strip()} 0 R {own} {end_q.strip()} 0 R {draw.strip()} 0 R]"
        )
        doc.xref_set_key(xref, f"Resources/XObject/{name}", f"{form} 0 R")
