"""The JSON-lines protocol between a scanner driver and its worker process; no backend code.

A worker reads one request line on stdin ({"op": "devices"} or {"op": "scan", ...}) and later
`cancel`; it answers with one event per line on its real stdout: `devices`, `opened`, `page`
(after the PNG is on disk), `end`, `cancelled`, or `error` with a `kind` (no_scanner, not_found,
driver_missing, stop) and for a stop one of scanner.worker_driver.STOPS' reasons. Anything a
backend library prints goes to stderr, so it cannot corrupt a message.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
from pathlib import Path
from typing import Any, Protocol, TextIO

from PIL import Image


class Channel:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.lock = threading.Lock()

    def send(self, **event: Any) -> None:
        with self.lock:
            self.out.write(json.dumps(event, ensure_ascii=False) + "\n")
            self.out.flush()



class Backend(Protocol):
    name: str

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def devices(self, channel: Channel) -> None: ...

    def scan(self, channel: Channel, request: dict[str, Any], cancel: threading.Event) -> None: ...


def save_page(
    channel: Channel, image: Image.Image, out_dir: Path, index: int, dpi: int
) -> None:
    """Write the page as PNG (atomically) and only then tell the app it exists."""
    path = out_dir / f"page-{index:04d}.png"
    tmp = path.with_suffix(".part")
    image.save(tmp, format="PNG", dpi=(dpi, dpi))
    os.replace(tmp, path)
    channel.send(
        event="page",
        index=index,
        path=str(path),
        width=image.width,
        height=image.height,
        dpi=dpi,
        mode=image.mode,
    )


def run_worker(backend: Backend) -> int:
    """A worker's main: one request, answered through `backend`, with `cancel` watched."""
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    channel = Channel(out)
    line = sys.stdin.readline()
    if not line:
        return 2
    request = json.loads(line)
    cancel = threading.Event()

    def watch() -> None:
        for command in sys.stdin:
            if command.strip() == "cancel":
                cancel.set()
        # The app closed our stdin or died: stop scanning rather than scan for nobody.
        cancel.set()

    threading.Thread(target=watch, daemon=True).start()
    try:
        backend.start()
    except Exception as exc:  # any failure to load the backend means the same: no driver
        channel.send(event="error", kind="driver_missing", detail=f"{type(exc).__name__}: {exc}")
        return 1
    try:
        if request.get("op") == "devices":
            backend.devices(channel)
        else:
            backend.scan(channel, request, cancel)
    finally:
        with contextlib.suppress(Exception):
            backend.stop()
    return 0
