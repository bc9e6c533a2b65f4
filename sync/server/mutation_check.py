"""What a desk's mutation must look like, and who may send it, before the ledger applies it.

The document and file rules are the core's (clerk_app/field_rules.py), the ones the desk
registers with; this module adds the envelope, each operation's payload and the roles. No
database: whether the files named are on the server is the ledger's check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from clerk_app.field_rules import (
    DIRECTIONS,
    DOCUMENT_RULES,
    FIRST_YEAR,
    LAST_YEAR,
    LINE_MAX,
    SUBJECT_MAX,
    FieldRule,
    Problem,
    document_problems,
    file_problems,
    parse_moment,
    value_problem,
)
from clerk_app.refusals import Refusal
from clerk_app.registration import INCOMING_CORRECTABLE, OUTGOING_CORRECTABLE
from clerk_app.vocabulary import DOC_TYPES
from sync import protocol as p

ID_MAX = 36
SERIES_MAX = 40
MAX_FILES = 500
NUMBER_MAX = 10_000_000
EPOCH_MAX = 2**31 - 1
SKEW_MAX = 10**9
MAX_PROBLEMS = 20
# A correction carries the derived keys the desk recomputed along with the fields changed.
DERIVED_FIELDS = frozenset({"urgency_rank", "issuer_key", "reference_key"})
# Ops that name files the server must already hold.
FILE_OPS = (*p.DOCUMENT_OPS, p.DRAFT_OP)

INVALID = Refusal.INVALID_MUTATION
ROLE_CANNOT_NUMBER = Refusal.ROLE_CANNOT_NUMBER
ROLE_NOT_ALLOWED = Refusal.ROLE_NOT_ALLOWED
FILE_MISSING = Refusal.FILE_MISSING


@dataclass(frozen=True)
class Verdict:
    """Why a mutation is refused: a stable reason code and the (field, rule) pairs it broke."""

    reason: str
    problems: list[Problem] = field(default_factory=list)

    def as_result(self) -> dict[str, Any]:
        return {"problems": [list(x) for x in self.problems[:MAX_PROBLEMS]]}


def check(m: Mapping[str, Any], role: str) -> Verdict | None:
    """The verdict on one mutation from an account of `role`, or None when it may be applied."""
    op = str(m.get("op"))
    allowed = p.OP_ROLES.get(op)
    if allowed is not None and role not in allowed:
        reason = ROLE_CANNOT_NUMBER if op in p.NUMBERING_OPS else ROLE_NOT_ALLOWED
        return Verdict(reason, [("role", role)])
    problems = _envelope(m)
    payload = m.get("payload")
    if isinstance(payload, Mapping):
        problems += _payload(m, op, payload)
    return Verdict(INVALID, problems) if problems else None


def correction_problems(direction: str, changes: object) -> list[Problem]:
    """What is wrong with a correction of a document of `direction`: only correctable fields,
    each as [old, new] with a new value the field's rule accepts."""
    if not isinstance(changes, Mapping) or not changes or len(changes) > 40:
        return [("changes", "not_an_object")]
    allowed = (
        INCOMING_CORRECTABLE if direction == "incoming" else OUTGOING_CORRECTABLE
    ) | DERIVED_FIELDS
    problems: list[Problem] = []
    new: dict[str, Any] = {}
    for name, pair in changes.items():
        if name not in allowed:
            problems.append((f"changes.{str(name)[:40]}", "not_correctable"))
        elif not isinstance(pair, list) or len(pair) != 2:
            problems.append((f"changes.{name}", "not_old_and_new"))
        else:
            new[name] = pair[1]
    return problems + [
        (f"changes.{name}", rule)
        for name, rule in document_problems(direction, None, new, partial=True)
    ]


def is_id(value: object, longest: int = ID_MAX) -> bool:
    """An id or op name: text of 1..longest characters, no NUL (PostgreSQL text refuses it)."""
    return isinstance(value, str) and 0 < len(value) <= longest and "\x00" not in value


def _envelope(m: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    if not isinstance(m.get("payload"), Mapping):
        problems.append(("payload", "not_an_object"))
    if parse_moment(m.get("at")) is None:
        problems.append(("at", "not_a_moment"))
    for name, limit, required in (("entity", 40, False), ("entity_id", ID_MAX, True)):
        value = m.get(name)
        if value is None and not required:
            continue
        if not is_id(value, limit):
            problems.append((name, "not_an_id"))
    files = m.get("files")
    if files is not None:
        if not isinstance(files, list) or len(files) > MAX_FILES:
            problems.append(("files", "not_a_list"))
        else:
            for entry in files:
                problems += file_problems(entry)
    epoch = m.get("lease_epoch")
    if epoch is not None and not _int_in(epoch, 0, EPOCH_MAX):
        problems.append(("lease_epoch", "out_of_range"))
    skew = m.get(p.CLOCK_SKEW_FIELD)
    if skew is not None and not (
        isinstance(skew, int | float) and not isinstance(skew, bool) and abs(skew) <= SKEW_MAX
    ):
        problems.append((p.CLOCK_SKEW_FIELD, "out_of_range"))
    return problems


def _payload(m: Mapping[str, Any], op: str, payload: Mapping[str, Any]) -> list[Problem]:
    if op in p.REGISTER_OPS:
        kind = "incoming" if op == "register_incoming" else "outgoing"
        problems = _expect(m, "entity", "document")
        if payload.get("direction", kind) != kind:
            problems.append(("direction", "does_not_match"))
        if payload.get("status", "registered") != "registered":
            problems.append(("status", "not_in_list"))
        if not _int_in(payload.get("number"), 1, NUMBER_MAX):
            problems.append(("number", "out_of_range"))
        problems += _text(payload, "register", SERIES_MAX, required=False)
        return problems + document_problems(kind, payload.get("year"), payload)
    if op == p.DRAFT_OP:
        problems = _expect(m, "entity", "draft")
        direction, fields = payload.get("direction"), payload.get("fields")
        problems += _text(payload, "series", SERIES_MAX, required=False)
        if direction not in DIRECTIONS:
            return [*problems, ("direction", "not_in_list")]
        if not isinstance(fields, Mapping):
            return [*problems, ("fields", "not_an_object")]
        return problems + [
            (f"fields.{name}", rule)
            for name, rule in document_problems(str(direction), payload.get("year"), fields)
        ]
    if op == p.CEDE_OP:
        problems = _expect(m, "entity", "register")
        problems += _text(payload, "series", SERIES_MAX, required=True)
        if payload.get("kind") not in DIRECTIONS:
            problems.append(("kind", "not_in_list"))
        if not _int_in(payload.get("year"), FIRST_YEAR, LAST_YEAR):
            problems.append(("year", "out_of_range"))
        if not _int_in(payload.get("through"), 1, NUMBER_MAX):
            problems.append(("through", "out_of_range"))
        if not _int_in(payload.get("epoch"), 1, EPOCH_MAX):
            problems.append(("epoch", "out_of_range"))
        return problems
    if op == "correct":
        # The changes' rules depend on the document's direction: the ledger checks them with
        # correction_problems once it has the document.
        return _text(payload, "reason", SUBJECT_MAX, required=True)
    if op == "cancel":
        return _text(payload, "reason", SUBJECT_MAX, required=True)
    if op == "hand_over":
        problems = _text(payload, "to", DOCUMENT_RULES["handed_over_to"].limit, required=True)
        if parse_moment(payload.get("at")) is None:
            problems.append(("at", "not_a_moment"))
        return problems
    if op == "open_register":
        problems = _text(payload, "series", SERIES_MAX, required=True)
        problems += _text(payload, "name", LINE_MAX, required=False)
        if payload.get("kind") not in DIRECTIONS:
            problems.append(("kind", "not_in_list"))
        if not _int_in(payload.get("year"), FIRST_YEAR, LAST_YEAR):
            problems.append(("year", "out_of_range"))
        types = payload.get("doc_types")
        if types is not None and (
            not isinstance(types, list) or any(t not in DOC_TYPES for t in types)
        ):
            problems.append(("doc_types", "not_in_list"))
        return problems
    if op == "add_unit":
        return _text(payload, "code", 40, required=True) + _text(
            payload, "name", LINE_MAX, required=True
        )
    return []


def _expect(m: Mapping[str, Any], name: str, value: str) -> list[Problem]:
    return [] if m.get(name) == value else [(name, "does_not_match")]


def _text(payload: Mapping[str, Any], name: str, limit: int, *, required: bool) -> list[Problem]:
    rule = FieldRule("text", limit, required=frozenset(DIRECTIONS) if required else frozenset())
    problem = value_problem(name, rule, payload.get(name), "incoming")
    return [(name, problem)] if problem else []


def _int_in(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
