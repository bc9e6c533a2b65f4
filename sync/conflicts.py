"""Sync conflicts shown to a person: both values side by side, the choice made a correction.

Reads the desk's answers and conflict rows; a choice is written only through the Workspace's
audited correction (which the outbox uploads), never straight into the document tables. The
correction and the decision (marked on the conflict row, with its audit entry) commit in one
transaction, even when the server's value is kept and nothing is corrected. No Qt, no wording.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from clerk_app import errors
from clerk_app.records import Change
from clerk_app.registration import INCOMING_CORRECTABLE, OUTGOING_CORRECTABLE
from clerk_app.storage.models import Document, OutboxEntry
from clerk_app.storage.sync_models import SyncAnswer, SyncConflict
from clerk_app.workspace import Workspace, document_fields
from sync import protocol as p
from sync.desk_store import RESOLVE_ACTION, conflict_row, mark_resolved
from sync.engine import DeskSync

DESK, SERVER = "desk", "server"
# Fields shown before the others: the ones that identify a document in law.
LEGAL_FIRST = ("reference", "issuer", "issued_on", "doc_type", "subject", "signer")


@dataclass(frozen=True)
class FieldClash:
    name: str
    desk_value: Any
    server_value: Any


@dataclass(frozen=True)
class ConflictRow:
    """One thing the server and this desk disagree on, for a person to settle.

    kind "fields": this desk's correction met another desk's change of the same legal field;
    the server kept its value (now on this desk too) and queued ours. kind "number": the
    server's row would change a number this desk already issued; only fields can be chosen.
    """

    key: str
    kind: str
    document_id: str
    reason: str
    at: datetime
    title: str
    desk_number: int | None
    server_number: int | None
    fields: tuple[FieldClash, ...]
    resolved: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "document_id": self.document_id,
            "reason": self.reason,
            "at": self.at.isoformat(),
            "title": self.title,
            "desk_number": self.desk_number,
            "server_number": self.server_number,
            "fields": [
                {"name": f.name, "desk": f.desk_value, "server": f.server_value}
                for f in self.fields
            ],
            "resolved": self.resolved,
        }


def _order(name: str) -> tuple[int, str]:
    return (LEGAL_FIRST.index(name) if name in LEGAL_FIRST else len(LEGAL_FIRST), name)


def _correctable(direction: str) -> frozenset[str]:
    return INCOMING_CORRECTABLE if direction == "incoming" else OUTGOING_CORRECTABLE


def _title(doc: Document | None, data: dict[str, Any]) -> str:
    if doc is not None:
        return f"{doc.number}/{doc.year} — {doc.subject}"
    return str(data.get("subject") or "")


def list_conflicts(desk: DeskSync, include_resolved: bool = False) -> list[ConflictRow]:
    """Open conflicts, oldest first (all of them with `include_resolved`)."""
    rows: list[ConflictRow] = []
    with desk.db.read() as s:
        answers = s.execute(
            select(SyncAnswer, OutboxEntry)
            .join(OutboxEntry, OutboxEntry.mutation_id == SyncAnswer.mutation_id)
            .where(SyncAnswer.status == p.RECONCILE, SyncAnswer.op == "correct")
            .order_by(SyncAnswer.seq)
        ).all()
        for answer, entry in answers:
            doc = s.get(Document, answer.entity_id)
            if doc is None:
                continue
            now = document_fields(doc)
            changes = json.loads(entry.payload).get("changes") or {}
            # A correction also carries the fields derived from the ones typed (issuer_key…).
            clashes = tuple(
                FieldClash(name, new, now.get(name))
                for name, (_old, new) in sorted(changes.items(), key=lambda kv: _order(kv[0]))
                if name in _correctable(doc.direction) and now.get(name) != new
            )
            rows.append(
                ConflictRow(
                    key=f"answer:{answer.mutation_id}",
                    kind="fields",
                    document_id=doc.id,
                    reason=answer.reason,
                    at=answer.answered_at,
                    title=_title(doc, now),
                    desk_number=doc.number,
                    server_number=doc.number,
                    fields=clashes,
                    resolved=answer.resolved_at is not None,
                )
            )
        for c in s.execute(select(SyncConflict).order_by(SyncConflict.id)).scalars():
            data = json.loads(c.server_data)
            doc = s.get(Document, c.entity_id)
            local = document_fields(doc) if doc is not None else {}
            allowed = _correctable(str(data.get("direction", "incoming")))
            clashes = tuple(
                FieldClash(name, local.get(name), data.get(name))
                for name in sorted(allowed, key=_order)
                if doc is not None and name in data and local.get(name) != data.get(name)
            )
            rows.append(
                ConflictRow(
                    key=f"conflict:{c.id}",
                    kind="number",
                    document_id=c.entity_id,
                    reason=c.reason,
                    at=c.at,
                    title=_title(doc, data),
                    desk_number=doc.number if doc is not None else None,
                    server_number=data.get("number"),
                    fields=clashes,
                    resolved=c.resolved_at is not None,
                )
            )
    rows.sort(key=lambda r: r.at)
    return [r for r in rows if include_resolved or not r.resolved]


def resolve(
    ws: Workspace, desk: DeskSync, key: str, choices: dict[str, str], reason: str
) -> Change:
    """Settle one conflict: each field keeps the side chosen (the server's when not named).

    A value that must change on this desk is written as an audited correction, so the outbox
    uploads it; the conflict is then marked resolved with who chose what."""
    row = next((r for r in list_conflicts(desk, include_resolved=True) if r.key == key), None)
    if row is None:
        raise errors.InvalidValue("conflict", key)
    if row.resolved:
        raise errors.InvalidValue("conflict", key, "một xung đột chưa giải quyết")
    unknown = set(choices) - {f.name for f in row.fields}
    if unknown:
        raise errors.InvalidValue("field", ", ".join(sorted(unknown)))
    for name, side in choices.items():
        if side not in (DESK, SERVER):
            raise errors.InvalidValue(name, side, f"{DESK} | {SERVER}")
    picked = {f.name: choices.get(f.name, SERVER) for f in row.fields}
    # What the document on this desk must become: in a "fields" conflict the desk already
    # holds the server's values; in a "number" conflict it holds its own.
    if row.kind == "fields":
        changes = {f.name: f.desk_value for f in row.fields if picked[f.name] == DESK}
    else:
        changes = {f.name: f.server_value for f in row.fields if picked[f.name] == SERVER}
    decision = {"choices": picked, "corrected": sorted(changes), "reason": reason}
    # The correction and the decision land together: never a correction whose conflict still
    # shows as open, nor a conflict marked settled without the value chosen.
    with ws.context.write() as tx:
        change = (
            ws.correct_within(tx, row.document_id, changes, reason)
            if changes
            else Change("correct")
        )
        target = conflict_row(tx.session, key)
        if target is None or target.resolved_at is not None:
            raise errors.InvalidValue("conflict", key, "một xung đột chưa giải quyết")
        now = desk.clock()
        mark_resolved(target, now, ws.actor, decision)
        tx.audit(
            RESOLVE_ACTION,
            "document",
            row.document_id,
            {"conflict": key, "kind": row.kind} | decision,
            at=now,
        )
    return change
