"""Every error of the exchange has its own one-line Vietnamese message, whatever its fields."""

from __future__ import annotations

import pytest

from clerk_app import errors
from clerk_app.messages import describe

CASES = [
    errors.EdxmlTooLarge(400 * 1024 * 1024, 300 * 1024 * 1024),
    errors.EdxmlHostile("doctype"),
    errors.EdxmlHostile("too_deep"),
    errors.EdxmlNotWellFormed(3, 14, "mismatched tag"),
    errors.EdxmlNotAMessage("html"),
    errors.EdxmlElementMissing("MessageHeader/Subject"),
    errors.EdxmlBadValue("OtherInfo/Priority", "9", "0, 1, 2, 3, 4"),
    errors.EdxmlBadValue("MessageHeader/DueDate", "mai"),
    *(
        errors.EdxmlAttachmentDamaged("qd.pdf", r)
        for r in ("missing", "base64", "hash", "zip", "too_large", "empty")
    ),
    errors.EdxmlWrongRecipient("000.03.32.H44", ("000.01.32.H44",)),
    errors.EdxmlWrongRecipient("000.03.32.H44"),
    errors.EdxmlDuplicate("000.01.32.H44,2026/03/02,45/STC-NS"),
    errors.OrganNotInDirectory("Sở Nội vụ", "/data/interchange/organs.csv"),
    errors.OrganNotInDirectory("Sở Nội vụ"),
    *(errors.NotExportable("id-1", r) for r in ("incoming", "cancelled", "no_file")),
]


@pytest.mark.parametrize("error", CASES, ids=lambda e: f"{type(e).__name__}")
def test_each_exchange_error_is_worded(error: errors.ClerkError) -> None:
    message = describe(error)
    line = message.one_line()
    assert message.todo, "each message says what to do"
    assert "\n" not in line and not line.startswith("Lỗi không mong đợi")
    assert str(error) == line
