"""How a register's lease reads to a clerk, the same in the window's lease list and in `clerk
lease`: the register by its name and year, «đang giữ» or «tự do», the holder told apart from a
desk of the same station name (the desk id's short form, the login that connected it, «máy
này» for this desk), since when, in Vietnam time. Pure functions over `LeaseRow`; no Qt.
"""

from __future__ import annotations

from typing import Any

from clerk_app.clock import moment_text
from clerk_app.messages import register_title

STATES = {
    "mine": "đang giữ",
    "other": "đang giữ",
    "none": "tự do",
    "unknown": "chưa rõ",
    "releasing": "đang bàn giao",
}
SHORT_ID = 8  # characters of a desk id shown: enough to tell a handful of desks apart


def title(row: Any) -> str:
    """`Sổ đăng ký văn bản đến 2026`."""
    return str(register_title(row.kind, row.series, row.year, row.name))


def state(row: Any) -> str:
    return STATES[row.holder]


def desk_words(station: str, desk_id: str | None, login: str) -> str:
    """`«Văn thư» · mã 3f2a9c1b · nvan1.ubnd`: what tells one desk from another of its name."""
    parts = [f"«{station}»" if station else ""]
    parts.append(f"mã {desk_id[:SHORT_ID]}" if desk_id else "")
    parts.append(login)
    return " · ".join(p for p in parts if p)


def holder(row: Any) -> str:
    """Who numbers the register offline, starting lower case (`máy này («Văn thư» · …)`)."""
    words = desk_words(row.holder_station, row.holder_desk_id, row.holder_login)
    if row.holder == "mine":
        return f"máy này ({words})" if words else "máy này"
    if row.holder == "other":
        return f"bàn {words}" if words else "một bàn khác"
    if row.holder == "none":
        return "không bàn nào giữ — máy chủ cấp số"
    if row.holder == "releasing":
        return (
            "máy này đã gửi yêu cầu bàn giao, chờ máy chủ xác nhận (tạm ngừng cấp số ngoại tuyến)"
        )
    return "chưa đồng bộ với máy chủ"


def since(row: Any) -> str:
    """`từ 07/12/2026 09:15` (Vietnam time), or "" when not held or not known."""
    text = moment_text(row.held_since) if row.holder in ("mine", "other") else ""
    return f"từ {text}" if text else ""


def line(row: Any) -> str:
    """One register's lease on one line, for the command line."""
    parts = [holder(row), since(row)]
    counts = f"số cuối trên máy chủ {row.server_last_number}, trên bàn {row.local_last_number}"
    return f"{title(row)}: {state(row)} · " + " · ".join(p for p in [*parts, counts] if p)


def capital(text: str) -> str:
    """The window's cells start with a capital letter."""
    return text[:1].upper() + text[1:]
