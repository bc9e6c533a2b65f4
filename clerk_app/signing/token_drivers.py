"""The PKCS#11 drivers of the tokens sold in Vietnam: presets, finding the installed ones, checking a file before it is loaded.

Never loads a driver (token.py does, after `check_driver`); reads file headers only. A clerk picks
a CA by name, and the desk finds its driver file: by the file names each CA's installer is known
to use, and (on Windows) by any DLL in System32 that exports `C_GetFunctionList`, which is how the
government's own tokens (Ban Cơ yếu Chính phủ) and a CA the list does not know are found.
"""

from __future__ import annotations

import fnmatch
import os
import struct
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from clerk_app import errors
from clerk_app.signing.binary_format import BinaryInfo, read_binary

ENTRY_POINT = "C_GetFunctionList"


@dataclass(frozen=True)
class DriverPreset:
    """A CA or token maker, with the driver file names its installer puts on each platform."""

    name: str
    windows: tuple[str, ...] = ()  # file name patterns (case-insensitive) in System32
    linux: tuple[str, ...] = ()  # absolute paths or patterns under LINUX_DIRS


# File names seen on clerks' machines (shared/PACKAGING.md); the clerk can always pick a file.
PRESETS: tuple[DriverPreset, ...] = (
    DriverPreset(
        "Ban Cơ yếu Chính phủ (SafeNet eToken)",
        ("eTPKCS11.dll",),
        ("libeTPkcs11.so", "libeToken.so"),
    ),
    DriverPreset("Ban Cơ yếu Chính phủ (Bit4id)", ("bit4xpki.dll",), ("libbit4xpki.so",)),
    DriverPreset(
        "VNPT-CA",
        ("vnpt-ca_csp11.dll", "vnptca_p11_v*.dll", "vnpt-ca_v*.dll"),
        ("libvnpt-ca_csp11.so", "libvnptca_p11*.so"),
    ),
    DriverPreset("Viettel-CA", ("viettel-ca_v*.dll", "viettel-ca.dll"), ("libviettel-ca*.so",)),
    DriverPreset("BKAV-CA", ("BkavCA.dll", "BkavCAv2S.dll", "st3csp11.dll"), ("libbkavca*.so",)),
    DriverPreset("FPT-CA", ("fpt-ca.dll", "fptca_v*.dll", "fpt-ca_v*.dll"), ("libfpt-ca*.so",)),
    DriverPreset(
        "CA2 / Nacencomm",
        ("CA2_csp11.dll", "ncca_csp11_v1.dll", "nca_v*.dll"),
        ("libca2*.so", "libncca*.so"),
    ),
    DriverPreset("Vina-CA", ("vina-ca_v*.dll", "vina-ca.dll"), ("libvina-ca*.so",)),
    DriverPreset("Safe-CA", ("Safe-ca.dll",), ()),
    DriverPreset("EFY-CA", ("efy-ca_v1.dll", "efy-ca*.dll"), ()),
    DriverPreset("NewCA", ("newca_v4.dll", "newca*.dll"), ()),
    DriverPreset("MISA eSign", ("misaca_csp11_v2.dll", "misaca_csp11*.dll"), ()),
    DriverPreset(
        "Feitian ePass2003", ("eps2003csp11.dll", "ShuttleCsp11_3003.dll"), ("libcastle.so*",)
    ),
    DriverPreset(
        "OpenSC (thẻ chuẩn PIV, CCID)",
        ("opensc-pkcs11.dll",),
        ("opensc-pkcs11.so", "pkcs11/opensc-pkcs11.so"),
    ),
    DriverPreset("SoftHSM 2 (thử nghiệm)", ("softhsm2*.dll",), ("softhsm/libsofthsm2.so",)),
)

LINUX_DIRS: tuple[str, ...] = (
    "/usr/lib",
    "/usr/lib/x86_64-linux-gnu",
    "/usr/local/lib",
    "/usr/lib64",
    "/opt",
)
# Some Windows drivers install under Program Files rather than System32.
WINDOWS_EXTRA = (r"OpenSC Project\OpenSC\pkcs11",)


def program_bits() -> int:
    """32 or 64: the bitness a driver must have to load into this process."""
    return struct.calcsize("P") * 8


@dataclass(frozen=True)
class FoundDriver:
    """A driver file on this machine, named by its preset (or by its file for an unknown CA)."""

    name: str
    path: Path
    bits: int
    usable: bool  # same bitness as the program and exports C_GetFunctionList
    preset: bool  # found by a preset's file name rather than by its exports

    @property
    def label(self) -> str:
        return f"{self.name} — {self.path.name}" + ("" if self.usable else f" ({self.bits}-bit)")


def check_driver(path: str | Path, bits: int | None = None) -> BinaryInfo | None:
    """Refuse a file that cannot be this program's PKCS#11 driver, before anything loads it.

    TokenModuleMissing: no such file; TokenModuleBitness: built for the other bitness;
    TokenModuleInvalid: a Windows library without C_GetFunctionList, or not a library at all.
    Returns the headers read (None for a file that is neither PE nor ELF: the loader decides).
    """
    where = Path(path)
    if not where.is_file():
        raise errors.TokenModuleMissing(str(path))
    info = read_binary(where)
    if info is None:
        return None
    want = bits or program_bits()
    if info.bits != want:
        raise errors.TokenModuleBitness(str(path), info.bits, want)
    if info.kind == "pe" and not info.exports_name(ENTRY_POINT):
        raise errors.TokenModuleInvalid(str(path), f"không có hàm {ENTRY_POINT}")
    return info


def _matches(name: str, patterns: Iterable[str]) -> bool:
    lowered = name.lower()
    return any(fnmatch.fnmatchcase(lowered, p.lower()) for p in patterns)


def _preset_for(filename: str, platform: str) -> DriverPreset | None:
    for preset in PRESETS:
        patterns = preset.windows if platform == "win32" else preset.linux
        if _matches(filename, [Path(p).name for p in patterns]):
            return preset
    return None


def _windows_dirs() -> list[Path]:
    """System32, the other bitness's system folder, and Program Files' driver folders."""
    windir = Path(os.environ.get("SYSTEMROOT") or os.environ.get("WINDIR") or r"C:\Windows")
    if program_bits() == 64:
        dirs = [windir / "System32", windir / "SysWOW64"]
    else:
        # A 32-bit program on 64-bit Windows sees SysWOW64 as System32; Sysnative is the real one.
        dirs = [windir / "System32", windir / "Sysnative"]
    for base in (os.environ.get("PROGRAMFILES"), os.environ.get("PROGRAMFILES(X86)")):
        if base:
            dirs += [Path(base) / extra for extra in WINDOWS_EXTRA]
    return dirs


def find_drivers(
    platform: str | None = None,
    folders: Sequence[Path] | None = None,
    *,
    bits: int | None = None,
    scan_exports: bool | None = None,
) -> list[FoundDriver]:
    """The PKCS#11 drivers installed here: presets first (by name), then unknown ones.

    On Windows every DLL in `folders` (default: System32, SysWOW64) is read for a
    C_GetFunctionList export, so a token whose CA the list does not know is found too; a driver
    of the other bitness is listed as not usable, so the clerk is told why instead of the load
    failing. On Linux only the presets' file names are looked for.
    """
    plat = "win32" if (platform or sys.platform).startswith("win") else "linux"
    want = bits or program_bits()
    exports = plat == "win32" if scan_exports is None else scan_exports
    if folders is None:
        folders = _windows_dirs() if plat == "win32" else list(map(Path, LINUX_DIRS))
    found: dict[str, FoundDriver] = {}
    for folder in folders:
        for path in _candidates(folder, plat, exports):
            # One driver reached by two names (a symlink, /usr/lib and its multiarch twin) once.
            key = str(path).lower() if plat == "win32" else os.path.realpath(path)
            if key in found:
                continue
            preset = _preset_for(path.name, plat)
            info = read_binary(path, want_exports=exports or plat == "win32")
            if info is None or not info.is_library:
                continue
            has_entry = info.kind != "pe" or info.exports_name(ENTRY_POINT)
            if preset is None and not (exports and info.kind == "pe" and has_entry):
                continue
            found[key] = FoundDriver(
                name=preset.name if preset else f"Trình điều khiển khác ({path.stem})",
                path=path,
                bits=info.bits,
                usable=info.bits == want and has_entry,
                preset=preset is not None,
            )
    return sorted(found.values(), key=lambda d: (not d.usable, not d.preset, d.name.lower()))


def _candidates(folder: Path, plat: str, exports: bool) -> Iterable[Path]:
    if plat == "win32":
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        for entry in entries:
            name = entry.name
            if not name.lower().endswith(".dll"):
                continue
            if exports or _preset_for(name, plat) is not None:
                try:
                    if entry.is_file():
                        yield Path(entry.path)
                except OSError:
                    continue
        return
    for preset in PRESETS:
        for pattern in preset.linux:
            if pattern.startswith("/"):
                matches = [Path(pattern)]
            else:
                try:
                    matches = sorted(folder.glob(pattern)) + sorted(folder.glob("*/" + pattern))
                except OSError:
                    matches = []
            yield from (m for m in matches if m.is_file())


def _usual_path(preset: DriverPreset, plat: str) -> str | None:
    if plat == "win32":
        if not preset.windows:
            return None
        windir = os.environ.get("SYSTEMROOT") or r"C:\Windows"
        return windir + "\\System32\\" + preset.windows[0]
    if not preset.linux:
        return None
    first = preset.linux[0]
    return first if first.startswith("/") else "/usr/lib/" + first


def driver_choices(
    platform: str | None = None, folders: Sequence[Path] | None = None
) -> list[tuple[str, str]]:
    """(label, path) for the chooser: drivers found here (usable first), then each CA not found,
    at the place its installer would put it, so picking it says plainly that it is missing."""
    plat = "win32" if (platform or sys.platform).startswith("win") else "linux"
    here = plat == ("win32" if sys.platform.startswith("win") else "linux")
    found = find_drivers(plat, folders) if (here or folders is not None) else []
    choices = [(d.label, str(d.path)) for d in found]
    named = {d.name for d in found}
    for preset in PRESETS:
        usual = _usual_path(preset, plat)
        if preset.name not in named and usual is not None:
            choices.append((f"{preset.name} (chưa thấy trên máy này)", usual))
    return choices
