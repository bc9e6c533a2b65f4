"""The scanning desk as its own window: scan a batch, then open a pre-filled registration form.

A thin shell joining `ui.scan_batch.ScanBatchScreen` to the main window's incoming form: the
pages of one document become a PDF (off the GUI thread) and the form opens with that file and
the fields read from page 1. It decides nothing itself.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout, QWidget

from ui.errors import present
from ui.workers import run_in_background

OpenForm = Callable[[list[Path], Any], object]


class ScanWindow(QDialog):
    """Hosts the batch screen; each document read from it goes to `open_form(files, extraction)`."""

    def __init__(
        self,
        recovery_root: Path,
        open_form: OpenForm,
        parent: QWidget | None = None,
        **screen_options: Any,
    ) -> None:
        super().__init__(parent)
        from ui.scan_batch import ScanBatchScreen

        self.setWindowTitle("Quét văn bản đến")
        self.resize(1200, 800)
        self.open_form = open_form
        from scanner import preferences

        # The scanner chosen in the wizard or Settings (the data folder holds the recovery root).
        screen_options.setdefault("preferred", preferences.load(recovery_root.parent))
        self.batch_screen = ScanBatchScreen(recovery_root, parent=self, **screen_options)
        self.batch_screen.extraction_ready.connect(self._document_read)
        self.status = QLabel("")  # the batch screen says how to start; this line says what follows
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.batch_screen, 1)
        layout.addWidget(self.status)
        self._folder = Path(tempfile.mkdtemp(prefix="clerk-scan-"))
        self._count = 0

    def _document_read(self, extraction: Any, pages: Any) -> None:
        from scanner.batch import write_document

        self._count += 1
        out = self._folder / f"van-ban-quet-{self._count:03d}.pdf"
        self.status.setText("Đang ghi bản quét thành PDF có lớp chữ…")

        def done(_result: object) -> None:
            self.status.setText(f"Đã tạo {out.name}; phiếu đăng ký đã mở.")
            self.open_form([out], extraction)

        def failed(error: BaseException) -> None:
            self.status.setText("Chưa ghi được bản quét.")
            present(error, self)

        run_in_background(lambda: write_document(list(pages), out), done, failed, owner=self)
