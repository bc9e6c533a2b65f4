"""The secretary's use cases on a Workspace: instructions, routing, follow-up; no Qt, no wording."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, Protocol, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from clerk_app import errors, lifecycle
from clerk_app.clock import to_vietnam, vietnam_date
from clerk_app.instructions.records import (
    AssignmentInfo,
    DueItem,
    FollowState,
    FollowUp,
    Handler,
    Instructed,
    InstructionDraft,
    InstructionInfo,
    Notification,
)
from clerk_app.interchange import progress
from clerk_app.kernel import DeskContext, Transaction
from clerk_app.kernel.transaction import unit_id_of
from clerk_app.records import AgencyInfo, Change, DocumentDetail
from clerk_app.storage.models import AuditEntry, Document, DocumentFile, Person, Unit, new_id
from clerk_app.storage.secretary_models import (
    Assignment,
    CalendarOverride,
    Delegation,
    Instruction,
)
from clerk_app.text import fold, nfc
from clerk_app.vocabulary import (
    NORMAL_URGENCY,
    SOURCE_CHANNELS,
    canonical_urgency,
    is_urgent,
    timed_due,
)
from clerk_app.workdays.calendar import Override, OverrideKind, WorkCalendar
from clerk_app.workdays.limits import LimitFlag, TimeLimit, assess, deadline_end
from clerk_app.workdays.office_hours import OfficeHours, load_office_hours

# Instructions a leader writes again and again; offered before the desk has its own history.
COMMON_INSTRUCTIONS = (
    "Giao chủ trì nghiên cứu, tham mưu, đề xuất.",
    "Giao chủ trì, phối hợp các đơn vị liên quan xử lý theo quy định.",
    "Đề nghị nghiên cứu, báo cáo kết quả.",
    "Để biết.",
    "Lưu hồ sơ.",
    "Chuẩn bị nội dung, báo cáo lãnh đạo trước hạn.",
)
# "Due soon": the deadline is at most this many working days away.
DUE_SOON_WORKING_DAYS = 2
# Received "through the system" (Phú Yên art. 5.2): passed on within 08 working hours.
SYSTEM_CHANNEL = SOURCE_CHANNELS[2]
ROLE_NAMES = {"lead": "chủ trì", "co": "phối hợp"}


def agency_calendar(s: Session, hours: OfficeHours) -> WorkCalendar:
    """The law's working days changed by the administrator's overrides, at the given hours."""
    rows = s.execute(select(CalendarOverride)).scalars().all()
    return WorkCalendar(
        (Override(r.day, cast(OverrideKind, r.kind), r.reason) for r in rows), hours.spans
    )


class DeskDocuments(Protocol):
    """What the secretary's desk uses of the documents' side of the desk (the Workspace): typed
    here so this module never imports the facade that builds it."""

    data_dir: Path
    actor: str

    @property
    def context(self) -> DeskContext: ...

    def agency(self) -> AgencyInfo: ...

    def now_in_vietnam(self) -> datetime: ...

    def document(self, document_id: str) -> DocumentDetail: ...

    def stamp_arrival(
        self, document_id: str, place: Any = None, *, show_time: bool | None = None
    ) -> Change: ...

    def attach_files(self, document_id: str, paths: Sequence[Path]) -> Change: ...


class Secretary:
    """Use cases of the secretary's desk on one open Workspace, sharing its database and journal."""

    def __init__(self, workspace: DeskDocuments) -> None:
        self.ws = workspace
        self._ctx = workspace.context
        self._db = self._ctx.db
        self._clock = self._ctx.clock

    @property
    def context(self) -> DeskContext:
        return self._ctx

    # --- shared plumbing -------------------------------------------------------------------

    def today(self) -> date:
        return vietnam_date(self._clock())

    def _check_version(self, s: Session, row: Any, entity: str, expected: int | None) -> None:
        """Refuse to save over a change someone else saved since `expected` was read."""
        if expected is None or row.version == expected:
            return
        last = s.execute(
            select(AuditEntry)
            .where(AuditEntry.entity == entity, AuditEntry.entity_id == row.id)
            .order_by(AuditEntry.seq.desc())
            .limit(1)
        ).scalar_one_or_none()
        raise errors.EditConflict(
            entity,
            row.id,
            expected,
            row.version,
            last.actor if last else "",
            to_vietnam(last.at).strftime("%H:%M %d/%m/%Y") if last else "",
        )

    def _get(self, s: Session, model: Any, entity: str, record_id: str) -> Any:
        row = s.get(model, record_id)
        if row is None:
            raise errors.UnknownRecord(entity, record_id)
        return row

    # --- the working-day calendar ----------------------------------------------------------

    def calendar(self) -> WorkCalendar:
        with self._db.read() as s:
            # The desk's own office hours: limits in working hours follow the agency's day.
            return agency_calendar(s, load_office_hours(self.ws.data_dir))

    def set_calendar_day(self, day: date, kind: str, reason: str = "") -> None:
        """An administrator's make-up working day (`workday`) or extra day off (`day_off`)."""
        if kind not in ("workday", "day_off"):
            raise errors.InvalidValue("kind", kind, "workday hoặc day_off")
        why = nfc(reason)
        now = self._clock()
        with self._ctx.write() as tx:
            s = tx.session
            row = s.execute(
                select(CalendarOverride).where(CalendarOverride.day == day)
            ).scalar_one_or_none()
            if row is None:
                row = CalendarOverride(
                    id=new_id(),
                    day=day,
                    year=day.year,
                    kind=kind,
                    reason=why,
                    created_at=now,
                    updated_at=now,
                    version=1,
                )
                s.add(row)
            else:
                row.kind, row.reason, row.updated_at = kind, why, now
                row.version += 1
            s.flush()
            details = {"day": day.isoformat(), "kind": kind, "reason": why}
            tx.record("set_calendar_day", "calendar_override", row.id, details)

    def clear_calendar_day(self, day: date) -> None:
        with self._ctx.write() as tx:
            s = tx.session
            row = s.execute(
                select(CalendarOverride).where(CalendarOverride.day == day)
            ).scalar_one_or_none()
            if row is None:
                raise errors.UnknownRecord("calendar_override", day.isoformat())
            s.delete(row)
            s.flush()
            tx.record("clear_calendar_day", "calendar_override", row.id, {"day": day.isoformat()})

    def calendar_days(self, year: int) -> list[Override]:
        with self._db.read() as s:
            rows = s.execute(
                select(CalendarOverride)
                .where(CalendarOverride.year == year)
                .order_by(CalendarOverride.day)
            ).scalars()
            return [Override(r.day, r.kind, r.reason) for r in rows]  # type: ignore[arg-type]

    def check_deadline(self, deadline: date) -> date:
        """A deadline must be today or later; a day off is accepted (see `deadline_warning`)."""
        today = self.today()
        if deadline < today:
            raise errors.DeadlineInPast(deadline.isoformat(), today.isoformat())
        return deadline

    def deadline_warning(
        self, deadline: date | None, calendar: WorkCalendar | None = None
    ) -> errors.DeadlineOnDayOff | None:
        """The warning for a deadline written on a day off, or None.

        Such a deadline is kept as written (the source document or the leader set it) and runs
        to the end of the next working day (`workdays.limits.deadline_end`); the warning says
        so. It is a value to show, never raised.
        """
        if deadline is None:
            return None
        cal = calendar or self.calendar()
        reason = cal.day_off_reason(deadline)
        if reason is None:
            return None
        return errors.DeadlineOnDayOff(
            deadline.isoformat(), reason, deadline_end(deadline, cal).isoformat()
        )

    def resolve_deadline(self, deadline: date | None, days: int | None) -> date | None:
        if deadline is not None and days is not None:
            raise errors.InvalidValue("deadline", deadline.isoformat(), "một ngày HOẶC số ngày")
        if days is not None:
            if days < 1:
                raise errors.InvalidValue("deadline_days", str(days), "số ngày làm việc từ 1")
            return self.calendar().add_working_days(self.today(), days)
        return None if deadline is None else self.check_deadline(deadline)

    # --- units and people as handlers ------------------------------------------------------

    def handlers(self) -> list[Handler]:
        """Every unit and person, for autocomplete; units first."""
        with self._db.read() as s:
            units = s.execute(select(Unit).order_by(Unit.code)).scalars().all()
            codes = {u.id: u.code for u in units}
            people = s.execute(select(Person).order_by(Person.name_folded)).scalars().all()
            found = [
                Handler("unit", u.id, u.code, u.name, fold(f"{u.code} {u.name}")) for u in units
            ]
            for p in people:
                code = codes.get(p.unit_id or "", "")
                searched = fold(f"{p.full_name} {p.title} {code}")
                found.append(Handler("person", p.id, code, p.full_name, searched))
            return found

    def find_handlers(self, typed: str, limit: int = 10) -> list[Handler]:
        """Handlers whose code or name contains every typed word, accents or not."""
        words = fold(typed).split()
        matches = [h for h in self.handlers() if all(w in h.folded for w in words)]
        # Exact code first, then names starting with the words typed.
        key = fold(typed)
        matches.sort(
            key=lambda h: (fold(h.code) != key or h.kind != "unit", not h.folded.startswith(key))
        )
        return matches[:limit]

    def _resolve(self, s: Session, given: str) -> Handler:
        name = nfc(given)
        if not name:
            raise errors.MissingField("lead")
        unit = s.execute(select(Unit).where(Unit.code == name.upper())).scalar_one_or_none()
        if unit is None:
            unit = s.execute(
                select(Unit).where(Unit.name_folded == fold(name))
            ).scalar_one_or_none()
        if unit is not None:
            return Handler("unit", unit.id, unit.code, unit.name, fold(unit.name))
        person = s.execute(select(Person).where(Person.name_folded == fold(name))).scalars().first()
        if person is not None:
            code = s.get(Unit, person.unit_id).code if person.unit_id else ""  # type: ignore[union-attr]
            return Handler("person", person.id, code, person.full_name, person.name_folded)
        # Typed without accents or in part ("kinh te"): accepted when only one handler fits.
        words = fold(name).split()
        fits = [h for h in self.handlers() if all(w in h.folded for w in words)]
        if len(fits) == 1:
            return fits[0]
        if " " not in name:
            raise errors.UnknownUnit(name)
        raise errors.UnknownHandler(name)

    # --- delegations -----------------------------------------------------------------------

    def add_delegation(
        self,
        leader: str,
        delegate: str,
        basis: str,
        valid_from: date,
        valid_until: date | None = None,
    ) -> str:
        """Record that `delegate` (a desk login) may enter `leader`'s instructions."""
        who, to = nfc(leader), nfc(delegate)
        if not who:
            raise errors.MissingField("leader")
        if not to:
            raise errors.MissingField("delegate")
        now = self._clock()
        with self._ctx.write() as tx:
            s = tx.session
            row = Delegation(
                id=new_id(),
                leader=who,
                delegate=to,
                basis=nfc(basis),
                valid_from=valid_from,
                valid_until=valid_until,
                revoked=False,
                created_at=now,
                updated_at=now,
                version=1,
            )
            s.add(row)
            s.flush()
            tx.record(
                "add_delegation",
                "delegation",
                row.id,
                {
                    "leader": who,
                    "delegate": to,
                    "basis": row.basis,
                    "valid_from": valid_from.isoformat(),
                    "valid_until": valid_until.isoformat() if valid_until else None,
                },
            )
            return row.id

    def _delegation(self, s: Session, leader: str, on: date) -> Delegation | None:
        rows = s.execute(
            select(Delegation).where(
                Delegation.delegate == self.ws.actor,
                Delegation.revoked.is_(False),
                Delegation.valid_from <= on,
            )
        ).scalars()
        for row in rows:
            if fold(row.leader) == fold(leader) and (
                row.valid_until is None or on <= row.valid_until
            ):
                return row
        return None

    # --- instructions ----------------------------------------------------------------------

    def common_instructions(self, limit: int = 12) -> list[str]:
        """Texts used most on this desk, then the usual ones; for reuse in one keystroke."""
        with self._db.read() as s:
            texts = s.execute(select(Instruction.text)).scalars().all()
        used = [t for t, _ in Counter(texts).most_common(limit)]
        return (used + [t for t in COMMON_INSTRUCTIONS if t not in used])[:limit]

    def leaders(self) -> list[str]:
        """Leaders who gave instructions on this desk, most frequent first."""
        with self._db.read() as s:
            names = s.execute(select(Instruction.leader)).scalars().all()
        return [n for n, _ in Counter(names).most_common()]

    def instruct(
        self, document_id: str, draft: InstructionDraft, *, stamp: bool = True
    ) -> Instructed:
        """Save a leader's instruction, assign its handlers and route the document.

        The register's "Đơn vị hoặc người nhận" is filled in the same transaction; the arrival
        stamp with Chuyển filled is made afterwards as a new version when there is a scan. With
        `stamp=False` the caller makes it later through `stamp_routing` (a screen does it off
        its GUI thread).
        """
        leader, body = nfc(draft.leader), nfc(draft.text)
        if not leader:
            raise errors.MissingField("leader")
        if not body:
            raise errors.MissingField("text")
        deadline = self.resolve_deadline(draft.deadline, draft.deadline_days)
        now = self._clock()
        with self._ctx.write() as tx:
            s = tx.session
            doc = tx.live_document(document_id)
            tx.require(doc, lifecycle.INSTRUCT)
            lead, co = self._handlers_of(s, draft.lead, draft.co)
            delegation = self._delegation_for(s, leader, draft.on_behalf)
            self._check_handwriting(s, document_id, draft.handwriting_file_id)
            row = Instruction(
                id=new_id(),
                document_id=doc.id,
                leader=leader,
                text=body,
                entered_by=self.ws.actor,
                delegation_id=delegation.id if delegation else None,
                handwriting_file_id=draft.handwriting_file_id,
                handwriting_page=draft.handwriting_page,
                deadline=deadline,
                deadline_days=draft.deadline_days,
                status="active",
                created_at=now,
                updated_at=now,
                version=1,
            )
            s.add(row)
            s.flush()
            assigned = self._assign(s, doc, row, lead, co, deadline, now)
            tx.record("instruct", "instruction", row.id, self._details(row, delegation, assigned))
            self._route(tx, doc, lead, co, row.id, now)
            instruction_id = row.id
        stamped, stamp_error = self.stamp_routing(document_id) if stamp else (None, None)
        return Instructed(
            self.instruction(instruction_id), stamped, stamp_error, self._warnings(deadline)
        )

    def _warnings(self, deadline: date | None) -> tuple[errors.ClerkError, ...]:
        warning = self.deadline_warning(deadline)
        return () if warning is None else (warning,)

    def revise(
        self,
        instruction_id: str,
        expected_version: int,
        draft: InstructionDraft,
        *,
        stamp: bool = True,
    ) -> Instructed:
        """Change an instruction; refused with EditConflict when someone saved it meanwhile."""
        leader, body = nfc(draft.leader), nfc(draft.text)
        if not leader:
            raise errors.MissingField("leader")
        if not body:
            raise errors.MissingField("text")
        now = self._clock()
        with self._ctx.write() as tx:
            s = tx.session
            row = self._get(s, Instruction, "instruction", instruction_id)
            self._check_version(s, row, "instruction", expected_version)
            doc = tx.live_document(row.document_id)
            if draft.deadline == row.deadline and draft.deadline_days is None:
                deadline = row.deadline  # an unchanged past deadline stays as it was
            else:
                deadline = self.resolve_deadline(draft.deadline, draft.deadline_days)
            lead, co = self._handlers_of(s, draft.lead, draft.co)
            delegation = self._delegation_for(s, leader, draft.on_behalf)
            before = {"leader": row.leader, "text": row.text, "deadline": _d(row.deadline)}
            for old in s.execute(
                select(Assignment).where(
                    Assignment.instruction_id == row.id, Assignment.status == "open"
                )
            ).scalars():
                old.status, old.updated_at = "withdrawn", now
                old.version += 1
            row.leader, row.text, row.deadline = leader, body, deadline
            row.deadline_days = draft.deadline_days
            row.delegation_id = delegation.id if delegation else None
            row.entered_by = self.ws.actor
            if draft.handwriting_file_id is not None:
                self._check_handwriting(s, doc.id, draft.handwriting_file_id)
                row.handwriting_file_id = draft.handwriting_file_id
                row.handwriting_page = draft.handwriting_page
            row.updated_at = now
            row.version += 1
            s.flush()
            assigned = self._assign(s, doc, row, lead, co, deadline, now)
            details = self._details(row, delegation, assigned) | {"before": before}
            tx.record("revise_instruction", "instruction", row.id, details)
            self._route(tx, doc, lead, co, row.id, now)
            document_id = doc.id
        stamped, stamp_error = self.stamp_routing(document_id) if stamp else (None, None)
        return Instructed(
            self.instruction(instruction_id), stamped, stamp_error, self._warnings(deadline)
        )

    def _handlers_of(
        self, s: Session, lead: str, co: Sequence[str]
    ) -> tuple[Handler, list[Handler]]:
        main = self._resolve(s, lead)
        others: list[Handler] = []
        for name in co:
            if not nfc(name):
                continue
            h = self._resolve(s, name)
            if h.id != main.id and h.id not in {o.id for o in others}:
                others.append(h)
        return main, others

    def _delegation_for(self, s: Session, leader: str, on_behalf: bool | None) -> Delegation | None:
        if on_behalf is False:
            return None
        found = self._delegation(s, leader, self.today())
        if found is None and on_behalf:
            raise errors.NoValidDelegation(leader, self.ws.actor, self.today().isoformat())
        return found

    def _check_handwriting(self, s: Session, document_id: str, file_id: str | None) -> None:
        if file_id is None:
            return
        f = s.get(DocumentFile, file_id)
        if f is None or f.document_id != document_id:
            raise errors.UnknownFile(file_id, document_id)

    def _assign(
        self,
        s: Session,
        doc: Document,
        row: Instruction,
        lead: Handler,
        co: list[Handler],
        deadline: date | None,
        now: datetime,
    ) -> list[dict[str, Any]]:
        made = []
        for role, h in [("lead", lead)] + [("co", c) for c in co]:
            a = Assignment(
                id=new_id(),
                document_id=doc.id,
                instruction_id=row.id,
                kind="handle",
                role=role,
                unit_id=h.id if h.kind == "unit" else None,
                person_id=h.id if h.kind == "person" else None,
                handler_name=h.label,
                deadline=deadline,
                status="open",
                result="",
                notified="",
                created_at=now,
                updated_at=now,
                version=1,
            )
            s.add(a)
            made.append({"id": a.id, "role": role, "handler": h.label, "code": h.code})
        s.flush()
        progress.after_action(s, doc.id, "instruct", now)
        return made

    def _details(
        self, row: Instruction, delegation: Delegation | None, assigned: list[dict[str, Any]]
    ) -> dict[str, Any]:
        return {
            "document_id": row.document_id,
            "leader": row.leader,
            "text": row.text,
            "entered_by": row.entered_by,
            "delegation": (
                {"id": delegation.id, "basis": delegation.basis} if delegation else None
            ),
            "deadline": _d(row.deadline),
            "deadline_days": row.deadline_days,
            # A deadline on a day off is kept as written; the journal says it was accepted so.
            "deadline_day_off": _day_off(self.deadline_warning(row.deadline)),
            "handwriting": (
                {"file_id": row.handwriting_file_id, "page": row.handwriting_page}
                if row.handwriting_file_id
                else None
            ),
            "assignments": assigned,
            "version": row.version,
        }

    def _route(
        self,
        tx: Transaction,
        doc: Document,
        lead: Handler,
        co: list[Handler],
        instruction_id: str,
        now: datetime,
    ) -> None:
        """Fill the register's "Đơn vị hoặc người nhận" with the handlers, audited."""
        recipients = routing_text(lead.label, [c.label for c in co])
        if doc.recipients == recipients:
            return
        old = doc.recipients
        doc.recipients = recipients
        doc.revision += 1
        doc.updated_at = now
        tx.session.flush()
        tx.record(
            "route",
            "document",
            doc.id,
            {"instruction_id": instruction_id, "changes": {"recipients": [old, recipients]}},
        )
        tx.index(doc)  # fields and OCR text, as every other change does

    def stamp_routing(self, document_id: str) -> tuple[str | None, str | None]:
        """The arrival stamp with Chuyển filled, as a new version, when an incoming scan exists.

        Returns the stamped file's id (or None when there is nothing to stamp) and the code of
        the ClerkError that kept the stamp from being made.
        """
        detail = self.ws.document(document_id)
        if detail.summary.direction != "incoming":
            return None, None
        if not any(f.media_type == "application/pdf" for f in detail.files):
            return None, None
        before = {f.id for f in detail.files}
        try:
            self.ws.stamp_arrival(document_id)
        except errors.ClerkError as exc:
            # The instruction is saved; a scan that cannot take a stamp keeps the data on record.
            return None, exc.code
        after = self.ws.document(document_id).files
        made = [f.id for f in after if f.id not in before and f.role == "stamped"]
        return (made[-1] if made else None), None

    # --- reading instructions --------------------------------------------------------------

    def instruction(self, instruction_id: str) -> InstructionInfo:
        with self._db.read() as s:
            row = self._get(s, Instruction, "instruction", instruction_id)
            return self._info(s, row)

    def instructions_for(self, document_id: str) -> list[InstructionInfo]:
        with self._db.read() as s:
            rows = s.execute(
                select(Instruction)
                .where(Instruction.document_id == document_id)
                .order_by(Instruction.created_at)
            ).scalars()
            return [self._info(s, r) for r in rows]

    def _info(self, s: Session, row: Instruction) -> InstructionInfo:
        basis = ""
        if row.delegation_id:
            basis = s.get_one(Delegation, row.delegation_id).basis
        assignments = s.execute(
            select(Assignment, Unit.code)
            .outerjoin(Unit, Assignment.unit_id == Unit.id)
            .where(Assignment.instruction_id == row.id, Assignment.status != "withdrawn")
            .order_by(Assignment.role.desc(), Assignment.created_at)
        ).all()
        doc = s.get_one(Document, row.document_id)
        return InstructionInfo(
            row.id,
            row.document_id,
            row.leader,
            row.text,
            row.entered_by,
            row.delegation_id,
            basis,
            row.deadline,
            row.deadline_days,
            row.handwriting_file_id,
            row.handwriting_page,
            row.status,
            row.created_at,
            row.updated_at,
            row.version,
            tuple(_assignment_info(a, code) for a, code in assignments),
            doc.recipients,
        )

    # --- replies expected to outgoing documents (hồi báo) ----------------------------------

    def expect_reply(self, document_id: str, follower: str, reply_by: date) -> AssignmentInfo:
        """Who follows up the reply an outgoing document asks for, and by when."""
        deadline = self.check_deadline(reply_by)
        now = self._clock()
        with self._ctx.write() as tx:
            s = tx.session
            doc = tx.live_document(document_id)
            if doc.direction != "outgoing":
                raise errors.InvalidValue("document", str(doc.number), "một văn bản đi")
            h = self._resolve(s, follower)
            a = Assignment(
                id=new_id(),
                document_id=doc.id,
                instruction_id=None,
                kind="reply",
                role="lead",
                unit_id=h.id if h.kind == "unit" else None,
                person_id=h.id if h.kind == "person" else None,
                handler_name=h.label,
                deadline=deadline,
                status="open",
                result="",
                notified="",
                created_at=now,
                updated_at=now,
                version=1,
            )
            s.add(a)
            s.flush()
            tx.record(
                "expect_reply",
                "assignment",
                a.id,
                {
                    "document_id": doc.id,
                    "follower": h.label,
                    "deadline": deadline.isoformat(),
                    "deadline_day_off": _day_off(self.deadline_warning(deadline)),
                },
            )
            return _assignment_info(a, h.code if h.kind == "unit" else None)

    # --- follow-up -------------------------------------------------------------------------

    def complete(
        self,
        assignment_id: str,
        expected_version: int | None = None,
        done_on: date | None = None,
        result: str = "",
    ) -> AssignmentInfo:
        """Mark an assignment done (a reply received, a task handled)."""
        day = done_on or self.today()
        cal = self.calendar()
        with self._ctx.write() as tx:
            s = tx.session
            a = self._get(s, Assignment, "assignment", assignment_id)
            self._check_version(s, a, "assignment", expected_version)
            if a.status == "withdrawn":
                raise errors.UnknownRecord("assignment", assignment_id)
            a.status, a.done_on, a.result = "done", day, nfc(result)
            a.updated_at = self._clock()
            a.version += 1
            s.flush()
            progress.after_action(s, a.document_id, "complete", a.updated_at)
            late = follow_state(a.deadline, day, day, cal)[0] == "done_late"
            tx.record(
                "complete_assignment",
                "assignment",
                a.id,
                {"done_on": day.isoformat(), "result": a.result, "late": late},
            )
            code = s.get_one(Unit, a.unit_id).code if a.unit_id else None
            return _assignment_info(a, code)

    def due(self, unit_code: str | None = None, *, include_done: bool = False) -> list[DueItem]:
        """Open assignments with their deadlines: overdue first, then by deadline, urgent first."""
        cal = self.calendar()
        today = self.today()
        person_unit = aliased(Unit)
        with self._db.read() as s:
            # The unit of the work: the unit handed it, or the unit of the person handed it.
            query = (
                select(Assignment, Document, func.coalesce(Unit.code, person_unit.code))
                .join(Document, Assignment.document_id == Document.id)
                .outerjoin(Unit, Assignment.unit_id == Unit.id)
                .outerjoin(Person, Assignment.person_id == Person.id)
                .outerjoin(person_unit, Person.unit_id == person_unit.id)
                .where(Document.status != "cancelled")
            )
            statuses = ("open", "done") if include_done else ("open",)
            query = query.where(Assignment.status.in_(statuses))
            if unit_code:
                unit_id = unit_id_of(s, unit_code)
                person_ids = select(Person.id).where(Person.unit_id == unit_id)
                query = query.where(
                    (Assignment.unit_id == unit_id) | Assignment.person_id.in_(person_ids)
                )
            rows = s.execute(query).all()
            routed: dict[str, datetime] = dict(
                s.execute(
                    select(Assignment.document_id, func.min(Assignment.created_at))
                    .where(Assignment.document_id.in_({d.id for _a, d, _c in rows}))
                    .group_by(Assignment.document_id)
                )
                .tuples()
                .all()
            )
        now = self._clock()
        items = [
            _due_item(a, d, code, today, cal, document_limit(d, routed.get(d.id), now, cal))
            for a, d, code in rows
        ]
        items.sort(key=_due_order)
        return items

    def handover_limits(self, document_ids: Iterable[str]) -> dict[str, LimitFlag]:
        """Where each document stands against its handover limit, by the rule `clerk due` uses
        (documents with no limit, such as outgoing ones, are left out)."""
        cal = self.calendar()
        now = self._clock()
        ids = list(dict.fromkeys(document_ids))
        found: dict[str, LimitFlag] = {}
        with self._db.read() as s:
            for start in range(0, len(ids), 500):  # SQLite's bound-parameter limit
                chunk = ids[start : start + 500]
                docs = s.execute(select(Document).where(Document.id.in_(chunk))).scalars().all()
                routed: dict[str, datetime] = dict(
                    s.execute(
                        select(Assignment.document_id, func.min(Assignment.created_at))
                        .where(Assignment.document_id.in_(chunk))
                        .group_by(Assignment.document_id)
                    )
                    .tuples()
                    .all()
                )
                for d in docs:
                    flag = document_limit(d, routed.get(d.id), now, cal)
                    if flag is not None:
                        found[d.id] = flag
        return found

    def follow_up(self, unit_code: str | None = None) -> FollowUp:
        """The lists of the follow-up screen, each urgent documents first."""
        lists = FollowUp()
        for item in self.due(unit_code, include_done=True):
            getattr(lists, item.state).append(item)
        for name in ("overdue", "due_soon", "open", "done_on_time", "done_late"):
            getattr(lists, name).sort(key=lambda i: (i.urgency_rank, *_due_order(i)))
        return lists

    def raise_notifications(self) -> list[Notification]:
        """Assignments that became due soon or overdue since last asked; each raised once."""
        raised = []
        due_states = {i.assignment_id: i for i in self.due() if i.state in ("due_soon", "overdue")}
        if not due_states:
            return []
        with self._ctx.write() as tx:
            s = tx.session
            rows = s.execute(
                select(Assignment).where(Assignment.id.in_(list(due_states)))
            ).scalars()
            for a in rows:
                item = due_states[a.id]
                if a.notified == item.state or item.deadline is None:
                    continue
                # The notification mark is bookkeeping, not an edit: the version stays.
                a.notified = item.state
                s.flush()
                tx.record("notify_" + item.state, "assignment", a.id, {"deadline": _d(a.deadline)})
                raised.append(
                    Notification(a.id, item.state, item.number, item.handler, item.deadline)
                )
        return raised


# --- module helpers ------------------------------------------------------------------------


def routing_text(lead: str, co: Sequence[str]) -> str:
    """ "Đơn vị hoặc người nhận" as registers write it: the lead, then who co-handles."""
    if not co:
        return lead
    return f"{lead} (chủ trì); {', '.join(co)} (phối hợp)"


def _d(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _day_off(warning: errors.DeadlineOnDayOff | None) -> str | None:
    return None if warning is None else warning.reason


def _assignment_info(a: Assignment, code: str | None) -> AssignmentInfo:
    return AssignmentInfo(
        a.id,
        a.document_id,
        a.instruction_id,
        a.kind,
        a.role,
        a.handler_name,
        code,
        a.deadline,
        a.status,
        a.done_on,
        a.result,
        a.version,
    )


def follow_state(
    deadline: date | None, done_on: date | None, today: date, cal: WorkCalendar
) -> tuple[FollowState, int | None]:
    if done_on is not None:
        late = deadline is not None and done_on > deadline_end(deadline, cal)
        return ("done_late" if late else "done_on_time"), None
    if deadline is None:
        return "open", None
    end = deadline_end(deadline, cal)
    if end < today:
        return "overdue", -cal.working_days_between(end, today)
    left = cal.working_days_between(today, end)
    return ("due_soon" if left <= DUE_SOON_WORKING_DAYS else "open"), left


ResolutionState = Literal["on_time", "late", "overdue", "not_due", "no_deadline"]
RESOLUTION_STATES: tuple[ResolutionState, ...] = (
    "on_time",
    "late",
    "overdue",
    "not_due",
    "no_deadline",
)


def resolution_state(item: DueItem) -> ResolutionState:
    """Phú Yên art. 7.3's reading of a piece of work: resolved on time or late, due and not
    resolved, not yet due; from the very state `clerk due` shows, so the two never disagree."""
    if item.state == "done_on_time":
        return "on_time"
    if item.state == "done_late":
        return "late"
    if item.state == "overdue":
        return "overdue"
    return "not_due" if item.deadline is not None else "no_deadline"


def handover_rule(direction: str, channel: str, urgency: str = NORMAL_URGENCY) -> TimeLimit | None:
    """The time limit for passing a document on: incoming only, by urgency, then by channel."""
    if direction != "incoming":
        return None
    if is_urgent(urgency):
        return TimeLimit.IMMEDIATELY  # Phú Yên art. 5.3: registered and passed on at once
    if channel == SYSTEM_CHANNEL:
        return TimeLimit.EIGHT_WORKING_HOURS
    return TimeLimit.SAME_OR_NEXT_WORKING_DAY  # NĐ 30 art. 4.2.c, 23.1


def handover_limit(
    direction: str,
    channel: str,
    urgency: str,
    received_at: datetime | None,
    handed_over_at: datetime | None,
    routed_at: datetime | None,
    now: datetime,
    cal: WorkCalendar,
) -> LimitFlag | None:
    """Where a document stands against its handover limit, counted from its arrival.

    Paper, urgent or not, is done when handed over (NĐ 30 art. 23.1: "trình, chuyển giao").
    A document received through the system is passed on as soon as it is routed to its
    handlers in the desk (Phú Yên art. 5.2, 5.3: "chuyển xử lý trên hệ thống"), or handed
    over if that came first.
    """
    rule = handover_rule(direction, channel, urgency)
    if rule is None or received_at is None:
        return None
    done = handed_over_at
    if channel == SYSTEM_CHANNEL and routed_at is not None:
        done = routed_at if done is None else min(done, routed_at)
    return assess(rule, received_at, done, now, cal)


def document_limit(
    d: Document, routed_at: datetime | None, now: datetime, cal: WorkCalendar
) -> LimitFlag | None:
    """`handover_limit` of a stored document."""
    return handover_limit(
        d.direction,
        d.source_channel,
        d.urgency,
        d.received_at,
        d.handed_over_at,
        routed_at,
        now,
        cal,
    )


def _due_item(
    a: Assignment,
    d: Document,
    code: str | None,
    today: date,
    cal: WorkCalendar,
    limit: LimitFlag | None = None,
) -> DueItem:
    state, left = follow_state(a.deadline, a.done_on if a.status == "done" else None, today, cal)
    return DueItem(
        a.id,
        d.id,
        d.direction,
        d.number,
        d.year,
        d.reference,
        d.subject,
        d.urgency,
        d.urgency_rank,
        a.kind,
        a.role,
        a.handler_name,
        code,
        a.deadline,
        state,
        left,
        a.done_on,
        a.version,
        limit,
        timed_due(d.notes) if canonical_urgency(d.urgency) == "Hỏa tốc" else None,
    )


def _due_order(item: DueItem) -> tuple[Any, ...]:
    return (
        item.state != "overdue",
        item.deadline or date.max,
        item.urgency_rank,
        item.role != "lead",
        item.year,
        item.number,
    )
