"""Reads an electronic file like a scan: a PDF's own text layer first, OCR only where it has none.

The file is checked by the core's intake first, so a broken file gives the same Vietnamese
message as the command line (a cut-off PDF says it is cut off, never an IndexError). The
reading itself is the core's (`reading.reader.read_document`): one text-layer path for the
form, `clerk extract` and the benchmarks.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from clerk_app.files import intake
from clerk_app.reading.extraction import Extraction
from clerk_app.reading.reader import read_document


def read_electronic(path: Path, *, known_issuers: Iterable[str] = ()) -> Extraction:
    """The registration fields from page 1 of a PDF or image file."""
    intake.prepare(path)  # refuses a damaged, empty or secret file with the CLI's message
    return read_document(path, known_issuers=known_issuers).extraction
