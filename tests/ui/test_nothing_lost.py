"""Nothing lost by a key: electronic files read like scans, Ctrl+O names its document, broken
files said in Vietnamese, the statistics saved from the button, one menu letter per item."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QFontMetrics
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu
from pytestqt.qtbot import QtBot

from clerk_app.reading import specimens
from clerk_app.records import IncomingDraft
from clerk_app.workspace import Workspace
from tests.ui.conftest import MessageBoxes
from ui.main_window import MainWindow
from ui.registration_form import IncomingForm


@pytest.fixture
def text_pdf(tmp_path: Path) -> Path:
    """A born-digital decision, as it arrives by the electronic document system."""
    pdf = specimens.render_letter(
        random.Random(1),
        layout="typed",
        header=("UBND TỈNH PHÚ YÊN",),
        reference="12/QĐ-UBND",
        issued_on=date(2026, 3, 2),
        place="Phú Yên",
        doc_type="Quyết định",
        subject="Về việc thành lập tổ công tác",
        urgency=None,
    )
    path = tmp_path / "quyet-dinh.pdf"
    path.write_bytes(pdf)
    return path


def _form(window: MainWindow) -> IncomingForm:
    (form,) = [f for f in window.open_forms if isinstance(f, IncomingForm)]
    return form


def _filled_from_text(qtbot: QtBot, form: IncomingForm) -> None:
    qtbot.waitUntil(lambda: form.reference.text() == "12/QĐ-UBND", timeout=30_000)
    assert form.issuer.text() == "UBND tỉnh Phú Yên"
    assert form.doc_type.currentText() == "Quyết định"
    assert form.subject.toPlainText() == "Về việc thành lập tổ công tác"
    assert form.issued_on.value() == date(2026, 3, 2)
    assert form.source_channel.currentText() == "Hệ thống điện tử"
    assert not form.has_paper.isChecked()
    assert not form.has_typed_content()  # read, not typed: Esc closes without asking


def test_a_dropped_text_pdf_fills_the_form_as_an_electronic_file(
    app: QApplication, qtbot: QtBot, workspace: Workspace, text_pdf: Path
) -> None:
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(text_pdf))])
    event = QDropEvent(
        QPointF(100, 100),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)
    _filled_from_text(qtbot, _form(window))


def test_ctrl_o_in_a_new_form_reads_the_file(
    app: QApplication,
    qtbot: QtBot,
    workspace: Workspace,
    text_pdf: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.register("incoming")
    form = _form(window)
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(text_pdf)], ""))
    form.choose_files()
    _filled_from_text(qtbot, form)


def test_a_cut_off_pdf_is_named_as_cut_off_not_an_index_error(
    app: QApplication,
    qtbot: QtBot,
    workspace: Workspace,
    text_pdf: Path,
    tmp_path: Path,
    message_boxes: MessageBoxes,
) -> None:
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(text_pdf.read_bytes()[: text_pdf.stat().st_size // 3])
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    form = window.register("incoming", [cut])
    assert isinstance(form, IncomingForm)
    qtbot.waitUntil(lambda: "cắt cụt" in form.files_error.text(), timeout=30_000)
    qtbot.waitUntil(lambda: "cắt cụt" in form.preview._image.text(), timeout=30_000)
    qtbot.waitUntil(lambda: "Không đọc được" in form.status.text(), timeout=30_000)
    shown = form.files_error.text() + form.preview._image.text() + form.status.text()
    assert "IndexError" not in shown and "không mong đợi" not in shown
    assert message_boxes.shown == []


def test_ctrl_o_names_the_document_the_file_goes_to(
    app: QApplication,
    qtbot: QtBot,
    workspace: Workspace,
    text_pdf: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result = workspace.register_incoming(
        IncomingDraft(
            issuer="Sở Nội vụ",
            reference="",
            issued_on=None,
            doc_type="Công văn",
            subject="V/v tuyển dụng",
        )
    )
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.refresh()
    window.open_detail(result.document.summary.id)
    captions: list[str] = []

    def pick(_parent: Any, caption: str, *_a: Any, **_k: Any) -> tuple[list[str], str]:
        captions.append(caption)
        return [str(text_pdf)], ""

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", pick)
    window.action_attach.trigger()
    title = f"Văn bản đến số 1/{result.document.summary.year}"
    assert captions == [f"Đính kèm tệp vào {title}"]
    qtbot.waitUntil(lambda: len(workspace.document(result.document.summary.id).files) == 1)
    qtbot.waitUntil(lambda: title in window.statusBar().currentMessage())


def test_statistics_are_saved_from_the_button(
    app: QApplication, qtbot: QtBot, workspace: Workspace, tmp_path: Path, monkeypatch: Any
) -> None:
    from ui.print_register import ReportDialog

    workspace.register_incoming(
        IncomingDraft(
            issuer="Sở Nội vụ", reference="", issued_on=None, doc_type="Công văn", subject="V/v a"
        )
    )
    dialog = ReportDialog(workspace)
    qtbot.addWidget(dialog)
    out = tmp_path / "thong-ke.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    dialog.kind.setCurrentIndex(dialog.kind.findData(".xlsx"))
    dialog.save_button.click()  # clicked(checked=False) used to arrive as the path
    qtbot.waitUntil(lambda: "Đã lưu" in dialog.status.text(), timeout=30_000)
    assert out.is_file() and out.read_bytes()[:2] == b"PK"


def test_each_menu_gives_every_item_its_own_letter(
    app: QApplication, qtbot: QtBot, workspace: Workspace
) -> None:
    window = MainWindow(workspace)
    qtbot.addWidget(window)

    def letter(text: str) -> str | None:
        at = text.replace("&&", "").find("&")
        return text.replace("&&", "")[at + 1].casefold() if at >= 0 else None

    bar = [letter(a.text()) for a in window.menuBar().actions()]
    assert len([x for x in bar if x]) == len({x for x in bar if x}), bar
    for action in window.menuBar().actions():
        menu = action.menu()
        assert isinstance(menu, QMenu)
        letters = [letter(a.text()) for a in menu.actions() if not a.isSeparator()]
        used = [x for x in letters if x]
        assert len(used) == len(set(used)), (menu.title(), letters)


def test_the_window_fits_a_1366_by_768_screen_with_the_key_columns_in_view(
    app: QApplication, qtbot: QtBot, workspace: Workspace
) -> None:
    from PySide6.QtCore import QSize

    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.fit_to(QSize(1366, 738))  # the screen less the taskbar
    window.show()
    assert window.width() <= 1366 and window.height() <= 738 - 32  # and the title bar
    assert window.statusBar().geometry().bottom() < window.height()
    table = window.incoming.table
    model = table.model()
    headers = [str(model.headerData(i, Qt.Orientation.Horizontal)) for i in range(10)]
    for name in ("Số đến", "Tác giả", "Đơn vị hoặc người nhận", "Ngày chuyển", "Độ khẩn"):
        i = headers.index(name)
        right = table.columnViewportPosition(i) + table.columnWidth(i)
        assert right <= table.viewport().width(), name
    # A four-digit arrival number beside the urgency dot, and the column's header, read whole
    # (they were «13…» and «Số đế» on this screen).
    number = headers.index("Số đến")
    icon = table.style().pixelMetric(table.style().PixelMetric.PM_SmallIconSize)
    digits = table.fontMetrics().horizontalAdvance("8888")
    heading = table.horizontalHeader().fontMetrics().horizontalAdvance("Số đến")
    assert table.columnWidth(number) >= max(digits + icon + 12, heading + 12)
    # The highest urgency reads whole in its column, in the bold the register marks it with
    # (it was «Thượn…»).
    bold = table.font()
    bold.setBold(True)
    urgency = QFontMetrics(bold).horizontalAdvance("Thượng khẩn")
    assert table.columnWidth(headers.index("Độ khẩn")) >= urgency + 8  # the cell's own margins
