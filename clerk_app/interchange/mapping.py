"""Maps exchanged documents to the desk's registration fields and back: a received package to
what the registration form is filled with, a registered outgoing document to a package. Pure:
the caller reads the workspace and passes the values in; nothing here touches storage."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from clerk_app import errors, messages
from clerk_app.clock import iso, to_vietnam
from clerk_app.interchange.codes import CodeTables
from clerk_app.interchange.values import (
    Attachment,
    Business,
    BusinessKind,
    ExchangedDocument,
    Organ,
    ResponseRef,
    Signer,
    StaffInfo,
    Trace,
    document_id_for,
)
from clerk_app.records import DocumentDetail, FileInfo, IncomingDraft
from clerk_app.text import fold
from clerk_app.vocabulary import canonical_doc_type

ELECTRONIC_CHANNEL = "Hệ thống điện tử"
# Files of a document that are never sent: the text read from a scan is the desk's own aid.
_NOT_SENT_ROLES = frozenset({"ocr_text"})
_RECIPIENT_SPLIT = re.compile(r"[;\n]+")


@dataclass(frozen=True)
class RegistrationFields:
    """What a received package fills the incoming registration form with."""

    document_id: str
    business: BusinessKind
    issuer: str  # From/OrganName
    issuer_organ_id: str
    reference: str  # CodeNumber/CodeNotation
    issued_on: date | None
    doc_type: str
    subject: str
    urgency: str  # the desk's level; «Hỏa tốc hẹn giờ» is Hỏa tốc …
    timed: bool  # … with this flag set
    urgency_time: datetime | None  # … and its time when the package gives one
    signer: str
    signer_title: str
    deadline: date | None
    pages: int | None
    has_paper: bool
    in_reply_to: tuple[str, ...]  # references of the documents it answers


def registration_fields(doc: ExchangedDocument, tables: CodeTables) -> RegistrationFields:
    """The form's values; an unknown priority code is refused rather than guessed (a Hỏa tốc
    document must not be filed as Thường)."""
    priority = tables.priority(doc.priority)
    if priority is None:
        codes = ", ".join(p.code for p in tables.priorities)
        raise errors.EdxmlBadValue("OtherInfo/Priority", doc.priority, codes)
    coded = tables.document_type_coded(doc.type_code) if doc.type_code else None
    doc_type = canonical_doc_type(doc.type_name) or (coded.name if coded else doc.type_name)
    if not doc_type:
        raise errors.EdxmlElementMissing("MessageHeader/DocumentType/TypeName")
    urgency_time = None
    if priority.timed and doc.due_on is not None and doc.due_time is not None:
        urgency_time = to_vietnam(datetime.combine(doc.due_on, doc.due_time))
    return RegistrationFields(
        document_id=doc.document_id,
        business=doc.business.kind,
        issuer=doc.sender.name,
        issuer_organ_id=doc.sender.organ_id,
        reference=doc.reference,
        issued_on=doc.promulgated_on,
        doc_type=doc_type,
        subject=doc.subject,
        urgency=priority.urgency,
        timed=priority.timed,
        urgency_time=urgency_time,
        signer=doc.signer.full_name,
        signer_title=", ".join(t for t in (doc.signer.competence, doc.signer.position) if t),
        deadline=doc.due_on,
        pages=doc.pages or None,  # 0 means "not given" to some senders
        has_paper=bool(doc.business.paper),
        in_reply_to=tuple(r.code for r in doc.responds_to if r.code),
    )


def fields_json(f: RegistrationFields) -> dict[str, Any]:
    """The form's values as plain JSON (dates in ISO 8601): what the server keeps with an item
    and the desk shows; `fields_from_json` reads it back."""
    return {
        "issuer": f.issuer,
        "issuer_organ_id": f.issuer_organ_id,
        "reference": f.reference,
        "issued_on": f.issued_on.isoformat() if f.issued_on else None,
        "doc_type": f.doc_type,
        "subject": f.subject,
        "urgency": f.urgency,
        "timed": f.timed,
        "urgency_time": iso(f.urgency_time),
        "signer": f.signer,
        "signer_title": f.signer_title,
        "deadline": f.deadline.isoformat() if f.deadline else None,
        "pages": f.pages,
        "has_paper": f.has_paper,
        "in_reply_to": list(f.in_reply_to),
    }


def fields_from_json(
    data: dict[str, Any], document_id: str, business: BusinessKind = "new"
) -> RegistrationFields:
    def day(value: Any) -> date | None:
        return date.fromisoformat(value) if value else None

    timed_at = data.get("urgency_time")
    return RegistrationFields(
        document_id=document_id,
        business=business,
        issuer=data["issuer"],
        issuer_organ_id=data["issuer_organ_id"],
        reference=data["reference"],
        issued_on=day(data.get("issued_on")),
        doc_type=data["doc_type"],
        subject=data["subject"],
        urgency=data["urgency"],
        timed=bool(data.get("timed")),
        urgency_time=datetime.fromisoformat(timed_at) if timed_at else None,
        signer=data.get("signer", ""),
        signer_title=data.get("signer_title", ""),
        deadline=day(data.get("deadline")),
        pages=data.get("pages"),
        has_paper=bool(data.get("has_paper")),
        in_reply_to=tuple(data.get("in_reply_to") or ()),
    )


def _notes(fields: RegistrationFields) -> str:
    lines = []
    if fields.timed:
        lines.append(
            messages.EXCHANGE_NOTE_TIMED.format(f"{fields.urgency_time:%H:%M %d/%m/%Y}")
            if fields.urgency_time
            else messages.EXCHANGE_NOTE_TIMED_UNKNOWN
        )
    if fields.signer:
        who = f"{fields.signer_title} {fields.signer}" if fields.signer_title else fields.signer
        lines.append(messages.EXCHANGE_NOTE_SIGNER.format(who))
    if fields.deadline:
        lines.append(messages.EXCHANGE_NOTE_DEADLINE.format(f"{fields.deadline:%d/%m/%Y}"))
    if fields.in_reply_to:
        lines.append(messages.EXCHANGE_NOTE_REPLY_TO.format(", ".join(fields.in_reply_to)))
    return "; ".join(lines)


def incoming_draft(
    fields: RegistrationFields, *, files: Sequence[Path], received_at: datetime | None
) -> IncomingDraft:
    """The desk's registration draft from the form's values and the received files."""
    return IncomingDraft(
        issuer=fields.issuer,
        reference=fields.reference,
        issued_on=fields.issued_on,
        doc_type=fields.doc_type,
        subject=fields.subject,
        urgency=fields.urgency,
        pages=fields.pages,
        has_paper=fields.has_paper,
        source_channel=ELECTRONIC_CHANNEL,
        notes=_notes(fields),
        received_at=received_at,
        files=tuple(files),
    )


# --- from a registered outgoing document --------------------------------------------------------


def files_to_send(detail: DocumentDetail) -> list[FileInfo]:
    """The newest version of each of the document's files: a signed PDF rather than the draft
    it was made from, the PDF made from a photo rather than the photo."""
    versions = [f for f in detail.files if f.role not in _NOT_SENT_ROLES]
    ids = {f.id for f in versions}
    children: dict[str, list[FileInfo]] = {}
    for f in versions:
        if f.parent_id in ids:
            children.setdefault(f.parent_id, []).append(f)

    def newest(f: FileInfo) -> FileInfo:
        later = children.get(f.id)
        return f if not later else newest(later[-1])  # files come oldest first

    # In the order the clerk attached them: the document itself first, then its annexes.
    return [newest(f) for f in versions if f.parent_id not in ids]


def _content_id(index: int, data: bytes) -> str:
    # Derived from the bytes, so exporting the same document twice gives the same package.
    digest = hashlib.sha256(index.to_bytes(4, "big") + data).digest()
    return str(uuid.UUID(bytes=digest[:16]))


def reference_parts(reference: str) -> tuple[str, str]:
    """("05", "QĐ-UBND") from "05/QĐ-UBND"; a reference without a number is all notation."""
    number, slash, notation = reference.partition("/")
    return (number.strip(), notation.strip()) if slash else ("", reference.strip())


def recipient_names(recipients: str) -> list[str]:
    """The desk's recipients text, one agency a line (or separated by semicolons)."""
    return [n.strip(" -–•.\t") for n in _RECIPIENT_SPLIT.split(recipients) if n.strip(" -–•.\t")]


def _organs(
    keys: Sequence[str], lookup: Callable[[str], Organ | None], tables: CodeTables
) -> list[Organ]:
    found = []
    for key in keys:
        organ = lookup(key)
        if organ is None:
            raise errors.OrganNotInDirectory(key, tables.organ_source)
        found.append(organ)
    return found


def organs_named(names: Sequence[str], tables: CodeTables) -> list[Organ]:
    """The directory's agencies by name (as the recipients text spells them)."""
    return _organs(names, tables.organ_named, tables)


def organs_coded(codes: Sequence[str], tables: CodeTables) -> list[Organ]:
    """The directory's agencies by exchange identifier."""
    return _organs(codes, tables.organ, tables)


def answer_ref(incoming: DocumentDetail, issuer: Organ) -> ResponseRef:
    """ResponseFor of a registered incoming document this one answers."""
    s = incoming.summary
    if s.direction != "incoming":
        raise errors.InvalidValue("answers", s.reference or s.id, "một văn bản đến")
    document_id = document_id_for(issuer.organ_id, s.issued_on, s.reference) if s.issued_on else ""
    return ResponseRef(issuer.organ_id, s.reference, s.issued_on, document_id)


def signer_position(signer: str, people: Sequence[tuple[str, str]]) -> str:
    """The title of the person named `signer` among (name, title) pairs, or ""."""
    wanted = fold(signer)
    return next((title for name, title in people if fold(name) == wanted), "")


def outgoing_document(
    detail: DocumentDetail,
    *,
    sender: Organ,
    recipients: Sequence[Organ],
    files: Sequence[tuple[FileInfo, bytes]],
    tables: CodeTables,
    now: datetime,
    position: str = "",
    answers: Sequence[ResponseRef] = (),
    due_on: date | None = None,
    place: str = "",
    staff: StaffInfo | None = None,
) -> ExchangedDocument:
    """The package for a registered outgoing document (without its raw bytes: write it)."""
    s = detail.summary
    if s.direction != "outgoing":
        raise errors.NotExportable(s.id, "incoming")
    if s.status == "cancelled":
        raise errors.NotExportable(s.id, "cancelled")
    if not files:
        raise errors.NotExportable(s.id, "no_file")
    if not recipients:
        raise errors.MissingField("recipients")
    if s.issued_on is None:
        raise errors.MissingField("issued_on")
    number, notation = reference_parts(s.reference)
    coded = tables.document_type_named(s.doc_type)
    pages = detail.fields.get("pages")
    if not isinstance(pages, int):
        counted = [f.pages for f, _ in files if f.media_type == "application/pdf"]
        pages = counted[0] if counted and counted[0] else None
    copies = detail.fields.get("copies")
    attachments = tuple(
        Attachment(
            name=info.filename,
            content_type=info.media_type or "application/octet-stream",
            content_id=_content_id(i, data),
            description=(
                messages.EXCHANGE_ATTACHMENT_MAIN if i == 0 else messages.EXCHANGE_ATTACHMENT_OTHER
            ),
            data=data,
        )
        for i, (info, data) in enumerate(files)
    )
    return ExchangedDocument(
        document_id=document_id_for(sender.organ_id, s.issued_on, s.reference),
        sender=sender,
        recipients=tuple(recipients),
        number=number,
        notation=notation,
        promulgated_on=s.issued_on,
        type_name=s.doc_type,
        type_code=coded.code if coded else "",
        type_detail=coded.detail if coded else "",
        subject=s.subject,
        place=place,
        signer=Signer(full_name=s.signer, position=position),
        due_on=due_on,
        to_places=tuple(recipient_names(s.recipients)),
        priority=tables.priority_for(s.urgency).code,
        copies=copies if isinstance(copies, int) else None,
        pages=pages,
        responds_to=tuple(answers),
        traces=(Trace(sender.organ_id, to_vietnam(now).replace(microsecond=0)),),
        business=Business(
            kind="new",
            paper=not bool(detail.fields.get("electronic_only")),
            staff=staff,
        ),
        attachments=attachments,
    )


class DocumentSource(Protocol):
    """What `package_of` reads of the workspace (an open Workspace is one)."""

    def document(self, document_id: str) -> DocumentDetail: ...

    def file_bytes(self, sha256: str) -> bytes: ...

    def people(self) -> Sequence[Any]: ...

    def now_in_vietnam(self) -> datetime: ...


def package_of(
    ws: DocumentSource,
    detail: DocumentDetail,
    *,
    sender: Organ,
    recipients: Sequence[Organ],
    tables: CodeTables,
    answers: Sequence[ResponseRef] = (),
    due_on: date | None = None,
    place: str = "",
    now: datetime | None = None,
) -> ExchangedDocument:
    """The package of a registered outgoing document, its newest files read from `ws`.

    `now`: the moment the clerk sent it (its TraceHeader's time); a package written later,
    from an offline desk's queue, still says when it was sent, not when it was written."""
    files = [(f, ws.file_bytes(f.sha256)) for f in files_to_send(detail)]
    people = [(p.full_name, p.title) for p in ws.people()]
    return outgoing_document(
        detail,
        sender=sender,
        recipients=recipients,
        files=files,
        tables=tables,
        now=ws.now_in_vietnam() if now is None else to_vietnam(now),
        position=signer_position(detail.summary.signer, people),
        answers=answers,
        due_on=due_on,
        place=place,
    )
