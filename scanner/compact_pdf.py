"""Compact, legible PDFs of scanned pages: CCITT G4 for black-and-white text, JPEG for grey/colour.

Never JBIG2 (its lossy mode can swap a 6 for an 8 in a number). Pillow writes each page's image
(it encodes mode "1" as CCITTFaxDecode K=-1 and grey/colour as DCTDecode); PyMuPDF joins the
pages and lays Tesseract's invisible text over each so the PDF is searchable, keeping the image
streams as they are. The result is PDF/A-2b: XMP identification, an sRGB output intent (the
profile is made by LittleCMS at run time, nothing opaque is checked in), a document ID, no
encryption, and only the embedded glyphless font of Tesseract's text layer.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image, ImageCms, ImageFilter

from clerk_app import errors
from clerk_app.files.mupdf import LOCK, exclusive

Encoding = Literal["bw", "gray", "color"]
JPEG_QUALITY = {"gray": 55, "color": 55}
# A page is colour when this share of it is clearly coloured (a red seal, a blue signature),
# grey when this share is real mid-tone (a photo), else black-and-white text.
COLOUR_SHARE = 0.003
MIDTONE_SHARE = 0.06


PRODUCER = "clerk desk"
SRGB_CONDITION = "sRGB IEC61966-2.1"


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


def write_pdf(pages: Iterable[PdfPage], out: Path, *, title: str = "") -> PdfReport:
    """Write the pages, each in its chosen encoding with its text layer, atomically to `out`.

    `pages` may be a generator: each page image can be dropped once its page is written, so a
    long batch never needs all its images in memory at once. The PyMuPDF lock is taken per
    page, not while the generator works (it may be OCR'ing the next pages for seconds).
    """
    import pymupdf

    with LOCK:
        doc = pymupdf.open()
    encodings: list[Encoding] = []
    try:
        for page in pages:
            encoding = page.encoding or choose_encoding(page.image)
            encodings.append(encoding)
            picture = page_pdf(page.image, page.dpi, encoding)
            with LOCK:
                single = pymupdf.open("pdf", picture)
                doc.insert_pdf(single)
                single.close()
                if page.text_pdf:
                    layer = pymupdf.open("pdf", page.text_pdf)
                    target = doc[-1]
                    target.show_pdf_page(target.rect, layer, 0, overlay=True, keep_proportion=False)
                    layer.close()
        if not encodings:
            raise errors.FileEmpty(str(out))
        with LOCK:
            make_pdfa(doc, title=title)
            out.parent.mkdir(parents=True, exist_ok=True)
            tmp = out.with_name(out.name + ".part")
            # garbage=3 merges the identical fonts of the text layers; deflate leaves the
            # already compressed CCITT and JPEG streams untouched.
            doc.save(tmp, garbage=3, deflate=True)
    finally:
        with LOCK:
            doc.close()
    tmp.replace(out)
    return PdfReport(out, out.stat().st_size, tuple(encodings))


@functools.cache
def srgb_profile() -> bytes:
    """An sRGB ICC profile (display class, v4) built by LittleCMS through Pillow."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def pdfa_xmp(*, title: str, when: dt.datetime) -> str:
    """The XMP packet of a PDF/A-2b file; every value mirrors the Info dictionary, as 6.6.2.3 asks."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    dc_title = (
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{_xml(title)}</rdf:li></rdf:Alt></dc:title>'
        if title
        else ""
    )
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '<rdf:Description rdf:about=""'
        ' xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
        ' xmlns:pdf="http://ns.adobe.com/pdf/1.3/">\n'
        "<pdfaid:part>2</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>\n"
        f"{dc_title}"
        f"<xmp:CreateDate>{stamp}</xmp:CreateDate><xmp:ModifyDate>{stamp}</xmp:ModifyDate>"
        f"<xmp:MetadataDate>{stamp}</xmp:MetadataDate>"
        f"<xmp:CreatorTool>{PRODUCER}</xmp:CreatorTool><pdf:Producer>{PRODUCER}</pdf:Producer>\n"
        "</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n"
        # No padding: nothing edits these files in place, and 2 KB per document adds up.
        '<?xpacket end="w"?>'
    )


def make_pdfa(doc: object, *, title: str = "", when: dt.datetime | None = None) -> None:
    """Turn an open PyMuPDF document of scanned pages into PDF/A-2b before it is saved.

    Only what the scans need: the pages hold DeviceGray/DeviceRGB images, which PDF/A allows
    once an output intent is present, and Tesseract's text layer uses its embedded
    GlyphLessFont in render mode 3. MuPDF writes the trailer ID and keeps XML metadata
    uncompressed on save, both of which PDF/A requires.
    """
    import pymupdf

    assert isinstance(doc, pymupdf.Document)
    when = (when or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    pdf_date = when.strftime("D:%Y%m%d%H%M%S+00'00'")
    doc.set_metadata(
        {
            "title": title,
            "producer": PRODUCER,
            "creator": PRODUCER,
            "creationDate": pdf_date,
            "modDate": pdf_date,
        }
    )
    doc.set_xml_metadata(pdfa_xmp(title=title, when=when))
    icc = doc.get_new_xref()
    doc.update_object(icc, "<< /N 3 >>")
    doc.update_stream(icc, srgb_profile(), compress=True)
    intent = doc.get_new_xref()
    doc.update_object(
        intent,
        f"<< /Type /OutputIntent /S /GTS_PDFA1 /OutputConditionIdentifier ({SRGB_CONDITION})"
        f" /Info ({SRGB_CONDITION}) /DestOutputProfile {icc} 0 R >>",
    )
    doc.xref_set_key(doc.pdf_catalog(), "OutputIntents", f"[{intent} 0 R]")
