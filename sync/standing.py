"""A desk learning from the server where it stood before it numbers: its outbox sequence (a desk
restored from a backup reuses numbers the server already applied) and the register counters.

Asked at the start of every sync round and of every online registration; the same answer
carries the server's time, so the desk's clock is read there without a hello of its own. No
wording.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from clerk_app.kernel import Transaction
from clerk_app.storage.models import DeskState, OutboxEntry, Register
from sync import clock_skew, desk_store
from sync.client import ServerClient

Demand = dict[tuple[str, str, int], tuple[int, int]]


def catch_up(
    desk: Any, client: ServerClient, *, once: bool = False
) -> tuple[Demand, clock_skew.ClockReading | None]:
    """Move this desk's new mutations past the sequence the server already applied from it and
    raise its register counters to the server's. Returns, for the registers it holds the lease
    of, what other desks want numbered: (drafts waiting, registrations made lately); and the
    desk's clock read against the server's time in the same answer (None from a server that
    does not tell it there: ask its hello). `once`: no second try (a clerk is waiting)."""
    with desk.db.read() as s:
        pending = list(
            s.execute(
                select(OutboxEntry.seq, OutboxEntry.mutation_id)
                .where(OutboxEntry.acked_at.is_(None))
                .order_by(OutboxEntry.seq)
            ).all()
        )
        last_outbox = s.execute(select(DeskState.last_outbox_seq)).scalar_one()
    since = pending[0][0] - 1 if pending else last_outbox
    before = desk.clock()
    answer = client.desk_standing(since, once=once)
    reading = clock_skew.read(answer, before, desk.clock())
    server_seq = int(answer["last_applied_seq"])
    applied = {int(seq): str(mid) for seq, mid in answer["applied"]}
    while answer.get("more") and applied and max(applied) < server_seq:
        answer = client.desk_standing(max(applied))
        applied |= {int(seq): str(mid) for seq, mid in answer["applied"]}
    # A pending mutation at a sequence the server applied is ours only if its id is the one the
    # server applied there (an answer lost); any other was made after a restore.
    newcomers = [seq for seq, mid in pending if not (seq <= server_seq and applied.get(seq) == mid)]
    behind = last_outbox < server_seq or any(seq <= server_seq for seq in newcomers)
    with desk.ctx.write() as tx:
        if behind:
            _move_past(tx, newcomers, server_seq, desk.desk_id)
        _raise_counters(tx.session, answer["registers"], desk)
    demand = {
        (r["kind"], r["series"], int(r["year"])): (int(r["waiting"]), int(r["others_recent"]))
        for r in answer["registers"]
        if "waiting" in r
    }
    return demand, reading


def _move_past(tx: Transaction, newcomers: list[int], server_seq: int, desk_id: str) -> int:
    """Renumber the desk's new mutations server_seq+1, +2 … in their order (through negative
    numbers, since the sequence is the key); the desk's next mutation follows them."""
    s = tx.session
    for seq in newcomers:
        s.execute(update(OutboxEntry).where(OutboxEntry.seq == seq).values(seq=-seq))
    for i, seq in enumerate(newcomers, start=1):
        s.execute(update(OutboxEntry).where(OutboxEntry.seq == -seq).values(seq=server_seq + i))
    last = s.execute(select(DeskState.last_outbox_seq)).scalar_one()
    s.execute(update(DeskState).values(last_outbox_seq=server_seq + len(newcomers)))
    tx.audit(
        "sync_sequence_caught_up",
        "desk",
        desk_id,
        {"server_seq": server_seq, "desk_seq": last, "moved": len(newcomers)},
    )
    return len(newcomers)


def _raise_counters(s: Any, registers: list[dict[str, Any]], desk: Any) -> None:
    """No register of this desk stays below the server's counter (nor, for the lease holder,
    below what it ceded): its next number offline comes after every number issued anywhere."""
    ident = (desk.desk_id, desk.station, desk.agency_id)
    for data in registers:
        floor = int(data.get("last_number") or 0)
        if data.get("lease_desk_id") == desk.desk_id:
            floor = max(floor, int(data.get("ceded_through") or 0))
        reg = s.execute(
            select(Register).where(
                Register.kind == data["kind"],
                Register.series == data["series"],
                Register.year == int(data["year"]),
            )
        ).scalar_one_or_none()
        if reg is not None and reg.last_number >= floor:
            continue
        desk_store._apply_register(s, data, ident, desk.clock())
        s.execute(
            update(Register)
            .where(
                Register.kind == data["kind"],
                Register.series == data["series"],
                Register.year == int(data["year"]),
                Register.last_number < floor,
            )
            .values(last_number=floor)
        )
