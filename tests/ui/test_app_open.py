"""Opening the window on a damaged desk database: a message that says what to do, no traceback."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from clerk_app.storage.database import DB_FILENAME
from clerk_app.workspace import Workspace


def test_a_damaged_database_opens_a_message_not_a_traceback(
    app: QApplication,
    workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
    message_boxes: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from ui import app as app_module

    data_dir: Path = workspace.data_dir
    workspace.maintain()
    workspace.close()
    db = data_dir / DB_FILENAME
    data = bytearray(db.read_bytes())
    data[:16] = b"not a database!!"
    db.write_bytes(bytes(data))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setenv("CLERK_DATA_DIR", str(data_dir))
    monkeypatch.setattr(app_module, "_setup_logging", lambda: None)
    assert app_module.main([]) == 1
    [shown] = message_boxes.shown
    assert "bị hỏng" in shown.text + shown.informative
    assert "sao lưu" in shown.text + shown.informative
    assert "Traceback" not in capsys.readouterr().err
