"""Urgency marks stamped in coloured ink, which the header's OCR does not see.

OCR reads the header with coloured ink washed out (`ocr.drop_colour`): a red seal, a blue pen
note and the «ĐẾN» stamp would otherwise merge with the printed lines. But an urgency mark is
often not printed: the sending office presses «HỎA TỐC», «THƯỢNG KHẨN» or «KHẨN» in its frame
in red, blue or purple ink. So when the header's reading has no urgency, the coloured ink of
the header is looked at on its own: frames of a stamp's size (secrecy.find_frames, the same
finder as the secrecy marks') are read inside and named as an urgency mark when they say one.
Only pages with a coloured frame in the header pay for an OCR call.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from PIL import Image

from clerk_app.reading.extraction import urgency_named, urgency_traced
from clerk_app.reading.secrecy import find_frames, frame_texts

# How far apart a pixel's channels must be for it to count as coloured ink (0–255): black
# toner, grey paper and their noise stay well under it; red, blue and purple ink are far above.
CHROMA = 60


def coloured_ink(image: Image.Image) -> Image.Image | None:
    """Grey image of the coloured ink alone (dark where the ink is), or None without colour."""
    if image.mode != "RGB":
        return None
    r, g, b = (np.asarray(band) for band in image.split())
    # uint8 planes: max - min never wraps, and the darkness is looked up per chroma value.
    chroma = np.maximum(np.maximum(r, g), b) - np.minimum(np.minimum(r, g), b)
    if int(np.count_nonzero(chroma > CHROMA)) < 200:
        return None
    return Image.fromarray(_INK_DARKNESS[chroma], mode="L")


# Ink as dark as it is coloured; black text and paper both come out white.
_INK_DARKNESS = np.clip(255 - 2 * np.maximum(np.arange(256) - CHROMA // 2, 0), 0, 255).astype(
    np.uint8
)


@dataclass(frozen=True)
class HeaderStamp:
    value: str | None  # the urgency mark a coloured frame says
    # A coloured frame was there that named nothing legible (a smudged «HỎA TỐC», a word of a
    # mark): no urgency must not be shown as sure on such a page.
    traced: bool = False


def stamp_in_header(image: Image.Image, dpi: int, region: tuple[int, int, int, int]) -> HeaderStamp:
    """What the coloured frames in `region` of a colour page say about its urgency."""
    ink = coloured_ink(image.crop(region))
    if ink is None:
        return HeaderStamp(None)
    traced = False
    for frame in find_frames(ink, dpi):
        # The page is upright: the frame's long side turned level the short way round.
        angle = (frame.angle + 90) % 180 - 90
        for text in frame_texts(ink, dpi, replace(frame, angle=angle), turns=(0,)):
            value = urgency_named(text)
            if value is not None:
                return HeaderStamp(value)
            traced = traced or urgency_traced(text)
    return HeaderStamp(None, traced)
