"""A new desk joins its agency's server: core enrolment and the wizard's «Kết nối máy chủ» choice,
against a real clerk-server."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from clerk_app import errors
from clerk_app.storage.database import DB_FILENAME
from clerk_app.workspace import Workspace
from sync.engine import DeskSync
from sync.enrolment import enrol
from tests.sync.conftest import NEW_PASSWORD, PASSWORD, RunningServer


@pytest.fixture(scope="module")
def server_backend() -> str:
    return "sqlite"  # the subject is the desk's enrolment, not the server's database


def test_the_desk_takes_the_agency_of_the_server_and_is_one_desk_there(
    server: RunningServer, tmp_path: Path
) -> None:
    server.user("nvan1.ubnd")
    found = enrol(tmp_path / "desk", server.url, "nvan1.ubnd", PASSWORD, NEW_PASSWORD)
    assert (found.name, found.code) == ("Ủy ban nhân dân tỉnh Phú Yên", "UBND")
    with Workspace.open(tmp_path / "desk") as ws:
        assert ws.agency().code == "UBND" and ws.desk_id == found.desk_id
    desk = DeskSync(tmp_path / "desk")
    try:
        state = desk.state()
        assert state.connected and state.username == "nvan1.ubnd"
    finally:
        desk.close()
    from sqlalchemy import text

    with server.db.read() as s:
        desks = s.execute(text("SELECT id FROM desk")).scalars().all()
    assert desks == [found.desk_id]  # the first login already used the desk's own id


def test_a_wrong_password_makes_no_desk(server: RunningServer, tmp_path: Path) -> None:
    server.user("nvan1.ubnd")
    with pytest.raises(errors.ServerRefused):
        enrol(tmp_path / "desk", server.url, "nvan1.ubnd", "sai-mat-khau")
    assert not (tmp_path / "desk" / DB_FILENAME).exists()


def test_the_wizard_connects_to_the_server(
    server: RunningServer, tmp_path: Path, qtbot: QtBot
) -> None:
    from ui.app import make_application
    from ui.setup_wizard import SetupWizard

    make_application()
    server.user("nvan1.ubnd")
    wizard = SetupWizard(tmp_path / "desk")
    qtbot.addWidget(wizard)
    wizard.agency.server.setChecked(True)
    wizard.agency.url_edit.setText(server.url)
    wizard.agency.user_edit.setText("nvan1.ubnd")
    wizard.agency.password_edit.setText(PASSWORD)
    wizard.next_button.click()
    # The server asks for a new password first: said in Vietnamese, the desk already made.
    qtbot.waitUntil(lambda: bool(wizard.agency.status.text()) and not wizard.agency.busy,
                    timeout=30_000)
    if wizard.current() is wizard.agency:
        assert "mật khẩu" in wizard.agency.status.text().lower()
        wizard.agency.password_edit.setText(PASSWORD)
        wizard.agency.new_password_edit.setText(NEW_PASSWORD)
        wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.current() is wizard.staff, timeout=30_000)
    from sqlalchemy import text

    with server.db.read() as s:
        assert len(s.execute(text("SELECT id FROM desk")).scalars().all()) == 1
    assert "Ủy ban nhân dân tỉnh Phú Yên (UBND)" in wizard.agency.done_text
    assert wizard.agency.password_edit.text() == "" and wizard.agency.new_password_edit.text() == ""
