"""The desk's views of sync through a real server: drafts, leases (CLI too), conflicts, hours."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from clerk_app import errors
from clerk_app.cli import main
from clerk_app.clock import VIETNAM
from clerk_app.records import IncomingDraft
from clerk_app.storage.models import AuditEntry, DeskState
from clerk_app.storage.sync_models import Outage, SyncAnswer, SyncLease
from clerk_app.workdays.office_hours import OfficeHours, load_office_hours
from clerk_app.workspace import Workspace
from sync.conflicts import DESK, list_conflicts, resolve
from sync.engine import DeskSync
from sync.server.models import ServerDocument
from tests.sync.conftest import RunningServer, check_all, connect
from tests.sync.test_engine import YEAR, register, sync

Capsys = pytest.CaptureFixture[str]


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def clerk(capsys: Capsys) -> Any:
    """`clerk --data-dir DESK ARGS…` in this process (a process per command would cost ~2 s)."""

    def run(desk: Path, *args: str, check: bool = True) -> Ran:
        code = main(["--data-dir", str(desk), *args])
        out, err = capsys.readouterr()
        if check and code != 0:
            raise AssertionError(f"clerk {args} failed: {err}")
        return Ran(code, out, err)

    return run


def draft(desk: Path, subject: str, issuer: str = "Sở Nội vụ", urgency: str = "Thường") -> str:
    with DeskSync(desk) as d:
        return d.draft_incoming(
            IncomingDraft(
                issuer=issuer,
                reference="7/SNV",
                issued_on=None,
                doc_type="Công văn",
                subject=subject,
                urgency=urgency,
            )
        )


def holder_and_other(server: RunningServer, holder: Path, other: Path) -> None:
    """Both desks connected; `holder` takes this year's incoming register's lease."""
    connect(server, holder, "nvan1.ubnd")
    connect(server, other, "ttbinh1.ubnd")
    with DeskSync(holder) as d:
        d.sync()
        d.acquire_lease("incoming", YEAR)


def test_drafts_show_no_number_until_the_server_issues_one(
    clerk: Any, server: RunningServer, new_desk: Any
) -> None:
    a, b = new_desk("a"), new_desk("b")
    holder_and_other(server, a, b)
    register(a, 1)
    sync(a)

    draft_id = draft(b, "Về việc tuyển dụng công chức")
    with DeskSync(b) as d:
        [row] = d.drafts()
        assert (row.id, row.status, row.number) == (draft_id, "waiting", None)
        assert (row.subject, row.party, row.doc_type) == (
            "Về việc tuyển dụng công chức",
            "Sở Nội vụ",
            "Công văn",
        )
        d.sync()
        [row] = d.drafts()
    assert (row.status, row.number, row.reason) == ("provisional", None, "register_leased")

    with DeskSync(a) as d:
        d.release_lease("incoming", YEAR)
    sync(b)
    with DeskSync(b) as d:
        [row] = d.drafts()
    with server.db.read() as s:
        issued = s.get_one(ServerDocument, draft_id).number
    assert issued == 2 and (row.status, row.number) == ("numbered", 2)
    listed = json.loads(clerk(b, "drafts", "--json").stdout)["drafts"]
    assert [(x["id"], x["status"], x["number"]) for x in listed] == [(draft_id, "numbered", 2)]
    sync(a)
    check_all(server, a, b)


def test_lease_list_take_hand_over_and_admin_takeover_from_the_cli(
    clerk: Any, server: RunningServer, new_desk: Any
) -> None:
    a, b, admin = new_desk("a"), new_desk("b"), new_desk("admin")
    with DeskSync(a) as d, d.db.write() as s:
        s.execute(update(DeskState).values(station="MÁY-VĂN-THƯ-1"))
    connect(server, a, "nvan1.ubnd")
    connect(server, b, "ttbinh1.ubnd")
    connect(server, admin, "qtri1.ubnd", role="admin")
    book = ("--book", "incoming", "--year", str(YEAR))

    def leases(desk: Path) -> dict[tuple[str, str, int], dict[str, Any]]:
        rows = json.loads(clerk(desk, "lease", "list", "--json").stdout)["leases"]
        return {(r["kind"], r["series"], r["year"]): r for r in rows}

    key = ("incoming", "chung", YEAR)
    assert leases(b)[key]["holder"] == "unknown"  # never heard from the server
    clerk(a, "sync")
    clerk(a, "lease", "acquire", *book)
    assert leases(a)[key]["holder"] == "mine"
    register(a, 2)
    clerk(a, "sync")

    with DeskSync(a) as d:
        station_a, desk_a = d.station, d.desk_id
    assert station_a == "MÁY-VĂN-THƯ-1"
    clerk(b, "sync")
    seen = leases(b)[key]
    # The feed names the holder's station: B knows it before asking for the lease.
    assert (seen["holder"], seen["server_last_number"], seen["holder_station"]) == (
        "other",
        2,
        station_a,
    )
    with DeskSync(b) as d, d.db.read() as s:
        assert s.get_one(SyncLease, key).holder_station == station_a
    refused = clerk(b, "lease", "acquire", *book, check=False)
    assert refused.returncode == 2
    assert station_a in refused.stderr  # the refusal names the desk that holds it
    seen = leases(b)[key]
    assert (seen["holder_desk_id"], seen["holder_station"]) == (desk_a, station_a)

    # Not an admin: a clerk cannot take a lease over.
    refused = clerk(b, "lease", "take-over", *book, check=False)
    assert refused.returncode == 2 and "quản trị" in refused.stderr

    clerk(a, "lease", "release", *book)
    clerk(b, "lease", "acquire", *book)  # handed over while online
    assert leases(b)[key]["holder"] == "mine"
    clerk(a, "sync")
    with DeskSync(b) as d:
        station_b = d.station
    assert (leases(a)[key]["holder"], leases(a)[key]["holder_station"]) == ("other", station_b)

    # A revocation names the last number the revoked desk may have on paper: without it, none.
    unnamed = clerk(admin, "lease", "take-over", *book, check=False)
    assert unnamed.returncode == 2 and "sổ đăng ký giấy của bàn đó" in unnamed.stderr
    assert leases(admin)[key]["holder"] == "other"
    taken = json.loads(
        clerk(admin, "lease", "take-over", *book, "--lost-through", "0", "--json").stdout
    )
    with DeskSync(admin) as d:
        assert taken["lease_desk_id"] == d.desk_id and d.role() == "admin"
    clerk(b, "sync")
    assert leases(b)[key]["holder"] == "other"
    missing = clerk(a, "lease", "acquire", check=False)
    assert missing.returncode == 2
    check_all(server, a, b, admin)


def corrected_on_both_desks(
    server: RunningServer, a: Path, b: Path, on_a: dict[str, str], on_b: dict[str, str]
) -> tuple[str, Any]:
    """A holds the lease and registers one document both desks have; A corrects it and syncs,
    then B corrects the same fields without having seen A's change, and syncs: a conflict."""
    holder_and_other(server, a, b)
    [doc_id] = register(a, 1)
    sync(a)
    sync(b)
    with Workspace.open(a, actor="nvan1.ubnd") as ws:
        ws.correct(doc_id, on_a, "ghi cho đúng")
    sync(a)
    with Workspace.open(b, actor="ttbinh1.ubnd") as ws:
        ws.correct(doc_id, on_b, "sửa trích yếu")
    return doc_id, sync(b)


def test_a_field_changed_on_both_desks_is_settled_by_a_person(
    clerk: Any, sqlite_server: RunningServer, new_desk: Any
) -> None:
    server = sqlite_server
    a, b = new_desk("a"), new_desk("b")
    doc_id, report = corrected_on_both_desks(
        server,
        a,
        b,
        {"subject": "Về việc quyết toán năm 2026"},
        {"subject": "Về việc quyết toán quý IV", "notes": "gọi lại"},
    )
    assert [r["status"] for r in report.rejected] == ["reconcile"]

    with DeskSync(b) as d:
        [row] = list_conflicts(d)
        assert (row.kind, row.document_id) == ("fields", doc_id)
        assert [(f.name, f.desk_value, f.server_value) for f in row.fields] == [
            ("subject", "Về việc quyết toán quý IV", "Về việc quyết toán năm 2026"),
            ("notes", "gọi lại", ""),
        ]
        with Workspace.open(b, actor="ttbinh1.ubnd") as ws:
            with pytest.raises(errors.InvalidValue):
                resolve(ws, d, row.key, {"subject": "mine"}, "giải quyết xung đột")
            resolve(ws, d, row.key, {"subject": DESK}, "giải quyết xung đột đồng bộ")
            assert ws.document(doc_id).summary.subject == "Về việc quyết toán quý IV"
            with pytest.raises(errors.InvalidValue):
                resolve(ws, d, row.key, {}, "lần nữa")
        assert list_conflicts(d) == []
        assert [r.resolved for r in list_conflicts(d, include_resolved=True)] == [True]
        with d.db.read() as s:
            audited = [
                e.action
                for e in s.query(AuditEntry).filter(AuditEntry.entity_id == doc_id)
                if e.actor == "ttbinh1.ubnd"
            ]
        assert audited.count("correct") == 2  # the clerk's correction and the settlement
        assert audited.count("resolve_conflict") == 1  # the decision itself
        with d.db.read() as s:
            [answer] = s.query(SyncAnswer).all()
            assert (answer.resolved_by, json.loads(answer.resolution or "")["choices"]) == (
                "ttbinh1.ubnd",
                {"subject": DESK, "notes": "server"},
            )
            assert answer.resolved_at is not None
        assert d.state().conflicts == 0
        d.sync()
    sync(a)
    with Workspace.open(a) as ws:
        assert ws.document(doc_id).summary.subject == "Về việc quyết toán quý IV"
    check_all(server, a, b)
    shown = json.loads(clerk(b, "conflicts", "--json").stdout)
    assert shown == {"conflicts": []}


def test_keeping_the_server_value_writes_no_correction(
    clerk: Any, sqlite_server: RunningServer, new_desk: Any
) -> None:
    a, b = new_desk("a"), new_desk("b")
    doc_id, _ = corrected_on_both_desks(
        sqlite_server, a, b, {"issuer": "Sở Tài chính tỉnh Phú Yên"}, {"issuer": "STC"}
    )
    listed = json.loads(clerk(b, "conflicts", "--json").stdout)["conflicts"]
    assert [f["name"] for f in listed[0]["fields"]] == ["issuer"]
    with DeskSync(b) as d:
        assert d.state().conflicts == 1
    kept = json.loads(
        clerk(
            b, "resolve-conflict", listed[0]["key"], "--reason", "giữ tên đầy đủ", "--json"
        ).stdout
    )
    assert kept == {"key": listed[0]["key"], "corrected": False}
    with DeskSync(b) as d:
        assert (d.state().waiting, d.state().conflicts) == (0, 0)
        with d.db.read() as s:
            [answer] = s.query(SyncAnswer).all()
            [entry] = s.query(AuditEntry).filter(AuditEntry.action == "resolve_conflict").all()
        # Nothing corrected, yet the decision is recorded and audited.
        assert answer.resolved_at is not None and answer.resolved_by == entry.actor
        assert (entry.entity_id, json.loads(entry.details)["choices"]) == (
            doc_id,
            {"issuer": "server"},
        )
    with Workspace.open(b) as ws:
        assert ws.document(doc_id).summary.issuer == "Sở Tài chính tỉnh Phú Yên"
        assert ws.verify_audit().ok


def test_office_hours_are_a_stored_setting_the_outage_commands_use(
    new_desk: Any, clerk: Any
) -> None:
    desk = new_desk("a")
    assert load_office_hours(desk) == OfficeHours()
    out = json.loads(
        clerk(
            desk, "office-hours", "--morning", "07:00-11:00", "--afternoon", "13:00-16:30", "--json"
        ).stdout
    )
    assert out == {"office_hours": "07:00-11:00,13:00-16:30"}
    assert load_office_hours(desk) == OfficeHours.parse("07:00-11:00,13:00-16:30")
    bad = clerk(desk, "office-hours", "--morning", "11:00-07:00", check=False)
    assert bad.returncode == 2 and load_office_hours(desk).label() == "07:00–11:00, 13:00–16:30"
    # An outage on a Monday from 08:00 to 10:00: one working hour with the morning from 09:00.
    with DeskSync(desk) as d, d.db.write() as s:
        s.add(
            Outage(
                started_at=datetime(2026, 11, 23, 8, 0, tzinfo=VIETNAM),
                ended_at=datetime(2026, 11, 23, 10, 0, tzinfo=VIETNAM),
                cause="ConnectError",
            )
        )
    clerk(desk, "office-hours", "--morning", "09:00-11:00")
    [outage] = json.loads(clerk(desk, "outages", "--json").stdout)["outages"]
    assert outage["working_minutes_lost"] == 60
    given = clerk(desk, "outages", "--office-hours", "07:30-11:30,13:30-17:00", "--json")
    assert json.loads(given.stdout)["outages"][0]["working_minutes_lost"] == 120
    (desk / "office-hours.json").write_text("{", encoding="utf-8")
    with pytest.raises(errors.InvalidValue):
        load_office_hours(desk)
