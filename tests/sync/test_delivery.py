"""Electronic exchange between agencies on one real server (SQLite and PostgreSQL): a document
sent is delivered to each recipient's electronic inbox, registered with the sender's fields or
refused, and its statuses travel back; recall, replacement, offline sending, isolation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from clerk_app.storage.models import Document
from clerk_app.workspace import Workspace
from sync.server.models import ExchangeDelivery
from tests.sync.conftest import RunningServer, raw_session, run_clerk
from tests.sync.exchange_fixtures import (
    SNV,
    STC,
    UBND,
    agency_desk,
    clerk_json,
    issue,
    package,
    set_up_agencies,
)


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_sent_document_is_registered_with_the_senders_fields_and_statuses_travel_back(
    server: RunningServer, tmp_path: Path, leader_signed: Any
) -> None:
    set_up_agencies(server, STC, SNV)
    ubnd = agency_desk(server, tmp_path, UBND, "vthu1.ubnd", leases=("outgoing",))
    stc = agency_desk(server, tmp_path, STC, "vthu1.stc", leases=("incoming", "outgoing"))
    snv = agency_desk(server, tmp_path, SNV, "vthu1.snv", leases=("incoming",))
    pdf = _write(tmp_path, "qd.pdf", leader_signed("/QĐ-UBND"))
    doc_id = issue(ubnd, pdf)

    sent = clerk_json(ubnd, "send", doc_id, "--to", f"{STC.organ_id},SNV")
    assert not sent["queued"]
    assert {(r["organ_id"], r["outcome"]) for r in sent["recipients"]} == {
        (STC.organ_id, "delivered"),
        (SNV.organ_id, "delivered"),
    }

    inbox = clerk_json(stc, "inbox")
    assert inbox["online"] and len(inbox["items"]) == 1
    item = inbox["items"][0]
    with Workspace.open(ubnd) as ws:
        issued = ws.document(doc_id)
        sender_file = issued.files[0]
    fields = item["fields"]
    assert fields["issuer"] == UBND.name and fields["issuer_organ_id"] == UBND.organ_id
    assert fields["reference"] == issued.summary.reference
    assert fields["issued_on"] == issued.summary.issued_on.isoformat()  # type: ignore[union-attr]
    assert (fields["doc_type"], fields["subject"], fields["urgency"]) == (
        "Quyết định",
        issued.summary.subject,
        "Khẩn",
    )
    assert fields["signer"] == "Nguyễn Văn Hùng"
    assert [f["sha256"] for f in item["files"]] == [sender_file.sha256]
    # Opening it verifies the leader's signature (pyHanko): intact and valid.
    assert item["flag"] == "" and item["signatures"]
    assert all(s["intact"] and s["valid"] for s in item["signatures"])
    # The raw edXML is kept on the recipient's desk.
    with Workspace.open(stc) as ws:
        assert b"edXMLEnvelope" in ws.file_bytes(_raw_sha(server, item["id"]))
    assert item["handle_by"] > item["arrived_at"]

    got = clerk_json(stc, "receive", item["id"])
    doc = got["document"]
    assert doc["arrival_number"] == 1
    assert (doc["issuer"], doc["reference"], doc["subject"], doc["doc_type"], doc["urgency"]) == (
        UBND.name,
        issued.summary.reference,
        issued.summary.subject,
        "Quyết định",
        "Khẩn",
    )
    assert doc["issued_on"] == fields["issued_on"]
    assert doc["received_at"][:19] == _vietnam(item["arrived_at"])[:19]  # the arrival kept
    assert doc["files"][0]["sha256"] == sender_file.sha256
    assert clerk_json(stc, "inbox")["items"] == []
    assert run_clerk(stc, "receive", item["id"], check=False).returncode == 2  # not twice

    snv_item = clerk_json(snv, "inbox")["items"][0]
    refused = clerk_json(snv, "refuse", snv_item["id"], "--reason", "wrong-recipient")
    assert refused["sent"]
    clerk_json(stc, "exchange-progress", item["id"], "--status", "assigned")
    clerk_json(stc, "exchange-progress", item["id"], "--status", "done")

    status = {r["organ_id"]: r for r in clerk_json(ubnd, "delivery", doc_id)["recipients"]}
    assert status[STC.organ_id]["status"] == "done"
    assert [h["code"] for h in status[STC.organ_id]["history"]] == ["01", "03", "04", "06"]
    assert status[SNV.organ_id]["status"] == "refused"
    assert status[SNV.organ_id]["reason"] == "wrong-recipient"
    assert [h["code"] for h in status[SNV.organ_id]["history"]] == ["01", "02"]
    with Workspace.open(snv) as ws:
        assert _documents(ws) == 0  # a refused item registers nothing

    # STC answers it: UBND's item names the document it answers.
    answer = issue(stc, _write(tmp_path, "tl.pdf", leader_signed("/STC-NS")), "Trả lời")
    clerk_json(stc, "send", answer, "--to", "UBND", "--answers", doc["id"])
    (reply,) = clerk_json(ubnd, "inbox")["items"]
    assert reply["fields"]["in_reply_to"] == [issued.summary.reference]
    assert reply["fields"]["issuer"] == STC.name


def _documents(ws: Workspace) -> int:
    with ws._db.read() as s:
        return int(s.execute(select(func.count()).select_from(Document)).scalar_one())


def _raw_sha(server: RunningServer, delivery_id: str) -> str:
    with server.db.read() as s:
        return s.get_one(ExchangeDelivery, delivery_id).raw_sha256


def _vietnam(iso: str) -> str:
    from datetime import datetime

    from clerk_app.clock import to_vietnam

    return to_vietnam(datetime.fromisoformat(iso)).isoformat()


def test_recall_and_replace_reach_only_what_is_not_registered(
    server: RunningServer, tmp_path: Path, make_pdf: Any
) -> None:
    set_up_agencies(server, STC, SNV)
    ubnd = agency_desk(server, tmp_path, UBND, "vthu1.ubnd", leases=("outgoing",))
    stc = agency_desk(server, tmp_path, STC, "vthu1.stc", leases=("incoming",))
    snv = agency_desk(server, tmp_path, SNV, "vthu1.snv", leases=())
    first = issue(ubnd, make_pdf("Quyết định 1"), "Văn bản thứ nhất")
    clerk_json(ubnd, "send", first, "--to", "STC,SNV")
    stc_item = clerk_json(stc, "inbox")["items"][0]
    clerk_json(stc, "receive", stc_item["id"])
    snv_item = clerk_json(snv, "inbox")["items"][0]

    recalled = clerk_json(ubnd, "recall", first, "--reason", "ban hành nhầm")
    assert {r["organ_id"]: r["status"] for r in recalled["recipients"]} == {
        STC.organ_id: "registered",
        SNV.organ_id: "recalled",
    }
    assert clerk_json(snv, "inbox")["items"] == []
    assert run_clerk(snv, "receive", snv_item["id"], check=False).returncode == 2
    status = {r["organ_id"]: r for r in clerk_json(ubnd, "delivery", first)["recipients"]}
    assert status[STC.organ_id]["history"][-1]["code"] == "16"  # registered: kept there
    assert status[SNV.organ_id]["history"][-1]["code"] == "15"

    # A replacement takes the earlier document out of the inbox of whoever had not registered it.
    second = issue(ubnd, make_pdf("Quyết định 2"), "Văn bản thứ hai")
    clerk_json(ubnd, "send", second, "--to", "SNV")
    third = issue(ubnd, make_pdf("Quyết định 3"), "Văn bản thứ hai (thay thế)")
    clerk_json(ubnd, "send", third, "--to", "SNV", "--replaces", second)
    items = clerk_json(snv, "inbox")["items"]
    assert [i["fields"]["subject"] for i in items] == ["Văn bản thứ hai (thay thế)"]
    assert clerk_json(ubnd, "delivery", second)["recipients"][0]["status"] == "replaced"
    # SNV's desk does not hold the incoming lease: online, the server numbers it at once, as
    # any registration of a connected desk.
    got = clerk_json(snv, "receive", items[0]["id"])
    assert not got.get("provisional") and got["document"]["arrival_number"] == 1
    assert clerk_json(ubnd, "delivery", third)["recipients"][0]["status"] == "registered"


def test_offline_desks_queue_what_they_send_and_never_show_an_item_twice(
    server: RunningServer, tmp_path: Path, make_pdf: Any
) -> None:
    set_up_agencies(server, STC)
    ubnd = agency_desk(server, tmp_path, UBND, "vthu1.ubnd", leases=("outgoing",))
    stc = agency_desk(server, tmp_path, STC, "vthu1.stc", leases=("incoming",))
    stc2 = agency_desk(server, tmp_path, STC, "vthu2.stc", leases=())
    doc_id = issue(ubnd, make_pdf("Công văn"))
    server.kill()
    queued = clerk_json(ubnd, "send", doc_id, "--to", "STC")
    assert queued["queued"]
    assert clerk_json(ubnd, "delivery", doc_id)["recipients"][0]["status"] == "queued"
    server.start()
    # The next sync sends what waited; the server has it once.
    assert clerk_json(ubnd, "sync")["exchange_waiting"] == 0
    clerk_json(ubnd, "send", doc_id, "--to", "STC")  # sent again by hand: a duplicate
    with server.db.read() as s:
        assert s.execute(select(func.count()).select_from(ExchangeDelivery)).scalar_one() == 1
    first = clerk_json(stc, "inbox")["items"]
    again = clerk_json(stc, "inbox")["items"]
    assert len(first) == 1 and [i["id"] for i in again] == [first[0]["id"]]

    # Offline, the desk still shows what it has, and registers it; the status waits.
    server.kill()
    offline = clerk_json(stc, "inbox")
    assert not offline["online"] and [i["id"] for i in offline["items"]] == [first[0]["id"]]
    clerk_json(stc, "receive", first[0]["id"])
    server.start()
    assert clerk_json(stc, "inbox")["items"] == []
    # Another desk of the same agency sees it registered, not waiting.
    assert clerk_json(stc2, "inbox")["items"] == []
    assert clerk_json(ubnd, "delivery", doc_id)["recipients"][0]["status"] == "registered"


def test_an_agency_never_sees_another_agencys_inbox(
    server: RunningServer, tmp_path: Path, make_pdf: Any
) -> None:
    set_up_agencies(server, STC, SNV)
    ubnd = agency_desk(server, tmp_path, UBND, "vthu1.ubnd", leases=("outgoing",))
    doc_id = issue(ubnd, make_pdf("Công văn"))
    clerk_json(ubnd, "send", doc_id, "--to", "STC")
    with server.db.read() as s:
        delivery = s.execute(select(ExchangeDelivery)).scalar_one()
        item_id, file_sha = delivery.id, delivery.files[0]["sha256"]
    stc = raw_session(server, "vthu1.stc", agency="STC")
    snv = raw_session(server, "vthu1.snv", agency="SNV")
    url = server.url + "/v1/exchange"
    assert [i["id"] for i in httpx.get(url + "/inbox", headers=stc).json()["items"]] == [item_id]
    assert httpx.get(url + "/inbox", headers=snv).json()["items"] == []
    r = httpx.post(f"{url}/items/{item_id}/status", headers=snv, json={"status": "registered"})
    assert r.status_code == 404
    assert httpx.get(f"{server.url}/v1/files/{file_sha}", headers=snv).status_code == 404
    assert httpx.get(f"{server.url}/v1/files/{file_sha}", headers=stc).status_code == 200
    # Nor the sender's statuses: SNV asking about UBND's document learns nothing.
    assert httpx.get(f"{url}/sent/{doc_id}", headers=snv).json()["recipients"] == []
    # Within the agency, receiving is the văn thư's: a leader's account may not.
    leader = raw_session(server, "ldao1.stc", role="leader", agency="STC")
    r = httpx.post(f"{url}/items/{item_id}/status", headers=leader, json={"status": "registered"})
    assert r.status_code == 403
    with server.db.read() as s:
        assert s.get_one(ExchangeDelivery, item_id).status == "arrived"


def test_a_signature_that_does_not_verify_flags_the_item_and_it_is_refused_as_not_valid(
    server: RunningServer, tmp_path: Path, leader_signed: Any
) -> None:
    set_up_agencies(server, STC)
    ubnd = agency_desk(server, tmp_path, UBND, "vthu1.ubnd", leases=("outgoing",))
    stc = agency_desk(server, tmp_path, STC, "vthu1.stc", leases=("incoming",))
    signed = leader_signed("/QĐ-UBND")
    # One byte changed inside what the signature covers (the binary comment of line 2).
    tampered = signed[:10] + bytes([signed[10] ^ 0x01]) + signed[11:]
    doc_id = issue(ubnd, _write(tmp_path, "sua.pdf", tampered))
    clerk_json(ubnd, "send", doc_id, "--to", "STC")

    item = clerk_json(stc, "inbox")["items"][0]
    assert item["flag"] == "signature_invalid"
    assert [s["intact"] for s in item["signatures"]] == [False]
    opened = run_clerk(stc, "inbox-open", item["id"])
    assert "KHÔNG hợp lệ" in opened.stdout
    failed = run_clerk(stc, "receive", item["id"], check=False)
    assert failed.returncode == 2 and "Chữ ký số" in failed.stderr
    with Workspace.open(stc) as ws:
        assert _documents(ws) == 0  # nothing registered half-way
    clerk_json(stc, "refuse", item["id"], "--reason", "not-valid")
    back = clerk_json(ubnd, "delivery", doc_id)["recipients"][0]
    assert (back["status"], back["reason"]) == ("refused", "not-valid")


def test_a_package_from_a_file_enters_the_inbox_once_and_registers_without_a_server(
    tmp_path: Path, make_pdf: Any
) -> None:
    desk = tmp_path / "stc"
    Workspace.init(desk, agency_name=STC.name, agency_code=STC.code, actor="vthu1.stc").close()
    (desk / "interchange").mkdir()
    (desk / "interchange" / "organs.csv").write_text(
        f"organ_id,name,in_charge,email\n{STC.organ_id},{STC.name},,\n", encoding="utf-8"
    )
    real = make_pdf("Quyết định").read_bytes()
    good = _write(tmp_path, "goi.edxml", package(UBND, STC, pdf=real))
    imported = clerk_json(desk, "edxml-import", str(good))
    assert imported["reply"] == {"code": "01"}
    again = run_clerk(desk, "edxml-import", str(good), check=False)
    assert again.returncode == 2 and "đã nhận trước đó" in again.stderr
    for bad in (
        b"<edXML><edXMLEnvelope>",  # not well-formed
        package(UBND, SNV),  # for another agency
    ):
        failed = run_clerk(desk, "edxml-import", str(_write(tmp_path, "x.edxml", bad)), check=False)
        assert failed.returncode == 2
    inbox = clerk_json(desk, "inbox")
    assert not inbox["online"] and [i["id"] for i in inbox["items"]] == [imported["item"]]
    got = clerk_json(desk, "receive", imported["item"])["document"]
    assert (got["issuer"], got["reference"], got["arrival_number"]) == (UBND.name, "12/QĐ-UBND", 1)
