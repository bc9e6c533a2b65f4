"""Helpers shared by the benchmark scripts: machine facts, percentiles, tables, JSON output.

Benchmarks are plain scripts (`.venv/bin/python bench/<name>.py`); nothing here is imported by
the application or the tests.
"""

from __future__ import annotations

import json
import math
import os
import platform
import sqlite3
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"

if str(ROOT) not in sys.path:  # so `python bench/x.py` finds clerk_app without installing
    sys.path.insert(0, str(ROOT))


def fs_type(path: Path) -> str:
    from clerk_app.storage.database import mount_fs_type

    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return mount_fs_type(probe) or "unknown"


def refuse_tmpfs(path: Path) -> str:
    """Timing durable commits on a RAM file system measures nothing; refuse it."""
    kind = fs_type(path)
    if kind in {"tmpfs", "ramfs", "overlay"}:
        raise SystemExit(f"{path} is on {kind}; pick a directory on a real disk (e.g. /var/tmp)")
    return kind


def _block_device(path: Path) -> dict[str, Any]:
    """Device backing `path` and whether the kernel calls it rotational (best effort)."""
    try:
        dev = os.stat(path).st_dev
        major, minor = os.major(dev), os.minor(dev)
        sys_dev = Path(f"/sys/dev/block/{major}:{minor}").resolve()
        name = sys_dev.name
        queue = sys_dev / "queue"
        if not queue.exists():
            queue = sys_dev.parent / "queue"
        rotational = (queue / "rotational").read_text().strip() if queue.exists() else "?"
        return {"device": name, "rotational": rotational == "1"}
    except OSError:
        return {"device": "?", "rotational": None}


def machine_info(path: Path) -> dict[str, Any]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    except OSError:
        pass
    import sqlalchemy

    probe = path if path.exists() else path.parent
    return {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": round(mem_kib / 1024 / 1024, 1),
        "fs_type": fs_type(path),
        **_block_device(probe),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "loadavg_at_start": os.getloadavg(),
    }


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), q in [0, 100]."""
    if not sorted_values:
        return math.nan
    k = (len(sorted_values) - 1) * q / 100
    lo, hi = math.floor(k), math.ceil(k)
    if lo == hi:
        return sorted_values[int(k)]
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def summarise(samples_s: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/max/mean in milliseconds."""
    ms = sorted(s * 1000 for s in samples_s)
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 3),
        "p95_ms": round(percentile(ms, 95), 3),
        "p99_ms": round(percentile(ms, 99), 3),
        "max_ms": round(ms[-1], 3) if ms else math.nan,
        "mean_ms": round(sum(ms) / len(ms), 3) if ms else math.nan,
    }


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table (readable in a terminal too)."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]

    def line(vals: Sequence[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(vals, widths, strict=True)) + " |"

    out = [line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in cells]
    return "\n".join(out)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        return f"{value:.2f}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value)


def write_json(name: str, payload: dict[str, Any]) -> Path:
    """bench/out/<name>-<timestamp>.json, and <name>-latest.json pointing at the same figures."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = OUT_DIR / f"{name}-{stamp}.json"
    text = json.dumps(payload, ensure_ascii=False, indent=2, default=str)
    path.write_text(text, encoding="utf-8")
    (OUT_DIR / f"{name}-latest.json").write_text(text, encoding="utf-8")
    return path
