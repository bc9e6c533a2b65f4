"""Desk-side tables of sync with the central server (link, leases, drafts, answers, outages).

Definitions only; the sync engine (sync/) reads and writes them, the workspace reads the numbering
lease, and storage.schema gathers them with the other tables for the migrations.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from clerk_app.storage.models import Base, UtcDateTime


class SyncLink(Base):
    """One row: the server this desk is connected to, its session, checkpoint and state."""

    __tablename__ = "sync_link"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    server_url: Mapped[str] = mapped_column(String(300))
    username: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(20))
    server_agency_id: Mapped[str] = mapped_column(String(36))
    token: Mapped[str] = mapped_column(String(200), default="")
    token_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # argon2 hash of the password, kept so the clerk can log in while the server is down.
    verifier: Mapped[str] = mapped_column(String(200), default="")
    # The server version of the last change applied here; the feed resumes after it.
    checkpoint: Mapped[int] = mapped_column(Integer, default=0)
    connected_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    offline_since: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # The desk clock minus the server's at the last sync, and when (desk time) it was read.
    clock_skew_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    clock_measured_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The secret this desk proves itself with to the server (sync.engine). Row 0, when present,
    # holds only this: a secret sent in a login whose outcome is not known yet.
    desk_credential: Mapped[str | None] = mapped_column(String(100), nullable=True)


class SyncLease(Base):
    """What this desk knows of a register's numbering lease, from the server."""

    __tablename__ = "sync_lease"

    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    series: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    holder_desk_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    epoch: Mapped[int] = mapped_column(Integer, default=0)
    server_last_number: Mapped[int] = mapped_column(Integer, default=0)
    # The holder desk's station as the server named it (feed or `lease_held` refusal).
    holder_station: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # The login that connected the holder desk and since when it holds the lease, as the server
    # named them: two computers may share a station name.
    holder_login: Mapped[str | None] = mapped_column(String(80), nullable=True)
    held_since: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # This desk sent a release whose answer never came: it numbers nothing offline here until
    # the server says again who holds the lease (the release may have been applied).
    release_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class SyncDraft(Base):
    """A registration made on a desk without the lease: provisional, never printed as a number."""

    __tablename__ = "sync_draft"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    direction: Mapped[str] = mapped_column(String(10))
    year: Mapped[int] = mapped_column(Integer)
    fields: Mapped[str] = mapped_column(Text)  # canonical JSON
    files: Mapped[str] = mapped_column(Text)  # canonical JSON list of file rows
    status: Mapped[str] = mapped_column(String(12))  # waiting | provisional | numbered | rejected
    number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reason: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SyncAnswer(Base):
    """A mutation the server did not simply accept: rejected or queued for reconciliation."""

    __tablename__ = "sync_answer"

    mutation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    op: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[str] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(60))
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Set once a person settled it (sync.conflicts.resolve); `resolution` is canonical JSON.
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    resolution: Mapped[str | None] = mapped_column(Text, nullable=True)


class SyncConflict(Base):
    """A server change this desk could not apply without changing an issued number."""

    __tablename__ = "sync_conflict"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity_id: Mapped[str] = mapped_column(String(36))
    reason: Mapped[str] = mapped_column(String(60))
    server_data: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Set once a person settled it (sync.conflicts.resolve); `resolution` is canonical JSON.
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    resolution: Mapped[str | None] = mapped_column(Text, nullable=True)


class Outage(Base):
    """A time the server could not be reached (KH&CN 2018 art. 5): start, end, the report."""

    __tablename__ = "sync_outage"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    cause: Mapped[str] = mapped_column(Text, default="")
