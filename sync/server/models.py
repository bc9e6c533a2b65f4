"""SQLAlchemy models of the central server's database; definitions only, no queries or rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from clerk_app.storage.models import NAMING, UtcDateTime, new_id

# The same UUID keys, UTC timestamps and constraint names as the desk, so rows cross intact.


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Agency(Base):
    """One agency; every other row belongs to exactly one, and no query crosses agencies."""

    __tablename__ = "agency"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    # The change feed's version counter; its row lock orders every write of the agency.
    last_version: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Account(Base):
    __tablename__ = "account"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"), index=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    locked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    lock_reason: Mapped[str] = mapped_column(String(40), default="")
    # Wrong passwords since the last good login; the account locks at accounts.LOCK_AFTER.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    password_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # When an administrator last unlocked it: the 30- and 60-day counts start again there.
    reactivated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class SessionToken(Base):
    """A login; only the token's SHA-256 is stored, so a copied database grants no session."""

    __tablename__ = "session_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.id"), index=True)
    desk_id: Mapped[str] = mapped_column(String(36))
    # A login that must change its password first may do nothing else.
    password_change_only: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Desk(Base):
    """A desk (one data directory) of an agency, and the last outbox sequence applied from it."""

    __tablename__ = "desk"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"), index=True)
    station: Mapped[str] = mapped_column(String(200), default="")
    # The account that last logged in as this desk: with the desk id's short form it tells
    # apart two computers both named «Văn thư» in the lease list.
    login: Mapped[str | None] = mapped_column(String(80), nullable=True)
    last_applied_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    protocol: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # SHA-256 of the secret the desk presented when it first connected: every later login as
    # this desk must present it, so no account of the agency can act as another desk.
    credential_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    bound_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class AppliedMutation(Base):
    """The answer given to each mutation, so a batch delivered twice gets the same answers."""

    __tablename__ = "applied_mutation"
    __table_args__ = (UniqueConstraint("desk_id", "seq"),)

    mutation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    desk_id: Mapped[str] = mapped_column(ForeignKey("desk.id"))
    agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"), index=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    op: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(200), default="")
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    applied_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RegisterCounter(Base):
    """The numbering authority of one register: its last number and its offline lease.

    Read with SELECT … FOR UPDATE inside the transaction that stores the document; never a
    SEQUENCE, which leaves gaps on rollback.
    """

    __tablename__ = "register_counter"
    __table_args__ = (UniqueConstraint("agency_id", "kind", "series", "year"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"))
    kind: Mapped[str] = mapped_column(String(10))
    series: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300), default="")
    doc_types: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)
    lease_desk_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    lease_epoch: Mapped[int] = mapped_column(Integer, default=0)
    lease_granted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # Numbers up to here the lease holder has given up for the server to issue online: the
    # holder raised its own counter past them before saying so (DESIGN.md, «Numbering online
    # and offline»). Back to 0 whenever the lease moves.
    ceded_through: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ServerDocument(Base):
    """A registration as the server holds it; number NULL while a draft waits for its number."""

    __tablename__ = "document"
    __table_args__ = (
        # The last defence against a number issued twice.
        UniqueConstraint("counter_id", "number"),
        Index("ix_document_agency_version", "agency_id", "version"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"))
    counter_id: Mapped[str] = mapped_column(ForeignKey("register_counter.id"))
    number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(12))
    origin_desk_id: Mapped[str] = mapped_column(String(36))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(BigInteger)
    received_seq: Mapped[int] = mapped_column(BigInteger)  # order of receipt for drafts
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class NumberVoid(Base):
    """A number of a register that names no document, and why: the holder ceded it to the
    server, then numbered offline past it before any desk used it; or an admin revoked a
    desk's lease and the number is held for that desk (`held_for_desk_id`, `held_epoch`): it
    may be on paper there already. Recorded, never given to anyone else."""

    __tablename__ = "number_void"
    __table_args__ = (UniqueConstraint("counter_id", "number"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"), index=True)
    counter_id: Mapped[str] = mapped_column(ForeignKey("register_counter.id"))
    number: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    held_for_desk_id: Mapped[str | None] = mapped_column(String(36), default=None)
    held_epoch: Mapped[int | None] = mapped_column(Integer, default=None)


class Change(Base):
    """The change feed: the full new state of an entity, ordered by the agency's version."""

    __tablename__ = "change"
    __table_args__ = (UniqueConstraint("agency_id", "version"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"))
    version: Mapped[int] = mapped_column(BigInteger)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(36))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class Reconciliation(Base):
    """An upload that could not be merged (stale lease, number out of order): for a person."""

    __tablename__ = "reconciliation"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"), index=True)
    desk_id: Mapped[str] = mapped_column(String(36))
    mutation_id: Mapped[str] = mapped_column(String(36))
    reason: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Unit(Base):
    __tablename__ = "unit"
    __table_args__ = (UniqueConstraint("agency_id", "code"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(300))


class Blob(Base):
    """A file content of an agency, by SHA-256; `received` grows until the upload completes."""

    __tablename__ = "blob"

    agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)


class RefusedMutation(Base):
    """A mutation refused for its shape, its fields, its files or its sender's role: for the
    administrator (`clerk-server refused`). Nothing of it reached the registers or the feed."""

    __tablename__ = "refused_mutation"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"), index=True)
    desk_id: Mapped[str] = mapped_column(String(36))
    username: Mapped[str] = mapped_column(String(80))
    mutation_id: Mapped[str] = mapped_column(String(36))
    seq: Mapped[int] = mapped_column(BigInteger)
    op: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(String(60))
    problems: Mapped[list[Any]] = mapped_column(JSON)
    excerpt: Mapped[str] = mapped_column(Text)  # the mutation as sent, cut to a few KiB
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AccountEvent(Base):
    """What happened to an account: locked (and why), unlocked, throttled, password changed,
    sessions ended (Bến Tre 2018 art. 7, 9.1.d: locks are reported, so they are kept)."""

    __tablename__ = "account_event"
    __table_args__ = (Index("ix_account_event_account_at", "account_id", "at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agency.id"), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.id"))
    username: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(String(60), default="")
    actor: Mapped[str] = mapped_column(String(80), default="")  # "server" or the admin's note
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class ExchangeOrgan(Base):
    """An agency of the exchange by its identifier (mã định danh): one of this server's agencies,
    or, with no agency, an external one reached through the exchange folders (the axis)."""

    __tablename__ = "exchange_organ"

    organ_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    agency_id: Mapped[str | None] = mapped_column(
        ForeignKey("agency.id"), nullable=True, unique=True
    )
    in_charge: Mapped[str] = mapped_column(String(300), default="")
    email: Mapped[str] = mapped_column(String(200), default="")


class ExchangeDelivery(Base):
    """One document package to one recipient: the recipient agency's electronic incoming item
    (or, for an external recipient, the package handed to the axis) and its current status."""

    __tablename__ = "exchange_delivery"
    __table_args__ = (
        # The same package twice to one recipient is a duplicate, never a second item.
        UniqueConstraint("recipient_organ_id", "document_id"),
        Index("ix_exchange_delivery_recipient", "recipient_agency_id", "arrived_at"),
        Index("ix_exchange_delivery_source", "sender_agency_id", "source_document_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    document_id: Mapped[str] = mapped_column(String(300))  # edXML DocumentId
    sender_organ_id: Mapped[str] = mapped_column(String(60))
    sender_agency_id: Mapped[str | None] = mapped_column(ForeignKey("agency.id"), nullable=True)
    source_document_id: Mapped[str] = mapped_column(String(36), default="")  # sender's row
    recipient_organ_id: Mapped[str] = mapped_column(String(60))
    recipient_agency_id: Mapped[str | None] = mapped_column(ForeignKey("agency.id"), nullable=True)
    business: Mapped[str] = mapped_column(String(10), default="new")
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)  # the registration form's values
    files: Mapped[list[Any]] = mapped_column(JSON)  # name, content_type, sha256, size
    raw_sha256: Mapped[str] = mapped_column(String(64))  # the edXML message as received
    raw_size: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    registered_document_id: Mapped[str] = mapped_column(String(36), default="")
    arrived_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ExchangeStatus(Base):
    """Every status a delivery went through (01 arrived … 06 done, recalls), oldest first."""

    __tablename__ = "exchange_status"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    delivery_id: Mapped[str] = mapped_column(ForeignKey("exchange_delivery.id"), index=True)
    key: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(4))
    reason: Mapped[str] = mapped_column(Text, default="")
    by: Mapped[str] = mapped_column(String(80), default="")
    at: Mapped[datetime] = mapped_column(UtcDateTime)
