"""Bad input the core refuses or folds: hidden characters, hyphen look-alikes, dates before 1945."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

import pytest

from clerk_app import errors
from clerk_app.clock import VIETNAM
from clerk_app.field_rules import document_problems
from clerk_app.messages import describe
from clerk_app.registration import parse_date
from clerk_app.storage.database import DB_FILENAME
from clerk_app.text import reference_key
from clerk_app.workspace import Workspace
from tests.clerk_app.test_workspace import incoming, outgoing


def written(ws: Workspace) -> tuple[int, int]:
    con = sqlite3.connect(ws.data_dir / DB_FILENAME)
    try:
        return (
            con.execute("SELECT count(*) FROM document").fetchone()[0],
            con.execute("SELECT count(*) FROM audit_entry").fetchone()[0],
        )
    finally:
        con.close()


@pytest.mark.parametrize(
    "typed",
    [
        "123/STC\u2011NS",  # non-breaking hyphen
        "123/STC\u2013NS",  # en dash
        "123/STC\u2212NS",  # minus sign
        "123/\u200bSTC-NS",  # zero-width space
        "12\u200d3/STC-NS\ufeff",  # zero-width joiner, BOM
        "123/STC\u00ad-NS",  # soft hyphen
    ],
)
def test_reference_look_alikes_fold_to_one_key(typed: str) -> None:
    assert reference_key(typed) == reference_key("123/STC-NS")


def test_a_duplicate_typed_with_a_look_alike_hyphen_is_caught(workspace: Workspace) -> None:
    workspace.register_incoming(incoming())
    with pytest.raises(errors.DuplicateDocument):
        workspace.register_incoming(incoming(reference="123/STC\u2011N\u200bS"))


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\u200f", "\x07", "\x1b", "\x00"])
@pytest.mark.parametrize("field", ["issuer", "subject", "reference", "notes", "recipients"])
def test_control_and_bidi_characters_are_refused_in_every_field(
    workspace: Workspace, field: str, char: str
) -> None:
    before = written(workspace)
    with pytest.raises(errors.ForbiddenCharacter) as caught:
        workspace.register_incoming(incoming(**{field: f"Về việc {char}fdp.exe"}))
    assert caught.value.field == field
    line = describe(caught.value).one_line()
    assert line.isprintable() and "U+" in line
    assert written(workspace) == before


def test_hidden_characters_are_refused_in_outgoing_corrections_and_reasons(
    workspace: Workspace,
) -> None:
    with pytest.raises(errors.ForbiddenCharacter):
        workspace.register_outgoing(outgoing(signer="Nguyễn\u202eVăn Hùng"))
    doc = workspace.register_outgoing(outgoing()).document
    with pytest.raises(errors.ForbiddenCharacter):
        workspace.correct(doc.summary.id, {"subject": "Về việc\u2067 x"}, "gõ nhầm")
    with pytest.raises(errors.ForbiddenCharacter):
        workspace.cancel(doc.summary.id, "nhầm\x08")
    with pytest.raises(errors.ForbiddenCharacter):
        workspace.add_unit("TC\u202e", "Phòng Tài chính")
    with pytest.raises(errors.ForbiddenCharacter):
        workspace.register_incoming(incoming(late_reason="thư\u202e lẫn"))


def test_line_breaks_and_tabs_are_ordinary_typing(workspace: Workspace) -> None:
    doc = workspace.register_incoming(incoming(subject="Về việc\nquyết toán\tkinh phí")).document
    assert doc.summary.subject == "Về việc quyết toán kinh phí"


def test_the_server_refuses_what_the_desk_refuses() -> None:
    fields = {"subject": "Về việc \u202eabc"}
    assert ("subject", "control_character") in document_problems(
        "incoming", 2026, fields, partial=True
    )


def test_dates_before_1945_are_refused_in_the_core(workspace: Workspace) -> None:
    before = written(workspace)
    with pytest.raises(errors.DateTooEarly):
        workspace.register_incoming(incoming(issued_on=date(1026, 3, 5)))
    with pytest.raises(errors.DateTooEarly):
        workspace.register_incoming(
            incoming(received_at=datetime(1944, 12, 31, 9, 0, tzinfo=VIETNAM))
        )
    with pytest.raises(errors.DateTooEarly):
        workspace.register_outgoing(outgoing(issued_on=date(1900, 1, 1)))
    with pytest.raises(errors.DateTooEarly):
        parse_date("05/03/0026", "issued_on")
    assert written(workspace) == before
    doc = workspace.register_incoming(incoming(issued_on=date(1945, 9, 2))).document
    assert doc.fields["issued_on"] == "1945-09-02"
