"""Desk-side tables of electronic exchange: the electronic inbox, what waits to go to the server,
and the last statuses of what this desk sent. Definitions only; sync/delivery.py uses them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from clerk_app.storage.models import Base, UtcDateTime


class ExchangeInboxItem(Base):
    """An electronic incoming document («Văn bản đến điện tử») before and after registration.
    One row per edXML DocumentId, so the inbox never shows a document twice."""

    __tablename__ = "exchange_inbox"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the server's delivery id
    document_id: Mapped[str] = mapped_column(String(300), unique=True)
    source: Mapped[str] = mapped_column(String(10))  # "server" or "file" (edxml-import)
    sender_organ_id: Mapped[str] = mapped_column(String(60))
    sender_name: Mapped[str] = mapped_column(String(300))
    fields: Mapped[str] = mapped_column(Text)  # canonical JSON of the registration fields
    files: Mapped[str] = mapped_column(Text)  # canonical JSON: name, content_type, sha256, size
    raw_sha256: Mapped[str] = mapped_column(String(64))  # the edXML message, in the file store
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    registered_document_id: Mapped[str] = mapped_column(String(36), default="")
    # When it arrived (the 08-working-hour clock counts from here), as the server recorded it.
    arrived_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    signatures: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON once checked
    flag: Mapped[str] = mapped_column(String(40), default="")  # e.g. "signature_invalid"


class ExchangeQueued(Base):
    """A send, status or recall made on this desk and not yet taken by the server: the desk
    works offline and the queue goes up, in order, when the server answers again."""

    __tablename__ = "exchange_queue"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(10))  # "send" | "status" | "recall"
    target: Mapped[str] = mapped_column(String(36))  # the document or inbox item
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    answer: Mapped[str] = mapped_column(Text, default="")


class ExchangeRecipientStatus(Base):
    """The last status the server reported for one recipient of a document this agency sent;
    shown offline until the next refresh."""

    __tablename__ = "exchange_sent"

    document_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organ_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    history: Mapped[str] = mapped_column(Text, default="[]")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
