"""Who is trying passwords too fast: recent failed logins per name and per client address.

Kept in the server's memory (a restart forgets it; the lock after repeated failures is in the
database). A name is throttled the same whether an account has it or not, so the answers tell
nothing about which names exist. No database, no HTTP.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

PER_NAME = 5  # failures of one name within WINDOW_S before each try must wait NAME_DELAY_S
NAME_DELAY_S = 1.0
WINDOW_S = 15 * 60
PER_ADDRESS = 30  # failures from one client address within ADDRESS_WINDOW_S
ADDRESS_WINDOW_S = 60
MAX_TRACKED = 10_000  # names or addresses remembered at once; the oldest go first


@dataclass(frozen=True)
class Wait:
    """Seconds to wait before the next try, and whether the name just became throttled."""

    seconds: float
    started: bool = False


class LoginThrottle:
    def __init__(self, per_address: int = PER_ADDRESS) -> None:
        self.per_address = per_address
        self._names: dict[str, deque[float]] = {}
        self._addresses: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait(self, name: str, address: str, now: float) -> float:
        """Seconds before `name` may try again from `address` (0: it may try now)."""
        with self._lock:
            names = _recent(self._names, name, now, WINDOW_S)
            addresses = _recent(self._addresses, address, now, ADDRESS_WINDOW_S)
            waits = [0.0]
            if len(names) >= PER_NAME:
                waits.append(names[-1] + NAME_DELAY_S - now)
            if len(addresses) >= self.per_address:
                waits.append(addresses[-self.per_address] + ADDRESS_WINDOW_S - now)
            return max(waits)

    def failed(self, name: str, address: str, now: float) -> bool:
        """Count a failure; True when it is the one that starts throttling the name."""
        with self._lock:
            names = _remember(self._names, name, now, WINDOW_S)
            _remember(self._addresses, address, now, ADDRESS_WINDOW_S)
            return len(names) == PER_NAME

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._names.pop(name, None)


def _recent(table: dict[str, deque[float]], key: str, now: float, window: float) -> deque[float]:
    times = table.get(key, deque())
    while times and times[0] <= now - window:
        times.popleft()
    return times


def _remember(table: dict[str, deque[float]], key: str, now: float, window: float) -> deque[float]:
    times = _recent(table, key, now, window)
    if key not in table:
        if len(table) >= MAX_TRACKED:
            del table[next(iter(table))]
        table[key] = times
    times.append(now)
    if len(times) > 1000:
        times.popleft()
    return times
