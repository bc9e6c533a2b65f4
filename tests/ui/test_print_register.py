"""The "In sổ đăng ký" dialog offscreen: save as PDF, page rendering, missing printers."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pymupdf
import pytest
from PySide6.QtCore import QDate
from PySide6.QtGui import QPageLayout
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from clerk_app.records import IncomingDraft
from clerk_app.workspace import Workspace
from ui import print_register as pr


def _fill(ws: Workspace, count: int) -> date:
    now = ws.now_in_vietnam()
    for i in range(count):
        ws.register_incoming(
            IncomingDraft(
                issuer="Ủy ban nhân dân huyện Đồng Xuân",
                reference=f"{i + 1}/UBND-VP",
                issued_on=None,
                doc_type="Công văn",
                subject=f"Về việc phòng, chống lụt bão đợt {i + 1}",
                received_at=now - timedelta(minutes=count - i),
            )
        )
    return now.date()


def _dialog(qtbot: QtBot, workspace: Workspace, day: date) -> pr.PrintRegisterDialog:
    dialog = pr.PrintRegisterDialog(workspace)
    qtbot.addWidget(dialog)
    dialog.date_from.setDate(QDate(day.year, day.month, 1))
    dialog.date_to.setDate(QDate(day.year, day.month, day.day))
    return dialog


def test_save_pdf_writes_the_register_and_shows_what_it_holds(
    app: QApplication, qtbot: QtBot, workspace: Workspace, tmp_path: Path
) -> None:
    day = _fill(workspace, 5)
    dialog = _dialog(qtbot, workspace, day)
    dialog.show()
    out = tmp_path / "so-den.pdf"
    dialog.save_pdf(out)
    qtbot.waitUntil(lambda: out.is_file(), timeout=20_000)
    assert dialog.printed is not None and dialog.printed.entries == 5
    assert "5 văn bản" in dialog.status.text()
    with pymupdf.open(out) as doc:
        assert "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" in doc[0].get_text()
    dialog.grab().save(str(tmp_path / "print-dialog.png"))


def test_pages_are_rendered_onto_a_printer_page_by_page(
    app: QApplication, qtbot: QtBot, workspace: Workspace, tmp_path: Path
) -> None:
    from clerk_app.printing.register_pdf import print_register

    _fill(workspace, 3)
    printed = print_register(
        workspace, "incoming", workspace.now_in_vietnam().year, tmp_path / "a.pdf"
    )
    printer = pr.landscape_printer()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert pr.paint_pages(printed.path, printer) == printed.pdf_pages
    with pymupdf.open(tmp_path / "printed.pdf") as doc:
        assert doc.page_count == printed.pdf_pages
        assert doc[0].rect.width > doc[0].rect.height
    assert printer.pageLayout().orientation() == QPageLayout.Orientation.Landscape


def test_no_printer_installed_gets_a_clear_message(
    app: QApplication,
    qtbot: QtBot,
    workspace: Workspace,
    message_boxes: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(QPrinterInfo, "availablePrinters", staticmethod(lambda: []))
    dialog = _dialog(qtbot, workspace, workspace.now_in_vietnam().date())
    dialog.print_with_dialog()
    assert "chưa cài máy in" in message_boxes.last.text
    assert "Lưu PDF" in message_boxes.last.informative


def test_a_named_printer_that_is_not_there_is_named_in_the_message(
    app: QApplication, qtbot: QtBot, workspace: Workspace, message_boxes: Any
) -> None:
    dialog = _dialog(qtbot, workspace, workspace.now_in_vietnam().date())
    dialog.print_with_dialog("Máy in tầng 3")
    shown = message_boxes.last.text
    assert "Máy in tầng 3" in shown or "chưa cài máy in" in shown


def test_an_empty_month_is_refused_in_vietnamese(
    app: QApplication, qtbot: QtBot, workspace: Workspace, message_boxes: Any
) -> None:
    today = workspace.now_in_vietnam().date()
    dialog = _dialog(qtbot, workspace, today)
    dialog.save_pdf(Path("/nonexistent/never.pdf"))
    qtbot.waitUntil(lambda: bool(message_boxes.shown), timeout=20_000)
    assert "không có văn bản nào" in message_boxes.last.text


def test_the_handover_log_is_a_book_of_the_dialog_and_previews_page_by_page(
    app: QApplication, qtbot: QtBot, workspace: Workspace, tmp_path: Path
) -> None:
    from clerk_app.instructions.handover import hand_over_paper
    from clerk_app.instructions.secretary import Secretary

    day = _fill(workspace, 3)
    sec = Secretary(workspace)
    for row in workspace.register_rows(workspace.register_for("incoming", day.year).id, 0, 3):
        hand_over_paper(sec, row.id, "KT", copies=2)
    dialog = _dialog(qtbot, workspace, day)
    dialog.book.setCurrentIndex(dialog.book.findData("handover"))
    assert dialog.book.currentText() == "Sổ chuyển giao văn bản"
    assert dialog.volume.isEnabled() and not dialog.year.isEnabled()  # its year: its dates

    out = tmp_path / "so-chuyen-giao.pdf"
    dialog.save_pdf(out)
    qtbot.waitUntil(lambda: out.is_file(), timeout=20_000)
    assert dialog.printed is not None and dialog.printed.entries == 3
    assert "3 lượt chuyển giao" in dialog.status.text()
    assert "trang 1–1 của sổ năm" in dialog.status.text()
    dialog.grab().save(str(tmp_path / "handover-dialog.png"))
    with pymupdf.open(out) as doc:
        cover, text = doc[0].get_text(), doc[1].get_text()
    assert "SỔ CHUYỂN GIAO VĂN BẢN" in cover and "Phòng Kinh tế" in text
    dialog.preview_button.click()
    qtbot.waitUntil(lambda: dialog.viewer is not None, timeout=20_000)
    assert dialog.viewer is not None
    assert dialog.viewer.page_count == 2 and dialog.viewer.held_pages == [0]
    dialog.viewer.reject()
