"""The watched folder at the desk: files dropped in a real folder arrive read, in the waiting list."""

from __future__ import annotations

from pathlib import Path

import pymupdf
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from clerk_app.reading import specimens
from clerk_app.workspace import Workspace
from scanner.watch import WAITING_DIR, WaitingFiles, WatchSettings, save_watch_settings
from ui.main_window import MainWindow
from ui.registration_form import IncomingForm


def test_dropped_scan_waits_prefilled_and_leaves_the_list_once_registered(
    app: QApplication, qtbot: QtBot, workspace: Workspace, tmp_path: Path
) -> None:
    inbox = tmp_path / "may-quet"
    inbox.mkdir()
    save_watch_settings(workspace.data_dir, WatchSettings(str(inbox), interval=0.2))
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    panel = window.watched_folder.panel
    assert not window.watched_folder.dock.isHidden()
    assert str(inbox) in panel.folder_label.text() and panel.list.count() == 0

    spec = specimens.specimen(4004, dpi=300, layout="typed", skew=0.8)
    # Written as a network scanner does: under a temporary name, renamed when complete.
    part = inbox / "scan-0001.png.part"
    spec.image.save(part, format="PNG", dpi=(300, 300))
    part.rename(inbox / "scan-0001.png")
    (inbox / "hong.pdf").write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 40)

    qtbot.waitUntil(
        lambda: panel.list.count() == 1 and "hong.pdf" in panel.notice.text(), timeout=120_000
    )
    item = panel.selected()
    assert item is not None and item.name == "scan-0001.png"
    assert spec.truth["reference"] in panel.list.item(0).text()
    # The original is kept in done/, the bad file in rejected/ with its reason; nothing deleted.
    assert (inbox / "done" / "scan-0001.png").is_file()
    assert (inbox / "rejected" / "hong.pdf").is_file()
    assert "FileCorrupt" in (inbox / "rejected" / "hong.pdf.reason.txt").read_text("utf-8")
    assert sorted(p.name for p in inbox.iterdir()) == ["done", "rejected"]
    # The intermediate page images are gone; the waiting PDF stands for them.
    assert not any((workspace.data_dir / "scan-recovery").rglob("*.png"))
    # The waiting PDF is the compact searchable one, and the list survives a restart.
    with pymupdf.open(item.pdf) as doc:
        assert spec.truth["reference"] in doc[0].get_text()
    again = WaitingFiles(workspace.data_dir / WAITING_DIR).waiting()
    assert [(w.id, w.extraction.field("reference").value) for w in again] == [
        (item.id, spec.truth["reference"])
    ]

    form = panel.open_selected()
    assert isinstance(form, IncomingForm)
    assert form.reference.text() == spec.truth["reference"]
    assert form.subject.toPlainText().strip() == spec.truth["subject"]
    assert form.files() == [item.pdf]
    form.submit()
    qtbot.waitUntil(lambda: panel.list.count() == 0, timeout=30_000)
    assert workspace.search(spec.truth["reference"])
    assert WaitingFiles(workspace.data_dir / WAITING_DIR).waiting() == []


def test_choosing_a_folder_is_kept_in_the_desk_settings(
    app: QApplication, qtbot: QtBot, workspace: Workspace, tmp_path: Path
) -> None:
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    assert window.watched_folder.dock.isHidden()  # no folder, nothing waiting: out of the way
    assert window.action_watch.text().startswith("Thư mục")
    window.watched_folder.set_folder(str(tmp_path))
    assert not window.watched_folder.dock.isHidden()
    window.close()
    reopened = MainWindow(workspace)
    qtbot.addWidget(reopened)
    assert reopened.watched_folder.settings.folder == str(tmp_path)
    assert str(tmp_path) in reopened.watched_folder.panel.folder_label.text()
