"""The electronic inbox and the per-recipient status, on desks of a real server process."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from sync.delivery import send_document
from tests.sync.conftest import RunningServer
from tests.sync.conftest import module_sqlite_server as module_sqlite_server  # one per module
from tests.sync.conftest import sqlite_server as sqlite_server  # the real server, over SQLite
from tests.sync.exchange_fixtures import SNV, STC, UBND, agency_desk, issue, set_up_agencies
from ui.exchange_views import DeliveryDialog, InboxDialog

SHOTS = os.environ.get("CLERK_SCREENSHOTS", "")


def column(table: Any, col: int) -> list[str]:
    return [table.item(r, col).text() for r in range(table.rowCount())]


def shoot(widget: Any, name: str, tmp_path: Path) -> Path:
    """At the size of a clerk's 1366×768 screen (the window maximised, less the task bar)."""
    widget.resize(1366, 728)
    QApplication.processEvents()
    path = Path(SHOTS or tmp_path) / name
    widget.grab().save(str(path))
    return path


def test_inbox_lists_items_with_their_clock_and_signatures_and_receives_one(
    qtbot: QtBot,
    app: QApplication,
    sqlite_server: RunningServer,
    tmp_path: Path,
    leader_signed: Any,
    make_pdf: Any,
) -> None:
    set_up_agencies(sqlite_server, STC)
    ubnd = agency_desk(sqlite_server, tmp_path, UBND, "vthu1.ubnd", leases=("outgoing",))
    stc = agency_desk(sqlite_server, tmp_path, STC, "vthu1.stc", leases=("incoming",))
    signed = tmp_path / "qd.pdf"
    signed.write_bytes(leader_signed("/QĐ-UBND"))
    first = issue(ubnd, signed, "Về việc giao chỉ tiêu kế hoạch vốn đầu tư công năm 2027")
    tampered = tmp_path / "sua.pdf"
    data = leader_signed("/QĐ-UBND")
    tampered.write_bytes(data[:10] + bytes([data[10] ^ 1]) + data[11:])
    second = issue(ubnd, tampered, "Về việc điều chỉnh dự toán ngân sách")
    unsigned = issue(ubnd, make_pdf("Công văn"), "Về việc báo cáo tình hình thực hiện")
    for doc in (first, second, unsigned):
        send_document(ubnd, doc, ["STC"])

    dialog = InboxDialog(stc)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 3, timeout=60_000)
    verdicts = column(dialog.table, 7)
    assert verdicts[0].startswith("Hợp lệ")
    assert verdicts[1] == "KHÔNG hợp lệ" and verdicts[2] == "Không có chữ ký số"
    assert column(dialog.table, 2) == [UBND.name] * 3
    shoot(dialog, "exchange-inbox.png", tmp_path)

    dialog.table.selectRow(1)
    assert not dialog.receive_button.isEnabled()  # a broken signature may only be refused
    dialog.table.selectRow(0)
    assert dialog.receive_button.isEnabled()
    dialog.receive()
    qtbot.waitUntil(lambda: "số đến 1" in dialog.status.text(), timeout=60_000)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2 and not dialog.busy, timeout=60_000)

    status = DeliveryDialog(ubnd, first)
    qtbot.addWidget(status)
    status.show()
    qtbot.waitUntil(lambda: status.table.rowCount() == 1, timeout=60_000)
    assert column(status.table, 2) == ["Đã tiếp nhận"]
    assert column(status.table, 1) == [STC.organ_id]
    shoot(status, "exchange-delivery.png", tmp_path)


def test_the_sync_menu_opens_the_electronic_inbox(
    qtbot: QtBot, app: QApplication, sqlite_server: RunningServer, tmp_path: Path
) -> None:
    from clerk_app.workspace import Workspace
    from ui.main_window import MainWindow

    set_up_agencies(sqlite_server, STC)
    stc = agency_desk(sqlite_server, tmp_path, STC, "vthu1.stc", leases=())
    ws = Workspace.open(stc)
    try:
        window = MainWindow(ws)
        qtbot.addWidget(window)
        window.action_exchange_inbox.trigger()
        dialogs = [w for w in app.topLevelWidgets() if isinstance(w, InboxDialog)]
        assert len(dialogs) == 1
        qtbot.waitUntil(lambda: not dialogs[0].busy, timeout=60_000)
        assert "Không có văn bản đến điện tử" in dialogs[0].summary.text()
        window.close()
    finally:
        ws.close()


def test_phat_hanh_issues_and_sends_to_the_chosen_agencies_then_shows_each_ones_status(
    qtbot: QtBot,
    app: QApplication,
    sqlite_server: RunningServer,
    tmp_path: Path,
    pki: Any,
    leader_signed: Any,
    seal_png: bytes,
) -> None:
    from clerk_app.records import OutgoingDraft
    from clerk_app.signing.desk import SigningSettings, save_settings
    from clerk_app.workspace import Workspace
    from ui.issue_dialog import IssueDialog

    set_up_agencies(sqlite_server, STC, SNV, external=True)
    ubnd = agency_desk(sqlite_server, tmp_path, UBND, "vthu1.ubnd", leases=("outgoing",))
    stc = agency_desk(sqlite_server, tmp_path, STC, "vthu1.stc", leases=("incoming",))
    pdf, seal = tmp_path / "qd.pdf", tmp_path / "dau.png"
    pdf.write_bytes(leader_signed())
    seal.write_bytes(seal_png)
    settings = SigningSettings(
        pkcs11_module=pki.choice.module,
        token_label=pki.choice.token_label,
        certificate_label=pki.choice.certificate_label,
        seal_image=str(seal),
    )
    save_settings(ubnd, settings)
    ws = Workspace.open(ubnd, actor="vthu1.ubnd")
    try:
        doc = ws.register_outgoing(
            OutgoingDraft(
                doc_type="Quyết định",
                subject="Về việc giao chỉ tiêu kế hoạch vốn đầu tư công năm 2027",
                signer="Nguyễn Văn An",
                recipients="Sở Tài chính; Sở Nội vụ; Lưu: VT",
                files=[pdf],
            )
        ).document.summary.id
        dialog = IssueDialog(ws, doc, settings)
        qtbot.addWidget(dialog)
        dialog.show()
        panel = dialog.recipients_panel
        # The directory: the two agencies on the server and the ministry outside it, not UBND;
        # the two the document's «Nơi nhận» names are ticked.
        qtbot.waitUntil(lambda: panel.organs.count() == 3, timeout=60_000)
        assert sorted(panel.chosen()) == sorted([STC.organ_id, SNV.organ_id])
        assert "ngoài hệ thống" in panel.organs.item(2).text()
        assert dialog.issue_button.text() == "&Phát hành và gửi (2 nơi)"
        shoot(dialog, "issue-dialog-recipients.png", tmp_path)

        dialog.pin.setText(pki.pin)
        with qtbot.waitSignal(dialog.issued, timeout=60_000):
            dialog.issue()
        qtbot.waitUntil(lambda: panel.table.rowCount() == 2, timeout=60_000)
        assert "Đã gửi liên thông tới 2/2 nơi." in dialog.outcome.text()
        assert column(panel.table, 1) == ["Đã đến", "Đã đến"]
        assert [f.role for f in ws.document(doc).files if f.role != "ocr_text"][-1] == "issued"

        # STC registers it: opened again, the issued document shows it per recipient.
        from sync.delivery import ExchangeDesk

        with ExchangeDesk(stc) as desk:
            (item,) = desk.inbox()["items"]
            desk.receive(item["id"])
        dialog.close()
        again = IssueDialog(ws, doc, settings)
        qtbot.addWidget(again)
        again.show()
        qtbot.waitUntil(lambda: again.recipients_panel.table.rowCount() == 2, timeout=60_000)
        names = column(again.recipients_panel.table, 0)
        statuses = dict(zip(names, column(again.recipients_panel.table, 1), strict=True))
        assert statuses == {STC.name: "Đã tiếp nhận", SNV.name: "Đã đến"}
        assert again.send_button.isVisible() and not again.pin.isVisible()
        shoot(again, "issue-dialog-statuses.png", tmp_path)
        again.close()
    finally:
        ws.close()
