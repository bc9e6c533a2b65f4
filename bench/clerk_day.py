"""A clerk's scanning morning, driven offscreen: keystrokes and machine wait per scanned document.

The SANE test device feeds a batch; it is split into documents of a few pages; the clerk's
loop is then run by keys: Ctrl+Enter in the scan window opens the form with the first
document, the fields are typed, Ctrl+Enter registers it and the form fills with the next.
Machine wait is the time from that Ctrl+Enter until the form shows the next document (its
page 1 read and its PDF written in the background meanwhile). The baseline, measured in the
same run on the same pages, is the old way: the clerk clicks «Đọc trang đầu» and waits for
page 1's reading and the PDF before the form opens.

    .venv/bin/python bench/clerk_day.py --documents 20 --pages 3 --dpi 200 [--typing 8]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_info, summarise, table, write_json

# What the clerk types when page 1 gives nothing (the SANE test picture has no text):
# characters typed and the non-text keys (Enter to move on, Ctrl+Enter to register).
FIELDS = ("Sở Tài chính", "Công văn", "V/v quyết toán kinh phí")
MOVE_KEYS = 3  # Enter after issuer, reference, date (the form's Enter moves on)


def wait(app: Any, until: Any, timeout: float = 600.0) -> float:
    start = time.perf_counter()
    while not until():
        app.processEvents()
        time.sleep(0.005)
        if time.perf_counter() - start > timeout:
            raise TimeoutError
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=20)
    parser.add_argument("--pages", type=int, default=3, help="pages per document")
    parser.add_argument("--dpi", type=int, default=200)
    parser.add_argument(
        "--typing", type=float, default=0.0, help="seconds the clerk spends typing a form"
    )
    args = parser.parse_args()

    from clerk_app.workspace import Workspace
    from scanner.batch import read_first_page, write_document
    from ui.app import make_application
    from ui.main_window import MainWindow
    from ui.registration_form import IncomingForm

    app = make_application()
    root = Path(tempfile.mkdtemp(prefix="clerk-day-", dir="/var/tmp"))
    ws = Workspace.init(root / "desk", agency_name="UBND tỉnh Phú Yên", agency_code="UBND")
    ws.add_unit("KT", "Phòng Kinh tế")
    window = MainWindow(ws)
    window.show()
    scan = window.open_scanner(backend_options={"test-picture": "Grid"}, clean=False)
    screen = scan.batch_screen
    screen.device.setEditText("test:0")
    screen.dpi.addItem(f"{args.dpi} dpi", args.dpi)
    screen.dpi.setCurrentIndex(screen.dpi.count() - 1)
    total = args.documents * args.pages
    scan_time = 0.0
    while len(screen.batch.pages) < total:
        screen.start_scan()
        scan_time += wait(app, lambda: not screen.scanning)
    del screen.batch.pages[total:]
    for start in range(args.pages, total, args.pages):
        screen.batch.toggle_split(start)
    documents = screen.batch.documents()
    print(f"{total} pages scanned in {scan_time:.1f} s; {len(documents)} documents")

    # Baseline: the old way, page 1 read and the PDF written while the clerk waits.
    baseline = []
    for i, pages in enumerate(documents[:3]):
        t0 = time.perf_counter()
        read_first_page(pages)
        write_document(pages, root / f"old-{i}.pdf")
        baseline.append(time.perf_counter() - t0)

    # The loop.
    keys: list[int] = []
    typed: list[int] = []
    waits: list[float] = []
    t_loop = time.perf_counter()
    first_wait = 0.0
    scan.register_next()  # Ctrl+Enter in the scan window
    first_wait = wait(app, lambda: any(isinstance(f, IncomingForm) for f in window.open_forms))
    form = next(f for f in window.open_forms if isinstance(f, IncomingForm))
    for n in range(len(documents)):
        before = form.files()[0]
        typed_until = time.perf_counter() + args.typing
        wait(app, lambda u=typed_until: time.perf_counter() >= u)
        form.issuer.setText(FIELDS[0])
        form.doc_type.setEditText(FIELDS[1])
        form.subject.setPlainText(f"{FIELDS[2]} {n + 1}")
        typed.append(sum(len(f) for f in FIELDS) + len(str(n + 1)) + 1)
        keys.append(MOVE_KEYS + 1)
        form.submit()  # Ctrl+Enter
        t0 = time.perf_counter()
        if n + 1 < len(documents):
            wait(
                app,
                lambda b=before: (
                    form.state == "editing" and bool(form.files()) and form.files()[0] != b
                ),
            )
        else:
            wait(app, lambda: form.state == "done")
        waits.append(time.perf_counter() - t0)
    loop_time = time.perf_counter() - t_loop
    registered = ws.register_for("incoming", ws.registers()[0].year).last_number
    assert registered == len(documents), registered
    assert not screen.batch.unregistered_documents()

    after_first = sorted(waits[1:]) if len(waits) > 1 else sorted(waits)
    rows = [
        ["baseline: read + PDF while waiting (3 docs)", *_fmt(summarise(sorted(baseline)))],
        ["loop: wait after Ctrl+Enter (docs 2…)", *_fmt(summarise(after_first))],
    ]
    print(table(["machine wait per document", "median s", "p95 s", "max s"], rows))
    per_hour = 3600 * len(documents) / loop_time
    print(
        f"first form after {first_wait:.2f} s; {len(documents)} documents registered in "
        f"{loop_time:.1f} s of loop ({args.typing:.0f} s typing each) = {per_hour:.0f} "
        "documents/hour"
    )
    print(
        f"keystrokes per document: {keys[0]} keys (Enter ×{MOVE_KEYS}, Ctrl+Enter) + "
        f"{typed[0]} typed characters when page 1 gives nothing to pre-fill"
    )
    write_json(
        "clerk_day",
        {
            "machine": machine_info(root),
            "documents": len(documents),
            "pages_per_document": args.pages,
            "dpi": args.dpi,
            "typing_seconds": args.typing,
            "scan_seconds": scan_time,
            "baseline_wait_s": baseline,
            "loop_wait_s": waits,
            "first_form_s": first_wait,
            "loop_seconds": loop_time,
            "documents_per_hour_machine": per_hour,
            "keys_per_document": keys[0],
            "typed_characters_per_document": typed[0],
        },
    )
    scan.close_keeping()
    window.close()
    ws.close()


def _fmt(stats: dict[str, float]) -> list[str]:
    return [f"{stats[k] / 1000:.2f}" for k in ("p50_ms", "p95_ms", "max_ms")]


if __name__ == "__main__":
    main()
