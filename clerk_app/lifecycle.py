"""The document's life cycle: its states, which action needs which state, read from the record.

Incoming: received → registered → stamped → handed over → instructed / assigned → closed.
Outgoing: numbered → number and date on the file → signed by the agency → issued.

The state is derived, not stored. Every step that moves a document on already leaves a fact
in the record that cannot be taken back: a stamped, numbered, signed or issued file version
(each with its audit entry), the handover columns, an instruction, its assignments done. A
state column beside them would be a second account of the same facts, written by a second
path, that a sync round, an interrupted write or an old desk could make disagree with the
files and the audit chain — the very kind of contradiction this desk exists to rule out —
and it would need a migration and a sync field of its own. Deriving costs one read of the
document's files (and its instructions, when asked) each time a state is needed, which is
when one document is acted on or shown, never for a whole register.

This module is pure (no database, no workspace): callers pass the facts. The workspace and
the signing code check with what a document's detail holds; an incoming document's
instructions are added by clerk_app.instructions.document_state for the window and the CLI.

Cancellation is outside the cycle: it ends it at any state (`CANCELLED`), and corrections are
allowed at every state; neither is listed here because neither needs a state.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from clerk_app import errors
from clerk_app.records import Direction, DocumentDetail

RECEIVED = "received"  # paper or file in hand, no record yet (a page of a scan batch, a draft)
REGISTERED = "registered"
STAMPED = "stamped"
HANDED_OVER = "handed_over"
INSTRUCTED = "instructed"
CLOSED = "closed"
NUMBERED = "numbered"
NUMBER_ON_FILE = "number_on_file"
SIGNED = "signed"
ISSUED = "issued"
CANCELLED = "cancelled"

CYCLES: dict[Direction, tuple[str, ...]] = {
    "incoming": (RECEIVED, REGISTERED, STAMPED, HANDED_OVER, INSTRUCTED, CLOSED),
    "outgoing": (NUMBERED, NUMBER_ON_FILE, SIGNED, ISSUED),
}
# File versions whose presence says an outgoing document has reached a state.
OUTGOING_ROLES = {"numbered": NUMBER_ON_FILE, "signed": SIGNED, "issued": ISSUED}

# Versions a document has at most once: a second would be a second number or a second
# issue; the action refused and the state it found.
ONCE_ROLES = {"numbered": ("write_number", NUMBER_ON_FILE), "issued": ("issue", ISSUED)}

# Actions the core checks, with the direction and states each needs.
STAMP_ARRIVAL = "stamp_arrival"
WRITE_NUMBER = "write_number"
SIGN_AGENCY = "sign_agency"
ISSUE = "issue"
SIGN_SCAN_COPY = "sign_scan_copy"
SIGN_ATTACHMENT = "sign_attachment"
HAND_OVER = "hand_over"
INSTRUCT = "instruct"


@dataclass(frozen=True)
class Need:
    direction: Direction
    states: frozenset[str]


NEEDS: dict[str, Need] = {
    # The routing stamp after an instruction stamps again (Chuyển filled in), and a scan may
    # come after the paper was handled: the arrival stamp fits every registered state.
    STAMP_ARRIVAL: Need("incoming", frozenset(CYCLES["incoming"][1:])),
    SIGN_SCAN_COPY: Need("incoming", frozenset(CYCLES["incoming"][1:])),
    WRITE_NUMBER: Need("outgoing", frozenset({NUMBERED})),
    SIGN_AGENCY: Need("outgoing", frozenset({NUMBER_ON_FILE})),
    # Issuing does what is left of number and date → agency signature → issued.
    ISSUE: Need("outgoing", frozenset({NUMBERED, NUMBER_ON_FILE, SIGNED})),
    # The paper goes to its handlers, and a leader's instruction is written on it, once it is
    # in the incoming register; again later too (a second handler, a new instruction).
    HAND_OVER: Need("incoming", frozenset(CYCLES["incoming"][1:])),
    INSTRUCT: Need("incoming", frozenset(CYCLES["incoming"][1:])),
    # An attachment carries the parent's reference, issued at registration, so at any state.
    SIGN_ATTACHMENT: Need("outgoing", frozenset(CYCLES["outgoing"])),
}


@dataclass(frozen=True)
class Facts:
    """What the record says about a document, as far as its life cycle goes."""

    direction: Direction
    cancelled: bool
    file_roles: frozenset[str]
    handed_over: bool = False
    instructed: bool = False
    closed: bool = False  # every assignment of its instructions done


def facts_of(detail: DocumentDetail, assignment_states: Iterable[str] | None = None) -> Facts:
    """The facts of a document's detail; `assignment_states`: the statuses of the assignments
    of its active instructions (None when the caller did not read them)."""
    summary = detail.summary
    states = list(assignment_states or ())
    live = [s for s in states if s != "withdrawn"]
    return Facts(
        direction=summary.direction,
        cancelled=summary.status == "cancelled",
        file_roles=frozenset(f.role for f in detail.files),
        handed_over=summary.handed_over_at is not None,
        instructed=bool(live),
        closed=bool(live) and all(s == "done" for s in live),
    )


def state_of(facts: Facts) -> str:
    """The furthest state the record shows the document has reached."""
    if facts.cancelled:
        return CANCELLED
    if facts.direction == "outgoing":
        reached = [OUTGOING_ROLES[r] for r in facts.file_roles if r in OUTGOING_ROLES]
        order = CYCLES["outgoing"]
        return max(reached, key=order.index, default=NUMBERED)
    if facts.closed:
        return CLOSED
    if facts.instructed:
        return INSTRUCTED
    if facts.handed_over:
        return HANDED_OVER
    if "stamped" in facts.file_roles:
        return STAMPED
    return REGISTERED


def allows(facts: Facts, action: str) -> bool:
    """Whether `action` fits the document now (the window offers only these)."""
    need = NEEDS[action]
    return facts.direction == need.direction and state_of(facts) in need.states


def require(facts: Facts, action: str) -> str:
    """The document's state if `action` fits it; otherwise the typed refusal, nothing written."""
    need = NEEDS[action]
    state = state_of(facts)
    if facts.direction != need.direction:
        raise errors.WrongDirection(action, facts.direction)
    if state not in need.states:
        raise errors.WrongState(action, state)
    return state


def offered(facts: Facts) -> tuple[str, ...]:
    """Every checked action that fits the document now, in the order of NEEDS."""
    return tuple(action for action in NEEDS if allows(facts, action))
