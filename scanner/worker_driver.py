"""A scanner driver as the app sees it: runs a backend's worker process and watches it.

Backend-neutral: a worker (scanner.sane_worker, scanner.wia_worker) speaks the JSON-lines
protocol of scanner.worker_protocol and names why a batch stopped with one of its STOP_REASONS;
this module turns those into the core's typed errors, ends a worker that stays silent too long,
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
    worker_command,
)

# The worker's stop reason → the typed stop the clerk is told about.
STOPS: dict[str, type[errors.ScanStopped]] = {
    "cancelled": errors.ScanCancelled,
    "busy": errors.ScannerBusy,
    "jammed": errors.ScannerJammed,
    "cover_open": errors.ScannerCoverOpen,
    "vanished": errors.ScannerVanished,
    "failed": errors.ScannerFailed,
}
CANCEL_GRACE = 10.0
# A worker that has said its last word (end, cancelled, a stop) only tidies up: a backend stuck
# there (a cancel waiting on its own reader thread) is ended after this, its pages are on disk.
FINISH_GRACE = 3.0
POLL = 0.1


class WorkerDriver:
    """A scanner backend in a worker process (`module`), one short-lived process per call."""

    name = "worker"
    module = ""

    def __init__(self, python: str | None = None) -> None:
        self.python = python or sys.executable
        self.process: subprocess.Popen[str] | None = None  # the running worker, for tests and kill

    def _start(self, request: dict[str, Any]) -> subprocess.Popen[str]:
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[1])
        env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
        proc = subprocess.Popen(
            worker_command(self.module, self.python),
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
            raise errors.ScannerDriverMissing(self.name, f"exit {proc.returncode}")
        if event.get("event") == "error":
            raise errors.ScannerDriverMissing(self.name, str(event.get("detail", "")))
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
        grace = CANCEL_GRACE
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
                if kind in ("end", "cancelled", "error"):
                    grace = FINISH_GRACE
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
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self._stop(proc)
            self.process = None

    def _raise_or_stop(
        self,
        event: dict[str, Any],
        device: str,
        outcome: ScanOutcome,
        stopped: Callable[..., ScanOutcome],
    ) -> None:
        kind = event.get("kind")
        if kind == "no_scanner":
            raise errors.NoScanner(self.name)
        if kind == "not_found":
            raise errors.ScannerNotFound(str(event.get("device", device)))
        if kind == "driver_missing":
            raise errors.ScannerDriverMissing(self.name, str(event.get("detail", "")))
        stop = STOPS.get(str(event.get("reason", "")), errors.ScannerFailed)
        if stop is errors.ScannerFailed:
            stopped(stop, status=str(event.get("detail") or event.get("reason") or ""))
        else:
            stopped(stop)


def platform_driver() -> WorkerDriver:
    """The scanner driver of this platform: WIA on Windows, SANE elsewhere."""
    if sys.platform.startswith("win"):
        from scanner.wia_driver import WiaDriver

        return WiaDriver()
    from scanner.sane_driver import SaneDriver

    return SaneDriver()
