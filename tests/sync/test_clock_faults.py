"""Time faults through a real server process: a desk with a wrong clock, a year ending offline.

Desk clocks are injected (clerk_app.clock.Clock); the server keeps the machine's time, and is the
time authority: numbers follow its order of receipt, and what a wrong clock dated is flagged.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from clerk_app import errors
from clerk_app.clock import VIETNAM, vietnam_date
from clerk_app.records import IncomingDraft, OutgoingDraft
from clerk_app.storage.sync_models import SyncDraft
from clerk_app.workspace import Workspace
from sync import protocol as p
from sync.engine import DeskSync
from sync.server.ledger import clock_flag
from sync.server.models import RegisterCounter, ServerDocument
from tests.sync.conftest import RunningServer, check_all, connect, run_clerk


class MovableClock:
    """A desk clock the test sets: `offset` from the machine's, or a fixed moment."""

    def __init__(self, offset: timedelta = timedelta(), at: datetime | None = None) -> None:
        self.offset, self.at = offset, at

    def __call__(self) -> datetime:
        return self.at if self.at is not None else datetime.now(UTC) + self.offset


def _within_year(delta: timedelta) -> timedelta:
    """`delta`, or `-delta` when `delta` would move today's date into another year (the year's
    turn is the next test's subject, not this one's)."""
    now = datetime.now(UTC)
    return delta if vietnam_date(now + delta).year == vietnam_date(now).year else -delta


# Each letter its own reference: a repeated one is (rightly) refused as a duplicate. str hashes
# change with every process, so a reference made from hash(subject) collided now and then.
_REFERENCES = itertools.count(1)


def _incoming(subject: str, urgency: str = "Thường") -> IncomingDraft:
    return IncomingDraft(
        issuer="Sở Tài chính",
        reference=f"{next(_REFERENCES)}/STC",
        issued_on=None,
        doc_type="Công văn",
        subject=subject,
        urgency=urgency,
    )


def _outgoing(subject: str) -> OutgoingDraft:
    return OutgoingDraft(
        doc_type="Quyết định", subject=subject, signer="Nguyễn Văn Hùng", recipients="Sở Nội vụ"
    )


def _server_docs(server: RunningServer) -> dict[str, tuple[int | None, int, dict[str, Any]]]:
    """Each server document's number, register year and data."""
    with server.db.read() as s:
        rows = s.execute(
            select(
                ServerDocument.id, ServerDocument.number, RegisterCounter.year, ServerDocument.data
            ).join(RegisterCounter, RegisterCounter.id == ServerDocument.counter_id)
        ).all()
        return {i: (number, year, dict(data)) for i, number, year, data in rows}


def _drafts(desk: Path) -> list[SyncDraft]:
    with DeskSync(desk) as d, d.db.read() as s:
        return list(s.execute(select(SyncDraft).order_by(SyncDraft.created_at)).scalars())


def test_server_flags_a_record_dated_in_its_future_even_unasked() -> None:
    now = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    ahead = {"at": (now + timedelta(hours=6)).isoformat()}
    assert clock_flag(ahead, now)[p.CLOCK_SKEW_FIELD] == 6 * 3600
    # A record dated in the past may simply have waited out an outage: only the desk can tell.
    assert clock_flag({"at": (now - timedelta(days=3)).isoformat()}, now) == {}
    told = {"at": (now - timedelta(days=3)).isoformat(), p.CLOCK_SKEW_FIELD: -3 * 86400}
    assert clock_flag(told, now)[p.CLOCK_SKEW_FIELD] == -3 * 86400
    assert clock_flag({"at": now.isoformat(), p.CLOCK_SKEW_FIELD: 30}, now) == {}
    assert clock_flag({"at": "not a time", p.CLOCK_SKEW_FIELD: True}, now) == {}


def test_desk_with_a_wrong_clock_is_told_and_its_records_flagged(
    sqlite_server: RunningServer, new_desk: Any
) -> None:
    # The subject is the desk's clock, not the database: SQLite alone keeps the suite short.
    server = sqlite_server
    a, b, c = new_desk("a"), new_desk("b"), new_desk("c")
    connect(server, a, "nvan1.ubnd")
    connect(server, b, "ttbinh1.ubnd")
    connect(server, c, "lvcuong1.ubnd")
    right = MovableClock()
    b_skew = _within_year(-timedelta(days=2, hours=3))  # b's clock, wrong all along
    behind = MovableClock(b_skew)
    ahead = MovableClock(_within_year(timedelta(hours=5)))  # c's clock
    with DeskSync(a, clock=right) as d:
        d.sync()
        d.acquire_lease("incoming", vietnam_date(right()).year)
        assert not d.state().clock_wrong

    # Online: drafts of the outgoing register (nobody holds its lease) are numbered by the
    # server in the order it receives them, whatever time each desk's clock wrote on them.
    order = []
    for desk, clock, subject in ((c, ahead, "C trước"), (b, behind, "B sau"), (c, ahead, "C ba")):
        with DeskSync(desk, clock=clock) as d:
            order.append(d.draft_outgoing(_outgoing(subject)))
            report = d.sync()
            assert report.clock_flagged >= 1
    with DeskSync(b, clock=behind) as d:
        st = d.state()
    assert st.clock_wrong and st.clock_skew_s is not None
    assert abs(st.clock_skew_s - b_skew.total_seconds()) <= 5
    state = json.loads(run_clerk(b, "sync-state", "--json").stdout)
    assert state["clock_wrong"] is True and state["clock_skew_s"] == st.clock_skew_s
    said = run_clerk(b, "sync-state").stdout
    way = "chậm" if b_skew < timedelta() else "nhanh"
    assert f"Đồng hồ máy này {way} 2 ngày 3 giờ" in said and "chỉnh lại ngày giờ" in said
    docs = _server_docs(server)
    assert [docs[i][0] for i in order] == [1, 2, 3]
    assert docs[order[1]][2][p.CLOCK_SKEW_FIELD] == st.clock_skew_s
    assert abs(abs(docs[order[0]][2][p.CLOCK_SKEW_FIELD]) - 5 * 3600) <= 10

    # Offline: the lease holder's clock jumps a day ahead; it keeps numbering, and b drafts.
    server.kill()
    a_skew = _within_year(timedelta(days=1))
    a_wrong = MovableClock(a_skew)
    with DeskSync(a, clock=a_wrong) as d, pytest.raises(errors.ServerUnreachable):
        d.sync()
    with Workspace.open(a, actor="nvan1.ubnd", clock=a_wrong) as ws:
        made = [ws.register_incoming(_incoming(f"Ngoại tuyến {i}")).document for i in range(3)]
    with DeskSync(b, clock=behind) as d:
        late_draft = d.draft_incoming(_incoming("Dự thảo khi mất mạng", "Khẩn"))
    server.start()
    with DeskSync(a, clock=a_wrong) as d:
        report = d.sync()
        assert report.rejected == [] and report.clock_flagged >= 3
        assert report.as_json()["clock_wrong"] is True
    # The clerk fixes the clock: the next round says so, and registers unflagged again.
    with DeskSync(a, clock=right) as d:
        d.sync()
        assert not d.state().clock_wrong
    with Workspace.open(a, actor="nvan1.ubnd", clock=right) as ws:
        fine = ws.register_incoming(_incoming("Sau khi chỉnh đồng hồ")).document
    with DeskSync(a, clock=right) as d:
        assert d.sync().clock_flagged == 0
    with DeskSync(b, clock=behind) as d:
        d.sync()
    with DeskSync(a, clock=right) as d:
        d.release_lease("incoming", vietnam_date(right()).year)
    for desk, clock in ((a, right), (b, behind), (c, ahead), (a, right), (b, behind)):
        with DeskSync(desk, clock=clock) as d:
            d.sync()

    docs = _server_docs(server)
    for doc in made:
        server_data = docs[doc.summary.id][2]
        assert abs(server_data[p.CLOCK_SKEW_FIELD] - a_skew.total_seconds()) <= 10
        # The recorded time is kept as the desk wrote it, on the server and on the desk.
        assert doc.summary.received_at is not None
        recorded = doc.summary.received_at.replace(microsecond=0)  # as the payload has it
        assert datetime.fromisoformat(server_data["received_at"]) == recorded
        with Workspace.open(a) as ws:
            kept = ws.document(doc.summary.id).summary.received_at
        assert kept is not None and kept.replace(microsecond=0) == recorded
    assert p.CLOCK_SKEW_FIELD not in docs[fine.summary.id][2]
    assert docs[late_draft][0] == 5  # after a's four, in the order the server got them
    assert docs[late_draft][2][p.CLOCK_SKEW_FIELD] == st.clock_skew_s
    check_all(server, a, b, c)


def test_a_year_that_ends_during_an_outage(server: RunningServer, new_desk: Any) -> None:
    a, b = new_desk("a"), new_desk("b")
    connect(server, a, "nvan1.ubnd")
    connect(server, b, "ttbinh1.ubnd")
    clock = MovableClock(at=datetime(2026, 12, 31, 9, 0, tzinfo=VIETNAM))
    with DeskSync(a, clock=clock) as d:
        d.sync()
        lease = d.acquire_lease("incoming", 2026)
        # The holder carries the lease into next year's still-empty register.
        assert lease["next_year"]["year"] == 2027
        assert lease["next_year"]["lease_desk_id"] == d.desk_id
    with Workspace.open(a, actor="nvan1.ubnd", clock=clock) as ws:
        ws.register_incoming(_incoming("Trực tuyến 31/12"))
    with DeskSync(a, clock=clock) as d:
        d.sync()
    with DeskSync(b, clock=clock) as d:
        d.sync()

    server.kill()
    clock.at = datetime(2026, 12, 31, 15, 0, tzinfo=VIETNAM)
    with Workspace.open(a, actor="nvan1.ubnd", clock=clock) as ws:
        old_year = [ws.register_incoming(_incoming(f"Cuối năm {i}")).document for i in range(2)]
        with DeskSync(b, clock=clock) as d:
            draft_2026 = d.draft_incoming(_incoming("Dự thảo cuối năm"))
        clock.at = datetime(2027, 1, 1, 0, 20, tzinfo=VIETNAM)  # past midnight, Vietnam time
        new_year = [ws.register_incoming(_incoming(f"Đầu năm {i}")).document for i in range(3)]
        with DeskSync(b, clock=clock) as d:
            draft_2027 = d.draft_incoming(_incoming("Dự thảo đầu năm"))
    assert [(d.summary.year, d.summary.number) for d in old_year] == [(2026, 2), (2026, 3)]
    assert [(d.summary.year, d.summary.number) for d in new_year] == [
        (2027, 1),
        (2027, 2),
        (2027, 3),
    ]
    with DeskSync(a, clock=clock) as d, pytest.raises(errors.ServerUnreachable):
        d.sync()

    server.start()
    clock.at = datetime(2027, 1, 4, 8, 0, tzinfo=VIETNAM)
    with DeskSync(a, clock=clock) as d:
        assert d.sync().rejected == []
    with DeskSync(b, clock=clock) as d:
        d.sync()
        assert d.state().drafts_waiting == 2  # both registers are a's: provisional
    with DeskSync(a, clock=clock) as d:
        # The release syncs first: the holder's round cedes the numbers the drafts wait for,
        # so they are numbered then (or by the release): 4/2026 and 4/2027 below either way.
        d.release_lease("incoming", 2026)
        d.release_lease("incoming", 2027)
    for desk in (a, b, a):
        with DeskSync(desk, clock=clock) as d:
            d.sync()
    check_all(server, a, b)
    docs = _server_docs(server)
    assert (docs[draft_2026][1], docs[draft_2026][0]) == (2026, 4)
    assert (docs[draft_2027][1], docs[draft_2027][0]) == (2027, 4)
    assert {(d.id, d.status, d.number) for d in _drafts(b)} == {
        (draft_2026, "numbered", 4),
        (draft_2027, "numbered", 4),
    }
    with Workspace.open(b) as ws:
        for year, subjects in (
            (2026, ["Trực tuyến 31/12", "Cuối năm 0", "Cuối năm 1", "Dự thảo cuối năm"]),
            (2027, ["Đầu năm 0", "Đầu năm 1", "Đầu năm 2", "Dự thảo đầu năm"]),
        ):
            rows = ws.register_rows(ws.register_for("incoming", year).id, 0, 10)
            assert [(r.number, r.subject) for r in rows] == list(enumerate(subjects, 1))


def test_status_bar_says_the_clock_is_wrong_and_the_tooltip_what_to_do() -> None:
    from sync.runner import RunnerState
    from ui.sync_status import status_text, status_tooltip

    now = datetime.now(UTC)
    st = RunnerState(True, True, True, None, 3, now, None, 0, 30.0, 5)
    assert "Đồng hồ" not in status_text(st, now)
    wrong = RunnerState(
        True, True, True, None, 3, now, None, 0, 30.0, 5, clock_skew_s=-183600, clock_wrong=True
    )
    assert status_text(wrong, now) == (
        "Đang trực tuyến — 3 thay đổi chờ gửi — Đồng hồ máy chậm 2 ngày 3 giờ: hãy chỉnh lại ngày giờ"
    )
    assert "Hãy chỉnh lại ngày giờ của máy tính" in status_tooltip(wrong)
