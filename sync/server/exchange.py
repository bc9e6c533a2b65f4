"""Electronic exchange on the server: the organ directory, delivering a document package to each
recipient (this server's agencies as inbox items, external ones through the exchange folders),
the statuses that travel back, recall and replacement. Rules only; no HTTP."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clerk_app import errors
from clerk_app.interchange.assessment import Previously, assess_incoming, status_reply
from clerk_app.interchange.codes import STATUS_KEYS, CodeTables, StatusKey
from clerk_app.interchange.edxml_read import read_message
from clerk_app.interchange.edxml_write import write_status
from clerk_app.interchange.exchange import ExchangeAdapter
from clerk_app.interchange.mapping import RegistrationFields, fields_json, registration_fields
from clerk_app.interchange.values import ExchangedDocument, Organ, StatusMessage
from clerk_app.refusals import Refusal
from sync.protocol import NUMBERING_ROLES
from sync.server.accounts import Caller
from sync.server.blobs import BlobStore
from sync.server.models import Agency, Blob, ExchangeDelivery, ExchangeOrgan, ExchangeStatus
from sync.server.refusals import Refused

# Statuses a recipient sets, and from which status each may follow (QĐ 28/2018: arrived, then
# registered or refused; then assigned, in progress, done).
RECIPIENT_STEPS: dict[str, tuple[str, ...]] = {
    "registered": ("arrived",),
    "refused": ("arrived",),
    "assigned": ("registered",),
    "in_progress": ("registered", "assigned"),
    "done": ("registered", "assigned", "in_progress"),
}
REFUSAL_REASONS = ("wrong-recipient", "not-valid")
OPEN = "arrived"  # an item still waiting in the recipient's inbox
SENT_OUT = "sent"  # handed to the axis; no status from the recipient yet


def _clerk_only(who: Caller) -> None:
    """Sending, recalling, receiving and refusing are the văn thư's (as numbering is)."""
    if who.role not in NUMBERING_ROLES:
        raise Refused(403, Refusal.ROLE_NOT_ALLOWED, role=who.role)


# --- the directory ---------------------------------------------------------------------------


def add_organ(
    s: Session, organ_id: str, name: str, agency_code: str | None, in_charge: str = ""
) -> ExchangeOrgan:
    """An agency's exchange identifier; with `agency_code`, one of this server's agencies."""
    organ_id = organ_id.strip()
    if not organ_id or len(organ_id) > 60 or not name.strip():
        raise Refused(400, Refusal.MISSING_FIELD, field="organ_id" if not organ_id else "name")
    agency_id = None
    if agency_code:
        agency = s.execute(
            select(Agency).where(Agency.code == agency_code.strip().upper())
        ).scalar_one_or_none()
        if agency is None:
            raise Refused(404, Refusal.AGENCY_NOT_FOUND, code=agency_code)
        agency_id = agency.id
    row = s.get(ExchangeOrgan, organ_id)
    if row is None:
        row = ExchangeOrgan(organ_id=organ_id, name=name.strip(), agency_id=agency_id)
        s.add(row)
    row.name, row.agency_id, row.in_charge = name.strip(), agency_id, in_charge.strip()
    s.flush()
    return row


def _organ_of_agency(s: Session, agency_id: str) -> ExchangeOrgan:
    row = s.execute(
        select(ExchangeOrgan).where(ExchangeOrgan.agency_id == agency_id)
    ).scalar_one_or_none()
    if row is None:
        raise Refused(409, Refusal.EXCHANGE_NOT_SET_UP)
    return row


def _organ_json(s: Session, row: ExchangeOrgan) -> dict[str, Any]:
    code = s.get_one(Agency, row.agency_id).code if row.agency_id else ""
    return {
        "organ_id": row.organ_id,
        "name": row.name,
        "in_charge": row.in_charge,
        "agency_code": code,
        "external": row.agency_id is None,
    }


def directory(s: Session, who: Caller) -> dict[str, Any]:
    """The caller's own organ and every organ it may send to."""
    own = _organ_of_agency(s, who.agency_id)
    rows = s.execute(select(ExchangeOrgan).order_by(ExchangeOrgan.organ_id)).scalars()
    return {"own": _organ_json(s, own), "organs": [_organ_json(s, r) for r in rows]}


# --- storing contents ------------------------------------------------------------------------


def _keep(s: Session, blobs: BlobStore, agency_id: str, data: bytes) -> str:
    """The content stored under its hash and readable by `agency_id` (its desks fetch it with
    the files they sync)."""
    sha = hashlib.sha256(data).hexdigest()
    path = blobs.path(sha)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{sha}.{os.getpid()}.part")
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    if s.get(Blob, (agency_id, sha)) is None:
        s.add(
            Blob(agency_id=agency_id, sha256=sha, size=len(data), received=len(data), complete=True)
        )
    return sha


def _record(
    s: Session,
    d: ExchangeDelivery,
    key: str,
    tables: CodeTables,
    now: datetime,
    reason: str = "",
    by: str = "",
) -> None:
    code = tables.status_code(key) if key in STATUS_KEYS else ""
    s.add(ExchangeStatus(delivery_id=d.id, key=key, code=code, reason=reason, by=by, at=now))


# --- delivering ------------------------------------------------------------------------------


def _read_package(raw: bytes, tables: CodeTables) -> tuple[ExchangedDocument, RegistrationFields]:
    try:
        message = read_message(raw)
        if not isinstance(message, ExchangedDocument):
            raise Refused(400, Refusal.EDXML_NOT_DOCUMENT)
        return message, registration_fields(message, tables)
    except errors.EdxmlProblem as problem:
        raise Refused(400, Refusal.EDXML_INVALID, problem=type(problem).__name__) from None


def deliver_from_desk(
    s: Session,
    blobs: BlobStore,
    who: Caller,
    raw: bytes,
    source_document_id: str,
    tables: CodeTables,
    now: datetime,
    outbox: ExchangeAdapter | None,
) -> dict[str, Any]:
    """A package one of the caller's desks sends: checked whole, then one item per recipient.
    Sending the same package again delivers nothing twice (each recipient answers duplicate)."""
    _clerk_only(who)
    doc, fields = _read_package(raw, tables)
    own = _organ_of_agency(s, who.agency_id)
    if doc.sender.organ_id.strip().upper() != own.organ_id.upper():
        raise Refused(403, Refusal.WRONG_SENDER, organ_id=doc.sender.organ_id)
    results = deliver(
        s,
        blobs,
        doc,
        fields,
        raw,
        tables,
        now,
        outbox,
        sender_agency_id=who.agency_id,
        source_document_id=source_document_id,
        by=who.username,
    )
    return {"document_id": doc.document_id, "recipients": results}


def deliver(
    s: Session,
    blobs: BlobStore,
    doc: ExchangedDocument,
    fields: RegistrationFields,
    raw: bytes,
    tables: CodeTables,
    now: datetime,
    outbox: ExchangeAdapter | None,
    *,
    sender_agency_id: str | None,
    source_document_id: str = "",
    by: str = "",
    only: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """One delivery per recipient organ (or only those of `only`): arrived in a server agency's
    inbox, handed to the axis for an external one; unknown organs are answered, not guessed."""
    results: list[dict[str, Any]] = []
    external = False
    raw_sha = hashlib.sha256(raw).hexdigest()
    for organ in doc.recipients:
        organ_id = organ.organ_id.strip()
        if only is not None and organ_id.upper() not in {o.upper() for o in only}:
            continue
        row = _find_organ(s, organ_id)
        if row is None:
            results.append({"organ_id": organ_id, "outcome": "unknown_recipient"})
            continue
        if row.agency_id is not None and row.agency_id == sender_agency_id:
            results.append({"organ_id": row.organ_id, "outcome": "own_agency"})
            continue
        if row.agency_id is None and outbox is None:
            results.append({"organ_id": row.organ_id, "outcome": "no_gateway"})
            continue
        existing = s.execute(
            select(ExchangeDelivery).where(
                ExchangeDelivery.recipient_organ_id == row.organ_id,
                ExchangeDelivery.document_id == doc.document_id,
            )
        ).scalar_one_or_none()
        if existing is not None:
            results.append(
                {
                    "organ_id": row.organ_id,
                    "outcome": "duplicate",
                    "delivery_id": existing.id,
                    "status": existing.status,
                }
            )
            continue
        files = []
        if row.agency_id is not None:
            for a in doc.attachments:
                sha = _keep(s, blobs, row.agency_id, a.data)
                files.append(
                    {"name": a.name, "content_type": a.content_type, "sha256": sha, "size": a.size}
                )
            _keep(s, blobs, row.agency_id, raw)
        else:
            external = True
        if sender_agency_id is not None:
            _keep(s, blobs, sender_agency_id, raw)  # the raw message stays with the sender too
        d = ExchangeDelivery(
            document_id=doc.document_id,
            sender_organ_id=doc.sender.organ_id.strip(),
            sender_agency_id=sender_agency_id,
            source_document_id=source_document_id,
            recipient_organ_id=row.organ_id,
            recipient_agency_id=row.agency_id,
            business=doc.business.kind,
            fields=fields_json(fields),
            files=files,
            raw_sha256=raw_sha,
            raw_size=len(raw),
            status=OPEN if row.agency_id is not None else SENT_OUT,
            reason="",
            registered_document_id="",
            arrived_at=now,
            updated_at=now,
        )
        s.add(d)
        s.flush()
        if row.agency_id is not None:
            _record(s, d, "arrived", tables, now, by="server")
            if doc.business.kind in ("replace", "update") and doc.business.document_id:
                _replace_earlier(s, d, doc.business.document_id, tables, now)
        else:
            _record(s, d, SENT_OUT, tables, now, by="server")  # its time, until 01 comes back
        results.append(
            {
                "organ_id": row.organ_id,
                "outcome": "delivered",
                "delivery_id": d.id,
                "status": d.status,
            }
        )
    if external and outbox is not None:
        outbox.send(raw, "package")
    return results


def _find_organ(s: Session, organ_id: str) -> ExchangeOrgan | None:
    row = s.get(ExchangeOrgan, organ_id)
    if row is None:
        row = s.execute(
            select(ExchangeOrgan).where(ExchangeOrgan.organ_id.ilike(organ_id))
        ).scalar_one_or_none()
    return row


def _replace_earlier(
    s: Session, new: ExchangeDelivery, old_document_id: str, tables: CodeTables, now: datetime
) -> None:
    """A replacement takes the earlier document out of the inbox while it is not registered."""
    old = s.execute(
        select(ExchangeDelivery).where(
            ExchangeDelivery.recipient_organ_id == new.recipient_organ_id,
            ExchangeDelivery.document_id == old_document_id,
        )
    ).scalar_one_or_none()
    if old is None:
        return
    if old.status == OPEN:
        old.status, old.reason, old.updated_at = "replaced", new.document_id, now
        _record(s, old, "recall_accepted", tables, now, reason=f"thay bằng {new.document_id}")
    else:
        _record(s, old, "recall_refused", tables, now, reason="đã tiếp nhận")


# --- the recipient's inbox and statuses ------------------------------------------------------


def _delivery_json(s: Session, d: ExchangeDelivery) -> dict[str, Any]:
    sender = _find_organ(s, d.sender_organ_id)
    return {
        "id": d.id,
        "document_id": d.document_id,
        "business": d.business,
        "sender": {
            "organ_id": d.sender_organ_id,
            "name": sender.name if sender else d.fields.get("issuer", ""),
        },
        "recipient_organ_id": d.recipient_organ_id,
        "fields": d.fields,
        "files": d.files,
        "raw_sha256": d.raw_sha256,
        "raw_size": d.raw_size,
        "status": d.status,
        "reason": d.reason,
        "registered_document_id": d.registered_document_id,
        "arrived_at": d.arrived_at.isoformat(),
        "updated_at": d.updated_at.isoformat(),
    }


def inbox(s: Session, who: Caller, since: datetime | None) -> list[dict[str, Any]]:
    """The caller's agency's items (changed after `since`, when given), oldest first. Only its
    own: another agency's item is never listed, whoever asks."""
    q = select(ExchangeDelivery).where(ExchangeDelivery.recipient_agency_id == who.agency_id)
    if since is not None:
        q = q.where(ExchangeDelivery.updated_at > since)
    rows = s.execute(q.order_by(ExchangeDelivery.arrived_at, ExchangeDelivery.id)).scalars()
    return [_delivery_json(s, d) for d in rows]


def _own_item(s: Session, who: Caller, delivery_id: str) -> ExchangeDelivery:
    d = s.get(ExchangeDelivery, delivery_id)
    if d is None or d.recipient_agency_id != who.agency_id:
        raise Refused(404, Refusal.EXCHANGE_ITEM_NOT_FOUND, id=delivery_id)  # another's: not found
    return d


def set_status(
    s: Session,
    who: Caller,
    delivery_id: str,
    key: str,
    reason: str,
    registered_document_id: str,
    tables: CodeTables,
    now: datetime,
    outbox: ExchangeAdapter | None,
    *,
    acted_at: datetime | None = None,
) -> dict[str, Any]:
    """A recipient's status on one item; repeating the current status is answered the same.

    `acted_at`: when the recipient's clerk acted (an offline desk sends it later); the status
    carries that moment, kept between the item's last change and now (a desk's clock ahead of
    the server's cannot date a status in the future, nor before what it follows)."""
    if key not in RECIPIENT_STEPS:
        raise Refused(400, Refusal.MALFORMED, field="status")
    if key in ("registered", "refused"):
        _clerk_only(who)  # receiving is the văn thư's; any role reports the handling
    if key == "refused" and reason not in REFUSAL_REASONS:
        raise Refused(400, Refusal.MALFORMED, field="reason")
    d = _own_item(s, who, delivery_id)
    if d.status == key:
        return _delivery_json(s, d)
    if d.status not in RECIPIENT_STEPS[key]:
        raise Refused(409, Refusal.EXCHANGE_STATUS_NOT_ALLOWED, status=d.status, wanted=key)
    at = now if acted_at is None else max(_last_status_at(s, d), min(acted_at, now))
    d.status, d.updated_at = key, now
    if key == "refused":
        d.reason = reason
    if key == "registered" and registered_document_id:
        d.registered_document_id = registered_document_id
    _record(s, d, key, tables, at, reason=reason, by=who.username)
    if d.sender_agency_id is None and outbox is not None:
        outbox.send(_status_message(s, d, key, reason, tables, at), "status")
    return _delivery_json(s, d)


def _last_status_at(s: Session, d: ExchangeDelivery) -> datetime:
    """When the delivery's last status was recorded: a later one is never dated before it."""
    last = s.execute(
        select(ExchangeStatus.at)
        .where(ExchangeStatus.delivery_id == d.id)
        .order_by(ExchangeStatus.at.desc())
        .limit(1)
    ).scalar_one_or_none()
    moment = last or d.arrived_at
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _status_message(
    s: Session, d: ExchangeDelivery, key: str, reason: str, tables: CodeTables, now: datetime
) -> bytes:
    from clerk_app.interchange.assessment import refusal
    from clerk_app.interchange.values import ResponseRef

    own = s.get_one(ExchangeOrgan, d.recipient_organ_id)
    receiver = Organ(own.organ_id, own.name, in_charge=own.in_charge)
    raw_doc = d.fields
    issued = raw_doc.get("issued_on")
    ref = ResponseRef(
        d.sender_organ_id,
        str(raw_doc.get("reference", "")),
        datetime.fromisoformat(issued).date() if issued else None,
        d.document_id,
    )
    if key == "refused":
        message = refusal(ref, reason, receiver=receiver, tables=tables, now=now)  # type: ignore[arg-type]
    else:
        message = status_reply(ref, key, receiver=receiver, tables=tables, now=now)  # type: ignore[arg-type]
    return write_status(message)


# --- the sender's view, recall ---------------------------------------------------------------


def sent(s: Session, who: Caller, source_document_id: str) -> list[dict[str, Any]]:
    """Per recipient of one of the caller's documents: its status now and every status so far."""
    rows = s.execute(
        select(ExchangeDelivery)
        .where(
            ExchangeDelivery.sender_agency_id == who.agency_id,
            ExchangeDelivery.source_document_id == source_document_id,
        )
        .order_by(ExchangeDelivery.arrived_at, ExchangeDelivery.recipient_organ_id)
    ).scalars()
    out = []
    for d in rows:
        organ = _find_organ(s, d.recipient_organ_id)
        history = s.execute(
            select(ExchangeStatus)
            .where(ExchangeStatus.delivery_id == d.id)
            .order_by(ExchangeStatus.id)
        ).scalars()
        out.append(
            {
                "delivery_id": d.id,
                "document_id": d.document_id,
                "organ_id": d.recipient_organ_id,
                "name": organ.name if organ else "",
                "external": d.recipient_agency_id is None,
                "status": d.status,
                "reason": d.reason,
                "sent_at": d.arrived_at.isoformat(),
                "updated_at": d.updated_at.isoformat(),
                "history": [
                    {"status": h.key, "code": h.code, "reason": h.reason, "at": h.at.isoformat()}
                    for h in history
                ],
            }
        )
    return out


def recall(
    s: Session,
    who: Caller,
    source_document_id: str,
    reason: str,
    tables: CodeTables,
    now: datetime,
    *,
    blobs: BlobStore | None = None,
    outbox: ExchangeAdapter | None = None,
    acted_at: datetime | None = None,
) -> list[dict[str, Any]]:
    """Takes a document back from every recipient that has not registered it (status 15 there);
    a recipient that registered it keeps it (16). Agencies outside the server are sent a revoke
    package (Bussiness doc type 1) through the axis, and the request is recorded (13) until
    their answer comes back through the inbox folder. `acted_at`: when the clerk asked."""
    _clerk_only(who)
    at = now if acted_at is None else min(acted_at, now)
    rows = list(
        s.execute(
            select(ExchangeDelivery).where(
                ExchangeDelivery.sender_agency_id == who.agency_id,
                ExchangeDelivery.source_document_id == source_document_id,
            )
        ).scalars()
    )
    if not rows:
        raise Refused(404, Refusal.EXCHANGE_NOT_SENT, id=source_document_id)
    out = []
    external: list[ExchangeDelivery] = []
    for d in rows:
        if d.recipient_agency_id is None:
            if d.status not in ("recalled", "replaced", "refused"):
                external.append(d)
                _record(s, d, "recall_requested", tables, at, reason=reason, by=who.username)
                d.updated_at = now
        elif d.status == OPEN:
            d.status, d.reason, d.updated_at = "recalled", reason, now
            _record(s, d, "recall_accepted", tables, at, reason=reason, by=who.username)
        elif d.status not in ("recalled", "replaced"):
            _record(s, d, "recall_refused", tables, at, reason=reason, by=who.username)
        out.append({"organ_id": d.recipient_organ_id, "status": d.status})
    if external:
        if outbox is None or blobs is None:
            raise Refused(409, Refusal.EXCHANGE_NO_GATEWAY)
        outbox.send(_revoke_package(blobs, external, reason, at), "package")
    return out


def _revoke_package(
    blobs: BlobStore, rows: Sequence[ExchangeDelivery], reason: str, at: datetime
) -> bytes:
    """The revoke of a package sent to agencies outside the server: its header as sent (the
    same DocumentId), addressed to those still holding it, no attachments, Bussiness doc type
    1 naming the document taken back and why, traced at the moment the clerk asked."""
    from dataclasses import replace

    from clerk_app.clock import to_vietnam
    from clerk_app.interchange.edxml_write import write_document
    from clerk_app.interchange.values import Business, Trace

    sent = read_message(blobs.path(rows[0].raw_sha256).read_bytes())
    if not isinstance(sent, ExchangedDocument):  # stored by deliver(): always a document
        raise Refused(500, Refusal.EXCHANGE_PACKAGE_MISSING)
    wanted = {d.recipient_organ_id.upper() for d in rows}
    revoke = replace(
        sent,
        recipients=tuple(o for o in sent.recipients if o.organ_id.strip().upper() in wanted),
        attachments=(),
        traces=(Trace(sent.sender.organ_id, to_vietnam(at).replace(microsecond=0)),),
        business=Business(kind="revoke", reason=reason, document_id=sent.document_id),
    )
    return write_document(revoke)


# --- the axis's inbox folder -----------------------------------------------------------------


def take_from_axis(
    s: Session,
    blobs: BlobStore,
    data: bytes,
    tables: CodeTables,
    now: datetime,
    outbox: ExchangeAdapter,
) -> dict[str, Any]:
    """One message the gateway dropped in the inbox folder: a package for this server's
    agencies (each checked as its recipient would: refused, duplicate or delivered, the reply
    status written back to the outbox), or a status about a package one of them sent."""
    internal = list(
        s.execute(select(ExchangeOrgan).where(ExchangeOrgan.agency_id.is_not(None))).scalars()
    )
    try:
        message = read_message(data)
    except errors.EdxmlProblem:
        message = None
    if isinstance(message, StatusMessage):
        return _status_from_axis(s, message, tables, now)
    # Unreadable: refused once, in the name of one of our agencies (whom it was for is unknown).
    targets = internal[:1]
    if isinstance(message, ExchangedDocument):
        named = {o.organ_id.strip().upper() for o in message.recipients}
        targets = [o for o in internal if o.organ_id.upper() in named] or internal[:1]
    results = []
    for row in targets:
        receiver = Organ(row.organ_id, row.name, in_charge=row.in_charge)

        def previously(document_id: str, organ_id: str = row.organ_id) -> Previously | None:
            d = s.execute(
                select(ExchangeDelivery).where(
                    ExchangeDelivery.recipient_organ_id == organ_id,
                    ExchangeDelivery.document_id == document_id,
                )
            ).scalar_one_or_none()
            if d is None:
                return None
            last = d.status if d.status in STATUS_KEYS else None
            return Previously(last_status=last)

        verdict = assess_incoming(
            data, receiver=receiver, tables=tables, now=now, previously=previously
        )
        if verdict.reply is not None:
            outbox.send(write_status(verdict.reply), "status")
        if verdict.outcome == "revoke" and verdict.document is not None:
            _revoke_from_axis(s, row.organ_id, verdict.document, tables, now)
        if verdict.outcome == "accepted" and verdict.document and verdict.fields:
            deliver(
                s,
                blobs,
                verdict.document,
                verdict.fields,
                data,
                tables,
                now,
                None,
                sender_agency_id=None,
                only=[row.organ_id],
            )
        results.append(
            {
                "organ_id": row.organ_id,
                "outcome": verdict.outcome,
                "problem": type(verdict.problem).__name__ if verdict.problem else None,
            }
        )
    return {"kind": "document", "recipients": results}


def _revoke_from_axis(
    s: Session, organ_id: str, doc: ExchangedDocument, tables: CodeTables, now: datetime
) -> None:
    """An outside sender takes its document back: out of the inbox while not registered (15,
    as the reply already says), kept once registered (16)."""
    from clerk_app.interchange.assessment import revoked_document

    d = s.execute(
        select(ExchangeDelivery).where(
            ExchangeDelivery.recipient_organ_id == organ_id,
            ExchangeDelivery.document_id == revoked_document(doc),
        )
    ).scalar_one_or_none()
    if d is None:
        return  # never arrived: nothing to take back (the reply said 15)
    by = doc.sender.organ_id
    if d.status == OPEN:
        d.status, d.reason, d.updated_at = "recalled", doc.business.reason, now
        _record(s, d, "recall_accepted", tables, now, reason=doc.business.reason, by=by)
    elif d.status not in ("recalled", "replaced", "refused"):
        _record(s, d, "recall_refused", tables, now, reason=doc.business.reason, by=by)


def _status_from_axis(
    s: Session, status: StatusMessage, tables: CodeTables, now: datetime
) -> dict[str, Any]:
    d = s.execute(
        select(ExchangeDelivery).where(
            ExchangeDelivery.document_id == status.responds_to.document_id,
            ExchangeDelivery.recipient_organ_id.ilike(status.sender.organ_id.strip()),
        )
    ).scalar_one_or_none()
    code = tables.status(status.code)
    if d is None or code is None:
        return {"kind": "status", "outcome": "unknown"}
    key: StatusKey = code.key
    if key in RECIPIENT_STEPS or key == "arrived":
        d.status = key
    if key == "recall_accepted":
        d.status = "recalled"  # the outside agency took it out of its inbox
    if key == "refused":
        d.reason = status.description
    d.updated_at = now
    _record(s, d, key, tables, now, reason=status.description, by=status.sender.organ_id)
    return {"kind": "status", "outcome": "recorded", "delivery_id": d.id, "status": key}
