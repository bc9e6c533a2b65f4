"""The watched folder at the desk: the "Tệp chờ đăng ký" list and its background poller; no logic.

`scanner.watch` does the work (finished files only, clean-up, OCR, pre-fill, done/ and
rejected/); this shell runs its poll loop on a plain thread, shows what arrived, and opens the
pre-filled incoming form for the file the clerk picks. The folder is a desk setting.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clerk_app.messages import describe
from scanner.watch import (
    WAITING_DIR,
    Pickup,
    WaitingFile,
    WaitingFiles,
    WatchedFolder,
    WatchSettings,
    load_watch_settings,
    save_watch_settings,
)
from ui import errors as presenter

TITLE = "Tệp chờ đăng ký"
OpenForm = Callable[[list[Path], Any], Any]  # (files, extraction) -> the form, or None


class _Relay(QObject):
    """Carries a pickup from the poll thread to the GUI thread (a queued signal)."""

    picked = Signal(object)


class WaitingFilesPanel(QWidget):
    """The list of dropped files read and ready, with a button to open the pre-filled form."""

    def __init__(self, store: WaitingFiles, open_form: OpenForm, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self.open_form = open_form
        self.folder_label = QLabel("")
        self.folder_label.setWordWrap(True)
        self.list = QListWidget()
        self.list.setAlternatingRowColors(True)
        self.list.setWordWrap(True)
        self.list.setMinimumWidth(360)
        self.list.itemActivated.connect(lambda _item: self.open_selected())
        self.open_button = QPushButton("Mở &phiếu đăng ký")
        self.open_button.clicked.connect(self.open_selected)
        self.notice = QLabel("")  # the last rejected file and why
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("color: #a02020;")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.folder_label)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.notice)
        layout.addLayout(buttons)
        self.reload()

    def show_folder(self, folder: str) -> None:
        self.folder_label.setText(
            f"Đang theo dõi thư mục: {folder}" if folder else "Chưa chọn thư mục theo dõi."
        )

    def reload(self) -> None:
        selected = self.selected()
        self.list.clear()
        for item in self.store.waiting():
            row = QListWidgetItem(_row_text(item), self.list)
            row.setData(Qt.ItemDataRole.UserRole, item)
            row.setToolTip(f"Tệp gốc đã chuyển vào: {item.original}")
            if selected is not None and selected.id == item.id:
                self.list.setCurrentItem(row)
        if self.list.currentRow() < 0 and self.list.count():
            self.list.setCurrentRow(0)
        self.open_button.setEnabled(self.list.count() > 0)

    def selected(self) -> WaitingFile | None:
        row = self.list.currentItem()
        if row is None:
            return None
        item: WaitingFile = row.data(Qt.ItemDataRole.UserRole)
        return item

    def add_pickup(self, pickup: Pickup) -> None:
        if pickup.refused is not None:
            self.notice.setText(
                f"Không nhận tệp «{pickup.source.name}»: đã chuyển vào thư mục"
                f" «{pickup.moved_to.parent.name}» kèm lý do."
            )
            self.notice.setToolTip(describe(pickup.refused).one_line())
        self.reload()

    def open_selected(self) -> Any:
        item = self.selected()
        if item is None:
            return None
        form = self.open_form([item.pdf], item.extraction)
        registered = getattr(form, "registered", None)
        if registered is not None:
            # Out of the list only once a number is issued; a form closed unregistered keeps it.
            registered.connect(lambda _result, i=item.id: self._settled(i))
        return form

    def _settled(self, item_id: str) -> None:
        self.store.settle(item_id)
        self.reload()


def _row_text(item: WaitingFile) -> str:
    """Two lines: the file as dropped, then what was read from it (or that nothing was)."""
    read = [
        str(value)
        for value in (item.extraction.field(n).value for n in ("reference", "doc_type", "subject"))
        if value
    ]
    second = " · ".join(read) if read else "chưa đọc được số, ký hiệu: kiểm tra khi mở phiếu"
    return f"{item.name}  ({item.pages} trang)\n{second}"


class WatchedFolderDesk(QObject):
    """The desk's watched folder: setting, poll thread, and the dock with the waiting list."""

    def __init__(
        self,
        window: QMainWindow,
        data_dir: Path,
        open_form: OpenForm,
        known_issuers: tuple[str, ...] = (),
    ) -> None:
        super().__init__(window)
        self.window = window
        self.data_dir = data_dir
        # The desk's registered issuers respell what a dropped page's OCR slipped on.
        self.store = WaitingFiles(data_dir / WAITING_DIR, known_issuers)
        self.panel = WaitingFilesPanel(self.store, open_form)
        self.dock = QDockWidget(TITLE, window)
        self.dock.setObjectName("waiting-files")
        self.dock.setWidget(self.panel)
        self.dock.setMinimumWidth(380)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self._relay = _Relay(self)
        self._relay.picked.connect(self._picked)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.watcher: WatchedFolder | None = None
        self.settings = WatchSettings()
        try:
            self.settings = load_watch_settings(data_dir)
        except Exception as error:  # a damaged settings file: say so, watch nothing
            presenter.present(error, window)
        self.start(self.settings)

    def start(self, settings: WatchSettings) -> None:
        """Watch `settings.folder` (nothing when empty); the dock shows while there is work."""
        self.stop()
        self.settings = settings
        self.panel.show_folder(settings.folder)
        self.dock.setVisible(bool(settings.folder) or self.panel.list.count() > 0)
        if not settings.folder:
            return
        self.watcher = WatchedFolder(
            Path(settings.folder),
            self.data_dir / "scan-recovery" / "watched",
            on_pickup=self._relay.picked.emit,  # emitted on the poll thread, queued to the GUI
            store=self.store,
        )
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self.watcher.run,
            args=(self._stop, settings.interval),
            name="watched-folder",
            daemon=True,
        )
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)  # a file being read finishes first
            self._thread = None

    def choose(self) -> None:
        """Ask the clerk for the folder the network scanner drops files into, and keep it."""
        folder = QFileDialog.getExistingDirectory(
            self.window, "Chọn thư mục máy quét mạng lưu tệp vào", self.settings.folder
        )
        if folder:
            self.set_folder(folder)

    def set_folder(self, folder: str) -> None:
        settings = WatchSettings(folder, self.settings.interval)
        if presenter.guarded(lambda: save_watch_settings(self.data_dir, settings), self.window):
            self.start(settings)

    @Slot(object)
    def _picked(self, pickup: Pickup) -> None:
        self.panel.add_pickup(pickup)
        self.dock.setVisible(True)
        if pickup.waiting is not None:
            self.window.statusBar().showMessage(
                f"Có tệp mới chờ đăng ký: {pickup.waiting.name}", 8000
            )
