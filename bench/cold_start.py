"""Start-up of the desk as a clerk starts it: a fresh process until its window is on the screen.

    .venv/bin/python bench/cold_start.py [--runs 5] [--frozen build/linux/dist/clerk-desk]

Three ways in, alternated run by run on the same small demo desk under one Xvfb screen
(1366×768): the frozen build of the .deb (`clerk-app` from installer/build-linux's bundle),
`scripts/app` (what a source checkout runs: its package and venv checks, then clerk-app), and
`.venv/bin/clerk-app` alone. The clock stops when X reports a visible window whose title holds
the agency's name (xdotool). "Cold" is a new process each time; the file cache stays warm (it
is a shared machine: dropping it would slow everyone).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from datetime import datetime
from pathlib import Path

from _common import ROOT, machine_info, percentile, table, write_json

TITLE = "Văn thư"


def _wait_window(display: str, proc: subprocess.Popen[bytes], timeout: float) -> float | None:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if proc.poll() is not None:
            return None
        found = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--name", TITLE],
            env={**os.environ, "DISPLAY": display},
            capture_output=True,
        )
        if found.returncode == 0 and found.stdout.strip():
            return time.monotonic() - start
        time.sleep(0.05)
    return None


def one(command: list[str], display: str, data_dir: Path) -> float | None:
    env = {
        **os.environ,
        "DISPLAY": display,
        "QT_QPA_PLATFORM": "xcb",
        "CLERK_DATA_DIR": str(data_dir),
    }
    started = time.monotonic()
    proc = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        waited = _wait_window(display, proc, 180)
        return None if waited is None else time.monotonic() - started
    finally:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--frozen", type=Path, default=ROOT / "build" / "linux" / "dist" / "clerk-desk"
    )
    args = parser.parse_args()
    if shutil.which("xdotool") is None:
        raise SystemExit("xdotool is needed (apt-get install xdotool)")
    frozen_link = Path(tempfile.mkdtemp()) / "clerk-app"
    frozen_link.symlink_to(args.frozen / "clerk-desk")
    ways = {
        "frozen clerk-app (.deb bundle)": [str(frozen_link)],
        "scripts/app": [str(ROOT / "scripts" / "app")],
        ".venv/bin/clerk-app": [str(ROOT / ".venv" / "bin" / "clerk-app")],
    }
    data_dir = Path(tempfile.mkdtemp(prefix="clerk-cold-")) / "desk"
    subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "clerk"),
            "--data-dir",
            str(data_dir),
            "demo",
            "--documents",
            "300",
        ],
        check=True,
        capture_output=True,
    )
    display = f":{500 + os.getpid() % 100}"
    xvfb = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1)
    samples: dict[str, list[float]] = {name: [] for name in ways}
    failures: dict[str, int] = dict.fromkeys(ways, 0)
    try:
        for command in ways.values():  # one warm-up each (page cache, font cache)
            one(command, display, data_dir)
        for _ in range(args.runs):
            for name, command in ways.items():
                took = one(command, display, data_dir)
                if took is None:
                    failures[name] += 1
                else:
                    samples[name].append(took)
    finally:
        xvfb.terminate()
        xvfb.wait()
    rows = []
    for name, values in samples.items():
        ordered = sorted(values)
        rows.append(
            [
                name,
                len(values),
                f"{percentile(ordered, 50):.2f}" if values else "—",
                f"{max(values):.2f}" if values else "—",
                failures[name],
            ]
        )
    payload = {
        "when": datetime.now().isoformat(),
        "machine": machine_info(data_dir),
        "runs": args.runs,
        "samples_s": samples,
        "failures": failures,
    }
    write_json("cold_start", payload)
    print(table(["way in", "runs", "median s", "max s", "no window"], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
