"""Numbering online through the real server: every desk gets its number inside the registration,
the holder's ceded numbers, outages in between, and no number given twice under any interleaving."""

from __future__ import annotations

import random
import sqlite3
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from clerk_app import errors
from clerk_app.clock import VIETNAM
from clerk_app.records import IncomingDraft
from clerk_app.storage.models import DeskState
from clerk_app.workspace import Workspace
from sync import online
from sync.engine import DeskSync
from sync.server.models import NumberVoid
from tests.sync.conftest import RunningServer, check_all, check_server, connect

YEAR = datetime.now(VIETNAM).year


def incoming(subject: str, files: list[Path] | None = None) -> IncomingDraft:
    return IncomingDraft(
        issuer="Sở Tài chính",
        reference="",
        issued_on=None,
        doc_type="Công văn",
        subject=subject,
        files=files or [],
    )


def online_register(desk: Path, subject: str, files: list[Path] | None = None) -> online.Numbered:
    with DeskSync(desk) as d:
        return online.register(d, incoming(subject, files))


def holder_numbers_offline(desk: Path, subject: str) -> int:
    """What the lease holder does when it cannot reach the server: its own next number."""
    with Workspace.open(desk, actor="clerk") as ws:
        return ws.register_incoming(incoming(subject)).document.summary.number


def sync(desk: Path) -> Any:
    with DeskSync(desk) as d:
        return d.sync()


def holder_and_other(server: RunningServer, new_desk: Any) -> tuple[Path, Path]:
    a, b = new_desk("a"), new_desk("b")
    connect(server, a, "nvan1.ubnd")
    connect(server, b, "ttbinh1.ubnd")
    with DeskSync(a) as d:
        d.sync()
        d.acquire_lease("incoming", YEAR)
    return a, b


def test_every_desk_numbers_at_once_online_whoever_holds_the_lease(
    server: RunningServer, new_desk: Any, make_pdf: Any
) -> None:
    a, b = holder_and_other(server, new_desk)
    sync(a)
    # A quiet register: the holder has ceded nothing ahead, so the first one waits as a draft
    # for the holder's next round, which numbers it and cedes numbers ahead for the busy desk.
    first = online_register(b, "B đầu tiên")
    assert (first.number, first.online) == (None, True)
    sync(a)
    got = [
        online_register(b, "B một", [make_pdf("B một")]),
        online_register(a, "A một"),
        online_register(b, "B hai"),
    ]
    assert [(g.number, g.online) for g in got] == [(2, True), (3, True), (4, True)]
    with Workspace.open(b) as ws:
        doc = ws.document(got[0].document_id)
        assert doc.summary.number == 2 and doc.files[0].media_type == "application/pdf"
        assert ws.document(first.document_id).summary.number == 1
    sync(a)
    sync(b)
    check_all(server, a, b)


def test_without_the_holders_acknowledgement_a_registration_is_a_draft(
    server: RunningServer, new_desk: Any
) -> None:
    a, b = holder_and_other(server, new_desk)  # the holder has ceded nothing yet
    first = online_register(b, "Chờ số")
    assert first.number is None and first.online
    sync(a)  # the holder acknowledges the counter: the waiting draft is numbered at once
    sync(b)
    with DeskSync(b) as d:
        assert [(r.status, r.number) for r in d.drafts()] == [("numbered", 1)]
    check_all(server, a, b)


def test_holder_offline_past_its_ceded_numbers_voids_the_unused_ones(
    server: RunningServer, new_desk: Any
) -> None:
    a, b = holder_and_other(server, new_desk)
    assert online_register(b, "B một").number is None  # waits for the holder's round
    sync(a)  # numbers it (1) and cedes CEDE_BLOCK more ahead: b is busy
    server.kill()
    # The holder cannot reach the server: it numbers past what it ceded (1..6), never in it.
    offline = online_register(a, "A ngoại tuyến")
    assert (offline.number, offline.online) == (7, False)
    server.start()
    # Another desk still reaches the server: it may use the ceded numbers the holder skipped.
    assert online_register(b, "B hai").number == 2
    report = sync(a)
    assert report.rejected == [], report.rejected
    with server.db.read() as s:
        voids = sorted(s.execute(select(NumberVoid.number)).scalars())
    assert voids == [3, 4, 5, 6]
    after = online_register(b, "B ba")
    assert after.number == 8
    sync(a)
    sync(b)
    check_all(server, a, b)


def test_lease_is_released_only_once_the_holders_outbox_is_on_the_server(
    server: RunningServer, new_desk: Any
) -> None:
    a, b = holder_and_other(server, new_desk)
    server.kill()
    holder_numbers_offline(a, "ngoại tuyến 1")
    holder_numbers_offline(a, "ngoại tuyến 2")
    server.start()
    with DeskSync(a) as d:
        with d.db.read() as s:
            last_seq = s.execute(select(DeskState.last_outbox_seq)).scalar_one()
        with d._client() as client:
            with pytest.raises(errors.ServerRefused) as refused:
                client.release_lease("incoming", "chung", YEAR, last_seq=last_seq)
            assert refused.value.reason == "outbox_not_empty"
            with pytest.raises(errors.ServerRefused) as refused:
                client.release_lease("incoming", "chung", YEAR)  # an old desk's request
            assert refused.value.reason == "outbox_not_empty"
        released = d.release_lease("incoming", YEAR)  # sends the outbox first
    assert released["lease_desk_id"] is None and released["last_number"] == 2
    assert online_register(b, "sau bàn giao").number == 3
    sync(a)
    sync(b)
    check_all(server, a, b)


def test_no_number_is_given_twice_under_random_interleavings(
    sqlite_server: RunningServer, new_desk: Any
) -> None:
    """Online registrations from both desks, the holder numbering offline as if cut off from the
    server (it may be, while the other desk is not), sync rounds and lease hand-overs, in random
    order: no number written on paper twice, and every desk ends with the server's registers."""
    server = sqlite_server
    a, b = holder_and_other(server, new_desk)
    rng = random.Random(20261207)
    paper: dict[int, str] = {}  # number -> document, as the clerks wrote it

    def wrote(number: int | None, doc_id: str) -> None:
        if number is not None:
            assert number not in paper, f"number {number} given twice"
            paper[number] = doc_id

    holder, other = a, b
    for step in range(60):
        move = rng.choice(("online_a", "online_b", "offline_holder", "sync_a", "sync_b", "hand"))
        if move in ("online_a", "online_b"):
            desk = a if move == "online_a" else b
            got = online_register(desk, f"bước {step}")
            wrote(got.number, got.document_id)
        elif move == "offline_holder":
            with Workspace.open(holder, actor="clerk") as ws:
                done = ws.register_incoming(incoming(f"bước {step}")).document.summary
            wrote(done.number, done.id)
        elif move == "hand" and rng.random() < 0.3:
            with DeskSync(holder) as d:
                d.release_lease("incoming", YEAR)
            with DeskSync(other) as d:
                d.take_lease("incoming", YEAR)
            holder, other = other, holder
        else:
            sync(a if move == "sync_a" else b)
    for _ in range(2):
        sync(a)
        sync(b)
    registers = check_server(server)
    final = registers[("incoming", "chung", YEAR)]
    for number, doc_id in paper.items():
        assert final.get(number) == doc_id, f"paper {number} differs from the server's register"
    check_all(server, a, b)


def test_clock_a_day_off_blocks_numbering(server: RunningServer, new_desk: Any) -> None:
    from datetime import UTC, timedelta

    a = new_desk("a")
    connect(server, a, "nvan1.ubnd")
    ahead = DeskSync(a, clock=lambda: datetime.now(UTC) + timedelta(days=30))
    with ahead as d, pytest.raises(errors.ClockTooFarToNumber) as far:
        online.register(d, incoming("ngày sai"))
    from clerk_app.messages import describe

    line = describe(far.value).one_line()
    assert "Đồng hồ máy này nhanh" in line and "\n" not in line
    with DeskSync(a) as d:
        assert d.drafts() == []  # nothing queued to be numbered with the wrong date
    assert httpx.get(server.url + "/v1/hello", headers={"X-Clerk-Protocol": "1"}).status_code == 200


def test_a_connected_desk_refuses_the_same_letter_twice_unless_the_clerk_confirms(
    server: RunningServer, new_desk: Any, make_pdf: Any
) -> None:
    a, _b = holder_and_other(server, new_desk)
    scan = make_pdf("Công văn về dự toán")
    first = online_register(a, "Dự toán", [scan])
    assert first.number == 1
    # the same file again: refused before the server is asked for a number
    with pytest.raises(errors.DuplicateDocument) as same_file:
        online_register(a, "Dự toán (lần hai)", [scan])
    assert (same_file.value.existing_number, same_file.value.reason) == (1, "same_file")
    # the same issuer and reference on another scan: refused too
    with DeskSync(a) as d:
        referenced = online.register(
            d, IncomingDraft("Sở Tài chính", "12/STC-NS", None, "Công văn", "Dự toán")
        )
    assert referenced.number == 2
    with pytest.raises(errors.DuplicateDocument) as same_ref, DeskSync(a) as d:
        online.register(
            d, IncomingDraft("Sở Tài chính", "12/STC-NS", None, "Công văn", "Bản chụp khác")
        )
    assert (same_ref.value.existing_number, same_ref.value.reason) == (2, "same_reference")
    # the clerk confirms: the second copy gets its own number, the next one
    with DeskSync(a) as d:
        again = online.register(
            d,
            IncomingDraft(
                "Sở Tài chính", "", None, "Công văn", "Dự toán", files=[scan], allow_duplicate=True
            ),
        )
    assert again.number == 3
    with Workspace.open(a, actor="clerk") as ws:
        assert ws.register_for("incoming", YEAR).last_number == 3


def test_a_sessions_registrations_share_one_desk_and_one_kept_alive_connection(
    server: RunningServer, new_desk: Any, tmp_path: Path
) -> None:
    """The window and `clerk register-*` register through one DeskSync per connected folder and
    one HTTP connection kept alive, not a new desk, client and connection each time; a
    database replaced under the same name is opened afresh, a desk on its own keeps nothing."""
    a = new_desk("a")
    connect(server, a, "nvan1.ubnd")
    sync(a)
    first = online.register_connected(a, incoming("Thứ nhất"))
    desk, _lock = online._session(a)
    client = desk._client()
    pool = client._http._transport._pool  # type: ignore[attr-defined]
    opened = list(pool.connections)
    second = online.register_connected(a, incoming("Thứ hai"))
    assert online._session(a)[0] is desk and desk._client() is client
    assert list(pool.connections) == opened and len(opened) == 1  # the same connection
    assert first is not None and second is not None
    assert first.number is not None and second.number == first.number + 1
    # Restored from a copy under the same name: a new file, so a new desk is opened for it.
    backup = tmp_path / "copy.sqlite3"
    with (
        closing(sqlite3.connect(a / "clerk.sqlite3")) as src,
        closing(sqlite3.connect(backup)) as dst,
    ):
        src.backup(dst)
    backup.replace(a / "clerk.sqlite3")
    assert online._session(a)[0] is not desk
    online.close_session(a)
    alone = new_desk("alone")
    assert online.register_connected(alone, incoming("Bàn độc lập")) is None
    assert alone.resolve() not in online._sessions
