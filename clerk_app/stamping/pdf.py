"""Opens PDF bytes for marking and says whether they carry signatures; never writes anything."""

from __future__ import annotations

import pymupdf

from clerk_app import errors

MM = 72 / 25.4  # PDF points per millimetre
# PyMuPDF's type stubs lack these constants.
SIGNATURE_WIDGET: int = pymupdf.PDF_WIDGET_TYPE_SIGNATURE  # type: ignore[attr-defined]
REDACT_IMAGE_NONE: int = pymupdf.PDF_REDACT_IMAGE_NONE  # type: ignore[attr-defined]
REDACT_LINE_ART_NONE: int = pymupdf.PDF_REDACT_LINE_ART_NONE  # type: ignore[attr-defined]


def open_pdf(data: bytes, name: str = "") -> pymupdf.Document:
    """The document, or FileCorrupt / FileEncrypted / FileEmpty with `name` as the path."""
    if not data:
        raise errors.FileEmpty(name)
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except (RuntimeError, ValueError) as exc:  # pymupdf.FileDataError is a RuntimeError
        raise errors.FileCorrupt(name, str(exc)) from exc
    if doc.needs_pass or doc.is_encrypted:
        doc.close()
        raise errors.FileEncrypted(name)
    if doc.page_count == 0:
        doc.close()
        raise errors.FileCorrupt(name, "không có trang nào")
    return doc


def signature_count(doc: pymupdf.Document) -> int:
    """How many signature fields carry a value (a signature), on any page."""
    if doc.get_sigflags() < 1:
        return 0
    count = 0
    for page_no in range(doc.page_count):
        for widget in doc[page_no].widgets(types=[SIGNATURE_WIDGET]):
            kind, _ = doc.xref_get_key(widget.xref, "V")
            if kind != "null":
                count += 1
    return count
