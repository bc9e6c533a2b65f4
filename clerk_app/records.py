"""Plain values that cross the core's boundary (drafts in, summaries out); no database types."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from clerk_app.vocabulary import number_label

Direction = Literal["incoming", "outgoing"]
Status = Literal["registered", "cancelled"]


@dataclass(frozen=True)
class IncomingDraft:
    """What the clerk types (or the scan pre-fills) to register an incoming document."""

    issuer: str
    reference: str
    issued_on: date | None
    doc_type: str
    subject: str
    urgency: str = "Thường"
    secrecy: str | None = None
    pages: int | None = None
    has_paper: bool = True
    source_channel: str = "Bưu chính"
    recipients: str = ""
    notes: str = ""
    received_at: datetime | None = None  # None: now
    files: Sequence[Path] = ()
    allow_duplicate: bool = False  # the clerk confirmed a second registration
    # Received before the last registered arrival (a letter found in a pile): why it is late.
    late_reason: str = ""


@dataclass(frozen=True)
class OutgoingDraft:
    """What the clerk enters to number an outgoing document."""

    doc_type: str
    subject: str
    signer: str
    recipients: str
    issued_on: date | None = None  # None: today (Vietnam time)
    unit_code: str | None = None  # drafting unit; required for Công văn
    urgency: str = "Thường"
    secrecy: str | None = None
    electronic_only: bool = False
    copies: int = 1
    file_copy_holder: str = ""
    notes: str = ""
    series: str | None = None  # None: the series configured for the type, else the general one
    qppl: bool = False  # a legal-normative document: own yearly series, year in the reference
    files: Sequence[Path] = ()


@dataclass(frozen=True)
class SearchFilters:
    direction: Direction | None = None
    register_id: str | None = None
    year: int | None = None
    urgency: str | None = None
    status: Status | None = None
    date_from: date | None = None  # arrival date (incoming) or issued-on date (outgoing)
    date_to: date | None = None


@dataclass(frozen=True)
class AgencyInfo:
    id: str
    name: str
    code: str
    parent_name: str


@dataclass(frozen=True)
class UnitInfo:
    id: str
    code: str
    name: str


@dataclass(frozen=True)
class PersonInfo:
    id: str
    full_name: str
    unit_code: str | None
    title: str


@dataclass(frozen=True)
class RegisterInfo:
    id: str
    kind: Direction
    year: int
    series: str
    name: str
    last_number: int  # numbers 1..last_number are issued (cancelled ones included)
    voids: int = 0  # of which recorded as never used (no document): shown as void lines

    @property
    def documents(self) -> int:
        """How many documents the register holds (its numbers, less the recorded voids)."""
        return self.last_number - self.voids


@dataclass(frozen=True)
class ClerkLogin:
    """Who works at a desk, as the window shows it."""

    name: str
    # "server": the account the desk is connected with; "desk": the login chosen at setup;
    # "computer": neither, the computer's own account.
    source: str


@dataclass(frozen=True)
class RecordedVoid:
    """A number of a register recorded as never used: printed and shown as a void line."""

    number: int
    reason: str
    recorded_at: datetime


@dataclass(frozen=True)
class DocumentSummary:
    """One row of a register or a search result."""

    id: str
    direction: Direction
    register_id: str
    year: int
    number: int  # arrival number (incoming) or outgoing number
    reference: str
    issuer: str
    subject: str
    doc_type: str
    urgency: str
    status: Status
    received_at: datetime | None  # incoming: arrival time (Vietnam time)
    issued_on: date | None
    recipients: str
    signer: str
    handed_over_at: datetime | None
    notes: str = ""
    # The rest of the register's columns, so printing and reports need no per-row reads.
    handed_over_to: str = ""
    source_channel: str = ""
    unit_code: str = ""
    copies: int | None = None
    file_copy_holder: str = ""
    cancelled_at: datetime | None = None
    cancel_reason: str = ""

    @property
    def number_label(self) -> str:
        return number_label(self.direction, self.number)


@dataclass(frozen=True)
class FileInfo:
    id: str
    sha256: str
    role: str  # "original" | "rendition" (PDF made from an image original) | later: stamped, signed
    filename: str
    media_type: str
    size: int
    pages: int | None
    parent_id: str | None
    added_at: datetime


@dataclass(frozen=True)
class AuditRecord:
    seq: int
    at: datetime
    actor: str
    station: str
    action: str
    entity: str
    entity_id: str
    details: dict[str, object]
    hash: str


@dataclass(frozen=True)
class DocumentDetail:
    summary: DocumentSummary
    fields: dict[str, object]  # every registration field, current values
    files: list[FileInfo]
    history: list[AuditRecord]


@dataclass(frozen=True)
class Change:
    """What a use case changed, so views can refresh just that."""

    action: str
    document_ids: tuple[str, ...] = ()
    register_ids: tuple[str, ...] = ()
    other: tuple[str, ...] = field(default_factory=tuple)  # e.g. "units", "people"


@dataclass(frozen=True)
class Registered:
    document: DocumentDetail
    change: Change


@dataclass(frozen=True)
class AuditCheck:
    entries: int
    ok: bool
    first_bad_seq: int | None = None
    # Documents the entries do not account for: (id, number, year, problem); see journal.py.
    unaccounted: tuple[tuple[str, int, int, str], ...] = ()
