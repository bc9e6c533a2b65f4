"""Closed lists of the domain (document types, urgency, secrecy, channels) from NĐ 30; no I/O."""

from __future__ import annotations

from clerk_app.text import fold

# NĐ 30/2020 appendix III: type name → abbreviation used in the reference.
DOC_TYPE_ABBREVIATIONS: dict[str, str] = {
    "Nghị quyết": "NQ",
    "Quyết định": "QĐ",
    "Chỉ thị": "CT",
    "Quy chế": "QC",
    "Quy định": "QyĐ",
    "Thông cáo": "TC",
    "Thông báo": "TB",
    "Hướng dẫn": "HD",
    "Chương trình": "CTr",
    "Kế hoạch": "KH",
    "Phương án": "PA",
    "Đề án": "ĐA",
    "Dự án": "DA",
    "Báo cáo": "BC",
    "Biên bản": "BB",
    "Tờ trình": "TTr",
    "Hợp đồng": "HĐ",
    "Công điện": "CĐ",
    "Bản ghi nhớ": "BGN",
    "Bản thỏa thuận": "BTT",
    "Giấy ủy quyền": "GUQ",
    "Giấy mời": "GM",
    "Giấy giới thiệu": "GGT",
    "Giấy nghỉ phép": "GNP",
    "Phiếu gửi": "PG",
    "Phiếu chuyển": "PC",
    "Phiếu báo": "PB",
    "Bản sao y": "SY",
    "Bản trích sao": "TrS",
    "Bản sao lục": "SL",
}
# Types whose reference carries no type abbreviation: issuer + drafting unit instead.
TYPES_WITHOUT_ABBREVIATION = ("Công văn", "Thư công")

DOC_TYPES: tuple[str, ...] = (*TYPES_WITHOUT_ABBREVIATION, *DOC_TYPE_ABBREVIATIONS)

URGENCY_LEVELS: tuple[str, ...] = ("Hỏa tốc", "Thượng khẩn", "Khẩn", "Thường")
# Sort key: urgent first in every "not yet handled" list (Phú Yên art. 5.3).
URGENCY_RANK = {name: rank for rank, name in enumerate(URGENCY_LEVELS)}
NORMAL_URGENCY = "Thường"


def urgency_rank(urgency: str) -> int:
    """The sort rank of an urgency level, most urgent first; one not in the law's list last."""
    return URGENCY_RANK.get(urgency, len(URGENCY_RANK))


def is_urgent(urgency: str) -> bool:
    """Above Thường: registered and passed on at once, the arrival hour on its stamp (Phú Yên
    art. 5.3). The one urgency rule of the desk; an empty level is Thường."""
    return urgency_rank(urgency or NORMAL_URGENCY) < URGENCY_RANK[NORMAL_URGENCY]


SECRECY_LEVELS: tuple[str, ...] = ("Tuyệt mật", "Tối mật", "Mật")

# NĐ 30 art. 25: the forms of a copy (hình thức sao), as the copy's signature mark names them.
SAO_Y = "Sao y"
COPY_FORMS: tuple[str, ...] = (SAO_Y, "Trích sao", "Sao lục")

SOURCE_CHANNELS: tuple[str, ...] = (
    "Bưu chính",
    "Trực tiếp",
    "Hệ thống điện tử",
    "Thư điện tử",
    "Fax",
)


def number_label(direction: str, number: int) -> str:
    """A register number as every stamp, register, list and reference prints it.

    The outgoing number (số văn bản) takes a leading zero below 10 (NĐ 30 appendix I, II.3:
    `05/TB-VP`). The arrival number (số đến) is the register's running count (NĐ 30 art. 22.2
    and the incoming register of appendix IV), written as the count: `7`. The dấu ĐẾN, the
    printed register and the screen all show it through this one function.
    """
    return f"{number:02d}" if direction == "outgoing" else str(number)


def _lookup(value: str, choices: tuple[str, ...]) -> str | None:
    wanted = fold(value)
    for choice in choices:
        if fold(choice) == wanted:
            return choice
    return None


def canonical_doc_type(value: str) -> str | None:
    """The listed spelling of a type typed any way (`quyet dinh`, `Quyết Định`), or None."""
    return _lookup(value, DOC_TYPES)


def canonical_urgency(value: str) -> str | None:
    """Urgency spelled canonically; the older `Hỏa tốc hẹn giờ` maps to Hỏa tốc."""
    folded = fold(value)
    if folded.startswith("hoa toc"):
        return "Hỏa tốc"
    if folded in ("", "thuong", "binh thuong"):
        return NORMAL_URGENCY if folded else None
    return _lookup(value, URGENCY_LEVELS)


def canonical_secrecy(value: str) -> str | None:
    """Secrecy level named by `value`, or None when it names none (empty, `Không`, `Thường`)."""
    folded = fold(value)
    if folded in ("", "khong", "thuong", "none", "binh thuong"):
        return None
    for level in SECRECY_LEVELS:
        if fold(level) == folded:
            return level
    return value  # Unknown wording of a secrecy mark: treat as secret rather than let it in.


def canonical_channel(value: str) -> str | None:
    return _lookup(value, SOURCE_CHANNELS)
