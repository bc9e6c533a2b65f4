"""Benchmark of the scanning desk's upright test: which pages skip Tesseract OSD, and the CPU saved.

    nice .venv/bin/python bench/orientation.py [--tuned 120 --held-out 45 --held-out-2 45
        --held-out-3 45 --held-out-4 45] [--timed 36]

Every corpus page (`specimens.reading_specimen`, all its kinds: phone photos, shadows, seals,
stamps, 200/300 dpi, colour, pages fed upside down) is scored as scanned and turned 180°, so
each page gives one upright and one upside-down page. Prints the score's spread for both, the
margin of `cleanup.UPRIGHT_SCORE` from the nearest upside-down page, how many upright pages skip
OSD, and how many upside-down pages were called upright (must be 0). Then `measure_page`'s CPU
(this process and its children: Tesseract) on the first `--timed` tuned pages as they come,
before (OSD asked on every page, as main does) and after, alternating page by page in one run,
with both finding the same on every page. The held_out_5/6/7 parts are never read here.
"""

from __future__ import annotations

import argparse
import os
import platform
from datetime import UTC, datetime

import _common  # noqa: F401  (puts the project on sys.path)
import numpy as np
from PIL import Image

from clerk_app.reading.specimens import reading_specimen
from scanner import cleanup

PARTS = ("tuned", "held_out", "held_out_2", "held_out_3", "held_out_4")


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _timed(image: Image.Image, dpi: int) -> tuple[cleanup.PageCheck, float]:
    start = _cpu()
    check = cleanup.measure_page(image, dpi)
    return check, _cpu() - start


def _spread(values: list[float]) -> str:
    q = np.percentile(values, [0, 5, 50, 95, 100])
    return "min {:.3f}  p5 {:.3f}  median {:.3f}  p95 {:.3f}  max {:.3f}".format(*q)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tuned", type=int, default=120)
    for part in PARTS[1:]:
        parser.add_argument("--" + part.replace("_", "-"), type=int, default=45)
    parser.add_argument("--timed", type=int, default=36)
    args = parser.parse_args()
    counts = {part: getattr(args, part) for part in PARTS}
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} cores,")
    print(f"load {os.getloadavg()[0]:.2f}; pages per part {counts}")

    upright: list[tuple[float, int, str]] = []
    upside: list[tuple[float, int, str]] = []
    for part, count in counts.items():
        for i in range(count):
            spec = reading_specimen(i, part=part)
            fed_upside_down = spec.notes.get("variant") == "upside_down"
            for turned in (False, True):
                page = spec.image.rotate(180) if turned else spec.image
                score, lines = cleanup.upright_score(page)
                (upside if fed_upside_down != turned else upright).append(
                    (score, lines, spec.name + (" turned" if turned else ""))
                )

    def sure(row: tuple[float, int, str]) -> bool:
        return row[0] >= cleanup.UPRIGHT_SCORE and row[1] >= cleanup.UPRIGHT_LINES

    print(f"\nupright pages ({len(upright)}): score {_spread([r[0] for r in upright])}")
    print(f"upside-down pages ({len(upside)}): score {_spread([r[0] for r in upside])}")
    print("lowest upright:", ", ".join(f"{n} {s:.3f}/{k}" for s, k, n in sorted(upright)[:4]))
    print("highest upside-down:", ", ".join(f"{n} {s:.3f}/{k}" for s, k, n in sorted(upside)[-4:]))
    top = max(r[0] for r in upside)
    print(
        f"threshold {cleanup.UPRIGHT_SCORE} with >= {cleanup.UPRIGHT_LINES} lines: margin "
        f"{cleanup.UPRIGHT_SCORE - top:.3f} above the highest upside-down page ({top:.3f}), "
        f"{min(r[0] for r in upright) - cleanup.UPRIGHT_SCORE:.3f} below the lowest upright"
    )
    skipped = sum(map(sure, upright))
    print(f"upright pages that skip OSD: {skipped}/{len(upright)}")
    print(f"upside-down pages called upright: {sum(map(sure, upside))}/{len(upside)}")

    surely_upright = cleanup._surely_upright
    before_s: list[float] = []
    after_s: list[float] = []
    for i in range(args.timed):
        spec = reading_specimen(i, part="tuned")
        image = spec.image.copy()
        Image.Image.load(image)
        cleanup._surely_upright = lambda small, angle: False  # main: OSD on every page
        before, cpu_before = _timed(image, spec.dpi)
        cleanup._surely_upright = surely_upright
        after, cpu_after = _timed(image, spec.dpi)
        assert before == after, (spec.name, before, after)
        before_s.append(cpu_before)
        after_s.append(cpu_after)
    b, a = float(np.mean(before_s)), float(np.mean(after_s))
    print(
        f"\nmeasure_page CPU s/page on {args.timed} tuned pages as they come (same checks found): "
        f"before {b:.3f} (max {max(before_s):.3f}), after {a:.3f} (max {max(after_s):.3f}), "
        f"ratio {a / b:.2f}; load {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
