"""SQLAlchemy models of the secretary's desk (instructions, assignments, handovers, tasks); no rules."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from clerk_app.storage.models import Base, UtcDateTime, new_id


class CalendarOverride(Base):
    """An administrator's change to the working-day calendar: a make-up working day or a day off."""

    __tablename__ = "calendar_override"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    day: Mapped[date] = mapped_column(Date, unique=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(10))  # workday | day_off
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Delegation(Base):
    """A leader's authorisation (ủy quyền) for someone to enter instructions on their behalf."""

    __tablename__ = "delegation"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    leader: Mapped[str] = mapped_column(String(200))
    delegate: Mapped[str] = mapped_column(String(120))
    basis: Mapped[str] = mapped_column(String(300), default="")
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Instruction(Base):
    """A leader's instruction (bút phê) on one document; its assignments carry the handling."""

    __tablename__ = "instruction"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    document_id: Mapped[str] = mapped_column(ForeignKey("document.id"), index=True)
    leader: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    entered_by: Mapped[str] = mapped_column(String(120))
    delegation_id: Mapped[str | None] = mapped_column(ForeignKey("delegation.id"), nullable=True)
    # The page carrying the handwriting: a file of the document and a page number in it.
    handwriting_file_id: Mapped[str | None] = mapped_column(
        ForeignKey("document_file.id"), nullable=True
    )
    handwriting_page: Mapped[int | None] = mapped_column(Integer, nullable=True)
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    deadline_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(12), default="active")  # active | withdrawn
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Assignment(Base):
    """One handler of a document: lead (chủ trì) or co-handler (phối hợp), or a reply follow-up."""

    __tablename__ = "assignment"
    __table_args__ = (Index("ix_assignment_open_deadline", "status", "deadline"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    document_id: Mapped[str] = mapped_column(ForeignKey("document.id"), index=True)
    instruction_id: Mapped[str | None] = mapped_column(
        ForeignKey("instruction.id"), nullable=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(10), default="handle")  # handle | reply
    role: Mapped[str] = mapped_column(String(10))  # lead | co
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("unit.id"), nullable=True, index=True)
    person_id: Mapped[str | None] = mapped_column(ForeignKey("person.id"), nullable=True)
    handler_name: Mapped[str] = mapped_column(String(300))
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | done | withdrawn
    done_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    result: Mapped[str] = mapped_column(Text, default="")
    # The last follow-up state announced (due_soon | overdue), so each is raised only once.
    notified: Mapped[str] = mapped_column(String(10), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class HandoverEntry(Base):
    """A line of the handover log: paper given to a unit or person, and its signed receipt."""

    __tablename__ = "handover_entry"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    document_id: Mapped[str] = mapped_column(ForeignKey("document.id"), index=True)
    handed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("unit.id"), nullable=True)
    person_id: Mapped[str | None] = mapped_column(ForeignKey("person.id"), nullable=True)
    receiver: Mapped[str] = mapped_column(String(300))
    copies: Mapped[int | None] = mapped_column(Integer, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    signed_by: Mapped[str] = mapped_column(String(200), default="")
    signed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    receipt_file_id: Mapped[str | None] = mapped_column(
        ForeignKey("document_file.id"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class AssignedTask(Base):
    """A task handed to the agency by a superior body (KH&CN 2023 regulation), and its state."""

    __tablename__ = "assigned_task"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    source_document_id: Mapped[str | None] = mapped_column(
        ForeignKey("document.id"), nullable=True, index=True
    )
    source_reference: Mapped[str] = mapped_column(String(300), default="")
    # Tasks from secret documents keep status only: content stays empty.
    secret: Mapped[bool] = mapped_column(Boolean, default=False)
    content: Mapped[str] = mapped_column(Text, default="")
    lead_unit_id: Mapped[str] = mapped_column(ForeignKey("unit.id"), index=True)
    co_unit_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    period: Mapped[str] = mapped_column(String(12), default="")  # quarterly | half_yearly | yearly
    assigned_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(24), default="in_progress")
    done_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    late_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class TaskStatusUpdate(Base):
    """A dated report on an assigned task: its status then, and the reason when late."""

    __tablename__ = "task_status_update"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    task_id: Mapped[str] = mapped_column(ForeignKey("assigned_task.id"), index=True)
    reported_on: Mapped[date] = mapped_column(Date)
    period_label: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
