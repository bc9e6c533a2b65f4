"""Which series numbers a document and how its reference reads (NĐ 30 art. 15, app. III); pure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from clerk_app import errors
from clerk_app.clock import to_vietnam
from clerk_app.vocabulary import DOC_TYPE_ABBREVIATIONS, TYPES_WITHOUT_ABBREVIATION, number_label

# Legal-normative documents (văn bản quy phạm pháp luật) are numbered in a yearly series of
# their own and carry the year in their reference (`11/2026/QĐ-UBND`).
QPPL_SERIES = "QPPL"
# Copies (bản sao y, trích sao, sao lục) share one yearly series, never the originals' one.
COPY_SERIES = "SAO"
RESERVED_SERIES = (QPPL_SERIES, COPY_SERIES)
SERIES_NAMES = {
    QPPL_SERIES: "Sổ đăng ký văn bản quy phạm pháp luật",
    COPY_SERIES: "Sổ đăng ký bản sao văn bản",
}

# Of NĐ 30's types (Phụ lục III), only these can be legal-normative: the Law on promulgation of
# legal documents (80/2015/QH13, art. 4) names Nghị quyết (of the People's Councils) and Quyết
# định (of the People's Committees, their chairs and central bodies); Chỉ thị, legal-normative
# under the 2004 law, left the list in 2015. Luật, Nghị định, Thông tư are not NĐ 30 types.
QPPL_TYPES: tuple[str, ...] = ("Nghị quyết", "Quyết định")
COPY_TYPES: tuple[str, ...] = ("Bản sao y", "Bản trích sao", "Bản sao lục")


def check_qppl(doc_type: str, qppl: bool) -> None:
    """Refuse the QPPL property on a type that cannot carry it (copies included)."""
    if qppl and doc_type not in QPPL_TYPES:
        raise errors.QpplTypeRefused(doc_type)


def reserved_series_for(doc_type: str, qppl: bool) -> str | None:
    """The series the rules fix for this document, or None when configuration decides."""
    check_qppl(doc_type, qppl)
    if qppl:
        return QPPL_SERIES
    if doc_type in COPY_TYPES:
        return COPY_SERIES
    return None


def check_series_choice(series: str, doc_type: str, qppl: bool) -> None:
    """A series named by the clerk must fit the document: copies and QPPL only in their own."""
    required = reserved_series_for(doc_type, qppl)
    if required is not None and series != required:
        raise errors.SeriesRefused(series, doc_type, required)
    if required is None and series in RESERVED_SERIES:
        raise errors.SeriesRefused(series, doc_type, "")


def check_series_types(series: str, doc_types: Sequence[str]) -> None:
    """An extra series opened by the administrator: the QPPL one only for QPPL-capable types."""
    if series == QPPL_SERIES:
        for doc_type in doc_types:
            check_qppl(doc_type, True)
    elif series == COPY_SERIES:
        for doc_type in doc_types:
            if doc_type not in COPY_TYPES:
                raise errors.SeriesRefused(series, doc_type, "")


def compose_reference(
    number: int,
    doc_type: str,
    agency_code: str,
    unit_code: str,
    *,
    year: int | None = None,
    qppl: bool = False,
) -> str:
    """`05/QĐ-UBND`, `45/UBND-VP` for a công văn, `11/2026/QĐ-UBND` for a QPPL document."""
    label = number_label("outgoing", number)
    if qppl:
        if year is None:
            raise ValueError("a QPPL reference carries its year")
        label = f"{label}/{year}"
    if doc_type in TYPES_WITHOUT_ABBREVIATION:
        return f"{label}/{agency_code}-{unit_code}"
    return f"{label}/{DOC_TYPE_ABBREVIATIONS[doc_type]}-{agency_code}"


# --- checks made inside the numbering transaction ---------------------------------------------


def check_arrival_order(
    received_at: datetime, last: tuple[int, datetime | None] | None, late_reason: str
) -> bool:
    """True when this arrival is a late registration (received before the last one numbered).

    Arrival numbers follow the order of receipt (NĐ 30 art. 22.2); an arrival received earlier
    than the last one registered keeps the order of numbers only as a late registration with
    its reason, which the register's Ghi chú shows.
    """
    if last is None or last[1] is None or received_at >= last[1]:
        return False
    if not late_reason:
        raise errors.ArrivalOutOfOrder(
            to_vietnam(received_at).isoformat(timespec="minutes"),
            last[0],
            to_vietnam(last[1]).isoformat(timespec="minutes"),
        )
    return True


def received_now(received_at: datetime, last: tuple[int, datetime | None] | None) -> datetime:
    """An arrival timed "now" whose clock was read before another process's registration took
    the write lock: it was received after that one, so it is filed at the same instant."""
    if last is None or last[1] is None or received_at >= last[1]:
        return received_at
    return last[1]


def late_note(reason: str, notes: str) -> str:
    """The Ghi chú of a late registration: the fact and its reason first, the clerk's notes after."""
    from clerk_app.messages import LATE_REGISTRATION_NOTE

    note = LATE_REGISTRATION_NOTE.format(reason)
    return f"{note}; {notes}" if notes else note
