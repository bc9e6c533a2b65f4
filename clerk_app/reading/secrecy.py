"""Secrecy marks (MẬT, TỐI MẬT, TUYỆT MẬT in their frame, any angle, red or black) on a page.

State secrets never enter the desk, even when the clerk left the secrecy field empty, so every
page of a file is looked at before anything is stored. The stamp is a rectangular frame a few
centimetres long (Thông tư 24/2020/TT-BCA); frames are found as ink components shaped like a
rectangle's outline at any angle, turned level and read with Tesseract both ways up. Text in
a PDF's own text layer is checked too (a typed «TỐI MẬT» line).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from clerk_app import errors
from clerk_app.reading.ocr import ocr_image
from clerk_app.text import fold

WORK_DPI = 100  # frames are found at this resolution (a stamp's frame is ~80 px long)
READ_DPI = 200  # and read at this one
MM = WORK_DPI / 25.4
LEVELS = {"tuyet mat": "Tuyệt mật", "toi mat": "Tối mật", "mat": "Mật"}
_MARK_LINE = re.compile(r"^[^\S\n]*(TUYỆT\s+MẬT|TỐI\s+MẬT|MẬT)[^\S\n]*$", re.MULTILINE)


@dataclass(frozen=True)
class Frame:
    """A rectangle outline found on the page, in work pixels: centre, long and short side, angle."""

    cx: float
    cy: float
    length: float
    width: float
    angle: float  # degrees that turn the long side level


def level_in(text: str) -> str | None:
    """The secrecy level a stamp's OCR text names, or None: `TỐI MẬT`, `TOI MAT`, `MẬT`."""
    words = " ".join(re.sub(r"[^a-z]", " ", fold(text)).split())
    for key in ("tuyet mat", "toi mat"):
        if key in words:
            return LEVELS[key]
    # A lone `MẬT` (two stray letters from the frame's edge around it at most).
    if any(w == "mat" for w in words.split()) and len(words.replace(" ", "")) <= 7:
        return LEVELS["mat"]
    return None


def text_level(text: str) -> str | None:
    """A line of a text layer that is only a secrecy mark, in capitals as the stamp prints it."""
    match = _MARK_LINE.search(unicodedata.normalize("NFC", text))
    return LEVELS[" ".join(fold(match.group(1)).split())] if match else None


def _ink(image: Image.Image) -> np.ndarray:
    """Darkness of each pixel, whatever the ink's colour: a red stamp is as dark as black here."""
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    arr = np.asarray(image, dtype=np.uint8)
    return arr.min(axis=2) if arr.ndim == 3 else arr


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    padded = np.zeros((mask.shape[0], mask.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    edges = np.diff(padded, axis=1)
    rs, starts = np.nonzero(edges == 1)
    re_, ends = np.nonzero(edges == -1)
    assert (rs == re_).all()
    return rs, starts, ends  # row, first column, one past the last column


def _components(
    mask: np.ndarray, min_side: float = 0.0
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The 8-connected ink components as their runs (row, start, end), top-most first; only
    those whose box is at least `min_side` pixels on its long side.

    Whole-array work (a page at 100 dpi has tens of thousands of runs, thousands of letters):
    the touching runs of neighbouring rows found by searching, the components by hooking each
    run to the smallest label it touches and following labels to their end, the boxes by
    reductions over the groups; only components of a stamp's size come back to Python.
    """
    rows, starts, ends = _runs(mask)
    n = len(rows)
    if n == 0:  # a blank page
        return
    stride = mask.shape[1] + 2  # wider than any run's end: a row's runs sort before the next's
    start_key = rows.astype(np.int64) * stride + starts
    end_key = rows.astype(np.int64) * stride + ends
    # For each run, the runs of the row above that touch it (diagonals included).
    above = (rows.astype(np.int64) - 1) * stride
    lo = np.searchsorted(end_key, above + starts, side="left")
    hi = np.searchsorted(start_key, above + ends, side="right")
    count = np.maximum(hi - lo, 0)
    b = np.repeat(np.arange(n), count)
    a = np.repeat(lo, count) + (
        np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    )
    label = np.arange(n)
    while True:
        la, lb = label[a], label[b]
        moved = la != lb
        if not moved.any():
            break
        la, lb = la[moved], lb[moved]
        np.minimum.at(label, np.maximum(la, lb), np.minimum(la, lb))
        while True:  # every run straight to its label's label, to the end
            jumped = label[label]
            if (jumped == label).all():
                break
            label = jumped
        a, b = a[moved], b[moved]
    order = np.argsort(label, kind="stable")
    first = np.flatnonzero(np.diff(label[order], prepend=-1))
    r, s0, e0 = rows[order], starts[order], ends[order]
    top = np.minimum.reduceat(r, first)
    bottom = np.maximum.reduceat(r, first) + 1
    left = np.minimum.reduceat(s0, first)
    right = np.maximum.reduceat(e0, first)
    big = np.flatnonzero(np.maximum(bottom - top, right - left) >= min_side)
    last = np.append(first[1:], n)
    for g in big.tolist():
        i, j = int(first[g]), int(last[g])
        yield r[i:j], s0[i:j], e0[i:j]


def find_frames(image: Image.Image, dpi: int) -> list[Frame]:
    """Rectangle outlines of a stamp's size (12–80 mm by 5–30 mm), any angle, in work pixels."""
    small = image
    if dpi != WORK_DPI:
        size = (
            max(round(image.width * WORK_DPI / dpi), 1),
            max(round(image.height * WORK_DPI / dpi), 1),
        )
        small = image.resize(size, Image.Resampling.BOX)
    arr = _ink(small).astype(np.float32)
    paper = float(np.percentile(arr, 90))
    mask = arr < paper * 0.62
    frames = []
    for rows, starts, ends in _components(mask, 12 * MM):
        top, bottom = int(rows.min()), int(rows.max()) + 1
        left, right = int(starts.min()), int(ends.max())
        h, w = bottom - top, right - left
        if max(h, w) < 12 * MM or max(h, w) > 90 * MM or min(h, w) < 5 * MM:
            continue
        pixels = int((ends - starts).sum())
        if pixels > 0.45 * h * w:  # filled shapes, not an outline
            continue
        frame = _rectangle(rows, starts, ends, pixels)
        if frame is not None:
            frames.append(frame)
    return frames


def _rectangle(rows: np.ndarray, starts: np.ndarray, ends: np.ndarray, pixels: int) -> Frame | None:
    lengths = ends - starts
    ys = np.repeat(rows, lengths).astype(np.float64)
    xs = (np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(pixels)).astype(
        np.float64
    )
    cx, cy = xs.mean(), ys.mean()
    cov = np.cov(np.vstack([xs - cx, ys - cy]))
    _, vectors = np.linalg.eigh(cov)
    major = vectors[:, 1]
    angle = float(np.degrees(np.arctan2(major[1], major[0])))
    u = (xs - cx) * major[0] + (ys - cy) * major[1]
    v = -(xs - cx) * major[1] + (ys - cy) * major[0]
    u0, u1, v0, v1 = u.min(), u.max(), v.min(), v.max()
    length, width = u1 - u0, v1 - v0
    if not (12 * MM <= length <= 80 * MM and 5 * MM <= width <= 30 * MM):
        return None
    if not 1.3 <= length / width <= 9:
        return None
    band = max(2.5, 0.12 * width)
    near = [u - u0 < band, u1 - u < band, v - v0 < band, v1 - v < band]
    on_border = np.logical_or.reduce(near)
    if on_border.mean() < 0.6:
        return None
    # Each side drawn along most of its length: a circle or a scribble is not a frame.
    for side, (along, extent) in enumerate(((v, width), (v, width), (u, length), (u, length))):
        pts = along[near[side]]
        if pts.size == 0:
            return None
        hist = np.histogram(pts, bins=10, range=(along.min(), along.min() + extent))[0]
        if (hist > 0).mean() < 0.7:
            return None
    # The centre from the rectangle's extents (the text inside pulls the mean off-centre).
    mu, mv = (u0 + u1) / 2, (v0 + v1) / 2
    ccx = cx + mu * major[0] - mv * major[1]
    ccy = cy + mu * major[1] + mv * major[0]
    return Frame(float(ccx), float(ccy), float(length), float(width), angle)


def read_frame(image: Image.Image, dpi: int, frame: Frame) -> str | None:
    """The secrecy level written inside `frame`, read level and upside down.

    The way up that keeps the frame's turn under a quarter is read first: a stamp pressed
    about straight reads at once, and a frame that reads as an urgency stamp («KHẨN» printed
    in its frame in the header, the usual frame on a page) is not read the other way up.
    """
    turns = (180, 0) if abs(frame.angle) > 90 else (0, 180)
    for text in frame_texts(image, dpi, frame, turns=turns):
        found = level_in(text)
        if found is not None:
            return found
        if _urgency_mark(text):
            return None
    return None


def _urgency_mark(text: str) -> bool:
    """Whether a frame's text is exactly an urgency mark («HỎA TỐC», «THƯỢNG KHẨN», «KHẨN»)."""
    words = " ".join(re.sub(r"[^a-z]", " ", fold(text)).split())
    return words in _URGENCY_MARKS or words.startswith("hoa toc hen gio")


_URGENCY_MARKS = frozenset({"khan", "thuong khan", "hoa toc"})


def frame_texts(
    image: Image.Image, dpi: int, frame: Frame, *, turns: tuple[int, ...] = (0,)
) -> Iterator[str]:
    """The OCR text inside `frame` (its lines left out), once for each turn asked for.

    Any stamp in a frame is read this way: a secrecy mark, an urgency mark in coloured ink.
    """
    scale = dpi / WORK_DPI
    half = (frame.length + frame.width) / 2 * scale + 4
    cx, cy = frame.cx * scale, frame.cy * scale
    box = (int(cx - half), int(cy - half), int(cx + half), int(cy + half))
    crop = Image.fromarray(_ink(image.crop(box)))
    if dpi > READ_DPI:
        crop = crop.resize(
            (round(crop.width * READ_DPI / dpi), round(crop.height * READ_DPI / dpi)),
            Image.Resampling.LANCZOS,
        )
        scale, dpi = READ_DPI / WORK_DPI, READ_DPI
    level = crop.rotate(frame.angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    w, h = level.size
    # Inside the frame, its lines left out (they read as I and l).
    inner_l = frame.length * scale / 2 - max(3.0, 0.05 * frame.length * scale)
    inner_w = frame.width * scale / 2 - max(3.0, 0.1 * frame.width * scale)
    inside = level.crop(
        (int(w / 2 - inner_l), int(h / 2 - inner_w), int(w / 2 + inner_l), int(h / 2 + inner_w))
    )
    padded = Image.new("L", (inside.width + 40, inside.height + 40), 255)
    padded.paste(inside, (20, 20))
    for turn in turns:
        try:
            page = ocr_image(padded.rotate(turn) if turn else padded, dpi=dpi, psm=7)
        except (errors.OcrUnavailable, errors.OcrFailed):
            # Without OCR a frame cannot be read; the clerk's own check of the page remains.
            return
        yield page.text


def image_level(image: Image.Image, dpi: int) -> str | None:
    """The secrecy level stamped on a page image, or None."""
    for frame in find_frames(image, dpi):
        found = read_frame(image, dpi, frame)
        if found is not None:
            return found
    return None


def pdf_level(data: bytes) -> str | None:
    """The secrecy level on any page of a PDF: its text layer, then its rendered pages."""
    import pymupdf

    from clerk_app.files.mupdf import LOCK

    with LOCK, pymupdf.open(stream=data, filetype="pdf") as doc:
        for page in doc:
            found = text_level(page.get_text())
            if found is not None:
                return found
            pix = page.get_pixmap(dpi=READ_DPI, colorspace=pymupdf.csRGB)
            image = Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
            found = image_level(image, READ_DPI)
            if found is not None:
                return found
    return None


def refuse_secret_pdf(data: bytes) -> None:
    """SecretDocumentRefused when any page of the PDF carries a secrecy mark."""
    found = pdf_level(data)
    if found is not None:
        raise errors.SecretDocumentRefused(found)


def pdf_texts(path: Path) -> list[str]:
    """The text layer of every page of a PDF file (empty strings for scanned pages)."""
    import pymupdf

    from clerk_app.files.mupdf import LOCK

    with LOCK:
        try:
            doc = pymupdf.open(path)
        except Exception as exc:  # PyMuPDF raises its own types for damaged files
            raise errors.FileCorrupt(str(path), str(exc)) from None
        with doc:
            return [page.get_text() for page in doc.pages()]


def refuse_secret_pages(
    pages: Iterable[tuple[Image.Image, int]], texts: Iterable[str] = ()
) -> None:
    """SecretDocumentRefused when a page's text layer or image carries a secrecy mark.

    The check of pages the desk already holds as images (a file imported into a scan batch),
    as `refuse_secret_pdf` is for a file's bytes: every page, before anything of it is kept.
    """
    for text in texts:
        found = text_level(text)
        if found is not None:
            raise errors.SecretDocumentRefused(found)
    for image, dpi in pages:
        found = image_level(image, dpi)
        if found is not None:
            raise errors.SecretDocumentRefused(found)
