"""Draws the arrival stamp (dấu ĐẾN) on page 1 of an unsigned scan; returns new bytes, never edits in place.

NĐ 30 appendix IV: a 50 × 35 mm frame with the agency's name, `ĐẾN`, `Số`, `Ngày`, `Chuyển` and
`Số và ký hiệu HS`, put in blank space near the top. Urgent documents are handled "immediately"
(Phú Yên art. 5.3), so their stamp also says at what time they came (`Giờ`), as does any stamp
the clerk asks it on. The desk finds the blank space by rendering the page small and looking
for a stamp-sized area without ink, so it works on image-only scans as well as on PDFs with a
text layer.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from datetime import date, time

import pymupdf
import segno
from PIL import Image

from clerk_app import errors
from clerk_app.clock import to_vietnam
from clerk_app.files.mupdf import exclusive
from clerk_app.records import AgencyInfo, DocumentSummary
from clerk_app.stamping.fonts import font_for
from clerk_app.stamping.pdf import MM, open_pdf, signature_count
from clerk_app.vocabulary import is_urgent, number_label

STAMP_WIDTH_MM = 50.0
STAMP_HEIGHT_MM = 35.0
FRAME_COLOUR = (0.80, 0.05, 0.05)  # stamp-pad red, as on paper
VALUE_COLOUR = (0.05, 0.10, 0.55)  # what the clerk fills in, like the blue pen on paper
QR_SIDE_MM = 11.0  # the QR code in the stamp's top-right corner, light border included
QR_COLOUR = (0.0, 0.0, 0.0)  # black on paper: phone cameras read red or blue codes badly
_QR_BORDER_MODULES = 1  # the paper around it is blank (the stamp sits in blank space)

_SEARCH_DPI = 50
_CELL_PX = 4  # one search cell is 4 × 4 pixels at 50 dpi, about 2 × 2 mm
_CLEARANCE_MM = 2.0  # kept free of ink around the stamp, so it does not touch text
_EDGE_MM = 6.0  # printers and scanners lose the outermost millimetres
_SEARCH_FRACTION = 0.55  # "near the top": the upper part of the page
_SPECKLE_PIXELS = 4  # scanner dust the stamp may cover


@dataclass(frozen=True)
class ArrivalStamp:
    """What the stamp says; blank fields are drawn as dotted lines to fill in by hand."""

    agency_name: str
    number: int | None = None
    received_on: date | None = None
    forward_to: str = ""
    case_file: str = ""
    qr: str | None = None  # text of a small QR code in the top-right corner, e.g. record_qr()
    received_time: time | None = None  # drawn as `Giờ: 09:15` when given


def stamp_from_record(
    agency: AgencyInfo, summary: DocumentSummary, *, show_time: bool | None = None
) -> ArrivalStamp:
    """The stamp of a registered incoming document, every field read from its record.

    `show_time`: None puts the arrival time on urgent documents only (Phú Yên art. 5.3: they
    are handled at once, so the hour matters); True or False is the clerk's choice.
    """
    arrived = to_vietnam(summary.received_at) if summary.received_at else None
    if show_time is None:
        show_time = is_urgent(summary.urgency)
    return ArrivalStamp(
        agency_name=agency.name,
        number=summary.number,
        received_on=arrived.date() if arrived else None,
        forward_to=summary.recipients,
        # Finds the record from the paper: agency, year, arrival number and record id.
        qr=record_qr(agency.code, summary.year, summary.number, summary.id),
        received_time=arrived.time().replace(second=0, microsecond=0)
        if arrived and show_time
        else None,
    )


def record_qr(agency_code: str, year: int, number: int | None, record_id: str) -> str:
    """The QR text that finds the record from the paper: `CLERK:UBND:2026:12:<RECORD ID>`.

    Upper case throughout so the code uses QR alphanumeric mode (29 × 29 modules for a UUID
    instead of 33 × 33 in byte mode), which keeps the modules large enough to scan.
    """
    parts = ("CLERK", agency_code.strip(), str(year), "" if number is None else str(number))
    return ":".join((*parts, record_id.strip())).upper()


@dataclass(frozen=True)
class Box:
    """A rectangle on the page in PDF points, origin top left (as the page is shown)."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def moved_to(self, x0: float, y0: float) -> Box:
        return Box(x0, y0, x0 + self.width, y0 + self.height)


@dataclass(frozen=True)
class StampedPdf:
    data: bytes
    box: Box


def stamp_size() -> tuple[float, float]:
    """Width and height of the stamp in points (its real size on A4)."""
    return STAMP_WIDTH_MM * MM, STAMP_HEIGHT_MM * MM


@exclusive
def page_size(data: bytes, *, name: str = "") -> tuple[float, float]:
    """Width and height of page 1 in points, as it is shown (rotation applied)."""
    with open_pdf(data, name) as doc:
        rect = doc[0].rect
        return float(rect.width), float(rect.height)


@exclusive
def suggest_place(data: bytes, *, name: str = "") -> Box:
    """Where on page 1 the stamp fits without covering anything; NoBlankSpaceForStamp if nowhere."""
    with open_pdf(data, name) as doc:
        page = doc[0]
        return _blank_place(page)


@exclusive
def stamp_arrival(
    data: bytes, stamp: ArrivalStamp, place: Box | None = None, *, name: str = ""
) -> StampedPdf:
    """A new PDF with the stamp on page 1, at `place` (the clerk's choice) or in blank space found.

    Refuses a signed PDF: its page content is evidence and stamping it would break the
    signatures (the record carries the arrival data instead, Phú Yên art. 5.4.b).
    """
    with open_pdf(data, name) as doc:
        signed = signature_count(doc)
        if signed:
            raise errors.DocumentAlreadySigned(signed)
        page = doc[0]
        if page.rotation:
            # Drawing in the unrotated frame of a turned scan would put the stamp sideways.
            page.remove_rotation()
        box = place or _blank_place(page)
        rect = page.rect
        if box.x0 < rect.x0 or box.y0 < rect.y0 or box.x1 > rect.x1 or box.y1 > rect.y1:
            raise errors.StampOutsidePage(1)
        _draw(page, box, stamp)
        # garbage=0: the scan's own objects are copied as they are (no recompression, fast).
        out = doc.tobytes(garbage=0, deflate=True)
    return StampedPdf(bytes(out), box)


# --- finding blank space -------------------------------------------------------------------


def _ink_cells(page: pymupdf.Page) -> tuple[list[list[int]], float]:
    """Per 2 × 2 mm cell of the page as shown, how many of its 16 pixels are ink."""
    zoom = _SEARCH_DPI / 72
    pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), colorspace=pymupdf.csGRAY)
    img = Image.frombytes("L", (pix.width, pix.height), pix.samples)
    histogram = img.histogram()
    # Paper is the brightness that 10 % of the pixels reach: scans are grey, not white.
    total, seen, paper = pix.width * pix.height, 0, 255
    for level in range(255, -1, -1):
        seen += histogram[level]
        if seen >= total * 0.10:
            paper = level
            break
    threshold = max(paper - 60, 60)
    mask = img.point([255 if v < threshold else 0 for v in range(256)])
    cells_img = mask.reduce(_CELL_PX)  # mean ink per cell, 0..255
    width, height = cells_img.size
    raw = cells_img.tobytes()
    scale = _CELL_PX * _CELL_PX / 255
    grid = [
        [round(raw[row * width + col] * scale) for col in range(width)] for row in range(height)
    ]
    return grid, _CELL_PX / zoom


def _blank_place(page: pymupdf.Page) -> Box:
    grid, cell = _ink_cells(page)
    rows, cols = len(grid), len(grid[0])
    width_pt, height_pt = stamp_size()
    clearance = _CLEARANCE_MM * MM
    need_w = math.ceil((width_pt + 2 * clearance) / cell)
    need_h = math.ceil((height_pt + 2 * clearance) / cell)
    edge = math.ceil(max(_EDGE_MM * MM - clearance, 0) / cell)
    last_row = min(rows - need_h - edge, int(rows * _SEARCH_FRACTION))
    last_col = cols - need_w - edge
    # Summed-area table: the ink under any rectangle in four lookups.
    sat = [[0] * (cols + 1) for _ in range(rows + 1)]
    for r in range(rows):
        running = 0
        row, above, here = grid[r], sat[r], sat[r + 1]
        for c in range(cols):
            running += row[c]
            here[c + 1] = above[c + 1] + running
    for top in range(edge, last_row + 1):
        bottom = top + need_h
        upper, lower = sat[top], sat[bottom]
        for left in range(edge, last_col + 1):
            right = left + need_w
            ink = lower[right] - lower[left] - upper[right] + upper[left]
            if ink <= _SPECKLE_PIXELS:
                x0 = left * cell + clearance
                y0 = top * cell + clearance
                return Box(x0, y0, x0 + width_pt, y0 + height_pt)
    raise errors.NoBlankSpaceForStamp(1, STAMP_WIDTH_MM, STAMP_HEIGHT_MM)


# --- drawing -------------------------------------------------------------------------------


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def _fit(font: pymupdf.Font, text: str, width: float, size: float, smallest: float) -> float:
    while size > smallest and font.text_length(text, size) > width:
        size -= 0.25
    return size


def _wrap(font: pymupdf.Font, text: str, width: float, size: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and font.text_length(candidate, size) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def _draw(page: pymupdf.Page, box: Box, stamp: ArrivalStamp) -> None:
    agency = _nfc(stamp.agency_name).upper()
    # The arrival number as the register prints it (one rule: vocabulary.number_label).
    number = "" if stamp.number is None else number_label("incoming", stamp.number)
    day = "" if stamp.received_on is None else stamp.received_on.strftime("%d/%m/%Y")
    hour = "" if stamp.received_time is None else stamp.received_time.strftime("%H:%M")
    forward_to = _nfc(stamp.forward_to)
    case_file = _nfc(stamp.case_file)
    labels = ("Số:", "Ngày:", "Giờ:", "Chuyển:", "Số và ký hiệu HS:")
    bold_text = agency + "ĐẾN"
    regular_text = "".join(labels) + number + day + hour + forward_to + case_file + "."
    bold_bytes = font_for(bold_text, "bold")
    regular_bytes = font_for(regular_text, "regular")
    bold = pymupdf.Font(fontbuffer=bold_bytes)
    regular = pymupdf.Font(fontbuffer=regular_bytes)
    # TextWriters, not page.insert_text, which rebuilds the font's width table for every line.
    frame = pymupdf.TextWriter(page.rect, color=FRAME_COLOUR)

    pad = 1.8 * MM
    inner = box.width - 2 * pad
    rect = pymupdf.Rect(box.x0, box.y0, box.x1, box.y1)
    page.draw_rect(rect, color=FRAME_COLOUR, width=1.2, overlay=True)
    qr_left = box.x1 - pad
    if stamp.qr:
        qr_box = _draw_qr(page, box.x1 - pad, box.y0 + pad, stamp.qr)
        qr_left = qr_box.x0
        # The agency's name keeps to the left of the code.
        inner = qr_box.x0 - 1.5 * MM - (box.x0 + pad)

    name_size = 7.5
    name_lines = _wrap(bold, agency, inner, name_size)
    while len(name_lines) > 2 and name_size > 5.5:
        name_size -= 0.25
        name_lines = _wrap(bold, agency, inner, name_size)
    y = box.y0 + pad + name_size
    for line in name_lines[:2]:
        x = box.x0 + pad + (inner - bold.text_length(line, name_size)) / 2
        frame.append((x, y), line, font=bold, fontsize=name_size)
        y += name_size * 1.15
    if len(name_lines) == 1:
        y += name_size * 1.15  # the number block sits at the same height for short names

    label_size, value_size = 8.5, 9.5
    first = y + 8.0
    # Beside ĐẾN: Số, Ngày and, when the time is wanted, Giờ; then Chuyển and Số và ký hiệu HS.
    # The rows share what is left of the frame, as on the rubber stamp.
    beside = [("Số:", number), ("Ngày:", day)] + ([("Giờ:", hour)] if hour else [])
    row = (box.y1 - pad - 1.5 - first) / (len(beside) + 1)
    den_size = 15.0
    middle = first + row * (len(beside) - 1) / 2
    frame.append((box.x0 + pad, middle + den_size * 0.3), "ĐẾN", font=bold, fontsize=den_size)
    column = box.x0 + pad + bold.text_length("ĐẾN", den_size) + 2.5 * MM
    rows = [(column, first + i * row, label, value) for i, (label, value) in enumerate(beside)]
    rows += [
        (box.x0 + pad, first + len(beside) * row, "Chuyển:", forward_to),
        (box.x0 + pad, first + (len(beside) + 1) * row, "Số và ký hiệu HS:", case_file),
    ]
    frame.write_text(page)
    for x, baseline, label, value in rows:
        # The top row stops short of the QR code when there is one.
        right = qr_left - 1.5 * MM if baseline == first else box.x1 - pad
        # Label then value, so text extraction reads "Số: 12" as one line.
        label_writer = pymupdf.TextWriter(page.rect, color=FRAME_COLOUR)
        label_writer.append((x, baseline), label, font=regular, fontsize=label_size)
        label_writer.write_text(page)
        start = x + regular.text_length(label, label_size) + 2.0
        room = right - start
        if value:
            size = _fit(regular, value, room, value_size, 5.5)
            value_writer = pymupdf.TextWriter(page.rect, color=VALUE_COLOUR)
            value_writer.append((start, baseline), value, font=regular, fontsize=size)
            value_writer.write_text(page)
        else:
            page.draw_line(
                (start, baseline + 1),
                (right, baseline + 1),
                color=FRAME_COLOUR,
                width=0.5,
                dashes="[1 1.5] 0",
            )


def qr_matrix(text: str) -> list[list[bool]]:
    """The QR code's modules, dark = True, without the light border (segno picks the version)."""
    code = segno.make_qr(_nfc(text), error="m")
    return [[bool(v) for v in row] for row in code.matrix_iter(scale=1, border=0)]


def _draw_qr(page: pymupdf.Page, right: float, top: float, text: str) -> Box:
    """The code as filled vector rectangles (one per run of dark modules in a row), so it
    prints sharp at any resolution and adds no image to the scan; returns its box, border
    included."""
    matrix = qr_matrix(text)
    side = QR_SIDE_MM * MM
    module = side / (len(matrix) + 2 * _QR_BORDER_MODULES)
    x0, y0 = right - side, top
    origin_x = x0 + _QR_BORDER_MODULES * module
    origin_y = y0 + _QR_BORDER_MODULES * module
    shape = page.new_shape()
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            shape.draw_rect(
                pymupdf.Rect(
                    origin_x + start * module,
                    origin_y + r * module,
                    origin_x + c * module,
                    origin_y + (r + 1) * module,
                )
            )
    shape.finish(color=None, fill=QR_COLOUR, width=0)
    shape.commit(overlay=True)
    return Box(x0, y0, x0 + side, y0 + side)
