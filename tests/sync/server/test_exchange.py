"""The server's side of electronic exchange over HTTP (SQLite and PostgreSQL): bad packages are
refused whole, with nothing delivered; external agencies are reached through the exchange
folders, whose packages and statuses come back in."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from clerk_app.clock import VIETNAM
from clerk_app.interchange.edxml_read import read_message
from clerk_app.interchange.edxml_write import write_document, write_status
from clerk_app.interchange.values import (
    Business,
    ExchangedDocument,
    Organ,
    ResponseRef,
    StatusMessage,
)
from sync.server.models import ExchangeDelivery
from tests.sync.conftest import RunningServer, raw_session
from tests.sync.exchange_fixtures import (
    BO,
    PDF,
    SNV,
    STC,
    UBND,
    Agency,
    organ,
    package,
    set_up_agencies,
)


def deliveries(server: RunningServer) -> int:
    with server.db.read() as s:
        return int(s.execute(select(func.count()).select_from(ExchangeDelivery)).scalar_one())


def send(server: RunningServer, auth: dict[str, str], raw: bytes) -> httpx.Response:
    return httpx.post(
        server.url + "/v1/exchange/send",
        params={"document": "d0c1d0c1-0000-4000-8000-000000000001"},
        headers=auth | {"Content-Type": "application/xml"},
        content=raw,
    )


def test_bad_packages_are_refused_whole_and_nothing_is_delivered(server: RunningServer) -> None:
    set_up_agencies(server, STC, SNV)
    ubnd = raw_session(server, "vthu1.ubnd")
    good = package(UBND, STC)

    def refused(raw: bytes, status: int, code: str, problem: str | None = None) -> None:
        r = send(server, ubnd, raw)
        assert r.status_code == status, r.text
        error = r.json()["error"]
        assert error["code"] == code
        if problem:
            assert error["fields"]["problem"] == problem

    refused(b"<edXML><edXMLEnvelope>", 400, "edxml_invalid", "EdxmlNotWellFormed")
    no_subject = good.replace(b"<edXML:Subject>", b"<edXML:Nothing>").replace(
        b"</edXML:Subject>", b"</edXML:Nothing>"
    )
    refused(no_subject, 400, "edxml_invalid", "EdxmlElementMissing")
    start = good.index(b"<ContentTransferEncoded>") + len(b"<ContentTransferEncoded>")
    refused(good[:start] + b"!!**" + good[start + 4 :], 400, "edxml_invalid")
    status = write_status(
        StatusMessage(
            ResponseRef(STC.organ_id, "1/STC", date(2026, 12, 1), "x,2026/12/01,1/STC"),
            organ(UBND),
            "01",
            datetime(2026, 12, 1, 9, 0, tzinfo=VIETNAM),
        )
    )
    refused(status, 400, "edxml_not_document")
    refused(package(SNV, STC), 403, "wrong_sender")  # UBND's account, SNV's name on it
    assert deliveries(server) == 0

    r = send(server, ubnd, package(UBND, Organ("000.99.99.H44", "Không có"), UBND))
    assert {x["organ_id"]: x["outcome"] for x in r.json()["recipients"]} == {
        "000.99.99.H44": "unknown_recipient",
        UBND.organ_id: "own_agency",
    }
    assert deliveries(server) == 0

    first = send(server, ubnd, good).json()["recipients"]
    again = send(server, ubnd, good).json()["recipients"]
    assert [x["outcome"] for x in first] == ["delivered"]
    assert [x["outcome"] for x in again] == ["duplicate"]
    assert again[0]["delivery_id"] == first[0]["delivery_id"]
    assert deliveries(server) == 1

    # A status the rules do not allow is refused, and changes nothing.
    stc = raw_session(server, "vthu1.stc", agency="STC")
    item = first[0]["delivery_id"]
    url = f"{server.url}/v1/exchange/items/{item}/status"
    bad_reason = httpx.post(url, headers=stc, json={"status": "refused", "reason": "lười"})
    assert bad_reason.status_code == 400
    too_early = httpx.post(url, headers=stc, json={"status": "done"})
    assert too_early.status_code == 409
    with server.db.read() as s:
        assert s.get_one(ExchangeDelivery, item).status == "arrived"


def _wait_for(check: Callable[[], Any], what: str) -> Any:
    """Polls until the server's axis poller has done its work (not a timing assertion: the
    limit only stops a broken test from hanging)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"never happened: {what}")


def _messages(folder: Path) -> list[Any]:
    return [read_message(p.read_bytes()) for p in sorted(folder.glob("*.edxml"))]


def _drop(folder: Path, name: str, data: bytes) -> None:
    tmp = folder / f".{name}.part"
    tmp.write_bytes(data)
    tmp.rename(folder / name)


def test_external_agencies_are_reached_through_the_exchange_folders(
    server: RunningServer, tmp_path: Path
) -> None:
    axis = tmp_path / "axis"
    server.kill()
    server.args = ["--exchange-dir", str(axis)]
    server.start()
    set_up_agencies(server, STC, external=True)
    ubnd = raw_session(server, "vthu1.ubnd")
    stc = raw_session(server, "vthu1.stc", agency="STC")
    outbox, inbox = axis / "outbox", axis / "inbox"

    # Out: a package to an agency outside the server is written to the outbox, whole.
    r = send(server, ubnd, package(UBND, BO, STC))
    assert {x["organ_id"]: x["status"] for x in r.json()["recipients"]} == {
        BO.organ_id: "sent",
        STC.organ_id: "arrived",
    }
    sent = [m for m in _messages(outbox) if isinstance(m, ExchangedDocument)]
    assert [m.subject for m in sent] == ["Về việc giao chỉ tiêu kế hoạch năm 2027"]
    assert sent[0].attachments[0].data == PDF

    # Back: the external agency's status 03 lands on UBND's document.
    doc = sent[0]
    _drop(
        inbox,
        "status-1.edxml",
        write_status(
            StatusMessage(
                ResponseRef(UBND.organ_id, doc.reference, doc.promulgated_on, doc.document_id),
                organ(BO),
                "03",
                datetime(2026, 12, 1, 10, 0, tzinfo=VIETNAM),
            )
        ),
    )
    source = "d0c1d0c1-0000-4000-8000-000000000001"

    def bo_status() -> str | None:
        rows = httpx.get(f"{server.url}/v1/exchange/sent/{source}", headers=ubnd).json()
        got = {x["organ_id"]: x["status"] for x in rows["recipients"]}
        return got[BO.organ_id] if got[BO.organ_id] == "registered" else None

    _wait_for(bo_status, "status 03 from the external agency")

    # In: the external agency's package reaches STC's inbox, and 01 goes back to it.
    _drop(inbox, "from-bo.edxml", package(Agency("", BO.name, BO.organ_id), STC, number="7"))

    def stc_items() -> list[Any]:
        items = httpx.get(f"{server.url}/v1/exchange/inbox", headers=stc).json()["items"]
        return [i for i in items if i["sender"]["organ_id"] == BO.organ_id]

    item = _wait_for(stc_items, "the external package in STC's inbox")[0]
    assert item["fields"]["issuer"] == BO.name and item["files"][0]["size"] == len(PDF)

    def replies(code: str) -> list[StatusMessage]:
        return [
            m
            for m in _messages(outbox)
            if isinstance(m, StatusMessage)
            and m.code == code
            and m.responds_to.organ_id == BO.organ_id
        ]

    assert [m.sender.organ_id for m in replies("01")] == [STC.organ_id]
    httpx.post(
        f"{server.url}/v1/exchange/items/{item['id']}/status",
        headers=stc,
        json={"status": "registered"},
    ).raise_for_status()
    assert [m.sender.organ_id for m in replies("03")] == [STC.organ_id]

    # A package for no agency of ours is refused (02), a broken file set aside: no item.
    _drop(inbox, "lost.edxml", package(Agency("", BO.name, BO.organ_id), organ(SNV), number="8"))
    _drop(inbox, "broken.edxml", b"<edXML><edXMLEnvelope>")
    _wait_for(lambda: not list(inbox.glob("*.edxml")), "the inbox emptied")
    assert len(replies("02")) == 1
    assert len(list((inbox / "received").iterdir())) == 4
    assert len(stc_items()) == 1


def test_revoke_goes_to_external_agencies_and_an_external_revoke_is_answered(
    server: RunningServer, tmp_path: Path
) -> None:
    """Recall of a package sent over the axis: a revoke (Bussiness doc type 1) traced at the
    moment the clerk asked; the outside agency's 15 marks it taken back. A revoke from outside:
    the item leaves STC's inbox (15), or stays once registered (16)."""
    axis = tmp_path / "axis"
    server.kill()
    server.args = ["--exchange-dir", str(axis)]
    server.start()
    set_up_agencies(server, STC, external=True)
    ubnd = raw_session(server, "vthu1.ubnd")
    stc = raw_session(server, "vthu1.stc", agency="STC")
    outbox, inbox = axis / "outbox", axis / "inbox"
    source = "d0c1d0c1-0000-4000-8000-000000000001"
    send(server, ubnd, package(UBND, BO, STC)).raise_for_status()

    asked = datetime.now(VIETNAM).replace(microsecond=0) - timedelta(seconds=30)
    r = httpx.post(
        f"{server.url}/v1/exchange/recall/{source}",
        headers=ubnd,
        json={"reason": "Ban hành nhầm", "at": asked.isoformat()},
    )
    r.raise_for_status()
    assert {x["organ_id"]: x["status"] for x in r.json()["recipients"]} == {
        BO.organ_id: "sent",  # until BO answers
        STC.organ_id: "recalled",
    }
    (revoke,) = [
        m
        for m in _messages(outbox)
        if isinstance(m, ExchangedDocument) and m.business.kind == "revoke"
    ]
    (original,) = [
        m
        for m in _messages(outbox)
        if isinstance(m, ExchangedDocument) and m.business.kind == "new"
    ]
    assert [o.organ_id for o in revoke.recipients] == [BO.organ_id]  # STC is on the server
    assert revoke.attachments == () and revoke.business.reason == "Ban hành nhầm"
    assert revoke.business.document_id == original.document_id == revoke.document_id
    assert [t.at for t in revoke.traces] == [asked]  # when the clerk asked, not when written

    def bo_row() -> dict[str, Any]:
        rows = httpx.get(f"{server.url}/v1/exchange/sent/{source}", headers=ubnd).json()
        return next(x for x in rows["recipients"] if x["organ_id"] == BO.organ_id)

    last = bo_row()["history"][-1]
    assert last["code"] == "13" and datetime.fromisoformat(last["at"]) == asked
    _drop(
        inbox,
        "bo-15.edxml",
        write_status(
            StatusMessage(
                ResponseRef(
                    UBND.organ_id, revoke.reference, revoke.promulgated_on, revoke.document_id
                ),
                organ(BO),
                "15",
                datetime.now(VIETNAM),
            )
        ),
    )
    _wait_for(lambda: bo_row()["status"] == "recalled", "BO's 15 recorded")

    # From outside: two packages to STC; one is registered, then both are revoked.
    bo = Agency("", BO.name, BO.organ_id)
    _drop(inbox, "bo-7.edxml", package(bo, STC, number="7"))
    _drop(inbox, "bo-8.edxml", package(bo, STC, number="8"))

    def stc_items() -> dict[str, Any]:
        items = httpx.get(f"{server.url}/v1/exchange/inbox", headers=stc).json()["items"]
        return {
            i["fields"]["reference"]: i for i in items if i["sender"]["organ_id"] == BO.organ_id
        }

    _wait_for(lambda: len(stc_items()) == 2, "both packages in STC's inbox")
    kept = stc_items()["8/QĐ-UBND"]
    httpx.post(
        f"{server.url}/v1/exchange/items/{kept['id']}/status",
        headers=stc,
        json={"status": "registered"},
    ).raise_for_status()
    for number in ("7", "8"):
        sent = read_message(package(bo, STC, number=number))
        assert isinstance(sent, ExchangedDocument)
        revoke_in = replace(
            sent,
            attachments=(),
            business=Business(kind="revoke", reason="Gửi nhầm", document_id=sent.document_id),
        )
        _drop(inbox, f"bo-revoke-{number}.edxml", write_document(revoke_in))
    _wait_for(lambda: stc_items()["7/QĐ-UBND"]["status"] == "recalled", "7 taken back")
    _wait_for(lambda: not list(inbox.glob("*.edxml")), "the inbox emptied")
    assert stc_items()["8/QĐ-UBND"]["status"] == "registered"  # registered: kept
    answers = {
        (m.responds_to.code, m.code)
        for m in _messages(outbox)
        if isinstance(m, StatusMessage) and m.responds_to.organ_id == BO.organ_id
    }
    assert {("7/QĐ-UBND", "15"), ("8/QĐ-UBND", "16")} <= answers
    assert ("7/QĐ-UBND", "16") not in answers and ("8/QĐ-UBND", "15") not in answers
