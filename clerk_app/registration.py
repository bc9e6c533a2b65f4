"""Validation and normal forms of registration drafts and corrections; pure, no storage."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from clerk_app import errors
from clerk_app.clock import to_vietnam
from clerk_app.field_rules import COPIES_MAX, PAGES_MAX, correctable_fields, limit
from clerk_app.input_rules import refuse_early_date, refuse_hidden_characters
from clerk_app.numbering import check_qppl
from clerk_app.records import IncomingDraft, OutgoingDraft
from clerk_app.text import fold, nfc, reference_key
from clerk_app.vocabulary import (
    TYPES_WITHOUT_ABBREVIATION,
    canonical_channel,
    canonical_doc_type,
    canonical_secrecy,
    canonical_urgency,
    urgency_rank,
)

# A scanner clock or a clerk's watch may run a little ahead of the desk's.
CLOCK_TOLERANCE = timedelta(minutes=10)

INCOMING_CORRECTABLE = correctable_fields("incoming")
OUTGOING_CORRECTABLE = correctable_fields("outgoing")


def refuse_secret(secrecy: str | None) -> None:
    """Secret documents never enter the system (STANDARDS: Numbers, secret documents)."""
    if secrecy is None:
        return
    level = canonical_secrecy(secrecy)
    if level is not None:
        raise errors.SecretDocumentRefused(level)


def _text(value: str | None, field: str, *, required: bool) -> str:
    """NFC text within the field's length (clerk_app/field_rules.py, which the server checks too)."""
    refuse_hidden_characters(value, field)
    cleaned = nfc(value or "")
    if required and not cleaned:
        raise errors.MissingField(field)
    longest = limit(field)
    if len(cleaned) > longest:
        raise errors.InvalidValue(field, cleaned[:40] + "…", f"tối đa {longest} ký tự")
    return cleaned


def free_text(value: str | None, field: str, longest: int = limit("notes")) -> str:
    """NFC text of a value kept beside the document's fields (a reason, a late registration)."""
    refuse_hidden_characters(value, field)
    cleaned = nfc(value or "")
    if len(cleaned) > longest:
        raise errors.InvalidValue(field, cleaned[:40] + "…", f"tối đa {longest} ký tự")
    return cleaned


def parse_date(value: str, field: str) -> date:
    """ISO `2026-11-26` or Vietnamese `26/11/2026`; an impossible date raises InvalidDate."""
    raw = nfc(value)
    try:
        if "/" in raw:
            d, m, y = (int(p) for p in raw.split("/"))
            parsed = date(y, m, d)
        else:
            parsed = date.fromisoformat(raw)
    except ValueError:
        raise errors.InvalidDate(field, raw) from None
    refuse_early_date(parsed, field)
    return parsed


def _urgency(value: str) -> str:
    urgency = canonical_urgency(value)
    if urgency is None:
        raise errors.InvalidValue("urgency", value, "Hỏa tốc, Thượng khẩn, Khẩn hoặc Thường")
    return urgency


def incoming_fields(draft: IncomingDraft, now: datetime) -> dict[str, Any]:
    """Checked, normalised registration fields of an incoming document (files not included)."""
    refuse_secret(draft.secrecy)
    received_at = now if draft.received_at is None else draft.received_at
    if received_at.tzinfo is None:
        received_at = to_vietnam(received_at)
    if received_at > now + CLOCK_TOLERANCE:
        raise errors.DateInFuture("received_at", to_vietnam(received_at).isoformat())
    refuse_early_date(to_vietnam(received_at), "received_at")
    issued_on = draft.issued_on
    refuse_early_date(issued_on, "issued_on")
    if issued_on is not None and issued_on > to_vietnam(received_at).date():
        raise errors.InvalidValue(
            "issued_on", issued_on.isoformat(), "ngày văn bản không sau ngày đến"
        )
    doc_type_raw = _text(draft.doc_type, "doc_type", required=True)
    channel = canonical_channel(draft.source_channel) or _text(
        draft.source_channel, "source_channel", required=False
    )
    if draft.pages is not None and not 0 < draft.pages <= PAGES_MAX:
        raise errors.InvalidValue("pages", str(draft.pages), "một số trang dương")
    urgency = _urgency(draft.urgency)
    issuer = _text(draft.issuer, "issuer", required=True)
    reference = _text(draft.reference, "reference", required=False)
    return {
        "received_at": received_at,
        "register_date": to_vietnam(received_at).date(),
        "issuer": issuer,
        "issuer_key": fold(issuer),
        "reference": reference,
        "reference_key": reference_key(reference) if reference else "",
        "issued_on": issued_on,
        "doc_type": canonical_doc_type(doc_type_raw) or doc_type_raw,
        "subject": _text(draft.subject, "subject", required=True),
        "urgency": urgency,
        "urgency_rank": urgency_rank(urgency),
        "pages": draft.pages,
        "has_paper": bool(draft.has_paper),
        "source_channel": channel,
        "recipients": _text(draft.recipients, "recipients", required=False),
        "notes": _text(draft.notes, "notes", required=False),
    }


def outgoing_fields(draft: OutgoingDraft, today: date) -> dict[str, Any]:
    """Checked, normalised fields of an outgoing document, before its number is known."""
    refuse_secret(draft.secrecy)
    doc_type_raw = _text(draft.doc_type, "doc_type", required=True)
    doc_type = canonical_doc_type(doc_type_raw)
    if doc_type is None:
        raise errors.InvalidValue(
            "doc_type", doc_type_raw, "một tên loại văn bản theo Phụ lục III Nghị định 30"
        )
    check_qppl(doc_type, draft.qppl)
    issued_on = draft.issued_on or today
    if issued_on > today:
        raise errors.DateInFuture("issued_on", issued_on.isoformat())
    refuse_early_date(issued_on, "issued_on")
    if not 1 <= draft.copies <= COPIES_MAX:
        raise errors.InvalidValue("copies", str(draft.copies), "từ 1 bản trở lên")
    refuse_hidden_characters(draft.unit_code, "unit_code")
    unit_code = nfc(draft.unit_code or "").upper()
    if len(unit_code) > limit("unit_code"):
        raise errors.InvalidValue("unit_code", unit_code[:40], f"tối đa {limit('unit_code')} ký tự")
    if doc_type in TYPES_WITHOUT_ABBREVIATION and not unit_code:
        raise errors.MissingField("unit")
    urgency = _urgency(draft.urgency)
    return {
        "doc_type": doc_type,
        "subject": _text(draft.subject, "subject", required=True),
        "signer": _text(draft.signer, "signer", required=True),
        "recipients": _text(draft.recipients, "recipients", required=True),
        "issued_on": issued_on,
        "register_date": issued_on,
        "unit_code": unit_code,
        "urgency": urgency,
        "urgency_rank": urgency_rank(urgency),
        "electronic_only": bool(draft.electronic_only),
        "copies": draft.copies,
        "file_copy_holder": _text(draft.file_copy_holder, "file_copy_holder", required=False),
        "notes": _text(draft.notes, "notes", required=False),
    }


def correction_fields(direction: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Normalise a correction; fields that carry the number or identity are refused."""
    allowed = INCOMING_CORRECTABLE if direction == "incoming" else OUTGOING_CORRECTABLE
    result: dict[str, Any] = {}
    for field, value in changes.items():
        if field not in allowed:
            raise errors.FieldNotCorrectable(field)
        if field in ("has_paper", "electronic_only"):
            result[field] = bool(value)
        elif field in ("pages", "copies"):
            number = int(value) if value not in (None, "") else None
            if number is not None and not 0 < number <= limit(field):
                raise errors.InvalidValue(field, str(value), "một số dương")
            result[field] = number
        elif field == "issued_on":
            result[field] = (
                value if isinstance(value, date) or value is None else parse_date(str(value), field)
            )
            refuse_early_date(result[field], field)
        elif field == "urgency":
            result["urgency"] = _urgency(str(value))
            result["urgency_rank"] = urgency_rank(result["urgency"])
        elif field == "doc_type":
            raw = _text(str(value), field, required=True)
            result[field] = canonical_doc_type(raw) or raw
        else:
            required = field in ("issuer", "subject", "signer")
            result[field] = _text(str(value), field, required=required)
            if field == "issuer":
                result["issuer_key"] = fold(result[field])
            if field == "reference":
                result["reference_key"] = reference_key(result[field])
    return result
