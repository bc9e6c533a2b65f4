"""Reads a register's entries for printing and reporting through the Workspace's public API only.

It never writes. The number range a period covers is built here from `register_rows()`; every
column a printed row needs comes with the `DocumentSummary` itself (no per-row reads).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from clerk_app import errors
from clerk_app.clock import to_vietnam, vietnam_date
from clerk_app.records import DocumentSummary, RegisterInfo
from clerk_app.workspace import Workspace

BATCH = 1000


class ProgressReporter(Protocol):
    """What a long job reports to (the UI's `workers.Progress` is one); `cancelled` stops it."""

    def report(self, done: int, total: int, label: str = "") -> None: ...

    @property
    def cancelled(self) -> bool: ...


@dataclass(frozen=True)
class RegisterEntry:
    """One registration as the printed register shows it."""

    summary: DocumentSummary
    filed_on: date  # arrival date (incoming) or the document's date (outgoing), Vietnam time
    copies: int | None = None
    file_copy_holder: str = ""
    cancelled_at: datetime | None = None
    cancel_reason: str = ""

    @property
    def number(self) -> int:
        return self.summary.number

    @property
    def cancelled(self) -> bool:
        return self.summary.status == "cancelled"


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last


def check_period(
    year: int, date_from: date | None, date_to: date | None, today: date | None = None
) -> Period:
    """The period of a printing within `year`; missing ends default to the year's bounds.

    A period reaching into another year is refused, naming both years: each year has its own
    register, numbered from 1, so one printing cannot hold two. A printing ends on `today` at
    the latest: a book printed on 07/12 states «đến ngày 07/12», the last day it can hold (a
    cover claiming 31/12 would say that nothing came after the printing).
    """
    first = date_from or date(year, 1, 1)
    last = date_to or date(year, 12, 31)
    if first > last:
        raise errors.PeriodReversed(first.isoformat(), last.isoformat())
    if first.year != last.year:
        raise errors.PeriodAcrossYears(first.isoformat(), last.isoformat(), first.year, last.year)
    if first.year != year:
        raise errors.PeriodOutsideYear(year, first.isoformat(), last.isoformat())
    if today is not None:
        if first > today:
            raise errors.DateInFuture("date", first.isoformat())
        last = min(last, today)
    return Period(first, last)


def filed_on(summary: DocumentSummary) -> date:
    """The day the register files an entry under."""
    if summary.direction == "incoming" and summary.received_at is not None:
        return vietnam_date(summary.received_at)
    if summary.issued_on is not None:
        return summary.issued_on
    raise errors.InvalidValue("issued_on", "", f"ngày của văn bản số {summary.number}")


@dataclass(frozen=True)
class NumberRange:
    """Which numbers a printing holds and where its pages break.

    A printing for a period holds the numbers `before < n <= through`, where `before` is the
    highest number filed before the period starts and `through` the highest filed by its end.
    Consecutive periods therefore tile the register with no number printed twice or left out,
    even when an outgoing document was dated back.
    """

    before: int
    through: int
    first_number: int  # lowest number that exists in the range
    count: int  # entries in the range (cancelled ones included)
    month_ends: frozenset[int]  # a new page starts after each of these numbers


def number_range(ws: Workspace, register: RegisterInfo, period: Period) -> NumberRange:
    """One pass over the register's summaries (cheap: no `document()` calls)."""
    highest_by_month: dict[int, int] = {}
    before = through = 0
    for row in rows(ws, register.id, 0, register.last_number):
        day = filed_on(row)
        month = day.month if day.year == register.year else (1 if day.year < register.year else 12)
        highest_by_month[month] = max(highest_by_month.get(month, 0), row.number)
        if day < period.first:
            before = max(before, row.number)
        if day <= period.last:
            through = max(through, row.number)
    month_ends: set[int] = set()
    running = 0
    for month in range(1, 13):
        running = max(running, highest_by_month.get(month, 0))
        if running:
            month_ends.add(running)
    first_number = 0
    count = 0
    if through > before:
        for row in rows(ws, register.id, before, through):
            first_number = first_number or row.number
            count += 1
    return NumberRange(before, through, first_number, count, frozenset(month_ends))


def rows(ws: Workspace, register_id: str, after: int, through: int) -> Iterator[DocumentSummary]:
    """The register's summaries numbered `after < n <= through`, in number order, in batches."""
    start = after
    while start < through:
        count = min(BATCH, through - start)
        yield from ws.register_rows(register_id, start, count)
        start += count


def entries(
    ws: Workspace, register: RegisterInfo, after: int, through: int
) -> Iterator[RegisterEntry]:
    """Entries `after < n <= through` with the extra fields their printed row needs."""
    for row in rows(ws, register.id, after, through):
        yield entry_for(ws, row)


def entry_for(ws: Workspace, row: DocumentSummary) -> RegisterEntry:
    return RegisterEntry(
        row,
        filed_on(row),
        copies=row.copies,
        file_copy_holder=row.file_copy_holder,
        cancelled_at=to_vietnam(row.cancelled_at) if row.cancelled_at else None,
        cancel_reason=row.cancel_reason,
    )
