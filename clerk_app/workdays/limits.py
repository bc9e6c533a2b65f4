"""Time limits of the regulations counted on the working-day calendar, and the check that flags them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from clerk_app.clock import to_vietnam
from clerk_app.workdays.calendar import WorkCalendar


class TimeLimit(Enum):
    """The rules of STANDARDS.md, each with where it comes from."""

    SAME_OR_NEXT_WORKING_DAY = "same_or_next_working_day"  # NĐ 30 art. 4.2.c, 23.1
    EIGHT_WORKING_HOURS = "eight_working_hours"  # Phú Yên art. 5.2 (electronic documents)
    ONE_WORKING_DAY = "one_working_day"  # KH&CN 2023 art. 4 (task returned as misaddressed)


@dataclass(frozen=True)
class LimitCheck:
    rule: TimeLimit
    started: datetime
    limit: datetime
    done: datetime | None
    late: bool


def limit_for(rule: TimeLimit, started: datetime, calendar: WorkCalendar) -> datetime:
    """The last moment that still meets `rule` for something that started at `started`."""
    begin = to_vietnam(started)
    if rule is TimeLimit.EIGHT_WORKING_HOURS:
        return calendar.add_working_hours(begin, 8)
    # "Within the day or the next working day" and "within 01 working day" both end when the
    # next working day's office hours end, counting from the day the thing arrived.
    return calendar.end_of_day(calendar.next_working_day(begin.date()))


def check(
    rule: TimeLimit,
    started: datetime,
    done: datetime | None,
    now: datetime,
    calendar: WorkCalendar,
) -> LimitCheck:
    """Flag as late what was done after the limit, or is still not done when the limit passed."""
    limit = limit_for(rule, started, calendar)
    moment = to_vietnam(done) if done is not None else to_vietnam(now)
    return LimitCheck(rule, to_vietnam(started), limit, done, moment > limit)
