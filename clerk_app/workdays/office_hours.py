"""The agency's office hours: one default, parsing, and the desk setting (`office-hours.json`).

Used wherever working hours are counted (time limits in hours, working time lost to an outage),
so every count on a desk uses the same hours. No database access, no wording.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import time
from pathlib import Path

from clerk_app import errors
from clerk_app.workdays.calendar import OFFICE_HOURS

SETTINGS_FILE = "office-hours.json"
EXAMPLE = "07:30-11:30,13:00-17:00"
_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class OfficeHours:
    """The office's daily working spans (Vietnam time), morning first."""

    spans: tuple[tuple[time, time], ...] = OFFICE_HOURS

    @classmethod
    def parse(cls, text: str) -> OfficeHours:
        """From "07:30-11:30,13:00-17:00"; raises InvalidValue on anything else."""
        spans: list[tuple[time, time]] = []
        for part in text.split(","):
            m = _SPAN.match(part)
            if m is None:
                raise errors.InvalidValue("office_hours", text, EXAMPLE)
            h1, m1, h2, m2 = (int(g) for g in m.groups())
            try:
                opens, closes = time(h1, m1), time(h2, m2)
            except ValueError:
                raise errors.InvalidValue("office_hours", text, EXAMPLE) from None
            if closes <= opens or (spans and opens < spans[-1][1]):
                raise errors.InvalidValue("office_hours", text, EXAMPLE)
            spans.append((opens, closes))
        return cls(tuple(spans))

    def label(self) -> str:
        return ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in self.spans)

    def text(self) -> str:
        """The form `parse` reads back."""
        return ",".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in self.spans)


def load_office_hours(data_dir: Path) -> OfficeHours:
    """The desk's stored office hours, or the default when none were set."""
    path = data_dir / SETTINGS_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return OfficeHours()
    except (OSError, ValueError):
        raise errors.InvalidValue("office_hours", str(path), EXAMPLE) from None
    spans = raw.get("spans") if isinstance(raw, dict) else None
    if not isinstance(spans, list) or not all(isinstance(x, str) for x in spans):
        raise errors.InvalidValue("office_hours", str(path), EXAMPLE)
    return OfficeHours.parse(",".join(spans))


def save_office_hours(data_dir: Path, hours: OfficeHours) -> Path:
    """Write the setting atomically (a crash leaves the old hours or the new, never half)."""
    path = data_dir / SETTINGS_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"spans": hours.text().split(",")}, indent=1) + "\n", "utf-8")
    os.replace(tmp, path)
    return path


def office_hours_from(
    morning: str | None, afternoon: str | None, current: OfficeHours
) -> OfficeHours:
    """Replace the morning and/or afternoon span of `current` (a span given as "07:30-11:30")."""
    spans = current.text().split(",")
    if len(spans) != 2:
        spans = OfficeHours().text().split(",")
    if morning is not None:
        spans[0] = morning
    if afternoon is not None:
        spans[1] = afternoon
    return OfficeHours.parse(",".join(spans))
