"""SQLAlchemy models of the desk database; definitions only, no queries or business rules."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def new_id() -> str:
    """UUIDs made where the record is born, so a desk can create records offline."""
    return str(uuid.uuid4())


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as UTC; SQLite has no time zones and would drop the offset."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UtcDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# The rows the one-reference-per-year constraint covers (migration 0005 creates the same index).
LIVE_OUTGOING_REFERENCE = (
    "direction = 'outgoing' AND status != 'cancelled' AND reference_key != '' "
    "AND reference_clash = 0"
)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Agency(Base):
    __tablename__ = "agency"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(300))
    code: Mapped[str] = mapped_column(String(40))
    parent_name: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DeskState(Base):
    """One row: who this desk is and the next number of its outbox sequence."""

    __tablename__ = "desk_state"

    desk_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    station: Mapped[str] = mapped_column(String(200))
    agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"))
    last_outbox_seq: Mapped[int] = mapped_column(Integer, default=0)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # The clerk's login chosen at setup: who the window shows and the audit records while the
    # desk is not connected to a server (a connected desk's clerk is its server account).
    clerk_login: Mapped[str] = mapped_column(String(80), default="", server_default="")


class Unit(Base):
    __tablename__ = "unit"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    name_folded: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Person(Base):
    __tablename__ = "person"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"))
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("unit.id"), nullable=True)
    full_name: Mapped[str] = mapped_column(String(200))
    name_folded: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Register(Base):
    """A numbered series for one year: the incoming register, or one outgoing series."""

    __tablename__ = "register"
    __table_args__ = (UniqueConstraint("agency_id", "kind", "year", "series"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"))
    kind: Mapped[str] = mapped_column(String(10))  # incoming | outgoing
    year: Mapped[int] = mapped_column(Integer)
    series: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(300))
    # Outgoing series only: the document types numbered in it; None means "every other type".
    doc_types: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Closed at year end (the printed register bound): no number is issued in it afterwards.
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class NumberVoid(Base):
    """A number of a register recorded as never used (the server's record, brought by the
    feed): the register shows it as a void line, not as an unexplained gap."""

    __tablename__ = "number_void"

    register_id: Mapped[str] = mapped_column(ForeignKey("register.id"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    reason: Mapped[str] = mapped_column(String(40))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Document(Base):
    """The current state of one registration; its history lives in audit entries."""

    __tablename__ = "document"
    __table_args__ = (
        UniqueConstraint("register_id", "number"),
        Index("ix_document_reference_key", "reference_key"),
        # Year and date filters bound the rowid range the full-text search walks.
        Index("ix_document_year", "year"),
        Index("ix_document_register_date", "register_date"),
        Index("ix_document_issuer_reference", "issuer_key", "reference_key"),
        # Within a year no two live outgoing documents share a số và ký hiệu (NĐ 30 art. 15.1):
        # the database's own last defence, whatever path writes the row. Rows the 0005
        # migration found repeating an earlier reference carry reference_clash > 0 and are
        # listed for the administrator instead (numbering.reference_clashes).
        Index(
            "uq_document_outgoing_reference",
            "year",
            "reference_key",
            unique=True,
            sqlite_where=text(LIVE_OUTGOING_REFERENCE),
        ),
        # Cancelled registrations are few: a search filtered to them starts from this index.
        Index(
            "ix_document_cancelled",
            "status",
            sqlite_where=text("status = 'cancelled'"),
        ),
        # The "not yet handed over" list stays small; index only its rows.
        Index(
            "ix_document_pending_handover",
            "urgency_rank",
            "number",
            sqlite_where=text(
                "direction = 'incoming' AND status = 'registered' AND handed_over_at IS NULL"
            ),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    register_id: Mapped[str] = mapped_column(ForeignKey("register.id"))
    direction: Mapped[str] = mapped_column(String(10))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="registered")
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    issuer: Mapped[str] = mapped_column(String(300), default="")
    issuer_key: Mapped[str] = mapped_column(String(300), default="")
    reference: Mapped[str] = mapped_column(String(120), default="")
    reference_key: Mapped[str] = mapped_column(String(120), default="")
    issued_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # The date the register files it under: arrival (Vietnam time) or the outgoing date.
    register_date: Mapped[date] = mapped_column(Date)
    doc_type: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(Text)
    urgency: Mapped[str] = mapped_column(String(20))
    urgency_rank: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int | None] = mapped_column(Integer, nullable=True)
    has_paper: Mapped[bool] = mapped_column(Boolean, default=True)
    source_channel: Mapped[str] = mapped_column(String(40), default="")
    recipients: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    signer: Mapped[str] = mapped_column(String(200), default="")
    unit_code: Mapped[str] = mapped_column(String(40), default="")
    electronic_only: Mapped[bool] = mapped_column(Boolean, default=False)
    copies: Mapped[int | None] = mapped_column(Integer, nullable=True)
    file_copy_holder: Mapped[str] = mapped_column(String(200), default="")
    handed_over_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    handed_over_to: Mapped[str] = mapped_column(String(300), default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # 0, or the rank of this row among live outgoing rows that shared its reference before the
    # constraint existed (set once by migration 0005; new rows are always 0).
    reference_clash: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))


class DocumentFile(Base):
    """A file of a document; its bytes live in the content store under `sha256`."""

    __tablename__ = "document_file"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    document_id: Mapped[str] = mapped_column(ForeignKey("document.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(300))
    media_type: Mapped[str] = mapped_column(String(80))
    size: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int | None] = mapped_column(Integer, nullable=True)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("document_file.id"), nullable=True)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AuditEntry(Base):
    """Append-only, hash-chained record of every change (who, when, which station, what)."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_entity", "entity", "entity_id"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True, default=new_id)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(120))
    station: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(36))
    details: Mapped[str] = mapped_column(Text)  # canonical JSON, hashed as stored
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class OutboxEntry(Base):
    """A mutation waiting for the central server, in per-desk sequence order."""

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    mutation_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_id)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(36))
    op: Mapped[str] = mapped_column(String(60))
    payload: Mapped[str] = mapped_column(Text)
    acked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # A number given here offline: the epoch of the lease it was given under, written in the
    # transaction that gives it, and sent with it (the server judges it by that epoch, not by
    # the one the desk holds when it uploads). None for every other mutation, for numbers of
    # a desk on its own (no lease), and for rows queued before migration 0010.
    lease_epoch: Mapped[int | None] = mapped_column(Integer, nullable=True)


# Raw-SQL objects the migrations create and autogenerate must ignore.
FTS_TABLE = "document_fts"


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic filter: FTS5 tables and their shadow tables are made by raw SQL, not models."""
    return not (type_ == "table" and name is not None and name.startswith(FTS_TABLE))
