"""What the edXML reader and writer share: namespaces, the text forms of dates and times, and
which elements a document package must carry. No parsing or serialising here."""

from __future__ import annotations

from datetime import date, datetime, time

from clerk_app import errors
from clerk_app.clock import VIETNAM, to_vietnam
from clerk_app.interchange.values import ExchangedDocument

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
XLINK = "http://www.w3.org/1999/xlink"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSD = "http://www.w3.org/2001/XMLSchema"

DATE_FORMAT = "%Y/%m/%d"  # PromulgationDate, DueDate, ResponseFor/PromulgationDate
TIMESTAMP_FORMAT = "%Y/%m/%d %H:%M:%S"  # TraceHeader/Timestamp, Status/Timestamp
# Other senders' spellings, accepted on input.
_DATE_INPUTS = ("%Y/%m/%d", "%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y")
_TIME_INPUTS = ("%H:%M:%S", "%H:%M")


def format_date(value: date) -> str:
    return value.strftime(DATE_FORMAT)


def format_timestamp(value: datetime) -> str:
    """Vietnam local time, as the messages carry it (they have no zone)."""
    return to_vietnam(value).strftime(TIMESTAMP_FORMAT)


def format_due(day: date, at: time | None) -> str:
    return format_date(day) + (f" {at:%H:%M:%S}" if at is not None else "")


def _split(text: str) -> tuple[str, str]:
    head, _, tail = text.strip().replace("T", " ", 1).partition(" ")
    return head, tail.strip()


def parse_date(text: str, element: str) -> date | None:
    """A date in any of the spellings senders use; a time part, if any, is ignored."""
    if not text.strip():
        return None
    head, _ = _split(text)
    for fmt in _DATE_INPUTS:
        try:
            return datetime.strptime(head, fmt).date()
        except ValueError:
            continue
    raise errors.EdxmlBadValue(element, text.strip(), "ngày dạng yyyy/MM/dd")


def parse_due(text: str, element: str) -> tuple[date | None, time | None]:
    """DueDate: a date, sometimes with the hour of «Hỏa tốc hẹn giờ»."""
    day = parse_date(text, element)
    if day is None:
        return None, None
    _, tail = _split(text)
    if not tail:
        return day, None
    for fmt in _TIME_INPUTS:
        try:
            return day, datetime.strptime(tail[:8], fmt).time()
        except ValueError:
            continue
    raise errors.EdxmlBadValue(element, text.strip(), "ngày giờ dạng yyyy/MM/dd HH:mm:ss")


def parse_timestamp(text: str, element: str) -> datetime:
    """ "yyyy/MM/dd HH:mm:ss" (or dd/MM/yyyy, or ISO 8601) as a Vietnam-time moment."""
    raw = text.strip()
    if not raw:
        raise errors.EdxmlElementMissing(element)
    for day_fmt in ("%Y/%m/%d", "%d/%m/%Y"):
        for time_fmt in _TIME_INPUTS:
            try:
                return datetime.strptime(raw, f"{day_fmt} {time_fmt}").replace(tzinfo=VIETNAM)
            except ValueError:
                continue
    try:
        return to_vietnam(datetime.fromisoformat(raw))
    except ValueError:
        raise errors.EdxmlBadValue(element, raw, "yyyy/MM/dd HH:mm:ss") from None


def bare_content_id(value: str) -> str:
    """The manifest writes "cid:X", the attachment "X"; some write <X>. One key for both."""
    text = value.strip()
    if text[:4].lower() == "cid:":
        text = text[4:]
    return text.strip().strip("<>").strip()


# Element paths of what a document package must carry, and how to see each is there. The
# reader refuses a package without them; the writer refuses to write one.
REQUIRED: tuple[tuple[str, str], ...] = (
    ("MessageHeader/From/OrganId", "sender_id"),
    ("MessageHeader/From/OrganName", "sender_name"),
    ("MessageHeader/To/OrganId", "recipients"),
    ("MessageHeader/Code/CodeNotation", "notation"),
    ("MessageHeader/PromulgationInfo/PromulgationDate", "promulgated_on"),
    ("MessageHeader/DocumentType/TypeName", "type"),
    ("MessageHeader/Subject", "subject"),
    ("MessageHeader/DocumentId", "document_id"),
    ("edXMLBody/edXMLManifest/Reference", "attachments"),
)


def _present(doc: ExchangedDocument, what: str) -> bool:
    if what == "sender_id":
        return bool(doc.sender.organ_id)
    if what == "sender_name":
        return bool(doc.sender.name)
    if what == "recipients":
        return bool(doc.recipients) and all(o.organ_id for o in doc.recipients)
    if what == "type":
        return bool(doc.type_name or doc.type_code)
    if what == "attachments":
        # Revoking a document sends no file.
        return bool(doc.attachments) or doc.business.kind == "revoke"
    return bool(getattr(doc, what))


def missing_elements(doc: ExchangedDocument) -> list[str]:
    """The required elements `doc` lacks, as element paths; empty when it is complete."""
    return [path for path, what in REQUIRED if not _present(doc, what)]
