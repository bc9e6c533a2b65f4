"""A page-at-a-time preview of a PDF (a year's register has 1,000+ pages); shows, never lays out.

Qt's QPrintPreviewDialog paints every page up front and keeps them all in memory, so a long
register could only be previewed in part. This viewer keeps the PDF open with PyMuPDF and
renders only the page on screen: Page Up / Page Down (or the arrows), Home / End, and a page
number box to jump anywhere. Printing stays with Qt's print dialog, which prints every page.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pymupdf
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QImage, QKeyEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

PREVIEW_DPI = 96
TURNING_KEYS = (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown, Qt.Key.Key_Home, Qt.Key.Key_End)


def render_page(doc: pymupdf.Document, index: int, dpi: int = PREVIEW_DPI) -> QImage:
    """One page as a QImage that owns its pixels (the PyMuPDF buffer is freed right after)."""
    pix = doc[index].get_pixmap(dpi=dpi)
    return QImage(
        pix.samples, pix.width, pix.height, pix.stride, QImage.Format.Format_RGB888
    ).copy()


class PageViewer(QDialog):
    """Shows one page of a PDF at a time; `on_print`, when given, adds an «In…» button."""

    def __init__(
        self,
        pdf: Path,
        title: str = "Xem trước",
        parent: QWidget | None = None,
        on_print: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._doc = pymupdf.open(pdf)
        # Index -> image of the pages held; trimmed to the visible page on every turn.
        self._held: dict[int, QImage] = {}
        self.current = -1
        self.dpi = PREVIEW_DPI

        self.page_box = QSpinBox()
        self.page_box.setRange(1, max(1, self._doc.page_count))
        self.page_box.setKeyboardTracking(False)  # jump when Enter is pressed, not per digit
        self.page_box.valueChanged.connect(lambda n: self.show_page(n - 1))
        self.of_label = QLabel(f"/ {self._doc.page_count} trang")
        previous = QPushButton("◀ Trang trước (PgUp)")
        following = QPushButton("Trang sau (PgDn) ▶")
        previous.clicked.connect(lambda: self.show_page(self.current - 1))
        following.clicked.connect(lambda: self.show_page(self.current + 1))
        close = QPushButton("Đóng (Esc)")
        close.clicked.connect(self.reject)
        for button in (previous, following, close):
            # Enter in the page number box must jump, not press a dialog's default button.
            button.setAutoDefault(False)

        bar = QHBoxLayout()
        bar.addWidget(previous)
        bar.addWidget(QLabel("Trang:"))
        bar.addWidget(self.page_box)
        bar.addWidget(self.of_label)
        bar.addWidget(following)
        bar.addStretch(1)
        if on_print is not None:
            print_button = QPushButton("In…")
            print_button.setAutoDefault(False)
            print_button.clicked.connect(on_print)
            bar.addWidget(print_button)
        bar.addWidget(close)

        self.page_label = QLabel()
        self.page_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.area = QScrollArea()
        self.area.setWidget(self.page_label)
        self.area.setWidgetResizable(True)
        self.area.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.area, 1)

        # The page box would take Page Up/Down as "step by 10" and the scroll area would scroll;
        # in this viewer they turn one page, wherever the focus is.
        for widget in (self.page_box, self.page_box.lineEdit(), self.area):
            widget.installEventFilter(self)
        self.finished.connect(lambda _r: self.close_document())
        self.resize(1100, 820)
        if self._doc.page_count:
            self.show_page(0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(event, QKeyEvent) and event.key() in TURNING_KEYS:
            if event.type() == QEvent.Type.KeyPress:
                self.turn(Qt.Key(event.key()))
            return event.type() in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease)
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in TURNING_KEYS:
            self.turn(Qt.Key(event.key()))
        else:
            super().keyPressEvent(event)

    def turn(self, key: Qt.Key) -> None:
        targets = {
            Qt.Key.Key_PageUp: self.current - 1,
            Qt.Key.Key_PageDown: self.current + 1,
            Qt.Key.Key_Home: 0,
            Qt.Key.Key_End: self.page_count - 1,
        }
        self.show_page(targets[key])

    @property
    def page_count(self) -> int:
        return self._doc.page_count

    @property
    def held_pages(self) -> list[int]:
        """Indexes of the pages whose images the viewer holds (only the visible one)."""
        return sorted(self._held)

    def image(self) -> QImage | None:
        return self._held.get(self.current)

    def show_page(self, index: int) -> None:
        if self._doc.is_closed or not self._doc.page_count:
            return
        index = max(0, min(index, self._doc.page_count - 1))
        dpi = self._fitting_dpi(index)
        if index == self.current and dpi == self.dpi:
            return
        self.dpi = dpi
        image = render_page(self._doc, index, dpi)
        self._held = {index: image}  # the page left behind is dropped here
        self.current = index
        self.page_label.setPixmap(QPixmap.fromImage(image))
        self.page_box.blockSignals(True)
        self.page_box.setValue(index + 1)
        self.page_box.blockSignals(False)
        self.area.verticalScrollBar().setValue(0)

    def _fitting_dpi(self, index: int) -> int:
        """The resolution at which the page fills the viewer's width (within readable bounds)."""
        room = self.area.viewport().width() - 8
        return max(60, min(200, int(room * 72 / self._doc[index].rect.width)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.current >= 0:
            self.show_page(self.current)

    def close_document(self) -> None:
        self._held.clear()
        self.page_label.clear()
        if not self._doc.is_closed:
            self._doc.close()


__all__ = ["PageViewer", "render_page"]
