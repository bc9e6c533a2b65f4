"""The batch as the scanning loop keeps it: separators split on arrival, registration marks that
undo cannot take back, several pages at once, moving pages between documents, crash recovery."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

from scanner import preferences
from scanner.batch import BatchPage, ScanBatch, batch_from_state, batch_state, page_from_file
from scanner.recovery import RecoveryFolder
from scanner.separator import make_separator_sheet


def _pages(tmp_path: Path, count: int) -> list[BatchPage]:
    out = []
    for i in range(count):
        path = tmp_path / f"page-{i + 1:04d}.png"
        Image.new("L", (60, 80), 255 - i).save(path)
        out.append(BatchPage(f"p{i}", path, 75))
    return out


def _ids(batch: ScanBatch) -> list[list[str]]:
    return [[p.id for p in d] for d in batch.documents()]


def test_separator_sheets_split_the_batch_as_pages_arrive(tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.png"
    sheet.write_bytes(make_separator_sheet("Lô 1", kind="png", dpi=100))
    separator = page_from_file(sheet, 100, clean=False)
    assert separator.separator == "Lô 1"
    a, b, c, d = _pages(tmp_path, 4)
    batch = ScanBatch()
    batch.append([a, b, separator])
    batch.append([c, separator, d])  # the sheet arrived last in one delivery, its page next
    assert _ids(batch) == [["p0", "p1"], ["p2"], ["p3"]]
    assert [s.position for s in batch.separators] == [2, 3]


def test_registered_pages_stay_marked_through_undo(tmp_path: Path) -> None:
    batch = ScanBatch(_pages(tmp_path, 4))
    batch.toggle_split(2)
    first = batch.unregistered_documents()[0]
    batch.mark_registered([p.id for p in first], "doc-1", "Số đến 1/2026")
    batch.undo()  # takes back the split, not the registration
    assert batch.is_registered(first[0]) and batch.is_registered(first[1])
    assert not batch.is_registered(batch.pages[2])
    # One document again, partly registered: only its other pages are left to register.
    assert [[p.id for p in d] for d in batch.unregistered_documents()] == [["p2", "p3"]]


def test_delete_and_rotate_several_pages_are_one_edit(tmp_path: Path) -> None:
    batch = ScanBatch(_pages(tmp_path, 5))
    batch.toggle_split(2)
    batch.delete_many([2, 4])
    assert _ids(batch) == [["p0", "p1"], ["p3"]]  # the start moved to the next page
    batch.rotate_many([0, 1], 90)
    assert [p.rotation for p in batch.pages] == [90, 90, 0]
    batch.undo()
    batch.undo()
    assert _ids(batch) == [["p0", "p1"], ["p2", "p3", "p4"]]


def test_a_page_moves_to_the_previous_or_next_document(tmp_path: Path) -> None:
    batch = ScanBatch(_pages(tmp_path, 5))
    batch.toggle_split(2)
    assert batch.move_to_document(2, -1) == 2
    assert _ids(batch) == [["p0", "p1", "p2"], ["p3", "p4"]]
    assert batch.move_to_document(1, +1) == 2
    assert _ids(batch) == [["p0", "p2"], ["p1", "p3", "p4"]]
    assert batch.move_to_document(0, -1) is None
    batch.move_to_document(0, +1)
    batch.move_to_document(0, +1)  # the first document is empty and goes
    assert _ids(batch) == [["p2", "p0", "p1", "p3", "p4"]]


def test_state_comes_back_with_edits_and_marks(tmp_path: Path) -> None:
    batch = ScanBatch(_pages(tmp_path, 3))
    batch.toggle_split(1)
    batch.rotate(2, 180)
    batch.mark_registered(["p0"], "doc-1", "Số đến 1/2026")
    back = batch_from_state(batch_state(batch))
    assert back.pages == batch.pages
    assert back.registered == {"p0": ("doc-1", "Số đến 1/2026")}


def test_an_interrupted_batch_is_offered_until_taken_back(tmp_path: Path) -> None:
    folder = RecoveryFolder(tmp_path / "recovery")
    home = folder.new_batch({"device": "test:0"})
    Image.new("L", (10, 10)).save(home / "page-0001.png")
    part = folder.new_part(home)
    Image.new("L", (10, 10)).save(part / "page-0001.png")
    assert folder.interrupted() == []  # this process owns it
    folder.save_state(home, {"pages": []})
    folder.release(home)
    (found,) = folder.interrupted()
    assert found.path == home and len(found.pages) == 2
    assert folder.load_state(home) == {"pages": []}
    folder.adopt(home)
    assert folder.interrupted() == []


def test_a_crashed_process_leaves_its_batch_offered(tmp_path: Path) -> None:
    folder = RecoveryFolder(tmp_path / "recovery")
    code = (
        "import sys; from pathlib import Path; from PIL import Image;"
        "from scanner.recovery import RecoveryFolder;"
        "home = RecoveryFolder(Path(sys.argv[1])).new_batch({});"
        "Image.new('L', (10, 10)).save(home / 'page-0001.png');"
        "import os; os._exit(9)"  # dies without cleaning up, as in a power cut
    )
    subprocess.run(
        [sys.executable, "-c", code, str(folder.root)],
        check=False,
        cwd=Path(__file__).parents[2],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
    )
    assert len(folder.interrupted()) == 1


def test_last_scanner_source_resolution_and_mode_are_remembered(tmp_path: Path) -> None:
    assert preferences.load(tmp_path) == preferences.ScannerChoice()
    preferences.save(tmp_path, preferences.ScannerChoice("test:0", "flatbed", 200, "color"))
    assert preferences.load(tmp_path) == preferences.ScannerChoice(
        "test:0", "flatbed", 200, "color"
    )
    (tmp_path / preferences.FILE).write_text('{"device": "x", "dpi": "bad", "mode": 3}')
    assert preferences.load(tmp_path) == preferences.ScannerChoice("x", "adf", 300, "gray")
