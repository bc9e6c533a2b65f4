"""Tiny Windows DLLs made on the fly (headers, one .edata section, an export table): what a
PKCS#11 driver looks like to binary_format, without shipping a binary."""

from __future__ import annotations

import struct

MACHINES = {32: 0x014C, 64: 0x8664}


def dll(bits: int, exports: list[str], *, name: str = "driver.dll", dll_flag: bool = True) -> bytes:
    pe32plus = bits == 64
    optional_size = (112 if pe32plus else 96) + 16 * 8
    raw_at, rva = 0x200, 0x1000
    names = sorted(exports)
    count = len(names)
    directory_size = 40
    functions_at = rva + directory_size
    names_at = functions_at + 4 * count
    ordinals_at = names_at + 4 * count
    strings_at = ordinals_at + 2 * count
    strings = b""
    name_rvas = []
    for export in names:
        name_rvas.append(strings_at + len(strings))
        strings += export.encode("ascii") + b"\0"
    dll_name_rva = strings_at + len(strings)
    strings += name.encode("ascii") + b"\0"
    section = struct.pack(
        "<IIHHIIIIIII", 0, 0, 0, 0, dll_name_rva, 1, count, count, functions_at, names_at, ordinals_at
    )
    section += b"".join(struct.pack("<I", 0x2000 + i) for i in range(count))
    section += b"".join(struct.pack("<I", r) for r in name_rvas)
    section += b"".join(struct.pack("<H", i) for i in range(count))
    section += strings
    section += b"\0" * (-len(section) % 0x200)

    dos = b"MZ" + b"\0" * 0x3A + struct.pack("<I", 0x40)
    characteristics = 0x0022 | (0x2000 if dll_flag else 0)
    coff = struct.pack("<HHIIIHH", MACHINES[bits], 1, 0, 0, 0, optional_size, characteristics)
    optional = bytearray(optional_size)
    struct.pack_into("<H", optional, 0, 0x20B if pe32plus else 0x10B)
    count_at = 108 if pe32plus else 92
    struct.pack_into("<I", optional, count_at, 16)
    struct.pack_into("<II", optional, count_at + 4, rva, len(section) if exports else 0)
    if not exports:
        struct.pack_into("<II", optional, count_at + 4, 0, 0)
    header = struct.pack("<8sIIIIIIHHI", b".edata", len(section), rva, len(section), raw_at, 0, 0, 0, 0, 0x40000040)
    image = dos + b"PE\0\0" + coff + bytes(optional) + header
    image += b"\0" * (raw_at - len(image))
    return image + section
