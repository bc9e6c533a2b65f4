"""The scanner driver interface: settings, devices, pages streamed back; no backend code here.

A driver runs its backend in a separate process so a crash or hang there never takes the app
down, writes each page into the batch's recovery folder as it arrives, and ends every batch
with a `ScanOutcome`: the pages kept and, when it stopped early, the typed error saying why.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from clerk_app import errors

Source = Literal["flatbed", "adf", "duplex"]
ColourMode = Literal["color", "gray", "bw"]
SOURCES: tuple[Source, ...] = ("flatbed", "adf", "duplex")
MODES: tuple[ColourMode, ...] = ("color", "gray", "bw")
# Page sizes in millimetres; the scan area is clipped to what the device offers.
PAGE_SIZES: dict[str, tuple[float, float]] = {
    "a4": (210.0, 297.0),
    "a5": (148.0, 210.0),
    "a3": (297.0, 420.0),
    "letter": (215.9, 279.4),
    "legal": (215.9, 355.6),
}


@dataclass(frozen=True)
class DeviceInfo:
    name: str  # the backend's id, e.g. `test:0` or `fujitsu:fi-7160:1234`
    vendor: str = ""
    model: str = ""
    kind: str = ""

    @property
    def label(self) -> str:
        return " ".join(p for p in (self.vendor, self.model) if p) or self.name


@dataclass(frozen=True)
class ScanSettings:
    device: str | None = None  # None: the first device found
    source: Source = "adf"
    dpi: int = 300
    # `bw` is scanned in grey and binarised when the PDF is written: OCR must read the grey
    # image, since binarising first multiplies diacritic errors.
    mode: ColourMode = "gray"
    page_size: str = "a4"
    # Backend-specific options set before the batch (name → value), e.g. the SANE `test`
    # backend's `test-picture`; and options changed after page N, e.g. its
    # `read-return-value`, which makes the next page fail as a jam would.
    backend_options: dict[str, str | int | float] = field(default_factory=dict)
    options_after_page: dict[int, dict[str, str | int | float]] = field(default_factory=dict)
    page_timeout: float = 120.0  # seconds without news from the driver before it counts as hung


@dataclass(frozen=True)
class ScannedPage:
    index: int  # 1-based, in order of arrival
    path: Path  # PNG in the recovery folder
    width: int
    height: int
    dpi: int
    mode: str  # PIL mode: "L" or "RGB"


@dataclass
class ScanOutcome:
    pages: list[ScannedPage]
    recovery_dir: Path
    device: str
    stopped: errors.ScanStopped | None = None  # None: the feeder (or the flatbed page) is done

    @property
    def complete(self) -> bool:
        return self.stopped is None


class CancelFlag:
    """Set from any thread (the Cancel button); the driver checks it between reads."""

    def __init__(self) -> None:
        self._set = False

    def set(self) -> None:
        self._set = True

    def __bool__(self) -> bool:
        return self._set


class ScanDriver(Protocol):
    name: str

    def devices(self) -> list[DeviceInfo]:
        """Every device the backend can see now (slow: seconds); raises ScannerDriverMissing."""
        ...

    def scan(
        self,
        settings: ScanSettings,
        batch_dir: Path,
        *,
        on_page: Callable[[ScannedPage], None] | None = None,
        cancel: CancelFlag | None = None,
    ) -> ScanOutcome:
        """Scan one batch into `batch_dir`; raises only when nothing could start."""
        ...


def worker_command(module: str, python: str | None = None) -> list[str]:
    """How to start a driver's worker process: `python -m MODULE`, or in the frozen build (which
    has no Python of its own to run) the desk's own executable with `--worker MODULE`."""
    if getattr(sys, "frozen", False) and python in (None, sys.executable):
        return [sys.executable, "--worker", module]
    return [python or sys.executable, "-m", module]
