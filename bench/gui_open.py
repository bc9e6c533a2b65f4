"""GUI open benchmark: start the desk on a 1,000,000-document data dir until the register shows.

Each sample is a fresh process (as a clerk starts the app): wall time from launching it to the
first painted register page, and its peak resident memory. Baselines in the same run: the same
window on a small demo desk, and a bare Qt window (the floor of starting Python + Qt here).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, machine_info, percentile, table, write_json

CHILD = textwrap.dedent(
    """
    import json, os, resource, sys, time
    from pathlib import Path
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    mode, data_dir = sys.argv[1], sys.argv[2]
    if mode == "bare":
        from PySide6.QtWidgets import QApplication, QMainWindow, QTableView
        app = QApplication([])
        window = QMainWindow()
        window.setCentralWidget(QTableView())
        window.resize(1280, 800)
        window.show()
        app.processEvents()
        window.grab()
        rows = 0
    else:
        from ui.app import make_application
        from clerk_app.workspace import Workspace
        from ui.main_window import MainWindow
        app = make_application([])
        workspace = Workspace.open(Path(data_dir))
        window = MainWindow(workspace)
        window.resize(1280, 800)
        window.show()
        app.processEvents()
        table = window.current_table()
        model = table.model()
        rows = model.rowCount()
        # The register is shown when its visible rows are painted: grab() paints synchronously,
        # asking the model for every cell on screen.
        window.grab()
        first = model.index(0, 1).data()
        assert rows > 0 and first, "the register showed no rows"
    shown = time.perf_counter()
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"shown": shown, "rows": rows, "peak_rss_mib": rss_kib / 1024}))
    """
)


def sample(mode: str, data_dir: Path) -> dict[str, Any]:
    env = os.environ | {"PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(data_dir)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    end = time.perf_counter()
    if done.returncode != 0:
        raise SystemExit(f"{mode} failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    # perf_counter is CLOCK_MONOTONIC, shared by parent and child on Linux.
    return {
        "seconds": result["shown"] - start,
        "process_seconds": end - start,
        "rows": result["rows"],
        "peak_rss_mib": result["peak_rss_mib"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("/var/tmp/clerk-bench-1m"))
    parser.add_argument("--small-dir", type=Path, default=Path("/var/tmp/clerk-bench-2k"))
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    if not (args.data_dir / "clerk.sqlite3").exists():
        raise SystemExit(f"no desk at {args.data_dir}: run `clerk demo --documents 1000000` there")
    if not (args.small_dir / "clerk.sqlite3").exists():
        subprocess.run(
            [
                Path(sys.executable).with_name("clerk"),
                "--data-dir",
                str(args.small_dir),
                "demo",
                "--documents",
                "2000",
            ],
            check=True,
        )
    variants = {
        "1M desk": ("desk", args.data_dir),
        "2k desk": ("desk", args.small_dir),
        "bare Qt window": ("bare", args.data_dir),
    }
    samples: dict[str, list[dict[str, Any]]] = {name: [] for name in variants}
    sample("desk", args.data_dir)  # warm the page cache once, as a desk used daily has it
    for _ in range(args.repeat):
        for name, (mode, path) in variants.items():  # interleaved, so noise hits all alike
            samples[name].append(sample(mode, path))
    rows = []
    floor = percentile(sorted(s["seconds"] for s in samples["bare Qt window"]), 50)
    for name, runs in samples.items():
        secs = sorted(s["seconds"] for s in runs)
        rss = [s["peak_rss_mib"] for s in runs]
        rows.append(
            [
                name,
                f"{runs[0]['rows']:,}",
                f"{percentile(secs, 50):.2f}",
                f"{max(secs):.2f}",
                f"{max(rss):.0f}",
                f"{percentile(secs, 50) / floor:.2f}×",
            ]
        )
    print(table(["variant", "register rows", "p50 s", "max s", "peak RSS MiB", "÷ bare Qt"], rows))
    print(write_json("gui_open", {"machine": machine_info(args.data_dir), "samples": samples}))


if __name__ == "__main__":
    main()
