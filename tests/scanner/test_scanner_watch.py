"""The watched folder: real files dropped by a 'network scanner', finished ones only, done/refused."""

from __future__ import annotations

import io
from pathlib import Path

import pymupdf

from clerk_app import errors
from clerk_app.reading import specimens
from scanner.watch import WatchedFolder


def _png(seed: int) -> bytes:
    out = io.BytesIO()
    specimens.specimen(seed, dpi=200, skew=1.0).image.save(out, format="PNG", dpi=(200, 200))
    return out.getvalue()


def test_finished_files_are_read_and_moved_to_done(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    watch = WatchedFolder(inbox, tmp_path / "pages", clean=True)
    data = _png(41)

    # A scanner still writing: half the bytes, then the rest.
    growing = inbox / "scan-0001.png"
    growing.write_bytes(data[: len(data) // 2])
    # A scanner that writes under .part and renames when finished.
    part = inbox / "scan-0002.pdf.part"
    part.write_bytes(b"%PDF-1.4 not yet")
    assert watch.poll() == []  # first sight of everything: nothing is known to be finished
    with growing.open("ab") as f:
        f.write(data[len(data) // 2 :])
    assert watch.poll() == []  # it changed since the last poll: still being written
    assert part.exists() and growing.exists()

    picked = watch.poll()
    assert [p.source.name for p in picked] == ["scan-0001.png"]
    pickup = picked[0]
    assert pickup.refused is None and len(pickup.pages) == 1
    page = pickup.pages[0]
    assert page.dpi == 200 and page.source.is_file() and abs(page.skew + 1.0) < 0.5  # turned back
    assert pickup.moved_to == inbox / "done" / "scan-0001.png" and pickup.moved_to.is_file()
    assert not growing.exists()

    # The .part file finished and renamed: taken two polls later, as any other.
    doc = pymupdf.open()
    doc.new_page().insert_image(pymupdf.Rect(0, 0, 595, 842), stream=_png(42))
    part.write_bytes(doc.tobytes())
    doc.close()
    part.rename(inbox / "scan-0002.pdf")
    assert watch.poll() == []
    picked = watch.poll()
    assert [(p.source.name, len(p.pages)) for p in picked] == [("scan-0002.pdf", 1)]
    assert (inbox / "done" / "scan-0002.pdf").is_file()
    assert sorted(p.name for p in inbox.iterdir()) == ["done"]


def test_corrupt_and_unsupported_files_are_refused_with_a_reason(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "broken.pdf").write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50)
    (inbox / "notes.docx").write_bytes(b"PK\x03\x04 a word file, not a scan")
    (inbox / "cut.png").write_bytes(_png(43)[:5000])
    (inbox / "empty.png").write_bytes(b"")  # just opened by the scanner: waits
    watch = WatchedFolder(inbox, tmp_path / "pages", clean=False)
    assert watch.poll() == []
    picked = {p.source.name: p for p in watch.poll()}

    assert sorted(picked) == ["broken.pdf", "cut.png", "notes.docx"]
    assert isinstance(picked["broken.pdf"].refused, errors.FileCorrupt)
    assert isinstance(picked["notes.docx"].refused, errors.FileUnsupported)
    assert isinstance(picked["cut.png"].refused, errors.FileCorrupt)
    for name, pickup in picked.items():
        assert pickup.moved_to == inbox / "rejected" / name and pickup.moved_to.is_file()
        assert pickup.reason_file is not None
        reason = pickup.reason_file.read_text("utf-8")
        assert type(pickup.refused).__name__ in reason and "Tệp" in reason
    assert (inbox / "empty.png").exists()
    # Nothing half-imported is left behind for a refused file.
    assert not any((tmp_path / "pages").rglob("*.png"))
