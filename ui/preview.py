"""A page preview of a PDF or image, rendered off the GUI thread; it never stores anything."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from clerk_app.messages import describe
from ui.workers import run_in_background


def _render(data: bytes, page_index: int, width_px: int, name: str = "") -> tuple[int, bytes]:
    from clerk_app.files import intake  # the core's renderer (PyMuPDF); imported where it runs

    pages = int(intake.page_count(data))
    if pages < 1:
        from clerk_app import errors

        # Said in Vietnamese, never as an IndexError of "page 0 of 0".
        raise errors.FileCorrupt(name, detail="không có trang nào")
    index = max(0, min(page_index, pages - 1))
    return pages, bytes(intake.render_page_png(data, index, width_px))


class PagePreview(QWidget):
    """Shows one page at a time with previous/next; bytes come from a loader run in the pool."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loader: Callable[[], bytes] | None = None
        self._data: bytes | None = None
        self._page = 0
        self._pages = 0
        self._generation = 0
        self.busy = False

        self._image = QLabel()
        self._image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._image.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self._image.setStyleSheet("QLabel { background: #ffffff; }")
        self._scroll = QScrollArea()
        self._scroll.setWidget(self._image)
        self._scroll.setWidgetResizable(True)
        self._scroll.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # Fixed scroll bars: a bar appearing would narrow the page, refit it, and so on.
        self._scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self._scroll.viewport().installEventFilter(self)
        self._scroll.setStyleSheet(
            "QScrollArea { background: #e9ecef; border: 1px solid #ced4da; }"
        )

        self._prev = QToolButton()
        self._prev.setText("◀")
        self._prev.setToolTip("Trang trước")
        self._prev.clicked.connect(lambda: self.show_page(self._page - 1))
        self._next = QToolButton()
        self._next.setText("▶")
        self._next.setToolTip("Trang sau")
        self._next.clicked.connect(lambda: self.show_page(self._page + 1))
        self._status = QLabel("")
        self._status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._title = QLabel("")
        self._title.setStyleSheet("color: #495057;")
        self._title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self._title, 1)
        bar.addWidget(self._prev)
        bar.addWidget(self._status)
        bar.addWidget(self._next)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self._scroll, 1)
        self.clear()

    def sizeHint(self) -> QSize:
        return QSize(360, 480)

    @property
    def page(self) -> int:
        return self._page

    @property
    def pages(self) -> int:
        return self._pages

    def clear(self, text: str = "Chưa có tệp để xem trước.") -> None:
        self._generation += 1
        self._loader = None
        self._data = None
        self._pages = 0
        self._page = 0
        self.busy = False
        self._pixmap: QPixmap | None = None
        self._image.setPixmap(QPixmap())
        self._image.setMinimumHeight(0)
        self._image.setText(text)
        self._scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._title.setText("")
        self._update_bar()

    def set_source(self, title: str, loader: Callable[[], bytes]) -> None:
        """Preview a file; `loader` (reading a path or the file store) runs off the GUI thread."""
        self.clear("Đang tải…")
        self._title.setText(title)
        self._title.setToolTip(title)
        self._loader = loader
        self.show_page(0)

    def show_page(self, index: int) -> None:
        if self._loader is None or (self._pages and not 0 <= index < self._pages):
            return
        self._generation += 1
        generation = self._generation
        self._page = max(0, index)
        width = max(480, int(self._scroll.viewport().width() * self.devicePixelRatioF()) - 8)
        loader, cached, page = self._loader, self._data, self._page
        name = self._title.text()
        self.busy = True
        self._status.setText("…")

        def work() -> tuple[bytes, int, bytes]:
            data = cached if cached is not None else loader()
            pages, png = _render(data, page, min(width, 1600), name)
            return data, pages, png

        def done(result: Any) -> None:
            if generation != self._generation:
                return
            data, pages, png = result
            self._data, self._pages = data, pages
            pixmap = QPixmap()
            pixmap.loadFromData(png, "PNG")
            self._pixmap = pixmap
            self.busy = False
            self._fit()
            self._update_bar()

        def failed(error: BaseException) -> None:
            if generation != self._generation:
                return
            self.busy = False
            self._image.setPixmap(QPixmap())
            self._image.setText("Không xem trước được tệp này.\n" + describe(error).what)
            self._image.setWordWrap(True)
            self._update_bar()

        run_in_background(work, done, failed, owner=self)

    def _fit(self) -> None:
        pixmap = self._pixmap
        if pixmap is None or pixmap.isNull():
            return
        width = self._scroll.viewport().width() - 12
        if width < 50:
            return
        scaled = pixmap.scaledToWidth(
            int(width * self.devicePixelRatioF()), Qt.TransformationMode.SmoothTransformation
        )
        scaled.setDevicePixelRatio(self.devicePixelRatioF())
        self._scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self._image.setText("")
        self._image.setPixmap(scaled)
        self._image.setMinimumHeight(int(scaled.height() / self.devicePixelRatioF()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The viewport gets its real size only once shown (e.g. when its tab is opened).
        if watched is self._scroll.viewport() and event.type() == QEvent.Type.Resize:
            self._fit()
        return False

    def _update_bar(self) -> None:
        has = self._pages > 0
        self._prev.setEnabled(has and self._page > 0)
        self._next.setEnabled(has and self._page < self._pages - 1)
        self._status.setText(f"Trang {self._page + 1}/{self._pages}" if has else "")
