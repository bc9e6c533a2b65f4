"""Decides what becomes of a received message: accepted, refused (with one of the two reasons
the rules allow) or a duplicate, and which status message goes back. The decision only; the
inbox stores it and the adapter sends the reply."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from clerk_app import errors, messages
from clerk_app.interchange.codes import CodeTables, StatusKey
from clerk_app.interchange.edxml_read import read_identity, read_message
from clerk_app.interchange.mapping import RegistrationFields, registration_fields
from clerk_app.interchange.values import (
    ExchangedDocument,
    Organ,
    ResponseRef,
    StaffInfo,
    StatusMessage,
)
from clerk_app.messages import describe

# "revoke": a package taking back a document sent earlier (Bussiness doc type 1).
Outcome = Literal["accepted", "refused", "duplicate", "revoke"]
# Statuses after which the recipient keeps the document: a revoke is answered 16, not 15.
KEPT = frozenset({"registered", "assigned", "in_progress", "done"})
RefusalReason = Literal["wrong-recipient", "not-valid"]


@dataclass(frozen=True)
class Previously:
    """What the inbox knows of a DocumentId it has met before."""

    last_status: StatusKey | None = None  # the last status sent back for it


@dataclass(frozen=True)
class Assessment:
    outcome: Outcome
    document: ExchangedDocument | None = None
    fields: RegistrationFields | None = None
    status: StatusMessage | None = None  # when the message received is itself a status
    problem: errors.EdxmlProblem | None = None
    reason: RefusalReason | None = None
    reply: StatusMessage | None = None  # what to send back; None: nothing (or no one) to tell


def about(doc: ExchangedDocument) -> ResponseRef:
    """ResponseFor of a status about `doc`: the sender's organ and the document's identity."""
    return ResponseRef(doc.sender.organ_id, doc.reference, doc.promulgated_on, doc.document_id)


def status_reply(
    ref: ResponseRef,
    key: StatusKey,
    *,
    receiver: Organ,
    tables: CodeTables,
    now: datetime,
    description: str = "",
    staff: StaffInfo | None = None,
) -> StatusMessage:
    return StatusMessage(
        responds_to=ref,
        sender=receiver,
        code=tables.status_code(key),
        at=now.replace(microsecond=0),
        description=description or tables.status_label(key),
        staff=staff or StaffInfo(),
    )


def refusal(
    ref: ResponseRef,
    reason: RefusalReason,
    *,
    receiver: Organ,
    tables: CodeTables,
    now: datetime,
    detail: str = "",
    staff: StaffInfo | None = None,
) -> StatusMessage:
    """Status 02 with the reason worded as the rules name it, and what was wrong."""
    text = messages.EXCHANGE_REFUSALS[reason] + (f": {detail}" if detail else "")
    return status_reply(
        ref, "refused", receiver=receiver, tables=tables, now=now, description=text, staff=staff
    )


def recall_reply(registered: bool) -> StatusKey:
    """A sender may take back or replace a document the recipient has not registered yet."""
    return "recall_refused" if registered else "recall_accepted"


def revoked_document(doc: ExchangedDocument) -> str:
    """The DocumentId a revoke takes back: its Bussiness's, else its own (the same header)."""
    return doc.business.document_id.strip() or doc.document_id


def _addressed_to(doc: ExchangedDocument, organ_id: str) -> bool:
    wanted = organ_id.strip().upper()
    return any(o.organ_id.strip().upper() == wanted for o in doc.recipients)


def assess_incoming(
    data: bytes,
    *,
    receiver: Organ,
    tables: CodeTables,
    now: datetime,
    previously: Callable[[str], Previously | None] = lambda _document_id: None,
    staff: StaffInfo | None = None,
) -> Assessment:
    """What to do with one received message (a document package or a status message)."""
    try:
        message = read_message(data)
        fields = None
        if isinstance(message, ExchangedDocument):
            fields = registration_fields(message, tables)
        elif tables.status(message.code) is None:
            codes = ", ".join(s.code for s in tables.statuses)
            raise errors.EdxmlBadValue("Status/StatusCode", message.code, codes)
    except errors.EdxmlProblem as problem:
        ref = read_identity(data)
        reply = None
        if ref is not None:
            reply = refusal(
                ref,
                "not-valid",
                receiver=receiver,
                tables=tables,
                now=now,
                detail=describe(problem).what,
                staff=staff,
            )
        return Assessment("refused", problem=problem, reason="not-valid", reply=reply)

    if isinstance(message, StatusMessage):
        # A status is about a document we sent: its ResponseFor names our agency.
        if message.responds_to.organ_id.strip().upper() != receiver.organ_id.strip().upper():
            wrong = errors.EdxmlWrongRecipient(receiver.organ_id, (message.responds_to.organ_id,))
            return Assessment("refused", status=message, problem=wrong, reason="wrong-recipient")
        return Assessment("accepted", status=message)

    doc = message
    if doc.business.kind == "revoke":
        return _assess_revoke(doc, fields, receiver, tables, now, previously, staff)
    seen = previously(doc.document_id)
    if seen is not None:
        reply = None
        if seen.last_status is not None:
            # The sender is likely retrying because our answer did not reach it: repeat it.
            reply = status_reply(
                about(doc), seen.last_status, receiver=receiver, tables=tables, now=now, staff=staff
            )
        return Assessment(
            "duplicate",
            document=doc,
            fields=fields,
            problem=errors.EdxmlDuplicate(doc.document_id),
            reply=reply,
        )
    if not _addressed_to(doc, receiver.organ_id):
        wrong = errors.EdxmlWrongRecipient(
            receiver.organ_id, tuple(o.organ_id for o in doc.recipients)
        )
        reply = refusal(
            about(doc), "wrong-recipient", receiver=receiver, tables=tables, now=now, staff=staff
        )
        return Assessment(
            "refused",
            document=doc,
            fields=fields,
            problem=wrong,
            reason="wrong-recipient",
            reply=reply,
        )
    reply = status_reply(
        about(doc), "arrived", receiver=receiver, tables=tables, now=now, staff=staff
    )
    return Assessment("accepted", document=doc, fields=fields, reply=reply)


def _assess_revoke(
    doc: ExchangedDocument,
    fields: RegistrationFields | None,
    receiver: Organ,
    tables: CodeTables,
    now: datetime,
    previously: Callable[[str], Previously | None],
    staff: StaffInfo | None,
) -> Assessment:
    """A revoke is answered 15 (taken back: the item leaves the inbox, or never arrived) or 16
    (registered already: the recipient keeps it, QĐ 28/2018 allows taking back only before)."""
    if not _addressed_to(doc, receiver.organ_id):
        wrong = errors.EdxmlWrongRecipient(
            receiver.organ_id, tuple(o.organ_id for o in doc.recipients)
        )
        reply = refusal(
            about(doc), "wrong-recipient", receiver=receiver, tables=tables, now=now, staff=staff
        )
        return Assessment(
            "refused", document=doc, problem=wrong, reason="wrong-recipient", reply=reply
        )
    seen = previously(revoked_document(doc))
    kept = seen is not None and seen.last_status in KEPT
    reply = status_reply(
        about(doc),
        recall_reply(kept),
        receiver=receiver,
        tables=tables,
        now=now,
        description=doc.business.reason,
        staff=staff,
    )
    return Assessment("revoke", document=doc, fields=fields, reply=reply)
