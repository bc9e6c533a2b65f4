"""Benchmark of the two OCR engines on the same pages: the `tesseract` program (Debian's, as the
desk read until now) against Tesseract as a library with the bundled model (what the installed
desk uses on Windows and in the .deb). Header reading time and field accuracy on the reading
corpus, full-page OCR with the text layer, and the orientation check.

    .venv/bin/python bench/ocr_engines.py [--pages 16] [--full-pages 4]

Engines alternate page by page so the machine's noise falls on both alike.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import datetime
from pathlib import Path

from _common import machine_info, table, write_json

from clerk_app.reading import ocr, ocr_library, specimens
from clerk_app.reading.extraction import FIELDS
from clerk_app.reading.reader import read_header
from scanner.cleanup import deskew

ENGINES = ("program", "library")


def _same(name: str, got: object, want: object) -> bool:
    if name == "issuer" and isinstance(got, str) and isinstance(want, str):
        return got.casefold() == want.casefold()
    return got == want


def run(pages: int, full_pages: int) -> dict[str, object]:
    results: dict[str, dict[str, object]] = {
        e: {
            "header_s": [],
            "fields": dict.fromkeys(FIELDS, 0),
            "full_s": [],
            "osd_s": [],
            "osd_right": 0,
            "misses": [],
        }
        for e in ENGINES
    }
    for spec in specimens.corpus(pages):
        straight, _ = deskew(spec.image)
        for engine in ENGINES:
            os.environ["CLERK_OCR_ENGINE"] = engine
            start = time.perf_counter()
            data = read_header(straight, spec.dpi).to_json()
            r = results[engine]
            r["header_s"].append(time.perf_counter() - start)  # type: ignore[attr-defined]
            for name in FIELDS:
                if _same(name, data[name], spec.truth[name]):
                    r["fields"][name] += 1  # type: ignore[index]
                else:
                    r["misses"].append(f"{spec.name} {name}: {spec.truth[name]!r} → {data[name]!r}")  # type: ignore[attr-defined]
            start = time.perf_counter()
            turn, _conf = ocr.orientation(straight.rotate(180), dpi=spec.dpi)
            r["osd_s"].append(time.perf_counter() - start)  # type: ignore[attr-defined]
            r["osd_right"] += int(turn == 180)  # type: ignore[operator]
    for spec in specimens.corpus(full_pages, seed=7000):
        for engine in ENGINES:
            os.environ["CLERK_OCR_ENGINE"] = engine
            start = time.perf_counter()
            page = ocr.ocr_image(spec.image, dpi=spec.dpi, text_pdf=True)
            results[engine]["full_s"].append(time.perf_counter() - start)  # type: ignore[attr-defined]
            assert page.text_pdf and page.text_pdf.startswith(b"%PDF")
    os.environ.pop("CLERK_OCR_ENGINE", None)
    return {"pages": pages, "full_pages": full_pages, "engines": results}


def _mean(values: object) -> float:
    seq = list(values)  # type: ignore[call-overload]
    return sum(seq) / len(seq)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=16)
    parser.add_argument("--full-pages", type=int, default=4)
    args = parser.parse_args()
    import tesserocr

    payload = {
        "when": datetime.now().isoformat(),
        "machine": machine_info(Path(tempfile.gettempdir())),
        "tesseract_program": os.popen("tesseract --version").readline().strip(),
        "tesseract_library": tesserocr.tesseract_version().splitlines()[0],
        "tessdata": str(ocr_library.tessdata_dir()),
        **run(args.pages, args.full_pages),
    }
    write_json("ocr_engines", payload)
    total = args.pages * len(FIELDS)
    rows = []
    for engine in ENGINES:
        r = payload["engines"][engine]  # type: ignore[index]
        rows.append(
            [
                engine,
                f"{sum(r['fields'].values())}/{total}",
                f"{_mean(r['header_s']):.2f} / {max(r['header_s']):.2f}",
                f"{_mean(r['full_s']):.2f}",
                f"{_mean(r['osd_s']):.2f} ({r['osd_right']}/{args.pages} right)",
            ]
        )
    print(
        table(
            [
                "engine",
                "fields exact",
                "header s/page mean / max",
                "full page + layer s",
                "orientation s (found)",
            ],
            rows,
        )
    )
    for engine in ENGINES:
        for miss in payload["engines"][engine]["misses"]:  # type: ignore[index]
            print(f"{engine} miss:", miss)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
