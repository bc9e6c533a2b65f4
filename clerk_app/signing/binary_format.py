"""Reads the headers of a driver file (Windows PE, Linux ELF): its bitness and exported names; never loads it.

Loading a PKCS#11 driver of the wrong bitness fails with an unhelpful OS error (or, with some
drivers, takes the process down), so the desk reads the file's headers first. Only the headers and
the PE export table are read, with every offset checked against the file's size: a hostile or
truncated file gives `None`, never an exception or a read past its end.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

# IMAGE_FILE_MACHINE_* → (architecture, bits)
PE_MACHINES: dict[int, tuple[str, int]] = {
    0x014C: ("x86", 32),
    0x8664: ("x64", 64),
    0xAA64: ("arm64", 64),
    0x01C4: ("arm", 32),
}
# ELF e_machine → architecture
ELF_MACHINES: dict[int, str] = {3: "x86", 62: "x64", 183: "arm64", 40: "arm"}
MAX_EXPORTS = 65_536  # a PKCS#11 driver exports ~70 names; more means a broken table
MAX_NAME = 256


@dataclass(frozen=True)
class BinaryInfo:
    """What the headers say: the format, the CPU it is built for, and (PE) the exported names."""

    kind: str  # "pe" or "elf"
    architecture: str  # "x86", "x64", "arm64", "arm" or "unknown"
    bits: int  # 32 or 64
    is_library: bool
    exports: frozenset[str] = frozenset()

    def exports_name(self, name: str) -> bool:
        return name in self.exports


class _Reader:
    def __init__(self, stream: BinaryIO, size: int) -> None:
        self.stream = stream
        self.size = size

    def read(self, offset: int, length: int) -> bytes | None:
        if offset < 0 or length < 0 or offset + length > self.size:
            return None
        self.stream.seek(offset)
        data = self.stream.read(length)
        return data if len(data) == length else None

    def unpack(self, fmt: str, offset: int) -> tuple[int, ...] | None:
        data = self.read(offset, struct.calcsize(fmt))
        return None if data is None else struct.unpack(fmt, data)

    def cstring(self, offset: int) -> str | None:
        data = self.read(offset, min(MAX_NAME, self.size - offset)) if offset < self.size else None
        if not data:
            return None
        end = data.find(b"\0")
        if end < 0:
            return None
        try:
            return data[:end].decode("ascii")
        except UnicodeDecodeError:
            return None


def _pe(r: _Reader, *, want_exports: bool) -> BinaryInfo | None:
    lfanew = r.unpack("<I", 0x3C)
    if lfanew is None:
        return None
    pe = lfanew[0]
    if r.read(pe, 4) != b"PE\0\0":
        return None
    coff = r.unpack("<HHIIIHH", pe + 4)
    if coff is None:
        return None
    machine, sections, _, _, _, optional_size, characteristics = coff
    architecture, bits = PE_MACHINES.get(machine, ("unknown", 0))
    optional = pe + 24
    magic = r.unpack("<H", optional)
    if magic is None or magic[0] not in (0x10B, 0x20B):
        return None
    if bits == 0:
        bits = 64 if magic[0] == 0x20B else 32
    is_library = bool(characteristics & 0x2000)  # IMAGE_FILE_DLL
    info = BinaryInfo("pe", architecture, bits, is_library)
    if not want_exports:
        return info
    count_at, dirs_at = (optional + 92, optional + 96)
    if magic[0] == 0x20B:
        count_at, dirs_at = (optional + 108, optional + 112)
    count = r.unpack("<I", count_at)
    if count is None or count[0] < 1 or dirs_at + 8 > optional + optional_size:
        return info
    export_dir = r.unpack("<II", dirs_at)
    if export_dir is None or export_dir[0] == 0:
        return info
    table = []
    section_at = optional + optional_size
    for i in range(min(sections, 96)):
        header = r.unpack("<8sIIII", section_at + 40 * i)
        if header is None:
            return info
        _, virtual_size, virtual_address, raw_size, raw_pointer = header
        table.append((virtual_address, max(virtual_size, raw_size), raw_pointer))

    def offset_of(rva: int) -> int | None:
        for virtual_address, size, raw_pointer in table:
            if virtual_address <= rva < virtual_address + size:
                return raw_pointer + (rva - virtual_address)
        return None

    directory_at = offset_of(export_dir[0])
    if directory_at is None:
        return info
    directory = r.unpack("<IIHHIIIIIII", directory_at)
    if directory is None:
        return info
    names_count, names_rva = directory[7], directory[9]
    if names_count > MAX_EXPORTS:
        return info
    names_at = offset_of(names_rva)
    if names_at is None:
        return info
    raw = r.read(names_at, 4 * names_count)
    if raw is None:
        return info
    names = set()
    for (name_rva,) in struct.iter_unpack("<I", raw):
        at = offset_of(name_rva)
        name = r.cstring(at) if at is not None else None
        if name:
            names.add(name)
    return BinaryInfo("pe", architecture, bits, is_library, frozenset(names))


def _elf(r: _Reader) -> BinaryInfo | None:
    ident = r.read(0, 20)
    if ident is None or ident[:4] != b"\x7fELF" or ident[4] not in (1, 2) or ident[5] not in (1, 2):
        return None
    bits = 32 if ident[4] == 1 else 64
    order = "<" if ident[5] == 1 else ">"
    e_type, e_machine = struct.unpack(order + "HH", ident[16:20])
    return BinaryInfo("elf", ELF_MACHINES.get(e_machine, "unknown"), bits, e_type == 3)


def read_binary(path: str | Path, *, want_exports: bool = True) -> BinaryInfo | None:
    """The headers of `path` as a BinaryInfo; None for a file that is neither PE nor ELF."""
    try:
        with open(path, "rb") as stream:
            stream.seek(0, 2)
            r = _Reader(stream, stream.tell())
            magic = r.read(0, 4)
            if magic is None:
                return None
            if magic[:2] == b"MZ":
                return _pe(r, want_exports=want_exports)
            if magic == b"\x7fELF":
                return _elf(r)
    except OSError:
        return None
    return None
