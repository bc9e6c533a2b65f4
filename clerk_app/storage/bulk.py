"""Fast bulk loading of many registrations (demo agency, benchmarks); same rows as the use cases."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from clerk_app.storage.journal import canonical_json, entry_hash, last_hash
from clerk_app.storage.models import new_id

_DOC_COLUMNS = (
    "id",
    "register_id",
    "direction",
    "year",
    "number",
    "status",
    "received_at",
    "issuer",
    "issuer_key",
    "reference",
    "reference_key",
    "issued_on",
    "register_date",
    "doc_type",
    "subject",
    "urgency",
    "urgency_rank",
    "pages",
    "has_paper",
    "source_channel",
    "recipients",
    "notes",
    "signer",
    "unit_code",
    "electronic_only",
    "copies",
    "file_copy_holder",
    "handed_over_at",
    "handed_over_to",
    "cancelled_at",
    "cancel_reason",
    "revision",
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
    session: Session,
    rows: Iterable[dict[str, Any]],
    *,
    actor: str,
    station: str,
    bodies: Iterable[str],
    details: Iterable[dict[str, Any]],
) -> int:
    """Insert documents with their audit entries and search rows; registers' counters are the
    caller's to set. Returns the number of rows inserted."""
    next_rowid = (
        int(session.execute(text("SELECT coalesce(max(rowid), 0) FROM document")).scalar_one()) + 1
    )
    prev = last_hash(session)
    docs: list[dict[str, Any]] = []
    fts: list[dict[str, Any]] = []
    audits: list[dict[str, Any]] = []
    for row, body, detail in zip(rows, bodies, details, strict=True):
        rowid = next_rowid + len(docs)
        record = {c: row.get(c) for c in _DOC_COLUMNS}
        doc_id = str(record["id"] or new_id())
        record["id"] = doc_id
        for key in ("received_at", "handed_over_at", "cancelled_at", "created_at", "updated_at"):
            record[key] = _db_time(record[key])
        for key in ("issued_on", "register_date"):
            day = record[key]
            if day is not None:
                record[key] = day.isoformat()
        record["rowid"] = rowid
        docs.append(record)
        fts.append({"rowid": rowid, "body": body})
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


def set_last_number(session: Session, register_id: str, last_number: int) -> None:
    session.execute(
        text("UPDATE register SET last_number = :n WHERE id = :id"),
        {"n": last_number, "id": register_id},
    )
