"""Audit entries chained by hash, and the sync outbox, written inside the caller's transaction."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from clerk_app.storage.models import AuditEntry, DeskState, OutboxEntry, new_id

GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> str:
    """One spelling per value, so the hash of an entry can be recomputed exactly."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def entry_hash(
    prev_hash: str,
    at: datetime,
    actor: str,
    station: str,
    action: str,
    entity: str,
    entity_id: str,
    details: str,
) -> str:
    body = canonical_json(
        [prev_hash, at.isoformat(), actor, station, action, entity, entity_id, details]
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def last_hash(session: Session) -> str:
    row = session.execute(
        select(AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).scalar_one_or_none()
    return row or GENESIS_HASH


def append_audit(
    session: Session,
    *,
    at: datetime,
    actor: str,
    station: str,
    action: str,
    entity: str,
    entity_id: str,
    details: dict[str, Any],
    prev_hash: str | None = None,
) -> AuditEntry:
    """Add one audit entry after the current last one; the caller's transaction holds the lock."""
    prev = last_hash(session) if prev_hash is None else prev_hash
    body = canonical_json(details)
    entry = AuditEntry(
        id=new_id(),
        at=at,
        actor=actor,
        station=station,
        action=action,
        entity=entity,
        entity_id=entity_id,
        details=body,
        prev_hash=prev,
        hash=entry_hash(prev, _utc(at), actor, station, action, entity, entity_id, body),
    )
    session.add(entry)
    session.flush()
    return entry


def _utc(moment: datetime) -> datetime:
    # Hash the instant as the database gives it back (UTC), so a re-check agrees.
    return moment.astimezone(UTC)


def verify_chain(session: Session, batch: int = 5000) -> tuple[int, int | None]:
    """Recompute the chain; returns (entries checked, first bad seq or None)."""
    prev = GENESIS_HASH
    count = 0
    last_seq = 0
    while True:
        rows = (
            session.execute(
                select(AuditEntry)
                .where(AuditEntry.seq > last_seq)
                .order_by(AuditEntry.seq)
                .limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            return count, None
        for row in rows:
            expected = entry_hash(
                prev,
                _utc(row.at),
                row.actor,
                row.station,
                row.action,
                row.entity,
                row.entity_id,
                row.details,
            )
            if row.prev_hash != prev or row.hash != expected:
                return count, row.seq
            prev = row.hash
            count += 1
            last_seq = row.seq
        session.expunge_all()


def append_outbox(
    session: Session,
    *,
    at: datetime,
    entity: str,
    entity_id: str,
    op: str,
    payload: dict[str, Any],
    lease_epoch: int | None = None,
) -> OutboxEntry:
    """Queue a mutation for upload with the next per-desk sequence number; `lease_epoch`: the
    lease a number given offline was given under."""
    seq = session.execute(
        update(DeskState)
        .values(last_outbox_seq=DeskState.last_outbox_seq + 1)
        .returning(DeskState.last_outbox_seq)
    ).scalar_one()
    entry = OutboxEntry(
        seq=seq,
        mutation_id=new_id(),
        at=at,
        entity=entity,
        entity_id=entity_id,
        op=op,
        payload=canonical_json(payload),
        lease_epoch=lease_epoch,
    )
    session.add(entry)
    return entry


def pending_outbox_count(session: Session) -> int:
    return int(
        session.execute(text("SELECT count(*) FROM outbox WHERE acked_at IS NULL")).scalar_one()
    )


# Documents whose row says more than their audit entries do. The hash chain proves nothing
# about entries cut off its end; the document rows, which the database never lets go, still
# carry the traces: a row with no registration entry, or changed (updated_at) after its last
# entry. Rows brought by sync carry the server's times and are checked for their entry only.
_DOCUMENTS_WITHOUT_THEIR_ENTRIES = text(
    """
    SELECT d.id, d.number, d.year,
           CASE WHEN a.entity_id IS NULL OR a.births = 0 THEN 'no_registration_entry'
                ELSE 'changed_after_last_entry' END
    FROM document d
    LEFT JOIN (
        SELECT entity_id, max(at) AS last_at,
               sum(action IN ('register_incoming', 'register_outgoing', 'sync_received'))
                   AS births,
               sum(action LIKE 'sync_%') AS synced
        FROM audit_entry WHERE entity = 'document' GROUP BY entity_id
    ) a ON a.entity_id = d.id
    WHERE a.entity_id IS NULL OR a.births = 0 OR (a.synced = 0 AND a.last_at < d.updated_at)
    ORDER BY d.rowid
    LIMIT :limit
    """
)


def documents_missing_entries(
    session: Session, limit: int = 100
) -> list[tuple[str, int, int, str]]:
    """(document id, number, year, problem) of documents their audit entries do not account for."""
    rows = session.execute(_DOCUMENTS_WITHOUT_THEIR_ENTRIES, {"limit": limit}).all()
    return [(str(r[0]), int(r[1]), int(r[2]), str(r[3])) for r in rows]
