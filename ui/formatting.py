"""How values look on screen (dates dd/mm/yyyy, numbers, labels); pure functions, no widgets."""

from __future__ import annotations

import re
from datetime import date, datetime

from clerk_app.clock import moment_text, to_vietnam
from clerk_app.records import DocumentSummary
from clerk_app.vocabulary import is_urgent as is_urgent  # the rule lives in the core

DIRECTION_LABELS = {"incoming": "Đến", "outgoing": "Đi"}
STATUS_LABELS = {"registered": "Đã đăng ký", "cancelled": "Đã hủy"}


def day(value: date | datetime | None) -> str:
    """`05/02/2024`; a moment is shown by its date in Vietnam time."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_vietnam(value)
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def moment(value: datetime | None) -> str:
    """`05/02/2024 09:15` in Vietnam time (the core's rule, shared with the command line)."""
    return moment_text(value)


def count(value: int) -> str:
    """Thousands grouped the Vietnamese way: 1.000.000."""
    return f"{value:,}".replace(",", ".")


def type_and_subject(summary: DocumentSummary) -> str:
    subject = summary.subject.strip()
    if not summary.doc_type:
        return subject
    return f"{summary.doc_type}: {subject}" if subject else summary.doc_type


def document_title(summary: DocumentSummary) -> str:
    """`Văn bản đến số 12/2026` or `Văn bản đi 05/QĐ-UBND`."""
    if summary.direction == "incoming":
        return f"Văn bản đến số {summary.number}/{summary.year}"
    return f"Văn bản đi số {summary.reference or summary.number_label}"


def document_date(summary: DocumentSummary) -> date | None:
    """Arrival date for incoming documents, issued-on date for outgoing ones."""
    if summary.direction == "incoming" and summary.received_at is not None:
        return to_vietnam(summary.received_at).date()
    return summary.issued_on


_DATE_SPLIT = re.compile(r"\s*[/.\-]\s*|\s+")


class DateText(ValueError):
    """Why a typed date was not accepted, in Vietnamese."""


def parse_day(text: str, *, today: date | None = None) -> date | None:
    """Parse what a clerk types as a date: `05/02/2026`, `5/2/2026`, `5-2-26`, `05022026`, and
    `2/12` for the 2nd of December this year (the year in Vietnam, unless `today` is given).

    Empty text gives None. Raises DateText with a Vietnamese reason otherwise.
    """
    text = text.strip()
    if not text:
        return None
    if today is None:
        from datetime import UTC, datetime

        from clerk_app.clock import vietnam_date

        today = vietnam_date(datetime.now(UTC))
    if text.isdigit() and len(text) == 8:
        parts = [text[:2], text[2:4], text[4:]]
    else:
        parts = [p for p in _DATE_SPLIT.split(text) if p]
    if len(parts) == 2:
        parts.append(str(today.year))
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise DateText(
            f"«{text}» không phải một ngày; nhập theo dạng dd/mm/yyyy, "
            f"ví dụ 05/02/{today.year} (hoặc 5/2 cho năm nay)."
        )
    d, m, y = (int(p) for p in parts)
    if len(parts[2]) <= 2:
        y += 2000
    if not 1900 <= y <= 2999:
        raise DateText(f"Năm «{parts[2]}» không hợp lệ.")
    try:
        return date(y, m, d)
    except ValueError:
        raise DateText(f"Ngày «{text}» không có thật (kiểm tra ngày và tháng).") from None
