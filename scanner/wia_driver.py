"""The WIA driver (Windows): `scanner.wia_worker` run and watched by the backend-neutral WorkerDriver."""

from __future__ import annotations

from scanner.worker_driver import WorkerDriver


class WiaDriver(WorkerDriver):
    """Scanners through Windows Image Acquisition; each call is one short-lived worker process."""

    name = "wia"
    module = "scanner.wia_worker"
