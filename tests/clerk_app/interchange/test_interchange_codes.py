"""The code tables are data: shipped CSV files, replaced by the data folder's edited copies."""

from __future__ import annotations

from pathlib import Path

import pytest

from clerk_app import errors
from clerk_app.interchange.codes import CodeTables
from clerk_app.messages import describe


def test_shipped_tables(tables: CodeTables) -> None:
    assert {s.code: s.key for s in tables.statuses} == {
        "01": "arrived",
        "02": "refused",
        "03": "registered",
        "04": "assigned",
        "05": "in_progress",
        "06": "done",
        "13": "recall_requested",
        "15": "recall_accepted",
        "16": "recall_refused",
    }
    cong_van = tables.document_type_named("cong van")
    assert cong_van is not None and cong_van.code == "18"
    assert tables.document_type_coded("2") == tables.document_type_named("Quyết định")
    assert [(p.code, p.urgency, p.timed) for p in tables.priorities] == [
        ("0", "Thường", False),
        ("1", "Khẩn", False),
        ("2", "Thượng khẩn", False),
        ("3", "Hỏa tốc", False),
        ("4", "Hỏa tốc", True),
    ]
    assert tables.organs == ()  # the desk ships no agency's identifier


@pytest.mark.parametrize(
    ("urgency", "code"),
    [
        ("Thường", "0"),
        ("khan", "1"),
        ("Thượng khẩn", "2"),
        ("Hỏa tốc", "3"),
        ("Hoả tốc", "3"),
        ("Hỏa tốc hẹn giờ", "4"),
    ],
)
def test_urgency_to_priority(tables: CodeTables, urgency: str, code: str) -> None:
    assert tables.priority_for(urgency).code == code


def test_unknown_urgency_is_refused(tables: CodeTables) -> None:
    with pytest.raises(errors.InvalidValue):
        tables.priority_for("Gấp lắm")


def test_short_status_codes_are_read(tables: CodeTables) -> None:
    status = tables.status("6")
    assert status is not None and status.key == "done"
    assert tables.status("99") is None


def _edit(data_dir: Path, name: str, text: str) -> None:
    folder = data_dir / "interchange"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def test_data_folder_copy_takes_precedence(tmp_path: Path) -> None:
    _edit(
        tmp_path,
        "organs.csv",
        "# our correspondents\norgan_id,name,in_charge,email\n"
        "000.00.00.H44,Ủy ban nhân dân tỉnh Phú Yên,,\n"
        "000.01.32.H44,Sở Tài chính,Ủy ban nhân dân tỉnh Phú Yên,stc@phuyen.gov.vn\n",
    )
    _edit(
        tmp_path, "priorities.csv", "code,urgency,timed,label\nT,Thường,0,Thường\nH,Hỏa tốc,0,HT\n"
    )
    tables = CodeTables.load(tmp_path)
    finance = tables.organ_named("so tai chinh")
    assert finance is not None and finance.email == "stc@phuyen.gov.vn"
    assert tables.organ("000.01.32.h44") == finance
    assert tables.priority_for("Hỏa tốc").code == "H"
    assert tables.organ_source.endswith("interchange/organs.csv")
    # The tables not edited are still the shipped ones.
    assert len(tables.statuses) == 9


@pytest.mark.parametrize(
    ("name", "text", "detail"),
    [
        ("priorities.csv", "code,urgency,label\n0,Thường,Thường\n", "thiếu cột timed"),
        ("priorities.csv", "code,urgency,timed,label\n0,Thường,2,x\n", "0 hoặc 1"),
        ("priorities.csv", "code,urgency,timed,label\n0,Gấp,0,x\n", "Gấp"),
        ("status_codes.csv", "code,key,label\n01,arrived,Đã đến\n", "thiếu trạng thái"),
        ("status_codes.csv", "code,key,label\n01,arrived,a\n01,refused,b\n", "lặp lại"),
        ("document_types.csv", "code,detail,name\n,0,Công văn\n", "thiếu mã"),
        ("organs.csv", "organ_id,name,in_charge,email\nA,x,,\nA,y,,\n", "lặp lại"),
    ],
)
def test_a_broken_edit_is_named(tmp_path: Path, name: str, text: str, detail: str) -> None:
    _edit(tmp_path, name, text)
    with pytest.raises(errors.FileCorrupt) as caught:
        CodeTables.load(tmp_path)
    assert caught.value.path.endswith(name)
    assert detail in caught.value.detail
    assert describe(caught.value).one_line()
