"""The SANE driver's own process (`python -m scanner.sane_worker`): pyinsane2 in, JSON lines out.

Runs apart from the app so a crashing or hanging backend cannot take it down. Speaks the
protocol of scanner.worker_protocol: writes each page as a PNG into the batch folder before
announcing it, and reports why a batch stopped by SANE's status code turned into the protocol's
reason, never by SANE's English messages. Nothing else.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from pathlib import Path
from typing import Any

from scanner.worker_protocol import Channel, run_worker, save_page

# pyinsane2 would otherwise fork a daemon of its own; this process already is the isolation.
os.environ["PYINSANE_SINGLE_THREAD"] = "1"

SOURCE_VALUES = {
    "flatbed": ("flatbed", "normal", "document table"),
    "adf": ("automatic document feeder", "adf", "adf front", "feeder", "document feeder"),
    "duplex": ("adf duplex", "duplex", "automatic document feeder duplex"),
}
MODE_VALUES = {
    "color": ("color", "colour", "rgb", "24bit color"),
    "gray": ("gray", "grey", "gray8", "true gray", "8bit gray"),
}
# SANE_Status codes (sane.h) → the protocol's stop reasons (scanner.worker_driver.STOPS).
STOP_REASONS = {
    2: "cancelled",
    3: "busy",
    6: "jammed",
    8: "cover_open",
    9: "vanished",
    11: "busy",
    13: "failed",
}
STATUS_NAMES = {
    1: "UNSUPPORTED",
    2: "CANCELLED",
    3: "DEVICE_BUSY",
    4: "INVAL",
    6: "JAMMED",
    8: "COVER_OPEN",
    9: "IO_ERROR",
    10: "NO_MEM",
    11: "ACCESS_DENIED",
    12: "WARMING_UP",
    13: "HW_LOCKED",
}


def _status(exc: BaseException) -> int:
    status = getattr(exc, "status", None)
    try:
        return int(status)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 9


def _stop(channel: Channel, status: int) -> None:
    """Tell the app why the batch stopped, by the protocol's reason, never SANE's message."""
    channel.send(
        event="error",
        kind="stop",
        reason=STOP_REASONS.get(status, "failed"),
        detail=STATUS_NAMES.get(status, str(status)),
    )


def _set(scanner: Any, name: str, value: Any) -> None:
    """Set one option whatever its SANE type (FIXED values travel as value × 65536)."""
    from pyinsane2.sane.rawapi import SaneValueType

    option = scanner.options[name]
    if not option.capabilities.is_active():
        return
    if option.val_type == SaneValueType.FIXED and isinstance(value, (int, float)):
        value = round(float(value) * 65536)
    elif option.val_type in (SaneValueType.INT, SaneValueType.BOOL) and isinstance(value, float):
        value = int(value)
    constraint = option.constraint
    if isinstance(constraint, list) and value not in constraint:
        if isinstance(value, str):
            match = next((c for c in constraint if str(c).lower() == value.lower()), None)
            if match is None:
                raise KeyError(f"{name}={value}")
            value = match
        else:
            value = min(constraint, key=lambda c: abs(c - value))
    elif isinstance(constraint, tuple) and isinstance(value, int):
        low, high = constraint[0], constraint[1]
        value = max(low, min(high, value))
    option.value = value


def _choose(scanner: Any, name: str, wanted: tuple[str, ...]) -> bool:
    if name not in scanner.options:
        return False
    option = scanner.options[name]
    if not option.capabilities.is_active() or not isinstance(option.constraint, list):
        return False
    for want in wanted:
        for value in option.constraint:
            if str(value).lower() == want:
                option.value = value
                return True
    return False


def _geometry(scanner: Any, width_mm: float, height_mm: float) -> None:
    from pyinsane2.sane.rawapi import SaneValueType

    for name, size in (("tl-x", 0.0), ("tl-y", 0.0), ("br-x", width_mm), ("br-y", height_mm)):
        if name not in scanner.options or not scanner.options[name].capabilities.is_active():
            continue
        option = scanner.options[name]
        scale = 65536 if option.val_type == SaneValueType.FIXED else 1
        constraint = option.constraint
        value = int(size * scale)
        if isinstance(constraint, tuple):
            value = max(constraint[0], min(constraint[1], value))
        option.value = value


def devices(channel: Channel) -> None:
    import pyinsane2

    found = pyinsane2.get_devices()
    channel.send(
        event="devices",
        devices=[
            {"name": d.name, "vendor": d.vendor, "model": d.model, "kind": d.dev_type}
            for d in found
        ],
    )


def scan(channel: Channel, request: dict[str, Any], cancel: threading.Event) -> None:
    import pyinsane2
    from pyinsane2.sane.rawapi import SaneException

    name = request.get("device")
    if not name:
        found = pyinsane2.get_devices()
        if not found:
            channel.send(event="error", kind="no_scanner")
            return
        name = found[0].name
    scanner = pyinsane2.Scanner(name=name)
    try:
        options = scanner.options
    except SaneException as exc:
        channel.send(event="error", kind="not_found", device=name, status=_status(exc))
        return
    channel.send(event="opened", device=name)
    source = request["source"]
    chosen = "source" not in options or _choose(scanner, "source", SOURCE_VALUES[source])
    if not chosen and source != "flatbed":
        # Asked for the feeder (or duplex) on a device without one: refuse, never scan the glass.
        _stop(channel, 1)
        return
    _choose(scanner, "mode", MODE_VALUES["color" if request["mode"] == "color" else "gray"])
    if "depth" in options and options["depth"].capabilities.is_active():
        _set(scanner, "depth", 8)
    _set(scanner, "resolution", int(request["dpi"]))
    width, height = request["page_mm"]
    _geometry(scanner, width, height)
    for key, value in request.get("backend_options", {}).items():
        _set(scanner, key, value)
    after = {int(k): v for k, v in request.get("options_after_page", {}).items()}
    out_dir = Path(request["batch_dir"])
    index = int(request.get("first_index", 1)) - 1
    dpi = int(request["dpi"])
    try:
        session = scanner.scan(multiple=source != "flatbed")
    except StopIteration:
        channel.send(event="end", reason="empty_feeder")
        return
    except SaneException as exc:
        _stop(channel, _status(exc))
        return
    try:
        while True:
            if cancel.is_set():
                # Told first: a backend whose cancel never returns must not hold the news back.
                channel.send(event="cancelled")
                session.scan.cancel()
                return
            try:
                session.scan.read()
            except EOFError:
                image = session.images.pop()
                index += 1
                save_page(channel, image, out_dir, index, dpi)
                for key, value in after.get(
                    index - int(request.get("first_index", 1)) + 1, {}
                ).items():
                    _set(scanner, key, value)
                if source == "flatbed":
                    channel.send(event="end", reason="flatbed")
                    return
    except StopIteration:
        channel.send(event="end", reason="end_of_feed")
    except SaneException as exc:
        # The stop is reported before the session is cancelled: a backend's cancel can wait
        # forever on its reader thread (SANE's own test backend does, now and then, under load),
        # and the clerk should hear «kẹt giấy» at once, not after the driver gives up on it.
        _stop(channel, _status(exc))
        with contextlib.suppress(Exception):
            session.scan.cancel()


class SaneBackend:
    name = "sane"

    def start(self) -> None:
        import pyinsane2

        pyinsane2.init()

    def stop(self) -> None:
        import pyinsane2

        pyinsane2.exit()

    def devices(self, channel: Channel) -> None:
        devices(channel)

    def scan(self, channel: Channel, request: dict[str, Any], cancel: threading.Event) -> None:
        scan(channel, request, cancel)


def main() -> int:
    return run_worker(SaneBackend())


if __name__ == "__main__":
    sys.exit(main())
