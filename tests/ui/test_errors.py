"""The one error presenter: Vietnamese what/todo for typed errors, details for unexpected ones."""

from __future__ import annotations

import logging
import sys
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from clerk_app.errors import DuplicateDocument, MissingField, SecretDocumentRefused
from ui import errors as presenter


def test_typed_error_shows_what_happened_and_what_to_do(
    app: QApplication, message_boxes: Any
) -> None:
    presenter.present(MissingField("subject"))
    shown = message_boxes.last
    assert shown.title == "Không thực hiện được"
    assert shown.text == "Chưa nhập «Trích yếu nội dung»."
    assert shown.informative == "Hãy điền trường này rồi lưu lại."
    assert shown.detailed == ""
    assert shown.buttons == ["Đóng"]


def test_secret_and_duplicate_wording(app: QApplication, message_boxes: Any) -> None:
    presenter.present(SecretDocumentRefused("Tối mật"))
    assert "độ mật «Tối mật»" in message_boxes.last.text
    presenter.present(DuplicateDocument("x", 12, 2026, "same_file"))
    assert message_boxes.last.text == "Tệp này đã được đăng ký với số đến 12/2026."


def test_unexpected_error_has_copyable_details_and_is_logged(
    app: QApplication, message_boxes: Any, caplog: pytest.LogCaptureFixture
) -> None:
    try:
        raise RuntimeError("ổ đĩa biến mất")
    except RuntimeError as error:
        with caplog.at_level(logging.ERROR, logger="clerk_app.ui"):
            presenter.present(error)
    shown = message_boxes.last
    assert shown.title == "Lỗi không mong đợi"
    assert "lỗi không mong đợi" in shown.text
    assert "RuntimeError: ổ đĩa biến mất" in shown.detailed
    assert "Traceback" in shown.detailed
    assert "Hiện chi tiết…" in shown.buttons  # Qt's own button, in Vietnamese
    assert any("unexpected error" in r.message for r in caplog.records)


def test_installed_as_excepthook(
    app: QApplication, message_boxes: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    presenter.install()
    assert sys.excepthook is presenter._excepthook
    try:
        raise ValueError("hỏng")
    except ValueError:
        kind, error, tb = sys.exc_info()
    assert kind is not None and error is not None
    sys.excepthook(kind, error, tb)
    assert "ValueError: hỏng" in message_boxes.last.detailed


def test_guarded_returns_false_and_presents(app: QApplication, message_boxes: Any) -> None:
    def fail() -> None:
        raise MissingField("issuer")

    assert presenter.guarded(fail) is False
    assert message_boxes.last.text == "Chưa nhập «Tác giả (cơ quan ban hành)»."
    assert presenter.guarded(lambda: None) is True


def test_qt_standard_buttons_speak_vietnamese(app: QApplication) -> None:
    box = QMessageBox()
    box.setStandardButtons(
        QMessageBox.StandardButton.Yes
        | QMessageBox.StandardButton.No
        | QMessageBox.StandardButton.Cancel
    )
    assert sorted(b.text() for b in box.buttons()) == sorted(["Có", "Không", "Hủy bỏ"])
