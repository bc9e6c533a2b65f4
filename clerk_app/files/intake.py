"""Checks a file a clerk attaches (PDF, JPEG, PNG, TIFF) and makes its PDF; never writes anywhere."""

from __future__ import annotations

import codecs
import hashlib
import io
import stat
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast

import pymupdf
from PIL import Image, ImageFile, JpegImagePlugin, PngImagePlugin, TiffImagePlugin

from clerk_app.errors import (
    ClerkError,
    FileCorrupt,
    FileEmpty,
    FileEncrypted,
    FileMissing,
    FileTooLarge,
    FileTruncated,
    FileUnreadable,
    FileUnsupported,
    ImageTooLarge,
)
from clerk_app.files.mupdf import exclusive
from clerk_app.reading.secrecy import refuse_secret_pdf

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
TIFF = "image/tiff"

MAX_BYTES = 200 * 1024 * 1024
MAX_PIXELS = 120_000_000
DEFAULT_DPI = 200.0
# Cameras and screenshot tools write 72 or 96 dpi when they do not know; taken literally, a phone
# photo would become a page over a metre wide. Real scans and faxes are 98 dpi or more.
_MIN_TRUSTED_DPI = 96.0
_MAX_TRUSTED_DPI = 4800.0

# Readers accept up to 1024 bytes of junk before the %PDF- header.
_PDF_WINDOW = 1024
_PNG_END = b"IEND\xaeB`\x82"  # the IEND chunk with its fixed CRC
_TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")  # classic and BigTIFF

_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# EXIF orientations a JPEG can be shown in by turning its page image, so its bytes pass through
# into the PDF untouched (no second lossy encoding); PyMuPDF turns counter-clockwise.
_JPEG_TURNS = {1: 0, 3: 180, 6: 270, 8: 90}

# Constructing the format's own class reads only the header, whatever the file is named, and
# skips Image.open's check against Pillow's process-wide MAX_IMAGE_PIXELS: our limit applies.
_OPENERS: dict[str, Callable[[IO[bytes]], ImageFile.ImageFile]] = {
    JPEG: JpegImagePlugin.JpegImageFile,
    PNG: PngImagePlugin.PngImageFile,
    TIFF: TiffImagePlugin.TiffImageFile,
}


@dataclass(frozen=True)
class PreparedFile:
    """A checked file, ready to store: the original bytes exactly as given, and for an image a PDF."""

    source_path: Path
    filename: str
    media_type: str
    data: bytes = field(repr=False)
    sha256: str
    pages: int
    rendition: bytes | None = field(repr=False)
    rendition_sha256: str | None


@exclusive
def prepare(
    path: Path, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS
) -> PreparedFile:
    """Read and check one file; raise a typed error saying what is wrong with it."""
    where = str(path)
    data = _read(path, max_bytes)
    media_type = media_type_of(data)
    if media_type is None:
        raise FileUnsupported(where, detected=_looks_like(data))
    sha256 = hashlib.sha256(data).hexdigest()
    rendition: bytes | None = None
    if media_type == PDF:
        pages = _check_pdf(data, where)
    else:
        pages, rendition = _image_to_pdf(data, media_type, where, max_pixels, sha256)
    # A state secret never enters the desk, even with its secrecy field left empty: every page
    # is looked at for the stamp (or a typed mark) before the file can be stored.
    refuse_secret_pdf(rendition if rendition is not None else data)
    return PreparedFile(
        source_path=path,
        filename=unicodedata.normalize("NFC", path.name),
        media_type=media_type,
        data=data,
        sha256=sha256,
        pages=pages,
        rendition=rendition,
        rendition_sha256=hashlib.sha256(rendition).hexdigest() if rendition is not None else None,
    )


def prepare_all(
    paths: Sequence[Path], *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS
) -> list[PreparedFile]:
    """All files checked, or the first file's error: a document never gets half its files."""
    return [prepare(p, max_bytes=max_bytes, max_pixels=max_pixels) for p in paths]


def media_type_of(data: bytes) -> str | None:
    """The media type by magic bytes (the name of a file says nothing), None when unsupported."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data[:4] in _TIFF_MAGIC:
        return TIFF
    if b"%PDF-" in data[:_PDF_WINDOW]:
        return PDF
    return None


@exclusive
def page_count(data: bytes, *, name: str = "") -> int:
    """Pages of a PDF, frames of a TIFF, 1 for JPEG and PNG; `name` only labels errors."""
    media_type = _supported(data, name)
    if media_type == PDF:
        with _open_pdf(data, name) as doc:
            return int(doc.page_count)
    img, frames = _open_image(data, media_type, name, MAX_PIXELS)
    img.close()
    return frames


@exclusive
def render_page_png(
    pdf_or_image: bytes, page_index: int, width_px: int, *, name: str = ""
) -> bytes:
    """A PNG of one page, `width_px` wide, for the preview; `name` only labels errors."""
    if width_px < 1:
        raise ValueError(f"width_px must be positive, not {width_px}")
    media_type = _supported(pdf_or_image, name)
    if media_type == PDF:
        with _open_pdf(pdf_or_image, name) as doc:
            if doc.needs_pass:
                raise FileEncrypted(name)
            if not 0 <= page_index < doc.page_count:
                raise IndexError(f"page {page_index} of {doc.page_count}")
            page = doc.load_page(page_index)
            zoom = width_px / page.rect.width
            pixmap = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False)
            return bytes(pixmap.tobytes("png"))
    img, frames = _open_image(pdf_or_image, media_type, name, MAX_PIXELS)
    with img:
        if not 0 <= page_index < frames:
            raise IndexError(f"page {page_index} of {frames}")
        if media_type == JPEG:
            # Let libjpeg decode at 1/2, 1/4 or 1/8 scale; a square request keeps both sides
            # at least width_px whichever way the photo is turned.
            img.draft(None, (width_px, width_px))
        frame = _decoded(img, page_index, name, MAX_PIXELS)
        dpi_x, dpi_y = _page_dpi(frame)
        upright = _pdf_ready(frame)
        if upright.mode == "1":
            upright = upright.convert("L")  # so that shrinking greys the text, not drops it
        height_px = round(width_px * (upright.height / dpi_y) / (upright.width / dpi_x))
        small = upright.resize(
            (width_px, max(1, height_px)), Image.Resampling.LANCZOS, reducing_gap=3.0
        )
        out = io.BytesIO()
        small.save(out, "PNG")
        return out.getvalue()


# --- reading ---------------------------------------------------------------------------------


def _read(path: Path, max_bytes: int) -> bytes:
    where = str(path)
    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise FileMissing(where) from exc
    except OSError as exc:
        raise FileUnreadable(where, detail=exc.strerror or str(exc)) from exc
    if not stat.S_ISREG(info.st_mode):
        raise FileMissing(where)
    if info.st_size > max_bytes:
        raise FileTooLarge(where, size=info.st_size, limit=max_bytes)
    try:
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)  # the file may have grown since stat()
    except FileNotFoundError as exc:
        raise FileMissing(where) from exc
    except OSError as exc:
        raise FileUnreadable(where, detail=exc.strerror or str(exc)) from exc
    if len(data) > max_bytes:
        raise FileTooLarge(where, size=max(len(data), info.st_size), limit=max_bytes)
    if not data:
        raise FileEmpty(where)
    return data


def _supported(data: bytes, name: str) -> str:
    media_type = media_type_of(data)
    if media_type is None:
        raise FileUnsupported(name, detected=_looks_like(data))
    return media_type


_OTHER_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "DOC/XLS/PPT"),
    (0, b"{\\rtf", "RTF"),
    (0, b"GIF87a", "GIF"),
    (0, b"GIF89a", "GIF"),
    (8, b"WEBP", "WEBP"),
    (4, b"ftypheic", "HEIC"),
    (4, b"ftypheix", "HEIC"),
    (4, b"ftypmif1", "HEIF"),
    (0, b"\x00\x00\x00\x0cjP  \r\n\x87\n", "JPEG 2000"),
    (0, b"\xff\x4f\xff\x51", "JPEG 2000"),
    (0, b"Rar!\x1a\x07", "RAR"),
    (0, b"7z\xbc\xaf\x27\x1c", "7Z"),
    (0, b"\x1f\x8b", "GZIP"),
    (0, b"%!PS", "PostScript"),
    (0, b"MZ", "EXE"),
)
_ZIP_KINDS = (("word/", "DOCX"), ("xl/", "XLSX"), ("ppt/", "PPTX"))
_ODF_KINDS = {
    b"application/vnd.oasis.opendocument.text": "ODT",
    b"application/vnd.oasis.opendocument.spreadsheet": "ODS",
    b"application/vnd.oasis.opendocument.presentation": "ODP",
}


def _looks_like(data: bytes) -> str:
    """A format name for an unsupported file, so the clerk learns what it is; "" if unknown."""
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    for offset, magic, label in _OTHER_MAGIC:
        if data[offset : offset + len(magic)] == magic:
            return label
    if data[:2] == b"BM" and data[6:10] == bytes(4):  # "BM" alone starts too many texts
        return "BMP"
    head = data[:4096]
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html")):
        return "HTML"
    if start.startswith(b"<?xml"):
        return "XML"
    if b"\x00" not in head:
        try:
            codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        except UnicodeDecodeError:
            return ""
        return "TXT"
    return ""


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                with archive.open("mimetype") as member:
                    odf = _ODF_KINDS.get(member.read(100).strip())
                if odf:
                    return odf
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "ZIP"
    for prefix, label in _ZIP_KINDS:
        if any(n.startswith(prefix) for n in names):
            return label
    return "ZIP"


# --- PDF -------------------------------------------------------------------------------------


def _check_pdf(data: bytes, where: str) -> int:
    # MuPDF quietly rebuilds a cut-off file from the objects it finds (the first half of a
    # document opens with all its pages), so the end of the file is checked first. Only blank
    # padding may follow the last %%EOF: anything else is a later incremental update (a
    # signature, say) that was cut off, even when an earlier revision's %%EOF is close by.
    if not data.rstrip(b" \t\r\n\f\x00").endswith(b"%%EOF"):
        raise FileTruncated(where)
    with _open_pdf(data, where) as doc:
        if doc.needs_pass:
            raise FileEncrypted(where)
        if doc.page_count == 0:
            raise FileCorrupt(where, detail="0 pages")
        for index in range(doc.page_count):
            try:
                page = doc.load_page(index)
                if doc.is_repaired:
                    # Broken cross-references (sloppy writers do this) are accepted when every
                    # page still parses; interpreting the content is the proof.
                    page.get_displaylist()
            except (RuntimeError, ValueError) as exc:
                raise FileCorrupt(where, detail=f"page {index + 1}: {exc}") from exc
        return int(doc.page_count)


@exclusive
def pdf_text(data: bytes, *, max_chars: int, name: str = "") -> str:
    """The text a PDF already carries (typed, or an OCR layer), NFC, at most `max_chars`."""
    parts: list[str] = []
    size = 0
    with _open_pdf(data, name) as doc:
        for page in doc:
            text = page.get_text()
            parts.append(text)
            size += len(text)
            if size >= max_chars:
                break
    return unicodedata.normalize("NFC", "\n".join(parts))[:max_chars]


def _open_pdf(data: bytes, where: str) -> pymupdf.Document:
    try:
        return pymupdf.open(stream=data, filetype="pdf")
    except (RuntimeError, ValueError) as exc:  # pymupdf.FileDataError is a RuntimeError
        raise FileCorrupt(where, detail=str(exc)) from exc


# --- images ----------------------------------------------------------------------------------


def _image_to_pdf(
    data: bytes, media_type: str, where: str, max_pixels: int, sha256: str
) -> tuple[int, bytes]:
    """Decode every frame once (that is the check) and lay each on a page of a new PDF."""
    img, frames = _open_image(data, media_type, where, max_pixels)
    with img:
        for index in range(1, frames):
            # Every frame's size is known from its header: refuse before decoding anything.
            _seek(img, index, where)
            _check_size(img, where, max_pixels)
        with pymupdf.open() as doc:
            for index in range(frames):
                frame = _decoded(img, index, where, max_pixels)
                _add_page(doc, frame, data if media_type == JPEG else None)
            # A fixed /ID from the original's hash: the same image always gives the same bytes.
            doc.xref_set_key(-1, "ID", f"[<{sha256[:32]}><{sha256[:32]}>]")
            return frames, bytes(doc.tobytes(deflate=True, no_new_id=True))


def _open_image(
    data: bytes, media_type: str, where: str, max_pixels: int
) -> tuple[ImageFile.ImageFile, int]:
    """The image with its header read (first frame's size checked), and its number of pages."""
    if media_type == PNG and _PNG_END not in data:
        raise FileTruncated(where)
    directories = _tiff_directories(data, where) if media_type == TIFF else 1
    try:
        img = _OPENERS[media_type](io.BytesIO(data))
        # An animated PNG is still one picture; a TIFF has a page per directory.
        frames = int(getattr(img, "n_frames", 1)) if media_type == TIFF else 1
    except Exception as exc:  # Pillow's parsers raise nearly anything on bad input
        raise _image_failure(where, exc) from exc
    try:
        if frames != directories:
            raise FileCorrupt(where, detail=f"{directories} TIFF directories, {frames} readable")
        _check_size(img, where, max_pixels)
    except ClerkError:
        img.close()
        raise
    return img, frames


def _seek(img: ImageFile.ImageFile, index: int, where: str) -> None:
    if index == img.tell():
        return
    try:
        img.seek(index)
    except Exception as exc:
        raise _image_failure(where, exc) from exc


def _check_size(img: Image.Image, where: str, max_pixels: int) -> None:
    width, height = img.size
    if width * height > max_pixels:
        raise ImageTooLarge(where, width=width, height=height, limit_pixels=max_pixels)


def _decoded(
    img: ImageFile.ImageFile, index: int, where: str, max_pixels: int
) -> ImageFile.ImageFile:
    _seek(img, index, where)
    _check_size(img, where, max_pixels)
    try:
        img.load()
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge(where, *img.size, limit_pixels=max_pixels) from exc
    except Exception as exc:
        raise _image_failure(where, exc) from exc
    return img


def _image_failure(where: str, exc: Exception) -> ClerkError:
    if "truncated" in str(exc).lower():
        return FileTruncated(where)
    return FileCorrupt(where, detail=f"{type(exc).__name__}: {exc}")


def _orientation(img: Image.Image) -> int:
    # A TIFF's tags belong to the current frame; getexif() may still hold the first frame's.
    tags = img.tag_v2 if isinstance(img, TiffImagePlugin.TiffImageFile) else img.getexif()
    value = tags.get(0x0112, 1)
    return value if value in _TRANSPOSE else 1


def _page_dpi(img: Image.Image) -> tuple[float, float]:
    """Resolution of the upright picture; DEFAULT_DPI when the file's own is not believable."""
    try:
        dpi_x, dpi_y = (float(v) for v in img.info["dpi"])
    except (KeyError, TypeError, ValueError):
        dpi_x = dpi_y = DEFAULT_DPI
    if not all(_MIN_TRUSTED_DPI < v <= _MAX_TRUSTED_DPI for v in (dpi_x, dpi_y)):
        dpi_x = dpi_y = DEFAULT_DPI
    if _orientation(img) in (5, 6, 7, 8):
        return dpi_y, dpi_x
    return dpi_x, dpi_y


def _pdf_ready(img: Image.Image) -> Image.Image:
    """The frame upright, in 1, L or RGB (what a PDF page image holds), transparency on white."""
    out = img
    bands = out.getbands()
    if out.mode.startswith("I;16"):
        out = out.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    elif out.mode in ("I", "F"):
        low, high = cast("tuple[float, float]", out.getextrema())  # one band: (min, max)
        scale = 255 / (high - low) if high > low else 1.0
        out = out.point(lambda v: v * scale - low * scale).convert("L")
    elif "A" in bands or "a" in bands or (out.mode == "P" and "transparency" in out.info):
        rgba = out.convert("LA" if bands[0] == "L" else "RGBA")
        flat = Image.new(rgba.mode[0] if bands[0] == "L" else "RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        out = flat
    elif out.mode not in ("1", "L", "RGB"):
        out = out.convert("RGB")
    turn = _TRANSPOSE.get(_orientation(img))
    return out.transpose(turn) if turn is not None else out


def _add_page(doc: pymupdf.Document, frame: Image.Image, jpeg: bytes | None) -> None:
    dpi_x, dpi_y = _page_dpi(frame)
    orientation = _orientation(frame)
    turn = _JPEG_TURNS.get(orientation)
    if jpeg is not None and frame.mode in ("L", "RGB") and turn is not None:
        width, height = frame.size if turn in (0, 180) else frame.size[::-1]
        page = doc.new_page(width=width * 72 / dpi_x, height=height * 72 / dpi_y)
        page.insert_image(page.rect, stream=jpeg, rotate=turn)
        return
    upright = _pdf_ready(frame)
    page = doc.new_page(width=upright.width * 72 / dpi_x, height=upright.height * 72 / dpi_y)
    # PyMuPDF keeps an inserted pixmap uncompressed until the final save: 4 MB per grey A4 page,
    # close to 1 GB for a 200-page TIFF. Compressed here, each page costs only its stream.
    xref = doc.get_new_xref()
    doc.update_object(
        xref,
        f"<< /Type /XObject /Subtype /Image /Width {upright.width} /Height {upright.height} "
        f"/ColorSpace /{'DeviceRGB' if upright.mode == 'RGB' else 'DeviceGray'} "
        f"/BitsPerComponent {1 if upright.mode == '1' else 8} >>",
    )
    # Pillow packs a 1-bit row into bytes with 1 = white, as a PDF image of 1 bit does.
    doc.update_stream(xref, zlib.compress(upright.tobytes()), compress=False)
    doc.xref_set_key(xref, "Filter", "/FlateDecode")  # update_stream leaves the filter out
    page.insert_image(page.rect, xref=xref)


# --- TIFF structure --------------------------------------------------------------------------

_TIFF_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8,
                    13: 4, 16: 8, 17: 8, 18: 8}  # fmt: skip
_TIFF_INTS = {3: "H", 4: "I", 16: "Q"}
_TIFF_EXTENTS = ((273, 279), (324, 325))  # strip offsets/byte counts, tile offsets/byte counts
_TIFF_MAX_DIRECTORIES = 100_000


def _tiff_directories(data: bytes, where: str) -> int:
    """Count the image directories, refusing a TIFF whose directories or data run off its end.

    Pillow reads a cut-off multi-page TIFF as a shorter one without complaint, and a scanner's
    TIFF carries no end marker: every offset in the file is the only evidence."""
    try:
        return _walk_tiff(data)
    except (EOFError, struct.error) as exc:
        raise FileTruncated(where) from exc
    except ValueError as exc:
        raise FileCorrupt(where, detail=str(exc)) from exc


def _walk_tiff(data: bytes) -> int:
    order = "<" if data[:2] == b"II" else ">"
    big = data[2:4] in (b"+\x00", b"\x00+")
    count_fmt, num_fmt, entry_size = ("Q", "Q", 20) if big else ("H", "I", 12)
    inline = 8 if big else 4
    word = order + ("Q" if big else "I")
    (offset,) = struct.unpack_from(word, data, 8 if big else 4)
    seen: set[int] = set()
    while offset:
        if offset in seen:
            raise ValueError("TIFF directories form a loop")
        if len(seen) >= _TIFF_MAX_DIRECTORIES:
            raise ValueError(f"more than {_TIFF_MAX_DIRECTORIES} TIFF directories")
        seen.add(offset)
        (count,) = struct.unpack_from(order + count_fmt, data, offset)
        entries = offset + struct.calcsize(count_fmt)
        if entries + count * entry_size + inline > len(data):
            raise EOFError
        arrays: dict[int, tuple[int, ...]] = {}
        for i in range(count):
            pos = entries + i * entry_size
            tag, kind = struct.unpack_from(order + "HH", data, pos)
            (number,) = struct.unpack_from(order + num_fmt, data, pos + 4)
            value_at = pos + 4 + struct.calcsize(num_fmt)
            size = _TIFF_TYPE_SIZES.get(kind, 0) * number
            if size > inline:
                (value_at,) = struct.unpack_from(word, data, value_at)
                if value_at + size > len(data):
                    raise EOFError
            if kind in _TIFF_INTS and any(tag in pair for pair in _TIFF_EXTENTS):
                arrays[tag] = struct.unpack_from(
                    f"{order}{number}{_TIFF_INTS[kind]}", data, value_at
                )
        for offsets_tag, counts_tag in _TIFF_EXTENTS:
            starts, lengths = arrays.get(offsets_tag, ()), arrays.get(counts_tag, ())
            if any(s + n > len(data) for s, n in zip(starts, lengths, strict=False)):
                raise EOFError
        (offset,) = struct.unpack_from(word, data, entries + count * entry_size)
    if not seen:
        raise ValueError("no TIFF image directory")
    return len(seen)
