"""Issuer names matched to the desk's known issuers and the shipped, editable agency list."""

from __future__ import annotations

from pathlib import Path

import pytest

from clerk_app.reading.issuers import (
    AGENCIES_FILE,
    OVERRIDE_FOLDER,
    IssuerMatcher,
    agencies,
    distance,
)


@pytest.mark.parametrize(
    ("read", "registered"),
    [
        ("Ủy ban nhân dân tính Phú Yên", "Ủy ban nhân dân tỉnh Phú Yên"),  # a mark slipped
        (
            "Trung tâm Công nghệ thông tin và Truyêền thông",  # a letter doubled
            "Trung tâm Công nghệ thông tin và Truyền thông",
        ),
        ("Sở Tài chỉnh", "Sở Tài chính"),
        ("Sở Nội vụ tỉnh Phú Yèn", "Sở Nội vụ tỉnh Phú Yên"),  # one-line header: name + place
        ("Ủy ban nhân dân huyện Tuy Ah", "Ủy ban nhân dân huyện Tuy An"),
        ("Bộ Khoa học và Công nghê", "Bộ Khoa học và Công nghệ"),
    ],
)
def test_ocr_slips_come_back_as_the_registered_spelling(read: str, registered: str) -> None:
    found = IssuerMatcher((), agencies()).match(read)
    assert found is not None and found.name == registered


def test_unknown_or_far_names_are_not_matched() -> None:
    matcher = IssuerMatcher((), agencies())
    assert matcher.match("Ban Quản lý dự án đầu tư xây dựng các công trình") is None
    # Two edits in a short name is another agency's name as much as this one's.
    assert matcher.match("Sở Tư phấp") is not None
    assert matcher.match("Sở Tư phép nh") is None
    assert matcher.match("") is None


def test_ambiguous_reading_stays_unmatched() -> None:
    matcher = IssuerMatcher(["Ủy ban nhân dân xã An Mỹ", "Ủy ban nhân dân xã An Mị"], ())
    assert matcher.match("Ủy ban nhân dân xã An Mĩ") is not None  # folds equal to both: exact
    assert matcher.match("Ủy ban nhân dân xã An Mx") is None


def test_the_desks_own_issuers_win_over_the_list() -> None:
    matcher = IssuerMatcher(["SỞ TÀI CHÍNH"], agencies())
    found = matcher.match("Sở Tài chính")
    assert found is not None and found.known and found.name == "SỞ TÀI CHÍNH"


def test_two_line_names_pick_the_agency_not_its_parent() -> None:
    matcher = IssuerMatcher((), agencies())
    tails = ["Tỉnh Phú Yên", "Ủy ban nhân dân tỉnh Phú Yên"]  # last line, last two lines
    assert matcher.best(tails) == (1, matcher.match(tails[1]))
    tails = ["Sở Tài chính", "UBND tỉnh Phú Yên Sở Tài chính"]
    found = matcher.best(tails)
    assert found is not None and found[1].name == "Sở Tài chính"


def test_an_edited_list_in_the_data_folder_takes_precedence(tmp_path: Path) -> None:
    folder = tmp_path / OVERRIDE_FOLDER
    folder.mkdir()
    (folder / AGENCIES_FILE).write_text(
        "# ours\ncode,name,place\nHTX,Hợp tác xã Nông nghiệp Hòa Thắng,\n", "utf-8"
    )
    listed = agencies(tmp_path)
    assert [a.name for a in listed] == ["Hợp tác xã Nông nghiệp Hòa Thắng"]
    assert IssuerMatcher((), listed).match("Hợp tác xã Nông nghiệp Hòa Thẳng") is not None
    assert len(agencies(None)) > 50


def test_distance_stops_early() -> None:
    assert distance("so tai chinh", "so tai chinh", 2) == 0
    assert distance("so tai chinh", "so tu phap", 2) == 3
    assert distance("abc", "abd", 1) == 1
