"""The JSON files older desks kept beside the database, imported once into it (migration 0004)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from clerk_app.storage.models import AuditEntry
from clerk_app.storage.sync_models import SyncConflict, SyncLease, SyncLink
from clerk_app.workspace import Workspace
from sync import clock_skew
from sync.conflicts import list_conflicts
from sync.engine import DeskSync
from sync.side_files import LEASE_HOLDERS_FILE, MIGRATED

AT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def a_desk_of_before_0004(desk: Path) -> tuple[int, int]:
    """Rows a connected desk had, and the three side files it wrote next to them."""
    with DeskSync(desk) as d, d.db.write() as s:
        s.add(
            SyncLink(
                id=1,
                server_url="http://127.0.0.1:1",
                username="nvan1.ubnd",
                role="clerk",
                server_agency_id="x",
                connected_at=AT,
                last_error="",
            )
        )
        s.add(SyncLease(kind="incoming", series="chung", year=2026, holder_desk_id="d-2", epoch=1))
        s.add(SyncLease(kind="outgoing", series="chung", year=2026, holder_desk_id="d-3", epoch=1))
        settled = SyncConflict(entity_id="doc-1", reason="number_taken", server_data="{}", at=AT)
        still_open = SyncConflict(entity_id="doc-2", reason="number_taken", server_data="{}", at=AT)
        s.add_all([settled, still_open])
        s.flush()
        ids = settled.id, still_open.id
    holders = {
        "incoming/chung/2026": {"desk_id": "d-2", "station": "MÁY-2"},
        # Heard for a desk that no longer holds it: not carried over.
        "outgoing/chung/2026": {"desk_id": "d-9", "station": "MÁY-9"},
    }
    (desk / LEASE_HOLDERS_FILE).write_text(json.dumps(holders), encoding="utf-8")
    (desk / clock_skew.FILENAME).write_text(
        json.dumps({"skew_s": -600, "measured_at": AT.isoformat()}), encoding="utf-8"
    )
    resolved = {
        f"conflict:{ids[0]}": {
            "at": "2026-11-21T09:00:00+07:00",
            "by": "ttbinh1.ubnd",
            "choices": {"subject": "server"},
            "corrected": [],
            "reason": "giữ của máy chủ",
        },
        "conflict:99999": {"at": "2026-11-21T09:00:00+07:00", "by": "x"},  # gone: ignored
    }
    (desk / "sync-conflicts-resolved.json").write_text(json.dumps(resolved), encoding="utf-8")
    return ids


def test_side_files_are_imported_once_then_renamed(new_desk: Any) -> None:
    desk = new_desk("a")
    settled_id, open_id = a_desk_of_before_0004(desk)
    with DeskSync(desk) as d:
        for name in (LEASE_HOLDERS_FILE, clock_skew.FILENAME, "sync-conflicts-resolved.json"):
            assert not (desk / name).exists() and (desk / (name + MIGRATED)).is_file()
        leases = {(r.kind, r.holder_station) for r in d.leases()}
        assert leases == {("incoming", "MÁY-2"), ("outgoing", "")}
        state = d.state()
        assert (state.clock_skew_s, state.clock_wrong, state.conflicts) == (-600, True, 1)
        with d.db.read() as s:
            assert clock_skew.last_reading(s) == clock_skew.ClockReading(-600, AT)
            settled = s.get_one(SyncConflict, settled_id)
            assert (settled.resolved_by, settled.resolved_at) == (
                "ttbinh1.ubnd",
                datetime(2026, 11, 21, 2, 0, tzinfo=UTC),
            )
            assert json.loads(settled.resolution or "")["reason"] == "giữ của máy chủ"
            assert s.get_one(SyncConflict, open_id).resolved_at is None
            imported = s.query(AuditEntry).filter(AuditEntry.action == "resolve_conflict").all()
        assert [(e.entity_id, e.actor) for e in imported] == [("doc-1", "ttbinh1.ubnd")]
        assert json.loads(imported[0].details)["imported"] is True
        assert [r.key for r in list_conflicts(d, include_resolved=True) if r.resolved] == [
            f"conflict:{settled_id}"
        ]
    # Opened again: nothing read twice, nothing audited twice.
    with DeskSync(desk) as d, d.db.read() as s:
        assert s.query(AuditEntry).filter(AuditEntry.action == "resolve_conflict").count() == 1
    with Workspace.open(desk) as ws:
        assert ws.verify_audit().ok


def test_an_unreadable_side_file_is_set_aside_without_effect(new_desk: Any) -> None:
    desk = new_desk("a")
    (desk / clock_skew.FILENAME).write_text("{", encoding="utf-8")
    with DeskSync(desk) as d:
        assert d.state().clock_skew_s is None
    assert (desk / (clock_skew.FILENAME + MIGRATED)).read_text(encoding="utf-8") == "{"


def test_a_feed_without_the_station_keeps_it_only_for_the_same_holder(new_desk: Any) -> None:
    """An older server sends no `lease_station`: the station known stays while the holder does."""
    from sync.desk_store import _apply_register

    desk = new_desk("a")
    key = ("incoming", "chung", 2026)
    base = {"kind": key[0], "series": key[1], "year": key[2], "last_number": 0, "lease_epoch": 1}
    with DeskSync(desk) as d, d.db.write() as s:
        ident = (d.desk_id, d.station, d.agency_id)
        _apply_register(s, base | {"lease_desk_id": "d-2", "lease_station": "MÁY-2"}, ident, AT)
        _apply_register(s, base | {"lease_desk_id": "d-2"}, ident, AT)
        assert s.get_one(SyncLease, key).holder_station == "MÁY-2"
        _apply_register(s, base | {"lease_desk_id": "d-3"}, ident, AT)
        assert s.get_one(SyncLease, key).holder_station is None
        _apply_register(s, base | {"lease_desk_id": None, "lease_station": ""}, ident, AT)
        lease = s.get_one(SyncLease, key)
        assert (lease.holder_desk_id, lease.holder_station) == (None, None)
