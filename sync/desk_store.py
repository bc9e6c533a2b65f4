"""The sync engine's reads and writes in the desk database; all of sync's desk-side SQL is here.

Rows made by the server (documents, registers, units of other desks) are written straight into
the desk's tables with an audit entry but no outbox entry, so nothing echoes back. A change is
never applied over a row that still has unacknowledged local changes, and an issued number is
never changed: a server row that would need that is kept as a conflict for a person.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from clerk_app.clock import to_vietnam
from clerk_app.field_rules import DAY_FIELDS, DOCUMENT_FIELDS, MOMENT_FIELDS
from clerk_app.kernel import Transaction
from clerk_app.reference_data import REGISTER_NAMES
from clerk_app.storage.journal import canonical_json
from clerk_app.storage.models import (
    DeskState,
    Document,
    DocumentFile,
    NumberVoid,
    OutboxEntry,
    Register,
    Unit,
    new_id,
)
from clerk_app.storage.sync_models import SyncAnswer, SyncConflict, SyncDraft, SyncLease, SyncLink
from clerk_app.text import fold, reference_key
from clerk_app.vocabulary import urgency_rank
from sync import protocol as p

# Every field of a document row but the ones that say which number it is.
_MUTABLE = tuple(f for f in DOCUMENT_FIELDS if f not in ("direction", "year", "number"))


def desk_identity(s: Session) -> tuple[str, str, str]:
    state = s.execute(select(DeskState)).scalar_one()
    return state.desk_id, state.station, state.agency_id


def link(s: Session) -> SyncLink | None:
    return s.get(SyncLink, 1)


# --- upload --------------------------------------------------------------------------------


def _file_row(f: DocumentFile) -> dict[str, Any]:
    return {
        "id": f.id,
        "sha256": f.sha256,
        "role": f.role,
        "filename": f.filename,
        "media_type": f.media_type,
        "size": f.size,
        "pages": f.pages,
        "parent_id": f.parent_id,
        "added_at": f.added_at.isoformat(),
    }


def file_rows(s: Session, document_id: str) -> list[dict[str, Any]]:
    rows = s.execute(select(DocumentFile).where(DocumentFile.document_id == document_id)).scalars()
    return [_file_row(f) for f in rows]


def pending_mutations(s: Session, desk_id: str, limit: int) -> list[dict[str, Any]]:
    """The next unacknowledged outbox entries in sequence order, as the server wants them.

    A batch's files, registers and leases are read in a few queries for the whole batch, not
    per mutation: after an outage a batch is 500 registrations."""
    rows = (
        s.execute(
            select(OutboxEntry)
            .where(OutboxEntry.acked_at.is_(None))
            .order_by(OutboxEntry.seq)
            .limit(limit)
        )
        .scalars()
        .all()
    )
    return as_mutations(s, desk_id, rows)


def as_mutations(s: Session, desk_id: str, rows: Sequence[OutboxEntry]) -> list[dict[str, Any]]:
    """Outbox entries in the form the server takes them (also to send answered ones again, as
    the fault campaign's replays do)."""
    doc_ids = sorted({row.entity_id for row in rows if row.entity == "document"})
    files: dict[str, list[dict[str, Any]]] = {}
    keys: dict[str, tuple[str, str, int]] = {}
    for part in (doc_ids[i : i + 500] for i in range(0, len(doc_ids), 500)):
        for f in s.execute(
            select(DocumentFile).where(DocumentFile.document_id.in_(part))
        ).scalars():
            files.setdefault(f.document_id, []).append(_file_row(f))
        for doc_id, kind, series, year in s.execute(
            select(Document.id, Register.kind, Register.series, Register.year)
            .join(Register, Document.register_id == Register.id)
            .where(Document.id.in_(part))
        ):
            keys[doc_id] = (kind, series, year)
    epochs = {
        (lease.kind, lease.series, lease.year): lease.epoch
        for lease in s.execute(
            select(SyncLease).where(SyncLease.holder_desk_id == desk_id)
        ).scalars()
    }
    out = []
    for row in rows:
        m: dict[str, Any] = {
            "seq": row.seq,
            "mutation_id": row.mutation_id,
            "at": row.at.isoformat(),
            "entity": row.entity,
            "entity_id": row.entity_id,
            "op": row.op,
            "payload": json.loads(row.payload),
        }
        if row.entity == "document":
            m["files"] = files.get(row.entity_id, [])
            if row.op in p.REGISTER_OPS and row.lease_epoch is not None:
                # The lease the number was given under, whatever the desk holds now: a lease
                # revoked and taken again since must not pass an old number as a new one.
                m["lease_epoch"] = row.lease_epoch
            elif row.op in p.REGISTER_OPS:
                # A row queued before its epoch was kept (migration 0010), or a number of the
                # desk on its own before it connected (taken up by adoption): as before, the
                # lease this desk holds for that register now.
                key = keys.get(row.entity_id)
                m["lease_epoch"] = epochs.get(key) if key is not None else None
        elif row.op == p.DRAFT_OP:
            draft = s.get(SyncDraft, row.entity_id)
            m["files"] = json.loads(draft.files) if draft else []
        out.append(m)
    return out


def record_answers(s: Session, answers: list[dict[str, Any]], now: datetime) -> None:
    """Acknowledge answered mutations; keep the ones not simply accepted for people to see."""
    ids = [str(a["mutation_id"]) for a in answers]
    entries = {
        e.mutation_id: e
        for part in (ids[i : i + 500] for i in range(0, len(ids), 500))
        for e in s.execute(select(OutboxEntry).where(OutboxEntry.mutation_id.in_(part))).scalars()
    }
    for a in answers:
        entry = entries.get(str(a["mutation_id"]))
        if entry is None or entry.acked_at is not None:
            continue
        entry.acked_at = now
        if entry.op == p.DRAFT_OP:
            draft = s.get(SyncDraft, entry.entity_id)
            if draft is not None and draft.status != "numbered":
                draft.status = {p.OK: "waiting", p.PROVISIONAL: "provisional"}.get(
                    a["status"], "rejected"
                )
                draft.reason = str(a.get("reason") or "")
        if (
            a["status"] not in (p.OK, p.PROVISIONAL)
            and s.get(SyncAnswer, entry.mutation_id) is None
        ):
            s.add(
                SyncAnswer(
                    mutation_id=entry.mutation_id,
                    seq=entry.seq,
                    op=entry.op,
                    entity_id=entry.entity_id,
                    status=str(a["status"]),
                    reason=str(a.get("reason") or "")[:60],
                    answered_at=now,
                )
            )


def pending_uploads(s: Session, limit: int) -> list[dict[str, Any]]:
    """The contents the outbox's next `limit` mutations name (those `wanted_uploads` gives for
    `pending_mutations(s, …, limit)`, in another order), read without building the mutations:
    what a round starts sending while it asks the server where the desk stands."""
    rows = s.execute(
        select(OutboxEntry.entity, OutboxEntry.entity_id, OutboxEntry.op)
        .where(OutboxEntry.acked_at.is_(None))
        .order_by(OutboxEntry.seq)
        .limit(limit)
    ).all()
    doc_ids = sorted({entity_id for entity, entity_id, _op in rows if entity == "document"})
    draft_ids = sorted(
        {entity_id for entity, entity_id, op in rows if entity != "document" and op == p.DRAFT_OP}
    )
    seen: dict[str, int] = {}
    for part in (doc_ids[i : i + 500] for i in range(0, len(doc_ids), 500)):
        for sha, size in s.execute(
            select(DocumentFile.sha256, DocumentFile.size).where(DocumentFile.document_id.in_(part))
        ):
            seen[sha] = int(size)
    for part in (draft_ids[i : i + 500] for i in range(0, len(draft_ids), 500)):
        for files in s.execute(select(SyncDraft.files).where(SyncDraft.id.in_(part))).scalars():
            for f in json.loads(files):
                seen[f["sha256"]] = int(f["size"])
    return [{"sha256": sha, "size": size} for sha, size in seen.items()]


def wanted_uploads(mutations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, int] = {}
    for m in mutations:
        for f in m.get("files") or []:
            seen[f["sha256"]] = int(f["size"])
    return [{"sha256": sha, "size": size} for sha, size in seen.items()]


# --- download ------------------------------------------------------------------------------


def _pending_entities(s: Session) -> set[str]:
    return set(
        s.execute(select(OutboxEntry.entity_id).where(OutboxEntry.acked_at.is_(None))).scalars()
    )


def _local_register(
    s: Session,
    agency_id: str,
    data: dict[str, Any],
    now: datetime,
    seen: dict[tuple[str, str, int], Register] | None = None,
) -> Register:
    """The desk's register of the server row `data`, made when missing; `seen` keeps the ones
    a page already looked up (a page of 500 documents names one or two registers)."""
    key = (
        data["direction"] if "direction" in data else data["kind"],
        data["series"],
        int(data["year"]),
    )
    if seen is not None and key in seen:
        return seen[key]
    kind, series, year = key
    reg = s.execute(
        select(Register).where(
            Register.kind == kind, Register.series == series, Register.year == year
        )
    ).scalar_one_or_none()
    if reg is None:
        reg = Register(
            id=new_id(),
            agency_id=agency_id,
            kind=kind,
            year=year,
            series=series,
            name=data.get("name") or REGISTER_NAMES[kind],
            doc_types=data.get("doc_types"),
            last_number=0,
            opened_at=now,
        )
        s.add(reg)
        s.flush()
    if seen is not None:
        seen[key] = reg
    return reg


def _value(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in MOMENT_FIELDS:
        return datetime.fromisoformat(value)
    if name in DAY_FIELDS:
        return date.fromisoformat(value)
    return value


def _derived(doc: Document) -> None:
    doc.issuer_key = fold(doc.issuer or "")
    doc.reference_key = reference_key(doc.reference) if doc.reference else ""
    doc.urgency_rank = urgency_rank(doc.urgency)
    if doc.direction == "incoming" and doc.received_at is not None:
        doc.register_date = to_vietnam(doc.received_at).date()
    elif doc.issued_on is not None:
        doc.register_date = doc.issued_on


def _conflict(s: Session, entity_id: str, reason: str, data: dict[str, Any], now: datetime) -> None:
    s.add(
        SyncConflict(entity_id=entity_id, reason=reason, server_data=canonical_json(data), at=now)
    )


def _apply_files(
    s: Session, document_id: str, files: list[dict[str, Any]], *, fresh: bool = False
) -> None:
    known = (
        set()
        if fresh  # a document just made has no files yet: nothing to look up
        else set(
            s.execute(
                select(DocumentFile.id).where(DocumentFile.document_id == document_id)
            ).scalars()
        )
    )
    # Parents before the files made from them (a rendition, a stamped or signed version): the
    # rows are inserted in the order they are added, so one flush keeps the parent first.
    for f in sorted(files, key=lambda f: (f.get("parent_id") is not None, f.get("added_at") or "")):
        if f["id"] in known:
            continue
        s.add(
            DocumentFile(
                id=f["id"],
                document_id=document_id,
                sha256=f["sha256"],
                role=f["role"],
                filename=f["filename"],
                media_type=f["media_type"],
                size=int(f["size"]),
                pages=f.get("pages"),
                parent_id=f.get("parent_id"),
                added_at=datetime.fromisoformat(f["added_at"]),
            )
        )
        known.add(f["id"])
    s.flush()


def _same(mine: Any, theirs: Any) -> bool:
    """A field of the desk's row against the server's. Times to the second: the desk keeps the
    microseconds of its own registration, its outbox (and so the server) whole seconds."""
    if isinstance(mine, datetime) and isinstance(theirs, datetime):
        return mine.replace(microsecond=0) == theirs.replace(microsecond=0)
    return bool(mine == theirs)


def _unchanged(
    s: Session, doc: Document, data: dict[str, Any], page: PageRows | None = None
) -> bool:
    """The server's row says nothing the desk's row does not already say (the desk's own
    registration coming back in the feed): applying it would only rewrite the same values."""
    if doc.revision != int(data.get("revision") or doc.revision or 1):
        return False
    if doc.status != str(data.get("status") or "registered"):
        return False
    for name in _MUTABLE:
        if name in data and not _same(getattr(doc, name), _value(name, data[name])):
            return False
    ids = {f["id"] for f in data.get("files") or []}
    if ids:
        if page is not None:
            have = page.file_ids.get(doc.id, set())
        else:
            have = set(
                s.execute(
                    select(DocumentFile.id).where(DocumentFile.document_id == doc.id)
                ).scalars()
            )
        if not ids <= have:
            return False
    return True


def _apply_document(
    tx: Transaction,
    data: dict[str, Any],
    entity_id: str,
    ident: tuple[str, str, str],
    pending: set[str],
    now: datetime,
    seen: dict[tuple[str, str, int], Register] | None = None,
    tops: dict[str, int] | None = None,
    page: PageRows | None = None,
) -> bool:
    """Write one server document into the desk; True when the desk's row changed. `tops`
    collects each register's highest number, raised once per page by the caller; `page`: the
    page's rows read beforehand."""
    s, agency_id = tx.session, ident[2]
    if data.get("number") is None:
        return False  # a draft still waiting for its number: nothing to show as registered
    if entity_id in pending:
        return False  # local changes not yet acknowledged win until the server has them
    reg = _local_register(s, agency_id, data, now, seen)
    number = int(data["number"])
    doc = page.docs.get(entity_id) if page is not None else s.get(Document, entity_id)
    if doc is not None and (doc.register_id != reg.id or doc.number != number):
        _conflict(s, entity_id, "number_differs", data, now)
        return False
    if doc is not None and _unchanged(s, doc, data, page):
        _raise_top(s, reg, number, tops)
        draft = page.drafts.get(entity_id) if page is not None else s.get(SyncDraft, entity_id)
        if draft is not None and (draft.status, draft.number) != ("numbered", number):
            draft.status, draft.number = "numbered", number
        return False
    if doc is None:
        occupant = s.execute(
            select(Document.id).where(Document.register_id == reg.id, Document.number == number)
        ).scalar_one_or_none()
        if occupant is not None:
            _conflict(s, entity_id, "number_taken_locally", data, now)
            return False
    fresh = doc is None
    if doc is None:
        doc = Document(
            id=entity_id,
            register_id=reg.id,
            direction=reg.kind,
            year=reg.year,
            number=number,
            created_at=_value("received_at", data.get("created_at")) or now,
        )
    for name in _MUTABLE:
        if name in data:
            setattr(doc, name, _value(name, data[name]))
    doc.revision = int(data.get("revision") or doc.revision or 1)
    doc.status = str(data.get("status") or "registered")
    doc.updated_at = _value("received_at", data.get("updated_at")) or now
    _derived(doc)
    if fresh:
        s.add(doc)
    s.flush()
    _apply_files(s, entity_id, list(data.get("files") or []), fresh=fresh)
    _raise_top(s, reg, number, tops)
    # The desk's one indexing path: the server's fields with the text of the document's files
    # (a desk's own scans keep their words; another desk's arrive with their contents).
    tx.index(doc)
    tx.audit(
        "sync_received" if fresh else "sync_updated",
        "document",
        entity_id,
        {"number": number, "register": reg.series, "status": doc.status},
        at=now,
    )
    draft = page.drafts.get(entity_id) if page is not None else s.get(SyncDraft, entity_id)
    if draft is not None:
        draft.status, draft.number = "numbered", number
    return True


@dataclass
class PageRows:
    """A feed page's documents, their file ids and drafts, read in a few queries before it is
    applied, not per change: a desk's own registrations coming back are mostly unchanged, and
    are checked without another read. `docs` holds the rows, so the session's identity map
    (which holds them weakly) keeps them for `Session.get`."""

    docs: dict[str, Document]
    file_ids: dict[str, set[str]]
    drafts: dict[str, SyncDraft]

    @classmethod
    def read(cls, s: Session, doc_ids: list[str]) -> PageRows:
        docs: dict[str, Document] = {}
        file_ids: dict[str, set[str]] = {}
        drafts: dict[str, SyncDraft] = {}
        ids = sorted(set(doc_ids))
        for part in (ids[i : i + 500] for i in range(0, len(ids), 500)):
            docs |= {
                d.id: d for d in s.execute(select(Document).where(Document.id.in_(part))).scalars()
            }
            for doc_id, file_id in s.execute(
                select(DocumentFile.document_id, DocumentFile.id).where(
                    DocumentFile.document_id.in_(part)
                )
            ):
                file_ids.setdefault(doc_id, set()).add(file_id)
            drafts |= {
                d.id: d
                for d in s.execute(select(SyncDraft).where(SyncDraft.id.in_(part))).scalars()
            }
        return cls(docs, file_ids, drafts)


def _raise_top(s: Session, reg: Register, number: int, tops: dict[str, int] | None) -> None:
    if tops is not None:
        tops[reg.id] = max(tops.get(reg.id, 0), number)
    elif reg.last_number < number:
        s.execute(update(Register).where(Register.id == reg.id).values(last_number=number))


def _apply_register(
    s: Session,
    data: dict[str, Any],
    ident: tuple[str, str, str],
    now: datetime,
    seen: dict[tuple[str, str, int], Register] | None = None,
) -> None:
    reg = _local_register(s, ident[2], data, now, seen)
    if data.get("doc_types") and not reg.doc_types:
        reg.doc_types = data["doc_types"]
    key = (data["kind"], data["series"], int(data["year"]))
    lease = s.get(SyncLease, key)
    if lease is None:
        lease = SyncLease(kind=key[0], series=key[1], year=key[2])
        s.add(lease)
    apply_lease(lease, data)


def apply_lease(lease: SyncLease, data: dict[str, Any]) -> None:
    """A register's lease as the server tells it (feed, answer, standing): who holds it, the
    words that tell that desk apart, and that any release this desk sent is now settled."""
    holder = data.get("lease_desk_id")
    if "lease_station" in data:
        lease.holder_station = data["lease_station"] if holder else None
    elif holder != lease.holder_desk_id:
        # An older server names no station: the one known belonged to the previous holder.
        lease.holder_station = None
    if "lease_login" in data or holder != lease.holder_desk_id:
        lease.holder_login = (data.get("lease_login") or None) if holder else None
    if "lease_granted_at" in data or holder != lease.holder_desk_id:
        since = data.get("lease_granted_at") if holder else None
        lease.held_since = datetime.fromisoformat(since) if since else None
    lease.holder_desk_id = holder
    lease.epoch = int(data.get("lease_epoch") or 0)
    lease.server_last_number = int(data.get("last_number") or 0)
    lease.release_sent_at = None


def _apply_void(
    s: Session, data: dict[str, Any], ident: tuple[str, str, str], now: datetime
) -> None:
    """A number the server recorded as never used: kept so the register shows it as a void.
    The server's counter is past it, so the desk's register is too. A void held for a revoked
    desk is `lifted` once that desk's registration of the number comes up: it goes."""
    reg = _local_register(s, ident[2], data, now)
    number = int(data["number"])
    if data.get("lifted"):
        held = s.get(NumberVoid, (reg.id, number))
        if held is not None:
            s.delete(held)
        return
    if s.get(NumberVoid, (reg.id, number)) is None:
        at = data.get("recorded_at")
        s.add(
            NumberVoid(
                register_id=reg.id,
                number=number,
                reason=str(data.get("reason") or "")[:40],
                recorded_at=datetime.fromisoformat(at) if at else now,
            )
        )
    reg.last_number = max(reg.last_number, number)


def _apply_unit(
    s: Session, data: dict[str, Any], ident: tuple[str, str, str], now: datetime
) -> None:
    if s.execute(select(Unit.id).where(Unit.code == data["code"])).first() is None:
        s.add(
            Unit(
                id=new_id(),
                agency_id=ident[2],
                code=data["code"],
                name=data["name"],
                name_folded=fold(data["name"]),
                created_at=now,
            )
        )


def apply_page(
    tx: Transaction, changes: list[dict[str, Any]], checkpoint: int, now: datetime
) -> set[str]:
    """Apply one page of the feed and move the checkpoint, in the caller's one transaction;
    returns the ids of the documents written."""
    s = tx.session
    ident = desk_identity(s)
    pending = _pending_entities(s)
    applied: set[str] = set()
    # A document's or a register's change carries its whole row: within a page only its last
    # one counts (a registration, its OCR text and the register's counter arrive as three).
    last = {
        (c["entity"], c["entity_id"]): i
        for i, c in enumerate(changes)
        if c["entity"] in ("document", "register")
    }
    seen: dict[tuple[str, str, int], Register] = {}
    tops: dict[str, int] = {}
    page = PageRows.read(s, [c["entity_id"] for c in changes if c["entity"] == "document"])
    for i, c in enumerate(changes):
        if last.get((c["entity"], c["entity_id"]), i) != i:
            continue
        if c["entity"] == "document":
            if _apply_document(
                tx, c["data"], c["entity_id"], ident, pending, now, seen, tops, page
            ):
                applied.add(c["entity_id"])
        elif c["entity"] == "register":
            _apply_register(s, c["data"], ident, now, seen)
        elif c["entity"] == "unit":
            _apply_unit(s, c["data"], ident, now)
        elif c["entity"] == "void":
            _apply_void(s, c["data"], ident, now)
    for register_id, top in tops.items():
        s.execute(
            update(Register)
            .where(Register.id == register_id, Register.last_number < top)
            .values(last_number=top)
        )
    row = s.get_one(SyncLink, 1)
    row.checkpoint = checkpoint
    return applied


def open_conflicts(s: Session) -> int:
    """Conflicts waiting for a person: number clashes and corrections queued for reconciliation
    (the two kinds sync.conflicts lists), not yet resolved."""
    clashes = s.execute(
        select(func.count()).select_from(SyncConflict).where(SyncConflict.resolved_at.is_(None))
    ).scalar_one()
    queued = s.execute(
        select(func.count())
        .select_from(SyncAnswer)
        .where(
            SyncAnswer.status == p.RECONCILE,
            SyncAnswer.op == "correct",
            SyncAnswer.resolved_at.is_(None),
        )
    ).scalar_one()
    return int(clashes) + int(queued)


def missing_contents(s: Session, have: Any) -> list[tuple[str, int]]:
    """Hashes the desk's rows name but its content store lacks (`have(sha) -> bool`)."""
    rows = s.execute(
        select(DocumentFile.sha256, func.max(DocumentFile.size)).group_by(DocumentFile.sha256)
    )
    return [(sha, int(size)) for sha, size in rows if not have(sha)]


def integrity_ok(s: Session) -> bool:
    return s.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"


# --- conflicts -----------------------------------------------------------------------------

# Where an older desk kept the choices made, keyed by conflict key; read once into the
# resolved_* columns of sync_conflict / sync_answer, then renamed (sync.side_files).
RESOLVED_FILE = "sync-conflicts-resolved.json"
RESOLVE_ACTION = "resolve_conflict"


def conflict_row(s: Session, key: str) -> SyncAnswer | SyncConflict | None:
    """The row a conflict key names: `answer:<mutation id>` or `conflict:<id>`."""
    kind, _, ident = key.partition(":")
    if kind == "answer":
        return s.get(SyncAnswer, ident)
    if kind == "conflict" and ident.isdigit():
        return s.get(SyncConflict, int(ident))
    return None


def mark_resolved(
    target: SyncAnswer | SyncConflict, at: datetime, by: str, decision: dict[str, Any]
) -> None:
    target.resolved_at = at
    target.resolved_by = by[:80]
    target.resolution = canonical_json(decision)
