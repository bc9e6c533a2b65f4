"""Time limits assessed as met, pending, at risk or breached, across weekends and holidays."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from clerk_app.clock import VIETNAM
from clerk_app.workdays.calendar import OFFICE_HOURS, WorkCalendar
from clerk_app.workdays.limits import TimeLimit, assess, limit_for

CAL = WorkCalendar()
SAME = TimeLimit.SAME_OR_NEXT_WORKING_DAY


def at(day: int, month: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=VIETNAM)


# Friday 24/04/2026, 16:00: Saturday, Sunday and Monday 27/04 (Giỗ Tổ observed) are days off.
FRIDAY_BEFORE_GIO_TO = at(24, 4, 16)


def test_next_working_day_skips_weekend_and_gio_to() -> None:
    assert limit_for(SAME, FRIDAY_BEFORE_GIO_TO, CAL) == at(28, 4, 17)


@pytest.mark.parametrize(
    ("now", "done", "state"),
    [
        (at(25, 4, 10), None, "pending"),  # Saturday: the whole of Tuesday is still ahead
        (at(27, 4, 9), None, "pending"),  # the holiday counts no office time
        (at(28, 4, 14), None, "at_risk"),  # Tuesday afternoon: under 4 working hours left
        (at(28, 4, 17, 1), None, "breached"),
        (at(29, 4, 8), at(28, 4, 16, 59), "met"),
        (at(29, 4, 8), at(29, 4, 7, 45), "breached"),  # done, but a day late
    ],
)
def test_same_or_next_working_day_states(now: datetime, done: datetime | None, state: str) -> None:
    flag = assess(SAME, FRIDAY_BEFORE_GIO_TO, done, now, CAL)
    assert flag.state == state
    assert flag.limit == at(28, 4, 17)


def test_eight_working_hours_across_30_4_and_1_5() -> None:
    arrived = at(29, 4, 16)  # Wednesday; Thursday 30/4 and Friday 1/5 are holidays
    flag = assess(TimeLimit.EIGHT_WORKING_HOURS, arrived, None, at(2, 5, 9), CAL)
    assert flag.limit == at(4, 5, 16)  # 1 h on Wednesday, then 4 h + 3 h on Monday 4/5
    assert flag.state == "pending"
    assert assess(TimeLimit.EIGHT_WORKING_HOURS, arrived, None, at(4, 5, 13), CAL).state == (
        "at_risk"
    )


def test_urgent_documents_are_late_by_their_own_rule_within_the_working_hour() -> None:
    now = TimeLimit.IMMEDIATELY
    assert limit_for(now, at(10, 3, 8), CAL) == at(10, 3, 9)
    assert assess(now, at(10, 3, 8), None, at(10, 3, 8, 5), CAL).state == "at_risk"
    assert assess(now, at(10, 3, 8), at(10, 3, 8, 40), at(10, 3, 10), CAL).state == "met"
    # Three days untouched is late, not «at risk» until the ordinary limit passes.
    assert assess(now, at(10, 3, 8), None, at(13, 3, 8), CAL).state == "breached"
    assert assess(now, at(10, 3, 8), at(10, 3, 9, 30), at(13, 3, 8), CAL).state == "breached"
    assert assess(SAME, at(10, 3, 8), at(10, 3, 9, 30), at(13, 3, 8), CAL).state == "met"
    # Counted in office hours: at 11:00 the hour runs into the afternoon; at night, from the
    # next opening; on Friday evening, from Monday morning.
    assert limit_for(now, at(10, 3, 11), CAL) == at(10, 3, 13, 30)
    assert limit_for(now, at(10, 3, 20), CAL) == at(11, 3, 8, 30)
    assert limit_for(now, at(13, 3, 18), CAL) == at(16, 3, 8, 30)


def test_one_working_day_counts_a_make_up_day_and_other_office_hours() -> None:
    # An administrator's extra day off on Wednesday 11/03 pushes the limit to Thursday.
    from clerk_app.workdays.calendar import Override

    cal = WorkCalendar([Override(at(11, 3, 0).date(), "day_off", "Nghỉ bù")])
    assert limit_for(TimeLimit.ONE_WORKING_DAY, at(10, 3, 9), cal) == at(12, 3, 17)
    # Other office hours move both the end of the day and the working-hour count.
    late = WorkCalendar(office_hours=((time(8, 0), time(12, 0)), (time(13, 30), time(17, 30))))
    assert limit_for(SAME, at(10, 3, 9), late) == at(11, 3, 17, 30)
    assert late.add_working_hours(at(10, 3, 11), 2) == at(10, 3, 14, 30)
    assert CAL.office_hours == OFFICE_HOURS
