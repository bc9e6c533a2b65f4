"""The first-run wizard and the «Cài đặt» menu that reopens its screens; a thin shell over ui.setup_steps.

On an empty data folder the app opens the wizard instead of the window: the agency first (it
makes the desk: typed, from the agency's server, or the demo agency), then units and people,
the scanner and the token, each of which can be skipped and done later from «Cài đặt».
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui.main_window import NAV_STYLE
from ui.setup_steps import AgencyStep, AgencyView, ScannerStep, SetupStep, StaffStep, TokenStep


class FinishStep(SetupStep):
    title = "Hoàn tất"
    intro = "Bàn làm việc văn thư đã sẵn sàng."

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel()
        self.summary.setObjectName("wizardSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.layout_.addWidget(self.summary)
        self.finish_layout()

    def show_summary(self, steps: list[SetupStep]) -> None:
        rows = "".join(
            f"<tr><td style='padding:4px 16px 4px 0'><b>{html.escape(s.title)}</b></td>"
            f"<td>{html.escape(s.done_text) if s.done_text else '<i>bỏ qua — làm sau trong menu Cài đặt</i>'}</td></tr>"
            for s in steps
        )
        self.summary.setText(
            f"<table>{rows}</table><p>Các bước đã bỏ qua làm lại được bất cứ lúc nào trong "
            "menu <b>Cài đặt</b> của cửa sổ chính.</p>"
        )


class SetupWizard(QDialog):
    """«Thiết lập bàn làm việc văn thư»: agency → units and people → scanner → token → done."""

    def __init__(
        self,
        data_dir: Path,
        parent: QWidget | None = None,
        *,
        scanner_step: ScannerStep | None = None,
        token_step: TokenStep | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Thiết lập bàn làm việc văn thư")
        self.resize(1100, 660)
        self.data_dir = data_dir
        self.workspace: Any = None
        self.agency = AgencyStep(data_dir)
        self.staff = StaffStep()
        self.scanner = scanner_step or ScannerStep()
        self.token = token_step or TokenStep()
        self.finish = FinishStep()
        self.steps: list[SetupStep] = [self.agency, self.staff, self.scanner, self.token, self.finish]
        self.agency.desk_ready.connect(self._desk_ready)

        self.step_list = QListWidget()
        # The main window's navigation look, so the wizard feels like the same program.
        self.step_list.setObjectName("nav")
        self.step_list.setStyleSheet(NAV_STYLE)
        self.step_list.setFixedWidth(220)
        self.step_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for number, step in enumerate(self.steps, start=1):
            self.step_list.addItem(f"{number}. {step.title}")
        self.step_list.setEnabled(False)  # steps follow in order; the buttons move between them
        self.stack = QStackedWidget()
        for step in self.steps:
            self.stack.addWidget(step)

        self.skip_button = QPushButton("Bỏ qua bước này")
        self.skip_button.clicked.connect(self.next_step)
        self.next_button = QPushButton("Tiếp tục")
        self.next_button.clicked.connect(self.advance)
        for button in (self.skip_button, self.next_button):
            button.setAutoDefault(False)  # Enter in a step's field acts in the step
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.skip_button)
        buttons.addWidget(self.next_button)
        right = QVBoxLayout()
        right.setContentsMargins(18, 14, 18, 14)
        right.addWidget(self.stack, 1)
        right.addLayout(buttons)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.step_list)
        layout.addLayout(right, 1)
        self.show_step(0)

    def current(self) -> SetupStep:
        return self.steps[self.stack.currentIndex()]

    def show_step(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        self.step_list.setCurrentRow(index)
        step = self.steps[index]
        # The agency makes the desk: it cannot be skipped (closing the wizard leaves nothing).
        self.skip_button.setVisible(step is not self.agency and step is not self.finish)
        self.next_button.setText(
            "Khởi tạo" if step is self.agency else "Bắt đầu làm việc" if step is self.finish
            else "Tiếp tục"
        )
        # Enter moves on only where the step has nothing else to do with it.
        self.next_button.setDefault(step is self.agency or step is self.finish)
        if step is self.finish:
            self.finish.show_summary(self.steps[:-1])
        field = step.first_field()
        if field is not None:
            # After the stack has shown the page: focus on a hidden widget is lost.
            QTimer.singleShot(0, field.setFocus)

    def advance(self) -> None:
        step = self.current()
        if step is self.agency:
            step_index = self.stack.currentIndex()
            self.agency.apply(lambda: self.show_step(step_index + 1))
            return
        if step is self.finish:
            self.accept()
            return
        self.next_step()

    def next_step(self) -> None:
        self.show_step(min(self.stack.currentIndex() + 1, len(self.steps) - 1))

    def _desk_ready(self, data_dir: Path) -> None:
        from clerk_app.workspace import Workspace

        self.workspace = Workspace.open(data_dir)
        for step in (self.staff, self.scanner, self.token):
            step.bind(self.workspace)

    def done(self, result: int) -> None:
        # The window opens the desk afresh; this dialog's own handle is closed here.
        if self.workspace is not None:
            self.workspace.close()
            self.workspace = None
        super().done(result)

    @property
    def desk_made(self) -> bool:
        return bool(self.agency.done_text)


class StepDialog(QDialog):
    """One of the wizard's screens alone, as the «Cài đặt» menu opens it."""

    def __init__(self, step: SetupStep, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Cài đặt — {step.title}")
        self.resize(960, 600)
        self.step = step
        close = QPushButton("Đóng")
        close.setAutoDefault(False)
        close.clicked.connect(self.accept)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(step, 1)
        layout.addLayout(row)


def add_settings_menu(window: QMainWindow, workspace: Any) -> tuple[Any, list[Any], Any]:
    """The main window's «Cài đặt» menu: the wizard's screens on the open desk.

    Returns the menu, its actions and the function that opens a screen (for tests)."""
    menu = window.menuBar().addMenu("Cài &đặt")

    def open_step(make: Any) -> StepDialog:
        step = make()
        if hasattr(step, "bind"):
            step.bind(workspace)
        dialog = StepDialog(step, window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    entries = (
        ("&Cơ quan…", lambda: AgencyView(workspace)),
        ("Đơn vị và &cán bộ…", StaffStep),
        ("&Máy quét…", ScannerStep),
        ("&USB ký số…", TokenStep),
    )
    actions = []
    for text, make in entries:
        action = menu.addAction(text)
        action.triggered.connect(lambda _checked=False, make=make: open_step(make))
        actions.append(action)
    return menu, actions, open_step


def run_first_start(data_dir: Path) -> bool:
    """Show the wizard on an empty data folder; True when it made the desk."""
    wizard = SetupWizard(data_dir)
    wizard.exec()
    return wizard.desk_made
