"""The numbering checks inside the registration transaction, timed on an existing desk.

.venv/bin/python bench/numbering_checks.py DATA_DIR [--calls N]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import _common  # noqa: F401  (puts the source tree on sys.path)
from sqlalchemy import select

from clerk_app.errors import ClerkError
from clerk_app.storage import numbering_queries as q
from clerk_app.storage.database import DB_FILENAME, Database
from clerk_app.storage.models import DeskState, Register


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    db = Database(args.data_dir / DB_FILENAME)
    with db.read() as s:
        agency = s.execute(select(DeskState.agency_id)).scalar_one()
        regs = s.execute(select(Register)).scalars().all()
        incoming = next(r for r in regs if r.kind == "incoming" and r.last_number > 0)
        outgoing = next(r for r in regs if r.kind == "outgoing" and r.last_number > 0)
    timings: dict[str, list[float]] = {"closed year": [], "last arrival": [], "taken reference": []}
    with db.read() as s:
        checks: dict[str, Callable[[int], object]] = {
            "closed year": lambda i: q.refuse_closed_year(s, agency, "incoming", incoming.year),
            "last arrival": lambda i: q.last_arrival(s, incoming.id),
            "taken reference": lambda i: q.refuse_taken_reference(
                s, outgoing.year, f"{outgoing.last_number + 1 + i}/QĐ-X"
            ),
        }
        for i in range(args.calls):
            for name, check in checks.items():
                started = time.perf_counter()
                with contextlib.suppress(ClerkError):
                    check(i)
                timings[name].append((time.perf_counter() - started) * 1000)
    db.close()
    for name, values in timings.items():
        ordered = sorted(values)
        p95 = ordered[int(len(ordered) * 0.95)]
        print(f"{name:16s} p50 {statistics.median(ordered):.3f} ms  p95 {p95:.3f} ms")


if __name__ == "__main__":
    main()
