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
from PySide6.QtGui import QColor, QIcon, QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
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
from scanner.batch import (
    BatchPage,
    ScanBatch,
    batch_from_state,
    batch_state,
    page_from_file,
    pages_from_import,
)
from scanner.discovery import DeviceDiscovery
from scanner.driver import CancelFlag, ScannedPage, ScanSettings
from scanner.preferences import ScannerChoice
from scanner.recovery import RecoveryFolder
from scanner.worker_driver import WorkerDriver, platform_driver
from ui.batch_preparer import DocumentPreparer
from ui.workers import run_in_background

THUMB = QSize(120, 170)
SOURCES = [("adf", "Khay nạp giấy"), ("duplex", "Khay nạp hai mặt"), ("flatbed", "Mặt kính")]
MODES = [("gray", "Ảnh xám"), ("color", "Màu"), ("bw", "Đen trắng")]
DPIS = [200, 300]
REGISTERED_COLOUR = "#d1fadf"
# The page keys; each edit button says its key, and so does the window's F1 list.
KEYS = {
    "left": "Ctrl+L",
    "right": "Ctrl+R",
    "earlier": "Ctrl+Left",
    "later": "Ctrl+Right",
    "delete": "Delete",
    "split": "Ctrl+B",
    "previous_document": "Ctrl+PgUp",
    "next_document": "Ctrl+PgDown",
}


def _thumbnail(page: BatchPage) -> QIcon:
    image = page.image()
    image.thumbnail((THUMB.width() * 2, THUMB.height() * 2))
    rgb = image.convert("RGB")
    data = rgb.tobytes()
    qimage = QImage(data, rgb.width, rgb.height, rgb.width * 3, QImage.Format.Format_RGB888)
    return QIcon(QPixmap.fromImage(qimage.copy()))


class ScanBatchScreen(QWidget):
    """Scan, watch, edit, split; `document_ready(pdf, extraction, pages)` goes to registration."""

    # (PDF, Extraction or None, list[BatchPage]) of one document, ready for registration
    document_ready = Signal(object, object, object)

    def __init__(
        self,
        recovery_root: Path,
        *,
        driver: WorkerDriver | None = None,
        backend_options: dict[str, Any] | None = None,
        preferred: ScannerChoice | None = None,
        remember: Callable[[ScannerChoice], None] | None = None,
        clean: bool = True,
        known_issuers: tuple[str, ...] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.driver = driver or platform_driver()
        # Shared by every screen of the session that is given the same driver's discovery.
        self.discovery = DeviceDiscovery(self.driver)
        self.recovery = RecoveryFolder(recovery_root)
        self.backend_options = backend_options or {}
        self.preferred = preferred or ScannerChoice()
        self.remember = remember
        self.clean = clean
        self.home: Path | None = None  # this batch's folder in the recovery root
        self.batch = ScanBatch()
        self.batch.listeners.append(self._refresh)
        self.preparer = DocumentPreparer(recovery_root / "documents", self, known_issuers)
        self.preparer.changed.connect(self._refresh_labels)
        self.cancel_flag: CancelFlag | None = None
        self.scanning = False
        self.last_stop: errors.ScanStopped | None = None
        self._arrivals: queue.Queue[BatchPage] = queue.Queue()
        self._icons: dict[str, QIcon] = {}

        self.device = QComboBox()
        self.device.setEditable(True)
        self.device.setMinimumWidth(160)
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
        self.mode.setCurrentIndex(max(self.mode.findData(self.preferred.mode), 0))
        self.dpi = QComboBox()
        for value in sorted({*DPIS, self.preferred.dpi}):
            self.dpi.addItem(f"{value} dpi", value)
        self.dpi.setCurrentIndex(max(self.dpi.findData(self.preferred.dpi), 0))
        if self.preferred.device:
            self.device.setEditText(self.preferred.device)
        self.scan_button = QPushButton("Quét (Ctrl+Shift+S)")
        self.scan_button.setDefault(True)
        self.cancel_button = QPushButton("Dừng")
        self.cancel_button.setEnabled(False)

        top = QHBoxLayout()
        top.addWidget(QLabel("Máy quét:"))
        top.addWidget(self.device, 1)
        top.addWidget(self.find_button)
        settings_row = QHBoxLayout()
        settings_row.addWidget(self.source)
        settings_row.addWidget(self.mode)
        settings_row.addWidget(self.dpi)
        settings_row.addStretch(1)
        settings_row.addWidget(self.scan_button)
        settings_row.addWidget(self.cancel_button)

        self.pages = QListWidget()
        self.pages.setViewMode(QListWidget.ViewMode.IconMode)
        self.pages.setIconSize(THUMB)
        self.pages.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.pages.setMovement(QListWidget.Movement.Static)
        self.pages.setSpacing(8)
        self.pages.setWordWrap(True)
        # Shift+arrows or Shift+click select a range; Ctrl+click adds a page.
        self.pages.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)

        self.buttons: dict[str, QPushButton] = {}
        # Buttons in a grid, not one row: the window must fit beside the register on a
        # 1366×768 screen.
        edit = QGridLayout()
        placed: list[QPushButton] = []
        for key, label, action in [
            ("left", "↺ Xoay trái", lambda: self._rotate(-90)),
            ("right", "↻ Xoay phải", lambda: self._rotate(90)),
            ("earlier", "◀ Lên trước", lambda: self._on_selected(self._earlier)),
            ("later", "Ra sau ▶", lambda: self._on_selected(self._later)),
            ("delete", "Xóa trang", self._delete_selected),
            ("split", "Tách văn bản từ trang này", lambda: self._on_selected(self._split)),
            ("previous_document", "Sang văn bản trước", lambda: self._to_document(-1)),
            ("next_document", "Sang văn bản sau", lambda: self._to_document(+1)),
        ]:
            button = QPushButton(label)
            button.setToolTip(f"Phím {KEYS[key]}")
            button.clicked.connect(lambda _=False, a=action: a())
            shortcut = QShortcut(QKeySequence(KEYS[key]), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(action)
            self.buttons[key] = button
            placed.append(button)
        for keys, slot in (("Ctrl+Z", self._undo), ("Ctrl+Y", self._redo)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self.split_blanks = QPushButton("Tách ở trang trắng")
        self.split_qr = QPushButton("Tách ở tờ phân cách QR")
        self.undo_button = QPushButton("Hoàn tác")
        self.undo_button.setToolTip("Phím Ctrl+Z")
        self.redo_button = QPushButton("Làm lại")
        self.redo_button.setToolTip("Phím Ctrl+Y")
        self.import_button = QPushButton("Thêm trang từ tệp…")
        self.read_button = QPushButton("Đăng ký văn bản đang chọn")
        for button in (
            self.split_blanks,
            self.split_qr,
            self.undo_button,
            self.redo_button,
            self.import_button,
            self.read_button,
        ):
            placed.append(button)
        for i, button in enumerate(placed):
            edit.addWidget(button, i // 4, i % 4)

        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setVisible(False)
        self.status = QLabel("Đặt giấy vào khay rồi bấm «Quét».")
        self.status.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(settings_row)
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
        self.undo_button.clicked.connect(self._undo)
        self.redo_button.clicked.connect(self._redo)
        self.import_button.clicked.connect(self._import_file)
        self.read_button.clicked.connect(self.read_selected_document)
        self.pages.currentRowChanged.connect(lambda _row: self._update_buttons())
        self.pages.itemSelectionChanged.connect(self._update_buttons)

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
        if self.remember is not None:
            self.remember(
                ScannerChoice(settings.device, settings.source, settings.dpi, settings.mode)
            )
        batch_dir = self.ensure_home() if self.home is None else self.recovery.new_part(self.home)
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
        self._keep_ready()  # the last document is complete now
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
        self._keep_ready()
        self.status.setText(describe(error).one_line())

    # --- editing ------------------------------------------------------------------------------

    def selected_rows(self) -> list[int]:
        """The selected pages (Shift/Ctrl for several), or else the current one."""
        rows = sorted(self.pages.row(item) for item in self.pages.selectedItems())
        if not rows and 0 <= self.pages.currentRow() < len(self.batch.pages):
            rows = [self.pages.currentRow()]
        return [r for r in rows if 0 <= r < len(self.batch.pages)]

    def _editable(self, rows: list[int]) -> bool:
        """Registered pages are in the register already: the batch no longer changes them."""
        done = [r for r in rows if self.batch.is_registered(self.batch.pages[r])]
        if done:
            _doc, label = self.batch.registered[self.batch.pages[done[0]].id]
            self.status.setText(
                f"Trang {done[0] + 1} đã đăng ký ({label}); không sửa, xóa hay chuyển được nữa."
            )
        return bool(rows) and not done

    def _on_selected(self, action: Callable[[int], object]) -> None:
        row = self.pages.currentRow()
        if 0 <= row < len(self.batch.pages) and self._editable([row]):
            action(row)

    def _select(self, rows: list[int]) -> None:
        if not rows:
            return
        self.pages.setCurrentRow(rows[0])
        for row in rows:
            item = self.pages.item(row)
            if item is not None:
                item.setSelected(True)

    def _rotate(self, degrees: int) -> None:
        rows = self.selected_rows()
        if self._editable(rows):
            self.batch.rotate_many(rows, degrees)
            self._select(rows)

    def _delete_selected(self) -> None:
        rows = self.selected_rows()
        if self._editable(rows):
            self.batch.delete_many(rows)
            if self.batch.pages:
                self.pages.setCurrentRow(min(rows[0], len(self.batch.pages) - 1))

    def _split(self, index: int) -> None:
        self.batch.toggle_split(index)
        self.pages.setCurrentRow(index)

    def _to_document(self, step: int) -> None:
        row = self.pages.currentRow()
        if not 0 <= row < len(self.batch.pages) or not self._editable([row]):
            return
        docs = self.batch.documents()
        target = self.batch.document_of(row) + step
        if 0 <= target < len(docs) and any(self.batch.is_registered(p) for p in docs[target]):
            self.status.setText(f"Văn bản {target + 1} đã đăng ký; không thêm trang vào được.")
            return
        moved = self.batch.move_to_document(row, step)
        if moved is None:
            self.status.setText("Không có văn bản " + ("trước." if step < 0 else "sau."))
        else:
            self.pages.setCurrentRow(moved)

    def _undo(self) -> None:
        self.batch.undo()

    def _redo(self) -> None:
        self.batch.redo()

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
        folder = self.ensure_home() / "imported"
        at = max(self.pages.currentRow() + 1, 0) or len(self.batch.pages)

        def done(pages: Any) -> None:
            self.batch.insert(at, pages)

        def failed(error: BaseException) -> None:
            self.status.setText(describe(error).one_line())

        run_in_background(
            lambda: pages_from_import(path, folder, clean=self.clean), done, failed, owner=self
        )

    def ensure_home(self) -> Path:
        """This batch's recovery folder, made on the first scan or import."""
        if self.home is None:
            self._set_home(self.recovery.new_batch({"device": self.settings().device or ""}))
        assert self.home is not None
        return self.home

    def _set_home(self, home: Path) -> None:
        self.home = home
        # The documents' PDFs live with their pages, and go when the batch is discarded.
        self.preparer.folder = home / "documents"

    def restore(self, home: Path) -> None:
        """Take back an interrupted batch: its pages, edits and registration marks."""
        self.recovery.adopt(home)
        self._set_home(home)
        state = self.recovery.load_state(home)
        if state is not None:
            restored = batch_from_state(state)
        else:
            # Crashed before the first edit was saved: the scanned pages, as they came.
            dpi = int(self.dpi.currentData())
            restored = ScanBatch(
                page_from_file(p, dpi, clean=False) for p in self.recovery.pages(home)
            )
        restored.listeners.append(self._refresh)
        self.batch = restored
        self._refresh()
        left = sum(len(d) for d in self.batch.unregistered_documents())
        self.status.setText(
            f"Đã mở lại lô quét dở: {len(self.batch.pages)} trang, {left} trang chưa đăng ký."
        )

    def _label(self, page: BatchPage, doc_no: int, page_no: int) -> str:
        label = f"VB {doc_no} · trang {page_no}"
        mark = self.batch.registered.get(page.id)
        if mark is not None:
            label += f"\nĐã đăng ký: {mark[1]}"
        elif page_no == 1 and self.preparer.is_read([page]):
            label += "\nĐã đọc trang đầu"
        if page.blank:
            label += "\nTrang trắng?"
        if page.separator is not None:
            label += "\nTờ phân cách QR"
        if page.upside_down:
            label += "\nĐã xoay ngược lại"
        return label

    def _numbered(self) -> list[tuple[BatchPage, int, int]]:
        out = []
        doc_no = page_no = 0
        for page in self.batch.pages:
            if page.starts_document or doc_no == 0:
                doc_no += 1
                page_no = 0
            page_no += 1
            out.append((page, doc_no, page_no))
        return out

    def _refresh(self) -> None:
        row = self.pages.currentRow()
        self.pages.clear()
        for page, doc_no, page_no in self._numbered():
            key = f"{page.id}:{page.rotation}"
            if key not in self._icons:
                self._icons[key] = _thumbnail(page)
            item = QListWidgetItem(self._icons[key], self._label(page, doc_no, page_no))
            if self.batch.is_registered(page):
                item.setBackground(QColor(REGISTERED_COLOUR))
            elif page.blank:
                item.setBackground(QColor("#fff3b0"))
            elif page.starts_document and doc_no > 1:
                item.setBackground(QColor("#dbeafe"))
            self.pages.addItem(item)
        if self.batch.pages:
            self.pages.setCurrentRow(min(max(row, 0), len(self.batch.pages) - 1))
        self._update_buttons()
        self._keep_ready()
        if self.home is not None:
            self.recovery.save_state(self.home, batch_state(self.batch))

    def _refresh_labels(self) -> None:
        for row, (page, doc_no, page_no) in enumerate(self._numbered()):
            item = self.pages.item(row)
            if item is not None:
                item.setText(self._label(page, doc_no, page_no))

    def _keep_ready(self) -> None:
        """Have the preparer read every unregistered document; PDFs for the complete ones."""
        documents = self.batch.unregistered_documents()
        self.preparer.want(documents, complete=len(documents) - (1 if self.scanning else 0))

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
        """The unregistered pages of the document the current page belongs to."""
        row = self.pages.currentRow()
        if not 0 <= row < len(self.batch.pages):
            return []
        document = self.batch.documents()[self.batch.document_of(row)]
        return [p for p in document if not self.batch.is_registered(p)]

    def read_selected_document(self) -> None:
        """The selected document to the registration form (read already, as a rule)."""
        pages = self.selected_document()
        if not pages:
            self.status.setText("Văn bản này đã đăng ký; chọn văn bản khác.")
            return
        self.prepare(pages)

    def prepare(self, pages: list[BatchPage]) -> None:
        """`document_ready(pdf, extraction, pages)` once the document is read and written."""
        if not self.preparer.is_ready(pages):
            self.status.setText("Đang đọc trang đầu và ghi PDF có lớp chữ…")

        def done(path: Path, extraction: Any) -> None:
            self.status.setText("Đã đọc trang đầu; kiểm tra các trường trên phiếu đăng ký.")
            self.document_ready.emit(path, extraction, pages)

        def failed(error: BaseException) -> None:
            self.status.setText(describe(error).one_line())

        self.preparer.get(pages, done, failed)

    def keyPressEvent(self, event: Any) -> None:
        if event.key() == Qt.Key.Key_Escape and self.scanning:
            self.cancel_scan()
            return
        super().keyPressEvent(event)
