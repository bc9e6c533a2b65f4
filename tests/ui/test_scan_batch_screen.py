"""The scanning screen against the real SANE test device: pages arrive, edits, undo, cancel, jam."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from clerk_app import errors
from clerk_app.reading import specimens
from ui.scan_batch import ScanBatchScreen

GRID = {"test-picture": "Grid"}


def _screen(qtbot: QtBot, tmp_path: Path, **options: object) -> ScanBatchScreen:
    screen = ScanBatchScreen(
        tmp_path / "recovery", backend_options={**GRID, **options}, clean=False
    )
    qtbot.addWidget(screen)
    screen.device.setEditText("test:0")
    screen.resize(1100, 700)
    return screen


def test_ten_pages_arrive_then_edit_split_and_undo(
    app: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    screen = _screen(qtbot, tmp_path)
    screen.dpi.addItem("75 dpi", 75)
    screen.dpi.setCurrentIndex(screen.dpi.count() - 1)
    screen.scan_button.click()
    qtbot.waitUntil(lambda: not screen.scanning, timeout=60_000)
    assert screen.pages.count() == 10
    assert "10 trang" in screen.status.text()
    screen.pages.setCurrentRow(0)
    screen.buttons["right"].click()
    assert screen.batch.pages[0].rotation == 90
    screen.pages.setCurrentRow(3)
    screen.buttons["split"].click()
    assert len(screen.batch.documents()) == 2
    assert screen.pages.item(3).text().startswith("VB 2 · trang 1")
    screen.pages.setCurrentRow(9)
    screen.buttons["delete"].click()
    assert screen.pages.count() == 9
    for _ in range(3):
        screen.undo_button.click()
    assert screen.pages.count() == 10 and screen.batch.pages[0].rotation == 0
    assert not screen.undo_button.isEnabled()
    out = os.environ.get("CLERK_SCREENSHOTS")
    if out:
        screen.grab().save(str(Path(out) / "scan-batch.png"))


def test_cancel_keeps_pages_and_says_so(app: QApplication, qtbot: QtBot, tmp_path: Path) -> None:
    screen = _screen(
        qtbot,
        tmp_path,
        **{"read-limit": 1, "read-limit-size": 8192, "read-delay": 1, "read-delay-duration": 10000},
    )
    screen.dpi.addItem("75 dpi", 75)
    screen.dpi.setCurrentIndex(screen.dpi.count() - 1)
    screen.scan_button.click()
    assert screen.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: screen.pages.count() >= 1, timeout=30_000)
    screen.cancel_button.click()
    qtbot.waitUntil(lambda: not screen.scanning, timeout=30_000)
    assert isinstance(screen.last_stop, errors.ScanCancelled)
    assert 1 <= screen.pages.count() < 10
    assert "Đã dừng quét" in screen.status.text()


def test_jam_message_and_pages_kept(app: QApplication, qtbot: QtBot, tmp_path: Path) -> None:
    screen = _screen(qtbot, tmp_path)
    screen.dpi.addItem("75 dpi", 75)
    screen.dpi.setCurrentIndex(screen.dpi.count() - 1)
    screen.driver_settings_after = None
    original = screen.settings

    def jam_after_four():  # type: ignore[no-untyped-def]
        from dataclasses import replace

        return replace(
            original(), options_after_page={4: {"read-return-value": "SANE_STATUS_JAMMED"}}
        )

    screen.settings = jam_after_four  # type: ignore[method-assign]
    screen.scan_button.click()
    qtbot.waitUntil(lambda: not screen.scanning, timeout=60_000)
    assert screen.pages.count() == 4
    assert "kẹt" in screen.status.text()


def test_blank_page_is_flagged_and_read_fills_the_form(
    app: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    screen = ScanBatchScreen(tmp_path / "recovery", clean=True)
    qtbot.addWidget(screen)
    letter = tmp_path / "letter.png"
    spec = specimens.specimen(4004, dpi=300, layout="typed", skew=1.4)
    spec.image.save(letter, dpi=(300, 300))
    blank = tmp_path / "blank.png"
    specimens.blank(9, dpi=200).save(blank, dpi=(200, 200))
    screen.insert_file(letter)
    qtbot.waitUntil(lambda: screen.pages.count() == 1, timeout=60_000)
    screen.insert_file(blank)
    qtbot.waitUntil(lambda: screen.pages.count() == 2, timeout=60_000)
    assert screen.batch.pages[1].blank and "Trang trắng?" in screen.pages.item(1).text()
    screen.pages.setCurrentRow(0)
    with qtbot.waitSignal(screen.document_ready, timeout=120_000) as signal:
        screen.read_button.click()
    pdf, extraction, pages = signal.args
    assert pdf.suffix == ".pdf" and pdf.is_file()
    assert extraction.reference.value == spec.truth["reference"]
    assert len(pages) == 2  # one document until the clerk splits it


def test_qr_separator_sheet_splits_the_batch_and_devices_come_from_the_cache(
    app: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    from scanner.separator import make_separator_sheet

    screen = ScanBatchScreen(tmp_path / "recovery", clean=True)
    qtbot.addWidget(screen)
    screen.resize(1100, 700)
    letter = tmp_path / "letter.png"
    specimens.specimen(31, dpi=200, skew=0).image.save(letter, dpi=(200, 200))
    sheet = tmp_path / "separator.pdf"
    sheet.write_bytes(make_separator_sheet("Hồ sơ 2"))
    for i, path in enumerate([letter, sheet, letter], start=1):
        screen.insert_file(path)
        qtbot.waitUntil(lambda n=i: len(screen.batch.pages) == n, timeout=60_000)
        screen.pages.setCurrentRow(i - 1)
    assert [p.separator for p in screen.batch.pages] == [None, "Hồ sơ 2", None]
    assert "Tờ phân cách QR" in screen.pages.item(1).text()
    assert screen.split_qr.isEnabled()
    screen.split_qr.click()
    assert len(screen.batch.documents()) == 2 and screen.pages.count() == 2
    assert "1 tờ phân cách QR" in screen.status.text() and "«Hồ sơ 2»" in screen.status.text()

    calls: list[int] = []
    real = screen.driver.devices

    def counted(timeout: float = 60.0) -> list:  # type: ignore[type-arg]
        calls.append(1)
        return real(timeout)

    screen.driver.devices = counted  # type: ignore[method-assign]
    screen.find_devices()
    qtbot.waitUntil(lambda: screen.find_button.isEnabled(), timeout=60_000)
    assert screen.device.count() >= 1 and len(calls) == 1
    screen.find_devices()
    qtbot.waitUntil(lambda: screen.find_button.isEnabled(), timeout=60_000)
    assert len(calls) == 1  # the session's cache
    screen.find_button.click()
    qtbot.waitUntil(lambda: screen.find_button.isEnabled(), timeout=60_000)
    assert len(calls) == 2  # "search again" asks the backend
    out = os.environ.get("CLERK_SCREENSHOTS")
    if out:
        screen.grab().save(str(Path(out) / "scan-batch-qr.png"))
