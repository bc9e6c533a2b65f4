"""Reading the personnel office's list of units and people: columns found by name, the plan
leaves out what the desk has, and a bad row is named and nothing is planned."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from openpyxl import Workbook

from clerk_app import errors
from clerk_app.messages import describe
from clerk_app.staff_list import plan_import


def _cp1258(text: str) -> bytes:
    """As Windows writes Vietnamese in windows-1258: a tone is a combining mark after its letter."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            out += (unicodedata.normalize("NFC", parts[:-1]) + parts[-1]).encode("cp1258")
    return out


def _csv(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "danh-sach.csv"
    path.write_bytes(_cp1258(text) if encoding == "cp1258" else text.encode(encoding))
    return path


def test_columns_in_any_order_and_case_without_accents(tmp_path: Path) -> None:
    path = _csv(tmp_path, "chuc vu,HO VA TEN,ten don vi,Ma don vi\nKế toán,Đỗ Thị Hoa,Phòng Tài chính,tc\n")
    plan = plan_import(path, [], [])
    assert plan.units == (("TC", "Phòng Tài chính"),)
    assert plan.people == (("Đỗ Thị Hoa", "TC", "Kế toán"),)


def test_semicolons_and_the_windows_vietnamese_code_page(tmp_path: Path) -> None:
    # Excel on a Vietnamese Windows saves CSV in windows-1258 with semicolons.
    text = "Mã đơn vị;Tên đơn vị;Họ và tên\nVP;Văn phòng;Lê Văn Tám\n"
    plan = plan_import(_csv(tmp_path, text, "cp1258"), [], [])
    assert plan.people == (("Lê Văn Tám", "VP", ""),)


def test_what_the_desk_has_is_left_out(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Mã đơn vị", "Tên đơn vị", "Họ và tên", "Chức vụ"])
    sheet.append(["VP", "Văn phòng", "Nguyễn Văn An", "Chủ tịch"])
    sheet.append(["VP", "Văn phòng", "Trần Bình", None])
    path = tmp_path / "list.xlsx"
    book.save(path)
    plan = plan_import(path, ["VP"], [("NGUYEN VAN AN", "vp")])
    assert plan.units == () and plan.people == (("Trần Bình", "VP", ""),) and plan.skipped == 2


@pytest.mark.parametrize(
    ("text", "row", "problem"),
    [
        ("Mã đơn vị,Tên đơn vị\nV P,Văn phòng\n", 2, "dấu cách"),
        ("Mã đơn vị,Tên đơn vị,Họ và tên\n,Văn phòng,An\n", 2, "thiếu mã"),
        ("Mã đơn vị,Tên đơn vị\nVP,Văn phòng\nVP,Phòng khác\n", 3, "đã dùng"),
        ("Họ và tên,Chức vụ\n,Trưởng phòng\n", 2, "thiếu họ tên"),
        ("Tên,Địa chỉ\nAn,Hà Nội\n", 1, "không có cột"),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_planned(
    tmp_path: Path, text: str, row: int, problem: str
) -> None:
    with pytest.raises(errors.StaffListInvalid) as caught:
        plan_import(_csv(tmp_path, text), [], [])
    assert caught.value.row == row and problem in caught.value.problem
    assert "Chưa thêm đơn vị hay cán bộ nào" in describe(caught.value).one_line()


def test_a_person_of_an_unknown_unit_is_refused(tmp_path: Path) -> None:
    with pytest.raises(errors.StaffListInvalid) as caught:
        plan_import(_csv(tmp_path, "Mã đơn vị,Họ và tên\nKT,An\n"), ["VP"], [])
    assert "KT" in caught.value.problem


def test_files_that_are_not_lists(tmp_path: Path) -> None:
    empty = tmp_path / "trong.csv"
    empty.write_bytes(b"")
    with pytest.raises(errors.FileEmpty):
        plan_import(empty, [], [])
    broken = tmp_path / "hong.xlsx"
    broken.write_bytes(b"PK\x03\x04 not a workbook")
    with pytest.raises(errors.FileCorrupt):
        plan_import(broken, [], [])
    picture = tmp_path / "anh.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(errors.FileUnsupported):
        plan_import(picture, [], [])
