"""Time limits of the regulations counted on the working-day calendar, and the check that flags them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Literal

from clerk_app.clock import to_vietnam
from clerk_app.workdays.calendar import WorkCalendar


class TimeLimit(Enum):
    """The rules of STANDARDS.md, each with where it comes from."""

    SAME_OR_NEXT_WORKING_DAY = "same_or_next_working_day"  # NĐ 30 art. 4.2.c, 23.1
    EIGHT_WORKING_HOURS = "eight_working_hours"  # Phú Yên art. 5.2 (electronic documents)
    ONE_WORKING_DAY = "one_working_day"  # KH&CN 2023 art. 4 (task returned as misaddressed)
    IMMEDIATELY = "immediately"  # Phú Yên art. 5.3, NĐ 30 art. 23.1 (Hỏa tốc, Thượng khẩn, Khẩn)


# "Immediately after receipt" (ngay sau khi nhận) read as: within the working hour that follows
# the arrival, counted in office hours, so a document that came in at night is due an hour after
# the office opens. STANDARDS.md gives no figure: this is the one default.
URGENT_WORKING_HOURS = 1.0


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
    if rule is TimeLimit.IMMEDIATELY:
        return calendar.add_working_hours(begin, URGENT_WORKING_HOURS)
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


LimitState = Literal["met", "pending", "at_risk", "breached"]

# "At risk": less than half a working day left before the limit.
AT_RISK_WORKING_HOURS = 4


@dataclass(frozen=True)
class LimitFlag:
    """Which rule applies to something, its limit, and where it stands now."""

    rule: TimeLimit
    started: datetime
    limit: datetime
    done: datetime | None
    state: LimitState


def assess(
    rule: TimeLimit,
    started: datetime,
    done: datetime | None,
    now: datetime,
    calendar: WorkCalendar,
) -> LimitFlag:
    """Met or breached once done; while not done, breached past the limit, at risk near it.

    Urgent documents have a rule of their own (IMMEDIATELY): at risk from the moment they
    arrive, breached once the working hour after it has passed.
    """
    result = check(rule, started, done, now, calendar)
    state: LimitState
    if result.late:
        state = "breached"
    elif done is not None:
        state = "met"
    elif calendar.add_working_hours(now, AT_RISK_WORKING_HOURS) >= result.limit:
        state = "at_risk"
    else:
        state = "pending"
    return LimitFlag(rule, result.started, result.limit, result.done, state)


def deadline_end(deadline: date, calendar: WorkCalendar) -> date:
    """The last day that still meets a deadline written as `deadline`.

    A deadline is entered as the source document or the leader wrote it, even on a Sunday or a
    holiday; it then runs to the end of the next working day (Bộ luật Dân sự 2015, art. 148.5:
    a time limit whose last day is a day off ends at the end of the working day after it).
    `clerk due`, the follow-up lists and the statistics report all judge by this day.
    """
    return calendar.on_or_after(deadline)
