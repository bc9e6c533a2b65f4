"""The desk clock measured against the server's (the time authority online), and the flag put on
records a wrong clock dated; never changes a recorded time, no wording.

The last measurement is kept on the desk's sync_link row (it was `sync-clock.json` before
migration 0004) so the sync state shows it between rounds and the next upload knows whether the
clock was wrong before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from clerk_app.clock import Clock
from sync import desk_store
from sync import protocol as p
from sync.client import ServerClient

# Where an older desk kept the last reading; read once, then renamed (sync.side_files).
FILENAME = "sync-clock.json"


@dataclass(frozen=True)
class ClockReading:
    """The desk's clock minus the server's, in whole seconds, and when (desk time) it was read."""

    skew_s: int
    measured_at: datetime

    @property
    def wrong(self) -> bool:
        return abs(self.skew_s) > p.CLOCK_SKEW_TOLERANCE_S

    def as_json(self) -> dict[str, Any]:
        return {"skew_s": self.skew_s, "measured_at": self.measured_at.isoformat()}


def measure(client: ServerClient, clock: Clock, *, once: bool = False) -> ClockReading | None:
    """Ask the server its time; the desk's time is taken at the middle of the round trip.
    None from a server that does not tell its time (older than the field)."""
    before = clock()
    answer = client.hello(once=once)
    return read(answer, before, clock())


def read(answer: dict[str, Any], before: datetime, after: datetime) -> ClockReading | None:
    """The reading of an answer carrying the server's `time` (its hello, its desk standing),
    asked at `before` and answered at `after` (desk time); None when it does not carry it."""
    try:
        server_now = datetime.fromisoformat(str(answer["time"]))
    except (KeyError, ValueError):
        return None
    middle = before + (after - before) / 2
    return ClockReading(round((middle - server_now).total_seconds()), after)


def last_reading(s: Session) -> ClockReading | None:
    """The reading kept on the link row; None before the first one (or when not connected)."""
    link = desk_store.link(s)
    if link is None or link.clock_skew_s is None or link.clock_measured_at is None:
        return None
    return ClockReading(link.clock_skew_s, link.clock_measured_at)


def remember(s: Session, reading: ClockReading) -> None:
    link = desk_store.link(s)
    if link is not None:
        link.clock_skew_s = reading.skew_s
        link.clock_measured_at = reading.measured_at


def flag_batch(batch: list[dict[str, Any]], now: ClockReading, before: ClockReading | None) -> int:
    """Mark the mutations a wrong clock dated with the skew; returns how many were marked.

    Wrong now: everything waiting was dated by this clock. Right now but wrong when last read:
    what was recorded since that reading was dated by the wrong clock, until someone fixed it."""
    marked = 0
    for m in batch:
        skew: int | None = None
        if now.wrong:
            skew = now.skew_s
        elif before is not None and before.wrong and _dated_since(m, before.measured_at):
            skew = before.skew_s
        if skew is not None:
            m[p.CLOCK_SKEW_FIELD] = skew
            marked += 1
    return marked


def _dated_since(m: dict[str, Any], moment: datetime) -> bool:
    try:
        return datetime.fromisoformat(str(m.get("at"))) >= moment
    except (ValueError, TypeError):
        return True  # undatable: flagged rather than trusted
