"""Re-exports the desk's office-hours setting, which lives in the core (clerk_app.workdays)."""

from __future__ import annotations

from clerk_app.workdays.office_hours import (
    SETTINGS_FILE,
    OfficeHours,
    load_office_hours,
    office_hours_from,
    save_office_hours,
)


def spans_text(hours: OfficeHours) -> str:
    """The form `OfficeHours.parse` reads: "07:30-11:30,13:00-17:00"."""
    return hours.text()


__all__ = [
    "SETTINGS_FILE",
    "OfficeHours",
    "load_office_hours",
    "office_hours_from",
    "save_office_hours",
    "spans_text",
]
