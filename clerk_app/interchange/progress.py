"""The statuses an electronic incoming document's sender is told as the receiving desk works on it:
the one place that maps the desk's life-cycle actions to edXML status keys (QCVN 102 codes 04
assigned, 05 in progress, 06 done; 03 registered is said by receiving itself).

What each action means to the sender (the codes' meaning, docs EDXML.md, and the paper's path
in NĐ 30/2020 art. 24: registered → put before the leader → leader's instruction assigns the
handling unit → the paper handed to it → handled):

- a leader's instruction (or its revision) assigns handlers: 04 «Đã phân công xử lý»;
- a handover before any instruction: to a unit, the office routes the document straight to the
  unit that handles it, which is the assignment (04); to a person it goes up to a leader for an
  instruction, and nothing changes for the sender yet;
- a handover after an instruction puts the paper in its handler's hands: 05 «Đang xử lý»;
- an assignment marked done: 06 «Đã hoàn thành» once every live assignment of the document's
  active instructions is done (the document is closed), else 05.

Statuses only move forward (the server refuses a step back too): an action whose status the
sender has already been told, or a later one, tells nothing. The status is written in the
caller's transaction, beside the action (the item's status and a queued row carrying the
moment of the action); the desk's sync round sends the queue, so an offline desk loses nothing
and the status carries the time the clerk acted, not the time it reached the server.

Core only: the desk's exchange tables live in the workspace's database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from clerk_app.clock import to_vietnam
from clerk_app.storage.exchange_models import ExchangeInboxItem, ExchangeQueued
from clerk_app.storage.journal import canonical_json
from clerk_app.storage.secretary_models import Assignment, Instruction

Action = Literal["hand_over", "instruct", "complete"]
# The recipient's statuses in the order they may follow one another.
FORWARD = ("arrived", "registered", "assigned", "in_progress", "done")
# What `clerk exchange-progress` may set by hand (the same steps the actions take).
LATER_STATUSES = FORWARD[2:]


def status_for(action: Action, *, instructed: bool, all_done: bool, to_unit: bool) -> str | None:
    """The status `action` tells the sender, from the document's facts after the action."""
    if action == "instruct":
        return "assigned"
    if action == "hand_over":
        if instructed:
            return "in_progress"
        return "assigned" if to_unit else None
    return "done" if all_done else "in_progress"


def is_forward(current: str, wanted: str) -> bool:
    """Whether `wanted` comes after `current` (a refused, recalled or replaced item: never)."""
    if current not in FORWARD or wanted not in FORWARD:
        return False
    return FORWARD.index(wanted) > FORWARD.index(current)


def after_action(
    s: Session, document_id: str, action: Action, at: datetime, *, to_unit: bool = False
) -> str | None:
    """Tells the sender of an electronically received document what `action` moved it to, in
    the caller's transaction `s`. Returns the status told, or None (not an electronic arrival,
    or nothing new for the sender)."""
    item = s.execute(
        select(ExchangeInboxItem).where(ExchangeInboxItem.registered_document_id == document_id)
    ).scalar_one_or_none()
    if item is None:
        return None
    s.flush()  # the action's own rows (assignments) count in the facts below
    live = list(
        s.execute(
            select(Assignment.status)
            .join(Instruction, Instruction.id == Assignment.instruction_id)
            .where(
                Assignment.document_id == document_id,
                Instruction.status == "active",
                Assignment.status != "withdrawn",
            )
        ).scalars()
    )
    wanted = status_for(
        action,
        instructed=bool(live),
        all_done=bool(live) and all(x == "done" for x in live),
        to_unit=to_unit,
    )
    if wanted is None:
        return None
    return record(s, item, wanted, at)


def moment(at: datetime) -> str:
    """The action's moment as a status carries it: ISO 8601, Vietnam time, to the microsecond
    (two actions in the same second keep their order)."""
    return to_vietnam(at).isoformat()


def record(s: Session, item: ExchangeInboxItem, status: str, at: datetime) -> str | None:
    """Moves `item` on to `status` and queues it for the sender (a server item) with the moment
    `at`; None when it would not move the item forward."""
    if not is_forward(item.status, status):
        return None
    item.status, item.updated_at = status, at
    if item.source == "server":
        payload = {"status": status, "reason": "", "document": "", "at": moment(at)}
        s.add(
            ExchangeQueued(
                kind="status",
                target=item.id,
                payload=canonical_json(payload),
                created_at=at,
                answer="",
            )
        )
    return status
