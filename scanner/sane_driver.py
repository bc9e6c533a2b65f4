"""The SANE driver (Linux): `scanner.sane_worker` run and watched by the backend-neutral WorkerDriver."""

from __future__ import annotations

from scanner.worker_driver import WorkerDriver


class SaneDriver(WorkerDriver):
    """Scanners through SANE (pyinsane2) on Linux; each call is one short-lived worker process."""

    name = "sane"
    module = "scanner.sane_worker"
