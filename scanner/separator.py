"""QR separator sheets: print them, and find them among scanned pages; never drops a page itself.

A separator carries a QR code whose text starts with `SEPARATOR_PREFIX`; a page with any
other QR code (an e-document's verification code, say) is an ordinary page. QR codes are read
with zxing-cpp: a small self-contained wheel, so no libzbar and no OpenCV are needed.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from clerk_app import errors, messages

SEPARATOR_PREFIX = "CLERK-SEPARATOR:"
# Decoding runs on a copy this wide: a 200–300 dpi A4 page shrunk to ~100 dpi still leaves a
# printed 6 cm QR code at ~8 pixels per module, and zxing is four to nine times faster on it.
DECODE_WIDTH = 900
_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def read_qr_codes(image: Image.Image) -> list[str]:
    """The texts of every QR code found on the page (empty when none)."""
    import zxingcpp

    grey = image.convert("L") if image.mode != "L" else image
    texts: list[str] = []
    # The small copy first (fast); the full page when that finds nothing (small codes).
    for attempt in _sizes(grey):
        found = zxingcpp.read_barcodes(
            np.asarray(attempt, dtype=np.uint8),
            formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode),
        )
        texts = [code.text for code in found if code.valid]
        if texts:
            break
    return texts


def _sizes(grey: Image.Image) -> list[Image.Image]:
    if grey.width <= DECODE_WIDTH * 1.2:
        return [grey]
    scale = DECODE_WIDTH / grey.width
    small = grey.resize((DECODE_WIDTH, max(round(grey.height * scale), 1)), Image.Resampling.BOX)
    return [small, grey]


def separator_text(image: Image.Image) -> str | None:
    """The label of a separator sheet (may be ""), or None when the page is not one."""
    for text in read_qr_codes(image):
        if text.startswith(SEPARATOR_PREFIX):
            return text[len(SEPARATOR_PREFIX) :]
    return None


def separator_image(text: str = "", *, dpi: int = 200) -> Image.Image:
    """An A4 separator sheet: a large QR code in the middle, its purpose written above it."""
    import segno

    width, height = round(8.27 * dpi), round(11.69 * dpi)
    sheet = Image.new("L", (width, height), 255)
    # 6 cm across whatever the version, so any office scanner at 150 dpi or more can read it.
    qr = segno.make_qr(SEPARATOR_PREFIX + text, error="m")
    modules = qr.symbol_size(scale=1, border=4)[0]
    scale = max(round(6.0 / 2.54 * dpi / modules), 2)
    out = io.BytesIO()
    qr.save(out, kind="png", scale=scale, border=4)
    code = Image.open(io.BytesIO(out.getvalue())).convert("L")
    sheet.paste(code, ((width - code.width) // 2, (height - code.height) // 2))
    draw = ImageDraw.Draw(sheet)
    lines = [
        (messages.SEPARATOR_SHEET_TITLE, round(0.22 * dpi)),
        (text, round(0.16 * dpi)),
        (messages.SEPARATOR_SHEET_NOTE, round(0.09 * dpi)),
    ]
    top = round(1.5 * dpi)
    for line, size in lines:
        if not line:
            continue
        font = ImageFont.truetype(str(_FONT), size) if _FONT.is_file() else ImageFont.load_default()
        left, _, right, bottom = draw.textbbox((0, 0), line, font=font)
        draw.text(((width - (right - left)) // 2, top), line, fill=0, font=font)
        top += round(bottom) + round(0.15 * dpi)
    return sheet


def make_separator_sheet(
    text: str = "", *, kind: Literal["png", "pdf"] = "pdf", dpi: int = 200
) -> bytes:
    """A separator sheet ready to print, as a PDF (A4) or a PNG at `dpi`."""
    if kind == "pdf":
        return separator_sheets_pdf(text, count=1, dpi=dpi)
    out = io.BytesIO()
    separator_image(text, dpi=dpi).save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


def separator_sheets_pdf(text: str = "", *, count: int = 1, dpi: int = 200) -> bytes:
    """`count` identical A4 separator sheets in one PDF, one per page (bilevel, a few KB each)."""
    if count < 1:
        raise errors.InvalidValue("count", str(count), "một số nguyên từ 1 trở lên")
    sheet = separator_image(text, dpi=dpi).convert("1")
    out = io.BytesIO()
    sheet.save(
        out,
        format="PDF",
        resolution=float(dpi),
        save_all=True,
        append_images=[sheet.copy() for _ in range(count - 1)],
    )
    return out.getvalue()
