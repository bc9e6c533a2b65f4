"""Qt's own dialogs speak Vietnamese: the file dialog a clerk meets on Ctrl+O and «Lưu…»."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QPushButton, QToolButton, QTreeView
from pytestqt.qtbot import QtBot

ENGLISH = ("Look in", "Files of", "File name", "Open", "Save", "Cancel", "Name", "Size", "Type")


def test_the_file_dialog_has_no_english_left(app: QApplication, qtbot: QtBot) -> None:
    for mode in (QFileDialog.AcceptMode.AcceptOpen, QFileDialog.AcceptMode.AcceptSave):
        dialog = QFileDialog(None, "Chọn tệp văn bản", "", "PDF (*.pdf)")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        dialog.setAcceptMode(mode)
        qtbot.addWidget(dialog)
        texts = [w.text() for w in dialog.findChildren(QLabel)]
        texts += [w.text() for w in dialog.findChildren(QPushButton)]
        texts += [w.toolTip() for w in dialog.findChildren(QToolButton)]
        for view in dialog.findChildren(QTreeView):
            model = view.model()
            texts += [
                str(model.headerData(i, Qt.Orientation.Horizontal))
                for i in range(model.columnCount())
            ]
        assert "&Tìm trong:" in texts and "&Loại tệp:" in texts
        left = [t for t in texts if any(t.replace("&", "").startswith(e) for e in ENGLISH)]
        assert left == []
