"""Where the arrival stamp goes: page 1 with the stamp's frame, which the clerk can move.

A thin shell over `Workspace.arrival_stamp_plan` and `Workspace.stamp_arrival`: it shows the
place found in blank space, lets the clerk drag the frame (or nudge it with the arrow keys,
1 mm a press, 5 mm with Shift) and stamps there. It decides no rule of placement itself.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QRect, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clerk_app.files.intake import render_page_png
from clerk_app.stamping.arrival import Box
from clerk_app.vocabulary import is_urgent
from clerk_app.workspace import Workspace
from ui.errors import guarded

MM = 72 / 25.4
PREVIEW_WIDTH = 500  # the whole A4 page fits a 768-pixel-high laptop screen


class StampCanvas(QWidget):
    """Page 1 and the stamp's frame; the frame follows the mouse and the arrow keys."""

    moved = Signal()

    def __init__(self, page: QPixmap, page_size: tuple[float, float], box: Box) -> None:
        super().__init__()
        self.page = page
        self.scale = page.width() / page_size[0]  # pixels per point
        self.page_size = page_size
        self.box = box
        self._grab: QPoint | None = None
        self.setFixedSize(page.size())
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def frame(self) -> QRect:
        b = self.box
        return QRect(
            round(b.x0 * self.scale),
            round(b.y0 * self.scale),
            round(b.width * self.scale),
            round(b.height * self.scale),
        )

    def move_to(self, x0: float, y0: float) -> None:
        """Keep the whole stamp on the page."""
        x0 = min(max(x0, 0.0), self.page_size[0] - self.box.width)
        y0 = min(max(y0, 0.0), self.page_size[1] - self.box.height)
        self.box = self.box.moved_to(x0, y0)
        self.update()
        self.moved.emit()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self.page)
        painter.fillRect(self.frame(), QColor(220, 53, 69, 40))
        painter.setPen(QPen(QColor("#c1121f"), 2))
        painter.drawRect(self.frame())
        painter.drawText(self.frame(), Qt.AlignmentFlag.AlignCenter, "ĐẾN")
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        point = event.position().toPoint()
        if self.frame().contains(point):
            self._grab = point - self.frame().topLeft()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._grab is not None:
            top_left = event.position().toPoint() - self._grab
            self.move_to(top_left.x() / self.scale, top_left.y() / self.scale)

    def mouseReleaseEvent(self, _event: QMouseEvent) -> None:
        self._grab = None

    def keyPressEvent(self, event: Any) -> None:
        step = (5 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1) * MM
        moves = {
            Qt.Key.Key_Left: (-step, 0.0),
            Qt.Key.Key_Right: (step, 0.0),
            Qt.Key.Key_Up: (0.0, -step),
            Qt.Key.Key_Down: (0.0, step),
        }
        delta = moves.get(event.key())
        if delta is None:
            super().keyPressEvent(event)
            return
        self.move_to(self.box.x0 + delta[0], self.box.y0 + delta[1])


class StampDialog(QDialog):
    """Shows where the stamp goes; Enter stamps there, Esc leaves the scan as it is."""

    def __init__(self, workspace: Workspace, document_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Đóng dấu đến lên bản quét")
        self.workspace = workspace
        self.document_id = document_id
        source, box, size = workspace.arrival_stamp_plan(document_id)
        png = render_page_png(workspace.file_bytes(source.sha256), 0, PREVIEW_WIDTH)
        pixmap = QPixmap()
        pixmap.loadFromData(png)
        self.canvas = StampCanvas(pixmap, size, box)
        self.where = QLabel()
        self.canvas.moved.connect(self._describe)
        self._describe()
        stamp = QPushButton("Đóng dấu (Enter)")
        stamp.setDefault(True)
        stamp.clicked.connect(self.stamp)
        close = QPushButton("Đóng (Esc)")
        close.clicked.connect(self.reject)
        # Urgent documents carry their arrival time (Phú Yên art. 5.3); any other on request.
        self.with_time = QCheckBox("Ghi giờ đến")
        summary = workspace.document(document_id).summary
        self.with_time.setChecked(is_urgent(summary.urgency))
        buttons = QHBoxLayout()
        buttons.addWidget(self.where, 1)
        buttons.addWidget(self.with_time)
        buttons.addWidget(close)
        buttons.addWidget(stamp)
        hint = QLabel(
            "Dấu được đặt vào chỗ trống, không đè lên chữ. Kéo khung đỏ hoặc dùng phím mũi tên "
            "(Shift: 5 mm) để dời. Bản quét gốc giữ nguyên; bản đóng dấu là một bản mới."
        )
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.canvas, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addLayout(buttons)
        self.canvas.setFocus()

    def _describe(self) -> None:
        b = self.canvas.box
        self.where.setText(f"Cách mép trái {b.x0 / MM:.0f} mm, mép trên {b.y0 / MM:.0f} mm")

    def stamp(self) -> None:
        box = self.canvas.box

        def run() -> None:
            self.workspace.stamp_arrival(
                self.document_id, place=box, show_time=self.with_time.isChecked()
            )
            self.accept()

        guarded(run, self)
