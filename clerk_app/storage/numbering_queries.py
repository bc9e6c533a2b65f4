"""The numbering rules' reads of the desk database: last arrival, closed years, taken references."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import literal_column, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clerk_app import errors
from clerk_app.storage.models import Document, Register
from clerk_app.text import reference_key


def last_arrival(s: Session, register_id: str) -> tuple[int, datetime | None] | None:
    """Number and received time of the register's last registration (cancelled ones count)."""
    row = s.execute(
        select(Document.number, Document.received_at)
        .where(Document.register_id == register_id)
        .order_by(Document.number.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


def refuse_closed_year(s: Session, agency_id: str, kind: str, year: int) -> None:
    """RegisterClosed when the year's registers have been closed."""
    closed = s.execute(
        select(Register.id).where(
            Register.agency_id == agency_id,
            Register.year == year,
            Register.closed_at.is_not(None),
        )
    ).first()
    if closed is not None:
        raise errors.RegisterClosed(kind, year)


def refuse_taken_reference(s: Session, year: int, reference: str) -> None:
    """DuplicateReference before the insert, so the refusal names the reference; the partial
    unique index (storage/models.py) refuses the same row whatever path writes it."""
    taken = s.execute(
        select(Document.id).where(
            Document.direction == "outgoing",
            Document.year == year,
            Document.reference_key == reference_key(reference),
            Document.status != "cancelled",
        )
    ).first()
    if taken is not None:
        raise errors.DuplicateReference(reference, year)


def is_reference_conflict(exc: IntegrityError) -> bool:
    """True when SQLite refused a row for the one-reference-per-year index."""
    return "document.year, document.reference_key" in str(exc.orig)


@dataclass(frozen=True)
class ReferenceClash:
    """Live outgoing documents sharing one reference in a year, found by migration 0005."""

    year: int
    reference: str
    documents: tuple[tuple[str, int, str], ...]  # (id, number, series), first registered first


def reference_clashes(s: Session) -> list[ReferenceClash]:
    """Every reference still held by more than one live outgoing document of a year."""
    clashing = s.execute(
        select(Document.year, Document.reference_key)
        .where(Document.reference_clash > 0, Document.status != "cancelled")
        .distinct()
    ).all()
    found = []
    for year, key in clashing:
        rows = s.execute(
            select(Document.id, Document.number, Register.series, Document.reference)
            .join(Register, Register.id == Document.register_id)
            .where(
                Document.direction == "outgoing",
                Document.year == year,
                Document.reference_key == key,
                Document.status != "cancelled",
            )
            .order_by(literal_column("document.rowid"))
        ).all()
        if len(rows) > 1:
            found.append(ReferenceClash(year, rows[0][3], tuple((r[0], r[1], r[2]) for r in rows)))
    return sorted(found, key=lambda c: (c.year, c.reference))
