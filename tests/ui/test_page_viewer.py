"""The page-at-a-time preview on a 300-page PDF: every page reachable, one page held."""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from ui.page_viewer import PageViewer, render_page

PAGES = 300


@pytest.fixture(scope="module")
def long_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 A4 landscape pages, each saying its number big enough to tell them apart rendered."""
    path = tmp_path_factory.mktemp("viewer") / "long.pdf"
    with pymupdf.open() as doc:
        for n in range(1, PAGES + 1):
            page = doc.new_page(width=841.89, height=595.28)
            page.insert_text((60 + (n % 7) * 90, 100 + (n % 5) * 80), f"Trang {n}", fontsize=40)
        doc.save(path)
    return path


def _same_as(viewer: PageViewer, path: Path, index: int) -> bool:
    shown = viewer.image()
    assert shown is not None
    with pymupdf.open(path) as doc:
        return shown == render_page(doc, index, viewer.dpi)


def test_jumping_to_the_last_page_shows_it_and_holds_only_it(
    app: QApplication, qtbot: QtBot, long_pdf: Path, tmp_path: Path
) -> None:
    viewer = PageViewer(long_pdf, "Xem trước")
    qtbot.addWidget(viewer)
    viewer.show()
    assert viewer.page_count == PAGES and viewer.of_label.text() == f"/ {PAGES} trang"
    assert viewer.held_pages == [0] and _same_as(viewer, long_pdf, 0)

    # The page number box: type 300 and press Enter.
    viewer.page_box.setFocus()
    viewer.page_box.selectAll()
    qtbot.keyClicks(viewer.page_box, str(PAGES))
    qtbot.keyClick(viewer.page_box, Qt.Key.Key_Return)
    assert viewer.current == PAGES - 1
    assert viewer.held_pages == [PAGES - 1]
    assert _same_as(viewer, long_pdf, PAGES - 1)
    assert not _same_as(viewer, long_pdf, PAGES - 2)
    viewer.grab().save(str(tmp_path / "viewer-last.png"))

    # Page Up and Page Down turn one page, even with the page box focused; past either end
    # nothing breaks.
    qtbot.keyClick(viewer.page_box, Qt.Key.Key_PageUp)
    assert viewer.current == PAGES - 2 and viewer.page_box.value() == PAGES - 1
    qtbot.keyClick(viewer, Qt.Key.Key_PageDown)
    qtbot.keyClick(viewer, Qt.Key.Key_PageDown)
    assert viewer.current == PAGES - 1
    assert viewer.held_pages == [PAGES - 1]
    qtbot.keyClick(viewer.area, Qt.Key.Key_Home)
    assert viewer.current == 0
    qtbot.keyClick(viewer, Qt.Key.Key_PageUp)
    assert viewer.current == 0 and _same_as(viewer, long_pdf, 0)
    qtbot.keyClick(viewer.area, Qt.Key.Key_End)
    assert viewer.current == PAGES - 1


def test_turning_through_many_pages_keeps_one_image(
    app: QApplication, qtbot: QtBot, long_pdf: Path
) -> None:
    viewer = PageViewer(long_pdf)
    qtbot.addWidget(viewer)
    for _ in range(40):
        qtbot.keyClick(viewer, Qt.Key.Key_PageDown)
        assert len(viewer.held_pages) == 1
    assert viewer.current == 40 and _same_as(viewer, long_pdf, 40)
    viewer.reject()
    assert viewer.held_pages == []
