"""The background sync runner against a real server process: offline, backoff, back online."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from clerk_app import errors
from sync.engine import DeskSync
from sync.runner import RunnerState, SyncRunner, backoff_delay
from tests.sync.conftest import RunningServer, check_all, connect
from tests.sync.test_engine import YEAR, register

BASE, CAP = 0.2, 1.6


def wait_for(runner: SyncRunner, what: Callable[[RunnerState], bool]) -> RunnerState:
    """Poll until `what` holds; the generous limit only stops a hung test, it asserts no speed."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        st = runner.state()
        if what(st):
            return st
        time.sleep(0.02)
    raise AssertionError(f"never reached: {runner.state()}")


def test_backoff_doubles_up_to_the_cap() -> None:
    assert [backoff_delay(n, 5, 300) for n in range(1, 9)] == [5, 10, 20, 40, 80, 160, 300, 300]


def test_runner_goes_offline_backs_off_and_comes_back(
    sqlite_server: RunningServer, new_desk: Any
) -> None:
    desk = new_desk("a")
    connect(sqlite_server, desk, "nvan1.ubnd")
    with DeskSync(desk) as d:
        d.sync()
        d.acquire_lease("incoming", YEAR)
    runner = SyncRunner(desk, interval=0.3, base_delay=BASE, max_delay=CAP, peek_every=0.05)
    runner.start()
    try:
        st = wait_for(runner, lambda s: s.rounds >= 1)
        assert st.online and st.connected and st.last_error is None and st.waiting == 0

        sqlite_server.kill()
        seen: dict[int, float] = {}
        while len(seen) < 5:
            st = wait_for(runner, lambda s: s.failures > max(seen, default=0))
            seen[st.failures] = st.retry_delay
            assert not st.online and st.offline_since is not None
            assert isinstance(st.last_error, errors.ServerUnreachable)
        delays = [seen[n] for n in sorted(seen)]
        assert delays == sorted(delays) and delays[-1] == CAP
        for n, delay in seen.items():
            assert delay == backoff_delay(n, BASE, CAP)

        register(desk, 3)
        waiting = wait_for(runner, lambda s: s.waiting == 3)
        assert not waiting.online

        sqlite_server.start()
        runner.sync_now()
        back = wait_for(runner, lambda s: s.online and s.waiting == 0)
        assert back.failures == 0 and back.last_error is None and back.offline_since is None
    finally:
        assert runner.stop(timeout=30)
    assert runner.stop()  # stopping twice is harmless
    check_all(sqlite_server, desk)
    with DeskSync(desk) as d:
        outages = d.outages()
    assert len(outages) == 1 and outages[0].ended_at is not None


def test_runner_on_a_desk_never_connected_reports_it_and_stops(new_desk: Any) -> None:
    desk: Path = new_desk("a")
    runner = SyncRunner(desk, interval=0.3, base_delay=BASE, max_delay=CAP, peek_every=0.05)
    runner.start()
    try:
        st = wait_for(runner, lambda s: s.failures >= 2)
        assert isinstance(st.last_error, errors.DeskNotConnected)
        assert not st.online
    finally:
        assert runner.stop(timeout=30)
