"""After an outage: tell the clerk what happened and let them write the incident report; shows only.

Watches the sync runner's state for the moment the desk is back online, then reads the last
outage's facts off the GUI thread. The facts and the PDF come from sync.outage_report.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from sync.outage_report import OutageFacts, hours_text
from sync.runner import RunnerState
from ui import errors as presenter
from ui.formatting import moment
from ui.workers import run_in_background


def recovery_text(facts: OutageFacts, waiting: int) -> str:
    """What the clerk is told when the server answers again (plain text, Vietnamese)."""
    drafts = [i for i in facts.items if i.kind == "draft"]
    registered = len(facts.items) - len(drafts)
    lines = [
        f"Mất kết nối máy chủ từ {moment(facts.started_at)} đến {moment(facts.ended_at)}"
        f" ({hours_text(facts.working_time_lost)} làm việc).",
        f"Trong thời gian đó bàn này đã đăng ký {registered} văn bản"
        f" và lập {len(drafts)} bản nháp chờ cấp số.",
    ]
    if facts.urgent:
        lines.append(f"{len(facts.urgent)} văn bản khẩn cần báo cáo người có thẩm quyền.")
    if facts.handovers:
        lines.append(f"Sổ chuyển giao giấy có {len(facts.handovers)} lượt trong thời gian sự cố.")
    lines.append(
        "Các thay đổi đã được gửi lên máy chủ."
        if waiting == 0
        else f"Còn {waiting} thay đổi đang được gửi lên máy chủ."
    )
    if facts.paper_mode:
        lines.append(
            "Sự cố quá 4 giờ làm việc: lập biên bản sự cố kỹ thuật (Quy chế KH&CN 2018, Điều 5)."
        )
    return "\n".join(lines)


def last_outage_facts(data_dir: Path) -> OutageFacts:
    from sync.engine import DeskSync
    from sync.outage_report import outage_facts

    with DeskSync(data_dir) as desk:
        return outage_facts(desk)


def write_last_outage_report(data_dir: Path, out: Path) -> OutageFacts:
    from sync.engine import DeskSync
    from sync.outage_report import outage_facts, write_outage_report

    with DeskSync(data_dir) as desk:
        facts = outage_facts(desk, clock=desk.clock)
        write_outage_report(facts, out, desk.clock())
    return facts


class RecoveryWatch(QObject):
    """Emits `recovered` once each time the runner goes from offline to online."""

    recovered = Signal()

    def __init__(
        self, state: Callable[[], RunnerState], parent: QObject | None = None, every_ms: int = 1000
    ) -> None:
        super().__init__(parent)
        self._state = state
        self._was_offline = False
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(every_ms)

    def check(self) -> None:
        st = self._state()
        if not st.connected:
            return
        offline = not st.online and st.offline_since is not None
        if self._was_offline and st.online:
            self.recovered.emit()
        self._was_offline = offline if not st.online else False


class OutageNotice:
    """The window's side: a notice on recovery and the incident report on request."""

    def __init__(
        self, window: QWidget, data_dir: Path, state: Callable[[], RunnerState] | None = None
    ) -> None:
        self.window = window
        self.data_dir = data_dir
        self.state = state  # the sync runner's, once it runs
        self.box: QMessageBox | None = None
        self.last_written: Path | None = None

    def show_recovery(self) -> None:
        waiting = self.state().waiting if self.state is not None else 0
        run_in_background(
            lambda: last_outage_facts(self.data_dir),
            lambda facts: self._tell(facts, waiting),
            lambda error: presenter.present(error, self.window),
            owner=self.window,
        )

    def _tell(self, facts: OutageFacts, waiting: int) -> None:
        box = QMessageBox(self.window)
        box.setWindowTitle("Đã kết nối lại máy chủ trung tâm")
        box.setIcon(QMessageBox.Icon.Information)
        box.setText(recovery_text(facts, waiting))
        report = box.addButton("Lập biên bản sự cố…", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Đóng", QMessageBox.ButtonRole.RejectRole)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        report.clicked.connect(lambda: self.write_report())
        self.box = box
        box.show()

    def write_report(self, out: Path | None = None) -> None:
        """Ask where to save (unless given), then write the last outage's report off-thread."""
        if out is None:
            name, _ = QFileDialog.getSaveFileName(
                self.window, "Lưu biên bản sự cố", "bien-ban-su-co.pdf", "PDF (*.pdf)"
            )
            if not name:
                return
            out = Path(name)
        target = out

        def done(facts: Any) -> None:
            self.window.statusBar().showMessage(  # type: ignore[attr-defined]
                f"Đã lập biên bản sự cố {target.name}"
                f" ({hours_text(facts.working_time_lost)} làm việc bị gián đoạn).",
                10000,
            )
            self.last_written = target

        run_in_background(
            lambda: write_last_outage_report(self.data_dir, target),
            done,
            lambda error: presenter.present(error, self.window),
            owner=self.window,
        )
