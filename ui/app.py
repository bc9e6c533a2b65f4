"""Starts the GUI (console script `clerk-app`): Qt, error presenter, Workspace, main window."""

from __future__ import annotations

import logging
import os
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from clerk_app.errors import ClerkError, NotInitialised
from clerk_app.messages import describe
from ui import errors as presenter
from ui.qt_vietnamese import QtVietnamese

log = logging.getLogger("clerk_app.ui")

APP_STYLE = """
QToolTip { color: #212529; background: #fffbe6; border: 1px solid #d6c88a; padding: 4px; }
QStatusBar { background: #f1f3f5; border-top: 1px solid #dee2e6; }
QStatusBar QLabel { padding: 0 6px; }
QTabWidget::pane { border: 1px solid #dee2e6; }
QMessageBox QLabel#qt_msgbox_label { min-width: 430px; }
QMessageBox QLabel#qt_msgbox_informativelabel { min-width: 430px; }
"""


def make_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with the desk's look, Vietnamese Qt texts and the error presenter."""
    existing = QApplication.instance()
    if existing is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
    app = existing if isinstance(existing, QApplication) else QApplication(argv or sys.argv)
    app.setApplicationName("clerk-desk")
    app.setApplicationDisplayName("Bàn làm việc văn thư")
    app.setStyle("Fusion")
    font = QFont(app.font())
    font.setPointSizeF(max(font.pointSizeF(), 10.0))
    app.setFont(font)
    app.setStyleSheet(APP_STYLE)
    translator = QtVietnamese(app)
    app.installTranslator(translator)
    app.setProperty("clerk_translator", translator)  # keep it alive with the app
    presenter.install()
    return app


def _setup_logging() -> Path | None:
    try:
        from platformdirs import user_log_dir

        folder = Path(user_log_dir("clerk-desk", appauthor=False))
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "clerk-app.log"
        handler = RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path


def show_not_initialised(error: NotInitialised) -> None:
    message = describe(error)
    box = QMessageBox()
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle("Chưa có dữ liệu")
    box.setText(
        f"<b>{message.what}</b><br><br>"
        "Bàn làm việc văn thư cần một thư mục dữ liệu đã khởi tạo cho cơ quan. "
        "Mở cửa sổ dòng lệnh và chạy một trong hai lệnh:"
        "<p style='margin-left:12px'>• khởi tạo cho cơ quan của bạn:<br>"
        "<code style='white-space:pre'>clerk init --agency-name \"Tên cơ quan\" --agency-code VIETTAT</code></p>"
        "<p style='margin-left:12px'>• hoặc tạo dữ liệu mẫu để dùng thử:<br>"
        "<code>clerk demo</code></p>"
        "Sau đó mở lại phần mềm. Muốn dùng thư mục khác, đặt biến môi trường "
        "<code>CLERK_DATA_DIR</code>."
    )
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    box.exec()


def options(argv: list[str]) -> list[str]:
    """`clerk-app [--data-dir DIR]`, as `clerk --data-dir`: the desk's folder for this run
    (CLERK_DATA_DIR, which every part of the desk reads). Returns the arguments left for Qt."""
    import argparse

    from clerk_app.cli import version

    parser = argparse.ArgumentParser(prog="clerk-app", description="Bàn làm việc văn thư.")
    parser.add_argument(
        "--data-dir",
        help="thư mục dữ liệu của bàn làm việc (mặc định: CLERK_DATA_DIR hoặc thư mục của "
        "người dùng)",
    )
    parser.add_argument("--version", action="version", version=version())
    known, rest = parser.parse_known_args(argv[1:])
    if known.data_dir:
        os.environ["CLERK_DATA_DIR"] = str(Path(known.data_dir).expanduser().resolve())
    return argv[:1] + rest


def main(argv: list[str] | None = None) -> int:
    """Open the desk's Workspace (--data-dir, CLERK_DATA_DIR or the platform default) in the
    main window."""
    argv = options(list(sys.argv if argv is None else argv))
    log_path = _setup_logging()
    app = make_application(argv)
    from clerk_app.workspace import Workspace
    from ui.main_window import MainWindow

    try:
        workspace = Workspace.open()
    except NotInitialised as error:
        from clerk_app.workspace import default_data_dir
        from ui.setup_wizard import run_first_start

        # A new desk: the first-run wizard makes it, then the window opens on it.
        if not run_first_start(default_data_dir()):
            return 2
        try:
            workspace = Workspace.open()
        except NotInitialised:
            show_not_initialised(error)
            return 2
    except ClerkError as error:
        presenter.present(error)
        return 1
    log.info("opened %s (log: %s)", workspace.data_dir, log_path)
    try:
        window = MainWindow(workspace)
        window.show()
        return int(app.exec())
    finally:
        # Work still running on the pool (a preview, a search) finishes before the database it
        # reads is closed and before the interpreter tears down the objects it holds.
        from ui.workers import pool

        pool().waitForDone(10_000)
        workspace.close()


if __name__ == "__main__":
    raise SystemExit(main())
