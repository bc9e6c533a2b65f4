"""A phone photo of a page made readable: the page's quadrilateral straightened, shadows flattened.

A clerk photographs a letter on a desk: the page is a bright four-sided shape on a darker
ground, seen at an angle, with a hand's or a phone's shadow across it. Tesseract reads such a
photo poorly (lines are not level, a shadow turns to ink). Here the page is found (brightest
large shape, its four extreme corners), warped to an upright A4 rectangle, and divided by its
own smoothed paper tone so shadows and uneven light go. numpy and Pillow only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

from clerk_app.reading.ocr import grey

A4_RATIO = 297 / 210
A4_WIDTH_INCHES = 8.27
_WORK = 400  # the page's corners are looked for on a copy this many pixels wide


@dataclass(frozen=True)
class Straightened:
    image: Image.Image  # grey, upright, flattened
    dpi: int
    corners: tuple[tuple[float, float], ...] | None  # where the page was in the photo, or None


def _grey(image: Image.Image) -> Image.Image:
    # The grey OCR reads (a red seal washed out), so straightening keeps what OCR would see.
    return grey(image)


def page_corners(image: Image.Image) -> tuple[tuple[float, float], ...] | None:
    """Top-left, top-right, bottom-right, bottom-left of a page lying on a darker ground, or None
    when the picture is the page itself (a scan: paper right to the edges)."""
    return _corners(_grey(image))


def _corners(grey: Image.Image) -> tuple[tuple[float, float], ...] | None:
    """`page_corners` of the grey image OCR reads."""
    scale = _WORK / grey.width
    small = grey.resize((_WORK, max(round(grey.height * scale), 1)), Image.Resampling.BOX)
    # Text and shadows inside the page must not break it up: the brightest in a neighbourhood.
    small = small.filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.MinFilter(5))
    arr = np.asarray(small, dtype=np.float32)
    h, w = arr.shape
    rim = np.concatenate(
        [arr[:3].ravel(), arr[-3:].ravel(), arr[:, :3].ravel(), arr[:, -3:].ravel()]
    )
    inner = arr[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4]
    paper = float(np.percentile(inner, 75))
    if float(np.median(rim)) > 0.75 * paper:
        return None  # paper at the edges: a scan or an already cropped picture
    threshold = (float(np.median(rim)) + paper) / 2
    # A heavy shadow across the page can take part of it under any one threshold (a hand's
    # shadow over a corner: that corner was found far inside the page and the header warped
    # away). The page's edge is a sharp step up from the desk whatever the light; a shadow's
    # edge is soft. So the page is also what lies between the first sharp rise and the last
    # sharp fall along each row and each column.
    mask = (arr > threshold) | _between_edges(arr) | _between_edges(arr.T).T
    ys, xs = np.nonzero(mask)
    if len(xs) < 0.2 * h * w:
        return None
    s, d = xs + ys, xs - ys
    picks = (np.argmin(s), np.argmax(d), np.argmax(s), np.argmin(d))
    return tuple((float(xs[i]) / scale, float(ys[i]) / scale) for i in picks)


# Across a page's edge the brightness rises this many times within STEP work pixels (paper is
# two to four times as bright as a desk, in the light or in a shadow); a shadow's soft edge
# changes it by a few per cent over the same distance.
EDGE_RATIO = 1.6
STEP = 3


def _between_edges(arr: np.ndarray) -> np.ndarray:
    """For each row, True from its first sharp rise to its last sharp fall (a span at least
    a tenth of the row wide: a corner's rows cross little of the page), else False."""
    w = arr.shape[1]
    a = np.maximum(arr, 1.0)
    ratio = a[:, STEP:] / a[:, :-STEP]
    rising, falling = ratio > EDGE_RATIO, ratio < 1 / EDGE_RATIO
    has_rise, has_fall = rising.any(axis=1), falling.any(axis=1)
    first = rising.argmax(axis=1) + STEP
    last = falling.shape[1] - 1 - falling[:, ::-1].argmax(axis=1)
    ok = has_rise & has_fall & (last - first > w / 10)
    cols = np.arange(w)[None, :]
    return ok[:, None] & (cols >= first[:, None]) & (cols <= last[:, None])


def _coefficients(
    target: tuple[tuple[float, float], ...], source: tuple[tuple[float, float], ...]
) -> list[float]:
    """PIL's PERSPECTIVE data: for each output pixel (target), where to take it in the input."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(target, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs.extend([u, v])
    solved = np.linalg.solve(np.array(rows, dtype=np.float64), np.array(rhs, dtype=np.float64))
    return [float(c) for c in solved]


def flatten(grey: Image.Image) -> Image.Image:
    """Divide by the paper's own tone (text removed by a max filter, then smoothed)."""
    small_w = max(grey.width // 8, 1)
    small = grey.resize((small_w, max(grey.height // 8, 1)), Image.Resampling.BOX)
    paper = small.filter(ImageFilter.MaxFilter(7)).filter(ImageFilter.GaussianBlur(6))
    paper = paper.resize(grey.size, Image.Resampling.BILINEAR)
    arr = np.asarray(grey, dtype=np.float32)
    tone = np.maximum(np.asarray(paper, dtype=np.float32), 24.0)
    out = np.clip(arr / tone * 240.0, 0, 255).astype(np.uint8)
    return Image.fromarray(out, mode="L")


def straighten(image: Image.Image, dpi: int) -> Straightened:
    """The page of a photo upright on A4 and flattened; a scan comes back only flattened when
    its light is uneven, else as it was."""
    grey = _grey(image)  # once: washing a colour page's ink out is the costly part
    corners = _corners(grey)
    if corners is None:
        arr = np.asarray(grey.resize((max(grey.width // 16, 1), max(grey.height // 16, 1))))
        tone = np.percentile(arr, 90, axis=None)
        # Paper tone varying by more than a fifth across the page: a shadow or a lamp.
        blocks = [
            np.percentile(cell, 90)
            for band in np.array_split(arr, 3, axis=0)
            for cell in np.array_split(band, 3, axis=1)
            if cell.size
        ]
        if tone > 0 and (max(blocks) - min(blocks)) / tone > 0.2:
            return Straightened(flatten(grey), dpi, None)
        return Straightened(grey, dpi, None)
    tl, tr, br, bl = corners
    width = (np.hypot(tr[0] - tl[0], tr[1] - tl[1]) + np.hypot(br[0] - bl[0], br[1] - bl[1])) / 2
    out_w = max(int(width), 200)
    out_h = int(out_w * A4_RATIO)
    target = ((0.0, 0.0), (float(out_w), 0.0), (float(out_w), float(out_h)), (0.0, float(out_h)))
    data = _coefficients(target, corners)
    warped = grey.transform(
        (out_w, out_h),
        Image.Transform.PERSPECTIVE,
        data,
        resample=Image.Resampling.BICUBIC,
        fillcolor=255,
    )
    page_dpi = max(round(out_w / A4_WIDTH_INCHES), 72)
    return Straightened(flatten(warped), page_dpi, corners)
