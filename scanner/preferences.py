"""The desk's default scanner (id, source, resolution, mode), kept in scanner.json.

Chosen after a test scan in the first-run wizard or its Settings screen; the scan window starts
from it. Only what the clerk chose: no state of the device, nothing else.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

FILE = "scanner.json"


@dataclass(frozen=True)
class ScannerChoice:
    device: str | None = None
    source: str = "adf"
    dpi: int = 300
    mode: str = "gray"


def load(data_dir: Path) -> ScannerChoice:
    """The saved choice; the default (no device: the first found) when none or unreadable."""
    try:
        data = json.loads((data_dir / FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return ScannerChoice()
    if not isinstance(data, dict):
        return ScannerChoice()
    device = data.get("device")
    source = data.get("source")
    dpi = data.get("dpi")
    mode = data.get("mode")
    return ScannerChoice(
        device if isinstance(device, str) and device else None,
        source if source in ("adf", "flatbed", "duplex") else "adf",
        dpi if isinstance(dpi, int) and 50 <= dpi <= 1200 else 300,
        mode if mode in ("gray", "color", "bw") else "gray",
    )


def save(data_dir: Path, choice: ScannerChoice) -> None:
    """Write the choice whole (a temporary file renamed over the old one)."""
    path = data_dir / FILE
    tmp = path.with_name(f".{FILE}.part")
    tmp.write_text(json.dumps(asdict(choice), ensure_ascii=False), "utf-8")
    os.replace(tmp, path)
