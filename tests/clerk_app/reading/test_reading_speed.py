"""The read's shortcuts give what the long way gave: the stamp finder's components, the clean-up's
fill, an urgency frame read once."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from PIL import Image

from clerk_app.reading import secrecy, specimens
from scanner.cleanup import _percentile_90


def _flood_components(mask: np.ndarray) -> set[frozenset[tuple[int, int]]]:
    """The 8-connected components of `mask` by a plain flood fill, as sets of pixels."""
    seen = np.zeros_like(mask, dtype=bool)
    out = set()
    h, w = mask.shape
    for y, x in zip(*np.nonzero(mask), strict=True):
        if seen[y, x]:
            continue
        stack, pixels = [(int(y), int(x))], set()
        seen[y, x] = True
        while stack:
            cy, cx = stack.pop()
            pixels.add((cy, cx))
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    ny, nx = cy + dy, cx + dx
                    if 0 <= ny < h and 0 <= nx < w and mask[ny, nx] and not seen[ny, nx]:
                        seen[ny, nx] = True
                        stack.append((ny, nx))
        out.add(frozenset(pixels))
    return out


@pytest.mark.parametrize("seed", range(6))
def test_the_stamp_finder_s_components_are_the_flood_fill_s(seed: int) -> None:
    rng = np.random.default_rng(seed)
    mask = rng.random((60, 80)) < (0.2 + 0.1 * seed)  # specks, then large merged shapes
    found = set()
    for rows, starts, ends in secrecy._components(mask):
        found.add(
            frozenset(
                (int(r), c) for r, s, e in zip(rows, starts, ends, strict=True) for c in range(s, e)
            )
        )
    assert found == _flood_components(mask)


def test_the_clean_up_s_paper_tone_is_numpy_s_90th_percentile() -> None:
    rng = np.random.default_rng(7)
    for n in (1, 2, 9, 10, 11, 999, 4096):
        for values in (rng.integers(0, 256, n), np.clip(rng.normal(200, 40, n), 0, 255)):
            arr = values.astype(np.uint8).reshape(1, n)
            got = _percentile_90(Image.fromarray(arr))
            assert int(got) == int(np.percentile(arr, 90))


def test_an_urgency_frame_is_read_once_and_a_stamp_still_both_ways(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []
    original = secrecy.ocr_image

    def counted(image: Image.Image, **kw: Any) -> Any:
        calls.append(kw.get("psm", 3))
        return original(image, **kw)

    monkeypatch.setattr(secrecy, "ocr_image", counted)
    # «KHẨN» printed in its frame in the header: level, read upright, named, not turned.
    spec = specimens.specimen(4016, dpi=200, colour=True, layout="cong_van")
    frames = secrecy.find_frames(spec.image, spec.dpi)
    assert len(frames) == 1
    assert secrecy.image_level(spec.image, spec.dpi) is None
    assert len(calls) == 1
    # A stamp pressed the other way up is still found (the second way round).
    calls.clear()
    stamp = specimens.secret_specimen(4, level="Mật", angle=180.0, red=True, dpi=200)
    assert secrecy.image_level(stamp.image, stamp.dpi) == "Mật"
