"""The scanning screen: scan a batch, see pages arrive, edit and split it, read page 1; a thin shell.

Everything it does is in `scanner` (driver, clean-up, batch edits, PDFs) and
`clerk_app.reading`; this module only shows it and runs the slow parts off the GUI thread.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clerk_app import errors
from clerk_app.messages import describe
from scanner.batch import BatchPage, ScanBatch, page_from_file, pages_from_import, read_first_page
from scanner.discovery import DeviceDiscovery
from scanner.driver import CancelFlag, ScannedPage, ScanSettings
from scanner.preferences import ScannerChoice
from scanner.recovery import RecoveryFolder
from scanner.worker_driver import WorkerDriver, platform_driver
from ui.workers import run_in_background

THUMB = QSize(120, 170)
SOURCES = [("adf", "Khay nạp giấy"), ("duplex", "Khay nạp hai mặt"), ("flatbed", "Mặt kính")]
MODES = [("gray", "Ảnh xám"), ("color", "Màu"), ("bw", "Đen trắng")]
DPIS = [200, 300]


def _thumbnail(page: BatchPage) -> QIcon:
    image = page.image()
    image.thumbnail((THUMB.width() * 2, THUMB.height() * 2))
    rgb = image.convert("RGB")
    data = rgb.tobytes()
    qimage = QImage(data, rgb.width, rgb.height, rgb.width * 3, QImage.Format.Format_RGB888)
    return QIcon(QPixmap.fromImage(qimage.copy()))


class ScanBatchScreen(QWidget):
    """Scan, watch, edit, split; `extraction_ready(extraction, pages)` pre-fills registration."""

    extraction_ready = Signal(object, object)  # (Extraction, list[BatchPage]) of one document

    def __init__(
        self,
        recovery_root: Path,
        *,
        driver: WorkerDriver | None = None,
        backend_options: dict[str, Any] | None = None,
        preferred: ScannerChoice | None = None,
        clean: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.driver = driver or platform_driver()
        # Shared by every screen of the session that is given the same driver's discovery.
        self.discovery = DeviceDiscovery(self.driver)
        self.recovery = RecoveryFolder(recovery_root)
        self.backend_options = backend_options or {}
        self.preferred = preferred or ScannerChoice()
        self.clean = clean
        self.batch = ScanBatch()
        self.batch.listeners.append(self._refresh)
        self.cancel_flag: CancelFlag | None = None
        self.scanning = False
        self.last_stop: errors.ScanStopped | None = None
        self._arrivals: queue.Queue[BatchPage] = queue.Queue()
        self._icons: dict[str, QIcon] = {}

        self.device = QComboBox()
        self.device.setEditable(True)
        self.device.setMinimumWidth(220)
        editor = self.device.lineEdit()
        if editor is not None:
            editor.setPlaceholderText("Chọn máy quét…")
        self.find_button = QPushButton("Tìm máy quét")
        self.source = QComboBox()
        for key, label in SOURCES:
            self.source.addItem(label, key)
        self.source.setCurrentIndex(max(self.source.findData(self.preferred.source), 0))
        self.mode = QComboBox()
        for key, label in MODES:
            self.mode.addItem(label, key)
        self.dpi = QComboBox()
        for value in DPIS:
            self.dpi.addItem(f"{value} dpi", value)
        self.scan_button = QPushButton("Quét")
        self.scan_button.setDefault(True)
        self.cancel_button = QPushButton("Dừng")
        self.cancel_button.setEnabled(False)

        top = QHBoxLayout()
        top.addWidget(QLabel("Máy quét:"))
        top.addWidget(self.device, 1)
        top.addWidget(self.find_button)
        top.addWidget(self.source)
        top.addWidget(self.mode)
        top.addWidget(self.dpi)
        top.addWidget(self.scan_button)
        top.addWidget(self.cancel_button)

        self.pages = QListWidget()
        self.pages.setViewMode(QListWidget.ViewMode.IconMode)
        self.pages.setIconSize(THUMB)
        self.pages.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.pages.setMovement(QListWidget.Movement.Static)
        self.pages.setSpacing(8)
        self.pages.setWordWrap(True)

        self.buttons: dict[str, QPushButton] = {}
        edit = QHBoxLayout()
        for key, label, action in [
            ("left", "↺ Xoay trái", lambda i: self.batch.rotate(i, -90)),
            ("right", "↻ Xoay phải", lambda i: self.batch.rotate(i, 90)),
            ("earlier", "◀ Lên trước", self._earlier),
            ("later", "Ra sau ▶", self._later),
            ("delete", "Xóa trang", self.batch.delete),
            ("split", "Tách văn bản từ trang này", self.batch.toggle_split),
        ]:
            button = QPushButton(label)
            button.clicked.connect(lambda _=False, a=action: self._on_selected(a))
            self.buttons[key] = button
            edit.addWidget(button)
        self.split_blanks = QPushButton("Tách ở trang trắng")
        self.split_qr = QPushButton("Tách ở tờ phân cách QR")
        self.undo_button = QPushButton("Hoàn tác")
        self.redo_button = QPushButton("Làm lại")
        self.import_button = QPushButton("Thêm trang từ tệp…")
        self.read_button = QPushButton("Đọc trang đầu → phiếu đăng ký")
        for button in (
            self.split_blanks,
            self.split_qr,
            self.undo_button,
            self.redo_button,
            self.import_button,
            self.read_button,
        ):
            edit.addWidget(button)
        edit.addStretch(1)

        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setVisible(False)
        self.status = QLabel("Đặt giấy vào khay rồi bấm «Quét».")
        self.status.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(edit)
        layout.addWidget(self.pages, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.progress)
        layout.addLayout(bottom)

        # The button is the clerk's "search again"; the first search needs no click.
        self.find_button.clicked.connect(lambda: self.find_devices(refresh=True))
        self.scan_button.clicked.connect(self.start_scan)
        self.cancel_button.clicked.connect(self.cancel_scan)
        self.split_blanks.clicked.connect(self._split_at_blanks)
        self.split_qr.clicked.connect(self._split_at_separators)
        self.undo_button.clicked.connect(self.batch.undo)
        self.redo_button.clicked.connect(self.batch.redo)
        self.import_button.clicked.connect(self._import_file)
        self.read_button.clicked.connect(self.read_selected_document)
        self.pages.currentRowChanged.connect(lambda _row: self._update_buttons())

        self._timer = QTimer(self)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self._drain)
        self._refresh()

    # --- devices and scanning -----------------------------------------------------------------

    def find_devices(self, *, refresh: bool = False) -> None:
        self.status.setText("Đang tìm máy quét…")
        self.find_button.setEnabled(False)

        def done(found: Any) -> None:
            self.find_button.setEnabled(True)
            current = self.device.currentText()
            self.device.clear()
            for info in found:
                self.device.addItem(f"{info.label} ({info.name})", info.name)
            if current:
                self.device.setEditText(current)
            elif self.preferred.device and self.device.findData(self.preferred.device) >= 0:
                self.device.setCurrentIndex(self.device.findData(self.preferred.device))
            self.status.setText(
                f"Tìm thấy {len(found)} máy quét."
                if found
                else describe(errors.NoScanner()).one_line()
            )

        def failed(error: BaseException) -> None:
            self.find_button.setEnabled(True)
            self.status.setText(describe(error).one_line())

        run_in_background(lambda: self.discovery.devices(refresh=refresh), done, failed, owner=self)

    def settings(self) -> ScanSettings:
        text = self.device.currentData() or self.device.currentText().strip() or None
        return ScanSettings(
            device=text,
            source=self.source.currentData(),
            dpi=int(self.dpi.currentData()),
            mode=self.mode.currentData(),
            backend_options=dict(self.backend_options),
        )

    def start_scan(self) -> None:
        if self.scanning:
            return
        settings = self.settings()
        batch_dir = self.recovery.new_batch({"device": settings.device or ""})
        cancel = self.cancel_flag = CancelFlag()
        clean = self.clean
        arrivals = self._arrivals
        forced = settings.mode if settings.mode in ("bw", "gray") else None

        def on_page(page: ScannedPage) -> None:
            cleaned = page_from_file(page.path, page.dpi, clean=clean)
            if forced is not None:
                from dataclasses import replace

                cleaned = replace(cleaned, encoding=forced)
            arrivals.put(cleaned)

        def work() -> Any:
            return self.driver.scan(settings, batch_dir, on_page=on_page, cancel=cancel)

        self._set_scanning(True)
        self.status.setText("Đang quét…")
        run_in_background(work, self._scan_done, self._scan_failed, owner=self)

    def cancel_scan(self) -> None:
        if self.cancel_flag is not None:
            self.cancel_flag.set()
            self.status.setText("Đang dừng…")

    def _set_scanning(self, on: bool) -> None:
        self.scanning = on
        self.scan_button.setEnabled(not on)
        self.cancel_button.setEnabled(on)
        self.progress.setVisible(on)
        if on:
            self._timer.start()
        else:
            self._timer.stop()

    def _drain(self) -> None:
        new: list[BatchPage] = []
        while True:
            try:
                new.append(self._arrivals.get_nowait())
            except queue.Empty:
                break
        if new:
            self.batch.append(new)
            self.status.setText(f"Đang quét… đã nhận {len(self.batch.pages)} trang.")

    def _scan_done(self, outcome: Any) -> None:
        self._drain()
        self._set_scanning(False)
        self.last_stop = outcome.stopped
        blanks = sum(1 for p in self.batch.pages if p.blank)
        if outcome.stopped is not None:
            self.status.setText(describe(outcome.stopped).one_line())
        else:
            text = f"Đã quét xong: {len(outcome.pages)} trang."
            if blanks:
                text += f" {blanks} trang trông như trang trắng (tô vàng): xem lại trước khi lưu."
            self.status.setText(text)

    def _scan_failed(self, error: BaseException) -> None:
        self._drain()
        self._set_scanning(False)
        self.status.setText(describe(error).one_line())

    # --- editing ------------------------------------------------------------------------------

    def _on_selected(self, action: Callable[[int], object]) -> None:
        row = self.pages.currentRow()
        if 0 <= row < len(self.batch.pages):
            action(row)
            self.pages.setCurrentRow(
                min(max(self.pages.currentRow(), 0), len(self.batch.pages) - 1)
            )

    def _earlier(self, index: int) -> None:
        if index > 0:
            self.batch.move(index, index - 1)
            self.pages.setCurrentRow(index - 1)

    def _later(self, index: int) -> None:
        if index + 1 < len(self.batch.pages):
            self.batch.move(index, index + 1)
            self.pages.setCurrentRow(index + 1)

    def _split_at_blanks(self) -> None:
        found = self.batch.split_at_blanks()
        self.status.setText(
            f"Đã tách ở {found} trang trắng (bấm «Hoàn tác» để trả lại)."
            if found
            else "Không có trang trắng nào để tách."
        )

    def _split_at_separators(self) -> None:
        found = self.batch.split_at_separators()
        labels = ", ".join(f"«{s.text}»" for s in found if s.text)
        self.status.setText(
            f"Đã tách ở {len(found)} tờ phân cách QR"
            + (f" ({labels})" if labels else "")
            + "; các tờ này không vào văn bản nhưng vẫn giữ trong thư mục khôi phục"
            + " (bấm «Hoàn tác» để trả lại)."
            if found
            else "Không có tờ phân cách QR nào để tách."
        )

    def _import_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Thêm trang từ tệp", "", "PDF hoặc ảnh (*.pdf *.png *.jpg *.jpeg *.tif *.tiff)"
        )
        if path:
            self.insert_file(Path(path))

    def insert_file(self, path: Path) -> None:
        folder = self.recovery.root / "imported"
        at = max(self.pages.currentRow() + 1, 0) or len(self.batch.pages)

        def done(pages: Any) -> None:
            self.batch.insert(at, pages)

        def failed(error: BaseException) -> None:
            self.status.setText(describe(error).one_line())

        run_in_background(
            lambda: pages_from_import(path, folder, clean=self.clean), done, failed, owner=self
        )

    def _refresh(self) -> None:
        row = self.pages.currentRow()
        self.pages.clear()
        doc_no = 0
        page_no = 0
        for page in self.batch.pages:
            if page.starts_document or doc_no == 0:
                doc_no += 1
                page_no = 0
            page_no += 1
            key = f"{page.id}:{page.rotation}"
            if key not in self._icons:
                self._icons[key] = _thumbnail(page)
            label = f"VB {doc_no} · trang {page_no}"
            if page.blank:
                label += "\nTrang trắng?"
            if page.separator is not None:
                label += "\nTờ phân cách QR"
            if page.upside_down:
                label += "\nĐã xoay ngược lại"
            item = QListWidgetItem(self._icons[key], label)
            if page.blank:
                item.setBackground(QColor("#fff3b0"))
            elif page.starts_document and doc_no > 1:
                item.setBackground(QColor("#dbeafe"))
            self.pages.addItem(item)
        if self.batch.pages:
            self.pages.setCurrentRow(min(max(row, 0), len(self.batch.pages) - 1))
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = 0 <= self.pages.currentRow() < len(self.batch.pages)
        for button in self.buttons.values():
            button.setEnabled(has)
        self.undo_button.setEnabled(self.batch.can_undo)
        self.redo_button.setEnabled(self.batch.can_redo)
        self.split_blanks.setEnabled(any(p.blank for p in self.batch.pages))
        self.split_qr.setEnabled(any(p.separator is not None for p in self.batch.pages))
        self.read_button.setEnabled(bool(self.batch.pages))

    # --- reading page 1 -----------------------------------------------------------------------

    def selected_document(self) -> list[BatchPage]:
        row = max(self.pages.currentRow(), 0)
        index = 0
        for document in self.batch.documents():
            if index <= row < index + len(document):
                return document
            index += len(document)
        return []

    def read_selected_document(self) -> None:
        pages = self.selected_document()
        if not pages:
            return
        self.status.setText("Đang đọc trang đầu…")
        self.read_button.setEnabled(False)

        def done(extraction: Any) -> None:
            self.read_button.setEnabled(True)
            self.status.setText("Đã đọc trang đầu; kiểm tra các trường trên phiếu đăng ký.")
            self.extraction_ready.emit(extraction, pages)

        def failed(error: BaseException) -> None:
            self.read_button.setEnabled(True)
            self.status.setText(describe(error).one_line())

        run_in_background(lambda: read_first_page(pages), done, failed, owner=self)

    def keyPressEvent(self, event: Any) -> None:
        if event.key() == Qt.Key.Key_Escape and self.scanning:
            self.cancel_scan()
            return
        super().keyPressEvent(event)
