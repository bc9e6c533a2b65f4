"""Scanner discovery off the caller's thread, cached for the session; no backend code, no Qt.

Asking SANE or WIA for devices takes seconds (USB and network probes), so the list is fetched
once in the background when the desk opens and then served from memory until the clerk asks
for a refresh. Callers that ask while a discovery is running share it instead of starting
another: a scanner backend probed twice at once can report a device as busy.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Protocol

from scanner.driver import DeviceInfo


class Discovers(Protocol):
    def devices(self) -> list[DeviceInfo]: ...


class DeviceDiscovery:
    """The session's list of scanners from one driver, found in the background."""

    def __init__(self, driver: Discovers) -> None:
        self.driver = driver
        self._lock = threading.Lock()
        self._pending: Future[list[DeviceInfo]] | None = None  # running or done

    def start(self, *, refresh: bool = False) -> Future[list[DeviceInfo]]:
        """The discovery under way or done; a new one only when there is none or on refresh.

        A failed discovery is not kept: the next call tries again (the clerk may have plugged
        the scanner in meanwhile).
        """
        with self._lock:
            pending = self._pending
            if pending is not None and not refresh:
                failed = pending.done() and pending.exception() is not None
                if not failed:
                    return pending
            if pending is not None and not pending.done():
                # A refresh while one runs waits for that one rather than probing twice.
                return pending
            future: Future[list[DeviceInfo]] = Future()
            self._pending = future
        threading.Thread(target=self._run, args=(future,), daemon=True).start()
        return future

    def _run(self, future: Future[list[DeviceInfo]]) -> None:
        try:
            found = list(self.driver.devices())
        except BaseException as exc:
            future.set_exception(exc)
        else:
            future.set_result(found)

    def devices(self, *, refresh: bool = False, timeout: float | None = None) -> list[DeviceInfo]:
        """The devices, from the cache when discovery already ran this session."""
        return self.start(refresh=refresh).result(timeout=timeout)

    def refresh(self, timeout: float | None = None) -> list[DeviceInfo]:
        """The clerk's "search again": probes the backend anew."""
        return self.devices(refresh=True, timeout=timeout)

    @property
    def cached(self) -> list[DeviceInfo] | None:
        """The list found, without waiting; None while none has been found yet."""
        pending = self._pending
        if pending is None or not pending.done() or pending.exception() is not None:
            return None
        return pending.result()
