"""The first-run wizard, step by step, on Qt offscreen with real parts: a real desk folder, the
SANE test scanner, SoftHSM2's token; and the «Cài đặt» menu opening the same screens.
Screenshots of each step go to CLERK_SCREENSHOTS when set (looked at under Xvfb)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from openpyxl import Workbook
from pytestqt.qtbot import QtBot

from clerk_app.signing.desk import load_settings
from clerk_app.storage.database import DB_FILENAME
from clerk_app.workspace import Workspace
from scanner import preferences
from scanner.sane_driver import SaneDriver
from ui import setup_steps
from ui.setup_steps import ScannerStep, StaffStep, TokenStep
from ui.setup_wizard import SetupWizard, StepDialog

SHOTS = Path(os.environ.get("CLERK_SCREENSHOTS", ""))
FAST_SCAN = {"test-picture": "Grid"}


def _shot(widget: object, tmp_path: Path, name: str) -> None:
    target = (SHOTS if str(SHOTS) not in ("", ".") else tmp_path) / name
    widget.resize(1366, 768)  # type: ignore[attr-defined]
    assert widget.grab().save(str(target))  # type: ignore[attr-defined]


@pytest.fixture
def wizard(app: object, qtbot: QtBot, tmp_path: Path) -> SetupWizard:
    made = SetupWizard(
        tmp_path / "desk",
        scanner_step=ScannerStep(SaneDriver(), backend_options=FAST_SCAN),
        token_step=TokenStep(platform="linux"),
    )
    qtbot.addWidget(made)
    made.show()
    return made


def _make_desk(qtbot: QtBot, wizard: SetupWizard, type_text: object) -> None:
    type_text(wizard.agency.name_edit, "Ủy ban nhân dân tỉnh Phú Yên")  # type: ignore[operator]
    type_text(wizard.agency.code_edit, "UBND")  # type: ignore[operator]
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.current() is wizard.staff, timeout=20_000)


def test_step_1_agency_typed_makes_the_desk(
    wizard: SetupWizard, qtbot: QtBot, type_text: object, tmp_path: Path
) -> None:
    assert wizard.windowTitle() == "Thiết lập bàn làm việc văn thư"
    assert not wizard.skip_button.isVisible()  # the agency is what makes the desk
    _shot(wizard, tmp_path, "wizard-1-agency.png")
    type_text(wizard.agency.login_edit, "Nguyễn Thị Lan")  # type: ignore[operator]
    _make_desk(qtbot, wizard, type_text)
    with Workspace.open(tmp_path / "desk") as ws:
        assert (ws.agency().name, ws.agency().code) == ("Ủy ban nhân dân tỉnh Phú Yên", "UBND")
        # The clerk's login chosen here is who the window shows and the audit records.
        assert ws.clerk_login().name == ws.actor == "Nguyễn Thị Lan"
    assert wizard.desk_made and "UBND" in wizard.agency.done_text


def test_step_1_bad_agency_code_says_what_to_do_and_writes_nothing(
    wizard: SetupWizard, qtbot: QtBot, type_text: object, tmp_path: Path
) -> None:
    type_text(wizard.agency.name_edit, "Sở Tài chính")  # type: ignore[operator]
    type_text(wizard.agency.code_edit, "S TC")  # type: ignore[operator]
    wizard.next_button.click()
    qtbot.waitUntil(lambda: "không dấu cách" in wizard.agency.status.text(), timeout=10_000)
    assert wizard.current() is wizard.agency
    assert not (tmp_path / "desk" / DB_FILENAME).exists()


def test_step_1_demo_agency(
    wizard: SetupWizard, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(setup_steps, "DEMO_DOCUMENTS", 30)
    wizard.agency.demo.setChecked(True)
    assert wizard.agency.demo.text() == "Dùng thử với dữ liệu mẫu"
    _shot(wizard, tmp_path, "wizard-1-demo.png")
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.current() is wizard.staff, timeout=60_000)
    with Workspace.open(tmp_path / "desk") as ws:
        assert ws.units() and ws.people()
        assert wizard.staff.units_table.rowCount() == len(ws.units())


def test_step_2_units_and_people_typed_and_imported(
    wizard: SetupWizard, qtbot: QtBot, type_text: object, tmp_path: Path
) -> None:
    _make_desk(qtbot, wizard, type_text)
    staff = wizard.staff
    type_text(staff.unit_code, "VP")  # type: ignore[operator]
    type_text(staff.unit_name, "Văn phòng")  # type: ignore[operator]
    staff.add_unit()
    type_text(staff.person_name, "Nguyễn Văn Hùng")  # type: ignore[operator]
    staff.person_unit.setCurrentIndex(staff.person_unit.findData("VP"))
    type_text(staff.person_title, "Chủ tịch")  # type: ignore[operator]
    staff.add_person()
    assert staff.people_table.rowCount() == 1 and staff.units_table.rowCount() == 1

    sheet = tmp_path / "can-bo.xlsx"
    book = Workbook()
    ws = book.active
    ws.append(["Mã đơn vị", "Tên đơn vị", "Họ và tên", "Chức vụ"])
    ws.append(["KT", "Phòng Kinh tế", "Trần Thị Mai", "Trưởng phòng"])
    ws.append(["KT", "Phòng Kinh tế", "Lê Văn Nam", "Chuyên viên"])
    ws.append(["VP", "Văn phòng", "Nguyễn Văn Hùng", "Chủ tịch"])  # already on the desk
    ws.append(["TP", "Phòng Tư pháp", None, None])
    book.save(sheet)
    plan = staff.import_list(sheet)
    assert plan is not None and len(plan.units) == 2 and len(plan.people) == 2
    assert plan.skipped == 2
    assert staff.units_table.rowCount() == 3 and staff.people_table.rowCount() == 3
    again = staff.import_list(sheet)  # the same list twice adds nothing
    assert again is not None and again.empty
    _shot(wizard, tmp_path, "wizard-2-staff.png")

    bad = tmp_path / "sai.csv"
    bad.write_text("Mã đơn vị;Tên đơn vị;Họ và tên\nHC;Phòng Hành chính;Phạm An\nT C;Sai mã;Võ Bình\n",
                   "utf-8")
    assert staff.import_list(bad) is None
    assert "dòng 3" in staff.status.text() and "Chưa thêm" in staff.status.text()
    assert staff.units_table.rowCount() == 3  # nothing of the bad list was added


def test_step_3_scanner_found_and_test_scan(
    wizard: SetupWizard, qtbot: QtBot, type_text: object, tmp_path: Path
) -> None:
    _make_desk(qtbot, wizard, type_text)
    wizard.next_step()
    scanner = wizard.scanner
    qtbot.waitUntil(lambda: scanner.devices.count() > 0, timeout=60_000)
    names = [scanner.devices.item(i).text() for i in range(scanner.devices.count())]
    assert any("test:0" in n for n in names)
    scanner.devices.setCurrentRow(next(i for i, n in enumerate(names) if "test:0" in n))
    scanner.test_scan()
    qtbot.waitUntil(lambda: "Quét thử được" in scanner.status.text(), timeout=60_000)
    assert not scanner.preview.pixmap().isNull()
    assert preferences.load(tmp_path / "desk").device == "test:0"
    _shot(wizard, tmp_path, "wizard-3-scanner.png")


def test_step_4_token_test_login_never_keeps_the_pin(
    wizard: SetupWizard, qtbot: QtBot, type_text: object, tmp_path: Path, pki: object
) -> None:
    _make_desk(qtbot, wizard, type_text)
    wizard.show_step(3)
    token = wizard.token
    labels = [token.driver_box.itemText(i) for i in range(token.driver_box.count())]
    assert any("SoftHSM" in label for label in labels)
    assert any(label.startswith("VNPT-CA (chưa thấy") for label in labels)
    token.select_driver(pki.choice.module)  # type: ignore[attr-defined]
    assert token.token_box.count() == 1
    token.cert_box.setCurrentIndex(token.cert_box.findData("agency"))
    qtbot.keyClicks(token.pin_edit, "000000")
    token.test_login()
    assert "Mã PIN không đúng" in token.status.text() and token.pin_edit.text() == ""
    qtbot.keyClicks(token.pin_edit, pki.pin)  # type: ignore[attr-defined]
    token.test_login()
    assert "Đăng nhập thử được" in token.status.text() and token.pin_edit.text() == ""
    token.save()
    saved = load_settings(tmp_path / "desk", environment=False)
    assert (saved.pkcs11_module, saved.certificate_label) == (pki.choice.module, "agency")  # type: ignore[attr-defined]
    on_disk = (tmp_path / "desk" / "signing.json").read_text("utf-8")
    assert pki.pin not in on_disk  # type: ignore[attr-defined]
    _shot(wizard, tmp_path, "wizard-4-token.png")
    # A driver file that is not there, in plain Vietnamese.
    token.select_driver(str(tmp_path / "vnpt-ca_csp11.dll"))
    assert "Không tìm thấy trình điều khiển USB ký số" in token.status.text()


def test_every_later_step_can_be_skipped_and_the_summary_says_so(
    wizard: SetupWizard, qtbot: QtBot, type_text: object, tmp_path: Path
) -> None:
    _make_desk(qtbot, wizard, type_text)
    for _ in range(3):
        assert wizard.skip_button.isVisible()
        wizard.skip_button.click()
    assert wizard.current() is wizard.finish
    summary = wizard.finish.summary.text()
    assert summary.count("bỏ qua") == 3 and "Ủy ban nhân dân tỉnh Phú Yên" in summary
    _shot(wizard, tmp_path, "wizard-5-done.png")
    wizard.next_button.click()
    assert wizard.result() == wizard.DialogCode.Accepted and wizard.workspace is None


def test_settings_menu_opens_the_same_screens(
    app: object, qtbot: QtBot, workspace: Workspace, tmp_path: Path
) -> None:
    from ui.main_window import MainWindow

    window = MainWindow(workspace)
    qtbot.addWidget(window)
    titles = [a.text() for a in window.settings_actions]
    assert window.settings_menu.title() == "Cài &đặt"
    assert titles == ["&Cơ quan…", "Đơn vị và cán &bộ…", "&Máy quét…", "&USB ký số…"]
    dialog = window.open_setting(StaffStep)
    qtbot.addWidget(dialog)
    assert isinstance(dialog, StepDialog) and dialog.windowTitle() == "Cài đặt — Đơn vị và cán bộ"
    staff = dialog.step
    assert isinstance(staff, StaffStep) and staff.units_table.rowCount() == 2
    _shot(dialog, tmp_path, "settings-staff.png")


def test_each_step_opens_with_the_cursor_in_its_first_field(
    wizard: SetupWizard, qtbot: QtBot, type_text: object
) -> None:
    # A clerk types the agency's name at once, without first tabbing past the three choices.
    wizard.activateWindow()
    qtbot.waitUntil(lambda: wizard.agency.name_edit.hasFocus(), timeout=5_000)
    _make_desk(qtbot, wizard, type_text)
    qtbot.waitUntil(lambda: wizard.staff.unit_code.hasFocus(), timeout=5_000)
