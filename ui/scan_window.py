"""The scanning desk as one loop: scan, each document to a pre-filled form, register, the next.

A thin shell joining `ui.scan_batch.ScanBatchScreen` to the main window's incoming form. The
documents of the batch are read in the background; Ctrl+Enter in the form registers one,
marks its pages and loads the next unregistered one. The window is its own top-level window
(it never sits over the main one), Esc closes it, closing with unregistered pages asks, and a
batch left behind (closed or crashed) is offered back when it opens. It decides nothing itself.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget

from clerk_app.messages import describe
from scanner.batch import BatchPage
from ui import formatting as fmt
from ui.batch_preparer import document_key

OpenForm = Callable[[list[Path], Any], object]


class ScanWindow(QWidget):
    """Hosts the batch screen and drives the registration form through the batch's documents."""

    def __init__(
        self,
        recovery_root: Path,
        open_form: OpenForm,
        desk: Any = None,
        **screen_options: Any,
    ) -> None:
        # No parent: a child window is kept above its parent by the window manager, and the
        # clerk must be able to bring the main window (the register) to the front.
        super().__init__(None, Qt.WindowType.Window)
        from scanner import preferences
        from ui.scan_batch import ScanBatchScreen

        self.setWindowTitle("Quét văn bản đến")
        self.open_form = open_form
        self.desk = desk  # the main window: stamping and handing over happen there
        data_dir = recovery_root.parent
        # The scanner chosen in the wizard, Settings or the last scan (the data folder holds
        # the recovery root).
        screen_options.setdefault("preferred", preferences.load(data_dir))
        screen_options.setdefault("remember", lambda choice: preferences.save(data_dir, choice))
        self.batch_screen = ScanBatchScreen(recovery_root, parent=self, **screen_options)
        self.batch_screen.document_ready.connect(self._document_ready)
        self.form: Any = None
        self.current: list[BatchPage] | None = None  # the pages in the form now
        self.last_document_id: str | None = None
        self.registered_ids: list[str] = []

        self.next_button = QPushButton("Đăng ký văn bản tiếp (Ctrl+Enter)")
        self.next_button.clicked.connect(self.register_next)
        self.status = QLabel("")  # the batch screen says how to start; this line says what follows
        self.status.setWordWrap(True)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.batch_screen, 1)
        layout.addLayout(bottom)
        self._shortcuts(self)
        self._place()

    # --- place and keys ------------------------------------------------------------------------

    def _place(self) -> None:
        """The right part of the screen, so the register stays visible on the left."""
        screen = QGuiApplication.primaryScreen()
        if screen is None:
            self.resize(1000, 700)
            return
        area = screen.availableGeometry()
        width = min(
            max(min(1100, area.width() * 62 // 100), self.minimumSizeHint().width()), area.width()
        )
        self.setGeometry(area.right() - width + 1, area.top(), width, area.height())

    def _shortcuts(self, widget: QWidget) -> None:
        """Ctrl+D, Ctrl+G here (and in the batch's form) act on the batch's last document."""
        keys: list[tuple[str, Callable[[], object]]] = [
            ("Ctrl+D", self.stamp_last),
            ("Ctrl+G", self.hand_over_last),
        ]
        if widget is self:
            keys += [
                ("Ctrl+Return", self.register_next),
                ("Ctrl+Enter", self.register_next),
                ("Ctrl+Shift+S", self.batch_screen.start_scan),  # the key that opened it
                ("Ctrl+Q", self._quit_desk),  # the desk's quit key, here too
            ]
        for key, slot in keys:
            shortcut = QShortcut(QKeySequence(key), widget)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(slot)

    def _quit_desk(self) -> None:
        """Ctrl+Q: the desk closes, keeping this batch's pages to be offered next time."""
        (self.desk if self.desk is not None else self).close()

    def keyPressEvent(self, event: Any) -> None:
        if event.key() == Qt.Key.Key_Escape and not self.batch_screen.scanning:
            self.close()
            return
        super().keyPressEvent(event)

    def stamp_last(self) -> None:
        if self.last_document_id is None or self.desk is None:
            self.status.setText("Chưa có văn bản nào của lô được đăng ký để đóng dấu.")
            return
        self.desk.open_stamp_dialog(self.last_document_id)

    def hand_over_last(self) -> None:
        if self.last_document_id is None or self.desk is None:
            self.status.setText("Chưa có văn bản nào của lô được đăng ký để chuyển giao.")
            return
        self.desk.hand_over(self.last_document_id)

    # --- the loop ------------------------------------------------------------------------------

    def _form_alive(self) -> bool:
        return self.form is not None and shiboken6.isValid(self.form) and self.form.isVisible()

    def register_next(self) -> None:
        """The next unregistered document of the batch into the form («Đăng ký văn bản tiếp»)."""
        current = document_key(self.current) if self.current else None
        busy = self._form_alive() and self.form.state != "done"
        for pages in self.batch_screen.batch.unregistered_documents():
            if busy and document_key(pages) == current:
                self.form.raise_()
                self.form.activateWindow()
                return
            self.status.setText("Đang chuẩn bị văn bản tiếp…")
            self.batch_screen.prepare(pages)
            return
        left = self.batch_screen.batch.pages
        self.status.setText(
            "Đã đăng ký hết các văn bản của lô. Ctrl+G: chuyển giao, Ctrl+D: đóng dấu đến."
            if left
            else "Chưa có trang nào: đặt giấy vào khay rồi bấm «Quét»."
        )

    def _document_ready(self, path: Path, extraction: Any, pages: list[BatchPage]) -> None:
        if any(self.batch_screen.batch.is_registered(p) for p in pages):
            return  # registered meanwhile (a second request for the same document)
        if self._form_alive():
            if self.form.state == "working":
                return
            if (
                self.form.state == "editing"
                and self.current is not None
                and document_key(self.current) != document_key(pages)
                and self.form.has_typed_content()
            ):
                self.status.setText(
                    "Phiếu đăng ký đang có văn bản khác đang nhập: đăng ký hoặc đóng phiếu đó trước."
                )
                self.form.raise_()
                return
            self.current = pages
            self.form.load_document([path], extraction)
            self.form.raise_()
            self.form.activateWindow()
        else:
            self.current = pages
            self.form = self.open_form([path], extraction)
            if self.form is None:
                return
            self.form.registered.connect(self._registered)
            self.form.next_document = self._next_for_form
            self.form.keep_in_batch = self._keep_typing
            self._shortcuts(self.form)
        first = self.batch_screen.batch.pages.index(pages[0]) + 1
        home = self.batch_screen.home
        typed = (
            self.batch_screen.recovery.load_forms(home).get(_typing_key(pages)) if home else None
        )
        if typed:
            # The clerk's typing before a crash wins over page 1's reading.
            self.form.fill(typed)
            self.status.setText(
                f"Phiếu đăng ký: văn bản bắt đầu ở trang {first} của lô; đã lấy lại phần "
                "đã nhập trước khi chương trình bị tắt: kiểm tra rồi Ctrl+Enter."
            )
            return
        self.status.setText(f"Phiếu đăng ký: văn bản bắt đầu ở trang {first} của lô.")

    def _keep_typing(self, values: dict[str, object]) -> None:
        """The form's typing for the current document, kept in the batch's recovery folder."""
        home = self.batch_screen.home
        if home is not None and self.current:
            self.batch_screen.recovery.save_form(home, _typing_key(self.current), values)

    def _next_for_form(self) -> bool:
        """The form's «Đăng ký văn bản tiếp»: True when the batch has another document."""
        if not self.batch_screen.batch.unregistered_documents():
            return False
        self.register_next()
        return True

    def _registered(self, result: Any) -> None:
        pages = self.current or []
        if self.batch_screen.home is not None and pages:
            self.batch_screen.recovery.drop_form(self.batch_screen.home, _typing_key(pages))
        summary = result.document.summary
        self.batch_screen.batch.mark_registered(
            [p.id for p in pages], summary.id, f"số đến {summary.number}/{summary.year}"
        )
        self.last_document_id = summary.id
        self.registered_ids.append(summary.id)
        self.current = None
        self.status.setText(
            f"Đã đăng ký {fmt.document_title(summary)} ({len(pages)} trang). "
            "Ctrl+D: đóng dấu đến · Ctrl+G: chuyển giao."
        )
        if self.batch_screen.batch.unregistered_documents():
            self.register_next()

    # --- leaving and coming back ---------------------------------------------------------------

    def offer_interrupted(self) -> bool:
        """A batch left unfinished (window closed, crash, power cut) is offered back."""
        recovery = self.batch_screen.recovery
        for found in recovery.interrupted():
            box = QMessageBox(self)
            box.setIcon(QMessageBox.Icon.Question)
            box.setWindowTitle("Lô quét chưa xong")
            started = found.started_at
            when = f"{started[6:8]}/{started[4:6]}/{started[:4]} {started[9:11]}:{started[11:13]}"
            box.setText(
                f"Có một lô quét chưa đăng ký xong (bắt đầu {when} UTC, {len(found.pages)} trang). "
                "Mở lại để đăng ký tiếp?"
            )
            box.setStandardButtons(
                QMessageBox.StandardButton.Yes
                | QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Ignore
            )
            box.button(QMessageBox.StandardButton.Yes).setText("Mở lại lô này")
            box.button(QMessageBox.StandardButton.Discard).setText("Bỏ lô này")
            box.button(QMessageBox.StandardButton.Ignore).setText("Để sau")
            box.setDefaultButton(QMessageBox.StandardButton.Yes)
            answer = box.exec()
            if answer == QMessageBox.StandardButton.Yes:
                self.batch_screen.restore(found.path)
                return True
            if answer == QMessageBox.StandardButton.Discard:
                recovery.discard(found.path)
        return False

    def unregistered_pages(self) -> int:
        return sum(len(d) for d in self.batch_screen.batch.unregistered_documents())

    def close_keeping(self) -> None:
        """Close without asking; unregistered pages stay to be offered next time."""
        self._leave(keep=True)
        self._closing = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if getattr(self, "_closing", False):
            super().closeEvent(event)
            return
        left = self.unregistered_pages()
        if left:
            box = QMessageBox(self)
            box.setIcon(QMessageBox.Icon.Question)
            box.setWindowTitle("Còn trang chưa đăng ký")
            box.setText(
                f"Lô quét còn {left} trang chưa đăng ký. Giữ lại để lần sau mở cửa sổ quét "
                "đăng ký tiếp?"
            )
            box.setInformativeText("«Bỏ các trang này» xóa các trang chưa đăng ký khỏi máy.")
            box.setStandardButtons(
                QMessageBox.StandardButton.Save
                | QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Cancel
            )
            box.button(QMessageBox.StandardButton.Save).setText("Giữ lại để sau")
            box.button(QMessageBox.StandardButton.Discard).setText("Bỏ các trang này")
            box.button(QMessageBox.StandardButton.Cancel).setText("Quay lại")
            box.setDefaultButton(QMessageBox.StandardButton.Save)
            answer = box.exec()
            if answer == QMessageBox.StandardButton.Cancel:
                event.ignore()
                return
            self._leave(keep=answer == QMessageBox.StandardButton.Save)
        else:
            self._leave(keep=False)
        self._closing = True
        super().closeEvent(event)

    def _leave(self, *, keep: bool) -> None:
        screen = self.batch_screen
        if screen.scanning:
            screen.cancel_scan()
        home = screen.home
        if home is None:
            return
        try:
            if keep and self.unregistered_pages():
                screen.recovery.release(home)
            else:
                # Every page is in the register (or the clerk threw them away).
                screen.recovery.discard(home)
        except OSError as error:
            self.status.setText(describe(error).one_line())


def _typing_key(pages: list[BatchPage]) -> str:
    """A document of the batch by its pages' ids, which survive the batch's restore."""
    return ",".join(p.id for p in pages)
