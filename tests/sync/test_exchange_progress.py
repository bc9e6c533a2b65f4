"""Statuses the receiving desk's own work sends back (QCVN 102 codes 04, 05, 06): a leader's
instruction assigns, the paper handed to its handler is in progress, the assignment done closes
it; each dated when the clerk acted, not when it reached the server."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from clerk_app.clock import VIETNAM
from clerk_app.instructions.records import InstructionDraft
from clerk_app.instructions.secretary import Secretary
from clerk_app.interchange.edxml_read import read_message
from clerk_app.interchange.edxml_write import write_document
from clerk_app.interchange.progress import is_forward, status_for
from clerk_app.interchange.values import Business, ExchangedDocument
from clerk_app.storage.exchange_models import ExchangeInboxItem, ExchangeQueued
from clerk_app.workspace import Workspace
from sync.delivery import ExchangeDesk, send_document
from tests.sync.conftest import RunningServer
from tests.sync.exchange_fixtures import (
    STC,
    UBND,
    agency_desk,
    clerk_json,
    issue,
    package,
    set_up_agencies,
)


@pytest.mark.parametrize(
    ("action", "instructed", "all_done", "to_unit", "status"),
    [
        ("instruct", True, False, False, "assigned"),
        ("hand_over", False, False, True, "assigned"),  # routed straight to its unit
        ("hand_over", False, False, False, None),  # up to a leader: nothing new yet
        ("hand_over", True, False, True, "in_progress"),
        ("complete", True, False, False, "in_progress"),  # another assignment still open
        ("complete", True, True, False, "done"),
    ],
)
def test_one_table_maps_the_desks_actions_to_statuses(
    action: str, instructed: bool, all_done: bool, to_unit: bool, status: str | None
) -> None:
    got = status_for(
        action,  # type: ignore[arg-type]
        instructed=instructed,
        all_done=all_done,
        to_unit=to_unit,
    )
    assert got == status


def test_statuses_only_move_forward() -> None:
    assert is_forward("registered", "assigned") and is_forward("assigned", "done")
    assert not is_forward("in_progress", "assigned") and not is_forward("done", "done")
    assert not is_forward("refused", "assigned") and not is_forward("recalled", "in_progress")


def test_the_receiving_desks_actions_send_the_statuses_dated_when_done(
    server: RunningServer, tmp_path: Path, make_pdf: Callable[..., Path]
) -> None:
    set_up_agencies(server, STC)
    ubnd = agency_desk(server, tmp_path, UBND, "vthu1.ubnd", leases=("outgoing",))
    stc = agency_desk(server, tmp_path, STC, "vthu1.stc", leases=("incoming",))
    doc_id = issue(ubnd, make_pdf("Quyết định giao chỉ tiêu"))
    clerk_json(ubnd, "send", doc_id, "--to", "STC")
    (item,) = clerk_json(stc, "inbox")["items"]
    local = clerk_json(stc, "receive", item["id"])["document"]["id"]

    with Workspace.open(stc, actor="vthu1.stc") as ws:
        ws.add_unit("KT", "Phòng Kinh tế")
        ws.hand_over(local, "Chủ tịch Nguyễn Văn An")  # up for an instruction: nothing new
        assert _queued(ws) == []
        sec = Secretary(ws)
        made = sec.instruct(
            local, InstructionDraft("Chủ tịch", "Giao Phòng Kinh tế chủ trì.", "KT"), stamp=False
        )
        ws.hand_over(local, "KT")
        sec.instruct(  # a second instruction while in progress: no step back to 04
            local, InstructionDraft("Chủ tịch", "Phòng Kinh tế báo cáo.", "KT"), stamp=False
        )
        assert [q["status"] for q in _queued(ws)] == ["assigned", "in_progress"]
        for instruction in sec.instructions_for(local):
            for a in instruction.assignments:
                sec.complete(a.id)
        queued = _queued(ws)
        with ws._db.read() as s:
            row = s.execute(select(ExchangeInboxItem)).scalar_one()
            assert row.status == "done"
    assert [q["status"] for q in queued] == ["assigned", "in_progress", "done"]
    assert made.instruction.assignments

    # Nothing reached the server yet: the actions only queued (an offline desk loses nothing).
    assert _codes(ubnd, doc_id) == ["01", "03"]
    time.sleep(1.2)  # the push comes later than the actions: their own times must survive
    pushed_at = datetime.now().astimezone()
    with ExchangeDesk(stc) as desk:
        assert desk.refresh()
        assert desk.pending() == 0
    history = _history(ubnd, doc_id)
    assert [h["code"] for h in history] == ["01", "03", "04", "05", "06"]
    for h, q in zip(history[2:], queued, strict=True):
        assert datetime.fromisoformat(h["at"]) == datetime.fromisoformat(q["at"])
        assert datetime.fromisoformat(h["at"]) < pushed_at


def _queued(ws: Workspace) -> list[dict[str, str]]:
    with ws._db.read() as s:
        rows = s.execute(
            select(ExchangeQueued)
            .where(ExchangeQueued.kind == "status", ExchangeQueued.done_at.is_(None))
            .order_by(ExchangeQueued.id)
        ).scalars()
        return [json.loads(r.payload) for r in rows]


def _history(desk: Path, doc_id: str) -> list[dict[str, str]]:
    (row,) = clerk_json(desk, "delivery", doc_id)["recipients"]
    return list(row["history"])


def _codes(desk: Path, doc_id: str) -> list[str]:
    return [h["code"] for h in _history(desk, doc_id)]


def test_a_package_carries_the_moment_send_was_pressed_not_when_it_was_written(
    server: RunningServer, tmp_path: Path, make_pdf: Callable[..., Path]
) -> None:
    """An offline desk writes the package when the server answers again: its TraceHeader still
    says when the clerk pressed «Phát hành»."""
    set_up_agencies(server, STC)
    ubnd = agency_desk(server, tmp_path, UBND, "vthu1.ubnd", leases=("outgoing",))
    stc = agency_desk(server, tmp_path, STC, "vthu1.stc", leases=("incoming",))
    doc_id = issue(ubnd, make_pdf("Quyết định"))
    pressed = datetime.now(VIETNAM) - timedelta(minutes=7)
    send_document(ubnd, doc_id, ["STC"], at=pressed)
    (item,) = clerk_json(stc, "inbox")["items"]
    with ExchangeDesk(stc) as desk, desk.db.read() as s:
        raw_sha = s.get_one(ExchangeInboxItem, item["id"]).raw_sha256
    with Workspace.open(stc) as ws:
        sent = read_message(ws.file_bytes(raw_sha))
    assert isinstance(sent, ExchangedDocument)
    assert [t.at for t in sent.traces] == [pressed.replace(microsecond=0)]


def test_a_revoke_from_a_file_takes_the_item_back_unless_registered(
    tmp_path: Path, make_pdf: Callable[..., Path]
) -> None:
    desk = tmp_path / "stc"
    Workspace.init(desk, agency_name=STC.name, agency_code=STC.code, actor="vthu1.stc").close()
    (desk / "interchange").mkdir()
    (desk / "interchange" / "organs.csv").write_text(
        f"organ_id,name,in_charge,email\n{STC.organ_id},{STC.name},,\n", encoding="utf-8"
    )
    pdf = make_pdf("Quyết định").read_bytes()
    kept, taken = package(UBND, STC, number="12", pdf=pdf), package(UBND, STC, number="13", pdf=pdf)
    paths = {}
    for name, raw in (("kept", kept), ("taken", taken)):
        paths[name] = tmp_path / f"{name}.edxml"
        paths[name].write_bytes(raw)
        doc = read_message(raw)
        assert isinstance(doc, ExchangedDocument)
        revoke = replace(
            doc,
            attachments=(),
            business=Business(kind="revoke", reason="Gửi nhầm", document_id=doc.document_id),
        )
        paths[f"revoke-{name}"] = tmp_path / f"revoke-{name}.edxml"
        paths[f"revoke-{name}"].write_bytes(write_document(revoke))
    kept_item = clerk_json(desk, "edxml-import", str(paths["kept"]))["item"]
    clerk_json(desk, "edxml-import", str(paths["taken"]))
    clerk_json(desk, "receive", kept_item)

    taken_back = clerk_json(desk, "edxml-import", str(paths["revoke-taken"]))
    assert taken_back["revoked"] and taken_back["reply"] == {"code": "15"}
    refused = clerk_json(desk, "edxml-import", str(paths["revoke-kept"]))
    assert not refused["revoked"] and refused["status"] == "registered"
    assert refused["reply"] == {"code": "16"}
    assert clerk_json(desk, "inbox")["items"] == []
    statuses = {
        i["fields"]["reference"]: i["status"] for i in clerk_json(desk, "inbox", "--all")["items"]
    }
    assert statuses == {"12/QĐ-UBND": "registered", "13/QĐ-UBND": "recalled"}


def test_an_item_received_offline_as_a_draft_tells_its_sender_once_numbered(
    server: RunningServer, tmp_path: Path, make_pdf: Callable[..., Path]
) -> None:
    set_up_agencies(server, STC)
    ubnd = agency_desk(server, tmp_path, UBND, "vthu1.ubnd", leases=("outgoing",))
    stc = agency_desk(server, tmp_path, STC, "vthu1.stc", leases=("incoming",))
    stc2 = agency_desk(server, tmp_path, STC, "vthu2.stc", leases=())
    doc_id = issue(ubnd, make_pdf("Công văn về kế hoạch"))
    clerk_json(ubnd, "send", doc_id, "--to", "STC")
    (item,) = clerk_json(stc2, "inbox")["items"]  # its files come down with the inbox

    # The second desk holds no lease and the server is down: the item is kept as a draft.
    server.kill()
    got = clerk_json(stc2, "receive", item["id"])
    assert got["provisional"] and got["draft_id"]
    server.start()
    clerk_json(stc2, "sync")  # the draft and the queued 03 reach the server
    clerk_json(stc, "sync")  # the lease holder cedes the number the draft waits for
    clerk_json(stc2, "sync")
    (row,) = [d for d in clerk_json(stc2, "drafts")["drafts"] if d["id"] == got["draft_id"]]
    assert row["number"] == 1

    # Numbered, the document is the item's registered document: its hand-over tells the sender.
    with Workspace.open(stc2, actor="vthu2.stc") as ws:
        ws.add_unit("KT", "Phòng Kinh tế")
        ws.hand_over(got["draft_id"], "KT")  # routed straight to its unit: 04
        assert [q["status"] for q in _queued(ws)] == ["assigned"]
    with ExchangeDesk(stc2) as desk:
        assert desk.refresh() and desk.pending() == 0
    assert _codes(ubnd, doc_id) == ["01", "03", "04"]
