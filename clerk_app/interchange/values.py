"""Plain values of electronic exchange: an exchanged document with its attachments and raw
message, a status message, and their parts. No XML, no code tables, no storage here."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Literal

BusinessKind = Literal["new", "revoke", "update", "replace"]
# Bussiness/BussinessDocType: what the message does to a document. Structural to the format
# (the reader and the inbox act on it), so kept here rather than in a code table.
BUSINESS_CODES: dict[BusinessKind, str] = {"new": "0", "revoke": "1", "update": "2", "replace": "3"}


@dataclass(frozen=True)
class Organ:
    """An agency as edXML names it: From, To, and the organ directory's rows."""

    organ_id: str
    name: str = ""
    in_charge: str = ""  # OrganizationInCharge: the supervising agency
    address: str = ""
    email: str = ""
    telephone: str = ""
    fax: str = ""
    website: str = ""


@dataclass(frozen=True)
class Signer:
    full_name: str = ""
    position: str = ""
    competence: str = ""  # e.g. "KT. CHỦ TỊCH"


@dataclass(frozen=True)
class ResponseRef:
    """ResponseFor: the document this message answers (or a status is about)."""

    organ_id: str
    code: str  # số và ký hiệu, "12/QĐ-UBND"
    promulgated_on: date | None
    document_id: str


@dataclass(frozen=True)
class StaffInfo:
    department: str = ""
    staff: str = ""
    mobile: str = ""
    email: str = ""


@dataclass(frozen=True)
class Trace:
    """TraceHeader: one agency the message passed through, and when."""

    organ_id: str
    at: datetime


@dataclass(frozen=True)
class Replacement:
    """ReplacementInfo: a document this one replaces, and at which agencies."""

    document_id: str
    organ_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Business:
    kind: BusinessKind = "new"
    reason: str = ""
    document_id: str = ""  # the document a revoke/update/replace is about
    staff: StaffInfo | None = None
    paper: bool | None = None  # Paper = 1: a paper copy follows by post
    replacements: tuple[Replacement, ...] = ()


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    content_id: str  # without the manifest's "cid:"
    description: str
    data: bytes = field(repr=False)
    zipped: bool = False  # arrived zipped; `data` is the file taken out of the archive

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class ExchangedDocument:
    """One edXML document package: its header, its attachments and, once written or read, the
    raw message bytes, which are kept with the document as received or sent."""

    document_id: str
    sender: Organ
    recipients: tuple[Organ, ...]
    number: str  # CodeNumber
    notation: str  # CodeNotation
    promulgated_on: date | None
    type_name: str
    subject: str
    attachments: tuple[Attachment, ...] = ()
    place: str = ""
    type_code: str = ""
    type_detail: str = ""
    content: str = ""
    signer: Signer = Signer()
    due_on: date | None = None
    due_time: time | None = None  # DueDate with an hour: the time of «Hỏa tốc hẹn giờ»
    to_places: tuple[str, ...] = ()
    priority: str = "0"
    sphere: str = ""  # SphereOfPromulgation
    typer_notation: str = ""
    copies: int | None = None  # PromulgationAmount
    pages: int | None = None  # PageAmount
    appendixes: tuple[str, ...] = ()
    responds_to: tuple[ResponseRef, ...] = ()
    steering_type: str = ""
    traces: tuple[Trace, ...] = ()
    business: Business = Business()
    raw: bytes = field(default=b"", repr=False, compare=False)

    @property
    def reference(self) -> str:
        """Số và ký hiệu as the desk writes it: "05/QĐ-UBND" (or the notation alone)."""
        return f"{self.number}/{self.notation}" if self.number else self.notation


@dataclass(frozen=True)
class StatusMessage:
    """An edXML status message: what happened to a document at the agency that sends it."""

    responds_to: ResponseRef
    sender: Organ
    code: str  # StatusCode, "01" … "16"; its meaning is in the status code table
    at: datetime
    description: str = ""
    staff: StaffInfo = StaffInfo()
    raw: bytes = field(default=b"", repr=False, compare=False)


def document_id_for(organ_id: str, promulgated_on: date, reference: str) -> str:
    """DocumentId as the standard composes it: "OrganId,yyyy/MM/dd,số/ký hiệu"."""
    return f"{organ_id},{promulgated_on:%Y/%m/%d},{reference}"
