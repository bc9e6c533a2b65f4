"""The WIA driver's own process (`python -m scanner.wia_worker`): Windows Image Acquisition in, JSON lines out.

Uses the WIA Automation Layer (`WIA.DeviceManager`, present on every Windows since Vista) through
pywin32's COM client, because pyinsane2's WIA backend is a C++ extension with no Windows wheel.
Speaks scanner.worker_protocol like the SANE worker: each page is a PNG on disk before it is
announced; a batch stops with the protocol's reason for WIA's HRESULT, never its message.
"""

from __future__ import annotations

import io
import sys
import threading
from pathlib import Path
from typing import Any

from PIL import Image

from scanner.worker_protocol import Channel, run_worker, save_page

SCANNER_DEVICE_TYPE = 1
FORMAT_PNG = "{B96B3CAF-0728-11D3-9D7B-0000F81EF32E}"  # wiaFormatPNG
DISP_E_EXCEPTION = 0x80020009  # IDispatch wraps the driver's HRESULT in EXCEPINFO.scode

# Device properties (WIA_DPS_*) and item properties (WIA_IPS_*, WIA_IPA_*), by id.
DOCUMENT_HANDLING_SELECT = 3088
PAGES = 3096
CURRENT_INTENT = 6146
HORIZONTAL_RESOLUTION = 6147
VERTICAL_RESOLUTION = 6148
HORIZONTAL_EXTENT = 6151
VERTICAL_EXTENT = 6152
FEEDER, FLATBED, DUPLEX = 0x001, 0x002, 0x004
INTENT = {"color": 1, "gray": 2}

# WIA_ERROR_* (wiadef.h) → the protocol's stop reasons.
PAPER_EMPTY = 0x80210003
STOP_REASONS = {
    0x80210002: "jammed",  # PAPER_JAM
    0x80210004: "jammed",  # PAPER_PROBLEM
    0x80210020: "jammed",  # MULTI_FEED
    0x80210016: "cover_open",
    0x80210006: "busy",
    0x8021000D: "busy",  # DEVICE_LOCKED
    0x80210007: "busy",  # WARMING_UP
    0x80210005: "vanished",  # OFFLINE
    0x8021000A: "vanished",  # DEVICE_COMMUNICATION
    0x80210009: "vanished",  # ITEM_DELETED
    0x80210015: "vanished",  # no scanner connected
    0x80210064: "cancelled",  # the user cancelled in the driver's own dialog
}


def hresult(exc: BaseException) -> int:
    """The HRESULT a COM call failed with, as an unsigned 32-bit number."""
    code = getattr(exc, "hresult", None)
    if code is None and getattr(exc, "args", None):
        code = exc.args[0]
    try:
        value = int(code) & 0xFFFFFFFF  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0
    info = getattr(exc, "excepinfo", None) or (exc.args[2] if len(exc.args) > 2 else None)
    if value == DISP_E_EXCEPTION and info and len(info) > 5 and info[5]:
        return int(info[5]) & 0xFFFFFFFF
    return value


def _property(holder: Any, prop_id: int) -> Any:
    for prop in holder.Properties:
        if int(prop.PropertyID) == prop_id:
            return prop
    return None


def _set(holder: Any, prop_id: int, value: int) -> bool:
    prop = _property(holder, prop_id)
    if prop is None:
        return False
    prop.Value = value
    return True


def _text(info: Any, name: str) -> str:
    for prop in info.Properties:
        if str(prop.Name) == name:
            return str(prop.Value)
    return ""


def _scanners(manager: Any) -> list[Any]:
    infos = manager.DeviceInfos
    found = []
    for i in range(1, int(infos.Count) + 1):
        info = infos.Item(i)
        if int(info.Type) == SCANNER_DEVICE_TYPE:
            found.append(info)
    return found


class WiaBackend:
    name = "wia"

    def __init__(self) -> None:
        self.client: Any = None
        self.com_error: type[BaseException] = Exception

    def start(self) -> None:
        import pythoncom
        import pywintypes
        import win32com.client

        pythoncom.CoInitialize()
        self.client = win32com.client
        self.com_error = pywintypes.com_error

    def stop(self) -> None:
        import pythoncom

        pythoncom.CoUninitialize()

    def _manager(self) -> Any:
        return self.client.Dispatch("WIA.DeviceManager")

    def devices(self, channel: Channel) -> None:
        found = _scanners(self._manager())
        channel.send(
            event="devices",
            devices=[
                {
                    "name": str(info.DeviceID),
                    "vendor": _text(info, "Manufacturer"),
                    "model": _text(info, "Name") or _text(info, "Description"),
                    "kind": "scanner",
                }
                for info in found
            ],
        )

    def _stop(self, channel: Channel, exc: BaseException) -> None:
        code = hresult(exc)
        channel.send(
            event="error",
            kind="stop",
            reason=STOP_REASONS.get(code, "failed"),
            detail=f"0x{code:08X}",
        )

    def scan(self, channel: Channel, request: dict[str, Any], cancel: threading.Event) -> None:
        scanners = _scanners(self._manager())
        if not scanners:
            channel.send(event="error", kind="no_scanner")
            return
        name = request.get("device")
        chosen = scanners[0] if not name else next(
            (s for s in scanners if str(s.DeviceID) == name), None
        )
        if chosen is None:
            channel.send(event="error", kind="not_found", device=name)
            return
        try:
            device = chosen.Connect()
        except self.com_error as exc:
            if STOP_REASONS.get(hresult(exc)) == "busy":
                self._stop(channel, exc)
            else:
                channel.send(event="error", kind="not_found", device=str(chosen.DeviceID))
            return
        channel.send(event="opened", device=str(chosen.DeviceID))
        source = request["source"]
        handling = {"flatbed": FLATBED, "adf": FEEDER, "duplex": FEEDER | DUPLEX}[source]
        if not _set(device, DOCUMENT_HANDLING_SELECT, handling) and source != "flatbed":
            # Asked for the feeder on a device without one: refuse, never scan the glass.
            channel.send(event="error", kind="stop", reason="failed", detail="UNSUPPORTED")
            return
        _set(device, PAGES, 1)  # one page per Transfer: cancel is checked between pages
        item = device.Items.Item(1)
        dpi = int(request["dpi"])
        _set(item, CURRENT_INTENT, INTENT["color" if request["mode"] == "color" else "gray"])
        _set(item, HORIZONTAL_RESOLUTION, dpi)
        _set(item, VERTICAL_RESOLUTION, dpi)
        width_mm, height_mm = request["page_mm"]
        _set(item, HORIZONTAL_EXTENT, round(width_mm / 25.4 * dpi))
        _set(item, VERTICAL_EXTENT, round(height_mm / 25.4 * dpi))
        out_dir = Path(request["batch_dir"])
        index = int(request.get("first_index", 1)) - 1
        first = index
        while True:
            if cancel.is_set():
                channel.send(event="cancelled")
                return
            try:
                picture = item.Transfer(FORMAT_PNG)
            except self.com_error as exc:
                if hresult(exc) == PAPER_EMPTY:
                    reason = "empty_feeder" if index == first else "end_of_feed"
                    channel.send(event="end", reason=reason)
                else:
                    self._stop(channel, exc)
                return
            data = bytes(picture.FileData.BinaryData)
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                page = image if image.mode in ("L", "RGB") else image.convert(
                    "RGB" if request["mode"] == "color" else "L"
                )
                if request["mode"] != "color" and page.mode != "L":
                    page = page.convert("L")
                index += 1
                save_page(channel, page, out_dir, index, dpi)
            if source == "flatbed":
                channel.send(event="end", reason="flatbed")
                return


def main() -> int:
    return run_worker(WiaBackend())


if __name__ == "__main__":
    sys.exit(main())
