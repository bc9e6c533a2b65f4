"""One set of field rules: what the desk's registration produces passes the checks the server
runs, and what the desk refuses is what the server refuses."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from clerk_app import errors
from clerk_app.clock import VIETNAM
from clerk_app.field_rules import document_problems, file_problems, limit
from clerk_app.records import IncomingDraft, OutgoingDraft
from clerk_app.registration import correction_fields, incoming_fields, outgoing_fields

NOW = datetime(2026, 11, 26, 9, 15, tzinfo=VIETNAM)


def _json(fields: dict[str, object]) -> dict[str, object]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in fields.items()}


def _incoming(**kw: object) -> IncomingDraft:
    base: dict[str, object] = dict(
        issuer="Sở Tài chính", reference="12/STC", issued_on=date(2026, 11, 20),
        doc_type="Công văn", subject="Về việc quyết toán",
    )  # fmt: skip
    return IncomingDraft(**(base | kw))  # type: ignore[arg-type]


def test_what_the_desk_registers_passes_the_servers_checks() -> None:
    fields = _json(incoming_fields(_incoming(urgency="khan", pages=3), NOW))
    assert document_problems("incoming", 2026, fields) == []
    out = _json(
        outgoing_fields(
            OutgoingDraft(
                doc_type="quyet dinh", subject="Về việc A", signer="Ông B", recipients="Như Điều 3"
            ),
            NOW.date(),
        )
    )
    assert document_problems("outgoing", 2026, out) == []
    assert document_problems("outgoing", 2025, out) == [("year", "does_not_match")]


@pytest.mark.parametrize("name", ["subject", "issuer", "reference", "notes", "doc_type"])
def test_the_desk_and_the_server_share_each_length(name: str) -> None:
    too_long = "a" * (limit(name) + 1)
    with pytest.raises(errors.InvalidValue):
        incoming_fields(_incoming(**{name: too_long}), NOW)
    fields = _json(incoming_fields(_incoming(), NOW)) | {name: too_long}
    assert (name, "too_long") in document_problems("incoming", 2026, fields)
    with pytest.raises(errors.InvalidValue):
        correction_fields("incoming", {name: too_long})


def test_problems_name_the_field_and_the_rule() -> None:
    fields = _json(incoming_fields(_incoming(), NOW))
    broken = fields | {"urgency": "Siêu khẩn", "received_at": "2026-11-26", "pages": 0}
    assert sorted(document_problems("incoming", 2026, broken)) == [
        ("pages", "out_of_range"),
        ("received_at", "not_a_moment"),
        ("urgency", "not_in_list"),
    ]
    assert document_problems("sideways", 2026, fields) == [("direction", "not_in_list")]
    entry = {"id": "f", "sha256": "AB" * 32, "role": "original", "filename": "a.pdf",
             "media_type": "application/pdf", "size": 3, "added_at": NOW.isoformat()}  # fmt: skip
    assert file_problems(entry) == [("files.sha256", "not_sha256")]
    assert file_problems(entry | {"sha256": "ab" * 32, "role": "x"}) == [
        ("files.role", "not_in_list")
    ]


def test_one_list_of_fields_says_what_a_correction_may_change() -> None:
    from clerk_app.field_rules import DOCUMENT_FIELDS, correctable_fields

    incoming, outgoing = correctable_fields("incoming"), correctable_fields("outgoing")
    assert incoming <= set(DOCUMENT_FIELDS) and outgoing <= set(DOCUMENT_FIELDS)
    # What identifies the entry in the register never changes by correction.
    for fixed in ("direction", "year", "number", "received_at", "status", "revision"):
        assert fixed not in incoming | outgoing
    assert "issuer" in incoming and "issuer" not in outgoing  # ours is the agency itself
    assert "signer" in outgoing and "signer" not in incoming
    with pytest.raises(errors.FieldNotCorrectable):
        correction_fields("outgoing", {"issuer": "Sở Nội vụ"})
