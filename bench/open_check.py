"""Opening a desk with and without the opening check (Database.check), interleaved.

    .venv/bin/python bench/open_check.py DATA_DIR [--rounds N] [--full]

`--full` forces SQLite's `PRAGMA quick_check` whatever the database's size (what a desk up to
FULL_CHECK_MAX_BYTES gets at every opening, and every desk gets from `clerk verify-audit`).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import _common  # noqa: F401  (puts the source tree on sys.path)

from clerk_app.storage import database
from clerk_app.workspace import Workspace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--full", action="store_true")
    args = parser.parse_args()
    real_check = database.Database.check

    def forced(self: database.Database, *, full: bool | None = None) -> None:
        real_check(self, full=True if args.full else full)

    def skipped(self: database.Database, *, full: bool | None = None) -> None:
        return None

    timings: dict[str, list[float]] = {"with the check": [], "without": []}
    for _ in range(args.rounds):
        for name, check in (("with the check", forced), ("without", skipped)):
            database.Database.check = check  # type: ignore[method-assign]
            started = time.perf_counter()
            Workspace.open(args.data_dir).close()
            timings[name].append((time.perf_counter() - started) * 1000)
    database.Database.check = real_check  # type: ignore[method-assign]
    size = (args.data_dir / database.DB_FILENAME).stat().st_size
    print(f"{args.data_dir} ({size / 2**20:.0f} MiB), full={args.full}")
    for name, values in timings.items():
        print(
            f"  open {name:15s} median {statistics.median(values):7.1f} ms  max {max(values):7.1f} ms"
        )


if __name__ == "__main__":
    main()
