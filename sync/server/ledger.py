"""The server's registers: applying uploaded mutations exactly once, numbering, leases, the feed.

Every write of an agency first locks the agency row (SELECT … FOR UPDATE; SQLite serialises
writers at BEGIN IMMEDIATE), so feed versions are handed out in commit order and a desk reading
the feed never skips a change committed late. Numbers come from the row-locked counter of the
register in the same transaction that stores the document. No HTTP here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session

from clerk_app.field_rules import DEFAULT_SERIES, DOCUMENT_RULES, FILE_RULES
from clerk_app.refusals import Refusal
from sync import protocol as p
from sync.server import mutation_check
from sync.server.accounts import Caller
from sync.server.blobs import SHA256
from sync.server.models import (
    Agency,
    AppliedMutation,
    Blob,
    Change,
    Desk,
    NumberVoid,
    Reconciliation,
    RefusedMutation,
    RegisterCounter,
    ServerDocument,
    Unit,
)
from sync.server.refusals import Refused

# Other desks registered in a leased register within this time (among its last numbers): they are
# busy, so its holder keeps numbers ceded ahead for them (DESIGN.md, «Numbering online and offline»).
RECENT_DEMAND = timedelta(minutes=15)
RECENT_NUMBERS = 50
# The void reason of a number a forced revocation held for the revoked desk.
HELD_FOR_REVOKED = "held_for_revoked"
EXCERPT_CHARS = 4000


def kept_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The document fields a desk sent that the server keeps and passes on; anything else a
    desk adds is dropped here, so it never reaches another desk."""
    return {k: v for k, v in fields.items() if k in DOCUMENT_RULES}


class Malformed(Exception):
    """A mutation whose payload breaks a rule only the ledger can check (it needs the document)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__(problems)
        self.problems = problems


@dataclass
class Answer:
    status: str
    reason: str = ""
    result: dict[str, Any] | None = None

    def as_dict(self, seq: int, mutation_id: str) -> dict[str, Any]:
        return {
            "seq": seq,
            "mutation_id": mutation_id,
            "status": self.status,
            "reason": self.reason,
            **(self.result or {}),
        }


def lock_agency(s: Session, agency_id: str) -> Agency:
    return s.execute(select(Agency).where(Agency.id == agency_id).with_for_update()).scalar_one()


def emit(s: Session, agency: Agency, entity: str, entity_id: str, data: dict[str, Any]) -> int:
    agency.last_version += 1
    # Written at once, in the transaction (and savepoint) of the caller, without the ORM: a
    # feed row is never read back or changed in the transaction that writes it, and tracking
    # it for the next flush cost more than the rest of a registration's rows.
    s.connection().execute(
        insert(Change),
        {
            "agency_id": agency.id,
            "version": agency.last_version,
            "entity": entity,
            "entity_id": entity_id,
            "data": data,
        },
    )
    return agency.last_version


def counter_for(
    s: Session, agency_id: str, kind: str, series: str, year: int, *, create: bool = True
) -> RegisterCounter | None:
    held = _held(s)
    key = (agency_id, kind, series, year)
    if held is not None:
        known = held.counters.get(key)
        if known is not None and inspect(known).persistent:
            return known  # locked earlier in this transaction (the agency row is locked too)
    query = (
        select(RegisterCounter)
        .where(
            RegisterCounter.agency_id == agency_id,
            RegisterCounter.kind == kind,
            RegisterCounter.series == series,
            RegisterCounter.year == year,
        )
        .with_for_update()
    )
    counter = s.execute(query).scalar_one_or_none()
    if counter is None and create:
        counter = RegisterCounter(
            agency_id=agency_id, kind=kind, series=series, year=year, last_number=0, lease_epoch=0
        )
        s.add(counter)
        s.flush()
    if held is not None and counter is not None:
        held.counters[key] = counter
    return counter


def counter_data(c: RegisterCounter) -> dict[str, Any]:
    # The holder's station rides along so every desk can name who numbers offline, not only
    # the one refused with `lease_held`; desks of before the field ignore it.
    # So do the login that connected it and since when it holds the lease: two computers may
    # share a station name («Văn thư»).
    session = object_session(c)
    holder = session.get(Desk, c.lease_desk_id) if session and c.lease_desk_id else None
    since = c.lease_granted_at if holder else None
    return {
        "kind": c.kind,
        "series": c.series,
        "year": c.year,
        "name": c.name,
        "doc_types": c.doc_types,
        "last_number": c.last_number,
        "lease_desk_id": c.lease_desk_id,
        "lease_station": holder.station if holder else "",
        "lease_login": (holder.login or "") if holder else "",
        "lease_granted_at": since.isoformat() if since else None,
        "lease_epoch": c.lease_epoch,
        "ceded_through": c.ceded_through,
    }


def document_data(doc: ServerDocument, counter: RegisterCounter) -> dict[str, Any]:
    return dict(doc.data) | {
        "number": doc.number,
        "status": doc.status,
        "direction": counter.kind,
        "year": counter.year,
        "series": counter.series,
    }


def _emit_document(s: Session, agency: Agency, doc: ServerDocument) -> None:
    counter = s.get_one(RegisterCounter, doc.counter_id)
    held = _held(s)
    if held is not None:
        held.kept.add(counter)  # read, not locked: kept only so it is not read again
    emit(s, agency, "document", doc.id, document_data(doc, counter))


# --- upload --------------------------------------------------------------------------------

_HELD = "clerk.ledger.batch"


class _Batch:
    """What applying one batch keeps between its mutations, so the ORM does not load again
    what it just wrote (a session's identity map holds rows weakly: a document registered by
    one mutation and given its OCR text by the next was read back from the database).

    `documents`: every document the batch names, read in one query, held until the batch is
    committed; `absent`: the ids none of them has (until a mutation of the batch creates it);
    `counters`: the register counters locked in this transaction. Only a cache: a row written
    in a savepoint rolled back is no longer persistent and is read again (`forget` drops
    the counters, whose row locks PostgreSQL releases with the savepoint)."""

    def __init__(self, s: Session, agency_id: str, mutations: list[dict[str, Any]]) -> None:
        # Read before the mutations are checked: only ids the check could let through (an id
        # with a NUL, say, is refused by PostgreSQL; it never reaches a lookup here).
        ids = sorted(
            {m["entity_id"] for m in mutations if mutation_check.is_id(m.get("entity_id"))}
        )
        self.documents: dict[str, ServerDocument] = {}
        for at in range(0, len(ids), 500):
            rows = s.execute(
                select(ServerDocument).where(ServerDocument.id.in_(ids[at : at + 500]))
            ).scalars()
            self.documents.update((d.id, d) for d in rows)
        self.absent = set(ids) - set(self.documents)
        self.counters: dict[tuple[str, str, str, int], RegisterCounter] = {}
        self.kept: set[RegisterCounter] = set()

    def created(self, doc: ServerDocument) -> None:
        self.documents[doc.id] = doc
        self.absent.discard(doc.id)

    def forget(self) -> None:
        self.counters.clear()


def _held(s: Session) -> _Batch | None:
    held = s.info.get(_HELD)
    return held if isinstance(held, _Batch) else None


def _document(s: Session, doc_id: str) -> ServerDocument | None:
    """The document with this id, or None; from the batch's read when one is being applied."""
    held = _held(s)
    if held is not None and doc_id in held.absent:
        return None
    return s.get(ServerDocument, doc_id)


def _created(s: Session, doc: ServerDocument) -> None:
    held = _held(s)
    if held is not None:
        held.created(doc)


def upload(
    s: Session, caller: Caller, mutations: list[dict[str, Any]], now: datetime
) -> dict[str, Any]:
    """Apply a desk's batch in sequence order, each mutation once, answering each one."""
    agency = lock_agency(s, caller.agency_id)
    desk = s.execute(select(Desk).where(Desk.id == caller.desk_id).with_for_update()).scalar_one()
    desk.last_seen_at = now
    _refuse_reused_ids(s, desk, mutations)
    answers: list[dict[str, Any]] = []
    on_server = _complete_blobs(s, agency.id, mutations)
    s.info[_HELD] = _Batch(s, agency.id, mutations)
    try:
        return _upload(s, caller, agency, desk, mutations, on_server, answers, now)
    finally:
        s.info.pop(_HELD, None)


def _refuse_reused_ids(s: Session, desk: Desk, mutations: list[dict[str, Any]]) -> None:
    """Refuse the batch when a mutation new to the server names an id already applied (by any
    desk) or twice in the batch: the id is what the server keys its answers by, so it cannot
    be recorded twice (that was an integrity error at commit, a 500 for the whole batch)."""
    fresh = [str(m["mutation_id"]) for m in mutations if int(m["seq"]) > desk.last_applied_seq]
    reused = {i for i in fresh if fresh.count(i) > 1}
    if fresh:
        applied = select(AppliedMutation.mutation_id).where(
            AppliedMutation.mutation_id.in_(set(fresh))
        )
        reused.update(s.execute(applied).scalars())
    if reused:
        raise Refused(409, Refusal.MUTATION_ID_REUSED, mutation_id=min(reused))


def _upload(
    s: Session,
    caller: Caller,
    agency: Agency,
    desk: Desk,
    mutations: list[dict[str, Any]],
    on_server: dict[str, int],
    answers: list[dict[str, Any]],
    now: datetime,
) -> dict[str, Any]:
    # The answers are written together after the loop (one INSERT for the batch, the desk's
    # row updated once), not flushed by each mutation's savepoint; `last` stands for the
    # desk's last applied sequence meanwhile.
    last = desk.last_applied_seq
    recorded: dict[int, AppliedMutation] = {}
    for m in sorted(mutations, key=lambda m: m["seq"]):
        seq, mutation_id = int(m["seq"]), str(m["mutation_id"])
        if seq <= last:
            # Delivered before (the desk lost our answer): the same answer again, nothing redone.
            old = (
                recorded.get(seq)
                or s.execute(
                    select(AppliedMutation).where(
                        AppliedMutation.desk_id == desk.id, AppliedMutation.seq == seq
                    )
                ).scalar_one_or_none()
            )
            if old is None or old.mutation_id != mutation_id:
                answers.append(
                    Answer(p.REJECTED, Refusal.SEQUENCE_REUSED).as_dict(seq, mutation_id)
                )
            else:
                answers.append(
                    Answer(old.status, old.reason, dict(old.result) | {"repeated": True}).as_dict(
                        seq, mutation_id
                    )
                )
            continue
        if seq != last + 1:
            raise Refused(409, Refusal.SEQUENCE_GAP, expected=last + 1, got=seq)
        verdict = mutation_check.check(m, caller.role) or _files_missing(on_server, m)
        if verdict is None:
            try:
                with s.begin_nested():
                    answer = _apply(s, agency, caller, m, now)
            except Malformed as exc:
                _forget(s)
                verdict = mutation_check.Verdict(mutation_check.INVALID, exc.problems)
            except (KeyError, ValueError, TypeError) as exc:
                _forget(s)
                # A shape the checks above let through: still refused alone, and recorded.
                verdict = mutation_check.Verdict(
                    mutation_check.INVALID, [("payload", type(exc).__name__)]
                )
            except IntegrityError:
                _forget(s)
                # The unique constraint caught what the counter should have prevented.
                answer = Answer(p.RECONCILE, Refusal.NUMBER_TAKEN)
                _queue(s, caller, m, Refusal.NUMBER_TAKEN, now)
        if verdict is not None:
            answer = Answer(p.REJECTED, verdict.reason, verdict.as_result())
            _record_refusal(s, caller, m, verdict, now)
        recorded[seq] = AppliedMutation(
            mutation_id=mutation_id,
            desk_id=desk.id,
            agency_id=agency.id,
            seq=seq,
            op=str(m.get("op", ""))[:60],
            status=answer.status,
            reason=answer.reason,
            result=answer.result or {},
            applied_at=now,
        )
        last = seq
        answers.append(answer.as_dict(seq, mutation_id))
    s.add_all(recorded.values())
    desk.last_applied_seq = last
    return {"results": answers, "last_applied_seq": desk.last_applied_seq}


def _forget(s: Session) -> None:
    held = _held(s)
    if held is not None:
        held.forget()


def _complete_blobs(s: Session, agency_id: str, mutations: list[dict[str, Any]]) -> dict[str, int]:
    """The size of each content the batch's file entries name that this agency has completely
    uploaded, in one query per few hundred (not one lookup per file, each flushing what the
    mutations before it wrote). Entries not yet checked are only read here, never trusted."""
    shas = sorted(
        {
            f["sha256"]
            for m in mutations
            if isinstance(m.get("files"), list)
            for f in m["files"]
            if isinstance(f, dict)
            and isinstance(f.get("sha256"), str)
            and SHA256.match(f["sha256"])
        }
    )
    found: dict[str, int] = {}
    for at in range(0, len(shas), 500):
        rows = s.execute(
            select(Blob.sha256, Blob.size).where(
                Blob.agency_id == agency_id, Blob.sha256.in_(shas[at : at + 500]), Blob.complete
            )
        )
        found.update((sha, size) for sha, size in rows)
    return found


def _files_missing(on_server: dict[str, int], m: dict[str, Any]) -> mutation_check.Verdict | None:
    """A file entry naming content this agency has not completely uploaded (or with another
    size) would make every other desk fail to fetch it: the mutation is refused instead."""
    if m.get("op") not in mutation_check.FILE_OPS and m.get("entity") != "document":
        return None
    missing = []
    for f in m.get("files") or []:
        if on_server.get(f["sha256"]) != f["size"]:
            missing.append((f"files.{f['sha256']}", "not_on_server"))
    return mutation_check.Verdict(mutation_check.FILE_MISSING, missing) if missing else None


def _record_refusal(
    s: Session, caller: Caller, m: dict[str, Any], verdict: mutation_check.Verdict, now: datetime
) -> None:
    s.add(
        RefusedMutation(
            agency_id=caller.agency_id,
            desk_id=caller.desk_id,
            username=caller.username,
            mutation_id=str(m["mutation_id"])[:36],
            seq=int(m["seq"]),
            op=str(m.get("op"))[:60],
            reason=verdict.reason,
            problems=[list(x) for x in verdict.problems[: mutation_check.MAX_PROBLEMS]],
            excerpt=json.dumps(m, ensure_ascii=False, default=str)[:EXCERPT_CHARS],
            created_at=now,
        )
    )


def refused_mutations(s: Session, agency_id: str | None, limit: int) -> list[dict[str, Any]]:
    """The latest refused mutations, newest first, for the administrator."""
    query = select(RefusedMutation, Agency.code).join(
        Agency, Agency.id == RefusedMutation.agency_id
    )
    if agency_id is not None:
        query = query.where(RefusedMutation.agency_id == agency_id)
    rows = s.execute(query.order_by(RefusedMutation.created_at.desc()).limit(limit)).all()
    return [
        {
            "at": r.created_at.isoformat(),
            "agency": code,
            "desk_id": r.desk_id,
            "username": r.username,
            "seq": r.seq,
            "mutation_id": r.mutation_id,
            "op": r.op,
            "reason": r.reason,
            "problems": r.problems,
        }
        for r, code in rows
    ]


def _queue(s: Session, caller: Caller, m: dict[str, Any], reason: str, now: datetime) -> None:
    s.add(
        Reconciliation(
            agency_id=caller.agency_id,
            desk_id=caller.desk_id,
            mutation_id=str(m["mutation_id"]),
            reason=reason,
            payload=m,
            created_at=now,
        )
    )


def _apply(s: Session, agency: Agency, caller: Caller, m: dict[str, Any], now: datetime) -> Answer:
    op = m["op"]
    payload = m["payload"]
    if not isinstance(payload, dict):
        raise Malformed([("payload", "not_an_object")])
    if op in p.REGISTER_OPS:
        return _register(s, agency, caller, m, payload, now)
    if op == p.DRAFT_OP:
        return _draft(s, agency, caller, m, payload, now)
    if op == p.CEDE_OP:
        return _cede(s, agency, caller, m, payload)
    if op in p.DOCUMENT_OPS:
        return _document_op(s, agency, caller, m, payload, now)
    if op == "add_unit":
        return _unit(s, agency, payload)
    if op == "open_register":
        counter = counter_for(
            s, agency.id, payload["kind"], payload["series"], int(payload["year"])
        )
        assert counter is not None
        if not counter.name:
            counter.name = str(payload.get("name") or "")
            counter.doc_types = payload.get("doc_types")
            emit(s, agency, "register", counter.id, counter_data(counter))
        return Answer(p.OK)
    if op in p.DESK_ONLY_OPS:
        return Answer(p.OK)
    if m.get("entity") == "document":
        # Other areas of the desk add document ops (OCR text, …); what the server must keep
        # of them is the document's files, which every document mutation carries.
        return _document_op(s, agency, caller, m, payload, now)
    # Records of areas the server does not hold yet stay on the desk that made them.
    return Answer(p.OK, Refusal.KEPT_ON_DESK, {"op": str(op)[:60]})


def _files(m: dict[str, Any]) -> list[dict[str, Any]]:
    """The file entries of a mutation (checked by mutation_check), with only the keys kept."""
    return [{k: v for k, v in f.items() if k in FILE_RULES} for f in m.get("files") or []]


def _merge_files(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen = {f["id"]: f for f in old}
    for f in new:
        seen.setdefault(f["id"], f)
    return sorted(seen.values(), key=lambda f: (f.get("added_at") or "", f["id"]))


def clock_flag(m: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The fields that flag a record made by a desk whose clock was wrong, or nothing.

    The desk sends the skew it measured; a record dated after the server's own time is also
    flagged, since no desk can have made it in the future."""
    skew = m.get(p.CLOCK_SKEW_FIELD)
    skew = int(skew) if isinstance(skew, int | float) and not isinstance(skew, bool) else 0
    at = m.get("at")
    if isinstance(at, str):
        try:
            ahead = (datetime.fromisoformat(at) - now).total_seconds()
        except (ValueError, TypeError):
            ahead = 0.0
        if ahead > p.CLOCK_SKEW_TOLERANCE_S and abs(skew) <= p.CLOCK_SKEW_TOLERANCE_S:
            skew = int(ahead)
    if abs(skew) <= p.CLOCK_SKEW_TOLERANCE_S:
        return {}
    return {p.CLOCK_SKEW_FIELD: skew, "server_received_at": now.isoformat()}


def _register(
    s: Session,
    agency: Agency,
    caller: Caller,
    m: dict[str, Any],
    payload: dict[str, Any],
    now: datetime,
) -> Answer:
    """A number the desk gave under its lease: accepted only if the lease is current and the
    number is the next one; otherwise queued for a person, never merged silently."""
    kind = "incoming" if m["op"] == "register_incoming" else "outgoing"
    year, number = int(payload["year"]), int(payload["number"])
    series = str(payload.get("register") or DEFAULT_SERIES)
    doc_id = str(m["entity_id"])
    if _document(s, doc_id) is not None:
        return Answer(p.REJECTED, Refusal.DOCUMENT_EXISTS, {"document_id": doc_id})
    counter = counter_for(s, agency.id, kind, series, year)
    assert counter is not None
    # The epoch of the lease the desk gave the number under (kept on its outbox row since it
    # was given). Epochs only go up, and each is given to one desk at most: the lease history
    # of a register is its epochs in order, and the counter holds its head. So a number is
    # taken only under the epoch the caller holds now; under one it held before (revoked,
    # handed over, released, even if taken again since) or never held, it is `lease_revoked`.
    epoch = m.get("lease_epoch")
    reason = ""
    filled = False
    if epoch is None:
        reason = Refusal.NO_LEASE
    elif counter.lease_desk_id != caller.desk_id or int(epoch) != counter.lease_epoch:
        # A number the revocation held for this desk (it named it as maybe on paper here) is
        # this desk's to fill; any other is stale.
        filled = _fill_held(s, caller, counter, number, epoch)
        reason = "" if filled else Refusal.LEASE_REVOKED
    elif counter.last_number < counter.ceded_through and number == counter.ceded_through + 1:
        # The holder numbered offline past the numbers it had ceded: the ones nobody used
        # were never given, and never will be (the holder is already past them).
        _void_unused_ceded(s, agency, counter, now)
    elif number != counter.last_number + 1 or number <= counter.ceded_through:
        reason = Refusal.NUMBER_OUT_OF_SEQUENCE
    if reason:
        _queue(s, caller, m, reason, now)
        return Answer(
            p.RECONCILE,
            reason,
            {"document_id": doc_id, "number": number, "server_last_number": counter.last_number}
            | _epochs(epoch, counter),
        )
    if filled:
        _emit_void(s, agency, counter, number, {"lifted": True})
    counter.last_number = max(counter.last_number, number)
    flag = clock_flag(m, now)
    data = kept_fields(payload) | flag
    doc = ServerDocument(
        id=doc_id,
        agency_id=agency.id,
        counter_id=counter.id,
        number=number,
        status=str(payload.get("status") or "registered"),
        origin_desk_id=caller.desk_id,
        data=data | {"files": _files(m)},
        # The version of the change emitted just below. No flush here: the savepoint's
        # release writes the row, and a number already taken fails there, inside it.
        version=agency.last_version + 1,
        received_seq=agency.last_version + 1,
        created_at=now,
    )
    s.add(doc)
    _created(s, doc)
    _emit_document(s, agency, doc)
    emit(s, agency, "register", counter.id, counter_data(counter))
    return Answer(p.OK, "", {"document_id": doc_id, "number": number} | flag)


def _epochs(epoch: Any, counter: RegisterCounter) -> dict[str, Any]:
    """In a stale-lease refusal: the epoch the number was given under and the current one."""
    return {} if epoch is None else {"lease_epoch": epoch, "current_epoch": counter.lease_epoch}


def _pick_series(s: Session, agency_id: str, kind: str, year: int, doc_type: str) -> str:
    from clerk_app.numbering import RESERVED_SERIES, reserved_series_for

    if kind == "outgoing":
        reserved = reserved_series_for(doc_type, False)  # copies: their own series
        if reserved is not None:
            return reserved
        rows = s.execute(
            select(RegisterCounter).where(
                RegisterCounter.agency_id == agency_id,
                RegisterCounter.kind == kind,
                RegisterCounter.year == year,
            )
        ).scalars()
        for c in rows:
            # The QPPL series takes documents by their property (the desk names it), never by type.
            if c.series not in RESERVED_SERIES and c.doc_types and doc_type in c.doc_types:
                return c.series
    return DEFAULT_SERIES


def _draft(
    s: Session,
    agency: Agency,
    caller: Caller,
    m: dict[str, Any],
    payload: dict[str, Any],
    now: datetime,
) -> Answer:
    """A provisional draft: numbered now, or kept waiting while another desk holds the lease."""
    kind = payload["direction"]
    fields = kept_fields(payload["fields"])  # checked whole by mutation_check
    year = int(payload["year"])
    series = str(
        payload.get("series") or _pick_series(s, agency.id, kind, year, fields["doc_type"])
    )
    doc_id = str(m["entity_id"])
    if _document(s, doc_id) is not None:
        return Answer(p.REJECTED, Refusal.DOCUMENT_EXISTS, {"document_id": doc_id})
    counter = counter_for(s, agency.id, kind, series, year)
    assert counter is not None
    flag = clock_flag(m, now)
    doc = ServerDocument(
        id=doc_id,
        agency_id=agency.id,
        counter_id=counter.id,
        number=None,
        status="provisional",
        origin_desk_id=caller.desk_id,
        data=dict(fields) | {"files": _files(m), "created_at": payload.get("created_at")} | flag,
        version=0,
        # Drafts are numbered in this order, the server's receipt, never by the desk's clock.
        received_seq=agency.last_version + 1,
        created_at=now,
    )
    s.add(doc)
    s.flush()
    _created(s, doc)
    if not _may_number_online(counter):
        _emit_document(s, agency, doc)
        return Answer(p.PROVISIONAL, Refusal.REGISTER_LEASED, {"document_id": doc_id} | flag)
    _number(s, agency, counter, doc)
    return Answer(p.OK, "", {"document_id": doc_id, "number": doc.number} | flag)


def _number(s: Session, agency: Agency, counter: RegisterCounter, doc: ServerDocument) -> None:
    """Give a waiting draft the next number of its register (the caller holds the row lock)."""
    counter.last_number += 1
    doc.number = counter.last_number
    doc.status = "registered"
    data = dict(doc.data)
    data["number"] = doc.number
    if counter.kind == "outgoing":
        from clerk_app.numbering import QPPL_SERIES, compose_reference
        from clerk_app.text import reference_key

        data["reference"] = compose_reference(
            doc.number,
            data["doc_type"],
            agency.code,
            data.get("unit_code") or "",
            year=counter.year,
            qppl=counter.series == QPPL_SERIES,
        )
        data["reference_key"] = reference_key(data["reference"])
        data["issuer"] = agency.name
    doc.data = data
    s.flush()
    _emit_document(s, agency, doc)
    emit(s, agency, "register", counter.id, counter_data(counter))


def _may_number_online(counter: RegisterCounter) -> bool:
    """Whether the server may issue the register's next number now: always while no desk holds
    its lease; under a lease only a number the holder has ceded, since the holder may number
    offline any number it has not (DESIGN.md, «Numbering online and offline»)."""
    return counter.lease_desk_id is None or counter.last_number < counter.ceded_through


def _number_waiting(s: Session, agency: Agency, counter: RegisterCounter) -> int:
    """Number the register's waiting drafts in order of receipt, as far as it may be numbered."""
    waiting = (
        s.execute(
            select(ServerDocument)
            .where(ServerDocument.counter_id == counter.id, ServerDocument.number.is_(None))
            .order_by(ServerDocument.received_seq)
        )
        .scalars()
        .all()
    )
    numbered = 0
    for doc in waiting:
        if not _may_number_online(counter):
            break
        _number(s, agency, counter, doc)
        numbered += 1
    return numbered


def _cede(
    s: Session, agency: Agency, caller: Caller, m: dict[str, Any], payload: dict[str, Any]
) -> Answer:
    """The lease holder gives up numbers up to `through`: it raised its own counter past them
    in the transaction that queued this mutation, so the server may issue them online. From
    any desk but the current holder it changes nothing (a lease moved meanwhile)."""
    counter = counter_for(
        s, agency.id, payload["kind"], str(payload["series"]), int(payload["year"])
    )
    assert counter is not None
    if counter.lease_desk_id != caller.desk_id or int(payload["epoch"]) != counter.lease_epoch:
        return Answer(p.OK, "not_holder", {"ceded_through": counter.ceded_through})
    through = int(payload["through"])
    if through > counter.ceded_through:
        counter.ceded_through = through
        numbered = _number_waiting(s, agency, counter)
        if not numbered:
            emit(s, agency, "register", counter.id, counter_data(counter))
    return Answer(p.OK, "", {"ceded_through": counter.ceded_through})


def _void_unused_ceded(s: Session, agency: Agency, counter: RegisterCounter, now: datetime) -> None:
    """Record the ceded numbers nobody used as voids and move the counter past them."""
    _record_voids(s, agency, counter, counter.ceded_through, "ceded_unused", now)


def _record_voids(
    s: Session,
    agency: Agency,
    counter: RegisterCounter,
    through: int,
    reason: str,
    now: datetime,
    held: tuple[str, int] | None = None,
) -> None:
    """Record the numbers after the register's last up to `through` as voids (`held`: for the
    desk and lease epoch they may already be on paper at) and move the counter past them."""
    for number in range(counter.last_number + 1, through + 1):
        s.add(
            NumberVoid(
                agency_id=agency.id,
                counter_id=counter.id,
                number=number,
                reason=reason,
                created_at=now,
                held_for_desk_id=held[0] if held else None,
                held_epoch=held[1] if held else None,
            )
        )
        _emit_void(s, agency, counter, number, {"reason": reason, "recorded_at": now.isoformat()})
    counter.last_number = max(counter.last_number, through)


def _emit_void(
    s: Session, agency: Agency, counter: RegisterCounter, number: int, data: dict[str, Any]
) -> None:
    """A void recorded (or, `lifted`, filled by the desk it was held for) on the feed."""
    emit(
        s,
        agency,
        "void",
        f"{counter.id[:24]}-{number}",
        {"kind": counter.kind, "series": counter.series, "year": counter.year, "number": number}
        | data,
    )


def _fill_held(
    s: Session, caller: Caller, counter: RegisterCounter, number: int, epoch: Any
) -> bool:
    """Whether `number`, given offline under a lease since revoked, is one the revocation held
    for this desk and epoch: then it is this desk's to fill, and the void goes."""
    if epoch is None:
        return False
    held = s.execute(
        select(NumberVoid).where(
            NumberVoid.counter_id == counter.id,
            NumberVoid.number == number,
            NumberVoid.held_for_desk_id == caller.desk_id,
            NumberVoid.held_epoch == int(epoch),
        )
    ).scalar_one_or_none()
    if held is None:
        return False
    s.delete(held)
    return True


_CORRECTABLE_LEGAL = ("reference", "issuer", "issued_on", "doc_type", "subject", "signer")


def _document_op(
    s: Session,
    agency: Agency,
    caller: Caller,
    m: dict[str, Any],
    payload: dict[str, Any],
    now: datetime,
) -> Answer:
    doc = _document(s, str(m["entity_id"]))
    if doc is None or doc.agency_id != agency.id:
        return Answer(p.REJECTED, Refusal.UNKNOWN_DOCUMENT, {"document_id": str(m["entity_id"])})
    data = dict(doc.data)
    op = m["op"]
    answer = Answer(p.OK, "", {"document_id": doc.id})
    if doc.status == "cancelled" and op in ("correct", "cancel", "hand_over"):
        answer = Answer(p.REJECTED, Refusal.DOCUMENT_CANCELLED, {"document_id": doc.id})
    elif op == "correct":
        changes = payload["changes"]
        problems = mutation_check.correction_problems(doc_direction(s, doc), changes)
        if problems:
            raise Malformed(problems)
        clashes = [
            name
            for name, (old, _new) in changes.items()
            if name in _CORRECTABLE_LEGAL and data.get(name) != old
        ]
        if clashes:
            # Someone else changed a legal field meanwhile: a person decides, nothing merges.
            _queue(s, caller, m, Refusal.CONFLICT, now)
            answer = Answer(
                p.RECONCILE, Refusal.CONFLICT, {"document_id": doc.id, "fields": clashes}
            )
        else:
            for name, (_old, new) in changes.items():
                data[name] = new
            data["revision"] = int(data.get("revision") or 1) + 1
    elif op == "cancel":
        doc.status = "cancelled"
        data.update(
            status="cancelled",
            cancelled_at=m.get("at"),
            cancel_reason=payload["reason"],
            revision=int(data.get("revision") or 1) + 1,
        )
    elif op == "hand_over":
        data.update(handed_over_at=payload["at"], handed_over_to=payload["to"])
        if not data.get("recipients"):
            data["recipients"] = payload["to"]
    data["files"] = _merge_files(list(data.get("files") or []), _files(m))
    data["updated_at"] = m.get("at")
    doc.data = data  # written by the savepoint's release
    # The document's state goes out even when the op was refused, so the desk that sent it
    # gets the server's version back instead of keeping its own.
    _emit_document(s, agency, doc)
    return answer


def doc_direction(s: Session, doc: ServerDocument) -> str:
    return s.get_one(RegisterCounter, doc.counter_id).kind


def _unit(s: Session, agency: Agency, payload: dict[str, Any]) -> Answer:
    code = str(payload["code"])
    unit = s.execute(
        select(Unit).where(Unit.agency_id == agency.id, Unit.code == code)
    ).scalar_one_or_none()
    if unit is None:
        unit = Unit(agency_id=agency.id, code=code, name=str(payload["name"]))
        s.add(unit)
        s.flush()
        emit(s, agency, "unit", unit.id, {"code": code, "name": unit.name})
    return Answer(p.OK)


# --- leases --------------------------------------------------------------------------------


def acquire_lease(
    s: Session,
    caller: Caller,
    kind: str,
    series: str,
    year: int,
    local_last: int,
    now: datetime,
    *,
    used_through: int,
) -> dict[str, Any]:
    if caller.role not in p.NUMBERING_ROLES:
        raise Refused(403, Refusal.ROLE_CANNOT_NUMBER, role=caller.role)
    agency = lock_agency(s, caller.agency_id)
    counter = counter_for(s, agency.id, kind, series, year)
    assert counter is not None
    if counter.lease_desk_id not in (None, caller.desk_id):
        holder = s.get(Desk, counter.lease_desk_id)
        raise Refused(409, Refusal.LEASE_HELD, station=holder.station if holder else "")
    if counter.last_number > local_last:
        raise Refused(
            409, Refusal.DESK_BEHIND, server_last=counter.last_number, desk_last=local_last
        )
    if counter.lease_desk_id != caller.desk_id:
        _number_waiting(s, agency, counter)
        if counter.last_number > local_last:
            raise Refused(
                409, Refusal.DESK_BEHIND, server_last=counter.last_number, desk_last=local_last
            )
        used = min(used_through, local_last)
        if used > counter.last_number:
            # Numbers the desk gave (offline, under a lease revoked before they went up) that
            # the server never accepted: ceding up to the desk's counter would let the server
            # give them again, online, to another desk. They go to reconciliation first.
            raise Refused(409, Refusal.DESK_AHEAD, server_last=counter.last_number, desk_used=used)
        counter.lease_desk_id = caller.desk_id
        counter.lease_epoch += 1
        counter.lease_granted_at = now
        # A desk whose counter is ahead of the server's (and whose own numbers are all on the
        # server, checked above) raised it past numbers it ceded under an earlier lease: those
        # stay ceded.
        counter.ceded_through = local_last
        emit(s, agency, "register", counter.id, counter_data(counter))
    following = _carry_into_next_year(s, agency, caller, counter, now)
    return counter_data(counter) | ({"next_year": following} if following else {})


def _carry_into_next_year(
    s: Session, agency: Agency, caller: Caller, counter: RegisterCounter, now: datetime
) -> dict[str, Any] | None:
    """The holder of a register's lease also holds next year's register while it is empty and
    nobody else holds it: a year can end during an outage, and the holder must be able to
    start the new register at 1 offline without any other desk numbering it meanwhile."""
    following = counter_for(s, agency.id, counter.kind, counter.series, counter.year + 1)
    assert following is not None
    if following.lease_desk_id == caller.desk_id:
        return counter_data(following)
    if following.lease_desk_id is not None or following.last_number > 0:
        return None
    if s.execute(
        select(ServerDocument.id).where(ServerDocument.counter_id == following.id).limit(1)
    ).first():
        return None  # drafts already wait there: they are numbered online, not carried over
    following.lease_desk_id = caller.desk_id
    following.lease_epoch += 1
    following.lease_granted_at = now
    following.ceded_through = 0
    emit(s, agency, "register", following.id, counter_data(following))
    return counter_data(following)


def release_lease(
    s: Session,
    caller: Caller,
    kind: str,
    series: str,
    year: int,
    *,
    force: bool,
    now: datetime,
    last_seq: int | None = None,
    epoch: int | None = None,
    lost_through: int | None = None,
) -> dict[str, Any]:
    """Hand the lease back (its holder, online) or revoke it (an admin): the epoch moves on,
    so uploads the old holder makes under it later go to the reconciliation queue.

    A release names one lease: the register (kind, series, year) and, from a desk of now, the
    epoch it was given under. It moves that register's lease only (next year's register carried
    with it stays where it is), and a release of an earlier lease, replayed or sent from a
    stale list, is refused (`lease_moved`) instead of releasing the lease held now.

    The holder gives it back only once the server has applied everything up to `last_seq`,
    the last mutation the desk has queued: a number still in its outbox would otherwise be
    issued again by the server to someone else.

    An admin revoking another desk's lease cannot know that desk's outbox, so it names
    `lost_through`: the last number that desk may have written on paper (its paper register
    tells). The numbers after the server's last up to it are held for that desk and epoch
    (voids it alone may fill), and the server goes on after them: none of them is given twice."""
    if force and caller.role != "admin":
        raise Refused(403, Refusal.ADMIN_ONLY)
    agency = lock_agency(s, caller.agency_id)
    counter = counter_for(s, agency.id, kind, series, year, create=False)
    holder = s.get(Desk, counter.lease_desk_id) if counter and counter.lease_desk_id else None
    if epoch is not None and (counter is None or counter.lease_epoch != epoch):
        raise Refused(409, Refusal.LEASE_MOVED, station=holder.station if holder else "")
    if counter is None or counter.lease_desk_id is None:
        raise Refused(409, Refusal.NO_LEASE)
    if not force and counter.lease_desk_id != caller.desk_id:
        raise Refused(409, Refusal.LEASE_HELD, station=holder.station if holder else "")
    if not force:
        applied = s.get_one(Desk, caller.desk_id).last_applied_seq
        if last_seq is None or applied < last_seq:
            waiting = None if last_seq is None else last_seq - applied
            raise Refused(409, Refusal.OUTBOX_NOT_EMPTY, waiting=waiting)
    elif counter.lease_desk_id != caller.desk_id:
        _hold_for_revoked(s, agency, counter, lost_through, now)
    counter.lease_desk_id = None
    counter.lease_epoch += 1
    counter.lease_granted_at = None
    counter.ceded_through = 0
    numbered = _number_waiting(s, agency, counter)
    emit(s, agency, "register", counter.id, counter_data(counter))
    return counter_data(counter) | {"drafts_numbered": numbered}


def _hold_for_revoked(
    s: Session,
    agency: Agency,
    counter: RegisterCounter,
    lost_through: int | None,
    now: datetime,
) -> None:
    """Before a forced revocation: number the drafts the holder's cedes make room for, void the
    rest of that room (the holder cannot use it), then hold the numbers up to `lost_through`
    for the holder and its epoch."""
    if lost_through is None:
        raise Refused(400, Refusal.LOST_THROUGH_REQUIRED, server_last=counter.last_number)
    _number_waiting(s, agency, counter)  # within the ceded room only: the lease is still set
    if counter.last_number < counter.ceded_through:
        _void_unused_ceded(s, agency, counter, now)
    if lost_through - counter.last_number > p.MAX_HELD_NUMBERS:
        raise Refused(
            400,
            Refusal.LOST_THROUGH_TOO_FAR,
            server_last=counter.last_number,
            most=p.MAX_HELD_NUMBERS,
        )
    assert counter.lease_desk_id is not None
    _record_voids(
        s,
        agency,
        counter,
        lost_through,
        HELD_FOR_REVOKED,
        now,
        held=(counter.lease_desk_id, counter.lease_epoch),
    )


def desk_standing(
    s: Session, caller: Caller, since: int, limit: int, now: datetime
) -> dict[str, Any]:
    """Where the calling desk stands here: the last outbox sequence applied from it, the
    mutation ids applied after `since` (so a desk restored from a backup can tell its own
    mutations from new ones that reuse their sequence numbers), and every register's counter."""
    desk = s.get_one(Desk, caller.desk_id)
    applied = s.execute(
        select(AppliedMutation.seq, AppliedMutation.mutation_id)
        .where(AppliedMutation.desk_id == desk.id, AppliedMutation.seq > since)
        .order_by(AppliedMutation.seq)
        .limit(limit)
    ).all()
    counters = s.execute(
        select(RegisterCounter).where(RegisterCounter.agency_id == caller.agency_id)
    ).scalars()
    registers = []
    for c in counters:
        data = counter_data(c)
        if c.lease_desk_id == caller.desk_id:
            data |= _demand(s, c, caller.desk_id, now)
        registers.append(data)
    return {
        "last_applied_seq": desk.last_applied_seq,
        "applied": [[seq, mutation_id] for seq, mutation_id in applied],
        "more": len(applied) == limit,
        "registers": registers,
    }


def _demand(s: Session, c: RegisterCounter, holder: str, now: datetime) -> dict[str, int]:
    """What the holder needs to cede: drafts waiting for a number, and how many registrations
    other desks made here lately (they go on numbering online while there are some)."""
    waiting = s.execute(
        select(func.count())
        .select_from(ServerDocument)
        .where(ServerDocument.counter_id == c.id, ServerDocument.number.is_(None))
    ).scalar_one()
    recent = s.execute(
        select(func.count())
        .select_from(ServerDocument)
        .where(
            ServerDocument.counter_id == c.id,
            ServerDocument.number > c.last_number - RECENT_NUMBERS,
            ServerDocument.origin_desk_id != holder,
            ServerDocument.created_at > now - RECENT_DEMAND,
        )
    ).scalar_one()
    return {"waiting": int(waiting), "others_recent": int(recent) + int(waiting)}


def adopt_history(
    s: Session, caller: Caller, registers: list[tuple[str, str, int]], now: datetime
) -> list[dict[str, Any]]:
    """A desk connecting with registrations of its own takes the leases of its registers, so
    its outbox goes up with the numbers it gave, in order. Only while the agency's registers
    here are empty and nobody else holds their leases; otherwise `history_on_server`."""
    if caller.role not in p.NUMBERING_ROLES:
        raise Refused(403, Refusal.ROLE_CANNOT_NUMBER, role=caller.role)
    agency = lock_agency(s, caller.agency_id)
    numbered = s.execute(
        select(func.count())
        .select_from(ServerDocument)
        .where(
            ServerDocument.agency_id == agency.id, ServerDocument.origin_desk_id != caller.desk_id
        )
    ).scalar_one()
    counters = [counter_for(s, agency.id, kind, series, year) for kind, series, year in registers]
    taken = [c for c in counters if c is not None and c.lease_desk_id not in (None, caller.desk_id)]
    if numbered or taken:
        raise Refused(409, Refusal.HISTORY_ON_SERVER, documents=int(numbered), leases=len(taken))
    answer = []
    for c in counters:
        assert c is not None
        if c.lease_desk_id != caller.desk_id:
            c.lease_desk_id = caller.desk_id
            c.lease_epoch += 1
            c.lease_granted_at = now
            c.ceded_through = 0
            emit(s, agency, "register", c.id, counter_data(c))
        answer.append(counter_data(c))
    return answer


def reconciliation_queue(s: Session, caller: Caller) -> list[dict[str, Any]]:
    rows = s.execute(
        select(Reconciliation)
        .where(Reconciliation.agency_id == caller.agency_id)
        .order_by(Reconciliation.created_at)
    ).scalars()
    return [
        {
            "id": r.id,
            "desk_id": r.desk_id,
            "mutation_id": r.mutation_id,
            "reason": r.reason,
            "payload": r.payload,
            "created_at": r.created_at.isoformat(),
            "resolved": r.resolved_at is not None,
        }
        for r in rows
    ]


# --- download ------------------------------------------------------------------------------


def changes_since(s: Session, caller: Caller, since: int, limit: int) -> dict[str, Any]:
    rows = (
        s.execute(
            select(Change)
            .where(Change.agency_id == caller.agency_id, Change.version > since)
            .order_by(Change.version)
            .limit(limit + 1)
        )
        .scalars()
        .all()
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "changes": [
            {"version": c.version, "entity": c.entity, "entity_id": c.entity_id, "data": c.data}
            for c in rows
        ],
        "next": rows[-1].version if rows else since,
        "more": more,
    }
