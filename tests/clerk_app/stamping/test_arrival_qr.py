"""The optional QR code in the arrival stamp: drawn module for module, inside the frame, text intact."""

from __future__ import annotations

import subprocess
import unicodedata
from dataclasses import replace
from pathlib import Path

import pymupdf
import pytest
from test_arrival_stamp import STAMP, scanned

from clerk_app.stamping.arrival import (
    QR_SIDE_MM,
    STAMP_HEIGHT_MM,
    STAMP_WIDTH_MM,
    qr_matrix,
    record_qr,
    stamp_arrival,
)
from clerk_app.stamping.pdf import MM

RECORD_ID = "3f1c2a9e-7b4d-4e61-9a0f-2c5d8e7b1a64"


def test_record_qr_text_carries_agency_year_number_and_record() -> None:
    text = record_qr("UBND", 2026, 12, RECORD_ID)
    assert text == "CLERK:UBND:2026:12:3F1C2A9E-7B4D-4E61-9A0F-2C5D8E7B1A64"
    assert record_qr(" ubnd ", 2026, None, RECORD_ID).startswith("CLERK:UBND:2026::")
    # Alphanumeric mode keeps a UUID payload at version 3 (29 × 29), not 33 × 33 in byte mode.
    assert len(qr_matrix(text)) == 29
    assert len(qr_matrix(text.lower())) > 29


def _sample_modules(
    data: bytes, side: int, x0: float, y0: float, module: float
) -> list[list[bool]]:
    """Dark or light at the centre of each module of the drawn code, from a 600 dpi rendering."""
    zoom = 600 / 72
    with pymupdf.open(stream=data) as doc:
        pix = doc[0].get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), colorspace=pymupdf.csGRAY)
    grid = []
    for r in range(side):
        row = []
        for c in range(side):
            px = int((x0 + (c + 0.5) * module) * zoom)
            py = int((y0 + (r + 0.5) * module) * zoom)
            row.append(pix.samples[py * pix.stride + px] < 100)
        grid.append(row)
    return grid


def test_qr_code_is_drawn_module_for_module_in_the_top_right_of_the_stamp(
    tmp_path: Path,
) -> None:
    text = record_qr("UBND", 2026, 12, RECORD_ID)
    matrix = qr_matrix(text)
    result = stamp_arrival(scanned(), replace(STAMP, qr=text))
    box = result.box
    assert (box.width, box.height) == pytest.approx((STAMP_WIDTH_MM * MM, STAMP_HEIGHT_MM * MM))

    with pymupdf.open(stream=result.data) as doc:
        page = doc[0]
        fills = [d for d in page.get_drawings() if d.get("fill") == (0.0, 0.0, 0.0)]
        words = page.get_text("words", clip=pymupdf.Rect(box.x0, box.y0, box.x1, box.y1))
        lines = page.get_text(clip=pymupdf.Rect(box.x0, box.y0, box.x1, box.y1))
    assert len(fills) == 1, "one vector path of rectangles, no image"
    rects = [item[1] for item in fills[0]["items"] if item[0] == "re"]
    dark = sum(sum(row) for row in matrix)
    module = QR_SIDE_MM * MM / (len(matrix) + 2)
    assert sum(r.width * r.height for r in rects) == pytest.approx(dark * module * module, rel=1e-3)
    code = pymupdf.Rect(fills[0]["rect"])
    assert code.width == pytest.approx(len(matrix) * module, abs=0.05)
    assert code.height == pytest.approx(len(matrix) * module, abs=0.05)
    assert module / MM > 0.35, "modules large enough for a phone camera on a 300 dpi print"
    # Inside the frame, in its top-right corner, clear of every word of the stamp.
    assert box.x0 + box.width / 2 < code.x0 and code.x1 < box.x1
    assert box.y0 < code.y0 and code.y1 < box.y0 + box.height / 2
    for word in words:
        assert not pymupdf.Rect(word[:4]).intersects(code), word[4]

    # What is printed is the code segno made: every module's centre has the right shade.
    assert _sample_modules(result.data, len(matrix), code.x0, code.y0, module) == matrix

    # The stamp's text still comes back whole, in NFC (the name wraps beside the code).
    flat = " ".join(lines.split())
    for expected in (
        "ỦY BAN NHÂN DÂN TỈNH PHÚ YÊN",
        "ĐẾN",
        "Số: 12",
        "Ngày: 10/03/2026",
        "Chuyển: Phòng Kinh tế",
        "Số và ký hiệu HS: HS-05/2026",
    ):
        assert expected in flat
    assert lines == unicodedata.normalize("NFC", lines)

    path = tmp_path / "qr.pdf"
    path.write_bytes(result.data)
    subprocess.run(["qpdf", "--check", str(path)], check=True, capture_output=True)


def test_long_agency_name_and_blank_number_keep_clear_of_the_code() -> None:
    stamp = replace(
        STAMP,
        agency_name="Sở Tài nguyên và Môi trường tỉnh Phú Yên",
        number=None,
        qr=record_qr("STNMT", 2026, None, RECORD_ID),
    )
    result = stamp_arrival(scanned(), stamp)
    box = result.box
    with pymupdf.open(stream=result.data) as doc:
        page = doc[0]
        drawings = page.get_drawings()
        code = next(pymupdf.Rect(d["rect"]) for d in drawings if d.get("fill") == (0.0, 0.0, 0.0))
        words = page.get_text("words", clip=pymupdf.Rect(box.x0, box.y0, box.x1, box.y1))
    for word in words:
        assert not pymupdf.Rect(word[:4]).intersects(code), word[4]
    # The dotted line left for the number by hand stops before the code.
    dotted = [d for d in drawings if d.get("dashes") and d["dashes"] != "[] 0"]
    assert dotted and all(pymupdf.Rect(d["rect"]).x1 < code.x0 for d in dotted)
    assert "Số:" in " ".join(w[4] for w in words)
