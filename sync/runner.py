"""Runs the desk's sync rounds in a background thread with exponential backoff; no Qt, no wording.

Only the runner's own thread touches the desk database; `state()` hands out the last snapshot, so
a UI polling it never blocks on SQLite or the network.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from clerk_app import errors
from clerk_app.clock import Clock, system_clock
from sync.engine import DeskSync

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunnerState:
    """What the desk shows about sync: online, or offline since when; what is waiting."""

    started: bool
    connected: bool
    online: bool
    offline_since: datetime | None
    waiting: int
    last_success_at: datetime | None
    last_error: Exception | None
    failures: int  # consecutive failed rounds
    retry_delay: float  # seconds until the next round
    rounds: int
    drafts_waiting: int = 0  # drafts made here that have no number yet
    conflicts: int = 0  # conflicts waiting for a person
    clock_skew_s: int | None = None  # the desk clock minus the server's, when known
    clock_wrong: bool = False
    # Documents written here by sync rounds since the runner started (other desks' and the
    # server's numbers): the window re-reads its registers when this grows.
    received: int = 0


_INITIAL = RunnerState(False, False, False, None, 0, None, None, 0, 0.0, 0)


def backoff_delay(failures: int, base: float, cap: float) -> float:
    """Seconds to wait after `failures` consecutive failures: base, 2·base, 4·base … up to cap."""
    if failures <= 0:
        return base
    return float(min(cap, base * 2 ** (failures - 1)))


class SyncRunner:
    """Sync rounds for one desk's data directory, every `interval` seconds while online."""

    def __init__(
        self,
        data_dir: Path,
        *,
        interval: float = 30.0,
        base_delay: float = 5.0,
        max_delay: float = 300.0,
        peek_every: float = 1.0,
        clock: Clock = system_clock,
    ) -> None:
        self.data_dir = data_dir
        self.interval = interval
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.peek_every = peek_every
        self.clock = clock
        self._state = _INITIAL
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def state(self) -> RunnerState:
        with self._lock:
            return self._state

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="clerk-sync", daemon=True)
        self._thread.start()

    def sync_now(self) -> None:
        """Cut the current wait short (e.g. after the clerk registers a document)."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> bool:
        """Ask the thread to finish its round and end; True when it did within `timeout`."""
        self._stop.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def _set(self, **changes: object) -> None:
        with self._lock:
            self._state = replace(self._state, **changes)  # type: ignore[arg-type]

    def _exchange(self, desk: DeskSync) -> None:
        """Sends what the exchange queue holds and takes the agency's new electronic items, so
        the inbox fills without the clerk asking. Its own failure never fails the sync round."""
        from sync.delivery import ExchangeDesk

        try:
            ExchangeDesk(self.data_dir, self.clock, desk=desk).refresh()
        except errors.ClerkError:
            log.warning("electronic exchange round failed", exc_info=True)

    def _run(self) -> None:
        self._set(started=True)
        failures = 0
        desk: DeskSync | None = None
        try:
            while not self._stop.is_set():
                error: Exception | None = None
                try:
                    # Opened once, in this thread, and reused: opening checks migrations.
                    desk = desk or DeskSync(self.data_dir, clock=self.clock)
                    try:
                        report = desk.sync()
                        if report.received:
                            self._set(received=self.state().received + report.received)
                        self._exchange(desk)
                    except (errors.ClerkError, OSError) as exc:
                        error = exc
                    self._snapshot(desk)
                except errors.ClerkError as exc:  # no workspace yet, or not connected
                    error = exc
                except Exception as exc:  # keep the thread alive; the UI shows the error
                    log.exception("sync round failed")
                    error = exc
                failures = failures + 1 if error is not None else 0
                delay = (
                    self.interval
                    if error is None
                    else backoff_delay(failures, self.base_delay, self.max_delay)
                )
                with self._lock:
                    self._state = replace(
                        self._state,
                        last_error=error,
                        failures=failures,
                        retry_delay=delay,
                        rounds=self._state.rounds + 1,
                    )
                self._wait(delay, desk)
        finally:
            if desk is not None:
                desk.close()

    def _snapshot(self, desk: DeskSync) -> None:
        from sync.conflicts import list_conflicts

        st = desk.state()
        self._set(
            drafts_waiting=st.drafts_waiting,
            conflicts=len(list_conflicts(desk)),
            connected=st.connected,
            online=st.online,
            offline_since=st.offline_since,
            waiting=st.waiting,
            last_success_at=st.last_success_at,
            clock_skew_s=st.clock_skew_s,
            clock_wrong=st.clock_wrong,
        )

    def _wait(self, delay: float, desk: DeskSync | None) -> None:
        # Wait in short steps so the waiting count follows registrations made meanwhile.
        left = delay
        while left > 0 and not self._stop.is_set():
            step = min(self.peek_every, left)
            if self._wake.wait(step):
                self._wake.clear()
                return
            left -= step
            if left > 0 and desk is not None:
                try:
                    self._snapshot(desk)
                except Exception:  # a failed peek changes nothing; the next round reports
                    log.debug("sync state peek failed", exc_info=True)
