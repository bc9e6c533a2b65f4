"""Benchmark of reading scans: OCR + extraction seconds per page, field accuracy, PDF bytes per page.

    .venv/bin/python bench/ocr.py [--pages 24] [--pdf-pages 6] [--hard-pages 28] [--only-hard]

The corpus is `clerk_app.reading.specimens.corpus` (NĐ 30 first pages in several layouts,
200/300 dpi, grey and colour, skew, noise, seal, handwritten note). Accuracy: a field counts
when it equals the truth exactly (issuer compared case-insensitively: the header prints it in
capitals). PDF size: our writer (G4 or JPEG + Tesseract text layer) against OCRmyPDF on the same
page images when it is installed (Debian's `ocrmypdf`), else against a plain Pillow JPEG PDF.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import tempfile
import time
from datetime import datetime
from pathlib import Path

from _common import machine_info, table, write_json

from clerk_app.reading import specimens
from clerk_app.reading.extraction import FIELDS
from clerk_app.reading.ocr import ocr_image
from clerk_app.reading.reader import read_header
from scanner.cleanup import check_page, deskew
from scanner.compact_pdf import PdfPage, choose_encoding, write_pdf


def _same(name: str, got: object, want: object) -> bool:
    if name == "issuer" and isinstance(got, str) and isinstance(want, str):
        return got.casefold() == want.casefold()
    return got == want


def accuracy(count: int, *, hard: bool = False) -> dict[str, object]:
    """Fields exact on the ordinary corpus, or on the harder one (`specimens.hard_corpus`).

    The harder corpus goes through the desk's full clean-up (deskew and turning upside-down
    pages by OSD), since one of its difficulties is a page fed upside down.
    """
    corpus = specimens.hard_corpus(count) if hard else specimens.corpus(count)
    per_field = dict.fromkeys(FIELDS, 0)
    header_s: list[float] = []
    misses: list[str] = []
    for spec in corpus:
        if hard:
            straight, _ = check_page(spec.image, spec.dpi)
        else:
            straight, _ = deskew(spec.image)
        start = time.perf_counter()
        extraction = read_header(straight, spec.dpi)
        header_s.append(time.perf_counter() - start)
        data = extraction.to_json()
        for name in FIELDS:
            if _same(name, data[name], spec.truth[name]):
                per_field[name] += 1
            else:
                misses.append(f"{spec.name} {name}: {spec.truth[name]!r} → {data[name]!r}")
    exact = sum(per_field.values())
    return {
        "pages": count,
        "fields_exact": exact,
        "fields_total": count * len(FIELDS),
        "per_field": per_field,
        "header_s_mean": sum(header_s) / count,
        "header_s_max": max(header_s),
        "misses": misses,
    }


def full_page(count: int) -> dict[str, object]:
    """Full-page OCR with the text layer, one Tesseract thread (OMP_THREAD_LIMIT=1)."""
    corpus = specimens.corpus(count, seed=7000)
    times = []
    for spec in corpus:
        start = time.perf_counter()
        ocr_image(spec.image, dpi=spec.dpi, text_pdf=True)
        times.append(time.perf_counter() - start)
    return {"pages": count, "full_s_mean": sum(times) / count, "full_s_max": max(times)}


def pdf_sizes(count: int) -> dict[str, object]:
    corpus = specimens.corpus(count, seed=8000)
    ours_bw = ours_auto = baseline = 0
    base_name = "ocrmypdf" if shutil.which("ocrmypdf") else "pillow-jpeg"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i, spec in enumerate(corpus):
            page = ocr_image(spec.image, dpi=spec.dpi, text_pdf=True)
            bw = write_pdf([PdfPage(spec.image, spec.dpi, "bw", page.text_pdf)], folder / "bw.pdf")
            auto = write_pdf(
                [PdfPage(spec.image, spec.dpi, choose_encoding(spec.image), page.text_pdf)],
                folder / "auto.pdf",
            )
            ours_bw += bw.size
            ours_auto += auto.size
            src = folder / f"in-{i}.png"
            spec.image.save(src, dpi=(spec.dpi, spec.dpi))
            if base_name == "ocrmypdf":
                img_pdf = folder / f"in-{i}.pdf"
                # OCRmyPDF takes an image with its resolution; its default optimisation (-O1,
                # lossless) and the same language.
                subprocess.run(
                    [
                        "ocrmypdf",
                        "-l",
                        "vie",
                        "--image-dpi",
                        str(spec.dpi),
                        "--output-type",
                        "pdf",
                        str(src),
                        str(img_pdf),
                    ],
                    check=True,
                    capture_output=True,
                    env={**os.environ, "OMP_THREAD_LIMIT": "1"},
                )
                baseline += img_pdf.stat().st_size
            else:
                out = io.BytesIO()
                spec.image.save(out, format="PDF", resolution=float(spec.dpi), quality=75)
                baseline += len(out.getvalue())
    return {
        "pages": count,
        "baseline": base_name,
        "ours_bw_per_page": ours_bw / count,
        "ours_auto_per_page": ours_auto / count,
        "baseline_per_page": baseline / count,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=24)
    parser.add_argument("--full-pages", type=int, default=6)
    parser.add_argument("--pdf-pages", type=int, default=6)
    parser.add_argument("--hard-pages", type=int, default=28, help="pages of the harder corpus")
    parser.add_argument("--only-hard", action="store_true", help="only the harder corpus")
    args = parser.parse_args()
    machine = machine_info(Path(tempfile.gettempdir()))
    hard = accuracy(args.hard_pages, hard=True)
    print(f"harder corpus: {hard['fields_exact']}/{hard['fields_total']} {hard['per_field']}")
    for miss in hard["misses"]:  # type: ignore[attr-defined]
        print("hard miss:", miss)
    if args.only_hard:
        return 0
    acc = accuracy(args.pages)
    full = full_page(args.full_pages)
    sizes = pdf_sizes(args.pdf_pages)
    payload = {
        "when": datetime.now().isoformat(),
        "machine": machine,
        **acc,
        **full,
        **sizes,
        "hard": {k: v for k, v in hard.items() if k != "misses"},
        "hard_misses": hard["misses"],
    }
    write_json("ocr", payload)
    total = acc["fields_total"]
    print(
        table(
            ["figure", "value"],
            [
                ["pages in the corpus", acc["pages"]],
                ["fields exact", f"{acc['fields_exact']}/{total}"],
                ["per field", acc["per_field"]],
                ["harder corpus: fields exact", f"{hard['fields_exact']}/{hard['fields_total']}"],
                ["harder corpus: per field", hard["per_field"]],
                [
                    "header OCR + extraction, s/page (mean / max)",
                    f"{acc['header_s_mean']:.2f} / {acc['header_s_max']:.2f}",
                ],
                [
                    "full-page OCR + text layer, s/page (mean / max)",
                    f"{full['full_s_mean']:.2f} / {full['full_s_max']:.2f}",
                ],
                ["PDF bytes/page, ours bilevel", f"{sizes['ours_bw_per_page']:.0f}"],
                ["PDF bytes/page, ours automatic", f"{sizes['ours_auto_per_page']:.0f}"],
                [f"PDF bytes/page, {sizes['baseline']}", f"{sizes['baseline_per_page']:.0f}"],
            ],
        )
    )
    for miss in acc["misses"]:  # type: ignore[attr-defined]
        print("miss:", miss)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
