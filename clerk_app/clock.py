"""Vietnam time for the desk: aware datetimes, dates as Vietnamese offices see them; no I/O."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

# Vietnam has kept UTC+7 without daylight saving since 1975; a fixed offset needs no tz database
# (which Windows lacks).
VIETNAM = timezone(timedelta(hours=7), "ICT")

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def to_vietnam(moment: datetime) -> datetime:
    """The same instant in Vietnam time; a naive value is taken as already in Vietnam time."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=VIETNAM)
    return moment.astimezone(VIETNAM)


def vietnam_date(moment: datetime) -> date:
    return to_vietnam(moment).date()


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in Vietnam time (`2026-11-26T09:15:02+07:00`), as documents and JSON show it."""
    return None if moment is None else to_vietnam(moment).isoformat(timespec="seconds")


def moment_text(moment: datetime | None) -> str:
    """`05/02/2024 09:15` in Vietnam time: a moment as a clerk reads it (window and command
    line alike); "" for none."""
    if moment is None:
        return ""
    local = to_vietnam(moment)
    return f"{local.day:02d}/{local.month:02d}/{local.year:04d} {local.hour:02d}:{local.minute:02d}"
