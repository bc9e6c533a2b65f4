"""A fake `win32com.client` whose `Dispatch("WIA.DeviceManager")` behaves like the WIA Automation Layer.

The scenario comes from FAKE_WIA (JSON) in the environment of the worker process:
  {"devices": [{"id": ..., "name": ..., "vendor": ..., "feeder": true, "duplex": false}],
   "cameras": 1,               # non-scanner devices listed too (Type 2), to be ignored
   "feeder_pages": 3,          # sheets in the feeder; Transfer after the last: PAPER_EMPTY
   "fail_at": {"page": 2, "hresult": "0x80210002"},   # the Nth Transfer fails so
   "connect_fails": "0x80210006",                      # Connect() fails so
   "page_seconds": 0.0}         # time one Transfer takes (for cancel tests)
Like the real layer: collections are 1-based with Count/Item(i), properties are found by
iterating Properties (PropertyID, Name, Value), an unsupported value raises, Transfer returns an
ImageFile whose FileData.BinaryData holds the encoded picture at the resolution and intent set.
"""

from __future__ import annotations

import io
import json
import os
import time
from typing import Any

from PIL import Image, ImageDraw
from pywintypes import dispatch_error

SCENARIO: dict[str, Any] = json.loads(os.environ.get("FAKE_WIA", "{}"))
DEVICE_TYPE_SCANNER, DEVICE_TYPE_CAMERA = 1, 2
FORMAT_PNG = "{B96B3CAF-0728-11D3-9D7B-0000F81EF32E}"


def _code(value: Any) -> int:
    return int(value, 16) if isinstance(value, str) else int(value)


class Property:
    def __init__(self, prop_id: int, name: str, value: Any, allowed: tuple[Any, ...] = ()) -> None:
        self.PropertyID = prop_id
        self.Name = name
        self._value = value
        self._allowed = allowed

    @property
    def Value(self) -> Any:
        return self._value

    @Value.setter
    def Value(self, value: Any) -> None:
        if self._allowed and value not in self._allowed:
            raise dispatch_error(0x80070057, "The parameter is incorrect.")  # E_INVALIDARG
        self._value = value


class Collection:
    def __init__(self, items: list[Any]) -> None:
        self._items = items

    @property
    def Count(self) -> int:
        return len(self._items)

    def Item(self, index: int) -> Any:
        if not 1 <= index <= len(self._items):
            raise dispatch_error(0x80070057, "The parameter is incorrect.")
        return self._items[index - 1]

    def __iter__(self) -> Any:
        return iter(self._items)


class Bytes:
    def __init__(self, data: bytes) -> None:
        self.BinaryData = memoryview(data)


class ImageFile:
    def __init__(self, data: bytes, format_id: str) -> None:
        self.FileData = Bytes(data)
        self.FormatID = format_id


class Feeder:
    """The paper: how many sheets are left, and which Transfer fails."""

    def __init__(self) -> None:
        self.left = int(SCENARIO.get("feeder_pages", 3))
        self.transfers = 0


class Item:
    def __init__(self, device: Device) -> None:
        self.device = device
        self.Properties = Collection(
            [
                Property(6146, "Current Intent", 2, (1, 2, 4)),
                Property(6147, "Horizontal Resolution", 150, (75, 100, 150, 200, 300, 600)),
                Property(6148, "Vertical Resolution", 150, (75, 100, 150, 200, 300, 600)),
                Property(6151, "Horizontal Extent", 1275),
                Property(6152, "Vertical Extent", 1650),
            ]
        )

    def _value(self, prop_id: int) -> Any:
        return next(p.Value for p in self.Properties if p.PropertyID == prop_id)

    def Transfer(self, format_id: str = FORMAT_PNG) -> ImageFile:
        feeder = self.device.feeder
        feeder.transfers += 1
        fail = SCENARIO.get("fail_at")
        if fail and feeder.transfers == int(fail["page"]):
            raise dispatch_error(_code(fail["hresult"]), "device fault")
        use_feeder = self.device.handling() & 0x001
        if use_feeder:
            if feeder.left <= 0:
                raise dispatch_error(0x80210003, "There are no documents in the document feeder.")
            feeder.left -= 1
        time.sleep(float(SCENARIO.get("page_seconds", 0.0)))
        dpi = int(self._value(6147))
        width = min(int(self._value(6151)), int(8.5 * dpi))
        height = min(int(self._value(6152)), int(14 * dpi))
        colour = self._value(6146) == 1
        image = Image.new("RGB" if colour else "L", (width, height), "white")
        draw = ImageDraw.Draw(image)
        draw.text((width // 10, height // 10), f"Trang {feeder.transfers}", fill="black")
        out = io.BytesIO()
        image.save(out, format="PNG")
        return ImageFile(out.getvalue(), format_id)


class Device:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.feeder = Feeder()
        handling = (0x002, 0x001, 0x001 | 0x004) if spec.get("duplex") else (0x002, 0x001)
        props = [Property(3096, "Pages", 1)]
        if spec.get("feeder", True):
            props.append(Property(3088, "Document Handling Select", 0x001, handling))
        self.Properties = Collection(props)
        self.Items = Collection([Item(self)])
        self.DeviceID = spec["id"]

    def handling(self) -> int:
        prop = next((p for p in self.Properties if p.PropertyID == 3088), None)
        return int(prop.Value) if prop is not None else 0x002


class DeviceInfo:
    def __init__(self, spec: dict[str, Any], device_type: int) -> None:
        self.spec = spec
        self.DeviceID = spec["id"]
        self.Type = device_type
        self.Properties = Collection(
            [
                Property(2, "Unique Device ID", spec["id"]),
                Property(7, "Name", spec.get("name", "")),
                Property(3, "Manufacturer", spec.get("vendor", "")),
            ]
        )

    def Connect(self) -> Device:
        failure = SCENARIO.get("connect_fails")
        if failure:
            raise dispatch_error(_code(failure), "connect failed")
        return Device(self.spec)


class DeviceManager:
    def __init__(self) -> None:
        infos = [
            DeviceInfo({"id": f"{{6BDD1FC6-810F-11D0-BEC7-08002BE2092F}}\\{9000 + i:04d}",
                        "name": "Webcam"}, DEVICE_TYPE_CAMERA)
            for i in range(int(SCENARIO.get("cameras", 0)))
        ]
        infos += [DeviceInfo(d, DEVICE_TYPE_SCANNER) for d in SCENARIO.get("devices", [])]
        self.DeviceInfos = Collection(infos)


def Dispatch(prog_id: str) -> Any:
    if prog_id != "WIA.DeviceManager":
        raise dispatch_error(0x800401F3, "Invalid class string")  # CO_E_CLASSSTRING
    return DeviceManager()
