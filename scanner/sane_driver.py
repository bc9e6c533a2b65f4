"""The SANE driver as the app sees it: runs `scanner.sane_worker` in its own process and watches it.

Maps SANE status codes to the core's typed errors, ends a worker that stays silent too long,
and keeps every page that reached the recovery folder whatever happens to the worker.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from clerk_app import errors
from scanner.driver import (
    PAGE_SIZES,
    CancelFlag,
    DeviceInfo,
    ScannedPage,
    ScanOutcome,
    ScanSettings,
)

# SANE_Status → the typed stop the clerk is told about.
_STOPS: dict[int, type[errors.ScanStopped]] = {
    2: errors.ScanCancelled,
    3: errors.ScannerBusy,
    6: errors.ScannerJammed,
    8: errors.ScannerCoverOpen,
    9: errors.ScannerVanished,
    11: errors.ScannerBusy,
    13: errors.ScannerFailed,
}
_STATUS_NAMES = {
    1: "UNSUPPORTED",
    4: "INVAL",
    10: "NO_MEM",
    12: "WARMING_UP",
    13: "HW_LOCKED",
}
CANCEL_GRACE = 10.0
POLL = 0.1


class SaneDriver:
    """Scanners through SANE (pyinsane2) on Linux; each call is one short-lived worker process."""

    name = "sane"

    def __init__(self, python: str | None = None) -> None:
        self.python = python or sys.executable
        self.process: subprocess.Popen[str] | None = None  # the running worker, for tests and kill

    def _start(self, request: dict[str, Any]) -> subprocess.Popen[str]:
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[1])
        env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
        proc = subprocess.Popen(
            [self.python, "-m", "scanner.sane_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
            env=env,
            start_new_session=True,  # a Ctrl+C in the terminal is the app's, not the driver's
        )
        assert proc.stdin is not None
        proc.stdin.write(json.dumps(request) + "\n")
        proc.stdin.flush()
        self.process = proc
        return proc

    @staticmethod
    def _reader(stream: IO[str], events: queue.Queue[dict[str, Any] | None]) -> None:
        for line in stream:
            try:
                events.put(json.loads(line))
            except ValueError:
                continue
        events.put(None)

    def _stop(self, proc: subprocess.Popen[str]) -> int:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        return proc.wait()

    def devices(self, timeout: float = 60.0) -> list[DeviceInfo]:
        proc = self._start({"op": "devices"})
        events: queue.Queue[dict[str, Any] | None] = queue.Queue()
        assert proc.stdout is not None
        threading.Thread(target=self._reader, args=(proc.stdout, events), daemon=True).start()
        try:
            event = events.get(timeout=timeout)
        except queue.Empty:
            self._stop(proc)
            raise errors.ScannerHung("", seconds=timeout) from None
        finally:
            if proc.stdin:
                proc.stdin.close()
        proc.wait(timeout=30)
        if event is None:
            raise errors.ScannerDriverMissing("sane", f"exit {proc.returncode}")
        if event.get("event") == "error":
            raise errors.ScannerDriverMissing("sane", str(event.get("detail", "")))
        return [DeviceInfo(d["name"], d["vendor"], d["model"], d["kind"]) for d in event["devices"]]

    def scan(
        self,
        settings: ScanSettings,
        batch_dir: Path,
        *,
        on_page: Callable[[ScannedPage], None] | None = None,
        cancel: CancelFlag | None = None,
        first_index: int = 1,
    ) -> ScanOutcome:
        page_mm = PAGE_SIZES.get(settings.page_size, PAGE_SIZES["a4"])
        request = {
            "op": "scan",
            "device": settings.device,
            "source": settings.source,
            "mode": settings.mode,
            "dpi": settings.dpi,
            "page_mm": page_mm,
            "backend_options": settings.backend_options,
            "options_after_page": {str(k): v for k, v in settings.options_after_page.items()},
            "batch_dir": str(batch_dir),
            "first_index": first_index,
        }
        batch_dir.mkdir(parents=True, exist_ok=True)
        proc = self._start(request)
        assert proc.stdout is not None and proc.stdin is not None
        events: queue.Queue[dict[str, Any] | None] = queue.Queue()
        threading.Thread(target=self._reader, args=(proc.stdout, events), daemon=True).start()
        device = settings.device or ""
        outcome = ScanOutcome([], batch_dir, device)

        def stopped(kind: type[errors.ScanStopped], **extra: Any) -> ScanOutcome:
            outcome.stopped = kind(
                device=device, pages_kept=len(outcome.pages), recovery_dir=str(batch_dir), **extra
            )
            return outcome

        last_news = time.monotonic()
        cancel_sent_at: float | None = None
        try:
            while True:
                if cancel and cancel_sent_at is None:
                    try:
                        proc.stdin.write("cancel\n")
                        proc.stdin.flush()
                    except OSError:
                        pass
                    cancel_sent_at = time.monotonic()
                try:
                    event = events.get(timeout=POLL)
                except queue.Empty:
                    now = time.monotonic()
                    if cancel_sent_at is not None and now - cancel_sent_at > CANCEL_GRACE:
                        # The backend ignores the cancel (stuck in a read): end it.
                        self._stop(proc)
                        return stopped(errors.ScanCancelled)
                    if now - last_news > settings.page_timeout:
                        self._stop(proc)
                        return stopped(errors.ScannerHung, seconds=settings.page_timeout)
                    continue
                last_news = time.monotonic()
                if event is None:
                    code = proc.wait()
                    if cancel_sent_at is not None:
                        return stopped(errors.ScanCancelled)
                    return stopped(errors.ScannerCrashed, exit_code=code)
                kind = event.get("event")
                if kind == "opened":
                    device = outcome.device = str(event["device"])
                elif kind == "page":
                    page = ScannedPage(
                        index=int(event["index"]),
                        path=Path(event["path"]),
                        width=int(event["width"]),
                        height=int(event["height"]),
                        dpi=int(event["dpi"]),
                        mode=str(event["mode"]),
                    )
                    outcome.pages.append(page)
                    if on_page is not None:
                        on_page(page)
                elif kind == "end":
                    return outcome
                elif kind == "cancelled":
                    return stopped(errors.ScanCancelled)
                elif kind == "error":
                    self._raise_or_stop(event, device, outcome, stopped)
                    return outcome
        finally:
            with contextlib.suppress(OSError):
                proc.stdin.close()
            try:
                proc.wait(timeout=CANCEL_GRACE)
            except subprocess.TimeoutExpired:
                self._stop(proc)
            self.process = None

    @staticmethod
    def _raise_or_stop(
        event: dict[str, Any],
        device: str,
        outcome: ScanOutcome,
        stopped: Callable[..., ScanOutcome],
    ) -> None:
        kind = event.get("kind")
        if kind == "no_scanner":
            raise errors.NoScanner("sane")
        if kind == "not_found":
            raise errors.ScannerNotFound(str(event.get("device", device)))
        if kind == "driver_missing":
            raise errors.ScannerDriverMissing("sane", str(event.get("detail", "")))
        status = int(event.get("status", 9))
        stop = _STOPS.get(status)
        if stop is None:
            stopped(errors.ScannerFailed, status=_STATUS_NAMES.get(status, str(status)))
        elif stop is errors.ScannerFailed:
            stopped(stop, status=_STATUS_NAMES.get(status, str(status)))
        else:
            stopped(stop)
