"""The desk's office hours as a stored setting (`office-hours.json` in the data directory).

Read by the outage commands to count the working hours an outage cost; parsing and the default
stay with `OfficeHours` in sync.outage_report. No Qt, no wording.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from clerk_app import errors
from sync.outage_report import OfficeHours

SETTINGS_FILE = "office-hours.json"


def spans_text(hours: OfficeHours) -> str:
    """The form `OfficeHours.parse` reads: "07:30-11:30,13:30-17:00"."""
    return ",".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in hours.spans)


def load_office_hours(data_dir: Path) -> OfficeHours:
    """The stored office hours, or the regulation's default when none were set."""
    path = data_dir / SETTINGS_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return OfficeHours()
    except (OSError, ValueError):
        raise errors.InvalidValue("office_hours", str(path), "07:30-11:30,13:30-17:00") from None
    spans = raw.get("spans") if isinstance(raw, dict) else None
    if not isinstance(spans, list) or not all(isinstance(x, str) for x in spans):
        raise errors.InvalidValue("office_hours", str(path), "07:30-11:30,13:30-17:00")
    return OfficeHours.parse(",".join(spans))


def save_office_hours(data_dir: Path, hours: OfficeHours) -> Path:
    path = data_dir / SETTINGS_FILE
    tmp = path.with_suffix(".tmp")
    spans = spans_text(hours).split(",")
    tmp.write_text(json.dumps({"spans": spans}, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def office_hours_from(
    morning: str | None, afternoon: str | None, current: OfficeHours
) -> OfficeHours:
    """Replace the morning and/or afternoon span of `current` (a span given as "07:30-11:30")."""
    spans = spans_text(current).split(",")
    if len(spans) != 2:
        spans = spans_text(OfficeHours()).split(",")
    if morning is not None:
        spans[0] = morning
    if afternoon is not None:
        spans[1] = afternoon
    return OfficeHours.parse(",".join(spans))
