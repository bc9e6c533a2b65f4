"""Phone photos: the page's four corners found on the desk around it, warped upright, shadows
flattened; scans pass through."""

from __future__ import annotations

import math
import random

import numpy as np
from PIL import Image

from clerk_app.reading import photo, specimens


def test_the_page_corners_of_a_photo_are_found() -> None:
    spec = specimens.specimen(20006, dpi=200, variant="phone_photo")
    want = spec.notes["corners"]
    got = photo.page_corners(spec.image)
    assert got is not None
    # Within 1.5% of the photo's width: the warp then leaves lines level for Tesseract.
    tolerance = 0.015 * spec.image.width
    for (gx, gy), (wx, wy) in zip(got, want, strict=True):
        assert math.hypot(gx - wx, gy - wy) < tolerance, (got, want)
    straight = photo.straighten(spec.image, spec.dpi)
    assert straight.corners is not None
    assert abs(straight.image.height / straight.image.width - photo.A4_RATIO) < 0.01
    assert 150 <= straight.dpi <= 260  # worked out from the page's size, not the JPEG's 72


def test_a_scan_has_no_desk_around_it_and_passes_through() -> None:
    spec = specimens.specimen(4004, dpi=200)
    assert photo.page_corners(spec.image) is None
    straight = photo.straighten(spec.image, spec.dpi)
    assert straight.corners is None and straight.dpi == 200
    assert straight.image.size == spec.image.size


def test_a_shadow_is_flattened_and_the_ink_stays() -> None:
    w, h = 800, 1100
    arr = np.full((h, w), 235, dtype=np.float32)
    arr[:, w // 2 :] *= 0.55  # a shadow over the right half
    arr[500:510, 100:700] = 30  # a line of ink across both halves
    shaded = Image.fromarray(arr.astype(np.uint8), mode="L")
    flat = np.asarray(photo.flatten(shaded), dtype=np.float32)
    left, right = flat[200:400, 50:350].mean(), flat[200:400, 450:750].mean()
    assert abs(left - right) < 15, (left, right)
    assert flat[505, 150] < 100 and flat[505, 650] < 100
    # Uneven light on a scan is flattened too; even light is left as it was.
    straight = photo.straighten(shaded, 100)
    assert straight.corners is None
    assert np.asarray(straight.image)[300, 600] > 200
    even = Image.fromarray(np.full((h, w), 235, dtype=np.uint8), mode="L")
    assert photo.straighten(even, 100).image is even or np.array_equal(
        np.asarray(photo.straighten(even, 100).image), np.asarray(even)
    )


def test_generated_photos_differ_by_seed_and_keep_the_page() -> None:
    page = Image.new("RGB", (400, 566), (240, 240, 240))
    a = specimens.phone_photo(page, random.Random(1))
    b = specimens.phone_photo(page, random.Random(2))
    assert a.size == b.size and a.tobytes() != b.tobytes()
