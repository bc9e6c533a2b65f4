"""Keyboard-first dialogs to register incoming and outgoing documents; the core does the rules."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import (
    QDate,
    QDateTime,
    QEvent,
    QObject,
    QStringListModel,
    Qt,
    QTime,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateTimeEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from clerk_app.clock import VIETNAM, vietnam_date
from clerk_app.errors import (
    ClerkError,
    DuplicateDocument,
    NumberingLeaseNotHeld,
    SecretDocumentRefused,
)
from clerk_app.messages import describe
from clerk_app.numbering import QPPL_TYPES
from clerk_app.reading.calibration import SURE
from clerk_app.records import Change, IncomingDraft, OutgoingDraft, Registered
from clerk_app.unfinished import UnfinishedForms, new_form_id
from clerk_app.vocabulary import (
    DOC_TYPES,
    NORMAL_URGENCY,
    SOURCE_CHANNELS,
    TYPES_WITHOUT_ABBREVIATION,
    URGENCY_LEVELS,
    canonical_doc_type,
    is_urgent,
    timed_note,
)
from sync.online import SavedAsDraft
from ui import errors as presenter
from ui import formatting as fmt
from ui.handover_picker import ReceiverCompleter, receivers_of
from ui.preview import PagePreview
from ui.workers import run_in_background

W = TypeVar("W", bound=QWidget)

NO_SECRECY = "Không"
SECRECY_CHOICES = (NO_SECRECY, "Mật", "Tối mật", "Tuyệt mật")
FILE_FILTER = "Văn bản (*.pdf *.PDF *.jpg *.jpeg *.png *.tif *.tiff);;Mọi tệp (*)"
CHANNELS_WITHOUT_PAPER = ("Hệ thống điện tử", "Thư điện tử")
ELECTRONIC_CHANNEL = "Hệ thống điện tử"  # a file added by the clerk came electronically

ERROR_STYLE = "color: #b42318;"
INVALID_STYLE = "border: 1px solid #d92d20; border-radius: 3px; padding: 2px;"
BANNER_DONE = (
    "QFrame#banner { background: #e8f5e9; border: 1px solid #66bb6a; border-radius: 6px; }"
)
BANNER_REFUSED = (
    "QFrame#refusal { background: #fdecea; border: 1px solid #e57373; border-radius: 6px; }"
)


class DateField(QLineEdit):
    """A date typed as dd/mm/yyyy (also 5/2/24, 05022024); normalised when the field is left."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("nn/tt/nnnn")
        self.setMaxLength(12)
        self.editingFinished.connect(self._normalise)

    def value(self) -> date | None:
        """The date typed, None when empty; raises formatting.DateText when impossible."""
        return fmt.parse_day(self.text())

    def set_value(self, value: date | None) -> None:
        self.setText(fmt.day(value))

    def _normalise(self) -> None:
        try:
            value = self.value()
        except fmt.DateText:
            return
        if value is not None:
            self.setText(fmt.day(value))


class FieldRow(QWidget):
    """An input with its inline error message underneath."""

    def __init__(self, editor: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(editor)
        layout.addWidget(self.error)
        self.setFocusProxy(editor)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))
        self.editor.setStyleSheet(INVALID_STYLE if text else "")


def _combo(items: Sequence[str], *, editable: bool = False, current: str = "") -> QComboBox:
    combo = QComboBox()
    combo.setEditable(editable)
    combo.addItems(list(items))
    combo.setMaxVisibleItems(16)
    if editable:
        # Inline completion: the rest of the name appears selected as you type, no popup to
        # steal the keyboard; the full list stays on Alt+Down.
        completer = QCompleter(QStringListModel(list(items), combo), combo)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.InlineCompletion)
        combo.setCompleter(completer)
        combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        combo.setCurrentIndex(-1)
        combo.setEditText(current)
    elif current:
        combo.setCurrentText(current)
    return combo


# Below this confidence a field read from a scan is tinted for the clerk to check: the reader's
# calibrated "sure", wrong less than 1 time in 100 on its corpus (clerk_app/reading/calibration).
CHECK_BELOW = SURE
CHECK_STYLE = "background: #fff3cd;"
# An unfinished form is written to disk this long after the clerk's last change.
JOURNAL_DELAY_MS = 400
log = logging.getLogger(__name__)
# The late-arrival field's value while the registration is not late; shown blank.
NO_LATE_TIME = QDateTime(QDate(1945, 1, 1), QTime(0, 0))


def _set_editor(editor: QWidget, value: Any) -> None:
    if isinstance(editor, DateField):
        editor.set_value(value if isinstance(value, date) else None)
    elif isinstance(editor, QComboBox):
        index = editor.findText(str(value))
        if index >= 0:
            editor.setCurrentIndex(index)
        elif editor.isEditable():
            editor.setEditText(str(value))
    elif isinstance(editor, QPlainTextEdit):
        editor.setPlainText(str(value))
    elif isinstance(editor, QLineEdit):
        editor.setText(str(value))


def _text_of(widget: QWidget) -> str:
    if isinstance(widget, QComboBox):
        return widget.currentText().strip()
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText().strip()
    if isinstance(widget, QLineEdit):
        return widget.text().strip()
    raise TypeError(widget)


class _EnterMovesOn(QObject):
    """Return in a field moves to the next field (Ctrl+Enter registers); it never submits."""

    def __init__(self, dialog: QDialog) -> None:
        super().__init__(dialog)
        self._dialog = dialog

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress:
            key = event.key()  # type: ignore[attr-defined]
            modifiers = event.modifiers()  # type: ignore[attr-defined]
            plain = modifiers in (
                Qt.KeyboardModifier.NoModifier,
                Qt.KeyboardModifier.KeypadModifier,
            )
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and plain:
                if isinstance(watched, QComboBox) and watched.view().isVisible():
                    return False
                self._dialog.focusNextChild()
                return True
        return False


class RegistrationForm(QDialog):
    """What the incoming and outgoing dialogs share: fields, files, preview, submit, banner.

    States: "editing" → (Ctrl+Enter) "working" → "done" (number shown) → (Ctrl+Enter) "editing".
    """

    registered = Signal(object)  # Registered

    TITLE = ""
    KIND = ""  # "incoming" | "outgoing": what the unfinished-form file says to reopen
    SUBMIT_TEXT = "Đăng ký"
    secrecy: QComboBox  # made by build_fields

    def __init__(
        self, workspace: Any, parent: QWidget | None = None, files: Sequence[Path] = ()
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.state = "editing"
        # Set by a scan batch: «Đăng ký văn bản tiếp» loads its next document (True) instead
        # of a blank form (False: the batch has none left).
        self.next_document: Callable[[], bool] | None = None
        # Set by a scan batch too: where the typing of the batch's current document is kept.
        self.keep_in_batch: Callable[[dict[str, object]], None] | None = None
        self._untouched: dict[str, object] = {}
        self.last_result: Registered | None = None
        self.drafts_saved = 0
        self.rows: dict[str, FieldRow] = {}
        self._file_errors: dict[str, str] = {}
        self._file_pages: dict[str, int] = {}
        self._enter_filter = _EnterMovesOn(self)
        self.setWindowTitle(self.TITLE)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.resize(1180, 760)

        heading = QLabel(self.TITLE)
        heading.setStyleSheet("font-size: 18px; font-weight: 600;")
        self.hint = QLabel(
            "Trường có dấu * là bắt buộc. Enter: sang trường sau · Ctrl+Enter: đăng ký · "
            "Ctrl+O: thêm tệp · Esc: đóng"
        )
        self.hint.setStyleSheet("color: #6c757d;")

        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setHorizontalSpacing(12)
        self.form.setVerticalSpacing(8)
        form_box = QWidget()
        form_outer = QVBoxLayout(form_box)
        form_outer.setContentsMargins(0, 0, 8, 0)
        form_outer.addLayout(self.form)
        form_outer.addStretch(1)
        form_box.setMinimumWidth(520)

        # Files and their preview.
        self.file_list = QListWidget()
        self.file_list.setMaximumHeight(110)
        self.file_list.currentItemChanged.connect(self._preview_current)
        self.add_file_button = QPushButton("Thêm tệp… (Ctrl+O)")
        self.add_file_button.clicked.connect(self.choose_files)
        self.remove_file_button = QPushButton("Bỏ tệp")
        self.remove_file_button.clicked.connect(self.remove_current_file)
        self.files_error = QLabel()
        self.files_error.setStyleSheet(ERROR_STYLE)
        self.files_error.setWordWrap(True)
        self.files_error.hide()
        self.preview = PagePreview()
        file_buttons = QHBoxLayout()
        file_buttons.addWidget(self.add_file_button)
        file_buttons.addWidget(self.remove_file_button)
        file_buttons.addStretch(1)
        files_box = QWidget()
        files_layout = QVBoxLayout(files_box)
        files_layout.setContentsMargins(0, 0, 0, 0)
        files_title = QLabel("Tệp đính kèm (bản quét hoặc bản điện tử)")
        files_title.setStyleSheet("font-weight: 600;")
        files_layout.addWidget(files_title)
        files_layout.addWidget(self.file_list)
        files_layout.addLayout(file_buttons)
        files_layout.addWidget(self.files_error)
        files_layout.addWidget(self.preview, 1)

        splitter = QSplitter()
        splitter.addWidget(form_box)
        splitter.addWidget(files_box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([680, 460])
        splitter.setChildrenCollapsible(False)

        # Secret documents: refused as soon as the level is chosen.
        self.refusal = QFrame()
        self.refusal.setObjectName("refusal")
        self.refusal.setStyleSheet(BANNER_REFUSED)
        self.refusal_text = QLabel()
        self.refusal_text.setWordWrap(True)
        QVBoxLayout(self.refusal).addWidget(self.refusal_text)
        self.refusal.hide()

        # The issued number, shown big after registering.
        self.banner = QFrame()
        self.banner.setObjectName("banner")
        self.banner.setStyleSheet(BANNER_DONE)
        self.banner_number = QLabel()
        self.banner_number.setStyleSheet("font-size: 22px; font-weight: 700; color: #1b5e20;")
        self.banner_number.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner_detail = QLabel()
        self.banner_detail.setWordWrap(True)
        banner_layout = QVBoxLayout(self.banner)
        banner_layout.addWidget(self.banner_number)
        banner_layout.addWidget(self.banner_detail)
        self.banner.hide()

        self.status = QLabel()
        self.status.setStyleSheet("color: #495057;")
        self.submit_button = QPushButton(self.SUBMIT_TEXT + " (Ctrl+Enter)")
        self.submit_button.setMinimumWidth(220)
        self.submit_button.setStyleSheet("font-weight: 600; padding: 6px 14px;")
        self.submit_button.clicked.connect(self.submit)
        self.close_button = QPushButton("Đóng (Esc)")
        self.close_button.clicked.connect(self.close_asking)
        for button in (
            self.submit_button,
            self.close_button,
            self.add_file_button,
            self.remove_file_button,
        ):
            button.setAutoDefault(False)
            button.setDefault(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.submit_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addWidget(self.hint)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.refusal)
        layout.addWidget(self.banner)
        layout.addLayout(buttons)

        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(self.submit)
        QShortcut(QKeySequence("Ctrl+O"), self).activated.connect(self.choose_files)
        # The form is modal over the desk, which blocks the desk's own Ctrl+Q: the clerk's quit
        # key works here too, and the desk's closing keeps this form's typing.
        QShortcut(QKeySequence("Ctrl+Q"), self).activated.connect(self._quit_desk)

        self.build_fields()
        self._chain_tab_order()
        self.secrecy.currentTextChanged.connect(self._secrecy_changed)
        self.add_files(files)
        self.mark_untouched()
        # What the clerk types is written to disk a moment after each change, so a crash, a
        # kill or Ctrl+Q loses none of it (clerk_app.unfinished); the window offers it back.
        self.form_id = new_form_id()
        self.unfinished = UnfinishedForms(Path(workspace.data_dir))
        self._keep_unfinished = False
        self._journal_timer = QTimer(self)
        self._journal_timer.setSingleShot(True)
        self._journal_timer.setInterval(JOURNAL_DELAY_MS)
        self._journal_timer.timeout.connect(self.journal_now)
        self._watch_changes()

    # --- building ------------------------------------------------------------------------------

    def build_fields(self) -> None:
        raise NotImplementedError

    def add_row(self, field: str, label: str, editor: W, *, required: bool = False) -> W:
        row = FieldRow(editor)
        self.rows[field] = row
        text = f"{label} *" if required else label
        label_widget = QLabel(text)
        label_widget.setBuddy(editor)
        self.form.addRow(label_widget, row)
        watched: list[QWidget] = [editor, *editor.findChildren(QLineEdit)]
        for widget in watched:
            widget.installEventFilter(self._enter_filter)
        return editor

    def _chain_tab_order(self) -> None:
        chain: list[QWidget] = [row.editor for row in self.rows.values()]
        chain += [
            self.file_list,
            self.add_file_button,
            self.remove_file_button,
            self.submit_button,
            self.close_button,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _quit_desk(self) -> None:
        desk = self.parentWidget()
        (desk.window() if desk is not None else self).close()

    @property
    def first_editor(self) -> QWidget:
        return next(iter(self.rows.values())).editor

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.first_editor.setFocus()

    # --- unfinished forms on disk ---------------------------------------------------------------

    def _watch_changes(self) -> None:
        later = self._journal_timer.start
        for row in self.rows.values():
            editor = row.editor
            if isinstance(editor, QCheckBox):
                editor.toggled.connect(later)
            elif isinstance(editor, QSpinBox):
                editor.valueChanged.connect(later)
            elif isinstance(editor, QDateTimeEdit):
                editor.dateTimeChanged.connect(later)
            elif isinstance(editor, QComboBox):
                editor.currentTextChanged.connect(later)
                if editor.isEditable():
                    editor.editTextChanged.connect(later)
            elif isinstance(editor, QPlainTextEdit | QLineEdit):
                editor.textChanged.connect(later)
        model = self.file_list.model()
        model.rowsInserted.connect(later)
        model.rowsRemoved.connect(later)

    def journal_now(self) -> None:
        """Keep the form on disk while it holds the clerk's work; remove it when it does not.

        A form in a scan batch is not kept here: its pages are the batch's, and the batch comes
        back by itself (ui.scan_window); reopening its document alone could register it twice.
        Its typing is kept with the batch instead, and comes back with that document.
        """
        self._journal_timer.stop()
        typed = self.state == "editing" and self.has_typed_content()
        if self.next_document is not None or self.keep_in_batch is not None:
            self.unfinished.discard(self.form_id)
            if typed and self.keep_in_batch is not None:
                try:
                    self.keep_in_batch(self._values())
                except OSError:
                    log.warning("could not keep the batch form's typing on disk", exc_info=True)
            return
        if typed:
            try:
                self.unfinished.save(self.form_id, self.KIND, self._values(), self.files())
            except OSError:
                log.warning("could not keep the unfinished form on disk", exc_info=True)
        else:
            self.unfinished.discard(self.form_id)

    def restore(self, saved: Any) -> None:
        """Refill the form from an `UnfinishedForm`; it counts as typed (Esc asks)."""
        self.form_id = saved.id
        self.fill(saved.values)
        self.add_files(list(saved.files))
        self.status.setText("Phiếu chưa xong từ lần làm việc trước: kiểm tra rồi Ctrl+Enter.")
        self.journal_now()

    def fill(self, values: dict[str, Any]) -> None:
        """Set the fields to what the clerk had typed (kept on disk by `journal_now`)."""
        for name, value in values.items():
            row = self.rows.get(name)
            if row is None:
                continue
            editor = row.editor
            if isinstance(editor, QCheckBox):
                editor.setChecked(bool(value))
            elif isinstance(editor, QSpinBox):
                editor.setValue(int(value))
            elif isinstance(editor, QDateTimeEdit):
                editor.setDateTime(QDateTime.fromString(str(value), "yyyy-MM-ddTHH:mm"))
            elif isinstance(editor, QComboBox) and not editor.isEditable():
                editor.setCurrentText(str(value))
            elif isinstance(editor, QComboBox):
                editor.setEditText(str(value))
            elif isinstance(editor, QPlainTextEdit):
                editor.setPlainText(str(value))
            elif isinstance(editor, QLineEdit):
                editor.setText(str(value))

    # --- typed content -------------------------------------------------------------------------

    def _values(self) -> dict[str, object]:
        values: dict[str, object] = {}
        for name, row in self.rows.items():
            editor = row.editor
            if isinstance(editor, QCheckBox):
                values[name] = editor.isChecked()
            elif isinstance(editor, QSpinBox):
                values[name] = editor.value()
            elif isinstance(editor, QDateTimeEdit):  # the late registration's real arrival
                values[name] = editor.dateTime().toString("yyyy-MM-ddTHH:mm")
            else:
                values[name] = _text_of(editor)
        return values

    def mark_untouched(self) -> None:
        """What the form holds now is not the clerk's typing (blank, or filled from a scan)."""
        self._untouched = self._values()

    def has_typed_content(self) -> bool:
        """The clerk changed a field since the form was opened, reset or filled."""
        return self._values() != self._untouched

    # --- files ---------------------------------------------------------------------------------

    def files(self) -> list[Path]:
        return [
            Path(self.file_list.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.file_list.count())
        ]

    def choose_files(self) -> None:
        if self.state != "editing":
            return
        names, _ = QFileDialog.getOpenFileNames(self, "Chọn tệp văn bản", "", FILE_FILTER)
        self.add_files([Path(n) for n in names])
        if names:
            self.files_from_clerk([Path(n) for n in names])

    def files_from_clerk(self, paths: Sequence[Path]) -> None:
        """Hook: files the clerk added (Ctrl+N, Ctrl+O, dropped), not a scan of the desk."""

    def add_files(self, paths: Sequence[Path]) -> None:
        known = {str(p) for p in self.files()}
        for path in paths:
            if str(path) in known:
                continue
            known.add(str(path))
            item = QListWidgetItem(path.name)
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            item.setToolTip(str(path))
            self.file_list.addItem(item)
            self._check_file(path)
        if self.file_list.count() and self.file_list.currentRow() < 0:
            self.file_list.setCurrentRow(0)

    def remove_current_file(self) -> None:
        item = self.file_list.currentItem()
        if item is None or self.state != "editing":
            return
        key = item.data(Qt.ItemDataRole.UserRole)
        self._file_errors.pop(key, None)
        self._file_pages.pop(key, None)
        self.file_list.takeItem(self.file_list.row(item))
        if self.file_list.count() == 0:
            self.preview.clear()
        self._show_file_errors()

    def _check_file(self, path: Path) -> None:
        """Validate the file with the core's intake (off the GUI thread) and note its pages."""
        key = str(path)

        def work() -> int | None:
            from clerk_app.files import intake

            prepared = intake.prepare(path)
            pages = getattr(prepared, "pages", None)
            return int(pages) if isinstance(pages, int) else None

        def done(pages: Any) -> None:
            if pages:
                self._file_pages[key] = pages
                self._suggest_pages()

        def failed(error: BaseException) -> None:
            if isinstance(error, ClerkError):
                self._file_errors[key] = describe(error).one_line()
            elif isinstance(error, ImportError):
                return  # the intake module is not there: the core checks files at registration
            else:
                self._file_errors[key] = describe(error).what
            self._show_file_errors()

        run_in_background(work, done, failed, owner=self)

    def _suggest_pages(self) -> None:
        """Hook: the incoming form fills the page count from the files."""

    def _show_file_errors(self) -> None:
        present = {str(p) for p in self.files()}
        messages = [text for key, text in self._file_errors.items() if key in present]
        for i in range(self.file_list.count()):
            item = self.file_list.item(i)
            bad = item.data(Qt.ItemDataRole.UserRole) in self._file_errors
            item.setForeground(Qt.GlobalColor.red if bad else Qt.GlobalColor.black)
        self.files_error.setText("\n".join(messages))
        self.files_error.setVisible(bool(messages))

    def _preview_current(self, item: QListWidgetItem | None) -> None:
        if item is None:
            self.preview.clear()
            return
        path = Path(item.data(Qt.ItemDataRole.UserRole))
        self.preview.set_source(path.name, lambda: _checked_bytes(path))

    # --- secrecy -------------------------------------------------------------------------------

    @property
    def secrecy_level(self) -> str | None:
        text = self.secrecy.currentText()
        return None if text == NO_SECRECY else text

    def _secrecy_changed(self, _text: str) -> None:
        level = self.secrecy_level
        if level is None:
            self.refusal.hide()
        else:
            message = describe(SecretDocumentRefused(level))
            self.refusal_text.setText(f"<b>{message.what}</b><br>{message.todo}")
            self.refusal.show()
        self._update_buttons()

    # --- submitting ----------------------------------------------------------------------------

    def clear_errors(self) -> None:
        for row in self.rows.values():
            row.show_error("")

    def validate(self) -> dict[str, str]:
        """Field → Vietnamese message for what is missing or impossible; empty when fine."""
        raise NotImplementedError

    def make_draft(self) -> Any:
        raise NotImplementedError

    def call_core(self, draft: Any) -> Registered:
        raise NotImplementedError

    def submit(self) -> None:
        """Ctrl+Enter: register when editing; start the next document after one is registered."""
        if self.state == "working":
            return
        if self.state == "done":
            self.start_next()
            return
        self.clear_errors()
        if self.secrecy_level is not None:
            self.status.setText("Văn bản mật không được đăng ký trên hệ thống.")
            self.secrecy.setFocus()
            return
        problems = self.validate()
        if self._file_errors and any(str(p) in self._file_errors for p in self.files()):
            problems.setdefault("_files", "Có tệp không dùng được; bỏ tệp đó hoặc chọn tệp khác.")
        if problems:
            self._show_problems(problems)
            return
        self._run(self.make_draft())

    def _show_problems(self, problems: dict[str, str]) -> None:
        first: QWidget | None = None
        for field, text in problems.items():
            row = self.rows.get(field)
            if row is not None:
                row.show_error(text)
                first = first or row.editor
        if "_files" in problems:
            self.files_error.setText(problems["_files"])
            self.files_error.show()
            first = first or self.file_list
        self.status.setText("Chưa đăng ký: hãy sửa các trường được đánh dấu đỏ.")
        if first is not None:
            first.setFocus()

    def _run(self, draft: Any) -> None:
        self._set_state("working")
        self.status.setText("Đang đăng ký…")

        def done(result: Any) -> None:
            self._finished(result)

        def failed(error: BaseException) -> None:
            self._set_state("editing")
            self.status.setText("")
            if isinstance(error, DuplicateDocument):
                if self.confirm_duplicate(error):
                    self._run(replace(draft, allow_duplicate=True))
                else:
                    self.status.setText("Không đăng ký lại.")
                return
            if isinstance(error, SavedAsDraft):
                self._draft_saved()
                return
            if isinstance(error, NumberingLeaseNotHeld):
                if self.confirm_draft(error):
                    self._save_draft(draft)
                return
            field = getattr(error, "field", None)
            if isinstance(error, ClerkError) and isinstance(field, str):
                row = self.rows.get(field) or self.rows.get(field.removesuffix("_code"))
                if row is not None:
                    self._show_problems(
                        {
                            field if field in self.rows else field.removesuffix("_code"): describe(
                                error
                            ).one_line()
                        }
                    )
                    return
            presenter.present(error, self)

        run_in_background(lambda: self._register(draft), done, failed, owner=self)

    def _register(self, draft: Any) -> Any:
        """On a desk connected to the server, the number comes from the server inside the
        registration (or from this desk as lease holder when the server cannot be reached);
        a desk on its own numbers locally."""
        from sync import online

        got = online.register_connected(self.workspace.data_dir, draft)
        if got is None:
            return self.call_core(draft)
        if got.number is None:
            raise online.SavedAsDraft(got.document_id)
        document = self.workspace.document(got.document_id)
        return Registered(
            document,
            Change(
                "register",
                document_ids=(document.summary.id,),
                register_ids=(document.summary.register_id,),
            ),
        )

    def confirm_draft(self, error: NumberingLeaseNotHeld) -> bool:
        """Another desk numbers this register: offer a draft that the server will number."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Bàn này không giữ quyền cấp số")
        box.setText("Lưu văn bản thành dự thảo để máy chủ trung tâm cấp số khi đồng bộ?")
        box.setInformativeText(
            describe(error).what + " Dự thảo có dấu «chưa có số», không được in số lên văn bản."
        )
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        return box.exec() == QMessageBox.StandardButton.Yes

    def _save_draft(self, draft: Any) -> None:
        from sync.engine import DeskSync

        data_dir = self.workspace.data_dir
        is_incoming = isinstance(draft, IncomingDraft)

        def work() -> str:
            with DeskSync(data_dir) as desk:
                if is_incoming:
                    return desk.draft_incoming(draft)
                return desk.draft_outgoing(draft)

        def done(_draft_id: object) -> None:
            self._draft_saved()

        def failed(error: BaseException) -> None:
            presenter.present(error, self)

        self.status.setText("Đang lưu dự thảo…")
        run_in_background(work, done, failed, owner=self)

    def _draft_saved(self) -> None:
        self.drafts_saved += 1
        self.status.setText(
            "Đã lưu dự thảo, CHƯA CÓ SỐ: máy chủ sẽ cấp số khi đồng bộ. Không ghi số lên "
            "văn bản giấy. Xem số được cấp ở Đồng bộ › Bản nháp…"
        )
        self.reset_fields()

    def confirm_duplicate(self, error: DuplicateDocument) -> bool:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Văn bản đã đăng ký")
        box.setText(
            f"Văn bản này đã đăng ký với số đến {error.existing_number}/{error.existing_year}. "
            "Vẫn đăng ký lại?"
        )
        info = describe(error).what
        try:
            existing = self.workspace.document(error.existing_id).summary
            info += (
                f"\n\nVăn bản đã có: {fmt.type_and_subject(existing)} — {existing.issuer}"
                + (f", {existing.reference}" if existing.reference else "")
                + f", ngày đến {fmt.day(existing.received_at)}."
            )
        except Exception:  # the question still stands without the details
            pass
        box.setInformativeText(info)
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        return box.exec() == QMessageBox.StandardButton.Yes

    def _finished(self, result: Registered) -> None:
        self.last_result = result
        self._set_state("done")
        self.journal_now()  # registered: nothing unfinished is left
        headline, detail = self.describe_result(result)
        self.banner_number.setText(headline)
        self.banner_detail.setText(detail)
        self.status.setText("Ctrl+Enter: đăng ký văn bản tiếp theo · Esc: đóng")
        self.submit_button.setFocus()
        self.registered.emit(result)

    def describe_result(self, result: Registered) -> tuple[str, str]:
        raise NotImplementedError

    def short_result(self, result: Registered) -> str:
        return fmt.document_title(result.document.summary)

    def start_next(self) -> None:
        """Clear the form for the next document, keeping what usually repeats.

        In a scan batch the next document of the batch comes instead of a blank form.
        """
        if self.next_document is not None and self.next_document():
            return
        self._clear_for_next()

    def load_document(self, files: Sequence[Path], extraction: Any) -> None:
        """The next document of a scan batch: its PDF, and page 1's fields when read."""
        self._clear_for_next()
        self.add_files(files)
        prefill = getattr(self, "prefill", None)
        if extraction is not None and prefill is not None:
            prefill(extraction)
        self.mark_untouched()

    def _clear_for_next(self) -> None:
        self.reset_fields()
        self.file_list.clear()
        self._file_errors.clear()
        self._file_pages.clear()
        self.files_error.hide()
        self.preview.clear()
        self.clear_errors()
        self._set_state("editing")
        self.status.setText(
            "" if self.last_result is None else f"Vừa xong: {self.short_result(self.last_result)}"
        )
        self.first_editor.setFocus()
        self.mark_untouched()

    def reset_fields(self) -> None:
        raise NotImplementedError

    def _set_state(self, state: str) -> None:
        self.state = state
        editing = state == "editing"
        for row in self.rows.values():
            row.editor.setEnabled(editing)
        self.file_list.setEnabled(state != "working")
        self.add_file_button.setEnabled(editing)
        self.remove_file_button.setEnabled(editing)
        self.banner.setVisible(state == "done")
        self.close_button.setEnabled(state != "working")
        self.submit_button.setText(
            "Đăng ký văn bản tiếp (Ctrl+Enter)"
            if state == "done"
            else self.SUBMIT_TEXT + " (Ctrl+Enter)"
        )
        self._update_buttons()

    def _update_buttons(self) -> None:
        blocked = self.state == "working" or (
            self.state == "editing" and self.secrecy_level is not None
        )
        self.submit_button.setEnabled(not blocked)

    def reject(self) -> None:
        if self.state == "working":
            return  # the number is being issued; closing now would hide it
        self._journal_timer.stop()
        if not self._keep_unfinished:  # the desk closing keeps it (written by `discard`)
            self.unfinished.discard(self.form_id)  # the clerk closed it (and said so)
        super().reject()

    def close_asking(self) -> None:
        """Esc, «Đóng» or the window's ×: typed work is never thrown away without asking.

        A close by the program (the desk shutting down) does not ask.
        """
        if self._may_close():
            self.reject()

    def _may_close(self) -> bool:
        return not (
            self.state == "editing" and self.has_typed_content() and not self.confirm_discard()
        )

    def keyPressEvent(self, event: Any) -> None:
        if event.key() == Qt.Key.Key_Escape and event.modifiers() in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.KeypadModifier,
        ):
            self.close_asking()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: Any) -> None:
        if event.spontaneous() and self.state != "working" and not self._may_close():
            event.ignore()
            return
        super().closeEvent(event)

    def discard(self) -> None:
        """Close without asking (the desk is closing); typed work stays on disk and is
        offered back at the next start."""
        self._keep_unfinished = True
        self.journal_now()
        self._untouched = self._values()
        self.close()

    def confirm_discard(self) -> bool:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Bỏ phiếu đang nhập?")
        box.setText("Phiếu đăng ký có nội dung chưa đăng ký. Đóng phiếu và bỏ nội dung đã nhập?")
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.button(QMessageBox.StandardButton.Yes).setText("Bỏ nội dung, đóng phiếu")
        box.button(QMessageBox.StandardButton.No).setText("Tiếp tục nhập")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        return box.exec() == QMessageBox.StandardButton.Yes


def _checked_bytes(path: Path) -> bytes:
    """The file's bytes after the core's checks: a broken file says what is wrong with it."""
    from clerk_app.files import intake

    return bytes(intake.prepare(path).data)


def today() -> date:
    """Today in Vietnam, whatever the machine's time zone."""
    return vietnam_date(datetime.now(UTC))


def _required(problems: dict[str, str], field: str, value: str, what: str) -> None:
    if not value:
        problems[field] = f"Chưa nhập {what}."


def _date_problem(problems: dict[str, str], field: str, editor: DateField) -> date | None:
    try:
        value = editor.value()
    except fmt.DateText as error:
        problems[field] = str(error)
        return None
    if value is not None and value > today():
        problems[field] = (
            f"Ngày {fmt.day(value)} nằm trong tương lai; kiểm tra lại ngày trên văn bản."
        )
    return value


class IncomingForm(RegistrationForm):
    """Registers an incoming document (văn bản đến) and shows its arrival number."""

    TITLE = "Đăng ký văn bản đến"
    KIND = "incoming"
    SUBMIT_TEXT = "Đăng ký, cấp số đến"

    def build_fields(self) -> None:
        self.issuer = self.add_row(
            "issuer", "Tác giả (cơ quan ban hành)", QLineEdit(), required=True
        )
        self.issuer.setPlaceholderText("Ví dụ: Sở Tài chính tỉnh Phú Yên")
        self.reference = self.add_row("reference", "Số và ký hiệu", QLineEdit())
        self.reference.setPlaceholderText("Ví dụ: 123/QĐ-UBND")
        self.issued_on = self.add_row("issued_on", "Ngày tháng văn bản", DateField())
        self.doc_type = self.add_row(
            "doc_type", "Tên loại văn bản", _combo(DOC_TYPES, editable=True), required=True
        )
        self.subject = self.add_row(
            "subject", "Trích yếu nội dung", QPlainTextEdit(), required=True
        )
        self.subject.setTabChangesFocus(True)
        self.subject.setFixedHeight(72)
        self.subject.setPlaceholderText("Về việc …")
        self.urgency = self.add_row(
            "urgency", "Độ khẩn", _combo(tuple(reversed(URGENCY_LEVELS)), current=NORMAL_URGENCY)
        )
        self.secrecy = self.add_row("secrecy", "Độ mật", _combo(SECRECY_CHOICES))
        self.source_channel = self.add_row("source_channel", "Nguồn nhận", _combo(SOURCE_CHANNELS))
        self.source_channel.currentTextChanged.connect(self._channel_changed)
        self.pages = self.add_row("pages", "Số trang", QSpinBox())
        self.pages.setRange(0, 100_000)
        self.pages.setSpecialValueText("—")
        self.pages.setMaximumWidth(120)
        self.has_paper = self.add_row("has_paper", "Bản giấy", QCheckBox("Có bản giấy gốc"))
        self.has_paper.setChecked(True)
        receivers = receivers_of(self.workspace)
        self.recipients = self.add_row(
            "recipients", "Đơn vị hoặc người nhận", _combo([r.name for r in receivers])
        )
        self.recipients.setEditable(True)
        self.recipients.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.recipients.setCurrentIndex(-1)
        line = self.recipients.lineEdit()
        if line is not None:
            line.installEventFilter(self._enter_filter)
            line.setPlaceholderText("Chuyển cho ai (có thể để sau): tên, mã đơn vị, không cần dấu")
            # The hand-over picker's rule: «phong tai chinh» or «TCKH» finds the unit.
            self.recipient_completer = ReceiverCompleter(receivers, self.recipients)
            self.recipient_completer.attach(line)
        self.notes = self.add_row("notes", "Ghi chú", QLineEdit())
        # A letter found in a pile, received before the last one registered: its real time of
        # receipt and the reason, which the register's Ghi chú shows (NĐ 30 art. 22.2).
        self.late = self.add_row(
            "late", "Đăng ký muộn", QCheckBox("Văn bản đến trước văn bản đã đăng ký sau cùng")
        )
        self.received_at = self.add_row("received_at", "Thời điểm đến thực tế", QDateTimeEdit())
        self.received_at.setDisplayFormat("HH:mm dd/MM/yyyy")
        self.received_at.setCalendarPopup(True)
        # Until «Đăng ký muộn» is ticked the field holds its minimum, shown blank: no made-up
        # moment (Qt's default is 00:00 01/01/2000) stands in a form the clerk reads.
        self.received_at.setMinimumDateTime(NO_LATE_TIME)
        self.received_at.setSpecialValueText(" ")
        self.late_reason = self.add_row("late_reason", "Lý do đăng ký muộn", QLineEdit())
        self.late_reason.setPlaceholderText("Ví dụ: thư để lẫn trong tập công văn khác")
        self.late.toggled.connect(self._late_toggled)
        self._late_toggled(False)
        arrival = QLabel("Ngày đến và số đến được cấp khi bấm Đăng ký.")
        arrival.setStyleSheet("color: #6c757d;")
        self.form.addRow("", arrival)

    def _channel_changed(self, channel: str) -> None:
        self.has_paper.setChecked(channel not in CHANNELS_WITHOUT_PAPER)

    def _late_toggled(self, late: bool) -> None:
        if late and not self.received_at.isEnabled():
            now = datetime.now(VIETNAM)
            self.received_at.setDateTime(
                QDateTime(QDate(now.year, now.month, now.day), QTime(now.hour, now.minute))
            )
        elif not late:
            self.received_at.setDateTime(NO_LATE_TIME)  # blank
        self.received_at.setEnabled(late)
        self.late_reason.setEnabled(late)

    def _late_values(self) -> tuple[datetime | None, str]:
        if not self.late.isChecked():
            return None, ""
        moment: datetime = self.received_at.dateTime().toPython()  # type: ignore[assignment]
        return moment.replace(tzinfo=VIETNAM), _text_of(self.late_reason)

    def files_from_clerk(self, paths: Sequence[Path]) -> None:
        """An electronic file: no paper original by default, and page 1 read like a scan."""
        if not paths:
            return
        self.source_channel.setCurrentText(ELECTRONIC_CHANNEL)  # unticks «Có bản giấy gốc»
        self.mark_untouched()
        first = paths[0]
        self.status.setText(f"Đang đọc {first.name}…")
        # Read here, on the thread that owns the desk's database; the reading runs in the back.
        known = self.workspace.known_issuers()

        def work() -> Any:
            from scanner.electronic import read_electronic

            return read_electronic(first, known_issuers=known)

        def done(extraction: Any) -> None:
            if self.state != "editing" or self.has_typed_content():
                self.status.setText(f"Đã đọc {first.name}; các trường đã nhập giữ nguyên.")
                return
            to_check = self.prefill(extraction)
            self.status.setText(
                f"Đã điền từ {first.name}" + ("; kiểm tra các trường tô vàng." if to_check else ".")
            )

        def failed(error: BaseException) -> None:
            # The file's own problem is already shown under the file list (the same check).
            self.status.setText(f"Không đọc được {first.name}: " + describe(error).what)

        run_in_background(work, done, failed, owner=self)

    def _suggest_pages(self) -> None:
        if self.pages.value() == 0 and self._file_pages:
            self.pages.setValue(sum(self._file_pages.values()))
            if self._untouched.get("pages") == 0:
                self._untouched["pages"] = self.pages.value()  # counted, not typed

    def validate(self) -> dict[str, str]:
        problems: dict[str, str] = {}
        _required(problems, "issuer", _text_of(self.issuer), "tác giả (cơ quan ban hành)")
        issued = _date_problem(problems, "issued_on", self.issued_on)
        _required(problems, "doc_type", _text_of(self.doc_type), "tên loại văn bản")
        _required(problems, "subject", _text_of(self.subject), "trích yếu nội dung")
        if issued is not None and "issued_on" not in problems and issued.year < 1945:
            problems["issued_on"] = "Ngày văn bản quá xa; kiểm tra lại năm."
        if self.late.isChecked():
            _required(problems, "late_reason", _text_of(self.late_reason), "lý do đăng ký muộn")
        return problems

    def make_draft(self) -> IncomingDraft:
        return IncomingDraft(
            issuer=_text_of(self.issuer),
            reference=_text_of(self.reference),
            issued_on=self.issued_on.value(),
            doc_type=_text_of(self.doc_type),
            subject=_text_of(self.subject),
            urgency=self.urgency.currentText(),
            secrecy=self.secrecy_level,
            pages=self.pages.value() or None,
            has_paper=self.has_paper.isChecked(),
            source_channel=self.source_channel.currentText(),
            recipients=_text_of(self.recipients),
            notes=_text_of(self.notes),
            received_at=self._late_values()[0],
            late_reason=self._late_values()[1],
            files=tuple(self.files()),
        )

    def prefill(self, extraction: Any, check_below: float = CHECK_BELOW) -> list[str]:
        """Fill the fields read from page 1 of a scan; mark the ones the clerk must check.

        `extraction` is a `clerk_app.reading.Extraction`. Fields read with low confidence are
        filled but tinted, with a tooltip; fields read as nothing stay empty. Returns the
        names of the fields to check.
        """
        to_check: list[str] = []
        editors: dict[str, QWidget] = {
            "issuer": self.issuer,
            "reference": self.reference,
            "issued_on": self.issued_on,
            "doc_type": self.doc_type,
            "subject": self.subject,
            "urgency": self.urgency,
        }
        for name, editor in editors.items():
            reading = extraction.field(name)
            if reading.value in (None, ""):
                if name != "urgency":
                    to_check.append(name)
                continue
            _set_editor(editor, reading.value)
            if reading.confidence < check_below:
                to_check.append(name)
                editor.setStyleSheet(CHECK_STYLE)
                editor.setToolTip(
                    f"Đọc từ bản quét, độ tin cậy {reading.confidence:.0%}: kiểm tra lại."
                )
            else:
                editor.setToolTip(f"Đọc từ bản quét, độ tin cậy {reading.confidence:.0%}.")
        due = getattr(extraction, "urgency_due", None)
        if due is not None and due.value and not _text_of(self.notes):
            # «Hỏa tốc hẹn giờ»: the appointed time goes into the register's notes.
            self.notes.setText(timed_note(datetime.fromisoformat(str(due.value))))
            to_check.append("notes")
        self.mark_untouched()
        return to_check

    def call_core(self, draft: Any) -> Registered:
        result: Registered = self.workspace.register_incoming(draft)
        return result

    def describe_result(self, result: Registered) -> tuple[str, str]:
        s = result.document.summary
        headline = f"Đã đăng ký: số đến {s.number}/{s.year}"
        detail = (
            f"Ngày đến {fmt.moment(s.received_at)} · {s.issuer}"
            + (f" · {s.reference}" if s.reference else "")
            + f" · {fmt.type_and_subject(s)}"
        )
        if is_urgent(s.urgency):
            detail += f" · Độ khẩn: {s.urgency} — chuyển giao ngay."
        if result.document.fields.get("has_paper"):
            detail += (
                f"\nGhi «Số: {s.number}», «Ngày: {fmt.day(s.received_at)}» vào dấu ĐẾN trên "
                "bản giấy."
            )
        return headline, detail

    def reset_fields(self) -> None:
        for editor in (self.issuer, self.reference, self.issued_on, self.notes):
            editor.clear()
        self.subject.clear()
        self.doc_type.setCurrentIndex(-1)
        self.doc_type.setEditText("")
        self.recipients.setCurrentIndex(-1)
        self.recipients.setEditText("")
        self.urgency.setCurrentText(NORMAL_URGENCY)
        self.secrecy.setCurrentText(NO_SECRECY)
        self.pages.setValue(0)
        self._channel_changed(self.source_channel.currentText())
        self.late.setChecked(False)
        self.late_reason.clear()


class OutgoingForm(RegistrationForm):
    """Numbers an outgoing document (văn bản đi) and shows its number and symbol."""

    TITLE = "Đăng ký văn bản đi (cấp số)"
    KIND = "outgoing"
    SUBMIT_TEXT = "Cấp số văn bản đi"

    def build_fields(self) -> None:
        self.doc_type = self.add_row(
            "doc_type", "Tên loại văn bản", _combo(DOC_TYPES, editable=True), required=True
        )
        self.doc_type.currentTextChanged.connect(self._type_changed)
        self.subject = self.add_row(
            "subject", "Trích yếu nội dung", QPlainTextEdit(), required=True
        )
        self.subject.setTabChangesFocus(True)
        self.subject.setFixedHeight(72)
        self.subject.setPlaceholderText("Về việc …")
        self.unit = self.add_row("unit", "Đơn vị soạn thảo", QComboBox())
        self.unit.addItem("", "")
        for unit in self.workspace.units():
            self.unit.addItem(f"{unit.code} – {unit.name}", unit.code)
        people = self.workspace.people()
        self.signer = self.add_row(
            "signer",
            "Người ký",
            _combo([p.full_name for p in people], editable=True),
            required=True,
        )
        titles = {p.full_name: p.title for p in people}
        self.signer.currentTextChanged.connect(
            lambda name: self.signer.setToolTip(titles.get(name, ""))
        )
        self.recipients = self.add_row("recipients", "Nơi nhận", QPlainTextEdit(), required=True)
        self.recipients.setTabChangesFocus(True)
        self.recipients.setFixedHeight(56)
        self.recipients.setPlaceholderText("Ví dụ: Sở Tài chính; UBND các huyện, thị xã")
        self.issued_on = self.add_row("issued_on", "Ngày tháng văn bản", DateField())
        self.issued_on.set_value(today())
        self.qppl = self.add_row(
            "qppl",
            "Văn bản QPPL",
            QCheckBox("Văn bản quy phạm pháp luật (sổ riêng, số có năm: 11/2026/QĐ-UBND)"),
        )
        self.qppl.setEnabled(False)
        self.series = self.add_row("series", "Sổ văn bản đi", QComboBox())
        self.series.addItem("Tự động theo loại văn bản", None)
        for register in self._outgoing_registers():
            self.series.addItem(register.name or register.series, register.series)
        self.urgency = self.add_row(
            "urgency", "Độ khẩn", _combo(tuple(reversed(URGENCY_LEVELS)), current=NORMAL_URGENCY)
        )
        self.secrecy = self.add_row("secrecy", "Độ mật", _combo(SECRECY_CHOICES))
        self.electronic_only = self.add_row(
            "electronic_only", "Bản giấy", QCheckBox("Không gửi văn bản giấy (chỉ bản điện tử)")
        )
        self.copies = self.add_row("copies", "Số lượng bản", QSpinBox())
        self.copies.setRange(1, 10_000)
        self.copies.setMaximumWidth(120)
        self.file_copy_holder = self.add_row(
            "file_copy_holder", "Đơn vị, người nhận bản lưu", QLineEdit()
        )
        self.file_copy_holder.setText("Văn thư")
        self.notes = self.add_row("notes", "Ghi chú", QLineEdit())

    def _outgoing_registers(self) -> list[Any]:
        try:
            return [r for r in self.workspace.registers() if r.kind == "outgoing"]
        except ClerkError:
            return []

    def _type_changed(self, text: str) -> None:
        row = self.rows.get("unit")
        if row is None:
            return
        needs_unit = canonical_doc_type(text) in TYPES_WITHOUT_ABBREVIATION
        qppl = getattr(self, "qppl", None)
        if qppl is not None:
            # Only Nghị quyết and Quyết định can be legal-normative (clerk_app/numbering.py).
            can_be_qppl = canonical_doc_type(text) in QPPL_TYPES
            qppl.setEnabled(can_be_qppl)
            if not can_be_qppl:
                qppl.setChecked(False)
        label = self.form.labelForField(row)
        if isinstance(label, QLabel):
            label.setText("Đơn vị soạn thảo *" if needs_unit else "Đơn vị soạn thảo")

    def validate(self) -> dict[str, str]:
        problems: dict[str, str] = {}
        doc_type = _text_of(self.doc_type)
        _required(problems, "doc_type", doc_type, "tên loại văn bản")
        if doc_type and canonical_doc_type(doc_type) is None:
            problems["doc_type"] = (
                f"«{doc_type}» không phải tên loại văn bản theo Phụ lục III Nghị định 30; "
                "chọn trong danh sách."
            )
        _required(problems, "subject", _text_of(self.subject), "trích yếu nội dung")
        needs_unit = canonical_doc_type(doc_type) in TYPES_WITHOUT_ABBREVIATION
        if needs_unit and not self.unit.currentData():
            problems["unit"] = "Công văn cần đơn vị soạn thảo (ký hiệu dạng 45/UBND-VP)."
        _required(problems, "signer", _text_of(self.signer), "người ký")
        _required(problems, "recipients", _text_of(self.recipients), "nơi nhận")
        _date_problem(problems, "issued_on", self.issued_on)
        return problems

    def make_draft(self) -> OutgoingDraft:
        return OutgoingDraft(
            doc_type=canonical_doc_type(_text_of(self.doc_type)) or _text_of(self.doc_type),
            subject=_text_of(self.subject),
            signer=_text_of(self.signer),
            recipients=_text_of(self.recipients),
            issued_on=self.issued_on.value(),
            unit_code=self.unit.currentData() or None,
            urgency=self.urgency.currentText(),
            secrecy=self.secrecy_level,
            electronic_only=self.electronic_only.isChecked(),
            copies=self.copies.value(),
            file_copy_holder=_text_of(self.file_copy_holder),
            notes=_text_of(self.notes),
            series=self.series.currentData(),
            qppl=self.qppl.isChecked(),
            files=tuple(self.files()),
        )

    def call_core(self, draft: Any) -> Registered:
        result: Registered = self.workspace.register_outgoing(draft)
        return result

    def describe_result(self, result: Registered) -> tuple[str, str]:
        s = result.document.summary
        headline = f"Đã cấp số: {s.reference or s.number_label}"
        detail = f"Ngày {fmt.day(s.issued_on)} · {fmt.type_and_subject(s)} · Người ký: {s.signer}"
        return headline, detail

    def reset_fields(self) -> None:
        self.subject.clear()
        self.recipients.clear()
        self.notes.clear()
        self.doc_type.setCurrentIndex(-1)
        self.doc_type.setEditText("")
        self.issued_on.set_value(today())
        self.urgency.setCurrentText(NORMAL_URGENCY)
        self.secrecy.setCurrentText(NO_SECRECY)
        self.electronic_only.setChecked(False)
        self.qppl.setChecked(False)
        self.copies.setValue(1)


def open_form(
    kind: str,
    workspace: Any,
    parent: QWidget | None,
    on_registered: Callable[[Registered], None],
    files: Sequence[Path] = (),
) -> RegistrationForm:
    """Create, wire and show (non-blocking) the registration dialog for `kind`."""
    form_class = IncomingForm if kind == "incoming" else OutgoingForm
    form = form_class(workspace, parent, files)
    form.registered.connect(on_registered)
    form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    form.show()
    return form
