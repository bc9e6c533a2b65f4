"""One-time import of the JSON files older desks kept beside the database (lease holders'
stations, the last clock reading, conflict resolutions) into the columns of migration 0004.

Each file is read once, its content written in one transaction, then renamed to *.migrated so
it is never read again; a file that cannot be read is renamed too (what it held is lost only as
a display hint). Never deletes, no wording.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from clerk_app.kernel import DeskContext, Transaction
from clerk_app.storage.sync_models import SyncLease
from sync import clock_skew, desk_store

LEASE_HOLDERS_FILE = "sync-lease-holders.json"
MIGRATED = ".migrated"


def adopt(ctx: DeskContext, data_dir: Path) -> list[str]:
    """Import whichever side files exist; returns the names of the files adopted."""
    adopted = []
    for name, apply in (
        (LEASE_HOLDERS_FILE, lambda tx, raw: _lease_holders(tx.session, raw)),
        (clock_skew.FILENAME, lambda tx, raw: _clock(tx.session, raw)),
        (desk_store.RESOLVED_FILE, _resolutions),
    ):
        path = data_dir / name
        if not path.is_file():
            continue
        try:
            raw: Any = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raw = None
        if isinstance(raw, dict):
            with ctx.write() as tx:
                apply(tx, raw)
        # Renamed only after the commit: a crash before it imports again, which is harmless
        # because every import below fills only what is still empty.
        path.replace(path.with_name(name + MIGRATED))
        adopted.append(name)
    return adopted


def _lease_holders(s: Session, raw: dict[str, Any]) -> None:
    for key, heard in raw.items():
        kind, _, rest = str(key).partition("/")
        series, _, year = rest.rpartition("/")
        if not (isinstance(heard, dict) and year.isdigit()):
            continue
        lease = s.get(SyncLease, (kind, series, int(year)))
        station = str(heard.get("station") or "")
        if (
            lease is not None
            and station
            and not lease.holder_station
            and heard.get("desk_id") in (lease.holder_desk_id, None)
        ):
            lease.holder_station = station


def _clock(s: Session, raw: dict[str, Any]) -> None:
    link = desk_store.link(s)
    if link is None or link.clock_measured_at is not None:
        return
    try:
        reading = clock_skew.ClockReading(
            int(raw["skew_s"]), _aware(datetime.fromisoformat(str(raw["measured_at"])))
        )
    except (KeyError, ValueError, TypeError):
        return
    clock_skew.remember(s, reading)


def _resolutions(tx: Transaction, raw: dict[str, Any]) -> None:
    s = tx.session
    for key, choice in raw.items():
        target = desk_store.conflict_row(s, str(key))
        if target is None or target.resolved_at is not None or not isinstance(choice, dict):
            continue
        try:
            at = _aware(datetime.fromisoformat(str(choice.get("at"))))
        except ValueError:
            continue
        by = str(choice.get("by") or "")
        decision = {
            "choices": choice.get("choices") or {},
            "corrected": choice.get("corrected") or [],
            "reason": str(choice.get("reason") or ""),
        }
        desk_store.mark_resolved(target, at, by, decision)
        # The decision was made before it was audited; the entry says when, and from where.
        tx.audit(
            desk_store.RESOLVE_ACTION,
            "document",
            target.entity_id,
            {"conflict": str(key), "decided_at": at.isoformat(), "imported": True} | decision,
            actor=by or None,
        )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
