"""The sync state in the status bar: online, or offline since when with what waiting; shows only.

Polls a `SyncRunner`'s snapshot with a QTimer; it never opens the database or the network.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QLabel, QWidget

from clerk_app.clock import system_clock, to_vietnam
from clerk_app.errors import ClockSkewed
from clerk_app.messages import clock_skew_short, describe
from sync.runner import RunnerState
from ui.formatting import moment

ONLINE_STYLE = "QLabel { color: #1b5e20; padding: 0 6px; }"
OFFLINE_STYLE = "QLabel { color: #b71c1c; font-weight: bold; padding: 0 6px; }"
IDLE_STYLE = "QLabel { color: #555555; padding: 0 6px; }"


def status_text(st: RunnerState, now: datetime) -> str:
    """One line for the status bar; the time alone when the outage began today."""
    if not st.started:
        return "Đồng bộ chưa chạy"
    if not st.connected:
        return "Chưa kết nối máy chủ trung tâm"
    waiting = f" — {st.waiting} thay đổi chờ gửi" if st.waiting else ""
    if st.drafts_waiting:
        waiting += f" — {st.drafts_waiting} bản nháp chờ cấp số"
    if st.conflicts:
        waiting += f" — {st.conflicts} xung đột cần xử lý"
    if st.clock_wrong and st.clock_skew_s is not None:
        waiting += " — " + clock_skew_short(st.clock_skew_s)
    if st.online:
        return "Đang trực tuyến" + waiting
    since = st.offline_since
    if since is None:
        return "Mất kết nối" + waiting
    local = to_vietnam(since)
    shown = (
        f"{local.hour:02d}:{local.minute:02d}"
        if local.date() == to_vietnam(now).date()
        else moment(since)
    )
    return f"Mất kết nối từ {shown}" + waiting


def status_tooltip(st: RunnerState) -> str:
    lines = ["Bấm để xem quyền cấp số, bản nháp chờ cấp số và xung đột đồng bộ."]
    if st.last_success_at is not None:
        lines.append(f"Đồng bộ thành công lần cuối: {moment(st.last_success_at)}")
    if st.last_error is not None:
        lines.append(describe(st.last_error).one_line())
        lines.append(f"Thử lại sau {st.retry_delay:.0f} giây.")
    if st.clock_wrong and st.clock_skew_s is not None:
        lines.append(describe(ClockSkewed(st.clock_skew_s)).one_line())
    return "\n".join(lines)


class SyncStatus(QLabel):
    """A status-bar label following the runner's state; a click asks for the sync screens."""

    clicked = Signal()

    def __init__(
        self,
        state: Callable[[], RunnerState],
        parent: QWidget | None = None,
        every_ms: int = 1000,
        clock: Callable[[], datetime] = system_clock,
    ) -> None:
        super().__init__(parent)
        self._state = state
        self._clock = clock
        self.setObjectName("syncStatus")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.refresh)
        self.timer.start(every_ms)
        self.refresh()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mousePressEvent(event)

    def refresh(self) -> None:
        st = self._state()
        self.setText(status_text(st, self._clock()))
        self.setToolTip(status_tooltip(st))
        if not st.started or not st.connected:
            self.setStyleSheet(IDLE_STYLE)
        else:
            wrong = not st.online or st.clock_wrong
            self.setStyleSheet(OFFLINE_STYLE if wrong else ONLINE_STYLE)
