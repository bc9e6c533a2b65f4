"""Reads a scan or an imported file: page images, the header of page 1 first, then the full text.

The same path serves the scanner (images in memory) and imported PDFs or images (files); no
clean-up here (the scanner package deskews and flags pages before they come here).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image

from clerk_app import errors
from clerk_app.files.mupdf import exclusive
from clerk_app.reading.extraction import (
    FIELDS,
    SYMBOL_TAIL,
    Extraction,
    FieldReading,
    calibrated_copy,
    extract,
    without_sure_urgency,
)
from clerk_app.reading.ocr import OcrPage, Word, ocr_image, ocr_images
from clerk_app.reading.photo import straighten
from clerk_app.reading.stamps import stamp_in_header
from clerk_app.text import nfc

# NĐ 30 puts every field the form needs in the top ~40% of page 1; reading only that first
# gives the form its values in about half a second.
HEADER_FRACTION = 0.45
RENDER_DPI = 300
A4_WIDTH_INCHES = 8.27


@dataclass(frozen=True)
class PageImage:
    image: Image.Image
    dpi: int


@dataclass(frozen=True)
class FileReading:
    extraction: Extraction
    pages: tuple[OcrPage, ...]  # empty unless the full text was asked for

    @property
    def ocr_text(self) -> str:
        return "\n\n".join(p.text.strip() for p in self.pages)


def read_header(
    image: Image.Image,
    dpi: int,
    *,
    known_issuers: Iterable[str] = (),
    agencies_dir: Path | None = None,
    calibrated: bool = True,
) -> Extraction:
    """OCR the header region of a first page and read its fields.

    A phone photo is straightened first (the page's quadrilateral warped upright, shadows
    flattened); a scan passes through unchanged unless its light is uneven.
    """
    straight = straighten(image, dpi)
    bottom = int(straight.image.height * HEADER_FRACTION)
    region = (0, 0, straight.image.width, bottom)
    found = _read_straight(straight.image, straight.dpi, region, known_issuers, agencies_dir)
    if found.urgency.value is None and straight.corners is None:
        # An urgency mark stamped in coloured ink is washed out with the seals before OCR:
        # the header's coloured ink is looked at on its own (a scan: same pixels as read).
        stamp = stamp_in_header(image, dpi, region) if image.mode == "RGB" else None
        if stamp is not None and stamp.value is not None:
            found = replace(found, urgency=FieldReading(stamp.value, STAMPED_URGENCY_SCORE))
        elif stamp is not None and stamp.traced:
            found = without_sure_urgency(found)
    return calibrated_copy(found) if calibrated else found


# The raw score of an urgency read from a coloured stamp: a reading of its own, under the
# scores of a printed mark (so the calibration never shows it as sure without its own bin).
STAMPED_URGENCY_SCORE = 0.9


def _read_straight(
    image: Image.Image,
    dpi: int,
    region: tuple[int, int, int, int],
    known_issuers: Iterable[str],
    agencies_dir: Path | None,
) -> Extraction:
    """The raw (uncalibrated) fields of the straightened page's header."""
    calibrated = False
    page = ocr_image(image, dpi=dpi, region=region)
    found = extract(
        page, known_issuers=known_issuers, agencies_dir=agencies_dir, calibrated=calibrated
    )
    found = _symbol_tail(image, dpi, page, found)
    if found.reference.value is not None and found.issued_on.value is not None:
        return found
    # Every NĐ 30 letter has its number and its date. When the layout analysis lost one (a
    # note scribbled beside the number pulled into its line, an italic digit misread into an
    # impossible date), the header is read again as sparse text, each word on its own, and
    # the reading with more fields wins. Only such pages pay for the second pass.
    again = extract(
        ocr_image(image, dpi=dpi, region=region, psm=SPARSE_PSM),
        known_issuers=known_issuers,
        agencies_dir=agencies_dir,
        calibrated=calibrated,
    )
    return again if _fields_read(again) > _fields_read(found) else found


SPARSE_PSM = 11  # Tesseract's "sparse text": no columns or blocks assumed
LINE_PSM = 7  # one line of text


def _symbol_tail(image: Image.Image, dpi: int, page: OcrPage, found: Extraction) -> Extraction:
    """A symbol broken after its hyphen (`1821/TTr-SNV-` / `QLCL`) whose second line the
    page's reading did not give as a symbol's end (`QLCL` read `(8Ú GP` among the page's
    blocks): that line alone, read again as one line under the number."""
    value = found.reference.value
    if not isinstance(value, str) or not value.endswith("-"):
        return found
    number = [w for w in page.words if w.text and value.rstrip("-") in w.text.rstrip("-")]
    if not number:
        return found
    box = number[0]
    h = box.height
    region = (
        max(box.left - 3 * h, 0),
        box.bottom + h // 4,
        min(box.right + 3 * h, image.width),
        min(box.bottom + 2 * h, image.height),
    )
    if region[3] <= region[1]:
        return found
    tail = ocr_image(image, dpi=dpi, region=region, psm=LINE_PSM)
    text = "".join(w.text for w in tail.words)
    if not text or not SYMBOL_TAIL.match(text):
        return found
    conf = min(found.reference.confidence, tail.mean_confidence / 100)
    return replace(found, reference=FieldReading(value + text, round(conf, 3)))


def _fields_read(found: Extraction) -> int:
    return sum(found.field(n).value is not None for n in FIELDS if n != "urgency")


def read_pages(
    pages: Sequence[PageImage],
    *,
    text_pdf: bool = False,
    on_page: Callable[[int], None] | None = None,
) -> list[OcrPage]:
    """Full-page OCR of every page, in parallel across pages (grouped by resolution)."""
    results: dict[int, OcrPage] = {}
    by_dpi: dict[int, list[int]] = {}
    for i, p in enumerate(pages):
        by_dpi.setdefault(p.dpi, []).append(i)
    for dpi, indexes in by_dpi.items():
        done = ocr_images(
            [pages[i].image for i in indexes],
            dpi=dpi,
            text_pdf=text_pdf,
            on_page=(lambda k, idx=indexes: on_page(idx[k])) if on_page else None,  # type: ignore[misc]
        )
        results.update(zip(indexes, done, strict=True))
    return [results[i] for i in range(len(pages))]


@exclusive
def page_images(path: Path, *, first_only: bool = False) -> list[PageImage]:
    """The pages of a PDF, TIFF, PNG or JPEG as images with their resolution."""
    if not path.is_file():
        raise errors.FileMissing(str(path))
    head = path.read_bytes()[:8]
    if head.startswith(b"%PDF"):
        return _pdf_pages(path, first_only)
    try:
        img = Image.open(path)
    except (OSError, ValueError) as exc:
        raise errors.FileUnsupported(str(path), str(exc)) from None
    out = []
    for index in range(getattr(img, "n_frames", 1)):
        img.seek(index)
        frame = img.copy()
        out.append(PageImage(frame, _image_dpi(img.info.get("dpi"), frame)))
        if first_only:
            break
    return out


def _image_dpi(info: object, image: Image.Image) -> int:
    if isinstance(info, tuple) and info and float(info[0]) >= 72:
        return round(float(info[0]))
    # No resolution recorded: assume an A4 page across the image's width.
    return max(round(min(image.size) / A4_WIDTH_INCHES), 72)


def _pdf_pages(path: Path, first_only: bool) -> list[PageImage]:
    import pymupdf

    try:
        doc = pymupdf.open(path)
    except Exception as exc:  # PyMuPDF raises its own types for damaged files
        raise errors.FileCorrupt(str(path), str(exc)) from None
    try:
        if doc.needs_pass:
            raise errors.FileEncrypted(str(path))
        out = []
        for page in doc.pages():
            out.append(_pdf_page(page))
            if first_only:
                break
        return out
    finally:
        doc.close()


def _pdf_page(page: object) -> PageImage:
    import pymupdf

    assert isinstance(page, pymupdf.Page)
    images = page.get_images(full=True)
    if len(images) == 1:
        # A scan: read the scanned image at its own resolution instead of resampling it.
        xref = images[0][0]
        rects = page.get_image_rects(xref)
        if rects and rects[0].width >= page.rect.width * 0.9:
            pix = pymupdf.Pixmap(page.parent, xref)
            if pix.n - pix.alpha >= 3:
                pix = pymupdf.Pixmap(pymupdf.csGRAY, pix)
            if pix.alpha:
                pix = pymupdf.Pixmap(pix, 0)
            mode = "L" if pix.n == 1 else "RGB"
            image = Image.frombytes(mode, (pix.width, pix.height), pix.samples)
            dpi = round(pix.width / (rects[0].width / 72))
            return PageImage(image, max(dpi, 72))
    pix = page.get_pixmap(dpi=RENDER_DPI, colorspace=pymupdf.csGRAY)
    return PageImage(Image.frombytes("L", (pix.width, pix.height), pix.samples), RENDER_DPI)


# A page whose text layer has fewer words than this is a scan (or a stamp on a scan): OCR it.
MIN_TEXT_WORDS = 12
TEXT_DPI = 300  # text-layer boxes are given in pixels at this resolution, as a scan's would be


def text_layer_page(pdf: bytes | Path, index: int = 0) -> OcrPage | None:
    """A PDF page's own text as words with boxes (exact, confidence 100), or None for a scan."""
    import pymupdf

    from clerk_app.files.mupdf import LOCK

    scale = TEXT_DPI / 72
    with LOCK:
        try:
            doc = pymupdf.open(pdf) if isinstance(pdf, Path) else pymupdf.open(stream=pdf)
        except Exception as exc:  # PyMuPDF raises its own types for damaged files
            raise errors.FileCorrupt(str(pdf)[:80], str(exc)) from None
        with doc:
            if doc.needs_pass:
                raise errors.FileEncrypted(str(pdf)[:80])
            if index >= doc.page_count:
                return None
            page = doc[index]
            raw = page.get_text("words", sort=False)
            text = page.get_text()
            width, height = page.rect.width, page.rect.height
    words = [
        Word(
            text=_plain(w[4]),
            conf=100.0,
            left=round(w[0] * scale),
            top=round(w[1] * scale),
            width=max(round((w[2] - w[0]) * scale), 1),
            height=max(round((w[3] - w[1]) * scale), 1),
            block=int(w[5]) + 1,
            par=1,
            line=int(w[6]) + 1,
        )
        for w in raw
        if _plain(w[4])
    ]
    if len(words) < MIN_TEXT_WORDS:
        return None
    return OcrPage(
        round(width * scale),
        round(height * scale),
        TEXT_DPI,
        tuple(words),
        unicodedata.normalize("NFC", text.translate(_HYPHENS)),
    )


# Fonts map the hyphen of `12/QĐ-UBND` to a soft or non-breaking hyphen in the text layer.
_HYPHENS = str.maketrans({"\u00ad": "-", "\u2010": "-", "\u2011": "-"})


def _plain(text: str) -> str:
    return nfc(text.translate(_HYPHENS))


@dataclass(frozen=True)
class DocumentReading:
    extraction: Extraction
    source: str  # "text": the PDF's own text layer; "ocr": page 1's image read by Tesseract
    # The secrecy mark on page 1 (a stamp on its image, or a typed mark line), when looked for.
    secrecy: str | None = None
    blank: bool = False  # page 1 looked blank to the clean-up


# The scanning desk's clean-up of a page image (deskew, turn upright): the cleaned image and
# whether it looked blank. Passed in by the caller: the core does not know the scanner package.
PageCleaner = Callable[[Image.Image, int], tuple[Image.Image, bool]]


def is_pdf(path: Path) -> bool:
    """Whether the file is a PDF (its signature within the first kilobyte, as readers allow)."""
    with path.open("rb") as f:
        return f.read(1024).find(b"%PDF") >= 0


def read_document(
    path: Path,
    *,
    known_issuers: Iterable[str] = (),
    agencies_dir: Path | None = None,
    clean: PageCleaner | None = None,
    secrecy: bool = False,
    first_page: PageImage | None = None,
) -> DocumentReading:
    """Page 1's fields: from a PDF's text layer when it has one (fast, exact), else by OCR.

    The one place that chooses between the two; both go through the same extraction. A scan
    that comes from the scanner arrives already cleaned; a file read here is cleaned by
    `clean` when given (deskew, turn). With `secrecy`, page 1 is also looked at for a secrecy
    mark (the stamp on its image before clean-up, or a typed mark line) and the level returned;
    the caller refuses the document. `first_page` is page 1 as the desk already holds it (an
    imported file's cleaned page): OCR reads it when the file has no text layer.
    """
    if path.is_file() and is_pdf(path):
        page = text_layer_page(path)
        if page is not None:
            found = extract(
                page, known_issuers=known_issuers, agencies_dir=agencies_dir, source="text"
            )
            level = None
            if secrecy:
                from clerk_app.reading.secrecy import text_level

                level = found.secrecy.value or text_level(page.text)
            return DocumentReading(found, "text", level)
    pages = [first_page] if first_page is not None else page_images(path, first_only=True)
    if not pages:
        raise errors.FileEmpty(str(path))
    image, dpi = pages[0].image, pages[0].dpi
    level = None
    if secrecy:
        from clerk_app.reading.secrecy import image_level

        level = image_level(image, dpi)
    blank = False
    if clean is not None:
        image, blank = clean(image, dpi)
    found = read_header(image, dpi, known_issuers=known_issuers, agencies_dir=agencies_dir)
    if secrecy:
        level = level or found.secrecy.value
    return DocumentReading(found, "ocr", level, blank)


def read_file(
    path: Path, *, full_text: bool = False, known_issuers: Iterable[str] = ()
) -> FileReading:
    """Fields from page 1's header; with `full_text`, the OCR text of every page too."""
    pages = page_images(path, first_only=not full_text)
    if not pages:
        raise errors.FileEmpty(str(path))
    extraction = read_header(pages[0].image, pages[0].dpi, known_issuers=known_issuers)
    texts = tuple(read_pages(pages)) if full_text else ()
    return FileReading(extraction, texts)
