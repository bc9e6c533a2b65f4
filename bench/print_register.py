"""Printing a yearly register of 20,000 entries: time and peak memory, against a LongTable baseline.

    .venv/bin/python bench/print_register.py [--data-dir D] [--repeat R] [--skip-baseline]

D (default /var/tmp/clerk-print-31k) is a demo desk made with `clerk demo --documents 31000`
(about 20,200 incoming and 10,800 outgoing documents in the current year); it is built when
missing. Every sample runs in a fresh process so its peak resident memory (`ru_maxrss`) is its
own. Variants, interleaved round by round:

  stream-q1 / -h1 / -year   `print_register` for January–March, January–June and the whole
                            year of the incoming register (memory should stay flat as it grows:
                            reportlab canvases of 100 pages bound by PyMuPDF, `binding.Binding`)
  outgoing-year             the outgoing register's year (pays `document()` per entry for the
                            copies and file-copy-holder columns)
  floor                     the same process importing everything and opening the desk, no PDF
  longtable (baseline)      one reportlab platypus LongTable of every row of the year, the cells
                            as Paragraphs in the same font and widths, built by SimpleDocTemplate
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from _common import ROOT, machine_info, summarise, table, write_json

VARIANTS = ["floor", "stream-q1", "stream-h1", "stream-year", "outgoing-year", "longtable"]


def child(variant: str, data_dir: Path, out: Path) -> dict[str, Any]:
    from clerk_app.printing.register_pdf import print_register
    from clerk_app.workspace import Workspace

    started = time.perf_counter()
    result: dict[str, Any] = {"variant": variant}
    with Workspace.open(data_dir) as ws:
        year = ws.now_in_vietnam().year
        if variant.startswith("stream") or variant == "outgoing-year":
            last = {"stream-q1": date(year, 3, 31), "stream-h1": date(year, 6, 30)}.get(variant)
            printed = print_register(
                ws,
                "outgoing" if variant == "outgoing-year" else "incoming",
                year,
                out,
                date_from=date(year, 1, 1),
                date_to=last,
            )
            result |= {"entries": printed.entries, "pdf_pages": printed.pdf_pages}
        elif variant == "longtable":
            result |= longtable(ws, year, out)
    result["seconds"] = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # CPU time from process start (imports included): on a shared machine it is steadier than
    # wall time, which other processes' load stretches.
    result["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    result["peak_rss_mib"] = usage.ru_maxrss / 1024
    return result


def longtable(ws: Any, year: int, out: Path) -> dict[str, Any]:
    """The obvious way: every row a list of Paragraphs in one LongTable, built at once."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, TableStyle

    from clerk_app.printing import layout as L
    from clerk_app.printing.entries import RegisterEntry, filed_on
    from clerk_app.printing.fonts import register_fonts

    regular, bold = register_fonts()
    style = ParagraphStyle("c", fontName=regular, fontSize=L.FONT_SIZE, leading=L.LEADING)
    head = ParagraphStyle("h", parent=style, fontName=bold, alignment=1)
    register = ws.register_for("incoming", year)
    columns = L.INCOMING_COLUMNS
    data: list[list[Any]] = [[Paragraph(c.title, head) for c in columns]]
    for row in ws.iter_register(register.id):
        entry = RegisterEntry(row, filed_on(row))
        data.append([Paragraph(c.cell(entry), style) for c in columns])
    table = LongTable(data, colWidths=[c.width for c in columns], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "black")]))
    doc = SimpleDocTemplate(str(out), pagesize=landscape(A4), leftMargin=L.MARGIN_LEFT)
    doc.build([table])
    return {"entries": len(data) - 1, "pdf_pages": doc.page}


def run(variant: str, data_dir: Path, out_dir: Path) -> dict[str, Any]:
    out = out_dir / f"{variant}.pdf"
    proc = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            variant,
            "--data-dir",
            str(data_dir),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["pdf_bytes"] = out.stat().st_size if out.exists() else 0
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, default=Path("/var/tmp/clerk-print-31k"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--child")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.data_dir, args.out)))
        return
    if not (args.data_dir / "clerk.sqlite3").exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "clerk_app",
                "--data-dir",
                str(args.data_dir),
                "demo",
                "--documents",
                "31000",
            ],
            check=True,
            cwd=ROOT,
        )
    out_dir = Path("/var/tmp/clerk-print-bench-out")
    out_dir.mkdir(exist_ok=True)
    variants = [v for v in VARIANTS if not (args.skip_baseline and v == "longtable")]
    samples: dict[str, list[dict[str, Any]]] = {v: [] for v in variants}
    run("floor", args.data_dir, out_dir)  # warm the page cache
    for round_no in range(args.repeat):
        for variant in variants:
            if variant == "longtable" and round_no > 0:
                continue  # one sample: it is the slow reference
            result = run(variant, args.data_dir, out_dir)
            samples[variant].append(result)
            print(variant, json.dumps(result), file=sys.stderr, flush=True)
    rows = []
    for variant, results in samples.items():
        secs = summarise([r["seconds"] for r in results])
        rows.append(
            [
                variant,
                results[0].get("entries", 0),
                results[0].get("pdf_pages", 0),
                f"{secs['p50_ms'] / 1000:.2f}",
                f"{max(r['seconds'] for r in results):.2f}",
                f"{min(r['cpu_seconds'] for r in results):.2f}",
                f"{max(r['peak_rss_mib'] for r in results):.0f}",
                len(results),
            ]
        )
    headers = [
        "variant",
        "entries",
        "PDF pages",
        "p50 s",
        "max s",
        "min CPU s",
        "peak RSS MiB",
        "n",
    ]
    print(table(headers, rows))
    path = write_json(
        "print_register", {"machine": machine_info(args.data_dir), "samples": samples}
    )
    print(f"written {path}")


if __name__ == "__main__":
    main()
