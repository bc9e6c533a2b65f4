"""Tesseract OCR of grey page images (words with boxes, text, a text-only PDF layer); no layout logic.

Two engines give the same outputs: the `tesseract` program (Debian's tesseract-ocr-vie) and
Tesseract as a library with the model bundled beside the app (ocr_library: the frozen builds,
Windows). `CLERK_OCR_ENGINE=program|library` picks one; by default the installed (frozen) desk
uses its bundled library, a source checkout the program when it has the Vietnamese model, and
the library otherwise (bench/RESULTS.md compares the two).
"""

from __future__ import annotations

import csv
import functools
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from clerk_app import errors
from clerk_app.reading import ocr_library

LANGUAGE = "vie"
# Tesseract's own OpenMP threads fight each other on a 2-core desk (a page took ~7 s instead of
# ~1 s); one thread per process, and parallelism across pages instead.
_ENV = {**os.environ, "OMP_THREAD_LIMIT": "1"}
PAGE_TIMEOUT = 180.0


@dataclass(frozen=True)
class Word:
    text: str
    conf: float  # Tesseract's 0–100
    left: int
    top: int
    width: int
    height: int
    block: int
    par: int
    line: int

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height

    @property
    def centre_x(self) -> float:
        return self.left + self.width / 2


@dataclass(frozen=True)
class OcrPage:
    """What Tesseract read on one page image; boxes are in the full page's pixels."""

    width: int
    height: int
    dpi: int
    words: tuple[Word, ...]
    text: str
    text_pdf: bytes | None = None  # one page of invisible text matching the image, or None

    @property
    def mean_confidence(self) -> float:
        if not self.words:
            return 0.0
        return sum(w.conf for w in self.words) / len(self.words)


@functools.cache
def _languages(binary: str) -> frozenset[str]:
    try:
        out = subprocess.run(
            [binary, "--list-langs"], capture_output=True, text=True, timeout=30, env=_ENV
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise errors.OcrUnavailable(str(exc)) from None
    return frozenset(line.strip() for line in out.stdout.splitlines()[1:] if line.strip())


def tesseract_binary() -> str:
    """The tesseract executable with the Vietnamese model, or OcrUnavailable."""
    binary = shutil.which("tesseract")
    if binary is None:
        raise errors.OcrUnavailable("tesseract")
    if LANGUAGE not in _languages(binary):
        raise errors.OcrUnavailable(f"tesseract-ocr-{LANGUAGE}")
    return binary


def engine() -> str:
    """ "library" or "program": which Tesseract reads pages here (see the module docstring)."""
    wanted = os.environ.get("CLERK_OCR_ENGINE", "").strip().lower()
    if wanted in ("library", "program"):
        return wanted
    if getattr(sys, "frozen", False):
        return "library"
    try:
        tesseract_binary()
    except errors.OcrUnavailable:
        return "library" if ocr_library.available() else "program"
    return "program"


def grey(image: Image.Image) -> Image.Image:
    """The grey image OCR reads: binarising first multiplies diacritic errors 5–7×."""
    if image.mode == "L":
        return image
    if image.mode in ("1", "P", "RGBA", "LA", "I;16", "I"):
        image = image.convert("RGB")
    if image.mode != "RGB":
        return image.convert("L")
    return drop_colour(image)


def drop_colour(image: Image.Image) -> Image.Image:
    """Grey with coloured ink washed out: each pixel as bright as its brightest channel.

    NĐ 30 letters are printed in black; what else is on a scanned page is coloured ink laid on
    afterwards: a red seal pressed over the issuer's name («dấu treo») or the signature, the
    receiving office's stamp, a leader's note in blue pen across the header. Read as grey these
    become clouds of letters merged with the text's lines. Black toner is dark in every
    channel, so it stays black under the ink; red and blue ink are bright in their own channel
    and go pale, soft edges included (a mask of "red enough" pixels, tried first, left the
    seal's pink edges as specks that read as digits beside the number).
    """
    import numpy as np

    # Channel by channel on whole uint8 planes (max - min of uint8 never wraps); the blend
    # below only where the pixel is coloured: everywhere else it gives `bright` unchanged, and
    # computing it for the whole page (float64 over 9 megapixels) took a second a colour page.
    r, g, b = (np.asarray(band) for band in image.split())
    bright = np.maximum(np.maximum(r, g), b)
    chroma = bright - np.minimum(np.minimum(r, g), b)
    ink = chroma > _INK_CHROMA
    if int(np.count_nonzero(ink)) < 200:
        return Image.fromarray(bright, mode="L")
    # Under a stamp's stroke the print shows through only a little: where the seal's ring
    # crosses `68` the `6` is just a little darker than the ring on bare paper, and washed
    # out as it is it reads `08`. Within the ink, the ring on paper is the common brightness
    # (its upper quartile); what is darker than that is print under the ink, stretched back
    # to ink. Blended in by how coloured the pixel is, so the ink's soft edges stay smooth.
    lit = bright[ink].astype(np.int16)
    over_paper = float(np.percentile(lit, 75))
    under = np.maximum(over_paper - lit - _UNDER_INK_MARGIN, 0)
    restored = 255.0 - under * _UNDER_INK_GAIN
    weight = np.clip((chroma[ink].astype(np.int16) - _INK_CHROMA) / _INK_CHROMA, 0.0, 1.0)
    blended = lit * (1 - weight) + np.clip(restored, 0, 255) * weight
    out = bright.copy()
    out[ink] = np.clip(blended, 0, 255).astype(np.uint8)
    return Image.fromarray(out, mode="L")


# Channels this far apart (0–255) are coloured ink (toner and paper stay far under it).
_INK_CHROMA = 60
# Darker than the ink on paper by more than its noise (the margin) is print under the ink,
# stretched back to ink by the gain; within the margin it is the ink's own grain: paper.
_UNDER_INK_MARGIN = 14
_UNDER_INK_GAIN = 8.0


def _run(args: list[str], timeout: float, what: str) -> subprocess.CompletedProcess[bytes]:
    try:
        done = subprocess.run(args, capture_output=True, timeout=timeout, env=_ENV)
    except subprocess.TimeoutExpired:
        raise errors.OcrFailed(what, f"quá {timeout:.0f} giây") from None
    except OSError as exc:
        raise errors.OcrUnavailable(str(exc)) from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise errors.OcrFailed(what, detail[-1] if detail else f"mã thoát {done.returncode}")
    return done


def ocr_image(
    image: Image.Image,
    *,
    dpi: int,
    region: tuple[int, int, int, int] | None = None,
    text_pdf: bool = False,
    psm: int = 3,
    timeout: float = PAGE_TIMEOUT,
) -> OcrPage:
    """OCR one page (or the `region` left, top, right, bottom of it) on its grey image."""
    page = grey(image)
    full_w, full_h = page.size
    dx, dy = 0, 0
    if region is not None:
        page = page.crop(region)
        dx, dy = region[0], region[1]
    if engine() == "library":
        raw_text, tsv, pdf = ocr_library.recognise(page, dpi=dpi, psm=psm, text_pdf=text_pdf)
    else:
        raw_text, tsv, pdf = _recognise_with_program(page, dpi, psm, text_pdf, timeout)
    words = _parse_tsv(tsv, dx, dy)
    return OcrPage(full_w, full_h, dpi, tuple(words), _nfc(raw_text), pdf)


def _recognise_with_program(
    page: Image.Image, dpi: int, psm: int, text_pdf: bool, timeout: float
) -> tuple[str, str, bytes | None]:
    binary = tesseract_binary()
    with tempfile.TemporaryDirectory(prefix="clerk-ocr-") as tmp:
        src = Path(tmp) / "page.pgm"
        _save_raw(page, src)
        base = Path(tmp) / "out"
        outputs = ["txt", "tsv"] + (["pdf"] if text_pdf else [])
        _run(
            [
                binary,
                str(src),
                str(base),
                "--dpi",
                str(dpi),
                "--psm",
                str(psm),
                "-l",
                LANGUAGE,
                "-c",
                "textonly_pdf=1",
                *outputs,
            ],
            timeout,
            "trang ảnh",
        )
        text = base.with_suffix(".txt").read_text("utf-8")
        tsv = base.with_suffix(".tsv").read_text("utf-8")
        pdf = base.with_suffix(".pdf").read_bytes() if text_pdf else None
    return text, tsv, pdf


def _save_raw(page: Image.Image, path: Path) -> None:
    """The grey page as a raw PGM for Tesseract: the same pixels as a PNG (its reading is the
    same, TSV for TSV), but writing a stored PNG of a 4-megapixel header took 0.08 s of CPU
    and a PGM is its bytes. Its resolution goes on the command line (`--dpi`)."""
    if page.mode != "L":
        page = page.convert("L")
    page.save(path, format="PPM")


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _parse_tsv(tsv: str, dx: int, dy: int) -> list[Word]:
    words = []
    reader = csv.reader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    next(reader, None)
    for row in reader:
        if len(row) < 12 or row[0] != "5":
            continue
        text = _nfc(row[11]).strip()
        if not text:
            continue
        words.append(
            Word(
                text=text,
                conf=max(float(row[10]), 0.0),
                left=int(row[6]) + dx,
                top=int(row[7]) + dy,
                width=int(row[8]),
                height=int(row[9]),
                block=int(row[2]),
                par=int(row[3]),
                line=int(row[4]),
            )
        )
    return words


def ocr_images(
    images: Sequence[Image.Image],
    *,
    dpi: int,
    text_pdf: bool = False,
    workers: int | None = None,
    on_page: Callable[[int], None] | None = None,
) -> list[OcrPage]:
    """OCR pages in parallel, one single-threaded Tesseract per core; results in page order."""
    workers = workers or max(os.cpu_count() or 1, 1)

    def one(index: int) -> OcrPage:
        page = ocr_image(images[index], dpi=dpi, text_pdf=text_pdf)
        if on_page is not None:
            on_page(index)
        return page

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, range(len(images))))


# Letters OSD classifies before it may stop (Tesseract's `min_characters_to_try`, 50 by
# default). It costs ~20 ms of CPU a letter, whatever the page's size: 50 took 1.2 s a page
# on this desk's scans; 20 still told upright from upside down on all 93 corpus pages tried, its
# confidence well over the clean-up's threshold (bench/RESULTS.md, `readfast`).
OSD_CHARACTERS = 20

_ROTATE = re.compile(r"Rotate:\s*(\d+)")
_CONFIDENCE = re.compile(r"Orientation confidence:\s*([\d.]+)")


def orientation(image: Image.Image, *, dpi: int, timeout: float = 60.0) -> tuple[int, float]:
    """Clockwise degrees that make the page upright, with Tesseract's OSD confidence.

    (0, 0.0) when OSD cannot tell (too little text, a photo, a blank page).
    """
    osd_dpi = min(dpi, 150)
    small = grey(image)
    if dpi > osd_dpi:
        # 150 dpi is as sure as 200 for OSD and ~40% faster; 100 dpi stops telling.
        scale = osd_dpi / dpi
        small = small.resize((int(small.width * scale), int(small.height * scale)))
    if engine() == "library":
        return ocr_library.orientation(small, dpi=osd_dpi, characters=OSD_CHARACTERS)
    binary = tesseract_binary()
    with tempfile.TemporaryDirectory(prefix="clerk-osd-") as tmp:
        src = Path(tmp) / "page.pgm"
        _save_raw(small, src)
        try:
            done = subprocess.run(
                [
                    *(binary, str(src), "-", "--psm", "0", "-l", "osd", "--dpi", str(osd_dpi)),
                    *("-c", f"min_characters_to_try={OSD_CHARACTERS}"),
                ],
                capture_output=True,
                timeout=timeout,
                env=_ENV,
            )
        except (OSError, subprocess.TimeoutExpired):
            return 0, 0.0
    out = done.stdout.decode("utf-8", "replace")
    rotate, confidence = _ROTATE.search(out), _CONFIDENCE.search(out)
    if done.returncode != 0 or rotate is None or confidence is None:
        return 0, 0.0
    return int(rotate.group(1)) % 360, float(confidence.group(1))
