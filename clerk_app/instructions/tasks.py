"""Tasks assigned by a superior body (KH&CN 2023 regulation): status, periodic reports, monthly table."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from clerk_app import errors
from clerk_app.instructions.records import PERIODS, MonthlyRow, TaskDraft, TaskInfo
from clerk_app.instructions.secretary import Secretary, agency_calendar
from clerk_app.kernel.transaction import unit_id_of
from clerk_app.storage.models import Unit, new_id
from clerk_app.storage.secretary_models import AssignedTask, TaskStatusUpdate
from clerk_app.text import nfc
from clerk_app.workdays.calendar import WorkCalendar
from clerk_app.workdays.limits import TimeLimit, assess, deadline_end
from clerk_app.workdays.office_hours import load_office_hours

# Report dates of art. 6.2 and 11.2.b: quarter ends; 10 June and 30 November for the half-year
# and the year.
_REPORT_DAYS = {
    "quarterly": ((3, 31), (6, 30), (9, 30), (12, 31)),
    "half_yearly": ((6, 10), (11, 30)),
    "yearly": ((11, 30),),
}


def next_report_due(period: str, after: date) -> date | None:
    """The first report date of `period` strictly after `after`."""
    days = _REPORT_DAYS.get(period)
    if not days:
        return None
    for year in (after.year, after.year + 1):
        for month, day in days:
            candidate = date(year, month, day)
            if candidate > after:
                return candidate
    return None


def task_status(deadline: date | None, done_on: date | None, on: date, cal: WorkCalendar) -> str:
    """Status as the regulation names it, as of the day `on`; a deadline on a day off runs to
    the end of the next working day (`deadline_end`), as in `clerk due`."""
    end = None if deadline is None else deadline_end(deadline, cal)
    if done_on is not None and done_on <= on:
        return "done_late" if end is not None and done_on > end else "done_on_time"
    if end is not None and on > end:
        return "in_progress_overdue"
    return "in_progress"


RETURNED = "returned"


def return_task(
    sec: Secretary, task_id: str, reason: str, *, expected_version: int | None = None
) -> TaskInfo:
    """Send a misaddressed task back to the body that assigned it, with the reason.

    KH&CN 2023 art. 4.1.b/4.2.b: within 01 working day of its arrival; a later return is still
    recorded (the task is not ours either way) and shows as breaching that limit.
    """
    why = nfc(reason)
    now = sec._clock()
    with sec.context.write() as tx:
        s = tx.session
        task = sec._get(s, AssignedTask, "assigned_task", task_id)
        sec._check_version(s, task, "assigned_task", expected_version)
        if not why and not task.secret:
            raise errors.MissingField("reason")
        if task.status == RETURNED or task.done_on is not None:
            raise errors.InvalidValue("status", task.status, "nhiệm vụ đang thực hiện")
        s.add(
            TaskStatusUpdate(
                id=new_id(),
                task_id=task.id,
                reported_on=sec.today(),
                period_label="",
                status=RETURNED,
                # A secret task carries status only, so its reason stays off the record too.
                reason="" if task.secret else why,
                note="",
                actor=sec.ws.actor,
                created_at=now,
            )
        )
        task.status = RETURNED
        task.updated_at = now
        task.version += 1
        s.flush()
        tx.record(
            "return_task",
            "assigned_task",
            task.id,
            {"status": RETURNED, "reason": "" if task.secret else why},
        )
    return task_info(sec, task_id)


def add_task(sec: Secretary, draft: TaskDraft) -> TaskInfo:
    content = nfc(draft.content)
    if draft.secret and content:
        raise errors.SecretTaskContent("")
    if not draft.secret and not content:
        raise errors.MissingField("content")
    if draft.period not in PERIODS:
        raise errors.InvalidValue("period", draft.period, "quarterly, half_yearly hoặc yearly")
    if draft.deadline is None and not draft.period:
        raise errors.MissingField("deadline")
    # A deadline on a day off is kept as the superior body wrote it, and the journal says so.
    day_off = sec.deadline_warning(draft.deadline)
    now = sec._clock()
    with sec.context.write() as tx:
        s = tx.session
        if draft.source_document_id is not None:
            tx.live_document(draft.source_document_id)
        lead = unit_id_of(s, draft.lead_unit)
        co = [unit_id_of(s, c) for c in draft.co_units if nfc(c)]
        task = AssignedTask(
            id=new_id(),
            source_document_id=draft.source_document_id,
            source_reference=nfc(draft.source_reference),
            secret=draft.secret,
            content=content,
            lead_unit_id=lead,
            co_unit_ids=[c for c in co if c != lead],
            deadline=draft.deadline,
            period=draft.period,
            assigned_on=draft.assigned_on or sec.today(),
            status="in_progress",
            done_on=None,
            late_reason="",
            created_at=now,
            updated_at=now,
            version=1,
        )
        s.add(task)
        s.flush()
        tx.record(
            "add_task",
            "assigned_task",
            task.id,
            {
                "source_document_id": task.source_document_id,
                "source_reference": task.source_reference,
                "secret": task.secret,
                # A secret task's journal carries no content either.
                "content": "" if task.secret else content,
                "lead_unit": nfc(draft.lead_unit).upper(),
                "deadline": draft.deadline.isoformat() if draft.deadline else None,
                "deadline_day_off": day_off.reason if day_off else None,
                "period": draft.period,
            },
        )
        task_id = task.id
    return task_info(sec, task_id)


def report_task(
    sec: Secretary,
    task_id: str,
    *,
    done: bool,
    reason: str = "",
    note: str = "",
    reported_on: date | None = None,
    period_label: str = "",
    expected_version: int | None = None,
) -> TaskInfo:
    """A status update: done or not yet; lateness follows from the deadline, with its reason."""
    day = reported_on or sec.today()
    if day > sec.today():
        raise errors.DateInFuture("date", day.isoformat())
    why, text = nfc(reason), nfc(note)
    cal = sec.calendar()
    with sec.context.write() as tx:
        s = tx.session
        task = sec._get(s, AssignedTask, "assigned_task", task_id)
        sec._check_version(s, task, "assigned_task", expected_version)
        if task.secret and text:
            raise errors.SecretTaskContent(task.id)
        status = task_status(task.deadline, day if done else None, day, cal)
        late = status in ("done_late", "in_progress_overdue")
        if late and not why and not task.secret:
            raise errors.LateReasonMissing(task.id)
        s.add(
            TaskStatusUpdate(
                id=new_id(),
                task_id=task.id,
                reported_on=day,
                period_label=nfc(period_label),
                status=status,
                reason="" if task.secret else why,
                note=text,
                actor=sec.ws.actor,
                created_at=sec._clock(),
            )
        )
        task.status = status
        task.done_on = day if done else None
        task.late_reason = "" if task.secret else why
        task.updated_at = sec._clock()
        task.version += 1
        s.flush()
        tx.record(
            "report_task",
            "assigned_task",
            task.id,
            {"status": status, "reported_on": day.isoformat(), "reason": task.late_reason},
        )
    return task_info(sec, task_id)


def task_info(sec: Secretary, task_id: str) -> TaskInfo:
    with sec._db.read() as s:
        task = sec._get(s, AssignedTask, "assigned_task", task_id)
        return _info(sec, s, task, _Listing.read(sec, s))


def tasks(sec: Secretary, unit_code: str | None = None) -> list[TaskInfo]:
    with sec._db.read() as s:
        query = select(AssignedTask).order_by(AssignedTask.assigned_on, AssignedTask.created_at)
        if unit_code:
            query = query.where(AssignedTask.lead_unit_id == unit_id_of(s, unit_code))
        listing = _Listing.read(sec, s)
        return [_info(sec, s, t, listing) for t in s.execute(query).scalars()]


@dataclass(frozen=True)
class _Listing:
    """What every task of a listing shares, read once: unit codes and the working calendar."""

    codes: dict[str, str]
    calendar: WorkCalendar

    @classmethod
    def read(cls, sec: Secretary, s: Session) -> _Listing:
        codes = dict(s.execute(select(Unit.id, Unit.code)).tuples().all())
        return cls(codes, agency_calendar(s, load_office_hours(sec.ws.data_dir)))


def _info(sec: Secretary, s: Session, task: AssignedTask, listing: _Listing) -> TaskInfo:
    codes = listing.codes
    last = s.execute(
        select(TaskStatusUpdate.reported_on)
        .where(TaskStatusUpdate.task_id == task.id)
        .order_by(TaskStatusUpdate.reported_on.desc())
        .limit(1)
    ).scalar_one_or_none()
    due = None
    returned = task.status == RETURNED
    if task.period and task.done_on is None and not returned:
        due = next_report_due(task.period, last or task.assigned_on)
    today = sec.today()
    returned_at, return_reason = None, ""
    if returned:
        found = s.execute(
            select(TaskStatusUpdate.created_at, TaskStatusUpdate.reason)
            .where(TaskStatusUpdate.task_id == task.id, TaskStatusUpdate.status == RETURNED)
            .order_by(TaskStatusUpdate.created_at.desc())
            .limit(1)
        ).first()
        if found is not None:
            returned_at, return_reason = found
    return_limit = None
    if returned or task.done_on is None:
        flag = assess(
            TimeLimit.ONE_WORKING_DAY, task.created_at, returned_at, sec._clock(), listing.calendar
        )
        # Past the window a task not sent back is simply ours: nothing to flag then.
        if returned or flag.state != "breached":
            return_limit = flag
    return TaskInfo(
        task.id,
        task.source_document_id,
        task.source_reference,
        task.secret,
        task.content,
        codes[task.lead_unit_id],
        tuple(codes[c] for c in task.co_unit_ids),
        task.deadline,
        task.period,
        task.assigned_on,
        RETURNED if returned else task_status(task.deadline, task.done_on, today, listing.calendar),
        task.done_on,
        task.late_reason,
        task.version,
        due,
        return_limit,
        returned_at,
        return_reason,
    )


def monthly_table(sec: Secretary, as_of: date) -> list[MonthlyRow]:
    """The appendix table per lead unit, for tasks assigned up to `as_of`, with statuses then."""
    with sec._db.read() as s:
        units = {u.id: u for u in s.execute(select(Unit).order_by(Unit.code)).scalars()}
        cal = _Listing.read(sec, s).calendar
        rows = (
            s.execute(select(AssignedTask).where(AssignedTask.assigned_on <= as_of)).scalars().all()
        )
        sources: dict[str, set[str]] = defaultdict(set)
        counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for t in rows:
            if t.status == RETURNED:  # sent back as not ours: not in the agency's table
                continue
            sources[t.lead_unit_id].add(t.source_document_id or t.source_reference or t.id)
            counts[t.lead_unit_id]["tasks"] += 1
            counts[t.lead_unit_id][task_status(t.deadline, t.done_on, as_of, cal)] += 1
    table = []
    for unit_id, c in counts.items():
        u = units[unit_id]
        table.append(
            MonthlyRow(
                u.code,
                u.name,
                len(sources[unit_id]),
                c["tasks"],
                c["done_on_time"],
                c["done_late"],
                c["in_progress"],
                c["in_progress_overdue"],
            )
        )
    table.sort(key=lambda r: r.unit_code)
    return table


def totals(rows: Sequence[MonthlyRow]) -> MonthlyRow:
    return MonthlyRow(
        "",
        "Tổng cộng",
        sum(r.documents for r in rows),
        sum(r.tasks for r in rows),
        sum(r.done_on_time for r in rows),
        sum(r.done_late for r in rows),
        sum(r.in_progress for r in rows),
        sum(r.in_progress_overdue for r in rows),
    )
