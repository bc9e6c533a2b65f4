"""The SANE driver against the real `test` backend: feeder batches, injected faults, cancel, crash."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
from PIL import Image

from clerk_app import errors
from scanner.driver import CancelFlag, ScannedPage, ScanSettings
from scanner.recovery import RecoveryFolder
from scanner.sane_driver import SaneDriver

FAST = {"test-picture": "Grid"}


def _settings(**kw: object) -> ScanSettings:
    base: dict[str, object] = {
        "device": "test:0",
        "source": "adf",
        "dpi": 75,
        "mode": "gray",
        "backend_options": dict(FAST),
    }
    base.update(kw)
    return ScanSettings(**base)  # type: ignore[arg-type]


def test_discovery_lists_the_test_device() -> None:
    names = [d.name for d in SaneDriver().devices()]
    assert "test:0" in names


def test_ten_page_feeder_batch_streams_pages_into_the_recovery_folder(tmp_path: Path) -> None:
    seen: list[ScannedPage] = []

    def arrived(page: ScannedPage) -> None:
        # Each page is on disk before the app hears of it.
        assert page.path.is_file()
        seen.append(page)

    outcome = SaneDriver().scan(_settings(), tmp_path / "b", on_page=arrived)
    assert outcome.complete and outcome.stopped is None
    assert [p.index for p in seen] == list(range(1, 11))
    assert sorted(p.name for p in (tmp_path / "b").glob("page-*.png")) == [
        f"page-{i:04d}.png" for i in range(1, 11)
    ]
    with Image.open(seen[0].path) as img:
        assert img.mode == "L" and img.info["dpi"][0] == pytest.approx(75, abs=1)
        # 200 mm (the test backend's largest area) at 75 dpi.
        assert img.width == pytest.approx(200 / 25.4 * 75, abs=2)


def test_second_batch_after_end_of_feed(tmp_path: Path) -> None:
    driver = SaneDriver()
    first = driver.scan(_settings(), tmp_path / "one")
    second = driver.scan(_settings(), tmp_path / "two")
    assert len(first.pages) == 10 and len(second.pages) == 10 and second.complete


def test_jam_on_page_seven_keeps_the_six_pages_scanned(tmp_path: Path) -> None:
    settings = _settings(options_after_page={6: {"read-return-value": "SANE_STATUS_JAMMED"}})
    outcome = SaneDriver().scan(settings, tmp_path / "b")
    assert isinstance(outcome.stopped, errors.ScannerJammed)
    assert outcome.stopped.pages_kept == 6 and len(outcome.pages) == 6
    assert all(p.path.is_file() for p in outcome.pages)
    assert "kẹt" in str(outcome.stopped) and "6 trang" in str(outcome.stopped)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        ("SANE_STATUS_COVER_OPEN", errors.ScannerCoverOpen),
        ("SANE_STATUS_DEVICE_BUSY", errors.ScannerBusy),
        ("SANE_STATUS_IO_ERROR", errors.ScannerVanished),
        ("SANE_STATUS_NO_MEM", errors.ScannerFailed),
    ],
)
def test_device_faults_stop_cleanly_with_a_typed_error(
    tmp_path: Path, status: str, error: type[errors.ScanStopped]
) -> None:
    settings = _settings(options_after_page={2: {"read-return-value": status}})
    outcome = SaneDriver().scan(settings, tmp_path / "b")
    assert type(outcome.stopped) is error
    assert outcome.stopped.pages_kept == 2 and len(outcome.pages) == 2


def test_cancel_keeps_the_pages_already_scanned(tmp_path: Path) -> None:
    cancel = CancelFlag()
    # A slow device: each 8 KiB of data takes 10 ms, so a page takes about a second.
    slow = {**FAST, "read-limit": 1, "read-limit-size": 8192, "read-delay": 1}
    slow["read-delay-duration"] = 10000
    outcome = SaneDriver().scan(
        _settings(backend_options=slow),
        tmp_path / "b",
        on_page=lambda page: cancel.set(),
        cancel=cancel,
    )
    assert isinstance(outcome.stopped, errors.ScanCancelled)
    assert 1 <= len(outcome.pages) < 10
    assert outcome.stopped.pages_kept == len(outcome.pages)


def test_a_driver_crash_does_not_take_the_app_down(tmp_path: Path) -> None:
    driver = SaneDriver()

    def crash(page: ScannedPage) -> None:
        if page.index == 2 and driver.process is not None:
            os.kill(driver.process.pid, signal.SIGKILL)

    slow = {**FAST, "read-delay": 1, "read-delay-duration": 20000}
    outcome = driver.scan(_settings(backend_options=slow), tmp_path / "b", on_page=crash)
    assert isinstance(outcome.stopped, errors.ScannerCrashed)
    assert 2 <= outcome.stopped.pages_kept < 10
    assert outcome.stopped.exit_code == -signal.SIGKILL


def test_a_hung_driver_is_ended_and_reported(tmp_path: Path) -> None:
    stuck = {**FAST, "read-limit": 1, "read-limit-size": 1024, "read-delay": 1}
    stuck["read-delay-duration"] = 200000  # 0.2 s per KiB: a page would take minutes
    outcome = SaneDriver().scan(
        _settings(backend_options=stuck, dpi=150, page_timeout=2.0), tmp_path / "b"
    )
    assert isinstance(outcome.stopped, errors.ScannerHung)
    assert outcome.stopped.seconds == 2.0 and outcome.pages == []


STUCK_CANCEL_WORKER = """
import time
from scanner.sane_worker import main  # first: it keeps pyinsane2 in this process
from pyinsane2.sane import rawapi
rawapi.sane_cancel = lambda handle: time.sleep(3600)  # a backend whose cancel never returns
raise SystemExit(main())
"""


def test_a_jam_is_reported_even_when_the_backend_cannot_cancel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SANE's test backend sometimes never returns from sane_cancel after a jam (its reader
    # thread deadlocks on exit under load). The clerk must still hear «kẹt» with the pages kept,
    # not «không phản hồi» after the page timeout, and the stuck worker must be ended.
    (tmp_path / "stuck_cancel_worker.py").write_text(STUCK_CANCEL_WORKER, encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    driver = SaneDriver()
    driver.module = "stuck_cancel_worker"
    started: list[int] = []

    def remember(page: ScannedPage) -> None:
        if driver.process is not None and not started:
            started.append(driver.process.pid)

    settings = _settings(
        options_after_page={2: {"read-return-value": "SANE_STATUS_JAMMED"}}, page_timeout=30.0
    )
    outcome = driver.scan(settings, tmp_path / "b", on_page=remember)
    assert isinstance(outcome.stopped, errors.ScannerJammed)
    assert outcome.stopped.pages_kept == 2 and len(outcome.pages) == 2
    assert started and driver.process is None
    with pytest.raises(ProcessLookupError):
        os.kill(started[0], 0)


def test_unknown_device_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(errors.ScannerNotFound) as caught:
        SaneDriver().scan(_settings(device="nosuch:7"), tmp_path / "b")
    assert caught.value.device == "nosuch:7"


def test_flatbed_gives_one_page(tmp_path: Path) -> None:
    outcome = SaneDriver().scan(_settings(source="flatbed", mode="color"), tmp_path / "b")
    assert outcome.complete and len(outcome.pages) == 1 and outcome.pages[0].mode == "RGB"


def test_interrupted_batch_is_offered_back(tmp_path: Path) -> None:
    recovery = RecoveryFolder(tmp_path / "recovery")
    batch = recovery.new_batch({"device": "test:0"})
    outcome = SaneDriver().scan(
        _settings(options_after_page={3: {"read-return-value": "SANE_STATUS_JAMMED"}}), batch
    )
    assert len(outcome.pages) == 3
    # While this desk runs, the batch is its own; after a crash its owner is gone.
    assert recovery.interrupted() == []
    meta = json.loads((batch / "batch.json").read_text("utf-8"))
    meta["pid"] = 2**22 + 12345  # no such process
    (batch / "batch.json").write_text(json.dumps(meta), "utf-8")
    offered = recovery.interrupted()
    assert [b.path for b in offered] == [batch] and len(offered[0].pages) == 3
    recovery.adopt(batch)
    assert recovery.interrupted() == []
    recovery.discard(batch)
    assert not batch.exists()
