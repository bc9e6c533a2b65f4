"""The working-day calendar against the `holidays` package, across Tết, Giỗ Tổ, 30/4, 2/9, year ends."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import holidays
import pytest

from clerk_app.clock import VIETNAM
from clerk_app.workdays.calendar import Override, WorkCalendar
from clerk_app.workdays.limits import TimeLimit, check, limit_for

CAL = WorkCalendar()


def reference_add(start: date, count: int) -> date:
    """Independent count straight from the package: weekdays that are not public holidays."""
    vn = holidays.country_holidays("VN", years=range(start.year, start.year + 2))
    day = start
    while count:
        day += timedelta(days=1)
        working = (day.weekday() < 5 and day not in vn) or day in vn.weekend_workdays
        if working:
            count -= 1
    return day


@pytest.mark.parametrize(
    ("start", "count", "expected", "why"),
    [
        # Tết 2026: 16–20 Feb are days off, with the weekends around them.
        (date(2026, 2, 13), 1, date(2026, 2, 23), "Tết Bính Ngọ"),
        (date(2026, 2, 12), 2, date(2026, 2, 23), "Tết, counting the Friday before"),
        # Giỗ Tổ 2026 falls on Sunday 26/4, observed Monday 27/4; then 30/4 and 1/5.
        (date(2026, 4, 24), 1, date(2026, 4, 28), "Giỗ Tổ observed on Monday"),
        (date(2026, 4, 29), 1, date(2026, 5, 4), "30/4 and 1/5 then the weekend"),
        # 2/9/2026: 31/8 (moved), 1/9 and 2/9 off.
        (date(2026, 8, 28), 1, date(2026, 9, 3), "Quốc khánh with the moved day off"),
        # Year ends: 1/1/2027 is a Friday.
        (date(2026, 12, 31), 1, date(2027, 1, 4), "New Year then the weekend"),
        (date(2025, 12, 31), 1, date(2026, 1, 2), "New Year on Thursday 2026"),
        # Tết 2027 spans 4–10 Feb.
        (date(2027, 2, 3), 1, date(2027, 2, 11), "Tết Đinh Mùi"),
    ],
)
def test_add_working_days_across_holidays(
    start: date, count: int, expected: date, why: str
) -> None:
    assert CAL.add_working_days(start, count) == expected, why
    assert reference_add(start, count) == expected, why


def test_a_year_of_working_days_matches_the_package() -> None:
    vn = holidays.country_holidays("VN", years=[2025, 2026, 2027])
    day = date(2025, 1, 1)
    while day.year < 2028:
        expected = (day.weekday() < 5 and day not in vn) or day in vn.weekend_workdays
        assert CAL.is_working_day(day) is expected, day
        day += timedelta(days=1)


def test_reasons_are_named_in_vietnamese() -> None:
    assert CAL.day_off_reason(date(2026, 2, 17)) == "Tết Nguyên đán"
    assert CAL.day_off_reason(date(2027, 4, 16)) == "Giỗ Tổ Hùng Vương"
    assert CAL.day_off_reason(date(2026, 9, 2)) == "Quốc khánh (2/9)"
    assert CAL.day_off_reason(date(2026, 3, 14)) == "Thứ Bảy"
    assert CAL.day_off_reason(date(2026, 3, 16)) is None
    # A Saturday the government made a working day (26/4/2025, for the 2/5 day off).
    assert CAL.is_working_day(date(2025, 4, 26))


def test_administrator_overrides_win() -> None:
    cal = WorkCalendar(
        [
            Override(date(2026, 2, 21), "workday", "Làm bù Tết"),
            Override(date(2026, 3, 16), "day_off", "Nghỉ bầu cử"),
        ]
    )
    assert cal.is_working_day(date(2026, 2, 21))
    assert cal.day_off_reason(date(2026, 3, 16)) == "Nghỉ bầu cử"
    assert cal.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 21)
    assert cal.add_working_days(date(2026, 3, 13), 1) == date(2026, 3, 17)
    assert cal.working_days_between(date(2026, 2, 13), date(2026, 2, 23)) == 2


def test_working_hours_skip_lunch_nights_and_tet() -> None:
    start = datetime(2026, 2, 13, 15, 0, tzinfo=VIETNAM)  # Friday before Tết, 2 hours left
    assert CAL.add_working_hours(start, 8) == datetime(2026, 2, 23, 15, 0, tzinfo=VIETNAM)
    noon = datetime(2026, 3, 10, 12, 0, tzinfo=VIETNAM)
    assert CAL.add_working_hours(noon, 1) == datetime(2026, 3, 10, 14, 0, tzinfo=VIETNAM)


def test_time_limits_are_flagged() -> None:
    arrived = datetime(2026, 4, 29, 16, 0, tzinfo=VIETNAM)
    limit = limit_for(TimeLimit.SAME_OR_NEXT_WORKING_DAY, arrived, CAL)
    assert limit == datetime(2026, 5, 4, 17, 0, tzinfo=VIETNAM)
    on_time = check(TimeLimit.SAME_OR_NEXT_WORKING_DAY, arrived, limit, limit, CAL)
    assert not on_time.late
    late = check(
        TimeLimit.ONE_WORKING_DAY, arrived, None, datetime(2026, 5, 5, 8, 0, tzinfo=VIETNAM), CAL
    )
    assert late.late
    eight = limit_for(TimeLimit.EIGHT_WORKING_HOURS, arrived, CAL)
    assert eight == datetime(2026, 5, 4, 16, 0, tzinfo=VIETNAM)  # 1 h + 4 h + 3 h
