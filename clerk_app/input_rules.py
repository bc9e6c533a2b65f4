"""Checks every typed value passes before it is stored: hidden characters, impossible dates; pure."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

from clerk_app import errors

# Before the Democratic Republic of Viet Nam (1945) no register of this office can hold a
# document; such a date is a mistyped year (`1026`, `26`).
EARLIEST_DATE = date(1945, 1, 1)

# Characters that reorder or hide text on screen and on paper (the "Trojan source" trick:
# U+202E makes `fdp.exe` read `exe.pdf`). Line breaks and tabs are ordinary typing and become
# spaces when the text is normalised.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_TYPED_WHITESPACE = frozenset("\t\n\r")


def forbidden_character(value: str) -> str | None:
    """The first control or bidi-override character of `value` as `U+202E`, or None."""
    for ch in value:
        if ch in _TYPED_WHITESPACE:
            continue
        if ch in _BIDI_CONTROLS or unicodedata.category(ch) == "Cc":
            return f"U+{ord(ch):04X}"
    return None


def refuse_hidden_characters(value: str | None, field: str) -> None:
    """ForbiddenCharacter when `value` holds a control or bidi-override character."""
    if not value:
        return
    found = forbidden_character(value)
    if found is not None:
        raise errors.ForbiddenCharacter(field, found)


def refuse_early_date(value: date | datetime | None, field: str) -> None:
    """DateTooEarly for a date before 1945 (the core checks it, not only the form)."""
    if value is None:
        return
    day = value.date() if isinstance(value, datetime) else value
    if day < EARLIEST_DATE:
        raise errors.DateTooEarly(field, day.isoformat(), EARLIEST_DATE.isoformat())
