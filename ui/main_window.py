"""The clerk desk's main window: navigation, screens, detail, menus, shortcuts; no business rules."""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QProgressDialog,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from clerk_app import lifecycle
from clerk_app.errors import ClerkError
from clerk_app.messages import describe
from clerk_app.records import Change, Registered
from ui import errors as presenter
from ui import formatting as fmt
from ui.detail import DetailPane
from ui.pages import DocumentTable, PendingPage, RegisterPage, SearchPage
from ui.registration_form import FILE_FILTER, RegistrationForm, open_form
from ui.workers import run_in_background

PAGE_INCOMING, PAGE_OUTGOING, PAGE_PENDING, PAGE_SEARCH = range(4)
NAV_LABELS = ("Văn bản đến", "Văn bản đi", "Chưa chuyển giao", "Tìm kiếm")
DETAIL_DELAY_MS = 120
# Where the clerk's login shown in the window comes from (ClerkLogin.source).
CLERK_SOURCES = {
    "server": "tài khoản máy chủ văn thư",
    "desk": "tên đăng nhập trên máy này",
    "computer": "tài khoản của máy tính",
}
MAINTENANCE_TICK_MS = 30_000
log = logging.getLogger(__name__)
ACCEPTED_SUFFIXES = {".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff"}
FULL_SIZE = QSize(1480, 900)
TITLE_BAR = 32
# Below the full width (the 1366×768 screens common in offices) the side bar and the detail
# narrow and the registers' columns take these widths, so the recipient, hand-over date and
# urgency columns stay on screen; the clerk can still widen any column.
NARROW_SIDE = 190  # «Chưa chuyển giao (12)» still fits
NARROW_DETAIL = 320
NARROW_COLUMNS = {
    "Ngày đến": 82,  # «07/12/2026» whole, not «07/12/20…»
    "Số đến": 68,  # «1234» beside the urgency dot, and its own header, whole
    "Tác giả": 90,
    "Số và ký hiệu": 86,
    "Ngày tháng VB": 82,
    "Tên loại và trích yếu nội dung": 120,
    "Đơn vị hoặc người nhận": 104,
    "Người ký": 110,
    "Nơi nhận": 120,
    "Ngày chuyển": 80,
    "Độ khẩn": 104,  # «Thượng khẩn» whole, not «Thượn…»
}

NAV_STYLE = """
QListWidget#nav { background: #1f3a5f; color: #e9eef5; border: none; font-size: 14px;
                  outline: 0; padding-top: 8px; }
QListWidget#nav::item { padding: 10px 14px; border-left: 4px solid transparent; }
QListWidget#nav[narrow="true"] { font-size: 13px; }
QListWidget#nav[narrow="true"]::item { padding: 10px 2px 10px 10px; }
QListWidget#nav::item:selected { background: #2d5286; color: #ffffff;
                                 border-left: 4px solid #ffc107; }
QListWidget#nav::item:hover:!selected { background: #27476f; }
"""


class TextDialog(QDialog):
    """A small Vietnamese dialog asking for one value (receiver, reason)."""

    def __init__(
        self,
        parent: QWidget | None,
        title: str,
        label: str,
        *,
        choices: Sequence[str] = (),
        explanation: str = "",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        if explanation:
            text = QLabel(explanation)
            text.setWordWrap(True)
            layout.addWidget(text)
        form = QFormLayout()
        if choices:
            combo = QComboBox()
            combo.setEditable(True)
            combo.addItems(list(choices))
            combo.setCurrentIndex(-1)
            self.editor: QComboBox | QLineEdit = combo
        else:
            self.editor = QLineEdit()
        form.addRow(label, self.editor)
        layout.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def value(self) -> str:
        if isinstance(self.editor, QComboBox):
            return self.editor.currentText().strip()
        return self.editor.text().strip()


class MainWindow(QMainWindow):
    """Wires the screens to the Workspace and refreshes them from each use case's Change."""

    def __init__(self, workspace: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.agency = workspace.agency()
        self.setWindowTitle(f"{self.agency.name} — Văn thư")
        self.setAcceptDrops(True)
        self.open_forms: list[RegistrationForm] = []
        self.scan_window: Any = None
        self.last_slip: Path | None = None  # the newest hand-over slip written from here

        self.incoming = RegisterPage(workspace, "incoming")
        self.outgoing = RegisterPage(workspace, "outgoing")
        self.pending = PendingPage(workspace)
        self.search = SearchPage(workspace)
        self.pages: list[QWidget] = [self.incoming, self.outgoing, self.pending, self.search]
        self.stack = QStackedWidget()
        for page in self.pages:
            self.stack.addWidget(page)

        self.nav = QListWidget()
        self.nav.setObjectName("nav")
        self.nav.setStyleSheet(NAV_STYLE)
        self.nav.setFixedWidth(210)
        self.nav.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # The labels fit the narrow side bar; the items' padding must not bring a scroll bar.
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.nav.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.nav.setTextElideMode(Qt.TextElideMode.ElideRight)
        for label in NAV_LABELS:
            QListWidgetItem(label, self.nav)
        self.nav.currentRowChanged.connect(self.show_page)

        self.detail = DetailPane(workspace)
        self.detail.hand_over_requested.connect(self.hand_over)
        self.detail.attach_requested.connect(self.attach_files)
        self.detail.cancel_requested.connect(self.cancel_document)
        self.detail.verify_file_requested.connect(self.verify_file)
        self.detail.issue_requested.connect(self.issue_document)
        self.outgoing.issue_button.clicked.connect(self._issue_current)

        self.splitter = QSplitter()
        self.splitter.addWidget(self.stack)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([1000, 470])
        self.splitter.setChildrenCollapsible(False)

        agency_box = QLabel(
            f"<div style='color:#ffffff; font-weight:700; font-size:15px'>{html.escape(self.agency.name)}</div>"
            + (
                f"<div style='color:#b8c7db'>{html.escape(self.agency.parent_name)}</div>"
                if self.agency.parent_name
                else ""
            )
            + "<div style='color:#ffc107; margin-top:8px; font-size:11px'>"
            "BÀN LÀM VIỆC VĂN THƯ</div>"
        )
        agency_box.setWordWrap(True)
        agency_box.setContentsMargins(14, 14, 10, 10)
        side = QWidget()
        side.setObjectName("side")
        side.setStyleSheet("QWidget#side { background: #1f3a5f; }")
        side.setFixedWidth(210)
        self.side = side
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.setSpacing(0)
        side_layout.addWidget(agency_box)
        side_layout.addWidget(self.nav, 1)
        # Who works here: the clerk's own login (the server account of a connected desk), the
        # same name in the side panel and the status bar; never the computer's account alone.
        self.who = QLabel()
        self.who.setObjectName("clerkLogin")
        self.who.setWordWrap(True)
        self.who.setStyleSheet("color: #b8c7db; padding: 10px 14px;")
        side_layout.addWidget(self.who)

        central = QSplitter()
        central.addWidget(side)
        central.addWidget(self.splitter)
        central.setStretchFactor(1, 1)
        central.setHandleWidth(1)
        central.setChildrenCollapsible(False)
        self.setCentralWidget(central)

        self.register_count = QLabel()
        self.pending_count = QLabel()
        folder = str(workspace.data_dir)
        shown = folder if len(folder) <= 48 else "…" + folder[-47:]
        self.data_dir_label = QLabel(f"Dữ liệu: {shown}")
        self.data_dir_label.setStyleSheet("color: #6c757d;")
        self.data_dir_label.setToolTip(folder)
        self.clerk_label = QLabel()
        self.clerk_label.setObjectName("statusClerk")
        self.show_clerk()
        bar = self.statusBar()
        bar.addWidget(self.clerk_label)
        bar.addWidget(QLabel("·"))
        bar.addWidget(self.register_count)
        bar.addWidget(QLabel("·"))
        bar.addWidget(self.pending_count)
        bar.addPermanentWidget(self.data_dir_label)

        self.detail_timer = QTimer(self)
        self.detail_timer.setSingleShot(True)
        self.detail_timer.setInterval(DETAIL_DELAY_MS)
        self.detail_timer.timeout.connect(self._show_pending_detail)
        self._detail_wanted: str | None = None
        for table in self.tables():
            table.current_document.connect(self._current_document_changed)
            table.open_document.connect(self.open_detail)
        for page in (self.incoming, self.outgoing, self.pending):
            page.counts_changed.connect(self.update_status)
        self.search.results_changed.connect(self.update_status)
        self.pending.hand_over_button.clicked.connect(self._hand_over_current)

        self._build_menus()
        # Deadlines are checked every 15 minutes, as a clerk would glance at the follow-up list.
        self.deadline_timer = QTimer(self)
        self.deadline_timer.setInterval(15 * 60 * 1000)
        self.deadline_timer.timeout.connect(self.check_deadlines)
        self.deadline_timer.start()
        # Database upkeep waits for a quiet spell so it never delays a registration's commit.
        self._writes_at_last_tick = 0
        self.maintenance_timer = QTimer(self)
        self.maintenance_timer.setInterval(MAINTENANCE_TICK_MS)
        self.maintenance_timer.timeout.connect(self.maintain_when_quiet)
        self.maintenance_timer.start()
        self.sync_runner = self._start_sync()
        from ui.watch_panel import WatchedFolderDesk

        self.watched_folder = WatchedFolderDesk(
            self, workspace.data_dir, self.register_scanned, workspace.known_issuers()
        )
        self.refresh()
        self.nav.setCurrentRow(PAGE_INCOMING)
        screen = self.screen()
        available = screen.availableGeometry().size() if screen is not None else FULL_SIZE
        self.fit_to(available)
        # Forms left unfinished by a crash, a kill or Ctrl+Q come back once the window shows.
        QTimer.singleShot(0, self, self.offer_unfinished_forms)

    # --- structure -----------------------------------------------------------------------------

    def tables(self) -> list[DocumentTable]:
        return [self.incoming.table, self.outgoing.table, self.pending.table, self.search.table]

    def sizeHint(self) -> QSize:
        return FULL_SIZE

    def fit_to(self, available: QSize) -> None:
        """Open no larger than the screen (the status bar stays on it); narrow on small ones."""
        width = min(FULL_SIZE.width(), available.width())
        # The window's title bar is not part of its height: leave room for it.
        height = min(FULL_SIZE.height(), available.height() - TITLE_BAR)
        if width < FULL_SIZE.width():
            self.side.setFixedWidth(NARROW_SIDE)
            self.nav.setFixedWidth(NARROW_SIDE)
            self.nav.setProperty("narrow", True)  # «Chưa chuyển giao (35)» whole
            self.nav.setStyleSheet(NAV_STYLE)
            self.detail.setMinimumWidth(NARROW_DETAIL)
            for page in (self.incoming, self.outgoing):
                model = page.table.model()
                for i in range(model.columnCount()):
                    header = str(model.headerData(i, Qt.Orientation.Horizontal))
                    if header in NARROW_COLUMNS:
                        page.table.setColumnWidth(i, NARROW_COLUMNS[header])
            self.splitter.setSizes([width - NARROW_SIDE - NARROW_DETAIL, NARROW_DETAIL])
        self.resize(width, height)

    def _action(self, menu: Any, text: str, shortcut: str | None, slot: Any) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        self.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        documents = bar.addMenu("&Văn bản")
        self.action_incoming = self._action(
            documents, "Đăng ký văn bản &đến…", "Ctrl+N", lambda: self.register("incoming")
        )
        self.action_outgoing = self._action(
            documents,
            "Đăng ký văn bản đi (cấp &số)…",
            "Ctrl+Shift+N",
            lambda: self.register("outgoing"),
        )
        documents.addSeparator()
        self.action_open = self._action(documents, "Mở chi tiết\tEnter", None, self._open_current)
        self.action_attach = self._action(
            documents, "Đính &kèm tệp…", "Ctrl+O", self._attach_current
        )
        self.action_hand_over = self._action(
            documents, "&Chuyển giao…", "Ctrl+G", self._hand_over_current
        )
        self.action_cancel = self._action(documents, "&Hủy văn bản…", None, self._cancel_current)
        self.action_scan = self._action(
            documents, "&Quét văn bản đến…", "Ctrl+Shift+S", self.open_scanner
        )
        self.action_watch = self._action(
            documents, "Thư mục &nhận bản quét…", None, lambda: self.watched_folder.choose()
        )
        self.action_instruct = self._action(
            documents, "Nhập ý kiến chỉ đạo (&bút phê)…", "Ctrl+I", self.open_instructions
        )
        self.action_follow_up = self._action(
            documents, "Th&eo dõi, đôn đốc…", "Ctrl+T", self.open_follow_up
        )
        self.action_paper_handover = self._action(
            documents, "Chuyển giao bản &giấy, ký nhận…", "Ctrl+Shift+G", self.open_paper_handover
        )
        self.action_tasks = self._action(
            documents, "Nhiệm vụ cấp t&rên giao…", "Ctrl+Shift+T", self.open_tasks
        )
        self.action_sign = self._action(
            documents, "Ký số cơ q&uan…", "Ctrl+Shift+K", self._sign_current
        )
        self.action_stamp = self._action(
            documents, "Đóng &dấu đến lên bản quét", "Ctrl+D", self._stamp_current
        )
        self.action_issue = self._action(
            documents, "&Phát hành văn bản đi…", "Ctrl+Shift+P", self._issue_current
        )
        self.action_verify = self._action(documents, "Kiể&m tra chữ ký…", None, self.verify_pdf)
        documents.addSeparator()
        self.action_print = self._action(
            documents, "&In sổ đăng ký…", "Ctrl+P", self.print_register
        )
        self.action_report = self._action(documents, "&Thống kê…", None, self.write_report)
        documents.addSeparator()
        self._action(documents, "Th&oát", "Ctrl+Q", self.close)

        signatures = bar.addMenu("&Chữ ký số")
        signatures.addAction(self.action_sign)
        self.action_sign_scan = self._action(
            signatures, "Ký số &bản sao văn bản đến…", None, self._sign_scan_copy_current
        )
        signatures.addAction(self.action_verify)
        signatures.addSeparator()
        self.action_signing_settings = self._action(
            signatures, "&Cài đặt ký số…", None, self.open_signing_settings
        )

        view = bar.addMenu("&Xem")
        for i, label in enumerate(NAV_LABELS[:3]):
            self._action(view, label, f"Ctrl+{i + 1}", lambda i=i: self.nav.setCurrentRow(i))
        self.action_search = self._action(view, "&Tìm kiếm", "Ctrl+F", self.focus_search)
        view.addSeparator()
        self.action_refresh = self._action(view, "&Làm mới", "F5", self.refresh)

        sync_menu = bar.addMenu("Đồng &bộ")
        self.sync_menu = sync_menu
        self.action_connect = self._action(sync_menu, "&Kết nối máy chủ…", None, self.open_connect)
        sync_menu.addSeparator()
        self.action_leases = self._action(sync_menu, "&Quyền cấp số…", None, self.open_leases)
        self.action_drafts = self._action(sync_menu, "&Bản nháp…", None, self.open_drafts)
        self.action_conflicts = self._action(sync_menu, "&Xung đột…", None, self.open_conflicts)
        self.action_outage_report = self._action(
            sync_menu, "Biên bản &sự cố…", None, self.write_outage_report
        )
        sync_menu.addSeparator()
        self.action_exchange_inbox = self._action(
            sync_menu, "Văn bản đến đ&iện tử…", None, self.open_exchange_inbox
        )
        self.action_delivery = self._action(
            sync_menu, "Trạng thái gửi &liên thông…", None, self.open_delivery
        )
        sync_menu.addSeparator()
        self._action(sync_menu, "&Giờ làm việc…", None, self.open_office_hours)

        from ui.setup_wizard import add_settings_menu

        self.settings_menu, self.settings_actions, self.open_setting = add_settings_menu(
            self, self.workspace
        )
        help_menu = bar.addMenu("&Trợ giúp")
        self._action(help_menu, "&Phím tắt", "F1", self.show_shortcuts)
        self._action(help_menu, "&Giới thiệu", None, self.show_about)

    def show_page(self, index: int) -> None:
        if not 0 <= index < len(self.pages):
            return
        if self.nav.currentRow() != index:
            self.nav.setCurrentRow(index)
            return
        self.stack.setCurrentIndex(index)
        table = self.current_table()
        table.setFocus()
        summary = table.current_summary()
        self.detail.show_document(summary.id if summary else None)
        self.update_status()

    def current_table(self) -> DocumentTable:
        return self.tables()[self.stack.currentIndex()]

    def focus_search(self) -> None:
        self.show_page(PAGE_SEARCH)
        self.search.focus_query()

    # --- refreshing ----------------------------------------------------------------------------

    def refresh(self) -> None:
        """F5: re-read everything shown."""
        presenter.guarded(self._refresh_all, self)

    def _refresh_all(self) -> None:
        self.incoming.reload()
        self.outgoing.reload()
        self.pending.reload()
        if self.search.model.rowCount() or self.search.query.text():
            self.search.run_search()
        self.detail.reload()
        self.update_status()

    def apply_change(self, change: Change) -> None:
        """Refresh just what a use case says it changed."""

        def work() -> None:
            registers = set(change.register_ids)
            for page in (self.incoming, self.outgoing):
                shown = page.register
                if shown is None or shown.id in registers or change.action.startswith("register_"):
                    page.reload()
                elif change.document_ids:
                    page.model.invalidate()
            self.pending.reload()
            if self.search.model.rowCount():
                self.search.run_search()
            if self.detail.document_id in change.document_ids:
                self.detail.reload()
            self.update_status()

        presenter.guarded(work, self)

    def update_status(self) -> None:
        page = self.stack.currentIndex()
        if page in (PAGE_INCOMING, PAGE_OUTGOING):
            register = (self.incoming if page == PAGE_INCOMING else self.outgoing).register
            if register is None:
                self.register_count.setText("Chưa mở sổ")
            else:
                self.register_count.setText(
                    f"{register.name} năm {register.year}: {fmt.count(register.documents)} văn bản"
                )
        elif page == PAGE_SEARCH:
            self.register_count.setText(f"Kết quả: {fmt.count(self.search.model.rowCount())}")
        else:
            self.register_count.setText(f"Đang hiện {fmt.count(self.pending.model.rowCount())}")
        pending = self.pending.total
        self.pending_count.setText(f"Chưa chuyển giao: {fmt.count(pending)}")
        self.pending_count.setStyleSheet("color: #a4161a; font-weight: 600;" if pending else "")
        item = self.nav.item(PAGE_PENDING)
        if item is not None:
            item.setText(
                f"{NAV_LABELS[PAGE_PENDING]} ({fmt.count(pending)})"
                if pending
                else NAV_LABELS[PAGE_PENDING]
            )

    # --- detail --------------------------------------------------------------------------------

    def _current_document_changed(self, document_id: object) -> None:
        if self.sender() is not self.current_table():
            return
        self._detail_wanted = document_id if isinstance(document_id, str) else None
        self.detail_timer.start()

    def _show_pending_detail(self) -> None:
        if self._detail_wanted != self.detail.document_id or self._detail_wanted is None:
            self.detail.show_document(self._detail_wanted)

    def open_detail(self, document_id: str) -> None:
        """Enter / double-click: show this document now and move to its tabs."""
        self.detail_timer.stop()
        self.detail.show_document(document_id)
        self.detail.tabs.setFocus()

    def _open_current(self) -> None:
        summary = self.current_table().current_summary()
        if summary is not None:
            self.open_detail(summary.id)

    def _selected_id(self) -> str | None:
        if self.detail.document_id is not None:
            return self.detail.document_id
        summary = self.current_table().current_summary()
        return summary.id if summary else None

    # --- registering ---------------------------------------------------------------------------

    def register(
        self, kind: str, files: Sequence[Path] = (), *, scanned: bool = False
    ) -> RegistrationForm | None:
        """Ctrl+N / Ctrl+Shift+N (and dropped files): open the registration form.

        Dropped files are electronic ones and are read to fill the form; a scan of the desk
        comes with its fields already read (`scanned`).
        """
        form: RegistrationForm | None = None

        def make() -> None:
            nonlocal form
            form = open_form(kind, self.workspace, self, self._registered, files)
            self.open_forms.append(form)
            form.destroyed.connect(lambda _o=None, f=form: self._forget_form(f))
            if files and not scanned:
                form.files_from_clerk(list(files))

        presenter.guarded(make, self)
        return form

    def offer_unfinished_forms(self) -> QMessageBox | None:
        """The registration forms a previous session left (crash, kill, Ctrl+Q with typing in
        them): a question that does not block the window; «Mở lại» reopens each one filled."""
        from clerk_app.unfinished import UnfinishedForms

        store = UnfinishedForms(Path(self.workspace.data_dir))
        left = store.left()
        if not left:
            return None
        lines = []
        for saved in left:
            what = "Văn bản đến" if saved.kind == "incoming" else "Văn bản đi"
            gist = " — ".join(
                str(saved.values.get(k) or "")
                for k in ("issuer", "doc_type", "subject")
                if saved.values.get(k)
            )
            lines.append(
                f"• {what}: {html.escape(gist[:90]) or '(chưa nhập trích yếu)'}"
                f" (lưu lúc {fmt.moment(saved.saved_at)})"
            )
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Phiếu đăng ký chưa xong")
        box.setText(
            f"Lần làm việc trước còn {len(left)} phiếu đăng ký chưa xong (phần mềm bị đóng "
            "hoặc máy tắt khi đang nhập):<br>" + "<br>".join(lines)
        )
        box.setInformativeText("Mở lại để nhập tiếp và đăng ký?")
        reopen = box.addButton("Mở lại", QMessageBox.ButtonRole.AcceptRole)
        drop = box.addButton("Bỏ các phiếu này", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Để sau", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(reopen)

        def answered() -> None:
            chosen = box.clickedButton()
            if chosen is reopen:
                self.reopen_unfinished(left)
            elif chosen is drop:
                for saved in left:
                    store.discard(saved.id)

        box.finished.connect(lambda _result: answered())
        box.open()  # window-modal, not a nested event loop
        self.unfinished_offer = box
        return box

    def reopen_unfinished(self, left: Sequence[Any]) -> list[RegistrationForm]:
        opened = []
        for saved in left:
            form = self.register(saved.kind)
            if form is not None:
                form.restore(saved)
                opened.append(form)
        return opened

    def _forget_form(self, form: RegistrationForm) -> None:
        if form in self.open_forms:
            self.open_forms.remove(form)

    def _registered(self, result: Registered) -> None:
        import shiboken6

        if not shiboken6.isValid(self):
            return  # the window closed while the number was being issued: nothing to show
        self.apply_change(result.change)
        if self.sync_runner is not None:
            self.sync_runner.sync_now()  # send the new registration without waiting
        summary = result.document.summary
        page = self.incoming if summary.direction == "incoming" else self.outgoing
        if page.register is not None and page.register.id == summary.register_id:
            page.select_number(summary.number)
        if not shiboken6.isValid(self):
            return  # refreshing let the close go through (it runs queued events)
        self.statusBar().showMessage(f"Đã đăng ký {fmt.document_title(summary)}", 8000)

    def closeEvent(self, event: Any) -> None:
        for form in list(self.open_forms):
            if form.state == "working":
                event.ignore()  # a number is being issued; let it finish and show
                return
        for form in list(self.open_forms):
            form.discard()
        if self.scan_window is not None:
            import shiboken6

            if shiboken6.isValid(self.scan_window):
                self.scan_window.close_keeping()  # its pages stay to be offered next time
        if self.sync_runner is not None:
            self.sync_runner.stop(timeout=5.0)
        self.watched_folder.stop()
        super().closeEvent(event)

    def _start_sync(self) -> Any:
        """Sync in the background when this desk is connected to a server; show its state."""
        from sync.engine import DeskSync
        from sync.runner import SyncRunner
        from ui.outage_notice import OutageNotice, RecoveryWatch
        from ui.sync_status import SyncStatus

        data_dir = self.workspace.data_dir
        self.outage_notice = OutageNotice(self, data_dir)

        def connected() -> bool:
            with DeskSync(data_dir) as desk:
                return desk.state().connected

        if not presenter.guarded_value(connected, self):
            return None
        runner = SyncRunner(data_dir)
        runner.start()
        self.sync_status = SyncStatus(runner.state, self)
        self.sync_status.clicked.connect(
            lambda: self.sync_menu.popup(
                self.sync_status.mapToGlobal(self.sync_status.rect().topLeft())
            )
        )
        self.statusBar().addPermanentWidget(self.sync_status)
        # When the server answers again, say what happened meanwhile (KH&CN 2018 art. 5).
        self.recovery_watch = RecoveryWatch(runner.state, self)
        self.recovery_watch.recovered.connect(self.outage_notice.show_recovery)
        self.outage_notice.state = runner.state
        # Documents another desk registered (or the server numbered) appear without F5.
        self._received_seen = 0
        self.received_timer = QTimer(self)
        self.received_timer.setInterval(1000)
        self.received_timer.timeout.connect(self._refresh_when_received)
        self.received_timer.start()
        return runner

    def _refresh_when_received(self) -> None:
        if self.sync_runner is None:
            return
        received = self.sync_runner.state().received
        if received != self._received_seen:
            self._received_seen = received
            self.refresh()

    def show_clerk(self) -> None:
        """The clerk's login in the side panel and the status bar (one reading, one name)."""
        login = presenter.guarded_value(self.workspace.clerk_login, self)
        if login is None:
            return
        source = CLERK_SOURCES.get(login.source, "")
        station = html.escape(str(getattr(self.workspace, "station", "")))
        self.who.setText(
            "Người dùng"
            f"<div style='color:#ffffff; font-weight:700'>{html.escape(login.name)}</div>"
            f"<div style='font-size:11px'>{html.escape(source)}</div>"
            f"<div style='margin-top:4px'>Máy: {station}</div>"
        )
        self.who.setToolTip(source)
        self.clerk_label.setText(f"Người dùng: {login.name}")
        self.clerk_label.setToolTip(source)

    def open_connect(self) -> Any:
        """Connect this desk to the agency's server (or log in again) from the window."""
        from sync.engine import DeskSync
        from ui.connect_dialog import ConnectDialog

        data_dir = self.workspace.data_dir

        def make() -> ConnectDialog:
            with DeskSync(data_dir) as desk:
                state = desk.state()
            return ConnectDialog(
                data_dir, self, server_url=state.server_url, username=state.username
            )

        dialog = self._sync_dialog(make)
        if dialog is not None:
            dialog.connected.connect(self._desk_connected)
        return dialog

    def _desk_connected(self, _account: str) -> None:
        """The desk is connected: its account is who works here now, and sync starts."""
        self.workspace.reload_actor()
        self.show_clerk()
        if self.sync_runner is None:
            self.sync_runner = self._start_sync()
        else:
            self.sync_runner.sync_now()
        self.refresh()

    def write_outage_report(self, out: Path | None = None) -> None:
        """The incident report of the last outage this desk recorded, as PDF."""
        self.outage_notice.write_report(out)

    def open_leases(self) -> Any:
        from ui.sync_views import LeaseDialog

        return self._sync_dialog(lambda: LeaseDialog(self.workspace.data_dir, self))

    def open_drafts(self) -> Any:
        from ui.sync_views import DraftsDialog

        return self._sync_dialog(lambda: DraftsDialog(self.workspace.data_dir, self))

    def open_conflicts(self) -> Any:
        from ui.sync_views import ConflictsDialog

        return self._sync_dialog(lambda: ConflictsDialog(self.workspace, self))

    def open_office_hours(self) -> Any:
        from ui.sync_views import OfficeHoursDialog

        return self._sync_dialog(lambda: OfficeHoursDialog(self.workspace.data_dir, self))

    def open_exchange_inbox(self) -> Any:
        from ui.exchange_views import InboxDialog

        return self._sync_dialog(lambda: InboxDialog(self.workspace.data_dir, self))

    def open_delivery(self) -> Any:
        """Per recipient, where the selected outgoing document is at (liên thông)."""
        from ui.exchange_views import DeliveryDialog

        doc_id = self._selected_id()
        if doc_id is None:
            return None
        return self._sync_dialog(lambda: DeliveryDialog(self.workspace.data_dir, doc_id, self))

    def _sync_dialog(self, make: Any) -> Any:
        """Open a sync dialog (non-modal); a correction it writes refreshes the registers."""
        dialog = presenter.guarded_value(make, self)
        if dialog is None:
            return None
        if hasattr(dialog, "changed"):
            dialog.changed.connect(self.refresh)
            if self.sync_runner is not None:
                dialog.changed.connect(self.sync_runner.sync_now)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    # --- drag and drop -------------------------------------------------------------------------

    @staticmethod
    def _dropped_files(event: QDragEnterEvent | QDropEvent) -> list[Path]:
        data = event.mimeData()
        if not data.hasUrls():
            return []
        return [Path(u.toLocalFile()) for u in data.urls() if u.isLocalFile()]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dropped_files(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        files = self._dropped_files(event)
        if not files:
            event.ignore()
            return
        event.acceptProposedAction()
        self.register("incoming", files)

    # --- document actions ----------------------------------------------------------------------

    def _hand_over_current(self) -> None:
        chosen = self.current_table().selected_summaries()
        if len(chosen) > 1:
            self.hand_over_several([s.id for s in chosen])
            return
        document_id = self._selected_id()
        if document_id is None:
            self.statusBar().showMessage("Chọn một văn bản trước khi chuyển giao.", 5000)
            return
        self.hand_over(document_id)

    def hand_over_several(self, document_ids: Sequence[str]) -> None:
        """Ctrl+G on several selected rows: one picker, one line each in the handover log, and
        one slip listing them for the receiver to sign."""
        from clerk_app.instructions.handover import hand_over_several
        from clerk_app.instructions.secretary import Secretary
        from ui.handover_picker import HandoverPicker, receivers_of

        summaries = presenter.guarded_value(
            lambda: [self.workspace.document(d).summary for d in document_ids], self
        )
        if not summaries:
            return
        named = {str(getattr(s, "recipients", "") or "") for s in summaries}
        numbers = ", ".join(fmt.document_title(s) for s in summaries[:6])
        more = f" và {len(summaries) - 6} văn bản khác" if len(summaries) > 6 else ""
        dialog = HandoverPicker(
            self,
            receivers_of(self.workspace),
            # The registration's recipient when all of them name the same one.
            default=named.pop() if len(named) == 1 else "",
            what=f"Chuyển giao {len(summaries)} văn bản cho cùng một nơi nhận: {numbers}{more}",
        )
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        to = dialog.value()
        workspace = self.workspace
        ids = [s.id for s in summaries]

        def done(handed: Any) -> None:
            self.apply_change(handed.change)
            self.last_slip = handed.slip
            self.statusBar().showMessage(
                f"Đã chuyển giao {len(handed.entries)} văn bản cho {to}; "
                f"phiếu chuyển giao để ký nhận: {handed.slip}",
                15000,
            )

        run_in_background(
            lambda: hand_over_several(Secretary(workspace), ids, to),
            done,
            lambda error: presenter.present(error, self),
            owner=self,
        )

    def hand_over(self, document_id: str) -> None:
        """Ctrl+G: the picker, starting from the recipient named at registration."""
        from ui.handover_picker import HandoverPicker, receivers_of

        summary = presenter.guarded_value(
            lambda: self.workspace.document(document_id).summary, self
        )
        if summary is None:
            return
        dialog = HandoverPicker(
            self,
            receivers_of(self.workspace),
            default=str(getattr(summary, "recipients", "") or ""),
            what=f"{fmt.document_title(summary)}: {fmt.type_and_subject(summary)}",
        )
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        to = dialog.value()
        self._run_change(
            lambda: self.workspace.hand_over(document_id, to), f"Đã chuyển giao cho {to}."
        )

    def _cancel_current(self) -> None:
        document_id = self._selected_id()
        if document_id is not None:
            self.cancel_document(document_id)

    def cancel_document(self, document_id: str) -> None:
        dialog = TextDialog(
            self,
            "Hủy văn bản",
            "Lý do hủy:",
            explanation="Văn bản bị hủy vẫn giữ số trong sổ (số không được cấp lại); việc hủy "
            "được ghi vào lịch sử.",
        )
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        reason = dialog.value()
        self._run_change(lambda: self.workspace.cancel(document_id, reason), "Đã hủy văn bản.")

    def _attach_current(self) -> None:
        document_id = self._selected_id()
        if document_id is None:
            self.statusBar().showMessage("Chọn một văn bản để đính kèm tệp.", 5000)
            return
        self.attach_files(document_id)

    def attach_files(self, document_id: str, paths: Sequence[Path] | None = None) -> None:
        """Ctrl+O: the dialog and the result name the document the files go to."""
        title = presenter.guarded_value(
            lambda: fmt.document_title(self.workspace.document(document_id).summary), self
        )
        if title is None:
            return
        if paths is None:
            names, _ = QFileDialog.getOpenFileNames(
                self, f"Đính kèm tệp vào {title}", "", FILE_FILTER
            )
            paths = [Path(n) for n in names]
        if not paths:
            self.statusBar().showMessage(f"Không đính kèm tệp nào vào {title}.", 5000)
            return
        chosen = list(paths)
        self._run_change(
            lambda: self.workspace.attach_files(document_id, chosen),
            f"Đã đính kèm {len(chosen)} tệp vào {title}.",
            busy=f"Đang kiểm tra và lưu {len(chosen)} tệp vào {title}…",
        )

    def _stamp_current(self) -> None:
        document_id = self._selected_id()
        if document_id is None:
            self.statusBar().showMessage("Chọn một văn bản đến để đóng dấu.", 5000)
            return
        if not self._refused(document_id, lifecycle.STAMP_ARRIVAL):
            self.open_stamp_dialog(document_id)

    def _sign_current(self) -> None:
        document_id = self._selected_id()
        if document_id is None:
            self.statusBar().showMessage("Chọn một văn bản đã có chữ ký của lãnh đạo.", 5000)
            return
        if not self._refused(document_id, lifecycle.SIGN_AGENCY):
            self.sign_as_agency(document_id)

    def _issue_current(self) -> None:
        document_id = self._selected_id()
        if document_id is None:
            self.statusBar().showMessage("Chọn một văn bản đi đã cấp số để phát hành.", 5000)
            return
        self.issue_document(document_id)

    def _refused(self, document_id: str, action: str) -> bool:
        """The core's life-cycle rule asked before any dialog or PIN: a refusal is the core's
        Vietnamese message (a box, since the status bar may be below a small screen's edge,
        and the same line in the status bar), and nothing else opens."""
        try:
            lifecycle.require(lifecycle.facts_of(self.workspace.document(document_id)), action)
        except ClerkError as error:
            self.statusBar().showMessage(describe(error).one_line(), 10000)
            presenter.present(error, self)
            return True
        return False

    def issue_document(self, document_id: str) -> Any:
        """«Phát hành»: the page with its number and date, the PIN, the result (issued documents
        show their issued version)."""
        from ui.issue_dialog import IssueDialog

        detail = presenter.guarded_value(lambda: self.workspace.document(document_id), self)
        if detail is None:
            return None
        if detail.summary.direction != "outgoing":
            return self._refused(document_id, lifecycle.ISSUE)
        issued = lifecycle.state_of(lifecycle.facts_of(detail)) == lifecycle.ISSUED
        settings = self._signing_settings(ask=not issued)
        if settings is None:
            return None
        dialog = IssueDialog(self.workspace, document_id, settings, self)
        dialog.issued.connect(self.apply_change)
        dialog.issued.connect(
            lambda _change: self.statusBar().showMessage(
                "Đã phát hành; bản phát hành là một phiên bản mới của văn bản.", 6000
            )
        )
        dialog.open()
        return dialog

    def sign_as_agency(self, document_id: str) -> None:
        """The agency signature (NĐ 30 art. 32): token and seal from the desk's settings, asked
        once and saved; the PIN asked every time and never kept or retried."""
        from clerk_app.signing.desk import sign_for_agency
        from ui import signing_dialogs

        settings = self._signing_settings()
        if settings is None:
            return
        pin = signing_dialogs.ask_pin(settings.token_label or "USB ký số", parent=self)
        if pin is None:
            return
        chosen = settings
        self._run_change(
            lambda: sign_for_agency(self.workspace, document_id, pin, chosen),
            "Đã ký số cơ quan; bản đã ký là một phiên bản mới của văn bản.",
            busy="Đang ký số bằng USB ký số…",
        )

    def _signing_settings(self, *, ask: bool = True) -> Any:
        """The token and the seal image from the desk's settings, asked once (unless not
        `ask`) and saved; None when the clerk gives up."""
        from dataclasses import replace
        from functools import partial

        from clerk_app.signing.desk import load_settings, save_settings
        from ui import signing_dialogs

        data_dir = self.workspace.data_dir
        settings = presenter.guarded_value(lambda: load_settings(data_dir), self)
        if settings is None or not ask:
            return settings
        if not settings.pkcs11_module:
            chooser = signing_dialogs.TokenChooser(self)
            choice = chooser.choice() if chooser.exec() == QDialog.DialogCode.Accepted else None
            if choice is None:
                return None
            settings = replace(
                settings,
                pkcs11_module=choice.module,
                token_label=choice.token_label,
                certificate_label=choice.certificate_label,
            )
            presenter.guarded(partial(save_settings, data_dir, settings), self)
        if not settings.seal_image:
            path, _ = QFileDialog.getOpenFileName(
                self, "Chọn ảnh con dấu (PNG nền trong suốt, đúng kích thước thật)", "", "*.png"
            )
            if not path:
                return None
            settings = replace(settings, seal_image=path)
            presenter.guarded(partial(save_settings, data_dir, settings), self)
        return settings

    def _sign_scan_copy_current(self) -> None:
        document_id = self._selected_id()
        if document_id is None:
            self.statusBar().showMessage("Chọn một văn bản đến đã có bản quét.", 5000)
            return
        self.sign_scan_copy(document_id)

    def sign_scan_copy(self, document_id: str) -> Any:
        """The agency's signature on an incoming scan, as a new version; PIN asked each time."""
        from ui import signing_menu

        return signing_menu.sign_scan_copy(self, self.workspace, document_id, self.apply_change)

    def verify_pdf(self) -> Any:
        from ui import signing_menu

        return signing_menu.verify_pdf(self, self.workspace.data_dir)

    def verify_file(self, sha256: str, filename: str) -> Any:
        from ui import signing_menu

        return signing_menu.verify_document_file(self, self.workspace, sha256, filename)

    def open_signing_settings(self) -> Any:
        from ui import signing_menu

        return signing_menu.open_settings(self, self.workspace.data_dir)

    def open_stamp_dialog(self, document_id: str) -> Any:
        """Page 1 with the stamp's place; the clerk moves it if needed and stamps (Enter)."""
        from ui.stamp_dialog import StampDialog

        dialog: Any = None

        def make() -> None:
            nonlocal dialog
            dialog = StampDialog(self.workspace, document_id, self)
            dialog.accepted.connect(lambda: self.open_detail(document_id))
            dialog.accepted.connect(
                lambda: self.statusBar().showMessage(
                    "Đã đóng dấu đến lên một bản mới của bản quét; bản gốc giữ nguyên.", 6000
                )
            )
            dialog.open()

        presenter.guarded(make, self)
        return dialog

    def open_scanner(self, **screen_options: Any) -> Any:
        """The scanning desk (Ctrl+Shift+S), its own window; an unfinished batch is offered."""
        import shiboken6

        from ui.scan_window import ScanWindow

        window_open = self.scan_window is not None and shiboken6.isValid(self.scan_window)
        if window_open and self.scan_window.isVisible():
            self.scan_window.raise_()
            self.scan_window.activateWindow()
            return self.scan_window
        window = ScanWindow(
            self.workspace.data_dir / "scan-recovery",
            self.register_scanned,
            self,
            known_issuers=self.workspace.known_issuers(),
            **screen_options,
        )
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.scan_window = window
        window.show()
        window.offer_interrupted()
        return window

    def register_scanned(self, files: list[Path], extraction: Any) -> RegistrationForm | None:
        """Open the incoming form with the scanned PDF and the fields read from page 1."""
        form = self.register("incoming", files, scanned=True)
        prefill = getattr(form, "prefill", None)
        if prefill is not None:
            prefill(extraction)
        return form

    def open_instructions(self) -> Any:
        """The selected document, or else the pile not yet handed over (urgent first)."""
        from ui.instruction_screen import InstructionScreen

        selected = self._selected_id()
        pile = [selected] if selected else [d.id for d in self.workspace.pending_handover()]
        if not pile:
            self.statusBar().showMessage("Không có văn bản nào chờ ý kiến chỉ đạo.", 5000)
            return None
        screen = InstructionScreen(self.workspace, pile)
        screen.setParent(self, Qt.WindowType.Window)
        screen.saved.connect(lambda _id: self.refresh())
        screen.finished.connect(screen.close)
        screen.resize(1200, 800)
        screen.show()
        return screen

    def open_follow_up(self) -> Any:
        from ui.follow_up import FollowUpScreen

        screen = FollowUpScreen(self.workspace)
        screen.setParent(self, Qt.WindowType.Window)
        screen.setWindowTitle("Theo dõi, đôn đốc giải quyết văn bản")
        screen.changed.connect(self.refresh)
        screen.resize(1100, 700)
        screen.show()
        return screen

    def open_paper_handover(self) -> Any:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        from ui.handover_screen import HandoverScreen

        screen = HandoverScreen(self.workspace)
        screen.setParent(self, Qt.WindowType.Window)
        screen.changed.connect(self.refresh)
        # The slip goes to the system's PDF viewer to be printed for signatures.
        screen.slip_written.connect(lambda p: QDesktopServices.openUrl(QUrl.fromLocalFile(str(p))))
        screen.resize(1200, 800)
        screen.show()
        return screen

    def open_tasks(self) -> Any:
        from ui.task_screen import TaskScreen

        screen = TaskScreen(self.workspace)
        screen.setParent(self, Qt.WindowType.Window)
        screen.resize(1300, 800)
        screen.show()
        return screen

    def maintain_when_quiet(self) -> None:
        """Checkpoint and merge the index once no write happened for a whole tick."""
        writes = self.workspace.writes_since_maintenance()
        quiet = writes > 0 and writes == self._writes_at_last_tick
        self._writes_at_last_tick = writes
        if not quiet:
            return
        self._writes_at_last_tick = 0
        run_in_background(
            self.workspace.maintain,
            lambda _done: None,
            # Upkeep failing is not the clerk's to fix now; the next write would show the
            # same disk fault through the presenter with what to do.
            lambda error: log.warning("database upkeep failed: %s", error),
            owner=self,
        )

    def check_deadlines(self) -> None:
        """Raise due and overdue notices (each once) off the GUI thread; count them in the bar."""
        from clerk_app.instructions.secretary import Secretary

        def shown(notices: Any) -> None:
            if notices:
                self.statusBar().showMessage(
                    f"{len(notices)} việc sắp đến hạn hoặc quá hạn — mở Theo dõi (Ctrl+T).", 15000
                )

        run_in_background(
            lambda: Secretary(self.workspace).raise_notifications(),
            shown,
            lambda error: presenter.present(error, self),
            owner=self,
        )

    def print_register(self) -> None:
        from ui.print_register import PrintRegisterDialog

        PrintRegisterDialog(self.workspace, self).exec()

    def write_report(self) -> None:
        from ui.print_register import ReportDialog

        ReportDialog(self.workspace, self).exec()

    def _run_change(self, call: Any, done_text: str, busy: str = "") -> None:
        """Run a use case off the GUI thread, then refresh from its Change."""
        progress: QProgressDialog | None = None
        if busy:
            progress = QProgressDialog(busy, "", 0, 0, self)
            progress.setWindowTitle("Đang xử lý")
            progress.setCancelButton(None)
            progress.setMinimumDuration(400)
            progress.setWindowModality(Qt.WindowModality.WindowModal)

        def finish() -> None:
            if progress is not None:
                progress.close()

        def done(change: Any) -> None:
            finish()
            if isinstance(change, Change):
                self.apply_change(change)
            self.statusBar().showMessage(done_text, 6000)

        def failed(error: BaseException) -> None:
            finish()
            presenter.present(error, self)

        run_in_background(call, done, failed, owner=self)

    # --- help ----------------------------------------------------------------------------------

    def show_shortcuts(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle("Phím tắt")
        # Built from the window's own actions, so the list never falls behind the menus.
        rows = [
            (a.shortcut().toString(), a.text().split("\t")[0].replace("&", "").rstrip("…"))
            for a in self.actions()
            if not a.shortcut().isEmpty()
        ]
        rows += [
            ("Ctrl+Enter", "Trong mẫu đăng ký: đăng ký / đăng ký tiếp"),
            ("Enter", "Mở chi tiết văn bản đang chọn"),
        ]
        table = "".join(
            f"<tr><td><b>{html.escape(key)}</b></td><td>{html.escape(label)}</td></tr>"
            for key, label in rows
        )
        box.setText(
            f"<table cellpadding=3>{table}</table>"
            "<p>Kéo thả tệp PDF hoặc ảnh vào cửa sổ để đăng ký văn bản đến.</p>"
        )
        box.exec()

    def show_about(self) -> None:
        from clerk_app import __version__

        box = QMessageBox(self)
        box.setWindowTitle("Giới thiệu")
        box.setText(
            f"<b>Bàn làm việc văn thư</b> {__version__}<br>{html.escape(self.agency.name)}<br><br>"
            "Đăng ký, tra cứu và chuyển giao văn bản đến, văn bản đi theo Nghị định "
            "30/2020/NĐ-CP về công tác văn thư."
        )
        box.exec()
