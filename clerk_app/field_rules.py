"""The rules each document field obeys, as data: kind, length, vocabulary, when it is required.

The desk's registration (clerk_app/registration.py) normalises what a clerk typed within these
limits; the central server checks what desks send against the same rules (`document_problems`,
`file_problems`), so a value one desk would refuse never reaches another desk. Pure: no storage,
no wording (a problem is a field name and a rule code).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from clerk_app.clock import to_vietnam
from clerk_app.input_rules import forbidden_character
from clerk_app.vocabulary import (
    DOC_TYPES,
    TYPES_WITHOUT_ABBREVIATION,
    URGENCY_LEVELS,
    urgency_rank,
)

LINE_MAX = 300
SUBJECT_MAX = 4000
DIRECTIONS = ("incoming", "outgoing")
BOTH = frozenset(DIRECTIONS)
INCOMING = frozenset({"incoming"})
OUTGOING = frozenset({"outgoing"})
STATUSES = ("registered", "cancelled")
# The series every register of a year has; others (legal-normative documents, say) are added.
DEFAULT_SERIES = "chung"
# Roles of a document's files: the original as received or drafted, the PDF made from an image
# original, the stamped and signed versions, and the text read from a scan.
FILE_ROLES = ("original", "rendition", "stamped", "signed", "ocr_text")
FILE_NAME_MAX = 300
MEDIA_TYPE_MAX = 80
PAGES_MAX = 100_000
COPIES_MAX = 10_000
# The first and last years any register may carry; a year outside is a wrong clock or a forgery.
FIRST_YEAR, LAST_YEAR = 1990, 2200
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
# The role of the text kept for a file: a PDF's own text layer, or what OCR read from a scan.
TEXT_ROLE = "ocr_text"


@dataclass(frozen=True)
class FieldRule:
    """How one field is written: `kind` is text, date (ISO day), moment (ISO time with its
    offset), int or bool; `limit` is a text's length or an int's largest value."""

    kind: str
    limit: int = 0
    minimum: int = 0
    choices: tuple[str, ...] = ()
    choices_in: frozenset[str] = BOTH  # the directions whose values must be one of `choices`
    required: frozenset[str] = frozenset()  # the directions that need a value (text: non-empty)
    correctable: frozenset[str] = frozenset()  # the directions where a correction may change it


DOCUMENT_RULES: dict[str, FieldRule] = {
    "status": FieldRule("text", 12, choices=STATUSES),
    "received_at": FieldRule("moment", required=INCOMING),
    "register_date": FieldRule("date"),
    "issuer": FieldRule("text", LINE_MAX, required=INCOMING, correctable=INCOMING),
    "issuer_key": FieldRule("text", LINE_MAX),
    "reference": FieldRule("text", 120, correctable=INCOMING),
    "reference_key": FieldRule("text", 120),
    "issued_on": FieldRule("date", required=OUTGOING, correctable=BOTH),
    "doc_type": FieldRule(
        "text", 80, choices=DOC_TYPES, choices_in=OUTGOING, required=BOTH, correctable=INCOMING
    ),
    "subject": FieldRule("text", SUBJECT_MAX, required=BOTH, correctable=BOTH),
    "urgency": FieldRule("text", 20, choices=URGENCY_LEVELS, required=BOTH, correctable=BOTH),
    "urgency_rank": FieldRule("int", len(URGENCY_LEVELS) - 1),
    "pages": FieldRule("int", PAGES_MAX, minimum=1, correctable=INCOMING),
    "has_paper": FieldRule("bool", correctable=INCOMING),
    "source_channel": FieldRule("text", 40, correctable=INCOMING),
    "recipients": FieldRule("text", SUBJECT_MAX, required=OUTGOING, correctable=BOTH),
    "notes": FieldRule("text", SUBJECT_MAX, correctable=BOTH),
    "signer": FieldRule("text", 200, required=OUTGOING, correctable=OUTGOING),
    "unit_code": FieldRule("text", 40),
    "electronic_only": FieldRule("bool", correctable=OUTGOING),
    "copies": FieldRule("int", COPIES_MAX, minimum=1, correctable=OUTGOING),
    "file_copy_holder": FieldRule("text", 200, correctable=OUTGOING),
    "handed_over_at": FieldRule("moment"),
    "handed_over_to": FieldRule("text", LINE_MAX),
    "cancelled_at": FieldRule("moment"),
    "cancel_reason": FieldRule("text", SUBJECT_MAX),
    "revision": FieldRule("int", 1_000_000, minimum=1),
}

FILE_RULES: dict[str, FieldRule] = {
    "id": FieldRule("text", 36, required=BOTH),
    "sha256": FieldRule("text", 64, required=BOTH),
    "role": FieldRule("text", 20, choices=FILE_ROLES, required=BOTH),
    "filename": FieldRule("text", FILE_NAME_MAX, required=BOTH),
    "media_type": FieldRule("text", MEDIA_TYPE_MAX, required=BOTH),
    "size": FieldRule("int", 2**40),
    "pages": FieldRule("int", PAGES_MAX),
    "parent_id": FieldRule("text", 36),
    "added_at": FieldRule("moment", required=BOTH),
}

# Every field of a document row that desks keep, show and send (the derived keys and ranks
# are made from these); one list, so a new field is added here and nowhere else.
DOCUMENT_FIELDS = (
    "direction",
    "year",
    "number",
    "status",
    "received_at",
    "issuer",
    "reference",
    "issued_on",
    "doc_type",
    "subject",
    "urgency",
    "pages",
    "has_paper",
    "source_channel",
    "recipients",
    "notes",
    "signer",
    "unit_code",
    "electronic_only",
    "copies",
    "file_copy_holder",
    "handed_over_at",
    "handed_over_to",
    "cancelled_at",
    "cancel_reason",
    "revision",
)
# The fields a document is found by, besides the text of its files.
SEARCHED_FIELDS = ("reference", "issuer", "doc_type", "subject", "notes", "recipients", "signer")


def correctable_fields(direction: str) -> frozenset[str]:
    """The fields a correction may change on a document of this direction; the others (its
    number, dates of record, derived keys) never change once registered."""
    return frozenset(n for n, r in DOCUMENT_RULES.items() if direction in r.correctable)


# The fields that hold a moment (an ISO time with its offset) and a day.
MOMENT_FIELDS = tuple(n for n, r in DOCUMENT_RULES.items() if r.kind == "moment")
DAY_FIELDS = tuple(n for n, r in DOCUMENT_RULES.items() if r.kind == "date")

Problem = tuple[str, str]  # (field, rule): e.g. ("subject", "too_long")


def limit(name: str) -> int:
    """The longest text (or largest number) a document field may hold."""
    return DOCUMENT_RULES[name].limit


def parse_moment(value: object) -> datetime | None:
    """An ISO time with its offset, as desks write them; None when it is not one."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None or not FIRST_YEAR <= moment.year <= LAST_YEAR:
        return None
    return moment


def parse_day(value: object) -> date | None:
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if FIRST_YEAR <= day.year <= LAST_YEAR else None


def value_problem(name: str, rule: FieldRule, value: Any, direction: str) -> str:
    """The rule `value` breaks, or "" (None stands for "no value")."""
    if value is None or value == "":
        if direction in rule.required:
            return "required"
        if value is None or rule.kind == "text":
            return ""
    if rule.kind == "text":
        if not isinstance(value, str):
            return "not_text"
        if len(value) > rule.limit:
            return "too_long"
        if forbidden_character(value) is not None:
            return "control_character"
        if rule.choices and direction in rule.choices_in and value not in rule.choices:
            return "not_in_list"
        return ""
    if rule.kind == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            return "not_integer"
        return "" if rule.minimum <= value <= rule.limit else "out_of_range"
    if rule.kind == "bool":
        return "" if isinstance(value, bool) else "not_boolean"
    if rule.kind == "date":
        return "" if parse_day(value) is not None else "not_a_date"
    return "" if parse_moment(value) is not None else "not_a_moment"


def document_problems(
    direction: str, year: object, fields: Mapping[str, Any], *, partial: bool = False
) -> list[Problem]:
    """What is wrong with a document's fields as a desk sends them (JSON values).

    `partial`: a correction, where only the fields given are checked. Besides each field's own
    rule, the year must be the register's year of the date the document is filed under."""
    if direction not in DIRECTIONS:
        return [("direction", "not_in_list")]
    problems: list[Problem] = []
    for name, rule in DOCUMENT_RULES.items():
        if partial and name not in fields:
            continue
        problem = value_problem(name, rule, fields.get(name), direction)
        if problem:
            problems.append((name, problem))
    if problems or partial:
        return problems
    if not isinstance(year, int) or isinstance(year, bool) or not FIRST_YEAR <= year <= LAST_YEAR:
        return [("year", "out_of_range")]
    urgency = fields.get("urgency")
    if "urgency_rank" in fields and fields["urgency_rank"] != urgency_rank(str(urgency)):
        problems.append(("urgency_rank", "does_not_match"))
    issued_on = parse_day(fields.get("issued_on"))
    if direction == "incoming":
        received = parse_moment(fields.get("received_at"))
        assert received is not None  # required above
        filed = to_vietnam(received).date()
        if issued_on is not None and issued_on > filed:
            problems.append(("issued_on", "after_arrival"))
    else:
        assert issued_on is not None
        filed = issued_on
        if fields.get("doc_type") in TYPES_WITHOUT_ABBREVIATION and not fields.get("unit_code"):
            problems.append(("unit_code", "required"))  # its reference names the drafting unit
    if filed.year != year:
        problems.append(("year", "does_not_match"))
    register_date = parse_day(fields.get("register_date"))
    if register_date is not None and register_date != filed:
        problems.append(("register_date", "does_not_match"))
    return problems


def file_problems(entry: object) -> list[Problem]:
    """What is wrong with one file entry of a document as a desk sends it."""
    if not isinstance(entry, Mapping):
        return [("files", "not_an_object")]
    problems = [
        (f"files.{name}", problem)
        for name, rule in FILE_RULES.items()
        if (problem := value_problem(name, rule, entry.get(name), "incoming"))
    ]
    sha = entry.get("sha256")
    if isinstance(sha, str) and not SHA256_HEX.match(sha):
        problems.append(("files.sha256", "not_sha256"))
    size = entry.get("size")
    if size is None:
        problems.append(("files.size", "required"))
    return problems
