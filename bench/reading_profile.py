"""Where the header read's time goes, page by page: every Tesseract call (which pass made it,
its psm, the pixels it was given, its CPU seconds) and the Python stages around them.

    nice taskset -c 0 .venv/bin/python bench/reading_profile.py [--part tuned --pages 0-59]
        [--parts tuned:0-59,held_out_4:0-44] [--baseline-ref main] [--cprofile]

One process, one page at a time (run it under `taskset -c 0` for one core). CPU seconds are
the process's own plus its Tesseract children's (`os.times`), as bench/reading.py counts them.
The pass of a call is named from the reader's function that made it (the call stack). A page
costs the desk its clean-up, its header read and its secrecy check (every page gets one);
with `--baseline-ref`, that ref's code (`git archive`) does the same three to the same page
right after, in a process of its own on the same core, and the fields are compared.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
import traceback
from collections import defaultdict
from pathlib import Path
from typing import Any

from _common import table, write_json
from reading import KNOWN, same, unpack_baseline

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


# The baseline's clean-up, header read and secrecy check of a page file, CPU seconds each.
BASELINE = r"""
import json, os, sys
from PIL import Image
from clerk_app.reading import secrecy
from clerk_app.reading.reader import read_header
from scanner.cleanup import check_page
def cpu():
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system
known = json.loads(sys.argv[1])
for line in sys.stdin:
    item = json.loads(line)
    original = Image.open(item["path"]); original.load()
    c0 = cpu()
    image = original
    if item["variant"] != "phone_photo":
        image, _ = check_page(image, item["dpi"], turn=True)  # as the desk: every page
    c1 = cpu()
    found = read_header(image, item["dpi"], known_issuers=known, calibrated=False)
    c2 = cpu()
    level = secrecy.image_level(original, item["dpi"] if item["dpi"] > 72 else 150)
    c3 = cpu()
    print(json.dumps({"cleanup_cpu": c1 - c0, "read_cpu": c2 - c1, "secrecy_cpu": c3 - c2,
                      "total_cpu": c3 - c0, "data": found.to_json(), "secrecy": level},
                     default=str), flush=True)
"""


def _baseline(ref: str, folder: Path) -> subprocess.Popen[str]:
    code = unpack_baseline(ref, folder)
    return subprocess.Popen(
        [sys.executable, "-c", BASELINE, json.dumps(KNOWN)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": code},
        cwd=code,
    )


def _baseline_page(
    proc: subprocess.Popen[str], spec: specimens.Specimen, folder: Path
) -> dict[str, Any]:
    assert proc.stdin is not None and proc.stdout is not None
    path = folder / "page.png"
    spec.image.save(path, dpi=(spec.dpi, spec.dpi), compress_level=1)
    item = {"path": str(path), "dpi": spec.dpi, "variant": spec.notes.get("variant") or ""}
    proc.stdin.write(json.dumps(item) + "\n")
    proc.stdin.flush()
    answer: dict[str, Any] = json.loads(proc.stdout.readline())
    return answer


def _stats(values: list[float]) -> str:
    return f"mean {sum(values) / len(values):.2f}, max {max(values):.2f}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--part", default="tuned", choices=sorted(specimens.PARTS))
    parser.add_argument("--pages", default="0-27", help="first-last page indexes")
    parser.add_argument("--parts", help="part:first-last,… (instead of --part and --pages)")
    parser.add_argument("--baseline-ref", help="git ref whose code reads each page after this")
    parser.add_argument("--cprofile", action="store_true", help="also print the top functions")
    parser.add_argument("--pages-to", type=Path, help="also append each page's JSON line here")
    parser.add_argument("--summary", type=Path, nargs="*", help="only sum up --pages-to files")
    args = parser.parse_args()
    if args.summary:
        done = [
            json.loads(line) for f in args.summary for line in f.read_text("utf-8").splitlines()
        ]
        _compare(done, args.baseline_ref or "baseline")
        return 0
    wanted = []
    for item in (args.parts or f"{args.part}:{args.pages}").split(","):
        part, span = item.split(":")
        first, last = (int(x) for x in span.split("-"))
        wanted += [(part, i) for i in range(first, last + 1)]
    tmp = tempfile.TemporaryDirectory(prefix="clerk-reading-profile-")
    base = _baseline(args.baseline_ref, Path(tmp.name)) if args.baseline_ref else None
    load_before = os.getloadavg()
    original = ocr.ocr_image
    reader.ocr_image = _wrap(original)
    secrecy.ocr_image = _wrap(original)
    prof = cProfile.Profile() if args.cprofile else None
    rows, pages = [], []
    for part, i in wanted:
        spec = specimens.reading_specimen(i, part=part)
        image = spec.image
        c0 = cpu()
        if spec.notes.get("variant") != "phone_photo":
            image, _ = check_page(image, spec.dpi, turn=True)  # as the desk: every page
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
            "part": part,
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
            "data": json.loads(json.dumps(data, default=str)),
        }
        if base is not None:
            page["baseline"] = _baseline_page(base, spec, Path(tmp.name))
        pages.append(page)
        if args.pages_to is not None:
            with args.pages_to.open("a", encoding="utf-8") as out:
                out.write(json.dumps({**page, "load": os.getloadavg()}, default=str) + "\n")
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
    print(
        table(
            ["page", "mode", "clean-up", "read", "secrecy", "total", "tess", "calls", "right"], rows
        )
    )
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
    if base is not None:
        _compare(pages, args.baseline_ref)
    write_json(
        "reading_profile",
        {
            "parts": args.parts or f"{args.part}:{args.pages}",
            "baseline_ref": args.baseline_ref,
            "pages": pages,
            "load_before": load_before,
            "load_after": os.getloadavg(),
        },
    )
    print(f"load {load_before} → {os.getloadavg()}")
    if prof is not None:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(35)
    return 0


def _compare(pages: list[dict[str, Any]], ref: str) -> None:
    """Per part: clean-up + read + secrecy CPU s/page, this code and the baseline's, and the
    pages whose fields (or secrecy finding) differ."""
    rows = []
    for part in dict.fromkeys(p["part"] for p in pages):
        group = [p for p in pages if p["part"] == part]
        for key in ("cleanup_cpu", "read_cpu", "secrecy_cpu", "total_cpu"):
            rows.append(
                [
                    part,
                    key,
                    _stats([p[key] for p in group]),
                    _stats([p["baseline"][key] for p in group]),
                ]
            )
        over = sum(p["total_cpu"] > 2.0 for p in group)
        base_over = sum(p["baseline"]["total_cpu"] > 2.0 for p in group)
        rows.append([part, "pages over 2 s", over, base_over])
        same_fields = sum(p["data"] == p["baseline"]["data"] for p in group)
        rows.append([part, "same fields (and scores)", f"{same_fields}/{len(group)}", ""])
    print(table(["part", "CPU s/page", "this code", ref], rows))
    for p in pages:
        if p["data"] != p["baseline"]["data"] or p["secrecy"][1] != p["baseline"]["secrecy"]:
            print(f"differs {p['part']} {p['name']}: {p['data']} / {ref}: {p['baseline']['data']}")


if __name__ == "__main__":
    raise SystemExit(main())
