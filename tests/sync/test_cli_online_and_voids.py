"""`clerk register-incoming/-outgoing` on a connected desk numbers through the server as the
window does, and the voids the server records reach every desk's register and printed register.
Against the real server process."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from clerk_app.clock import VIETNAM
from clerk_app.printing.register_pdf import print_register
from clerk_app.workspace import Workspace
from sync.engine import DeskSync
from sync.server.models import NumberVoid
from tests.sync.conftest import RunningServer, check_all, run_clerk
from tests.sync.test_online import holder_and_other, online_register, sync

YEAR = datetime.now(VIETNAM).year
CEDED_UNUSED = "Số bỏ trống: số đã dành cho máy chủ cấp nhưng không dùng đến"


def clerk_incoming(desk: Path, subject: str) -> dict[str, Any]:
    done = run_clerk(
        desk,
        "register-incoming",
        "--issuer",
        "Sở Tài chính",
        "--doc-type",
        "Công văn",
        "--subject",
        subject,
        "--json",
    )
    return dict(json.loads(done.stdout))


def server_voids(server: RunningServer) -> list[int]:
    with server.db.read() as s:
        return sorted(s.execute(select(NumberVoid.number)).scalars())


def test_cli_registration_on_a_connected_desk_takes_the_servers_number(
    server: RunningServer, new_desk: Any
) -> None:
    a, b = holder_and_other(server, new_desk)
    assert online_register(b, "B chờ số").number is None
    sync(a)  # numbers B's draft (1) and cedes numbers ahead: B is busy
    # On the holder, the command line used to number locally past the numbers it had ceded
    # (7), which the server then recorded as voids; it now asks the server, as the window does.
    on_a = clerk_incoming(a, "A qua dòng lệnh")
    assert on_a["arrival_number"] == 2
    on_b = clerk_incoming(b, "B qua dòng lệnh")
    assert on_b["arrival_number"] == 3
    out = run_clerk(
        b,
        "register-outgoing",
        "--doc-type",
        "Quyết định",
        "--subject",
        "Về việc thành lập tổ công tác",
        "--signer",
        "Nguyễn Văn An",
        "--recipients",
        "Sở Tài chính",
    )
    assert out.stdout.startswith("Đã cấp số 01/QĐ-UBND ngày")
    sync(a)
    sync(b)
    assert server_voids(server) == []
    check_all(server, a, b)


def test_cli_registration_keeps_a_draft_when_no_number_can_be_given(
    server: RunningServer, new_desk: Any
) -> None:
    a, b = holder_and_other(server, new_desk)  # the holder has acknowledged nothing yet
    waiting = clerk_incoming(b, "Chờ chủ sổ")
    assert waiting["draft"] is True and waiting["number"] is None
    server.kill()
    text = run_clerk(
        b,
        "register-incoming",
        "--issuer",
        "Sở Nội vụ",
        "--doc-type",
        "Công văn",
        "--subject",
        "Mất kết nối",
    ).stdout
    assert text.startswith("Đã lưu DỰ THẢO, chưa có số")
    server.start()
    for _ in range(2):  # B's offline draft goes up, then the holder's round acknowledges it
        sync(b)
        sync(a)
    sync(b)
    with DeskSync(b) as d:
        assert sorted(r.number or 0 for r in d.drafts()) == [1, 2]
    check_all(server, a, b)


def test_a_standalone_desk_still_numbers_from_the_command_line(tmp_path: Path) -> None:
    desk = tmp_path / "alone"
    Workspace.init(desk, agency_name="UBND xã An Ninh", agency_code="UBND", year=YEAR).close()
    assert clerk_incoming(desk, "Một")["arrival_number"] == 1
    assert clerk_incoming(desk, "Hai")["arrival_number"] == 2


def voided_on_the_server(server: RunningServer, new_desk: Any) -> tuple[Path, Path]:
    """The holder numbers offline past the numbers it ceded: the server records 3–6 as voids."""
    a, b = holder_and_other(server, new_desk)
    assert online_register(b, "B một").number is None
    sync(a)
    server.kill()
    assert online_register(a, "A ngoại tuyến").number == 7
    server.start()
    assert online_register(b, "B hai").number == 2
    sync(a)
    sync(b)
    assert server_voids(server) == [3, 4, 5, 6]
    return a, b


def test_recorded_voids_reach_every_desk_and_the_printed_register(
    server: RunningServer, new_desk: Any, tmp_path: Path
) -> None:
    a, b = voided_on_the_server(server, new_desk)
    for desk in (a, b):
        with Workspace.open(desk) as ws:
            reg = ws.register_for("incoming", YEAR)
            # The holder has ceded numbers ahead again (B is busy), but those are not in its
            # register until the server gives them: both registers end at 7.
            assert reg.last_number == 7
            voids = ws.register_voids(reg.id)
            assert sorted(voids) == [3, 4, 5, 6]
            assert {v.reason for v in voids.values()} == {"ceded_unused"}
            printed = print_register(ws, "incoming", YEAR, tmp_path / f"{desk.name}.pdf")
        assert printed.voids == (3, 4, 5, 6)
        text = subprocess.run(
            ["pdftotext", "-layout", str(printed.path), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        # A void line in the body where the number falls, and in the list of voids.
        assert text.count("Số bỏ trống: số đã dành cho máy chủ cấp") == 8
        assert "không có văn bản đăng ký" not in text  # no gap left unexplained
    # A void applied twice (the feed page replayed) is one void.
    with DeskSync(b) as d, d._ctx.write() as tx:
        from sync import desk_store

        desk_store.apply_page(
            tx,
            [
                {
                    "version": 0,
                    "entity": "void",
                    "entity_id": "again",
                    "data": {
                        "kind": "incoming",
                        "series": "chung",
                        "year": YEAR,
                        "number": 3,
                        "reason": "ceded_unused",
                    },
                }
            ],
            desk_store.link(tx.session).checkpoint,  # type: ignore[union-attr]
            d.clock(),
        )
    with Workspace.open(b) as ws:
        assert sorted(ws.register_voids(ws.register_for("incoming", YEAR).id)) == [3, 4, 5, 6]
    check_all(server, a, b)
