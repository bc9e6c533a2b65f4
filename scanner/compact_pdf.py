"""Compact, legible PDFs of scanned pages: CCITT G4 for black-and-white text, JPEG for grey/colour.

Never JBIG2 (its lossy mode can swap a 6 for an 8 in a number). Pillow writes each page's image
(it encodes mode "1" as CCITTFaxDecode K=-1 and grey/colour as DCTDecode); PyMuPDF joins the
pages and lays Tesseract's invisible text over each so the PDF is searchable, keeping the image
streams as they are.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image, ImageFilter

from clerk_app import errors
from clerk_app.files.mupdf import exclusive

Encoding = Literal["bw", "gray", "color"]
JPEG_QUALITY = {"gray": 55, "color": 55}
# A page is colour when this share of it is clearly coloured (a red seal, a blue signature),
# grey when this share is real mid-tone (a photo), else black-and-white text.
COLOUR_SHARE = 0.003
MIDTONE_SHARE = 0.06


@dataclass(frozen=True)
class PdfPage:
    image: Image.Image
    dpi: int
    encoding: Encoding | None = None  # None: chosen from the image
    text_pdf: bytes | None = None  # a one-page invisible text layer from Tesseract


@dataclass(frozen=True)
class PdfReport:
    path: Path
    size: int
    encodings: tuple[Encoding, ...]


def _small(image: Image.Image, width: int = 600) -> Image.Image:
    scale = width / image.width
    return image.resize((width, max(int(image.height * scale), 1)), Image.Resampling.BOX)


def choose_encoding(image: Image.Image) -> Encoding:
    """The lightest encoding that keeps what matters on the page."""
    small = _small(image)
    if small.mode == "RGB":
        arr = np.asarray(small, dtype=np.int16)
        chroma = arr.max(axis=2) - arr.min(axis=2)
        if float((chroma > 60).mean()) > COLOUR_SHARE:
            return "color"
        small = small.convert("L")
    elif small.mode != "L":
        small = small.convert("L")
    # Text strokes are thin, so a median filter wipes their anti-aliased edges; a photo's
    # mid-tones are areas and survive it.
    smooth = np.asarray(small.filter(ImageFilter.MedianFilter(5)), dtype=np.uint8)
    paper = float(np.percentile(smooth, 90))
    midtone = (smooth > 50) & (smooth < paper - 45)
    return "gray" if float(midtone.mean()) > MIDTONE_SHARE else "bw"


def otsu_threshold(grey: np.ndarray) -> int:
    hist = np.bincount(grey.ravel(), minlength=256).astype(np.float64)
    total = hist.sum()
    weights = np.cumsum(hist)
    means = np.cumsum(hist * np.arange(256))
    between = (means[-1] * weights / total - means) ** 2 / np.maximum(
        weights * (total - weights), 1
    )
    return int(np.argmax(between))


def binarise(image: Image.Image) -> Image.Image:
    """Black-and-white for the PDF only (OCR has already read the grey image)."""
    grey = image.convert("L") if image.mode != "L" else image
    arr = np.asarray(grey, dtype=np.uint8)
    threshold = otsu_threshold(arr)
    # Clean noise: a pixel must be darker than the threshold after a light blur to be ink.
    smooth = np.asarray(grey.filter(ImageFilter.GaussianBlur(0.7)), dtype=np.uint8)
    return Image.fromarray(np.where(smooth > threshold, 255, 0).astype(np.uint8)).convert("1")


@exclusive
def page_pdf(image: Image.Image, dpi: int, encoding: Encoding) -> bytes:
    """One page holding the image alone, at its physical size."""
    if encoding == "bw":
        picture = binarise(image)
    else:
        picture = image.convert("L" if encoding == "gray" else "RGB")
        # Scanner noise is what JPEG spends its bytes on: a 3×3 median removes it (−20%)
        # while keeping the edges of strokes, so numbers stay sharp.
        picture = picture.filter(ImageFilter.MedianFilter(3))
    out = io.BytesIO()
    kwargs = {} if encoding == "bw" else {"quality": JPEG_QUALITY[encoding]}
    picture.save(out, format="PDF", resolution=float(dpi), **kwargs)
    return out.getvalue()


@exclusive
def write_pdf(pages: Sequence[PdfPage], out: Path, *, title: str = "") -> PdfReport:
    """Write the pages, each in its chosen encoding with its text layer, atomically to `out`."""
    import pymupdf

    if not pages:
        raise errors.FileEmpty(str(out))
    doc = pymupdf.open()
    encodings: list[Encoding] = []
    try:
        for page in pages:
            encoding = page.encoding or choose_encoding(page.image)
            encodings.append(encoding)
            single = pymupdf.open("pdf", page_pdf(page.image, page.dpi, encoding))
            doc.insert_pdf(single)
            single.close()
            if page.text_pdf:
                layer = pymupdf.open("pdf", page.text_pdf)
                target = doc[-1]
                target.show_pdf_page(target.rect, layer, 0, overlay=True, keep_proportion=False)
                layer.close()
        doc.set_metadata({"title": title, "producer": "clerk desk", "creator": "clerk desk"})
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".part")
        # garbage=3 merges the identical fonts of the text layers; deflate leaves the already
        # compressed CCITT and JPEG streams untouched.
        doc.save(tmp, garbage=3, deflate=True)
    finally:
        doc.close()
    tmp.replace(out)
    return PdfReport(out, out.stat().st_size, tuple(encodings))
