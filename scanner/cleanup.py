"""Page clean-up after the scanner: deskew, blank-page flags, upside-down turn; never drops a page.

Works on grey or colour PIL images; decisions are made on a small grey copy so a 300 dpi page
costs tens of milliseconds. The orientation check, which runs Tesseract OSD (~0.5 s), is asked
only when the page does not look surely upright by its text lines (~20 ms to tell).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

from clerk_app.reading.ocr import orientation

WORK_WIDTH = 800  # pixels across the small copy the measurements run on
MAX_SKEW = 5.0  # degrees; beyond that the clerk rotates by hand
MIN_SKEW = 0.15  # degrees; a page turned less than this is left as scanned
# Share of inked pixels (after despeckling, margins ignored) below which a page looks blank.
BLANK_INK = 0.0015
OSD_MIN_CONFIDENCE = 2.0
# A page is surely upright, and OSD is not asked, when its text lines carry clearly more ink
# above their x-height band than below it (`upright_score`) over enough lines. On 600 corpus
# pages (bench/orientation.py) upside-down ones scored -0.07 and less, upright ones 0.30 and more
# but for a few phone photos (0.07 the lowest, left to OSD): 0.15 keeps 0.22 from every
# upside-down page and spares 295 of the 300 upright pages OSD.
UPRIGHT_SCORE = 0.15
UPRIGHT_LINES = 8
# Text lines are looked for in vertical strips, so that side-by-side header blocks with their
# own baselines are not mixed in one row profile.
LINE_STRIPS = 5
LINE_HEIGHT = (5, 40)  # pixels on the small copy: shorter is a speck, taller a seal or a photo


@dataclass(frozen=True)
class PageCheck:
    skew: float  # degrees the page was rotated back by (counter-clockwise positive)
    blank: bool  # looks blank: flagged for the clerk, never dropped
    ink: float  # share of inked pixels
    upside_down: bool = False


def _as_grey(image: Image.Image) -> Image.Image:
    return image.convert("L") if image.mode != "L" else image


def _small(grey: Image.Image) -> Image.Image:
    """The small grey copy every measurement runs on (made once per page by check_page)."""
    scale = WORK_WIDTH / grey.width
    return grey.resize((WORK_WIDTH, max(int(grey.height * scale), 1)), Image.Resampling.BOX)


def _ink_mask(arr: np.ndarray) -> np.ndarray:
    # Paper is the bright mode of the histogram; ink is clearly darker than it.
    paper = float(np.percentile(arr, 90))
    return arr < paper - max(60.0, paper * 0.3)


def ink_share(image: Image.Image) -> float:
    """Share of inked pixels, with specks and the outer 4% (shadows at the edges) ignored."""
    return _ink_share(_small(_as_grey(image)))


def _ink_share(small: Image.Image) -> float:
    # A 3×3 median removes dust and noise but keeps strokes of text.
    arr = np.asarray(small.filter(ImageFilter.MedianFilter(3)), dtype=np.uint8)
    h, w = arr.shape
    my, mx = int(h * 0.04), int(w * 0.04)
    core = arr[my : h - my, mx : w - mx]
    return float(_ink_mask(core).mean()) if core.size else 0.0


def looks_blank(image: Image.Image) -> bool:
    return ink_share(image) < BLANK_INK


def skew_angle(image: Image.Image) -> float:
    """Skew in degrees, found where the rows of ink line up best (projection profile)."""
    return _skew_angle(_small(_as_grey(image)))


def _skew_angle(small: Image.Image) -> float:
    arr = np.asarray(small, dtype=np.uint8)
    mask = Image.fromarray((_ink_mask(arr) * 255).astype(np.uint8))
    if np.asarray(mask).mean() < 255 * 0.002:
        return 0.0

    def score(angle: float) -> float:
        rotated = np.asarray(
            mask.rotate(angle, resample=Image.Resampling.NEAREST), dtype=np.float32
        )
        rows = rotated.sum(axis=1)
        return float(np.square(np.diff(rows)).sum())

    best = max(np.arange(-MAX_SKEW, MAX_SKEW + 0.01, 0.5), key=score)
    fine = max(np.arange(best - 0.5, best + 0.51, 0.1), key=score)
    return round(float(fine), 2)


def deskew(image: Image.Image, angle: float | None = None) -> tuple[Image.Image, float]:
    """The page turned straight, with the angle used; small angles (< MIN_SKEW) are left alone."""
    return _deskew(image, _as_grey(image), angle)


def _deskew(
    image: Image.Image, grey: Image.Image, angle: float | None
) -> tuple[Image.Image, float]:
    angle = _skew_angle(_small(grey)) if angle is None else angle
    if abs(angle) < MIN_SKEW:
        return image, 0.0
    paper = int(_percentile_90(grey))
    fill: int | tuple[int, ...] = paper if image.mode == "L" else (paper,) * len(image.getbands())
    turned = image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=fill)
    return turned, angle


def _percentile_90(grey: Image.Image) -> float:
    """`np.percentile(grey, 90)` from the image's histogram: the same value, without sorting
    nine megapixels (a tenth of a second a page)."""
    counts = np.cumsum(np.asarray(grey.histogram(), dtype=np.int64))
    n = int(counts[-1])
    index = 0.9 * (n - 1)
    low = int(np.floor(index))
    a = int(np.searchsorted(counts, low, side="right"))  # the value at sorted position low
    b = int(np.searchsorted(counts, min(low + 1, n - 1), side="right"))
    value = a + (b - a) * (index - low)
    if b != a and abs(value - round(value)) < 1e-6:  # numpy's own rounding decides there
        return float(np.percentile(np.asarray(grey), 90))
    return value


def measure_page(
    image: Image.Image, dpi: int, *, straighten: bool = True, turn: bool = True
) -> PageCheck:
    """What the clean-up finds on a page (skew, blank, upside down) without turning the page
    itself: the scanning desk keeps the page as scanned and turns it when it writes it."""
    return _measure(image, dpi, _as_grey(image), straighten=straighten, turn=turn)


def _measure(
    image: Image.Image, dpi: int, grey: Image.Image, *, straighten: bool, turn: bool
) -> PageCheck:
    # The grey page and its small copy made once, for the blank check, the skew and the fill.
    small = _small(grey)
    ink = _ink_share(small)
    if ink < BLANK_INK:
        return PageCheck(0.0, True, ink)
    angle = _skew_angle(small) if straighten else 0.0
    if abs(angle) < MIN_SKEW:
        angle = 0.0
    upside_down = False
    if turn and not _surely_upright(small, angle):
        rotate, confidence = orientation(_osd_copy(grey, dpi, angle), dpi=min(dpi, OSD_DPI))
        upside_down = rotate == 180 and confidence >= OSD_MIN_CONFIDENCE
    return PageCheck(angle, False, ink, upside_down)


def upright_score(image: Image.Image, angle: float | None = None) -> tuple[float, int]:
    """How upright the page's text looks, from -1 (upside down) to 1, with the number of text
    lines it was measured on; `angle` is the page's skew (measured when not given)."""
    small = _small(_as_grey(image))
    return _upright_score(small, _skew_angle(small) if angle is None else angle)


def _surely_upright(small: Image.Image, angle: float) -> bool:
    score, lines = _upright_score(small, angle)
    return score >= UPRIGHT_SCORE and lines >= UPRIGHT_LINES


def _upright_score(small: Image.Image, angle: float) -> tuple[float, int]:
    # Printed Latin and Vietnamese lines carry capitals, ascenders and the diacritics above
    # their x-height band, and only a few descenders and dots (dấu nặng) below it: upside
    # down, the two sides swap. Each line's band is its densest rows.
    small = _straight_grey(small, angle, Image.Resampling.BILINEAR)
    ink = _ink_mask(np.asarray(small, dtype=np.uint8))
    width = ink.shape[1]
    above = below = 0.0
    lines = 0
    for strip in range(LINE_STRIPS):
        part = ink[:, strip * width // LINE_STRIPS : (strip + 1) * width // LINE_STRIPS]
        profile = part.sum(axis=1).astype(np.float64)
        edges = np.flatnonzero(np.diff(np.concatenate(([0], (profile > 0).astype(np.int8), [0]))))
        for top, bottom in zip(edges[::2], edges[1::2], strict=True):
            if not LINE_HEIGHT[0] <= bottom - top <= LINE_HEIGHT[1]:
                continue
            line = profile[top:bottom]
            band = np.flatnonzero(line >= 0.5 * line.max())
            # Two bands in one run are two lines touching: which side is which is unclear.
            if len(band) < 2 or band[-1] - band[0] + 1 != len(band):
                continue
            above += float(line[: band[0]].sum())
            below += float(line[band[-1] + 1 :].sum())
            lines += 1
    total = above + below
    return ((above - below) / total if total else 0.0), lines


# OSD is as sure at 150 dpi as at 200 (ocr.orientation reads at most this resolution).
OSD_DPI = 150


def _osd_copy(grey: Image.Image, dpi: int, angle: float) -> Image.Image:
    """The page straightened at OSD's resolution, for the orientation check alone: turning
    the small grey copy instead of the whole page (a colour page at 300 dpi cost half a
    second to turn, then its grey and its downscaling again inside `orientation`)."""
    copy = grey
    if dpi > OSD_DPI:
        scale = OSD_DPI / dpi
        size = (max(int(grey.width * scale), 1), max(int(grey.height * scale), 1))
        copy = grey.resize(size, Image.Resampling.BOX)
    return _straight_grey(copy, angle, Image.Resampling.BICUBIC)


def _straight_grey(grey: Image.Image, angle: float, resample: Image.Resampling) -> Image.Image:
    """A grey copy turned back by `angle`, its new corners filled with the paper's shade."""
    if not angle:
        return grey
    paper = int(_percentile_90(grey))
    return grey.rotate(angle, resample=resample, fillcolor=paper)


def check_page(
    image: Image.Image, dpi: int, *, straighten: bool = True, turn: bool = True
) -> tuple[Image.Image, PageCheck]:
    """Clean one page: straighten it, flag it when blank, turn it upright when OSD is sure."""
    grey = _as_grey(image)
    check = _measure(image, dpi, grey, straighten=straighten, turn=turn)
    if check.skew:
        image, _ = _deskew(image, grey, check.skew)
    if check.upside_down:
        image = image.rotate(180)
    return image, check
