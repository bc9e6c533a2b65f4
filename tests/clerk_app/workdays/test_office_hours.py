"""The desk's office-hours setting: default, round trip, and a damaged file refused."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from clerk_app import errors
from clerk_app.workdays.office_hours import (
    SETTINGS_FILE,
    OfficeHours,
    load_office_hours,
    office_hours_from,
    save_office_hours,
)


def test_default_is_an_eight_hour_day_and_the_setting_round_trips(tmp_path: Path) -> None:
    default = load_office_hours(tmp_path)
    hours = sum((b.hour * 60 + b.minute) - (a.hour * 60 + a.minute) for a, b in default.spans)
    assert hours == 8 * 60
    changed = office_hours_from(None, "13:30-17:30", default)
    save_office_hours(tmp_path, changed)
    assert load_office_hours(tmp_path) == changed
    assert changed.spans[1] == (time(13, 30), time(17, 30))
    assert OfficeHours.parse(changed.text()) == changed


@pytest.mark.parametrize("content", ["{", '{"spans": "07:30-11:30"}', '{"spans": ["7h-11h"]}'])
def test_a_damaged_setting_is_refused_not_guessed(tmp_path: Path, content: str) -> None:
    (tmp_path / SETTINGS_FILE).write_text(content, encoding="utf-8")
    with pytest.raises(errors.InvalidValue):
        load_office_hours(tmp_path)
