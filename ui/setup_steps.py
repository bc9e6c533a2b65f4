"""The screens of the first-run wizard, each also opened alone from the «Cài đặt» menu; a thin shell.

Agency (typed, from the agency's server, or the demo agency), units and people (typed or imported
from a list), the scanner (found ones, a test scan), the token (driver, token, certificate, a test
login). Every screen calls the core's public API; none writes a row itself. The PIN typed for the
test login is used once and the field emptied; it is never stored.
"""

from __future__ import annotations

import html
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from clerk_app.errors import ClerkError, ScanCancelled, ServerRefused
from clerk_app.messages import describe
from clerk_app.refusals import Refusal
from clerk_app.signing import token as tokens
from clerk_app.signing import token_drivers
from clerk_app.signing.desk import load_settings, save_settings
from clerk_app.staff_list import StaffPlan, plan_import
from scanner import preferences
from scanner.discovery import DeviceDiscovery
from scanner.driver import CancelFlag, ScanSettings
from scanner.worker_driver import WorkerDriver, platform_driver
from ui.workers import run_in_background

DEMO_DOCUMENTS = 300
STAFF_FILTER = "Danh sách (*.xlsx *.csv)"


def _error_text(error: BaseException) -> str:
    if isinstance(error, ClerkError):
        return describe(error).one_line()
    return f"Lỗi không lường trước: {type(error).__name__}: {error}"


class SetupStep(QWidget):
    """One screen: a title, what it is for, and a status line; `changed` when it did something."""

    title = ""
    intro = ""
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_ = QVBoxLayout(self)
        heading = QLabel(f"<h2 style='margin:0'>{html.escape(self.title)}</h2>")
        self.layout_.addWidget(heading)
        if self.intro:
            intro = QLabel(self.intro)
            intro.setWordWrap(True)
            intro.setStyleSheet("color: #495057;")
            self.layout_.addWidget(intro)
        self.status = QLabel("")
        self.status.setObjectName("stepStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.done_text = ""  # what this step did, for the wizard's last page

    def first_field(self) -> QWidget | None:
        """Where the cursor goes when the step opens: the clerk types at once."""
        return None

    def finish_layout(self) -> None:
        self.layout_.addStretch(1)
        self.layout_.addWidget(self.status)

    def say(self, text: str, *, problem: bool = False) -> None:
        self.status.setStyleSheet("color: #a00000;" if problem else "color: #1e6b34;")
        self.status.setText(text)

    def fail(self, error: BaseException) -> None:
        self.say(_error_text(error), problem=True)


# --- the agency ------------------------------------------------------------------------------


class AgencyStep(SetupStep):
    """Tên và mã cơ quan: typed, read from the agency's server, or the demo agency."""

    title = "Cơ quan"
    intro = (
        "Bàn làm việc văn thư đăng ký văn bản cho một cơ quan. Nhập tên và chữ viết tắt của cơ "
        "quan, hoặc kết nối máy chủ văn thư của cơ quan để lấy thông tin từ đó, hoặc dùng thử "
        "với dữ liệu mẫu."
    )
    desk_ready = Signal(object)  # the data folder, once the desk exists

    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.busy = False
        self.typed = QRadioButton("Nhập thông tin cơ quan")
        self.server = QRadioButton("Kết nối máy chủ văn thư của cơ quan")
        self.demo = QRadioButton("Dùng thử với dữ liệu mẫu")
        self.typed.setChecked(True)
        choices = QHBoxLayout()
        for button in (self.typed, self.server, self.demo):
            choices.addWidget(button)
            button.toggled.connect(self._show_choice)
        choices.addStretch(1)
        self.layout_.addLayout(choices)

        self.forms = QStackedWidget()
        typed_box = QGroupBox("Thông tin cơ quan")
        typed_form = QFormLayout(typed_box)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("Ví dụ: Ủy ban nhân dân tỉnh Phú Yên")
        self.code_edit = QLineEdit()
        self.code_edit.setPlaceholderText("Ví dụ: UBND (dùng trong số và ký hiệu văn bản)")
        self.parent_edit = QLineEdit()
        self.parent_edit.setPlaceholderText("Không bắt buộc; ví dụ: Ủy ban nhân dân tỉnh Phú Yên")
        self.login_edit = QLineEdit()
        self.login_edit.setPlaceholderText(
            "Tên của người làm văn thư trên máy này, ví dụ nvan (ghi vào nhật ký)"
        )
        typed_form.addRow("Tên cơ quan:", self.name_edit)
        typed_form.addRow("Chữ viết tắt:", self.code_edit)
        typed_form.addRow("Cơ quan chủ quản:", self.parent_edit)
        typed_form.addRow("Tên đăng nhập văn thư:", self.login_edit)
        self.forms.addWidget(typed_box)

        server_box = QGroupBox("Máy chủ văn thư của cơ quan")
        server_form = QFormLayout(server_box)
        self.url_edit = QLineEdit()
        self.url_edit.setPlaceholderText("Ví dụ: https://vanthu.phuyen.gov.vn")
        self.user_edit = QLineEdit()
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_password_edit = QLineEdit()
        self.new_password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_password_edit.setPlaceholderText("Chỉ khi máy chủ yêu cầu đổi mật khẩu")
        server_form.addRow("Địa chỉ máy chủ:", self.url_edit)
        server_form.addRow("Tài khoản:", self.user_edit)
        server_form.addRow("Mật khẩu:", self.password_edit)
        server_form.addRow("Mật khẩu mới:", self.new_password_edit)
        # Asked for only when the server requires it (a new account's first login).
        self.server_form = server_form
        server_form.setRowVisible(self.new_password_edit, False)
        note = QLabel(
            "Tên và chữ viết tắt của cơ quan lấy từ máy chủ; mật khẩu không được lưu trên máy."
        )
        note.setWordWrap(True)
        server_form.addRow(note)
        self.forms.addWidget(server_box)

        demo_box = QGroupBox("Dữ liệu mẫu")
        demo_layout = QVBoxLayout(demo_box)
        demo_text = QLabel(
            f"Tạo một cơ quan mẫu (UBND tỉnh, các phòng ban, cán bộ) với {DEMO_DOCUMENTS} văn "
            "bản đến và đi để làm quen. Dữ liệu mẫu có đánh dấu riêng; khi dùng thật, hãy khởi "
            "tạo lại với thư mục dữ liệu khác."
        )
        demo_text.setWordWrap(True)
        demo_layout.addWidget(demo_text)
        self.forms.addWidget(demo_box)
        self.layout_.addWidget(self.forms)
        self.finish_layout()

    def first_field(self) -> QWidget | None:
        if self.demo.isChecked():
            return None
        return self.url_edit if self.server.isChecked() else self.name_edit

    def _show_choice(self) -> None:
        index = 0 if self.typed.isChecked() else 1 if self.server.isChecked() else 2
        self.forms.setCurrentIndex(index)
        self.status.clear()

    def apply(self, done: Callable[[], None]) -> None:
        """Make the desk by the chosen way, in the background; `done` once it exists."""
        if self.busy:
            return
        data_dir = self.data_dir
        if self.typed.isChecked():
            name, code = self.name_edit.text(), self.code_edit.text()
            parent, login = self.parent_edit.text(), self.login_edit.text()

            def work() -> str:
                from clerk_app.workspace import Workspace

                with Workspace.init(
                    data_dir,
                    agency_name=name,
                    agency_code=code,
                    parent_name=parent,
                    clerk_login=login,
                ) as ws:
                    agency = ws.agency()
                return f"{agency.name} ({agency.code})"

        elif self.server.isChecked():
            url, user = self.url_edit.text().strip(), self.user_edit.text().strip()
            password, new = self.password_edit.text(), self.new_password_edit.text() or None

            def work() -> str:
                from sync.enrolment import enrol

                found = enrol(data_dir, url, user, password, new)
                return f"{found.name} ({found.code}), kết nối {url} với tài khoản {found.username}"

        else:

            def work() -> str:
                from clerk_app.demo import build_demo

                build_demo(data_dir, DEMO_DOCUMENTS)
                return f"cơ quan mẫu với {DEMO_DOCUMENTS} văn bản"

        self.busy = True
        self.say("Đang khởi tạo…")

        def finished(summary: str) -> None:
            self.busy = False
            self.password_edit.clear()
            self.new_password_edit.clear()
            self.done_text = summary
            self.say(f"Đã khởi tạo: {summary}.")
            self.desk_ready.emit(data_dir)
            self.changed.emit()
            done()

        def failed(error: BaseException) -> None:
            self.busy = False
            self.password_edit.clear()
            if (
                isinstance(error, ServerRefused)
                and error.reason == Refusal.PASSWORD_CHANGE_REQUIRED
            ):
                self.server_form.setRowVisible(self.new_password_edit, True)
                self.say(
                    "Tài khoản mới phải đổi mật khẩu lần đầu: nhập lại mật khẩu, gõ mật khẩu mới "
                    "vào ô «Mật khẩu mới» rồi bấm «Khởi tạo».",
                    problem=True,
                )
                self.new_password_edit.setFocus()
                return
            self.fail(error)

        run_in_background(work, finished, failed, owner=self)


class AgencyView(SetupStep):
    """The agency as the desk knows it, for the Settings menu (the name is fixed at creation)."""

    title = "Cơ quan"

    def __init__(self, workspace: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        agency = workspace.agency()
        form = QFormLayout()
        form.addRow("Tên cơ quan:", QLabel(f"<b>{html.escape(agency.name)}</b>"))
        form.addRow("Chữ viết tắt:", QLabel(html.escape(agency.code)))
        if agency.parent_name:
            form.addRow("Cơ quan chủ quản:", QLabel(html.escape(agency.parent_name)))
        form.addRow("Thư mục dữ liệu:", QLabel(html.escape(str(workspace.data_dir))))
        self.layout_.addLayout(form)
        note = QLabel(
            "Tên và chữ viết tắt của cơ quan cố định từ khi khởi tạo vì đã in trên số và ký hiệu "
            "văn bản. Kết nối máy chủ trong menu Đồng bộ hoặc bằng lệnh «clerk connect»."
        )
        note.setWordWrap(True)
        self.layout_.addWidget(note)
        self.finish_layout()


# --- units and people ------------------------------------------------------------------------


class StaffStep(SetupStep):
    """Đơn vị và cán bộ: typed one by one, or imported from the personnel office's list."""

    title = "Đơn vị và cán bộ"
    intro = (
        "Các phòng ban (đơn vị) nhận văn bản và soạn văn bản đi, và cán bộ của cơ quan. Nhập "
        "từng người, hoặc nhập cả danh sách từ tệp XLSX/CSV có các cột: Mã đơn vị, Tên đơn vị, "
        "Họ và tên, Chức vụ."
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace: Any = None
        unit_row = QHBoxLayout()
        self.unit_code = QLineEdit()
        self.unit_code.setPlaceholderText("Mã, ví dụ VP")
        self.unit_code.setMaximumWidth(120)
        self.unit_name = QLineEdit()
        self.unit_name.setPlaceholderText("Tên đơn vị, ví dụ Văn phòng")
        # Enter adds the row being typed (never moves the wizard on).
        self.unit_code.returnPressed.connect(self.unit_name.setFocus)
        self.unit_name.returnPressed.connect(self.add_unit)
        add_unit = QPushButton("Thêm đơn vị")
        add_unit.clicked.connect(self.add_unit)
        unit_row.addWidget(self.unit_code)
        unit_row.addWidget(self.unit_name, 1)
        unit_row.addWidget(add_unit)
        self.layout_.addLayout(unit_row)
        person_row = QHBoxLayout()
        self.person_name = QLineEdit()
        self.person_name.setPlaceholderText("Họ và tên")
        self.person_unit = QComboBox()
        self.person_unit.setMinimumWidth(160)
        self.person_title = QLineEdit()
        self.person_title.setPlaceholderText("Chức vụ, ví dụ Chánh Văn phòng")
        self.person_name.returnPressed.connect(self.add_person)
        self.person_title.returnPressed.connect(self.add_person)
        add_person = QPushButton("Thêm cán bộ")
        add_person.clicked.connect(self.add_person)
        person_row.addWidget(self.person_name, 1)
        person_row.addWidget(self.person_unit)
        person_row.addWidget(self.person_title, 1)
        person_row.addWidget(add_person)
        self.layout_.addLayout(person_row)
        import_row = QHBoxLayout()
        self.import_button = QPushButton("Nhập danh sách từ tệp XLSX/CSV…")
        self.import_button.clicked.connect(self._browse)
        import_row.addWidget(self.import_button)
        import_row.addStretch(1)
        self.layout_.addLayout(import_row)
        tables = QHBoxLayout()
        self.units_table = QTableWidget(0, 2)
        self.units_table.setHorizontalHeaderLabels(["Mã", "Đơn vị"])
        self.people_table = QTableWidget(0, 3)
        self.people_table.setHorizontalHeaderLabels(["Họ và tên", "Đơn vị", "Chức vụ"])
        for table in (self.units_table, self.people_table):
            table.verticalHeader().setVisible(False)
            table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
            table.horizontalHeader().setStretchLastSection(True)
        tables.addWidget(self.units_table, 2)
        tables.addWidget(self.people_table, 3)
        self.layout_.addLayout(tables, 1)
        self.layout_.addWidget(self.status)

    def first_field(self) -> QWidget | None:
        return self.unit_code

    def bind(self, workspace: Any) -> None:
        self.workspace = workspace
        self.refresh()

    def refresh(self) -> None:
        if self.workspace is None:
            return
        units = self.workspace.units()
        people = self.workspace.people()
        self.units_table.setRowCount(len(units))
        for row, unit in enumerate(units):
            self.units_table.setItem(row, 0, QTableWidgetItem(unit.code))
            self.units_table.setItem(row, 1, QTableWidgetItem(unit.name))
        self.people_table.setRowCount(len(people))
        names = {u.code: u.name for u in units}
        for row, person in enumerate(people):
            unit_code = person.unit_code or ""
            self.people_table.setItem(row, 0, QTableWidgetItem(person.full_name))
            self.people_table.setItem(row, 1, QTableWidgetItem(names.get(unit_code, unit_code)))
            self.people_table.setItem(row, 2, QTableWidgetItem(person.title))
        self.units_table.resizeColumnToContents(0)
        self.people_table.resizeColumnToContents(0)
        current = self.person_unit.currentData()
        self.person_unit.clear()
        self.person_unit.addItem("(không thuộc đơn vị)", "")
        for unit in units:
            self.person_unit.addItem(f"{unit.code} — {unit.name}", unit.code)
        index = self.person_unit.findData(current)
        self.person_unit.setCurrentIndex(max(index, 0))
        self.done_text = f"{len(units)} đơn vị, {len(people)} cán bộ"

    def add_unit(self) -> None:
        try:
            self.workspace.add_unit(self.unit_code.text(), self.unit_name.text())
        except ClerkError as exc:
            self.fail(exc)
            return
        self.say(f"Đã thêm đơn vị {self.unit_code.text().strip().upper()}.")
        self.unit_code.clear()
        self.unit_name.clear()
        self.refresh()
        self.unit_code.setFocus()
        self.changed.emit()

    def add_person(self) -> None:
        name = self.person_name.text()
        try:
            self.workspace.add_person(
                name, self.person_unit.currentData() or None, self.person_title.text()
            )
        except ClerkError as exc:
            self.fail(exc)
            return
        self.say(f"Đã thêm {name.strip()}.")
        self.person_name.clear()
        self.person_title.clear()
        self.refresh()
        self.person_name.setFocus()
        self.changed.emit()

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Chọn danh sách cán bộ", "", STAFF_FILTER)
        if path:
            self.import_list(Path(path), confirm=True)

    def plan(self, path: Path) -> StaffPlan:
        return plan_import(
            path,
            [u.code for u in self.workspace.units()],
            [(p.full_name, p.unit_code) for p in self.workspace.people()],
        )

    def import_list(self, path: Path, *, confirm: bool = False) -> StaffPlan | None:
        """Check the whole list, then add what the desk lacks; nothing when a row is wrong."""
        try:
            plan = self.plan(path)
        except ClerkError as exc:
            self.fail(exc)
            return None
        if plan.empty:
            self.say(f"Danh sách không có gì mới ({plan.skipped} dòng đã có trên máy).")
            return plan
        if confirm:
            answer = QMessageBox.question(
                self,
                "Nhập danh sách",
                f"Thêm {len(plan.units)} đơn vị và {len(plan.people)} cán bộ từ «{path.name}»?",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return None
        try:
            for code, name in plan.units:
                self.workspace.add_unit(code, name)
            for name, unit, title in plan.people:
                self.workspace.add_person(name, unit or None, title)
        except ClerkError as exc:
            # Only a failure of the disk itself gets here (the list was checked whole); the
            # same list imported again adds just what is still missing.
            self.fail(exc)
            self.refresh()
            return None
        self.say(f"Đã thêm {len(plan.units)} đơn vị và {len(plan.people)} cán bộ từ «{path.name}».")
        self.refresh()
        self.changed.emit()
        return plan


# --- the scanner -----------------------------------------------------------------------------


class ScannerStep(SetupStep):
    """Máy quét: the scanners found, the one to use, and a test scan of one page."""

    title = "Máy quét"
    intro = (
        "Cắm và bật máy quét rồi bấm «Tìm lại». Chọn máy dùng cho văn thư và quét thử một "
        "trang để chắc chắn máy quét chạy được."
    )

    def __init__(
        self,
        driver: WorkerDriver | None = None,
        backend_options: dict[str, Any] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.data_dir: Path | None = None
        self.driver = driver or platform_driver()
        self.discovery = DeviceDiscovery(self.driver)
        self.backend_options = backend_options or {}
        self.devices = QListWidget()
        self.devices.setObjectName("scannerList")
        self.layout_.addWidget(self.devices, 1)
        row = QHBoxLayout()
        self.source = QComboBox()
        self.source.addItem("Khay nạp giấy (ADF)", "adf")
        self.source.addItem("Mặt kính", "flatbed")
        self.find_button = QPushButton("Tìm lại")
        self.find_button.clicked.connect(lambda: self.find_scanners(refresh=True))
        self.test_button = QPushButton("Quét thử một trang")
        self.test_button.clicked.connect(self.test_scan)
        row.addWidget(QLabel("Nguồn giấy:"))
        row.addWidget(self.source)
        row.addStretch(1)
        row.addWidget(self.find_button)
        row.addWidget(self.test_button)
        self.layout_.addLayout(row)
        self.preview = QLabel()
        self.preview.setObjectName("scanPreview")
        self.preview.setFixedHeight(150)
        self.layout_.addWidget(self.preview)
        self.layout_.addWidget(self.status)
        self.tmp = tempfile.TemporaryDirectory(prefix="clerk-test-scan-")

    def bind(self, workspace: Any) -> None:
        self.data_dir = workspace.data_dir
        self.find_scanners()

    def find_scanners(self, *, refresh: bool = False) -> None:
        self.say("Đang tìm máy quét…")
        self.find_button.setEnabled(False)
        future = self.discovery.start(refresh=refresh)

        def done(found: list[Any]) -> None:
            self.find_button.setEnabled(True)
            self.show_devices(found)

        def failed(error: BaseException) -> None:
            self.find_button.setEnabled(True)
            self.fail(error)

        run_in_background(future.result, done, failed, owner=self)

    def show_devices(self, found: list[Any]) -> None:
        self.devices.clear()
        saved = preferences.load(self.data_dir).device if self.data_dir else None
        for info in found:
            item = QListWidgetItem(f"{info.label}  ({info.name})")
            item.setData(Qt.ItemDataRole.UserRole, info.name)
            self.devices.addItem(item)
            if info.name == saved:
                self.devices.setCurrentItem(item)
        if found and self.devices.currentRow() < 0:
            self.devices.setCurrentRow(0)
        self.test_button.setEnabled(bool(found))
        self.say(
            f"Tìm thấy {len(found)} máy quét."
            if found
            else "Không thấy máy quét nào. Kiểm tra cáp, nguồn và trình điều khiển rồi bấm «Tìm lại».",
            problem=not found,
        )

    def chosen(self) -> str | None:
        item = self.devices.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def test_scan(self) -> None:
        device = self.chosen()
        if device is None:
            return
        settings = ScanSettings(
            device=device,
            source=self.source.currentData(),
            dpi=150,
            mode="gray",
            backend_options=dict(self.backend_options),
        )
        batch = Path(self.tmp.name) / f"scan-{self.devices.currentRow()}-{id(settings)}"
        self.test_button.setEnabled(False)
        self.say("Đang quét thử…")

        def done(outcome: Any) -> None:
            self.test_button.setEnabled(True)
            if isinstance(outcome.stopped, ScanCancelled) and outcome.pages:
                outcome.stopped = None  # stopped by us after the first page, as intended
            if not outcome.pages:
                problem = outcome.stopped
                self.say(
                    describe(problem).one_line()
                    if problem is not None
                    else "Máy quét không đưa ra trang nào: đặt giấy vào khay rồi quét thử lại.",
                    problem=True,
                )
                return
            page = outcome.pages[0]
            picture = QPixmap(str(page.path))
            self.preview.setPixmap(
                picture.scaledToHeight(150, Qt.TransformationMode.SmoothTransformation)
            )
            if self.data_dir is not None:
                preferences.save(
                    self.data_dir, preferences.ScannerChoice(device, self.source.currentData())
                )
            self.done_text = f"{self.devices.currentItem().text()}, quét thử được"
            self.say(
                f"Quét thử được {len(outcome.pages)} trang ({page.width}×{page.height} điểm ảnh, "
                f"{page.dpi} dpi). Máy quét này được chọn cho văn thư."
            )
            self.changed.emit()

        def failed(error: BaseException) -> None:
            self.test_button.setEnabled(True)
            self.fail(error)

        # One page is enough to know the scanner works: stop the feeder after it.
        cancel = CancelFlag()
        run_in_background(
            lambda: self.driver.scan(
                settings, batch, on_page=lambda _p: cancel.set(), cancel=cancel
            ),
            done,
            failed,
            owner=self,
        )


# --- the token -------------------------------------------------------------------------------


class TokenStep(SetupStep):
    """USB ký số: the CA's driver (preset or found), the token, the certificate, a test login."""

    title = "USB ký số"
    intro = (
        "Chọn tổ chức cấp chứng thư số của USB ký số (phần mềm đi kèm USB phải được cài trước), "
        "cắm USB rồi chọn chứng thư dùng để ký. «Đăng nhập thử» kiểm tra mã PIN một lần; mã PIN "
        "không được lưu."
    )

    def __init__(self, platform: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir: Path | None = None
        self.platform = platform
        form = QFormLayout()
        driver_row = QHBoxLayout()
        self.driver_box = QComboBox()
        self.driver_box.setEditable(True)
        self.driver_box.setMinimumWidth(420)
        editor = self.driver_box.lineEdit()
        if editor is not None:
            editor.setPlaceholderText("Chọn tổ chức cấp chứng thư số (VNPT-CA, Viettel-CA, …)")
        browse = QPushButton("Chọn tệp…")
        browse.clicked.connect(self._browse)
        driver_row.addWidget(self.driver_box, 1)
        driver_row.addWidget(browse)
        form.addRow("Tổ chức cấp / trình điều khiển:", driver_row)
        self.token_box = QComboBox()
        form.addRow("USB ký số:", self.token_box)
        self.cert_box = QComboBox()
        form.addRow("Chứng thư số:", self.cert_box)
        self.pin_edit = QLineEdit()
        self.pin_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_edit.setPlaceholderText("Mã PIN (chỉ để đăng nhập thử, không lưu)")
        login_row = QHBoxLayout()
        login_row.addWidget(self.pin_edit, 1)
        self.login_button = QPushButton("Đăng nhập thử")
        self.login_button.clicked.connect(self.test_login)
        login_row.addWidget(self.login_button)
        form.addRow("Mã PIN:", login_row)
        self.layout_.addLayout(form)
        self.save_button = QPushButton("Dùng USB ký số này")
        self.save_button.clicked.connect(self.save)
        save_row = QHBoxLayout()
        save_row.addStretch(1)
        save_row.addWidget(self.save_button)
        self.layout_.addLayout(save_row)
        self.finish_layout()
        self.driver_box.currentIndexChanged.connect(lambda _i: self.refresh_tokens())
        self.token_box.currentIndexChanged.connect(lambda _i: self.refresh_certificates())
        self.fill_drivers()

    def bind(self, workspace: Any) -> None:
        self.data_dir = workspace.data_dir
        saved = load_settings(self.data_dir, environment=False)
        if saved.pkcs11_module:
            self.select_driver(saved.pkcs11_module)

    def fill_drivers(self, folders: list[Path] | None = None) -> None:
        self.driver_box.blockSignals(True)
        self.driver_box.clear()
        for label, path in token_drivers.driver_choices(self.platform, folders):
            self.driver_box.addItem(label, path)
        self.driver_box.setCurrentIndex(-1)
        self.driver_box.blockSignals(False)

    def driver_path(self) -> str:
        data = self.driver_box.currentData()
        return str(data) if data else self.driver_box.currentText().strip()

    def select_driver(self, path: str) -> None:
        index = self.driver_box.findData(path)
        if index < 0:
            self.driver_box.addItem(path, path)
            index = self.driver_box.count() - 1
        if index == self.driver_box.currentIndex():
            self.refresh_tokens()
        self.driver_box.setCurrentIndex(index)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Chọn trình điều khiển PKCS#11", "", "Thư viện (*.dll *.so)"
        )
        if path:
            self.select_driver(path)

    def refresh_tokens(self) -> None:
        self.token_box.clear()
        self.cert_box.clear()
        path = self.driver_path()
        if not path:
            return
        try:
            found = tokens.list_tokens(path)
        except ClerkError as exc:
            self.fail(exc)
            return
        for info in found:
            self.token_box.addItem(
                f"{info.label} ({info.manufacturer}, số {info.serial})", info.label
            )
        if not found:
            self.say(
                "Không thấy USB ký số trong máy. Cắm USB ký số, đợi đèn sáng rồi chọn lại.",
                problem=True,
            )
            return
        self.say(f"Tìm thấy {len(found)} USB ký số.")
        self.refresh_certificates()

    def refresh_certificates(self) -> None:
        self.cert_box.clear()
        label = self.token_box.currentData()
        if not label:
            return
        try:
            certificates = tokens.list_certificates(self.driver_path(), str(label))
        except ClerkError as exc:
            self.fail(exc)
            return
        for cert in certificates:
            self.cert_box.addItem(f"{cert.subject} (hết hạn {cert.not_after:%d/%m/%Y})", cert.label)

    def choice(self) -> tokens.TokenChoice | None:
        label = self.token_box.currentData()
        if not label:
            return None
        return tokens.TokenChoice(
            self.driver_path(), str(label), str(self.cert_box.currentData() or "")
        )

    def test_login(self) -> None:
        choice = self.choice()
        pin = self.pin_edit.text()
        self.pin_edit.clear()  # used once, never kept
        if choice is None:
            self.say("Chưa chọn USB ký số.", problem=True)
            return
        try:
            cert = tokens.check_login(choice, pin)
        except ClerkError as exc:
            self.fail(exc)
            return
        finally:
            pin = ""
        self.say(
            f"Đăng nhập thử được: chứng thư «{cert.subject}», do {cert.issuer} cấp, còn hiệu lực "
            f"đến {cert.not_after:%d/%m/%Y}."
        )

    def save(self) -> None:
        choice = self.choice()
        if choice is None or self.data_dir is None:
            self.say("Chưa chọn USB ký số.", problem=True)
            return
        settings = replace(
            load_settings(self.data_dir, environment=False),
            pkcs11_module=choice.module,
            token_label=choice.token_label,
            certificate_label=choice.certificate_label,
        )
        try:
            save_settings(self.data_dir, settings)
        except ClerkError as exc:
            self.fail(exc)
            return
        self.done_text = (
            f"{choice.token_label}, chứng thư «{choice.certificate_label or 'đầu tiên'}»"
        )
        self.say(f"Đã lưu: văn thư ký bằng USB ký số «{choice.token_label}».")
        self.changed.emit()
