"""Keystrokes and seconds per instruction on the instruction screen's keyboard path; a script only.

Run: `QT_QPA_PLATFORM=offscreen .venv/bin/python bench/instructions.py [--docs 30] [--shots DIR]`.
Each document gets an instruction typed as a secretary would: a few accent-free letters and
Enter per field (the leader once per pile). The arrival stamp's Chuyển is made on the worker
pool, so the per-instruction time is keys → saved and the next document shown; the whole pile,
waited until every stamp is made, is reported too. The baseline is the same instructions saved through
`Secretary.instruct` directly (no screen), in the same run; the ratio is screen / core.
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

import pymupdf
from _common import machine_info, summarise, table
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from clerk_app.instructions.records import InstructionDraft
from clerk_app.instructions.secretary import Secretary
from clerk_app.records import IncomingDraft
from clerk_app.workspace import Workspace

# (text typed, Enter presses) per field; cycles over the pile.
PLANS = [
    [("de biet", 1), ("kt", 1), ("vp", 2), ("5", 1)],
    [("giao chu tri", 1), ("tai chinh", 1), ("", 1), ("3", 1)],
    [("luu", 1), ("vp", 1), ("", 1), ("", 1)],
]


class Keys:
    """Key clicks counted as the secretary presses them."""

    def __init__(self) -> None:
        self.count = 0

    def type(self, widget: QWidget, text: str) -> None:
        for ch in text:
            QTest.keyClicks(widget, ch)
            self.count += 1

    def press(self, widget: QWidget, key: Qt.Key, times: int = 1) -> None:
        for _ in range(times):
            QTest.keyClick(widget, key)
            self.count += 1


def make_desk(root: Path, docs: int) -> tuple[Workspace, list[str]]:
    ws = Workspace.init(root, agency_name="Ủy ban nhân dân tỉnh Phú Yên", agency_code="UBND")
    for code, name in (("VP", "Văn phòng"), ("KT", "Phòng Kinh tế"), ("TC", "Phòng Tài chính")):
        ws.add_unit(code, name)
    ids = []
    for n in range(docs):
        pdf = pymupdf.open()
        page = pdf.new_page(width=595, height=842)
        page.insert_text((72, 100), f"CÔNG VĂN số {n + 1}", fontsize=14)
        path = root.parent / f"d{n}.pdf"
        pdf.save(path)
        pdf.close()
        ids.append(
            ws.register_incoming(
                IncomingDraft(
                    issuer="Sở Tài chính",
                    reference=f"{n + 1}/STC-NS",
                    issued_on=None,
                    doc_type="Công văn",
                    subject=f"Về việc số {n + 1}",
                    files=[path],
                    allow_duplicate=True,
                )
            ).document.summary.id
        )
    return ws, ids


def screen_run(ws: Workspace, ids: list[str], *, inline_stamp: bool = False) -> dict[str, Any]:
    """The pile typed on the screen; `inline_stamp` stamps on the GUI thread as round one did."""
    from ui.instruction_screen import InstructionScreen

    screen = InstructionScreen(ws, ids)
    if inline_stamp:
        screen._stamp_later = lambda doc_id: (  # type: ignore[method-assign]
            screen.sec.stamp_routing(doc_id) and None
        )
    screen.resize(1280, 800)
    screen.show()
    keys = Keys()
    keys.type(screen.leader, "chu tich")
    keys.press(screen.leader, Qt.Key.Key_Return)
    seconds, save_key, strokes = [], [], []
    pile_start = time.perf_counter()
    fields = [screen.text, screen.lead, screen.co, screen.deadline]
    for n in range(len(ids)):
        start, before = time.perf_counter(), keys.count
        plan = PLANS[n % len(PLANS)]
        for field, (typed, enters) in zip(fields, plan, strict=True):
            keys.type(field, typed)
            if field is screen.deadline:
                keys.press(field, Qt.Key.Key_Return, enters - 1)
                pressed = time.perf_counter()
                keys.press(field, Qt.Key.Key_Return)  # saves, shows the next document
                save_key.append(time.perf_counter() - pressed)
            else:
                keys.press(field, Qt.Key.Key_Return, enters)
        QApplication.processEvents()
        seconds.append(time.perf_counter() - start)
        strokes.append(keys.count - before)
    # The arrival stamps are made on the worker pool, one after another, while keys go on.
    while screen.stamping:
        QApplication.processEvents()
        QThreadPool.globalInstance().waitForDone(10)
    pile = time.perf_counter() - pile_start
    assert screen.document_id is None, "the pile was not finished"
    stamped = sum(any(f.role == "stamped" for f in ws.document(doc_id).files) for doc_id in ids)
    assert stamped == len(ids), f"only {stamped} of {len(ids)} documents were stamped"
    screen.close()
    return {"seconds": seconds, "save_key": save_key, "strokes": strokes, "pile": pile}


def core_run(ws: Workspace, ids: list[str], *, stamp: bool = True) -> list[float]:
    sec = Secretary(ws)
    drafts = [
        InstructionDraft("Chủ tịch", "Để biết.", "KT", co=["VP"], deadline_days=5),
        InstructionDraft("Chủ tịch", "Giao chủ trì", "TC", deadline_days=3),
        InstructionDraft("Chủ tịch", "Lưu hồ sơ.", "VP"),
    ]
    seconds = []
    for n, doc_id in enumerate(ids):
        start = time.perf_counter()
        sec.instruct(doc_id, drafts[n % len(drafts)], stamp=stamp)
        seconds.append(time.perf_counter() - start)
    return seconds


def _ms(s: dict[str, float]) -> list[float]:
    return [s["mean_ms"], s["p50_ms"], s["p95_ms"], s["max_ms"]]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=30)
    args = parser.parse_args()
    QApplication.instance() or QApplication(sys.argv)
    with tempfile.TemporaryDirectory(dir=Path(__file__).parent) as tmp:
        runs = {}
        for name, inline in (("inline", True), ("worker", False)):
            ws, ids = make_desk(Path(tmp) / name / "desk", args.docs)
            runs[name] = screen_run(ws, ids, inline_stamp=inline)
            ws.close()
        ws2, ids2 = make_desk(Path(tmp) / "core" / "desk", args.docs)
        core_s = core_run(ws2, ids2)
        ws2.close()
        info = machine_info(Path(tmp))
    rows: list[list[Any]] = []
    strokes = runs["worker"]["strokes"]
    rows.append(["keystrokes per instruction", sum(strokes) / len(strokes), "", "", max(strokes)])
    for name, label in (
        ("inline", "baseline: stamp on the GUI thread"),
        ("worker", "stamp on the worker pool"),
    ):
        r = runs[name]
        rows.append([f"{label}: Enter that saves → next shown, ms", *_ms(summarise(r["save_key"]))])
        rows.append([f"{label}: keys → saved, next shown, ms", *_ms(summarise(r["seconds"]))])
        per_doc = round(1000 * r["pile"] / len(r["seconds"]), 1)
        rows.append([f"{label}: whole pile incl. stamps, ms per doc", per_doc, "", "", ""])
    core = summarise(core_s)
    rows.append(["core only (Secretary.instruct, stamped), ms", *_ms(core)])
    print(info)
    print(table(["figure", "mean", "p50", "p95", "max"], rows))
    inline, worker = summarise(runs["inline"]["save_key"]), summarise(runs["worker"]["save_key"])
    print(f"ratio save key worker/inline: {worker['mean_ms'] / inline['mean_ms']:.2f}")


if __name__ == "__main__":
    main()
    sys.stdout.flush()
    # PySide6 can crash while collecting widgets at interpreter exit; the figures are printed.
    os._exit(0)
