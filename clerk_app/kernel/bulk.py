"""Fast bulk loading of many registrations (demo agency, benchmarks); same rows, audit entries
and search rows as the use cases, in one Transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from clerk_app.field_rules import DOCUMENT_FIELDS, MOMENT_FIELDS
from clerk_app.kernel.indexing import search_text
from clerk_app.kernel.transaction import Transaction
from clerk_app.storage.journal import canonical_json, entry_hash, last_hash
from clerk_app.storage.models import new_id

# Every field of the row, then what the use cases derive from them and the row's own times.
_DOC_COLUMNS = (
    "id",
    "register_id",
    *DOCUMENT_FIELDS,
    "issuer_key",
    "reference_key",
    "register_date",
    "urgency_rank",
    "created_at",
    "updated_at",
)
_INSERT_DOC = text(
    f"INSERT INTO document(rowid, {', '.join(_DOC_COLUMNS)}) "
    f"VALUES (:rowid, {', '.join(':' + c for c in _DOC_COLUMNS)})"
)
_INSERT_FTS = text("INSERT INTO document_fts(rowid, body) VALUES (:rowid, :body)")
_INSERT_AUDIT = text(
    "INSERT INTO audit_entry(id, at, actor, station, action, entity, entity_id, details, "
    "prev_hash, hash) VALUES (:id, :at, :actor, :station, :action, 'document', :entity_id, "
    ":details, :prev_hash, :hash)"
)


def _db_time(moment: datetime | None) -> str | None:
    # The text form SQLAlchemy's DateTime uses on SQLite, in UTC like UtcDateTime.
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def bulk_register(
    tx: Transaction, rows: Iterable[dict[str, Any]], details: Iterable[dict[str, Any]]
) -> int:
    """Insert documents (with no files) with their audit entries and search rows; registers'
    counters are the caller's to set (`set_last_number`). Returns the number of rows inserted.
    No outbox entries: a bulk-loaded desk is a demo, never connected to a server."""
    session, actor, station = tx.session, tx.ctx.actor, tx.ctx.station
    next_rowid = (
        int(session.execute(text("SELECT coalesce(max(rowid), 0) FROM document")).scalar_one()) + 1
    )
    prev = last_hash(session)
    docs: list[dict[str, Any]] = []
    fts: list[dict[str, Any]] = []
    audits: list[dict[str, Any]] = []
    for row, detail in zip(rows, details, strict=True):
        rowid = next_rowid + len(docs)
        record = {c: row.get(c) for c in _DOC_COLUMNS}
        doc_id = str(record["id"] or new_id())
        record["id"] = doc_id
        for key in (*MOMENT_FIELDS, "created_at", "updated_at"):
            record[key] = _db_time(record[key])
        for key in ("issued_on", "register_date"):
            day = record[key]
            if day is not None:
                record[key] = day.isoformat()
        record["rowid"] = rowid
        docs.append(record)
        fts.append({"rowid": rowid, "body": search_text(row)})
        at: datetime = row["created_at"]
        payload = canonical_json(detail)
        action = f"register_{row['direction']}"
        digest = entry_hash(
            prev, at.astimezone(UTC), actor, station, action, "document", doc_id, payload
        )
        audits.append(
            {
                "id": new_id(),
                "at": _db_time(at),
                "actor": actor,
                "station": station,
                "action": action,
                "entity_id": doc_id,
                "details": payload,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    if docs:
        session.execute(_INSERT_DOC, docs)
        session.execute(_INSERT_FTS, fts)
        session.execute(_INSERT_AUDIT, audits)
    return len(docs)


def set_last_number(tx: Transaction, register_id: str, last_number: int) -> None:
    tx.session.execute(
        text("UPDATE register SET last_number = :n WHERE id = :id"),
        {"n": last_number, "id": register_id},
    )
