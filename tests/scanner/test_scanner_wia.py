"""The WIA worker against a fake WIA Automation Layer (tests/scanner/fake_wia: win32com,
pywintypes and pythoncom as pywin32 shapes them), run through the same WorkerDriver as SANE:
device list, feeder batches, empty feeder, paper jam and other faults, cancel, no scanner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from clerk_app import errors
from scanner.driver import CancelFlag, ScannedPage, ScanSettings
from scanner.wia_driver import WiaDriver
from scanner.wia_worker import hresult

FAKE = Path(__file__).parent / "fake_wia"
FUJITSU = {
    "id": "{6BDD1FC6-810F-11D0-BEC7-08002BE2092F}\\0001",
    "name": "fi-7160",
    "vendor": "FUJITSU",
    "feeder": True,
}
FLATBED_ONLY = {"id": "{6BDD1FC6-810F-11D0-BEC7-08002BE2092F}\\0002", "name": "CanoScan LiDE 300",
                "vendor": "Canon", "feeder": False}


@pytest.fixture
def wia(monkeypatch: pytest.MonkeyPatch) -> Any:
    def scenario(**kw: Any) -> WiaDriver:
        monkeypatch.setenv("FAKE_WIA", json.dumps({"devices": [FUJITSU], **kw}))
        monkeypatch.setenv("PYTHONPATH", str(FAKE))
        return WiaDriver()

    return scenario


def _settings(**kw: Any) -> ScanSettings:
    base: dict[str, Any] = {"device": FUJITSU["id"], "source": "adf", "dpi": 100, "mode": "gray"}
    base.update(kw)
    return ScanSettings(**base)


def test_device_list_holds_scanners_only(wia: Any) -> None:
    found = wia(devices=[FUJITSU, FLATBED_ONLY], cameras=1).devices()
    assert [(d.name, d.vendor, d.model) for d in found] == [
        (FUJITSU["id"], "FUJITSU", "fi-7160"),
        (FLATBED_ONLY["id"], "Canon", "CanoScan LiDE 300"),
    ]
    assert found[0].label == "FUJITSU fi-7160"


def test_feeder_batch_streams_each_page_until_the_feeder_is_empty(wia: Any, tmp_path: Path) -> None:
    seen: list[ScannedPage] = []

    def arrived(page: ScannedPage) -> None:
        assert page.path.is_file()  # on disk before the app hears of it
        seen.append(page)

    outcome = wia(feeder_pages=4).scan(_settings(), tmp_path / "b", on_page=arrived)
    assert outcome.complete and [p.index for p in seen] == [1, 2, 3, 4]
    with Image.open(seen[0].path) as image:
        assert image.mode == "L" and image.info["dpi"][0] == pytest.approx(100, abs=1)
        assert image.width == round(210 / 25.4 * 100)  # A4 width at the resolution set


def test_an_empty_feeder_gives_no_pages_and_no_error(wia: Any, tmp_path: Path) -> None:
    outcome = wia(feeder_pages=0).scan(_settings(), tmp_path / "b")
    assert outcome.complete and outcome.pages == []


def test_a_paper_jam_keeps_the_pages_before_it(wia: Any, tmp_path: Path) -> None:
    driver = wia(feeder_pages=6, fail_at={"page": 3, "hresult": "0x80210002"})
    outcome = driver.scan(_settings(), tmp_path / "b")
    assert isinstance(outcome.stopped, errors.ScannerJammed)
    assert outcome.stopped.pages_kept == 2 and len(outcome.pages) == 2
    assert "kẹt" in str(outcome.stopped)


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("0x80210016", errors.ScannerCoverOpen),
        ("0x80210006", errors.ScannerBusy),
        ("0x8021000A", errors.ScannerVanished),
        ("0x8021000E", errors.ScannerFailed),
    ],
)
def test_device_faults_are_typed(
    wia: Any, tmp_path: Path, code: str, error: type[errors.ScanStopped]
) -> None:
    outcome = wia(fail_at={"page": 2, "hresult": code}).scan(_settings(), tmp_path / "b")
    assert type(outcome.stopped) is error and outcome.stopped.pages_kept == 1


def test_cancel_stops_between_pages_and_keeps_them(wia: Any, tmp_path: Path) -> None:
    cancel = CancelFlag()
    outcome = wia(feeder_pages=10, page_seconds=0.3).scan(
        _settings(), tmp_path / "b", on_page=lambda page: cancel.set(), cancel=cancel
    )
    assert isinstance(outcome.stopped, errors.ScanCancelled)
    assert 1 <= len(outcome.pages) < 10 and outcome.stopped.pages_kept == len(outcome.pages)


def test_feeder_asked_of_a_flatbed_scanner_is_refused(wia: Any, tmp_path: Path) -> None:
    driver = wia(devices=[FLATBED_ONLY])
    outcome = driver.scan(_settings(device=FLATBED_ONLY["id"]), tmp_path / "b")
    assert isinstance(outcome.stopped, errors.ScannerFailed) and outcome.pages == []
    flatbed = driver.scan(_settings(device=FLATBED_ONLY["id"], source="flatbed", mode="color"),
                          tmp_path / "c")
    assert flatbed.complete and len(flatbed.pages) == 1 and flatbed.pages[0].mode == "RGB"


def test_no_scanner_unknown_scanner_and_a_busy_one(wia: Any, tmp_path: Path) -> None:
    with pytest.raises(errors.NoScanner):
        wia(devices=[], cameras=1).scan(_settings(device=None), tmp_path / "a")
    with pytest.raises(errors.ScannerNotFound):
        wia().scan(_settings(device="khong-co"), tmp_path / "b")
    busy = wia(connect_fails="0x80210006").scan(_settings(), tmp_path / "c")
    assert isinstance(busy.stopped, errors.ScannerBusy)


def test_without_pywin32_the_driver_is_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "nothing"
    empty.mkdir()
    monkeypatch.setenv("PYTHONPATH", str(empty))
    with pytest.raises(errors.ScannerDriverMissing) as caught:
        WiaDriver().devices()
    assert caught.value.driver == "wia"


def test_hresult_is_read_from_inside_a_dispatch_exception() -> None:
    import sys

    sys.path.insert(0, str(FAKE))
    try:
        from pywintypes import dispatch_error  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(FAKE))
    assert hresult(dispatch_error(0x80210002, "jam")) == 0x80210002
