"""«Kết nối máy chủ»: connect this desk to the agency's server, or log in again, from the window.

The clerk types the server's address, their account and password; the core
(`sync.engine.DeskSync.connect`) logs in with the desk's own credential, binds the desk to the
server's agency and keeps an offline-login verifier, never the password. A new account must
change its password at the first login: the server says so, and the dialog then asks for the
new password (twice) on a second page and connects with it. Talking to the server runs off the
GUI thread; the passwords are emptied from the fields once used.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from clerk_app import errors
from clerk_app.messages import describe
from clerk_app.refusals import Refusal
from ui.workers import run_in_background

PROBLEM_STYLE = "color: #a00000;"
BUSY_STYLE = "color: #495057;"
PASSWORD_RULES = (
    "Mật khẩu mới cần ít nhất 8 ký tự, không phải mật khẩu phổ biến (như 12345678) và không "
    "chứa tên tài khoản; nên gồm chữ, số và ký tự khác."
)
NEW_PASSWORDS_DIFFER = "Hai lần nhập mật khẩu mới không giống nhau: nhập lại cả hai ô."

Connect = Callable[[Path, str, str, str, str | None], dict[str, Any]]


def connect_desk(
    data_dir: Path, url: str, username: str, password: str, new_password: str | None
) -> dict[str, Any]:
    """The core's connection (the dialog's default; tests pass the same)."""
    from sync.engine import DeskSync

    with DeskSync(data_dir) as desk:
        return desk.connect(url, username, password, new_password)


class ConnectDialog(QDialog):
    """Two pages: the login, then (a new account) the first-login password change."""

    connected = Signal(str)  # the account the desk is now connected with

    LOGIN, NEW_PASSWORD = 0, 1

    def __init__(
        self,
        data_dir: Path,
        parent: QWidget | None = None,
        *,
        server_url: str = "",
        username: str = "",
        connect: Connect = connect_desk,
    ) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self._connect = connect
        self.busy = False
        self._password = ""  # the current password, kept only while the new one is typed
        self.setWindowTitle("Kết nối máy chủ văn thư")

        self.pages = QStackedWidget()
        login = QWidget()
        form = QFormLayout(login)
        form.setContentsMargins(0, 0, 0, 0)
        intro = QLabel(
            "Nhập địa chỉ máy chủ văn thư của cơ quan và tài khoản quản trị hệ thống đã cấp cho "
            "bạn. Mật khẩu không được lưu trên máy; bàn làm việc này được gắn với máy chủ bằng "
            "một mã riêng."
        )
        intro.setWordWrap(True)
        form.addRow(intro)
        self.url_edit = QLineEdit(server_url)
        self.url_edit.setPlaceholderText("Ví dụ: https://vanthu.phuyen.gov.vn")
        self.user_edit = QLineEdit(username)
        self.user_edit.setPlaceholderText("Ví dụ: nvan1.ubnd")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Địa chỉ &máy chủ:", self.url_edit)
        form.addRow("&Tài khoản:", self.user_edit)
        form.addRow("&Mật khẩu:", self.password_edit)
        self.pages.addWidget(login)

        change = QWidget()
        change_form = QFormLayout(change)
        change_form.setContentsMargins(0, 0, 0, 0)
        self.change_intro = QLabel()
        self.change_intro.setWordWrap(True)
        self.change_intro.setTextFormat(Qt.TextFormat.PlainText)
        change_form.addRow(self.change_intro)
        rules = QLabel(PASSWORD_RULES)
        rules.setWordWrap(True)
        rules.setStyleSheet("color: #495057;")
        change_form.addRow(rules)
        self.new_edit = QLineEdit()
        self.new_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat_edit = QLineEdit()
        self.repeat_edit.setEchoMode(QLineEdit.EchoMode.Password)
        change_form.addRow("Mật khẩu &mới:", self.new_edit)
        change_form.addRow("&Nhập lại mật khẩu mới:", self.repeat_edit)
        self.pages.addWidget(change)

        self.status = QLabel()
        self.status.setObjectName("connectStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.go_button = QPushButton("&Kết nối")
        self.go_button.setDefault(True)
        self.buttons.addButton(self.go_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        layout.addWidget(self.status)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(560)
        (self.password_edit if server_url and username else self.url_edit).setFocus()

    # --- the clerk's steps -------------------------------------------------------------------

    def submit(self) -> None:
        if self.busy:
            return
        if self.pages.currentIndex() == self.LOGIN:
            self._log_in()
        else:
            self._change_password()

    def _log_in(self) -> None:
        url, user = self.url_edit.text().strip(), self.user_edit.text().strip()
        password = self.password_edit.text()
        missing = [
            name
            for name, value in (
                ("địa chỉ máy chủ", url),
                ("tài khoản", user),
                ("mật khẩu", password),
            )
            if not value
        ]
        if missing:
            self.say("Chưa nhập " + ", ".join(missing) + ".", problem=True)
            return
        self._run(url, user, password, None)

    def _change_password(self) -> None:
        new, repeat = self.new_edit.text(), self.repeat_edit.text()
        if not new:
            self.say("Chưa nhập mật khẩu mới.", problem=True)
            self.new_edit.setFocus()
            return
        if new != repeat:
            self.say(NEW_PASSWORDS_DIFFER, problem=True)
            self.new_edit.clear()
            self.repeat_edit.clear()
            self.new_edit.setFocus()
            return
        self._run(self.url_edit.text().strip(), self.user_edit.text().strip(), self._password, new)

    def _run(self, url: str, user: str, password: str, new: str | None) -> None:
        data_dir, connect = self.data_dir, self._connect

        def work() -> dict[str, Any]:
            return connect(data_dir, url, user, password, new)

        def done(answer: dict[str, Any]) -> None:
            self.busy = False
            self._forget_passwords()
            account = str(answer.get("username", user))
            self.say(f"Đã kết nối máy chủ với tài khoản {account}.")
            self.connected.emit(account)
            self.accept()

        def failed(error: BaseException) -> None:
            self.busy = False
            self._enable()
            if isinstance(error, errors.ServerRefused):
                if error.reason == Refusal.PASSWORD_CHANGE_REQUIRED:
                    self._ask_new_password(user, password)
                    return
                if error.reason in ("weak_password", "password_unchanged"):
                    self.new_edit.clear()
                    self.repeat_edit.clear()
                    self.new_edit.setFocus()
                    self.say(describe(error).one_line(), problem=True)
                    return
            if self.pages.currentIndex() == self.NEW_PASSWORD and not (
                isinstance(error, errors.ServerUnreachable | errors.ServerFailed)
            ):
                self._back_to_login()  # the old password no longer works: start again
            else:
                self.password_edit.clear()
            self.say(describe(error).one_line(), problem=True)

        self.busy = True
        self._enable()
        self.say("Đang kết nối máy chủ…", busy=True)
        run_in_background(work, done, failed, owner=self)

    def _ask_new_password(self, user: str, password: str) -> None:
        self._password = password
        self.password_edit.clear()
        self.change_intro.setText(
            f"Tài khoản {user} đăng nhập lần đầu: theo quy chế, phải đổi mật khẩu do quản trị "
            "hệ thống cấp trước khi làm việc. Đặt mật khẩu mới của riêng bạn."
        )
        self.pages.setCurrentIndex(self.NEW_PASSWORD)
        self.go_button.setText("Đổi mật khẩu và &kết nối")
        self.say("")
        self.new_edit.setFocus()

    def _back_to_login(self) -> None:
        self._forget_passwords()
        self.pages.setCurrentIndex(self.LOGIN)
        self.go_button.setText("&Kết nối")
        self.password_edit.setFocus()

    def _forget_passwords(self) -> None:
        self._password = ""
        for edit in (self.password_edit, self.new_edit, self.repeat_edit):
            edit.clear()

    def _enable(self) -> None:
        self.go_button.setEnabled(not self.busy)
        self.pages.setEnabled(not self.busy)

    def say(self, text: str, *, problem: bool = False, busy: bool = False) -> None:
        self.status.setStyleSheet(PROBLEM_STYLE if problem else BUSY_STYLE if busy else "")
        self.status.setText(text)

    def reject(self) -> None:
        if self.busy:
            return  # the answer is on its way: closing now would lose what it tells
        self._forget_passwords()
        super().reject()
