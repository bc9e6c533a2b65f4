"""Vietnamese working days: the holiday calendar, administrator overrides and time limits; no Qt."""
