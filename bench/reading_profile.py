"""Where the header read's time goes, page by page: every Tesseract call (which pass made it,
its psm, the pixels it was given, its CPU seconds) and the Python stages around them.

    nice .venv/bin/python bench/reading_profile.py [--part tuned --pages 0-59] [--cprofile]

One process, one page at a time (run it under `taskset -c 0` for one core). CPU seconds are
the process's own plus its Tesseract children's (`os.times`), as bench/reading.py counts them.
The pass of a call is named from the reader's function that made it (the call stack).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import time
import traceback
from collections import defaultdict
from typing import Any

from _common import table, write_json
from reading import KNOWN, same

from clerk_app.reading import ocr, reader, secrecy, specimens
from scanner.cleanup import check_page

PASSES = (
    "image_level",
    "_symbol_tail",
    "frame_texts",
    "_read_straight",
    "read_header",
)


def cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


CALLS: list[dict[str, Any]] = []


def _pass_name() -> str:
    names = [f.name for f in traceback.extract_stack()]
    for candidate in PASSES:
        if candidate in names:
            return candidate
    return "other"


def _wrap(original: Any) -> Any:
    def counted(image: Any, **kw: Any) -> Any:
        region = kw.get("region")
        w, h = (region[2] - region[0], region[3] - region[1]) if region else image.size
        c0, w0 = cpu(), time.perf_counter()
        out = original(image, **kw)
        CALLS.append(
            {
                "pass": _pass_name(),
                "psm": kw.get("psm", 3),
                "pixels": w * h,
                "dpi": kw.get("dpi"),
                "cpu": cpu() - c0,
                "wall": time.perf_counter() - w0,
            }
        )
        return out

    return counted


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--part", default="tuned", choices=sorted(specimens.PARTS))
    parser.add_argument("--pages", default="0-27", help="first-last page indexes")
    parser.add_argument("--cprofile", action="store_true", help="also print the top functions")
    args = parser.parse_args()
    first, last = (int(x) for x in args.pages.split("-"))
    original = ocr.ocr_image
    reader.ocr_image = _wrap(original)
    secrecy.ocr_image = _wrap(original)
    prof = cProfile.Profile() if args.cprofile else None
    rows, pages = [], []
    for i in range(first, last + 1):
        spec = specimens.reading_specimen(i, part=args.part)
        variant = spec.notes.get("variant") or ""
        image = spec.image
        c0 = cpu()
        if spec.notes.get("variant") != "phone_photo":
            image, _ = check_page(image, spec.dpi, turn=variant == "upside_down")
        c1 = cpu()
        CALLS.clear()
        if prof is not None:
            prof.enable()
        found = reader.read_header(image, spec.dpi, known_issuers=KNOWN, calibrated=False)
        if prof is not None:
            prof.disable()
        c2 = cpu()
        if prof is not None:
            prof.enable()
        level = secrecy.image_level(spec.image, spec.dpi if spec.dpi > 72 else 150)
        if prof is not None:
            prof.disable()
        c3 = cpu()
        data = found.to_json()
        right = sum(same(n, data[n], spec.truth[n]) for n in spec.truth if n in data)
        tess = sum(c["cpu"] for c in CALLS)
        by_pass: dict[str, int] = defaultdict(int)
        for c in CALLS:
            by_pass[c["pass"]] += 1
        page = {
            "name": spec.name,
            "mode": spec.image.mode,
            "cleanup_cpu": c1 - c0,
            "read_cpu": c2 - c1,
            "secrecy_cpu": c3 - c2,
            "secrecy": [spec.notes.get("secrecy"), level],
            "total_cpu": c3 - c0,
            "tesseract_cpu": tess,
            "calls": list(CALLS),
            "right": right,
        }
        pages.append(page)
        rows.append(
            [
                spec.name[-34:],
                spec.image.mode,
                f"{c1 - c0:.2f}",
                f"{c2 - c1:.2f}",
                f"{c3 - c2:.2f}",
                f"{c3 - c0:.2f}",
                f"{tess:.2f}",
                " ".join(
                    f"{c['pass'].strip('_')[:8]}/p{c['psm']}/{c['pixels'] / 1e6:.2f}MP/{c['cpu']:.2f}s"
                    for c in CALLS
                ),
                right,
            ]
        )
        print(rows[-1], flush=True)
    print(table(["page", "mode", "clean-up", "read", "secrecy", "total", "tess", "calls", "right"], rows))
    n = len(pages)
    mean = sum(p["read_cpu"] for p in pages) / n
    tess = sum(p["tesseract_cpu"] for p in pages) / n
    print(
        f"read CPU s/page mean {mean:.2f} (Tesseract {tess:.2f}, Python {mean - tess:.2f}); "
        f"clean-up {sum(p['cleanup_cpu'] for p in pages) / n:.2f}; "
        f"secrecy {sum(p['secrecy_cpu'] for p in pages) / n:.2f}; "
        f"fields right {sum(p['right'] for p in pages)}"
    )
    print(
        f"clean-up + read + secrecy CPU s/page: mean {sum(p['total_cpu'] for p in pages) / n:.2f}, "
        f"max {max(p['total_cpu'] for p in pages):.2f}; secrecy marks (want, got): "
        f"{[p['secrecy'] for p in pages if any(p['secrecy'])]}"
    )
    per_pass: dict[str, list[float]] = defaultdict(list)
    for p in pages:
        for c in p["calls"]:
            per_pass[f"{c['pass']} psm {c['psm']}"].append(c["cpu"])
    print(
        table(
            ["pass", "calls", "CPU s total", "per page"],
            [[k, len(v), f"{sum(v):.1f}", f"{sum(v) / n:.2f}"] for k, v in per_pass.items()],
        )
    )
    write_json("reading_profile", {"part": args.part, "pages": pages, "load": os.getloadavg()})
    if prof is not None:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(35)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
