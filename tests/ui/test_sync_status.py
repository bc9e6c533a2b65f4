"""The status-bar sync state, fed by a real SyncRunner on a desk of a real server process."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from clerk_app.clock import VIETNAM, to_vietnam
from clerk_app.workspace import Workspace
from sync.engine import DeskSync
from sync.runner import RunnerState, SyncRunner
from tests.sync.conftest import RunningServer, connect
from tests.sync.test_engine import YEAR, register
from ui.sync_status import OFFLINE_STYLE, ONLINE_STYLE, SyncStatus, status_text

SHOTS = os.environ.get("CLERK_SCREENSHOTS", "")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    srv = RunningServer(f"sqlite:///{tmp_path / 'server.sqlite3'}", tmp_path)
    srv.agency()
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def test_status_text_of_an_outage_from_an_earlier_day() -> None:
    st = RunnerState(
        started=True,
        connected=True,
        online=False,
        offline_since=datetime(2026, 11, 20, 9, 15, tzinfo=VIETNAM),
        waiting=3,
        last_success_at=None,
        last_error=None,
        failures=4,
        retry_delay=40,
        rounds=9,
    )
    today = datetime(2026, 11, 20, 15, 0, tzinfo=VIETNAM)
    assert status_text(st, today) == "Mất kết nối từ 09:15 — 3 thay đổi chờ gửi"
    monday = datetime(2026, 11, 23, 8, 0, tzinfo=VIETNAM)
    assert status_text(st, monday) == "Mất kết nối từ 20/11/2026 09:15 — 3 thay đổi chờ gửi"
    assert status_text(replace(st, online=True, waiting=0), today) == "Đang trực tuyến"
    assert status_text(replace(st, connected=False), today) == "Chưa kết nối máy chủ trung tâm"


def test_widget_follows_the_runner_offline_and_back(
    qtbot: QtBot, server: RunningServer, tmp_path: Path
) -> None:
    desk = tmp_path / "a"
    Workspace.init(
        desk, agency_name="Ủy ban nhân dân tỉnh Phú Yên", agency_code="UBND", year=YEAR
    ).close()
    connect(server, desk, "nvan1.ubnd")
    with DeskSync(desk) as d:
        d.sync()
        d.acquire_lease("incoming", YEAR)
    runner = SyncRunner(desk, interval=0.3, base_delay=0.2, max_delay=1.0, peek_every=0.05)
    widget = SyncStatus(runner.state, every_ms=50)
    qtbot.addWidget(widget)
    widget.resize(420, 28)
    widget.show()
    assert widget.text() == "Đồng bộ chưa chạy"
    runner.start()
    try:
        qtbot.waitUntil(lambda: widget.text() == "Đang trực tuyến", timeout=60_000)
        assert widget.styleSheet() == ONLINE_STYLE
        server.kill()
        register(desk, 3)
        qtbot.waitUntil(
            lambda: (
                widget.text().startswith("Mất kết nối từ")
                and widget.text().endswith("3 thay đổi chờ gửi")
            ),
            timeout=60_000,
        )
        since = runner.state().offline_since
        assert since is not None
        local = to_vietnam(since)
        assert widget.text() == (
            f"Mất kết nối từ {local.hour:02d}:{local.minute:02d} — 3 thay đổi chờ gửi"
        )
        assert widget.styleSheet() == OFFLINE_STYLE
        assert "máy chủ" in widget.toolTip().lower()
        shots = Path(SHOTS) if SHOTS else tmp_path
        assert widget.grab().save(str(shots / "sync-status-offline.png"))
        server.start()
        runner.sync_now()
        qtbot.waitUntil(lambda: widget.text() == "Đang trực tuyến", timeout=60_000)
        assert widget.grab().save(str(shots / "sync-status-online.png"))
    finally:
        assert runner.stop(timeout=30)


def test_main_window_of_a_connected_desk_shows_and_stops_the_sync(
    qtbot: QtBot, server: RunningServer, tmp_path: Path
) -> None:
    from ui.main_window import MainWindow

    desk = tmp_path / "b"
    Workspace.init(
        desk, agency_name="Ủy ban nhân dân tỉnh Phú Yên", agency_code="UBND", year=YEAR
    ).close()
    connect(server, desk, "nvan1.ubnd")
    ws = Workspace.open(desk)
    try:
        window = MainWindow(ws)
        qtbot.addWidget(window)
        assert window.sync_runner is not None
        qtbot.waitUntil(lambda: window.sync_status.text() == "Đang trực tuyến", timeout=60_000)
        window.close()
        assert window.sync_runner._thread is None  # stopped with the window
    finally:
        ws.close()


def test_main_window_of_a_desk_never_connected_runs_no_sync(qtbot: QtBot, tmp_path: Path) -> None:
    from ui.main_window import MainWindow

    ws = Workspace.init(tmp_path / "c", agency_name="Sở Nội vụ", agency_code="SNV")
    try:
        window = MainWindow(ws)
        qtbot.addWidget(window)
        assert window.sync_runner is None
    finally:
        ws.close()
