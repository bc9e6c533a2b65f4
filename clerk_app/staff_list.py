"""Reads an agency's units and people from an XLSX or CSV list and plans what to add; writes nothing.

The first-run wizard imports the list the personnel office already keeps. The whole file is read
and checked before anything is added (a bad row names its row number and nothing is written), and
rows the desk already has are left out of the plan, so importing the same list twice adds nothing.

Columns (header row, any order, accents and case ignored): «Mã đơn vị», «Tên đơn vị», «Họ và tên»,
«Chức vụ». A row with only a unit adds the unit; a row with a person adds the person to the unit of
that row (the unit is added too when it is new and named).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from clerk_app import errors
from clerk_app.text import fold, nfc

HEADERS = {
    "unit_code": ("ma don vi", "ma phong ban", "don vi", "ma"),
    "unit_name": ("ten don vi", "ten phong ban", "phong ban"),
    "full_name": ("ho va ten", "ho ten", "can bo", "ten can bo"),
    "title": ("chuc vu", "chuc danh"),
}
MAX_ROWS = 5000


@dataclass(frozen=True)
class StaffPlan:
    """What an import would add: new units (code, name) and new people (name, unit code, title)."""

    units: tuple[tuple[str, str], ...] = ()
    people: tuple[tuple[str, str, str], ...] = ()
    skipped: int = 0  # rows the desk already has

    @property
    def empty(self) -> bool:
        return not self.units and not self.people


@dataclass
class _Reading:
    units: dict[str, str] = field(default_factory=dict)
    people: list[tuple[str, str, str]] = field(default_factory=list)


def _rows(path: Path) -> list[list[str]]:
    suffix = path.suffix.lower()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise errors.FileUnreadable(str(path), str(exc)) from None
    if not raw:
        raise errors.FileEmpty(str(path))
    if suffix == ".xlsx" or raw[:2] == b"PK":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        except Exception:
            raise errors.FileCorrupt(str(path)) from None
        sheet = book.worksheets[0]
        rows = [
            ["" if v is None else str(v) for v in row]
            for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 1)
        ]
        book.close()
        return rows
    if suffix not in (".csv", ".txt"):
        raise errors.FileUnsupported(str(path), suffix)
    for encoding in ("utf-8-sig", "cp1258"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise errors.FileCorrupt(str(path))
    dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t") if text.strip() else csv.excel
    return list(csv.reader(io.StringIO(text), dialect))[: MAX_ROWS + 1]


def _columns(header: Sequence[str], path: Path) -> dict[str, int]:
    folded = [fold(h) for h in header]
    found: dict[str, int] = {}
    for key, names in HEADERS.items():
        for name in names:
            if name in folded and folded.index(name) not in found.values():
                found[key] = folded.index(name)
                break
    if "unit_code" not in found and "full_name" not in found:
        raise errors.StaffListInvalid(str(path), 1, "không có cột «Mã đơn vị» hay «Họ và tên»")
    return found


def read_staff_list(path: Path) -> _Reading:
    rows = _rows(path)
    if not rows:
        raise errors.FileEmpty(str(path))
    columns = _columns(rows[0], path)
    reading = _Reading()

    def cell(row: Sequence[str], key: str) -> str:
        at = columns.get(key)
        return nfc(row[at]) if at is not None and at < len(row) else ""

    for number, row in enumerate(rows[1:], start=2):
        code, unit_name = cell(row, "unit_code").upper(), cell(row, "unit_name")
        person, title = cell(row, "full_name"), cell(row, "title")
        if not (code or unit_name or person or title):
            continue
        if code and (" " in code or "/" in code):
            raise errors.StaffListInvalid(str(path), number, f"mã đơn vị «{code}» có dấu cách")
        if unit_name and not code:
            raise errors.StaffListInvalid(str(path), number, "có tên đơn vị nhưng thiếu mã")
        if code and unit_name:
            known = reading.units.get(code)
            if known and fold(known) != fold(unit_name):
                raise errors.StaffListInvalid(
                    str(path), number, f"mã «{code}» đã dùng cho «{known}»"
                )
            reading.units[code] = unit_name
        if person:
            reading.people.append((person, code, title))
        elif title:
            raise errors.StaffListInvalid(str(path), number, "có chức vụ nhưng thiếu họ tên")
    return reading


def plan_import(
    path: Path,
    existing_units: Iterable[str],
    existing_people: Iterable[tuple[str, str | None]],
) -> StaffPlan:
    """The units and people of `path` that the desk does not have yet; StaffListInvalid if a
    person's unit is neither in the list nor on the desk."""
    reading = read_staff_list(path)
    have_units = {u.upper() for u in existing_units}
    have_people = {(fold(name), (unit or "").upper()) for name, unit in existing_people}
    units = tuple((c, n) for c, n in reading.units.items() if c not in have_units)
    people: list[tuple[str, str, str]] = []
    skipped = len(reading.units) - len(units)
    for name, unit, title in reading.people:
        if unit and unit not in have_units and unit not in reading.units:
            raise errors.StaffListInvalid(str(path), 0, f"đơn vị «{unit}» của {name} chưa có tên")
        key = (fold(name), unit)
        if key in have_people:
            skipped += 1
            continue
        have_people.add(key)
        people.append((name, unit, title))
    return StaffPlan(units, tuple(people), skipped)
