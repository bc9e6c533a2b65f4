"""The background runner: work done after the GUI side is gone reports to nobody, silently."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import shiboken6
from PySide6.QtWidgets import QApplication

from ui import workers


@pytest.fixture
def fresh_hub(app: QApplication) -> Iterator[None]:
    """The test deletes the process's hub; the next run_in_background makes a new one."""
    workers.pool().waitForDone(30_000)
    saved = list(workers._hub_instance)
    workers._hub_instance.clear()
    try:
        yield
    finally:
        workers.pool().waitForDone(30_000)
        workers._hub_instance[:] = saved


def test_work_that_ends_after_the_hub_is_deleted_tells_nobody(
    fresh_hub: None, capfd: pytest.CaptureFixture[str]
) -> None:
    # What happens when the window closes (or a test run ends) while a scanner search is still
    # running: the process deletes the hub's Qt object, then the worker finishes. Emitting on
    # the deleted object printed «RuntimeError: Signal source has been deleted» from the pool.
    release = threading.Event()
    told: list[object] = []
    workers.run_in_background(lambda: release.wait(30), told.append, told.append)
    hub = workers._hub_instance[0]
    shiboken6.delete(hub)
    release.set()
    assert workers.pool().waitForDone(30_000)
    QApplication.processEvents()
    assert told == []
    err = capfd.readouterr().err
    assert "Signal source has been deleted" not in err and "Traceback" not in err


def test_work_reports_its_result_on_the_gui_thread(fresh_hub: None, qtbot: object) -> None:
    got: list[tuple[object, bool]] = []
    gui = threading.current_thread()
    workers.run_in_background(
        lambda: 42,
        lambda value: got.append((value, threading.current_thread() is gui)),
        lambda error: got.append((error, False)),
    )
    qtbot.waitUntil(lambda: bool(got), timeout=10_000)  # type: ignore[attr-defined]
    assert got == [(42, True)]
