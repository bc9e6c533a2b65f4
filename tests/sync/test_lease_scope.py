"""Register leases through the real server process: a release or hand-over moves exactly the one
lease it names, the lease list tells desks apart in words a clerk reads, and no refusal, replay,
outage or lost answer leaves a desk numbering under a lease the server no longer gives it.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from clerk_app import errors
from clerk_app.messages import describe
from clerk_app.refusals import Refusal
from clerk_app.storage.models import DeskState, OutboxEntry
from clerk_app.storage.models import NumberVoid as DeskVoid
from clerk_app.storage.sync_models import SyncAnswer
from clerk_app.workspace import Workspace
from sync import desk_store
from sync.engine import DeskSync
from sync.protocol import MAX_HELD_NUMBERS
from sync.server.models import (
    Agency,
    Desk,
    NumberVoid,
    Reconciliation,
    RegisterCounter,
    ServerDocument,
)
from tests.sync.conftest import H, RunningServer, check_all, connect, raw_session
from tests.sync.test_desk_views import clerk as clerk  # `clerk` in this process
from tests.sync.test_engine import YEAR, check_all_but, register, sync
from tests.sync.test_online import incoming, online_register

NEXT = YEAR + 1


def holders(server: RunningServer, agency: str = "UBND") -> dict[tuple[str, int], str | None]:
    """Who holds each register's lease on the server, for one agency's common series."""
    with server.db.read() as s:
        query = (
            select(RegisterCounter)
            .join(Agency, Agency.id == RegisterCounter.agency_id)
            .where(Agency.code == agency, RegisterCounter.series == "chung")
        )
        return {(c.kind, c.year): c.lease_desk_id for c in s.execute(query).scalars()}


def code(r: httpx.Response) -> str:
    return str(r.json()["error"]["code"])


def desk_id(desk: Path) -> str:
    with DeskSync(desk) as d:
        return d.desk_id


def local_holders(desk: Path) -> dict[tuple[str, int], str]:
    with DeskSync(desk) as d:
        return {(r.kind, r.year): r.holder for r in d.leases() if r.series == "chung"}


def holds_this_year(server: RunningServer, new_desk: Any) -> Path:
    """Desk a, connected as nvan1.ubnd, holds this year's incoming register's lease."""
    a = new_desk("a")
    connect(server, a, "nvan1.ubnd")
    with DeskSync(a) as d:
        d.sync()
        d.acquire_lease("incoming", YEAR)
    return a


def releasing(desk: Path) -> Any:
    """A release of this year's incoming register by `desk`, to run while the server dies."""

    def release() -> Any:
        with DeskSync(desk) as d:
            return d.release_lease("incoming", YEAR)

    return release


def holds_this_and_next_year(server: RunningServer, new_desk: Any) -> Path:
    """Desk a holds this year's incoming register and, carried with it, next year's."""
    a = new_desk("a")
    connect(server, a, "nvan1.ubnd")
    with DeskSync(a) as d:
        d.sync()
        taken = d.acquire_lease("incoming", YEAR)
    assert taken["next_year"]["year"] == NEXT and taken["next_year"]["lease_desk_id"] == desk_id(a)
    return a


# --- one release, one register ---------------------------------------------------------------


def test_releasing_this_years_register_keeps_next_years_lease(
    server: RunningServer, new_desk: Any
) -> None:
    a = holds_this_and_next_year(server, new_desk)
    with DeskSync(a) as d:
        d.acquire_lease("outgoing", YEAR)
        released = d.release_lease("incoming", YEAR)
    assert released["kind"] == "incoming" and released["year"] == YEAR
    assert "next_year" not in released
    me = desk_id(a)
    assert holders(server) == {
        ("incoming", YEAR): None,
        ("incoming", NEXT): me,
        ("outgoing", YEAR): me,
        ("outgoing", NEXT): me,
    }
    assert local_holders(a) == {
        ("incoming", YEAR): "none",
        ("incoming", NEXT): "mine",
        ("outgoing", YEAR): "mine",
        ("outgoing", NEXT): "mine",
    }
    # Next year's register is still this desk's to number offline, and to release by name.
    with DeskSync(a) as d:
        again = d.release_lease("incoming", NEXT)
    assert (again["year"], again["lease_desk_id"]) == (NEXT, None)
    assert holders(server)[("outgoing", YEAR)] == me
    check_all(server, a)


def test_a_take_over_moves_only_the_register_it_names(server: RunningServer, new_desk: Any) -> None:
    a = holds_this_and_next_year(server, new_desk)
    b, admin = new_desk("b"), new_desk("admin")
    connect(server, b, "ttbinh1.ubnd")
    connect(server, admin, "qtri1.ubnd", role="admin")
    with DeskSync(admin) as d:
        d.sync()
        taken = d.take_lease("incoming", YEAR, force=True, lost_through=0)
    assert "next_year" not in taken  # next year's is a's: not revoked, not carried
    assert holders(server)[("incoming", YEAR)] == desk_id(admin)
    assert holders(server)[("incoming", NEXT)] == desk_id(a)
    sync(a)
    assert local_holders(a)[("incoming", NEXT)] == "mine"
    assert local_holders(a)[("incoming", YEAR)] == "other"
    # A hand-over (release, then the other desk takes it) moves this year's only as well.
    with DeskSync(admin) as d:
        d.release_lease("incoming", YEAR)
    with DeskSync(b) as d:
        d.take_lease("incoming", YEAR)
    assert holders(server)[("incoming", YEAR)] == desk_id(b)
    assert holders(server)[("incoming", NEXT)] == desk_id(a)
    check_all(server, a, b, admin)


# --- what the clerk reads ---------------------------------------------------------------------

ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
MOMENT = re.compile(r"từ \d{2}/\d{2}/\d{4} \d{2}:\d{2}")


def same_station(*desks: Path) -> None:
    for path in desks:
        with DeskSync(path) as d, d.db.write() as s:
            s.execute(update(DeskState).values(station="Văn thư"))


def test_lease_list_speaks_vietnamese_and_tells_two_desks_of_one_station_apart(
    clerk: Any, server: RunningServer, new_desk: Any
) -> None:
    a, b = new_desk("a"), new_desk("b")
    same_station(a, b)
    connect(server, a, "nvan1.ubnd")
    connect(server, b, "ttbinh1.ubnd")
    book = ("--book", "incoming", "--year", str(YEAR))
    clerk(a, "sync")
    took = clerk(a, "lease", "acquire", *book).stdout
    assert f"Sổ đăng ký văn bản đến {YEAR}" in took and "incoming" not in took
    clerk(b, "sync")
    id_a, id_b = desk_id(a), desk_id(b)

    seen_by_b = clerk(b, "lease", "list").stdout
    seen_by_a = clerk(a, "lease", "list").stdout
    for text in (seen_by_a, seen_by_b):
        assert "incoming" not in text and "outgoing" not in text and "chung" not in text
        assert not ISO.search(text), text
        [line] = [x for x in text.splitlines() if x.startswith(f"Sổ đăng ký văn bản đến {YEAR}:")]
        # The holder: its station, the short form of its desk id and the login that connected it.
        assert "đang giữ" in line and "«Văn thư»" in line, line
        assert id_a[:8] in line and "nvan1.ubnd" in line, line
        assert MOMENT.search(line), line  # since when, Vietnam time
        [free] = [x for x in text.splitlines() if x.startswith(f"Sổ đăng ký văn bản đi {YEAR}:")]
        assert "tự do" in free, free
    [line_a] = [
        x for x in seen_by_a.splitlines() if x.startswith(f"Sổ đăng ký văn bản đến {YEAR}:")
    ]
    [line_b] = [
        x for x in seen_by_b.splitlines() if x.startswith(f"Sổ đăng ký văn bản đến {YEAR}:")
    ]
    assert "máy này" in line_a and "máy này" not in line_b
    assert id_b[:8] not in line_b and "ttbinh1.ubnd" not in line_b

    rows = json.loads(clerk(b, "lease", "list", "--json").stdout)["leases"]
    [row] = [r for r in rows if (r["kind"], r["year"]) == ("incoming", YEAR)]
    assert (row["holder"], row["holder_desk_id"], row["holder_login"]) == (
        "other",
        id_a,
        "nvan1.ubnd",
    )
    assert row["holder_station"] == "Văn thư" and row["held_since"]

    gave = clerk(a, "lease", "release", *book).stdout
    assert f"Sổ đăng ký văn bản đến {YEAR}" in gave and "incoming" not in gave
    clerk(b, "sync")
    [line] = [
        x
        for x in clerk(b, "lease", "list").stdout.splitlines()
        if x.startswith(f"Sổ đăng ký văn bản đến {YEAR}:")
    ]
    assert "tự do" in line and "nvan1.ubnd" not in line


# --- attacks ------------------------------------------------------------------------------------


def test_release_refused_while_the_outbox_waits_keeps_the_lease_and_says_why(
    server: RunningServer, new_desk: Any
) -> None:
    a = holds_this_year(server, new_desk)
    register(a, 1)  # numbered offline: in the outbox, not yet on the server
    with DeskSync(a) as d:
        with d.db.read() as s:
            last_seq = s.execute(select(DeskState.last_outbox_seq)).scalar_one()
        with d._client() as client, pytest.raises(errors.ServerRefused) as refused:
            client.release_lease("incoming", "chung", YEAR, last_seq=last_seq)
    assert refused.value.reason == "outbox_not_empty"
    said = describe(refused.value).one_line()
    assert "chưa gửi lên máy chủ" in said and "chưa bàn giao" in said
    assert holders(server)[("incoming", YEAR)] == desk_id(a)
    assert local_holders(a)[("incoming", YEAR)] == "mine"
    sync(a)
    check_all(server, a)


def test_no_lease_moves_to_another_agency_or_a_role_that_does_not_number(
    server: RunningServer, new_desk: Any
) -> None:
    a = holds_this_year(server, new_desk)
    me = desk_id(a)
    body = {"kind": "incoming", "series": "chung", "year": YEAR}

    # A leader of the same agency: may not take a lease, release a's, or revoke it.
    leader = raw_session(server, "lanhdao1.ubnd", role="leader")
    r = httpx.post(server.url + "/v1/leases/acquire", headers=leader, json=body | {"local_last": 0})
    assert (r.status_code, code(r)) == (403, "role_cannot_number")
    r = httpx.post(server.url + "/v1/leases/release", headers=leader, json=body | {"last_seq": 0})
    assert (r.status_code, code(r)) == (409, "lease_held")
    assert r.json()["error"]["fields"]["station"]  # names who holds it, not ""
    r = httpx.post(server.url + "/v1/leases/release", headers=leader, json=body | {"force": True})
    assert (r.status_code, code(r)) == (403, "admin_only")

    # A clerk and an admin of another agency: their own agency's registers, never ours.
    server.agency("STC", "Sở Tài chính tỉnh Phú Yên")
    other = raw_session(server, "vthu1.stc", agency="STC")
    other_admin = raw_session(server, "qtri1.stc", role="admin", agency="STC")
    r = httpx.post(server.url + "/v1/leases/release", headers=other, json=body | {"last_seq": 0})
    assert (r.status_code, code(r)) == (409, "no_lease")
    r = httpx.post(
        server.url + "/v1/leases/release", headers=other_admin, json=body | {"force": True}
    )
    assert (r.status_code, code(r)) == (409, "no_lease")
    r = httpx.post(server.url + "/v1/leases/acquire", headers=other, json=body | {"local_last": 0})
    assert r.status_code == 200 and r.json()["lease_desk_id"] == "desk-of-vthu1.stc"
    assert holders(server)[("incoming", YEAR)] == me  # UBND's register: untouched
    assert holders(server, "STC")[("incoming", YEAR)] == "desk-of-vthu1.stc"
    sync(a)
    assert local_holders(a)[("incoming", YEAR)] == "mine"


def test_a_replayed_release_never_releases_a_later_lease(
    server: RunningServer, new_desk: Any
) -> None:
    a, b = new_desk("a"), new_desk("b")
    connect(server, a, "nvan1.ubnd")
    connect(server, b, "ttbinh1.ubnd")
    with DeskSync(a) as d:
        d.sync()
        held = d.acquire_lease("incoming", YEAR)
    me = desk_id(a)
    sent: list[dict[str, Any]] = []
    with DeskSync(a) as d:
        client = d._client()  # kept by the desk: the release goes through this one
        inner = client._json

        def spy(method: str, path: str, **kw: Any) -> Any:
            if path == "/v1/leases/release":
                sent.append({"token": client.token, **kw})
            return inner(method, path, **kw)

        client._json = spy  # type: ignore[method-assign]
        d.release_lease("incoming", YEAR)
    [request] = sent
    assert request["json"]["epoch"] == held["lease_epoch"]  # names the lease, not only the register

    def replay() -> httpx.Response:
        return httpx.post(
            server.url + "/v1/leases/release",
            headers=H | {"Authorization": f"Bearer {request['token']}"},
            json=request["json"],
        )

    assert code(replay()) == "lease_moved"  # the second of two: nothing left to release
    with DeskSync(a) as d:
        d.acquire_lease("incoming", YEAR)  # a takes it again: a new lease
    assert code(replay()) == "lease_moved"
    assert holders(server)[("incoming", YEAR)] == me
    with DeskSync(a) as d:
        d.release_lease("incoming", YEAR)
    with DeskSync(b) as d:
        d.take_lease("incoming", YEAR)
    assert code(replay()) == "lease_moved"
    assert holders(server)[("incoming", YEAR)] == desk_id(b)
    check_all(server, a, b)


def test_release_during_an_outage_keeps_the_lease_and_says_so(
    clerk: Any, server: RunningServer, new_desk: Any
) -> None:
    a = holds_this_year(server, new_desk)
    server.kill()
    refused = clerk(a, "lease", "release", "--book", "incoming", "--year", str(YEAR), check=False)
    assert refused.returncode != 0
    assert "Chưa bàn giao quyền cấp số" in refused.stderr, refused.stderr
    assert "vẫn giữ quyền cấp số" in refused.stderr
    assert local_holders(a)[("incoming", YEAR)] == "mine"
    # The holder goes on numbering offline: that is what the lease is for.
    with Workspace.open(a, actor="nvan1.ubnd") as ws:
        assert ws.register_incoming(incoming("Trong lúc mất kết nối")).document.summary.number == 1
    server.start()
    with DeskSync(a) as d:
        released = d.release_lease("incoming", YEAR)
    assert released["lease_desk_id"] is None and released["last_number"] == 1
    check_all(server, a)


def test_a_release_whose_answer_is_lost_stops_offline_numbering_until_the_server_says(
    server: RunningServer, new_desk: Any, tmp_path: Path
) -> None:
    a, b = holds_this_year(server, new_desk), new_desk("b")
    connect(server, b, "ttbinh1.ubnd")

    # The server commits the release and dies before answering.
    server.kill_at_fault("lease_released", tmp_path / "released", releasing(a))
    server.kill()  # and stays unreachable for a while
    assert local_holders(a)[("incoming", YEAR)] != "mine"
    with Workspace.open(a, actor="nvan1.ubnd") as ws, pytest.raises(errors.NumberingLeaseNotHeld):
        ws.register_incoming(incoming("Không được cấp số ngoại tuyến"))
    server.start()
    assert online_register(b, "Máy chủ cấp số 1").number == 1
    sync(a)
    assert local_holders(a)[("incoming", YEAR)] == "none"
    check_all(server, a, b)


def test_a_release_that_never_reached_the_server_gives_the_lease_back_to_the_desk_next_round(
    server: RunningServer, new_desk: Any, tmp_path: Path
) -> None:
    a = holds_this_year(server, new_desk)

    # The server dies before committing the release: the lease is still a's.
    server.kill_at_fault("lease_release_applied", tmp_path / "applied", releasing(a))
    assert holders(server)[("incoming", YEAR)] == desk_id(a)
    sync(a)  # the round's standing says who holds what
    assert local_holders(a)[("incoming", YEAR)] == "mine"
    with Workspace.open(a, actor="nvan1.ubnd") as ws:
        assert ws.register_incoming(incoming("Vẫn giữ quyền")).document.summary.number == 1
    sync(a)
    check_all(server, a)
    with server.db.read() as s:
        assert s.get_one(Desk, desk_id(a)).login == "nvan1.ubnd"


def test_a_release_whose_connection_is_refused_after_the_sync_keeps_the_lease_here(
    server: RunningServer, new_desk: Any
) -> None:
    a = holds_this_year(server, new_desk)
    with DeskSync(a) as d:
        real_sync = d.sync

        def sync_then_server_dies() -> Any:
            report = real_sync()
            server.kill()  # the release itself meets a refused connection: it never left
            return report

        d.sync = sync_then_server_dies  # type: ignore[method-assign]
        with pytest.raises(errors.LeaseNotHandedOver) as kept:
            d.release_lease("incoming", YEAR)
    assert not isinstance(kept.value, errors.LeaseReleaseUnknown)
    assert "vẫn giữ quyền cấp số" in describe(kept.value).one_line()
    assert local_holders(a)[("incoming", YEAR)] == "mine"
    with Workspace.open(a, actor="nvan1.ubnd") as ws:
        assert ws.register_incoming(incoming("Máy chủ không nhận")).document.summary.number == 1
    server.start()
    sync(a)
    assert holders(server)[("incoming", YEAR)] == desk_id(a)
    check_all(server, a)


def test_a_release_refused_because_the_lease_was_revoked_meanwhile_numbers_nothing_offline(
    server: RunningServer, new_desk: Any
) -> None:
    a, admin = holds_this_year(server, new_desk), new_desk("admin")
    connect(server, admin, "qtri1.ubnd", role="admin")
    with DeskSync(a) as d:
        real_sync = d.sync

        def sync_then_revoked() -> Any:
            report = real_sync()
            with DeskSync(admin) as x:  # between a's sync and its release
                x.release_lease("incoming", YEAR, force=True, lost_through=0)
            return report

        d.sync = sync_then_revoked  # type: ignore[method-assign]
        with pytest.raises(errors.ServerRefused) as refused:
            d.release_lease("incoming", YEAR)
    assert refused.value.reason == "lease_moved"
    # Not given back to a: the server gives these numbers now, and b may take the lease.
    assert local_holders(a)[("incoming", YEAR)] != "mine"
    b = new_desk("b")
    connect(server, b, "ttbinh1.ubnd")
    with DeskSync(b) as d:
        d.take_lease("incoming", YEAR)
    server.kill()
    with Workspace.open(a, actor="nvan1.ubnd") as ws, pytest.raises(errors.NumberingLeaseNotHeld):
        ws.register_incoming(incoming("Không được cấp số ngoại tuyến"))
    server.start()
    sync(a)
    assert local_holders(a)[("incoming", YEAR)] == "other"
    check_all(server, a, b)


def test_an_admins_revocation_from_a_stale_list_names_the_lease_held_now(
    server: RunningServer, new_desk: Any
) -> None:
    a, b, admin = holds_this_year(server, new_desk), new_desk("b"), new_desk("admin")
    connect(server, b, "ttbinh1.ubnd")
    connect(server, admin, "qtri1.ubnd", role="admin")
    sync(admin)
    assert local_holders(admin)[("incoming", YEAR)] == "other"  # a's lease, as the admin saw it
    with DeskSync(a) as d:
        d.release_lease("incoming", YEAR)
    with DeskSync(b) as d:
        d.take_lease("incoming", YEAR)
    # `clerk lease revoke` from the admin's list as it was: it revokes b's lease, held now.
    with DeskSync(admin) as d:
        revoked = d.release_lease("incoming", YEAR, force=True, lost_through=0)
    assert revoked["lease_desk_id"] is None
    assert holders(server)[("incoming", YEAR)] is None
    sync(b)
    assert local_holders(b)[("incoming", YEAR)] == "none"
    check_all(server, a, b, admin)


def test_an_admin_revoking_its_own_lease_stops_numbering_before_the_request_leaves(
    server: RunningServer, new_desk: Any, tmp_path: Path
) -> None:
    admin = new_desk("admin")
    connect(server, admin, "qtri1.ubnd", role="admin")
    with DeskSync(admin) as d:
        d.sync()
        d.acquire_lease("incoming", YEAR)

    def revoke() -> Any:
        with DeskSync(admin) as d:
            return d.release_lease("incoming", YEAR, force=True, lost_through=0)

    # The server commits the revocation and dies before answering.
    server.kill_at_fault("lease_released", tmp_path / "released", revoke)
    server.kill()
    assert local_holders(admin)[("incoming", YEAR)] == "releasing"
    with (
        Workspace.open(admin, actor="qtri1.ubnd") as ws,
        pytest.raises(errors.NumberingLeaseNotHeld),
    ):
        ws.register_incoming(incoming("Không được cấp số ngoại tuyến"))
    server.start()
    sync(admin)
    assert local_holders(admin)[("incoming", YEAR)] == "none"
    check_all(server, admin)


# --- a number is judged by the lease it was given under ---------------------------------------


def this_years_epoch(d: DeskSync) -> int:
    return next(
        r.epoch for r in d.leases() if (r.kind, r.series, r.year) == ("incoming", "chung", YEAR)
    )


def test_an_offline_number_uploaded_after_its_lease_moved_away_and_back_is_judged_by_its_own(
    server: RunningServer, new_desk: Any
) -> None:
    """Desk a numbers offline under epoch N; the lease is revoked and goes to b and back. a
    cannot take it again before it uploads (`desk_ahead`), and the number is a stale-lease
    number: to reconciliation, never merged (it would be: it is the server's next)."""
    a, b, admin = holds_this_year(server, new_desk), new_desk("b"), new_desk("admin")
    connect(server, b, "ttbinh1.ubnd")
    connect(server, admin, "qtri1.ubnd", role="admin")
    with DeskSync(a) as d:
        given_under = this_years_epoch(d)
    server.kill()
    with Workspace.open(a, actor="nvan1.ubnd") as ws:
        number = ws.register_incoming(incoming("Số cấp khi mất kết nối")).document.summary.number
    server.start()
    with DeskSync(a) as d, d.db.read() as s:
        row = s.execute(select(OutboxEntry).where(OutboxEntry.acked_at.is_(None))).scalar_one()
        assert row.lease_epoch == given_under  # kept in the transaction that gave the number
    with DeskSync(admin) as d:
        d.release_lease("incoming", YEAR, force=True, lost_through=0)  # revoked: N+1
    with DeskSync(b) as d:
        d.take_lease("incoming", YEAR)  # N+2
        d.release_lease("incoming", YEAR)  # N+3
    with DeskSync(a) as d, pytest.raises(errors.ServerRefused) as refused:
        # Taking it back (N+4) before the upload would cede a's own number: refused since
        # the check of what a desk used (see the test after the next ones).
        d.acquire_lease("incoming", YEAR)
    assert refused.value.reason == Refusal.DESK_AHEAD

    report = sync(a)

    assert [(r["status"], r["reason"]) for r in report.rejected] == [("reconcile", "lease_revoked")]
    with server.db.read() as s:
        queued = s.execute(select(Reconciliation)).scalars().all()
        counter = s.execute(
            select(RegisterCounter).where(
                RegisterCounter.kind == "incoming", RegisterCounter.year == YEAR
            )
        ).scalar_one()
        assert [q.reason for q in queued] == ["lease_revoked"]
        assert counter.last_number == number - 1  # not issued to a's offline document
    with DeskSync(a) as d, d.db.read() as s:
        assert s.execute(select(SyncAnswer.reason)).scalars().all() == ["lease_revoked"]


def test_a_new_years_number_given_offline_is_not_merged_under_the_lease_carried_again(
    server: RunningServer, new_desk: Any
) -> None:
    """Desk a numbers 1/next year offline under the carried lease of epoch M; an admin revokes
    that lease (M+1), and a's next take of this year's lease carries next year's to it again
    (M+2, nothing ceded). Judged by the lease a holds when it uploads, 1 is the server's next
    number and would be merged silently; judged by M, it goes to reconciliation."""
    a, admin = holds_this_and_next_year(server, new_desk), new_desk("admin")
    connect(server, admin, "qtri1.ubnd", role="admin")
    with DeskSync(a) as d:
        given_under = next(
            r.epoch for r in d.leases() if (r.kind, r.series, r.year) == ("incoming", "chung", NEXT)
        )
    server.kill()
    new_year = datetime(NEXT, 1, 2, 1, 0, tzinfo=UTC)  # 08:00 on 2 January, Vietnam time
    with Workspace.open(a, actor="nvan1.ubnd", clock=lambda: new_year) as ws:
        doc = ws.register_incoming(incoming("Văn bản đầu năm")).document.summary
    assert (doc.number, doc.year) == (1, NEXT)
    server.start()
    with DeskSync(admin) as d:
        d.release_lease("incoming", NEXT, force=True, lost_through=0)  # M+1
    with DeskSync(a) as d:
        taken = d.acquire_lease("incoming", YEAR)  # a holds it still: next year's comes along
    assert taken["next_year"]["lease_epoch"] == given_under + 2

    report = sync(a)

    assert [(r["status"], r["reason"]) for r in report.rejected] == [("reconcile", "lease_revoked")]
    with server.db.read() as s:
        assert s.get(ServerDocument, doc.id) is None  # no number 1 issued to it
        assert s.execute(select(Reconciliation.reason)).scalars().all() == ["lease_revoked"]


def test_a_number_under_an_epoch_the_desk_never_held_is_a_stale_lease_number(
    server: RunningServer, new_desk: Any
) -> None:
    """A hostile or broken desk naming the current epoch of another desk's lease, or a future
    one: refused as stale, like a revoked lease, never merged."""
    a, b = holds_this_year(server, new_desk), new_desk("b")
    connect(server, b, "ttbinh1.ubnd")
    with DeskSync(a) as d:
        current = this_years_epoch(d)
    server.kill()
    with Workspace.open(a, actor="nvan1.ubnd") as ws:
        doc = ws.register_incoming(incoming("Số của bàn a")).document.summary
    server.start()
    with DeskSync(a) as d, d.db.read() as s:
        rows = s.execute(select(OutboxEntry).where(OutboxEntry.acked_at.is_(None))).scalars()
        [mutation] = desk_store.as_mutations(s, d.desk_id, list(rows))
    # b sends a's registration as its own, under a's epoch and under one nobody has yet.
    with DeskSync(b) as d, d._client() as client:
        d.sync()
        with d.db.read() as s:
            last = s.execute(select(DeskState.last_outbox_seq)).scalar_one()
        for seq, epoch in ((last + 1, current), (last + 2, current + 7)):
            forged = mutation | {
                "seq": seq,
                "mutation_id": f"forged-{epoch}",
                "lease_epoch": epoch,
            }
            [result] = client.upload([forged])["results"]
            assert (result["status"], result["reason"]) == ("reconcile", "lease_revoked")
            assert result["lease_epoch"] == epoch and result["current_epoch"] == current
    sync(a)  # a's own upload, under the lease it holds: taken
    with server.db.read() as s:
        assert s.get_one(ServerDocument, doc.id).number == doc.number


def test_a_row_queued_before_its_epoch_was_kept_goes_up_under_the_lease_held_at_upload(
    server: RunningServer, new_desk: Any
) -> None:
    """Rows of before migration 0010 have no epoch: as before, the lease held when uploading."""
    a = holds_this_year(server, new_desk)
    server.kill()
    with Workspace.open(a, actor="nvan1.ubnd") as ws:
        doc = ws.register_incoming(incoming("Số của hàng cũ")).document.summary
    server.start()
    with DeskSync(a) as d, d.db.write() as s:
        s.execute(update(OutboxEntry).values(lease_epoch=None))
    report = sync(a)
    assert report.rejected == []
    with server.db.read() as s:
        assert s.get_one(ServerDocument, doc.id).number == doc.number


def test_a_desk_cannot_take_a_lease_back_over_a_number_the_server_never_accepted(
    server: RunningServer, new_desk: Any
) -> None:
    """Desk a numbers offline; its lease is revoked before the number goes up, b holds and
    releases the lease, and a asks for it again. The number is on a's paper but not on the
    server, so a's counter being ahead is not numbers it ceded: the lease used to be granted
    «ceding» up to a's counter, and the server then gave a's number online to b. Now it is
    refused (`desk_ahead`, saying what to do) until the number is settled, and a lease a
    holds with its numbers all on the server still cedes its unused ones."""
    a, b, admin = holds_this_year(server, new_desk), new_desk("b"), new_desk("admin")
    connect(server, b, "ttbinh1.ubnd")
    connect(server, admin, "qtri1.ubnd", role="admin")
    server.kill()
    with Workspace.open(a, actor="nvan1.ubnd") as ws:
        number = ws.register_incoming(incoming("Số cấp khi mất kết nối")).document.summary.number
    server.start()
    with DeskSync(admin) as d:
        d.release_lease("incoming", YEAR, force=True, lost_through=0)
    with DeskSync(b) as d:
        d.take_lease("incoming", YEAR)
        d.release_lease("incoming", YEAR)
    with DeskSync(a) as d, pytest.raises(errors.ServerRefused) as refused:
        d.acquire_lease("incoming", YEAR)
    assert refused.value.reason == Refusal.DESK_AHEAD
    assert refused.value.details["desk_used"] == number
    assert "đối chiếu" in describe(refused.value).one_line()
    with server.db.read() as s:
        counter = s.execute(
            select(RegisterCounter).where(
                RegisterCounter.kind == "incoming", RegisterCounter.year == YEAR
            )
        ).scalar_one()
        assert counter.lease_desk_id is None and counter.ceded_through == 0
    # A desk that does not say what it used is taken to have used its whole counter.
    body = {"kind": "incoming", "series": "chung", "year": YEAR, "local_last": number}
    with DeskSync(a) as d, d.db.read() as s:
        link = desk_store.link(s)
        assert link is not None
        own = H | {"Authorization": f"Bearer {link.token}"}  # a's own credential, by hand
    answer = httpx.post(server.url + "/v1/leases/acquire", headers=own, json=body)
    assert answer.status_code == 409 and code(answer) == Refusal.DESK_AHEAD


def revoked_while_offline(
    server: RunningServer, new_desk: Any, lost_through: int
) -> tuple[Path, Path, Path, dict[int, str]]:
    """a holds the lease, numbers two documents offline (on its paper, not on the server), and
    an admin revokes its lease naming `lost_through`; returns the desks and a's offline
    documents by number."""
    a, b, admin = holds_this_year(server, new_desk), new_desk("b"), new_desk("admin")
    connect(server, b, "ttbinh1.ubnd")
    connect(server, admin, "qtri1.ubnd", role="admin")
    register(a, 2)
    sync(a)
    server.kill()
    with Workspace.open(a, actor="nvan1.ubnd") as ws:
        offline = {
            doc.number: doc.id
            for doc in (
                ws.register_incoming(incoming(f"Cấp khi mất kết nối {i}")).document.summary
                for i in (1, 2)
            )
        }
    assert sorted(offline) == [3, 4]
    server.start()
    with DeskSync(admin) as d:
        d.release_lease("incoming", YEAR, force=True, lost_through=lost_through)
    return a, b, admin, offline


def test_a_revocation_holds_the_numbers_the_revoked_desk_wrote_on_paper(
    server: RunningServer, new_desk: Any
) -> None:
    """The admin revokes a lost desk's lease naming the last number on its paper register (4):
    the server gives b the next one (5), never a's 3 or 4, and a's own registrations of them,
    when a comes back, fill them: one document a number, no conflict, no void left. Before
    held numbers, b got 3 online: the same number on two papers, «a person decides»."""
    a, b, admin, offline = revoked_while_offline(server, new_desk, lost_through=4)
    assert online_register(b, "Sau thu hồi").number == 5
    with server.db.read() as s:
        held = s.execute(select(NumberVoid.number, NumberVoid.reason)).all()
    assert sorted(held) == [(3, "held_for_revoked"), (4, "held_for_revoked")]
    sync(b)
    with DeskSync(b) as d, d.db.read() as s:  # b's register shows them as held, with why
        voids = s.execute(select(DeskVoid.number, DeskVoid.reason)).all()
    assert sorted(voids) == [(3, "held_for_revoked"), (4, "held_for_revoked")]
    report = sync(a)
    assert report.rejected == [] and report.conflicts == 0
    for desk in (admin, b, a):
        sync(desk)
    registers = check_all_but(server, a, b, admin)
    register_now = registers[("incoming", "chung", YEAR)]
    assert sorted(register_now) == [1, 2, 3, 4, 5]
    assert {n: register_now[n] for n in offline} == offline  # a's paper numbers, a's documents
    with server.db.read() as s:
        assert s.execute(select(NumberVoid.number)).all() == []
    for desk in (a, b):
        with DeskSync(desk) as d, d.db.read() as s:
            assert s.execute(select(DeskVoid.number)).all() == []  # lifted on every desk


def test_numbers_past_the_ones_held_still_go_to_reconciliation(
    server: RunningServer, new_desk: Any
) -> None:
    """The admin names 3 where a wrote 4: 3 is a's, 4 is not held, so b's online registration
    takes 4 and a's 4 goes to reconciliation: the admin's word bounds what is held, and
    nothing past it is merged silently."""
    a, b, _admin, offline = revoked_while_offline(server, new_desk, lost_through=3)
    assert online_register(b, "Sau thu hồi").number == 4
    report = sync(a)
    assert [(r["status"], r["reason"]) for r in report.rejected] == [
        ("reconcile", Refusal.LEASE_REVOKED)
    ]
    sync(b)
    registers = check_all_but(server, b)[("incoming", "chung", YEAR)]
    assert registers[3] == offline[3] and registers[4] != offline[4]
    with server.db.read() as s:
        assert s.execute(select(NumberVoid.number)).all() == []


def test_a_revocation_without_the_last_paper_number_is_refused(
    server: RunningServer, new_desk: Any
) -> None:
    """An admin revoking another desk's lease must name the last number that desk may have on
    paper; without it (or more than MAX_HELD_NUMBERS past the server's last) nothing changes."""
    a, admin = holds_this_year(server, new_desk), new_desk("admin")
    connect(server, admin, "qtri1.ubnd", role="admin")
    with DeskSync(admin) as d:
        with pytest.raises(errors.ServerRefused) as refused:
            d.release_lease("incoming", YEAR, force=True)
        assert refused.value.reason == Refusal.LOST_THROUGH_REQUIRED
        assert "sổ đăng ký giấy của bàn đó" in describe(refused.value).one_line()
        with pytest.raises(errors.ServerRefused) as too_far:
            d.release_lease("incoming", YEAR, force=True, lost_through=MAX_HELD_NUMBERS + 1)
        assert too_far.value.reason == Refusal.LOST_THROUGH_TOO_FAR
        assert str(MAX_HELD_NUMBERS) in describe(too_far.value).one_line()
    assert holders(server)[("incoming", YEAR)] == desk_id(a)
    with server.db.read() as s:
        assert s.execute(select(NumberVoid.number)).all() == []
