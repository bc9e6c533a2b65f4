"""The "In sổ đăng ký" dialog: choose book, period and volume, preview, print or save the PDF.

A thin shell over `clerk_app.printing.register_pdf` and `handover_pdf`: the core lays out the
PDF (off the GUI thread, with a progress bar and Cancel); this dialog only shows its pages one
at a time (`page_viewer`, rendered by PyMuPDF), sends them to a printer through Qt's print
dialog, or copies the file where the clerk saves it. It decides no business rule.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pymupdf
from PySide6.QtCore import QDate, QRectF, QTimer
from PySide6.QtGui import QImage, QPageLayout, QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from clerk_app import errors
from clerk_app.instructions.secretary import Secretary
from clerk_app.printing.handover_pdf import PrintedHandoverLog, print_handover_log
from clerk_app.printing.register_pdf import PrintedRegister, print_register
from clerk_app.workspace import Workspace
from ui.errors import present
from ui.page_viewer import PageViewer
from ui.workers import Progress, run_in_background

PRINT_DPI = 200
FILE_NAMES = {"incoming": "so-den", "outgoing": "so-di", "handover": "so-chuyen-giao"}

Printed = PrintedRegister | PrintedHandoverLog


class PrintRegisterDialog(QDialog):
    """Pick a register and a period; preview, print, or save it as a PDF."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = workspace
        self.setWindowTitle("In sổ đăng ký văn bản")
        self.printed: Printed | None = None
        self.viewer: PageViewer | None = None
        self._tmp = Path(tempfile.mkdtemp(prefix="clerk-print-"))
        self._progress: Progress | None = None

        today = workspace.now_in_vietnam().date()
        self.book = QComboBox()
        self.book.addItem("Sổ đăng ký văn bản đến", "incoming")
        self.book.addItem("Sổ đăng ký văn bản đi", "outgoing")
        self.book.addItem("Sổ chuyển giao văn bản", "handover")
        self.book.currentIndexChanged.connect(self._book_changed)
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(today.year)
        self.date_from = QDateEdit(QDate(today.year, today.month, 1))
        self.date_to = QDateEdit(QDate(today.year, today.month, today.day))
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd/MM/yyyy")
        self.volume = QSpinBox()
        self.volume.setRange(1, 99)

        form = QFormLayout()
        form.addRow("Sổ:", self.book)
        form.addRow("Năm:", self.year)
        form.addRow("Từ ngày:", self.date_from)
        form.addRow("Đến ngày:", self.date_to)
        form.addRow("Quyển số:", self.volume)

        self.status = QLabel(
            "Số trang nối tiếp các lần in trước trong năm, để đóng thành một quyển."
        )
        self.status.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setVisible(False)
        self.cancel_button = QPushButton("Dừng")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self._cancel)

        self.preview_button = QPushButton("Xem trước…")
        self.print_button = QPushButton("In…")
        self.save_button = QPushButton("Lưu PDF…")
        close_button = QPushButton("Đóng")
        self.preview_button.clicked.connect(lambda: self._with_pdf(self._preview))
        self.print_button.clicked.connect(self.print_with_dialog)
        self.save_button.clicked.connect(self._ask_save)
        close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        for b in (self.preview_button, self.print_button, self.save_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close_button)

        progress_row = QHBoxLayout()
        progress_row.addWidget(self.bar, 1)
        progress_row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addLayout(progress_row)
        layout.addLayout(buttons)
        self._timer = QTimer(self)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self._poll)
        self.finished.connect(lambda _r: shutil.rmtree(self._tmp, ignore_errors=True))

    def _book_changed(self) -> None:
        # The handover log's year is its period's: the dates are enough.
        self.year.setEnabled(self.book.currentData() != "handover")

    # --- making the PDF (off the GUI thread) --------------------------------------------------

    def choice(self) -> dict[str, Any]:
        return {
            "kind": self.book.currentData(),
            "year": self.year.value(),
            "date_from": _date(self.date_from.date()),
            "date_to": _date(self.date_to.date()),
            "volume": self.volume.value(),
        }

    def _with_pdf(self, then: Callable[[Printed], None]) -> None:
        """Make the PDF for the current choice in the background, then call `then` with it."""
        choice = self.choice()
        out = self._tmp / f"{FILE_NAMES[choice['kind']]}-{choice['year']}.pdf"
        progress = self._progress = Progress()
        self._busy(True)

        def work() -> Printed:
            if choice["kind"] == "handover":
                return print_handover_log(
                    Secretary(self.ws),
                    choice["date_from"],
                    choice["date_to"],
                    out,
                    volume=choice["volume"],
                    progress=progress,
                )
            return print_register(
                self.ws,
                choice["kind"],
                choice["year"],
                out,
                date_from=choice["date_from"],
                date_to=choice["date_to"],
                volume=choice["volume"],
                progress=progress,
            )

        def done(printed: Printed) -> None:
            self._busy(False)
            self.printed = printed
            if isinstance(printed, PrintedHandoverLog):
                self.status.setText(
                    f"{printed.entries} lượt chuyển giao từ {printed.period.first:%d/%m/%Y} "
                    f"đến {printed.period.last:%d/%m/%Y}; trang {printed.first_page}–"
                    f"{printed.last_page} của sổ năm {printed.year} ({printed.pdf_pages} trang "
                    "PDF, kể cả bìa)."
                )
            else:
                self.status.setText(
                    f"{printed.entries} văn bản, số {printed.first_number}–"
                    f"{printed.last_number}; trang {printed.first_page}–{printed.last_page} "
                    f"của sổ năm {printed.year} ({printed.pdf_pages} trang PDF, kể cả bìa và "
                    "danh sách số hủy)."
                )
            then(printed)

        def failed(error: BaseException) -> None:
            self._busy(False)
            if not isinstance(error, errors.PrintCancelled):
                present(error, self)
            else:
                self.status.setText("Đã dừng in.")

        run_in_background(work, done, failed, owner=self)

    def _busy(self, busy: bool) -> None:
        for b in (self.preview_button, self.print_button, self.save_button):
            b.setEnabled(not busy)
        self.bar.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.bar.setRange(0, 0)
        if busy:
            self._timer.start()
        else:
            self._timer.stop()

    def _poll(self) -> None:
        if self._progress is None:
            return
        done, total, label = self._progress.snapshot()
        if total:
            self.bar.setRange(0, total)
            self.bar.setValue(done)
        if label:
            self.status.setText(label + "…")

    def _cancel(self) -> None:
        if self._progress is not None:
            self._progress.cancel()

    # --- saving, previewing, printing ---------------------------------------------------------

    def _ask_save(self) -> None:
        choice = self.choice()
        suggested = f"{FILE_NAMES[choice['kind']]}-{choice['year']}.pdf"
        path, _ = QFileDialog.getSaveFileName(self, "Lưu PDF", suggested, "PDF (*.pdf)")
        if path:
            self.save_pdf(Path(path))

    def save_pdf(self, path: Path) -> None:
        def copy(printed: Printed) -> None:
            try:
                shutil.copyfile(printed.path, path)
            except OSError as exc:
                present(errors.FileUnreadable(str(path), exc.strerror or str(exc)), self)
                return
            self.status.setText(self.status.text() + f" Đã lưu {path}.")

        self._with_pdf(copy)

    def _preview(self, printed: Printed) -> None:
        """Every page can be reached; only the one on screen is rendered and held."""
        if self.viewer is not None:
            self.viewer.close_document()
        self.viewer = PageViewer(
            printed.path, f"Xem trước — {self.book.currentText()}", self, self.print_with_dialog
        )
        self.viewer.open()

    def print_with_dialog(self, printer_name: str | None = None) -> None:
        """Ask for a printer (Qt's print dialog), then print every page of the register."""
        try:
            printer = printer_for(printer_name)
        except errors.PrinterUnavailable as error:
            present(error, self)
            return
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return

        def send(printed: Printed) -> None:
            try:
                paint_pages(printed.path, printer)
            except errors.PrinterUnavailable as error:
                present(error, self)

        self._with_pdf(send)


def printer_for(name: str | None = None) -> QPrinter:
    """A printer ready to print on, or PrinterUnavailable naming the one that is not there."""
    if not QPrinterInfo.availablePrinters():
        raise errors.PrinterUnavailable(name or "")
    printer = landscape_printer()
    if name:
        printer.setPrinterName(name)
        if printer.printerName() != name or not printer.isValid():
            raise errors.PrinterUnavailable(name)
    return printer


def landscape_printer() -> QPrinter:
    """The register's pages are A4 landscape."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageOrientation(QPageLayout.Orientation.Landscape)
    return printer


def paint_pages(pdf: Path, printer: QPrinter, limit: int | None = None) -> int:
    """Draw the PDF's pages, rendered by PyMuPDF, one per printer page; returns pages drawn."""
    painter = QPainter()
    if not painter.begin(printer):
        raise errors.PrinterUnavailable(printer.printerName())
    drawn = 0
    try:
        with pymupdf.open(pdf) as doc:
            dpi = min(PRINT_DPI, max(72, printer.resolution()))
            for index, page in enumerate(doc):
                if limit is not None and index >= limit:
                    break
                if index:
                    printer.newPage()
                pix = page.get_pixmap(dpi=dpi)
                image = QImage(
                    pix.samples, pix.width, pix.height, pix.stride, QImage.Format.Format_RGB888
                ).copy()
                target = QRectF(painter.viewport())
                scale = min(target.width() / image.width(), target.height() / image.height())
                w, h = image.width() * scale, image.height() * scale
                painter.drawImage(
                    QRectF(target.x() + (target.width() - w) / 2, target.y(), w, h), image
                )
                drawn += 1
    finally:
        painter.end()
    return drawn


def _date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


__all__ = ["PrintRegisterDialog", "landscape_printer", "paint_pages", "printer_for"]


class ReportDialog(QDialog):
    """Pick a period and a file (.pdf or .xlsx); the statistics are written off the GUI thread."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = workspace
        self.setWindowTitle("Thống kê văn bản đến, đi")
        today = workspace.now_in_vietnam().date()
        self.date_from = QDateEdit(QDate(today.year, today.month, 1))
        self.date_to = QDateEdit(QDate(today.year, today.month, today.day))
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd/MM/yyyy")
        self.kind = QComboBox()
        self.kind.addItem("PDF (có biểu đồ)", ".pdf")
        self.kind.addItem("Bảng tính Excel (.xlsx)", ".xlsx")
        form = QFormLayout()
        form.addRow("Từ ngày:", self.date_from)
        form.addRow("Đến ngày:", self.date_to)
        form.addRow("Định dạng:", self.kind)
        self.status = QLabel(
            "Số liệu theo loại, độ khẩn, nguồn nhận, đơn vị và tình trạng chuyển giao."
        )
        self.status.setWordWrap(True)
        self.save_button = QPushButton("Lưu thống kê…")
        self.save_button.setDefault(True)
        # clicked(bool) would hand its `checked` to save() as the path.
        self.save_button.clicked.connect(lambda _checked=False: self.save())
        close = QPushButton("Đóng (Esc)")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(close)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

    def save(self, path: Path | None = None) -> None:
        first, last = _date(self.date_from.date()), _date(self.date_to.date())
        suffix = str(self.kind.currentData())
        if path is None:
            name, _ = QFileDialog.getSaveFileName(
                self,
                "Lưu thống kê",
                f"thong-ke-{first:%Y%m%d}-{last:%Y%m%d}{suffix}",
                f"*{suffix}",
            )
            if not name:
                return
            path = Path(name)
        if path.suffix.lower() != suffix:
            path = path.with_suffix(suffix)
        from clerk_app.printing.report import write_report

        self.save_button.setEnabled(False)
        self.status.setText("Đang tổng hợp số liệu…")
        target = path

        def done(_stats: object) -> None:
            self.save_button.setEnabled(True)
            self.status.setText(f"Đã lưu {target}.")

        def failed(error: BaseException) -> None:
            self.save_button.setEnabled(True)
            self.status.setText("Chưa lưu được thống kê.")
            present(error, self)

        run_in_background(
            lambda: write_report(self.ws, first, last, target), done, failed, owner=self
        )
