"""PIN dialog, token chooser and signature panel on Qt offscreen, with screenshots."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from clerk_app import errors
from clerk_app.clock import VIETNAM
from clerk_app.signing.verify import SignatureCheck
from ui.signing_dialogs import PinDialog, SignaturePanel, TokenChooser

SHOTS = Path(os.environ.get("CLERK_SCREENSHOTS", ""))


def _shot(widget: object, tmp_path: Path, name: str) -> None:
    target = (SHOTS if str(SHOTS) not in ("", ".") else tmp_path) / name
    assert widget.grab().save(str(target))  # type: ignore[attr-defined]
    assert target.stat().st_size > 0


def test_pin_dialog_masks_and_forgets_the_pin(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = PinDialog("UBND-PHUYEN", errors.TokenPinIncorrect(1))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.pin_edit, "246810")
    assert dialog.pin_edit.displayText() != "246810"
    warning = dialog.findChild(QLabel, "pinProblem")
    assert warning is not None and "còn 1 lần thử" in warning.text()
    _shot(dialog, tmp_path, "pin-dialog.png")
    assert dialog.take_pin() == "246810"
    assert dialog.pin_edit.text() == ""


def test_token_chooser_lists_presets_and_explains_a_missing_driver(
    qtbot: QtBot, tmp_path: Path
) -> None:
    chooser = TokenChooser(platform="linux")
    qtbot.addWidget(chooser)
    names = [chooser.module_box.itemText(i) for i in range(chooser.module_box.count())]
    assert any("SafeNet" in n for n in names) and any("Bit4id" in n for n in names)
    chooser.select_module(str(tmp_path / "khong-co.so"))
    assert "Không tìm thấy trình điều khiển USB ký số" in chooser.status.text()
    assert chooser.choice() is None
    chooser.show()
    _shot(chooser, tmp_path, "token-chooser.png")


def test_signature_panel_shows_each_signature(qtbot: QtBot, tmp_path: Path) -> None:
    panel = SignaturePanel()
    qtbot.addWidget(panel)
    at = datetime(2026, 3, 10, 9, 15, 2, tzinfo=VIETNAM)
    panel.show_checks(
        [
            SignatureCheck(
                "ChuKyLanhDao",
                "Nguyễn Văn Hùng",
                at,
                True,
                True,
                True,
                "form_filling",
                False,
                0,
                None,
            ),
            SignatureCheck(
                "ChuKyCoQuan",
                "Ủy ban nhân dân tỉnh Phú Yên",
                at,
                True,
                True,
                False,
                "none",
                True,
                0,
                None,
            ),
        ]
    )
    assert panel.table.rowCount() == 2
    assert panel.table.item(0, 1).text() == "Nguyễn Văn Hùng"
    assert panel.table.item(0, 2).text() == "10/03/2026 09:15:02"
    assert panel.table.item(1, 5).text() == "KHÔNG"
    assert "chưa xác định được tin cậy" in panel.summary.text()
    panel.resize(900, 200)
    panel.show()
    _shot(panel, tmp_path, "signature-panel.png")
