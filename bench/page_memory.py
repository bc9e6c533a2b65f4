"""Does reportlab's per-page memory growth flatten if pages go to temporary PDFs joined by PyMuPDF?

    .venv/bin/python bench/page_memory.py [--pages 400,1400] [--chunk 100]

The registers' own sheets (`register_pdf.Sheets`, Tinos, the incoming columns) draw N body
pages of 15 synthetic rows each, with no database, so only the PDF writing is measured. Each
sample is a fresh process; its peak RSS (`ru_maxrss`) is its own. Variants:

  floor        imports and fonts, no page (what every variant pays)
  one-canvas   one reportlab canvas for all pages, saved at the end (what `print_register` did
               before `binding.Binding`; the baseline)
  uncompressed the same with `setPageCompression(0)` (reportlab's default is already 1)
  chunked      a new canvas every `--chunk` pages saved to a temporary PDF, the pieces then
               joined with PyMuPDF `insert_pdf` and saved once
  binding      `binding.Binding` as `print_register` now uses it: chunks of `--chunk` pages
               joined in memory, the late facts laid over every page from one overlay page
The growth per page is (peak at the larger N − peak at the smaller N) / (difference in pages).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import ROOT, machine_info, table, write_json

VARIANTS = ["floor", "one-canvas", "uncompressed", "chunked", "binding"]
ROWS_PER_PAGE = 15


class _OneCanvas:
    """What `Sheets` draws into, over one plain reportlab canvas."""

    def __init__(self, canvas: Any) -> None:
        self.canvas = canvas

    def end_page(self, overlay: str | None = None) -> None:
        self.canvas.showPage()


def _draw_pages(target: Any, first: int, count: int, overlay: str | None = None) -> None:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from clerk_app.printing import layout as L
    from clerk_app.printing.fonts import register_fonts
    from clerk_app.printing.register_pdf import Sheets

    regular, bold = register_fonts()
    wrapper = L.Wrapper(lambda s: stringWidth(s, regular, L.FONT_SIZE))
    header = L.Wrapper(lambda s: stringWidth(s, bold, L.HEADER_FONT_SIZE))
    columns = L.INCOMING_COLUMNS
    sheets = Sheets(
        target, (regular, bold), columns, wrapper, header, "SỔ ĐĂNG KÝ", "Quyển số 1", "Sở"
    )
    capacity = L.body_capacity(sheets.header_h)
    for page in range(first, first + count):
        sheets.begin()
        top = 0.0
        for row in range(ROWS_PER_PAGE):
            n = page * ROWS_PER_PAGE + row + 1
            texts = [
                "12/03/2026",
                str(n),
                "Ủy ban nhân dân huyện Đồng Xuân",
                f"{n}/UBND-VP",
                "10/03/2026",
                f"Công văn: Về việc phòng, chống lụt bão và tìm kiếm cứu nạn đợt {n}",
                "Phòng Kinh tế",
                "12/03/2026",
                "",
                "",
            ]
            cells = [
                wrapper.wrap(t, c.width - 2 * L.CELL_PAD)
                for t, c in zip(texts, columns, strict=True)
            ]
            lines = max(L.MIN_LINES, *(len(c) for c in cells))
            piece = L.Slice(0, top, 0, lines)
            if top + piece.height > capacity:
                break
            sheets.draw(cells, piece)
            top += piece.height
        sheets.end(f"Trang {page + 1}", overlay)


def child(variant: str, pages: int, chunk: int, out: Path) -> dict[str, Any]:
    from reportlab.pdfgen.canvas import Canvas

    from clerk_app.printing import layout as L
    from clerk_app.printing.fonts import register_fonts

    register_fonts()
    started = time.perf_counter()
    size = (L.PAGE_WIDTH, L.PAGE_HEIGHT)
    if variant in ("one-canvas", "uncompressed"):
        canvas = Canvas(str(out), pagesize=size, invariant=1)
        if variant == "uncompressed":
            canvas.setPageCompression(0)
        _draw_pages(_OneCanvas(canvas), 0, pages)
        canvas.save()
    elif variant == "chunked":
        import pymupdf

        with tempfile.TemporaryDirectory() as tmp, pymupdf.open() as joined:
            for first in range(0, pages, chunk):
                piece = Path(tmp) / f"{first}.pdf"
                canvas = Canvas(str(piece), pagesize=size, invariant=1)
                _draw_pages(_OneCanvas(canvas), first, min(chunk, pages - first))
                canvas.save()
                with pymupdf.open(piece) as part:
                    joined.insert_pdf(part)
                piece.unlink()
            joined.save(out, garbage=0, deflate=False)
    elif variant == "binding":
        from clerk_app.printing.binding import Binding
        from clerk_app.printing.register_pdf import FORM_FACTS, draw_facts

        binding = Binding(out, title="bench", author="bench", font="ClerkTinos", chunk=chunk)
        _draw_pages(binding, 0, pages, FORM_FACTS)
        binding.bind({FORM_FACTS: lambda c: draw_facts(c, "ClerkTinos", "Lần in này: …")})
    result: dict[str, Any] = {"variant": variant, "pages": pages if variant != "floor" else 0}
    result["seconds"] = time.perf_counter() - started
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["pdf_bytes"] = out.stat().st_size if out.exists() else 0
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", default="400,1400")
    parser.add_argument("--chunk", type=int, default=100)
    parser.add_argument("--child", nargs=2, metavar=("VARIANT", "PAGES"))
    args = parser.parse_args()
    if args.child:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out.pdf"
            print(json.dumps(child(args.child[0], int(args.child[1]), args.chunk, out)))
        return
    sizes = [int(p) for p in args.pages.split(",")]
    samples = []
    for variant in VARIANTS:
        for pages in sizes if variant != "floor" else sizes[:1]:
            cmd = [sys.executable, __file__, "--child", variant, str(pages)]
            cmd += ["--chunk", str(args.chunk)]
            done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
            samples.append(json.loads(done.stdout))
            print(samples[-1], flush=True)
    rows = []
    for variant in VARIANTS[1:]:
        mine = {s["pages"]: s for s in samples if s["variant"] == variant}
        small, large = mine[sizes[0]], mine[sizes[-1]]
        growth = (large["peak_rss_mib"] - small["peak_rss_mib"]) * 1024 / (sizes[-1] - sizes[0])
        for s in (small, large):
            rows.append(
                [
                    variant,
                    s["pages"],
                    f"{s['seconds']:.2f}",
                    f"{s['peak_rss_mib']:.0f}",
                    f"{s['pdf_bytes'] / 1e6:.1f}",
                    f"{growth:.1f}" if s is large else "",
                ]
            )
    floor = next(s for s in samples if s["variant"] == "floor")
    print(f"floor: {floor['peak_rss_mib']:.0f} MiB")
    print(table(["variant", "pages", "s", "peak RSS MiB", "PDF MB", "KiB/page"], rows))
    write_json(
        "page_memory", {"machine": machine_info(Path(tempfile.gettempdir())), "samples": samples}
    )


if __name__ == "__main__":
    main()
