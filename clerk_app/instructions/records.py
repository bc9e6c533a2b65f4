"""Plain values the secretary's use cases take and return; no database or Qt types leak out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from clerk_app.errors import ClerkError
from clerk_app.workdays.limits import LimitFlag

HandlerKind = Literal["unit", "person"]
FollowState = Literal["overdue", "due_soon", "open", "done_on_time", "done_late"]
TaskStatus = Literal["done_on_time", "done_late", "in_progress", "in_progress_overdue", "returned"]
Period = Literal["", "quarterly", "half_yearly", "yearly"]

TASK_STATUSES: tuple[str, ...] = ("done_on_time", "done_late", "in_progress", "in_progress_overdue")
PERIODS: tuple[str, ...] = ("", "quarterly", "half_yearly", "yearly")


@dataclass(frozen=True)
class Handler:
    """A unit or a person that can be given work; `label` is what the register shows."""

    kind: HandlerKind
    id: str
    code: str  # unit code, or the person's unit code
    label: str
    folded: str


@dataclass(frozen=True)
class InstructionDraft:
    leader: str
    text: str
    lead: str  # unit code, unit name or person's name
    co: Sequence[str] = ()
    deadline: date | None = None
    deadline_days: int | None = None  # counted in working days from today
    handwriting_file_id: str | None = None
    handwriting_page: int | None = None
    # None: use the actor's delegation from this leader if there is one; True: require one.
    on_behalf: bool | None = None


@dataclass(frozen=True)
class AssignmentInfo:
    id: str
    document_id: str
    instruction_id: str | None
    kind: str  # handle | reply
    role: str  # lead | co
    handler: str
    unit_code: str | None
    deadline: date | None
    status: str
    done_on: date | None
    result: str
    version: int


@dataclass(frozen=True)
class InstructionInfo:
    id: str
    document_id: str
    leader: str
    text: str
    entered_by: str
    delegation_id: str | None
    delegation_basis: str
    deadline: date | None
    deadline_days: int | None
    handwriting_file_id: str | None
    handwriting_page: int | None
    status: str
    created_at: datetime
    updated_at: datetime
    version: int
    assignments: tuple[AssignmentInfo, ...] = ()
    recipients: str = ""


@dataclass(frozen=True)
class Instructed:
    """The saved instruction, and what happened to the arrival stamp after it."""

    instruction: InstructionInfo
    stamped_file_id: str | None
    stamp_error: str | None  # code of the ClerkError that kept the stamp from being made
    # Accepted but worth saying (a deadline on a day off): typed errors shown, never raised.
    warnings: tuple[ClerkError, ...] = ()


@dataclass(frozen=True)
class DueItem:
    assignment_id: str
    document_id: str
    direction: str
    number: int
    year: int
    reference: str
    subject: str
    urgency: str
    urgency_rank: int
    kind: str
    role: str
    handler: str
    unit_code: str | None  # the unit handed the work, or the unit of the person handed it
    deadline: date | None
    state: FollowState
    working_days_left: int | None  # negative when overdue
    done_on: date | None
    version: int
    # The regulation's time limit for receiving and passing the document on, where one applies.
    limit: LimitFlag | None = None
    # «Hỏa tốc hẹn giờ»: when the answer is due, Vietnam's wall clock (from the register's notes).
    due_at: datetime | None = None

    @property
    def urgency_shown(self) -> str:
        """The urgency as the lists show it: `Hỏa tốc · hẹn 14:00 05/12/2026` when timed."""
        if self.due_at is None:
            return self.urgency
        return f"{self.urgency} · hẹn {self.due_at:%H:%M %d/%m/%Y}"

    @property
    def flags(self) -> list[str]:
        """Short machine-readable marks: the follow-up state and the time limit's state."""
        marks: list[str] = [self.state]
        if self.limit is not None:
            marks.append(f"{self.limit.rule.value}:{self.limit.state}")
        return marks


@dataclass(frozen=True)
class FollowUp:
    overdue: list[DueItem] = field(default_factory=list)
    due_soon: list[DueItem] = field(default_factory=list)
    open: list[DueItem] = field(default_factory=list)
    done_on_time: list[DueItem] = field(default_factory=list)
    done_late: list[DueItem] = field(default_factory=list)


@dataclass(frozen=True)
class Notification:
    assignment_id: str
    state: FollowState
    number: int
    handler: str
    deadline: date


@dataclass(frozen=True)
class HandoverInfo:
    id: str
    document_id: str
    number: int
    year: int
    reference: str
    subject: str
    handed_at: datetime
    receiver: str
    copies: int | None
    note: str
    signed_by: str
    signed_at: datetime | None
    receipt_file_id: str | None
    version: int
    doc_type: str = ""  # tên loại, printed with the subject in the handover log


@dataclass(frozen=True)
class PaperToHand:
    """A paper document routed to its handlers but not yet handed over."""

    document_id: str
    number: int
    year: int
    reference: str
    issuer: str
    subject: str
    urgency: str
    recipients: str
    received_at: datetime | None
    limit: LimitFlag | None


@dataclass(frozen=True)
class TaskDraft:
    lead_unit: str
    content: str = ""
    co_units: Sequence[str] = ()
    source_document_id: str | None = None
    source_reference: str = ""
    secret: bool = False
    deadline: date | None = None
    period: Period = ""
    assigned_on: date | None = None  # None: today


@dataclass(frozen=True)
class TaskInfo:
    id: str
    source_document_id: str | None
    source_reference: str
    secret: bool
    content: str
    lead_unit: str
    co_units: tuple[str, ...]
    deadline: date | None
    period: str
    assigned_on: date
    status: str
    done_on: date | None
    late_reason: str
    version: int
    next_report_due: date | None
    # KH&CN 2023 art. 4: a misaddressed task goes back within 01 working day of its arrival.
    # Set while that window is open, and on a returned task (met or breached); else None.
    return_limit: LimitFlag | None = None
    returned_at: datetime | None = None
    return_reason: str = ""


@dataclass(frozen=True)
class MonthlyRow:
    """One line of the KH&CN 2023 appendix table."""

    unit_code: str
    unit_name: str
    documents: int
    tasks: int
    done_on_time: int
    done_late: int
    in_progress: int
    in_progress_overdue: int
