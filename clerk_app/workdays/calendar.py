"""The working-day calendar: weekends, Labour Code holidays, yearly overrides; no database access."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal

import holidays

from clerk_app.clock import VIETNAM, to_vietnam

OverrideKind = Literal["workday", "day_off"]

# Office hours used to count "working hours" (08 hours a day, Labour Code art. 105). STANDARDS.md
# names no hours and the desk keeps no setting for them yet: this is the one default, and a
# calendar takes other spans when an agency's hours differ.
MORNING = (time(7, 30), time(11, 30))
AFTERNOON = (time(13, 0), time(17, 0))
OFFICE_HOURS: tuple[tuple[time, time], ...] = (MORNING, AFTERNOON)

# Names the `holidays` package gives, in the words an office uses.
_VIETNAMESE_NAMES = {
    "New Year's Day": "Tết Dương lịch",
    "Lunar New Year": "Tết Nguyên đán",
    "Hung Kings' Commemoration Day": "Giỗ Tổ Hùng Vương",
    "Liberation Day/Reunification Day": "Ngày Chiến thắng (30/4)",
    "International Labor Day": "Ngày Quốc tế lao động (1/5)",
    "National Day": "Quốc khánh (2/9)",
    "Vietnam Cultural Day": "Ngày Văn hóa Việt Nam",
    "Day off": "Ngày nghỉ bù",
}


@dataclass(frozen=True)
class Override:
    day: date
    kind: OverrideKind
    reason: str = ""


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=year)


def public_holiday_name(day: date) -> str | None:
    """The holiday's Vietnamese name, or None on an ordinary day (weekends are not holidays)."""
    name = _public_holidays(day.year).get(day)
    if name is None:
        return None
    for english, vietnamese in _VIETNAMESE_NAMES.items():
        if english in name:
            return vietnamese
    return name


def _package_make_up_days(year: int) -> frozenset[date]:
    # Saturdays the Prime Minister turned into working days, where the package knows them.
    return frozenset(getattr(_public_holidays(year), "weekend_workdays", ()) or ())


class WorkCalendar:
    """Working days of one agency: the law's calendar changed by the administrator's overrides."""

    def __init__(
        self,
        overrides: Iterable[Override] = (),
        office_hours: tuple[tuple[time, time], ...] = OFFICE_HOURS,
    ) -> None:
        self._overrides: Mapping[date, Override] = {o.day: o for o in overrides}
        self.office_hours = office_hours

    def day_off_reason(self, day: date) -> str | None:
        """Why `day` is not a working day (holiday name, weekend, override), or None if it is."""
        override = self._overrides.get(day)
        if override is not None:
            return None if override.kind == "workday" else (override.reason or "Ngày nghỉ")
        holiday = public_holiday_name(day)
        if holiday is not None:
            return holiday
        if day.weekday() >= 5 and day not in _package_make_up_days(day.year):
            return "Thứ Bảy" if day.weekday() == 5 else "Chủ nhật"
        return None

    def is_working_day(self, day: date) -> bool:
        return self.day_off_reason(day) is None

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        return self.add_working_days(day, 1)

    def on_or_after(self, day: date) -> date:
        return day if self.is_working_day(day) else self.next_working_day(day)

    def add_working_days(self, start: date, count: int) -> date:
        """The date `count` working days after `start`; `start` itself is not counted."""
        if count < 0:
            raise ValueError("count must not be negative")
        day = start
        left = count
        while left:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, first: date, last: date) -> int:
        """Working days after `first` up to and including `last` (0 when last <= first)."""
        count = 0
        day = first
        while day < last:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The moment `hours` office hours after `start` (Vietnam time), skipping days off."""
        moment = to_vietnam(start)
        left = timedelta(hours=hours)
        while True:
            day = moment.date()
            if self.is_working_day(day):
                for opens, closes in self.office_hours:
                    begin = datetime.combine(day, opens, VIETNAM)
                    end = datetime.combine(day, closes, VIETNAM)
                    if moment >= end:
                        continue
                    moment = max(moment, begin)
                    if moment + left <= end:
                        return moment + left
                    left -= end - moment
                    moment = end
            moment = datetime.combine(day + timedelta(days=1), time(0, 0), VIETNAM)

    def end_of_day(self, day: date) -> datetime:
        return datetime.combine(day, self.office_hours[-1][1], VIETNAM)
